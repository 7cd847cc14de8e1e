"""functions/ingest_mq in-process: the sample aws:rmq events, S3 dead-letter bucket in moto."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from opensearchpy.exceptions import ConnectionError

from logwarden.errors import OpenSearchUnavailableError
from tests.conftest import EVENTS, load_event
from tests.fakes import FakeBulkTransport
from tests.handlers.conftest import BUCKET, LambdaContext, load_handler


@pytest.mark.parametrize("name", sorted(p.name for p in EVENTS.glob("mq_*.json")))
def test_each_sample_event(name: str, aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext) -> None:
    app = load_handler("ingest_mq")

    result = app.lambda_handler(load_event(name), lambda_context)

    assert result["indexed"] == len(transport.documents) > 0
    assert result["indexed"] + result["rejected"] == result["events"]


@pytest.mark.parametrize("name", ["powertools_rabbitMQEvent.json", "java-libs_rabbitmq_event_roundtrip.json"])
def test_real_sample_events(
    name: str, aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext, real_events_dir: Any
) -> None:
    app = load_handler("ingest_mq")

    result = app.lambda_handler(json.loads((real_events_dir / name).read_text()), lambda_context)

    assert result["indexed"] == 1
    [(index, _)] = transport.documents
    assert index == "logs-other-info"


def test_poison_message_is_parked_in_s3_and_the_rest_indexed(
    aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext
) -> None:
    app = load_handler("ingest_mq")

    result = app.lambda_handler(load_event("mq_poison_batch.json"), lambda_context)

    assert (result["indexed"], result["rejected"]) == (2, 1)
    [obj] = aws.list_objects_v2(Bucket=BUCKET)["Contents"]
    entries = [
        json.loads(line)
        for line in gzip.decompress(aws.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read()).splitlines()
    ]
    assert [entry["reason"] for entry in entries] == ["undecodable_message"]
    assert entries[0]["payload"]["origin"]["origin.queue"] == "service-logs"


def test_opensearch_unavailable_fails_the_invocation_so_the_batch_is_redelivered(
    aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext
) -> None:
    transport.request_failures = [ConnectionError("N/A", "refused", Exception())] * 50
    lambda_context.remaining_ms = 5_100  # time for one attempt only: the circuit breaker stays closed
    app = load_handler("ingest_mq")

    with pytest.raises(OpenSearchUnavailableError):
        app.lambda_handler(load_event("mq_service_logs.json"), lambda_context)

    assert aws.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_an_outage_that_opens_the_circuit_breaker_parks_the_batch_instead(
    aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext
) -> None:
    # A redelivery that fails at once would only use up the broker's delivery limit: park for the drain instead.
    transport.request_failures = [ConnectionError("N/A", "refused", Exception())] * 50
    app = load_handler("ingest_mq")

    first = app.lambda_handler(load_event("mq_service_logs.json"), lambda_context)
    again = app.lambda_handler(load_event("mq_service_logs.json"), lambda_context)

    assert (first["undelivered"], again["undelivered"], again["circuit_state"]) == (5, 5, "open")
    assert len(transport.requests) == 3
    assert aws.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 2


def test_mapping_conflicts_are_set_aside_not_retried(
    aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext
) -> None:
    transport.item_status = lambda index, doc_id, attempt: (
        (400, "mapper_parsing_exception") if "error" in index else None
    )
    app = load_handler("ingest_mq")

    result = app.lambda_handler(load_event("mq_broker_logs.json"), lambda_context)

    assert result["set_aside"] == 2  # the two ERROR records (auth failure, heartbeat timeout)
    assert result["indexed"] == 4
