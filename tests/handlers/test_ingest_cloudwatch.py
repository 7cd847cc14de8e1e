"""functions/ingest_cloudwatch in-process: every sample event, S3 dead-letter bucket in moto."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from opensearchpy.exceptions import ConnectionError

from logwarden.errors import ConfigurationError
from tests.conftest import EVENTS, load_event
from tests.fakes import FakeBulkTransport
from tests.handlers.conftest import BUCKET, LambdaContext, load_handler


@pytest.mark.parametrize("name", sorted(p.name for p in EVENTS.glob("cloudwatch_*.json")))
def test_each_sample_event(name: str, aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext) -> None:
    app = load_handler("ingest_cloudwatch")
    result = app.lambda_handler(load_event(name), lambda_context)
    assert result["indexed"] == len(transport.documents)
    settled = result["indexed"] + result["filtered"] + result["merged_lines"] + result["rejected"]
    assert settled == result["events"]
    if name == "cloudwatch_control.json":
        assert result["control_messages"] == 1 and transport.requests == []


def test_emits_emf_metrics(
    aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    app = load_handler("ingest_cloudwatch")
    app.lambda_handler(load_event("cloudwatch_shop_logback.json"), lambda_context)
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf, "no EMF document written"
    assert emf[-1]["DocumentsIndexed"] == [5.0] or emf[-1]["DocumentsIndexed"] == 5.0


def test_cold_start_says_whether_the_hot_path_runs_compiled(
    aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext
) -> None:
    # A layer built on another architecture runs the Python: the first log line of a container tells which.
    import logging

    from logwarden.compiled import HOT_MODULES, compiled_modules

    records: list[logging.LogRecord] = []
    collector = logging.Handler()
    collector.emit = records.append  # type: ignore[method-assign]
    app = load_handler("ingest_cloudwatch")
    app.logger.addHandler(collector)
    try:
        app.lambda_handler(load_event("cloudwatch_shop_logback.json"), lambda_context)
    finally:
        app.logger.removeHandler(collector)
    [starting] = [r for r in records if r.getMessage() == "ingest service starting"]
    assert starting.hot_path == f"{len(compiled_modules())} of {len(HOT_MODULES)} hot-path modules compiled"


def test_outage_parks_in_s3_encrypted_and_succeeds(
    aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext
) -> None:
    transport.request_failures = [ConnectionError("N/A", "refused", Exception())] * 50
    lambda_context.remaining_ms = 6_000  # little time left: retries stop early to park
    app = load_handler("ingest_cloudwatch")
    result = app.lambda_handler(load_event("cloudwatch_crm_serilog.json"), lambda_context)
    assert result["undelivered"] == 4
    [obj] = aws.list_objects_v2(Bucket=BUCKET)["Contents"]
    head = aws.head_object(Bucket=BUCKET, Key=obj["Key"])
    assert head["ServerSideEncryption"] == "aws:kms"
    lines = gzip.decompress(aws.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read()).splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["reason"] for e in entries] == ["connection_error"] * 4
    assert all("m.sidorova@mail.ru" not in e["document"]["message"] for e in entries)


def test_if_parking_fails_the_invocation_fails(
    monkeypatch: pytest.MonkeyPatch, transport: FakeBulkTransport, lambda_context: LambdaContext
) -> None:
    with mock_aws():  # no bucket: parking must fail loudly so Lambda retries and the on-failure queue keeps it
        monkeypatch.setenv("LOGWARDEN_DEADLETTER_BUCKET", "missing-bucket")
        transport.item_status = lambda index, doc_id, attempt: (400, "mapper_parsing_exception")
        app = load_handler("ingest_cloudwatch")
        from logwarden.errors import DeadLetterUnavailableError

        with pytest.raises(DeadLetterUnavailableError):
            app.lambda_handler(load_event("cloudwatch_mes_text.json"), lambda_context)


def test_bad_configuration_names_every_problem(monkeypatch: pytest.MonkeyPatch, lambda_context: LambdaContext) -> None:
    monkeypatch.delenv("OPENSEARCH_URL", raising=False)
    monkeypatch.delenv("LOGWARDEN_OPENSEARCH_ENDPOINT", raising=False)
    monkeypatch.setenv("LOGWARDEN_STAGE", "production")
    app = load_handler("ingest_cloudwatch")
    with pytest.raises(ConfigurationError) as raised:
        app.lambda_handler(load_event("cloudwatch_shop_logback.json"), lambda_context)
    problems = " ".join(raised.value.problems)
    assert "OPENSEARCH" in problems and "DEADLETTER" in problems and "LOGWARDEN_STAGE" in problems


def test_own_logs_are_masked(capsys: pytest.CaptureFixture[str]) -> None:
    from logwarden.observability import masked_logger

    logger = masked_logger(service="logwarden-test")
    logger.error("could not deliver to ivan.petrov@example.ru", extra={"card": "4111 1111 1111 1111"})
    line = capsys.readouterr().out
    assert "ivan.petrov@example.ru" not in line and "4111 1111 1111 1111" not in line
    assert "could not deliver to" in line


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=512), st.text(max_size=200).map(str.encode)))
def test_arbitrary_awslogs_data_never_crashes_the_handler(
    aws: Any, transport: FakeBulkTransport, lambda_context: LambdaContext, data: bytes
) -> None:
    app = load_handler("ingest_cloudwatch")
    for payload in (base64.b64encode(data).decode(), data.decode("latin-1")):
        result = app.lambda_handler({"awslogs": {"data": payload}}, lambda_context)
        assert result["rejected"] == 1 and result["indexed"] == 0  # kept in the dead-letter bucket, not dropped
