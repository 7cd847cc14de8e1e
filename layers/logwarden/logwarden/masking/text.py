"""Detectors for free text: where personal data and secrets sit in a string, found without backtracking.

Speed comes from three habits. Every pattern that scans a whole line starts with a literal or a small
character class, so the regex engine skips ahead in C instead of trying every position. Every pattern whose
trigger may be absent (``@``, ``eyJ``, ``://``, ``\\u``) runs only after a substring test says it can match.
And every repetition is bounded, with a look-behind that lets a match start only at the beginning of a run,
so no input can make a detector quadratic: a 1 MB line costs time proportional to its length.

Found values are validated before they are reported: card numbers need a brand prefix and Luhn, INN, SNILS and
IBAN their check digits, IP addresses must be public, and bare digit runs are read in the context of the
words before them ("order", "sku", "ts" keep them; "phone", "ИНН", "паспорт" mask them).
"""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from logwarden.masking import checksums, names
from logwarden.masking.fieldnames import classify_key, is_person_word
from logwarden.masking.kinds import Kind
from logwarden.masking.patterns import (
    ADDRESS_CUE_WORDS,
    CYRILLIC_CUE_STEMS,
    LATIN_CUE_GATE,
    PYTHON_LATIN_INITIALS_GATE,
    PYTHON_LATIN_PAIR_GATE,
    STREET,
)
from logwarden.masking.patterns import API_KEY_GATE as _API_KEY_GATE_PATTERN
from logwarden.masking.prefilter import (
    Found,
    Gate,
    prefilter,
    prefilter_lines,
    prefilter_unicode,
    prefilter_unicode_lines,
)
from logwarden.memo import Memo, memoised


@dataclass(slots=True, order=True, init=False)
class Span:
    """Where a detector found something to mask. ``__init__`` is written out so that mypyc compiles it."""

    start: int
    end: int
    kind: Kind
    quote: bool  # a bare JSON number is replaced by a quoted string so the JSON stays valid

    def __init__(self, start: int, end: int, kind: Kind, quote: bool = False) -> None:
        self.start = start
        self.end = end
        self.kind = kind
        self.quote = quote


# ---------------------------------------------------------------- numbers (phones, cards, INN, SNILS, passports), IPv4
# The lead character is consumed first (fast skipping); the two-character look-behind then says it did not follow a
# word character, dot, dash, '#', '+', '%' or '@' - so a match starts only where a number starts.
# Written once with <LEAD> (what may start a number), <D> (a digit; <d> inside a set), <W> (word characters) and <X>
# (hex digits), and compiled for any text and for the digit shape of an ASCII line (see _digit_shape).
_SEP: Final = r"(?:[ \-]|\)[ \-]?|[ \-]?\()"
_NUMBER_TEMPLATE: Final = (
    r"<LEAD>(?<![<W>.\-#+%@\]].)(?:"
    r"(?P<ip>(?<=<D>)<D>{0,2}\.<D>{1,3}\.<D>{1,3}\.<D>{1,3}(?![<W>\[]|\.<D>))"
    r"|(?=[<d> ()\-]{5})"  # implied by what follows, and quick to refute: most runs that start are short
    r"(?:(?<=\+)\(?<D>|(?<=\()<D>|(?<=<D>)(?!<D>{3}-<D><D>-<D><D>|[<X>]{7}-[<X>]{4}-))"
    r"(?:" + _SEP + r"?<D>){5,46}\)?(?![<W>\[]|[.\-]<D>)"
    r")"
)


def _number_pattern(lead: str, digit: str, digits: str, word: str, hex_digits: str) -> str:
    return (
        _NUMBER_TEMPLATE.replace("<LEAD>", lead)
        .replace("<D>", digit)
        .replace("<d>", digits)
        .replace("<W>", word)
        .replace("<X>", hex_digits)
    )


_NUMBER: Final = re.compile(_number_pattern("[0-9+(]", r"\d", r"\d", r"\w", "0-9a-fA-F"))
# In the digit shape a number's first digit is "0" and the digits after it are \x80, so the engine stops only where
# a run of digits starts instead of at every digit (a timestamp alone has seventeen).
_NUMBER_IN_SHAPE: Final = re.compile(_number_pattern("[0+(]", r"[0\x80]", r"0\x80", r"\w\x80", r"0\x80a-fA-F").encode())
# The same led by a digit alone. A pattern that starts with a literal is searched for like a substring, several
# times faster than one that starts with a set; it serves lines where no '+' or '(' stands before a digit.
_NUMBER_IN_SHAPE_AT_DIGIT: Final = re.compile(
    _number_pattern("0", r"[0\x80]", r"0\x80", r"\w\x80", r"0\x80a-fA-F").encode()
)
_DIGITS_TO_ZERO: Final = bytes.maketrans(b"0123456789", b"0000000000")
_SHAPE_FROM: Final = 120  # characters; measured crossover on ingest messages and corpus lines
_PREFILTER_FROM: Final = 80  # characters; below this the plain gates cost less than a Hyperscan call


def _digit_shape(ascii_text: bytes) -> bytes:
    """The line with every digit that starts a run as "0" and every digit after it as \x80; same offsets."""
    zeros = ascii_text.translate(_DIGITS_TO_ZERO)
    # "0000" -> "0\x800\x80" -> "0\x80\x80\x80": the pairs of the first pass never overlap, so two passes do.
    return zeros.replace(b"00", b"0\x80").replace(b"\x800", b"\x80\x80")


_NON_DIGITS: Final = str.maketrans("", "", " -()+")
_RUN_GOES_ON: Final = re.compile(r"[ \-()]{1,2}\d")  # after a run cut at the bound above
# Words that tell what the number after them is. One flat alternation of literals, so the regex engine skips to
# their first letters; the kind of the matched word is a dictionary lookup. Short words must stand alone.
_CONTEXT_WORDS: Final[dict[str, str]] = {
    **dict.fromkeys(
        (
            "phone", "tel", "mobile", "msisdn", "телеф", "тел", "моб", "whatsapp", "viber", "sms", "смс", "звон",
            "contact", "call", "sent to", "to", "на", "callback", "dial", "номер телефона", "recipient",
        ),
        "phone",
    ),
    **dict.fromkeys(("inn", "инн", "taxid", "tax_id", "tax id", "tin"), "inn"),
    **dict.fromkeys(("snils", "снилс"), "snils"),
    **dict.fromkeys(("passport", "паспорт", "серия"), "passport"),
    **dict.fromkeys(("card", "карт", "pan"), "card"),
    **dict.fromkeys(("number", "номер", "no", "nr", "№", "num"), "neutral"),
    # Before a dotted quad these say it is a version, not an address; before other numbers they count as "neg".
    **dict.fromkeys(
        (
            "version", "ver", "build", "release", "runtime", "sdk", "jdk", "jre", "package", "pkg", "assembly",
            "firmware", "driver", "patch", "kb", "plugin", "oid", "library", "nuget", "upgrade", "installed",
        ),
        "version",
    ),
    **dict.fromkeys(
        (
            "order", "заказ", "invoice", "счет", "счёт", "txn", "transaction", "request", "trace", "span",
            "correlation", "sku", "ean", "barcode", "gtin", "article", "артикул", "timestamp", "ts", "epoch", "time",
            "date", "duration", "elapsed", "took", "latency", "amount", "price", "sum", "total", "qty", "quantity",
            "line", "port", "pid", "seq", "offset", "size", "bytes", "count", "status", "id",
            "ids", "#", "account", "acct", "batch", "shipment", "tracking", "parcel", "посылк", "накладн", "ticket",
            "case", "partition", "receipt", "чек", "код", "code", "msg", "message", "event", "job", "task",
            "запрос", "ref", "product", "item", "товар", "store", "warehouse", "склад", "sequence", "rrn", "stan",
        ),
        "neg",
    ),
}  # fmt: skip
_STANDALONE_WORDS: Final = frozenset(
    [
        "tel",
        "тел",
        "inn",
        "tin",
        "pan",
        "no",
        "nr",
        "num",
        "ts",
        "sum",
        "id",
        "ids",
        "ref",
        "чек",
        "код",
        "case",
        "line",
        "time",
        "date",
        "item",
        "store",
        "build",
        "to",
        "на",
        "call",
        "dial",
        "ver",
        "kb",
        "oid",
        "pkg",
        "patch",
    ]
)


_INNER_WORDS: Final = frozenset(("sdk", "jdk", "jre"))  # count inside a word too: "openjdk", "dotnet-sdk"


def _trie_pattern(words: list[str]) -> str:
    """One alternation of ``words`` written as a trie: ``p(?:an|ass(?:port)?)``, not ``passport|pass|pan``.

    It matches what the flat longest-first alternation matches (the longest word at the leftmost place), but the
    engine walks one branch per character instead of trying a hundred words at every letter of the window.
    """
    trie: dict[str, dict[str, Any]] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # Greedy: the longer word is tried first, the word ending here only when no longer one matches.
        return f"(?:{body})?" if "" in node else body

    return build(trie)


_CONTEXT: Final = re.compile(_trie_pattern(list(_CONTEXT_WORDS)))
_CONTEXT_WINDOW: Final = 40
_PLACEHOLDER_REACH: Final = 64  # the longest replacement: "[EMAIL j***@" and a domain, "[KIND#" and 16 hex digits
_PLACEHOLDER_LOWER: Final = re.compile(r"\[[a-z]{2,9}(?:[ #][^\]\s]{1,40})?\]")  # _PLACEHOLDER, lowered
_PLACEHOLDER_HEAD: Final = re.compile(r"(?:" + "|".join(kind.name.lower() for kind in Kind) + r")\b")
_LAST_DIGIT: Final = re.compile(r".*\d", re.DOTALL)  # match(s, a, b).end() - 1: the last digit, one backward walk
_SNILS_SHAPE: Final = re.compile(r"\d{3}[- ]?\d{3}[- ]?\d{3}[- ]?\d{2}")  # 3-3-3-2 with any separators
_CARD_SHAPE: Final = re.compile(r"\d{4}([ \-])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([ \-])\d{6}\2\d{4,5}")
# A Russian number written the Russian way, whatever its area code: 8 (9xx) xxx-xx-xx, +7 9xx xxx xx xx, 7-9xx-...
_RU_PHONE_SHAPE: Final = re.compile(
    r"(?:\+7|8|7)(?:[ \-]?\(\d{3}\)[ \-]?|[ \-]\d{3}[ \-])\d{3}(?:[ \-]?\d{2}[ \-]\d{2}|[ \-]\d{4}|-\d{2}-?\d{2})"
)
_PASSPORT_SHAPE: Final = re.compile(r"\d{2} ?\d{2}[ \-]?\d{6}")
# Seconds since the epoch from 2017 to 2033: a bare 10-digit number in this range is a timestamp unless the words
# before it say otherwise (INN of regions 15-19 are still masked when named, or as structured fields).
_EPOCH_SECONDS: Final = range(1_480_000_000, 2_000_000_000)


def _inside(spans: list[Span], position: int) -> Span | None:
    for span in spans:
        if span.start <= position < span.end:
            return span
    return None


def _context(lower: str, start: int, spans: list[Span] | None = None, zeros: bytes | None = None) -> str | None:
    """The kind of the nearest telling word before ``start``: phone, inn, snils, passport, card, neg or None.

    A word followed by another number before this one speaks of that number ("order 4476295 ... sent to
    89168709177"), so it does not count; nor does a placeholder such as "[phone]" left by an earlier pass.
    """
    window_start = max(0, start - _CONTEXT_WINDOW)
    end = start
    # Words and digits inside values other detectors mask do not count: they are gone once masked, and masking
    # the same text again must give the same answer.
    # ``zeros``, an ASCII line with every digit as "0", finds the last digit with one rfind instead of a regex.
    while (last := _last_digit(lower, zeros, window_start, end)) >= 0:
        covering = _inside(spans, last) if spans else None
        if covering is None:
            window_start = last + 1
            break
        end = covering.start
    # A value masked before this number ends the window: the words before it spoke of that value. So does the
    # placeholder an earlier pass left in its place ("паспорт: [passport]: 0000000001"), found by its closing
    # bracket, so that both passes draw the same window whatever the placeholder's length.
    if spans:
        for span in spans:
            if window_start < span.end <= start:
                window_start = span.end
    if lower.rfind("]", window_start, start) >= 0:
        for placeholder in _PLACEHOLDER_LOWER.finditer(lower, max(0, window_start - _PLACEHOLDER_REACH), start):
            if placeholder.end() > window_start and _PLACEHOLDER_HEAD.match(lower, placeholder.start() + 1):
                window_start = placeholder.end()
    if start - window_start < 2:
        return None
    if spans and any(span.start < start and span.end > window_start for span in spans):
        return _window_kind(lower, window_start, start, spans)
    # The window, with the character before it and the one after: all the words loop looks at. Log lines repeat
    # the same words before their numbers ("for order ", "expires_at="), so the verdict is cached by that text.
    window = lower[window_start - 1 : start + 1] if window_start else " " + lower[: start + 1]
    return _WINDOW_KINDS[window]


def _zeros(ascii_text: bytes | None) -> bytes | None:
    """An ASCII line with every digit as "0" (see _context); None for other text."""
    return None if ascii_text is None else ascii_text.translate(_DIGITS_TO_ZERO)


def _last_digit(lower: str, zeros: bytes | None, start: int, end: int) -> int:
    if zeros is not None:
        return zeros.rfind(b"0", start, end)
    match = _LAST_DIGIT.match(lower, start, end)
    return -1 if match is None else match.end() - 1


def _window_kind(lower: str, window_start: int, start: int, spans: list[Span] | None) -> str | None:
    """The last telling word in ``lower[window_start:start]``; ``lower`` goes on one character either side."""
    found = None
    for match in _CONTEXT.finditer(lower, window_start, start):
        word = match.group()
        kind = _CONTEXT_WORDS[word]
        if kind == "neutral":
            continue
        before = lower[match.start() - 1] if match.start() else " "
        if before == "[" or (spans and _inside(spans, match.start())):
            continue
        if word in _STANDALONE_WORDS or (kind in ("neg", "version") and len(word) <= 4 and word not in _INNER_WORDS):
            after = lower[match.end()] if match.end() < len(lower) else " "
            if before.isalpha() or (after.isalpha() and word not in ("id", "ids")):
                continue
        found = kind
    return found


def _bare_window_kind(window: str) -> str | None:
    """``_window_kind`` of a window drawn with the character either side and no masked span in it."""
    return _window_kind(window, 1, len(window) - 1, None)


# The verdict per window text: log lines repeat the same words before their numbers (see _context).
_WINDOW_KINDS: Final = Memo(_bare_window_kind, 20_000)


# The kinds a telling word names, with the digit counts a value of that kind has.
_NAMED_LENGTHS: Final[dict[str | None, tuple[Kind, range | tuple[int, ...]]]] = {
    "phone": (Kind.PHONE, range(10, 13)),
    "inn": (Kind.INN, (10, 12)),
    "snils": (Kind.SNILS, (11,)),
    "passport": (Kind.PASSPORT, (10,)),
    "card": (Kind.CARD, range(13, 20)),
}


def _international_phone(digits: str) -> Kind | None:
    """A run written with a leading "+": a phone number when it has a phone's length (E.164, Russia's 11)."""
    if digits[0] == "7":
        return Kind.PHONE if len(digits) == 11 else None
    return Kind.PHONE if 8 <= len(digits) <= 15 and digits[0] != "0" else None


def classify_number(run: str, context: str | None) -> Kind | None:
    """The kind of a digit run such as ``+7 (912) 345-67-89`` given the telling word before it."""
    digits = run if run.isdigit() else run.translate(_NON_DIGITS)  # str.translate is slow; most runs are bare
    n = len(digits)
    if n < 7 or not digits.isdigit():
        return None
    if run[0] == "+":
        return _international_phone(digits)
    if n < 10:  # every kind below has ten digits or more, whatever the words before it
        return None
    formatted = len(run) != n
    named = _NAMED_LENGTHS.get(context)
    if named is not None and n in named[1]:
        return named[0]
    negated = context in ("neg", "version")  # a word that says this is no personal number, or a version
    if (
        12 <= n <= 19
        and ((not formatted and not negated) or _CARD_SHAPE.fullmatch(run) is not None)
        and checksums.card_ok(digits)
    ):
        return Kind.CARD
    if n == 11 and formatted and _SNILS_SHAPE.fullmatch(run) and checksums.snils_ok(digits):
        return Kind.SNILS
    if (
        (n == 11 and digits[0] in "78" and digits[1] in "3489" and (formatted or not negated))
        or (n == 10 and formatted and digits[0] in "3489" and ("(" in run or run.count("-") + run.count(" ") >= 2))
        or (n == 11 and formatted and digits[0] in "78" and _RU_PHONE_SHAPE.fullmatch(run) is not None)
    ):
        return Kind.PHONE  # a Russian mobile or landline: by its leading digits, or as Russians write it
    if formatted or negated:
        return None
    if n == 12 and checksums.inn_ok(digits):
        return Kind.INN
    if n == 10 and int(digits) not in _EPOCH_SECONDS and checksums.inn_ok(digits):
        return Kind.INN
    if n == 11 and checksums.snils_ok(digits):
        return Kind.SNILS
    return None


@memoised(4096)  # the same few hosts and clients recur on every line
def _valid_ipv4(text: str) -> bool:
    parts = text.split(".")
    return all(int(p) <= 255 and (len(p) == 1 or p[0] != "0") for p in parts)


@memoised(4096)
def _public_ipv4(text: str) -> bool:
    parts = text.split(".")
    if any(len(p) > 1 and p[0] == "0" for p in parts):
        return False
    octets = [int(p) for p in parts]
    if any(o > 255 for o in octets):
        return False
    a, b = octets[0], octets[1]
    return not (
        a in (0, 10, 127)
        or a >= 224
        or (a == 172 and 16 <= b <= 31)
        or (a == 192 and b == 168)
        or (a == 169 and b == 254)
        or (a == 100 and 64 <= b <= 127)
    )


# ---------------------------------------------------------------- e-mail, IPv6, tokens, IBAN


def _starting_with(first: str, pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled behind a look-ahead for the characters it can start with (a character class's body).

    The regex engine skips in C to where a pattern can begin only when it knows the pattern's first character; a
    pattern that opens with a look-behind, or with an alternation under (?i), is otherwise tried at every position
    of a line, two to four times slower on the lines that reach it. A leading inline flag stays first.
    """
    flags = "(?i)" if pattern.startswith("(?i)") else ""
    return re.compile(f"{flags}(?=[{first}]){pattern.removeprefix(flags)}")


_EMAIL_LOCAL: Final = re.compile(r"(?<![\w.+'\]-])[\w.+'-]{1,64}\Z")
_EMAIL_DOMAIN: Final = re.compile(r"[^\W_](?:[\w-]{0,62})(?:\.[\w-]{1,63}){0,8}\.[^\W\d_]{2,24}(?![\w\[-])")
# An address either has "::" or six colons with groups between them (eight groups, or six and an IPv4 tail), so
# "2024:05:33:08" in an access log's time does not start the slower scan.
_IPV6_GATE: Final = re.compile(r"::|:(?:[0-9a-fA-F]{1,4}:){5}")
# An optional zone id ("fe80::1%eth0"): part of the address, masked with it.
_IPV6: Final = _starting_with(
    "0-9a-fA-F:", r"(?<![\w:.\]])[0-9a-fA-F:]{2,39}(?:\.\d{1,3}){0,3}(?:%[\w.\-]{1,32})?(?![\w:\[%])"
)
_JWT: Final = re.compile(r"eyJ(?<![\w-]eyJ)[\w-]{5,8192}\.[\w-]{2,16384}\.[\w-]{0,8192}")
_AUTH_SCHEME: Final = _starting_with(
    "bdn", r"(?i)(?<![\w])(?:bearer|basic|digest|negotiate)[ \t]+([\w\-.~+/]{8,8192}=*)"
)
_AWS_KEY_ID: Final = _starting_with("A", r"(?<![A-Z0-9])(?:AKIA|ASIA|AROA|AIDA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])")
# The token families secret scanners know (gitleaks' and detect-secrets' rules): each starts with a literal prefix
# (Stripe, GitHub, Slack, GitLab, Google, OpenAI, Anthropic, SendGrid, npm, PyPI, Shopify, DigitalOcean, Hugging
# Face, Heroku), or is a Mailchimp key (32 hex digits and its data centre, "-us18"), a Twilio key (SK and 32 hex
# digits), or a PEM private key block. _API_KEY_GATE (patterns.API_KEY_GATE, the prefilter's gate too) is a
# superset of them all.
_API_KEY_GATE: Final = re.compile(_API_KEY_GATE_PATTERN)
_API_KEY: Final = _starting_with(
    "srgxASnpdhH0-9a-f",
    r"(?<![\w-])(?:"
    r"[sr]k_(?:live|test|prod)_[A-Za-z0-9]{10,256}"
    r"|gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_\w{20,255}"
    r"|xox[abeoprs][-.][\w\-.]{8,512}|xapp-\d-[\w\-]{10,512}"
    r"|gl(?:pat|dt|ft|rt|cbt|imt|agent|oas|ffct|ptt|soat)-[\w\-.]{10,512}"
    r"|AIza[\w\-]{35}"
    r"|sk-(?:proj|ant|svcacct|admin)-[\w\-]{20,512}"
    r"|SG\.[\w\-.=]{40,100}"
    r"|npm_[A-Za-z0-9]{36}"
    r"|pypi-AgEI[\w\-]{50,1000}"
    r"|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}"
    r"|do[opr]_v1_[a-f0-9]{64}"
    r"|hf_[A-Za-z]{34}|api_org_[A-Za-z]{34}"
    r"|HRKU-AA[\w\-]{58}"
    r"|[0-9a-f]{32}-us\d{1,2}(?!\w)"
    r"|SK[0-9a-fA-F]{32}(?![\w-])"
    r")",
)
# A PEM private key, header to footer, or to where the line's text stops looking like one (a truncated block).
_PRIVATE_KEY: Final = re.compile(
    r"-----BEGIN[ A-Z0-9_]{0,100}PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\s\\:,]{0,16384}"
    r"(?:-----END[ A-Z0-9_]{0,100}PRIVATE KEY(?: BLOCK)?-----)?"
)
_URL_PASSWORD: Final = re.compile(r"://[^\s/:@'\"]{0,128}:([^\s/@'\"]{1,256})@")  # "redis://:secret@host" too
_IBAN: Final = re.compile(r"[A-Z](?<![\w\]].)[A-Z]\d\d(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![\w\[])")
# An IBAN starts with two capital letters and two digits: "AA00" in this shape of an ASCII line.
_AWS_KEY_PREFIXES: Final = ("AKIA", "ASIA", "AROA", "AIDA", "ABIA", "ACCA")  # _AWS_KEY_ID's
_IBAN_SHAPE: Final = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", b"A" * 26 + b"0" * 10)

# ---------------------------------------------------------------- key = value, key: value, "key": "value"
# Matched on the reversed string, so the scan jumps from one separator to the next and reads the key backwards.
_KEY_BEFORE_SEPARATOR: Final = r"[ \t]{0,3}(?:\"\\{0,2}|'\\?)?([\w\-.]{0,47}[^\W\d](?: [\w\-]{0,23}[^\W\d])?)"
_REVERSED_KEY: Final = re.compile("[=:]" + _KEY_BEFORE_SEPARATOR)
# For ASCII lines, one pattern per separator: a literal first character lets the engine jump with a plain character
# search instead of testing a set at every position. Together they find the same keys (no key holds a separator).
_REVERSED_ASCII_KEYS: Final = tuple(re.compile((sep + _KEY_BEFORE_SEPARATOR).encode()) for sep in "=:")
_SKIP_VALUES: Final = frozenset(
    ("", "null", "none", "nil", "undefined", "true", "false", "n/a", "na", "-", "--", "empty", "unknown", "redacted")
)
_PLACEHOLDER: Final = re.compile(r"\[[A-Z]{2,9}(?:[ #][^\]\s]{1,40})?\]")
# A value left with nothing but placeholders (and the quotes around them) has nothing more to mask.
_PLACEHOLDERS_ONLY: Final = re.compile(r"(?:\[[A-Z]{2,9}(?:[ #][^\]\s]{1,40})?\][\s\"'\\,;]{0,4}){1,64}")
# A value ends at a delimiter or where a placeholder of an earlier pass begins ("0![PHONE]" is "0!").
_ATOMIC_VALUE: Final = re.compile(r"(?:(?!\[[A-Z]{2,9}[\] #])[^ \t\r\n,;&\"'}\]<>|)]){1,512}")
_LONG_VALUE: Final = re.compile(r"(?:(?!\[[A-Z]{2,9}[\] #])[^\r\n\t;&\"'}\]<>|]){1,200}")
_NEXT_KEY: Final = re.compile(r"[ ,]+[\w.\-]{1,40}[=:]")
_NUMERIC_VALUE: Final = re.compile(r"\+?[\d(][\d ()\-]{0,30}\d|\d")
_DATE_VALUE: Final = re.compile(
    r"\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}(?:[T ]\d\d:\d\d(?::\d\d)?)?|\d{1,2} [^\W\d_]{3,9}\.? \d{4}"
)
_AUTH_VALUE: Final = re.compile(r"(?i)(?:bearer|basic|digest|negotiate|ntlm|aws4-hmac-sha256|token|apikey)[ \t]+")
_NUMERIC_KINDS: Final = frozenset((Kind.PHONE, Kind.CARD, Kind.INN, Kind.SNILS, Kind.PASSPORT))
_PARENT_KEY: Final = re.compile(r"([\w\-]{1,40})[\"']?\s{0,3}[:=]\s{0,3}\{[^{}]{0,300}\Z")
_MAX_VALUE: Final = 2048
_PERCENT: Final = re.compile(r"%[0-9A-Fa-f]{2}")
_URL_VALUE: Final = re.compile(r"(?:(?!\[[A-Z]{2,9}[\] #])[^\s&\"'<>#]){1,512}")


_SECRET_MARK: Final = re.compile(r"[-_.+/=]")


def _looks_secret(value: str) -> bool:
    """A bare word after "token:" is prose ("invalid token: expired"); a token has length and mixed characters."""
    if len(value) < 8:
        return False
    # map() over str methods runs in C; a generator per test cost several microseconds on every prose value.
    return (
        any(map(str.isdigit, value))
        or _SECRET_MARK.search(value) is not None
        or (any(map(str.isupper, value)) and any(map(str.islower, value)))
    )


def _skip_value(value: str) -> bool:
    stripped = value.strip()
    return (
        stripped.lower() in _SKIP_VALUES
        or set(stripped) <= {"*", "x", "X", "•"}
        or _PLACEHOLDERS_ONLY.fullmatch(stripped) is not None
    )


def _bracket_end(text: str, start: int) -> int:
    """End of the JSON object or array opening at ``start`` (string contents are not parsed), or -1."""
    depth = 0
    limit = min(len(text), start + _MAX_VALUE)
    for index in range(start, limit):
        char = text[index]
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index + 1
    return -1


# A URL or host:port: what an "address" holds when it is a service's (credentials in it are masked by their own rule).
_SERVICE_URL: Final = re.compile(
    r"[a-zA-Z][a-zA-Z0-9+.\-]{1,15}://|[\w\-]{1,63}(?:\.[\w\-]{1,63}){0,8}:\d{2,5}(?![\d.])"
)


def is_service_url(value: str) -> bool:
    return _SERVICE_URL.match(value.strip()) is not None


def value_span(text: str, pos: int, kind: Kind, key_lower: str) -> Span | None:
    """The span of the value that follows a key's separator at ``pos``, as far as this kind of value reaches."""
    n = len(text)
    if pos < n and text[pos] == ">":
        pos += 1
    while pos < n and text[pos] in " \t":
        pos += 1
    if pos >= n:
        return None
    char = text[pos]
    if char == "\\" and text.startswith('\\"', pos):
        start = pos + 2
        end = text.find('\\"', start, start + _MAX_VALUE)
        if end < 0:  # no closing quote: the value runs to the end, masked rather than leaked
            end = min(n, start + _MAX_VALUE)
    elif char in "\"'":
        start = pos + 1
        end = _closing_quote(text, start, char)
    elif char in "{[":
        return _bracketed_span(text, pos, kind)
    else:
        return _bare_span(text, pos, kind, key_lower)
    value = text[start:end]
    if _skip_value(value) or (kind is Kind.ADDRESS and _SERVICE_URL.match(value)):
        return None
    if kind is Kind.TOKEN:
        scheme = _AUTH_VALUE.match(value)
        if scheme:
            start += scheme.end()
            if start >= end:
                return None
    return Span(start, end, kind)


def _closing_quote(text: str, start: int, quote: str) -> int:
    """Where the quoted value from ``start`` ends (escaped quotes skipped); the bound when it does not end."""
    end = start
    limit = min(len(text), start + _MAX_VALUE)
    while end < limit and text[end] != quote:
        end += 2 if text[end] == "\\" else 1
    return min(end, limit)  # no closing quote: the value runs to the end, masked rather than leaked


def _bracketed_span(text: str, pos: int, kind: Kind) -> Span | None:
    """A JSON object or array as the value: masked whole for the kinds that may be one (a name, an address)."""
    if kind not in (Kind.NAME, Kind.ADDRESS, Kind.BIRTHDATE) or _PLACEHOLDER.match(text, pos):
        return None
    end = _bracket_end(text, pos)
    if end < 0:
        return None
    return Span(pos, end, kind, quote=True)


def _bare_span(text: str, pos: int, kind: Kind, key_lower: str) -> Span | None:
    """An unquoted value at ``pos``: as far as a value of this kind reaches."""
    if kind is Kind.TOKEN:
        scheme = _AUTH_VALUE.match(text, pos)
        if scheme:
            pos = scheme.end()
    start = pos
    if kind in _NUMERIC_KINDS:
        match = _NUMERIC_VALUE.match(text, pos)
        end = match.end() if match else _atomic_end(text, pos)
    elif kind is Kind.BIRTHDATE:
        match = _DATE_VALUE.match(text, pos)
        end = match.end() if match else _atomic_end(text, pos)
    elif kind is Kind.ADDRESS and _SERVICE_URL.match(text, pos):
        return None  # a service's URL under an "address" key is where a service listens, not where one lives
    elif kind is Kind.ADDRESS or (kind is Kind.TOKEN and "cookie" in key_lower):
        pos, end = _delimited_value(text, pos, kind)  # past the commas and spaces that lead it
        start = pos
    elif kind is Kind.NAME:
        end = _name_end(text, pos)
    else:
        end = _atomic_end(text, pos)
    # A backslash at the end escapes the quote after it (a JSON string inside a JSON string): it stays, or
    # the outer string would end there.
    while end > start and text[end - 1] == "\\":
        end -= 1
    if end <= start:
        return None
    value = text[start:end]
    if "%" in value and _PERCENT.search(value):
        # URL-encoded ("%2B7%20(916)%20601-87-24"): the whole parameter value, up to the next '&'; never less
        # than the plain value (a control character ends a URL value but not a plain one, and what is left
        # unmasked in one pass must not turn into a new value in the next)
        url_value = _URL_VALUE.match(text, start)
        end = max(end, url_value.end()) if url_value else end
        value = text[start:end]
    if kind is Kind.TOKEN and not _looks_secret(value) and "cookie" not in key_lower:
        return None
    quote = kind is not Kind.TOKEN and kind is not Kind.PASSWORD and pos >= 2 and text[pos - 1] == ":"
    quote = quote and text[pos - 2] == '"' and value[:1].isdigit()
    return None if _skip_value(value) else Span(start, end, kind, quote=quote)


def _delimited_value(text: str, pos: int, kind: Kind) -> tuple[int, int]:
    """Start and end of an unquoted address or cookie at ``pos``, which may hold spaces and commas."""
    n = len(text)
    while pos < n and text[pos] in ", ":
        pos += 1
    start = pos
    # A Russian address reads part by part and ends where its parts do ("..., д. 5, заказ 123"); any other
    # runs to the next key or delimiter.
    parts_end = _address_extent(text, pos) if kind is Kind.ADDRESS else pos
    long_value = None if parts_end > pos else _LONG_VALUE.match(text, pos)
    end = parts_end if parts_end > pos else (long_value.end() if long_value else pos)
    following = _NEXT_KEY.search(text, pos, end)
    if following:
        end = following.start()
    while end > start and text[end - 1] in " ,.":
        end -= 1
    return start, end


def _atomic_end(text: str, pos: int) -> int:
    match = _ATOMIC_VALUE.match(text, pos)
    return match.end() if match else pos


def _name_end(text: str, pos: int) -> int:
    """Up to four words of a name: "Иванов Иван Иванович", "Petrov I. I."; words after the first are capitalised."""
    n = len(text)
    end = pos
    last_word_end = pos
    for words in range(4):
        if words and not (end < n and text[end].isupper()):
            break
        word_end = end
        while word_end < n and (text[word_end].isalpha() or text[word_end] in ".-'’"):
            word_end += 1
        if word_end == end:
            break
        last_word_end = word_end
        if word_end + 1 < n and text[word_end] == " ":
            end = word_end + 1
        else:
            break
    return last_word_end


_GENERIC: Final = "generic"
_INERT_KEYS: set[str] = set()  # the reversed keys of _KEY_KINDS that name nothing
_INERT_ASCII_KEYS: set[bytes] = set()  # the same, as bytes, for ASCII lines


def _classify_reversed_key(reversed_key: str) -> Kind | str | None:
    key = reversed_key[::-1]
    kind = classify_key(key)
    if kind is None and " " in key:
        kind = classify_key(key.rsplit(" ", 1)[1])
    if kind is None and (key.lower() in ("name", "имя") or key.lower().endswith(" name")):
        return _GENERIC
    return kind


def _reversed_key_kind(raw: str) -> Kind | str | None:
    found = _classify_reversed_key(raw)
    if found is None:
        _INERT_KEYS.add(raw)
        if raw.isascii():
            _INERT_ASCII_KEYS.add(raw.encode("ascii"))
    return found


# The kind a key names, by the key reversed as _REVERSED_KEY finds it; the same few thousand keys repeat.
_KEY_KINDS: Final = Memo(_reversed_key_kind, 20_000, derived=(_INERT_KEYS, _INERT_ASCII_KEYS))


def _scan_keys(text: str, spans: list[Span], ascii_text: bytes | None) -> None:
    # Most keys of a line ("@timestamp", "level", "SourceContext") name nothing, and the same few thousand keys
    # repeat on every line: one set comparison in C settles a line whose keys are all known to be inert, with
    # no match object per key.
    if ascii_text is not None:
        reversed_ascii = ascii_text[::-1]
        ascii_keys = _REVERSED_ASCII_KEYS[0].findall(reversed_ascii) + _REVERSED_ASCII_KEYS[1].findall(reversed_ascii)
        if not ascii_keys or _INERT_ASCII_KEYS.issuperset(ascii_keys):
            return
    reversed_text = text[::-1]
    if ascii_text is None:
        raws = _REVERSED_KEY.findall(reversed_text)
        if not raws or _INERT_KEYS.issuperset(raws):
            return
    n = len(text)
    for match in _REVERSED_KEY.finditer(reversed_text):
        raw = match.group(1)
        found = _KEY_KINDS[raw]
        if found is None:
            continue
        key_start = n - match.end(1)
        if key_start and text[key_start - 1] == "[":
            continue  # a placeholder such as "[PHONE]" before a separator names nothing
        if found == _GENERIC:
            kind = _generic_name(text, key_start)
            if kind is None:
                continue
        else:
            # Already a Kind (classify_key's answer): Kind(found) would go through the Python-level Enum __call__.
            kind = found if isinstance(found, Kind) else Kind(found)
        key = raw[::-1]
        sep = n - 1 - match.start()
        span = value_span(text, sep + 1, kind, key.lower())
        if span is not None:
            spans.append(span)


def _generic_name(text: str, key_start: int) -> Kind | None:
    """``name`` names a person only inside a person-like object: ``"customer": {"id": 7, "name": "..."}``."""
    if text[max(0, key_start - 20) : key_start].lower().rstrip(" \"'").endswith(("customer", "client", "user")):
        return Kind.NAME
    before = text[max(0, key_start - 340) : key_start].rstrip("\"'\\ ")
    match = _PARENT_KEY.search(before)
    if match and is_person_word(match.group(1)):
        return Kind.NAME
    return None


def _lowered(text: str) -> str:
    lower = text.lower()
    if len(lower) != len(text):  # a few characters change length when lowered; keep offsets exact
        lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lower


def _next_number(
    text: str, shape: bytes | None, in_shape: re.Pattern[bytes], position: int
) -> tuple[int, int, bool] | None:
    """Start, end and whether it is an address, of the next number from ``position``, as _number_at_start."""
    match = _NUMBER.search(text, position) if shape is None else in_shape.search(shape, position)
    return None if match is None else (match.start(), match.end(), match.group("ip") is not None)


def _number_search(ascii_text: bytes | None) -> tuple[bytes | None, re.Pattern[bytes]]:
    """The digit shape of a long ASCII line (see _digit_shape) and the number pattern to search it with; no shape
    for a short line or another, which _NUMBER searches as it is."""
    if ascii_text is None or len(ascii_text) <= _SHAPE_FROM:
        return None, _NUMBER_IN_SHAPE  # building the shape costs more than it saves (most document messages)
    shape = _digit_shape(ascii_text)
    if b"+0" not in shape and b"+(0" not in shape and b"(0" not in shape:
        return shape, _NUMBER_IN_SHAPE_AT_DIGIT  # a '+' or '(' lead needs a digit (so "0") right after it
    return shape, _NUMBER_IN_SHAPE


def _scan_numbers(
    text: str, spans: list[Span], private_ips: bool, ascii_text: bytes | None, starts: list[int] | None = None
) -> None:
    """Mask the numbers of ``text``; with ``starts`` (see prefilter), search only from those offsets.

    Searching from each start in turn finds what one search from the beginning finds, less runs that start
    elsewhere: those are shorter than ten digits, have no '+' and are no address, so they mask nothing.
    """
    # The lowered line and its zeros shape are for reading the words before a number: made when first needed.
    lower: str | None = None
    zeros: bytes | None = None
    position = 0
    shape, in_shape = (None, _NUMBER_IN_SHAPE) if starts is not None else _number_search(ascii_text)
    cursor = 0
    while True:
        if starts is None:
            found = _next_number(text, shape, in_shape, position)
        else:
            found, cursor = _number_at_start(text, starts, cursor, position)
        if found is None:
            break
        start, position, address = found
        run = text[start:position]
        # The words before a number are read only where they can change the verdict (they cost more than the
        # number): for a public address, and for a run without "+" of ten digits or more - shorter runs are no
        # kind whatever the words say (see classify_number), "+" runs are phones by their shape alone.
        if address:  # masked when public, or private when those are masked too; then as the words say
            reads_words = _public_ipv4(run) or (private_ips and _valid_ipv4(run))
        else:
            run = run.rstrip(") -") if run.count("(") < run.count(")") else run
            reads_words = run[0] != "+" and len(run) >= 10
        context = None
        if reads_words:
            if lower is None:
                lower, zeros = _lowered(text), _zeros(ascii_text)
            context = _context(lower, start, spans, zeros)
        if address:
            if reads_words and context != "version":
                spans.append(Span(start, position, Kind.IP))
            continue
        kind = classify_number(run, context)
        if kind is not None:
            end = start + len(run)
            quote = start >= 2 and text[start - 1] == ":" and text[start - 2] == '"' and not run.startswith("+")
            spans.append(Span(start, end, kind, quote=quote and end < len(text) and text[end] in ",}]"))
        elif " " in run and len(run) - run.count(" ") >= 8:
            if lower is None:
                lower, zeros = _lowered(text), _zeros(ascii_text)
            position = _split_spaced_run(text, lower, start, run, spans, position)


def _split_spaced_run(text: str, lower: str, start: int, run: str, spans: list[Span], position: int) -> int:
    """Mask the values in a run of space-separated groups no kind fits whole (see _split_run); where to go on
    scanning from: ``position`` past the run, or back in it when the run was cut at the bound."""
    _split_run(text, lower, start, run, spans)
    end = start + len(run)
    if not _RUN_GOES_ON.match(text, end):
        return position
    # The run was cut at the bound: scan again from its first group no value was found in, which may start a
    # value that goes on past the cut. Each step moves forward by at least one group.
    covered = max((span.end for span in spans if span.start >= start), default=start)
    groups = [start + i + 1 for i, char in enumerate(run) if char == " "]
    later = [group for group in groups if group >= covered]
    return later[0] if covered > start and later else (groups[-1] if groups else end)


def _number_at_start(
    text: str, starts: list[int], cursor: int, position: int
) -> tuple[tuple[int, int, bool] | None, int]:
    """Start, end and whether it is an address, of the number at the first of ``starts[cursor:]`` not behind
    ``position``; and the cursor past that start.

    A start is the character before a number or its first one, so the number pattern is tried at both. Where it
    matches neither, a search would go on to the next start, or to a run the prefilter left out, which masks
    nothing and ends before the next start: trying the next start gives the same spans.
    """
    count = len(starts)
    while cursor < count:
        start = starts[cursor]
        cursor += 1
        if start + 1 < position:
            continue
        char = text[start]
        lead = start if char.isdigit() else start + 1  # a digit at a start is the line's first character
        bare = _bare_number(text, lead) if lead >= position else None
        if bare is not None:
            return (lead, bare, False), cursor
        # The number pattern starts with a digit, '+' or '(' (most starts are the character before a number).
        match = _NUMBER.match(text, start) if start >= position and (lead == start or char in "+(") else None
        if match is None:
            match = _NUMBER.match(text, start + 1)
        if match is not None:
            return (match.start(), match.end(), match.group("ip") is not None), cursor
    return None, cursor


_DIGIT_RUN: Final = re.compile(r"[0-9]+")
_AFTER_BARE: Final = frozenset("()[_") | frozenset(string.ascii_letters)  # after a run of digits, not a digit
_GOES_ON: Final = frozenset("(0123456789")


def _bare_number(text: str, lead: int) -> int | None:
    """The end of the number at ``lead`` when it is ten to 47 plain digits that nothing may lengthen or cut
    (most ids and epoch times): what _NUMBER matches there, found without it; None leaves it to _NUMBER.

    _NUMBER would take all the digits (its repetition allows 47), no separator or ')' can follow, its closing
    look-ahead holds (no word character, '[', or '.' or '-' before a digit), and no date, UUID or address can
    start a run whose first ten characters are digits. Next to a character that is not ASCII (a letter or a digit
    to _NUMBER's \\w and \\d, in a line that is not ASCII) it is left to _NUMBER too.
    """
    run = _DIGIT_RUN.match(text, lead)
    if run is None:
        return None
    end = run.end()
    before = text[lead - 1 : lead]
    if not 10 <= end - lead <= 47 or before in ("(", "+") or not before.isascii():
        return None
    if end < len(text):
        after = text[end]
        if after in " -":  # a separator goes on with a digit, or with '(' and a digit: then it is _NUMBER's
            following = text[end + 1 : end + 2]
            if following in _GOES_ON or not following.isascii():
                return None
        elif after in _AFTER_BARE or not after.isascii() or (after == "." and text[end + 1 : end + 2].isdigit()):
            return None
    return end


def _split_run(text: str, lower: str, start: int, run: str, spans: list[Span]) -> None:
    """Several numbers joined by single spaces ("cards 4111 1111 1111 1111 5500 0000 0000 0004")."""
    pieces: list[tuple[int, int, int]] = []  # start, end, digits up to and including this piece
    offset = 0
    total = 0
    for piece in run.split(" "):
        if piece:
            total += len(piece) if piece.isdigit() else len(piece.translate(_NON_DIGITS))
            pieces.append((offset, offset + len(piece), total))
        offset += len(piece) + 1
    if len(pieces) > 12:
        return
    i = 0
    while i < len(pieces):
        before = pieces[i - 1][2] if i else 0
        for j in range(len(pieces), i, -1):
            count = pieces[j - 1][2] - before
            if j - i == len(pieces) or not 7 <= count <= 19:
                continue
            sub = run[pieces[i][0] : pieces[j - 1][1]]
            if sub[0] == "-":
                continue
            kind = classify_number(sub, _context(lower, start + pieces[i][0], spans))
            if kind is not None:
                spans.append(Span(start + pieces[i][0], start + pieces[j - 1][1], kind))
                i = j
                break
        else:
            i += 1


# Erlang node names ("rabbit@mq-1.shop.internal" in every broker line) are hosts, not mailboxes.
_NODE_NAMES: Final = frozenset(("rabbit", "rabbitmq", "ejabberd", "emqx", "couchdb", "riak", "vernemq"))


def _quoted_local_start(text: str, at: int) -> int:
    """Start of a quoted local part ending just before ``at`` ("\"john doe\"@x.org", JSON-escaped too), or -1."""
    close = at - 1
    escaped = close >= 1 and text[close - 1] == "\\"
    opening = text.rfind('\\"' if escaped else '"', max(0, at - 66), close - 1 if escaped else close)
    if opening < 0 or (not escaped and text[opening - 1 : opening] == "\\"):
        return -1
    if opening and not (text[opening - 1].isspace() or text[opening - 1] in ":<(,=;'[{"):
        return -1
    return opening


def _scan_emails(text: str, spans: list[Span]) -> None:
    at = text.find("@")
    while at >= 0:
        if at == 0 or not (text[at - 1].isalnum() or text[at - 1] in "._+'-\""):
            at = text.find("@", at + 1)
            continue
        start = -1
        if text[at - 1] == '"':
            start = _quoted_local_start(text, at)
        else:
            local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
            # A leading apostrophe is a quote around the address ('ivan@mail.ru'), not part of it.
            name = local.group().lstrip("'") if local is not None else ""
            if local is not None and name and not _url_userinfo(text, local.start()) and name not in _NODE_NAMES:
                start = local.end() - len(name)
        if start >= 0:
            domain = _EMAIL_DOMAIN.match(text, at + 1)
            if domain is not None:
                spans.append(Span(start, domain.end(), Kind.EMAIL))
                at = text.find("@", domain.end())
                continue
        at = text.find("@", at + 1)


def _url_userinfo(text: str, start: int) -> bool:
    """``scheme://user:password@host``: the password is masked as such, the host is not an e-mail domain."""
    if start == 0 or text[start - 1] != ":":
        return False
    scheme = text.rfind("://", max(0, start - 140), start)
    return scheme >= 0 and not any(c in text[scheme + 3 : start - 1] for c in " /@\t")


def _scan_ipv6(text: str, spans: list[Span], private_ips: bool) -> None:
    for match in _IPV6.finditer(text):
        candidate = match.group()
        if candidate.count(":") < 2 or candidate == "::":
            continue
        try:
            address = ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        if (
            private_ips
            or address.is_global
            or (address.ipv4_mapped is not None and _public_ipv4(str(address.ipv4_mapped)))
        ):
            spans.append(Span(match.start(), match.end(), Kind.IP))


# Text without one of these holds nothing scan finds: numbers and IBANs need digits, keys a separator, e-mails an
# '@', tokens the markers scan looks for; the masker also decodes '\\uXXXX' and '%XX'. Keep in step with scan.
_TRIGGER_CHARACTER: Final = re.compile(r"[\d=:@%\\]")
_TRIGGER_WORD: Final = re.compile("eyJ|earer|EARER|asic |ASIC |AKIA|ASIA|AROA|AIDA|ABIA|ACCA")


def worth_scanning(text: str) -> bool:
    """False when ``text`` certainly holds nothing to mask; settles most short values ("order_status_changed").

    The first search usually stops within a few characters on a log line (a digit, a colon), so it costs little
    where it does not help.
    """
    return (
        _TRIGGER_CHARACTER.search(text) is not None
        or _TRIGGER_WORD.search(text) is not None
        or _maybe_api_key(text)
        or (
            not text.islower()
            and (_CYRILLIC_UPPER.search(text) is not None or _maybe_latin_name(text) or _maybe_bare_latin_name(text))
        )
    )


def scan(text: str, private_ips: bool = True, found: Found | None = None) -> list[Span]:
    """Every span of ``text`` to mask, possibly overlapping; the caller keeps the first of overlapping spans.

    ``found`` is what :func:`triage` found in ``text``; without it the line is prefiltered here.
    """
    # ASCII lines (most log lines) are also scanned as bytes, where cheaper gates and patterns apply: there \d and
    # \w mean the same as in str patterns, and offsets are the same.
    ascii_text = text.encode("ascii") if text.isascii() else None
    if found is None and len(text) >= _PREFILTER_FROM:
        found = prefilter(ascii_text) if ascii_text is not None else prefilter_unicode(text)
    if found is None:
        return scan_unfiltered(text, private_ips, ascii_text)
    spans: list[Span] = []
    _scan_prefiltered(text, ascii_text, found, spans, private_ips)
    return spans


def scan_unfiltered(text: str, private_ips: bool = True, ascii_text: bytes | None = None) -> list[Span]:
    """:func:`scan` with each detector behind its own gate, no prefilter: non-ASCII and short text, and the
    reference the prefiltered scan is tested against. ``ascii_text`` is ``text`` encoded, when it is ASCII."""
    spans: list[Span] = []
    if ascii_text is None and text.isascii():
        ascii_text = text.encode("ascii")
    if "=" in text or ":" in text:
        _scan_keys(text, spans, ascii_text)
    gates = _plain_gates(text, ascii_text)
    _scan_secrets(text, gates, spans, private_ips)
    _scan_personal(text, gates, spans)
    _scan_numbers(text, spans, private_ips, ascii_text)  # last: context words inside spans found above do not count
    return spans


def _plain_gates(text: str, ascii_text: bytes | None) -> int:
    """The prefilter's :class:`Gate` bits, from each detector's own substring tests (most of them a memchr)."""
    gates = 0
    if "@" in text:
        gates |= Gate.EMAIL | (Gate.URL_PASSWORD if "://" in text else 0)
    if "J" in text and "eyJ" in text:
        gates |= Gate.JWT
    if "earer" in text or "EARER" in text or "asic " in text or "ASIC " in text:
        gates |= Gate.AUTH_SCHEME
    if "A" in text and any(prefix in text for prefix in _AWS_KEY_PREFIXES):
        gates |= Gate.AWS_KEY_ID
    if _maybe_api_key(text):
        gates |= Gate.API_KEY
    if ":" in text and _IPV6_GATE.search(text):
        gates |= Gate.IPV6
    if ascii_text is None or b"AA00" in ascii_text.translate(_IBAN_SHAPE):
        gates |= Gate.IBAN
    if "</" in text:
        gates |= Gate.XML
    if _maybe_latin_name(text):
        gates |= Gate.NAME
    if _maybe_bare_latin_name(text):
        gates |= Gate.BARE_NAME
    if _maybe_passport(text):
        gates |= Gate.PASSPORT
    # The Cyrillic detectors look at text that is not ASCII only.
    return gates if ascii_text is not None else gates | _cyrillic_gates(text)


def _cyrillic_gates(text: str) -> int:
    """The Cyrillic detectors' :class:`Gate` bits, from their own substring tests."""
    gates = Gate.CYRILLIC_NAME if _CYRILLIC_UPPER.search(text) is not None else 0
    lower = text.lower()  # for the case-blind cue tests
    if any(stem in lower for stem in _CYRILLIC_CUE_STEMS):
        gates |= Gate.CYRILLIC_CUE
    if any(word in lower for word in ADDRESS_CUE_WORDS):
        gates |= Gate.ADDRESS_CUE
    if "." in text:  # every street part has a dot
        gates |= Gate.STREET
    return gates


def _scan_prefiltered(text: str, ascii_text: bytes | None, found: Found, spans: list[Span], private_ips: bool) -> None:
    """What :func:`scan` does, running only the detectors the prefilter names; the same spans in the same order."""
    if found.keys and ("=" in text or ":" in text):
        _scan_keys(text, spans, ascii_text)
    _scan_secrets(text, found.gates, spans, private_ips)
    _scan_personal(text, found.gates, spans)
    if found.number_starts is None:
        _scan_numbers(text, spans, private_ips, ascii_text)
    elif found.number_starts:
        _scan_numbers(text, spans, private_ips, ascii_text, found.number_starts)


def _scan_secrets(text: str, gates: int, spans: list[Span], private_ips: bool) -> None:
    """E-mails, credentials in URLs, tokens and keys, IPv6 addresses: the detectors ``gates`` names."""
    if gates & Gate.EMAIL:
        _scan_emails(text, spans)
    if gates & Gate.URL_PASSWORD:
        spans.extend(Span(m.start(1), m.end(1), Kind.PASSWORD) for m in _URL_PASSWORD.finditer(text))
    if gates & Gate.JWT:
        spans.extend(Span(m.start(), m.end(), Kind.TOKEN) for m in _JWT.finditer(text))
    if gates & Gate.AUTH_SCHEME:
        spans.extend(Span(m.start(1), m.end(1), Kind.TOKEN) for m in _AUTH_SCHEME.finditer(text) if _auth_ok(m))
    if gates & Gate.AWS_KEY_ID:
        spans.extend(Span(m.start(), m.end(), Kind.TOKEN) for m in _AWS_KEY_ID.finditer(text))
    if gates & Gate.API_KEY:
        _scan_api_keys(text, spans)
    if gates & Gate.IPV6:
        _scan_ipv6(text, spans, private_ips)


def _scan_personal(text: str, gates: int, spans: list[Span]) -> None:
    """IBANs, passports, names, addresses and XML elements: the detectors ``gates`` names (the Cyrillic ones only
    ever on text that is not ASCII)."""
    if gates & Gate.IBAN:
        _scan_iban(text, spans)
    if gates & Gate.PASSPORT:
        _scan_passports(text, spans)
    if gates & Gate.CYRILLIC_NAME:
        _scan_cyrillic_names(text, spans, gates)
    if gates & (Gate.ADDRESS_CUE | Gate.STREET):
        _scan_addresses(text, spans, gates)
    if gates & Gate.XML:
        _scan_xml(text, spans)
    if gates & Gate.NAME:
        _scan_latin_names(text, spans)
    if gates & Gate.BARE_NAME:
        _scan_bare_latin_names(text, spans)


def triage(lines: Sequence[str]) -> dict[int, Found | None]:
    """The lines that may hold something to mask, by index, with what one prefilter scan of them all found.

    None means a line is scanned in full (another thread held the scanner). A line left out holds nothing
    :func:`scan` would find: no detector's gate, no number start, no key that is not already known to name
    nothing.
    """
    suspects: dict[int, Found | None] = {}
    ascii_lines: list[bytes] = []
    ascii_index: list[int] = []
    other_lines: list[str] = []
    other_index: list[int] = []
    for index, line in enumerate(lines):
        if line.isascii():
            ascii_lines.append(line.encode("ascii"))
            ascii_index.append(index)
        else:
            other_lines.append(line)
            other_index.append(index)
    if ascii_lines:
        found = prefilter_lines(ascii_lines)
        if found is None:  # another thread holds the scanner: every line is scanned on its own
            return dict.fromkeys(range(len(lines)))
        for position, line_found in found.items():
            suspects[ascii_index[position]] = line_found
    if other_lines:
        other_found = prefilter_unicode_lines(other_lines)
        if other_found is None:
            return dict.fromkeys(range(len(lines)))
        for position, line_found in other_found.items():
            suspects[other_index[position]] = line_found
    return suspects


def _scan_iban(text: str, spans: list[Span]) -> None:
    for match in _IBAN.finditer(text):
        compact = match.group().replace(" ", "")
        if checksums.iban_ok(compact):
            spans.append(Span(match.start(), match.end(), Kind.IBAN))


# A passport as people write it: "серия 45 10 № 123456", "паспорт 4510 123456", "passport series 4510 no. 123456".
# The series and the number are two numbers with words between, so the number scan sees neither as ten digits.
_PASSPORT_PHRASE: Final = _starting_with(
    "псp",
    r"(?i)(?<!\w)(?:паспорт[а-я]{0,3}|сери[яию]|passport)(?:\s{1,3}(?:рф|гражданина\s{1,3}рф|series|серия))?"
    r"[\s:№#.,\\\"'=-]{0,8}(\d{2}[ \-]?\d{2})[\s,.;:-]{0,3}"
    r"(?:(?:№|номер|n|no\.?|nr\.?|number|#)[\s:.]{0,3})?(\d{6})(?!\d)",
)


def _maybe_passport(text: str) -> bool:
    """Whether one of patterns.PASSPORT_WORDS is in ``text``."""
    return "ерия" in text or "ЕРИЯ" in text or "аспорт" in text or "АСПОРТ" in text or "assport" in text


def _scan_passports(text: str, spans: list[Span]) -> None:
    for match in _PASSPORT_PHRASE.finditer(text):
        spans.append(Span(match.start(1), match.end(2), Kind.PASSPORT))


# ---------------------------------------------------------------- names in free text
# A name has no pattern of its own; these say where one stands: a patronymic (Иванов Иван Иванович), initials
# (Иванов И.И., И.И. Иванов, I. Ivanov), or a cue word before it (клиент, получатель, покупатель, customer,
# recipient, contact...), in any case the Russian grammar puts it ("покупателю Иванову Ивану").
_CYR_WORD: Final = r"[А-ЯЁ][а-яё]{1,30}(?:-[А-ЯЁ][а-яё]{1,30})?"
_PATRONYMIC: Final = r"[А-ЯЁ][а-яё]{2,25}(?:ович|евич|ьич|овн|евн|ичн)[а-яё]{0,3}"
_CYR_INITIALS: Final = r"[А-ЯЁ]\.[ ]?[А-ЯЁ]\.?"
_CYRILLIC_NAME: Final = _starting_with(
    "А-ЯЁ",
    rf"(?<![\w.])(?:(?:{_CYR_WORD}[ ]{{1,2}})?{_CYR_WORD}[ ]{{1,2}}{_PATRONYMIC}"
    rf"(?:[ ]{{1,2}}{_CYR_WORD}(?![ ]?[А-ЯЁ]\.))?"
    rf"|{_CYR_WORD}[ ]?{_CYR_INITIALS}|[А-ЯЁ]\.[ ]?(?:[А-ЯЁ]\.[ ]?)?{_CYR_WORD})(?![\w])",
)
_CYRILLIC_CUE: Final = _starting_with(
    "кпзоамфнуд",
    r"(?i)(?<![\w])(?:клиент|получател|покупател|заказчик|отправител|адресат|плательщик|пользовател|курьер|менеджер"
    r"|контактное лицо|контакт|фио|на имя|оформлен[аоы]? на|уважаем|доверенност[ьи] на)[а-яё]{0,3}"
    r"[ \t:=\-–—]{1,4}[\"«'\\]{0,2}",
)
# What _CYRILLIC_CUE's alternatives begin with, for C substring tests on the lower-cased line before it runs.
_CYRILLIC_CUE_STEMS: Final = CYRILLIC_CUE_STEMS
_CYR_SURNAME: Final = re.compile(
    r"[А-ЯЁ][а-яё]{1,30}(?:ов|ев|ёв|ин|ын|ий|ой|ая|ова|ева|ина|ына|ская|цкая|ский|цкий|енко|ук|юк|ич|ян|дзе|швили)"
    r"(?:а|у|ым|ом|ой|ую|е)?"
)
_CYR_NAME_AFTER_CUE: Final = re.compile(rf"{_CYR_WORD}(?:[ ]{{1,2}}{_CYR_WORD}){{0,2}}(?![\w])")
_CYRILLIC_UPPER: Final = re.compile(r"[А-ЯЁ][а-яё]")
_LATIN_CUE_GATE: Final = _starting_with("CcRrBbPpHhSsDdM", LATIN_CUE_GATE)
_LATIN_INITIALS_GATE: Final = _starting_with("A-Z", PYTHON_LATIN_INITIALS_GATE)
_LATIN_WORD: Final = r"[A-Z](?:[a-z]{1,30}|'[A-Z][a-z]{1,30})(?:[-'][A-Z]?[a-z]{1,30})?"  # O'Neil, Mary-Ann
_LATIN_CUE_NAME: Final = _starting_with(
    "CcRrBbPpHhSsDdM",
    r"(?<![\w.])(?:(?:[Cc]ustomer|CUSTOMER|[Rr]ecipient|RECIPIENT|[Cc]ontact(?:[ ]person)?|[Cc]lient|CLIENT|[Bb]uyer"
    r"|[Cc]onsignee|[Pp]ayer|[Cc]ardholder|[Hh]anded[ ]to|[Ss]igned[ ]by|[Dd]ear)[ \t:=\-]{1,4}[\\\"']{0,2}"
    rf"({_LATIN_WORD}(?:[ ](?:[A-Z]\.[ ]?)?{_LATIN_WORD}){{1,2}})"
    rf"|(?:Mrs?|Ms|Dr|Miss)\.?[ ]({_LATIN_WORD}(?:[ ]{_LATIN_WORD})?))(?![\w.(])",
)
_LATIN_INITIALS_NAME: Final = _starting_with(
    "A-Z", rf"(?<![\w.])(?:[A-Z]\.[ ]?(?:[A-Z]\.[ ]?)?{_LATIN_WORD}|{_LATIN_WORD}[ ][A-Z]\.[ ]?[A-Z]\.)(?![\w(])"
)
# Capitalised words that follow a cue word without being a name ("Customer Service", "Client Portal").
_NOT_NAMES: Final = frozenset(
    (
        "service", "support", "portal", "account", "care", "order", "orders", "profile", "api", "sync", "data", "id",
        "name", "names", "group", "success", "experience", "relations", "type", "status", "list", "details", "info",
        "information", "record", "records", "segment", "email", "phone", "address", "number", "notification",
        "request", "response", "error", "exception", "timeout", "the", "this", "that", "not", "has", "was", "is",
        "and", "for", "from", "with", "new", "created", "updated", "deleted", "found", "unknown", "invalid",
        "certificate", "credentials", "library", "version", "connection", "center", "centre", "team", "desk",
    )
)  # fmt: skip
_NOT_NAMES_CYRILLIC: Final = frozenset(
    ("не", "найден", "создан", "обновлён", "обновлен", "удалён", "удален", "заказ", "заказа", "заказу", "номер", "id")
)


def _scan_cyrillic_names(text: str, spans: list[Span], gates: int) -> None:
    """Run where ``gates`` has Gate.CYRILLIC_NAME (every pattern here holds a Cyrillic capital and small letter)."""
    for match in _CYRILLIC_NAME.finditer(text):
        spans.append(Span(match.start(), match.end(), Kind.NAME))
    if gates & Gate.CYRILLIC_CUE:
        _scan_cyrillic_cue_names(text, spans)
    for start, end in names.find_cyrillic(text):  # no cue: a given name beside a surname (Тихонов Бронислав)
        spans.append(Span(start, end, Kind.NAME))


def _scan_cyrillic_cue_names(text: str, spans: list[Span]) -> None:
    for cue in _CYRILLIC_CUE.finditer(text):
        name = _CYR_NAME_AFTER_CUE.match(text, cue.end())
        if name is None:
            continue
        words = name.group().split()
        if words[0].lower() in _NOT_NAMES_CYRILLIC:
            continue
        if len(words) == 1 and _CYR_SURNAME.fullmatch(words[0]) is None:
            continue
        spans.append(Span(name.start(), name.end(), Kind.NAME))


_LATIN_PAIR: Final = re.compile(PYTHON_LATIN_PAIR_GATE)  # the prefilter's Gate.BARE_NAME


def _maybe_bare_latin_name(text: str) -> bool:
    if _LATIN_PAIR.search(text) is not None:
        return True
    folded = names.fold_latin(text)  # José García; only a line that is not ASCII can hold one
    return folded is not None and _LATIN_PAIR.search(folded) is not None


def _scan_bare_latin_names(text: str, spans: list[Span]) -> None:
    for start, end in names.find_latin(text):  # no cue: a given name beside a surname (Laura Smith, Petrov Ivan)
        spans.append(Span(start, end, Kind.NAME))


def _scan_latin_names(text: str, spans: list[Span]) -> None:
    # Each pattern only where its literals are: its first characters are common letters.
    if _has_latin_cue(text):
        _scan_latin_cue_names(text, spans)
    if "." in text:
        _scan_latin_initials(text, spans)


def _scan_latin_cue_names(text: str, spans: list[Span]) -> None:
    for match in _LATIN_CUE_NAME.finditer(text):
        group = 1 if match.group(1) is not None else 2
        if any(word.lower() in _NOT_NAMES for word in match.group(group).split()):
            continue
        spans.append(Span(match.start(group), match.end(group), Kind.NAME))


def _scan_latin_initials(text: str, spans: list[Span]) -> None:
    for match in _LATIN_INITIALS_NAME.finditer(text):
        if any(word.strip(".").lower() in _NOT_NAMES for word in match.group().split()):
            continue
        spans.append(Span(match.start(), match.end(), Kind.NAME))


# ---------------------------------------------------------------- postal addresses, XML elements
# A Russian address is a run of comma-separated parts each of which says what it is: a settlement ("г. Москва",
# "клх Чехов"), a street ("ул. Ленина", "бул. Воровского"), a house ("д. 5 к. 2 стр. 1", "дом 5"), a flat
# ("кв. 12"), a region ("Московская обл."), a six-digit index. Found after a cue ("по адресу", "адрес доставки:")
# or around a street part anywhere; it ends at the first part that is none of these (", заказ 1234567").
_SETTLEMENT: Final = r"(?:г|гор|пос|п|пгт|рп|с|д|дер|ст|ст-ца|х|клх|к|аул|снт|мкр)\.?"
_STREET: Final = STREET
_HOUSE: Final = r"(?:д|дом|влд|вл|к|корп|стр|кв|оф|пом|эт)\.?"
_ADDRESS_PART: Final = re.compile(
    rf"(?:{_SETTLEMENT}[ ]{{1,2}}[А-ЯЁ][а-яё]+(?:[ \-][А-ЯЁа-яё][а-яё]+)?"
    rf"|{_STREET}[ ]{{0,2}}[А-ЯЁA-Z0-9][\wа-яёА-ЯЁ.\-]*(?:[ ][А-ЯЁA-Z0-9][\wа-яёА-ЯЁ.\-]*){{0,3}}"
    rf"|(?:{_HOUSE}[ ]{{0,2}}\d{{1,5}}[а-яА-Я]?(?:/\d{{1,4}})?[ ]?){{1,4}}"
    r"|\d{6}"
    r"|[А-ЯЁ][а-яё]+(?:ая|ий|ой)[ ](?:обл|область|край|р-н|район)\.?"
    r"|(?:Москва|Санкт-Петербург|Севастополь))(?![\w])"
)
_ADDRESS_CUE: Final = _starting_with(
    "паa", r"(?i)(?<![\w])(?:по[ ]адресу|адрес[а-я]{0,2}(?:[ ]доставки)?[ ]{0,2}:?|address[ ]{0,2}:)[ ]{1,3}"
)
_STREET_ANCHOR: Final = _starting_with("упшбнатл", rf"(?<![\w.]){_STREET}[ ]{{0,2}}[А-ЯЁA-Z0-9]")


def _address_extent(text: str, start: int) -> int:
    """End of the run of address parts from ``start``; ``start`` when none begins there."""
    end = position = start
    while True:
        part = _ADDRESS_PART.match(text, position)
        if part is None:
            return end
        end = part.end()
        while end > position and text[end - 1] == " ":
            end -= 1
        comma = text.startswith(", ", end) or text.startswith(",", end)
        if not comma:
            return end
        position = end + (2 if text.startswith(", ", end) else 1)


def _address_start(text: str, anchor: int) -> int:
    """Where the address a street part at ``anchor`` belongs to begins: the address parts before it, each followed
    by a comma ("125009, г. Москва, ул. ...")."""
    start = anchor
    while True:
        comma = start
        while comma > 0 and text[comma - 1] == " ":
            comma -= 1
        if comma == 0 or text[comma - 1] != ",":
            return start
        comma -= 1
        earlier = None
        for candidate in range(max(0, comma - 60), comma):
            if (candidate == 0 or text[candidate - 1] in " ,:;(\"'>") and _ADDRESS_PART.fullmatch(
                text, candidate, comma
            ):
                earlier = candidate
                break
        if earlier is None:
            return start
        start = earlier


def _scan_addresses(text: str, spans: list[Span], gates: int) -> None:
    """After a cue where ``gates`` has Gate.ADDRESS_CUE (every cue holds one of its words), around a street part
    where it has Gate.STREET."""
    if gates & Gate.ADDRESS_CUE:
        for cue in _ADDRESS_CUE.finditer(text):
            end = _address_extent(text, cue.end())
            if end > cue.end():
                spans.append(Span(cue.end(), end, Kind.ADDRESS))
    if not gates & Gate.STREET:
        return
    for anchor in _STREET_ANCHOR.finditer(text):
        start = _address_start(text, anchor.start())
        end = _address_extent(text, anchor.start())
        if end > anchor.start() and (start < anchor.start() or "," in text[anchor.start() : end]):
            spans.append(Span(start, end, Kind.ADDRESS))


# <Email>ivan@mail.ru</Email>, <ns2:passportNumber>4510123456</ns2:passportNumber>: the element names the value.
_XML_ELEMENT: Final = re.compile(r"<((?:[\w\-]{1,32}:)?([\w\-.]{1,64}))(?:[ ][^<>]{0,256})?>([^<]{1,2048})</\1>")


def _scan_xml(text: str, spans: list[Span]) -> None:
    for match in _XML_ELEMENT.finditer(text):
        kind = classify_key(match.group(2))
        if kind is None:
            continue
        value = match.group(3)
        if _skip_value(value) or (kind is Kind.ADDRESS and _SERVICE_URL.match(value)):
            continue
        if kind is Kind.TOKEN and not _looks_secret(value):
            continue
        spans.append(Span(match.start(3), match.end(3), kind))


# Literals every token family of _API_KEY holds (patterns.API_KEY_GATE spelled out), grouped by the character they
# share: C substring searches, where the gate pattern, whose first characters are common letters, would be tried at
# most positions of a line.
_API_KEY_UNDERSCORED: Final = (
    "k_live_", "k_test_", "k_prod_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "npm_", "shpat_",
    "shpss_", "shpca_", "shppa_", "_v1_", "hf_", "api_org_",
)  # fmt: skip
_API_KEY_DASHED: Final = (
    "xapp-", "glpat-", "gldt-", "glft-", "glrt-", "glcbt-", "glimt-", "glagent-", "gloas-", "glffct-", "glptt-",
    "glsoat-", "sk-proj-", "sk-ant-", "sk-svcacct-", "sk-admin-", "pypi-AgEI", "HRKU-",
)  # fmt: skip
_MAILCHIMP_GATE: Final = re.compile(r"[0-9a-f]{8}-us[0-9]")
_TWILIO_GATE: Final = re.compile(r"SK[0-9a-fA-F]{32}")
# What a Latin name after a cue needs: one of these, lowered, in the line (LATIN_CUE_GATE's words).
_LATIN_CUE_LITERALS: Final = ("ustomer", "USTOMER", "ecipient", "ECIPIENT", "ontact", "lient", "LIENT", "uyer",
                             "onsignee", "ayer", "ardholder", "anded to", "igned by", "ear", "Mr", "Ms", "Dr",
                             "Miss")  # fmt: skip
_CAPITALISED: Final = re.compile(r"[A-Z][a-z']")


def _maybe_api_key(text: str) -> bool:
    """A superset of patterns.API_KEY_GATE (so of every token family), without walking a pattern over the line."""
    if "_" in text and any(literal in text for literal in _API_KEY_UNDERSCORED):
        return True
    if "-" in text and (
        any(literal in text for literal in _API_KEY_DASHED)
        or ("-us" in text and _MAILCHIMP_GATE.search(text) is not None)
    ):
        return True
    return (
        "xox" in text
        or "AIza" in text
        or "SG." in text
        or "PRIVATE KEY" in text
        or ("SK" in text and _TWILIO_GATE.search(text) is not None)
    )


def _maybe_latin_name(text: str) -> bool:
    """What patterns.LATIN_NAME_GATE says, each half tried only where its literals are."""
    if _CAPITALISED.search(text) is None:  # every alternative of the gate holds a capital and a small letter
        return False
    if "." in text and _LATIN_INITIALS_GATE.search(text) is not None:
        return True
    return _has_latin_cue(text) and _LATIN_CUE_GATE.search(text) is not None


def _has_latin_cue(text: str) -> bool:
    """Whether a cue word of the Latin name patterns may be in ``text``: their tails as the patterns spell them
    ([Cc]ustomer, CUSTOMER) and the honorifics, as C substring tests on the line itself, not a lower-cased copy."""
    return any(literal in text for literal in _LATIN_CUE_LITERALS)


def _scan_api_keys(text: str, spans: list[Span]) -> None:
    spans.extend(Span(m.start(), m.end(), Kind.TOKEN) for m in _API_KEY.finditer(text))
    if "PRIVATE KEY" in text:
        spans.extend(Span(m.start(), m.end(), Kind.TOKEN) for m in _PRIVATE_KEY.finditer(text))


def _auth_ok(match: re.Match[str]) -> bool:
    token = match.group(1)
    return "=" in token or (_looks_secret(token) and not token.isalpha())
