"""Where will this month's bill end up? Pure arithmetic on what Cost Explorer reported.

Two methods, and the :class:`Projection` records which one gave the number:

``"forecast"``
    Cost Explorer's own forecast, when it has one (it needs some history): the actual cost of
    the **complete** days (1st up to yesterday) plus the forecast for **today up to the end of
    the month**. Every day of the month is counted exactly once; today's partial actual cost is
    not added on top of the forecast for today.

``"run_rate"``
    The average cost of the complete days (1st up to yesterday), times the days in the month.
    On the 1st no day is complete, so the only basis is today's partial cost, treated as a whole
    day (``"run_rate_including_today"``): a rough, usually low, first guess.

Either way a projection is never below what was already spent (``month_to_date_usd``,
today's partial day included): a spike today can push the spending above the run rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from companion import _checks

from .exceptions import MonitoringConfigError
from .periods import Period, days_in_month, forecast_period, month_bounds, month_to_date

if TYPE_CHECKING:
    from .cost_explorer import CostTotal, Forecast

__all__ = ["PROJECTION_METHODS", "Projection", "project_month_end", "run_rate_projection"]

ProjectionMethod = Literal["forecast", "run_rate", "run_rate_including_today"]
PROJECTION_METHODS: tuple[str, ...] = ("forecast", "run_rate", "run_rate_including_today")


@dataclass(frozen=True)
class Projection:
    """The month-end cost expected as of the UTC day ``as_of``.

    ``projected_usd`` is the whole month's expected cost; ``month_to_date_usd`` what was spent so
    far (today's partial day included); ``basis_days`` how many days of actual costs the
    projection rests on (complete days, or 1 for ``"run_rate_including_today"``).
    ``forecast_usd`` (today to month end), ``lower_usd`` and ``upper_usd`` (the month-end
    projection at the forecast's prediction-interval bounds) are set only for ``"forecast"``.
    """

    as_of: date
    month: Period
    projected_usd: float
    month_to_date_usd: float
    method: ProjectionMethod
    basis_days: int
    forecast_usd: float | None = None
    lower_usd: float | None = None
    upper_usd: float | None = None

    @property
    def remaining_usd(self) -> float:
        """What the projection expects to be added from now to the end of the month."""
        return self.projected_usd - self.month_to_date_usd


def _finite(value: object, name: str) -> float:
    return _checks.finite(value, name, error=MonitoringConfigError, unit="USD")


def run_rate_projection(month_to_date_usd: float, today: date, *, include_today: bool) -> float:
    """The month's cost if every day costs the average of the days counted so far.

    With ``include_today=False``, ``month_to_date_usd`` must be the cost of the days 1st up to
    yesterday (``today.day - 1`` days; there are none on the 1st, which raises
    :class:`MonitoringConfigError`). With ``include_today=True`` it must be the cost of the 1st
    up to and including today (``today.day`` days, today counted as a whole day although it is
    not over, so the result runs low). Result: ``month_to_date_usd / days_counted *
    days_in_month(today)``.
    """
    spent = _finite(month_to_date_usd, "month_to_date_usd")
    month_days = days_in_month(today)  # also checks that today is a date
    days_counted = today.day if include_today else today.day - 1
    if days_counted == 0:
        raise MonitoringConfigError(
            f"{today} is the 1st: no day of the month is complete yet, so there is no run rate "
            "of complete days; use include_today=True (today's partial cost as a whole day)"
        )
    return spent / days_counted * month_days


def project_month_end(mtd: CostTotal, forecast: Forecast | None, today: date) -> Projection:
    """Project the month-end cost from :func:`~.cost_explorer.month_to_date_cost`'s ``mtd`` and
    :func:`~.cost_explorer.forecast_month_end`'s ``forecast`` (``None`` when there is none),
    both asked on ``today``. See the module's docstring for the methods."""
    if mtd.period != month_to_date(today):
        raise MonitoringConfigError(
            f"mtd covers {mtd.period}, not the month to date of {today} "
            f"({month_to_date(today)}); ask month_to_date_cost(ce, today) on the same day"
        )
    spent = _finite(mtd.amount_usd, "mtd.amount_usd")
    complete = _finite(mtd.complete_days_usd, "mtd.complete_days_usd")
    month = month_bounds(today)
    if forecast is not None:
        if forecast.period != forecast_period(today):
            raise MonitoringConfigError(
                f"the forecast covers {forecast.period}, not today to the end of the month "
                f"({forecast_period(today)}); ask forecast_month_end(ce, today) on the same day"
            )
        ahead = _finite(forecast.amount_usd, "forecast.amount_usd")
        low = None if forecast.lower_usd is None else max(complete + forecast.lower_usd, spent)
        high = None if forecast.upper_usd is None else max(complete + forecast.upper_usd, spent)
        return Projection(
            as_of=today,
            month=month,
            projected_usd=max(complete + ahead, spent),
            month_to_date_usd=spent,
            method="forecast",
            basis_days=today.day - 1,
            forecast_usd=ahead,
            lower_usd=low,
            upper_usd=high,
        )
    if today.day > 1:
        projected = run_rate_projection(complete, today, include_today=False)
        method: ProjectionMethod = "run_rate"
        basis_days = today.day - 1
    else:
        projected = run_rate_projection(spent, today, include_today=True)
        method, basis_days = "run_rate_including_today", 1
    return Projection(
        as_of=today,
        month=month,
        projected_usd=max(projected, spent),
        month_to_date_usd=spent,
        method=method,
        basis_days=basis_days,
    )
