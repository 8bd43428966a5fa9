"""The price catalog: sourced, dated prices loaded from a data file and validated.

Prices live in ``companion/pricing/data/prices.toml`` (or a file you pass), never in code.
Loading checks every entry and names the entry that is wrong, so a typo in the file fails
loudly instead of producing a plausible-looking cost.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from companion import _checks

from .._lambda_limits import ARCHITECTURES
from .exceptions import CatalogError, UnknownPriceError

__all__ = [
    "KNOWN_CURRENCIES",
    "KNOWN_PROVIDERS",
    "CommitmentTerms",
    "GatewayPrice",
    "InstancePrice",
    "PriceCatalog",
    "RequestTier",
    "ServerlessPrice",
    "SpotTerms",
    "Tier",
    "default_catalog",
    "load_catalog",
]

KNOWN_PROVIDERS: tuple[str, ...] = ("aws", "gcp", "azure")
# ISO 4217 codes we accept. Everything in the shipped catalog is USD; another code is allowed
# in a catalog you write, but the cost models refuse to add prices in different currencies.
KNOWN_CURRENCIES: frozenset[str] = frozenset(
    {"USD", "EUR", "GBP", "JPY", "INR", "CAD", "AUD", "CHF", "CNY", "BRL", "KRW", "SGD", "SEK"}
)
Evidence = Literal["confirmed", "corroborated", "unconfirmed"]
_EVIDENCE: tuple[str, ...] = ("confirmed", "corroborated", "unconfirmed")


@dataclass(frozen=True)
class Tier:
    """A price that applies to the usage between the previous tier's ``up_to`` and this one."""

    price: float
    up_to: float = math.inf


@dataclass(frozen=True)
class RequestTier:
    """Price per million requests up to ``up_to`` requests per month."""

    price_per_million: float
    up_to: float = math.inf


@dataclass(frozen=True)
class InstancePrice:
    """On-demand price of one virtual machine type (or one attachable GPU)."""

    provider: str
    name: str
    region: str
    vcpus: int
    memory_gib: float
    accelerator: str
    generation: str
    price_per_hour: float
    currency: str
    as_of: date
    source: str
    evidence: Evidence
    note: str = ""

    @property
    def has_accelerator(self) -> bool:
        return bool(self.accelerator)


@dataclass(frozen=True)
class ServerlessPrice:
    """Pay-per-use compute: per request, per GB-second (tiered) and optionally per vCPU-second."""

    provider: str
    name: str
    region: str
    currency: str
    request_price_per_million: float
    gb_second_tiers: tuple[Tier, ...]
    vcpu_second_price: float
    megabytes_per_gb: int
    billing_granularity_ms: int
    minimum_billed_ms: int
    memory_increment_mb: int
    memory_min_mb: int
    memory_max_mb: int
    free_requests_per_month: float
    free_gb_seconds_per_month: float
    free_vcpu_seconds_per_month: float
    ephemeral_storage_price_per_gb_second: float
    ephemeral_storage_free_mb: int
    ephemeral_storage_max_mb: int
    as_of: date
    source: str
    evidence: Evidence
    note: str = ""


@dataclass(frozen=True)
class GatewayPrice:
    """An API front door (API Gateway HTTP or REST) priced per million requests, tiered."""

    provider: str
    name: str
    region: str
    currency: str
    tiers: tuple[RequestTier, ...]
    free_requests_per_month: float
    free_tier_months: int
    metering_increment_kb: int
    as_of: date
    source: str
    evidence: Evidence
    note: str = ""


@dataclass(frozen=True)
class PlatformPrice:
    """A charge that comes with a deployment, not with its traffic: a managed control plane or
    a load balancer, per hour, with an optional usage-unit price (a load balancer's LCU-hour)
    and an optional price per GB moved (a NAT gateway's processing, log ingestion, egress) after
    ``free_gb_per_month``."""

    provider: str
    name: str
    region: str
    currency: str
    price_per_hour: float
    unit: str
    price_per_unit_hour: float
    as_of: date
    source: str
    evidence: Evidence
    note: str = ""
    price_per_gb: float = 0.0
    free_gb_per_month: float = 0.0


@dataclass(frozen=True)
class CommitmentTerms:
    """A commitment discount a provider documents (a Savings Plan): its ceiling and its terms.
    As with spot, the discount you get for your instance, term and payment option stays an
    input: read it in the provider's calculator."""

    provider: str
    name: str
    max_discount: float
    terms_years: tuple[int, ...]
    covers: str
    as_of: date
    source: str
    evidence: Evidence
    note: str = ""


@dataclass(frozen=True)
class SpotTerms:
    """What a provider documents about spot/preemptible capacity; the discount stays an input."""

    provider: str
    max_discount: float
    typical_discounts: tuple[float, ...]
    interruption_notice_s: int
    as_of: date
    source: str
    evidence: Evidence
    note: str = ""


@dataclass(frozen=True)
class PriceCatalog:
    """All prices, with lookups that fail helpfully."""

    title: str
    reviewed: date
    instances: tuple[InstancePrice, ...]
    serverless: tuple[ServerlessPrice, ...]
    gateways: tuple[GatewayPrice, ...]
    spot: tuple[SpotTerms, ...]
    platform: tuple[PlatformPrice, ...] = ()
    commitments: tuple[CommitmentTerms, ...] = ()

    def platform_price(self, name: str) -> PlatformPrice:
        """A platform charge by name (``eks-control-plane``, ``application-load-balancer``)."""
        return _find(list(self.platform), name, "platform charge", None)

    def commitment(self, name: str) -> CommitmentTerms:
        """A commitment offer by name (``compute-savings-plan``, ``ec2-instance-savings-plan``)."""
        return _find(list(self.commitments), name, "commitment offer", None)

    def instance(self, name: str, provider: str | None = None) -> InstancePrice:
        """The instance type called ``name`` (e.g. ``"c5.2xlarge"``); suggests close matches."""
        if provider is not None:
            _check_provider(provider)
        pool = [i for i in self.instances if provider is None or i.provider == provider]
        return _find(pool, name, "instance type", provider)

    def serverless_price(self, name: str) -> ServerlessPrice:
        """A serverless offer by name: ``lambda-x86_64``, ``lambda-arm64``, ``cloud-run``, ..."""
        return _find(list(self.serverless), name, "serverless offer", None)

    def lambda_price(self, architecture: str = "x86_64") -> ServerlessPrice:
        """AWS Lambda's price for ``"x86_64"`` or ``"arm64"``."""
        if architecture not in ARCHITECTURES:
            raise ValueError(
                f"architecture must be one of {', '.join(map(repr, ARCHITECTURES))} (Lambda's), "
                f"got {architecture!r}"
            )
        return self.serverless_price(f"lambda-{architecture}")

    def gateway(self, name: str) -> GatewayPrice:
        """An API front door by name (``api-gateway-http`` or ``api-gateway-rest``).

        The short forms ``"http"`` and ``"rest"`` are accepted too.
        """
        full = name if name.startswith("api-gateway-") else f"api-gateway-{name}"
        return _find(list(self.gateways), full, "API gateway", None)

    def spot_terms(self, provider: str) -> SpotTerms:
        _check_provider(provider)
        for terms in self.spot:
            if terms.provider == provider:
                return terms
        raise UnknownPriceError(f"the catalog has no spot terms for provider {provider!r}")

    def instances_frame(self) -> Any:
        """Instances as a pandas DataFrame, cheapest first within each provider."""
        import pandas as pd

        rows = [
            {
                "provider": i.provider,
                "instance": i.name,
                "region": i.region,
                "vcpus": i.vcpus,
                "memory_gib": i.memory_gib,
                "accelerator": i.accelerator or "-",
                "generation": i.generation,
                "price_per_hour_usd": i.price_per_hour,
                "as_of": i.as_of.isoformat(),
                "evidence": i.evidence,
            }
            for i in self.instances
        ]
        frame = pd.DataFrame(rows)
        return frame.sort_values(["provider", "price_per_hour_usd"], kind="stable").reset_index(
            drop=True
        )

    def replace_instance_price(
        self,
        name: str,
        price_per_hour: float,
        as_of: date,
        source: str,
        provider: str | None = None,
    ) -> PriceCatalog:
        """A copy with one instance's price replaced (used by the Price List refresh)."""
        import dataclasses

        current = self.instance(name, provider)
        label = f"instance {current.provider} {name!r}"
        _positive(price_per_hour, "price_per_hour", label)
        if not source.startswith("https://"):
            raise CatalogError(f"{label}: source must be an https:// URL, got {source!r}")
        updated = dataclasses.replace(
            current, price_per_hour=price_per_hour, as_of=as_of, source=source, evidence="confirmed"
        )
        instances = tuple(updated if i is current else i for i in self.instances)
        return dataclasses.replace(self, instances=instances)


_Named = TypeVar(
    "_Named", InstancePrice, ServerlessPrice, GatewayPrice, PlatformPrice, CommitmentTerms
)


def _check_provider(provider: str) -> None:
    if provider not in KNOWN_PROVIDERS:
        raise ValueError(f"provider must be one of {', '.join(KNOWN_PROVIDERS)}; got {provider!r}")


def _find(pool: Sequence[_Named], name: str, what: str, provider: str | None) -> _Named:
    for item in pool:
        if item.name == name:
            return item
    names = [item.name for item in pool]
    lowered = {n.lower(): n for n in names}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    where = f" for provider {provider!r}" if provider else ""
    hint = (
        f"; did you mean {', '.join(repr(lowered[c]) for c in close)}?"
        if close
        else f"; known: {', '.join(sorted(names))}"
    )
    raise UnknownPriceError(f"unknown {what} {name!r}{where}{hint}")


# --------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------

_INSTANCE_FIELDS = (
    "provider", "name", "region", "vcpus", "memory_gib", "accelerator", "generation",
    "price_per_hour", "currency", "as_of", "source", "evidence",
)  # fmt: skip
_SERVERLESS_FIELDS = (
    "provider", "name", "region", "currency", "request_price_per_million", "gb_second_tiers",
    "vcpu_second_price", "megabytes_per_gb", "billing_granularity_ms", "minimum_billed_ms",
    "memory_increment_mb", "memory_min_mb", "memory_max_mb", "free_requests_per_month",
    "free_gb_seconds_per_month", "free_vcpu_seconds_per_month",
    "ephemeral_storage_price_per_gb_second", "ephemeral_storage_free_mb",
    "ephemeral_storage_max_mb", "as_of", "source",
    "evidence",
)  # fmt: skip
_GATEWAY_FIELDS = (
    "provider", "name", "region", "currency", "tiers", "free_requests_per_month",
    "free_tier_months", "metering_increment_kb", "as_of", "source", "evidence",
)  # fmt: skip
_PLATFORM_FIELDS = (
    "provider", "name", "region", "currency", "price_per_hour", "unit", "price_per_unit_hour",
    "as_of", "source", "evidence",
)  # fmt: skip
_COMMITMENT_FIELDS = (
    "provider", "name", "max_discount", "terms_years", "covers", "as_of", "source", "evidence",
)  # fmt: skip
_SPOT_FIELDS = (
    "provider", "max_discount", "typical_discounts", "interruption_notice_s", "as_of", "source",
    "evidence",
)  # fmt: skip


def load_catalog(path: str | Path | None = None) -> PriceCatalog:
    """Load and validate a price catalog (the shipped one when ``path`` is ``None``).

    Raises :class:`CatalogError` naming the entry and the field for anything missing or invalid.
    """
    if path is None:
        text = resources.files("companion.pricing").joinpath("data/prices.toml").read_text("utf-8")
        origin = "companion/pricing/data/prices.toml"
    else:
        origin = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except FileNotFoundError:
            raise CatalogError(f"price catalog {origin!r} does not exist") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"price catalog {origin!r} is not valid TOML: {exc}") from None
    return parse_catalog(raw)


@lru_cache(maxsize=1)
def default_catalog() -> PriceCatalog:
    """The shipped catalog, loaded once."""
    return load_catalog()


def parse_catalog(raw: Mapping[str, Any]) -> PriceCatalog:
    """Validate an already-parsed catalog mapping (the TOML document as a dict)."""
    header = raw.get("catalog")
    if not isinstance(header, Mapping):
        raise CatalogError("price catalog: the [catalog] table is missing")
    _require(header, ("title", "reviewed", "currency"), "[catalog]")
    _currency(header["currency"], "[catalog]")

    instances = tuple(_instance(e, _label("instance", i, e)) for i, e in _entries(raw, "instance"))
    serverless = tuple(
        _serverless(e, _label("serverless", i, e)) for i, e in _entries(raw, "serverless")
    )
    gateways = tuple(_gateway(e, _label("gateway", i, e)) for i, e in _entries(raw, "gateway"))
    spot = tuple(_spot(e, _label("spot", i, e)) for i, e in _entries(raw, "spot"))
    platform = tuple(
        _platform(e, _label("platform", i, e)) for i, e in _entries(raw, "platform", optional=True)
    )
    commitments = tuple(
        _commitment(e, _label("commitment", i, e))
        for i, e in _entries(raw, "commitment", optional=True)
    )
    groups = (("instance", instances), ("serverless", serverless), ("gateway", gateways),
              ("platform", platform), ("commitment", commitments))  # fmt: skip
    for kind, items in groups:
        _no_duplicates(kind, [(x.provider, x.name) for x in items])
    _no_duplicates("spot", [(s.provider, "") for s in spot])
    return PriceCatalog(
        title=str(header["title"]),
        reviewed=_date(header["reviewed"], "reviewed", "[catalog]"),
        instances=instances,
        serverless=serverless,
        gateways=gateways,
        spot=spot,
        platform=platform,
        commitments=commitments,
    )


def _entries(
    raw: Mapping[str, Any], kind: str, *, optional: bool = False
) -> Iterable[tuple[int, Mapping[str, Any]]]:
    entries = raw.get(kind, [])
    if not isinstance(entries, list) or (not entries and not optional):
        raise CatalogError(f"price catalog: no [[{kind}]] entries")
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise CatalogError(f"{kind}[{index}]: expected a table, got {type(entry).__name__}")
        yield index, entry


def _label(kind: str, index: int, entry: Mapping[str, Any]) -> str:
    who = " ".join(str(entry[k]) for k in ("provider", "name") if k in entry)
    return f"{kind}[{index}] ({who})" if who else f"{kind}[{index}]"


def _require(entry: Mapping[str, Any], fields: Sequence[str], label: str) -> None:
    missing = [f for f in fields if f not in entry]
    if missing:
        raise CatalogError(f"{label}: missing field(s) {', '.join(missing)}")


def _number(value: Any, field: str, label: str) -> float:
    return _checks.finite(value, f"{label}: {field}", error=CatalogError)


def _positive(value: Any, field: str, label: str) -> float:
    return _checks.positive(value, f"{label}: {field}", error=CatalogError)


def _non_negative(value: Any, field: str, label: str) -> float:
    return _checks.at_least(value, f"{label}: {field}", 0, error=CatalogError)


def _integer(value: Any, field: str, label: str, minimum: int = 0) -> int:
    return _checks.whole(value, f"{label}: {field}", minimum, error=CatalogError)


def _currency(value: Any, label: str) -> str:
    if value not in KNOWN_CURRENCIES:
        raise CatalogError(
            f"{label}: unknown currency {value!r}; use an ISO 4217 code such as "
            f"{', '.join(sorted(KNOWN_CURRENCIES))}"
        )
    return str(value)


def _date(value: Any, field: str, label: str) -> date:
    if isinstance(value, date):
        return value
    raise CatalogError(f"{label}: {field} must be a TOML date like 2026-11-27, got {value!r}")


def _text(entry: Mapping[str, Any], field: str, label: str, allow_empty: bool = False) -> str:
    value = entry[field]
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise CatalogError(f"{label}: {field} must be a non-empty string, got {value!r}")
    return value


def _provider(entry: Mapping[str, Any], label: str) -> str:
    value = entry["provider"]
    if value not in KNOWN_PROVIDERS:
        raise CatalogError(
            f"{label}: provider must be one of {', '.join(KNOWN_PROVIDERS)}, got {value!r}"
        )
    return str(value)


def _source(entry: Mapping[str, Any], label: str) -> tuple[date, str, Evidence]:
    as_of = _date(entry["as_of"], "as_of", label)
    source = _text(entry, "source", label)
    if not source.startswith("https://"):
        raise CatalogError(f"{label}: source must be an https:// URL, got {source!r}")
    evidence = entry["evidence"]
    if evidence not in _EVIDENCE:
        raise CatalogError(
            f"{label}: evidence must be one of {', '.join(_EVIDENCE)}, got {evidence!r}"
        )
    return as_of, source, evidence


def _instance(entry: Mapping[str, Any], label: str) -> InstancePrice:
    _require(entry, _INSTANCE_FIELDS, label)
    as_of, source, evidence = _source(entry, label)
    accelerator = _text(entry, "accelerator", label, allow_empty=True)
    vcpus = _integer(entry["vcpus"], "vcpus", label, minimum=0)
    memory = _non_negative(entry["memory_gib"], "memory_gib", label)
    if not accelerator and (vcpus == 0 or memory == 0):
        raise CatalogError(f"{label}: a VM without an accelerator needs vcpus and memory_gib > 0")
    return InstancePrice(
        provider=_provider(entry, label),
        name=_text(entry, "name", label),
        region=_text(entry, "region", label),
        vcpus=vcpus,
        memory_gib=memory,
        accelerator=accelerator,
        generation=_text(entry, "generation", label),
        price_per_hour=_positive(entry["price_per_hour"], "price_per_hour", label),
        currency=_currency(entry["currency"], label),
        as_of=as_of,
        source=source,
        evidence=evidence,
        note=str(entry.get("note", "")),
    )


def _tiers(raw: Any, price_key: str, label: str, field: str) -> list[tuple[float, float]]:
    if not isinstance(raw, list) or not raw:
        raise CatalogError(f"{label}: {field} must be a non-empty list of tiers")
    tiers: list[tuple[float, float]] = []
    previous = 0.0
    for n, tier in enumerate(raw):
        where = f"{label} {field}[{n}]"
        if not isinstance(tier, Mapping) or price_key not in tier:
            raise CatalogError(f"{where}: each tier needs a {price_key}")
        price = _positive(tier[price_key], price_key, where)
        last = n == len(raw) - 1
        if last:
            if "up_to" in tier:
                raise CatalogError(f"{where}: the last tier must be open-ended (no up_to)")
            up_to = math.inf
        else:
            if "up_to" not in tier:
                raise CatalogError(f"{where}: every tier but the last needs an up_to")
            up_to = _positive(tier["up_to"], "up_to", where)
            if up_to <= previous:
                raise CatalogError(f"{where}: up_to must increase from tier to tier")
            previous = up_to
        tiers.append((price, up_to))
    return tiers


def _serverless(entry: Mapping[str, Any], label: str) -> ServerlessPrice:
    _require(entry, _SERVERLESS_FIELDS, label)
    as_of, source, evidence = _source(entry, label)
    memory_min = _integer(entry["memory_min_mb"], "memory_min_mb", label, minimum=1)
    memory_max = _integer(entry["memory_max_mb"], "memory_max_mb", label, minimum=1)
    if memory_max < memory_min:
        raise CatalogError(f"{label}: memory_max_mb must be >= memory_min_mb")
    vcpu_price = _non_negative(entry["vcpu_second_price"], "vcpu_second_price", label)
    storage_price = _non_negative(
        entry["ephemeral_storage_price_per_gb_second"],
        "ephemeral_storage_price_per_gb_second",
        label,
    )
    return ServerlessPrice(
        provider=_provider(entry, label),
        name=_text(entry, "name", label),
        region=_text(entry, "region", label),
        currency=_currency(entry["currency"], label),
        request_price_per_million=_positive(
            entry["request_price_per_million"], "request_price_per_million", label
        ),
        gb_second_tiers=tuple(
            Tier(price=p, up_to=u)
            for p, u in _tiers(entry["gb_second_tiers"], "price", label, "gb_second_tiers")
        ),
        vcpu_second_price=vcpu_price,
        megabytes_per_gb=_integer(entry["megabytes_per_gb"], "megabytes_per_gb", label, 1),
        billing_granularity_ms=_integer(
            entry["billing_granularity_ms"], "billing_granularity_ms", label, 1
        ),
        minimum_billed_ms=_integer(entry["minimum_billed_ms"], "minimum_billed_ms", label, 0),
        memory_increment_mb=_integer(entry["memory_increment_mb"], "memory_increment_mb", label, 1),
        memory_min_mb=memory_min,
        memory_max_mb=memory_max,
        free_requests_per_month=_non_negative(
            entry["free_requests_per_month"], "free_requests_per_month", label
        ),
        free_gb_seconds_per_month=_non_negative(
            entry["free_gb_seconds_per_month"], "free_gb_seconds_per_month", label
        ),
        free_vcpu_seconds_per_month=_non_negative(
            entry["free_vcpu_seconds_per_month"], "free_vcpu_seconds_per_month", label
        ),
        ephemeral_storage_price_per_gb_second=storage_price,
        ephemeral_storage_free_mb=_integer(
            entry["ephemeral_storage_free_mb"], "ephemeral_storage_free_mb", label, 0
        ),
        ephemeral_storage_max_mb=_integer(
            entry["ephemeral_storage_max_mb"], "ephemeral_storage_max_mb", label, 0
        ),
        as_of=as_of,
        source=source,
        evidence=evidence,
        note=str(entry.get("note", "")),
    )


def _gateway(entry: Mapping[str, Any], label: str) -> GatewayPrice:
    _require(entry, _GATEWAY_FIELDS, label)
    as_of, source, evidence = _source(entry, label)
    return GatewayPrice(
        provider=_provider(entry, label),
        name=_text(entry, "name", label),
        region=_text(entry, "region", label),
        currency=_currency(entry["currency"], label),
        tiers=tuple(
            RequestTier(price_per_million=p, up_to=u)
            for p, u in _tiers(entry["tiers"], "price_per_million", label, "tiers")
        ),
        free_requests_per_month=_non_negative(
            entry["free_requests_per_month"], "free_requests_per_month", label
        ),
        free_tier_months=_integer(entry["free_tier_months"], "free_tier_months", label, 0),
        metering_increment_kb=_integer(
            entry["metering_increment_kb"], "metering_increment_kb", label, 0
        ),
        as_of=as_of,
        source=source,
        evidence=evidence,
        note=str(entry.get("note", "")),
    )


def _platform(entry: Mapping[str, Any], label: str) -> PlatformPrice:
    _require(entry, _PLATFORM_FIELDS, label)
    as_of, source, evidence = _source(entry, label)
    return PlatformPrice(
        provider=_provider(entry, label),
        name=_text(entry, "name", label),
        region=_text(entry, "region", label),
        currency=_currency(entry["currency"], label),
        price_per_hour=_non_negative(entry["price_per_hour"], "price_per_hour", label),
        unit=_text(entry, "unit", label),
        price_per_unit_hour=_non_negative(
            entry["price_per_unit_hour"], "price_per_unit_hour", label
        ),
        as_of=as_of,
        source=source,
        evidence=evidence,
        note=str(entry.get("note", "")),
        price_per_gb=_non_negative(entry.get("price_per_gb", 0.0), "price_per_gb", label),
        free_gb_per_month=_non_negative(
            entry.get("free_gb_per_month", 0.0), "free_gb_per_month", label
        ),
    )


def _commitment(entry: Mapping[str, Any], label: str) -> CommitmentTerms:
    _require(entry, _COMMITMENT_FIELDS, label)
    as_of, source, evidence = _source(entry, label)
    terms = entry["terms_years"]
    if not isinstance(terms, list) or not terms:
        raise CatalogError(f"{label}: terms_years must be a non-empty list of whole years")
    return CommitmentTerms(
        provider=_provider(entry, label),
        name=_text(entry, "name", label),
        max_discount=_discount(entry["max_discount"], "max_discount", label),
        terms_years=tuple(_integer(t, "terms_years", label, 1) for t in terms),
        covers=_text(entry, "covers", label),
        as_of=as_of,
        source=source,
        evidence=evidence,
        note=str(entry.get("note", "")),
    )


def _discount(value: Any, field: str, label: str) -> float:
    number = _number(value, field, label)
    if not 0 < number < 1:
        raise CatalogError(f"{label}: {field} must be a fraction between 0 and 1, got {value!r}")
    return number


def _spot(entry: Mapping[str, Any], label: str) -> SpotTerms:
    _require(entry, _SPOT_FIELDS, label)
    as_of, source, evidence = _source(entry, label)
    typical = entry["typical_discounts"]
    if not isinstance(typical, list) or not typical:
        raise CatalogError(f"{label}: typical_discounts must be a non-empty list of fractions")
    max_discount = _discount(entry["max_discount"], "max_discount", label)
    values = tuple(_discount(v, "typical_discounts", label) for v in typical)
    if max(values) > max_discount:
        raise CatalogError(f"{label}: a typical discount exceeds max_discount {max_discount}")
    return SpotTerms(
        provider=_provider(entry, label),
        max_discount=max_discount,
        typical_discounts=values,
        interruption_notice_s=_integer(
            entry["interruption_notice_s"], "interruption_notice_s", label, 0
        ),
        as_of=as_of,
        source=source,
        evidence=evidence,
        note=str(entry.get("note", "")),
    )


def _no_duplicates(kind: str, keys: list[tuple[str, str]]) -> None:
    seen: set[tuple[str, str]] = set()
    for key in keys:
        if key in seen:
            raise CatalogError(f"price catalog: duplicate {kind} entry {' '.join(key).strip()!r}")
        seen.add(key)
