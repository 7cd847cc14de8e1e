"""Bulk outcomes: per-item classification, retries of only what failed, the deadline, conservation."""

from __future__ import annotations

import pytest
from opensearchpy.exceptions import AuthorizationException, ConnectionError, TransportError

from logwarden.sink.bulk import BulkIndexer, IndexAction, RetryPolicy, chunk_actions, classify_item
from tests.fakes import FakeBulkTransport


def actions(n: int, size: int = 10) -> list[IndexAction]:
    return [IndexAction("logs-shop-info", f"id-{i}", b'{"m":"' + b"x" * size + b'"}') for i in range(n)]


def indexer(transport: FakeBulkTransport, **kwargs: object) -> tuple[BulkIndexer, list[float]]:
    sleeps: list[float] = []
    return BulkIndexer(transport, sleep=sleeps.append, **kwargs), sleeps  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("item", "outcome"),
    [
        ({"create": {"status": 201}}, "done"),
        ({"create": {"status": 409, "error": {"type": "version_conflict_engine_exception"}}}, "duplicate"),
        ({"create": {"status": 429, "error": {"type": "es_rejected_execution_exception"}}}, "retry"),
        ({"create": {"status": 503, "error": {"type": "unavailable_shards_exception"}}}, "retry"),
        ({"create": {"status": 400, "error": {"type": "mapper_parsing_exception", "reason": "x"}}}, "set_aside"),
        ({"create": {"status": 404, "error": {"type": "index_not_found_exception"}}}, "set_aside"),
    ],
)
def test_item_classification(item: dict[str, object], outcome: str) -> None:
    assert classify_item(item)[0] == outcome


def test_chunks_respect_bytes_and_count() -> None:
    chunks = chunk_actions(actions(10, size=1000), max_bytes=3000, max_actions=100)
    assert [len(c) for c in chunks] == [2, 2, 2, 2, 2]
    assert [len(c) for c in chunk_actions(actions(5), max_bytes=10**6, max_actions=2)] == [2, 2, 1]
    oversized = chunk_actions(actions(2, size=5000), max_bytes=1000)
    assert [len(c) for c in oversized] == [1, 1]  # a document larger than the limit still goes, alone


def test_only_failed_items_are_resent() -> None:
    transport = FakeBulkTransport()
    transport.item_status = lambda index, doc_id, attempt: (
        (429, "es_rejected_execution_exception") if doc_id == "id-3" and attempt < 3 else None
    )
    bulk, sleeps = indexer(transport)
    report = bulk.index(actions(5), remaining_s=lambda: 60.0)
    assert report.indexed == 5
    assert transport.requests == [5, 1, 1]
    assert report.retries == 2 and len(sleeps) == 2
    assert sleeps[1] <= 0.4  # exponential with jitter: base 0.2 s, doubled, at most the cap


def test_redelivery_yields_duplicates_not_second_documents() -> None:
    transport = FakeBulkTransport()
    bulk, _ = indexer(transport)
    bulk.index(actions(3), remaining_s=lambda: 60.0)
    report = bulk.index(actions(3), remaining_s=lambda: 60.0)
    assert (report.indexed, report.duplicates) == (0, 3)
    assert len(transport.documents) == 3


def test_bad_documents_are_set_aside_with_their_reason() -> None:
    transport = FakeBulkTransport()
    transport.item_status = lambda index, doc_id, attempt: (
        (400, "mapper_parsing_exception") if doc_id == "id-1" else None
    )
    bulk, _ = indexer(transport)
    report = bulk.index(actions(3), remaining_s=lambda: 60.0)
    assert report.indexed == 2
    assert [(f.action.doc_id, f.reason) for f in report.set_aside] == [("id-1", "mapper_parsing_exception")]
    assert report.accounted == 3


def test_unavailable_cluster_leaves_everything_undelivered_within_the_deadline() -> None:
    transport = FakeBulkTransport()
    transport.request_failures = [ConnectionError("N/A", "refused", Exception("refused"))] * 100
    clock = [30.0]
    bulk = BulkIndexer(transport, policy=RetryPolicy(reserve_s=5.0), sleep=lambda s: clock.__setitem__(0, clock[0] - s))
    report = bulk.index(actions(4), remaining_s=lambda: clock[0])
    assert report.indexed == 0
    assert [f.reason for f in report.undelivered] == ["connection_error"] * 4
    assert clock[0] >= 5.0  # stopped retrying in time to park the documents
    assert report.accounted == 4


def test_throttled_request_is_retried_whole() -> None:
    transport = FakeBulkTransport()
    transport.request_failures = [TransportError(429, "too_many_requests", {})]
    bulk, sleeps = indexer(transport)
    report = bulk.index(actions(3), remaining_s=lambda: 60.0)
    assert report.indexed == 3 and len(sleeps) == 1


def test_refused_credentials_park_without_retrying() -> None:
    transport = FakeBulkTransport()
    transport.request_failures = [AuthorizationException(403, "security_exception", {})]
    bulk, sleeps = indexer(transport)
    report = bulk.index(actions(2), remaining_s=lambda: 60.0)
    assert [f.reason for f in report.undelivered] == ["http_403", "http_403"]
    assert sleeps == []


def test_a_bug_is_not_parked_as_an_outage() -> None:
    transport = FakeBulkTransport()
    transport.request_failures = [ValueError("bug")]
    bulk, _ = indexer(transport)
    with pytest.raises(ValueError, match="bug"):
        bulk.index(actions(1), remaining_s=lambda: 60.0)
