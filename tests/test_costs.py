"""Spec tests for companion.costs: traffic, cost models, validation and break-even.

Expected values come from AWS's published examples or from arithmetic written out here,
never from the code under test.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from companion.costs import (
    HOURS_PER_MONTH,
    CostCurve,
    CostEstimate,
    LineItem,
    TrafficProfile,
    always_on_cost,
    billed_duration_ms,
    break_even_daily_requests,
    capacity_aware_cost,
    capacity_fleet_curve,
    comparison_table,
    cpu_scaled_duration_ms,
    crossovers,
    fixed_fleet_curve,
    gateway_line_items,
    lambda_vcpus,
    plan_fleet,
    plot_cost_curves,
    required_throughput_rps,
    serverless_cost,
    serverless_curve,
    spot_cost,
    throughput_from_latency,
)
from companion.pricing import InstancePrice, PriceCatalog, default_catalog
from companion.scenario import day_night_traffic, scenario_traffic

LAMBDA_PRICING_PAGE = "https://aws.amazon.com/lambda/pricing/"


@pytest.fixture(scope="module")
def catalog():
    return default_catalog()


def _sum(estimate: CostEstimate, word: str) -> float:
    return sum(i.cost_usd for i in estimate.line_items if word in i.description)


def _flat(peak_rps: float, peak_to_average: float = 1.0) -> TrafficProfile:
    """A profile whose peak hour runs at ``peak_rps``."""
    return TrafficProfile(peak_rps / peak_to_average * 86_400, peak_to_average=peak_to_average)


# ---------------------------------------------------------------------------------------------
# AWS's own Lambda pricing examples (https://aws.amazon.com/lambda/pricing/, US East, x86)
# ---------------------------------------------------------------------------------------------

AWS_EXAMPLES = [
    # name, memory MB, requests/month, duration ms, ephemeral MB, free tier, expected line items
    pytest.param(
        1536, 3_000_000, 120, None, True,
        {"compute": 2.33, "requests": 0.40, "ephemeral": 0.00}, 2.73,
        id="aws-page:mobile-application-backend",
    ),
    pytest.param(
        1024, 7_440_000, 2_000, None, False,
        {"compute": 248.00, "requests": 1.49, "ephemeral": 0.00}, 249.49,
        id="aws-page:enriching-streaming-telemetry",
    ),
    pytest.param(
        4096, 6_000_000, 280, 2048, True,
        {"compute": 105.33, "requests": 1.00, "ephemeral": 0.08}, 106.41,
        id="aws-page:ml-on-customer-support-tickets",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("memory_mb", "monthly_requests", "duration_ms", "ephemeral_mb", "free_tier", "items", "total"),
    AWS_EXAMPLES,
)
def test_lambda_matches_aws_published_examples(
    catalog, memory_mb, monthly_requests, duration_ms, ephemeral_mb, free_tier, items, total
):
    """Worked examples from https://aws.amazon.com/lambda/pricing/ (US East), to the cent."""
    estimate = serverless_cost(
        TrafficProfile.from_monthly_requests(monthly_requests),
        catalog.lambda_price("x86_64"),
        duration_ms,
        memory_mb,
        free_tier=free_tier,
        ephemeral_storage_mb=ephemeral_mb,
    )
    assert round(estimate.monthly_cost_usd, 2) == total
    for word, expected in items.items():
        assert round(_sum(estimate, word), 2) == expected, word
    assert estimate.monthly_requests == pytest.approx(monthly_requests, rel=1e-12)
    assert catalog.lambda_price("x86_64").source == LAMBDA_PRICING_PAGE


# ---------------------------------------------------------------------------------------------
# Hand-worked examples
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        pytest.param(1, 730 * 0.34, id="1x c5.2xlarge = 730 h x $0.34 = $248.20"),
        pytest.param(3, 3 * 730 * 0.34, id="3x c5.2xlarge = 3 x 730 h x $0.34 = $744.60"),
    ],
)
def test_always_on_cost_is_instances_times_730_hours(catalog, count, expected):
    estimate = always_on_cost(TrafficProfile(5_000_000), catalog.instance("c5.2xlarge"), count)
    assert round(estimate.monthly_cost_usd, 2) == round(expected, 2)
    assert round(estimate.monthly_cost_usd, 2) == {1: 248.20, 3: 744.60}[count]
    assert estimate.instances == count


@pytest.mark.parametrize(
    ("daily_requests", "count"),
    [(5_000_000, 1), (1_000_000, 3), (24_000_000, 3)],
)
def test_cost_per_million_is_monthly_cost_over_millions_of_requests(catalog, daily_requests, count):
    estimate = always_on_cost(TrafficProfile(daily_requests), catalog.instance("c5.2xlarge"), count)
    monthly_requests = daily_requests * 730 / 24
    expected = count * 730 * 0.34 / (monthly_requests / 1e6)
    assert estimate.cost_per_million_requests_usd == pytest.approx(expected, rel=1e-9)


def test_spot_hand_worked_example(catalog):
    # 3x c5.2xlarge, 60% off, 1 on-demand base, 2 interruptions per spot instance-month,
    # 10 replacement minutes each, 1% of spot work reprocessed:
    spot = 2 * 730 * 0.34 * (1 - 0.6)  # 2 spot instances          = 198.56
    base = 1 * 730 * 0.34  # 1 on-demand base instance                = 248.20
    stand_in = (2 * 2) * (10 / 60) * 0.34  # 4 interruptions x 10 min = 0.2267
    reprocess = spot * 0.01  # 1% of the spot fleet's work             = 1.9856
    expected = spot + base + stand_in + reprocess  # = 448.9723
    estimate = spot_cost(
        TrafficProfile(5_000_000),
        catalog.instance("c5.2xlarge"),
        3,
        0.6,
        on_demand_base_instances=1,
        interruptions_per_instance_month=2,
        replacement_minutes=10,
        reprocessed_fraction=0.01,
    )
    assert round(expected, 2) == 448.97
    assert estimate.monthly_cost_usd == pytest.approx(expected, rel=1e-12)
    assert round(estimate.monthly_cost_usd, 2) == 448.97
    assert round(_sum(estimate, "spot ×"), 2) == 198.56
    assert round(_sum(estimate, "on-demand base"), 2) == 248.20
    assert _sum(estimate, "stand-in") == pytest.approx(stand_in)
    assert _sum(estimate, "re-processing") == pytest.approx(reprocess)
    assert estimate.instances == 3


def test_spot_without_overheads_is_just_the_discounted_fleet(catalog):
    estimate = spot_cost(TrafficProfile(1), catalog.instance("c5.2xlarge"), 2, 0.5)
    assert estimate.monthly_cost_usd == pytest.approx(2 * 730 * 0.34 * 0.5)
    assert len(estimate.line_items) == 1


# ---------------------------------------------------------------------------------------------
# Billed duration
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offer", "duration_ms", "billed"),
    [
        pytest.param("lambda-x86_64", 0.2, 1, id="lambda: 0.2 ms -> 1 ms"),
        pytest.param("lambda-x86_64", 1.0, 1, id="lambda: 1.0 ms -> 1 ms"),
        pytest.param("lambda-x86_64", 119.3, 120, id="lambda: 119.3 ms -> 120 ms"),
        pytest.param("lambda-x86_64", 120.0, 120, id="lambda: 120.0 ms -> 120 ms"),
        pytest.param("lambda-arm64", 119.3, 120, id="lambda arm64: 119.3 ms -> 120 ms"),
        pytest.param("cloud-run", 1, 100, id="cloud run: 1 ms -> 100 ms"),
        pytest.param("cloud-run", 100, 100, id="cloud run: 100 ms -> 100 ms"),
        pytest.param("cloud-run", 101, 200, id="cloud run: 101 ms -> 200 ms"),
        pytest.param("functions-consumption", 1, 100, id="azure: minimum 100 ms"),
        pytest.param("functions-consumption", 99.5, 100, id="azure: 99.5 ms -> 100 ms"),
        pytest.param("functions-consumption", 150.2, 151, id="azure: 1 ms steps above 100"),
    ],
)
def test_billed_duration(catalog, offer, duration_ms, billed):
    assert billed_duration_ms(duration_ms, catalog.serverless_price(offer)) == billed


@pytest.mark.parametrize("duration_ms", [0, -1])
def test_billed_duration_must_be_positive(catalog, duration_ms):
    with pytest.raises(ValueError, match="duration_ms must be > 0"):
        billed_duration_ms(duration_ms, catalog.lambda_price())


# ---------------------------------------------------------------------------------------------
# Lambda tiers and architectures
# ---------------------------------------------------------------------------------------------

X86_TIER_1 = 0.0000166667  # $/GB-s, first 6B GB-s a month (prices.toml, AWS Lambda page)
X86_TIER_2 = 0.0000150000  # next 9B GB-s
X86_TIER_3 = 0.0000133334  # beyond 15B GB-s


@pytest.mark.parametrize(
    ("monthly_requests", "free_tier", "expected_compute"),
    [
        # 10,240 MB x 1 s = 10 GB-s per request.
        pytest.param(
            700_000_000, False, 6e9 * X86_TIER_1 + 1e9 * X86_TIER_2,
            id="7B GB-s: 6B at tier 1 + 1B at tier 2 = $115,000.20",
        ),
        pytest.param(
            700_000_000, True, 6e9 * X86_TIER_1 + (1e9 - 400_000) * X86_TIER_2,
            id="7B GB-s less 400k free: the free tier shrinks the tier-2 excess",
        ),
        pytest.param(
            1_600_000_000, False, 6e9 * X86_TIER_1 + 9e9 * X86_TIER_2 + 1e9 * X86_TIER_3,
            id="16B GB-s: all three tiers",
        ),
        pytest.param(
            600_000_000, False, 6e9 * X86_TIER_1,
            id="exactly 6B GB-s: tier 1 only",
        ),
    ],
)  # fmt: skip
def test_lambda_compute_tiers_apply_to_the_excess(
    catalog, monthly_requests, free_tier, expected_compute
):
    estimate = serverless_cost(
        TrafficProfile.from_monthly_requests(monthly_requests),
        catalog.lambda_price("x86_64"),
        1000,
        10240,
        free_tier=free_tier,
    )
    assert _sum(estimate, "compute") == pytest.approx(expected_compute, rel=1e-9)
    beyond = [i for i in estimate.line_items if "beyond 6B" in i.description]
    if monthly_requests * 10 > 6e9:
        assert len(beyond) == 1
        assert beyond[0].unit_price_usd == X86_TIER_2
    else:
        assert beyond == []


def test_first_tier_case_by_hand(catalog):
    # 700M requests x 10 GB-s = 7e9 GB-s: 6e9 x $0.0000166667 = $100,000.20
    #                                    + 1e9 x $0.0000150000 = $15,000.00  -> $115,000.20
    estimate = serverless_cost(
        TrafficProfile.from_monthly_requests(700_000_000),
        catalog.lambda_price("x86_64"),
        1000,
        10240,
        free_tier=False,
    )
    assert round(_sum(estimate, "compute"), 2) == 115_000.20
    # requests: 700 x $0.20 = $140.00
    assert round(_sum(estimate, "requests"), 2) == 140.00


@pytest.mark.parametrize(
    ("memory_mb", "duration_ms", "monthly_requests"),
    [(128, 10, 1_000_000), (1769, 68, 10_000_000), (10240, 900, 50_000_000)],
)
def test_arm64_compute_is_20_percent_cheaper_than_x86(
    catalog, memory_mb, duration_ms, monthly_requests
):
    traffic = TrafficProfile.from_monthly_requests(monthly_requests)

    def compute(architecture: str) -> float:
        estimate = serverless_cost(
            traffic, catalog.lambda_price(architecture), duration_ms, memory_mb, free_tier=False
        )
        return _sum(estimate, "compute")

    assert compute("arm64") / compute("x86_64") == pytest.approx(0.8, rel=1e-4)


# ---------------------------------------------------------------------------------------------
# API Gateway
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gateway", "monthly_requests", "free_tier", "size_kb", "expected"),
    [
        pytest.param("http", 10_000_000, False, 1, 10 * 1.00, id="HTTP: $1.00/M"),
        pytest.param("rest", 10_000_000, False, 1, 10 * 3.50, id="REST: $3.50/M"),
        pytest.param("http", 10_000_000, True, 1, 9 * 1.00, id="HTTP free tier: 1M free"),
        pytest.param("rest", 10_000_000, True, 1, 9 * 3.50, id="REST free tier: 1M free"),
        pytest.param("http", 500_000, True, 1, 0.0, id="HTTP: all inside the free tier"),
        pytest.param("http", 10_000_000, False, 700, 2 * 10 * 1.00, id="HTTP 700 KB counts 2"),
        pytest.param("http", 10_000_000, False, 512, 10 * 1.00, id="HTTP 512 KB counts 1"),
        pytest.param("http", 10_000_000, False, 1100, 3 * 10 * 1.00, id="HTTP 1100 KB counts 3"),
        pytest.param("rest", 10_000_000, False, 700, 10 * 3.50, id="REST: size not metered"),
        pytest.param("http", 300_000_000, False, 1, 300 * 1.00, id="HTTP 300M: tier 1 only"),
        pytest.param(
            "http", 400_000_000, False, 1, 300 * 1.00 + 100 * 0.90, id="HTTP 400M: 100M at $0.90"
        ),
        pytest.param(
            "rest", 400_000_000, False, 1, 333 * 3.50 + 67 * 2.80, id="REST 400M: 67M at $2.80"
        ),
    ],
)
def test_gateway_line_items(catalog, gateway, monthly_requests, free_tier, size_kb, expected):
    items = gateway_line_items(catalog.gateway(gateway), monthly_requests, free_tier, size_kb)
    assert sum(i.cost_usd for i in items) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_http_gateway_tier_boundary_is_300_million(catalog):
    items = gateway_line_items(catalog.gateway("http"), 400_000_000)
    assert [(i.quantity, i.unit_price_usd) for i in items] == [
        (300_000_000, 1.00 / 1e6),
        (100_000_000, 0.90 / 1e6),
    ]


def test_gateway_free_tier_with_large_requests_frees_metered_requests(catalog):
    # 2M requests of 700 KB are metered as 4M; the free tier covers 1M of those -> 3M billed.
    items = gateway_line_items(catalog.gateway("http"), 2_000_000, True, 700)
    assert sum(i.cost_usd for i in items) == pytest.approx(3.00)


def test_serverless_cost_includes_the_gateway(catalog):
    traffic = TrafficProfile.from_monthly_requests(10_000_000)
    lam = catalog.lambda_price("arm64")
    without = serverless_cost(traffic, lam, 100, 1024)
    with_http = serverless_cost(traffic, lam, 100, 1024, gateway=catalog.gateway("http"))
    assert with_http.monthly_cost_usd - without.monthly_cost_usd == pytest.approx(10.00)


# ---------------------------------------------------------------------------------------------
# Cloud Run, concurrency, vCPUs
# ---------------------------------------------------------------------------------------------


def test_cloud_run_requires_vcpus(catalog):
    with pytest.raises(ValueError, match="vcpus is required"):
        serverless_cost(TrafficProfile(1_000_000), catalog.serverless_price("cloud-run"), 100, 1024)


def test_cloud_run_concurrency_2_halves_compute(catalog):
    traffic = TrafficProfile.from_monthly_requests(20_000_000)
    price = catalog.serverless_price("cloud-run")

    def bill(concurrency: int) -> CostEstimate:
        return serverless_cost(
            traffic, price, 250, 2048, vcpus=1, free_tier=False, concurrency=concurrency
        )

    one, two = bill(1), bill(2)
    for word in ("compute", "vCPU"):
        assert _sum(two, word) == pytest.approx(_sum(one, word) / 2, rel=1e-12)
        assert _sum(one, word) > 0
    assert _sum(two, "requests") == pytest.approx(_sum(one, "requests"))
    # By hand: 250 ms is billed as 300 ms (100 ms steps); 20M x 0.3 s = 6M s;
    # memory 2 GiB -> 12M GiB-s x $0.0000025 = $30, vCPU 6M s x $0.000024 = $144,
    # requests 20 x $0.40 = $8 -> $182; at concurrency 2 the $174 of instance time halves.
    assert one.monthly_cost_usd == pytest.approx(30 + 144 + 8)
    assert two.monthly_cost_usd == pytest.approx(15 + 72 + 8)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"concurrency": 2}, "concurrency must be 1", id="concurrency>1"),
        pytest.param({"vcpus": 1}, "vcpus must be left out", id="vcpus"),
    ],
)
def test_lambda_rejects_concurrency_and_vcpus(catalog, kwargs, message):
    with pytest.raises(ValueError, match=message):
        serverless_cost(TrafficProfile(1_000_000), catalog.lambda_price(), 100, 1024, **kwargs)


# ---------------------------------------------------------------------------------------------
# Fleet planning
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peak_rps", "throughput", "utilization", "min_instances", "instances", "for_load", "limit"),
    [
        pytest.param(100, 30, 0.7, 2, 5, 5, "peak load", id="ceil(100 / 21) = 5"),
        pytest.param(63, 30, 0.7, 2, 3, 3, "peak load", id="63 / 21 = 3 exactly, no round-up"),
        pytest.param(100, 30, 1.0, 1, 4, 4, "peak load", id="100% target: ceil(100 / 30) = 4"),
        pytest.param(100, 30, 0.5, 1, 7, 7, "peak load", id="50% target: ceil(100 / 15) = 7"),
        pytest.param(10, 30, 0.7, 2, 2, 1, "availability minimum", id="min_instances floor"),
        pytest.param(0, 30, 0.7, 3, 3, 0, "availability minimum", id="zero traffic -> min"),
        pytest.param(0, 30, 0.7, 1, 1, 0, "availability minimum", id="zero traffic -> min 1"),
    ],
)
def test_plan_fleet(peak_rps, throughput, utilization, min_instances, instances, for_load, limit):
    plan = plan_fleet(_flat(peak_rps), throughput, utilization, min_instances)
    assert plan.instances == instances
    assert plan.instances_for_load == for_load
    assert plan.limited_by == limit
    assert plan.peak_rps == pytest.approx(peak_rps)


def test_plan_fleet_sizes_for_the_peak_not_the_average():
    # 50 req/s average, peak 3x = 150 req/s; 150 / (30 x 0.7) = 7.14 -> 8
    plan = plan_fleet(TrafficProfile(50 * 86_400, peak_to_average=3), 30, 0.7)
    assert plan.instances == 8
    assert plan.peak_utilization == pytest.approx(150 / (8 * 30))


def test_capacity_aware_cost_uses_plan_fleet(catalog):
    instance = catalog.instance("c7i.2xlarge")
    traffic = scenario_traffic()
    throughput = throughput_from_latency(68, 8, 2)
    plan = plan_fleet(traffic, throughput, 0.6, 3)
    estimate = capacity_aware_cost(traffic, instance, throughput, 0.6, 3)
    assert estimate.instances == plan.instances
    assert estimate.monthly_cost_usd == pytest.approx(plan.instances * 730 * 0.357)
    # 5M/day, peak 2.727x -> 157.8 req/s; 157.8 / (58.8 x 0.6) = 4.47 -> 5 instances.
    assert estimate.instances == 5


@pytest.mark.parametrize(
    ("latency_ms", "vcpus", "threads", "expected"),
    [
        pytest.param(68, 8, 2, 4 * 1000 / 68, id="8 vCPU / 2 threads = 4 workers at 68 ms"),
        pytest.param(100, 8, 1, 80.0, id="8 workers at 100 ms = 80 req/s"),
        pytest.param(50, 7, 2, 3 * 1000 / 50, id="7 // 2 = 3 workers"),
    ],
)
def test_throughput_from_latency(latency_ms, vcpus, threads, expected):
    assert throughput_from_latency(latency_ms, vcpus, threads) == pytest.approx(expected)


# ---------------------------------------------------------------------------------------------
# Traffic profiles
# ---------------------------------------------------------------------------------------------

DAY_NIGHT_RPS = [1000.0 if 9 <= hour < 17 else 50.0 for hour in range(24)]
DAY_NIGHT_DAILY = (8 * 1000 + 16 * 50) * 3600  # = 31,680,000


def test_day_night_profile_from_hourly_rates():
    profile = TrafficProfile.from_hourly_rps(DAY_NIGHT_RPS)
    assert DAY_NIGHT_DAILY == 31_680_000
    assert profile.daily_requests == pytest.approx(31_680_000)
    assert profile.peak_ratio == pytest.approx(1000 / (31.68e6 / 86_400))
    assert profile.peak_rps == pytest.approx(1000)
    assert profile.hourly_rps() == pytest.approx(DAY_NIGHT_RPS)
    assert day_night_traffic().daily_requests == pytest.approx(31_680_000)


def test_with_daily_requests_keeps_the_shape():
    shape = TrafficProfile.from_hourly_rps(DAY_NIGHT_RPS)
    scaled = shape.with_daily_requests(5_000_000)
    assert scaled.daily_requests == 5_000_000
    assert scaled.peak_ratio == pytest.approx(shape.peak_ratio)
    assert scaled.days_per_month == shape.days_per_month
    factor = 5_000_000 / 31_680_000
    assert scaled.hourly_rps() == pytest.approx([r * factor for r in DAY_NIGHT_RPS])
    assert scenario_traffic().peak_ratio == pytest.approx(1000 / (31.68e6 / 86_400))

    flat = TrafficProfile(1_000, peak_to_average=2.5).with_daily_requests(7_000)
    assert (flat.daily_requests, flat.peak_ratio) == (7_000, 2.5)


@pytest.mark.parametrize("daily", [0, 1, 5_000_000, 123_456_789.5])
def test_monthly_requests_is_daily_times_730_over_24(daily):
    assert TrafficProfile(daily).monthly_requests == pytest.approx(daily * 730 / 24)
    assert HOURS_PER_MONTH == 730


def test_from_monthly_requests_round_trips():
    assert TrafficProfile.from_monthly_requests(3_000_000).daily_requests == pytest.approx(
        3_000_000 * 24 / 730
    )


def test_peak_to_average_and_hourly_weights_are_exclusive():
    with pytest.raises(ValueError, match="peak_to_average or hourly_weights"):
        TrafficProfile(1000, peak_to_average=2.0, hourly_weights=tuple(DAY_NIGHT_RPS))


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"hourly_weights": (1.0,) * 23}, id="23 weights"),
        pytest.param({"hourly_weights": (0.0,) * 24}, id="all zero"),
        pytest.param({"hourly_weights": (-1.0,) + (1.0,) * 23}, id="negative weight"),
        pytest.param({"peak_to_average": 0.5}, id="peak below average"),
    ],
)
def test_bad_traffic_shapes(kwargs):
    with pytest.raises(ValueError):
        TrafficProfile(1000, **kwargs)


# ---------------------------------------------------------------------------------------------
# Validation: every bad input names its field and the allowed range
# ---------------------------------------------------------------------------------------------


def _c5() -> InstancePrice:
    return default_catalog().instance("c5.2xlarge")


INVALID = [
    pytest.param(
        lambda: TrafficProfile(-1), ("daily_requests", ">= 0"), id="negative daily_requests"
    ),
    pytest.param(
        lambda: TrafficProfile.from_monthly_requests(-1),
        ("monthly_requests", ">= 0"),
        id="negative monthly_requests",
    ),
    pytest.param(
        lambda: plan_fleet(TrafficProfile(1000), 0),
        ("throughput_rps_per_instance", "> 0"),
        id="zero throughput",
    ),
    pytest.param(lambda: throughput_from_latency(0, 8), ("latency_ms", "> 0"), id="zero latency"),
    pytest.param(
        lambda: serverless_cost(TrafficProfile(1), default_catalog().lambda_price(), 100, 64),
        ("memory_mb", "128", "10240"),
        id="lambda memory_mb 64",
    ),
    pytest.param(
        lambda: serverless_cost(TrafficProfile(1), default_catalog().lambda_price(), 100, 10241),
        ("memory_mb", "128", "10240"),
        id="lambda memory_mb 10241",
    ),
    pytest.param(
        lambda: spot_cost(TrafficProfile(1), _c5(), 2, 1.0), ("discount", "[0, 1)"), id="discount 1"
    ),
    pytest.param(
        lambda: spot_cost(TrafficProfile(1), _c5(), 2, -0.1),
        ("discount", "[0, 1)"),
        id="discount -0.1",
    ),
    pytest.param(
        lambda: plan_fleet(TrafficProfile(1000), 10, 0),
        ("target_utilization", "(0, 1]"),
        id="target_utilization 0",
    ),
    pytest.param(
        lambda: plan_fleet(TrafficProfile(1000), 10, 1.5),
        ("target_utilization", "(0, 1]"),
        id="target_utilization 1.5",
    ),
    pytest.param(
        lambda: always_on_cost(TrafficProfile(1), _c5(), 0),
        ("instance_count", ">= 1"),
        id="always-on instance_count 0",
    ),
    pytest.param(
        lambda: spot_cost(TrafficProfile(1), _c5(), 0, 0.5),
        ("instance_count", ">= 1"),
        id="spot instance_count 0",
    ),
    pytest.param(
        lambda: spot_cost(TrafficProfile(1), _c5(), 2, 0.5, on_demand_base_instances=3),
        ("on_demand_base_instances", "<= instance_count"),
        id="on-demand base > instance_count",
    ),
    pytest.param(
        lambda: plan_fleet(TrafficProfile(1000), 10, 0.7, 0),
        ("min_instances", ">= 1"),
        id="min_instances 0",
    ),
    pytest.param(
        lambda: default_catalog().instance("c5.2xlarge", provider="ibm"),
        ("provider", "aws", "gcp", "azure"),
        id="catalog.instance unknown provider",
    ),
]


@pytest.mark.parametrize(("call", "fragments"), INVALID)
def test_invalid_input_names_field_and_range(call, fragments):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


# ---------------------------------------------------------------------------------------------
# Break-even and crossovers
# ---------------------------------------------------------------------------------------------


def _lambda_curve(catalog: PriceCatalog, gateway: str | None = "http") -> CostCurve:
    return serverless_curve(
        scenario_traffic(),
        catalog.lambda_price("arm64"),
        68,
        3538,
        gateway=catalog.gateway(gateway) if gateway else None,
    )


@pytest.mark.parametrize("gateway", ["http", "rest", None])
def test_break_even_matches_the_closed_form(catalog, gateway):
    lam = _lambda_curve(catalog, gateway)
    fleet = fixed_fleet_curve(catalog.instance("c7i.2xlarge"), 2)
    point = break_even_daily_requests(lam, fleet)

    # Both curves are equal at the break-even point.
    assert lam(point.daily_requests) == pytest.approx(fleet(point.daily_requests), abs=0.01)
    assert point.monthly_cost_usd == pytest.approx(2 * 730 * 0.357, abs=0.01)

    # Closed form, beyond both free tiers and within tier 1 (R = monthly requests):
    #   cost(R) = R x (gb_s x p1 + r + g) - free_gb_s x p1 - free_requests x r
    #   cost(R*) = fleet  =>  R* = (fleet + free_gb_s x p1 + free_requests x r) / (gb_s x p1 + r + g)
    price = catalog.lambda_price("arm64")
    p1 = price.gb_second_tiers[0].price
    r = price.request_price_per_million / 1e6
    g = catalog.gateway(gateway).tiers[0].price_per_million / 1e6 if gateway else 0.0
    gb_s = 68 / 1000 * 3538 / 1024
    fleet_cost = 2 * 730 * 0.357
    monthly = (fleet_cost + 400_000 * p1 + 1_000_000 * r) / (gb_s * p1 + r + g)
    assert monthly > 1_000_000 and 400_000 < monthly * gb_s < 400_000 + 7.5e9  # preconditions
    assert point.daily_requests == pytest.approx(monthly / (730 / 24), rel=1e-6)
    assert point.cheaper_below == lam.label
    assert point.cheaper_above == fleet.label


def test_break_even_without_a_crossing_raises(catalog):
    two = fixed_fleet_curve(catalog.instance("c7i.2xlarge"), 2)
    three = fixed_fleet_curve(catalog.instance("c7i.2xlarge"), 3)
    with pytest.raises(ValueError, match="never cross"):
        break_even_daily_requests(two, three)


def test_staircase_crossing_a_flat_fleet_at_a_jump(catalog):
    # Capacity-aware c7i.2xlarge (2 x $0.357 < 3 x $0.34 < 3 x $0.357) vs a fixed 3x c5.2xlarge:
    # the staircase goes from 2 to 3 instances, and above the flat line, at
    # daily = 2 x usable req/s / peak ratio x 86,400.
    shape = scenario_traffic()
    throughput = 4 * 1000 / 68
    staircase = capacity_fleet_curve(catalog.instance("c7i.2xlarge"), shape, throughput)
    flat = fixed_fleet_curve(catalog.instance("c5.2xlarge"), 3)
    peak_ratio = 1000 / (31.68e6 / 86_400)
    jump = 2 * throughput * 0.7 / peak_ratio * 86_400
    found = crossovers(staircase, flat, 1, 1e9)
    assert len(found) == 1
    assert found[0].daily_requests == pytest.approx(jump, rel=1e-9)
    assert found[0].cheaper_below == staircase.label
    assert found[0].cheaper_above == flat.label
    assert staircase(jump * 0.999) == pytest.approx(2 * 730 * 0.357)
    assert staircase(jump * 1.001) == pytest.approx(3 * 730 * 0.357)


def test_staircase_against_serverless_crosses_at_jumps_and_roots(catalog):
    shape = scenario_traffic()
    throughput = 100.0
    staircase = capacity_fleet_curve(catalog.instance("c7i.2xlarge"), shape, throughput)
    lam = _lambda_curve(catalog)
    found = crossovers(staircase, lam, 1e5, 1e8)
    per_instance = throughput * 0.7 / (1000 / (31.68e6 / 86_400)) * 86_400  # daily per step

    def at_jump(x: float) -> bool:
        k = x / per_instance
        return abs(k - round(k)) < 1e-9

    jumps = [c for c in found if at_jump(c.daily_requests)]
    roots = [c for c in found if not at_jump(c.daily_requests)]
    assert jumps and roots
    for c in roots:
        assert staircase(c.daily_requests) == pytest.approx(lam(c.daily_requests), abs=0.01)
    for c in found:  # the cheaper strategy really swaps at each point
        below, above = c.daily_requests * (1 - 1e-6), c.daily_requests * (1 + 1e-6)
        curves = {staircase.label: staircase, lam.label: lam}
        assert curves[c.cheaper_below](below) < curves[c.cheaper_above](below)
        assert curves[c.cheaper_above](above) < curves[c.cheaper_below](above)
    # Sorted, and alternating which strategy wins.
    xs = [c.daily_requests for c in found]
    assert xs == sorted(xs)
    for first, second in itertools.pairwise(found):
        assert first.cheaper_above == second.cheaper_below

    # Independent check: count sign changes on a dense grid plus both sides of every step.
    grid = [1e5 * (1e3 ** (i / 20_000)) for i in range(20_001)]
    steps = [k * per_instance for k in range(1, 50) if 1e5 < k * per_instance < 1e8]
    grid = sorted({*grid, *steps, *(s * (1 + 1e-9) for s in steps)})
    signs = [staircase(x) - lam(x) for x in grid]
    changes = sum(
        1
        for a, b in itertools.pairwise(signs)
        if (a < -1e-9 and b > 1e-9) or (a > 1e-9 and b < -1e-9)
    )
    assert len(found) == changes


def test_crossovers_validates_its_range(catalog):
    flat = fixed_fleet_curve(catalog.instance("c7i.2xlarge"), 2)
    with pytest.raises(ValueError, match="high must be > low"):
        crossovers(flat, flat, 10, 5)
    with pytest.raises(ValueError, match="low must be > 0"):
        crossovers(flat, flat, 0, 5)


def test_plot_cost_curves_draws_one_line_per_curve(catalog):
    curves = [
        _lambda_curve(catalog),
        fixed_fleet_curve(catalog.instance("c7i.2xlarge"), 2),
        capacity_fleet_curve(catalog.instance("c7i.2xlarge"), scenario_traffic(), 100.0),
    ]
    ax = plot_cost_curves(curves, 1e4, 1e8, mark_daily_requests=5e6)
    figure = ax.get_figure(root=True)
    assert figure is not None
    try:
        assert isinstance(ax, matplotlib.axes.Axes)
        labels = [str(line.get_label()) for line in ax.get_lines()]
        labelled = [label for label in labels if not label.startswith("_")]
        assert labelled == [c.label for c in curves]
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    finally:
        plt.close(figure)


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


def test_comparison_table_is_sorted_cheapest_first(catalog):
    traffic = TrafficProfile(5_000_000)
    c5 = catalog.instance("c5.2xlarge")
    estimates = [
        always_on_cost(traffic, c5, 3),  # 744.60
        spot_cost(traffic, c5, 3, 0.6),  # 297.84
        always_on_cost(traffic, c5, 1),  # 248.20
        serverless_cost(traffic, catalog.lambda_price("arm64"), 68, 3538),
    ]
    table = comparison_table(estimates)
    costs = list(table["monthly_cost_usd"])
    assert costs == sorted(costs)
    assert len(table) == 4
    assert table["strategy"].iloc[-1] == "always-on 3× c5.2xlarge"
    assert costs[-1] == 744.60
    assert 297.84 in costs and 248.20 in costs


def test_breakdown_has_a_total_row(catalog):
    estimate = serverless_cost(
        TrafficProfile.from_monthly_requests(6_000_000),
        catalog.lambda_price("x86_64"),
        280,
        4096,
        ephemeral_storage_mb=2048,
        gateway=catalog.gateway("http"),
    )
    frame = estimate.breakdown()
    assert list(frame["item"])[-1] == "TOTAL"
    assert frame["cost_usd"].iloc[-1] == pytest.approx(estimate.monthly_cost_usd)
    assert frame["cost_usd"].iloc[:-1].sum() == pytest.approx(estimate.monthly_cost_usd)
    assert len(frame) == len(estimate.line_items) + 1


def test_line_item_cost_is_quantity_times_unit_price():
    assert LineItem("x", 3, "h", 0.5).cost_usd == 1.5


def test_staircase_tying_a_fixed_fleet_on_one_step_still_crosses(catalog):
    # Capacity-aware c7i.2xlarge (min 2) vs a fixed 3x c7i.2xlarge: the staircase is cheaper
    # with 2 instances, ties with 3, and costs more from 4 on, so the cheaper strategy changes
    # somewhere in [2, 3] x the daily volume per instance.
    instance = catalog.instance("c7i.2xlarge")
    staircase = capacity_fleet_curve(instance, scenario_traffic(), 100.0)
    fixed = fixed_fleet_curve(instance, 3)
    per_instance = 100.0 * 0.7 / (1000 / (31.68e6 / 86_400)) * 86_400
    assert staircase(1.5 * per_instance) < fixed(1.5 * per_instance)
    assert staircase(3.5 * per_instance) > fixed(3.5 * per_instance)
    point = break_even_daily_requests(staircase, fixed, 1e5, 1e8)
    assert 2 * per_instance <= point.daily_requests <= 3 * per_instance * (1 + 1e-9)
    assert (point.cheaper_below, point.cheaper_above) == (staircase.label, fixed.label)


@pytest.mark.parametrize(
    ("ephemeral_storage_mb", "accepted"),
    [(512, True), (10_240, True), (511, False), (10_241, False)],
    ids=["free-512", "max-10240", "below-free", "above-max"],
)
def test_lambda_ephemeral_storage_is_limited_to_512_to_10240_mb(ephemeral_storage_mb, accepted):
    price = default_catalog().lambda_price("x86_64")
    traffic = TrafficProfile.from_monthly_requests(1_000_000)
    if accepted:
        serverless_cost(traffic, price, 100, 1024, ephemeral_storage_mb=ephemeral_storage_mb)
    else:
        with pytest.raises(ValueError, match=r"ephemeral_storage_mb must be between 512 and 10240"):
            serverless_cost(traffic, price, 100, 1024, ephemeral_storage_mb=ephemeral_storage_mb)


def test_an_all_zero_hourly_profile_points_to_a_zero_traffic_profile():
    with pytest.raises(ValueError, match=r"TrafficProfile\(0\)"):
        TrafficProfile.from_hourly_rps([0] * 24)


@pytest.mark.parametrize(
    ("memory_mb", "vcpus"), [(1769, 1.0), (3538, 2.0), (128, 128 / 1769), (10_240, 10_240 / 1769)]
)
def test_lambda_gets_one_vcpu_per_1769_mb(memory_mb, vcpus):
    assert lambda_vcpus(memory_mb) == pytest.approx(vcpus)


@pytest.mark.parametrize("memory_mb", [127, 10_241])
def test_lambda_vcpus_rejects_memory_outside_lambdas_range(memory_mb):
    with pytest.raises(ValueError, match="128 and 10240"):
        lambda_vcpus(memory_mb)


@pytest.mark.parametrize(
    ("measured_ms", "measured_vcpus", "vcpus", "expected_ms"),
    [
        (68, 2, 2, 68),  # same CPU: same time
        (68, 2, 1, 136),  # half the CPU: twice the time
        (68, 2, 4, 68),  # more vCPUs than the measurement used: no faster
        (100, 1, 0.5, 200),
    ],
)
def test_cpu_scaled_duration(measured_ms, measured_vcpus, vcpus, expected_ms):
    assert cpu_scaled_duration_ms(measured_ms, measured_vcpus, vcpus) == pytest.approx(expected_ms)


def test_required_throughput_is_the_peak_shared_at_the_target_utilization():
    traffic = TrafficProfile(daily_requests=100 * 86_400, peak_to_average=2.0)  # peak 200 req/s
    assert required_throughput_rps(traffic, instances=2, target_utilization=0.5) == pytest.approx(
        200.0
    )


def test_a_fleet_that_cannot_serve_the_traffic_is_drawn_dotted_and_says_so(catalog):
    from companion.costs import fleet_capacity_daily_requests

    shape = scenario_traffic()
    limit = fleet_capacity_daily_requests(shape, 100.0, 2)  # 2 × 100 × 0.7 req/s at the peak
    assert limit == pytest.approx(140.0 / shape.peak_ratio * 86_400)
    curves = [_lambda_curve(catalog),
              fixed_fleet_curve(catalog.instance("c7i.2xlarge"), 2, serves_up_to=limit)]  # fmt: skip
    ax = plot_cost_curves(curves, 1e4, 1e8, reference=curves[0])
    try:
        beyond = [line for line in ax.get_lines() if "cannot serve" in line.get_label()]
        assert len(beyond) == 1 and beyond[0].get_linestyle() == ":"
        assert min(beyond[0].get_xdata()) == pytest.approx(limit)
        assert ax.get_title()
        crossings = [t.get_text() for t in ax.texts]
        assert crossings and all(" = " in text for text in crossings)  # which curves cross
    finally:
        plt.close(ax.figure)


# Calls in the old argument order, deliberately mistyped (through Any) to reach the runtime check.
_OLD: Any = (always_on_cost, capacity_aware_cost, spot_cost, plan_fleet)


@pytest.mark.parametrize(
    "old_order_call",
    [
        pytest.param(lambda: _OLD[0](_c5(), 1, TrafficProfile(1)), id="always_on_cost"),
        pytest.param(lambda: _OLD[1](_c5(), TrafficProfile(1), 50.0), id="capacity_aware_cost"),
        pytest.param(lambda: _OLD[2](_c5(), 2, TrafficProfile(1), 0.6), id="spot_cost"),
        pytest.param(lambda: _OLD[3](_c5(), 50.0), id="plan_fleet"),
    ],
)
def test_traffic_comes_first_in_every_cost_function(old_order_call: Callable[[], object]) -> None:
    """The old argument order (instance first) fails at once, naming the rule."""
    with pytest.raises(
        TypeError, match=r"traffic must be a TrafficProfile .*takes it first.*InstancePrice"
    ):
        old_order_call()
