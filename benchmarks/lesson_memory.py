"""Peak memory of every lesson, counted the way Binder counts it: the kernel plus every process
the lesson starts (servers, load generators, subprocesses), sampled every 50 ms while the lesson
runs top to bottom in a fresh kernel with an empty model cache (so lesson 02 builds and exports
its model, the worst case a learner meets).

    .venv/bin/python benchmarks/lesson_memory.py                 # every lesson
    .venv/bin/python benchmarks/lesson_memory.py lessons/02*.ipynb

Binder gives a session at most about 2 GB (https://mybinder.readthedocs.io/en/latest/about/about.html,
"How much memory am I given?", read 2026-11-29); the course's budget is 1.5 GB per lesson, which
leaves room for the Jupyter server itself (its own RSS is measured and reported beside the
lessons). Resident set sizes are summed over processes, which counts shared library pages once
per process: an upper bound. Writes companion/data/results/lesson_memory.{json,md}.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

from companion.course import lesson_files
from companion.optimize import machine_description, save_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "companion" / "data" / "results" / "lesson_memory.json"
BUDGET_MB = 1500.0
BINDER_LIMIT_MB = 2048  # the most Binder gives a session (the docstring's source)


class Sampler:
    """Sums the RSS of this process's descendants (the kernel and what it starts) every
    ``interval_s`` and keeps the peak, overall and per cell."""

    def __init__(self, interval_s: float = 0.05) -> None:
        self.interval_s = interval_s
        self.peak_mb = 0.0
        self.cell = -1
        self.per_cell: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss_mb(self) -> float:
        total = 0
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):  # exited between listing and reading
                total += child.memory_info().rss
        return total / 2**20

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self._rss_mb()
            self.peak_mb = max(self.peak_mb, rss)
            self.per_cell[self.cell] = max(self.per_cell.get(self.cell, 0.0), rss)
            time.sleep(self.interval_s)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(path: Path, timeout_s: int) -> dict[str, object]:
    notebook = nbformat.read(path, as_version=4)
    with Sampler() as sampler:

        def on_cell_execute(cell: object, cell_index: int) -> None:
            sampler.cell = cell_index

        client = NotebookClient(
            notebook,
            timeout=timeout_s,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
            on_cell_execute=on_cell_execute,
        )
        start = time.perf_counter()
        client.execute()
        elapsed_s = time.perf_counter() - start
    worst_cell = max(sampler.per_cell, key=sampler.per_cell.__getitem__)
    return {
        "lesson": path.name,
        "peak_mb": round(sampler.peak_mb, 1),
        "peak_cell": worst_cell,
        "under_budget": sampler.peak_mb < BUDGET_MB,
        "run_s": round(elapsed_s, 1),
    }


def jupyter_server_mb() -> float:
    """RSS of an idle JupyterLab server: the part of a Binder session no lesson controls."""
    import subprocess

    with tempfile.TemporaryDirectory() as runtime:
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": runtime}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--port=0",
                "--allow-root",
                f"--ServerApp.root_dir={ROOT / 'lessons'}",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(15)
            return round(psutil.Process(server.pid).memory_info().rss / 2**20, 1)
        finally:
            server.terminate()
            server.wait(30)


def markdown(document: dict[str, object]) -> str:
    rows = ["| lesson | peak MB | worst cell | < 1.5 GB | run s |", "|---|---:|---:|:-:|---:|"]
    for row in document["lessons"]:  # type: ignore[attr-defined]
        rows.append(
            f"| {row['lesson']} | {row['peak_mb']:,.0f} | {row['peak_cell']} | "
            f"{'yes' if row['under_budget'] else '**no**'} | {row['run_s']} |"
        )
    rows.append(f"\nIdle JupyterLab server: {document['jupyter_server_mb']:,.0f} MB.")
    return "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="lessons (default: all)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    paths = [p.resolve() for p in args.notebooks] or lesson_files(ROOT / "lessons")
    lessons = []
    with tempfile.TemporaryDirectory() as cache:
        os.environ["COMPANION_CACHE"] = cache  # an empty model cache: the worst case
        # Binder's limit, as the lessons read it (companion.optimize.memory_limit_mb): they take
        # the path a Binder session takes, which skips the fused model's 2 GB build.
        os.environ["COMPANION_MEMORY_LIMIT_MB"] = str(BINDER_LIMIT_MB)
        for path in paths:
            row = measure(path, args.timeout)
            print(row, flush=True)
            lessons.append(row)
    document = {
        "budget_mb": BUDGET_MB,
        "memory_limit_mb": BINDER_LIMIT_MB,
        "lessons": lessons,
        "jupyter_server_mb": jupyter_server_mb(),
    }
    print(markdown(document))
    if not args.no_write:
        save_results(RESULTS, document, machine_description())
        RESULTS.with_suffix(".md").write_text(markdown(document), "utf-8")
    return 0 if all(row["under_budget"] for row in lessons) else 1


if __name__ == "__main__":
    sys.exit(main())
