"""What is installed, and what is missing: lesson 00's report and every lesson's setup cell.

``check_environment`` reports versions (lesson 00). ``prepare_lesson(extras)`` is what each
lesson's setup cell calls once ``companion`` itself is importable: it reads ``companion``'s own
package metadata for the requirements of those extras, installs only the ones that are missing
or too old (never a CUDA build of torch on a machine without an NVIDIA GPU), and says in one
line what it did. A failed install is one line too, never a traceback.
"""

from __future__ import annotations

import importlib
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata

from packaging.requirements import Requirement
from packaging.version import InvalidVersion, Version

from ._errors import CompanionError

__all__ = [
    "EnvironmentReport",
    "PackageStatus",
    "SetupError",
    "check_environment",
    "in_colab",
    "isolate_from_real_aws",
    "lesson_requirements",
    "missing_requirements",
    "prepare_lesson",
]

# The distribution's name on PyPI-style indexes; the import package is `companion`.
DISTRIBUTION = "run-ml-for-pennies"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"

# (distribution, why the course needs it). Lesson 00 needs the first six; the rest are the
# extras that later lessons' setup cells install when they are missing.
REQUIREMENTS: tuple[tuple[str, str], ...] = (
    ("numpy", "arrays"),
    ("pandas", "tables"),
    ("scipy", "solvers and statistics"),
    ("matplotlib", "plots"),
    ("boto3", "AWS APIs (Price List; Lambda, Budgets in later lessons)"),
    (DISTRIBUTION, "the course's own package (import companion)"),
)
LATER: tuple[tuple[str, str], ...] = (
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
    required_now: bool = True

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
        return [p.name for p in self.packages if p.required_now and not p.installed]

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
        if problems:
            return "Not ready: " + "; ".join(problems) + "."
        later = [p.name for p in self.packages if not p.required_now and not p.installed]
        if later:
            return (
                "Ready for this lesson; later lessons' setup cells install what they add "
                f"({', '.join(later)})."
            )
        return "Ready: everything the lessons need is installed."

    def table(self) -> str:
        width = max(len(p.name) for p in self.packages)
        rows = [
            f"{'python':<{width}}  {self.python}  ({self.platform}{', Colab' if self.colab else ''})"
        ]
        for p in self.packages:
            absent = (
                "MISSING" if p.required_now else "not yet (its lesson's setup cell installs it)"
            )
            rows.append(f"{p.name:<{width}}  {p.version or absent}  — {p.purpose}")
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
        packages=tuple(PackageStatus(n, why, _version(n)) for n, why in REQUIREMENTS)
        + tuple(PackageStatus(n, why, _version(n), required_now=False) for n, why in LATER),
    )


class SetupError(CompanionError, RuntimeError):
    """A lesson's requirements could not be installed. IPython shows it as its one-line
    message (``_render_traceback_``), so a learner sees what failed and what to do, not a
    traceback; "Run all" still stops here."""

    def _render_traceback_(self) -> list[str]:
        return [f"Setup failed: {self}"]


def _as_list(extras: str | Sequence[str]) -> list[str]:
    items = extras.split(",") if isinstance(extras, str) else list(extras)
    return sorted({item.strip() for item in items if item.strip()})


def lesson_requirements(extras: str | Sequence[str] = ()) -> list[Requirement]:
    """``companion``'s own requirements plus those of ``extras`` (e.g. ``"optimize,lessons"``),
    read from its installed package metadata, so the check can never drift from
    ``pyproject.toml``."""
    wanted = _as_list(extras)
    declared = set(metadata.metadata(DISTRIBUTION).get_all("Provides-Extra") or [])
    unknown = [extra for extra in wanted if extra not in declared]
    if unknown:
        raise ValueError(
            f"unknown extra(s) {', '.join(unknown)}; companion has {', '.join(sorted(declared))}"
        )
    chosen: list[Requirement] = []
    for line in metadata.requires(DISTRIBUTION) or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in wanted):
            requirement.marker = None
            if str(requirement) not in map(str, chosen):  # two extras may share one (onnxruntime)
                chosen.append(requirement)
    return chosen


def _satisfied(requirement: Requirement) -> bool:
    installed = _version(requirement.name)
    if installed is None:
        return False
    for extra in requirement.extras:  # moto[server]: the server's own requirements too
        for line in metadata.requires(requirement.name) or []:
            needed = Requirement(line)
            wanted = needed.marker is not None and needed.marker.evaluate({"extra": extra})
            if wanted and _version(needed.name) is None:
                return False
    try:
        version = Version(installed)
    except InvalidVersion:
        return True  # a local build with a non-standard version: trust it
    # "2.13.0+cpu" satisfies ">=2.4": compare the public version
    return requirement.specifier.contains(Version(version.public), prereleases=True)


def missing_requirements(extras: str | Sequence[str] = ()) -> list[Requirement]:
    """The requirements of ``extras`` that are not installed or whose version is out of range."""
    return [r for r in lesson_requirements(extras) if not _satisfied(r)]


def _pip(arguments: list[str]) -> None:
    answer = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", *arguments],
        capture_output=True,
        text=True,
    )
    if answer.returncode != 0:
        lines = [line for line in answer.stderr.splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"pip exited with {answer.returncode}"
        raise SetupError(
            f"pip could not install {' '.join(arguments)} ({reason}). Check your network, or "
            f"install them yourself with `pip install {' '.join(arguments)}`, then run this cell again."
        )


def prepare_lesson(extras: str | Sequence[str] = (), *, install: bool = True) -> None:
    """Make sure everything a lesson needs is installed: ``companion``'s requirements and those
    of ``extras``. Installs only what is missing or too old (torch from PyTorch's CPU index
    unless the machine has an NVIDIA GPU) and says what it did in one line, or two when it
    installed something. Raises :class:`SetupError` (shown as one line in a notebook) when it
    cannot."""
    missing = missing_requirements(extras)
    names = ", ".join(_as_list(extras)) or "none"
    if missing and not install:
        raise SetupError(
            f"missing {', '.join(map(str, missing))}: run `make setup` in the repository, "
            "or prepare_lesson(..., install=True)."
        )
    if missing:
        torch = [r for r in missing if r.name == "torch"]
        others = [str(r) for r in missing if r.name != "torch"]
        if torch:
            cpu_only = shutil.which("nvidia-smi") is None
            _pip([str(torch[0]), *(["--index-url", TORCH_CPU_INDEX] if cpu_only else [])])
        if others:
            _pip(others)
        importlib.invalidate_caches()
        still = missing_requirements(extras)
        if still:
            raise SetupError(
                f"installed, but still missing {', '.join(map(str, still))}: restart the "
                "runtime (Runtime → Restart session on Colab) and run this cell again."
            )
        print(f"Installed for this lesson: {', '.join(map(str, missing))}.")
    print(f"Ready: companion and everything this lesson needs are installed (extras: {names}).")


# What could send a mocked lesson's requests somewhere real: endpoints (global or per service),
# a named profile or config file (which can set an endpoint and credentials), a session token.
_REAL_AWS_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                       "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CA_BUNDLE")  # fmt: skip


def isolate_from_real_aws(region: str = "us-east-1") -> list[str]:
    """Point this process's AWS settings at nothing real, before a lesson starts moto.

    Removes ``AWS_ENDPOINT_URL`` (and every ``AWS_ENDPOINT_URL_<SERVICE>``), profiles and
    session tokens; points the config and credentials files at an empty file; tells botocore
    to ignore configured endpoints; and sets fake credentials and ``region``. moto intercepts
    requests to AWS's own addresses, so an endpoint set in the learner's environment would
    otherwise carry a mocked lesson's requests past it. Returns the names it removed.
    """
    removed = [name for name in list(os.environ)
               if name in _REAL_AWS_VARIABLES or name.startswith("AWS_ENDPOINT_URL_")]  # fmt: skip
    for name in removed:
        del os.environ[name]
    os.environ.update(
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=region,
    )
    return sorted(removed)
