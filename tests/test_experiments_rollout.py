"""The rollout controller: every transition, driven by hand-built snapshots."""

from __future__ import annotations

import math

import numpy as np
import pytest

from companion import scenario
from companion.experiments.exceptions import RolloutError
from companion.experiments.metrics import VariantSnapshot
from companion.experiments.rollout import (
    RolloutController,
    RolloutPlan,
    analyze,
)

# Small enough to keep snapshots small; a 1-point margin so 2,000 requests can pass.
PLAN = RolloutPlan(
    min_samples_per_stage=1_000,
    min_samples_to_fail=100,
    min_stage_seconds=300.0,
    max_stage_seconds=1_800.0,
    analysis_interval_seconds=60.0,
    max_error_rate_increase=0.01,
    max_p95_latency_ratio=1.2,
    failure_limit=2,
)


def snapshot(
    variant: str, requests: int, error_rate: float, median_ms: float = 50.0, seed: int = 0
) -> VariantSnapshot:
    rng = np.random.default_rng(seed)
    latencies = rng.lognormal(math.log(median_ms), 0.35, requests)
    latencies.setflags(write=False)
    return VariantSnapshot(variant, requests, round(requests * error_rate), latencies)


def arms(
    percent: int,
    candidate_requests: int,
    *,
    candidate_error_rate: float = 0.01,
    candidate_median_ms: float = 50.0,
    baseline_error_rate: float = 0.01,
) -> dict[str, VariantSnapshot]:
    """Both arms at ``percent``, with request counts in exactly the planned ratio."""
    control_requests = round(candidate_requests * (100 - percent) / percent)
    return {
        "control": snapshot("control", control_requests, baseline_error_rate, seed=1),
        "candidate": snapshot(
            "candidate", candidate_requests, candidate_error_rate, candidate_median_ms, seed=2
        ),
    }


def weights(percent: int) -> dict[str, float]:
    return {"control": (100 - percent) / 100, "candidate": percent / 100}


def counts(snap: dict[str, VariantSnapshot]) -> dict[str, int]:
    return {name: s.requests for name, s in snap.items()}


# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------


def test_default_plan_uses_the_scenario_steps() -> None:
    plan = RolloutPlan()
    assert plan.steps_percent == scenario.CANARY_STEPS_PERCENT == (5, 25, 50, 100)
    assert plan.analyzed_steps_percent == (5, 25, 50)
    assert plan.failure_limit == 2 and plan.srm_threshold == 0.001 and plan.alpha == 0.05
    # N* defaults to the total at which the candidate reaches min_samples_per_stage.
    assert plan.planned_total_samples(0.05) == 40_000
    assert plan.planned_total_samples(0.5) == 4_000
    assert RolloutPlan(planned_samples=9_000).planned_total_samples(0.05) == 9_000


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"steps_percent": (5, 25, 50)}, r"end at 100"),
        ({"steps_percent": (100,)}, r"at least one stage below 100"),
        ({"steps_percent": (5, 50, 25, 100)}, r"strictly increasing.*25 after 50"),
        ({"steps_percent": (0, 50, 100)}, r"steps_percent\[0\] must be from 1 to 100, got 0"),
        ({"steps_percent": (5.5, 100)}, r"steps_percent\[0\] must be a whole number"),
        ({"steps_percent": "5,100"}, r"sequence of whole percents"),
        ({"min_samples_per_stage": 1}, r"min_samples_per_stage must be >= 2, got 1"),
        ({"min_samples_to_fail": 5_000}, r"min_samples_to_fail must be from 2 to 2000"),
        ({"min_stage_seconds": 0}, r"min_stage_seconds must be > 0"),
        ({"max_stage_seconds": 100.0}, r"max_stage_seconds must be >= min_stage_seconds \(600\)"),
        ({"analysis_interval_seconds": 900.0}, r"analysis_interval_seconds must be in \(0, "),
        ({"max_error_rate_increase": 0.0}, r"max_error_rate_increase must be in \(0, 1\)"),
        ({"max_p95_latency_ratio": 0.9}, r"max_p95_latency_ratio must be >= 1"),
        ({"alpha": 1.5}, r"alpha must be in \(0, 1\)"),
        ({"failure_limit": 0}, r"failure_limit must be >= 1, got 0"),
        ({"srm_threshold": math.nan}, r"srm_threshold must be a finite number"),
        ({"planned_samples": True}, r"planned_samples must be a whole number"),
    ],
)
def test_plan_rejects_bad_values(changes: dict[str, object], message: str) -> None:
    with pytest.raises(RolloutError, match=message):
        RolloutPlan(**changes)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# analyze
# ---------------------------------------------------------------------------------------------


def test_analyze_passes_a_candidate_like_the_baseline() -> None:
    snap = arms(25, 2_000)
    analysis = analyze(snap["control"], snap["candidate"], counts(snap), weights(25), PLAN)
    assert analysis.verdict == "pass" and analysis.cause == "none"
    assert analysis.n_baseline == 6_000 and analysis.n_candidate == 2_000
    assert analysis.error_ci_high < PLAN.max_error_rate_increase
    assert analysis.error_ci_low < 0 < analysis.error_ci_high
    assert analysis.p95_ratio == pytest.approx(analysis.p95_candidate_ms / analysis.p95_baseline_ms)
    assert analysis.planned_total_samples == 4_000
    assert 0.001 < analysis.srm_p_value <= 1.0
    numbers = analysis.numbers()
    assert numbers["n_candidate"] == 2_000 and numbers["error_rate_baseline"] == pytest.approx(0.01)


def test_analyze_fails_on_error_rate_above_the_margin() -> None:
    snap = arms(25, 2_000, candidate_error_rate=0.08)
    analysis = analyze(snap["control"], snap["candidate"], counts(snap), weights(25), PLAN)
    assert analysis.verdict == "fail" and analysis.cause == "error_rate"
    assert analysis.error_ci_low > PLAN.max_error_rate_increase
    assert "error rate 8.00%" in analysis.reason and "margin" in analysis.reason


def test_an_increase_within_the_margin_is_never_a_failure() -> None:
    # +0.6 points against a 1-point margin: significantly worse than 0, but acceptable.
    snap = arms(50, 20_000, candidate_error_rate=0.016)
    analysis = analyze(snap["control"], snap["candidate"], counts(snap), weights(50), PLAN)
    assert analysis.error_ci_low > 0
    assert analysis.verdict == "pass"


def test_analyze_fails_on_a_slower_candidate_only_with_evidence() -> None:
    slow = arms(25, 2_000, candidate_median_ms=75.0)
    analysis = analyze(slow["control"], slow["candidate"], counts(slow), weights(25), PLAN)
    assert analysis.verdict == "fail" and analysis.cause == "latency"
    assert analysis.p95_ratio > 1.2 and analysis.latency_ci_low_ms > 0
    assert "p95 latency" in analysis.reason

    # The same ratio on 2 + 38 requests is noise: not a failure (too few to fail, or to pass).
    few = arms(5, 2, candidate_median_ms=75.0)
    analysis = analyze(few["control"], few["candidate"], counts(few), weights(5), PLAN)
    assert analysis.verdict == "inconclusive" and analysis.cause == "samples"


def test_analyze_is_inconclusive_with_too_few_samples() -> None:
    snap = arms(25, 400)
    analysis = analyze(snap["control"], snap["candidate"], counts(snap), weights(25), PLAN)
    assert analysis.verdict == "inconclusive" and analysis.cause == "samples"
    assert "400 of the 1000" in analysis.reason


def test_analyze_checks_the_sample_ratio_first() -> None:
    # A failing candidate, but the split is broken: SRM wins, nothing else is trusted.
    snap = arms(25, 2_000, candidate_error_rate=0.08)
    broken = {"control": 6_000, "candidate": 1_700}
    analysis = analyze(snap["control"], snap["candidate"], broken, weights(25), PLAN)
    assert analysis.verdict == "srm" and analysis.cause == "srm"
    assert analysis.srm_p_value < PLAN.srm_threshold
    assert "sample ratio mismatch" in analysis.reason


def test_analyze_waits_for_enough_expected_units_before_the_srm_check() -> None:
    snap = arms(5, 2)
    analysis = analyze(snap["control"], snap["candidate"], counts(snap), weights(5), PLAN)
    assert math.isnan(analysis.srm_p_value)


def test_analyze_rejects_bad_inputs() -> None:
    snap = arms(25, 2_000)
    with pytest.raises(RolloutError, match="baseline must be a VariantSnapshot"):
        analyze({}, snap["candidate"], counts(snap), weights(25), PLAN)  # type: ignore[arg-type]
    with pytest.raises(RolloutError, match="including the candidate 'candidate'"):
        analyze(snap["control"], snap["candidate"], counts(snap), {"control": 1.0}, PLAN)
    with pytest.raises(RolloutError, match="plan must be a RolloutPlan"):
        analyze(snap["control"], snap["candidate"], counts(snap), weights(25), None)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# The controller
# ---------------------------------------------------------------------------------------------


def test_promotes_through_every_stage_to_complete() -> None:
    controller = RolloutController(PLAN, clock_start_s=1_000.0)
    assert controller.state == "progressing" and controller.current_percent == 5
    assert controller.planned_weights() == {"control": 0.95, "candidate": 0.05}
    now = 1_000.0
    seen = []
    for percent, target in ((5, 25), (25, 50), (50, 100)):
        early = controller.step(now + 60, arms(percent, 2_000))
        assert early.action == "hold" and early.analysis.verdict == "pass"
        assert "minimum" in early.reason and not early.reset_metrics
        now += PLAN.min_stage_seconds
        decision = controller.step(now, arms(percent, 2_000))
        seen.append(decision.action)
        assert (decision.previous_percent, decision.percent) == (percent, target)
        assert decision.reset_metrics  # the caller must reset the router's metrics
        assert controller.stage_started_s == now
    assert seen == ["promote", "promote", "complete"]
    final_state: str = controller.state
    assert final_state == "promoted" and controller.current_percent == 100
    assert controller.terminal


def test_holds_until_enough_samples_and_time() -> None:
    controller = RolloutController(PLAN)
    decision = controller.step(600.0, arms(5, 500))  # past min_stage_seconds, too few samples
    assert decision.action == "hold" and decision.percent == 5
    assert decision.analysis.cause == "samples"
    decision = controller.step(660.0, arms(5, 2_000))
    assert decision.action == "promote" and decision.percent == 25


def test_inconclusive_holds_then_halts_after_max_stage_seconds() -> None:
    # +1 point against a 1-point margin: never shown within it, never shown beyond it.
    undecided = arms(5, 2_000, candidate_error_rate=0.02)
    controller = RolloutController(PLAN)
    decision = controller.step(600.0, undecided)
    assert decision.action == "hold" and decision.analysis.verdict == "inconclusive"
    decision = controller.step(1_800.0, undecided)
    assert decision.action == "halt" and decision.state == "halted"
    assert decision.percent == 0 and decision.terminal
    assert "no decision after 1800 s" in decision.reason and "human" in decision.reason


def test_one_failure_holds_and_failure_limit_failures_roll_back() -> None:
    bad = arms(5, 2_000, candidate_error_rate=0.08)
    controller = RolloutController(PLAN)
    first = controller.step(60.0, bad)
    assert first.action == "hold" and first.failures == 1 and controller.failures == 1
    assert "failed analysis 1 of 2" in first.reason
    second = controller.step(120.0, bad)
    assert second.action == "rollback" and second.state == "rolled_back"
    assert second.percent == 0 and second.failures == 2 and second.reset_metrics
    assert "rolled back after 2 failed analyses" in second.reason and "error rate" in second.reason


def test_failures_are_counted_in_total_per_stage_not_consecutively() -> None:
    bad = arms(25, 2_000, candidate_error_rate=0.08)
    controller = RolloutController(PLAN)
    controller.step(60.0, arms(5, 2_000, candidate_error_rate=0.08))  # one failure at 5 %
    promote = controller.step(300.0, arms(5, 2_000))  # then a pass: promoted, count reset
    assert promote.action == "promote" and controller.failures == 0
    assert controller.step(360.0, bad).action == "hold"
    assert controller.step(420.0, arms(25, 2_000)).action == "hold"  # passing, too early
    assert controller.step(480.0, bad).action == "rollback"  # second failure at this stage


def test_sample_ratio_mismatch_halts() -> None:
    snap = arms(5, 2_000)
    controller = RolloutController(PLAN)
    decision = controller.step(60.0, snap, {"control": 38_000, "candidate": 1_500})
    assert decision.action == "halt" and decision.state == "halted" and decision.percent == 0
    assert "sample ratio mismatch" in decision.reason


def test_a_finished_rollout_refuses_further_steps() -> None:
    controller = RolloutController(PLAN)
    controller.step(60.0, arms(5, 2_000), {"control": 38_000, "candidate": 1_500})
    with pytest.raises(RolloutError, match="already halted"):
        controller.step(120.0, arms(5, 2_000))


def test_step_rejects_time_going_backwards_and_missing_variants() -> None:
    controller = RolloutController(PLAN, clock_start_s=100.0)
    with pytest.raises(RolloutError, match="must not go backwards"):
        controller.step(50.0, arms(5, 2_000))
    with pytest.raises(RolloutError, match=r"no variant\(s\) \['candidate'\]"):
        controller.step(160.0, {"control": arms(5, 2_000)["control"]})
    with pytest.raises(RolloutError, match="control and candidate must differ"):
        RolloutController(PLAN, control="a", candidate="a")


def test_the_event_log_has_one_entry_per_step_with_its_numbers() -> None:
    controller = RolloutController(PLAN)
    controller.step(60.0, arms(5, 500))
    controller.step(300.0, arms(5, 2_000))
    controller.step(360.0, arms(25, 2_000, candidate_error_rate=0.08))
    assert [event.action for event in controller.events] == ["hold", "promote", "hold"]
    promote = controller.events[1]
    assert (promote.time_s, promote.stage_percent, promote.new_percent) == (300.0, 5, 25)
    assert promote.numbers["n_candidate"] == 2_000 and promote.numbers["n_baseline"] == 38_000
    assert promote.numbers["time_in_stage_s"] == 300.0
    for key in (
        "error_rate_baseline",
        "error_rate_candidate",
        "error_ci_low",
        "error_ci_high",
        "p95_baseline_ms",
        "p95_candidate_ms",
        "srm_p_value",
    ):
        assert math.isfinite(promote.numbers[key]), key
    frame = controller.events_frame()
    assert len(frame) == 3
    assert list(frame.columns[:6]) == [
        "time_s",
        "stage_percent",
        "action",
        "new_percent",
        "state",
        "reason",
    ]
    assert frame["failures"].tolist() == [0.0, 0.0, 1.0]
    assert RolloutController(PLAN).events_frame().empty
