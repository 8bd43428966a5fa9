"""Which model the course serves, named once (imports nothing, so the CLI and the Lambda
handler can read it without loading numpy).

:data:`SERVING_ONNX_FILE` is the file the server, the Lambda handler, the bundle and the CLI load
by default; :data:`SERVING_VARIANT` is that model's label in the committed benchmark
(``companion/data/results/optimize_distilbert.json``), whose latencies the cost lessons plan with.
``companion.serving`` re-exports the first, ``companion.measurements`` the second.
"""

from __future__ import annotations

__all__ = ["SERVING_ONNX_FILE", "SERVING_VARIANT"]

SERVING_ONNX_FILE = "model.optimized.int8.onnx"
"""ONNX Runtime's fused graph quantized to int8 (per-channel dynamic), built by
:func:`companion.optimize.ensure_optimized`. The committed benchmark measured it the fastest
variant that agrees with PyTorch on ONNX Runtime, which both the serving image and the Lambda
bundle carry; OpenVINO's package (≈ 185 MB) does not fit beside the rest in Lambda's 250 MB,
and on the benchmark's AVX2 CPU it was slower."""

SERVING_VARIANT = "onnxruntime-int8-optimized"
"""The benchmark's label for the model in :data:`SERVING_ONNX_FILE`."""
