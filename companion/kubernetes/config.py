"""One typed description of the model server on Kubernetes; every manifest is rendered from it.

Each dataclass checks its fields on construction and raises :class:`ManifestConfigError` naming
the field, the allowed range and the bad value, so a config that could not work (an unpinned
image, a disruption budget that blocks every drain, an HPA whose minimum exceeds its maximum)
never reaches YAML. What the OpenAPI schema cannot say (label syntax, cross-field rules) is
checked here; what it can say is checked again on the rendered documents by
:func:`companion.kubernetes.validate_manifests`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from companion import _checks
from companion.autoscaling.behavior import HPABehavior

from .exceptions import ManifestConfigError

__all__ = [
    "Autoscaling",
    "DisruptionBudget",
    "Resources",
    "ServingConfig",
]

NAME_MAX_CHARS = 63
MIN_CPU_REQUEST_MILLICORES = 100
PORT_RANGE = (1, 65535)
MAX_THREADS = 64
# Set from ServingConfig's own fields; a user value would silently disagree with them.
RESERVED_ENV_NAMES = frozenset({"MODEL_VERSION", "OMP_NUM_THREADS"})
NAME_LABEL = "app.kubernetes.io/name"
VERSION_LABEL = "app.kubernetes.io/version"
COMPONENT_LABEL = "app.kubernetes.io/component"
RESERVED_LABEL_KEYS = frozenset({NAME_LABEL, VERSION_LABEL, COMPONENT_LABEL})

# RFC 1035 label (Service names), RFC 1123 label (namespaces), as Kubernetes checks them.
_DNS_1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_DNS_1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PERCENT = re.compile(r"(0|[1-9][0-9]*)%")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_REPOSITORY_PATH = re.compile(r"[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*")
_REGISTRY_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]+)?")
_HTTP_PATH = re.compile(r"/[^\s]*")


def _whole(
    value: object, field_name: str, low: int, high: int | None = None, unit: str = ""
) -> int:
    """``value`` as an int in ``[low, high]``; anything else raises naming the field."""
    return _checks.whole(value, field_name, low, high, error=ManifestConfigError, unit=unit)


def _check_name(value: object, field_name: str, pattern: re.Pattern[str], rule: str) -> str:
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= NAME_MAX_CHARS
        or not pattern.fullmatch(value)
    ):
        raise ManifestConfigError(
            f"{field_name} must be {rule}: 1 to {NAME_MAX_CHARS} lowercase letters, digits "
            f"and '-', ending with a letter or digit, got {value!r}"
        )
    return value


def _check_label_value(value: object, field_name: str, *, allow_empty: bool) -> str:
    if (
        not isinstance(value, str)
        or len(value) > NAME_MAX_CHARS
        or not _LABEL_VALUE.fullmatch(value)
        or (not value and not allow_empty)
    ):
        raise ManifestConfigError(
            f"{field_name} must be a Kubernetes label value: at most {NAME_MAX_CHARS} letters, "
            f"digits, '-', '_' or '.', starting and ending with a letter or digit, got {value!r}"
        )
    return value


def _check_label_key(key: object) -> str:
    if not isinstance(key, str):
        raise ManifestConfigError(f"labels keys must be strings, got {key!r}")
    prefix, _, name = key.rpartition("/")
    prefix_ok = not prefix or (len(prefix) <= 253 and _DNS_1123_SUBDOMAIN.fullmatch(prefix))
    name_ok = 1 <= len(name) <= NAME_MAX_CHARS and _LABEL_VALUE.fullmatch(name)
    if not (prefix_ok and name_ok):
        raise ManifestConfigError(
            "labels keys must be an optional DNS subdomain prefix and '/', then 1 to "
            f"{NAME_MAX_CHARS} letters, digits, '-', '_' or '.' starting and ending with a "
            f"letter or digit, got {key!r}"
        )
    if key in RESERVED_LABEL_KEYS:
        raise ManifestConfigError(
            f"labels must not set {key!r}: it is derived from name, model_version and the "
            "component, and the selectors depend on it"
        )
    return key


def _check_image(image: object) -> str:
    """A registry reference pinned by tag or digest: ``repo:tag``, ``repo@sha256:...``."""
    if not isinstance(image, str) or not image or re.search(r"\s", image):
        raise ManifestConfigError(
            f"image must be a non-empty reference without whitespace, like "
            f"'ghcr.io/you/sentiment:1.4.2', got {image!r}"
        )
    reference, _, digest = image.partition("@")
    if digest and not _DIGEST.fullmatch(digest):
        raise ManifestConfigError(
            f"image digest must be 'sha256:' and 64 lowercase hex digits, got {digest!r} in {image!r}"
        )
    last_slash = reference.rfind("/")
    colon = reference.rfind(":")
    repository, tag = (
        (reference[:colon], reference[colon + 1 :]) if colon > last_slash else (reference, "")
    )
    host, _, path = repository.partition("/")
    if not (path and ("." in host or ":" in host or host == "localhost")):
        host, path = "", repository
    if (host and not _REGISTRY_HOST.fullmatch(host)) or not _REPOSITORY_PATH.fullmatch(path):
        raise ManifestConfigError(
            "image repository must be lowercase letters, digits and separators ('.', '_', '-', "
            f"'/'), optionally after a registry host, got {repository!r} in {image!r}"
        )
    if tag and not _TAG.fullmatch(tag):
        raise ManifestConfigError(
            f"image tag must be 1 to 128 letters, digits, '_', '.' or '-', got {tag!r} in {image!r}"
        )
    if not digest and tag in ("", "latest"):
        what = "an untagged image (which means ':latest')" if not tag else "the ':latest' tag"
        raise ManifestConfigError(
            f"image must be pinned by a version tag or a digest, got {image!r}: {what} can "
            "point at different code on every pull, so nodes may run different versions and "
            "rolling back to the previous manifest does not roll back the code. Pinned images "
            "make rollbacks real; use e.g. 'repo:1.4.2' or 'repo@sha256:...'"
        )
    return image


def _check_int_or_percent(value: object, field_name: str, max_percent: int | None) -> int:
    """The rollout value as written, returned as a count or percent for the both-zero check."""
    if isinstance(value, str):
        match = _PERCENT.fullmatch(value)
        if match and (max_percent is None or int(match.group(1)) <= max_percent):
            return int(match.group(1))
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    limit = f" up to {max_percent}%" if max_percent is not None else ""
    raise ManifestConfigError(
        f"{field_name} must be a whole number of pods >= 0 or a percentage string like "
        f"'25%'{limit}, got {value!r}"
    )


@dataclass(frozen=True)
class Resources:
    """CPU and memory for the server container, in millicores and MiB.

    Requests are what the scheduler reserves, and what the HPA measures utilization
    against (``usage / cpu_request``), so they are required. ``cpu_limit_millicores=None``
    (the default) sets no CPU limit: a latency service throttled by the CFS quota gets slow
    tail latencies even while the node has idle CPU, and the request already guarantees its
    share. ``memory_limit_mib`` defaults to the request: a container that outgrows it is
    OOM-killed and restarted, one pod, visible as ``OOMKilled``, instead of silently using
    memory the scheduler never reserved and pushing the node into memory pressure, where the
    kubelet evicts pods (possibly other services') to recover.
    """

    cpu_request_millicores: int
    memory_request_mib: int
    cpu_limit_millicores: int | None = None
    memory_limit_mib: int | None = None

    def __post_init__(self) -> None:
        cpu = _whole(
            self.cpu_request_millicores,
            "cpu_request_millicores",
            MIN_CPU_REQUEST_MILLICORES,
            unit="millicores",
        )
        memory = _whole(self.memory_request_mib, "memory_request_mib", 1, unit="MiB")
        if self.cpu_limit_millicores is not None:
            _whole(
                self.cpu_limit_millicores,
                "cpu_limit_millicores",
                cpu,
                unit=f"millicores (at least cpu_request_millicores={cpu}), or None for no limit",
            )
        if self.memory_limit_mib is None:
            object.__setattr__(self, "memory_limit_mib", memory)
        else:
            _whole(
                self.memory_limit_mib,
                "memory_limit_mib",
                memory,
                unit=f"MiB (at least memory_request_mib={memory})",
            )

    def to_manifest(self) -> dict[str, dict[str, str]]:
        """The container's ``resources`` field: ``"500m"`` CPU, ``"512Mi"`` memory."""
        limits: dict[str, str] = {}
        if self.cpu_limit_millicores is not None:
            limits["cpu"] = f"{self.cpu_limit_millicores}m"
        limits["memory"] = f"{self.memory_limit_mib}Mi"
        return {
            "requests": {
                "cpu": f"{self.cpu_request_millicores}m",
                "memory": f"{self.memory_request_mib}Mi",
            },
            "limits": limits,
        }


@dataclass(frozen=True)
class Autoscaling:
    """The HorizontalPodAutoscaler: replica bounds, the CPU target, and its ``behavior``.

    ``target_cpu_utilization_percent`` is average CPU usage over the CPU *request* (so 70
    means "add pods when they use 70 % of what they reserved"); the HPA needs the metrics
    server. Kubernetes would accept targets above 100 % when pods may burst past their
    request; here the target stays within 1 to 100 %, so there is always headroom.
    """

    min_replicas: int = 2
    max_replicas: int = 10
    target_cpu_utilization_percent: int = 70
    behavior: HPABehavior = field(default_factory=HPABehavior)

    def __post_init__(self) -> None:
        low = _whole(self.min_replicas, "min_replicas", 1, unit="replicas")
        high = _whole(self.max_replicas, "max_replicas", 1, unit="replicas")
        if low > high:
            raise ManifestConfigError(
                f"min_replicas ({low}) must be <= max_replicas ({high}): the HPA keeps the "
                "replica count between them"
            )
        _whole(
            self.target_cpu_utilization_percent,
            "target_cpu_utilization_percent",
            1,
            100,
            unit="% of the CPU request",
        )
        if not isinstance(self.behavior, HPABehavior):
            raise ManifestConfigError(
                "behavior must be a companion.autoscaling.HPABehavior, got "
                f"{type(self.behavior).__name__}"
            )


@dataclass(frozen=True)
class DisruptionBudget:
    """The PodDisruptionBudget: how many pods voluntary disruptions (node drains, cluster
    upgrades, autoscaler scale-downs) may take down at once. Set exactly one field; for
    ``min_available``, pass ``max_unavailable=None`` too.

    ``min_available`` must stay below the autoscaler's ``min_replicas``: at the minimum
    replica count, a budget demanding every pod stay up allows no eviction, and node drains
    wait forever. (Rolling updates do not go through the budget; ``ServingConfig.max_surge``
    and ``max_unavailable`` govern those.)
    """

    min_available: int | None = None
    max_unavailable: int | None = 1

    def __post_init__(self) -> None:
        if (self.min_available is None) == (self.max_unavailable is None):
            raise ManifestConfigError(
                "set exactly one of min_available and max_unavailable (pass the other as "
                f"None), got min_available={self.min_available!r}, "
                f"max_unavailable={self.max_unavailable!r}"
            )
        if self.min_available is not None:
            _whole(self.min_available, "min_available", 0, unit="pods")
        if self.max_unavailable is not None:
            _whole(
                self.max_unavailable,
                "max_unavailable",
                1,
                unit="pods (0 would block every voluntary eviction, so drains hang forever)",
            )

    def to_manifest(self) -> dict[str, int]:
        if self.min_available is not None:
            return {"minAvailable": self.min_available}
        assert self.max_unavailable is not None  # guaranteed by __post_init__
        return {"maxUnavailable": self.max_unavailable}


@dataclass(frozen=True)
class ServingConfig:
    """Everything the manifests say about the model server, checked on construction.

    The container runs ``python -m companion serve --host 0.0.0.0 --port <container_port>
    --threads <threads>`` with ``MODEL_VERSION`` and ``OMP_NUM_THREADS`` (= ``threads``) set,
    plus ``env``. ``name`` names the Deployment, Service, HPA and PodDisruptionBudget, and is
    the ``app.kubernetes.io/name`` label their selectors match; ``model_version`` becomes the
    ``app.kubernetes.io/version`` label (on the objects and pods, not in the selectors, which
    are immutable and must keep matching old pods during a rollout).

    Probes: readiness on ``readiness_path`` takes a pod out of the Service while it cannot
    answer; liveness on ``liveness_path`` restarts a wedged process; a startup probe on
    ``liveness_path`` holds the other two off while the model loads, for up to
    ``startup_failure_threshold * startup_period_seconds`` seconds.

    Shutdown: ``pre_stop_sleep_seconds`` keeps the pod serving after it is marked for deletion
    until the endpoint removal has reached every proxy; only then does SIGTERM arrive. The sleep
    counts against ``termination_grace_period_seconds``, which must leave time after it.

    ``run_as_user`` is the numeric UID the container runs as (``runAsNonRoot`` needs a numeric
    user to verify); with ``read_only_root_filesystem`` an empty ``/tmp`` is mounted writable.
    """

    name: str
    image: str
    resources: Resources
    autoscaling: Autoscaling
    namespace: str = "default"
    container_port: int = 8080
    service_port: int = 80
    threads: int = 2
    model_version: str = "unversioned"
    env: Mapping[str, str] = field(default_factory=dict, hash=False)
    disruption_budget: DisruptionBudget = field(default_factory=DisruptionBudget)
    max_surge: int | str = "25%"
    max_unavailable: int | str = 0
    readiness_path: str = "/readyz"
    liveness_path: str = "/healthz"
    readiness_period_seconds: int = 5
    liveness_period_seconds: int = 10
    probe_timeout_seconds: int = 2
    probe_failure_threshold: int = 3
    startup_period_seconds: int = 5
    startup_failure_threshold: int = 60
    termination_grace_period_seconds: int = 30
    pre_stop_sleep_seconds: int = 5
    run_as_user: int = 10001
    read_only_root_filesystem: bool = True
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        _check_name(
            self.name,
            "name",
            _DNS_1035_LABEL,
            "a DNS-1035 label (it names the Service, so it must start with a letter)",
        )
        _check_name(self.namespace, "namespace", _DNS_1123_LABEL, "a DNS-1123 label")
        _check_image(self.image)
        if not isinstance(self.resources, Resources):
            raise ManifestConfigError(
                "resources must be a Resources(cpu_request_millicores=..., memory_request_mib=...), "
                f"got {self.resources!r}: every container needs CPU and memory requests; the HPA "
                "computes utilization against the CPU request, and the scheduler places pods by them"
            )
        if not isinstance(self.autoscaling, Autoscaling):
            raise ManifestConfigError(
                f"autoscaling must be an Autoscaling(...), got {self.autoscaling!r}"
            )
        budget = self.disruption_budget
        if not isinstance(budget, DisruptionBudget):
            raise ManifestConfigError(
                f"disruption_budget must be a DisruptionBudget(...), got {budget!r}"
            )
        min_replicas = self.autoscaling.min_replicas
        if budget.min_available is not None and budget.min_available >= min_replicas:
            raise ManifestConfigError(
                f"disruption_budget.min_available ({budget.min_available}) must be < "
                f"autoscaling.min_replicas ({min_replicas}): at the minimum replica count no pod "
                "could ever be evicted, so node drains and cluster upgrades would block forever"
            )
        _whole(self.container_port, "container_port", *PORT_RANGE)
        _whole(self.service_port, "service_port", *PORT_RANGE)
        _whole(self.threads, "threads", 1, MAX_THREADS, unit="threads")
        _check_label_value(self.model_version, "model_version", allow_empty=False)
        object.__setattr__(self, "env", self._checked_env())
        surge = _check_int_or_percent(self.max_surge, "max_surge", None)
        unavailable = _check_int_or_percent(self.max_unavailable, "max_unavailable", 100)
        if surge == 0 and unavailable == 0:
            raise ManifestConfigError(
                f"max_surge ({self.max_surge!r}) and max_unavailable ({self.max_unavailable!r}) "
                "cannot both be 0: a rolling update could neither add a new pod nor remove an old one"
            )
        for path_field in ("readiness_path", "liveness_path"):
            path = getattr(self, path_field)
            if not isinstance(path, str) or not _HTTP_PATH.fullmatch(path):
                raise ManifestConfigError(
                    f"{path_field} must be an HTTP path starting with '/' without whitespace, "
                    f"got {path!r}"
                )
        for seconds_field in (
            "readiness_period_seconds",
            "liveness_period_seconds",
            "probe_timeout_seconds",
            "startup_period_seconds",
        ):
            _whole(getattr(self, seconds_field), seconds_field, 1, 3600, unit="seconds")
        _whole(self.probe_failure_threshold, "probe_failure_threshold", 1, 100)
        _whole(self.startup_failure_threshold, "startup_failure_threshold", 1, 10_000)
        sleep = _whole(self.pre_stop_sleep_seconds, "pre_stop_sleep_seconds", 0, unit="seconds")
        _whole(
            self.termination_grace_period_seconds,
            "termination_grace_period_seconds",
            sleep + 1,
            unit=(
                f"seconds (more than pre_stop_sleep_seconds={sleep}: the preStop sleep counts "
                "against the grace period, and the server needs time to drain after SIGTERM)"
            ),
        )
        _whole(self.run_as_user, "run_as_user", 1, 2**31 - 1, unit="(0 is root)")
        if not isinstance(self.read_only_root_filesystem, bool):
            raise ManifestConfigError(
                f"read_only_root_filesystem must be True or False, got {self.read_only_root_filesystem!r}"
            )
        object.__setattr__(self, "labels", self._checked_labels())

    def _checked_env(self) -> dict[str, str]:
        if not isinstance(self.env, Mapping):
            raise ManifestConfigError(f"env must be a mapping of str to str, got {self.env!r}")
        checked: dict[str, str] = {}
        # Sorted, so equal configs render byte-identical pod templates (no spurious rollouts).
        for key, value in sorted(self.env.items(), key=lambda item: str(item[0])):
            if not isinstance(key, str) or not _ENV_NAME.fullmatch(key):
                raise ManifestConfigError(
                    "env names must be C identifiers (a letter or '_', then letters, digits or "
                    f"'_'), got {key!r}"
                )
            if key in RESERVED_ENV_NAMES:
                raise ManifestConfigError(
                    f"env must not set {key}: it is derived from "
                    f"{'model_version' if key == 'MODEL_VERSION' else 'threads'}; set that instead"
                )
            if not isinstance(value, str):
                raise ManifestConfigError(f"env[{key!r}] must be a string, got {value!r}")
            checked[key] = value
        return checked

    def _checked_labels(self) -> dict[str, str]:
        if not isinstance(self.labels, Mapping):
            raise ManifestConfigError(
                f"labels must be a mapping of str to str, got {self.labels!r}"
            )
        return {
            _check_label_key(key): _check_label_value(value, f"labels[{key!r}]", allow_empty=True)
            for key, value in sorted(self.labels.items(), key=lambda item: str(item[0]))
        }

    @property
    def startup_budget_seconds(self) -> int:
        """How long the model may take to load before the startup probe restarts the pod."""
        return self.startup_failure_threshold * self.startup_period_seconds

    @property
    def selector_labels(self) -> dict[str, str]:
        """What the Deployment, Service and PodDisruptionBudget select pods by."""
        return {NAME_LABEL: self.name}

    @property
    def common_labels(self) -> dict[str, str]:
        """The labels on every object and pod: name, version, component, then ``labels``."""
        return {
            NAME_LABEL: self.name,
            VERSION_LABEL: self.model_version,
            COMPONENT_LABEL: "model-server",
            **self.labels,
        }
