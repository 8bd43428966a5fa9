"""Spec for companion/monitoring/budgets.py, offline, against moto in-process.

moto 5.2's Budgets implements CreateBudget (with NotificationsWithSubscribers), DescribeBudget,
DescribeNotificationsForBudget, CreateNotification and DeleteNotification, but not UpdateBudget
nor the subscriber operations (DescribeSubscribersForNotification, CreateSubscriber,
DeleteSubscriber). :func:`complete_moto_budgets` answers those four from moto's own budget
records (through botocore's ``before-call`` event, as ``Stubber`` does), so the whole
reconciliation runs against one consistent store. moto never evaluates a budget (no alert
fires); AWS does that. Access-denied answers come from ``Stubber``.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from moto import mock_aws
from moto.budgets.models import budgets_backends

from companion.monitoring.alerts import DEFAULT_RULES, AlertRule
from companion.monitoring.budgets import (
    BUDGETS_PUBLISH_SID,
    SCHEDULE_TARGET_ID,
    BudgetResult,
    budgets_publish_statement,
    daily_schedule_expression,
    ensure_alert_topic,
    ensure_budget,
    ensure_budgets_can_publish,
    ensure_daily_schedule,
    schedule_invoke_permission,
)
from companion.monitoring.exceptions import (
    BudgetError,
    MonitoringConfigError,
    PermissionDeniedError,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
TOPIC = "cost-alerts"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC}"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:cost-check"
NAME = "monthly-cost"
EMAILS = ("ops@example.com", "finance@example.com")


def complete_moto_budgets(client: Any) -> None:
    """Answer the Budgets operations moto lacks from moto's budget records."""

    def budget(request: dict[str, Any]) -> Any:
        return budgets_backends[ACCOUNT]["aws"].budgets[request["AccountId"]][request["BudgetName"]]

    def notification(request: dict[str, Any]) -> Any:
        matches = [n for n in budget(request).notifications if n.details == request["Notification"]]
        assert len(matches) == 1, f"no single notification {request['Notification']}"
        return matches[0]

    def update_budget(request: dict[str, Any]) -> dict[str, Any]:
        record = budget({**request, "BudgetName": request["NewBudget"]["BudgetName"]})
        record.budget.update(copy.deepcopy(request["NewBudget"]))
        return {}

    def describe_subscribers(request: dict[str, Any]) -> dict[str, Any]:
        return {"Subscribers": copy.deepcopy(notification(request).subscribers)}

    def create_subscriber(request: dict[str, Any]) -> dict[str, Any]:
        subscribers = notification(request).subscribers
        assert request["Subscriber"] not in subscribers, "AWS: DuplicateRecordException"
        subscribers.append(request["Subscriber"])
        assert len(subscribers) <= 11, "AWS allows 1 SNS + 10 e-mail subscribers"
        return {}

    def delete_subscriber(request: dict[str, Any]) -> dict[str, Any]:
        subscribers = notification(request).subscribers
        subscribers.remove(request["Subscriber"])
        assert subscribers, "AWS: a notification keeps at least one subscriber"
        return {}

    answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        "UpdateBudget": update_budget,
        "DescribeSubscribersForNotification": describe_subscribers,
        "CreateSubscriber": create_subscriber,
        "DeleteSubscriber": delete_subscriber,
    }

    def before_call(model: Any, params: dict[str, Any], **_: Any) -> Any:
        if model.name not in answers:
            return None  # moto answers
        request = json.loads(params["body"] or b"{}")
        return AWSResponse(None, 200, {}, None), answers[model.name](request)

    client.meta.events.register("before-call.budgets.*", before_call)


@dataclass
class Aws:
    budgets: Any
    sns: Any
    events: Any
    calls: list[str] = field(default_factory=list)

    def describe(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        budget = self.budgets.describe_budget(AccountId=ACCOUNT, BudgetName=NAME)["Budget"]
        notifications = self.budgets.describe_notifications_for_budget(
            AccountId=ACCOUNT, BudgetName=NAME
        )["Notifications"]
        return budget, notifications

    def subscribers(self, notification: dict[str, Any]) -> set[tuple[str, str]]:
        answer = self.budgets.describe_subscribers_for_notification(
            AccountId=ACCOUNT, BudgetName=NAME, Notification=notification
        )
        return {(s["SubscriptionType"], s["Address"]) for s in answer["Subscribers"]}

    def changing_calls(self) -> list[str]:
        return [c for c in self.calls if not c.startswith(("Describe", "Get", "List"))]


@pytest.fixture
def aws(aws_credentials: None) -> Iterator[Aws]:
    with mock_aws():
        found = Aws(
            budgets=boto3.client("budgets", region_name=REGION),
            sns=boto3.client("sns", region_name=REGION),
            events=boto3.client("events", region_name=REGION),
        )
        complete_moto_budgets(found.budgets)
        for client in (found.budgets, found.sns, found.events):
            client.meta.events.register(
                "before-parameter-build.*.*",
                lambda model, **_: found.calls.append(model.name),
            )
        yield found


def ensure(aws: Aws, **changes: Any) -> BudgetResult:
    settings: dict[str, Any] = {
        "account_id": ACCOUNT,
        "name": NAME,
        "limit_usd": 25.0,
        "topic_arn": TOPIC_ARN,
        "emails": EMAILS,
    }
    settings.update(changes)
    return ensure_budget(settings.pop("budgets", aws.budgets), **settings)


def keys(notifications: list[dict[str, Any]]) -> list[tuple[str, float]]:
    return sorted((n["NotificationType"], n["Threshold"]) for n in notifications)


# ---------------------------------------------------------------------------- the budget


def test_first_run_creates_a_monthly_cost_budget_with_actual_and_forecasted_notifications(
    aws: Aws,
) -> None:
    result = ensure(aws)

    assert result == BudgetResult(created=True, updated=False, changes=(f"created budget {NAME}",))
    assert aws.changing_calls() == ["CreateBudget"]  # one call, notifications included
    budget, notifications = aws.describe()
    assert budget["BudgetLimit"] == {"Amount": "25.00", "Unit": "USD"}
    assert (budget["BudgetType"], budget["TimeUnit"]) == ("COST", "MONTHLY")
    assert keys(notifications) == [
        ("ACTUAL", 50.0),
        ("ACTUAL", 80.0),
        ("ACTUAL", 100.0),
        ("FORECASTED", 100.0),
    ]
    for notification in notifications:
        assert notification["ComparisonOperator"] == "GREATER_THAN"
        assert notification["ThresholdType"] == "PERCENTAGE"
        assert aws.subscribers(notification) == {
            ("SNS", TOPIC_ARN),
            ("EMAIL", "ops@example.com"),
            ("EMAIL", "finance@example.com"),
        }


def test_second_run_changes_nothing(aws: Aws) -> None:
    ensure(aws)
    before = aws.describe()
    aws.calls.clear()

    assert ensure(aws) == BudgetResult(created=False, updated=False, changes=())

    assert aws.changing_calls() == []
    assert aws.describe() == before


def test_a_new_limit_is_an_update_not_a_new_budget(aws: Aws) -> None:
    ensure(aws)
    aws.calls.clear()

    result = ensure(aws, limit_usd=40)

    assert result.created is False and result.updated is True
    assert result.changes == ("limit 25.00 USD -> 40.00 USD",)
    assert aws.changing_calls() == ["UpdateBudget"]
    budget, notifications = aws.describe()
    assert budget["BudgetLimit"] == {"Amount": "40.00", "Unit": "USD"}
    assert len(notifications) == 4
    assert ensure(aws, limit_usd=40.0).updated is False


def test_changed_rules_and_emails_add_and_remove_only_what_differs(aws: Aws) -> None:
    ensure(aws)
    aws.calls.clear()
    rules = (AlertRule("ACTUAL", 80), AlertRule("ACTUAL", 120), AlertRule("FORECASTED", 100))

    result = ensure(aws, thresholds=rules, emails=("ops@example.com", "cto@example.com"))

    assert result.updated is True
    assert sorted(aws.changing_calls()) == sorted(
        ["DeleteNotification"] * 2  # ACTUAL 50 and 100
        + ["CreateNotification"]  # ACTUAL 120
        + ["CreateSubscriber", "DeleteSubscriber"] * 2  # on the two kept notifications
    )
    assert "removed notification ACTUAL > 50%" in result.changes
    assert "added notification ACTUAL > 120%" in result.changes
    _, notifications = aws.describe()
    assert keys(notifications) == [("ACTUAL", 80.0), ("ACTUAL", 120.0), ("FORECASTED", 100.0)]
    for notification in notifications:
        assert aws.subscribers(notification) == {
            ("SNS", TOPIC_ARN),
            ("EMAIL", "ops@example.com"),
            ("EMAIL", "cto@example.com"),
        }
    aws.calls.clear()
    again = ensure(aws, thresholds=rules, emails=("cto@example.com", "ops@example.com"))
    assert again.updated is False and aws.changing_calls() == []


def test_subscribers_are_swapped_within_awss_limits(aws: Aws) -> None:
    """Ten e-mails replaced by ten others (SNS stays), then a new topic and one new e-mail (no
    subscriber stays): the emulation asserts 1 to 11 subscribers after every call."""
    rules = (AlertRule("ACTUAL", 100),)
    ensure(aws, thresholds=rules, emails=tuple(f"a{i}@example.com" for i in range(10)))
    others = tuple(f"b{i}@example.com" for i in range(10))
    assert ensure(aws, thresholds=rules, emails=others).updated is True
    (notification,) = aws.describe()[1]
    assert aws.subscribers(notification) == {("SNS", TOPIC_ARN)} | {("EMAIL", e) for e in others}

    new_topic = TOPIC_ARN + "-2"
    result = ensure(aws, thresholds=rules, emails=("c@example.com",), topic_arn=new_topic)
    assert len(result.changes) == 13  # 11 removed, 2 added
    assert aws.subscribers(notification) == {("SNS", new_topic), ("EMAIL", "c@example.com")}


def test_a_budget_of_another_kind_with_the_same_name_is_not_converted(aws: Aws) -> None:
    aws.budgets.create_budget(
        AccountId=ACCOUNT,
        Budget={
            "BudgetName": NAME,
            "BudgetLimit": {"Amount": "100", "Unit": "GB"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "USAGE",
        },
    )
    with pytest.raises(BudgetError, match="MONTHLY USAGE budget, not a MONTHLY COST one"):
        ensure(aws)


class NoCalls:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"unexpected AWS call {name} before validation finished")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        (
            {"thresholds": tuple(AlertRule("ACTUAL", p) for p in range(10, 120, 10))},
            ["1 to 10", "10 notifications per budget", "got 11"],
        ),
        (
            {"emails": tuple(f"person{i}@example.com" for i in range(11))},
            ["at most 10", "e-mail subscribers per notification", "got 11"],
        ),
        ({"emails": ("not-an-address",)}, ["'not-an-address'"]),
        ({"emails": "ops@example.com"}, ["sequence of addresses"]),
        ({"emails": ("a@example.com", "a@example.com")}, ["unique"]),
        ({"thresholds": ()}, ["1 to 10", "got 0"]),
        ({"thresholds": (AlertRule("ACTUAL", 50),) * 2}, ["unique"]),
        ({"account_id": "1234"}, ["account_id", "12 digits"]),
        ({"name": "cost:monthly"}, ["name", "':'"]),
        ({"limit_usd": 0}, ["limit_usd", "0.01"]),
        ({"topic_arn": TOPIC}, ["topic_arn", "SNS topic ARN"]),
    ],
)
def test_invalid_settings_fail_before_any_call(changes: dict[str, Any], words: list[str]) -> None:
    with pytest.raises(MonitoringConfigError) as caught:
        ensure_budget(
            NoCalls(),
            **{
                "account_id": ACCOUNT,
                "name": NAME,
                "limit_usd": 25.0,
                "topic_arn": TOPIC_ARN,
                **changes,
            },
        )
    for word in words:
        assert word in str(caught.value)


def test_ten_notifications_with_ten_emails_each_are_accepted(aws: Aws) -> None:
    rules = tuple(AlertRule("ACTUAL", p) for p in range(10, 101, 10))
    emails = tuple(f"person{i}@example.com" for i in range(10))
    assert ensure(aws, thresholds=rules, emails=emails).created is True
    _, notifications = aws.describe()
    assert len(notifications) == 10
    assert len(aws.subscribers(notifications[0])) == 11  # 1 SNS + 10 e-mail


def test_denials_name_budgets_iam_actions_not_api_names(aws_credentials: None) -> None:
    client = boto3.client("budgets", region_name=REGION)
    with Stubber(client) as stub:
        stub.add_client_error("describe_budget", "AccessDeniedException", "no", 400)
        with pytest.raises(PermissionDeniedError) as caught:
            ensure(Aws(budgets=client, sns=None, events=None))
        assert caught.value.action == "budgets:ViewBudget"

        stub.add_client_error("describe_budget", "NotFoundException", "no budget", 400)
        stub.add_client_error("create_budget", "AccessDeniedException", "no", 400)
        with pytest.raises(PermissionDeniedError) as caught:
            ensure(Aws(budgets=client, sns=None, events=None))
        assert caught.value.action == "budgets:ModifyBudget"

        stub.add_client_error("describe_budget", "InternalErrorException", "boom", 500)
        with pytest.raises(BudgetError, match="budgets:ViewBudget failed: InternalErrorException"):
            ensure(Aws(budgets=client, sns=None, events=None))


# ---------------------------------------------------------------------------- the SNS topic


def topic_policy(aws: Aws) -> dict[str, Any]:
    attributes = aws.sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]
    return dict(json.loads(attributes["Policy"]))


def test_the_topic_lets_budgets_of_this_account_publish_and_keeps_other_statements(
    aws: Aws,
) -> None:
    arn = ensure_alert_topic(aws.sns, topic_name=TOPIC, account_id=ACCOUNT)

    assert arn == TOPIC_ARN
    statements = {s.get("Sid"): s for s in topic_policy(aws)["Statement"]}
    assert statements[BUDGETS_PUBLISH_SID] == {
        "Sid": BUDGETS_PUBLISH_SID,
        "Effect": "Allow",
        "Principal": {"Service": "budgets.amazonaws.com"},
        "Action": "SNS:Publish",
        "Resource": TOPIC_ARN,
        "Condition": {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnLike": {"aws:SourceArn": f"arn:aws:budgets::{ACCOUNT}:*"},
        },
    }
    assert "__default_statement_ID" in statements  # the owner's own rights are kept

    aws.calls.clear()
    assert ensure_alert_topic(aws.sns, topic_name=TOPIC, account_id=ACCOUNT) == TOPIC_ARN
    assert aws.changing_calls() == ["CreateTopic"]  # idempotent in SNS; no policy write
    assert ensure_budgets_can_publish(aws.sns, topic_arn=TOPIC_ARN, account_id=ACCOUNT) is False


def test_a_wrong_budgets_statement_is_replaced_not_duplicated(aws: Aws) -> None:
    aws.sns.create_topic(Name=TOPIC)
    wrong = budgets_publish_statement(TOPIC_ARN, "999999999999")
    aws.sns.set_topic_attributes(
        TopicArn=TOPIC_ARN,
        AttributeName="Policy",
        AttributeValue=json.dumps({"Version": "2012-10-17", "Statement": [wrong]}),
    )
    assert ensure_budgets_can_publish(aws.sns, topic_arn=TOPIC_ARN, account_id=ACCOUNT) is True
    (statement,) = topic_policy(aws)["Statement"]
    assert statement == budgets_publish_statement(TOPIC_ARN, ACCOUNT)
    with pytest.raises(MonitoringConfigError, match="topic_arn"):
        budgets_publish_statement("cost-alerts", ACCOUNT)


# ---------------------------------------------------------------------------- the schedule


def test_the_daily_schedule_is_a_utc_cron_rule_targeting_the_function(aws: Aws) -> None:
    rule_arn = ensure_daily_schedule(aws.events, rule_name="cost-check", function_arn=FUNCTION_ARN)

    assert rule_arn == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/cost-check"
    rule = aws.events.describe_rule(Name="cost-check")
    assert rule["ScheduleExpression"] == "cron(0 8 * * ? *)"
    assert rule["State"] == "ENABLED"
    (target,) = aws.events.list_targets_by_rule(Rule="cost-check")["Targets"]
    assert target == {"Id": SCHEDULE_TARGET_ID, "Arn": FUNCTION_ARN}

    aws.calls.clear()
    assert ensure_daily_schedule(aws.events, rule_name="cost-check", function_arn=FUNCTION_ARN) == (
        rule_arn
    )
    assert aws.changing_calls() == []

    ensure_daily_schedule(aws.events, rule_name="cost-check", function_arn=FUNCTION_ARN, hour_utc=6)
    assert aws.changing_calls() == ["PutRule"]
    assert aws.events.describe_rule(Name="cost-check")["ScheduleExpression"] == (
        "cron(0 6 * * ? *)"
    )


def test_schedule_validation() -> None:
    assert daily_schedule_expression(0) == "cron(0 0 * * ? *)"
    with pytest.raises(MonitoringConfigError, match="hour_utc must be a whole hour 0 to 23"):
        daily_schedule_expression(24)
    with pytest.raises(MonitoringConfigError, match="rule_name"):
        ensure_daily_schedule(NoCalls(), rule_name="cost check", function_arn=FUNCTION_ARN)
    with pytest.raises(MonitoringConfigError, match="function_arn"):
        ensure_daily_schedule(NoCalls(), rule_name="cost-check", function_arn="cost-check")


def handler_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def test_the_invoke_permission_lets_only_this_rule_invoke_the_function(aws: Aws) -> None:
    rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/cost-check"
    request = schedule_invoke_permission(FUNCTION_ARN, rule_arn)
    assert request == {
        "FunctionName": FUNCTION_ARN,
        "StatementId": "allow-eventbridge-daily-cost-check",
        "Action": "lambda:InvokeFunction",
        "Principal": "events.amazonaws.com",
        "SourceArn": rule_arn,
    }
    # Applied to a function in moto, it becomes this resource-policy statement.
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(
        RoleName="cost-check-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]
    lambda_client = boto3.client("lambda", region_name=REGION)
    lambda_client.create_function(
        FunctionName="cost-check",
        Runtime="python3.12",
        Role=role["Arn"],
        Handler="handler.handler",
        Code={"ZipFile": handler_zip()},
    )
    lambda_client.add_permission(**request)
    (statement,) = json.loads(lambda_client.get_policy(FunctionName="cost-check")["Policy"])[
        "Statement"
    ]
    assert statement["Sid"] == "allow-eventbridge-daily-cost-check"
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Condition"] == {"ArnLike": {"AWS:SourceArn": rule_arn}}
    with pytest.raises(MonitoringConfigError, match="rule_arn"):
        schedule_invoke_permission(FUNCTION_ARN, "cost-check")
    # One check at a time: reserved concurrency 1, set once (idempotent).
    from companion.monitoring import ensure_single_check_at_a_time

    assert ensure_single_check_at_a_time(lambda_client, "cost-check") is True
    assert ensure_single_check_at_a_time(lambda_client, "cost-check") is False
    concurrency = lambda_client.get_function_concurrency(FunctionName="cost-check")
    assert concurrency["ReservedConcurrentExecutions"] == 1


def test_default_thresholds_are_the_alert_defaults() -> None:
    defaults = ensure_budget.__kwdefaults__
    assert defaults is not None
    rules = defaults["thresholds"]
    assert rules == DEFAULT_RULES
