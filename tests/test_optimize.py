"""Lesson 02's companion: offline model, ONNX export, int8, agreement, predictor, benchmark, money.

Everything runs on the tiny DistilBERT variant, built once per test session.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from companion.optimize import (
    LABELS,
    AgreementError,
    BenchmarkCase,
    ModelLoadError,
    build_offline_model,
    check_agreement,
    cost_per_million_predictions,
    export_onnx,
    instance_speed_at_target,
    load_classifier,
    machine_description,
    onnx_logits,
    optimization_savings,
    run_benchmark,
    sample_texts,
    save_results,
    summarize,
    token_batch,
    torch_logits,
)
from companion.optimize.benchmark import distilbert_forward_flops
from companion.pricing import default_catalog
from companion.scenario import scenario_traffic
from companion.serving import SERVING_ONNX_FILE, EmptyTextError, OnnxSentimentPredictor

TEXTS = sample_texts(12, seed=3)


@pytest.fixture(scope="session")
def loaded(tiny: Path) -> tuple[Any, Any]:
    return load_classifier(tiny)


# --- the offline model ---------------------------------------------------------------------------


def test_the_offline_model_is_saved_with_save_pretrained_and_reloads(
    tiny: Path, loaded: tuple[Any, Any]
) -> None:
    for name in ("config.json", "model.safetensors", "tokenizer.json", "vocab.txt"):
        assert (tiny / name).exists(), name
    model, tokenizer = loaded
    assert model.config.model_type == "distilbert"
    assert (model.config.n_layers, model.config.dim) == (2, 32)
    assert model.config.id2label == dict(enumerate(LABELS))
    assert len((tiny / "vocab.txt").read_text().splitlines()) == model.config.vocab_size == 1024
    assert tokenizer.model_max_length == 512


def test_the_generated_vocabulary_tokenizes_words_not_unknowns(loaded: tuple[Any, Any]) -> None:
    _, tokenizer = loaded
    ids = tokenizer("the delivery was surprisingly fast")["input_ids"]
    assert tokenizer.unk_token_id not in ids  # transformers 5's vocab_file= pitfall gives all [UNK]
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id


def test_building_again_reuses_the_folder(tiny: Path) -> None:
    before = (tiny / "model.safetensors").stat().st_mtime_ns
    build_offline_model(tiny, "tiny")
    assert (tiny / "model.safetensors").stat().st_mtime_ns == before


def test_the_base_size_matches_distilbert_base() -> None:
    import torch
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    from companion.optimize.offline_model import _SIZES

    with torch.device("meta"):
        model = DistilBertForSequenceClassification(
            DistilBertConfig(**_SIZES["base"], num_labels=2)
        )
    assert sum(p.numel() for p in model.parameters()) == pytest.approx(66.96e6, rel=1e-3)


def test_an_unknown_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="size must be one of base, tiny"):
        build_offline_model(tmp_path, "huge")  # type: ignore[arg-type]


def test_a_hub_id_offline_says_how_to_work_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """huggingface_hub reads HF_HUB_OFFLINE once, at import: patch it where it is read, so the
    load fails at once for the offline reason (no network retries) and the message says so."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelLoadError, match=r"HF_HUB_OFFLINE.*build_offline_model"):
        load_classifier("no-such-org/no-such-model")


def test_a_folder_without_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"no config\.json"):
        load_classifier(tmp_path)


# --- export, quantization, agreement ----------------------------------------------------------------


@pytest.mark.parametrize(("batch", "length"), [(1, 2), (1, 40), (5, 17), (3, 512)])
def test_the_onnx_model_takes_any_batch_and_sequence_length(
    tiny: Path, batch: int, length: int
) -> None:
    import onnxruntime as ort

    session = ort.InferenceSession(str(tiny / "model.onnx"))
    feed = token_batch(BenchmarkCase(batch, length), vocab_size=1024)
    (logits,) = session.run(["logits"], feed)
    assert logits.shape == (batch, 2)


def test_int8_weights_are_smaller_on_disk(tiny: Path) -> None:
    # On the tiny model the unquantized embeddings and graph overhead dominate; on
    # DistilBERT-base the int8 file is about a quarter of fp32 (the lesson shows it).
    fp32 = (tiny / "model.onnx").stat().st_size + (tiny / "model.onnx.data").stat().st_size
    int8 = (tiny / "model.int8.onnx").stat().st_size
    assert int8 < 0.8 * fp32


def test_fp32_and_int8_agree_with_pytorch(tiny: Path, loaded: tuple[Any, Any]) -> None:
    model, tokenizer = loaded
    reference = torch_logits(model, tokenizer, TEXTS)
    reports = check_agreement(
        reference,
        {"fp32": onnx_logits(tiny / "model.onnx", tokenizer, TEXTS),
         "int8": onnx_logits(tiny / "model.int8.onnx", tokenizer, TEXTS)},
        {"fp32": 1e-4, "int8": 0.05},
    )  # fmt: skip
    by_name = {r.candidate: r for r in reports}
    assert by_name["fp32"].max_abs_logit_diff < 1e-4
    assert by_name["fp32"].argmax_agreement == 1.0
    assert 0 < by_name["int8"].max_abs_logit_diff < 0.05
    assert all(r.passed and r.texts == len(TEXTS) for r in reports)


def test_a_broken_model_fails_the_agreement_check(
    tiny: Path, loaded: tuple[Any, Any], tmp_path: Path
) -> None:
    import copy

    import torch

    model, tokenizer = loaded
    broken = copy.deepcopy(model)
    with torch.no_grad():
        broken.classifier.weight.mul_(-3.0)  # what a wrong weight mapping in an exporter does
    path = export_onnx(broken, tmp_path)
    reference = torch_logits(model, tokenizer, TEXTS)
    with pytest.raises(AgreementError, match=r"broken: max \|Δlogit\|"):
        check_agreement(
            reference, {"broken": onnx_logits(path, tokenizer, TEXTS)}, {"broken": 1e-4}
        )
    (report,) = check_agreement(
        reference,
        {"broken": onnx_logits(path, tokenizer, TEXTS)},
        {"broken": 1e-4},
        raise_on_failure=False,
    )
    assert not report.passed


@pytest.mark.parametrize(
    ("candidate", "message"),
    [(np.zeros((2, 3)), "shape"), (np.zeros((2, 2)), "no tolerance")],
)
def test_agreement_rejects_mismatched_inputs(candidate: np.ndarray, message: str) -> None:
    tolerances = {} if message == "no tolerance" else {"x": 1.0}
    with pytest.raises((AgreementError, KeyError), match=message):
        check_agreement(np.zeros((2, 2)), {"x": candidate}, tolerances)


# --- the serving predictor -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def predictor(tiny: Path) -> OnnxSentimentPredictor:
    return OnnxSentimentPredictor(tiny, threads=1)


def test_the_predictor_needs_neither_torch_nor_transformers(tiny: Path) -> None:
    script = (
        "import sys; from companion.serving import OnnxSentimentPredictor; "
        f"p = OnnxSentimentPredictor({str(tiny)!r}); p.predict(['fine']); "
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_each_batch_is_padded_to_its_longest_text(predictor: OnnxSentimentPredictor) -> None:
    short = predictor.encode(["fine", "slow"])
    mixed = predictor.encode(["fine", "the delivery was slow and the refund took weeks"])
    longest = len(predictor.tokenizer.encode("the delivery was slow and the refund took weeks").ids)
    assert short["input_ids"].shape == (2, 3)  # [CLS] word [SEP]
    assert mixed["input_ids"].shape == (2, longest)
    assert mixed["attention_mask"][0].tolist() == [1, 1, 1] + [0] * (longest - 3)


def test_long_texts_are_truncated_at_the_maximum(
    tiny: Path, predictor: OnnxSentimentPredictor
) -> None:
    long_text = " ".join(["slow"] * 2000)
    assert predictor.encode([long_text])["input_ids"].shape == (1, 512)
    short = OnnxSentimentPredictor(tiny, max_length=16, threads=1)
    assert short.encode([long_text])["input_ids"].shape == (1, 16)
    assert short.encode([long_text])["input_ids"][0, -1] == 3  # still ends with [SEP]


def test_predictions_match_the_onnx_logits(
    tiny: Path, predictor: OnnxSentimentPredictor, loaded: tuple[Any, Any]
) -> None:
    _, tokenizer = loaded
    expected = onnx_logits(tiny / SERVING_ONNX_FILE, tokenizer, TEXTS)  # the default file
    np.testing.assert_allclose(predictor.logits(TEXTS), expected, atol=1e-6)
    predictions = predictor.predict(TEXTS)
    assert [p.label for p in predictions] == [LABELS[i] for i in expected.argmax(-1)]
    assert all(0.5 <= p.score <= 1.0 for p in predictions)


@pytest.mark.parametrize(
    ("texts", "error", "message"),
    [
        (["fine", ""], EmptyTextError, r"texts\[1\] is empty"),
        (["   \n"], EmptyTextError, r"texts\[0\] is empty"),
        (["fine", 3], TypeError, r"texts\[1\] must be a str"),
        ("fine", TypeError, "wrap a single text in a list"),
    ],
)
def test_bad_input_is_refused_clearly(
    predictor: OnnxSentimentPredictor, texts: Any, error: type[Exception], message: str
) -> None:  # texts: Any, since some are deliberately not a list of str
    with pytest.raises(error, match=message):
        predictor.predict(texts)


def test_no_texts_give_no_predictions(predictor: OnnxSentimentPredictor) -> None:
    assert predictor.predict([]) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"onnx_file": "missing.onnx"}, "lacks missing.onnx"),
        ({"threads": 0}, "threads"),
        ({"max_length": 1000}, "max_length"),
    ],
)
def test_predictor_configuration_errors(tiny: Path, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises((FileNotFoundError, ValueError), match=message):
        OnnxSentimentPredictor(tiny, **kwargs)


# --- the benchmark harness -----------------------------------------------------------------------


def test_summary_statistics_of_synthetic_timings() -> None:
    stats = summarize([float(ms) for ms in range(1, 101)], batch_size=4)
    # numpy's linear interpolation on 1..100: p50 = 50.5, p95 = 95.05, p99 = 99.01
    assert (stats.p50_ms, stats.p95_ms, stats.p99_ms) == pytest.approx((50.5, 95.05, 99.01))
    assert stats.mean_ms == pytest.approx(50.5)
    assert stats.sequences_per_second == pytest.approx(4 * 1000 / 50.5)
    assert stats.runs == 100


@pytest.mark.parametrize("timings", [[], [1.0, -2.0], [math.nan], [0.0]])
def test_summary_rejects_impossible_timings(timings: list[float]) -> None:
    with pytest.raises(ValueError):
        summarize(timings)


def test_run_benchmark_interleaves_variants_and_times_each_call() -> None:
    now = [0.0]
    calls: list[str] = []

    def variant(name: str, ms: float) -> Callable[[object], None]:
        def run(_batch: object) -> None:
            calls.append(name)
            now[0] += ms / 1000

        return run

    frame = run_benchmark(
        {"a": variant("a", 10.0), "b": variant("b", 30.0)},
        [BenchmarkCase(2, 8)],
        lambda case: token_batch(case, 100),
        warmup=1, repeats=4, progress=False, clock=lambda: now[0],
    )  # fmt: skip
    assert calls == [
        "a",
        "b",
        "a",
        "b",
        "b",
        "a",
        "a",
        "b",
        "b",
        "a",
    ]  # warm-up, then rotating order
    by = frame.set_index("variant")
    assert by.loc["a", "p50_ms"] == pytest.approx(10.0)
    assert by.loc["b", "p99_ms"] == pytest.approx(30.0)
    assert by.loc["b", "sequences_per_s"] == pytest.approx(2 * 1000 / 30.0)
    assert set(frame.columns) >= {
        "variant",
        "batch_size",
        "sequence_length",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "mean_ms",
        "sequences_per_s",
    }


def test_token_batch_has_exact_length_and_special_tokens() -> None:
    batch = token_batch(BenchmarkCase(3, 16), vocab_size=1000)
    assert batch["input_ids"].shape == (3, 16) and batch["input_ids"].dtype == np.int64
    assert (batch["input_ids"][:, 0] == 2).all() and (batch["input_ids"][:, -1] == 3).all()
    assert batch["attention_mask"].all()


@pytest.mark.parametrize(("batch", "length"), [(0, 16), (1, 1)])
def test_benchmark_cases_must_be_possible(batch: int, length: int) -> None:
    with pytest.raises(ValueError):
        BenchmarkCase(batch, length)


def test_forward_flops_by_hand() -> None:
    d, h, layers, n = 768, 3072, 6, 128
    linear = 2 * n * (4 * d * d + 2 * d * h)  # Q, K, V, O and the two feed-forward layers
    attention = 2 * 2 * n * n * d  # QKᵀ and (softmax)V
    assert distilbert_forward_flops(n) == layers * (linear + attention)
    assert distilbert_forward_flops(128) / 1e9 == pytest.approx(11.2, abs=0.05)


def test_results_are_saved_with_the_machine(tmp_path: Path) -> None:
    frame = pd.DataFrame([{"variant": "x", "p50_ms": 1.5}])
    path = save_results(tmp_path / "r.json", {"runtimes": frame, "threads": 2})
    document = json.loads(path.read_text())
    assert document["runtimes"] == [{"variant": "x", "p50_ms": 1.5}]
    assert document["threads"] == 2
    machine = document["machine"]
    assert machine["logical_cores"] == os.cpu_count()
    assert {"cpu_model", "physical_cores", "memory_gib", "python", "packages", "date_utc"} <= set(
        machine
    )
    assert machine["packages"]["numpy"] == np.__version__
    assert machine_description(("no-such-package",))["packages"] == {"no-such-package": None}


# --- from measurement to money -------------------------------------------------------------------


def _results() -> pd.DataFrame:
    rows = [("int8", 1, 60, 66), ("int8", 4, 150, 170), ("fp32", 1, 120, 130)]
    return pd.DataFrame(
        [{"variant": v, "batch_size": b, "sequence_length": 128, "p50_ms": p50, "p95_ms": p95,
          "sequences_per_s": b * 1000 / p50} for v, b, p50, p95 in rows]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("variant", "target", "vcpus", "rps", "batch"),
    [
        ("int8", 100, 8, 4 * 1000 / 60, 1),  # batch 4 misses 100 ms
        ("int8", 200, 8, 4 * 4000 / 150, 4),  # both meet 200 ms: the faster one wins
        ("int8", 100, 2, 1000 / 60, 1),  # one worker
    ],
)
def test_instance_speed_at_target(
    variant: str, target: float, vcpus: int, rps: float, batch: int
) -> None:
    speed = instance_speed_at_target(_results(), variant, 128, target, vcpus, threads_per_worker=2)
    assert speed.requests_per_second == pytest.approx(rps)
    assert speed.batch_size == batch


def test_a_runtime_that_cannot_meet_the_target_is_named() -> None:
    with pytest.raises(
        ValueError, match="fp32 cannot meet a 100 ms p95 at 128 tokens: its best p95 is 130 ms"
    ):
        instance_speed_at_target(_results(), "fp32", 128, 100, 8, 2)
    with pytest.raises(LookupError, match="no results for 'bf16'"):
        instance_speed_at_target(_results(), "bf16", 128, 100, 8, 2)


@pytest.mark.parametrize(
    ("price", "rps", "utilization", "expected"),
    [
        (0.357, 100, 1.0, 0.357 / (100 * 3600) * 1e6),
        (0.357, 100, 0.5, 0.357 / (50 * 3600) * 1e6),
        (55.04 / 8, 35_000, 0.01, 55.04 / 8 / (350 * 3600) * 1e6),
    ],
)
def test_cost_per_million_predictions(
    price: float, rps: float, utilization: float, expected: float
) -> None:
    assert cost_per_million_predictions(price, rps, utilization) == pytest.approx(expected)


@pytest.mark.parametrize(("rps", "utilization"), [(0, 0.5), (10, 0), (10, 1.5)])
def test_cost_per_million_rejects_impossible_inputs(rps: float, utilization: float) -> None:
    with pytest.raises(ValueError):
        cost_per_million_predictions(0.357, rps, utilization)


def test_optimization_savings_against_the_baseline() -> None:
    instance = default_catalog().instance("c7i.2xlarge")
    traffic = scenario_traffic()
    frame = optimization_savings(traffic, instance, {"pytorch": 25.8, "int8": 58.8})
    assert list(frame["variant"]) == ["pytorch", "int8"]
    # peak 157.8 req/s at 70%: ceil(157.8 / 18.06) = 9 and ceil(157.8 / 41.16) = 4 instances
    assert list(frame["instances"]) == [9, 4]
    month = instance.price_per_hour * 730
    assert frame["monthly_cost_usd"].tolist() == pytest.approx([9 * month, 4 * month])
    assert frame["saving_vs_baseline_usd"].tolist() == pytest.approx([0.0, 5 * month])


def test_speeds_at_target_covers_every_variant_and_length() -> None:
    from companion.optimize import speeds_at_target

    frame = speeds_at_target(_results(), 100, vcpus=8, threads_per_worker=2).set_index("variant")
    assert frame.loc["int8", "requests_per_s"] == pytest.approx(4 * 1000 / 60)
    assert frame.loc["int8", "batch_size"] == 1
    assert bool(frame.loc["int8", "meets_target"])
    assert math.isnan(frame.loc["fp32", "requests_per_s"])
    assert not bool(frame.loc["fp32", "meets_target"])


def test_ensure_exported_fills_in_only_what_is_missing(tiny: Path, tmp_path: Path) -> None:
    import shutil

    from companion.optimize import ensure_exported

    folder = tmp_path / "copy"
    shutil.copytree(tiny, folder)
    (folder / "model.int8.onnx").unlink()
    fp32_mtime = (folder / "model.onnx").stat().st_mtime_ns
    fp32, int8 = ensure_exported(folder)
    assert int8.exists() and fp32.stat().st_mtime_ns == fp32_mtime  # fp32 was not re-exported
