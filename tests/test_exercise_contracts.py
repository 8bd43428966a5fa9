"""The contract every lesson's exercises and recap quiz keep (issue 13): the solution passes,
each typical mistake and each wrong option gets its own explanation, an unfinished answer is
"not attempted", every lesson asks at least four questions of which one is a design decision,
the notebook offers hint and solution cells and the quiz, and no accepted answer is on the page
before its exercise, whatever format the page prints it in."""

from __future__ import annotations

import importlib
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from companion.course import lesson_files, lessons_by_number
from companion.exercises import (
    ChoiceQuestion,
    Exercise,
    FunctionExercise,
    NumericExercise,
    Quiz,
    Status,
)

# A lesson is its number: the notebook, or its parts (04a_, 04b_) read one after the other.
PARTS = lessons_by_number(lesson_files(Path(__file__).resolve().parents[1] / "lessons"))
NUMBERS = list(PARTS)


def module(number: str) -> Any:
    return importlib.import_module(f"companion.exercises.lesson{number}")


def exercises(number: str) -> list[Exercise]:
    found = [
        v
        for v in vars(module(number)).values()
        if isinstance(v, NumericExercise | FunctionExercise)
    ]
    return sorted(found, key=lambda e: int(e.name[1:]))


def quiz(number: str) -> Quiz:
    value = getattr(module(number), "quiz", None)
    assert isinstance(value, Quiz), f"lesson {number} has no recap quiz (`quiz = Quiz(...)`)"
    return value


ALL_EXERCISES = [(n, e.name) for n in NUMBERS for e in exercises(n)]
ALL_QUESTIONS = [
    (n, q.name) for n in NUMBERS for q in getattr(getattr(module(n), "quiz", None), "questions", ())
]


def exercise(number: str, name: str) -> Exercise:
    return next(e for e in exercises(number) if e.name == name)


@pytest.mark.parametrize("number", NUMBERS)
def test_every_lesson_asks_enough_and_one_question_is_a_design_decision(number: str) -> None:
    found = exercises(number)
    assert len(found) >= 4, f"lesson {number}: {len(found)} exercises"
    assert any(e.design for e in found), f"lesson {number}: no design or judgement task"
    assert 4 <= len(quiz(number).questions) <= 6


@pytest.mark.parametrize(("number", "name"), ALL_EXERCISES)
@pytest.mark.parametrize("unfinished", [..., None], ids=["ellipsis", "None"])
def test_an_unfinished_answer_is_not_attempted(number: str, name: str, unfinished: Any) -> None:
    assert exercise(number, name).check(unfinished).status is Status.NOT_ATTEMPTED


@pytest.mark.parametrize(("number", "name"), ALL_EXERCISES)
def test_the_solution_explains_its_reasoning(number: str, name: str) -> None:
    task = exercise(number, name)
    assert len(task.hint().body.split()) >= 8
    assert len(task.solution().body.split()) >= 15, f"{number} {name}: a one-line solution"


@pytest.mark.parametrize(
    ("number", "name"), [k for k in ALL_EXERCISES if isinstance(exercise(*k), NumericExercise)]
)
def test_the_expected_answer_passes_and_each_mistake_has_its_own_message(
    number: str, name: str
) -> None:
    task = exercise(number, name)
    assert isinstance(task, NumericExercise)
    assert task.check(float(task.expected())).status is Status.CORRECT
    for mistake in task.mistakes:
        wrong = float(mistake.compute())
        assert not task._close(wrong, float(task.expected())), mistake.message
        result = task.check(wrong)
        assert (result.status, result.message) == (Status.INCORRECT, mistake.message)


@pytest.mark.parametrize(("number", "name"), ALL_QUESTIONS)
def test_each_quiz_option_explains_itself(number: str, name: str) -> None:
    question: ChoiceQuestion = getattr(quiz(number), name)
    assert question.check(question.answer.upper()).status is Status.CORRECT
    explanations = set()
    for letter, option in question.options.items():
        result = question.check(letter)
        assert result.message == option.explanation
        assert (result.status is Status.CORRECT) == (letter == question.answer)
        explanations.add(option.explanation)
    assert len(explanations) == len(question.options), "two options share an explanation"
    assert question.check("z").status is Status.INCORRECT
    assert question.check(...).status is Status.NOT_ATTEMPTED


def test_a_quiz_checks_every_question_at_once() -> None:
    recap = quiz("01")
    first = recap.questions[0]
    text = recap.check(**{first.name: first.answer}).body
    assert f"1 of {len(recap.questions)}" in recap.check(**{first.name: first.answer}).title
    assert text.count("Your turn") == len(recap.questions) - 1


# --- the notebooks ------------------------------------------------------------------------------


def cells(path: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))["cells"]
    return found


def lesson_cells(number: str) -> list[dict[str, Any]]:
    """Every cell of the lesson, its parts in order: what a learner has seen before a cell."""
    return [cell for path in PARTS[number] for cell in cells(path)]


def source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


def shown(cell: dict[str, Any]) -> str:
    """What a reader sees of a cell: its Markdown, or its outputs (text, tables, Markdown).
    Live timings (cells tagged ``nbval-ignore-output``) are left out: they differ on every run
    and machine, so a match there is chance, not a given-away answer."""
    if cell["cell_type"] == "markdown":
        return source(cell)
    if "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
        return ""
    parts = []
    for output in cell.get("outputs", []):
        parts.append("".join(output.get("text", "")))
        for kind in ("text/plain", "text/markdown", "text/html"):
            parts.append("".join(output.get("data", {}).get(kind, "")))
    return "\n".join(parts)


@pytest.mark.parametrize("number", NUMBERS)
def test_the_notebook_offers_each_exercise_with_hint_solution_and_the_quiz(number: str) -> None:
    text = [source(c) for c in lesson_cells(number)]
    for task in exercises(number):
        asked = [i for i, s in enumerate(text) if f"ex.{task.name}.check(" in s]
        assert asked, f"lesson {number}: {task.name} is never asked"
        helped = [
            i
            for i, s in enumerate(text)
            if f"ex.{task.name}.hint()" in s and f"ex.{task.name}.solution()" in s
        ]
        assert helped and helped[0] > asked[0], (
            f"lesson {number}: {task.name} has no hint/solution cell"
        )
    assert any(s.strip() == "ex.quiz" for s in text), (
        f"lesson {number}: the recap quiz is not shown"
    )
    assert any("ex.quiz.check(" in s for s in text), (
        f"lesson {number}: the recap quiz is not checked"
    )


@pytest.mark.parametrize("number", NUMBERS)
def test_the_recap_quiz_ends_the_lessons_last_part(number: str) -> None:
    *earlier, last = PARTS[number]
    for path in earlier:
        assert not any("ex.quiz" in source(c) for c in cells(path)), f"{path.name} has the quiz"
    assert any("ex.quiz.check(" in source(c) for c in cells(last)), f"{last.name} has no quiz"


NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?(?:[eE][+-]?\d+)?)\s?(%|M\b|k\b|K\b)?")
SCALES = {None: 1.0, "%": 0.01, "M": 1e6, "k": 1e3, "K": 1e3}


def numbers_on(page: str) -> list[float]:
    values = []
    for raw, suffix in NUMBER.findall(page):
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            continue
        values.append(value)
        if suffix:
            values.append(value * SCALES[suffix])
    return values


@pytest.mark.parametrize(
    ("page", "value"),
    [("3789", 3789), ("3,789 users", 3789), ("3.79e3", 3790), ("p = 0.00015", 0.00015),
     ("1.48e-4", 1.48e-4), ("3.74M a day", 3.74e6), ("55%", 0.55)],
)  # fmt: skip
def test_every_printed_number_format_is_read(page: str, value: float) -> None:
    assert any(math.isclose(v, value, rel_tol=1e-9) for v in numbers_on(page))


@pytest.mark.parametrize(
    ("number", "name"), [k for k in ALL_EXERCISES if isinstance(exercise(*k), NumericExercise)]
)
def test_no_accepted_answer_is_on_the_page_before_its_exercise(number: str, name: str) -> None:
    task = exercise(number, name)
    assert isinstance(task, NumericExercise)
    notebook = lesson_cells(number)  # a part's "before" includes the lesson's earlier parts
    asked = next(i for i, c in enumerate(notebook) if f"ex.{name}.check(" in source(c))
    page = "\n".join(shown(c) for c in notebook[:asked])
    target = float(task.expected())
    visible = sorted({v for v in numbers_on(page) if task._close(v, target)})
    assert not visible, (
        f"lesson {number} {name}: the accepted answer {target:g} is on the page as {visible}"
    )
