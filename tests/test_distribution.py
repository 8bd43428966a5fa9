"""The distribution a reuser installs (issue 15): a wheel built from this checkout installs into
a clean virtual environment and every sub-package's public API imports from it, package data
included, under a name of our own (``run-ml-for-pennies``; PyPI's ``companion`` is another
project's).

The clean environment is a new venv whose only view of third-party packages is a plain path
line to this environment's site-packages. A path line does not run the ``.pth`` files found
there, so the checkout's editable install of companion stays invisible: what imports is the
wheel, or nothing.
"""

from __future__ import annotations

import ast
import contextlib
import json
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = "run-ml-for-pennies"

# Runs inside the clean venv: import every sub-package, resolve every name in its __all__,
# read package data, and say where companion came from.
PROBE = """
import importlib, json, pkgutil, sys
from importlib import metadata
import companion
from companion.pricing import default_catalog
from companion.course import committed_json

report = {"file": companion.__file__, "version": metadata.version(sys.argv[1]),
          "subpackages": {}, "missing": []}
for info in pkgutil.iter_modules(companion.__path__):
    if not info.ispkg:
        continue
    module = importlib.import_module(f"companion.{info.name}")
    names = list(getattr(module, "__all__", []))
    for name in names:
        try:
            getattr(module, name)
        except Exception as error:
            report["missing"].append(f"companion.{info.name}.{name}: {error!r}")
    report["subpackages"][info.name] = len(names)
for name in companion.__all__:
    getattr(companion, name)
report["instances"] = len(default_catalog().instances)
report["result_files"] = bool(committed_json("optimize_distilbert.json"))
print(json.dumps(report))
"""


def _requirement_closure(requires: list[str]) -> set[str]:
    """The distributions ``requires`` (without extras) pulls in, transitively, as installed here."""
    found: set[str] = set()
    todo = list(requires)
    while todo:
        requirement = Requirement(todo.pop())
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        found.add(name)
        with contextlib.suppress(metadata.PackageNotFoundError):  # an extra's, not installed
            todo.extend(metadata.requires(requirement.name) or [])
    return found


def _copy_sources(destination: Path) -> Path:
    """What the build reads, copied, so the build writes nothing into the checkout (its
    ``build/`` and ``*.egg-info`` would race the editable install other tests read)."""
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, destination / name)
    shutil.copytree(
        ROOT / "companion", destination / "companion",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )  # fmt: skip
    return destination


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = _copy_sources(tmp_path_factory.mktemp("source"))
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=source, capture_output=True, text=True,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (found,) = out.glob("*.whl")
    return found


@pytest.fixture(scope="module")
def clean_venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    folder = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(folder)
    python = folder / "bin" / "python"
    site_packages = Path(
        subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip()
    )  # fmt: skip
    # A plain path line: third-party packages visible, their .pth files (the editable
    # companion's among them) not run.
    (site_packages / "course-libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(wheel)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-2000:]
    return python


def test_the_wheel_is_named_ours_and_carries_its_package_data(wheel: Path) -> None:
    assert wheel.name.startswith("run_ml_for_pennies-")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "companion/pricing/data/prices.toml" in names
    assert any(n.startswith("companion/data/results/") and n.endswith(".json") for n in names)
    assert not any(n.endswith(".pyc") or "__pycache__" in n for n in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert f"Name: {DISTRIBUTION}\n" in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for extra in project["optional-dependencies"]:
        assert f"Provides-Extra: {extra}\n" in text


def test_the_checkout_is_not_what_the_clean_venv_imports(clean_venv: Path) -> None:
    """The probe below means something only if the checkout's companion is out of reach."""
    answer = subprocess.run(
        [clean_venv, "-c", "import companion, sys; print(companion.__file__)"],
        capture_output=True, text=True, cwd=clean_venv.parent.parent,
    )  # fmt: skip
    assert answer.returncode == 0, answer.stderr[-2000:]
    assert str(ROOT / "companion") not in answer.stdout
    assert str(clean_venv.parent.parent) in answer.stdout


def test_every_public_api_imports_from_the_installed_wheel(clean_venv: Path) -> None:
    answer = subprocess.run(
        [clean_venv, "-c", PROBE, DISTRIBUTION],
        capture_output=True, text=True, cwd=clean_venv.parent.parent,
    )  # fmt: skip
    assert answer.returncode == 0, answer.stderr[-3000:]
    report = json.loads(answer.stdout.strip().splitlines()[-1])
    assert report["file"].startswith(str(clean_venv.parent.parent))
    import companion

    assert report["version"] == companion.__version__
    assert report["missing"] == []
    packages = {p.name for p in (ROOT / "companion").iterdir() if (p / "__init__.py").is_file()}
    assert set(report["subpackages"]) == packages
    assert all(count > 0 for count in report["subpackages"].values()), report["subpackages"]
    assert report["instances"] > 0 and report["result_files"] is True


def test_the_console_script_runs_from_the_clean_venv(clean_venv: Path) -> None:
    script = clean_venv.parent / "companion"
    answer = subprocess.run(
        [script, "cost", "--daily-requests", "1000000"],
        capture_output=True, text=True, cwd=clean_venv.parent.parent,
    )  # fmt: skip
    assert answer.returncode == 0, answer.stderr[-2000:]
    here = subprocess.run(
        [sys.executable, "-m", "companion", "cost", "--daily-requests", "1000000"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "monthly_cost_usd" in answer.stdout
    assert answer.stdout == here.stdout  # the same code and the same catalog, installed


def _imported_distributions(path: Path) -> set[str]:
    """Third-party distributions whose modules ``path`` imports (anywhere in it)."""
    owners = metadata.packages_distributions()
    tops: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            tops |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            tops.add(node.module.split(".")[0])
    return {canonicalize_name(d) for top in tops - {"companion"} for d in owners.get(top, [])}


def test_the_wheel_declares_every_library_companion_imports(wheel: Path) -> None:
    """Every third-party library a companion module imports is declared by the wheel's own
    Requires-Dist (any extra) or pulled in by what it declares: a library imported but declared
    nowhere fails here, even though the clean venv above can see this environment's libraries.
    (A library also pulled in transitively, such as pandas through statsmodels, is not caught
    when dropped: pip would still install it.)"""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        lines = archive.read(name).decode().splitlines()
    requires = [
        Requirement(line.split(":", 1)[1].strip())
        for line in lines
        if line.startswith("Requires-Dist:")
    ]
    every = [f"{r.name}{r.specifier}" for r in requires]  # extras' markers dropped
    declared = _requirement_closure(every)
    undeclared = {
        str(path.relative_to(ROOT)): sorted(_imported_distributions(path) - declared)
        for path in sorted((ROOT / "companion").rglob("*.py"))
    }
    undeclared = {k: v for k, v in undeclared.items() if v}
    assert undeclared == {}
    assert "pandas" in _imported_distributions(ROOT / "companion" / "costs" / "models.py")


def test_the_closure_notices_a_missing_requirement() -> None:
    """The check above can fail: without pandas declared, pandas' own dependencies are not
    reached either."""
    assert "pandas" in _requirement_closure(["pandas>=2"])
    assert "pandas" not in _requirement_closure(["numpy>=2", "boto3>=1"])
    assert "python-dateutil" in _requirement_closure(["pandas>=2"])
