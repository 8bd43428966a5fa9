"""Errors raised by :mod:`companion.kubernetes`."""

from __future__ import annotations

from collections.abc import Iterable

from .._errors import CompanionError

__all__ = ["ManifestConfigError", "ManifestError", "ManifestValidationError"]


class ManifestError(CompanionError, ValueError):
    """Base class: the manifests could not be built, or would not be accepted by Kubernetes.

    Raised as itself for a Kubernetes version whose schemas are not bundled.
    """


class ManifestConfigError(ManifestError):
    """A :class:`~companion.kubernetes.ServingConfig` value that cannot describe a working
    deployment (a bad name, an unpinned image, replicas the disruption budget would block...).
    Raised on construction, so nothing is rendered or written from a bad config."""


class ManifestValidationError(ManifestError):
    """One or more documents do not match the Kubernetes OpenAPI schema.

    ``errors`` holds every problem found, across all documents, each as
    ``"Kind/name: path: message"``, e.g.
    ``"HorizontalPodAutoscaler/sentiment: spec.metrics[0].resource.target.averageUtilization:
    '70' is not of type 'integer', 'null'"``. ``kubernetes_version`` is the version validated.
    """

    def __init__(self, errors: Iterable[str], kubernetes_version: str) -> None:
        self.errors: list[str] = list(errors)
        self.kubernetes_version = kubernetes_version
        count = len(self.errors)
        listing = "\n".join(f"  - {error}" for error in self.errors)
        super().__init__(
            f"{count} schema error{'s' if count != 1 else ''} against Kubernetes "
            f"{kubernetes_version}:\n{listing}"
        )
