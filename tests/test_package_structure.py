"""Dependencies run one way (issue 15): the serving path owns the request contract and never
imports the Lambda package; light modules stay light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "companion"


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, relative imports resolved."""
    tree = ast.parse(path.read_text("utf-8"))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names.add(".".join([*base, *([node.module] if node.module else [])]))
            elif node.module:
                names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((PACKAGE / "serving").glob("*.py")), ids=lambda p: p.name)
def test_no_serving_module_imports_the_lambda_package(path: Path) -> None:
    assert not {n for n in imported_modules(path) if n.startswith("companion.serverless")}


def test_the_scan_sees_a_relative_import_of_serverless() -> None:
    """The check above can fail: a relative import of ..serverless resolves to it."""
    tree_file = PACKAGE / "serving" / "__probe__.py"
    try:
        tree_file.write_text("from ..serverless.app import InferenceApp\n", "utf-8")
        assert "companion.serverless.app" in imported_modules(tree_file)
    finally:
        tree_file.unlink()


@pytest.mark.parametrize(
    ("module", "must_not_import"),
    [
        ("companion.serverless.lambda_function", {"pandas", "scipy", "statsmodels", "matplotlib"}),
        ("companion.serving.server", {"pandas", "scipy", "statsmodels", "matplotlib", "boto3"}),
        ("companion.kubernetes", {"pandas", "scipy", "matplotlib"}),
        ("companion.experiments.assignment", {"scipy", "statsmodels", "matplotlib"}),
        # The package, its cost models, price catalog and CLI: none of the numeric stack (they
        # read Lambda's limits from companion._lambda_limits, not through companion.serverless)
        ("companion", {"numpy", "pandas", "scipy", "matplotlib"}),
        ("companion.costs", {"numpy", "pandas", "scipy", "matplotlib"}),
        ("companion.pricing", {"numpy", "pandas", "scipy", "matplotlib"}),
        ("companion.cli", {"numpy", "pandas", "scipy", "matplotlib"}),
    ],
)
def test_light_modules_do_not_import_heavy_libraries(
    module: str, must_not_import: set[str]
) -> None:
    code = (f"import sys, importlib; importlib.import_module({module!r}); "
            "print(','.join(sorted({n.split('.')[0] for n in sys.modules})))")  # fmt: skip
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert not must_not_import & set(loaded.stdout.strip().split(","))
