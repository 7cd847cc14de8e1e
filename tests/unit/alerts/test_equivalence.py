"""The Lambda reads a handful of buckets, the backtest a full table: both must see the same anomalies."""

from __future__ import annotations

from collections import defaultdict

import pytest

from logwarden.detection.counts import BucketCounts, MinuteTable
from logwarden.detection.detectors import Detectors
from logwarden.detection.model import MINUTES_PER_HOUR, SeriesKey
from logwarden.detection.rules import load_rules
from logwarden.detection.span import FetchSpan, fetch_span
from logwarden_tools.generate import scenarios


def buckets_for(table: dict[SeriesKey, dict[int, int]], span: FetchSpan) -> BucketCounts:
    """What the OpenSearch queries return for ``span``: recent minutes, today's hours, past days' hours."""
    minutes: dict[SeriesKey, dict[int, int]] = defaultdict(dict)
    hours: dict[SeriesKey, dict[int, int]] = defaultdict(dict)
    wanted_hours = [h for lo, hi in [(span.first_hour, span.current_hour), *span.history] for h in range(lo, hi + 1)]
    for key, points in table.items():
        for minute in range(span.first_minute, span.now + 1):
            if points.get(minute):
                minutes[key][minute] = points[minute]
        for hour in wanted_hours:
            last = min(hour * MINUTES_PER_HOUR + 59, span.now)
            count = sum(points.get(m, 0) for m in range(hour * MINUTES_PER_HOUR, last + 1))
            if count:
                hours[key][hour] = count
    first_seen = min((h for series in hours.values() for h in series), default=None)
    return BucketCounts(span.now, minutes, hours, first_seen)


@pytest.fixture(scope="module")
def timeline() -> dict[SeriesKey, dict[int, int]]:
    return scenarios.generate(days=scenarios.WARMUP_DAYS + 5)


def test_bucket_view_and_full_table_give_identical_findings(timeline: dict[SeriesKey, dict[int, int]]) -> None:
    rules = load_rules()
    full = MinuteTable(timeline)
    detectors = Detectors(full, rules)
    incident_minutes = [s.start + offset for s in scenarios.SCENARIOS[:10] for offset in (0, 1, 4, 9, 40, 130)]
    checked = 0
    for minute in incident_minutes:
        if minute > full.end:
            continue
        full.now = minute
        from_table = detectors.evaluate()
        from_buckets = Detectors(buckets_for(timeline, fetch_span(minute, rules)), rules).evaluate()
        assert from_buckets == from_table, minute
        checked += bool(from_table)
    assert checked >= 10  # the comparison covered real findings, not just empty lists
