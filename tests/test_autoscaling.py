"""Spec tests for companion.autoscaling: the HPA controller, the pod model, fleets and traffic.

Every expected number is worked out by hand in the comments from the Kubernetes controller's
rules (kubernetes/kubernetes pkg/controller/podautoscaler), never read back from the code.
Conventions used below: target 100 % and ``ready == current`` unless said otherwise, so the
usage ratio is ``utilization / 100``; syncs every 15 s.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from companion.autoscaling import (
    HPABehavior,
    HPAConfig,
    HPAController,
    ReplicaModel,
    ScalingPolicy,
    ScalingRules,
    SimulationInputError,
    SimulationResult,
    black_friday_series,
    compare_fleets,
    day_night_series,
    hours,
    plot_simulation,
    replicas_for_rps,
    resource_replicas,
    simulate_fixed,
    simulate_hpa,
    with_noise,
)
from companion.costs import HOURS_PER_MONTH
from companion.scenario import BLACK_FRIDAY_RPS, DAY_RPS, NIGHT_RPS

HUGE = 10_000.0  # a utilization (%) far above any target: the metric asks for "many more"

# 100 req/s a pod at 100 % CPU: utilization % == req/s per pod.
POD = ReplicaModel(capacity_rps=100, price_per_hour_usd=0.10, startup_seconds=60)


def rules(*policies: ScalingPolicy, window: int = 0, select: str = "Max") -> ScalingRules:
    return ScalingRules(window, tuple(policies), select)  # type: ignore[arg-type]


def pods(value: int, period: int = 15) -> ScalingPolicy:
    return ScalingPolicy("Pods", value, period)


def percent(value: int, period: int = 15) -> ScalingPolicy:
    return ScalingPolicy("Percent", value, period)


def controller(
    *, up: ScalingRules | None = None, down: ScalingRules | None = None, **config: object
) -> HPAController:
    behavior = HPABehavior(
        **({"scale_up": up} if up else {}), **({"scale_down": down} if down else {})
    )
    settings: dict[str, object] = {
        "min_replicas": 1,
        "max_replicas": 100,
        "target_utilization_percent": 100,
    }
    settings.update(config)
    return HPAController(HPAConfig(behavior=behavior, **settings))  # type: ignore[arg-type]


NO_DOWN_WINDOW = rules(percent(100), window=0)  # default scale-down policy, no stabilization


# ---------------------------------------------------------------------------------------------
# The replica calculation (GetResourceReplicas)


@pytest.mark.parametrize(
    ("utilization", "expected", "why"),
    [
        (109, 10, "ratio 1.09 is within 1 ± 0.1: keep 10"),
        (91, 10, "ratio 0.91 is within the band: keep 10"),
        (110, 10, "exactly 1.1: the band is closed (1 - tol <= r <= 1 + tol)"),
        (90, 10, "exactly 0.9: also inside"),
        (111, 12, "1.11 × 10 = 11.1, rounded up: 12"),
        (89, 9, "0.89 × 10 = 8.9, rounded up: 9"),
        (200, 20, "2.0 × 10 = 20"),
        (30, 3, "0.3 × 10 = 3"),
        (0, 0, "no load proposes 0 (minReplicas applies later)"),
    ],
)
def test_tolerance_band(utilization: float, expected: int, why: str) -> None:
    assert resource_replicas(10, 10, utilization, 100) == expected, why


@pytest.mark.parametrize(
    ("utilization", "expected", "why"),
    [
        (76.9, 10, "Kubernetes truncates to a whole percent: 76/70 = 1.086, in the band"),
        (77.0, 10, "77/70 = 1.1 exactly: in the band"),
        (77.99, 10, "still 77 %: in the band"),
        (78.0, 12, "78/70 = 1.114: ceil(11.14) = 12"),
    ],
)
def test_utilization_is_a_whole_percent(utilization: float, expected: int, why: str) -> None:
    assert resource_replicas(10, 10, utilization, 70) == expected, why


@pytest.mark.parametrize(
    ("utilization", "expected", "why"),
    [
        # 10 pods, 5 Ready and 5 starting (unready), target 70 %.
        (150, 10, "150/70 = 2.14 > 1; starting pods as 0 %: 75/70 = 1.07 is in the band, keep"),
        (100, 10, "100/70 = 1.43 > 1; recomputed 50/70 = 0.71 < 1 flips direction, keep"),
        (210, 15, "recomputed 105/70 = 1.5 over all 10 pods: ceil(15.0) = 15"),
        (180, 13, "recomputed 90/70 = 1.286: ceil(12.86) = 13"),
        (35, 3, "35/70 = 0.5 <= 1: starting pods are ignored, ceil(0.5 × 5 Ready) = 3"),
    ],
)
def test_starting_pods_count_as_zero_on_scale_up(
    utilization: float, expected: int, why: str
) -> None:
    assert resource_replicas(10, 5, utilization, 70) == expected, why


def test_no_ready_pod_means_no_metrics_and_no_change() -> None:
    hpa = controller()
    # "did not receive metrics for targeted pods": the reconcile fails and keeps 3 pods.
    decision = hpa.sync(0, 3, 0, math.nan)
    assert decision.proposal is None
    assert decision.desired_replicas == 3


# ---------------------------------------------------------------------------------------------
# Stabilization windows


def test_scale_down_waits_for_the_300_s_window() -> None:
    # Pods sized at 50 % (target 50): 1,000 req/s needs 20 pods. At t = 1200 s the load drops to
    # 100 req/s: 5 % per pod, ratio 0.1, proposal ceil(0.1 × 20) = 2. The last "20" proposal was
    # made at t = 1185 s; a record counts while it is strictly newer than now - 300 s, so the
    # window holds 20 up to t = 1470 and releases at t = 1485 s (step 99). The default policy
    # (100 % per 15 s) then allows the whole drop: 20 -> 2.
    traffic = np.r_[np.full(80, 1000.0), np.full(40, 100.0)]
    hpa = HPAConfig(min_replicas=1, max_replicas=40, target_utilization_percent=50)
    steps = simulate_hpa(traffic, POD, hpa, initial_replicas=20).steps
    assert steps["desired_replicas"].iloc[80] == 2  # the metric asks at once
    assert (steps["replicas"].iloc[:99] == 20).all()  # ... the window says no until t = 1485 s
    assert steps["time_s"].iloc[99] == 1485
    assert (steps["replicas"].iloc[99:] == 2).all()


@pytest.mark.parametrize(
    ("window_s", "drop_step", "why"),
    [
        (0, 80, "no window: down at the sync that sees the drop (t = 1200 s)"),
        (60, 83, "last high record at 1185 s counts while 1185 > now - 60: down at t = 1245 s"),
        (300, 99, "down at t = 1485 s"),
    ],
)
def test_scale_down_window_length(window_s: int, drop_step: int, why: str) -> None:
    traffic = np.r_[np.full(80, 1000.0), np.full(40, 100.0)]
    behavior = HPABehavior(scale_down=rules(percent(100), window=window_s))
    hpa = HPAConfig(1, 40, 50, behavior)
    replicas = simulate_hpa(traffic, POD, hpa, initial_replicas=20).steps["replicas"]
    assert (replicas.iloc[:drop_step] == 20).all(), why
    assert replicas.iloc[drop_step] == 2, why


def test_first_sync_seeds_the_window_with_the_starting_size() -> None:
    # recordInitialRecommendation: a new HPA over 10 pods that need only 2 (100 req/s at 50 %)
    # remembers "10" at t = 0, so it holds 10 until t = 300 s (step 20), then goes to 2.
    traffic = np.full(30, 100.0)
    hpa = HPAConfig(1, 40, 50)
    steps = simulate_hpa(traffic, POD, hpa, initial_replicas=10).steps
    assert steps["desired_replicas"].iloc[0] == 2
    assert (steps["replicas"].iloc[:20] == 10).all()
    assert (steps["replicas"].iloc[20:] == 2).all()


def test_scale_up_window_takes_the_lowest_recent_proposal() -> None:
    # A 30 s scale-up window: the proposal must persist 30 s before it is acted on.
    hpa = controller(up=rules(pods(100), window=30))
    assert hpa.sync(0, 4, 4, 100).desired_replicas == 4  # proposal 4 (in the band)
    assert hpa.sync(15, 4, 4, 200).desired_replicas == 4  # proposes 8; 4 at t=0 is recent
    assert hpa.sync(30, 4, 4, 200).desired_replicas == 8  # t=0 is out (not > 30 - 30)


# ---------------------------------------------------------------------------------------------
# Rate limits (policies)


@pytest.mark.parametrize(
    ("current", "expected", "why"),
    [
        (1, 5, "default policies: max(1 + 4 pods, ceil(1 × 2)) = 5"),
        (3, 7, "max(3 + 4, 6) = 7"),
        (10, 20, "max(10 + 4, 10 × 2) = 20: 100 % beats 4 pods"),
    ],
)
def test_default_scale_up_limit(current: int, expected: int, why: str) -> None:
    assert controller().sync(0, current, current, HUGE).desired_replicas == expected, why


def test_scale_up_from_one_pod_under_a_flood() -> None:
    # 10 req/s pods, 10,000 req/s, target 50 %, max 100, pods Ready after 60 s.
    # t=0: 1 -> 5 (max(1+4, 2)).  t=15: 1 Ready, 4 starting; the metric still asks for
    # thousands (recomputed with starting pods at 0 %); the t=0 event is not newer than
    # 15 - 15 = 0, so the period starts at 5: max(9, 10) = 10.  t=30: 20.  t=45: 40.
    # t=60: 80.  t=75: max(84, 160) = 160, capped by maxReplicas: 100.
    small = ReplicaModel(capacity_rps=10, price_per_hour_usd=0.01, startup_seconds=60)
    hpa = HPAConfig(min_replicas=1, max_replicas=100, target_utilization_percent=50)
    steps = simulate_hpa(np.full(8, 10_000.0), small, hpa, initial_replicas=1).steps
    assert steps["replicas"].tolist() == [5, 10, 20, 40, 80, 100, 100, 100]
    assert steps["ready_replicas"].tolist() == [1, 1, 1, 1, 5, 10, 20, 40]


@pytest.mark.parametrize(
    ("now_s", "expected", "why"),
    [
        (0, 5, "1 + 4"),
        (15, 5, "the +4 at t=0 is in the 60 s period: start 5 - 4 = 1, limit 1 + 4 = 5"),
        (30, 5, "same period"),
        (45, 5, "same period"),
        (60, 9, "t=0 is not newer than 60 - 60: start 5, limit 9"),
        (75, 9, "the +4 at t=60 is in the period: start 5, limit 9"),
    ],
)
def test_pods_policy_counts_from_the_period_start(now_s: int, expected: int, why: str) -> None:
    hpa = controller(up=rules(pods(4, period=60)))
    current = 1
    for t in range(0, now_s + 1, 15):
        current = hpa.sync(t, current, current, HUGE).desired_replicas
    assert current == expected, why


def test_scale_down_in_the_period_raises_the_scale_up_base() -> None:
    # periodStartReplicas = current - added + deleted. t=0: 10 pods at 10 % -> 1 (down 9).
    # t=15: 1 pod flooded; Pods 4 per 60 s; deleted in the period: 9, so the period started at
    # 1 + 9 = 10 and the limit is 10 + 4 = 14.
    hpa = controller(up=rules(pods(4, period=60)), down=NO_DOWN_WINDOW)
    assert hpa.sync(0, 10, 10, 10).desired_replicas == 1
    assert hpa.sync(15, 1, 1, HUGE).desired_replicas == 14


def test_outdated_scale_events_linger_until_overwritten() -> None:
    # storeScaleEvent marks events older than the direction's longest period outdated and
    # overwrites only the *last* outdated one. Scale-down policy: 100 % per 15 s, no window;
    # scale-up: 1 pod per 120 s.
    #   t=0:  10 pods at 50 % -> ceil(5) = 5        down events [(0, 5)]
    #   t=15: 5 at 60 % -> ceil(3) = 3              [(0, 5), (15, 2)]
    #   t=30: 3 at 100 % -> keep
    #   t=45: 3 at 50 % -> ceil(1.5) = 2; both older events are outdated (< 30), the last one
    #         (t=15) is overwritten:                 [(0, 5), (45, 1)]
    #   t=60: 2 flooded: deleted in (−60, 60] = 5 + 1 = 6, start 2 + 6 = 8, limit 8 + 1 = 9.
    # (Dropping every outdated event would give 2 + 1 + 1 = 4; never dropping any, 11.)
    hpa = controller(up=rules(pods(1, period=120)), down=NO_DOWN_WINDOW)
    assert [
        hpa.sync(0, 10, 10, 50).desired_replicas,
        hpa.sync(15, 5, 5, 60).desired_replicas,
        hpa.sync(30, 3, 3, 100).desired_replicas,
        hpa.sync(45, 3, 3, 50).desired_replicas,
        hpa.sync(60, 2, 2, HUGE).desired_replicas,
    ] == [5, 3, 3, 2, 9]


@pytest.mark.parametrize(
    ("direction", "policy", "current", "utilization", "expected", "why"),
    [
        ("up", percent(50), 3, HUGE, 5, "ceil(3 × 1.5) = ceil(4.5) = 5"),
        ("up", percent(10), 5, HUGE, 6, "ceil(5.5) = 6: a Percent policy always allows +1"),
        ("down", percent(50), 5, 0, 2, "int(5 × 0.5) = int(2.5) = 2 (truncated)"),
        ("down", percent(10), 5, 0, 4, "int(4.5) = 4"),
        ("down", percent(10), 3, 0, 2, "int(3 × 0.9) = int(2.7) = 2: truncated, not rounded"),
        ("down", pods(3), 5, 0, 2, "5 - 3 = 2"),
    ],
)
def test_percent_rounding(
    direction: str,
    policy: ScalingPolicy,
    current: int,
    utilization: float,
    expected: int,
    why: str,
) -> None:
    direction_rules = rules(policy)
    hpa = controller(up=direction_rules) if direction == "up" else controller(down=direction_rules)
    assert hpa.sync(0, current, current, utilization).desired_replicas == expected, why


UP_POLICIES = (pods(4), percent(100))
DOWN_POLICIES = (pods(2), percent(50))


@pytest.mark.parametrize(
    ("direction", "select", "current", "expected", "why"),
    [
        ("up", "Max", 10, 20, "proposals 14 (pods) and 20 (percent): Max takes the larger"),
        ("up", "Min", 10, 14, "Min takes the smaller change: 14"),
        ("up", "Max", 2, 6, "proposals 6 and 4: 6"),
        ("up", "Min", 2, 4, "4"),
        ("up", "Disabled", 10, 10, "no scale-up at all"),
        ("down", "Max", 10, 5, "proposals 8 (pods) and 5 (percent): Max change takes 5"),
        ("down", "Min", 10, 8, "Min change takes 8"),
        ("down", "Disabled", 10, 10, "no scale-down at all"),
    ],
)
def test_select_policy(direction: str, select: str, current: int, expected: int, why: str) -> None:
    if direction == "up":
        hpa = controller(up=rules(*UP_POLICIES, select=select))
        utilization = HUGE
    else:
        hpa = controller(down=rules(*DOWN_POLICIES, select=select))
        utilization = 0.0
    assert hpa.sync(0, current, current, utilization).desired_replicas == expected, why


def test_disabled_direction_still_allows_the_other() -> None:
    hpa = controller(up=rules(select="Disabled"), down=NO_DOWN_WINDOW)
    assert hpa.sync(0, 4, 4, HUGE).desired_replicas == 4
    assert hpa.sync(15, 4, 4, 0).desired_replicas == 1


# ---------------------------------------------------------------------------------------------
# Bounds


@pytest.mark.parametrize(
    ("current", "utilization", "expected", "why"),
    [
        (15, HUGE, 10, "above maxReplicas: straight to max, whatever the metric"),
        (1, 0, 3, "below minReplicas: straight to min, whatever the metric"),
        (8, HUGE, 10, "the proposal is capped at maxReplicas (the rate would allow 16)"),
        (8, 0, 3, "the proposal of 0 is raised to minReplicas"),
        (5, 100, 5, "in the band"),
    ],
)
def test_min_max_bounds(current: int, utilization: float, expected: int, why: str) -> None:
    hpa = controller(min_replicas=3, max_replicas=10, down=NO_DOWN_WINDOW)
    assert hpa.sync(0, current, current, utilization).desired_replicas == expected, why


def test_out_of_bounds_skips_the_stabilization_window() -> None:
    # 20 pods under an HPA with max 10: the first sync sets 10 even though the default 300 s
    # scale-down window would otherwise hold the seeded "20".
    hpa = HPAConfig(min_replicas=1, max_replicas=10, target_utilization_percent=50)
    steps = simulate_hpa(np.full(4, 900.0), POD, hpa, initial_replicas=20).steps
    assert steps["replicas"].tolist() == [10, 10, 10, 10]


# ---------------------------------------------------------------------------------------------
# Pods: startup, deletion order, billing


def test_new_pods_serve_only_after_startup() -> None:
    # Target 50 %, 2 Ready pods, 100 req/s, then 400 req/s from t = 60 s (step 4).
    # t=60:  200 % per pod, ratio 4, ceil(4 × 2) = 8, limited to max(2 + 4, 4) = 6.
    # t=75:  2 Ready, 4 starting: recomputed 200 × 2/6 = 66 %, 66/50 = 1.32,
    #        ceil(1.32 × 6) = 8 (limit 12).
    # t=90:  recomputed 400/8 = 50 %: in the band, keep 8.
    # t=120: the 4 pods made at t=60 are Ready (6 Ready: 600 req/s >= 400).
    # t=135: the 2 made at t=75 are Ready.
    # Over capacity on steps 4-7: 400 - 2 × 100 = 200 req/s for 60 s, all in minute 1.
    traffic = np.r_[np.full(4, 100.0), np.full(8, 400.0)]
    hpa = HPAConfig(min_replicas=1, max_replicas=20, target_utilization_percent=50)
    result = simulate_hpa(traffic, POD, hpa, initial_replicas=2)
    steps = result.steps
    assert steps["replicas"].tolist() == [2, 2, 2, 2, 6, 8, 8, 8, 8, 8, 8, 8]
    assert steps["ready_replicas"].tolist() == [2, 2, 2, 2, 2, 2, 2, 2, 6, 8, 8, 8]
    assert steps["over_capacity_rps"].tolist() == [0] * 4 + [200] * 4 + [0] * 4
    assert result.requests_over_capacity == pytest.approx(200 * 60)
    assert result.violation_minutes == 1
    # Billing counts starting pods: (4 × 2 + 6 + 7 × 8) pod-steps × 15 s.
    assert result.replica_hours == pytest.approx((8 + 6 + 56) * 15 / 3600)
    assert result.cost_usd == pytest.approx(result.replica_hours * 0.10)


def test_scale_down_deletes_starting_pods_first() -> None:
    # t=0: 2 Ready pods at 400 req/s (400 % of target 100... here target 50: ratio 4) -> 6.
    # t=15: the load is gone: proposal 0, no down window -> min 1. Of the 6 pods, the 4
    # starting ones go first, then 1 of the 2 Ready: 1 Ready pod is left.
    behavior = HPABehavior(scale_down=NO_DOWN_WINDOW)
    hpa = HPAConfig(1, 20, 50, behavior)
    steps = simulate_hpa([400.0, 0.0, 0.0], POD, hpa, initial_replicas=2).steps
    assert steps["replicas"].tolist() == [6, 1, 1]
    assert steps["ready_replicas"].tolist() == [2, 1, 1]


def test_metric_ceiling_slows_the_scale_up() -> None:
    # CPU limit = request: the metric cannot pass 100 %. 4 Ready pods at 1,000 req/s would
    # report 250 % (ratio 3.57 -> 15 pods) but report 100 %: ratio 100/70 = 1.43, ceil(5.71) = 6.
    capped = ReplicaModel(100, 0.1, startup_seconds=60, max_utilization_percent=100)
    hpa = HPAConfig(min_replicas=1, max_replicas=50, target_utilization_percent=70)
    steps = simulate_hpa([1000.0], capped, hpa, initial_replicas=4).steps
    assert steps["utilization_percent"].iloc[0] == 100
    assert steps["desired_replicas"].iloc[0] == 6
    uncapped = simulate_hpa([1000.0], POD, hpa, initial_replicas=4).steps
    assert uncapped["desired_replicas"].iloc[0] == 15


def test_step_finer_than_the_sync_period() -> None:
    # 5 s steps, 15 s syncs: the controller runs on steps 0, 3, 6, ...; proposals are NaN between.
    hpa = HPAConfig(1, 10, 50)
    steps = simulate_hpa(np.full(9, 100.0), POD, hpa, step_seconds=5).steps
    assert steps["desired_replicas"].notna().tolist() == [True, False, False] * 3
    assert steps["time_s"].tolist() == list(range(0, 45, 5))


# ---------------------------------------------------------------------------------------------
# Fixed fleets and comparison

DAY = day_night_series()  # 1,000 req/s 09-17, 50 req/s otherwise


def test_fleet_sized_for_the_peak_is_never_over_capacity() -> None:
    peak = replicas_for_rps(DAY_RPS, POD)  # ceil(1000 / 100) = 10
    assert peak == 10
    result = simulate_fixed(DAY, POD, peak)
    assert result.requests_over_capacity == 0
    assert result.violation_minutes == 0
    assert result.cost_usd == pytest.approx(10 * 24 * 0.10)


def test_fleet_sized_for_the_average_is_over_capacity_all_day() -> None:
    # Mean rate: (8 h × 1000 + 16 h × 50) / 24 = 366.7 req/s -> 4 pods (400 req/s).
    average = replicas_for_rps(float(DAY.mean()), POD)
    assert average == 4
    result = simulate_fixed(DAY, POD, average)
    # 600 req/s over for 8 hours, every minute from 09:00 to 17:00.
    assert result.requests_over_capacity == pytest.approx(600 * 8 * 3600)
    assert result.violation_minutes == 8 * 60
    assert result.over_capacity_fraction == pytest.approx(600 * 8 / (1000 * 8 + 50 * 16))


def test_compare_fleets() -> None:
    hpa = HPAConfig(min_replicas=1, max_replicas=20, target_utilization_percent=70)
    table = compare_fleets(
        {
            "peak": simulate_fixed(DAY, POD, 10),
            "average": simulate_fixed(DAY, POD, 4),
            "hpa": simulate_hpa(DAY, POD, hpa),
        }
    )
    assert list(table.index) == ["peak", "average", "hpa"]
    assert table.loc["peak", "savings_vs_first_percent"] == 0
    assert table.loc["average", "savings_vs_first_percent"] == pytest.approx(60)  # 1 - 4/10
    assert table.loc["average", "max_replicas"] == 4
    assert table.loc["peak", "monthly_cost_usd"] == pytest.approx(10 * 0.10 * HOURS_PER_MONTH)
    # The HPA pays for ~15 pods (1000 / 70 per pod) by day and 1 by night: cheaper than the
    # peak fleet, while far less over capacity than the average one.
    assert 0 < table.loc["hpa", "savings_vs_first_percent"] < 60
    assert table.loc["hpa", "max_replicas"] == 15  # ceil(1000 / 70)
    assert table.loc["hpa", "over_capacity_percent"] < table.loc["average", "over_capacity_percent"]


@pytest.mark.parametrize(
    ("traffic", "step_seconds", "expected", "why"),
    [
        ([0, 500, 0], 90, 2, "the bad step covers 90-180 s: minutes 1 and 2"),
        ([500, 500, 500, 500, 0], 15, 1, "four bad 15 s steps, one clock minute"),
        ([0, 0, 0, 500, 500, 0], 15, 2, "45-60 s and 60-75 s: minutes 0 and 1"),
        ([0, 0, 0], 15, 0, "never over"),
    ],
)
def test_violation_minutes(
    traffic: list[float], step_seconds: int, expected: int, why: str
) -> None:
    result = simulate_fixed(traffic, POD, 1, step_seconds=step_seconds)
    assert result.violation_minutes == expected, why


def test_thirty_days_behaviour() -> None:
    traffic = with_noise(day_night_series(30, ramp_seconds=1800), cv=0.1, seed=1)
    hpa = HPAConfig(min_replicas=2, max_replicas=30, target_utilization_percent=70)
    result = simulate_hpa(traffic, POD, hpa)
    steps = result.steps
    assert isinstance(result, SimulationResult)
    assert len(steps) == 30 * 24 * 240 == 172_800
    assert list(steps.columns) == [
        "time_s",
        "traffic_rps",
        "replicas",
        "ready_replicas",
        "utilization_percent",
        "desired_replicas",
        "served_rps",
        "over_capacity_rps",
        "cost_usd",
    ]
    assert steps["replicas"].between(2, 30).all()
    assert (steps["ready_replicas"] <= steps["replicas"]).all()
    assert steps["desired_replicas"].notna().all()  # 15 s steps: every step is a sync
    assert result.cost_usd == pytest.approx(result.replica_hours * 0.10)
    assert result.monthly_cost_usd == pytest.approx(result.cost_usd / 720 * 730)
    assert result.requests_offered == pytest.approx(float(traffic.sum()) * 15)
    assert result.over_capacity_fraction < 0.01
    assert result.mean_replicas < simulate_fixed(traffic, POD, 15).mean_replicas
    summary = result.summary()
    assert summary["max_replicas"] == result.max_replicas
    assert summary["violation_minutes"] == result.violation_minutes


def test_black_friday_is_absorbed() -> None:
    hpa = HPAConfig(min_replicas=2, max_replicas=100, target_utilization_percent=70)
    result = simulate_hpa(black_friday_series(), POD, hpa)
    # 5,000 req/s at 70 req/s a pod is 71.4 pods, but the HPA stops once the ratio is within
    # the 10 % band: n pods are enough when 5000 / n <= 77 %, so n >= ceil(64.9) = 65.
    assert 65 <= result.max_replicas <= 100
    top = result.steps["time_s"] == 14 * 3600  # end of the hold
    assert 5000 / result.steps.loc[top, "replicas"].item() <= 77
    assert result.over_capacity_fraction < 0.01
    assert result.steps["replicas"].iloc[-1] <= 3  # back to the night size


def test_plot_simulation() -> None:
    result = simulate_hpa(
        DAY[::4], POD, HPAConfig(1, 20, 70, sync_period_seconds=60), step_seconds=60
    )
    figure = plot_simulation(result, title="a day")
    assert len(figure.axes) == 2
    assert figure.axes[0].get_title() == "a day"
    plt.close(figure)
    _, ax = plt.subplots()
    figure = plot_simulation(result, ax)
    assert len(figure.axes) == 2  # the replicas go on a twin axis
    plt.close(figure)


# ---------------------------------------------------------------------------------------------
# Validation


def _hpa(**kwargs: object) -> HPAConfig:
    return HPAConfig(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: simulate_hpa([-1.0], POD, HPAConfig()), r"traffic_rps .*>= 0.*-1\.0"),
        (lambda: simulate_hpa([1.0, math.nan], POD, HPAConfig()), r"traffic_rps.*step 1"),
        (lambda: simulate_hpa([math.inf], POD, HPAConfig()), "traffic_rps"),
        (lambda: simulate_hpa([], POD, HPAConfig()), "traffic_rps.*empty"),
        (lambda: simulate_hpa([[1.0]], POD, HPAConfig()), "traffic_rps.*1-D"),
        (lambda: simulate_hpa([1.0], POD, HPAConfig(), step_seconds=7), r"step_seconds.*15.*7"),
        (lambda: simulate_hpa([1.0], POD, HPAConfig(), initial_replicas=0), "initial_replicas"),
        (lambda: simulate_fixed([1.0], POD, 0), "replicas.*>= 1.*0"),
        (lambda: _hpa(min_replicas=5, max_replicas=2), "min_replicas.*<= max_replicas"),
        (lambda: _hpa(min_replicas=0), "min_replicas.*>= 1.*0"),
        (lambda: _hpa(max_replicas=2.5), "max_replicas"),
        (lambda: _hpa(target_utilization_percent=0), r"target_utilization_percent.*\(0, 100\]"),
        (lambda: _hpa(target_utilization_percent=150), "target_utilization_percent.*150"),
        (lambda: _hpa(target_utilization_percent=70.5), "target_utilization_percent.*70.5"),
        (lambda: _hpa(tolerance=1.5), r"tolerance.*\[0, 1\).*1.5"),
        (lambda: _hpa(sync_period_seconds=0), "sync_period_seconds"),
        (lambda: _hpa(behavior="fast"), "behavior"),
        (lambda: ReplicaModel(0, 0.1), "capacity_rps.*> 0.*0"),
        (lambda: ReplicaModel(100, -1), "price_per_hour_usd.*>= 0"),
        (lambda: ReplicaModel(100, 0.1, startup_seconds=-5), "startup_seconds"),
        (lambda: ReplicaModel(100, 0.1, utilization_at_capacity_percent=0), "utilization_at"),
        (lambda: ReplicaModel(100, 0.1, max_utilization_percent=math.nan), "max_utilization"),
        (lambda: replicas_for_rps(-1, POD), "rps.*>= 0"),
        (lambda: replicas_for_rps(10, POD, 0), r"utilization_percent.*\(0, 100\]"),
        (lambda: compare_fleets({}), "results"),
        (lambda: controller().sync(0, 2, 3, 50), "ready_replicas.*<= current_replicas"),
        (lambda: resource_replicas(3, 0, 50, 70), "ready_replicas >= 1"),
        (lambda: day_night_series(0), "days"),
        (lambda: day_night_series(step_seconds=7), "step_seconds.*86400"),
        (lambda: day_night_series(day_hours=(17, 9)), "day_hours"),
        (lambda: day_night_series(night_rps=-1), "night_rps"),
        (lambda: day_night_series(ramp_seconds=40_000), "ramp_seconds"),
        (lambda: black_friday_series(spike_start_hour=23), "spike"),
        (lambda: with_noise([1.0], cv=-0.1), "cv"),
        (lambda: with_noise([-1.0]), "series"),
    ],
)
def test_validation_names_the_field(make: object, match: str) -> None:
    with pytest.raises(SimulationInputError, match=match):
        make()  # type: ignore[operator]


def test_replicas_for_rps() -> None:
    assert replicas_for_rps(1000, POD) == 10  # 1000 / 100
    assert replicas_for_rps(1000, POD, 70) == 15  # ceil(1000 / 70) = ceil(14.3)
    assert replicas_for_rps(700, POD, 70) == 10  # exactly 10, not 11 from float noise
    assert replicas_for_rps(0, POD) == 1  # at least one pod


# ---------------------------------------------------------------------------------------------
# Traffic builders


def test_day_night_series_levels_and_totals() -> None:
    series = day_night_series(2)
    assert series.shape == (2 * 5760,)  # 86,400 s / 15 s a day
    nine, five = 9 * 240, 17 * 240  # steps at 09:00 and 17:00
    assert series[nine - 1] == NIGHT_RPS and series[nine] == DAY_RPS
    assert series[five - 1] == DAY_RPS and series[five] == NIGHT_RPS
    daily = series[:5760].sum() * 15
    assert daily == pytest.approx(8 * 3600 * 1000 + 16 * 3600 * 50)  # 31.68 M requests


def test_ramps_keep_the_daily_total() -> None:
    ramped = day_night_series(ramp_seconds=1800)
    assert ramped.sum() == pytest.approx(day_night_series().sum())
    nine = 9 * 240
    assert ramped[nine] == pytest.approx((DAY_RPS + NIGHT_RPS) / 2, rel=0.01)  # mid-ramp
    # Values are taken at step midpoints: the 08:44:45 step is the last flat one (the ramp
    # starts at 08:45), the 09:15:00 step the first flat one after it.
    assert ramped[nine - 61] == NIGHT_RPS
    assert NIGHT_RPS < ramped[nine - 60] < ramped[nine + 59] < DAY_RPS
    assert ramped[nine + 60] == DAY_RPS


def test_black_friday_series() -> None:
    series = black_friday_series()
    assert series.shape == (5760,)
    assert series.max() == BLACK_FRIDAY_RPS
    noon = 12 * 240
    assert series[noon - 1] == DAY_RPS
    assert series[noon + 40 : noon + 40 + 480].min() == BLACK_FRIDAY_RPS  # 12:10-14:10 hold
    # Extra requests: (5000 - 1000) × (600 s of ramps in total + 7200 s hold).
    extra = (series - day_night_series()).sum() * 15
    assert extra == pytest.approx(4000 * (600 + 7200))


def test_with_noise_is_seeded_and_non_negative() -> None:
    base = np.full(100_000, 100.0)
    noisy = with_noise(base, cv=0.5, seed=3)
    assert np.array_equal(noisy, with_noise(base, cv=0.5, seed=3))
    assert not np.array_equal(noisy, with_noise(base, cv=0.5, seed=4))
    assert (noisy >= 0).all()
    assert noisy.mean() == pytest.approx(100, rel=0.01)
    assert noisy.std() / noisy.mean() == pytest.approx(0.5, rel=0.05)
    assert np.array_equal(with_noise(base, cv=0), base)


def test_hours_axis() -> None:
    assert hours(day_night_series())[-1] == pytest.approx(24 - 15 / 3600)
    assert hours(4, 900).tolist() == [0, 0.25, 0.5, 0.75]
