"""Exercises with ``check()``, ``hint()`` and ``solution()``, in the spirit of Kaggle's learntools.

A wrong or unfinished answer gets one sentence that teaches, never a traceback: the checker
recognises typical mistakes (rounding down, forgetting the free tier, ...) by recomputing them
with the real companion code and names the one the learner made.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = [
    "CheckResult",
    "ChoiceQuestion",
    "Exercise",
    "FunctionExercise",
    "Mistake",
    "NumericExercise",
    "Option",
    "Quiz",
    "Status",
    "Text",
]


class Status(Enum):
    CORRECT = "correct"
    INCORRECT = "incorrect"
    NOT_ATTEMPTED = "not attempted"


_ICONS = {
    Status.CORRECT: "✅ Correct",
    Status.INCORRECT: "❌ Not yet",
    Status.NOT_ATTEMPTED: "✏️ Your turn",
}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of ``check()``: shows as one line in a notebook, truthy when correct."""

    exercise: str
    status: Status
    message: str

    def __bool__(self) -> bool:
        return self.status is Status.CORRECT

    def __repr__(self) -> str:
        return f"{_ICONS[self.status]} ({self.exercise}): {self.message}"

    def _repr_markdown_(self) -> str:
        return f"**{_ICONS[self.status]}** ({self.exercise}): {self.message}"


@dataclass(frozen=True)
class Text:
    """A hint or a solution: plain text in a console, Markdown in a notebook."""

    title: str
    body: str

    def __repr__(self) -> str:
        return f"{self.title}: {self.body}"

    def _repr_markdown_(self) -> str:
        return f"**{self.title}:** {self.body}"


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer, computed the wrong way on purpose, and what it teaches."""

    compute: Callable[[], float]
    message: str


def _unfinished(answer: Any) -> bool:
    return answer is ... or answer is None


@dataclass
class Exercise:
    """Base class: subclasses implement :meth:`_grade`."""

    name: str
    question: str
    hint_text: str
    solution_text: str | Callable[[], str]
    design: bool = False  # a judgement or design decision, not a lookup (issue 13)

    def check(self, answer: Any = ...) -> CheckResult:
        """Grade ``answer``. Never raises: problems come back as a one-sentence message."""
        if _unfinished(answer):
            return CheckResult(
                self.name, Status.NOT_ATTEMPTED,
                "replace the `...` with your answer and run the cell again "
                f"(stuck? `ex.{self.name}.hint()`).",
            )  # fmt: skip
        try:
            return self._grade(answer)
        except Exception as exc:  # a learner's answer must never show them a traceback
            return CheckResult(
                self.name, Status.INCORRECT,
                f"checking your answer raised {type(exc).__name__}: {exc}. Fix that and run it again.",
            )  # fmt: skip

    def hint(self) -> Text:
        return Text(f"Hint ({self.name})", self.hint_text)

    def solution(self) -> Text:
        text = self.solution_text if isinstance(self.solution_text, str) else self.solution_text()
        return Text(f"Solution ({self.name})", text)

    def _grade(self, answer: Any) -> CheckResult:
        raise NotImplementedError(f"{type(self).__name__} must implement _grade")

    def _result(self, ok: bool, message: str) -> CheckResult:
        return CheckResult(self.name, Status.CORRECT if ok else Status.INCORRECT, message)


@dataclass
class NumericExercise(Exercise):
    """An answer that is one number, compared within a tolerance to the companion's result."""

    expected: Callable[[], float] = field(default=lambda: math.nan)
    unit: str = ""
    rel_tol: float = 1e-3
    abs_tol: float = 0.0
    integer: bool = False
    mistakes: Sequence[Mistake] = ()
    success: str = "that matches the companion's calculation."

    def _close(self, value: float, target: float) -> bool:
        return math.isclose(value, target, rel_tol=self.rel_tol, abs_tol=self.abs_tol)

    def _grade(self, answer: Any) -> CheckResult:
        # numbers.Real admits numpy scalars too (pandas' .sum() and .max() return them).
        if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
            kind = type(answer).__name__
            return self._result(
                False, f"the answer should be a number ({self.unit or 'a value'}), not a {kind}."
            )
        value = float(answer)
        if math.isnan(value):
            return self._result(
                False,
                "your answer is NaN: a calculation upstream divided 0 by 0 or used a missing value.",
            )
        if self.integer and not value.is_integer():
            return self._result(
                False,
                f"{value:g} is not a whole number: you can't run part of an instance, so round (up, for capacity).",
            )
        target = float(self.expected())
        if self._close(value, target):
            return self._result(True, self.success)
        for mistake in self.mistakes:
            if self._close(value, float(mistake.compute())):
                return self._result(False, mistake.message)
        direction = "high" if value > target else "low"
        off = abs(value - target) / abs(target) if target else math.inf
        return self._result(
            False,
            f"{value:,.6g} is {off:.0%} too {direction}. Re-read the question, or ask for `{self.name}.hint()`.",
        )


@dataclass
class FunctionExercise(Exercise):
    """An answer that is a function, compared with the companion's reference on test cases."""

    reference: Callable[..., Any] = field(default=lambda *a: None)
    cases: Sequence[tuple[Any, ...]] = ()
    mistakes: Sequence[tuple[Callable[..., Any], str]] = ()
    rel_tol: float = 1e-9
    success: str = "your function agrees with the companion on every test case."

    @staticmethod
    def _plain(value: Any) -> Any:
        """numpy arrays and scalars become lists and Python numbers, tuples become lists."""
        if hasattr(value, "tolist"):
            return value.tolist()
        if isinstance(value, list | tuple):
            return [FunctionExercise._plain(v) for v in value]
        return value

    def _same(self, got: Any, want: Any) -> bool:
        got, want = self._plain(got), self._plain(want)
        if isinstance(want, float) or isinstance(got, float):
            try:
                return math.isclose(float(got), float(want), rel_tol=self.rel_tol, abs_tol=1e-12)
            except (TypeError, ValueError):
                return False
        return bool(got == want)

    def _grade(self, answer: Any) -> CheckResult:
        if not callable(answer):
            return self._result(
                False,
                f"pass the function itself (its name, no parentheses), not a {type(answer).__name__}.",
            )
        for args in self.cases:
            want = self.reference(*args)
            try:
                got = answer(*args)
            except Exception as exc:
                shown = ", ".join(repr(a) for a in args)
                return self._result(
                    False, f"calling it with ({shown}) raised {type(exc).__name__}: {exc}."
                )
            if got is None or got is ...:
                return CheckResult(
                    self.name, Status.NOT_ATTEMPTED,
                    "your function returns nothing yet: write its body and `return` the result.",
                )  # fmt: skip
            if self._same(got, want):
                continue
            for wrong, message in self.mistakes:
                if self._same(got, wrong(*args)):
                    return self._result(False, message)
            shown = ", ".join(repr(a) for a in args)
            return self._result(
                False,
                f"for ({shown}) it returned {got!r}; that is not what the companion computes.",
            )
        return self._result(True, self.success)


@dataclass(frozen=True)
class Option:
    """One answer of a multiple-choice question, and why it is right or wrong."""

    text: str
    explanation: str


@dataclass
class ChoiceQuestion(Exercise):
    """A recap question: pick one letter. Every option, right or wrong, has its explanation."""

    options: dict[str, Option] = field(default_factory=dict)
    answer: str = ""

    def __post_init__(self) -> None:
        if self.answer not in self.options or len(self.options) < 2:
            raise ValueError(f"{self.name}: the answer must be one of at least two options")

    def _grade(self, answer: Any) -> CheckResult:
        letters = ", ".join(repr(letter) for letter in self.options)
        if not isinstance(answer, str) or answer.strip().lower() not in self.options:
            return self._result(False, f"answer with one letter: {letters}.")
        letter = answer.strip().lower()
        return self._result(letter == self.answer, self.options[letter].explanation)

    def _repr_markdown_(self) -> str:
        lines = [f"**{self.name}.** {self.question}", ""]
        lines += [f"- **{letter}**: {option.text}" for letter, option in self.options.items()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        lines = [f"{self.name}. {self.question}"]
        lines += [f"  {letter}) {option.text}" for letter, option in self.options.items()]
        return "\n".join(lines)


@dataclass
class Quiz:
    """A lesson's recap quiz: its questions shown together, checked one by one or all at once
    (``quiz.check(r1="b", r2=...)``), each answer with its explanation."""

    questions: Sequence[ChoiceQuestion]

    def __getattr__(self, name: str) -> ChoiceQuestion:
        questions: Sequence[ChoiceQuestion] = self.__dict__.get("questions", ())
        for question in questions:
            if question.name == name:
                return question
        raise AttributeError(name)

    def check(self, **answers: Any) -> Text:
        """Every question's result on its own line; unanswered ones say so."""
        lines = [f"- {question.check(answers.get(question.name, ...))._repr_markdown_()}"
                 for question in self.questions]  # fmt: skip
        score = sum(bool(question.check(answers.get(question.name, ...)))
                    for question in self.questions)  # fmt: skip
        return Text(f"Recap: {score} of {len(self.questions)}", "\n" + "\n".join(lines))

    def _repr_markdown_(self) -> str:
        return "\n\n".join(question._repr_markdown_() for question in self.questions)

    def __repr__(self) -> str:
        return "\n\n".join(repr(question) for question in self.questions)
