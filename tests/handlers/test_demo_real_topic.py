"""The demo's alert path with a real SNS topic: ``functions/anomaly_check`` publishes through its own SNS
publisher to the topic, while the alert state and the chat secret stay in the in-process moto.

"Real AWS" is a moto server in a separate process (its own state; an in-process server would share the
mock's backends, and entering the mock resets them), reached at the real SNS host name
``sns.eu-central-1.amazonaws.com`` through an HTTP proxy. The in-process mock answers that host name
itself unless the demo lets SNS through, so a message arriving at the server proves the passthrough.
The OpenSearch port is the counts fake, with an order spike at 10:07 on 2025-02-17.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from logwarden.alerting.publish import PublishError
from logwarden.detection.model import SeriesKey
from logwarden_tools.demo.alerts import (
    HANDLER_VARIABLES,
    STATE_TABLE,
    AlertRoute,
    RealTopic,
    connect_real_topic,
    sns_lambda_event,
)
from logwarden_tools.demo.chat_sink import ChatSink
from logwarden_tools.generate import scenarios
from tests.anomaly_fakes import FakeCountsSearch
from tests.conftest import load_event
from tests.handlers.conftest import LambdaContext, load_handler
from tests.moto_server import moto_server

REGION = "eu-central-1"


@dataclass
class Account:
    """The stand-in for a real AWS account, administered with its own clients."""

    url: str
    sns: Any
    sqs: Any

    def topic_with_inbox(self, name: str) -> tuple[str, str]:
        topic = self.sns.create_topic(Name=name)["TopicArn"]
        queue = self.sqs.create_queue(QueueName=f"{name}-inbox")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["QueueArn"])
        return topic, queue

    def received(self, queue: str) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]

    def topics(self) -> list[str]:
        return sorted(topic["TopicArn"] for topic in self.sns.list_topics()["Topics"])


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    with moto_server(REGION) as url:
        keys = {"aws_access_key_id": "admin", "aws_secret_access_key": "admin", "region_name": REGION}
        yield Account(url, boto3.client("sns", endpoint_url=url, **keys), boto3.client("sqs", endpoint_url=url, **keys))


@pytest.fixture(scope="module")
def history() -> dict[SeriesKey, dict[int, int]]:
    return scenarios.generate(days=scenarios.WARMUP_DAYS + 1)


@pytest.fixture
def check_environment(monkeypatch: pytest.MonkeyPatch, history: dict[SeriesKey, dict[int, int]]) -> None:
    monkeypatch.setattr("logwarden.alerting.service.build_client", lambda settings: FakeCountsSearch(history))
    monkeypatch.setenv("OPENSEARCH_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LOGWARDEN_STAGE", "test")
    monkeypatch.setenv("LOGWARDEN_DASHBOARDS_URL", "https://dashboards.example.org/_dashboards")
    for name in HANDLER_VARIABLES:
        monkeypatch.setenv(name, "")  # AlertRoute.start sets them in os.environ; restored after the test


def _point_at(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    """SNS at its real host name, carried to the server by a proxy (plain HTTP: the server has no TLS)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", f"http://sns.{REGION}.amazonaws.com")
    monkeypatch.setenv("HTTP_PROXY", account.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDREALUSER")  # the caller's own credentials
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")


def _run_check(real: RealTopic | None) -> tuple[dict[str, Any], list[dict[str, Any]], int, int]:
    """One scheduled check through the demo's route: (handler result, inbox, state items, chat posts)."""
    with ExitStack() as stack:
        chat = stack.enter_context(ChatSink())
        route = AlertRoute.start(stack, chat.url, real)
        check = load_handler("anomaly_check")
        route.wire(check)
        result = check.lambda_handler(load_event("anomaly_check_schedule.json"), LambdaContext())
        inbox = list(route.drain())
        states = boto3.client("dynamodb").scan(TableName=STATE_TABLE)["Count"]
        notify = load_handler("chat_notify")
        for envelope in inbox:
            notify.lambda_handler(sns_lambda_event(envelope), LambdaContext())
        return result, inbox, states, len(chat.received)


@pytest.mark.usefixtures("check_environment")
def test_alerts_reach_the_real_topic_while_state_stays_in_moto(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a topic in the account with an SQS subscriber, and the caller's credentials and endpoint
    topic, queue = account.topic_with_inbox("logwarden-alerts-real")
    _point_at(account, monkeypatch)
    real = connect_real_topic(topic)
    # WHEN the scheduled check runs during the order spike through the demo's real-topic route
    before = account.topics()
    result, inbox, states, chat_posts = _run_check(real)
    # THEN the topic's subscriber received the alert with its subject and filterable attributes
    assert result["alerts"] == 1 and result["message_id"]
    [delivered] = account.received(queue)
    assert delivered["TopicArn"] == topic and delivered["MessageId"] == result["message_id"]
    assert delivered["Subject"].startswith("logwarden test: [HIGH]") and "order_created" in delivered["Subject"]
    attributes = {name: value["Value"] for name, value in delivered["MessageAttributes"].items()}
    assert attributes["severity"] == "high" and attributes["kind"] == "alert"
    assert json.loads(attributes["subsystem"]) == ["shop"] and json.loads(attributes["rule"]) == ["rate_spike"]
    [item] = json.loads(delivered["Message"])["notifications"]
    assert item["rule"] == "rate_spike" and item["event"] == "order_created"
    # AND the demo's inbox shows exactly what the subscriber got, and chat was posted from it
    [shown] = inbox
    for field in ("MessageId", "TopicArn", "Subject", "Message", "MessageAttributes"):
        assert shown[field] == delivered[field], field
    assert chat_posts == 3  # Slack, Teams, Telegram
    # AND the alert state was kept in the in-process moto, and nothing was created in the account
    assert states == 1
    assert account.topics() == before


@pytest.mark.usefixtures("check_environment")
def test_without_a_real_topic_the_inbox_shows_the_same_message(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the same check, once through a real topic and once through moto's topic and SQS inbox
    topic, queue = account.topic_with_inbox("logwarden-alerts-compare")
    _point_at(account, monkeypatch)
    _, real_inbox, _, _ = _run_check(connect_real_topic(topic))
    before = account.topics()
    _, moto_inbox, states, chat_posts = _run_check(None)
    # THEN the demo reads the same message either way (its summary figures come from it)
    [real], [local] = real_inbox, moto_inbox
    for field in ("Subject", "Message", "MessageAttributes"):
        assert real[field] == local[field], field
    assert local["TopicArn"].endswith(":logwarden-alerts") and states == 1 and chat_posts == 3
    # AND the moto route never touches the account
    assert account.topics() == before
    assert len(account.received(queue)) == 1


@pytest.mark.usefixtures("check_environment")
def test_a_refused_publish_stops_the_check_and_shows_nothing(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a topic the account does not have (a wrong ARN, or one in another account)
    _point_at(account, monkeypatch)
    real = connect_real_topic(f"arn:aws:sns:{REGION}:123456789012:logwarden-alerts-missing")
    with ExitStack() as stack:
        route = AlertRoute.start(stack, "http://127.0.0.1:9", real)
        check = load_handler("anomaly_check")
        route.wire(check)
        # WHEN the check has an alert to send, THEN it fails as the Lambda would (so the schedule retries)
        with pytest.raises(PublishError) as caught:
            check.lambda_handler(load_event("anomaly_check_schedule.json"), LambdaContext())
        assert "NotFound" in str(caught.value.__cause__)
        # AND nothing is shown as sent, and the alert is not claimed: the next run sends it
        assert list(route.drain()) == []
        assert boto3.client("dynamodb").scan(TableName=STATE_TABLE)["Count"] == 0
