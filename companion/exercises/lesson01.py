"""Exercises for lesson 01: what does serving a model really cost?

Every expected answer is computed with the companion's own cost models and price catalog,
and each typical mistake is recomputed the wrong way to recognise it.
"""

from __future__ import annotations

import math

from scipy.optimize import brentq

from ..costs import (
    TrafficProfile,
    always_on_cost,
    billed_duration_ms,
    break_even_daily_requests,
    fixed_fleet_curve,
    plan_fleet,
    serverless_cost,
    serverless_curve,
    throughput_from_latency,
)
from ..measurements import reference_latency
from ..pricing import default_catalog
from ..scenario import BLACK_FRIDAY_RPS, MONTHLY_BUDGET_USD, scenario_traffic
from .core import ChoiceQuestion, Mistake, NumericExercise, Option, Quiz

__all__ = ["q1", "q2", "q3", "q4", "quiz"]

# --- q1: size and price the Black Friday fleet --------------------------------------------------

Q1_INSTANCE = "c7i.2xlarge"
Q1_TARGET_UTILIZATION = 0.7
Q1_HOURS = 24  # the fleet is held at its Black Friday size for the whole day


def _q1_throughput() -> float:
    vcpus = default_catalog().instance(Q1_INSTANCE).vcpus
    latency = reference_latency("onnxruntime-int8-optimized", 128).p50_ms
    return throughput_from_latency(latency, vcpus, threads_per_request=2)


def _q1_instances(utilization: float = Q1_TARGET_UTILIZATION) -> int:
    peak = TrafficProfile(daily_requests=BLACK_FRIDAY_RPS * 86_400)  # flat: peak = 5,000 req/s
    return plan_fleet(peak, _q1_throughput(), utilization, min_instances=2).instances


def _q1(
    instances: float | None = None, hours: float = Q1_HOURS, instance: str = Q1_INSTANCE
) -> float:
    count = _q1_instances() if instances is None else instances
    return count * default_catalog().instance(instance).price_per_hour * hours


q1 = NumericExercise(
    name="q1",
    question=(
        f"Black Friday peaks at {BLACK_FRIDAY_RPS:,.0f} req/s. You scale a {Q1_INSTANCE} fleet up "
        "for that day and hold it for all 24 hours at the size the peak needs at a "
        f"{Q1_TARGET_UTILIZATION:.0%} target utilization. One instance serves "
        "`throughput_from_latency(p50, 8, threads_per_request=2)` req/s with the int8 model "
        '(`p50 = reference_latency("onnxruntime-int8-optimized", 128).p50_ms`). What does that day cost in '
        "USD, on-demand?"
    ),
    hint_text=(
        "Two steps: instances = ceil(peak / (throughput × target utilization)) (or `plan_fleet`), "
        "then instances × the catalog's hourly price × 24 hours."
    ),
    solution_text=lambda: (
        f"Capacity first: one {Q1_INSTANCE} serves {_q1_throughput():.1f} req/s, of which "
        f"{Q1_TARGET_UTILIZATION:.0%} is usable, so ceil({BLACK_FRIDAY_RPS:,.0f} / "
        f"({_q1_throughput():.1f} × {Q1_TARGET_UTILIZATION})) = {_q1_instances()} instances "
        "(`plan_fleet`). Then the bill: "
        f"{_q1_instances()} × ${default_catalog().instance(Q1_INSTANCE).price_per_hour:.3f}/h × "
        f"{Q1_HOURS} h = ${_q1():,.2f}. The instance count, not the hourly price, drives it."
    ),
    expected=_q1,
    unit="USD for the day",
    rel_tol=1e-3,
    mistakes=(
        Mistake(
            lambda: _q1(math.floor(BLACK_FRIDAY_RPS / (_q1_throughput() * Q1_TARGET_UTILIZATION))),
            "you rounded the instance count down: the fraction of an instance you dropped is "
            "traffic nobody serves. Round up.",
        ),
        Mistake(
            lambda: _q1(_q1_instances(utilization=1.0)),
            "that fleet runs at 100% at the peak, with no headroom for a burst or a lost "
            "instance; size for the 70% target.",
        ),
        Mistake(
            lambda: _q1(hours=730),
            "that is a whole 730-hour month at the Black Friday size; the question prices the one "
            "day (24 hours).",
        ),
        Mistake(
            lambda: _q1(instance="c5.2xlarge"),
            "that is the c5.2xlarge price; the question sizes and prices a c7i.2xlarge fleet.",
        ),
    ),
    success="one day at the peak costs more than the scenario's whole monthly budget.",
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


def _q2_solution() -> str:
    catalog = default_catalog()
    price = catalog.lambda_price("arm64")
    billed = billed_duration_ms(Q2_DURATION_MS, price)
    gb_s = Q2_MONTHLY_REQUESTS * billed / 1000 * Q2_MEMORY_MB / 1024
    billable = gb_s - price.free_gb_seconds_per_month
    compute = billable * price.gb_second_tiers[0].price
    requests = (
        (Q2_MONTHLY_REQUESTS - price.free_requests_per_month)
        * price.request_price_per_million
        / 1e6
    )
    per_million = catalog.gateway("http").tiers[0].price_per_million
    gateway = Q2_MONTHLY_REQUESTS * per_million / 1e6
    return (
        f"Line by line. Duration: {Q2_DURATION_MS} ms is billed as {billed} ms, so "
        f"{Q2_MONTHLY_REQUESTS / 1e6:g}M × {billed / 1000:g} s × {Q2_MEMORY_MB / 1024:g} GB = "
        f"{gb_s:,.0f} GB-s, minus the {price.free_gb_seconds_per_month:,.0f} free = {billable:,.0f} "
        f"GB-s × ${price.gb_second_tiers[0].price} = ${compute:,.2f}. Requests: "
        f"({Q2_MONTHLY_REQUESTS / 1e6:g}M − {price.free_requests_per_month / 1e6:g}M free) × "
        f"${price.request_price_per_million:.2f}/M = ${requests:,.2f}. HTTP API (no free tier "
        f"after 12 months): {Q2_MONTHLY_REQUESTS / 1e6:g}M × ${per_million:.2f}/M = ${gateway:,.2f}. "
        f"Total "
        f"${_q2():,.2f}, which is what `serverless_cost(..., free_tier=True, "
        "gateway=catalog.gateway('http'))` returns."
    )


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
    solution_text=lambda: _q2_solution(),
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
    latency = reference_latency("onnxruntime-int8-optimized", 128).p50_ms
    lam = serverless_curve(
        scenario_traffic(), catalog.lambda_price("arm64"), latency, Q3_MEMORY_MB,
        gateway=catalog.gateway("http") if gateway else None,
    )  # fmt: skip
    fleet = fixed_fleet_curve(catalog.instance(Q3_INSTANCE), 2)
    daily = break_even_daily_requests(lam, fleet).daily_requests
    return daily * scenario_traffic().days_per_month if monthly else daily


def _fleet_cost() -> float:
    return always_on_cost(
        scenario_traffic(), default_catalog().instance(Q3_INSTANCE), 2
    ).monthly_cost_usd


q3 = NumericExercise(
    name="q3",
    question=(
        f"Two always-on {Q3_INSTANCE} instances (the high-availability minimum) cost a fixed amount "
        f"a month. An arm64 Lambda with {Q3_MEMORY_MB} MB (2 vCPUs) runs the int8 model in the "
        "reference p50 (`reference_latency('onnxruntime-int8-optimized', 128).p50_ms`), behind an HTTP API, free tier on. Above how many requests *per day* "
        "does the Lambda cost more than the two instances?"
    ),
    hint_text=(
        "Build both curves (`serverless_curve`, `fixed_fleet_curve`) and solve with "
        "`break_even_daily_requests`; or by hand: fleet cost = per-request cost × requests − free tier."
    ),
    solution_text=lambda: (
        f"The two instances cost ${_fleet_cost():,.2f} a month whatever the traffic, while the "
        "Lambda's cost rises with every request (after the free tier), so there is one volume "
        "where the two are equal. `break_even_daily_requests(serverless_curve(scenario_traffic(), "
        "catalog.lambda_price('arm64'), p50, 3538, gateway=catalog.gateway('http')), "
        "fixed_fleet_curve(catalog.instance('c7i.2xlarge'), 2)).daily_requests` solves for it: "
        f"{_q3() / 1e6:.2f} million requests a day. Below it serverless is cheaper, above it the "
        "pair is, if two instances can carry that peak."
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


# --- q4 (design): what $500 buys, serverless or a fleet ---------------------------------------

Q4_INSTANCE = "c5.2xlarge"
Q4_MEMORY_MB = 3538  # 2 vCPUs, the threads the latency was measured with


def _q4_lambda(architecture: str = "x86_64", gateway: bool = True, free_tier: bool = True) -> float:
    """The most requests a day the Lambda serves for the budget (its cost rises with traffic)."""
    catalog = default_catalog()
    curve = serverless_curve(
        scenario_traffic(), catalog.lambda_price(architecture),
        reference_latency("onnxruntime-int8-optimized", 128).p50_ms, Q4_MEMORY_MB,
        free_tier=free_tier, gateway=catalog.gateway("http") if gateway else None,
    )  # fmt: skip
    return float(brentq(lambda daily: curve(daily) - MONTHLY_BUDGET_USD, 1e3, 1e9, xtol=1e-3))


def _q4_fleet_instances() -> int:
    """The most instances of the fleet the budget pays for, all month."""
    instance = default_catalog().instance(Q4_INSTANCE)
    monthly = always_on_cost(scenario_traffic(), instance, 1).monthly_cost_usd
    return math.floor(MONTHLY_BUDGET_USD / monthly)


def _q4_fleet() -> float:
    """The most requests a day that fleet carries at its peak hour at 70% (day/night shape)."""
    throughput = throughput_from_latency(
        reference_latency("onnxruntime-int8-optimized", 128).p50_ms,
        default_catalog().instance(Q4_INSTANCE).vcpus, threads_per_request=2,
    )  # fmt: skip
    peak_per_daily_request = scenario_traffic(1.0).peak_rps
    return _q4_fleet_instances() * throughput * 0.7 / peak_per_daily_request


def _q4() -> float:
    return max(_q4_lambda(), _q4_fleet())


def _q4_linear() -> float:
    """Scaling the 5M cost down in proportion, as if Lambda had no free tier."""
    catalog = default_catalog()
    at_5m = serverless_cost(
        scenario_traffic(), catalog.lambda_price("x86_64"),
        reference_latency("onnxruntime-int8-optimized", 128).p50_ms, Q4_MEMORY_MB,
        gateway=catalog.gateway("http"),
    ).monthly_cost_usd  # fmt: skip
    return scenario_traffic().daily_requests * MONTHLY_BUDGET_USD / at_5m


def _q4_solution() -> str:
    instance = default_catalog().instance(Q4_INSTANCE)
    pair = always_on_cost(scenario_traffic(), instance, _q4_fleet_instances()).monthly_cost_usd
    more = always_on_cost(scenario_traffic(), instance, _q4_fleet_instances() + 1).monthly_cost_usd
    winner = "The Lambda" if _q4_lambda() >= _q4_fleet() else "The fleet"
    return (
        "Each design has a different limit. The Lambda's cost grows with traffic, so solve "
        "`serverless_curve(...)(daily) = 500` with `brentq`: about "
        f"{_q4_lambda() / 1e6:.2f}M requests a day. The fleet's cost is a staircase: "
        f"{_q4_fleet_instances()} × {Q4_INSTANCE} cost ${pair:,.2f} and fit, "
        f"{_q4_fleet_instances() + 1} cost ${more:,.2f} and don't, so the fleet is capped by what "
        f"{_q4_fleet_instances()} instances carry at the peak hour at 70%: about "
        f"{_q4_fleet() / 1e6:.2f}M a day under the day/night shape. {winner} serves "
        f"more for the money: {_q4() / 1e6:.2f}M a day, still short of the scenario's 5M."
    )


q4 = NumericExercise(
    name="q4",
    question=(
        f"The budget is ${MONTHLY_BUDGET_USD:,.0f} a month. Two designs meet the p95 target: an "
        f"x86_64 Lambda with {Q4_MEMORY_MB:,} MB behind an HTTP API (free tier on, duration = "
        "the int8 reference p50), and an always-on "
        f"{Q4_INSTANCE} fleet sized for the peak hour at 70% with at least two instances (the "
        "int8 throughput of section 4). With the scenario's day/night shape, which one serves "
        "more requests a day without going over the budget, and how many requests a day is that?"
    ),
    hint_text=(
        "Find each design's own limit: the Lambda's cost rises with every request (solve cost = "
        "budget), the fleet's rises in whole instances (how many fit, and what do they carry at "
        "the peak hour?). Answer with the larger volume."
    ),
    solution_text=_q4_solution,
    expected=_q4,
    unit="requests per day",
    rel_tol=1e-3,
    mistakes=(
        Mistake(
            _q4_fleet,
            "that is what the fleet carries: its instances fit the budget, but their peak-hour "
            "capacity caps it below what the same money buys on Lambda.",
        ),
        Mistake(
            lambda: _q4_lambda("arm64"),
            "that is the arm64 price; the latency was measured on x86, so the question prices the "
            "x86_64 Lambda.",
        ),
        Mistake(
            lambda: _q4_lambda(gateway=False),
            "you left out the HTTP API: every request pays the gateway too, and it is a large "
            "share of the per-request cost.",
        ),
        Mistake(
            _q4_linear,
            "you scaled the 5M cost down in proportion; the free tier makes cost not quite "
            "proportional to traffic, so solve cost = budget on the curve itself.",
        ),
        Mistake(
            lambda: _q4_lambda(free_tier=False),
            "the question keeps Lambda's free tier on: 1M requests and 400,000 GB-s a month are "
            "not billed.",
        ),
    ),
    success="serverless pays for the average, the fleet for the peak: at this budget that decides it.",
    design=True,
)


# --- recap quiz ----------------------------------------------------------------------------------

quiz = Quiz(
    [
        ChoiceQuestion(
            name="r1",
            question=(
                "A runtime's p50 at 128 tokens is under 100 ms, its p95 is over it. Can a bigger "
                "fleet make it meet the scenario's target (p95 ≤ 100 ms)?"
            ),
            hint_text="Ask what adding instances changes: how many requests, or how fast each one is.",
            solution_text=(
                "c: more instances add capacity, not speed. Each request still takes its measured "
                "time, so a runtime whose p95 is over the target misses it at any fleet size; the "
                "fix is a faster runtime (lesson 02) or shorter inputs, not more machines."
            ),
            options={
                "a": Option(
                    "Yes: the p50 is under 100 ms, and the p50 is what the target is about",
                    "No: the target is on the p95. Judging the median against a p95 target "
                    "ignores the slowest 1 request in 20, which is exactly what the target limits.",
                ),
                "b": Option(
                    "Yes: with enough instances each one runs at low utilization, so the p95 drops "
                    "to the p50",
                    "No: low utilization removes queueing, not work. The p95 here was measured one "
                    "request at a time, with no queue at all, and it was already over the target.",
                ),
                "c": Option(
                    "No: more instances add capacity, not speed; the runtime itself must get faster",
                    "Right: the latency target rules a runtime out before the bill does; only a "
                    "faster runtime or shorter inputs bring the p95 down.",
                ),
            },
            answer="c",
        ),
        ChoiceQuestion(
            name="r2",
            question=(
                "Why does `plan_fleet` size a fleet for the busiest hour at a 70% target "
                "utilization, and not for the daily average at 100%?"
            ),
            hint_text="Think of the hour when traffic is highest, and of one instance failing then.",
            solution_text=(
                "a: an always-on fleet must serve its busiest hour, and a server near 100% busy "
                "has no headroom for bursts or a lost instance. So the count comes from the peak "
                "at 70%, with at least two instances, and the fleet idles the rest of the day."
            ),
            options={
                "a": Option(
                    "The fleet must serve its busiest hour, with headroom for bursts and for a lost "
                    "instance",
                    "Right: the peak hour decides the instance count, and the instance count "
                    "decides the bill, which is why the average utilization is so low.",
                ),
                "b": Option(
                    "Because AWS charges a higher hourly price when an instance runs above 70% CPU",
                    "No: an on-demand instance costs the same per hour however busy it is. The 70% "
                    "is headroom the course chooses, not a price rule.",
                ),
                "c": Option(
                    "It doesn't matter: sizing for the average gives the same number of instances",
                    "No: the scenario's peak hour is 2.7 times its average, so sizing for the "
                    "average would leave the busiest hours without enough capacity.",
                ),
            },
            answer="a",
        ),
        ChoiceQuestion(
            name="r3",
            question=(
                "The int8 latency was measured with 2 threads. Why does the course give the "
                "Lambda 3,538 MB although the model needs far less memory?"
            ),
            hint_text="On Lambda, the memory setting also decides something besides memory.",
            solution_text=(
                "b: Lambda allocates CPU in proportion to memory, one vCPU per 1,769 MB, so 3,538 MB "
                "buys the two vCPUs the measurement used. With less memory the same work takes "
                "longer; the GB-s per request barely change, but the latency target is missed."
            ),
            options={
                "a": Option(
                    "To keep the model and the tokenizer cached between requests",
                    "No: the model fits in far less memory. The extra memory is there for the CPU "
                    "share that comes with it.",
                ),
                "b": Option(
                    "Because Lambda gives CPU in proportion to memory: 3,538 MB is two vCPUs",
                    "Right: on Lambda memory buys CPU, so the size is chosen for the vCPUs the "
                    "latency needs, not for the bytes the model takes.",
                ),
                "c": Option(
                    "Because a larger function is billed at a lower price per GB-s",
                    "No: the price per GB-s does not depend on the memory size; bigger functions "
                    "cost more per second, and finish sooner when the work is CPU-bound.",
                ),
            },
            answer="b",
        ),
        ChoiceQuestion(
            name="r4",
            question=(
                "In the Lambda breakdown at 5M requests a day, the HTTP API costs more than "
                "Lambda's own request charge. Why is it in the bill at all?"
            ),
            hint_text="Think of how a browser or a mobile app reaches the function over HTTP.",
            solution_text=(
                "a: clients reach the function over HTTP through an API gateway (or a Function "
                "URL), and the gateway bills per request. Leaving it out makes serverless look "
                "cheaper than it is; count the whole request path."
            ),
            options={
                "a": Option(
                    "Clients call the function through it, and it bills every request",
                    "Right: the gateway is part of the request path, so its per-request price "
                    "belongs to the per-request cost of serverless.",
                ),
                "b": Option(
                    "It is optional: Lambda can be called directly from a browser for free",
                    "No: a browser speaks HTTP, and an HTTP endpoint in front of the function (a "
                    "gateway or a Function URL) is what it talks to.",
                ),
                "c": Option(
                    "It replaces Lambda's free tier, which does not apply behind a gateway",
                    "No: Lambda's free tier applies whatever calls the function; the gateway is an "
                    "extra charge on top, with its own free tier only for new accounts.",
                ),
            },
            answer="a",
        ),
        ChoiceQuestion(
            name="r5",
            question=(
                "Against a fleet that grows with traffic, Lambda stays cheaper at every volume under "
                "the day/night shape, but not under flat traffic. Why?"
            ),
            hint_text="Compare what each one pays for: every request, or the busiest hour.",
            solution_text=(
                "b: serverless pays per request, so its cost follows the average, while a fleet "
                "is sized for the peak hour and idles the rest of the day. The spikier the "
                "traffic, the more idle capacity the fleet pays for, so solve the break-even "
                "with your own traffic shape."
            ),
            options={
                "a": Option(
                    "Because Lambda's price per request is lower at night",
                    "No: Lambda's prices do not change with the time of day; only the amount of "
                    "traffic does.",
                ),
                "b": Option(
                    "Lambda pays for the average, the fleet for the peak; a spiky day makes the "
                    "fleet idle most hours",
                    "Right: at the same daily volume, the day/night shape has a higher peak, so the "
                    "fleet needs more instances while Lambda's bill stays the same.",
                ),
                "c": Option(
                    "Because flat traffic uses more of Lambda's free tier",
                    "No: the free tier depends on the monthly requests and GB-s, not on how they "
                    "spread over the day.",
                ),
            },
            answer="b",
        ),
    ]
)
