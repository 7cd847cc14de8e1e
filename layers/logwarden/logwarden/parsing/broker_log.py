"""RabbitMQ broker logs: the text lines of 3.8-4.x, the optional JSON format, and the log exchange.

Layouts (the broker's ``rabbit_logger_text_fmt`` and, before 3.9, lager):

- 3.9+ ``2024-05-01 10:00:00.123456+00:00 [info] <0.123.0> text`` -- a multi-line message repeats the
  whole ``time [level] <pid>`` prefix on every line, so a record is the run of lines sharing one prefix;
- 3.8 ``2024-05-01 10:00:00.123 [info] <0.123.0> text`` -- continuation lines carry no prefix at all;
- ``log.file.formatter = json``: ``{"time": ..., "level": ..., "msg": ..., "pid": ...}`` per record;
- the ``amq.rabbitmq.log`` exchange publishes each record with routing key = level and the formatted
  record (in whichever of the layouts above is configured) as body.

Amazon MQ ships the broker's lines to CloudWatch Logs (``/aws/amazonmq/broker/<id>/general``), where one
event may hold a single line or a whole record; both parse. The events that matter to operators
(connections, authentication, heartbeats, channel and queue errors, resource alarms, cluster
membership) are classified into ``event.action`` kinds the anomaly checks count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Final

import orjson

from logwarden import naming, schema
from logwarden.parsing.timestamps import MONTHS, datetime_to_ms

FORMAT_NAME: Final = "rabbitmq"

# Event kinds (``event.action``) for the broker events that matter.
CONNECTION_ACCEPTED: Final = "mq_connection_accepted"
CONNECTION_CLOSED: Final = "mq_connection_closed"
CONNECTION_ERROR: Final = "mq_connection_error"
AUTH_FAILURE: Final = "mq_auth_failure"
HEARTBEAT_TIMEOUT: Final = "mq_heartbeat_timeout"
CHANNEL_ERROR: Final = "mq_channel_error"
QUEUE_ERROR: Final = "mq_queue_error"
RESOURCE_ALARM: Final = "mq_resource_alarm"
RESOURCE_ALARM_CLEARED: Final = "mq_resource_alarm_cleared"
NODE_DOWN: Final = "mq_node_down"
NODE_UP: Final = "mq_node_up"

# Erlang logger levels in every ``log.*.level_format`` spelling (lc, uc, lc3, uc3, lc4, uc4) and lager's.
_RABBIT_LEVELS: Final[dict[str, str]] = {
    "debug": "DEBUG",
    "dbg": "DEBUG",
    "dbug": "DEBUG",
    "info": "INFO",
    "inf": "INFO",
    "notice": "INFO",
    "ntc": "INFO",
    "noti": "INFO",
    "warning": "WARN",
    "wrn": "WARN",
    "warn": "WARN",
    "error": "ERROR",
    "err": "ERROR",
    "erro": "ERROR",
    "critical": "FATAL",
    "crt": "FATAL",
    "crit": "FATAL",
    "alert": "FATAL",
    "alt": "FATAL",
    "alrt": "FATAL",
    "emergency": "FATAL",
    "emg": "FATAL",
    "emgc": "FATAL",
}

_TS: Final = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?"
# ``time [level] <pid> text``. The Erlang pid is required: without it ``2024-05-01 10:00:00 [INFO] text``
# from a log4j pattern would pass for a broker line. The formatter trims trailing whitespace, so an
# empty continuation line ends right after the pid.
_HEADER: Final = re.compile(
    r"(?P<ts>" + _TS + r") \[(?P<level>[A-Za-z]{3,9})\] (?P<pid><\d+\.\d+\.\d+>)(?: (?P<msg>.*))?"
)
_TS_PARTS: Final = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{2}:\d{2}:\d{2})(?:[.,](?P<frac>\d{1,9}))?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?"
)
_HEADER_PID_BY: Final = 64
# Before 3.7 (and in 3.7's "-sasl" log): "=ERROR REPORT==== 7-Dec-2026::10:00:00 ===" then the message's lines.
REPORT_PREFIXES: Final = (
    "=INFO REPORT====",
    "=WARNING REPORT====",
    "=ERROR REPORT====",
    "=CRASH REPORT====",
    "=SUPERVISOR REPORT====",
    "=PROGRESS REPORT====",
)
_REPORT: Final = re.compile(
    r"=(?P<kind>INFO|WARNING|ERROR|CRASH|SUPERVISOR|PROGRESS) REPORT==== (?P<day>\d{1,2})-(?P<mon>[A-Z][a-z]{2})-"
    r"(?P<year>\d{4})::(?P<time>\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?) ===[ \t]*(?P<msg>.*)",
    re.DOTALL,
)
_REPORT_LEVELS: Final = {
    "INFO": "INFO",
    "PROGRESS": "INFO",
    "WARNING": "WARN",
    "ERROR": "ERROR",
    "CRASH": "ERROR",
    "SUPERVISOR": "ERROR",
}
_ERLANG_PID: Final = re.compile(r"<\d+\.\d+\.\d+>")

# Bits worth keeping as labels. Connection names look like ``127.0.0.1:34180 -> 127.0.0.1:5672`` plus an
# optional `` - client-provided name``; the client address is masked later like every IP address.
_CONNECTION: Final = re.compile(r"[Cc]onnection (?:(?P<cpid><\d+\.\d+\.\d+>) )?\((?P<name>[^,()]*?->[^,()]*?)[,)]")
_USER: Final = re.compile(r"\buser:? '(?P<user>[^']*)'")
_VHOST: Final = re.compile(r"\bvhost:? '(?P<vhost>[^']*)'")
_QUEUE: Final = re.compile(r"\bqueue '(?P<queue>[^']*)'")
_CHANNEL: Final = re.compile(r"\bchannel (?P<channel>\d+)")
_HEARTBEAT: Final = re.compile(r"missed heartbeats from client, timeout: (?P<timeout>\d+)s")
_ALARM: Final = re.compile(
    r"\b(?P<resource>memory|disk) resource limit alarm (?P<state>set|cleared)\b(?: on node (?P<node>\S+?)\.?(?:\s|$))?"
)
_NODE_EVENT: Final = re.compile(
    r"^(?:rabbit on )?node (?P<node>\S+?) (?P<state>up|down)\b|^Node (?P<node2>\S+?) is (?P<state2>down|up)\b"
)
_CHANNEL_EXCEPTION: Final = re.compile(
    r"operation (?P<method>[a-z_]+\.[a-z_]+) caused a channel exception (?P<error>\w+)"
)
_VHOST_REFUSED: Final = re.compile(r"access to vhost '[^']*' refused for user")
_QUEUE_FAILURE: Final = re.compile(
    r"Restarting crashed queue|[Qq]ueue .* (?:crashed|terminated abnormally)|home node '[^']*' of durable queue"
    r"|[Qq]uorum queue .* (?:failed|is not available)|queue '[^']*' in vhost '[^']*' (?:crashed|is down|failed)"
)


# (pattern, its group, a substring every match of it holds)
_LABEL_PATTERNS: Final = ((_USER, "user", "user"), (_VHOST, "vhost", "vhost"), (_QUEUE, "queue", "queue '"))


def _level(raw: str) -> str | None:
    return _RABBIT_LEVELS.get(raw.lower()) or naming.normalise_level(raw)


def timestamp_to_ms(text: str) -> int | None:
    """Epoch ms of a broker timestamp; a timestamp without an offset (lager's default) is taken as UTC."""
    match = _TS_PARTS.fullmatch(text.strip())
    if match is None:
        return None
    frac = (match["frac"] or "0")[:6].ljust(6, "0")
    tz = match["tz"] or "+00:00"
    if tz == "Z":
        tz = "+00:00"
    elif ":" not in tz:
        tz = f"{tz[:3]}:{tz[3:]}"
    try:
        return datetime_to_ms(datetime.fromisoformat(f"{match['date']}T{match['time']}.{frac}{tz}"))
    except (ValueError, OverflowError):
        return None


def epoch_to_ms(value: float) -> int | None:
    """A JSON ``time`` given as epoch seconds or microseconds (``log.*.time_format = epoch_*``)."""
    if value != value or value <= 0:
        return None
    if value < 1e11:
        return int(value * 1000)
    if value < 1e14:
        return int(value)
    if value < 1e17:
        return int(value / 1000)
    return None


def classify(message: str, level: str | None) -> tuple[str | None, dict[str, str]]:
    """The event kind of one broker message and the labels worth keeping (connection, user, vhost, ...)."""
    labels: dict[str, str] = {}
    connection = _CONNECTION.search(message) if "onnection" in message else None
    if connection is not None:
        labels["connection"] = connection["name"].strip()
        if connection["cpid"]:
            labels["connection_pid"] = connection["cpid"]
    # Each pattern opens with \b, which keeps sre from skipping ahead to its literal: without the substring test
    # first, each search walked every position of the message (about 3 µs a broker line).
    for pattern, key, literal in _LABEL_PATTERNS:
        if literal in message:
            found = pattern.search(message)
            if found is not None:
                labels[key] = found[key]
    return _kind(message, level, labels), labels


def _kind(message: str, level: str | None, labels: dict[str, str]) -> str | None:
    head = message[:200]
    if head.startswith("accepting AMQP connection"):
        return CONNECTION_ACCEPTED
    if "missed heartbeats from client" in message:
        return _heartbeat_timeout(message, labels)
    if "login refused" in message or "invalid credentials" in message or "authentication failed" in message:
        return AUTH_FAILURE
    if _VHOST_REFUSED.search(message):
        return AUTH_FAILURE
    alarm = _ALARM.search(head) if "resource limit alarm" in head else None
    if alarm is not None:
        return _resource_alarm(alarm, labels)
    node_event = _NODE_EVENT.search(head)
    if node_event is not None:
        labels["node"] = (node_event["node"] or node_event["node2"]).strip("'")
        state = node_event["state"] or node_event["state2"]
        return NODE_UP if state == "up" else NODE_DOWN
    if head.startswith("Channel error on connection") or "caused a channel exception" in message:
        return _channel_error(message, labels)
    if "ueue" in message and _QUEUE_FAILURE.search(message):  # every alternative names a [Qq]ueue
        return QUEUE_ERROR
    lowered = head.lower()
    if lowered.startswith("closing amqp connection"):
        # A clean close logs at info with no reason; a reason after the colon (abrupt close, forced
        # close, protocol error) comes at warning or error.
        unclean = level in ("WARN", "ERROR", "FATAL") or "unexpectedly closed" in message
        return CONNECTION_ERROR if unclean else CONNECTION_CLOSED
    if head.startswith("Error on AMQP connection") or "connection refused" in lowered:
        return CONNECTION_ERROR
    return None


def _heartbeat_timeout(message: str, labels: dict[str, str]) -> str:
    heartbeat = _HEARTBEAT.search(message)
    if heartbeat is not None:
        labels["heartbeat_timeout_s"] = heartbeat["timeout"]
    return HEARTBEAT_TIMEOUT


def _resource_alarm(alarm: re.Match[str], labels: dict[str, str]) -> str:
    labels["resource"] = alarm["resource"]
    if alarm["node"]:
        labels["node"] = alarm["node"].strip("'")
    return RESOURCE_ALARM if alarm["state"] == "set" else RESOURCE_ALARM_CLEARED


def _channel_error(message: str, labels: dict[str, str]) -> str:
    """A channel closed by an exception: a queue's error when the failed method was one on a queue."""
    channel = _CHANNEL.search(message)
    if channel is not None:
        labels["channel"] = channel["channel"]
    exception = _CHANNEL_EXCEPTION.search(message)
    if exception is None:
        return CHANNEL_ERROR
    labels["amqp_method"] = exception["method"]
    labels["amqp_error"] = exception["error"]
    return QUEUE_ERROR if exception["method"].startswith("queue.") else CHANNEL_ERROR


def _fields(ms: int | None, level: str, message: str, pid: str | None) -> dict[str, Any]:
    kind, labels = classify(message, level)
    fields: dict[str, Any] = {
        schema.LEVEL: level,
        schema.MESSAGE: message,
        schema.FORMAT: FORMAT_NAME,
    }
    if ms is not None:
        fields[schema.TIMESTAMP] = ms
    if pid:
        fields[schema.THREAD] = pid
    if kind is not None:
        fields[schema.EVENT_KIND] = kind
    if labels:
        fields[schema.LABELS] = labels
    return fields


def parse_broker_line(text: str) -> dict[str, Any] | None:
    """Schema fields of one broker record (one line, or a multi-line record), or None if it is not one.

    Continuation lines -- those repeating the first line's prefix (3.9+) and those with no prefix at all
    (3.8) -- join the message; the record's time, level and pid come from its first line.
    Never raises.
    """
    if not text:
        return None
    first = text.lstrip()[:1]
    if first == "{":
        return _parse_json(text)
    if first == "=":
        return _parse_report(text.strip())
    if not first.isdigit():
        return None
    stripped = text.strip("\r\n")
    # The pid's "] <" ends by the 49th character of a header (a timestamp of at most 35, " [", a level
    # of at most 9): text lines of other layouts, most of those that get here, leave without a split or a match.
    if "] <" not in stripped[:_HEADER_PID_BY]:
        return None
    lines = stripped.splitlines()
    header = _HEADER.fullmatch(lines[0].rstrip())
    if header is None:
        return None
    level = _level(header["level"])
    ms = timestamp_to_ms(header["ts"])
    if level is None or ms is None:
        return None
    prefix = lines[0][: header.start("msg")] if header["msg"] is not None else lines[0].rstrip() + " "
    parts = [header["msg"] or ""]
    bare_prefix = prefix.rstrip()
    for line in lines[1:]:
        if line.startswith(prefix):
            parts.append(line[len(prefix) :])
        elif line.rstrip() == bare_prefix:
            parts.append("")
        else:
            parts.append(line)
    message = "\n".join(parts).strip()
    return _fields(ms, level, message, header["pid"])


def _parse_report(text: str) -> dict[str, Any] | None:
    """A pre-3.7 report block: the header's level and local time (taken as UTC, as lager's), the lines after it."""
    match = _REPORT.match(text)
    if match is None:
        return None
    month = MONTHS.get(match["mon"])
    if month is None:
        return None
    ms = timestamp_to_ms(f"{match['year']}-{month:02d}-{int(match['day']):02d} {match['time']}")
    if ms is None:
        return None
    message = "\n".join(line.rstrip() for line in match["msg"].strip().splitlines())
    return _fields(ms, _REPORT_LEVELS[match["kind"]], message, None)


def _parse_json(text: str) -> dict[str, Any] | None:
    """The broker's JSON formatter: ``time``, ``level``, ``msg``, ``pid`` (field names as by default)."""
    try:
        decoded = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(decoded, dict):
        return None
    raw_msg, raw_level, raw_time = decoded.get("msg"), decoded.get("level"), decoded.get("time")
    if not isinstance(raw_msg, str) or not isinstance(raw_level, str) or raw_time is None:
        return None
    level = _RABBIT_LEVELS.get(raw_level.lower())
    if level is None:
        return None
    ms: int | None
    if isinstance(raw_time, str):
        ms = timestamp_to_ms(raw_time)
        if ms is None:
            try:
                ms = epoch_to_ms(float(raw_time))
            except ValueError:
                return None
    elif isinstance(raw_time, (int, float)) and not isinstance(raw_time, bool):
        ms = epoch_to_ms(float(raw_time))
    else:
        return None
    if ms is None:
        return None
    pid = decoded.get("pid")
    return _fields(ms, level, raw_msg.strip(), pid if isinstance(pid, str) and _ERLANG_PID.fullmatch(pid) else None)


def looks_like_broker_record(text: str) -> bool:
    """Cheap check: does the text start with a broker line's ``time [level] <pid>`` prefix?"""
    if not text[:1].isdigit():
        return False
    header = _HEADER.match(text.split("\n", 1)[0].rstrip())
    return header is not None and _level(header["level"]) is not None


def parse_log_exchange_message(
    routing_key: str, body: str, *, timestamp_s: int | None = None, node: str | None = None
) -> dict[str, Any]:
    """A message from the ``amq.rabbitmq.log`` exchange (routing key = level, body = formatted record).

    The body is parsed as a broker record when it is one; otherwise (a custom formatter) the whole body is
    the message, the level comes from the routing key and the time from the message's ``timestamp``
    property (whole seconds). Always returns a record; never raises.
    """
    fields = parse_broker_line(body)
    if fields is None:
        level = _level(routing_key) or "INFO"
        fields = _fields(timestamp_s * 1000 if timestamp_s and timestamp_s > 0 else None, level, body.strip(), None)
    if node:
        labels = fields.setdefault(schema.LABELS, {})
        labels.setdefault("node", node)
    return fields


def iter_broker_records(lines: Iterable[str]) -> Iterator[str]:
    """Group broker log lines into records: a line continues the record before it when it repeats that
    record's ``time [level] <pid>`` prefix (3.9+) or has no prefix at all (3.8)."""
    current: list[str] = []
    current_prefix: str | None = None
    for raw in lines:
        line = raw.rstrip("\r\n")
        header = _HEADER.fullmatch(line.rstrip())
        if header is None:
            if current:
                current.append(line)
            elif line.strip():
                yield line
            continue
        prefix = f"{header['ts']} [{header['level']}] {header['pid']}"
        if current and prefix == current_prefix:
            current.append(line)
            continue
        if current:
            yield "\n".join(current)
        current, current_prefix = [line], prefix
    if current:
        yield "\n".join(current)
