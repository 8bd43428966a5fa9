"""Exercises for lesson 04: always-on serving and Kubernetes autoscaling.

Every expected answer is computed by the same controller code the simulator runs
(:mod:`companion.autoscaling`), so the exercises and the lesson cannot disagree. The design
task (q4) rebuilds the lesson's replica and HPA from the committed load test and the catalog,
exactly as the lesson does, and scans the simulator; the scan is cached.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import lru_cache

from .. import scenario
from ..autoscaling import (
    HPAConfig,
    HPAController,
    ReplicaModel,
    replicas_for_rps,
    resource_replicas,
    simulate_hpa,
)
from ..course import committed_json
from ..loadtest import LoadTestResult, replica_sizing
from ..pricing import default_catalog
from .core import ChoiceQuestion, Mistake, NumericExercise, Option, Quiz

__all__ = ["lesson_fleet", "q1", "q2", "q3", "q4", "quiz"]

# --- q1: what the metric proposes while pods are still starting ------------------------------

Q1_PODS, Q1_READY, Q1_UTILIZATION, Q1_TARGET = 16, 10, 220.0, 70.0


def _q1() -> float:
    return float(resource_replicas(Q1_PODS, Q1_READY, Q1_UTILIZATION, Q1_TARGET))


def _q1_average() -> int:
    """The utilization averaged over every pod, the starting ones at 0 % (a whole percent)."""
    return int(Q1_UTILIZATION * Q1_READY / Q1_PODS)


def _q1_starting_counted_busy() -> float:
    return float(math.ceil(Q1_UTILIZATION / Q1_TARGET * Q1_PODS))


def _q1_rounded() -> float:
    # The unready rule, but rounded to the nearest instead of up.
    return float(round(_q1_average() / Q1_TARGET * Q1_PODS))


q1 = NumericExercise(
    name="q1",
    question=(
        "An HPA targets 70 % CPU utilization. 16 pods exist: 10 are Ready and average 220 % of "
        "their CPU request (their limit allows up to 250 %), 6 are still starting. How many "
        "replicas does the metric propose?"
    ),
    hint_text=(
        "On a scale-up, pods that are not Ready yet count as using 0 %: average the "
        "utilization over all 16 pods, then ceil(ratio to the target × all pods)."
    ),
    solution_text=lambda: (
        "The starting pods serve nothing yet, so the controller counts them at 0 %: the average "
        f"over all 16 pods is int(220 × 10 / 16) = {_q1_average():.0f} %, the ratio to the 70 % "
        f"target is {_q1_average() / Q1_TARGET:.3f}, and ceil({_q1_average() / Q1_TARGET:.3f} × 16) "
        f"= {_q1():.0f}: `resource_replicas(16, 10, 220, 70)`. That is the load of the 10 Ready "
        "pods spread at 70 %; counting the 6 new pods as busy as the others would ask for pods "
        "that nobody's traffic needs."
    ),
    expected=_q1,
    unit="replicas",
    rel_tol=0.0,
    integer=True,
    mistakes=(
        Mistake(
            _q1_starting_counted_busy,
            "the 6 starting pods carry no traffic yet: the controller counts them at 0 %, not at the Ready pods' 220 %.",
        ),
        Mistake(
            _q1_rounded,
            "the controller rounds the proposal up (ceil), never to the nearest: part of a pod's load still needs a pod.",
        ),
        Mistake(
            lambda: _q1() - Q1_PODS,
            "that is how many pods it adds; the proposal is the total replica count the HPA asks for.",
        ),
    ),
    success="starting pods count as idle, so a scale-up in progress does not ask for the same pods twice.",
)

# --- q2: one sync of scale-up under the default behavior ----------------------------------------

Q2_CURRENT, Q2_UTILIZATION, Q2_TARGET, Q2_MAX = 17, 245.0, 70, 146  # maxReplicas of 04a


def _q2_proposal() -> int:
    return resource_replicas(Q2_CURRENT, Q2_CURRENT, Q2_UTILIZATION, Q2_TARGET)


def _q2() -> float:
    hpa = HPAConfig(min_replicas=2, max_replicas=Q2_MAX, target_utilization_percent=Q2_TARGET)
    controller = HPAController(hpa)
    return float(controller.sync(0.0, Q2_CURRENT, Q2_CURRENT, Q2_UTILIZATION).desired_replicas)


q2 = NumericExercise(
    name="q2",
    question=(
        f"An HPA with the default behavior (target 70 %, max_replicas {Q2_MAX}) runs 17 Ready pods, "
        "none starting; at this sync they average 245 %, so the metric proposes 60. How many "
        "replicas does it set in this sync?"
    ),
    hint_text=(
        "Default scale-up: 4 pods or 100 % per 15 s, selectPolicy Max (the larger). "
        "Both are counted from the replica count at the start of the period."
    ),
    solution_text=lambda: (
        f"The proposal is ceil(245 / 70 × 17) = {_q2_proposal()}, but the default scale-up "
        "policies cap one 15 s period: Pods allows 17 + 4 = 21, Percent allows 17 + 100 % = 34, "
        f"and selectPolicy Max takes the larger, so {_q2():.0f} now; the next sync may double "
        "again if the load still asks for it. The cap is why a 20× morning jump takes several "
        "syncs plus the pods' start-up time."
    ),
    expected=_q2,
    unit="replicas",
    rel_tol=0.0,
    integer=True,
    mistakes=(
        Mistake(
            lambda: float(_q2_proposal()),
            "the behavior policies cap each 15 s period: the proposal of 60 is reached over several syncs.",
        ),
        Mistake(
            lambda: float(Q2_CURRENT + 4),
            "that is the Pods policy alone; selectPolicy Max takes the policy allowing the larger change (100 % = +17).",
        ),
        Mistake(
            lambda: float(Q2_CURRENT * 4),
            "100 % means doubling (17 → 34), and the Pods policy adds 4 pods, it does not multiply by 4.",
        ),
        Mistake(
            lambda: float(2 * Q2_CURRENT + 4),
            "the policies are alternatives, not added together: Max picks the one that allows the larger change.",
        ),
    ),
    success="doubling per sync: the policies, not the proposal, set how fast the fleet grows.",
)

# --- q3: how long the scale-down window holds -------------------------------------------------------

Q3_REPLICAS, Q3_TARGET = 10, 70


def _q3() -> float:
    """Seconds from the load drop to the first scale-down, found by running the controller."""
    hpa = HPAConfig(min_replicas=1, max_replicas=20, target_utilization_percent=Q3_TARGET)
    controller = HPAController(hpa)
    drop_s = 600.0
    now = 0.0
    while now < 3_600:
        utilization = Q3_TARGET if now < drop_s else 28.0  # after the drop: ceil(10 × 0.4) = 4
        if (
            controller.sync(now, Q3_REPLICAS, Q3_REPLICAS, utilization).desired_replicas
            < Q3_REPLICAS
        ):
            return now - drop_s
        now += 15.0
    raise AssertionError("the controller never scaled down")  # pragma: no cover


q3 = NumericExercise(
    name="q3",
    question=(
        "10 pods run at exactly the 70 % target, with syncs every 15 s. At t = 600 s the load "
        "drops to 40 % of what it was, and stays there. With the default behavior (scale-down "
        "stabilization window 300 s), how many seconds after the drop does the HPA first scale down?"
    ),
    hint_text=(
        "Scale-down takes the highest recommendation recorded in the window: timestamps strictly "
        "after now − 300 s. When did the last 'keep 10' recommendation happen?"
    ),
    solution_text=lambda: (
        "The last sync that recommended 10 ran at 585 s (one sync before the drop). It stays in "
        "the window while it is newer than now − 300 s, so it leaves at 885 s: "
        f"{_q3():.0f} s after the drop, when the HPA goes straight to 4 (100 % per 15 s allows it)."
    ),
    expected=_q3,
    unit="seconds",
    rel_tol=0.0,
    integer=True,
    mistakes=(
        Mistake(
            lambda: 300.0,
            "the window counts from the last recommendation to keep 10 pods (585 s, one sync before the drop), not from the drop.",
        ),
        Mistake(
            lambda: 0.0,
            "scale-down waits for the stabilization window: it takes the highest recommendation of the last 300 s.",
        ),
        Mistake(
            lambda: 315.0,
            "the window keeps recommendations strictly newer than now − 300 s; the 585 s one is out at 885 s.",
        ),
    ),
    success="almost five minutes of paying for idle pods after every drop: the price of not flapping.",
)

# --- q4 (design): tune the target for Black Friday, for the least money ------------------------

Q4_TARGETS = range(70, 101)  # whole percents, the HPA's averageUtilization
Q4_MAX_OVER_CAPACITY = 0.01  # of the day's requests


@lru_cache(maxsize=1)
def lesson_fleet() -> tuple[ReplicaModel, HPAConfig]:
    """The lesson's ``replica`` and ``hpa``, rebuilt as the lesson builds them: the committed
    load test's best variant, its CPU request priced as a share of a c7i.2xlarge, and an HPA
    at 70 % with room for the scenario's Black Friday peak."""
    runs = [
        LoadTestResult.from_dict(run)
        for run in committed_json("load_test_replica.json")["variants"].values()
    ]
    sizing = replica_sizing(max(runs, key=lambda run: run.sustained_rps or 0.0))
    node = default_catalog().instance("c7i.2xlarge")
    replica = ReplicaModel(
        capacity_rps=sizing.capacity_rps,
        price_per_hour_usd=node.price_per_hour * sizing.cpu_request_millicores / 1000 / node.vcpus,
        startup_seconds=60,
        utilization_at_capacity_percent=sizing.utilization_at_capacity_percent,
        max_utilization_percent=100 * 1000 / sizing.cpu_request_millicores,
    )
    room = replicas_for_rps(
        scenario.black_friday_scenario_series().max(), ReplicaModel(sizing.capacity_rps, 1.0), 70
    )
    return replica, HPAConfig(min_replicas=2, max_replicas=room, target_utilization_percent=70)


@lru_cache(maxsize=1)
def _q4_scan() -> dict[int, tuple[float, float]]:
    """Black Friday under each target: (monthly cost in USD, share of requests over capacity)."""
    replica, hpa = lesson_fleet()
    friday = scenario.black_friday_scenario_series()
    results = {}
    for target in Q4_TARGETS:
        run = simulate_hpa(friday, replica, replace(hpa, target_utilization_percent=target))
        results[target] = (run.monthly_cost_usd, run.over_capacity_fraction)
    return results


def _q4_best_target() -> int:
    scan = _q4_scan()
    allowed = [t for t, (_, over) in scan.items() if over < Q4_MAX_OVER_CAPACITY]
    return min(allowed, key=lambda t: scan[t][0])


def _q4() -> float:
    return _q4_scan()[_q4_best_target()][0]


def _q4_first_break() -> int:
    """The lowest target whose Black Friday breaks the rule."""
    return min(t for t, (_, over) in _q4_scan().items() if over >= Q4_MAX_OVER_CAPACITY)


def _q4_before_first_break() -> float:
    """The cost at the target just below the first one that breaks the rule (a mistake: higher
    targets can keep the rule again)."""
    return _q4_scan()[_q4_first_break() - 1][0]


def _q4_cheapest_ignoring_rule() -> float:
    return min(cost for cost, _ in _q4_scan().values())


def _q4_ordinary_day() -> float:
    replica, hpa = lesson_fleet()
    tuned = replace(hpa, target_utilization_percent=_q4_best_target())
    return simulate_hpa(scenario.scenario_series(), replica, tuned).monthly_cost_usd


def _q4_solution() -> str:
    scan = _q4_scan()
    best = _q4_best_target()
    first_break = _q4_first_break()
    return (
        "Scan every whole target and keep the cheapest that obeys the rule:\n\n```python\n"
        "rows = {t: simulate_hpa(friday, replica, replace(hpa, target_utilization_percent=t))\n"
        "        for t in range(70, 101)}\n"
        "ok = {t: r.monthly_cost_usd for t, r in rows.items() if r.over_capacity_fraction < 0.01}\n"
        "best = min(ok, key=ok.get)\n```\n\n"
        f"The answer is target {best} %, ${scan[best][0]:.2f} a month "
        f"({100 * scan[best][1]:.2f} % of requests over capacity), against "
        f"${scan[70][0]:.2f} at the default 70 %. Neither the month nor the share over capacity "
        f"moves steadily with the target: {first_break} % already breaks the rule "
        f"({100 * scan[first_break][1]:.2f} %), yet {best} % keeps it, because the HPA's 10 % "
        "tolerance and whole pods decide where the fleet settles. So scan every target instead "
        "of stopping at the first that fails. Above the rule's edge the saving is paid for in "
        "requests the Ready pods cannot serve, which is why you simulate the setting instead of "
        "guessing it."
    )


q4 = NumericExercise(
    name="q4",
    question=(
        "Design: cut the Black Friday bill by changing only the HPA's target utilization (a "
        "whole percent from 70 to 100) of the lesson's `hpa`, with the lesson's `replica` and "
        "`friday`. Requests over capacity must stay under 1 % of the day's requests. Which "
        "target gives the cheapest month that keeps this rule? Answer with its "
        "`monthly_cost_usd`."
    ),
    hint_text=(
        "Loop over range(70, 101) with `replace(hpa, target_utilization_percent=t)` and "
        "`simulate_hpa(friday, replica, ...)`; keep those with `over_capacity_fraction < 0.01`, "
        "then take the cheapest of them all: don't stop at the first target that fails."
    ),
    solution_text=_q4_solution,
    expected=_q4,
    unit="USD per month",
    rel_tol=0.005,
    mistakes=(
        Mistake(
            _q4_before_first_break,
            "that is the last target before the rule first breaks; higher targets can keep it again (the HPA's tolerance and whole pods decide where the fleet settles), so scan them all.",
        ),
        Mistake(
            _q4_cheapest_ignoring_rule,
            "that is the cheapest target overall, but it leaves far more than 1 % of Black Friday's requests without a Ready pod: keep only targets that obey the rule.",
        ),
        Mistake(
            lambda: _q4_scan()[70][0],
            "that is the lesson's 70 % target, unchanged; the task is to find the cheaper target that still keeps the rule.",
        ),
        Mistake(
            _q4_ordinary_day,
            "that is the ordinary day's cost at the right target; simulate `friday`, the day the rule has to survive.",
        ),
        Mistake(
            lambda: float(_q4_best_target()),
            "that is the target itself; the question asks for the monthly cost it gives (`monthly_cost_usd`).",
        ),
    ),
    success="a setting chosen by simulating the day it has to survive, with its price and its risk side by side.",
    design=True,
)

# --- recap quiz ------------------------------------------------------------------------------------

quiz = Quiz(
    [
        ChoiceQuestion(
            name="r1",
            question=(
                "At 17:00 the traffic halves and stays low. With the HPA's default behavior, "
                "when are pods removed?"
            ),
            hint_text="Scale-down looks back over a window of recommendations before it acts.",
            solution_text=(
                "b: scale-down takes the highest recommendation of the last 300 s (the "
                "stabilization window), so the fleet stays as it was for about five minutes "
                "after the drop, then shrinks in one step: five minutes of idle pods bought "
                "to avoid flapping on a brief dip."
            ),
            options={
                "a": Option(
                    "At the next 15 s sync.",
                    "No: that is scale-up's default (no window); scale-down waits for the 300 s window to forget the higher recommendations.",
                ),
                "b": Option(
                    "About five minutes later, once the higher recommendations leave the 300 s stabilization window.",
                    "Yes: the default scale-down window keeps the highest recommendation of the last 300 s, so the fleet holds for five minutes.",
                ),
                "c": Option(
                    "Never: an HPA only scales up; someone must scale down by hand.",
                    "No: the HPA scales both ways; the default scale-down policy even allows removing 100 % of the extra pods per 15 s.",
                ),
                "d": Option(
                    "Only when utilization falls below 10 % of the target.",
                    "No: 10 % is the tolerance around a ratio of 1 (no change between 0.9 and 1.1), not a floor the utilization must reach.",
                ),
            },
            answer="b",
        ),
        ChoiceQuestion(
            name="r2",
            question=(
                "Why does the lesson size a replica by the rate it sustains at p95 ≤ 100 ms, "
                "not from its p50 latency?"
            ),
            hint_text="Think about what the SLO promises, and who the median leaves out.",
            solution_text=(
                "c: the SLO is a p95, so the rate that counts is the one at which 19 of 20 "
                "requests still answer within 100 ms; a rate chosen from the median keeps "
                "half the requests fast and says nothing about the slow twentieth."
            ),
            options={
                "a": Option(
                    "The p50 is always higher than the p95.",
                    "No: the p50 is the median, never above the p95; a tail exists on top of it.",
                ),
                "b": Option(
                    "The p95 is cheaper to measure than the p50.",
                    "No: both come from the same latency histogram at the same cost; the choice is about the promise, not the measurement.",
                ),
                "c": Option(
                    "The SLO promises a p95: a rate at which the median is fine can still leave 1 request in 20 queueing past 100 ms.",
                    "Yes: queueing shows up in the tail first, so the capacity to plan with is the rate at which the p95 still meets the target.",
                ),
            },
            answer="c",
        ),
        ChoiceQuestion(
            name="r3",
            question=(
                "Lesson 01 estimated a replica's throughput as 1000 / latency_ms; the load test "
                "sustained well under half of that at the p95 target. Why?"
            ),
            hint_text="How do real users arrive: one after another, or independently of each other?",
            solution_text=(
                "a: users arrive independently (Poisson), so requests sometimes land together "
                "and wait for each other; the queue pushes the p95 past the target while the "
                "CPU is still far from busy, which a latency-based estimate cannot see."
            ),
            options={
                "a": Option(
                    "Requests arrive at random and sometimes together, so they queue: the p95 breaks the target long before the CPU is fully busy.",
                    "Yes: 1000 / latency assumes requests come one after another; random arrivals need idle headroom to absorb bursts.",
                ),
                "b": Option(
                    "The load generator itself was too slow to send more requests.",
                    "No: each step checks that the offered rate was delivered; the step fails on latency, not on the generator.",
                ),
                "c": Option(
                    "The estimate forgot the network round trip to a remote server.",
                    "No: the server ran on 127.0.0.1 next to the load generator, so the network adds almost nothing.",
                ),
            },
            answer="a",
        ),
        ChoiceQuestion(
            name="r4",
            question=(
                "The manifests set minReplicas 2 and a PodDisruptionBudget allowing 1 pod "
                "unavailable. What does the budget protect against?"
            ),
            hint_text="Some evictions are planned by people or controllers; those are the ones a budget can slow down.",
            solution_text=(
                "b: a PodDisruptionBudget limits voluntary disruptions such as node drains, "
                "cluster upgrades and the cluster autoscaler removing a node, so they evict at "
                "most one pod at a time; with two replicas, one keeps serving throughout."
            ),
            options={
                "a": Option(
                    "A pod crashing or its node failing.",
                    "No: those are involuntary disruptions; a budget cannot stop them, which is why minReplicas 2 spreads the risk over two pods.",
                ),
                "b": Option(
                    "Drains, upgrades and node scale-downs evicting too many pods at once.",
                    "Yes: voluntary evictions wait until the budget allows them, so one pod at most is taken down at a time.",
                ),
                "c": Option(
                    "The HPA scaling below minReplicas at night.",
                    "No: minReplicas already bounds the HPA; the budget governs evictions, not the replica count.",
                ),
                "d": Option(
                    "A bill larger than planned.",
                    "No: a disruption budget is about availability; the cost side is the HPA's bounds and the node prices.",
                ),
            },
            answer="b",
        ),
        ChoiceQuestion(
            name="r5",
            question=(
                "On Black Friday the HPA asks for 40 more pods, but the nodes are full. What "
                "happens next?"
            ),
            hint_text="The HPA sets a replica count; something else must find room to run the pods.",
            solution_text=(
                "c: the new pods stay Pending until the cluster autoscaler adds nodes, so their "
                "start-up takes minutes instead of seconds; the lesson's row with pods that "
                "start in 180 s shows what that costs in requests over capacity."
            ),
            options={
                "a": Option(
                    "The HPA lowers its target until the existing nodes suffice.",
                    "No: the target is fixed in the HPA's spec; the controller never changes it.",
                ),
                "b": Option(
                    "Kubernetes squeezes the pods onto the full nodes by shrinking their CPU requests.",
                    "No: the scheduler places pods by their requests and never shrinks them; a pod that does not fit waits.",
                ),
                "c": Option(
                    "The pods stay Pending until the cluster autoscaler adds nodes, so they are Ready minutes later.",
                    "Yes: the cluster autoscaler reacts to pods that cannot be scheduled; a new node adds its boot time to every pod's start-up.",
                ),
            },
            answer="c",
        ),
    ]
)
