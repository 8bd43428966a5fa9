"""Where an ONNX Runtime model spends its time: the profiler's kernel time by operator type.

ONNX Runtime's profiler (``SessionOptions.enable_profiling``) writes one JSON event per
executed node; summed by operator type over several runs, it shows what is left once the
matrix products are fast (attention, layer norms, GELU, the quantization of activations ...).
The operator types are those of the graph as ONNX Runtime runs it, after its own fusions at
load time (e.g. ``DynamicQuantizeMatMul``), not as the file stores it.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["OperatorShare", "operator_profile", "operator_shares"]


@dataclass(frozen=True)
class OperatorShare:
    """One operator type's kernel time, per run and as a share of all kernels' time."""

    op_type: str
    nodes: int  # nodes of this type in the graph ONNX Runtime ran
    ms_per_run: float  # median over the profiled runs
    share: float  # of the sum of every type's median


def operator_shares(runs: Sequence[Sequence[Mapping[str, Any]]]) -> list[OperatorShare]:
    """Kernel time by operator type from the profiler's events of each run (one list per run;
    the node events are those with ``cat == "Node"`` named ``*_kernel_time``), largest first.

    Each type's time per run is its median over the runs, so one run slowed by a neighbour
    (the scheduler taking a core away mid-kernel) does not decide the profile."""
    if not runs:
        raise ValueError("no runs: profile at least one")
    per_run: list[dict[str, float]] = []
    nodes: dict[str, set[str]] = defaultdict(set)
    for events in runs:
        micros: dict[str, float] = defaultdict(float)
        for event in events:
            name, args = str(event.get("name", "")), event.get("args")
            if event.get("cat") != "Node" or not name.endswith("_kernel_time"):
                continue
            if not isinstance(args, Mapping) or "op_name" not in args:
                continue
            micros[str(args["op_name"])] += float(event.get("dur", 0))
            nodes[str(args["op_name"])].add(name.removesuffix("_kernel_time"))
        per_run.append(micros)
    medians = {op: float(np.median([run.get(op, 0.0) for run in per_run])) for op in nodes}
    total = sum(medians.values())
    if total <= 0:
        raise ValueError("the profile holds no kernel time: was any node run?")
    return sorted(
        (OperatorShare(op, len(nodes[op]), us / 1000.0, us / total) for op, us in medians.items()),
        key=lambda share: (-share.ms_per_run, share.op_type),
    )


def operator_profile(
    path: str | Path, feed: dict[str, np.ndarray], *, threads: int = 2, runs: int = 5
) -> list[OperatorShare]:
    """Run the ONNX model at ``path`` on ``feed`` ``runs`` times (after one warm-up run, left out
    of the result) with ONNX Runtime's profiler, and return the kernel time by operator
    type. The profile file is written to a temporary folder and removed."""
    import onnxruntime as ort

    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    with tempfile.TemporaryDirectory(prefix="companion-profile-") as scratch:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(scratch) / "ort")
        session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        for _ in range(runs + 1):
            session.run(["logits"], feed)
        profile = Path(session.end_profiling())
        events = json.loads(profile.read_text("utf-8"))
    # Split the node events by run at each "model_run" event's start; leave the warm-up out.
    starts = sorted(float(e["ts"]) for e in events if e.get("name") == "model_run")
    if len(starts) != runs + 1:
        raise RuntimeError(
            f"expected {runs + 1} model_run events in the profile, got {len(starts)}"
        )
    bounds = [*starts, float("inf")]
    return operator_shares(
        [
            [e for e in events if bounds[i] <= float(e.get("ts", -1)) < bounds[i + 1]]
            for i in range(1, runs + 1)
        ]
    )
