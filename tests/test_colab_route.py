"""The Colab route, end to end: the setup cell's own `pip install "companion[...] @ git+URL"`,
pointed at a local clone, into a fresh virtual environment that already holds older versions
of the heavy libraries (as Colab's image does), then the first cells of lesson 00 and of lesson
02 (up to its agreement check, in whichever part holds it) run with a `google.colab` stand-in
module and no model hub.

torch is the one library not downgraded: only the CPU wheel of torch 2.13.0 can be installed
here, and the setup cell must keep whatever torch Colab has. Needs PyPI (the older libraries
and the extras come from there); about 3–4 minutes on two cores.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from companion.course import lesson_files, lessons_by_number, load_course

ROOT = Path(__file__).resolve().parent.parent
COURSE = load_course(ROOT / "pyproject.toml")

# Older than requirements.txt's pins and inside pyproject.toml's ranges; transformers 4.x is the
# line whose tokenizer keyword differs from 5.x (`vocab_file` vs `vocab`).
COLAB_LIKE = [
    "numpy==2.0.2",
    "pandas==2.2.2",
    "scipy==1.14.1",
    "matplotlib==3.9.2",
    "statsmodels==0.14.4",
    "transformers==4.57.1",
    "tokenizers==0.22.1",
    "psutil==5.9.5",
    "tqdm==4.67.1",
    "packaging==24.2",
    "torch==2.13.0",
]
STAND_IN = "# A stand-in for Colab's own module: lessons only test that it is imported.\n"
LAST_CELL = {  # run the lesson (or the part of it that has this) up to the first cell with it
    "00": "ex.q1.check(",
    "02": "every candidate within its tolerance",
}


def _notebook_with(number: str) -> str:
    """The notebook of lesson ``number`` that holds its LAST_CELL marker: the lesson, or the
    one of its parts (each part opens with its own setup cell and runs alone)."""
    for path in lessons_by_number(lesson_files(ROOT / "lessons"))[number]:
        if LAST_CELL[number] in path.read_text("utf-8"):
            return path.name
    raise AssertionError(f"no notebook of lesson {number} holds {LAST_CELL[number]!r}")


def _local_clone(target: Path) -> Path:
    """The working tree (tracked and untracked, not ignored) as a fresh git repository: pip's
    `git+file://` then installs exactly what is being tested, committed or not."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.split("\0")  # fmt: skip
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=target, check=True)
    subprocess.run([*git, "add", "-A"], cwd=target, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "snapshot"], cwd=target, check=True)
    return target


def _script(lesson: str, repository_url: str) -> str:
    notebook = nbformat.read(ROOT / "lessons" / lesson, as_version=4)
    sources = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        sources.append(cell.source.replace(COURSE.repository_url, repository_url))
        if LAST_CELL[lesson[:2]] in cell.source:
            break
    return "import google.colab  # noqa: F401\n\n" + "\n\n".join(sources) + "\n"


@pytest.fixture(scope="module")
def colab(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("colab")
    clone = _local_clone(base / "clone")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", *COLAB_LIKE], check=True, capture_output=True
    )
    stand_in = base / "stand_in" / "google" / "colab"
    stand_in.mkdir(parents=True)
    (stand_in / "__init__.py").write_text(STAND_IN)
    return {"base": base, "clone": clone, "python": python, "stand_in": stand_in.parent.parent}


def _run_lesson(colab: dict[str, Path], lesson: str) -> subprocess.CompletedProcess[str]:
    script = colab["base"] / f"{lesson}.py"
    # file://localhost/...: the pip of a fresh Python 3.11 venv rejects git+file:/// (no host)
    script.write_text(_script(lesson, f"file://localhost{colab['clone']}"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))},
        "PYTHONPATH": str(colab["stand_in"]),
        "COMPANION_CACHE": str(colab["base"] / "cache"),
        "HF_HOME": str(colab["base"] / "hf"),
        "HF_HUB_OFFLINE": "1",
        "MPLBACKEND": "Agg",
    }
    return subprocess.run(
        [str(colab["python"]), str(script)],
        cwd=colab["clone"] / "lessons", env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def _version(python: Path, name: str) -> str:
    code = f"from importlib.metadata import version; print(version({name!r}))"
    answer = subprocess.run(  # not from the checkout, whose companion.egg-info would answer
        [str(python), "-c", code], capture_output=True, text=True, cwd=python.parent
    )
    return answer.stdout.strip()


def test_lesson_00_installs_companion_through_the_setup_cell_and_runs(
    colab: dict[str, Path],
) -> None:
    assert _version(colab["python"], "run-ml-for-pennies") == ""  # not installed yet, as on Colab
    answer = _run_lesson(colab, _notebook_with("00"))
    assert answer.returncode == 0, answer.stderr[-3000:]
    assert "Ready: companion and everything this lesson needs are installed" in answer.stdout
    assert "Ready for this lesson" in answer.stdout  # the environment report's summary
    assert "Traceback" not in answer.stderr
    # Colab's older libraries were kept: they satisfy companion's ranges.
    assert _version(colab["python"], "numpy") == "2.0.2"
    assert _version(colab["python"], "pandas") == "2.2.2"


def test_lesson_02_installs_only_its_extras_and_exports_with_the_older_transformers(
    colab: dict[str, Path],
) -> None:
    answer = _run_lesson(colab, _notebook_with("02"))
    assert answer.returncode == 0, answer.stderr[-3000:]
    installed = next(line for line in answer.stdout.splitlines() if "Installed for" in line)
    assert "onnxruntime" in installed and "torch" not in installed and "numpy" not in installed
    assert "every candidate within its tolerance: True" in answer.stdout
    assert _version(colab["python"], "transformers") == "4.57.1"  # kept, and it works
    assert _version(colab["python"], "torch").startswith("2.13.0")  # Colab's torch is kept
