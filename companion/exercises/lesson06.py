"""Exercises for lesson 06: cost monitoring, budgets and alerts.

Expected answers come from the same code the lesson teaches (:mod:`companion.monitoring`): the
periods of :mod:`~companion.monitoring.periods`, the run rate of
:mod:`~companion.monitoring.projection` and the robust z of :mod:`~companion.monitoring.anomaly`.
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta

from ..monitoring.anomaly import MAD_TO_SIGMA, robust_z
from ..monitoring.periods import days_in_month, first_of_next_month, month_to_date
from ..monitoring.projection import run_rate_projection
from .core import FunctionExercise, Mistake, NumericExercise

__all__ = ["Q3_HISTORY", "Q3_TODAY_USD", "q1", "q2", "q3"]

# --- q1: a month-to-date period that works on the 1st ------------------------------------------


def _reference(today: date) -> tuple[date, date]:
    period = month_to_date(today)
    return period.start, period.end_exclusive


def _original(today: date) -> tuple[date, date]:
    """The original lesson's request: Start = the 1st, End = today."""
    return today.replace(day=1), today


def _last_day_of_month(today: date) -> tuple[date, date]:
    return today.replace(day=1), today.replace(day=days_in_month(today))


def _whole_month(today: date) -> tuple[date, date]:
    return today.replace(day=1), first_of_next_month(today)


def _as_strings(today: date) -> tuple[str, str]:
    start, end = _reference(today)
    return start.isoformat(), end.isoformat()


def _q1_cases() -> tuple[tuple[date], ...]:
    # The 1st comes first: it is where the typical mistakes differ most (see the tests).
    named = [
        date(2026, 12, 1),
        date(2026, 11, 20),
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 1),
        date(2028, 2, 29),
        date(2028, 3, 1),
    ]
    winter = [date(2027, 12, 1) + timedelta(days=n) for n in range(122)]  # to 31 March 2028
    return tuple((day,) for day in named + winter)


q1 = FunctionExercise(
    name="q1",
    question=(
        "Write `month_to_date_period(today)` returning `(start, end)` as `datetime.date`s: the "
        "`TimePeriod` of a Cost Explorer query for the month so far, today included, that AWS "
        "accepts on every day of the year (the 1st, the 31st, 29 February). Remember that "
        "`End` is exclusive and `Start` must be before `End`."
    ),
    hint_text=(
        "Start is the 1st of today's month. End is exclusive, so to include today it is the day "
        "*after* today: use `timedelta(days=1)`, which also crosses month and year ends."
    ),
    solution_text=(
        "```python\nfrom datetime import timedelta\n\n\ndef month_to_date_period(today):\n"
        "    return today.replace(day=1), today + timedelta(days=1)\n```\n"
        "On the 1st that is `[1st, 2nd)`, one day; on the 30th of November it ends on 1 December, "
        "which AWS accepts. `companion.monitoring.month_to_date(today)` returns the same as a `Period`."
    ),
    reference=_reference,
    cases=_q1_cases(),
    mistakes=(
        (
            _original,
            "that is the original's request: End is exclusive, so End = today leaves today out, "
            "and on the 1st it is Start == End, which AWS refuses ('Start date (and hour) should "
            "be before end date (and hour)'); End must be the day after today.",
        ),
        (
            _last_day_of_month,
            "End is exclusive, not the last day you want: ending on the last day of the month "
            "leaves that day out, so on the 30th of November today is missing; the month so far "
            "ends the day after today.",
        ),
        (
            _whole_month,
            "AWS accepts that (End may be as late as the 1st of next month), but it is the whole "
            "month; the month so far ends the day after today, which also keeps the period equal "
            "to what the projection expects.",
        ),
        (
            _as_strings,
            "the right days, as strings: return `datetime.date`s and call `.isoformat()` only "
            "when you build the request, so the dates can still be compared and added to.",
        ),
    ),
    success="valid on every day: on the 1st it asks for one day, on the last day it ends on the 1st of next month.",
)

# --- q2: the month-end run rate ------------------------------------------------------------------

Q2_TODAY = date(2026, 11, 20)
Q2_COMPLETE_DAYS_USD = 213.40  # 1 to 19 November, the days that are over


def _q2() -> float:
    return run_rate_projection(Q2_COMPLETE_DAYS_USD, Q2_TODAY, include_today=False)


q2 = NumericExercise(
    name="q2",
    question=(
        "It is 20 November (UTC). Cost Explorer reports USD 213.40 for 1 to 19 November, the "
        "days that are over; today's costs are not in yet, and there is no forecast. What "
        "month-end cost (USD) does the run rate project?"
    ),
    hint_text=(
        "Average the complete days (how many are there on the 20th?), then multiply by the days "
        "in November."
    ),
    solution_text=lambda: (
        "213.40 / 19 complete days × 30 days = "
        f"USD {_q2():.2f}: `run_rate_projection(213.40, date(2026, 11, 20), include_today=False)`."
    ),
    expected=_q2,
    unit="USD",
    rel_tol=1e-3,
    mistakes=(
        Mistake(
            lambda: Q2_COMPLETE_DAYS_USD / Q2_TODAY.day * days_in_month(Q2_TODAY),
            "that divides by 20, as the original did: the USD 213.40 cover the 19 days that are "
            "over, so dividing by today's date counts a day with no cost and projects low.",
        ),
        Mistake(
            lambda: Q2_COMPLETE_DAYS_USD / (Q2_TODAY.day - 1) * 31,
            "November has 30 days: use the days of the month being projected (`days_in_month`).",
        ),
        Mistake(
            lambda: Q2_COMPLETE_DAYS_USD,
            "that is what was spent so far; the question asks where the month will end if every "
            "remaining day costs the average of the days that are over.",
        ),
    ),
    success="the run rate: simple, and blind to one-off spikes, which it spreads over the whole month.",
)

# --- q3: the robust z of a day ----------------------------------------------------------------------

# Fourteen days of an account's cost (USD), one of them an earlier spike (a forgotten load test).
Q3_HISTORY: tuple[float, ...] = (
    14.1,
    13.6,
    14.8,
    13.9,
    14.4,
    41.0,
    14.2,
    13.7,
    14.6,
    14.0,
    13.8,
    14.3,
    14.5,
    13.9,
)
Q3_TODAY_USD = 19.4


def _q3() -> float:
    return robust_z(Q3_TODAY_USD, Q3_HISTORY)[0]


def _median_and_mad() -> tuple[float, float]:
    median = statistics.median(Q3_HISTORY)
    return median, statistics.median(abs(cost - median) for cost in Q3_HISTORY)


q3 = NumericExercise(
    name="q3",
    question=(
        "`ex.Q3_HISTORY` holds 14 days of an account's cost, an earlier spike among them. Today "
        "costs `ex.Q3_TODAY_USD` = USD 19.40. What is today's robust z against that history, "
        "(cost − median) / (1.4826 × MAD)?"
    ),
    hint_text=(
        "The median of the history, then MAD = the median of |cost − median| over the history; "
        "1.4826 × MAD estimates the standard deviation of normal costs."
    ),
    solution_text=lambda: (
        "median = 14.15, MAD = median(|cost − 14.15|) = 0.30, so z = (19.40 − 14.15) / "
        f"(1.4826 × 0.30) = {_q3():.2f}: `robust_z(19.4, ex.Q3_HISTORY)[0]`. Far above 3.5: "
        "an anomaly, which the mean and standard deviation (z about 0.5) would miss, because "
        "the earlier spike inflates both."
    ),
    expected=_q3,
    unit="robust z",
    rel_tol=1e-3,
    mistakes=(
        Mistake(
            lambda: (Q3_TODAY_USD - statistics.mean(Q3_HISTORY)) / statistics.stdev(Q3_HISTORY),
            "that is the classic z with the mean and the standard deviation: the earlier USD 41 "
            "spike drags both up, so today looks normal; use the median and the MAD, which one "
            "spike cannot move.",
        ),
        Mistake(
            lambda: (Q3_TODAY_USD - statistics.mean(Q3_HISTORY)) / statistics.pstdev(Q3_HISTORY),
            "that is the classic z (mean and population standard deviation), which the earlier "
            "spike inflates; use the median and the MAD.",
        ),
        Mistake(
            lambda: (Q3_TODAY_USD - _median_and_mad()[0]) / _median_and_mad()[1],
            f"divide by {MAD_TO_SIGMA} × MAD, not by the MAD alone: the factor makes the MAD "
            "estimate a standard deviation, so the 3.5 threshold means what it says.",
        ),
    ),
    success="the robust z; with `min_increase_usd` it decides what `detect_anomalies` flags.",
)
