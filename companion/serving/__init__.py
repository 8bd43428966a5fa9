"""The serving path: what later lessons deploy. Imports neither torch nor transformers.

It owns the prediction request contract (:mod:`.contract`: limits, errors, parsing), which the
Lambda handler in :mod:`companion.serverless` reuses; serving never imports serverless. The
predictor is imported eagerly (it loads onnxruntime only when you build one); the HTTP
server, its metrics and the micro-batcher load on first use, so ``import companion.serving``
does not pay for starlette, uvicorn or prometheus_client.
"""

from __future__ import annotations

import importlib
from typing import Any

from .._serving_model import SERVING_ONNX_FILE
from .contract import (
    MAX_JSON_DEPTH,
    MAX_NUMBER_CHARS,
    Limits,
    Predictor,
    RequestError,
    check_body_size,
    parse_predict_request,
)
from .predictor import EmptyTextError, OnnxSentimentPredictor, Prediction

_LAZY = {
    "BatchObserver": "batching",
    "BatchingConfig": "batching",
    "InferenceResult": "batching",
    "MicroBatcher": "batching",
    "ShuttingDownError": "batching",
    "ServerMetrics": "metrics",
    "ServerState": "server",
    "create_app": "server",
    "create_app_for_folder": "server",
    "make_server": "server",
    "run_server": "server",
    "serve": "server",
}

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_NUMBER_CHARS",
    "SERVING_ONNX_FILE",
    "EmptyTextError",
    "Limits",
    "OnnxSentimentPredictor",
    "Prediction",
    "Predictor",
    "RequestError",
    "check_body_size",
    "parse_predict_request",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
