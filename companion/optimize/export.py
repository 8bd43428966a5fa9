"""Export a classifier to ONNX, quantize it to int8, and prove the optimized models agree.

Export uses ``torch.onnx.export(dynamo=True)`` with dynamic batch and sequence axes (optimum's
exporter does not support transformers 5); quantization is ONNX Runtime's dynamic int8
quantization of the weights (``quantize_dynamic``), which needs no calibration data.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .exceptions import AgreementError

__all__ = [
    "AgreementReport",
    "check_agreement",
    "ensure_exported",
    "export_onnx",
    "export_saved",
    "onnx_logits",
    "quantize_int8",
    "torch_logits",
]

INPUT_NAMES = ("input_ids", "attention_mask")


@contextlib.contextmanager
def _quiet(logger: str | None) -> Iterator[None]:
    """Silence warnings and a logger (``None``: the root logger) below ERROR, then restore."""
    log = logging.getLogger(logger)
    previous = log.level
    log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        log.setLevel(previous)


def _example_inputs(model: Any) -> tuple[Any, Any]:
    """``(input_ids, attention_mask)`` for tracing an export: a 2 × 8 batch whose second text is
    padded. Two distinct tensors: passing one tensor for both inputs lets the exporter treat
    them as the same value, and the exported graph then reads input_ids as the mask."""
    import torch

    input_ids = torch.arange(16, dtype=torch.int64).reshape(2, 8) % model.config.vocab_size
    attention_mask = torch.ones((2, 8), dtype=torch.int64)
    attention_mask[1, 6:] = 0
    return input_ids, attention_mask


def export_onnx(model: Any, folder: str | Path, filename: str = "model.onnx") -> Path:
    """Write ``model`` as ONNX (weights in ``<filename>.data`` beside it) with dynamic batch and
    sequence axes, and return the path. The ONNX model takes int64 ``input_ids`` and
    ``attention_mask`` and returns ``logits``."""
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    input_ids, attention_mask = _example_inputs(model)
    batch = torch.export.Dim("batch", min=1, max=4096)
    sequence = torch.export.Dim("sequence", min=1, max=model.config.max_position_embeddings)
    axes = {0: batch, 1: sequence}
    # The exporter prints progress lines, warnings that name local paths and timestamped log
    # lines; keep them out of notebooks (whose outputs must reproduce) and test logs.
    with _quiet("torch.onnx"), contextlib.redirect_stdout(io.StringIO()), torch.no_grad():
        torch.onnx.export(
            model.eval(),
            (),
            kwargs={"input_ids": input_ids, "attention_mask": attention_mask},
            f=str(path),
            dynamo=True,
            dynamic_shapes={"input_ids": axes, "attention_mask": axes},
            input_names=list(INPUT_NAMES),
            output_names=["logits"],
            external_data=True,
        )
    _strip_debug_metadata(path)
    return path


def _strip_debug_metadata(path: Path) -> None:
    """Drop the exporter's per-node debugging metadata (Python stack traces with absolute paths
    of the installed packages, FX node names): without it the exported graph is the same bytes
    wherever the packages are installed. Also drop the intermediate shape annotations
    (``value_info``): ONNX Runtime infers them again, and with transformers 4.x some of them are
    wrong (a batch dimension of the example where the hidden size belongs), which made
    quantization's shape inference fail. The weights file beside it is untouched."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    graphs = [model.graph] + [function for function in model.functions]
    for graph in graphs:
        for node in graph.node:
            del node.metadata_props[:]
    for value in [*model.graph.input, *model.graph.output]:
        del value.metadata_props[:]
    del model.graph.value_info[:]
    onnx.save(model, str(path))


def quantize_int8(source: str | Path, target: str | Path | None = None) -> Path:
    """Dynamic int8 quantization of the weights (activations are quantized on the fly)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source = Path(source)
    target = Path(target) if target else source.with_name(source.stem + ".int8.onnx")
    # ORT logs a suggestion to run its pre-processing, which fails on this export; silence it.
    with _quiet(None):
        quantize_dynamic(source, target, weight_type=QuantType.QInt8)
    return target


def export_saved(model_dir: str | Path) -> Path:
    """Load the model saved in ``model_dir`` and export it there as ``model.onnx``."""
    from .offline_model import load_classifier

    return export_onnx(load_classifier(model_dir)[0], model_dir)


def ensure_exported(model_dir: str | Path, *, isolated: bool = False) -> tuple[Path, Path]:
    """``(model.onnx, model.int8.onnx)`` in ``model_dir``, exporting and quantizing the saved
    model there if either is missing (loads torch only then). With ``isolated=True`` each step
    runs in its own short-lived process (:func:`run_isolated`), so its memory peak does not
    stay with the caller."""
    from .isolation import run_isolated

    folder = Path(model_dir)
    fp32, int8 = folder / "model.onnx", folder / "model.int8.onnx"
    if not fp32.exists():
        run_isolated(export_saved, folder) if isolated else export_saved(folder)
    if not int8.exists():
        run_isolated(quantize_int8, fp32, int8) if isolated else quantize_int8(fp32, int8)
    return fp32, int8


def torch_logits(model: Any, tokenizer: Any, texts: Sequence[str]) -> np.ndarray:
    import torch

    batch = tokenizer(list(texts), padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    return np.asarray(out.logits.numpy())


def onnx_logits(path: str | Path, tokenizer: Any, texts: Sequence[str]) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    batch = tokenizer(list(texts), padding=True, truncation=True, return_tensors="np")
    feed = {name: batch[name].astype(np.int64) for name in INPUT_NAMES}
    return np.asarray(session.run(["logits"], feed)[0])


@dataclass(frozen=True)
class AgreementReport:
    """How far a candidate's logits are from the reference's, over the same texts."""

    candidate: str
    texts: int
    max_abs_logit_diff: float
    argmax_agreement: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return self.max_abs_logit_diff <= self.tolerance


def check_agreement(
    reference: np.ndarray,
    candidates: dict[str, np.ndarray],
    tolerances: dict[str, float],
    *,
    raise_on_failure: bool = True,
) -> list[AgreementReport]:
    """Compare each candidate's logits with the reference's: max |Δlogit| and the share of
    texts whose predicted class (argmax) is the same. Raises :class:`AgreementError` naming
    every candidate above its tolerance (unless ``raise_on_failure=False``)."""
    reports = []
    for name, logits in candidates.items():
        if logits.shape != reference.shape:
            raise AgreementError(
                f"{name}: logits shape {logits.shape} != reference {reference.shape}"
            )
        if name not in tolerances:
            raise KeyError(f"no tolerance given for candidate {name!r}")
        reports.append(
            AgreementReport(
                candidate=name,
                texts=len(reference),
                max_abs_logit_diff=float(np.max(np.abs(logits - reference))),
                argmax_agreement=float(np.mean(logits.argmax(-1) == reference.argmax(-1))),
                tolerance=tolerances[name],
            )
        )
    failed = [r for r in reports if not r.passed]
    if failed and raise_on_failure:
        details = "; ".join(
            f"{r.candidate}: max |Δlogit| {r.max_abs_logit_diff:.3g} > {r.tolerance:g}"
            for r in failed
        )
        raise AgreementError(f"optimized model disagrees with the reference: {details}")
    return reports
