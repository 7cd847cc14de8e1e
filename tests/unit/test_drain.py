"""The scheduled drain: probe first, replay only what an outage parked, idempotently, at a bounded rate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from opensearchpy.exceptions import ConnectionError

from logwarden.config import DrainConfig
from logwarden.drain import drain, drainable
from logwarden.errors import ConfigurationError
from logwarden.ingest.cloudwatch import decode_delivery, encode_delivery
from logwarden.ingest.pipeline import IngestPipeline
from logwarden.masking.masker import default_masker
from logwarden.routing import Router
from logwarden.sink.bulk import BulkIndexer
from logwarden.sink.deadletter import DeadLetterEntry, LocalDeadLetterStore
from tests.fakes import FakeBulkTransport


class Engine(FakeBulkTransport):
    """The fake bulk port with ``ping``: up or down as the test says."""

    def __init__(self, up: bool = True) -> None:
        super().__init__()
        self.up = up
        self.pings = 0

    def ping(self, params: Any = None, headers: Any = None) -> bool:
        self.pings += 1
        return self.up


def delivery(n: int, events: int = 5) -> dict[str, Any]:
    return encode_delivery(
        "/ecs/shop-api",
        f"stream-{n}",
        [
            {"id": f"{n}-{i}", "timestamp": 1_764_078_000_000 + i, "message": f"order {i} for a.b@example.com"}
            for i in range(events)
        ],
    )


def park_during_outage(store: LocalDeadLetterStore, deliveries: int, events: int = 5) -> None:
    down = FakeBulkTransport()
    down.request_failures = [ConnectionError("N/A", "refused", Exception())] * 1000
    indexer = BulkIndexer(down, sleep=lambda s: None)
    pipeline = IngestPipeline(masker=default_masker())
    for n in range(deliveries):
        report = pipeline.run(decode_delivery(delivery(n, events), Router()), indexer, store, remaining_s=lambda: 60.0)
        assert report.undelivered == events


def up_indexer(engine: FakeBulkTransport) -> BulkIndexer:
    return BulkIndexer(engine, sleep=lambda s: None)


def test_waits_while_the_engine_is_down_then_drains_everything_exactly_once(tmp_path: Path) -> None:
    store = LocalDeadLetterStore(tmp_path)
    park_during_outage(store, deliveries=4)
    # GIVEN the engine still down
    engine = Engine(up=False)
    waiting = drain(store, up_indexer(engine), engine, remaining_s=lambda: 300.0)
    # THEN the drain only probes and counts the backlog
    assert (waiting.backlog_batches, waiting.remaining_batches, waiting.engine_answered) == (4, 4, False)
    assert engine.requests == [] and engine.pings == 1
    # WHEN it answers again
    engine.up = True
    first = drain(store, up_indexer(engine), engine, remaining_s=lambda: 300.0)
    second = drain(store, up_indexer(engine), engine, remaining_s=lambda: 300.0)
    # THEN every parked document is indexed once, with its original id, and the store is empty
    assert (first.replay.indexed, first.replay.still_failing, first.remaining_batches) == (20, 0, 0)
    assert second.backlog_batches == 0 and second.replay.documents == 0
    assert sorted(doc_id for _, doc_id in engine.documents) == sorted(
        r.doc_id for n in range(4) for r in decode_delivery(delivery(n), Router()).records
    )


def test_documents_that_landed_after_all_are_not_duplicated(tmp_path: Path) -> None:
    store = LocalDeadLetterStore(tmp_path)
    park_during_outage(store, deliveries=1)
    engine = Engine()
    # GIVEN the delivery was redelivered and indexed directly while its copy waited in the store
    IngestPipeline(masker=default_masker()).run(
        decode_delivery(delivery(0), Router()), up_indexer(engine), LocalDeadLetterStore(tmp_path / "x"), lambda: 60.0
    )
    report = drain(store, up_indexer(engine), engine, remaining_s=lambda: 300.0)
    assert (report.replay.indexed, report.replay.already_present) == (0, 5)
    assert len(engine.documents) == 5 and list(store.batches()) == []


def test_set_aside_documents_and_payloads_wait_for_a_person(tmp_path: Path) -> None:
    store = LocalDeadLetterStore(tmp_path)
    refused = DeadLetterEntry(
        kind="document",
        reason="mapper_parsing_exception",
        index="logs-shop-info",
        doc_id="a",
        document={"m": 1},
        outcome="set_aside",
    )
    forbidden = DeadLetterEntry(
        kind="document", reason="http_403", index="logs-shop-info", doc_id="b", document={"m": 2}, outcome="undelivered"
    )
    payload = DeadLetterEntry(kind="payload", reason="undecodable_delivery", payload={"base64": "AAAA"})
    store.put([refused, forbidden, payload])
    assert not drainable(refused) and not drainable(forbidden) and not drainable(payload)
    engine = Engine()
    report = drain(store, up_indexer(engine), engine, remaining_s=lambda: 300.0)
    assert engine.requests == [] and report.remaining_batches == 1
    [name] = list(store.batches())
    assert store.read(name) == [refused, forbidden, payload]  # untouched


def test_a_run_stops_at_its_document_cap_and_the_next_run_continues(tmp_path: Path) -> None:
    store = LocalDeadLetterStore(tmp_path)
    park_during_outage(store, deliveries=5, events=4)
    engine = Engine()
    first = drain(store, up_indexer(engine), engine, remaining_s=lambda: 300.0, max_documents=8)
    assert (first.replay.indexed, first.replay.stopped, first.remaining_batches) == (8, "document_limit", 3)
    second = drain(store, up_indexer(engine), engine, remaining_s=lambda: 300.0, max_documents=8)
    third = drain(store, up_indexer(engine), engine, remaining_s=lambda: 300.0, max_documents=8)
    assert (second.replay.indexed, third.replay.indexed, third.remaining_batches) == (8, 4, 0)
    assert len(engine.documents) == 20


def test_a_run_stops_when_the_engine_throttles(tmp_path: Path) -> None:
    store = LocalDeadLetterStore(tmp_path)
    park_during_outage(store, deliveries=3)
    engine = Engine()
    engine.item_status = lambda index, doc_id, attempt: (
        (429, "es_rejected_execution_exception") if attempt == 1 else None
    )
    report = drain(store, up_indexer(engine), engine, remaining_s=lambda: 300.0)
    # the first batch lands after its retry, and the run leaves the other two to the next one
    assert (report.replay.indexed, report.replay.stopped, report.remaining_batches) == (5, "throttled", 2)


def test_a_run_stops_before_its_time_runs_out(tmp_path: Path) -> None:
    store = LocalDeadLetterStore(tmp_path)
    park_during_outage(store, deliveries=2)
    engine = Engine()
    report = drain(store, up_indexer(engine), engine, remaining_s=lambda: 4.0)
    assert report.replay.stopped == "time" and report.remaining_batches == 2 and engine.requests == []


def test_the_configuration_names_every_problem() -> None:
    with pytest.raises(ConfigurationError) as raised:
        DrainConfig.from_env({"LOGWARDEN_DRAIN_MAX_DOCUMENTS": "-3"})
    problems = " ".join(raised.value.problems)
    assert "OPENSEARCH" in problems and "DEADLETTER" in problems and "LOGWARDEN_DRAIN_MAX_DOCUMENTS" in problems
    config = DrainConfig.from_env({"OPENSEARCH_URL": "http://127.0.0.1:9200", "LOGWARDEN_DEADLETTER_DIR": "/tmp/d"})
    assert config.max_documents == 200_000
