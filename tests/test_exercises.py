"""Spec tests for the exercise checkers (companion.exercises) and the environment check."""

from __future__ import annotations

import math
import re

import pytest
from scipy.optimize import brentq

from companion import environment
from companion.costs import (
    TrafficProfile,
    break_even_daily_requests,
    fixed_fleet_curve,
    plan_fleet,
    serverless_cost,
    serverless_curve,
    throughput_from_latency,
)
from companion.environment import check_environment
from companion.exercises import (
    CheckResult,
    FunctionExercise,
    NumericExercise,
    Status,
    Text,
    lesson00,
    lesson01,
)
from companion.pricing import default_catalog
from companion.scenario import scenario_traffic


def _one_sentence(message: str) -> bool:
    """No line breaks, and exactly one sentence end (a '.', '!' or '?' then a space or the end)."""
    return "\n" not in message and len(re.findall(r"[.!?](?=\s|$)", message)) == 1


# --- the correct answers, computed the way each solution_text describes -----------------------


def _lesson00_q1() -> float:
    return 365 * 24 / 12


# lesson 02's committed p50 of the served (fused) int8 model at 128 tokens (companion/data/results/optimize_distilbert.json)
INT8_P50_MS = 58.49341800058028


def _lesson01_q1() -> float:
    instances = plan_fleet(
        TrafficProfile(5_000 * 86_400), throughput_from_latency(INT8_P50_MS, 8, 2), 0.7
    ).instances
    return instances * default_catalog().instance("c7i.2xlarge").price_per_hour * 24


def _lesson01_q2() -> float:
    catalog = default_catalog()
    return serverless_cost(
        TrafficProfile.from_monthly_requests(10_000_000),
        catalog.lambda_price("arm64"),
        119.3,
        2048,
        free_tier=True,
        gateway=catalog.gateway("http"),
    ).monthly_cost_usd


def _lesson01_q3() -> float:
    catalog = default_catalog()
    return break_even_daily_requests(
        serverless_curve(
            scenario_traffic(),
            catalog.lambda_price("arm64"),
            INT8_P50_MS,
            3538,
            gateway=catalog.gateway("http"),
        ),
        fixed_fleet_curve(catalog.instance("c7i.2xlarge"), 2),
    ).daily_requests


def _lesson01_q4() -> float:
    """The larger of the two volumes $500 buys: the Lambda's (cost = budget on its curve) and
    the c5.2xlarge fleet's (as many instances as the budget pays, at 70% of the peak hour)."""
    catalog = default_catalog()
    curve = serverless_curve(
        scenario_traffic(),
        catalog.lambda_price("x86_64"),
        INT8_P50_MS,
        3538,
        gateway=catalog.gateway("http"),
    )
    lam = float(brentq(lambda daily: curve(daily) - 500, 1e3, 1e9, xtol=1e-3))
    c5 = catalog.instance("c5.2xlarge")
    fleet_size = math.floor(500 / (c5.price_per_hour * 730))
    fleet = (
        fleet_size * throughput_from_latency(INT8_P50_MS, 8, 2) * 0.7 / scenario_traffic(1).peak_rps
    )
    return max(lam, fleet)


EXERCISES = {
    "lesson00.q1": lesson00.q1,
    "lesson01.q1": lesson01.q1,
    "lesson01.q2": lesson01.q2,
    "lesson01.q3": lesson01.q3,
    "lesson01.q4": lesson01.q4,
}
SOLUTIONS = {
    "lesson00.q1": _lesson00_q1,
    "lesson01.q1": _lesson01_q1,
    "lesson01.q2": _lesson01_q2,
    "lesson01.q3": _lesson01_q3,
    "lesson01.q4": _lesson01_q4,
}
MISTAKES = [
    pytest.param(key, index, id=f"{key}-mistake{index}")
    for key, exercise in EXERCISES.items()
    for index in range(len(exercise.mistakes))
]


def test_hand_values_of_the_solutions():
    # 365 x 24 / 12 = 730; ceil(5,000 / (4,000 / 58.49 x 0.7)) = ceil(104.4) = 105 instances,
    # x $0.357/h (the catalog's c7i.2xlarge) x 24 h = $899.64 for the Black Friday day.
    assert _lesson00_q1() == 730
    assert math.ceil(5_000 / (4_000 / 58.49 * 0.7)) == 105
    assert round(_lesson01_q1(), 2) == round(105 * 0.357 * 24, 2) == 899.64
    assert round(_lesson01_q2(), 2) == 38.47
    # q3: the pair costs 2 x $0.357 x 730 h = $521.22; an arm64 request at 3,538 MB billed 59 ms
    # costs 3.455 GB x 0.059 s x $1.33334e-5 + $0.20e-6 + the HTTP API's $1.00e-6 = $3.918e-6,
    # less the free tier ($5.33 of GB-s and $0.20 of requests): (521.22 + 5.53) / 3.918e-6 =
    # 134.4M a month / 30.42 days = 4.42M a day.
    assert 4.3e6 < _lesson01_q3() < 4.5e6
    # q4: two c5.2xlarge cost 2 x 0.34 x 730 = $496.40 (a third busts $500) and carry
    # 2 x 68.39 x 0.7 = 95.7 req/s at the peak hour, 2.73x the average: about 3.03M a day.
    # An x86 request at 3,538 MB billed 59 ms costs 3.455 GB x 0.059 s x $1.66667e-5 + $0.20e-6
    # + $1.00e-6 = $4.5975e-6; with the free tier ($6.67 + $0.20) the bill reaches $500 at
    # 506.87 / 4.5975e-6 = 110.25M a month = 3.62M a day, so the Lambda serves more.
    assert 3.61e6 < _lesson01_q4() < 3.64e6


@pytest.mark.parametrize("key", EXERCISES)
def test_the_solution_passes(key):
    result = EXERCISES[key].check(SOLUTIONS[key]())
    assert result
    assert result.status is Status.CORRECT


def test_a_fraction_of_an_instance_is_not_a_whole_number() -> None:
    count = NumericExercise("qx", "?", "hint", "solution", expected=lambda: 128, integer=True)
    assert count.check(128.0)
    result = count.check(121.5)
    assert result.status is Status.INCORRECT
    assert "whole number" in result.message


@pytest.mark.parametrize("key", EXERCISES)
@pytest.mark.parametrize("answer", [..., None], ids=["ellipsis", "None"])
def test_unfinished_answers_are_not_attempted(key, answer):
    result = EXERCISES[key].check(answer)
    assert not result
    assert result.status is Status.NOT_ATTEMPTED
    assert "hint()" in result.message


def test_check_without_an_answer_is_not_attempted():
    assert lesson00.q1.check().status is Status.NOT_ATTEMPTED


@pytest.mark.parametrize(("key", "index"), MISTAKES)
def test_each_mistake_gets_its_own_message(key, index):
    exercise = EXERCISES[key]
    mistake = exercise.mistakes[index]
    result = exercise.check(mistake.compute())
    assert result.status is Status.INCORRECT
    assert result.message == mistake.message


@pytest.mark.parametrize(("key", "index"), MISTAKES)
def test_each_mistake_is_really_wrong(key, index):
    """The mistake's value is not accepted as the answer (else its message could never show)."""
    exercise = EXERCISES[key]
    assert not exercise._close(exercise.mistakes[index].compute(), SOLUTIONS[key]())


@pytest.mark.parametrize("key", EXERCISES)
@pytest.mark.parametrize("answer", ["12", [1]], ids=["str", "list"])
def test_wrong_types_get_one_sentence(key, answer):
    result = EXERCISES[key].check(answer)
    assert result.status is Status.INCORRECT
    assert _one_sentence(result.message), result.message
    assert type(answer).__name__ in result.message


@pytest.mark.parametrize(
    ("key", "answer", "fragment"),
    [
        pytest.param("lesson00.q1", 1_000.0, "too high", id="too high"),
        pytest.param("lesson00.q1", 10.0, "too low", id="too low"),
        pytest.param("lesson00.q1", math.nan, "NaN", id="nan"),
        pytest.param("lesson01.q1", True, "not a bool", id="bool"),
    ],
)
def test_other_wrong_answers(key, answer, fragment):
    result = EXERCISES[key].check(answer)
    assert result.status is Status.INCORRECT
    assert fragment in result.message


@pytest.mark.parametrize("key", EXERCISES)
def test_hint_and_solution_are_text(key):
    exercise = EXERCISES[key]
    for text in (exercise.hint(), exercise.solution()):
        assert isinstance(text, Text)
        assert repr(text).strip()
        assert text.body.strip()
        assert exercise.name in text.title
        assert text.body in text._repr_markdown_()


@pytest.mark.parametrize("key", EXERCISES)
@pytest.mark.parametrize("answer", ["correct", ..., "x"])
def test_check_result_shows_the_exercise_name(key, answer):
    exercise = EXERCISES[key]
    value = SOLUTIONS[key]() if answer == "correct" else answer
    result = exercise.check(value)
    assert isinstance(result, CheckResult)
    assert f"({exercise.name})" in repr(result)
    assert f"({exercise.name})" in result._repr_markdown_()
    assert result.message in repr(result)


class _RaisingFloat(float):
    def __float__(self) -> float:
        raise RuntimeError("boom")


class _RaisingEq:
    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no comparing me")

    __hash__ = None  # type: ignore[assignment]


@pytest.mark.parametrize("key", EXERCISES)
def test_check_never_raises_when_the_answer_does(key):
    result = EXERCISES[key].check(_RaisingFloat(1.0))
    assert result.status is Status.INCORRECT
    assert "RuntimeError" in result.message


def test_numeric_check_never_raises_when_expected_raises():
    def broken() -> float:
        raise ZeroDivisionError("division by zero")

    exercise = NumericExercise("qx", "?", "hint", "solution", expected=broken)
    result = exercise.check(1.0)
    assert result.status is Status.INCORRECT
    assert "ZeroDivisionError" in result.message


# --- FunctionExercise ---------------------------------------------------------------------------


@pytest.fixture
def ceil_exercise() -> FunctionExercise:
    return FunctionExercise(
        name="billed",
        question="Round a duration up to whole milliseconds.",
        hint_text="math.ceil",
        solution_text="`math.ceil(d)`",
        reference=lambda d: math.ceil(d),
        cases=[(0.2,), (119.3,)],
        mistakes=[(lambda d: round(d), "rounded")],
    )


def _raises(d: float) -> int:
    return 1 // 0


def _returns_none(d: float) -> None:
    return None


def _returns_unequal(d: float) -> _RaisingEq:
    return _RaisingEq()


def _returns_raising_float(d: float) -> _RaisingFloat:
    return _RaisingFloat(1.0)


@pytest.mark.parametrize(
    ("answer", "status", "fragment"),
    [
        pytest.param(math.ceil, Status.CORRECT, "agrees", id="the reference itself"),
        pytest.param(lambda d: -int(-d // 1), Status.CORRECT, "agrees", id="ceil by hand"),
        pytest.param(_raises, Status.INCORRECT, "raised ZeroDivisionError", id="raises"),
        pytest.param(_returns_none, Status.NOT_ATTEMPTED, "returns nothing yet", id="returns None"),
        pytest.param(round, Status.INCORRECT, "rounded", id="the known mistake"),
        pytest.param(lambda d: d * 2, Status.INCORRECT, "(0.2)", id="unknown wrong answer"),
        pytest.param(42, Status.INCORRECT, "not a int", id="not callable: int"),
        pytest.param("ceil", Status.INCORRECT, "not a str", id="not callable: str"),
        pytest.param(_returns_unequal, Status.INCORRECT, "RuntimeError", id="__eq__ raises"),
        pytest.param(_returns_raising_float, Status.INCORRECT, "RuntimeError", id="bad float"),
        pytest.param(..., Status.NOT_ATTEMPTED, "replace the `...`", id="unfinished"),
        pytest.param(None, Status.NOT_ATTEMPTED, "replace the `...`", id="None"),
    ],
)
def test_function_exercise(ceil_exercise, answer, status, fragment):
    result = ceil_exercise.check(answer)
    assert result.status is status
    assert fragment in result.message
    assert bool(result) is (status is Status.CORRECT)
    assert "billed" in repr(result)


def test_function_exercise_mistake_message_is_exact(ceil_exercise):
    assert ceil_exercise.check(round).message == "rounded"


def test_function_exercise_hint_and_solution(ceil_exercise):
    assert repr(ceil_exercise.hint()) == "Hint (billed): math.ceil"
    assert repr(ceil_exercise.solution()) == "Solution (billed): `math.ceil(d)`"


# --- environment ---------------------------------------------------------------------------------


def test_environment_is_ready_here():
    report = check_environment()
    assert report.ok is True
    assert report.missing == []
    assert report.summary().startswith("Ready")
    names = [p.name for p in report.packages]
    assert {"numpy", "pandas", "scipy", "matplotlib", "boto3", "run-ml-for-pennies"} <= set(names)
    assert all(p.installed for p in report.packages)
    assert "MISSING" not in report.table()


def test_environment_names_a_missing_package(monkeypatch):
    real = environment._version
    monkeypatch.setattr(
        environment, "_version", lambda name: None if name == "boto3" else real(name)
    )
    report = check_environment()
    assert report.ok is False
    assert report.missing == ["boto3"]
    summary = report.summary()
    assert summary.startswith("Not ready")
    assert "boto3" in summary
    assert "numpy" not in summary
    assert "boto3" in report.table() and "MISSING" in report.table()


def test_environment_version_of_an_absent_distribution_is_none():
    assert environment._version("no-such-distribution-for-the-course") is None


@pytest.mark.parametrize(
    ("key", "make"),
    [
        pytest.param("lesson01.q1", "float64", id="np.float64 USD"),
        pytest.param("lesson00.q1", "float32", id="np.float32 hours"),
    ],
)
def test_numpy_scalars_are_numbers(key, make):
    import numpy as np

    answer = getattr(np, make)(SOLUTIONS[key]())
    assert EXERCISES[key].check(answer).status is Status.CORRECT
