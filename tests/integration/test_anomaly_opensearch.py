"""The anomaly check against the real local OpenSearch: documents with an injected spike -> the
Lambda handler publishes to SNS (moto) -> the chat function posts to a local webhook server; the spike
ends -> exactly one recovery; OpenSearch unreachable -> a "check could not run" alert."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from opensearchpy import OpenSearch

from logwarden import naming, schema
from logwarden.detection.model import SeriesKey, format_minute, parse_minute
from logwarden.detection.opensearch import export_counts
from logwarden_tools.backtest import read_counts
from logwarden_tools.cli import main as cli
from logwarden_tools.local import opensearch_engine as local
from logwarden_tools.local.aws import create_alert_plumbing
from tests.conftest import load_event
from tests.handlers.conftest import LambdaContext, load_handler
from tests.webhook_server import WebhookServer

pytestmark = pytest.mark.integration

SPIKE_AT = parse_minute("2025-03-10T12:00:00Z")  # evaluated minute of the first run
RATES = {("shop", "order_created"): 2, ("shop", "api_request"): 12, ("shop", "price_calculated"): 4}
RULES = "[baseline]\nhistory_days = 3\nmin_history_days = 3\nweekend_days = []\n"


def _minutes_needed() -> list[int]:
    """Only the hours the check reads: three past days around noon, today's morning, the next 45 minutes."""
    minutes: list[int] = []
    for day in (3, 2, 1):
        start = SPIKE_AT - day * 1440 - 7 * 60
        minutes += range(start, start + 9 * 60)
    minutes += range(SPIKE_AT - 5 * 60, SPIKE_AT + 45)
    return minutes


def _index_traffic(client: OpenSearch, prefix: str, minutes: list[int] | None = None) -> int:
    lines: list[bytes] = []
    total = 0
    for minute in _minutes_needed() if minutes is None else minutes:
        for (subsystem, event), rate in RATES.items():
            count = 300 if event == "order_created" and SPIKE_AT - 2 <= minute <= SPIKE_AT else rate
            for second in range(count):
                doc = {
                    schema.TIMESTAMP: f"{format_minute(minute)[:-3]}{second % 60:02d}.{second // 60:03d}Z",
                    schema.SUBSYSTEM: subsystem,
                    schema.EVENT_KIND: event,
                    schema.LEVEL: "INFO",
                    schema.MESSAGE: f"{event} handled",
                }
                lines.append(orjson.dumps({"create": {"_index": naming.data_stream_name(subsystem, "INFO", prefix)}}))
                lines.append(orjson.dumps(doc))
                total += 1
        if len(lines) > 20_000:
            _bulk(client, lines)
            lines = []
    _bulk(client, lines)
    client.indices.refresh(index=f"{prefix}-*")
    return total


def _bulk(client: OpenSearch, lines: list[bytes]) -> None:
    if lines:
        result = client.bulk(body=b"\n".join(lines) + b"\n")
        assert not result["errors"]


@pytest.fixture(scope="module")
def webhook() -> Iterator[WebhookServer]:
    with WebhookServer().running() as server:
        yield server


@pytest.fixture
def stack(
    monkeypatch: pytest.MonkeyPatch, local_engine: local.LocalConnection, index_prefix: str, webhook: WebhookServer
) -> Iterator[dict[str, Any]]:
    for name, value in {
        "POWERTOOLS_SERVICE_NAME": "logwarden",
        "POWERTOOLS_METRICS_NAMESPACE": "logwarden",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "OPENSEARCH_URL": local_engine.url,
        "LOGWARDEN_INDEX_PREFIX": index_prefix,
        "LOGWARDEN_STAGE": "test",
        "LOGWARDEN_RULES_PARAMETER": "/logwarden/anomaly-rules",
        "LOGWARDEN_CHAT_SECRET_NAME": "logwarden/chat",
        "LOGWARDEN_CHAT_ALLOW_LOCAL_URLS": "true",  # the webhook stand-in is on 127.0.0.1
    }.items():
        monkeypatch.setenv(name, value)
    if local_engine.username:
        monkeypatch.setenv("OPENSEARCH_USERNAME", local_engine.username)
        monkeypatch.setenv("OPENSEARCH_PASSWORD", local_engine.password or "")
    if local_engine.ca_certs:
        monkeypatch.setenv("OPENSEARCH_CA_CERTS", local_engine.ca_certs)
    parameters.clear_caches()
    with mock_aws():
        plumbing = create_alert_plumbing(boto3, table="alerts", topic="alerts")
        topic, queue, sqs = plumbing.topic_arn, plumbing.mailbox_url, boto3.client("sqs")
        boto3.client("ssm").put_parameter(Name="/logwarden/anomaly-rules", Type="String", Value=RULES)
        boto3.client("secretsmanager").create_secret(
            Name="logwarden/chat",
            SecretString=json.dumps(
                {"slack_webhook_url": f"{webhook.url}/slack/hook", "teams_webhook_url": f"{webhook.url}/teams/hook"}
            ),
        )
        monkeypatch.setenv("LOGWARDEN_ALERT_TOPIC_ARN", topic)
        monkeypatch.setenv("LOGWARDEN_ALERT_STATE_TABLE", "alerts")
        yield {"sqs": sqs, "queue": queue}


def _drain(stack: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        batch = stack["sqs"].receive_message(QueueUrl=stack["queue"], MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return found
        for message in batch:
            found.append(json.loads(message["Body"]))
            stack["sqs"].delete_message(QueueUrl=stack["queue"], ReceiptHandle=message["ReceiptHandle"])


def _schedule(evaluated_minute: int) -> dict[str, Any]:
    # The check evaluates the minute two before the schedule time (one for completeness, one of lag).
    return load_event("anomaly_check_schedule.json") | {"time": format_minute(evaluated_minute + 2)}


def _as_sns_event(envelope: dict[str, Any]) -> dict[str, Any]:
    event = load_event("chat_notify_sns.json")
    event["Records"][0]["Sns"] |= {"Subject": envelope["Subject"], "Message": envelope["Message"]}
    return event


def test_spike_alerts_then_recovers_once_and_reaches_chat(
    stack: dict[str, Any], os_client: OpenSearch, index_prefix: str, webhook: WebhookServer
) -> None:
    _index_traffic(os_client, index_prefix)
    check = load_handler("anomaly_check")
    chat = load_handler("chat_notify")
    context = LambdaContext()

    # WHEN the check runs on the spike's last minute
    first = check.lambda_handler(_schedule(SPIKE_AT), context)
    assert first["ran"] is True and first["alerts"] == 1
    [alert] = _drain(stack)
    assert alert["MessageAttributes"]["severity"]["Value"] == "critical"
    [item] = json.loads(alert["Message"])["notifications"]
    assert (item["rule"], item["subsystem"], item["event"], item["kind"]) == (
        "rate_spike", "shop", "order_created", "alert"
    )  # fmt: skip
    # THEN the chat function posts it to the webhooks
    assert chat.lambda_handler(_as_sns_event(alert), context) == {"delivered": 2, "failed": 0}
    slack_text = [b["text"]["text"] for b in webhook.bodies("/slack/hook")[-1]["blocks"] if "text" in b]
    assert any("order_created" in text for text in slack_text)

    # WHEN the spike is over and the check keeps running every minute
    later = [check.lambda_handler(_schedule(minute), context) for minute in range(SPIKE_AT + 1, SPIKE_AT + 40)]
    # THEN exactly one recovery, and nothing else
    assert sum(r["alerts"] for r in later) == 0 and sum(r["recoveries"] for r in later) == 1
    [recovery] = _drain(stack)
    assert recovery["MessageAttributes"]["kind"]["Value"] == "recovery"
    assert chat.lambda_handler(_as_sns_event(recovery), context)["delivered"] == 2
    teams_text = [b.get("text", "") for b in webhook.bodies("/teams/hook")[-1]["attachments"][0]["content"]["body"]]
    assert any("RESOLVED" in text for text in teams_text)


@pytest.mark.skipif(os.geteuid() != 0, reason="stopping the shared engine needs the user that started it")
def test_stopped_opensearch_raises_check_could_not_run(stack: dict[str, Any]) -> None:
    check = load_handler("anomaly_check")
    # GIVEN the engine is stopped
    local.down()
    try:
        # WHEN the schedule runs the check
        result = check.lambda_handler(_schedule(SPIKE_AT), LambdaContext())
    finally:
        local.ensure_running()
    # THEN it says so in an alert of its own instead of reporting "no anomalies"
    assert result["ran"] is False
    [alert] = _drain(stack)
    assert "could not run" in alert["Subject"]
    assert json.loads(alert["Message"])["notifications"][0]["rule"] == "check_failed"


def test_export_reproduces_the_indexed_counts_and_feeds_the_backtest(
    os_client: OpenSearch,
    index_prefix: str,
    local_engine: local.LocalConnection,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _index_traffic(os_client, index_prefix, list(range(SPIKE_AT - 5, SPIKE_AT + 5)))
    rows = list(export_counts(os_client, index_prefix, SPIKE_AT - 3, SPIKE_AT + 2, page_size=4))
    orders = {minute: count for minute, key, count in rows if key.event == "order_created"}
    assert orders == {SPIKE_AT - 3: 2, SPIKE_AT - 2: 300, SPIKE_AT - 1: 300, SPIKE_AT: 300, SPIKE_AT + 1: 2}
    assert {key.subsystem for _, key, _ in rows} == {"shop"} and len(rows) == 15
    # The command writes the same table as CSV, which the backtest reads back unchanged.
    monkeypatch.setenv("OPENSEARCH_URL", local_engine.url)
    for name, value in (("OPENSEARCH_USERNAME", local_engine.username), ("OPENSEARCH_PASSWORD", local_engine.password),
                        ("OPENSEARCH_CA_CERTS", local_engine.ca_certs)):  # fmt: skip
        if value:
            monkeypatch.setenv(name, value)
    out = tmp_path / "counts.csv"
    window = ["--from", format_minute(SPIKE_AT - 3), "--to", format_minute(SPIKE_AT + 2)]
    assert cli(["backtest", "export", *window, "--counts", str(out), "--index-prefix", index_prefix]) == 0
    with out.open() as stream:
        table = read_counts(stream)
    assert table[SeriesKey("shop", "order_created", "INFO")] == orders
