"""Course metadata: the repository URL and the lesson list, read from ``pyproject.toml``.

One setting (``[tool.course] repository_url``) builds every Colab and Binder link.
"""

from __future__ import annotations

import json
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

__all__ = ["Course", "Lesson", "committed_json", "load_course"]


@dataclass(frozen=True)
class Lesson:
    file: str
    title: str
    learn: str


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

    def lesson_map(self) -> str:
        """The README's lesson table, in Markdown."""
        rows = [
            "| Lesson | What you learn | Open |",
            "| --- | --- | --- |",
        ]
        for lesson in self.lessons:
            rows.append(
                f"| [{lesson.title}](lessons/{lesson.file}) | {lesson.learn} | "
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
        lessons=tuple(Lesson(**lesson) for lesson in course["lessons"]),
    )


def committed_json(relative_path: str, repository_url: str, branch: str = "main") -> Any:
    """A JSON file committed to the course repository (e.g. ``benchmarks/results/x.json``).

    Read from the checkout when a lesson runs inside it (``lessons/`` is the working folder);
    otherwise, as on Colab, downloaded from the repository on GitHub.
    """
    for base in (Path(".."), Path(".")):
        local = base / relative_path
        if local.exists():
            return json.loads(local.read_text("utf-8"))
    raw = repository_url.rstrip("/").replace(
        "https://github.com/", "https://raw.githubusercontent.com/"
    )
    with urllib.request.urlopen(f"{raw}/{branch}/{relative_path}", timeout=30) as answer:
        return json.loads(answer.read().decode("utf-8"))
