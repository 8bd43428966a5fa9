"""Exercises for lesson 00 (start here): a warm-up that shows how checking works."""

from __future__ import annotations

from ..costs.traffic import HOURS_PER_MONTH
from .core import Mistake, NumericExercise

__all__ = ["q1"]

q1 = NumericExercise(
    name="q1",
    question="How many hours are in the month that cloud pricing calculators bill?",
    hint_text="A year has 365 × 24 hours; the calculators split it evenly into 12 months.",
    solution_text="`365 * 24 / 12` = 730 hours (`companion.costs.HOURS_PER_MONTH`).",
    expected=lambda: HOURS_PER_MONTH,
    unit="hours",
    rel_tol=1e-9,
    mistakes=(
        Mistake(
            lambda: 30 * 24,
            "720 is a 30-day month; AWS, GCP and Azure calculators use 365 × 24 / 12 = 730 hours.",
        ),
        Mistake(
            lambda: 31 * 24,
            "744 is a 31-day month; the calculators average the year: 365 × 24 / 12.",
        ),
        Mistake(lambda: 365 * 24, "8,760 is a whole year; divide it over the 12 months."),
    ),
    success="730 hours: 365 × 24 / 12, the month every cost in this course uses.",
)
