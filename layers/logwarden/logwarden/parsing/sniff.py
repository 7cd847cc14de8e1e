"""Per-record format detection: every log record becomes schema fields, whatever it was written in.

Order of attempts is by first character, so a record costs one or two anchored regex matches:
``{`` -> JSON (logback, Serilog CLEF, other JSON); digits/``[``/letters -> text layouts and broker lines;
anything else is kept whole as a raw message with the receive time. Nothing is ever dropped here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import orjson

from logwarden import naming, schema
from logwarden.parsing import broker_log
from logwarden.parsing.enrich import bare_stack_trace, lift_properties, split_stack_trace
from logwarden.parsing.layout import CompiledLayout
from logwarden.parsing.structured import parse_json_record
from logwarden.parsing.text import _JUL_HEADER, _JUL_LEVELS, parse_text
from logwarden.parsing.timestamps import epoch_to_ms, iso_to_ms

FLAG_PARSE_FALLBACK: Final = "parse_fallback"
FLAG_LAYOUT_MISMATCH: Final = "layout_mismatch"

_GENERIC_MESSAGE_KEYS: Final = ("message", "msg", "Message", "text", "log")
_GENERIC_LEVEL_KEYS: Final = ("level", "severity", "Level", "loglevel", "status")
_GENERIC_TIME_KEYS: Final = ("timestamp", "time", "ts", "@timestamp", "Timestamp", "date")
_LEVEL_WORD: Final = re.compile(r"\b(TRACE|DEBUG|INFO|WARN(?:ING)?|ERROR|FATAL|CRITICAL)\b")

# A line that can only continue the record before it (the awslogs agent and the ECS log driver send every physical
# line as its own event): stack-trace lines, Java's "Caused by:"/"... 5 more", .NET's "--- End of inner exception".
_CONTINUATION: Final = re.compile(
    r"(?:\s+at\s|\s*Caused by:|\s*\.\.\. \d+ (?:more|common frames omitted)|\s+--- End of|\s*Suppressed:"
    r"|(?:[A-Za-z_$][\w$]*\.)+[\w$]*(?:Exception|Error|Throwable)(?::|\s*$))"
)
# What starts a record of its own in a RabbitMQ report block's lines: a dated line, a bracketed date, another report.
_RECORD_START: Final = re.compile(r"\d{2,4}[-/]\d{2}[-/]\d{2}|\[\d{4}-|=[A-Z]+ REPORT====|\{")


@dataclass(slots=True, init=False)
class ParsedRecord:
    """Schema fields read from one record, its free-form properties, and the line's own time."""

    fields: dict[str, Any]
    labels: dict[str, Any]
    line_ms: int | None
    had_offset: bool
    flags: list[str]

    # Written out: one is built per event, and mypyc compiles this one; the dataclass-generated one stays
    # interpreted even in the compiled hot path (logwarden/compiled.py).
    def __init__(
        self,
        fields: dict[str, Any],
        labels: dict[str, Any],
        line_ms: int | None,
        had_offset: bool,
        flags: list[str] | None = None,
    ) -> None:
        self.fields = fields
        self.labels = labels
        self.line_ms = line_ms
        self.had_offset = had_offset
        self.flags = [] if flags is None else flags


def continues(previous: str, line: str) -> bool:
    """Whether ``line``, sent as its own log event, is the next line of the record whose text so far is ``previous``.

    - an indented line: nothing starts a record with blanks, and stack frames (``\tat``, ``   at``), .NET's
      `` ---> `` and RabbitMQ's multi-line messages are indented;
    - a stack-trace line (an exception's ``pkg.SomeException: text``, ``Caused by:``, ``... 12 more``);
    - the second line of a java.util.logging record (``WARNING: text`` after its ``Dec 07, 2026 ... AM`` header);
    - any line of a RabbitMQ report block (``=ERROR REPORT==== 7-Dec-2026::10:00:00 ===``) until a line that starts
      a record of its own.

    Most lines are JSON or start with a date: one or two character tests decide them.
    """
    first = line[:1]
    if first == "{" or first == "":
        return False
    if first == " " or first == "\t":
        return True
    if previous[:1] == "=" and previous.startswith(broker_log.REPORT_PREFIXES) and not _RECORD_START.match(line):
        return True
    if first.isdigit():
        return False
    if first in "SWICF" and line.startswith(_JUL_LEVELS) and "\n" not in previous and _JUL_HEADER.fullmatch(previous):
        return True
    return _CONTINUATION.match(line) is not None


def parse_record(text: str, receive_ms: int, layout: CompiledLayout | None = None) -> ParsedRecord:
    """Parse one log record's text. Never raises on any input.

    ``layout`` is the log group's configured text layout: tried first on every text record, then, when a record
    is not in it, detection goes on as without one and the document is flagged ``layout_mismatch``."""
    stripped = text.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        parsed = _parse_json(stripped)
        if parsed is not None:
            return parsed
    elif stripped:
        if layout is not None:
            configured = layout.parse(stripped, receive_ms)
            if configured is not None:
                return ParsedRecord(configured.fields, configured.labels, configured.line_ms, configured.had_offset)
            record = _detected(stripped, receive_ms)
            record.flags.append(FLAG_LAYOUT_MISMATCH)
            return record
        return _detected(stripped, receive_ms)
    return _raw(stripped or text)


def _detected(stripped: str, receive_ms: int) -> ParsedRecord:
    """A non-empty text record in whichever known layout it is in (docs/SCHEMA.md lists the order)."""
    broker = broker_log.parse_broker_line(stripped)
    if broker is not None:
        line_ms = broker.pop(schema.TIMESTAMP, None)
        labels = broker.pop(schema.LABELS, None) or {}
        return ParsedRecord(broker, labels, line_ms if isinstance(line_ms, int) else None, True)
    parsed_text = parse_text(stripped, receive_ms)
    if parsed_text is not None:
        record = ParsedRecord(parsed_text.fields, parsed_text.labels, parsed_text.line_ms, parsed_text.had_offset)
        _embedded_json(record)
        return record
    trace = bare_stack_trace(stripped)
    if trace is not None:
        return ParsedRecord(trace, {}, None, False)
    return _raw(stripped)


def _parse_json(text: str) -> ParsedRecord | None:
    try:
        decoded = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(decoded, dict):
        return None
    known = parse_json_record(decoded)
    if known is not None:
        fields, labels, line_ms, had_offset = known
        return ParsedRecord(fields, labels, line_ms, had_offset)
    return _generic_json(decoded)


def _generic_json(decoded: dict[str, Any]) -> ParsedRecord:
    """JSON we do not recognise: take the usual message/level/time keys, keep the rest as labels."""
    fields: dict[str, Any] = {schema.FORMAT: "json"}
    rest = dict(decoded)
    for key in _GENERIC_MESSAGE_KEYS:
        value = rest.get(key)
        if isinstance(value, str):
            fields[schema.MESSAGE] = split_stack_trace(value, fields)
            del rest[key]
            break
    for key in _GENERIC_LEVEL_KEYS:
        level = naming.normalise_level(rest.get(key))
        if level is not None:
            fields[schema.LEVEL] = level
            del rest[key]
            break
    line_ms: int | None = None
    had_offset = False
    for key in _GENERIC_TIME_KEYS:
        value = rest.get(key)
        if isinstance(value, str):
            line_ms, had_offset = iso_to_ms(value)
        # A tuple of types, not ``int | float``: the union would be built anew at every test, compiled or not.
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            line_ms, had_offset = epoch_to_ms(float(value)), True
        if line_ms is not None:
            del rest[key]
            break
    labels = lift_properties(rest, fields)
    if schema.MESSAGE not in fields:
        fields[schema.MESSAGE] = orjson.dumps(decoded).decode()
    return ParsedRecord(fields, labels, line_ms, had_offset)


def _embedded_json(record: ParsedRecord) -> None:
    """Runtime lines often carry a JSON object after a prefix (``[trace ids] {"message": ...}``)."""
    message = record.fields.get(schema.MESSAGE)
    if record.fields.get(schema.FORMAT) != "lambda" or not isinstance(message, str) or not message.endswith("}"):
        return
    start = message.find("{")
    if start < 0:
        return
    try:
        decoded = orjson.loads(message[start:])
    except orjson.JSONDecodeError:
        return
    if not isinstance(decoded, dict):
        return
    inner = _generic_json(decoded)
    if start > 0:
        record.labels["prefix"] = message[:start].strip()
    record.fields[schema.MESSAGE] = inner.fields.pop(schema.MESSAGE)
    for key, value in inner.fields.items():
        if key != schema.FORMAT:
            record.fields.setdefault(key, value)
    record.labels.update(inner.labels)


def _raw(text: str) -> ParsedRecord:
    fields: dict[str, Any] = {schema.FORMAT: "raw"}
    fields[schema.MESSAGE] = split_stack_trace(text, fields)
    word = _LEVEL_WORD.search(text, 0, 200)
    if word is not None:
        fields[schema.LEVEL] = naming.normalise_level(word.group(1))
    return ParsedRecord(fields, {}, None, False, [FLAG_PARSE_FALLBACK])
