"""Choose the cheapest design that meets the p95 target and the budget, or say exactly which
constraint cannot be met and what meeting it would cost."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..measurements import (
    SERVING_VARIANT,
    latency_by_threads,
    reference_machine,
)
from ..pricing import PriceCatalog, default_catalog
from ._designs import Design, Measurement, Requirements, evaluate_designs

__all__ = ["SWINGS", "Plan", "default_measurements", "plan", "sensitivity"]

VARIANTS = ("pytorch-eager-fp32", "onnxruntime-fp32", SERVING_VARIANT)


@dataclass(frozen=True)
class Plan:
    """The planner's answer: the chosen design (or ``None``), a one-line verdict, and every
    design it considered, cheapest first."""

    requirements: Requirements
    chosen: Design | None
    verdict: str
    designs: tuple[Design, ...]

    @property
    def rejected(self) -> list[Design]:
        return [d for d in self.designs if d is not self.chosen]

    def _why(self, design: Design) -> str:
        if design is self.chosen:
            return "(chosen)"
        return design.reason or "a cheaper design meets everything"

    def markdown(self) -> str:
        """The design document: verdict, the chosen design with its evidence, what to deploy,
        its availability arithmetic, the rollout and the budget alerts, then every design with
        why it lost."""
        r = self.requirements
        lines = [
            "# Serving design",
            "",
            f"Requirements: {r.traffic.daily_requests:,.0f} requests/day (peak {r.traffic.peak_rps:,.1f} req/s), "
            f"p95 ≤ {r.p95_target_ms:g} ms, budget ${r.monthly_budget_usd:,.2f}/month, "
            f"at least {r.min_instances} instances over {r.zones} zones.",
            "",
            f"**Verdict:** {self.verdict}",
            "",
        ]
        if self.chosen:
            lines += self._chosen_sections(self.chosen)
        lines += ["| design | $/month | p95 ms | rejected because |", "|---|---:|---:|---|"]
        for d in self.designs:
            lines.append(
                f"| {d.name} | {d.monthly_cost_usd:,.2f} | {d.p95_ms:.1f} | {self._why(d)} |"
            )
        return "\n".join(lines) + "\n"

    def _chosen_sections(self, chosen: Design) -> list[str]:
        from ..monitoring.alerts import DEFAULT_RULES
        from ..scenario import CANARY_STEPS_PERCENT

        budget = self.requirements.monthly_budget_usd
        steps = " → ".join(f"{step}%" for step in CANARY_STEPS_PERCENT)
        alerts = "; ".join(f"{rule.describe()} (${rule.threshold_usd(budget):,.2f})"
                           for rule in DEFAULT_RULES)  # fmt: skip
        return [
            f"**Chosen:** {chosen.name}: ${chosen.monthly_cost_usd:,.2f}/month.",
            f"Evidence: {chosen.evidence}.",
            "",
            f"**Deploy:** {chosen.deploy}.",
            "",
            f"**Availability:** {chosen.availability}.",
            "",
            f"**Rollout:** a canary at {steps} of traffic (lesson 05), each step held until its "
            "error rate and p95 pass the test of lesson 05 and the sample-ratio check.",
            "",
            f"**Budget alerts** (lesson 06, on ${budget:,.2f}/month): {alerts}.",
            "",
        ]


def default_measurements(sequence_length: int = 128) -> dict[str, Measurement]:
    """The committed benchmark's batch-1 latencies (lesson 02), with their source, and for the
    served model the threads sweep's other thread count (what Lambda's 1-vCPU size runs on)."""
    machine = reference_machine()
    source = f"{machine.source}, {machine.description}, {machine.measured}"
    measurements = {}
    for variant in VARIANTS:
        by_threads = latency_by_threads(variant, sequence_length)
        main = by_threads.pop(machine.threads)
        others = tuple((n, row.p50_ms, row.p95_ms) for n, row in by_threads.items())
        measurements[variant] = Measurement(
            variant, main.p50_ms, main.p95_ms, source, other_threads=others
        )
    return measurements


def plan(
    requirements: Requirements,
    measurements: Mapping[str, Measurement] | None = None,
    catalog: PriceCatalog | None = None,
) -> Plan:
    """The cheapest design meeting the p95 target and the budget; if there is none, a verdict
    that names the constraint that cannot be met and the cheapest way to meet the other."""
    designs = evaluate_designs(
        requirements, measurements or default_measurements(), catalog or default_catalog()
    )
    feasible = [d for d in designs if d.feasible]
    meeting_slo = [d for d in designs if d.meets_slo]
    if feasible:
        chosen: Design | None = feasible[0]
        verdict = f"{feasible[0].name} meets the p95 target and the budget, for the least money."
    elif meeting_slo:
        chosen = None
        cheapest = meeting_slo[0]
        verdict = (
            f"The budget cannot be met: the cheapest design that meets the p95 target, "
            f"{cheapest.name}, costs ${cheapest.monthly_cost_usd:,.2f}/month "
            f"(${cheapest.monthly_cost_usd - requirements.monthly_budget_usd:,.2f} over)."
        )
    else:
        chosen = None
        fastest = min(designs, key=lambda d: d.p95_ms)
        verdict = (
            f"The p95 target of {requirements.p95_target_ms:g} ms cannot be met by any measured "
            f"variant: the fastest, {fastest.name}, has a p95 of {fastest.p95_ms:.1f} ms."
        )
    return Plan(requirements, chosen, verdict, tuple(designs))


# How far each input is swung, low and high, for the tornado (multipliers of the base value).
SWINGS: dict[str, tuple[float, float]] = {
    "traffic (requests/day) ±50%": (0.5, 1.5),
    "latency (p50 and p95) ±20%": (0.8, 1.2),
    "prices ±20%": (0.8, 1.2),
    "spot interruptions 0 to 2× the assumption": (0.0, 2.0),
}


def _cheapest_meeting_slo(
    requirements: Requirements, measurements: Mapping[str, Measurement], catalog: PriceCatalog
) -> float:
    designs = evaluate_designs(requirements, measurements, catalog)
    meeting = [d.monthly_cost_usd for d in designs if d.meets_slo]
    return min(meeting) if meeting else float("nan")


def sensitivity(
    requirements: Requirements,
    measurements: Mapping[str, Measurement] | None = None,
    catalog: PriceCatalog | None = None,
) -> list[dict[str, float | str]]:
    """The monthly cost of the cheapest design that meets the p95 target, with each input of
    :data:`SWINGS` moved low and high in turn (the others at their base): the rows of a tornado
    plot, widest first. Prices scale every line item, so their swing scales the cost itself; a
    latency swing can change which designs meet the target (NaN: none does)."""
    measured = dict(measurements or default_measurements())
    prices = catalog or default_catalog()
    base = _cheapest_meeting_slo(requirements, measured, prices)
    rows: list[dict[str, float | str]] = []
    for name, (low, high) in SWINGS.items():
        costs = []
        for factor in (low, high):
            if name.startswith("traffic"):
                daily = requirements.traffic.daily_requests * factor
                changed = replace(
                    requirements, traffic=requirements.traffic.with_daily_requests(daily)
                )
                costs.append(_cheapest_meeting_slo(changed, measured, prices))
            elif name.startswith("latency"):
                scaled = {k: replace(m, p50_ms=m.p50_ms * factor, p95_ms=m.p95_ms * factor)
                          for k, m in measured.items()}  # fmt: skip
                costs.append(_cheapest_meeting_slo(requirements, scaled, prices))
            elif name.startswith("prices"):
                costs.append(base * factor)
            else:
                rate = requirements.spot_interruptions_per_instance_month * factor
                changed = replace(requirements, spot_interruptions_per_instance_month=rate)
                costs.append(_cheapest_meeting_slo(changed, measured, prices))
        rows.append({"input": name, "low_usd": costs[0], "base_usd": base, "high_usd": costs[1]})

    def width(row: dict[str, float | str]) -> float:
        spread = abs(float(row["high_usd"]) - float(row["low_usd"]))
        return math.inf if math.isnan(spread) else spread  # the target lost: the widest swing

    return sorted(rows, key=width, reverse=True)
