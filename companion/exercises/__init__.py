"""Exercises: ``check()``, ``hint()`` and ``solution()`` for every lesson.

>>> from companion.exercises import lesson01 as ex
>>> ex.q1.check(...)  # doctest: +SKIP
"""

from .core import (
    CheckResult,
    Exercise,
    FunctionExercise,
    Mistake,
    NumericExercise,
    Status,
    Text,
)

__all__ = [
    "CheckResult",
    "Exercise",
    "FunctionExercise",
    "Mistake",
    "NumericExercise",
    "Status",
    "Text",
]
