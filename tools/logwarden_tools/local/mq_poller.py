"""A local stand-in for Lambda's Amazon MQ event source mapping: consume a queue, hand a handler the exact
``aws:rmq`` event the service builds, acknowledge only after the handler returns.

What the real mapping does, and so what this does:
- a batch is up to ``batch_size`` messages, collected for at most ``batch_window_s`` after the first one
  arrives, and never more than the 6 MB invocation payload;
- the event is ``{"eventSource": "aws:rmq", "eventSourceArn": ..., "rmqMessagesByQueue": {"<queue>::<vhost>":
  [...]}}`` with base64 ``data``; ``basicProperties`` spell string headers as ``{"bytes": [...]}``, the
  ``timestamp`` as ``"Jan 1, 1970, 12:33:41 AM"`` (UTC) and ``bodySize`` as the body's length;
- the whole batch is acknowledged when the handler returns and requeued (``redelivered: true`` next time) when
  it raises: there is no partial-batch response for this event source.

The event builders are pure and tested without a broker; ``MQPoller`` is the part that talks AMQP.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import pika
    from pika.adapters.blocking_connection import BlockingChannel

log = logging.getLogger(__name__)

EVENT_SOURCE: Final = "aws:rmq"
LOCAL_BROKER_ARN: Final = "arn:aws:mq:local:000000000000:broker:logwarden-local:b-00000000-0000-0000-0000-000000000000"
MAX_PAYLOAD_BYTES: Final = 6 * 1024 * 1024  # synchronous invocation payload limit
_EVENT_OVERHEAD_BYTES: Final = 1024  # per message: properties and JSON punctuation around ``data``

Handler = Callable[[dict[str, Any]], object]


@dataclass(frozen=True)
class Delivery:
    """One message as the broker delivered it, in plain data."""

    body: bytes
    properties: Mapping[str, Any]
    redelivered: bool = False
    delivery_tag: int = 0


# --------------------------------------------------------------------------------------------------------------
# Pure: the event the Lambda service builds


def format_timestamp(seconds: int | None) -> str | None:
    """AMQP ``timestamp`` (epoch seconds) as the Lambda service writes it: ``Jan 1, 1970, 12:33:41 AM``."""
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    hour = moment.hour % 12 or 12
    return f"{moment:%b} {moment.day}, {moment.year}, {hour}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"


def header_value(value: Any) -> Any:
    """AMQP field-table values as JSON: strings and byte strings become ``{"bytes": [...]}``."""
    if isinstance(value, bytes | bytearray):
        return {"bytes": list(value)}
    if isinstance(value, str):
        return {"bytes": list(value.encode("utf-8"))}
    if isinstance(value, Mapping):
        return {str(key): header_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [header_value(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value


def rmq_message(delivery: Delivery) -> dict[str, Any]:
    """One element of ``rmqMessagesByQueue[...]``."""
    props = delivery.properties
    headers = props.get("headers")
    timestamp = props.get("timestamp")
    expiration = props.get("expiration")
    return {
        "basicProperties": {
            "contentType": props.get("content_type"),
            "contentEncoding": props.get("content_encoding"),
            "headers": header_value(headers) if headers else None,
            "deliveryMode": props.get("delivery_mode"),
            "priority": props.get("priority"),
            "correlationId": props.get("correlation_id"),
            "replyTo": props.get("reply_to"),
            "expiration": str(expiration) if expiration is not None else None,
            "messageId": props.get("message_id"),
            "timestamp": format_timestamp(timestamp if isinstance(timestamp, int) else None),
            "type": props.get("type"),
            "userId": props.get("user_id"),
            "appId": props.get("app_id"),
            "clusterId": props.get("cluster_id"),
            "bodySize": len(delivery.body),
        },
        "redelivered": delivery.redelivered,
        "data": base64.b64encode(delivery.body).decode("ascii"),
    }


def build_event(
    queue: str, vhost: str, deliveries: Sequence[Delivery], broker_arn: str = LOCAL_BROKER_ARN
) -> dict[str, Any]:
    """The ``aws:rmq`` event for one batch from one queue."""
    return {
        "eventSource": EVENT_SOURCE,
        "eventSourceArn": broker_arn,
        "rmqMessagesByQueue": {f"{queue}::{vhost}": [rmq_message(delivery) for delivery in deliveries]},
    }


def properties_to_dict(properties: pika.BasicProperties) -> dict[str, Any]:
    names = (
        "content_type",
        "content_encoding",
        "headers",
        "delivery_mode",
        "priority",
        "correlation_id",
        "reply_to",
        "expiration",
        "message_id",
        "timestamp",
        "type",
        "user_id",
        "app_id",
        "cluster_id",
    )
    return {name: getattr(properties, name, None) for name in names}


def message_cost(body: bytes) -> int:
    """Bytes one message adds to the invocation payload (base64 body plus properties)."""
    return (len(body) + 2) // 3 * 4 + _EVENT_OVERHEAD_BYTES


# --------------------------------------------------------------------------------------------------------------
# The consumer


@dataclass(frozen=True)
class PollerSettings:
    queue: str
    vhost: str = "/"
    batch_size: int = 100  # the event source mapping's default
    batch_window_s: float = 0.5  # MaximumBatchingWindowInSeconds; the mapping's default for Amazon MQ
    broker_arn: str = LOCAL_BROKER_ARN
    retry_delay_s: float = 1.0  # pause before a failed batch comes round again
    max_payload_bytes: int = MAX_PAYLOAD_BYTES

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= 10_000:
            raise ValueError(f"batch_size must be in [1, 10000], got {self.batch_size}")
        if not 0 <= self.batch_window_s <= 300:
            raise ValueError(f"batch_window_s must be in [0, 300], got {self.batch_window_s}")


@dataclass
class BatchOutcome:
    messages: int
    acknowledged: bool
    error: BaseException | None = None


@dataclass
class PollerStats:
    batches: int = 0
    messages: int = 0
    failed_batches: int = 0
    requeued_messages: int = 0
    outcomes: list[BatchOutcome] = field(default_factory=list)


class MQPoller:
    """Consume ``settings.queue`` over one AMQP channel and invoke ``handler`` once per batch.

    ``channel`` is a pika ``BlockingChannel``; prefetch is set to the batch size, so at most one batch is
    unacknowledged at a time, as with the real mapping.
    """

    def __init__(self, channel: BlockingChannel, settings: PollerSettings, handler: Handler) -> None:
        self.channel = channel
        self.settings = settings
        self.handler = handler
        self.stats = PollerStats()
        self._buffer: list[Delivery] = []
        self._buffer_bytes = 0
        self._consumer_tag: str | None = None

    def _on_message(
        self, _channel: BlockingChannel, method: Any, properties: pika.BasicProperties, body: bytes
    ) -> None:
        self._buffer.append(
            Delivery(body, properties_to_dict(properties), bool(method.redelivered), int(method.delivery_tag))
        )
        self._buffer_bytes += message_cost(body)

    def _start(self) -> None:
        if self._consumer_tag is None:
            self.channel.basic_qos(prefetch_count=self.settings.batch_size)
            self._consumer_tag = self.channel.basic_consume(self.settings.queue, self._on_message)

    def stop(self) -> None:
        """Cancel the consumer; unacknowledged messages go back to the queue."""
        if self._consumer_tag is not None and self.channel.is_open:
            self.channel.basic_cancel(self._consumer_tag)
        self._consumer_tag = None
        self._buffer.clear()
        self._buffer_bytes = 0

    def _pump(self, seconds: float) -> None:
        # pika takes fractional seconds; its type stubs say int.
        self.channel.connection.process_data_events(time_limit=max(0.0, seconds))  # type: ignore[arg-type]

    def next_batch(self, wait_s: float) -> list[Delivery]:
        """Wait up to ``wait_s`` for a first message, then up to the batch window for the batch to fill."""
        self._start()
        deadline = time.monotonic() + wait_s
        while not self._buffer and time.monotonic() < deadline:
            self._pump(min(0.1, deadline - time.monotonic()))
        if not self._buffer:
            return []
        window_end = time.monotonic() + self.settings.batch_window_s
        while (
            len(self._buffer) < self.settings.batch_size
            and self._buffer_bytes < self.settings.max_payload_bytes
            and time.monotonic() < window_end
        ):
            self._pump(window_end - time.monotonic())
        batch: list[Delivery] = []
        size = 0
        while self._buffer and len(batch) < self.settings.batch_size:
            cost = message_cost(self._buffer[0].body)
            if batch and size + cost > self.settings.max_payload_bytes:
                break
            batch.append(self._buffer.pop(0))
            size += cost
        self._buffer_bytes -= size
        return batch

    def poll_once(self, wait_s: float = 1.0) -> BatchOutcome | None:
        """Run one batch through the handler; None when nothing arrived within ``wait_s``.

        Acknowledges the batch after the handler returns; requeues it when the handler raises (the error is
        returned in the outcome and logged, as the mapping would retry).
        """
        batch = self.next_batch(wait_s)
        if not batch:
            return None
        event = build_event(self.settings.queue, self.settings.vhost, batch, self.settings.broker_arn)
        self.stats.batches += 1
        self.stats.messages += len(batch)
        try:
            self.handler(event)
        except Exception as error:  # any failure means: requeue the whole batch
            # The batch is the oldest unsettled deliveries, so ``multiple`` settles exactly the batch.
            self.channel.basic_nack(delivery_tag=batch[-1].delivery_tag, multiple=True, requeue=True)
            self.stats.failed_batches += 1
            self.stats.requeued_messages += len(batch)
            log.warning("handler failed on a batch of %d from %s; requeued: %r", len(batch), self.settings.queue, error)
            outcome = BatchOutcome(len(batch), acknowledged=False, error=error)
            self.stats.outcomes.append(outcome)
            if self.settings.retry_delay_s:
                self._pump(self.settings.retry_delay_s)
            return outcome
        self.channel.basic_ack(delivery_tag=batch[-1].delivery_tag, multiple=True)
        outcome = BatchOutcome(len(batch), acknowledged=True)
        self.stats.outcomes.append(outcome)
        return outcome

    def run(self, *, max_messages: int | None = None, idle_timeout_s: float | None = None) -> PollerStats:
        """Poll until ``max_messages`` have been acknowledged or the queue stayed empty for ``idle_timeout_s``."""
        acknowledged = 0
        idle_since = time.monotonic()
        try:
            while max_messages is None or acknowledged < max_messages:
                outcome = self.poll_once(wait_s=0.5)
                if outcome is None:
                    if idle_timeout_s is not None and time.monotonic() - idle_since >= idle_timeout_s:
                        break
                    continue
                idle_since = time.monotonic()
                if outcome.acknowledged:
                    acknowledged += outcome.messages
        finally:
            self.stop()
        return self.stats
