"""The Lambda function's logic: events in, JSON responses out, one log line per invocation.

`InferenceApp.handle(event, context)` accepts API Gateway REST (payload v1), HTTP API (v2) and
Function URL events (also base64-encoded bodies), and direct invocations with a plain dict. The
deployable entry point, which builds one app per container at import, is
:mod:`companion.serverless.handler`.
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..serving.contract import Limits, Predictor, RequestError, parse_predict_request
from .limits import PAYLOAD_LIMIT_BYTES

__all__ = ["InferenceApp", "normalize_event"]


LAMBDA_PAYLOAD_LIMIT_BYTES = PAYLOAD_LIMIT_BYTES  # a synchronous invocation's request payload


@dataclass(frozen=True)
class _Request:
    kind: str  # "http" or "direct"
    method: str
    body: bytes
    request_id: str


def normalize_event(event: Any, context: Any = None) -> _Request:
    """Recognise the event shape; raises :class:`RequestError` for one it cannot read."""
    context_id = getattr(context, "aws_request_id", None)
    if not isinstance(event, Mapping):
        raise RequestError(
            400, "invalid_event", f"the event must be a JSON object, not {type(event).__name__}"
        )
    request_context = event.get("requestContext")
    if isinstance(request_context, Mapping) and (
        "httpMethod" in event or "http" in request_context
    ):
        if "httpMethod" in event:  # API Gateway REST API, payload format 1.0
            method = str(event.get("httpMethod", "POST"))
        else:  # HTTP API payload 2.0 and Function URLs (the same shape)
            http = request_context.get("http")
            if not isinstance(http, Mapping):
                raise RequestError(400, "invalid_event", "requestContext.http must be an object")
            method = str(http.get("method", "POST"))
        request_id = str(request_context.get("requestId") or context_id or uuid.uuid4())
        raw = event.get("body")
        if raw is None:
            body = b""
        elif not isinstance(raw, str):
            raise RequestError(400, "invalid_event", "the event's body must be a string")
        elif event.get("isBase64Encoded"):
            try:
                body = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                raise RequestError(
                    400,
                    "invalid_base64",
                    "the body is marked base64-encoded but is not valid base64",
                ) from None
        else:
            body = raw.encode("utf-8", errors="surrogatepass")
        return _Request("http", method.upper(), body, request_id)
    # Direct invocation (aws lambda invoke, SDK, another service): the event is the payload.
    try:
        body = json.dumps(event).encode("utf-8", errors="surrogatepass")
    except (RecursionError, ValueError, TypeError):  # nested past the stack, or not JSON data
        raise RequestError(
            400, "invalid_event", "the event is not a JSON object this function can read"
        ) from None
    return _Request("direct", "POST", body, str(context_id or uuid.uuid4()))


@dataclass
class InferenceApp:
    """One container's app: a loaded predictor (or the error that stopped it loading)."""

    predictor: Predictor | None
    limits: Limits = field(default_factory=Limits)
    model_version: str = "unversioned"
    init_duration_ms: float = 0.0
    load_error: BaseException | None = None
    cors_allow_origin: str = "*"
    log_stream: TextIO | None = (
        None  # None: sys.stdout at call time (Lambda sends it to CloudWatch)
    )
    clock: Callable[[], float] = time.perf_counter
    _invocations: int = 0

    def __post_init__(self) -> None:
        # The edge that has the limit enforces it: a body above Lambda's 6 MB synchronous
        # payload never reaches the handler, so a larger max_body_bytes is a misconfiguration.
        if self.limits.max_body_bytes > LAMBDA_PAYLOAD_LIMIT_BYTES:
            raise ValueError(
                f"max_body_bytes must be <= {LAMBDA_PAYLOAD_LIMIT_BYTES} (Lambda's 6 MB payload "
                f"limit), got {self.limits.max_body_bytes}"
            )

    def handle(self, event: Any, context: Any = None) -> dict[str, Any]:
        start = self.clock()
        cold = self._invocations == 0
        self._invocations += 1
        request_id = str(getattr(context, "aws_request_id", None) or uuid.uuid4())
        kind = "http"
        log: dict[str, Any] = {"cold_start": cold}
        payload: dict[str, Any] | None
        try:
            request = normalize_event(event, context)
            kind, request_id = request.kind, request.request_id
            if request.method == "OPTIONS":
                status, payload = 204, None
            elif request.method != "POST":
                shown = request.method[:16] + ("…" if len(request.method) > 16 else "")
                raise RequestError(405, "method_not_allowed", f"use POST, not {shown}")
            else:
                texts = parse_predict_request(request.body, self.limits)
                log.update(texts=len(texts), characters=sum(len(t) for t in texts))
                if self.predictor is None:
                    raise _Internal("model_unavailable", self.load_error)
                inference_start = self.clock()
                try:
                    predictions = self.predictor.predict(texts)
                except Exception as exc:  # never leak internals to the client; log them
                    raise _Internal("internal_error", exc) from exc
                inference_ms = (self.clock() - inference_start) * 1000
                status = 200
                payload = {
                    "predictions": [
                        {"label": p.label, "score": round(float(p.score), 6)} for p in predictions
                    ],
                    "model_version": self.model_version,
                    "timings_ms": {"inference": round(inference_ms, 3)},
                }
        except RequestError as error:
            status, payload = (
                error.status,
                {"error": {"code": error.code, "message": error.message}},
            )
            log["error_code"] = error.code
        except _Internal as error:
            status = 500
            payload = {
                "error": {
                    "code": error.code,
                    "message": f"the service could not answer this request; retry, and quote request id {request_id} if it persists",
                }
            }
            log.update(
                error_code=error.code,
                error_type=type(error.cause).__name__,
                error_detail=str(error.cause),
            )
        total_ms = (self.clock() - start) * 1000
        if payload is not None:
            payload["request_id"] = request_id
            payload["cold_start"] = cold
            if cold:
                payload["init_duration_ms"] = round(self.init_duration_ms, 3)
            if "timings_ms" in payload:
                payload["timings_ms"]["total"] = round(total_ms, 3)
        self._log({"level": "ERROR" if status >= 500 else "INFO", "request_id": request_id, "status": status,
                   "duration_ms": round(total_ms, 3), "model_version": self.model_version, **log,
                   **({"init_duration_ms": round(self.init_duration_ms, 3)} if cold else {})})  # fmt: skip
        if kind == "direct":
            return {"statusCode": status, **(payload or {})}
        return {
            "statusCode": status,
            "headers": {
                "Content-Type": "application/json",
                "Access-Control-Allow-Origin": self.cors_allow_origin,
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": "content-type",
            },
            "isBase64Encoded": False,
            "body": json.dumps(payload) if payload is not None else "",
        }

    def _log(self, record: Mapping[str, Any]) -> None:
        stream = self.log_stream or sys.stdout
        stream.write(json.dumps(record, default=str) + "\n")


class _Internal(Exception):
    def __init__(self, code: str, cause: BaseException | None) -> None:
        super().__init__(code)
        self.code = code
        self.cause = cause
