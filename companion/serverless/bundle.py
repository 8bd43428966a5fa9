"""What goes into the Lambda artifact besides third-party packages: the entry point, the
``companion`` source it imports, and the exported model."""

from __future__ import annotations

from pathlib import Path

from .._serving_model import SERVING_ONNX_FILE

__all__ = ["RUNTIME_PACKAGES", "handler_files", "model_files"]

# Everything the handler imports at run time besides companion itself (no torch, no transformers).
RUNTIME_PACKAGES = ("onnxruntime", "tokenizers", "numpy")

_ROOT = Path(__file__).resolve().parent.parent  # the companion package


# Sub-packages the handler never imports: the course's other topics stay out of the function.
_NOT_IN_FUNCTION = frozenset({"autoscaling", "experiments", "kubernetes", "loadtest", "monitoring"})


def handler_files() -> dict[str, Path]:
    """``handler.py`` (the entry point) plus companion's source and data files, by zip path.

    Lessons 04–06's sub-packages (autoscaling, experiments, kubernetes, loadtest, monitoring)
    are left out: the handler never imports them, and every byte counts against Lambda's limits.
    """
    files = {"handler.py": Path(__file__).with_name("lambda_function.py")}
    for path in sorted(_ROOT.rglob("*")):
        parts = path.relative_to(_ROOT).parts
        if (
            path.is_file()
            and path.suffix in (".py", ".toml")
            and "__pycache__" not in parts
            and parts[0] not in _NOT_IN_FUNCTION
        ):
            files[f"companion/{path.relative_to(_ROOT).as_posix()}"] = path
    return files


def model_files(model_dir: str | Path, onnx_file: str = SERVING_ONNX_FILE) -> dict[str, Path]:
    """The files the predictor needs: the ONNX model, ``tokenizer.json`` and ``config.json``."""
    folder = Path(model_dir)
    names = (onnx_file, "tokenizer.json", "config.json")
    missing = [n for n in names if not (folder / n).exists()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {', '.join(missing)}: export and quantize the model first (lesson 02: ensure_exported, ensure_optimized)"
        )
    return {name: folder / name for name in names}
