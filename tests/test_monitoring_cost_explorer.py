"""Spec for companion/monitoring/cost_explorer.py and seed.py, offline.

Three ways in, none of them reaching AWS:

* moto in-process (``mock_aws``) with Cost Explorer answers queued by ``seed`` (moto keeps no
  spending of its own); moto also records each request body it answered, so the tests can
  check the TimePeriod the adapter really sent on the 1st and on the last day of a month;
* moto's HTTP server on 127.0.0.1 with a real boto3 client, answers queued over HTTP;
* botocore's ``Stubber`` for what moto does not mock (``GetCostForecast``) and for errors.

Throttling: the ``Stubber`` answers in botocore's ``before-call`` event, *before* the retry
machinery, so a stubbed ThrottlingException is never retried (pinned below). The retries are
tested with a ``before-send`` hook instead, which stands in for the HTTP layer *inside* the
retry loop: it answers HTTP 400 ThrottlingException, then 200.
"""

from __future__ import annotations

import functools
import json
import pickle
import types
import urllib.request
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import boto3
import botocore.endpoint
import pandas as pd
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from companion.monitoring.anomaly import detect_anomalies, top_movers
from companion.monitoring.cost_explorer import (
    MAX_PAGES,
    CostTotal,
    Forecast,
    cost_by_service,
    daily_costs,
    forecast_month_end,
    make_clients,
    monitoring_client_config,
    month_to_date_cost,
)
from companion.monitoring.exceptions import (
    BudgetError,
    CostQueryError,
    MonitoringConfigError,
    PermissionDeniedError,
    error_from_client_error,
)
from companion.monitoring.periods import Period, month_to_date
from companion.monitoring.seed import (
    DEFAULT_ACCOUNT_ID,
    EXAMPLE_SERVICES,
    inject_cost_results,
    month_of_costs,
)

pytestmark = pytest.mark.usefixtures("aws_credentials")
REGION = "us-east-1"
SERVICE_GROUP = [{"Type": "DIMENSION", "Key": "SERVICE"}]
EC2 = "Amazon Elastic Compute Cloud - Compute"
S3 = "Amazon Simple Storage Service"


@functools.cache
def _session() -> boto3.session.Session:
    # One session for every test: parsing the service models once keeps client creation fast.
    return boto3.session.Session(region_name=REGION)


def make_ce(endpoint_url: str | None = None, *, max_attempts: int = 8) -> Any:
    return _session().client(
        "ce",
        region_name=REGION,
        endpoint_url=endpoint_url,
        config=monitoring_client_config(max_attempts),
    )


@pytest.fixture
def moto_ce() -> Iterator[Any]:
    with mock_aws():
        yield make_ce()


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    ce = make_ce("http://127.0.0.1:9")  # never used: the Stubber answers every call
    with Stubber(ce) as stubber:
        yield ce, stubber
        stubber.assert_no_pending_responses()


def moto_requests() -> list[dict[str, Any]]:
    """The request bodies moto's Cost Explorer answered from its queue, in order."""
    from moto.ce.models import ce_backends

    return [json.loads(body) for body in ce_backends[DEFAULT_ACCOUNT_ID]["aws"].cost_usage_results]


def total_usd(pages: list[dict[str, Any]], *, through: date | None = None) -> float:
    """The hand-checkable sum of every amount in seeded answers (with Decimal, exactly)."""
    total = Decimal(0)
    for page in pages:
        for result in page["ResultsByTime"]:
            if through and date.fromisoformat(result["TimePeriod"]["Start"]) > through:
                continue
            amounts = [g["Metrics"]["UnblendedCost"]["Amount"] for g in result["Groups"]]
            if result["Total"]:
                amounts.append(result["Total"]["UnblendedCost"]["Amount"])
            total += sum((Decimal(a) for a in amounts), Decimal(0))
    return float(total)


def answer(results: list[dict[str, Any]], token: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {"ResultsByTime": results, "DimensionValueAttributes": []}
    if token:
        page["NextPageToken"] = token
    return page


def day_total(day: str, amount: str, unit: str = "USD", estimated: bool = True) -> dict[str, Any]:
    end = (date.fromisoformat(day) + pd.Timedelta(days=1)).isoformat()
    return {
        "TimePeriod": {"Start": day, "End": end[:10]},
        "Total": {"UnblendedCost": {"Amount": amount, "Unit": unit}},
        "Groups": [],
        "Estimated": estimated,
    }


def day_groups(day: str, amounts: dict[str, str]) -> dict[str, Any]:
    end = (date.fromisoformat(day) + pd.Timedelta(days=1)).isoformat()
    return {
        "TimePeriod": {"Start": day, "End": end[:10]},
        "Total": {},
        "Groups": [
            {"Keys": [s], "Metrics": {"UnblendedCost": {"Amount": a, "Unit": "USD"}}}
            for s, a in amounts.items()
        ],
        "Estimated": True,
    }


# ---------------------------------------------------------------------------- seed


def test_month_of_costs_pages_are_realistic_and_reproducible() -> None:
    pages = month_of_costs(2027, 3, services=EXAMPLE_SERVICES, page_size=10, seed=3)
    assert [len(p["ResultsByTime"]) for p in pages] == [10, 10, 10, 1]
    assert [p.get("NextPageToken") for p in pages] == [
        "seed-2027-03-page-2",
        "seed-2027-03-page-3",
        "seed-2027-03-page-4",
        None,
    ]
    first = pages[0]["ResultsByTime"][0]
    assert first["TimePeriod"] == {"Start": "2027-03-01", "End": "2027-03-02"}
    assert first["Total"] == {}  # AWS leaves Total empty when grouping
    assert sorted(g["Keys"][0] for g in first["Groups"]) == sorted(EXAMPLE_SERVICES)
    assert pages == month_of_costs(2027, 3, services=EXAMPLE_SERVICES, page_size=10, seed=3)
    assert pages != month_of_costs(2027, 3, services=EXAMPLE_SERVICES, page_size=10, seed=4)
    with pytest.raises(MonitoringConfigError, match="anomaly_service"):
        month_of_costs(2027, 3, services=EXAMPLE_SERVICES, anomaly_day=3)
    with pytest.raises(MonitoringConfigError, match="through_day"):
        month_of_costs(2027, 2, services=EXAMPLE_SERVICES, through_day=29)


# ---------------------------------------------------------------------------- moto, in process


def test_month_to_date_follows_three_pages_in_moto(moto_ce: Any) -> None:
    today = date(2027, 3, 20)
    pages = month_of_costs(
        2027, 3, services=EXAMPLE_SERVICES, through_day=20, page_size=7, group_by_service=False
    )
    assert len(pages) == 3
    inject_cost_results(pages)

    cost = month_to_date_cost(moto_ce, today)

    assert isinstance(cost, CostTotal)
    assert cost.amount_usd == pytest.approx(total_usd(pages))
    last = pages[-1]["ResultsByTime"][-1]
    assert cost.today_usd == pytest.approx(float(last["Total"]["UnblendedCost"]["Amount"]))
    assert cost.complete_days_usd == pytest.approx(total_usd(pages, through=date(2027, 3, 19)))
    assert cost.estimated is True
    assert cost.period == month_to_date(today)
    sent = moto_requests()
    assert [r.get("NextPageToken") for r in sent] == [
        None,
        "seed-2027-03-page-2",
        "seed-2027-03-page-3",
    ]
    assert all(r["TimePeriod"] == {"Start": "2027-03-01", "End": "2027-03-21"} for r in sent)
    assert all(r["Granularity"] == "DAILY" and r["Metrics"] == ["UnblendedCost"] for r in sent)


@pytest.mark.parametrize(
    ("today", "end"),
    [
        (date(2027, 3, 1), "2027-03-02"),  # the 1st: the old code sent Start == End
        (date(2028, 2, 29), "2028-03-01"),  # last day of a leap February
        (date(2027, 12, 31), "2028-01-01"),  # last day of the year
    ],
    ids=str,
)
def test_first_and_last_day_of_the_month_send_a_valid_period(
    moto_ce: Any, today: date, end: str
) -> None:
    pages = month_of_costs(
        today.year, today.month, services=EXAMPLE_SERVICES, through_day=today.day, seed=1
    )
    inject_cost_results(pages)

    cost = month_to_date_cost(moto_ce, today)

    (request,) = moto_requests()
    start = request["TimePeriod"]["Start"]
    assert request["TimePeriod"] == {"Start": today.replace(day=1).isoformat(), "End": end}
    assert start < request["TimePeriod"]["End"]  # what AWS checks
    assert cost.amount_usd == pytest.approx(total_usd(pages)) and cost.amount_usd > 0
    if today.day == 1:
        assert cost.complete_days_usd == pytest.approx(0.0)
        assert cost.today_usd == pytest.approx(cost.amount_usd)


def test_an_empty_account_is_zero_and_empty_frames_not_a_crash(moto_ce: Any) -> None:
    today = date(2027, 3, 1)
    cost = month_to_date_cost(moto_ce, today)
    assert (cost.amount_usd, cost.today_usd, cost.estimated) == (0.0, 0.0, False)

    daily = daily_costs(moto_ce, today, days=7)
    assert list(daily.columns) == ["date", "cost_usd", "estimated"]
    assert len(daily) == 7 and (daily["cost_usd"] == 0.0).all()
    assert str(daily["date"].dtype) == "datetime64[ns]"
    assert daily["date"].iloc[-1] == pd.Timestamp("2027-02-28")  # up to yesterday

    by_service = cost_by_service(moto_ce, month_to_date(today))
    assert list(by_service.columns) == ["date", "service", "cost_usd"]
    assert by_service.empty
    assert str(by_service["date"].dtype) == "datetime64[ns]"
    assert str(by_service["cost_usd"].dtype) == "float64"


def test_zero_amounts_and_empty_groups_are_zero(stubbed: tuple[Any, Stubber]) -> None:
    ce, stubber = stubbed
    today = date(2027, 3, 2)
    empty_day = {
        "TimePeriod": {"Start": "2027-03-01", "End": "2027-03-02"},
        "Total": {},
        "Groups": [],
        "Estimated": False,
    }
    stubber.add_response(
        "get_cost_and_usage", answer([empty_day, day_total("2027-03-02", "0", estimated=False)])
    )
    cost = month_to_date_cost(ce, today)
    assert (cost.amount_usd, cost.today_usd, cost.estimated) == (0.0, 0.0, False)


def test_daily_and_service_frames_have_typed_columns_and_agree(moto_ce: Any) -> None:
    today = date(2027, 4, 1)
    inject_cost_results(
        month_of_costs(2027, 3, services=EXAMPLE_SERVICES, group_by_service=False, seed=5)
    )
    inject_cost_results(month_of_costs(2027, 3, services=EXAMPLE_SERVICES, seed=5, page_size=8))

    daily = daily_costs(moto_ce, today, days=31)
    by_service = cost_by_service(moto_ce, Period(date(2027, 3, 1), today), granularity="DAILY")

    assert [str(t) for t in daily.dtypes] == ["datetime64[ns]", "float64", "bool"]
    assert len(daily) == 31 and daily["date"].is_monotonic_increasing
    assert daily["estimated"].all()
    assert list(by_service.columns) == ["date", "service", "cost_usd"]
    assert str(by_service["date"].dtype) == "datetime64[ns]"
    assert pd.api.types.is_string_dtype(by_service["service"])
    assert str(by_service["cost_usd"].dtype) == "float64"
    assert len(by_service) == 31 * len(EXAMPLE_SERVICES)
    assert set(by_service["service"]) == set(EXAMPLE_SERVICES)
    # the two questions agree on each day's total (rounded to AWS's 10 decimals)
    per_day = by_service.groupby("date")["cost_usd"].sum()
    assert per_day.to_numpy() == pytest.approx(daily.set_index("date")["cost_usd"].to_numpy())
    # within a day, the most expensive service comes first
    first_day = by_service[by_service["date"] == pd.Timestamp("2027-03-01")]
    assert first_day["cost_usd"].is_monotonic_decreasing
    assert first_day["service"].iloc[0] == EC2
    # the requests: GroupBy SERVICE on the second, four pages of eight days
    sent = moto_requests()
    assert "GroupBy" not in sent[0]
    assert [r.get("GroupBy") for r in sent[1:]] == [SERVICE_GROUP] * 4


def test_a_spike_is_found_end_to_end_through_moto(moto_ce: Any) -> None:
    """Seeded month with a USD 25 Lambda spike on the 19th: the daily totals flag that day
    and only that day, and the top mover that day is Lambda."""
    kwargs: dict[str, Any] = dict(
        services=EXAMPLE_SERVICES, seed=7, anomaly_day=19, anomaly_service="AWS Lambda",
        anomaly_usd=25.0,
    )  # fmt: skip
    inject_cost_results(month_of_costs(2027, 3, group_by_service=False, **kwargs))
    inject_cost_results(month_of_costs(2027, 3, page_size=10, **kwargs))
    today = date(2027, 4, 1)

    scored = detect_anomalies(daily_costs(moto_ce, today, days=31))
    by_service = cost_by_service(moto_ce, Period(date(2027, 3, 1), today), granularity="DAILY")

    flagged = scored.loc[scored["is_anomaly"], "date"].tolist()
    assert flagged == [pd.Timestamp("2027-03-19")]
    movers = top_movers(by_service, date(2027, 3, 19))
    assert movers["service"].iloc[0] == "AWS Lambda"
    assert movers["change_usd"].iloc[0] == pytest.approx(25.0, abs=0.5)


# ---------------------------------------------------------------------------- Stubber


def test_pagination_with_the_stubber_adds_a_day_split_across_pages(
    stubbed: tuple[Any, Stubber],
) -> None:
    ce, stubber = stubbed
    period = Period(date(2027, 3, 1), date(2027, 3, 3))
    request = {
        "TimePeriod": {"Start": "2027-03-01", "End": "2027-03-03"},
        "Granularity": "DAILY",
        "Metrics": ["UnblendedCost"],
        "GroupBy": SERVICE_GROUP,
    }
    stubber.add_response(
        "get_cost_and_usage",
        answer([day_groups("2027-03-01", {EC2: "1.5", S3: "0.25"})], "t2"),
        request,
    )
    stubber.add_response(
        "get_cost_and_usage",
        answer([day_groups("2027-03-02", {EC2: "1.0"})], "t3"),
        {**request, "NextPageToken": "t2"},
    )
    # AWS may continue a day's groups on the next page: the same TimePeriod again
    stubber.add_response(
        "get_cost_and_usage",
        answer([day_groups("2027-03-02", {S3: "0.5", EC2: "0.5"})]),
        {**request, "NextPageToken": "t3"},
    )

    frame = cost_by_service(ce, period, granularity="DAILY")

    assert frame.to_dict("records") == [
        {"date": pd.Timestamp("2027-03-01"), "service": EC2, "cost_usd": 1.5},
        {"date": pd.Timestamp("2027-03-01"), "service": S3, "cost_usd": 0.25},
        {"date": pd.Timestamp("2027-03-02"), "service": EC2, "cost_usd": 1.5},
        {"date": pd.Timestamp("2027-03-02"), "service": S3, "cost_usd": 0.5},
    ]


def test_a_repeated_page_token_stops_instead_of_looping(stubbed: tuple[Any, Stubber]) -> None:
    ce, stubber = stubbed
    stubber.add_response("get_cost_and_usage", answer([day_total("2027-03-01", "1")], "same"))
    stubber.add_response("get_cost_and_usage", answer([day_total("2027-03-02", "1")], "same"))
    with pytest.raises(CostQueryError, match="'same' twice"):
        month_to_date_cost(ce, date(2027, 3, 2))


def test_endless_distinct_tokens_stop_after_max_pages(stubbed: tuple[Any, Stubber]) -> None:
    ce, stubber = stubbed
    for page in range(MAX_PAGES):
        stubber.add_response("get_cost_and_usage", answer([], f"token-{page}"))
    with pytest.raises(CostQueryError, match=f"after {MAX_PAGES} pages"):
        month_to_date_cost(ce, date(2027, 3, 2))


def test_a_non_usd_unit_is_refused_unless_a_rate_is_given(stubbed: tuple[Any, Stubber]) -> None:
    ce, stubber = stubbed
    eur = answer([day_total("2027-03-01", "10", unit="EUR")])
    stubber.add_response("get_cost_and_usage", eur)
    with pytest.raises(CostQueryError, match=r"'EUR', not USD; pass usd_per_unit"):
        month_to_date_cost(ce, date(2027, 3, 1))
    stubber.add_response("get_cost_and_usage", eur)
    cost = month_to_date_cost(ce, date(2027, 3, 1), usd_per_unit={"EUR": 1.1})
    assert cost.amount_usd == pytest.approx(11.0)
    with pytest.raises(MonitoringConfigError, match="positive number"):
        month_to_date_cost(ce, date(2027, 3, 1), usd_per_unit={"EUR": 0})


@pytest.mark.parametrize("code", ["AccessDeniedException", "AccessDenied", "UnauthorizedOperation"])
def test_access_denied_names_the_iam_action(stubbed: tuple[Any, Stubber], code: str) -> None:
    ce, stubber = stubbed
    stubber.add_client_error(
        "get_cost_and_usage",
        service_error_code=code,
        service_message="User: arn:aws:iam::123456789012:user/dev is not authorized to perform: "
        "ce:GetCostAndUsage on resource: arn:aws:ce:us-east-1:123456789012:/GetCostAndUsage",
        http_status_code=400,
    )
    with pytest.raises(PermissionDeniedError, match=r"IAM action ce:GetCostAndUsage") as caught:
        month_to_date_cost(ce, date(2027, 3, 1))
    assert caught.value.action == "ce:GetCostAndUsage"
    assert "\n" not in str(caught.value)

    stubber.add_client_error("get_cost_forecast", service_error_code=code, http_status_code=400)
    with pytest.raises(PermissionDeniedError) as caught:
        forecast_month_end(ce, date(2027, 3, 1))
    assert caught.value.action == "ce:GetCostForecast"


def test_other_aws_errors_carry_aws_message(stubbed: tuple[Any, Stubber]) -> None:
    ce, stubber = stubbed
    stubber.add_client_error(
        "get_cost_and_usage",
        service_error_code="ValidationException",
        service_message="Start date (and hour) should be before end date (and hour)",
    )
    with pytest.raises(CostQueryError) as caught:
        daily_costs(ce, date(2027, 3, 1), days=3)
    assert str(caught.value) == (
        "ce:GetCostAndUsage failed: ValidationException: "
        "Start date (and hour) should be before end date (and hour)"
    )


def test_bad_arguments_are_config_errors_before_any_request(
    stubbed: tuple[Any, Stubber],
) -> None:
    ce, _ = stubbed
    with pytest.raises(MonitoringConfigError, match="metric must be one of"):
        month_to_date_cost(ce, date(2027, 3, 1), metric="UsageQuantity")
    with pytest.raises(MonitoringConfigError, match="granularity"):
        cost_by_service(ce, month_to_date(date(2027, 3, 1)), granularity="HOURLY")  # type: ignore[arg-type]
    with pytest.raises(MonitoringConfigError, match="prediction_interval_level"):
        forecast_month_end(ce, date(2027, 3, 1), prediction_interval_level=50)
    with pytest.raises(MonitoringConfigError, match="at least 1"):
        daily_costs(ce, date(2027, 3, 1), days=0)


# ---------------------------------------------------------------------------- forecast


@pytest.mark.parametrize(
    ("today", "end"),
    [
        (date(2027, 3, 10), "2027-04-01"),
        (date(2028, 2, 29), "2028-03-01"),
        (date(2027, 3, 1), "2027-04-01"),
    ],
    ids=str,
)
def test_forecast_asks_from_today_to_month_end(
    stubbed: tuple[Any, Stubber], today: date, end: str
) -> None:
    ce, stubber = stubbed
    time_period = {"Start": today.isoformat(), "End": end}
    stubber.add_response(
        "get_cost_forecast",
        {
            "Total": {"Amount": "42.5", "Unit": "USD"},
            "ForecastResultsByTime": [
                {
                    "TimePeriod": time_period,
                    "MeanValue": "42.5",
                    "PredictionIntervalLowerBound": "30.25",
                    "PredictionIntervalUpperBound": "55",
                }
            ],
        },
        {
            "TimePeriod": time_period,
            "Metric": "UNBLENDED_COST",
            "Granularity": "MONTHLY",
            "PredictionIntervalLevel": 80,
        },
    )
    forecast = forecast_month_end(ce, today)
    assert forecast == Forecast(
        period=Period.from_api(time_period),
        amount_usd=42.5,
        lower_usd=30.25,
        upper_usd=55.0,
        prediction_interval_level=80,
        metric="UNBLENDED_COST",
    )


def test_forecast_without_interval_and_with_another_metric(stubbed: tuple[Any, Stubber]) -> None:
    ce, stubber = stubbed
    stubber.add_response(
        "get_cost_forecast",
        {"Total": {"Amount": "3", "Unit": "USD"}, "ForecastResultsByTime": []},
        {
            "TimePeriod": {"Start": "2027-03-31", "End": "2027-04-01"},
            "Metric": "AMORTIZED_COST",
            "Granularity": "MONTHLY",
            "PredictionIntervalLevel": 95,
        },
    )
    forecast = forecast_month_end(
        ce, date(2027, 3, 31), metric="AmortizedCost", prediction_interval_level=95
    )
    assert forecast is not None
    assert (forecast.amount_usd, forecast.lower_usd, forecast.upper_usd) == (3.0, None, None)


def test_no_forecast_for_a_new_account_is_none(stubbed: tuple[Any, Stubber]) -> None:
    ce, stubber = stubbed
    stubber.add_client_error(
        "get_cost_forecast",
        service_error_code="DataUnavailableException",
        service_message="Insufficient amount of historical data to generate forecast.",
    )
    assert forecast_month_end(ce, date(2027, 3, 1)) is None
    stubber.add_client_error(
        "get_cost_forecast", service_error_code="ValidationException", service_message="nope"
    )
    with pytest.raises(CostQueryError, match="ce:GetCostForecast failed: ValidationException"):
        forecast_month_end(ce, date(2027, 3, 1))


# ---------------------------------------------------------------------------- throttling


def test_the_retry_config_counts_every_attempt() -> None:
    config = monitoring_client_config()
    assert config.retries == {"mode": "standard", "total_max_attempts": 8}
    assert monitoring_client_config(3, mode="adaptive").retries == {
        "mode": "adaptive",
        "total_max_attempts": 3,
    }
    with pytest.raises(MonitoringConfigError, match="at least 1"):
        monitoring_client_config(0)
    with pytest.raises(MonitoringConfigError, match="mode"):
        monitoring_client_config(mode="legacy")  # type: ignore[arg-type]


def test_the_stubber_does_not_retry_so_a_stubbed_throttle_surfaces(
    stubbed: tuple[Any, Stubber],
) -> None:
    """The Stubber answers before botocore's retry loop: one stubbed ThrottlingException is
    final even with 8 attempts configured. That is why the next tests use before-send."""
    ce, stubber = stubbed
    stubber.add_client_error("get_cost_and_usage", service_error_code="ThrottlingException")
    with pytest.raises(CostQueryError, match="throttled"):
        month_to_date_cost(ce, date(2027, 3, 1))


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def _http(status: int, body: dict[str, Any]) -> AWSResponse:
    headers: Any = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "test"}
    return AWSResponse("http://127.0.0.1:9/", status, headers, _Body(json.dumps(body).encode()))


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore sleeps between retries (in botocore.endpoint); record the delays instead."""
    delays: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=delays.append))
    return delays


@pytest.mark.parametrize("code", ["ThrottlingException", "LimitExceededException"])
def test_a_throttled_call_is_retried_by_botocore_and_succeeds(
    no_sleep: list[float], code: str
) -> None:
    ce = make_ce("http://127.0.0.1:9")  # a hook answers below; nothing is sent
    sent: list[str] = []

    def fake_http(request: Any, **_: Any) -> AWSResponse:
        sent.append(json.loads(request.body)["TimePeriod"]["End"])
        if len(sent) == 1:
            return _http(400, {"__type": code, "message": "Rate exceeded"})
        return _http(200, answer([day_total("2027-03-01", "2.5")]))

    ce.meta.events.register("before-send.cost-explorer.GetCostAndUsage", fake_http)
    cost = month_to_date_cost(ce, date(2027, 3, 1))
    assert cost.amount_usd == 2.5
    assert sent == ["2027-03-02", "2027-03-02"]  # the same request, sent twice
    assert len(no_sleep) == 1 and 0 <= no_sleep[0] <= 20


def test_throttling_that_outlasts_the_retries_is_one_line(no_sleep: list[float]) -> None:
    ce = make_ce("http://127.0.0.1:9", max_attempts=3)
    sent: list[int] = []

    def always_throttled(request: Any, **_: Any) -> AWSResponse:
        sent.append(1)
        return _http(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})

    ce.meta.events.register("before-send.cost-explorer.GetCostAndUsage", always_throttled)
    with pytest.raises(CostQueryError) as caught:
        month_to_date_cost(ce, date(2027, 3, 1))
    assert len(sent) == 3  # total_max_attempts counts the first try
    assert len(no_sleep) == 2
    assert "throttled by AWS after 3 attempts" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_error_from_client_error_serves_the_other_aws_calls_too() -> None:
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": ""}}, "ViewBudget")
    error = error_from_client_error(denied, "budgets:ViewBudget", BudgetError)
    assert isinstance(error, PermissionDeniedError) and error.action == "budgets:ViewBudget"
    assert str(error) == "access denied: the credentials need the IAM action budgets:ViewBudget"
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.action, str(again)) == (
        PermissionDeniedError,
        error.action,
        str(error),
    )
    other = ClientError({"Error": {"Code": "NotFoundException", "Message": "gone"}}, "X")
    error = error_from_client_error(other, "budgets:ViewBudget", BudgetError)
    assert type(error) is BudgetError
    assert str(error) == "budgets:ViewBudget failed: NotFoundException: gone"


# ---------------------------------------------------------------------------- moto's HTTP server


def test_against_moto_server_with_results_injected_over_http(moto_server: str) -> None:
    reset = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10) as reply:
        assert reply.status == 200
    today = date(2028, 2, 29)
    totals = month_of_costs(
        2028, 2, services=EXAMPLE_SERVICES, group_by_service=False, page_size=10
    )
    grouped = month_of_costs(2028, 2, services=EXAMPLE_SERVICES, page_size=15)
    inject_cost_results(totals, moto_server_url=moto_server)
    inject_cost_results(grouped, moto_server_url=moto_server)
    clients = make_clients(_session(), region="eu-west-1", endpoint_url=moto_server)

    cost = month_to_date_cost(clients.ce, today)
    by_service = cost_by_service(clients.ce, month_to_date(today))

    assert cost.amount_usd == pytest.approx(total_usd(totals))
    assert by_service["cost_usd"].sum() == pytest.approx(total_usd(grouped))
    assert set(by_service["service"]) == set(EXAMPLE_SERVICES)
    # asking again sends the same bytes, and moto answers from what it kept
    assert month_to_date_cost(clients.ce, today) == cost
    assert clients.sts.get_caller_identity()["Account"] == DEFAULT_ACCOUNT_ID


def test_make_clients_puts_global_services_in_us_east_1_and_shares_the_config() -> None:
    config = monitoring_client_config(5)
    clients = make_clients(_session(), region="eu-west-1", config=config)
    # global services: boto3 names their region "aws-global" and signs for us-east-1
    assert clients.ce.meta.endpoint_url == "https://ce.us-east-1.amazonaws.com"
    assert clients.budgets.meta.endpoint_url == "https://budgets.amazonaws.com"
    assert {clients.sns.meta.region_name, clients.ssm.meta.region_name} == {"eu-west-1"}
    assert clients.events.meta.region_name == "eu-west-1"
    assert clients.ce.meta.config.retries == {"mode": "standard", "total_max_attempts": 5}


def test_daily_pages_fold_into_the_one_result_a_monthly_query_gets() -> None:
    from companion.monitoring.seed import as_one_period, month_of_costs

    pages = month_of_costs(2026, 11, services={"EC2": 8.0, "S3": 0.5}, through_day=19, page_size=7)
    daily: dict[str, float] = {}
    for page in pages:
        for day in page["ResultsByTime"]:
            for group in day["Groups"]:
                usd = float(group["Metrics"]["UnblendedCost"]["Amount"])
                daily[group["Keys"][0]] = daily.get(group["Keys"][0], 0.0) + usd
    period = month_to_date(date(2026, 11, 20))
    (folded,) = as_one_period(pages, period)
    (result,) = folded["ResultsByTime"]
    assert result["TimePeriod"] == {"Start": "2026-11-01", "End": "2026-11-21"}
    totals = {
        g["Keys"][0]: float(g["Metrics"]["UnblendedCost"]["Amount"]) for g in result["Groups"]
    }
    assert totals == pytest.approx(daily, abs=1e-9)
    assert "NextPageToken" not in folded
