"""Run a memory-hungry step in a short-lived process of its own.

Building, exporting and quantizing a DistilBERT-size model each need 0.7–1.1 GB for a few
seconds (``companion/data/results/lesson_memory.json``). Python rarely hands freed memory back
to the operating system, so a notebook kernel that ran them keeps that peak; a child process
returns all of it when it exits. That keeps every lesson under Binder's memory limit.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .exceptions import IsolatedStepError

__all__ = ["memory_limit_mb", "run_isolated"]

_CHILD = (
    "import importlib, sys; "
    "module, name = sys.argv[1], sys.argv[2]; "
    "getattr(importlib.import_module(module), name)(*sys.argv[3:]); "
    # VmHWM: this process's own peak resident memory, in kB
    "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')) "
    "if sys.platform == 'linux' else 0)"
)


def run_isolated(function: Callable[..., Any], *arguments: str | Path) -> float:
    """Call ``function(*arguments)`` in a fresh Python process, wait for it, and return the
    child's peak resident memory in MB (0 where the OS does not report it; Linux does).

    ``function`` must be a module-level function (it is imported by name in the child) and the
    arguments strings or paths (they travel on the command line). Raises
    :class:`IsolatedStepError` with the last lines the child wrote to stderr when it fails.
    """
    name = getattr(function, "__qualname__", "")
    if not name or "." in name or "<" in name:
        raise ValueError(f"run_isolated needs a module-level function, got {function!r}")
    answer = subprocess.run(
        [sys.executable, "-c", _CHILD, function.__module__, name, *map(str, arguments)],
        capture_output=True,
        text=True,
    )
    if answer.returncode != 0:
        tail = "\n".join(answer.stderr.strip().splitlines()[-5:])
        raise IsolatedStepError(
            f"{function.__module__}.{name}({', '.join(map(str, arguments))}) failed in its own "
            f"process (exit {answer.returncode}):\n{tail}"
        )
    last = answer.stdout.strip().splitlines()[-1:] or ["0"]
    return int(last[0]) / 1024 if last[0].isdigit() else 0.0


def memory_limit_mb() -> float:
    """The memory this machine or container lets the notebook use, in MB: the
    ``COMPANION_MEMORY_LIMIT_MB`` environment variable when set (to rehearse a smaller machine,
    as ``benchmarks/lesson_memory.py`` rehearses Binder's), else the cgroup's limit (v2
    ``memory.max``, v1 ``memory.limit_in_bytes``; Binder's is 2 GB), else the machine's
    ``MemTotal``; ``inf`` where none can be read."""
    import math
    import os

    override = os.environ.get("COMPANION_MEMORY_LIMIT_MB")
    if override:
        try:
            value = float(override)
        except ValueError:
            raise ValueError(
                f"COMPANION_MEMORY_LIMIT_MB must be a number, got {override!r}"
            ) from None
        if not value > 0:
            raise ValueError(f"COMPANION_MEMORY_LIMIT_MB must be > 0, got {override!r}")
        return value
    limits = []
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            limits.append(int(text) / 2**20)
    try:
        meminfo = Path("/proc/meminfo").read_text()
        total_kb = next(
            int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")
        )
        limits.append(total_kb / 1024)
    except (OSError, StopIteration, ValueError):
        pass
    return min(limits) if limits else math.inf
