"""The model's HTTP inference server: a Starlette (ASGI) app, run by uvicorn.

Endpoints
---------
``POST /predict``
    The same request contract as the Lambda function
    (:func:`companion.serving.parse_predict_request`: ``{"text": ...}`` or
    ``{"texts": [...]}``, the same limits, the same 400/413 codes and messages) and the same
    response shapes: ``{"predictions": [{"label", "score"}], "model_version", "request_id",
    "timings_ms": {"queue", "inference", "total"}}`` or ``{"error": {"code", "message"},
    "request_id"}``. 503 ``model_loading`` until the model is loaded (with ``Retry-After``),
    503 ``model_unavailable`` if it failed to load, 503 ``shutting_down`` during shutdown, 500
    ``internal_error`` (quoting the request id, never the cause) if ``predict`` raises. The
    ``X-Request-ID`` header is echoed when it looks like an id, otherwise one is generated.
``GET /healthz``
    Liveness: 200 ``{"status": "alive"}`` whenever the process serves HTTP, even when the
    model failed to load. Restarting would not fix a missing or corrupt model file, and a
    restart loop hides the cause; the pod stays NotReady instead, the error is in ``/readyz``
    and logged once. (Give the Deployment a ``startupProbe`` on ``/readyz`` if you do want
    Kubernetes to restart a pod that never becomes ready.)
``GET /readyz``
    Readiness: 503 ``{"status": "loading"}``, then 200 ``{"status": "ready", "model_version"}``,
    or 503 ``{"status": "failed", "error": "<one line>"}``; 503 ``{"status": "stopping"}`` once
    shutdown has begun.
``GET /metrics``
    Prometheus text format; see :mod:`companion.serving.metrics`.

Unknown paths answer a JSON 404, wrong methods a JSON 405 with ``Allow``.

Design
------
- The model loads in the app's lifespan, on a daemon thread of its own, so the process answers
  probes while it loads (``load_in_background=False`` loads before serving instead), and a
  shutdown waits for a load at most ``load_wait_s`` (5 s) before leaving it behind.
- Every ``predict`` runs on ONE dedicated worker thread (``ThreadPoolExecutor(max_workers=1)``),
  never on the event loop; requests queue for it. ONNX Runtime parallelises one call over its
  intra-op threads, so concurrent calls would only oversubscribe the CPU.
- Optional micro-batching (:class:`~companion.serving.batching.BatchingConfig`): see
  :mod:`companion.serving.batching`.
- Graceful shutdown: on SIGTERM the app turns not-ready at once (``/readyz`` 503 ``stopping``,
  new requests 503 ``shutting_down``), uvicorn stops accepting connections and waits (up to
  ``graceful_timeout_s``) for in-flight requests, and a request still waiting for the model one
  second before that deadline gets the JSON 503 rather than uvicorn's plain-text 500; then the
  lifespan shutdown drains the batcher and shuts the worker thread down once its last
  ``predict`` has finished.
- Slow and vanishing clients: the body must arrive within ``body_timeout_s`` (408
  ``body_timeout``); at most ``max_concurrent_requests`` predictions are in progress, the next
  get 503 ``overloaded`` with ``Retry-After`` (this also bounds slow uploads); a client that
  disconnects mid-body is logged as 499 ``client_disconnected``, never as a server error.
  uvicorn has no timeout for reading *headers*: bound those connections with uvicorn's
  ``limit_concurrency`` (:func:`make_server` sets it) or a proxy in front.
- One JSON log line per ``/predict`` request (to ``log_stream``, default stderr), like the Lambda
  app; client errors carry their code, server errors their type, detail and traceback (as one
  JSON string), load failures one line.

The app must run with its lifespan (uvicorn does; with Starlette's ``TestClient`` use it as a
context manager), or the model never loads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO, cast

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._serving_model import SERVING_ONNX_FILE
from .batching import (
    BatchingConfig,
    InferenceResult,
    MicroBatcher,
    ShuttingDownError,
    run_on_worker,
)
from .contract import Limits, Predictor, RequestError, check_body_size, parse_predict_request
from .metrics import ServerMetrics

__all__ = [
    "ServerState",
    "create_app",
    "create_app_for_folder",
    "make_server",
    "run_server",
    "serve",
]

Status = Literal["loading", "ready", "failed", "stopping"]
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")


def _clip(text: str, limit: int = 64) -> str:
    """A client-chosen string echoed in a message, cut to ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + "…"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


class ServerState:
    """What an app knows at run time: its status, the predictor, the worker and the batcher.

    Reachable as ``app.state.server`` (tests and the ``/readyz`` handler read it).
    """

    def __init__(
        self,
        predictor_factory: Callable[[], Predictor],
        metrics: ServerMetrics,
        *,
        batching: BatchingConfig | None,
        log: Callable[[Mapping[str, Any]], None],
        clock: Callable[[], float],
    ) -> None:
        self.predictor_factory = predictor_factory
        self.metrics = metrics
        self.batching = batching
        self.log = log
        self.clock = clock
        self.status: Status = "loading"
        self.error: str | None = None
        self.predictor: Predictor | None = None
        self.executor: ThreadPoolExecutor | None = None
        self.batcher: MicroBatcher | None = None
        self._load_task: asyncio.Task[None] | None = None
        self.deadline = asyncio.Event()  # set when shutdown's deadline for answers passes
        self._shutdown_started = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self.load_wait_s = 5.0

    def begin_shutdown(self, answer_within_s: float) -> None:
        """Shutdown begins: not ready from now on (``/readyz`` 503 ``stopping``, new requests
        503 ``shutting_down``), and requests still waiting for the model after
        ``answer_within_s`` get the same JSON 503 instead of being cut off. Call it on the
        event loop (``serve`` does, from its SIGTERM handler)."""
        if self.status != "failed":
            self.status = "stopping"
        self.metrics.model_ready.set(0)
        if not self._shutdown_started:
            self._shutdown_started = True
            asyncio.get_running_loop().call_later(max(0.0, answer_within_s), self.deadline.set)
            self.log({"level": "INFO", "event": "shutdown_started",
                      "answer_within_s": answer_within_s})  # fmt: skip

    async def start(self, *, background: bool) -> None:
        """Start the worker thread and load the model on it (in the background or now)."""
        self.loop = asyncio.get_running_loop()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")
        self.status, self.error = "loading", None
        self.metrics.model_ready.set(0)
        self._load_task = asyncio.get_running_loop().create_task(self._load(), name="model-load")
        if not background:
            await self._load_task

    async def _load(self) -> None:
        start = self.clock()
        try:
            predictor = await self._load_on_daemon_thread()
        except Exception as exc:
            self.status, self.error = "failed", _one_line(exc)
            self.log({"level": "ERROR", "event": "model_load_failed", "error_type": type(exc).__name__,
                      "error_detail": str(exc)})  # fmt: skip
            return
        seconds = self.clock() - start
        self.predictor = predictor
        if self.status == "stopping":  # shutdown began while it loaded: never serve
            return
        if self.batching is not None:
            assert self.executor is not None
            self.batcher = MicroBatcher(
                predictor.predict, self.executor, self.batching, observer=self.metrics,
                clock=self.clock,
            )  # fmt: skip
            self.batcher.start()
        self.status = "ready"
        self.metrics.model_ready.set(1)
        self.metrics.model_load_seconds.set(seconds)
        self.log({"level": "INFO", "event": "model_loaded", "load_ms": round(seconds * 1000, 3)})

    async def _load_on_daemon_thread(self) -> Predictor:
        """Run the factory on a daemon thread of its own: a shutdown that cannot wait for a
        slow load leaves it behind, and the process still exits."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Predictor] = loop.create_future()

        def deliver(predictor: Predictor | None, error: BaseException | None) -> None:
            if done.done():  # the shutdown stopped waiting
                return
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(cast(Predictor, predictor))

        def work() -> None:
            predictor: Predictor | None = None
            error: BaseException | None = None
            try:
                predictor = self.predictor_factory()
            except BaseException as exc:  # handed to the awaiting task
                error = exc
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting
                loop.call_soon_threadsafe(deliver, predictor, error)

        threading.Thread(target=work, name="model-load", daemon=True).start()
        return await done

    async def stop(self) -> None:
        """Refuse new work, wait for a load at most ``load_wait_s``, let every pending batch
        finish, stop the worker."""
        if self.status != "failed":
            self.status = "stopping"
        self.metrics.model_ready.set(0)
        if self._load_task is not None and not self._load_task.done():
            await asyncio.wait({self._load_task}, timeout=self.load_wait_s)
            if not self._load_task.done():  # left behind on its daemon thread
                self._load_task.cancel()
                self.log({"level": "WARNING", "event": "model_load_abandoned",
                          "waited_s": self.load_wait_s})  # fmt: skip
        if self.batcher is not None:
            await self.batcher.close()
        if self.executor is not None:
            executor = self.executor
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: executor.shutdown(wait=True)
            )

    async def infer_before_deadline(self, texts: list[str]) -> InferenceResult:
        """:meth:`infer`, unless shutdown's deadline passes first (then ShuttingDownError: the
        client gets the JSON 503, and the worker finishes the call on its own)."""
        work = asyncio.ensure_future(self.infer(texts))
        deadline = asyncio.ensure_future(self.deadline.wait())
        await asyncio.wait({work, deadline}, return_when=asyncio.FIRST_COMPLETED)
        if work.done():
            deadline.cancel()
            return work.result()
        work.add_done_callback(lambda task: task.cancelled() or task.exception())
        raise ShuttingDownError("the server's shutdown deadline passed")

    async def infer(self, texts: list[str]) -> InferenceResult:
        """Predictions for ``texts`` from the worker thread (through the batcher if any)."""
        if self.status == "stopping":
            raise ShuttingDownError("the server is shutting down")
        if self.batcher is not None:
            result = await self.batcher.submit(texts)
        else:
            assert self.predictor is not None and self.executor is not None
            submitted = self.clock()
            try:
                predictions, started, seconds = await run_on_worker(
                    self.executor, self.predictor.predict, texts, clock=self.clock
                )
            except Exception:
                self.metrics.batch_failed(len(texts))
                raise
            self.metrics.batch_done(len(texts), seconds)
            result = InferenceResult(
                predictions, max(0.0, started - submitted), seconds, len(texts)
            )
        self.metrics.queue_wait.observe(result.queue_s)
        return result


class _MetricsMiddleware:
    """Counts every HTTP request and times those that are not probes or scrapes."""

    def __init__(self, app: ASGIApp, metrics: ServerMetrics, clock: Callable[[], float]) -> None:
        self.app = app
        self.metrics = metrics
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metrics = self.metrics
        path = metrics.path_label(scope["path"])
        method = metrics.method_label(scope["method"])
        timed = metrics.timed(path)
        status = 500  # what the client gets if the app raises before answering

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        start = self.clock()
        if timed:
            metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_status)
        finally:
            if timed:
                metrics.in_flight.dec()
                metrics.request_duration.labels(path).observe(self.clock() - start)
            metrics.requests.labels(path, method, str(status)).inc()


class _Unavailable(Exception):
    def __init__(self, code: str, message: str, **headers: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers


def _request_id(request: Request) -> str:
    given = request.headers.get("x-request-id", "")
    return given if _REQUEST_ID.fullmatch(given) else str(uuid.uuid4())


async def _read_body(request: Request, limits: Limits, timeout_s: float) -> bytes:
    """The body, refused (413) as soon as it is known to be over the limit: by its declared
    ``Content-Length`` before reading, or while streaming a chunked body; 408 when the client
    has not sent all of it within ``timeout_s``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit():
        check_body_size(int(declared), limits)
    chunks: list[bytes] = []
    size = 0

    async def read() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            check_body_size(size, limits)
            chunks.append(chunk)

    try:
        await asyncio.wait_for(read(), timeout_s)
    except TimeoutError:
        raise RequestError(
            408, "body_timeout", f"the request body did not arrive within {timeout_s:g} s"
        ) from None
    return b"".join(chunks)


def _error(status: int, code: str, message: str, request_id: str, **headers: str) -> JSONResponse:
    body = {"error": {"code": code, "message": message}, "request_id": request_id}
    return JSONResponse(body, status, headers={"X-Request-ID": request_id, **headers})


@dataclass(frozen=True)
class _Failure:
    """What a failed prediction answers (``status``, ``code``, ``message``, ``headers``) and
    what its log line adds (``details``)."""

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)


def _failure(exc: Exception, request_id: str) -> _Failure:
    """The answer to an exception raised while predicting: the client's mistakes and the 503s
    in words; anything else a 500 that quotes the request id and keeps the cause for the log."""
    if isinstance(exc, RequestError):
        return _Failure(exc.status, exc.code, exc.message)
    if isinstance(exc, _Unavailable):
        return _Failure(503, exc.code, exc.message, exc.headers)
    if isinstance(exc, ShuttingDownError):
        return _Failure(
            503,
            "shutting_down",
            "this server is shutting down; retry (another replica will answer)",
            {"Retry-After": "1"},
        )
    # Never leak internals to the client; log them.
    return _Failure(
        500,
        "internal_error",
        f"the service could not answer this request; retry, and quote request id {request_id} if it persists",
        details={"error_type": type(exc).__name__, "error_detail": str(exc),
                 "traceback": "".join(traceback.format_exception(exc))},
    )  # fmt: skip


class _Endpoints:
    """One app's settings and run-time state, with one method per endpoint, error handler and
    the lifespan."""

    def __init__(
        self,
        predictor_factory: Callable[[], Predictor],
        metrics: ServerMetrics,
        *,
        limits: Limits,
        model_version: str,
        batching: BatchingConfig | None,
        load_in_background: bool,
        log_stream: TextIO | None,
        clock: Callable[[], float],
        body_timeout_s: float,
        max_concurrent_requests: int,
    ) -> None:
        self.metrics = metrics
        self.limits = limits
        self.model_version = model_version
        self.load_in_background = load_in_background
        self.log_stream = log_stream
        self.clock = clock
        self.body_timeout_s = body_timeout_s
        self.max_concurrent_requests = max_concurrent_requests
        self.in_progress = 0
        self.state = ServerState(
            predictor_factory, metrics, batching=batching, log=self.log, clock=clock
        )

    def log(self, record: Mapping[str, Any]) -> None:
        stream = self.log_stream or sys.stderr
        stream.write(json.dumps(record, default=str) + "\n")
        stream.flush()

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def readyz(self, request: Request) -> Response:
        status = self.state.status
        if status == "ready":
            return JSONResponse({"status": "ready", "model_version": self.model_version})
        if status == "failed":  # the cause is in the log, not in a public response
            return JSONResponse({"status": "failed", "error": "model_load_failed"}, 503)
        return JSONResponse({"status": status}, 503)

    async def metrics_endpoint(self, request: Request) -> Response:
        return Response(self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def predict(self, request: Request) -> Response:
        limit = self.max_concurrent_requests
        if self.in_progress >= limit:
            request_id = _request_id(request)
            self.log(
                {
                    "level": "INFO",
                    "request_id": request_id,
                    "status": 503,
                    "error_code": "overloaded",
                }
            )
            return _error(503, "overloaded", f"more than {limit} requests are in "
                          "progress; retry shortly", request_id, **{"Retry-After": "1"})  # fmt: skip
        self.in_progress += 1
        try:
            return await self._predict(request)
        finally:
            self.in_progress -= 1

    async def _predict(self, request: Request) -> Response:
        start = self.clock()
        request_id = _request_id(request)
        record: dict[str, Any] = {}
        try:
            result = await self._infer(request, request_id, record)
        except ClientDisconnect:  # the client left mid-body: its fault, and nobody to answer
            self.log({"level": "INFO", "request_id": request_id, "status": 499,
                      "error_code": "client_disconnected",
                      "duration_ms": round((self.clock() - start) * 1000, 3)})  # fmt: skip
            return Response(status_code=499)
        except Exception as exc:
            return self._failed(_failure(exc, request_id), request_id, start, record)
        return self._answered(result, request_id, start, record)

    async def _infer(
        self, request: Request, request_id: str, record: dict[str, Any]
    ) -> InferenceResult:
        """Read and parse the request (its size goes into ``record``), then predict, unless
        the model is not ready."""
        body = await _read_body(request, self.limits, self.body_timeout_s)
        texts = parse_predict_request(body, self.limits)
        record.update(texts=len(texts), characters=sum(len(t) for t in texts))
        if self.state.status == "loading":
            raise _Unavailable(
                "model_loading", "the model is still loading; retry shortly", **{"Retry-After": "1"}
            )
        if self.state.status == "failed":
            raise _Unavailable("model_unavailable",
                               f"the model is unavailable; quote request id {request_id} when you report it")  # fmt: skip
        return await self.state.infer_before_deadline(texts)

    def _answered(
        self, result: InferenceResult, request_id: str, start: float, record: dict[str, Any]
    ) -> Response:
        total_ms = (self.clock() - start) * 1000
        timings = {
            "queue": round(result.queue_s * 1000, 3),
            "inference": round(result.inference_s * 1000, 3),
            "total": round(total_ms, 3),
        }
        model_version = self.model_version
        payload = {
            "predictions": [
                {"label": p.label, "score": round(float(p.score), 6)} for p in result.predictions
            ],
            "model_version": model_version,
            "request_id": request_id,
            "timings_ms": timings,
        }
        self.log({"level": "INFO", "request_id": request_id, "status": 200,
                  "duration_ms": timings["total"], "model_version": model_version, **record,
                  "queue_ms": timings["queue"], "inference_ms": timings["inference"],
                  "batch_texts": result.batch_texts})  # fmt: skip
        return JSONResponse(payload, headers={"X-Request-ID": request_id})

    def _failed(
        self, failure: _Failure, request_id: str, start: float, record: dict[str, Any]
    ) -> Response:
        status, code = failure.status, failure.code
        self.log({"level": "ERROR" if status >= 500 else "INFO", "request_id": request_id,
                  "status": status, "duration_ms": round((self.clock() - start) * 1000, 3),
                  "model_version": self.model_version, "error_code": code, **record,
                  **failure.details})  # fmt: skip
        return _error(status, code, failure.message, request_id, **failure.headers)

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        request_id = _request_id(request)
        path, method = _clip(request.url.path), _clip(request.method)
        if exc.status_code == 404:
            code = "not_found"
            message = f"no endpoint at {path}; use POST /predict, GET /healthz, /readyz or /metrics"
        elif exc.status_code == 405:
            code = "method_not_allowed"
            allowed = (exc.headers or {}).get("Allow", "")
            message = f"{path} takes {allowed or 'another method'}, not {method}"
        else:
            code, message = "http_error", str(exc.detail)
        return _error(exc.status_code, code, message, request_id, **(exc.headers or {}))

    async def unhandled(self, request: Request, exc: Exception) -> Response:
        request_id = _request_id(request)
        self.log({"level": "ERROR", "request_id": request_id, "status": 500,
                  "path": request.url.path, "error_code": "internal_error",
                  "error_type": type(exc).__name__, "error_detail": str(exc),
                  "traceback": "".join(traceback.format_exception(exc))})  # fmt: skip
        return _error(500, "internal_error",
                      f"the service could not answer this request; quote request id {request_id}",
                      request_id)  # fmt: skip

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        await self.state.start(background=self.load_in_background)
        try:
            yield
        finally:
            self.state.begin_shutdown(0.0)  # already drained by the server: nothing may wait now
            await self.state.stop()


def create_app(
    predictor_factory: Callable[[], Predictor],
    *,
    limits: Limits | None = None,
    model_version: str = "unversioned",
    batching: BatchingConfig | None = None,
    registry: CollectorRegistry | None = None,
    load_in_background: bool = True,
    log_stream: TextIO | None = None,
    clock: Callable[[], float] = time.perf_counter,
    body_timeout_s: float = 10.0,
    max_concurrent_requests: int = 64,
) -> Starlette:
    """The inference app (see the module docstring).

    ``predictor_factory`` is called once, in the lifespan, on a daemon thread of its own; what it
    returns needs a ``predict(texts) -> [prediction with .label and .score]``. ``limits``
    defaults to ``Limits()``; ``batching=None`` runs each request's texts as one ``predict``
    call; ``registry`` defaults to a new ``CollectorRegistry`` (``app.state.metrics.registry``);
    ``log_stream`` defaults to ``sys.stderr`` at write time. A client has ``body_timeout_s`` to
    send its body (408 after); at most ``max_concurrent_requests`` predictions are in progress
    at once (reading, queued or running), the next get 503 ``overloaded`` with ``Retry-After``.
    """
    limits = Limits() if limits is None else limits
    if not (isinstance(max_concurrent_requests, int) and max_concurrent_requests >= 1):
        raise ValueError(
            f"max_concurrent_requests must be a whole number >= 1, got {max_concurrent_requests!r}"
        )
    if not (isinstance(body_timeout_s, int | float) and 0 < body_timeout_s <= 3600):
        raise ValueError(
            f"body_timeout_s must be a number of seconds in (0, 3600], got {body_timeout_s!r}"
        )
    metrics = ServerMetrics(registry)
    endpoints = _Endpoints(
        predictor_factory,
        metrics,
        limits=limits,
        model_version=model_version,
        batching=batching,
        load_in_background=load_in_background,
        log_stream=log_stream,
        clock=clock,
        body_timeout_s=body_timeout_s,
        max_concurrent_requests=max_concurrent_requests,
    )
    app = Starlette(
        routes=[
            Route("/predict", endpoints.predict, methods=["POST"]),
            Route("/healthz", endpoints.healthz, methods=["GET"]),
            Route("/readyz", endpoints.readyz, methods=["GET"]),
            Route("/metrics", endpoints.metrics_endpoint, methods=["GET"]),
        ],
        middleware=[Middleware(_MetricsMiddleware, metrics=metrics, clock=clock)],
        exception_handlers={HTTPException: endpoints.http_error, Exception: endpoints.unhandled},
        lifespan=endpoints.lifespan,
    )
    app.state.server = endpoints.state
    app.state.metrics = metrics
    app.state.limits = limits
    app.state.model_version = model_version
    return app


def create_app_for_folder(
    folder: str | Path,
    onnx_file: str = SERVING_ONNX_FILE,
    threads: int | None = None,
    *,
    model_version: str | None = None,
    **kwargs: Any,
) -> Starlette:
    """:func:`create_app` serving an exported model folder with
    :class:`~companion.serving.predictor.OnnxSentimentPredictor` (``model_version`` defaults to
    ``<folder name>/<onnx file>``, like the Lambda handler). Other keywords go to
    :func:`create_app`."""
    folder = Path(folder)

    def factory() -> Predictor:
        from .predictor import OnnxSentimentPredictor

        return OnnxSentimentPredictor(folder, onnx_file=onnx_file, threads=threads)

    version = model_version or f"{folder.name}/{onnx_file}"
    return create_app(factory, model_version=version, **kwargs)


def make_server(
    app: ASGIApp,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    graceful_timeout_s: int = 20,
    log_level: str = "info",
    limit_concurrency: int | None = 512,
) -> uvicorn.Server:
    """A ``uvicorn.Server`` for ``app``: lifespan on, uvicorn's access log off (the app logs
    one JSON line per prediction), waiting ``graceful_timeout_s`` for in-flight requests on
    shutdown. Keep that below Kubernetes' ``terminationGracePeriodSeconds`` (default 30).
    ``limit_concurrency`` caps open connections and tasks (uvicorn answers a plain 503 beyond
    it): the bound on clients that never finish sending their headers."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        access_log=False,
        server_header=False,
        log_level=log_level,
        timeout_graceful_shutdown=graceful_timeout_s,
        limit_concurrency=limit_concurrency,
    )
    return uvicorn.Server(config)


def _begin_shutdown(app: ASGIApp, graceful_timeout_s: float) -> None:
    """Tell the app shutdown began (from a signal handler: thread-safely, on its loop); it
    answers what is still waiting one second before uvicorn's graceful timeout cuts it off."""
    state = getattr(getattr(app, "state", None), "server", None)
    if isinstance(state, ServerState) and state.loop is not None:
        state.loop.call_soon_threadsafe(state.begin_shutdown, max(0.0, graceful_timeout_s - 1.0))


def serve(
    app: ASGIApp,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    graceful_timeout_s: int = 20,
    log_level: str = "info",
    sockets: list[socket.socket] | None = None,
) -> None:
    """Run ``app`` on uvicorn until SIGTERM or SIGINT, then shut down gracefully and return
    (so ``python -m companion serve`` exits 0 after a clean shutdown).

    uvicorn re-raises the signal it caught once it has shut down, which would make the process
    die "killed by SIGTERM" after a perfectly graceful stop; here the server's own handler is
    the one restored, so the re-raised signal only asks an already stopped server to stop.
    """
    server = make_server(
        app, host=host, port=port, graceful_timeout_s=graceful_timeout_s, log_level=log_level
    )
    if threading.current_thread() is not threading.main_thread():
        server.run(sockets=sockets)
        return

    def on_signal(sig: int, frame: Any) -> None:
        _begin_shutdown(app, graceful_timeout_s)  # not ready at once, before draining
        server.handle_exit(sig, frame)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.run(sockets=sockets)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_server(
    folder: str | Path,
    *,
    onnx_file: str = SERVING_ONNX_FILE,
    threads: int | None = None,
    host: str = "127.0.0.1",
    port: int = 8080,
    batching: BatchingConfig | None = None,
    model_version: str | None = None,
    limits: Limits | None = None,
    graceful_timeout_s: int = 20,
    log_level: str = "info",
) -> None:
    """Serve the exported model in ``folder`` over HTTP (what ``python -m companion serve``
    runs)."""
    app = create_app_for_folder(
        folder, onnx_file, threads, model_version=model_version, limits=limits,
        batching=batching,
    )  # fmt: skip
    serve(app, host=host, port=port, graceful_timeout_s=graceful_timeout_s, log_level=log_level)
