"""Benchmark: what the A/B router adds to each request (assignment, timing, recording).

    .venv/bin/python benchmarks/router_overhead.py

``ABRouter.route`` wraps a no-op predictor (it returns its input), so the time is the router's
own: for repeat users (assignment served from the per-user LRU cache), for new users (a cache
miss: GrowthBook hash v2 of every id, ``"user-<n>"`` with seven digits), and for anonymous users
(a random draw). ``assign()`` and ``VariantMetrics.record`` are also timed alone, and the bare
predictor call and an empty loop give the floor. Every case runs N calls per repeat, the cases
interleaved (rotated order) after a warm-up; the table shows the median over repeats of
``perf_counter_ns`` per call, loop included. Target: route() under 10 µs a request.
Writes companion/data/results/router_overhead.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from companion.experiments.assignment import Experiment, assign
from companion.experiments.metrics import VariantMetrics
from companion.experiments.router import ABRouter
from companion.optimize import save_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "companion" / "data" / "results" / "router_overhead.json"
TARGET_US = 10.0
TEXTS = ["the delivery was fast"]


class NoOp:
    """A predictor that costs (almost) nothing, so only the router is timed."""

    def predict(self, texts: Sequence[str]) -> Sequence[str]:
        return texts


def machine() -> dict[str, Any]:
    """The machine's description; companion.optimize's when psutil is installed."""
    try:
        from companion.optimize import machine_description

        return machine_description(packages=("numpy",))
    except ImportError:  # psutil missing: the essentials from the standard library
        from companion.optimize.cpu import instruction_sets  # needs only numpy

        return {
            "cpu_model": platform.processor() or platform.machine(),
            "instruction_sets": instruction_sets(),
            "logical_cores": os.cpu_count(),
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(),
            "packages": {"numpy": np.__version__},
            "date_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        }


def signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.2f}"


Case = tuple[str, Callable[[], int]]  # (kind: router, part or floor; a timer of N calls in ns)


class _Timers:
    """One timer per case: each runs ``calls`` calls and returns the nanoseconds they took,
    with only local names inside the timed loop."""

    def __init__(self, calls: int, repeats: int) -> None:
        self.calls = calls
        self.experiment = Experiment("lesson-05-int8-vs-fp32")
        self.noop = NoOp()
        repeat_ids = [f"user-{i:07d}" for i in range(1_000)]  # a small, hot population
        self.hits_ids = [repeat_ids[i % len(repeat_ids)] for i in range(calls)]
        noop = self.noop
        self.hits_router = ABRouter(self.experiment, {"control": noop, "candidate": noop})
        self.miss_router = ABRouter(self.experiment, {"control": noop, "candidate": noop})
        self.anonymous_router = ABRouter(self.experiment, {"control": noop, "candidate": noop})
        self.metrics = VariantMetrics("candidate")
        # Every "new user" id is used once in the whole run (warm-up included): always a miss.
        first = 1_000_000
        self.fresh = iter(f"user-{i:07d}" for i in range(first, first + (repeats + 1) * 2 * calls))

    def cases(self) -> dict[str, Case]:
        return {
            "route, repeat users (cache hit)": ("router", self.time_route_hits),
            "route, new users (cache miss: hash)": ("router", self.time_route_misses),
            "route, anonymous users (random draw)": ("router", self.time_route_anonymous),
            "assign() alone, new users": ("part", self.time_assign),
            "VariantMetrics.record alone": ("part", self.time_record),
            "no-op predictor call (floor)": ("floor", self.time_predictor),
            "empty loop (floor)": ("floor", self.time_empty_loop),
        }

    def new_ids(self) -> list[str]:
        return [next(self.fresh) for _ in range(self.calls)]

    def time_route_hits(self) -> int:
        route, ids = self.hits_router.route, self.hits_ids
        start = time.perf_counter_ns()
        for user_id in ids:
            route(user_id, TEXTS)
        return time.perf_counter_ns() - start

    def time_route_misses(self) -> int:
        route, ids = self.miss_router.route, self.new_ids()
        start = time.perf_counter_ns()
        for user_id in ids:
            route(user_id, TEXTS)
        return time.perf_counter_ns() - start

    def time_route_anonymous(self) -> int:
        route, ids = self.anonymous_router.route, [None] * self.calls
        start = time.perf_counter_ns()
        for user_id in ids:
            route(user_id, TEXTS)
        return time.perf_counter_ns() - start

    def time_assign(self) -> int:
        experiment, ids = self.experiment, self.new_ids()
        start = time.perf_counter_ns()
        for user_id in ids:
            assign(experiment, user_id)
        return time.perf_counter_ns() - start

    def time_record(self) -> int:
        record, latencies = self.metrics.record, [1.5] * self.calls
        start = time.perf_counter_ns()
        for latency in latencies:
            record(latency, False)
        return time.perf_counter_ns() - start

    def time_predictor(self) -> int:
        predict, ids = self.noop.predict, self.hits_ids
        start = time.perf_counter_ns()
        for _ in ids:
            predict(TEXTS)
        return time.perf_counter_ns() - start

    def time_empty_loop(self) -> int:
        ids = self.hits_ids
        start = time.perf_counter_ns()
        for _ in ids:
            pass
        return time.perf_counter_ns() - start


def measure(
    cases: dict[str, Case], calls: int, repeats: int
) -> tuple[dict[str, list[float]], float, float]:
    """µs per call of every case in every repeat, the cases interleaved (rotated order) after a
    warm-up; and the 1-minute load average before and after."""
    names = list(cases)
    for name in names:  # warm-up: fills the hit router's cache, grows the metrics buffer
        cases[name][1]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    load_before = os.getloadavg()[0]
    for repeat in range(repeats):
        order = names[repeat % len(names) :] + names[: repeat % len(names)]
        for name in order:
            samples[name].append(cases[name][1]() / calls / 1000)  # µs per call
    load_after = os.getloadavg()[0]
    return samples, load_before, load_after


def summarize(
    cases: dict[str, Case], samples: dict[str, list[float]], calls: int, repeats: int
) -> list[dict[str, Any]]:
    """One row per case: median, min and max µs per call, the router's cost over the bare
    predictor call, and whether it is under the target."""
    floor = statistics.median(samples["no-op predictor call (floor)"])
    rows = []
    for name, (kind, _) in cases.items():
        median = statistics.median(samples[name])
        rows.append(
            {
                "case": name,
                "kind": kind,
                "median_us": median,
                "min_us": min(samples[name]),
                "max_us": max(samples[name]),
                "overhead_us": median - floor if kind == "router" else None,
                "under_target": median < TARGET_US if kind != "floor" else None,
                "calls": calls,
                "repeats": repeats,
            }
        )
    return rows


def report(
    rows: list[dict[str, Any]], calls: int, repeats: int, load_before: float, load_after: float
) -> list[str]:
    """The Markdown table and its paragraph."""
    by = {r["case"]: r for r in rows}
    verdict = {True: "yes", False: "**no**", None: "–"}
    return [
        f"## A/B router overhead per request ({calls:,} calls × {repeats} interleaved repeats, median)",
        "",
        "| case | µs per call (median) | min – max | over the bare predictor call | under 10 µs |",
        "| --- | ---: | ---: | ---: | :---: |",
        *(
            f"| {r['case']} | {r['median_us']:.2f} | {r['min_us']:.2f} – {r['max_us']:.2f} "
            f"| {signed(r['overhead_us'])} "
            f"| {verdict[r['under_target']]} |"
            for r in rows
        ),
        "",
        f"route(): {by['route, repeat users (cache hit)']['median_us']:.2f} µs for repeat users, "
        f"{by['route, new users (cache miss: hash)']['median_us']:.2f} µs for new users "
        f"(target: under {TARGET_US:g} µs). Times include the Python loop (see the floor rows); "
        f"the spread (min – max) is the machine's speed drifting between repeats, which the "
        f"interleaving spreads over all cases alike. Load average (1 min) {load_before:.2f} "
        f"before, {load_after:.2f} after, on {os.cpu_count()} cores; "
        f"{platform.python_implementation()} {platform.python_version()}.",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20_000, help="calls per case per repeat")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    calls, repeats = args.calls, args.repeats

    timers = _Timers(calls, repeats)
    cases = timers.cases()
    samples, load_before, load_after = measure(cases, calls, repeats)
    rows = summarize(cases, samples, calls, repeats)
    lines = report(rows, calls, repeats, load_before, load_after)
    print("\n".join(lines))
    save_results(
        args.output,
        {
            "target_us": TARGET_US,
            "experiment": {
                "key": timers.experiment.key,
                "hash_version": timers.experiment.hash_version,
            },
            "cases": rows,
            "samples_us": samples,
            "load_average_1min": {"before": load_before, "after": load_after},
        },
        machine(),
    )
    args.output.with_suffix(".md").write_text("\n".join(lines) + "\n")
    route_rows = [r for r in rows if r["kind"] == "router"]
    return 0 if all(r["median_us"] < TARGET_US for r in route_rows) else 1


if __name__ == "__main__":
    sys.exit(main())
