"""What a deployment pays besides its compute: a load balancer in front (every fleet), a
Kubernetes control plane and a NAT gateway (a fleet run by the HPA on EKS, its nodes in
private subnets), and, for every design, its logs and the answers it sends out. Priced from
the catalog's ``[[platform]]`` entries, per 730-hour month."""

from __future__ import annotations

from dataclasses import dataclass

from .. import scenario
from ..costs import TrafficProfile
from ..pricing import (
    CommitmentTerms,
    GatewayPrice,
    InstancePrice,
    PlatformPrice,
    PriceCatalog,
    ServerlessPrice,
)

__all__ = [
    "PlatformCharge",
    "catalog_source",
    "load_balancer_lcus",
    "monthly_gb",
    "platform_charges",
]

HOURS_PER_MONTH = 730.0
NEW_CONNECTIONS_PER_LCU = 25.0  # per second
GB_PER_LCU = 1.0  # processed per hour


def catalog_source(
    entry: InstancePrice | ServerlessPrice | GatewayPrice | PlatformPrice | CommitmentTerms,
) -> str:
    """Where a catalog price comes from, in one line: entry, date, evidence level, source."""
    return f"catalog: {entry.name}, as of {entry.as_of}, {entry.evidence}, {entry.source}"


@dataclass(frozen=True)
class PlatformCharge:
    """One monthly platform charge with the catalog entry it comes from."""

    description: str
    monthly_usd: float
    entry: PlatformPrice

    @property
    def source(self) -> str:
        return catalog_source(self.entry)


def load_balancer_lcus(
    traffic: TrafficProfile, bytes_per_request: float = scenario.REQUEST_BYTES
) -> float:
    """Average LCUs of an Application Load Balancer: the larger of new connections (assuming
    one connection per request, no keep-alive: the worst case) and processed bytes."""
    by_connections = traffic.average_rps / NEW_CONNECTIONS_PER_LCU
    by_bytes = traffic.average_rps * 3600 * bytes_per_request / 1e9 / GB_PER_LCU
    return max(by_connections, by_bytes)


def monthly_gb(traffic: TrafficProfile, bytes_per_request: float) -> float:
    """GB a month (10⁹ bytes, as AWS bills) when every request moves ``bytes_per_request``."""
    return traffic.monthly_requests * bytes_per_request / 1e9


def _per_gb(entry: PlatformPrice, gb: float) -> float:
    return max(0.0, gb - entry.free_gb_per_month) * entry.price_per_gb


def _usage_charges(traffic: TrafficProfile, catalog: PriceCatalog) -> list[PlatformCharge]:
    logs = catalog.platform_price("cloudwatch-logs-ingestion")
    egress = catalog.platform_price("data-transfer-out")
    log_gb = monthly_gb(traffic, scenario.LOG_BYTES_PER_REQUEST)
    out_gb = monthly_gb(traffic, scenario.RESPONSE_BYTES)
    return [
        PlatformCharge(f"CloudWatch logs ({log_gb:,.1f} GB ingested)", _per_gb(logs, log_gb), logs),
        PlatformCharge(f"data transfer out ({out_gb:,.1f} GB, {egress.free_gb_per_month:g} GB "
                       "free)", _per_gb(egress, out_gb), egress),
    ]  # fmt: skip


def platform_charges(
    traffic: TrafficProfile,
    catalog: PriceCatalog,
    *,
    kubernetes: bool,
    load_balancer: bool = True,
    nat_gateways: int = 0,
) -> list[PlatformCharge]:
    """Every charge besides compute: the load balancer a fleet needs (``load_balancer``), the
    EKS control plane (``kubernetes``), ``nat_gateways`` NAT gateways (hourly; the requests do
    not cross them, so their per-GB charge is left to image pulls and updates, not estimated),
    the logs every request writes and the answers it sends out (bytes from
    :mod:`companion.scenario`)."""
    charges = []
    if load_balancer:
        balancer = catalog.platform_price("application-load-balancer")
        lcus = load_balancer_lcus(traffic)
        charges.append(PlatformCharge(
            f"load balancer ({lcus:.2f} LCU on average)",
            (balancer.price_per_hour + lcus * balancer.price_per_unit_hour) * HOURS_PER_MONTH,
            balancer,
        ))  # fmt: skip
    if kubernetes:
        eks = catalog.platform_price("eks-control-plane")
        charges.append(
            PlatformCharge("EKS control plane", eks.price_per_hour * HOURS_PER_MONTH, eks)
        )
    if nat_gateways:
        nat = catalog.platform_price("nat-gateway")
        charges.append(PlatformCharge(
            f"NAT gateway × {nat_gateways} (hourly)",
            nat_gateways * nat.price_per_hour * HOURS_PER_MONTH, nat,
        ))  # fmt: skip
    return charges + _usage_charges(traffic, catalog)
