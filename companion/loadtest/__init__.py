"""Load-test one replica with a real load generator (Locust, headless) on 127.0.0.1."""

from __future__ import annotations

from .exceptions import LoadTestError
from .runner import (
    LOCUSTFILE,
    LoadTestResult,
    ReplicaSizing,
    ServerProcess,
    StepResult,
    find_sustained_rps,
    percentile_from_histogram,
    replica_sizing,
    run_locust_step,
    serving,
    step_from_locust_stats,
)

__all__ = [
    "LOCUSTFILE",
    "LoadTestError",
    "LoadTestResult",
    "ReplicaSizing",
    "ServerProcess",
    "StepResult",
    "find_sustained_rps",
    "percentile_from_histogram",
    "replica_sizing",
    "run_locust_step",
    "serving",
    "step_from_locust_stats",
]
