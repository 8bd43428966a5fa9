"""A small latency/throughput benchmark harness: warm-up, interleaved variants, percentiles.

Variants are functions that process one batch. For every case (batch size × sequence length)
each variant is warmed up, then the variants take turns, one timed call each, for ``repeats``
rounds, so a noisy neighbour or a frequency change hits every variant alike.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from .cpu import instruction_sets, int8_instructions

__all__ = [
    "BenchmarkCase",
    "LatencyStats",
    "distilbert_forward_flops",
    "machine_description",
    "run_benchmark",
    "save_results",
    "summarize",
    "token_batch",
]


@dataclass(frozen=True)
class BenchmarkCase:
    batch_size: int
    sequence_length: int

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.sequence_length < 2:
            raise ValueError(
                f"batch_size must be >= 1 and sequence_length >= 2, got {self.batch_size}, "
                f"{self.sequence_length}"
            )


@dataclass(frozen=True)
class LatencyStats:
    """Latency percentiles of one batch call, and the throughput they imply."""

    runs: int
    batch_size: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def sequences_per_second(self) -> float:
        return self.batch_size * 1000.0 / self.mean_ms


def summarize(timings_ms: Sequence[float], batch_size: int = 1) -> LatencyStats:
    """Percentiles (numpy's linear interpolation) and mean of per-call timings in ms."""
    values = np.asarray(timings_ms, dtype=float)
    if values.size == 0:
        raise ValueError("timings_ms is empty: run at least one timed call")
    if np.any(values <= 0) or not np.all(np.isfinite(values)):
        raise ValueError("timings_ms must be positive, finite milliseconds")
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return LatencyStats(
        runs=int(values.size),
        batch_size=batch_size,
        mean_ms=float(values.mean()),
        p50_ms=float(p50),
        p95_ms=float(p95),
        p99_ms=float(p99),
    )


def distilbert_forward_flops(
    sequence_length: int, dim: int = 768, hidden_dim: int = 3072, n_layers: int = 6
) -> float:
    """Floating-point operations (multiply and add counted separately) of one DistilBERT encoder
    forward pass over one sequence: the linear layers (Q, K, V, output projection and the two
    feed-forward layers) plus the two attention matrix products. About 11.2 GFLOP at 128 tokens
    for DistilBERT-base; embeddings, softmax, layer norms and the classifier are negligible."""
    if sequence_length < 1:
        raise ValueError(f"sequence_length must be >= 1, got {sequence_length}")
    linear = 2 * sequence_length * (4 * dim * dim + 2 * dim * hidden_dim)
    attention = 2 * 2 * sequence_length * sequence_length * dim
    return float(n_layers * (linear + attention))


def token_batch(case: BenchmarkCase, vocab_size: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Random token ids of exactly ``case.sequence_length`` ([CLS]=2 ... [SEP]=3), no padding."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, vocab_size, size=(case.batch_size, case.sequence_length), dtype=np.int64)
    ids[:, 0], ids[:, -1] = 2, 3
    return {"input_ids": ids, "attention_mask": np.ones_like(ids)}


def run_benchmark(
    variants: Mapping[str, Callable[[dict[str, np.ndarray]], Any]],
    cases: Sequence[BenchmarkCase],
    make_batch: Callable[[BenchmarkCase], dict[str, np.ndarray]],
    *,
    warmup: int = 3,
    repeats: int = 20,
    progress: bool = True,
    clock: Callable[[], float] = time.perf_counter,
) -> Any:
    """Time every variant on every case; returns a pandas DataFrame, one row per (variant,
    case), with p50/p95/p99/mean latency (ms) and throughput (sequences/s)."""
    import pandas as pd
    from tqdm.auto import tqdm

    if warmup < 0 or repeats < 1:
        raise ValueError(f"warmup must be >= 0 and repeats >= 1, got {warmup}, {repeats}")
    names = list(variants)
    rows = []
    bar = tqdm(
        total=len(cases) * len(names) * (warmup + repeats), disable=not progress, unit="call"
    )
    for case in cases:
        batch = make_batch(case)
        timings: dict[str, list[float]] = {name: [] for name in names}
        for name in names:
            for _ in range(warmup):
                variants[name](batch)
                bar.update()
        for round_index in range(repeats):
            # Rotate the order each round so no variant always runs first (cache, clocks).
            shift = round_index % len(names)
            for name in names[shift:] + names[:shift]:
                start = clock()
                variants[name](batch)
                timings[name].append((clock() - start) * 1000.0)
                bar.update()
        for name in names:
            stats = summarize(timings[name], case.batch_size)
            rows.append(
                {
                    "variant": name,
                    "batch_size": case.batch_size,
                    "sequence_length": case.sequence_length,
                    **{k: v for k, v in asdict(stats).items() if k not in ("batch_size",)},
                    "sequences_per_s": stats.sequences_per_second,
                }
            )
    bar.close()
    return pd.DataFrame(rows)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_description(
    packages: Sequence[str] = ("numpy", "onnxruntime", "tokenizers", "torch", "transformers"),
) -> dict[str, Any]:
    """What a benchmark ran on: CPU model and its instruction sets (with the int8 dot-product
    path they open), cores, memory, OS, Python and library versions."""
    import psutil

    versions: dict[str, str | None] = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    flags = instruction_sets()
    return {
        "cpu_model": _cpu_model(),
        "instruction_sets": flags,
        "int8_instructions": int8_instructions(flags),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "python": platform.python_version(),
        "packages": versions,
        "date_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def save_results(
    path: str | Path, results: Mapping[str, Any], machine: Mapping[str, Any] | None = None
) -> Path:
    """Write ``{"machine": ..., **results}`` as JSON (DataFrames, also inside dicts and lists,
    become lists of records)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def plain(value: Any) -> Any:
        if hasattr(value, "to_dict") and hasattr(value, "columns"):
            return value.to_dict(orient="records")
        if isinstance(value, Mapping):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    document = {
        "machine": dict(machine or machine_description()),
        **{k: plain(v) for k, v in results.items()},
    }
    path.write_text(json.dumps(document, indent=2, default=float) + "\n", "utf-8")
    return path
