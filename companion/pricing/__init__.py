"""Prices: a dated, sourced catalog, and an optional refresh from the AWS Price List API."""

from .aws_price_list import (
    Ec2OnDemandPrice,
    PriceChange,
    ec2_on_demand_filters,
    fetch_ec2_on_demand_price,
    make_pricing_client,
    parse_ec2_price_item,
    refresh_ec2_prices,
)
from .catalog import (
    KNOWN_CURRENCIES,
    KNOWN_PROVIDERS,
    GatewayPrice,
    InstancePrice,
    PriceCatalog,
    RequestTier,
    ServerlessPrice,
    SpotTerms,
    Tier,
    default_catalog,
    load_catalog,
    parse_catalog,
)
from .exceptions import (
    CatalogError,
    PriceListError,
    PriceListThrottledError,
    PriceNotFoundError,
    UnknownPriceError,
)

__all__ = [
    "KNOWN_CURRENCIES",
    "KNOWN_PROVIDERS",
    "CatalogError",
    "Ec2OnDemandPrice",
    "GatewayPrice",
    "InstancePrice",
    "PriceCatalog",
    "PriceChange",
    "PriceListError",
    "PriceListThrottledError",
    "PriceNotFoundError",
    "RequestTier",
    "ServerlessPrice",
    "SpotTerms",
    "Tier",
    "UnknownPriceError",
    "default_catalog",
    "ec2_on_demand_filters",
    "fetch_ec2_on_demand_price",
    "load_catalog",
    "make_pricing_client",
    "parse_catalog",
    "parse_ec2_price_item",
    "refresh_ec2_prices",
]
