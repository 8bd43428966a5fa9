"""Make the model cheap: build/load, export to ONNX, quantize, check, benchmark, price.

Heavy libraries (torch, transformers, onnxruntime) are imported inside the functions that need
them, so importing this package stays fast.
"""

from .benchmark import (
    BenchmarkCase,
    LatencyStats,
    instruction_sets,
    machine_description,
    run_benchmark,
    save_results,
    summarize,
    token_batch,
)
from .economics import (
    InstanceSpeed,
    cost_per_million_predictions,
    instance_speed_at_target,
    optimization_savings,
    speeds_at_target,
)
from .exceptions import AgreementError, IsolatedStepError, ModelLoadError
from .export import (
    AgreementReport,
    check_agreement,
    ensure_exported,
    export_onnx,
    export_saved,
    onnx_logits,
    quantize_int8,
    torch_logits,
)
from .gpu import GpuMeasurement, cuda_available, gpu_benchmark, gpu_price_per_hour
from .isolation import run_isolated
from .model_benchmark import benchmark_model, read_measurements
from .offline_model import (
    DEFAULT_MODEL_ID,
    LABELS,
    build_offline_model,
    default_model_dir,
    load_classifier,
    sample_texts,
    vocabulary,
)
from .runtimes import ort_session, runtime_variants

__all__ = [
    "DEFAULT_MODEL_ID",
    "LABELS",
    "AgreementError",
    "AgreementReport",
    "BenchmarkCase",
    "GpuMeasurement",
    "InstanceSpeed",
    "IsolatedStepError",
    "LatencyStats",
    "ModelLoadError",
    "benchmark_model",
    "build_offline_model",
    "check_agreement",
    "cost_per_million_predictions",
    "cuda_available",
    "default_model_dir",
    "ensure_exported",
    "export_onnx",
    "export_saved",
    "gpu_benchmark",
    "gpu_price_per_hour",
    "instance_speed_at_target",
    "instruction_sets",
    "load_classifier",
    "machine_description",
    "onnx_logits",
    "optimization_savings",
    "ort_session",
    "quantize_int8",
    "read_measurements",
    "run_benchmark",
    "run_isolated",
    "runtime_variants",
    "sample_texts",
    "save_results",
    "speeds_at_target",
    "summarize",
    "token_batch",
    "torch_logits",
    "vocabulary",
]
