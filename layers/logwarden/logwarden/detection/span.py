"""Exactly which counts one evaluation at ``now`` reads: the contract between detectors and fetchers.

The check run fetches these buckets from OpenSearch and nothing else; a test replays the backtest's
full table restricted to them and demands identical findings.
"""

from __future__ import annotations

from dataclasses import dataclass

from logwarden.detection.baseline import HOURS_PER_DAY, history_hours
from logwarden.detection.model import MINUTES_PER_HOUR
from logwarden.detection.rules import Rules


@dataclass(frozen=True, slots=True)
class FetchSpan:
    now: int
    first_minute: int  # minute resolution from here to ``now`` inclusive
    first_hour: int  # hour resolution from here to the hour of ``now`` (clipped at ``now``)
    history: tuple[tuple[int, int], ...]  # per past day (1, 2, ...): first and last hour, inclusive

    @property
    def current_hour(self) -> int:
        return self.now // MINUTES_PER_HOUR


def fetch_span(now: int, rules: Rules) -> FetchSpan:
    recent = rules.recent_minutes
    trend_hours = rules.trend_hours
    first_rate_hour, last_rate_hour = history_hours(now, recent, trend_hours)
    history = tuple(
        (first_rate_hour - day * HOURS_PER_DAY, last_rate_hour - day * HOURS_PER_DAY)
        for day in range(1, rules.baseline.history_days + 1)
    )
    return FetchSpan(
        now=now,
        first_minute=now - recent + 1,
        first_hour=now // MINUTES_PER_HOUR - trend_hours + 1,
        history=history,
    )
