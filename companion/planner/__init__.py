"""The capstone's planner: given traffic, a p95 target, a budget and measurements, search the
designs the course taught and return the cheapest one that meets them, with its evidence, or
say which constraint cannot be met and what meeting it would cost.

The designs: each measured model variant on a fleet of each instance type (on-demand, or spot
over an on-demand base) behind a load balancer, and on Lambda at 1, 2 and 3 vCPUs of memory
behind an HTTP API. Every cost comes from ``companion.costs`` and the catalog's platform charges
on the dated catalog; every latency from a committed measurement.
"""

from ._designs import Design, Measurement, Requirements, evaluate_designs
from ._kubernetes import KubernetesBill, kubernetes_bill
from ._plan import SWINGS, Plan, default_measurements, plan, sensitivity
from ._platform import PlatformCharge, load_balancer_lcus, platform_charges
from .exceptions import PlannerInputError

__all__ = [
    "SWINGS",
    "Design",
    "KubernetesBill",
    "Measurement",
    "Plan",
    "PlannerInputError",
    "PlatformCharge",
    "Requirements",
    "default_measurements",
    "evaluate_designs",
    "kubernetes_bill",
    "load_balancer_lcus",
    "plan",
    "platform_charges",
    "sensitivity",
]
