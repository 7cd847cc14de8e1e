"""Lift the order system's vocabulary out of properties and messages into schema fields.

Structured properties (logback MDC and structured arguments, Serilog properties) are matched by
normalised key name; what no rule claims stays in ``labels``. Messages are matched against a small
table of event patterns only when no property already named the event kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from logwarden import schema
from logwarden.memo import BoundedCache, memoised

Fields = dict[str, Any]


def _key(name: str) -> str:
    """``order_id``, ``OrderId``, ``order-id`` and ``order.id`` are one key."""
    return name.replace("_", "").replace("-", "").replace(".", "").replace("@", "").lower()


def _as_str(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if text.endswith("ms"):
            text = text[:-2].strip()
        try:
            return float(text)
        except ValueError:
            return None
    return None


def _as_status(value: Any) -> int | None:
    number = _as_float(value)
    if number is None or not 100 <= number <= 599 or number != int(number):
        return None
    return int(number)


def _path_only(value: Any) -> str | None:
    """A URL path without its query string: queries carry tokens and personal data."""
    text = _as_str(value)
    if text is None:
        return None
    if "://" in text:
        text = "/" + text.split("://", 1)[1].partition("/")[2]
    return text.split("?", 1)[0].split("#", 1)[0] or None


def _event_kind(value: Any) -> str | None:
    text = _as_str(value)
    return None if text is None else _snake_case(text)


_CAMEL_HUMP: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_ALNUM: Final = re.compile(r"[^0-9a-zA-Z]+")


@memoised(1024)
def _snake_case(text: str) -> str | None:
    """OrderCreated / order-created / ORDER_CREATED -> order_created (services use a handful of event names)."""
    return _NOT_ALNUM.sub("_", _CAMEL_HUMP.sub("_", text)).strip("_").lower() or None


# normalised property key -> (schema field, converter)
_PROPERTY_RULES: Final[dict[str, tuple[str, Callable[[Any], Any]]]] = {}


def _rule(field: str, converter: Callable[[Any], Any], *keys: str) -> None:
    for key in keys:
        _PROPERTY_RULES[key] = (field, converter)


_rule(schema.ORDER_ID, _as_str, "orderid", "ordernumber", "orderno", "ordernum")
_rule(schema.CUSTOMER_ID, _as_str, "customerid", "customernumber", "customerno")
_rule(schema.TRACE_ID, _as_str, "traceid", "xb3traceid", "tr", "ddtraceid", "awsxraytraceid", "correlationid")
_rule(schema.SPAN_ID, _as_str, "spanid", "xb3spanid", "sp", "ddspanid")
_rule(schema.ORDER_STATUS, _as_str, "newstatus", "tostatus", "orderstatus")
_rule(schema.ORDER_PREVIOUS_STATUS, _as_str, "oldstatus", "fromstatus", "previousstatus")
_rule(schema.ORDER_PRICE, _as_float, "price", "totalprice", "amount", "totalamount", "ordertotal")
_rule(schema.ORDER_CURRENCY, _as_str, "currency")
_rule(schema.DURATION_MS, _as_float, "durationms", "duration", "elapsed", "elapsedms", "elapsedmilliseconds", "tookms")
_rule(schema.HTTP_METHOD, _as_str, "method", "httpmethod", "requestmethod")
_rule(schema.URL_PATH, _path_only, "path", "requestpath", "uri", "requesturi", "url", "urlpath")
_rule(schema.HTTP_STATUS, _as_status, "statuscode", "httpstatus", "responsestatus", "status")
_rule(schema.CLIENT_ID, _as_str, "apiclient", "clientid", "apiclientid", "apiuser", "consumer")
_rule(schema.EVENT_KIND, _event_kind, "event", "eventtype", "eventkind", "eventname")
_rule(schema.ERROR_TYPE, _as_str, "errortype", "exceptiontype", "exceptionclass")
_rule(schema.ERROR_MESSAGE, _as_str, "errormessage", "exceptionmessage")
_rule(
    schema.SERVICE,
    _as_str,
    "service",
    "servicename",
    "application",
    "app",
    "appname",
    "applicationname",
    "springapplicationname",
)
_rule(schema.HOST, _as_str, "hostname", "host", "machinename")
_rule(schema.THREAD, _as_str, "threadid", "threadname", "thread")
_rule(schema.LOGGER, _as_str, "sourcecontext", "loggername", "logger")


@memoised(8192)
def rule_for(name: str) -> tuple[str, Callable[[Any], Any]] | None:
    """The rule for a property name as written; cached, as services reuse few names."""
    return _PROPERTY_RULES.get(_key(name))


def lift_properties(properties: dict[str, Any], fields: Fields) -> dict[str, Any]:
    """Move properties that name schema fields into ``fields``; return the rest (the labels).

    A field already set by the format itself (a logback ``level``) is not overwritten, and a
    property that does not convert (``status: "SHIPPED"`` is no HTTP status) stays a label.
    """
    return lift_planned(tuple((name, rule_for(name)) for name in properties), properties, fields)


def lift_planned(
    plan: tuple[tuple[str, tuple[str, Callable[[Any], Any]] | None], ...], record: dict[str, Any], fields: Fields
) -> dict[str, Any]:
    """``lift_properties`` over ``record``'s properties with their rules looked up beforehand (see ``_clef_plan``)."""
    labels: dict[str, Any] = {}
    for name, rule in plan:
        value = record[name]
        if rule is not None:
            field, convert = rule
            # Most properties are strings under a string rule: _as_str inlined.
            converted = (value.strip() or None) if convert is _as_str and type(value) is str else convert(value)
            if converted is not None:
                if field not in fields:
                    fields[field] = converted
                continue
        labels[name] = value
    return labels


def _order_id(group: str = "order") -> str:
    return r"(?:#|№|id|no\.?|number)?\s*[:=]?\s*(?P<" + group + r">[A-Za-z]{0,6}-?\d[\w-]{0,40})"


_ID: Final = _order_id()
# [A-Za-z], not [A-Z]: the same under IGNORECASE, and right in the lowered twin (see _lowered_twin).
_MONEY: Final = r"(?P<price>\d{1,12}(?:[.,]\d{1,4})?)\s*(?P<currency>[A-Za-z]{3}\b|руб\.?|₽)?"

_EVENT_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    (
        "order_status_changed",
        re.compile(
            r"\border\s+" + _ID + r"\s+status\s+(?:changed\s+)?(?:from\s+)?(?P<old>[A-Za-z_]+)\s*(?:->|→|to)\s*"
            r"(?P<new>[A-Za-z_]+)",
            re.IGNORECASE,
        ),
    ),
    (
        "order_created",
        re.compile(
            r"\border\s+" + _ID + r"\s+(?:was\s+|has\s+been\s+)?(?:created|placed|registered)\b"
            r"|\b(?:created|placed|new)\s+order\s+" + _order_id("order2"),
            re.IGNORECASE,
        ),
    ),
    (
        "price_calculated",
        re.compile(
            r"\bprice\s+(?:calculated|computed)\b(?:\s+for\s+order\s+" + _ID + r")?\s*[:=]?\s*" + _MONEY,
            re.IGNORECASE,
        ),
    ),
    (
        "api_request",
        re.compile(
            r"^(?:HTTP\s+)?(?P<method>GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(?P<path>/\S*)\s+(?:responded\s+|->\s*)?"
            r"(?P<status>[1-5]\d\d)\b(?:.*?\bin\s+(?P<duration>\d+(?:\.\d+)?)\s*ms)?"
        ),
    ),
    (
        "order_overdue",
        re.compile(
            r"\boverdue\b.*?\border\b(?:\s+" + _ID + r")?|\border\s+" + _order_id("order2") + r".*?\boverdue\b", re.I
        ),
    ),
    ("limit_exceeded", re.compile(r"\b(?:rate\s+)?limit\s+(?:was\s+)?exceeded\b|\btoo\s+many\s+requests\b", re.I)),
    ("slow_operation", re.compile(r"\bslow\b.*?(?:\btook\s+|\bin\s+)(?P<duration>\d+(?:\.\d+)?)\s*ms\b", re.I)),
)

# Each pattern runs only when its keyword is in the message: a substring test costs far less than a search.
_KEYWORDS: Final[dict[str, tuple[str, ...]]] = {
    "order_status_changed": ("status",),
    "order_created": ("created", "placed", "registered", "new order"),
    "price_calculated": ("price",),
    "api_request": ("get ", "post ", "put ", "patch ", "delete ", "head ", "options "),
    "order_overdue": ("overdue",),
    "limit_exceeded": ("limit", "too many"),
    "slow_operation": ("slow",),
}
# The one anchored pattern: it needs one of these at the start, which is cheaper to test than its seven keywords.
_STARTS: Final[dict[str, tuple[str, ...]]] = {
    "api_request": ("HTTP", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"),
}
_DURATION_IN_TEXT: Final = re.compile(r"\b(?:took|in|duration[:=]?)\s+(?P<duration>\d+(?:\.\d+)?)\s*ms\b", re.I)
_ORDER_IN_TEXT: Final = re.compile(r"\border\s+" + _ID, re.I)


def _price(value: str) -> float:
    return float(value.replace(",", "."))


def _currency(value: str) -> str:
    return "RUB" if value[0] in "р₽" else value


def _same(value: str) -> str:
    return value


# (group, schema field, converter) in the order a match's values are taken; a field already set wins.
_GROUP_FIELDS: Final[tuple[tuple[str, str, Callable[[str], Any]], ...]] = (
    ("order", schema.ORDER_ID, _same),
    ("order2", schema.ORDER_ID, _same),
    ("old", schema.ORDER_PREVIOUS_STATUS, _same),
    ("new", schema.ORDER_STATUS, _same),
    ("price", schema.ORDER_PRICE, _price),
    ("currency", schema.ORDER_CURRENCY, _currency),
    ("method", schema.HTTP_METHOD, _same),
    ("path", schema.URL_PATH, _path_only),
    ("status", schema.HTTP_STATUS, int),
    ("duration", schema.DURATION_MS, float),
)


def _lowered_twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """A case-insensitive pattern without IGNORECASE, to search an ASCII message lowered instead of the message.

    On ASCII text both match at the same places with the same groups: the patterns' letters are lowercase or
    ``A-Za-z`` ranges, ``\\w``, ``\\d``, ``\\s`` and ``\\b`` mean the same in either case, and their non-ASCII
    letters match nothing in either. It runs about twice as fast: sre can skip ahead to a literal only when case
    does not matter. ``tests/unit/test_parsing.py`` compares the two on generated messages."""
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE) if pattern.flags & re.IGNORECASE else None


# Per pattern, precomputed: its keywords, its lowered twin, only the groups it has (so a match reads just those),
# and what the message must start with when the pattern is anchored (api_request: a method or "HTTP").
_EVENT_RULES: Final = tuple(
    (
        kind,
        pattern,
        _lowered_twin(pattern),
        _KEYWORDS[kind],
        tuple(g for g in _GROUP_FIELDS if g[0] in pattern.groupindex),
        _STARTS.get(kind),
    )
    for kind, pattern in _EVENT_PATTERNS
)
_ORDER_IN_LOWERED: Final = _lowered_twin(_ORDER_IN_TEXT)
_DURATION_IN_LOWERED: Final = _lowered_twin(_DURATION_IN_TEXT)
_LOWERED_MAX: Final = 2000  # the part of a message lowered for the keyword tests


_API_STARTS: Final = _STARTS["api_request"]
_DIGITS_AS_ZERO: Final = bytes.maketrans(b"123456789", b"000000000")  # bytes.translate: str.translate is slow
_NO_SPAN: Final = (-1, -1)


class _Outcome:
    """What classification finds in a message, as spans of it, whatever the fields already hold."""

    kind: str | None  # the first rule that matches
    values: tuple[tuple[str, Callable[[str], Any], int, int], ...]  # its groups that matched text: field, start, end
    order: tuple[int, int]  # the order id that _ORDER_IN_TEXT finds, (-1, -1) for none
    duration: tuple[int, int]  # the duration that _DURATION_IN_TEXT finds

    def __init__(
        self,
        kind: str | None,
        values: tuple[tuple[str, Callable[[str], Any], int, int], ...],
        order: tuple[int, int],
        duration: tuple[int, int],
    ) -> None:
        self.kind = kind
        self.values = values
        self.order = order
        self.duration = duration


# Outcomes by the hash of a message's shape (see _classify). By hash, so that no message text, which may be
# personal, is held between deliveries; two shapes of equal 64-bit hash among 4096 are too unlikely to matter.
_OUTCOMES: Final[BoundedCache[int, _Outcome]] = BoundedCache(4096)


def classify_message(message: str, fields: Fields) -> None:
    """Set the event kind and the values it carries from a free-text message, if it matches one."""
    if message:
        _classify(message, fields, len(message) <= _LOWERED_MAX and message.isascii())


def _classify(message: str, fields: Fields, by_shape: bool) -> None:
    """``classify_message``. ``by_shape`` (an ASCII message, lowered whole) takes the outcome of its shape.

    A message's shape is the message lowered with every digit read as 0: "order ord-00-0000000 status changed
    from new to sent_to_crm" stands for every order that changed so. Neither the keywords nor the patterns tell
    one digit from another (the one that does, api_request's status, is anchored at a start that is excluded
    here), and the lowered twins match an ASCII message lowered as the patterns match the message, so a shape
    has one outcome, with spans that hold in every message of that shape. Services write a few hundred shapes,
    so the patterns run about once per shape rather than once per message. ``tests/unit/test_parsing.py``
    compares both paths on generated messages."""
    if by_shape and not message.startswith(_API_STARTS):
        shape = message.lower().encode("ascii").translate(_DIGITS_AS_ZERO)
        key = hash(shape)
        outcome = _OUTCOMES.get(key)
        if outcome is None:
            outcome = _OUTCOMES.store(key, _outcome_of(shape.decode("ascii")))
        _apply(outcome, message, fields)
        return
    lowered = message[:_LOWERED_MAX].lower()
    if schema.EVENT_KIND not in fields:
        _match_event(message, lowered, fields)
    if schema.ORDER_ID not in fields and "order" in lowered:
        order = _ORDER_IN_TEXT.search(message)
        if order is not None:
            fields[schema.ORDER_ID] = order.group("order")
    if schema.DURATION_MS not in fields and "ms" in lowered:
        duration = _DURATION_IN_TEXT.search(message)
        if duration is not None:
            fields[schema.DURATION_MS] = float(duration.group("duration"))


def _match_event(message: str, lowered: str, fields: Fields) -> None:
    """The event kind of the first rule whose keyword and pattern match, and the values its groups hold."""
    for kind, pattern, _twin, keywords, groups, starts in _EVENT_RULES:
        if starts is not None and not message.startswith(starts):
            continue
        for word in keywords:
            if word in lowered:
                break
        else:
            continue
        match = pattern.search(message)
        if match is None:
            continue
        fields[schema.EVENT_KIND] = kind
        for group, field, convert in groups:
            value = match.group(group)
            if value and field not in fields:
                fields[field] = convert(value)
        return


def _outcome_of(shape: str) -> _Outcome:
    """Classify a shape with the lowered twins, every search run (the fields decide later what is taken)."""
    kind: str | None = None
    values: tuple[tuple[str, Callable[[str], Any], int, int], ...] = ()
    for rule_kind, _pattern, twin, keywords, rule_groups, starts in _EVENT_RULES:
        # api_request (anchored, no twin) cannot match: the caller saw that the message does not start as it must.
        if twin is None or starts is not None or not any(word in shape for word in keywords):
            continue
        found = twin.search(shape)
        if found is not None:
            kind = rule_kind
            values = tuple(
                (field, convert, *found.span(group)) for group, field, convert in rule_groups if found.group(group)
            )
            break
    order = duration = _NO_SPAN
    if "order" in shape and _ORDER_IN_LOWERED is not None:
        found_order = _ORDER_IN_LOWERED.search(shape)
        if found_order is not None:
            order = found_order.span("order")
    if "ms" in shape and _DURATION_IN_LOWERED is not None:
        found_duration = _DURATION_IN_LOWERED.search(shape)
        if found_duration is not None:
            duration = found_duration.span("duration")
    return _Outcome(kind, values, order, duration)


def _apply(outcome: _Outcome, message: str, fields: Fields) -> None:
    """Take what an outcome found from the message itself, in the order and on the terms of the pattern path."""
    if outcome.kind is not None and schema.EVENT_KIND not in fields:
        fields[schema.EVENT_KIND] = outcome.kind
        for field, convert, start, end in outcome.values:
            if field not in fields:
                fields[field] = message[start:end] if convert is _same else convert(message[start:end])
    start, end = outcome.order
    if start >= 0 and schema.ORDER_ID not in fields:
        fields[schema.ORDER_ID] = message[start:end]
    start, end = outcome.duration
    if start >= 0 and schema.DURATION_MS not in fields:
        fields[schema.DURATION_MS] = float(message[start:end])


_EXCEPTION_LINE: Final = re.compile(
    r"^(?:Caused by:\s*|Unhandled exception\.\s*)?(?P<type>(?:[A-Za-z_$][\w$]*\.)*[\w$]*"
    r"(?:Exception|Error|Throwable|Fault|Failure))(?::\s?(?P<message>.*))?$"
)


_UNCAUGHT: Final = re.compile(r'Exception in thread "[^"\n]*" ')
_INNER: Final = " ---> "  # .NET's Exception.ToString() chains inner exceptions on the outer one's line


def _error_message(text: str) -> str:
    """An exception line's text, without the inner exceptions .NET appends (`` ---> System.X: inner``)."""
    inner = text.find(_INNER)
    return (text[:inner] if inner >= 0 else text).strip()


def bare_stack_trace(text: str) -> Fields | None:
    """A record that is only a stack trace (``e.printStackTrace()``, an uncaught exception, .NET's ``ToString()``):
    its first line names the exception. The fields of an ERROR record, or None when the text is anything else."""
    first, _, _rest = text.partition("\n")
    first = first.strip()
    head = first
    uncaught = _UNCAUGHT.match(head)
    if uncaught is not None:
        head = head[uncaught.end() :]
    match = _EXCEPTION_LINE.match(head)
    if match is None:
        return None
    fields: Fields = {
        schema.FORMAT: "stack-trace",
        schema.LEVEL: "ERROR",
        schema.MESSAGE: first,
        schema.ERROR_TYPE: match.group("type"),
        schema.STACK_TRACE: text.rstrip(),
    }
    if match.group("message"):
        fields[schema.ERROR_MESSAGE] = _error_message(match.group("message"))
    return fields


def split_stack_trace(text: str, fields: Fields) -> str:
    """Split a multi-line record into its first line(s) and a stack trace; fill the error fields.

    Returns the message part. The exception header is the first line after the message that names an
    exception type (Java ``java.lang.IllegalStateException: ...``, .NET ``System.TimeoutException: ...``).
    """
    lines = text.split("\n")
    for index in range(1, len(lines)):
        match = _EXCEPTION_LINE.match(lines[index].strip())
        if match is None:
            continue
        fields.setdefault(schema.ERROR_TYPE, match.group("type"))
        if match.group("message"):
            fields.setdefault(schema.ERROR_MESSAGE, _error_message(match.group("message")))
        fields[schema.STACK_TRACE] = "\n".join(lines[index:]).rstrip()
        return "\n".join(lines[:index]).rstrip()
    if len(lines) > 1 and any(line.lstrip().startswith("at ") for line in lines[1:]):
        fields[schema.STACK_TRACE] = "\n".join(lines[1:]).rstrip()
        return lines[0].rstrip()
    return text.rstrip()


def error_from_stack_trace(trace: str, fields: Fields) -> None:
    """A logback ``stack_trace`` or Serilog ``@x`` starts with the exception's type and message."""
    first = trace.lstrip().split("\n", 1)[0].strip()
    match = _EXCEPTION_LINE.match(first)
    if match is not None:
        fields.setdefault(schema.ERROR_TYPE, match.group("type"))
        if match.group("message"):
            fields.setdefault(schema.ERROR_MESSAGE, _error_message(match.group("message")))
    fields[schema.STACK_TRACE] = trace.rstrip()
