"""CloudWatch Logs subscription deliveries, including the real AWS-shaped payloads in tests/data/real_events."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from pathlib import Path

import pytest

from logwarden import schema
from logwarden.ingest.cloudwatch import decode_delivery, encode_delivery
from logwarden.routing import Router, parse_rules
from tests.conftest import load_event


def test_real_gzip_delivery_decodes(real_events_dir: Path) -> None:
    batch = decode_delivery(json.loads((real_events_dir / "powertools_cloudWatchLogEvent.json").read_text()), Router())
    assert [r.text for r in batch.records] == ["[ERROR] First test message", "[ERROR] Second test message"]
    assert batch.records[0].origin[schema.ORIGIN_LOG_GROUP] == "testLogGroup"
    assert batch.records[0].origin[schema.CLOUD_ACCOUNT] == "123456789123"
    assert batch.rejected == [] and batch.control_messages == 0


def test_real_zlib_delivery_with_policy_level_decodes(real_events_dir: Path) -> None:
    event = json.loads((real_events_dir / "powertools_cloudWatchLogEventWithPolicyLevel.json").read_text())
    batch = decode_delivery(event, Router())
    assert len(batch.records) == 2
    assert batch.records[1].text == "[ERROR] Second test message"


def test_real_control_message_is_counted_never_indexed(real_events_dir: Path) -> None:
    raw = (real_events_dir / "otel_cwlog_only_control_decoded.json").read_bytes()
    event = {"awslogs": {"data": base64.b64encode(gzip.compress(raw)).decode()}}
    batch = decode_delivery(event, Router())
    assert batch.records == [] and batch.rejected == []
    assert batch.control_messages == 1


def test_real_lambda_capture_keeps_every_event_with_distinct_ids(real_events_dir: Path) -> None:
    decoded = json.loads((real_events_dir / "datadog_cloudwatch_logs_decoded.json").read_text())
    event = {"awslogs": {"data": base64.b64encode(zlib.compress(json.dumps(decoded).encode())).decode()}}
    batch = decode_delivery(event, Router())
    assert batch.events == len(decoded["logEvents"])
    ids = {r.doc_id for r in batch.records}
    assert len(ids) == len(batch.records)  # several events share a millisecond; ids still differ


def test_document_ids_are_deterministic_across_redelivery() -> None:
    event = load_event("cloudwatch_shop_logback.json")
    first = [r.doc_id for r in decode_delivery(event, Router()).records]
    second = [r.doc_id for r in decode_delivery(json.loads(json.dumps(event)), Router()).records]
    assert first == second and len(set(first)) == len(first)


def test_stack_trace_split_by_the_agent_is_folded_into_its_record() -> None:
    batch = decode_delivery(load_event("cloudwatch_mes_text.json"), Router())
    folded = [r for r in batch.records if r.merged_events]
    assert len(folded) == 1 and folded[0].merged_events == 3
    assert "IllegalStateException" in folded[0].text and "ContractController.create" in folded[0].text
    assert batch.events == 8  # conservation: 5 records + 3 folded lines


@pytest.mark.parametrize(
    ("group", "subsystem", "service"),
    [
        ("/ecs/shop-api", "shop", "shop-api"),
        ("/aws/lambda/webshop-checkout", "shop", "webshop-checkout"),
        ("/ecs/crm-api", "crm", "crm-api"),
        ("/eks/prod/mes", "mes", "mes"),
        ("/aws/amazonmq/broker/b-4a1c/general", "mq", "rabbitmq"),
        ("/ecs/notification-messages", "other", "notification-messages"),  # "mes" only as a whole word
    ],
)
def test_default_routing(group: str, subsystem: str, service: str) -> None:
    route = Router().route(group)
    assert (route.subsystem, route.service) == (subsystem, service)


def test_user_rules_come_first() -> None:
    router = Router(parse_rules([{"pattern": "^/legacy/", "subsystem": "crm", "service": "crm-legacy"}]))
    assert router.route("/legacy/shop-bridge").subsystem == "crm"


def test_bad_user_rule_is_reported_by_position() -> None:
    with pytest.raises(ValueError, match="#0"):
        parse_rules([{"pattern": "(", "subsystem": "crm"}])


def test_not_base64_is_rejected_and_kept() -> None:
    batch = decode_delivery({"awslogs": {"data": "%%% not base64 %%%"}}, Router())
    assert batch.records == []
    assert [r.reason for r in batch.rejected] == ["undecodable_delivery"]
    assert batch.rejected[0].raw == b"%%% not base64 %%%"


def test_truncated_gzip_is_salvaged_as_text() -> None:
    full = encode_delivery("/ecs/shop-api", "s", [{"id": "1", "timestamp": 1, "message": "hello"}])["awslogs"]["data"]
    raw = base64.b64decode(full)
    truncated = base64.b64encode(raw[: len(raw) - 12]).decode()
    batch = decode_delivery({"awslogs": {"data": truncated}}, Router())
    assert len(batch.rejected) == 1
    assert batch.rejected[0].text is not None and "hello" in batch.rejected[0].text


def test_malformed_events_are_rejected_one_by_one_and_the_others_kept() -> None:
    event = encode_delivery(
        "/ecs/crm-api",
        "s",
        [
            {"id": "1", "timestamp": 1764078000000, "message": "fine"},
            {"id": "2", "timestamp": "yesterday", "message": "bad timestamp"},
            "not even an object",
            {"id": "4", "timestamp": 1764078000001, "message": "also fine"},
        ],
    )
    batch = decode_delivery(event, Router())
    assert [r.text for r in batch.records] == ["fine", "also fine"]
    assert [r.reason for r in batch.rejected] == ["malformed_log_event", "malformed_log_event"]
    assert batch.events == 4
