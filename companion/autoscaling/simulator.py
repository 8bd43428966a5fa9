"""A HorizontalPodAutoscaler simulator that follows the real controller, sync by sync.

The controller logic mirrors kubernetes/kubernetes ``pkg/controller/podautoscaler``
(``horizontal.go`` and ``replica_calculator.go``); each function names the Go function it
follows. What the simulator adds around it is a small model of the pods:

- one pod serves up to ``ReplicaModel.capacity_rps``; its CPU utilization (percent of its
  request, the HPA's metric) is linear in its load, optionally capped at a ceiling;
- a new pod costs money from the moment it is created and becomes Ready (serves traffic,
  reports metrics) ``startup_seconds`` later; until then the controller counts it as unready;
- on scale-down the ReplicaSet deletes not-ready pods first (newest first), then ready ones.

Timeline of a step ``i`` (time ``i × step_seconds``): pods whose ready time has come become
Ready; the metric is read (traffic spread over the Ready pods); on a sync step the controller
runs and scales; during the rest of the step the pods that now exist are billed and the Ready
ones serve. The metrics pipeline's own delay (metrics-server's scrape window) is not modelled:
the controller sees the current step's load.

Simplifications, all on purpose: one CPU-utilization metric, no "missing metrics" pods, no CPU
initialization period (a Ready pod's metric counts at once), ``currentReplicas == 0`` (scaling
disabled in Kubernetes) is not allowed, and one tolerance for both directions.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from companion import _checks

from ..costs.traffic import HOURS_PER_MONTH
from .behavior import HPABehavior, ScalingRules
from .exceptions import SimulationInputError

__all__ = [
    "HPAConfig",
    "HPAController",
    "ReplicaModel",
    "SimulationResult",
    "SyncDecision",
    "compare_fleets",
    "plot_simulation",
    "replicas_for_rps",
    "resource_replicas",
    "simulate_fixed",
    "simulate_hpa",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Kubernetes reads CPU in millicores and computes utilization as a whole percent with integer
# division; we hold utilization as a float, so forgive float noise (76.99999999 is 77 %).
_WHOLE_PERCENT_SLACK = 1e-9
STEP_COLUMNS = (
    "time_s",
    "traffic_rps",
    "replicas",
    "ready_replicas",
    "utilization_percent",
    "desired_replicas",
    "served_rps",
    "over_capacity_rps",
    "cost_usd",
)


# --------------------------------------------------------------------------------------------
# Validation helpers: every message names the field, the allowed range and the bad value.


def _finite(value: Any, field_name: str) -> float:
    return _checks.finite(value, field_name, error=SimulationInputError)


def _positive(value: Any, field_name: str, unit: str) -> float:
    return _checks.positive(value, field_name, error=SimulationInputError, unit=unit)


def _non_negative(value: Any, field_name: str, unit: str) -> float:
    return _checks.at_least(value, field_name, 0, error=SimulationInputError, unit=unit)


def _whole(value: Any, field_name: str, minimum: int) -> int:
    return _checks.whole(value, field_name, minimum, error=SimulationInputError)


def _traffic(traffic_rps: npt.ArrayLike) -> FloatArray:
    try:
        values = np.asarray(traffic_rps, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise SimulationInputError(f"traffic_rps must be numbers (requests/s): {error}") from None
    if values.ndim != 1:
        raise SimulationInputError(
            f"traffic_rps must be a 1-D series (one requests/s value a step), got shape {values.shape}"
        )
    if values.size == 0:
        raise SimulationInputError("traffic_rps must have at least one step, got an empty series")
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        index = int(np.argmax(bad))
        raise SimulationInputError(
            f"traffic_rps must be finite and >= 0 requests/s, got {values[index]!r} at step {index}"
        )
    return values


# --------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class ReplicaModel:
    """What one pod can do, from the measured load test (see ``companion.loadtest``)."""

    capacity_rps: float
    """Sustained requests/s one pod serves within the p95 latency target."""
    price_per_hour_usd: float
    """The pod's share of the node cost, per hour."""
    startup_seconds: float = 60.0
    """From creation to Ready: scheduling, image pull, model load, readiness probe."""
    utilization_at_capacity_percent: float = 100.0
    """CPU utilization (percent of the pod's CPU request) while serving ``capacity_rps``."""
    max_utilization_percent: float | None = None
    """Ceiling of the metric (CPU limit / request × 100); ``None``: no ceiling."""

    def __post_init__(self) -> None:
        _positive(self.capacity_rps, "capacity_rps", "requests/s")
        _non_negative(self.price_per_hour_usd, "price_per_hour_usd", "USD/hour")
        _non_negative(self.startup_seconds, "startup_seconds", "s")
        _positive(self.utilization_at_capacity_percent, "utilization_at_capacity_percent", "%")
        if self.max_utilization_percent is not None:
            _positive(self.max_utilization_percent, "max_utilization_percent", "% (or None)")

    def utilization_percent(self, rps_per_pod: float) -> float:
        """The metric one Ready pod reports while serving ``rps_per_pod``."""
        utilization = rps_per_pod / self.capacity_rps * self.utilization_at_capacity_percent
        if self.max_utilization_percent is not None:
            return min(utilization, self.max_utilization_percent)
        return utilization


@dataclass(frozen=True)
class HPAConfig:
    """An ``autoscaling/v2`` HPA on CPU utilization, plus the controller's own flags."""

    min_replicas: int = 1
    max_replicas: int = 10
    target_utilization_percent: float = 70.0
    """``averageUtilization``: a whole percent of the CPU request, 1-100."""
    behavior: HPABehavior = field(default_factory=HPABehavior)
    tolerance: float = 0.1
    """``--horizontal-pod-autoscaler-tolerance``: no change while the ratio is within 1 ± this."""
    sync_period_seconds: int = 15
    """``--horizontal-pod-autoscaler-sync-period``."""

    def __post_init__(self) -> None:
        _whole(self.min_replicas, "min_replicas", 1)
        _whole(self.max_replicas, "max_replicas", 1)
        if self.min_replicas > self.max_replicas:
            raise SimulationInputError(
                f"min_replicas must be <= max_replicas, got min_replicas={self.min_replicas} "
                f"> max_replicas={self.max_replicas}"
            )
        target = _finite(self.target_utilization_percent, "target_utilization_percent")
        if not (0 < target <= 100 and target == int(target)):
            raise SimulationInputError(
                "target_utilization_percent must be a whole percent in (0, 100] "
                f"(averageUtilization is an integer), got {self.target_utilization_percent!r}"
            )
        if not isinstance(self.behavior, HPABehavior):
            raise SimulationInputError(
                f"behavior must be an HPABehavior, got {type(self.behavior).__name__}"
            )
        tolerance = _finite(self.tolerance, "tolerance")
        if not 0 <= tolerance < 1:
            raise SimulationInputError(f"tolerance must be in [0, 1), got {self.tolerance!r}")
        _whole(self.sync_period_seconds, "sync_period_seconds", 1)


# --------------------------------------------------------------------------------------------
# The controller


def resource_replicas(
    current_replicas: int,
    ready_replicas: int,
    utilization_percent: float,
    target_utilization_percent: float,
    tolerance: float = 0.1,
) -> int:
    """The replica count one CPU-utilization metric proposes.

    ``current_replicas`` counts every pod (Ready and starting); ``utilization_percent`` is the
    Ready pods' mean utilization. Starting pods count as unready: on a scale-up they are taken
    as using 0 %, the ratio is recomputed, and a result within tolerance or in the other
    direction keeps the current count. Utilization is a whole percent, as in Kubernetes.
    """
    # Mirrors ReplicaCalculator.GetResourceReplicas (replica_calculator.go), with
    # GetResourceUtilizationRatio (metrics/utilization.go) and Tolerances.isWithin.
    if ready_replicas < 1 or target_utilization_percent <= 0:
        raise SimulationInputError(
            "resource_replicas needs ready_replicas >= 1 (no Ready pod: no metrics) and "
            f"target_utilization_percent > 0, got {ready_replicas} and {target_utilization_percent!r}"
        )
    unready = current_replicas - ready_replicas
    low, high = 1.0 - tolerance, 1.0 + tolerance
    utilization = int(utilization_percent + _WHOLE_PERCENT_SLACK)
    usage_ratio = utilization / target_utilization_percent
    if unready <= 0 or usage_ratio <= 1.0:
        if low <= usage_ratio <= high:
            return current_replicas
        return math.ceil(usage_ratio * ready_replicas)
    # Scale-up with unready pods: they use 0 % of their request; the request total covers all.
    new_utilization = int(
        utilization_percent * ready_replicas / current_replicas + _WHOLE_PERCENT_SLACK
    )
    new_ratio = new_utilization / target_utilization_percent
    if low <= new_ratio <= high or new_ratio < 1.0:
        return current_replicas  # too small a change, or the direction would flip
    new_replicas = math.ceil(new_ratio * current_replicas)
    if new_replicas < current_replicas:
        return current_replicas  # cannot happen with new_ratio > 1; kept as in the Go code
    return new_replicas


class SyncDecision(NamedTuple):
    """What one controller sync decided."""

    proposal: int | None
    """The metric's raw proposal (or the min/max bound when the count was out of bounds);
    ``None`` when there were no metrics (no Ready pod) and the sync failed."""
    desired_replicas: int
    """What the controller set ``spec.replicas`` to (the current count when it did not scale)."""


class _ScaleEvent:
    """``timestampedScaleEvent``: a replica change, when, and whether it may be overwritten."""

    __slots__ = ("change", "outdated", "time_s")

    def __init__(self, change: int, time_s: float) -> None:
        self.change = change
        self.time_s = time_s
        self.outdated = False


def _replicas_change_in_period(period_s: int, events: list[_ScaleEvent], now_s: float) -> int:
    # Mirrors getReplicasChangePerPeriod (horizontal.go): events strictly after now - period.
    cutoff = now_s - period_s
    return sum(event.change for event in events if event.time_s > cutoff)


def _period_start(
    current: int, up: list[_ScaleEvent], down: list[_ScaleEvent], period_s: int, now_s: float
) -> int:
    """The replica count at the start of a policy's period: the base its limit counts from."""
    added = _replicas_change_in_period(period_s, up, now_s)
    deleted = _replicas_change_in_period(period_s, down, now_s)
    return current - added + deleted


def _scale_up_limit(
    current: int, up: list[_ScaleEvent], down: list[_ScaleEvent], rules: ScalingRules, now_s: float
) -> int:
    # Mirrors calculateScaleUpLimitWithScalingRules (horizontal.go).
    if rules.select_policy == "Disabled":
        return current
    proposals = []
    for policy in rules.policies:
        start = _period_start(current, up, down, policy.period_seconds, now_s)
        if policy.type == "Pods":
            proposals.append(start + policy.value)
        else:  # Percent: rounded up, so that a small fleet can always grow
            proposals.append(math.ceil(start * (1 + policy.value / 100)))
    return min(proposals) if rules.select_policy == "Min" else max(proposals)


def _scale_down_limit(
    current: int, up: list[_ScaleEvent], down: list[_ScaleEvent], rules: ScalingRules, now_s: float
) -> int:
    # Mirrors calculateScaleDownLimitWithBehaviors (horizontal.go). "Min" is the least change,
    # that is the *largest* proposal; "Max" the most change, the smallest proposal.
    if rules.select_policy == "Disabled":
        return current
    proposals = []
    for policy in rules.policies:
        start = _period_start(current, up, down, policy.period_seconds, now_s)
        if policy.type == "Pods":
            proposals.append(start - policy.value)
        else:  # Percent: truncated toward zero
            proposals.append(int(start * (1 - policy.value / 100)))
    return max(proposals) if rules.select_policy == "Min" else min(proposals)


def _store_scale_event(
    events: list[_ScaleEvent], change: int, longest_period_s: int, now_s: float
) -> None:
    # Mirrors storeScaleEvent + markScaleEventsOutdated (horizontal.go): events older than the
    # direction's longest policy period are marked outdated, and the new event overwrites the
    # last outdated one (or is appended). Outdated events are not deleted: until overwritten they
    # still count in getReplicasChangePerPeriod, e.g. in the other direction's longer period.
    cutoff = now_s - longest_period_s
    slot = -1
    for index, event in enumerate(events):
        if event.time_s < cutoff:
            event.outdated = True
        if event.outdated:
            slot = index
    if slot >= 0:
        events[slot] = _ScaleEvent(change, now_s)
    else:
        events.append(_ScaleEvent(change, now_s))


class HPAController:
    """The state the HPA controller keeps for one HPA between syncs, and its sync.

    Call :meth:`sync` once per sync period with the cluster's state; ``now_s`` must not go
    backwards. :func:`simulate_hpa` drives it; tests can drive it directly.
    """

    __slots__ = (
        "_down_events",
        "_down_recommendations",
        "_down_window_s",
        "_hpa",
        "_longest_down_s",
        "_longest_up_s",
        "_max",
        "_min",
        "_seeded",
        "_target",
        "_tolerance",
        "_up_events",
        "_up_recommendations",
        "_up_window_s",
    )

    def __init__(self, hpa: HPAConfig) -> None:
        if not isinstance(hpa, HPAConfig):
            raise SimulationInputError(f"hpa must be an HPAConfig, got {type(hpa).__name__}")
        self._hpa = hpa
        behavior = hpa.behavior
        self._up_window_s = behavior.scale_up.stabilization_window_seconds
        self._down_window_s = behavior.scale_down.stabilization_window_seconds
        self._longest_up_s = behavior.scale_up.longest_period_seconds
        self._longest_down_s = behavior.scale_down.longest_period_seconds
        self._min, self._max = hpa.min_replicas, hpa.max_replicas
        self._target, self._tolerance = hpa.target_utilization_percent, hpa.tolerance
        # a.recommendations[key], kept as two monotonic deques of (time, recommendation): the
        # minimum over the scale-up window and the maximum over the scale-down window are their
        # first items. Same answers as scanning the Go list, in O(1) per sync.
        self._up_recommendations: deque[tuple[float, int]] = deque()
        self._down_recommendations: deque[tuple[float, int]] = deque()
        self._up_events: list[_ScaleEvent] = []
        self._down_events: list[_ScaleEvent] = []
        self._seeded = False

    @property
    def hpa(self) -> HPAConfig:
        return self._hpa

    def sync(
        self, now_s: float, current_replicas: int, ready_replicas: int, utilization_percent: float
    ) -> SyncDecision:
        """One reconcile: ``current_replicas`` pods exist, ``ready_replicas`` of them Ready with
        mean ``utilization_percent``; returns the proposal and the new ``spec.replicas``."""
        _whole(current_replicas, "current_replicas", 1)
        _whole(ready_replicas, "ready_replicas", 0)
        if ready_replicas > current_replicas:
            raise SimulationInputError(
                f"ready_replicas must be <= current_replicas ({current_replicas}), got {ready_replicas}"
            )
        if ready_replicas:
            _non_negative(utilization_percent, "utilization_percent", "%")
        proposal, desired = self._sync(
            float(now_s), current_replicas, ready_replicas, utilization_percent
        )
        return SyncDecision(proposal, desired)

    def _sync(
        self, now_s: float, current: int, ready: int, utilization: float
    ) -> tuple[int | None, int]:
        # Mirrors HorizontalController.reconcileAutoscaler (horizontal.go), minus the API calls.
        if not self._seeded:
            # recordInitialRecommendation: the first sync seeds the recommendations with the
            # current count, so a fresh HPA holds its starting size for one scale-down window.
            self._seeded = True
            self._up_recommendations.append((now_s, current))
            self._down_recommendations.append((now_s, current))
        if current > self._max:
            proposal = desired = self._max
        elif current < self._min:
            proposal = desired = self._min
        elif ready == 0:
            # "did not receive metrics for targeted pods": the reconcile fails, nothing changes.
            return None, current
        else:
            proposal = resource_replicas(current, ready, utilization, self._target, self._tolerance)
            # normalizeDesiredReplicasWithBehaviors (horizontal.go): stabilize, then limit the
            # rate. Its first call, maybeInitScaleDownStabilizationWindow, only fills in a
            # missing scale-down window from a controller flag; HPABehavior always has one.
            recommendation = self._stabilize(now_s, current, proposal)
            if recommendation == current:
                return proposal, current
            desired = self._limit_rate(now_s, current, recommendation)
        if desired != current:
            self._record_scale(now_s, current, desired)
        return proposal, desired

    def _stabilize(self, now_s: float, current: int, proposal: int) -> int:
        # Mirrors stabilizeRecommendationWithBehaviors (horizontal.go): the lowest proposal in
        # the scale-up window and the highest in the scale-down window (records strictly after
        # now - window, plus this one) bound the move from the current count.
        up = proposal
        if self._up_window_s:  # with no window no stored record can count: skip the bookkeeping
            ups = self._up_recommendations
            cutoff = now_s - self._up_window_s
            while ups and ups[0][0] <= cutoff:
                ups.popleft()
            if ups and ups[0][1] < proposal:
                up = ups[0][1]
            while ups and ups[-1][1] >= proposal:
                ups.pop()
            ups.append((now_s, proposal))

        down = proposal
        if self._down_window_s:
            downs = self._down_recommendations
            cutoff = now_s - self._down_window_s
            while downs and downs[0][0] <= cutoff:
                downs.popleft()
            if downs and downs[0][1] > proposal:
                down = downs[0][1]
            while downs and downs[-1][1] <= proposal:
                downs.pop()
            downs.append((now_s, proposal))

        recommendation = current
        if recommendation < up:
            recommendation = up
        if recommendation > down:
            recommendation = down
        return recommendation

    def _limit_rate(self, now_s: float, current: int, desired: int) -> int:
        # Mirrors convertDesiredReplicasWithBehaviorRate (horizontal.go).
        # At a bound the answer is the bound whatever the policies allow (the limit is clamped to
        # the current count first): skip computing it, as a night at minReplicas asks each sync.
        if desired > current >= self._max:
            return current
        if desired < current <= self._min:
            return current
        behavior = self._hpa.behavior
        if desired > current:
            limit = _scale_up_limit(
                current, self._up_events, self._down_events, behavior.scale_up, now_s
            )
            limit = max(limit, current)  # no further scale-up until old events expire
            return min(desired, self._max, limit)
        if desired < current:
            limit = _scale_down_limit(
                current, self._up_events, self._down_events, behavior.scale_down, now_s
            )
            limit = min(limit, current)
            return max(desired, self._min, limit)
        return desired

    def _record_scale(self, now_s: float, current: int, desired: int) -> None:
        # Mirrors storeScaleEvent (horizontal.go).
        if desired > current:
            _store_scale_event(self._up_events, desired - current, self._longest_up_s, now_s)
        else:
            _store_scale_event(self._down_events, current - desired, self._longest_down_s, now_s)


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """A simulated fleet, step by step, with the totals a cost comparison needs.

    ``steps`` columns: ``time_s`` (step start), ``traffic_rps`` (offered), ``replicas`` (pods
    that exist, and are billed, during the step), ``ready_replicas`` (those serving),
    ``utilization_percent`` (the metric at the step's start; NaN with no Ready pod),
    ``desired_replicas`` (the controller's raw proposal on sync steps, NaN otherwise),
    ``served_rps``, ``over_capacity_rps`` (offered beyond the Ready pods' capacity) and
    ``cost_usd`` (the step's cost).
    """

    steps: Any  # pandas.DataFrame
    step_seconds: int
    replica: ReplicaModel
    name: str = ""
    hpa: HPAConfig | None = None

    @property
    def duration_hours(self) -> float:
        return len(self.steps) * self.step_seconds / 3600

    @property
    def cost_usd(self) -> float:
        return float(self.steps["cost_usd"].sum())

    @property
    def monthly_cost_usd(self) -> float:
        """The cost scaled to a 730-hour month (``cost_usd / duration_hours × 730``)."""
        return self.cost_usd / self.duration_hours * HOURS_PER_MONTH

    @property
    def requests_offered(self) -> float:
        return float(self.steps["traffic_rps"].sum()) * self.step_seconds

    @property
    def requests_over_capacity(self) -> float:
        return float(self.steps["over_capacity_rps"].sum()) * self.step_seconds

    @property
    def over_capacity_fraction(self) -> float:
        offered = self.requests_offered
        return self.requests_over_capacity / offered if offered > 0 else 0.0

    @property
    def violation_minutes(self) -> int:
        """Clock minutes in which some offered traffic found no Ready capacity."""
        over = self.steps["over_capacity_rps"].to_numpy() > 0
        if not over.any():
            return 0
        start = self.steps["time_s"].to_numpy()[over]
        first = start // 60
        last = (start + self.step_seconds - 1) // 60  # the last minute the step touches
        marks = np.zeros(int(last.max()) + 2, dtype=np.int64)
        np.add.at(marks, first, 1)
        np.add.at(marks, last + 1, -1)
        return int(np.count_nonzero(np.cumsum(marks)))

    @property
    def mean_replicas(self) -> float:
        return float(self.steps["replicas"].mean())

    @property
    def max_replicas(self) -> int:
        return int(self.steps["replicas"].max())

    @property
    def replica_hours(self) -> float:
        return float(self.steps["replicas"].sum()) * self.step_seconds / 3600

    @property
    def scale_events(self) -> int:
        """How many times the replica count changed."""
        return int(np.count_nonzero(np.diff(self.steps["replicas"].to_numpy())))

    def summary(self) -> dict[str, Any]:
        """The totals as a plain dict (for tables and JSON)."""
        return {
            "name": self.name,
            "duration_hours": self.duration_hours,
            "cost_usd": self.cost_usd,
            "monthly_cost_usd": self.monthly_cost_usd,
            "mean_replicas": self.mean_replicas,
            "max_replicas": self.max_replicas,
            "replica_hours": self.replica_hours,
            "scale_events": self.scale_events,
            "requests_offered": self.requests_offered,
            "requests_over_capacity": self.requests_over_capacity,
            "over_capacity_percent": 100 * self.over_capacity_fraction,
            "violation_minutes": self.violation_minutes,
        }


def _result(
    traffic: FloatArray,
    replicas: IntArray,
    ready: IntArray,
    seen_ready: IntArray,
    desired: FloatArray,
    replica: ReplicaModel,
    step_seconds: int,
    name: str,
    hpa: HPAConfig | None,
) -> SimulationResult:
    with np.errstate(divide="ignore", invalid="ignore"):
        utilization = (
            traffic / seen_ready * (replica.utilization_at_capacity_percent / replica.capacity_rps)
        )
    utilization[seen_ready == 0] = np.nan
    if replica.max_utilization_percent is not None:
        utilization = np.minimum(utilization, replica.max_utilization_percent)
    served = np.minimum(traffic, ready * replica.capacity_rps)
    frame = pd.DataFrame(
        {
            "time_s": np.arange(traffic.size, dtype=np.int64) * step_seconds,
            "traffic_rps": traffic,
            "replicas": replicas,
            "ready_replicas": ready,
            "utilization_percent": utilization,
            "desired_replicas": desired,
            "served_rps": served,
            "over_capacity_rps": traffic - served,
            "cost_usd": replicas * (replica.price_per_hour_usd * step_seconds / 3600),
        },
        columns=list(STEP_COLUMNS),
    )
    return SimulationResult(frame, step_seconds, replica, name, hpa)


# --------------------------------------------------------------------------------------------
# Simulations


def replicas_for_rps(rps: float, replica: ReplicaModel, utilization_percent: float = 100.0) -> int:
    """Pods needed to serve ``rps`` with each loaded to ``utilization_percent`` of its capacity:
    ``ceil(rps / (capacity_rps × utilization_percent / 100))``, at least 1."""
    load = _non_negative(rps, "rps", "requests/s")
    share = _finite(utilization_percent, "utilization_percent")
    if not 0 < share <= 100:
        raise SimulationInputError(
            f"utilization_percent must be in (0, 100] (% of capacity_rps), got {utilization_percent!r}"
        )
    if not isinstance(replica, ReplicaModel):
        raise SimulationInputError(f"replica must be a ReplicaModel, got {type(replica).__name__}")
    return max(1, math.ceil(load * 100 / (replica.capacity_rps * share)))


def _check_step(step_seconds: int, sync_period_seconds: int | None = None) -> int:
    step = _whole(step_seconds, "step_seconds", 1)
    if sync_period_seconds is not None and sync_period_seconds % step:
        raise SimulationInputError(
            f"step_seconds must divide sync_period_seconds ({sync_period_seconds} s), got {step_seconds!r}"
        )
    return step


def simulate_fixed(
    traffic_rps: npt.ArrayLike, replica: ReplicaModel, replicas: int, *, step_seconds: int = 15
) -> SimulationResult:
    """A fleet of ``replicas`` always-Ready pods, for comparison with an autoscaled one."""
    traffic = _traffic(traffic_rps)
    if not isinstance(replica, ReplicaModel):
        raise SimulationInputError(f"replica must be a ReplicaModel, got {type(replica).__name__}")
    count = _whole(replicas, "replicas", 1)
    step = _check_step(step_seconds)
    fleet = np.full(traffic.size, count, dtype=np.int64)
    desired = np.full(traffic.size, np.nan)
    return _result(traffic, fleet, fleet, fleet, desired, replica, step, f"fixed {count}", None)


def _initial_replicas(
    first_rps: float, replica: ReplicaModel, hpa: HPAConfig, initial_replicas: int | None
) -> int:
    """``initial_replicas``, or by default as many pods as the target utilization needs for
    ``first_rps``, within the HPA's bounds."""
    if initial_replicas is not None:
        return _whole(initial_replicas, "initial_replicas", 1)
    share = 100 * hpa.target_utilization_percent / replica.utilization_at_capacity_percent
    needed = replicas_for_rps(first_rps, replica, min(share, 100.0))
    return min(max(needed, hpa.min_replicas), hpa.max_replicas)


class _Pods:
    """The Deployment's pods: ``ready`` ones, and batches still starting up."""

    __slots__ = ("ready", "starting", "starting_count")

    def __init__(self, ready: int) -> None:
        self.ready = ready
        self.starting: deque[list[float]] = deque()  # [ready time, pod count], oldest first
        self.starting_count = 0

    @property
    def total(self) -> int:
        return self.ready + self.starting_count

    def promote(self, now_s: float) -> None:
        """Pods whose ready time has come become Ready."""
        starting = self.starting
        while starting and starting[0][0] <= now_s:
            batch = starting.popleft()
            self.ready += int(batch[1])
            self.starting_count -= int(batch[1])

    def scale_to(self, desired: int, ready_at_s: float) -> None:
        """Create pods (Ready at ``ready_at_s``) or delete them, to ``desired`` in all."""
        current = self.total
        if desired > current:
            self.starting.append([ready_at_s, desired - current])
            self.starting_count += desired - current
        elif desired < current:
            self._delete(current - desired)

    def _delete(self, remove: int) -> None:
        # The ReplicaSet deletes not-ready pods first, newest first, then Ready ones.
        while remove and self.starting:
            newest = self.starting[-1]
            take = min(remove, int(newest[1]))
            newest[1] -= take
            self.starting_count -= take
            remove -= take
            if newest[1] == 0:
                self.starting.pop()
        self.ready -= remove


def _observed_utilization(
    rps: float, ready: int, rps_to_utilization: float, ceiling: float
) -> float:
    """The metric the controller reads: traffic spread over the Ready pods, capped at the
    ceiling; NaN with no Ready pod."""
    if not ready:
        return math.nan
    return min(rps / ready * rps_to_utilization, ceiling)


class _Timeline(NamedTuple):
    replicas: IntArray
    ready: IntArray
    seen_ready: IntArray
    desired: FloatArray


def _run_hpa(
    traffic: FloatArray, replica: ReplicaModel, hpa: HPAConfig, step: int, initial: int
) -> _Timeline:
    """Step through ``traffic``: pods become Ready, the metric is read, the controller syncs
    every ``hpa.sync_period_seconds`` and scales (see the module's timeline of a step)."""
    count = traffic.size
    steps_per_sync = hpa.sync_period_seconds // step
    rps_to_utilization = replica.utilization_at_capacity_percent / replica.capacity_rps
    ceiling = (
        math.inf if replica.max_utilization_percent is None else replica.max_utilization_percent
    )
    startup_s = replica.startup_seconds
    sync = HPAController(hpa)._sync
    traffic_list: list[float] = traffic.tolist()

    replicas_out = [0] * count
    ready_out = [0] * count
    seen_out = [0] * count
    desired_out = [math.nan] * count
    pods = _Pods(initial)
    for i in range(count):
        now_s = i * step
        if pods.starting_count:
            pods.promote(now_s)
        ready = pods.ready
        seen_out[i] = ready
        if i % steps_per_sync == 0:
            utilization = _observed_utilization(traffic_list[i], ready, rps_to_utilization, ceiling)
            proposal, desired = sync(now_s, ready + pods.starting_count, ready, utilization)
            if proposal is not None:
                desired_out[i] = proposal
            pods.scale_to(desired, now_s + startup_s)
        replicas_out[i] = pods.ready + pods.starting_count
        ready_out[i] = pods.ready
    return _Timeline(
        np.array(replicas_out, dtype=np.int64),
        np.array(ready_out, dtype=np.int64),
        np.array(seen_out, dtype=np.int64),
        np.array(desired_out, dtype=np.float64),
    )


def simulate_hpa(
    traffic_rps: npt.ArrayLike,
    replica: ReplicaModel,
    hpa: HPAConfig,
    *,
    step_seconds: int = 15,
    initial_replicas: int | None = None,
) -> SimulationResult:
    """Simulate ``hpa`` scaling pods described by ``replica`` under ``traffic_rps``.

    ``traffic_rps`` holds one requests/s value per ``step_seconds`` step; the controller syncs
    at t = 0 and every ``hpa.sync_period_seconds`` (which ``step_seconds`` must divide).
    ``initial_replicas`` pods are Ready at t = 0; by default, as many as the target utilization
    needs for the first step's traffic, within the HPA's bounds. A count outside
    ``[min_replicas, max_replicas]`` is allowed: the controller's first sync brings it in
    bounds, as it does for a Deployment an HPA is attached to.
    """
    traffic = _traffic(traffic_rps)
    if not isinstance(replica, ReplicaModel):
        raise SimulationInputError(f"replica must be a ReplicaModel, got {type(replica).__name__}")
    if not isinstance(hpa, HPAConfig):
        raise SimulationInputError(f"hpa must be an HPAConfig, got {type(hpa).__name__}")
    step = _check_step(step_seconds, hpa.sync_period_seconds)
    initial = _initial_replicas(float(traffic[0]), replica, hpa, initial_replicas)
    timeline = _run_hpa(traffic, replica, hpa, step, initial)
    return _result(
        traffic,
        *timeline,
        replica,
        step,
        f"HPA {hpa.min_replicas}-{hpa.max_replicas} @ {hpa.target_utilization_percent:g}%",
        hpa,
    )


# --------------------------------------------------------------------------------------------
# Comparison and plot


def compare_fleets(results: Mapping[str, SimulationResult]) -> Any:
    """One row per fleet (indexed by name): costs, replicas, and what was over capacity.

    ``savings_vs_first_percent`` compares each fleet's monthly cost with the first one's.
    """
    if not isinstance(results, Mapping) or not results:
        raise SimulationInputError(
            "results must be a non-empty mapping of name -> SimulationResult"
        )
    rows = []
    for name, result in results.items():
        if not isinstance(result, SimulationResult):
            raise SimulationInputError(
                f"results[{name!r}] must be a SimulationResult, got {type(result).__name__}"
            )
        summary = result.summary()
        summary["name"] = name
        rows.append(summary)
    frame = pd.DataFrame(rows).set_index("name")
    first = float(frame["monthly_cost_usd"].iloc[0])
    frame["savings_vs_first_percent"] = (
        100 * (1 - frame["monthly_cost_usd"] / first) if first > 0 else np.nan
    )
    columns = [
        "cost_usd",
        "monthly_cost_usd",
        "savings_vs_first_percent",
        "mean_replicas",
        "max_replicas",
        "replica_hours",
        "scale_events",
        "requests_offered",
        "requests_over_capacity",
        "over_capacity_percent",
        "violation_minutes",
    ]
    return frame[columns]


def plot_simulation(
    result: SimulationResult, ax_or_axes: Any = None, title: str | None = None
) -> Any:
    """Traffic against Ready capacity (over-capacity shaded) above, replicas below; x in hours.

    ``ax_or_axes``: ``None`` (a new figure), a pair of Axes, or one Axes (replicas then go on
    a twin y axis). Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, SimulationResult):
        raise SimulationInputError(
            f"result must be a SimulationResult, got {type(result).__name__}"
        )
    frame = result.steps
    x = frame["time_s"].to_numpy() / 3600
    traffic = frame["traffic_rps"].to_numpy()
    capacity = frame["ready_replicas"].to_numpy() * result.replica.capacity_rps
    twin = False
    if ax_or_axes is None:
        figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(10, 6))
    elif isinstance(ax_or_axes, Sequence | np.ndarray):
        top, bottom = ax_or_axes
        figure = top.figure
    else:
        top, twin = ax_or_axes, True
        bottom = top.twinx()
        figure = top.figure
    top.plot(x, traffic, lw=1, label="offered (req/s)")
    top.step(x, capacity, where="post", lw=1, label="Ready capacity (req/s)")
    over = frame["over_capacity_rps"].to_numpy() > 0
    if over.any():
        top.fill_between(
            x, np.minimum(traffic, capacity), traffic, where=over, step="post",
            color="tab:red", alpha=0.35, label="over capacity",
        )  # fmt: skip
    top.set_ylabel("requests/s")
    top.legend(loc="upper left", fontsize=8)
    top.grid(True, alpha=0.3)
    bottom.step(
        x, frame["replicas"], where="post", lw=1, color="tab:green", label="replicas (billed)"
    )
    bottom.step(
        x, frame["ready_replicas"], where="post", lw=1, ls="--", color="tab:olive", label="Ready"
    )
    bottom.set_ylabel("replicas")
    bottom.legend(loc="upper right", fontsize=8)
    if twin:
        top.set_xlabel("hours")
    else:
        bottom.set_xlabel("hours")
        bottom.grid(True, alpha=0.3)
    top.set_title(title if title is not None else result.name)
    return figure
