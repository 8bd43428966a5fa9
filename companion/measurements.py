"""Measured latencies the cost lessons plan with (until lesson 02 measures your machine).

Batch-1 latencies (p50 and p95) come straight from lesson 02's committed benchmark,
``companion/data/results/optimize_distilbert.json``, with the machine it ran on, so lesson 01
and lesson 02 can never quote different figures for the same measurement. GPU reference
figures live in ``companion/data/measurements.toml``.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from ._serving_model import SERVING_VARIANT

__all__ = [
    "SERVING_VARIANT",
    "GpuReference",
    "LatencyMeasurement",
    "ReferenceMachine",
    "gpu_reference",
    "latency_by_threads",
    "reference_latency",
    "reference_machine",
]


@dataclass(frozen=True)
class ReferenceMachine:
    description: str
    measured: date
    threads: int
    model: str
    source: str


@dataclass(frozen=True)
class LatencyMeasurement:
    """Latency of one request (batch 1) at one sequence length, on the reference machine."""

    runtime: str
    sequence_length: int
    p50_ms: float
    p95_ms: float


@dataclass(frozen=True)
class GpuReference:
    """A GPU throughput figure measured on a lent machine, not by this course's CI."""

    device: str
    precision: str
    batch_size: int
    sequences_per_second: float
    measured: str = ""
    setup: str = ""
    source: str = ""

    def provenance(self) -> str:
        """Where the figure comes from, in one sentence."""
        return f"{self.device}, {self.setup}, measured {self.measured}; source: {self.source}"


BENCHMARK = "results/optimize_distilbert.json"  # under companion/data/
#: What the benchmark's threads sweep measures: the served model at batch 1 × 128 tokens
#: (``thread_sweep`` in benchmarks/optimize_distilbert.py, given the fused int8 file).
_SWEPT = (SERVING_VARIANT, 128)

_Loaded = tuple[
    ReferenceMachine,
    tuple[LatencyMeasurement, ...],
    tuple[GpuReference, ...],
    tuple[tuple[int, LatencyMeasurement], ...],
]


@lru_cache(maxsize=1)
def _load() -> _Loaded:
    data = resources.files("companion").joinpath("data")
    raw = tomllib.loads(data.joinpath("measurements.toml").read_text("utf-8"))
    gpus = tuple(GpuReference(**row) for row in raw.get("gpu_reference", []))
    benchmark = json.loads(data.joinpath(BENCHMARK).read_text("utf-8"))
    recorded = benchmark["machine"]
    flags = recorded.get("instruction_sets")
    machine = ReferenceMachine(
        description=(
            f"{recorded['logical_cores']} vCPUs, {recorded['cpu_model']}"
            + (f" ({', '.join(flags)})" if flags else "")
            + f", {recorded['memory_gib']} GiB"
        ),
        measured=date.fromisoformat(recorded["date_utc"][:10]),
        threads=int(benchmark["threads"]),
        model=str(benchmark.get("model", "DistilBERT-size sequence classifier")),
        source=f"companion/data/{BENCHMARK}",
    )
    rows = tuple(
        LatencyMeasurement(
            row["variant"], int(row["sequence_length"]), float(row["p50_ms"]), float(row["p95_ms"])
        )
        for row in benchmark["runtimes"]
        if row["batch_size"] == 1
    )
    swept = benchmark.get("threads_sweep", [])
    _check_sweep(swept)
    sweep = tuple(
        (
            int(row["threads"]),
            LatencyMeasurement(*_SWEPT, float(row["p50_ms"]), float(row["p95_ms"])),
        )
        for row in swept
    )
    return machine, rows, gpus, sweep


def _check_sweep(rows: list[dict[str, object]]) -> None:
    """The threads sweep is read as the served model at batch 1 × 128 tokens: refuse a file
    whose rows say otherwise, rather than planning with a measurement of something else."""
    for row in rows:
        if (row["batch_size"], row["sequence_length"]) != (1, _SWEPT[1]):
            raise ValueError(
                f"{BENCHMARK}: the threads sweep must measure batch 1 × {_SWEPT[1]} tokens, got "
                f"{row['batch_size']} × {row['sequence_length']} ({row['variant']})"
            )


def gpu_reference(precision: str = "bf16", batch_size: int = 512) -> GpuReference:
    """The recorded GPU throughput for ``precision`` at ``batch_size``."""
    for row in _load()[2]:
        if row.precision == precision and row.batch_size == batch_size:
            return row
    known = sorted((r.precision, r.batch_size) for r in _load()[2])
    raise LookupError(
        f"no GPU reference for {precision!r} at batch {batch_size}; recorded: {known}"
    )


def reference_machine() -> ReferenceMachine:
    return _load()[0]


def latency_by_threads(
    runtime: str = SERVING_VARIANT, sequence_length: int = 128
) -> dict[int, LatencyMeasurement]:
    """Batch-1 latency of ``runtime`` at ``sequence_length`` for each intra-op thread count the
    benchmark measured, fewest threads first: what Lambda's CPU share is modelled from.

    The main table gives the benchmark's own thread count (:func:`reference_latency`, the
    figure every lesson quotes); the threads sweep, which measures only the served model at 128
    tokens, adds the other counts. The sweep also repeats the main table's thread count in the
    same run; that repeat is not used, so one configuration has one figure throughout the
    course (lesson 02 shows how far the repeat's p95 lies from the main table's, and why).
    """
    threads = reference_machine().threads
    measured = {threads: reference_latency(runtime, sequence_length)}
    if (runtime, sequence_length) == _SWEPT:
        measured.update({n: row for n, row in _load()[3] if n != threads})
    return dict(sorted(measured.items()))


def reference_latency(runtime: str, sequence_length: int = 128) -> LatencyMeasurement:
    """The recorded batch-1 latency (p50 and p95) for ``runtime`` (e.g. :data:`SERVING_VARIANT`, ``"onnxruntime-int8-optimized"``)
    at ``sequence_length``."""
    rows = _load()[1]
    for row in rows:
        if row.runtime == runtime and row.sequence_length == sequence_length:
            return row
    known = sorted({(r.runtime, r.sequence_length) for r in rows})
    raise LookupError(
        f"no reference latency for runtime={runtime!r}, sequence_length={sequence_length}; "
        f"recorded: {', '.join(f'{r} @ {s}' for r, s in known)}"
    )
