"""Exercises: ``check()``, ``hint()`` and ``solution()`` for every lesson.

>>> from companion.exercises import lesson01 as ex
>>> ex.q1.check(...)  # doctest: +SKIP

The public API is the exercise machinery (:mod:`.core`, re-exported here) and one module per
lesson number, ``lesson00`` to ``lesson07``: each lesson module is a namespace whose ``q1``,
``q2``, ... and ``quiz`` a notebook reaches as ``ex.q1``; their names are not copied up here,
since every lesson has a ``q1``. A lesson module loads on first use (some import the topic
sub-package they check), so ``import companion.exercises`` stays light.
"""

from __future__ import annotations

import importlib
from types import ModuleType

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

# The lesson modules, by lesson number (a lesson split into parts keeps one module).
_LESSON_MODULES: tuple[str, ...] = tuple(f"lesson{number:02d}" for number in range(8))

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
    "lesson00",
    "lesson01",
    "lesson02",
    "lesson03",
    "lesson04",
    "lesson05",
    "lesson06",
    "lesson07",
]


def __getattr__(name: str) -> ModuleType:
    if name in _LESSON_MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
