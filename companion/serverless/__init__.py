"""A real serverless inference function: handler, packaging, deploy, local runs, memory tuning.

The request contract and the app are imported eagerly (the Lambda handler needs them at
cold start); packaging, deploy, tuning and the local harness load on first use, so the
function's init does not pay for boto3 or zipfile machinery it never calls.
"""

from __future__ import annotations

import importlib
from typing import Any

from .app import InferenceApp, normalize_event
from .requests import Limits, RequestError, parse_predict_request

_LAZY = {
    "Artifact": "packaging",
    "LimitReport": "packaging",
    "PackagingError": "packaging",
    "build_zip": "packaging",
    "build_zip_from_directory": "packaging",
    "check_limits": "packaging",
    "check_image_limits": "packaging",
    "distribution_sizes": "packaging",
    "estimate_unzipped_bytes": "packaging",
    "write_container_context": "packaging",
    "DeployError": "deploy",
    "DeployResult": "deploy",
    "FunctionConfig": "deploy",
    "deploy": "deploy",
    "destroy": "deploy",
    "least_privilege_policy": "deploy",
    "DurationModel": "tuning",
    "TuningResult": "tuning",
    "tune": "tuning",
    "InvocationReport": "harness",
    "invoke_locally": "harness",
    "RUNTIME_PACKAGES": "bundle",
    "handler_files": "bundle",
    "model_files": "bundle",
}

__all__ = [
    "InferenceApp",
    "Limits",
    "RequestError",
    "normalize_event",
    "parse_predict_request",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
