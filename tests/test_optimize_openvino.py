"""Issue 16: OpenVINO + NNCF beside ONNX Runtime, on the tiny model (behaviour, not speed).

openvino and nncf are the optional ``openvino`` extra; requirements.txt pins them so that CI
runs these tests (the serving image and the Lambda bundle do not carry them).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("openvino")
pytest.importorskip("nncf")

from companion.optimize import (
    calibration_batches,
    ensure_openvino_int8,
    load_classifier,
    openvino_available,
    openvino_runner,
    optimized_variants,
    quantize_nncf,
    run_isolated,
    sample_texts,
    torch_logits,
)
from companion.optimize.openvino_runtime import OPENVINO_INT8, _build_openvino_int8
from companion.serving import OnnxSentimentPredictor

TEXTS = sample_texts(16, seed=5)


@pytest.fixture(scope="module")
def folder(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tiny model folder with NNCF's int8 model built in it."""
    target = tmp_path_factory.mktemp("openvino") / "tiny"
    shutil.copytree(tiny, target)
    ensure_openvino_int8(target)
    return target


def _feed(folder: Path, texts: list[str]) -> dict[str, np.ndarray]:
    _, tokenizer = load_classifier(folder)
    encoded = tokenizer(texts, padding=True, truncation=True, return_tensors="np")
    return {name: encoded[name].astype(np.int64) for name in ("input_ids", "attention_mask")}


def test_the_extra_is_detected() -> None:
    assert openvino_available()


def test_nncf_int8_is_an_openvino_ir_with_quantized_weights(folder: Path) -> None:
    xml = folder / OPENVINO_INT8
    assert xml.exists() and xml.with_suffix(".bin").exists()
    text = xml.read_text("utf-8")
    assert 'type="FakeQuantize"' in text or 'element_type="i8"' in text  # int8 nodes in the IR
    assert not list(folder.glob(".openvino-*"))  # the scratch folder is gone


def test_nncf_int8_on_openvino_agrees_with_pytorch(folder: Path) -> None:
    model, tokenizer = load_classifier(folder)
    expected = torch_logits(model, tokenizer, TEXTS)
    logits = openvino_runner(folder / OPENVINO_INT8, threads=1)(_feed(folder, TEXTS))
    assert logits.shape == expected.shape
    assert np.max(np.abs(logits - expected)) < 0.05


def test_openvino_runs_the_fp32_onnx_file_as_onnx_runtime_does(folder: Path) -> None:
    feed = _feed(folder, TEXTS)
    variants = optimized_variants({"openvino-fp32": folder / "model.onnx"}, threads=1)
    ov = np.asarray(variants["openvino-fp32"](feed))
    from companion.serving.predictor import onnxruntime_runner

    ort = onnxruntime_runner(folder / "model.onnx", threads=1)(feed)
    assert np.max(np.abs(ov - ort)) < 1e-4


def test_the_predictor_picks_openvino_for_an_ir_and_agrees_with_onnx_runtime(
    folder: Path,
) -> None:
    on_openvino = OnnxSentimentPredictor(folder, onnx_file=OPENVINO_INT8, threads=1)
    on_onnxruntime = OnnxSentimentPredictor(folder, onnx_file="model.int8.onnx", threads=1)
    assert (on_openvino.runtime, on_onnxruntime.runtime) == ("openvino", "onnxruntime")
    assert np.max(np.abs(on_openvino.logits(TEXTS) - on_onnxruntime.logits(TEXTS))) < 0.05
    assert on_openvino.logits([]).shape == (0, 2)
    # the same padding rules: one text alone and in a batch with a longer one
    alone = on_openvino.logits(["fine"])
    batched = on_openvino.logits(["fine", TEXTS[0]])
    assert np.max(np.abs(alone[0] - batched[0])) < 1e-3
    with pytest.raises(ValueError, match="threads must be >= 1"):
        openvino_runner(folder / OPENVINO_INT8, threads=0)


def test_ensure_openvino_int8_reuses_a_finished_build(folder: Path) -> None:
    xml = folder / OPENVINO_INT8
    stamp = xml.stat().st_mtime_ns
    assert ensure_openvino_int8(folder) == xml
    assert xml.stat().st_mtime_ns == stamp


def test_nncf_refuses_to_quantize_without_calibration(folder: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="calibration feeds"):
        quantize_nncf(folder / "model.onnx", tmp_path / "m.xml", [])


def test_two_fresh_processes_build_the_same_openvino_int8(folder: Path, tmp_path: Path) -> None:
    digests = []
    for name in ("a", "b"):
        copy = tmp_path / name
        copy.mkdir()
        for file in ("tokenizer.json", "model.onnx", "model.onnx.data"):
            shutil.copy(folder / file, copy / file)
        run_isolated(_build_openvino_int8, copy, copy / "model.onnx")
        digests.append(
            {
                suffix: hashlib.sha256(
                    (copy / OPENVINO_INT8).with_suffix(suffix).read_bytes()
                ).hexdigest()
                for suffix in (".xml", ".bin")
            }
        )
    assert digests[0] == digests[1]


def test_calibration_feeds_are_one_unpadded_text_each(folder: Path) -> None:
    feeds = calibration_batches(folder / "tokenizer.json", ["fine", "not fine at all"])
    shapes = [f["input_ids"].shape for f in feeds]
    assert shapes[0] == (1, 3)  # [CLS] fine [SEP]
    assert shapes[1][0] == 1 and shapes[1][1] > 3  # its own length, no padding
    assert all(f["attention_mask"].all() for f in feeds)
