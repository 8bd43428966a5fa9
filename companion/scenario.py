"""The course's running scenario, from the original "Run ML for Pennies" lesson.

A sentiment-analysis API: 5 million requests a day on a DistilBERT-size model, p95 latency
under 100 ms, 24/7. Traffic: 1,000 req/s from 09:00 to 17:00, 50 req/s at night, 5,000 req/s
on Black Friday. Rollouts go 5 → 25 → 50 → 100 %. Budget: $500 a month.
"""

from __future__ import annotations

from typing import Any

from .costs.traffic import TrafficProfile

__all__ = [
    "BLACK_FRIDAY_RPS",
    "CANARY_STEPS_PERCENT",
    "DAILY_REQUESTS",
    "DAY_HOURS",
    "DAY_RPS",
    "LOG_BYTES_PER_REQUEST",
    "MONTHLY_BUDGET_USD",
    "NIGHT_RPS",
    "P95_LATENCY_TARGET_MS",
    "REQUEST_BYTES",
    "RESPONSE_BYTES",
    "SPOT_DISCOUNT",
    "SPOT_INTERRUPTIONS_PER_INSTANCE_MONTH",
    "SPOT_ON_DEMAND_BASE_INSTANCES",
    "SPOT_REPLACEMENT_MINUTES",
    "SPOT_REPROCESSED_FRACTION",
    "black_friday_scenario_series",
    "day_night_traffic",
    "scenario_series",
    "scenario_traffic",
]

DAILY_REQUESTS = 5_000_000
P95_LATENCY_TARGET_MS = 100.0
DAY_HOURS = range(9, 17)  # 09:00-17:00
DAY_RPS = 1_000.0
NIGHT_RPS = 50.0
BLACK_FRIDAY_RPS = 5_000.0
CANARY_STEPS_PERCENT = (5, 25, 50, 100)
MONTHLY_BUDGET_USD = 500.0

# Spot assumptions lesson 01 teaches and the CLI uses by default (inputs, not facts: read your
# instance type's interruption frequency in the Spot Instance Advisor).
SPOT_DISCOUNT = 0.6
SPOT_ON_DEMAND_BASE_INSTANCES = 1
SPOT_INTERRUPTIONS_PER_INSTANCE_MONTH = 2.0
SPOT_REPLACEMENT_MINUTES = 10.0
SPOT_REPROCESSED_FRACTION = 0.01

# Bytes per request the whole bill prices (assumptions, not measurements: a 128-token review is
# about 600 characters, plus HTTP headers; the answer is a label and a score; one access-log
# line per request on a fleet, Lambda's START/END/REPORT lines per invocation). Measure yours.
REQUEST_BYTES = 2_000
RESPONSE_BYTES = 200
LOG_BYTES_PER_REQUEST = 300


def day_night_traffic(day_rps: float = DAY_RPS, night_rps: float = NIGHT_RPS) -> TrafficProfile:
    """The original's day: ``day_rps`` from 09:00 to 17:00, ``night_rps`` otherwise."""
    return TrafficProfile.from_hourly_rps(
        [day_rps if hour in DAY_HOURS else night_rps for hour in range(24)]
    )


def scenario_traffic(daily_requests: float = DAILY_REQUESTS) -> TrafficProfile:
    """5M requests/day with the day/night *shape* (the original gives no shape for its 5M/day;
    we keep its 20:1 day-to-night ratio, which puts the peak hour at 2.7× the average)."""
    return day_night_traffic().with_daily_requests(daily_requests)


def _day_and_night_rps(daily_requests: float) -> tuple[float, float]:
    hourly = scenario_traffic(daily_requests).hourly_rps()
    return float(max(hourly)), float(min(hourly))


def scenario_series(
    days: int = 1, *, daily_requests: float = DAILY_REQUESTS, step_seconds: int = 15
) -> Any:
    """The scenario's traffic as a rate every ``step_seconds`` (for the HPA simulator): 5M
    requests a day with the 20:1 day/night shape, i.e. :func:`scenario_traffic` step by step."""
    from .autoscaling.traffic import day_night_series

    day, night = _day_and_night_rps(daily_requests)
    return day_night_series(days, day_rps=day, night_rps=night, step_seconds=step_seconds)


def black_friday_scenario_series(
    *, daily_requests: float = DAILY_REQUESTS, step_seconds: int = 15
) -> Any:
    """The scenario's day with the original's Black Friday spike scaled to it: the original
    spikes to 5× its day rate (5,000 vs 1,000 req/s), so the scenario spikes to 5× its own."""
    from .autoscaling.traffic import black_friday_series

    day, night = _day_and_night_rps(daily_requests)
    return black_friday_series(
        peak_rps=day * BLACK_FRIDAY_RPS / DAY_RPS, day_rps=day, night_rps=night,
        step_seconds=step_seconds,
    )  # fmt: skip
