"""AWS Lambda's limits and names, written once (in :mod:`companion._lambda_limits`, a module
that imports nothing, so the cost models read them without importing this package): every
module that checks a memory size, an architecture, a runtime or a package size reads them from
there. Sources and dates are in that module."""

from __future__ import annotations

from .._lambda_limits import (
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

__all__ = [
    "ARCHITECTURES",
    "BYTES_PER_MB",
    "CONTAINER_IMAGE_LIMIT_BYTES",
    "COURSE_RUNTIME",
    "DEFAULT_PYTHON_VERSION",
    "DEFAULT_RUNTIME",
    "MEMORY_MB_RANGE",
    "PAYLOAD_LIMIT_BYTES",
    "PYTHON_VERSIONS",
    "RUNTIMES",
    "TIMEOUT_S_RANGE",
    "UNZIPPED_LIMIT_BYTES",
    "ZIP_DIRECT_UPLOAD_LIMIT_BYTES",
    "runtime",
]
