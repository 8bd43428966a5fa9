"""Argument checks shared by every sub-package: one place for "is this a finite number, a whole
number in range, a fraction?", raising the caller's own exception type.

Each sub-package keeps its exception hierarchy (``SimulationInputError``, ``RolloutError``, …):
it passes ``error=`` (the class for a value out of range) and, where it differs,
``type_error=`` (the class for a value of the wrong type; ``error`` when not given). Every
message names the field, what is allowed and the value that was given.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["at_least", "finite", "fraction", "in_range", "positive", "whole"]

Error = type[Exception]


def _suffix(unit: str) -> str:
    return f" {unit}" if unit else ""


def finite(
    value: object,
    name: str,
    *,
    error: Error = ValueError,
    type_error: Error | None = None,
    unit: str = "",
) -> float:
    """``value`` as a float; a bool, a non-number, NaN or ±inf raises."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise (type_error or error)(f"{name} must be a number{_of(unit)}, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise error(f"{name} must be a finite number{_of(unit)}, got {value!r}")
    return number


def _of(unit: str) -> str:
    return f" of {unit}" if unit else ""


def positive(
    value: object,
    name: str,
    *,
    error: Error = ValueError,
    type_error: Error | None = None,
    unit: str = "",
) -> float:
    """A finite number > 0."""
    number = finite(value, name, error=error, type_error=type_error, unit=unit)
    if number <= 0:
        raise error(f"{name} must be > 0{_suffix(unit)}, got {value!r}")
    return number


def at_least(
    value: object,
    name: str,
    minimum: float,
    *,
    error: Error = ValueError,
    type_error: Error | None = None,
    unit: str = "",
) -> float:
    """A finite number >= ``minimum``."""
    number = finite(value, name, error=error, type_error=type_error, unit=unit)
    if number < minimum:
        raise error(f"{name} must be >= {minimum:g}{_suffix(unit)}, got {value!r}")
    return number


def in_range(
    value: object,
    name: str,
    low: float,
    high: float,
    *,
    open_low: bool = False,
    open_high: bool = False,
    error: Error = ValueError,
    type_error: Error | None = None,
    unit: str = "",
) -> float:
    """A finite number between ``low`` and ``high`` (each end closed unless ``open_…``)."""
    number = finite(value, name, error=error, type_error=type_error, unit=unit)
    low_ok = number > low if open_low else number >= low
    high_ok = number < high if open_high else number <= high
    if not (low_ok and high_ok):
        bracket = "(" if open_low else "["
        upper = "inf)" if math.isinf(high) else f"{high:g}{')' if open_high else ']'}"
        raise error(f"{name} must be in {bracket}{low:g}, {upper}{_suffix(unit)}, got {value!r}")
    return number


def fraction(
    value: object,
    name: str,
    *,
    allow_zero: bool = True,
    allow_one: bool = True,
    error: Error = ValueError,
    type_error: Error | None = None,
) -> float:
    """A number in [0, 1] (either end excluded on request)."""
    number = finite(value, name, error=error, type_error=type_error)
    low_ok = number >= 0 if allow_zero else number > 0
    high_ok = number <= 1 if allow_one else number < 1
    if not (low_ok and high_ok):
        low = "[0" if allow_zero else "(0"
        high = "1]" if allow_one else "1)"
        raise error(f"{name} must be a fraction in {low}, {high}, got {value!r}")
    return number


def whole(
    value: object,
    name: str,
    low: int,
    high: int | None = None,
    *,
    error: Error = ValueError,
    type_error: Error | None = None,
    unit: str = "",
) -> int:
    """``value`` as an int in ``[low, high]`` (no upper end when ``high`` is None). A bool, a
    float (even 3.0) or a non-number raises: a count is never silently rounded."""
    allowed = f"from {low} to {high}" if high is not None else f">= {low}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise (type_error or error)(
            f"{name} must be a whole number {allowed}{_suffix(unit)}, got {value!r}"
        )
    number = int(value)
    if number < low or (high is not None and number > high):
        raise error(f"{name} must be {allowed}{_suffix(unit)}, got {value!r}")
    return number
