"""The serving image's dependencies (issue 14): docker/requirements-server.txt pins every
package, at requirements.txt's versions, with none of the course's heavy libraries; the
Dockerfile installs exactly that lock and companion without its dependencies; and a virtual
environment built the same way starts the server and answers a prediction."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "docker" / "requirements-server.txt"
HEAVY = {"pandas", "scipy", "statsmodels", "matplotlib", "boto3", "botocore", "torch",
         "transformers", "moto", "locust"}  # fmt: skip


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            found[re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()] = version
    return found


def test_the_lock_pins_everything_and_nothing_heavy() -> None:
    lines = [x for x in LOCK.read_text("utf-8").splitlines() if x and not x.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", x) for x in lines), lines
    locked = pins(LOCK)
    assert {"onnxruntime", "tokenizers", "starlette", "uvicorn", "prometheus-client"} <= set(locked)
    assert not HEAVY & set(locked)


def test_the_lock_agrees_with_the_course_pins() -> None:
    course = pins(ROOT / "requirements.txt")
    locked = pins(LOCK)
    shared = set(course) & set(locked)
    assert {"onnxruntime", "tokenizers", "numpy"} <= shared
    assert {name: locked[name] for name in shared} == {name: course[name] for name in shared}


def test_the_dockerfile_installs_the_lock_and_companion_without_its_dependencies() -> None:
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text("utf-8")
    runs = re.findall(r"^RUN (pip install .*)$", dockerfile, flags=re.M)
    assert runs == [
        "pip install --no-deps -r /tmp/requirements-server.txt",
        "pip install --no-deps .",
    ]


def test_a_venv_built_from_the_lock_serves_a_prediction(tmp_path: Path, tiny: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run([*pip, "-r", str(LOCK)], check=True, capture_output=True, timeout=600)
    subprocess.run([*pip, str(ROOT)], check=True, capture_output=True, timeout=600)
    imported = subprocess.run(
        [python, "-c", "import sys, companion.serving.server, companion.cli; "
         f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY!r}))"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert imported.stdout.strip() == "[]"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [python, "-m", "companion", "serve", "--model-dir", str(tiny), "--port", str(port),
         "--threads", "1"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server never became ready"
            time.sleep(0.2)
        answer = httpx.post(f"http://127.0.0.1:{port}/predict", json={"text": "great"}, timeout=10)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert answer.status_code == 200 and len(answer.json()["predictions"]) == 1
    assert server.returncode == 0


@pytest.mark.parametrize("name", sorted(HEAVY))
def test_no_heavy_library_sneaks_into_the_lock_under_another_spelling(name: str) -> None:
    assert name not in {n.replace("-", "_") for n in pins(LOCK)} | set(pins(LOCK))
