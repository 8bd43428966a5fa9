"""The A/B router and its per-variant metrics: routing, exact latencies, errors re-raised,
coverage, caching, rollout steps and thread safety (companion.experiments.router/metrics)."""

from __future__ import annotations

import math
import random
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest

from companion.experiments.assignment import Experiment, assign, rollout_experiment
from companion.experiments.exceptions import AssignmentError, MetricsError, RoutingError
from companion.experiments.metrics import ExperimentMetrics, VariantMetrics, VariantSnapshot
from companion.experiments.router import ABRouter


class Labeler:
    """A predictor that answers its own name for every text and counts its calls."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls = 0

    def predict(self, texts: Sequence[str]) -> list[str]:
        self.calls += 1
        return [self.name] * len(texts)


class Broken:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def predict(self, texts: Sequence[str]) -> list[str]:
        raise self.error


class FakeClock:
    """Returns the given instants (seconds) in order, one per call."""

    def __init__(self, *instants: float) -> None:
        self._instants: Iterator[float] = iter(instants)

    def __call__(self) -> float:
        return next(self._instants)


def predictors(*names: str) -> dict[str, Labeler]:
    return {name: Labeler(name) for name in names}


EXPERIMENT = Experiment("router-test")
USERS = [f"user-{i}" for i in range(2000)]


# --- routing --------------------------------------------------------------------------------


def test_routes_each_user_to_the_predictor_of_its_variant() -> None:
    router = ABRouter(EXPERIMENT, predictors("control", "candidate"))
    for user_id in USERS:
        result = router.route(user_id, ["great", "awful"])
        expected = assign(EXPERIMENT, user_id).variant
        assert result.variant == expected == router.assignment_for(user_id).variant
        assert result.predictions == [expected, expected]
        assert result.sticky and result.in_experiment
    assert router.metrics.counts() == {
        "control": sum(assign(EXPERIMENT, u).variant == "control" for u in USERS),
        "candidate": sum(assign(EXPERIMENT, u).variant == "candidate" for u in USERS),
    }


def test_latency_is_the_predictor_call_on_the_clock_in_ms() -> None:
    clock = FakeClock(10.0, 10.25, 20.0, 20.0078125)  # binary-exact: 250 ms, 7.8125 ms
    router = ABRouter(EXPERIMENT, predictors("control", "candidate"), clock=clock)
    user = next(u for u in USERS if assign(EXPERIMENT, u).variant == "candidate")
    assert router.route(user, ["a"]).latency_ms == 250.0
    assert router.route(user, ["b"]).latency_ms == 7.8125
    snapshot = router.metrics.snapshot()["candidate"]
    assert list(snapshot.latencies_ms) == [250.0, 7.8125]
    assert (snapshot.requests, snapshot.errors) == (2, 0)
    assert router.metrics.counts()["control"] == 0


@pytest.mark.parametrize("error", [RuntimeError("model crashed"), MemoryError(), ValueError("x")])
def test_predictor_errors_are_recorded_and_re_raised(error: Exception) -> None:
    clock = FakeClock(1.0, 1.5)
    router = ABRouter(
        EXPERIMENT, {"control": Broken(error), "candidate": Broken(error)}, clock=clock
    )
    with pytest.raises(type(error)) as raised:
        router.route("user-1", ["text"])
    assert raised.value is error
    variant = assign(EXPERIMENT, "user-1").variant
    assert variant is not None
    snapshot = router.metrics.snapshot()[variant]
    assert (snapshot.requests, snapshot.errors, snapshot.error_rate) == (1, 1, 1.0)
    assert list(snapshot.latencies_ms) == [500.0]


def test_keyboard_interrupt_is_not_counted_as_a_model_error() -> None:
    router = ABRouter(
        EXPERIMENT,
        {"control": Broken(KeyboardInterrupt()), "candidate": Broken(KeyboardInterrupt())},
    )
    with pytest.raises(KeyboardInterrupt):
        router.route("user-1", ["text"])
    assert sum(router.metrics.counts().values()) == 0


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (predictors("control"), r"no predictor for variant\(s\) \['candidate'\]"),
        (predictors("control", "candidate", "candiate"), r"predictor\(s\) for \['candiate'\]"),
        (
            {"control": Labeler("c"), "candidate": object()},
            "the predictor for 'candidate' has no predict",
        ),
    ],
)
def test_predictors_must_match_the_variants(given: dict[str, Any], message: str) -> None:
    with pytest.raises(RoutingError, match=message):
        ABRouter(EXPERIMENT, given)


@pytest.mark.parametrize("cache_size", [-1, 1.5, True])
def test_cache_size_must_be_a_whole_number(cache_size: Any) -> None:
    with pytest.raises(RoutingError, match="cache_size must be a whole number >= 0"):
        ABRouter(EXPERIMENT, predictors("control", "candidate"), cache_size=cache_size)


def test_users_outside_coverage_get_the_control_and_are_not_recorded() -> None:
    experiment = Experiment("partial", coverage=0.3)
    router = ABRouter(experiment, predictors("control", "candidate"))
    results = [router.route(u, ["t"]) for u in USERS]
    outside = [r for r in results if not r.in_experiment]
    assert outside and all(r.variant == "control" and r.predictions == ["control"] for r in outside)
    assert router.excluded_requests == len(outside)
    assert sum(router.metrics.counts().values()) == len(USERS) - len(outside)


def test_anonymous_requests_are_random_recorded_and_not_sticky() -> None:
    router = ABRouter(EXPERIMENT, predictors("control", "candidate"), rng=random.Random(3))
    results = [router.route(None, ["t"]) for _ in range(400)]
    assert {r.variant for r in results} == {"control", "candidate"}
    assert not any(r.sticky for r in results)
    assert sum(router.metrics.counts().values()) == 400
    assert router.cache_stats().size == 0  # nothing to remember for anonymous users
    replay = ABRouter(EXPERIMENT, predictors("control", "candidate"), rng=random.Random(3))
    assert [replay.route("", ["t"]).variant for _ in range(400)] == [r.variant for r in results]


@pytest.mark.parametrize("user_id", [7, b"user-7", ["user-7"]])
def test_bad_user_ids_are_refused_before_anything_is_served(user_id: Any) -> None:
    labelers = predictors("control", "candidate")
    router = ABRouter(EXPERIMENT, labelers)
    with pytest.raises(AssignmentError, match="user_id must be a string"):
        router.route(user_id, ["t"])
    assert sum(p.calls for p in labelers.values()) == 0
    assert sum(router.metrics.counts().values()) == 0


# --- the assignment cache and rollout steps -------------------------------------------------


@pytest.mark.parametrize(("cache_size", "expected_size"), [(100, 100), (5000, 2000), (0, 0)])
def test_the_assignment_cache_is_bounded(cache_size: int, expected_size: int) -> None:
    router = ABRouter(EXPERIMENT, predictors("control", "candidate"), cache_size=cache_size)
    for user_id in USERS:
        router.route(user_id, ["t"])
    for user_id in USERS[-50:]:  # the most recent users are still cached (LRU)
        router.route(user_id, ["t"])
    stats = router.cache_stats()
    assert (stats.size, stats.max_size) == (expected_size, cache_size)
    assert stats.hits == (50 if cache_size else 0)


def test_set_experiment_changes_the_split_clears_the_cache_and_keeps_metrics() -> None:
    router = ABRouter(rollout_experiment("int8", 5), predictors("control", "candidate"))
    for user_id in USERS:
        router.route(user_id, ["t"])
    before = router.metrics.counts()
    router.set_experiment(rollout_experiment("int8", 50))
    assert router.cache_stats().size == 0
    assert router.metrics.counts() == before
    moved = [u for u in USERS if router.route(u, ["t"]).variant == "candidate"]
    assert len(moved) > before["candidate"] * 3  # about 50 % instead of about 5 %
    assert router.experiment == rollout_experiment("int8", 50)


def test_set_experiment_keeps_the_variants() -> None:
    router = ABRouter(EXPERIMENT, predictors("control", "candidate"))
    with pytest.raises(RoutingError, match="may change the split but not the variants"):
        router.set_experiment(Experiment("router-test", ("control", "int8")))
    with pytest.raises(RoutingError, match="experiment must be an Experiment, got dict"):
        router.set_experiment({"key": "router-test"})  # type: ignore[arg-type]


def test_errors_outside_coverage_are_raised_but_not_recorded() -> None:
    router = ABRouter(
        Experiment("nobody", coverage=0.0),
        {"control": Broken(RuntimeError("down")), "candidate": Labeler("candidate")},
    )
    with pytest.raises(RuntimeError, match="down"):
        router.route("user-1", ["t"])
    assert router.excluded_requests == 1
    assert sum(router.metrics.counts().values()) == 0


# --- recording and metrics ------------------------------------------------------------------


def test_record_outcome_for_self_served_requests() -> None:
    router = ABRouter(EXPERIMENT, predictors("control", "candidate"))
    router.record_outcome("candidate", 12.5)
    router.record_outcome("candidate", 40.0, error=True)
    snapshot = router.metrics.snapshot()["candidate"]
    assert (snapshot.requests, snapshot.errors, snapshot.mean_latency_ms) == (2, 1, 26.25)
    with pytest.raises(RoutingError, match=r"unknown variant 'fp16'.*\['control', 'candidate'\]"):
        router.record_outcome("fp16", 1.0)


def test_snapshot_statistics_are_numpys() -> None:
    metrics = VariantMetrics("candidate")
    latencies = np.random.default_rng(0).lognormal(3, 0.5, size=5000)  # past the first buffer
    for i, latency in enumerate(latencies):
        metrics.record(float(latency), error=i % 10 == 0)
    snapshot = metrics.snapshot()
    assert np.array_equal(snapshot.latencies_ms, latencies)
    assert snapshot.p50_ms == np.percentile(latencies, 50)
    assert snapshot.p95_ms == np.percentile(latencies, 95)
    assert snapshot.p99_ms == np.percentile(latencies, 99)
    assert snapshot.percentile(99.9) == np.percentile(latencies, 99.9)
    assert snapshot.mean_latency_ms == pytest.approx(latencies.mean(), rel=1e-12)
    assert snapshot.error_rate == 0.1


def test_linear_percentiles_interpolate() -> None:
    metrics = VariantMetrics("v")
    for latency in (10.0, 20.0, 30.0, 40.0):
        metrics.record(latency)
    snapshot = metrics.snapshot()
    assert (snapshot.p50_ms, snapshot.percentile(0), snapshot.percentile(100)) == (25.0, 10.0, 40.0)


def test_empty_snapshot_is_nan_not_zero() -> None:
    snapshot = VariantMetrics("v").snapshot()
    assert snapshot.requests == 0
    assert all(
        math.isnan(x)
        for x in (snapshot.error_rate, snapshot.p50_ms, snapshot.p99_ms, snapshot.mean_latency_ms)
    )


def test_snapshots_are_read_only_copies() -> None:
    metrics = VariantMetrics("v")
    metrics.record(1.0)
    snapshot = metrics.snapshot()
    metrics.record(2.0)
    assert list(snapshot.latencies_ms) == [1.0]
    with pytest.raises(ValueError, match="read-only"):
        snapshot.latencies_ms[0] = 0.0


def test_snapshots_built_by_hand_are_checked_and_frozen() -> None:
    latencies = [3.0, 1.0, 2.0]
    snapshot = VariantSnapshot("candidate", 3, 1, latencies)  # type: ignore[arg-type]
    latencies[0] = 99.0
    assert snapshot.p50_ms == 2.0
    assert not snapshot.latencies_ms.flags.writeable
    with pytest.raises(MetricsError, match=r"one latency per request \(4\), got shape \(3,\)"):
        VariantSnapshot("candidate", 4, 0, np.ones(3))
    with pytest.raises(MetricsError, match=r"errors must be from 0 to requests \(3\), got 4"):
        VariantSnapshot("candidate", 3, 4, np.ones(3))


@pytest.mark.parametrize("latency", [-0.001, math.nan, math.inf])
def test_impossible_latencies_are_refused(latency: float) -> None:
    with pytest.raises(MetricsError, match="latency_ms must be a finite number >= 0"):
        VariantMetrics("v").record(latency)


@pytest.mark.parametrize("q", [-1, 100.5, math.nan])
def test_percentile_q_must_be_0_to_100(q: float) -> None:
    with pytest.raises(MetricsError, match="percentile q must be a number from 0 to 100"):
        VariantMetrics("v").snapshot().percentile(q)


def test_experiment_metrics_reset_and_validation() -> None:
    metrics = ExperimentMetrics(["a", "b"])
    metrics.record("a", 1.0)
    metrics.record("b", 2.0, error=True)
    assert metrics.counts() == {"a": 1, "b": 1}
    assert list(metrics.snapshot()) == ["a", "b"]
    assert metrics["b"].snapshot().errors == 1
    with pytest.raises(RoutingError, match="unknown variant 'c'"):
        metrics["c"]
    metrics.reset()
    assert metrics.counts() == {"a": 0, "b": 0}
    assert metrics.snapshot()["b"].errors == 0
    with pytest.raises(MetricsError, match=r"repeated: \['a'\]"):
        ExperimentMetrics(["a", "a"])
    with pytest.raises(MetricsError, match="at least one variant"):
        ExperimentMetrics([])


# --- thread safety --------------------------------------------------------------------------


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every microsecond instead of every 5 ms, to provoke interleavings."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def test_concurrent_records_lose_nothing(frequent_thread_switches: None) -> None:
    threads, per_thread = 8, 20_000
    router = ABRouter(EXPERIMENT, predictors("control", "candidate"))
    # Thread t records latencies t + i / per_thread ms (all distinct), every 7th one an error,
    # alternating variants, so each variant's exact union is known in advance.
    expected = {
        "control": np.concatenate(
            [t + np.arange(0, per_thread, 2) / per_thread for t in range(threads)]
        ),
        "candidate": np.concatenate(
            [t + np.arange(1, per_thread, 2) / per_thread for t in range(threads)]
        ),
    }
    start = threading.Barrier(threads)

    def work(t: int) -> None:
        start.wait()
        for i in range(per_thread):
            variant = "control" if i % 2 == 0 else "candidate"
            router.record_outcome(variant, t + i / per_thread, error=i % 7 == 0)

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    snapshots = router.metrics.snapshot()
    errors_per_thread = {
        "control": len(range(0, per_thread, 14)),
        "candidate": len(range(7, per_thread, 14)),
    }
    for variant, union in expected.items():
        snapshot = snapshots[variant]
        assert snapshot.requests == len(union) == threads * per_thread // 2
        assert snapshot.errors == threads * errors_per_thread[variant]
        assert np.array_equal(np.sort(snapshot.latencies_ms), np.sort(union))
        for q in (50, 95, 99):
            assert snapshot.percentile(q) == np.percentile(union, q)


def test_concurrent_routes_count_every_request(frequent_thread_switches: None) -> None:
    threads, per_thread = 8, 1000
    router = ABRouter(EXPERIMENT, predictors("control", "candidate"), cache_size=500)
    start = threading.Barrier(threads)

    def work(t: int) -> None:
        start.wait()
        for i in range(per_thread):
            router.route(USERS[(t * 131 + i) % len(USERS)], ["t"])

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    served = [USERS[(t * 131 + i) % len(USERS)] for t in range(threads) for i in range(per_thread)]
    assert router.metrics.counts() == {
        variant: sum(assign(EXPERIMENT, u).variant == variant for u in served)
        for variant in EXPERIMENT.variants
    }
