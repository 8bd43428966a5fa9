"""A real serverless inference function: handler, packaging, deploy, local runs, memory tuning.

The request contract (owned by :mod:`companion.serving`, re-exported here), the app and
Lambda's limits (:mod:`.limits`, which imports only :mod:`companion._lambda_limits`) are imported eagerly: the Lambda
handler needs them at cold start. Packaging, deploy, tuning, the test events and the local
harness load on first use, so the function's init does not pay for boto3 or zipfile machinery
it never calls. The deployable entry point is the module :mod:`companion.serverless.handler`
(packaged as ``handler.py`` from :mod:`.lambda_function`): importing it builds the app.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..serving.contract import Limits, RequestError, parse_predict_request
from .app import InferenceApp, normalize_event
from .limits import (
    ARCHITECTURES,
    BYTES_PER_MB,
    CONTAINER_IMAGE_LIMIT_BYTES,
    COURSE_RUNTIME,
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

if TYPE_CHECKING:  # the names, typed, for type checkers; loaded lazily at run time
    from .bundle import (
        RUNTIME_PACKAGES,
        handler_files,
        model_files,
    )
    from .deployment import (
        AUTH_TYPES,
        FRONT_DOORS,
        LOG_RETENTION_DAYS,
        DeployError,
        DeployResult,
        FunctionConfig,
        deploy,
        destroy,
        lambda_trust_policy,
        least_privilege_policy,
    )
    from .events import (
        direct_event,
        function_url_event,
        http_api_event,
        rest_api_event,
    )
    from .harness import (
        InvocationReport,
        invoke_locally,
    )
    from .packaging import (
        Artifact,
        LimitCheck,
        LimitReport,
        PackageSize,
        PackagingError,
        build_zip,
        build_zip_from_directory,
        check_image_limits,
        check_limits,
        distribution_sizes,
        estimate_unzipped_bytes,
        write_container_context,
    )
    from .tuning import (
        DEFAULT_MEMORY_SIZES_MB,
        STRATEGIES,
        DurationModel,
        Strategy,
        TuningResult,
        TuningRow,
        choose,
        evaluate_size,
        monthly_cost_at,
        monthly_cost_with_cold_starts,
        trimmed_mean_ms,
        tune,
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
    "AUTH_TYPES": "deployment",
    "FRONT_DOORS": "deployment",
    "LOG_RETENTION_DAYS": "deployment",
    "DeployError": "deployment",
    "DeployResult": "deployment",
    "FunctionConfig": "deployment",
    "deploy": "deployment",
    "destroy": "deployment",
    "lambda_trust_policy": "deployment",
    "least_privilege_policy": "deployment",
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
    "AUTH_TYPES",
    "BYTES_PER_MB",
    "CONTAINER_IMAGE_LIMIT_BYTES",
    "COURSE_RUNTIME",
    "DEFAULT_MEMORY_SIZES_MB",
    "DEFAULT_PYTHON_VERSION",
    "DEFAULT_RUNTIME",
    "FRONT_DOORS",
    "LOG_RETENTION_DAYS",
    "MEMORY_MB_RANGE",
    "PAYLOAD_LIMIT_BYTES",
    "PYTHON_VERSIONS",
    "RUNTIMES",
    "RUNTIME_PACKAGES",
    "STRATEGIES",
    "TIMEOUT_S_RANGE",
    "UNZIPPED_LIMIT_BYTES",
    "ZIP_DIRECT_UPLOAD_LIMIT_BYTES",
    "Artifact",
    "DeployError",
    "DeployResult",
    "DurationModel",
    "FunctionConfig",
    "InferenceApp",
    "InvocationReport",
    "LimitCheck",
    "LimitReport",
    "Limits",
    "PackageSize",
    "PackagingError",
    "RequestError",
    "Strategy",
    "TuningResult",
    "TuningRow",
    "build_zip",
    "build_zip_from_directory",
    "check_image_limits",
    "check_limits",
    "choose",
    "deploy",
    "destroy",
    "direct_event",
    "distribution_sizes",
    "estimate_unzipped_bytes",
    "evaluate_size",
    "function_url_event",
    "handler_files",
    "http_api_event",
    "invoke_locally",
    "lambda_trust_policy",
    "least_privilege_policy",
    "model_files",
    "monthly_cost_at",
    "monthly_cost_with_cold_starts",
    "normalize_event",
    "parse_predict_request",
    "rest_api_event",
    "runtime",
    "trimmed_mean_ms",
    "tune",
    "write_container_context",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
