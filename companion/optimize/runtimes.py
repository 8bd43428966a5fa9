"""The three runtimes lesson 02 compares, as benchmark variants (callables on one batch)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ort_session", "runtime_variants"]

Batch = dict[str, np.ndarray]


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
