"""Regenerate what pyproject.toml's [tool.course] decides: the README's lesson map, and each
lesson's badge cell (its first cell) and setup cell (its first code cell).

.venv/bin/python scripts/sync_course.py          # rewrite README.md and the lessons' two cells
.venv/bin/python scripts/sync_course.py --check  # exit 1 if anything is out of date

Cell outputs are kept; after a change to a setup cell, `make lessons` refreshes them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from companion.course import Course, Lesson, StudyTime, load_course, study_time

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- lesson-map:start -->", "<!-- lesson-map:end -->"
BADGE_TAG, SETUP_TAG, PLAN_TAG = "badges", "setup", "study-plan"
PLAN_LESSON = "00_start_here.ipynb"


def render_readme(readme: str, course: Course, study: dict[str, StudyTime]) -> str:
    if START not in readme or END not in readme:
        raise SystemExit(f"README.md needs the markers {START} and {END}")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{course.lesson_map(study)}\n{END}{tail}"


def _tagged(notebook: nbformat.NotebookNode, tag: str) -> int | None:
    for index, cell in enumerate(notebook.cells):
        if tag in cell.metadata.get("tags", []):
            return index
    return None


def render_study_plan(
    notebook: nbformat.NotebookNode, course: Course, study: dict[str, StudyTime]
) -> None:
    """Lesson 00's study-plan cell (tagged), before its "How to run the lessons" section."""
    plan = _tagged(notebook, PLAN_TAG)
    if plan is None:
        cell = nbformat.v4.new_markdown_cell("")
        cell.metadata["tags"] = [PLAN_TAG]
        where = next(
            i for i, c in enumerate(notebook.cells) if c.source.startswith("## How to run")
        )
        notebook.cells.insert(where, cell)
        plan = where
    notebook.cells[plan].source = course.study_plan(study)


def render_lesson(notebook: nbformat.NotebookNode, course: Course, lesson: Lesson) -> None:
    """Put the badge cell first and the setup cell first among the code cells (in place)."""
    badge = _tagged(notebook, BADGE_TAG)
    if badge is None:
        cell = nbformat.v4.new_markdown_cell("")
        cell.metadata["tags"] = [BADGE_TAG]
        notebook.cells.insert(0, cell)
        badge = 0
    notebook.cells[badge].source = course.badge_cell(lesson)
    setup = _tagged(notebook, SETUP_TAG)
    if setup is None:
        setup = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
        notebook.cells[setup].metadata["tags"] = [
            *notebook.cells[setup].metadata.get("tags", []),
            SETUP_TAG,
        ]
    notebook.cells[setup].source = course.setup_cell(lesson)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when out of date")
    args = parser.parse_args()
    course = load_course(ROOT / "pyproject.toml")
    stale = []
    readme = ROOT / "README.md"
    current = readme.read_text("utf-8")
    study = {
        lesson.file: study_time(nbformat.read(ROOT / "lessons" / lesson.file, as_version=4).cells)
        for lesson in course.lessons
    }
    wanted = render_readme(current, course, study)
    if wanted != current:
        stale.append("README.md (lesson map)")
        if not args.check:
            readme.write_text(wanted, "utf-8")
    for lesson in course.lessons:
        path = ROOT / "lessons" / lesson.file
        notebook = nbformat.read(path, as_version=4)
        before = nbformat.writes(notebook)
        render_lesson(notebook, course, lesson)
        if lesson.file == PLAN_LESSON:
            render_study_plan(notebook, course, study)
        if nbformat.writes(notebook) != before:
            stale.append(f"lessons/{lesson.file} (badge, setup or study-plan cell)")
            if not args.check:
                nbformat.write(notebook, path)
    if args.check and stale:
        print("out of date, run scripts/sync_course.py:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
