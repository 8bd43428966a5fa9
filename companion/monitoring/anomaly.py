"""Spot a day that costs far more than the days before it, robustly.

Each day is compared with its own trailing window (by default the 14 calendar days before it,
the day itself excluded) using the median and the median absolute deviation (MAD), which one
earlier spike cannot drag around the way it drags a mean and a standard deviation:

    robust z = (cost - median) / (1.4826 * MAD)

1.4826 makes the MAD estimate the standard deviation of normally distributed costs, so the
score reads like an ordinary z-score. Iglewicz and Hoaglin suggest calling ``|z| > 3.5`` an
outlier; a cost alert cares only about increases, so a day is an **anomaly** when ``z > 3.5``
**and** it costs at least ``min_increase_usd`` more than the median (a rise from USD 0.01 to
USD 0.05 is a large z and not worth an e-mail).

A history with MAD = 0 (half or more of the days cost the same, e.g. a flat USD 2.00 a day)
has no spread to divide by. Then the mean absolute deviation around the median, scaled by
1.253314 (which makes it estimate the standard deviation of a normal distribution), takes
MAD's place; if that is 0 too (every day identical), any increase scores ``z = +inf`` and the
``min_increase_usd`` floor alone decides.

A day whose window holds fewer than ``min_history_days`` days with data gets no verdict
(``"insufficient_history"``), not a guess. Limits: a weekly rhythm where the *expensive* days are
the minority (weekend batch jobs) makes those days look like spikes against a 14-day median;
weekday-heavy rhythms are fine.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import MonitoringConfigError

__all__ = [
    "ANOMALY_COLUMNS",
    "DEFAULT_MIN_INCREASE_USD",
    "DEFAULT_THRESHOLD",
    "MAD_TO_SIGMA",
    "MEAN_AD_TO_SIGMA",
    "MOVER_COLUMNS",
    "detect_anomalies",
    "robust_z",
    "top_movers",
]

MAD_TO_SIGMA = 1.4826
MEAN_AD_TO_SIGMA = 1.253314
DEFAULT_THRESHOLD = 3.5
DEFAULT_MIN_INCREASE_USD = 1.0
ANOMALY_COLUMNS: tuple[str, ...] = (
    "date",
    "cost_usd",
    "history_days",
    "baseline_median_usd",
    "baseline_scale_usd",
    "increase_usd",
    "robust_z",
    "verdict",
    "is_anomaly",
)
MOVER_COLUMNS: tuple[str, ...] = (
    "service",
    "cost_usd",
    "baseline_median_usd",
    "change_usd",
    "robust_z",
)


def robust_z(value: float, history: Any) -> tuple[float, float, float]:
    """``(z, median, scale)`` of ``value`` against ``history`` (a non-empty sequence of USD).

    ``scale`` is 1.4826 x MAD, or 1.253314 x the mean absolute deviation when MAD is 0; when both
    are 0, ``z`` is +inf above the median, -inf below it and 0 on it.
    """
    values = np.asarray(history, dtype="float64")
    if values.size == 0:
        raise MonitoringConfigError("robust_z needs at least one day of history")
    median = float(np.median(values))
    deviations = np.abs(values - median)
    scale = MAD_TO_SIGMA * float(np.median(deviations))
    if scale == 0.0:
        scale = MEAN_AD_TO_SIGMA * float(np.mean(deviations))
    difference = float(value) - median
    if scale > 0.0:
        return difference / scale, median, scale
    return (math.copysign(math.inf, difference) if difference else 0.0), median, scale


def _check_window(window_days: int, min_history_days: int) -> None:
    for name, value in (("window_days", window_days), ("min_history_days", min_history_days)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise MonitoringConfigError(f"{name} must be a whole number, at least 1, got {value!r}")
    if min_history_days > window_days:
        raise MonitoringConfigError(
            f"min_history_days ({min_history_days}) cannot exceed window_days ({window_days})"
        )


def _dates(column: pd.Series, frame_name: str) -> pd.Series:
    try:
        return pd.to_datetime(column).dt.normalize().astype("datetime64[ns]")
    except (TypeError, ValueError) as exc:
        raise MonitoringConfigError(
            f"{frame_name}: the date column holds non-dates ({exc})"
        ) from None


def _costs(column: pd.Series, frame_name: str) -> pd.Series:
    costs = pd.to_numeric(column, errors="coerce").astype("float64")
    if costs.isna().any() or not np.isfinite(costs.to_numpy()).all():
        raise MonitoringConfigError(f"{frame_name}: cost_usd must be finite numbers in every row")
    return costs


def _need(frame: object, columns: tuple[str, ...], frame_name: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise MonitoringConfigError(f"{frame_name} must be a pandas DataFrame, got {frame!r}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MonitoringConfigError(
            f"{frame_name} needs the columns {', '.join(columns)}; missing {', '.join(missing)}"
        )
    return frame


def detect_anomalies(
    daily: pd.DataFrame,
    *,
    window_days: int = 14,
    min_history_days: int = 7,
    threshold: float = DEFAULT_THRESHOLD,
    min_increase_usd: float = DEFAULT_MIN_INCREASE_USD,
) -> pd.DataFrame:
    """Score every day of ``daily`` (columns ``date`` and ``cost_usd``, as from
    :func:`~.cost_explorer.daily_costs`) against the ``window_days`` calendar days before it.

    Rows with the same date are added up first. Returns one row per date, oldest first, with
    :data:`ANOMALY_COLUMNS`: ``history_days`` (days with data in the window),
    ``baseline_median_usd``, ``baseline_scale_usd`` (the robust standard deviation),
    ``increase_usd`` (cost minus median), ``robust_z``, ``verdict`` (``"anomaly"``,
    ``"normal"`` or ``"insufficient_history"``) and ``is_anomaly``. Statistics are NaN where
    there is no verdict.
    """
    _check_window(window_days, min_history_days)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold <= 0:
        raise MonitoringConfigError(f"threshold must be a positive number, got {threshold!r}")
    if (
        isinstance(min_increase_usd, bool)
        or not isinstance(min_increase_usd, int | float)
        or not min_increase_usd >= 0
    ):
        raise MonitoringConfigError(
            f"min_increase_usd must be a number of USD, at least 0, got {min_increase_usd!r}"
        )
    frame = _need(daily, ("date", "cost_usd"), "daily")
    per_day = (
        pd.DataFrame(
            {"date": _dates(frame["date"], "daily"), "cost_usd": _costs(frame["cost_usd"], "daily")}
        )
        .groupby("date", as_index=False, sort=True)["cost_usd"]
        .sum()
    )
    dates = per_day["date"].to_numpy()
    costs = per_day["cost_usd"].to_numpy(dtype="float64")
    window = np.timedelta64(window_days, "D")
    rows: list[dict[str, Any]] = []
    for day, cost in zip(dates, costs, strict=True):
        in_window = (dates >= day - window) & (dates < day)
        history = costs[in_window]
        row: dict[str, Any] = {
            "date": day,
            "cost_usd": float(cost),
            "history_days": int(history.size),
            "baseline_median_usd": math.nan,
            "baseline_scale_usd": math.nan,
            "increase_usd": math.nan,
            "robust_z": math.nan,
            "verdict": "insufficient_history",
            "is_anomaly": False,
        }
        if history.size >= min_history_days:
            z, median, scale = robust_z(float(cost), history)
            increase = float(cost) - median
            flagged = z > threshold and increase >= min_increase_usd
            row.update(
                baseline_median_usd=median,
                baseline_scale_usd=scale,
                increase_usd=increase,
                robust_z=z,
                verdict="anomaly" if flagged else "normal",
                is_anomaly=flagged,
            )
        rows.append(row)
    result = pd.DataFrame(rows, columns=list(ANOMALY_COLUMNS))
    return result.astype(
        {
            "date": "datetime64[ns]",
            "cost_usd": "float64",
            "history_days": "int64",
            "baseline_median_usd": "float64",
            "baseline_scale_usd": "float64",
            "increase_usd": "float64",
            "robust_z": "float64",
            "verdict": str,
            "is_anomaly": "bool",
        }
    )


def top_movers(
    by_service: pd.DataFrame,
    day: date | datetime | pd.Timestamp | str,
    *,
    window_days: int = 14,
    min_history_days: int = 7,
    top: int = 3,
) -> pd.DataFrame:
    """The ``top`` services whose cost on ``day`` moved most against their own median.

    ``by_service`` has columns ``date``, ``service`` and ``cost_usd`` at DAILY granularity (as
    from :func:`~.cost_explorer.cost_by_service` with ``granularity="DAILY"``). The history is
    the dates in the frame within the ``window_days`` days before ``day``; a service with no row
    on a date that has data cost 0 USD that day. Returns :data:`MOVER_COLUMNS`, sorted by the
    size of ``change_usd`` (cost on ``day`` minus the service's median; positive is a rise),
    largest first. Empty when fewer than ``min_history_days`` dates have data (no verdict).
    """
    _check_window(window_days, min_history_days)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise MonitoringConfigError(f"top must be a whole number, at least 1, got {top!r}")
    frame = _need(by_service, ("date", "service", "cost_usd"), "by_service")
    target = pd.Timestamp(day).normalize().to_datetime64().astype("datetime64[ns]")
    data = pd.DataFrame(
        {
            "date": _dates(frame["date"], "by_service"),
            "service": frame["service"].astype(str),
            "cost_usd": _costs(frame["cost_usd"], "by_service"),
        }
    )
    start = target - np.timedelta64(window_days, "D")
    data = data[(data["date"] >= start) & (data["date"] <= target)]
    history_dates = sorted(set(data.loc[data["date"] < target, "date"]))
    if len(history_dates) < min_history_days:
        return _empty_movers()
    table = data.pivot_table(
        index="date", columns="service", values="cost_usd", aggfunc="sum", fill_value=0.0
    )
    table = table.reindex([*history_dates, target], fill_value=0.0)
    rows: list[dict[str, Any]] = []
    for service in table.columns:
        cost = float(table.at[target, service])
        z, median, _ = robust_z(cost, table.loc[history_dates, service].to_numpy())
        rows.append(
            {
                "service": str(service),
                "cost_usd": cost,
                "baseline_median_usd": median,
                "change_usd": cost - median,
                "robust_z": z,
            }
        )
    if not rows:
        return _empty_movers()
    movers = pd.DataFrame(rows, columns=list(MOVER_COLUMNS))
    movers["_size"] = movers["change_usd"].abs()
    movers = movers.sort_values(["_size", "service"], ascending=[False, True], kind="stable")
    movers = movers.drop(columns="_size").head(top).reset_index(drop=True)
    return movers.astype({"service": str})


def _empty_movers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "service": pd.Series([], dtype=str),
            "cost_usd": pd.Series([], dtype="float64"),
            "baseline_median_usd": pd.Series([], dtype="float64"),
            "change_usd": pd.Series([], dtype="float64"),
            "robust_z": pd.Series([], dtype="float64"),
        }
    )
