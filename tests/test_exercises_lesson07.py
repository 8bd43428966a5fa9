"""Lesson 07's exercises: each solution passes, each typical mistake gets its own message,
unfinished answers are "your turn", and no accepted answer is printed before its exercise."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from companion.course import lesson_files, lessons_by_number
from companion.exercises import Status
from companion.exercises import lesson07 as ex

EXERCISES = [ex.q1, ex.q2, ex.q3, ex.q4, ex.q5]
# the capstone, or its parts in order: an earlier part is "before" every exercise of a later one
LESSON = lessons_by_number(lesson_files(Path(__file__).resolve().parent.parent / "lessons"))["07"]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_the_solution_passes(exercise) -> None:  # type: ignore[no-untyped-def]
    assert exercise.check(exercise.expected()).status is Status.CORRECT


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_each_mistake_gets_its_own_message(exercise) -> None:  # type: ignore[no-untyped-def]
    assert exercise.mistakes
    messages = set()
    for mistake in exercise.mistakes:
        value = mistake.compute()
        assert not exercise._close(value, exercise.expected()), "a mistake equals the answer"
        result = exercise.check(value)
        assert result.status is Status.INCORRECT and mistake.message in str(result)
        messages.add(mistake.message)
    assert len(messages) == len(exercise.mistakes)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_unfinished_is_not_attempted(exercise) -> None:  # type: ignore[no-untyped-def]
    assert exercise.check(...).status is Status.NOT_ATTEMPTED


def test_q4_by_hand() -> None:
    assert ex.q4.expected() == pytest.approx(0.001 * 730 * 60)


def test_design_exercises_are_marked() -> None:
    assert [e.name for e in EXERCISES if e.design] == ["q1", "q2", "q5"]


def test_q5_at_300_usd_only_lambda_fits() -> None:
    # Every instance-based design that meets the target costs more than $300 even at a trickle of
    # traffic (two instances, a load balancer, logs), so the volume $300 buys is a Lambda's, and
    # it is less than what $500 buys (q1).
    assert ex._fleet_floor() > ex.Q5_BUDGET_USD
    volume = ex.q5.expected()
    assert ex._cheapest_design(volume).strategy.startswith("lambda")
    assert ex._cheapest(volume) <= ex.Q5_BUDGET_USD
    assert volume < ex.q1.expected()


def _printed_before(marker: str) -> str:
    text = []
    for cell in (c for part in LESSON for c in json.loads(part.read_text())["cells"]):
        source = "".join(cell["source"])
        if marker in source:
            break
        text.append(source)
        for output in cell.get("outputs", []):
            text.append("".join(output.get("text") or output.get("data", {}).get("text/plain", "")))
    return "\n".join(text)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_no_accepted_answer_is_on_the_page_before_its_exercise(exercise) -> None:  # type: ignore[no-untyped-def]
    page = _printed_before(f"ex.{exercise.name}.check(")
    for raw in re.findall(r"\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?", page):
        value = float(raw.replace(",", ""))
        for scale in (1, 1e6):  # "3.74M" is printed as 3.74 with an M
            assert not exercise._close(value * scale, exercise.expected()), (exercise.name, raw)
