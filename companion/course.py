"""Course metadata: the repository URL and the lesson list, read from ``pyproject.toml``.

One setting (``[tool.course] repository_url``) builds every Colab and Binder link: the README's
lesson map, each lesson's badge cell and each lesson's setup cell
(``scripts/sync_course.py`` writes them; ``tests/test_course.py`` checks they agree).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

__all__ = [
    "MAX_STUDY_MINUTES",
    "Course",
    "Lesson",
    "StudyTime",
    "committed_json",
    "lesson_files",
    "lesson_number",
    "lessons_by_number",
    "load_course",
    "study_time",
]


BADGE_IMAGES = {"colab": "images/open-in-colab.svg", "binder": "images/launch-binder.svg"}

# A lesson's first code cell. It must run before companion is installed (as on Colab), so the
# little it does without companion is inline; the rest is companion.environment.prepare_lesson.
SETUP_CELL = """\
# Setup: installs what this lesson needs where it is missing (as on Colab); elsewhere it checks.
REPOSITORY_URL = "{repository_url}"
EXTRAS = "{extras}"  # the parts of companion this lesson uses
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("companion") is None:  # first lesson of a Colab session
    package = f"run-ml-for-pennies[{{EXTRAS}}]" if EXTRAS else "run-ml-for-pennies"
    pip = [sys.executable, "-m", "pip", "install", "-q", f"{{package}} @ git+{{REPOSITORY_URL}}"]
    subprocess.run(pip, capture_output=True)
    importlib.invalidate_caches()
try:
    from companion.environment import prepare_lesson
except ImportError:

    class SetupFailed(Exception):  # IPython shows it as one line, not a traceback
        def _render_traceback_(self):
            return [str(self)]

    raise SetupFailed(
        f"Setup failed: pip could not install companion from {{REPOSITORY_URL}}. "
        "Check the address and your network, then run this cell again."
    ) from None
prepare_lesson(EXTRAS)"""


# A lesson's notebook: ``NN_slug.ipynb``, or ``NNa_slug.ipynb``, ``NNb_slug.ipynb``, ... for a
# lesson split into parts that keep its number (so later lessons and links keep theirs).
LESSON_FILE = re.compile(r"^(?P<number>\d\d)(?P<part>[a-z]?)_[a-z0-9_]+\.ipynb$")


def lesson_number(file: str | Path) -> str:
    """The lesson number a notebook belongs to: ``"04"`` for ``04_x.ipynb`` and ``04b_x.ipynb``."""
    match = LESSON_FILE.match(Path(file).name)
    if match is None:
        raise ValueError(
            f"a lesson file is named NN_slug.ipynb or NNa_slug.ipynb (a part), got {str(file)!r}"
        )
    return match["number"]


def lesson_files(folder: str | Path) -> list[Path]:
    """Every lesson notebook in ``folder``, in course order (a lesson's parts a, b, ... in turn)."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]*.ipynb") if LESSON_FILE.match(p.name))


def lessons_by_number(paths: Sequence[Path]) -> dict[str, list[Path]]:
    """The notebooks grouped by lesson number, each lesson's parts in order: a lesson's
    requirements (exercises, quiz, glossary links) hold across its parts."""
    grouped: dict[str, list[Path]] = {}
    for path in sorted(paths, key=lambda p: p.name):
        grouped.setdefault(lesson_number(path), []).append(path)
    return grouped


@dataclass(frozen=True)
class Lesson:
    file: str
    title: str
    learn: str
    extras: tuple[str, ...] = ()
    prerequisites: str = ""

    @property
    def number(self) -> str:
        """The lesson number, shared by the parts of a split lesson."""
        return lesson_number(self.file)

    @property
    def part(self) -> str:
        """``""`` for a whole lesson, ``"a"``, ``"b"``, ... for a part of one."""
        match = LESSON_FILE.match(self.file)
        return match["part"] if match else ""


WORDS_PER_MINUTE = 200
SECONDS_PER_CODE_LINE = 6
MINUTES_PER_EXERCISE = 5
# One sitting: no notebook (a lesson, or one part of a split lesson) asks more than this by
# study_time's estimate; tests/test_course.py holds every notebook to it.
MAX_STUDY_MINUTES = 45


@dataclass(frozen=True)
class StudyTime:
    """A lesson's estimated study time: words read at 200 a minute, code lines at 6 seconds
    each, 5 minutes per exercise (the recap quiz counts as one exercise)."""

    words: int
    code_lines: int
    exercises: int

    @property
    def minutes(self) -> float:
        return (self.words / WORDS_PER_MINUTE + self.code_lines * SECONDS_PER_CODE_LINE / 60
                + self.exercises * MINUTES_PER_EXERCISE)  # fmt: skip


def study_time(cells: Sequence[Mapping[str, Any]]) -> StudyTime:
    """Count a notebook's cells (as nbformat or JSON dicts): Markdown words, non-blank code
    lines (the generated setup cell is run, not read, so it is left out), and exercises (one
    per ``ex.qN.check(`` cell, one for the ``ex.quiz.check(`` recap)."""
    words = code_lines = exercises = 0
    for cell in cells:
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        tags = cell.get("metadata", {}).get("tags", [])
        if "study-plan" in tags:  # the generated table of study times is not counted in them
            continue
        if cell["cell_type"] == "markdown":
            words += len(re.findall(r"[A-Za-z0-9][\w'’.,%$/-]*", text))
        elif "setup" not in tags:
            code_lines += sum(1 for line in text.splitlines() if line.strip())
            exercises += len(re.findall(r"\bex\.(?:q\d+|quiz)\.check\(", text))
    return StudyTime(words, code_lines, exercises)


@dataclass(frozen=True)
class Course:
    repository_url: str
    branch: str
    lessons: tuple[Lesson, ...]

    @property
    def github_path(self) -> str:
        """``owner/name`` from the repository URL."""
        parsed = urlparse(self.repository_url)
        if parsed.netloc != "github.com":
            raise ValueError(
                f"repository_url must be a https://github.com/OWNER/NAME URL, got {self.repository_url!r}"
            )
        return parsed.path.strip("/").removesuffix(".git")

    def colab_url(self, lesson: Lesson) -> str:
        return f"https://colab.research.google.com/github/{self.github_path}/blob/{self.branch}/lessons/{lesson.file}"

    def binder_url(self, lesson: Lesson) -> str:
        return f"https://mybinder.org/v2/gh/{self.github_path}/{self.branch}?labpath={quote('lessons/' + lesson.file, safe='')}"

    def badge_cell(self, lesson: Lesson) -> str:
        """The Markdown cell at the top of a lesson: Colab and Binder badges (images committed
        under ``lessons/images/``, so nothing is fetched from an image host)."""
        return (
            f"[![Open in Colab]({BADGE_IMAGES['colab']})]({self.colab_url(lesson)}) "
            f"[![Launch Binder]({BADGE_IMAGES['binder']})]({self.binder_url(lesson)})"
        )

    def setup_cell(self, lesson: Lesson) -> str:
        """The lesson's first code cell, for its extras."""
        return SETUP_CELL.format(repository_url=self.repository_url, extras=",".join(lesson.extras))

    def study_plan(self, study: Mapping[str, StudyTime]) -> str:
        """Lesson 00's study plan: each lesson, what it needs first, and its estimated time."""
        rows = ["## Your study plan", "",
                "| Lesson | You need | Study time |", "| --- | --- | ---: |"]  # fmt: skip
        for lesson in self.lessons:
            rows.append(f"| [{lesson.title}]({lesson.file}) | {lesson.prerequisites} | "
                        f"≈ {study[lesson.file].minutes:.0f} min |")  # fmt: skip
        total = sum(s.minutes for s in study.values())
        rows += ["", f"About {total / 60:.0f} hours in all. Study time is an estimate computed from each "
                 "notebook: its words read at 200 a minute, its code lines at 6 seconds each, and 5 "
                 "minutes per exercise (the recap quiz counts as one). Terms are defined in the "
                 "[glossary](glossary.md)."]  # fmt: skip
        return "\n".join(rows)

    def lesson_map(self, study: Mapping[str, StudyTime] | None = None) -> str:
        """The README's lesson table, in Markdown; with ``study`` (per lesson file), the
        prerequisites and the estimated study time too."""
        if study is None:
            rows = ["| Lesson | What you learn | Open |", "| --- | --- | --- |"]
        else:
            rows = ["| Lesson | What you learn | You need | Study time | Open |",
                    "| --- | --- | --- | ---: | --- |"]  # fmt: skip
        for lesson in self.lessons:
            extra = ""
            if study is not None:
                extra = f" {lesson.prerequisites} | ≈ {study[lesson.file].minutes:.0f} min |"
            rows.append(
                f"| [{lesson.title}](lessons/{lesson.file}) | {lesson.learn} |{extra} "
                f"[Colab]({self.colab_url(lesson)}) · [Binder]({self.binder_url(lesson)}) |"
            )
        return "\n".join(rows)


def load_course(pyproject: str | Path) -> Course:
    """Read ``[tool.course]`` from a ``pyproject.toml``."""
    data = tomllib.loads(Path(pyproject).read_text("utf-8"))
    course = data["tool"]["course"]
    return Course(
        repository_url=course["repository_url"],
        branch=course["branch"],
        lessons=tuple(
            Lesson(**{**lesson, "extras": tuple(lesson.get("extras", ()))})
            for lesson in course["lessons"]
        ),
    )


def committed_json(name: str) -> Any:
    """A committed benchmark result (e.g. ``"optimize_distilbert.json"``).

    The results ship inside the package (``companion/data/results/``, where the scripts under
    ``benchmarks/`` write them), so a lesson reads them with no checkout and no network.
    """
    folder = resources.files("companion").joinpath("data/results")
    if "/" in name or not name.endswith(".json"):
        raise ValueError(f"name a results file such as 'optimize_distilbert.json', got {name!r}")
    if not folder.joinpath(name).is_file():
        known = sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))
        raise FileNotFoundError(f"no committed result {name!r}; there are: {', '.join(known)}")
    return json.loads(folder.joinpath(name).read_text("utf-8"))
