"""Exercises for lesson 00 (start here): a warm-up that shows how checking works, and a recap
quiz on how the course works (percentiles, the 730-hour month, the price catalog, offline AWS)."""

from __future__ import annotations

import numpy as np

from ..costs.traffic import HOURS_PER_MONTH, SECONDS_PER_DAY
from .core import ChoiceQuestion, Mistake, NumericExercise, Option, Quiz

__all__ = ["LATENCIES_MS", "SERVERS", "q1", "q2", "q3", "q4", "quiz"]

q1 = NumericExercise(
    name="q1",
    question=(
        "Cloud prices are quoted per hour, bills are monthly. How many hours are in the average "
        "month the course uses: a 365-day year split evenly into 12 months?"
    ),
    hint_text="A year has 365 × 24 hours; the course splits it evenly into 12 months.",
    solution_text=lambda: (
        f"A year has 365 × 24 = {365 * 24:,} hours; split evenly over 12 months that is "
        f"{365 * 24:,} / 12 = {HOURS_PER_MONTH:g} hours. That average month is "
        "`companion.costs.HOURS_PER_MONTH`, and every monthly cost in the course is an hourly "
        "price times it, so twelve months always add up to exactly one year."
    ),
    expected=lambda: HOURS_PER_MONTH,
    unit="hours",
    rel_tol=1e-9,
    mistakes=(
        Mistake(
            lambda: 30 * 24,
            "720 is a 30-day month; the course averages the year instead: 365 × 24 / 12.",
        ),
        Mistake(
            lambda: 31 * 24,
            "744 is a 31-day month; the course averages the year instead: 365 × 24 / 12.",
        ),
        Mistake(lambda: 365 * 24, "8,760 is a whole year; divide it over the 12 months."),
    ),
    success="730 hours: 365 × 24 / 12, the month every cost in this course uses.",
)

# --- recap quiz: how the course works ------------------------------------------------------------


# --- q2: a p95 from measured latencies -------------------------------------------------------

# Twenty measured request latencies of one service, in ms (a made-up sample for the exercise).
LATENCIES_MS = (31, 35, 33, 38, 41, 36, 34, 120, 39, 37, 44, 32, 36, 95, 40, 35, 38, 210, 42, 37)


def _p95(values: tuple[float, ...]) -> float:
    return float(np.percentile(values, 95))


q2 = NumericExercise(
    name="q2",
    question=(
        "`ex.LATENCIES_MS` holds twenty measured latencies of one service. What is their p95, "
        "in ms, as `numpy.percentile` computes it (linear interpolation)?"
    ),
    hint_text="`np.percentile(ex.LATENCIES_MS, 95)`: the value 95% of the requests are at or below.",
    solution_text=lambda: (
        f"`np.percentile(ex.LATENCIES_MS, 95)` = {_p95(LATENCIES_MS):.2f} ms. Sorted, the 19th and "
        "20th values are 120 and 210 ms; the 95th percentile of 20 values lies 5% of the way "
        "from the 19th to the 20th, so it is dominated by the slow tail. The mean and the median "
        "hide that tail, which is why targets are written as a p95."
    ),
    expected=lambda: _p95(LATENCIES_MS),
    unit="ms",
    rel_tol=1e-3,
    mistakes=(
        Mistake(
            lambda: float(np.mean(LATENCIES_MS)),
            "that is the mean: a few slow requests move it a little, but it says nothing "
            "about how slow the slowest 1 in 20 are.",
        ),
        Mistake(
            lambda: float(np.median(LATENCIES_MS)),
            "that is the median (p50): the typical request, not the slow 5%.",
        ),
        Mistake(
            lambda: float(max(LATENCIES_MS)),
            "that is the maximum (p100); p95 leaves out the slowest 5% of requests.",
        ),
    ),
    success="the slow tail sets the p95: 1 request in 20 is slower than this.",
)

# --- q3: a judgement: which server meets the target for less -----------------------------------

# Two configurations measured on the same traffic: price per hour and latencies (made up).
SERVERS: dict[str, dict[str, object]] = {
    "small": {"price_per_hour_usd": 0.17, "latencies_ms": (42, 48, 45, 51, 47, 44, 130, 49, 46,
              50, 43, 52, 47, 45, 118, 48, 44, 46, 125, 49)},
    "large": {"price_per_hour_usd": 0.34, "latencies_ms": (30, 33, 31, 35, 32, 34, 61, 33, 31,
              36, 32, 34, 33, 30, 58, 35, 31, 32, 66, 34)},
}  # fmt: skip
TARGET_P95_MS = 100.0


def _monthly(name: str) -> float:
    return float(SERVERS[name]["price_per_hour_usd"]) * HOURS_PER_MONTH  # type: ignore[arg-type]


def _p95_of(name: str) -> float:
    return _p95(SERVERS[name]["latencies_ms"])  # type: ignore[arg-type]


def _cheapest_meeting_target() -> float:
    meeting = [n for n in SERVERS if _p95_of(n) <= TARGET_P95_MS]
    return min(_monthly(n) for n in meeting)


q3 = NumericExercise(
    name="q3",
    question=(
        f"`ex.SERVERS` describes two configurations: each one's price per hour and twenty "
        f"latencies measured on the same traffic. The target is p95 ≤ {TARGET_P95_MS:g} ms. "
        "Which one would you run, and what does it cost per month (730 hours)? Answer the "
        "monthly cost in USD."
    ),
    hint_text=(
        "Compute each one's p95 with `np.percentile(..., 95)`, drop those over the target, then "
        "take the cheaper of the rest."
    ),
    solution_text=lambda: (
        f"The small one's median looks fine, but its p95 is {_p95_of('small'):.1f} ms, over "
        f"the {TARGET_P95_MS:g} ms target: three slow requests in twenty. The large one's p95 is {_p95_of('large'):.1f} ms, so it is the only one "
        f"that meets the target, at {SERVERS['large']['price_per_hour_usd']} × 730 = "
        f"${_cheapest_meeting_target():.2f} a month. Judge by the p95 the target names, then by "
        "price."
    ),
    expected=_cheapest_meeting_target,
    unit="USD per month",
    rel_tol=1e-3,
    mistakes=(
        Mistake(
            lambda: _monthly("small"),
            "the small one is cheaper, but its p95 is over the target: judged by the mean "
            "or the median it looks fine, judged by the p95 it is not.",
        ),
        Mistake(
            lambda: float(SERVERS["large"]["price_per_hour_usd"]),  # type: ignore[arg-type]
            "that is the price per hour; multiply by the 730 hours of a month.",
        ),
    ),
    success="the cheapest configuration that meets the p95 target, judged on the p95.",
    design=True,
)

# --- q4: requests a day as a rate --------------------------------------------------------------

q4 = NumericExercise(
    name="q4",
    question=(
        "The course's scenario serves 5 million requests a day. What is that on average, in "
        "requests per second?"
    ),
    hint_text="A day has 24 × 3,600 = 86,400 seconds; divide the daily requests by it.",
    solution_text=lambda: (
        f"5,000,000 / 86,400 s = {5e6 / SECONDS_PER_DAY:.2f} requests per second on average. "
        "Real traffic is not flat: the scenario's day hours run several times the night's rate, "
        "and a fleet is sized for the peak hour, which lesson 01 computes."
    ),
    expected=lambda: 5e6 / SECONDS_PER_DAY,
    unit="requests per second",
    rel_tol=1e-3,
    mistakes=(
        Mistake(lambda: 5e6 / 24, "that is per hour; divide by 3,600 more for per second."),
        Mistake(lambda: 5e6 / 1440, "that is per minute; divide by 60 more for per second."),
    ),
    success="about 58 requests per second on average; the peak hour is higher.",
)

quiz = Quiz(
    [
        ChoiceQuestion(
            name="r1",
            question=(
                "A runtime measures p50 = 71 ms and p95 = 88 ms. What does the p95 tell you that "
                "the p50 does not?"
            ),
            hint_text="Read the number after the p as a share of requests that are at least that fast.",
            solution_text=(
                "b: 95% of requests finish within the p95 and 1 in 20 is slower. The scenario's "
                "target is on the p95, so the p95 is what gets compared with 100 ms; the p50 (the "
                "median) describes the typical request and feeds throughput estimates."
            ),
            options={
                "a": Option(
                    "The average latency, with outliers removed",
                    "No: a percentile is not an average. The p95 keeps the slow requests in view "
                    "instead of removing them; the p50 is the median, not the mean.",
                ),
                "b": Option(
                    "95% of requests finish within 88 ms; 1 in 20 is slower",
                    "Right: the p95 is the tail a user actually notices, and the scenario's "
                    "target (100 ms) is set on it, so a runtime is judged on its p95.",
                ),
                "c": Option(
                    "The server answers within 88 ms for 95% of the day",
                    "No: the p95 counts requests, not hours. Uptime over a month is availability, "
                    "a different number (lesson 07).",
                ),
            },
            answer="b",
        ),
        ChoiceQuestion(
            name="r2",
            question="Why does the course multiply an hourly price by 730 to get a monthly cost?",
            hint_text="Think of what twelve of those months must add up to, exactly.",
            solution_text=(
                "c: 730 = 365 × 24 / 12, the average month. With it twelve months add up to one "
                "year exactly and every monthly figure in the course is comparable, whatever the "
                "calendar month; a real bill counts the hours you actually ran."
            ),
            options={
                "a": Option(
                    "Because a month has 30 days of 24 hours and a bit of margin",
                    "No: 30 × 24 is 720, and 730 is not a margin on it. It is the year split "
                    "evenly: 365 × 24 / 12.",
                ),
                "b": Option(
                    "Because the provider bills every instance in 730-hour blocks",
                    "No: an instance is billed for the time it runs, not in monthly blocks. "
                    "730 is a planning convention that turns hourly prices into monthly ones.",
                ),
                "c": Option(
                    "Because 365 × 24 / 12 = 730: the average month, so 12 of them make a year",
                    "Right: one average month for every estimate keeps monthly costs comparable "
                    "and makes twelve of them exactly one year.",
                ),
            },
            answer="c",
        ),
        ChoiceQuestion(
            name="r3",
            question=(
                "An instance price in `companion/pricing/data/prices.toml` says "
                '`evidence = "unconfirmed"`. What does that mean?'
            ),
            hint_text="The catalog records for each price when, where and how well it was read.",
            solution_text=(
                "a: every catalog entry records its date (`as_of`), its source URL and its "
                "evidence level. Unconfirmed means a long-standing list price that could not be "
                "re-read while offline, so refresh it or check the source page before relying on it."
            ),
            options={
                "a": Option(
                    "A long-standing list price not re-read on the provider's page: check it "
                    "before you rely on it",
                    "Right: the evidence level says how well a price is backed; confirmed and "
                    "corroborated prices were read on a page, unconfirmed ones need a refresh "
                    "(`python -m companion prices refresh` for AWS).",
                ),
                "b": Option(
                    "A price the course computed from other prices in the catalog",
                    "No: the catalog computes nothing. Every entry is a price read or recorded "
                    "with its source; the code computes costs from those prices.",
                ),
                "c": Option(
                    "A price that is known to be wrong and is kept only for comparison",
                    "No: a wrong price would be corrected, with its new date and evidence, in the "
                    "same commit. Unconfirmed means not re-checked, not known to be wrong.",
                ),
            },
            answer="a",
        ),
        ChoiceQuestion(
            name="r4",
            question=(
                "A later lesson creates an AWS budget alert. You have no AWS account and no "
                "network. What happens when you run it?"
            ),
            hint_text="The lessons run offline by default; think of what stands in for AWS.",
            solution_text=(
                "b: the lessons run offline by design. AWS calls go to moto, a local mock of the "
                "AWS APIs, so the code that would create the real budget runs, is tested, and "
                "costs nothing; each lesson says how to point it at a real account."
            ),
            options={
                "a": Option(
                    "The cell fails: that lesson needs an AWS account",
                    "No: no lesson needs an account. The AWS calls run against a local mock, and "
                    "each lesson says how to switch to the real service when you want to.",
                ),
                "b": Option(
                    "The same boto3 calls run against moto, a local mock of AWS, offline",
                    "Right: moto answers the AWS APIs in-process, so the code is the code you "
                    "would run for real, and it runs offline and for free.",
                ),
                "c": Option(
                    "The cell prints the numbers a real AWS account produced when the course "
                    "was written",
                    "No: nothing is replayed. The calls really run, against moto, and the numbers "
                    "are computed from the catalog's prices on your machine.",
                ),
            },
            answer="b",
        ),
    ]
)
