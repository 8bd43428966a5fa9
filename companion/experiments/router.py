"""Route each request to a variant's predictor, time it, and record the outcome per variant.

:class:`ABRouter` replaces the original course's ``ABTestRouter``, which hashed user ids with
md5 (not what any experimentation platform uses, so its splits could not be checked against
one) and kept a running mean latency in a plain dict (lost updates under concurrent requests,
and a mean hides the tail a latency SLO is about). Here:

* assignment is GrowthBook-compatible and sticky (:mod:`.assignment`), cached per user in a
  bounded LRU (correct because a known user's assignment never changes for one experiment);
* every latency is kept (:mod:`.metrics`), under a lock, so percentiles are exact;
* a predictor's exception is recorded as an error for its variant and re-raised, never
  swallowed;
* users outside the experiment's coverage are served by the control but **not recorded**, as
  GrowthBook leaves them out of the analysis: counting them as control would inflate the
  control's sample and trip the sample-ratio-mismatch check. :attr:`ABRouter.excluded_requests`
  counts them.

The router's own overhead (assignment, timing, recording) is measured in
``benchmarks/router_overhead.py``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import _lru_cache_wrapper, lru_cache
from typing import Any, NamedTuple, Protocol

from .assignment import Assignment, Experiment, assign
from .exceptions import RoutingError
from .metrics import ExperimentMetrics

__all__ = ["ABRouter", "CacheStats", "RoutedResult"]


class Recorder(Protocol):
    def __call__(self, latency_ms: float, error: bool = False) -> None: ...


class Predictor(Protocol):
    """Anything with ``predict(texts) -> predictions``: the shape of
    :class:`companion.serving.Predictor`, written here so the router needs no serving code."""

    def predict(self, texts: Sequence[str]) -> Sequence[Any]: ...


class RoutedResult(NamedTuple):
    """One routed request: the ``variant`` that served it, its ``predictions``, the predictor's
    ``latency_ms``, whether the assignment is ``sticky`` (a known user) and whether it counted
    ``in_experiment`` (``False``: outside coverage, served by the control, not recorded).

    Immutable; a ``NamedTuple`` rather than a frozen dataclass because one is built for every
    request and that is about 0.6 µs cheaper (see benchmarks/router_overhead.py).
    """

    variant: str
    predictions: Sequence[Any]
    latency_ms: float
    sticky: bool
    in_experiment: bool = True


@dataclass(frozen=True)
class CacheStats:
    """The per-user assignment cache: lookups served from it, computed, and its size."""

    hits: int
    misses: int
    size: int
    max_size: int


class ABRouter:
    """Send each request to its variant's predictor and record latency and errors per variant.

    ``predictors`` maps every variant of ``experiment`` (and nothing else) to a predictor.
    ``clock`` returns seconds (``time.perf_counter`` by default; tests pass a fake one);
    ``rng`` draws anonymous users' buckets (see :func:`.assignment.assign`); ``cache_size``
    bounds the per-user assignment cache (0 disables it).
    """

    def __init__(
        self,
        experiment: Experiment,
        predictors: Mapping[str, Predictor],
        *,
        clock: Callable[[], float] = time.perf_counter,
        rng: random.Random | None = None,
        cache_size: int = 100_000,
    ) -> None:
        if not isinstance(experiment, Experiment):
            raise RoutingError(f"experiment must be an Experiment, got {type(experiment).__name__}")
        missing = [name for name in experiment.variants if name not in predictors]
        if missing:
            raise RoutingError(
                f"no predictor for variant(s) {missing}: every variant of {experiment.key!r} "
                f"{list(experiment.variants)} needs one, got predictors for {list(predictors)}"
            )
        unknown = [name for name in predictors if name not in experiment.variants]
        if unknown:
            raise RoutingError(
                f"predictor(s) for {unknown}, which are not variants of {experiment.key!r} "
                f"{list(experiment.variants)}"
            )
        for name, predictor in predictors.items():
            if not callable(getattr(predictor, "predict", None)):
                raise RoutingError(
                    f"the predictor for {name!r} has no predict(texts) method: "
                    f"{type(predictor).__name__}"
                )
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
            raise RoutingError(f"cache_size must be a whole number >= 0, got {cache_size!r}")
        if not callable(clock):
            raise RoutingError(f"clock must be callable (returning seconds), got {clock!r}")
        self._predictors = dict(predictors)
        self._clock = clock
        self._rng = rng
        self._cache_size = cache_size
        self._metrics = ExperimentMetrics(experiment.variants)
        # Per variant: the predictor's bound predict and its metrics' bound record, one lookup
        # on the request path.
        self._lanes: dict[str, tuple[Callable[[Sequence[str]], Sequence[Any]], Recorder]] = {
            name: (predictor.predict, self._metrics[name].record)
            for name, predictor in self._predictors.items()
        }
        self._excluded_lock = threading.Lock()
        self._excluded = 0
        # (experiment, its cached assigner) swapped as one reference: a request never sees the
        # new experiment with the old cache, even while set_experiment runs on another thread.
        self._state = self._state_for(experiment)

    def _state_for(
        self, experiment: Experiment
    ) -> tuple[Experiment, _lru_cache_wrapper[Assignment]]:
        # route() only passes non-empty str ids here; assign() handles everything else.
        return experiment, lru_cache(maxsize=self._cache_size)(experiment._known_user)

    @property
    def experiment(self) -> Experiment:
        return self._state[0]

    @property
    def metrics(self) -> ExperimentMetrics:
        """Per-variant requests, errors and latencies, kept across :meth:`set_experiment`."""
        return self._metrics

    @property
    def excluded_requests(self) -> int:
        """Requests from users outside the coverage (served by the control, not recorded)."""
        return self._excluded

    def set_experiment(self, experiment: Experiment) -> None:
        """Change the split (e.g. the next rollout step); clears the assignment cache and keeps
        the metrics. The variants must stay the same (a rollout changes weights, not arms)."""
        if not isinstance(experiment, Experiment):
            raise RoutingError(f"experiment must be an Experiment, got {type(experiment).__name__}")
        current = self._state[0]
        if set(experiment.variants) != set(current.variants):
            raise RoutingError(
                f"set_experiment may change the split but not the variants: router serves "
                f"{list(current.variants)}, got {list(experiment.variants)}; start a new router "
                f"for new variants"
            )
        self._state = self._state_for(experiment)

    def cache_stats(self) -> CacheStats:
        info = self._state[1].cache_info()
        return CacheStats(info.hits, info.misses, info.currsize, self._cache_size)

    def assignment_for(self, user_id: str | None) -> Assignment:
        """The assignment :meth:`route` would use for ``user_id`` (a fresh random one for an
        anonymous user)."""
        experiment, cached = self._state
        if type(user_id) is str and user_id:
            return cached(user_id)
        return assign(experiment, user_id, self._rng)

    def route(self, user_id: str | None, texts: Sequence[str]) -> RoutedResult:
        """Assign, call the variant's predictor on ``texts``, time it and record the outcome.

        A predictor exception is recorded as an error (with the time spent) and re-raised. A
        user outside the coverage is served by the control, counted in
        :attr:`excluded_requests` and not recorded (``in_experiment=False``); a known user's
        assignment comes from the LRU cache, an anonymous one is drawn afresh.
        """
        experiment, cached = self._state
        if type(user_id) is str and user_id:
            assignment = cached(user_id)
        else:  # anonymous, or a bad id: assign() draws at random or raises AssignmentError
            assignment = assign(experiment, user_id, self._rng)
        variant = assignment.variant
        if variant is None:
            return self._serve_excluded(experiment.variants[0], texts, assignment.sticky)
        predict, record = self._lanes[variant]
        clock = self._clock
        start = clock()
        try:
            predictions = predict(texts)
        except Exception:
            record((clock() - start) * 1000.0, True)
            raise
        latency_ms = (clock() - start) * 1000.0
        record(latency_ms, False)
        return RoutedResult(variant, predictions, latency_ms, assignment.sticky, True)

    def _serve_excluded(self, control: str, texts: Sequence[str], sticky: bool) -> RoutedResult:
        """Serve a user outside the coverage with the control, counted but not recorded."""
        with self._excluded_lock:
            self._excluded += 1
        predict = self._lanes[control][0]
        clock = self._clock
        start = clock()
        predictions = predict(texts)
        return RoutedResult(control, predictions, (clock() - start) * 1000.0, sticky, False)

    def record_outcome(self, variant: str, latency_ms: float, error: bool = False) -> None:
        """Record a request served outside :meth:`route` (e.g. by a simulation)."""
        self._metrics.record(variant, latency_ms, error)
