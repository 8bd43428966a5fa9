"""Kubernetes HorizontalPodAutoscaler: its ``behavior`` and a simulator faithful to the controller."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .behavior import (
    DEFAULT_SCALE_DOWN,
    DEFAULT_SCALE_UP,
    HPABehavior,
    PolicyType,
    ScalingPolicy,
    ScalingRules,
    SelectPolicy,
)
from .exceptions import AutoscalingError, BehaviorError, SimulationInputError

if TYPE_CHECKING:  # the names, typed, for type checkers; loaded lazily at run time
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
    from .traffic import (
        black_friday_series,
        day_night_series,
        hours,
        with_noise,
    )

# The simulator and the traffic series need pandas and matplotlib: they load on first use, so
# `companion.kubernetes` (which needs only HPABehavior) stays light.
_LAZY = {
    **dict.fromkeys(
        ("HPAConfig", "HPAController", "ReplicaModel", "SimulationResult", "SyncDecision",
         "compare_fleets", "plot_simulation", "replicas_for_rps", "resource_replicas",
         "simulate_fixed", "simulate_hpa"),
        "simulator",
    ),
    **dict.fromkeys(("black_friday_series", "day_night_series", "hours", "with_noise"), "traffic"),
}  # fmt: skip

__all__ = [
    "DEFAULT_SCALE_DOWN",
    "DEFAULT_SCALE_UP",
    "AutoscalingError",
    "BehaviorError",
    "HPABehavior",
    "HPAConfig",
    "HPAController",
    "PolicyType",
    "ReplicaModel",
    "ScalingPolicy",
    "ScalingRules",
    "SelectPolicy",
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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
