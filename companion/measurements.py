"""Measured latencies the cost lessons plan with (until lesson 02 measures your machine).

The numbers live in ``companion/data/measurements.toml`` with the machine they came from.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

__all__ = [
    "GpuReference",
    "LatencyMeasurement",
    "ReferenceMachine",
    "gpu_reference",
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
    """p50 latency of one request (batch 1) at one sequence length, on the reference machine."""

    runtime: str
    sequence_length: int
    p50_ms: float


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


@lru_cache(maxsize=1)
def _load() -> tuple[ReferenceMachine, tuple[LatencyMeasurement, ...], tuple[GpuReference, ...]]:
    text = resources.files("companion").joinpath("data/measurements.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    machine = ReferenceMachine(**raw["machine"])
    rows = tuple(LatencyMeasurement(**row) for row in raw["latency"])
    gpus = tuple(GpuReference(**row) for row in raw.get("gpu_reference", []))
    return machine, rows, gpus


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


def reference_latency(runtime: str, sequence_length: int = 128) -> LatencyMeasurement:
    """The recorded p50 for ``runtime`` (e.g. ``"onnxruntime-int8"``) at ``sequence_length``."""
    rows = _load()[1]
    for row in rows:
        if row.runtime == runtime and row.sequence_length == sequence_length:
            return row
    known = sorted({(r.runtime, r.sequence_length) for r in rows})
    raise LookupError(
        f"no reference latency for runtime={runtime!r}, sequence_length={sequence_length}; "
        f"recorded: {', '.join(f'{r} @ {s}' for r, s in known)}"
    )
