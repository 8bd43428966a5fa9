"""Regenerate the lesson map in README.md from pyproject.toml's [tool.course].

.venv/bin/python scripts/update_readme.py          # rewrite README.md
.venv/bin/python scripts/update_readme.py --check  # exit 1 if README.md is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from companion.course import load_course

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- lesson-map:start -->", "<!-- lesson-map:end -->"


def render(readme: str) -> str:
    if START not in readme or END not in readme:
        raise SystemExit(f"README.md needs the markers {START} and {END}")
    table = load_course(ROOT / "pyproject.toml").lesson_map()
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when out of date")
    args = parser.parse_args()
    path = ROOT / "README.md"
    current = path.read_text("utf-8")
    wanted = render(current)
    if args.check:
        if wanted != current:
            print("README.md's lesson map is out of date: run scripts/update_readme.py")
            return 1
        return 0
    path.write_text(wanted, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
