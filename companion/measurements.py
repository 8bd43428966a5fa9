"""Measured latencies the cost lessons plan with (until lesson 02 measures your machine).

The numbers live in ``companion/data/measurements.toml`` with the machine they came from.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

__all__ = ["LatencyMeasurement", "ReferenceMachine", "reference_latency", "reference_machine"]


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


@lru_cache(maxsize=1)
def _load() -> tuple[ReferenceMachine, tuple[LatencyMeasurement, ...]]:
    text = resources.files("companion").joinpath("data/measurements.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    machine = ReferenceMachine(**raw["machine"])
    rows = tuple(LatencyMeasurement(**row) for row in raw["latency"])
    return machine, rows


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
