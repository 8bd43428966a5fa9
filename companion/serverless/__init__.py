"""A real serverless inference function: handler, packaging, deploy, local runs, memory tuning.

The request contract (owned by :mod:`companion.serving`, re-exported here), the app and
Lambda's limits (:mod:`.limits`, which imports nothing) are imported eagerly: the Lambda
handler needs them at cold start. Packaging, deploy, tuning, the test events and the local
harness load on first use, so the function's init does not pay for boto3 or zipfile machinery
it never calls. The deployable entry point is the module :mod:`companion.serverless.handler`
(packaged as ``handler.py`` from :mod:`.lambda_function`): importing it builds the app.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..serving.contract import Limits, RequestError, parse_predict_request
from .app import InferenceApp, normalize_event
from .limits import (
    ARCHITECTURES,
    BYTES_PER_MB,
    CONTAINER_IMAGE_LIMIT_BYTES,
    DEFAULT_PYTHON_VERSION,
    DEFAULT_RUNTIME,
    MEMORY_MB_RANGE,
    PAYLOAD_LIMIT_BYTES,
    PYTHON_VERSIONS,
    RUNTIMES,
    TIMEOUT_S_RANGE,
    UNZIPPED_LIMIT_BYTES,
    ZIP_DIRECT_UPLOAD_LIMIT_BYTES,
    runtime,
)

_LAZY = {
    "Artifact": "packaging",
    "LimitCheck": "packaging",
    "LimitReport": "packaging",
    "PackageSize": "packaging",
    "PackagingError": "packaging",
    "build_zip": "packaging",
    "build_zip_from_directory": "packaging",
    "check_limits": "packaging",
    "check_image_limits": "packaging",
    "distribution_sizes": "packaging",
    "estimate_unzipped_bytes": "packaging",
    "write_container_context": "packaging",
    "AUTH_TYPES": "deploy",
    "FRONT_DOORS": "deploy",
    "LOG_RETENTION_DAYS": "deploy",
    "DeployError": "deploy",
    "DeployResult": "deploy",
    "FunctionConfig": "deploy",
    "deploy": "deploy",
    "destroy": "deploy",
    "lambda_trust_policy": "deploy",
    "least_privilege_policy": "deploy",
    "DEFAULT_MEMORY_SIZES_MB": "tuning",
    "STRATEGIES": "tuning",
    "DurationModel": "tuning",
    "Strategy": "tuning",
    "TuningResult": "tuning",
    "TuningRow": "tuning",
    "choose": "tuning",
    "evaluate_size": "tuning",
    "monthly_cost_at": "tuning",
    "monthly_cost_with_cold_starts": "tuning",
    "trimmed_mean_ms": "tuning",
    "tune": "tuning",
    "direct_event": "events",
    "function_url_event": "events",
    "http_api_event": "events",
    "rest_api_event": "events",
    "InvocationReport": "harness",
    "invoke_locally": "harness",
    "RUNTIME_PACKAGES": "bundle",
    "handler_files": "bundle",
    "model_files": "bundle",
}

__all__ = [
    "ARCHITECTURES",
    "BYTES_PER_MB",
    "CONTAINER_IMAGE_LIMIT_BYTES",
    "DEFAULT_PYTHON_VERSION",
    "DEFAULT_RUNTIME",
    "MEMORY_MB_RANGE",
    "PAYLOAD_LIMIT_BYTES",
    "PYTHON_VERSIONS",
    "RUNTIMES",
    "TIMEOUT_S_RANGE",
    "UNZIPPED_LIMIT_BYTES",
    "ZIP_DIRECT_UPLOAD_LIMIT_BYTES",
    "InferenceApp",
    "Limits",
    "RequestError",
    "normalize_event",
    "parse_predict_request",
    "runtime",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
