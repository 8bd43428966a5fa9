"""Small checks shared by the cost models: every bad input names its field and allowed range."""

from __future__ import annotations

import math

__all__ = ["at_least", "fraction", "integer_at_least", "positive"]


def _finite(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{field} must be a number, got {type(value).__name__}")
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{field} must be a finite number, got {value}")
    return float(value)


def at_least(value: float, field: str, minimum: float, unit: str = "") -> float:
    number = _finite(value, field)
    if number < minimum:
        suffix = f" {unit}" if unit else ""
        raise ValueError(f"{field} must be >= {minimum:g}{suffix}, got {value!r}")
    return number


def positive(value: float, field: str, unit: str = "") -> float:
    number = _finite(value, field)
    if number <= 0:
        suffix = f" ({unit})" if unit else ""
        raise ValueError(f"{field} must be > 0{suffix}, got {value!r}")
    return number


def fraction(value: float, field: str, *, allow_zero: bool = True, allow_one: bool = True) -> float:
    number = _finite(value, field)
    low_ok = number >= 0 if allow_zero else number > 0
    high_ok = number <= 1 if allow_one else number < 1
    if not (low_ok and high_ok):
        low = "[0" if allow_zero else "(0"
        high = "1]" if allow_one else "1)"
        raise ValueError(f"{field} must be a fraction in {low}, {high}, got {value!r}")
    return number


def integer_at_least(value: int, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{field} must be a whole number, got {value!r}")
    if value < minimum:
        raise ValueError(f"{field} must be >= {minimum}, got {value}")
    return value
