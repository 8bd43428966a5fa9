"""Traffic profiles: how many requests, and how they are spread over the day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ._validate import at_least

__all__ = ["HOURS_PER_MONTH", "SECONDS_PER_DAY", "TrafficProfile"]

# The course's month: the average one, 365 × 24 / 12 = 730 hours (lesson 00 explains why).
# Check the month your provider's calculator uses before comparing its bills with these.
HOURS_PER_MONTH = 730.0
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class TrafficProfile:
    """Requests per day and their daily shape, shared by every cost model.

    Give either a flat ``peak_to_average`` ratio or ``hourly_weights`` (24 relative values,
    hour 0 first); the peak hour's rate is what a fleet must be sized for.
    """

    daily_requests: float
    peak_to_average: float = 1.0
    hourly_weights: tuple[float, ...] | None = field(default=None)
    days_per_month: float = HOURS_PER_MONTH / 24

    def __post_init__(self) -> None:
        at_least(self.daily_requests, "daily_requests", 0, "requests/day")
        at_least(self.peak_to_average, "peak_to_average", 1, "(peak rate / average rate)")
        at_least(self.days_per_month, "days_per_month", 1)
        if self.hourly_weights is not None:
            weights = tuple(float(w) for w in self.hourly_weights)
            if len(weights) != 24:
                raise ValueError(
                    f"hourly_weights must have 24 values (hours 0-23), got {len(weights)}"
                )
            for hour, weight in enumerate(weights):
                at_least(weight, f"hourly_weights[{hour}]", 0)
            if sum(weights) <= 0:
                raise ValueError("hourly_weights must not all be zero")
            if self.peak_to_average != 1.0:
                raise ValueError(
                    "give either peak_to_average or hourly_weights, not both: the hourly "
                    "shape already fixes the peak"
                )
            object.__setattr__(self, "hourly_weights", weights)

    @classmethod
    def from_hourly_rps(
        cls, requests_per_second: Sequence[float], days_per_month: float = HOURS_PER_MONTH / 24
    ) -> TrafficProfile:
        """A profile from 24 request rates (req/s), one per hour of the day."""
        rates = [float(r) for r in requests_per_second]
        if len(rates) != 24:
            raise ValueError(
                f"requests_per_second must have 24 values (hours 0-23), got {len(rates)}"
            )
        for hour, rate in enumerate(rates):
            at_least(rate, f"requests_per_second[{hour}]", 0, "req/s")
        if sum(rates) == 0:
            raise ValueError(
                "requests_per_second must not all be zero; for no traffic use TrafficProfile(0)"
            )
        return cls(
            daily_requests=sum(rates) * 3600.0,
            hourly_weights=tuple(rates),
            days_per_month=days_per_month,
        )

    @classmethod
    def from_monthly_requests(
        cls, monthly_requests: float, peak_to_average: float = 1.0
    ) -> TrafficProfile:
        """A profile from a monthly volume (as AWS's pricing examples state it)."""
        at_least(monthly_requests, "monthly_requests", 0, "requests/month")
        return cls(
            daily_requests=monthly_requests / (HOURS_PER_MONTH / 24),
            peak_to_average=peak_to_average,
        )

    @property
    def monthly_requests(self) -> float:
        return self.daily_requests * self.days_per_month

    @property
    def average_rps(self) -> float:
        return self.daily_requests / SECONDS_PER_DAY

    @property
    def peak_ratio(self) -> float:
        """Peak-hour rate over the daily average rate."""
        if self.hourly_weights is None:
            return self.peak_to_average
        weights = self.hourly_weights
        return max(weights) / (sum(weights) / 24)

    @property
    def peak_rps(self) -> float:
        return self.average_rps * self.peak_ratio

    def hourly_rps(self) -> tuple[float, ...]:
        """Request rate in each hour of the day (flat when only a peak ratio was given)."""
        if self.hourly_weights is None:
            return (self.average_rps,) * 24
        total = sum(self.hourly_weights)
        return tuple(self.daily_requests * w / total / 3600.0 for w in self.hourly_weights)

    def with_daily_requests(self, daily_requests: float) -> TrafficProfile:
        """The same shape at another volume (used to draw cost-vs-traffic curves)."""
        return TrafficProfile(
            daily_requests=daily_requests,
            peak_to_average=self.peak_to_average,
            hourly_weights=self.hourly_weights,
            days_per_month=self.days_per_month,
        )
