"""Per-minute counts from OpenSearch: the one read the anomaly check makes each run, and the export
that feeds ``logwarden backtest`` with real history.

One ``_msearch`` request per run, whatever the number of rules: recent minutes at minute resolution,
today's hours and the same hours of each past day at hour resolution, each a date histogram under
terms on subsystem, event kind and level. A search per past day keeps every response far below
``search.max_buckets`` (1,000 series x 8 hours = 8,000 buckets), where one histogram over two weeks
of hours would exceed it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any, Final, Protocol

import orjson
from opensearchpy.exceptions import OpenSearchException

from logwarden import naming, schema
from logwarden.detection.counts import BucketCounts
from logwarden.detection.model import MINUTES_PER_HOUR, NO_EVENT, SeriesKey
from logwarden.detection.span import FetchSpan
from logwarden.errors import RetryableError

_MS_PER_MINUTE: Final = 60_000
_DEFAULT_MAX_SERIES: Final = 5000


class CountsUnavailableError(RetryableError):
    """OpenSearch could not answer the count queries; the check raises its own alert instead."""


class SearchClient(Protocol):
    def msearch(self, body: Any, index: Any = None, params: Any = None, headers: Any = None) -> Any: ...


def _series_aggregation(interval: str, max_series: int) -> dict[str, Any]:
    histogram = {"date_histogram": {"field": schema.TIMESTAMP, "fixed_interval": interval, "min_doc_count": 1}}
    return {
        "subsystem": {
            "terms": {"field": schema.SUBSYSTEM, "size": 100, "missing": naming.DEFAULT_SUBSYSTEM},
            "aggs": {
                "event": {
                    "terms": {"field": schema.EVENT_KIND, "size": max_series, "missing": NO_EVENT},
                    "aggs": {
                        "level": {
                            "terms": {"field": schema.LEVEL, "size": 10, "missing": "INFO"},
                            "aggs": {"t": histogram},
                        }
                    },
                }
            },
        }
    }


def minute_range(first_minute: int, end_minute: int) -> dict[str, Any]:
    """Documents whose event time falls in [first_minute, end_minute)."""
    return {
        "range": {
            schema.TIMESTAMP: {
                "gte": first_minute * _MS_PER_MINUTE,
                "lt": end_minute * _MS_PER_MINUTE,
                "format": "epoch_millis",
            }
        }
    }


def _search(first_minute: int, end_minute: int, interval: str, max_series: int) -> dict[str, Any]:
    return {
        "size": 0,
        "track_total_hits": False,
        "query": minute_range(first_minute, end_minute),
        "aggs": _series_aggregation(interval, max_series),
    }


def count_searches(span: FetchSpan, max_series: int = _DEFAULT_MAX_SERIES) -> list[dict[str, Any]]:
    """The searches of one run, in order: recent minutes, today's hours, then past days 1, 2, ..."""
    searches = [
        _search(span.first_minute, span.now + 1, "1m", max_series),
        _search(span.first_hour * MINUTES_PER_HOUR, span.now + 1, "1h", max_series),
    ]
    for first_hour, last_hour in span.history:
        searches.append(_search(first_hour * MINUTES_PER_HOUR, (last_hour + 1) * MINUTES_PER_HOUR, "1h", max_series))
    return searches


def msearch_body(index: str, searches: list[dict[str, Any]]) -> bytes:
    header = orjson.dumps({"index": index, "ignore_unavailable": True, "allow_no_indices": True})
    return b"".join(header + b"\n" + orjson.dumps(search) + b"\n" for search in searches)


def iter_series_buckets(response: Mapping[str, Any]) -> Iterator[tuple[SeriesKey, int, int]]:
    """(series, bucket start in minutes, count) for every non-empty bucket of one search response."""
    for subsystem in response.get("aggregations", {}).get("subsystem", {}).get("buckets", []):
        for event in subsystem["event"]["buckets"]:
            for level in event["level"]["buckets"]:
                canonical = naming.normalise_level(level["key"]) or str(level["key"]).upper()
                key = SeriesKey(str(subsystem["key"]), str(event["key"]), canonical)
                for bucket in level["t"]["buckets"]:
                    if bucket["doc_count"]:
                        yield key, int(bucket["key"]) // _MS_PER_MINUTE, int(bucket["doc_count"])


def parse_counts(span: FetchSpan, responses: list[Mapping[str, Any]]) -> BucketCounts:
    """The fetched buckets as the detectors' view; fails loudly on any partial answer."""
    for response in responses:
        if "error" in response:
            raise CountsUnavailableError(f"count query failed: {_reason(response['error'])}")
        if response.get("timed_out") or response.get("_shards", {}).get("failed"):
            raise CountsUnavailableError("count query incomplete: timed out or shards failed")
    minutes: dict[SeriesKey, dict[int, int]] = defaultdict(dict)
    hours: dict[SeriesKey, dict[int, int]] = defaultdict(dict)
    first_hour: int | None = None
    for key, minute, count in iter_series_buckets(responses[0]):
        points = minutes[key]
        points[minute] = points.get(minute, 0) + count
    for response in responses[1:]:
        for key, minute, count in iter_series_buckets(response):
            hour = minute // MINUTES_PER_HOUR
            points = hours[key]
            points[hour] = points.get(hour, 0) + count
            first_hour = hour if first_hour is None else min(first_hour, hour)
    return BucketCounts(span.now, minutes, hours, first_hour)


def _reason(error: Any) -> str:
    if isinstance(error, Mapping):
        root = error.get("root_cause") or [error]
        first = root[0] if isinstance(root, list) and root else error
        return f"{first.get('type', 'error')}: {str(first.get('reason', ''))[:200]}"
    return str(error)[:200]


class OpenSearchCounts:
    """The count source of the anomaly check: one ``_msearch`` over ``<prefix>-*`` per run."""

    def __init__(self, client: SearchClient, index_prefix: str, max_series: int = _DEFAULT_MAX_SERIES) -> None:
        self._client = client
        self._index = naming.all_logs_pattern(index_prefix)
        self._max_series = max_series

    def fetch(self, span: FetchSpan) -> BucketCounts:
        searches = count_searches(span, self._max_series)
        try:
            result = self._client.msearch(body=msearch_body(self._index, searches))
        except OpenSearchException as exc:  # connection refused, timeouts, 5xx, auth: all mean "cannot run"
            raise CountsUnavailableError(f"OpenSearch unreachable: {type(exc).__name__}") from exc
        responses = result.get("responses") if isinstance(result, Mapping) else None
        if not isinstance(responses, list) or len(responses) != len(searches):
            raise CountsUnavailableError("OpenSearch answered the count queries with an unexpected shape")
        return parse_counts(span, responses)


# ------------------------------------------------------------------------------------------------ export


class CompositeSearchClient(Protocol):
    def search(self, body: Any = None, index: Any = None, params: Any = None, headers: Any = None) -> Any: ...


def export_counts(
    client: CompositeSearchClient, index_prefix: str, first_minute: int, end_minute: int, page_size: int = 5000
) -> Iterator[tuple[int, SeriesKey, int]]:
    """(minute, series, count) for every non-empty minute in ``[first_minute, end_minute)``, paged with a
    composite aggregation so any time range fits in bounded memory on both sides."""
    after: dict[str, Any] | None = None
    while True:
        composite: dict[str, Any] = {
            "size": page_size,
            "sources": [
                {"minute": {"date_histogram": {"field": schema.TIMESTAMP, "fixed_interval": "1m"}}},
                {"subsystem": {"terms": {"field": schema.SUBSYSTEM, "missing_bucket": True}}},
                {"event": {"terms": {"field": schema.EVENT_KIND, "missing_bucket": True}}},
                {"level": {"terms": {"field": schema.LEVEL, "missing_bucket": True}}},
            ],
        }
        if after is not None:
            composite["after"] = after
        body = {
            "size": 0,
            "track_total_hits": False,
            "query": minute_range(first_minute, end_minute),
            "aggs": {"counts": {"composite": composite}},
        }
        try:
            result = client.search(body=body, index=naming.all_logs_pattern(index_prefix))
        except OpenSearchException as exc:
            raise CountsUnavailableError(f"OpenSearch unreachable: {type(exc).__name__}") from exc
        aggregation = result.get("aggregations", {}).get("counts", {})
        for bucket in aggregation.get("buckets", []):
            key = bucket["key"]
            level = naming.normalise_level(key.get("level")) or str(key.get("level") or "INFO").upper()
            series = SeriesKey(key.get("subsystem") or naming.DEFAULT_SUBSYSTEM, key.get("event") or NO_EVENT, level)
            yield int(key["minute"]) // _MS_PER_MINUTE, series, int(bucket["doc_count"])
        after = aggregation.get("after_key")
        if not aggregation.get("buckets") or after is None:
            return
