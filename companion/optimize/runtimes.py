"""The runtimes lesson 02 compares, as benchmark variants (callables on one batch): PyTorch,
ONNX Runtime on the default export, ONNX Runtime on the fused graph, and OpenVINO."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["OPTIMIZED_VARIANTS", "optimized_variants", "ort_session", "runtime_variants"]

Batch = dict[str, np.ndarray]

# Variant name -> (runtime, what it runs); the benchmark and its results use these names.
OPTIMIZED_VARIANTS = {
    "onnxruntime-fp32-optimized": ("onnxruntime", "the fused fp32 graph (model.optimized.onnx)"),
    "onnxruntime-int8-optimized": ("onnxruntime", "its int8 (model.optimized.int8.onnx)"),
    "openvino-fp32": ("openvino", "the exported fp32 ONNX (model.onnx), no NNCF"),
    "openvino-int8-nncf": ("openvino", "NNCF's static int8 (model.openvino-int8.xml)"),
}


def ort_session(path: str | Path, threads: int) -> Any:
    """An ONNX Runtime CPU session with ``threads`` intra-op threads.

    Its threads may spin between the operators of one run (fast) but stop when the run ends, so
    that variants taking turns in one process don't run beside another session's spinning
    threads.
    """
    import onnxruntime as ort

    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.force_spinning_stop", "1")
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def runtime_variants(
    model: Any, fp32_onnx: str | Path, int8_onnx: str | Path, threads: int
) -> dict[str, Callable[[Batch], Any]]:
    """``pytorch-eager-fp32``, ``onnxruntime-fp32`` and ``onnxruntime-int8`` on ``threads``.

    PyTorch's idle OpenMP threads busy-wait by default; set ``OMP_WAIT_POLICY=PASSIVE`` before
    importing torch when you interleave it with other runtimes (the benchmark and lesson do).
    """
    import torch

    torch.set_num_threads(threads)
    sessions = {
        "onnxruntime-fp32": ort_session(fp32_onnx, threads),
        "onnxruntime-int8": ort_session(int8_onnx, threads),
    }

    def pytorch(batch: Batch) -> Any:
        with torch.inference_mode():
            return model(
                input_ids=torch.from_numpy(batch["input_ids"]),
                attention_mask=torch.from_numpy(batch["attention_mask"]),
            ).logits

    def onnx(session: Any) -> Callable[[Batch], Any]:
        return lambda batch: session.run(["logits"], batch)

    return {"pytorch-eager-fp32": pytorch, **{name: onnx(s) for name, s in sessions.items()}}


def optimized_variants(
    files: Mapping[str, str | Path], threads: int
) -> dict[str, Callable[[Batch], Any]]:
    """Variants for the optimized paths, by name (:data:`OPTIMIZED_VARIANTS`) -> model file:
    ONNX Runtime sessions as :func:`ort_session` makes them, OpenVINO compiled with the latency
    hint and ``threads`` inference threads."""
    from ..serving.predictor import openvino_runner

    unknown = sorted(set(files) - set(OPTIMIZED_VARIANTS))
    if unknown:
        raise ValueError(
            f"unknown variant(s) {', '.join(unknown)}: expected {', '.join(OPTIMIZED_VARIANTS)}"
        )
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    variants: dict[str, Callable[[Batch], Any]] = {}
    for name, path in files.items():
        if OPTIMIZED_VARIANTS[name][0] == "openvino":
            variants[name] = openvino_runner(path, threads)
        else:
            variants[name] = _ort_variant(ort_session(path, threads))
    return variants


def _ort_variant(session: Any) -> Callable[[Batch], Any]:
    return lambda batch: session.run(["logits"], batch)
