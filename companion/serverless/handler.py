"""The AWS Lambda entry point: ``handler.handler``.

The model loads once per container, when Lambda imports this module (the init phase, billed
as part of the cold start); warm invocations reuse it. Configuration comes from environment
variables:

- ``MODEL_DIR`` (default: ``model`` next to this file, as packaged) and ``ONNX_FILE``
  (default ``model.optimized.int8.onnx``, :data:`companion.serving.SERVING_ONNX_FILE`); ``MODEL_VERSION`` (default: the folder and file names);
- ``ONNX_THREADS`` (default: ONNX Runtime's choice); ``CORS_ALLOW_ORIGIN`` (default ``*``);
- ``MAX_TEXT_CHARS``, ``MAX_TEXTS``, ``MAX_BODY_BYTES`` (see :class:`~companion.serving.Limits`).

If the model cannot load, the function still starts and answers every request with a 500
whose body names no internals; the cause goes to the log.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from .._serving_model import SERVING_ONNX_FILE
from ..serving.contract import Limits
from .app import InferenceApp

_INIT_START = time.perf_counter()


def _build_app() -> InferenceApp:
    environ = os.environ
    limits = Limits.from_env(environ)  # a bad limit is a deployment error: fail the init loudly
    model_dir = Path(environ.get("MODEL_DIR", Path(__file__).resolve().parent / "model"))
    onnx_file = environ.get("ONNX_FILE", SERVING_ONNX_FILE)
    threads = int(environ["ONNX_THREADS"]) if environ.get("ONNX_THREADS") else None
    version = environ.get("MODEL_VERSION", f"{model_dir.name}/{onnx_file}")
    predictor: Any = None
    error: BaseException | None = None
    try:
        from ..serving.predictor import OnnxSentimentPredictor

        predictor = OnnxSentimentPredictor(model_dir, onnx_file=onnx_file, threads=threads)
    except Exception as exc:  # keep the container alive so requests get a clean 500
        error = exc
    return InferenceApp(
        predictor=predictor,
        limits=limits,
        model_version=version,
        init_duration_ms=(time.perf_counter() - _INIT_START) * 1000,
        load_error=error,
        cors_allow_origin=environ.get("CORS_ALLOW_ORIGIN", "*"),
    )


APP = _build_app()


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """What Lambda calls: see :class:`~companion.serverless.app.InferenceApp`."""
    return APP.handle(event, context)
