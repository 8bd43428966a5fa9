"""The offline model is the same bytes in every process on every machine (issue: a fresh clone
failed nbval because the WordPiece trainer gave each process a different vocabulary).

Each build runs in a fresh Python process, as two fresh machines would. The expected hashes are
committed in tests/data/offline_model_hashes.json, so a machine that builds different bytes
fails here even if it is self-consistent. ``config.json`` records the transformers version, and
the exports the torch/onnxruntime versions: the hashes hold for the pinned requirements.txt.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

HASHES = Path(__file__).parent / "data" / "offline_model_hashes.json"
# The libraries whose versions are written into (or decide) the built files' bytes.
WRITERS = ("torch", "transformers", "tokenizers", "onnx", "onnxruntime", "onnxscript", "numpy")


def _pinned_writers() -> bool:
    """True when the libraries that write the files are requirements.txt's pins (the committed
    hashes are for those); `make lowest` runs older ones, where only self-consistency holds."""
    from importlib.metadata import version

    pins = {}
    for line in (Path(__file__).parent.parent / "requirements.txt").read_text().splitlines():
        name, _, pinned = line.partition("==")
        if pinned:
            pins[name.strip().lower()] = pinned.strip()
    return all(version(name).split("+")[0] == pins.get(name) for name in WRITERS)


# With 'export': the default export and int8, and ONNX Runtime's fused graph and its int8
# (issue 16), all of which the committed hashes pin.
BUILD = (
    "import sys; from companion.optimize import build_offline_model, ensure_exported, "
    "ensure_optimized; "
    "folder = build_offline_model(sys.argv[1], sys.argv[2]); "
    "export = sys.argv[3] == 'export'; "
    "export and ensure_exported(folder); export and ensure_optimized(folder)"
)


def build_in_fresh_process(folder: Path, size: str, export: bool) -> dict[str, str]:
    subprocess.run(
        [sys.executable, "-c", BUILD, str(folder), size, "export" if export else "no"],
        check=True,
        capture_output=True,
    )
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


def test_two_fresh_processes_build_the_same_tiny_model_as_committed(tmp_path: Path) -> None:
    first = build_in_fresh_process(tmp_path / "a", "tiny", export=True)
    second = build_in_fresh_process(tmp_path / "b", "tiny", export=True)
    assert first == second, {k for k in first if first[k] != second.get(k)}
    if not _pinned_writers():
        pytest.skip("not the pinned library versions: the committed hashes are for those")
    expected = json.loads(HASHES.read_text())["tiny"]
    assert first == expected


def test_the_base_model_weights_and_vocabulary_are_as_committed(tmp_path: Path) -> None:
    if not _pinned_writers():
        pytest.skip("not the pinned library versions: the committed hashes are for those")
    built = build_in_fresh_process(tmp_path / "base", "base", export=False)
    expected = json.loads(HASHES.read_text())["base"]
    assert {name: built[name] for name in expected} == expected


@pytest.mark.parametrize("size", ["tiny", "base"])
def test_the_vocabulary_procedure_is_pure(size: str) -> None:
    from companion.optimize import vocabulary
    from companion.optimize.offline_model import _SIZES

    tokens = vocabulary(_SIZES[size]["vocab_size"])
    assert tokens == vocabulary(_SIZES[size]["vocab_size"])
    assert len(tokens) == len(set(tokens)) == _SIZES[size]["vocab_size"]
    assert tokens[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def test_the_export_carries_no_path_of_this_machine(tmp_path: Path) -> None:
    """The exporter writes Python stack traces (absolute paths of site-packages) into node
    metadata; export_onnx strips them, or the graph would differ between two clones."""
    build_in_fresh_process(tmp_path / "m", "tiny", export=True)
    for name in (
        "model.onnx",
        "model.int8.onnx",
        "model.optimized.onnx",
        "model.optimized.int8.onnx",
    ):
        data = (tmp_path / "m" / name).read_bytes()
        assert b"site-packages" not in data and sys.prefix.encode() not in data
