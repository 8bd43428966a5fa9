"""The designs the course taught, each priced whole with the course's own cost models and the
catalog, and checked against the requirements: for each measured model variant, a fixed fleet
of each instance type (on-demand, mostly spot, or under a Savings Plan), an HPA-scaled fleet on
EKS whose nodes follow the day, and Lambda at each memory size (on demand, or with provisioned
concurrency covering the peak)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from companion import _checks

from .. import scenario
from ..costs import (
    TrafficProfile,
    billed_duration_ms,
    capacity_aware_cost,
    gateway_line_items,
    lambda_vcpus,
    plan_fleet,
    serverless_cost,
    spot_cost,
    throughput_from_latency,
)
from ..pricing import InstancePrice, PriceCatalog
from ..serverless.tuning import DurationModel
from ._platform import HOURS_PER_MONTH, PlatformCharge, catalog_source, platform_charges
from .exceptions import PlannerInputError

__all__ = ["Design", "Measurement", "Requirements", "evaluate_designs"]

FLEET_INSTANCES = ("c7i.2xlarge", "c7a.2xlarge", "c5.2xlarge")
LAMBDA_MEMORY_MB = (1769, 3538, 5307)  # 1, 2 and 3 vCPUs
MEASURED_VCPUS = 2  # the committed benchmark ran 2 threads on 2 vCPUs
THREADS_PER_REQUEST = 2
HPA_BEHAVIOR = (
    "HPA target 70% CPU; scale up at once by max(4 pods, 100%) per 15 s; scale down after a "
    "300 s stabilization window (companion.autoscaling.HPABehavior defaults, lesson 04)"
)

Input = tuple[str, str, str]


@dataclass(frozen=True)
class Measurement:
    """One model variant's batch-1 latency, measured on ``MEASURED_VCPUS`` vCPUs (threads).

    ``other_threads`` holds ``(threads, p50_ms, p95_ms)`` measured at other thread counts (a
    threads sweep, as lesson 02's benchmark runs for the served model): Lambda's durations at
    each memory size are modelled from all of them, as lesson 03 tunes it.
    """

    variant: str
    p50_ms: float
    p95_ms: float
    source: str = ""
    other_threads: tuple[tuple[int, float, float], ...] = ()

    def __post_init__(self) -> None:
        _check_latency(self.variant, self.p50_ms, self.p95_ms)
        if not isinstance(self.other_threads, tuple | list):
            raise PlannerInputError(
                f"{self.variant}: other_threads must be (threads, p50_ms, p95_ms) tuples, got "
                f"{self.other_threads!r}"
            )
        seen = {MEASURED_VCPUS}
        for entry in self.other_threads:
            if not isinstance(entry, tuple | list) or len(entry) != 3:
                raise PlannerInputError(
                    f"{self.variant}: each other_threads entry must be (threads, p50_ms, "
                    f"p95_ms), got {entry!r}"
                )
            threads, p50_ms, p95_ms = entry
            _whole(threads, f"{self.variant}: other_threads' thread count", 1)
            if threads in seen:
                raise PlannerInputError(
                    f"{self.variant}: other_threads measures {threads} thread(s) twice (the main "
                    f"figures are on {MEASURED_VCPUS})"
                )
            seen.add(threads)
            _check_latency(f"{self.variant} on {threads} thread(s)", p50_ms, p95_ms)
        frozen = tuple(tuple(entry) for entry in self.other_threads)
        object.__setattr__(self, "other_threads", frozen)  # lists in, tuples kept: hashable

    def duration_models(self) -> tuple[DurationModel, DurationModel]:
        """The median and p95 durations as Lambda's CPU share changes (one vCPU per thread
        measured): what lesson 03 bills (median) and checks the target on (p95)."""
        rows = [(MEASURED_VCPUS, self.p50_ms, self.p95_ms), *self.other_threads]
        return (
            DurationModel({float(n): [p50] for n, p50, _ in rows}),
            DurationModel({float(n): [p95] for n, _, p95 in rows}),
        )


def _check_latency(label: str, p50_ms: float, p95_ms: float) -> None:
    for name, value in (("p50_ms", p50_ms), ("p95_ms", p95_ms)):
        _checks.finite(value, f"{label}: {name}", error=PlannerInputError, unit="ms")
    if not (0 < p50_ms <= p95_ms):
        raise PlannerInputError(
            f"{label}: need 0 < p50_ms <= p95_ms, got {p50_ms!r} and {p95_ms!r}"
        )


def _whole(value: object, name: str, minimum: int) -> None:
    _checks.whole(value, name, minimum, error=PlannerInputError)


@dataclass(frozen=True)
class Requirements:
    """What the service must do and what the plan may assume: its traffic, its p95 target, its
    monthly budget, how many instances it keeps at least (two: one may fail without an outage),
    the zones they spread over, the NAT gateways an EKS cluster's private nodes use, and the
    Savings Plan rate you were quoted (0: no commitment designs)."""

    traffic: TrafficProfile
    p95_target_ms: float = scenario.P95_LATENCY_TARGET_MS
    monthly_budget_usd: float = scenario.MONTHLY_BUDGET_USD
    min_instances: int = 2
    target_utilization: float = 0.7
    spot_interruptions_per_instance_month: float = scenario.SPOT_INTERRUPTIONS_PER_INSTANCE_MONTH
    zones: int = 2
    nat_gateways: int = 1
    savings_plan_discount: float = 0.0

    def __post_init__(self) -> None:
        for name in ("p95_target_ms", "monthly_budget_usd"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise PlannerInputError(f"{name} must be a number > 0, got {value!r}")
        _whole(self.min_instances, "min_instances", 1)
        _whole(self.zones, "zones", 1)
        _whole(self.nat_gateways, "nat_gateways", 0)
        discount = self.savings_plan_discount
        if (
            isinstance(discount, bool)
            or not isinstance(discount, int | float)
            or not (0 <= discount < 1)
        ):
            raise PlannerInputError(
                f"savings_plan_discount must be a fraction from 0 to below 1, got {discount!r}"
            )


@dataclass(frozen=True)
class Design:
    """One design priced whole, whether it meets the requirements (and if not, why not), what
    to deploy, and its availability arithmetic."""

    name: str
    variant: str
    strategy: str
    monthly_cost_usd: float
    p95_ms: float
    meets_slo: bool
    within_budget: bool
    instances: int | None
    evidence: str
    inputs: tuple[Input, ...] = ()
    deploy: str = ""
    availability: str = ""

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


@dataclass(frozen=True)
class _Priced:
    """A design before it is checked against the target and the budget."""

    name: str
    strategy: str
    monthly_cost_usd: float
    p95_ms: float
    instances: int | None
    evidence: str
    inputs: list[Input]
    deploy: str
    availability: str


def _common_inputs(requirements: Requirements, measurement: Measurement) -> list[Input]:
    return [
        ("traffic", f"{requirements.traffic.daily_requests:,.0f} requests/day, peak "
         f"{requirements.traffic.peak_rps:,.1f} req/s", "requirement (companion.scenario by default)"),
        ("p50 latency", f"{measurement.p50_ms:.2f} ms", f"measured: {measurement.source}"),
        ("p95 latency", f"{measurement.p95_ms:.2f} ms", f"measured: {measurement.source}"),
        ("bytes per request", f"{scenario.REQUEST_BYTES:,} in, {scenario.RESPONSE_BYTES:,} out, "
         f"{scenario.LOG_BYTES_PER_REQUEST:,} logged", "assumption: companion.scenario"),
    ]  # fmt: skip


def _charge_inputs(charges: list[PlatformCharge]) -> list[Input]:
    return [(c.description, f"${c.monthly_usd:,.2f}/month", c.source) for c in charges]


def _zone_loss(instances: int, rps: float, requirements: Requirements) -> str:
    """What is left when the zone holding the most instances goes down."""
    zones = min(requirements.zones, instances)
    left = instances - math.ceil(instances / zones)
    served = min(1.0, left * rps / requirements.traffic.peak_rps)
    return (f"{instances} instances over {zones} zone(s): with one zone down, {left} remain and "
            f"serve {served:.0%} of the peak ({left * rps:,.1f} of "
            f"{requirements.traffic.peak_rps:,.1f} req/s)")  # fmt: skip


def _fleet_designs(
    requirements: Requirements, measurement: Measurement, catalog: PriceCatalog
) -> Iterator[_Priced]:
    traffic = requirements.traffic
    platform = platform_charges(traffic, catalog, kubernetes=False)
    platform_usd = sum(charge.monthly_usd for charge in platform)
    for name in FLEET_INSTANCES:
        instance = catalog.instance(name)
        rps = throughput_from_latency(measurement.p50_ms, instance.vcpus, THREADS_PER_REQUEST)
        fleet = plan_fleet(
            traffic, rps, requirements.target_utilization, requirements.min_instances
        )
        on_demand = capacity_aware_cost(
            traffic, instance, rps, requirements.target_utilization, requirements.min_instances
        )
        n = fleet.instances
        evidence = f"{rps:.1f} req/s per instance (estimate from p50); {n} instances"
        inputs = [
            *_common_inputs(requirements, measurement),
            ("instance price", f"${instance.price_per_hour}/h", catalog_source(instance)),
            ("capacity per instance", f"{rps:.1f} req/s", "computed: throughput_from_latency(p50)"),
            ("target utilization", f"{requirements.target_utilization:.0%}", "requirement"),
            *_charge_inputs(platform),
        ]
        deploy = f"{n}× {name} across {min(requirements.zones, n)} zones behind an ALB"
        availability = _zone_loss(n, rps, requirements)
        yield _Priced(f"{n}× {name}", "fleet", on_demand.monthly_cost_usd + platform_usd,
                      measurement.p95_ms, n, evidence, inputs, deploy, availability)  # fmt: skip
        yield _spot_design(requirements, instance, n, platform_usd, evidence, inputs, deploy,
                           availability, measurement)  # fmt: skip
        committed = _committed(requirements, catalog, instance, n, n)
        if committed:
            saving, commitment_inputs, term = committed
            yield _Priced(f"{n}× {name}, Savings Plan", "committed fleet",
                          on_demand.monthly_cost_usd + platform_usd - saving, measurement.p95_ms,
                          n, f"{evidence}; {term}", inputs + commitment_inputs, deploy,
                          availability)  # fmt: skip


def _spot_design(
    requirements: Requirements,
    instance: InstancePrice,
    n: int,
    platform_usd: float,
    evidence: str,
    inputs: list[Input],
    deploy: str,
    availability: str,
    measurement: Measurement,
) -> _Priced:
    base = min(scenario.SPOT_ON_DEMAND_BASE_INSTANCES, n)
    rate = requirements.spot_interruptions_per_instance_month
    spot = spot_cost(
        requirements.traffic, instance, n, scenario.SPOT_DISCOUNT,
        on_demand_base_instances=base, interruptions_per_instance_month=rate,
        replacement_minutes=scenario.SPOT_REPLACEMENT_MINUTES,
        reprocessed_fraction=scenario.SPOT_REPROCESSED_FRACTION,
    )  # fmt: skip
    interruptions = (n - base) * rate
    lost_minutes = interruptions * scenario.SPOT_REPLACEMENT_MINUTES
    spot_inputs = [
        *inputs,
        ("spot discount", f"{scenario.SPOT_DISCOUNT:.0%}", "assumption: companion.scenario"),
        ("spot interruptions", f"{rate:g} per instance-month",
         "assumption: Requirements (companion.scenario by default)"),
    ]  # fmt: skip
    return _Priced(
        f"{n}× {instance.name}, spot", "spot fleet", spot.monthly_cost_usd + platform_usd,
        measurement.p95_ms, n, f"{evidence}; {interruptions:g} interruptions/month assumed "
        f"({n - base} spot)", spot_inputs, f"{deploy}; {n - base} spot over {base} on-demand",
        f"{availability}; {interruptions:g} interruptions × {scenario.SPOT_REPLACEMENT_MINUTES:g} "
        f"min = {lost_minutes:g} instance-minutes a month one instance short",
    )  # fmt: skip


def _committed(
    requirements: Requirements,
    catalog: PriceCatalog,
    instance: InstancePrice,
    committed_instances: int,
    fleet_instances: int,
) -> tuple[float, list[Input], str] | None:
    """The monthly saving of a 1-year Compute Savings Plan over ``committed_instances`` always
    on, its inputs and its terms; ``None`` when no discount was given."""
    discount = requirements.savings_plan_discount
    if not discount:
        return None
    plan = catalog.commitment("compute-savings-plan")
    if discount > plan.max_discount:
        raise PlannerInputError(f"savings_plan_discount {discount:g} is above the "
                                f"{plan.max_discount:g} AWS documents for a {plan.name}")  # fmt: skip
    hourly = committed_instances * instance.price_per_hour * (1 - discount)
    saving = committed_instances * instance.price_per_hour * discount * HOURS_PER_MONTH
    term = (f"{plan.name}: commits ${hourly:.3f}/h for 1 year (${hourly * 8760:,.0f}, owed "
            f"whether used or not) over {committed_instances} of {fleet_instances} instances")  # fmt: skip
    inputs = [("Savings Plan discount", f"{discount:.0%}", "requirement: the rate you were quoted"),
              ("Savings Plan terms", f"up to {plan.max_discount:.0%}, {plan.terms_years} years",
               catalog_source(plan))]  # fmt: skip
    return saving, inputs, term


def _autoscaled_designs(
    requirements: Requirements, measurement: Measurement, catalog: PriceCatalog
) -> Iterator[_Priced]:
    traffic = requirements.traffic
    platform = platform_charges(
        traffic, catalog, kubernetes=True, nat_gateways=requirements.nat_gateways
    )
    platform_usd = sum(charge.monthly_usd for charge in platform)
    for name in FLEET_INSTANCES:
        instance = catalog.instance(name)
        rps = throughput_from_latency(measurement.p50_ms, instance.vcpus, THREADS_PER_REQUEST)
        per_node = rps * requirements.target_utilization
        nodes = [max(requirements.min_instances, math.ceil(r / per_node - 1e-9))
                 for r in traffic.hourly_rps()]  # fmt: skip
        node_usd = sum(nodes) * instance.price_per_hour * traffic.days_per_month
        evidence = (f"{rps:.1f} req/s per node (estimate from p50); nodes follow the hourly rate "
                    f"at {requirements.target_utilization:.0%}: {min(nodes)} to {max(nodes)} "
                    f"({sum(nodes)} node-hours a day)")  # fmt: skip
        inputs = [
            *_common_inputs(requirements, measurement),
            ("instance price", f"${instance.price_per_hour}/h", catalog_source(instance)),
            ("capacity per node", f"{rps:.1f} req/s", "computed: throughput_from_latency(p50)"),
            ("NAT gateways", f"{requirements.nat_gateways}", "assumption: private nodes (Requirements)"),
            *_charge_inputs(platform),
        ]  # fmt: skip
        deploy = (f"EKS, {name} nodes {min(nodes)}–{max(nodes)} (cluster autoscaler); "
                  f"{HPA_BEHAVIOR}")  # fmt: skip
        availability = (f"at the peak, {_zone_loss(max(nodes), rps, requirements)}; replacement "
                        "nodes arrive in node-start time (lesson 04 simulates the lag)")  # fmt: skip
        yield _Priced(f"HPA on EKS, {name}", "autoscaled fleet", node_usd + platform_usd,
                      measurement.p95_ms, max(nodes), evidence, inputs, deploy, availability)  # fmt: skip
        committed = _committed(requirements, catalog, instance, min(nodes), max(nodes))
        if committed:
            saving, commitment_inputs, term = committed
            yield _Priced(f"HPA on EKS, {name}, Savings Plan on the floor", "committed autoscaled fleet",
                          node_usd + platform_usd - saving, measurement.p95_ms, max(nodes),
                          f"{evidence}; {term}", inputs + commitment_inputs, deploy, availability)  # fmt: skip


@lru_cache(maxsize=1)  # the committed benchmark, read once
def _cold_start_s() -> float:
    from ..course import committed_json

    return float(
        committed_json("optimize_distilbert.json")["cold_start"]["predictor_int8_optimized"][
            "median_s"
        ]
    )


def _lambda_designs(
    requirements: Requirements, measurement: Measurement, catalog: PriceCatalog
) -> Iterator[_Priced]:
    traffic = requirements.traffic
    price = catalog.lambda_price("x86_64")  # arm64 is not measured: the course does not assume it
    gateway = catalog.gateway("http")
    usage = platform_charges(traffic, catalog, kubernetes=False, load_balancer=False)
    usage_usd = sum(charge.monthly_usd for charge in usage)
    api_usd = sum(item.cost_usd for item in gateway_line_items(gateway, traffic.monthly_requests))
    median, tail = measurement.duration_models()
    for memory_mb in LAMBDA_MEMORY_MB:
        vcpus = lambda_vcpus(memory_mb)
        p50, p95 = median.duration_at(memory_mb), tail.duration_at(memory_mb)
        cost = serverless_cost(traffic, price, p50, memory_mb, gateway=gateway).monthly_cost_usd
        peak_concurrency = math.ceil(traffic.peak_rps * p50 / 1000)
        basis = _lambda_latency_basis(tail, vcpus)
        inputs = [
            *_common_inputs(requirements, measurement),
            *[
                (
                    f"p50 / p95 latency on {n} thread{'s' if n > 1 else ''}",
                    f"{n_p50:.2f} / {n_p95:.2f} ms",
                    f"measured: {measurement.source} (threads sweep)",
                )
                for n, n_p50, n_p95 in measurement.other_threads
            ],
            ("Lambda price", "per GB-s and request", catalog_source(price)),
            ("HTTP API price", "per request", catalog_source(gateway)),
            (
                "duration (billed, median)",
                f"{p50:.1f} ms at {vcpus:.2f} vCPUs",
                f"{basis} (DurationModel)",
            ),
            *_charge_inputs(usage),
        ]
        evidence = (f"p95 {p95:.1f} ms {basis}; peak concurrency "
                    f"{peak_concurrency} (peak rate × p50)")  # fmt: skip
        availability = (f"the service spreads over the region's zones; each new environment starts "
                        f"cold (the int8 predictor loaded in {_cold_start_s():.2f} s on the benchmark "
                        "machine, plus Lambda's own start, not measured)")  # fmt: skip
        deploy = f"Lambda x86_64, {memory_mb} MB, behind an HTTP API"
        yield _Priced(f"Lambda x86_64 {memory_mb} MB + HTTP API", "lambda", cost + usage_usd, p95,
                      None, evidence, inputs, deploy, availability)  # fmt: skip
        yield _provisioned(requirements, catalog, memory_mb, p50, p95, peak_concurrency,
                           api_usd + usage_usd, evidence, inputs, deploy)  # fmt: skip


def _lambda_latency_basis(model: DurationModel, vcpus: float) -> str:
    """How a Lambda design's p95 at ``vcpus`` follows from the measurements, in words."""
    measured = [n for n, _ in model.points]
    if any(math.isclose(vcpus, n) for n in measured):
        return f"measured on {vcpus:g} thread{'s' if vcpus != 1 else ''}"
    on = " and ".join(f"{n:g}" for n in measured)
    if vcpus > measured[-1]:
        return f"as measured on {measured[-1]:g} threads: vCPUs beyond the threads used don't help"
    if vcpus < measured[0]:
        return f"estimated from the measurement on {measured[0]:g} thread(s), scaled to the function's CPU share"
    return f"interpolated between the measurements on {on} threads (in 1 / vCPUs)"


def _provisioned(
    requirements: Requirements,
    catalog: PriceCatalog,
    memory_mb: int,
    p50: float,
    p95: float,
    concurrency: int,
    api_and_usage_usd: float,
    evidence: str,
    inputs: list[Input],
    deploy: str,
) -> _Priced:
    """Lambda with provisioned concurrency covering the peak: no cold starts on the day, a
    fee for every hour, a lower duration price, no free tier."""
    traffic = requirements.traffic
    price = catalog.lambda_price("x86_64")
    provisioned = catalog.platform_price("lambda-provisioned-concurrency-x86_64")
    duration = catalog.platform_price("lambda-provisioned-duration-x86_64")
    gb = memory_mb / price.megabytes_per_gb
    gb_hours = traffic.monthly_requests * billed_duration_ms(p50, price) / 1000 * gb / 3600
    cost = (concurrency * gb * HOURS_PER_MONTH * provisioned.price_per_unit_hour
            + gb_hours * duration.price_per_unit_hour
            + traffic.monthly_requests * price.request_price_per_million / 1e6
            + api_and_usage_usd)  # fmt: skip
    pc_inputs = [*inputs,
                 ("provisioned concurrency", f"{concurrency} × {gb:.2f} GB", catalog_source(provisioned)),
                 ("provisioned duration price", "per GB-hour", catalog_source(duration))]  # fmt: skip
    return _Priced(
        f"Lambda x86_64 {memory_mb} MB, {concurrency} provisioned + HTTP API", "lambda provisioned",
        cost, p95, None, evidence, pc_inputs, f"{deploy}; provisioned concurrency {concurrency}",
        f"{concurrency} environments kept warm cover the peak: no cold starts on the scenario's day",
    )  # fmt: skip


def evaluate_designs(
    requirements: Requirements, measurements: Mapping[str, Measurement], catalog: PriceCatalog
) -> list[Design]:
    """Every design for every measured variant, priced and checked, cheapest first."""
    if not measurements:
        raise PlannerInputError("give at least one measurement (a model variant's latency)")
    designs = []
    for measurement in measurements.values():
        for priced in (*_fleet_designs(requirements, measurement, catalog),
                       *_autoscaled_designs(requirements, measurement, catalog),
                       *_lambda_designs(requirements, measurement, catalog)):  # fmt: skip
            where = f"p95 {measurement.p95_ms:.1f} ms measured ({measurement.source})"
            designs.append(Design(
                f"{measurement.variant} on {priced.name}", measurement.variant, priced.strategy,
                priced.monthly_cost_usd, priced.p95_ms, priced.p95_ms <= requirements.p95_target_ms,
                priced.monthly_cost_usd <= requirements.monthly_budget_usd, priced.instances,
                f"{where}; {priced.evidence}", tuple(priced.inputs), priced.deploy,
                priced.availability,
            ))  # fmt: skip
    return sorted(designs, key=lambda d: (d.monthly_cost_usd, d.name))
