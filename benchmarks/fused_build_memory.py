"""Peak memory of building the fused int8 model (``companion.optimize.optimize_steps``), each
step in a process of its own and all three in one, for DistilBERT-base built offline: the
figures behind ``companion.optimize.OPTIMIZE_MEMORY_MB`` and the lessons' Binder path.

    .venv/bin/python benchmarks/fused_build_memory.py

Peaks are each child process's own VmHWM (``run_isolated``). Writes
companion/data/results/fused_build_memory.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from companion.optimize import (
    OPTIMIZE_MEMORY_MB,
    build_offline_model,
    ensure_optimized,
    optimize_steps,
    run_isolated,
)
from companion.optimize.benchmark import machine_description

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "companion" / "data" / "results" / "fused_build_memory.json"


def _fresh(source: Path, scratch: Path, name: str) -> Path:
    folder = scratch / name
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("*.onnx", "*.onnx.data"))
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fused-build-") as scratch:
        base = build_offline_model(Path(scratch) / "base", "base")
        steps_mb = optimize_steps(_fresh(base, Path(scratch), "steps"))
        one_process_mb = run_isolated(ensure_optimized, _fresh(base, Path(scratch), "one"))
    document = {
        "machine": machine_description(("onnxruntime", "onnx", "torch", "transformers")),
        "model": "DistilBERT-base (offline build)",
        "steps_mb": {name: round(mb, 1) for name, mb in steps_mb.items()},
        "one_process_mb": round(one_process_mb, 1),
        "optimize_memory_mb": OPTIMIZE_MEMORY_MB,
        "largest_step_mb": round(max(steps_mb.values()), 1),
    }
    lines = [
        "## Building the fused int8 model: peak memory per process",
        "",
        "| build | peak MB |",
        "| --- | ---: |",
        *(f"| step: {name} (own process) | {mb:,.0f} |" for name, mb in steps_mb.items()),
        f"| all three steps in one process | {one_process_mb:,.0f} |",
        "",
        f"`OPTIMIZE_MEMORY_MB` = {OPTIMIZE_MEMORY_MB:,}: the largest step plus a notebook kernel.",
    ]
    print("\n".join(lines))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    args.output.with_suffix(".md").write_text("\n".join(lines) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
