"""One public API per sub-package (issue 15).

- Every sub-package's ``__init__`` is its whole public API: every name a public module lists in
  its ``__all__`` is in the package's ``__all__`` (or the module itself is, as a namespace:
  ``companion.exercises.lesson03``), every listed name resolves (lazy ones included), no name
  is listed twice, and no object is listed by two modules.
- Lessons import only public names: ``from companion.<sub-package> import name`` with ``name``
  in its ``__all__`` (or ``import companion.<sub-package>``), never a module below a
  sub-package and never a ``_private`` name; attributes read from an imported companion module
  (``scenario.DAILY_REQUESTS``, ``ex.q1``) are in that module's ``__all__``.
- The README's map (sub-package, what it holds, the lessons that import it, its tests) matches
  the lessons' own imports and names files that exist; ``companion/__init__``'s map lists every
  sub-package.

Each check is a function run on the real package and, below, on a synthetic one it must fail.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import pkgutil
import re
import sys
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType

import pytest

import companion

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
TESTS = ROOT / "tests"

# Modules that are entry points a tool runs, not APIs: the __all__ rules skip them, and a lesson
# may import them by their path. Each says why; the list is checked against the files.
ENTRY_POINTS: dict[str, str] = {
    # Locust loads it by path (companion.loadtest.LOCUSTFILE); importing it monkey-patches the
    # process with gevent, so no API may live in it and nothing else imports it.
    "companion.loadtest.locustfile": "Locust's file, loaded by path; importing it patches the "
    "process with gevent",
    # Packaged as handler.py at the root of the Lambda artifact; Lambda imports it by name.
    "companion.serverless.lambda_function": "Lambda's handler file, imported by Lambda by name",
    # The deployable handler module: importing it builds the app (Lambda's init phase). Lesson
    # 03 imports it on purpose, to run the function as Lambda does.
    "companion.serverless.handler": "the Lambda entry point; importing it builds the app",
}


# ---------------------------------------------------------------------------------------------
# The public API of a package


def subpackages() -> list[str]:
    return sorted(i.name for i in pkgutil.iter_modules(companion.__path__) if i.ispkg)


def top_level_modules() -> list[str]:
    return sorted(
        i.name
        for i in pkgutil.iter_modules(companion.__path__)
        if not i.ispkg and not i.name.startswith("_")
    )


def public_modules(package: ModuleType) -> list[str]:
    """The full names of ``package``'s modules whose names do not start with ``_``."""
    return [
        f"{package.__name__}.{info.name}"
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_")
    ]


def _duplicates(names: list[str]) -> list[str]:
    return sorted({n for n in names if names.count(n) > 1})


def api_problems(package: ModuleType, entry_points: Mapping[str, str]) -> list[str]:
    """What keeps ``package``'s ``__init__`` from being its complete public API."""
    name = package.__name__
    if not isinstance(getattr(package, "__all__", None), list | tuple):
        return [f"{name} has no __all__"]
    listed = list(package.__all__)
    problems = [f"{name}.__all__ lists {n!r} twice" for n in _duplicates(listed)]
    for attr in listed:
        try:
            getattr(package, attr)
        except AttributeError:
            problems.append(f"{name}.__all__ lists {attr!r}, which does not resolve")
    for module_name in public_modules(package):
        if module_name in entry_points:
            continue
        module = importlib.import_module(module_name)
        own = getattr(module, "__all__", None)
        if own is None:
            problems.append(f"{module_name} has no __all__ (or is it an entry point? say so)")
            continue
        problems += [f"{module_name}.__all__ lists {n!r} twice" for n in _duplicates(list(own))]
        problems += [
            f"{module_name}.__all__ lists {n!r}, which does not resolve"
            for n in own
            if not hasattr(module, n)
        ]
        short = module_name.rpartition(".")[2]
        if short in listed and short in own:
            problems.append(
                f"{module_name} is a module and a name it lists: once the module is imported, "
                f"{name}.{short} is the module"
            )
        if short in listed:
            continue  # a public namespace (companion.exercises.lesson03): its names stay in it
        for attr in own:
            if attr not in listed:
                problems.append(f"{module_name} lists {attr!r} in __all__, {name}.__all__ does not")
            elif hasattr(module, attr) and getattr(package, attr, None) is not getattr(
                module, attr
            ):
                problems.append(f"{name}.{attr} is not {module_name}.{attr}")
    return problems


def duplicate_listings(module_names: list[str]) -> list[str]:
    """Objects that two modules list in their ``__all__`` under the same name: a name is listed
    by the one module that defines it, and re-exported only by package ``__init__``s."""
    where: dict[tuple[str, int], list[str]] = defaultdict(list)
    for module_name in module_names:
        module = importlib.import_module(module_name)
        for attr in getattr(module, "__all__", []):
            if hasattr(module, attr):
                where[(attr, id(getattr(module, attr)))].append(module_name)
    return [
        f"{attr} is listed by {', '.join(modules)}"
        for (attr, _), modules in sorted(where.items())
        if len(modules) > 1
    ]


def all_public_modules() -> list[str]:
    """Every public module of companion that is not a package ``__init__`` or an entry point."""
    names = [f"companion.{m}" for m in top_level_modules()]
    for sub in subpackages():
        names += public_modules(importlib.import_module(f"companion.{sub}"))
    return [n for n in names if n not in ENTRY_POINTS]


@pytest.mark.parametrize("sub", subpackages())
def test_each_sub_package_init_is_its_complete_public_api(sub: str) -> None:
    assert api_problems(importlib.import_module(f"companion.{sub}"), ENTRY_POINTS) == []


def test_companion_itself_lists_names_that_resolve_once() -> None:
    assert _duplicates(list(companion.__all__)) == []
    assert [n for n in companion.__all__ if not hasattr(companion, n)] == []


def test_no_object_is_listed_by_two_modules() -> None:
    assert duplicate_listings(all_public_modules()) == []


def test_every_entry_point_exemption_names_a_module_that_exists() -> None:
    for name in ENTRY_POINTS:
        assert (ROOT / (name.replace(".", "/") + ".py")).is_file(), name


def _write_package(root: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


def test_the_api_checks_fail_on_a_package_that_breaks_each_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks can fail: a planted package breaks every rule once."""
    _write_package(
        tmp_path,
        {
            "planted_api/__init__.py": (
                "import importlib\n"
                "from . import space\n"
                "from .shown import listed, shadowed\n"
                "shadowed = 'another object'\n"
                "__all__ = ['clash', 'listed', 'listed', 'lazy_ghost', 'shadowed', 'space']\n"
                "def __getattr__(name):\n"
                "    if name in ('clash', 'lazy_ghost'):\n"
                "        module = {'clash': '.clash', 'lazy_ghost': '.shown'}[name]\n"
                "        return getattr(importlib.import_module(module, __name__), name)\n"
                "    raise AttributeError(name)\n"
            ),
            "planted_api/shown.py": (
                "__all__ = ['listed', 'forgotten', 'shadowed']\n"
                "listed = forgotten = object()\nshadowed = object()\n"
            ),
            "planted_api/bare.py": "x = 1\n",
            "planted_api/clash.py": "__all__ = ['clash']\ndef clash(): pass\n",  # as deploy was
            "planted_api/space.py": "__all__ = ['q1']\nq1 = 1\n",  # a namespace: allowed
            "planted_api/tool.py": "import sys\n",  # an exempt entry point: allowed
            "planted_api/_private.py": "__all__ = ['hidden']\nhidden = 1\n",  # private: allowed
            "planted_api/copy.py": "from .shown import listed\n__all__ = ['listed']\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        package = importlib.import_module("planted_api")
        problems = api_problems(package, {"planted_api.tool": "a tool's file"})
        duplicates = duplicate_listings(["planted_api.shown", "planted_api.copy"])
    finally:
        for name in [n for n in sys.modules if n.split(".")[0] == "planted_api"]:
            del sys.modules[name]
    assert problems == [
        "planted_api.__all__ lists 'listed' twice",
        "planted_api.__all__ lists 'lazy_ghost', which does not resolve",
        "planted_api.bare has no __all__ (or is it an entry point? say so)",
        "planted_api.clash is a module and a name it lists: once the module is imported, "
        "planted_api.clash is the module",
        "planted_api.shown lists 'forgotten' in __all__, planted_api.__all__ does not",
        "planted_api.shadowed is not planted_api.shown.shadowed",
    ]
    assert duplicates == ["listed is listed by planted_api.shown, planted_api.copy"]


# ---------------------------------------------------------------------------------------------
# Lessons import only public names


def lesson_files() -> list[Path]:
    return sorted(LESSONS.glob("[0-9][0-9]*.ipynb"))


def code_cells(path: Path) -> Iterator[tuple[int, str]]:
    """(cell index, source) of each code cell, IPython's ``%magic`` and ``!shell`` lines blanked."""
    notebook = json.loads(path.read_text("utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            lines = "".join(cell["source"]).splitlines()
            magic = ("%", "!")
            yield index, "\n".join("" if x.lstrip().startswith(magic) else x for x in lines)


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _public_unit(name: str) -> bool:
    """``companion`` itself, one of its sub-packages or one of its public top-level modules."""
    parts = name.split(".")
    return parts[0] == "companion" and len(parts) <= 2 and not any(p.startswith("_") for p in parts)


class _ImportScan:
    """Walks one cell: its companion imports, then attributes read from imported modules."""

    def __init__(self, entry_points: Mapping[str, str]) -> None:
        self.entry_points = entry_points
        self.problems: list[str] = []
        self.modules: dict[str, str] = {}  # local name -> the companion module it is bound to

    def module_path_ok(self, module: str, line: int) -> bool:
        if module in self.entry_points or _public_unit(module):
            return True
        self.problems.append(f"line {line}: imports {module}, a module below a sub-package")
        return False

    def visit_import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] != "companion":
                continue
            if self.module_path_ok(alias.name, node.lineno) and alias.asname:
                self.modules[alias.asname] = alias.name

    def visit_import_from(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module or node.module.split(".")[0] != "companion":
            return
        if self.module_path_ok(node.module, node.lineno):
            for alias in node.names:
                self.bind(node.module, alias, node.lineno)

    def bind(self, module_name: str, alias: ast.alias, line: int) -> None:
        module = importlib.import_module(module_name)
        full, local = f"{module_name}.{alias.name}", alias.asname or alias.name
        if alias.name.startswith("_"):
            self.problems.append(f"line {line}: imports the private name {full}")
        elif full in self.entry_points or (_public_unit(full) and _is_module(full)):
            self.modules[local] = full
        elif alias.name not in getattr(module, "__all__", []):
            self.problems.append(
                f"line {line}: imports {full}, which {module_name}.__all__ does not list"
            )
        elif isinstance(getattr(module, alias.name), ModuleType):
            self.modules[local] = full  # a namespace module: companion.exercises.lesson03

    def visit_attribute(self, node: ast.Attribute) -> None:
        if not isinstance(node.value, ast.Name) or node.value.id not in self.modules:
            return
        module = self.modules[node.value.id]
        if module in self.entry_points:
            return
        if node.attr not in getattr(importlib.import_module(module), "__all__", []):
            self.problems.append(
                f"line {node.lineno}: reads {module}.{node.attr}, which {module}.__all__ "
                "does not list"
            )


def import_problems(source: str, entry_points: Mapping[str, str]) -> list[str]:
    """Imports of companion in ``source`` that reach past a sub-package's public API."""
    tree = ast.parse(source)
    scan = _ImportScan(entry_points)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            scan.visit_import(node)
        elif isinstance(node, ast.ImportFrom):
            scan.visit_import_from(node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            scan.visit_attribute(node)
    return scan.problems


@pytest.mark.parametrize("path", lesson_files(), ids=lambda p: p.stem)
def test_lessons_import_only_public_names(path: Path) -> None:
    problems = [
        f"cell {index}, {problem}"
        for index, source in code_cells(path)
        for problem in import_problems(source, ENTRY_POINTS)
    ]
    assert problems == []


def test_the_import_scan_fails_on_each_kind_of_reach_past_the_api() -> None:
    source = (
        "from companion.monitoring.periods import utc_today\n"
        "from companion.monitoring import periods\n"
        "from companion.costs import _validate\n"
        "import companion.serverless.deploy as deploy\n"
        "from companion import scenario\n"
        "scenario._private_total\n"
        "from companion.exercises import lesson03 as ex\n"
        "ex.q1, ex.not_an_exercise\n"
    )
    assert import_problems(source, ENTRY_POINTS) == [
        "line 1: imports companion.monitoring.periods, a module below a sub-package",
        "line 2: imports companion.monitoring.periods, which companion.monitoring.__all__ does "
        "not list",
        "line 3: imports the private name companion.costs._validate",
        "line 4: imports companion.serverless.deploy, a module below a sub-package",
        "line 6: reads companion.scenario._private_total, which companion.scenario.__all__ does "
        "not list",
        "line 8: reads companion.exercises.lesson03.not_an_exercise, which "
        "companion.exercises.lesson03.__all__ does not list",
    ]
    clean = (
        "from companion.monitoring import lesson_month, utc_today\n"
        "import companion.costs as costs\ncosts.serverless_cost\n"
        "from companion.serverless import handler as lambda_module\nlambda_module.APP\n"
    )
    assert import_problems(clean, ENTRY_POINTS) == []


# ---------------------------------------------------------------------------------------------
# The maps: README (sub-package, lessons, tests) and companion/__init__'s docstring

MAP_START, MAP_END = "<!-- api-map:start -->", "<!-- api-map:end -->"
_LINK = re.compile(r"\[[^\]]*\]\(([^)]+)\)")


def companion_units(source: str) -> set[str]:
    """The sub-packages and top-level modules of companion (``companion.costs``,
    ``companion.scenario``) that ``source`` imports; a name of ``companion.__all__`` counts as
    ``companion``."""
    units: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module]
            if node.module == "companion":
                names = [
                    "companion" if a.name in companion.__all__ else f"companion.{a.name}"
                    for a in node.names
                ]
        else:
            continue
        units |= {".".join(n.split(".")[:2]) for n in names if n.split(".")[0] == "companion"}
    return units


def lesson_units() -> dict[str, set[str]]:
    """Each lesson file's name -> the companion units its code cells import."""
    return {
        path.name: set().union(*(companion_units(s) for _, s in code_cells(path)))
        for path in lesson_files()
    }


def readme_map(readme: str) -> dict[str, tuple[list[str], list[str]]]:
    """The README's map: unit -> (lesson links, test links), in the README's order."""
    assert MAP_START in readme and MAP_END in readme, "README.md lost its api-map markers"
    rows: dict[str, tuple[list[str], list[str]]] = {}
    for line in readme.split(MAP_START)[1].split(MAP_END)[0].strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        unit = re.search(r"`(companion(?:\.\w+)?)`", cells[0])
        assert unit and len(cells) == 4, f"a README map row that does not parse: {line}"
        rows[unit.group(1)] = (_LINK.findall(cells[2]), _LINK.findall(cells[3]))
    return rows


def expected_lessons_cell(unit: str, units: Mapping[str, set[str]]) -> str:
    names = [name for name, used in units.items() if unit in used]
    return ", ".join(f"[{n.split('_')[0]}](lessons/{n})" for n in names) or "none"


def _imports_unit(test_file: Path, unit: str) -> bool:
    units = companion_units(test_file.read_text("utf-8"))
    return unit in units or any(u.startswith(unit + ".") for u in units)


def readme_map_problems(readme: str) -> list[str]:
    """Where the README's map disagrees with the package, the lessons' imports or the files."""
    rows, units = readme_map(readme), lesson_units()
    wanted = {f"companion.{s}" for s in subpackages()} | set().union(*units.values())
    problems = [f"{unit}: no row" for unit in sorted(wanted - set(rows))]
    for unit, (lessons, tests) in rows.items():
        if sorted(Path(link).name for link in lessons) != sorted(
            name for name, used in units.items() if unit in used
        ):
            problems.append(
                f"{unit}: the lessons column should read {expected_lessons_cell(unit, units)}"
            )
        for link in [*lessons, *tests]:
            if not (ROOT / link).is_file():
                problems.append(f"{unit}: {link} does not exist")
            elif link in tests and not _imports_unit(ROOT / link, unit):
                problems.append(f"{unit}: {link} does not import it")
        if not tests:
            problems.append(f"{unit}: no test named")
    return problems


def test_the_readme_map_matches_the_lessons_imports_and_names_files_that_exist() -> None:
    assert readme_map_problems((ROOT / "README.md").read_text("utf-8")) == []


def test_the_readme_map_check_fails_on_each_kind_of_drift() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    rows = readme.split(MAP_START)[1].split(MAP_END)[0]
    loadtest_row = next(line for line in rows.splitlines() if "`companion.loadtest`" in line)
    drifted = {
        "companion.loadtest: no row": readme.replace(loadtest_row + "\n", ""),
        "companion.loadtest: the lessons column should read": readme.replace(
            loadtest_row, loadtest_row.replace("[04b](lessons/04b_hpa_simulation.ipynb)", "")
        ),
        "companion.loadtest: tests/test_gone.py does not exist": readme.replace(
            loadtest_row, loadtest_row.replace("tests/test_loadtest.py", "tests/test_gone.py")
        ),
        "companion.loadtest: tests/test_costs.py does not import it": readme.replace(
            loadtest_row, loadtest_row.replace("tests/test_loadtest.py", "tests/test_costs.py")
        ),
    }
    for expected, text in drifted.items():
        assert text != readme, expected
        assert any(p.startswith(expected) for p in readme_map_problems(text)), expected


def test_companion_init_maps_every_sub_package_and_module() -> None:
    doc = companion.__doc__ or ""
    units = [*subpackages(), *top_level_modules()]
    assert [u for u in units if f":mod:`companion.{u}`" not in doc] == []
