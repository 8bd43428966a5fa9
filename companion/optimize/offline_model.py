"""Sentiment classifiers: the real hub model when online, a same-architecture one offline.

Offline (CI, tests, the committed lesson outputs) we build a DistilBERT sequence classifier from
its config, with random weights and a WordPiece vocabulary trained here on a generated corpus,
and save both with ``save_pretrained``. Loading then goes through exactly the code a learner uses
for the real model (``from_pretrained`` on a folder). Random weights give meaningless labels but
the same speed: the work is the same matrix multiplications whatever the values.
"""

from __future__ import annotations

import json
import os
import random
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


def _write_vocab(path: Path, vocab_size: int, seed: int) -> None:
    """Train a WordPiece vocabulary on generated text, then pad it with [unusedN] entries (as
    BERT's own vocabulary does) to exactly ``vocab_size`` tokens."""
    from tokenizers import BertWordPieceTokenizer

    trainer = BertWordPieceTokenizer(lowercase=True)
    trainer.train_from_iterator(
        sample_texts(2000, seed=seed), vocab_size=vocab_size, min_frequency=1,
        special_tokens=_SPECIAL, show_progress=False,
    )  # fmt: skip
    learned = sorted(trainer.get_vocab().items(), key=lambda item: item[1])
    tokens = [token for token, _ in learned][:vocab_size]
    tokens += [f"[unused{i}]" for i in range(vocab_size - len(tokens))]
    path.write_text("\n".join(tokens) + "\n", "utf-8")


def build_offline_model(folder: str | Path, size: ModelSize = "base", seed: int = 0) -> Path:
    """Build a DistilBERT sentiment classifier of ``size`` with random weights, save it with
    its tokenizer to ``folder`` (``save_pretrained``) and return the folder.

    Reuses ``folder`` if a model of the same size and seed is already there.
    """
    import torch
    from transformers import (
        DistilBertConfig,
        DistilBertForSequenceClassification,
        DistilBertTokenizerFast,
    )

    if size not in _SIZES:
        raise ValueError(f"size must be one of {', '.join(_SIZES)}, got {size!r}")
    folder = Path(folder)
    marker = folder / "companion_model.json"
    recipe = {"size": size, "seed": seed, "architecture": "DistilBertForSequenceClassification"}
    if marker.exists() and json.loads(marker.read_text()) == recipe:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    shape = _SIZES[size]
    vocab = folder / "vocab.txt"
    _write_vocab(vocab, shape["vocab_size"], seed)
    # transformers 5 ignores `vocab_file=`: the keyword is `vocab`. Without model_max_length the
    # tokenizer would never truncate (its default is ~1e30).
    tokenizer = DistilBertTokenizerFast(vocab=str(vocab), do_lower_case=True, model_max_length=512)
    config = DistilBertConfig(
        **shape,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = DistilBertForSequenceClassification(config).eval()
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
        raise ModelLoadError(
            f"could not load {source!r} ({exc.__class__.__name__}). Offline? Build a model of the "
            "same architecture with companion.optimize.build_offline_model(folder) and load the folder."
        ) from exc
    return classifier, tokenizer
