"""Thread-safe per-variant request metrics: counts, errors and every latency, for exact percentiles.

Each :class:`VariantMetrics` keeps its latencies in a growable float64 buffer (doubling when
full, so recording is amortised O(1)) behind its own :class:`threading.Lock`; nothing is
sampled or bucketed, so the p95 a test decides on is the p95 of what was served. A
:class:`VariantSnapshot` is an immutable copy taken under the lock, safe to analyse while
recording goes on.

Percentiles use NumPy's default ``method="linear"`` (Hyndman & Fan type 7: interpolate between
the two nearest order statistics), so they equal ``np.percentile(latencies, q)`` computed by
anyone from the raw samples. Memory: 8 bytes a request (a million requests: 8 MB a variant,
briefly up to three times that while the buffer doubles).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from .exceptions import MetricsError, RoutingError

__all__ = ["ExperimentMetrics", "VariantMetrics", "VariantSnapshot"]

PERCENTILE_METHOD: Final = "linear"
_INITIAL_CAPACITY = 1024
_INF = math.inf


@dataclass(frozen=True, eq=False)
class VariantSnapshot:
    """One variant's requests, errors and latencies (ms) at one instant (read-only).

    Compared by identity (``eq=False``): the latencies are an array.
    """

    variant: str
    requests: int
    errors: int
    latencies_ms: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        latencies = np.asarray(self.latencies_ms, dtype=np.float64)
        if latencies.flags.writeable:  # built by hand: keep a private, read-only copy
            latencies = latencies.copy()
            latencies.setflags(write=False)
        object.__setattr__(self, "latencies_ms", latencies)
        if latencies.ndim != 1 or latencies.shape[0] != self.requests:
            raise MetricsError(
                f"{self.variant!r}: latencies_ms must hold one latency per request "
                f"({self.requests}), got shape {latencies.shape}"
            )
        if not 0 <= self.errors <= self.requests:
            raise MetricsError(
                f"{self.variant!r}: errors must be from 0 to requests ({self.requests}), "
                f"got {self.errors}"
            )

    @property
    def error_rate(self) -> float:
        """Errors per request; NaN with no requests (no evidence either way)."""
        return self.errors / self.requests if self.requests else math.nan

    @property
    def mean_latency_ms(self) -> float:
        """Mean latency in ms; NaN with no requests."""
        return float(self.latencies_ms.mean()) if self.requests else math.nan

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile latency in ms (``q`` in [0, 100], NumPy's ``linear``
        method); NaN with no requests."""
        if isinstance(q, bool) or not isinstance(q, int | float) or not 0.0 <= q <= 100.0:
            raise MetricsError(f"percentile q must be a number from 0 to 100, got {q!r}")
        if not self.requests:
            return math.nan
        return float(np.percentile(self.latencies_ms, q, method=PERCENTILE_METHOD))

    @property
    def p50_ms(self) -> float:
        return self.percentile(50)

    @property
    def p95_ms(self) -> float:
        return self.percentile(95)

    @property
    def p99_ms(self) -> float:
        return self.percentile(99)


class VariantMetrics:
    """Requests, errors and latencies of one variant, safe to record from many threads."""

    __slots__ = ("_buffer", "_count", "_errors", "_lock", "variant")

    def __init__(self, variant: str) -> None:
        if not isinstance(variant, str) or not variant:
            raise MetricsError(f"variant must be a non-empty string, got {variant!r}")
        self.variant = variant
        self._lock = threading.Lock()
        self._buffer = np.empty(_INITIAL_CAPACITY, dtype=np.float64)
        self._count = 0
        self._errors = 0

    def record(self, latency_ms: float, error: bool = False) -> None:
        """Record one request: its latency in ms (finite, >= 0) and whether it failed."""
        if not 0.0 <= latency_ms < _INF:  # one comparison rejects negatives, inf and NaN
            raise MetricsError(
                f"latency_ms must be a finite number >= 0, got {latency_ms!r} for {self.variant!r}"
            )
        with self._lock:
            count = self._count
            buffer = self._buffer
            if count == buffer.shape[0]:
                buffer = np.empty(2 * count, dtype=np.float64)
                buffer[:count] = self._buffer
                self._buffer = buffer
            buffer[count] = latency_ms
            self._count = count + 1
            if error:
                self._errors += 1

    @property
    def requests(self) -> int:
        return self._count

    def snapshot(self) -> VariantSnapshot:
        """A consistent, read-only copy of everything recorded so far."""
        with self._lock:
            return self._snapshot_locked()

    def reset(self) -> None:
        """Forget everything recorded (the buffer shrinks back to its initial size)."""
        with self._lock:
            self._reset_locked()

    def _snapshot_locked(self) -> VariantSnapshot:
        latencies = self._buffer[: self._count].copy()
        latencies.setflags(write=False)
        return VariantSnapshot(self.variant, self._count, self._errors, latencies)

    def _reset_locked(self) -> None:
        self._buffer = np.empty(_INITIAL_CAPACITY, dtype=np.float64)
        self._count = 0
        self._errors = 0


class ExperimentMetrics:
    """:class:`VariantMetrics` for each variant of an experiment, in variant order."""

    def __init__(self, variants: Iterable[str]) -> None:
        names = tuple(variants)
        if not names:
            raise MetricsError("ExperimentMetrics needs at least one variant, got none")
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise MetricsError(f"variant names must be unique, repeated: {duplicates!r}")
        self._by_variant = {name: VariantMetrics(name) for name in names}

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(self._by_variant)

    def __getitem__(self, variant: str) -> VariantMetrics:
        """The metrics of one variant (:class:`RoutingError` for an unknown one)."""
        try:
            return self._by_variant[variant]
        except (KeyError, TypeError):
            raise RoutingError(
                f"unknown variant {variant!r}: this experiment records {list(self._by_variant)}"
            ) from None

    def record(self, variant: str, latency_ms: float, error: bool = False) -> None:
        """Record one request served by ``variant``."""
        try:
            metrics = self._by_variant[variant]
        except (KeyError, TypeError):
            raise RoutingError(
                f"unknown variant {variant!r}: this experiment records {list(self._by_variant)}"
            ) from None
        metrics.record(latency_ms, error)

    def snapshot(self) -> dict[str, VariantSnapshot]:
        """Every variant's snapshot, taken at one instant (all locks held, in variant order),
        so the request counts are mutually consistent, e.g. for a sample-ratio check."""
        with self._all_locked():
            return {name: m._snapshot_locked() for name, m in self._by_variant.items()}

    def counts(self) -> dict[str, int]:
        """Requests recorded per variant."""
        return {name: metrics.requests for name, metrics in self._by_variant.items()}

    def reset(self) -> None:
        """Forget everything recorded for every variant (at one instant, as :meth:`snapshot`)."""
        with self._all_locked():
            for metrics in self._by_variant.values():
                metrics._reset_locked()

    @contextmanager
    def _all_locked(self) -> Iterator[None]:
        # Always in variant order; record() holds one lock at a time, so this cannot deadlock.
        with ExitStack() as stack:
            for metrics in self._by_variant.values():
                stack.enter_context(metrics._lock)
            yield
