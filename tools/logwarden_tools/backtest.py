"""Replay a per-minute count table through the detectors and the alert lifecycle, minute by minute.

Exactly what the scheduled check does each minute, with the table instead of OpenSearch and a dict
instead of DynamoDB: at minute ``m`` the detectors see only rows up to ``m``.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

import orjson

from logwarden.alerting.lifecycle import AlertKey, AlertState, Notification, group, step
from logwarden.detection.baseline import SeasonalBaseline
from logwarden.detection.counts import FoldedView, MinuteTable
from logwarden.detection.detectors import Detectors
from logwarden.detection.model import SeriesKey, format_minute, parse_minute
from logwarden.detection.rules import Rules
from logwarden.naming import normalise_level

CSV_HEADER: Final = ("minute", "subsystem", "event", "level", "count")


class CountsFormatError(ValueError):
    pass


def read_counts(stream: Iterable[str]) -> dict[SeriesKey, dict[int, int]]:
    """Parse ``minute,subsystem,event,level,count`` rows; repeated rows of one series and minute add up."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != CSV_HEADER:
        raise CountsFormatError(f"the first line must be the header {','.join(CSV_HEADER)}, not {header!r}")
    series: dict[SeriesKey, dict[int, int]] = defaultdict(dict)
    minutes: dict[str, int] = {}
    keys: dict[tuple[str, str, str], SeriesKey] = {}
    for number, row in enumerate(reader, start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(CSV_HEADER):
            raise CountsFormatError(f"line {number}: expected 5 fields, got {len(row)}")
        stamp, subsystem, event, level, count_text = row
        minute = minutes.get(stamp)
        if minute is None:
            try:
                minute = minutes[stamp] = parse_minute(stamp)
            except ValueError:
                raise CountsFormatError(f"line {number}: bad minute {stamp!r}") from None
        try:
            count = int(count_text)
        except ValueError:
            raise CountsFormatError(f"line {number}: bad count {count_text!r}") from None
        if count < 0:
            raise CountsFormatError(f"line {number}: negative count")
        raw_key = (subsystem, event, level)
        key = keys.get(raw_key)
        if key is None:
            canonical = normalise_level(level.strip()) or level.strip().upper()
            key = keys[raw_key] = SeriesKey(subsystem.strip(), event.strip(), canonical)
        points = series[key]
        points[minute] = points.get(minute, 0) + count
    return dict(series)


@dataclass
class ReplayStats:
    """What a replay saw: the most series evaluated in one minute and the most folded into "other"."""

    series: int = 0
    folded: int = 0
    folded_examples: list[str] = field(default_factory=list)


def replay(
    rows: Mapping[SeriesKey, Mapping[int, int]], rules: Rules, stats: ReplayStats | None = None
) -> Iterator[Notification]:
    table = MinuteTable(rows)
    view = FoldedView(table, rules.max_events_per_subsystem)
    detectors = Detectors(view, rules, SeasonalBaseline(view, rules.baseline))
    states: dict[AlertKey, AlertState] = {}
    for minute in range(table.start, table.end + 1):
        table.now = minute
        findings = detectors.evaluate()
        if stats is not None:
            stats.series = max(stats.series, len(list(view.series())))
            if len(view.folded) > stats.folded:
                stats.folded = len(view.folded)
                stats.folded_examples = [str(k) for k in view.folded[:5]]
        transitions = step(states, findings, minute, rules.lifecycle, detectors.current, detectors.this_minute)
        notifications = []
        for transition in transitions:
            if transition.after is None:
                states.pop(transition.key, None)
            else:
                states[transition.key] = transition.after
            if transition.notification is not None:
                notifications.append(transition.notification)
        yield from group(notifications)


def notification_line(notification: Notification) -> bytes:
    """The backtest's JSON line; field order is part of the format (new fields go at the end)."""
    series = notification.key.series
    return orjson.dumps(
        {
            "minute": format_minute(notification.minute),
            "subsystem": series.subsystem,
            "event": series.event,
            "level": series.level,
            "severity": notification.severity.label,
            "rule": notification.rule,
            "kind": notification.kind,
            "incident": notification.incident,
            "reason": notification.reason,
            "related": [str(key) for key in notification.related],
        }
    )
