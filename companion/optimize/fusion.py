"""ONNX Runtime's optimized path: a graph its transformer optimizer can fuse, then int8.

The default export (:func:`companion.optimize.export_onnx`, ``torch.onnx.export(dynamo=True)``
of PyTorch's scaled-dot-product attention) writes attention as Where/IsNaN masking, slices and
transposes that ``onnxruntime.transformers.optimizer`` does not recognise: it fuses the layer
norms, GELU and embedding but 0 attention blocks. Exported instead with the TorchScript
exporter (``dynamo=False``, opset 17) from transformers' *eager* attention, the same model
fuses into one ``Attention`` node per layer (6 for DistilBERT), ``SkipLayerNormalization``,
``BiasGelu`` and ``EmbedLayerNormalization``: 55 nodes instead of 287.

Then ORT's quantization pre-processing (symbolic shape inference, which the fused contrib
operators need) and one of three int8 methods:

* ``dynamic``: int8 weights, activations quantized on the fly (``quantize_dynamic``);
* ``dynamic-per-channel``: the same with one scale per output channel of each weight;
* ``static-qdq``: activations too, with ranges calibrated on sample texts, as QDQ pairs
  (uint8 activations: on x86 CPUs without VNNI, int8 × int8 products are slow).

The benchmark (``benchmarks/optimize_distilbert.py``) measures all three and checks each one's
agreement; :data:`DEFAULT_INT8_METHOD` is what :func:`ensure_optimized` builds.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from .export import INPUT_NAMES, _example_inputs, _quiet

__all__ = [
    "DEFAULT_INT8_METHOD",
    "INT8_METHODS",
    "OPTIMIZE_MEMORY_MB",
    "FusionReport",
    "calibration_batches",
    "ensure_optimized",
    "ensure_serving_model",
    "export_onnx_fusable",
    "fuse_transformer_graph",
    "operator_counts",
    "optimize_steps",
    "quantize_optimized",
]

Int8Method = Literal["dynamic", "dynamic-per-channel", "static-qdq"]
INT8_METHODS: tuple[Int8Method, ...] = get_args(Int8Method)
# Per-channel weights were as fast as per-tensor in interleaved runs on the 2-vCPU AVX2 machine
# and closer to PyTorch (max |Δlogit| 0.015 vs 0.018 over 64 texts); static QDQ was slower
# there. The benchmark re-measures all three on every machine and records the fastest.
DEFAULT_INT8_METHOD: Int8Method = "dynamic-per-channel"
OPTIMIZED_FP32 = "model.optimized.onnx"
OPTIMIZED_INT8 = "model.optimized.int8.onnx"
# The memory a machine needs to build the fused model: its largest step, the fuse, peaked at
# 1,946 MB in its own process for DistilBERT-base (companion/data/results/fused_build_memory.json,
# benchmarks/fused_build_memory.py), plus the notebook kernel beside it. Binder allows 2 GB, so
# there the course serves the plain int8 model instead (:func:`ensure_serving_model`).
OPTIMIZE_MEMORY_MB = 2_560


@dataclass(frozen=True)
class FusionReport:
    """What ONNX Runtime's transformer optimizer made of a graph."""

    nodes_before: int
    nodes_after: int
    fused: dict[str, int]  # fused operator type -> how many (zeros left out)

    @property
    def attention_fused(self) -> int:
        return self.fused.get("Attention", 0) + self.fused.get("MultiHeadAttention", 0)


def operator_counts(path: str | Path) -> dict[str, int]:
    """How many nodes of each operator type the ONNX graph at ``path`` has, most first."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    return dict(Counter(node.op_type for node in model.graph.node).most_common())


def export_onnx_fusable(model: Any, folder: str | Path, filename: str = "model.eager.onnx") -> Path:
    """Export ``model`` with its eager attention by the TorchScript exporter (opset 17), dynamic
    batch and sequence axes, one file: the form ORT's transformer optimizer fuses. The model's
    attention implementation is restored afterwards."""
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    input_ids, attention_mask = _example_inputs(model)
    previous = getattr(model.config, "_attn_implementation", None)
    axes = {0: "batch", 1: "sequence"}
    model.set_attn_implementation("eager")
    try:
        with _quiet("torch.onnx"), contextlib.redirect_stdout(io.StringIO()), torch.no_grad():
            torch.onnx.export(
                model.eval(),
                (input_ids, attention_mask),
                str(path),
                dynamo=False,
                opset_version=17,
                input_names=list(INPUT_NAMES),
                output_names=["logits"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": {0: "batch"}},
            )
    finally:
        if previous is not None:
            model.set_attn_implementation(previous)
    return path


def _attention_shape(config: Mapping[str, Any]) -> tuple[int, int] | None:
    """``(attention heads, hidden size)`` from a model config (``config.json`` as a dict, or
    ``model.config.to_dict()``), under DistilBERT's names or BERT's; ``None`` when it names
    neither, and then the transformer optimizer cannot fuse the model."""
    heads = config.get("n_heads", config.get("num_attention_heads"))
    hidden = config.get("dim", config.get("hidden_size"))
    return (int(heads), int(hidden)) if heads and hidden else None


def fuse_transformer_graph(
    source: str | Path, target: str | Path, *, num_heads: int, hidden_size: int
) -> FusionReport:
    """Run ``onnxruntime.transformers.optimizer.optimize_model(model_type="bert")`` on
    ``source`` and save the fused fp32 graph at ``target`` (one file).

    ``opt_level=0``: only the optimizer's own Python fusions, none of ONNX Runtime's session
    optimizations, whose saved result can depend on the CPU it ran on."""
    from onnxruntime.transformers.optimizer import optimize_model

    before = sum(operator_counts(source).values())
    with _quiet(None), _quiet("onnxruntime.transformers"):
        optimized = optimize_model(
            str(source),
            model_type="bert",
            num_heads=num_heads,
            hidden_size=hidden_size,
            opt_level=0,
        )
        statistics = optimized.get_fused_operator_statistics()
        optimized.save_model_to_file(str(target), use_external_data_format=False)
    fused = {name: int(count) for name, count in statistics.items() if count}
    return FusionReport(before, sum(operator_counts(target).values()), fused)


def calibration_batches(
    tokenizer_json: str | Path, texts: Sequence[str], max_length: int = 128
) -> list[dict[str, np.ndarray]]:
    """One batch-1 feed (``input_ids``, ``attention_mask``, int64) per text, for calibration."""
    from tokenizers import Tokenizer

    if not texts:
        raise ValueError("calibration needs at least one text")
    tokenizer = Tokenizer.from_file(str(tokenizer_json))
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.no_padding()
    return [
        {
            "input_ids": np.array([encoding.ids], dtype=np.int64),
            "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
        }
        for encoding in tokenizer.encode_batch(list(texts))
    ]


def quantize_optimized(
    source: str | Path,
    target: str | Path,
    method: Int8Method = DEFAULT_INT8_METHOD,
    calibration: Sequence[dict[str, np.ndarray]] = (),
) -> Path:
    """Quantize a fused fp32 graph to int8 by ``method`` (see the module's docstring), after
    ORT's quantization pre-processing. ``static-qdq`` needs ``calibration`` feeds
    (:func:`calibration_batches`). The pre-processing runs with the process's working directory
    set to a scratch folder (ORT may leave temporary files in it), so don't call this from
    several threads at once."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    if method not in INT8_METHODS:
        raise ValueError(f"method must be one of {', '.join(INT8_METHODS)}, got {method!r}")
    if method == "static-qdq" and not calibration:
        raise ValueError("static-qdq needs calibration feeds: pass calibration_batches(...)")
    source, target = Path(source).resolve(), Path(target).resolve()

    class Feeds(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._feeds: Iterator[dict[str, np.ndarray]] = iter(calibration)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._feeds, None)

    with (
        tempfile.TemporaryDirectory(prefix="companion-quant-") as scratch,
        contextlib.chdir(scratch),  # ORT's shape inference may leave temp files in the cwd
        _quiet(None),
    ):
        # The fused contrib operators need ORT's symbolic shape inference before quantization;
        # its graph optimization step is skipped (the graph is already fused).
        prepared = Path(scratch) / "prepared.onnx"
        quant_pre_process(str(source), str(prepared), skip_optimization=True)
        if method == "static-qdq":
            quantize_static(
                prepared,
                target,
                Feeds(),
                quant_format=QuantFormat.QDQ,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                calibrate_method=CalibrationMethod.MinMax,
                extra_options={"WeightSymmetric": True},
            )
        else:
            quantize_dynamic(
                prepared,
                target,
                weight_type=QuantType.QInt8,
                per_channel=method == "dynamic-per-channel",
            )
    return target


EAGER_ONNX = "model.eager.onnx"  # the TorchScript export, an intermediate


def _export_fusable_step(model_dir: str | Path, scratch: str | Path) -> None:
    """Step 1 of :func:`optimize_steps`: export the model saved in ``model_dir`` as the
    transformer optimizer can fuse it, to ``scratch/model.eager.onnx``."""
    from .offline_model import load_classifier

    model, _ = load_classifier(Path(model_dir))
    export_onnx_fusable(model, scratch, EAGER_ONNX)


def _fuse_step(model_dir: str | Path, scratch: str | Path) -> None:
    """Step 2: fuse ``scratch/model.eager.onnx`` into ``scratch/model.optimized.onnx``, with the
    attention heads and width read from ``model_dir/config.json``."""
    import json

    config = json.loads((Path(model_dir) / "config.json").read_text("utf-8"))
    shape = _attention_shape(config)
    if shape is None:
        raise ValueError(f"{model_dir}/config.json names no attention heads and hidden size")
    work = Path(scratch)
    fuse_transformer_graph(
        work / EAGER_ONNX, work / OPTIMIZED_FP32, num_heads=shape[0], hidden_size=shape[1]
    )


def _quantize_step(model_dir: str | Path, scratch: str | Path, method: str) -> None:
    """Step 3: quantize ``scratch/model.optimized.onnx`` by ``method`` into
    ``scratch/model.optimized.int8.onnx`` (static QDQ calibrates on 32 sample texts)."""
    from .offline_model import sample_texts

    if method not in INT8_METHODS:  # it arrives as a string on the child's command line
        raise ValueError(f"method must be one of {', '.join(INT8_METHODS)}, got {method!r}")
    work = Path(scratch)
    calibration: list[dict[str, np.ndarray]] = []
    if method == "static-qdq":
        calibration = calibration_batches(
            Path(model_dir) / "tokenizer.json", sample_texts(32, seed=11)
        )
    quantize_optimized(work / OPTIMIZED_FP32, work / OPTIMIZED_INT8, method, calibration)


def optimize_steps(
    model_dir: str | Path, method: Int8Method = DEFAULT_INT8_METHOD, *, isolated: bool = True
) -> dict[str, float]:
    """Export, fuse and quantize the model saved in ``model_dir`` into ``model.optimized.onnx``
    and ``model.optimized.int8.onnx``, and return each step's peak memory in MB.

    With ``isolated=True`` each step runs in a short-lived process of its own
    (:func:`companion.optimize.run_isolated`), so no process holds more than one step's peak
    (the three in one process peaked at 2.8 GB: ``companion/data/results/fused_build_memory.md``);
    without, they run here and the peaks are 0. The files are built in a scratch folder
    inside ``model_dir`` and moved into place when complete (the int8 file last), so an
    interrupted build leaves nothing that :func:`ensure_optimized` would take for finished."""
    import os

    from .isolation import run_isolated

    if method not in INT8_METHODS:
        raise ValueError(f"method must be one of {', '.join(INT8_METHODS)}, got {method!r}")
    folder = Path(model_dir)
    peaks: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix=".optimizing-", dir=folder) as scratch:
        steps = (
            ("export_fusable", _export_fusable_step, (folder, scratch)),
            ("fuse", _fuse_step, (folder, scratch)),
            ("quantize", _quantize_step, (folder, scratch, method)),
        )
        for name, step, arguments in steps:
            if isolated:
                peaks[name] = run_isolated(step, *arguments)
            else:
                step(*arguments)
                peaks[name] = 0.0
        for name in (OPTIMIZED_FP32, OPTIMIZED_INT8):
            os.replace(Path(scratch) / name, folder / name)
    return peaks


def ensure_optimized(
    model_dir: str | Path, *, method: Int8Method = DEFAULT_INT8_METHOD, isolated: bool = False
) -> tuple[Path, Path]:
    """``(model.optimized.onnx, model.optimized.int8.onnx)`` in ``model_dir``: the fused fp32
    graph and its int8 quantization by ``method``, built from the saved model when either is
    missing. With ``isolated=True`` each step of the build runs in a process of its own
    (:func:`optimize_steps`)."""
    if method not in INT8_METHODS:
        raise ValueError(f"method must be one of {', '.join(INT8_METHODS)}, got {method!r}")
    folder = Path(model_dir)
    fp32, int8 = folder / OPTIMIZED_FP32, folder / OPTIMIZED_INT8
    if not (fp32.exists() and int8.exists()):
        optimize_steps(folder, method, isolated=isolated)
    return fp32, int8


def ensure_serving_model(model_dir: str | Path) -> Path:
    """The model file to serve from ``model_dir``, built if missing: the fused int8 model
    (:data:`companion.serving.SERVING_ONNX_FILE`) where this machine has the memory to build it
    (:data:`OPTIMIZE_MEMORY_MB`, against :func:`companion.optimize.memory_limit_mb`) or it is
    already built, else the plain int8 model (``model.int8.onnx``; at 1 × 128 in the committed
    benchmark its p50 is 4 % and its p95 19 % slower). Each build step runs in a process of its
    own."""
    from .export import ensure_exported
    from .isolation import memory_limit_mb

    folder = Path(model_dir)
    fused = folder / OPTIMIZED_INT8
    if not fused.exists() and memory_limit_mb() >= OPTIMIZE_MEMORY_MB:
        ensure_optimized(folder, isolated=True)
    if fused.exists():
        return fused
    return ensure_exported(folder, isolated=True)[1]
