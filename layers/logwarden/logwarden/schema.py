"""The normalised log document: one flat dict with ECS-style dotted keys, the same for every source.

Flat dotted keys keep building a document cheap (no nested dicts to merge) and OpenSearch expands them
into the object paths of the mapping below. ``docs/SCHEMA.md`` explains each field for people.
"""

from __future__ import annotations

from typing import Any, Final

TIMESTAMP: Final = "@timestamp"
INGESTED: Final = "event.ingested"
EVENT_KIND: Final = "event.action"  # "event kind" in the docs: order_created, price_calculated, ...
DURATION_MS: Final = "event.duration_ms"
LEVEL: Final = "log.level"
LOGGER: Final = "log.logger"
FORMAT: Final = "log.format"
FLAGS: Final = "logwarden.flags"
MASKED: Final = "logwarden.masked"
SUBSYSTEM: Final = "subsystem"
SERVICE: Final = "service.name"
HOST: Final = "host.name"
THREAD: Final = "process.thread.name"
MESSAGE: Final = "message"
ERROR_TYPE: Final = "error.type"
ERROR_MESSAGE: Final = "error.message"
STACK_TRACE: Final = "error.stack_trace"
TRACE_ID: Final = "trace.id"
SPAN_ID: Final = "span.id"
ORDER_ID: Final = "order.id"
ORDER_STATUS: Final = "order.status"
ORDER_PREVIOUS_STATUS: Final = "order.previous_status"
ORDER_PRICE: Final = "order.price"
ORDER_CURRENCY: Final = "order.currency"
CUSTOMER_ID: Final = "customer.id"
HTTP_METHOD: Final = "http.request.method"
HTTP_STATUS: Final = "http.response.status_code"
URL_PATH: Final = "url.path"
CLIENT_ID: Final = "client.id"
ORIGIN_TYPE: Final = "origin.type"
ORIGIN_LOG_GROUP: Final = "origin.log_group"
ORIGIN_LOG_STREAM: Final = "origin.log_stream"
ORIGIN_EVENT_ID: Final = "origin.event_id"
ORIGIN_QUEUE: Final = "origin.queue"
ORIGIN_VHOST: Final = "origin.vhost"
ORIGIN_MESSAGE_ID: Final = "origin.message_id"
ORIGIN_BROKER: Final = "origin.broker"
CLOUD_ACCOUNT: Final = "cloud.account.id"
CLOUD_REGION: Final = "cloud.region"
LABELS: Final = "labels"  # free-form keys (MDC, Serilog properties): one flat_object, never new mappings

# Field -> OpenSearch core field type. Only core types: the engine we test on has no mapper-extras.
FIELD_TYPES: Final[dict[str, str]] = {
    TIMESTAMP: "date",
    INGESTED: "date",
    EVENT_KIND: "keyword",
    DURATION_MS: "double",
    LEVEL: "keyword",
    LOGGER: "keyword",
    FORMAT: "keyword",
    FLAGS: "keyword",
    MASKED: "keyword",
    SUBSYSTEM: "keyword",
    SERVICE: "keyword",
    HOST: "keyword",
    THREAD: "keyword",
    MESSAGE: "match_only_text",
    ERROR_TYPE: "keyword",
    ERROR_MESSAGE: "match_only_text",
    STACK_TRACE: "match_only_text",
    TRACE_ID: "keyword",
    SPAN_ID: "keyword",
    ORDER_ID: "keyword",
    ORDER_STATUS: "keyword",
    ORDER_PREVIOUS_STATUS: "keyword",
    ORDER_PRICE: "double",
    ORDER_CURRENCY: "keyword",
    CUSTOMER_ID: "keyword",
    HTTP_METHOD: "keyword",
    HTTP_STATUS: "integer",
    URL_PATH: "keyword",
    CLIENT_ID: "keyword",
    ORIGIN_TYPE: "keyword",
    ORIGIN_LOG_GROUP: "keyword",
    ORIGIN_LOG_STREAM: "keyword",
    ORIGIN_EVENT_ID: "keyword",
    ORIGIN_QUEUE: "keyword",
    ORIGIN_VHOST: "keyword",
    ORIGIN_MESSAGE_ID: "keyword",
    ORIGIN_BROKER: "keyword",
    CLOUD_ACCOUNT: "keyword",
    CLOUD_REGION: "keyword",
    LABELS: "flat_object",
}

# Stack traces are dotted class paths ("ru.mes.pricing.PriceListRepository.current"): the standard
# analyzer keeps those as one token, the simple analyzer splits on every non-letter so any class or
# method name is searchable.
FIELD_ANALYZERS: Final[dict[str, str]] = {STACK_TRACE: "simple"}

# Free text that the masker must scan (structured fields are masked by name as well).
FREE_TEXT_FIELDS: Final = (MESSAGE, ERROR_MESSAGE, STACK_TRACE)

_KEYWORD_IGNORE_ABOVE: Final = 1024


def index_mapping() -> dict[str, Any]:
    """The ``mappings`` body of every log index template.

    ``dynamic: false``: a field we did not plan for is kept in ``_source`` but never indexed, so no
    service can explode the mapping or get its documents rejected by writing a new key.
    """
    properties: dict[str, Any] = {}
    for field, field_type in FIELD_TYPES.items():
        node = properties
        *parents, leaf = field.split(".") if field != TIMESTAMP else [TIMESTAMP]
        for parent in parents:
            node = node.setdefault(parent, {"properties": {}})["properties"]
        spec: dict[str, Any] = {"type": field_type}
        if field_type == "keyword":
            spec["ignore_above"] = _KEYWORD_IGNORE_ABOVE
        if field in FIELD_ANALYZERS:
            spec["analyzer"] = FIELD_ANALYZERS[field]
        if field_type == "date":
            spec["format"] = "strict_date_optional_time||epoch_millis"
        node[leaf] = spec
    return {"dynamic": False, "properties": properties}
