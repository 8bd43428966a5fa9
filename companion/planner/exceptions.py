"""Exceptions raised by :mod:`companion.planner`."""

from __future__ import annotations

__all__ = ["PlannerInputError"]


class PlannerInputError(ValueError):
    """A requirement or measurement given to the planner is out of range or malformed."""
