"""The masker: documents by field name first, then free text by detectors; counts what it masked."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, Final
from urllib.parse import unquote, unquote_plus

from logwarden import schema
from logwarden.masking.config import MaskingConfig
from logwarden.masking.decode import decode_body
from logwarden.masking.fieldnames import classify_nested_key, is_identifier_key
from logwarden.masking.hashkey import fetch_hash_key
from logwarden.masking.kinds import Kind, Mode
from logwarden.masking.prefilter import Found
from logwarden.masking.text import Span, is_service_url, scan, triage, worth_scanning
from logwarden.memo import BoundedCache, Memo

# Fields whose values the pipeline itself writes (levels, kinds, numbers, AWS's own names): never personal, never
# scanned. What the parser lifts out of a record (logger, thread, host, ids, statuses, error types) is not here: a
# service can put anything in those, so they are scanned like any other text (an id that is a bare number is kept).
_TRUSTED_FIELDS: Final = frozenset(
    (
        schema.TIMESTAMP,
        schema.INGESTED,
        schema.EVENT_KIND,
        schema.DURATION_MS,
        schema.LEVEL,
        schema.FORMAT,
        schema.FLAGS,
        schema.MASKED,
        schema.SUBSYSTEM,
        schema.ORDER_PRICE,
        schema.ORDER_CURRENCY,
        schema.HTTP_METHOD,
        schema.HTTP_STATUS,
        schema.ORIGIN_TYPE,
        schema.ORIGIN_VHOST,
        schema.ORIGIN_BROKER,
        schema.CLOUD_ACCOUNT,
        schema.CLOUD_REGION,
        schema.ORIGIN_EVENT_ID,
        schema.ORIGIN_LOG_GROUP,
        schema.ORIGIN_LOG_STREAM,
        schema.ORIGIN_QUEUE,
    )
)
# The fields the parser lifts out of a record: scanned like any text (see _TRUSTED_FIELDS), and prefiltered with
# the free text of a delivery, so that the usual clean names and ids cost a set lookup.
_LIFTED_FIELDS: Final = (
    schema.LOGGER,
    schema.SERVICE,
    schema.HOST,
    schema.THREAD,
    schema.ERROR_TYPE,
    schema.ORDER_STATUS,
    schema.ORDER_PREVIOUS_STATUS,
    schema.ORDER_ID,
    schema.CUSTOMER_ID,
    schema.TRACE_ID,
    schema.SPAN_ID,
    schema.ORIGIN_MESSAGE_ID,
)
_PREPARED_FIELDS: Final = (*schema.FREE_TEXT_FIELDS, *_LIFTED_FIELDS)
_MIN_TEXT: Final = 5  # "pwd=x" is the shortest thing worth masking
_UNICODE_ESCAPE: Final = re.compile(r"\\u([0-9a-fA-F]{4})")
# A run of escapes with printable ASCII between them other than '"' and '\\' (which the decoder reads as they are):
# "\u041c\u043e\u0441\u043a\u0432\u0430 \u0443\u043b. 5" is one run, decoded at C speed (see _unescape_run).
_UNICODE_ESCAPE_RUN: Final = re.compile(r"\\u[0-9a-fA-F]{4}(?:[ !#-\[\]-~]*\\u[0-9a-fA-F]{4})*")
# What _unescape_unicode keeps escaped: in a decoded run, the sign to decode it escape by escape instead (the text
# between escapes holds none of these).
_KEPT_ESCAPED: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_PERCENT_ESCAPE: Final = re.compile(r"%[0-9A-Fa-f]{2}")
_KEY_SUSPECT: Final = re.compile(r"[@0-9]")
_MAX_DEPTH: Final = 32  # deeper structures are masked as JSON text (see _mask_deep)
REDACTED: Final = "[REDACTED: masking time bound]"  # a line the masker could not finish within its bound
REDACTED_COUNT: Final = "redacted"
_HASH_HEX: Final = 16
_EMPTY_VALUES: Final = ("null", "none", "n/a", "-")
_KIND_VALUES: Final = {kind: kind.value for kind in Kind}  # Enum.value is a Python-level property: slow in a loop
_FIELD_CACHE_MAX: Final = 10_000
_CLEAN_VALUES_MAX: Final = 4096
_NESTED_PARENTS_MAX: Final = 64  # objects (by key) whose property names are remembered ...
_NESTED_KEYS_MAX: Final = 4096  # ... and how many names per object: a bounded memory whatever the input
_CLEAN_VALUE_MAX_LEN: Final = 1024  # at most 4096 values of 1 KB: a few MB in the worst case


def _unescape_unicode(match: re.Match[str]) -> str:
    code = int(match.group(1), 16)
    # Control characters and surrogates stay escaped so a JSON line stays JSON; a quote or a backslash becomes its
    # two-character escape, which JSON reads the same and the key scan reads as a quote (System.Text.Json writes
    # every '"' as \u0022).
    if (0x20 <= code < 0x7F and code not in (0x22, 0x5C)) or 0xA0 <= code < 0xD800 or 0xE000 <= code <= 0xFFFD:
        return chr(code)
    if code == 0x22:
        return '\\"'
    if code == 0x5C:
        return "\\\\"
    return match.group()


def _unescape_run(match: re.Match[str]) -> str:
    run = match.group()
    decoded = run.encode("ascii").decode("unicode_escape")  # the text between escapes is the same decoded
    if _KEPT_ESCAPED.search(decoded) is not None:
        return _UNICODE_ESCAPE.sub(_unescape_unicode, run)
    # A quote or a backslash came from an escape (the text between holds none): written as _unescape_unicode does.
    if "\\" in decoded:
        decoded = decoded.replace("\\", "\\\\")
    if '"' in decoded:
        decoded = decoded.replace('"', '\\"')
    return decoded


def unescape_unicode(text: str) -> str:
    """``text`` with its ``\\uXXXX`` escapes decoded as :func:`_unescape_unicode` decodes each: a callback per run
    of escapes (a word of Cyrillic from System.Text.Json) instead of one per character."""
    return _UNICODE_ESCAPE_RUN.sub(_unescape_run, text)


# A run of URL-encoded text (a query string, a form body, an encoded value): decoded on its own, so that the rest of
# the line ("+03:00" in a timestamp) is left as it is.
_URL_ENCODED: Final = re.compile(r"[^\s\"'<>]*%[0-9A-Fa-f]{2}[^\s\"'<>]*")


def _unquote_run(match: re.Match[str]) -> str:
    run = match.group()
    # In a form body or query string ("a=1&b=2") a bare '+' is a space ("8+(912)+345-67-89").
    return unquote_plus(run) if "=" in run and "+" in run else unquote(run)


def _digits(value: str) -> str:
    return value if value.isdigit() else "".join(filter(str.isdigit, value))


def _normalise(kind: Kind, value: str) -> str:
    """One spelling per value, so the hash of ``+7 (912) 345-67-89`` equals that of ``89123456789``."""
    if kind is Kind.EMAIL:
        return value.strip().lower()
    if kind is Kind.PHONE:
        digits = _digits(value)
        return "7" + digits[1:] if len(digits) == 11 and digits[0] == "8" else digits
    if kind in (Kind.CARD, Kind.INN, Kind.SNILS, Kind.PASSPORT):
        return _digits(value)
    if kind is Kind.IBAN:
        return value.replace(" ", "").upper()
    if kind is Kind.IP:
        address = _ip_address(value)
        return value.strip() if address is None else address.compressed
    return value.strip()


def _ip_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a masked IP span holds, without brackets or zone id; None when it is none."""
    text = value.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class Masker:
    """Masks personal data and secrets in log text and documents; one instance per process is enough.

    ``mask_text`` returns its argument unchanged (the same object) when nothing in it is personal.
    ``mask_document`` never modifies its argument. ``take_counts`` hands the per-kind counts to the metrics.
    """

    def __init__(self, config: MaskingConfig | None = None) -> None:
        self._config = config or MaskingConfig()
        self._disabled = self._config.disabled_kinds
        self._private_ips = self._config.mask_private_ips
        self._time_bound = self._config.line_time_bound_ms / 1000
        self._keep_networks = [ipaddress.ip_network(cidr, strict=False) for cidr in self._config.keep_cidrs]
        self._kept_ips = Memo(self._in_kept_networks, _FIELD_CACHE_MAX)
        self._skip_fields = _TRUSTED_FIELDS | self._config.allow_fields
        self._modes = {kind: self._config.mode(kind) for kind in Kind}
        self._key: bytes | None = None
        if self._config.uses_hash:
            self._key = self._config.hash_key or fetch_hash_key(
                self._config.hash_key_source, self._config.hash_key_name
            )
        self._counts: dict[str, int] = {}
        self._document_kinds: set[str] = set()  # kinds masked since mask_document began
        # Values masked by their key in the current document, with their replacements: the same value quoted
        # in the message (a Serilog template rendered with {CustomerName}) must go too.
        self._document_values: dict[str, str] = {}
        # Texts masked in the current document, with what masking them counted: a text the document holds again (a
        # .NET record's message in its "Message" and "{OriginalFormat}" properties too) is masked once.
        self._document_texts: dict[str, tuple[str, dict[str, int]]] = {}
        # Document values masking leaves unchanged (see _mask_keyed_text).
        self._clean_values: BoundedCache[str, bool] = BoundedCache(_CLEAN_VALUES_MAX)
        self._vouched: set[str] = set()  # free text of the prepared documents the prefilter cleared
        self._prepared: dict[str, Found] = {}  # and what it found in the rest, so it is not scanned for twice
        self._placeholders = {kind: kind.placeholder for kind in Kind}
        self._marks = {kind: f"[{kind.name}" for kind in Kind}  # how every replacement of a kind begins
        # Per top-level field name (documents repeat the same few hundred): see _plan_field.
        self._field_kinds = Memo(self._plan_field, _FIELD_CACHE_MAX)
        self._shapes = Memo(self._plan_shape, _FIELD_CACHE_MAX)
        self._nested_keys = Memo(_nested_key_plans, _NESTED_PARENTS_MAX)

    # ------------------------------------------------------------------ counts
    def take_counts(self) -> dict[str, int]:
        """Masks per kind since the last call; resets the counters."""
        counts, self._counts = self._counts, {}
        return counts

    def _count(self, kind: Kind) -> None:
        name = _KIND_VALUES[kind]
        self._counts[name] = self._counts.get(name, 0) + 1
        self._document_kinds.add(name)

    # ------------------------------------------------------------------ replacements
    def replacement(self, kind: Kind, value: str) -> str:
        mode = self._modes[kind]
        if mode is Mode.HASH and self._key is not None:
            digest = hmac.new(self._key, _normalise(kind, value).encode("utf-8"), hashlib.sha256).hexdigest()
            return f"[{kind.name}#{digest[:_HASH_HEX]}]"
        if mode is Mode.PARTIAL:
            if kind is Kind.CARD:
                return f"[CARD ****{_digits(value)[-4:]}]"
            if kind is Kind.PHONE:
                return f"[PHONE ***{_digits(value)[-2:]}]"
            if kind is Kind.EMAIL and "@" in value:
                local, _, domain = value.partition("@")
                return f"[EMAIL {local[:1]}***@{domain}]"
        return self._placeholders[kind]

    # ------------------------------------------------------------------ free text
    def mask_text(self, text: str) -> str:
        """``text`` with every personal value replaced; the very same string when there is none."""
        return self._mask_text(text, None)

    def mask_bytes(self, data: bytes, declared_charset: str | None = None) -> str:
        """A message body that is bytes, decoded (its declared charset, cp1251 included, or UTF-8 with U+FFFD for
        what does not decode: see ``decode.decode_body``) and masked: what is parked is never the raw bytes."""
        text, _codec, _replaced = decode_body(data, declared_charset)
        return self.mask_text(text)

    def mask_lines(self, lines: Sequence[str]) -> list[str]:
        """``[mask_text(line) for line in lines]``, with one prefilter scan for all of them (much faster)."""
        masked = list(lines)
        for index, found in triage(lines).items():
            masked[index] = self._mask_text(lines[index], found)
        return masked

    def changed_lines(self, lines: Sequence[str]) -> Iterator[tuple[int, str, dict[str, int]]]:
        """Index, masked text and counts per kind of each line that masking changed, in order; the counts are
        handed over as :meth:`take_counts` would (``logwarden mask`` reports them per line)."""
        for index, found in sorted(triage(lines).items()):
            masked = self._mask_text(lines[index], found)
            counts = self.take_counts()
            if counts or masked is not lines[index]:
                yield index, masked, counts

    def prepare(self, docs: Iterable[dict[str, Any]]) -> None:
        """Prefilter the free text of ``docs`` (messages, stack traces, the fields lifted from them) in one scan and
        remember what it clears until the next call, so that :meth:`mask_document` finds those texts clean with a
        set lookup. The ingest pipeline prepares each delivery's documents; masking gives the same result with or
        without it."""
        texts = [text for doc in docs for field in _PREPARED_FIELDS if isinstance(text := doc.get(field), str)]
        suspects = triage(texts)
        self._vouched = {text for index, text in enumerate(texts) if index not in suspects}
        self._prepared = {texts[index]: found for index, found in suspects.items() if found is not None}

    def _mask_text(self, text: str, found: Found | None) -> str:
        # A line the prefilter found something in holds a character worth_scanning looks for.
        if len(text) < _MIN_TEXT or (found is None and not worth_scanning(text)):
            return text
        started = time.perf_counter()
        masked = self._mask_decoded(text, found)
        if time.perf_counter() - started > self._time_bound:
            # Every pattern is linear, so this takes a line far longer than any log line; whatever was found in
            # it, it is not stored: the marker stands in its place and the count says so.
            self._counts[REDACTED_COUNT] = self._counts.get(REDACTED_COUNT, 0) + 1
            self._document_kinds.add(REDACTED_COUNT)
            return REDACTED
        return masked

    def _mask_decoded(self, text: str, found: Found | None) -> str:
        # Escaped text (\uXXXX, %XX) is decoded first and masked as it reads: masking the escaped form first could
        # mask half a value ("phone=8" of "phone=8\u002B%28912%29...") and leave the rest unreadable to the second
        # pass. When the decoded form holds nothing, the line is scanned as it is, and kept byte for byte.
        decoded = text
        if "\\u" in decoded:
            decoded = unescape_unicode(decoded)
        if "%" in decoded and _PERCENT_ESCAPE.search(decoded):
            decoded = _URL_ENCODED.sub(_unquote_run, decoded)
        if decoded != text:
            masked = self._mask_plain(decoded)
            if masked is not decoded:
                return masked
        return self._mask_plain(text, found)

    def _mask_plain(self, text: str, found: Found | None = None) -> str:
        spans = scan(text, self._private_ips, found)
        if not spans:
            return text
        spans.sort(key=lambda span: (span.start, -span.end))
        pieces: list[str] = []
        position = 0
        for span in spans:
            if span.end <= position or span.kind in self._disabled:
                continue
            if span.kind is Kind.IP and self._keep_networks and self._kept_ips[text[span.start : span.end]]:
                continue
            # A span reaching past one already masked masks the rest too: leaking its tail is worse.
            start = max(span.start, position)
            pieces.append(text[position:start])
            replacement = self.replacement(span.kind, text[start : span.end])
            pieces.append(f'"{replacement}"' if span.quote else replacement)
            position = span.end
            self._count(span.kind)
        if position == 0:
            return text
        pieces.append(text[position:])
        return "".join(pieces)

    def _in_kept_networks(self, value: str) -> bool:
        """Whether an address lies in one of the configured infrastructure ranges (``keep_cidrs``)."""
        address = _ip_address(value)
        return address is not None and any(
            address.version == network.version and address in network for network in self._keep_networks
        )

    # ------------------------------------------------------------------ documents
    def mask_document(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The document with personal values masked and ``logwarden.masked`` listing the kinds; ``doc`` untouched."""
        self._document_kinds.clear()
        self._document_values.clear()
        self._document_texts.clear()
        result: dict[str, Any] | None = None
        shape = tuple(doc)
        plan = self._shapes[shape]
        for name, text_kind, other_kind in plan:
            value = doc[name]
            if value is None:
                continue
            if name == schema.LABELS:
                new = self._mask_value(value, None, None, 0)
            elif isinstance(value, str):
                if text_kind is not None:
                    new = self._mask_whole(text_kind, value)
                else:
                    new = self._mask_keyed_text(name, value)
            else:
                new = self._mask_value(value, other_kind, None, 0)
            if new is not value:
                if result is None:
                    result = dict(doc)
                result[name] = new
        if result is None:
            return doc
        if self._document_values:
            self._mask_quoted_values(result)
        kinds = set(self._document_kinds)
        previous = doc.get(schema.MASKED)
        if isinstance(previous, list):
            kinds.update(str(kind) for kind in previous)
        result[schema.MASKED] = sorted(kinds)
        return result

    def _mask_quoted_values(self, result: dict[str, Any]) -> None:
        """Free text quoting a value that was masked by its key: names and addresses have no pattern of their
        own, so the structured field is what identifies them, here and wherever else the document repeats them."""
        for field in schema.FREE_TEXT_FIELDS:
            text = result.get(field)
            if not isinstance(text, str):
                continue
            for value, replacement in self._document_values.items():
                if value in text:
                    text = text.replace(value, replacement)
            result[field] = text

    def _plan_shape(self, shape: tuple[str, ...]) -> tuple[tuple[str, Kind | None, Kind | None], ...]:
        """The fields of a document with these keys that masking looks at, each with the kinds its name gives.

        Documents come in few shapes (one per format and set of properties), so the trusted fields are sorted
        out once per shape rather than once per document."""
        plans = self._field_kinds
        return tuple((name, *plans[name]) for name in shape if name not in self._skip_fields)

    def _plan_field(self, name: str) -> tuple[Kind | None, Kind | None]:
        """The kinds a field's name gives a string value and any other value, worked out once per name."""
        kind = classify_nested_key(name.rsplit(".", 1)[-1], None)
        return (None if name in schema.FREE_TEXT_FIELDS else kind, kind)

    def _mask_keyed_text(self, key: str, value: str) -> str:
        """A string under a key that says nothing: scanned, except a bare number under an id-like key."""
        if value in self._vouched or value in self._clean_values:  # the common case first: a prefiltered clean value
            return value
        if value.isdigit() and is_identifier_key(key.rsplit(".", 1)[-1]):
            return value
        repeated = self._document_texts.get(value)
        if repeated is not None:  # masked before in this document: the same answer, counted again
            masked, counted = repeated
            for name, count in counted.items():
                self._counts[name] = self._counts.get(name, 0) + count
            return masked
        before = self._counts.copy()
        masked = self._mask_text(value, self._prepared.get(value))
        counted = {} if masked is value else _counted_since(before, self._counts)
        self._document_texts[value] = (masked, counted)
        if masked is value and len(value) <= _CLEAN_VALUE_MAX_LEN and key != schema.MESSAGE:
            # Field values repeat: thread names, Serilog templates, the same exception and stack trace a thousand
            # times in an incident. Masking depends on the value alone, so a clean one stays clean; only clean
            # values are kept (no personal data is held), a bounded number, and not the message, which carries
            # each event's own ids and would only churn the set.
            self._clean_values.store(value, True)
        return masked

    def _mask_whole(self, kind: Kind, value: Any) -> Any:
        """A value under a key that names personal data: masked whatever it looks like."""
        if isinstance(value, str):  # nearly every such value: checked first
            if kind in self._disabled or (kind is Kind.ADDRESS and is_service_url(value)):
                return self.mask_text(value)
            stripped = value.strip()
            if not stripped or stripped.lower() in _EMPTY_VALUES or stripped.startswith(self._marks[kind]):
                return value
            self._count(kind)
            replacement = self.replacement(kind, value)
            if len(stripped) >= _MIN_QUOTED:
                self._document_values[stripped] = replacement
            return replacement
        if kind in self._disabled or isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int | float):
            self._count(kind)
            return self.replacement(kind, str(value))
        return value

    def _mask_value(self, value: Any, kind: Kind | None, parent: str | None, depth: int) -> Any:
        """Labels and other nested values: by key name where the name tells, by content otherwise."""
        if depth > _MAX_DEPTH:
            return self._mask_deep(value)
        if isinstance(value, str):
            if kind is not None:
                return self._mask_whole(kind, value)
            return self.mask_text(value) if parent is None else self._mask_keyed_text(parent, value)
        if isinstance(value, dict):
            return self._mask_dict(value, kind, parent, depth)
        if isinstance(value, list):
            items = [self._mask_value(item, kind, parent, depth + 1) for item in value]
            return value if all(new is old for new, old in zip(items, value, strict=True)) else items
        if kind is not None:
            return self._mask_whole(kind, value)
        return value

    def _mask_dict(self, value: dict[Any, Any], kind: Kind | None, parent: str | None, depth: int) -> dict[Any, Any]:
        """``_mask_value`` of an object: its keys and values, the same object when nothing in it changed."""
        result: dict[Any, Any] | None = None
        known_keys = self._nested_keys[parent]
        for key, item in value.items():
            new_key = key
            child_kind = kind
            child_parent = None
            if isinstance(key, str):
                known = known_keys[key]
                if known[0]:
                    new_key = self.mask_text(key)
                child_kind = known[1] if kind is None else kind
                child_parent = key
            # Strings and scalars, nearly every label value, are handled here without another call.
            if depth >= _MAX_DEPTH:
                new_item = self._mask_deep(item)
            elif isinstance(item, str):
                if child_kind is not None:
                    new_item = self._mask_whole(child_kind, item)
                elif child_parent is None:
                    new_item = self.mask_text(item)
                else:
                    new_item = self._mask_keyed_text(child_parent, item)
            elif child_kind is None and (item is None or isinstance(item, bool | int | float)):
                new_item = item
            else:
                new_item = self._mask_value(item, child_kind, child_parent, depth + 1)
            if new_item is not item or new_key is not key:
                if result is None:
                    result = _items_before(value, key)
                result[new_key] = new_item
            elif result is not None:
                result[key] = item
        return value if result is None else result

    def _mask_deep(self, value: Any) -> Any:
        """A value deeper than the walker goes: masked as its JSON text, never kept raw; unchanged when clean."""
        if isinstance(value, str):
            return self.mask_text(value)
        if not isinstance(value, dict | list):
            return value
        text = json.dumps(value, ensure_ascii=False, default=str)
        masked = self.mask_text(text)
        return value if masked is text else masked


_MIN_QUOTED = 3  # shorter masked values ("M", "12") would replace unrelated text


def _counted_since(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """What was counted between two copies of the counts."""
    return {name: count - before.get(name, 0) for name, count in after.items() if count != before.get(name, 0)}


def _items_before(value: dict[Any, Any], key: Any) -> dict[Any, Any]:
    """A copy of ``value``'s items before ``key``: where a masked object starts once one of its items changed."""
    result: dict[Any, Any] = {}
    for done_key, done_item in value.items():
        if done_key == key:
            break
        result[done_key] = done_item
    return result


def _key_suspect(key: str) -> bool:
    return len(key) >= _MIN_TEXT and _KEY_SUSPECT.search(key) is not None


def _nested_key_plans(parent: str | None) -> Memo[str, tuple[bool, Kind | None]]:
    """Per key of an object under ``parent``: does the key itself need masking, and the kind its name gives
    the value. Labels repeat the same few property names, so each is worked out once."""
    return Memo(lambda key: (_key_suspect(key), classify_nested_key(key, parent)), _NESTED_KEYS_MAX)


@lru_cache(maxsize=1)
def default_masker() -> Masker:
    """The shared masker with the shipped defaults (placeholders, card tails); no key and no environment needed."""
    return Masker()


__all__ = ["Masker", "Span", "default_masker"]
