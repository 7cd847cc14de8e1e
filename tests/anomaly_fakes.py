"""A recording fake of the OpenSearch search port used by the anomaly check: it answers ``_msearch``
and composite searches from an in-memory count table with the same aggregation semantics (range on
@timestamp, terms on subsystem / event.action / log.level, date histogram), so the check's own query
building and response parsing run for real in handler tests."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson

from logwarden.detection.model import SeriesKey

_INTERVAL_MINUTES = {"1m": 1, "1h": 60}


class FakeCountsSearch:
    def __init__(self, table: dict[SeriesKey, dict[int, int]]) -> None:
        self.table = table
        self.requests: list[int] = []  # number of searches in each _msearch
        self.failure: Exception | None = None

    def msearch(self, body: Any, index: Any = None, params: Any = None, headers: Any = None) -> Any:
        if self.failure is not None:
            raise self.failure
        lines = [orjson.loads(line) for line in bytes(body).splitlines() if line.strip()]
        searches = lines[1::2]
        self.requests.append(len(searches))
        return {"responses": [self._answer(search) for search in searches]}

    def _answer(self, search: dict[str, Any]) -> dict[str, Any]:
        bounds = search["query"]["range"]["@timestamp"]
        first, end = int(bounds["gte"]) // 60_000, int(bounds["lt"]) // 60_000
        subsystem_agg = search["aggs"]["subsystem"]
        interval = subsystem_agg["aggs"]["event"]["aggs"]["level"]["aggs"]["t"]["date_histogram"]["fixed_interval"]
        width = _INTERVAL_MINUTES[interval]
        tree: dict[str, dict[str, dict[str, dict[int, int]]]] = defaultdict(lambda: defaultdict(dict))
        for key, points in self.table.items():
            for minute, count in points.items():
                if first <= minute < end and count:
                    bucket = minute - minute % width
                    histogram = tree[key.subsystem][key.event].setdefault(key.level, {})
                    histogram[bucket] = histogram.get(bucket, 0) + count
        return {
            "timed_out": False,
            "_shards": {"total": 1, "successful": 1, "failed": 0},
            "aggregations": {
                "subsystem": {
                    "buckets": [
                        {
                            "key": subsystem,
                            "event": {
                                "buckets": [
                                    {
                                        "key": event,
                                        "level": {
                                            "buckets": [
                                                {
                                                    "key": level,
                                                    "t": {
                                                        "buckets": [
                                                            {"key": minute * 60_000, "doc_count": count}
                                                            for minute, count in sorted(histogram.items())
                                                        ]
                                                    },
                                                }
                                                for level, histogram in levels.items()
                                            ]
                                        },
                                    }
                                    for event, levels in events.items()
                                ]
                            },
                        }
                        for subsystem, events in tree.items()
                    ]
                }
            },
        }
