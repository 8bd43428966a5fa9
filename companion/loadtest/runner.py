"""Find how many requests per second one replica sustains under the latency target.

A real load generator (Locust, headless, in its own process) offers a ladder of constant
request rates to the server, one step at a time. For every step we record what was offered,
what was delivered, the latency percentiles and the server's CPU use; the replica's *sustained*
rate is the highest delivered rate of a step that kept p95 under the target, failed less than
1 % of requests and delivered at least 90 % of what was offered, give or take Poisson noise
(below that, the server is queueing and the generator's users are falling behind).

Everything is bounded: each step runs for a fixed time under a subprocess timeout, the ladder
stops at the first step that misses, and the whole run has a time budget.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .exceptions import LoadTestError

__all__ = [
    "LOCUSTFILE",
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

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
_MAX_STEPS = 20


@dataclass(frozen=True)
class StepResult:
    """One step of the ladder: a constant offered rate held for ``duration_s``."""

    offered_rps: float
    users: int
    duration_s: float
    requests: int
    failures: int
    achieved_rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    server_cpu_cores: float | None = None

    @property
    def failure_rate(self) -> float:
        return self.failures / self.requests if self.requests else 1.0

    @property
    def delivered_fraction(self) -> float:
        return self.achieved_rps / self.offered_rps if self.offered_rps else 0.0

    def meets(
        self, p95_target_ms: float, max_failure_rate: float = 0.01, min_delivered: float = 0.9
    ) -> bool:
        """Whether this step was served within the target (p95, failures, delivered rate).

        Arrivals are random, so a short step delivers a little more or less than offered even
        when the server keeps up: a shortfall within three standard deviations of the Poisson
        count (3·√(rate / duration) req/s) is noise, not saturation.
        """
        shortfall_rps = self.offered_rps - self.achieved_rps
        allowed_rps = max(
            (1 - min_delivered) * self.offered_rps,
            3 * math.sqrt(self.offered_rps / self.duration_s),
        )
        return (
            self.requests > 0
            and self.p95_ms <= p95_target_ms
            and self.failure_rate <= max_failure_rate
            and shortfall_rps <= allowed_rps
        )


def percentile_from_histogram(counts: Mapping[str, int] | Mapping[int, int], q: float) -> float:
    """The ``q`` quantile (0–1) of a ``{milliseconds: count}`` histogram, as Locust reports
    response times: the smallest value whose cumulative count reaches ``q`` of the total."""
    if not 0 < q <= 1:
        raise ValueError(f"q must be in (0, 1], got {q}")
    items = sorted((float(k), int(v)) for k, v in counts.items() if int(v) > 0)
    total = sum(v for _, v in items)
    if total == 0:
        return math.nan
    needed = q * total
    running = 0
    for value, count in items:
        running += count
        if running >= needed - 1e-9:
            return value
    return items[-1][0]


def step_from_locust_stats(
    stats: Sequence[Mapping[str, Any]],
    offered_rps: float,
    users: int,
    duration_s: float,
    server_cpu_cores: float | None = None,
) -> StepResult:
    """A :class:`StepResult` from Locust's ``--json`` output (one entry per request name)."""
    entries = [e for e in stats if e.get("name") == "/predict"]
    if not entries:
        return StepResult(offered_rps, users, duration_s, 0, 0, 0.0, *(math.nan,) * 4, server_cpu_cores)  # fmt: skip
    entry = entries[0]
    requests = int(entry["num_requests"])
    failures = int(entry["num_failures"])
    histogram = entry.get("response_times", {})
    return StepResult(
        offered_rps=offered_rps,
        users=users,
        duration_s=duration_s,
        requests=requests,
        failures=failures,
        achieved_rps=_delivered_rps(entry, duration_s),
        p50_ms=percentile_from_histogram(histogram, 0.50),
        p95_ms=percentile_from_histogram(histogram, 0.95),
        p99_ms=percentile_from_histogram(histogram, 0.99),
        mean_ms=float(entry["total_response_time"]) / requests if requests else math.nan,
        server_cpu_cores=server_cpu_cores,
    )


def _delivered_rps(entry: Mapping[str, Any], duration_s: float) -> float:
    """Requests per second, from Locust's per-second counts without the first and last
    (partial) seconds; a step too short for that falls back to requests / duration."""
    counts = {int(k): int(v) for k, v in entry.get("num_reqs_per_sec", {}).items()}
    if len(counts) >= 3:
        first, last = min(counts), max(counts)
        whole = [counts.get(second, 0) for second in range(first + 1, last)]  # a stall counts 0
        return sum(whole) / len(whole)
    return int(entry["num_requests"]) / duration_s


@dataclass(frozen=True)
class LoadTestResult:
    """The whole ladder and what it says about one replica."""

    steps: tuple[StepResult, ...]
    p95_target_ms: float
    max_failure_rate: float = 0.01
    min_delivered: float = 0.9
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sustained_step(self) -> StepResult | None:
        passing = [
            s for s in self.steps if s.meets(self.p95_target_ms, self.max_failure_rate, self.min_delivered)
        ]  # fmt: skip
        return max(passing, key=lambda s: s.achieved_rps, default=None)

    @property
    def sustained_rps(self) -> float | None:
        """The highest delivered rate of a step that met the target (None if none did)."""
        step = self.sustained_step
        return None if step is None else step.achieved_rps

    @property
    def cpu_cores_at_sustained(self) -> float | None:
        step = self.sustained_step
        return None if step is None else step.server_cpu_cores

    def to_frame(self) -> Any:
        import pandas as pd

        frame = pd.DataFrame([asdict(s) for s in self.steps])
        if not frame.empty:
            frame["failure_rate"] = [s.failure_rate for s in self.steps]
            frame["meets_target"] = [
                s.meets(self.p95_target_ms, self.max_failure_rate, self.min_delivered)
                for s in self.steps
            ]
        return frame

    def to_dict(self) -> dict[str, Any]:
        return {
            "p95_target_ms": self.p95_target_ms,
            "max_failure_rate": self.max_failure_rate,
            "min_delivered": self.min_delivered,
            "settings": dict(self.settings),
            "steps": [asdict(s) for s in self.steps],
            "sustained_rps": self.sustained_rps,
            "cpu_cores_at_sustained": self.cpu_cores_at_sustained,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LoadTestResult:
        """Rebuild a result saved with :meth:`to_dict` (e.g. a committed benchmark file)."""
        try:
            steps = tuple(StepResult(**step) for step in data["steps"])
            return cls(
                steps=steps,
                p95_target_ms=float(data["p95_target_ms"]),
                max_failure_rate=float(data.get("max_failure_rate", 0.01)),
                min_delivered=float(data.get("min_delivered", 0.9)),
                settings=dict(data.get("settings", {})),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a saved load-test result: {exc}") from None


class _CpuSampler:
    """Samples a process's CPU time a few times a second, to read its use over any window."""

    def __init__(self, pid: int, interval_s: float = 0.25) -> None:
        import psutil

        self._process = psutil.Process(pid)
        self._interval_s = interval_s
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _read(self) -> None:
        times = self._process.cpu_times()
        self.samples.append((time.time(), times.user + times.system))

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                self._read()
            except psutil.NoSuchProcess:  # the server exited: keep the samples we have
                return
            self._stop.wait(self._interval_s)

    def __enter__(self) -> _CpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def cores_between(self, start: float, end: float) -> float | None:
        """Average cores used from ``start`` to ``end``, read from the samples that bracket the
        window (the last one at or before it begins, the first at or after it ends), so a short
        window or a busy machine that delayed the sampler still gets a reading."""
        if not self.samples:
            return None
        before = [s for s in self.samples if s[0] <= start] or self.samples[:1]
        after = [s for s in self.samples if s[0] >= end] or self.samples[-1:]
        (t0, c0), (t1, c1) = before[-1], after[0]
        if t1 - t0 < 0.5:
            return None
        return (c1 - c0) / (t1 - t0)


def run_locust_step(
    url: str,
    rate_rps: float,
    duration_s: float,
    texts_file: str | Path,
    *,
    rate_per_user: float = 1.0,
    server_pid: int | None = None,
) -> StepResult:
    """Offer ``rate_rps`` to ``url`` for ``duration_s`` with headless Locust; one step."""
    if not rate_rps > 0:
        raise ValueError(f"rate_rps must be > 0, got {rate_rps}")
    if not 1 <= duration_s <= 600:
        raise ValueError(f"duration_s must be between 1 and 600 seconds, got {duration_s}")
    users = max(1, math.ceil(rate_rps / rate_per_user))
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{duration_s:g}s",
        "--host", url, "--json", "--only-summary", "--reset-stats", "--stop-timeout", "2",
        "--loglevel", "ERROR", "--exit-code-on-error", "0",
    ]  # fmt: skip
    env = {
        **os.environ,
        "LOADTEST_RATE_PER_USER": repr(rate_rps / users),
        "LOADTEST_TEXTS_FILE": str(texts_file),
    }
    sampler = _CpuSampler(server_pid) if server_pid is not None else None
    try:
        if sampler:
            sampler.__enter__()
        try:
            answer = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=duration_s + 60
            )
        except subprocess.TimeoutExpired:
            raise LoadTestError(
                f"Locust did not finish a {duration_s:g} s step within {duration_s + 60:g} s"
            ) from None
    finally:
        if sampler:
            sampler.__exit__()
    if answer.returncode != 0:
        tail = "\n".join(answer.stderr.strip().splitlines()[-5:])
        raise LoadTestError(f"Locust exited with code {answer.returncode}:\n{tail}")
    try:
        stats = json.loads(answer.stdout)
    except json.JSONDecodeError:
        raise LoadTestError(f"Locust printed no JSON statistics: {answer.stdout[:200]!r}") from None
    cores = None
    if sampler and stats:
        entry = next((e for e in stats if e.get("name") == "/predict"), None)
        if entry:
            cores = sampler.cores_between(
                float(entry["start_time"]), float(entry["last_request_timestamp"])
            )
    return step_from_locust_stats(stats, rate_rps, users, duration_s, cores)


def find_sustained_rps(
    url: str,
    rates_rps: Sequence[float],
    *,
    p95_target_ms: float = 100.0,
    step_seconds: float = 10.0,
    texts: Sequence[str] | None = None,
    server_pid: int | None = None,
    max_failure_rate: float = 0.01,
    min_delivered: float = 0.9,
    max_total_seconds: float = 900.0,
    settings: Mapping[str, Any] | None = None,
    on_step: Callable[[StepResult], None] | None = None,
) -> LoadTestResult:
    """Climb an increasing ladder of offered rates until a step misses the target.

    Bounded: at most 20 steps of ``step_seconds`` each, and no step starts once the run has
    used ``max_total_seconds``.
    """
    rates = [float(r) for r in rates_rps]
    if not rates or len(rates) > _MAX_STEPS:
        raise ValueError(f"give 1 to {_MAX_STEPS} rates, got {len(rates)}")
    if any(r <= 0 for r in rates) or any(b <= a for a, b in itertools.pairwise(rates)):
        raise ValueError(f"rates_rps must be positive and increasing, got {rates}")
    if not 2 <= step_seconds <= 120:
        raise ValueError(f"step_seconds must be between 2 and 120, got {step_seconds}")
    if p95_target_ms <= 0:
        raise ValueError(f"p95_target_ms must be > 0, got {p95_target_ms}")
    if texts is None:
        from companion.optimize.offline_model import sample_texts

        texts = sample_texts(200, seed=0)
    if not texts or not all(isinstance(t, str) and t.strip() for t in texts):
        raise ValueError("texts must be non-empty strings")
    steps: list[StepResult] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        texts_file = Path(folder) / "texts.json"
        texts_file.write_text(json.dumps(list(texts)), "utf-8")
        for rate in rates:
            if time.monotonic() - started + step_seconds > max_total_seconds:
                break
            step = run_locust_step(url, rate, step_seconds, texts_file, server_pid=server_pid)
            steps.append(step)
            if on_step:
                on_step(step)
            if not step.meets(p95_target_ms, max_failure_rate, min_delivered):
                break
    return LoadTestResult(
        tuple(steps),
        p95_target_ms,
        max_failure_rate,
        min_delivered,
        {"step_seconds": step_seconds, "texts": len(texts), **(settings or {})},
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``python -m companion serve`` in a child process on 127.0.0.1, ready when entered.

    ``batch_wait_ms > 0`` turns micro-batching on (at most ``batch_max_texts`` per call).

    Leaving the block sends SIGTERM (graceful shutdown) and waits for the process to exit.
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        threads: int = 1,
        batch_max_texts: int = 16,
        batch_wait_ms: float = 0.0,
        port: int | None = None,
        ready_timeout_s: float = 120.0,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ready_timeout_s = ready_timeout_s
        self.command = [
            sys.executable, "-m", "companion", "serve", "--model-dir", str(model_dir),
            "--host", "127.0.0.1", "--port", str(self.port), "--threads", str(threads),
            *(["--batch-max-texts", str(batch_max_texts), "--batch-wait-ms", f"{batch_wait_ms:g}"]
              if batch_wait_ms > 0 else []),
            *extra_args,
        ]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None
        self.ready_after_s: float | None = None  # process start to the first 200 from /readyz
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in __exit__)

    @property
    def pid(self) -> int:
        if self.process is None:
            raise LoadTestError("the server is not running")
        return self.process.pid

    def log_tail(self, lines: int = 10) -> str:
        self._log.seek(0)
        return "\n".join(self._log.read().decode("utf-8", "replace").splitlines()[-lines:])

    def __enter__(self) -> ServerProcess:
        import httpx

        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        started = time.monotonic()
        self.process = subprocess.Popen(self.command, stdout=self._log, stderr=self._log, env=env)
        deadline = started + self.ready_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LoadTestError(
                    f"the server exited with code {self.process.returncode} before it was ready:\n{self.log_tail()}"
                )
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    self.ready_after_s = time.monotonic() - started
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise LoadTestError(
            f"the server was not ready within {self.ready_timeout_s:g} s:\n{self.log_tail()}"
        )

    def start(self) -> ServerProcess:
        """Start the server and wait until it is ready (same as entering a ``with`` block)."""
        return self.__enter__()

    def stop(self) -> int | None:
        """SIGTERM, wait for the graceful exit, and return the exit code (0 when clean)."""
        self.__exit__()
        return self.returncode

    def __exit__(self, *exc: object) -> None:
        if self.process is None or self._log.closed:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.returncode = self.process.returncode
        self._log.close()


@contextmanager
def serving(model_dir: str | Path, **options: Any) -> Iterator[ServerProcess]:
    """``with serving(folder, threads=1) as server: ...`` — a ready server, stopped after."""
    with ServerProcess(model_dir, **options) as server:
        yield server


@dataclass(frozen=True)
class ReplicaSizing:
    """What the load test says to put in the manifests and the autoscaling model."""

    capacity_rps: float
    cpu_cores_at_capacity: float
    cpu_request_millicores: int
    utilization_at_capacity_percent: float


def replica_sizing(result: LoadTestResult, *, round_to_millicores: int = 100) -> ReplicaSizing:
    """Size the pod's CPU request from the measured CPU use at the sustained rate.

    The request is the CPU the replica used at its sustained rate, rounded up to
    ``round_to_millicores``; the HPA's utilization is measured against it. The rounding puts
    the capacity below 100 % of the request (``utilization_at_capacity_percent``: 0.31 cores of a
    400m request is 78 %), so a target must sit below that figure to leave headroom for spikes.
    """
    step = result.sustained_step
    if step is None:
        raise LoadTestError(
            "no step met the target, so there is no sustained rate: start the ladder lower"
        )
    if step.server_cpu_cores is None:
        raise LoadTestError(
            "the result has no CPU measurement: run the load test with the server's pid"
        )
    millicores = max(
        round_to_millicores,
        math.ceil(step.server_cpu_cores * 1000 / round_to_millicores) * round_to_millicores,
    )
    return ReplicaSizing(
        capacity_rps=step.achieved_rps,
        cpu_cores_at_capacity=step.server_cpu_cores,
        cpu_request_millicores=millicores,
        utilization_at_capacity_percent=100 * step.server_cpu_cores * 1000 / millicores,
    )
