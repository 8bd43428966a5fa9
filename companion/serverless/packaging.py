"""Build the AWS Lambda deployment artifact for the serving path, offline.

Two ways to ship the torch-free predictor (``onnxruntime`` + ``tokenizers`` + ``numpy``):

* a **.zip** (:func:`build_zip`): the handler files at the root, the installed packages copied
  from *this* environment's site-packages, the model under ``model/``. Lambda caps a zip at
  50 MB for direct upload and 250 MB unzipped (layers included); :func:`check_limits` measures
  both. Because the packages are copied, not downloaded, this Python and this machine must
  match the Lambda runtime; for any other target, :class:`PackagingError` gives the
  ``pip install --platform ...`` command to run on a machine with network, and
  :func:`build_zip_from_directory` zips the folder it fills.
* a **container image** (:func:`write_container_context`): a Dockerfile on AWS's Lambda base
  image that pip-installs pinned requirements; images may be up to 10 GB
  (:func:`check_image_limits`).

:func:`distribution_sizes` and :func:`estimate_unzipped_bytes` size a package set before
anything is built: the point of the lesson is that ``["onnxruntime", "tokenizers", "numpy"]``
fits under 250 MB while ``["torch", "transformers"]`` does not.

Sizes count the files a deployment package contains: every installed file of a distribution
(its ``RECORD``) that exists, except bytecode caches (``__pycache__/``, ``*.pyc``: Lambda's
Python compiles its own) and files installed outside site-packages (console scripts in
``bin/``). MB means 1,048,576 bytes, as in AWS's quotas.

Binary wheels also name the C library they need. The python3.10 and python3.11 runtimes run
Amazon Linux 2 (glibc 2.26); python3.12 and python3.13 run Amazon Linux 2023 (glibc 2.34). A
wheel tagged ``manylinux_2_28`` (recent numpy and onnxruntime) imports here but fails on
Amazon Linux 2, so the zip builders check every packaged wheel's tags against the runtime.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shlex
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging import tags as wheel_tags
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from .._errors import CompanionError
from ..costs._validate import integer_at_least
from .limits import (
    ARCHITECTURES,
    BYTES_PER_MB,
    CONTAINER_IMAGE_LIMIT_BYTES,
    DEFAULT_PYTHON_VERSION,
    PYTHON_VERSIONS,
    UNZIPPED_LIMIT_BYTES,
    ZIP_DIRECT_UPLOAD_LIMIT_BYTES,
)

__all__ = [
    "Artifact",
    "LimitCheck",
    "LimitReport",
    "PackageSize",
    "PackagingError",
    "build_zip",
    "build_zip_from_directory",
    "check_image_limits",
    "check_limits",
    "distribution_sizes",
    "estimate_unzipped_bytes",
    "write_container_context",
]

# Lambda's quotas and names live in companion.serverless.limits (AWS counts in binary MB).

# The operating system (and its glibc) under each Python runtime: Lambda runtimes page,
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
_RUNTIME_OS: dict[str, tuple[str, tuple[int, int]]] = {
    "3.10": ("Amazon Linux 2", (2, 26)),
    "3.11": ("Amazon Linux 2", (2, 26)),
    "3.12": ("Amazon Linux 2023", (2, 34)),
    "3.13": ("Amazon Linux 2023", (2, 34)),
}
# Lambda's architecture name -> the wheel-tag (manylinux) name.
_WHEEL_ARCH = {"x86_64": "x86_64", "arm64": "aarch64"}
# platform.machine() spellings -> Lambda's architecture name.
_MACHINE_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
# Legacy manylinux names and the glibc they stand for.
_LEGACY_MANYLINUX = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
_DOCKER_PLATFORM = {"x86_64": "linux/amd64", "arm64": "linux/arm64"}
_MODEL_DIR = "model"

StrPath = str | os.PathLike[str]
# (breakdown row name, version) and the (archive name, file) pairs that make up that row.
_Group = tuple[tuple[str, str], list[tuple[str, Path]]]


class PackagingError(CompanionError, RuntimeError):
    """The artifact cannot be built here, or breaks a Lambda limit; the message says what to do."""


@dataclass(frozen=True)
class PackageSize:
    """What one distribution (or the ``handler`` / ``model`` group) adds to the package."""

    name: str
    version: str  # "" for the handler and model rows
    size_bytes: int
    file_count: int

    @property
    def size_mb(self) -> float:
        return self.size_bytes / BYTES_PER_MB


@dataclass(frozen=True)
class Artifact:
    """A built deployment .zip and what is in it.

    ``breakdown`` has one row per packaged distribution (largest first), then one ``handler``
    and one ``model`` row; its ``size_bytes`` add up to ``unzipped_bytes``.
    """

    path: Path
    zipped_bytes: int
    unzipped_bytes: int
    breakdown: tuple[PackageSize, ...]
    architecture: str
    python_version: str

    def __post_init__(self) -> None:
        integer_at_least(self.zipped_bytes, "zipped_bytes", 0)
        integer_at_least(self.unzipped_bytes, "unzipped_bytes", 0)

    @property
    def zipped_mb(self) -> float:
        return self.zipped_bytes / BYTES_PER_MB

    @property
    def unzipped_mb(self) -> float:
        return self.unzipped_bytes / BYTES_PER_MB


@dataclass(frozen=True)
class LimitCheck:
    """One Lambda limit against one measured size; ``headroom_bytes`` < 0 means over."""

    name: str
    measured_bytes: int
    limit_bytes: int

    @property
    def headroom_bytes(self) -> int:
        return self.limit_bytes - self.measured_bytes

    @property
    def passed(self) -> bool:
        return self.measured_bytes <= self.limit_bytes

    @property
    def measured_mb(self) -> float:
        return self.measured_bytes / BYTES_PER_MB

    @property
    def limit_mb(self) -> float:
        return self.limit_bytes / BYTES_PER_MB

    @property
    def headroom_mb(self) -> float:
        return self.headroom_bytes / BYTES_PER_MB


@dataclass(frozen=True)
class LimitReport:
    """Every limit that applies to one artifact, and what to do if one is exceeded."""

    checks: tuple[LimitCheck, ...]
    fix: str

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> tuple[LimitCheck, ...]:
        return tuple(check for check in self.checks if not check.passed)

    def raise_for_failure(self) -> None:
        """Raise :class:`PackagingError` naming every exceeded limit, with sizes in MB."""
        failures = self.failures
        if not failures:
            return
        over = "; ".join(
            f"{check.name}: {check.measured_mb:,.1f} MB > {check.limit_mb:,.0f} MB "
            f"({-check.headroom_mb:,.1f} MB over)"
            for check in failures
        )
        plural = "limit" if len(failures) == 1 else "limits"
        raise PackagingError(f"exceeds {len(failures)} Lambda {plural}: {over}. Fix: {self.fix}")


_ZIP_FIX = (
    "use a container image (10 GB limit) or upload the zip through S3 (the 50 MB direct-upload "
    "limit does not apply; 250 MB unzipped still does)"
)
_IMAGE_FIX = (
    "make the image smaller: serve with onnxruntime instead of torch, drop packages the handler "
    "does not import, quantize the model"
)


# --------------------------------------------------------------------------- validation


def _names(packages: Sequence[str], field: str) -> list[str]:
    if isinstance(packages, str) or not isinstance(packages, Sequence):
        raise TypeError(f"{field} must be a list of distribution names, got {packages!r}")
    for index, name in enumerate(packages):
        if not isinstance(name, str) or not name.strip():
            raise TypeError(f"{field}[{index}] must be a non-empty str, got {name!r}")
    return list(packages)


def _python_version(value: str, field: str = "python_version") -> str:
    if value not in PYTHON_VERSIONS:
        allowed = ", ".join(PYTHON_VERSIONS)
        raise ValueError(
            f"{field} must be one of {allowed} (the Lambda Python runtimes), got {value!r}"
        )
    return value


def _architecture(value: str, field: str = "architecture") -> str:
    if value not in ARCHITECTURES:
        raise ValueError(
            f"{field} must be 'x86_64' or 'arm64' (Lambda's architecture names), got {value!r}"
        )
    return value


def _archive_name(key: str, field: str) -> str:
    """A relative POSIX path inside the package: no drive, no '..', no backslashes."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"{field} keys must be non-empty relative paths, got {key!r}")
    parts = key.split("/")
    if (
        "\\" in key
        or key.startswith("/")
        or ":" in parts[0]
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise ValueError(
            f"{field} key {key!r} must be a relative path with '/' separators and no '.', '..' "
            "or empty parts (e.g. 'handler.py' or 'companion/serving/predictor.py')"
        )
    return key


def _source_files(files: Mapping[str, StrPath] | None, field: str) -> dict[str, Path]:
    if files is None:
        return {}
    if not isinstance(files, Mapping):
        raise TypeError(f"{field} must map archive names to files, got {type(files).__name__}")
    checked: dict[str, Path] = {}
    for key, value in files.items():
        name = _archive_name(key, field)
        path = Path(value)
        if not path.is_file():
            raise FileNotFoundError(f"{field}[{key!r}] = {str(path)!r} is not a file")
        checked[name] = path
    return checked


# --------------------------------------------------------------------------- distributions


def _dist_name(dist: importlib.metadata.Distribution) -> str:
    return str(dist.metadata["Name"])


def _resolve(packages: Sequence[str]) -> list[importlib.metadata.Distribution]:
    """The distributions named in ``packages`` and, recursively, their runtime dependencies."""
    found: dict[NormalizedName, importlib.metadata.Distribution] = {}
    done: set[tuple[NormalizedName, str]] = set()  # (distribution, extra) already expanded
    queue: list[tuple[Requirement, bool]] = []
    for index, text in enumerate(_names(packages, "packages")):
        try:
            queue.append((Requirement(text), True))
        except InvalidRequirement as exc:
            raise ValueError(f"packages[{index}] is not a requirement: {text!r} ({exc})") from exc
    while queue:
        requirement, top_level = queue.pop(0)
        key = canonicalize_name(requirement.name)
        dist = found.get(key)
        if dist is None:
            try:
                dist = importlib.metadata.distribution(requirement.name)
            except importlib.metadata.PackageNotFoundError:
                if top_level:
                    raise LookupError(
                        f"distribution {requirement.name!r} is not installed in this "
                        f"environment ({sys.prefix}): pip install {requirement.name}, "
                        "or remove it from packages"
                    ) from None
                continue  # an optional or platform-specific dependency: not needed here
            found[key] = dist
        if top_level and requirement.specifier and dist.version not in requirement.specifier:
            raise LookupError(
                f"{_dist_name(dist)} {dist.version} is installed, but packages asks for "
                f"{requirement}"
            )
        extras = {""} | {canonicalize_name(extra) for extra in requirement.extras}
        for extra in sorted(extras):
            if (key, extra) in done:
                continue
            done.add((key, extra))
            for text in dist.requires or []:
                dependency = Requirement(text)
                marker = dependency.marker
                if marker is None or marker.evaluate({"extra": extra}):
                    queue.append((dependency, False))
    return list(found.values())


def _packaged_files(dist: importlib.metadata.Distribution) -> Iterator[tuple[str, Path]]:
    """(archive name, file) for each installed file of ``dist`` that belongs in a package."""
    for record in dist.files or []:
        parts = record.parts
        if not parts or record.is_absolute() or parts[0] == "..":
            continue  # installed outside site-packages (console scripts, data files)
        if "__pycache__" in parts or record.suffix == ".pyc":
            continue
        path = Path(str(dist.locate_file(record)))
        if path.is_file():
            yield record.as_posix(), path


def _largest_first(rows: Iterable[PackageSize]) -> list[PackageSize]:
    return sorted(rows, key=lambda row: (-row.size_bytes, canonicalize_name(row.name)))


def distribution_sizes(names: Sequence[str]) -> list[PackageSize]:
    """The size of each installed distribution in ``names`` and of its runtime dependencies.

    Dependencies come from each distribution's ``Requires-Dist``: a requirement whose marker is
    false here (another platform, an extra that was not asked for) is skipped, and so is a
    dependency that is not installed. ``"transformers[torch]"`` includes that extra's
    requirements. Largest first.

    Raises:
        LookupError: a distribution named in ``names`` is not installed (or not at the version
            its specifier asks for).
    """
    rows = []
    for dist in _resolve(names):
        sizes = [path.stat().st_size for _, path in _packaged_files(dist)]
        rows.append(PackageSize(_dist_name(dist), dist.version, sum(sizes), len(sizes)))
    return _largest_first(rows)


def estimate_unzipped_bytes(packages: Sequence[str]) -> int:
    """Bytes the installed ``packages`` and their dependencies add to an unzipped package.

    Compare with :data:`UNZIPPED_LIMIT_BYTES` (250 MB) before building anything; add the model
    and handler sizes yourself.
    """
    return sum(row.size_bytes for row in distribution_sizes(packages))


# --------------------------------------------------------------------------- wheel tags


def _runtime_tags(python_version: str, architecture: str) -> frozenset[wheel_tags.Tag]:
    """Every wheel tag the Lambda runtime (Python, architecture, glibc) can import."""
    minor = int(python_version.split(".")[1])
    _, (glibc_major, glibc_minor) = _RUNTIME_OS[python_version]
    arch = _WHEEL_ARCH[architecture]
    platforms = []
    for y in range(glibc_minor, 4, -1):
        platforms.append(f"manylinux_{glibc_major}_{y}_{arch}")
        if y in _LEGACY_MANYLINUX:
            platforms.append(f"{_LEGACY_MANYLINUX[y]}_{arch}")
    interpreter = f"cp3{minor}"
    return frozenset(
        [
            *wheel_tags.cpython_tags((3, minor), abis=[interpreter], platforms=platforms),
            *wheel_tags.compatible_tags((3, minor), interpreter=interpreter, platforms=platforms),
        ]
    )


def _incompatible_wheels(
    dists: Iterable[importlib.metadata.Distribution], python_version: str, architecture: str
) -> list[str]:
    """One line per distribution whose wheel cannot run on the runtime; [] when all can."""
    supported = _runtime_tags(python_version, architecture)
    problems = []
    for dist in dists:
        wheel = dist.read_text("WHEEL")
        if wheel is None:
            continue  # not installed from a wheel: nothing to check
        declared = [
            line.partition(":")[2].strip() for line in wheel.splitlines() if line.startswith("Tag:")
        ]
        tags = {tag for text in declared for tag in wheel_tags.parse_tag(text)}
        if tags and not tags & supported:
            problems.append(
                f"{_dist_name(dist)} {dist.version} (wheel tags: {', '.join(declared)})"
            )
    return problems


def _check_wheels(
    dists: Iterable[importlib.metadata.Distribution],
    python_version: str,
    architecture: str,
    fix: str,
) -> None:
    problems = _incompatible_wheels(dists, python_version, architecture)
    if problems:
        os_name, (major, minor) = _RUNTIME_OS[python_version]
        raise PackagingError(
            f"{len(problems)} distribution(s) would not import on the python{python_version} "
            f"Lambda runtime ({os_name}, glibc {major}.{minor}, {architecture}), which takes "
            f"CPython {python_version} wheels for manylinux_{major}_{minor} or older: "
            f"{'; '.join(problems)}. {fix}"
        )


# --------------------------------------------------------------------------- zip


def _pip_command(
    target: str, python_version: str, architecture: str, packages: Sequence[str]
) -> str:
    return (
        f"pip install --target {shlex.quote(target)} "
        f"--platform manylinux2014_{_WHEEL_ARCH[architecture]} --python-version {python_version} "
        f"--only-binary=:all: {' '.join(shlex.quote(p) for p in packages)}"
    )


def _cross_build_advice(
    output: Path, python_version: str, architecture: str, packages: Sequence[str]
) -> str:
    target = str(output.parent / "package")
    return (
        "On a machine with network, download wheels built for the runtime:\n"
        f"    {_pip_command(target, python_version, architecture, packages)}\n"
        "then zip that folder with build_zip_from_directory(output, "
        f"Path({target!r}), handler_files, model_files, python_version={python_version!r}, "
        f"architecture={architecture!r})."
    )


def _this_architecture() -> str:
    machine = platform.machine()
    return _MACHINE_ARCH.get(machine.lower(), machine)


def _zip_info(arcname: str, path: Path) -> zipfile.ZipInfo:
    """A reproducible entry: fixed timestamp, and permissions Lambda can read (644 or 755)."""
    info = zipfile.ZipInfo.from_file(path, arcname)
    info.date_time = (1980, 1, 1, 0, 0, 0)
    mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_zip(
    output: Path,
    groups: Sequence[_Group],
    python_version: str,
    architecture: str,
) -> Artifact:
    """Zip ``groups`` into ``output``, the last two being the handler and the model; one
    breakdown row per group."""
    seen: dict[str, Path] = {}
    unique: list[_Group] = []
    for label, files in groups:
        kept = []
        for arcname, path in files:
            if arcname not in seen:
                seen[arcname] = path
                kept.append((arcname, path))
            elif not os.path.samefile(seen[arcname], path):
                raise PackagingError(
                    f"two files want the same place in the zip, {arcname!r}: {seen[arcname]} "
                    f"and {path}; rename the handler or model file"
                )  # the same file recorded by two distributions goes in once, under the first
        unique.append((label, kept))
    output = Path(output)
    if output.is_dir():
        raise ValueError(f"output must be a .zip file path, got the folder {output}")
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(handle)
    rows = []
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for (name, version), files in unique:
                size_bytes = 0
                for arcname, path in sorted(files):
                    info = _zip_info(arcname, path)
                    with path.open("rb") as source, archive.open(info, "w") as target:
                        shutil.copyfileobj(source, target, 1024 * 1024)
                    size_bytes += info.file_size
                rows.append(PackageSize(name, version, size_bytes, len(files)))
        os.chmod(temporary, 0o644)  # mkstemp makes it private
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    *packages, handler, model = rows
    with zipfile.ZipFile(output) as archive:
        unzipped_bytes = sum(info.file_size for info in archive.infolist())
    return Artifact(
        path=output,
        zipped_bytes=output.stat().st_size,
        unzipped_bytes=unzipped_bytes,
        breakdown=(*_largest_first(packages), handler, model),
        architecture=architecture,
        python_version=python_version,
    )


def _handler_and_model_groups(
    handler_files: Mapping[str, StrPath], model_files: Mapping[str, StrPath] | None
) -> tuple[_Group, _Group]:
    handlers = _source_files(handler_files, "handler_files")
    if not handlers:
        raise ValueError("handler_files must name at least one file (the module Lambda imports)")
    models = _source_files(model_files, "model_files")
    return (
        (("handler", ""), list(handlers.items())),
        ((_MODEL_DIR, ""), [(f"{_MODEL_DIR}/{k}", p) for k, p in models.items()]),
    )


def build_zip(
    output: StrPath,
    handler_files: Mapping[str, StrPath],
    packages: Sequence[str],
    model_files: Mapping[str, StrPath] | None = None,
    python_version: str = DEFAULT_PYTHON_VERSION,
    architecture: str = "x86_64",
    *,
    check_runtime: bool = True,
) -> Artifact:
    """Write a Lambda .zip: handler files at the root, installed packages, model under ``model/``.

    ``handler_files`` and ``model_files`` map the name inside the zip (``"handler.py"``,
    ``"model.int8.onnx"`` → ``model/model.int8.onnx``) to a file on disk. ``packages`` and their
    runtime dependencies are copied from this environment's installed files (no bytecode), so
    ``python_version`` must be this interpreter's and ``architecture`` this machine's; every
    packaged wheel must also suit the runtime's glibc (Amazon Linux 2 for 3.10/3.11). Entries get
    a fixed timestamp, so the same inputs give the same bytes.

    ``check_runtime=False`` skips the wheel check (not the Python/architecture one): use it only
    to measure sizes, never to deploy.

    Raises:
        PackagingError: this environment cannot produce the package for that runtime; the
            message has the ``pip install --platform ...`` command that can.
        LookupError: a distribution in ``packages`` is not installed.
        ValueError / FileNotFoundError: a bad argument, named in the message.
    """
    output = Path(output)
    _python_version(python_version)
    _architecture(architecture)
    names = _names(packages, "packages")
    handler, model = _handler_and_model_groups(handler_files, model_files)
    host_python = f"{sys.version_info.major}.{sys.version_info.minor}"
    host_architecture = _this_architecture()
    mismatches = []
    if not sys.platform.startswith("linux"):
        mismatches.append(f"this machine runs {sys.platform}, Lambda runs Linux")
    if python_version != host_python:
        mismatches.append(f"python_version is {python_version}, this interpreter is {host_python}")
    if architecture != host_architecture:
        mismatches.append(f"architecture is {architecture}, this machine is {host_architecture}")
    if mismatches:
        raise PackagingError(
            "build_zip copies the installed packages of this environment, and they cannot run "
            f"on the python{python_version} {architecture} Lambda runtime: "
            f"{'; '.join(mismatches)}. "
            + _cross_build_advice(output, python_version, architecture, names)
        )
    dists = _resolve(names)
    # check_runtime=False builds the zip anyway, to measure sizes: it may not import on Lambda.
    _check_wheels(
        dists if check_runtime else [],
        python_version,
        architecture,
        _cross_build_advice(output, python_version, architecture, names)
        + " Or deploy a container image (write_container_context), or build from a Python 3.12 "
        "or 3.13 environment for those runtimes (Amazon Linux 2023, glibc 2.34).",
    )
    groups = [((_dist_name(dist), dist.version), list(_packaged_files(dist))) for dist in dists]
    return _write_zip(output, [*groups, handler, model], python_version, architecture)


def build_zip_from_directory(
    output: StrPath,
    directory: StrPath,
    handler_files: Mapping[str, StrPath],
    model_files: Mapping[str, StrPath] | None = None,
    python_version: str = DEFAULT_PYTHON_VERSION,
    architecture: str = "x86_64",
) -> Artifact:
    """Like :func:`build_zip`, with the packages taken from a ``pip install --target`` folder.

    Every file under ``directory`` goes into the zip at its relative path, except bytecode
    caches. Use it with the folder filled by the ``pip install --target ... --platform ...``
    command that :class:`PackagingError` suggests; ``python_version`` and ``architecture`` name
    the runtime it was built for, and the wheels found in it are checked against that runtime.
    ``breakdown`` has one row per distribution found in the folder and, if some files belong to
    none, a ``(other files)`` row.
    """
    output = Path(output)
    root = Path(directory)
    _python_version(python_version)
    _architecture(architecture)
    if not root.is_dir():
        raise FileNotFoundError(f"directory {str(root)!r} is not a folder")
    resolved_root = root.resolve()
    if output.resolve().is_relative_to(resolved_root):
        raise ValueError(f"output {output} must be outside directory {root}: it would zip itself")
    handler, model = _handler_and_model_groups(handler_files, model_files)
    dists = sorted(
        importlib.metadata.distributions(path=[str(root)]),
        key=lambda d: canonicalize_name(_dist_name(d)),
    )
    _check_wheels(
        dists,
        python_version,
        architecture,
        "Empty the folder and fill it again with wheels built for the runtime: "
        + _pip_command(str(root), python_version, architecture, [_dist_name(d) for d in dists]),
    )
    owner: dict[Path, int] = {}
    for index, dist in enumerate(dists):
        for record in dist.files or []:
            owner.setdefault(Path(str(dist.locate_file(record))).resolve(), index)
    files: list[list[tuple[str, Path]]] = [[] for _ in range(len(dists) + 1)]
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or "__pycache__" in relative.parts or path.suffix == ".pyc":
            continue
        files[owner.get(path.resolve(), len(dists))].append((relative.as_posix(), path))
    groups: list[_Group] = [
        ((_dist_name(dist), dist.version), group) for dist, group in zip(dists, files, strict=False)
    ]
    if files[-1]:
        groups.append((("(other files)", ""), files[-1]))
    return _write_zip(output, [*groups, handler, model], python_version, architecture)


# --------------------------------------------------------------------------- limits


def check_limits(artifact: Artifact) -> LimitReport:
    """The zip against Lambda's 50 MB direct-upload and 250 MB unzipped limits."""
    return LimitReport(
        checks=(
            LimitCheck("zip, direct upload", artifact.zipped_bytes, ZIP_DIRECT_UPLOAD_LIMIT_BYTES),
            LimitCheck("unzipped, incl. layers", artifact.unzipped_bytes, UNZIPPED_LIMIT_BYTES),
        ),
        fix=_ZIP_FIX,
    )


def check_image_limits(unzipped_bytes: int) -> LimitReport:
    """An image's uncompressed size against Lambda's 10 GB limit.

    The limit counts every layer, the base image's (several hundred MB) included.
    """
    integer_at_least(unzipped_bytes, "unzipped_bytes", 0)
    return LimitReport(
        checks=(LimitCheck("container image", unzipped_bytes, CONTAINER_IMAGE_LIMIT_BYTES),),
        fix=_IMAGE_FIX,
    )


# --------------------------------------------------------------------------- container


def _pinned_requirements(requirements: Sequence[str]) -> list[str]:
    lines = []
    for index, text in enumerate(_names(requirements, "requirements")):
        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            raise ValueError(
                f"requirements[{index}] is not a requirement: {text!r} ({exc})"
            ) from exc
        if requirement.specifier or requirement.marker or requirement.url:
            raise ValueError(
                f"requirements[{index}] must be a bare distribution name (extras allowed), got "
                f"{text!r}: the version is pinned from this environment"
            )
        try:
            dist = importlib.metadata.distribution(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            raise LookupError(
                f"distribution {requirement.name!r} is not installed in this environment "
                f"({sys.prefix}), so its version cannot be pinned: pip install {requirement.name}"
            ) from None
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        if "+" in dist.version:
            lines.append(
                f"# {dist.version} has a local version label: pip needs the index that published "
                "it (e.g. --extra-index-url)"
            )
        lines.append(f"{_dist_name(dist)}{extras}=={dist.version}")
    return lines


def write_container_context(
    directory: StrPath,
    handler_module: str,
    handler_files: Mapping[str, StrPath],
    model_files: Mapping[str, StrPath] | None,
    requirements: Sequence[str],
    python_version: str = DEFAULT_PYTHON_VERSION,
    architecture: str = "x86_64",
) -> Path:
    """Write a Docker build context for a Lambda container image; return the folder.

    ``directory`` (new or empty) gets a ``Dockerfile`` on ``public.ecr.aws/lambda/python:<v>``
    for ``architecture``, a ``requirements.txt`` pinning each of ``requirements`` to the version
    installed here (pip resolves their dependencies inside the image, for its own glibc), a
    ``.dockerignore``, the handler files under ``app/`` and the model under ``model/``. In the
    image both land in ``${LAMBDA_TASK_ROOT}`` and Lambda calls ``<handler_module>.handler``.
    Build it with ``docker build --platform linux/amd64 --provenance=false -t NAME DIRECTORY``
    (``linux/arm64`` for arm64; Lambda rejects multi-platform manifests). Nothing runs Docker.
    """
    _python_version(python_version)
    _architecture(architecture)
    if isinstance(handler_module, str) and handler_module.endswith(".py"):
        raise ValueError(
            f"handler_module is a module name, not a file: use {handler_module[:-3]!r}, "
            f"not {handler_module!r}"
        )
    parts = handler_module.split(".") if isinstance(handler_module, str) else []
    if not parts or not all(part.isidentifier() for part in parts):
        raise ValueError(
            f"handler_module must be a dotted Python module name such as 'handler', got "
            f"{handler_module!r}"
        )
    handler, model = _handler_and_model_groups(handler_files, model_files)
    module_file = "/".join(parts) + ".py"
    if module_file not in dict(handler[1]):
        raise ValueError(
            f"handler_module {handler_module!r} needs {module_file!r} among handler_files, "
            f"which has {sorted(dict(handler[1]))}"
        )
    pins = _pinned_requirements(requirements)
    context = Path(directory)
    if context.exists() and (not context.is_dir() or any(context.iterdir())):
        raise FileExistsError(
            f"directory {str(context)!r} must be new or empty: stale files would end up in the image"
        )
    for folder, (_, files) in (("app", handler), ("", model)):
        for arcname, path in files:
            target = context / folder / arcname
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    context.mkdir(parents=True, exist_ok=True)
    (context / "requirements.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
    (context / ".dockerignore").write_text(
        "**/__pycache__\n**/*.pyc\n**/.DS_Store\n.git\n", encoding="utf-8"
    )
    docker_platform = _DOCKER_PLATFORM[architecture]
    lines = [
        "# Written by companion.serverless.packaging.write_container_context. Build with:",
        f"#   docker build --platform {docker_platform} --provenance=false -t sentiment .",
        f"FROM --platform={docker_platform} public.ecr.aws/lambda/python:{python_version}",
        "COPY requirements.txt ${LAMBDA_TASK_ROOT}/",
        'RUN pip install --no-cache-dir --target "${LAMBDA_TASK_ROOT}" '
        '-r "${LAMBDA_TASK_ROOT}/requirements.txt"',
    ]
    if model[1]:
        lines.append(f"COPY {_MODEL_DIR}/ ${{LAMBDA_TASK_ROOT}}/{_MODEL_DIR}/")
    lines += ["COPY app/ ${LAMBDA_TASK_ROOT}/", f'CMD ["{handler_module}.handler"]']
    (context / "Dockerfile").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return context
