"""Fixed-horizon A/B statistics: proportions, latencies, sample ratio mismatch, sample sizes.

Every test here is a *fixed-horizon* test: its p-value and confidence interval are valid when
you look at the data once, at a sample size chosen in advance (:func:`sample_size_per_variant`,
:func:`sample_size_for_means`). Looking repeatedly and stopping at the first ``p < alpha``
inflates the false-positive rate; :mod:`companion.experiments.sequential` has the peeking-safe
alternative.

The distributions come from scipy and statsmodels; this module validates inputs, fixes the
direction of every difference (always **B minus A**, the candidate minus the control) and
returns frozen results whose field names carry their units.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats as scipy_stats
from statsmodels.stats.power import NormalIndPower, tt_ind_solve_power
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
)

from companion import _checks

from .exceptions import StatsInputError

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "SRM_THRESHOLD",
    "LatencyComparison",
    "LatencyMethod",
    "ProportionComparison",
    "SRMResult",
    "compare_latency",
    "sample_ratio_mismatch",
    "sample_size_for_means",
    "sample_size_per_variant",
    "two_proportion_test",
]

SRM_THRESHOLD = 0.001
"""GrowthBook flags a sample ratio mismatch when the chi-squared p-value is below 0.001."""

BOOTSTRAP_RESAMPLES = 2000
"""Resamples for the Mann-Whitney path's percentile-bootstrap interval of the median difference."""

LatencyMethod = Literal["welch", "mann-whitney"]

_PROPORTION_METHOD = "pooled two-proportion z-test; Newcombe hybrid score interval"


# --------------------------------------------------------------------------------------------
# Validation (shared with sequential.py): every error names the field, the range and the value.
# --------------------------------------------------------------------------------------------


def _number(value: float, field: str) -> float:
    return _checks.finite(value, field, error=StatsInputError)


def _whole(value: int, field: str, minimum: int) -> int:
    return _checks.whole(value, field, minimum, error=StatsInputError)


def _open_unit(value: float, field: str) -> float:
    """A probability strictly between 0 and 1 (alpha, power, a baseline rate)."""
    return _checks.in_range(
        value, field, 0, 1, open_low=True, open_high=True, error=StatsInputError
    )


def _positive(value: float, field: str) -> float:
    return _checks.positive(value, field, error=StatsInputError)


def _at_least(value: float, field: str, minimum: float) -> float:
    return _checks.at_least(value, field, minimum, error=StatsInputError)


def _samples(values: Sequence[float] | NDArray[np.floating], field: str) -> NDArray[np.float64]:
    """A 1-D array of at least two finite numbers."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise StatsInputError(f"{field} must be a sequence of numbers: {error}") from None
    if array.ndim != 1:
        raise StatsInputError(f"{field} must be one-dimensional, got shape {array.shape}")
    if array.size < 2:
        raise StatsInputError(f"{field} needs at least 2 samples, got {array.size}")
    bad = ~np.isfinite(array)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise StatsInputError(
            f"{field} must hold finite numbers, got {array[index]!r} at index {index}"
        )
    return array


def _counts(events: int, n: int, arm: str) -> tuple[int, int]:
    n = _whole(n, f"n_{arm}", 1)
    events = _whole(events, f"events_{arm}", 0)
    if events > n:
        raise StatsInputError(f"events_{arm} must be <= n_{arm} ({n}), got {events}")
    return events, n


# --------------------------------------------------------------------------------------------
# Proportions (error rates, conversion rates)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProportionComparison:
    """Two rates compared once, at a planned sample size. ``difference`` is ``rate_b - rate_a``.

    ``p_value`` is the pooled two-proportion z-test (the textbook test, statsmodels
    ``proportions_ztest``); ``ci_low``/``ci_high`` are Newcombe's hybrid score interval for the
    difference (statsmodels ``confint_proportions_2indep(method="newcomb")``), which stays
    sensible with zero events, the common case for error rates. The two are computed separately,
    so when ``p_value`` is within a hair of ``alpha`` the interval can touch 0 on the other side;
    ``significant`` follows the p-value.
    """

    events_a: int
    n_a: int
    events_b: int
    n_b: int
    rate_a: float
    rate_b: float
    difference: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    significant: bool
    alpha: float
    method: str


def two_proportion_test(
    events_a: int, n_a: int, events_b: int, n_b: int, *, alpha: float = 0.05
) -> ProportionComparison:
    """Compare two rates (errors or conversions per request) with a two-sided z-test.

    Args:
        events_a: Events (errors, conversions) in the control arm A.
        n_a: Trials (requests, users) in arm A, at least 1.
        events_b: Events in the candidate arm B.
        n_b: Trials in arm B, at least 1.
        alpha: Significance level in (0, 1); the interval has confidence ``1 - alpha``.

    When both arms have no events (or only events) there is no evidence of a difference:
    ``z`` is 0 and ``p_value`` is 1.

    Raises:
        StatsInputError: a count out of range (``0 <= events <= n``, ``n >= 1``) or a bad alpha.
    """
    events_a, n_a = _counts(events_a, n_a, "a")
    events_b, n_b = _counts(events_b, n_b, "b")
    alpha = _open_unit(alpha, "alpha")
    rate_a, rate_b = events_a / n_a, events_b / n_b
    pooled = (events_a + events_b) / (n_a + n_b)
    if pooled in (0.0, 1.0):
        z, p_value = 0.0, 1.0
    else:
        z_raw, p_raw = proportions_ztest(
            count=np.array([events_b, events_a]), nobs=np.array([n_b, n_a]), value=0.0
        )
        z, p_value = float(z_raw), float(p_raw)
    low, high = confint_proportions_2indep(
        events_b, n_b, events_a, n_a, method="newcomb", compare="diff", alpha=alpha
    )
    return ProportionComparison(
        events_a=events_a,
        n_a=n_a,
        events_b=events_b,
        n_b=n_b,
        rate_a=rate_a,
        rate_b=rate_b,
        difference=rate_b - rate_a,
        ci_low=float(low),
        ci_high=float(high),
        z=z,
        p_value=p_value,
        significant=p_value < alpha,
        alpha=alpha,
        method=_PROPORTION_METHOD,
    )


# --------------------------------------------------------------------------------------------
# Latencies
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LatencyComparison:
    """Two latency samples compared once. Differences are **B minus A**, in milliseconds.

    ``difference_ms`` is what the chosen method is about (``estimand`` says which):

    * ``"welch"``: the difference of means, with Welch's t interval;
    * ``"mann-whitney"``: the difference of medians, with a percentile-bootstrap interval
      (``BOOTSTRAP_RESAMPLES`` resamples, fixed seed). The Mann-Whitney U test itself asks
      whether B's latencies tend to be larger than A's; the median difference is the readable
      effect size that goes with it.
    """

    n_a: int
    n_b: int
    mean_a_ms: float
    mean_b_ms: float
    median_a_ms: float
    median_b_ms: float
    difference_ms: float
    ci_low_ms: float
    ci_high_ms: float
    p_value: float
    significant: bool
    alpha: float
    method: LatencyMethod
    estimand: Literal["difference of means", "difference of medians"]


def compare_latency(
    a_ms: Sequence[float] | NDArray[np.floating],
    b_ms: Sequence[float] | NDArray[np.floating],
    *,
    method: LatencyMethod = "welch",
    alpha: float = 0.05,
    bootstrap_seed: int = 0,
) -> LatencyComparison:
    """Compare per-request latencies of control A and candidate B with a two-sided test.

    Args:
        a_ms: Latencies of arm A in milliseconds (at least 2, finite).
        b_ms: Latencies of arm B in milliseconds (at least 2, finite).
        method: ``"welch"`` — Welch's unequal-variance t-test (``scipy.stats.ttest_ind`` with
            ``equal_var=False``) and its ``confidence_interval(1 - alpha)`` for the difference
            of means; robust enough for large samples of skewed latencies. ``"mann-whitney"`` —
            ``scipy.stats.mannwhitneyu(alternative="two-sided")``, rank-based, insensitive to a
            few huge outliers; the interval is a percentile bootstrap
            (``scipy.stats.bootstrap``) of the median difference with ``bootstrap_seed``.
        alpha: Significance level in (0, 1).
        bootstrap_seed: Seed for the Mann-Whitney bootstrap, so results are reproducible.

    Raises:
        StatsInputError: fewer than 2 samples, a non-finite sample, an unknown method, a bad
            alpha, or (Welch) two samples without any spread.
    """
    a = _samples(a_ms, "a_ms")
    b = _samples(b_ms, "b_ms")
    alpha = _open_unit(alpha, "alpha")
    mean_a_ms, mean_b_ms = float(a.mean()), float(b.mean())
    median_a_ms, median_b_ms = float(np.median(a)), float(np.median(b))
    estimand: Literal["difference of means", "difference of medians"]
    if method == "welch":
        if np.ptp(a) == 0 and np.ptp(b) == 0:
            raise StatsInputError(
                "a_ms and b_ms are both constant; Welch's t-test needs spread in at least one"
            )
        result = scipy_stats.ttest_ind(b, a, equal_var=False)
        interval = result.confidence_interval(1 - alpha)
        p_value = float(result.pvalue)
        difference_ms = mean_b_ms - mean_a_ms
        ci_low_ms, ci_high_ms = float(interval.low), float(interval.high)
        estimand = "difference of means"
    elif method == "mann-whitney":
        result_u = scipy_stats.mannwhitneyu(b, a, alternative="two-sided")
        p_value = float(result_u.pvalue)
        if math.isnan(p_value):  # every value tied: no evidence either way
            p_value = 1.0
        boot = scipy_stats.bootstrap(
            (a, b),
            _median_difference,
            n_resamples=BOOTSTRAP_RESAMPLES,
            confidence_level=1 - alpha,
            method="percentile",
            batch=100,
            rng=np.random.default_rng(bootstrap_seed),
        )
        difference_ms = median_b_ms - median_a_ms
        ci_low_ms = float(boot.confidence_interval.low)
        ci_high_ms = float(boot.confidence_interval.high)
        estimand = "difference of medians"
    else:
        raise StatsInputError(f"method must be 'welch' or 'mann-whitney', got {method!r}")
    return LatencyComparison(
        n_a=int(a.size),
        n_b=int(b.size),
        mean_a_ms=mean_a_ms,
        mean_b_ms=mean_b_ms,
        median_a_ms=median_a_ms,
        median_b_ms=median_b_ms,
        difference_ms=difference_ms,
        ci_low_ms=ci_low_ms,
        ci_high_ms=ci_high_ms,
        p_value=p_value,
        significant=p_value < alpha,
        alpha=alpha,
        method=method,
        estimand=estimand,
    )


def _median_difference(
    a: NDArray[np.float64], b: NDArray[np.float64], axis: int = -1
) -> NDArray[np.float64]:
    """Median of B minus median of A along ``axis`` (vectorised for ``scipy.stats.bootstrap``)."""
    return np.asarray(np.median(b, axis=axis) - np.median(a, axis=axis))


# --------------------------------------------------------------------------------------------
# Sample ratio mismatch
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SRMResult:
    """Chi-squared goodness of fit of the observed split against the planned one.

    ``mismatch`` is ``p_value < threshold`` (GrowthBook's threshold is 0.001), or a variant that
    was planned at weight 0 received traffic (then ``chi2`` is infinite and ``p_value`` 0).
    ``explanation`` says in one sentence why the result is what it is.
    """

    chi2: float
    p_value: float
    degrees_of_freedom: int
    mismatch: bool
    threshold: float
    expected: dict[str, float]
    observed: dict[str, int]
    explanation: str


def sample_ratio_mismatch(
    counts: Mapping[str, int],
    planned_weights: Mapping[str, float],
    *,
    threshold: float = SRM_THRESHOLD,
) -> SRMResult:
    """Check whether the traffic split actually observed matches the one planned.

    A sample ratio mismatch means assignment or logging is broken (a variant that crashes and
    drops its events, a bot filter applied to one arm), so the experiment's results cannot be
    trusted whatever they say. The test is ``scipy.stats.chisquare`` of the observed counts
    against ``total * weight`` (weights are normalised to sum to 1).

    Args:
        counts: Observed units (users, requests) per variant.
        planned_weights: Planned share per variant, any non-negative scale (``{"a": 50, "b": 50}``
            or ``{"a": 0.5, "b": 0.5}``); must have exactly the keys of ``counts``.
        threshold: Flag a mismatch when the p-value is below this, in (0, 1).

    A variant planned at weight 0 is left out of the chi-squared test; if it received any
    units, that alone is a mismatch.

    Raises:
        StatsInputError: different keys, fewer than two variants, a negative or non-whole count,
            no units at all, a negative or non-finite weight, all weights 0, or a bad threshold.
    """
    threshold = _open_unit(threshold, "threshold")
    if set(counts) != set(planned_weights):
        only_counts = sorted(set(counts) - set(planned_weights))
        only_weights = sorted(set(planned_weights) - set(counts))
        raise StatsInputError(
            "counts and planned_weights must have the same variants; "
            f"only in counts: {only_counts}, only in planned_weights: {only_weights}"
        )
    if len(counts) < 2:
        raise StatsInputError(f"counts needs at least 2 variants, got {len(counts)}")
    names = list(counts)
    observed = {name: _whole(counts[name], f"counts[{name!r}]", 0) for name in names}
    weights = {
        name: _at_least(planned_weights[name], f"planned_weights[{name!r}]", 0.0) for name in names
    }
    weight_total = sum(weights.values())
    if weight_total <= 0:
        raise StatsInputError("planned_weights must have at least one weight > 0, got all 0")
    total = sum(observed.values())
    if total == 0:
        raise StatsInputError("counts must contain at least one observation, got all 0")
    expected = {name: total * weights[name] / weight_total for name in names}

    unplanned = [name for name in names if weights[name] == 0 and observed[name] > 0]
    if unplanned:
        listed = ", ".join(f"{name!r} ({observed[name]})" for name in unplanned)
        return SRMResult(
            chi2=math.inf,
            p_value=0.0,
            degrees_of_freedom=sum(1 for name in names if weights[name] > 0) - 1,
            mismatch=True,
            threshold=threshold,
            expected=expected,
            observed=observed,
            explanation=f"variants planned at weight 0 received traffic: {listed}",
        )

    tested = [name for name in names if weights[name] > 0]
    if len(tested) == 1:
        return SRMResult(
            chi2=0.0,
            p_value=1.0,
            degrees_of_freedom=0,
            mismatch=False,
            threshold=threshold,
            expected=expected,
            observed=observed,
            explanation=f"all traffic is planned for {tested[0]!r} and all of it went there",
        )
    chi2, p_value = scipy_stats.chisquare(
        f_obs=np.array([observed[name] for name in tested], dtype=np.float64),
        f_exp=np.array([expected[name] for name in tested], dtype=np.float64),
    )
    chi2, p_value = float(chi2), float(p_value)
    mismatch = p_value < threshold
    verdict = "mismatch: do not trust this experiment" if mismatch else "split as planned"
    return SRMResult(
        chi2=chi2,
        p_value=p_value,
        degrees_of_freedom=len(tested) - 1,
        mismatch=mismatch,
        threshold=threshold,
        expected=expected,
        observed=observed,
        explanation=(
            f"chi2 = {chi2:.3g} with {len(tested) - 1} degree(s) of freedom, "
            f"p = {p_value:.3g} {'<' if mismatch else '>='} {threshold:g}: {verdict}"
        ),
    )


# --------------------------------------------------------------------------------------------
# Sample sizes
# --------------------------------------------------------------------------------------------


def sample_size_per_variant(
    baseline_rate: float,
    minimum_detectable_effect: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    relative: bool = False,
) -> int:
    """Units needed in the control arm to detect a change in a rate with a two-sided z-test.

    Uses Cohen's effect size h = 2·asin(√p₂) − 2·asin(√p₁) (statsmodels
    ``proportion_effectsize``) and ``NormalIndPower().solve_power``, rounded up. The arcsine
    transform stabilises the variance, so the result is within a few units of the classical
    formula n = (z₁₋α/₂·√(2p̄q̄) + z₁₋β·√(p₁q₁ + p₂q₂))² / δ² (Fleiss).

    Args:
        baseline_rate: Control rate p₁ in (0, 1), e.g. 0.10 for 10 %.
        minimum_detectable_effect: Smallest change worth detecting, non-zero: absolute
            (0.02 = two percentage points) or, with ``relative=True``, a fraction of the
            baseline (0.2 = 20 % more). The resulting rate p₂ must lie in (0, 1).
        alpha: Two-sided significance level in (0, 1).
        power: Probability of detecting the effect when it is real, in (0, 1).
        ratio: ``n_b / n_a``; the candidate arm needs ``ceil(ratio * n)`` units.
        relative: Interpret ``minimum_detectable_effect`` relative to ``baseline_rate``.

    Returns:
        The number of units for arm A (for both arms when ``ratio`` is 1).

    Raises:
        StatsInputError: a rate, effect, level or ratio out of range.
    """
    p1 = _open_unit(baseline_rate, "baseline_rate")
    effect = _number(minimum_detectable_effect, "minimum_detectable_effect")
    if effect == 0:
        raise StatsInputError("minimum_detectable_effect must be non-zero, got 0")
    alpha = _open_unit(alpha, "alpha")
    power = _open_unit(power, "power")
    ratio = _positive(ratio, "ratio")
    p2 = p1 * (1 + effect) if relative else p1 + effect
    if not 0.0 < p2 < 1.0:
        kind = "relative" if relative else "absolute"
        raise StatsInputError(
            f"baseline_rate {p1:g} with {kind} minimum_detectable_effect {effect:g} gives a "
            f"target rate of {p2:g}; it must be in (0, 1)"
        )
    h = abs(float(proportion_effectsize(p2, p1)))
    n = NormalIndPower().solve_power(
        effect_size=h, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    return math.ceil(float(n))


def sample_size_for_means(
    std_dev: float,
    minimum_detectable_difference: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> int:
    """Units needed in arm A to detect a difference of means (e.g. latency in ms), Welch-style.

    Uses the two-sample t-test power (statsmodels ``tt_ind_solve_power``, noncentral t) with
    Cohen's d = ``minimum_detectable_difference / std_dev``, rounded up; for d = 0.5, alpha
    0.05 and power 0.8 this is the familiar 64 per group. ``std_dev`` and the difference share
    a unit (both ms, say); the answer does not depend on which.

    Args:
        std_dev: Standard deviation of one observation, > 0 (assumed equal in both arms).
        minimum_detectable_difference: Smallest difference of means worth detecting, non-zero.
        alpha: Two-sided significance level in (0, 1).
        power: Probability of detecting the difference when it is real, in (0, 1).
        ratio: ``n_b / n_a``; arm B needs ``ceil(ratio * n)`` units.

    Raises:
        StatsInputError: a value out of range.
    """
    std_dev = _positive(std_dev, "std_dev")
    difference = _number(minimum_detectable_difference, "minimum_detectable_difference")
    if difference == 0:
        raise StatsInputError("minimum_detectable_difference must be non-zero, got 0")
    alpha = _open_unit(alpha, "alpha")
    power = _open_unit(power, "power")
    ratio = _positive(ratio, "ratio")
    n = tt_ind_solve_power(
        effect_size=abs(difference) / std_dev,
        alpha=alpha,
        power=power,
        ratio=ratio,
        alternative="two-sided",
    )
    return math.ceil(float(n))
