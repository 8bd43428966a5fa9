"""Exceptions raised by :mod:`companion.optimize`."""

from __future__ import annotations

from .._errors import CompanionError

__all__ = ["AgreementError", "IsolatedStepError", "ModelLoadError"]


class ModelLoadError(CompanionError, RuntimeError):
    """A model could not be loaded (offline without a local copy, a folder missing files, ...)."""


class AgreementError(CompanionError, AssertionError):
    """An optimized model disagrees with the reference beyond the allowed tolerance."""


class IsolatedStepError(CompanionError, RuntimeError):
    """A step run in its own process (:func:`companion.optimize.run_isolated`) failed."""
