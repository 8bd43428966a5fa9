"""A sentiment predictor on ONNX Runtime and 🤗 tokenizers: no torch, no transformers.

ONNX Runtime is the default runtime (the Lambda bundle and the serving image carry it); an
OpenVINO IR (``.xml``, e.g. NNCF's ``model.openvino-int8.xml``) runs on OpenVINO instead, when
the optional ``openvino`` extra is installed (≈ 185 MB: too large beside ONNX Runtime for
Lambda's 250 MB unzipped limit).

It loads once (tokenizer, label names, ONNX session) and then answers batches: each batch is
padded to its own longest text, not to a fixed length, and truncated at the model's maximum.
This is the code a Lambda function or an HTTP server runs, so its start-up and memory are part
of every cold start.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .._errors import CompanionError
from .._serving_model import SERVING_ONNX_FILE

__all__ = [
    "EmptyTextError",
    "OnnxSentimentPredictor",
    "Prediction",
]


Runtime = Literal["onnxruntime", "openvino"]
RUNTIMES: tuple[Runtime, ...] = ("onnxruntime", "openvino")
Feed = dict[str, np.ndarray]


class EmptyTextError(CompanionError, ValueError):
    """A text to classify is empty or only whitespace."""


class RuntimeUnavailableError(CompanionError, ImportError):
    """The runtime asked for is not installed (OpenVINO is an optional extra)."""


def onnxruntime_runner(
    path: str | Path, threads: int | None = None
) -> Callable[[Feed], np.ndarray]:
    """A function from a feed (``input_ids``, ``attention_mask``) to the ``logits`` of the ONNX
    model at ``path``, on ONNX Runtime's CPU provider with ``threads`` intra-op threads (its
    default: one per physical core)."""
    import onnxruntime as ort

    if threads is not None and threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    session = ort.InferenceSession(
        str(path), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return lambda feed: np.asarray(session.run(["logits"], feed)[0])


def openvino_runner(path: str | Path, threads: int | None = None) -> Callable[[Feed], np.ndarray]:
    """The same on OpenVINO's CPU plugin (latency hint; ``threads`` inference threads, its
    default: all cores) for an OpenVINO IR (``.xml`` with its ``.bin``) or an ONNX file.

    One infer request answers the calls in turn (a lock serialises them), as one ONNX Runtime
    session with fixed threads would."""
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    try:
        import openvino as ov
    except ImportError as exc:
        raise RuntimeUnavailableError(
            "openvino is not installed: pip install 'run-ml-for-pennies[openvino]' "
            "(or openvino at requirements.txt's pin), or use an ONNX file on ONNX Runtime"
        ) from exc
    config: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY"}
    if threads is not None:
        config["INFERENCE_NUM_THREADS"] = threads
    compiled = ov.Core().compile_model(str(path), "CPU", config)
    request = compiled.create_infer_request()
    output = compiled.outputs[0]
    lock = threading.Lock()

    def run(feed: Feed) -> np.ndarray:
        with lock:
            return np.array(request.infer(feed)[output])

    return run


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=-1, keepdims=True))


class OnnxSentimentPredictor:
    """Classify texts with an exported model folder (``tokenizer.json``, ``config.json`` and an
    ONNX file, by default :data:`SERVING_ONNX_FILE`, or an OpenVINO IR such as ``model.openvino-int8.xml``).

    ``runtime`` is ``"onnxruntime"`` or ``"openvino"``; by default OpenVINO for an ``.xml``
    file, ONNX Runtime otherwise. ``threads`` sets the runtime's inference threads (default:
    the runtime's choice). ``max_length`` defaults to the model's ``max_position_embeddings``.
    """

    def __init__(
        self,
        folder: str | Path,
        onnx_file: str = SERVING_ONNX_FILE,
        threads: int | None = None,
        max_length: int | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        from tokenizers import Tokenizer

        folder = Path(folder)
        if runtime is None:
            runtime = "openvino" if onnx_file.endswith(".xml") else "onnxruntime"
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
        needed = ["tokenizer.json", "config.json", onnx_file]
        if onnx_file.endswith(".xml"):
            needed.append(onnx_file.removesuffix(".xml") + ".bin")  # the IR's weights
        missing = [n for n in needed if not (folder / n).exists()]
        if missing:
            raise FileNotFoundError(
                f"{folder} lacks {', '.join(missing)}: export the model first "
                "(companion.optimize.ensure_serving_model builds the fused int8, or the plain "
                "model.int8.onnx where memory is too short to fuse: then pass that file)"
            )
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        config = json.loads((folder / "config.json").read_text("utf-8"))
        limit = int(config.get("max_position_embeddings", 512))
        self.max_length = limit if max_length is None else max_length
        if not 2 <= self.max_length <= limit:
            raise ValueError(
                f"max_length must be between 2 and {limit} (the model's maximum), got {max_length}"
            )
        id2label = config.get("id2label") or {"0": "NEGATIVE", "1": "POSITIVE"}
        self.labels = [id2label[str(i)] for i in range(len(id2label))]

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_length)
        pad_id = int(config.get("pad_token_id") or 0)
        self.tokenizer.enable_padding(
            pad_id=pad_id, pad_token=self.tokenizer.id_to_token(pad_id) or "[PAD]"
        )

        make_runner = openvino_runner if runtime == "openvino" else onnxruntime_runner
        self._run = make_runner(folder / onnx_file, threads)
        self.runtime: Runtime = runtime
        self.onnx_file = onnx_file

    def encode(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Token ids and attention mask, padded to the longest text in this batch."""
        for index, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{index}] must be a str, got {type(text).__name__}")
            if not text.strip():
                raise EmptyTextError(f"texts[{index}] is empty: there is nothing to classify")
        encodings = self.tokenizer.encode_batch(list(texts))
        return {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        }

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return self._run(self.encode(texts))

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """One :class:`Prediction` (label, probability of that label) per text, in order."""
        if isinstance(texts, str):
            raise TypeError("predict takes a list of texts; wrap a single text in a list")
        probabilities = _softmax(self.logits(texts))
        return [
            Prediction(self.labels[int(row.argmax())], float(row.max())) for row in probabilities
        ]
