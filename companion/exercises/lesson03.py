"""Exercises for lesson 03: a real serverless inference function.

Every expected answer is computed with the companion's Lambda pricing and tuning code, from the
catalog and lesson 02's committed benchmark (``companion/data/results/optimize_distilbert.json``,
read through :func:`companion.measurements.latency_by_threads`); each typical mistake is
recomputed the wrong way to recognise it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..course import committed_json
from ..measurements import SERVING_VARIANT, latency_by_threads
from ..pricing import default_catalog
from ..scenario import P95_LATENCY_TARGET_MS, scenario_traffic
from ..serverless.tuning import (
    DEFAULT_MEMORY_SIZES_MB,
    DurationModel,
    evaluate_size,
    monthly_cost_with_cold_starts,
    tune,
)
from .core import ChoiceQuestion, Mistake, NumericExercise, Option, Quiz

__all__ = ["MEDIAN", "P95", "q1", "q2", "q3", "q4", "quiz"]


@lru_cache(maxsize=1)
def _benchmark() -> dict[str, Any]:
    data: dict[str, Any] = committed_json("optimize_distilbert.json")
    return data


def _durations(percentile: str) -> DurationModel:
    """One of the lesson's duration models: the served model at 128 tokens, measured at 1 and
    2 threads (``percentile`` is ``"p50_ms"`` or ``"p95_ms"``)."""
    measured = latency_by_threads(SERVING_VARIANT, 128)
    return DurationModel({float(n): [getattr(row, percentile)] for n, row in measured.items()})


#: The lesson's ``median`` model: the duration Lambda bills, at 1 and 2 vCPUs.
MEDIAN = _durations("p50_ms")
#: The lesson's ``p95`` model: the duration the latency target is checked on.
P95 = _durations("p95_ms")

# --- q1: cost per million invocations --------------------------------------------------------------

Q1_MEMORY_MB = 2048
Q1_DURATION_MS = 61.3


def _q1(
    duration_ms: float = Q1_DURATION_MS, requests: bool = True, megabytes_per_gb: int = 1024
) -> float:
    price = default_catalog().lambda_price("x86_64")
    row = evaluate_size(Q1_MEMORY_MB, duration_ms, price)
    compute = row.compute_cost_usd * 1e6 * 1024 / megabytes_per_gb
    return compute + (row.request_cost_usd * 1e6 if requests else 0.0)


def _unrounded() -> float:
    price = default_catalog().lambda_price("x86_64")
    return (
        Q1_DURATION_MS / 1000 * Q1_MEMORY_MB / 1024 * price.gb_second_tiers[0].price * 1e6
        + price.request_price_per_million
    )


def _q1_solution() -> str:
    price = default_catalog().lambda_price("x86_64")
    row = evaluate_size(Q1_MEMORY_MB, Q1_DURATION_MS, price)
    gb_s = row.billed_ms / 1000 * Q1_MEMORY_MB / 1024
    return (
        f"Lambda bills each invocation rounded up to the next millisecond, so {Q1_DURATION_MS} ms "
        f"is billed as {row.billed_ms} ms. At {Q1_MEMORY_MB:,} MB (= {Q1_MEMORY_MB / 1024:g} GB, "
        f"1,024 MB per GB) that is {gb_s:.3f} GB-s per invocation; times "
        f"${price.gb_second_tiers[0].price} per GB-s and a million invocations, "
        f"${row.compute_cost_usd * 1e6:.4f}, plus ${price.request_price_per_million:.2f} of "
        f"request charges: ${_q1():.4f}. In code: `evaluate_size({Q1_MEMORY_MB}, {Q1_DURATION_MS}, "
        "lambda_x86).cost_per_million_usd`."
    )


q1 = NumericExercise(
    name="q1",
    question=(
        f"An x86 function with {Q1_MEMORY_MB:,} MB runs {Q1_DURATION_MS} ms per invocation. What do "
        "one million invocations cost (compute + requests, no free tier)?"
    ),
    hint_text=(
        "Round the duration up to the next millisecond, multiply by the memory in GB (MB / 1024) "
        "and the GB-s price; add $0.20 per million requests."
    ),
    solution_text=_q1_solution,
    expected=_q1,
    unit="USD per 1M invocations",
    rel_tol=0.001,
    mistakes=(
        Mistake(
            _unrounded,
            "Lambda bills each invocation rounded up to the next millisecond: 61.3 ms is billed as 62 ms.",
        ),
        Mistake(
            lambda: _q1(requests=False), "add the request charge: $0.20 per million invocations."
        ),
        Mistake(
            lambda: _q1(megabytes_per_gb=1000),
            "Lambda counts 1,024 MB per GB: 2,048 MB is exactly 2 GB.",
        ),
    ),
    success="and the request charge is about a tenth of it.",
)

# --- q2: the memory size for a tighter target --------------------------------------------------------

Q2_TARGET_MS = 95.0


@lru_cache(maxsize=16)  # tuning over all 10,113 sizes takes seconds: do each variant once
def _q2_tuned(
    sizes: Any = None,
    target: float | None = Q2_TARGET_MS,
    strategy: str = "cost",
    tail: str = "p95_ms",
) -> Any:
    price = default_catalog().lambda_price("x86_64")
    every_size = range(price.memory_min_mb, price.memory_max_mb + 1, price.memory_increment_mb)
    return tune(
        MEDIAN,
        price,
        memory_sizes_mb=every_size if sizes is None else sizes,
        strategy=strategy,
        p95_target_ms=target,
        p95=_durations(tail),
    )


def _q2_row(**wrong: Any) -> Any:
    return _q2_tuned(**wrong).best


def _q2(**wrong: Any) -> float:
    return float(_q2_row(**wrong).memory_mb)


def _q2_smallest() -> Any:
    """The smallest size that meets the target (the cheapest only if no billed ms drops above it),
    from the rows of the answer's own tuning run."""
    return next(row for row in _q2_tuned().rows if row.meets_target)


def _q2_solution() -> str:
    best, listed, smallest = _q2_row(), _q2_row(sizes=DEFAULT_MEMORY_SIZES_MB), _q2_smallest()
    return (
        "A CPU-bound function's cost per invocation is memory × billed time, and in this "
        "duration model time falls more slowly than memory rises, so cost climbs with memory, "
        "except where the billed time drops a whole millisecond: Lambda bills whole ms, so the "
        "cost is a sawtooth. Lambda accepts any whole number of MB "
        "(`lambda_x86.memory_increment_mb` is 1), so try them all: `tune(ex.MEDIAN, "
        "lambda_x86, memory_sizes_mb=range(128, 10241), strategy='cost', "
        f"p95_target_ms={Q2_TARGET_MS:g}, p95=ex.P95).best` is {best.memory_mb:,} MB (p95 "
        f"{best.p95_ms:.2f} ms; median {best.duration_ms:.2f} ms, billed {best.billed_ms} "
        f"ms, ${best.cost_per_million_usd:.3f} per million). The default list's pick, "
        f"{listed.memory_mb:,} MB, is faster than the target needs ({listed.billed_ms} ms billed) and costs more: "
        f"${listed.cost_per_million_usd:.3f}. The smallest size that meets the target, "
        f"{smallest.memory_mb:,} MB, bills {smallest.billed_ms} ms and costs "
        f"${smallest.cost_per_million_usd:.3f}. The estimate rests on a model between two "
        "measured points, so measure the chosen size on Lambda."
    )


q2 = NumericExercise(
    name="q2",
    question=(
        f"The target tightens to a p95 of {Q2_TARGET_MS:g} ms. With `ex.MEDIAN` and `ex.P95` "
        "(the lesson's `median` and `p95` models, at 1 and 2 vCPUs) and the x86 price, which "
        "memory size (MB) meets it for the least cost per million invocations? Lambda accepts "
        "any whole number of MB from 128 to 10,240, not only the sizes `tune` tries by default."
    ),
    hint_text=(
        "Pass every size to `tune`: `memory_sizes_mb=range(128, 10241)`, with strategy='cost', "
        f"p95_target_ms={Q2_TARGET_MS:g} and p95=ex.P95, then read `.best.memory_mb`."
    ),
    solution_text=_q2_solution,
    expected=_q2,
    unit="MB",
    rel_tol=0.0,
    integer=True,
    mistakes=(
        Mistake(
            lambda: _q2(sizes=DEFAULT_MEMORY_SIZES_MB),
            "that is the cheapest of the default sizes; Lambda takes any whole MB, and a smaller "
            f"size also meets {Q2_TARGET_MS:g} ms for less.",
        ),
        Mistake(
            lambda: float(_q2_smallest().memory_mb),
            f"that is the smallest size that meets {Q2_TARGET_MS:g} ms, but Lambda bills whole "
            "milliseconds: a few MB more run just fast enough to bill one millisecond less, and "
            "cost less. Compare the costs, not only the sizes (strategy='cost').",
        ),
        Mistake(
            lambda: _q2(strategy="speed"),
            "that is the fastest size; it meets the target too, but you pay for CPU the target "
            "does not need. The cost strategy picks the cheapest size that meets it.",
        ),
        Mistake(
            lambda: _q2(target=None),
            f"that is the cheapest size overall, but it misses the {Q2_TARGET_MS:g} ms target: pick among the "
            "sizes that meet it.",
        ),
        Mistake(
            lambda: _q2(tail="p50_ms"),
            f"that size meets {Q2_TARGET_MS:g} ms on the median duration; the target is a p95, so "
            "check it on the p95 model: pass `p95=ex.P95` (the median model sets the bill).",
        ),
    ),
    success=(
        "the cheapest size is not on the default list, nor the smallest that meets the target: "
        "with whole-millisecond billing, tune over every size Lambda really accepts."
    ),
    design=True,
)

# --- q3: Graviton or x86? --------------------------------------------------------------------------


def _x86_pick() -> Any:
    """The lesson's pick: balanced strategy, default sizes, the scenario's 100 ms target."""
    return tune(
        MEDIAN,
        default_catalog().lambda_price("x86_64"),
        strategy="balanced",
        p95_target_ms=P95_LATENCY_TARGET_MS,
        p95=P95,
    ).best


def _q3(price_ratio: bool = True) -> float:
    """The longest whole-ms duration at which arm64 at the same memory costs no more per million
    invocations than the x86 pick (keyword arguments: the wrong turns)."""
    catalog = default_catalog()
    x86, arm = catalog.lambda_price("x86_64"), catalog.lambda_price("arm64")
    pick = _x86_pick()
    x86_cost = evaluate_size(pick.memory_mb, pick.duration_ms, x86).cost_per_million_usd
    if not price_ratio:  # "20% cheaper, so 20% slower"
        discount = 1 - arm.gb_second_tiers[0].price / x86.gb_second_tiers[0].price
        return float(int(pick.billed_ms * (1 + discount)))
    longest = 0
    for ms in range(1, 10 * pick.billed_ms):
        if evaluate_size(pick.memory_mb, ms, arm).cost_per_million_usd <= x86_cost + 1e-12:
            longest = ms
    return float(longest)


def _q3_solution() -> str:
    catalog = default_catalog()
    x86, arm = catalog.lambda_price("x86_64"), catalog.lambda_price("arm64")
    pick = _x86_pick()
    ratio = x86.gb_second_tiers[0].price / arm.gb_second_tiers[0].price
    return (
        f"Same memory, same request charge, so only the GB-s compare: arm64's GB-s costs "
        f"${arm.gb_second_tiers[0].price} against x86's ${x86.gb_second_tiers[0].price}, a "
        f"ratio of {ratio:.4f}. x86 bills {pick.billed_ms} ms, so arm64 may bill up to "
        f"{pick.billed_ms} × {ratio:.4f} = {pick.billed_ms * ratio:.2f} ms; billing is in whole "
        f"milliseconds, so any duration up to {_q3():.0f} ms costs no more. A 20% lower price "
        "buys 25% more time, not 20%. Then measure: if the int8 model runs within that on "
        "arm64 (and still meets the 100 ms p95), switch; if not, stay on x86."
    )


q3 = NumericExercise(
    name="q3",
    question=(
        "The lesson's tuned x86 function (the balanced pick: `result.best`) is billed at its "
        "memory size for its median duration. On arm64 (Graviton) at the same memory, what is the longest "
        "duration, in whole milliseconds, at which a million invocations still cost no more than "
        "on x86? Use `catalog.lambda_price('arm64')`."
    ),
    hint_text=(
        "Compare `evaluate_size(memory, ms, lambda_arm).cost_per_million_usd` with the x86 cost "
        "for growing whole `ms`, or scale x86's billed milliseconds by the GB-s price ratio."
    ),
    solution_text=_q3_solution,
    expected=_q3,
    unit="ms",
    rel_tol=0.0,
    integer=True,
    mistakes=(
        Mistake(
            lambda: _q3(price_ratio=False),
            "a 20% lower price does not mean 20% more time: cost is price × time, so the time "
            "can grow by 1 / 0.8, that is 25%.",
        ),
        Mistake(
            lambda: _q3() + 1,
            "one millisecond too many: billing rounds each invocation up, so that duration bills "
            "more than the x86 function costs.",
        ),
    ),
    success=(
        "now you know the number to beat: measure the function on arm64, and switch if it runs "
        "within that time and still meets the latency target."
    ),
    design=True,
)

# --- q4: how many cold starts can the budget take? --------------------------------------------------

Q4_BUDGET = 0.02  # the bill may grow by 2% over the all-warm month


def _q4(gateway: bool = True, percent: bool = True) -> float:
    """The largest cold-start share (in % of invocations) that keeps the scenario's monthly bill
    within ``Q4_BUDGET`` of the all-warm bill, at the lesson's pick and measured init time."""
    catalog = default_catalog()
    price = catalog.lambda_price("x86_64")
    pick = _x86_pick()
    init_ms = _benchmark()["cold_start"]["predictor_int8_optimized"]["median_s"] * 1000
    front = catalog.gateway("http") if gateway else None
    traffic = scenario_traffic()

    def bill(share: float) -> float:
        return monthly_cost_with_cold_starts(
            traffic, price, pick.memory_mb, pick.duration_ms, init_ms, share, gateway=front
        )

    allowed = bill(0.0) * (1 + Q4_BUDGET)
    low, high = 0.0, 1.0
    for _ in range(60):  # bisection: the bill grows with the share of cold starts
        middle = (low + high) / 2
        low, high = (middle, high) if bill(middle) <= allowed else (low, middle)
    return low * 100 if percent else low


def _q4_solution() -> str:
    pick = _x86_pick()
    init_ms = _benchmark()["cold_start"]["predictor_int8_optimized"]["median_s"] * 1000
    return (
        f"A cold invocation is billed for init plus work ({init_ms:.0f} + {pick.duration_ms:.0f} "
        "ms, rounded up once), a warm one for the work alone, so the bill grows in a straight "
        "line with the share of cold starts. Find the share where `monthly_cost_with_cold_starts("
        "traffic, lambda_x86, pick.memory_mb, pick.duration_ms, init_ms, share, gateway="
        "catalog.gateway('http'))` reaches 1.02 × its value at share 0 (bisect, or interpolate "
        f"the lesson's table): {_q4():.3f}%. The HTTP API's charge is in the bill, so it belongs "
        "in the 2% base too. The money allows far fewer cold starts than the latency does: "
        "above 5% they are in the p95."
    )


q4 = NumericExercise(
    name="q4",
    question=(
        "The scenario's month on Lambda (the lesson's pick, HTTP API in front) may cost at most "
        f"{Q4_BUDGET:.0%} more than a month with no cold starts at all. With the measured init "
        "time (`init_ms`), what is the largest share of invocations that may be cold starts, in "
        "percent (1.5 for 1.5%)?"
    ),
    hint_text=(
        "Compute the all-warm bill with `monthly_cost_with_cold_starts(..., 0.0, gateway=...)`, "
        "then find the share at which the bill is 2% higher: it grows linearly, so interpolate "
        "or bisect."
    ),
    solution_text=_q4_solution,
    expected=_q4,
    unit="% of invocations",
    rel_tol=0.01,
    mistakes=(
        Mistake(
            lambda: _q4(percent=False),
            "that is the share as a fraction; the question asks for percent (multiply by 100).",
        ),
        Mistake(
            lambda: _q4(gateway=False),
            "that leaves the HTTP API out of the bill; its charge is part of the month, so the "
            "2% allowance is 2% of the bill with it.",
        ),
    ),
    success=(
        "cold starts are cheap in money and expensive in latency: watch the init duration in "
        "the logs, and keep the init small."
    ),
)

# --- recap quiz ------------------------------------------------------------------------------------

quiz = Quiz(
    [
        ChoiceQuestion(
            name="r1",
            question=(
                "With the default limits, a client sends a well-formed request with 20 texts. "
                "What should the handler answer?"
            ),
            hint_text="Ask whose mistake it is, and whether the request is malformed or just too big.",
            solution_text=(
                "b: the request is valid JSON of the right shape, just over a size limit; 413 with "
                "a message naming the limit (16 texts) tells the client exactly what to change, "
                "and a 4xx says the fix is on the client's side."
            ),
            options={
                "a": Option(
                    "400, because the request breaks a rule",
                    "Close, but 400 means malformed; this request is well-formed and over a size "
                    "limit, which is what 413 says, with a message naming the limit.",
                ),
                "b": Option(
                    "413, with a message that names the limit",
                    "Right: 413 says the request is too large, and the message (16 texts per "
                    "request) tells the client how to split it.",
                ),
                "c": Option(
                    "500, and the stack trace, so the client can debug it",
                    "No: 5xx says the service failed, which it did not, and a stack trace leaks "
                    "internals; details belong in the log, with a request id to quote.",
                ),
            },
            answer="b",
        ),
        ChoiceQuestion(
            name="r2",
            question="Why does the handler load the model when the module is imported, not inside `handler()`?",
            hint_text="Count how often each part runs in one execution environment.",
            solution_text=(
                "a: the import runs once per execution environment (the init phase, on a cold "
                "start); every warm invocation then reuses the loaded model instead of paying "
                "for loading it again."
            ),
            options={
                "a": Option(
                    "The import runs once per execution environment, and warm invocations reuse the model",
                    "Right: loading is paid once per cold start, and every warm invocation after "
                    "it serves straight away.",
                ),
                "b": Option(
                    "Because the init phase is free",
                    "No: Lambda bills the init phase of on-demand functions too; loading once is "
                    "about not repeating it, not about it being free.",
                ),
                "c": Option(
                    "Because Lambda does not allow reading files inside the handler",
                    "No: a handler may read files; it would just re-read the model on every "
                    "invocation, adding its load time to each request.",
                ),
            },
            answer="a",
        ),
        ChoiceQuestion(
            name="r3",
            question=(
                "The function's zip is over the 50 MB direct-upload limit but under 250 MB "
                "unzipped. What is the fix?"
            ),
            hint_text="One of the two limits is about how the zip reaches Lambda, not about its size.",
            solution_text=(
                "c: the 50 MB limit is on uploading directly; a zip in S3 is only bound by the "
                "250 MB unzipped limit, so upload it to S3 and point the function at it (or "
                "build a container image)."
            ),
            options={
                "a": Option(
                    "Switch to torch + transformers, whose wheels compress better",
                    "No: that stack is several times larger installed and does not fit even the "
                    "250 MB unzipped limit.",
                ),
                "b": Option(
                    "Split the model across several functions",
                    "No: that adds network hops and complexity for a limit that only applies to "
                    "direct uploads; the package already fits unzipped.",
                ),
                "c": Option(
                    "Upload the zip to S3 and point the function at it, or build a container image",
                    "Right: the direct-upload limit does not apply to code in S3, and the "
                    "unzipped size fits; the deploy step does exactly this.",
                ),
            },
            answer="c",
        ),
        ChoiceQuestion(
            name="r4",
            question=(
                "A CPU-bound function moves from 1,769 MB to 3,538 MB (one vCPU to two) and its "
                "duration almost halves. What happens to its compute cost per invocation?"
            ),
            hint_text="Lambda bills memory × billed time (GB-s); multiply the two changes.",
            solution_text=(
                "b: twice the memory for a bit more than half the time is a little more GB-s: "
                "about the same cost, slightly higher when the second vCPU is not fully used, "
                "for a much shorter latency."
            ),
            options={
                "a": Option(
                    "It doubles, because the memory doubles",
                    "No: the time falls too; cost is memory × time, and halving one while "
                    "doubling the other leaves the product about where it was.",
                ),
                "b": Option(
                    "It stays about the same, a little higher if the second vCPU is not fully used",
                    "Right: GB-s = memory × time; with near-perfect scaling the product barely "
                    "moves, which is why more memory can be almost free speed.",
                ),
                "c": Option(
                    "It halves, because the function finishes in half the time",
                    "No: each millisecond now costs twice as much, since the price is per GB-s "
                    "and the memory doubled.",
                ),
            },
            answer="b",
        ),
        ChoiceQuestion(
            name="r5",
            question="The deploy's IAM role may only call `logs:CreateLogStream` and `logs:PutLogEvents`. Why so little?",
            hint_text="Think of what an attacker could do with the function's credentials.",
            solution_text=(
                "a: least privilege: the function only writes its own logs, so that is all its "
                "credentials allow; if the code or a dependency is compromised, that is all an "
                "attacker gets."
            ),
            options={
                "a": Option(
                    "Least privilege: the function only needs to write its logs, so that is all it may do",
                    "Right: a role with exactly what the code uses limits the damage of a "
                    "compromised function to writing log lines.",
                ),
                "b": Option(
                    "Lambda rejects roles with more permissions than that",
                    "No: Lambda accepts any role it may assume, however broad; keeping it narrow "
                    "is your decision, which is the point.",
                ),
                "c": Option(
                    "Each IAM permission adds to the monthly bill",
                    "No: IAM permissions cost nothing; the reason is security, not money.",
                ),
            },
            answer="a",
        ),
    ]
)
