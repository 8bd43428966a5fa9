"""The prediction request contract, owned by the serving path and shared with the Lambda
handler (``companion.serverless`` depends on it, never the reverse).

A request body is JSON: ``{"text": "..."}`` or ``{"texts": ["...", ...]}``. Everything a client
can get wrong becomes a :class:`RequestError` with an HTTP status (400 or 413), a stable error
code and a message that says how to fix the request.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .._errors import CompanionError

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_NUMBER_CHARS",
    "Limits",
    "Predictor",
    "RequestError",
    "check_body_size",
    "parse_predict_request",
]


class Predictor(Protocol):
    """What serves predictions: ``predict(texts)`` returns one prediction per text, each with
    ``.label`` and ``.score`` (:class:`~companion.serving.OnnxSentimentPredictor` does)."""

    def predict(self, texts: Sequence[str]) -> Sequence[Any]: ...


class RequestError(CompanionError, ValueError):
    """A client error: ``status`` (400 or 413), ``code`` and a message for the client."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Limits:
    """Request limits; ``from_env`` reads ``MAX_TEXT_CHARS``, ``MAX_TEXTS``, ``MAX_BODY_BYTES``."""

    max_text_chars: int = 2_000
    max_texts: int = 16
    max_body_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        for name in ("max_text_chars", "max_texts", "max_body_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Limits:
        values: dict[str, int] = {}
        for name, variable in (
            ("max_text_chars", "MAX_TEXT_CHARS"),
            ("max_texts", "MAX_TEXTS"),
            ("max_body_bytes", "MAX_BODY_BYTES"),
        ):
            if variable in environ:
                try:
                    values[name] = int(environ[variable])
                except ValueError:
                    raise ValueError(
                        f"environment variable {variable} must be a whole number, got {environ[variable]!r}"
                    ) from None
        return cls(**values)


def check_body_size(size: int, limits: Limits) -> None:
    """The 413 :class:`RequestError` for a body of ``size`` bytes over the limit.

    A server that streams the body calls it with the declared ``Content-Length`` before
    reading, so an oversized body is refused without being held in memory.
    """
    if size > limits.max_body_bytes:
        raise RequestError(
            413,
            "body_too_large",
            f"the request body is {size} bytes; the limit is {limits.max_body_bytes}",
        )


MAX_JSON_DEPTH = 32  # the contract needs 2 levels; anything deeper is not a prediction request
MAX_NUMBER_CHARS = 64  # no field of the contract is a number; a long one is refused, not parsed
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in ``body`` (strings skipped), in C-speed
    passes: so a deeply nested body is refused before the parser recurses into it."""
    brackets = _STRINGS.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(itertools.accumulate(_STEP[b] for b in brackets), default=0)


def _number(parse: Any) -> Any:
    def checked(text: str) -> Any:
        if len(text) > MAX_NUMBER_CHARS:
            raise RequestError(
                400, "number_too_large",
                f"the body holds a number of {len(text)} characters; the limit is {MAX_NUMBER_CHARS}",
            )  # fmt: skip
        return parse(text)

    return checked


def _load_json(body: bytes) -> Any:
    if json_depth(body) > MAX_JSON_DEPTH:
        raise RequestError(
            400, "too_deep", f"the body nests arrays or objects deeper than {MAX_JSON_DEPTH} levels"
        )
    try:
        return json.loads(body, parse_int=_number(int), parse_float=_number(float))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise RequestError(
            400, "invalid_json", f"the request body is not valid JSON ({reason})"
        ) from None


def _check_unicode(name: str, text: str) -> None:
    """A lone surrogate (``"\\ud800"``, or UTF-8 bytes that encode one) is not a character."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RequestError(
            400, "invalid_unicode",
            f"{name} holds a lone surrogate at position {exc.start}: not a Unicode character",
        ) from None  # fmt: skip


def parse_predict_request(body: bytes, limits: Limits) -> list[str]:
    """The texts to classify, or a :class:`RequestError` saying what is wrong with ``body``."""
    check_body_size(len(body), limits)
    if not body.strip():
        raise RequestError(
            400, "empty_body", 'the request body is empty; send JSON like {"text": "great product"}'
        )
    payload: Any = _load_json(body)
    if not isinstance(payload, dict):
        raise RequestError(
            400,
            "invalid_request",
            f'the body must be a JSON object like {{"text": "..."}}, not a JSON {type(payload).__name__}',
        )
    present = [key for key in ("text", "texts") if key in payload]
    if len(present) != 1:
        raise RequestError(
            400,
            "invalid_request",
            'give exactly one of "text" (a string) or "texts" (a list of strings)',
        )
    if present == ["text"]:
        texts = [payload["text"]]
        where = ["text"]
    else:
        texts = payload["texts"]
        if not isinstance(texts, list):
            raise RequestError(
                400,
                "invalid_type",
                f'"texts" must be a list of strings, not a JSON {type(texts).__name__}',
            )
        if not texts:
            raise RequestError(400, "empty_texts", '"texts" is empty; send at least one text')
        if len(texts) > limits.max_texts:
            raise RequestError(
                413,
                "too_many_texts",
                f'"texts" has {len(texts)} items; the limit is {limits.max_texts} per request',
            )
        where = [f"texts[{i}]" for i in range(len(texts))]
    for name, text in zip(where, texts, strict=True):
        if not isinstance(text, str):
            raise RequestError(
                400, "invalid_type", f"{name} must be a string, not a JSON {_json_type(text)}"
            )
        _check_unicode(name, text)
        if not text.strip():
            raise RequestError(400, "empty_text", f"{name} is empty; there is nothing to classify")
        if len(text) > limits.max_text_chars:
            raise RequestError(
                413,
                "text_too_long",
                f"{name} has {len(text)} characters; the limit is {limits.max_text_chars}",
            )
    return list(texts)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
