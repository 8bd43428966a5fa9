"""Prove pyproject.toml's lower bounds: install the lowest version of every direct dependency
it allows (all extras) into a fresh virtual environment and run the unit tests there.

    make lowest            # or: .venv/bin/python scripts/lowest_versions.py

torch is the exception: only the CPU wheel of torch 2.13.0 can be installed on the course
machines (every other version is a multi-GB CUDA build, which the course never installs), so it
is tested at 2.13.0 and its floor is not "proven" here. The test tools come from
requirements.txt's pins. Writes tests/data/lowest_versions.json: what was installed, the
pytest summary, the machine and the date. Needs PyPI; about 10 minutes on two cores.
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "tests" / "data" / "lowest_versions.json"
TESTED_TORCH = "torch==2.13.0"
TEST_TOOLS = ("pytest", "hypothesis", "nbformat", "nbclient", "ipykernel", "build")
# Tests that need what this environment deliberately lacks: the network and the JupyterLab
# stack (routes), or the exact pinned libraries (committed model hashes skip themselves).
IGNORED = ("tests/test_colab_route.py", "tests/test_routes.py")


def lowest_pins() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += extra
    pins: dict[str, str] = {}
    for line in lines:
        requirement = Requirement(line)
        floors = [s.version for s in requirement.specifier if s.operator == ">="]
        if requirement.name == "torch":
            pins["torch"] = TESTED_TORCH
            continue
        if len(floors) != 1:
            raise SystemExit(f"{line}: give exactly one lower bound (>=)")
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        pins[requirement.name] = f"{requirement.name}{extras}=={floors[0]}"
    return sorted(pins.values())


def tool_pins() -> list[str]:
    pinned = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            pinned[re.split(r"[\[=]", line)[0].lower()] = line.strip()
    return [pinned[name] for name in TEST_TOOLS if name in pinned]


def main() -> int:
    pins = lowest_pins()
    venv = ROOT / ".venv-lowest"  # kept after the run, to rerun a failing test by hand
    python = str(venv / "bin" / "python")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([python, "-m", "pip", "install", "-q", *pins, *tool_pins()], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", str(ROOT)], check=True)
        freeze = subprocess.run(
            [python, "-m", "pip", "freeze"], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        tests = subprocess.run(
            [
                python,
                "-m",
                "pytest",
                "tests",
                "-q",
                "-p",
                "no:cacheprovider",
                "-o",
                "addopts=",
                "-rf",
                "--tb=line",
                *[f"--ignore={path}" for path in IGNORED],
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": scratch,
                "COMPANION_CACHE": f"{scratch}/cache",
                "HF_HUB_OFFLINE": "1",
                "MPLBACKEND": "Agg",
            },
        )
    summary = tests.stdout.strip().splitlines()[-1] if tests.stdout.strip() else tests.stderr
    failures = [
        line for line in tests.stdout.splitlines() if line.startswith(("FAILED", "ERROR", "E   "))
    ]
    document = {
        "date_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "lowest_allowed": pins,
        "installed": freeze,
        "ignored": list(IGNORED),
        "pytest_exit_code": tests.returncode,
        "pytest_summary": summary,
        "failures": failures,
    }
    RESULT.write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    print("\n".join(failures[:50]))
    print(summary)
    return tests.returncode


if __name__ == "__main__":
    sys.exit(main())
