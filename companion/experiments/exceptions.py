"""Errors raised by :mod:`companion.experiments`.

Every error is a :class:`ValueError` (through :class:`ExperimentError`), so callers that already
handle bad input keep working; catch the subclass to tell the stages apart.
"""

from __future__ import annotations

from .._errors import CompanionError

__all__ = [
    "AssignmentError",
    "ExperimentError",
    "MetricsError",
    "RolloutError",
    "RoutingError",
    "StatsInputError",
]


class ExperimentError(CompanionError, ValueError):
    """Base class for A/B test, assignment, routing, statistics and rollout errors."""


class AssignmentError(ExperimentError):
    """An experiment definition or user id that cannot give a deterministic assignment."""


class RoutingError(ExperimentError):
    """A router set-up or call that cannot be served: a missing predictor, an unknown variant."""


class MetricsError(ExperimentError):
    """A latency or percentile the per-variant metrics cannot record or compute."""


class StatsInputError(ExperimentError):
    """Statistics inputs that cannot give a meaningful test result (counts, samples, levels)."""


class RolloutError(ExperimentError):
    """A gradual-rollout plan or step that is inconsistent (steps, guardrails, state)."""
