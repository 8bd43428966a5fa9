"""Cost models: pure functions from prices, traffic and measured speed to a monthly bill.

Every model returns a :class:`CostEstimate`: the monthly cost, the cost per million requests,
and the line items that add up to it, so a learner can see *where* the money goes.
Costs exclude storage, data transfer, load balancers and taxes unless a line item says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._lambda_limits import MEMORY_MB_RANGE
from ..pricing.catalog import GatewayPrice, InstancePrice, ServerlessPrice
from ._validate import at_least, fraction, integer_at_least, positive
from .traffic import HOURS_PER_MONTH, TrafficProfile

if TYPE_CHECKING:  # pandas is imported when a table is asked for, not with the models
    import pandas as pd

__all__ = [
    "LAMBDA_MB_PER_VCPU",
    "CostEstimate",
    "FleetPlan",
    "LineItem",
    "always_on_cost",
    "billed_duration_ms",
    "capacity_aware_cost",
    "comparison_table",
    "cpu_scaled_duration_ms",
    "gateway_line_items",
    "lambda_vcpus",
    "plan_fleet",
    "required_throughput_rps",
    "serverless_cost",
    "spot_cost",
    "throughput_from_latency",
]


@dataclass(frozen=True)
class LineItem:
    """One line of a bill: ``quantity`` × ``unit_price_usd`` = ``cost_usd``."""

    description: str
    quantity: float
    unit: str
    unit_price_usd: float

    @property
    def cost_usd(self) -> float:
        return self.quantity * self.unit_price_usd


@dataclass(frozen=True)
class CostEstimate:
    """What one strategy costs per month for one traffic profile."""

    strategy: str
    monthly_requests: float
    line_items: tuple[LineItem, ...]
    instances: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def monthly_cost_usd(self) -> float:
        return sum(item.cost_usd for item in self.line_items)

    @property
    def cost_per_million_requests_usd(self) -> float:
        if self.monthly_requests <= 0:
            return math.inf if self.monthly_cost_usd > 0 else 0.0
        return self.monthly_cost_usd / (self.monthly_requests / 1e6)

    def breakdown(self) -> pd.DataFrame:
        """The line items as a pandas DataFrame (a ``TOTAL`` row last)."""
        import pandas as pd

        rows = [
            {
                "item": i.description,
                "quantity": i.quantity,
                "unit": i.unit,
                "unit_price_usd": i.unit_price_usd,
                "cost_usd": i.cost_usd,
            }
            for i in self.line_items
        ]
        rows.append(
            {"item": "TOTAL", "quantity": None, "unit": "", "unit_price_usd": None,
             "cost_usd": self.monthly_cost_usd}
        )  # fmt: skip
        return pd.DataFrame(rows)


def _check_traffic(traffic: object) -> None:
    """Every cost function takes the traffic first: anything else there is a mistake (or a call
    written for the old argument order, where the instance came first)."""
    if not isinstance(traffic, TrafficProfile):
        raise TypeError(
            "traffic must be a TrafficProfile (every cost function takes it first), got "
            f"{type(traffic).__name__}"
        )


def _same_currency(*prices: InstancePrice | ServerlessPrice | GatewayPrice) -> None:
    currencies = {p.currency for p in prices}
    if currencies != {"USD"}:
        raise ValueError(
            f"the cost models add USD prices only; got currencies {sorted(currencies)} "
            "(convert the catalog entry first)"
        )


# --------------------------------------------------------------------------------------------
# Always-on and capacity-aware fleets
# --------------------------------------------------------------------------------------------


def always_on_cost(
    traffic: TrafficProfile,
    instance: InstancePrice,
    instance_count: int,
    hours_per_month: float = HOURS_PER_MONTH,
) -> CostEstimate:
    """``instance_count`` instances running every hour of the month, whatever the traffic."""
    _check_traffic(traffic)
    _same_currency(instance)
    integer_at_least(instance_count, "instance_count", 1)
    positive(hours_per_month, "hours_per_month", "hours")
    item = LineItem(
        f"{instance.name} on-demand × {instance_count}",
        instance_count * hours_per_month,
        "instance-hours",
        instance.price_per_hour,
    )
    return CostEstimate(
        strategy=f"always-on {instance_count}× {instance.name}",
        monthly_requests=traffic.monthly_requests,
        line_items=(item,),
        instances=instance_count,
    )


@dataclass(frozen=True)
class FleetPlan:
    """How many instances a peak needs, and how busy they are at that peak."""

    instances: int
    instances_for_load: int
    peak_rps: float
    capacity_rps_per_instance: float
    target_utilization: float
    min_instances: int

    @property
    def peak_utilization(self) -> float:
        """Fraction of the fleet's full capacity used at the peak hour."""
        return self.utilization_at(self.peak_rps)

    def utilization_at(self, requests_per_second: float) -> float:
        """Fraction of the fleet's full capacity busy at ``requests_per_second``."""
        return requests_per_second / (self.instances * self.capacity_rps_per_instance)

    @property
    def limited_by(self) -> str:
        return (
            "availability minimum" if self.instances_for_load < self.min_instances else "peak load"
        )


def throughput_from_latency(latency_ms: float, vcpus: int, threads_per_request: int = 1) -> float:
    """Requests/s one instance completes if it runs ``vcpus // threads_per_request`` requests
    at a time, each taking ``latency_ms``.

    An estimate for planning; a load test (lesson 04) is the real number. It assumes requests
    are served one per worker without batching and that vCPUs scale linearly.
    """
    positive(latency_ms, "latency_ms", "milliseconds")
    integer_at_least(vcpus, "vcpus", 1)
    integer_at_least(threads_per_request, "threads_per_request", 1)
    if threads_per_request > vcpus:
        raise ValueError(f"threads_per_request ({threads_per_request}) must be <= vcpus ({vcpus})")
    workers = vcpus // threads_per_request
    return workers * 1000.0 / latency_ms


def plan_fleet(
    traffic: TrafficProfile,
    throughput_rps_per_instance: float,
    target_utilization: float = 0.7,
    min_instances: int = 2,
) -> FleetPlan:
    """Instances needed to serve the peak hour at ``target_utilization``, never fewer than
    ``min_instances`` (two, so one can fail or be replaced without an outage).

    ``throughput_rps_per_instance`` must be the rate one instance sustains *while meeting the
    latency target* (p95), as measured by a load test, not its best-case maximum.
    """
    _check_traffic(traffic)
    positive(
        throughput_rps_per_instance,
        "throughput_rps_per_instance",
        "requests/s at the latency target",
    )
    fraction(target_utilization, "target_utilization", allow_zero=False)
    integer_at_least(min_instances, "min_instances", 1)
    usable = throughput_rps_per_instance * target_utilization
    # A tiny tolerance so that exactly-full instances don't round up on float noise.
    for_load = math.ceil(traffic.peak_rps / usable - 1e-9) if traffic.peak_rps > 0 else 0
    return FleetPlan(
        instances=max(min_instances, for_load),
        instances_for_load=for_load,
        peak_rps=traffic.peak_rps,
        capacity_rps_per_instance=throughput_rps_per_instance,
        target_utilization=target_utilization,
        min_instances=min_instances,
    )


def required_throughput_rps(
    traffic: TrafficProfile, instances: int, target_utilization: float = 0.7
) -> float:
    """Requests/s each of ``instances`` must sustain (at the latency target) to carry the peak
    at ``target_utilization``: the bar an unmeasured instance type has to clear."""
    _check_traffic(traffic)
    integer_at_least(instances, "instances", 1)
    fraction(target_utilization, "target_utilization", allow_zero=False)
    return traffic.peak_rps / (instances * target_utilization)


def capacity_aware_cost(
    traffic: TrafficProfile,
    instance: InstancePrice,
    throughput_rps_per_instance: float,
    target_utilization: float = 0.7,
    min_instances: int = 2,
    hours_per_month: float = HOURS_PER_MONTH,
) -> CostEstimate:
    """An always-on fleet sized by :func:`plan_fleet` for the traffic's peak hour."""
    _check_traffic(traffic)
    plan = plan_fleet(traffic, throughput_rps_per_instance, target_utilization, min_instances)
    fixed = always_on_cost(traffic, instance, plan.instances, hours_per_month)
    return CostEstimate(
        strategy=f"capacity-aware {plan.instances}× {instance.name}",
        monthly_requests=fixed.monthly_requests,
        line_items=fixed.line_items,
        instances=plan.instances,
        notes=(
            f"peak {plan.peak_rps:,.0f} req/s ÷ ({throughput_rps_per_instance:g} req/s × "
            f"{target_utilization:.0%}) → {plan.instances_for_load} for load, "
            f"min {min_instances} → {plan.instances} ({plan.limited_by})",
        ),
    )


# --------------------------------------------------------------------------------------------
# Serverless
# --------------------------------------------------------------------------------------------


# Lambda allocates CPU in proportion to memory: one vCPU per 1,769 MB (AWS Lambda docs).
LAMBDA_MB_PER_VCPU = 1769


def lambda_vcpus(memory_mb: int) -> float:
    """vCPUs a Lambda function gets at ``memory_mb`` (128-10,240 MB): memory / 1,769 MB."""
    if isinstance(memory_mb, bool) or not isinstance(memory_mb, int):
        raise TypeError(f"memory_mb must be a whole number of MB, got {memory_mb!r}")
    low, high = MEMORY_MB_RANGE
    if not low <= memory_mb <= high:
        raise ValueError(
            f"memory_mb must be between {low} and {high} MB (Lambda's range), got {memory_mb}"
        )
    return memory_mb / LAMBDA_MB_PER_VCPU


def cpu_scaled_duration_ms(measured_ms: float, measured_vcpus: float, vcpus: float) -> float:
    """Estimate a CPU-bound request's duration on ``vcpus`` from one measured on
    ``measured_vcpus``: fewer vCPUs stretch it proportionally, more than were measured don't
    help (the measurement used only that many threads). An estimate; measure to be sure."""
    positive(measured_ms, "measured_ms", "milliseconds")
    positive(measured_vcpus, "measured_vcpus", "vCPUs")
    positive(vcpus, "vcpus", "vCPUs")
    return measured_ms * measured_vcpus / min(vcpus, measured_vcpus)


def billed_duration_ms(duration_ms: float, price: ServerlessPrice) -> int:
    """Duration as billed: rounded up to the billing granularity, at least the minimum."""
    positive(duration_ms, "duration_ms", "milliseconds per request")
    step = price.billing_granularity_ms
    billed = math.ceil(duration_ms / step - 1e-9) * step  # 1e-9: 120.0000000001 ms is 120 ms
    return max(price.minimum_billed_ms, billed)


def _tiered(
    quantity: float, tiers: Sequence[tuple[float, float]]
) -> list[tuple[float, float, float]]:
    """Split ``quantity`` over (price, up_to) tiers; returns (amount, price, tier_start)."""
    parts = []
    start = 0.0
    for price, up_to in tiers:
        amount = max(0.0, min(quantity, up_to) - start)
        if amount > 0:
            parts.append((amount, price, start))
        start = up_to
        if quantity <= up_to:
            break
    return parts


def _tier_label(start: float, unit: str) -> str:
    return f" (beyond {start / 1e9:g}B {unit})" if start > 0 else ""


def gateway_line_items(
    gateway: GatewayPrice,
    monthly_requests: float,
    free_tier: bool = False,
    request_size_kb: float = 1.0,
) -> list[LineItem]:
    """API Gateway charges for ``monthly_requests``.

    HTTP APIs meter each request in 512 KB steps (a 700 KB request counts twice); the free tier
    (1M calls a month) only lasts a new account's first 12 months, hence ``free_tier=False``.
    """
    _same_currency(gateway)
    at_least(monthly_requests, "monthly_requests", 0, "requests/month")
    positive(request_size_kb, "request_size_kb", "KB per request")
    metered = monthly_requests
    if gateway.metering_increment_kb:
        metered *= math.ceil(request_size_kb / gateway.metering_increment_kb)
    free = min(metered, gateway.free_requests_per_month) if free_tier else 0.0
    tiers = [(t.price_per_million / 1e6, t.up_to) for t in gateway.tiers]
    items = [
        LineItem(
            f"{gateway.name} requests{_tier_label(start, 'requests')}", amount, "requests", price
        )
        for amount, price, start in _tiered(metered - free, tiers)
    ]
    if free:
        items.append(LineItem(f"{gateway.name} (free tier, not billed)", free, "requests", 0.0))
    return items


def _check_memory_mb(price: ServerlessPrice, memory_mb: int) -> None:
    if isinstance(memory_mb, bool) or not isinstance(memory_mb, int):
        raise TypeError(f"memory_mb must be a whole number of MB, got {memory_mb!r}")
    if not price.memory_min_mb <= memory_mb <= price.memory_max_mb:
        raise ValueError(
            f"memory_mb must be between {price.memory_min_mb} and {price.memory_max_mb} MB for "
            f"{price.name}, got {memory_mb}"
        )


def _check_cpu(price: ServerlessPrice, vcpus: float | None, concurrency: int) -> None:
    """``vcpus`` and ``concurrency`` only where the offer bills vCPU-seconds (Cloud Run)."""
    integer_at_least(concurrency, "concurrency", 1)
    if concurrency > 1 and price.vcpu_second_price == 0:
        raise ValueError(
            f"concurrency must be 1 for {price.name}: it bills every invocation separately"
        )
    if price.vcpu_second_price > 0:
        if vcpus is None:
            raise ValueError(f"vcpus is required for {price.name}, which bills vCPU-seconds")
        positive(vcpus, "vcpus", "vCPUs per instance")
    elif vcpus is not None:
        raise ValueError(
            f"vcpus must be left out for {price.name}: its CPU share follows memory_mb"
        )


def _compute_items(price: ServerlessPrice, gb_seconds: float, free_tier: bool) -> list[LineItem]:
    """The GB-s line items: tiered by monthly volume after the free tier."""
    free_gb_s = min(gb_seconds, price.free_gb_seconds_per_month) if free_tier else 0.0
    tiers = [(t.price, t.up_to) for t in price.gb_second_tiers]
    items = [
        LineItem(f"{price.name} compute{_tier_label(start, 'GB-s')}", amount, "GB-s", unit_price)
        for amount, unit_price, start in _tiered(gb_seconds - free_gb_s, tiers)
    ]
    if free_gb_s:
        items.append(
            LineItem(f"{price.name} compute (free tier, not billed)", free_gb_s, "GB-s", 0.0)
        )
    return items


def _vcpu_item(price: ServerlessPrice, vcpu_seconds: float, free_tier: bool) -> LineItem:
    free_vcpu = min(vcpu_seconds, price.free_vcpu_seconds_per_month) if free_tier else 0.0
    return LineItem(
        f"{price.name} vCPU time", vcpu_seconds - free_vcpu, "vCPU-s", price.vcpu_second_price
    )


def _requests_item(price: ServerlessPrice, requests: float, free_tier: bool) -> LineItem:
    free_requests = min(requests, price.free_requests_per_month) if free_tier else 0.0
    return LineItem(
        f"{price.name} requests", requests - free_requests, "requests",
        price.request_price_per_million / 1e6,
    )  # fmt: skip


def _ephemeral_storage_items(
    price: ServerlessPrice, ephemeral_storage_mb: int, seconds: float
) -> list[LineItem]:
    """The storage above the free allowance, billed in GB-s for ``seconds`` of instance time."""
    integer_at_least(ephemeral_storage_mb, "ephemeral_storage_mb", 0)
    if (
        not price.ephemeral_storage_free_mb
        <= ephemeral_storage_mb
        <= price.ephemeral_storage_max_mb
    ):
        raise ValueError(
            f"ephemeral_storage_mb must be between {price.ephemeral_storage_free_mb} and "
            f"{price.ephemeral_storage_max_mb} MB for {price.name}, got {ephemeral_storage_mb}"
        )
    extra_mb = ephemeral_storage_mb - price.ephemeral_storage_free_mb
    if extra_mb <= 0:
        return []
    return [
        LineItem(
            f"{price.name} ephemeral storage above {price.ephemeral_storage_free_mb} MB",
            seconds * extra_mb / price.megabytes_per_gb, "GB-s",
            price.ephemeral_storage_price_per_gb_second,
        )
    ]  # fmt: skip


def serverless_cost(
    traffic: TrafficProfile,
    price: ServerlessPrice,
    duration_ms: float,
    memory_mb: int,
    *,
    vcpus: float | None = None,
    free_tier: bool = True,
    gateway: GatewayPrice | None = None,
    gateway_free_tier: bool = False,
    request_size_kb: float = 1.0,
    ephemeral_storage_mb: int | None = None,
    concurrency: int = 1,
) -> CostEstimate:
    """Pay-per-use compute (Lambda, Cloud Run, Azure Functions) plus an optional API gateway.

    Duration is billed per request, rounded up to the offer's granularity (1 ms on Lambda);
    memory is billed in GB-s (memory_mb / 1024 × seconds), tiered by monthly volume after the
    free tier; Cloud Run also bills vCPU-seconds (``vcpus``) and shares instance time among
    ``concurrency`` simultaneous requests. The free tier is per account and per month, shared
    by all functions: turn it off if other workloads already use it.
    """
    _check_traffic(traffic)
    _same_currency(price, *([gateway] if gateway else []))
    _check_memory_mb(price, memory_mb)
    _check_cpu(price, vcpus, concurrency)

    requests = traffic.monthly_requests
    billed_ms = billed_duration_ms(duration_ms, price)
    step = price.memory_increment_mb
    billed_memory_mb = math.ceil(memory_mb / step) * step
    seconds = requests * billed_ms / 1000.0 / concurrency
    gb_seconds = seconds * billed_memory_mb / price.megabytes_per_gb

    items = _compute_items(price, gb_seconds, free_tier)
    if price.vcpu_second_price > 0 and vcpus is not None:
        items.append(_vcpu_item(price, seconds * vcpus, free_tier))
    items.append(_requests_item(price, requests, free_tier))
    if ephemeral_storage_mb is not None:
        items.extend(_ephemeral_storage_items(price, ephemeral_storage_mb, seconds))
    if gateway is not None:
        items.extend(gateway_line_items(gateway, requests, gateway_free_tier, request_size_kb))

    front = f" + {gateway.name}" if gateway else ""
    return CostEstimate(
        strategy=f"{price.name} {memory_mb} MB{front}",
        monthly_requests=requests,
        line_items=tuple(items),
        notes=(
            f"{duration_ms:g} ms billed as {billed_ms} ms; free tier {'on' if free_tier else 'off'}",
        ),
    )


# --------------------------------------------------------------------------------------------
# Spot
# --------------------------------------------------------------------------------------------


def spot_cost(
    traffic: TrafficProfile,
    instance: InstancePrice,
    instance_count: int,
    discount: float,
    *,
    on_demand_base_instances: int = 0,
    interruptions_per_instance_month: float = 0.0,
    replacement_minutes: float = 0.0,
    reprocessed_fraction: float = 0.0,
    hours_per_month: float = HOURS_PER_MONTH,
) -> CostEstimate:
    """A fleet of ``instance_count``: ``on_demand_base_instances`` on-demand, the rest spot.

    Spot is not free money. The overheads modelled here:
    - ``on_demand_base_instances``: a floor of on-demand capacity that survives a mass reclaim;
    - each interruption, an on-demand stand-in runs for ``replacement_minutes`` while a new spot
      instance is found and warmed up;
    - ``reprocessed_fraction`` of the spot fleet's work is redone (requests in flight when the
      two-minute notice ends, retries).
    ``discount`` is an input (the catalog's spot terms list typical values), never a constant.
    """
    _check_traffic(traffic)
    _same_currency(instance)
    integer_at_least(instance_count, "instance_count", 1)
    fraction(discount, "discount", allow_one=False)
    integer_at_least(on_demand_base_instances, "on_demand_base_instances", 0)
    if on_demand_base_instances > instance_count:
        raise ValueError(
            f"on_demand_base_instances ({on_demand_base_instances}) must be <= instance_count "
            f"({instance_count})"
        )
    at_least(interruptions_per_instance_month, "interruptions_per_instance_month", 0)
    at_least(replacement_minutes, "replacement_minutes", 0, "minutes")
    fraction(reprocessed_fraction, "reprocessed_fraction", allow_one=False)
    positive(hours_per_month, "hours_per_month", "hours")

    spot_instances = instance_count - on_demand_base_instances
    spot_price = instance.price_per_hour * (1 - discount)
    items = [
        LineItem(
            f"{instance.name} spot × {spot_instances} ({discount:.0%} off)",
            spot_instances * hours_per_month, "instance-hours", spot_price,
        )
    ]  # fmt: skip
    if on_demand_base_instances:
        items.append(
            LineItem(
                f"{instance.name} on-demand base × {on_demand_base_instances}",
                on_demand_base_instances * hours_per_month, "instance-hours",
                instance.price_per_hour,
            )
        )  # fmt: skip
    interruptions = spot_instances * interruptions_per_instance_month
    if interruptions and replacement_minutes:
        items.append(
            LineItem(
                f"on-demand stand-in during {interruptions:g} interruptions",
                interruptions * replacement_minutes / 60.0, "instance-hours",
                instance.price_per_hour,
            )
        )  # fmt: skip
    if reprocessed_fraction:
        items.append(
            LineItem(
                f"re-processing {reprocessed_fraction:.1%} of spot work",
                spot_instances * hours_per_month * reprocessed_fraction, "instance-hours",
                spot_price,
            )
        )  # fmt: skip
    return CostEstimate(
        strategy=f"spot {instance_count}× {instance.name}",
        monthly_requests=traffic.monthly_requests,
        line_items=tuple(items),
        instances=instance_count,
    )


def comparison_table(estimates: Sequence[CostEstimate]) -> pd.DataFrame:
    """One row per estimate, cheapest first: the table every lesson ends its comparison with."""
    import pandas as pd

    rows = [
        {
            "strategy": e.strategy,
            "instances": e.instances if e.instances is not None else "-",
            "monthly_cost_usd": round(e.monthly_cost_usd, 2),
            "cost_per_1M_requests_usd": round(e.cost_per_million_requests_usd, 4),
        }
        for e in estimates
    ]
    frame = pd.DataFrame(rows)
    return frame.sort_values("monthly_cost_usd", kind="stable").reset_index(drop=True)
