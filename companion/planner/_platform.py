"""What a fleet pays whatever its traffic: a load balancer in front (every fleet), and a
Kubernetes control plane (a fleet run by the HPA on EKS). Priced from the catalog's
``[[platform]]`` entries, per 730-hour month."""

from __future__ import annotations

from dataclasses import dataclass

from ..costs import TrafficProfile
from ..pricing import GatewayPrice, InstancePrice, PlatformPrice, PriceCatalog, ServerlessPrice

__all__ = ["PlatformCharge", "catalog_source", "load_balancer_lcus", "platform_charges"]

HOURS_PER_MONTH = 730.0
NEW_CONNECTIONS_PER_LCU = 25.0  # per second
GB_PER_LCU = 1.0  # processed per hour


def catalog_source(entry: InstancePrice | ServerlessPrice | GatewayPrice | PlatformPrice) -> str:
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


def load_balancer_lcus(traffic: TrafficProfile, bytes_per_request: float = 2_000.0) -> float:
    """Average LCUs of an Application Load Balancer: the larger of new connections (assuming
    one connection per request, no keep-alive: the worst case) and processed bytes."""
    by_connections = traffic.average_rps / NEW_CONNECTIONS_PER_LCU
    by_bytes = traffic.average_rps * 3600 * bytes_per_request / 1e9 / GB_PER_LCU
    return max(by_connections, by_bytes)


def platform_charges(
    traffic: TrafficProfile, catalog: PriceCatalog, *, kubernetes: bool
) -> list[PlatformCharge]:
    """The load balancer every fleet needs, plus the EKS control plane when ``kubernetes``."""
    balancer = catalog.platform_price("application-load-balancer")
    lcus = load_balancer_lcus(traffic)
    charges = [
        PlatformCharge(
            f"load balancer ({lcus:.2f} LCU on average)",
            (balancer.price_per_hour + lcus * balancer.price_per_unit_hour) * HOURS_PER_MONTH,
            balancer,
        )
    ]
    if kubernetes:
        eks = catalog.platform_price("eks-control-plane")
        charges.append(
            PlatformCharge("EKS control plane", eks.price_per_hour * HOURS_PER_MONTH, eks)
        )
    return charges
