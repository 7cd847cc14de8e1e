"""The AWS side of the alert path, created in whatever boto3 points at (moto for the demo and the tests):
the alert-state table as the stack defines it (key ``alert``, TTL ``expires_at``), the alert topic, and an
SQS queue subscribed to the topic that plays the e-mail inbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AlertPlumbing:
    table: str
    topic_arn: str
    mailbox_url: str


def create_alert_plumbing(
    session: Any, *, table: str = "logwarden-alert-state", topic: str = "logwarden-alerts", mailbox: str = "alerts"
) -> AlertPlumbing:
    """``session`` is the boto3 module or a ``boto3.Session``."""
    create_alert_state_table(session, table)
    topic_arn, mailbox_url = create_alert_inbox(session, topic=topic, mailbox=mailbox)
    return AlertPlumbing(table, topic_arn, mailbox_url)


def create_alert_state_table(session: Any, table: str = "logwarden-alert-state") -> None:
    session.client("dynamodb").create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "alert", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "alert", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def create_alert_inbox(session: Any, *, topic: str = "logwarden-alerts", mailbox: str = "alerts") -> tuple[str, str]:
    """The alert topic and the SQS queue subscribed to it: ``(topic ARN, queue URL)``."""
    sns, sqs = session.client("sns"), session.client("sqs")
    topic_arn = sns.create_topic(Name=topic)["TopicArn"]
    mailbox_url = sqs.create_queue(QueueName=mailbox)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=mailbox_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return topic_arn, mailbox_url
