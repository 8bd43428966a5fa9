"""Exercises for lesson 00 (start here): a warm-up that shows how checking works, and a recap
quiz on how the course works (percentiles, the 730-hour month, the price catalog, offline AWS)."""

from __future__ import annotations

from ..costs.traffic import HOURS_PER_MONTH
from .core import ChoiceQuestion, Mistake, NumericExercise, Option, Quiz

__all__ = ["q1", "quiz"]

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
