"""Simulated rollouts through the real router: four scenarios, four outcomes, for the right reason."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from companion.experiments.exceptions import RolloutError
from companion.experiments.rollout import RolloutPlan
from companion.experiments.simulation import (
    ArmProfile,
    RolloutRun,
    plot_rollout,
    simulate_rollout,
)

PLAN = RolloutPlan()  # 5 → 25 → 50 → 100 %, 2,000 requests and 10 minutes a stage, 0.5-point margin
BASELINE = ArmProfile(error_rate=0.01, latency_median_ms=50.0)


@pytest.fixture(scope="module")
def good() -> RolloutRun:
    return simulate_rollout(BASELINE, ArmProfile(0.01, 50.0), PLAN, seed=0)


@pytest.fixture(scope="module")
def slow() -> RolloutRun:
    return simulate_rollout(BASELINE, ArmProfile(0.01, 75.0), PLAN, seed=0)


def test_a_good_candidate_is_promoted_through_every_stage(good: RolloutRun) -> None:
    assert good.outcome == "promoted" and good.final_percent == 100
    actions = good.events.loc[good.events["action"] != "hold", ["stage_percent", "action"]]
    assert actions.values.tolist() == [[5, "promote"], [25, "promote"], [50, "complete"]]
    # No stage is left before min_stage_seconds, nor before min_samples_per_stage.
    decided = good.events[good.events["action"] != "hold"]
    assert (decided["time_in_stage_s"] >= PLAN.min_stage_seconds).all()
    assert (decided["n_candidate"] >= PLAN.min_samples_per_stage).all()
    assert (decided["error_ci_high"] < PLAN.max_error_rate_increase).all()
    assert good.end_time_s == 33 * 60  # 13 min at 5 %, 10 at 25 %, 10 at 50 %


def test_the_timeline_follows_the_planned_split(good: RolloutRun) -> None:
    timeline = good.timeline
    assert timeline["candidate_percent"].drop_duplicates().tolist() == [5, 25, 50]
    assert len(timeline) == len(good.events)
    by_stage = timeline.groupby("candidate_percent")[["requests_control", "requests_candidate"]]
    totals = by_stage.sum()
    share = totals["requests_candidate"] / totals.sum(axis=1)
    for percent, observed in share.items():
        assert observed == pytest.approx(percent / 100, abs=0.01)
    # About 50 requests a second, one row a minute.
    per_minute = timeline["requests_control"] + timeline["requests_candidate"]
    assert per_minute.mean() == pytest.approx(50 * 60, rel=0.02)
    assert timeline["p95_control_ms"].median() == pytest.approx(BASELINE.p95_ms, rel=0.05)


def test_a_candidate_with_more_errors_is_rolled_back_early() -> None:
    run = simulate_rollout(BASELINE, ArmProfile(0.03, 50.0), PLAN, seed=0)
    assert run.outcome == "rolled_back" and run.final_percent == 0
    event = run.decisive_event
    assert event["action"] == "rollback" and event["stage_percent"] == 5
    assert "error rate" in event["reason"] and "margin" in event["reason"]
    assert event["error_ci_low"] > PLAN.max_error_rate_increase
    assert run.end_time_s == 15 * 60
    assert run.timeline["candidate_percent"].max() == 5  # never past the first stage


def test_a_slower_candidate_is_rolled_back_on_latency(slow: RolloutRun) -> None:
    assert slow.outcome == "rolled_back" and slow.final_percent == 0
    event = slow.decisive_event
    assert event["action"] == "rollback" and event["stage_percent"] == 5
    assert "p95 latency" in event["reason"]
    assert event["p95_ratio"] > PLAN.max_p95_latency_ratio
    assert event["latency_ci_low_ms"] > 0
    assert slow.end_time_s == 3 * 60


def test_a_broken_assignment_halts_on_sample_ratio_mismatch() -> None:
    run = simulate_rollout(BASELINE, ArmProfile(0.01, 50.0), PLAN, seed=0, broken_assignment=0.10)
    assert run.outcome == "halted" and run.final_percent == 0
    event = run.decisive_event
    assert event["action"] == "halt" and "sample ratio mismatch" in event["reason"]
    assert event["srm_p_value"] < PLAN.srm_threshold
    assert run.end_time_s == 3 * 60


def test_the_same_seed_gives_the_same_run(slow: RolloutRun) -> None:
    again = simulate_rollout(BASELINE, ArmProfile(0.01, 75.0), PLAN, seed=0)
    pd.testing.assert_frame_equal(again.timeline, slow.timeline)
    pd.testing.assert_frame_equal(again.events, slow.events)


def test_max_hours_stops_an_undecided_rollout() -> None:
    run = simulate_rollout(
        BASELINE, ArmProfile(0.01, 50.0), PLAN, requests_per_second=5, seed=0, max_hours=0.25
    )
    assert run.outcome == "progressing" and run.final_percent == 5
    assert run.end_time_s == 15 * 60


def test_plot_rollout(slow: RolloutRun) -> None:
    figure = plot_rollout(slow)
    axes = figure.get_axes()
    assert len(axes) == 3
    assert "rolled_back" in axes[0].get_title()
    assert any(line.get_linestyle() == "--" for line in axes[0].get_lines())  # the rollback
    assert plot_rollout(slow, title="slow").get_axes()[0].get_title() == "slow"
    plt.close("all")


@pytest.mark.parametrize(
    ("candidate", "final"), [(ArmProfile(0.01, 50.0), 100), (ArmProfile(0.03, 50.0), 0)]
)
def test_the_rollout_plot_ends_on_the_final_weight(candidate: ArmProfile, final: int) -> None:
    """A promoted run's share line ends at 100 %, a rolled-back one's at 0 %, after the run's
    last interval: the plot says what the run did."""
    run = simulate_rollout(BASELINE, candidate, PLAN, seed=0)
    assert run.final_percent == final
    share_line = plot_rollout(run).get_axes()[0].get_lines()[0]
    x, y = share_line.get_data()
    assert y[-1] == final and x[-1] > run.end_time_s / 60
    plt.close("all")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"requests_per_second": 0}, r"requests_per_second must be > 0"),
        ({"users": 0}, r"users must be a whole number >= 1"),
        ({"seed": -1}, r"seed must be a whole number >= 0"),
        ({"broken_assignment": 1.0}, r"broken_assignment must be in \[0, 1\)"),
        ({"max_hours": math.inf}, r"max_hours must be a finite number"),
    ],
)
def test_simulate_rollout_rejects_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(RolloutError, match=message):
        simulate_rollout(BASELINE, BASELINE, PLAN, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"error_rate": 1.0, "latency_median_ms": 50}, r"error_rate must be in \[0, 1\)"),
        ({"error_rate": 0.01, "latency_median_ms": 0}, r"latency_median_ms must be > 0"),
        (
            {"error_rate": 0.01, "latency_median_ms": 50, "latency_sigma": -1},
            r"latency_sigma must be >= 0",
        ),
    ],
)
def test_arm_profile_rejects_bad_values(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(RolloutError, match=message):
        ArmProfile(**kwargs)
