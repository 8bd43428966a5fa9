"""Benchmark: what the Lambda handler adds over a bare predictor call, at batch 1 × 16 tokens.

    .venv/bin/python benchmarks/handler_overhead.py

Both variants use the same int8 DistilBERT-size predictor (2 threads); the handler variant goes
through the full path a Function URL request takes: event parsing, validation, inference,
response JSON and the structured log line (written to /dev/null). Variants are interleaved.
Writes companion/data/results/handler_overhead.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from companion.optimize import (
    build_offline_model,
    default_model_dir,
    ensure_exported,
    ensure_optimized,
    run_benchmark,
    save_results,
)
from companion.optimize.benchmark import BenchmarkCase
from companion.serverless.app import InferenceApp
from companion.serverless.events import function_url_event
from companion.serving import OnnxSentimentPredictor

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "companion" / "data" / "results" / "handler_overhead.json"
TEXT = "the delivery was fast and the support team answered every question quickly and politely"


def text_of_length(predictor: OnnxSentimentPredictor, tokens: int) -> str:
    """The longest prefix of TEXT (in words) that tokenizes to at most ``tokens`` tokens."""
    words = TEXT.split()
    for count in range(len(words), 0, -1):
        candidate = " ".join(words[:count])
        if predictor.encode([candidate])["input_ids"].shape[1] <= tokens:
            return candidate
    raise ValueError(f"no prefix of the sample text fits in {tokens} tokens")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=400)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=16, help="sequence length incl. [CLS]/[SEP]")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    model_dir = default_model_dir("base")
    ensure_exported(build_offline_model(model_dir, "base"))
    ensure_optimized(model_dir, isolated=True)  # SERVING_ONNX_FILE, which the predictor loads
    predictor = OnnxSentimentPredictor(model_dir, threads=args.threads)
    text = text_of_length(predictor, args.tokens)
    tokens = predictor.encode([text])["input_ids"].shape[1]
    with open(os.devnull, "w") as devnull:
        app = InferenceApp(predictor=predictor, model_version="bench", log_stream=devnull)
        event = function_url_event({"text": text})
        variants = {
            "bare predictor": lambda _batch: predictor.predict([text]),
            "handler (Function URL event)": lambda _batch: app.handle(event),
        }
        frame = run_benchmark(
            variants,
            [BenchmarkCase(1, tokens)],
            lambda case: {},
            warmup=20,
            repeats=args.repeats,
            progress=False,
        )
    by = frame.set_index("variant")
    bare, full = by.loc["bare predictor"], by.loc["handler (Function URL event)"]
    overhead_p50 = full.p50_ms / bare.p50_ms - 1
    overhead_mean = full.mean_ms / bare.mean_ms - 1
    lines = [
        f"## Handler overhead at batch 1 × {tokens} tokens ({args.threads} threads, {args.repeats} interleaved calls each)",
        "",
        "| variant | p50 | p95 | mean |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {name} | {row.p50_ms:.3f} ms | {row.p95_ms:.3f} ms | {row.mean_ms:.3f} ms |"
            for name, row in by.iterrows()
        ),
        "",
        f"overhead: {overhead_p50:+.2%} at p50, {overhead_mean:+.2%} on the mean (target: under 5%)",
    ]
    print("\n".join(lines))
    save_results(args.output, {"tokens": int(tokens), "threads": args.threads, "results": frame,
                               "overhead_p50": overhead_p50, "overhead_mean": overhead_mean})  # fmt: skip
    args.output.with_suffix(".md").write_text("\n".join(lines) + "\n")
    return 0 if max(overhead_p50, overhead_mean) < 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
