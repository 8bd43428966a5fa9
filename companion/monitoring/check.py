"""The scheduled cost check: one run a day, from EventBridge, in a small Lambda function.

:func:`run_check` does, in order:

1. ``GetCostAndUsage`` for the month to date (today's partial day included);
2. ``GetCostForecast`` for the rest of the month (``None`` on a young account, which has too
   little history: the projection then falls back to the run rate);
3. the month-end projection (:func:`~.projection.project_month_end`);
4. the rules the numbers cross (:func:`~.alerts.crossed_rules`); none crossed, and the run
   ends here: no SSM or SNS call;
5. the state of this month's alerts from SSM, and, only when a crossed rule was not sent yet,
   ``GetCostAndUsage`` by service (the top services an alert names) and one SNS ``Publish``
   plus one SSM ``PutParameter`` per new alert (:func:`~.alerts.send_alerts`).

What a run costs: Cost Explorer charges USD 0.01 per API request, so a day without a new alert
makes two requests (USD 0.60 a month), a day with one three. SNS, SSM standard parameters and
the Lambda's few seconds fit in the free tiers. An empty account (no costs) crosses nothing and
sends nothing.

:func:`handler` is the Lambda entry point; it reads its settings from the environment:

``BUDGET_USD`` (required)
    The monthly budget in USD, a number above 0.
``ALERT_TOPIC_NAME`` (required)
    The SNS topic's name (not its ARN).
``STATE_PARAMETER`` (optional)
    The SSM parameter for the alert state; default ``/run-ml-for-pennies/cost-alerts/state``.

The topic's ARN is built from the account, region and partition of the function's own ARN
(``context.invoked_function_arn``), so the function makes no STS call. Errors are raised, not
logged away: the invocation fails, Lambda retries it (twice, for EventBridge's asynchronous
invocations), and the function's ``Errors`` metric shows it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from .. import _aws
from .alerts import (
    DEFAULT_STATE_PARAMETER,
    AlertConfig,
    AlertRule,
    SentAlert,
    billing_period,
    crossed_rules,
    resolve_topic_arn,
    send_alerts,
    top_services,
    topic_arn,
)
from .cost_explorer import (
    MonitoringClients,
    cost_by_service,
    forecast_month_end,
    make_clients,
    month_to_date_cost,
)
from .exceptions import MonitoringConfigError
from .periods import month_to_date, utc_today
from .projection import Projection, project_month_end

__all__ = [
    "ENVIRONMENT_VARIABLES",
    "CheckReport",
    "config_from_environment",
    "handler",
    "run_check",
]

ENVIRONMENT_VARIABLES: tuple[str, ...] = ("BUDGET_USD", "ALERT_TOPIC_NAME", "STATE_PARAMETER")


@dataclass(frozen=True)
class CheckReport:
    """Everything one run of the check found and did.

    ``month_to_date_usd`` includes today's partial day; ``projection`` holds the month-end
    projection and how it was made (``projection.method``: ``"forecast"`` or a run rate);
    ``forecast_available`` says whether Cost Explorer had a forecast. ``crossed`` are the rules
    the numbers cross, ``sent`` the alerts published by this run and ``already_sent`` the
    crossed rules an earlier run had sent this month (skipped). ``top_services`` is filled only
    when an alert was sent (the by-service query is paid, so it is made only then).
    """

    as_of: date
    period: str
    budget_usd: float
    month_to_date_usd: float
    projection: Projection
    forecast_available: bool
    crossed: tuple[AlertRule, ...]
    sent: tuple[SentAlert, ...]
    already_sent: tuple[AlertRule, ...]
    top_services: tuple[tuple[str, float], ...]
    topic_arn: str

    @property
    def projected_usd(self) -> float:
        """The projected month-end cost in USD."""
        return self.projection.projected_usd

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (what the Lambda returns and logs)."""
        return {
            "as_of": self.as_of.isoformat(),
            "period": self.period,
            "budget_usd": round(self.budget_usd, 2),
            "month_to_date_usd": round(self.month_to_date_usd, 2),
            "projected_usd": round(self.projected_usd, 2),
            "projection_method": self.projection.method,
            "forecast_available": self.forecast_available,
            "crossed": [rule.key for rule in self.crossed],
            "sent": [
                {"rule": alert.rule.key, "subject": alert.subject, "message_id": alert.message_id}
                for alert in self.sent
            ],
            "already_sent": [rule.key for rule in self.already_sent],
            "top_services": [
                {"service": service, "cost_usd": round(cost, 2)}
                for service, cost in self.top_services
            ],
            "topic_arn": self.topic_arn,
        }


def run_check(
    clients: MonitoringClients,
    config: AlertConfig,
    *,
    today: date | None = None,
    topic_arn: str | None = None,
) -> CheckReport:
    """Check this month's costs against ``config`` and send the alerts not sent yet.

    ``clients`` needs ``ce``, ``sns`` and ``ssm`` (and ``sts`` when ``topic_arn`` is None: the
    ARN of ``config.topic_name`` in the SNS client's region is then resolved with STS).
    ``today`` is the UTC day (default: today in UTC). See the module's docstring for the steps.
    Raises the :class:`~.exceptions.MonitoringError` of the first failing call.
    """
    if not isinstance(config, AlertConfig):
        raise MonitoringConfigError(f"config must be an AlertConfig, got {config!r}")
    day = utc_today() if today is None else today
    period = billing_period(day)
    mtd = month_to_date_cost(clients.ce, day)
    forecast = forecast_month_end(clients.ce, day)
    projection = project_month_end(mtd, forecast, day)
    crossed = tuple(crossed_rules(config, mtd.amount_usd, projection.projected_usd))
    arn = topic_arn
    if arn is None:
        region = str(clients.sns.meta.region_name)
        arn = resolve_topic_arn(clients.sts, region=region, topic_name=config.topic_name)
    services: list[pd.DataFrame] = []

    def top() -> pd.DataFrame:
        by_service = cost_by_service(clients.ce, month_to_date(day), granularity="MONTHLY")
        services.append(top_services(by_service, config.top_services))
        return services[-1]

    sent = tuple(
        send_alerts(
            clients.sns,
            clients.ssm,
            config,
            today=day,
            actual_usd=mtd.amount_usd,
            forecast_usd=projection.projected_usd,
            top_services=top,
            topic_arn=arn,
        )
    )
    sent_keys = {alert.rule.key for alert in sent}
    top_rows = (
        tuple(
            (str(s), float(c))
            for s, c in zip(services[0]["service"], services[0]["cost_usd"], strict=True)
        )
        if services
        else ()
    )
    return CheckReport(
        as_of=day,
        period=period,
        budget_usd=config.budget_usd,
        month_to_date_usd=mtd.amount_usd,
        projection=projection,
        forecast_available=forecast is not None,
        crossed=crossed,
        sent=sent,
        already_sent=tuple(rule for rule in crossed if rule.key not in sent_keys),
        top_services=top_rows,
        topic_arn=arn,
    )


def config_from_environment(environ: Mapping[str, str] | None = None) -> AlertConfig:
    """The :class:`~.alerts.AlertConfig` that the environment variables describe (see the
    module's docstring); a missing or invalid one is a :class:`MonitoringConfigError` naming
    the variable."""
    env = os.environ if environ is None else environ
    missing = [name for name in ("BUDGET_USD", "ALERT_TOPIC_NAME") if not env.get(name, "").strip()]
    if missing:
        raise MonitoringConfigError(
            f"the cost check needs the environment variable(s) {', '.join(missing)} "
            "(BUDGET_USD: the monthly budget in USD, e.g. 25; ALERT_TOPIC_NAME: the SNS "
            "topic's name, not its ARN)"
        )
    raw_budget = env["BUDGET_USD"].strip()
    try:
        budget = float(raw_budget)
    except ValueError:
        raise MonitoringConfigError(
            f"BUDGET_USD must be a number of US dollars like 25 or 12.50, got {raw_budget!r}"
        ) from None
    topic = env["ALERT_TOPIC_NAME"].strip()
    if topic.startswith("arn:"):
        raise MonitoringConfigError(
            f"ALERT_TOPIC_NAME must be the topic's name, not its ARN: got {topic!r}; use "
            f"{topic.rsplit(':', 1)[-1]!r}"
        )
    parameter = env.get("STATE_PARAMETER", "").strip() or DEFAULT_STATE_PARAMETER
    settings = (("BUDGET_USD", budget), ("ALERT_TOPIC_NAME", topic), ("STATE_PARAMETER", parameter))
    try:
        return AlertConfig(budget_usd=budget, topic_name=topic, state_parameter=parameter)
    except MonitoringConfigError as exc:
        raise MonitoringConfigError(
            f"invalid cost-check settings ({', '.join(f'{k}={v!r}' for k, v in settings)}): {exc}"
        ) from None


def topic_arn_from_function_arn(function_arn: str, topic_name: str) -> str:
    """The ARN of ``topic_name`` in the partition, region and account of the Lambda function
    ``function_arn`` (``arn:aws:lambda:us-east-1:123456789012:function:cost-check``)."""
    arn = _aws.parse_arn(function_arn, "lambda")
    if arn is None or not arn.resource.startswith("function:"):
        raise MonitoringConfigError(f"not a Lambda function ARN: {function_arn!r}")
    return topic_arn(topic_name, region=arn.region, account_id=arn.account, partition=arn.partition)


def handler(event: Mapping[str, Any] | None, context: Any) -> dict[str, Any]:
    """The Lambda entry point: run the check with the settings from the environment and
    return :meth:`CheckReport.to_dict`.

    ``event`` (EventBridge's "Scheduled Event") is not read: the day checked is always today
    in UTC, even on a retry hours later, because a forecast may not start in the past.
    """
    config = config_from_environment()
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    function_arn = getattr(context, "invoked_function_arn", None)
    arn = topic_arn_from_function_arn(function_arn, config.topic_name) if function_arn else None
    report = run_check(make_clients(region=region), config, topic_arn=arn)
    result = report.to_dict()
    print(json.dumps(result))  # one JSON line in CloudWatch Logs per run
    return result
