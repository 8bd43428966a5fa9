"""The same rollout plan as an Argo Rollouts canary: a ``Rollout`` and its ``AnalysisTemplate``.

:func:`to_argo_rollout` turns a :class:`~companion.experiments.rollout.RolloutPlan` into two
``argoproj.io/v1alpha1`` documents:

* an ``AnalysisTemplate`` with three Prometheus metrics on the course server's own metrics
  (:mod:`companion.serving.metrics`): the candidate's error-rate increase over the stable
  version (``http_requests_total{path,method,status}``), its p95 latency ratio
  (``histogram_quantile(0.95, ...)`` of ``http_request_duration_seconds_bucket{path}``), and
  its request count (the plan's ``min_samples_per_stage``). Pods of each version are told
  apart by the ``rollouts-pod-template-hash`` label Argo puts on them, passed in as the
  ``canary-hash`` (``podTemplateHashValue: Latest``) and ``stable-hash`` (``Stable``) args;
  Prometheus must copy that pod label onto the series (the usual ``labelmap`` relabelling of
  ``__meta_kubernetes_pod_label_*`` gives ``rollouts_pod_template_hash``);
* a ``Rollout`` whose ``spec.strategy.canary.steps`` are, for each stage below 100 %,
  ``setWeight``, ``pause: {duration: "<min_stage_seconds>s"}`` and an ``analysis`` step using
  the template, then a final ``setWeight: 100``: promotion. Its pod template is the lesson-04
  Deployment's (:func:`companion.kubernetes.render_manifests`): same probes, resources,
  security context.

How the plan maps onto Argo's analysis (``analysis/analysis.go`` at the pinned release): each
analysis step starts an AnalysisRun, which ends Successful (the rollout continues), Failed
(abort: candidate weight back to 0) or Inconclusive (the rollout pauses for a human), the
same three outcomes as :class:`~companion.experiments.rollout.RolloutController`'s promote,
rollback and halt. Each metric measures every ``analysis_interval_seconds``;
``consecutiveSuccessLimit: 1`` makes its first passing measurement a success;
``failureLimit: failure_limit - 1`` fails it at the ``failure_limit``-th failed measurement
(Argo fails when ``failed > failureLimit``); ``count`` measurements, filling the time from
``min_stage_seconds`` to ``max_stage_seconds``, end it Inconclusive when neither limit was
reached. A measurement with no data (NaN) matches neither condition: Inconclusive, a pause.

**Argo's analysis is a threshold check, not the statistics of** :mod:`.rollout`: it compares
one noisy number with the margin at each measurement, with no interval, no correction for
looking every minute, and no sample-ratio check. The ``candidate-requests`` metric keeps a run
from succeeding before ``min_samples_per_stage`` candidate requests, but a threshold metric
that passed on an early, small sample stays passed. Use the simulation
(:mod:`companion.experiments.simulation`) to see what the sequential rules decide on the same
traffic, and keep the margins wide enough that noise alone does not trip them.

Without a ``trafficRouting`` (a service mesh or ingress), Argo approximates each weight by pod
counts, so the default ``replicas`` is the smallest count that makes every step exact (20 for
5/25/50 %); with traffic routing the weights are exact at any replica count.

:func:`validate_argo_rollout` checks the documents: the pod template against the Kubernetes
schema (:func:`companion.kubernetes.validate_manifests`, on a Deployment wrapping it), and the
Rollout and AnalysisTemplate against Argo's own CRD ``openAPIV3Schema`` (kubernetes-validate
has no CRD schemas), stored in ``data/argo_rollouts_crd_schemas.json`` from Argo Rollouts
:data:`ARGO_ROLLOUTS_VERSION` (Apache-2.0; the pod template and the Job provider subtrees are
pruned there, see its ``_source``).
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from companion.kubernetes import (
    KUBERNETES_VERSION,
    Autoscaling,
    ManifestError,
    ManifestValidationError,
    Resources,
    ServingConfig,
    render_manifests,
    validate_manifests,
)
from companion.kubernetes._report import describe_document, error_line, format_path

from .exceptions import RolloutError
from .rollout import RolloutPlan

__all__ = [
    "ARGO_API_VERSION",
    "ARGO_ROLLOUTS_VERSION",
    "DEFAULT_PROMETHEUS_ADDRESS",
    "ArgoValidationError",
    "exact_replicas",
    "to_argo_rollout",
    "validate_argo_rollout",
]

ARGO_API_VERSION: Final = "argoproj.io/v1alpha1"
ARGO_ROLLOUTS_VERSION: Final = "v1.9.1"
"""The Argo Rollouts release whose CRD schemas the documents are validated against."""
DEFAULT_PROMETHEUS_ADDRESS: Final = "http://prometheus.monitoring.svc.cluster.local:9090"
POD_HASH_LABEL: Final = "rollouts_pod_template_hash"
"""The Prometheus label holding Argo's ``rollouts-pod-template-hash`` pod label."""

_SCHEMA_FILE = "argo_rollouts_crd_schemas.json"
_CANARY_ARG = "canary-hash"
_STABLE_ARG = "stable-hash"
_PREDICT_PATH = "/predict"


class ArgoValidationError(RolloutError):
    """The Argo documents do not match the Argo CRD schemas or the Kubernetes pod schema.

    ``errors`` lists every problem as ``"Kind/name: path: message"``, e.g.
    ``"Rollout/sentiment: spec.strategy.canary.steps[0].setWeight: 'five' is not of type
    'integer'"``.
    """

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors: list[str] = list(errors)
        count = len(self.errors)
        listing = "\n".join(f"  - {error}" for error in self.errors)
        super().__init__(
            f"{count} schema error{'s' if count != 1 else ''} against Argo Rollouts "
            f"{ARGO_ROLLOUTS_VERSION} CRDs / Kubernetes pod schema:\n{listing}"
        )


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def exact_replicas(plan: RolloutPlan) -> int:
    """The fewest replicas at which every step's weight is a whole number of pods
    (100 / gcd of the steps: 20 for 5/25/50/100)."""
    if not isinstance(plan, RolloutPlan):
        raise RolloutError(f"plan must be a RolloutPlan, got {type(plan).__name__}")
    return 100 // math.gcd(100, *plan.steps_percent)


def _duration(seconds: float) -> str:
    """Argo's duration string: ``600`` → ``"600s"``, ``0.5`` → ``"0.5s"``."""
    return f"{seconds:g}s" if seconds != int(seconds) else f"{int(seconds)}s"


def _selector(pod_hash_label: str, arg: str, *extra: str) -> str:
    matchers = [
        f'path="{_PREDICT_PATH}"',
        'method="POST"',
        f'{pod_hash_label}="{{{{args.{arg}}}}}"',
    ]
    return "{" + ", ".join([*matchers, *extra]) + "}"


def _error_rate(pod_hash_label: str, arg: str, window: str) -> str:
    errors = _selector(pod_hash_label, arg, 'status=~"5.."')
    requests = _selector(pod_hash_label, arg)
    return (
        f"((sum(rate(http_requests_total{errors}[{window}])) or vector(0))"
        f" / sum(rate(http_requests_total{requests}[{window}])))"
    )


def _p95(pod_hash_label: str, arg: str, window: str) -> str:
    selector = "{" + f'path="{_PREDICT_PATH}", {pod_hash_label}="{{{{args.{arg}}}}}"' + "}"
    return (
        "histogram_quantile(0.95, sum by (le) "
        f"(rate(http_request_duration_seconds_bucket{selector}[{window}])))"
    )


def _metric(
    plan: RolloutPlan,
    name: str,
    query: str,
    success: str,
    failure: str,
    address: str,
    count: int,
    inconclusive_limit: int | None = None,
) -> dict[str, Any]:
    metric: dict[str, Any] = {
        "name": name,
        "interval": _duration(plan.analysis_interval_seconds),
        "count": count,
        "consecutiveSuccessLimit": 1,
        "failureLimit": plan.failure_limit - 1,
    }
    if inconclusive_limit is not None:
        metric["inconclusiveLimit"] = inconclusive_limit
    metric["successCondition"] = success
    metric["failureCondition"] = failure
    metric["provider"] = {"prometheus": {"address": address, "query": query}}
    return metric


def _analysis_template(
    plan: RolloutPlan, name: str, namespace: str, address: str, pod_hash_label: str
) -> dict[str, Any]:
    window = _duration(plan.min_stage_seconds)
    count = max(
        1,
        math.ceil(
            (plan.max_stage_seconds - plan.min_stage_seconds) / plan.analysis_interval_seconds
        ),
    )
    margin = repr(float(plan.max_error_rate_increase))
    ratio = repr(float(plan.max_p95_latency_ratio))
    error_increase = (
        f"{_error_rate(pod_hash_label, _CANARY_ARG, window)}"
        f" - {_error_rate(pod_hash_label, _STABLE_ARG, window)}"
    )
    p95_ratio = (
        f"{_p95(pod_hash_label, _CANARY_ARG, window)} / {_p95(pod_hash_label, _STABLE_ARG, window)}"
    )
    requests = (
        f"sum(increase(http_requests_total{_selector(pod_hash_label, _CANARY_ARG)}[{window}]))"
    )
    samples = _metric(
        plan,
        "candidate-requests",
        requests,
        f"result[0] >= {plan.min_samples_per_stage}",
        # Never a failure: too little traffic yet is an inconclusive measurement, and only
        # `count` of them (the stage ran to max_stage_seconds) make the run Inconclusive.
        "false",
        address,
        count,
        inconclusive_limit=count,
    )
    return {
        "apiVersion": ARGO_API_VERSION,
        "kind": "AnalysisTemplate",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "args": [{"name": _CANARY_ARG}, {"name": _STABLE_ARG}],
            "metrics": [
                _metric(
                    plan,
                    "error-rate-increase",
                    error_increase,
                    f"result[0] <= {margin}",
                    f"result[0] > {margin}",
                    address,
                    count,
                ),
                _metric(
                    plan,
                    "p95-latency-ratio",
                    p95_ratio,
                    f"result[0] <= {ratio}",
                    f"result[0] > {ratio}",
                    address,
                    count,
                ),
                samples,
            ],
        },
    }


def _steps(plan: RolloutPlan, template_name: str) -> list[dict[str, Any]]:
    analysis = {
        "templates": [{"templateName": template_name}],
        "args": [
            {"name": _CANARY_ARG, "valueFrom": {"podTemplateHashValue": "Latest"}},
            {"name": _STABLE_ARG, "valueFrom": {"podTemplateHashValue": "Stable"}},
        ],
    }
    steps: list[dict[str, Any]] = []
    for percent in plan.analyzed_steps_percent:
        steps.append({"setWeight": percent})
        steps.append({"pause": {"duration": _duration(plan.min_stage_seconds)}})
        steps.append({"analysis": copy.deepcopy(analysis)})
    steps.append({"setWeight": plan.steps_percent[-1]})
    return steps


def to_argo_rollout(
    plan: RolloutPlan,
    *,
    name: str,
    image: str,
    container_port: int = 8080,
    namespace: str = "default",
    replicas: int | None = None,
    resources: Resources | None = None,
    model_version: str = "unversioned",
    prometheus_address: str = DEFAULT_PROMETHEUS_ADDRESS,
    pod_hash_label: str = POD_HASH_LABEL,
    kubernetes_version: str = KUBERNETES_VERSION,
) -> list[dict[str, Any]]:
    """The ``AnalysisTemplate`` (``<name>-canary-analysis``) and the ``Rollout``, in that order
    (apply the template first: the Rollout's analysis steps refer to it).

    Args:
        plan: Stages, pause length, analysis interval, margins and failure limit.
        name: The Rollout's name and ``app.kubernetes.io/name`` label (a DNS-1035 label).
        image: The server image, pinned by tag or digest (checked by
            :class:`companion.kubernetes.ServingConfig`).
        container_port: The port the server listens on.
        namespace: Namespace of both documents.
        replicas: Pods of the Rollout; default :func:`exact_replicas` (see the module docstring).
        resources: CPU and memory requests; default 1 CPU, 1 GiB.
        model_version: The ``app.kubernetes.io/version`` label and ``MODEL_VERSION``.
        prometheus_address: Where Argo's analysis queries Prometheus.
        pod_hash_label: The Prometheus label holding the pod's ``rollouts-pod-template-hash``.
        kubernetes_version: Picks version-dependent pod fields (as ``render_manifests``).

    Raises:
        RolloutError: a bad plan or replica count. ManifestConfigError: a bad name or image.
    """
    if not isinstance(plan, RolloutPlan):
        raise RolloutError(f"plan must be a RolloutPlan, got {type(plan).__name__}")
    if replicas is None:
        replicas = exact_replicas(plan)
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
        raise RolloutError(f"replicas must be a whole number >= 1, got {replicas!r}")
    for field_name, value in (
        ("prometheus_address", prometheus_address),
        ("pod_hash_label", pod_hash_label),
    ):
        if not isinstance(value, str) or not value or any(c.isspace() for c in value):
            raise RolloutError(
                f"{field_name} must be a non-empty string without spaces, got {value!r}"
            )
    config = ServingConfig(
        name=name,
        image=image,
        resources=resources or Resources(cpu_request_millicores=1000, memory_request_mib=1024),
        autoscaling=Autoscaling(min_replicas=2, max_replicas=max(2, replicas)),
        namespace=namespace,
        container_port=container_port,
        model_version=model_version,
    )
    deployment = render_manifests(config, kubernetes_version)[0]
    template_name = f"{name}-canary-analysis"
    rollout = {
        "apiVersion": ARGO_API_VERSION,
        "kind": "Rollout",
        "metadata": copy.deepcopy(deployment["metadata"]),
        "spec": {
            "replicas": replicas,
            "revisionHistoryLimit": 3,
            "selector": copy.deepcopy(deployment["spec"]["selector"]),
            "template": copy.deepcopy(deployment["spec"]["template"]),
            "strategy": {"canary": {"steps": _steps(plan, template_name)}},
        },
    }
    template = _analysis_template(
        plan, template_name, namespace, prometheus_address, pod_hash_label
    )
    return [template, rollout]


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@functools.cache
def _schemas() -> dict[str, Any]:
    text = (importlib.resources.files("companion.experiments") / "data" / _SCHEMA_FILE).read_text(
        encoding="utf-8"
    )
    data: dict[str, Any] = json.loads(text)
    return data


def argo_crd_schema(kind: str) -> dict[str, Any]:
    """A copy of the stored ``openAPIV3Schema`` of ``kind`` ("Rollout" or "AnalysisTemplate")."""
    schemas = _schemas()["schemas"]
    if kind not in schemas:
        raise RolloutError(f"kind must be one of {sorted(schemas)}, got {kind!r}")
    return copy.deepcopy(schemas[kind])


def _strict(schema: Any) -> Any:
    """The schema with ``additionalProperties: false`` on every object that lists its
    properties and does not keep unknown fields: what ``kubectl``'s strict field validation
    rejects (an API server without it silently drops unknown fields, typos included)."""
    if isinstance(schema, dict):
        result = {key: _strict(value) for key, value in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            result["additionalProperties"] = False
        return result
    if isinstance(schema, list):
        return [_strict(value) for value in schema]
    return schema


@functools.cache
def _validator(kind: str, strict: bool) -> Any:
    import jsonschema  # type: ignore[import-untyped]

    schema = argo_crd_schema(kind)
    return jsonschema.Draft7Validator(_strict(schema) if strict else schema)


def _pod_template_errors(
    document: Mapping[str, Any], label: str, kubernetes_version: str
) -> list[str]:
    spec = document.get("spec")
    if not isinstance(spec, Mapping) or not isinstance(spec.get("template"), Mapping):
        return []  # the CRD schema reports a missing or mistyped template
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    name = name if isinstance(name, str) and name else "rollout"
    wrapper = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"selector": spec.get("selector", {}), "template": spec["template"]},
    }
    try:
        validate_manifests([wrapper], kubernetes_version)
    except ManifestValidationError as error:
        prefix = f"Deployment/{name}: "
        return [
            f"{label}: {message.removeprefix(prefix)}"
            for message in error.errors
            if message.removeprefix(prefix).startswith("spec.template")
        ]
    return []


def validate_argo_rollout(
    documents: Sequence[Mapping[str, Any]],
    kubernetes_version: str = KUBERNETES_VERSION,
    strict: bool = True,
) -> None:
    """Check Argo documents against the Argo Rollouts CRD schemas, and each Rollout's pod
    template against the Kubernetes schema of ``kubernetes_version``.

    ``strict`` (the default) rejects fields the schemas do not list (a misspelled step key),
    as ``kubectl``'s strict field validation does. Raises one :class:`ArgoValidationError`
    listing every error of every document.
    """
    errors: list[str] = []
    for number, document in enumerate(documents, start=1):
        if not isinstance(document, Mapping):
            errors.append(f"document {number}: must be a mapping, got {type(document).__name__}")
            continue
        label = describe_document(document)
        kind, api_version = document.get("kind"), document.get("apiVersion")
        if api_version != ARGO_API_VERSION or kind not in ("Rollout", "AnalysisTemplate"):
            errors.append(
                f"{label}: apiVersion/kind: expected {ARGO_API_VERSION} Rollout or "
                f"AnalysisTemplate, got {api_version!r} {kind!r}"
            )
            continue
        validator = _validator(str(kind), strict)
        found = sorted(
            validator.iter_errors(dict(document)),
            key=lambda error: (format_path(error.absolute_path), error.message),
        )
        errors += [error_line(label, e) for e in found]
        if kind == "Rollout":
            try:
                errors += _pod_template_errors(document, label, kubernetes_version)
            except ManifestError as error:
                errors.append(f"{label}: spec.template: {error}")
    if errors:
        raise ArgoValidationError(errors)
