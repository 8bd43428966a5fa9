"""companion: the tested code behind the "Run ML for Pennies" course.

Sub-packages, one per topic:

- :mod:`companion.pricing` — the dated, sourced price catalog and the AWS Price List refresh;
- :mod:`companion.costs` — cost models (always-on, capacity-aware, serverless, spot, break-even);
- :mod:`companion.exercises` — exercise checks for the lessons;
- :mod:`companion.environment` — what is installed, and what is missing.
"""

from .costs import (
    CostEstimate,
    TrafficProfile,
    always_on_cost,
    capacity_aware_cost,
    comparison_table,
    plan_fleet,
    serverless_cost,
    spot_cost,
)
from .pricing import CatalogError, PriceCatalog, UnknownPriceError, default_catalog, load_catalog

__version__ = "0.1.0"

__all__ = [
    "CatalogError",
    "CostEstimate",
    "PriceCatalog",
    "TrafficProfile",
    "UnknownPriceError",
    "__version__",
    "always_on_cost",
    "capacity_aware_cost",
    "comparison_table",
    "default_catalog",
    "load_catalog",
    "plan_fleet",
    "serverless_cost",
    "spot_cost",
]
