"""The demo's real-topic option, before anything starts: a bad ARN or no AWS credentials is one clear line
and exit code 2; and a published message becomes the envelope the topic's SQS subscribers receive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from logwarden.alerting.messages import AlertMessage
from logwarden.alerting.publish import PublishError, SnsPublisher
from logwarden.errors import ConfigurationError
from logwarden_tools.commands import demo as demo_command
from logwarden_tools.demo.alerts import ALERT_TOPIC_ENV, RecordingSnsClient, connect_real_topic, topic_region

ARN = "arn:aws:sns:eu-central-1:123456789012:logwarden-alerts"


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An environment where boto3's credential chain finds nothing (and never asks the instance metadata)."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ALERT_TOPIC_ENV,
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.parametrize(
    ("arn", "region"),
    [
        (ARN, "eu-central-1"),
        ("arn:aws:sns:us-gov-west-1:123456789012:alerts_prod", "us-gov-west-1"),
        ("arn:aws-cn:sns:cn-north-1:123456789012:a", "cn-north-1"),
    ],
)
def test_region_comes_from_the_topic_arn(arn: str, region: str) -> None:
    assert topic_region(arn) == region


@pytest.mark.parametrize(
    "arn",
    [
        "logwarden-alerts",
        "arn:aws:sqs:eu-central-1:123456789012:alerts",
        "arn:aws:sns::123456789012:alerts",
        "arn:aws:sns:eu-central-1:1234:alerts",
        "arn:aws:sns:eu-central-1:123456789012:alerts.fifo",
    ],
)
def test_anything_but_a_standard_topic_arn_is_refused(arn: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        topic_region(arn)
    [problem] = caught.value.problems
    assert ALERT_TOPIC_ENV in problem and arn in problem
    assert ("FIFO" in problem) == arn.endswith(".fifo")


@pytest.mark.usefixtures("no_credentials")
def test_a_topic_without_credentials_is_refused() -> None:
    with pytest.raises(ConfigurationError) as caught:
        connect_real_topic(ARN)
    [problem] = caught.value.problems
    assert problem.startswith(f"{ARN} is given but boto3 finds no AWS credentials")


@pytest.mark.usefixtures("no_credentials")
@pytest.mark.parametrize("how", ["option", "environment"])
def test_demo_command_stops_on_one_line_before_starting_anything(
    how: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a topic ARN and no credentials (unit tests cannot open sockets: no engine can start either)
    if how == "environment":
        monkeypatch.setenv(ALERT_TOPIC_ENV, ARN)
    argv = ["--alert-topic-arn", ARN] if how == "option" else []
    # WHEN the demo is asked to publish to it
    code = demo_command.main(argv)
    # THEN it says so in one line and exits with 2, before printing anything else
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("logwarden demo: ") and "no AWS credentials" in captured.err


def test_demo_command_refuses_a_bad_arn_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ALERT_TOPIC_ENV, "logwarden-alerts")
    assert demo_command.main([]) == 2
    assert "must be a standard SNS topic ARN" in capsys.readouterr().err


class _SnsPort:
    """The SNS API as the recording client sees it: answers ``publish`` or raises what it is told to."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls = 0

    def publish(self, **params: Any) -> dict[str, Any]:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return {"MessageId": f"m-{self.calls}"}


def _message() -> AlertMessage:
    document = {"kind": "alert", "severity": "high", "notifications": [{"rule": "rate_spike"}]}
    attributes = {
        "severity": {"DataType": "String", "StringValue": "high"},
        "severity_rank": {"DataType": "Number", "StringValue": "3"},
        "subsystem": {"DataType": "String.Array", "StringValue": '["shop"]'},
    }
    return AlertMessage("logwarden test: [HIGH] rate far above normal: shop", "text form\n", document, attributes)


def test_published_message_becomes_the_sqs_subscribers_envelope() -> None:
    recorder = RecordingSnsClient(_SnsPort())
    message_id = SnsPublisher(recorder, ARN).publish(_message())
    [envelope] = list(recorder.drain())
    assert envelope["MessageId"] == message_id == "m-1"
    assert envelope["TopicArn"] == ARN and envelope["Type"] == "Notification"
    assert envelope["Subject"] == "logwarden test: [HIGH] rate far above normal: shop"
    assert orjson.loads(envelope["Message"]) == _message().document  # the JSON form, not the e-mail text
    assert envelope["MessageAttributes"]["severity_rank"] == {"Type": "Number", "Value": "3"}
    assert envelope["MessageAttributes"]["subsystem"] == {"Type": "String.Array", "Value": '["shop"]'}
    assert list(recorder.drain()) == []


def test_a_refused_publish_is_not_shown_as_sent() -> None:
    refused = ClientError({"Error": {"Code": "AuthorizationError", "Message": "not allowed"}}, "Publish")
    recorder = RecordingSnsClient(_SnsPort(refused))
    with pytest.raises(PublishError) as caught:
        SnsPublisher(recorder, ARN).publish(_message())
    assert caught.value.__cause__ is refused
    assert list(recorder.drain()) == []
