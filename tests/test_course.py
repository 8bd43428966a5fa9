"""The course frame: README, lesson files, setup cells, Binder and CI agree with each other."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from companion.course import (
    MAX_STUDY_MINUTES,
    Lesson,
    lesson_files,
    lesson_number,
    lessons_by_number,
    load_course,
    study_time,
)

ROOT = Path(__file__).resolve().parent.parent
COURSE = load_course(ROOT / "pyproject.toml")
LESSON_FILES = [p.name for p in lesson_files(ROOT / "lessons")]
PARTS = {
    number: [p.name for p in paths]
    for number, paths in lessons_by_number(lesson_files(ROOT / "lessons")).items()
}


def _notebook(name: str) -> dict[str, Any]:
    notebook: dict[str, Any] = json.loads((ROOT / "lessons" / name).read_text("utf-8"))
    return notebook


def _code_cells(name: str) -> list[dict[str, Any]]:
    return [c for c in _notebook(name)["cells"] if c["cell_type"] == "code"]


def test_every_lesson_file_is_in_the_lesson_map_and_vice_versa() -> None:
    assert [lesson.file for lesson in COURSE.lessons] == LESSON_FILES


def test_readme_map_badges_and_setup_cells_are_generated_from_pyproject() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/sync_course.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("url", "colab", "binder"),
    [
        (
            "https://github.com/acme/course",
            "https://colab.research.google.com/github/acme/course/blob/main/lessons/01_x.ipynb",
            "https://mybinder.org/v2/gh/acme/course/main?labpath=lessons%2F01_x.ipynb",
        ),
        (
            "https://github.com/acme/course.git",
            "https://colab.research.google.com/github/acme/course/blob/main/lessons/01_x.ipynb",
            "https://mybinder.org/v2/gh/acme/course/main?labpath=lessons%2F01_x.ipynb",
        ),
    ],
)
def test_colab_and_binder_links_are_built_from_the_repository_url(
    url: str, colab: str, binder: str
) -> None:
    course = type(COURSE)(repository_url=url, branch="main", lessons=())
    lesson = Lesson(file="01_x.ipynb", title="x", learn="y")
    assert course.colab_url(lesson) == colab
    assert course.binder_url(lesson) == binder


def test_a_non_github_repository_url_is_rejected() -> None:
    course = type(COURSE)(repository_url="https://gitlab.com/a/b", branch="main", lessons=())
    with pytest.raises(ValueError, match=r"github\.com"):
        _ = course.github_path


@pytest.mark.parametrize("lesson", COURSE.lessons, ids=lambda lesson: lesson.file)
def test_lesson_opens_with_its_badges_and_setup_cell(lesson: Lesson) -> None:
    cells = _notebook(lesson.file)["cells"]
    assert "".join(cells[0]["source"]) == COURSE.badge_cell(lesson)
    setup = "".join(_code_cells(lesson.file)[0]["source"])
    assert setup == COURSE.setup_cell(lesson)
    assert re.findall(r'REPOSITORY_URL = "([^"]+)"', setup) == [COURSE.repository_url]


@pytest.mark.parametrize("lesson", COURSE.lessons, ids=lambda lesson: lesson.file)
def test_lesson_extras_are_extras_companion_declares(lesson: Lesson) -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert set(lesson.extras) <= set(declared)


@pytest.mark.parametrize("name", LESSON_FILES)
def test_no_image_is_fetched_from_another_host(name: str) -> None:
    """Badges and figures render from files in the repository, never from an image host."""
    for cell in _notebook(name)["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", "".join(cell["source"])):
            assert "://" not in target, target
            assert (ROOT / "lessons" / target).is_file(), target


def test_badges_link_to_colab_and_binder_for_the_lesson() -> None:
    lesson = Lesson(file="03_x.ipynb", title="x", learn="y")
    cell = COURSE.badge_cell(lesson)
    assert f"]({COURSE.colab_url(lesson)})" in cell and f"]({COURSE.binder_url(lesson)})" in cell


@pytest.mark.parametrize("name", LESSON_FILES)
def test_lesson_is_committed_executed_in_order_without_errors(name: str) -> None:
    cells = _code_cells(name)
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), "re-run the lesson top to bottom: make lessons"
    errors = [o for c in cells for o in c["outputs"] if o["output_type"] == "error"]
    assert errors == []


def _exercise_checks(name: str) -> list[dict[str, Any]]:
    return [c for c in _code_cells(name) if re.search(r"\bex\.q\d+\.check\(", "".join(c["source"]))]


@pytest.mark.parametrize("number", [n for n in PARTS if n != "00"])
def test_lessons_end_with_at_least_three_unfinished_exercises(number: str) -> None:
    """Across its parts; and each part of a split lesson asks at least two of them."""
    checks = [cell for name in PARTS[number] for cell in _exercise_checks(name)]
    assert len(checks) >= 3
    for cell in checks:
        text = "".join("".join(o.get("data", {}).get("text/plain", [])) for o in cell["outputs"])
        assert "Your turn" in text, "shipped lessons leave exercises unfinished"
    if len(PARTS[number]) > 1:
        for name in PARTS[number]:
            assert len(_exercise_checks(name)) >= 2, f"{name}: a part asks at least two exercises"


@pytest.mark.parametrize("name", LESSON_FILES)
def test_every_notebook_reads_in_one_sitting(name: str) -> None:
    """By study_time's estimate (words at 200 a minute, code lines at 6 s, 5 minutes per
    exercise): a lesson longer than one sitting is split into parts that keep its number."""
    import nbformat

    minutes = study_time(nbformat.read(ROOT / "lessons" / name, as_version=4).cells).minutes
    assert minutes <= MAX_STUDY_MINUTES, (
        f"{name}: about {minutes:.0f} minutes of study; tighten it or split it into parts"
    )


@pytest.mark.parametrize("number", [n for n, names in PARTS.items() if len(names) > 1])
def test_the_parts_of_a_lesson_lead_from_one_to_the_next(number: str) -> None:
    """Part titles say which part they are, part b needs part a, and every part but the last
    ends by pointing at the next one."""
    lessons = {lesson.file: lesson for lesson in COURSE.lessons}
    names = PARTS[number]
    for index, name in enumerate(names, start=1):
        assert f"part {index}" in lessons[name].title, lessons[name].title
        if index > 1:
            assert f"part {index - 1}" in lessons[name].prerequisites.lower(), name
    for name, following in itertools.pairwise(names):
        last = next(c for c in reversed(_notebook(name)["cells"]) if c["cell_type"] == "markdown")
        assert f"]({following})" in "".join(last["source"]), (
            f"{name} does not end pointing at {following}"
        )


@pytest.mark.parametrize("name", LESSON_FILES)
def test_every_link_to_a_lesson_lands_on_a_lesson_file(name: str) -> None:
    """A lesson renamed or split into parts leaves no link to its old file behind."""
    for cell in _notebook(name)["cells"]:
        if cell["cell_type"] == "markdown":
            for target in re.findall(r"\]\(([^)\s#/]+\.ipynb)", "".join(cell["source"])):
                assert target in LESSON_FILES, f"{name} links {target}, which is not a lesson"


@pytest.mark.parametrize(
    ("name", "number", "part"),
    [("04_autoscaling.ipynb", "04", ""), ("04a_serving.ipynb", "04", "a"),
     ("06c_alerts_that_work.ipynb", "06", "c")],
)  # fmt: skip
def test_a_part_keeps_its_lessons_number(name: str, number: str, part: str) -> None:
    lesson = Lesson(file=name, title="x", learn="y")
    assert (lesson.number, lesson.part) == (number, part)


@pytest.mark.parametrize("name", ["4_x.ipynb", "04-x.ipynb", "04ab_x.ipynb", "04_x.py"])
def test_a_file_that_is_not_a_lesson_is_named_as_such(name: str) -> None:
    with pytest.raises(ValueError, match=r"NN_slug\.ipynb or NNa_slug\.ipynb"):
        lesson_number(name)


def test_lesson_files_finds_whole_lessons_and_parts_in_course_order(tmp_path: Path) -> None:
    for name in ("04b_hpa.ipynb", "00_start.ipynb", "04a_serve.ipynb", "05_ab.ipynb", "notes.ipynb",
                 "04a_serve-checkpoint.ipynb", "glossary.md"):  # fmt: skip
        (tmp_path / name).write_text("{}")
    found = [p.name for p in lesson_files(tmp_path)]
    assert found == ["00_start.ipynb", "04a_serve.ipynb", "04b_hpa.ipynb", "05_ab.ipynb"]
    grouped = lessons_by_number(lesson_files(tmp_path))
    assert {n: [p.name for p in ps] for n, ps in grouped.items()} == {
        "00": ["00_start.ipynb"], "04": ["04a_serve.ipynb", "04b_hpa.ipynb"], "05": ["05_ab.ipynb"]
    }  # fmt: skip


def test_binder_has_its_own_config_and_installs_the_package() -> None:
    binder = ROOT / "binder"
    assert (binder / "environment.yml").exists()
    post_build = (binder / "postBuild").read_text()
    assert (
        "pip install" in post_build and "-r requirements.txt" in post_build and "-e ." in post_build
    )
    assert (binder / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"


def test_binder_and_conda_install_the_cpu_only_torch_before_the_pins() -> None:
    """A GPU-less Binder machine must not download the CUDA build of torch."""
    cpu_index = "https://download.pytorch.org/whl/cpu"
    lines = (ROOT / "binder" / "postBuild").read_text().splitlines()
    torch_line = next(i for i, line in enumerate(lines) if cpu_index in line)
    pins_line = next(i for i, line in enumerate(lines) if "-r requirements.txt" in line)
    assert torch_line < pins_line and "torch" in lines[torch_line]
    assert f"--extra-index-url {cpu_index}" in (ROOT / "environment.yml").read_text()


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in ci
    assert "make test" in readme and "make course" in readme


def test_every_dependency_is_pinned_in_requirements() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {
        re.split(r"[\[=]", line)[0].lower(): line
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=\[ ]", requirement)[0].lower()
        assert name in pins, f"{name} is a dependency but not pinned in requirements.txt"
        assert "==" in pins[name]


def test_committed_results_ship_in_the_package_and_need_no_checkout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from companion.course import committed_json

    monkeypatch.chdir(tmp_path)  # nowhere near a checkout, as on Colab
    document = committed_json("optimize_distilbert.json")
    expected = json.loads((ROOT / "companion/data/results/optimize_distilbert.json").read_text())
    assert document == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../pyproject.toml", "name a results file"),
        ("optimize_distilbert.md", "name a results file"),
        ("missing.json", "there are: .*optimize_distilbert.json"),
    ],
)
def test_committed_json_names_what_exists(name: str, message: str) -> None:
    from companion.course import committed_json

    with pytest.raises((ValueError, FileNotFoundError), match=message):
        committed_json(name)


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (ROOT / "companion/data/results").glob("*.json"))
)
def test_every_committed_result_names_its_machines_instruction_sets(name: str) -> None:
    """Issue 16: a speed (or memory) figure is only comparable with the CPU's instruction sets
    beside it (AVX2 vs AVX-512 VNNI vs AMX changes the int8 ranking)."""
    from companion.optimize import describe_instruction_sets

    machine = json.loads((ROOT / "companion/data/results" / name).read_text())["machine"]
    flags = machine.get("instruction_sets")
    assert flags, f"{name}: the machine record has no instruction_sets; re-run its benchmark"
    assert machine["int8_instructions"] in describe_instruction_sets(flags)


def test_every_lesson_ran_the_binder_path_under_the_memory_budget() -> None:
    """The committed lesson-memory run covers every lesson, ran each with Binder's 2 GB limit
    (so the lessons took the path a Binder session takes: no fused build) and stayed under
    the course's 1.5 GB budget."""
    from companion.course import committed_json
    from companion.optimize import OPTIMIZE_MEMORY_MB

    run = committed_json("lesson_memory.json")
    assert run["memory_limit_mb"] == 2048 < OPTIMIZE_MEMORY_MB  # Binder's: no fused build
    measured = {row["lesson"]: row for row in run["lessons"]}
    assert set(measured) == {path.name for path in lesson_files(ROOT / "lessons")}
    over = {
        name: row["peak_mb"] for name, row in measured.items() if row["peak_mb"] >= run["budget_mb"]
    }
    assert not over, f"over the {run['budget_mb']:g} MB budget: {over}"


def test_every_result_a_lesson_reads_is_package_data() -> None:
    """The wheel's package data covers every results file the lessons name."""
    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["companion"]
    named = set()
    for lesson in sorted((ROOT / "lessons").glob("*.ipynb")):
        named |= set(re.findall(r'committed_json\(\\"([a-z_]+\.json)\\"\)', lesson.read_text()))
    assert named, "no lesson reads a committed result?"
    for name in named:
        assert (ROOT / "companion/data/results" / name).is_file()
    assert "data/results/*.json" in patterns


def test_study_time_counts_words_code_lines_and_exercises() -> None:
    cells = [
        {"cell_type": "markdown", "source": "word " * 400, "metadata": {}},  # 2 minutes
        {"cell_type": "code", "source": "import x\n\nx.y()\n", "metadata": {"tags": ["setup"]}},
        {"cell_type": "code", "source": "a = 1\n\nb = 2\n" * 10, "metadata": {}},  # 20 lines: 2 min
        {"cell_type": "code", "source": "ex.q1.check(a)", "metadata": {}},  # 1 line, 5 min
        {"cell_type": "code", "source": ["ex.quiz.check(\n", "r1=...)"], "metadata": {}},  # 2, 5
    ]
    estimate = study_time(cells)
    assert (estimate.words, estimate.code_lines, estimate.exercises) == (400, 23, 2)
    assert estimate.minutes == pytest.approx(2 + 23 * 6 / 60 + 2 * 5)


def test_the_readme_states_each_lessons_study_time_and_prerequisites() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "| Lesson | What you learn | You need | Study time | Open |" in readme
    assert "words read at 200 a minute" in readme


def test_lesson_00_shows_the_generated_study_plan_and_the_overview_figure() -> None:
    import nbformat

    course = load_course(ROOT / "pyproject.toml")
    cells = nbformat.read(ROOT / "lessons" / "00_start_here.ipynb", as_version=4).cells
    plan = [c for c in cells if "study-plan" in c.metadata.get("tags", [])]
    assert len(plan) == 1 and plan[0].source.startswith("## Your study plan")
    study = {lesson.file: study_time(nbformat.read(ROOT / "lessons" / lesson.file, as_version=4).cells)
             for lesson in course.lessons}  # fmt: skip
    assert plan[0].source == course.study_plan(study)  # and the plan's own words are not counted
    assert "images/overview.svg" in "".join(c.source for c in cells)
    assert (ROOT / "lessons" / "images" / "overview.svg").is_file()


TITLED_PLOTTERS = ("plot_rollout(", "plot_cost_curves(", "plot_hpa(")


@pytest.mark.parametrize("name", [p.name for p in sorted((ROOT / "lessons").glob("0*.ipynb"))])
def test_every_plot_in_a_lesson_has_a_title(name: str) -> None:
    """A cell that draws a figure sets its title, or calls a companion plotter that does."""
    import nbformat

    cells = nbformat.read(ROOT / "lessons" / name, as_version=4).cells
    for index, cell in enumerate(cells):
        drawn = cell.cell_type == "code" and any(
            "image/png" in output.get("data", {}) for output in cell.get("outputs", [])
        )
        if drawn:
            titled = "title" in cell.source or any(p in cell.source for p in TITLED_PLOTTERS)
            assert titled, f"{name} cell {index} draws a figure without a title"


def test_the_version_is_written_once() -> None:
    from importlib import metadata

    import companion

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert metadata.version("run-ml-for-pennies") == companion.__version__
    assert "`companion.__version__`" in (ROOT / "CHANGELOG.md").read_text("utf-8")
