"""Errors raised by :mod:`companion.autoscaling`."""

from __future__ import annotations

from .._errors import CompanionError

__all__ = ["AutoscalingError", "BehaviorError", "SimulationInputError"]


class AutoscalingError(CompanionError, ValueError):
    """Base class for autoscaling configuration and simulation errors."""


class BehaviorError(AutoscalingError):
    """An HPA ``behavior`` value Kubernetes would reject (policy, window, selectPolicy)."""


class SimulationInputError(AutoscalingError):
    """A simulation input that cannot describe a real cluster (traffic, capacity, bounds)."""
