"""Memory/cost tuning for AWS Lambda, in the spirit of aws-lambda-power-tuning.

Lambda gives a function CPU in proportion to its memory (one vCPU per 1,769 MB) and bills
``ceil(duration_ms)`` × ``memory_mb / 1024`` GB-s, plus a fixed price per request. More memory
therefore costs more per millisecond but may finish sooner, and a CPU-bound function can get
*faster for about the same money* until it stops using the extra CPU. This module estimates
duration at each memory size from a few local measurements (:class:`DurationModel`), prices
every size (:func:`evaluate_size`) and picks one (:func:`tune`) by one of power tuning's three
strategies:

* ``"cost"``: the cheapest compute per invocation;
* ``"speed"``: the shortest duration;
* ``"balanced"``: the smallest ``weight × cost / max_cost + (1 − weight) × duration /
  max_duration`` (``weight=0.5`` by default; 1.0 is ``"cost"``, 0.0 is ``"speed"``).

Like power tuning, duration samples are summarised by a trimmed mean that drops the fastest and
slowest 20 % (:func:`trimmed_mean_ms`), so one cold start or one lucky run doesn't decide.
Prices come only from the :class:`~companion.pricing.catalog.ServerlessPrice` passed in.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, cast

from ..costs._validate import at_least, fraction, positive
from ..costs.models import (
    CostEstimate,
    billed_duration_ms,
    cpu_scaled_duration_ms,
    lambda_vcpus,
    serverless_cost,
)
from ..costs.traffic import TrafficProfile
from ..pricing.catalog import GatewayPrice, ServerlessPrice

__all__ = [
    "DEFAULT_MEMORY_SIZES_MB",
    "STRATEGIES",
    "DurationModel",
    "Strategy",
    "TuningResult",
    "TuningRow",
    "choose",
    "evaluate_size",
    "monthly_cost_at",
    "monthly_cost_with_cold_starts",
    "trimmed_mean_ms",
    "tune",
]

Strategy = Literal["cost", "speed", "balanced"]

#: Power tuning's three strategies, in the order the docs list them.
STRATEGIES: tuple[Strategy, ...] = ("cost", "speed", "balanced")

#: Sizes tried by default: powers of two, the one-vCPU (1,769 MB) and two-vCPU (3,538 MB)
#: points, 3,008 MB (the old maximum) and Lambda's 10,240 MB maximum.
DEFAULT_MEMORY_SIZES_MB: tuple[int, ...] = (
    128, 256, 512, 1024, 1536, 1769, 2048, 3008, 3538, 4096, 5120, 6144, 7168, 8192, 10240,
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Summarising samples
# --------------------------------------------------------------------------------------------


def _check_trim(trim: float) -> float:
    value = at_least(trim, "trim", 0)
    if value >= 0.5:
        raise ValueError(
            f"trim must be a fraction in [0, 0.5) (the share dropped from each end), got {trim!r}"
        )
    return value


def trimmed_mean_ms(samples: Sequence[float], trim: float = 0.2) -> float:
    """Mean of ``samples`` after dropping the ``floor(n × trim)`` lowest and as many highest.

    With the default ``trim=0.2`` (what power tuning discards), ten samples lose two at each
    end: ``[1, 2, …, 8, 9, 100]`` averages ``3..8`` to 5.5, and the 100 ms outlier is gone.
    Fewer than five samples lose nothing. ``trim`` must be in [0, 0.5) so at least one sample
    is always kept; every sample must be a positive number of milliseconds.
    """
    trim = _check_trim(trim)
    values = list(samples)
    if not values:
        raise ValueError("samples must hold at least one duration (ms > 0), got none")
    for n, sample in enumerate(values):
        positive(sample, f"samples[{n}]", "milliseconds")
    values.sort()
    cut = math.floor(len(values) * trim + 1e-9)  # 1e-9: 15 × 0.2 is 3, not 2.9999…
    kept = values[cut : len(values) - cut]
    return math.fsum(kept) / len(kept)


# --------------------------------------------------------------------------------------------
# Duration at a memory size
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DurationModel:
    """Duration at any Lambda memory size, from durations measured at a few CPU allotments.

    ``measurements`` maps vCPUs to duration samples in ms, typically measured locally with the
    runtime's thread count limited to emulate that many vCPUs, e.g.
    ``{1.0: [samples at 1 thread], 2.0: [samples at 2 threads]}``. Each allotment is summarised
    by :func:`trimmed_mean_ms` (``trim`` each end).

    :meth:`duration_at` turns memory into vCPUs (``memory_mb / 1769``, see
    :func:`~companion.costs.models.lambda_vcpus`) and then assumes:

    * **at a measured allotment**: its trimmed mean;
    * **between two measured allotments**: linear interpolation in ``1 / vcpus``, because a
      fixed amount of work takes time proportional to 1 / CPU. Serial parts of the work make
      the measured points bend away from pure 1 / CPU; interpolating between two measurements
      keeps whatever bend they show;
    * **below the smallest measured allotment**: CPU-bound, so time stretches in proportion
      (half the vCPUs, twice the time), scaled from the smallest measurement by
      :func:`~companion.costs.models.cpu_scaled_duration_ms`;
    * **above the largest measured allotment**: no faster than the largest measurement: the
      measurement used that many threads, and extra vCPUs a fixed thread count can't use don't
      help.

    These are estimates for choosing sizes to try; a run on Lambda itself is the real number.
    Time spent waiting (network, disk) does not shrink with CPU, so for I/O-bound work the
    scaling below the smallest allotment overstates duration: measure the sizes that matter.
    """

    measurements: Mapping[float, Sequence[float]]
    trim: float = 0.2
    #: ``(vcpus, trimmed mean ms)`` per measured allotment, fewest vCPUs first.
    points: tuple[tuple[float, float], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_trim(self.trim)
        if not self.measurements:
            raise ValueError(
                "measurements must map at least one vCPU allotment (> 0) to duration samples, "
                "got none"
            )
        points = []
        for vcpus, samples in self.measurements.items():
            positive(vcpus, "vcpus", "vCPUs, a key of measurements")
            if len(samples) == 0:
                raise ValueError(
                    f"measurements[{vcpus:g}] must hold at least one duration sample (ms > 0), "
                    "got none"
                )
            points.append((float(vcpus), trimmed_mean_ms(samples, self.trim)))
        points.sort()
        object.__setattr__(self, "points", tuple(points))

    def duration_at_vcpus(self, vcpus: float) -> float:
        """Estimated duration in ms with ``vcpus`` vCPUs (> 0); see the class docstring."""
        positive(vcpus, "vcpus", "vCPUs")
        lowest_vcpus, lowest_ms = self.points[0]
        highest_vcpus, highest_ms = self.points[-1]
        for measured_vcpus, measured_ms in self.points:
            if math.isclose(vcpus, measured_vcpus, rel_tol=1e-9):
                return measured_ms
        if vcpus < lowest_vcpus:
            return cpu_scaled_duration_ms(lowest_ms, lowest_vcpus, vcpus)
        if vcpus > highest_vcpus:
            return cpu_scaled_duration_ms(highest_ms, highest_vcpus, vcpus)
        for (lo_vcpus, lo_ms), (hi_vcpus, hi_ms) in itertools.pairwise(self.points):
            if lo_vcpus < vcpus < hi_vcpus:
                # Linear in x = 1 / vcpus between (1/lo, lo_ms) and (1/hi, hi_ms).
                share = (1 / vcpus - 1 / lo_vcpus) / (1 / hi_vcpus - 1 / lo_vcpus)
                return lo_ms + share * (hi_ms - lo_ms)
        raise AssertionError(f"unreachable: {vcpus} vCPUs fell between no measured points")

    def duration_at(self, memory_mb: int) -> float:
        """Estimated duration in ms at ``memory_mb`` (a whole number, 128-10,240 MB)."""
        return self.duration_at_vcpus(lambda_vcpus(memory_mb))


# --------------------------------------------------------------------------------------------
# Pricing one size, choosing among sizes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TuningRow:
    """One memory size: its estimated duration and what one invocation costs there (USD).

    ``compute_cost_usd`` is the GB-s charge at the first price tier with no free tier;
    ``request_cost_usd`` is the per-request charge, the same at every size, kept apart so it
    doesn't blur the comparison. ``cost_per_million_usd`` adds both for a million invocations.
    ``p95_ms`` is the duration the latency target was checked against: ``duration_ms`` itself
    unless a separate p95 estimate was given (bill on the typical duration, check the tail).
    """

    memory_mb: int
    vcpus: float
    duration_ms: float
    billed_ms: int
    compute_cost_usd: float
    request_cost_usd: float
    cost_per_million_usd: float
    meets_target: bool = True
    p95_ms: float | None = None


def _check_price(price: ServerlessPrice) -> None:
    if price.currency != "USD":
        raise ValueError(
            f"price.currency must be USD (the tuner reports USD), got {price.currency!r} "
            f"for {price.name}"
        )
    if price.vcpu_second_price > 0:
        raise ValueError(
            f"price must be a Lambda-style offer whose CPU follows memory (vcpu_second_price 0); "
            f"{price.name} bills vCPU-seconds separately"
        )


def _check_memory(memory_mb: int, price: ServerlessPrice, field_name: str) -> float:
    """vCPUs at ``memory_mb``, after checking it against the offer's and Lambda's range."""
    vcpus = lambda_vcpus(memory_mb)  # whole MB, 128-10,240
    if not price.memory_min_mb <= memory_mb <= price.memory_max_mb:
        raise ValueError(
            f"{field_name} must be between {price.memory_min_mb} and {price.memory_max_mb} MB "
            f"for {price.name}, got {memory_mb}"
        )
    return vcpus


def evaluate_size(
    memory_mb: int,
    duration_ms: float,
    price: ServerlessPrice,
    p95_target_ms: float | None = None,
    *,
    p95_ms: float | None = None,
) -> TuningRow:
    """Price one invocation of ``duration_ms`` at ``memory_mb`` (128-10,240 MB).

    Compute: ``billed_ms / 1000 × memory_mb / 1024 × price per GB-s`` (first tier, no free
    tier), with ``billed_ms`` from :func:`~companion.costs.models.billed_duration_ms` (1 ms
    steps on Lambda). Requests: ``request_price_per_million / 1e6``. ``meets_target`` is
    ``p95_ms <= p95_target_ms`` (always true without a target); ``p95_ms`` defaults to
    ``duration_ms``: pass the p95 estimate when ``duration_ms`` is a typical (median) one.
    """
    _check_price(price)
    vcpus = _check_memory(memory_mb, price, "memory_mb")
    if p95_target_ms is not None:
        positive(p95_target_ms, "p95_target_ms", "milliseconds")
    tail_ms = duration_ms if p95_ms is None else positive(p95_ms, "p95_ms", "milliseconds")
    billed_ms = billed_duration_ms(duration_ms, price)  # checks duration_ms > 0
    step = price.memory_increment_mb
    billed_memory_mb = math.ceil(memory_mb / step) * step
    gb_seconds = billed_ms / 1000 * billed_memory_mb / price.megabytes_per_gb
    compute = gb_seconds * price.gb_second_tiers[0].price
    request = price.request_price_per_million / 1e6
    return TuningRow(
        memory_mb=memory_mb,
        vcpus=vcpus,
        duration_ms=float(duration_ms),
        billed_ms=billed_ms,
        compute_cost_usd=compute,
        request_cost_usd=request,
        cost_per_million_usd=(compute + request) * 1e6,
        meets_target=p95_target_ms is None or tail_ms <= p95_target_ms,
        p95_ms=float(tail_ms),
    )


def _check_strategy(strategy: str, weight: float) -> None:
    if strategy not in STRATEGIES:
        raise ValueError(
            f"strategy must be one of {', '.join(repr(s) for s in STRATEGIES)}, got {strategy!r}"
        )
    fraction(weight, "weight")


def choose(rows: Sequence[TuningRow], strategy: str = "balanced", weight: float = 0.5) -> TuningRow:
    """The row ``strategy`` prefers among ``rows`` (all of them: filter by target first).

    ``"cost"`` takes the lowest ``compute_cost_usd`` (request cost is the same at every size),
    ``"speed"`` the lowest ``duration_ms``, and ``"balanced"`` the lowest ``weight ×
    cost / max_cost + (1 − weight) × duration / max_duration``, maxima taken over ``rows``.
    Ties go to the cheaper row, then the faster, then the smaller memory size.
    """
    _check_strategy(strategy, weight)
    if not rows:
        raise ValueError("rows must hold at least one TuningRow to choose from, got none")
    max_cost = max(r.compute_cost_usd for r in rows)
    max_duration = max(r.duration_ms for r in rows)

    def key(row: TuningRow) -> tuple[float, ...]:
        tie_break = (row.compute_cost_usd, row.duration_ms, row.memory_mb)
        if strategy == "cost":
            return tie_break
        if strategy == "speed":
            return (row.duration_ms, *tie_break)
        score = (
            weight * row.compute_cost_usd / max_cost + (1 - weight) * row.duration_ms / max_duration
        )
        return (score, *tie_break)

    return min(rows, key=key)


@dataclass(frozen=True)
class TuningResult:
    """Every size tried (``rows``, smallest memory first) and the one ``strategy`` picked."""

    rows: tuple[TuningRow, ...]
    best: TuningRow
    strategy: Strategy
    weight: float
    p95_target_ms: float | None
    price_name: str

    def row(self, memory_mb: int) -> TuningRow:
        """The row for ``memory_mb``; ``KeyError`` if that size wasn't tried."""
        for row in self.rows:
            if row.memory_mb == memory_mb:
                return row
        tried = ", ".join(str(r.memory_mb) for r in self.rows)
        raise KeyError(f"memory_mb {memory_mb} was not tried; tried {tried}")

    def frame(self) -> Any:
        """The rows as a pandas DataFrame, with a ``best`` column marking the pick."""
        import pandas as pd

        records = [{**asdict(r), "best": r == self.best} for r in self.rows]
        return pd.DataFrame(records)


def tune(
    model: DurationModel,
    price: ServerlessPrice,
    memory_sizes_mb: Sequence[int] = DEFAULT_MEMORY_SIZES_MB,
    strategy: str = "balanced",
    weight: float = 0.5,
    p95_target_ms: float | None = None,
    *,
    p95: DurationModel | None = None,
) -> TuningResult:
    """Estimate, price and rank every size in ``memory_sizes_mb``; pick one by ``strategy``.

    Each size gets ``model.duration_at(memory_mb)``, the duration it is billed for, and is
    priced by :func:`evaluate_size`. The pick (:func:`choose`, ``weight`` in [0, 1] for
    ``"balanced"``) is made among sizes meeting ``p95_target_ms`` when one is given; if none
    does, ``ValueError`` names the fastest size and its p95. The target is checked on
    ``p95.duration_at(memory_mb)`` when a ``p95`` model (built from p95 durations, one per
    allotment) is given, else on ``model``'s own estimate: a bill follows the typical
    duration, a latency target the slow tail, so give both.
    """
    _check_strategy(strategy, weight)
    _check_price(price)
    if p95_target_ms is not None:
        positive(p95_target_ms, "p95_target_ms", "milliseconds")
    for name, value in (("model", model), ("p95", model if p95 is None else p95)):
        if not isinstance(value, DurationModel):
            raise TypeError(f"{name} must be a DurationModel, got {type(value).__name__}")
    sizes = list(memory_sizes_mb)
    if not sizes:
        raise ValueError(
            f"memory_sizes_mb must list at least one size ({price.memory_min_mb}-"
            f"{price.memory_max_mb} MB), got none"
        )
    for size in sizes:
        _check_memory(size, price, "memory_sizes_mb")
    repeated = sorted({s for s in sizes if sizes.count(s) > 1})
    if repeated:
        raise ValueError(f"memory_sizes_mb must not repeat a size, got {repeated} more than once")

    tail = model if p95 is None else p95
    rows = tuple(
        evaluate_size(
            size, model.duration_at(size), price, p95_target_ms, p95_ms=tail.duration_at(size)
        )
        for size in sorted(sizes)
    )
    candidates = [r for r in rows if r.meets_target]
    if not candidates:
        fastest = min(rows, key=lambda r: (r.p95_ms, r.memory_mb))
        raise ValueError(
            f"p95_target_ms: no memory size meets {p95_target_ms:g} ms; the fastest is "
            f"{fastest.memory_mb} MB at p95 {fastest.p95_ms:.1f} ms (sizes tried "
            f"{rows[0].memory_mb}-{rows[-1].memory_mb} MB)"
        )
    return TuningResult(
        rows=rows,
        best=choose(candidates, strategy, weight),
        strategy=cast(Strategy, strategy),  # checked against STRATEGIES above
        weight=weight,
        p95_target_ms=p95_target_ms,
        price_name=price.name,
    )


def monthly_cost_at(
    result_row: TuningRow,
    monthly_requests: float,
    price: ServerlessPrice,
    free_tier: bool = True,
) -> CostEstimate:
    """The month's bill at ``result_row``'s size and duration for ``monthly_requests``.

    Delegates to :func:`~companion.costs.models.serverless_cost` so tiers, the free tier
    (shared by every function in the account: turn it off if others use it) and the request
    charge match the rest of the course.
    """
    return serverless_cost(
        TrafficProfile.from_monthly_requests(monthly_requests),
        price,
        result_row.duration_ms,
        result_row.memory_mb,
        free_tier=free_tier,
    )


def monthly_cost_with_cold_starts(
    traffic: TrafficProfile,
    price: ServerlessPrice,
    memory_mb: int,
    warm_duration_ms: float,
    init_duration_ms: float,
    cold_start_fraction: float,
    *,
    gateway: GatewayPrice | None = None,
    free_tier: bool = True,
) -> float:
    """Monthly USD when ``cold_start_fraction`` of invocations also pay the init phase.

    Each invocation is billed rounded up on its own, so warm and cold invocations are priced
    separately (a cold one lasts ``warm + init`` ms; AWS bills the init phase of on-demand
    functions since August 2025). The free tier is applied to the warm invocations.
    """
    fraction(cold_start_fraction, "cold_start_fraction")
    positive(init_duration_ms, "init_duration_ms", "milliseconds")
    warm = traffic.with_daily_requests(traffic.daily_requests * (1 - cold_start_fraction))
    total = 0.0
    if warm.daily_requests > 0:
        total += serverless_cost(
            warm, price, warm_duration_ms, memory_mb, gateway=gateway, free_tier=free_tier
        ).monthly_cost_usd
    if cold_start_fraction > 0:
        cold = traffic.with_daily_requests(traffic.daily_requests * cold_start_fraction)
        total += serverless_cost(
            cold,
            price,
            warm_duration_ms + init_duration_ms,
            memory_mb,
            gateway=gateway,
            free_tier=False,
        ).monthly_cost_usd
    return total
