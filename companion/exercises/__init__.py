"""Exercises: ``check()``, ``hint()`` and ``solution()`` for every lesson.

>>> from companion.exercises import lesson01 as ex
>>> ex.q1.check(...)  # doctest: +SKIP
"""

from .core import (
    CheckResult,
    ChoiceQuestion,
    Exercise,
    FunctionExercise,
    Mistake,
    NumericExercise,
    Option,
    Quiz,
    Status,
    Text,
)

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
