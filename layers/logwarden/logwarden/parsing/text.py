"""Plain-text layouts: Spring Boot and logback/log4j patterns, .NET console and Serilog text,
and the Lambda runtime's own lines. Multi-line records keep their stack trace in one document."""

from __future__ import annotations

import re
from typing import Any, Final

from logwarden import naming, schema
from logwarden.parsing.enrich import split_stack_trace
from logwarden.parsing.timestamps import MONTHS, iso_to_ms, time_of_day_to_ms

Fields = dict[str, Any]

_TS: Final = r"(?P<ts>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:\s?(?:Z|[+-]\d{2}:?\d{2}))?)"
_LEVEL: Final = r"(?P<level>TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL|SEVERE)"

# Spring Boot 2 and 3: "2024-05-01T10:00:00.123+03:00  INFO 4242 --- [shop-api] [nio-8080-exec-1] c.e.s.Orders : text".
# Spring Cloud Sleuth and Micrometer Tracing add "[app,traceId,spanId(,exportable)]" after the level (any part may be
# empty: "[app,,]"); Boot 3.2+ writes "[traceId-spanId]" after the thread instead.
_SPRING: Final = re.compile(
    _TS + r"\s+" + _LEVEL + r"\s+(?:\[(?P<sleuth>[^\]\n]*)\]\s+)?(?P<pid>\d+)\s+---\s+(?:\[(?P<app>[^\]]*)\]\s+)?"
    r"\[\s*(?P<thread>[^\]]*)\]\s+(?:\[(?P<correlation>[0-9a-fA-F]{16,32}-[0-9a-fA-F]{16})?\]\s+)?"
    r"(?P<logger>\S+)\s*:\s(?P<message>.*)",
    re.DOTALL,
)
_REQUEST_ID: Final = r"(?P<request_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
# logback/log4j patterns: "2024-05-01 10:00:00,123 INFO [main] c.e.Foo - text", "... [main] INFO c.e.Foo - text",
# Hadoop's "%d %p %c: %m" ("... INFO org.apache.hadoop.hdfs.StateChange: text") and "%d %-5p %c{2} (%F:%M(%L)) - %m",
# log4j's "%d %p %c:%L - %m",
# the Lambda log4j2 appender's "%d %X{AWSRequestId} %-5p %c{1} - %m". A bare "Word:" is text, not a logger: only a
# dotted name may end in a colon.
_PATTERN: Final = re.compile(
    _TS + r"\s+(?:" + _REQUEST_ID + r"\s+)?(?:\[(?P<thread1>[^\]]*)\]\s+)?\[?" + _LEVEL + r"\]?\s+"
    r"(?:\[(?P<thread>[^\]]*)\]\s+)?"
    r"(?:(?P<logger>[A-Za-z_$][\w$.]*)(?::(?P<line>\d+)|\s+\((?P<location>[^()\n]*(?:\([^()\n]*\))?)\))?\s+[-:]\s"
    r"|(?P<logger2>[A-Za-z_$][\w$]*(?:\.[\w$]+)+):\s)?(?P<message>.*)",
    re.DOTALL,
)
# JBoss / WildFly / Artemis put the logger in the brackets after the level ("%d %-5p [%c] (%t) %s%e"): a bracket
# holding a dotted lower-case package path is a logger, never a thread.
_PACKAGE_PATH: Final = re.compile(r"[a-z][\w$]*(?:\.[\w$]+)+")
_PAREN_THREAD: Final = re.compile(r"\((?P<thread>[^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)\s(?P<message>.*)", re.DOTALL)
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

# Lambda runtimes: Node "ts\treqid\tLEVEL\tmsg" (older Node runtimes write no level; "undefined" outside a request),
# .NET "ts\treqid\tinfo\tmsg" (lower-case, four letters), Python "[LEVEL]\tts\treqid\tmsg", platform START/END/REPORT.
_LAMBDA_NODE: Final = re.compile(
    r"(?P<ts>\d{4}-\d{2}-\d{2}T[\d:.]+Z)\t(?:" + _REQUEST_ID + r"|undefined)\t"
    r"(?:(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL|trce|dbug|info|warn|fail|crit|trace|debug|error|fatal)\t)?"
    r"(?P<message>.*)",
    re.DOTALL,
)
_LAMBDA_PYTHON: Final = re.compile(
    r"\[(?P<level>[A-Z]+)\]\t(?P<ts>\d{4}-\d{2}-\d{2}T[\d:.]+Z)\t" + _REQUEST_ID + r"\t(?P<message>.*)", re.DOTALL
)
_LAMBDA_PLATFORM: Final = re.compile(
    r"(?P<kind>START|END|REPORT|INIT_START|INIT_REPORT|EXTENSION|TELEMETRY)\b.*?(?:RequestId:\s*" + _REQUEST_ID + ")?"
    r"(?:.*?\bDuration:\s*(?P<duration>\d+(?:\.\d+)?)\s*ms)?",
    re.DOTALL,
)

# --- Layouts of widely used Java servers. Each regex reads a record's first line; the lines after it (a stack trace,
# a multi-line message) join the message.
_LEVEL_WORD: Final = r"(?P<level>TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|SEVERE|CRITICAL)"
_JAVA_TS: Final = r"(?P<ts>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?)"
# Kafka (log4j "[%d] %p %m (%c)%n"; Confluent's "(%c:%L)"):
# "[2026-12-07 10:00:00,123] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)"
# The header is one regex, the logger at the end a second one tried at the line's last "(": a lazy message before an
# optional group costs the regex engine a few hundred instructions per character. The same split: the logger holds no
# parenthesis, so only the last "(" can open it.
_KAFKA: Final = re.compile(r"\[" + _JAVA_TS + r"\] " + _LEVEL_WORD + r"\s+(?P<message>.*)")
_KAFKA_LOGGER: Final = re.compile(r" \((?P<logger>[^\s():]+)(?::(?P<line>\d+))?\)")
# Elasticsearch / Logstash / OpenSearch (log4j2 "[%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n"):
# "[2026-12-07T10:00:00,123][INFO ][o.e.n.Node     ] [node-1] started"; the node's bracket may be missing or empty.
_ELASTIC: Final = re.compile(
    r"\[" + _JAVA_TS + r"\]\[" + _LEVEL_WORD + r"\s*\]\[(?P<logger>[^\]\s]+)\s*\]\s"
    r"(?:\[(?P<node>[^\]\n]*)\] )?(?P<message>.*)"
)
# ZooKeeper ("%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n"); the thread may hold colons, the class never.
_ZOOKEEPER: Final = re.compile(
    _JAVA_TS + r" \[myid:(?P<myid>\d*)\] - " + _LEVEL_WORD + r"\s+\[(?P<thread>.*?):(?P<logger>[^\s:@\]]+)@\d+\] - "
    r"(?P<message>.*)"
)
# ActiveMQ ("%d | %-5p | %m | %c | %t%n"; its audit log "%-5p | %m | %t%n"), the date optional.
_ACTIVEMQ: Final = re.compile(
    r"(?:"
    + _JAVA_TS
    + r" \| )?"
    + _LEVEL_WORD
    + r"\s*\| (?P<message>.*?)(?: \| (?P<logger>[\w$.]+))? \| (?P<thread>[^|]*?)\s*"
)
# Cassandra ("%-5level [%thread] %date{ISO8601} %F:%L - %msg%n"): the level first, a source file, no logger.
_CASSANDRA: Final = re.compile(
    _LEVEL_WORD + r"\s+\[(?P<thread>[^\]]*)\] " + _JAVA_TS + r"\s+(?P<file>[\w$.-]+):(?P<line>\d+) - (?P<message>.*)"
)
# Hadoop / Spark clients ("%d{yy/MM/dd HH:mm:ss} %p %c{2}: %m%n"): "19/09/24 19:20:45 INFO hdfs.StateChange: text".
_SHORT_DATE: Final = re.compile(
    r"(?P<yy>\d{2})/(?P<mm>\d{2})/(?P<dd>\d{2}) (?P<time>\d{2}:\d{2}:\d{2}(?:[.,]\d{1,3})?) "
    + _LEVEL_WORD
    + r"\s+(?P<logger>[A-Za-z_$][\w$.]*):\s(?P<message>.*)"
)
# Tomcat's OneLineFormatter (java.util.logging): "07-Dec-2026 10:00:00.123 INFO [main] org.acme.Foo.bar text",
# the source being the class and the method.
_TOMCAT: Final = re.compile(
    r"(?P<dd>\d{2})-(?P<mon>[A-Z][a-z]{2})-(?P<yyyy>\d{4}) (?P<time>\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?) "
    r"(?P<level>SEVERE|WARNING|INFO|CONFIG|FINE|FINER|FINEST) \[(?P<thread>[^\]]*)\] (?P<source>\S+) (?P<message>.*)"
)
# java.util.logging.SimpleFormatter, two lines per record: "Dec 07, 2026 10:00:00 AM org.acme.Foo bar" then
# "WARNING: text" (the agent sends them as two events; the decoder folds the second into the first).
_JUL_LEVELS: Final = ("SEVERE: ", "WARNING: ", "INFO: ", "CONFIG: ", "FINE: ", "FINER: ", "FINEST: ")
_JUL_HEADER: Final = re.compile(
    r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<dd>\d{1,2}), (?P<yyyy>\d{4}) "
    r"(?P<hh>\d{1,2}):(?P<mi>\d{2}):(?P<ss>\d{2}) (?P<ampm>AM|PM) (?P<source>\S+)(?: (?P<method>\S+))?"
)
_JUL_BODY: Final = re.compile(r"(?P<level>SEVERE|WARNING|INFO|CONFIG|FINE|FINER|FINEST): (?P<message>.*)", re.DOTALL)
# log4j's TTCC layout ("%r [%t] %-5p %c %x - %m%n"): milliseconds since start, so no time of day.
_TTCC: Final = re.compile(
    r"(?P<relative>\d+) \[(?P<thread>[^\]]*)\] "
    + _LEVEL_WORD
    + r"\s+(?P<logger>[A-Za-z_$][\w$.]*)(?: [^\n]*?)? - (?P<message>.*)"
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
    """Parse one text record in any known layout; None when no layout matches.

    The first character picks the few layouts that can start so (docs/SCHEMA.md lists the order)."""
    first = text[:1]
    if first.isdigit():
        return _timestamp_led(text, receive_ms)
    if first == "[":
        return _bracket_led(text, receive_ms)
    if first in "JFMASOND" and text[3:4] == " ":
        jul = _jul_record(text)
        if jul is not None:
            return jul
    if first in "TDIWEF":
        line, rest = _first_line(text)
        match = _ACTIVEMQ.fullmatch(line)
        if match is not None:
            return _server_line(match.groupdict(), "activemq", rest, None, False)
        match = _CASSANDRA.fullmatch(line)
        if match is not None:
            parsed = _server_line(match.groupdict(), "cassandra", rest)
            parsed.labels["source_file"] = match["file"]
            parsed.labels["source_line"] = int(match["line"])
            return parsed
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


def _bracket_led(text: str, receive_ms: int) -> TextParse | None:
    if text[1:2].isdigit():
        bracketed = _bracketed_time(text)
        if bracketed is not None:
            return bracketed
    match = _SERILOG_TEXT.match(text)
    if match is not None:
        return _serilog_text(match, receive_ms)
    match = _LAMBDA_PYTHON.match(text)
    if match is not None:
        return _lambda_line(match, "lambda")
    return None


def _timestamp_led(text: str, receive_ms: int) -> TextParse | None:
    match = _SPRING.match(text)
    if match is not None:
        return _layout_line(match, "spring")
    head = text[:48]
    if "[myid:" in head:
        line, rest = _first_line(text)
        match = _ZOOKEEPER.fullmatch(line)
        if match is not None:
            return _server_line(match.groupdict(), "zookeeper", rest)
    if " | " in head:
        line, rest = _first_line(text)
        match = _ACTIVEMQ.fullmatch(line)
        if match is not None:
            return _server_line(match.groupdict(), "activemq", rest)
    if "\t" in head:
        match = _LAMBDA_NODE.match(text)
        if match is not None:
            return _lambda_line(match, "lambda")
    match = _PATTERN.match(text)
    if match is not None:
        return _layout_line(match, "logback-pattern")
    match = _SERILOG_TEXT.match(text)
    if match is not None:
        return _serilog_text(match, receive_ms)
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
    return _other_timestamp_led(text)


def _other_timestamp_led(text: str) -> TextParse | None:
    """Digit-led layouts without an ISO date: Tomcat's "07-Dec-2026", Hadoop's "26/12/07", log4j's TTCC "%r"."""
    line, rest = _first_line(text)
    third = text[2:3]
    if third == "-":
        match = _TOMCAT.fullmatch(line)
        if match is not None:
            line_ms = _civil_ms(match["yyyy"], MONTHS.get(match["mon"], 0), match["dd"], match["time"])
            parsed = _server_line(match.groupdict(), "tomcat", rest, line_ms, False)
            source = match["source"]
            # OneLineFormatter writes class.method: the class is the logger.
            parsed.fields[schema.LOGGER] = source.rsplit(".", 1)[0] if "." in source else source
            return parsed
    elif third == "/":
        match = _SHORT_DATE.fullmatch(line)
        if match is not None:
            line_ms = _civil_ms("20" + match["yy"], int(match["mm"]), match["dd"], match["time"])
            return _server_line(match.groupdict(), "log4j-pattern", rest, line_ms, False)
    match = _TTCC.fullmatch(line)
    if match is not None:
        parsed = _server_line(match.groupdict(), "log4j-ttcc", rest, None, False)
        parsed.labels["relative_ms"] = int(match["relative"])
        return parsed
    return None


def _bracketed_time(text: str) -> TextParse | None:
    """A ``[2026-12-07...`` line: Elasticsearch's ``[ts][LEVEL][logger]`` or Kafka's ``[ts] LEVEL text (logger)``."""
    line, rest = _first_line(text)
    if line[24:26] == "][" or line[20:22] == "][" or "][" in line[18:36]:
        match = _ELASTIC.fullmatch(line)
        if match is not None:
            parsed = _server_line(match.groupdict(), "elasticsearch", rest)
            if match["node"]:
                parsed.labels["node"] = match["node"]
            return parsed
    match = _KAFKA.fullmatch(line)
    if match is not None:
        groups = match.groupdict()
        message = match["message"]
        opening = message.rfind("(")
        if opening > 0 and message[opening - 1] == " ":
            logger = _KAFKA_LOGGER.fullmatch(message, opening - 1)
            if logger is not None:
                groups["message"] = message[: opening - 1]
                groups["logger"] = logger["logger"]
                groups["line"] = logger["line"]
        return _server_line(groups, "kafka", rest)
    return None


def _jul_record(text: str) -> TextParse | None:
    line, rest = _first_line(text)
    header = _JUL_HEADER.fullmatch(line)
    if header is None:
        return None
    body = _JUL_BODY.match(rest)
    if body is None:
        return None
    hour = int(header["hh"]) % 12 + (12 if header["ampm"] == "PM" else 0)
    clock = f"{hour:02d}:{header['mi']}:{header['ss']}"
    line_ms = _civil_ms(header["yyyy"], MONTHS[header["mon"]], header["dd"], clock)
    fields: Fields = {
        schema.FORMAT: "jul",
        schema.LEVEL: naming.normalise_level(body["level"]) or "INFO",
        schema.LOGGER: header["source"],
    }
    fields[schema.MESSAGE] = split_stack_trace(body["message"].rstrip(), fields)
    labels: dict[str, Any] = {"method": header["method"]} if header["method"] else {}
    return TextParse(fields, labels, line_ms, False)


def _first_line(text: str) -> tuple[str, str]:
    """A record's first line (its header) and the lines after it."""
    end = text.find("\n")
    if end < 0:
        return text.rstrip("\r"), ""
    return text[:end].rstrip("\r"), text[end + 1 :]


def _civil_ms(year: str, month: int, day: str, clock: str) -> int | None:
    """Epoch ms of a wall-clock date and ``HH:MM:SS[.fff]`` read as UTC (``reconcile`` infers the offset)."""
    return iso_to_ms(f"{year}-{month:02d}-{int(day):02d}T{clock.replace(',', '.')}")[0] if 1 <= month <= 12 else None


def _server_line(
    groups: dict[str, str | Any], layout: str, rest: str, line_ms: int | None = -1, had_offset: bool = False
) -> TextParse:
    """A Java server's record: its header's groups, the lines after the header joined to the message."""
    fields: Fields = {schema.FORMAT: layout, schema.LEVEL: naming.normalise_level(groups["level"]) or "INFO"}
    thread = groups.get("thread")
    if thread:
        fields[schema.THREAD] = thread.strip()
    logger = groups.get("logger")
    if logger:
        fields[schema.LOGGER] = logger
    message = groups["message"] or ""
    if rest:
        message = message + "\n" + rest if message else rest
    fields[schema.MESSAGE] = split_stack_trace(message.rstrip(), fields)
    if line_ms == -1:
        ts = groups.get("ts")
        line_ms, had_offset = iso_to_ms(ts) if ts else (None, False)
    return TextParse(fields, {}, line_ms, had_offset)


def _layout_line(match: re.Match[str], layout: str) -> TextParse:
    groups = match.groupdict()
    fields: Fields = {schema.FORMAT: layout, schema.LEVEL: naming.normalise_level(groups["level"]) or "INFO"}
    labels: dict[str, Any] = {}
    message = groups["message"]
    thread = groups.get("thread") or groups.get("thread1")
    logger = groups.get("logger") or groups.get("logger2")
    if thread and not logger and _PACKAGE_PATH.fullmatch(thread):
        logger, thread = thread, None
        paren = _PAREN_THREAD.match(message)
        if paren is not None:
            thread, message = paren["thread"], paren["message"]
    if thread:
        fields[schema.THREAD] = thread.strip()
    if logger:
        fields[schema.LOGGER] = logger
    if groups.get("app"):
        fields[schema.SERVICE] = groups["app"].strip()
    if groups.get("pid"):
        labels["pid"] = int(groups["pid"])
    if groups.get("location"):
        labels["location"] = groups["location"]
    if groups.get("line"):
        labels["line"] = int(groups["line"])
    if groups.get("request_id"):
        labels["request_id"] = groups["request_id"]
    sleuth = groups.get("sleuth")
    if sleuth is not None:
        _tracing_bracket(sleuth, fields)
    correlation = groups.get("correlation")
    if correlation:
        trace_id, _, span_id = correlation.partition("-")
        fields[schema.TRACE_ID] = trace_id
        fields[schema.SPAN_ID] = span_id
    fields[schema.MESSAGE] = split_stack_trace(message, fields)
    line_ms, had_offset = iso_to_ms(groups["ts"])
    return TextParse(fields, labels, line_ms, had_offset)


def _tracing_bracket(bracket: str, fields: Fields) -> None:
    """Sleuth's ``[app,traceId,spanId,exportable]`` (Micrometer: ``[app,traceId,spanId]``); empty parts are absent."""
    parts = bracket.split(",")
    if len(parts) < 3:
        return
    app, trace_id, span_id = parts[0].strip(), parts[1].strip(), parts[2].strip()
    if app:
        fields.setdefault(schema.SERVICE, app)
    if trace_id:
        fields[schema.TRACE_ID] = trace_id
    if span_id:
        fields[schema.SPAN_ID] = span_id


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
    level = match.group("level")
    fields: Fields = {
        schema.FORMAT: layout,
        schema.LEVEL: (_DOTNET_LEVELS.get(level) or naming.normalise_level(level) or "INFO") if level else "INFO",
    }
    fields[schema.MESSAGE] = split_stack_trace(match.group("message").rstrip(), fields)
    line_ms, had_offset = iso_to_ms(match.group("ts"))
    request_id = match.group("request_id")
    return TextParse(fields, {"request_id": request_id} if request_id else {}, line_ms, had_offset)


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
