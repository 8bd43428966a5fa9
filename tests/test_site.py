"""The course website (``make site``), built offline and checked in a real browser.

The site is built once for this module by ``scripts/build_site.py`` (the command ``make site``
runs) with no network (``scripts/without_network``), served on 127.0.0.1, and every page is
opened in headless Chromium (Debian's ``chromium``, driven by Playwright). Each test reads what
the visit recorded and fails for one reason: a broken internal link or anchor, a missing image,
a request to another host, a lesson page without its plots, a JavaScript console error.
Screenshots of the home page and of a lesson page go to ``companion/data/results/site/``.

Without Chromium (or Playwright) the browser tests skip, saying why, except under CI=1 or
REQUIRE_OFFLINE=1 (what ``.ci/run`` sets), where that is a failure: ``.ci/run`` installs it.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from companion.course import Lesson, load_course, study_time

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium itself calls Google's services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "companion" / "data" / "results" / "site"
VIEWPORT = {"width": 1280, "height": 900}
IMAGE_MIME = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
LOCAL = "127.0.0.1"
# CI must not pass by skipping the browser.
REQUIRED = os.environ.get("REQUIRE_OFFLINE") == "1" or os.environ.get("CI", "") not in ("", "0")

COURSE = load_course(ROOT / "pyproject.toml")


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "scripts" / "build_site.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


build_site = _builder()


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason}; CI (CI=1 or REQUIRE_OFFLINE=1) needs it: .ci/run installs chromium")
    pytest.skip(reason)


# --- the build ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built by the command ``make site`` runs, without network."""
    out = tmp_path_factory.mktemp("site") / "html"
    command = [str(ROOT / "scripts" / "without_network"), sys.executable, "scripts/build_site.py"]
    result = subprocess.run(
        [*command, "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"the site build failed:\n{result.stdout}\n{result.stderr}"
    return out


def _image_outputs(lesson: Lesson) -> int:
    """How many plots (image outputs) the committed notebook holds."""
    notebook = json.loads((ROOT / "lessons" / lesson.file).read_text("utf-8"))
    return sum(
        any(mime in output.get("data", {}) for mime in IMAGE_MIME)
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
    )


def test_the_site_has_a_page_per_lesson_the_glossary_and_the_home_page(site: Path) -> None:
    expected = {"index.html", "glossary.html", "search.html"}
    expected |= {Path(lesson.file).with_suffix(".html").name for lesson in COURSE.lessons}
    assert expected <= {p.name for p in site.glob("*.html")}


def test_each_lesson_page_offers_the_committed_notebook_for_download(site: Path) -> None:
    for lesson in COURSE.lessons:
        served = site / build_site.NOTEBOOKS / lesson.file
        assert served.read_bytes() == (ROOT / "lessons" / lesson.file).read_bytes(), lesson.file


def test_no_page_loads_a_script_style_or_image_from_another_host(site: Path) -> None:
    """The static half of the offline check (the browser test sees what actually loads)."""
    loads = re.compile(r'<(?:script|img|iframe)[^>]*\ssrc="([^"]+)"|<link[^>]*\shref="([^"]+)"')
    remote = [
        f"{page.name}: {url}"
        for page in site.rglob("*.html")
        for match in loads.finditer(page.read_text("utf-8"))
        if re.match(r"^(?:https?:)?//", url := match[1] or match[2])
    ]
    assert remote == []


def test_a_lesson_link_to_a_missing_file_stops_the_build() -> None:
    paths = build_site.site_paths(COURSE)
    doc = Path("lessons", COURSE.lessons[0].file)
    with pytest.raises(build_site.SiteError, match=r"no_such_result\.json"):
        build_site.rewrite_links("[measured](../no_such_result.json)", doc, COURSE, paths)


def test_links_to_repository_files_outside_the_site_go_to_github() -> None:
    paths = build_site.site_paths(COURSE)
    doc = Path("lessons", COURSE.lessons[0].file)
    text = '[m](../companion/data/results/optimize_distilbert.json "read 2026-01-01") [g](glossary.md#p95)'
    blob = f"{COURSE.repository_url}/blob/{COURSE.branch}/companion/data/results/optimize_distilbert.json"
    assert build_site.rewrite_links(text, doc, COURSE, paths) == (
        f'[m]({blob} "read 2026-01-01") [g](glossary.md#p95)'
    )


def test_a_notebook_missing_from_the_course_list_stops_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for lesson in COURSE.lessons:
        (tmp_path / lesson.file).write_text("{}")
    (tmp_path / "99_unlisted.ipynb").write_text("{}")
    monkeypatch.setattr(build_site, "LESSONS", tmp_path)
    with pytest.raises(build_site.SiteError, match=r"99_unlisted\.ipynb"):
        build_site.check_lesson_files(COURSE)


def test_an_exercise_the_companion_does_not_define_stops_the_build() -> None:
    import nbformat

    cell = nbformat.v4.new_code_cell(
        "from companion.exercises import lesson01 as ex\nex.q99.check(1)"
    )
    notebook = nbformat.v4.new_notebook(cells=[cell])
    with pytest.raises(build_site.SiteError, match=r"lesson01\.q99"):
        build_site.exercise_links(notebook, COURSE)


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    """The site served over HTTP on 127.0.0.1 (a free port), as a static host would."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer((LOCAL, 0), functools.partial(Quiet, directory=site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{LOCAL}:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium from Debian's package, with a new empty profile (Playwright's own)."""
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -r requirements.txt)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """What one page did in the browser."""

    path: str
    links: list[str] = field(default_factory=list)  # every <a href>, resolved
    ids: set[str] = field(default_factory=set)
    images: list[dict[str, Any]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # requests with no answer or an HTTP error
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Tour:
    visits: dict[str, Visit]
    foreign: list[str]  # requests to any host but 127.0.0.1 (blocked, and recorded)


PAGE_FACTS = """() => ({
  links: Array.from(document.querySelectorAll('a[href]'), a => a.href),
  ids: Array.from(document.querySelectorAll('[id]'), e => e.id),
  images: Array.from(document.images, i => ({src: i.currentSrc || i.src, complete: i.complete,
    width: i.naturalWidth, plot: !!i.closest('div.cell_output')})),
  codeCells: document.querySelectorAll('div.cell_input').length,
  copyButtons: document.querySelectorAll('div.cell_input button.copybtn').length,
  launch: Array.from(document.querySelectorAll('a.lesson-button'),
    a => [a.textContent.trim(), a.getAttribute('href')]),
  facts: (document.querySelector('.lesson-facts') || {}).innerText || '',
  exercises: Array.from(document.querySelectorAll('.lesson-facts a[href]'), a => a.href),
  sidebar: Array.from(document.querySelectorAll('.sidebar-tree a.reference'),
    a => a.getAttribute('href')),
})"""


COPY_BUTTONS_ADDED = """() => document.querySelectorAll('div.cell_input').length ===
  document.querySelectorAll('div.cell_input button.copybtn').length"""


def _context(browser: Any, tour: Tour | None = None) -> Any:
    """A browser context whose every request to another host is blocked (and recorded)."""
    context = browser.new_context(viewport=VIEWPORT)

    def guard(route: Any) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https") and url.hostname != LOCAL:
            if tour is not None:
                tour.foreign.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", guard)
    return context


@pytest.fixture(scope="module")
def tour(browser: Any, base_url: str, site: Path) -> Tour:
    """Every HTML page of the site, opened once; what each did is recorded."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tour = Tour({}, [])
    context = _context(browser, tour)
    page = context.new_page()
    current: list[Visit] = []

    def on_console(message: Any) -> None:
        if message.type == "error":
            current[-1].errors.append(message.text)

    def on_response(response: Any) -> None:
        if response.status >= 400:
            current[-1].failed.append(f"{response.url} ({response.status})")

    page.on("console", on_console)
    page.on("pageerror", lambda e: current[-1].errors.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: current[-1].failed.append(f"{r.url} ({r.failure})"))
    page.on("response", on_response)
    for html in sorted(site.rglob("*.html")):
        path = html.relative_to(site).as_posix()
        current.append(Visit(path))
        page.goto(base_url + path, wait_until="networkidle")  # every request answered here
        with contextlib.suppress(PlaywrightTimeout):  # the copy buttons come from a script
            page.wait_for_function(COPY_BUTTONS_ADDED, timeout=5_000)
        facts = page.evaluate(PAGE_FACTS)
        visit = current[-1]
        visit.links, visit.ids, visit.images = (
            facts.pop("links"),
            set(facts.pop("ids")),
            facts.pop("images"),
        )
        visit.facts = facts
        tour.visits[path] = visit
    context.close()
    return tour


def _lesson_visit(tour: Tour, lesson: Lesson) -> Visit:
    return tour.visits[Path(lesson.file).with_suffix(".html").name]


def test_no_page_requests_another_host(tour: Tour) -> None:
    assert tour.foreign == []


def test_no_page_logs_a_javascript_error(tour: Tour) -> None:
    assert {p: v.errors for p, v in tour.visits.items() if v.errors} == {}


def test_every_image_loads(tour: Tour) -> None:
    missing = {
        path: [i["src"] for i in visit.images if not (i["complete"] and i["width"] > 0)]
        for path, visit in tour.visits.items()
    }
    failed = {path: visit.failed for path, visit in tour.visits.items() if visit.failed}
    assert ({p: m for p, m in missing.items() if m}, failed) == ({}, {})


def test_every_internal_link_and_anchor_resolves(tour: Tour, base_url: str, site: Path) -> None:
    broken = []
    for path, visit in tour.visits.items():
        for link in visit.links:
            if not link.startswith(base_url):
                continue  # another site: a link to follow, not a request the page makes
            target = urlsplit(link)
            file = unquote(target.path).lstrip("/") or "index.html"
            if file.endswith("/"):
                file += "index.html"
            if not (site / file).is_file():
                broken.append(f"{path} -> {link} (no such file)")
            elif (
                target.fragment
                and file in tour.visits
                and unquote(target.fragment) not in tour.visits[file].ids
            ):
                broken.append(f"{path} -> {link} (no such anchor)")
    assert broken == []


def test_every_lesson_page_shows_all_its_plots(tour: Tour) -> None:
    shown = {}
    expected = {}
    for lesson in COURSE.lessons:
        images = _lesson_visit(tour, lesson).images
        shown[lesson.file] = sum(
            1 for i in images if i["plot"] and i["complete"] and i["width"] > 0
        )
        expected[lesson.file] = _image_outputs(lesson)
    assert sum(expected.values()) > 0, "no lesson has a plot: this test would check nothing"
    assert shown == expected


def test_every_code_cell_has_a_copy_button(tour: Tour) -> None:
    cells = {
        lesson.file: _lesson_visit(tour, lesson).facts["codeCells"] for lesson in COURSE.lessons
    }
    buttons = {
        lesson.file: _lesson_visit(tour, lesson).facts["copyButtons"] for lesson in COURSE.lessons
    }
    assert all(cells.values()), cells
    assert buttons == cells


def test_the_copy_button_copies_the_cell_source(browser: Any, base_url: str) -> None:
    lesson = COURSE.lessons[-1]
    notebook = json.loads((ROOT / "lessons" / lesson.file).read_text("utf-8"))
    sources = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    context = _context(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    page = context.new_page()
    page.goto(base_url + Path(lesson.file).with_suffix(".html").name, wait_until="load")
    cell = page.locator("div.cell_input").nth(len(sources) - 1)  # the last code cell
    cell.hover()
    cell.locator("button.copybtn").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    context.close()
    assert copied.rstrip() == sources[-1].rstrip()


def test_each_lesson_page_links_colab_binder_and_the_notebook_from_the_course_setting(
    tour: Tour,
) -> None:
    for lesson in COURSE.lessons:
        assert _lesson_visit(tour, lesson).facts["launch"] == [
            ["Open in Colab", COURSE.colab_url(lesson)],
            ["Launch Binder", COURSE.binder_url(lesson)],
            ["Download notebook", f"{build_site.NOTEBOOKS}/{lesson.file}"],
        ], lesson.file


def test_each_lesson_page_shows_its_study_time_and_prerequisites(tour: Tour) -> None:
    for lesson in COURSE.lessons:
        notebook = json.loads((ROOT / "lessons" / lesson.file).read_text("utf-8"))
        minutes = study_time(notebook["cells"]).minutes
        facts = _lesson_visit(tour, lesson).facts["facts"]
        assert f"Study time: ≈ {minutes:.0f} min" in facts, lesson.file
        assert f"You need: {lesson.prerequisites}" in facts, lesson.file


def test_each_exercise_links_the_line_that_defines_it_in_companion(tour: Tour) -> None:
    for lesson in COURSE.lessons:
        notebook = json.loads((ROOT / "lessons" / lesson.file).read_text("utf-8"))
        code = "\n".join(
            "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"
        )
        checked = set(re.findall(r"\bex\.(\w+)\.check\(", code))
        linked = set()
        for url in _lesson_visit(tour, lesson).facts["exercises"]:
            match = re.fullmatch(
                rf"{re.escape(COURSE.repository_url)}/blob/{COURSE.branch}/(companion/exercises/\w+\.py)#L(\d+)",
                url,
            )
            assert match, f"{lesson.file}: {url} is not a link to an exercise module's line"
            line = (ROOT / match[1]).read_text("utf-8").splitlines()[int(match[2]) - 1]
            linked.add(line.split(" = ")[0])
        assert linked == checked, lesson.file


def test_the_navigation_follows_the_course_order(tour: Tour) -> None:
    pages = [Path(lesson.file).with_suffix(".html").name for lesson in COURSE.lessons]
    assert tour.visits["index.html"].facts["sidebar"] == [*pages, "glossary.html"]


def test_search_finds_a_glossary_term_in_the_glossary_and_the_lessons(
    browser: Any, base_url: str
) -> None:
    glossary = (ROOT / "lessons" / "glossary.md").read_text("utf-8")
    term = re.search(r"^### (\w+)$", glossary, re.MULTILINE)
    assert term, "the glossary has no one-word term to search for"
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{base_url}search.html?q={term[1]}", wait_until="load")
    page.wait_for_selector("#search-results ul.search li", timeout=20_000)
    found = page.eval_on_selector_all(
        "#search-results ul.search li a", "links => links.map(a => a.getAttribute('href'))"
    )
    context.close()
    pages = {href.split("?")[0].split("#")[0] for href in found}
    assert "glossary.html" in pages
    assert pages & {Path(lesson.file).with_suffix(".html").name for lesson in COURSE.lessons}


def test_screenshots_of_the_home_page_and_a_lesson_page(browser: Any, base_url: str) -> None:
    """For a reviewer: the home page, and the first lesson with a plot (its top and that plot)."""
    lesson = next(lesson for lesson in COURSE.lessons if _image_outputs(lesson))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = _context(browser)
    page = context.new_page()
    page.goto(base_url, wait_until="load")
    page.screenshot(path=SCREENSHOTS / "home.png")
    page.goto(base_url + Path(lesson.file).with_suffix(".html").name, wait_until="load")
    page.screenshot(path=SCREENSHOTS / "lesson.png")
    page.locator("div.cell_output img").first.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "lesson-plot.png")
    context.close()
    for name in ("home.png", "lesson.png", "lesson-plot.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000, name
