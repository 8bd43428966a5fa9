"""A/B tests and gradual rollouts that decide on evidence.

- :mod:`.assignment` — deterministic, salted, sticky assignment (GrowthBook's FNV-1a hash v2);
- :mod:`.router` and :mod:`.metrics` — a router around two predictors with thread-safe
  per-variant metrics (counts, errors, full latency distributions);
- :mod:`.stats` — two-proportion and latency tests, sample-ratio mismatch, sample sizes;
- :mod:`.sequential` — an always-valid confidence sequence, safe to check at every look;
- :mod:`.rollout` — a staged rollout controller with analysis gates and automatic rollback;
- :mod:`.simulation` — rollouts simulated through the real router;
- :mod:`.argo` — the same plan as an Argo Rollouts canary (needs the ``kubernetes`` extra,
  so it loads on first use).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .assignment import (
    HASH_VERSIONS,
    Assignment,
    Experiment,
    assign,
    bucket_ranges,
    choose_variation,
    equal_weights,
    fnv1a32,
    growthbook_hash,
    rollout_experiment,
)
from .exceptions import (
    AssignmentError,
    ExperimentError,
    MetricsError,
    RolloutError,
    RoutingError,
    StatsInputError,
)

if TYPE_CHECKING:  # the names, typed, for type checkers; loaded lazily at run time
    from .argo import (
        ARGO_API_VERSION,
        ARGO_ROLLOUTS_VERSION,
        DEFAULT_PROMETHEUS_ADDRESS,
        ArgoValidationError,
        exact_replicas,
        to_argo_rollout,
        validate_argo_rollout,
    )
    from .metrics import (
        ExperimentMetrics,
        VariantMetrics,
        VariantSnapshot,
    )
    from .rollout import (
        SRM_MIN_EXPECTED_COUNT,
        Action,
        Analysis,
        Cause,
        RolloutController,
        RolloutDecision,
        RolloutEvent,
        RolloutPlan,
        RolloutState,
        Verdict,
        analyze,
    )
    from .router import (
        ABRouter,
        CacheStats,
        RoutedResult,
    )
    from .sequential import (
        Decision,
        PeekingResult,
        SequentialComparison,
        always_valid_p_value,
        confidence_sequence_halfwidth,
        peeking_simulation,
        sequential_compare,
        sequential_compare_proportions,
        sequential_compare_stats,
        tuning_rho,
    )
    from .simulation import (
        ArmProfile,
        RolloutRun,
        plot_rollout,
        simulate_rollout,
    )
    from .stats import (
        BOOTSTRAP_RESAMPLES,
        SRM_THRESHOLD,
        LatencyComparison,
        LatencyMethod,
        ProportionComparison,
        SRMResult,
        compare_latency,
        sample_ratio_mismatch,
        sample_size_for_means,
        sample_size_per_variant,
        two_proportion_test,
    )

# Everything but assignment loads on first use: the statistics need scipy and statsmodels, the
# simulation pandas and matplotlib, Argo the kubernetes extra. `companion.experiments.assignment`
# (what a router in production imports) therefore stays light.
_LAZY = {
    **dict.fromkeys(("ARGO_API_VERSION", "ARGO_ROLLOUTS_VERSION", "DEFAULT_PROMETHEUS_ADDRESS",
                     "ArgoValidationError", "exact_replicas", "to_argo_rollout",
                     "validate_argo_rollout"), "argo"),
    **dict.fromkeys(("ExperimentMetrics", "VariantMetrics", "VariantSnapshot"), "metrics"),
    **dict.fromkeys(("SRM_MIN_EXPECTED_COUNT", "Action", "Analysis", "Cause", "RolloutController",
                     "RolloutDecision", "RolloutEvent", "RolloutPlan", "RolloutState", "Verdict",
                     "analyze"), "rollout"),
    **dict.fromkeys(("ABRouter", "CacheStats", "RoutedResult"), "router"),
    **dict.fromkeys(("Decision", "PeekingResult", "SequentialComparison", "always_valid_p_value",
                     "confidence_sequence_halfwidth", "peeking_simulation", "sequential_compare",
                     "sequential_compare_proportions", "sequential_compare_stats", "tuning_rho"),
                    "sequential"),
    **dict.fromkeys(("ArmProfile", "RolloutRun", "plot_rollout", "simulate_rollout"), "simulation"),
    **dict.fromkeys(("BOOTSTRAP_RESAMPLES", "SRM_THRESHOLD", "LatencyComparison", "LatencyMethod",
                     "ProportionComparison", "SRMResult", "compare_latency",
                     "sample_ratio_mismatch", "sample_size_for_means", "sample_size_per_variant",
                     "two_proportion_test"), "stats"),
}  # fmt: skip

__all__ = [
    "ARGO_API_VERSION",
    "ARGO_ROLLOUTS_VERSION",
    "BOOTSTRAP_RESAMPLES",
    "DEFAULT_PROMETHEUS_ADDRESS",
    "HASH_VERSIONS",
    "SRM_MIN_EXPECTED_COUNT",
    "SRM_THRESHOLD",
    "ABRouter",
    "Action",
    "Analysis",
    "ArgoValidationError",
    "ArmProfile",
    "Assignment",
    "AssignmentError",
    "CacheStats",
    "Cause",
    "Decision",
    "Experiment",
    "ExperimentError",
    "ExperimentMetrics",
    "LatencyComparison",
    "LatencyMethod",
    "MetricsError",
    "PeekingResult",
    "ProportionComparison",
    "RolloutController",
    "RolloutDecision",
    "RolloutError",
    "RolloutEvent",
    "RolloutPlan",
    "RolloutRun",
    "RolloutState",
    "RoutedResult",
    "RoutingError",
    "SRMResult",
    "SequentialComparison",
    "StatsInputError",
    "VariantMetrics",
    "VariantSnapshot",
    "Verdict",
    "always_valid_p_value",
    "analyze",
    "assign",
    "bucket_ranges",
    "choose_variation",
    "compare_latency",
    "confidence_sequence_halfwidth",
    "equal_weights",
    "exact_replicas",
    "fnv1a32",
    "growthbook_hash",
    "peeking_simulation",
    "plot_rollout",
    "rollout_experiment",
    "sample_ratio_mismatch",
    "sample_size_for_means",
    "sample_size_per_variant",
    "sequential_compare",
    "sequential_compare_proportions",
    "sequential_compare_stats",
    "simulate_rollout",
    "to_argo_rollout",
    "tuning_rho",
    "two_proportion_test",
    "validate_argo_rollout",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
