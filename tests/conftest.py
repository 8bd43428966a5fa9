"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny DistilBERT variant, saved, exported to ONNX and quantized: built once per run."""
    from companion.optimize import build_offline_model, export_onnx, load_classifier, quantize_int8

    folder = build_offline_model(tmp_path_factory.mktemp("tiny"), "tiny")
    model, _ = load_classifier(folder)
    quantize_int8(export_onnx(model, folder))
    return folder
