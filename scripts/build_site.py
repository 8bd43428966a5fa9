"""Build the course website from the committed lessons, offline (``make site``).

.venv/bin/python scripts/build_site.py              # into build/site
.venv/bin/python scripts/build_site.py --out DIR    # elsewhere
python -m http.server -d build/site                 # preview it at http://127.0.0.1:8000

The pages are generated from pyproject.toml's ``[tool.course]``, in its lesson order: the
README's overview (up to the end of its lesson map) as the home page, the glossary, and one page
per lesson rendered from ``lessons/<file>.ipynb`` **with its committed outputs** (no
re-execution: nbval proves they reproduce). Each lesson page opens with its Colab, Binder and
download links (built from ``repository_url``, as the README's map is), its estimated study
time (``companion.course.study_time``), its prerequisites, and a link to the ``companion`` code
of each exercise it checks. Links to repository files outside the site (benchmark results, say)
become links to the file on GitHub; a link to a file that does not exist stops the build.

Sphinx renders the pages (configuration in ``docs/conf.py``: myst-nb with execution off, the
furo theme, whose assets are bundled), so the build needs no network. Warnings are errors: an
anchor that does not resolve fails the build.
"""

from __future__ import annotations

import argparse
import ast
import html
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from companion.course import Course, Lesson, load_course, study_time

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
CONF_DIR = ROOT / "docs"
DEFAULT_OUT = ROOT / "build" / "site"
NOTEBOOKS = "notebooks"  # the site folder serving each lesson's .ipynb for download
GLOSSARY = "glossary.md"
IMAGES = "images"
MAP_START, MAP_END = "<!-- lesson-map:start -->", "<!-- lesson-map:end -->"
BADGE_TAG = "badges"  # the notebook's own Colab/Binder badges; the lesson card replaces them

# The target of a Markdown link or image: ](target) or ](target "title").
LINK = re.compile(r'\]\((?P<target><[^>]+>|[^)\s]+)(?P<title>\s+"[^"]*")?\)')
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
EXERCISE_IMPORT = re.compile(r"from\s+companion\.exercises\s+import\s+(\w+)(?:\s+as\s+(\w+))?")


class SiteError(Exception):
    """The site cannot be built from the repository as it is (the message says why)."""


@dataclass(frozen=True)
class ExerciseLink:
    """An exercise a lesson checks, and where its ``companion`` implementation is defined."""

    module: str  # e.g. "lesson01", in companion/exercises/
    name: str  # e.g. "q1" or "quiz"
    kind: str  # the class it is built from, e.g. "NumericExercise"
    line: int
    url: str


def blob_url(course: Course, path: Path) -> str:
    """The GitHub page of a repository file (or folder) on the course's branch."""
    kind = "tree" if (ROOT / path).is_dir() else "blob"
    return f"{course.repository_url.rstrip('/')}/{kind}/{course.branch}/{path.as_posix()}"


def site_paths(course: Course) -> dict[str, str]:
    """Repository files that are pages or assets of the site, and their path in it."""
    paths = {f"lessons/{lesson.file}": lesson.file for lesson in course.lessons}
    paths[f"lessons/{GLOSSARY}"] = GLOSSARY
    for image in sorted((LESSONS / IMAGES).iterdir()):
        paths[f"lessons/{IMAGES}/{image.name}"] = f"{IMAGES}/{image.name}"
    return paths


def rewrite_links(markdown: str, doc: Path, course: Course, paths: dict[str, str]) -> str:
    """Point every relative link of ``doc`` (a repository path) at its page in the site, or at
    the file on GitHub when the site does not hold it. URLs and in-page anchors stay."""

    def rewrite(match: re.Match[str]) -> str:
        target = match["target"].strip("<>")
        if SCHEME.match(target) or target.startswith("#"):
            return match[0]
        path, _, fragment = target.partition("#")
        resolved = (ROOT / doc.parent / path).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            raise SiteError(f"{doc.as_posix()} links to {target!r}, which is not in the repository")
        relative = resolved.relative_to(ROOT)
        new = paths.get(relative.as_posix()) or blob_url(course, relative)
        new += f"#{fragment}" if fragment else ""
        return f"]({new}{match['title'] or ''})"

    return LINK.sub(rewrite, markdown)


def exercise_links(notebook: nbformat.NotebookNode, course: Course) -> list[ExerciseLink]:
    """The exercises a lesson checks (``ex.q1.check(...)`` after ``from companion.exercises
    import lesson01 as ex``), in the order it checks them, with their definition's line."""
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    links: list[ExerciseLink] = []
    for module, alias in EXERCISE_IMPORT.findall(code):
        path = Path("companion", "exercises", f"{module}.py")
        if not (ROOT / path).is_file():
            raise SiteError(f"a lesson imports companion.exercises.{module}; there is no {path}")
        defined = _top_level_calls(ROOT / path)
        used = re.findall(rf"\b{re.escape(alias or module)}\.(\w+)\.check\(", code)
        for name in dict.fromkeys(used):
            if name not in defined:
                raise SiteError(f"a lesson checks {module}.{name}, which {path} does not define")
            line, kind = defined[name]
            url = f"{blob_url(course, path)}#L{line}"
            links.append(ExerciseLink(module, name, kind, line, url))
    return links


def _top_level_calls(path: Path) -> dict[str, tuple[int, str]]:
    """``name = Class(...)`` at a module's top level: name -> (line, class name)."""
    found: dict[str, tuple[int, str]] = {}
    for node in ast.parse(path.read_text("utf-8")).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call)):  # fmt: skip
            func = node.value.func
            kind = func.id if isinstance(func, ast.Name) else ast.unparse(func)
            found[node.targets[0].id] = (node.lineno, kind)
    return found


def lesson_card(
    course: Course, lesson: Lesson, minutes: float, exercises: list[ExerciseLink]
) -> str:
    """The block under a lesson's title: launch and download links, study time, prerequisites
    and the exercises' implementations (MyST Markdown with one raw HTML block)."""
    buttons = [("Open in Colab", course.colab_url(lesson), ""),
               ("Launch Binder", course.binder_url(lesson), ""),
               ("Download notebook", f"{NOTEBOOKS}/{lesson.file}", " download")]  # fmt: skip
    launch = "\n".join(
        f'<a class="lesson-button" href="{html.escape(url)}"{extra}>{text}</a>'
        for text, url, extra in buttons
    )
    checks = ", ".join(
        f'[`{e.module}.{e.name}`]({e.url} "{e.kind}, companion/exercises/{e.module}.py line {e.line}")'
        for e in exercises
    )
    facts = [
        f"**Study time:** ≈ {minutes:.0f} min (estimated from this notebook: its words at 200 a "
        "minute, its code lines at 6 seconds each, 5 minutes per exercise).",
        f"**You need:** {lesson.prerequisites or 'nothing beyond the course setup'}.",
    ]
    if checks:
        facts.append(f"**Exercises**, each checked by `companion` code you can read: {checks}.")
    body = "\n\n".join(facts)
    return (f'<div class="lesson-launch">\n{launch}\n</div>\n\n'
            f"```{{admonition}} This lesson\n:class: lesson-facts\n\n{body}\n```")  # fmt: skip


def lesson_page(course: Course, lesson: Lesson, paths: dict[str, str]) -> nbformat.NotebookNode:
    """The lesson as the site shows it: its committed cells and outputs, links rewritten, the
    badge cell replaced by the lesson card under the title."""
    source = LESSONS / lesson.file
    notebook = nbformat.read(source, as_version=4)
    card = lesson_card(
        course, lesson, study_time(notebook.cells).minutes, exercise_links(notebook, course)
    )
    doc = Path("lessons", lesson.file)
    notebook.cells = [c for c in notebook.cells if BADGE_TAG not in c.metadata.get("tags", [])]
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = rewrite_links(cell.source, doc, course, paths)
        for output in cell.get("outputs", []):
            if "text/markdown" in output.get("data", {}):
                output.data["text/markdown"] = rewrite_links(
                    output.data["text/markdown"], doc, course, paths
                )
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            title, _, rest = cell.source.lstrip().partition("\n")
            cell.source = f"{title}\n\n{card}\n\n{rest.lstrip()}"
            break
    else:
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell(f"# {lesson.title}\n\n{card}"))
    return notebook


def home_page(readme: str, course: Course, paths: dict[str, str]) -> str:
    """The README up to the end of its lesson map (the overview), with the map's links pointing
    at the lesson pages, and the site's navigation (a hidden table of contents)."""
    if MAP_START not in readme or MAP_END not in readme:
        raise SiteError(f"README.md needs the lesson-map markers {MAP_START} and {MAP_END}")
    head, rest = readme.split(MAP_START, 1)
    lesson_map, tail = rest.split(MAP_END, 1)
    tail = tail.split("\n## ", 1)[0]  # the paragraphs about the map, up to the next section
    overview = rewrite_links(
        f"{head}{lesson_map.strip()}\n{tail.rstrip()}\n", Path("README.md"), course, paths
    )
    pages = "\n".join(Path(lesson.file).stem for lesson in course.lessons)
    return (f"{overview}\nThe lessons' source, the `companion` package and its tests: "
            f"[the repository]({course.repository_url}).\n\n"
            f"```{{toctree}}\n:hidden:\n:caption: Lessons\n\n{pages}\n```\n\n"
            f"```{{toctree}}\n:hidden:\n:caption: Reference\n\n{Path(GLOSSARY).stem}\n```\n")  # fmt: skip


def check_lesson_files(course: Course) -> None:
    """Every notebook under lessons/ is a listed lesson, and every listed lesson exists."""
    listed = [lesson.file for lesson in course.lessons]
    present = sorted(p.name for p in LESSONS.glob("*.ipynb"))
    if missing := [f for f in listed if f not in present]:
        raise SiteError(f"[tool.course.lessons] lists {', '.join(missing)}, not in lessons/")
    if unlisted := [f for f in present if f not in listed]:
        raise SiteError(
            f"lessons/ holds {', '.join(unlisted)}, not listed in pyproject.toml's "
            "[tool.course.lessons] (the site follows that list)"
        )


def write_sources(folder: Path, course: Course) -> None:
    """The Sphinx source folder: index.md, glossary.md, images/ and one notebook per lesson."""
    paths = site_paths(course)
    folder.mkdir(parents=True)
    readme = (ROOT / "README.md").read_text("utf-8")
    (folder / "index.md").write_text(home_page(readme, course, paths), "utf-8")
    glossary = (LESSONS / GLOSSARY).read_text("utf-8")
    (folder / GLOSSARY).write_text(
        rewrite_links(glossary, Path("lessons", GLOSSARY), course, paths), "utf-8"
    )
    shutil.copytree(LESSONS / IMAGES, folder / IMAGES)
    for lesson in course.lessons:
        nbformat.write(lesson_page(course, lesson, paths), folder / lesson.file)


def build(out: Path = DEFAULT_OUT, *, quiet: bool = True) -> Path:
    """Build the site into ``out`` (replaced whole) and return it."""
    from sphinx.cmd.build import build_main

    course = load_course(ROOT / "pyproject.toml")
    check_lesson_files(course)
    with tempfile.TemporaryDirectory(prefix="course-site-") as tmp:
        source, target = Path(tmp, "source"), Path(tmp, "html")
        write_sources(source, course)
        # myst-nb writes its output files beside the HTML folder, so inside tmp as well.
        args = ["-b", "html", "-W", "--keep-going", "-c", str(CONF_DIR)]
        args += ["-d", str(Path(tmp, "doctrees")), *(["-q"] if quiet else [])]
        if build_main([*args, str(source), str(target)]) != 0:
            raise SiteError("Sphinx could not build the site; its warnings and errors are above")
        (target / NOTEBOOKS).mkdir()
        for lesson in course.lessons:  # the committed notebook, as it is in the repository
            shutil.copy2(LESSONS / lesson.file, target / NOTEBOOKS / lesson.file)
        (target / ".nojekyll").touch()  # GitHub Pages: serve _static/ and _images/ as they are
        sources = target / "_sources"  # left empty, as html_copy_source is off
        if sources.is_dir() and not any(sources.iterdir()):
            sources.rmdir()
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(target, out)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the site folder (replaced)")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's progress")
    options = parser.parse_args()
    try:
        out = build(options.out.resolve(), quiet=not options.verbose)
    except SiteError as error:
        print(f"build_site: {error}", file=sys.stderr)
        return 1
    print(f"site written to {out}; preview it with: python -m http.server -d {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
