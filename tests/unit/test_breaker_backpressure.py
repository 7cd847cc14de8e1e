"""Adaptive backpressure: on 429 the bulks shrink (halved), while the engine keeps up they grow back (additively)."""

from __future__ import annotations

import pytest
from opensearchpy.exceptions import TransportError

from logwarden.sink.backpressure import AdaptiveBulkLimit
from logwarden.sink.bulk import BulkIndexer, IndexAction
from tests.fakes import FakeBulkTransport


def actions(n: int, prefix: str = "id") -> list[IndexAction]:
    return [IndexAction("logs-shop-info", f"{prefix}-{i}", b'{"message":"x"}') for i in range(n)]


def test_halves_on_throttling_down_to_the_floor_and_recovers_additively() -> None:
    limit = AdaptiveBulkLimit(2000, 5 * 1024 * 1024, min_actions=50)
    limit.on_throttled()
    assert limit.max_actions == 1000 and limit.max_bytes == 5 * 1024 * 1024 // 2
    for _ in range(20):
        limit.on_throttled()
    assert limit.max_actions == 62  # 2000 / 32: the share never drops below 1/32
    assert limit.max_bytes == 256 * 1024  # the byte floor
    steps = 0
    while limit.max_actions < 2000:
        limit.on_accepted()
        steps += 1
    assert steps == 16  # 1/32 back to 1 in sixteenths
    limit.on_accepted()
    assert limit.max_actions == 2000  # never above the configured maximum


def test_the_floor_never_exceeds_the_ceiling() -> None:
    limit = AdaptiveBulkLimit(10, 1000)
    for _ in range(10):
        limit.on_throttled()
    assert (limit.max_actions, limit.max_bytes) == (10, 1000)
    with pytest.raises(ValueError, match="positive"):
        AdaptiveBulkLimit(0, 1000)


def test_throttled_items_make_the_next_bulks_smaller() -> None:
    # GIVEN an engine that throttles every item of the first two bulks it sees
    transport = FakeBulkTransport()
    calls = {"bulks": 0}
    original = transport.bulk

    def bulk(body: object, index: object = None, params: object = None, headers: object = None) -> object:
        calls["bulks"] += 1
        if calls["bulks"] <= 2:
            lines = bytes(body).splitlines()  # type: ignore[arg-type]
            items = [{"create": {"status": 429, "error": {"type": "es_rejected_execution_exception"}}}] * (
                len(lines) // 2
            )
            transport.requests.append(len(items))
            return {"errors": True, "items": items}
        return original(body, index, params, headers)

    transport.bulk = bulk  # type: ignore[method-assign]
    indexer = BulkIndexer(transport, max_actions=400, sleep=lambda s: None)
    indexer.limit.min_actions = 50
    # WHEN a delivery of 400 documents is indexed
    report = indexer.index(actions(400), remaining_s=lambda: 600.0)
    # THEN the first bulk of 400 is throttled (limit 200), the first retry bulk of 200 too (limit 100); then each
    # bulk the engine takes grows the next by a sixteenth of the maximum (25): 100, 100, then the last retry 150 + 50
    assert transport.requests == [400, 200, 100, 100, 150, 50]
    assert report.indexed == 400 and report.throttled == 2
    assert indexer.limit.max_actions == 100 + 4 * 25


def test_a_throttled_request_counts_as_throttling_too() -> None:
    transport = FakeBulkTransport()
    transport.request_failures = [TransportError(429, "too_many_requests", {})]
    indexer = BulkIndexer(transport, max_actions=1000, sleep=lambda s: None)
    report = indexer.index(actions(10), remaining_s=lambda: 60.0)
    assert report.indexed == 10 and report.throttled == 1
    assert indexer.limit.share == pytest.approx(0.5 + 1 / 16)
