"""Re-execute every lesson top to bottom, in place, so the committed outputs are current.

    make lessons                       # all of them
    .venv/bin/python scripts/run_lessons.py lessons/00_start_here.ipynb

Run it after changing `companion`; then `make test` proves the outputs reproduce (nbval).
Execution counts come out 1..N in order, and no timing metadata is written, so a re-run that
changes nothing leaves the files byte-identical.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from companion.course import lesson_files

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"


def coalesce_streams(outputs: list) -> list:
    """Merge consecutive stdout/stderr chunks: how the kernel splits them varies run to run."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output.output_type == "stream"
            and previous.output_type == "stream"
            and previous.name == output.name
        ):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


def run(path: Path, timeout_s: int) -> None:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    client = NotebookClient(
        notebook,
        timeout=timeout_s,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    client.execute()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    nbformat.validate(notebook)
    nbformat.write(notebook, path)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="lessons to run (default: all)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args()
    paths = args.notebooks or lesson_files(LESSONS)
    for path in paths:
        start = time.perf_counter()
        print(f"running {path.relative_to(ROOT) if path.is_absolute() else path} ...", flush=True)
        run(path.resolve(), args.timeout)
        print(f"  done in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
