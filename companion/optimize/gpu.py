"""Measure the model on a CUDA GPU (Colab's T4/L4, or any other), and price that GPU.

Lesson 02 calls :func:`gpu_benchmark` when the learner's machine has a CUDA GPU, instead of
quoting the committed reference figure; ``benchmarks/gpu_distilbert.py`` runs the same
measurement and commits it. :func:`gpu_price_per_hour` finds the catalog entry for a GPU by
the model name in the device's name ("Tesla T4" → ``g4dn.xlarge``).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["GpuMeasurement", "cuda_available", "gpu_benchmark", "gpu_price_per_hour"]


@dataclass(frozen=True)
class GpuMeasurement:
    """One batch size, timed on a GPU: p50 per call and sequences per second at that p50."""

    device: str
    precision: str
    batch_size: int
    sequence_length: int
    p50_ms: float
    sequences_per_second: float


def cuda_available() -> bool:
    """True where torch is installed and sees a CUDA device."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def gpu_benchmark(
    model: Any,
    *,
    batch_sizes: Sequence[int] = (1, 64, 512),
    sequence_length: int = 128,
    precision: str = "fp16",
    repeats: int = 20,
    warmup: int = 5,
) -> list[GpuMeasurement]:
    """Time ``model`` (a sequence classifier) on the first CUDA device in ``precision``
    (``"fp16"``, ``"bf16"`` or ``"fp32"``) with random token ids: each call timed with CUDA
    events after ``warmup`` calls. The model is copied to the GPU; the original is untouched."""
    import copy

    import torch

    if not torch.cuda.is_available():
        raise RuntimeError("no CUDA device: gpu_benchmark needs a GPU (use the reference figure)")
    dtypes = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}
    if precision not in dtypes:
        raise ValueError(f"precision must be one of {', '.join(dtypes)}, got {precision!r}")
    device = torch.device("cuda")
    gpu_model = copy.deepcopy(model).to(device=device, dtype=dtypes[precision]).eval()
    name = torch.cuda.get_device_name(device)
    results = []
    generator = torch.Generator().manual_seed(0)
    for batch_size in batch_sizes:
        ids = torch.randint(
            0, gpu_model.config.vocab_size, (batch_size, sequence_length), generator=generator
        ).to(device)
        mask = torch.ones_like(ids)
        times_ms = []
        with torch.inference_mode():
            for call in range(warmup + repeats):
                start, end = (
                    torch.cuda.Event(enable_timing=True),
                    torch.cuda.Event(enable_timing=True),
                )
                start.record()
                gpu_model(input_ids=ids, attention_mask=mask)
                end.record()
                torch.cuda.synchronize()
                if call >= warmup:
                    times_ms.append(start.elapsed_time(end))
        p50 = statistics.median(times_ms)
        results.append(
            GpuMeasurement(
                name, precision, batch_size, sequence_length, p50, batch_size / p50 * 1e3
            )
        )
    del gpu_model
    torch.cuda.empty_cache()
    return results


def gpu_price_per_hour(device: str, catalog: Any) -> tuple[float, Any] | None:
    """``(price of one GPU per hour, catalog entry)`` for the AWS instance whose accelerator is
    the GPU named in ``device`` (e.g. "Tesla T4", "NVIDIA L4", "NVIDIA H100 80GB HBM3"), the
    instance's price divided by its GPU count; ``None`` when the catalog has no such GPU."""
    for entry in catalog.instances:
        match = re.match(r"(\d+)x NVIDIA (\S+)", entry.accelerator or "")
        if entry.provider != "aws" or not match:
            continue
        count, model = int(match.group(1)), match.group(2)
        if re.search(rf"\b{re.escape(model)}\b", device):
            return entry.price_per_hour / count, entry
    return None
