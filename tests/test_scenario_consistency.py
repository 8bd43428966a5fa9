"""One scenario from start to finish: the committed lesson outputs never contradict each other.

Reads every lesson's committed outputs (what a learner sees, and what nbval proves reproduces)
and fails when a scenario figure (requests/day, peak hour, budget) differs from
``companion.scenario`` without the line saying it is the original lesson's figure, or when one
strategy (same name: same instance type and count, or same Lambda memory and front door) is
priced differently in two places.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from companion import scenario
from companion.course import lesson_files

LESSONS = lesson_files(Path(__file__).resolve().parent.parent / "lessons")
TRAFFIC = scenario.scenario_traffic()

STRATEGY = re.compile(
    r"((?:capacity-aware|spot|always-on) \d+× [\w.]+"
    r"|lambda-(?:x86_64|arm64) \d+ MB(?: \+ api-gateway-\w+)?)\s+(?:\d+|-)\s+([\d,]+\.\d{2})"
)
REQUESTS_PER_DAY = re.compile(r"([\d,.]+)(M?) requests/day")
PEAK = re.compile(r"peak(?: hour)? ([\d.]+) req/s")
BUDGET = re.compile(r"USD ([\d,.]+)(?: a month|[^\n]* budget)|budget\s+USD\s+([\d,.]+)")


def output_lines() -> list[tuple[str, int, str]]:
    """(lesson or part, cell index, line) for every line of every committed text output."""
    lines = []
    for path in LESSONS:
        for index, cell in enumerate(json.loads(path.read_text())["cells"]):
            for output in cell.get("outputs", []):
                text = output.get("text") or output.get("data", {}).get("text/plain", "")
                for line in "".join(text).splitlines():
                    lines.append((path.name.split("_")[0], index, line))
    return lines


LINES = output_lines()


def _number(text: str, millions: str = "") -> float:
    return float(text.replace(",", "")) * (1e6 if millions else 1)


def test_there_is_something_to_check() -> None:
    """The patterns below still match the lessons' wording (else every other test is vacuous)."""
    assert any(STRATEGY.search(line) for *_, line in LINES)
    assert any("requests/day" in line for *_, line in LINES)
    assert any(PEAK.search(line) for *_, line in LINES)
    assert any(BUDGET.search(line) for *_, line in LINES)


def _scenario_volume_lines() -> list[tuple[str, int, str, float]]:
    """Lines that state the traffic the lesson runs on (not a computed break-even)."""
    found = []
    for lesson, cell, line in LINES:
        match = REQUESTS_PER_DAY.search(line)
        describes_traffic = match and (
            "peak" in line or "req/s" in line or "scenario" in line or "original" in line
            or line.startswith(match.group(0))
        )  # fmt: skip
        computed = any(word in line for word in ("break", "above", "once", "matches"))
        if describes_traffic and not computed:  # a break-even is computed, not the scenario
            found.append((lesson, cell, line, _number(match.group(1), match.group(2))))  # type: ignore[union-attr]
    return found


def test_every_lesson_runs_on_the_scenarios_daily_volume() -> None:
    stated = _scenario_volume_lines()
    assert stated, "no lesson states its daily volume"
    for lesson, cell, line, requests in stated:
        if "original" in line:
            assert requests != pytest.approx(scenario.DAILY_REQUESTS, rel=0.01)
            continue
        assert requests == pytest.approx(scenario.DAILY_REQUESTS, rel=0.005), (lesson, cell, line)


def test_every_peak_stated_is_the_scenarios_peak() -> None:
    for lesson, cell, line in LINES:
        match = PEAK.search(line)
        if match and "original" not in line:
            shown = match.group(1)
            decimals = len(shown.partition(".")[2])  # compare at the precision printed
            assert _number(shown) == round(TRAFFIC.peak_rps, decimals), (
                lesson,
                cell,
                line,
            )


def test_every_budget_stated_is_the_scenarios_budget() -> None:
    for lesson, cell, line in LINES:
        match = BUDGET.search(line)
        if match and ("budget" in line.lower() or "a month" in line):
            value = _number(match.group(1) or match.group(2))
            if "% of the" in line and "budget" in line and "over" not in line:
                continue  # "spent USD x (67% of the budget)": a spend, not the budget
            if "(" in line and "% of the monthly budget" in line:
                continue
            assert value == pytest.approx(scenario.MONTHLY_BUDGET_USD) or "spent" in line, (
                lesson,
                cell,
                line,
            )


def test_one_strategy_has_one_price_everywhere() -> None:
    """The same strategy on the same inputs is never priced twice differently (e.g. the CLI's
    spot estimate against the lesson's, which once left out the interruption overheads)."""
    prices: dict[str, set[tuple[str, int, str]]] = defaultdict(set)
    for lesson, cell, line in LINES:
        for match in STRATEGY.finditer(line):
            prices[match.group(1)].add((lesson, cell, match.group(2)))
    assert prices
    for strategy, seen in prices.items():
        assert len({price for *_, price in seen}) == 1, (strategy, sorted(seen))


def test_lesson_01_plans_with_lesson_02s_committed_measurement() -> None:
    """One chain of evidence: the latencies lesson 01 plans with are lesson 02's benchmark."""
    from companion.course import committed_json
    from companion.measurements import reference_latency

    rows = [
        r for r in committed_json("optimize_distilbert.json")["runtimes"] if r["batch_size"] == 1
    ]
    assert rows
    for row in rows:
        measured = reference_latency(row["variant"], row["sequence_length"])
        assert (measured.p50_ms, measured.p95_ms) == (row["p50_ms"], row["p95_ms"])
        assert measured.p95_ms >= measured.p50_ms


def test_each_thread_count_has_one_measurement() -> None:
    """What Lambda is tuned on: the main table at the benchmark's thread count (never the
    threads sweep's repeat of that configuration, which lessons 01, 04 and 07 do not quote)
    and the sweep at the other counts; variants the sweep did not run have only the main row."""
    from companion.course import committed_json
    from companion.measurements import SERVING_VARIANT, latency_by_threads, reference_latency

    committed = committed_json("optimize_distilbert.json")
    main_threads = committed["threads"]
    by_threads = latency_by_threads(SERVING_VARIANT, 128)
    assert by_threads[main_threads] == reference_latency(SERVING_VARIANT, 128)
    sweep = {row["threads"]: row for row in committed["threads_sweep"]}
    others = set(sweep) - {main_threads}
    assert others and list(by_threads) == sorted({main_threads, *others})
    for threads in others:
        row = sweep[threads]
        assert (by_threads[threads].p50_ms, by_threads[threads].p95_ms) == (
            row["p50_ms"],
            row["p95_ms"],
        )
    assert list(latency_by_threads("onnxruntime-int8", 128)) == [main_threads]


@pytest.mark.parametrize(
    "row",
    [{"batch_size": 16, "sequence_length": 128}, {"batch_size": 1, "sequence_length": 64}],
    ids=["batch 16", "64 tokens"],
)
def test_a_threads_sweep_of_another_shape_is_refused(row: dict[str, int]) -> None:
    from companion.measurements import _check_sweep

    with pytest.raises(ValueError, match="must measure batch 1 × 128 tokens"):
        _check_sweep([{**row, "variant": "int8-1-thread", "threads": 1}])


def test_lesson_03s_tuned_function_costs_what_lesson_01_bills_for_it() -> None:
    """Lesson 03 tunes Lambda and prices the scenario's month on its pick; lesson 01 prices the
    same function (2 vCPUs, the served model's p50, HTTP API) from the same benchmark: the two
    bills are one figure."""
    from companion.costs import serverless_cost
    from companion.exercises import lesson03
    from companion.measurements import SERVING_VARIANT, reference_latency
    from companion.pricing import default_catalog

    catalog = default_catalog()
    pick = lesson03._x86_pick()
    assert pick.memory_mb == 3538  # two vCPUs: the configuration lesson 01 prices
    price, gateway = catalog.lambda_price("x86_64"), catalog.gateway("http")
    lesson_03 = serverless_cost(TRAFFIC, price, pick.duration_ms, pick.memory_mb, gateway=gateway)
    p50_ms = reference_latency(SERVING_VARIANT, 128).p50_ms
    lesson_01 = serverless_cost(TRAFFIC, price, p50_ms, 3538, gateway=gateway)
    assert lesson_03.monthly_cost_usd == lesson_01.monthly_cost_usd


def test_the_served_model_is_the_fastest_benchmarked_onnx_runtime_int8_that_agrees() -> None:
    """The file every serving path loads is the one the benchmark measured under the label the
    lessons plan with, and that variant is the fastest ONNX Runtime int8 at one 128-token
    request among those that agreed with PyTorch (OpenVINO is left out: Lambda can't carry it)."""
    from companion.course import committed_json
    from companion.measurements import SERVING_VARIANT
    from companion.serving import SERVING_ONNX_FILE

    committed = committed_json("optimize_distilbert.json")
    assert committed["variants"][SERVING_VARIANT] == SERVING_ONNX_FILE
    agreed = {a["candidate"] for a in committed["agreement"] if a["passed"]}
    candidates = {
        row["variant"]: row["p50_ms"]
        for row in committed["runtimes"]
        if row["variant"].startswith("onnxruntime-int8")
        and row["variant"] in agreed
        and (row["batch_size"], row["sequence_length"]) == (1, 128)
    }
    assert len(candidates) >= 2 and min(candidates, key=candidates.__getitem__) == SERVING_VARIANT
