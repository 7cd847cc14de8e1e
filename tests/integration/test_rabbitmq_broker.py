"""The local broker as `logwarden rabbitmq up` leaves it: reused when running, loopback only, log exchange
bound to the broker-logs queue."""

from __future__ import annotations

import time

import pytest

from logwarden.parsing.broker_log import parse_log_exchange_message
from logwarden_tools.local import rabbitmq_broker as local

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def settings() -> local.LocalRabbitMQSettings:
    return local.ensure_running()


def test_up_twice_reuses_the_running_broker(settings: local.LocalRabbitMQSettings) -> None:
    first = local.up(settings)
    second = local.up(settings)

    assert not second.started
    assert first.pid == second.pid
    state = local.status(settings)
    assert state.running and state.reachable
    assert set(state.queues) == {settings.logs_queue, settings.service_queue}


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as rows:
            for row in list(rows)[1:]:
                local_address, state = row.split()[1], row.split()[3]
                address, hex_port = local_address.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


def test_amqp_and_distribution_listen_on_loopback_only(settings: local.LocalRabbitMQSettings) -> None:
    loopback = {"0100007F"}  # 127.0.0.1, little-endian hex as the kernel prints it

    assert _listening_addresses(settings.port) == loopback
    assert _listening_addresses(settings.dist_port) == loopback


def test_broker_log_lines_arrive_on_the_logs_queue(settings: local.LocalRabbitMQSettings) -> None:
    # GIVEN an empty logs queue WHEN a client connects THEN the broker's own line about it is queued
    connection = local.connect(settings)
    channel = connection.channel()
    channel.queue_purge(settings.logs_queue)
    probe = local.connect(settings, client_properties={"connection_name": "log-exchange-probe"})
    probe.close()

    found = None
    deadline = time.monotonic() + 10
    while found is None and time.monotonic() < deadline:
        method, properties, body = channel.basic_get(settings.logs_queue, auto_ack=True)
        if method is None:
            time.sleep(0.2)
            continue
        fields = parse_log_exchange_message(method.routing_key, body.decode(), timestamp_s=properties.timestamp)
        if "log-exchange-probe" in fields["message"] and fields.get("event.action") == "mq_connection_closed":
            found = fields
    connection.close()

    assert found is not None
    assert found["log.level"] == "INFO"
    assert found["labels"]["user"] == "guest"
