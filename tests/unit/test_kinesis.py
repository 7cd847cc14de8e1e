"""Kinesis records holding CloudWatch Logs payloads: decoded as direct deliveries are, to the same documents and ids."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from logwarden import schema
from logwarden.ingest.cloudwatch import decode_delivery, encode_delivery
from logwarden.ingest.kinesis import decode_kinesis_event, decode_kinesis_record, encode_kinesis_event, is_kinesis_event
from logwarden.ingest.pipeline import IngestPipeline
from logwarden.ingest.sources import decode_event
from logwarden.masking.masker import default_masker
from logwarden.routing import Router
from tests.conftest import load_event

FIXED_NOW = datetime(2025, 11, 25, 13, 41, tzinfo=UTC)


def bulk_body(batch: Any) -> bytes:
    pipeline = IngestPipeline(masker=default_masker(), now=lambda: FIXED_NOW)
    return b"".join(action.bulk_lines() for action in pipeline.build(batch).actions)


def test_the_real_recorded_kinesis_event_decodes(real_events_dir: Path) -> None:
    event = json.loads((real_events_dir / "powertools_kinesisStreamCloudWatchLogsEvent.json").read_text())
    assert is_kinesis_event(event)
    batches = [decode_kinesis_record(record, Router()) for record in event["Records"]]
    assert [len(b.records) for b in batches] == [3, 3]
    assert all(b.rejected == [] and b.control_messages == 0 for b in batches)
    first = batches[0].records[0]
    assert first.text.startswith("START RequestId: 06e46194-f277-454e-88d3-1dd7e3860eaa")
    assert first.origin[schema.ORIGIN_LOG_GROUP] == "/aws/lambda/pt-1488-DummyLogDataFunction-gnWXPvL6jJyG"
    assert first.origin[schema.CLOUD_ACCOUNT] == "231436140809"
    assert first.origin[schema.ORIGIN_TYPE] == "cloudwatch"  # the same origin as a direct delivery


def test_the_real_record_gives_the_documents_its_direct_delivery_would(real_events_dir: Path) -> None:
    # GIVEN the recorded record's data handed to the direct path as awslogs.data
    event = json.loads((real_events_dir / "powertools_kinesisStreamCloudWatchLogsEvent.json").read_text())
    for record in event["Records"]:
        direct = decode_delivery({"awslogs": {"data": record["kinesis"]["data"]}}, Router(), "eu-west-1")
        through_stream = decode_kinesis_record(record, Router(), "eu-west-1")
        # THEN the bulk bodies are byte for byte the same
        assert bulk_body(through_stream) == bulk_body(direct) != b""


def test_the_same_payload_by_either_path_gives_identical_bulk_bodies() -> None:
    # GIVEN every sample delivery, once direct and once through a stream
    names = ["cloudwatch_shop_logback.json", "cloudwatch_crm_serilog.json", "cloudwatch_mes_text.json"]
    deliveries = [load_event(name) for name in names]
    event = encode_kinesis_event(deliveries)
    for delivery, record in zip(deliveries, event["Records"], strict=True):
        direct = bulk_body(decode_delivery(delivery, Router(), "eu-central-1"))
        through_stream = bulk_body(decode_kinesis_record(record, Router(), "eu-central-1"))
        # THEN documents and ids are identical: switching paths never duplicates
        assert through_stream == direct
        assert direct.count(b'{"create":') >= 4


def test_the_sample_event_is_the_sample_deliveries() -> None:
    event = load_event("kinesis_cloudwatch.json")
    assert is_kinesis_event(event)
    batch = decode_event(event, Router(), "eu-central-1")
    shop = decode_delivery(load_event("cloudwatch_shop_logback.json"), Router(), "eu-central-1")
    crm = decode_delivery(load_event("cloudwatch_crm_serilog.json"), Router(), "eu-central-1")
    assert batch.control_messages == 1
    assert [r.doc_id for r in batch.records] == [r.doc_id for r in shop.records + crm.records]


def test_a_record_without_data_is_kept_as_rejected() -> None:
    record = {"eventSource": "aws:kinesis", "eventID": "shardId-000000000000:1", "kinesis": {}}
    batch = decode_kinesis_record(record, Router())
    [rejected] = batch.rejected
    assert rejected.reason == "malformed_kinesis_record"
    assert rejected.origin[schema.ORIGIN_EVENT_ID] == "shardId-000000000000:1"
    assert batch.events == 1


def test_a_record_that_is_not_a_cloudwatch_payload_is_kept_with_its_text() -> None:
    # Someone put plain JSON onto the stream: it is not dropped, it waits in the dead-letter store.
    data = base64.b64encode(b'{"message": "hello from a producer"}').decode()
    [record] = encode_kinesis_event([{"awslogs": {"data": _gzip_b64({"logEvents": []})}}])["Records"]
    record["kinesis"]["data"] = data
    batch = decode_kinesis_record(record, Router())
    [rejected] = batch.rejected
    assert rejected.reason == "undecodable_delivery"


def test_an_event_of_another_source_is_not_taken_for_kinesis() -> None:
    assert not is_kinesis_event({"Records": [{"eventSource": "aws:sqs"}]})
    assert not is_kinesis_event({"Records": []})
    assert not is_kinesis_event(load_event("cloudwatch_shop_logback.json"))


def test_an_event_of_several_records_is_one_batch_for_the_cli() -> None:
    deliveries = [
        encode_delivery("/ecs/shop-api", f"s{n}", [{"id": f"{n}", "timestamp": 1_764_078_000_000, "message": "x"}])
        for n in range(3)
    ]
    batch = decode_kinesis_event(encode_kinesis_event(deliveries), Router())
    assert len(batch.records) == 3 and len({r.doc_id for r in batch.records}) == 3


def _gzip_b64(document: dict[str, Any]) -> str:
    return base64.b64encode(gzip.compress(orjson.dumps(document))).decode()


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=600))
def test_arbitrary_record_data_never_crashes_and_never_loses_the_record(data: bytes) -> None:
    record = {"eventSource": "aws:kinesis", "kinesis": {"data": base64.b64encode(data).decode()}}
    batch = decode_kinesis_record(record, Router())
    assert batch.rejected or batch.records or batch.control_messages
