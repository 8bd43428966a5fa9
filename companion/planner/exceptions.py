"""Exceptions raised by :mod:`companion.planner`."""

from __future__ import annotations

from .._errors import CompanionError

__all__ = ["PlannerInputError"]


class PlannerInputError(CompanionError, ValueError):
    """A requirement or measurement given to the planner is out of range or malformed."""
