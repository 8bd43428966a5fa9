"""Lesson 07 (capstone) exercises: design decisions checked with the planner and cost models."""

from __future__ import annotations

from functools import lru_cache

from ..planner import Design, Requirements, plan
from ..pricing import default_catalog
from ..scenario import (
    MONTHLY_BUDGET_USD,
    P95_LATENCY_TARGET_MS,
    SPOT_INTERRUPTIONS_PER_INSTANCE_MONTH,
    SPOT_ON_DEMAND_BASE_INSTANCES,
    scenario_traffic,
)
from .core import ChoiceQuestion, Mistake, NumericExercise, Option, Quiz

__all__ = ["q1", "q2", "q3", "q4", "q5", "quiz"]

HOURS_PER_MONTH = 730.0  # the course's average month, 365 × 24 / 12 (lesson 00)


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


@lru_cache(maxsize=256)
def _cheapest_design(daily: float = 5e6, strategy: str | None = None) -> Design:
    """The cheapest design that meets the p95 target (of ``strategy`` if given), itself."""
    return min(
        (
            d
            for d in _designs(daily)
            if d.meets_slo and (strategy is None or d.strategy == strategy)
        ),
        key=lambda d: d.monthly_cost_usd,
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
    design=True,
)

# --- q2: what spot saves, and what it gives up ---------------------------------------------------

q2 = NumericExercise(
    name="q2",
    question=(
        "At the scenario's traffic, how many USD a month does the cheapest design that meets the "
        "p95 target save against the cheapest on-demand fleet that meets it?"
    ),
    hint_text=(
        "Two minimums over the planner's designs that meet the target: all strategies, and "
        "`strategy == 'fleet'` only. Subtract."
    ),
    solution_text=lambda: (
        f"The cheapest design that meets the target is {_cheapest_design().name} "
        f"(${_cheapest():,.2f}); the cheapest on-demand fleet that meets it is "
        f"{_cheapest_design(strategy='fleet').name} (${_cheapest(strategy='fleet'):,.2f}). "
        f"The saving is ${_cheapest(strategy='fleet') - _cheapest():,.2f} a month. What it gives "
        "up: spot instances can be reclaimed at short notice, so the design keeps "
        f"{SPOT_ON_DEMAND_BASE_INSTANCES} on-demand instance as a floor and assumes "
        f"{SPOT_INTERRUPTIONS_PER_INSTANCE_MONTH:g} interruptions per spot instance a month, each "
        "leaving the fleet one instance short while a replacement starts."
    ),
    expected=lambda: _cheapest(strategy="fleet") - _cheapest(),
    unit="USD per month",
    rel_tol=1e-4,
    design=True,
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

# --- q3: twice the original's promise ------------------------------------------------------------

q3 = NumericExercise(
    name="q3",
    question=(
        "Section 3 priced the original's 10M requests a day. What does the cheapest design that "
        "meets the target cost per month at 20M requests a day?"
    ),
    hint_text="The same search as section 3, with `scenario_traffic(20_000_000)` and no budget limit.",
    solution_text=lambda: (
        "Run the same search at the new volume and keep the cheapest design that meets the "
        "target: `plan(Requirements(scenario_traffic(20e6), monthly_budget_usd=1e9))`, then the "
        f"first design with `meets_slo`. It is {_cheapest_design(2e7).name}, at "
        f"${_cheapest(2e7):,.2f}/month. It is not twice the 10M bill "
        f"(2 × ${_cheapest(1e7):,.2f}): costs move in whole instances, fixed platform charges "
        "weigh less as traffic grows, and the cheapest kind of design can change with the "
        "volume, so price the volume itself instead of scaling another one."
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

# --- q4: what 99.9 % allows -----------------------------------------------------------------------


def _downtime_minutes(availability: float = 0.999, hours: float = HOURS_PER_MONTH) -> float:
    return (1 - availability) * hours * 60


q4 = NumericExercise(
    name="q4",
    question=(
        "The design must reach 99.9% uptime over a month. How many minutes of downtime a month "
        "does that allow (use the course's 730-hour month, 365 × 24 / 12)?"
    ),
    hint_text="Downtime = (1 − availability) × hours in the month × 60.",
    solution_text=lambda: (
        f"(1 − 0.999) × 730 × 60 = {_downtime_minutes():.1f} minutes: one slow rollout can "
        "spend a good part of it, and lesson 04's HPA spends minutes over capacity at every "
        "morning ramp."
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

# --- q5: the budget drops to $300 -----------------------------------------------------------------

Q5_BUDGET_USD = 300.0


def _fleet_floor() -> float:
    """The least any instance-based design that meets the target costs, at a trickle of traffic."""
    return min(
        d.monthly_cost_usd
        for d in _designs(1e4)
        if d.meets_slo and not d.strategy.startswith("lambda")
    )


def _q5_solution() -> str:
    volume = _volume_for_budget(Q5_BUDGET_USD)
    design = _cheapest_design(volume)
    return (
        f"Search the volume as in q1 with a ${Q5_BUDGET_USD:,.0f} budget: about "
        f"{volume / 1e6:.2f}M requests a day, served by {design.name}. The design changes because "
        f"no instance-based design that meets the target costs less than ${_fleet_floor():,.2f} "
        "a month even at 10,000 requests a day (at least two instances over two zones, a load "
        f"balancer, logs), so only Lambda, which bills per request, fits under ${Q5_BUDGET_USD:,.0f}. "
        f"What it gives up: {1 - volume / 5e6:.0%} of the scenario's 5M requests a day, and warm "
        "capacity: every new Lambda environment starts cold."
    )


q5 = NumericExercise(
    name="q5",
    question=(
        f"The budget drops to ${Q5_BUDGET_USD:,.0f} a month; the p95 target and the day/night "
        "shape stay. Which design does the planner choose for the most traffic that budget can "
        "serve, and how many requests a day is that (within 0.5%)?"
    ),
    hint_text=(
        "Reuse q1's bisection with the new budget, then look at which design is the cheapest "
        "that meets the target at that volume, and at what fleets cost at almost no traffic."
    ),
    solution_text=_q5_solution,
    expected=lambda: _volume_for_budget(Q5_BUDGET_USD),
    unit="requests per day",
    rel_tol=0.005,
    mistakes=(
        Mistake(
            lambda: _volume_for_budget() * Q5_BUDGET_USD / MONTHLY_BUDGET_USD,
            f"you scaled q1's answer by {Q5_BUDGET_USD:,.0f} / {MONTHLY_BUDGET_USD:,.0f}; at "
            f"${Q5_BUDGET_USD:,.0f} no fleet fits at any volume, so the design changes: search "
            "the volume again.",
        ),
        Mistake(
            lambda: 5e6 * Q5_BUDGET_USD / _cheapest(5e6),
            "you scaled the 5M cost linearly; the cheapest design at 5M is a fleet that does not "
            "fit this budget at any volume, so search the volume itself.",
        ),
        Mistake(
            lambda: _volume_for_budget(),
            f"that is what ${MONTHLY_BUDGET_USD:,.0f} buys (q1); rerun the search with the "
            f"${Q5_BUDGET_USD:,.0f} budget.",
        ),
    ),
    success="below the fleets' floor only a design that bills per request fits the budget.",
    design=True,
)

# --- recap quiz ----------------------------------------------------------------------------------

quiz = Quiz(
    [
        ChoiceQuestion(
            name="r1",
            question=(
                'At 5M requests a day and 128 tokens the planner says "The budget cannot be '
                'met". Which constraint binds?'
            ),
            hint_text="Look at which designs meet the p95 target, and then at what they cost.",
            solution_text=(
                "b: int8 designs meet the p95 target, so the target is not what fails; but the "
                "cheapest of the designs that meet it costs more than $500. The target filters "
                "first, then the budget binds, and the verdict says by how much."
            ),
            options={
                "a": Option(
                    "The p95 target: no design the course measured meets it",
                    "No: the int8 designs meet it (their p95 at 128 tokens is under 100 ms). The target rules out "
                    "the slower runtimes, not every design.",
                ),
                "b": Option(
                    "The budget: designs meet the p95, but the cheapest of them costs more than $500",
                    "Right: the target filters the designs, and among those that pass, none fits "
                    "the budget; the verdict prints the gap.",
                ),
                "c": Option(
                    "The two-instance minimum: without it a single instance would fit the budget",
                    "No: Lambda designs have no instance minimum at all and still cost more than "
                    "the budget at this volume, so the minimum is not what binds.",
                ),
            },
            answer="b",
        ),
        ChoiceQuestion(
            name="r2",
            question=(
                "A design's availability line says: with one zone down, the remaining instances "
                "serve only part of the peak. What does that mean for a 99.9% uptime target?"
            ),
            hint_text="Think of a zone outage that happens during the busiest hours of the day.",
            solution_text=(
                "c: if a zone fails at peak hours, the survivors cannot carry the peak, so part of "
                "the traffic fails until capacity is replaced, and 99.9% allows only about 44 "
                "minutes of downtime a month. Surviving it takes enough instances per zone to "
                "carry the peak alone, or more zones, at a price."
            ),
            options={
                "a": Option(
                    "Nothing: the provider's zones never fail, so the line is only a formality",
                    "No: the design spreads over two zones precisely because one can fail; the line "
                    "says what is left when it does.",
                ),
                "b": Option(
                    "That the service is down whenever one zone is down",
                    "No: the remaining instances still serve part of the peak, and all of the "
                    "traffic at quieter hours; it is a partial outage at peak hours.",
                ),
                "c": Option(
                    "A zone outage at peak hours leaves part of the traffic unserved, spending the "
                    "downtime budget fast",
                    "Right: 99.9% is a budget of minutes, and a zone lost at peak spends it; "
                    "sizing each zone to carry the peak alone is what buys it back.",
                ),
            },
            answer="c",
        ),
        ChoiceQuestion(
            name="r3",
            question=(
                "Why is the Savings Plan discount an input you give the planner "
                "(`savings_plan_discount=`) rather than a price it reads from the catalog?"
            ),
            hint_text="Ask what your rate depends on, and what the catalog can record about it.",
            solution_text=(
                "a: the rate you get depends on the instance family, the term (1 or 3 years) and "
                "how much you pay upfront; the catalog can only record the provider's 'up to' "
                "figure, a best case. So the planner asks for the rate you were quoted."
            ),
            options={
                "a": Option(
                    "Your rate depends on the instance, the term and the upfront payment; the "
                    "catalog only has an 'up to' figure",
                    "Right: a maximum is not a quote. Put in the rate you were offered, and the "
                    "planner adds designs that commit the always-on instances at it.",
                ),
                "b": Option(
                    "Because Savings Plans have no published prices at all",
                    "No: the providers publish Savings Plans rates; they differ by instance, term "
                    "and payment option, which is why one catalog figure can't stand for yours.",
                ),
                "c": Option(
                    "Because the discount is the same for every design, so it needs no catalog entry",
                    "No: it differs by instance family, term and payment, and it applies only to "
                    "the committed, always-on part of a design.",
                ),
            },
            answer="a",
        ),
        ChoiceQuestion(
            name="r4",
            question=(
                "Why does a Lambda design with provisioned concurrency covering the peak cost "
                "money even when traffic is low?"
            ),
            hint_text="Check what provisioned concurrency is billed for: requests, or hours enabled.",
            solution_text=(
                "b: provisioned concurrency keeps execution environments initialised in advance "
                "and is billed for every hour it is enabled, whether requests arrive or not. "
                "Covering the peak all day turns Lambda into something like an always-on fleet."
            ),
            options={
                "a": Option(
                    "Because Lambda has a monthly minimum charge per function",
                    "No: on-demand Lambda bills per request and per GB-s and costs nothing when "
                    "idle; the fixed cost comes from the provisioned concurrency itself.",
                ),
                "b": Option(
                    "It is billed for every hour it is enabled, whether requests arrive or not",
                    "Right: you pay to keep environments warm, so at low traffic most of that "
                    "warm capacity is paid for and unused.",
                ),
                "c": Option(
                    "Because provisioned environments are billed at the x86 price even on arm64",
                    "No: the architecture is not the reason; the charge for keeping environments "
                    "ready, per hour enabled, is.",
                ),
            },
            answer="b",
        ),
        ChoiceQuestion(
            name="r5",
            question=(
                'The original promises "$10K → $800/month (92% savings)". What would a 92% '
                "saving need, in the course's terms?"
            ),
            hint_text="Turn 92% off into a ratio between the starting bill and the final one.",
            solution_text=(
                "a: a 92% saving leaves 8% of the bill, so the starting bill must be 1 / 0.08 = "
                "12.5 times the final one. The levers table shows how far the measured levers go "
                "from a real starting point; quote that ratio with its inputs instead."
            ),
            options={
                "a": Option(
                    "A starting bill 12.5 times the final one (1 / 0.08)",
                    "Right: the percentage is a ratio between two bills, so it is only as honest "
                    "as the starting design it compares with.",
                ),
                "b": Option(
                    "A spot discount of 92% on every instance",
                    "No: spot discounts are inputs with interruptions to pay for, and the saving "
                    "compares whole bills, not one price.",
                ),
                "c": Option(
                    "Serving 92% fewer requests",
                    "No: the promise is the same service for less money; serving less traffic is "
                    "giving something up, not saving.",
                ),
            },
            answer="a",
        ),
    ]
)
