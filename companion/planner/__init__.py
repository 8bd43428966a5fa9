"""The capstone's planner: given traffic, a p95 target, a budget and measurements, search the
designs the course taught and return the cheapest one that meets them, with its evidence, or
say which constraint cannot be met and what meeting it would cost.

The designs: each measured model variant on a fleet of each instance type (on-demand, or spot
over an on-demand base) and on Lambda at 1, 2 and 3 vCPUs of memory. Every cost comes from
``companion.costs`` on the dated catalog; every latency from a committed measurement.
"""

from ._designs import Design, Measurement, Requirements, evaluate_designs
from ._plan import SWINGS, Plan, default_measurements, plan, sensitivity
from .exceptions import PlannerInputError

__all__ = [
    "SWINGS",
    "Design",
    "Measurement",
    "Plan",
    "PlannerInputError",
    "Requirements",
    "default_measurements",
    "evaluate_designs",
    "plan",
    "sensitivity",
]
