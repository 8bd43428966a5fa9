"""The cost models' argument checks: :mod:`companion._checks` with the cost models' exception
types (a value of the wrong type is a ``TypeError``, one out of range a ``ValueError``)."""

from __future__ import annotations

from companion import _checks

__all__ = ["at_least", "fraction", "integer_at_least", "positive"]


def at_least(value: float, field: str, minimum: float, unit: str = "") -> float:
    return _checks.at_least(value, field, minimum, type_error=TypeError, unit=unit)


def positive(value: float, field: str, unit: str = "") -> float:
    return _checks.positive(value, field, type_error=TypeError, unit=unit)


def fraction(value: float, field: str, *, allow_zero: bool = True, allow_one: bool = True) -> float:
    return _checks.fraction(
        value, field, allow_zero=allow_zero, allow_one=allow_one, type_error=TypeError
    )


def integer_at_least(value: int, field: str, minimum: int) -> int:
    return _checks.whole(value, field, minimum, type_error=TypeError)
