"""The mocked AWS account that lesson 06 runs against, in one place you can read.

Lesson 06 calls the real :mod:`companion.monitoring` code, and that code calls boto3 as it would
against AWS. By default the calls go to `moto <https://github.com/getmoto/moto>`_, which fakes
AWS inside the Python process: nothing is created in an account and nothing is billed. moto does
most of the job; this module adds what it does not do, so that the lesson's cells stay short:

:func:`start_mocked_aws`
    Sets fake credentials for this process and starts moto's mock of every service.
:class:`SeededMonth`
    moto's Cost Explorer tracks no spending and answers ``GetCostAndUsage`` from a queue of
    results a test put there (see :mod:`.seed`). A ``SeededMonth`` describes one made-up month
    (the daily cost of each service, noise, quieter weekends, one injected spike) and queues
    the answers Cost Explorer would give for it. :func:`lesson_month` is the lesson's own
    (November 2026, seen on :data:`LESSON_TODAY`), so each part of the lesson seeds the same.
:func:`answer_cost_forecasts`
    moto does not implement ``GetCostForecast``. This answers it in botocore's ``before-call``
    event (what botocore's ``Stubber`` does, for one operation only) with a stand-in for AWS's
    model, and refuses a forecast that starts before "today", as AWS does.
:func:`answer_budget_subscribers`
    moto's Budgets lacks ``DescribeSubscribersForNotification``, which
    :func:`~.budgets.ensure_budget` reads on its second run; this answers it from moto's own
    budget records.
:class:`AlertInbox`
    An SQS queue subscribed to the alert topic, so the lesson can read back what an e-mail
    subscriber would receive.
:func:`count_requests`
    Records every request of one operation a client sends (Cost Explorer bills each one).
:func:`describe_period` and :func:`describe_check`
    One-line descriptions of a period and of a run of the check, for printing.

Against a real account (the lesson's ``USE_REAL_AWS = True``) only :class:`AlertInbox`,
:func:`count_requests` and the two ``describe_`` functions are used; the rest is for the mock
alone. moto is imported only inside the functions that need it (it is an optional extra).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from botocore.awsrequest import AWSResponse

from .exceptions import MonitoringConfigError
from .periods import Period, month_to_date
from .seed import DEFAULT_ACCOUNT_ID, as_one_period, inject_cost_results, month_of_costs

if TYPE_CHECKING:
    from .check import CheckReport

__all__ = [
    "LESSON_SERVICES_USD",
    "LESSON_TODAY",
    "AlertInbox",
    "SeededMonth",
    "answer_budget_subscribers",
    "answer_cost_forecasts",
    "count_requests",
    "describe_check",
    "describe_period",
    "lesson_month",
    "start_mocked_aws",
]

DEFAULT_REGION = "us-east-1"
# The stand-in forecast's prediction interval: the mean ± 10 %.
FORECAST_INTERVAL = 0.10
# The answer a before-call handler gives: botocore treats it as the HTTP response and its
# parsed body, and raises a ClientError when the status is 300 or more.
BeforeCallAnswer = tuple[AWSResponse, dict[str, Any]]


def _answer(body: dict[str, Any]) -> BeforeCallAnswer:
    return AWSResponse(None, 200, {}, None), body


def _refuse(status: int, code: str, message: str) -> BeforeCallAnswer:
    body = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return AWSResponse(None, status, {}, None), body


def _request(params: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body botocore is about to send (Cost Explorer and Budgets speak JSON)."""
    body = params.get("body") or b"{}"
    document = json.loads(body)
    if not isinstance(document, dict):
        raise MonitoringConfigError(f"expected a JSON object as the request body, got {body!r}")
    return document


# ---------------------------------------------------------------------------- the mock


def start_mocked_aws(region: str = DEFAULT_REGION) -> Any:
    """Start moto's mock of every AWS service in this process and return it.

    First :func:`companion.environment.isolate_from_real_aws` removes any endpoint, profile or
    session token from ``os.environ`` and sets fake credentials (``testing``) and
    ``AWS_DEFAULT_REGION``, so the kernel holds nothing real around the mock. Every boto3
    client then talks to an in-memory account, ``123456789012``. Call ``.stop()`` on the
    result to end the mock (its state is lost).
    """
    from moto import mock_aws

    from ..environment import isolate_from_real_aws

    isolate_from_real_aws(region)  # no endpoint, profile or token of yours can leak past moto
    mock = mock_aws()
    mock.start()
    return mock


# ---------------------------------------------------------------------------- the seeded month


@dataclass(frozen=True)
class SeededMonth:
    """A made-up month of costs, and the Cost Explorer answers it would produce.

    ``services`` maps each service name (as Cost Explorer spells it) to its typical daily cost
    in USD. Each day every service costs that amount times ``1 + noise * N(0, 1)`` (``seed``
    fixes the draws), times ``weekend_factor`` on Saturdays and Sundays; ``anomaly_usd`` is
    added to ``anomaly_service`` on day ``anomaly_day``. Answers come in pages of
    ``page_size`` days joined by ``NextPageToken``, as AWS splits long answers (``None``: one
    page). The arithmetic is :func:`~.seed.month_of_costs`'s.
    """

    year: int
    month: int
    services: Mapping[str, float]
    seed: int = 0
    noise: float = 0.1
    weekend_factor: float = 1.0
    page_size: int | None = None
    anomaly_day: int | None = None
    anomaly_service: str | None = None
    anomaly_usd: float = 0.0

    @property
    def typical_day_usd(self) -> float:
        """The cost of a typical weekday: the services' daily costs added up."""
        return float(sum(self.services.values()))

    def pages(self, through_day: int, *, by_service: bool = True) -> list[dict[str, Any]]:
        """The ``GetCostAndUsage`` answers (DAILY) for the days 1 to ``through_day``: one result
        per service per day with ``by_service``, else one total per day."""
        return month_of_costs(
            self.year,
            self.month,
            services=self.services,
            seed=self.seed,
            noise=self.noise,
            weekend_factor=self.weekend_factor,
            page_size=self.page_size,
            anomaly_day=self.anomaly_day,
            anomaly_service=self.anomaly_service,
            anomaly_usd=self.anomaly_usd,
            through_day=through_day,
            group_by_service=by_service,
        )

    def queue(self, through_day: int, *, by_service: bool = True) -> None:
        """Queue :meth:`pages` as moto's next ``GetCostAndUsage`` answers (inside the mock).

        moto hands queued answers out in order, one per request it has not seen before (each
        page is a request), so queue them in the order the code will ask."""
        inject_cost_results(self.pages(through_day, by_service=by_service))

    def queue_services_to_date(self, today: date) -> None:
        """Queue the answer to "what did each service cost this month?" as asked on ``today``
        (MONTHLY, grouped by service, over the month to date, the days that are over only: at
        the check's hour Cost Explorer has nothing for today yet). The check asks it only when
        it sends an alert, to name the most expensive services."""
        pages = self.pages(today.day - 1) if today.day > 1 else []
        inject_cost_results(as_one_period(pages, month_to_date(today)))


# USD per day: an invented but plausible mix of the serving stack's services for the seeded test
# data, not a price of the course's design (lesson 07 prices that). The lesson teaches the
# querying, not these amounts.
LESSON_SERVICES_USD: Mapping[str, float] = MappingProxyType({
    "Amazon Elastic Compute Cloud - Compute": 8.40,
    "Amazon Elastic Container Service for Kubernetes": 2.40,
    "AWS Lambda": 1.20,
    "Amazon API Gateway": 0.85,
    "AmazonCloudWatch": 0.45,
    "Amazon Simple Storage Service": 0.20,
})  # fmt: skip
# The lesson's "today" (a UTC date), fixed so that every number reproduces.
LESSON_TODAY = date(2026, 11, 20)


def lesson_month() -> SeededMonth:
    """November 2026 as lesson 06 seeds it: :data:`LESSON_SERVICES_USD` each day with ±8 %
    noise (seed 6), weekends at 90 %, pages of 7 days, and one anomaly: on 12 November a GPU
    load test left running adds USD 90 of EC2. Every part of the lesson seeds this same month."""
    return SeededMonth(
        2026,
        11,
        services=LESSON_SERVICES_USD,
        seed=6,
        noise=0.08,
        weekend_factor=0.9,
        page_size=7,
        anomaly_day=12,
        anomaly_service="Amazon Elastic Compute Cloud - Compute",
        anomaly_usd=90.0,
    )


# ---------------------------------------------------------------------------- what moto lacks


def answer_cost_forecasts(
    ce: Any, *, today: date, daily_usd: float, interval: float = FORECAST_INTERVAL
) -> Callable[..., BeforeCallAnswer]:
    """Answer ``ce``'s ``GetCostForecast`` requests, which moto does not implement.

    The stand-in for AWS's model: every day of the requested period costs ``daily_usd``, and the
    prediction interval is the mean ± ``interval`` (a fraction). A period that starts before
    ``today`` is refused with a ``ValidationException``, as AWS refuses a forecast that starts
    in the past. Registers on the client's ``before-call`` event (so only this client is
    affected) and returns the handler; ``ce.meta.events.unregister(...)`` removes it.
    """
    if not isinstance(daily_usd, int | float) or isinstance(daily_usd, bool) or daily_usd < 0:
        raise MonitoringConfigError(f"daily_usd must be a number of USD, at least 0, got {daily_usd!r}")  # fmt: skip
    if not isinstance(interval, int | float) or isinstance(interval, bool) or not 0 <= interval < 1:
        raise MonitoringConfigError(f"interval must be a fraction from 0 to 1, got {interval!r}")

    def answer_forecast(params: Mapping[str, Any], **_: Any) -> BeforeCallAnswer:
        request = _request(params)
        period = Period.from_api(request["TimePeriod"])
        if period.start < today:
            return _refuse(
                400,
                "ValidationException",
                f"the forecast's start {period.start} is before today ({today}): a forecast "
                "may not start in the past",
            )
        mean = daily_usd * period.days
        bounds = {
            "PredictionIntervalLowerBound": f"{mean * (1 - interval):.2f}",
            "PredictionIntervalUpperBound": f"{mean * (1 + interval):.2f}",
        }
        return _answer(
            {
                "Total": {"Amount": f"{mean:.2f}", "Unit": "USD"},
                "ForecastResultsByTime": [
                    {"TimePeriod": request["TimePeriod"], "MeanValue": f"{mean:.2f}", **bounds}
                ],
            }
        )

    ce.meta.events.register("before-call.cost-explorer.GetCostForecast", answer_forecast)
    return answer_forecast


def answer_budget_subscribers(
    budgets: Any, *, account_id: str = DEFAULT_ACCOUNT_ID
) -> Callable[..., BeforeCallAnswer]:
    """Answer ``budgets``' ``DescribeSubscribersForNotification`` requests, which moto lacks,
    from the budgets moto keeps for ``account_id`` (moto's records are the truth: what
    ``CreateBudget`` stored is what comes back). An unknown budget or notification is refused
    with ``NotFoundException``, as AWS does. Registers on the client's ``before-call`` event
    and returns the handler."""

    def answer_subscribers(params: Mapping[str, Any], **_: Any) -> BeforeCallAnswer:
        from moto.budgets.models import budgets_backends

        request = _request(params)
        name = str(request.get("BudgetName", ""))
        records = budgets_backends[account_id]["aws"].budgets.get(str(request.get("AccountId")))
        budget = None if records is None else records.get(name)
        matches = [] if budget is None else [
            n for n in budget.notifications if n.details == request.get("Notification")
        ]  # fmt: skip
        if len(matches) != 1:
            return _refuse(
                404,
                "NotFoundException",
                f"no notification {request.get('Notification')} on the budget {name!r}",
            )
        subscribers: Any = matches[0].subscribers  # a list of {"SubscriptionType", "Address"}
        return _answer({"Subscribers": copy.deepcopy(list(subscribers))})

    budgets.meta.events.register(
        "before-call.budgets.DescribeSubscribersForNotification", answer_subscribers
    )
    return answer_subscribers


# ---------------------------------------------------------------------------- reading alerts


@dataclass
class AlertInbox:
    """An SQS queue subscribed to an SNS topic: what the topic publishes lands here.

    On a real account you would subscribe your e-mail address instead; a queue lets the lesson
    read the alerts back in code. Make one with :meth:`subscribe`, read with :meth:`read`,
    delete with :meth:`delete`.
    """

    sqs: Any
    queue_url: str
    queue_arn: str
    poll_seconds: int = 0
    subscription_arn: str = field(default="")

    @classmethod
    def subscribe(
        cls,
        session: Any,
        *,
        sns: Any,
        topic_arn: str,
        queue_name: str = "cost-alerts-inbox",
        poll_seconds: int = 0,
    ) -> AlertInbox:
        """Create the queue ``queue_name`` in ``sns``'s region, let the topic ``topic_arn``
        (and only it: the policy's ``aws:SourceArn`` condition) send to it, and subscribe it
        to the topic. ``poll_seconds`` is how long :meth:`read` waits for a message (0 in the
        mock, where delivery is immediate; a few seconds on a real account)."""
        sqs = session.client("sqs", region_name=sns.meta.region_name)
        queue_url = str(sqs.create_queue(QueueName=queue_name)["QueueUrl"])
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        queue_arn = str(attributes["Attributes"]["QueueArn"])
        only_this_topic = {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
        }
        policy = {"Version": "2012-10-17", "Statement": [only_this_topic]}
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
        answer = sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        return cls(
            sqs=sqs,
            queue_url=queue_url,
            queue_arn=queue_arn,
            poll_seconds=poll_seconds,
            subscription_arn=str(answer.get("SubscriptionArn", "")),
        )

    def read(self) -> list[tuple[str, str]]:
        """Every message waiting in the queue, as ``(subject, message)``, oldest first; each
        is deleted once read. SNS wraps what was published in a JSON envelope; this unwraps
        it."""
        alerts: list[tuple[str, str]] = []
        while messages := self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=self.poll_seconds
        ).get("Messages"):
            for message in messages:
                envelope = json.loads(message["Body"])
                alerts.append((str(envelope.get("Subject", "")), str(envelope["Message"])))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return alerts

    def delete(self) -> None:
        """Delete the queue (SNS drops the subscription's deliveries from then on)."""
        self.sqs.delete_queue(QueueUrl=self.queue_url)


# ---------------------------------------------------------------------------- counting, printing


def count_requests(client: Any, operation: str = "GetCostAndUsage") -> list[str]:
    """Record every ``operation`` request ``client`` sends from now on, against moto or AWS
    alike: returns a list that grows by one entry per request, the request's
    ``NextPageToken`` (or ``"first page"``), so a paged answer shows as one entry per page.

    It registers a handler on botocore's ``before-parameter-build`` event, which fires before
    every call of that operation (retries of a call are not counted again).
    """
    if not isinstance(operation, str) or not operation:
        raise MonitoringConfigError(f"operation must be an operation name, got {operation!r}")
    service = client.meta.service_model.service_id.hyphenize()
    sent: list[str] = []

    def record(params: Mapping[str, Any], **_: Any) -> None:
        sent.append(str(params.get("NextPageToken", "first page")))

    client.meta.events.register(f"before-parameter-build.{service}.{operation}", record)
    return sent


def describe_period(period: Period | None) -> str:
    """``"01 Nov → 21 Nov (20 d)"``: first day, exclusive end and length; ``"none"`` for no
    period (e.g. the complete days on the 1st)."""
    if period is None:
        return "none"
    return f"{period.start:%d %b} → {period.end_exclusive:%d %b} ({period.days} d)"


def describe_check(report: CheckReport) -> str:
    """Two lines on a run of the check: what was spent and projected, which rules the numbers
    cross, and which alerts this run sent or found sent already this month."""
    crossed = [rule.key for rule in report.crossed]
    sent = [alert.rule.key for alert in report.sent]
    before = [rule.key for rule in report.already_sent]
    return (
        f"{report.as_of}: spent USD {report.month_to_date_usd:,.2f}, projected USD "
        f"{report.projected_usd:,.2f} ({report.projection.method}); rules crossed: {crossed}\n"
        f"  sent now: {sent}; sent before: {before}"
    )
