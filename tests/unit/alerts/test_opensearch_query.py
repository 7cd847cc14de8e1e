"""Query building and response parsing, pure: the shapes OpenSearch receives and returns."""

from __future__ import annotations

import pytest

from logwarden.detection.model import MINUTES_PER_HOUR, SeriesKey, parse_minute
from logwarden.detection.opensearch import CountsUnavailableError, count_searches, msearch_body, parse_counts
from logwarden.detection.rules import load_rules
from logwarden.detection.span import fetch_span

NOW = parse_minute("2025-02-17T10:10:00Z")


def test_one_msearch_whatever_the_number_of_rules() -> None:
    few = load_rules()
    many = load_rules("\n".join(f'[[static]]\nname = "t{i}"\nabove = {i}\n' for i in range(50)))
    assert len(count_searches(fetch_span(NOW, few))) == len(count_searches(fetch_span(NOW, many))) == 16
    body = msearch_body("logs-*", count_searches(fetch_span(NOW, few)))
    assert body.count(b"\n") == 32 and b'"index":"logs-*"' in body


def test_searches_cover_the_span_at_the_right_resolution() -> None:
    span = fetch_span(NOW, load_rules())
    recent, today, *days = count_searches(span)
    assert recent["query"]["range"]["@timestamp"]["gte"] == span.first_minute * 60_000
    assert recent["query"]["range"]["@timestamp"]["lt"] == (NOW + 1) * 60_000
    histogram = today["aggs"]["subsystem"]["aggs"]["event"]["aggs"]["level"]["aggs"]["t"]["date_histogram"]
    assert histogram["fixed_interval"] == "1h"
    first_hour, last_hour = span.history[0]
    assert days[0]["query"]["range"]["@timestamp"]["gte"] == first_hour * MINUTES_PER_HOUR * 60_000
    assert days[0]["query"]["range"]["@timestamp"]["lt"] == (last_hour + 1) * MINUTES_PER_HOUR * 60_000


def _response(subsystem: str, event: str, level: str, buckets: list[tuple[int, int]]) -> dict[str, object]:
    return {
        "_shards": {"failed": 0},
        "aggregations": {"subsystem": {"buckets": [{"key": subsystem, "event": {"buckets": [{"key": event, "level": {
            "buckets": [{"key": level, "t": {"buckets": [{"key": m * 60_000, "doc_count": c} for m, c in buckets]}}]
        }}]}}]}},
    }  # fmt: skip


def test_responses_become_the_view_with_derived_totals() -> None:
    span = fetch_span(NOW, load_rules())
    hour = NOW // 60 * 60
    responses = [_response("shop", "order_created", "Error", [(NOW, 7)]), _response("shop", "-", "ERROR", [(hour, 40)])]
    responses += [{"_shards": {"failed": 0}}] * 14
    view = parse_counts(span, responses)
    assert view.minute_sum(SeriesKey("shop", "order_created", "ERROR"), NOW - 5, NOW) == 7
    assert view.hour_count(SeriesKey("shop", "any", "ERROR"), NOW // 60) == 40
    assert view.is_derived(SeriesKey("shop", "any", "ERROR"))


@pytest.mark.parametrize(
    "bad",
    [{"error": {"root_cause": [{"type": "search_phase_execution_exception", "reason": "boom"}]}},
     {"timed_out": True}, {"_shards": {"failed": 2}}],
)  # fmt: skip
def test_partial_answers_mean_the_check_cannot_run(bad: dict[str, object]) -> None:
    span = fetch_span(NOW, load_rules())
    with pytest.raises(CountsUnavailableError):
        parse_counts(span, [bad] + [{"_shards": {"failed": 0}}] * 15)
