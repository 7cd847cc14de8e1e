"""functions/ingest_kinesis in-process: the sample and the recorded Kinesis events, moto for the dead-letter bucket."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from moto import mock_aws
from opensearchpy.exceptions import ConnectionError

from logwarden.ingest.cloudwatch import decode_delivery, encode_delivery
from logwarden.ingest.kinesis import encode_kinesis_event
from logwarden.routing import Router
from tests.conftest import load_event
from tests.fakes import FakeBulkTransport
from tests.handlers.conftest import BUCKET, LambdaContext, load_handler


def test_the_sample_event_is_indexed_with_no_failed_records(
    aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext
) -> None:
    app = load_handler("ingest_kinesis")
    response = app.lambda_handler(load_event("kinesis_cloudwatch.json"), lambda_context)
    assert response == {"batchItemFailures": []}
    # THEN exactly the documents of the two sample deliveries it carries (the control message is not indexed)
    direct = [
        decode_delivery(load_event(name), Router(), "eu-central-1").records
        for name in ("cloudwatch_shop_logback.json", "cloudwatch_crm_serilog.json")
    ]
    assert sorted(doc_id for _, doc_id in transport.documents) == sorted(r.doc_id for rs in direct for r in rs)


def test_the_recorded_kinesis_event_is_indexed(
    aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext
) -> None:
    app = load_handler("ingest_kinesis")
    response = app.lambda_handler(load_event("powertools_kinesisStreamCloudWatchLogsEvent.json"), lambda_context)
    assert response == {"batchItemFailures": []}
    assert len(transport.documents) == 6
    assert all(index.startswith("logs-") for index, _ in transport.documents)


def test_a_redelivered_batch_adds_no_second_documents(
    aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    app = load_handler("ingest_kinesis")
    event = load_event("kinesis_cloudwatch.json")
    app.lambda_handler(event, lambda_context)
    before = dict(transport.documents)
    capsys.readouterr()
    app.lambda_handler(event, lambda_context)
    assert transport.documents == before
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf[-1]["DocumentsIndexed"] in (0.0, [0.0])
    assert emf[-1]["Duplicates"] in (float(len(before)), [float(len(before))])


def test_during_an_outage_records_succeed_and_their_documents_are_parked(
    aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext
) -> None:
    # GIVEN an engine refusing connections: parking is the remedy, so the shard keeps moving
    transport.request_failures = [ConnectionError("N/A", "refused", Exception("refused"))] * 100
    app = load_handler("ingest_kinesis")
    response = app.lambda_handler(load_event("kinesis_cloudwatch.json"), lambda_context)
    assert response == {"batchItemFailures": []}
    assert len(transport.requests) == 3  # the breaker opened on the first delivery; the second parked at once
    assert len(aws.list_objects_v2(Bucket=BUCKET)["Contents"]) == 2


def crm_refused(index: str, doc_id: str, attempt: int) -> tuple[int, str] | None:
    return (400, "mapper_parsing_exception") if "-crm-" in index else None


def test_a_record_that_cannot_be_parked_is_named_in_the_partial_batch_response(
    monkeypatch: pytest.MonkeyPatch, transport: FakeBulkTransport, lambda_context: LambdaContext
) -> None:
    with mock_aws():  # no bucket: the crm record's refused documents cannot be parked
        monkeypatch.setenv("LOGWARDEN_DEADLETTER_BUCKET", "missing-bucket")
        transport.item_status = crm_refused
        shop = encode_delivery("/ecs/shop-api", "a", [{"id": "1", "timestamp": 1_764_078_000_000, "message": "ok"}])
        crm = encode_delivery("/ecs/crm-api", "b", [{"id": "2", "timestamp": 1_764_078_000_000, "message": "bad"}])
        event = encode_kinesis_event([shop, crm])
        app = load_handler("ingest_kinesis")
        response = app.lambda_handler(event, lambda_context)
    # THEN only the crm record is retried (by its sequence number); the shop document landed
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["kinesis"]["sequenceNumber"]}]}
    assert [index for index, _ in transport.documents] == ["logs-shop-info"]


def test_when_every_record_fails_the_invocation_fails(
    monkeypatch: pytest.MonkeyPatch, transport: FakeBulkTransport, lambda_context: LambdaContext
) -> None:
    with mock_aws():
        monkeypatch.setenv("LOGWARDEN_DEADLETTER_BUCKET", "missing-bucket")
        transport.item_status = crm_refused
        crm = encode_delivery("/ecs/crm-api", "b", [{"id": "2", "timestamp": 1_764_078_000_000, "message": "bad"}])
        app = load_handler("ingest_kinesis")
        with pytest.raises(BatchProcessingError):
            app.lambda_handler(encode_kinesis_event([crm]), lambda_context)
