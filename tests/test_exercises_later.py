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
from companion.pricing import default_catalog
from companion.serverless.tuning import evaluate_size


def pad_to_longest(
    token_lists: list[list[int]], pad_id: int = 0
) -> tuple[list[list[int]], list[list[int]]]:
    longest = max(len(t) for t in token_lists)
    return (
        [t + [pad_id] * (longest - len(t)) for t in token_lists],
        [[1] * len(t) + [0] * (longest - len(t)) for t in token_lists],
    )


def fnv1a_by_hand(text: str) -> int:
    data = text.encode("utf-16-le", "surrogatepass")  # UTF-16 code units, as charCodeAt
    value = 0x811C9DC5
    for i in range(0, len(data), 2):
        value ^= data[i] | data[i + 1] << 8
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


SOLUTIONS: list[tuple[Any, Any]] = [
    (l02.q1, pad_to_longest),
    # Lesson 02, q2: at a 125 ms p95 both layouts qualify (1 thread: 122.7 ms, 2 threads: 84.9
    # ms); eight 1-thread workers serve 8 × 8.9790 = 71.83 req/s, four 2-thread ones 4 × 15.514 = 62.1.
    (l02.q2, 8 * 8.979019),
    (
        l02.q3,
        instance_speed_at_target(
            l02.EXAMPLE_RESULTS, "onnxruntime-int8", 128, 100, 8, 2
        ).requests_per_second,
    ),
    # q4 worked by hand from the committed benchmark: at a 60 ms p95 nothing serves 128 tokens
    # (the fused int8's p95 is 66.6 ms); at 64, five variants do (ONNX fp32 54.3 ms, fused fp32
    # 50.5, int8 31.1, fused int8 30.0, OpenVINO fp32 58.2) and the fused int8 serves the most,
    # 37.546 seq/s per 2-thread worker, × 4 workers on 8 vCPUs = 150.18 req/s, so
    # on a c5.2xlarge: $0.34/h / (150.18 × 3,600) × 1e6 = $0.6289 per million.
    (l02.q4, cost_per_million_predictions(0.34, 37.545639 * 4)),
    (
        l03.q1,
        evaluate_size(2048, 61.3, default_catalog().lambda_price("x86_64")).cost_per_million_usd,
    ),
    # Lesson 03, q2 by hand (median 113.601 / 58.493 ms, p95 122.744 / 66.624 ms at 1 / 2
    # vCPUs, linear in 1 / vCPUs): p95 = 66.624 + 112.240 × (1/v − 0.5) ≤ 95 → 1/v ≤ 0.75282 →
    # v ≥ 1.32835 → 2,350 MB is the smallest that meets it, where the median 58.493 + 110.215 ×
    # (1769/2350 − 0.5) = 86.35 ms bills 87 ms; at 2,361 MB (1769/2361 = 0.74926) it is 85.97
    # ms and bills 86 (2,360 MB: 86.0004 → 87), and 2,361 × 86 = 203,046 MB·ms is less than
    # 2,350 × 87 = 204,450: the cheapest that meets the target is 2,361.
    (l03.q2, 2361),
    # q3: the x86 pick (balanced, 3,538 MB) bills its median 58.49 ms as 59 ms; arm64's GB-s is
    # 1.33334e-5 against 1.66667e-5, so arm64 may bill 59 × 1.66667 / 1.33334 = 73.75 → 73 ms.
    (l03.q3, 73),
    # q4: the all-warm month is $692.34 (lesson 01's Lambda at 3,538 MB behind an HTTP API) and
    # each 1% of cold starts adds $74.70, so 2% of the bill ($13.85) buys 13.85 / 74.70 = 0.185%.
    (l03.q4, 0.185),
    # Lesson 04, worked by hand: the 6 starting pods count at 0 %, int(220 × 10 / 16) = 137 %,
    # ceil(137 / 70 × 16) = ceil(31.3) = 32; max(17 + 4, 17 × 2) = 34; the last "keep 10"
    # recommendation (585 s) leaves the 300 s window at 885 s = drop + 285 s; q4 (simulated, the
    # committed load test of 2026-11-30): Black Friday at target 77 % costs $210.04 a month with
    # 0.95 % of requests over capacity, the cheapest target under 1 %; 75 % already breaks the
    # rule (3.31 %), and stopping at 74 % would cost $218.62.
    (l04.q1, 32),
    (l04.q2, 34),
    (l04.q3, 285),
    (l04.q4, 210.04),
    # Lesson 05: FNV-1a written out; 100,000 users at 95/5 expect 95,000 and 5,000, each arm is
    # 310 off: chi² = 310² / 95,000 + 310² / 5,000 = 20.23 with 1 degree of freedom → p = 6.86e-6
    # (scipy.stats.chi2.sf(20.23, 1)); Cohen's h sample size for 0.5 % → 1 %; q4: the first
    # analysis with the split's p-value under 0.001 is at 3,240 s (50 % stage, p = 1.4e-4).
    (l05.q1, fnv1a_by_hand),
    (l05.q2, 6.861e-6),
    (l05.q3, 4541),
    (l05.q4, 3240),
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
        l02.q2,
        l02.q3,
        l02.q4,
        l03.q1,
        l03.q2,
        l03.q3,
        l03.q4,
        l04.q1,
        l04.q2,
        l04.q3,
        l04.q4,
        l05.q2,
        l05.q3,
        l05.q4,
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
    ("wrong", "message"), [(wrong, message) for wrong, message in l02.q1.mistakes]
)
def test_pad_to_longest_mistakes_are_named(wrong: Any, message: str) -> None:
    result = l02.q1.check(wrong)
    assert (result.status, result.message) == (Status.INCORRECT, message)


@pytest.mark.parametrize(("wrong", "message"), list(l05.q1.mistakes))
def test_fnv1a_mistakes_are_named(wrong: Any, message: str) -> None:
    result = l05.q1.check(wrong)
    assert (result.status, result.message) == (Status.INCORRECT, message)


def test_the_srm_gate_halts_the_suspicious_rollout_where_lesson_05_q4_says() -> None:
    from companion.experiments import ArmProfile, RolloutPlan, simulate_rollout

    gated = simulate_rollout(
        ArmProfile(0.01, 50.0), ArmProfile(0.01, 50.0), plan=RolloutPlan(),
        seed=l05.Q4_SEED, broken_assignment=l05.Q4_BROKEN_ASSIGNMENT,
    )  # fmt: skip
    assert l05.suspicious_rollout().outcome == "promoted"
    assert (gated.outcome, gated.end_time_s) == ("halted", l05.q4.expected())
    assert "sample ratio mismatch" in gated.decisive_event.reason


def test_a_function_returning_numpy_arrays_is_accepted() -> None:
    import numpy as np

    def numpy_version(token_lists: list[list[int]], pad_id: int = 0) -> tuple[Any, Any]:
        ids, mask = pad_to_longest(token_lists, pad_id)
        return np.array(ids), np.array(mask)

    assert l02.q1.check(numpy_version).status is Status.CORRECT


def test_an_empty_function_is_unfinished_not_wrong() -> None:
    def pad(token_lists: list[list[int]], pad_id: int = 0) -> None: ...

    assert l02.q1.check(pad).status is Status.NOT_ATTEMPTED
