"""Benchmark: PyTorch eager fp32 vs ONNX Runtime fp32 vs ONNX Runtime int8 on a DistilBERT-size
sentiment classifier, plus the padding effect, the machine's own int8/fp32 matrix-multiply
rates, and the serving predictor's cold start. Prints Markdown tables and writes
companion/data/results/optimize_distilbert.json.

    .venv/bin/python benchmarks/optimize_distilbert.py            # the full run (several minutes)
    .venv/bin/python benchmarks/optimize_distilbert.py --quick    # a smoke run, fewer repeats

The model has random weights (built offline from DistilBERT's config): speed does not depend on
the weight values. Variants are interleaved within each case (see companion.optimize.benchmark).
"""

from __future__ import annotations

import os

# Variants share one process and take turns. PyTorch's idle OpenMP threads busy-wait for work
# by default (up to ~200 ms), so an ONNX Runtime call right after a PyTorch one would share the
# two cores with spinning threads. Make OpenMP's idle threads sleep (set before torch loads).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from companion.optimize import (
    BenchmarkCase,
    build_offline_model,
    ensure_exported,
    load_classifier,
    machine_description,
    ort_session,
    run_benchmark,
    runtime_variants,
    sample_texts,
    save_results,
    summarize,
    token_batch,
)
from companion.optimize.benchmark import distilbert_forward_flops
from companion.optimize.offline_model import default_model_dir

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "companion" / "data" / "results" / "optimize_distilbert.json"

COLD_START = """
import sys
from companion.serving import OnnxSentimentPredictor
predictor = OnnxSentimentPredictor(sys.argv[1], onnx_file=sys.argv[2], threads=int(sys.argv[3]))
predictor.predict(["the delivery was fast and the support team was friendly"])
# VmHWM: this process's peak resident memory (getrusage's maxrss inherits the parent's peak).
print(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024)
"""
PIPELINE_START = """
import sys
from transformers import pipeline
classify = pipeline("sentiment-analysis", model=sys.argv[1], tokenizer=sys.argv[1], device=-1)
classify(["the delivery was fast and the support team was friendly"])
print(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024)
"""


def prepare(model_dir: Path) -> tuple[object, Path, Path]:
    fp32, int8 = ensure_exported(build_offline_model(model_dir, "base"))
    model, _ = load_classifier(model_dir)
    return model, fp32, int8


def matmul_rates(threads: int, repeats: int) -> dict[str, float]:
    """This machine's ONNX Runtime rate for the matrix products int8 and fp32 inference run:
    one feed-forward-sized product (2048 × 768 by 768 × 3072), in G(FL)OP/s."""
    import onnxruntime as ort
    from onnx import TensorProto, helper

    m, k, n = 16 * 128, 768, 3072
    rng = np.random.default_rng(0)
    rates = {}
    for kind in ("int8", "fp32"):
        if kind == "int8":
            a_type, b_type, out_type, op = (
                TensorProto.UINT8,
                TensorProto.INT8,
                TensorProto.INT32,
                "MatMulInteger",
            )
            feed = {
                "A": rng.integers(0, 255, (m, k), dtype=np.uint8),
                "B": rng.integers(-127, 127, (k, n), dtype=np.int8),
            }
        else:
            a_type, b_type, out_type, op = (
                TensorProto.FLOAT,
                TensorProto.FLOAT,
                TensorProto.FLOAT,
                "MatMul",
            )
            feed = {
                "A": rng.standard_normal((m, k), dtype=np.float32),
                "B": rng.standard_normal((k, n), dtype=np.float32),
            }
        graph = helper.make_graph(
            [helper.make_node(op, ["A", "B"], ["Y"])],
            f"{kind}-matmul",
            [
                helper.make_tensor_value_info("A", a_type, [m, k]),
                helper.make_tensor_value_info("B", b_type, [k, n]),
            ],
            [helper.make_tensor_value_info("Y", out_type, [m, n])],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.add_session_config_entry("session.force_spinning_stop", "1")
        sess = ort.InferenceSession(
            model.SerializeToString(), sess_options=options, providers=["CPUExecutionProvider"]
        )
        for _ in range(3):
            sess.run(None, feed)
        timings = []
        for _ in range(repeats):
            start = time.perf_counter()
            sess.run(None, feed)
            timings.append((time.perf_counter() - start) * 1000)
        stats = summarize(timings)
        rates[kind] = 2 * m * k * n / (stats.p50_ms / 1000) / 1e9
    return rates


def padding_effect(int8: Path, threads: int, repeats: int, progress: bool):  # type: ignore[no-untyped-def]
    """The same 16 review-length texts, padded to 128 tokens vs to the longest text."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(int8.parent / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=128)
    texts = sample_texts(16, seed=1, min_words=5, max_words=40)
    feeds = {}
    for name, length in (("pad-to-128", 128), ("pad-to-longest", None)):
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]", length=length)
        encoded = tokenizer.encode_batch(texts)
        feeds[name] = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
        }
    sess = ort_session(int8, threads)
    variants = {
        name: (lambda _batch, feed=feed: sess.run(["logits"], feed)) for name, feed in feeds.items()
    }
    frame = run_benchmark(
        variants,
        [BenchmarkCase(16, 128)],
        lambda case: feeds["pad-to-128"],
        warmup=2,
        repeats=repeats,
        progress=progress,
    )
    frame["padded_length"] = [feeds[v]["input_ids"].shape[1] for v in frame["variant"]]
    return frame


def thread_sweep(int8: Path, vocab: int, thread_counts: list[int], repeats: int, progress: bool):  # type: ignore[no-untyped-def]
    """int8 latency at batch 1 × 128 with 1, 2, ... intra-op threads (interleaved)."""

    def variant(threads: int):  # type: ignore[no-untyped-def]
        sess = ort_session(int8, threads)
        return lambda batch: sess.run(["logits"], batch)

    variants = {f"int8-{n}-thread{'s' if n > 1 else ''}": variant(n) for n in thread_counts}
    frame = run_benchmark(
        variants,
        [BenchmarkCase(1, 128)],
        lambda case: token_batch(case, vocab),
        warmup=3,
        repeats=repeats,
        progress=progress,
    )
    frame["threads"] = thread_counts
    return frame


def cold_start(script: str, args: list[str], runs: int) -> dict[str, float]:
    seconds, rss = [], []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        seconds.append(time.perf_counter() - start)
        rss.append(float(done.stdout.strip().splitlines()[-1]))
    return {"median_s": statistics.median(seconds), "max_rss_mb": max(rss), "runs": runs}


def ratio_table(frame) -> str:  # type: ignore[no-untyped-def]
    lines = [
        "| case | PyTorch fp32 p50 | ORT fp32 p50 | ORT int8 p50 | int8 p95 | int8 / PyTorch | int8 seq/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (batch, seq), rows in frame.groupby(["batch_size", "sequence_length"], sort=False):
        by = rows.set_index("variant")
        pt, fp, q = (
            by.loc["pytorch-eager-fp32"],
            by.loc["onnxruntime-fp32"],
            by.loc["onnxruntime-int8"],
        )
        lines.append(
            f"| {batch} × {seq} | {pt.p50_ms:.1f} ms | {fp.p50_ms:.1f} ms | {q.p50_ms:.1f} ms | "
            f"{q.p95_ms:.1f} ms | {q.p50_ms / pt.p50_ms:.2f}× | {q.sequences_per_s:.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=2, help="threads per variant (default: 2)")
    parser.add_argument(
        "--quick", action="store_true", help="few repeats: a smoke run, not a result"
    )
    parser.add_argument("--model-dir", type=Path, default=default_model_dir("base"))
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    if args.threads < 1:
        parser.error(f"--threads must be >= 1, got {args.threads}")
    progress = not args.no_progress
    small, large = (5, 2) if args.quick else (40, 10)

    model, fp32, int8 = prepare(args.model_dir)
    vocab = model.config.vocab_size  # type: ignore[attr-defined]
    variants = runtime_variants(model, fp32, int8, args.threads)
    latency = run_benchmark(
        variants, [BenchmarkCase(1, 16), BenchmarkCase(1, 64), BenchmarkCase(1, 128)],
        lambda case: token_batch(case, vocab), warmup=3, repeats=small, progress=progress,
    )  # fmt: skip
    throughput = run_benchmark(
        variants, [BenchmarkCase(16, 128)], lambda case: token_batch(case, vocab),
        warmup=1, repeats=large, progress=progress,
    )  # fmt: skip
    import pandas as pd

    results = pd.concat(
        [latency.assign(kind="latency"), throughput.assign(kind="throughput")], ignore_index=True
    )
    padding = padding_effect(int8, args.threads, small, progress)
    threads = thread_sweep(int8, vocab, sorted({1, args.threads}), small, progress)
    rates = matmul_rates(args.threads, small)
    starts = {
        "predictor_int8": cold_start(
            COLD_START,
            [str(args.model_dir), "model.int8.onnx", str(args.threads)],
            1 if args.quick else 5,
        ),
        "transformers_pipeline": cold_start(
            PIPELINE_START, [str(args.model_dir)], 1 if args.quick else 3
        ),
    }

    by = results.set_index(["variant", "batch_size", "sequence_length"])
    p50 = lambda v, b, s: by.loc[(v, b, s), "p50_ms"]  # noqa: E731
    flops = distilbert_forward_flops(128)
    int8_gops = (
        throughput.set_index("variant").loc["onnxruntime-int8", "sequences_per_s"] * flops / 1e9
    )
    targets = {
        "int8_p50_vs_pytorch_b1x128 <= 0.5": p50("onnxruntime-int8", 1, 128)
        / p50("pytorch-eager-fp32", 1, 128),
        "int8_p50_vs_pytorch_b1x16 <= 0.25": p50("onnxruntime-int8", 1, 16)
        / p50("pytorch-eager-fp32", 1, 16),
        "int8_b16x128_share_of_matmul_rate >= 0.75": int8_gops / rates["int8"],
        "int8_p95_b1x128_ms < 100": by.loc[("onnxruntime-int8", 1, 128), "p95_ms"],
        "predictor_cold_start_s < 1.5": starts["predictor_int8"]["median_s"],
        "predictor_peak_rss_mb < 250": starts["predictor_int8"]["max_rss_mb"],
    }
    limits = {k: (k.split()[-2], float(k.split()[-1])) for k in targets}
    verdicts = {
        k: bool(
            v <= limits[k][1]
            if limits[k][0] == "<="
            else v >= limits[k][1]
            if limits[k][0] == ">="
            else v < limits[k][1]
        )
        for k, v in targets.items()
    }

    machine = machine_description()
    print(
        f"\n## DistilBERT-size classifier, {args.threads} threads, {machine['cpu_model']} ({machine['date_utc']})\n"
    )
    print(ratio_table(results))
    pad = padding.set_index("variant")
    print(
        "\n| padding (16 texts, int8) | padded length | p50 | seq/s |\n| --- | ---: | ---: | ---: |"
    )
    for name in ("pad-to-128", "pad-to-longest"):
        print(
            f"| {name} | {pad.loc[name, 'padded_length']} | {pad.loc[name, 'p50_ms']:.1f} ms | {pad.loc[name, 'sequences_per_s']:.1f} |"
        )
    print("\n| int8, batch 1 × 128 | p50 | p95 |\n| --- | ---: | ---: |")
    for _, row in threads.iterrows():
        print(f"| {row['threads']} thread(s) | {row['p50_ms']:.1f} ms | {row['p95_ms']:.1f} ms |")
    print(
        f"\nONNX Runtime matmul rate: int8 {rates['int8']:.0f} GOP/s, fp32 {rates['fp32']:.0f} GFLOP/s; "
        f"int8 model at 16 × 128: {int8_gops:.0f} GOP/s ({flops / 1e9:.1f} GFLOP per sequence)"
    )
    print(
        f"cold start to first prediction: predictor {starts['predictor_int8']['median_s']:.2f} s, "
        f"{starts['predictor_int8']['max_rss_mb']:.0f} MB; transformers pipeline "
        f"{starts['transformers_pipeline']['median_s']:.2f} s, {starts['transformers_pipeline']['max_rss_mb']:.0f} MB\n"
    )
    print("| target | measured | met |\n| --- | ---: | --- |")
    for name, value in targets.items():
        print(f"| {name} | {value:.3g} | {'yes' if verdicts[name] else 'NO'} |")

    save_results(
        args.output,
        {
            "quick": args.quick,
            "threads": args.threads,
            "model": "DistilBERT-size sequence classifier, random weights, built offline from DistilBertConfig()",
            "forward_gflop_at_128": flops / 1e9,
            "runtimes": results,
            "padding": padding,
            "threads_sweep": threads,
            "matmul_rate_gops": rates,
            "cold_start": starts,
            "targets": {k: {"value": float(v), "met": verdicts[k]} for k, v in targets.items()},
        },
        machine,
    )
    print(
        f"\nwrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}"
    )
    return 0 if all(verdicts.values()) or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
