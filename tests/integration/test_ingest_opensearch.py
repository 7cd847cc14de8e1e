"""CloudWatch deliveries through the real handler path into the real local OpenSearch.

Each test asserts conservation: indexed + set aside (+ filtered, folded) = input, and no duplicates.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from logwarden import schema
from logwarden.ingest.cloudwatch import decode_delivery
from logwarden.ingest.pipeline import IngestPipeline, IngestReport
from logwarden.masking.masker import default_masker
from logwarden.replay import replay
from logwarden.routing import Router
from logwarden.sink.bulk import BulkIndexer
from logwarden.sink.client import OpenSearchSettings, build_client
from logwarden.sink.deadletter import LocalDeadLetterStore
from logwarden_tools.local import opensearch_engine as local
from tests.conftest import EVENTS, load_event
from tests.integration.conftest import count, log_templates

pytestmark = pytest.mark.integration


def ingest(
    event: dict[str, object], client: OpenSearch, prefix: str, store: LocalDeadLetterStore, remaining: float = 60.0
) -> IngestReport:
    pipeline = IngestPipeline(masker=default_masker(), index_prefix=prefix)
    batch = decode_delivery(event, Router(), "eu-central-1")
    return pipeline.run(batch, BulkIndexer(client), store, remaining_s=lambda: remaining)


def test_sample_deliveries_land_as_searchable_documents(
    os_client: OpenSearch, index_prefix: str, tmp_path: Path
) -> None:
    store = LocalDeadLetterStore(tmp_path)
    total = IngestReport()
    for path in sorted(EVENTS.glob("cloudwatch_*.json")):
        report = ingest(load_event(path.name), os_client, index_prefix, store)
        assert report.unaccounted == 0 and report.parked == 0, path.name
        total.indexed += report.indexed
    assert count(os_client, index_prefix) == total.indexed

    hits = os_client.search(
        index=f"{index_prefix}-*",
        body={"query": {"bool": {"filter": [{"term": {schema.ORDER_ID: "ORD-2025-000187"}}]}}, "size": 50},
    )["hits"]["hits"]
    kinds = {h["_source"].get(schema.EVENT_KIND) for h in hits}
    assert {"order_created", "order_status_changed", "price_calculated"} <= kinds
    subsystems = {h["_source"][schema.SUBSYSTEM] for h in hits}
    assert subsystems == {"shop", "crm", "mes"}  # one order followed across the three services

    errors = os_client.search(
        index=f"{index_prefix}-mes-error",
        body={"query": {"match": {schema.STACK_TRACE: "PriceListRepository"}}},
    )["hits"]["hits"]
    assert len(errors) == 1 and errors[0]["_source"][schema.ERROR_TYPE] == "java.lang.IllegalStateException"

    labelled = os_client.search(
        index=f"{index_prefix}-crm-*",
        body={
            "query": {
                "term": {"labels.message_template": "Order {OrderId} received from shop for customer {CustomerId}"}
            }
        },
    )["hits"]["total"]["value"]
    assert labelled == 1  # flat_object labels are searchable by path


def test_redelivered_payload_gives_one_document(os_client: OpenSearch, index_prefix: str, tmp_path: Path) -> None:
    store = LocalDeadLetterStore(tmp_path)
    event = load_event("cloudwatch_crm_serilog.json")
    first = ingest(event, os_client, index_prefix, store)
    second = ingest(event, os_client, index_prefix, store)
    assert (first.indexed, first.duplicates) == (4, 0)
    assert (second.indexed, second.duplicates) == (0, 4)
    assert count(os_client, index_prefix) == 4


def test_mapping_conflict_is_set_aside_with_its_reason(
    os_client: OpenSearch, index_prefix: str, tmp_path: Path
) -> None:
    # GIVEN an operator changed the shop template so that order.id is numeric
    name, template = next((n, t) for n, t in log_templates(index_prefix).items() if n.endswith("-shop"))
    template["template"]["mappings"]["properties"]["order"]["properties"]["id"] = {"type": "long"}  # type: ignore[index]
    os_client.indices.put_index_template(name=name, body=template)
    store = LocalDeadLetterStore(tmp_path)
    # WHEN a delivery with alphanumeric order ids arrives
    report = ingest(load_event("cloudwatch_shop_logback.json"), os_client, index_prefix, store)
    # THEN the documents carrying an order id are set aside with the engine's reason, the rest indexed
    assert report.set_aside == 3 and report.indexed == 2
    assert report.set_aside_reasons == {"mapper_parsing_exception": 3}
    assert report.unaccounted == 0
    entries = [e for name in store.batches() for e in store.read(name)]
    assert sorted(e.document[schema.ORDER_ID] for e in entries if e.document) == [
        "ORD-2025-000187",
        "ORD-2025-000187",
        "ORD-2025-000188",
    ]
    assert all(e.index and e.index.startswith(f"{index_prefix}-shop-") for e in entries)


def test_outage_parks_everything_and_replay_indexes_it_exactly_once(
    os_client: OpenSearch, index_prefix: str, tmp_path: Path, opensearch_settings: OpenSearchSettings
) -> None:
    store = LocalDeadLetterStore(tmp_path)
    # GIVEN OpenSearch is unreachable (a port nothing listens on stands in for a stopped engine; the
    # stop/start variant below stops the real engine)
    unreachable = build_client(
        OpenSearchSettings(url="https://127.0.0.1:1", auth="basic", username="x", password="y", timeout_s=2)
    )
    report = ingest(load_event("cloudwatch_shop_logback.json"), unreachable, index_prefix, store, remaining=8.0)
    assert report.undelivered == 5 and report.indexed == 0 and report.unaccounted == 0
    # WHEN the dead-letter store is replayed against the healthy engine, twice
    first = replay(store, BulkIndexer(os_client), remaining_s=lambda: 60.0, index_prefix=index_prefix)
    second = replay(store, BulkIndexer(os_client), remaining_s=lambda: 60.0, index_prefix=index_prefix)
    # THEN every document is indexed exactly once and the store is empty
    assert (first.indexed, first.still_failing) == (5, 0)
    assert second.documents == 0
    assert count(os_client, index_prefix) == 5


@pytest.mark.skipif(
    subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip() != "0",
    reason="stopping the shared engine needs the same user that started it",
)
def test_engine_stopped_mid_run_then_replay_after_restart(
    os_client: OpenSearch, index_prefix: str, tmp_path: Path
) -> None:
    store = LocalDeadLetterStore(tmp_path)
    first = ingest(load_event("cloudwatch_crm_serilog.json"), os_client, index_prefix, store)
    assert first.indexed == 4
    local.down()
    try:
        parked = ingest(load_event("cloudwatch_mes_text.json"), os_client, index_prefix, store, remaining=8.0)
        assert parked.undelivered == 5 and parked.unaccounted == 0
        redelivered = ingest(load_event("cloudwatch_crm_serilog.json"), os_client, index_prefix, store, remaining=8.0)
        assert redelivered.undelivered == 4
    finally:
        local.ensure_running()
    replayed = replay(store, BulkIndexer(os_client), remaining_s=lambda: 120.0, index_prefix=index_prefix)
    assert replayed.indexed == 5 and replayed.already_present == 4 and replayed.still_failing == 0
    assert count(os_client, index_prefix) == 9  # 4 + 5, nothing twice
