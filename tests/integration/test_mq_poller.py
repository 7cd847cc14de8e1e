"""The local poller on the real broker: batches, the event shape, acknowledge after return, requeue on raise."""

from __future__ import annotations

import base64
from typing import Any

import pika
import pytest

from logwarden_tools.local import rabbitmq_broker as local
from logwarden_tools.local.mq_poller import MQPoller, PollerSettings

pytestmark = pytest.mark.integration


def _publish(settings: local.LocalRabbitMQSettings, queue: str, bodies: list[bytes]) -> None:
    connection = local.connect(settings)
    channel = connection.channel()
    for number, body in enumerate(bodies):
        channel.basic_publish(
            "",
            queue,
            body,
            pika.BasicProperties(
                content_type="application/json",
                headers={"service": "shop-api", "attempt": number},
                message_id=f"m-{number}",
                timestamp=1714557600 + number,
                delivery_mode=2,
            ),
        )
    connection.close()


def _ready_count(settings: local.LocalRabbitMQSettings, queue: str) -> int:
    connection = local.connect(settings)
    count = connection.channel().queue_declare(queue, passive=True).method.message_count
    connection.close()
    return int(count or 0)


def test_batches_carry_the_service_event_shape_and_are_acknowledged(
    rabbitmq: local.LocalRabbitMQSettings, scratch_queue: str
) -> None:
    # GIVEN 7 messages WHEN polled in batches of 3 THEN 3 events of 3, 3, 1 messages, all acknowledged
    bodies = [f'{{"n": {n}}}'.encode() for n in range(7)]
    _publish(rabbitmq, scratch_queue, bodies)
    events: list[dict[str, Any]] = []
    connection = local.connect(rabbitmq)
    poller = MQPoller(
        connection.channel(), PollerSettings(scratch_queue, batch_size=3, batch_window_s=0.3), events.append
    )

    stats = poller.run(max_messages=7, idle_timeout_s=5)
    connection.close()

    assert [len(event["rmqMessagesByQueue"][f"{scratch_queue}::/"]) for event in events] == [3, 3, 1]
    assert stats.messages == 7 and stats.failed_batches == 0
    first = events[0]
    assert first["eventSource"] == "aws:rmq"
    message = first["rmqMessagesByQueue"][f"{scratch_queue}::/"][0]
    assert base64.b64decode(message["data"]) == b'{"n": 0}'
    assert message["redelivered"] is False
    properties = message["basicProperties"]
    assert properties["headers"] == {"service": {"bytes": list(b"shop-api")}, "attempt": 0}
    assert properties["messageId"] == "m-0"
    assert properties["timestamp"] == "May 1, 2024, 10:00:00 AM"
    assert properties["deliveryMode"] == 2
    assert properties["bodySize"] == len(b'{"n": 0}')
    assert _ready_count(rabbitmq, scratch_queue) == 0


def test_a_raising_handler_gets_the_batch_again_marked_redelivered(
    rabbitmq: local.LocalRabbitMQSettings, scratch_queue: str
) -> None:
    _publish(rabbitmq, scratch_queue, [b"a", b"b"])
    seen: list[tuple[list[bytes], list[bool], int]] = []

    def flaky(event: dict[str, Any]) -> None:
        messages = event["rmqMessagesByQueue"][f"{scratch_queue}::/"]
        # While the handler runs, the batch is delivered but unacknowledged: nothing is ready in the queue.
        seen.append(
            (
                [base64.b64decode(m["data"]) for m in messages],
                [m["redelivered"] for m in messages],
                _ready_count(rabbitmq, scratch_queue),
            )
        )
        if len(seen) == 1:
            raise ConnectionError("OpenSearch unavailable")

    connection = local.connect(rabbitmq)
    settings = PollerSettings(scratch_queue, batch_size=10, batch_window_s=0.2, retry_delay_s=0.1)
    poller = MQPoller(connection.channel(), settings, flaky)

    stats = poller.run(max_messages=2, idle_timeout_s=5)
    connection.close()

    assert seen == [([b"a", b"b"], [False, False], 0), ([b"a", b"b"], [True, True], 0)]
    assert stats.failed_batches == 1 and stats.requeued_messages == 2
    assert [outcome.acknowledged for outcome in stats.outcomes] == [False, True]
    assert isinstance(stats.outcomes[0].error, ConnectionError)
    assert _ready_count(rabbitmq, scratch_queue) == 0


def test_a_lost_consumer_leaves_its_unacknowledged_batch_in_the_queue(
    rabbitmq: local.LocalRabbitMQSettings, scratch_queue: str
) -> None:
    # GIVEN a handler that never returns normally (the process dies mid-batch)
    _publish(rabbitmq, scratch_queue, [b"x", b"y", b"z"])
    connection = local.connect(rabbitmq)

    def crash(event: dict[str, Any]) -> None:
        connection.close()  # the consumer vanishes before any acknowledgement
        raise SystemExit

    poller = MQPoller(connection.channel(), PollerSettings(scratch_queue, batch_size=3, batch_window_s=0.2), crash)
    with pytest.raises(SystemExit):
        poller.poll_once(wait_s=5)

    assert _ready_count(rabbitmq, scratch_queue) == 3
