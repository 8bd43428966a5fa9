"""Spec for companion/monitoring/projection.py and anomaly.py: pure arithmetic, hand-checked."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from companion.monitoring.anomaly import (
    ANOMALY_COLUMNS,
    MOVER_COLUMNS,
    detect_anomalies,
    robust_z,
    top_movers,
)
from companion.monitoring.cost_explorer import CostTotal, Forecast
from companion.monitoring.exceptions import MonitoringConfigError
from companion.monitoring.periods import forecast_period, month_bounds, month_to_date
from companion.monitoring.projection import Projection, project_month_end, run_rate_projection

# ---------------------------------------------------------------------------- projection


def mtd(today: date, amount_usd: float, today_usd: float) -> CostTotal:
    return CostTotal(today, month_to_date(today), amount_usd, today_usd, estimated=True)


def forecast(
    today: date, amount_usd: float, low: float | None = None, high: float | None = None
) -> Forecast:
    return Forecast(forecast_period(today), amount_usd, low, high, 80)


def test_run_rate_counts_complete_days_or_today_too() -> None:
    # March 2027 has 31 days. On the 11th, 10 days are complete: USD 25 / 10 * 31.
    assert run_rate_projection(25.0, date(2027, 3, 11), include_today=False) == pytest.approx(77.5)
    # Feb 2028 has 29 days. USD 20 over the 1st..10th (today counted whole): 20 / 10 * 29.
    assert run_rate_projection(20.0, date(2028, 2, 10), include_today=True) == pytest.approx(58.0)
    # The 1st with today: one (partial) day, times 31.
    assert run_rate_projection(0.5, date(2027, 12, 1), include_today=True) == pytest.approx(15.5)
    # The last day, complete days only: 27 complete days of Feb 2027 at USD 1 -> 28.
    assert run_rate_projection(27.0, date(2027, 2, 28), include_today=False) == pytest.approx(28.0)


def test_run_rate_on_the_first_needs_today() -> None:
    with pytest.raises(MonitoringConfigError, match="no day of the month is complete"):
        run_rate_projection(1.0, date(2027, 3, 1), include_today=False)
    with pytest.raises(MonitoringConfigError, match="finite"):
        run_rate_projection(math.nan, date(2027, 3, 2), include_today=False)


def test_projection_uses_the_forecast_for_today_onwards() -> None:
    today = date(2027, 3, 11)
    # 1st..10th cost 25, today so far 1 (MTD 26); the forecast for the 11th..31st is 52.
    projection = project_month_end(mtd(today, 26.0, 1.0), forecast(today, 52.0, 40.0, 70.0), today)
    assert projection == Projection(
        as_of=today,
        month=month_bounds(today),
        projected_usd=77.0,  # 25 + 52: today counted once, in the forecast
        month_to_date_usd=26.0,
        method="forecast",
        basis_days=10,
        forecast_usd=52.0,
        lower_usd=65.0,
        upper_usd=95.0,
    )
    assert projection.remaining_usd == pytest.approx(51.0)


def test_projection_falls_back_to_the_run_rate_of_complete_days() -> None:
    today = date(2027, 3, 11)
    projection = project_month_end(mtd(today, 26.0, 1.0), None, today)
    assert (projection.method, projection.basis_days) == ("run_rate", 10)
    assert projection.projected_usd == pytest.approx(77.5)  # 25 / 10 * 31
    assert projection.forecast_usd is projection.lower_usd is projection.upper_usd is None


def test_projection_on_the_first_and_on_the_last_day() -> None:
    first = date(2027, 3, 1)
    only_today = project_month_end(mtd(first, 0.6, 0.6), None, first)
    assert only_today.method == "run_rate_including_today"
    assert only_today.projected_usd == pytest.approx(18.6)  # 0.6 * 31
    with_forecast = project_month_end(mtd(first, 0.6, 0.6), forecast(first, 30.0), first)
    assert (with_forecast.projected_usd, with_forecast.basis_days) == (30.0, 0)

    last = date(2028, 2, 29)  # 28 complete days cost 56, today's forecast is 2.5
    leap = project_month_end(mtd(last, 57.0, 1.0), forecast(last, 2.5), last)
    assert leap.projected_usd == pytest.approx(58.5)
    assert leap.month == month_bounds(last) and leap.month.days == 29


def test_a_projection_is_never_below_what_is_already_spent() -> None:
    today = date(2027, 4, 11)  # 10 complete days at USD 1, then a USD 50 spike today
    projection = project_month_end(mtd(today, 60.0, 50.0), None, today)
    assert projection.projected_usd == 60.0  # the run rate alone says 30
    low = project_month_end(mtd(today, 60.0, 50.0), forecast(today, 20.0, 10.0, 80.0), today)
    assert (low.projected_usd, low.lower_usd, low.upper_usd) == (60.0, 60.0, 90.0)


def test_projection_refuses_totals_from_another_day() -> None:
    today = date(2027, 3, 11)
    with pytest.raises(MonitoringConfigError, match="month to date"):
        project_month_end(mtd(date(2027, 3, 10), 20.0, 1.0), None, today)
    with pytest.raises(MonitoringConfigError, match="forecast covers"):
        project_month_end(mtd(today, 20.0, 1.0), forecast(date(2027, 3, 12), 5.0), today)


# ---------------------------------------------------------------------------- robust z


def test_robust_z_by_hand() -> None:
    # median 3, |deviations| 2 1 0 1 97 -> MAD 1, scale 1.4826; (10 - 3) / 1.4826
    z, median, scale = robust_z(10.0, [1, 2, 3, 4, 100])
    assert median == 3.0 and scale == pytest.approx(1.4826)
    assert z == pytest.approx(7 / 1.4826)
    # MAD 0 (four equal days): mean absolute deviation 3/5 = 0.6, times 1.253314
    z, median, scale = robust_z(4.0, [2, 2, 2, 2, 5])
    assert median == 2.0 and scale == pytest.approx(0.6 * 1.253314)
    assert z == pytest.approx(2 / (0.6 * 1.253314))
    # every day equal: no spread at all
    assert robust_z(2.0, [2.0] * 14)[0] == 0.0
    assert robust_z(2.5, [2.0] * 14)[0] == math.inf
    assert robust_z(1.0, [2.0] * 14)[0] == -math.inf
    with pytest.raises(MonitoringConfigError, match="at least one day"):
        robust_z(1.0, [])


# ---------------------------------------------------------------------------- detect_anomalies


def weekly_costs(days: int, *, seed: int, start: date = date(2027, 1, 4)) -> pd.DataFrame:
    """USD 10 on weekdays, USD 4 on weekends, each with 5% noise (2027-01-04 is a Monday)."""
    rng = np.random.default_rng(seed)
    dates = [start + timedelta(days=i) for i in range(days)]
    base = np.array([4.0 if d.weekday() >= 5 else 10.0 for d in dates])
    cost = base * (1 + 0.05 * rng.standard_normal(days))
    return pd.DataFrame({"date": pd.to_datetime(dates), "cost_usd": cost})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_injected_spike_is_flagged_on_its_day_only(seed: int) -> None:
    daily = weekly_costs(70, seed=seed)
    spike_day = pd.Timestamp("2027-02-17")  # a Wednesday, with 44 days of history
    daily.loc[daily["date"] == spike_day, "cost_usd"] += 8.0

    scored = detect_anomalies(daily)

    assert list(scored.columns) == list(ANOMALY_COLUMNS)
    assert scored.loc[scored["is_anomaly"], "date"].tolist() == [spike_day]
    row = scored.set_index("date").loc[spike_day]
    assert row["verdict"] == "anomaly"
    assert row["robust_z"] > 3.5 and row["increase_usd"] > 7.0
    assert row["history_days"] == 14


@pytest.mark.parametrize("seed", range(5))
def test_a_weekly_rhythm_without_spikes_raises_no_alarm(seed: int) -> None:
    scored = detect_anomalies(weekly_costs(16 * 7, seed=seed))
    assert not scored["is_anomaly"].any()
    assert (scored["verdict"].iloc[:7] == "insufficient_history").all()
    assert (scored["verdict"].iloc[7:] == "normal").all()


def test_a_constant_history_alerts_only_on_a_real_increase() -> None:
    dates = pd.date_range("2027-03-01", periods=17, freq="D")
    costs = [2.0] * 14 + [2.0, 2.5, 10.0]
    scored = detect_anomalies(pd.DataFrame({"date": dates, "cost_usd": costs}))
    tail = scored.iloc[14:]
    assert tail["robust_z"].tolist()[:2] == [0.0, math.inf]
    assert tail["verdict"].tolist() == ["normal", "normal", "anomaly"]  # +0.50 < USD 1 floor


def test_pennies_are_not_an_alert_unless_the_floor_says_so() -> None:
    dates = pd.date_range("2027-03-01", periods=15, freq="D")
    daily = pd.DataFrame({"date": dates, "cost_usd": [0.01] * 14 + [0.05]})
    assert not detect_anomalies(daily)["is_anomaly"].any()
    assert detect_anomalies(daily, min_increase_usd=0.02)["is_anomaly"].iloc[-1]


def test_short_history_gives_no_verdict_not_a_crash() -> None:
    daily = weekly_costs(5, seed=0)
    scored = detect_anomalies(daily)
    assert len(scored) == 5
    assert (scored["verdict"] == "insufficient_history").all()
    assert scored["robust_z"].isna().all() and not scored["is_anomaly"].any()
    assert scored["history_days"].tolist() == [0, 1, 2, 3, 4]
    empty = detect_anomalies(daily.iloc[:0])
    assert list(empty.columns) == list(ANOMALY_COLUMNS) and empty.empty


def test_detect_anomalies_types_duplicates_and_gaps() -> None:
    daily = weekly_costs(20, seed=0)
    doubled = pd.concat([daily, daily.assign(cost_usd=1.0)])  # the same dates twice: added
    scored = detect_anomalies(doubled)
    assert len(scored) == 20
    assert scored["cost_usd"].to_numpy() == pytest.approx(daily["cost_usd"].to_numpy() + 1.0)
    assert str(scored["date"].dtype) == "datetime64[ns]"
    assert scored["is_anomaly"].dtype == bool and scored["history_days"].dtype == np.int64
    gappy = detect_anomalies(daily.drop(index=[3, 4, 5]))  # window is calendar days
    assert gappy.set_index("date").loc[pd.Timestamp("2027-01-18"), "history_days"] == 11


def test_detect_anomalies_rejects_bad_input() -> None:
    with pytest.raises(MonitoringConfigError, match="needs the columns date, cost_usd"):
        detect_anomalies(pd.DataFrame({"day": [], "cost_usd": []}))
    with pytest.raises(MonitoringConfigError, match="finite"):
        detect_anomalies(pd.DataFrame({"date": ["2027-03-01"], "cost_usd": [math.nan]}))
    with pytest.raises(MonitoringConfigError, match="cannot exceed"):
        detect_anomalies(weekly_costs(3, seed=0), window_days=5, min_history_days=6)
    with pytest.raises(MonitoringConfigError, match="threshold"):
        detect_anomalies(weekly_costs(3, seed=0), threshold=0)


# ---------------------------------------------------------------------------- top_movers


def service_costs(days: int, *, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = {"AWS Lambda": 0.4, "Amazon EC2": 1.2, "Amazon S3": 0.15}
    rows = [
        {"date": pd.Timestamp("2027-03-01") + pd.Timedelta(days=i), "service": s, "cost_usd": c}
        for i in range(days)
        for s, c in base.items()
    ]
    frame = pd.DataFrame(rows)
    frame["cost_usd"] *= 1 + 0.1 * rng.standard_normal(len(frame))
    return frame


def test_top_movers_names_the_spiking_service_first() -> None:
    frame = service_costs(25, seed=4)
    day = pd.Timestamp("2027-03-20")
    frame.loc[(frame["date"] == day) & (frame["service"] == "Amazon S3"), "cost_usd"] += 6.0

    movers = top_movers(frame, date(2027, 3, 20), top=2)

    assert list(movers.columns) == list(MOVER_COLUMNS)
    assert len(movers) == 2
    assert movers["service"].iloc[0] == "Amazon S3"
    assert movers["change_usd"].iloc[0] == pytest.approx(6.0, abs=0.1)
    assert movers["robust_z"].iloc[0] > 10
    assert movers["baseline_median_usd"].iloc[0] == pytest.approx(0.15, abs=0.03)


def test_a_new_service_counts_from_zero_and_short_history_is_empty() -> None:
    frame = service_costs(10, seed=1)
    new = pd.DataFrame(
        {"date": [pd.Timestamp("2027-03-10")], "service": ["Amazon SageMaker"], "cost_usd": [3.0]}
    )
    movers = top_movers(pd.concat([frame, new]), "2027-03-10", window_days=9, min_history_days=9)
    assert movers.iloc[0][["service", "cost_usd", "baseline_median_usd"]].tolist() == [
        "Amazon SageMaker",
        3.0,
        0.0,
    ]
    assert movers["robust_z"].iloc[0] == math.inf
    short = top_movers(frame, date(2027, 3, 5))  # 4 days of history < 7
    assert short.empty and list(short.columns) == list(MOVER_COLUMNS)
    assert top_movers(frame.iloc[:0], date(2027, 3, 5)).empty
