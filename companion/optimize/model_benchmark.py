"""Benchmark any sequence-classification model the way lesson 02 measures DistilBERT, and write
a results file the planner accepts (``python -m companion benchmark`` /
``python -m companion plan --measurements FILE``).

Export to ONNX, int8 quantization, and for a BERT-like model (one whose config names its
attention heads and hidden size) the fused int8 graph the course serves
(:func:`companion.optimize.ensure_optimized`'s steps); an agreement check against PyTorch on
sample texts, then batch-1 latency (p50/p95) of PyTorch fp32 and each ONNX Runtime variant at
each sequence length, with the machine's description (CPU model and instruction sets). Only
variants whose agreement check passed are offered to the planner.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["TOLERANCES", "benchmark_model", "read_measurements"]

TOLERANCES = {
    "onnxruntime-fp32": 1e-4,
    "onnxruntime-int8": 0.05,
    "onnxruntime-int8-optimized": 0.05,
}
FORMAT = "companion-benchmark/1"


def benchmark_model(
    model: str | Path,
    *,
    sequence_lengths: Sequence[int] = (16, 128),
    threads: int = 2,
    repeats: int = 20,
    warmup: int = 3,
) -> dict[str, Any]:
    """Measure ``model`` (a folder saved with ``save_pretrained``, or a hub id when online)
    and return the results document (see :func:`read_measurements` for its use)."""
    from .benchmark import BenchmarkCase, machine_description, run_benchmark, token_batch
    from .export import check_agreement, export_onnx, onnx_logits, quantize_int8, torch_logits
    from .offline_model import load_classifier, sample_texts
    from .runtimes import optimized_variants, runtime_variants

    classifier, tokenizer = load_classifier(model)
    with tempfile.TemporaryDirectory(prefix="companion-benchmark-") as scratch:
        fp32 = export_onnx(classifier, scratch)
        int8 = quantize_int8(fp32)
        files = {"onnxruntime-fp32": fp32, "onnxruntime-int8": int8}
        fused, fused_note = _fused_int8(classifier, Path(scratch))
        if fused is not None:
            files["onnxruntime-int8-optimized"] = fused
        texts = sample_texts(32, seed=7)
        reference = torch_logits(classifier, tokenizer, texts)
        candidates = {name: onnx_logits(path, tokenizer, texts) for name, path in files.items()}
        agreement = check_agreement(reference, candidates, TOLERANCES, raise_on_failure=False)
        variants = runtime_variants(classifier, fp32, int8, threads)
        if fused is not None:
            variants |= optimized_variants({"onnxruntime-int8-optimized": fused}, threads)
        limit = int(classifier.config.max_position_embeddings)
        cases = [BenchmarkCase(1, min(length, limit)) for length in sequence_lengths]
        table = run_benchmark(
            variants, cases, lambda case: token_batch(case, classifier.config.vocab_size),
            warmup=warmup, repeats=repeats, progress=False,
        )  # fmt: skip
        del variants
    passed = {"pytorch-eager-fp32"} | {r.candidate for r in agreement if r.passed}
    return {
        "format": FORMAT,
        "model": str(model),
        "architecture": classifier.config.architectures[0],
        "parameters": int(sum(p.numel() for p in classifier.parameters())),
        "threads": threads,
        "machine": machine_description(),
        "agreement": [r.__dict__ | {"passed": r.passed} for r in agreement],
        "fused_int8": fused_note,
        "measurements": [
            {
                "variant": row["variant"],
                "sequence_length": int(row["sequence_length"]),
                "p50_ms": float(row["p50_ms"]),
                "p95_ms": float(row["p95_ms"]),
                "agrees": row["variant"] in passed,
            }
            for row in table.to_dict(orient="records")
        ],
    }


def _fused_int8(classifier: Any, folder: Path) -> tuple[Path | None, str]:
    """The fused int8 graph of a BERT-like ``classifier`` in ``folder`` and a note for the
    results file; ``None`` (and the reason) when its config does not name the attention heads
    and hidden size the fusion needs, or when a fusion or quantization step fails on its graph
    (the plain variants are measured either way)."""
    from .fusion import (
        _attention_shape,
        export_onnx_fusable,
        fuse_transformer_graph,
        quantize_optimized,
    )

    shape = _attention_shape(classifier.config.to_dict())
    if shape is None:
        return None, "skipped: the config names no attention heads and hidden size"
    try:
        eager = export_onnx_fusable(classifier, folder / "fused")
        fused = folder / "fused" / "model.optimized.onnx"
        report = fuse_transformer_graph(eager, fused, num_heads=shape[0], hidden_size=shape[1])
        int8 = quantize_optimized(fused, folder / "fused" / "model.optimized.int8.onnx")
    except Exception as exc:  # an architecture the optimizer or the quantizer can't handle
        return None, f"skipped: {type(exc).__name__}: {exc}"
    return int8, f"built: {report.attention_fused} attention blocks fused"


def read_measurements(path: str | Path, sequence_length: int = 128) -> dict[str, Any]:
    """The planner's measurements from a results file of :func:`benchmark_model`: each variant
    that agreed with PyTorch, at ``sequence_length`` (the longest measured if that one was not)."""
    from ..planner import Measurement, PlannerInputError

    try:
        document = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlannerInputError(f"cannot read measurements from {str(path)!r}: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PlannerInputError(
            f"{str(path)!r} is not a results file of `python -m companion benchmark` ({FORMAT})"
        )
    rows = [r for r in document.get("measurements", []) if r.get("agrees")]
    lengths = sorted({int(r["sequence_length"]) for r in rows})
    if not lengths:
        raise PlannerInputError(f"{str(path)!r} holds no measurement that agreed with PyTorch")
    length = sequence_length if sequence_length in lengths else lengths[-1]
    machine = document.get("machine", {})
    source = f"{path}, {machine.get('cpu_model', '?')}, {str(machine.get('date_utc', '?'))[:10]}"
    return {
        r["variant"]: Measurement(r["variant"], float(r["p50_ms"]), float(r["p95_ms"]), source)
        for r in rows
        if int(r["sequence_length"]) == length
    }
