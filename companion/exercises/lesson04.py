"""Exercises for lesson 04: always-on serving and Kubernetes autoscaling.

Every expected answer is computed by the same controller code the simulator runs
(:mod:`companion.autoscaling`), so the exercises and the lesson cannot disagree.
"""

from __future__ import annotations

import math

from ..autoscaling import HPAConfig, HPAController, resource_replicas
from .core import Mistake, NumericExercise

__all__ = ["q1", "q2", "q3"]

# --- q1: what the metric proposes ---------------------------------------------------------------

Q1_READY, Q1_UTILIZATION, Q1_TARGET = 5, 85.0, 60.0


def _q1() -> float:
    return float(resource_replicas(Q1_READY, Q1_READY, Q1_UTILIZATION, Q1_TARGET))


q1 = NumericExercise(
    name="q1",
    question=(
        "An HPA targets 60 % CPU utilization. 5 pods are Ready, averaging 85 %, and none is "
        "starting. How many replicas does the metric propose?"
    ),
    hint_text="desired = ceil(current utilization / target × Ready pods), unless the ratio is within 10 % of 1.",
    solution_text=lambda: (
        f"85 / 60 = 1.417 (outside the 0.9–1.1 tolerance band), × 5 pods = 7.08, rounded up: "
        f"`resource_replicas(5, 5, 85, 60)` = {_q1():.0f}."
    ),
    expected=_q1,
    unit="replicas",
    rel_tol=0.0,
    integer=True,
    mistakes=(
        Mistake(
            lambda: float(round(Q1_READY * Q1_UTILIZATION / Q1_TARGET)),
            "the controller rounds up (ceil), never to the nearest: 7.08 pods' worth of load needs 8.",
        ),
        Mistake(
            lambda: float(math.ceil(Q1_READY * Q1_TARGET / Q1_UTILIZATION)),
            "the ratio is current / target (85 / 60), not target / current: the pods are too busy, so it scales up.",
        ),
        Mistake(
            lambda: float(math.ceil(Q1_UTILIZATION / Q1_TARGET)),
            "multiply the ratio by the number of Ready pods: it is the whole fleet's load that must fit at 60 %.",
        ),
    ),
    success="the proposal; the behavior policies then decide how much of it happens in one sync.",
)

# --- q2: one sync of scale-up under the default behavior ----------------------------------------

Q2_CURRENT, Q2_PROPOSAL = 6, 30


def _q2() -> float:
    hpa = HPAConfig(min_replicas=1, max_replicas=100, target_utilization_percent=50)
    controller = HPAController(hpa)
    # 6 Ready pods at 250 % of a 50 % target: the metric proposes ceil(6 × 5) = 30.
    return float(controller.sync(0.0, Q2_CURRENT, Q2_CURRENT, 250.0).desired_replicas)


q2 = NumericExercise(
    name="q2",
    question=(
        "An HPA with the default behavior runs 6 Ready pods; the metric proposes 30. "
        "How many replicas does it set in this sync (max_replicas is 100)?"
    ),
    hint_text=(
        "Default scale-up: 4 pods or 100 % per 15 s, selectPolicy Max (the larger). "
        "Both are counted from the replica count at the start of the period."
    ),
    solution_text=lambda: (
        f"Pods policy: 6 + 4 = 10; Percent policy: ceil(6 × 2) = 12; Max picks 12, so "
        f"{_q2():.0f} now, and 24 at the next sync if the load still asks for it."
    ),
    expected=_q2,
    unit="replicas",
    rel_tol=0.0,
    integer=True,
    mistakes=(
        Mistake(
            lambda: float(Q2_PROPOSAL),
            "the behavior policies cap each 15 s period: the proposal of 30 is reached over several syncs.",
        ),
        Mistake(
            lambda: float(Q2_CURRENT + 4),
            "that is the Pods policy alone; selectPolicy Max takes the policy allowing the larger change (100 % = +6).",
        ),
        Mistake(
            lambda: float(Q2_CURRENT * 4),
            "100 % means doubling (6 → 12), and the Pods policy adds 4 pods, it does not multiply by 4.",
        ),
    ),
    success="doubling per sync: from 6 to 30 takes three syncs (12, 24, 30), 45 s, plus pod start-up.",
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
    success="five minutes of paying for idle pods after every drop: the price of not flapping.",
)
