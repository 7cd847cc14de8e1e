"""Seasonal expectations: what a series usually does at this time of day, on this kind of day.

The hourly rate of a series is the median, over the previous ``history_days`` days of the same weekday
(when there are ``min_history_days`` of them) or else of the same kind (weekday or weekend), of its count
in the same clock hour, divided by 60. A median of days shrugs off yesterday's incident and last Friday's
campaign; the median absolute deviation of the same counts is the robust day-to-day spread that the
expected band and the trend detectors use. The expected rate of a minute interpolates linearly
between the rates of the hours whose centres surround it, so expectations follow the morning rise
smoothly instead of in hourly steps.
"""

from __future__ import annotations

from typing import Final

from logwarden.detection.counts import CountView
from logwarden.detection.model import MINUTES_PER_HOUR, SeriesKey, weekday
from logwarden.detection.rules import BaselineRules

HOURS_PER_DAY: Final = 24
_HALF_HOUR: Final = 29.5  # centre of the minutes 0..59 of an hour


def history_hours(now: int, recent_minutes: int, trend_hours: int) -> tuple[int, int]:
    """First and last clock hour (of today) whose baseline rate the detectors may need at ``now``.

    Interpolation reads one hour on either side of the minutes it covers; past days are these hours
    shifted by whole days.
    """
    current = now // MINUTES_PER_HOUR
    earliest = min((now - recent_minutes + 1) // MINUTES_PER_HOUR, current - trend_hours + 1)
    return earliest - 1, current + 1


def _median(values: list[float] | list[int]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


class SeasonalBaseline:
    """Expected counts of series read through a view; hourly rates are cached, they never change."""

    def __init__(self, view: CountView, rules: BaselineRules) -> None:
        self._view = view
        self._rules = rules
        self._weekend = frozenset(rules.weekend_days)
        self._rates: dict[tuple[SeriesKey, int], float | None] = {}
        self._spread: dict[tuple[SeriesKey, int], float] = {}
        self._hours: dict[tuple[SeriesKey, int], float | None] = {}

    def hourly_rate(self, key: SeriesKey, hour: int) -> float | None:
        """Expected events per minute in clock hour ``hour``, or None without enough history."""
        try:
            return self._rates[(key, hour)]
        except KeyError:
            rate = self._rates[(key, hour)] = self._compute(key, hour)
            return rate

    def _compute(self, key: SeriesKey, hour: int) -> float | None:
        first_hour = self._view.first_hour
        if first_hour is None:
            return None
        weekend = self._weekend
        own_day = weekday(hour * MINUTES_PER_HOUR)
        is_weekend = own_day in weekend
        same_weekday: list[int] = []
        same_kind: list[int] = []
        for day in range(1, self._rules.history_days + 1):
            past = hour - day * HOURS_PER_DAY
            if past < first_hour:
                break
            past_day = weekday(past * MINUTES_PER_HOUR)
            if (past_day in weekend) != is_weekend:
                continue
            count = self._view.hour_count(key, past)
            same_kind.append(count)
            if past_day == own_day:
                same_weekday.append(count)
        # The day-of-week profile where history has enough of this weekday (history_days >= 21 for three),
        # else the weekday/weekend profile. Never a weekday's level for a Sunday: without enough days of
        # its own kind, a series has no seasonal baseline yet (static rules still apply).
        minimum = self._rules.min_history_days
        if len(same_weekday) >= minimum:
            counts = same_weekday
        elif len(same_kind) >= minimum:
            counts = same_kind
        else:
            return None
        median = _median(counts)
        # Robust day-to-day dispersion: 1.4826 x the median absolute deviation is sigma for normal data, and
        # one odd day (an incident, a campaign) moves it no more than it moves the median.
        mad = _median([abs(c - median) for c in counts])
        self._spread[(key, hour)] = 1.4826 * mad / median if median > 0 else 0.0
        return max(median / MINUTES_PER_HOUR, self._rules.min_rate_per_minute)

    def dispersion(self, key: SeriesKey, minute: int) -> float:
        """Relative day-to-day spread (robust sigma / median) of the series' count in the hour of ``minute``."""
        hour = minute // MINUTES_PER_HOUR
        if self.hourly_rate(key, hour) is None:
            return 0.0
        return self._spread.get((key, hour), 0.0)

    def expected(self, key: SeriesKey, first: int, last: int) -> float | None:
        """Expected count over minutes ``first..last`` inclusive, or None without enough history."""
        total = 0.0
        minute = first
        while minute <= last:
            left = (minute - 30) // MINUTES_PER_HOUR  # hour whose centre is at or before this minute
            segment_end = min(last, left * MINUTES_PER_HOUR + 89)
            low = self.hourly_rate(key, left)
            high = self.hourly_rate(key, left + 1)
            if low is None or high is None:
                return None
            span = segment_end - minute + 1
            middle = (minute + segment_end) / 2
            fraction = (middle - (left * MINUTES_PER_HOUR + _HALF_HOUR)) / MINUTES_PER_HOUR
            total += span * (low + fraction * (high - low))
            minute = segment_end + 1
        return total

    def expected_hour(self, key: SeriesKey, hour: int) -> float | None:
        """Expected count of one whole clock hour (cached)."""
        try:
            return self._hours[(key, hour)]
        except KeyError:
            start = hour * MINUTES_PER_HOUR
            value = self._hours[(key, hour)] = self.expected(key, start, start + MINUTES_PER_HOUR - 1)
            return value

    def expected_since(self, key: SeriesKey, first_hour: int, now: int) -> float | None:
        """Expected count from the start of ``first_hour`` to ``now`` inclusive."""
        current = now // MINUTES_PER_HOUR
        total = self.expected(key, current * MINUTES_PER_HOUR, now)
        if total is None:
            return None
        for hour in range(first_hour, current):
            value = self.expected_hour(key, hour)
            if value is None:
                return None
            total += value
        return total
