"""Where two strategies cost the same: break-even traffic, solved rather than scanned.

Each strategy becomes a :class:`CostCurve`: monthly cost as a function of daily requests,
plus the points where that function jumps (a fleet adds an instance) or bends (a free tier or
price tier runs out). Between those points every curve here is linear, so the difference of two
curves has at most one root per interval, which :func:`scipy.optimize.brentq` finds exactly.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..pricing.catalog import GatewayPrice, InstancePrice, ServerlessPrice
from ._validate import positive
from .models import always_on_cost, billed_duration_ms, plan_fleet, serverless_cost
from .traffic import HOURS_PER_MONTH, TrafficProfile

__all__ = [
    "CostCurve",
    "Crossover",
    "break_even_daily_requests",
    "capacity_fleet_curve",
    "crossovers",
    "fixed_fleet_curve",
    "fleet_capacity_daily_requests",
    "plot_cost_curves",
    "serverless_curve",
]


@dataclass(frozen=True)
class CostCurve:
    """Monthly cost (USD) of one strategy as a function of daily requests."""

    label: str
    cost_at: Callable[[float], float]
    kinks: Callable[[float, float], list[float]]
    serves_up_to: float | None = None  # daily requests it can serve at most (None: any)

    def __call__(self, daily_requests: float) -> float:
        return self.cost_at(daily_requests)


@dataclass(frozen=True)
class Crossover:
    """Below ``daily_requests`` one strategy is cheaper, above it the other."""

    daily_requests: float
    monthly_cost_usd: float
    cheaper_below: str
    cheaper_above: str


def fixed_fleet_curve(
    instance: InstancePrice,
    instance_count: int,
    hours_per_month: float = HOURS_PER_MONTH,
    *,
    serves_up_to: float | None = None,
) -> CostCurve:
    """N always-on instances: a flat line, which serves at most ``serves_up_to`` requests a
    day when given (:func:`fleet_capacity_daily_requests`); the plot marks the part beyond."""
    flat = always_on_cost(TrafficProfile(0), instance, instance_count, hours_per_month)
    cost = flat.monthly_cost_usd
    return CostCurve(flat.strategy, lambda _daily: cost, lambda _lo, _hi: [], serves_up_to)


def fleet_capacity_daily_requests(
    shape: TrafficProfile,
    throughput_rps_per_instance: float,
    instance_count: int,
    target_utilization: float = 0.7,
) -> float:
    """The most requests a day ``instance_count`` instances serve with this traffic ``shape``,
    keeping the peak hour at ``target_utilization``."""
    peak_rps = instance_count * throughput_rps_per_instance * target_utilization
    return peak_rps / shape.peak_ratio * 86_400.0


def capacity_fleet_curve(
    instance: InstancePrice,
    shape: TrafficProfile,
    throughput_rps_per_instance: float,
    target_utilization: float = 0.7,
    min_instances: int = 2,
    hours_per_month: float = HOURS_PER_MONTH,
    label: str | None = None,
) -> CostCurve:
    """A fleet re-sized for each traffic level (``shape`` gives the peak ratio): a staircase."""
    plan = plan_fleet(shape, throughput_rps_per_instance, target_utilization, min_instances)
    per_instance_month = instance.price_per_hour * hours_per_month
    usable_rps = throughput_rps_per_instance * target_utilization
    # Daily requests at which one more instance is needed: peak = k × usable.
    daily_per_instance = usable_rps / shape.peak_ratio * 86_400.0

    def cost(daily: float) -> float:
        sized = plan_fleet(
            shape.with_daily_requests(daily), throughput_rps_per_instance, target_utilization,
            min_instances,
        )  # fmt: skip
        return sized.instances * per_instance_month

    def steps(low: float, high: float) -> list[float]:
        first = max(min_instances, math.floor(low / daily_per_instance))
        last = math.ceil(high / daily_per_instance)
        return [
            k * daily_per_instance
            for k in range(first, last + 1)
            if low < k * daily_per_instance < high
        ]

    label = label or f"capacity-aware {instance.name} (min {plan.min_instances})"
    return CostCurve(label, cost, steps)


def serverless_curve(
    shape: TrafficProfile,
    price: ServerlessPrice,
    duration_ms: float,
    memory_mb: int,
    *,
    vcpus: float | None = None,
    free_tier: bool = True,
    gateway: GatewayPrice | None = None,
    gateway_free_tier: bool = False,
    request_size_kb: float = 1.0,
    concurrency: int = 1,
    label: str | None = None,
) -> CostCurve:
    """Serverless cost at every volume: linear between the free-tier and price-tier edges."""
    kwargs: dict[str, Any] = dict(
        vcpus=vcpus, free_tier=free_tier, gateway=gateway, gateway_free_tier=gateway_free_tier,
        request_size_kb=request_size_kb, concurrency=concurrency,
    )  # fmt: skip
    reference = serverless_cost(shape, price, duration_ms, memory_mb, **kwargs)

    def cost(daily: float) -> float:
        traffic = shape.with_daily_requests(daily)
        return serverless_cost(traffic, price, duration_ms, memory_mb, **kwargs).monthly_cost_usd

    # Monthly quantities per request, to turn free-tier and tier edges into request volumes.
    seconds = billed_duration_ms(duration_ms, price) / 1000.0 / concurrency
    memory = math.ceil(memory_mb / price.memory_increment_mb) * price.memory_increment_mb
    gb_s_per_request = seconds * memory / price.megabytes_per_gb
    free_gb_s = price.free_gb_seconds_per_month if free_tier else 0.0
    monthly_edges = [t.up_to + free_gb_s for t in price.gb_second_tiers[:-1]]
    monthly_edges = [e / gb_s_per_request for e in [*monthly_edges, free_gb_s] if e > 0]
    if free_tier:
        monthly_edges.append(price.free_requests_per_month)
        if vcpus:
            monthly_edges.append(price.free_vcpu_seconds_per_month / (seconds * vcpus))
    if gateway is not None:
        meter = (
            math.ceil(request_size_kb / gateway.metering_increment_kb)
            if gateway.metering_increment_kb
            else 1
        )
        monthly_edges += [t.up_to / meter for t in gateway.tiers[:-1]]
        if gateway_free_tier:
            monthly_edges.append(gateway.free_requests_per_month / meter)
    daily_edges = sorted(e / shape.days_per_month for e in monthly_edges if e > 0)

    def kinks(low: float, high: float) -> list[float]:
        return [e for e in daily_edges if low < e < high]

    return CostCurve(label or reference.strategy, cost, kinks)


def _right_of(x: float) -> float:
    return x * (1 + 1e-9) + 1e-9


def crossovers(a: CostCurve, b: CostCurve, low: float, high: float) -> list[Crossover]:
    """Every daily-request volume in [low, high] where the cheaper of ``a`` and ``b`` changes."""
    from scipy.optimize import brentq

    positive(low, "low", "daily requests")
    if high <= low:
        raise ValueError(f"high must be > low, got low={low!r}, high={high!r}")

    def diff(x: float) -> float:
        return a(x) - b(x)

    def sign(value: float) -> int:
        return (value > 1e-9) - (value < -1e-9)

    def cheaper(s: int) -> str:
        return b.label if s > 0 else a.label

    found: list[Crossover] = []
    last = 0  # sign of a - b where they last differed
    tie_start: float | None = None  # where the current stretch of equal cost began

    def observe(x: float, s: int) -> None:
        nonlocal last, tie_start
        if s == 0:
            tie_start = x if tie_start is None else tie_start
            return
        if last and s != last:
            at = x if tie_start is None else tie_start
            found.append(Crossover(at, min(a(at), b(at)), cheaper(last), cheaper(s)))
        last, tie_start = s, None

    # Between consecutive kinks both curves are linear (and left-continuous at a jump), so the
    # sign of a - b changes at most once inside an interval, plus possibly at its left end.
    points = sorted({low, high, *a.kinks(low, high), *b.kinks(low, high)})
    for left, right in itertools.pairwise(points):
        inside = _right_of(left)
        at_left, just_right, at_right = sign(diff(left)), sign(diff(inside)), sign(diff(right))
        observe(left, at_left)
        observe(left, just_right)  # a jump at `left` (a fleet adding an instance) shows here
        if just_right and at_right and just_right != at_right:
            root = float(brentq(diff, inside, right, xtol=1e-6, rtol=1e-12))
            found.append(Crossover(root, a(root), cheaper(just_right), cheaper(at_right)))
            last = at_right
    observe(high, sign(diff(high)))
    return found


def break_even_daily_requests(
    a: CostCurve, b: CostCurve, low: float = 1.0, high: float = 1e11
) -> Crossover:
    """The first volume at which ``a`` and ``b`` swap places; ``ValueError`` if they never do."""
    found = crossovers(a, b, low, high)
    if not found:
        cheaper = a.label if a(low) < b(low) else b.label
        raise ValueError(
            f"{a.label!r} and {b.label!r} never cross between {low:,.0f} and {high:,.0f} "
            f"requests/day: {cheaper!r} is cheaper throughout"
        )
    return found[0]


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def plot_cost_curves(
    curves: Sequence[CostCurve],
    low: float,
    high: float,
    *,
    reference: CostCurve | None = None,
    mark_daily_requests: float | None = None,
    ax: Any = None,
) -> Any:
    """Monthly cost vs daily requests (log-log) for each curve, crossovers with ``reference``
    (or between every pair when ``reference`` is None) marked and labelled."""
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5.5))
    grid = np.geomspace(low, high, 400)
    for curve in curves:
        # Evaluate on both sides of every kink so that a fleet's steps are drawn as steps.
        kinks = curve.kinks(low, high)
        limit = curve.serves_up_to if curve.serves_up_to is not None else math.inf
        points = sorted({*grid.tolist(), *kinks, *(_right_of(k) for k in kinks),
                         *([limit] if low < limit < high else [])})  # fmt: skip
        served = [x for x in points if x <= limit]
        (line,) = ax.plot(served, [curve(x) for x in served], label=curve.label)
        beyond = [x for x in points if x >= limit]
        if beyond:  # the traffic it cannot serve: drawn dotted and said
            ax.plot(beyond, [curve(x) for x in beyond], ls=":", color=line.get_color(), alpha=0.6,
                    label=f"{curve.label}: cannot serve above {limit / 1e6:.2g}M/day")  # fmt: skip
    pairs = (
        [(reference, c) for c in curves if c is not reference]
        if reference is not None
        else [(x, y) for i, x in enumerate(curves) for y in curves[i + 1 :]]
    )
    labelled: list[float] = []
    for first, second in pairs:
        limit = min(
            c.serves_up_to if c.serves_up_to is not None else math.inf for c in (first, second)
        )
        for point in crossovers(first, second, low, high):
            if point.daily_requests > limit:  # a crossing with traffic one of them cannot serve
                continue
            ax.plot(point.daily_requests, point.monthly_cost_usd, "ko", ms=5)
            stacked = sum(1 for x in labelled if abs(math.log(x / point.daily_requests)) < 0.05)
            labelled.append(point.daily_requests)
            ax.annotate(
                f"{point.daily_requests / 1e6:.2g}M/day: {_short(first.label)} = {_short(second.label)}",
                (point.daily_requests, point.monthly_cost_usd),
                textcoords="offset points", xytext=(4, -12 - 11 * stacked), fontsize=8,
            )  # fmt: skip
    if mark_daily_requests is not None:
        ax.axvline(mark_daily_requests, color="grey", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title("Monthly cost vs requests per day (dots: where two strategies cost the same)")
    ax.set_xlabel("requests per day")
    ax.set_ylabel("monthly cost (USD)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return ax
