"""Spec tests for the HTTP inference server: endpoints, the shared request contract, metrics,
micro-batching, a real uvicorn on a real socket, graceful shutdown, the CLI and the Dockerfile.

Most tests use fake predictors (fast, deterministic, optionally slow or failing); a few use the
``tiny`` exported DistilBERT from conftest.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from companion.cli import main
from companion.serverless.app import InferenceApp
from companion.serverless.events import function_url_event
from companion.serving import SERVING_ONNX_FILE
from companion.serving.batching import BatchingConfig, MicroBatcher
from companion.serving.contract import Limits, RequestError, parse_predict_request
from companion.serving.server import create_app, create_app_for_folder, make_server

REPO = Path(__file__).resolve().parents[1]
LIMITS = Limits(max_text_chars=50, max_texts=3, max_body_bytes=400)


# --- fakes and helpers ------------------------------------------------------------------------


@dataclass(frozen=True)
class FakePrediction:
    label: str
    score: float


class FakePredictor:
    """Label derived from the text (so a mixed-up batch shows), every call recorded."""

    def __init__(
        self,
        delay_s: float = 0.0,
        fail_on: str | None = None,
        started: threading.Event | None = None,
    ) -> None:
        self.calls: list[list[str]] = []
        self.delay_s = delay_s
        self.fail_on = fail_on
        self.started = started
        self._lock = threading.Lock()

    def predict(self, texts: Sequence[str]) -> list[FakePrediction]:
        with self._lock:
            self.calls.append(list(texts))
        if self.started is not None:
            self.started.set()
        time.sleep(self.delay_s)
        if self.fail_on is not None and any(self.fail_on in t for t in texts):
            raise RuntimeError("onnxruntime: /secret/internal/model.onnx is corrupt")
        return [FakePrediction(f"label:{t}", round(len(t) / 100, 6)) for t in texts]


@contextlib.contextmanager
def served(
    predictor: Any = None,
    *,
    factory: Callable[[], Any] | None = None,
    log: io.StringIO | None = None,
    **kwargs: Any,
) -> Iterator[TestClient]:
    """The app under Starlette's TestClient, lifespan included (the model is loaded)."""
    kwargs.setdefault("limits", LIMITS)
    kwargs.setdefault("model_version", "test-model")
    kwargs.setdefault("load_in_background", False)
    app = create_app(
        factory or (lambda: predictor or FakePredictor()),
        log_stream=log if log is not None else io.StringIO(),
        **kwargs,
    )
    with TestClient(app) as client:
        yield client


def metric(text: str, name: str, **labels: str) -> float:
    """One sample's value from a Prometheus exposition (0 if absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def label_values(text: str, name: str, label: str) -> set[str]:
    return {
        s.labels[label]
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and label in s.labels
    }


def log_lines(log: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.getvalue().splitlines()]


def request_logs(log: io.StringIO) -> list[dict[str, Any]]:
    """The per-request lines (not the model_loaded / model_load_failed events)."""
    return [record for record in log_lines(log) if "request_id" in record]


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)


def post_concurrently(client: Any, bodies: list[Any]) -> list[httpx.Response]:
    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(lambda b: client.post("/predict", json=b), bodies))


# --- probes -----------------------------------------------------------------------------------


def test_healthz_and_readyz_when_loaded():
    with served() as client:
        assert (client.get("/healthz").status_code, client.get("/healthz").json()) == (
            200,
            {"status": "alive"},
        )
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "model_version": "test-model"}


def test_probes_answer_while_the_model_loads_then_ready():
    gate = threading.Event()

    def slow_factory() -> FakePredictor:
        assert gate.wait(5)
        return FakePredictor()

    with served(factory=slow_factory, load_in_background=True) as client:
        assert client.get("/healthz").status_code == 200
        loading = client.get("/readyz")
        assert (loading.status_code, loading.json()) == (503, {"status": "loading"})
        early = client.post("/predict", json={"text": "hello"})
        assert early.status_code == 503
        assert early.json()["error"]["code"] == "model_loading"
        assert early.headers["retry-after"] == "1"
        assert metric(client.get("/metrics").text, "model_ready") == 0
        gate.set()
        wait_until(lambda: client.get("/readyz").status_code == 200)
        assert client.post("/predict", json={"text": "hello"}).status_code == 200
        assert metric(client.get("/metrics").text, "model_ready") == 1


def test_a_failed_load_is_not_ready_but_alive_and_logged_once():
    def broken() -> FakePredictor:
        raise FileNotFoundError("/models/x lacks model.int8.onnx:\nexport it first")

    log = io.StringIO()
    with served(factory=broken, log=log) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "failed"
        assert body["error"] == "model_load_failed"  # no class name or path: those are logged
        assert client.get("/healthz").status_code == 200  # restarting would not fix it
        response = client.post("/predict", json={"text": "hello"})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "model_unavailable"
        assert "/models" not in response.text
    failures = [r for r in log_lines(log) if r.get("event") == "model_load_failed"]
    assert len(failures) == 1 and failures[0]["error_type"] == "FileNotFoundError"


# --- predict ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "labels"),
    [
        pytest.param({"text": "hello"}, ["label:hello"], id="single text"),
        pytest.param({"texts": ["a"]}, ["label:a"], id="list of one"),
        pytest.param(
            {"texts": ["c", "a", "b"]}, ["label:c", "label:a", "label:b"], id="order kept"
        ),
    ],
)
def test_predict_answers_each_text_in_order(body, labels):
    with served() as client:
        response = client.post("/predict", json=body)
    assert response.status_code == 200
    payload = response.json()
    assert [p["label"] for p in payload["predictions"]] == labels
    assert set(payload) == {"predictions", "model_version", "request_id", "timings_ms"}
    assert set(payload["timings_ms"]) == {"queue", "inference", "total"}
    assert payload["timings_ms"]["total"] >= payload["timings_ms"]["inference"] >= 0
    assert response.headers["x-request-id"] == payload["request_id"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"text": "good service"}', id="single text"),
        pytest.param('{"texts": ["good", "bad", "fine"]}', id="list"),
        pytest.param('{"texts": []}', id="empty list"),
        pytest.param('{"text": 3}', id="wrong type"),
        pytest.param("[1, 2]", id="not an object"),
        pytest.param("{oops", id="invalid JSON"),
    ],
)
def test_same_payload_as_the_lambda_app_for_the_same_body(body):
    lambda_response = InferenceApp(
        FakePredictor(), limits=LIMITS, model_version="test-model", log_stream=io.StringIO()
    ).handle(function_url_event(body))
    expected = json.loads(lambda_response["body"])
    with served() as client:
        response = client.post("/predict", content=body)
    got = response.json()
    assert response.status_code == lambda_response["statusCode"]
    for key in ("predictions", "model_version", "error"):
        assert got.get(key) == expected.get(key), key
    assert "request_id" in got
    if "timings_ms" in expected:
        assert set(expected["timings_ms"]) <= set(got["timings_ms"])


_TOO_LONG = "x" * 51
_BAD_INPUT = [
    # (body, status, code): the HTTP server answers exactly what parse_predict_request says
    pytest.param(b"", 400, "empty_body", id="empty body"),
    pytest.param(b"  \n ", 400, "empty_body", id="whitespace body"),
    pytest.param(b"{not json", 400, "invalid_json", id="invalid JSON"),
    pytest.param(b"\xff\xfe{}", 400, "invalid_json", id="not UTF-8"),
    pytest.param(b'["a"]', 400, "invalid_request", id="JSON array"),
    pytest.param(b"{}", 400, "invalid_request", id="neither text nor texts"),
    pytest.param(b'{"text": "a", "texts": ["b"]}', 400, "invalid_request", id="both keys"),
    pytest.param(b'{"text": 5}', 400, "invalid_type", id="text is a number"),
    pytest.param(b'{"texts": "abc"}', 400, "invalid_type", id="texts is a string"),
    pytest.param(b'{"texts": ["a", null]}', 400, "invalid_type", id="null in texts"),
    pytest.param(b'{"texts": []}', 400, "empty_texts", id="empty texts"),
    pytest.param(b'{"text": "   "}', 400, "empty_text", id="blank text"),
    pytest.param(b'{"texts": ["a", "b", "c", "d"]}', 413, "too_many_texts", id="too many texts"),
    pytest.param(
        json.dumps({"text": _TOO_LONG}).encode(), 413, "text_too_long", id="text too long"
    ),
    pytest.param(b'{"text": "' + b"y" * 420 + b'"}', 413, "body_too_large", id="body too large"),
]


@pytest.mark.parametrize(("body", "status", "code"), _BAD_INPUT)
def test_bad_input_gets_the_shared_contracts_status_code_and_message(body, status, code):
    with pytest.raises(RequestError) as contract:
        parse_predict_request(body, LIMITS)
    assert (contract.value.status, contract.value.code) == (status, code)
    log = io.StringIO()
    predictor = FakePredictor()
    with served(predictor, log=log) as client:
        response = client.post(
            "/predict", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code == status
    assert response.json()["error"] == {"code": code, "message": contract.value.message}
    assert response.json()["request_id"]
    assert predictor.calls == []
    (record,) = request_logs(log)
    assert record["status"] == status and record["error_code"] == code
    assert "traceback" not in record  # client errors: no stack traces


def test_a_chunked_body_over_the_limit_is_refused_while_streaming():
    chunks = [b'{"text": "', b"z" * 300, b"z" * 300, b'"}']
    with served() as client:
        response = client.post("/predict", content=iter(chunks))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_a_predictor_error_is_a_500_quoting_the_request_id_without_internals():
    log = io.StringIO()
    with served(FakePredictor(fail_on="boom"), log=log) as client:
        response = client.post("/predict", json={"text": "boom"}, headers={"X-Request-ID": "r-42"})
        assert client.post("/predict", json={"text": "fine"}).status_code == 200
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal_error"
    assert "r-42" in error["message"] and response.json()["request_id"] == "r-42"
    for secret in ("secret", "onnxruntime", "RuntimeError", "corrupt"):
        assert secret not in response.text
    failed = [r for r in log_lines(log) if r.get("status") == 500]
    assert len(failed) == 1
    assert failed[0]["error_type"] == "RuntimeError" and "corrupt" in failed[0]["error_detail"]
    assert failed[0]["request_id"] == "r-42"


@pytest.mark.parametrize(
    ("given", "echoed"),
    [
        pytest.param("abc-123", True, id="an id is echoed"),
        pytest.param("Root=1-5f84c7a5-ab12cd34ef56", True, id="a trace id is echoed"),
        pytest.param("has spaces in it", False, id="spaces: replaced"),
        pytest.param("x" * 200, False, id="too long: replaced"),
        pytest.param(None, False, id="absent: generated"),
    ],
)
def test_request_id_header_is_echoed_or_generated(given, echoed):
    headers = {"X-Request-ID": given} if given else {}
    with served() as client:
        response = client.post("/predict", json={"text": "hi"}, headers=headers)
    request_id = response.headers["x-request-id"]
    assert response.json()["request_id"] == request_id
    if echoed:
        assert request_id == given
    else:
        assert re.fullmatch(r"[0-9a-f-]{36}", request_id)


def test_one_json_log_line_per_predict_request():
    log = io.StringIO()
    with served(log=log) as client:
        client.post("/predict", json={"texts": ["ab", "cde"]}, headers={"X-Request-ID": "r-1"})
        client.get("/healthz")
        client.get("/metrics")
    (record,) = request_logs(log)
    assert record["request_id"] == "r-1" and record["status"] == 200
    assert (record["texts"], record["characters"], record["batch_texts"]) == (2, 5, 2)
    assert record["model_version"] == "test-model" and record["level"] == "INFO"


@pytest.mark.parametrize(
    ("method", "path", "status", "code", "allow"),
    [
        pytest.param("GET", "/predict", 405, "method_not_allowed", "POST", id="GET /predict"),
        pytest.param("PUT", "/predict", 405, "method_not_allowed", "POST", id="PUT /predict"),
        pytest.param("POST", "/healthz", 405, "method_not_allowed", "GET", id="POST /healthz"),
        pytest.param("GET", "/nope", 404, "not_found", None, id="unknown path"),
        pytest.param("POST", "/predict/extra", 404, "not_found", None, id="unknown subpath"),
    ],
)
def test_unknown_paths_and_wrong_methods_get_json_errors(method, path, status, code, allow):
    with served() as client:
        response = client.request(method, path)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    if allow:
        assert allow in response.headers["allow"]


# --- metrics ----------------------------------------------------------------------------------


def test_metrics_count_every_request():
    texts_per_request = [1, 2, 3, 1, 2]
    with served() as client:
        for n in texts_per_request:
            assert client.post("/predict", json={"texts": ["t"] * n}).status_code == 200
        for _ in range(2):
            assert client.post("/predict", json={"texts": []}).status_code == 400
        for path in ("/nope", "/admin", "/.env"):
            assert client.get(path).status_code == 404
        for _ in range(3):
            client.get("/healthz")
        response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    ok = {"path": "/predict", "method": "POST", "status": "200"}
    assert metric(text, "http_requests_total", **ok) == 5
    assert metric(text, "http_requests_total", path="/predict", status="400") == 2
    assert metric(text, "http_requests_total", path="other", status="404") == 3
    assert metric(text, "http_requests_total", path="/healthz", status="200") == 3
    assert label_values(text, "http_requests_total", "path") == {"/predict", "/healthz", "other"}
    # probes and scrapes are counted, not timed
    assert metric(text, "http_request_duration_seconds_count", path="/predict") == 7
    assert label_values(text, "http_request_duration_seconds_count", "path") == {
        "/predict",
        "other",
    }
    assert metric(text, "http_requests_in_flight") == 0
    assert metric(text, "inference_batch_size_count") == 5
    assert metric(text, "inference_batch_size_sum") == sum(texts_per_request)
    assert metric(text, "inference_batch_size_bucket", le="1.0") == 2
    assert metric(text, "inference_duration_seconds_count") == 5
    assert metric(text, "inference_queue_wait_seconds_count") == 5
    assert metric(text, "texts_predicted_total") == sum(texts_per_request)
    assert metric(text, "model_ready") == 1


def test_each_app_has_its_own_registry():
    with served() as first, served() as second:
        first.post("/predict", json={"text": "a"})
        assert metric(first.get("/metrics").text, "texts_predicted_total") == 1
        assert metric(second.get("/metrics").text, "texts_predicted_total") == 0


# --- micro-batching ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param({"max_batch_texts": 0}, "max_batch_texts", id="batch of 0"),
        pytest.param({"max_batch_texts": 2.5}, "max_batch_texts", id="fractional batch"),
        pytest.param({"max_wait_ms": -1}, "max_wait_ms", id="negative wait"),
        pytest.param({"max_wait_ms": float("nan")}, "max_wait_ms", id="NaN wait"),
        pytest.param({"max_wait_ms": 60_000}, "max_wait_ms", id="a minute's wait"),
    ],
)
def test_batching_config_is_validated(config, message):
    with pytest.raises(ValueError, match=message):
        BatchingConfig(**config)


def test_concurrent_requests_share_predict_calls_and_each_gets_its_own_answer():
    predictor = FakePredictor()
    texts = [f"text {i}" for i in range(8)]
    with served(predictor, batching=BatchingConfig(max_batch_texts=16, max_wait_ms=50)) as client:
        responses = post_concurrently(client, [{"text": t} for t in texts])
        text = client.get("/metrics").text
    assert [r.status_code for r in responses] == [200] * 8
    assert [r.json()["predictions"][0]["label"] for r in responses] == [f"label:{t}" for t in texts]
    assert 1 <= len(predictor.calls) <= 2
    assert sorted(t for call in predictor.calls for t in call) == sorted(texts)
    assert metric(text, "inference_batch_size_count") == len(predictor.calls)
    assert metric(text, "inference_batch_size_sum") == 8
    assert max(r.json()["timings_ms"]["queue"] for r in responses) > 0


def test_batches_respect_the_size_cap_and_a_big_request_runs_alone():
    predictor = FakePredictor()
    limits = Limits(max_texts=8)
    batching = BatchingConfig(max_batch_texts=3, max_wait_ms=100)
    bodies: list[Any] = [{"text": f"s{i}"} for i in range(7)] + [
        {"texts": [f"b{i}" for i in range(5)]}
    ]
    with served(predictor, limits=limits, batching=batching) as client:
        responses = post_concurrently(client, bodies)
    assert all(r.status_code == 200 for r in responses)
    for body, response in zip(bodies, responses, strict=True):
        sent = body.get("texts", [body.get("text")])
        assert [p["label"] for p in response.json()["predictions"]] == [f"label:{t}" for t in sent]
    big = [f"b{i}" for i in range(5)]
    assert big in predictor.calls  # alone, not split and not merged
    assert all(len(call) <= 3 for call in predictor.calls if call != big)


def test_one_poisoned_request_fails_alone_and_its_batch_mates_are_answered():
    """One text that makes ``predict`` raise, among 19 innocent ones in the same batch: the
    batch fails, each request is run again alone, and only the poisoned one gets the 500."""
    predictor = FakePredictor(fail_on="boom")
    batching = BatchingConfig(max_batch_texts=32, max_wait_ms=300)
    texts = ["boom", *[f"t{i}" for i in range(19)]]
    with served(predictor, batching=batching) as client:
        answered = post_concurrently(client, [{"text": t} for t in texts])
        after = client.post("/predict", json={"text": "c"})
        text = client.get("/metrics").text
    assert len(predictor.calls[0]) > 1  # they were batched together first
    status = {t: r.status_code for t, r in zip(texts, answered, strict=True)}
    assert status.pop("boom") == 500 and set(status.values()) == {200}
    for t, response in zip(texts[1:], answered[1:], strict=True):
        assert response.json()["predictions"][0]["label"] == f"label:{t}"
    assert answered[0].json()["error"]["code"] == "internal_error"
    assert after.status_code == 200 and after.json()["predictions"][0]["label"] == "label:c"
    assert metric(text, "inference_errors_total") >= 2  # the batch, then the poisoned text alone


def test_requests_accumulate_while_a_batch_runs():
    """Dynamic batching: with no wait at all, what queues during a predict call forms the
    next batch."""

    async def scenario() -> list[list[str]]:
        started = threading.Event()
        predictor = FakePredictor(delay_s=0.2, started=started)
        with ThreadPoolExecutor(1) as executor:
            batcher = MicroBatcher(predictor.predict, executor, BatchingConfig(16, 0))
            batcher.start()
            first = asyncio.ensure_future(batcher.submit(["first"]))
            while not started.is_set():
                await asyncio.sleep(0.005)
            later = [asyncio.ensure_future(batcher.submit([f"later {i}"])) for i in range(5)]
            results = await asyncio.gather(first, *later)
            await batcher.close()
        assert [r.predictions[0].label for r in results] == [
            "label:first",
            *(f"label:later {i}" for i in range(5)),
        ]
        assert [r.batch_texts for r in results] == [1, 5, 5, 5, 5, 5]
        return predictor.calls

    assert asyncio.run(scenario()) == [["first"], [f"later {i}" for i in range(5)]]


def test_closing_the_batcher_drains_pending_work_and_refuses_new_work():
    async def scenario() -> None:
        predictor = FakePredictor(delay_s=0.05)
        with ThreadPoolExecutor(1) as executor:
            batcher = MicroBatcher(predictor.predict, executor, BatchingConfig(2, 1000))
            batcher.start()
            pending = [asyncio.ensure_future(batcher.submit([f"t{i}"])) for i in range(5)]
            await asyncio.sleep(0)  # all five are queued
            await batcher.close()  # does not wait the 1000 ms; runs everything pending
            assert all(p.done() for p in pending)
            assert [p.result().predictions[0].label for p in pending] == [
                f"label:t{i}" for i in range(5)
            ]
            with pytest.raises(RuntimeError, match="shutting down"):
                await batcher.submit(["late"])
        assert [len(c) for c in predictor.calls] == [2, 2, 1]

    asyncio.run(scenario())


def test_a_cancelled_request_is_left_out_of_the_batch():
    async def scenario() -> list[list[str]]:
        predictor = FakePredictor()
        with ThreadPoolExecutor(1) as executor:
            batcher = MicroBatcher(predictor.predict, executor, BatchingConfig(16, 30))
            batcher.start()
            gone = asyncio.ensure_future(batcher.submit(["gone"]))
            kept = asyncio.ensure_future(batcher.submit(["kept"]))
            await asyncio.sleep(0)
            gone.cancel()
            assert (await kept).predictions[0].label == "label:kept"
            await batcher.close()
        return predictor.calls

    assert asyncio.run(scenario()) == [["kept"]]


# --- a real server on a real socket -----------------------------------------------------------


@contextlib.contextmanager
def uvicorn_thread(app: Any) -> Iterator[tuple[str, Any, threading.Thread]]:
    """uvicorn on 127.0.0.1 on a free port, in a thread; stopped as SIGTERM would stop it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = make_server(app, port=port, graceful_timeout_s=5, log_level="warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started)
        yield f"http://127.0.0.1:{port}", server, thread
    finally:
        server.should_exit = True
        thread.join(10)
        assert not thread.is_alive()


def test_the_tiny_model_over_real_http(tiny):
    from companion.serving.predictor import OnnxSentimentPredictor

    log = io.StringIO()
    app = create_app_for_folder(tiny, threads=1, log_stream=log)
    texts = ["the movie was great", "delivery was awful and slow"]
    with uvicorn_thread(app) as (url, _, _), httpx.Client(base_url=url, timeout=10) as client:
        assert client.get("/healthz").status_code == 200
        wait_until(lambda: client.get("/readyz").status_code == 200)
        assert client.get("/readyz").json()["model_version"] == f"{tiny.name}/{SERVING_ONNX_FILE}"
        response = client.post("/predict", json={"texts": texts})
        assert response.status_code == 200
        bad = client.post("/predict", content=b"{nope")
        metrics_text = client.get("/metrics").text
    expected = OnnxSentimentPredictor(tiny, threads=1).predict(texts)
    assert response.json()["predictions"] == [
        {"label": p.label, "score": round(p.score, 6)} for p in expected
    ]
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_json"
    assert metric(metrics_text, "texts_predicted_total") == 2
    assert any(r.get("event") == "model_loaded" for r in log_lines(log))


def test_shutdown_lets_an_in_flight_request_finish():
    started = threading.Event()
    predictor = FakePredictor(delay_s=0.6, started=started)
    log = io.StringIO()
    app = create_app(lambda: predictor, load_in_background=False, log_stream=log)
    with uvicorn_thread(app) as (url, server, thread):
        with ThreadPoolExecutor(1) as pool:
            in_flight = pool.submit(httpx.post, f"{url}/predict", json={"text": "slow"}, timeout=10)
            assert started.wait(5)
            server.should_exit = True  # what uvicorn's SIGTERM handler does
            time.sleep(0.3)  # uvicorn notices within 0.1 s and closes its listening socket
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"{url}/healthz", timeout=2)
            response = in_flight.result(timeout=10)
        thread.join(10)
        assert not thread.is_alive()
    assert response.status_code == 200
    assert response.json()["predictions"][0]["label"] == "label:slow"
    with pytest.raises(RuntimeError):  # the worker thread was shut down after it
        app.state.server.executor.submit(print)


def raw_upload(url: str, body_part: bytes, declared: int = 100) -> socket.socket:
    """A client that sends its headers and part of its body, then stalls (or vanishes)."""
    host, port = url.removeprefix("http://").split(":")
    conn = socket.create_connection((host, int(port)), timeout=10)
    conn.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 + f"Content-Length: {declared}\r\n\r\n".encode() + body_part)  # fmt: skip
    return conn


def test_at_sigterm_the_server_is_not_ready_at_once_and_late_work_gets_a_json_503():
    started = threading.Event()
    app = create_app(lambda: FakePredictor(delay_s=3.0, started=started),
                     load_in_background=False, log_stream=io.StringIO())  # fmt: skip
    with uvicorn_thread(app) as (url, _, _), ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(httpx.post, f"{url}/predict", json={"text": "slow"}, timeout=10)
        assert started.wait(5)
        state = app.state.server
        state.loop.call_soon_threadsafe(state.begin_shutdown, 0.3)  # what serve's SIGTERM hook does
        wait_until(lambda: state.status == "stopping")
        ready = httpx.get(f"{url}/readyz", timeout=5)
        new = httpx.post(f"{url}/predict", json={"text": "new"}, timeout=5)
        late = in_flight.result(timeout=10)
    assert (ready.status_code, ready.json()) == (503, {"status": "stopping"})
    assert new.status_code == 503 and new.json()["error"]["code"] == "shutting_down"
    assert late.status_code == 503 and late.json()["error"]["code"] == "shutting_down"
    assert late.headers["Retry-After"] == "1"


def test_a_stalled_upload_gets_408_after_the_body_timeout():
    app = create_app(lambda: FakePredictor(), load_in_background=False,
                     log_stream=io.StringIO(), body_timeout_s=0.5)  # fmt: skip
    with uvicorn_thread(app) as (url, _, _):
        conn = raw_upload(url, b'{"te')
        started = time.monotonic()
        answer = conn.recv(65536).decode()
        waited = time.monotonic() - started
        conn.settimeout(2)
        while "body_timeout" not in answer:
            more = conn.recv(65536).decode()
            if not more:
                break
            answer += more
        conn.close()
    assert answer.startswith("HTTP/1.1 408") and '"body_timeout"' in answer
    assert 0.3 < waited < 5


def test_stalled_uploads_are_bounded_by_the_concurrency_limit():
    log = io.StringIO()
    app = create_app(lambda: FakePredictor(), load_in_background=False, log_stream=log,
                     body_timeout_s=30, max_concurrent_requests=3)  # fmt: skip
    with uvicorn_thread(app) as (url, _, _):
        stalled = [raw_upload(url, b'{"te') for _ in range(3)]
        wait_until(lambda: metric(httpx.get(f"{url}/metrics").text, "http_requests_in_flight") == 3)
        refused = httpx.post(f"{url}/predict", json={"text": "x"}, timeout=5)
        for conn in stalled:
            conn.close()
        wait_until(lambda: metric(httpx.get(f"{url}/metrics").text, "http_requests_in_flight") == 0)
        served_after = httpx.post(f"{url}/predict", json={"text": "x"}, timeout=5)
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "overloaded"
    assert refused.headers["Retry-After"] == "1"
    assert served_after.status_code == 200


def test_a_client_that_vanishes_mid_body_is_a_499_not_a_server_error():
    log = io.StringIO()
    app = create_app(lambda: FakePredictor(), load_in_background=False, log_stream=log)
    with uvicorn_thread(app) as (url, _, _):
        raw_upload(url, b'{"text": "hal').close()
        wait_until(lambda: any(r.get("status") == 499 for r in request_logs(log)))
        metrics_text = httpx.get(f"{url}/metrics").text
    records = request_logs(log)
    assert [r["error_code"] for r in records] == ["client_disconnected"]
    assert all(r["level"] == "INFO" for r in log_lines(log))
    assert metric(metrics_text, "http_requests_total", path="/predict", status="499") == 1
    assert metric(metrics_text, "http_requests_total", path="/predict", status="500") == 0


def test_sigterm_stops_the_cli_server_gracefully(tiny):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "companion", "serve", "--model-dir", str(tiny),
         "--port", str(port), "--threads", "1", "--batch-wait-ms", "1000",
         "--model-version", "tiny-v1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        with httpx.Client(base_url=url, timeout=10) as client:

            def ready() -> bool:
                assert process.poll() is None, process.communicate()
                try:
                    return client.get("/readyz").status_code == 200
                except httpx.TransportError:
                    return False

            wait_until(ready, timeout_s=30)
            with ThreadPoolExecutor(1) as pool:
                # the batcher holds it for up to 1 s: it is in flight when SIGTERM arrives
                in_flight = pool.submit(client.post, "/predict", json={"text": "hello"})
                wait_until(
                    lambda: metric(client.get("/metrics").text, "http_requests_in_flight") == 1
                )
                process.send_signal(signal.SIGTERM)
                response = in_flight.result(timeout=10)
        _, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert response.status_code == 200
    assert response.json()["model_version"] == "tiny-v1"
    assert process.returncode == 0, err
    assert "Traceback" not in err
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert [r["status"] for r in records if "status" in r] == [200]
    assert any(r.get("event") == "shutdown_started" for r in records)  # not ready at SIGTERM


# --- command line -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        pytest.param(None, "does not exist", id="no folder"),
        pytest.param(
            ["config.json"], "missing tokenizer.json, model.optimized.int8.onnx", id="not exported"
        ),
    ],
)
def test_serve_without_an_exported_model_is_a_one_line_usage_error(
    tmp_path, capsys, files, fragment
):
    folder = tmp_path / "model"
    if files is not None:
        folder.mkdir()
        for name in files:
            (folder / name).write_text("{}")
    with pytest.raises(SystemExit) as info:
        main(["serve", "--model-dir", str(folder)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (error,) = [line for line in err.splitlines() if "error:" in line]
    assert fragment in error
    assert "build_offline_model" in error  # names the command that builds it
    assert error.startswith("python -m companion serve: error:")


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        pytest.param("ONNX_THREADS", "many", "ONNX_THREADS", id="ONNX_THREADS not a number"),
        pytest.param("OMP_NUM_THREADS", "0", "OMP_NUM_THREADS", id="OMP_NUM_THREADS 0"),
        pytest.param("PORT", "99999", "PORT", id="port out of range"),
        pytest.param("MAX_TEXTS", "lots", "MAX_TEXTS", id="bad limit"),
    ],
)
def test_serve_rejects_bad_environment_variables(tmp_path, capsys, monkeypatch, variable, value,
                                                 fragment):  # fmt: skip
    for name in ("config.json", "tokenizer.json", SERVING_ONNX_FILE):
        (tmp_path / name).write_text("{}")
    for name in ("ONNX_THREADS", "OMP_NUM_THREADS", "PORT", "MAX_TEXTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit) as info:
        main(["serve", "--model-dir", str(tmp_path)])
    assert info.value.code == 2
    assert fragment in capsys.readouterr().err


def test_serve_help_documents_every_option_and_environment_variable(capsys):
    with pytest.raises(SystemExit) as info:
        main(["serve", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--model-dir", "--onnx-file", "--host", "--port", "--threads",
                   "--batch-max-texts", "--batch-wait-ms", "--model-version",
                   "--graceful-timeout-s"):  # fmt: skip
        assert option in text
    for variable in ("MODEL_DIR", "MODEL_VERSION", "ONNX_THREADS", "OMP_NUM_THREADS", "PORT"):
        assert variable in text


def test_the_serving_path_imports_no_torch_and_the_package_stays_light():
    code = (
        "import sys\n"
        "import companion.serving\n"
        "light = not {'starlette', 'uvicorn', 'prometheus_client', 'onnxruntime'} & set(sys.modules)\n"
        "assert companion.serving.create_app and companion.serving.BatchingConfig  # lazy\n"
        "from companion.cli import main\n"
        "try:\n"
        "    main(['serve', '--model-dir', '/nonexistent/model'])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "print(light, code, 'torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.stdout.split() == ["True", "2", "False", "False"], result.stderr


# --- Dockerfile (no Docker engine here: checked statically) -----------------------------------


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, comments dropped and continuation lines joined."""
    text = (REPO / "docker" / "Dockerfile").read_text()
    kept = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    text = re.sub(r"\\\n", " ", "\n".join(kept))
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
        for line in text.splitlines()
        if line.strip()
    ]  # fmt: skip


def _instructions(name: str) -> list[str]:
    return [args for instruction, args in _dockerfile() if instruction == name]


def test_dockerfile_base_image_is_pinned_slim_python():
    (base,) = _instructions("FROM")
    image, _, tag = base.partition(":")
    assert image == "python"
    assert re.match(r"3\.11\.\d+-slim", tag), tag  # a specific patch release, not "latest"


def test_dockerfile_runs_as_a_non_root_user():
    users = _instructions("USER")
    assert users, "no USER instruction"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_installs_only_the_server_extra():
    runs = " ".join(_instructions("RUN"))
    assert "pip install --no-deps -r /tmp/requirements-server.txt" in runs  # the server's lock
    for heavy in ("torch", "transformers", "[optimize]"):
        assert heavy not in runs


def test_dockerfile_serves_on_the_exposed_port_with_the_cli():
    (cmd,) = _instructions("CMD")
    argv = json.loads(cmd)  # the exec form, so python is PID 1 and gets SIGTERM
    assert argv[:4] == ["python", "-m", "companion", "serve"]
    port = argv[argv.index("--port") + 1]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert _instructions("EXPOSE") == [port]
    assert not _instructions("HEALTHCHECK")  # Kubernetes probes /healthz and /readyz


def test_dockerfile_copies_an_exported_model_given_as_a_build_arg():
    assert any(a.startswith("MODEL_SRC") for a in _instructions("ARG"))
    copies = " ".join(_instructions("COPY"))
    assert "${MODEL_SRC}" in copies and "${ONNX_FILE}" in copies
    assert any("MODEL_DIR=" in env for env in _instructions("ENV"))


def test_the_docker_build_context_leaves_out_the_venv_and_keeps_what_the_image_copies() -> None:
    root = Path(__file__).resolve().parent.parent
    ignored = {
        line.strip()
        for line in (root / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".git"} <= ignored
    copied = {"pyproject.toml", "README.md", "companion", "companion/", "build"}
    assert not ignored & copied


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[" * 5_000 + b"]" * 5_000, "too_deep"),
        (b'{"text": ' + b"9" * 5_000 + b"}", "number_too_large"),
        (b'{"text": "\\ud800"}', "invalid_unicode"),
        (b'{"text": "ok \xed\xa0\x80"}', "invalid_unicode"),
        (b"[1, 2]", "invalid_request"),
        (b'{"texts": {"a": 1}}', "invalid_type"),
    ],
    ids=[
        "deep",
        "huge-number",
        "escaped-surrogate",
        "raw-surrogate",
        "not-a-dict",
        "dict-for-list",
    ],
)
def test_each_class_of_hostile_body_is_a_400_with_its_code(body: bytes, code: str) -> None:
    predictor = FakePredictor()
    with served(predictor, limits=Limits(max_body_bytes=64 * 1024)) as client:
        response = client.post(
            "/predict", content=body, headers={"content-type": "application/json"}
        )
        assert client.get("/healthz").status_code == 200  # the server is still there
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not predictor.calls


def test_a_long_method_or_path_is_not_echoed_back() -> None:
    with served(FakePredictor()) as client:
        response = client.request("X" * 5_000, "/predict")
        missing = client.get("/" + "p" * 5_000)
    assert response.status_code == 405 and len(response.text) < 400
    assert missing.status_code == 404 and len(missing.text) < 400


def test_a_shutdown_during_a_slow_model_load_is_bounded():
    """A load that would take 60 s: the server stops within the load wait (5 s) and leaves the
    load behind on its daemon thread, logging that it did."""
    release = threading.Event()

    def slow_factory() -> FakePredictor:
        release.wait(60)
        return FakePredictor()

    log = io.StringIO()
    app = create_app(slow_factory, log_stream=log)  # loads in the background
    started = time.monotonic()
    with uvicorn_thread(app) as (url, _, _):
        assert httpx.get(f"{url}/readyz", timeout=5).json() == {"status": "loading"}
        started = time.monotonic()
    stopped_s = time.monotonic() - started
    release.set()
    assert stopped_s < 8
    assert any(r.get("event") == "model_load_abandoned" for r in log_lines(log))


_HOSTILE_BODIES = st.one_of(
    st.builds(lambda d: ("too_deep", b"[" * d + b"]" * d), st.integers(33, 3_000)),
    st.builds(lambda n: ("number_too_large", b'{"text": ' + b"7" * n + b"}"), st.integers(65, 5_000)),
    st.builds(lambda c, raw: ("invalid_unicode", b'{"text": "a' + (
        chr(c).encode("utf-8", "surrogatepass") if raw else f"\\u{c:04x}".encode()) + b'"}'),
        st.integers(0xD800, 0xDFFF), st.booleans()),
    st.builds(lambda v: ("invalid_request", json.dumps(v).encode()),
              st.one_of(st.lists(st.integers(), max_size=3), st.integers(), st.none())),
    st.builds(lambda v: ("invalid_type", json.dumps({"texts": v}).encode()),
              st.one_of(st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.integers())),
)  # fmt: skip


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(case=_HOSTILE_BODIES)
def test_every_hostile_body_gets_its_classes_400_and_the_server_stays_up(
    case: tuple[str, bytes],
) -> None:
    code, body = case
    predictor = FakePredictor()
    with served(predictor, limits=Limits(max_body_bytes=64 * 1024)) as client:
        response = client.post(
            "/predict", content=body, headers={"content-type": "application/json"}
        )
        healthy = client.get("/healthz").status_code
    assert (response.status_code, response.json()["error"]["code"]) == (400, code)
    assert healthy == 200 and not predictor.calls
