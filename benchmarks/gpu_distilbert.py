"""Benchmark: the DistilBERT-size classifier on a CUDA GPU, fp16 (and bf16 where supported):
batch-1 latency and batch throughput at 128 tokens, with CUDA-event timing after a warm-up.
Lesson 02 runs the same measurement (companion.optimize.gpu_benchmark) live when the learner
has a GPU; this script commits it for a machine, with the machine's description and the GPU's
catalog price.

    .venv/bin/python benchmarks/gpu_distilbert.py          # needs a CUDA GPU; about a minute

Writes companion/data/results/gpu_distilbert.{json,md}. On a machine without a GPU it says so
and writes nothing. The course's CI machines have no GPU.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from companion.optimize import (
    build_offline_model,
    cuda_available,
    gpu_benchmark,
    gpu_price_per_hour,
    load_classifier,
    machine_description,
    save_results,
)
from companion.pricing import default_catalog

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "companion" / "data" / "results" / "gpu_distilbert.json"
BATCH_SIZES = (1, 8, 64, 256, 512)


def main() -> int:
    if not cuda_available():
        print("no CUDA GPU on this machine: nothing measured, nothing written")
        return 1
    import torch

    with tempfile.TemporaryDirectory() as folder:
        model, _ = load_classifier(build_offline_model(folder, "base"))
    rows = [asdict(m) for m in gpu_benchmark(model, batch_sizes=BATCH_SIZES, precision="fp16")]
    if torch.cuda.is_bf16_supported():
        rows += [asdict(m) for m in gpu_benchmark(model, batch_sizes=BATCH_SIZES, precision="bf16")]
    device = rows[0]["device"]
    priced = gpu_price_per_hour(str(device), default_catalog())
    price = (
        {
            "instance": priced[1].name,
            "gpu_price_per_hour_usd": priced[0],
            "as_of": str(priced[1].as_of),
            "evidence": priced[1].evidence,
        }
        if priced
        else None
    )
    machine = {**machine_description(), "gpu": device, "cuda": torch.version.cuda}
    save_results(RESULTS, {"gpu": rows, "price": price}, machine)
    lines = ["| precision | batch | p50 ms | sequences/s |", "|---|---:|---:|---:|"]
    lines += [f"| {r['precision']} | {r['batch_size']} | {r['p50_ms']:.2f} | {r['sequences_per_second']:,.0f} |" for r in rows]  # fmt: skip
    text = f"{device} (CUDA {torch.version.cuda}), 128 tokens\n\n" + "\n".join(lines) + "\n"
    RESULTS.with_suffix(".md").write_text(text, "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
