"""Exercise checks of lesson 06: every solution passes, every typical mistake gets its own message,
unfinished answers get "your turn"."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from companion.exercises import Status
from companion.exercises import lesson06 as l06
from companion.monitoring import detect_anomalies


def month_to_date_period(today: date) -> tuple[date, date]:
    """Written out: the 1st, up to and including today (End exclusive, so tomorrow)."""
    return today.replace(day=1), today + timedelta(days=1)


SOLUTIONS: list[tuple[Any, Any]] = [
    (l06.q1, month_to_date_period),
    # 213.40 / 19 complete days × 30 days in November = 336.947...
    (l06.q2, 336.95),
    # History sorted: 13.6 13.7 13.8 13.9 13.9 14.0 14.1 | 14.2 14.3 14.4 14.5 14.6 14.8 41.0,
    # median = (14.1 + 14.2) / 2 = 14.15; |cost − 14.15| sorted: 0.05 0.05 0.15 0.15 0.25 0.25
    # 0.25 | 0.35 0.35 0.45 0.45 0.55 0.65 26.85, MAD = (0.25 + 0.35) / 2 = 0.30;
    # z = (19.40 − 14.15) / (1.4826 × 0.30) = 5.25 / 0.44478 = 11.80.
    (l06.q3, 11.80),
    # Saturday 10 October, the first weekend day with 7 days of history (1 to 9 October), sorted:
    # 12.92 12.97 13.40 13.79 | 13.89 | 13.96 14.28 17.17 19.30, median = 13.894; |cost - median|
    # sorted: 0.00 0.06 0.10 0.38 | 0.49 | 0.93 0.98 3.28 5.41, MAD = 0.4917;
    # z = (19.296 - 13.894) / (1.4826 x 0.4917) = 5.402 / 0.7291 = 7.41, the highest ordinary z
    # (the load test on 21 October scores 14.18).
    (l06.q4, 7.41),
]


@pytest.mark.parametrize(
    ("exercise", "answer"), SOLUTIONS, ids=[f"{e.name}-{i}" for i, (e, _) in enumerate(SOLUTIONS)]
)
def test_the_solution_passes(exercise: Any, answer: Any) -> None:
    result = exercise.check(answer)
    assert result.status is Status.CORRECT, result.message


@pytest.mark.parametrize("exercise", [e for e, _ in SOLUTIONS], ids=lambda e: e.name)
def test_unfinished_answers_are_your_turn(exercise: Any) -> None:
    assert exercise.check(...).status is Status.NOT_ATTEMPTED
    assert exercise.hint().body and exercise.solution().body


NUMERIC_MISTAKES = [
    (exercise, mistake) for exercise in (l06.q2, l06.q3, l06.q4) for mistake in exercise.mistakes
]


@pytest.mark.parametrize(
    ("exercise", "mistake"),
    NUMERIC_MISTAKES,
    ids=[f"{e.name}:{m.message[:30]}" for e, m in NUMERIC_MISTAKES],
)
def test_each_typical_mistake_gets_its_own_message(exercise: Any, mistake: Any) -> None:
    result = exercise.check(mistake.compute())
    assert result.status is Status.INCORRECT
    assert result.message == mistake.message


def test_the_numeric_mistakes_are_the_numbers_worked_by_hand() -> None:
    # q2: ÷ 20 like the original: 213.40 / 20 × 30 = 320.10; × 31 days: 213.40 / 19 × 31 = 348.18;
    # no projection at all: 213.40.
    assert [round(m.compute(), 2) for m in l06.q2.mistakes] == [320.10, 348.18, 213.40]
    # q3: the classic z with the mean 224.8 / 14 = 16.057 and the sample (7.18) or population
    # (6.92) standard deviation is about 0.47 or 0.48 (the spike inflates both); without the
    # 1.4826 factor: 5.25 / 0.30 = 17.5.
    classic_sample, classic_population, unscaled = (m.compute() for m in l06.q3.mistakes)
    assert classic_sample == pytest.approx(0.465, abs=1e-3)
    assert classic_population == pytest.approx(0.483, abs=1e-3)
    assert unscaled == pytest.approx(17.5)


@pytest.mark.parametrize(("wrong", "message"), list(l06.q1.mistakes))
def test_month_to_date_mistakes_are_named(wrong: Any, message: str) -> None:
    result = l06.q1.check(wrong)
    assert (result.status, result.message) == (Status.INCORRECT, message)


def test_the_original_request_is_named_on_the_1st() -> None:
    def original(today: date) -> tuple[date, date]:
        return today.replace(day=1), today  # Start == End on the 1st

    result = l06.q1.check(original)
    assert result.status is Status.INCORRECT
    assert "Start == End" in result.message


def test_a_day_that_overflows_the_month_is_reported_not_raised() -> None:
    def naive(today: date) -> tuple[date, date]:
        return today.replace(day=1), today.replace(day=today.day + 1)  # fails on the 30th

    result = l06.q1.check(naive)
    assert result.status is Status.INCORRECT
    assert "ValueError" in result.message and "2026, 11, 30" in result.message


def test_q1_covers_the_awkward_days() -> None:
    days = {case[0] for case in l06.q1.cases}
    assert l06.q1.cases[0][0].day == 1  # the mistakes differ most on the 1st
    assert {date(2026, 12, 1), date(2026, 12, 31), date(2028, 2, 29), date(2028, 3, 1)} <= days


def test_an_empty_function_is_unfinished_not_wrong() -> None:
    def month_to_date_period(today: date) -> None: ...

    assert l06.q1.check(month_to_date_period).status is Status.NOT_ATTEMPTED


def test_a_number_for_a_function_exercise_is_refused_politely() -> None:
    result = l06.q1.check(42)
    assert result.status is Status.INCORRECT and "pass the function itself" in result.message


def test_q4_is_a_design_task_whose_answer_flags_only_the_load_test() -> None:
    assert l06.q4.design
    threshold = l06.q4.expected()
    scores = detect_anomalies(l06.Q4_DAILY, threshold=threshold)
    assert scores.loc[scores["is_anomaly"], "date"].tolist() == [pd.Timestamp(l06.Q4_LOAD_TEST_DAY)]
    # Just below it, the Saturday with the highest ordinary z (10 October) is flagged again.
    lower = detect_anomalies(l06.Q4_DAILY, threshold=threshold - 1e-6)
    assert pd.Timestamp("2026-10-10") in lower.loc[lower["is_anomaly"], "date"].tolist()


def test_q4_mistakes_are_the_numbers_worked_by_hand() -> None:
    # The default 3.5 flags the two weekends before the load test (z 7.41, 5.73, 3.87, 6.20);
    # the load test's own z is 14.18; 7.41 rounded down to one decimal is 7.4.
    default, load_test, rounded_down = (m.compute() for m in l06.q4.mistakes)
    assert default == 3.5 and "4 weekend days (Sat 10, Sun 11, Sat 17, Sun 18)" in (
        l06.q4.mistakes[0].message
    )
    assert load_test == pytest.approx(14.18, abs=5e-3)
    assert rounded_down == 7.4
