"""Spec for companion/monitoring/sandbox.py, the mocked account lesson 06 runs against, offline.

Every test runs inside moto's ``mock_aws`` (or starts it with :func:`start_mocked_aws`) with
fake credentials. What the sandbox adds to moto is checked against moto's own records and
against the companion code the lesson calls with it: the seeded month is what
``month_to_date_cost`` reads back, the forecast stand-in is what ``forecast_month_end`` reads
(and refuses a period in the past, as AWS does), the subscribers answer is what ``ensure_budget``
needs on its second run, and the inbox receives what the topic publishes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from companion.monitoring import (
    AlertConfig,
    AlertInbox,
    CostQueryError,
    SeededMonth,
    answer_budget_subscribers,
    answer_cost_forecasts,
    count_requests,
    daily_costs,
    describe_check,
    describe_period,
    ensure_alert_topic,
    ensure_budget,
    forecast_month_end,
    forecast_period,
    make_clients,
    month_of_costs,
    month_to_date_cost,
    run_check,
    start_mocked_aws,
)
from companion.monitoring.exceptions import MonitoringConfigError
from companion.monitoring.periods import Period, complete_days_to_date
from companion.monitoring.sandbox import LESSON_SERVICES_USD, LESSON_TODAY, lesson_month

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
TODAY = date(2026, 11, 20)
SERVICES = {"Amazon Elastic Compute Cloud - Compute": 8.40, "AWS Lambda": 1.20}
MONTH = SeededMonth(
    2026,
    11,
    services=SERVICES,
    seed=6,
    noise=0.08,
    weekend_factor=0.9,
    page_size=7,
    anomaly_day=12,
    anomaly_service="Amazon Elastic Compute Cloud - Compute",
    anomaly_usd=90.0,
)


@pytest.fixture
def session(aws_credentials: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.session.Session(region_name=REGION)


def total(pages: list[dict[str, Any]]) -> float:
    return sum(
        float(group["Metrics"]["UnblendedCost"]["Amount"])
        for page in pages
        for day in page["ResultsByTime"]
        for group in day["Groups"]
    )


# --- the mock -------------------------------------------------------------------------------


def test_start_mocked_aws_sets_fake_credentials_and_answers_as_moto(
    aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)  # restored by monkeypatch afterwards
    mock = start_mocked_aws("eu-west-1")
    try:
        identity = boto3.client("sts").get_caller_identity()  # the region from the environment
        assert identity["Account"] == ACCOUNT
    finally:
        mock.stop()
    # moto swaps in credentials of its own while it runs; once it stops, ours are left, fake.
    assert os.environ["AWS_ACCESS_KEY_ID"] == os.environ["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"


# --- the seeded month -----------------------------------------------------------------------


def test_a_seeded_month_is_month_of_costs_with_its_settings() -> None:
    expected = month_of_costs(
        2026, 11, services=SERVICES, seed=6, noise=0.08, weekend_factor=0.9, page_size=7,
        anomaly_day=12, anomaly_service="Amazon Elastic Compute Cloud - Compute",
        anomaly_usd=90.0, through_day=19, group_by_service=False,
    )  # fmt: skip
    assert MONTH.pages(19, by_service=False) == expected
    assert MONTH.typical_day_usd == pytest.approx(9.60)
    # 19 days in pages of 7: three pages joined by two tokens.
    tokens = [page.get("NextPageToken") for page in MONTH.pages(19)]
    assert tokens == ["seed-2026-11-page-2", "seed-2026-11-page-3", None]


def test_the_lessons_month_has_its_one_spike_on_the_12th_in_pages_of_a_week() -> None:
    """Each part of lesson 06 seeds this month, so part 2 reads what part 1 read."""
    month = lesson_month()
    assert month == lesson_month()
    assert (month.year, month.month, LESSON_TODAY) == (2026, 11, date(2026, 11, 20))
    assert month.typical_day_usd == pytest.approx(sum(LESSON_SERVICES_USD.values()))
    days = month.pages(LESSON_TODAY.day - 1, by_service=False)
    assert len(days) == 3  # 19 days in pages of 7
    totals = {
        int(day["TimePeriod"]["Start"][-2:]): float(day["Total"]["UnblendedCost"]["Amount"])
        for page in days
        for day in page["ResultsByTime"]
    }
    spike = max(totals, key=totals.__getitem__)
    others = sorted(usd for day, usd in totals.items() if day != spike)
    assert spike == 12
    assert totals[spike] - others[len(others) // 2] == pytest.approx(90.0, abs=5.0)


def test_queued_pages_are_what_month_to_date_cost_reads_back(session: Any) -> None:
    ce = session.client("ce", region_name=REGION)
    sent = count_requests(ce)
    MONTH.queue(TODAY.day - 1, by_service=False)
    mtd = month_to_date_cost(ce, TODAY)
    assert mtd.amount_usd == pytest.approx(total(MONTH.pages(TODAY.day - 1)), rel=1e-9)
    assert mtd.today_usd == 0.0  # nothing for today yet at the check's hour
    assert sent == ["first page", "seed-2026-11-page-2", "seed-2026-11-page-3"]


def test_the_services_to_date_answer_is_one_total_per_service(session: Any) -> None:
    clients = make_clients(session, region=REGION)
    MONTH.queue(TODAY.day - 1, by_service=False)
    MONTH.queue_services_to_date(TODAY)
    answer_cost_forecasts(clients.ce, today=TODAY, daily_usd=MONTH.typical_day_usd)
    ensure_alert_topic(clients.sns, topic_name="cost-alerts", account_id=ACCOUNT)
    report = run_check(clients, AlertConfig(budget_usd=200.0, topic_name="cost-alerts"), today=TODAY)  # fmt: skip
    names = [service for service, _ in report.top_services]
    assert names == ["Amazon Elastic Compute Cloud - Compute", "AWS Lambda"]
    by_hand = sum(usd for _, usd in report.top_services)
    assert by_hand == pytest.approx(total(MONTH.pages(TODAY.day - 1)), rel=1e-9)


# --- the forecast stand-in ------------------------------------------------------------------


def test_the_forecast_is_the_typical_day_for_each_remaining_day(session: Any) -> None:
    ce = session.client("ce", region_name=REGION)
    answer_cost_forecasts(ce, today=TODAY, daily_usd=10.0)
    forecast = forecast_month_end(ce, TODAY)
    assert forecast is not None
    assert forecast.period == forecast_period(TODAY)  # 20 Nov up to 1 Dec: 11 days
    assert (forecast.amount_usd, forecast.lower_usd, forecast.upper_usd) == pytest.approx(
        (110.0, 99.0, 121.0)
    )


def test_a_forecast_that_starts_in_the_past_is_refused_as_aws_does(session: Any) -> None:
    ce = session.client("ce", region_name=REGION)
    answer_cost_forecasts(ce, today=TODAY, daily_usd=10.0)
    with pytest.raises(ClientError) as raised:
        ce.get_cost_forecast(
            TimePeriod={"Start": "2026-11-19", "End": "2026-12-01"},
            Metric="UNBLENDED_COST",
            Granularity="MONTHLY",
        )
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    # Through the adapter, the refusal is one line naming the action, not a traceback.
    with pytest.raises(CostQueryError, match="ce:GetCostForecast"):
        forecast_month_end(ce, date(2026, 11, 19))


@pytest.mark.parametrize(("daily", "interval"), [(-1.0, 0.1), (True, 0.1), (1.0, 1.0), (1.0, -0.1)])
def test_forecast_settings_are_checked(session: Any, daily: Any, interval: Any) -> None:
    ce = session.client("ce", region_name=REGION)
    with pytest.raises(MonitoringConfigError):
        answer_cost_forecasts(ce, today=TODAY, daily_usd=daily, interval=interval)


# --- the budget subscribers -----------------------------------------------------------------


def test_the_second_run_of_ensure_budget_reads_moto_s_subscribers(session: Any) -> None:
    clients = make_clients(session, region=REGION)
    topic_arn = ensure_alert_topic(clients.sns, topic_name="cost-alerts", account_id=ACCOUNT)
    answer_budget_subscribers(clients.budgets, account_id=ACCOUNT)
    settings: dict[str, Any] = dict(
        account_id=ACCOUNT, name="monthly", limit_usd=500.0, topic_arn=topic_arn,
        emails=("finops@example.com",),
    )  # fmt: skip
    assert ensure_budget(clients.budgets, **settings).created
    second = ensure_budget(clients.budgets, **settings)
    assert (second.created, second.updated, second.changes) == (False, False, ())
    notification = clients.budgets.describe_notifications_for_budget(
        AccountId=ACCOUNT, BudgetName="monthly"
    )["Notifications"][0]
    subscribers = clients.budgets.describe_subscribers_for_notification(
        AccountId=ACCOUNT, BudgetName="monthly", Notification=notification
    )["Subscribers"]
    assert {(s["SubscriptionType"], s["Address"]) for s in subscribers} == {
        ("SNS", topic_arn),
        ("EMAIL", "finops@example.com"),
    }


def test_subscribers_of_an_unknown_budget_are_not_found(session: Any) -> None:
    budgets = session.client("budgets", region_name=REGION)
    answer_budget_subscribers(budgets, account_id=ACCOUNT)
    notification = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN",
                    "Threshold": 50.0, "ThresholdType": "PERCENTAGE"}  # fmt: skip
    with pytest.raises(ClientError) as raised:
        budgets.describe_subscribers_for_notification(
            AccountId=ACCOUNT, BudgetName="missing", Notification=notification
        )
    assert raised.value.response["Error"]["Code"] == "NotFoundException"


# --- the inbox ------------------------------------------------------------------------------


def test_the_inbox_receives_what_the_topic_publishes_once(session: Any) -> None:
    sns = session.client("sns", region_name=REGION)
    topic_arn = sns.create_topic(Name="cost-alerts")["TopicArn"]
    inbox = AlertInbox.subscribe(session, sns=sns, topic_arn=topic_arn)
    sns.publish(TopicArn=topic_arn, Subject="over 50%", Message="spent USD 260")
    sns.publish(TopicArn=topic_arn, Subject="over 80%", Message="spent USD 410")
    assert inbox.read() == [("over 50%", "spent USD 260"), ("over 80%", "spent USD 410")]
    assert inbox.read() == []  # read messages are deleted
    policy = json.loads(
        inbox.sqs.get_queue_attributes(QueueUrl=inbox.queue_url, AttributeNames=["Policy"])[
            "Attributes"
        ]["Policy"]
    )
    (statement,) = policy["Statement"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": topic_arn}}
    assert inbox.subscription_arn.startswith(topic_arn)
    inbox.delete()
    assert inbox.queue_url not in inbox.sqs.list_queues().get("QueueUrls", [])


# --- counting and printing ------------------------------------------------------------------


def test_count_requests_counts_one_entry_per_page_and_only_that_operation(session: Any) -> None:
    ce = session.client("ce", region_name=REGION)
    sent = count_requests(ce, "GetCostAndUsage")
    forecasts = count_requests(ce, "GetCostForecast")
    answer_cost_forecasts(ce, today=TODAY, daily_usd=1.0)
    MONTH.queue(TODAY.day - 1, by_service=False)
    daily_costs(ce, TODAY, days=19)
    forecast_month_end(ce, TODAY)
    assert sent == ["first page", "seed-2026-11-page-2", "seed-2026-11-page-3"]
    assert forecasts == ["first page"]
    with pytest.raises(MonitoringConfigError):
        count_requests(ce, "")


def test_describe_period_names_the_days_and_the_exclusive_end() -> None:
    assert describe_period(Period(date(2026, 11, 1), date(2026, 11, 21))) == "01 Nov → 21 Nov (20 d)"  # fmt: skip
    assert describe_period(complete_days_to_date(date(2026, 12, 1))) == "none"


def test_describe_check_names_what_was_crossed_and_sent(session: Any) -> None:
    clients = make_clients(session, region=REGION)
    ensure_alert_topic(clients.sns, topic_name="cost-alerts", account_id=ACCOUNT)
    answer_cost_forecasts(clients.ce, today=TODAY, daily_usd=MONTH.typical_day_usd)
    MONTH.queue(TODAY.day - 1, by_service=False)
    MONTH.queue_services_to_date(TODAY)
    config = AlertConfig(budget_usd=400.0, topic_name="cost-alerts")
    first = describe_check(run_check(clients, config, today=TODAY))
    again = describe_check(run_check(clients, config, today=TODAY))
    assert first.startswith("2026-11-20: spent USD ") and "(forecast)" in first
    assert first.endswith("sent now: ['ACTUAL:50']; sent before: []")
    assert again.endswith("sent now: []; sent before: ['ACTUAL:50']")
