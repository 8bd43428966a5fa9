"""Benchmark: PyTorch eager fp32, ONNX Runtime fp32/int8 (default export and fused graph) and
OpenVINO fp32 / NNCF int8 on a DistilBERT-size sentiment classifier, plus the int8
quantization methods, the machine's own int8/fp32 matrix-multiply rates and each variant's
share of them, where the int8 model's time goes (ONNX Runtime's profiler), the padding effect
and the serving predictor's cold start. Prints Markdown tables and writes
companion/data/results/optimize_distilbert.{json,md}.

    .venv/bin/python benchmarks/optimize_distilbert.py            # the full run (~7 min quiet, 2 vCPUs)
    .venv/bin/python benchmarks/optimize_distilbert.py --quick    # a smoke run, fewer repeats

The model has random weights (built offline from DistilBERT's config): speed does not depend on
the weight values. Variants are interleaved within each case (see companion.optimize.benchmark).
OpenVINO variants need the optional extra (openvino, nncf); without it they are left out and
the result says so.
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
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from companion.optimize import (
    DEFAULT_INT8_METHOD,
    BenchmarkCase,
    build_offline_model,
    calibration_batches,
    check_agreement,
    describe_instruction_sets,
    ensure_exported,
    ensure_openvino_int8,
    ensure_optimized,
    load_classifier,
    machine_description,
    openvino_available,
    operator_counts,
    operator_profile,
    optimized_variants,
    ort_session,
    quantize_optimized,
    run_benchmark,
    runtime_variants,
    sample_texts,
    save_results,
    token_batch,
)
from companion.optimize.benchmark import distilbert_forward_flops
from companion.optimize.fusion import INT8_METHODS
from companion.optimize.offline_model import default_model_dir
from companion.optimize.runtimes import OPTIMIZED_VARIANTS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "companion" / "data" / "results" / "optimize_distilbert.json"
PACKAGES = ("numpy", "onnxruntime", "tokenizers", "torch", "transformers", "openvino", "nncf")
LATENCY_CASES = (BenchmarkCase(1, 16), BenchmarkCase(1, 64), BenchmarkCase(1, 128))
THROUGHPUT_CASE = BenchmarkCase(16, 128)
# The issue's cases for "int8 within 1.25× of OpenVINO + NNCF".
PEER_CASES = (BenchmarkCase(1, 16), BenchmarkCase(1, 128), BenchmarkCase(16, 128))
# max |Δlogit| against PyTorch over 64 texts (lesson 02's agreement check)
TOLERANCES = {
    "onnxruntime-fp32": 1e-4,
    "onnxruntime-int8": 0.05,
    "onnxruntime-fp32-optimized": 1e-4,
    "onnxruntime-int8-optimized": 0.05,
    "openvino-fp32": 1e-4,
    "openvino-int8-nncf": 0.05,
}
# DistilBERT-base's linear layers per encoder layer: (in, out, how many) — Q, K, V and the
# attention output projection, then the two feed-forward layers.
LINEAR_SHAPES = ((768, 768, 4), (768, 3072, 1), (3072, 768, 1))

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


def prepare(model_dir: Path, with_openvino: bool) -> tuple[Any, dict[str, Path]]:
    """Build (or reuse) every model file; returns the PyTorch model and variant -> file."""
    folder = build_offline_model(model_dir, "base")
    fp32, int8 = ensure_exported(folder, isolated=True)
    fused_fp32, fused_int8 = ensure_optimized(folder, isolated=True)
    files = {
        "onnxruntime-fp32": fp32,
        "onnxruntime-int8": int8,
        "onnxruntime-fp32-optimized": fused_fp32,
        "onnxruntime-int8-optimized": fused_int8,
    }
    if with_openvino:
        files["openvino-fp32"] = fp32
        files["openvino-int8-nncf"] = ensure_openvino_int8(folder, isolated=True)
    model, _ = load_classifier(folder)
    return model, files


def logits_of(output: Any) -> np.ndarray:
    """The logits a variant returned: ORT gives a list of outputs, PyTorch a tensor."""
    if isinstance(output, list):
        return np.asarray(output[0])
    if hasattr(output, "numpy"):
        return np.asarray(output.numpy())
    return np.asarray(output)


def agreement_feed(tokenizer: Any) -> dict[str, np.ndarray]:
    """Lesson 02's 64 agreement texts, padded to the longest."""
    encoded = tokenizer(
        sample_texts(64, seed=7), padding=True, truncation=True, return_tensors="np"
    )
    return {name: encoded[name].astype(np.int64) for name in ("input_ids", "attention_mask")}


def agreement(
    candidates: dict[str, Callable[[dict[str, np.ndarray]], Any]],
    feed: dict[str, np.ndarray],
    reference: np.ndarray,
    tolerances: dict[str, float],
) -> list[dict[str, Any]]:
    """Each candidate's logits on ``feed`` against PyTorch's (``reference``); never raises."""
    logits = {name: logits_of(run(feed)) for name, run in candidates.items()}
    reports = check_agreement(reference, logits, tolerances, raise_on_failure=False)
    return [{**asdict(r), "passed": r.passed} for r in reports]


def int8_methods(
    fused_fp32: Path, folder: Path, scratch: Path, feed: dict[str, np.ndarray],
    reference: np.ndarray, vocab: int, threads: int, repeats: int, progress: bool,
) -> tuple[Any, list[dict[str, Any]], str]:  # fmt: skip
    """Quantize the fused graph by each method, check each one's agreement, time them
    interleaved at 1 × 128 and 16 × 128; returns (timings, agreement, fastest that agrees)."""
    calibration = calibration_batches(folder / "tokenizer.json", sample_texts(32, seed=11))
    files = {
        method: quantize_optimized(fused_fp32, scratch / f"int8-{method}.onnx", method, calibration)
        for method in INT8_METHODS
    }
    sessions = {method: ort_session(path, threads) for method, path in files.items()}
    variants = {m: (lambda b, s=s: s.run(["logits"], b)) for m, s in sessions.items()}
    tolerance = TOLERANCES["onnxruntime-int8-optimized"]
    records = agreement(variants, feed, reference, dict.fromkeys(variants, tolerance))
    for record in records:
        path = files[record["candidate"]]
        record.update(file_mb=path.stat().st_size / 1e6, operators=operator_counts(path))
    frame = run_benchmark(
        variants, [BenchmarkCase(1, 128), THROUGHPUT_CASE],
        lambda case: token_batch(case, vocab),
        warmup=1, repeats=repeats, progress=progress,
    )  # fmt: skip
    passed = {r["candidate"] for r in records if r["passed"]}
    # Fastest: the smallest geometric mean of p50 over the two cases, among those that agree.
    score = frame.groupby("variant")["p50_ms"].apply(lambda s: float(np.exp(np.log(s).mean())))
    ranked = [m for m in score.sort_values().index if m in passed]
    for record in records:
        record["p50_geometric_mean_ms"] = float(score[record["candidate"]])
    return frame, records, ranked[0] if ranked else "none"


def matmul_variants(
    threads: int, tokens: int = THROUGHPUT_CASE.batch_size * THROUGHPUT_CASE.sequence_length,
    layers: int = 6,
) -> tuple[dict[str, Callable[[Any], Any]], float]:  # fmt: skip
    """The model's matrix products alone, as two more variants ("matmul-int8": ONNX Runtime's
    MatMulInteger, uint8 × int8; "matmul-fp32": MatMul), so they take turns with the model at
    16 × 128 and see the same machine: each call runs one encoder layer's linear layers
    (``LINEAR_SHAPES``, weights constant as in the model, ``tokens`` rows) ``layers`` times.
    Returns the variants (they ignore the batch) and the operations of one call."""
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    kinds = {
        "int8": (TensorProto.UINT8, "MatMulInteger", TensorProto.INT32),
        "fp32": (TensorProto.FLOAT, "MatMul", TensorProto.FLOAT),
    }
    variants: dict[str, Callable[[Any], Any]] = {}
    for kind, (activation_type, op, output_type) in kinds.items():
        nodes, weights, outputs, feed = [], [], [], {}
        for index, (k, n, count) in enumerate(LINEAR_SHAPES):
            if f"A{k}" not in feed:
                feed[f"A{k}"] = (
                    rng.integers(0, 255, (tokens, k), dtype=np.uint8)
                    if kind == "int8"
                    else rng.standard_normal((tokens, k), dtype=np.float32)
                )
            w = (
                rng.integers(-127, 127, (k, n), dtype=np.int8)
                if kind == "int8"
                else rng.standard_normal((k, n), dtype=np.float32)
            )
            weights.append(numpy_helper.from_array(w, f"W{index}"))
            for copy in range(count):
                name = f"Y{index}_{copy}"
                nodes.append(helper.make_node(op, [f"A{k}", f"W{index}"], [name]))
                outputs.append(helper.make_tensor_value_info(name, output_type, [tokens, n]))
        inputs = [helper.make_tensor_value_info(name, activation_type, list(value.shape))
                  for name, value in feed.items()]  # fmt: skip
        graph = helper.make_graph(nodes, f"{kind}-linear-layers", inputs, outputs, weights)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        session = ort_session_from_bytes(model.SerializeToString(), threads, ort)
        variants[f"matmul-{kind}"] = (
            lambda _batch, session=session, feed=feed: [session.run(None, feed) for _ in range(layers)]
        )  # fmt: skip
    ops = layers * sum(count * 2 * tokens * k * n for k, n, count in LINEAR_SHAPES)
    return variants, float(ops)


def ort_session_from_bytes(model: bytes, threads: int, ort: Any) -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.force_spinning_stop", "1")
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])


def padding_effect(int8: Path, threads: int, repeats: int, progress: bool) -> Any:
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
        variants, [BenchmarkCase(16, 128)], lambda case: feeds["pad-to-128"],
        warmup=2, repeats=repeats, progress=progress,
    )  # fmt: skip
    frame["padded_length"] = [feeds[v]["input_ids"].shape[1] for v in frame["variant"]]
    return frame


def thread_sweep(
    int8: Path, vocab: int, thread_counts: list[int], repeats: int, progress: bool
) -> Any:
    """int8 latency at batch 1 × 128 with 1, 2, ... intra-op threads (interleaved)."""

    def variant(threads: int) -> Callable[[dict[str, np.ndarray]], Any]:
        sess = ort_session(int8, threads)
        return lambda batch: sess.run(["logits"], batch)

    variants = {f"int8-{n}-thread{'s' if n > 1 else ''}": variant(n) for n in thread_counts}
    frame = run_benchmark(
        variants, [BenchmarkCase(1, 128)], lambda case: token_batch(case, vocab),
        warmup=3, repeats=repeats, progress=progress,
    )  # fmt: skip
    frame["threads"] = thread_counts
    return frame


def cold_start(script: str, args: list[str], runs: int) -> dict[str, float]:
    seconds, rss = [], []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        seconds.append(time.perf_counter() - start)
        rss.append(float(done.stdout.strip().splitlines()[-1]))
    return {"median_s": statistics.median(seconds), "max_rss_mb": max(rss), "runs": runs}


def installed_mb(*distributions: str) -> float | None:
    """Installed size (the files each distribution's RECORD lists) in MB; None if missing."""
    total = 0
    for name in distributions:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            return None
        for file in dist.files or []:
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def shares_of_matmul_rate(throughput: Any, rates: dict[str, Any], flops: float) -> dict[str, Any]:
    """Each variant's rate at 16 × 128 (G(FL)OP/s of the model's matrix products) and its share
    of the machine's int8 rate (int8 variants) or fp32 rate (the others)."""
    shares = {}
    for row in throughput.to_dict(orient="records"):
        kind = "int8" if "int8" in row["variant"] else "fp32"
        achieved = row["sequences_per_s"] * flops / 1e9
        shares[row["variant"]] = {"gops": achieved, "of": f"{kind} matmul rate",
                                  "share": achieved / rates[kind]}  # fmt: skip
    return shares


def ratio_table(frame: Any) -> str:
    columns = [v for v in ("pytorch-eager-fp32", "onnxruntime-fp32", "onnxruntime-int8",
               *OPTIMIZED_VARIANTS) if v in set(frame["variant"])]  # fmt: skip
    short = {"pytorch-eager-fp32": "PyTorch fp32", "onnxruntime-fp32": "ORT fp32",
             "onnxruntime-int8": "ORT int8", "onnxruntime-fp32-optimized": "ORT fp32 fused",
             "onnxruntime-int8-optimized": "ORT int8 fused", "openvino-fp32": "OpenVINO fp32",
             "openvino-int8-nncf": "OpenVINO+NNCF int8"}  # fmt: skip
    lines = [
        "| case | " + " | ".join(f"{short[c]} p50" for c in columns) + " | fused int8 / PyTorch |",
        "| --- |" + " ---: |" * (len(columns) + 1),
    ]
    for (batch, seq), rows in frame.groupby(["batch_size", "sequence_length"], sort=False):
        by = rows.set_index("variant")
        cells = " | ".join(f"{by.loc[c, 'p50_ms']:.1f} ms" for c in columns)
        ratio = (
            by.loc["onnxruntime-int8-optimized", "p50_ms"] / by.loc["pytorch-eager-fp32", "p50_ms"]
        )
        lines.append(f"| {batch} × {seq} | {cells} | {ratio:.2f}× |")
    return "\n".join(lines)


def targets_of(
    results: Any, shares: dict[str, Any], starts: dict[str, Any], agreed: list[dict[str, Any]]
) -> dict[str, float]:
    """The issue's Done-when targets, as measured (name: "<what> <op> <limit>")."""
    by = results.set_index(["variant", "batch_size", "sequence_length"])
    p50 = lambda v, c: float(by.loc[(v, c.batch_size, c.sequence_length), "p50_ms"])  # noqa: E731
    int8 = "onnxruntime-int8-optimized"
    targets: dict[str, float] = {}
    if "openvino-int8-nncf" in set(results["variant"]):
        for case in PEER_CASES:
            key = f"int8_optimized_p50_vs_openvino_nncf_b{case.batch_size}x{case.sequence_length} <= 1.25"
            targets[key] = p50(int8, case) / p50("openvino-int8-nncf", case)
    targets["int8_optimized_b16x128_share_of_int8_matmul_rate >= 0.75"] = shares[int8]["share"]
    targets["int8_optimized_p50_vs_pytorch_b1x128 <= 0.3"] = p50(int8, BenchmarkCase(1, 128)) / p50(
        "pytorch-eager-fp32", BenchmarkCase(1, 128)
    )
    for case in (*LATENCY_CASES, THROUGHPUT_CASE):
        key = f"fp32_optimized_p50_vs_pytorch_b{case.batch_size}x{case.sequence_length} <= 1"
        targets[key] = p50("onnxruntime-fp32-optimized", case) / p50("pytorch-eager-fp32", case)
    targets["int8_optimized_p95_b1x128_ms < 100"] = float(by.loc[(int8, 1, 128), "p95_ms"])
    targets["variants_disagreeing_with_pytorch <= 0"] = float(sum(not r["passed"] for r in agreed))
    targets["predictor_cold_start_s < 1.5"] = starts["predictor_int8_optimized"]["median_s"]
    targets["predictor_peak_rss_mb < 250"] = starts["predictor_int8_optimized"]["max_rss_mb"]
    return targets


def verdict(name: str, value: float) -> bool:
    op, limit = name.split()[-2], float(name.split()[-1])
    return {"<=": value <= limit, ">=": value >= limit, "<": value < limit}[op]


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
    with_openvino = openvino_available()

    model, files = prepare(args.model_dir, with_openvino)
    _, tokenizer = load_classifier(args.model_dir)
    vocab = model.config.vocab_size
    variants = runtime_variants(
        model, files["onnxruntime-fp32"], files["onnxruntime-int8"], args.threads
    )
    variants.update(
        optimized_variants(
            {n: f for n, f in files.items() if n in OPTIMIZED_VARIANTS}, args.threads
        )
    )
    feed = agreement_feed(tokenizer)
    reference = logits_of(variants["pytorch-eager-fp32"](feed))
    candidates = {name: run for name, run in variants.items() if name in TOLERANCES}
    agreed = agreement(candidates, feed, reference, {n: TOLERANCES[n] for n in candidates})

    import pandas as pd

    latency = run_benchmark(
        variants, LATENCY_CASES, lambda case: token_batch(case, vocab),
        warmup=3, repeats=small, progress=progress,
    )  # fmt: skip
    matmuls, matmul_ops = matmul_variants(args.threads)
    measured = run_benchmark(
        {**variants, **matmuls}, [THROUGHPUT_CASE], lambda case: token_batch(case, vocab),
        warmup=1, repeats=large, progress=progress,
    )  # fmt: skip
    throughput = measured[~measured["variant"].isin(list(matmuls))].reset_index(drop=True)
    matmul_frame = measured[measured["variant"].isin(list(matmuls))].reset_index(drop=True)
    rates: dict[str, Any] = {
        kind: matmul_ops / (row.p50_ms / 1000) / 1e9
        for kind, row in zip(("int8", "fp32"), matmul_frame.set_index("variant").loc[
            ["matmul-int8", "matmul-fp32"]].itertuples(), strict=True)
    }  # fmt: skip
    rates["measured"] = matmul_frame
    rates["gop_per_call"] = matmul_ops / 1e9
    results = pd.concat(
        [latency.assign(kind="latency"), throughput.assign(kind="throughput")], ignore_index=True
    )
    del variants
    with tempfile.TemporaryDirectory(prefix="int8-methods-") as scratch:
        methods, method_agreement, fastest = int8_methods(
            files["onnxruntime-fp32-optimized"], args.model_dir, Path(scratch), feed, reference,
            vocab, args.threads, max(2, small // 4), progress,
        )  # fmt: skip
    by_candidate = {r["candidate"]: r["p50_geometric_mean_ms"] for r in method_agreement}
    default_vs_fastest = (
        by_candidate[DEFAULT_INT8_METHOD] / by_candidate[fastest]
        if fastest in by_candidate
        else float("nan")
    )
    int8_file = files["onnxruntime-int8-optimized"]
    profiles = {
        f"{variant}_b{case.batch_size}x{case.sequence_length}": [
            asdict(s) for s in operator_profile(
                files[variant], token_batch(case, vocab), threads=args.threads, runs=2 if args.quick else 5,
            )
        ]
        for variant in ("onnxruntime-int8-optimized", "onnxruntime-int8")
        for case in (BenchmarkCase(1, 128), THROUGHPUT_CASE)
    }  # fmt: skip
    graphs = {
        name: {"file": path.name, "nodes": sum(ops.values()), "operators": ops}
        for name, path in files.items()
        if path.suffix == ".onnx" and name.startswith("onnxruntime")
        for ops in [operator_counts(path)]
    }
    padding = padding_effect(int8_file, args.threads, small, progress)
    threads = thread_sweep(int8_file, vocab, sorted({1, args.threads}), small, progress)
    flops = distilbert_forward_flops(128)
    shares = shares_of_matmul_rate(throughput, rates, flops)
    cold_runs = 1 if args.quick else 5
    starts = {
        "predictor_int8": cold_start(COLD_START, [str(args.model_dir), files["onnxruntime-int8"].name, str(args.threads)], cold_runs),
        "predictor_int8_optimized": cold_start(COLD_START, [str(args.model_dir), int8_file.name, str(args.threads)], cold_runs),
        "transformers_pipeline": cold_start(PIPELINE_START, [str(args.model_dir)], 1 if args.quick else 3),
    }  # fmt: skip
    if with_openvino:
        starts["predictor_openvino_int8"] = cold_start(
            COLD_START, [str(args.model_dir), files["openvino-int8-nncf"].name, str(args.threads)], cold_runs
        )  # fmt: skip
    targets = targets_of(results, shares, starts, agreed)
    pytorch_b1x128_ms = float(
        results.set_index(["variant", "batch_size", "sequence_length"]).loc[
            ("pytorch-eager-fp32", 1, 128), "p50_ms"
        ]
    )
    matmul_floor_ms = flops / (rates["int8"] * 1e9) * 1000
    # What the machine's int8 rate allows at best: the matrix products alone, at full speed.
    floor = {
        "int8_matmul_ms_per_128_token_sequence": matmul_floor_ms,
        "int8_vs_pytorch_b1x128_at_best": matmul_floor_ms / pytorch_b1x128_ms,
    }
    verdicts = {name: verdict(name, value) for name, value in targets.items()}
    machine = machine_description(PACKAGES)
    sizes = {"onnxruntime": installed_mb("onnxruntime"), "openvino": installed_mb("openvino"),
             "nncf": installed_mb("nncf")}  # fmt: skip

    lines = [
        f"## DistilBERT-size classifier, {args.threads} threads, {machine['cpu_model']} ({machine['date_utc']})",
        "",
        f"Instruction sets: {describe_instruction_sets(machine['instruction_sets'])}.",
        *([] if with_openvino else ["", "OpenVINO is not installed: its variants were not measured."]),
        "",
        ratio_table(results),
        "",
        "| variant | max \\|Δlogit\\| vs PyTorch (64 texts) | tolerance | agrees |",
        "| --- | ---: | ---: | --- |",
        *[f"| {r['candidate']} | {r['max_abs_logit_diff']:.3g} | {r['tolerance']:g} | {'yes' if r['passed'] else 'NO'} |" for r in agreed],
        "",
        f"int8 methods on the fused graph (default: {DEFAULT_INT8_METHOD}; fastest that agrees here: {fastest}; "
        f"the default takes {default_vs_fastest:.2f}× its time, geometric mean of the two cases):",
        "",
        "| method | 1 × 128 p50 | 16 × 128 p50 | max \\|Δlogit\\| | MB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    by_method = methods.set_index(["variant", "batch_size"])
    for record in method_agreement:
        m = record["candidate"]
        lines.append(
            f"| {m} | {by_method.loc[(m, 1), 'p50_ms']:.1f} ms | {by_method.loc[(m, 16), 'p50_ms']:.1f} ms | "
            f"{record['max_abs_logit_diff']:.3g} | {record['file_mb']:.0f} |"
        )
    lines += ["", "| graph | nodes | attention | top operators |", "| --- | ---: | ---: | --- |"]
    for name, graph in graphs.items():
        ops = graph["operators"]
        attention = sum(v for k, v in ops.items() if "Attention" in k)
        top = ", ".join(f"{k} {v}" for k, v in list(ops.items())[:6])
        lines.append(f"| {name} ({graph['file']}) | {graph['nodes']} | {attention} | {top} |")
    lines += [
        "",
        f"Matrix-multiply rate of this machine (ONNX Runtime; the model's linear layers alone at "
        f"16 × 128 tokens, constant weights, interleaved with the model): int8 {rates['int8']:.0f} "
        f"GOP/s, fp32 {rates['fp32']:.0f} GFLOP/s; "
        f"{flops / 1e9:.1f} GFLOP per 128-token sequence.",
        "",
        "| variant at 16 × 128 | G(FL)OP/s | share of the machine's rate |",
        "| --- | ---: | ---: |",
        *[f"| {v} | {s['gops']:.0f} | {s['share']:.0%} of {s['of']} |" for v, s in shares.items()],
    ]  # fmt: skip
    for key, profile in profiles.items():
        top = ", ".join(f"{p['op_type']} {p['share']:.1%}" for p in profile[:10])
        lines.append(f"\nONNX Runtime profile, {key}: {top}")
    pad = padding.set_index("variant")
    lines += ["", "| padding (16 texts, fused int8) | padded length | p50 | seq/s |",
              "| --- | ---: | ---: | ---: |"]  # fmt: skip
    for name in ("pad-to-128", "pad-to-longest"):
        lines.append(f"| {name} | {pad.loc[name, 'padded_length']} | {pad.loc[name, 'p50_ms']:.1f} ms | {pad.loc[name, 'sequences_per_s']:.1f} |")  # fmt: skip
    lines += ["", "| fused int8, batch 1 × 128 | p50 | p95 |", "| --- | ---: | ---: |"]
    for _, row in threads.iterrows():
        lines.append(
            f"| {row['threads']} thread(s) | {row['p50_ms']:.1f} ms | {row['p95_ms']:.1f} ms |"
        )
    lines += ["", "| cold start to first prediction | median | peak RSS |", "| --- | ---: | ---: |"]
    for name, start in starts.items():
        lines.append(f"| {name} | {start['median_s']:.2f} s | {start['max_rss_mb']:.0f} MB |")
    lines += [
        "",
        "Installed size: "
        + ", ".join(f"{k} {v:.0f} MB" for k, v in sizes.items() if v is not None),
        "",
    ]
    lines += [
        f"At this machine's int8 matmul rate the matrix products of one 128-token sequence take "
        f"{matmul_floor_ms:.1f} ms at best: int8 can be no faster than "
        f"{floor['int8_vs_pytorch_b1x128_at_best']:.2f}× PyTorch's p50 at 1 × 128.",
        "",
    ]
    lines += ["| target | measured | met |", "| --- | ---: | --- |"]
    lines += [
        f"| {name} | {value:.3g} | {'yes' if verdicts[name] else 'NO'} |"
        for name, value in targets.items()
    ]
    text = "\n".join(lines) + "\n"
    print(text)

    save_results(
        args.output,
        {
            "quick": args.quick,
            "threads": args.threads,
            "model": "DistilBERT-size sequence classifier, random weights, built offline from DistilBertConfig()",
            "forward_gflop_at_128": flops / 1e9,
            "variants": {name: path.name for name, path in files.items()},
            "openvino_measured": with_openvino,
            "runtimes": results,
            "agreement": agreed,
            "int8_methods": {"default": DEFAULT_INT8_METHOD, "fastest_agreeing": fastest,
                             "default_vs_fastest": default_vs_fastest,
                             "timings": methods, "agreement": method_agreement},
            "graphs": graphs,
            "operator_profile": profiles,
            "padding": padding,
            "threads_sweep": threads,
            "matmul_rate_gops": rates,
            "matmul_share_b16x128": shares,
            "cold_start": starts,
            "installed_mb": sizes,
            "int8_floor": floor,
            "targets": {k: {"value": float(v), "met": verdicts[k]} for k, v in targets.items()},
        },
        machine,
    )  # fmt: skip
    args.output.with_suffix(".md").write_text(text, "utf-8")
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"wrote {shown} and its .md")
    return 0 if all(verdicts.values()) or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
