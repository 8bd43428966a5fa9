"""From measured speed to money: requests/s per instance at a latency target, and dollars.

These functions turn a benchmark's table into the inputs of lesson 01's cost models.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..costs import TrafficProfile, capacity_aware_cost, plan_fleet
from ..costs._validate import fraction, integer_at_least, positive
from ..pricing.catalog import InstancePrice

__all__ = [
    "InstanceSpeed",
    "cost_per_million_predictions",
    "instance_speed_at_target",
    "optimization_savings",
    "speeds_at_target",
]


@dataclass(frozen=True)
class InstanceSpeed:
    """What one instance sustains with a given runtime while meeting the latency target."""

    variant: str
    requests_per_second: float
    batch_size: int
    p95_ms: float
    workers: int


def instance_speed_at_target(
    results: Any,
    variant: str,
    sequence_length: int,
    p95_target_ms: float,
    vcpus: int,
    threads_per_worker: int,
) -> InstanceSpeed:
    """The best throughput among the benchmarked batch sizes whose p95 stays under the target,
    scaled to an instance running ``vcpus // threads_per_worker`` such workers side by side.

    ``results`` is :func:`~companion.optimize.benchmark.run_benchmark`'s table, measured with
    ``threads_per_worker`` threads. The p95 here is the batch's compute time; a server that
    waits to fill a batch adds that wait to every request's latency.
    """
    positive(p95_target_ms, "p95_target_ms", "milliseconds")
    integer_at_least(vcpus, "vcpus", 1)
    integer_at_least(threads_per_worker, "threads_per_worker", 1)
    rows = results[
        (results["variant"] == variant) & (results["sequence_length"] == sequence_length)
    ]
    if rows.empty:
        known = sorted(set(zip(results["variant"], results["sequence_length"], strict=True)))
        raise LookupError(f"no results for {variant!r} at {sequence_length} tokens; have {known}")
    fast_enough = rows[rows["p95_ms"] < p95_target_ms]
    if fast_enough.empty:
        best = rows.loc[rows["p95_ms"].idxmin()]
        raise ValueError(
            f"{variant} cannot meet a {p95_target_ms:g} ms p95 at {sequence_length} tokens: its "
            f"best p95 is {best['p95_ms']:.0f} ms (batch {int(best['batch_size'])})"
        )
    best = fast_enough.loc[fast_enough["sequences_per_s"].idxmax()]
    workers = max(1, vcpus // threads_per_worker)
    return InstanceSpeed(
        variant=variant,
        requests_per_second=float(best["sequences_per_s"]) * workers,
        batch_size=int(best["batch_size"]),
        p95_ms=float(best["p95_ms"]),
        workers=workers,
    )


def speeds_at_target(
    results: Any, p95_target_ms: float, vcpus: int, threads_per_worker: int
) -> Any:
    """:func:`instance_speed_at_target` for every (variant, sequence length) in ``results``: a
    DataFrame with ``requests_per_s`` (NaN where the variant cannot meet the target)."""
    import pandas as pd

    rows = []
    for (variant, length), _ in results.groupby(["variant", "sequence_length"], sort=False):
        try:
            speed = instance_speed_at_target(
                results, variant, length, p95_target_ms, vcpus, threads_per_worker
            )
            rps, batch = speed.requests_per_second, speed.batch_size
        except ValueError:
            rps, batch = math.nan, None
        rows.append(
            {"variant": variant, "sequence_length": int(length), "requests_per_s": rps,
             "batch_size": batch, "meets_target": not math.isnan(rps)}
        )  # fmt: skip
    return pd.DataFrame(rows)


def cost_per_million_predictions(
    price_per_hour_usd: float, requests_per_second: float, utilization: float = 1.0
) -> float:
    """USD per 1M predictions for a machine that could serve ``requests_per_second`` and is
    busy ``utilization`` of the time (an idle machine still bills by the hour)."""
    positive(price_per_hour_usd, "price_per_hour_usd", "USD per hour")
    positive(requests_per_second, "requests_per_second", "requests/s at full load")
    fraction(utilization, "utilization", allow_zero=False)
    served_per_hour = requests_per_second * 3600.0 * utilization
    return price_per_hour_usd / served_per_hour * 1e6


def optimization_savings(
    traffic: TrafficProfile,
    instance: InstancePrice,
    speeds: Mapping[str, float],
    target_utilization: float = 0.7,
    min_instances: int = 2,
) -> Any:
    """For each runtime's requests/s per instance: the fleet lesson 01 would size, its monthly
    cost, and the saving against the first (baseline) entry. A DataFrame, baseline first."""
    import pandas as pd

    if not speeds:
        raise ValueError("speeds is empty: give at least a baseline")
    rows = []
    baseline_cost: float | None = None
    for name, rps in speeds.items():
        estimate = capacity_aware_cost(traffic, instance, rps, target_utilization, min_instances)
        plan = plan_fleet(traffic, rps, target_utilization, min_instances)
        cost = estimate.monthly_cost_usd
        baseline_cost = cost if baseline_cost is None else baseline_cost
        rows.append(
            {
                "variant": name,
                "requests_per_s_per_instance": rps,
                "instances": plan.instances,
                "monthly_cost_usd": cost,
                "saving_vs_baseline_usd": baseline_cost - cost,
                "cost_per_1M_at_full_load_usd": cost_per_million_predictions(
                    instance.price_per_hour, rps
                ),
            }
        )
    frame = pd.DataFrame(rows)
    if math.isclose(frame["monthly_cost_usd"].iloc[0], 0.0):
        raise ValueError("baseline monthly cost is zero")
    return frame
