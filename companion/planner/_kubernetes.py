"""Lesson 04's design priced whole: the load-tested replica (its review-sized texts) under the
HPA for the scenario's day, on EKS, behind a load balancer, with its NAT gateway, logs and
egress."""

from __future__ import annotations

from dataclasses import dataclass

from ..pricing import PriceCatalog
from ._platform import PlatformCharge, platform_charges

__all__ = ["KubernetesBill", "kubernetes_bill"]


@dataclass(frozen=True)
class KubernetesBill:
    """The monthly bill of an HPA-scaled fleet: the pods' share of their nodes, and the
    platform charges that come with running it on EKS."""

    pods_monthly_usd: float
    platform: tuple[PlatformCharge, ...]
    max_replicas: int
    over_capacity_percent: float
    tokens_note: str

    @property
    def monthly_usd(self) -> float:
        return self.pods_monthly_usd + sum(c.monthly_usd for c in self.platform)

    def lines(self) -> list[tuple[str, float, str]]:
        """(item, USD/month, where it comes from) for every line of the bill."""
        rows = [("pods under the HPA (simulated day)", self.pods_monthly_usd,
                 "companion.autoscaling.simulate_hpa; load test: companion/data/results/load_test_replica.json")]  # fmt: skip
        rows += [(c.description, c.monthly_usd, c.source) for c in self.platform]
        return rows


def kubernetes_bill(
    catalog: PriceCatalog,
    *,
    daily_requests: float,
    node: str = "c7i.2xlarge",
    nat_gateways: int = 1,
) -> KubernetesBill:
    """Simulate the scenario's day (at ``daily_requests``) under the default HPA (70 % target,
    2 replicas at least) with the committed load test's replica, and price it whole: the pods,
    the load balancer, the EKS control plane, ``nat_gateways`` NAT gateways for private nodes,
    the logs and the egress."""
    from ..autoscaling import HPAConfig, ReplicaModel, replicas_for_rps, simulate_hpa
    from ..course import committed_json
    from ..loadtest import LoadTestResult, replica_sizing
    from ..scenario import scenario_series, scenario_traffic

    runs = [LoadTestResult.from_dict(run)
            for run in committed_json("load_test_replica.json")["variants"].values()]  # fmt: skip
    sizing = replica_sizing(max(runs, key=lambda run: run.sustained_rps or 0.0))
    machine = catalog.instance(node)
    replica = ReplicaModel(
        capacity_rps=sizing.capacity_rps,
        price_per_hour_usd=machine.price_per_hour
        * sizing.cpu_request_millicores
        / 1000
        / machine.vcpus,
        startup_seconds=60,
        utilization_at_capacity_percent=sizing.utilization_at_capacity_percent,
        max_utilization_percent=100 * 1000 / sizing.cpu_request_millicores,
    )
    series = scenario_series(daily_requests=daily_requests)
    hpa = HPAConfig(min_replicas=2, max_replicas=replicas_for_rps(series.max(), replica, 70),
                    target_utilization_percent=70)  # fmt: skip
    summary = simulate_hpa(series, replica, hpa).summary()
    traffic = scenario_traffic(daily_requests)
    return KubernetesBill(
        pods_monthly_usd=float(summary["monthly_cost_usd"]),
        platform=tuple(
            platform_charges(traffic, catalog, kubernetes=True, nat_gateways=nat_gateways)
        ),
        max_replicas=int(summary["max_replicas"]),
        over_capacity_percent=float(summary["over_capacity_percent"]),
        tokens_note="the load test's review-sized texts, not 128 tokens",
    )
