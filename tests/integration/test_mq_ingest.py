"""Amazon MQ ingest end to end on the real local broker and OpenSearch: broker -> poller (the aws:rmq event
the Lambda service builds) -> ingest_rmq_event -> OpenSearch, with the dead-letter store in a directory."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pika
import pytest
from opensearchpy import OpenSearch

from logwarden import schema
from logwarden.ingest.amazon_mq import ingest_rmq_event
from logwarden.ingest.pipeline import IngestPipeline, IngestReport
from logwarden.ingest.service import IngestService
from logwarden.masking.masker import default_masker
from logwarden.routing import Router
from logwarden.sink.bulk import BulkIndexer
from logwarden.sink.deadletter import LocalDeadLetterStore
from logwarden_tools.local import rabbitmq_broker as local
from logwarden_tools.local.mq_poller import MQPoller, PollerSettings, PollerStats
from tests.integration.conftest import count

pytestmark = pytest.mark.integration


@pytest.fixture
def service(os_client: OpenSearch, index_prefix: str, tmp_path: Path) -> IngestService:
    return IngestService(
        router=Router(),
        pipeline=IngestPipeline(masker=default_masker(), index_prefix=index_prefix),
        indexer=BulkIndexer(os_client),
        deadletter=LocalDeadLetterStore(tmp_path / "deadletter"),
    )


def _handler(service: IngestService, reports: list[IngestReport]) -> Callable[[dict[str, Any]], object]:
    def handle(event: dict[str, Any]) -> object:
        report = ingest_rmq_event(service, event, remaining_s=lambda: 60.0)
        reports.append(report)
        return report.summary()

    return handle


def _poll(
    settings: local.LocalRabbitMQSettings, queue: str, handler: Callable[[dict[str, Any]], object], **kwargs: Any
) -> PollerStats:
    connection = local.connect(settings)
    try:
        poller = MQPoller(connection.channel(), PollerSettings(queue, batch_window_s=0.2, retry_delay_s=0.1), handler)
        return poller.run(**kwargs)
    finally:
        if connection.is_open:
            connection.close()


def _publish(settings: local.LocalRabbitMQSettings, queue: str, bodies: list[bytes], **properties: Any) -> None:
    connection = local.connect(settings)
    channel = connection.channel()
    for body in bodies:
        channel.basic_publish("", queue, body, pika.BasicProperties(timestamp=int(time.time()), **properties))
    connection.close()


def _ready(settings: local.LocalRabbitMQSettings, queue: str) -> int:
    connection = local.connect(settings)
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.message_count or 0)
    finally:
        connection.close()


def _service_record(number: int) -> bytes:
    return orjson.dumps(
        {
            "@timestamp": f"2024-05-01T07:00:{number % 60:02d}.{number % 1000:03d}Z",
            "level": "ERROR" if number % 10 == 0 else "INFO",
            "logger_name": "com.example.shop.orders.OrderService",
            "message": f"Order created orderId=ORD-2024-{number:06d}",
            "service": "shop-api",
        }
    )


def test_n_service_messages_become_n_documents(
    rabbitmq: local.LocalRabbitMQSettings,
    scratch_queue: str,
    service: IngestService,
    os_client: OpenSearch,
    index_prefix: str,
) -> None:
    reports: list[IngestReport] = []
    _publish(rabbitmq, scratch_queue, [_service_record(n) for n in range(40)], headers={"subsystem": "shop"})

    stats = _poll(rabbitmq, scratch_queue, _handler(service, reports), max_messages=40, idle_timeout_s=10)

    assert stats.messages == 40 and stats.failed_batches == 0
    assert sum(r.indexed for r in reports) == 40
    assert count(os_client, index_prefix) == 40
    assert count(os_client, index_prefix, {"term": {schema.ORIGIN_QUEUE: scratch_queue}}) == 40
    assert count(os_client, index_prefix, {"term": {schema.LEVEL: "ERROR"}}) == 4
    assert _ready(rabbitmq, scratch_queue) == 0


def test_poison_message_is_set_aside_and_the_queue_keeps_moving(
    rabbitmq: local.LocalRabbitMQSettings,
    scratch_queue: str,
    service: IngestService,
    os_client: OpenSearch,
    index_prefix: str,
) -> None:
    reports: list[IngestReport] = []
    bodies = [_service_record(1), b"\xff\xfe not text \x80", _service_record(2), _service_record(3)]
    _publish(rabbitmq, scratch_queue, bodies, headers={"subsystem": "shop"})

    stats = _poll(rabbitmq, scratch_queue, _handler(service, reports), max_messages=4, idle_timeout_s=10)

    assert stats.failed_batches == 0
    assert sum(r.indexed for r in reports) == 3 and sum(r.rejected for r in reports) == 1
    assert count(os_client, index_prefix) == 3
    [location] = [loc for r in reports for loc in r.deadletter_locations]
    [entry] = service.deadletter.read(location)
    assert entry.reason == "undecodable_message"
    assert _ready(rabbitmq, scratch_queue) == 0


def test_redelivered_batch_does_not_duplicate(
    rabbitmq: local.LocalRabbitMQSettings,
    scratch_queue: str,
    service: IngestService,
    os_client: OpenSearch,
    index_prefix: str,
) -> None:
    # GIVEN a handler that indexes the batch and then fails (the function timed out after the bulk request)
    reports: list[IngestReport] = []
    inner = _handler(service, reports)
    calls: list[bool] = []

    def index_then_fail(event: dict[str, Any]) -> object:
        messages = next(iter(event["rmqMessagesByQueue"].values()))
        calls.append(all(m["redelivered"] for m in messages))
        result = inner(event)
        if len(calls) == 1:
            raise TimeoutError("invocation timed out after indexing")
        return result

    _publish(rabbitmq, scratch_queue, [_service_record(n) for n in range(10)])  # no messageId: hashed ids

    stats = _poll(rabbitmq, scratch_queue, index_then_fail, max_messages=10, idle_timeout_s=10)

    assert calls == [False, True]  # the same batch came back, marked redelivered
    assert stats.failed_batches == 1
    assert (reports[0].indexed, reports[1].indexed, reports[1].duplicates) == (10, 0, 10)
    assert count(os_client, index_prefix) == 10


def test_real_broker_lines_are_classified(
    rabbitmq: local.LocalRabbitMQSettings, service: IngestService, os_client: OpenSearch, index_prefix: str
) -> None:
    admin = local.connect(rabbitmq)
    admin.channel().queue_purge(rabbitmq.logs_queue)
    admin.close()

    # WHEN clients misbehave against the real broker
    wrong = local.connection_parameters(rabbitmq, credentials=pika.PlainCredentials("guest", "wrong-password"))
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        pika.BlockingConnection(wrong)
    abrupt = local.connect(rabbitmq, client_properties={"connection_name": "abrupt-client"})
    abrupt_socket = socket.fromfd(abrupt._impl._transport._sock.fileno(), socket.AF_INET, socket.SOCK_STREAM)
    abrupt_socket.shutdown(socket.SHUT_RDWR)  # the TCP connection drops without an AMQP close
    abrupt_socket.close()
    sleepy = local.connect(rabbitmq, heartbeat=1, client_properties={"connection_name": "sleepy-client"})
    time.sleep(4)  # no I/O: the broker misses two heartbeats and closes it
    with pytest.raises(pika.exceptions.AMQPError):
        sleepy.process_data_events(0)
    channel_user = local.connect(rabbitmq)
    with pytest.raises(pika.exceptions.ChannelClosedByBroker):
        channel_user.channel().queue_declare("no-such-queue-for-logwarden", passive=True)
    channel_user.close()
    alarm = local.rabbitmqctl(rabbitmq, "set_vm_memory_high_watermark", "0.000001")
    cleared = local.rabbitmqctl(rabbitmq, "set_vm_memory_high_watermark", "0.4")
    assert alarm.returncode == 0 and cleared.returncode == 0

    # THEN their broker lines come through the log exchange, the poller and ingest, classified
    reports: list[IngestReport] = []
    _poll(rabbitmq, rabbitmq.logs_queue, _handler(service, reports), idle_timeout_s=3)

    assert sum(r.indexed for r in reports) > 0 and sum(r.parked for r in reports) == 0
    os_client.indices.refresh(index=f"{index_prefix}-*")
    kinds = {
        bucket["key"]
        for bucket in os_client.search(
            index=f"{index_prefix}-mq-*",
            body={"size": 0, "aggs": {"kinds": {"terms": {"field": schema.EVENT_KIND, "size": 50}}}},
        )["aggregations"]["kinds"]["buckets"]
    }
    assert {
        "mq_auth_failure",
        "mq_connection_accepted",
        "mq_connection_closed",
        "mq_connection_error",
        "mq_heartbeat_timeout",
        "mq_queue_error",
        "mq_resource_alarm",
        "mq_resource_alarm_cleared",
    } <= kinds
    auth = os_client.search(
        index=f"{index_prefix}-mq-error",
        body={"query": {"term": {schema.EVENT_KIND: "mq_auth_failure"}}},
    )["hits"]["hits"]
    assert auth and auth[0]["_source"][schema.LABELS]["user"] == "guest"
    assert auth[0]["_source"][schema.SERVICE] == "rabbitmq"
