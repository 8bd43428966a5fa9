"""Kubernetes manifests for the model server: one typed config in, schema-valid YAML out."""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from companion.autoscaling import HPABehavior, ScalingPolicy, ScalingRules
from companion.kubernetes import (
    KUBERNETES_VERSION,
    MANIFEST_FILES,
    Autoscaling,
    DisruptionBudget,
    ManifestConfigError,
    ManifestError,
    ManifestValidationError,
    Resources,
    ServingConfig,
    render_manifests,
    supported_kubernetes_versions,
    to_yaml,
    validate_manifests,
    write_manifests,
)
from companion.kubernetes import manifests as manifests_module

OLDER_VERSION = "1.30.0"
BASE: dict[str, Any] = {
    "name": "sentiment",
    "image": "ghcr.io/run-ml-for-pennies/sentiment:1.4.2",
    "resources": Resources(cpu_request_millicores=500, memory_request_mib=512),
    "autoscaling": Autoscaling(min_replicas=2, max_replicas=8, target_cpu_utilization_percent=60),
}


def make(**overrides: Any) -> ServingConfig:
    return ServingConfig(**{**BASE, **overrides})


def by_kind(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {document["kind"]: document for document in documents}


def container_of(documents: list[dict[str, Any]]) -> dict[str, Any]:
    container: dict[str, Any] = by_kind(documents)["Deployment"]["spec"]["template"]["spec"][
        "containers"
    ][0]
    return container


@pytest.fixture
def documents() -> list[dict[str, Any]]:
    return render_manifests(make())


# -- versions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [KUBERNETES_VERSION, OLDER_VERSION])
def test_the_stated_versions_have_bundled_schemas(version: str) -> None:
    assert version in supported_kubernetes_versions()


@pytest.mark.parametrize(
    ("version", "pre_stop", "unhealthy_pod_eviction_policy"),
    [
        # oldest bundled: no native sleep, no unhealthyPodEvictionPolicy yet
        ("1.25.0", {"exec": {"command": ["sleep", "5"]}}, False),
        # sleep is in the 1.29 schema, but its feature gate is still off by default
        ("1.29.0", {"exec": {"command": ["sleep", "5"]}}, True),
        (OLDER_VERSION, {"sleep": {"seconds": 5}}, True),
        (KUBERNETES_VERSION, {"sleep": {"seconds": 5}}, True),
    ],
)
def test_rendered_manifests_pass_strict_validation_for_each_version(
    version: str, pre_stop: dict[str, Any], unhealthy_pod_eviction_policy: bool
) -> None:
    documents = render_manifests(make(), version)
    validate_manifests(documents, version, strict=True)
    assert container_of(documents)["lifecycle"] == {"preStop": pre_stop}
    pdb_spec = by_kind(documents)["PodDisruptionBudget"]["spec"]
    assert ("unhealthyPodEvictionPolicy" in pdb_spec) is unhealthy_pod_eviction_policy


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (
            "1.24.0",
            r"'1\.24\.0' has no bundled schema; kubernetes-validate has 1\.25\.0 to 1\.\d+\.0",
        ),
        # kubernetes-validate alone compares versions as strings: it would take "1.9" for 1.37
        ("1.9", r"'1\.9' has no bundled schema"),
        ("2.0", r"'2\.0' has no bundled schema"),
        ("1.99.0", r"'1\.99\.0' has no bundled schema"),
        ("banana", r"kubernetes_version must look like '1\.34\.0' or '1\.34', got 'banana'"),
        ("1.34.0-rc1", r"kubernetes_version must look like"),
    ],
)
def test_versions_without_bundled_schemas_are_refused(version: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        validate_manifests(render_manifests(make()), version)


def test_a_patch_release_validates_against_its_minor_schema(
    documents: list[dict[str, Any]],
) -> None:
    """No schema is bundled per patch release: v1.34.2 is checked against 1.34.0's, which the
    error names; a valid document passes against it."""
    validate_manifests(documents, "v1.34.2")
    broken = copy.deepcopy(documents)
    broken[0]["spec"]["replica"] = 2  # a typo the strict schema refuses
    with pytest.raises(ManifestValidationError) as raised:
        validate_manifests(broken, "v1.34.2")
    assert raised.value.kubernetes_version == "1.34.0"
    assert any("replica" in error for error in raised.value.errors)


# -- what gets rendered -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "api_version", "kind"),
    [
        (0, "apps/v1", "Deployment"),
        (1, "v1", "Service"),
        (2, "autoscaling/v2", "HorizontalPodAutoscaler"),
        (3, "policy/v1", "PodDisruptionBudget"),
    ],
)
def test_four_documents_in_a_fixed_order(
    documents: list[dict[str, Any]], index: int, api_version: str, kind: str
) -> None:
    assert len(documents) == 4
    document = documents[index]
    assert list(document) == ["apiVersion", "kind", "metadata", "spec"]
    assert (document["apiVersion"], document["kind"]) == (api_version, kind)
    assert document["metadata"]["name"] == "sentiment"
    assert document["metadata"]["namespace"] == "default"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("Deployment", "spec", "strategy", "type"), "RollingUpdate"),
        (
            ("Deployment", "spec", "strategy", "rollingUpdate"),
            {"maxSurge": "25%", "maxUnavailable": 0},
        ),
        (("Service", "spec", "type"), "ClusterIP"),
        (("HorizontalPodAutoscaler", "spec", "minReplicas"), 2),
        (("HorizontalPodAutoscaler", "spec", "maxReplicas"), 8),
        (
            ("HorizontalPodAutoscaler", "spec", "scaleTargetRef"),
            {"apiVersion": "apps/v1", "kind": "Deployment", "name": "sentiment"},
        ),
        (
            ("HorizontalPodAutoscaler", "spec", "metrics"),
            [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 60},
                    },
                }
            ],
        ),
        (("HorizontalPodAutoscaler", "spec", "behavior"), HPABehavior().to_manifest()),
        (("PodDisruptionBudget", "spec", "maxUnavailable"), 1),
    ],
)
def test_the_manifests_say(
    documents: list[dict[str, Any]], path: tuple[str, ...], expected: object
) -> None:
    value: Any = by_kind(documents)
    for key in path:
        value = value[key]
    assert value == expected


def test_a_custom_hpa_behavior_round_trips() -> None:
    behavior = HPABehavior(
        scale_up=ScalingRules(30, (ScalingPolicy("Pods", 2, 60),), "Min"),
        scale_down=ScalingRules(600, (ScalingPolicy("Percent", 10, 60),)),
    )
    config = make(autoscaling=Autoscaling(min_replicas=3, max_replicas=6, behavior=behavior))
    documents = render_manifests(config)
    validate_manifests(documents)
    hpa = by_kind(documents)["HorizontalPodAutoscaler"]
    assert hpa["spec"]["behavior"] == behavior.to_manifest() != HPABehavior().to_manifest()
    reloaded = list(yaml.safe_load_all(to_yaml(documents)))
    assert (
        by_kind(reloaded)["HorizontalPodAutoscaler"]["spec"]["behavior"] == behavior.to_manifest()
    )


@pytest.mark.parametrize(
    ("probe", "path"),
    [("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")],
)
def test_probes_point_at_the_health_endpoints(
    documents: list[dict[str, Any]], probe: str, path: str
) -> None:
    assert container_of(documents)[probe]["httpGet"] == {"path": path, "port": "http"}


def test_the_startup_probe_covers_model_loading() -> None:
    config = make(startup_period_seconds=10, startup_failure_threshold=30)
    startup = container_of(render_manifests(config))["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] == 300
    assert config.startup_budget_seconds == 300


def test_the_container_runs_the_server_with_its_threads() -> None:
    config = make(threads=4, container_port=9000, model_version="2025-06-01", env={"LOG": "info"})
    container = container_of(render_manifests(config))
    assert container["command"] == [
        "python", "-m", "companion", "serve", "--host", "0.0.0.0", "--port", "9000", "--threads", "4",
    ]  # fmt: skip
    assert container["env"] == [
        {"name": "MODEL_VERSION", "value": "2025-06-01"},
        {"name": "OMP_NUM_THREADS", "value": "4"},
        {"name": "LOG", "value": "info"},
    ]
    assert container["ports"] == [{"name": "http", "containerPort": 9000, "protocol": "TCP"}]


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("runAsNonRoot", True),
        ("allowPrivilegeEscalation", False),
        ("readOnlyRootFilesystem", True),
        ("capabilities", {"drop": ["ALL"]}),
        ("seccompProfile", {"type": "RuntimeDefault"}),
    ],
)
def test_the_container_is_locked_down(
    documents: list[dict[str, Any]], field: str, expected: object
) -> None:
    assert container_of(documents)["securityContext"][field] == expected


def test_a_read_only_root_gets_a_writable_tmp(documents: list[dict[str, Any]]) -> None:
    pod = by_kind(documents)["Deployment"]["spec"]["template"]["spec"]
    assert pod["volumes"] == [{"name": "tmp", "emptyDir": {}}]
    assert container_of(documents)["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        (
            Resources(500, 512),
            {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}},
        ),
        (
            Resources(500, 512, cpu_limit_millicores=2000, memory_limit_mib=1024),
            {
                "requests": {"cpu": "500m", "memory": "512Mi"},
                "limits": {"cpu": "2000m", "memory": "1024Mi"},
            },
        ),
    ],
)
def test_resources_memory_limit_defaults_to_the_request(
    resources: Resources, expected: dict[str, Any]
) -> None:
    assert container_of(render_manifests(make(resources=resources)))["resources"] == expected


def test_selectors_match_the_pod_labels(documents: list[dict[str, Any]]) -> None:
    kinds = by_kind(documents)
    deployment_spec = kinds["Deployment"]["spec"]
    pod_labels = deployment_spec["template"]["metadata"]["labels"]
    selector = deployment_spec["selector"]["matchLabels"]
    assert selector.items() <= pod_labels.items()
    assert kinds["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == selector
    assert kinds["Service"]["spec"]["selector"] == selector
    # The version label is on the pods, but not in the immutable selector.
    assert pod_labels["app.kubernetes.io/version"] == "unversioned"
    assert "app.kubernetes.io/version" not in selector


def test_the_service_targets_the_container_port(documents: list[dict[str, Any]]) -> None:
    (service_port,) = by_kind(documents)["Service"]["spec"]["ports"]
    (container_port,) = container_of(documents)["ports"]
    assert service_port["port"] == 80
    assert service_port["targetPort"] == container_port["name"] == "http"
    assert container_port["containerPort"] == 8080


# -- YAML ---------------------------------------------------------------------------------------


def test_yaml_round_trips_to_the_same_dicts(documents: list[dict[str, Any]]) -> None:
    text = to_yaml(documents)
    assert text.startswith("---\n")
    assert text.count("\n---\n") == 3
    assert "&id" not in text
    assert list(yaml.safe_load_all(text)) == documents


def test_yaml_is_stable_for_equal_configs() -> None:
    first = make(env={"A": "1", "B": "2"}, labels={"team": "ml", "cost-center": "42"})
    second = make(env={"B": "2", "A": "1"}, labels={"cost-center": "42", "team": "ml"})
    assert to_yaml(render_manifests(first)) == to_yaml(render_manifests(second))


# -- configs that could not work ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: Autoscaling(min_replicas=5, max_replicas=3),
            r"min_replicas \(5\) must be <= max_replicas \(3\)",
        ),
        (lambda: Autoscaling(min_replicas=0), r"min_replicas must be >= 1 replicas, got 0"),
        (
            lambda: Autoscaling(target_cpu_utilization_percent=0),
            r"target_cpu_utilization_percent must be from 1 to 100 % of the CPU request, got 0",
        ),
        (
            lambda: Autoscaling(target_cpu_utilization_percent=101),
            r"target_cpu_utilization_percent must be from 1 to 100 .*got 101",
        ),
        (
            lambda: Autoscaling(behavior={"scaleUp": {}}),  # type: ignore[arg-type]
            r"behavior must be a companion\.autoscaling\.HPABehavior, got dict",
        ),
        (
            lambda: make(resources=None),
            r"resources must be .*the HPA computes utilization against the CPU request",
        ),
        (
            lambda: Resources(500, 512, memory_limit_mib=256),
            r"memory_limit_mib must be >= 512 MiB \(at least memory_request_mib=512\), got 256",
        ),
        (
            lambda: Resources(500, 512, cpu_limit_millicores=250),
            r"cpu_limit_millicores must be >= 500 millicores",
        ),
        (lambda: Resources(50, 512), r"cpu_request_millicores must be >= 100 millicores, got 50"),
        (lambda: Resources(500.0, 512), r"cpu_request_millicores must be a whole number"),  # type: ignore[arg-type]
        (lambda: make(name="Sentiment"), r"name must be a DNS-1035 label.*got 'Sentiment'"),
        (lambda: make(name="9lives"), r"name must be a DNS-1035 label.*start with a letter"),
        (lambda: make(name="model_server"), r"name must be a DNS-1035 label"),
        (lambda: make(name="a" * 64), r"name must be .*1 to 63"),
        (lambda: make(name="trailing-"), r"name must be a DNS-1035 label"),
        (lambda: make(namespace="Prod"), r"namespace must be a DNS-1123 label"),
        (
            lambda: make(image="ghcr.io/you/sentiment"),
            r"image must be pinned .*untagged.*rollbacks real",
        ),
        (lambda: make(image="localhost:5000/sentiment"), r"image must be pinned .*untagged"),
        (lambda: make(image="sentiment:latest"), r"image must be pinned .*':latest' tag"),
        (lambda: make(image="ghcr.io/You/sentiment:1"), r"image repository must be lowercase"),
        (lambda: make(image="sentiment@sha256:abc"), r"image digest must be 'sha256:' and 64"),
        (lambda: make(image=""), r"image must be a non-empty reference"),
        (
            lambda: make(disruption_budget=DisruptionBudget(min_available=2, max_unavailable=None)),
            r"disruption_budget\.min_available \(2\) must be < autoscaling\.min_replicas \(2\).*drains .*block forever",
        ),
        (
            lambda: DisruptionBudget(min_available=1, max_unavailable=1),
            r"set exactly one of min_available and max_unavailable",
        ),
        (
            lambda: DisruptionBudget(min_available=None, max_unavailable=None),
            r"set exactly one of min_available and max_unavailable",
        ),
        (
            lambda: DisruptionBudget(max_unavailable=0),
            r"max_unavailable must be >= 1 pods \(0 would block every voluntary eviction",
        ),
        (lambda: make(container_port=0), r"container_port must be from 1 to 65535, got 0"),
        (lambda: make(service_port=70000), r"service_port must be from 1 to 65535, got 70000"),
        (lambda: make(container_port="8080"), r"container_port must be a whole number"),
        (lambda: make(threads=0), r"threads must be from 1 to 64 threads, got 0"),
        (lambda: make(env={"1BAD": "x"}), r"env names must be C identifiers.*'1BAD'"),
        (lambda: make(env={"MY-VAR": "x"}), r"env names must be C identifiers"),
        (lambda: make(env={"OMP_NUM_THREADS": "8"}), r"env must not set OMP_NUM_THREADS.*threads"),
        (lambda: make(env={"PORT": 8080}), r"env\['PORT'\] must be a string, got 8080"),
        (lambda: make(model_version="v1 beta"), r"model_version must be a Kubernetes label value"),
        (lambda: make(model_version=""), r"model_version must be a Kubernetes label value"),
        (lambda: make(labels={"app.kubernetes.io/name": "x"}), r"labels must not set"),
        (
            lambda: make(labels={"team": "ML team"}),
            r"labels\['team'\] must be a Kubernetes label value",
        ),
        (lambda: make(max_surge=0, max_unavailable=0), r"cannot both be 0"),
        (lambda: make(max_surge="0%", max_unavailable="0%"), r"cannot both be 0"),
        (lambda: make(max_unavailable="150%"), r"max_unavailable must be .* up to 100%"),
        (
            lambda: make(max_surge="lots"),
            r"max_surge must be a whole number of pods >= 0 or a percentage",
        ),
        (
            lambda: make(readiness_path="readyz"),
            r"readiness_path must be an HTTP path starting with '/'",
        ),
        (lambda: make(probe_timeout_seconds=0), r"probe_timeout_seconds must be from 1 to 3600"),
        (
            lambda: make(termination_grace_period_seconds=5, pre_stop_sleep_seconds=5),
            r"termination_grace_period_seconds must be >= 6 seconds \(more than pre_stop_sleep_seconds=5",
        ),
        (lambda: make(run_as_user=0), r"run_as_user must be from 1 to .*\(0 is root\), got 0"),
    ],
)
def test_invalid_configs_are_rejected_naming_the_field(
    build: Callable[[], object], message: str
) -> None:
    with pytest.raises(ManifestConfigError, match=message):
        build()


@pytest.mark.parametrize(
    "image",
    [
        "sentiment:1.4.2",
        "ghcr.io/you/sentiment:1.4.2",
        "localhost:5000/sentiment:2025-06-01",
        "ghcr.io/you/sentiment@sha256:" + "a" * 64,
        "sentiment:latest@sha256:" + "b" * 64,
    ],
)
def test_pinned_images_are_accepted(image: str) -> None:
    assert make(image=image).image == image


def test_a_disruption_budget_below_the_minimum_replica_count_is_fine() -> None:
    budget = DisruptionBudget(min_available=1, max_unavailable=None)
    documents = render_manifests(make(disruption_budget=budget))
    validate_manifests(documents)
    assert by_kind(documents)["PodDisruptionBudget"]["spec"]["minAvailable"] == 1
    assert "maxUnavailable" not in by_kind(documents)["PodDisruptionBudget"]["spec"]


def test_the_config_keeps_its_own_copy_of_env() -> None:
    env = {"LOG": "info"}
    config = make(env=env)
    env["LOG"] = "debug"
    assert config.env == {"LOG": "info"}
    assert replace(config, threads=3).env == {"LOG": "info"}


# -- schema validation of hand-edited documents -------------------------------------------------


def _set(path: tuple[Any, ...], value: object) -> Callable[[list[dict[str, Any]]], None]:
    def edit(documents: list[dict[str, Any]]) -> None:
        target: Any = documents
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def _delete(path: tuple[Any, ...]) -> Callable[[list[dict[str, Any]]], None]:
    def edit(documents: list[dict[str, Any]]) -> None:
        target: Any = documents
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return edit


_HPA_TARGET = (2, "spec", "metrics", 0, "resource", "target")


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (
            _set((*_HPA_TARGET, "averageUtilization"), "70"),
            "HorizontalPodAutoscaler/sentiment: spec.metrics[0].resource.target.averageUtilization: "
            "'70' is not of type 'integer'",
        ),
        (
            _set((0, "spec", "replica"), 3),
            "Deployment/sentiment: spec: Additional properties are not allowed ('replica' was unexpected)",
        ),
        (
            _set(
                (0, "spec", "template", "spec", "containers", 0, "ports", 0, "containerPort"),
                "8080",
            ),
            "Deployment/sentiment: spec.template.spec.containers[0].ports[0].containerPort: "
            "'8080' is not of type 'integer'",
        ),
        (
            _delete((1, "spec", "ports", 0, "port")),
            "Service/sentiment: spec.ports[0]: 'port' is a required property",
        ),
        (
            _delete((2, "spec", "scaleTargetRef", "kind")),
            "HorizontalPodAutoscaler/sentiment: spec.scaleTargetRef: 'kind' is a required property",
        ),
        (
            _set((2, "apiVersion"), "autoscaling/v2beta2"),
            "HorizontalPodAutoscaler/sentiment: apiVersion: Kubernetes 1.34.0 has no kind "
            "'HorizontalPodAutoscaler' in 'autoscaling/v2beta2'",
        ),
        (
            _delete((3, "kind")),
            "<no kind>/sentiment: kind: required (a string) to pick a schema",
        ),
    ],
)
def test_validate_manifests_lists_the_path_of_each_error(
    documents: list[dict[str, Any]],
    edit: Callable[[list[dict[str, Any]]], None],
    error: str,
) -> None:
    edit(documents)
    with pytest.raises(ManifestValidationError) as caught:
        validate_manifests(documents)
    assert len(caught.value.errors) == 1
    assert caught.value.errors[0].startswith(error)
    assert error in str(caught.value)
    assert caught.value.kubernetes_version == KUBERNETES_VERSION


def test_every_error_in_every_document_is_reported_at_once(
    documents: list[dict[str, Any]],
) -> None:
    _set((*_HPA_TARGET, "averageUtilization"), "70")(documents)
    _set((0, "spec", "replica"), 3)(documents)
    _set((0, "spec", "template", "spec", "terminationGracePeriodSeconds"), "30")(documents)
    _delete((1, "spec", "ports", 0, "port"))(documents)
    with pytest.raises(
        ManifestValidationError, match=r"^4 schema errors against Kubernetes 1\.34\.0"
    ) as caught:
        validate_manifests(documents)
    assert [error.split(":")[0] for error in caught.value.errors] == [
        "Deployment/sentiment",
        "Deployment/sentiment",
        "Service/sentiment",
        "HorizontalPodAutoscaler/sentiment",
    ]


def test_unknown_fields_pass_only_when_not_strict(documents: list[dict[str, Any]]) -> None:
    _set((0, "spec", "replica"), 3)(documents)
    validate_manifests(documents, strict=False)
    with pytest.raises(ManifestValidationError, match="'replica' was unexpected"):
        validate_manifests(documents, strict=True)


def test_a_field_too_new_for_an_old_version_is_caught() -> None:
    documents = render_manifests(make())  # native preStop sleep, from 1.30
    with pytest.raises(
        ManifestValidationError, match=r"lifecycle\.preStop: .*'sleep' was unexpected"
    ):
        validate_manifests(documents, "1.28.0")


def test_validation_prints_and_warns_nothing(
    documents: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    broken = copy.deepcopy(documents)
    _set((*_HPA_TARGET, "averageUtilization"), "70")(broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validate_manifests(documents)
        with pytest.raises(ManifestValidationError):
            validate_manifests(broken)
    assert caught == []
    assert capsys.readouterr() == ("", "")


# -- writing --------------------------------------------------------------------------------------


def test_write_manifests_writes_one_file_per_kind_and_all_yaml(tmp_path: Path) -> None:
    config = make()
    folder = tmp_path / "k8s"
    paths = write_manifests(config, folder)
    assert [path.name for path in paths] == [*MANIFEST_FILES.values(), "all.yaml"]
    assert sorted(path.name for path in folder.iterdir()) == sorted(path.name for path in paths)
    documents = render_manifests(config)
    for document in documents:
        (loaded,) = yaml.safe_load_all((folder / MANIFEST_FILES[document["kind"]]).read_text())
        assert loaded == document
    assert list(yaml.safe_load_all((folder / "all.yaml").read_text())) == documents


@pytest.mark.parametrize(
    ("break_it", "error"),
    [
        ("schema", ManifestValidationError),
        ("version", ManifestError),
        ("config", ManifestConfigError),
    ],
)
def test_write_manifests_writes_nothing_when_invalid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, break_it: str, error: type[Exception]
) -> None:
    config: Any = make()
    version = KUBERNETES_VERSION
    if break_it == "schema":
        real_render = manifests_module.render_manifests

        def broken_render(config: ServingConfig, kubernetes_version: str) -> list[dict[str, Any]]:
            documents = real_render(config, kubernetes_version)
            documents[2]["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] = "70"
            return documents

        monkeypatch.setattr(manifests_module, "render_manifests", broken_render)
    elif break_it == "version":
        version = "1.20.0"
    else:
        config = {"name": "sentiment"}
    with pytest.raises(error):
        write_manifests(config, tmp_path / "k8s", version)
    assert list(tmp_path.iterdir()) == []


def test_error_messages_name_kind_name_path_message(documents: list[dict[str, Any]]) -> None:
    _set((*_HPA_TARGET, "averageUtilization"), "70")(documents)
    with pytest.raises(ManifestValidationError) as caught:
        validate_manifests(documents)
    assert re.fullmatch(r"[A-Za-z]+/[a-z0-9-]+: [\w.\[\]]+: .+", caught.value.errors[0])


def test_the_deployment_leaves_the_replica_count_to_the_hpa() -> None:
    deployment = render_manifests(make())[0]
    assert deployment["kind"] == "Deployment" and "replicas" not in deployment["spec"]
