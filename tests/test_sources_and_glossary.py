"""Every sentence backed (issue 13): the lessons mark a claim they do not compute with
``[source](https://... "read YYYY-MM-DD")`` or ``[measured](../companion/data/results/X.json)``,
and this test resolves every marker: the link is well-formed and dated (not after today), the
file exists. Every glossary link lands on a term the glossary defines."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from companion.course import lesson_files, lessons_by_number

ROOT = Path(__file__).resolve().parents[1]
LESSONS = lesson_files(ROOT / "lessons")
PARTS = lessons_by_number(LESSONS)  # a lesson split into parts links the glossary across them
GLOSSARY = ROOT / "lessons" / "glossary.md"

SOURCE = re.compile(r"\[source\]\(([^)\s]+)(?:\s+\"([^\"]*)\")?\)")
MEASURED = re.compile(r"\[measured\]\(([^)\s]+)\)")
GLOSSARY_LINK = re.compile(r"\]\(glossary\.md#([^)\s]+)\)")
READ = re.compile(r"^read (\d{4}-\d{2}-\d{2})$")


def markdown(path: Path) -> str:
    cells = json.loads(path.read_text("utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    kept = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return kept.replace(" ", "-")


def glossary_terms() -> set[str]:
    return {
        slug(line[4:])
        for line in GLOSSARY.read_text("utf-8").splitlines()
        if line.startswith("### ")
    }


def markers(kind: re.Pattern[str]) -> list[tuple[str, tuple[str, ...]]]:
    return [(path.name, m.groups()) for path in LESSONS for m in kind.finditer(markdown(path))]


@pytest.mark.parametrize(("lesson", "groups"), markers(SOURCE), ids=lambda v: str(v)[:60])
def test_a_source_marker_is_an_https_link_read_on_a_date(
    lesson: str, groups: tuple[str, ...]
) -> None:
    url, title = groups
    assert re.match(r"^https://[\w.-]+\.[a-z]{2,}(/\S*)?$", url), f"{lesson}: {url!r}"
    read = READ.match(title or "")
    assert read, f'{lesson}: {url} needs a title "read YYYY-MM-DD"'
    assert date.fromisoformat(read.group(1)) <= date.today()


@pytest.mark.parametrize(("lesson", "groups"), markers(MEASURED), ids=lambda v: str(v)[:60])
def test_a_measured_marker_names_a_committed_file(lesson: str, groups: tuple[str, ...]) -> None:
    (target,) = groups
    assert (ROOT / "lessons" / target).resolve().is_file(), f"{lesson}: {target} does not exist"


def test_the_glossary_defines_each_term_once() -> None:
    headings = [
        line[4:] for line in GLOSSARY.read_text("utf-8").splitlines() if line.startswith("### ")
    ]
    assert len(headings) == len({slug(h) for h in headings}) >= 30


@pytest.mark.parametrize("number", list(PARTS))
def test_each_lesson_links_the_glossary_and_every_link_lands(number: str) -> None:
    anchors = [a for path in PARTS[number] for a in GLOSSARY_LINK.findall(markdown(path))]
    assert len(anchors) >= 3, f"lesson {number}: link terms to the glossary at first use"
    missing = sorted(set(anchors) - glossary_terms())
    assert not missing, f"lesson {number}: glossary.md has no term for {missing}"


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [("p95", "p95"), ("GB-s", "gb-s"), ("Savings Plan", "savings-plan"), ("A/B test", "ab-test")],
)
def test_anchors_follow_githubs_rule(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor
