"""Spec for companion/monitoring/check.py and iam.py, offline.

The check runs against moto in-process (``mock_aws``) and, once, against moto's HTTP server
with real boto3 clients (``endpoint_url``). moto does not track spending, so Cost Explorer's
``GetCostAndUsage`` answers are queued first (:mod:`companion.monitoring.seed`); moto does not
implement ``GetCostForecast`` at all, so :func:`answer_forecast` answers it through botocore's
``before-call`` event (what ``Stubber`` does, for that one operation only), checking the rule AWS
enforces: a forecast may not start before today. Alerts are read back from an SQS queue
subscribed to the topic. Every test runs with fake credentials and touches nothing beyond
127.0.0.1.

The IAM test records every operation the clients make (botocore's ``before-parameter-build``
event fires for every call, answered by moto or by a hook) and compares the IAM actions they
need with :func:`check_function_policy`'s actions.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from moto import mock_aws

from companion.monitoring import check as check_module
from companion.monitoring.alerts import DEFAULT_STATE_PARAMETER, AlertConfig
from companion.monitoring.check import (
    CheckReport,
    config_from_environment,
    handler,
    run_check,
    topic_arn_from_function_arn,
)
from companion.monitoring.cost_explorer import MonitoringClients, make_clients
from companion.monitoring.exceptions import (
    MonitoringConfigError,
    MonitoringError,
    PermissionDeniedError,
)
from companion.monitoring.iam import (
    ACTIONS_WITHOUT_PERMISSION,
    CHECK_FUNCTION_ACTIONS,
    check_function_policy,
    iam_action,
    policy_actions,
    state_parameter_arn,
)
from companion.monitoring.seed import EXAMPLE_SERVICES, inject_cost_results, month_of_costs

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
TOPIC = "cost-alerts"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC}"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:cost-check"
TODAY = date(2026, 11, 15)
# EXAMPLE_SERVICES cost about USD 1.83 a day: USD 27 or so by the 15th. With a USD 30 budget
# the 50 % and 80 % ACTUAL rules are crossed, the 100 % one is not.
CONFIG = AlertConfig(budget_usd=30.0, topic_name=TOPIC)


# ---------------------------------------------------------------------------- helpers


def daily_costs(through_day: int = 15) -> list[dict[str, Any]]:
    """Month-to-date answer: DAILY totals, as the check's first query gets them."""
    return month_of_costs(
        2026, 11, services=EXAMPLE_SERVICES, through_day=through_day, group_by_service=False
    )


def by_service(through_day: int = 15) -> dict[str, Any]:
    """The same costs as one MONTHLY result grouped by service (the alert's top services)."""
    days = month_of_costs(2026, 11, services=EXAMPLE_SERVICES, through_day=through_day)
    totals: dict[str, float] = {}
    for result in days[0]["ResultsByTime"]:
        for group in result["Groups"]:
            service = group["Keys"][0]
            totals[service] = totals.get(service, 0.0) + float(
                group["Metrics"]["UnblendedCost"]["Amount"]
            )
    end = date(2026, 11, through_day + 1).isoformat()
    return {
        "GroupDefinitions": [{"Type": "DIMENSION", "Key": "SERVICE"}],
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": "2026-11-01", "End": end},
                "Total": {},
                "Groups": [
                    {
                        "Keys": [service],
                        "Metrics": {"UnblendedCost": {"Amount": f"{cost:.10f}", "Unit": "USD"}},
                    }
                    for service, cost in totals.items()
                ],
                "Estimated": True,
            }
        ],
        "DimensionValueAttributes": [],
    }


def month_to_date_usd(through_day: int = 15) -> float:
    return sum(
        float(r["Total"]["UnblendedCost"]["Amount"])
        for r in daily_costs(through_day)[0]["ResultsByTime"]
    )


def answer_forecast(ce: Any, today: date, mean_usd: float | None) -> None:
    """Answer GetCostForecast (moto lacks it): ``mean_usd`` for the rest of the month, or, with
    None, DataUnavailableException as AWS answers for an account with too little history."""

    def before_call(model: Any, params: dict[str, Any], **_: Any) -> Any:
        request = json.loads(params["body"])
        start = date.fromisoformat(request["TimePeriod"]["Start"])
        assert start >= today, "AWS rejects a forecast that starts before today"
        if mean_usd is None:
            error = {
                "Code": "DataUnavailableException",
                "Message": "Insufficient amount of historical data to generate forecast.",
            }
            return AWSResponse(None, 400, {}, None), {"Error": error, "ResponseMetadata": {}}
        amount = {"Amount": f"{mean_usd}", "Unit": "USD"}
        return AWSResponse(None, 200, {}, None), {
            "Total": amount,
            "ForecastResultsByTime": [
                {
                    "TimePeriod": request["TimePeriod"],
                    "MeanValue": f"{mean_usd}",
                    "PredictionIntervalLowerBound": f"{mean_usd * 0.8}",
                    "PredictionIntervalUpperBound": f"{mean_usd * 1.2}",
                }
            ],
        }

    service = ce.meta.service_model.service_id.hyphenize()
    ce.meta.events.register(f"before-call.{service}.GetCostForecast", before_call)


def record_calls(clients: MonitoringClients, calls: list[str]) -> None:
    """Append the IAM action of every call any of ``clients`` makes to ``calls``."""
    for client in (clients.ce, clients.sns, clients.ssm, clients.sts):
        prefix = client.meta.service_model.endpoint_prefix

        def record(model: Any, prefix: str = prefix, **_: Any) -> None:
            calls.append(iam_action(prefix, model.name))

        client.meta.events.register("before-parameter-build.*.*", record)


@dataclass
class Aws:
    clients: MonitoringClients
    sqs: Any
    queue_url: str
    calls: list[str] = field(default_factory=list)

    def received(self) -> list[tuple[str, str]]:
        messages: list[tuple[str, str]] = []
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            if not answer.get("Messages"):
                return messages
            for item in answer["Messages"]:
                envelope = json.loads(item["Body"])
                messages.append((envelope.get("Subject", ""), envelope["Message"]))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=item["ReceiptHandle"]
                )


def make_aws(
    endpoint_url: str | None = None, *, forecast_usd: float | None = 30.0, today: date = TODAY
) -> Aws:
    session = boto3.session.Session(region_name=REGION)
    clients = make_clients(session, region=REGION, endpoint_url=endpoint_url)
    answer_forecast(clients.ce, today, forecast_usd)
    sqs = session.client("sqs", region_name=REGION, endpoint_url=endpoint_url)
    topic = clients.sns.create_topic(Name=TOPIC)["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    clients.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    aws = Aws(clients=clients, sqs=sqs, queue_url=queue_url)
    record_calls(clients, aws.calls)
    return aws


@pytest.fixture
def aws(aws_credentials: None) -> Iterator[Aws]:
    with mock_aws():
        yield make_aws()


# ---------------------------------------------------------------------------- run_check


def test_a_run_queries_projects_and_sends_each_new_alert_once(aws: Aws) -> None:
    inject_cost_results([*daily_costs(), by_service()])

    report = run_check(aws.clients, CONFIG, today=TODAY, topic_arn=TOPIC_ARN)

    spent = month_to_date_usd()
    assert 24 < spent < 30  # the 50 % and 80 % rules, not the 100 % one
    assert report.month_to_date_usd == pytest.approx(spent)
    assert report.forecast_available and report.projection.method == "forecast"
    assert report.projected_usd > CONFIG.budget_usd  # hence FORECASTED:100
    assert [r.key for r in report.crossed] == ["ACTUAL:50", "ACTUAL:80", "FORECASTED:100"]
    assert [a.rule.key for a in report.sent] == ["ACTUAL:50", "ACTUAL:80", "FORECASTED:100"]
    assert report.already_sent == ()
    assert [s for s, _ in report.top_services] == [
        "Amazon Elastic Compute Cloud - Compute",
        "AWS Lambda",
        "Amazon Simple Storage Service",
    ]
    received = aws.received()
    assert sorted(subject for subject, _ in received) == sorted(a.subject for a in report.sent)
    for _, message in received:
        assert "1. Amazon Elastic Compute Cloud - Compute: USD" in message
        assert "3. Amazon Simple Storage Service: USD" in message

    again = run_check(aws.clients, CONFIG, today=TODAY, topic_arn=TOPIC_ARN)
    assert again.sent == () and again.top_services == ()
    assert [r.key for r in again.already_sent] == ["ACTUAL:50", "ACTUAL:80", "FORECASTED:100"]
    assert aws.received() == []


def test_the_projection_adds_the_forecast_to_the_complete_days(aws: Aws) -> None:
    inject_cost_results([*daily_costs(), by_service()])
    report = run_check(aws.clients, CONFIG, today=TODAY, topic_arn=TOPIC_ARN)
    today_usd = float(daily_costs()[0]["ResultsByTime"][-1]["Total"]["UnblendedCost"]["Amount"])
    assert report.projected_usd == pytest.approx(month_to_date_usd() - today_usd + 30.0)
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["period"] == "2026-11" and data["projection_method"] == "forecast"
    assert [s["rule"] for s in data["sent"]] == ["ACTUAL:50", "ACTUAL:80", "FORECASTED:100"]


def test_an_empty_account_sends_nothing_and_never_touches_ssm_or_sns(
    aws_credentials: None,
) -> None:
    with mock_aws():
        first = date(2026, 11, 1)
        aws = make_aws(forecast_usd=None, today=first)  # no history: no forecast either
        report = run_check(aws.clients, CONFIG, today=first, topic_arn=TOPIC_ARN)
    assert report.month_to_date_usd == 0.0 and report.projected_usd == 0.0
    assert report.projection.method == "run_rate_including_today"
    assert not report.forecast_available
    assert report.crossed == () and report.sent == ()
    assert aws.calls == ["ce:GetCostAndUsage", "ce:GetCostForecast"]


def test_denied_publish_in_a_run_names_sns_publish(aws: Aws) -> None:
    inject_cost_results([*daily_costs(), by_service()])
    sns = boto3.client("sns", region_name=REGION)
    clients = MonitoringClients(
        ce=aws.clients.ce, sns=sns, ssm=aws.clients.ssm, budgets=None, events=None, sts=None
    )
    with Stubber(sns) as stub:
        stub.add_client_error("publish", "AccessDenied", "denied", 403)
        with pytest.raises(PermissionDeniedError) as caught:
            run_check(clients, CONFIG, today=TODAY, topic_arn=TOPIC_ARN)
    assert caught.value.action == "sns:Publish"
    with pytest.raises(aws.clients.ssm.exceptions.ParameterNotFound):
        aws.clients.ssm.get_parameter(Name=DEFAULT_STATE_PARAMETER)  # nothing recorded


# ---------------------------------------------------------------------------- IAM


def test_the_policy_grants_exactly_the_actions_a_run_uses(aws: Aws) -> None:
    """Two runs (one that sends, one that skips) and a lost-update merge: every action used is
    granted and every granted action is used."""
    inject_cost_results([*daily_costs(), by_service()])
    missing = TOPIC_ARN + "-gone"
    with pytest.raises(MonitoringError):  # a failed publish withdraws its claim
        run_check(aws.clients, CONFIG, today=TODAY, topic_arn=missing)
    inject_cost_results([*daily_costs(), by_service()])
    first = run_check(aws.clients, CONFIG, today=TODAY)  # topic ARN resolved through STS
    run_check(aws.clients, CONFIG, today=TODAY)
    assert first.topic_arn == TOPIC_ARN

    policy = check_function_policy(CONFIG, region=REGION, account_id=ACCOUNT)
    used = set(aws.calls)
    assert used - ACTIONS_WITHOUT_PERMISSION == policy_actions(policy) == CHECK_FUNCTION_ACTIONS
    assert used & ACTIONS_WITHOUT_PERMISSION == {"sts:GetCallerIdentity"}


def test_the_policy_resources_are_as_narrow_as_the_apis_allow(aws: Aws) -> None:
    inject_cost_results([*daily_costs(), by_service()])
    run_check(aws.clients, CONFIG, today=TODAY, topic_arn=TOPIC_ARN)
    policy = check_function_policy(CONFIG, region=REGION, account_id=ACCOUNT)

    resources = {s["Sid"]: s["Resource"] for s in policy["Statement"]}
    parameter = aws.clients.ssm.get_parameter(Name=DEFAULT_STATE_PARAMETER)["Parameter"]
    assert resources == {
        "ReadCosts": "*",  # Cost Explorer has no resource-level permissions for these
        "PublishAlerts": TOPIC_ARN,
        "ReadWriteAlertState": parameter["ARN"],
        "ClaimAlerts": parameter["ARN"] + "-claims/*",
    }
    claims = aws.clients.ssm.get_parameters_by_path(
        Path="/run-ml-for-pennies/cost-alerts/state-claims", Recursive=True
    )["Parameters"]
    assert claims and all(c["ARN"].startswith(parameter["ARN"] + "-claims/") for c in claims)
    assert parameter["ARN"] == (
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/run-ml-for-pennies/cost-alerts/state"
    )
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
    assert state_parameter_arn("plain", region=REGION, account_id=ACCOUNT) == (
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/plain"
    )

    with_logs = check_function_policy(
        CONFIG, region=REGION, account_id=ACCOUNT, function_name="cost-check"
    )
    logs = with_logs["Statement"][-1]
    assert logs["Sid"] == "WriteOwnLogs"
    assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs["Resource"] == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/cost-check:*"
    )
    assert policy_actions(with_logs, exclude_sids=("WriteOwnLogs",)) == CHECK_FUNCTION_ACTIONS
    with pytest.raises(MonitoringConfigError, match="account_id"):
        check_function_policy(CONFIG, region=REGION, account_id="42")


# ---------------------------------------------------------------------------- the handler


@pytest.fixture
def lambda_env(monkeypatch: pytest.MonkeyPatch, aws_credentials: None) -> list[str]:
    """The function's environment, and clients that answer the forecast and record calls."""
    monkeypatch.setenv("BUDGET_USD", "30")
    monkeypatch.setenv("ALERT_TOPIC_NAME", TOPIC)
    monkeypatch.setenv("AWS_REGION", REGION)
    calls: list[str] = []
    real = make_clients

    def make(*args: Any, **kwargs: Any) -> MonitoringClients:
        clients = real(*args, **kwargs)
        # The check's own binding of utc_today, which a test may have patched.
        today = check_module.utc_today()  # type: ignore[attr-defined]
        answer_forecast(clients.ce, today, 30.0)
        record_calls(clients, calls)
        return clients

    monkeypatch.setattr(check_module, "make_clients", make)
    return calls


def test_the_lambda_handler_runs_the_check_without_calling_sts(
    lambda_env: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_module, "utc_today", lambda: TODAY)
    context = SimpleNamespace(invoked_function_arn=FUNCTION_ARN)
    scheduled_event = {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": "2026-11-15T08:00:00Z",
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/cost-check"],
        "detail": {},
    }
    with mock_aws():
        boto3.client("sns", region_name=REGION).create_topic(Name=TOPIC)
        inject_cost_results([*daily_costs(), by_service()])
        result = handler(scheduled_event, context)
        again = handler(scheduled_event, context)

    assert result["topic_arn"] == TOPIC_ARN
    assert [s["rule"] for s in result["sent"]] == ["ACTUAL:50", "ACTUAL:80", "FORECASTED:100"]
    assert again["sent"] == [] and len(again["already_sent"]) == 3
    assert json.loads(json.dumps(result)) == result
    assert "sts:GetCallerIdentity" not in lambda_env
    # Every publish succeeded, so no claim was withdrawn (ssm:DeleteParameter goes unused).
    assert set(lambda_env) == CHECK_FUNCTION_ACTIONS - {"ssm:DeleteParameter"}


def test_the_handler_on_an_empty_account(lambda_env: list[str]) -> None:
    with mock_aws():
        result = handler({}, SimpleNamespace(invoked_function_arn=FUNCTION_ARN))
    assert result["month_to_date_usd"] == 0.0 and result["sent"] == []
    assert set(lambda_env) == {"ce:GetCostAndUsage", "ce:GetCostForecast"}


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"ALERT_TOPIC_NAME": TOPIC}, ["BUDGET_USD"]),
        ({"BUDGET_USD": "30"}, ["ALERT_TOPIC_NAME"]),
        ({"BUDGET_USD": " ", "ALERT_TOPIC_NAME": ""}, ["BUDGET_USD, ALERT_TOPIC_NAME"]),
        ({"BUDGET_USD": "thirty", "ALERT_TOPIC_NAME": TOPIC}, ["BUDGET_USD", "'thirty'"]),
        ({"BUDGET_USD": "-5", "ALERT_TOPIC_NAME": TOPIC}, ["BUDGET_USD=-5.0", "above 0"]),
        ({"BUDGET_USD": "nan", "ALERT_TOPIC_NAME": TOPIC}, ["BUDGET_USD=nan", "finite"]),
        ({"BUDGET_USD": "30", "ALERT_TOPIC_NAME": TOPIC_ARN}, ["not its ARN", "'cost-alerts'"]),
        ({"BUDGET_USD": "30", "ALERT_TOPIC_NAME": "a b"}, ["ALERT_TOPIC_NAME='a b'"]),
        (
            {"BUDGET_USD": "30", "ALERT_TOPIC_NAME": TOPIC, "STATE_PARAMETER": "no/slash"},
            ["STATE_PARAMETER='no/slash'", "leading '/'"],
        ),
    ],
)
def test_settings_from_the_environment_are_checked(
    environ: dict[str, str], words: list[str]
) -> None:
    with pytest.raises(MonitoringConfigError) as caught:
        config_from_environment(environ)
    for word in words:
        assert word in str(caught.value)


def test_settings_from_the_environment() -> None:
    config = config_from_environment({"BUDGET_USD": " 12.5 ", "ALERT_TOPIC_NAME": TOPIC})
    assert config == AlertConfig(budget_usd=12.5, topic_name=TOPIC)
    custom = config_from_environment(
        {"BUDGET_USD": "12", "ALERT_TOPIC_NAME": TOPIC, "STATE_PARAMETER": "/team/costs"}
    )
    assert custom.state_parameter == "/team/costs"
    assert topic_arn_from_function_arn(FUNCTION_ARN, TOPIC) == TOPIC_ARN
    assert topic_arn_from_function_arn(FUNCTION_ARN + ":live", TOPIC) == TOPIC_ARN
    with pytest.raises(MonitoringConfigError, match="not a Lambda function ARN"):
        topic_arn_from_function_arn("cost-check", TOPIC)


def test_a_missing_setting_fails_the_handler_before_any_call(
    monkeypatch: pytest.MonkeyPatch, lambda_env: list[str]
) -> None:
    monkeypatch.delenv("BUDGET_USD")
    with pytest.raises(MonitoringConfigError, match="BUDGET_USD"):
        handler({}, SimpleNamespace(invoked_function_arn=FUNCTION_ARN))
    assert lambda_env == []


# ---------------------------------------------------------------------------- moto's server


def test_a_run_over_http_against_motos_server_falls_back_to_the_run_rate(
    moto_server: str, aws_credentials: None
) -> None:
    reset = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10) as answer:
        assert answer.status == 200
    aws = make_aws(moto_server, forecast_usd=None)
    inject_cost_results([*daily_costs(), by_service()], moto_server_url=moto_server)

    report: CheckReport = run_check(aws.clients, CONFIG, today=TODAY)

    spent, today_usd = (
        month_to_date_usd(),
        float(daily_costs()[0]["ResultsByTime"][-1]["Total"]["UnblendedCost"]["Amount"]),
    )
    assert report.month_to_date_usd == pytest.approx(spent)
    assert report.projection.method == "run_rate"
    assert report.projected_usd == pytest.approx((spent - today_usd) / 14 * 30)
    assert report.topic_arn == TOPIC_ARN  # resolved through moto's STS, over HTTP
    assert [a.rule.key for a in report.sent] == ["ACTUAL:50", "ACTUAL:80", "FORECASTED:100"]
    received = dict(aws.received())
    assert set(received) == {a.subject for a in report.sent}
    assert all("Amazon Elastic Compute Cloud - Compute" in m for m in received.values())
    assert run_check(aws.clients, CONFIG, today=TODAY).sent == ()
