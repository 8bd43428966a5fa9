"""companion: the tested code behind the "Run ML for Pennies" course.

Sub-packages, one per topic. Each one's ``__init__`` is its whole public API (its ``__all__``;
heavy modules load on first use), and the lessons import only from there; the README's map
says which lesson part imports which, and which tests cover it.

- :mod:`companion.pricing` — the dated, sourced price catalog and the AWS Price List refresh
  (lessons 01-04 and 07);
- :mod:`companion.costs` — cost models: always-on, capacity-aware, serverless, spot,
  break-even (lessons 01-04);
- :mod:`companion.optimize` — build, export, quantize, check, benchmark and price the model,
  the GPU measurement and :func:`~companion.optimize.run_isolated` (lesson 02; lessons 03-05
  reuse the model);
- :mod:`companion.serving` — the request contract, the ONNX Runtime predictor and the HTTP
  server (lessons 02, 04 and 05);
- :mod:`companion.serverless` — the Lambda function: handler, packaging, deploy, memory tuning
  (lesson 03);
- :mod:`companion.loadtest`, :mod:`companion.kubernetes`, :mod:`companion.autoscaling` — the
  load test, validated manifests and the HPA simulator (lesson 04; manifests again in 05);
- :mod:`companion.experiments` — A/B assignment, statistics and staged rollouts (lessons 05
  and 07);
- :mod:`companion.monitoring` — Cost Explorer, projections, anomalies, alerts and budgets
  (lesson 06);
- :mod:`companion.planner` — the capstone's search for the cheapest design (lesson 07);
- :mod:`companion.exercises` — exercise checks, one module per lesson (every lesson).

Modules: :mod:`companion.scenario` (the running scenario every lesson uses),
:mod:`companion.measurements` (the latencies the cost lessons plan with),
:mod:`companion.course` (the lessons, their study times, committed results),
:mod:`companion.environment` (what is installed, each lesson's setup) and
:mod:`companion.cli` (``python -m companion``).
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
