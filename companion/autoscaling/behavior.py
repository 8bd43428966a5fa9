"""The HorizontalPodAutoscaler ``behavior`` field (``autoscaling/v2``), as typed values.

One definition feeds both the simulator (:mod:`companion.autoscaling.simulator`) and the
manifests (:mod:`companion.kubernetes`), so what you simulate is what you deploy. Defaults are
Kubernetes' own (``pkg/apis/autoscaling/v2/defaults.go``): scale up by the larger of 4 pods or
100 % per 15 s with no stabilization window; scale down by up to 100 % per 15 s after a 300 s
stabilization window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .exceptions import BehaviorError

__all__ = [
    "DEFAULT_SCALE_DOWN",
    "DEFAULT_SCALE_UP",
    "HPABehavior",
    "PolicyType",
    "ScalingPolicy",
    "ScalingRules",
    "SelectPolicy",
]

PolicyType = Literal["Pods", "Percent"]
SelectPolicy = Literal["Max", "Min", "Disabled"]

# API validation limits (pkg/apis/autoscaling/validation): periodSeconds in (0, 1800],
# stabilizationWindowSeconds in [0, 3600], policy value > 0.
MAX_PERIOD_SECONDS = 1800
MAX_STABILIZATION_WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class ScalingPolicy:
    """Change by at most ``value`` pods (``type="Pods"``) or percent (``"Percent"``) of the
    replica count at the start of each ``period_seconds`` window."""

    type: PolicyType
    value: int
    period_seconds: int

    def __post_init__(self) -> None:
        if self.type not in ("Pods", "Percent"):
            raise BehaviorError(f'policy type must be "Pods" or "Percent", got {self.type!r}')
        if isinstance(self.value, bool) or not isinstance(self.value, int) or self.value < 1:
            raise BehaviorError(
                f"a {self.type} policy's value must be a whole number >= 1, got {self.value!r}"
            )
        if (
            isinstance(self.period_seconds, bool)
            or not isinstance(self.period_seconds, int)
            or not 1 <= self.period_seconds <= MAX_PERIOD_SECONDS
        ):
            raise BehaviorError(
                f"period_seconds must be a whole number from 1 to {MAX_PERIOD_SECONDS}, got {self.period_seconds!r}"
            )

    def to_manifest(self) -> dict[str, Any]:
        return {"type": self.type, "value": self.value, "periodSeconds": self.period_seconds}


@dataclass(frozen=True)
class ScalingRules:
    """One direction's rules: a stabilization window, policies, and how to pick among them.

    ``select_policy="Max"`` picks the policy allowing the largest change, ``"Min"`` the
    smallest, ``"Disabled"`` forbids scaling in this direction.
    """

    stabilization_window_seconds: int
    policies: tuple[ScalingPolicy, ...]
    select_policy: SelectPolicy = "Max"

    def __post_init__(self) -> None:
        window = self.stabilization_window_seconds
        if (
            isinstance(window, bool)
            or not isinstance(window, int)
            or not 0 <= window <= MAX_STABILIZATION_WINDOW_SECONDS
        ):
            raise BehaviorError(
                f"stabilization_window_seconds must be a whole number from 0 to {MAX_STABILIZATION_WINDOW_SECONDS}, got {window!r}"
            )
        if self.select_policy not in ("Max", "Min", "Disabled"):
            raise BehaviorError(
                f'select_policy must be "Max", "Min" or "Disabled", got {self.select_policy!r}'
            )
        object.__setattr__(self, "policies", tuple(self.policies))
        if not self.policies and self.select_policy != "Disabled":
            raise BehaviorError(
                'give at least one policy, or select_policy="Disabled" to forbid scaling this way'
            )
        for policy in self.policies:
            if not isinstance(policy, ScalingPolicy):
                raise BehaviorError(
                    f"policies must be ScalingPolicy values, got {type(policy).__name__}"
                )

    @property
    def longest_period_seconds(self) -> int:
        return max((p.period_seconds for p in self.policies), default=0)

    def to_manifest(self) -> dict[str, Any]:
        rules: dict[str, Any] = {
            "stabilizationWindowSeconds": self.stabilization_window_seconds,
            "selectPolicy": self.select_policy,
        }
        if self.policies:
            rules["policies"] = [p.to_manifest() for p in self.policies]
        return rules


DEFAULT_SCALE_UP = ScalingRules(
    stabilization_window_seconds=0,
    policies=(ScalingPolicy("Pods", 4, 15), ScalingPolicy("Percent", 100, 15)),
    select_policy="Max",
)
DEFAULT_SCALE_DOWN = ScalingRules(
    stabilization_window_seconds=300,
    policies=(ScalingPolicy("Percent", 100, 15),),
    select_policy="Max",
)


@dataclass(frozen=True)
class HPABehavior:
    """``spec.behavior`` of an ``autoscaling/v2`` HorizontalPodAutoscaler."""

    scale_up: ScalingRules = field(default_factory=lambda: DEFAULT_SCALE_UP)
    scale_down: ScalingRules = field(default_factory=lambda: DEFAULT_SCALE_DOWN)

    def to_manifest(self) -> dict[str, Any]:
        return {"scaleUp": self.scale_up.to_manifest(), "scaleDown": self.scale_down.to_manifest()}
