"""One exception hierarchy (issue 15): every exception class companion defines derives from
companion.CompanionError, and keeps the built-in base it always had."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import companion
from companion import CompanionError

# Run code on import: the Lambda entry point builds its app, the locustfile monkey-patches the
# standard library for gevent (it runs only inside Locust).
SKIP = {
    "companion.serverless.lambda_function",
    "companion.__main__",
    "companion.loadtest.locustfile",
}


def companion_exceptions() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module_info in pkgutil.walk_packages(companion.__path__, "companion."):
        if module_info.name in SKIP:
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__.startswith("companion.") and not name.startswith("_")):  # fmt: skip
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[key] for key in sorted(found)]


EXCEPTIONS = companion_exceptions()


def test_the_walk_finds_the_package_s_exceptions() -> None:
    names = {cls.__name__ for cls in EXCEPTIONS}
    assert {"MonitoringError", "ManifestError", "RequestError", "ModelLoadError"} <= names
    assert len(EXCEPTIONS) >= 30


@pytest.mark.parametrize("cls", EXCEPTIONS, ids=lambda c: c.__name__)
def test_every_exception_is_a_companion_error(cls: type[BaseException]) -> None:
    assert issubclass(cls, CompanionError)


@pytest.mark.parametrize(
    ("dotted", "builtin"),
    [("companion.serving.contract.RequestError", ValueError),
     ("companion.monitoring.exceptions.MonitoringError", RuntimeError),
     ("companion.pricing.exceptions.UnknownPriceError", LookupError),
     ("companion.optimize.exceptions.AgreementError", AssertionError)],
)  # fmt: skip
def test_existing_except_clauses_keep_working(dotted: str, builtin: type[BaseException]) -> None:
    module, name = dotted.rsplit(".", 1)
    assert issubclass(getattr(importlib.import_module(module), name), builtin)
