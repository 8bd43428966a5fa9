"""companion: the tested code behind the "Run ML for Pennies" course.

Sub-packages, one per topic:

- :mod:`companion.pricing` — the dated, sourced price catalog and the AWS Price List refresh;
- :mod:`companion.costs` — cost models (always-on, capacity-aware, serverless, spot, break-even);
- :mod:`companion.optimize` — build, export, quantize, check, benchmark and price the model
  (lesson 02), including the GPU measurement and :func:`~companion.optimize.run_isolated`;
- :mod:`companion.serverless`, :mod:`companion.serving` — the Lambda function and the HTTP
  server (lessons 03 and 04);
- :mod:`companion.autoscaling`, :mod:`companion.kubernetes`, :mod:`companion.loadtest` —
  the HPA simulator, validated manifests and the load test (lesson 04);
- :mod:`companion.experiments` — A/B assignment, statistics and rollouts (lesson 05);
- :mod:`companion.monitoring` — Cost Explorer, budgets and alerts (lesson 06);
- :mod:`companion.planner` — the capstone's search for the cheapest design (lesson 07);
- :mod:`companion.scenario` — the running scenario every lesson uses;
- :mod:`companion.exercises` — exercise checks for the lessons;
- :mod:`companion.environment` — what is installed, what is missing, and each lesson's setup.
"""

from ._errors import CompanionError
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
    "CompanionError",
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
