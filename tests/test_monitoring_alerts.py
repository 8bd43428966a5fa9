"""Spec for companion/monitoring/alerts.py, offline.

Alerts go through moto's SNS into an SQS queue subscribed to the topic, and are read back from
the queue (SNS wraps each message in a JSON envelope holding ``Subject`` and ``Message``). The
alert state lives in moto's SSM Parameter Store. Access-denied answers come from botocore's
``Stubber`` in front of a real client. No AWS credentials are needed: a fixture sets fake ones.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import boto3
import pandas as pd
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from companion.monitoring.alerts import (
    DEFAULT_RULES,
    DEFAULT_STATE_PARAMETER,
    SUBJECT_MAX_CHARS,
    AlertConfig,
    AlertRule,
    AlertState,
    billing_period,
    crossed_rules,
    format_alert,
    resolve_topic_arn,
    send_alerts,
    top_services,
    topic_arn,
)
from companion.monitoring.exceptions import (
    AlertError,
    MonitoringConfigError,
    PermissionDeniedError,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
TOPIC = "cost-alerts"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC}"
NOVEMBER = date(2026, 11, 15)
SERVICES = pd.DataFrame(
    {
        "service": ["Amazon Elastic Compute Cloud - Compute", "AWS Lambda", "AmazonCloudWatch"],
        "cost_usd": [41.5, 9.25, 1.2],
    }
)


@dataclass
class Aws:
    sns: Any
    ssm: Any
    sqs: Any
    sts: Any
    queue_url: str

    def received(self) -> list[tuple[str, str]]:
        """(subject, message) of every alert that reached the queue since the last call."""
        messages: list[tuple[str, str]] = []
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            batch = answer.get("Messages", [])
            if not batch:
                return messages
            for item in batch:
                envelope = json.loads(item["Body"])  # SNS's JSON envelope around the alert
                assert envelope["TopicArn"] == TOPIC_ARN
                messages.append((envelope.get("Subject", ""), envelope["Message"]))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=item["ReceiptHandle"]
                )

    def state(self) -> dict[str, Any] | None:
        try:
            value = self.ssm.get_parameter(Name=DEFAULT_STATE_PARAMETER)["Parameter"]["Value"]
        except self.ssm.exceptions.ParameterNotFound:
            return None
        return dict(json.loads(value))


@pytest.fixture
def aws(aws_credentials: None) -> Iterator[Aws]:
    with mock_aws():
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        arn = sns.create_topic(Name=TOPIC)["TopicArn"]
        assert arn == TOPIC_ARN
        queue_url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
        yield Aws(
            sns=sns,
            ssm=boto3.client("ssm", region_name=REGION),
            sqs=sqs,
            sts=boto3.client("sts", region_name=REGION),
            queue_url=queue_url,
        )


CONFIG = AlertConfig(budget_usd=100.0, topic_name=TOPIC)


def send(aws: Aws, actual_usd: float, forecast_usd: float | None, **changes: Any) -> list[Any]:
    settings: dict[str, Any] = {
        "today": NOVEMBER,
        "actual_usd": actual_usd,
        "forecast_usd": forecast_usd,
        "top_services": SERVICES,
        "topic_arn": TOPIC_ARN,
    }
    settings.update(changes)
    sns = settings.pop("sns", aws.sns)
    ssm = settings.pop("ssm", aws.ssm)
    config = settings.pop("config", CONFIG)
    return send_alerts(sns, ssm, config, **settings)


# ---------------------------------------------------------------------------- configuration


def test_rules_have_stable_keys_and_defaults_are_50_80_100_actual_and_100_forecasted() -> None:
    assert [rule.key for rule in DEFAULT_RULES] == [
        "ACTUAL:50",
        "ACTUAL:80",
        "ACTUAL:100",
        "FORECASTED:100",
    ]
    assert AlertRule("ACTUAL", 80.5).key == "ACTUAL:80.5"
    assert AlertRule("FORECASTED", 120).threshold_usd(50.0) == pytest.approx(60.0)
    assert CONFIG.rules == DEFAULT_RULES
    assert CONFIG.state_parameter == "/run-ml-for-pennies/cost-alerts/state"
    assert CONFIG.top_services == 3


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (("MONTHLY", 50), ["kind", "'MONTHLY'"]),
        (("ACTUAL", 0), ["threshold_percent", "above 0", "0"]),
        (("ACTUAL", 1001), ["threshold_percent", "1000", "1001"]),
        (("ACTUAL", math.nan), ["threshold_percent", "finite", "nan"]),
        (("ACTUAL", True), ["threshold_percent", "True"]),
    ],
)
def test_alert_rule_rejects_bad_kind_and_threshold(arguments: Any, words: list[str]) -> None:
    with pytest.raises(MonitoringConfigError) as caught:
        AlertRule(*arguments)
    for word in words:
        assert word in str(caught.value)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"budget_usd": 0}, ["budget_usd", "above 0", "0"]),
        ({"budget_usd": -5.0}, ["budget_usd", "-5.0"]),
        ({"budget_usd": math.inf}, ["budget_usd", "finite", "inf"]),
        ({"budget_usd": "25"}, ["budget_usd", "'25'"]),
        ({"topic_name": ""}, ["topic_name", "1 to 256", "''"]),
        ({"topic_name": "cost alerts"}, ["topic_name", "hyphens", "'cost alerts'"]),
        ({"topic_name": "x" * 257}, ["topic_name", "256"]),
        ({"topic_name": "alerts.fifo"}, ["topic_name", "FIFO", "'alerts.fifo'"]),
        ({"topic_name": TOPIC_ARN}, ["topic_name", TOPIC_ARN]),
        ({"rules": ()}, ["rules", "non-empty"]),
        ({"rules": (AlertRule("ACTUAL", 50), AlertRule("ACTUAL", 50.0))}, ["ACTUAL:50"]),
        ({"rules": (("ACTUAL", 50),)}, ["rules", "AlertRule"]),
        ({"state_parameter": "cost/state"}, ["state_parameter", "leading '/'", "'cost/state'"]),
        ({"state_parameter": "/aws/state"}, ["state_parameter", "'aws'", "'/aws/state'"]),
        ({"state_parameter": "/Ssm/state"}, ["state_parameter", "reserved"]),
        ({"state_parameter": "/cost alerts"}, ["state_parameter", "no spaces"]),
        ({"state_parameter": "/a" * 16}, ["state_parameter", "15 levels"]),
        ({"state_parameter": "/" + "a" * 1011}, ["state_parameter", "1011"]),
        ({"top_services": 0}, ["top_services", "1 to 20", "0"]),
        ({"top_services": 21}, ["top_services", "21"]),
    ],
)
def test_alert_config_names_the_field_the_range_and_the_value(
    changes: dict[str, Any], words: list[str]
) -> None:
    settings: dict[str, Any] = {"budget_usd": 100.0, "topic_name": TOPIC}
    settings.update(changes)
    with pytest.raises(MonitoringConfigError) as caught:
        AlertConfig(**settings)
    for word in words:
        assert word in str(caught.value)


def test_billing_period_is_year_and_month() -> None:
    assert billing_period(date(2026, 11, 1)) == "2026-11"
    assert billing_period(date(2027, 1, 31)) == "2027-01"
    with pytest.raises(MonitoringConfigError, match=r"datetime\.date"):
        billing_period("2026-11-01")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- crossed rules


def test_crossed_rules_compare_actual_and_projected_cost_with_greater_than() -> None:
    def keys(rules: list[AlertRule]) -> list[str]:
        return [rule.key for rule in rules]

    assert crossed_rules(CONFIG, 0.0, 0.0) == []  # an empty account never alerts
    assert keys(crossed_rules(CONFIG, 50.0, 90.0)) == []  # exactly 50 % is not above it
    assert keys(crossed_rules(CONFIG, 50.01, 90.0)) == ["ACTUAL:50"]
    assert keys(crossed_rules(CONFIG, 85.0, 130.0)) == ["ACTUAL:50", "ACTUAL:80", "FORECASTED:100"]
    assert keys(crossed_rules(CONFIG, 85.0, None)) == ["ACTUAL:50", "ACTUAL:80"]
    assert keys(crossed_rules(CONFIG, 120.0, 150.0)) == [rule.key for rule in DEFAULT_RULES]
    with pytest.raises(MonitoringConfigError, match="actual_usd"):
        crossed_rules(CONFIG, math.nan, None)
    with pytest.raises(MonitoringConfigError, match="forecast_usd"):
        crossed_rules(CONFIG, 1.0, "12")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- messages


def test_top_services_sums_per_service_and_keeps_the_most_expensive() -> None:
    by_service = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-11-01"] * 3 + ["2026-11-02"] * 3),
            "service": ["A", "B", "C", "A", "B", "D"],
            "cost_usd": [1.0, 5.0, 0.0, 2.0, 0.5, 3.0],
        }
    )
    top = top_services(by_service, 2)
    assert list(top["service"]) == ["B", "A"]
    assert list(top["cost_usd"]) == [5.5, 3.0]  # D (3.0) ties A: ties go alphabetically
    assert top_services(by_service.iloc[0:0], 3).empty
    with pytest.raises(MonitoringConfigError, match="cost_usd"):
        top_services(pd.DataFrame({"service": ["A"]}), 3)


def test_format_alert_subject_is_one_short_line_and_message_names_top_services() -> None:
    subject, message = format_alert(
        AlertRule("ACTUAL", 80), 85.4, 130.0, 100.0, SERVICES, "2026-11"
    )
    assert subject == "AWS cost alert 2026-11: spent USD 85.40, over 80% of the USD 100.00 budget"
    assert len(subject) <= SUBJECT_MAX_CHARS and "\n" not in subject
    assert "AWS cost alert for November 2026" in message
    assert "actual cost so far above 80% of the monthly budget (USD 80.00)" in message
    assert "Spent so far this month:  USD 85.40 (85.4% of the budget)" in message
    assert "Projected for the month:  USD 130.00 (130.0% of the budget)" in message
    assert "1. Amazon Elastic Compute Cloud - Compute: USD 41.50" in message
    assert "2. AWS Lambda: USD 9.25" in message
    assert "3. AmazonCloudWatch: USD 1.20" in message

    subject, message = format_alert(
        AlertRule("FORECASTED", 100), 12.0, 123.456, 100.0, SERVICES.iloc[0:0], "2026-12"
    )
    assert (
        subject
        == "AWS cost alert 2026-12: month end projected at USD 123.46, over 100% of USD 100.00"
    )
    assert "No service has reported a cost this month yet." in message
    assert "December 2026" in message


def test_format_alert_keeps_huge_numbers_inside_snss_subject_limit() -> None:
    subject, message = format_alert(
        AlertRule("FORECASTED", 100), 9e12, 9.87654321e14, 1e12, SERVICES, "2026-11"
    )
    assert len(subject) <= SUBJECT_MAX_CHARS and subject.endswith("...")
    assert "USD 987,654,321,000,000.00" in message
    _, without_forecast = format_alert(
        AlertRule("ACTUAL", 50), 60.0, None, 100.0, SERVICES, "2026-11"
    )
    assert "Projected for the month:  not available" in without_forecast
    with pytest.raises(MonitoringConfigError, match="period"):
        format_alert(AlertRule("ACTUAL", 50), 60.0, None, 100.0, SERVICES, "2026-13")
    with pytest.raises(MonitoringConfigError, match="top_services"):
        format_alert(AlertRule("ACTUAL", 50), 60.0, None, 100.0, pd.DataFrame(), "2026-11")


# ---------------------------------------------------------------------------- topic ARN


def test_topic_arn_is_built_from_name_region_account_and_partition(aws: Aws) -> None:
    assert topic_arn(TOPIC, region=REGION, account_id=ACCOUNT) == TOPIC_ARN
    assert (
        topic_arn(TOPIC, region="cn-north-1", account_id=ACCOUNT, partition="aws-cn")
        == f"arn:aws-cn:sns:cn-north-1:{ACCOUNT}:{TOPIC}"
    )
    assert resolve_topic_arn(aws.sts, region=REGION, topic_name=TOPIC) == TOPIC_ARN
    with pytest.raises(MonitoringConfigError, match="account_id"):
        topic_arn(TOPIC, region=REGION, account_id="1234")
    with pytest.raises(MonitoringConfigError, match="region"):
        topic_arn(TOPIC, region="Virginia", account_id=ACCOUNT)


# ---------------------------------------------------------------------------- sending


def test_an_alert_is_published_once_and_read_back_from_the_subscribed_queue(aws: Aws) -> None:
    sent = send(aws, 55.0, 90.0)

    assert [alert.rule.key for alert in sent] == ["ACTUAL:50"]
    assert sent[0].period == "2026-11" and sent[0].topic_arn == TOPIC_ARN and sent[0].message_id
    ((subject, message),) = aws.received()
    assert subject == "AWS cost alert 2026-11: spent USD 55.00, over 50% of the USD 100.00 budget"
    assert message == sent[0].message
    assert "1. Amazon Elastic Compute Cloud - Compute: USD 41.50" in message
    assert aws.state() == {"period": "2026-11", "sent": ["ACTUAL:50"]}
    parameter = aws.ssm.get_parameter(Name=DEFAULT_STATE_PARAMETER)["Parameter"]
    assert parameter["Type"] == "String"


def test_repeated_runs_send_nothing_new_and_a_higher_threshold_sends_only_itself(aws: Aws) -> None:
    first = send(aws, 85.0, 95.0)
    assert [a.rule.key for a in first] == ["ACTUAL:50", "ACTUAL:80"]
    assert len(aws.received()) == 2

    assert send(aws, 85.0, 95.0) == []  # second run
    assert send(aws, 86.0, 96.0, today=date(2026, 11, 16)) == []  # third run, next day
    assert aws.received() == []

    later = send(aws, 101.0, 99.0, today=date(2026, 11, 20))
    assert [a.rule.key for a in later] == ["ACTUAL:100"]
    ((subject, _),) = aws.received()
    assert "over 100% of the USD 100.00 budget" in subject
    assert aws.state() == {"period": "2026-11", "sent": ["ACTUAL:100", "ACTUAL:50", "ACTUAL:80"]}


def test_a_new_month_sends_again(aws: Aws) -> None:
    send(aws, 55.0, None)
    assert len(aws.received()) == 1
    assert send(aws, 55.0, None, today=date(2026, 11, 30)) == []

    december = send(aws, 55.0, None, today=date(2026, 12, 1))
    assert [a.rule.key for a in december] == ["ACTUAL:50"]
    ((subject, _),) = aws.received()
    assert subject.startswith("AWS cost alert 2026-12:")
    assert aws.state() == {"period": "2026-12", "sent": ["ACTUAL:50"]}


def test_nothing_crossed_makes_no_aws_call_and_top_services_is_asked_only_when_sending(
    aws: Aws,
) -> None:
    class NoCalls:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"unexpected AWS call {name}")

    asked: list[int] = []

    def services() -> pd.DataFrame:
        asked.append(1)
        return SERVICES

    assert send(aws, 0.0, 0.0, sns=NoCalls(), ssm=NoCalls(), top_services=services) == []
    assert asked == []
    send(aws, 60.0, None, top_services=services)
    assert asked == [1]
    send(aws, 61.0, None, top_services=services)  # already sent: no by-service query
    assert asked == [1]


# ---------------------------------------------------------------------------- state


def test_state_load_missing_old_month_and_malformed(aws: Aws) -> None:
    name = DEFAULT_STATE_PARAMETER
    assert AlertState.load(aws.ssm, name, "2026-11") == AlertState("2026-11", frozenset(), 0)

    saved = AlertState("2026-10", frozenset({"ACTUAL:50"})).save(aws.ssm, name)
    assert saved.version == 1
    november = AlertState.load(aws.ssm, name, "2026-11")
    assert november == AlertState("2026-11", frozenset(), 1)  # a new month starts empty
    assert AlertState.load(aws.ssm, name, "2026-10").sent == {"ACTUAL:50"}

    with pytest.raises(AlertError, match="records alerts of 2026-10, later than"):
        AlertState.load(aws.ssm, name, "2026-09")  # a back-filled run must not overwrite it

    aws.ssm.put_parameter(Name=name, Value="not json", Type="String", Overwrite=True)
    with pytest.raises(AlertError, match="does not hold an alert state"):
        AlertState.load(aws.ssm, name, "2026-11")
    with pytest.raises(AlertError, match="alert state"):
        send(aws, 60.0, None)
    assert aws.received() == []  # an unreadable state sends nothing rather than everything


def test_two_concurrent_runs_never_lose_each_others_entries(aws: Aws) -> None:
    """Both runs load version 1; each saves its own alert. The second writer notices the
    version gap, reads the version in between and writes the union."""
    name = DEFAULT_STATE_PARAMETER
    AlertState("2026-11", frozenset({"ACTUAL:50"})).save(aws.ssm, name)
    run_a = AlertState.load(aws.ssm, name, "2026-11")
    run_b = AlertState.load(aws.ssm, name, "2026-11")

    saved_a = run_a.with_sent("ACTUAL:80").save(aws.ssm, name)
    saved_b = run_b.with_sent("FORECASTED:100").save(aws.ssm, name)

    assert saved_a.version == 2
    assert saved_b.version == 4  # its first write (3) lacked ACTUAL:80; the merge wrote 4
    assert saved_b.sent == {"ACTUAL:50", "ACTUAL:80", "FORECASTED:100"}
    assert aws.state() == {
        "period": "2026-11",
        "sent": ["ACTUAL:50", "ACTUAL:80", "FORECASTED:100"],
    }
    # A later run sends neither alert again.
    assert send(aws, 85.0, 120.0) == []


def test_a_concurrent_write_from_another_month_is_not_merged(aws: Aws) -> None:
    name = DEFAULT_STATE_PARAMETER
    stale = AlertState.load(aws.ssm, name, "2026-11")  # version 0: no parameter yet
    AlertState("2026-10", frozenset({"ACTUAL:100"})).save(aws.ssm, name)
    saved = stale.with_sent("ACTUAL:50").save(aws.ssm, name)
    assert saved.sent == {"ACTUAL:50"} and saved.version == 2
    assert aws.state() == {"period": "2026-11", "sent": ["ACTUAL:50"]}


# ---------------------------------------------------------------------------- failures


def test_a_missing_topic_raises_and_records_nothing(aws: Aws) -> None:
    missing = f"arn:aws:sns:{REGION}:{ACCOUNT}:no-such-topic"
    with pytest.raises(AlertError, match="no-such-topic does not exist") as caught:
        send(aws, 60.0, None, topic_arn=missing)
    assert "next run tries again" in str(caught.value)
    assert aws.state() is None  # state unchanged: the next run retries
    assert [a.rule.key for a in send(aws, 60.0, None)] == ["ACTUAL:50"]


def test_denied_publish_names_sns_publish_and_records_nothing(aws: Aws) -> None:
    sns = boto3.client("sns", region_name=REGION)
    with Stubber(sns) as stub:
        stub.add_client_error(
            "publish",
            service_error_code="AuthorizationError",  # SNS's own word for access denied
            service_message="User: arn:aws:sts::123456789012:assumed-role/cost-check/x is "
            f"not authorized to perform: SNS:Publish on resource: {TOPIC_ARN}",
            http_status_code=403,
        )
        stub.add_client_error(
            "publish",
            service_error_code="AccessDenied",
            service_message="denied",
            http_status_code=403,
        )
        with pytest.raises(PermissionDeniedError) as caught:
            send(aws, 60.0, None, sns=sns)
        assert caught.value.action == "sns:Publish"
        assert "not authorized" in str(caught.value)
        with pytest.raises(PermissionDeniedError) as caught:
            send(aws, 60.0, None, sns=sns)
    assert caught.value.action == "sns:Publish"
    assert aws.state() is None


def test_a_failure_midway_keeps_what_was_published_and_retries_the_rest(aws: Aws) -> None:
    class FailsSecondPublish:
        def __init__(self, sns: Any) -> None:
            self.sns, self.calls = sns, 0

        def publish(self, **request: Any) -> Any:
            self.calls += 1
            if self.calls == 2:
                return self.sns.publish(**dict(request, TopicArn=TOPIC_ARN + "-gone"))
            return self.sns.publish(**request)

    with pytest.raises(AlertError, match="does not exist"):
        send(aws, 85.0, None, sns=FailsSecondPublish(aws.sns))
    assert aws.state() == {"period": "2026-11", "sent": ["ACTUAL:50"]}
    assert len(aws.received()) == 1
    assert [a.rule.key for a in send(aws, 85.0, None)] == ["ACTUAL:80"]


def test_denied_state_write_after_publish_names_ssm_put_parameter(aws: Aws) -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    with Stubber(ssm) as stub:
        stub.add_client_error(
            "get_parameter", service_error_code="ParameterNotFound", http_status_code=400
        )
        stub.add_response("put_parameter", {"Version": 1, "Tier": "Standard"})  # the claim
        stub.add_client_error(  # recording it as sent, after the publish
            "put_parameter",
            service_error_code="AccessDeniedException",
            service_message="no",
            http_status_code=400,
        )
        with pytest.raises(PermissionDeniedError) as caught:
            send(aws, 60.0, None, ssm=ssm)
        stub.assert_no_pending_responses()
    assert caught.value.action == "ssm:PutParameter"
    assert any("WAS published" in note for note in caught.value.__notes__)
    assert len(aws.received()) == 1  # it did go out, and will again next run (at least once)
