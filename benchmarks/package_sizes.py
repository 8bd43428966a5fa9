"""Installed size of every Python package in this environment, largest first: what the Binder
image carries (binder/postBuild installs the same requirements.txt, with the CPU-only torch).

    .venv/bin/python benchmarks/package_sizes.py

Sizes are the files each distribution's RECORD lists, on disk. Writes
companion/data/results/package_sizes.{json,md}.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from companion.optimize import save_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "companion" / "data" / "results" / "package_sizes.json"


def sizes() -> list[dict[str, object]]:
    rows = []
    for dist in metadata.distributions():
        total = 0
        for file in dist.files or []:
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                total += path.stat().st_size
        rows.append({"package": dist.metadata["Name"], "version": dist.version, "mb": total / 1e6})
    return sorted(rows, key=lambda row: -float(row["mb"]))  # type: ignore[arg-type]


def main() -> int:
    rows = sizes()
    total = sum(float(row["mb"]) for row in rows)  # type: ignore[arg-type]
    lines = [f"{len(rows)} packages, {total:,.0f} MB installed.", "",
             "| package | version | MB |", "|---|---|---:|"]  # fmt: skip
    lines += [f"| {r['package']} | {r['version']} | {float(r['mb']):,.1f} |" for r in rows]  # type: ignore[arg-type]
    text = "\n".join(lines) + "\n"
    print("\n".join(lines[:25]))
    save_results(RESULTS, {"total_mb": round(total, 1), "packages": rows})
    RESULTS.with_suffix(".md").write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
