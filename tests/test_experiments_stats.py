"""Fixed-horizon A/B statistics: checked against scipy/statsmodels and published worked examples."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.power import NormalIndPower, tt_ind_solve_power
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
)

from companion.experiments.exceptions import StatsInputError
from companion.experiments.stats import (
    LatencyComparison,
    ProportionComparison,
    compare_latency,
    sample_ratio_mismatch,
    sample_size_for_means,
    sample_size_per_variant,
    two_proportion_test,
)

# ---------------------------------------------------------------------------------------------
# two_proportion_test
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events_a", "n_a", "events_b", "n_b"),
    [(50, 1000, 70, 1000), (45, 1000, 66, 1000), (12, 400, 3, 350), (480, 9000, 410, 9100)],
)
def test_two_proportion_test_matches_statsmodels(
    events_a: int, n_a: int, events_b: int, n_b: int
) -> None:
    result = two_proportion_test(events_a, n_a, events_b, n_b, alpha=0.05)
    z, p = proportions_ztest([events_b, events_a], [n_b, n_a])
    low, high = confint_proportions_2indep(events_b, n_b, events_a, n_a, method="newcomb")
    assert result.z == pytest.approx(z, rel=1e-12)
    assert result.p_value == pytest.approx(p, rel=1e-12)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=1e-12)
    assert result.difference == pytest.approx(events_b / n_b - events_a / n_a)
    assert result.significant is bool(p < 0.05)
    # The pooled z-test is the score test without small-sample correction.
    score = sm_proportion.test_proportions_2indep(
        events_b, n_b, events_a, n_a, method="score", correction=False
    )
    assert result.p_value == pytest.approx(score.pvalue, rel=1e-9)


def test_two_proportion_test_published_example() -> None:
    # Worked example, S. Clayson, "Z test" (business.uni.edu/clayson/Ext/statZTest.htm):
    # 140/200 = .70 vs 150/200 = .75, pooled p = 290/400 = .725, z = -1.12 (p1 - p2),
    # one-tailed "sig" = 1 - .8686 = .1314. Here the difference is B - A, so z = +1.12 and the
    # two-sided p-value is twice the one-tailed one.
    # By hand: se = sqrt(.725 * .275 * (1/200 + 1/200)) = 0.044652; z = .05 / 0.044652 = 1.1198.
    result = two_proportion_test(140, 200, 150, 200)
    assert result.z == pytest.approx(1.12, abs=0.005)
    assert result.p_value / 2 == pytest.approx(0.1314, abs=0.001)
    assert result.rate_a == pytest.approx(0.70)
    assert result.rate_b == pytest.approx(0.75)
    assert not result.significant
    assert result.ci_low < 0 < result.ci_high


def test_two_proportion_test_significant_error_rate_increase() -> None:
    # 2 % -> 3 % errors on 10,000 requests each: z = 0.01 / sqrt(.025 * .975 * 2e-4) = 4.53.
    result = two_proportion_test(200, 10_000, 300, 10_000)
    assert result.z == pytest.approx(0.01 / math.sqrt(0.025 * 0.975 * 2e-4), rel=1e-9)
    assert result.significant
    assert result.p_value < 1e-5
    assert 0 < result.ci_low < result.difference < result.ci_high


def test_two_proportion_test_zero_events_is_no_evidence() -> None:
    result = two_proportion_test(0, 100, 0, 100)
    assert result == ProportionComparison(
        events_a=0,
        n_a=100,
        events_b=0,
        n_b=100,
        rate_a=0.0,
        rate_b=0.0,
        difference=0.0,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        z=0.0,
        p_value=1.0,
        significant=False,
        alpha=0.05,
        method=result.method,
    )
    assert result.ci_low < 0 < result.ci_high
    assert "z-test" in result.method and "Newcombe" in result.method
    # Zero errors in A, a few in B: the Newcombe interval is still finite and sensible.
    few = two_proportion_test(0, 100, 3, 100)
    assert -0.05 < few.ci_low < 0 < few.ci_high < 0.1


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        ((5, 0, 1, 10), {}, "n_a"),
        ((5, 10, 1, 0), {}, "n_b"),
        ((11, 10, 1, 10), {}, "events_a"),
        ((1, 10, -1, 10), {}, "events_b"),
        ((1.5, 10, 1, 10), {}, "events_a"),
        ((True, 10, 1, 10), {}, "events_a"),
        ((1, 10, 1, 10), {"alpha": 0.0}, "alpha"),
        ((1, 10, 1, 10), {"alpha": 1.5}, "alpha"),
        ((1, 10, 1, 10), {"alpha": float("nan")}, "alpha"),
    ],
)
def test_two_proportion_test_rejects_bad_input(
    args: tuple[int, int, int, int], kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(StatsInputError, match=field):
        two_proportion_test(*args, **kwargs)


# ---------------------------------------------------------------------------------------------
# compare_latency
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def latencies() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    a = rng.lognormal(mean=math.log(50), sigma=0.4, size=3000)
    b = rng.lognormal(mean=math.log(53), sigma=0.4, size=2500)
    return a, b


def test_compare_latency_welch_matches_scipy(latencies: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = latencies
    result = compare_latency(a, b, method="welch", alpha=0.05)
    reference = scipy_stats.ttest_ind(b, a, equal_var=False)
    interval = reference.confidence_interval(0.95)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-12)
    assert (result.ci_low_ms, result.ci_high_ms) == pytest.approx(
        (interval.low, interval.high), rel=1e-12
    )
    assert result.difference_ms == pytest.approx(b.mean() - a.mean())
    assert result.estimand == "difference of means"
    assert result.significant and result.ci_low_ms > 0
    assert (result.n_a, result.n_b) == (3000, 2500)


def test_compare_latency_welch_by_hand() -> None:
    # Welch by hand: a = [1,2,3,4] (mean 2.5, s2 = 5/3), b = [2,3,5,7] (mean 4.25, s2 = 4.9167);
    # se = sqrt(5/3/4 + 4.9167/4) = 1.2829, t = 1.75 / 1.2829 = 1.3641, Welch df = 4.824.
    result = compare_latency([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 5.0, 7.0])
    se = math.sqrt((5 / 3) / 4 + (59 / 12) / 4)
    df = se**4 / (((5 / 3) / 4) ** 2 / 3 + ((59 / 12) / 4) ** 2 / 3)
    assert df == pytest.approx(4.824, abs=1e-3)
    assert result.p_value == pytest.approx(2 * scipy_stats.t.sf(1.75 / se, df), rel=1e-9)
    half = scipy_stats.t.ppf(0.975, df) * se
    assert (result.ci_low_ms, result.ci_high_ms) == pytest.approx((1.75 - half, 1.75 + half))


def test_compare_latency_mann_whitney(latencies: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = latencies
    result = compare_latency(a, b, method="mann-whitney")
    reference = scipy_stats.mannwhitneyu(b, a, alternative="two-sided")
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-12)
    assert result.estimand == "difference of medians"
    assert result.difference_ms == pytest.approx(np.median(b) - np.median(a))
    assert result.ci_low_ms < result.difference_ms < result.ci_high_ms
    assert result.significant and result.ci_low_ms > 0
    # A fixed seed makes the bootstrap interval reproducible; another seed moves it slightly.
    assert compare_latency(a, b, method="mann-whitney") == result
    other = compare_latency(a, b, method="mann-whitney", bootstrap_seed=1)
    assert other.ci_low_ms == pytest.approx(result.ci_low_ms, rel=0.2)


def test_compare_latency_same_distribution_is_not_significant() -> None:
    rng = np.random.default_rng(3)
    a = rng.gamma(shape=4, scale=10, size=500)
    b = rng.gamma(shape=4, scale=10, size=500)
    for method in ("welch", "mann-whitney"):
        result = compare_latency(a, b, method=method)
        assert isinstance(result, LatencyComparison)
        assert not result.significant
        assert result.ci_low_ms < 0 < result.ci_high_ms


@pytest.mark.parametrize(
    ("a", "b", "kwargs", "field"),
    [
        ([1.0], [1.0, 2.0], {}, "a_ms"),
        ([1.0, 2.0], [], {}, "b_ms"),
        ([1.0, float("nan")], [1.0, 2.0], {}, "a_ms"),
        ([1.0, 2.0], [1.0, float("inf")], {}, "b_ms"),
        ([[1.0, 2.0]], [1.0, 2.0], {}, "a_ms"),
        (["x", "y"], [1.0, 2.0], {}, "a_ms"),
        ([1.0, 2.0], [1.0, 2.0], {"method": "t"}, "method"),
        ([1.0, 2.0], [1.0, 2.0], {"alpha": 1.0}, "alpha"),
        ([5.0, 5.0], [6.0, 6.0], {}, "a_ms and b_ms"),
    ],
)
def test_compare_latency_rejects_bad_input(
    a: list[float], b: list[float], kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(StatsInputError, match=field):
        compare_latency(a, b, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# sample_ratio_mismatch
# ---------------------------------------------------------------------------------------------


def test_srm_balanced_split_is_fine() -> None:
    result = sample_ratio_mismatch({"a": 10_000, "b": 10_000}, {"a": 0.5, "b": 0.5})
    assert result.chi2 == 0.0
    assert result.p_value == pytest.approx(1.0)
    assert not result.mismatch
    assert result.expected == {"a": 10_000.0, "b": 10_000.0}
    assert result.observed == {"a": 10_000, "b": 10_000}
    assert result.threshold == 0.001


def test_srm_detects_a_three_percent_skew() -> None:
    # Expected 10,000 each; chi2 = 300²/10,000 + 300²/10,000 = 9 + 9 = 18 with 1 degree of
    # freedom; p = P(chi2_1 > 18) = 2.2e-5 < 0.001 -> mismatch.
    result = sample_ratio_mismatch({"a": 10_300, "b": 9_700}, {"a": 50, "b": 50})
    assert result.chi2 == pytest.approx(18.0)
    assert result.p_value == pytest.approx(2.2e-5, rel=0.01)
    assert result.p_value == pytest.approx(scipy_stats.chi2.sf(18.0, 1))
    assert result.degrees_of_freedom == 1
    assert result.mismatch
    assert "mismatch" in result.explanation


def test_srm_three_variants() -> None:
    weights = {"control": 0.5, "b": 0.25, "c": 0.25}
    # Expected 5,000 / 2,500 / 2,500. 2,600 vs 2,400: chi2 = 0 + 4 + 4 = 8, df 2,
    # p = exp(-8/2) = 0.018: "significant" at 0.05 but not an SRM at GrowthBook's 0.001.
    mild = sample_ratio_mismatch({"control": 5000, "b": 2600, "c": 2400}, weights)
    assert mild.chi2 == pytest.approx(8.0)
    assert mild.p_value == pytest.approx(math.exp(-4.0))
    assert mild.degrees_of_freedom == 2
    assert not mild.mismatch
    # 2,700 vs 2,300: chi2 = 16 + 16 = 32, p = exp(-16) = 1.1e-7 -> mismatch.
    bad = sample_ratio_mismatch({"control": 5000, "b": 2700, "c": 2300}, weights)
    assert bad.chi2 == pytest.approx(32.0)
    assert bad.p_value == pytest.approx(math.exp(-16.0))
    assert bad.mismatch
    reference = scipy_stats.chisquare([5000, 2700, 2300], [5000, 2500, 2500])
    assert bad.p_value == pytest.approx(reference.pvalue)


def test_srm_weights_are_normalised() -> None:
    counts = {"a": 9_000, "b": 1_100}
    as_fractions = sample_ratio_mismatch(counts, {"a": 0.9, "b": 0.1})
    as_percent = sample_ratio_mismatch(counts, {"a": 90, "b": 10})
    assert as_fractions.p_value == pytest.approx(as_percent.p_value)
    assert as_fractions.expected == pytest.approx({"a": 9090.0, "b": 1010.0})


def test_srm_zero_weight_variant() -> None:
    weights = {"a": 1.0, "b": 1.0, "shadow": 0.0}
    quiet = sample_ratio_mismatch({"a": 5000, "b": 5000, "shadow": 0}, weights)
    assert not quiet.mismatch
    assert quiet.degrees_of_freedom == 1
    assert quiet.expected["shadow"] == 0.0
    leaking = sample_ratio_mismatch({"a": 5000, "b": 5000, "shadow": 3}, weights)
    assert leaking.mismatch
    assert leaking.p_value == 0.0 and math.isinf(leaking.chi2)
    assert "'shadow' (3)" in leaking.explanation and "weight 0" in leaking.explanation


@pytest.mark.parametrize(
    ("counts", "weights", "kwargs", "field"),
    [
        ({"a": 1, "b": 1}, {"a": 1.0, "c": 1.0}, {}, "only in counts: \\['b'\\]"),
        ({"a": 1}, {"a": 1.0}, {}, "at least 2 variants"),
        ({"a": -1, "b": 1}, {"a": 1.0, "b": 1.0}, {}, "counts\\['a'\\]"),
        ({"a": 1.5, "b": 1}, {"a": 1.0, "b": 1.0}, {}, "counts\\['a'\\]"),
        ({"a": 0, "b": 0}, {"a": 1.0, "b": 1.0}, {}, "at least one observation"),
        ({"a": 1, "b": 1}, {"a": -0.5, "b": 1.0}, {}, "planned_weights\\['a'\\]"),
        ({"a": 1, "b": 1}, {"a": 0.0, "b": 0.0}, {}, "planned_weights must have"),
        ({"a": 1, "b": 1}, {"a": 1.0, "b": 1.0}, {"threshold": 0.0}, "threshold"),
    ],
)
def test_srm_rejects_bad_input(
    counts: dict[str, int], weights: dict[str, float], kwargs: dict[str, float], field: str
) -> None:
    with pytest.raises(StatsInputError, match=field):
        sample_ratio_mismatch(counts, weights, **kwargs)


# ---------------------------------------------------------------------------------------------
# Sample sizes
# ---------------------------------------------------------------------------------------------


def _fleiss_sample_size(p1: float, p2: float, alpha: float, power: float) -> float:
    """n = (z_{1-α/2}·sqrt(2 p̄ q̄) + z_{1-β}·sqrt(p1 q1 + p2 q2))² / δ² (equal arms)."""
    z_alpha = scipy_stats.norm.ppf(1 - alpha / 2)
    z_beta = scipy_stats.norm.ppf(power)
    p_bar = (p1 + p2) / 2
    numerator = z_alpha * math.sqrt(2 * p_bar * (1 - p_bar)) + z_beta * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return float(numerator**2 / (p2 - p1) ** 2)


def test_sample_size_per_variant_textbook_case() -> None:
    # Baseline 10 %, detect +2 points, alpha 0.05 two-sided, power 0.8. The classical formula
    # gives (1.95996·0.44249 + 0.84162·0.44227)² / 0.02² = 3,840.8; Cohen's h = 0.06398 gives
    # (1.95996 + 0.84162)² · 2 / h² = 3,834.6 -> 3,835.
    n = sample_size_per_variant(0.10, 0.02)
    assert n == 3835
    assert _fleiss_sample_size(0.10, 0.12, 0.05, 0.8) == pytest.approx(3840.8, abs=0.5)
    assert n == pytest.approx(_fleiss_sample_size(0.10, 0.12, 0.05, 0.8), rel=0.01)


@pytest.mark.parametrize(
    ("baseline", "mde", "alpha", "power", "ratio"),
    [(0.05, 0.01, 0.05, 0.8, 1.0), (0.3, -0.05, 0.01, 0.9, 1.0), (0.02, 0.005, 0.05, 0.8, 3.0)],
)
def test_sample_size_per_variant_matches_statsmodels(
    baseline: float, mde: float, alpha: float, power: float, ratio: float
) -> None:
    h = abs(proportion_effectsize(baseline + mde, baseline))
    expected = NormalIndPower().solve_power(
        effect_size=h, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    assert sample_size_per_variant(
        baseline, mde, alpha=alpha, power=power, ratio=ratio
    ) == math.ceil(expected)
    if ratio == 1.0:
        assert sample_size_per_variant(baseline, mde, alpha=alpha, power=power) == pytest.approx(
            _fleiss_sample_size(baseline, baseline + mde, alpha, power), rel=0.02
        )


def test_sample_size_per_variant_relative_and_monotone() -> None:
    assert sample_size_per_variant(0.10, 0.20, relative=True) == sample_size_per_variant(0.10, 0.02)
    assert sample_size_per_variant(0.10, 0.02, power=0.9) > sample_size_per_variant(0.10, 0.02)
    assert sample_size_per_variant(0.10, 0.01) > 3.5 * sample_size_per_variant(0.10, 0.02)
    # A bigger candidate arm lets the control arm be smaller.
    assert sample_size_per_variant(0.10, 0.02, ratio=2.0) < sample_size_per_variant(0.10, 0.02)


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        ((0.0, 0.01), {}, "baseline_rate"),
        ((1.0, 0.01), {}, "baseline_rate"),
        ((0.1, 0.0), {}, "minimum_detectable_effect"),
        ((0.95, 0.1), {}, "target rate"),
        ((0.1, -2.0), {"relative": True}, "target rate"),
        ((0.1, 0.02), {"power": 1.0}, "power"),
        ((0.1, 0.02), {"alpha": -0.1}, "alpha"),
        ((0.1, 0.02), {"ratio": 0.0}, "ratio"),
    ],
)
def test_sample_size_per_variant_rejects_bad_input(
    args: tuple[float, float], kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(StatsInputError, match=field):
        sample_size_per_variant(*args, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("d", "n"), [(0.5, 64), (0.8, 26)])
def test_sample_size_for_means_cohen_table(d: float, n: int) -> None:
    # Cohen (1988), Statistical Power Analysis for the Behavioral Sciences, Table 2.4.1:
    # two-tailed alpha .05, power .80 -> n = 64 per group at d = .5, 26 at d = .8.
    assert sample_size_for_means(20.0, d * 20.0) == n


def test_sample_size_for_means_matches_statsmodels() -> None:
    # Latency sd 40 ms, detect a 5 ms change of the mean with power 0.9 at alpha 0.01.
    expected = tt_ind_solve_power(
        effect_size=5 / 40, alpha=0.01, power=0.9, ratio=1.0, alternative="two-sided"
    )
    assert sample_size_for_means(40.0, 5.0, alpha=0.01, power=0.9) == math.ceil(expected)
    # Exact noncentral-t answer for d = 0.5, power 0.95: 104.9 -> 105 per group (210 in all).
    assert sample_size_for_means(1.0, 0.5, power=0.95) == 105
    assert sample_size_for_means(1.0, -0.5) == sample_size_for_means(1.0, 0.5)
    with pytest.raises(StatsInputError, match="std_dev"):
        sample_size_for_means(0.0, 1.0)
    with pytest.raises(StatsInputError, match="minimum_detectable_difference"):
        sample_size_for_means(1.0, 0.0)
    with pytest.raises(StatsInputError, match="ratio"):
        sample_size_for_means(1.0, 1.0, ratio=-1.0)
