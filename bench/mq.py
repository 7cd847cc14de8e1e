"""Amazon MQ ingest figures for docs/BENCHMARKS.md.

1. Handler path, one core: aws:rmq events (batches of 100 as the mapping delivers them) through
   ``ingest_rmq_event`` -- decode, parse, normalise, mask, serialise -- with an in-process bulk port that
   accepts everything, so only our CPU is measured.
2. End to end: messages published to the local broker, consumed by the local poller (the same events the
   Lambda service builds), indexed into the local OpenSearch. Needs `logwarden rabbitmq up` and
   `logwarden opensearch up`.

Usage: .venv/bin/python bench/mq.py [--messages 20000] [--e2e-messages 5000] [--batch 100] [--skip-e2e]
"""

from __future__ import annotations

import argparse
import time
import uuid
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import orjson

from logwarden.ingest.amazon_mq import ingest_rmq_event
from logwarden.ingest.pipeline import IngestPipeline
from logwarden.ingest.service import IngestService
from logwarden.masking.masker import default_masker
from logwarden.routing import Router
from logwarden.sink.bulk import BulkIndexer
from logwarden.sink.deadletter import LocalDeadLetterStore
from logwarden_tools.local.mq_poller import Delivery, build_event

BROKER_LINE = (
    "2024-05-01 10:00:{s:02d}.514786+00:00 [error] <0.684.0> Error on AMQP connection <0.684.0> "
    "(10.0.3.17:{port} -> 10.0.1.5:5671, state: starting):\n"
    "2024-05-01 10:00:{s:02d}.514786+00:00 [error] <0.684.0> "
    "PLAIN login refused: user 'shop-api' - invalid credentials\n"
)


def message(number: int) -> Delivery:
    """A realistic mix: logback JSON with PII, Serilog CLEF, a text line with a stack trace, a broker record."""
    kind = number % 4
    if kind == 0:
        body = orjson.dumps(
            {
                "@timestamp": f"2024-05-01T07:00:{number % 60:02d}.123Z",
                "level": "INFO",
                "logger_name": "com.example.shop.orders.OrderService",
                "thread_name": "http-nio-8080-exec-3",
                "message": f"Order created orderId=ORD-2024-{number:06d} customer=ivan.petrov{number}@example.com",
                "service": "shop-api",
            }
        )
        props: dict[str, Any] = {"headers": {"subsystem": "shop"}, "message_id": f"m-{number}"}
    elif kind == 1:
        body = orjson.dumps(
            {
                "@t": "2024-05-01T07:00:01.5123456Z",
                "@mt": "Customer {CustomerId} updated phone {Phone}",
                "@l": "Warning",
                "CustomerId": f"C-{number}",
                "Phone": "+7 916 123-45-67",
                "Application": "crm-api",
            }
        )
        props = {"headers": {"service": "crm-api"}}
    elif kind == 2:
        body = (
            f"2024-05-01 10:00:02.345 ERROR [dispatch-1] c.e.mes.dispatch.DispatchJob - dispatch failed for "
            f"order ORD-2024-{number:06d}\njava.lang.IllegalStateException: line 3 is not ready\n"
            "\tat com.example.mes.dispatch.DispatchJob.run(DispatchJob.java:88)\n"
            "\tat java.base/java.lang.Thread.run(Thread.java:1583)"
        ).encode()
        props = {"headers": {"x-subsystem": "mes"}}
    else:
        body = BROKER_LINE.format(s=number % 60, port=30000 + number % 30000).encode()
        props = {"headers": {"node": "rabbit@ip-10-0-1-5"}}
    props["timestamp"] = 1714546800 + number % 3600
    return Delivery(body, props)


class AcceptAll:
    """A bulk port that creates every document (no network): the handler path's own cost only."""

    def bulk(self, body: Any, index: Any = None, params: Any = None, headers: Any = None) -> Any:
        actions = body.count(b"\n") // 2 if isinstance(body, bytes) else len(body.splitlines()) // 2
        return {"errors": False, "items": [{"create": {"status": 201}}] * actions}


def handler_path(total: int, batch_size: int = 100) -> None:
    events = [
        build_event("service-logs", "/", [message(n) for n in range(start, min(total, start + batch_size))])
        for start in range(0, total, batch_size)
    ]
    with TemporaryDirectory() as tmp:
        service = IngestService(
            router=Router(),
            pipeline=IngestPipeline(masker=default_masker()),
            indexer=BulkIndexer(AcceptAll()),
            deadletter=LocalDeadLetterStore(Path(tmp)),
        )
        ingest_rmq_event(service, events[0], remaining_s=lambda: 60.0)  # warm caches and regexes
        cpu0, wall0 = time.process_time(), time.perf_counter()
        indexed = 0
        for event in events:
            indexed += ingest_rmq_event(service, event, remaining_s=lambda: 60.0).indexed
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(
        f"handler path: {indexed} messages in {wall:.2f} s wall, {cpu:.2f} s CPU "
        f"-> {indexed / cpu:,.0f} messages/s per core (batch {batch_size})"
    )


def end_to_end(total: int, batch_size: int = 100) -> None:
    import pika

    from logwarden.sink.client import OpenSearchSettings, build_client
    from logwarden_tools.local import opensearch_engine as local_os
    from logwarden_tools.local import rabbitmq_broker as local_mq
    from logwarden_tools.local.mq_poller import MQPoller, PollerSettings

    connection_info = local_os.ensure_running()
    client = build_client(
        OpenSearchSettings(
            url=connection_info.url,
            auth="basic" if connection_info.username else "none",
            username=connection_info.username,
            password=connection_info.password,
            ca_certs=connection_info.ca_certs,
        )
    )
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    mq = local_mq.ensure_running()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    publisher = local_mq.connect(mq)
    channel = publisher.channel()
    channel.queue_declare(queue)
    for number in range(total):
        delivery = message(number)
        channel.basic_publish("", queue, delivery.body, pika.BasicProperties(**delivery.properties))
    publisher.close()
    try:
        with TemporaryDirectory() as tmp:
            service = IngestService(
                router=Router(),
                pipeline=IngestPipeline(masker=default_masker(), index_prefix=prefix),
                indexer=BulkIndexer(client),
                deadletter=LocalDeadLetterStore(Path(tmp)),
            )
            consumer = local_mq.connect(mq)
            settings = PollerSettings(queue, batch_size=batch_size, batch_window_s=0.5)
            poller = MQPoller(
                consumer.channel(), settings, lambda event: ingest_rmq_event(service, event, remaining_s=lambda: 60.0)
            )
            cpu0, wall0 = time.process_time(), time.perf_counter()
            stats = poller.run(max_messages=total, idle_timeout_s=10)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            consumer.channel().queue_delete(queue)
            consumer.close()
        client.indices.refresh(index=f"{prefix}-*")
        documents = int(client.count(index=f"{prefix}-*")["count"])
        print(
            f"end to end: {stats.messages} messages -> {documents} documents in {wall:.2f} s "
            f"-> {stats.messages / wall:,.0f} messages/s (poller process CPU {cpu:.2f} s, batch {batch_size})"
        )
    finally:
        client.indices.delete_data_stream(name=f"{prefix}-*", ignore=[404])
        client.indices.delete(index=f"{prefix}-*", ignore=[404])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--e2e-messages", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=100, help="messages per event (the mapping's BatchSize)")
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    handler_path(args.messages, args.batch)
    if not args.skip_e2e:
        end_to_end(args.e2e_messages, args.batch)


if __name__ == "__main__":
    main()
