"""What is installed, and what is missing: the check that lesson 00 runs first."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from importlib import metadata

__all__ = ["EnvironmentReport", "PackageStatus", "check_environment", "in_colab"]

# (distribution, why the course needs it). Lessons that need more add their packages here.
REQUIREMENTS: tuple[tuple[str, str], ...] = (
    ("numpy", "arrays"),
    ("pandas", "tables"),
    ("scipy", "solvers and statistics"),
    ("matplotlib", "plots"),
    ("boto3", "AWS APIs (Price List; Lambda, Budgets in later lessons)"),
    ("companion", "the course's own package"),
    ("torch", "lesson 02: the PyTorch baseline and ONNX export"),
    ("transformers", "lesson 02: loading the model"),
    ("onnxruntime", "lesson 02 on: the serving runtime"),
    ("onnxscript", "lesson 02: the ONNX exporter"),
    ("tokenizers", "lesson 02 on: the serving tokenizer"),
)
MINIMUM_PYTHON = (3, 11)


@dataclass(frozen=True)
class PackageStatus:
    name: str
    purpose: str
    version: str | None

    @property
    def installed(self) -> bool:
        return self.version is not None


@dataclass(frozen=True)
class EnvironmentReport:
    python: str
    python_ok: bool
    platform: str
    colab: bool
    packages: tuple[PackageStatus, ...]

    @property
    def missing(self) -> list[str]:
        return [p.name for p in self.packages if not p.installed]

    @property
    def ok(self) -> bool:
        return self.python_ok and not self.missing

    def summary(self) -> str:
        """One sentence: ready, or exactly what to install."""
        problems = []
        if not self.python_ok:
            problems.append(
                f"Python {self.python} is too old: the course needs "
                f"{'.'.join(map(str, MINIMUM_PYTHON))} or newer"
            )
        if self.missing:
            problems.append(
                f"missing {', '.join(self.missing)}: run `make setup` locally, or the setup cell "
                "at the top of the lesson on Colab"
            )
        return (
            "Ready: everything the lessons need is installed."
            if not problems
            else "Not ready: " + "; ".join(problems) + "."
        )

    def table(self) -> str:
        width = max(len(p.name) for p in self.packages)
        rows = [
            f"{'python':<{width}}  {self.python}  ({self.platform}{', Colab' if self.colab else ''})"
        ]
        for p in self.packages:
            rows.append(f"{p.name:<{width}}  {p.version or 'MISSING'}  — {p.purpose}")
        return "\n".join(rows)


def in_colab() -> bool:
    return "google.colab" in sys.modules


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def check_environment() -> EnvironmentReport:
    """Versions of everything the course needs; nothing is installed or changed."""
    return EnvironmentReport(
        python=platform.python_version(),
        python_ok=sys.version_info[:2] >= MINIMUM_PYTHON,
        platform=f"{platform.system()} {platform.machine()}",
        colab=in_colab(),
        packages=tuple(PackageStatus(n, why, _version(n)) for n, why in REQUIREMENTS),
    )
