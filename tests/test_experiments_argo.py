"""The rollout plan as an Argo Rollouts canary, validated against Argo's own CRD schemas."""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from typing import Any

import pytest
import yaml

from companion.experiments.argo import (
    ARGO_API_VERSION,
    ARGO_ROLLOUTS_VERSION,
    ArgoValidationError,
    argo_crd_schema,
    exact_replicas,
    to_argo_rollout,
    validate_argo_rollout,
)
from companion.experiments.exceptions import RolloutError
from companion.experiments.rollout import RolloutPlan
from companion.kubernetes import ManifestConfigError, to_yaml

IMAGE = "ghcr.io/run-ml-for-pennies/sentiment:1.4.2"


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    return to_argo_rollout(RolloutPlan(), name="sentiment", image=IMAGE)


def _by_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (document,) = [d for d in documents if d["kind"] == kind]
    return document


def _threshold(condition: str) -> float:
    match = re.fullmatch(r"result\[0\] (<=|>|>=) (\S+)", condition)
    assert match, condition
    return float(match.group(2))


def test_the_default_plan_becomes_steps_with_pauses_and_analyses(
    documents: list[dict[str, Any]],
) -> None:
    assert [d["kind"] for d in documents] == ["AnalysisTemplate", "Rollout"]
    assert all(d["apiVersion"] == ARGO_API_VERSION for d in documents)
    rollout = _by_kind(documents, "Rollout")
    steps = rollout["spec"]["strategy"]["canary"]["steps"]
    shapes = [next(iter(step)) for step in steps]
    assert shapes == ["setWeight", "pause", "analysis"] * 3 + ["setWeight"]
    assert [s["setWeight"] for s in steps if "setWeight" in s] == [5, 25, 50, 100]
    assert all(s["pause"] == {"duration": "600s"} for s in steps if "pause" in s)
    analyses = [s["analysis"] for s in steps if "analysis" in s]
    template_name = _by_kind(documents, "AnalysisTemplate")["metadata"]["name"]
    assert template_name == "sentiment-canary-analysis"
    for analysis in analyses:
        assert analysis["templates"] == [{"templateName": template_name}]
        hashes = {a["name"]: a["valueFrom"]["podTemplateHashValue"] for a in analysis["args"]}
        assert hashes == {"canary-hash": "Latest", "stable-hash": "Stable"}
    # 20 replicas: 5 % is exactly one pod without traffic routing.
    assert rollout["spec"]["replicas"] == 20 == exact_replicas(RolloutPlan())
    # The pod template is lesson 04's: same probes, same selector labels.
    pod = rollout["spec"]["template"]["spec"]["containers"][0]
    assert pod["image"] == IMAGE and pod["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert rollout["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "sentiment"}


def test_analysis_thresholds_and_limits_come_from_the_plan() -> None:
    plan = RolloutPlan(
        max_error_rate_increase=0.0075,
        max_p95_latency_ratio=1.35,
        failure_limit=3,
        analysis_interval_seconds=30.0,
        min_stage_seconds=300.0,
        max_stage_seconds=900.0,
        min_samples_per_stage=5_000,
    )
    template = _by_kind(to_argo_rollout(plan, name="sentiment", image=IMAGE), "AnalysisTemplate")
    metrics = {m["name"]: m for m in template["spec"]["metrics"]}
    assert set(metrics) == {"error-rate-increase", "p95-latency-ratio", "candidate-requests"}
    errors, latency = metrics["error-rate-increase"], metrics["p95-latency-ratio"]
    assert _threshold(errors["successCondition"]) == plan.max_error_rate_increase
    assert _threshold(errors["failureCondition"]) == plan.max_error_rate_increase
    assert _threshold(latency["successCondition"]) == plan.max_p95_latency_ratio
    assert _threshold(latency["failureCondition"]) == plan.max_p95_latency_ratio
    assert _threshold(metrics["candidate-requests"]["successCondition"]) == 5_000
    for metric in metrics.values():
        assert metric["interval"] == "30s"
        assert metric["count"] == 20  # (900 - 300) / 30 measurements after the pause
        assert metric["failureLimit"] == 2  # Argo fails when failed > failureLimit
        assert metric["consecutiveSuccessLimit"] == 1
    queries = {name: m["provider"]["prometheus"]["query"] for name, m in metrics.items()}
    assert "http_requests_total{" in queries["error-rate-increase"]
    assert 'status=~"5.."' in queries["error-rate-increase"]
    assert queries["p95-latency-ratio"].count("histogram_quantile(0.95,") == 2
    assert "http_request_duration_seconds_bucket{" in queries["p95-latency-ratio"]
    assert "{{args.canary-hash}}" in queries["p95-latency-ratio"]
    assert "{{args.stable-hash}}" in queries["p95-latency-ratio"]
    assert all("[300s]" in query for query in queries.values())


def test_the_documents_pass_schema_validation(documents: list[dict[str, Any]]) -> None:
    validate_argo_rollout(documents)
    # And survive a YAML round trip unchanged.
    assert list(yaml.safe_load_all(to_yaml(documents))) == documents


def test_a_hand_broken_rollout_fails_with_readable_errors(
    documents: list[dict[str, Any]],
) -> None:
    broken = copy.deepcopy(documents)
    rollout = _by_kind(broken, "Rollout")
    steps = rollout["spec"]["strategy"]["canary"]["steps"]
    steps[0] = {"setWeight": "five"}
    steps.append({"setWieght": 5})
    rollout["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = 3
    _by_kind(broken, "AnalysisTemplate")["spec"]["metrics"][0]["interval"] = 60
    with pytest.raises(ArgoValidationError) as caught:
        validate_argo_rollout(broken)
    assert caught.value.errors == [
        "AnalysisTemplate/sentiment-canary-analysis: spec.metrics[0].interval: "
        "60 is not of type 'string'",
        "Rollout/sentiment: spec.strategy.canary.steps[0].setWeight: "
        "'five' is not of type 'integer'",
        "Rollout/sentiment: spec.strategy.canary.steps[10]: "
        "Additional properties are not allowed ('setWieght' was unexpected)",
        "Rollout/sentiment: spec.template.spec.containers[0].imagePullPolicy: "
        "3 is not of type 'string', 'null'",
    ]
    assert "4 schema errors against Argo Rollouts v1.9.1" in str(caught.value)
    assert isinstance(caught.value, RolloutError)


def test_non_strict_validation_allows_unknown_fields(documents: list[dict[str, Any]]) -> None:
    extra = copy.deepcopy(documents)
    _by_kind(extra, "Rollout")["spec"]["strategy"]["canary"]["steps"].append({"setWieght": 5})
    validate_argo_rollout(extra, strict=False)
    with pytest.raises(ArgoValidationError, match="'setWieght' was unexpected"):
        validate_argo_rollout(extra)


def test_validation_rejects_documents_that_are_not_argo() -> None:
    with pytest.raises(ArgoValidationError) as caught:
        validate_argo_rollout(
            [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}}, []]  # type: ignore[list-item]
        )
    assert caught.value.errors == [
        "Deployment/x: apiVersion/kind: expected argoproj.io/v1alpha1 Rollout or "
        "AnalysisTemplate, got 'apps/v1' 'Deployment'",
        "document 2: must be a mapping, got list",
    ]


def test_the_stored_crd_schemas_name_their_source() -> None:
    text = (
        resources.files("companion.experiments") / "data" / "argo_rollouts_crd_schemas.json"
    ).read_text(encoding="utf-8")
    data = json.loads(text)
    source = data["_source"]
    assert source["license"] == "Apache-2.0" and source["tag"] == ARGO_ROLLOUTS_VERSION
    assert re.fullmatch(r"[0-9a-f]{40}", source["commit"])
    assert set(data["schemas"]) == {"Rollout", "AnalysisTemplate"}
    steps = argo_crd_schema("Rollout")["properties"]["spec"]["properties"]["strategy"]
    step = steps["properties"]["canary"]["properties"]["steps"]["items"]["properties"]
    assert {"setWeight", "pause", "analysis"} <= set(step)
    with pytest.raises(RolloutError, match="kind must be one of"):
        argo_crd_schema("Experiment")


@pytest.mark.parametrize(("steps", "replicas"), [((10, 50, 100), 10), ((33, 100), 100)])
def test_exact_replicas(steps: tuple[int, ...], replicas: int) -> None:
    assert exact_replicas(RolloutPlan(steps_percent=steps)) == replicas


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(RolloutError, match="replicas must be a whole number >= 1, got 0"):
        to_argo_rollout(RolloutPlan(), name="sentiment", image=IMAGE, replicas=0)
    with pytest.raises(RolloutError, match="plan must be a RolloutPlan"):
        to_argo_rollout(None, name="sentiment", image=IMAGE)  # type: ignore[arg-type]
    with pytest.raises(ManifestConfigError):
        to_argo_rollout(RolloutPlan(), name="sentiment", image="sentiment:latest")
