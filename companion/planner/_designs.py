"""The designs the course taught, each priced with the course's own cost models and checked
against the requirements: fleets of each instance type (on-demand or mostly spot) and Lambda at
each memory size, for each measured model variant."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from .. import scenario
from ..costs import (
    TrafficProfile,
    capacity_aware_cost,
    cpu_scaled_duration_ms,
    lambda_vcpus,
    plan_fleet,
    serverless_cost,
    spot_cost,
    throughput_from_latency,
)
from ..pricing import PriceCatalog
from ._platform import catalog_source, platform_charges
from .exceptions import PlannerInputError

__all__ = ["Design", "Measurement", "Requirements", "evaluate_designs"]

FLEET_INSTANCES = ("c7i.2xlarge", "c7a.2xlarge", "c5.2xlarge")
LAMBDA_MEMORY_MB = (1769, 3538, 5307)  # 1, 2 and 3 vCPUs
MEASURED_VCPUS = 2  # the committed benchmark ran 2 threads on 2 vCPUs
THREADS_PER_REQUEST = 2


@dataclass(frozen=True)
class Measurement:
    """One model variant's batch-1 latency, measured on ``MEASURED_VCPUS`` vCPUs."""

    variant: str
    p50_ms: float
    p95_ms: float
    source: str = ""

    def __post_init__(self) -> None:
        if not (0 < self.p50_ms <= self.p95_ms):
            raise PlannerInputError(
                f"{self.variant}: need 0 < p50_ms <= p95_ms, got {self.p50_ms!r} and {self.p95_ms!r}"
            )


@dataclass(frozen=True)
class Requirements:
    """What the service must do: its traffic, its p95 target, its monthly budget, and how many
    instances it keeps at least (two: one may fail without an outage)."""

    traffic: TrafficProfile
    p95_target_ms: float = scenario.P95_LATENCY_TARGET_MS
    monthly_budget_usd: float = scenario.MONTHLY_BUDGET_USD
    min_instances: int = 2
    target_utilization: float = 0.7
    spot_interruptions_per_instance_month: float = scenario.SPOT_INTERRUPTIONS_PER_INSTANCE_MONTH

    def __post_init__(self) -> None:
        for name in ("p95_target_ms", "monthly_budget_usd"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise PlannerInputError(f"{name} must be a number > 0, got {value!r}")
        if (
            isinstance(self.min_instances, bool)
            or not isinstance(self.min_instances, int)
            or self.min_instances < 1
        ):
            raise PlannerInputError(
                f"min_instances must be a whole number >= 1, got {self.min_instances!r}"
            )


@dataclass(frozen=True)
class Design:
    """One priced design and whether it meets the requirements (and if not, why not)."""

    name: str
    variant: str
    strategy: str
    monthly_cost_usd: float
    p95_ms: float
    meets_slo: bool
    within_budget: bool
    instances: int | None
    evidence: str
    inputs: tuple[tuple[str, str, str], ...] = ()

    def provenance(self) -> list[dict[str, str]]:
        """Every input of this design's price: its value, and whether it is measured (with the
        file, machine and date), a catalog price (entry, as_of, evidence, source) or an
        assumption of the course (and where it is set)."""
        return [
            {"input": name, "value": value, "from": source} for name, value, source in self.inputs
        ]

    @property
    def feasible(self) -> bool:
        return self.meets_slo and self.within_budget

    @property
    def reason(self) -> str:
        """Why this design was rejected ('' when it is feasible)."""
        reasons = []
        if not self.meets_slo:
            reasons.append(f"p95 {self.p95_ms:.1f} ms is over the target")
        if not self.within_budget:
            reasons.append(f"${self.monthly_cost_usd:,.2f}/month is over the budget")
        return "; ".join(reasons)


def _common_inputs(
    requirements: Requirements, measurement: Measurement
) -> list[tuple[str, str, str]]:
    return [
        ("traffic", f"{requirements.traffic.daily_requests:,.0f} requests/day, peak "
         f"{requirements.traffic.peak_rps:,.1f} req/s", "requirement (companion.scenario by default)"),
        ("p50 latency", f"{measurement.p50_ms:.2f} ms", f"measured: {measurement.source}"),
        ("p95 latency", f"{measurement.p95_ms:.2f} ms", f"measured: {measurement.source}"),
    ]  # fmt: skip


def _fleet_designs(
    requirements: Requirements, measurement: Measurement, catalog: PriceCatalog
) -> Iterator[tuple[str, str, float, int | None, str, list[tuple[str, str, str]]]]:
    traffic = requirements.traffic
    for name in FLEET_INSTANCES:
        instance = catalog.instance(name)
        rps = throughput_from_latency(measurement.p50_ms, instance.vcpus, THREADS_PER_REQUEST)
        fleet = plan_fleet(
            traffic, rps, requirements.target_utilization, requirements.min_instances
        )
        on_demand = capacity_aware_cost(
            instance, traffic, rps, requirements.target_utilization, requirements.min_instances
        )
        platform = platform_charges(traffic, catalog, kubernetes=False)
        platform_usd = sum(charge.monthly_usd for charge in platform)
        survives = (fleet.instances - 1) * rps >= traffic.peak_rps
        evidence = (
            f"{rps:.1f} req/s per instance (estimate from p50); {fleet.instances} instances; "
            f"one instance down: {'peak still served' if survives else 'peak NOT served'}"
        )
        inputs = [
            *_common_inputs(requirements, measurement),
            ("instance price", f"${instance.price_per_hour}/h", catalog_source(instance)),
            ("capacity per instance", f"{rps:.1f} req/s", "computed: throughput_from_latency(p50)"),
            ("target utilization", f"{requirements.target_utilization:.0%}", "requirement"),
            *[(c.description, f"${c.monthly_usd:,.2f}/month", c.source) for c in platform],
        ]
        yield (f"{fleet.instances}× {name}", "fleet", on_demand.monthly_cost_usd + platform_usd, fleet.instances,
               evidence, inputs)  # fmt: skip
        spot = spot_cost(
            instance, fleet.instances, traffic, scenario.SPOT_DISCOUNT,
            on_demand_base_instances=min(scenario.SPOT_ON_DEMAND_BASE_INSTANCES, fleet.instances),
            interruptions_per_instance_month=requirements.spot_interruptions_per_instance_month,
            replacement_minutes=scenario.SPOT_REPLACEMENT_MINUTES,
            reprocessed_fraction=scenario.SPOT_REPROCESSED_FRACTION,
        )  # fmt: skip
        spot_count = fleet.instances - min(scenario.SPOT_ON_DEMAND_BASE_INSTANCES, fleet.instances)
        interruptions = spot_count * requirements.spot_interruptions_per_instance_month
        spot_inputs = [
            *inputs,
            ("spot discount", f"{scenario.SPOT_DISCOUNT:.0%}", "assumption: companion.scenario"),
            ("spot interruptions", f"{requirements.spot_interruptions_per_instance_month:g} per "
             "instance-month", "assumption: Requirements (companion.scenario by default)"),
        ]  # fmt: skip
        yield (
            f"{fleet.instances}× {name}, spot", "spot fleet", spot.monthly_cost_usd + platform_usd, fleet.instances,
            f"{evidence}; {interruptions:g} interruptions/month assumed ({spot_count} spot)",
            spot_inputs,
        )  # fmt: skip


def _lambda_designs(
    requirements: Requirements, measurement: Measurement, catalog: PriceCatalog
) -> Iterator[tuple[str, str, float, float, list[tuple[str, str, str]]]]:
    price = catalog.lambda_price("x86_64")  # arm64 is not measured: the course does not assume it
    gateway = catalog.gateway("http")
    for memory_mb in LAMBDA_MEMORY_MB:
        vcpus = lambda_vcpus(memory_mb)
        p50 = cpu_scaled_duration_ms(measurement.p50_ms, MEASURED_VCPUS, vcpus)
        p95 = cpu_scaled_duration_ms(measurement.p95_ms, MEASURED_VCPUS, vcpus)
        cost = serverless_cost(requirements.traffic, price, p50, memory_mb, gateway=gateway)
        inputs = [
            *_common_inputs(requirements, measurement),
            ("Lambda price", "per GB-s and request", catalog_source(price)),
            ("HTTP API price", "per request", catalog_source(gateway)),
            ("duration", f"{p50:.1f} ms at {vcpus:.2f} vCPUs", "computed: cpu_scaled_duration_ms"),
        ]
        yield (f"Lambda x86_64 {memory_mb} MB + HTTP API", "lambda", cost.monthly_cost_usd, p95,
               inputs)  # fmt: skip


def evaluate_designs(
    requirements: Requirements, measurements: Mapping[str, Measurement], catalog: PriceCatalog
) -> list[Design]:
    """Every design for every measured variant, priced and checked, cheapest first."""
    if not measurements:
        raise PlannerInputError("give at least one measurement (a model variant's latency)")
    designs = []
    for measurement in measurements.values():
        meets = measurement.p95_ms <= requirements.p95_target_ms
        for name, strategy, cost, count, evidence, inputs in _fleet_designs(
            requirements, measurement, catalog
        ):
            designs.append(Design(
                f"{measurement.variant} on {name}", measurement.variant, strategy, cost,
                measurement.p95_ms, meets, cost <= requirements.monthly_budget_usd, count,
                f"p95 {measurement.p95_ms:.1f} ms measured ({measurement.source}); {evidence}",
                tuple(inputs),
            ))  # fmt: skip
        for name, strategy, cost, p95, inputs in _lambda_designs(
            requirements, measurement, catalog
        ):
            designs.append(Design(
                f"{measurement.variant} on {name}", measurement.variant, strategy, cost, p95,
                p95 <= requirements.p95_target_ms, cost <= requirements.monthly_budget_usd, None,
                f"p95 {p95:.1f} ms estimated from {measurement.p95_ms:.1f} ms on {MEASURED_VCPUS} "
                f"vCPUs, scaled to the function's CPU share ({measurement.source})",
                tuple(inputs),
            ))  # fmt: skip
    return sorted(designs, key=lambda d: (d.monthly_cost_usd, d.name))
