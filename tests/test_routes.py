"""The routes the README advertises, tried as a learner would: `make course` (root and not),
the Colab setup cell failing cleanly, and the lessons' network isolation."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from companion.course import Lesson, load_course

ROOT = Path(__file__).resolve().parent.parent
COURSE = load_course(ROOT / "pyproject.toml")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_course(
    prefix: list[str],
    env: dict[str, str],
    variables: Sequence[str] = (),
) -> tuple[subprocess.Popen[str], str]:
    """`make course` on a free port; returns the process and the URL it printed."""
    port = _free_port()
    server = subprocess.Popen(
        [
            *prefix,
            "make",
            "--no-print-directory",
            "course",
            f"PORT={port}",
            "JUPYTER_ARGS=--no-browser",
            *variables,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert server.stdout is not None
    seen = []
    for line in server.stdout:  # setup's own lines first, if anything was out of date
        seen.append(line)
        match = re.search(r"open (http://127\.0\.0\.1:\d+/lab\?token=\w+)", line)
        if match:
            return server, match.group(1)
    _stop(server)
    pytest.fail(f"make course did not print the URL to open: {''.join(seen)[-2000:]}")


def _wait_until_served(server: subprocess.Popen[str], url: str, timeout_s: float = 60) -> str:
    api = url.replace("/lab?", "/api/status?")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            assert server.stdout is not None
            pytest.fail(f"make course exited ({server.returncode}): {server.stdout.read()[-2000:]}")
        try:
            with urllib.request.urlopen(api, timeout=2) as answer:
                return str(json.loads(answer.read())["started"])
        except OSError:
            time.sleep(0.5)
    pytest.fail("JupyterLab did not answer at the printed URL")


def _stop(server: subprocess.Popen[str]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)


def _env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    return {**env, "HOME": str(home), "JUPYTER_RUNTIME_DIR": str(home / "runtime")}


@pytest.mark.skipif(os.geteuid() != 0, reason="the root case needs root")
def test_make_course_starts_jupyterlab_as_root_and_prints_its_url(tmp_path: Path) -> None:
    server, url = _start_course([], _env_for(tmp_path))
    try:
        assert _wait_until_served(server, url)
    finally:
        _stop(server)


def _venv_for_another_user(folder: Path) -> Path:
    """A virtual environment another user can run: this one's interpreter may live where only
    root can reach it (pyenv under /root), so make one from the system's Python 3.11 that reads
    this environment's packages (same minor version, same ABI)."""
    system = shutil.which("python3.11", path="/usr/bin:/usr/local/bin")
    if system is None or sys.version_info[:2] != (3, 11):
        pytest.skip("needs a system Python 3.11 that another user can run")
    subprocess.run([system, "-m", "venv", "--without-pip", str(folder)], check=True)
    site_packages = next(folder.glob("lib/python3.*/site-packages"))
    ours = next(Path(sys.prefix).glob("lib/python3.*/site-packages"))
    (site_packages / "course.pth").write_text(f"import site; site.addsitedir({str(ours)!r})\n")
    (folder / ".installed").touch()  # what `make setup` leaves: nothing to install
    subprocess.run(["chmod", "-R", "a+rX", str(folder)], check=True)
    return folder


def test_make_course_starts_jupyterlab_as_a_normal_user(tmp_path: Path) -> None:
    if os.geteuid() == 0:  # pytest's own temporary folders are private to root
        home = Path(tempfile.mkdtemp(prefix="course-user-"))
        try:
            _course_as_a_normal_user(home)
        finally:
            shutil.rmtree(home, ignore_errors=True)
    else:
        _course_as_a_normal_user(tmp_path)


def _course_as_a_normal_user(tmp_path: Path) -> None:
    prefix: list[str] = []
    variables: list[str] = []
    if os.geteuid() == 0:  # become nobody: JupyterLab must not be given --allow-root then
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv is needed to drop root")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        tmp_path.chmod(0o777)
        probe = subprocess.run([*prefix, "test", "-r", str(ROOT / "Makefile")], check=False)
        if probe.returncode != 0:
            pytest.skip("this checkout is not readable by another user")
        variables = [f"VENV={_venv_for_another_user(tmp_path / 'venv')}"]
    server, url = _start_course(prefix, _env_for(tmp_path), variables)
    try:
        assert _wait_until_served(server, url)
    finally:
        _stop(server)


def test_an_unreachable_repository_gives_one_line_and_stops_the_run(tmp_path: Path) -> None:
    """The Colab setup cell, in a real kernel where companion is not importable and the
    repository cannot be reached: one line saying what failed and what to do, no traceback,
    and "Run all" stops there (the next cell does not run)."""
    lesson = Lesson(file="00_x.ipynb", title="x", learn="y", extras=("optimize",))
    unreachable = f"file://{tmp_path}/no-such-repository"
    setup = COURSE.setup_cell(lesson).replace(COURSE.repository_url, unreachable)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import sys\nsys.modules['companion'] = None  # not installed"),
        nbformat.v4.new_code_cell(setup),
        nbformat.v4.new_code_cell("print('the next cell ran')"),
    ]
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=False)
    with pytest.raises(Exception, match="SetupFailed"):
        client.execute()
    outputs = notebook.cells[1].outputs
    errors = [o for o in outputs if o.output_type == "error"]
    assert len(errors) == 1 and [o for o in outputs if o.output_type != "error"] == []
    assert errors[0].traceback == [
        f"Setup failed: pip could not install companion from {unreachable}. "
        "Check the address and your network, then run this cell again."
    ]
    assert notebook.cells[2].outputs == []


def test_lessons_see_no_network_but_loopback() -> None:
    probe = (
        "import socket, urllib.request\n"
        "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen()\n"
        "try:\n"
        "    urllib.request.urlopen('http://1.1.1.1', timeout=5); print('online')\n"
        "except OSError:\n"
        "    print('offline')\n"
    )
    answer = subprocess.run(
        [str(ROOT / "scripts" / "without_network"), sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "REQUIRE_OFFLINE": "1"},
    )
    if answer.returncode != 0 and "cannot create a network namespace" in answer.stderr:
        pytest.skip("no network namespaces on this machine")
    assert answer.stdout.strip() == "offline", answer.stderr
