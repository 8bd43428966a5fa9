"""Peeking-safe A/B decisions: asymptotic confidence sequences, and a simulation of why.

A fixed-horizon test (:mod:`companion.experiments.stats`) is valid when you look once. Looking
after every batch and stopping at the first ``p < alpha`` makes a false alarm far more likely
than ``alpha``: :func:`peeking_simulation` measures by how much. A *confidence sequence* is an
interval that holds at every sample size at once (time-uniform coverage), so it may be checked
after every request and the decision is still wrong at most ``alpha`` of the time.

The sequence here is the **asymptotic confidence sequence** of Waudby-Smith, Arbour, Sinha,
Kennedy and Ramdas, "Time-uniform central limit theory and asymptotic confidence sequences"
(arXiv 2103.06476v7, eq. 9 for the boundary; the tuning of ρ is eq. 161), the method GrowthBook
uses for its sequential testing (``gbstats/frequentist/tests.py``: ``sequential_rho``,
``sequential_interval_halfwidth``; docs ``statistics/sequential.mdx``). With ``n`` the total
sample size of the two arms and ``σ̂²`` a per-observation variance,

    halfwidth(n) = σ̂ · sqrt( 2(nρ² + 1) / (n²ρ²) · ln( sqrt(nρ² + 1) / α ) )

    ρ = sqrt( (−2 ln α + ln(−2 ln α + 1)) / N* )

where ``N*`` is the planned total sample size: ρ chosen this way makes the sequence narrowest
around ``n = N*``, where the decision is expected. For a difference of means,
``σ̂² = n · (s²_a / n_a + s²_b / n_b)``, i.e. ``n`` times the squared standard error of the
difference. The matching always-valid p-value (eq. 155) is ``min(1, 1/E)`` with
``E = exp(ρ² S / (2(nρ² + 1))) / sqrt(nρ² + 1)`` and ``S = n² · difference² / σ̂²``; it is
below ``α`` exactly when the interval excludes 0.

The guarantee is asymptotic: it needs the arms' variances to be estimated reasonably, so with
rates of a few percent wait for a handful of events per arm before trusting a decision.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats as scipy_stats

from .exceptions import StatsInputError
from .stats import _counts, _number, _open_unit, _positive, _samples, _whole

__all__ = [
    "Decision",
    "PeekingResult",
    "SequentialComparison",
    "always_valid_p_value",
    "confidence_sequence_halfwidth",
    "peeking_simulation",
    "sequential_compare",
    "sequential_compare_proportions",
    "sequential_compare_stats",
    "tuning_rho",
]

Decision = Literal["b_better", "a_better", "inconclusive"]


# --------------------------------------------------------------------------------------------
# The boundary
# --------------------------------------------------------------------------------------------


def tuning_rho(planned_n: int, alpha: float = 0.05) -> float:
    """The mixing parameter ρ that makes the confidence sequence tightest near ``planned_n``.

    ρ = sqrt((−2 ln α + ln(−2 ln α + 1)) / N*), Waudby-Smith et al. (arXiv 2103.06476v7,
    eq. 161), as in GrowthBook's ``sequential_rho`` (two-sided).

    Args:
        planned_n: ``N*``, the **total** sample size of the two arms compared (control plus
            candidate) at which a decision is expected, at least 1. GrowthBook's default is 5000.
        alpha: Two-sided significance level in (0, 1).

    Raises:
        StatsInputError: ``planned_n`` below 1 or ``alpha`` outside (0, 1).
    """
    planned_n = _whole(planned_n, "planned_n", 1)
    alpha = _open_unit(alpha, "alpha")
    log_alpha = math.log(alpha)
    return math.sqrt((-2.0 * log_alpha + math.log(-2.0 * log_alpha + 1.0)) / planned_n)


def _halfwidth_factor(
    n: NDArray[np.float64] | float, alpha: float, rho: float
) -> NDArray[np.float64]:
    """sqrt(2(nρ²+1)/(n²ρ²) · ln(sqrt(nρ²+1)/α)): the half-width per unit of σ̂ (vectorised)."""
    n_array = np.asarray(n, dtype=np.float64)
    n_rho2 = n_array * rho**2
    return np.asarray(
        np.sqrt(
            2.0 * (n_rho2 + 1.0) / (n_array**2 * rho**2) * np.log(np.sqrt(n_rho2 + 1.0) / alpha)
        )
    )


def confidence_sequence_halfwidth(
    n: int, variance: float, *, alpha: float = 0.05, rho: float
) -> float:
    """Half-width of the two-sided asymptotic confidence sequence after ``n`` observations.

    halfwidth = sqrt(variance) · sqrt(2(nρ² + 1) / (n²ρ²) · ln(sqrt(nρ² + 1) / α)),
    Waudby-Smith et al. (arXiv 2103.06476v7, eq. 9), as in GrowthBook's
    ``sequential_interval_halfwidth``. The interval ``estimate ± halfwidth`` covers the true
    value at every ``n`` simultaneously with probability about ``1 - alpha``.

    Args:
        n: Observations so far (for two arms, their total), at least 1.
        variance: Per-observation variance σ̂², ≥ 0 (for a difference of means,
            ``n · (s²_a/n_a + s²_b/n_b)``). Units: the estimate's unit squared.
        alpha: Two-sided significance level in (0, 1).
        rho: Mixing parameter ρ > 0, usually :func:`tuning_rho` of the planned sample size.

    Raises:
        StatsInputError: a value out of range.
    """
    n = _whole(n, "n", 1)
    variance = _number(variance, "variance")
    if variance < 0:
        raise StatsInputError(f"variance must be >= 0, got {variance!r}")
    alpha = _open_unit(alpha, "alpha")
    rho = _positive(rho, "rho")
    return math.sqrt(variance) * float(_halfwidth_factor(float(n), alpha, rho))


def always_valid_p_value(n: int, variance: float, difference: float, *, rho: float) -> float:
    """The anytime-valid p-value that matches the confidence sequence (arXiv 2103.06476v7, eq. 155).

    p = min(1, 1/E), E = exp(ρ² S / (2(nρ² + 1))) / sqrt(nρ² + 1), S = n² · difference² / variance.
    ``p < alpha`` exactly when ``|difference|`` exceeds :func:`confidence_sequence_halfwidth`.
    With zero variance the p-value is 0 for a non-zero difference and 1 otherwise.

    Raises:
        StatsInputError: a value out of range.
    """
    n = _whole(n, "n", 1)
    variance = _number(variance, "variance")
    if variance < 0:
        raise StatsInputError(f"variance must be >= 0, got {variance!r}")
    difference = _number(difference, "difference")
    rho = _positive(rho, "rho")
    if variance == 0:
        return 0.0 if difference != 0 else 1.0
    n_rho2_plus_1 = n * rho**2 + 1.0
    log_e = rho**2 * n**2 * difference**2 / variance / (2.0 * n_rho2_plus_1) - 0.5 * math.log(
        n_rho2_plus_1
    )
    return 1.0 if log_e <= 0 else math.exp(-log_e)


# --------------------------------------------------------------------------------------------
# Two-arm comparison
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SequentialComparison:
    """An always-valid comparison of two arms' means. ``difference`` is ``mean_b - mean_a``.

    ``ci_low``/``ci_high`` form the confidence sequence at the current sample size; it may be
    recomputed after every batch without inflating the error rate. ``decision`` is
    ``"inconclusive"`` while the interval contains 0; otherwise it names the better arm, where
    "better" means lower when ``lower_is_better`` (error rates, latencies) and higher when not
    (conversions). ``p_value`` is the matching always-valid p-value (``< alpha`` exactly when the
    interval excludes 0). Means and variances are in the metric's unit (a rate, or ms).
    """

    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    variance_a: float
    variance_b: float
    difference: float
    halfwidth: float
    ci_low: float
    ci_high: float
    p_value: float
    decision: Decision
    alpha: float
    rho: float
    planned_n: int
    lower_is_better: bool

    @property
    def n(self) -> int:
        """Total observations of both arms (the ``n`` of the boundary)."""
        return self.n_a + self.n_b

    @property
    def significant(self) -> bool:
        """Whether the interval excludes 0 (a decision other than ``"inconclusive"``)."""
        return self.decision != "inconclusive"


def sequential_compare_stats(
    n_a: int,
    mean_a: float,
    variance_a: float,
    n_b: int,
    mean_b: float,
    variance_b: float,
    *,
    planned_n: int,
    alpha: float = 0.05,
    lower_is_better: bool = True,
) -> SequentialComparison:
    """Always-valid comparison from sufficient statistics (count, mean, sample variance per arm).

    Args:
        n_a: Observations in control arm A, at least 2.
        mean_a: Mean of arm A (a rate for 0/1 outcomes, or ms).
        variance_a: Sample variance of arm A (``ddof=1``), ≥ 0.
        n_b: Observations in candidate arm B, at least 2.
        mean_b: Mean of arm B.
        variance_b: Sample variance of arm B, ≥ 0.
        planned_n: Planned **total** sample size of both arms; sets ρ (:func:`tuning_rho`).
            Keep it fixed for the whole experiment.
        alpha: Two-sided error rate in (0, 1), valid however often you look.
        lower_is_better: ``True`` for error rates and latencies, ``False`` for conversions.

    Raises:
        StatsInputError: a value out of range.
    """
    n_a = _whole(n_a, "n_a", 2)
    n_b = _whole(n_b, "n_b", 2)
    mean_a = _number(mean_a, "mean_a")
    mean_b = _number(mean_b, "mean_b")
    variance_a = _number(variance_a, "variance_a")
    variance_b = _number(variance_b, "variance_b")
    for field, value in (("variance_a", variance_a), ("variance_b", variance_b)):
        if value < 0:
            raise StatsInputError(f"{field} must be >= 0, got {value!r}")
    if not isinstance(lower_is_better, bool):
        raise StatsInputError(f"lower_is_better must be True or False, got {lower_is_better!r}")
    alpha = _open_unit(alpha, "alpha")
    rho = tuning_rho(planned_n, alpha)
    n = n_a + n_b
    variance = n * (variance_a / n_a + variance_b / n_b)
    difference = mean_b - mean_a
    halfwidth = confidence_sequence_halfwidth(n, variance, alpha=alpha, rho=rho)
    p_value = always_valid_p_value(n, variance, difference, rho=rho)
    ci_low, ci_high = difference - halfwidth, difference + halfwidth
    decision: Decision = "inconclusive"
    if ci_low > 0 or ci_high < 0:
        b_higher = ci_low > 0
        decision = "b_better" if b_higher != lower_is_better else "a_better"
    return SequentialComparison(
        n_a=n_a,
        n_b=n_b,
        mean_a=mean_a,
        mean_b=mean_b,
        variance_a=variance_a,
        variance_b=variance_b,
        difference=difference,
        halfwidth=halfwidth,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        decision=decision,
        alpha=alpha,
        rho=rho,
        planned_n=int(planned_n),
        lower_is_better=lower_is_better,
    )


def sequential_compare(
    a: Sequence[float] | NDArray[np.floating],
    b: Sequence[float] | NDArray[np.floating],
    *,
    planned_n: int,
    alpha: float = 0.05,
    lower_is_better: bool = True,
) -> SequentialComparison:
    """Always-valid comparison of two samples (latencies in ms, or 0/1 outcomes).

    Uses each sample's mean and ``ddof=1`` variance; see :func:`sequential_compare_stats`.

    Raises:
        StatsInputError: fewer than 2 samples in an arm, a non-finite value, or a bad setting.
    """
    a_values = _samples(a, "a")
    b_values = _samples(b, "b")
    return sequential_compare_stats(
        int(a_values.size),
        float(a_values.mean()),
        float(a_values.var(ddof=1)),
        int(b_values.size),
        float(b_values.mean()),
        float(b_values.var(ddof=1)),
        planned_n=planned_n,
        alpha=alpha,
        lower_is_better=lower_is_better,
    )


def _bernoulli_variance(events: NDArray[np.float64], n: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sample variance (``ddof=1``) of ``n`` 0/1 outcomes of which ``events`` are 1."""
    rate = events / n
    return np.asarray(rate * (1.0 - rate) * n / (n - 1.0))


def sequential_compare_proportions(
    events_a: int,
    n_a: int,
    events_b: int,
    n_b: int,
    *,
    planned_n: int,
    alpha: float = 0.05,
    lower_is_better: bool = True,
) -> SequentialComparison:
    """Always-valid comparison of two rates from counts (errors per request, say).

    Identical to :func:`sequential_compare` on the 0/1 outcomes: mean = events/n, variance =
    rate·(1 − rate)·n/(n − 1).

    Raises:
        StatsInputError: counts out of range (``0 <= events <= n``, ``n >= 2``) or a bad setting.
    """
    events_a, n_a = _counts(events_a, n_a, "a")
    events_b, n_b = _counts(events_b, n_b, "b")
    n_a = _whole(n_a, "n_a", 2)
    n_b = _whole(n_b, "n_b", 2)
    events = np.array([events_a, events_b], dtype=np.float64)
    totals = np.array([n_a, n_b], dtype=np.float64)
    variance_a, variance_b = (float(v) for v in _bernoulli_variance(events, totals))
    return sequential_compare_stats(
        n_a,
        events_a / n_a,
        variance_a,
        n_b,
        events_b / n_b,
        variance_b,
        planned_n=planned_n,
        alpha=alpha,
        lower_is_better=lower_is_better,
    )


# --------------------------------------------------------------------------------------------
# Peeking simulation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeekingResult:
    """How often each decision rule rejects "no difference", over many simulated experiments.

    With ``rate_b == rate_a`` (an A/A test, the default) every rejection is a false positive,
    so the three ``false_positive_rate_*`` fields are the rules' false-positive rates:

    * ``peeking``: fixed-horizon z-test checked at every look, stop at the first ``p < alpha``;
    * ``final_only``: the same test once, at the last look (what it was designed for);
    * ``sequential``: the confidence sequence checked at every look.

    With a real difference they are the rules' power instead. The ``cumulative_*`` tuples give,
    per look, the fraction of experiments that have rejected at that look or before (for
    plotting against ``samples_per_arm``); ``rejection_per_look_fixed`` is the fraction whose
    fixed-horizon test rejects at that look alone (about ``alpha`` each under A/A).
    """

    experiments: int
    looks: int
    samples_per_look: int
    rate_a: float
    rate_b: float
    alpha: float
    seed: int
    planned_n: int
    rho: float
    samples_per_arm: tuple[int, ...]
    false_positive_rate_peeking: float
    false_positive_rate_final_only: float
    false_positive_rate_sequential: float
    cumulative_rejection_peeking: tuple[float, ...]
    cumulative_rejection_sequential: tuple[float, ...]
    rejection_per_look_fixed: tuple[float, ...]


def peeking_simulation(
    *,
    experiments: int = 2000,
    looks: int = 24,
    samples_per_look: int = 200,
    rate: float = 0.05,
    alpha: float = 0.05,
    seed: int = 0,
    rate_b: float | None = None,
) -> PeekingResult:
    """Simulate experiments checked after every batch, and count who cries wolf.

    Each experiment has two arms of Bernoulli outcomes (an error, say) with probability
    ``rate`` (arm B uses ``rate_b``, default ``rate``: an A/A test with no true difference).
    After each of ``looks`` batches of ``samples_per_look`` new outcomes **per arm**, three
    rules are evaluated (see :class:`PeekingResult`). The fixed-horizon test is the pooled
    two-proportion z-test (as :func:`companion.experiments.stats.two_proportion_test`); the
    sequential rule is :func:`sequential_compare_proportions` with ``planned_n`` the final total,
    ``2 · looks · samples_per_look``. Everything is vectorised over experiments × looks.

    Args:
        experiments: Simulated experiments, at least 1.
        looks: Looks per experiment, at least 1.
        samples_per_look: New outcomes per arm between looks, at least 2.
        rate: Event probability of arm A (and of B unless ``rate_b`` is given), in (0, 1).
        alpha: Significance level of every rule, in (0, 1).
        seed: Seed for ``numpy.random.default_rng``.
        rate_b: Event probability of arm B, in (0, 1); ``None`` for an A/A test.

    Raises:
        StatsInputError: a setting out of range.
    """
    experiments = _whole(experiments, "experiments", 1)
    looks = _whole(looks, "looks", 1)
    samples_per_look = _whole(samples_per_look, "samples_per_look", 2)
    rate_a = _open_unit(rate, "rate")
    rate_b = rate_a if rate_b is None else _open_unit(rate_b, "rate_b")
    alpha = _open_unit(alpha, "alpha")
    seed = _whole(seed, "seed", 0)

    rng = np.random.default_rng(seed)
    batch_events = rng.binomial(samples_per_look, [rate_a, rate_b], size=(experiments, looks, 2))
    events = np.cumsum(batch_events, axis=1).astype(np.float64)  # (experiments, looks, 2)
    events_a, events_b = events[..., 0], events[..., 1]
    n_arm = samples_per_look * np.arange(1, looks + 1, dtype=np.float64)  # (looks,)

    # Fixed-horizon pooled z-test at every look.
    rate_hat_a, rate_hat_b = events_a / n_arm, events_b / n_arm
    pooled = (events_a + events_b) / (2.0 * n_arm)
    standard_error = np.sqrt(pooled * (1.0 - pooled) * (2.0 / n_arm))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(standard_error > 0, (rate_hat_b - rate_hat_a) / standard_error, 0.0)
    fixed_rejects = 2.0 * scipy_stats.norm.sf(np.abs(z)) < alpha

    # Asymptotic confidence sequence at every look.
    planned_n = 2 * looks * samples_per_look
    rho = tuning_rho(planned_n, alpha)
    n_total = 2.0 * n_arm
    variance = n_total * (
        (_bernoulli_variance(events_a, n_arm) + _bernoulli_variance(events_b, n_arm)) / n_arm
    )
    halfwidth = np.sqrt(variance) * _halfwidth_factor(n_total, alpha, rho)
    sequential_rejects = np.abs(rate_hat_b - rate_hat_a) > halfwidth

    cumulative_peeking = np.logical_or.accumulate(fixed_rejects, axis=1).mean(axis=0)
    cumulative_sequential = np.logical_or.accumulate(sequential_rejects, axis=1).mean(axis=0)
    return PeekingResult(
        experiments=experiments,
        looks=looks,
        samples_per_look=samples_per_look,
        rate_a=rate_a,
        rate_b=rate_b,
        alpha=alpha,
        seed=seed,
        planned_n=planned_n,
        rho=rho,
        samples_per_arm=tuple(int(n) for n in n_arm),
        false_positive_rate_peeking=float(cumulative_peeking[-1]),
        false_positive_rate_final_only=float(fixed_rejects[:, -1].mean()),
        false_positive_rate_sequential=float(cumulative_sequential[-1]),
        cumulative_rejection_peeking=tuple(float(x) for x in cumulative_peeking),
        cumulative_rejection_sequential=tuple(float(x) for x in cumulative_sequential),
        rejection_per_look_fixed=tuple(float(x) for x in fixed_rejects.mean(axis=0)),
    )
