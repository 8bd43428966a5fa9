"""The date arithmetic of cost monitoring: which days a Cost Explorer query covers.

Pure functions on :class:`datetime.date`; nothing here talks to AWS.

Cost Explorer's rules (``GetCostAndUsage`` and ``GetCostForecast``'s ``TimePeriod``):

* ``Start`` is inclusive, ``End`` is **exclusive**, and ``Start`` must be before ``End``.
  The classic month-to-date query ``Start=<1st of month>, End=<today>`` is therefore empty on
  the 1st of every month and AWS rejects it: "Start date (and hour) should be before end date
  (and hour)".
* ``End`` may lie in the future, but not past the 1st of next month ("end date past the
  beginning of next month").
* A forecast's ``Start`` must be today or later.
* The days are **UTC** days: pass :func:`utc_today`, not the local date, as ``today``.

The choices made here, valid on every day of every month:

* :func:`month_to_date` is ``[1st, today + 1)``: the month so far **including today**, whose
  costs are still accruing (Cost Explorer marks them ``Estimated``). On the 1st it is the
  single day ``[1st, 2nd)``; on the last day it ends on the 1st of next month, which AWS
  accepts. So the lesson says: "month to date" means *up to and including today*, and the
  request's ``End`` is tomorrow.
* :func:`complete_days_to_date` is ``[1st, today)``, the days that are over; it is ``None`` on
  the 1st, when no day of the month is over yet.
* :func:`forecast_period` is ``[today, 1st of next month)``: today and every later day of the
  month. It is never empty: on the 1st it is the whole month, on the last day just today.
  A month-end projection adds it to the *complete* days, so each day is counted once: days
  before today from actual costs, today and later from the forecast.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from .exceptions import MonitoringConfigError

__all__ = [
    "Period",
    "complete_days_to_date",
    "days_in_month",
    "first_of_month",
    "first_of_next_month",
    "forecast_period",
    "last_n_days",
    "month_bounds",
    "month_to_date",
    "remaining_days",
    "utc_today",
]

_ONE_DAY = timedelta(days=1)


def _check_date(value: object, name: str) -> date:
    # datetime is a subclass of date; a datetime here would carry a time of day nobody asked for.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise MonitoringConfigError(f"{name} must be a datetime.date, got {value!r}")
    return value


@dataclass(frozen=True, order=True)
class Period:
    """The days ``start`` (inclusive) up to ``end_exclusive`` (exclusive), as Cost Explorer's
    ``TimePeriod`` counts them. Always at least one day long: ``start < end_exclusive``."""

    start: date
    end_exclusive: date

    def __post_init__(self) -> None:
        _check_date(self.start, "start")
        _check_date(self.end_exclusive, "end_exclusive")
        if not self.start < self.end_exclusive:
            raise MonitoringConfigError(
                f"a period's start must be before its exclusive end (Cost Explorer rejects "
                f"anything else), got start {self.start} and end_exclusive {self.end_exclusive}"
            )

    @property
    def days(self) -> int:
        """How many days the period holds."""
        return (self.end_exclusive - self.start).days

    @property
    def last_day(self) -> date:
        """The last day inside the period (the day before ``end_exclusive``)."""
        return self.end_exclusive - _ONE_DAY

    def dates(self) -> Iterator[date]:
        """Every day of the period, in order."""
        for offset in range(self.days):
            yield self.start + timedelta(days=offset)

    def __contains__(self, day: object) -> bool:
        return (
            isinstance(day, date)
            and not isinstance(day, datetime)
            and self.start <= day < self.end_exclusive
        )

    def to_api(self) -> dict[str, str]:
        """The period as Cost Explorer's ``TimePeriod``: ``{"Start": ..., "End": ...}``."""
        return {"Start": self.start.isoformat(), "End": self.end_exclusive.isoformat()}

    @classmethod
    def from_api(cls, time_period: Mapping[str, str]) -> Period:
        """Read a ``TimePeriod`` from a Cost Explorer answer (dates, or ISO timestamps)."""
        try:
            return cls(
                date.fromisoformat(str(time_period["Start"])[:10]),
                date.fromisoformat(str(time_period["End"])[:10]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MonitoringConfigError(
                f"not a Cost Explorer TimePeriod: {dict(time_period)!r} ({exc})"
            ) from None

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.last_day.isoformat()} ({self.days} days)"


def utc_today() -> date:
    """Today's date in UTC, the calendar Cost Explorer's days follow."""
    return datetime.now(UTC).date()


def days_in_month(day: date) -> int:
    """How many days the month of ``day`` has (28 to 31)."""
    day = _check_date(day, "day")
    return calendar.monthrange(day.year, day.month)[1]


def first_of_month(day: date) -> date:
    """The 1st of ``day``'s month."""
    return _check_date(day, "day").replace(day=1)


def first_of_next_month(day: date) -> date:
    """The 1st of the month after ``day``'s (January of the next year after December)."""
    day = _check_date(day, "day")
    return day.replace(day=1) + timedelta(days=days_in_month(day))


def month_bounds(today: date) -> Period:
    """The whole month of ``today``: ``[1st, 1st of next month)``."""
    return Period(first_of_month(today), first_of_next_month(today))


def month_to_date(today: date) -> Period:
    """The month so far including today: ``[1st, today + 1)``. Valid on every day (see the
    module's docstring); today's costs are partial."""
    today = _check_date(today, "today")
    return Period(first_of_month(today), today + _ONE_DAY)


def complete_days_to_date(today: date) -> Period | None:
    """The days of the month that are over: ``[1st, today)``; ``None`` on the 1st."""
    today = _check_date(today, "today")
    return None if today.day == 1 else Period(first_of_month(today), today)


def forecast_period(today: date) -> Period:
    """What is left of the month, today included: ``[today, 1st of next month)``.

    Starts today (a forecast may not start earlier), and is never empty: on the last day of the
    month it is ``[today, tomorrow)``.
    """
    return Period(_check_date(today, "today"), first_of_next_month(today))


def remaining_days(today: date, *, include_today: bool = False) -> int:
    """Days of the month after today (0 on the last day), or from today on with
    ``include_today`` (1 on the last day; then it equals ``forecast_period(today).days``)."""
    after_today = (first_of_next_month(today) - today).days - 1
    return after_today + 1 if include_today else after_today


def last_n_days(today: date, n: int, *, include_today: bool = False) -> Period:
    """The ``n`` days up to yesterday, ``[today - n, today)``, or up to and including today,
    ``[today - n + 1, today + 1)``, with ``include_today``. May reach into earlier months
    (it is a trailing window, not a calendar month)."""
    today = _check_date(today, "today")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise MonitoringConfigError(f"n must be a whole number of days, at least 1, got {n!r}")
    end_exclusive = today + _ONE_DAY if include_today else today
    return Period(end_exclusive - timedelta(days=n), end_exclusive)
