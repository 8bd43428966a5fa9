"""`python -m companion benchmark` on two architectures built offline from their configs, fed
to `python -m companion plan --measurements` end to end (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from companion.cli import main
from companion.optimize import read_measurements, vocabulary
from companion.planner import PlannerInputError


@pytest.fixture(scope="module")
def bert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BERT sequence classifier (not DistilBERT): another architecture, built offline."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder = tmp_path_factory.mktemp("bert")
    (folder / "vocab.txt").write_text("\n".join(vocabulary(1024)) + "\n")
    import transformers

    keyword = "vocab" if int(transformers.__version__.split(".")[0]) >= 5 else "vocab_file"
    tokenizer = BertTokenizerFast(**{keyword: str(folder / "vocab.txt")}, model_max_length=128)
    config = BertConfig(vocab_size=1024, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128,
                        num_labels=2, pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    torch.manual_seed(0)
    BertForSequenceClassification(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.mark.parametrize("architecture", ["distilbert", "bert"])
def test_benchmark_then_plan_end_to_end(
    architecture: str,
    tiny: Path,
    bert_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = tiny if architecture == "distilbert" else bert_dir
    results = tmp_path / "results.json"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)  # ORT's shape inference once left temp files in the cwd (a checkout)
    argv = ["benchmark", "--model", str(model), "--output", str(results),
            "--sequence-lengths", "16", "128", "--repeats", "3"]  # fmt: skip
    assert main(argv) == 0
    assert list(cwd.iterdir()) == []
    document = json.loads(results.read_text())
    expected = {
        "distilbert": "DistilBertForSequenceClassification",
        "bert": "BertForSequenceClassification",
    }
    assert document["architecture"] == expected[architecture]
    assert "instruction_sets" in document["machine"]
    variants = {(m["variant"], m["sequence_length"]) for m in document["measurements"]}
    assert ("onnxruntime-int8", 128) in variants and ("pytorch-eager-fp32", 16) in variants
    if architecture == "distilbert":  # the model the course serves: its fused int8 too
        assert document["fused_int8"].startswith("built:"), document["fused_int8"]
        assert ("onnxruntime-int8-optimized", 128) in variants
        fused = [a for a in document["agreement"] if a["candidate"] == "onnxruntime-int8-optimized"]
        assert fused and fused[0]["passed"]
    else:  # ORT's pre-processing can't infer the fused BERT graph's shapes: said, not hidden
        assert document["fused_int8"].startswith(("built:", "skipped:"))
    measurements = read_measurements(results)
    assert set(measurements) <= {"pytorch-eager-fp32", "onnxruntime-fp32", "onnxruntime-int8",
                                 "onnxruntime-int8-optimized"}  # fmt: skip
    assert all(str(results) in m.source for m in measurements.values())
    capsys.readouterr()
    assert main(["plan", "--measurements", str(results), "--budget", "5000"]) == 0
    document_text = capsys.readouterr().out
    assert "**Verdict:**" in document_text and str(results) in document_text


def test_a_file_that_is_not_a_results_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(PlannerInputError, match="not a results file"):
        read_measurements(bad)
    with pytest.raises(PlannerInputError, match="cannot read"):
        read_measurements(tmp_path / "missing.json")


def test_a_bad_model_folder_is_an_argparse_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["benchmark", "--model", str(tmp_path), "--output", str(tmp_path / "r.json")])
    assert stopped.value.code == 2
    assert "config.json" in capsys.readouterr().err


def test_benchmark_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["benchmark", "--help"])
    text = capsys.readouterr().out
    for option in ("--model", "--output", "--sequence-lengths", "--threads", "--repeats"):
        assert option in text
