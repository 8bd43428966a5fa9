"""Issue 16: the machine's instruction sets, ONNX Runtime's fused graph and its int8 methods,
OpenVINO + NNCF beside it, and the operator-time profile. Behaviour on the tiny model, not speed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from companion.optimize import (
    DEFAULT_INT8_METHOD,
    OperatorShare,
    RuntimeUnavailableError,
    calibration_batches,
    cpu,
    describe_instruction_sets,
    ensure_optimized,
    ensure_serving_model,
    export_onnx_fusable,
    fuse_transformer_graph,
    instruction_sets,
    int8_instructions,
    load_classifier,
    machine_description,
    memory_limit_mb,
    onnx_logits,
    operator_counts,
    operator_profile,
    optimize_steps,
    optimized_variants,
    quantize_optimized,
    sample_texts,
    token_batch,
    torch_logits,
)
from companion.optimize.fusion import INT8_METHODS, OPTIMIZED_FP32, OPTIMIZED_INT8
from companion.optimize.profiling import operator_shares
from companion.serving import OnnxSentimentPredictor

TEXTS = sample_texts(16, seed=5)
TINY_HEADS, TINY_HIDDEN, TINY_LAYERS = 2, 32, 2


@pytest.fixture(scope="module")
def folder(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tiny model folder without its fused files, so this module builds them
    itself and keeps them out of the shared one."""
    target = tmp_path_factory.mktemp("fused") / "tiny"
    shutil.copytree(tiny, target, ignore=shutil.ignore_patterns("model.optimized*"))
    return target


@pytest.fixture(scope="module")
def reference(folder: Path) -> tuple[Any, np.ndarray]:
    model, tokenizer = load_classifier(folder)
    return tokenizer, torch_logits(model, tokenizer, TEXTS)


@pytest.fixture(scope="module")
def optimized(folder: Path) -> tuple[Path, Path]:
    return ensure_optimized(folder)


# --- instruction sets ----------------------------------------------------------------------------


def test_without_proc_cpuinfo_numpy_names_the_instruction_sets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cpu, "CPUINFO", tmp_path / "no-cpuinfo")
    monkeypatch.setattr(cpu, "_flags_from_numpy", lambda: {"avx512_vnni", "avx2", "unknown"})
    assert instruction_sets() == ["avx2", "avx512_vnni"]


def test_a_cpuinfo_without_flag_lines_falls_back_to_numpy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "cpuinfo").write_text("processor : 0\nmodel name : a container\n")
    monkeypatch.setattr(cpu, "CPUINFO", tmp_path / "cpuinfo")
    monkeypatch.setattr(cpu, "_flags_from_numpy", lambda: {"fma"})
    assert instruction_sets() == ["fma"]


def test_numpy_feature_names_map_to_linux_flag_names(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    module = importlib.import_module("numpy._core._multiarray_umath")
    fake = {"AVX2": True, "FMA3": True, "AVX512F": False, "AVX512VNNI": True, "ASIMDDP": False}
    monkeypatch.setattr(module, "__cpu_features__", fake)
    assert cpu._flags_from_numpy() == {"avx2", "fma", "avx512_vnni"}


@pytest.mark.parametrize(
    ("flags", "path"),
    [
        (["avx", "avx2", "fma"], "AVX2 without VNNI"),
        (["avx2", "avx512f", "avx512bw"], "AVX-512BW without VNNI"),
        (["avx2", "avx_vnni"], "AVX-VNNI"),
        (["avx2", "avx512f", "avx512bw", "avx512_vnni"], "AVX-512 VNNI"),
        (["avx512_vnni", "amx_tile", "amx_int8"], "AMX-INT8 tiles"),
        (["asimd", "asimddp", "i8mm"], "Arm I8MM"),
        ([], "none of the known int8 paths"),
    ],
)
def test_the_int8_path_is_the_best_instruction_set_present(flags: list[str], path: str) -> None:
    assert int8_instructions(flags) == path


def test_the_description_names_each_set_and_the_int8_path() -> None:
    text = describe_instruction_sets(["avx2", "fma", "avx512f", "avx512_vnni"])
    assert text == "AVX2, FMA, AVX-512F, AVX-512 VNNI; int8 on AVX-512 VNNI"
    assert describe_instruction_sets([]) == "instruction sets not recorded"


def test_every_machine_record_carries_the_instruction_sets() -> None:
    machine = machine_description(("numpy",))
    assert machine["instruction_sets"] == instruction_sets()
    assert machine["int8_instructions"] == int8_instructions(machine["instruction_sets"])


# --- the fused graph -----------------------------------------------------------------------------


def test_the_default_dynamo_export_leaves_attention_unfused(folder: Path, tmp_path: Path) -> None:
    report = fuse_transformer_graph(
        folder / "model.onnx", tmp_path / "f.onnx", num_heads=TINY_HEADS, hidden_size=TINY_HIDDEN
    )
    assert report.attention_fused == 0
    assert report.fused.get("SkipLayerNormalization", 0) > 0  # the rest does fuse


def test_the_eager_torchscript_export_fuses_one_attention_per_layer(
    folder: Path, tmp_path: Path
) -> None:
    model, _ = load_classifier(folder)
    before = model.config._attn_implementation
    eager = export_onnx_fusable(model, tmp_path)
    assert model.config._attn_implementation == before  # restored
    report = fuse_transformer_graph(
        eager, tmp_path / "fused.onnx", num_heads=TINY_HEADS, hidden_size=TINY_HIDDEN
    )
    assert report.attention_fused == TINY_LAYERS
    assert report.fused["SkipLayerNormalization"] == 2 * TINY_LAYERS
    assert report.fused["BiasGelu"] == TINY_LAYERS
    assert report.nodes_after < report.nodes_before / 4
    counts = operator_counts(tmp_path / "fused.onnx")
    assert counts["Attention"] == TINY_LAYERS and "Softmax" not in counts


def test_the_fused_fp32_graph_agrees_with_pytorch(
    optimized: tuple[Path, Path], reference: tuple[Any, np.ndarray]
) -> None:
    tokenizer, expected = reference
    assert np.max(np.abs(onnx_logits(optimized[0], tokenizer, TEXTS) - expected)) < 1e-4


@pytest.mark.parametrize("method", INT8_METHODS)
def test_every_int8_method_quantizes_and_agrees(
    method: str, folder: Path, optimized: tuple[Path, Path], reference: tuple[Any, np.ndarray],
    tmp_path: Path,
) -> None:  # fmt: skip
    calibration = calibration_batches(folder / "tokenizer.json", sample_texts(8, seed=11))
    path = quantize_optimized(optimized[0], tmp_path / "q.onnx", method, calibration)  # type: ignore[arg-type]
    counts = operator_counts(path)
    if method == "static-qdq":
        assert counts["QuantizeLinear"] > 0 and counts["Attention"] == TINY_LAYERS
    else:
        assert counts["QAttention"] == TINY_LAYERS and counts["DynamicQuantizeLinear"] > 0
    tokenizer, expected = reference
    assert np.max(np.abs(onnx_logits(path, tokenizer, TEXTS) - expected)) < 0.05


def test_per_channel_quantization_keeps_a_scale_per_output_channel(
    optimized: tuple[Path, Path], tmp_path: Path
) -> None:
    import onnx

    def largest_scale(method: str) -> int:
        path = quantize_optimized(optimized[0], tmp_path / f"{method}.onnx", method)  # type: ignore[arg-type]
        model = onnx.load(str(path))
        return max(int(np.prod(t.dims)) for t in model.graph.initializer if "scale" in t.name)

    assert largest_scale("dynamic") == 1
    assert largest_scale("dynamic-per-channel") > 1


def test_quantization_refuses_what_it_cannot_do(
    optimized: tuple[Path, Path], tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="method must be one of"):
        quantize_optimized(optimized[0], tmp_path / "q.onnx", "fp8")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="static-qdq needs calibration"):
        quantize_optimized(optimized[0], tmp_path / "q.onnx", "static-qdq")
    with pytest.raises(ValueError, match="at least one text"):
        calibration_batches(Path("tokenizer.json"), [])


def test_ensure_optimized_builds_the_default_method_once(
    folder: Path, optimized: tuple[Path, Path], tmp_path: Path
) -> None:
    fp32, int8 = optimized
    assert (fp32.name, int8.name) == (OPTIMIZED_FP32, OPTIMIZED_INT8)
    again = quantize_optimized(fp32, tmp_path / "again.onnx", DEFAULT_INT8_METHOD)
    assert again.read_bytes() == int8.read_bytes()  # the default method, deterministically
    stamp = int8.stat().st_mtime_ns
    assert ensure_optimized(folder) == optimized
    assert int8.stat().st_mtime_ns == stamp  # reused, not rebuilt
    with pytest.raises(ValueError, match="method must be one of"):
        ensure_optimized(folder, method="int4")  # type: ignore[arg-type]


def test_the_predictor_serves_the_fused_int8_graph(
    folder: Path, optimized: tuple[Path, Path]
) -> None:
    fused = OnnxSentimentPredictor(folder, onnx_file=OPTIMIZED_INT8, threads=1)
    plain = OnnxSentimentPredictor(folder, onnx_file="model.onnx", threads=1)
    assert fused.runtime == "onnxruntime"
    assert np.max(np.abs(fused.logits(TEXTS) - plain.logits(TEXTS))) < 0.05


# --- the operator profile ------------------------------------------------------------------------


def _event(op: str, node: str, micros: float) -> dict[str, Any]:
    return {"cat": "Node", "name": f"{node}_kernel_time", "dur": micros, "args": {"op_name": op}}


def test_operator_shares_take_each_types_median_over_runs() -> None:
    runs = [
        [_event("MatMul", "a", 100), _event("MatMul", "b", 100), _event("Gelu", "g", 50)],
        [_event("MatMul", "a", 110), _event("MatMul", "b", 90), _event("Gelu", "g", 5000)],
        [_event("MatMul", "a", 100), _event("MatMul", "b", 100), _event("Gelu", "g", 50),
         {"cat": "Session", "name": "model_run", "dur": 9999}],
    ]  # fmt: skip
    shares = operator_shares(runs)
    assert [s.op_type for s in shares] == ["MatMul", "Gelu"]
    assert shares[0] == OperatorShare("MatMul", 2, 0.2, 0.8)  # the 5 ms Gelu outlier is ignored
    assert shares[1].ms_per_run == pytest.approx(0.05)
    assert sum(s.share for s in shares) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no runs"):
        operator_shares([])
    with pytest.raises(ValueError, match="no kernel time"):
        operator_shares([[{"cat": "Session", "name": "model_run", "dur": 5}]])


def test_the_profile_of_the_fused_int8_graph_names_its_operators(
    optimized: tuple[Path, Path],
) -> None:
    from companion.optimize import BenchmarkCase

    shares = operator_profile(
        optimized[1], token_batch(BenchmarkCase(2, 16), 1024), threads=1, runs=2
    )
    types = {s.op_type for s in shares}
    assert "QAttention" in types and "SkipLayerNormalization" in types
    assert "Softmax" not in types  # attention is one fused kernel
    assert sum(s.share for s in shares) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="runs must be >= 1"):
        operator_profile(optimized[1], {}, runs=0)


# --- runtime variants ----------------------------------------------------------------------------


def test_optimized_variants_refuse_unknown_names(optimized: tuple[Path, Path]) -> None:
    with pytest.raises(ValueError, match="unknown variant"):
        optimized_variants({"tensorrt-int4": optimized[1]}, threads=1)
    variants = optimized_variants({"onnxruntime-int8-optimized": optimized[1]}, threads=1)
    from companion.optimize import BenchmarkCase

    logits = variants["onnxruntime-int8-optimized"](token_batch(BenchmarkCase(3, 8), 1024))
    assert np.asarray(logits[0]).shape == (3, 2)


def test_the_predictor_names_a_missing_runtime(
    folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import sys

    for name in ("config.json", "tokenizer.json"):
        shutil.copy(folder / name, tmp_path / name)
    (tmp_path / "m.xml").write_text("<net/>")
    with pytest.raises(FileNotFoundError, match=r"m\.bin"):
        OnnxSentimentPredictor(tmp_path, onnx_file="m.xml")
    (tmp_path / "m.bin").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "openvino", None)  # import openvino now raises ImportError
    with pytest.raises(RuntimeUnavailableError, match="openvino is not installed"):
        OnnxSentimentPredictor(tmp_path, onnx_file="m.xml")
    with pytest.raises(ValueError, match="runtime must be one of"):
        OnnxSentimentPredictor(folder, onnx_file="model.onnx", runtime="tensorrt")  # type: ignore[arg-type]


def test_results_nested_frames_are_saved_as_records(tmp_path: Path) -> None:
    import json

    import pandas as pd

    from companion.optimize import save_results

    frame = pd.DataFrame([{"variant": "dynamic", "p50_ms": 2.5}])
    document = {"int8_methods": {"default": "dynamic", "timings": frame}, "rows": [frame]}
    path = save_results(tmp_path / "r.json", document, {"cpu_model": "test"})
    saved = json.loads(path.read_text())
    assert saved["int8_methods"]["timings"] == [{"variant": "dynamic", "p50_ms": 2.5}]
    assert saved["rows"] == [[{"variant": "dynamic", "p50_ms": 2.5}]]


# --- the memory the build needs, and the model a smaller machine serves -------------------------


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        pytest.param("2048", "model.int8.onnx", id="Binder-size: the plain int8"),
        pytest.param("65536", OPTIMIZED_INT8, id="enough memory: the fused int8"),
    ],
)
def test_the_served_model_follows_the_memory_the_machine_allows(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, expected: str
) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(tiny, folder, ignore=shutil.ignore_patterns("model.optimized*"))
    monkeypatch.setenv("COMPANION_MEMORY_LIMIT_MB", limit)
    assert ensure_serving_model(folder).name == expected
    assert (folder / OPTIMIZED_INT8).exists() is (expected == OPTIMIZED_INT8)


def test_an_already_built_fused_model_is_served_whatever_the_memory(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPANION_MEMORY_LIMIT_MB", "512")
    assert ensure_serving_model(tiny).name == OPTIMIZED_INT8  # conftest built it


@pytest.mark.parametrize(
    ("value", "message"),
    [("lots", "must be a number"), ("0", "must be > 0"), ("-5", "must be > 0")],
)
def test_a_bad_memory_override_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("COMPANION_MEMORY_LIMIT_MB", value)
    with pytest.raises(ValueError, match=f"COMPANION_MEMORY_LIMIT_MB {message}"):
        memory_limit_mb()


def test_without_an_override_the_limit_is_the_machines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPANION_MEMORY_LIMIT_MB", raising=False)
    total_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    assert 0 < memory_limit_mb() <= total_kb / 1024


def test_the_isolated_build_reports_each_steps_peak_and_the_same_bytes(
    tiny: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(tiny, folder, ignore=shutil.ignore_patterns("model.optimized*"))
    peaks = optimize_steps(folder)  # each step in a process of its own
    assert set(peaks) == {"export_fusable", "fuse", "quantize"} and all(
        v > 0 for v in peaks.values()
    )
    assert (folder / OPTIMIZED_INT8).read_bytes() == (tiny / OPTIMIZED_INT8).read_bytes()
    assert not list(folder.glob(".optimizing-*"))  # the scratch folder is gone
