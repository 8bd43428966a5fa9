"""Exercise checks of lessons 02, 03 and 04: every solution passes, every typical mistake gets its
own message, unfinished answers get "your turn"."""

from __future__ import annotations

from typing import Any

import pytest

from companion.exercises import Status
from companion.exercises import lesson02 as l02
from companion.exercises import lesson03 as l03
from companion.exercises import lesson04 as l04
from companion.exercises import lesson05 as l05
from companion.optimize import cost_per_million_predictions, instance_speed_at_target
from companion.optimize.benchmark import distilbert_forward_flops
from companion.pricing import default_catalog
from companion.serverless.tuning import evaluate_size, tune


def pad_to_longest(
    token_lists: list[list[int]], pad_id: int = 0
) -> tuple[list[list[int]], list[list[int]]]:
    longest = max(len(t) for t in token_lists)
    return (
        [t + [pad_id] * (longest - len(t)) for t in token_lists],
        [[1] * len(t) + [0] * (longest - len(t)) for t in token_lists],
    )


def fnv1a_by_hand(text: str) -> int:
    value = 0x811C9DC5
    for char in text:
        value ^= ord(char)
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


SOLUTIONS: list[tuple[Any, Any]] = [
    (l02.q1, distilbert_forward_flops(64) / 1e9),
    (
        l02.q2,
        instance_speed_at_target(
            l02.EXAMPLE_RESULTS, "onnxruntime-int8", 128, 100, 8, 2
        ).requests_per_second,
    ),
    (l02.q3, pad_to_longest),
    (
        l02.q4,
        cost_per_million_predictions(
            default_catalog().instance("c7i.2xlarge").price_per_hour, 60, 0.25
        ),
    ),
    (l03.q1, 413),
    (
        l03.q2,
        evaluate_size(2048, 61.3, default_catalog().lambda_price("x86_64")).cost_per_million_usd,
    ),
    (
        l03.q3,
        tune(
            l03.DURATIONS,
            default_catalog().lambda_price("x86_64"),
            strategy="cost",
            p95_target_ms=100,
        ).best.memory_mb,
    ),
    # Lesson 04, worked by hand: ceil(85 / 60 × 5) = ceil(7.08) = 8; max(6 + 4, ceil(6 × 2)) = 12;
    # the last "keep 10" recommendation (585 s) leaves the 300 s window at 885 s = drop + 285 s.
    (l04.q1, 8),
    (l04.q2, 12),
    (l04.q3, 285),
    # Lesson 05: FNV-1a written out; chi² = 2 × 600² / 50,000 = 14.4 with 1 degree of freedom
    # → p = 1.48e-4 (scipy.stats.chi2.sf(14.4, 1)); Cohen's h sample size for 2 % → 3 %.
    (l05.q1, fnv1a_by_hand),
    (l05.q2, 1.4780e-4),
    (l05.q3, 3789),
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
    (exercise, mistake)
    for exercise in (
        l02.q1,
        l02.q2,
        l02.q4,
        l03.q1,
        l03.q2,
        l03.q3,
        l04.q1,
        l04.q2,
        l04.q3,
        l05.q2,
        l05.q3,
    )
    for mistake in exercise.mistakes
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


@pytest.mark.parametrize(
    ("wrong", "message"), [(wrong, message) for wrong, message in l02.q3.mistakes]
)
def test_pad_to_longest_mistakes_are_named(wrong: Any, message: str) -> None:
    result = l02.q3.check(wrong)
    assert (result.status, result.message) == (Status.INCORRECT, message)


@pytest.mark.parametrize(("wrong", "message"), list(l05.q1.mistakes))
def test_fnv1a_mistakes_are_named(wrong: Any, message: str) -> None:
    result = l05.q1.check(wrong)
    assert (result.status, result.message) == (Status.INCORRECT, message)


def test_a_function_returning_numpy_arrays_is_accepted() -> None:
    import numpy as np

    def numpy_version(token_lists: list[list[int]], pad_id: int = 0) -> tuple[Any, Any]:
        ids, mask = pad_to_longest(token_lists, pad_id)
        return np.array(ids), np.array(mask)

    assert l02.q3.check(numpy_version).status is Status.CORRECT


def test_an_empty_function_is_unfinished_not_wrong() -> None:
    def pad(token_lists: list[list[int]], pad_id: int = 0) -> None: ...

    assert l02.q3.check(pad).status is Status.NOT_ATTEMPTED
