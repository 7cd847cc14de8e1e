"""Plain-text layouts: Spring Boot and logback/log4j patterns, .NET console and Serilog text,
and the Lambda runtime's own lines. Multi-line records keep their stack trace in one document."""

from __future__ import annotations

import re
from typing import Any, Final

from logwarden import naming, schema
from logwarden.parsing.enrich import split_stack_trace
from logwarden.parsing.timestamps import iso_to_ms, time_of_day_to_ms

Fields = dict[str, Any]

_TS: Final = r"(?P<ts>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:\s?(?:Z|[+-]\d{2}:?\d{2}))?)"
_LEVEL: Final = r"(?P<level>TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL|SEVERE)"

# Spring Boot 2 and 3: "2024-05-01T10:00:00.123+03:00  INFO 4242 --- [shop-api] [nio-8080-exec-1] c.e.s.Orders : text"
_SPRING: Final = re.compile(
    _TS + r"\s+" + _LEVEL + r"\s+(?P<pid>\d+)\s+---\s+(?:\[(?P<app>[^\]]*)\]\s+)?\[\s*(?P<thread>[^\]]*)\]\s+"
    r"(?P<logger>\S+)\s*:\s(?P<message>.*)",
    re.DOTALL,
)
# logback/log4j patterns: "2024-05-01 10:00:00,123 INFO [main] c.e.Foo - text", "... [main] INFO c.e.Foo - text"
_PATTERN: Final = re.compile(
    _TS + r"\s+(?:\[(?P<thread1>[^\]]*)\]\s+)?\[?" + _LEVEL + r"\]?\s+(?:\[(?P<thread>[^\]]*)\]\s+)?"
    r"(?:(?P<logger>[A-Za-z_$][\w$.]*)\s+[-:]\s)?(?P<message>.*)",
    re.DOTALL,
)
# Time-only logback default: "10:00:00.123 [main] INFO  c.e.Foo - text"
_TIME_ONLY: Final = re.compile(
    r"(?P<time>\d{2}:\d{2}:\d{2}(?:[.,]\d{1,6})?)\s+\[(?P<thread>[^\]]*)\]\s+" + _LEVEL + r"\s+"
    r"(?P<logger>[A-Za-z_$][\w$.]*)\s+-\s(?P<message>.*)",
    re.DOTALL,
)
# Serilog text sink: "2024-05-01 10:00:00.123 +03:00 [INF] text" or "[10:00:00 INF] text"
_SERILOG_TEXT: Final = re.compile(
    r"(?:" + _TS + r"\s+\[(?P<level>VRB|DBG|INF|WRN|ERR|FTL)\]|\[(?P<time>\d{2}:\d{2}:\d{2})\s+"
    r"(?P<level2>VRB|DBG|INF|WRN|ERR|FTL)\])\s(?P<message>.*)",
    re.DOTALL,
)
# Microsoft.Extensions.Logging console: "info: Shop.Api.OrdersController[0]\n      Order created"
_DOTNET_CONSOLE: Final = re.compile(
    r"(?P<level>trce|dbug|info|warn|fail|crit):\s(?P<logger>[^\[\n]+)\[(?P<event_id>\d+)\]\s*\n?\s*(?P<message>.*)",
    re.DOTALL,
)
_DOTNET_LEVELS: Final = {
    "trce": "TRACE",
    "dbug": "DEBUG",
    "info": "INFO",
    "warn": "WARN",
    "fail": "ERROR",
    "crit": "FATAL",
}

# Lambda runtimes: Node "ts\treqid\tLEVEL\tmsg", Python "[LEVEL]\tts\treqid\tmsg", platform START/END/REPORT.
_REQUEST_ID: Final = r"(?P<request_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
_LAMBDA_NODE: Final = re.compile(
    r"(?P<ts>\d{4}-\d{2}-\d{2}T[\d:.]+Z)\t" + _REQUEST_ID + r"\t(?P<level>[A-Z]+)\t(?P<message>.*)", re.DOTALL
)
_LAMBDA_PYTHON: Final = re.compile(
    r"\[(?P<level>[A-Z]+)\]\t(?P<ts>\d{4}-\d{2}-\d{2}T[\d:.]+Z)\t" + _REQUEST_ID + r"\t(?P<message>.*)", re.DOTALL
)
_LAMBDA_PLATFORM: Final = re.compile(
    r"(?P<kind>START|END|REPORT|INIT_START|INIT_REPORT|EXTENSION|TELEMETRY)\b.*?(?:RequestId:\s*" + _REQUEST_ID + ")?"
    r"(?:.*?\bDuration:\s*(?P<duration>\d+(?:\.\d+)?)\s*ms)?",
    re.DOTALL,
)


class TextParse:
    """The result of parsing one text record."""

    __slots__ = ("fields", "had_offset", "labels", "line_ms")

    def __init__(self, fields: Fields, labels: dict[str, Any], line_ms: int | None, had_offset: bool) -> None:
        self.fields = fields
        self.labels = labels
        self.line_ms = line_ms
        self.had_offset = had_offset


def parse_text(text: str, receive_ms: int) -> TextParse | None:
    """Parse one text record in any known layout; None when no layout matches."""
    first = text[:1]
    if first.isdigit():
        return _timestamp_led(text, receive_ms)
    if first == "[":
        match = _SERILOG_TEXT.match(text)
        if match is not None:
            return _serilog_text(match, receive_ms)
        match = _LAMBDA_PYTHON.match(text)
        if match is not None:
            return _lambda_line(match, "lambda")
        return None
    if first in "tdiwfc":
        match = _DOTNET_CONSOLE.match(text)
        if match is not None:
            fields: Fields = {
                schema.FORMAT: "dotnet-console",
                schema.LEVEL: _DOTNET_LEVELS[match.group("level")],
                schema.LOGGER: match.group("logger").strip(),
            }
            fields[schema.MESSAGE] = split_stack_trace(match.group("message"), fields)
            return TextParse(fields, {"event_id": int(match.group("event_id"))}, None, False)
    if first in "SEIRT":
        match = _LAMBDA_PLATFORM.match(text)
        if match is not None:
            return _lambda_platform(match, text)
    return None


def _timestamp_led(text: str, receive_ms: int) -> TextParse | None:
    for pattern, layout in ((_SPRING, "spring"), (_PATTERN, "logback-pattern")):
        match = pattern.match(text)
        if match is not None:
            return _layout_line(match, layout)
    match = _SERILOG_TEXT.match(text)
    if match is not None:
        return _serilog_text(match, receive_ms)
    match = _LAMBDA_NODE.match(text)
    if match is not None:
        return _lambda_line(match, "lambda")
    match = _TIME_ONLY.match(text)
    if match is not None:
        fields: Fields = {
            schema.FORMAT: "logback-pattern",
            schema.LEVEL: naming.normalise_level(match.group("level")) or "INFO",
            schema.THREAD: match.group("thread"),
            schema.LOGGER: match.group("logger"),
        }
        fields[schema.MESSAGE] = split_stack_trace(match.group("message"), fields)
        return TextParse(fields, {}, time_of_day_to_ms(match.group("time"), receive_ms), True)
    return None


def _layout_line(match: re.Match[str], layout: str) -> TextParse:
    groups = match.groupdict()
    fields: Fields = {schema.FORMAT: layout, schema.LEVEL: naming.normalise_level(groups["level"]) or "INFO"}
    thread = groups.get("thread") or groups.get("thread1")
    if thread:
        fields[schema.THREAD] = thread.strip()
    if groups.get("logger"):
        fields[schema.LOGGER] = groups["logger"]
    labels: dict[str, Any] = {}
    if groups.get("app"):
        fields[schema.SERVICE] = groups["app"].strip()
    if groups.get("pid"):
        labels["pid"] = int(groups["pid"])
    fields[schema.MESSAGE] = split_stack_trace(groups["message"], fields)
    line_ms, had_offset = iso_to_ms(groups["ts"])
    return TextParse(fields, labels, line_ms, had_offset)


def _serilog_text(match: re.Match[str], receive_ms: int) -> TextParse:
    level = match.group("level") or match.group("level2")
    fields: Fields = {schema.FORMAT: "serilog-text", schema.LEVEL: naming.normalise_level(level) or "INFO"}
    fields[schema.MESSAGE] = split_stack_trace(match.group("message"), fields)
    if match.group("ts"):
        line_ms, had_offset = iso_to_ms(match.group("ts"))
    else:
        line_ms, had_offset = time_of_day_to_ms(match.group("time"), receive_ms), True
    return TextParse(fields, {}, line_ms, had_offset)


def _lambda_line(match: re.Match[str], layout: str) -> TextParse:
    fields: Fields = {schema.FORMAT: layout, schema.LEVEL: naming.normalise_level(match.group("level")) or "INFO"}
    fields[schema.MESSAGE] = split_stack_trace(match.group("message").rstrip(), fields)
    line_ms, had_offset = iso_to_ms(match.group("ts"))
    return TextParse(fields, {"request_id": match.group("request_id")}, line_ms, had_offset)


def _lambda_platform(match: re.Match[str], text: str) -> TextParse:
    fields: Fields = {
        schema.FORMAT: "lambda-platform",
        schema.LEVEL: "INFO",
        schema.MESSAGE: text.rstrip(),
        schema.EVENT_KIND: "lambda_" + match.group("kind").lower(),
    }
    if match.group("duration"):
        fields[schema.DURATION_MS] = float(match.group("duration"))
    labels = {"request_id": match.group("request_id")} if match.group("request_id") else {}
    return TextParse(fields, labels, None, False)
