"""Deterministic request-rate series for the autoscaling simulator: one value (requests/s) a step.

The levels come from the course scenario (:mod:`companion.scenario`): 1,000 req/s from 09:00 to
17:00, 50 req/s at night, 5,000 req/s at the Black Friday peak. Every builder is deterministic;
:func:`with_noise` adds seeded, mean-preserving noise on top.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from companion import _checks

from ..scenario import BLACK_FRIDAY_RPS, DAY_RPS, NIGHT_RPS
from .exceptions import SimulationInputError

__all__ = [
    "black_friday_series",
    "day_night_series",
    "hours",
    "with_noise",
]

SECONDS_PER_DAY = 86_400

FloatArray = npt.NDArray[np.float64]


def _number(
    value: float, field: str, low: float, high: float = math.inf, *, open_low: bool = False
) -> float:
    return _checks.in_range(value, field, low, high, open_low=open_low, error=SimulationInputError)


def _whole(value: int, field: str, low: int) -> int:
    return _checks.whole(value, field, low, error=SimulationInputError)


def _step(step_seconds: int) -> int:
    _whole(step_seconds, "step_seconds", 1)
    if SECONDS_PER_DAY % step_seconds:
        raise SimulationInputError(
            f"step_seconds must divide a day (86400 s) evenly, got {step_seconds!r}"
        )
    return step_seconds


def _ramp(seconds: FloatArray, start_s: float, ramp_s: float) -> FloatArray:
    """0 before ``start_s - ramp_s/2``, 1 after ``start_s + ramp_s/2``, linear in between."""
    if ramp_s == 0:
        return (seconds >= start_s).astype(np.float64)
    return np.clip((seconds - (start_s - ramp_s / 2)) / ramp_s, 0.0, 1.0)


def day_night_series(
    days: int = 1,
    *,
    day_rps: float = DAY_RPS,
    night_rps: float = NIGHT_RPS,
    day_hours: tuple[float, float] = (9, 17),
    ramp_seconds: float = 0,
    step_seconds: int = 15,
) -> FloatArray:
    """``days`` of the scenario's day: ``day_rps`` between ``day_hours`` and ``night_rps`` outside.

    With ``ramp_seconds > 0`` the rate changes linearly over a ramp centred on each boundary
    (so the day's request total is the same as without ramps). Each step's value is the rate at
    the step's midpoint, which makes the sum × ``step_seconds`` the exact request count when
    the ramps' ends fall on step boundaries. Length: ``days × 86400 / step_seconds``.
    """
    _whole(days, "days", 1)
    step = _step(step_seconds)
    day = _number(day_rps, "day_rps", 0)
    night = _number(night_rps, "night_rps", 0)
    if not isinstance(day_hours, Sequence) or len(day_hours) != 2:
        raise SimulationInputError(
            f"day_hours must be a (start, end) pair of hours, got {day_hours!r}"
        )
    start_h = _number(day_hours[0], "day_hours[0]", 0, 24)
    end_h = _number(day_hours[1], "day_hours[1]", 0, 24)
    if not start_h < end_h:
        raise SimulationInputError(
            f"day_hours must have start < end (hours 0-24), got {tuple(day_hours)!r}"
        )
    ramp = _number(ramp_seconds, "ramp_seconds", 0)
    start_s, end_s = start_h * 3600, end_h * 3600
    longest = min(end_s - start_s, 2 * start_s, 2 * (SECONDS_PER_DAY - end_s))
    if ramp > longest:
        raise SimulationInputError(
            f"ramp_seconds must be in [0, {longest:g}] for day_hours {tuple(day_hours)!r} "
            f"(a ramp may not pass midnight or overlap the other one), got {ramp_seconds!r}"
        )
    steps_per_day = SECONDS_PER_DAY // step
    seconds = (np.arange(steps_per_day, dtype=np.float64) + 0.5) * step
    shape = _ramp(seconds, start_s, ramp) - _ramp(seconds, end_s, ramp)
    return np.tile(night + (day - night) * shape, days)


def black_friday_series(
    *,
    peak_rps: float = BLACK_FRIDAY_RPS,
    spike_start_hour: float = 12.0,
    ramp_seconds: float = 600,
    hold_seconds: float = 2 * 3600,
    step_seconds: int = 15,
    day_rps: float = DAY_RPS,
    night_rps: float = NIGHT_RPS,
    day_hours: tuple[float, float] = (9, 17),
    day_ramp_seconds: float = 0,
) -> FloatArray:
    """One scenario day with a Black Friday spike on top.

    From ``spike_start_hour`` the rate climbs linearly from the day's level to ``peak_rps``
    over ``ramp_seconds``, holds ``hold_seconds``, then falls back over ``ramp_seconds``.
    """
    base = day_night_series(
        1,
        day_rps=day_rps,
        night_rps=night_rps,
        day_hours=day_hours,
        ramp_seconds=day_ramp_seconds,
        step_seconds=step_seconds,
    )
    peak = _number(peak_rps, "peak_rps", 0)
    start_s = _number(spike_start_hour, "spike_start_hour", 0, 24) * 3600
    ramp = _number(ramp_seconds, "ramp_seconds", 0)
    hold = _number(hold_seconds, "hold_seconds", 0)
    end_s = start_s + 2 * ramp + hold
    if end_s > SECONDS_PER_DAY:
        raise SimulationInputError(
            f"the spike (spike_start_hour + 2 × ramp_seconds + hold_seconds) must end by 24:00, "
            f"it ends at hour {end_s / 3600:g}"
        )
    seconds = (np.arange(base.size, dtype=np.float64) + 0.5) * step_seconds
    if ramp == 0:
        envelope = ((seconds >= start_s) & (seconds < end_s)).astype(np.float64)
    else:
        up = np.clip((seconds - start_s) / ramp, 0.0, 1.0)
        down = np.clip((end_s - seconds) / ramp, 0.0, 1.0)
        envelope = np.minimum(up, down)
    return base + np.maximum(peak - base, 0.0) * envelope


def with_noise(series: npt.ArrayLike, *, cv: float = 0.1, seed: int = 0) -> FloatArray:
    """``series`` times seeded log-normal noise with mean 1 and coefficient of variation ``cv``.

    Log-normal keeps every value non-negative and the expected request total unchanged; the
    same ``seed`` gives the same series.
    """
    values = np.asarray(series, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise SimulationInputError(
            f"series must be a non-empty 1-D sequence of requests/s, got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise SimulationInputError("series must hold finite values >= 0 (requests/s)")
    spread = _number(cv, "cv", 0)
    _whole(seed, "seed", 0)
    sigma = math.sqrt(math.log1p(spread**2))
    rng = np.random.default_rng(seed)
    factors = rng.lognormal(mean=-(sigma**2) / 2, sigma=sigma, size=values.size)
    return values * factors


def hours(series: npt.ArrayLike | int, step_seconds: int = 15) -> FloatArray:
    """The time axis, in hours, of a series (or of a series of that many steps)."""
    count = series if isinstance(series, int) else np.asarray(series).shape[0]
    _whole(count, "len(series)", 0)
    _whole(step_seconds, "step_seconds", 1)
    return np.arange(count, dtype=np.float64) * step_seconds / 3600
