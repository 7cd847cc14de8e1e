"""JSON log records: logback / logstash-logback-encoder and Serilog compact JSON (CLEF)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from logwarden import naming, schema
from logwarden.memo import memoised
from logwarden.parsing.enrich import error_from_stack_trace, lift_planned, rule_for
from logwarden.parsing.timestamps import epoch_to_ms, iso_to_ms

Fields = dict[str, Any]

# logstash-logback-encoder's own keys; everything else at the top level is MDC or a structured argument.
_LOGBACK_KEYS: Final = frozenset(
    {"@timestamp", "@version", "message", "logger_name", "thread_name", "level", "level_value", "stack_trace"}
)
_LOGBACK_DROPPED: Final = frozenset({"@version", "level_value"})

# Serilog's reified properties (leading @); everything else is a user property.
_CLEF_KEYS: Final = frozenset({"@t", "@m", "@mt", "@l", "@x", "@i", "@r", "@tr", "@sp"})


def parse_json_record(record: dict[str, Any]) -> tuple[Fields, dict[str, Any], int | None, bool] | None:
    """Parse a decoded JSON log record.

    Returns (fields, labels, line time in ms or None, had explicit offset), or None when the object is
    neither logback nor Serilog JSON (the caller keeps it as generic JSON).
    """
    if "@t" in record or "@mt" in record or "@m" in record:
        return _parse_clef(record)
    if "@timestamp" in record or "logger_name" in record or ("level" in record and "message" in record):
        return _parse_logback(record)
    return None


def _time_of(value: Any) -> tuple[int | None, bool]:
    if isinstance(value, str):
        return iso_to_ms(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return epoch_to_ms(float(value)), True
    return None, False


@memoised(4096)
def _logback_plan(keys: tuple[str, ...]) -> tuple[tuple[str, tuple[str, Callable[[Any], Any]] | None], ...]:
    """MDC and structured arguments of a logback record with these keys, in order, each with its rule (or None)."""
    return tuple((key, rule_for(key)) for key in keys if key not in _LOGBACK_KEYS and key not in _LOGBACK_DROPPED)


def _parse_logback(record: dict[str, Any]) -> tuple[Fields, dict[str, Any], int | None, bool]:
    fields: Fields = {schema.FORMAT: "logback"}
    line_ms, had_offset = _time_of(record.get("@timestamp"))
    level = naming.normalise_level(record.get("level"))
    if level:
        fields[schema.LEVEL] = level
    message = record.get("message")
    if message is not None:
        fields[schema.MESSAGE] = message if isinstance(message, str) else str(message)
    # Written out, not a loop over a literal of pairs: that literal's three tuples are built anew for every record.
    logger = record.get("logger_name")
    if isinstance(logger, str) and logger:
        fields[schema.LOGGER] = logger
    thread = record.get("thread_name")
    if isinstance(thread, str) and thread:
        fields[schema.THREAD] = thread
    trace = record.get("stack_trace")
    if isinstance(trace, str) and trace.strip():
        error_from_stack_trace(trace, fields)
    labels = lift_planned(_logback_plan(tuple(record)), record, fields)
    return fields, labels, line_ms, had_offset


_TEMPLATE_HOLE: Final = re.compile(r"\{\{|\}\}|\{([@$]?)([A-Za-z0-9_]+)(?:,[^:}]*)?(?::([^}]*))?\}")


def render_message_template(template: str, properties: dict[str, Any]) -> str:
    """Render a Serilog message template the way Serilog's text formatter does, closely enough for search.

    ``{Name}`` is the property's value (strings unquoted), ``{{``/``}}`` are literal braces, a hole with
    no property stays as written.
    """
    parts: list[str] = []
    for literal, name, hole in _template_pieces(template):
        parts.append(literal)
        if name is None:
            continue
        if name not in properties:
            parts.append(hole)
            continue
        value = properties[name]
        if isinstance(value, str):
            parts.append(value)
        elif value is None:
            parts.append("null")
        elif isinstance(value, bool):
            parts.append("True" if value else "False")
        else:
            parts.append(str(value))
    return "".join(parts)


@memoised(4096)
def _template_pieces(template: str) -> tuple[tuple[str, str | None, str], ...]:
    """A template split once into (literal text, property name or None, hole as written); services log
    the same few templates millions of times."""
    pieces: list[tuple[str, str | None, str]] = []
    position = 0
    literal: list[str] = []
    for match in _TEMPLATE_HOLE.finditer(template):
        literal.append(template[position : match.start()])
        token = match.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
        else:
            pieces.append(("".join(literal), match.group(2), token))
            literal = []
        position = match.end()
    literal.append(template[position:])
    pieces.append(("".join(literal), None, ""))
    return tuple(pieces)


@memoised(4096)
def _clef_plan(keys: tuple[str, ...]) -> tuple[tuple[str, tuple[str, Callable[[Any], Any]] | None], ...]:
    """The user properties of a CLEF record with these keys, in order, each with its lifting rule (or None).

    Worked out once per key set: a service writes each template with the same properties every time, so the
    per-record work is reading values, not sorting out names."""
    return tuple((key, rule_for(key)) for key in keys if key not in _CLEF_KEYS)


def _parse_clef(record: dict[str, Any]) -> tuple[Fields, dict[str, Any], int | None, bool]:
    fields: Fields = {schema.FORMAT: "serilog"}
    line_ms, had_offset = _time_of(record.get("@t"))
    # CLEF omits @l for Information.
    fields[schema.LEVEL] = naming.normalise_level(record.get("@l", "Information")) or "INFO"
    plan = _clef_plan(tuple(record))
    message = record.get("@m")
    template = record.get("@mt")
    if not isinstance(message, str):
        # Hole names never start with "@", so the record itself answers for its user properties.
        message = render_message_template(template, record) if isinstance(template, str) else None
    if message is not None:
        fields[schema.MESSAGE] = message
    exception = record.get("@x")
    if isinstance(exception, str) and exception.strip():
        error_from_stack_trace(exception, fields)
    trace_id = record.get("@tr")
    if isinstance(trace_id, str) and trace_id:
        fields[schema.TRACE_ID] = trace_id
    span_id = record.get("@sp")
    if isinstance(span_id, str) and span_id:
        fields[schema.SPAN_ID] = span_id
    labels = lift_planned(plan, record, fields)
    event_id = record.get("@i")
    if event_id is not None:
        labels["serilog_event_id"] = event_id
    if isinstance(template, str):
        labels["message_template"] = template
    return fields, labels, line_ms, had_offset
