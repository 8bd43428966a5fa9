"""Make the model cheap: build/load, export to ONNX, quantize, check, benchmark, price.

Heavy libraries (torch, transformers, onnxruntime) are imported inside the functions that need
them, so importing this package stays fast.
"""

from .benchmark import (
    BenchmarkCase,
    LatencyStats,
    distilbert_forward_flops,
    machine_description,
    run_benchmark,
    save_results,
    summarize,
    token_batch,
)
from .cpu import describe_instruction_sets, instruction_sets, int8_instructions
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
from .fusion import (
    DEFAULT_INT8_METHOD,
    INT8_METHODS,
    OPTIMIZE_MEMORY_MB,
    FusionReport,
    calibration_batches,
    ensure_optimized,
    ensure_serving_model,
    export_onnx_fusable,
    fuse_transformer_graph,
    operator_counts,
    optimize_steps,
    quantize_optimized,
)
from .gpu import GpuMeasurement, cuda_available, gpu_benchmark, gpu_price_per_hour
from .isolation import memory_limit_mb, run_isolated
from .model_benchmark import TOLERANCES, benchmark_model, read_measurements
from .offline_model import (
    DEFAULT_MODEL_ID,
    LABELS,
    ModelSize,
    build_offline_model,
    default_model_dir,
    load_classifier,
    sample_texts,
    vocabulary,
)
from .openvino_runtime import (
    OPENVINO_INT8,
    RuntimeUnavailableError,
    ensure_openvino_int8,
    openvino_available,
    openvino_runner,
    quantize_nncf,
)
from .profiling import OperatorShare, operator_profile, operator_shares
from .runtimes import OPTIMIZED_VARIANTS, optimized_variants, ort_session, runtime_variants

__all__ = [
    "DEFAULT_INT8_METHOD",
    "DEFAULT_MODEL_ID",
    "INT8_METHODS",
    "LABELS",
    "OPENVINO_INT8",
    "OPTIMIZED_VARIANTS",
    "OPTIMIZE_MEMORY_MB",
    "TOLERANCES",
    "AgreementError",
    "AgreementReport",
    "BenchmarkCase",
    "FusionReport",
    "GpuMeasurement",
    "InstanceSpeed",
    "IsolatedStepError",
    "LatencyStats",
    "ModelLoadError",
    "ModelSize",
    "OperatorShare",
    "RuntimeUnavailableError",
    "benchmark_model",
    "build_offline_model",
    "calibration_batches",
    "check_agreement",
    "cost_per_million_predictions",
    "cuda_available",
    "default_model_dir",
    "describe_instruction_sets",
    "distilbert_forward_flops",
    "ensure_exported",
    "ensure_openvino_int8",
    "ensure_optimized",
    "ensure_serving_model",
    "export_onnx",
    "export_onnx_fusable",
    "export_saved",
    "fuse_transformer_graph",
    "gpu_benchmark",
    "gpu_price_per_hour",
    "instance_speed_at_target",
    "instruction_sets",
    "int8_instructions",
    "load_classifier",
    "machine_description",
    "memory_limit_mb",
    "onnx_logits",
    "openvino_available",
    "openvino_runner",
    "operator_counts",
    "operator_profile",
    "operator_shares",
    "optimization_savings",
    "optimize_steps",
    "optimized_variants",
    "ort_session",
    "quantize_int8",
    "quantize_nncf",
    "quantize_optimized",
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
