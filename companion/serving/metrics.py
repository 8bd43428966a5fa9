"""Prometheus metrics for the inference server, on a registry of its own per app.

Each :class:`ServerMetrics` registers its metrics on its own ``CollectorRegistry`` (not the
process-wide default), so several apps can live in one process (tests do) and ``/metrics``
shows exactly one app's numbers.

=================================  =========  ====================================================
metric                             type       what
=================================  =========  ====================================================
``http_requests_total``            counter    every request: ``path``, ``method``, ``status``
``http_request_duration_seconds``  histogram  ``path``; not for ``/metrics``, ``/healthz``, ``/readyz``
``http_requests_in_flight``        gauge      requests being answered (same paths as the histogram)
``inference_batch_size``           histogram  texts per ``predict`` call (shows batching at work)
``inference_duration_seconds``     histogram  one ``predict`` call
``inference_queue_wait_seconds``   histogram  a request's wait for the worker thread
``inference_errors_total``         counter    ``predict`` calls that raised
``texts_predicted_total``          counter    texts classified
``model_ready``                    gauge      1 once the model is loaded, else 0
``model_load_seconds``             gauge      how long loading took
=================================  =========  ====================================================

Probe and scrape requests are counted but kept out of the latency histogram, so a kubelet
polling ``/healthz`` every few seconds cannot drag the percentiles down. Paths the app does
not serve are labelled ``other`` and unusual methods ``OTHER``: a scanner cannot create a new
time series per URL it tries.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

__all__ = ["ServerMetrics"]

# 1 ms to 2 s (and +Inf): request latencies of a CPU model server.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0)
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64)
UNTIMED_PATHS = frozenset({"/metrics", "/healthz", "/readyz"})
_METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


class ServerMetrics:
    """The server's metrics on ``registry`` (a new ``CollectorRegistry`` if none)."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        paths: Iterable[str] = ("/predict", *sorted(UNTIMED_PATHS)),
        process_metrics: bool = True,
    ) -> None:
        self.registry = CollectorRegistry() if registry is None else registry
        self.paths = frozenset(paths)
        r = self.registry
        self.requests = Counter(
            "http_requests", "HTTP requests answered.", ["path", "method", "status"], registry=r
        )
        self.request_duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request (probes and /metrics excluded).",
            ["path"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "http_requests_in_flight",
            "HTTP requests being answered (probes and /metrics excluded).",
            registry=r,
        )
        self.batch_size = Histogram(
            "inference_batch_size",
            "Texts per predict call.",
            buckets=BATCH_SIZE_BUCKETS,
            registry=r,
        )
        self.inference_duration = Histogram(
            "inference_duration_seconds",
            "Duration of one predict call on the worker thread.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.queue_wait = Histogram(
            "inference_queue_wait_seconds",
            "Time a request waited for the worker thread (including the batching wait).",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.inference_errors = Counter(
            "inference_errors", "Predict calls that raised.", registry=r
        )
        self.texts_predicted = Counter("texts_predicted", "Texts classified.", registry=r)
        self.model_ready = Gauge(
            "model_ready", "1 once the model is loaded and serving, else 0.", registry=r
        )
        self.model_load_seconds = Gauge(
            "model_load_seconds", "Time the model took to load.", registry=r
        )
        if process_metrics:  # CPU seconds, resident memory, open fds (Linux /proc only)
            ProcessCollector(registry=r)

    def path_label(self, path: str) -> str:
        return path if path in self.paths else "other"

    @staticmethod
    def method_label(method: str) -> str:
        return method if method in _METHODS else "OTHER"

    def timed(self, path_label: str) -> bool:
        return path_label not in UNTIMED_PATHS

    # The MicroBatcher's observer interface.
    def batch_done(self, texts: int, seconds: float) -> None:
        self.batch_size.observe(texts)
        self.inference_duration.observe(seconds)
        self.texts_predicted.inc(texts)

    def batch_failed(self, texts: int) -> None:
        self.batch_size.observe(texts)
        self.inference_errors.inc()

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric in the registry."""
        return generate_latest(self.registry)
