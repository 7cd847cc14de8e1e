"""An outage seen by one warm ingest process: the circuit breaker parks later deliveries at once, losing nothing."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from opensearchpy.exceptions import ConnectionError

from logwarden.ingest.cloudwatch import encode_delivery
from tests.fakes import FakeBulkTransport
from tests.handlers.conftest import BUCKET, LambdaContext, load_handler

DELIVERIES = 10
EVENTS_PER_DELIVERY = 500


def delivery(number: int) -> dict[str, Any]:
    events = [
        {
            "id": f"{number:02d}{i:06d}",
            "timestamp": 1_764_000_000_000 + i,
            "message": f"2025-11-24 10:00:00.000 INFO order ORD-{number}-{i} paid by ivan.petrov@example.ru",
        }
        for i in range(EVENTS_PER_DELIVERY)
    ]
    return encode_delivery("/ecs/shop/order-service", f"stream-{number}", events)


def parked_entries(s3: Any) -> list[dict[str, Any]]:
    entries = []
    for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        body = s3.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read()
        entries.extend(json.loads(line) for line in gzip.decompress(body).splitlines())
    return entries


def test_ten_deliveries_during_an_outage_cost_three_requests_and_lose_nothing(
    aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an engine that refuses every connection, and one warm ingest process
    transport.request_failures = [ConnectionError("N/A", "connection refused", Exception("refused"))] * 1000
    app = load_handler("ingest_cloudwatch")
    # WHEN ten deliveries of 500 events arrive
    results = [app.lambda_handler(delivery(n), lambda_context) for n in range(DELIVERIES)]
    # THEN the first delivery's three failed requests open the breaker and nothing else is sent
    assert len(transport.requests) == 3
    # and every event is parked, masked, with its own id (so the drain replays it without duplicates)
    assert [r["undelivered"] for r in results] == [EVENTS_PER_DELIVERY] * DELIVERIES
    assert all(r["circuit_state"] == "open" for r in results)
    entries = parked_entries(aws)
    assert len(entries) == DELIVERIES * EVENTS_PER_DELIVERY
    assert len({e["doc_id"] for e in entries}) == len(entries)
    reasons = [e["reason"] for e in entries]
    assert reasons.count("connection_error") == EVENTS_PER_DELIVERY
    assert reasons.count("circuit_open") == (DELIVERIES - 1) * EVENTS_PER_DELIVERY
    assert not any("ivan.petrov@example.ru" in json.dumps(e) for e in entries)
    # and the breaker's state is a metric (2 = open) beside the count of documents it parked
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf[-1]["CircuitBreakerState"] in (2.0, [2.0])
    assert emf[-1]["CircuitOpenParked"] in (float(EVENTS_PER_DELIVERY), [float(EVENTS_PER_DELIVERY)])
