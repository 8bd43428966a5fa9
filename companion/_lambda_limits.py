"""AWS Lambda's limits and names, written once: every module that checks a memory size, an
architecture, a runtime or a package size reads them from here.

Source: AWS Lambda quotas and runtimes pages
(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html,
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html, read 2026-11-27).
This module imports nothing and sits outside ``companion.serverless`` (whose package imports the
serving contract, and with it numpy), so the cost models and the price catalog read it without
loading Lambda's code. Its public home is :mod:`companion.serverless.limits`.
"""

from __future__ import annotations

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

BYTES_PER_MB = 1024 * 1024
#: Lambda's instruction-set architectures, in Lambda's spelling.
ARCHITECTURES: tuple[str, ...] = ("x86_64", "arm64")
#: Python versions of Lambda's managed runtimes and base images.
PYTHON_VERSIONS: tuple[str, ...] = ("3.10", "3.11", "3.12", "3.13")
DEFAULT_PYTHON_VERSION = "3.11"
#: Memory a function may have, inclusive (MB).
MEMORY_MB_RANGE: tuple[int, int] = (128, 10_240)
#: A function's timeout, inclusive (seconds).
TIMEOUT_S_RANGE: tuple[int, int] = (1, 900)
#: A zip uploaded directly (CreateFunction's ZipFile): 50 MB.
ZIP_DIRECT_UPLOAD_LIMIT_BYTES = 50 * BYTES_PER_MB  # 52,428,800
#: The deployment package unzipped, layers included: 250 MB (also when the zip comes from S3).
UNZIPPED_LIMIT_BYTES = 250 * BYTES_PER_MB  # 262,144,000
#: A container image, uncompressed, all layers (the base image's too): 10 GB.
CONTAINER_IMAGE_LIMIT_BYTES = 10 * 1024 * BYTES_PER_MB  # 10,737,418,240
#: A synchronous invocation's request payload: 6 MB.
PAYLOAD_LIMIT_BYTES = 6 * BYTES_PER_MB


def runtime(python_version: str) -> str:
    """Lambda's runtime identifier for a Python version: ``"3.11"`` -> ``"python3.11"``."""
    return f"python{python_version}"


#: Lambda's runtime identifiers, in the order of :data:`PYTHON_VERSIONS`.
RUNTIMES: tuple[str, ...] = tuple(runtime(v) for v in PYTHON_VERSIONS)
DEFAULT_RUNTIME = runtime(DEFAULT_PYTHON_VERSION)
#: The runtime the course deploys to (lesson 03a, and the CLI's default): python3.12 runs on
#: Amazon Linux 2023 (glibc 2.34), while python3.11's Amazon Linux 2 (glibc 2.26) is older than
#: current onnxruntime and numpy wheels need (glibc 2.27 or newer).
COURSE_RUNTIME = runtime("3.12")
