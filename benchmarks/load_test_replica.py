"""Benchmark: the requests per second one replica sustains at p95 ≤ 100 ms, with and without
micro-batching.

    .venv/bin/python benchmarks/load_test_replica.py

Starts `python -m companion serve` twice on 127.0.0.1 with the int8 DistilBERT-size model
(one ONNX Runtime thread each: a 1-CPU replica), then offers both the same ladder of request
rates (Poisson arrivals) with headless Locust, interleaved step by step; a variant leaves the ladder at
its first step that misses the target (p95, < 1 % failures, ≥ 90 % of the offered rate
delivered). Texts are review-like sentences of 4–60 words. The load generator runs on the same
machine, so on a 2-core box it takes CPU the server could have used: the figures are a floor.

Writes companion/data/results/load_test_replica.{json,md}; lesson 04 reads the JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from companion.loadtest import LoadTestResult, ServerProcess, StepResult, run_locust_step
from companion.optimize import (
    build_offline_model,
    default_model_dir,
    describe_instruction_sets,
    ensure_exported,
    ensure_optimized,
)
from companion.optimize.benchmark import machine_description
from companion.optimize.offline_model import sample_texts
from companion.serving import SERVING_ONNX_FILE

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "companion" / "data" / "results" / "load_test_replica.json"
P95_TARGET_MS = 100.0
VARIANTS: dict[str, dict[str, Any]] = {
    "one request per inference": {"threads": 1, "batch_wait_ms": 0.0},
    "micro-batching (≤ 8 texts, ≤ 10 ms)": {"threads": 1, "batch_max_texts": 8, "batch_wait_ms": 10.0},
}  # fmt: skip


def table(results: dict[str, LoadTestResult]) -> list[str]:
    lines = [
        "| variant | offered req/s | delivered req/s | p50 ms | p95 ms | p99 ms | failures | server CPU cores | meets target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, result in results.items():
        for step in result.steps:
            cores = "–" if step.server_cpu_cores is None else f"{step.server_cpu_cores:.2f}"
            ok = "yes" if step.meets(result.p95_target_ms) else "no"
            lines.append(
                f"| {name} | {step.offered_rps:g} | {step.achieved_rps:.1f} | {step.p50_ms:.0f} | "
                f"{step.p95_ms:.0f} | {step.p99_ms:.0f} | {step.failures} | {cores} | {ok} |"
            )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", default="2,4,6,8,10,12,14,16,18,20,24,28,32")
    parser.add_argument("--step-seconds", type=float, default=20.0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]

    model_dir = default_model_dir("base")
    ensure_exported(build_offline_model(model_dir, "base"))
    ensure_optimized(model_dir, isolated=True)  # SERVING_ONNX_FILE, which the predictor loads
    texts = sample_texts(200, seed=0)
    texts_file = args.output.with_suffix(".texts.tmp.json")
    texts_file.parent.mkdir(parents=True, exist_ok=True)
    texts_file.write_text(json.dumps(texts), "utf-8")
    steps: dict[str, list[StepResult]] = {name: [] for name in VARIANTS}
    try:
        servers = {name: ServerProcess(model_dir, **options) for name, options in VARIANTS.items()}
        for server in servers.values():
            server.__enter__()
        try:
            for rate in rates:
                active = [n for n in VARIANTS if not steps[n] or steps[n][-1].meets(P95_TARGET_MS)]
                if not active:
                    break
                for name in active:  # interleaved: each rate runs on every variant still climbing
                    server = servers[name]
                    step = run_locust_step(
                        server.url, rate, args.step_seconds, texts_file, server_pid=server.pid
                    )
                    steps[name].append(step)
                    print(f"{name}: {rate:g} req/s offered → {step.achieved_rps:.1f} delivered, "
                          f"p95 {step.p95_ms:.0f} ms, CPU {step.server_cpu_cores or 0:.2f}", flush=True)  # fmt: skip
        finally:
            for server in servers.values():
                server.__exit__()
    finally:
        texts_file.unlink(missing_ok=True)

    results = {
        name: LoadTestResult(
            tuple(steps[name]),
            P95_TARGET_MS,
            settings={
                **VARIANTS[name],
                "step_seconds": args.step_seconds,
                "texts": len(texts),
                "model": "DistilBERT-size fused int8 (offline build)",
                "onnx_file": SERVING_ONNX_FILE,
            },
        )
        for name in VARIANTS
    }
    machine = machine_description(("onnxruntime", "tokenizers", "starlette", "uvicorn", "locust"))
    document = {
        "machine": machine,
        "p95_target_ms": P95_TARGET_MS,
        "variants": {name: result.to_dict() for name, result in results.items()},
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    lines = [
        f"## One replica under load: sustained req/s at p95 ≤ {P95_TARGET_MS:g} ms",
        "",
        f"Machine: {machine['cpu_model']} ({describe_instruction_sets(machine['instruction_sets'])}), "
        f"{machine['logical_cores']} logical cores, "
        f"{machine['date_utc'][:10]}; load generator (Locust) on the same machine.",
        "",
        *table(results),
        "",
        *[
            f"- {name}: sustained {r.sustained_rps:.1f} req/s using {r.cpu_cores_at_sustained:.2f} CPU cores"
            if r.sustained_rps is not None and r.cpu_cores_at_sustained is not None
            else f"- {name}: no step met the target"
            for name, r in results.items()
        ],
    ]
    args.output.with_suffix(".md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
