"""Series keys, severities and minute arithmetic shared by the detectors, the lifecycle and the I/O edges.

Time is an integer count of minutes since the Unix epoch (UTC): cheap to compare, hash and subtract,
and exactly what a per-minute count table is indexed by.
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum
from typing import Final, NamedTuple

ANY_EVENT: Final = "any"  # all event kinds of one subsystem and level
NO_EVENT: Final = "-"  # documents without an event kind; counted in ``any``, never evaluated on their own
ALL: Final = "*"  # subsystem or level of a system-wide alert (broker storms, silence, check failures)

MINUTES_PER_HOUR: Final = 60
MINUTES_PER_DAY: Final = 1440
_EPOCH_WEEKDAY: Final = 3  # 1970-01-01 was a Thursday (Monday = 0)


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected one of {', '.join(s.label for s in cls)})") from None


class SeriesKey(NamedTuple):
    """One count series: a subsystem, an event kind (or ``any``) and a canonical level.

    A named tuple rather than a dataclass: keys are hashed millions of times in a backtest.
    """

    subsystem: str
    event: str
    level: str

    def __str__(self) -> str:
        return f"{self.subsystem}/{self.event}/{self.level}"


def parse_minute(text: str) -> int:
    """``2025-02-03T00:00:00Z`` (any ISO-8601 UTC timestamp) -> minutes since the epoch, floored."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    stamp = dt.datetime.fromisoformat(value)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return int(stamp.timestamp()) // 60


def format_minute(minute: int) -> str:
    return dt.datetime.fromtimestamp(minute * 60, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def minute_of(stamp: dt.datetime) -> int:
    return int(stamp.timestamp()) // 60


def weekday(minute: int) -> int:
    """Day of week of a minute, Monday = 0."""
    return (minute // MINUTES_PER_DAY + _EPOCH_WEEKDAY) % 7
