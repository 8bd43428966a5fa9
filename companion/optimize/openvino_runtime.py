"""OpenVINO + NNCF: a second CPU runtime beside ONNX Runtime (the optional ``openvino`` extra).

NNCF quantizes the exported fp32 ONNX model statically (weights and activations int8, ranges
calibrated on sample texts, ``ModelType.TRANSFORMER`` so that it keeps the accuracy-sensitive
parts of attention and layer norms in float) and OpenVINO runs it. The package is large
(openvino ≈ 180 MB installed, nncf ≈ 8 MB plus scikit-learn for quantization only), which is
why the Lambda bundle and the serving image keep ONNX Runtime; the benchmark measures the
trade-off.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..serving.predictor import RuntimeUnavailableError, openvino_runner
from .export import _quiet

__all__ = [
    "OPENVINO_INT8",
    "RuntimeUnavailableError",
    "ensure_openvino_int8",
    "openvino_available",
    "openvino_runner",
    "quantize_nncf",
]

OPENVINO_INT8 = "model.openvino-int8.xml"  # weights in model.openvino-int8.bin beside it
CALIBRATION_TEXTS = 32


def openvino_available() -> bool:
    """Whether the ``openvino`` extra (openvino and nncf) is installed."""
    from importlib.util import find_spec

    return find_spec("openvino") is not None and find_spec("nncf") is not None


def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise RuntimeUnavailableError(
            f"{module} is not installed: pip install 'run-ml-for-pennies[openvino]' "
            "(or openvino and nncf at requirements.txt's pins)"
        ) from exc


def quantize_nncf(
    source_onnx: str | Path,
    target_xml: str | Path,
    calibration: Sequence[dict[str, np.ndarray]],
) -> Path:
    """Convert the fp32 ONNX model to OpenVINO, quantize it with NNCF (static int8,
    ``ModelType.TRANSFORMER``, every calibration feed used) and save ``target_xml`` (+ .bin).
    Weights stay fp32 where not quantized (no fp16 compression), as in the ONNX model."""
    ov = _require("openvino")
    nncf = _require("nncf")
    if not calibration:
        raise ValueError("NNCF needs calibration feeds: pass calibration_batches(...)")
    target_xml = Path(target_xml)
    target_xml.parent.mkdir(parents=True, exist_ok=True)
    # NNCF logs and draws progress bars (rich, on stdout): keep them out of notebooks and logs.
    with _quiet("nncf"), _quiet(None), contextlib.redirect_stdout(io.StringIO()):
        model = ov.convert_model(str(source_onnx))
        quantized = nncf.quantize(
            model,
            nncf.Dataset(list(calibration)),
            model_type=nncf.ModelType.TRANSFORMER,
            subset_size=len(calibration),
        )
        ov.save_model(quantized, str(target_xml), compress_to_fp16=False)
    return target_xml


def _build_openvino_int8(model_dir: str, source_onnx: str) -> None:
    """Module-level, so :func:`companion.optimize.run_isolated` can run it in its own process."""
    import os
    import tempfile

    from .fusion import calibration_batches
    from .offline_model import sample_texts

    folder = Path(model_dir)
    feeds = calibration_batches(folder / "tokenizer.json", sample_texts(CALIBRATION_TEXTS, seed=11))
    # Built aside and moved into place complete, weights first: the .xml marks a finished build.
    with tempfile.TemporaryDirectory(prefix=".openvino-", dir=folder) as scratch:
        built = quantize_nncf(source_onnx, Path(scratch) / OPENVINO_INT8, feeds)
        target = folder / OPENVINO_INT8
        os.replace(built.with_suffix(".bin"), target.with_suffix(".bin"))
        os.replace(built, target)


def ensure_openvino_int8(model_dir: str | Path, *, isolated: bool = False) -> Path:
    """``model.openvino-int8.xml`` in ``model_dir``: NNCF's int8 of the exported fp32
    ``model.onnx`` (exported first if missing), built when missing."""
    from .export import ensure_exported
    from .isolation import run_isolated

    folder = Path(model_dir)
    target = folder / OPENVINO_INT8
    if not (target.exists() and target.with_suffix(".bin").exists()):
        _require("nncf")
        fp32, _ = ensure_exported(folder, isolated=isolated)
        if isolated:
            run_isolated(_build_openvino_int8, folder, fp32)
        else:
            _build_openvino_int8(str(folder), str(fp32))
    return target
