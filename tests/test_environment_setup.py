"""prepare_lesson (every lesson's setup cell), run_isolated, the machine's instruction sets and
the GPU price lookup: the small tools issue 11's routes stand on."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from companion import environment
from companion.environment import (
    SetupError,
    lesson_requirements,
    missing_requirements,
    prepare_lesson,
)
from companion.optimize import (
    IsolatedStepError,
    gpu_price_per_hour,
    instruction_sets,
    run_isolated,
)
from companion.pricing import default_catalog


def test_requirements_come_from_companions_own_metadata() -> None:
    names = {r.name for r in lesson_requirements("optimize")}
    assert {"numpy", "torch", "onnxruntime", "transformers"} <= names
    assert "starlette" not in names  # the server extra was not asked for
    assert {r.name for r in lesson_requirements("")} >= {"numpy", "pandas", "boto3"}


def test_an_unknown_extra_is_named() -> None:
    with pytest.raises(ValueError, match=r"unknown extra.*gpu"):
        lesson_requirements("optimize,gpu")


def test_everything_is_installed_here(capsys: pytest.CaptureFixture[str]) -> None:
    assert missing_requirements("optimize,lessons,server,loadtest,kubernetes") == []
    prepare_lesson("optimize")
    assert capsys.readouterr().out.startswith("Ready: companion and everything")


def _pretend_missing(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    real = environment._version
    monkeypatch.setattr(environment, "_version", lambda n: None if n in names else real(n))


def test_a_missing_package_is_installed_and_only_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _pretend_missing(monkeypatch, "onnxruntime")
    calls: list[list[str]] = []

    def pip(arguments: list[str]) -> None:
        calls.append(arguments)
        monkeypatch.setattr(environment, "_version", lambda n: "999.0")  # now it is there

    monkeypatch.setattr(environment, "_pip", pip)
    prepare_lesson("optimize")
    wanted = next(str(r) for r in lesson_requirements("optimize") if r.name == "onnxruntime")
    assert capsys.readouterr().out.startswith(f"Installed for this lesson: {wanted}.\n")
    assert calls == [
        [next(str(r) for r in lesson_requirements("optimize") if r.name == "onnxruntime")]
    ]


def test_a_missing_torch_comes_from_the_cpu_index_without_a_gpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = environment._version
    _pretend_missing(monkeypatch, "torch")
    monkeypatch.setattr(shutil, "which", lambda name: None)  # no nvidia-smi
    calls: list[list[str]] = []

    def pip(arguments: list[str]) -> None:
        calls.append(arguments)
        monkeypatch.setattr(
            environment, "_version", lambda n: "2.13.0+cpu" if n == "torch" else real(n)
        )

    monkeypatch.setattr(environment, "_pip", pip)
    prepare_lesson("optimize")
    assert calls[0][-2:] == ["--index-url", environment.TORCH_CPU_INDEX]


def test_a_too_old_version_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    real = environment._version
    monkeypatch.setattr(environment, "_version", lambda n: "1.0.0" if n == "numpy" else real(n))
    assert [r.name for r in missing_requirements("")] == ["numpy"]


def test_a_local_build_suffix_satisfies_the_range(monkeypatch: pytest.MonkeyPatch) -> None:
    real = environment._version
    monkeypatch.setattr(
        environment, "_version", lambda n: "2.13.0+cpu" if n == "torch" else real(n)
    )
    assert missing_requirements("optimize") == []


def test_a_failed_install_is_one_line_that_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    _pretend_missing(monkeypatch, "onnxruntime")
    failed = subprocess.CompletedProcess([], 1, "", "ERROR: No matching distribution found\n")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: failed)
    with pytest.raises(SetupError) as caught:
        prepare_lesson("optimize")
    rendered = caught.value._render_traceback_()
    assert len(rendered) == 1
    assert "No matching distribution found" in rendered[0] and "pip install" in rendered[0]


def test_without_install_a_missing_package_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _pretend_missing(monkeypatch, "tokenizers")
    with pytest.raises(SetupError, match="missing tokenizers"):
        prepare_lesson("optimize", install=False)


def test_run_isolated_runs_the_function_in_a_child_and_reports_its_peak(tmp_path: Path) -> None:
    source, target = tmp_path / "a.txt", tmp_path / "b.txt"
    source.write_text("hello")
    peak_mb = run_isolated(shutil.copyfile, source, target)  # imported by name in the child
    assert target.read_text() == "hello"
    assert peak_mb > 1  # a Python process is at least a few MB


def test_run_isolated_names_the_failure(tmp_path: Path) -> None:
    with pytest.raises(IsolatedStepError, match=r"(?s)shutil\.copyfile.*FileNotFoundError"):
        run_isolated(shutil.copyfile, tmp_path / "missing.txt", tmp_path / "b.txt")


def test_run_isolated_refuses_what_it_cannot_import() -> None:
    with pytest.raises(ValueError, match="module-level function"):
        run_isolated(lambda: None)


@pytest.mark.parametrize(
    ("cpuinfo", "expected"),
    [
        ("flags\t\t: fpu sse avx avx2 fma\n", ["avx", "avx2", "fma"]),
        (
            "flags : avx2 avx512f avx512bw avx512_vnni amx_int8 amx_tile\n",
            ["avx2", "avx512f", "avx512bw", "avx512_vnni", "amx_tile", "amx_int8"],
        ),
        ("Features\t: fp asimd asimddp i8mm sve\n", ["asimd", "asimddp", "i8mm", "sve"]),
        ("model name : something\n", []),
    ],
)
def test_instruction_sets_read_from_cpuinfo(cpuinfo: str, expected: list[str]) -> None:
    assert instruction_sets(cpuinfo) == expected


@pytest.mark.parametrize(
    ("device", "instance", "per_gpu"),
    [
        ("Tesla T4", "g4dn.xlarge", None),
        ("NVIDIA L4", "g6.xlarge", None),
        ("NVIDIA A10G", "g5.xlarge", None),
        ("NVIDIA H100 80GB HBM3", "p5.48xlarge", 8),
    ],
)
def test_a_gpu_is_priced_from_its_catalog_entry(
    device: str, instance: str, per_gpu: int | None
) -> None:
    price, entry = gpu_price_per_hour(device, default_catalog())  # type: ignore[misc]
    assert entry.name == instance
    assert price == pytest.approx(entry.price_per_hour / (per_gpu or 1))


def test_a_gpu_the_catalog_lacks_is_none_not_a_guess() -> None:
    assert gpu_price_per_hour("NVIDIA H200", default_catalog()) is None
    assert gpu_price_per_hour("NVIDIA L40S", default_catalog()) is None
