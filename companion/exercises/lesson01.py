"""Exercises for lesson 01: what does serving a model really cost?

Every expected answer is computed with the companion's own cost models and price catalog,
and each typical mistake is recomputed the wrong way to recognise it.
"""

from __future__ import annotations

import math

from ..costs import (
    TrafficProfile,
    always_on_cost,
    break_even_daily_requests,
    fixed_fleet_curve,
    plan_fleet,
    serverless_cost,
    serverless_curve,
    throughput_from_latency,
)
from ..measurements import reference_latency
from ..pricing import default_catalog
from ..scenario import BLACK_FRIDAY_RPS, scenario_traffic
from .core import Mistake, NumericExercise

__all__ = ["q1", "q2", "q3"]

# --- q1: size a fleet for Black Friday ---------------------------------------------------------

Q1_INSTANCE = "c7i.2xlarge"
Q1_TARGET_UTILIZATION = 0.7


def _q1_throughput() -> float:
    vcpus = default_catalog().instance(Q1_INSTANCE).vcpus
    latency = reference_latency("onnxruntime-int8", 128).p50_ms
    return throughput_from_latency(latency, vcpus, threads_per_request=2)


def _q1_expected() -> float:
    peak = TrafficProfile(daily_requests=BLACK_FRIDAY_RPS * 86_400)  # flat: peak = 5,000 req/s
    return plan_fleet(peak, _q1_throughput(), Q1_TARGET_UTILIZATION, min_instances=2).instances


q1 = NumericExercise(
    name="q1",
    question=(
        f"Black Friday peaks at {BLACK_FRIDAY_RPS:,.0f} req/s. One {Q1_INSTANCE} serves "
        "`throughput_from_latency(p50, 8, threads_per_request=2)` req/s with the int8 model, where "
        '`p50 = reference_latency("onnxruntime-int8", 128).p50_ms`. '
        f"How many instances do you need at a {Q1_TARGET_UTILIZATION:.0%} target utilization?"
    ),
    hint_text=(
        "Usable capacity per instance is throughput × target utilization; divide the peak by it "
        "and round *up* (or call `plan_fleet`)."
    ),
    solution_text=lambda: (
        "`plan_fleet(TrafficProfile(5_000 * 86_400), throughput_from_latency(p50, 8, 2), 0.7).instances`"
        f" → ceil(5,000 / ({_q1_throughput():.1f} × 0.7)) = {_q1_expected():.0f} instances."
    ),
    expected=_q1_expected,
    unit="instances",
    rel_tol=0.0,
    abs_tol=1e-9,
    integer=True,
    mistakes=(
        Mistake(
            lambda: math.floor(BLACK_FRIDAY_RPS / (_q1_throughput() * Q1_TARGET_UTILIZATION)),
            "you rounded down: the fraction of an instance you dropped is traffic nobody serves. Round up.",
        ),
        Mistake(
            lambda: math.ceil(BLACK_FRIDAY_RPS / _q1_throughput() - 1e-9),
            "that fleet runs at 100% at the peak, where queues explode and p95 blows past 100 ms; "
            "size for the 70% target.",
        ),
    ),
    success="note how far that is from the original lesson's single c5.2xlarge.",
)

# --- q2: a Lambda bill, line by line ------------------------------------------------------------

Q2_MONTHLY_REQUESTS = 10_000_000
Q2_MEMORY_MB = 2048
Q2_DURATION_MS = 119.3


def _q2(
    architecture: str = "arm64",
    duration_ms: float = Q2_DURATION_MS,
    free_tier: bool = True,
    gateway: str | None = "http",
) -> float:
    catalog = default_catalog()
    return serverless_cost(
        TrafficProfile.from_monthly_requests(Q2_MONTHLY_REQUESTS),
        catalog.lambda_price(architecture),
        duration_ms,
        Q2_MEMORY_MB,
        free_tier=free_tier,
        gateway=catalog.gateway(gateway) if gateway else None,
    ).monthly_cost_usd


def _unrounded() -> float:
    catalog = default_catalog()
    price = catalog.lambda_price("arm64")
    gb_s = Q2_MONTHLY_REQUESTS * Q2_DURATION_MS / 1000 * Q2_MEMORY_MB / 1024
    compute = (gb_s - price.free_gb_seconds_per_month) * price.gb_second_tiers[0].price
    requests = (
        (Q2_MONTHLY_REQUESTS - price.free_requests_per_month)
        * price.request_price_per_million
        / 1e6
    )
    gateway = Q2_MONTHLY_REQUESTS * catalog.gateway("http").tiers[0].price_per_million / 1e6
    return compute + requests + gateway


q2 = NumericExercise(
    name="q2",
    question=(
        f"{Q2_MONTHLY_REQUESTS / 1e6:g}M requests a month hit an arm64 Lambda with "
        f"{Q2_MEMORY_MB} MB that runs {Q2_DURATION_MS} ms per request, behind an HTTP API "
        "(the account is older than 12 months; Lambda's free tier is unused by anything else). "
        "What is the monthly bill in USD?"
    ),
    hint_text=(
        "Four things: duration is billed in whole milliseconds (rounded up), GB-s = MB / 1024 × "
        "seconds, Lambda's free tier (1M requests, 400,000 GB-s) never expires, API Gateway's "
        "does after 12 months."
    ),
    solution_text=lambda: (
        "`serverless_cost(TrafficProfile.from_monthly_requests(10_000_000), "
        "catalog.lambda_price('arm64'), 119.3, 2048, free_tier=True, "
        f"gateway=catalog.gateway('http')).monthly_cost_usd` → ${_q2():,.2f}."
    ),
    expected=_q2,
    unit="USD per month",
    rel_tol=0.0,
    abs_tol=0.011,
    mistakes=(
        Mistake(
            lambda: _q2(gateway=None),
            "you left out the HTTP API in front of the function: $1 per million requests, more than the requests charge.",
        ),
        Mistake(
            lambda: _q2(gateway="rest"),
            "that is a REST API ($3.50 per million); the question uses an HTTP API ($1.00 per million).",
        ),
        Mistake(
            lambda: _q2(free_tier=False),
            "Lambda's free tier (1M requests and 400,000 GB-s a month) applies here; subtract it first.",
        ),
        Mistake(
            lambda: _q2(architecture="x86_64"),
            "that is the x86 price; arm64 (Graviton) GB-s cost 20% less.",
        ),
        Mistake(
            _unrounded,
            "Lambda bills each invocation rounded *up* to the next millisecond: 119.3 ms is billed as 120 ms.",
        ),
    ),
    success="and the API gateway is about a quarter of it.",
)


# --- q3: break-even ------------------------------------------------------------------------------

Q3_INSTANCE = "c7i.2xlarge"
Q3_MEMORY_MB = 3538  # 2 vCPUs: Lambda gives one vCPU per 1,769 MB


def _q3(gateway: bool = True, monthly: bool = False) -> float:
    catalog = default_catalog()
    latency = reference_latency("onnxruntime-int8", 128).p50_ms
    lam = serverless_curve(
        scenario_traffic(), catalog.lambda_price("arm64"), latency, Q3_MEMORY_MB,
        gateway=catalog.gateway("http") if gateway else None,
    )  # fmt: skip
    fleet = fixed_fleet_curve(catalog.instance(Q3_INSTANCE), 2)
    daily = break_even_daily_requests(lam, fleet).daily_requests
    return daily * scenario_traffic().days_per_month if monthly else daily


def _fleet_cost() -> float:
    return always_on_cost(
        default_catalog().instance(Q3_INSTANCE), 2, scenario_traffic()
    ).monthly_cost_usd


q3 = NumericExercise(
    name="q3",
    question=(
        f"Two always-on {Q3_INSTANCE} instances (the high-availability minimum) cost a fixed amount "
        f"a month. An arm64 Lambda with {Q3_MEMORY_MB} MB (2 vCPUs) runs the int8 model in the "
        "reference p50 (`reference_latency('onnxruntime-int8', 128).p50_ms`), behind an HTTP API, free tier on. Above how many requests *per day* "
        "does the Lambda cost more than the two instances?"
    ),
    hint_text=(
        "Build both curves (`serverless_curve`, `fixed_fleet_curve`) and solve with "
        "`break_even_daily_requests`; or by hand: fleet cost = per-request cost × requests − free tier."
    ),
    solution_text=lambda: (
        "`break_even_daily_requests(serverless_curve(scenario_traffic(), catalog.lambda_price('arm64'), "
        "p50, 3538, gateway=catalog.gateway('http')), fixed_fleet_curve(catalog.instance('c7i.2xlarge'), 2))"
        f".daily_requests` → {_q3() / 1e6:.2f} million requests a day (the fleet costs ${_fleet_cost():,.2f})."
    ),
    expected=_q3,
    unit="requests per day",
    rel_tol=0.01,
    mistakes=(
        Mistake(
            lambda: _q3(monthly=True),
            "that is requests per *month*; divide by 730 / 24 days for requests per day.",
        ),
        Mistake(
            lambda: _q3(gateway=False),
            "you priced the function without its HTTP API; the gateway is a big part of the per-request cost.",
        ),
    ),
    success="below that volume serverless wins, above it the two instances do (if they can carry the load).",
)
