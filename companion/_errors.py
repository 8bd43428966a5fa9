"""The root of every error companion raises on purpose.

Each sub-package keeps its own exceptions (``MonitoringError``, ``ManifestError``, ...), and
each of their roots derives from :class:`CompanionError` as well as from the built-in class it
always had (``ValueError``, ``RuntimeError``, ...), so ``except CompanionError`` catches
anything the package raised deliberately and existing ``except ValueError`` code keeps working.
"""

from __future__ import annotations

__all__ = ["CompanionError"]


class CompanionError(Exception):
    """Base class of every exception ``companion`` defines."""
