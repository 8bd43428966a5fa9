"""A sentiment predictor on ONNX Runtime and 🤗 tokenizers: no torch, no transformers.

It loads once (tokenizer, label names, ONNX session) and then answers batches: each batch is
padded to its own longest text, not to a fixed length, and truncated at the model's maximum.
This is the code a Lambda function or an HTTP server runs, so its start-up and memory are part
of every cold start.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._errors import CompanionError

__all__ = ["EmptyTextError", "OnnxSentimentPredictor", "Prediction"]


class EmptyTextError(CompanionError, ValueError):
    """A text to classify is empty or only whitespace."""


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
    ONNX file, e.g. ``model.int8.onnx``).

    ``threads`` sets ONNX Runtime's intra-op threads (default: ONNX Runtime's choice, one per
    physical core). ``max_length`` defaults to the model's ``max_position_embeddings``.
    """

    def __init__(
        self,
        folder: str | Path,
        onnx_file: str = "model.int8.onnx",
        threads: int | None = None,
        max_length: int | None = None,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        missing = [
            n for n in ("tokenizer.json", "config.json", onnx_file) if not (folder / n).exists()
        ]
        if missing:
            raise FileNotFoundError(
                f"{folder} lacks {', '.join(missing)}: export the model first "
                "(companion.optimize.export_onnx / quantize_int8, and save_pretrained for the tokenizer)"
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

        options = ort.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(folder / onnx_file), sess_options=options, providers=["CPUExecutionProvider"]
        )
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
        return np.asarray(self.session.run(["logits"], self.encode(texts))[0])

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """One :class:`Prediction` (label, probability of that label) per text, in order."""
        if isinstance(texts, str):
            raise TypeError("predict takes a list of texts; wrap a single text in a list")
        probabilities = _softmax(self.logits(texts))
        return [
            Prediction(self.labels[int(row.argmax())], float(row.max())) for row in probabilities
        ]
