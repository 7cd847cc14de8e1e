"""Amazon MQ for RabbitMQ event source (``aws:rmq``) -> source records for the one ingest pipeline.

An event is ``{"eventSource": "aws:rmq", "eventSourceArn": <broker ARN>, "rmqMessagesByQueue":
{"<queue>::<vhost>": [{"basicProperties": {...}, "redelivered": bool, "data": base64}]}}``.

Message bodies are the services' log records (one JSON record, JSON lines, or text with its stack trace) or
the broker's own records from the ``amq.rabbitmq.log`` exchange (formatted broker lines; the broker adds a
``node`` header). Where a record belongs:

1. ``subsystem`` / ``service`` message headers (``x-`` and ``logwarden-`` prefixed spellings too), or the
   ``appId`` property as the service;
2. the queue name, when a routing rule claims it;
3. a body in the broker's own format -> ``mq`` / ``rabbitmq``;
4. a service named in a JSON body, when a routing rule claims it;
5. otherwise the default subsystem, with the queue name as the service.

Document ids are deterministic so a redelivered batch never duplicates: from ``messageId`` when the publisher
set one, else a hash of queue, vhost, the ``timestamp`` property and the body.

A message that cannot be read (bad base64, not UTF-8, bad gzip, empty) is rejected into the dead-letter
store by the pipeline with its reason; the rest of the batch is indexed. A ``contentEncoding`` body is inflated within
a cap per message and a budget per delivery (logwarden/inflate.py); past either it is rejected as ``too_large`` with
its compressed bytes kept. Only when OpenSearch itself cannot
take the documents does ingest raise, because the event source then redelivers the whole batch.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import orjson

from logwarden import naming, schema
from logwarden.inflate import DEFAULT_LIMITS, TOO_LARGE, InflateBudget, InflateLimits, TooLargeError
from logwarden.ingest.pipeline import IngestReport
from logwarden.ingest.records import RejectedInput, SourceBatch, SourceRecord, payload_text, stable_id
from logwarden.masking.decode import charset_of, decode_body
from logwarden.parsing.broker_log import iter_broker_records, looks_like_broker_record
from logwarden.parsing.timestamps import MONTHS, datetime_to_ms
from logwarden.routing import Route, Router

if TYPE_CHECKING:
    from logwarden.ingest.service import IngestService

EVENT_SOURCE_RMQ: Final = "aws:rmq"
ORIGIN_TYPE_RMQ: Final = "amazonmq"
BROKER_SERVICE: Final = "rabbitmq"

_SUBSYSTEM_HEADERS: Final = ("subsystem", "x-subsystem", "logwarden-subsystem")
_SERVICE_HEADERS: Final = ("service", "service.name", "service_name", "x-service", "logwarden-service", "app")
_BODY_SERVICE_KEYS: Final = ("service.name", "service", "serviceName", "app", "application", "Application")
# The Lambda service writes the AMQP timestamp like Java's medium date format; newer JDKs put a narrow
# no-break space before AM/PM.
_EVENT_TIMESTAMP: Final = re.compile(
    r"(?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2}), (?P<year>\d{4}),? (?P<hour>\d{1,2}):(?P<minute>\d{2}):"
    r"(?P<second>\d{2})[\s\u202f]?(?P<ampm>AM|PM)"
)
_MIN_PLAUSIBLE_MS: Final = 946_684_800_000  # 2000-01-01
_FUTURE_TOLERANCE_MS: Final = 5 * 60 * 1000
_ERLANG_NODE: Final = re.compile(r"^[\w.\-]+@[\w.\-]+$")


def event_timestamp_ms(text: Any) -> int | None:
    """``"Jan 1, 1970, 12:33:41 AM"`` (UTC) -> epoch ms; None for anything else."""
    if not isinstance(text, str):
        return None
    match = _EVENT_TIMESTAMP.fullmatch(text.strip())
    if match is None or match["month"] not in MONTHS:
        return None
    hour = int(match["hour"]) % 12 + (12 if match["ampm"] == "PM" else 0)
    try:
        moment = datetime(
            int(match["year"]),
            MONTHS[match["month"]],
            int(match["day"]),
            hour,
            int(match["minute"]),
            int(match["second"]),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    return datetime_to_ms(moment)


def header_text(value: Any) -> str | None:
    """A header value as text: ``{"bytes": [...]}`` (how the event spells AMQP strings), str or number."""
    if isinstance(value, Mapping) and isinstance(value.get("bytes"), list):
        try:
            return bytes(value["bytes"]).decode("utf-8")
        except (ValueError, TypeError):
            return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _first_header(headers: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    lowered = {str(key).lower(): value for key, value in headers.items()}
    for name in names:
        text = header_text(lowered.get(name))
        if text and text.strip():
            return text.strip()
    return None


def parse_broker_arn(arn: Any) -> dict[str, str]:
    """``arn:aws:mq:<region>:<account>:broker:<name>:<id>`` -> origin fields (broker name, region, account)."""
    if not isinstance(arn, str) or not arn:
        return {}
    parts = arn.split(":")
    if len(parts) < 8 or parts[2] != "mq" or parts[5] != "broker":
        return {schema.ORIGIN_BROKER: arn}
    fields = {schema.ORIGIN_BROKER: parts[6]}
    if parts[3]:
        fields[schema.CLOUD_REGION] = parts[3]
    if parts[4].isdigit():
        fields[schema.CLOUD_ACCOUNT] = parts[4]
    return fields


class _Routing:
    """Decides subsystem and service for one message (see the module docstring for the order)."""

    def __init__(self, router: Router) -> None:
        self.router = router

    def _claimed(self, source: str) -> Route | None:
        route = self.router.route(source)
        return route if route.subsystem != self.router.default_subsystem else None

    def route(self, queue: str, headers: Mapping[str, Any], app_id: Any, text: str, is_broker: bool) -> Route:
        subsystem = _first_header(headers, _SUBSYSTEM_HEADERS)
        service = _first_header(headers, _SERVICE_HEADERS) or (app_id.strip() if isinstance(app_id, str) else None)
        if subsystem is not None:
            subsystem = subsystem.lower()
            if subsystem not in naming.SUBSYSTEMS:
                subsystem = None
        if subsystem is not None:
            return Route(subsystem, service or self.router.route(queue).service)
        if service is not None:
            claimed = self._claimed(service)
            if claimed is not None:
                return Route(claimed.subsystem, service, claimed.layout)
        claimed = self._claimed(queue)
        if claimed is not None:
            return Route(claimed.subsystem, service or claimed.service, claimed.layout)
        if is_broker:
            return Route("mq", service or BROKER_SERVICE)
        body_service = _body_service(text)
        if body_service is not None:
            claimed = self._claimed(body_service)
            if claimed is not None:
                return Route(claimed.subsystem, service or body_service, claimed.layout)
        default = self.router.route(queue)
        return Route(default.subsystem, service or default.service, default.layout)


def _body_service(text: str) -> str | None:
    stripped = text.lstrip()
    if not stripped.startswith("{"):
        return None
    try:
        decoded = orjson.loads(stripped.split("\n", 1)[0] if "\n" in stripped.rstrip() else stripped)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(decoded, dict):
        return None
    for key in _BODY_SERVICE_KEYS:
        value = decoded.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def split_body(text: str) -> list[str]:
    """The log records in one message body: JSON lines, several broker records, or one record (a text record
    keeps its stack trace)."""
    stripped = text.strip()
    if not stripped:
        return []
    lines = stripped.splitlines()
    if len(lines) == 1:
        return [stripped]
    if all(line.lstrip().startswith("{") and line.rstrip().endswith("}") for line in lines if line.strip()):
        return [line.strip() for line in lines if line.strip()]
    if looks_like_broker_record(lines[0]):
        return list(iter_broker_records(lines))
    return [stripped]


def _body_bytes(message: Mapping[str, Any]) -> bytes:
    data = message.get("data")
    if not isinstance(data, str):
        raise ValueError("data is missing or not a string")
    return base64.b64decode(data, validate=True)


def _is_compressed(properties: Mapping[str, Any]) -> bool:
    encoding = properties.get("contentEncoding")
    return isinstance(encoding, str) and encoding.lower() in ("gzip", "deflate", "zlib")


def decode_rmq_event(
    event: Any, router: Router, now_ms: Callable[[], int] | None = None, limits: InflateLimits = DEFAULT_LIMITS
) -> SourceBatch:
    """Turn an ``aws:rmq`` event (plain dict or powertools ``RabbitMQEvent``) into source records. Never raises
    on bad input: what cannot be read is rejected with its reason."""
    clock = now_ms or (lambda: int(time.time() * 1000))
    budget = InflateBudget(limits)
    raw_event: Any = getattr(event, "raw_event", event)
    batch = SourceBatch()
    base_origin: dict[str, Any] = {schema.ORIGIN_TYPE: ORIGIN_TYPE_RMQ}
    if not isinstance(raw_event, Mapping):
        batch.rejected.append(RejectedInput("malformed_event", "not a JSON object", base_origin, repr(raw_event)))
        return batch
    base_origin.update(parse_broker_arn(raw_event.get("eventSourceArn")))
    by_queue = raw_event.get("rmqMessagesByQueue")
    if not isinstance(by_queue, Mapping):
        batch.rejected.append(
            RejectedInput("malformed_event", "rmqMessagesByQueue is not an object", base_origin, _json_text(raw_event))
        )
        return batch
    routing = _Routing(router)
    received = clock()
    for key, messages in by_queue.items():
        queue, _, vhost = str(key).partition("::")
        origin = dict(base_origin)
        origin[schema.ORIGIN_QUEUE] = queue
        origin[schema.ORIGIN_VHOST] = vhost or "/"
        if not isinstance(messages, list):
            batch.rejected.append(RejectedInput("malformed_event", f"{key}: not a list", origin, _json_text(messages)))
            continue
        for message in messages:
            _decode_message(batch, routing, queue, vhost or "/", message, origin, received, budget)
    return batch


def _decode_message(
    batch: SourceBatch,
    routing: _Routing,
    queue: str,
    vhost: str,
    message: Any,
    queue_origin: dict[str, Any],
    received_ms: int,
    budget: InflateBudget,
) -> None:
    if not isinstance(message, Mapping):
        batch.rejected.append(RejectedInput("malformed_message", "not an object", queue_origin, _json_text(message)))
        return
    properties = message.get("basicProperties")
    properties = properties if isinstance(properties, Mapping) else {}
    headers = properties.get("headers")
    headers = headers if isinstance(headers, Mapping) else {}
    message_id = properties.get("messageId")
    origin = dict(queue_origin)
    if isinstance(message_id, str) and message_id:
        origin[schema.ORIGIN_MESSAGE_ID] = message_id
    compressed = b""
    try:
        raw = _body_bytes(message)
        if _is_compressed(properties):
            compressed = raw
            raw = budget.inflate(compressed)
    except TooLargeError as error:
        batch.rejected.append(RejectedInput(TOO_LARGE, str(error), origin, None, compressed))
        return
    except (ValueError, binascii.Error, zlib.error) as error:
        data = message.get("data")
        batch.rejected.append(
            RejectedInput(
                "undecodable_message",
                f"{type(error).__name__}: {error}",
                origin,
                None,
                data.encode() if isinstance(data, str) else _json_text(message).encode(),
            )
        )
        return
    text = payload_text(raw)
    if text is None:
        # Read by the charset the message declares (cp1251 and the like), else as UTF-8 with U+FFFD, so what is
        # parked is masked text, never bytes no one has looked into.
        content_type = properties.get("contentType")
        decoded, codec, _ = decode_body(raw, charset_of(content_type if isinstance(content_type, str) else None))
        detail = f"body is not UTF-8 text ({len(raw)} bytes, read as {codec})"
        batch.rejected.append(RejectedInput("undecodable_message", detail, origin, decoded))
        return
    records = split_body(text)
    if not records:
        batch.rejected.append(RejectedInput("empty_message", "body has no log record", origin, text))
        return
    timestamp = properties.get("timestamp")
    timestamp_ms = event_timestamp_ms(timestamp)
    receive_ms = (
        timestamp_ms
        if timestamp_ms is not None and _MIN_PLAUSIBLE_MS <= timestamp_ms <= received_ms + _FUTURE_TOLERANCE_MS
        else received_ms
    )
    is_broker = looks_like_broker_record(records[0])
    route = routing.route(queue, headers, properties.get("appId"), records[0], is_broker)
    node = header_text(headers.get("node"))
    if node and _ERLANG_NODE.match(node):
        origin[schema.HOST] = node
    if isinstance(message_id, str) and message_id:
        base_id = stable_id("rmq", vhost, message_id)
    else:
        base_id = stable_id("rmq", queue, vhost, str(timestamp), str(message.get("data")))
    for position, record_text in enumerate(records):
        doc_id = base_id if len(records) == 1 else stable_id(base_id, str(position))
        batch.records.append(SourceRecord(doc_id, record_text, receive_ms, route, origin))


def _json_text(item: Any) -> str:
    try:
        return orjson.dumps(item, default=str).decode()
    except TypeError:
        return repr(item)


def ingest_rmq_event(service: IngestService, event: Any, remaining_s: Callable[[], float]) -> IngestReport:
    """Decode an ``aws:rmq`` event and run it through the pipeline with this source's failure semantics:
    unreadable messages and documents OpenSearch refuses are parked, the rest indexed; if OpenSearch cannot
    take the documents at all, ``OpenSearchUnavailableError`` is raised so the whole batch is redelivered (unless the
    circuit breaker opened: then they are parked, see ``IngestPipeline.run``)."""
    batch = decode_rmq_event(event, service.router, limits=service.inflate_limits)
    return service.pipeline.run(batch, service.indexer, service.deadletter, remaining_s, park_undelivered=False)
