"""Sentiment classifiers: the real hub model when online, a same-architecture one offline.

Offline (CI, tests, the committed lesson outputs) we build a DistilBERT sequence classifier from
its config, with seeded random weights and a WordPiece vocabulary built here from a generated corpus,
and save both with ``save_pretrained``. Loading then goes through exactly the code a learner uses
for the real model (``from_pretrained`` on a folder). Random weights give meaningless labels but
the same speed: the work is the same matrix multiplications whatever the values.
"""

from __future__ import annotations

import json
import os
import random
import re
import string
from collections import Counter
from pathlib import Path
from typing import Any, Literal

from .exceptions import ModelLoadError

__all__ = [
    "DEFAULT_MODEL_ID",
    "LABELS",
    "ModelSize",
    "build_offline_model",
    "default_model_dir",
    "load_classifier",
    "sample_texts",
    "vocabulary",
]

DEFAULT_MODEL_ID = "distilbert-base-uncased-finetuned-sst-2-english"
LABELS = ("NEGATIVE", "POSITIVE")
ModelSize = Literal["base", "tiny"]

# DistilBERT-base as published (66.96M parameters with the classification head) and a tiny
# variant for fast unit tests. Vocabulary size is part of "same size": the embedding table is
# 30522 × 768 = 23.4M of the parameters.
_SIZES: dict[str, dict[str, int]] = {
    "base": {"vocab_size": 30522, "dim": 768, "n_layers": 6, "n_heads": 12, "hidden_dim": 3072},
    "tiny": {"vocab_size": 1024, "dim": 32, "n_layers": 2, "n_heads": 2, "hidden_dim": 64},
}
_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Every file the export steps write beside the model (export.py, fusion.py, openvino_runtime.py).
_EXPORTS = ("model.onnx", "model.onnx.data", "model.int8.onnx", "model.optimized.onnx",
            "model.optimized.int8.onnx", "model.openvino-int8.xml", "model.openvino-int8.bin")  # fmt: skip
# Bumped whenever the procedure below changes, so a cached model of an older recipe is rebuilt.
RECIPE_VERSION = 2

_SUBJECTS = [
    "the movie",
    "this product",
    "the service",
    "our order",
    "the app",
    "the food",
    "delivery",
    "the support team",
    "the price",
    "this update",
    "the battery",
    "checkout",
]
_VERBS = ["was", "is", "felt", "seemed", "turned out", "has been", "looks", "became"]
_ADJECTIVES = [
    "great",
    "terrible",
    "slow",
    "fast",
    "cheap",
    "expensive",
    "amazing",
    "awful",
    "reliable",
    "broken",
    "friendly",
    "rude",
    "excellent",
    "disappointing",
    "fine",
    "confusing",
    "smooth",
    "buggy",
    "wonderful",
    "useless",
    "perfect",
    "mediocre",
]
_ADVERBS = ["really", "very", "quite", "not", "never", "always", "surprisingly", "incredibly"]
_ENDINGS = ["", "and i would buy it again", "but the refund took weeks", "so i cancelled",
            "and the staff helped a lot", "compared to last year", "for the money", "honestly"]  # fmt: skip


def default_model_dir(size: ModelSize = "base") -> Path:
    """Where the offline model is built and cached: ``$COMPANION_CACHE`` or
    ``~/.cache/run-ml-for-pennies``, then ``models/distilbert-<size>-offline``."""
    root = Path(os.environ.get("COMPANION_CACHE", Path.home() / ".cache" / "run-ml-for-pennies"))
    return root / "models" / f"distilbert-{size}-offline"


def sample_texts(count: int, seed: int = 0, min_words: int = 4, max_words: int = 60) -> list[str]:
    """Review-like sentences of varied length (deterministic for a seed)."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        words: list[str] = []
        target = rng.randint(min_words, max_words)
        while len(words) < target:
            clause = [rng.choice(_SUBJECTS), rng.choice(_VERBS), rng.choice(_ADVERBS),
                      rng.choice(_ADJECTIVES), rng.choice(_ENDINGS)]  # fmt: skip
            words.extend(" ".join(w for w in clause if w).split())
        texts.append(" ".join(words[:target]).capitalize() + ".")
    return texts


# Every character a WordPiece vocabulary needs so that any ASCII text tokenizes without [UNK]:
# each one as a word start and as a continuation ("##x").
_ALPHABET = sorted(set(string.ascii_lowercase + string.digits + string.punctuation))


def vocabulary(vocab_size: int, seed: int = 0) -> list[str]:
    """A WordPiece vocabulary of exactly ``vocab_size`` tokens, the same in every process.

    Built by a fixed procedure instead of a trainer (``tokenizers``' WordPiece trainer gives a
    different vocabulary in each process for the same corpus): the special tokens, every ASCII
    character alone and as a continuation piece, then the words of a generated corpus by count
    (ties alphabetically), then ``[unusedN]`` padding as BERT's own vocabulary has.
    """
    words = Counter(word for text in sample_texts(2000, seed=seed) for word in _words(text.lower()))
    by_count = sorted(words, key=lambda word: (-words[word], word))
    tokens = list(_SPECIAL) + _ALPHABET + [f"##{char}" for char in _ALPHABET]
    tokens += [word for word in by_count if word not in set(tokens)]
    if len(tokens) > vocab_size:
        raise ValueError(f"vocab_size {vocab_size} is too small: the procedure needs {len(tokens)}")
    return tokens + [f"[unused{i}]" for i in range(vocab_size - len(tokens))]


def _words(text: str) -> list[str]:
    """BERT's pre-tokenization for ASCII text: split on whitespace, punctuation on its own."""
    return re.findall(r"[a-z0-9]+|[^\sa-z0-9]", text)


def _tokenizer(vocab_file: Path) -> Any:
    """A DistilBERT fast tokenizer over ``vocab_file``, under transformers 4 or 5."""
    import transformers
    from transformers import DistilBertTokenizerFast

    # transformers 5 ignores `vocab_file=` (the keyword is `vocab`); 4.x knows only `vocab_file`.
    # Without model_max_length the tokenizer would never truncate (its default is ~1e30).
    major = int(transformers.__version__.split(".")[0])
    keyword = "vocab" if major >= 5 else "vocab_file"
    return DistilBertTokenizerFast(
        **{keyword: str(vocab_file)}, do_lower_case=True, model_max_length=512
    )


def _seeded_weights(model: Any, seed: int) -> None:
    """Overwrite every parameter from numpy's frozen ``RandomState`` stream, in name order, so
    the weights are the same bytes on every machine and library version (torch's and
    transformers' own initialisation are neither): linear and embedding weights N(0, 0.02),
    LayerNorm weights 1, biases 0 (BERT's initialisation)."""
    import numpy as np
    import torch

    rng = np.random.RandomState(seed)
    with torch.no_grad():
        for name, parameter in sorted(model.named_parameters()):
            if name.endswith("bias"):
                values = np.zeros(parameter.shape, np.float32)
            elif "layernorm" in name.lower().replace("_", ""):
                values = np.ones(parameter.shape, np.float32)
            else:
                values = rng.normal(0.0, 0.02, parameter.shape).astype(np.float32)
            parameter.copy_(torch.from_numpy(values))


def build_offline_model(folder: str | Path, size: ModelSize = "base", seed: int = 0) -> Path:
    """Build a DistilBERT sentiment classifier of ``size`` with seeded random weights, save it
    with its tokenizer to ``folder`` (``save_pretrained``) and return the folder.

    The same ``size`` and ``seed`` give byte-identical ``vocab.txt`` and ``model.safetensors``
    in every process (``tests/data/offline_model_hashes.json`` pins them). Reuses ``folder`` if
    a model of the same recipe is already there.
    """
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    if size not in _SIZES:
        raise ValueError(f"size must be one of {', '.join(_SIZES)}, got {size!r}")
    folder = Path(folder)
    marker = folder / "companion_model.json"
    recipe = {"size": size, "seed": seed, "architecture": "DistilBertForSequenceClassification",
              "recipe": RECIPE_VERSION}  # fmt: skip
    if marker.exists() and json.loads(marker.read_text()) == recipe:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for stale in _EXPORTS:
        (folder / stale).unlink(missing_ok=True)  # exports of an older recipe
    shape = _SIZES[size]
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(vocabulary(shape["vocab_size"], seed)) + "\n", "utf-8")
    tokenizer = _tokenizer(vocab)
    config = DistilBertConfig(
        **shape,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
        pad_token_id=tokenizer.pad_token_id,
    )
    model = DistilBertForSequenceClassification(config).eval()
    _seeded_weights(model, seed)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    marker.write_text(json.dumps(recipe))
    return folder


def load_classifier(model: str | Path = DEFAULT_MODEL_ID) -> tuple[Any, Any]:
    """Load ``(model, tokenizer)`` from a local folder or a Hugging Face hub id.

    Offline (``HF_HUB_OFFLINE=1``, or no network) a hub id fails with a message that says how to
    build the offline model instead.
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    source = str(model)
    if Path(source).exists() and not (Path(source) / "config.json").exists():
        raise ModelLoadError(
            f"{source!r} has no config.json: save a model there with save_pretrained"
        )
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        classifier = AutoModelForSequenceClassification.from_pretrained(source).eval()
    except OSError as exc:
        cause = (
            "the hub is switched off (HF_HUB_OFFLINE) and it is not in the local cache"
            if _hub_offline()
            else f"{exc.__class__.__name__}: no such model, or no network"
        )
        raise ModelLoadError(
            f"could not load {source!r}: {cause}. Build a model of the same architecture with "
            "companion.optimize.build_offline_model(folder) and load the folder."
        ) from exc
    return classifier, tokenizer


def _hub_offline() -> bool:
    """Whether huggingface_hub runs offline: it reads HF_HUB_OFFLINE once, at import."""
    from huggingface_hub import constants

    return bool(getattr(constants, "HF_HUB_OFFLINE", False))
