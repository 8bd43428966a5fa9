"""Render the model server's Kubernetes manifests, validate them against the schema, write them.

:func:`render_manifests` turns one :class:`ServingConfig` into four documents (Deployment,
Service, HorizontalPodAutoscaler, PodDisruptionBudget); :func:`to_yaml` makes stable
multi-document YAML of them; :func:`validate_manifests` checks every document against the
OpenAPI schema of a Kubernetes version bundled with ``kubernetes-validate`` and reports every
error at once; :func:`write_manifests` does all three and writes files only when everything
passed.

``kubernetes-validate`` (and ``jsonschema`` under it) takes seconds to import, so it is imported
on the first validation, not with this module. Only its ``validate`` function is used, which
prints nothing and emits no warnings (its CLI helpers print); its version lookup compares
versions as strings, so the version asked for is checked against the bundled list here first.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ._report import describe_document, error_line, format_path
from .config import ServingConfig
from .exceptions import ManifestConfigError, ManifestError, ManifestValidationError

__all__ = [
    "KUBERNETES_VERSION",
    "MANIFEST_FILES",
    "render_manifests",
    "supported_kubernetes_versions",
    "to_yaml",
    "validate_manifests",
    "write_manifests",
]

# The version the course's manifests are rendered for and validated against.
KUBERNETES_VERSION = "1.34.0"
# One file per kind, in render order, plus all of them in ``all.yaml``.
MANIFEST_FILES: dict[str, str] = {
    "Deployment": "deployment.yaml",
    "Service": "service.yaml",
    "HorizontalPodAutoscaler": "hpa.yaml",
    "PodDisruptionBudget": "pdb.yaml",
}
ALL_FILE = "all.yaml"

# Fields newer than the oldest bundled schema, from the release whose default enables them:
# the preStop ``sleep`` action (PodLifecycleSleepAction: alpha, off in 1.29; beta, on in 1.30;
# GA in 1.34); the PDB's ``unhealthyPodEvictionPolicy`` (beta, on in 1.27; GA in 1.31).
# A schema may list a field whose feature gate is still off, so the schema alone is no guide.
NATIVE_SLEEP_SINCE = (1, 30)
UNHEALTHY_POD_EVICTION_POLICY_SINCE = (1, 27)

_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")
_PORT_NAME = "http"
_TMP_VOLUME = "tmp"


def _major_minor(kubernetes_version: str) -> tuple[int, int]:
    match = _VERSION.fullmatch(kubernetes_version) if isinstance(kubernetes_version, str) else None
    if match is None:
        raise ManifestError(
            f"kubernetes_version must look like '1.34.0' or '1.34', got {kubernetes_version!r}"
        )
    return int(match.group(1)), int(match.group(2))


def supported_kubernetes_versions() -> tuple[str, ...]:
    """The Kubernetes versions whose schemas ``kubernetes-validate`` bundles, oldest first."""
    from kubernetes_validate.utils import all_versions

    # all_versions() lists each version twice (its plain and its strict schema folders).
    return tuple(dict.fromkeys(all_versions()))


def _bundled_version(kubernetes_version: str) -> str:
    """The bundled schema version with the same major.minor, e.g. '1.34.2' -> '1.34.0'."""
    wanted = _major_minor(kubernetes_version)
    versions = supported_kubernetes_versions()
    for version in versions:
        if _major_minor(version) == wanted:
            return version
    raise ManifestError(
        f"kubernetes_version {kubernetes_version!r} has no bundled schema; kubernetes-validate "
        f"has {versions[0]} to {versions[-1]}"
    )


# -- rendering ------------------------------------------------------------------------------


def _metadata(config: ServingConfig) -> dict[str, Any]:
    return {"name": config.name, "namespace": config.namespace, "labels": config.common_labels}


def _http_get(path: str) -> dict[str, Any]:
    return {"path": path, "port": _PORT_NAME}


def _container(config: ServingConfig, minor: tuple[int, int]) -> dict[str, Any]:
    command = ["python", "-m", "companion", "serve", "--host", "0.0.0.0"]
    command += ["--port", str(config.container_port), "--threads", str(config.threads)]
    env = [
        {"name": "MODEL_VERSION", "value": config.model_version},
        {"name": "OMP_NUM_THREADS", "value": str(config.threads)},
    ]
    env += [{"name": key, "value": value} for key, value in config.env.items()]
    container: dict[str, Any] = {
        "name": config.name,
        "image": config.image,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "ports": [{"name": _PORT_NAME, "containerPort": config.container_port, "protocol": "TCP"}],
        "env": env,
        "resources": config.resources.to_manifest(),
        "startupProbe": {
            "httpGet": _http_get(config.liveness_path),
            "periodSeconds": config.startup_period_seconds,
            "timeoutSeconds": config.probe_timeout_seconds,
            "failureThreshold": config.startup_failure_threshold,
        },
        "readinessProbe": {
            "httpGet": _http_get(config.readiness_path),
            "periodSeconds": config.readiness_period_seconds,
            "timeoutSeconds": config.probe_timeout_seconds,
            "failureThreshold": config.probe_failure_threshold,
        },
        "livenessProbe": {
            "httpGet": _http_get(config.liveness_path),
            "periodSeconds": config.liveness_period_seconds,
            "timeoutSeconds": config.probe_timeout_seconds,
            "failureThreshold": config.probe_failure_threshold,
        },
    }
    if config.pre_stop_sleep_seconds > 0:
        seconds = config.pre_stop_sleep_seconds
        # The exec form needs a `sleep` binary in the image (distroless images have none).
        pre_stop = (
            {"sleep": {"seconds": seconds}}
            if minor >= NATIVE_SLEEP_SINCE
            else {"exec": {"command": ["sleep", str(seconds)]}}
        )
        container["lifecycle"] = {"preStop": pre_stop}
    container["securityContext"] = {
        "runAsNonRoot": True,
        "runAsUser": config.run_as_user,
        "runAsGroup": config.run_as_user,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": config.read_only_root_filesystem,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    if config.read_only_root_filesystem:
        container["volumeMounts"] = [{"name": _TMP_VOLUME, "mountPath": "/tmp"}]
    return container


def _deployment(config: ServingConfig, minor: tuple[int, int]) -> dict[str, Any]:
    pod_spec: dict[str, Any] = {
        # The server never calls the Kubernetes API: no token in the pod to steal.
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": config.termination_grace_period_seconds,
        "containers": [_container(config, minor)],
    }
    if config.read_only_root_filesystem:
        pod_spec["volumes"] = [{"name": _TMP_VOLUME, "emptyDir": {}}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(config),
        "spec": {
            # No "replicas": the HPA owns the count. With it, every `kubectl apply` would reset
            # the Deployment to that number under load, until the HPA's next sync.
            "selector": {"matchLabels": config.selector_labels},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {
                    "maxSurge": config.max_surge,
                    "maxUnavailable": config.max_unavailable,
                },
            },
            "template": {"metadata": {"labels": config.common_labels}, "spec": pod_spec},
        },
    }


def _service(config: ServingConfig) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(config),
        "spec": {
            "type": "ClusterIP",
            "selector": config.selector_labels,
            "ports": [
                {
                    "name": _PORT_NAME,
                    "port": config.service_port,
                    "targetPort": _PORT_NAME,
                    "protocol": "TCP",
                }
            ],
        },
    }


def _hpa(config: ServingConfig) -> dict[str, Any]:
    autoscaling = config.autoscaling
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _metadata(config),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": config.name},
            "minReplicas": autoscaling.min_replicas,
            "maxReplicas": autoscaling.max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {
                            "type": "Utilization",
                            "averageUtilization": autoscaling.target_cpu_utilization_percent,
                        },
                    },
                }
            ],
            "behavior": autoscaling.behavior.to_manifest(),
        },
    }


def _pdb(config: ServingConfig, minor: tuple[int, int]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        **config.disruption_budget.to_manifest(),
        "selector": {"matchLabels": config.selector_labels},
    }
    if minor >= UNHEALTHY_POD_EVICTION_POLICY_SINCE:
        # A pod that is not ready serves nothing; never let it block a node drain.
        spec["unhealthyPodEvictionPolicy"] = "AlwaysAllow"
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(config),
        "spec": spec,
    }


def render_manifests(
    config: ServingConfig, kubernetes_version: str = KUBERNETES_VERSION
) -> list[dict[str, Any]]:
    """The Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget, in that order.

    Plain dicts with a fixed key order (``apiVersion``, ``kind``, ``metadata``, ``spec``), fresh
    on every call. ``kubernetes_version`` picks version-dependent fields: the native preStop
    ``sleep`` action from 1.30 (``exec: sleep`` before), ``unhealthyPodEvictionPolicy`` from
    1.27. The Deployment has no ``replicas`` field, as the Kubernetes docs advise when an HPA
    manages it: the first apply starts one pod and the HPA raises it to ``min_replicas``.
    """
    if not isinstance(config, ServingConfig):
        raise ManifestConfigError(f"config must be a ServingConfig, got {type(config).__name__}")
    minor = _major_minor(kubernetes_version)
    return [_deployment(config, minor), _service(config), _hpa(config), _pdb(config, minor)]


# -- YAML ---------------------------------------------------------------------------------


class _NoAliasDumper(yaml.SafeDumper):  # type: ignore[misc]  # yaml is untyped here
    """Never writes ``&id001`` anchors for a dict that appears twice: manifests stay literal."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def to_yaml(documents: Iterable[Mapping[str, Any]]) -> str:
    """Multi-document YAML, each document starting with ``---``, keys in the dicts' order."""
    dumped: str = yaml.dump_all(
        [dict(document) for document in documents],
        Dumper=_NoAliasDumper,
        sort_keys=False,
        explicit_start=True,
        default_flow_style=False,
        allow_unicode=True,
    )
    return dumped


# -- validation ---------------------------------------------------------------------------


@functools.cache
def _validator(schema_dir: str, schema_file: str) -> Any:
    """A jsonschema validator built the way kubernetes-validate builds it, cached."""
    import json

    import jsonschema  # type: ignore[import-untyped]
    from referencing import Registry, Resource

    folder = (
        importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema" / schema_dir
    )
    schema = json.loads((folder / schema_file).read_text(encoding="utf-8"))
    definitions = json.loads((folder / "_definitions.json").read_text(encoding="utf-8"))
    registry: Registry[Any] = Resource.from_contents(definitions) @ (
        Resource.from_contents(schema) @ Registry()
    )
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _every_error(document: dict[str, Any], version: str, strict: bool, first: Any) -> list[Any]:
    """All schema errors in ``document``; kubernetes-validate itself stops at the first one.

    Rebuilds its validator from the same bundled files; should that layout ever change, falls
    back to the one error kubernetes-validate reported.
    """
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", str(document["apiVersion"]))
    schema_dir = f"v{version}-local" + ("-strict" if strict else "")
    try:
        validator = _validator(schema_dir, f"{str(document['kind']).lower()}-{api}.json")
        errors = list(validator.iter_errors(document))
    except Exception:
        errors = []
    if not errors:
        return [first]
    return sorted(errors, key=lambda error: (format_path(error.absolute_path), error.message))


def _document_errors(
    number: int, document: object, version: str, strict: bool, kubernetes_validate: Any
) -> list[str]:
    if not isinstance(document, dict):
        return [f"document {number}: (top level): must be a mapping, got {type(document).__name__}"]
    label = describe_document(document)
    missing = [key for key in ("apiVersion", "kind") if not isinstance(document.get(key), str)]
    if missing:
        return [f"{label}: {key}: required (a string) to pick a schema" for key in missing]
    try:
        kubernetes_validate.validate(document, version, strict)
    except kubernetes_validate.SchemaNotFoundError:
        return [
            f"{label}: apiVersion: Kubernetes {version} has no kind {document['kind']!r} in "
            f"{document['apiVersion']!r} (a misspelled kind, or an API version removed by then?)"
        ]
    except kubernetes_validate.ValidationError as error:
        return [error_line(label, each) for each in _every_error(document, version, strict, error)]
    return []


def validate_manifests(
    documents: Sequence[Mapping[str, Any]],
    kubernetes_version: str = KUBERNETES_VERSION,
    strict: bool = True,
) -> None:
    """Check every document against the OpenAPI schema of ``kubernetes_version``.

    ``strict`` (the default) also rejects fields the schema does not know, the usual sign of a
    typo (``replica:``) or a field too new for the version. Raises one
    :class:`ManifestValidationError` listing every error in every document as
    ``"Kind/name: path: message"``; raises :class:`ManifestError` for a version without
    bundled schemas. The schema does not check everything the API server does (label syntax,
    cross-field rules, and it lets most fields be ``null``); :class:`ServingConfig` checks those
    for rendered manifests.
    """
    version = _bundled_version(kubernetes_version)
    import kubernetes_validate

    errors: list[str] = []
    for number, document in enumerate(documents, start=1):
        errors += _document_errors(number, document, version, strict, kubernetes_validate)
    if errors:
        raise ManifestValidationError(errors, version)


def write_manifests(
    config: ServingConfig, folder: str | Path, kubernetes_version: str = KUBERNETES_VERSION
) -> list[Path]:
    """Render, validate, then write ``deployment.yaml``, ``service.yaml``, ``hpa.yaml``,
    ``pdb.yaml`` and ``all.yaml`` (all four) into ``folder``, creating it if needed.

    Nothing is written, and no folder created, unless every document passed validation.
    Returns the paths written, in that order; apply with ``kubectl apply -f <folder>/all.yaml``.
    """
    documents = render_manifests(config, kubernetes_version)
    validate_manifests(documents, kubernetes_version)
    contents = {MANIFEST_FILES[document["kind"]]: to_yaml([document]) for document in documents}
    contents[ALL_FILE] = to_yaml(documents)
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for filename, text in contents.items():
        path = target / filename
        path.write_text(text, encoding="utf-8", newline="\n")
        paths.append(path)
    return paths
