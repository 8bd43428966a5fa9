"""Benchmark: how long the HPA simulator takes for 1, 7 and 30 days of traffic.

    .venv/bin/python benchmarks/hpa_simulator.py

Traffic: the scenario's day (1,000 req/s 09-17, 50 req/s at night, 30-minute ramps) with 10 %
seeded noise; 100 req/s pods, HPA 2-30 pods at 70 % CPU, default behavior, 15 s syncs. Cases
are interleaved after a warm-up; each time covers one whole ``simulate_hpa`` call (controller
loop plus building the result DataFrame). Writes companion/data/results/hpa_simulator.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from companion.autoscaling import (
    HPAConfig,
    ReplicaModel,
    day_night_series,
    simulate_hpa,
    with_noise,
)
from companion.optimize import save_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "companion" / "data" / "results" / "hpa_simulator.json"
CASES = ((1, 15), (7, 15), (30, 15), (30, 5))  # (days, step_seconds)


def machine() -> dict[str, Any]:
    """The machine's description; companion.optimize's when its extras are installed."""
    try:
        from companion.optimize import machine_description

        return machine_description(packages=("numpy", "pandas"))
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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    replica = ReplicaModel(capacity_rps=100, price_per_hour_usd=0.10, startup_seconds=60)
    hpa = HPAConfig(min_replicas=2, max_replicas=30, target_utilization_percent=70)
    series = {
        case: with_noise(
            day_night_series(case[0], ramp_seconds=1800, step_seconds=case[1]), cv=0.1, seed=0
        )
        for case in CASES
    }
    for case in CASES:  # warm-up
        simulate_hpa(series[case][: 86_400 // case[1]], replica, hpa, step_seconds=case[1])
    times: dict[tuple[int, int], list[float]] = {case: [] for case in CASES}
    cpu_times: dict[tuple[int, int], list[float]] = {case: [] for case in CASES}
    load_before = os.getloadavg()[0]
    summaries: dict[tuple[int, int], dict[str, Any]] = {}
    for _ in range(args.repeats):
        for case in CASES:
            start, cpu_start = time.perf_counter(), time.process_time()
            result = simulate_hpa(series[case], replica, hpa, step_seconds=case[1])
            times[case].append(time.perf_counter() - start)
            cpu_times[case].append(time.process_time() - cpu_start)
            summaries[case] = result.summary()

    load_after = os.getloadavg()[0]
    rows = []
    for (days, step), seconds in times.items():
        steps = len(series[(days, step)])
        median = statistics.median(seconds)
        rows.append(
            {
                "days": days,
                "step_seconds": step,
                "steps": steps,
                "syncs": days * 86_400 // hpa.sync_period_seconds,
                "median_s": median,
                "min_s": min(seconds),
                "max_s": max(seconds),
                "cpu_median_s": statistics.median(cpu_times[(days, step)]),
                "us_per_step": median / steps * 1e6,
                "repeats": len(seconds),
                "monthly_cost_usd": summaries[(days, step)]["monthly_cost_usd"],
                "over_capacity_percent": summaries[(days, step)]["over_capacity_percent"],
            }
        )
    lines = [
        f"## HPA simulator speed ({args.repeats} interleaved runs a case, median)",
        "",
        "| days simulated | step | steps | syncs | seconds (median) | min – max | CPU seconds | µs per step |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {r['days']} | {r['step_seconds']} s | {r['steps']:,} | {r['syncs']:,} "
            f"| {r['median_s']:.3f} | {r['min_s']:.3f} – {r['max_s']:.3f} "
            f"| {r['cpu_median_s']:.3f} | {r['us_per_step']:.2f} |"
            for r in rows
        ),
        "",
        f"30 days at 15 s steps: {rows[2]['median_s']:.3f} s (target: well under 1 s). "
        f"Load average (1 min) {load_before:.2f} before, {load_after:.2f} after, "
        f"on {os.cpu_count()} cores.",
    ]
    print("\n".join(lines))
    save_results(
        args.output,
        {
            "cases": rows,
            "repeats": args.repeats,
            "load_average_1min": {"before": load_before, "after": load_after},
        },
        machine(),
    )
    args.output.with_suffix(".md").write_text("\n".join(lines) + "\n")
    return 0 if rows[2]["median_s"] < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
