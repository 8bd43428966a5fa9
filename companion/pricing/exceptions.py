"""Exceptions raised by :mod:`companion.pricing`."""

from __future__ import annotations

from .._errors import CompanionError

__all__ = [
    "CatalogError",
    "PriceListError",
    "PriceListThrottledError",
    "PriceNotFoundError",
    "UnknownPriceError",
]


class CatalogError(CompanionError, ValueError):
    """The price catalog file is malformed: a field is missing, a price is not positive, ..."""


class UnknownPriceError(CatalogError, LookupError):
    """A lookup named something the catalog does not hold (an instance type, a provider, ...)."""

    def __str__(self) -> str:  # LookupError would repr() the message; keep it readable
        return str(self.args[0]) if self.args else ""


class PriceListError(CompanionError, RuntimeError):
    """The AWS Price List API answered with something we cannot turn into a price."""


class PriceNotFoundError(PriceListError):
    """The AWS Price List API returned no product for the filters we sent."""


class PriceListThrottledError(PriceListError):
    """The AWS Price List API kept throttling us after botocore's retries."""
