"""A thin adapter over AWS Cost Explorer (boto3's ``ce`` client): what has this account spent?

Every function takes the client as its first argument (tests hand it moto's, or a real client
behind botocore's ``Stubber``); nothing here reads credentials. What it adds to boto3:

* **Valid periods on every day**, from :mod:`.periods` (the 1st of the month included).
* **Every page**: ``GetCostAndUsage`` answers in pages joined by ``NextPageToken`` and boto3
  has no paginator for it; :func:`_paginate_cost_and_usage` follows them all, and stops with
  :class:`CostQueryError` if AWS hands back a token it already gave (a loop) or after
  ``MAX_PAGES`` pages. Mind the bill: Cost Explorer's API charges per request, every page
  included (USD 0.01 per request when this was written), so a check that runs hourly costs
  money of its own; once or a few times a day is plenty, since the data refreshes only a few
  times a day.
* **Dollars, checked**: every amount must be in USD, or in a unit you gave a rate for with
  ``usd_per_unit={"EUR": 1.08}``; anything else is a :class:`CostQueryError` rather than a
  number silently in the wrong currency.
* **An empty account is not an error**: no results or zero amounts give a zero total and empty
  (or all-zero) frames.
* **Errors as one line**: an access-denied answer becomes :class:`PermissionDeniedError`
  naming the IAM action (``ce:GetCostAndUsage``, ``ce:GetCostForecast``); every other AWS
  error becomes :class:`CostQueryError` with AWS's message. Throttling is retried by botocore
  itself when the client is built with :func:`monitoring_client_config` (as
  :func:`make_clients` does); only throttling that outlasts the retries surfaces.

Requests are built in one fixed key order, so the same question always sends the same bytes
(moto's injected results are keyed by the raw request body; see :mod:`.seed`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import pandas as pd
from botocore.exceptions import ClientError

from .exceptions import (
    CostQueryError,
    MonitoringConfigError,
    aws_call,
)
from .periods import Period, forecast_period, last_n_days, month_to_date

__all__ = [
    "COST_METRICS",
    "DAILY_COLUMNS",
    "GRANULARITIES",
    "SERVICE_COLUMNS",
    "CostTotal",
    "Forecast",
    "MonitoringClients",
    "cost_by_service",
    "daily_costs",
    "forecast_month_end",
    "make_clients",
    "monitoring_client_config",
    "month_to_date_cost",
]

Granularity = Literal["DAILY", "MONTHLY"]
RetryMode = Literal["standard", "adaptive"]

# GetCostAndUsage's cost metrics (UsageQuantity is not money), and the name GetCostForecast
# uses for each: the two operations spell the same metric differently.
FORECAST_METRICS: Mapping[str, str] = {
    "AmortizedCost": "AMORTIZED_COST",
    "BlendedCost": "BLENDED_COST",
    "NetAmortizedCost": "NET_AMORTIZED_COST",
    "NetUnblendedCost": "NET_UNBLENDED_COST",
    "UnblendedCost": "UNBLENDED_COST",
}
COST_METRICS: tuple[str, ...] = tuple(FORECAST_METRICS)
GRANULARITIES: tuple[str, ...] = ("DAILY", "MONTHLY")
# A month of DAILY results grouped by service fits in a few pages; 100 pages means a bug (or a
# huge organization) and, at USD 0.01 a request, a dollar spent on one question.
MAX_PAGES = 100
DAILY_COLUMNS: tuple[str, ...] = ("date", "cost_usd", "estimated")
SERVICE_COLUMNS: tuple[str, ...] = ("date", "service", "cost_usd")
_ACTIONS = {
    "GetCostAndUsage": "ce:GetCostAndUsage",
    "GetCostForecast": "ce:GetCostForecast",
}


@dataclass(frozen=True)
class CostTotal:
    """What was spent in ``period`` as of the UTC day ``as_of``.

    For :func:`month_to_date_cost`, ``period`` is ``[1st, as_of + 1)``: ``amount_usd`` includes
    today's costs so far (partial, still accruing), ``today_usd`` is that partial day alone, and
    :attr:`complete_days_usd` the days that are over. ``estimated`` is True when Cost Explorer
    marked any day of it as an estimate (the current month always is).
    """

    as_of: date
    period: Period
    amount_usd: float
    today_usd: float
    estimated: bool
    metric: str = "UnblendedCost"

    @property
    def complete_days_usd(self) -> float:
        """The cost of the days before ``as_of`` (0 on the 1st of the month)."""
        return self.amount_usd - self.today_usd


@dataclass(frozen=True)
class Forecast:
    """Cost Explorer's forecast for ``period`` (from today to the end of the month).

    ``amount_usd`` is the forecast's mean; ``lower_usd``/``upper_usd`` bound the
    ``prediction_interval_level`` percent prediction interval, when AWS gave one.
    """

    period: Period
    amount_usd: float
    lower_usd: float | None
    upper_usd: float | None
    prediction_interval_level: int
    metric: str = "UNBLENDED_COST"


@dataclass(frozen=True)
class MonitoringClients:
    """The boto3 clients the monitoring lessons use, all built with the same retry config."""

    ce: Any
    sns: Any
    ssm: Any
    budgets: Any
    events: Any
    sts: Any


def monitoring_client_config(
    max_attempts: int = 8, *, mode: RetryMode = "standard", read_timeout_s: float = 30.0
) -> Any:
    """A ``botocore.config.Config`` whose retries ride out throttling.

    ``max_attempts`` counts every try, the first included (it sets botocore's
    ``total_max_attempts``; botocore's own ``max_attempts`` key would count retries only).
    ``mode="standard"`` (the default) retries throttling (``ThrottlingException``,
    ``LimitExceededException``, HTTP 429, ...), 5xx answers and dropped connections, waiting an
    exponentially growing, jittered delay (at most 20 s) between tries, and stops early when
    the client's retry quota runs dry. ``mode="adaptive"`` adds a client-side rate limiter that
    slows *every* later call once AWS throttles; worth it only for a loop that hammers one API
    from one client, which a daily cost check does not.
    """
    from botocore.config import Config

    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise MonitoringConfigError(
            f"max_attempts must be a whole number, at least 1 (the first try counts), "
            f"got {max_attempts!r}"
        )
    if mode not in ("standard", "adaptive"):
        raise MonitoringConfigError(f"mode must be 'standard' or 'adaptive', got {mode!r}")
    return Config(
        retries={"mode": mode, "total_max_attempts": max_attempts},
        connect_timeout=10,
        read_timeout=read_timeout_s,
    )


def make_clients(
    session: Any = None,
    *,
    region: str = "us-east-1",
    endpoint_url: str | None = None,
    config: Any = None,
) -> MonitoringClients:
    """Build every monitoring client from ``session`` (default: a new ``boto3.session.Session``).

    Cost Explorer and Budgets are global services served from us-east-1 whatever ``region``
    says; SNS, SSM Parameter Store and EventBridge live in ``region``. ``endpoint_url`` points
    every client at one endpoint (moto's server in tests). ``config`` defaults to
    :func:`monitoring_client_config`.
    """
    if session is None:
        import boto3

        session = boto3.session.Session()
    config = config if config is not None else monitoring_client_config()

    def client(service: str, service_region: str) -> Any:
        return session.client(
            service, region_name=service_region, endpoint_url=endpoint_url, config=config
        )

    return MonitoringClients(
        ce=client("ce", "us-east-1"),
        sns=client("sns", region),
        ssm=client("ssm", region),
        budgets=client("budgets", "us-east-1"),
        events=client("events", region),
        sts=client("sts", region),
    )


# ---------------------------------------------------------------------------- calling AWS


def _call(operation: str, method: Callable[..., Any], **request: Any) -> Any:
    """Call one Cost Explorer operation; AWS and botocore errors become MonitoringErrors."""
    return aws_call(_ACTIONS.get(operation, f"ce:{operation}"), CostQueryError, method, **request)


def _paginate_cost_and_usage(ce: Any, **request: Any) -> list[dict[str, Any]]:
    """Every page's ``ResultsByTime``, concatenated in the order AWS sent them.

    ``request`` is passed to ``get_cost_and_usage`` unchanged; from the second page on,
    ``NextPageToken`` is added last. Raises :class:`CostQueryError` when a token comes back a
    second time (the loop would never end) or after :data:`MAX_PAGES` pages.
    """
    if "NextPageToken" in request:
        raise MonitoringConfigError("pass the request without NextPageToken; pages are followed")
    results: list[dict[str, Any]] = []
    seen: set[str] = set()
    token: str | None = None
    for _ in range(MAX_PAGES):
        page_request = dict(request, NextPageToken=token) if token else request
        page = _call("GetCostAndUsage", ce.get_cost_and_usage, **page_request)
        results.extend(page.get("ResultsByTime") or [])
        token = page.get("NextPageToken") or None
        if token is None:
            return results
        if token in seen:
            raise CostQueryError(
                f"ce:GetCostAndUsage returned the page token {token!r} twice; stopping instead "
                "of looping forever (each page is a paid request)"
            )
        seen.add(token)
    raise CostQueryError(
        f"ce:GetCostAndUsage was still paging after {MAX_PAGES} pages; narrow the query "
        "(a shorter period, MONTHLY granularity, no GroupBy)"
    )


def _cost_and_usage_request(
    period: Period, granularity: str, metric: str, *, by_service: bool
) -> dict[str, Any]:
    # One fixed key order: the same question always serializes to the same body.
    request: dict[str, Any] = {
        "TimePeriod": period.to_api(),
        "Granularity": granularity,
        "Metrics": [metric],
    }
    if by_service:
        request["GroupBy"] = [{"Type": "DIMENSION", "Key": "SERVICE"}]
    return request


# ---------------------------------------------------------------------------- reading answers


def _check_metric(metric: str) -> str:
    if metric not in FORECAST_METRICS:
        raise MonitoringConfigError(
            f"metric must be one of {', '.join(COST_METRICS)} (a cost, in dollars), got {metric!r}"
        )
    return metric


def _usd(value: Mapping[str, Any] | None, where: str, usd_per_unit: Mapping[str, float]) -> float:
    """A Cost Explorer ``{"Amount": "1.23", "Unit": "USD"}`` in US dollars; missing is 0."""
    if not value:
        return 0.0
    try:
        amount = float(value.get("Amount", "0") or "0")
    except (TypeError, ValueError):
        raise CostQueryError(f"{where}: Amount {value.get('Amount')!r} is not a number") from None
    if not math.isfinite(amount):
        raise CostQueryError(f"{where}: Amount {value.get('Amount')!r} is not a finite number")
    unit = str(value.get("Unit", "USD") or "USD")
    if unit == "USD":
        return amount
    if unit in usd_per_unit:
        return amount * usd_per_unit[unit]
    raise CostQueryError(
        f"{where}: Cost Explorer reported an amount in {unit!r}, not USD; pass "
        f"usd_per_unit={{{unit!r}: <USD per {unit}>}} to convert it, or check the account's "
        "currency settings"
    )


def _check_rates(usd_per_unit: Mapping[str, float] | None) -> Mapping[str, float]:
    rates = dict(usd_per_unit or {})
    for unit, rate in rates.items():
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
            raise MonitoringConfigError(
                f"usd_per_unit[{unit!r}] must be a positive number of USD per {unit}, got {rate!r}"
            )
    return rates


def _result_start(result: Mapping[str, Any]) -> date:
    return Period.from_api(result.get("TimePeriod") or {}).start


def _result_total_usd(
    result: Mapping[str, Any], metric: str, usd_per_unit: Mapping[str, float]
) -> float:
    """A result's total: its ``Total`` when AWS filled it, else the sum of its groups (with a
    GroupBy, AWS leaves ``Total`` empty)."""
    where = f"ResultsByTime {result.get('TimePeriod', {}).get('Start', '?')}"
    total = result.get("Total") or {}
    if metric in total:
        return _usd(total[metric], where, usd_per_unit)
    return sum(
        _usd((group.get("Metrics") or {}).get(metric), where, usd_per_unit)
        for group in result.get("Groups") or []
    )


def _daily_totals(
    results: list[dict[str, Any]], metric: str, usd_per_unit: Mapping[str, float]
) -> dict[date, tuple[float, bool]]:
    """Per start day: summed cost and whether any part was estimated. A day may appear on two
    pages (AWS can split one day's groups across pages); its parts are added."""
    totals: dict[date, tuple[float, bool]] = {}
    for result in results:
        day = _result_start(result)
        cost, estimated = totals.get(day, (0.0, False))
        totals[day] = (
            cost + _result_total_usd(result, metric, usd_per_unit),
            estimated or bool(result.get("Estimated", False)),
        )
    return totals


def _empty_daily_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.Series([], dtype="datetime64[ns]"),
            "cost_usd": pd.Series([], dtype="float64"),
            "estimated": pd.Series([], dtype="bool"),
        }
    )


# ---------------------------------------------------------------------------- the questions


def month_to_date_cost(
    ce: Any,
    today: date,
    *,
    metric: str = "UnblendedCost",
    usd_per_unit: Mapping[str, float] | None = None,
) -> CostTotal:
    """The month's cost so far, today's partial day included (``DAILY`` over
    :func:`~.periods.month_to_date`, which is valid on the 1st too). One request per page."""
    metric, rates = _check_metric(metric), _check_rates(usd_per_unit)
    period = month_to_date(today)
    results = _paginate_cost_and_usage(
        ce, **_cost_and_usage_request(period, "DAILY", metric, by_service=False)
    )
    totals = _daily_totals(results, metric, rates)
    return CostTotal(
        as_of=today,
        period=period,
        amount_usd=sum(cost for day, (cost, _) in totals.items() if day in period),
        today_usd=totals.get(today, (0.0, False))[0],
        estimated=any(estimated for _, estimated in totals.values()),
        metric=metric,
    )


def daily_costs(
    ce: Any,
    today: date,
    days: int = 30,
    *,
    include_today: bool = False,
    metric: str = "UnblendedCost",
    usd_per_unit: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The account's cost per UTC day over the last ``days`` days.

    By default the days up to yesterday (:func:`~.periods.last_n_days`): today's partial cost
    would look like a drop. Columns ``date`` (``datetime64[ns]``, midnight), ``cost_usd``
    (float64) and ``estimated`` (bool); one row per day of the period, oldest first, a day AWS
    did not report counted as 0 USD.
    """
    metric, rates = _check_metric(metric), _check_rates(usd_per_unit)
    period = last_n_days(today, days, include_today=include_today)
    results = _paginate_cost_and_usage(
        ce, **_cost_and_usage_request(period, "DAILY", metric, by_service=False)
    )
    totals = _daily_totals(results, metric, rates)
    days_in_period = list(period.dates())
    frame = pd.DataFrame(
        {
            "date": pd.Series(pd.to_datetime(days_in_period), dtype="datetime64[ns]"),
            "cost_usd": pd.Series(
                [totals.get(day, (0.0, False))[0] for day in days_in_period], dtype="float64"
            ),
            "estimated": pd.Series(
                [totals.get(day, (0.0, False))[1] for day in days_in_period], dtype="bool"
            ),
        }
    )
    return frame.reset_index(drop=True)


def cost_by_service(
    ce: Any,
    period: Period,
    *,
    granularity: Granularity = "MONTHLY",
    metric: str = "UnblendedCost",
    usd_per_unit: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The cost of each AWS service in ``period``, per month or per day.

    Columns ``date`` (``datetime64[ns]``, the start of each result's time period), ``service``
    (string, Cost Explorer's SERVICE dimension value, like ``"Amazon Simple Storage
    Service"``) and ``cost_usd`` (float64); sorted by date, then most expensive first. A
    service with no cost in a period has no row there; an empty account gives an empty frame
    with these columns.
    """
    metric, rates = _check_metric(metric), _check_rates(usd_per_unit)
    if not isinstance(period, Period):
        raise MonitoringConfigError(f"period must be a Period, got {period!r}")
    if granularity not in GRANULARITIES:
        raise MonitoringConfigError(
            f"granularity must be 'DAILY' or 'MONTHLY', got {granularity!r}"
        )
    results = _paginate_cost_and_usage(
        ce, **_cost_and_usage_request(period, granularity, metric, by_service=True)
    )
    rows: dict[tuple[date, str], float] = {}
    for result in results:
        day = _result_start(result)
        for group in result.get("Groups") or []:
            keys = group.get("Keys") or ["(unknown service)"]
            service = str(keys[0])
            where = f"ResultsByTime {day.isoformat()}, service {service!r}"
            cost = _usd((group.get("Metrics") or {}).get(metric), where, rates)
            rows[(day, service)] = rows.get((day, service), 0.0) + cost
    frame = pd.DataFrame(
        {
            "date": pd.Series(pd.to_datetime([d for d, _ in rows]), dtype="datetime64[ns]"),
            "service": pd.Series([s for _, s in rows], dtype=str),
            "cost_usd": pd.Series(list(rows.values()), dtype="float64"),
        }
    )
    frame = frame.sort_values(
        ["date", "cost_usd", "service"], ascending=[True, False, True], kind="stable"
    )
    return frame.reset_index(drop=True)


def forecast_month_end(
    ce: Any,
    today: date,
    *,
    metric: str = "UnblendedCost",
    prediction_interval_level: int = 80,
    usd_per_unit: Mapping[str, float] | None = None,
) -> Forecast | None:
    """Cost Explorer's forecast for the rest of the month, today included
    (:func:`~.periods.forecast_period`: ``[today, 1st of next month)``, ``MONTHLY``).

    Returns None when Cost Explorer has too little history to forecast
    (``DataUnavailableException``, usual for a new account). ``metric`` is a
    ``GetCostAndUsage`` metric name; it is translated to the forecast's own spelling.
    """
    metric, rates = _check_metric(metric), _check_rates(usd_per_unit)
    level = prediction_interval_level
    if isinstance(level, bool) or not isinstance(level, int) or not 51 <= level <= 99:
        raise MonitoringConfigError(
            f"prediction_interval_level must be a whole percentage from 51 to 99, got {level!r}"
        )
    period = forecast_period(today)
    forecast_metric = FORECAST_METRICS[metric]
    try:
        answer = _call(
            "GetCostForecast",
            ce.get_cost_forecast,
            TimePeriod=period.to_api(),
            Metric=forecast_metric,
            Granularity="MONTHLY",
            PredictionIntervalLevel=level,
        )
    except CostQueryError as exc:
        cause = exc.__cause__
        if isinstance(cause, ClientError) and cause.response.get("Error", {}).get("Code") == (
            "DataUnavailableException"
        ):
            return None
        raise
    by_time = answer.get("ForecastResultsByTime") or []
    where = "ce:GetCostForecast"
    if answer.get("Total"):
        mean_usd = _usd(answer["Total"], where, rates)
    else:
        mean_usd = sum(
            _usd({"Amount": r.get("MeanValue", "0"), "Unit": "USD"}, where, rates) for r in by_time
        )
    unit = str((answer.get("Total") or {}).get("Unit", "USD") or "USD")

    def bound(key: str) -> float | None:
        if not by_time or any(key not in r for r in by_time):
            return None
        return sum(_usd({"Amount": r[key], "Unit": unit}, where, rates) for r in by_time)

    return Forecast(
        period=period,
        amount_usd=mean_usd,
        lower_usd=bound("PredictionIntervalLowerBound"),
        upper_usd=bound("PredictionIntervalUpperBound"),
        prediction_interval_level=level,
        metric=forecast_metric,
    )
