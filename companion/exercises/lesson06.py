"""Exercises for lesson 06: cost monitoring, budgets and alerts.

Expected answers come from the same code the lesson teaches (:mod:`companion.monitoring`): the
periods of :mod:`~companion.monitoring.periods`, the run rate of
:mod:`~companion.monitoring.projection`, the robust z and the detector of
:mod:`~companion.monitoring.anomaly`, and a month seeded as the lesson seeds its own
(:class:`~companion.monitoring.sandbox.SeededMonth`). The recap quiz asks what the lesson's
design choices are for.
"""

from __future__ import annotations

import math
import statistics
from datetime import date, timedelta

import pandas as pd

from ..monitoring.anomaly import (
    DEFAULT_MIN_INCREASE_USD,
    DEFAULT_THRESHOLD,
    MAD_TO_SIGMA,
    detect_anomalies,
    robust_z,
)
from ..monitoring.periods import days_in_month, first_of_next_month, month_to_date
from ..monitoring.projection import run_rate_projection
from ..monitoring.sandbox import SeededMonth
from .core import ChoiceQuestion, FunctionExercise, Mistake, NumericExercise, Option, Quiz

__all__ = [
    "Q3_HISTORY",
    "Q3_TODAY_USD",
    "Q4_DAILY",
    "Q4_LOAD_TEST_DAY",
    "Q4_MONTH",
    "q1",
    "q2",
    "q3",
    "q4",
    "quiz",
]

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

# --- q4: an anomaly threshold for an account with weekend batch jobs (design) ------------------

# The lesson's service mix, in October 2026; a weekend batch job makes Saturdays and Sundays
# dearer, and on Wednesday 21 October a forgotten load test adds USD 12 of EC2.
Q4_MONTH = SeededMonth(
    2026,
    10,
    services={
        "Amazon Elastic Compute Cloud - Compute": 8.40,
        "Amazon Elastic Container Service for Kubernetes": 2.40,
        "AWS Lambda": 1.20,
        "Amazon API Gateway": 0.85,
        "AmazonCloudWatch": 0.45,
        "Amazon Simple Storage Service": 0.20,
    },
    seed=0,
    noise=0.08,
    weekend_factor=1.4,
    anomaly_day=21,
    anomaly_service="Amazon Elastic Compute Cloud - Compute",
    anomaly_usd=12.0,
)
Q4_LOAD_TEST_DAY = date(Q4_MONTH.year, Q4_MONTH.month, 21)


def _q4_daily() -> pd.DataFrame:
    """The month's daily totals as ``daily_costs`` returns them: columns date and cost_usd."""
    rows = [
        {
            "date": pd.Timestamp(result["TimePeriod"]["Start"]),
            "cost_usd": float(result["Total"]["UnblendedCost"]["Amount"]),
        }
        for page in Q4_MONTH.pages(days_in_month(Q4_LOAD_TEST_DAY), by_service=False)
        for result in page["ResultsByTime"]
    ]
    return pd.DataFrame(rows, columns=["date", "cost_usd"])


Q4_DAILY = _q4_daily()


def _q4_scores() -> pd.DataFrame:
    """Every day's verdict at the default settings (the robust z does not depend on the
    threshold, only the verdict does)."""
    return detect_anomalies(_q4_daily())


def _q4_ordinary() -> pd.DataFrame:
    """The days that have a verdict and could be flagged (at least the minimum increase), the
    load test excepted."""
    scores = _q4_scores()
    keep = (
        (scores["verdict"] != "insufficient_history")
        & (scores["date"] != pd.Timestamp(Q4_LOAD_TEST_DAY))
        & (scores["increase_usd"] >= DEFAULT_MIN_INCREASE_USD)
    )
    return scores[keep]


def _q4() -> float:
    """The lowest threshold that flags no ordinary day: a day is flagged when z > threshold, so
    it is the highest ordinary z."""
    return float(_q4_ordinary()["robust_z"].max())


def _q4_load_test_z() -> float:
    scores = _q4_scores()
    return float(scores.loc[scores["date"] == pd.Timestamp(Q4_LOAD_TEST_DAY), "robust_z"].iloc[0])


def _q4_flagged_at_default() -> list[str]:
    scores = _q4_scores()
    days = scores[scores["is_anomaly"] & (scores["date"] != pd.Timestamp(Q4_LOAD_TEST_DAY))]
    return [f"{day:%a %d}" for day in days["date"]]


def _q4_top_day() -> str:
    ordinary = _q4_ordinary()
    return f"{ordinary.loc[ordinary['robust_z'].idxmax(), 'date']:%A %d %B}"


q4 = NumericExercise(
    name="q4",
    design=True,
    question=(
        "Another account runs a batch job every weekend, so its Saturdays and Sundays cost about "
        f"{Q4_MONTH.weekend_factor - 1:.0%} more than weekdays (`ex.Q4_DAILY`, columns `date` "
        f"and `cost_usd`, {Q4_LOAD_TEST_DAY:%B %Y}). On {Q4_LOAD_TEST_DAY:%A %d %B} a "
        f"forgotten load test added USD {Q4_MONTH.anomaly_usd:.0f}. With its default threshold, "
        "`detect_anomalies(ex.Q4_DAILY)` flags the load test and some weekend days too, each "
        "one an e-mail. Choose the threshold: what is the lowest `threshold` for which "
        "`detect_anomalies(ex.Q4_DAILY, threshold=...)` flags the load test and no other day?"
    ),
    hint_text=(
        "Score the month once with `detect_anomalies(ex.Q4_DAILY)`: a day is flagged when its "
        "`robust_z` is above the threshold, so look at the highest `robust_z` of every day "
        "except the load test."
    ),
    solution_text=lambda: (
        "`scores = detect_anomalies(ex.Q4_DAILY)`, then the highest `robust_z` of the days "
        f"other than {Q4_LOAD_TEST_DAY:%d %B}: {_q4():.2f}, on {_q4_top_day()}, a weekend day "
        "whose batch job the 14-day median (mostly weekdays) does not expect. A day is flagged "
        "when its z is *above* the threshold, so that z is the lowest threshold that spares "
        f"every ordinary day, and the load test (z = {_q4_load_test_z():.2f}) is still flagged; "
        f"anything from {_q4():.2f} up to {_q4_load_test_z():.2f} works, and the lowest keeps "
        "the detector as sensitive as it can be. A threshold is a blunt tool for a rhythm: "
        "comparing weekends with weekends (or a detector that learns the weekly pattern) would "
        "catch smaller spikes too."
    ),
    expected=_q4,
    unit="robust z",
    rel_tol=1e-3,
    mistakes=(
        Mistake(
            lambda: DEFAULT_THRESHOLD,
            f"{DEFAULT_THRESHOLD:g} is the default, and it also flags {len(_q4_flagged_at_default())} "
            f"weekend days ({', '.join(_q4_flagged_at_default())}): raise it above the highest "
            "robust z of an ordinary day.",
        ),
        Mistake(
            _q4_load_test_z,
            "that is the load test's own z: a day is flagged only when its z is above the "
            "threshold, so at this value nothing is flagged at all; stay below it, as low as "
            "the ordinary days allow.",
        ),
        Mistake(
            lambda: math.floor(_q4() * 10) / 10,
            "rounded down, the threshold sits just below the highest ordinary z, so that "
            "weekend day is still flagged; the lowest safe threshold is that z itself.",
        ),
    ),
    success="only the load test is flagged; the weekend rhythm no longer sends e-mails.",
)

# --- the recap quiz --------------------------------------------------------------------------

quiz = Quiz(
    [
        ChoiceQuestion(
            name="r1",
            question=(
                "What does a FORECASTED notification at 100 % of the budget give you that an "
                "ACTUAL notification at 100 % does not?"
            ),
            hint_text=(
                "Ask when each one can fire: what has been spent by then, and what is only "
                "expected?"
            ),
            solution_text=(
                "b. ACTUAL compares what was spent so far, so at 100 % the budget is already "
                "gone; FORECASTED compares the projected month-end cost, so it can warn while "
                "there is still time to act. A projection is an estimate, which is why the "
                "ACTUAL rules stay too."
            ),
            options={
                "a": Option(
                    "A more accurate number: the forecast comes from the bill itself.",
                    "No: a forecast is an estimate of days that have not happened; in the lesson "
                    "the run rate and the forecast disagree about the same month.",
                ),
                "b": Option(
                    "An earlier warning: it fires when the projected month-end cost passes the "
                    "budget, before the money is spent.",
                    "Right: the warning comes while you can still stop the spending; ACTUAL at "
                    "100 % only tells you the budget is already gone.",
                ),
                "c": Option(
                    "Nothing: both fire when the month ends over budget.",
                    "No: ACTUAL fires the day the actual cost passes the threshold, FORECASTED "
                    "the day the projection does, which can be weeks earlier.",
                ),
            },
            answer="b",
        ),
        ChoiceQuestion(
            name="r2",
            question=(
                "Before publishing a rule, the check *claims* it: it creates a per-rule SSM "
                "parameter without `Overwrite`, marks it sent after SNS accepted the alert, and "
                "deletes it if the publish failed. What does that give when two checks run at "
                "the same time?"
            ),
            hint_text=(
                "Only one of two simultaneous creates of the same parameter can succeed; think "
                "also of a publish that fails, and of a run that dies right after publishing."
            ),
            solution_text=(
                "c. The create without Overwrite succeeds for one run only, so only that run "
                "publishes the rule; a failed publish withdraws its claim, so the next run sends "
                "it and nothing is lost. A run that dies after publishing but before marking the "
                "claim sent leaves it claimed; after the lease one later run takes it over and "
                "sends it again: one duplicate per such crash, never more."
            ),
            options={
                "a": Option(
                    "Exactly one e-mail per rule per month, whatever fails.",
                    "Almost: a run that dies between the publish and recording it leaves a claim "
                    "that a later run takes over after the lease, and that rule goes out twice.",
                ),
                "b": Option(
                    "At most one e-mail per rule, and a rule whose publish failed is never tried "
                    "again.",
                    "No: a failed publish deletes its claim, so the next run claims and sends "
                    "it; losing a budget alert is what the check exists to prevent.",
                ),
                "c": Option(
                    "One run publishes each rule, a failed publish is retried by the next run, "
                    "and only a crash right after publishing can cause one duplicate.",
                    "Right: the conditional create decides which run publishes; releasing the "
                    "claim on failure keeps the alert from being lost.",
                ),
            },
            answer="c",
        ),
        ChoiceQuestion(
            name="r3",
            question=(
                "Which statement about the lesson's robust z-score and AWS Cost Anomaly "
                "Detection is right?"
            ),
            hint_text=(
                "Compare what each one learns from the history, and where each one runs and can "
                "be tested."
            ),
            solution_text=(
                "a. Cost Anomaly Detection is a managed service whose machine-learning models "
                "learn the spend to expect from the account's history; the robust z is a rule of "
                "a few lines that you can read, tune and test offline. They complement each "
                "other: q4 shows what the simple rule does with a weekly rhythm."
            ),
            options={
                "a": Option(
                    "AWS's service learns the spend to expect from your history with "
                    "machine-learning models and needs no code; the robust z is a transparent "
                    "rule you can test offline and tune.",
                    "Right: a managed detector and a rule you own answer different needs, and "
                    "running both costs little.",
                ),
                "b": Option(
                    "The robust z learns the weekly rhythm, so weekend batch jobs never look "
                    "like spikes.",
                    "No: it compares each day with the median of the 14 days before it, weekends "
                    "and weekdays alike; in q4 the default threshold flags weekend days.",
                ),
                "c": Option(
                    "Cost Anomaly Detection only sees the account's total, so it cannot name the "
                    "service behind a spike.",
                    "No: it reports root causes by service, account, Region and usage type, as "
                    "the lesson's `top_movers` does by service.",
                ),
            },
            answer="a",
        ),
        ChoiceQuestion(
            name="r4",
            question=(
                "Why does the lesson (and the course's tests) talk to moto and botocore's "
                "`Stubber` instead of a real AWS account?"
            ),
            hint_text=(
                "Think of cost, of repeatability, and of answers a real account rarely gives "
                "when you need them."
            ),
            solution_text=(
                "b. A mock runs offline, costs nothing and answers the same way every time, and "
                "it can produce on demand what a real account seldom does: an access denied, "
                "throttling, a seeded spike. It is not AWS, though: moto tracks no spending and "
                "lacks `GetCostForecast`, so the lesson seeds and answers those itself."
            ),
            options={
                "a": Option(
                    "Because moto reproduces AWS exactly, spending and forecasts included.",
                    "No: moto tracks no spending and does not implement GetCostForecast; the "
                    "lesson seeds the costs and answers the forecast with a stand-in.",
                ),
                "b": Option(
                    "They run offline, for free, the same way every time, and can produce on "
                    "demand an access denied, throttling or a seeded spike.",
                    "Right: repeatable, free tests of the error paths too; the real account is one "
                    "switch away for the final check.",
                ),
                "c": Option(
                    "Because the Cost Explorer API is free to call, so the real account would only "
                    "be slower.",
                    "No: every Cost Explorer API request is billed, each page included, which is "
                    "one more reason to test against a mock.",
                ),
            },
            answer="b",
        ),
        ChoiceQuestion(
            name="r5",
            question=(
                "The budget is USD 500 with ACTUAL rules at 50, 80 and 100 %. The first run "
                "above USD 250 sent the 50 % alert. On a later day the month has cost USD 442. "
                "What does that day's run send?"
            ),
            hint_text=(
                "Each threshold is a share of the budget, and each rule is sent at most once "
                "per month by a successful run."
            ),
            solution_text=(
                "a. The thresholds are USD 250, 400 and 500 (shares of the budget); USD 442 "
                "crosses the first two. The 50 % rule was sent already this month, so only the "
                "80 % alert goes out. The budget is the amount; the rules decide when to warn "
                "before it is reached."
            ),
            options={
                "a": Option(
                    "The 80 % alert only: 50 % was sent already this month, and 100 % is USD 500.",
                    "Right: each rule is its own share of the budget, sent once per month; the "
                    "state remembers the 50 % alert.",
                ),
                "b": Option(
                    "The 50 % and the 80 % alerts: both are crossed.",
                    "No: both are crossed, but the 50 % alert went out on an earlier day and the "
                    "state in SSM stops it from being sent again.",
                ),
                "c": Option(
                    "Nothing: the budget, USD 500, has not been passed yet.",
                    "No: the budget is the amount; the 50 and 80 % rules exist to warn before it "
                    "is passed, and USD 442 is above USD 400.",
                ),
            },
            answer="a",
        ),
    ]
)
