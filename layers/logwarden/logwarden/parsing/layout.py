"""User-configured text layouts: a logback/log4j2 ``PatternLayout`` or a Serilog ``outputTemplate``, compiled once
(at cold start, from a routing rule's ``layout``) into one anchored regex that reads a record's first line.

    %d{yyyy-MM-dd HH:mm:ss,SSS} [%t] %-5level %logger{36} - %msg%n
    {Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext} {Message:lj}{NewLine}{Exception}

Every conversion becomes a group: the date by its own Java or .NET date pattern, the level, logger, thread and
message, MDC values (``%X{traceId}``) and Serilog properties as labels that are lifted like structured properties
(so ``traceId`` lands in ``trace.id``). What follows the first line break (``%n``, ``{NewLine}``) is the stack trace
or the rest of a multi-line message, joined to the message as for the built-in layouts. Padding (``%-5p``,
``{Level,-5}``) allows blanks around a value. A layout that cannot be read raises ``LayoutError`` naming the
problem, which ``routing.parse_rules`` turns into a configuration error at cold start.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from logwarden import naming, schema
from logwarden.parsing.enrich import lift_properties, split_stack_trace
from logwarden.parsing.text import TextParse
from logwarden.parsing.timestamps import MONTHS, epoch_to_ms, iso_to_ms, ms_to_iso, time_of_day_to_ms

Fields = dict[str, Any]


class LayoutError(ValueError):
    """A layout string that cannot be compiled; the message says what and where."""


# --- What a conversion's group means. ---------------------------------------------------------------------------
_TIME, _LEVEL, _LOGGER, _THREAD, _MESSAGE, _LABEL, _HOST, _EPOCH_S, _EPOCH_MS = range(9)

_SERILOG_LEVELS: Final = {"VRB": "TRACE", "DBG": "DEBUG", "INF": "INFO", "WRN": "WARN", "ERR": "ERROR", "FTL": "FATAL"}
_SERILOG_LEVELS.update({key.lower(): value for key, value in _SERILOG_LEVELS.items()})
_SERILOG_LEVELS.update({"Verbose": "TRACE", "Information": "INFO", "Warning": "WARN", "Fatal": "FATAL"})

_PAD: Final = " *"
_BLANKS: Final = " ++"
# Text of a conversion this module does not interpret (an MDC value, a marker, a plugin's converter): one word, so
# that several of them in a row cannot make the match backtrack without end.
_WORD: Final = r"[^ ]*?"
# A first line longer than this is matched by its head when the message is the layout's last conversion, the rest
# joined to the message: no line can make a match take long.
_HEADER_MAX: Final = 2048


@dataclass(frozen=True, slots=True)
class _Group:
    name: str  # the regex group
    role: int
    label: str = ""  # for _LABEL: the property name
    date_parts: tuple[str, ...] = ()  # for _TIME: the sub-group names it is built from


class _Builder:
    """Collects regex pieces and groups while a layout is read."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.groups: list[_Group] = []
        self.has_message = False
        self.variable: tuple[int, str, bool] | None = None  # the last part of any length: (index, opener, blanks)

    def literal(self, text: str) -> None:
        # A run of blanks in a layout takes any run of blanks (aligned columns add their own), possessively: a blank
        # is never part of both, which keeps the match linear where lazy groups and blanks alternate.
        if text:
            self.variable = None
        for piece in re.split(r"( +)", text):
            if piece.startswith(" "):
                if self.parts and self.parts[-1] == _PAD:
                    self.parts.pop()  # the padding of the group before is part of this run
                self.parts.append(_BLANKS)
            elif piece:
                self.parts.append(re.escape(piece))

    def group(self, regex: str, role: int, *, label: str = "", pad: str = "", date_parts: tuple[str, ...] = ()) -> None:
        name = f"g{len(self.groups)}"
        if role == _MESSAGE:
            self.has_message = True
        self.groups.append(_Group(name, role, label, date_parts))
        if regex == _WORD:
            self._word(f"?P<{name}>")
            return
        fixed = role in (_TIME, _EPOCH_S, _EPOCH_MS)
        if fixed:
            self.variable = None
        else:
            self._adjacent()
        if pad == "right" and not (self.parts and self.parts[-1] == _BLANKS):
            self.parts.append(_PAD)
        self.parts.append(f"(?P<{name}>{regex})")
        if not fixed:
            self.variable = (len(self.parts) - 1, f"?P<{name}>", False)
        if pad == "left":
            self.parts.append(_PAD)

    def anonymous(self, regex: str) -> None:
        if regex == _WORD:
            self._word("?:")
        else:
            self._adjacent()
            self.parts.append(f"(?:{regex})")

    def _word(self, opener: str) -> None:
        """One word of text that may be empty. After blanks, the word and its blanks are present or absent as one
        (logback prints ``c.Foo  - text`` for an empty ``%c %x - %m``), so the blanks can stay possessive."""
        self._adjacent()
        if self.parts and self.parts[-1] == _BLANKS:
            self.parts[-1] = f"(?: ++({opener}[^ ]+))?"
            self.variable = (len(self.parts) - 1, opener, True)
        else:
            self.parts.append(f"({opener}{_WORD})")
            self.variable = (len(self.parts) - 1, opener, False)

    def _adjacent(self) -> None:
        """Two conversions of any length with nothing between them cannot be told apart (and would make the match
        try every split): the one before is taken as empty, the new one takes the text."""
        if self.variable is None:
            return
        index, opener, blanks = self.variable
        if all(part == _PAD for part in self.parts[index + 1 :]):
            self.parts[index] = (_BLANKS if blanks else "") + f"({opener})"
        self.variable = None

    def date(self, regex_parts: list[tuple[str, str]], *, pad: str = "") -> None:
        """A timestamp made of (regex, date-part kind or '') pieces; kinds become sub-groups read by ``_time``."""
        index = len(self.groups)
        names: list[str] = []
        pieces: list[str] = []
        for regex, kind in regex_parts:
            if kind:
                sub = f"d{index}_{len(names)}_{kind}"
                names.append(sub)
                pieces.append(f"(?P<{sub}>{regex})")
            else:
                pieces.append(regex)
        self.group("".join(pieces), _TIME, pad=pad, date_parts=tuple(names))


@dataclass(frozen=True, slots=True)
class CompiledLayout:
    """A layout compiled into a parser. ``parse`` never raises; it returns None for a line of another layout."""

    source: str
    kind: str  # "pattern" (logback / log4j2) or "serilog"
    regex: re.Pattern[str]
    groups: tuple[_Group, ...]
    message_last: bool  # nothing but padding follows the message in the line

    def parse(self, text: str, receive_ms: int) -> TextParse | None:
        header = _header(text, self.message_last)
        if header is None:
            return None
        line, tail, rest = header
        match = self.regex.fullmatch(line)
        if match is None:
            return None
        fields: Fields = {schema.FORMAT: "layout"}
        properties: dict[str, Any] = {}
        message = ""
        line_ms: int | None = None
        had_offset = False
        for group in self.groups:
            value = match.group(group.name)
            if value is None:
                continue
            role = group.role
            if role == _MESSAGE:
                message = value + tail
            elif role in _TIME_ROLES:
                line_ms, had_offset = _time(match, group, value, receive_ms)
            else:
                value = value.strip()
                if not value:
                    continue
                field = _ROLE_FIELDS.get(role)
                if role == _LEVEL:
                    level = _SERILOG_LEVELS.get(value) or naming.normalise_level(value)
                    if level is not None:
                        fields[schema.LEVEL] = level
                elif field is not None:
                    fields[field] = value
                elif value != "-":
                    properties[group.label] = value
        fields.setdefault(schema.LEVEL, "INFO")
        message = f"{message}\n{rest}" if message and rest else message or rest  # the lines after the first
        fields[schema.MESSAGE] = split_stack_trace(message.rstrip(), fields)
        labels = lift_properties(properties, fields) if properties else {}
        return TextParse(fields, labels, line_ms, had_offset)


# The roles whose text is a schema field as it is.
_ROLE_FIELDS: Final = {_LOGGER: schema.LOGGER, _THREAD: schema.THREAD, _HOST: schema.HOST}


def _header(text: str, message_last: bool) -> tuple[str, str, str] | None:
    """A record's first line (up to the bound a layout's regex is run on), the rest of that line past the bound,
    and the lines after it; None for a longer first line when the message is not last, to read the rest."""
    end = text.find("\n")
    line, rest = (text, "") if end < 0 else (text[:end], text[end + 1 :])
    line = line.rstrip("\r")
    if len(line) <= _HEADER_MAX:
        return line, "", rest
    if not message_last:
        return None
    return line[:_HEADER_MAX], line[_HEADER_MAX:], rest


_TIME_ROLES: Final = (_TIME, _EPOCH_S, _EPOCH_MS)


def _iso_offset(offset: str) -> str:
    """A UTC offset as ISO 8601 writes it: Z, +0300 and +03 as +00:00, +03:00 and +03:00; none stays none."""
    if offset in ("Z", "z"):
        return "+00:00"
    if len(offset) == 5:  # +0300
        return offset[:3] + ":" + offset[3:]
    if len(offset) == 3:  # +03
        return offset + ":00"
    return offset


def _time(match: re.Match[str], group: _Group, value: str, receive_ms: int) -> tuple[int | None, bool]:
    """The time a time group holds in ms, and whether it said its offset (epoch time is UTC)."""
    if group.role != _TIME:
        return epoch_to_ms(float(value) * (1000 if group.role == _EPOCH_S else 1)), True
    if not group.date_parts:  # a named ISO form: read as ISO
        return iso_to_ms(value.replace(",", "."))
    parts: dict[str, str] = {}
    for name in group.date_parts:
        part = match.group(name)
        if part is not None:
            parts[name.rsplit("_", 1)[1]] = part
    hour = int(parts.get("hour", parts.get("hour12", "0")))
    if "hour12" in parts:
        hour = hour % 12 + (12 if parts.get("ampm", "AM").upper() == "PM" else 0)
    fraction = (parts.get("fraction", "") + "000")[:3]
    clock = f"{hour:02d}:{int(parts.get('minute', '0')):02d}:{int(parts.get('second', '0')):02d}.{fraction}"
    offset = _iso_offset(parts.get("offset", ""))
    if "year" not in parts and "month" not in parts and "day" not in parts:
        ms = time_of_day_to_ms(clock, receive_ms)
        if ms is None or not offset:
            return ms, True
        return iso_to_ms(_iso_day(ms) + "T" + clock + offset)
    year = parts.get("year", "1970")
    if len(year) == 2:
        year = "20" + year
    month_text = parts.get("month", "1")
    month = MONTHS.get(month_text[:3].capitalize(), 0) if not month_text.isdigit() else int(month_text)
    if not 1 <= month <= 12:
        return None, False
    return iso_to_ms(f"{int(year):04d}-{month:02d}-{int(parts.get('day', '1')):02d}T{clock}{offset}")


def _iso_day(ms: int) -> str:
    return ms_to_iso(ms)[:10]


# --- Java date patterns (SimpleDateFormat / DateTimeFormatter letters that logs use). ------------------------------
_JAVA_DATE_LETTERS: Final[dict[str, Callable[[int], tuple[str, str]]]] = {
    "y": lambda n: (r"\d{2}", "year") if n == 2 else (r"\d{4}", "year"),
    "u": lambda n: (r"\d{2}", "year") if n == 2 else (r"\d{4}", "year"),
    "M": lambda n: (r"\d{1,2}", "month") if n == 1 else (r"\d{2}", "month") if n == 2 else (r"[A-Za-z]{3,9}", "month"),
    "L": lambda n: (r"\d{1,2}", "month") if n == 1 else (r"\d{2}", "month") if n == 2 else (r"[A-Za-z]{3,9}", "month"),
    "d": lambda n: (r"\d{1,2}", "day") if n == 1 else (r"\d{2}", "day"),
    "H": lambda n: (r"\d{1,2}", "hour") if n == 1 else (r"\d{2}", "hour"),
    "k": lambda n: (r"\d{1,2}", "hour") if n == 1 else (r"\d{2}", "hour"),
    "h": lambda n: (r"\d{1,2}", "hour12") if n == 1 else (r"\d{2}", "hour12"),
    "K": lambda n: (r"\d{1,2}", "hour12") if n == 1 else (r"\d{2}", "hour12"),
    "m": lambda n: (r"\d{1,2}", "minute") if n == 1 else (r"\d{2}", "minute"),
    "s": lambda n: (r"\d{1,2}", "second") if n == 1 else (r"\d{2}", "second"),
    "S": lambda n: (rf"\d{{{n}}}", "fraction"),
    "a": lambda n: (r"[AaPp][Mm]", "ampm"),
    "E": lambda n: (r"[A-Za-z]{2,9}", ""),
    "Z": lambda n: (r"[+-]\d{4}|Z", "offset"),
    "X": lambda n: (r"Z|[+-]\d{2}(?::?\d{2})?", "offset"),
    "x": lambda n: (r"[+-]\d{2}(?::?\d{2})?", "offset"),
    "z": lambda n: (r"[A-Za-z][A-Za-z/_+-]*", ""),
    "D": lambda n: (r"\d{1,3}", ""),
    "w": lambda n: (r"\d{1,2}", ""),
    "G": lambda n: (r"[A-Za-z]+", ""),
}
# log4j2's and logback's named formats.
_NAMED_JAVA_DATES: Final = {
    "DEFAULT": "yyyy-MM-dd HH:mm:ss,SSS",
    "DEFAULT_MICROS": "yyyy-MM-dd HH:mm:ss,SSSSSS",
    "DEFAULT_NANOS": "yyyy-MM-dd HH:mm:ss,SSSSSSSSS",
    "ABSOLUTE": "HH:mm:ss,SSS",
    "ABSOLUTE_MICROS": "HH:mm:ss,SSSSSS",
    "DATE": "dd MMM yyyy HH:mm:ss,SSS",
    "COMPACT": "yyyyMMddHHmmssSSS",
    "ISO8601_BASIC": "yyyyMMdd'T'HHmmss,SSS",
    "ISO8601_OFFSET_DATE_TIME_HH": "yyyy-MM-dd'T'HH:mm:ss,SSSX",
    "ISO8601_OFFSET_DATE_TIME_HHMM": "yyyy-MM-dd'T'HH:mm:ss,SSSXX",
    "ISO8601_OFFSET_DATE_TIME_HHCMM": "yyyy-MM-dd'T'HH:mm:ss,SSSXXX",
    "ISO8601_PERIOD": "yyyy-MM-dd'T'HH:mm:ss.SSS",
}
# log4j2's ISO8601 has a "T", logback's a blank: either is read.
_ISO_ANY: Final = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?"


def _java_date(pattern: str, builder: _Builder, pad: str) -> None:
    pattern = pattern.strip()
    if pattern in ("", "ISO8601"):
        builder.group(_ISO_ANY, _TIME, pad=pad)
        return
    if pattern == "UNIX":
        builder.group(r"\d{9,11}", _EPOCH_S, pad=pad)
        return
    if pattern == "UNIX_MILLIS":
        builder.group(r"\d{12,14}", _EPOCH_MS, pad=pad)
        return
    pattern = _NAMED_JAVA_DATES.get(pattern, pattern)
    pieces: list[tuple[str, str]] = []
    at = 0
    while at < len(pattern):
        char = pattern[at]
        if char == "'":
            close = pattern.find("'", at + 1)
            if close < 0:
                raise LayoutError(f"date pattern {pattern!r}: unclosed quote")
            pieces.append((re.escape(pattern[at + 1 : close] or "'"), ""))
            at = close + 1
            continue
        run = at
        while run < len(pattern) and pattern[run] == char:
            run += 1
        count = run - at
        if char.isalpha():
            letter = _JAVA_DATE_LETTERS.get(char)
            if letter is None:
                raise LayoutError(f"date pattern {pattern!r}: unknown letter {char!r}")
            pieces.append(letter(count))
        else:
            pieces.append((re.escape(pattern[at:run]), ""))
        at = run
    builder.date(pieces, pad=pad)


# --- .NET custom date formats (Serilog's Timestamp). ----------------------------------------------------------------
def _dotnet_date(fmt: str, builder: _Builder, pad: str) -> None:
    if fmt in ("", "o", "O", "s"):
        builder.group(_ISO_ANY + r"(?:Z|[+-]\d{2}:\d{2})?", _TIME, pad=pad)
        return
    pieces: list[tuple[str, str]] = []
    at = 0
    while at < len(fmt):
        char = fmt[at]
        if char in "'\"":
            close = fmt.find(char, at + 1)
            if close < 0:
                raise LayoutError(f"timestamp format {fmt!r}: unclosed quote")
            pieces.append((re.escape(fmt[at + 1 : close]), ""))
            at = close + 1
            continue
        if char == "\\" and at + 1 < len(fmt):
            pieces.append((re.escape(fmt[at + 1]), ""))
            at += 2
            continue
        run = at
        while run < len(fmt) and fmt[run] == char:
            run += 1
        pieces.append(_dotnet_specifier(fmt, char, run - at))
        at = run
    builder.date(pieces, pad=pad)


def _dotnet_specifier(fmt: str, char: str, count: int) -> tuple[str, str]:
    """The regex and date part of a run of ``count`` letters ``char`` in a .NET format; a literal for no letter."""
    if char == "y":
        return (r"\d{2}", "year") if count <= 2 else (r"\d{4}", "year")
    if char == "M":
        return (r"\d{1,2}" if count == 1 else r"\d{2}" if count == 2 else r"[A-Za-z]{3,9}", "month")
    if char == "d":
        return (r"\d{1,2}", "day") if count == 1 else (r"\d{2}", "day") if count == 2 else (r"[A-Za-z]+", "")
    if char in "Hh":
        return (r"\d{1,2}" if count == 1 else r"\d{2}", "hour" if char == "H" else "hour12")
    if char in "ms":
        return (r"\d{1,2}" if count == 1 else r"\d{2}", "minute" if char == "m" else "second")
    if char == "f":
        return (rf"\d{{{count}}}", "fraction")
    if char == "F":
        return (rf"\d{{0,{count}}}", "fraction")
    if char == "t":
        return (r"[AaPp][Mm]?", "ampm")
    if char == "z":
        return (r"[+-]\d{1,2}" if count < 3 else r"[+-]\d{2}:\d{2}", "offset")
    if char == "K":
        return (r"Z|[+-]\d{2}:\d{2}|", "offset")
    if char.isalpha():
        raise LayoutError(f"timestamp format {fmt!r}: unknown specifier {char!r}")
    return (re.escape(char * count), "")


# --- PatternLayout (logback / log4j2). ------------------------------------------------------------------------------
_CONVERSION: Final = re.compile(r"%(?P<mod>-?\d*(?:\.-?\d+)?)(?P<name>[A-Za-z]+|\()")
_PROPERTY: Final = re.compile(r"\$\{(?P<name>[^}:]*)(?::-(?P<default>(?:[^{}]|\{[^{}]*\})*))?\}")
_WRAPPERS: Final = frozenset(
    {"highlight", "style", "clr", "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white", "gray",
     "boldRed", "boldGreen", "boldYellow", "boldBlue", "boldMagenta", "boldCyan", "boldWhite", "replace", "maxLen",
     "maxLength", "encode", "equals", "equalsIgnoreCase", "notEmpty", "varsNotEmpty", "variablesNotEmpty", "trunc"}
)  # fmt: skip
_TRACE_CONVERSIONS: Final = frozenset(
    {"ex", "exception", "throwable", "xEx", "xException", "xThrowable", "rEx", "rException", "rThrowable", "wEx",
     "wex", "nopex", "nopexception", "extendedThrowable", "rootException"}
)  # fmt: skip
_SIMPLE: Final[dict[str, tuple[str, int]]] = {
    "p": (r"[A-Za-z]+", _LEVEL),
    "le": (r"[A-Za-z]+", _LEVEL),
    "level": (r"[A-Za-z]+", _LEVEL),
    "c": (r"\S+?", _LOGGER),
    "lo": (r"\S+?", _LOGGER),
    "logger": (r"\S+?", _LOGGER),
    "t": (r".+?", _THREAD),
    "thread": (r".+?", _THREAD),
    "tn": (r".+?", _THREAD),
    "threadName": (r".+?", _THREAD),
    "m": (r".*", _MESSAGE),
    "msg": (r".*", _MESSAGE),
    "message": (r".*", _MESSAGE),
    "C": (r"\S+?", _LABEL),
    "class": (r"\S+?", _LABEL),
    "M": (r"[\w$<>]+", _LABEL),
    "method": (r"[\w$<>]+", _LABEL),
    "L": (r"\d+|\?", _LABEL),
    "line": (r"\d+|\?", _LABEL),
    "F": (r"\S+?", _LABEL),
    "file": (r"\S+?", _LABEL),
    "l": (r"\S+?", _LABEL),
    "location": (r"\S+?", _LABEL),
    "r": (r"\d+", _LABEL),
    "relative": (r"\d+", _LABEL),
    "pid": (r"\d+", _LABEL),
    "processId": (r"\d+", _LABEL),
    "T": (r"\d+", _LABEL),
    "tid": (r"\d+", _LABEL),
    "threadId": (r"\d+", _LABEL),
    "sn": (r"\d+", _LABEL),
    "sequenceNumber": (r"\d+", _LABEL),
    "u": (r"[0-9a-fA-F-]+", _LABEL),
    "uuid": (r"[0-9a-fA-F-]+", _LABEL),
    "N": (r"\d+", _LABEL),
    "nano": (r"\d+", _LABEL),
    "cn": (_WORD, _LABEL),
    "contextName": (_WORD, _LABEL),
    "marker": (_WORD, _LABEL),
    "markerSimpleName": (_WORD, _LABEL),
    "x": (_WORD, _LABEL),
    "NDC": (_WORD, _LABEL),
    "hostName": (r"\S+?", _HOST),
}
# Label names that no property rule claims ("method" would read as the HTTP method).
_LABEL_NAMES: Final = {"C": "source_class", "M": "source_method", "L": "source_line", "F": "source_file"}
_LABEL_NAMES.update({"class": "source_class", "method": "source_method", "line": "source_line", "file": "source_file"})
_LABEL_NAMES.update({"l": "location", "r": "relative_ms"})
_LABEL_NAMES.update({"T": "thread_id", "tid": "thread_id", "threadId": "thread_id", "N": "nano", "x": "ndc"})
_LABEL_NAMES.update({"sn": "sequence", "u": "uuid", "cn": "context", "contextName": "context", "processId": "pid"})
_LABEL_NAMES.update({"relative": "relative_ms", "sequenceNumber": "sequence", "markerSimpleName": "marker"})
_LABEL_NAMES.update({"NDC": "ndc"})
_MDC: Final = frozenset({"X", "mdc", "MDC", "K", "map", "MAP"})


def _options(pattern: str, at: int) -> tuple[list[str], int]:
    """The ``{...}`` options right after a conversion (nested braces allowed), and where they end."""
    options: list[str] = []
    while at < len(pattern) and pattern[at] == "{":
        depth, end = 0, at
        while end < len(pattern):
            if pattern[end] == "{":
                depth += 1
            elif pattern[end] == "}":
                depth -= 1
                if depth == 0:
                    break
            end += 1
        if depth != 0:
            raise LayoutError(f"unclosed '{{' at position {at} of {pattern!r}")
        options.append(pattern[at + 1 : end])
        at = end + 1
    return options, at


def _closing_paren(pattern: str, at: int) -> int:
    depth = 0
    index = at
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":  # an escaped parenthesis is text
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise LayoutError(f"unclosed '(' at position {at} of {pattern!r}")


def _property_value(match: re.Match[str]) -> str:
    default = match.group("default")
    # A layout default (Spring's LOG_LEVEL_PATTERN ``%5p``, a date pattern) is what services run with; a value set
    # only at run time (``${PID:- }``, ``${HOSTNAME}``) is unknown here, so any text is taken there.
    return default if default is not None and default.strip() else "%X{}"


def _expand_properties(pattern: str) -> str:
    """``${NAME:-default}`` (Spring's and logback's substitution) as the layout runs with it."""
    for _ in range(8):
        expanded = _PROPERTY.sub(_property_value, pattern)
        if expanded == pattern:
            break
        pattern = expanded
    return pattern


def _read_pattern(pattern: str, builder: _Builder, state: dict[str, bool]) -> None:
    at = 0
    literal: list[str] = []
    while at < len(pattern):
        if state["ended"] and pattern[at] not in "\r\n" and not pattern[at:].startswith("%"):
            if pattern[at:].strip():
                raise LayoutError(f"text after the line break (%n) in {pattern!r}: a layout reads one line")
            break
        text = _literal_at(pattern, at)
        if text is not None:
            literal.append(text[0])
            at = text[1]
            continue
        match = _CONVERSION.match(pattern, at)
        if match is None:
            raise LayoutError(f"a lone '%' at position {at} of {pattern!r}")
        if literal:
            if not state["ended"]:
                builder.literal("".join(literal))
            literal = []
        modifier, name = match.group("mod"), match.group("name")
        pad = "" if not modifier or modifier.startswith(".") else "left" if modifier.startswith("-") else "right"
        at = match.end()
        if name == "(" or (name in _WRAPPERS and at < len(pattern) and pattern[at] == "("):
            # logback's %(...) grouping and %clr(...)/%highlight(...) wrappers: their content is the pattern.
            start = at if name != "(" else at - 1
            close = _closing_paren(pattern, start)
            _read_pattern(pattern[start + 1 : close], builder, state)
            _, at = _options(pattern, close + 1)
            continue
        options, at = _options(pattern, at)
        _read_conversion(pattern, name, options, pad, builder, state)
    if literal and not state["ended"]:
        builder.literal("".join(literal))
    elif literal and "".join(literal).strip():
        raise LayoutError(f"text after the line break (%n) in {pattern!r}: a layout reads one line")


def _literal_at(pattern: str, at: int) -> tuple[str, int] | None:
    """The literal text at ``at`` (a character, an escaped one, "%%") and where it ends; None for a conversion."""
    char = pattern[at]
    if char == "\\" and at + 1 < len(pattern) and pattern[at + 1] in "%()":
        return pattern[at + 1], at + 2
    if char != "%":
        return char, at + 1
    if pattern.startswith("%%", at):
        return "%", at + 2
    return None


def _read_conversion(
    pattern: str, name: str, options: list[str], pad: str, builder: _Builder, state: dict[str, bool]
) -> None:
    """One conversion (``%-5level``, ``%X{traceId}``, ``%d{ISO8601}``) with its options, read into ``builder``."""
    if name == "n":
        state["ended"] = True
        return
    if state["ended"]:
        if name in _TRACE_CONVERSIONS:
            return
        raise LayoutError(f"%{name} after the line break (%n) in {pattern!r}: a layout reads one line")
    if name in _WRAPPERS:  # log4j2's %highlight{%-5level}{...}: the first option is the pattern
        if options:
            if name in ("notEmpty", "varsNotEmpty", "variablesNotEmpty"):
                builder.parts.append("(?:")
                _read_pattern(options[0], builder, state)
                builder.parts.append(")?")
            else:
                _read_pattern(options[0], builder, state)
        return
    if name in ("d", "date"):
        _java_date(options[0] if options else "", builder, pad)
    elif name in _TRACE_CONVERSIONS:
        return
    elif name in _MDC:
        key = options[0].split(":-", 1)[0].strip() if options else ""
        if key:
            builder.group(_WORD, _LABEL, label=key, pad=pad)
        else:
            builder.anonymous(_WORD)
    elif name in _SIMPLE:
        regex, role = _SIMPLE[name]
        builder.group(regex, role, label=_LABEL_NAMES.get(name, name), pad=pad)
    else:
        # A converter of its own (Elasticsearch's %node_name, a plugin's): its text is kept as a label.
        builder.group(_WORD, _LABEL, label=name, pad=pad)


def compile_pattern_layout(pattern: str) -> CompiledLayout:
    """Compile a logback / log4j2 ``PatternLayout`` conversion pattern."""
    builder = _Builder()
    _read_pattern(_expand_properties(pattern), builder, {"ended": False})
    return _finish(pattern, "pattern", builder, "%m / %msg / %message")


# --- Serilog outputTemplate. ----------------------------------------------------------------------------------------
_HOLE: Final = re.compile(
    r"\{\{|\}\}|\{(?P<name>[@$]?[A-Za-z_][A-Za-z0-9_]*)(?:,(?P<align>-?\d+))?(?::(?P<fmt>[^}]*))?\}"
)
_SERILOG_LEVEL_FORMATS: Final = {
    "u3": r"[A-Z]{3}",
    "w3": r"[a-z]{3}",
    "t3": r"[A-Z][a-z]{2}",
    "u4": r"[A-Z]{4}",
    "w4": r"[a-z]{4}",
    "u": r"[A-Z]+",
    "w": r"[a-z]+",
}


def compile_serilog_template(template: str) -> CompiledLayout:
    """Compile a Serilog ``outputTemplate`` (the text sinks' and console's)."""
    builder = _Builder()
    at = 0
    ended = False
    literal: list[str] = []
    for match in _HOLE.finditer(template):
        text = template[at : match.start()]
        if "{" in text or "}" in text:
            raise LayoutError(f"a lone brace in {template!r} near position {at}")
        literal.append(text)
        at = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
            continue
        if literal and not ended:
            builder.literal("".join(literal))
        elif literal and "".join(literal).strip():
            raise LayoutError(f"text after {{NewLine}} in {template!r}: a layout reads one line")
        literal = []
        name = match.group("name").lstrip("@$")
        align = match.group("align") or ""
        fmt = match.group("fmt") or ""
        pad = "" if not align else "left" if align.startswith("-") else "right"
        if name == "NewLine":
            ended = True
            continue
        if ended:
            if name == "Exception":
                continue
            raise LayoutError(f"{{{name}}} after {{NewLine}} in {template!r}: a layout reads one line")
        _read_hole(name, fmt, pad, builder)
    rest = template[at:]
    if "{" in rest or "}" in rest:
        raise LayoutError(f"a lone brace in {template!r} near position {at}")
    literal.append(rest)
    if not ended:
        builder.literal("".join(literal))
    return _finish(template, "serilog", builder, "{Message}")


def _read_hole(name: str, fmt: str, pad: str, builder: _Builder) -> None:
    """One ``{Name,align:format}`` of a Serilog template before ``{NewLine}``, read into ``builder``."""
    if name == "Timestamp":
        _dotnet_date(fmt, builder, pad)
    elif name == "Level":
        builder.group(_SERILOG_LEVEL_FORMATS.get(fmt, r"[A-Za-z]+"), _LEVEL, pad=pad)
    elif name == "Message":
        builder.group(r".*", _MESSAGE, pad=pad)
    elif name == "Exception":
        return
    elif name == "SourceContext":
        builder.group(r"\S+?", _LOGGER, pad=pad)
    elif name in ("ThreadId", "ThreadName"):
        builder.group(r".+?", _THREAD, pad=pad)
    elif name == "MachineName":
        builder.group(r"\S+?", _HOST, pad=pad)
    elif name == "Properties":
        builder.anonymous(r"\{.*?\}|")
    else:
        builder.group(_WORD, _LABEL, label=name, pad=pad)


def _finish(source: str, kind: str, builder: _Builder, message_name: str) -> CompiledLayout:
    if not builder.has_message:
        raise LayoutError(f"layout {source!r} has no {message_name}")
    try:
        regex = re.compile("".join(builder.parts))
    except re.error as error:  # pragma: no cover - every piece is escaped or built here
        raise LayoutError(f"layout {source!r} does not compile: {error}") from error
    message = next(group.name for group in builder.groups if group.role == _MESSAGE)
    parts = builder.parts
    at = max(index for index, part in enumerate(parts) if f"(?P<{message}>" in part)
    message_last = all(part == _PAD for part in parts[at + 1 :])
    return CompiledLayout(source, kind, regex, tuple(builder.groups), message_last)


def compile_layout(spec: str) -> CompiledLayout:
    """A layout as configured: a Serilog template when it has ``{Message...}`` and no ``%`` conversion, else a
    PatternLayout. Raises ``LayoutError``."""
    if not isinstance(spec, str) or not spec.strip():
        raise LayoutError("a layout must be a non-empty string")
    if "%" not in spec.replace("%%", "") and re.search(r"\{Message(?:[:,][^}]*)?\}", spec):
        return compile_serilog_template(spec)
    return compile_pattern_layout(spec)
