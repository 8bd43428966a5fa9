"""A canary rollout that promotes, rolls back or stops on evidence, not on a hunch.

The original course rolled back when the candidate's error rate was "2x the control's" after
100 requests: one noisy ratio, no check that the split itself worked, no stages. This module
does what progressive-delivery controllers (Argo Rollouts, Flagger) do, small enough to read:

* a :class:`RolloutPlan` of stages (5 → 25 → 50 → 100 % by default, from
  :data:`companion.scenario.CANARY_STEPS_PERCENT`) and guardrails;
* :func:`analyze`, a pure function that turns one snapshot of both arms into a verdict
  (``"pass"``, ``"fail"``, ``"inconclusive"`` or ``"srm"``) with every number it used;
* :class:`RolloutController`, a state machine that whoever runs the traffic calls every
  ``analysis_interval_seconds``; it answers with a :class:`RolloutDecision` (hold, promote,
  complete, roll back, halt) and logs a :class:`RolloutEvent`.

Decision rules, in the order :func:`analyze` applies them:

1. **Sample ratio mismatch first.** If the observed split differs from the planned one
   (chi-squared, ``p < srm_threshold``, GrowthBook's 0.001), assignment or logging is broken and
   no other number can be trusted: verdict ``"srm"``, and the controller **halts** (candidate
   weight 0, a human looks). The check waits until every arm expects at least
   :data:`SRM_MIN_EXPECTED_COUNT` units, where the chi-squared approximation is close. It is
   repeated every interval, which is peeking too: at ``p < 0.001`` about 2 healthy rollouts
   in 100 halt falsely in :mod:`companion.experiments.simulation`; a false halt costs a
   human's look, a missed broken split costs every decision after it. Count **users** (the
   unit of randomization) when you can: requests of one user are not independent draws.
2. **Error rate, peeking-safe.** The controller looks every interval, so a fixed-horizon test
   would raise false alarms far more often than ``alpha``
   (:func:`companion.experiments.sequential.peeking_simulation` shows by how much). It uses the
   always-valid confidence sequence for (candidate − baseline) error rate
   (:func:`~companion.experiments.sequential.sequential_compare_proportions`) and a
   non-inferiority margin ``max_error_rate_increase``:

   * **fail** when the whole interval lies above the margin (the candidate is worse by more
     than we accept, with confidence valid however often we looked);
   * **pass** when the whole interval lies below the margin (non-inferiority shown).

   Failing on "above the margin", not "above 0", keeps the rule consistent with the margin: a
   candidate that is worse by less than the margin is, by the plan's own definition,
   acceptable, and must not be rolled back. A candidate near the margin stays inconclusive
   and, after ``max_stage_seconds``, is halted for a human: the right outcome for a borderline
   case.
3. **p95 latency.** **fail** when the candidate's p95 exceeds ``max_p95_latency_ratio`` × the
   baseline's **and** the always-valid interval for the difference of mean latencies lies
   above 0 (a ratio alone is noisy with few samples; the interval makes it evidence). A p95 over
   the ratio without that evidence is inconclusive; passing needs the p95 ratio within bounds.
4. **Enough samples.** A ``"pass"`` needs ``min_samples_per_stage`` requests in each arm
   (the candidate is the smaller arm up to 50 %). A ``"fail"`` needs only
   ``min_samples_to_fail``: the interval is valid at any sample size, so a clearly broken
   candidate is rolled back at once instead of after the full stage, but the asymptotic
   interval needs a few hundred requests before its variance estimate can be trusted.

The controller counts failed analyses per stage, in total (not consecutively), like an Argo
Rollouts ``AnalysisRun`` (``failed > failureLimit`` fails the run; a new run starts at each
analysis step) and Flagger's ``threshold``: the ``failure_limit``-th failed analysis at a stage
rolls back. Promotion also waits ``min_stage_seconds`` at each stage (slow-burning problems,
e.g. memory growth, need time, not just samples). At 100 % no baseline is left to compare with,
so passing the last stage below 100 % completes the rollout.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

import pandas as pd

from companion import _checks, scenario

from .exceptions import RolloutError
from .metrics import VariantSnapshot
from .sequential import SequentialComparison, sequential_compare, sequential_compare_proportions
from .stats import SRMResult, sample_ratio_mismatch

__all__ = [
    "SRM_MIN_EXPECTED_COUNT",
    "Action",
    "Analysis",
    "Cause",
    "RolloutController",
    "RolloutDecision",
    "RolloutEvent",
    "RolloutPlan",
    "RolloutState",
    "Verdict",
    "analyze",
]

Verdict = Literal["pass", "fail", "inconclusive", "srm"]
Cause = Literal["srm", "error_rate", "latency", "samples", "none"]
Action = Literal["hold", "promote", "rollback", "halt", "complete"]
RolloutState = Literal["progressing", "promoted", "rolled_back", "halted"]

SRM_MIN_EXPECTED_COUNT: Final = 100
"""The SRM check waits until every planned arm expects at least this many units.

The chi-squared test approximates a skewed binomial; with a 5 % arm expecting 15 units its
p-value in the far tail is too small by a factor of 2-3 (0.0009 where the exact binomial test
says 0.0023), enough to halt a healthy rollout at its first look. At 100 the approximation is
close, and a real mismatch needs far more units than that to show anyway."""

_TERMINAL: Final[frozenset[str]] = frozenset({"promoted", "rolled_back", "halted"})
_NAN = math.nan


def _whole(value: object, name: str, low: int, high: int | None = None) -> int:
    return _checks.whole(value, name, low, high, error=RolloutError)


def _finite(value: object, name: str) -> float:
    return _checks.finite(value, name, error=RolloutError)


def _open_unit(value: object, name: str) -> float:
    return _checks.in_range(value, name, 0, 1, open_low=True, open_high=True, error=RolloutError)


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RolloutPlan:
    """Stages and guardrails of one canary rollout, checked on construction.

    Attributes:
        steps_percent: Candidate traffic share at each stage, whole percent, strictly
            increasing, in (0, 100], ending at 100, with at least one stage below 100.
        min_samples_per_stage: Requests each arm needs at a stage before it can pass.
        min_samples_to_fail: Requests each arm needs before a failed analysis counts
            (at most ``min_samples_per_stage``).
        min_stage_seconds: Shortest time at a stage before promotion.
        max_stage_seconds: Longest time at a stage; still undecided then, the rollout halts
            for a human (at least ``min_stage_seconds``).
        analysis_interval_seconds: Time between analyses (at most ``min_stage_seconds``).
        max_error_rate_increase: Non-inferiority margin on the error rate, absolute
            (0.005 = half a percentage point), in (0, 1).
        max_p95_latency_ratio: Largest acceptable candidate p95 / baseline p95, >= 1.
        alpha: Error rate of the sequential intervals, in (0, 1), valid however often the
            controller looks.
        failure_limit: Failed analyses at one stage (in total) that roll back, >= 1.
        srm_threshold: Sample-ratio-mismatch p-value below which the rollout halts, in (0, 1).
        planned_samples: ``N*``, the total requests of both arms at which the sequential
            interval is tuned to be tightest (:func:`~companion.experiments.sequential.tuning_rho`);
            ``None`` (the default) uses, at each stage, the total at which the candidate reaches
            ``min_samples_per_stage``, i.e. when a pass first becomes possible.
    """

    steps_percent: tuple[int, ...] = scenario.CANARY_STEPS_PERCENT
    min_samples_per_stage: int = 2_000
    min_samples_to_fail: int = 200
    min_stage_seconds: float = 600.0
    max_stage_seconds: float = 3_600.0
    analysis_interval_seconds: float = 60.0
    max_error_rate_increase: float = 0.005
    max_p95_latency_ratio: float = 1.2
    alpha: float = 0.05
    failure_limit: int = 2
    srm_threshold: float = 0.001
    planned_samples: int | None = None

    def __post_init__(self) -> None:
        steps = self.steps_percent
        if isinstance(steps, str) or not isinstance(steps, Sequence):
            raise RolloutError(
                f"steps_percent must be a sequence of whole percents, got {type(steps).__name__}"
            )
        steps = tuple(steps)
        for index, step in enumerate(steps):
            _whole(step, f"steps_percent[{index}]", 1, 100)
        if len(steps) < 2 or steps[-1] != 100:
            raise RolloutError(
                "steps_percent must have at least one stage below 100 % and end at 100, "
                f"got {steps!r}"
            )
        for index in range(1, len(steps)):
            if steps[index] <= steps[index - 1]:
                raise RolloutError(
                    f"steps_percent must be strictly increasing, got {steps!r} "
                    f"(step {index}: {steps[index]} after {steps[index - 1]})"
                )
        object.__setattr__(self, "steps_percent", steps)
        _whole(self.min_samples_per_stage, "min_samples_per_stage", 2)
        _whole(self.min_samples_to_fail, "min_samples_to_fail", 2, self.min_samples_per_stage)
        min_stage = _finite(self.min_stage_seconds, "min_stage_seconds")
        if min_stage <= 0:
            raise RolloutError(f"min_stage_seconds must be > 0, got {self.min_stage_seconds!r}")
        max_stage = _finite(self.max_stage_seconds, "max_stage_seconds")
        if max_stage < min_stage:
            raise RolloutError(
                f"max_stage_seconds must be >= min_stage_seconds ({min_stage:g}), "
                f"got {self.max_stage_seconds!r}"
            )
        interval = _finite(self.analysis_interval_seconds, "analysis_interval_seconds")
        if not 0.0 < interval <= min_stage:
            raise RolloutError(
                f"analysis_interval_seconds must be in (0, min_stage_seconds = {min_stage:g}], "
                f"got {self.analysis_interval_seconds!r}"
            )
        _open_unit(self.max_error_rate_increase, "max_error_rate_increase")
        ratio = _finite(self.max_p95_latency_ratio, "max_p95_latency_ratio")
        if ratio < 1.0:
            raise RolloutError(
                f"max_p95_latency_ratio must be >= 1 (candidate p95 / baseline p95), "
                f"got {self.max_p95_latency_ratio!r}"
            )
        _open_unit(self.alpha, "alpha")
        _whole(self.failure_limit, "failure_limit", 1)
        _open_unit(self.srm_threshold, "srm_threshold")
        if self.planned_samples is not None:
            _whole(self.planned_samples, "planned_samples", 2)

    @property
    def analyzed_steps_percent(self) -> tuple[int, ...]:
        """The stages that are analysed: all but the final 100 %."""
        return self.steps_percent[:-1]

    def planned_total_samples(self, candidate_share: float) -> int:
        """``N*`` for a stage where the candidate gets ``candidate_share`` (in (0, 1)) of traffic."""
        if self.planned_samples is not None:
            return self.planned_samples
        if not 0.0 < candidate_share <= 1.0:
            raise RolloutError(f"candidate_share must be in (0, 1], got {candidate_share!r}")
        smaller_share = min(candidate_share, 1.0 - candidate_share) or candidate_share
        return max(2, math.ceil(self.min_samples_per_stage / smaller_share))


# --------------------------------------------------------------------------------------------
# One analysis
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    """The verdict of one look at both arms, and every number that went into it.

    ``error_*`` come from the sequential interval on (candidate − baseline) error rate,
    ``latency_*_ms`` from the one on (candidate − baseline) mean latency; numbers that could not
    be computed yet (too few requests) are NaN. ``srm_p_value`` is NaN while the SRM check
    waits for :data:`SRM_MIN_EXPECTED_COUNT`. ``cause`` names what decided the verdict:
    ``"srm"``, ``"error_rate"``, ``"latency"``, ``"samples"`` (too few to decide) or ``"none"``
    (a pass, or an interval that is still undecided).
    """

    verdict: Verdict
    cause: Cause
    reason: str
    n_baseline: int
    n_candidate: int
    errors_baseline: int
    errors_candidate: int
    error_rate_baseline: float
    error_rate_candidate: float
    error_difference: float
    error_ci_low: float
    error_ci_high: float
    p95_baseline_ms: float
    p95_candidate_ms: float
    p95_ratio: float
    latency_difference_ms: float
    latency_ci_low_ms: float
    latency_ci_high_ms: float
    srm_chi2: float
    srm_p_value: float
    planned_total_samples: int

    def numbers(self) -> dict[str, float]:
        """Every number of this analysis by name (for an event log or a DataFrame row)."""
        return {
            "n_baseline": float(self.n_baseline),
            "n_candidate": float(self.n_candidate),
            "errors_baseline": float(self.errors_baseline),
            "errors_candidate": float(self.errors_candidate),
            "error_rate_baseline": self.error_rate_baseline,
            "error_rate_candidate": self.error_rate_candidate,
            "error_difference": self.error_difference,
            "error_ci_low": self.error_ci_low,
            "error_ci_high": self.error_ci_high,
            "p95_baseline_ms": self.p95_baseline_ms,
            "p95_candidate_ms": self.p95_candidate_ms,
            "p95_ratio": self.p95_ratio,
            "latency_difference_ms": self.latency_difference_ms,
            "latency_ci_low_ms": self.latency_ci_low_ms,
            "latency_ci_high_ms": self.latency_ci_high_ms,
            "srm_chi2": self.srm_chi2,
            "srm_p_value": self.srm_p_value,
        }


def _check_snapshot(value: object, name: str) -> VariantSnapshot:
    if not isinstance(value, VariantSnapshot):
        raise RolloutError(f"{name} must be a VariantSnapshot, got {type(value).__name__}")
    return value


def _srm(
    counts: Mapping[str, int], planned_weights: Mapping[str, float], threshold: float
) -> SRMResult | None:
    """The SRM test, or ``None`` while some planned arm expects too few units to test."""
    total = sum(counts.values())
    weight_total = sum(planned_weights.values())
    if total == 0 or weight_total <= 0:
        return None
    smallest = min(weight for weight in planned_weights.values() if weight > 0) / weight_total
    if total * smallest < SRM_MIN_EXPECTED_COUNT:
        return None
    return sample_ratio_mismatch(counts, planned_weights, threshold=threshold)


@dataclass(frozen=True)
class _Evidence:
    """What one analysis looks at: both arms, the SRM test and the two always-valid intervals
    (``None`` while too few requests)."""

    baseline: VariantSnapshot
    candidate: VariantSnapshot
    planned_n: int
    p95_ratio: float
    srm: SRMResult | None
    errors: SequentialComparison | None
    latency: SequentialComparison | None

    @property
    def smaller_arm(self) -> int:
        return min(self.baseline.requests, self.candidate.requests)

    @property
    def error_interval(self) -> str:
        errors = self.errors
        return f"[{errors.ci_low * 100:+.2f}, {errors.ci_high * 100:+.2f}] points" if errors else ""

    def analysis(self, verdict: Verdict, cause: Cause, reason: str) -> Analysis:
        baseline, candidate = self.baseline, self.candidate
        errors, latency, srm = self.errors, self.latency, self.srm
        return Analysis(
            verdict=verdict,
            cause=cause,
            reason=reason,
            n_baseline=baseline.requests,
            n_candidate=candidate.requests,
            errors_baseline=baseline.errors,
            errors_candidate=candidate.errors,
            error_rate_baseline=baseline.error_rate,
            error_rate_candidate=candidate.error_rate,
            error_difference=errors.difference if errors else _NAN,
            error_ci_low=errors.ci_low if errors else _NAN,
            error_ci_high=errors.ci_high if errors else _NAN,
            p95_baseline_ms=baseline.p95_ms,
            p95_candidate_ms=candidate.p95_ms,
            p95_ratio=self.p95_ratio,
            latency_difference_ms=latency.difference if latency else _NAN,
            latency_ci_low_ms=latency.ci_low if latency else _NAN,
            latency_ci_high_ms=latency.ci_high if latency else _NAN,
            srm_chi2=srm.chi2 if srm else _NAN,
            srm_p_value=srm.p_value if srm else _NAN,
            planned_total_samples=self.planned_n,
        )


def _gather(
    baseline: VariantSnapshot,
    candidate: VariantSnapshot,
    counts: Mapping[str, int],
    planned_weights: Mapping[str, float],
    plan: RolloutPlan,
) -> _Evidence:
    """The planned sample size at this stage, the p95 ratio, the SRM test and the intervals."""
    weight_total = float(sum(planned_weights.values()))
    share = float(planned_weights[candidate.variant]) / weight_total if weight_total else 0.0
    planned_n = plan.planned_total_samples(share) if share > 0 else 2
    n_b, n_c = baseline.requests, candidate.requests
    p95_b, p95_c = baseline.p95_ms, candidate.p95_ms
    p95_ratio = p95_c / p95_b if n_b and n_c and p95_b > 0 else _NAN
    srm = _srm(counts, planned_weights, plan.srm_threshold)

    errors: SequentialComparison | None = None
    latency: SequentialComparison | None = None
    if n_b >= 2 and n_c >= 2:
        errors = sequential_compare_proportions(
            baseline.errors, n_b, candidate.errors, n_c, planned_n=planned_n, alpha=plan.alpha
        )
        if float(baseline.latencies_ms.var()) > 0 or float(candidate.latencies_ms.var()) > 0:
            latency = sequential_compare(
                baseline.latencies_ms,
                candidate.latencies_ms,
                planned_n=planned_n,
                alpha=plan.alpha,
            )
    return _Evidence(baseline, candidate, planned_n, p95_ratio, srm, errors, latency)


def _srm_verdict(evidence: _Evidence, plan: RolloutPlan) -> Analysis | None:
    """Rule 1: a broken split makes every other number untrustworthy."""
    srm = evidence.srm
    if srm is None or not srm.mismatch:
        return None
    observed = ", ".join(f"{name} {count}" for name, count in srm.observed.items())
    expected = ", ".join(f"{name} {count:.0f}" for name, count in srm.expected.items())
    return evidence.analysis(
        "srm",
        "srm",
        f"sample ratio mismatch: observed {observed} where the planned split expects "
        f"{expected} (chi-squared p = {srm.p_value:.2g} < {plan.srm_threshold:g}); "
        "assignment or logging is broken, so no other number can be trusted",
    )


def _failure(evidence: _Evidence, plan: RolloutPlan) -> Analysis | None:
    """Rules 2-3: failures count once each arm has ``min_samples_to_fail`` requests."""
    errors, latency = evidence.errors, evidence.latency
    if errors is None or evidence.smaller_arm < plan.min_samples_to_fail:
        return None
    baseline, candidate = evidence.baseline, evidence.candidate
    margin = plan.max_error_rate_increase
    ratio_limit = plan.max_p95_latency_ratio
    if errors.ci_low > margin:
        return evidence.analysis(
            "fail",
            "error_rate",
            f"error rate {candidate.error_rate:.2%} vs baseline {baseline.error_rate:.2%}: "
            f"the always-valid interval for the increase, {evidence.error_interval}, lies "
            f"above the {margin * 100:.2f}-point margin",
        )
    if latency is not None and evidence.p95_ratio > ratio_limit and latency.ci_low > 0:
        return evidence.analysis(
            "fail",
            "latency",
            f"p95 latency {candidate.p95_ms:.1f} ms vs baseline {baseline.p95_ms:.1f} ms (ratio "
            f"{evidence.p95_ratio:.2f} > {ratio_limit:g}), and the always-valid interval for "
            f"the mean latency increase, [{latency.ci_low:+.1f}, {latency.ci_high:+.1f}] ms, "
            "lies above 0",
        )
    return None


def _pass_or_wait(evidence: _Evidence, plan: RolloutPlan) -> Analysis:
    """Rule 4 and the pass: ``min_samples_per_stage`` in each arm, the error-rate interval
    below the margin and the p95 ratio within bounds."""
    errors, smaller = evidence.errors, evidence.smaller_arm
    margin = plan.max_error_rate_increase
    ratio_limit = plan.max_p95_latency_ratio
    interval = evidence.error_interval
    if errors is None or smaller < plan.min_samples_per_stage:
        return evidence.analysis(
            "inconclusive",
            "samples",
            f"not enough samples yet: {smaller} of the {plan.min_samples_per_stage} requests "
            "each arm needs at this stage",
        )
    if errors.ci_high >= margin:
        return evidence.analysis(
            "inconclusive",
            "none",
            f"error rate not yet shown non-inferior: the interval for the increase, {interval}, "
            f"reaches the {margin * 100:.2f}-point margin",
        )
    if not evidence.p95_ratio <= ratio_limit:
        return evidence.analysis(
            "inconclusive",
            "none",
            f"p95 latency ratio {evidence.p95_ratio:.2f} is above {ratio_limit:g} but the mean "
            "latency difference is not (yet) significant",
        )
    return evidence.analysis(
        "pass",
        "none",
        f"error-rate increase {interval}, below the {margin * 100:.2f}-point margin; p95 "
        f"{evidence.candidate.p95_ms:.1f} ms vs {evidence.baseline.p95_ms:.1f} ms (ratio "
        f"{evidence.p95_ratio:.2f} <= {ratio_limit:g})",
    )


def analyze(
    baseline: VariantSnapshot,
    candidate: VariantSnapshot,
    counts: Mapping[str, int],
    planned_weights: Mapping[str, float],
    plan: RolloutPlan,
) -> Analysis:
    """Judge the candidate against the baseline at one instant (see the module docstring).

    Args:
        baseline: The control arm's requests, errors and latencies at this stage.
        candidate: The candidate arm's, taken at the same instant.
        counts: Units per variant for the sample-ratio check, with the keys of
            ``planned_weights``: best the users seen per arm at this stage (the unit of
            randomization), else the requests recorded (``ExperimentMetrics.counts()``).
        planned_weights: The planned split at this stage, e.g. ``{"control": 0.95,
            "candidate": 0.05}`` (any non-negative scale).
        plan: Margins, ``alpha``, sample minimums and the SRM threshold.

    Returns:
        An :class:`Analysis` with verdict ``"srm"``, ``"fail"``, ``"pass"`` or
        ``"inconclusive"``.

    Raises:
        RolloutError: a snapshot, plan or weights of the wrong type, or a candidate missing
            from ``planned_weights``.
        StatsInputError: counts and weights with different variants, negative counts.
    """
    baseline = _check_snapshot(baseline, "baseline")
    candidate = _check_snapshot(candidate, "candidate")
    if not isinstance(plan, RolloutPlan):
        raise RolloutError(f"plan must be a RolloutPlan, got {type(plan).__name__}")
    if not isinstance(planned_weights, Mapping) or candidate.variant not in planned_weights:
        raise RolloutError(
            f"planned_weights must map each variant to its planned share, including the "
            f"candidate {candidate.variant!r}; got {planned_weights!r}"
        )
    evidence = _gather(baseline, candidate, counts, planned_weights, plan)
    return _srm_verdict(evidence, plan) or _failure(evidence, plan) or _pass_or_wait(evidence, plan)


# --------------------------------------------------------------------------------------------
# The controller
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RolloutDecision:
    """What the controller decided at ``time_s`` and what the caller must do about it.

    ``percent`` is the candidate's traffic share from now on (``previous_percent`` before).
    When ``reset_metrics`` is true the stage changed: the caller sets the new split (e.g.
    ``router.set_experiment(rollout_experiment(key, percent))``) **and resets the per-variant
    metrics** (``router.metrics.reset()``), so the next stage is judged on its own traffic.
    ``failures`` is the count of failed analyses at the stage that was analysed.
    """

    time_s: float
    action: Action
    state: RolloutState
    previous_percent: int
    percent: int
    reset_metrics: bool
    failures: int
    reason: str
    analysis: Analysis

    @property
    def terminal(self) -> bool:
        """Whether the rollout is over (promoted, rolled back or halted)."""
        return self.state in _TERMINAL


@dataclass(frozen=True)
class RolloutEvent:
    """One line of the rollout's log: when, at which stage, what was done and why, with every
    number the decision used (``n`` per arm, error rates and their interval, p95s, the SRM
    p-value, time at the stage, failures so far; NaN where not computed yet)."""

    time_s: float
    stage_percent: int
    action: Action
    new_percent: int
    state: RolloutState
    reason: str
    numbers: Mapping[str, float] = field(hash=False)


class RolloutController:
    """Walks a :class:`RolloutPlan`'s stages, deciding at each analysis from the metrics.

    States: ``"progressing"`` (at a stage), ``"promoted"`` (the last stage below 100 % passed;
    the candidate takes 100 %), ``"rolled_back"`` (``failure_limit`` failed analyses at one
    stage; weight 0), ``"halted"`` (a sample ratio mismatch, or a stage still undecided after
    ``max_stage_seconds``: weight 0 for safety, a human must decide). The last three are
    terminal: :meth:`step` raises :class:`RolloutError` after them, since a caller still
    stepping a finished rollout has lost track of it.

    ``control`` and ``candidate`` name the two variants in the snapshots (as in
    :func:`companion.experiments.assignment.rollout_experiment`). Times are seconds on any clock
    that only moves forward; the first stage starts at ``clock_start_s``.
    """

    def __init__(
        self,
        plan: RolloutPlan,
        *,
        clock_start_s: float = 0.0,
        control: str = "control",
        candidate: str = "candidate",
    ) -> None:
        if not isinstance(plan, RolloutPlan):
            raise RolloutError(f"plan must be a RolloutPlan, got {type(plan).__name__}")
        for name, value in (("control", control), ("candidate", candidate)):
            if not isinstance(value, str) or not value:
                raise RolloutError(f"{name} must be a non-empty variant name, got {value!r}")
        if control == candidate:
            raise RolloutError(f"control and candidate must differ, both are {control!r}")
        self.plan = plan
        self.control = control
        self.candidate = candidate
        self._stage_index = 0
        self._stage_started_s = _finite(clock_start_s, "clock_start_s")
        self._last_time_s = self._stage_started_s
        self._state: RolloutState = "progressing"
        self._percent = plan.steps_percent[0]
        self._failures = 0
        self.events: list[RolloutEvent] = []

    @property
    def state(self) -> RolloutState:
        return self._state

    @property
    def terminal(self) -> bool:
        return self._state in _TERMINAL

    @property
    def current_percent(self) -> int:
        """The candidate's traffic share now, in percent (0 after a rollback or halt)."""
        return self._percent

    @property
    def stage_index(self) -> int:
        """Index into ``plan.steps_percent`` of the current (or last) stage."""
        return self._stage_index

    @property
    def stage_started_s(self) -> float:
        return self._stage_started_s

    @property
    def failures(self) -> int:
        """Failed analyses at the current stage."""
        return self._failures

    def planned_weights(self) -> dict[str, float]:
        """The split now, as fractions: ``{control: 1 - p, candidate: p}``."""
        share = self._percent / 100.0
        return {self.control: 1.0 - share, self.candidate: share}

    def step(
        self,
        now_s: float,
        snapshot: Mapping[str, VariantSnapshot],
        counts: Mapping[str, int] | None = None,
    ) -> RolloutDecision:
        """Analyse the metrics of the current stage and decide; call every analysis interval.

        Args:
            now_s: The time now, in seconds, not before the previous step.
            snapshot: Each variant's snapshot at this stage (``ExperimentMetrics.snapshot()``),
                with the ``control`` and ``candidate`` keys.
            counts: Units per variant for the sample-ratio check; by default the snapshots'
                request counts.

        Returns:
            A :class:`RolloutDecision`; it is also logged in :attr:`events`.

        Raises:
            RolloutError: a terminal rollout, time going backwards, or a missing variant.
        """
        if self.terminal:
            raise RolloutError(
                f"the rollout is already {self._state} (candidate at {self._percent} %); "
                "start a new RolloutController for a new rollout"
            )
        now = _finite(now_s, "now_s")
        if now < self._last_time_s:
            raise RolloutError(
                f"now_s must not go backwards: got {now_s!r} after {self._last_time_s:g}"
            )
        missing = [name for name in (self.control, self.candidate) if name not in snapshot]
        if missing:
            raise RolloutError(f"snapshot has no variant(s) {missing}; it has {sorted(snapshot)}")
        if counts is None:
            counts = {name: snapshot[name].requests for name in (self.control, self.candidate)}
        plan = self.plan
        analysis = analyze(
            snapshot[self.control],
            snapshot[self.candidate],
            counts,
            self.planned_weights(),
            plan,
        )
        self._last_time_s = now
        in_stage_s = now - self._stage_started_s
        stage = self._percent
        action: Action = "hold"
        reason = analysis.reason

        if analysis.verdict == "srm":
            action = "halt"
            reason = f"halted: {analysis.reason}"
        elif analysis.verdict == "fail":
            self._failures += 1
            if self._failures >= plan.failure_limit:
                action = "rollback"
                reason = (
                    f"rolled back after {self._failures} failed analyses at {stage} % "
                    f"(failure_limit {plan.failure_limit}): {analysis.reason}"
                )
            else:
                reason = (
                    f"failed analysis {self._failures} of {plan.failure_limit} allowed: "
                    f"{analysis.reason}"
                )
        elif analysis.verdict == "pass":
            if in_stage_s >= plan.min_stage_seconds:
                last = self._stage_index + 1 == len(plan.steps_percent) - 1
                action = "complete" if last else "promote"
                target = plan.steps_percent[self._stage_index + 1]
                reason = f"passed at {stage} % after {in_stage_s:.0f} s, now {target} %: {reason}"
            else:
                reason = (
                    f"passing, but only {in_stage_s:.0f} s of the {plan.min_stage_seconds:g} s "
                    f"minimum at {stage} %: {analysis.reason}"
                )
        if action == "hold" and in_stage_s >= plan.max_stage_seconds:
            action = "halt"
            reason = (
                f"halted: no decision after {in_stage_s:.0f} s at {stage} % (max_stage_seconds "
                f"{plan.max_stage_seconds:g}); a human must decide. Last analysis: {reason}"
            )
        failures = self._failures
        self._apply(action, now)
        numbers = {
            **analysis.numbers(),
            "time_in_stage_s": in_stage_s,
            "failures": float(failures),
        }
        self.events.append(
            RolloutEvent(now, stage, action, self._percent, self._state, reason, numbers)
        )
        return RolloutDecision(
            time_s=now,
            action=action,
            state=self._state,
            previous_percent=stage,
            percent=self._percent,
            reset_metrics=self._percent != stage,
            failures=failures,
            reason=reason,
            analysis=analysis,
        )

    def _apply(self, action: Action, now: float) -> None:
        if action == "hold":
            return
        if action in ("promote", "complete"):
            self._stage_index += 1
            self._percent = self.plan.steps_percent[self._stage_index]
            self._state = "promoted" if action == "complete" else "progressing"
        else:
            self._percent = 0
            self._state = "rolled_back" if action == "rollback" else "halted"
        self._stage_started_s = now
        self._failures = 0

    def events_frame(self) -> pd.DataFrame:
        """:attr:`events` as a DataFrame: ``time_s``, ``stage_percent``, ``action``,
        ``new_percent``, ``state``, ``reason`` and one column per number."""
        rows = [
            {
                "time_s": event.time_s,
                "stage_percent": event.stage_percent,
                "action": event.action,
                "new_percent": event.new_percent,
                "state": event.state,
                "reason": event.reason,
                **event.numbers,
            }
            for event in self.events
        ]
        columns = ["time_s", "stage_percent", "action", "new_percent", "state", "reason"]
        return pd.DataFrame(rows, columns=None if rows else columns)
