"""Where the demo's alerts go: moto's SNS (no AWS account needed), or a real SNS topic.

**moto** (the default): the alert-state table, the alert topic and an SQS queue subscribed to it, playing
the e-mail inbox, all inside ``mock_aws``; the inbox is read after every check run.

**A real topic** (``--alert-topic-arn`` or ``LOGWARDEN_DEMO_ALERT_TOPIC_ARN``): the anomaly check's own SNS
publisher, the one the Lambda uses, publishes every alert and recovery to that topic, so its subscribers
(e-mail, the deployed chat function) receive them. Only SNS leaves the machine: moto lets SNS through
(``passthrough``) and keeps the alert-state table and the chat secret. The demo creates nothing in the
account; it only publishes. The SNS client is built before the demo swaps the AWS environment for moto's,
from the caller's credentials as boto3 finds them, for the topic's region; the credentials are frozen then,
because a refresh inside the mock (STS, SSO) would be answered by moto. The local inbox is what was
published, in the envelope the topic's SQS subscribers receive, so the rest of the demo reads it unchanged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, Final

import orjson
from botocore.exceptions import BotoCoreError

from logwarden.errors import ConfigurationError
from logwarden_tools.local.aws import create_alert_inbox, create_alert_state_table

ALERT_TOPIC_ENV: Final = "LOGWARDEN_DEMO_ALERT_TOPIC_ARN"
CHAT_SECRET_NAME: Final = "logwarden/chat"  # noqa: S105 - the secret's name, not its value
STATE_TABLE: Final = "logwarden-alert-state"
# What AlertRoute.start sets for the handlers (the caller saves and restores them).
HANDLER_VARIABLES: Final = (
    "LOGWARDEN_ALERT_TOPIC_ARN",
    "LOGWARDEN_ALERT_STATE_TABLE",
    "LOGWARDEN_CHAT_SECRET_NAME",
    "LOGWARDEN_CHAT_ALLOW_LOCAL_URLS",
)

_TOPIC_ARN: Final = re.compile(
    r"^arn:aws[a-z-]*:sns:(?P<region>[a-z]{2}(?:-[a-z0-9]+)+-\d):\d{12}:(?P<name>[A-Za-z0-9_-]{1,256})$"
)


def topic_region(arn: str) -> str:
    """The region of a standard SNS topic ARN; a bad ARN is a configuration error, named on one line."""
    match = _TOPIC_ARN.match(arn)
    if match is None:
        fifo = " (FIFO topics need a message group id, which alerts do not carry)" if arn.endswith(".fifo") else ""
        raise ConfigurationError(
            [f"{ALERT_TOPIC_ENV} / --alert-topic-arn must be a standard SNS topic ARN, got {arn!r}{fifo}"]
        )
    return match["region"]


class RecordingSnsClient:
    """The real topic's SNS client as the alert publisher sees it (``publish``), keeping what was published
    so the demo can show it; nothing is kept for a publish that failed."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._published: list[dict[str, Any]] = []

    def publish(self, **params: Any) -> dict[str, Any]:
        response: dict[str, Any] = self._client.publish(**params)
        self._published.append(sqs_envelope(params, str(response["MessageId"])))
        return response

    def drain(self) -> Iterator[dict[str, Any]]:
        published, self._published = self._published, []
        yield from published


@dataclass(frozen=True, slots=True)
class RealTopic:
    arn: str
    region: str
    client: RecordingSnsClient


def connect_real_topic(arn: str, session: Any | None = None) -> RealTopic:
    """The client for a real topic, from the credentials boto3 finds now (call it before the AWS environment
    changes). No credentials, or credentials that cannot be loaded, fail here, before anything starts."""
    import boto3

    region = topic_region(arn)
    session = session or boto3.Session()
    try:
        credentials = session.get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
    except BotoCoreError as exc:
        raise ConfigurationError([f"cannot load AWS credentials for {arn}: {exc}"]) from exc
    if frozen is None or not frozen.access_key:
        raise ConfigurationError(
            [
                f"{arn} is given but boto3 finds no AWS credentials "
                "(set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`)"
            ]
        )
    client = session.client(
        "sns",
        region_name=region,
        aws_access_key_id=frozen.access_key,
        aws_secret_access_key=frozen.secret_key,
        aws_session_token=frozen.token,
    )
    return RealTopic(arn, region, RecordingSnsClient(client))


def sqs_envelope(params: dict[str, Any], message_id: str) -> dict[str, Any]:
    """A ``Publish`` request as an SQS subscriber of the topic receives it (raw delivery off): the ``sqs``
    form of a JSON-structured message, attributes as ``{"Type", "Value"}``."""
    message = params["Message"]
    if params.get("MessageStructure") == "json":
        forms = orjson.loads(message)
        message = forms.get("sqs", forms["default"])
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": params["TopicArn"],
        "Subject": params.get("Subject"),
        "Message": message,
        "Timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "MessageAttributes": {
            name: {"Type": value["DataType"], "Value": value.get("StringValue", "")}
            for name, value in params.get("MessageAttributes", {}).items()
        },
    }


def sns_lambda_event(envelope: dict[str, Any]) -> dict[str, Any]:
    """The SNS -> Lambda event for one message as the topic's SQS subscriber received it."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{envelope.get('TopicArn', '')}:demo",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": envelope.get("MessageId", ""),
                    "TopicArn": envelope.get("TopicArn", ""),
                    "Subject": envelope.get("Subject"),
                    "Message": envelope["Message"],
                    "Timestamp": envelope.get("Timestamp", ""),
                    "MessageAttributes": envelope.get("MessageAttributes", {}),
                },
            }
        ]
    }


class _AlertSession:
    """What ``AnomalyCheckFactory`` asks of a boto3 session: SNS is the real topic's client, the rest moto's."""

    def __init__(self, sns: RecordingSnsClient) -> None:
        self._sns = sns

    def client(self, name: str) -> Any:
        import boto3

        moto_side: Any = boto3.session.Session()
        return self._sns if name == "sns" else moto_side.client(name)


class AlertRoute:
    """The AWS side of the demo's alert path, inside ``mock_aws`` (entered on ``stack``), and its inbox."""

    def __init__(self, real_topic: RealTopic | None, topic_arn: str, inbox_url: str | None) -> None:
        self.real_topic = real_topic
        self.topic_arn = topic_arn
        self._inbox_url = inbox_url

    @classmethod
    def start(cls, stack: ExitStack, chat_url: str, real_topic: RealTopic | None = None) -> AlertRoute:
        """Enter the mock, create the table, the chat secret (webhooks of the local stand-in at ``chat_url``)
        and, without a real topic, moto's topic and inbox. Returns with ``HANDLER_VARIABLES`` set in
        ``os.environ``; the caller restores the environment."""
        import boto3
        from aws_lambda_powertools.utilities import parameters
        from moto import mock_aws

        # A chat secret cached by an earlier run in this process would name a closed server.
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        config = None if real_topic is None else {"core": {"passthrough": {"services": ["sns"], "urls": []}}}
        stack.enter_context(mock_aws(config=config))  # type: ignore[arg-type]  # moto's TypedDict is partial
        create_alert_state_table(boto3, STATE_TABLE)
        secret = {
            "slack_webhook_url": f"{chat_url}/slack",
            "teams_webhook_url": f"{chat_url}/teams",
            "telegram_bot_token": "123456:demo-token",
            "telegram_chat_id": "-100200300",
            "telegram_api_url": f"{chat_url}/telegram",
        }
        boto3.client("secretsmanager").create_secret(Name=CHAT_SECRET_NAME, SecretString=orjson.dumps(secret).decode())
        if real_topic is None:
            topic_arn, inbox_url = create_alert_inbox(boto3)
            route = cls(None, topic_arn, inbox_url)
        else:
            route = cls(real_topic, real_topic.arn, None)
        os.environ.update(
            {
                "LOGWARDEN_ALERT_TOPIC_ARN": route.topic_arn,
                "LOGWARDEN_ALERT_STATE_TABLE": STATE_TABLE,
                "LOGWARDEN_CHAT_SECRET_NAME": CHAT_SECRET_NAME,
                "LOGWARDEN_CHAT_ALLOW_LOCAL_URLS": "true",  # the chat stand-in is on 127.0.0.1
            }
        )
        return route

    def wire(self, anomaly_check: ModuleType) -> None:
        """With a real topic, give the loaded ``functions/anomaly_check`` handler its collaborators built here
        (its ``_factory``, the composition root), so that its SNS publisher holds the real topic's client:
        inside the mock, a client the handler built itself would sign with moto's keys. Everything else is
        what the handler builds itself: the same config, rules, alert store and ``SnsPublisher``."""
        if self.real_topic is None:
            return
        from logwarden.alerting.service import AnomalyCheckFactory
        from logwarden.config import AnomalyCheckConfig

        factory = AnomalyCheckFactory(AnomalyCheckConfig.from_env(), aws=_AlertSession(self.real_topic.client))
        anomaly_check._factory = lambda: factory  # type: ignore[attr-defined]  # the handler's cached factory

    def drain(self) -> Iterator[dict[str, Any]]:
        """Every message published since the last call, as the topic's SQS subscriber receives it."""
        if self.real_topic is not None:
            yield from self.real_topic.client.drain()
            return
        import boto3

        sqs = boto3.client("sqs")
        while True:
            response = sqs.receive_message(QueueUrl=self._inbox_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = response.get("Messages", [])
            if not messages:
                return
            for message in messages:
                sqs.delete_message(QueueUrl=self._inbox_url, ReceiptHandle=message["ReceiptHandle"])
                yield orjson.loads(message["Body"])
