"""Lesson 07 (capstone) exercises: design decisions checked with the planner and cost models."""

from __future__ import annotations

from functools import lru_cache

from ..planner import Design, Requirements, plan
from ..pricing import default_catalog
from ..scenario import MONTHLY_BUDGET_USD, P95_LATENCY_TARGET_MS, scenario_traffic
from .core import Mistake, NumericExercise

__all__ = ["q1", "q2", "q3", "q4"]

HOURS_PER_MONTH = 730.0  # the month the AWS, GCP and Azure calculators use (lesson 00)


def _designs(daily: float = 5e6, budget: float = 1e9) -> list[Design]:
    requirements = Requirements(scenario_traffic(daily), monthly_budget_usd=budget)
    return list(plan(requirements, catalog=default_catalog()).designs)


@lru_cache(maxsize=256)
def _cheapest(daily: float = 5e6, strategy: str | None = None) -> float:
    """The cheapest design that meets the p95 target (of ``strategy`` if given)."""
    return min(
        d.monthly_cost_usd
        for d in _designs(daily)
        if d.meets_slo and (strategy is None or d.strategy == strategy)
    )


# --- q1: how much traffic the budget buys -------------------------------------------------------


@lru_cache(maxsize=8)  # a bisection of 40 plans: checked answers and mistakes reuse it
def _volume_for_budget(budget: float = MONTHLY_BUDGET_USD, strategy: str | None = None) -> float:
    """The most requests a day whose cheapest SLO-meeting design fits ``budget`` (bisection:
    the cheapest cost never falls as traffic grows, which tests/test_planner.py checks)."""
    low, high = 1e4, 1e8
    for _ in range(40):
        middle = (low * high) ** 0.5
        if _cheapest(middle, strategy) <= budget:
            low = middle
        else:
            high = middle
    return low


q1 = NumericExercise(
    name="q1",
    question=(
        f"The budget stays at ${MONTHLY_BUDGET_USD:,.0f} a month. With the designs the planner "
        f"searches, the scenario's day/night shape and the {P95_LATENCY_TARGET_MS:g} ms p95 "
        "target, how many requests a day can that budget serve at most (within 0.5%)?"
    ),
    hint_text=(
        "The cheapest design that meets the target never gets cheaper as traffic grows, so "
        "search the volume: try a value, run `plan(...)`, and halve the interval (bisection) "
        "until the cheapest SLO-meeting design just fits the budget."
    ),
    solution_text=lambda: (
        f"Bisection on `min(d.monthly_cost_usd for d in plan(Requirements(scenario_traffic(v), "
        f"monthly_budget_usd=1e9)).designs if d.meets_slo) <= 500` → about "
        f"{_volume_for_budget() / 1e6:.2f}M requests a day: the scenario's 5M is out of reach at "
        "128 tokens, so the choice is to spend more, relax the p95, or shorten what the model reads."
    ),
    expected=_volume_for_budget,
    unit="requests per day",
    rel_tol=0.005,
    mistakes=(
        Mistake(
            lambda: _volume_for_budget(strategy="lambda"),
            "that is what Lambda alone can serve for the money; a mostly-spot fleet serves more.",
        ),
        Mistake(
            lambda: 5e6 * MONTHLY_BUDGET_USD / _cheapest(5e6),
            "you scaled the 5M cost linearly; fleets grow in whole instances and keep two at "
            "least, so cost is a staircase: search the volume itself.",
        ),
    ),
    success="the budget buys that much traffic at this target; beyond it, something must give.",
)

# --- q2: twice the original's promise ------------------------------------------------------------

q2 = NumericExercise(
    name="q2",
    question=(
        "Section 3 priced the original's 10M requests a day. What does the cheapest design that "
        "meets the target cost per month at 20M requests a day?"
    ),
    hint_text="The same search as section 3, with `scenario_traffic(20_000_000)` and no budget limit.",
    solution_text=lambda: (
        f"`plan(Requirements(scenario_traffic(20e6), monthly_budget_usd=1e9))` → cheapest "
        f"SLO-meeting design ${_cheapest(2e7):,.2f}/month."
    ),
    expected=lambda: _cheapest(2e7),
    unit="USD per month",
    rel_tol=1e-4,
    mistakes=(
        Mistake(
            lambda: 2 * _cheapest(1e7),
            "you doubled the 10M cost: fleets grow in whole instances and keep a minimum, so "
            "cost is a staircase, not a straight line. Price 20M itself.",
        ),
        Mistake(
            lambda: _cheapest(2e7, "fleet"),
            "that is the cheapest on-demand fleet; spot over an on-demand base is cheaper.",
        ),
    ),
)

# --- q3: what 99.9 % allows -----------------------------------------------------------------------


def _downtime_minutes(availability: float = 0.999, hours: float = HOURS_PER_MONTH) -> float:
    return (1 - availability) * hours * 60


q3 = NumericExercise(
    name="q3",
    question=(
        "The design must reach 99.9% uptime over a month. How many minutes of downtime a month "
        "does that allow (use the 730-hour month of the pricing calculators)?"
    ),
    hint_text="Downtime = (1 − availability) × hours in the month × 60.",
    solution_text=lambda: (
        f"(1 − 0.999) × 730 × 60 = {_downtime_minutes():.1f} minutes: one slow rollout or one "
        "HPA morning ramp (lesson 04) can spend a good part of it."
    ),
    expected=_downtime_minutes,
    unit="minutes",
    rel_tol=1e-3,
    mistakes=(
        Mistake(
            lambda: _downtime_minutes(hours=30 * 24),
            "that is a 30-day month; the question uses 730 hours (365 × 24 / 12).",
        ),
        Mistake(
            lambda: _downtime_minutes(0.99),
            "that is 99% (two nines): ten times the downtime of 99.9%.",
        ),
        Mistake(
            lambda: _downtime_minutes() / 60,
            "that is hours, not minutes.",
        ),
    ),
)

# --- q4: what spot saves, and what it gives up ---------------------------------------------------

q4 = NumericExercise(
    name="q4",
    question=(
        "At the scenario's traffic, how many USD a month does the cheapest design that meets the "
        "p95 target save against the cheapest on-demand fleet that meets it?"
    ),
    hint_text=(
        "Two minimums over the planner's designs that meet the target: all strategies, and "
        "`strategy == 'fleet'` only. Subtract."
    ),
    solution_text=lambda: (
        f"${_cheapest(strategy='fleet'):,.2f} − ${_cheapest():,.2f} = "
        f"${_cheapest(strategy='fleet') - _cheapest():,.2f} a month, paid for with the "
        "interruptions the spot share takes (the design document lists how many are assumed)."
    ),
    expected=lambda: _cheapest(strategy="fleet") - _cheapest(),
    unit="USD per month",
    rel_tol=1e-4,
    mistakes=(
        Mistake(
            lambda: _cheapest(strategy="lambda") - _cheapest(),
            "you compared with Lambda; the question compares with the cheapest on-demand fleet.",
        ),
        Mistake(
            lambda: _cheapest(),
            "that is the cheapest design's cost, not the saving.",
        ),
    ),
)
