"""Run the handler as Lambda would, on this machine: a fresh process imports it (the cold start,
init included), then the same process serves the warm invocations.

The child process gets the environment you give it (``MODEL_DIR``, ``ONNX_THREADS`` to emulate a
CPU allotment, limits, ...). Its peak memory is read from ``/proc/self/status`` (VmHWM).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["InvocationReport", "invoke_locally"]

_CHILD = r"""
import json, sys, time
events = json.loads(sys.stdin.read())
start = time.perf_counter()
from companion.serverless import handler as lambda_module
import_ms = (time.perf_counter() - start) * 1000
lambda_module.APP.log_stream = sys.stderr  # keep stdout for the report
invocations = []
for event in events:
    t = time.perf_counter()
    response = lambda_module.handler(event, None)
    invocations.append({"duration_ms": (time.perf_counter() - t) * 1000, "response": response})
peak_kb = 0
try:
    with open("/proc/self/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
except OSError:
    pass
print(json.dumps({"import_ms": import_ms, "init_duration_ms": lambda_module.APP.init_duration_ms,
                  "invocations": invocations, "peak_memory_mb": peak_kb / 1024}))
"""


@dataclass(frozen=True)
class InvocationReport:
    """What one container did: its init, its first (cold) and later (warm) invocations."""

    import_ms: float
    init_duration_ms: float
    durations_ms: tuple[float, ...]
    responses: tuple[dict[str, Any], ...]
    log_lines: tuple[dict[str, Any], ...]
    peak_memory_mb: float

    @property
    def cold_invocation_ms(self) -> float:
        return self.durations_ms[0]

    @property
    def warm_durations_ms(self) -> tuple[float, ...]:
        return self.durations_ms[1:]

    @property
    def cold_start_ms(self) -> float:
        """What the first caller waits for in the handler: import (init) plus its invocation."""
        return self.import_ms + self.cold_invocation_ms


def invoke_locally(
    events: Sequence[Mapping[str, Any]],
    environment: Mapping[str, str] | None = None,
    timeout_s: float = 120.0,
) -> InvocationReport:
    """Invoke ``companion.serverless.handler`` with ``events`` in one fresh Python process."""
    if not events:
        raise ValueError("events is empty: give at least one event")
    env = {**os.environ, **(environment or {})}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps(list(events)),
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout_s,
        check=False,
    )
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"the handler process failed (exit {done.returncode}): {tail[0]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    logs = []
    for line in done.stderr.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            logs.append(record)
    return InvocationReport(
        import_ms=float(report["import_ms"]),
        init_duration_ms=float(report["init_duration_ms"]),
        durations_ms=tuple(float(i["duration_ms"]) for i in report["invocations"]),
        responses=tuple(i["response"] for i in report["invocations"]),
        log_lines=tuple(logs),
        peak_memory_mb=float(report["peak_memory_mb"]),
    )
