"""Count views: what the detectors may read about the series at one evaluated minute.

A view answers two questions, both only about data up to and including ``now``: the count of a series
in a range of recent minutes, and its count in one clock hour (the current hour clipped at ``now``).
``MinuteTable`` answers them from a full per-minute table (the backtest); ``BucketCounts`` from the few
buckets one check run fetched from OpenSearch. Detectors read recent minutes and whole hours only, so
both give identical answers and the backtest replays exactly what the Lambda computes.

Derived series: for each subsystem and level that has event kinds, the view also offers the total over
all kinds as event ``any``, unless the input already carries explicit ``any`` rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import accumulate
from typing import Protocol

from logwarden.detection.model import ANY_EVENT, MINUTES_PER_HOUR, SeriesKey


class CountView(Protocol):
    @property
    def now(self) -> int: ...

    @property
    def first_hour(self) -> int | None:
        """The earliest hour with any data; days before it are not history, just absence."""

    def series(self) -> Iterable[SeriesKey]: ...

    def is_derived(self, key: SeriesKey) -> bool: ...

    def minute_sum(self, key: SeriesKey, first: int, last: int) -> int:
        """Count over minutes ``first..last`` (inclusive), clipped at ``now``."""

    def hour_count(self, key: SeriesKey, hour: int) -> int:
        """Count in one clock hour, clipped at ``now``."""


def derive_any_totals(
    series: Mapping[SeriesKey, Mapping[int, int]],
) -> tuple[dict[SeriesKey, dict[int, int]], frozenset[SeriesKey]]:
    """Add the ``any`` total of each subsystem and level that has only per-kind series."""
    explicit_any = {(k.subsystem, k.level) for k in series if k.event == ANY_EVENT}
    totals: dict[SeriesKey, dict[int, int]] = defaultdict(dict)
    for key, points in series.items():
        if key.event == ANY_EVENT or (key.subsystem, key.level) in explicit_any:
            continue
        total = totals[SeriesKey(key.subsystem, ANY_EVENT, key.level)]
        for slot, count in points.items():
            total[slot] = total.get(slot, 0) + count
    merged: dict[SeriesKey, dict[int, int]] = {k: dict(v) for k, v in series.items()}
    merged.update(totals)
    return merged, frozenset(totals)


class MinuteTable:
    """A dense per-minute table with prefix sums; ``now`` is moved forward by the backtest."""

    def __init__(self, rows: Mapping[SeriesKey, Mapping[int, int]]) -> None:
        series, self._derived = derive_any_totals(rows)
        minutes = [m for points in series.values() for m in points]
        self.start = min(minutes) if minutes else 0
        self.end = max(minutes) if minutes else -1
        length = self.end - self.start + 1
        self._prefix: dict[SeriesKey, list[int]] = {}
        self._first_seen: dict[SeriesKey, int] = {}
        for key, points in series.items():
            dense = [0] * length
            for minute, count in points.items():
                dense[minute - self.start] += count
            self._prefix[key] = [0, *accumulate(dense)]
            self._first_seen[key] = min(points) if points else self.end + 1
        self._order = sorted(self._prefix)
        self._now = self.start
        self._visible: list[SeriesKey] = []
        self._first_hour = self.start // MINUTES_PER_HOUR if minutes else None

    @property
    def now(self) -> int:
        return self._now

    @now.setter
    def now(self, minute: int) -> None:
        self._now = minute
        self._visible = [k for k in self._order if self._first_seen[k] <= minute]

    @property
    def first_hour(self) -> int | None:
        return self._first_hour

    @property
    def keys(self) -> list[SeriesKey]:
        """Every series of the table, whatever ``now`` is."""
        return self._order

    def series(self) -> Iterable[SeriesKey]:
        return self._visible

    def is_derived(self, key: SeriesKey) -> bool:
        return key in self._derived

    def minute_sum(self, key: SeriesKey, first: int, last: int) -> int:
        prefix = self._prefix.get(key)
        if prefix is None:
            return 0
        lo = max(first, self.start) - self.start
        hi = min(last, self._now, self.end) - self.start + 1
        if hi <= lo:
            return 0
        return prefix[hi] - prefix[lo]

    def hour_count(self, key: SeriesKey, hour: int) -> int:
        first = hour * MINUTES_PER_HOUR
        return self.minute_sum(key, first, first + MINUTES_PER_HOUR - 1)


class BucketCounts:
    """The buckets one check run read: recent minutes and clock hours, per series.

    Anything the run did not fetch reads as zero, so the fetch must cover ``engine.required_span``.
    """

    def __init__(
        self,
        now: int,
        minutes: Mapping[SeriesKey, Mapping[int, int]],
        hours: Mapping[SeriesKey, Mapping[int, int]],
        first_hour: int | None,
    ) -> None:
        self._now = now
        self._minutes, derived_minutes = derive_any_totals(minutes)
        self._hours, derived_hours = derive_any_totals(hours)
        self._derived = derived_minutes | derived_hours
        self._first_hour = first_hour
        self._keys = sorted(set(self._minutes) | set(self._hours))

    @property
    def now(self) -> int:
        return self._now

    @property
    def first_hour(self) -> int | None:
        return self._first_hour

    def series(self) -> Iterable[SeriesKey]:
        return self._keys

    def is_derived(self, key: SeriesKey) -> bool:
        return key in self._derived

    def minute_sum(self, key: SeriesKey, first: int, last: int) -> int:
        points = self._minutes.get(key)
        if not points:
            return 0
        return sum(points.get(m, 0) for m in range(first, min(last, self._now) + 1))

    def hour_count(self, key: SeriesKey, hour: int) -> int:
        points = self._hours.get(key)
        return points.get(hour, 0) if points else 0


OTHER_EVENT = "other"  # event kinds folded together beyond the top-K of their subsystem


class FoldedView:
    """A view with at most ``limit`` event kinds per subsystem and level; the rest read as one ``other`` series.

    Kinds are ranked by their count over the last ``rank_hours`` clock hours (the current one included), which
    every view answers alike, so the Lambda and the backtest fold the same way. Derived ``any`` totals and
    explicit ``other`` rows are never folded. ``folded`` lists what was folded at the current minute.
    """

    def __init__(self, view: CountView, limit: int, rank_hours: int = 2) -> None:
        self._view = view
        self._limit = limit
        self._rank_hours = rank_hours
        self._at: int | None = None
        self._keys: list[SeriesKey] = []
        self._members: dict[SeriesKey, list[SeriesKey]] = {}
        self.folded: list[SeriesKey] = []

    @property
    def now(self) -> int:
        return self._view.now

    @property
    def first_hour(self) -> int | None:
        return self._view.first_hour

    def _refresh(self) -> None:
        now = self._view.now
        if self._at == now:
            return
        self._at = now
        current = now // MINUTES_PER_HOUR
        groups: dict[tuple[str, str], list[SeriesKey]] = defaultdict(list)
        keys: list[SeriesKey] = []
        for key in self._view.series():
            if key.event in (ANY_EVENT, OTHER_EVENT) or self._view.is_derived(key):
                keys.append(key)
            else:
                groups[(key.subsystem, key.level)].append(key)
        members: dict[SeriesKey, list[SeriesKey]] = {}
        folded: list[SeriesKey] = []
        for (subsystem, level), group in sorted(groups.items()):
            if len(group) <= self._limit:
                keys += group
                continue
            volume = {
                k: sum(self._view.hour_count(k, h) for h in range(current - self._rank_hours + 1, current + 1))
                for k in group
            }
            ranked = sorted(group, key=lambda k: (-volume[k], k.event))
            keys += ranked[: self._limit]
            other = SeriesKey(subsystem, OTHER_EVENT, level)
            members[other] = ranked[self._limit :]
            folded += ranked[self._limit :]
            keys.append(other)
        self._keys = sorted(keys)
        self._members = members
        self.folded = folded

    def series(self) -> Iterable[SeriesKey]:
        self._refresh()
        return self._keys

    def is_derived(self, key: SeriesKey) -> bool:
        self._refresh()
        return key not in self._members and self._view.is_derived(key)

    def minute_sum(self, key: SeriesKey, first: int, last: int) -> int:
        self._refresh()
        members = self._members.get(key)
        if members is None:
            return self._view.minute_sum(key, first, last)
        return sum(self._view.minute_sum(k, first, last) for k in members) + self._view.minute_sum(key, first, last)

    def hour_count(self, key: SeriesKey, hour: int) -> int:
        self._refresh()
        members = self._members.get(key)
        if members is None:
            return self._view.hour_count(key, hour)
        return sum(self._view.hour_count(k, hour) for k in members) + self._view.hour_count(key, hour)
