"""Cost models for serving a model: always-on, capacity-aware, serverless, spot, break-even."""

from .breakeven import (
    CostCurve,
    Crossover,
    break_even_daily_requests,
    capacity_fleet_curve,
    crossovers,
    fixed_fleet_curve,
    plot_cost_curves,
    serverless_curve,
)
from .models import (
    CostEstimate,
    FleetPlan,
    LineItem,
    always_on_cost,
    billed_duration_ms,
    capacity_aware_cost,
    comparison_table,
    gateway_line_items,
    plan_fleet,
    serverless_cost,
    spot_cost,
    throughput_from_latency,
)
from .traffic import HOURS_PER_MONTH, SECONDS_PER_DAY, TrafficProfile

__all__ = [
    "HOURS_PER_MONTH",
    "SECONDS_PER_DAY",
    "CostCurve",
    "CostEstimate",
    "Crossover",
    "FleetPlan",
    "LineItem",
    "TrafficProfile",
    "always_on_cost",
    "billed_duration_ms",
    "break_even_daily_requests",
    "capacity_aware_cost",
    "capacity_fleet_curve",
    "comparison_table",
    "crossovers",
    "fixed_fleet_curve",
    "gateway_line_items",
    "plan_fleet",
    "plot_cost_curves",
    "serverless_cost",
    "serverless_curve",
    "spot_cost",
    "throughput_from_latency",
]
