"""The Lambda handler: every event shape, every error path, cold vs warm, logs, and a property
test that it always answers well-formed JSON."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.serverless.app import InferenceApp, normalize_event
from companion.serverless.events import (
    direct_event,
    function_url_event,
    http_api_event,
    rest_api_event,
)
from companion.serverless.harness import invoke_locally
from companion.serving import SERVING_ONNX_FILE
from companion.serving.contract import Limits, RequestError, parse_predict_request


@dataclass(frozen=True)
class FakePrediction:
    label: str
    score: float


class FakePredictor:
    def __init__(self, fail: Exception | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail

    def predict(self, texts: Sequence[str]) -> list[FakePrediction]:
        self.calls.append(list(texts))
        if self.fail:
            raise self.fail
        return [FakePrediction("POSITIVE" if "good" in t else "NEGATIVE", 0.9) for t in texts]


def make_app(predictor: Any = None, **kwargs: Any) -> InferenceApp:
    return InferenceApp(
        predictor=FakePredictor() if predictor is None else predictor,
        limits=kwargs.pop("limits", Limits(max_text_chars=50, max_texts=3, max_body_bytes=400)),
        model_version="test-model",
        init_duration_ms=123.4,
        log_stream=kwargs.pop("log_stream", io.StringIO()),
        **kwargs,
    )


def body_of(response: dict[str, Any]) -> dict[str, Any]:
    return json.loads(response["body"]) if "body" in response else response


SHAPES = {
    "rest-v1": rest_api_event,
    "http-api-v2": http_api_event,
    "function-url": function_url_event,
}


# --- event shapes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("base64_body", [False, True], ids=["plain", "base64"])
def test_every_http_event_shape_is_answered(shape: str, base64_body: bool) -> None:
    app = make_app()
    response = app.handle(
        SHAPES[shape]({"texts": ["good product", "awful"]}, base64_body=base64_body)
    )
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    assert response["headers"]["Access-Control-Allow-Origin"] == "*"
    body = body_of(response)
    assert [p["label"] for p in body["predictions"]] == ["POSITIVE", "NEGATIVE"]
    assert body["model_version"] == "test-model"
    assert body["request_id"] in ("rest-req-1", "http-req-1", "url-req-1")
    assert set(body["timings_ms"]) == {"inference", "total"}


def test_a_single_text_is_accepted() -> None:
    body = body_of(make_app().handle(http_api_event({"text": "good"})))
    assert body["predictions"] == [{"label": "POSITIVE", "score": 0.9}]


def test_direct_invocation_returns_the_payload_itself() -> None:
    response = make_app().handle(direct_event({"text": "good"}))
    assert response["statusCode"] == 200
    assert response["predictions"][0]["label"] == "POSITIVE"
    assert "body" not in response and "headers" not in response


def test_cors_preflight_gets_204_without_running_the_model() -> None:
    predictor = FakePredictor()
    response = make_app(predictor).handle(http_api_event("", method="OPTIONS"))
    assert response["statusCode"] == 204
    assert response["headers"]["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert predictor.calls == []


def test_the_aws_request_id_from_the_context_is_used() -> None:
    @dataclass
    class Context:
        aws_request_id: str = "ctx-42"

    body = body_of(make_app().handle(direct_event({"text": "good"}), Context()))
    assert body["request_id"] == "ctx-42"


# --- error paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "invalid_json"),
        ("", 400, "empty_body"),
        ("[1, 2]", 400, "invalid_request"),
        ('{"txt": "typo"}', 400, "invalid_request"),
        ('{"text": "a", "texts": ["b"]}', 400, "invalid_request"),
        ('{"text": 42}', 400, "invalid_type"),
        ('{"text": null}', 400, "invalid_type"),
        ('{"texts": "not a list"}', 400, "invalid_type"),
        ('{"texts": ["ok", 7]}', 400, "invalid_type"),
        ('{"texts": []}', 400, "empty_texts"),
        ('{"text": "   "}', 400, "empty_text"),
        ('{"texts": ["a", "b", "c", "d"]}', 413, "too_many_texts"),
        (json.dumps({"text": "x" * 51}), 413, "text_too_long"),
        (json.dumps({"text": "y" * 45, "pad": "z" * 400}), 413, "body_too_large"),
    ],
)
def test_client_errors_get_a_status_a_code_and_a_message(body: str, status: int, code: str) -> None:
    predictor = FakePredictor()
    response = make_app(predictor).handle(http_api_event(body))
    assert response["statusCode"] == status
    error = body_of(response)["error"]
    assert error["code"] == code
    assert error["message"]
    assert predictor.calls == []


def test_invalid_base64_is_a_client_error() -> None:
    event = http_api_event('{"text": "good"}')
    event["isBase64Encoded"] = True
    event["body"] = "***not base64***"
    response = make_app().handle(event)
    assert (response["statusCode"], body_of(response)["error"]["code"]) == (400, "invalid_base64")


def test_only_post_is_allowed() -> None:
    response = make_app().handle(rest_api_event('{"text": "good"}', method="GET"))
    assert response["statusCode"] == 405


@pytest.mark.parametrize("event", [["a", "list"], "a string", 42, None])
def test_an_unreadable_event_is_a_client_error(event: Any) -> None:
    response = make_app().handle(event)
    assert response["statusCode"] == 400


def test_a_model_failure_is_a_500_that_leaks_nothing() -> None:
    secret = "/opt/model/model.int8.onnx: ORT kernel failure at node 17"
    logs = io.StringIO()
    response = make_app(FakePredictor(fail=RuntimeError(secret)), log_stream=logs).handle(
        http_api_event({"text": "good"})
    )
    assert response["statusCode"] == 500
    assert secret not in response["body"] and "RuntimeError" not in response["body"]
    body = body_of(response)
    assert body["error"]["code"] == "internal_error"
    assert body["request_id"] in body["error"]["message"]
    record = json.loads(logs.getvalue().splitlines()[-1])
    assert (
        record["level"] == "ERROR"
        and record["error_type"] == "RuntimeError"
        and secret in record["error_detail"]
    )


def test_a_model_that_did_not_load_answers_500_on_every_request() -> None:
    app = InferenceApp(
        predictor=None, load_error=FileNotFoundError("no model"), log_stream=io.StringIO()
    )
    for _ in range(2):
        response = app.handle(http_api_event({"text": "good"}))
        assert response["statusCode"] == 500
        assert body_of(response)["error"]["code"] == "model_unavailable"
        assert "no model" not in response["body"]


# --- cold vs warm, logs ---------------------------------------------------------------------------


def test_the_first_invocation_is_cold_and_reports_the_init() -> None:
    logs = io.StringIO()
    app = make_app(log_stream=logs)
    first = body_of(app.handle(http_api_event({"text": "good"})))
    second = body_of(app.handle(http_api_event({"text": "good"})))
    assert (first["cold_start"], first["init_duration_ms"]) == (True, 123.4)
    assert second["cold_start"] is False and "init_duration_ms" not in second
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert len(lines) == 2  # one structured line per invocation
    assert lines[0]["cold_start"] is True and lines[0]["init_duration_ms"] == 123.4
    assert lines[1]["cold_start"] is False
    assert {"request_id", "status", "duration_ms", "texts", "characters", "model_version"} <= set(
        lines[0]
    )


# --- limits and request parsing -------------------------------------------------------------------


def test_limits_come_from_the_environment() -> None:
    assert Limits.from_env(
        {"MAX_TEXT_CHARS": "10", "MAX_TEXTS": "2", "MAX_BODY_BYTES": "1000"}
    ) == Limits(10, 2, 1000)
    assert Limits.from_env({}) == Limits()


@pytest.mark.parametrize(
    ("environ", "message"),
    [({"MAX_TEXTS": "lots"}, "MAX_TEXTS must be a whole number"), ({"MAX_TEXTS": "0"}, "max_texts must be")],
)  # fmt: skip
def test_bad_limits_fail_loudly(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Limits.from_env(environ)


def test_lambdas_6_mb_payload_limit_belongs_to_the_lambda_app() -> None:
    """The edge that has the limit enforces it: the HTTP server may take larger bodies, the
    Lambda app refuses a configuration above what Lambda delivers."""
    big = Limits.from_env({"MAX_BODY_BYTES": str(7 * 1024 * 1024)})  # fine for the server
    with pytest.raises(ValueError, match="6 MB payload limit"):
        make_app(limits=big)


def test_parse_rejects_invalid_utf8() -> None:
    with pytest.raises(RequestError) as info:
        parse_predict_request(b'{"text": "\xff\xfe"}', Limits())
    assert info.value.status == 400


def test_normalize_recognises_v1_and_v2_methods() -> None:
    assert normalize_event(rest_api_event("{}", method="put")).method == "PUT"
    assert normalize_event(function_url_event("{}")).kind == "http"
    assert normalize_event({"text": "x"}).kind == "direct"


# --- property: always well-formed JSON, never an exception ----------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)
bodies = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    json_values.map(json.dumps),
    st.builds(lambda t: json.dumps({"text": t}), st.text(max_size=80)),
    st.builds(lambda ts: json.dumps({"texts": ts}), st.lists(st.text(max_size=20), max_size=6)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, shape=st.sampled_from(sorted(SHAPES)), encode=st.booleans())
def test_any_body_gets_a_well_formed_json_answer(body: str, shape: str, encode: bool) -> None:
    event = SHAPES[shape](body)
    if encode:
        event["isBase64Encoded"] = True
        event["body"] = base64.b64encode(body.encode("utf-8", errors="surrogatepass")).decode()
    response = make_app().handle(event)
    assert response["statusCode"] in (200, 400, 413)
    payload = json.loads(response["body"])
    assert isinstance(payload, dict)
    assert ("predictions" in payload) == (response["statusCode"] == 200)


@settings(max_examples=150, deadline=None)
@given(event=json_values)
def test_any_direct_event_gets_a_json_answer(event: Any) -> None:
    response = make_app().handle(event)
    assert response["statusCode"] in (200, 400, 413)
    json.dumps(response)


# --- the real handler module, in a fresh process, on the tiny model --------------------------------


def test_the_handler_runs_cold_then_warm_in_a_fresh_process(tiny: Path) -> None:
    events = [
        http_api_event({"text": "the delivery was fast"}),
        rest_api_event({"texts": ["fine", "slow"]}),
        direct_event({"text": ""}),
    ]
    report = invoke_locally(events, {"MODEL_DIR": str(tiny), "ONNX_THREADS": "1"})
    statuses = [r["statusCode"] for r in report.responses]
    assert statuses == [200, 200, 400]
    first, second = (json.loads(r["body"]) for r in report.responses[:2])
    assert first["cold_start"] is True and second["cold_start"] is False
    assert first["init_duration_ms"] == pytest.approx(report.init_duration_ms, abs=0.01)
    assert first["model_version"] == f"{tiny.name}/{SERVING_ONNX_FILE}"
    assert len(report.log_lines) == 3 and report.log_lines[0]["cold_start"] is True
    assert report.peak_memory_mb > 0 and report.import_ms > 0
    assert len(report.warm_durations_ms) == 2


def test_a_missing_model_still_starts_and_answers_500(tmp_path: Path) -> None:
    report = invoke_locally([http_api_event({"text": "hi"})], {"MODEL_DIR": str(tmp_path)})
    assert report.responses[0]["statusCode"] == 500
    assert str(tmp_path) not in report.responses[0]["body"]
    assert report.log_lines[0]["error_type"] == "FileNotFoundError"


# --- hostile input, by class: each class has its own stable code (issue 14) -----------------------

HOSTILE_LIMITS = Limits(max_text_chars=10_000, max_texts=16, max_body_bytes=64 * 1024)


def _nested(depth: int, opener: str) -> str:
    if opener == "[":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def _surrogate_body(prefix: str, code_point: int, raw: bool) -> bytes:
    if raw:  # the UTF-8-style bytes of a surrogate, which json.loads(bytes) accepts
        return (
            b'{"text": "'
            + prefix.encode()
            + chr(code_point).encode("utf-8", "surrogatepass")
            + b'"}'
        )
    return ('{"text": "' + prefix + f"\\u{code_point:04x}" + '"}').encode()


HOSTILE = st.one_of(
    st.builds(lambda d, o: ("too_deep", _nested(d, o).encode()), st.integers(33, 5_000), st.sampled_from("[{")),
    st.builds(lambda n, field: ("number_too_large", f'{{"{field}": {"9" * n}}}'.encode()),
              st.integers(65, 20_000), st.sampled_from(["text", "texts", "other"])),
    st.builds(lambda p, c, raw: ("invalid_unicode", _surrogate_body(p, c, raw)),
              st.text(alphabet="abc ", max_size=10), st.integers(0xD800, 0xDFFF), st.booleans()),
    st.builds(lambda v: ("invalid_request", json.dumps(v).encode()),
              st.one_of(st.lists(st.integers(), max_size=3), st.integers(), st.text(max_size=5), st.none())),
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=HOSTILE, shape=st.sampled_from(sorted(SHAPES)))
def test_each_class_of_hostile_body_gets_its_own_400(case: tuple[str, bytes], shape: str) -> None:
    code, body = case
    event = SHAPES[shape]("")
    event["body"] = base64.b64encode(body).decode()
    event["isBase64Encoded"] = True
    predictor = FakePredictor()
    response = make_app(predictor, limits=HOSTILE_LIMITS).handle(event)
    assert response["statusCode"] == 400, body[:80]
    assert json.loads(response["body"])["error"]["code"] == code
    assert not predictor.calls


@pytest.mark.parametrize(
    "event",
    [
        {"requestContext": {"http": None}, "body": "{}"},
        {"requestContext": {"http": "POST"}, "body": "{}"},
        {"requestContext": {"http": []}, "body": "{}"},
    ],
)
def test_a_request_context_that_is_not_an_object_is_a_client_error(event: dict[str, Any]) -> None:
    response = make_app().handle(event)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["code"] == "invalid_event"


def test_a_direct_event_nested_past_the_stack_is_a_client_error() -> None:
    event: list[Any] = []
    inner = event
    for _ in range(20_000):
        inner.append([])
        inner = inner[0]
    response = make_app().handle({"payload": event})
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["code"] == "invalid_event"


def test_a_long_method_is_not_echoed_back() -> None:
    event = http_api_event({"text": "good"}, method="X" * 100_000)
    response = make_app().handle(event)
    assert response["statusCode"] == 405 and len(response["body"]) < 300


def test_a_genuine_model_fault_is_still_a_500_without_internals() -> None:
    response = make_app(FakePredictor(fail=RuntimeError("/secret/path exploded"))).handle(
        http_api_event({"text": "good"})
    )
    assert response["statusCode"] == 500
    assert "/secret/path" not in response["body"] and "RuntimeError" not in response["body"]
