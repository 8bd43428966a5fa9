"""Refresh AWS EC2 on-demand prices from the AWS Price List Query API.

This is the optional, online path: the catalog ships with dated prices, and this module
re-reads them from ``pricing.get_products`` when you have AWS credentials. The parser works on
the real PriceList JSON (each item is a JSON *string* in boto3's answer). Tests run it offline
with botocore's ``Stubber``, since moto does not mock the Pricing API.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .. import _aws
from .catalog import PriceCatalog
from .exceptions import PriceListError, PriceListThrottledError, PriceNotFoundError

__all__ = [
    "Ec2OnDemandPrice",
    "PriceChange",
    "ec2_on_demand_filters",
    "fetch_ec2_on_demand_price",
    "make_pricing_client",
    "parse_ec2_price_item",
    "refresh_ec2_prices",
]

# The Price List Query API is served from these three endpoints only; any region can be priced
# from any of them. boto3 happily builds a URL for another region that does not exist.
PRICING_API_REGIONS = ("us-east-1", "eu-central-1", "ap-south-1")
ON_DEMAND_TERM_CODE = "JRTCKXETXF"
PRICE_LIST_SOURCE = "https://api.pricing.us-east-1.amazonaws.com"
_THROTTLE_CODES = _aws.THROTTLING_CODES
_DENIED_CODES = _aws.DENIED_CODES


@dataclass(frozen=True)
class Ec2OnDemandPrice:
    """One Linux, shared-tenancy, on-demand EC2 price as the Price List API states it."""

    instance_type: str
    region: str
    price_per_hour: float
    currency: str
    vcpus: int
    memory_gib: float
    sku: str
    effective_date: date
    publication_date: date


@dataclass(frozen=True)
class PriceChange:
    instance_type: str
    old_price_per_hour: float
    new_price_per_hour: float

    @property
    def changed(self) -> bool:
        return abs(self.new_price_per_hour - self.old_price_per_hour) > 1e-9


def ec2_on_demand_filters(instance_type: str, region: str) -> list[dict[str, str]]:
    """Filters that select exactly one row: Linux, shared tenancy, no SQL, not a reservation."""
    terms = {
        "instanceType": instance_type,
        "regionCode": region,
        "operatingSystem": "Linux",
        "tenancy": "Shared",
        "preInstalledSw": "NA",
        "capacitystatus": "Used",
        "licenseModel": "No License required",
        "marketoption": "OnDemand",
    }
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in terms.items()]


def make_pricing_client(endpoint_region: str = "us-east-1") -> Any:
    """A boto3 Pricing client with botocore's standard retries (throttling is retried there)."""
    if endpoint_region not in PRICING_API_REGIONS:
        raise ValueError(
            f"endpoint_region must be one of {', '.join(PRICING_API_REGIONS)} (the Price List "
            f"API's only endpoints; they price every region), got {endpoint_region!r}"
        )
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 5})
    return boto3.client("pricing", region_name=endpoint_region, config=config)


def _date_of(value: Any, field: str) -> date:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        raise PriceListError(f"PriceList item: {field} {value!r} is not an ISO date") from None


def _memory_gib(text: str) -> float:
    # "16 GiB", "0.5 GiB", "1,952 GiB"
    number = text.split()[0].replace(",", "") if text else ""
    try:
        return float(number)
    except ValueError:
        raise PriceListError(f"PriceList item: memory {text!r} is not like '16 GiB'") from None


def parse_ec2_price_item(item: str | Mapping[str, Any]) -> Ec2OnDemandPrice:
    """Parse one PriceList element (a JSON string, as boto3 returns it, or a decoded dict)."""
    try:
        data = json.loads(item) if isinstance(item, str) else item
        product = data["product"]
        attributes = product["attributes"]
        on_demand = data["terms"]["OnDemand"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise PriceListError(
            f"PriceList item is not an EC2 product with OnDemand terms: {exc!r}"
        ) from None
    instance_type = attributes.get("instanceType", "?")
    hourly: list[tuple[Decimal, str, date]] = []
    for term in on_demand.values():
        effective = _date_of(term.get("effectiveDate", ""), "effectiveDate")
        for dimension in term.get("priceDimensions", {}).values():
            if dimension.get("unit") != "Hrs":
                continue
            for currency, amount in dimension.get("pricePerUnit", {}).items():
                try:
                    hourly.append((Decimal(amount), currency, effective))
                except InvalidOperation:
                    raise PriceListError(
                        f"PriceList item for {instance_type}: price {amount!r} is not a number"
                    ) from None
    if not hourly:
        raise PriceListError(f"PriceList item for {instance_type} has no hourly on-demand price")
    if len(hourly) > 1:
        raise PriceListError(
            f"PriceList item for {instance_type} has {len(hourly)} hourly prices; "
            "expected one (check the filters)"
        )
    amount, currency, effective = hourly[0]
    if not amount.is_finite():
        raise PriceListError(
            f"PriceList item for {instance_type}: price {amount} is not a finite number"
        )
    if amount <= 0:
        # Capacity-reservation and capacity-block rows are priced at zero; never take those.
        raise PriceListError(
            f"PriceList item for {instance_type} is priced at {amount} {currency}: "
            "that is a reservation or capacity-block row, not the on-demand price"
        )
    try:
        vcpus = int(attributes["vcpu"])
    except (KeyError, ValueError):
        raise PriceListError(f"PriceList item for {instance_type} has no integer vcpu") from None
    return Ec2OnDemandPrice(
        instance_type=instance_type,
        region=attributes.get("regionCode", "?"),
        price_per_hour=float(amount),
        currency=currency,
        vcpus=vcpus,
        memory_gib=_memory_gib(attributes.get("memory", "")),
        sku=str(product.get("sku", "")),
        effective_date=effective,
        publication_date=_date_of(data.get("publicationDate", ""), "publicationDate"),
    )


def _error_code(exc: Exception) -> str:
    return _aws.error_code(exc)


def fetch_ec2_on_demand_price(
    instance_type: str, region: str = "us-east-1", client: Any = None
) -> Ec2OnDemandPrice:
    """Ask the Price List API for one instance type's Linux on-demand price in ``region``."""
    from botocore.exceptions import ClientError

    client = client if client is not None else make_pricing_client()
    paginator = client.get_paginator("get_products")
    items: list[str] = []
    try:
        for page in paginator.paginate(
            ServiceCode="AmazonEC2",
            Filters=ec2_on_demand_filters(instance_type, region),
            FormatVersion="aws_v1",
            PaginationConfig={"PageSize": 100},
        ):
            items.extend(page.get("PriceList", []))
    except ClientError as exc:
        code = _error_code(exc)
        if code in _THROTTLE_CODES:
            raise PriceListThrottledError(
                "the AWS Price List API is throttling requests (it allows bursts of 10, then 5 "
                "per second); wait a minute and retry, or create the client with "
                "botocore Config(retries={'mode': 'adaptive', 'max_attempts': 10})"
            ) from exc
        if code in _DENIED_CODES:
            raise PriceListError(
                "access denied: the credentials need the IAM action pricing:GetProducts"
            ) from exc
        raise
    if not items:
        raise PriceNotFoundError(
            f"the AWS Price List API has no Linux on-demand price for {instance_type!r} in "
            f"{region!r}; check the instance type and region spelling (e.g. 'c7g.2xlarge', "
            "'us-east-1') and that the type is offered there"
        )
    prices = [parse_ec2_price_item(item) for item in items]
    distinct = {(p.price_per_hour, p.currency) for p in prices}
    if len(distinct) > 1:
        raise PriceListError(
            f"the AWS Price List API returned {len(distinct)} different prices for "
            f"{instance_type!r} in {region!r}: {sorted(distinct)}; refusing to guess"
        )
    return prices[0]


def refresh_ec2_prices(
    catalog: PriceCatalog,
    instance_types: Sequence[str] | None = None,
    client: Any = None,
) -> tuple[PriceCatalog, list[PriceChange]]:
    """Re-read the AWS EC2 entries of ``catalog`` (all, or ``instance_types``) from the API.

    Returns the updated catalog (a copy; entries marked ``confirmed``, dated with the offer's
    publication date) and the list of changes. Nothing is written to disk.
    """
    aws = [i for i in catalog.instances if i.provider == "aws"]
    names = list(instance_types) if instance_types is not None else [i.name for i in aws]
    client = client if client is not None else make_pricing_client()
    changes: list[PriceChange] = []
    for name in names:
        entry = catalog.instance(name, provider="aws")
        fresh = fetch_ec2_on_demand_price(name, entry.region, client=client)
        if fresh.currency != entry.currency:
            raise PriceListError(
                f"{name}: the API priced it in {fresh.currency}, the catalog in {entry.currency}"
            )
        catalog = catalog.replace_instance_price(
            name, fresh.price_per_hour, as_of=fresh.publication_date, source=PRICE_LIST_SOURCE,
            provider="aws",
        )  # fmt: skip
        changes.append(PriceChange(name, entry.price_per_hour, fresh.price_per_hour))
    return catalog, changes
