"""Simulated traffic through the real router, driving the real rollout controller.

:func:`simulate_rollout` replays a canary rollout in simulated time: every
``analysis_interval_seconds`` it draws ``requests_per_second × interval`` requests (Poisson)
from ``users`` random users (``"user-<k>"``), assigns each through a real
:class:`~companion.experiments.router.ABRouter` (GrowthBook hashing, the rollout split of the
current stage from :func:`~companion.experiments.assignment.rollout_experiment`), samples its
outcome from the arm's :class:`ArmProfile` (an error with probability ``error_rate``, a
lognormal latency) and records it with ``router.record_outcome``. Then it calls
:meth:`RolloutController.step <companion.experiments.rollout.RolloutController.step>` and does
what the decision says: a new split and fresh metrics at each stage change, stop at a terminal
state. Nothing runs a model: the predictors are fakes that are never called.

``broken_assignment`` simulates a bug downstream of assignment (a stale cache, a proxy that
drops a header) that sends that fraction of the candidate's users to the control anyway: the
observed split no longer matches the plan, which the sample-ratio-mismatch check should catch
before anyone trusts the comparison.

The sample-ratio check counts **users** seen per arm at the stage, not requests: users are
what is randomized, and a user's requests all go to the same arm, so the split of requests
wobbles with the split of the (finite) user population, and a chi-squared test on requests
overstates the evidence: the more requests per user, the more false halts.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .assignment import Experiment, rollout_experiment
from .exceptions import RolloutError
from .rollout import RolloutController, RolloutPlan, RolloutState, _finite
from .router import ABRouter

__all__ = ["ArmProfile", "RolloutRun", "plot_rollout", "simulate_rollout"]

CONTROL: Final = "control"
CANDIDATE: Final = "candidate"
_ACTION_COLORS: Final = {
    "promote": "tab:green",
    "complete": "tab:green",
    "rollback": "tab:red",
    "halt": "tab:orange",
}


@dataclass(frozen=True)
class ArmProfile:
    """How one version behaves: each request fails with probability ``error_rate`` (in
    [0, 1)) and takes a lognormal latency with median ``latency_median_ms`` (> 0) and
    log-space standard deviation ``latency_sigma`` (>= 0; 0.35 puts p95 at 1.78 × the median)."""

    error_rate: float
    latency_median_ms: float
    latency_sigma: float = 0.35

    def __post_init__(self) -> None:
        if not 0.0 <= _finite(self.error_rate, "error_rate") < 1.0:
            raise RolloutError(f"error_rate must be in [0, 1), got {self.error_rate!r}")
        if _finite(self.latency_median_ms, "latency_median_ms") <= 0:
            raise RolloutError(f"latency_median_ms must be > 0, got {self.latency_median_ms!r}")
        if _finite(self.latency_sigma, "latency_sigma") < 0:
            raise RolloutError(f"latency_sigma must be >= 0, got {self.latency_sigma!r}")

    @property
    def p95_ms(self) -> float:
        """The profile's true p95 latency: median × exp(1.645 σ)."""
        return self.latency_median_ms * math.exp(1.6448536269514722 * self.latency_sigma)

    def sample(
        self, rng: np.random.Generator, n: int
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """``n`` latencies (ms) and error flags."""
        latencies = rng.lognormal(math.log(self.latency_median_ms), self.latency_sigma, n)
        errors = rng.random(n) < self.error_rate
        return latencies, errors


@dataclass(frozen=True)
class RolloutRun:
    """One simulated rollout.

    ``timeline`` has a row per analysis interval: ``time_s`` (end of the interval),
    ``candidate_percent`` (the split during it), ``requests_control``/``_candidate``,
    ``error_rate_control``/``_candidate`` and ``p95_control_ms``/``_candidate_ms`` of that
    interval's requests alone (NaN for an arm without requests), and the ``action`` decided at
    its end. ``events`` is :meth:`RolloutController.events_frame`. ``outcome`` is the final
    state (``"progressing"`` if ``max_hours`` ran out first) and ``final_percent`` the
    candidate's share at the end.
    """

    timeline: pd.DataFrame
    events: pd.DataFrame
    outcome: RolloutState
    final_percent: int
    plan: RolloutPlan
    seed: int

    @property
    def end_time_s(self) -> float:
        """When the simulation stopped (the last analysis), in seconds from the start."""
        return float(self.timeline["time_s"].iloc[-1]) if len(self.timeline) else 0.0

    @property
    def decisive_event(self) -> pd.Series:
        """The last event that was not a ``"hold"`` (the last event if all were holds)."""
        events = self.events
        decided = events[events["action"] != "hold"]
        row: pd.Series = (decided if len(decided) else events).iloc[-1]
        return row


class _UnusedPredictor:
    """The router needs a predictor per variant; the simulation never calls it."""

    def predict(self, texts: Sequence[str]) -> Sequence[Any]:
        return ["POSITIVE"] * len(texts)


def _interval_stats(
    latencies: npt.NDArray[np.float64], errors: npt.NDArray[np.bool_]
) -> tuple[float, float]:
    if latencies.size == 0:
        return math.nan, math.nan
    return float(errors.mean()), float(np.percentile(latencies, 95))


_TIMELINE_COLUMNS: Final = (
    "time_s",
    "candidate_percent",
    "requests_control",
    "error_rate_control",
    "p95_control_ms",
    "requests_candidate",
    "error_rate_candidate",
    "p95_candidate_ms",
    "action",
)


def _check_arms(baseline: object, candidate: object, plan: object) -> None:
    for name, profile in (("baseline", baseline), ("candidate", candidate)):
        if not isinstance(profile, ArmProfile):
            raise RolloutError(f"{name} must be an ArmProfile, got {type(profile).__name__}")
    if not isinstance(plan, RolloutPlan):
        raise RolloutError(f"plan must be a RolloutPlan, got {type(plan).__name__}")


def _check_load(
    requests_per_second: float, users: int, seed: int, broken_assignment: float, max_hours: float
) -> tuple[float, float, float]:
    """Requests/s, the misrouted fraction and the simulated seconds, checked."""
    rps = _finite(requests_per_second, "requests_per_second")
    if rps <= 0:
        raise RolloutError(f"requests_per_second must be > 0, got {requests_per_second!r}")
    if isinstance(users, bool) or not isinstance(users, int) or users < 1:
        raise RolloutError(f"users must be a whole number >= 1, got {users!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise RolloutError(f"seed must be a whole number >= 0, got {seed!r}")
    broken = _finite(broken_assignment, "broken_assignment")
    if not 0.0 <= broken < 1.0:
        raise RolloutError(f"broken_assignment must be in [0, 1), got {broken_assignment!r}")
    max_s = _finite(max_hours, "max_hours") * 3600.0
    if max_s <= 0:
        raise RolloutError(f"max_hours must be > 0, got {max_hours!r}")
    return rps, broken, max_s


class _Traffic:
    """The simulated side: users, the real router at simulated time ``now_s``, what each arm
    does, and which users each arm has seen at this stage."""

    def __init__(
        self,
        baseline: ArmProfile,
        candidate: ArmProfile,
        experiment: Experiment,
        *,
        users: int,
        seed: int,
        broken: float,
    ) -> None:
        self.rng = np.random.default_rng(seed)
        self.now_s = 0.0
        self.router = ABRouter(
            experiment,
            {CONTROL: _UnusedPredictor(), CANDIDATE: _UnusedPredictor()},
            clock=lambda: self.now_s,
            rng=random.Random(seed),
            cache_size=users,
        )
        self.user_ids = [f"user-{k}" for k in range(users)]
        # The bug is per user: the same users are misrouted on every request.
        rng = self.rng
        self.misrouted = rng.random(users) < broken if broken > 0 else np.zeros(users, dtype=bool)
        self.profiles = {CONTROL: baseline, CANDIDATE: candidate}
        # Users seen per arm at this stage: the unit of randomization, so the unit of the
        # sample-ratio check (see the module docstring).
        self.seen = {CONTROL: np.zeros(users, dtype=bool), CANDIDATE: np.zeros(users, dtype=bool)}

    def run_interval(self, percent: int, rps: float, interval_s: float) -> dict[str, Any]:
        """Draw one interval's requests, route and record them; its timeline row (no action)."""
        arrivals = int(self.rng.poisson(rps * interval_s))
        picked = self.rng.integers(0, len(self.user_ids), arrivals)
        assign = self.router.assignment_for
        user_ids = self.user_ids
        on_candidate = np.fromiter(
            (assign(user_ids[k]).variant == CANDIDATE for k in picked.tolist()),
            dtype=bool,
            count=arrivals,
        )
        on_candidate &= ~self.misrouted[picked]
        row: dict[str, Any] = {"time_s": self.now_s + interval_s, "candidate_percent": percent}
        for variant, mask in ((CONTROL, ~on_candidate), (CANDIDATE, on_candidate)):
            row.update(self._serve(variant, picked[mask]))
        return row

    def _serve(self, variant: str, picked: npt.NDArray[np.int64]) -> dict[str, Any]:
        count = int(picked.size)
        self.seen[variant][picked] = True
        latencies, errors = self.profiles[variant].sample(self.rng, count)
        record = self.router.record_outcome
        for latency_ms, error in zip(latencies.tolist(), errors.tolist(), strict=True):
            record(variant, latency_ms, error)
        error_rate, p95_ms = _interval_stats(latencies, errors)
        return {
            f"requests_{variant}": count,
            f"error_rate_{variant}": error_rate,
            f"p95_{variant}_ms": p95_ms,
        }

    def users_seen(self) -> dict[str, int]:
        return {variant: int(flags.sum()) for variant, flags in self.seen.items()}

    def new_stage(self, experiment: Experiment | None) -> None:
        """Fresh metrics and users seen; the next stage's split unless the rollout is over."""
        self.router.metrics.reset()
        for flags in self.seen.values():
            flags[:] = False
        if experiment is not None:
            self.router.set_experiment(experiment)


def simulate_rollout(
    baseline: ArmProfile,
    candidate: ArmProfile,
    plan: RolloutPlan,
    *,
    requests_per_second: float = 50.0,
    users: int = 50_000,
    seed: int = 0,
    broken_assignment: float = 0.0,
    max_hours: float = 12.0,
    experiment_key: str = "canary",
) -> RolloutRun:
    """Run the rollout of ``candidate`` against ``baseline`` under ``plan`` in simulated time.

    Args:
        baseline: The stable version's behaviour (the control arm).
        candidate: The new version's behaviour.
        plan: Stages and guardrails; analyses happen every ``plan.analysis_interval_seconds``.
        requests_per_second: Mean offered load (Poisson arrivals per interval), > 0.
        users: Distinct users the requests come from (uniformly), >= 1.
        seed: Seeds the NumPy generator (users, outcomes) and the router's RNG.
        broken_assignment: Fraction of the candidate's users sent to the control after
            assignment (a simulated bug), in [0, 1).
        max_hours: Stop after this much simulated time even if the rollout is undecided, > 0.
        experiment_key: The rollout experiment's key (its hashing seed), fixed across stages.

    Raises:
        RolloutError: an argument out of range.
    """
    _check_arms(baseline, candidate, plan)
    rps, broken, max_s = _check_load(requests_per_second, users, seed, broken_assignment, max_hours)

    interval_s = plan.analysis_interval_seconds
    controller = RolloutController(plan, clock_start_s=0.0, control=CONTROL, candidate=CANDIDATE)
    traffic = _Traffic(
        baseline,
        candidate,
        rollout_experiment(experiment_key, controller.current_percent),
        users=users,
        seed=seed,
        broken=broken,
    )
    rows: list[dict[str, Any]] = []
    while not controller.terminal and traffic.now_s + interval_s <= max_s + 1e-9:
        row = traffic.run_interval(controller.current_percent, rps, interval_s)
        traffic.now_s += interval_s
        snapshot = traffic.router.metrics.snapshot()
        decision = controller.step(traffic.now_s, snapshot, traffic.users_seen())
        row["action"] = decision.action
        rows.append(row)
        if decision.reset_metrics:
            traffic.new_stage(
                None if decision.terminal else rollout_experiment(experiment_key, decision.percent)
            )

    return RolloutRun(
        timeline=pd.DataFrame(rows, columns=list(_TIMELINE_COLUMNS)),
        events=controller.events_frame(),
        outcome=controller.state,
        final_percent=controller.current_percent,
        plan=plan,
        seed=seed,
    )


def plot_rollout(run: RolloutRun, title: str | None = None) -> Any:
    """Three panels over simulated minutes: the candidate's traffic share, each arm's error rate
    and p95 latency per interval; promotions, rollbacks and halts are marked. Returns the
    matplotlib Figure."""
    import matplotlib.pyplot as plt

    if not isinstance(run, RolloutRun):
        raise RolloutError(f"run must be a RolloutRun, got {type(run).__name__}")
    frame = run.timeline
    minutes = frame["time_s"].to_numpy() / 60.0
    figure, (share, errors, latency) = plt.subplots(3, 1, sharex=True, figsize=(10, 7))
    interval_min = run.plan.analysis_interval_seconds / 60.0
    start = minutes - interval_min
    # The traffic share per interval, then the weight the run ended on (100 % when promoted,
    # 0 % when rolled back) held for one more interval, so the plot ends where the run did.
    end_min = run.end_time_s / 60.0
    share_x = [*start, end_min, end_min + interval_min]
    share_y = [*frame["candidate_percent"], run.final_percent, run.final_percent]
    share.step(share_x, share_y, where="post", color="tab:purple")
    share.set_ylabel("candidate %")
    share.set_ylim(-5, 105)
    for arm, color in ((CONTROL, "tab:blue"), (CANDIDATE, "tab:red")):
        errors.plot(minutes, frame[f"error_rate_{arm}"] * 100, lw=1, color=color, label=arm)
        latency.plot(minutes, frame[f"p95_{arm}_ms"], lw=1, color=color, label=arm)
    errors.set_ylabel("error rate (%)")
    latency.set_ylabel("p95 (ms)")
    latency.set_xlabel("simulated minutes")
    for axes in (share, errors, latency):
        axes.grid(True, alpha=0.3)
    errors.legend(loc="upper left", fontsize=8)
    events = run.events
    if len(events):
        for _, event in events[events["action"] != "hold"].iterrows():
            color = _ACTION_COLORS.get(str(event["action"]), "gray")
            for axes in (share, errors, latency):
                axes.axvline(event["time_s"] / 60.0, color=color, ls="--", lw=1)
            share.annotate(
                str(event["action"]),
                (event["time_s"] / 60.0, 100),
                textcoords="offset points",
                xytext=(3, -12),
                fontsize=8,
                color=color,
            )
    share.set_title(
        title
        if title is not None
        else f"rollout: {run.outcome} at {run.final_percent} % after {run.end_time_s / 60:.0f} min"
    )
    figure.tight_layout()
    return figure
