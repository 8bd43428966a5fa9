"""Spec for companion/monitoring/periods.py: Cost Explorer periods valid on every day.

Cost Explorer's End is exclusive, Start must be before End, and End may not pass the 1st of
next month; a forecast must start today or later. Every day of a leap February, a plain
February, a 30-day month, a 31-day month and December (rolling into January) is checked.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import pytest

from companion.monitoring.exceptions import MonitoringConfigError, MonitoringError
from companion.monitoring.periods import (
    Period,
    complete_days_to_date,
    days_in_month,
    first_of_month,
    first_of_next_month,
    forecast_period,
    last_n_days,
    month_bounds,
    month_to_date,
    remaining_days,
    utc_today,
)

MONTHS = [(2028, 2), (2027, 2), (2027, 4), (2027, 1), (2027, 12)]
DAYS = [
    date(year, month, day)
    for year, month in MONTHS
    for day in range(1, calendar.monthrange(year, month)[1] + 1)
]
ONE_DAY = timedelta(days=1)


def test_the_months_under_test_have_the_lengths_the_calendar_says() -> None:
    assert [days_in_month(date(y, m, 1)) for y, m in MONTHS] == [29, 28, 30, 31, 31]
    assert len(DAYS) == 29 + 28 + 30 + 31 + 31


def api_valid(period: Period, today: date) -> None:
    """The rules Cost Explorer enforces on a GetCostAndUsage TimePeriod."""
    assert period.start < period.end_exclusive
    assert period.end_exclusive <= first_of_next_month(today)
    api = period.to_api()
    assert api == {"Start": period.start.isoformat(), "End": period.end_exclusive.isoformat()}
    assert api["Start"] < api["End"]  # ISO dates compare as strings, as AWS compares them


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_month_to_date_is_valid_and_includes_today_on_every_day(today: date) -> None:
    period = month_to_date(today)
    api_valid(period, today)
    assert period.start == today.replace(day=1)
    assert period.end_exclusive == today + ONE_DAY
    assert period.last_day == today
    assert period.days == today.day
    assert all(d.month == today.month and d.year == today.year for d in period.dates())
    assert today in period


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_forecast_period_starts_today_and_ends_on_the_first_of_next_month(today: date) -> None:
    period = forecast_period(today)
    api_valid(period, today)
    assert period.start == today  # GetCostForecast: start today or later
    assert period.end_exclusive == first_of_next_month(today)
    assert period.days == remaining_days(today, include_today=True) >= 1
    assert all(d.month == today.month for d in period.dates())


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_complete_days_and_forecast_cover_the_month_exactly_once(today: date) -> None:
    complete = complete_days_to_date(today)
    ahead = forecast_period(today)
    covered = (list(complete.dates()) if complete else []) + list(ahead.dates())
    assert covered == list(month_bounds(today).dates())
    if today.day == 1:
        assert complete is None
    else:
        assert complete is not None
        api_valid(complete, today)
        assert complete.days == today.day - 1


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_month_bounds_and_remaining_days(today: date) -> None:
    bounds = month_bounds(today)
    assert bounds.start == first_of_month(today) == today.replace(day=1)
    assert bounds.days == days_in_month(today)
    assert bounds.end_exclusive.day == 1
    assert bounds.end_exclusive == bounds.last_day + ONE_DAY
    assert bounds.last_day.month == today.month
    assert remaining_days(today) == days_in_month(today) - today.day
    assert month_to_date(today).days + remaining_days(today) == bounds.days


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_last_n_days_is_a_trailing_window(today: date) -> None:
    for n in (1, 7, 14, 30):
        past = last_n_days(today, n)
        assert (past.start, past.end_exclusive, past.days) == (today - timedelta(n), today, n)
        assert today not in past
        with_today = last_n_days(today, n, include_today=True)
        assert with_today.last_day == today and with_today.days == n
        api_valid(with_today, today)


def test_the_first_last_and_rollover_days_spelled_out() -> None:
    assert month_to_date(date(2027, 3, 1)).to_api() == {"Start": "2027-03-01", "End": "2027-03-02"}
    assert month_to_date(date(2028, 2, 29)).to_api() == {"Start": "2028-02-01", "End": "2028-03-01"}
    assert month_to_date(date(2027, 2, 28)).to_api() == {"Start": "2027-02-01", "End": "2027-03-01"}
    assert month_to_date(date(2027, 12, 31)).to_api() == {
        "Start": "2027-12-01",
        "End": "2028-01-01",
    }
    assert forecast_period(date(2028, 2, 29)).to_api() == {
        "Start": "2028-02-29",
        "End": "2028-03-01",
    }
    assert forecast_period(date(2027, 12, 1)).days == 31
    assert first_of_next_month(date(2027, 12, 15)) == date(2028, 1, 1)
    assert last_n_days(date(2028, 3, 1), 2).to_api() == {"Start": "2028-02-28", "End": "2028-03-01"}
    assert remaining_days(date(2028, 2, 29)) == 0
    assert remaining_days(date(2028, 2, 29), include_today=True) == 1


def test_period_rejects_empty_reversed_and_datetime_bounds() -> None:
    day = date(2027, 3, 1)
    with pytest.raises(MonitoringConfigError, match="before its exclusive end"):
        Period(day, day)  # the classic 1st-of-the-month bug
    with pytest.raises(MonitoringConfigError, match="before its exclusive end"):
        Period(day, day - ONE_DAY)
    with pytest.raises(MonitoringConfigError, match=r"datetime\.date"):
        Period(datetime(2027, 3, 1, 12), date(2027, 3, 2))
    with pytest.raises(MonitoringConfigError, match="today must be"):
        month_to_date("2027-03-01")  # type: ignore[arg-type]
    # the config error is a ValueError and a MonitoringError both
    assert issubclass(MonitoringConfigError, ValueError)
    assert issubclass(MonitoringConfigError, MonitoringError)


@pytest.mark.parametrize("n", [0, -3, 2.5, True])
def test_last_n_days_needs_a_positive_whole_number(n: object) -> None:
    with pytest.raises(MonitoringConfigError, match="at least 1"):
        last_n_days(date(2027, 3, 10), n)  # type: ignore[arg-type]


def test_period_round_trips_through_the_api_shape_and_reads_timestamps() -> None:
    period = Period(date(2027, 3, 1), date(2027, 3, 5))
    assert Period.from_api(period.to_api()) == period
    assert Period.from_api({"Start": "2027-03-01T00:00:00Z", "End": "2027-03-05T00:00:00Z"}) == (
        period
    )
    assert str(period) == "2027-03-01 to 2027-03-04 (4 days)"
    assert "2027-03-01" not in period  # only dates are in a period
    with pytest.raises(MonitoringConfigError, match="TimePeriod"):
        Period.from_api({"Start": "2027-03-01"})


def test_utc_today_is_a_date() -> None:
    today = utc_today()
    assert type(today) is date
    assert abs((today - date.today()).days) <= 1
