"""Errors raised by :mod:`companion.loadtest`."""

from __future__ import annotations

from .._errors import CompanionError

__all__ = ["LoadTestError"]


class LoadTestError(CompanionError, RuntimeError):
    """The load test could not run (server did not start, Locust failed or overran)."""
