"""The Lambda deployment artifact: sizes of installed distributions, the .zip (built for real,
from this environment and from a folder), the wheel/runtime check, Lambda's size limits, and the
container build context. Offline and fast: small distributions, tiny fake handler and model."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import stat
import sys
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from companion.serverless.limits import (
    BYTES_PER_MB,
    CONTAINER_IMAGE_LIMIT_BYTES,
    PYTHON_VERSIONS,
    UNZIPPED_LIMIT_BYTES,
    ZIP_DIRECT_UPLOAD_LIMIT_BYTES,
)
from companion.serverless.packaging import (
    Artifact,
    PackageSize,
    PackagingError,
    build_zip,
    build_zip_from_directory,
    check_image_limits,
    check_limits,
    distribution_sizes,
    estimate_unzipped_bytes,
    write_container_context,
)

HOST_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
HOST_ARCHITECTURE = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "aarch64": "arm64",
    "arm64": "arm64",
}.get(platform.machine().lower(), "")
OTHER_ARCHITECTURE = "arm64" if HOST_ARCHITECTURE == "x86_64" else "x86_64"
OTHER_PYTHON = next(v for v in PYTHON_VERSIONS if v != HOST_PYTHON)
WHEEL_ARCH = {"x86_64": "x86_64", "arm64": "aarch64"}

can_build_here = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or HOST_PYTHON not in PYTHON_VERSIONS
    or not HOST_ARCHITECTURE,
    reason="build_zip copies this environment: it needs Linux, a Lambda Python and x86_64/arm64",
)


def installed(*names: str) -> bool:
    try:
        for name in names:
            importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def write_dist(
    root: Path,
    name: str,
    files: dict[str, bytes],
    requires: Iterable[str] = (),
    tags: Iterable[str] = ("py3-none-any",),
    version: str = "1.0",
) -> Path:
    """A minimal installed distribution under ``root``, as pip leaves it (RECORD lists all)."""
    info = f"{name.replace('-', '_')}-{version}.dist-info"
    (root / info).mkdir(parents=True)
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {r}" for r in requires]
    (root / info / "METADATA").write_text("\n".join(metadata) + "\n")
    wheel = ["Wheel-Version: 1.0", "Root-Is-Purelib: true", *(f"Tag: {t}" for t in tags)]
    (root / info / "WHEEL").write_text("\n".join(wheel) + "\n")
    for relative, content in files.items():
        if relative.endswith("missing.py"):
            continue  # listed in RECORD, not on disk
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(content)
    record = [*files, f"{info}/METADATA", f"{info}/WHEEL", f"{info}/RECORD"]
    (root / info / "RECORD").write_text("".join(f"{r},,\n" for r in record))
    return root / info


@pytest.fixture
def handler(tmp_path: Path) -> Path:
    path = tmp_path / "src" / "handler.py"
    path.parent.mkdir()
    path.write_text("def handler(event, context):\n    return {'statusCode': 200}\n")
    return path


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "src" / "model.int8.onnx"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(os.urandom(3000))
    return path


@pytest.fixture
def fake_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fake distributions importable through sys.path: an app, a cycle, an extra."""
    site = tmp_path / "lib" / "site-packages"  # so "../../bin" is tmp_path/bin
    site.mkdir(parents=True)
    write_dist(
        site,
        "cmpfake-app",
        {
            "cmpfake_app/__init__.py": b"x" * 1000,
            "cmpfake_app/__pycache__/__init__.cpython-311.pyc": b"c" * 500,
            "cmpfake_app/missing.py": b"",
            "../../bin/cmpfake-app": b"#!/bin/sh\n",
        },
        requires=[
            "six>=1.5",
            "cmpfake-cycle",
            "cmpfake-not-installed>=1",
            "cmpfake-extra; extra == 'gpu'",
            "cmpfake-elsewhere; sys_platform == 'no-such-os'",
        ],
    )
    write_dist(site, "cmpfake-cycle", {"cmpfake_cycle.py": b"y" * 10}, requires=["cmpfake-app"])
    write_dist(site, "cmpfake-extra", {"cmpfake_extra.py": b"z" * 10})
    write_dist(site, "cmpfake-elsewhere", {"cmpfake_elsewhere.py": b"w" * 10})
    monkeypatch.syspath_prepend(str(site))
    return site


# --------------------------------------------------------------------------- facts


@pytest.mark.parametrize(
    ("limit", "expected_bytes"),
    [
        (ZIP_DIRECT_UPLOAD_LIMIT_BYTES, 52_428_800),  # 50 MB zipped, direct upload
        (UNZIPPED_LIMIT_BYTES, 262_144_000),  # 250 MB unzipped, layers included
        (CONTAINER_IMAGE_LIMIT_BYTES, 10_737_418_240),  # 10 GB image
    ],
)
def test_lambda_quotas(limit: int, expected_bytes: int) -> None:
    assert limit == expected_bytes


# --------------------------------------------------------------------------- sizes


def test_distribution_sizes_includes_dependencies_largest_first() -> None:
    rows = distribution_sizes(["python-dateutil"])
    assert [canonicalize_name(r.name) for r in rows] == ["python-dateutil", "six"]
    assert [r.size_bytes for r in rows] == sorted((r.size_bytes for r in rows), reverse=True)
    six = rows[1]
    assert six.version == importlib.metadata.version("six")
    dist = importlib.metadata.distribution("six")
    on_disk = [
        Path(str(dist.locate_file(f)))
        for f in dist.files or []
        if "__pycache__" not in f.parts and f.suffix != ".pyc" and f.parts[0] != ".."
    ]
    expected = [path.stat().st_size for path in on_disk if path.is_file()]
    assert (six.size_bytes, six.file_count) == (sum(expected), len(expected))
    assert six.size_mb == six.size_bytes / BYTES_PER_MB


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        # not-installed and false-marker dependencies are skipped; the cycle ends
        (["cmpfake-app"], {"cmpfake-app", "cmpfake-cycle", "six"}),
        (["cmpfake-cycle"], {"cmpfake-app", "cmpfake-cycle", "six"}),
        # an extra asked for brings its requirements
        (["cmpfake-app[gpu]"], {"cmpfake-app", "cmpfake-cycle", "six", "cmpfake-extra"}),
        # the same distribution named twice counts once
        (["cmpfake-app", "cmpfake_APP"], {"cmpfake-app", "cmpfake-cycle", "six"}),
    ],
)
def test_dependency_resolution(fake_site: Path, names: list[str], expected: set[str]) -> None:
    rows = distribution_sizes(names)
    assert {canonicalize_name(r.name) for r in rows} == expected
    assert [r.size_bytes for r in rows] == sorted((r.size_bytes for r in rows), reverse=True)


def test_size_counts_packaged_files_only(fake_site: Path) -> None:
    """No bytecode, nothing outside site-packages, nothing missing; the dist-info counts."""
    assert (fake_site / "../../bin/cmpfake-app").is_file()  # on disk, but not in a package
    (app,) = [r for r in distribution_sizes(["cmpfake-app"]) if r.name == "cmpfake-app"]
    info = fake_site / "cmpfake_app-1.0.dist-info"
    metadata = sum((info / n).stat().st_size for n in ("METADATA", "WHEEL", "RECORD"))
    assert (app.size_bytes, app.file_count) == (1000 + metadata, 4)


@pytest.mark.parametrize(
    ("names", "error", "message"),
    [
        (["cmpfake-nowhere"], LookupError, "'cmpfake-nowhere' is not installed"),
        (["six<1"], LookupError, "six .* is installed, but packages asks for six<1"),
        ("six", TypeError, "packages must be a list"),
        ([""], TypeError, r"packages\[0\] must be a non-empty str"),
        (["six >>> 1"], ValueError, r"packages\[0\] is not a requirement"),
    ],
)
def test_distribution_sizes_rejects(names: list[str], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        distribution_sizes(names)


@pytest.mark.skipif(
    not installed("onnxruntime", "tokenizers", "numpy", "torch", "transformers"),
    reason="needs the optimize and serving extras",
)
@pytest.mark.parametrize(
    ("packages", "fits"),
    [
        (["onnxruntime", "tokenizers", "numpy"], True),  # the torch-free serving path
        (["torch", "transformers"], False),  # the training stack
    ],
)
def test_estimate_against_250_mb(packages: list[str], fits: bool) -> None:
    estimate = estimate_unzipped_bytes(packages)
    assert estimate == sum(r.size_bytes for r in distribution_sizes(packages))
    assert (estimate < UNZIPPED_LIMIT_BYTES) is fits


# --------------------------------------------------------------------------- the zip


@can_build_here
def test_build_zip_contents_and_sizes(tmp_path: Path, handler: Path, model: Path) -> None:
    util = tmp_path / "src" / "util.py"
    util.write_text("VALUE = 1\n")
    tokenizer = tmp_path / "src" / "tokenizer.json"
    tokenizer.write_text("{}")
    artifact = build_zip(
        tmp_path / "out" / "function.zip",
        {"handler.py": handler, "lib/util.py": util},
        ["python-dateutil"],
        {"model.int8.onnx": model, "tokenizer.json": tokenizer},
        python_version=HOST_PYTHON,
        architecture=HOST_ARCHITECTURE,
    )
    with zipfile.ZipFile(artifact.path) as archive:
        assert archive.testzip() is None
        infos = {info.filename: info for info in archive.infolist()}
        assert archive.read("handler.py") == handler.read_bytes()
        assert archive.read("model/model.int8.onnx") == model.read_bytes()
        six_file = importlib.metadata.distribution("six").locate_file("six.py")
        assert archive.read("six.py") == Path(str(six_file)).read_bytes()
    names = set(infos)
    assert {"handler.py", "lib/util.py", "model/model.int8.onnx", "model/tokenizer.json"} <= names
    assert {"six.py", "dateutil/__init__.py", "dateutil/parser/_parser.py"} <= names
    assert any(n.startswith("six-") and n.endswith(".dist-info/METADATA") for n in names)
    assert not [n for n in names if n.endswith(".pyc") or "__pycache__" in n or ".." in n]
    assert {info.external_attr >> 16 & 0o777 for info in infos.values()} <= {0o644, 0o755}

    assert artifact.zipped_bytes == os.stat(artifact.path).st_size
    assert stat.S_IMODE(os.stat(artifact.path).st_mode) == 0o644
    assert artifact.unzipped_bytes == sum(info.file_size for info in infos.values())
    assert infos["six.py"].file_size == os.stat(str(six_file)).st_size
    assert sum(row.size_bytes for row in artifact.breakdown) == artifact.unzipped_bytes
    assert sum(row.file_count for row in artifact.breakdown) == len(infos)
    assert [canonicalize_name(r.name) for r in artifact.breakdown] == [
        "python-dateutil",
        "six",
        "handler",
        "model",
    ]
    assert list(artifact.breakdown[:2]) == distribution_sizes(["python-dateutil"])
    assert artifact.breakdown[-2] == PackageSize(
        "handler", "", handler.stat().st_size + util.stat().st_size, 2
    )
    assert artifact.breakdown[-1] == PackageSize(
        "model", "", model.stat().st_size + tokenizer.stat().st_size, 2
    )
    assert (artifact.python_version, artifact.architecture) == (HOST_PYTHON, HOST_ARCHITECTURE)

    report = check_limits(artifact)
    assert report.passed and not report.failures
    report.raise_for_failure()  # does not raise

    os.utime(handler, (1e9, 1e9))  # another modification time: same zip
    again = build_zip(
        tmp_path / "again.zip",
        {"handler.py": handler, "lib/util.py": util},
        ["python-dateutil"],
        {"model.int8.onnx": model, "tokenizer.json": tokenizer},
        python_version=HOST_PYTHON,
        architecture=HOST_ARCHITECTURE,
    )
    assert again.path.read_bytes() == artifact.path.read_bytes()  # reproducible


@can_build_here
@pytest.mark.parametrize(
    ("python_version", "architecture"),
    [
        (OTHER_PYTHON, HOST_ARCHITECTURE),
        (HOST_PYTHON, OTHER_ARCHITECTURE),
        (OTHER_PYTHON, OTHER_ARCHITECTURE),
    ],
)
def test_build_zip_for_another_runtime_gives_the_pip_command(
    tmp_path: Path, handler: Path, python_version: str, architecture: str
) -> None:
    output = tmp_path / "function.zip"
    with pytest.raises(PackagingError) as caught:
        build_zip(output, {"handler.py": handler}, ["six"], None, python_version, architecture)
    message = str(caught.value)
    target = tmp_path / "package"
    assert (
        f"pip install --target {target} --platform manylinux2014_{WHEEL_ARCH[architecture]} "
        f"--python-version {python_version} --only-binary=:all: six"
    ) in message
    assert "build_zip_from_directory" in message
    assert not output.exists()


@pytest.mark.parametrize(
    ("python_version", "architecture", "message"),
    [
        ("3.9", "x86_64", "python_version must be one of 3.10, 3.11, 3.12, 3.13"),
        ("3.11.7", "x86_64", "python_version must be one of"),
        ("3.11", "amd64", "architecture must be 'x86_64' or 'arm64'"),
        ("3.11", "aarch64", "architecture must be 'x86_64' or 'arm64'"),
    ],
)
def test_build_zip_rejects_unknown_runtimes(
    tmp_path: Path, handler: Path, python_version: str, architecture: str, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build_zip(
            tmp_path / "f.zip", {"handler.py": handler}, [], None, python_version, architecture
        )


@pytest.mark.parametrize(
    ("handler_files", "error", "message"),
    [
        ({}, ValueError, "handler_files must name at least one file"),
        ({"../handler.py": "handler"}, ValueError, "'../handler.py' must be a relative path"),
        ({"/handler.py": "handler"}, ValueError, "'/handler.py' must be a relative path"),
        ({"lib\\handler.py": "handler"}, ValueError, "must be a relative path"),
        ({"handler.py": "no-such-file"}, FileNotFoundError, "handler_files['handler.py']"),
    ],
)
def test_build_zip_rejects_bad_handler_files(
    tmp_path: Path,
    handler: Path,
    handler_files: dict[str, str],
    error: type[Exception],
    message: str,
) -> None:
    files = {k: handler if v == "handler" else tmp_path / v for k, v in handler_files.items()}
    with pytest.raises(error, match=re.escape(message)):
        build_zip(tmp_path / "f.zip", files, [], None, HOST_PYTHON, HOST_ARCHITECTURE or "x86_64")


@can_build_here
def test_handler_cannot_overwrite_a_package_file(tmp_path: Path, handler: Path) -> None:
    with pytest.raises(PackagingError, match=re.escape("same place in the zip, 'six.py'")):
        build_zip(
            tmp_path / "f.zip", {"six.py": handler}, ["six"], None, HOST_PYTHON, HOST_ARCHITECTURE
        )
    assert not (tmp_path / "f.zip").exists()


@can_build_here
def test_a_file_two_distributions_record_goes_in_once(
    fake_site: Path, tmp_path: Path, handler: Path
) -> None:
    shared = {"cmpfake_ns/__init__.py": b"# namespace\n"}
    write_dist(fake_site, "cmpfake-one", {**shared, "cmpfake_ns/one.py": b"1" * 100})
    write_dist(fake_site, "cmpfake-two", {**shared, "cmpfake_ns/two.py": b"2" * 10})
    artifact = build_zip(
        tmp_path / "f.zip",
        {"handler.py": handler},
        ["cmpfake-one", "cmpfake-two"],
        None,
        HOST_PYTHON,
        HOST_ARCHITECTURE,
    )
    with zipfile.ZipFile(artifact.path) as archive:
        names = archive.namelist()
    assert names.count("cmpfake_ns/__init__.py") == 1
    assert sum(r.file_count for r in artifact.breakdown) == len(names)
    assert sum(r.size_bytes for r in artifact.breakdown) == artifact.unzipped_bytes


@can_build_here
@pytest.mark.skipif(HOST_PYTHON not in ("3.10", "3.11"), reason="Amazon Linux 2 runtimes only")
def test_build_zip_rejects_a_wheel_too_new_for_amazon_linux_2(
    fake_site: Path, tmp_path: Path, handler: Path
) -> None:
    py, arch = HOST_PYTHON.replace(".", ""), WHEEL_ARCH[HOST_ARCHITECTURE]
    write_dist(
        fake_site,
        "cmpfake-native",
        {"cmpfake_native.so": b"\0"},
        tags=[f"cp{py}-cp{py}-manylinux_2_28_{arch}"],
    )
    with pytest.raises(PackagingError, match=r"Amazon Linux 2, glibc 2\.26.*cmpfake-native 1\.0"):
        build_zip(
            tmp_path / "f.zip",
            {"handler.py": handler},
            ["cmpfake-native"],
            None,
            HOST_PYTHON,
            HOST_ARCHITECTURE,
        )


# --------------------------------------------------------------------------- from a folder


@pytest.mark.parametrize(
    ("tag", "python_version", "architecture", "accepted"),
    [
        ("py3-none-any", "3.11", "x86_64", True),  # pure Python runs anywhere
        ("cp311-cp311-manylinux2014_x86_64", "3.11", "x86_64", True),  # glibc 2.17
        ("cp311-cp311-manylinux_2_26_x86_64", "3.11", "x86_64", True),  # Amazon Linux 2 exactly
        ("cp311-cp311-manylinux_2_28_x86_64", "3.11", "x86_64", False),  # too new for AL2
        ("cp312-cp312-manylinux_2_28_x86_64", "3.12", "x86_64", True),  # AL2023 has glibc 2.34
        ("cp312-cp312-manylinux_2_35_x86_64", "3.12", "x86_64", False),  # too new for AL2023
        ("cp310-abi3-manylinux2014_x86_64", "3.12", "x86_64", True),  # stable ABI, older CPython
        ("cp311-cp311-manylinux2014_x86_64", "3.12", "x86_64", False),  # another CPython
        ("cp311-cp311-manylinux2014_x86_64", "3.11", "arm64", False),  # another architecture
        ("cp311-cp311-manylinux2014_aarch64", "3.11", "arm64", True),
        ("cp311-cp311-linux_x86_64", "3.11", "x86_64", False),  # built on some machine
        ("cp311-cp311-musllinux_1_2_x86_64", "3.11", "x86_64", False),  # Alpine, not glibc
        ("cp311-cp311-macosx_11_0_arm64", "3.11", "arm64", False),
    ],
)
def test_folder_wheels_must_suit_the_runtime(
    tmp_path: Path, handler: Path, tag: str, python_version: str, architecture: str, accepted: bool
) -> None:
    folder = tmp_path / "package"
    write_dist(folder, "cmpfake-wheel", {"cmpfake_wheel.py": b"pass\n"}, tags=[tag])
    output = tmp_path / "function.zip"
    if accepted:
        artifact = build_zip_from_directory(
            output, folder, {"handler.py": handler}, None, python_version, architecture
        )
        assert artifact.breakdown[0].name == "cmpfake-wheel"
    else:
        with pytest.raises(
            PackagingError, match=f"cmpfake-wheel 1.0 \\(wheel tags: {tag}\\)"
        ) as caught:
            build_zip_from_directory(
                output, folder, {"handler.py": handler}, None, python_version, architecture
            )
        assert f"--platform manylinux2014_{WHEEL_ARCH[architecture]}" in str(caught.value)
        assert not output.exists()


def test_build_zip_from_directory(tmp_path: Path, handler: Path, model: Path) -> None:
    folder = tmp_path / "package"
    write_dist(folder, "cmpfake-big", {"cmpfake_big/__init__.py": b"b" * 5000})
    write_dist(folder, "cmpfake-small", {"cmpfake_small.py": b"s" * 50})
    (folder / "stray.py").write_bytes(b"t" * 7)
    (folder / "cmpfake_big" / "__pycache__").mkdir()
    (folder / "cmpfake_big" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"c" * 99)
    artifact = build_zip_from_directory(
        tmp_path / "function.zip", folder, {"handler.py": handler}, {"model.onnx": model}
    )
    with zipfile.ZipFile(artifact.path) as archive:
        infos = archive.infolist()
    names = {info.filename for info in infos}
    assert {"handler.py", "model/model.onnx", "stray.py", "cmpfake_big/__init__.py"} <= names
    assert not [n for n in names if n.endswith(".pyc")]
    assert [r.name for r in artifact.breakdown] == [
        "cmpfake-big",
        "cmpfake-small",
        "(other files)",
        "handler",
        "model",
    ]
    assert artifact.breakdown[2] == PackageSize("(other files)", "", 7, 1)
    assert sum(r.size_bytes for r in artifact.breakdown) == artifact.unzipped_bytes
    assert artifact.unzipped_bytes == sum(info.file_size for info in infos)
    assert artifact.zipped_bytes == os.stat(artifact.path).st_size

    with pytest.raises(ValueError, match="must be outside directory"):
        build_zip_from_directory(folder / "f.zip", folder, {"handler.py": handler})


# --------------------------------------------------------------------------- limits


def artifact_of(zipped_mb: float, unzipped_mb: float) -> Artifact:
    return Artifact(
        path=Path("function.zip"),
        zipped_bytes=int(zipped_mb * BYTES_PER_MB),
        unzipped_bytes=int(unzipped_mb * BYTES_PER_MB),
        breakdown=(),
        architecture="x86_64",
        python_version="3.11",
    )


@pytest.mark.parametrize(
    ("zipped_mb", "unzipped_mb", "exceeded"),
    [
        (0.2, 0.5, []),
        (50, 250, []),  # exactly at both limits still deploys
        (50 + 1 / BYTES_PER_MB, 120, ["zip, direct upload"]),  # one byte over
        (40, 250 + 1 / BYTES_PER_MB, ["unzipped, incl. layers"]),
        (60, 300, ["zip, direct upload", "unzipped, incl. layers"]),
    ],
)
def test_check_limits(zipped_mb: float, unzipped_mb: float, exceeded: list[str]) -> None:
    report = check_limits(artifact_of(zipped_mb, unzipped_mb))
    zipped, unzipped = report.checks
    assert (zipped.limit_bytes, unzipped.limit_bytes) == (52_428_800, 262_144_000)
    assert zipped.headroom_bytes == 52_428_800 - int(zipped_mb * BYTES_PER_MB)
    assert [c.name for c in report.failures] == exceeded
    assert report.passed is (not exceeded)
    if not exceeded:
        report.raise_for_failure()
        return
    with pytest.raises(PackagingError) as caught:
        report.raise_for_failure()
    message = str(caught.value)
    assert all(name in message for name in exceeded)
    assert "use a container image (10 GB limit) or upload the zip through S3" in message
    assert "250 MB unzipped still does" in message


def test_limit_message_gives_sizes_in_mb() -> None:
    with pytest.raises(PackagingError) as caught:
        check_limits(artifact_of(60, 300)).raise_for_failure()
    assert "exceeds 2 Lambda limits" in str(caught.value)
    assert "zip, direct upload: 60.0 MB > 50 MB (10.0 MB over)" in str(caught.value)
    assert "unzipped, incl. layers: 300.0 MB > 250 MB (50.0 MB over)" in str(caught.value)


@pytest.mark.parametrize(
    ("unzipped_bytes", "passed"),
    [(900 * BYTES_PER_MB, True), (10_737_418_240, True), (10_737_418_241, False)],
)
def test_check_image_limits(unzipped_bytes: int, passed: bool) -> None:
    report = check_image_limits(unzipped_bytes)
    assert report.passed is passed
    if not passed:
        with pytest.raises(
            PackagingError, match=re.escape("container image: 10,240.0 MB > 10,240 MB")
        ):
            report.raise_for_failure()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: check_image_limits(-1), "unzipped_bytes must be >= 0"),
        (lambda: artifact_of(-1, 0), "zipped_bytes must be >= 0"),
    ],
)
def test_negative_sizes_are_rejected(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


# --------------------------------------------------------------------------- container


@pytest.mark.parametrize(
    ("python_version", "architecture", "from_line"),
    [
        ("3.11", "x86_64", "FROM --platform=linux/amd64 public.ecr.aws/lambda/python:3.11"),
        ("3.13", "arm64", "FROM --platform=linux/arm64 public.ecr.aws/lambda/python:3.13"),
        ("3.10", "arm64", "FROM --platform=linux/arm64 public.ecr.aws/lambda/python:3.10"),
    ],
)
def test_container_context(
    tmp_path: Path,
    handler: Path,
    model: Path,
    python_version: str,
    architecture: str,
    from_line: str,
) -> None:
    context = write_container_context(
        tmp_path / "image",
        "handler",
        {"handler.py": handler},
        {"model.int8.onnx": model},
        ["six", "python-dateutil"],
        python_version,
        architecture,
    )
    assert context == tmp_path / "image"
    dockerfile = (context / "Dockerfile").read_text().splitlines()
    instructions = [line for line in dockerfile if not line.startswith("#")]
    assert instructions[0] == from_line
    assert instructions[-1] == 'CMD ["handler.handler"]'
    run = next(line for line in instructions if line.startswith("RUN pip install"))
    assert "--no-cache-dir" in run and '--target "${LAMBDA_TASK_ROOT}"' in run
    order = [line.split()[0] + " " + line.split()[1] for line in instructions[1:-1]]
    assert order == ["COPY requirements.txt", "RUN pip", "COPY model/", "COPY app/"]
    assert "COPY model/ ${LAMBDA_TASK_ROOT}/model/" in instructions

    pins = [Requirement(line) for line in (context / "requirements.txt").read_text().splitlines()]
    assert {canonicalize_name(p.name): str(p.specifier) for p in pins} == {
        "six": f"=={importlib.metadata.version('six')}",
        "python-dateutil": f"=={importlib.metadata.version('python-dateutil')}",
    }
    assert (context / "app" / "handler.py").read_bytes() == handler.read_bytes()
    assert (context / "model" / "model.int8.onnx").read_bytes() == model.read_bytes()
    assert "**/__pycache__" in (context / ".dockerignore").read_text().splitlines()


def test_container_context_for_a_handler_inside_a_package(tmp_path: Path, handler: Path) -> None:
    context = write_container_context(
        tmp_path / "image",
        "companion.serverless.handler",
        {"companion/serverless/handler.py": handler},
        None,
        [],
    )
    instructions = (context / "Dockerfile").read_text().splitlines()
    assert instructions[-1] == 'CMD ["companion.serverless.handler.handler"]'
    assert not [line for line in instructions if "model" in line]  # no model, no COPY model/
    assert (context / "app" / "companion" / "serverless" / "handler.py").is_file()
    assert (context / "requirements.txt").read_text() == "\n"


@pytest.mark.skipif(not installed("torch"), reason="needs torch")
def test_local_version_labels_are_flagged(tmp_path: Path, handler: Path) -> None:
    version = importlib.metadata.version("torch")
    context = write_container_context(
        tmp_path / "i", "handler", {"handler.py": handler}, None, ["torch"]
    )
    lines = (context / "requirements.txt").read_text().splitlines()
    assert lines[-1] == f"torch=={version}"
    assert lines[0].startswith("#") is ("+" in version)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (
            {"python_version": "3.9"},
            ValueError,
            "python_version must be one of 3.10, 3.11, 3.12, 3.13",
        ),
        ({"python_version": "3.14"}, ValueError, "python_version must be one of"),
        ({"python_version": "3"}, ValueError, "python_version must be one of"),
        ({"architecture": "amd64"}, ValueError, "architecture must be 'x86_64' or 'arm64'"),
        ({"handler_module": "handler.py"}, ValueError, "not a file: use 'handler'"),
        ({"handler_module": "my-handler"}, ValueError, "handler_module must be a dotted Python"),
        ({"handler_module": "app"}, ValueError, "needs 'app.py' among handler_files"),
        ({"requirements": ["six==1.0"]}, ValueError, "requirements[0] must be a bare"),
        ({"requirements": ["cmpfake-nowhere"]}, LookupError, "'cmpfake-nowhere' is not installed"),
        ({"requirements": "six"}, TypeError, "requirements must be a list"),
    ],
)
def test_container_context_rejects(
    tmp_path: Path, handler: Path, change: dict[str, object], error: type[Exception], message: str
) -> None:
    arguments: dict[str, object] = {
        "directory": tmp_path / "image",
        "handler_module": "handler",
        "handler_files": {"handler.py": handler},
        "model_files": None,
        "requirements": ["six"],
        **change,
    }
    with pytest.raises(error, match=re.escape(message)):
        write_container_context(**arguments)  # type: ignore[arg-type]
    assert not (tmp_path / "image").exists()


def test_container_context_needs_an_empty_folder(tmp_path: Path, handler: Path) -> None:
    (tmp_path / "image").mkdir()
    (tmp_path / "image" / "old-model.onnx").write_bytes(b"stale")
    with pytest.raises(FileExistsError, match="must be new or empty"):
        write_container_context(tmp_path / "image", "handler", {"handler.py": handler}, None, [])


def test_check_runtime_false_builds_a_zip_for_measuring_only(tmp_path: Path) -> None:
    handler = tmp_path / "handler.py"
    handler.write_text("def handler(event, context):\n    return {}\n")
    import companion.serverless.packaging as packaging_module

    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    arch = "arm64" if platform.machine() in ("aarch64", "arm64") else "x86_64"
    artifact = packaging_module.build_zip(
        tmp_path / "m.zip", {"handler.py": handler}, ["numpy"], python_version=python,
        architecture=arch, check_runtime=False,
    )  # fmt: skip
    assert artifact.unzipped_bytes > 0 and artifact.path.exists()


def test_the_handler_runs_from_the_bundled_companion_alone(tiny: Path, tmp_path: Path) -> None:
    """The files handler_files() bundles are enough: a fresh process that finds companion only
    in the bundle loads the handler and answers an event (and never sees lesson 04–06 code)."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    from companion.serverless.bundle import handler_files

    bundle = tmp_path / "function"
    for name, source in handler_files().items():
        (bundle / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, bundle / name)
    assert not (bundle / "companion" / "experiments").exists()
    child = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import handler, companion; "
        "assert companion.__file__.startswith(sys.argv[1]), companion.__file__; "
        "answer = handler.handler({'text': 'great product'}, None); "
        "print(json.dumps({'status': answer['statusCode'], 'modules': sorted(m for m in sys.modules if m.startswith('companion.'))}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(bundle)],
        capture_output=True,
        text=True,
        env={**os.environ, "MODEL_DIR": str(tiny)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["status"] == 200
    assert not any(
        m.split(".")[1] in {"experiments", "monitoring", "autoscaling"} for m in report["modules"]
    )
