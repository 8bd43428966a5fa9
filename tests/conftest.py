"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny DistilBERT variant, saved, exported to ONNX (plain and fused) and quantized:
    built once per run."""
    from companion.optimize import (
        build_offline_model,
        ensure_optimized,
        export_onnx,
        load_classifier,
        quantize_int8,
    )

    folder = build_offline_model(tmp_path_factory.mktemp("tiny"), "tiny")
    model, _ = load_classifier(folder)
    quantize_int8(export_onnx(model, folder))
    ensure_optimized(folder)  # the fused int8 model the server and the handler load by default
    return folder


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, and no real AWS configuration that could leak in (tests never need
    an account: moto and botocore's Stubber answer every call)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    """moto's HTTP server on 127.0.0.1 (a free port), one per test module: real boto3 clients
    talk to it over the network with ``endpoint_url``."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
