"""The whole ingest pipeline on a fake bulk port and a real local dead-letter directory."""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logwarden import schema
from logwarden.ingest.cloudwatch import decode_delivery, encode_delivery
from logwarden.ingest.pipeline import IngestPipeline
from logwarden.masking.masker import default_masker
from logwarden.replay import replay
from logwarden.routing import Router
from logwarden.sink.bulk import BulkIndexer
from logwarden.sink.deadletter import LocalDeadLetterStore
from tests.conftest import EVENTS, load_event
from tests.fakes import FakeBulkTransport


def run(event: dict[str, object], transport: FakeBulkTransport, store: LocalDeadLetterStore, **kwargs: object):  # type: ignore[no-untyped-def]
    pipeline = IngestPipeline(masker=default_masker(), **kwargs)  # type: ignore[arg-type]
    batch = decode_delivery(event, Router(), "eu-central-1")
    return pipeline.run(batch, BulkIndexer(transport, sleep=lambda s: None), store, remaining_s=lambda: 60.0)


def test_every_sample_event_is_accounted_for(tmp_path: Path) -> None:
    for path in sorted(EVENTS.glob("cloudwatch_*.json")):
        transport = FakeBulkTransport()
        report = run(orjson.loads(path.read_bytes()), transport, LocalDeadLetterStore(tmp_path))
        assert report.unaccounted == 0, path.name
        assert report.indexed == len(transport.documents), path.name


def test_documents_land_in_their_subsystem_and_level_stream(tmp_path: Path) -> None:
    transport = FakeBulkTransport()
    run(load_event("cloudwatch_shop_logback.json"), transport, LocalDeadLetterStore(tmp_path))
    streams = sorted({index for index, _ in transport.documents})
    assert streams == ["logs-shop-debug", "logs-shop-error", "logs-shop-info"]
    created = next(d for d in transport.documents.values() if d.get(schema.EVENT_KIND) == "order_created")
    assert created[schema.ORDER_ID] == "ORD-2025-000187"
    assert created[schema.TIMESTAMP] == "2025-11-25T13:40:00.012Z"
    assert created[schema.ORIGIN_LOG_GROUP] == "/ecs/shop-api"
    assert created[schema.CLOUD_REGION] == "eu-central-1"


def test_production_drops_debug_and_counts_it(tmp_path: Path) -> None:
    transport = FakeBulkTransport()
    report = run(load_event("cloudwatch_shop_logback.json"), transport, LocalDeadLetterStore(tmp_path), drop_debug=True)
    assert report.filtered == 1
    assert not any(index.endswith("-debug") for index, _ in transport.documents)
    assert report.unaccounted == 0


def test_outage_parks_everything_then_replay_indexes_it_exactly_once(tmp_path: Path) -> None:
    from opensearchpy.exceptions import ConnectionError

    store = LocalDeadLetterStore(tmp_path)
    down = FakeBulkTransport()
    down.request_failures = [ConnectionError("N/A", "refused", Exception())] * 100
    pipeline = IngestPipeline(masker=default_masker())
    batch = decode_delivery(load_event("cloudwatch_crm_serilog.json"), Router())
    clock = [20.0]
    indexer = BulkIndexer(down, sleep=lambda s: clock.__setitem__(0, clock[0] - s))
    report = pipeline.run(batch, indexer, store, remaining_s=lambda: clock[0])
    assert report.undelivered == 4 and report.unaccounted == 0
    assert len(list(store.batches())) == 1

    up = FakeBulkTransport()
    first = replay(store, BulkIndexer(up, sleep=lambda s: None), remaining_s=lambda: 60.0)
    assert (first.indexed, first.still_failing) == (4, 0)
    assert list(store.batches()) == []
    second = replay(store, BulkIndexer(up, sleep=lambda s: None), remaining_s=lambda: 60.0)
    assert second.summary()["documents"] == 0 and len(up.documents) == 4


def test_replay_keeps_what_still_fails(tmp_path: Path) -> None:
    store = LocalDeadLetterStore(tmp_path)
    bad = FakeBulkTransport()
    bad.item_status = lambda index, doc_id, attempt: (400, "mapper_parsing_exception")
    report = run(load_event("cloudwatch_mes_text.json"), bad, store)
    assert report.set_aside == 5 and report.set_aside_reasons["mapper_parsing_exception"] == 5
    again = replay(store, BulkIndexer(bad, sleep=lambda s: None), remaining_s=lambda: 60.0)
    assert again.still_failing == 5 and again.failures == {"mapper_parsing_exception": 5}
    entries = [e for name in store.batches() for e in store.read(name)]
    assert len(entries) == 5 and all(e.attempts >= 2 for e in entries)


def test_dead_letter_payloads_are_masked(tmp_path: Path) -> None:
    store = LocalDeadLetterStore(tmp_path)
    event = encode_delivery(
        "/ecs/crm-api", "s", [{"id": "x", "timestamp": "bad", "message": "mail me at a.b@example.com"}]
    )
    report = run(event, FakeBulkTransport(), store)
    assert report.rejected == 1
    [entry] = [e for name in store.batches() for e in store.read(name)]
    assert entry.kind == "payload" and entry.payload is not None
    assert "a.b@example.com" not in entry.payload["text"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_as_awslogs_data_never_crash_and_are_kept(tmp_path: Path, data: bytes) -> None:
    store = LocalDeadLetterStore(tmp_path)
    event = {"awslogs": {"data": base64.b64encode(data).decode()}}
    report = run(event, FakeBulkTransport(), store)
    assert report.unaccounted == 0
    assert report.rejected == 1  # random bytes are never a valid delivery; they are kept, not dropped


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.lists(json_values, max_size=5), messages=st.lists(st.text(max_size=300), min_size=1, max_size=5))
def test_arbitrary_log_events_never_cost_the_good_ones(tmp_path: Path, junk: list[object], messages: list[str]) -> None:
    good = [{"id": f"g{i}", "timestamp": 1764078000000 + i, "message": m} for i, m in enumerate(messages)]
    event = encode_delivery("/ecs/mes-api", "s", [*junk, *good])
    transport = FakeBulkTransport()
    report = run(event, transport, LocalDeadLetterStore(tmp_path))
    assert report.unaccounted == 0
    assert report.events == len(junk) + len(good)
    # every good event is indexed, possibly folded into a neighbour if it reads like a stack-trace line
    assert report.indexed + report.merged_lines >= len(good) - sum(1 for j in junk if isinstance(j, dict))


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=500))
def test_parser_never_raises_and_keeps_the_text(text: str) -> None:
    from logwarden.parsing.sniff import parse_record

    parsed = parse_record(text, 1764078000000)
    assert isinstance(parsed.fields, dict)
    if text.strip() and parsed.fields.get(schema.FORMAT) == "raw":
        kept = parsed.fields.get(schema.MESSAGE, "") + parsed.fields.get(schema.STACK_TRACE, "")
        assert set(kept.split()) <= set(text.split())
