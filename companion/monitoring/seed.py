"""Made-up Cost Explorer answers, for lessons and tests that run against moto.

moto does not track spending: its ``get_cost_and_usage`` answers nothing unless results were
queued first. :func:`month_of_costs` builds realistic ``GetCostAndUsage`` answers (DAILY,
grouped by SERVICE, amounts as decimal strings, optional pages and an injected spike) and
:func:`inject_cost_results` queues them, in moto's process or on its HTTP server.

How moto 5.2 serves queued results (``moto/ce/models.py``, ``CostExplorerBackend``): the
backend keeps a queue and a dict keyed by the **raw request body** (the JSON that botocore
sent). A request whose body was not seen before takes the next result off the queue and keeps
it under that body; a request with a body seen before gets the same result again; when the
queue is empty an unseen body gets an empty answer. moto does not look at the request at all
(no date checks), so:

* queue results **in the order the code under test makes its requests**;
* each page of a paged answer is a separate request (its body carries ``NextPageToken``), so a
  three-page answer is three queued results;
* asking the same question twice returns the same answer without using the queue; that needs
  the adapter to send the same bytes for the same question, which
  :mod:`.cost_explorer` does (it builds requests in one fixed key order).

The queue lives in the account's ``"aws"`` partition backend; moto's HTTP endpoint
``POST /moto-api/static/ce/cost-and-usage-results`` with ``{"results": [...]}`` (and an
optional ``"account_id"``) fills the same queue on a server.
"""

from __future__ import annotations

import calendar
import copy
import json
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np

from .exceptions import MonitoringConfigError
from .periods import Period

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "EXAMPLE_SERVICES",
    "as_one_period",
    "inject_cost_results",
    "month_of_costs",
]

DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default account
# A small ML-serving account: daily USD per service, roughly.
EXAMPLE_SERVICES: Mapping[str, float] = {
    "AWS Lambda": 0.40,
    "Amazon Elastic Compute Cloud - Compute": 1.20,
    "Amazon Simple Storage Service": 0.15,
    "AmazonCloudWatch": 0.08,
}


def _amount(usd: float) -> str:
    # Cost Explorer writes amounts as decimal strings with up to 10 decimals.
    return f"{usd:.10f}".rstrip("0").rstrip(".") if usd else "0"


def month_of_costs(
    year: int,
    month: int,
    *,
    services: Mapping[str, float],
    seed: int = 0,
    anomaly_day: int | None = None,
    anomaly_service: str | None = None,
    anomaly_usd: float = 0.0,
    page_size: int | None = None,
    through_day: int | None = None,
    noise: float = 0.1,
    weekend_factor: float = 1.0,
    metric: str = "UnblendedCost",
    group_by_service: bool = True,
    estimated: bool = True,
) -> list[dict[str, Any]]:
    """``GetCostAndUsage`` answers (DAILY) for the days 1 to ``through_day`` (default: the
    whole month) of ``year``-``month``.

    Each service costs its ``services`` daily USD amount times ``1 + noise * N(0, 1)`` (never
    below 0; ``seed`` fixes the draws), times ``weekend_factor`` on Saturdays and Sundays.
    ``anomaly_usd`` is added to ``anomaly_service`` on day ``anomaly_day``. With
    ``group_by_service`` each day has one group per service and an empty ``Total``, as AWS
    answers a GroupBy; without, only ``Total``. ``page_size`` splits the days into pages of that
    many days joined by ``NextPageToken`` (one list item per page); otherwise one answer.
    """
    days = calendar.monthrange(year, month)[1]
    last = days if through_day is None else through_day
    if not 1 <= last <= days:
        raise MonitoringConfigError(f"through_day must be 1 to {days}, got {through_day!r}")
    if anomaly_day is not None:
        if not 1 <= anomaly_day <= last:
            raise MonitoringConfigError(f"anomaly_day must be 1 to {last}, got {anomaly_day!r}")
        if anomaly_service is None:
            raise MonitoringConfigError("anomaly_day needs an anomaly_service")
    if page_size is not None and page_size < 1:
        raise MonitoringConfigError(f"page_size must be at least 1, got {page_size!r}")
    rng = np.random.default_rng(seed)
    names = sorted(services)
    results: list[dict[str, Any]] = []
    for day_number in range(1, last + 1):
        day = date(year, month, day_number)
        factor = weekend_factor if day.weekday() >= 5 else 1.0
        draws = rng.standard_normal(len(names))
        costs = {
            name: max(0.0, services[name] * factor * (1.0 + noise * float(draw)))
            for name, draw in zip(names, draws, strict=True)
        }
        if anomaly_day == day_number and anomaly_service is not None:
            costs[anomaly_service] = costs.get(anomaly_service, 0.0) + anomaly_usd
        period = {"Start": day.isoformat(), "End": (day + timedelta(days=1)).isoformat()}
        result: dict[str, Any] = {"TimePeriod": period}
        if group_by_service:
            result["Total"] = {}
            result["Groups"] = [
                {"Keys": [name], "Metrics": {metric: {"Amount": _amount(cost), "Unit": "USD"}}}
                for name, cost in sorted(costs.items())
            ]
        else:
            total = sum(costs.values())
            result["Total"] = {metric: {"Amount": _amount(total), "Unit": "USD"}}
            result["Groups"] = []
        result["Estimated"] = estimated
        results.append(result)
    size = page_size or len(results)
    chunks = [results[i : i + size] for i in range(0, len(results), size)]
    pages: list[dict[str, Any]] = []
    for number, chunk in enumerate(chunks, start=1):
        page: dict[str, Any] = {"ResultsByTime": chunk, "DimensionValueAttributes": []}
        if group_by_service:
            page["GroupDefinitions"] = [{"Type": "DIMENSION", "Key": "SERVICE"}]
        if number < len(chunks):
            page["NextPageToken"] = f"seed-{year}-{month:02d}-page-{number + 1}"
        pages.append(page)
    return pages


def as_one_period(
    responses: Sequence[Mapping[str, Any]], period: Period, *, metric: str = "UnblendedCost"
) -> list[dict[str, Any]]:
    """Fold daily, by-service answers (e.g. :func:`month_of_costs`'s pages) into the single
    result a MONTHLY by-service query over ``period`` gets: each service's total."""
    totals: dict[str, float] = {}
    for page in responses:
        for day in page["ResultsByTime"]:
            for group in day.get("Groups", []):
                service = group["Keys"][0]
                totals[service] = totals.get(service, 0.0) + float(
                    group["Metrics"][metric]["Amount"]
                )
    groups = [
        {"Keys": [service], "Metrics": {metric: {"Amount": _amount(usd), "Unit": "USD"}}}
        for service, usd in totals.items()
    ]
    return [{"ResultsByTime": [{"TimePeriod": period.to_api(), "Total": {}, "Groups": groups, "Estimated": True}]}]  # fmt: skip


def inject_cost_results(
    responses: Sequence[Mapping[str, Any]],
    *,
    moto_server_url: str | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> None:
    """Queue ``responses`` as moto's next ``GetCostAndUsage`` answers (see the module docstring
    for how moto hands them out).

    Without ``moto_server_url`` they go into the in-process backend, so call this inside
    ``moto.mock_aws()`` (which starts each test from empty backends). With it, they are posted
    to that moto server's ``/moto-api/static/ce/cost-and-usage-results``.
    """
    results = [copy.deepcopy(dict(r)) for r in responses]
    if moto_server_url is None:
        from moto.ce.models import ce_backends

        ce_backends[account_id]["aws"].cost_usage_results_queue.extend(results)
        return
    body: dict[str, Any] = {"results": results}
    if account_id != DEFAULT_ACCOUNT_ID:
        body["account_id"] = account_id
    request = urllib.request.Request(
        moto_server_url.rstrip("/") + "/moto-api/static/ce/cost-and-usage-results",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        if answer.status != 201:
            raise MonitoringConfigError(
                f"moto refused the injected results: HTTP {answer.status} from {moto_server_url}"
            )
