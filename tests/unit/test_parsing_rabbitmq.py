"""RabbitMQ broker log lines: layouts of 3.8 to 4.x, the JSON formatter, the log exchange, classification.

``data/rabbitmq-3.10.8-broker.log`` was written by a real RabbitMQ 3.10.8 broker (Debian's package) while
clients logged in with a wrong password, declared a missing queue, dropped their TCP connection, missed
heartbeats, and while the memory watermark was lowered and restored; only paths, port and node name were
changed. The 4.x lines follow the format strings in ``rabbit_reader.erl``/``rabbit_alarm.erl`` of 4.x.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logwarden import schema
from logwarden.parsing import broker_log
from logwarden.parsing.broker_log import iter_broker_records, parse_broker_line, parse_log_exchange_message

REAL_LOG = Path(__file__).parent / "data" / "rabbitmq-3.10.8-broker.log"


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def _real_records() -> list[dict[str, object]]:
    with REAL_LOG.open(encoding="utf-8") as lines:
        records = [parse_broker_line(record) for record in iter_broker_records(lines)]
    assert all(record is not None for record in records)
    return [record for record in records if record is not None]


# --- layouts -------------------------------------------------------------------------------------------


def test_rabbitmq_4_line_with_microseconds_and_offset() -> None:
    line = (
        "2024-05-01 10:00:00.123456+02:00 [info] <0.1234.0> accepting AMQP connection 10.0.3.17:52114 -> 10.0.1.5:5671"
    )

    fields = parse_broker_line(line)

    assert fields is not None
    assert fields[schema.TIMESTAMP] == _ms("2024-05-01T08:00:00.123+00:00")
    assert fields[schema.LEVEL] == "INFO"
    assert fields[schema.THREAD] == "<0.1234.0>"
    assert fields[schema.FORMAT] == "rabbitmq"
    assert fields[schema.MESSAGE] == "accepting AMQP connection 10.0.3.17:52114 -> 10.0.1.5:5671"
    assert fields[schema.EVENT_KIND] == broker_log.CONNECTION_ACCEPTED


def test_rabbitmq_38_lager_line_without_offset_is_utc() -> None:
    fields = parse_broker_line(
        "2024-05-01 10:00:00.123 [warning] <0.987.0> closing AMQP connection <0.987.0> "
        "(10.0.3.17:52114 -> 10.0.1.5:5671, vhost: 'orders', user: 'shop-api'):\n"
        "client unexpectedly closed TCP connection"
    )

    assert fields is not None
    assert fields[schema.TIMESTAMP] == _ms("2024-05-01T10:00:00.123+00:00")
    assert fields[schema.LEVEL] == "WARN"
    assert fields[schema.MESSAGE].endswith(":\nclient unexpectedly closed TCP connection")
    assert fields[schema.EVENT_KIND] == broker_log.CONNECTION_ERROR
    assert fields[schema.LABELS] == {
        "connection": "10.0.3.17:52114 -> 10.0.1.5:5671",
        "connection_pid": "<0.987.0>",
        "user": "shop-api",
        "vhost": "orders",
    }


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("debug", "DEBUG"),
        ("notice", "INFO"),
        ("warning", "WARN"),
        ("error", "ERROR"),
        ("critical", "FATAL"),
        ("emergency", "FATAL"),
        ("WRN", "WARN"),
        ("erro", "ERROR"),
        ("ERROR", "ERROR"),
    ],
)
def test_every_level_format_maps_to_a_canonical_level(raw: str, canonical: str) -> None:
    fields = parse_broker_line(f"2024-05-01 10:00:00.000001+00:00 [{raw}] <0.1.0> text")

    assert fields is not None
    assert fields[schema.LEVEL] == canonical


def test_repeated_prefix_continuation_lines_join_one_record() -> None:
    record = (
        "2024-05-01 10:00:00.5+00:00 [warning] <0.289.0> disk resource limit alarm set on node rabbit@b-1.\n"
        "2024-05-01 10:00:00.5+00:00 [warning] <0.289.0> \n"
        "2024-05-01 10:00:00.5+00:00 [warning] <0.289.0> *** Publishers will be blocked until this alarm clears ***"
    )

    fields = parse_broker_line(record)

    assert fields is not None
    assert fields[schema.MESSAGE] == (
        "disk resource limit alarm set on node rabbit@b-1.\n\n"
        "*** Publishers will be blocked until this alarm clears ***"
    )
    assert fields[schema.EVENT_KIND] == broker_log.RESOURCE_ALARM
    assert fields[schema.LABELS] == {"resource": "disk", "node": "rabbit@b-1"}


def test_grouping_real_log_keeps_multi_line_reports_together() -> None:
    with REAL_LOG.open(encoding="utf-8") as lines:
        raw_lines = lines.read().splitlines()
    with REAL_LOG.open(encoding="utf-8") as lines:
        records = list(iter_broker_records(lines))

    assert sum(record.count("\n") + 1 for record in records) == len(raw_lines)  # no line lost
    banner = next(record for record in records if "Starting RabbitMQ 3.10.8" in record)
    assert "Licensed under the MPL 2.0" in banner
    alarm = next(record for record in records if "alarm set" in record)
    assert alarm.count("\n") == 5
    assert len(records) == 31


def test_grouping_3_8_continuation_lines_without_prefix() -> None:
    lines = [
        "2024-05-01 10:00:00.100 [info] <0.1.0> accepting AMQP connection <0.1.0> (a:1 -> b:2)",
        "2024-05-01 10:00:00.200 [error] <0.1.0> closing AMQP connection <0.1.0> (a:1 -> b:2):",
        "missed heartbeats from client, timeout: 60s",
        "2024-05-01 10:00:00.300 [info] <0.2.0> next",
    ]

    records = list(iter_broker_records(lines))

    assert records == [lines[0], "\n".join(lines[1:3]), lines[3]]


def test_json_formatter_record() -> None:
    line = orjson.dumps(
        {
            "time": "2024-05-01 10:00:00.123456+00:00",
            "level": "error",
            "msg": "Error on AMQP connection <0.5.0> (10.0.0.9:4000 -> 10.0.0.1:5671, state: starting):\n"
            "PLAIN login refused: user 'crm' - invalid credentials",
            "pid": "<0.5.0>",
            "domain": "broker_log.connection",
        }
    ).decode()

    fields = parse_broker_line(line)

    assert fields is not None
    assert fields[schema.LEVEL] == "ERROR"
    assert fields[schema.THREAD] == "<0.5.0>"
    assert fields[schema.TIMESTAMP] == _ms("2024-05-01T10:00:00.123+00:00")
    assert fields[schema.EVENT_KIND] == broker_log.AUTH_FAILURE
    assert fields[schema.LABELS]["user"] == "crm"


@pytest.mark.parametrize("time_value", [1714557600, 1714557600123456, "1714557600.000000"])
def test_json_formatter_epoch_times(time_value: object) -> None:
    fields = parse_broker_line(orjson.dumps({"time": time_value, "level": "info", "msg": "x"}).decode())

    assert fields is not None
    assert fields[schema.TIMESTAMP] // 1000 == 1714557600


@pytest.mark.parametrize(
    "line",
    [
        "",
        "   ",
        "hello world",
        "2024-05-01 10:00:00.123 INFO [main] c.e.Orders - logback, not the broker",
        "2024-05-01 10:00:00.123 [INFO] c.e.Orders - log4j pattern with a bracketed level",
        "2024-05-01 10:00:00.123 [info] no erlang pid",
        "2024-05-01T10:00:00.123+03:00  INFO 4242 --- [main] c.e.Orders : spring boot",
        "2024-05-01 10:00:00.123 +03:00 [INF] serilog text",
        "2024-05-01 10:00:00.123 [chatty] <0.1.0> unknown level",
        "2024-13-45 10:00:00.123 [info] <0.1.0> impossible date",
        '{"@t":"2024-05-01T10:00:00Z","@m":"serilog compact","@l":"Warning"}',
        '{"@timestamp":"2024-05-01T10:00:00Z","level":"INFO","message":"logback json"}',
        '{"time":"2024-05-01 10:00:00","level":"info"}',
        "[1, 2, 3]",
    ],
)
def test_not_a_broker_line(line: str) -> None:
    assert parse_broker_line(line) is None


# --- classification --------------------------------------------------------------------------------


def test_real_3_10_log_classification() -> None:
    kinds = [record.get(schema.EVENT_KIND) for record in _real_records()]

    assert kinds.count(broker_log.CONNECTION_ACCEPTED) == 5
    assert kinds.count(broker_log.AUTH_FAILURE) == 1
    assert kinds.count(broker_log.CONNECTION_CLOSED) == 2
    assert kinds.count(broker_log.CONNECTION_ERROR) == 2
    assert kinds.count(broker_log.QUEUE_ERROR) == 1
    assert kinds.count(broker_log.RESOURCE_ALARM) == 1
    assert kinds.count(broker_log.RESOURCE_ALARM_CLEARED) == 2
    assert kinds.count(broker_log.HEARTBEAT_TIMEOUT) == 1


def test_real_auth_failure_labels() -> None:
    failure = next(r for r in _real_records() if r.get(schema.EVENT_KIND) == broker_log.AUTH_FAILURE)

    assert failure[schema.LEVEL] == "ERROR"
    assert failure[schema.MESSAGE] == (
        "Error on AMQP connection <0.684.0> (127.0.0.1:34180 -> 127.0.0.1:5672, state: starting):\n"
        "PLAIN login refused: user 'guest' - invalid credentials"
    )
    assert failure[schema.LABELS] == {
        "connection": "127.0.0.1:34180 -> 127.0.0.1:5672",
        "connection_pid": "<0.684.0>",
        "user": "guest",
    }


def test_real_heartbeat_timeout_keeps_client_provided_name() -> None:
    timeout = next(r for r in _real_records() if r.get(schema.EVENT_KIND) == broker_log.HEARTBEAT_TIMEOUT)

    assert timeout[schema.LEVEL] == "ERROR"
    labels = timeout[schema.LABELS]
    assert isinstance(labels, dict)
    assert labels["connection"] == "127.0.0.1:43368 -> 127.0.0.1:5672 - orders-api"
    assert labels["heartbeat_timeout_s"] == "1"


PREFIX_4X = "2025-02-03 04:05:06.789012+00:00"


@pytest.mark.parametrize(
    ("level", "text", "kind", "labels"),
    [
        (
            "info",
            "closing AMQP connection (10.0.3.17:52114 -> 10.0.1.5:5671, vhost: '/', user: 'shop', duration: '2M, 3s')",
            broker_log.CONNECTION_CLOSED,
            {"connection": "10.0.3.17:52114 -> 10.0.1.5:5671", "vhost": "/", "user": "shop"},
        ),
        (
            "warning",
            "closing AMQP connection <0.9.0> (10.0.3.17:52114 -> 10.0.1.5:5671, vhost: '/', user: 'shop', "
            "duration: '14s'):\nclient unexpectedly closed TCP connection",
            broker_log.CONNECTION_ERROR,
            {
                "connection": "10.0.3.17:52114 -> 10.0.1.5:5671",
                "connection_pid": "<0.9.0>",
                "vhost": "/",
                "user": "shop",
            },
        ),
        (
            "error",
            "closing AMQP connection <0.9.0> (10.0.3.17:52114 -> 10.0.1.5:5671, duration: '61s'):\n"
            "missed heartbeats from client, timeout: 60s",
            broker_log.HEARTBEAT_TIMEOUT,
            {
                "connection": "10.0.3.17:52114 -> 10.0.1.5:5671",
                "connection_pid": "<0.9.0>",
                "heartbeat_timeout_s": "60",
            },
        ),
        (
            "warning",
            "Closing AMQP connection <0.9.0> (10.0.3.17:52114 -> 10.0.1.5:5671, vhost: '/', user: 'shop'): "
            "Closed via management plugin",
            broker_log.CONNECTION_ERROR,
            {
                "connection": "10.0.3.17:52114 -> 10.0.1.5:5671",
                "connection_pid": "<0.9.0>",
                "vhost": "/",
                "user": "shop",
            },
        ),
        (
            "error",
            "Error on AMQP connection <0.9.0> (10.0.3.17:52114 -> 10.0.1.5:5671, user: 'mes', state: opening):\n"
            "access to vhost 'plant' refused for user 'mes'",
            broker_log.AUTH_FAILURE,
            {
                "connection": "10.0.3.17:52114 -> 10.0.1.5:5671",
                "connection_pid": "<0.9.0>",
                "user": "mes",
                "vhost": "plant",
            },
        ),
        (
            "error",
            "Error on AMQP connection <0.9.0> (10.0.3.17:52114 -> 10.0.1.5:5671, vhost: '/', user: 'shop', "
            "state: running), channel 0:\n operation connection.open caused a connection exception "
            'not_allowed: "connection refused: node connection limit (100) is reached"',
            broker_log.CONNECTION_ERROR,
            {
                "connection": "10.0.3.17:52114 -> 10.0.1.5:5671",
                "connection_pid": "<0.9.0>",
                "vhost": "/",
                "user": "shop",
            },
        ),
        (
            "error",
            "Channel error on connection <0.9.0> (10.0.3.17:52114 -> 10.0.1.5:5671, vhost: '/', user: 'shop'), "
            "channel 3:\noperation basic.publish caused a channel exception not_found: "
            "no exchange 'orders' in vhost '/'",
            broker_log.CHANNEL_ERROR,
            {
                "connection": "10.0.3.17:52114 -> 10.0.1.5:5671",
                "connection_pid": "<0.9.0>",
                "vhost": "/",
                "user": "shop",
                "channel": "3",
                "amqp_method": "basic.publish",
                "amqp_error": "not_found",
            },
        ),
        (
            "error",
            "Restarting crashed queue 'orders.created' in vhost '/'.",
            broker_log.QUEUE_ERROR,
            {"queue": "orders.created", "vhost": "/"},
        ),
        (
            "warning",
            "memory resource limit alarm set on node 'rabbit@ip-10-0-1-5.eu-central-1.compute.internal'.",
            broker_log.RESOURCE_ALARM,
            {"resource": "memory", "node": "rabbit@ip-10-0-1-5.eu-central-1.compute.internal"},
        ),
        (
            "warning",
            "disk resource limit alarm cleared on node rabbit@b-2",
            broker_log.RESOURCE_ALARM_CLEARED,
            {"resource": "disk", "node": "rabbit@b-2"},
        ),
        ("info", "rabbit on node 'rabbit@b-2' down", broker_log.NODE_DOWN, {"node": "rabbit@b-2"}),
        ("info", "node rabbit@b-2 down: connection_closed", broker_log.NODE_DOWN, {"node": "rabbit@b-2"}),
        ("info", "rabbit on node rabbit@b-3 up", broker_log.NODE_UP, {"node": "rabbit@b-3"}),
        ("info", "Server startup complete; 3 plugins started.", None, None),
        ("info", "Free disk space monitor was manually enabled", None, None),
    ],
)
def test_classification_of_4x_lines(level: str, text: str, kind: str | None, labels: dict[str, str] | None) -> None:
    lines = text.split("\n")
    record = "\n".join(f"{PREFIX_4X} [{level}] <0.9.0> {line}" for line in lines)

    fields = parse_broker_line(record)

    assert fields is not None
    assert fields.get(schema.EVENT_KIND) == kind
    assert fields.get(schema.LABELS) == labels
    assert fields[schema.MESSAGE] == text.strip()


# --- the log exchange --------------------------------------------------------------------------------


def test_log_exchange_message_with_text_body() -> None:
    body = (
        "2026-11-25 15:48:15.181458+00:00 [warning] <0.289.0> "
        "memory resource limit alarm set on node rabbit@localhost.\n"
        "2026-11-25 15:48:15.181458+00:00 [warning] <0.289.0> \n"
    )

    fields = parse_log_exchange_message("warning", body, timestamp_s=1795621695, node="rabbit@localhost")

    assert fields[schema.EVENT_KIND] == broker_log.RESOURCE_ALARM
    assert fields[schema.MESSAGE] == "memory resource limit alarm set on node rabbit@localhost."
    assert fields[schema.TIMESTAMP] == _ms("2026-11-25T15:48:15.181+00:00")
    assert fields[schema.LABELS] == {"resource": "memory", "node": "rabbit@localhost"}


def test_log_exchange_message_with_custom_body_uses_routing_key_and_timestamp() -> None:
    fields = parse_log_exchange_message("error", "queue 'x' crashed\n", timestamp_s=1714557600, node="rabbit@b-1")

    assert fields[schema.LEVEL] == "ERROR"
    assert fields[schema.MESSAGE] == "queue 'x' crashed"
    assert fields[schema.TIMESTAMP] == 1714557600000
    assert fields[schema.FORMAT] == "rabbitmq"
    assert fields[schema.LABELS] == {"queue": "x", "node": "rabbit@b-1"}


def test_timestamp_variants() -> None:
    expected = _ms("2024-05-01T10:00:00.123+00:00")

    assert broker_log.timestamp_to_ms("2024-05-01 10:00:00.123456+00:00") == expected
    assert broker_log.timestamp_to_ms("2024-05-01T10:00:00,123Z") == expected
    assert broker_log.timestamp_to_ms("2024-05-01 13:00:00.123456789+0300") == expected
    assert broker_log.timestamp_to_ms("2024-05-01 10:00:00.123") == expected
    assert broker_log.timestamp_to_ms("yesterday") is None


# --- properties -------------------------------------------------------------------------------------


@settings(max_examples=300)
@given(st.text())
def test_any_text_never_raises(text: str) -> None:
    fields = parse_broker_line(text)

    assert fields is None or fields[schema.FORMAT] == "rabbitmq"


@settings(max_examples=200)
@given(st.binary())
def test_any_bytes_from_the_exchange_are_kept(body: bytes) -> None:
    text = body.decode("utf-8", errors="replace")

    fields = parse_log_exchange_message("info", text, timestamp_s=1714557600)

    assert fields[schema.LEVEL] in ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
    assert isinstance(fields[schema.MESSAGE], str)


_message_text = st.text(alphabet=string.printable.replace("\r", "").replace("\x0b", "").replace("\x0c", ""))


@settings(max_examples=200)
@given(
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)),
    level=st.sampled_from(["debug", "info", "notice", "warning", "error", "critical"]),
    pid=st.tuples(st.integers(0, 99), st.integers(0, 99999), st.integers(0, 9)),
    # The broker trims trailing whitespace from every line it writes.
    message_lines=st.lists(_message_text.filter(lambda s: "\n" not in s).map(str.rstrip), min_size=1, max_size=4),
)
def test_formatted_records_round_trip(
    moment: datetime, level: str, pid: tuple[int, int, int], message_lines: list[str]
) -> None:
    prefix = f"{moment.isoformat(sep=' ', timespec='microseconds')} [{level}] <{pid[0]}.{pid[1]}.{pid[2]}>"
    record = "\n".join(f"{prefix} {line}" for line in message_lines)

    fields = parse_broker_line(record)
    grouped = list(iter_broker_records(record.split("\n")))

    assert fields is not None
    assert fields[schema.TIMESTAMP] == int(moment.timestamp() * 1000)
    assert fields[schema.THREAD] == f"<{pid[0]}.{pid[1]}.{pid[2]}>"
    assert fields[schema.MESSAGE] == "\n".join(message_lines).strip()
    assert grouped == [record]


def test_the_longest_header_still_parses() -> None:
    # A nine-digit fraction, an offset and a nine-letter level put the pid's "] <" as far in as a header allows.
    line = "2024-05-01T10:00:00.123456789+03:00 [emergency] <0.1.0> node rabbit@a down"
    fields = parse_broker_line(line)
    assert fields is not None
    assert fields[schema.LEVEL] == "FATAL"
    assert fields[schema.EVENT_KIND] == broker_log.NODE_DOWN
