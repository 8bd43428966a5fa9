"""Errors raised by :mod:`companion.loadtest`."""

from __future__ import annotations

__all__ = ["LoadTestError"]


class LoadTestError(RuntimeError):
    """The load test could not run (server did not start, Locust failed or overran)."""
