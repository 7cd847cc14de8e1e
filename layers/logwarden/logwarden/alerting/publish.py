"""SNS publishing: a text form for e-mail and SMS, a JSON form for Lambda, SQS and HTTPS subscribers,
and message attributes that subscription filter policies can match (severity, subsystem, rule, kind)."""

from __future__ import annotations

from typing import Any, Protocol

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from logwarden.alerting.messages import AlertMessage
from logwarden.errors import RetryableError


class PublishError(RetryableError):
    pass


class Publisher(Protocol):
    def publish(self, message: AlertMessage) -> str: ...


class SnsPublisher:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, message: AlertMessage) -> str:
        machine = orjson.dumps(message.document).decode()
        structured = {
            "default": message.text,
            "email": message.text,
            "email-json": machine,
            "lambda": machine,
            "sqs": machine,
            "http": machine,
            "https": machine,
            "firehose": machine,
        }
        try:
            response = self._client.publish(
                TopicArn=self._topic_arn,
                Subject=message.subject,
                Message=orjson.dumps(structured).decode(),
                MessageStructure="json",
                MessageAttributes=message.attributes,
            )
        except (ClientError, BotoCoreError) as exc:
            raise PublishError(f"cannot publish the alert: {type(exc).__name__}") from exc
        return str(response["MessageId"])
