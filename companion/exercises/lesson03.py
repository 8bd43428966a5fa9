"""Exercises for lesson 03: a real serverless inference function."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

from ..pricing import default_catalog
from ..serverless.app import InferenceApp
from ..serverless.events import http_api_event
from ..serverless.tuning import DurationModel, evaluate_size, tune
from .core import Mistake, NumericExercise

__all__ = ["DURATIONS", "q1", "q2", "q3"]

# --- q1: which status? ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Label:
    label: str = "POSITIVE"
    score: float = 1.0


class _Echo:
    def predict(self, texts: Sequence[str]) -> list[_Label]:
        return [_Label() for _ in texts]


def _q1() -> float:
    app = InferenceApp(predictor=_Echo(), log_stream=io.StringIO())
    return float(app.handle(http_api_event(json.dumps({"texts": ["fine"] * 20})))["statusCode"])


q1 = NumericExercise(
    name="q1",
    question="With the default limits, what HTTP status does the handler return for a request with 20 texts?",
    hint_text="Look at `Limits()` (max_texts), and at which status the handler uses for a request over a size limit.",
    solution_text=lambda: (
        f"`Limits().max_texts` is 16, so 20 texts is over a size limit: {_q1():.0f} (Content Too Large)."
    ),
    expected=_q1,
    unit="HTTP status",
    rel_tol=0.0,
    integer=True,
    mistakes=(
        Mistake(
            lambda: 400.0,
            "400 means the request is malformed; this one is well-formed but over a size limit, which is 413.",
        ),
        Mistake(
            lambda: 200.0, "16 texts per request is the default limit (MAX_TEXTS); 20 is over it."
        ),
        Mistake(
            lambda: 500.0,
            "5xx means the service failed; a request over a limit is the client's to fix: 4xx.",
        ),
    ),
    success="413: the request is fine, just too big; the message tells the client the limit.",
)

# --- q2: cost per million invocations ------------------------------------------------------------

Q2_MEMORY_MB = 2048
Q2_DURATION_MS = 61.3


def _q2(
    duration_ms: float = Q2_DURATION_MS, requests: bool = True, megabytes_per_gb: int = 1024
) -> float:
    price = default_catalog().lambda_price("x86_64")
    row = evaluate_size(Q2_MEMORY_MB, duration_ms, price)
    compute = row.compute_cost_usd * 1e6 * 1024 / megabytes_per_gb
    return compute + (row.request_cost_usd * 1e6 if requests else 0.0)


def _unrounded() -> float:
    price = default_catalog().lambda_price("x86_64")
    return (
        Q2_DURATION_MS / 1000 * Q2_MEMORY_MB / 1024 * price.gb_second_tiers[0].price * 1e6
        + price.request_price_per_million
    )


q2 = NumericExercise(
    name="q2",
    question="An x86 function with 2,048 MB runs 61.3 ms per invocation. What do one million invocations cost (compute + requests, no free tier)?",
    hint_text="Round the duration up to the next millisecond, multiply by the memory in GB (MB / 1024) and the GB-s price; add $0.20 per million requests.",
    solution_text=lambda: (
        f"`evaluate_size(2048, 61.3, catalog.lambda_price('x86_64')).cost_per_million_usd` = ${_q2():.4f}: 62 ms × 2 GB × $0.0000166667 × 1M + $0.20."
    ),
    expected=_q2,
    unit="USD per 1M invocations",
    rel_tol=0.001,
    mistakes=(
        Mistake(
            _unrounded,
            "Lambda bills each invocation rounded up to the next millisecond: 61.3 ms is billed as 62 ms.",
        ),
        Mistake(
            lambda: _q2(requests=False), "add the request charge: $0.20 per million invocations."
        ),
        Mistake(
            lambda: _q2(megabytes_per_gb=1000),
            "Lambda counts 1,024 MB per GB: 2,048 MB is exactly 2 GB.",
        ),
    ),
    success="and the request charge is about a tenth of it.",
)

# --- q3: power tuning ------------------------------------------------------------------------------

# Illustrative durations (p95, ms) of a request at 1 and 2 vCPUs.
DURATIONS = DurationModel({1.0: [118.0], 2.0: [66.0]})


def _q3(strategy: str = "cost", target: float | None = 100.0) -> float:
    return float(
        tune(
            DURATIONS,
            default_catalog().lambda_price("x86_64"),
            strategy=strategy,
            p95_target_ms=target,
        ).best.memory_mb
    )


q3 = NumericExercise(
    name="q3",
    question="With `ex.DURATIONS` and the x86 price, which memory size (MB) does the cost strategy pick among the default sizes, with a 100 ms p95 target?",
    hint_text="`tune(ex.DURATIONS, catalog.lambda_price('x86_64'), strategy='cost', p95_target_ms=100).best` — or compute a few sizes with `evaluate_size` and keep the cheapest that meets 100 ms.",
    solution_text=lambda: (
        f"`tune(..., strategy='cost', p95_target_ms=100).best.memory_mb` = {_q3():.0f} MB."
    ),
    expected=_q3,
    unit="MB",
    rel_tol=0.0,
    integer=True,
    mistakes=(
        Mistake(
            lambda: _q3(target=None),
            "that is the cheapest size overall, but it misses the 100 ms target; pick among the sizes that meet it.",
        ),
        Mistake(
            lambda: _q3(strategy="speed"),
            "that is the fastest size; the cost strategy picks the cheapest one that meets the target.",
        ),
    ),
    success="the cheapest size that meets the target is neither the smallest nor the fastest.",
)
