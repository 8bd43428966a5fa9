"""Exercises for lesson 02: make the model cheap."""

from __future__ import annotations

from typing import Any

from ..optimize.benchmark import distilbert_forward_flops
from ..optimize.economics import cost_per_million_predictions, instance_speed_at_target
from ..pricing import default_catalog
from .core import FunctionExercise, Mistake, NumericExercise

__all__ = ["EXAMPLE_RESULTS", "q1", "q2", "q3", "q4"]

# --- q1: where the FLOPs go ---------------------------------------------------------------------

q1 = NumericExercise(
    name="q1",
    question="How many GFLOP does one DistilBERT-base forward pass over a 64-token text take?",
    hint_text=(
        "Count the linear layers (they grow with the length) and the two attention products "
        "(they grow with the length squared), or call `distilbert_forward_flops`."
    ),
    solution_text=lambda: (
        f"`distilbert_forward_flops(64) / 1e9` = {distilbert_forward_flops(64) / 1e9:.3f} GFLOP."
    ),
    expected=lambda: distilbert_forward_flops(64) / 1e9,
    unit="GFLOP",
    rel_tol=0.005,
    mistakes=(
        Mistake(
            lambda: distilbert_forward_flops(128) / 2 / 1e9,
            "halving the 128-token count assumes everything is linear in the length, but the "
            "attention products grow with its square.",
        ),
        Mistake(
            lambda: distilbert_forward_flops(64) / 2 / 1e9,
            "that counts multiply-adds; count the multiply and the add as two operations (FLOPs).",
        ),
    ),
    success="the linear layers dominate at this length; attention's share grows with longer texts.",
)

# --- q2: requests/s per instance at the latency target ---------------------------------------------


def _example_results() -> Any:
    import pandas as pd

    rows = [(1, 62.0, 66.0), (2, 88.0, 97.0), (4, 95.0, 120.0)]  # batch, p50, p95 (ms)
    return pd.DataFrame(
        [
            {"variant": "onnxruntime-int8", "batch_size": b, "sequence_length": 128,
             "p50_ms": p50, "p95_ms": p95, "mean_ms": p50, "sequences_per_s": b * 1000 / p50}
            for b, p50, p95 in rows
        ]
    )  # fmt: skip


EXAMPLE_RESULTS = _example_results()


def _q2(target_ms: float = 100.0, vcpus: int = 8, by: str = "p95_ms") -> float:
    results = EXAMPLE_RESULTS.assign(p95_ms=EXAMPLE_RESULTS[by])
    return instance_speed_at_target(
        results, "onnxruntime-int8", 128, target_ms, vcpus, 2
    ).requests_per_second


q2 = NumericExercise(
    name="q2",
    question=(
        "`ex.EXAMPLE_RESULTS` is a benchmark table measured with 2 threads. How many requests/s "
        "can one 8-vCPU instance serve with p95 under 100 ms, running 2-thread workers side by side?"
    ),
    hint_text=(
        "Keep the batch sizes whose p95 is under the target, take the best throughput among "
        "them, and multiply by the number of workers (vCPUs / threads per worker)."
    ),
    solution_text=lambda: (
        "`instance_speed_at_target(ex.EXAMPLE_RESULTS, 'onnxruntime-int8', 128, 100, vcpus=8, "
        f"threads_per_worker=2).requests_per_second` = {_q2():.1f} req/s (batch 2, 4 workers)."
    ),
    expected=_q2,
    unit="requests/s",
    rel_tol=0.01,
    mistakes=(
        Mistake(
            lambda: _q2(by="p50_ms"),
            "batch 4 misses the target: judge it by p95 (120 ms), not p50.",
        ),
        Mistake(
            lambda: _q2(vcpus=2),
            "that is one worker; an 8-vCPU instance runs four 2-thread workers.",
        ),
    ),
    success="batch 2 is the largest batch that keeps p95 under 100 ms.",
)

# --- q3: pad a batch to its longest text ----------------------------------------------------------


def _pad(
    token_lists: list[list[int]], pad_id: int = 0, width: int | None = None, mask: bool = True
) -> tuple[list[list[int]], list[list[int]]]:
    longest = width or max(len(t) for t in token_lists)
    ids = [t + [pad_id] * (longest - len(t)) for t in token_lists]
    masks = [[1] * len(t) + [0 if mask else 1] * (longest - len(t)) for t in token_lists]
    return ids, masks


q3 = FunctionExercise(
    name="q3",
    question=(
        "Write `pad_to_longest(token_lists, pad_id=0)` that returns `(input_ids, attention_mask)`: "
        "every list padded with `pad_id` to the longest list's length, and a mask with 1 for real "
        "tokens and 0 for padding."
    ),
    hint_text="Find the longest length once; each row gets `longest - len(row)` pads, and its mask as many zeros.",
    solution_text=(
        "```python\ndef pad_to_longest(token_lists, pad_id=0):\n    longest = max(len(t) for t in token_lists)\n"
        "    ids = [t + [pad_id] * (longest - len(t)) for t in token_lists]\n"
        "    mask = [[1] * len(t) + [0] * (longest - len(t)) for t in token_lists]\n    return ids, mask\n```"
    ),
    reference=_pad,
    cases=(([[2, 7, 3], [2, 3]],), ([[2, 3]],), ([[2, 5, 6, 7, 3], [2, 9, 3], [2, 3]], 0)),
    mistakes=(
        (
            lambda t, p=0: _pad(t, p, mask=False),
            "the mask must be 0 on padding, or attention reads the pads as words.",
        ),
        (
            lambda t, p=0: _pad(t, p, width=128),
            "that pads to a fixed 128: padding to the longest text in the batch is the point.",
        ),
    ),
    success="this is what the serving predictor's tokenizer does for every batch.",
)

# --- q4: cost per million predictions -------------------------------------------------------------

Q4_INSTANCE = "c7i.2xlarge"
Q4_FULL_LOAD_RPS = 60.0
Q4_UTILIZATION = 0.25


def _q4(utilization: float = Q4_UTILIZATION, per_second: bool = False) -> float:
    price = default_catalog().instance(Q4_INSTANCE).price_per_hour
    if per_second:
        return price / (Q4_FULL_LOAD_RPS * utilization) * 1e6
    return cost_per_million_predictions(price, Q4_FULL_LOAD_RPS, utilization)


q4 = NumericExercise(
    name="q4",
    question=(
        f"A {Q4_INSTANCE} can serve {Q4_FULL_LOAD_RPS:g} req/s at full load but is busy "
        f"{Q4_UTILIZATION:.0%} of the time on average. What does it cost per million predictions (USD)?"
    ),
    hint_text="Requests served per hour = req/s × 3,600 × utilization; divide the hourly price by it.",
    solution_text=lambda: (
        f"`cost_per_million_predictions(catalog.instance('{Q4_INSTANCE}').price_per_hour, 60, 0.25)` = ${_q4():.2f}."
    ),
    expected=_q4,
    unit="USD per 1M predictions",
    rel_tol=0.005,
    mistakes=(
        Mistake(
            lambda: _q4(utilization=1.0),
            "that is the full-load price; at 25% busy each prediction carries four times the idle cost.",
        ),
        Mistake(
            lambda: _q4(per_second=True),
            "the price is per hour: multiply the request rate by 3,600 first.",
        ),
    ),
    success="idle time, not compute, is most of the price of an always-on instance.",
)
