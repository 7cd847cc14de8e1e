"""functions/anomaly_check in-process: SNS, DynamoDB and SSM in moto, the OpenSearch port faked from a
generated history (two weeks of seasonal traffic, then an order spike at 10:07 on 2025-02-17)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError

from logwarden.detection.model import SeriesKey
from logwarden.errors import ConfigurationError
from logwarden_tools.generate import scenarios
from logwarden_tools.local.aws import create_alert_plumbing
from tests.anomaly_fakes import FakeCountsSearch
from tests.conftest import load_event
from tests.handlers.conftest import LambdaContext, load_handler

TABLE = "logwarden-alerts-test"


@pytest.fixture(scope="module")
def history() -> dict[SeriesKey, dict[int, int]]:
    return scenarios.generate(days=scenarios.WARMUP_DAYS + 1)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    parameters.clear_caches()
    with mock_aws():
        plumbing = create_alert_plumbing(boto3, table=TABLE)
        dynamodb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
        topic, queue_url = plumbing.topic_arn, plumbing.mailbox_url
        monkeypatch.setenv("LOGWARDEN_ALERT_TOPIC_ARN", topic)
        monkeypatch.setenv("LOGWARDEN_ALERT_STATE_TABLE", TABLE)
        monkeypatch.setenv("LOGWARDEN_DASHBOARDS_URL", "https://dashboards.example.org/_dashboards")
        monkeypatch.setenv("LOGWARDEN_STAGE", "test")
        monkeypatch.setenv("OPENSEARCH_URL", "http://127.0.0.1:9")
        yield {"dynamodb": dynamodb, "sqs": sqs, "queue": queue_url, "ssm": boto3.client("ssm")}


@pytest.fixture
def search(monkeypatch: pytest.MonkeyPatch, history: dict[SeriesKey, dict[int, int]]) -> FakeCountsSearch:
    fake = FakeCountsSearch(history)
    monkeypatch.setattr("logwarden.alerting.service.build_client", lambda settings: fake)
    return fake


def received(aws: dict[str, Any]) -> list[dict[str, Any]]:
    messages = aws["sqs"].receive_message(QueueUrl=aws["queue"], MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def schedule_at(time: str) -> dict[str, Any]:
    return load_event("anomaly_check_schedule.json") | {"time": time}


def test_spike_is_published_once_with_filterable_attributes(
    aws: dict[str, Any], search: FakeCountsSearch, lambda_context: LambdaContext
) -> None:
    app = load_handler("anomaly_check")
    # WHEN the scheduled check runs during the order spike (10:12 evaluates 10:10)
    result = app.lambda_handler(load_event("anomaly_check_schedule.json"), lambda_context)
    # THEN one query round trip, one message, one alert state
    assert search.requests == [16]
    assert result["alerts"] == 1 and result["ran"] is True
    [envelope] = received(aws)
    assert len(envelope["Subject"]) < 100 and "order_created" in envelope["Subject"]
    assert envelope["MessageAttributes"]["severity"]["Value"] == "high"
    assert envelope["MessageAttributes"]["kind"]["Value"] == "alert"
    assert json.loads(envelope["MessageAttributes"]["subsystem"]["Value"]) == ["shop"]
    document = json.loads(envelope["Message"])  # the SQS subscriber gets the JSON form
    [item] = document["notifications"]
    assert item["rule"] == "rate_spike" and item["event"] == "order_created"
    assert item["dashboards_url"].startswith("https://dashboards.example.org/_dashboards/app/data-explorer/discover")
    assert item["runbook"]
    assert aws["dynamodb"].scan(TableName=TABLE)["Count"] == 1
    # AND the next minute's run is suppressed by the cooldown
    again = app.lambda_handler(schedule_at("2025-02-17T10:13:00Z"), lambda_context)
    assert again["alerts"] == 0 and received(aws) == []


def test_unreachable_opensearch_raises_check_could_not_run(
    aws: dict[str, Any], search: FakeCountsSearch, lambda_context: LambdaContext
) -> None:
    search.failure = OpenSearchConnectionError("N/A", "connection refused", Exception())
    app = load_handler("anomaly_check")
    result = app.lambda_handler(load_event("anomaly_check_schedule.json"), lambda_context)
    assert result["ran"] is False and "unreachable" in result["error"]
    [envelope] = received(aws)
    assert "could not run" in envelope["Subject"]
    assert envelope["MessageAttributes"]["rule"]["Value"] == '["check_failed"]'


def test_rules_override_from_ssm(aws: dict[str, Any], search: FakeCountsSearch, lambda_context: LambdaContext,
                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    aws["ssm"].put_parameter(Name="/logwarden/rules", Type="String", Value="[spike]\nenabled = false\n")
    monkeypatch.setenv("LOGWARDEN_RULES_PARAMETER", "/logwarden/rules")
    app = load_handler("anomaly_check")
    result = app.lambda_handler(load_event("anomaly_check_schedule.json"), lambda_context)
    assert result["alerts"] == 0 and received(aws) == []


def test_missing_configuration_names_every_variable(
    monkeypatch: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    for name in ("LOGWARDEN_ALERT_TOPIC_ARN", "LOGWARDEN_ALERT_STATE_TABLE", "OPENSEARCH_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("LOGWARDEN_OPENSEARCH_ENDPOINT", raising=False)
    app = load_handler("anomaly_check")
    with pytest.raises(ConfigurationError) as caught:
        app.lambda_handler(load_event("anomaly_check_schedule.json"), lambda_context)
    assert {"LOGWARDEN_ALERT_TOPIC_ARN", "LOGWARDEN_ALERT_STATE_TABLE", "LOGWARDEN_OPENSEARCH_ENDPOINT"} <= {
        word for problem in caught.value.problems for word in problem.replace("(", " ").split()
    }
