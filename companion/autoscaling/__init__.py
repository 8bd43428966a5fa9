"""Kubernetes HorizontalPodAutoscaler: its ``behavior`` and a simulator faithful to the controller."""

from __future__ import annotations

from .behavior import (
    DEFAULT_SCALE_DOWN,
    DEFAULT_SCALE_UP,
    HPABehavior,
    ScalingPolicy,
    ScalingRules,
)
from .exceptions import AutoscalingError, BehaviorError, SimulationInputError
from .simulator import (
    HPAConfig,
    HPAController,
    ReplicaModel,
    SimulationResult,
    SyncDecision,
    compare_fleets,
    plot_simulation,
    replicas_for_rps,
    resource_replicas,
    simulate_fixed,
    simulate_hpa,
)
from .traffic import black_friday_series, day_night_series, hours, with_noise

__all__ = [
    "DEFAULT_SCALE_DOWN",
    "DEFAULT_SCALE_UP",
    "AutoscalingError",
    "BehaviorError",
    "HPABehavior",
    "HPAConfig",
    "HPAController",
    "ReplicaModel",
    "ScalingPolicy",
    "ScalingRules",
    "SimulationInputError",
    "SimulationResult",
    "SyncDecision",
    "black_friday_series",
    "compare_fleets",
    "day_night_series",
    "hours",
    "plot_simulation",
    "replicas_for_rps",
    "resource_replicas",
    "simulate_fixed",
    "simulate_hpa",
    "with_noise",
]
