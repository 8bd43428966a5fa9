"""Asymptotic confidence sequences and the peeking simulation (fixed seeds throughout)."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest
from scipy import stats as scipy_stats

from companion.experiments.exceptions import StatsInputError
from companion.experiments.sequential import (
    PeekingResult,
    always_valid_p_value,
    confidence_sequence_halfwidth,
    peeking_simulation,
    sequential_compare,
    sequential_compare_proportions,
    sequential_compare_stats,
    tuning_rho,
)
from companion.experiments.stats import two_proportion_test

Z_975 = scipy_stats.norm.ppf(0.975)


def _binomial_tolerance(p: float, trials: int) -> float:
    """Three standard errors of a simulated rate."""
    return 3 * math.sqrt(p * (1 - p) / trials)


# ---------------------------------------------------------------------------------------------
# The boundary
# ---------------------------------------------------------------------------------------------


def test_tuning_rho_is_the_formula() -> None:
    # rho = sqrt((-2 ln a + ln(-2 ln a + 1)) / N*); for a = 0.05: -2 ln a = 5.99146,
    # ln(6.99146) = 1.94469, so rho² = 7.93615 / N*; N* = 5,000 (GrowthBook's default) -> 0.03984.
    assert tuning_rho(5000) == pytest.approx(math.sqrt(7.93615 / 5000), rel=1e-5)
    assert tuning_rho(5000) == pytest.approx(0.03984, abs=1e-5)
    for n_star, alpha in [(1, 0.05), (9600, 0.05), (20_000, 0.01), (300, 0.2)]:
        log_alpha = math.log(alpha)
        expected = math.sqrt((-2 * log_alpha + math.log(-2 * log_alpha + 1)) / n_star)
        assert tuning_rho(n_star, alpha) == pytest.approx(expected, rel=1e-12)
    assert tuning_rho(20_000) == pytest.approx(tuning_rho(5000) / 2)


def test_halfwidth_is_the_formula() -> None:
    n, variance, alpha, rho = 2000, 0.25, 0.05, tuning_rho(5000)
    expected = math.sqrt(variance) * math.sqrt(
        2 * (n * rho**2 + 1) / (n**2 * rho**2) * math.log(math.sqrt(n * rho**2 + 1) / alpha)
    )
    assert confidence_sequence_halfwidth(n, variance, alpha=alpha, rho=rho) == pytest.approx(
        expected, rel=1e-12
    )
    assert confidence_sequence_halfwidth(n, 0.0, rho=rho) == 0.0
    # Scales with the standard deviation.
    assert confidence_sequence_halfwidth(n, 4 * variance, rho=rho) == pytest.approx(2 * expected)


def test_interval_shrinks_and_is_tightest_near_the_planned_n() -> None:
    planned = 5000
    rho = tuning_rho(planned)
    sizes = np.arange(100, 200_001, 100)
    widths = np.array([confidence_sequence_halfwidth(int(n), 1.0, rho=rho) for n in sizes])
    assert np.all(np.diff(widths) < 0)  # the interval shrinks as n grows
    # Always wider than the fixed-horizon 95 % interval (the price of peeking) ...
    fixed = Z_975 / np.sqrt(sizes)
    ratio = widths / fixed
    assert np.all(ratio > 1)
    # ... and relatively cheapest near N*: within 10 % of planned_n, about 1.55x.
    best = int(sizes[np.argmin(ratio)])
    assert abs(best - planned) <= 0.1 * planned
    assert ratio.min() == pytest.approx(1.55, abs=0.01)


def test_always_valid_p_value_agrees_with_the_interval() -> None:
    rho = tuning_rho(4000)
    rng = np.random.default_rng(11)
    for _ in range(300):
        n = int(rng.integers(10, 50_000))
        variance = float(rng.uniform(0.01, 4.0))
        difference = float(rng.normal(0, 3 * math.sqrt(variance / n)))
        halfwidth = confidence_sequence_halfwidth(n, variance, rho=rho)
        p_value = always_valid_p_value(n, variance, difference, rho=rho)
        assert 0 <= p_value <= 1
        assert (p_value < 0.05) == (abs(difference) > halfwidth)
    assert always_valid_p_value(100, 0.0, 0.1, rho=rho) == 0.0
    assert always_valid_p_value(100, 0.0, 0.0, rho=rho) == 1.0
    assert always_valid_p_value(100, 1.0, 0.0, rho=rho) == 1.0


# ---------------------------------------------------------------------------------------------
# Two-arm comparisons
# ---------------------------------------------------------------------------------------------


def test_sequential_compare_from_stats() -> None:
    result = sequential_compare_stats(
        1000, 100.0, 400.0, 1200, 104.0, 625.0, planned_n=2000, lower_is_better=True
    )
    n = 2200
    variance = n * (400.0 / 1000 + 625.0 / 1200)
    halfwidth = confidence_sequence_halfwidth(n, variance, rho=tuning_rho(2000))
    assert result.n == n
    assert result.difference == pytest.approx(4.0)
    assert result.halfwidth == pytest.approx(halfwidth)
    assert (result.ci_low, result.ci_high) == pytest.approx((4.0 - halfwidth, 4.0 + halfwidth))
    assert result.rho == pytest.approx(tuning_rho(2000))
    assert result.planned_n == 2000
    # B is 4 ms slower and the interval excludes 0: A is better (lower latency).
    assert result.ci_low > 0
    assert result.decision == "a_better" and result.significant
    assert result.p_value < 0.05
    # Wider than the fixed-horizon interval for the same data.
    assert result.halfwidth > Z_975 * math.sqrt(400.0 / 1000 + 625.0 / 1200)


def test_decision_direction_follows_lower_is_better() -> None:
    # B has fewer errors: 2 % vs 4 % on 5,000 requests each.
    errors = sequential_compare_proportions(200, 5000, 100, 5000, planned_n=10_000)
    assert errors.difference == pytest.approx(-0.02)
    assert errors.ci_high < 0
    assert errors.decision == "b_better"
    conversions = sequential_compare_proportions(
        200, 5000, 100, 5000, planned_n=10_000, lower_is_better=False
    )
    assert conversions.decision == "a_better"
    tie = sequential_compare_proportions(150, 5000, 152, 5000, planned_n=10_000)
    assert tie.decision == "inconclusive" and not tie.significant
    assert tie.ci_low < 0 < tie.ci_high


def test_proportions_match_samples_of_zeros_and_ones() -> None:
    a = np.r_[np.ones(37), np.zeros(963)]
    b = np.r_[np.ones(58), np.zeros(942)]
    from_samples = sequential_compare(a, b, planned_n=4000)
    from_counts = sequential_compare_proportions(37, 1000, 58, 1000, planned_n=4000)
    for field in ("difference", "halfwidth", "ci_low", "ci_high", "p_value"):
        assert getattr(from_counts, field) == pytest.approx(getattr(from_samples, field))
    assert from_counts.variance_a == pytest.approx(a.var(ddof=1))
    assert from_counts.decision == from_samples.decision


def test_sequential_is_more_cautious_than_the_fixed_test() -> None:
    # 5.0 % vs 5.9 % on 10,000 each: the fixed-horizon test says significant (p = 0.005),
    # the confidence sequence, which pays for the right to peek, is still inconclusive.
    fixed = two_proportion_test(500, 10_000, 590, 10_000)
    sequential = sequential_compare_proportions(500, 10_000, 590, 10_000, planned_n=20_000)
    assert fixed.significant and fixed.p_value < 0.01
    assert sequential.decision == "inconclusive"
    assert sequential.halfwidth > (fixed.ci_high - fixed.ci_low) / 2


def test_real_difference_is_detected_before_the_last_look() -> None:
    # One canary: 5 % errors on the old model, 8 % on the new, 200 requests per arm per look.
    rng = np.random.default_rng(2024)
    looks, per_look = 24, 200
    planned_n = 2 * looks * per_look
    errors_a = np.cumsum(rng.binomial(per_look, 0.05, size=looks))
    errors_b = np.cumsum(rng.binomial(per_look, 0.08, size=looks))
    decided_at = None
    for look in range(looks):
        n = per_look * (look + 1)
        result = sequential_compare_proportions(
            int(errors_a[look]), n, int(errors_b[look]), n, planned_n=planned_n
        )
        if result.decision != "inconclusive":
            decided_at = look + 1
            break
    assert decided_at is not None and decided_at < looks
    assert result.decision == "a_better"  # the old model (A) has fewer errors
    # Over many such canaries the sequential rule almost always stops early.
    power = peeking_simulation(experiments=500, rate=0.05, rate_b=0.08, seed=1)
    assert power.false_positive_rate_sequential > 0.95
    halfway = power.cumulative_rejection_sequential[looks // 2 - 1]
    assert halfway > 0.8


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: tuning_rho(0), "planned_n"),
        (lambda: tuning_rho(100, alpha=1.0), "alpha"),
        (lambda: tuning_rho(100.5), "planned_n"),  # type: ignore[arg-type]
        (lambda: confidence_sequence_halfwidth(0, 1.0, rho=0.1), "n"),
        (lambda: confidence_sequence_halfwidth(10, -1.0, rho=0.1), "variance"),
        (lambda: confidence_sequence_halfwidth(10, 1.0, rho=0.0), "rho"),
        (lambda: confidence_sequence_halfwidth(10, 1.0, alpha=0.0, rho=0.1), "alpha"),
        (lambda: always_valid_p_value(10, 1.0, float("nan"), rho=0.1), "difference"),
        (lambda: sequential_compare_stats(1, 0, 1, 5, 0, 1, planned_n=10), "n_a"),
        (lambda: sequential_compare_stats(5, 0, -1, 5, 0, 1, planned_n=10), "variance_a"),
        (lambda: sequential_compare_stats(5, 0, 1, 5, float("inf"), 1, planned_n=10), "mean_b"),
        (lambda: sequential_compare_stats(5, 0, 1, 5, 0, 1, planned_n=0), "planned_n"),
        (lambda: sequential_compare_stats(5, 0, 1, 5, 0, 1, planned_n=9, alpha=2), "alpha"),
        (lambda: sequential_compare([1.0], [1.0, 2.0], planned_n=10), "a"),
        (lambda: sequential_compare([1.0, 2.0], [1.0, float("nan")], planned_n=10), "b"),
        (lambda: sequential_compare_proportions(11, 10, 1, 10, planned_n=10), "events_a"),
        (lambda: sequential_compare_proportions(1, 10, 1, 1, planned_n=10), "n_b"),
        (lambda: peeking_simulation(experiments=0), "experiments"),
        (lambda: peeking_simulation(looks=0), "looks"),
        (lambda: peeking_simulation(samples_per_look=1), "samples_per_look"),
        (lambda: peeking_simulation(rate=0.0), "rate"),
        (lambda: peeking_simulation(rate_b=1.0), "rate_b"),
        (lambda: peeking_simulation(alpha=0.0), "alpha"),
        (lambda: peeking_simulation(seed=-1), "seed"),
    ],
)
def test_invalid_inputs_name_the_field(call: object, field: str) -> None:
    with pytest.raises(StatsInputError, match=rf"^{field}\b"):
        call()  # type: ignore[operator]


def test_lower_is_better_must_be_a_bool() -> None:
    with pytest.raises(StatsInputError, match="lower_is_better"):
        sequential_compare_stats(5, 0, 1, 5, 0, 1, planned_n=10, lower_is_better="yes")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Time-uniform coverage (truth known)
# ---------------------------------------------------------------------------------------------


def test_confidence_sequence_covers_the_truth_at_every_look() -> None:
    # Latencies: A ~ Normal(100, 20) ms, B ~ Normal(103, 30) ms, true difference 3 ms.
    # 1,000 experiments, 60 looks of 100 requests per arm; the truth must stay inside the
    # interval at *all* looks in at least 1 - alpha of the experiments (up to Monte Carlo error).
    rng = np.random.default_rng(5)
    experiments, looks, per_look, alpha = 1000, 60, 100, 0.05
    true_difference = 3.0
    a = rng.normal(100.0, 20.0, size=(experiments, looks, per_look))
    b = rng.normal(103.0, 30.0, size=(experiments, looks, per_look))
    n_arm = per_look * np.arange(1, looks + 1)
    mean_a = np.cumsum(a.sum(axis=2), axis=1) / n_arm
    mean_b = np.cumsum(b.sum(axis=2), axis=1) / n_arm
    var_a = (np.cumsum((a**2).sum(axis=2), axis=1) - n_arm * mean_a**2) / (n_arm - 1)
    var_b = (np.cumsum((b**2).sum(axis=2), axis=1) - n_arm * mean_b**2) / (n_arm - 1)
    n = 2 * n_arm
    variance = n * (var_a / n_arm + var_b / n_arm)  # per-observation variance, per look
    rho = tuning_rho(2 * looks * per_look, alpha)
    # The half-width is sqrt(variance) times a factor of n alone.
    factor = np.array([confidence_sequence_halfwidth(int(k), 1.0, alpha=alpha, rho=rho) for k in n])
    error = np.abs(mean_b - mean_a - true_difference)
    ever_missed = (error > np.sqrt(variance) * factor).any(axis=1)
    fixed_ever_missed = (error > Z_975 * np.sqrt(variance / n)).any(axis=1)
    miscoverage = ever_missed.mean()
    assert miscoverage <= alpha + _binomial_tolerance(alpha, experiments)
    # The fixed-horizon interval, checked at every look, misses far more often.
    assert fixed_ever_missed.mean() > 3 * alpha


def test_confidence_sequence_covers_bernoulli_differences() -> None:
    # Error rates 5 % vs 6 % (true difference 0.01), through the public comparison function.
    rng = np.random.default_rng(9)
    experiments, looks, per_look = 400, 20, 250
    planned_n = 2 * looks * per_look
    errors_a = np.cumsum(rng.binomial(per_look, 0.05, size=(experiments, looks)), axis=1)
    errors_b = np.cumsum(rng.binomial(per_look, 0.06, size=(experiments, looks)), axis=1)
    missed = 0
    for row in range(experiments):
        for look in range(looks):
            n = per_look * (look + 1)
            result = sequential_compare_proportions(
                int(errors_a[row, look]), n, int(errors_b[row, look]), n, planned_n=planned_n
            )
            if not result.ci_low <= 0.01 <= result.ci_high:
                missed += 1
                break
    assert missed / experiments <= 0.05 + _binomial_tolerance(0.05, experiments)


# ---------------------------------------------------------------------------------------------
# Peeking simulation
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def aa() -> PeekingResult:
    return peeking_simulation(experiments=2000, looks=24, samples_per_look=200, seed=0)


def test_peeking_inflates_false_positives(aa: PeekingResult) -> None:
    tolerance = _binomial_tolerance(0.05, aa.experiments)
    assert aa.false_positive_rate_peeking > 0.15  # 0.267 with seed 0
    assert abs(aa.false_positive_rate_final_only - 0.05) <= tolerance  # 0.0525
    assert aa.false_positive_rate_sequential <= 0.05 + tolerance  # 0.013
    for per_look in aa.rejection_per_look_fixed:
        assert abs(per_look - 0.05) <= 2 * tolerance


def test_peeking_result_curves_and_settings(aa: PeekingResult) -> None:
    assert (aa.experiments, aa.looks, aa.samples_per_look, aa.seed) == (2000, 24, 200, 0)
    assert aa.rate_a == aa.rate_b == 0.05
    assert aa.planned_n == 2 * 24 * 200
    assert aa.rho == pytest.approx(tuning_rho(9600))
    assert aa.samples_per_arm == tuple(200 * k for k in range(1, 25))
    for curve in (aa.cumulative_rejection_peeking, aa.cumulative_rejection_sequential):
        assert len(curve) == aa.looks
        assert all(later >= earlier for earlier, later in itertools.pairwise(curve))
    assert aa.cumulative_rejection_peeking[-1] == aa.false_positive_rate_peeking
    assert aa.cumulative_rejection_sequential[-1] == aa.false_positive_rate_sequential
    assert aa.cumulative_rejection_peeking[0] == aa.rejection_per_look_fixed[0]
    assert aa.rejection_per_look_fixed[-1] == aa.false_positive_rate_final_only
    # Same seed, same answer; another seed, a different sample.
    assert peeking_simulation(seed=0) == aa
    assert peeking_simulation(seed=1) != aa


def test_peeking_simulation_matches_the_scalar_tests() -> None:
    # The vectorised z-test and confidence sequence agree with the per-experiment functions.
    result = peeking_simulation(experiments=3, looks=4, samples_per_look=50, rate=0.1, seed=3)
    rng = np.random.default_rng(3)
    batches = rng.binomial(50, [0.1, 0.1], size=(3, 4, 2))
    events = np.cumsum(batches, axis=1)
    fixed = np.zeros((3, 4), dtype=bool)
    sequential = np.zeros((3, 4), dtype=bool)
    for row in range(3):
        for look in range(4):
            n = 50 * (look + 1)
            ea, eb = int(events[row, look, 0]), int(events[row, look, 1])
            fixed[row, look] = two_proportion_test(ea, n, eb, n).significant
            sequential[row, look] = sequential_compare_proportions(
                ea, n, eb, n, planned_n=result.planned_n
            ).significant
    assert result.rejection_per_look_fixed == tuple(float(x) for x in fixed.mean(axis=0))
    expected = np.logical_or.accumulate(sequential, axis=1).mean(axis=0)
    assert result.cumulative_rejection_sequential == tuple(float(x) for x in expected)


def test_peeking_simulation_is_fast() -> None:
    start = time.perf_counter()
    peeking_simulation(experiments=2000, looks=24, samples_per_look=200)
    assert time.perf_counter() - start < 1.0
