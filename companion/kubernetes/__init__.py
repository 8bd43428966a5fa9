"""Kubernetes manifests for the model server, rendered from one typed, checked config.

>>> config = ServingConfig(
...     name="sentiment",
...     image="ghcr.io/you/sentiment:1.4.2",
...     resources=Resources(cpu_request_millicores=1000, memory_request_mib=1024),
...     autoscaling=Autoscaling(min_replicas=2, max_replicas=8),
... )
>>> paths = write_manifests(config, "k8s")  # doctest: +SKIP

:class:`ServingConfig` rejects what could not work (unpinned images, a disruption budget that
blocks every drain, replica bounds the wrong way round) on construction;
:func:`validate_manifests` checks the rendered Deployment, Service, HorizontalPodAutoscaler
(``autoscaling/v2``, its ``behavior`` from :class:`companion.autoscaling.HPABehavior`) and
PodDisruptionBudget against the Kubernetes schema (:data:`KUBERNETES_VERSION`) before
:func:`write_manifests` writes a file. Needs the ``kubernetes`` extra (kubernetes-validate,
PyYAML).
"""

from __future__ import annotations

from .config import Autoscaling, DisruptionBudget, Resources, ServingConfig
from .exceptions import ManifestConfigError, ManifestError, ManifestValidationError
from .manifests import (
    KUBERNETES_VERSION,
    MANIFEST_FILES,
    render_manifests,
    supported_kubernetes_versions,
    to_yaml,
    validate_manifests,
    write_manifests,
)

__all__ = [
    "KUBERNETES_VERSION",
    "MANIFEST_FILES",
    "Autoscaling",
    "DisruptionBudget",
    "ManifestConfigError",
    "ManifestError",
    "ManifestValidationError",
    "Resources",
    "ServingConfig",
    "render_manifests",
    "supported_kubernetes_versions",
    "to_yaml",
    "validate_manifests",
    "write_manifests",
]
