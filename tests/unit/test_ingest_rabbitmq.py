"""aws:rmq events -> source records -> the pipeline, on a fake bulk port and a real dead-letter directory."""

from __future__ import annotations

import base64
import copy
import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest
from aws_lambda_powertools.utilities.data_classes.rabbit_mq_event import RabbitMQEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opensearchpy.exceptions import ConnectionError

from logwarden import schema
from logwarden.errors import OpenSearchUnavailableError
from logwarden.ingest.amazon_mq import decode_rmq_event, event_timestamp_ms, split_body
from logwarden.ingest.pipeline import IngestPipeline, IngestReport
from logwarden.ingest.sources import decode_event
from logwarden.masking.masker import default_masker
from logwarden.parsing.sniff import parse_record
from logwarden.routing import Router, parse_rules
from logwarden.sink.bulk import BulkIndexer, RetryPolicy
from logwarden.sink.deadletter import LocalDeadLetterStore
from logwarden_tools.local.mq_poller import Delivery, build_event
from tests.conftest import load_event
from tests.fakes import FakeBulkTransport

NOW_MS = 1714557600000  # 2024-05-01T10:00:00Z


def _decode(event: dict[str, Any], router: Router | None = None) -> Any:
    return decode_rmq_event(event, router or Router(), now_ms=lambda: NOW_MS)


def _run(event: dict[str, Any], transport: FakeBulkTransport, store: LocalDeadLetterStore) -> IngestReport:
    pipeline = IngestPipeline(masker=default_masker())
    indexer = BulkIndexer(transport, sleep=lambda s: None, policy=RetryPolicy(max_attempts=2, reserve_s=0))
    return pipeline.run(_decode(event), indexer, store, remaining_s=lambda: 60.0, park_undelivered=False)


def _one(body: bytes, queue: str = "service-logs", **properties: Any) -> dict[str, Any]:
    return build_event(queue, "/", [Delivery(body, properties)])


@pytest.mark.parametrize("name", ["powertools_rabbitMQEvent.json", "java-libs_rabbitmq_event_roundtrip.json"])
def test_real_sample_events_decode(name: str, real_events_dir: Path) -> None:
    event = orjson.loads((real_events_dir / name).read_bytes())

    batch = decode_event(event, Router())
    typed = _decode(RabbitMQEvent(event))

    assert batch.rejected == [] and len(batch.records) == 1
    record = batch.records[0]
    assert record.text == '{"timeout":0,"data":"CZrmf0Gw8Ov4bqLQxD4E"}'
    assert record.origin[schema.ORIGIN_VHOST] == "/"
    assert record.origin[schema.CLOUD_REGION] == "us-west-2"
    assert record.origin[schema.CLOUD_ACCOUNT] == "112556298976"
    assert record.receive_ms == NOW_MS or record.receive_ms > NOW_MS  # 1970 property time is not plausible
    assert typed.records[0].doc_id == record.doc_id


def test_service_sample_event_routes_by_headers_properties_and_body() -> None:
    batch = _decode(load_event("mq_service_logs.json"))

    routes = [(r.route.subsystem, r.route.service) for r in batch.records]
    assert routes == [
        ("shop", "shop-api"),  # headers
        ("crm", "crm-api"),  # service header, claimed by a routing rule
        ("mes", "mes-dispatch"),  # x- headers
        ("shop", "shop-pricing"),  # service named in the JSON body
        ("shop", "shop-pricing"),  # JSON lines: one record per line
    ]
    assert batch.records[0].origin[schema.ORIGIN_MESSAGE_ID] == "shop-api-7f3c2a10-0001"
    assert batch.records[0].receive_ms == 1714546800000
    assert "\tat com.example.mes.dispatch.DispatchJob.run" in batch.records[2].text  # stack trace kept
    assert batch.events == 5


def test_broker_log_exchange_messages_route_to_mq_and_classify(tmp_path: Path) -> None:
    transport = FakeBulkTransport()

    report = _run(load_event("mq_broker_logs.json"), transport, LocalDeadLetterStore(tmp_path))

    assert report.indexed == 6 and report.unaccounted == 0
    docs = list(transport.documents.values())
    assert {index for index, _ in transport.documents} == {"logs-mq-info", "logs-mq-warn", "logs-mq-error"}
    assert [d[schema.EVENT_KIND] for d in docs] == [
        "mq_connection_accepted",
        "mq_auth_failure",
        "mq_connection_error",
        "mq_resource_alarm",
        "mq_resource_alarm_cleared",
        "mq_heartbeat_timeout",
    ]
    assert all(d[schema.SERVICE] == "rabbitmq" and d[schema.HOST] == "rabbit@ip-10-0-1-5" for d in docs)
    auth = docs[1]
    assert auth[schema.LABELS]["user"] == "guest"
    assert auth[schema.ORIGIN_BROKER] == "orders-broker"


def test_queue_name_claimed_by_a_rule_decides_when_headers_are_silent() -> None:
    batch = _decode(_one(b"plain text line", queue="crm-logs"))

    assert (batch.records[0].route.subsystem, batch.records[0].route.service) == ("crm", "crm-logs")


def test_a_layout_configured_for_a_queue_reads_its_messages() -> None:
    # GIVEN a rule giving the mes-logs queue its services' own logback layout
    layout = "%d{yyyy-MM-dd HH:mm:ss.SSS} [%thread] %-5level %logger - %msg%n"
    router = Router(parse_rules([{"pattern": "mes-logs", "subsystem": "mes", "layout": layout}]))
    line = b"2026-12-07 10:00:00.123 [pricing-7] WARN  ru.mes.Pricing - price list stale for order 7701234"
    # WHEN a message on that queue is decoded and parsed
    [record] = _decode(_one(line, queue="mes-logs"), router).records
    parsed = parse_record(record.text, record.receive_ms, record.route.layout)
    # THEN the configured layout read it
    assert record.route.layout is not None and record.route.subsystem == "mes"
    assert parsed.fields[schema.LOGGER] == "ru.mes.Pricing" and parsed.fields[schema.THREAD] == "pricing-7"


def test_unknown_everything_goes_to_the_default_subsystem_with_the_queue_as_service() -> None:
    batch = _decode(_one(b"hello", queue="misc"))

    assert (batch.records[0].route.subsystem, batch.records[0].route.service) == ("other", "misc")


def test_unknown_subsystem_header_is_ignored() -> None:
    batch = _decode(_one(b"hello", queue="shop-logs", headers={"subsystem": "billing"}))

    assert batch.records[0].route.subsystem == "shop"


def test_redelivered_message_keeps_its_document_id() -> None:
    first = _one(b"same body", timestamp=1714557600)
    again = copy.deepcopy(first)
    again["rmqMessagesByQueue"]["service-logs::/"][0]["redelivered"] = True

    assert _decode(first).records[0].doc_id == _decode(again).records[0].doc_id


def test_document_id_prefers_message_id_and_otherwise_hashes_queue_vhost_time_body() -> None:
    with_id = _decode(_one(b"a", message_id="m-1")).records[0].doc_id
    same_id_other_body = _decode(_one(b"b", message_id="m-1")).records[0].doc_id
    no_id = {_decode(_one(b"a", timestamp=t)).records[0].doc_id for t in (1714557600, 1714557601)}
    other_queue = _decode(_one(b"a", queue="other", timestamp=1714557600)).records[0].doc_id

    assert with_id == same_id_other_body
    assert len(no_id) == 2
    assert other_queue not in no_id


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"basicProperties": {}, "redelivered": False, "data": "not base64!!"}, "undecodable_message"),
        ({"basicProperties": {}, "redelivered": False}, "undecodable_message"),
        (
            {"basicProperties": {}, "redelivered": False, "data": base64.b64encode(b"\xff\xfe").decode()},
            "undecodable_message",
        ),
        (
            {
                "basicProperties": {"contentEncoding": "gzip"},
                "redelivered": False,
                "data": base64.b64encode(b"no").decode(),
            },
            "undecodable_message",
        ),
        ({"basicProperties": {}, "redelivered": False, "data": base64.b64encode(b"  \n ").decode()}, "empty_message"),
        ("a string", "malformed_message"),
    ],
)
def test_unreadable_messages_are_rejected_with_their_reason(message: Any, reason: str) -> None:
    event = _one(b"good line")
    event["rmqMessagesByQueue"]["service-logs::/"].append(message)

    batch = _decode(event)

    assert len(batch.records) == 1
    assert [r.reason for r in batch.rejected] == [reason]
    assert batch.rejected[0].origin[schema.ORIGIN_QUEUE] == "service-logs"


def test_gzip_bodies_are_inflated() -> None:
    batch = _decode(_one(gzip.compress(b"compressed line"), content_encoding="gzip"))

    assert batch.records[0].text == "compressed line"


def test_poison_message_is_parked_and_the_rest_indexed(tmp_path: Path) -> None:
    transport = FakeBulkTransport()
    store = LocalDeadLetterStore(tmp_path)

    report = _run(load_event("mq_poison_batch.json"), transport, store)

    assert report.indexed == 2 and report.rejected == 1 and report.unaccounted == 0
    [location] = report.deadletter_locations
    [entry] = store.read(location)
    assert entry.reason == "undecodable_message"
    # decoded with replacement and masked, never parked as raw bytes
    assert "base64" not in entry.payload and "binary" in entry.payload["text"] and "\ufffd" in entry.payload["text"]


def test_a_body_in_a_declared_charset_is_read_in_it_and_masked_before_it_is_parked(tmp_path: Path) -> None:
    # GIVEN a cp1251 body (a Windows service) with a name and an e-mail, which is no UTF-8
    body = "Заказ 7701234: клиент Иванов Иван Петрович, почта ivan.petrov@mail.ru".encode("cp1251")
    event = _one(body, content_type="text/plain; charset=windows-1251")
    store = LocalDeadLetterStore(tmp_path)
    # WHEN it is ingested
    report = _run(event, FakeBulkTransport(), store)
    # THEN it is parked as text read in its charset, masked
    [location] = report.deadletter_locations
    [entry] = store.read(location)
    text = entry.payload["text"]
    assert "Заказ 7701234" in text and "ivan.petrov@mail.ru" not in text and "Иванов" not in text
    assert "windows-1251" in entry.detail or "cp1251" in entry.detail


def test_redelivered_batch_lands_as_duplicates(tmp_path: Path) -> None:
    transport = FakeBulkTransport()
    store = LocalDeadLetterStore(tmp_path)
    event = load_event("mq_service_logs.json")

    first = _run(event, transport, store)
    second = _run(event, transport, store)

    assert first.indexed == 5 and second.indexed == 0 and second.duplicates == 5
    assert len(transport.documents) == 5


def test_opensearch_down_raises_and_parks_nothing(tmp_path: Path) -> None:
    transport = FakeBulkTransport()
    transport.request_failures = [ConnectionError("N/A", "refused", Exception())] * 10
    store = LocalDeadLetterStore(tmp_path)

    with pytest.raises(OpenSearchUnavailableError) as raised:
        _run(load_event("mq_poison_batch.json"), transport, store)

    assert raised.value.undelivered == 2
    assert list(store.batches()) == []  # the redelivered batch is the retry; nothing parked twice


def test_split_body() -> None:
    broker = (
        "2024-05-01 10:00:00.1+00:00 [info] <0.1.0> one\n"
        "2024-05-01 10:00:00.2+00:00 [warning] <0.2.0> two\n"
        "2024-05-01 10:00:00.2+00:00 [warning] <0.2.0> two, continued"
    )
    assert split_body(broker) == [broker.split("\n")[0], "\n".join(broker.split("\n")[1:])]
    assert split_body('{"a":1}\n{"b":2}\n') == ['{"a":1}', '{"b":2}']
    assert split_body("Error\n  at x") == ["Error\n  at x"]
    assert split_body("  ") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan 1, 1970, 12:33:41 AM", 2021000),
        ("May 1, 2024, 10:00:00 AM", NOW_MS),
        ("May 1, 2024, 10:00:00\u202fAM", NOW_MS),
        ("May 1, 2024, 12:00:00 PM", NOW_MS + 2 * 3600 * 1000),
        ("Feb 30, 2024, 1:00:00 AM", None),
        ("yesterday", None),
        (None, None),
    ],
)
def test_event_timestamp(text: Any, expected: int | None) -> None:
    assert event_timestamp_ms(text) == expected


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    bodies=st.lists(st.binary(max_size=200), max_size=5),
    junk=st.lists(_json_values, max_size=2),
    properties=st.dictionaries(st.sampled_from(["headers", "messageId", "timestamp", "appId"]), _json_values),
)
def test_any_event_content_is_decoded_or_rejected_never_lost(
    bodies: list[bytes], junk: list[Any], properties: dict[str, Any]
) -> None:
    event = build_event("q", "/", [Delivery(body, {}) for body in bodies])
    messages = event["rmqMessagesByQueue"]["q::/"]
    for message in messages:
        message["basicProperties"].update(properties)
    messages.extend(junk)

    for message in messages:
        single = {**event, "rmqMessagesByQueue": {"q::/": [message]}}

        batch = _decode(single)

        # Every message becomes records or exactly one rejection; never neither, never both.
        assert (len(batch.records) >= 1 and not batch.rejected) or (not batch.records and len(batch.rejected) == 1)
        assert batch.events >= 1
