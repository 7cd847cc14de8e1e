"""functions/drain_deadletter in-process: what an outage parked in the (moto) bucket is drained once the engine is back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from opensearchpy.exceptions import ConnectionError

from tests.conftest import load_event
from tests.fakes import FakeBulkTransport
from tests.handlers.conftest import BUCKET, LambdaContext, load_handler


class Engine(FakeBulkTransport):
    def __init__(self) -> None:
        super().__init__()
        self.up = False

    def ping(self, params: Any = None, headers: Any = None) -> bool:
        return self.up


def test_the_outage_backlog_is_drained_once_the_engine_answers(
    aws: Any,
    transport: FakeBulkTransport,
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN two deliveries parked by the ingest function while the engine refused connections
    transport.request_failures = [ConnectionError("N/A", "refused", Exception())] * 100
    ingest = load_handler("ingest_kinesis")
    assert ingest.lambda_handler(load_event("kinesis_cloudwatch.json"), lambda_context) == {"batchItemFailures": []}
    assert len(aws.list_objects_v2(Bucket=BUCKET)["Contents"]) == 2
    engine = Engine()
    monkeypatch.setattr("logwarden.drain.build_client", lambda settings: engine)
    drain = load_handler("drain_deadletter")
    # WHEN the schedule runs while the engine is still down, then after it is back
    down = drain.lambda_handler({}, lambda_context)
    sent_while_down = list(engine.requests)
    engine.up = True
    capsys.readouterr()
    up = drain.lambda_handler({}, lambda_context)
    # THEN the first run only counts the backlog, the second indexes every parked document and empties the bucket
    assert (down["backlog_batches"], down["engine_answered"], sent_while_down) == (2, False, [])
    assert up["replay"]["indexed"] == len(engine.documents) > 0 and up["remaining_batches"] == 0
    assert "Contents" not in aws.list_objects_v2(Bucket=BUCKET)
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf[-1]["DeadLetterBacklog"] in (2.0, [2.0]) and emf[-1]["DeadLetterBacklogRemaining"] in (0.0, [0.0])
