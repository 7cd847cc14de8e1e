"""One Hyperscan pass over lines that says which detectors can find anything in each, and where numbers start.

The detectors in :mod:`logwarden.masking.text` stay the judges of what is masked; this pass only spares them work.
Every pattern here is a superset of what its detector can report, so skipping a detector the pass did not name, or
a stretch of a line where it saw no number start, changes no answer (``tests/unit/test_masking_prefilter.py``
compares both ways on the corpus and on generated text). It replaces about fifteen substring tests, the key scan
of lines whose keys cannot name personal data, and the number pattern's walk over every character.

A batch of lines is one scan (a single line is a batch of one). Hyperscan reports a match by calling back into
Python (~0.3 µs each), so the patterns report gates and the places where numbers start, not values.

Lines that are not ASCII (Cyrillic names and addresses, accented Latin names) have databases of their own, compiled
in UTF-8 mode over the lines' UTF-8 bytes: the gates, with those of the Cyrillic detectors besides, and the number
starts, whose byte offsets are turned into the text's for the lines that have any. Where the detectors' classes
mean more in Unicode than in ASCII (``\\w``), these gates admit any character that is not ASCII instead; a line
with a digit that is not ASCII's (text's ``\\d``) has its numbers searched for whole.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import hyperscan

from logwarden.masking import fieldnames
from logwarden.masking.patterns import (
    ACCENTED_LATIN_PAIR_GATE,
    ADDRESS_CUE_WORDS,
    API_KEY_GATE,
    CYRILLIC_CUE_STEMS,
    LATIN_NAME_GATE,
    LATIN_PAIR_GATE,
    PASSPORT_WORDS,
    STREET,
)


class Gate:
    """Bits of :attr:`Found.gates`: detectors of :func:`logwarden.masking.text.scan` that may find something.

    Plain ints rather than an ``IntFlag``, whose ``&`` runs in Python and cost more than the tests it replaces.
    """

    EMAIL: Final = 1
    URL_PASSWORD: Final = 2
    JWT: Final = 4
    AUTH_SCHEME: Final = 8
    AWS_KEY_ID: Final = 16
    API_KEY: Final = 32
    IPV6: Final = 64
    IBAN: Final = 128
    ESCAPE: Final = 256  # '\\uXXXX' or '%XX': the masker decodes the text and scans it again
    KEY: Final = 512  # a key that may name personal data (see _key_words and _GENERIC_NAME)
    NAME: Final = 1024  # a cue word and a capital, or an initial and a surname: a Latin name may stand there
    XML: Final = 2048  # a closing tag: an element whose name says what it holds
    BARE_NAME: Final = 4096  # two capitalised words side by side: a full name without a cue may stand there
    PASSPORT: Final = 8192  # a passport word: the passport phrase may follow
    # Only in text that is not ASCII:
    CYRILLIC_NAME: Final = 16384  # a Cyrillic capital and a small letter: a Cyrillic name may stand there
    CYRILLIC_CUE: Final = 32768  # a Cyrillic cue word (клиент, получатель...) in any case
    ADDRESS_CUE: Final = 65536  # "адрес" or "address" in any case
    STREET: Final = 131072  # a street part ("ул. Л", "пр-кт. 5"): an address may stand around it


# Where a number may start: not after a word character, dot, dash, '#', '+', '%', '@' or ']' (text.py's look-behind).
_BOUNDARY: Final = r"(?:^|[^0-9A-Za-z_.\-#+%@\]])"
_HEX: Final = "[0-9a-fA-F]"

# Gates, each one a superset of what its detector matches, and most of them the very substring test it replaces.
_GATES: Final[dict[int, str]] = {
    Gate.EMAIL: r"[0-9A-Za-z._+'\-\"]@[0-9A-Za-z]",  # _scan_emails: a local-part character before '@', alnum after
    Gate.URL_PASSWORD: r"://[^\s/:@'\"]*:[^\s/@'\"]*@",
    Gate.JWT: r"eyJ",
    Gate.AUTH_SCHEME: r"earer|EARER|asic |ASIC ",
    Gate.AWS_KEY_ID: r"AKIA|ASIA|AROA|AIDA|ABIA|ACCA",
    Gate.API_KEY: API_KEY_GATE,
    Gate.IPV6: r"::|:(?:[0-9a-fA-F]{1,4}:){5}",  # text._IPV6_GATE
    Gate.IBAN: r"[A-Z]{2}[0-9]{2}",
    Gate.ESCAPE: r"\\u[0-9a-fA-F]{4}|%[0-9A-Fa-f]{2}",
    Gate.NAME: LATIN_NAME_GATE,
    Gate.XML: r"</",
    Gate.BARE_NAME: LATIN_PAIR_GATE,
    Gate.PASSPORT: "|".join(word for word in PASSPORT_WORDS if word.isascii()),
}

_NOT_ASCII: Final = r"[^\x00-\x7f]"  # in UTF-8 mode a character, which may be a letter or a digit to text's \w, \d
_WORD_OR_NOT_ASCII: Final = rf"(?:[0-9A-Za-z]|{_NOT_ASCII})"


def _any_case(word: str) -> str:
    """``word`` in any case, letter by letter: what ``word in line.lower()`` finds, as a pattern over the line.
    Only a letter's own capital lowers to it (tests/unit/test_masking_prefilter.py checks every code point)."""
    return "".join(f"[{char.upper()}{char}]" if char.upper() != char else char for char in word)


# The gates of lines that are not ASCII: where a detector's class is \w or \d (Unicode in text's patterns), any
# character that is not ASCII stands for it; negated classes already admit every such character.
_UNICODE_GATES: Final[dict[int, str]] = {
    **_GATES,
    Gate.EMAIL: rf"(?:[0-9A-Za-z._+'\-\"]|{_NOT_ASCII})@{_WORD_OR_NOT_ASCII}",
    Gate.API_KEY: rf"{API_KEY_GATE}|[0-9a-f]{{8}}-us{_NOT_ASCII}",  # a Mailchimp key's data centre, \d
    Gate.IBAN: rf"[A-Z]{{2}}(?:[0-9]|{_NOT_ASCII}){{2}}",
    Gate.BARE_NAME: ACCENTED_LATIN_PAIR_GATE,
    Gate.PASSPORT: "|".join(PASSPORT_WORDS),
    Gate.CYRILLIC_NAME: "[А-ЯЁ][а-яё]",
    Gate.CYRILLIC_CUE: "|".join(map(_any_case, CYRILLIC_CUE_STEMS)),
    Gate.ADDRESS_CUE: "|".join(map(_any_case, ADDRESS_CUE_WORDS)),
    Gate.STREET: STREET + "[ ]{0,2}[А-ЯЁA-Z0-9]",
}


def _key_words(unicode: bool = False) -> str:
    """Keys that may name personal data, as they read in a line lowered and stripped of ``_-. `` (what a field
    name drops when it is classified, so ``Pass_Word`` reads ``password``): every word of the field-name tables at
    a key's end, and the stems that count anywhere in a key; Latin ones for ASCII lines, all for the others (lowered
    as text, not as bytes). A key runs up to its separator, with only quotes, backslashes and tabs between, so a stem
    in prose ("Token cache refreshed, expires_at=") is no key."""
    words, stems = fieldnames.key_vocabulary() if unicode else fieldnames.latin_vocabulary()
    rest = rf"(?:[a-z0-9]|{_NOT_ASCII})*" if unicode else "[a-z0-9]*"  # what else a key holds, lowered
    return "(?:" + "|".join(words) + r")[\\\"'\t]*[=:]|(?:" + "|".join(stems) + rf"){rest}[\\\"'\t]*[=:]"


# The generic key "name" counts as a whole key or a last word ("name":, customer name=), so it is looked for in the
# line itself, where "logger_name" can be told from " name".
_GENERIC_NAME: Final = r"(?:^|[^0-9A-Za-z_.\-])name[\\\"' \t]*[=:]"
_STRIPPED: Final = b"_-. "


# Number starts. Only runs that can be masked are reported: ten digits or more (every kind without '+' needs ten),
# a '+' lead and eight digits (an international phone; "+0300" in an access log's time is none), a dotted quad.
_RUN: Final = 1 << 20
_PLUS: Final = 1 << 21
_QUAD: Final = 1 << 22
_NOT_A_START: Final = 1 << 23


def _run_pattern() -> str:
    """Ten digits from a number start, with the separators text._SEP allows between them (any one or two of
    `` -()``), except where the number pattern refuses to start: a digit followed by ``ddd-dd-dd`` (an ISO date).
    That refusal is spelled out as where a run first differs from a date, so a log line's timestamp costs no
    report; ``_NOT_A_START`` takes out the rarer refusal (a UUID whose first groups are all digits)."""
    digit, gap, split = "[0-9]", "[ \\-()]{0,2}", "[ \\-()]{1,2}"
    not_dash = "(?:[ ()]|[ \\-()]{2})"  # a separator other than one dash

    def then(count: int) -> str:
        return f"(?:{gap}{digit}){{{count}}}" if count else ""

    differs = [
        *(f"{digit}{{{1 + before}}}{split}{digit}{then(8 - before)}" for before in range(3)),  # a gap in the year
        f"{digit}{{5}}{then(5)}",  # no dash after the year
        f"{digit}{{4}}{not_dash}{digit}{then(5)}",
        f"{digit}{{4}}-{digit}{split}{digit}{then(4)}",  # a gap in the month
        f"{digit}{{4}}-{digit}{{3}}{then(3)}",  # no dash after the month
        f"{digit}{{4}}-{digit}{{2}}{not_dash}{digit}{then(3)}",
        f"{digit}{{4}}-{digit}{{2}}-{digit}{split}{digit}{then(2)}",  # a gap in the day
    ]
    return _BOUNDARY + "(?:\\(" + digit + then(9) + "|" + "|".join(differs) + ")"


_STARTS: Final[dict[int, str]] = {
    _RUN: _run_pattern(),
    _PLUS: _BOUNDARY + r"\+\(?[0-9](?:[ \-()]{0,2}[0-9]){7}",  # a '+' number needs eight digits to be a phone
    _QUAD: _BOUNDARY + r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]",
    _NOT_A_START: _BOUNDARY + "[0-9]" + _HEX + "{7}-" + _HEX + "{4}-",
}
# A digit other than ASCII's (Arabic-Indic, Devanagari, fullwidth...), which text's \\d reads as one in a line that
# is not ASCII: such a line is searched whole, since the number starts above know ASCII digits only. Unicode's
# decimal digits as far as Hyperscan's tables know them, and any character beyond the BMP for those they are too old
# for (tests/unit/test_masking_prefilter.py checks the pattern against \\d over every code point).
OTHER_DIGIT: Final = r"[^\P{Nd}0-9]|[\x{10000}-\x{10ffff}]"
_SEARCH_WHOLE: Final = 1 << 24
_UNICODE_STARTS: Final = {**_STARTS, _SEARCH_WHOLE: OTHER_DIGIT}


@dataclass(slots=True, init=False)
class Found:
    """What the prefilter found in one line. ``__init__`` is written out so that mypyc compiles it."""

    gates: int  # Gate bits
    # Ascending offsets from which text._NUMBER is searched (a start may be one early); None: search the whole line.
    number_starts: list[int] | None

    def __init__(self, gates: int, number_starts: list[int] | None) -> None:
        self.gates = gates
        self.number_starts = number_starts

    @property
    def keys(self) -> bool:
        """False when no key of the line can name personal data (see _key_words, _GENERIC_NAME)."""
        return bool(self.gates & Gate.KEY)


_NOTHING: Final = Found(0, [])


# What each database is compiled from: expressions, ids and flags.
_Spec = tuple[list[bytes], list[int], list[int]]
_Databases = tuple[hyperscan.Database, hyperscan.Database, hyperscan.Database, hyperscan.Database]


def _specs() -> tuple[_Spec, _Spec, _Spec, _Spec]:
    """ASCII lines, their key words, lines that are not ASCII (UTF-8 mode), their key words."""
    # No SINGLEMATCH: one scan serves a batch of lines, and each line needs its own answer. Start of match is
    # tracked only for the number patterns (it makes a database several times slower to build and to run).
    gates = {**_GATES, Gate.KEY: _GENERIC_NAME}
    lines = (
        [expression.encode("ascii") for expression in (*gates.values(), *_STARTS.values())],
        [*gates, *_STARTS],
        [0] * len(_GATES) + [hyperscan.HS_FLAG_CASELESS] + [hyperscan.HS_FLAG_SOM_LEFTMOST] * len(_STARTS),
    )
    keys = ([_key_words().encode("ascii")], [Gate.KEY], [0])
    utf8 = hyperscan.HS_FLAG_UTF8
    unicode_gates = {**_UNICODE_GATES, Gate.KEY: _GENERIC_NAME}
    unicode_lines = (
        [expression.encode("utf-8") for expression in (*unicode_gates.values(), *_UNICODE_STARTS.values())],
        [*unicode_gates, *_UNICODE_STARTS],
        [utf8] * len(_UNICODE_GATES)
        + [utf8 | hyperscan.HS_FLAG_CASELESS]
        + [utf8 | hyperscan.HS_FLAG_SOM_LEFTMOST] * len(_STARTS)
        + [utf8],
    )
    unicode_keys = ([_key_words(unicode=True).encode("utf-8")], [Gate.KEY], [utf8])
    return lines, keys, unicode_lines, unicode_keys


def _stamp(specs: tuple[_Spec, ...]) -> bytes:
    """What serialized databases must have been compiled from: these specs, by this Hyperscan binding."""
    binding = getattr(hyperscan, "__version__", "")  # the library refuses a database of another version itself
    return hashlib.sha256(repr((specs, binding)).encode()).hexdigest().encode("ascii")


def _compile_spec(spec: _Spec) -> hyperscan.Database:
    expressions, ids, flags = spec
    database = hyperscan.Database()
    database.compile(expressions=expressions, ids=ids, elements=len(ids), flags=flags)
    return database


# The databases compiled at build time (``write_databases``, run by layers/compiled/compile.sh beside the compiled
# modules): compiling them takes 0.2-0.4 s of CPU, loading them under a millisecond. Used only when their stamp says
# they were compiled from these very patterns; any other file, or none (the Python source), and they are compiled.
SERIALIZED: Final = Path(__file__).with_name("prefilter.hsdb")
_SIZE_BYTES: Final = 8  # each serialized database is led by its size


def _load(path: Path, stamp: bytes) -> _Databases | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, _, rest = data.partition(b"\n")
    if head != stamp:
        return None
    serialized: list[bytes] = []
    while rest:
        size = int.from_bytes(rest[:_SIZE_BYTES], "big")
        if size > len(rest) - _SIZE_BYTES:  # cut short
            return None
        serialized.append(rest[_SIZE_BYTES : _SIZE_BYTES + size])
        rest = rest[_SIZE_BYTES + size :]
    if len(serialized) != 4:
        return None
    try:
        # A database serialized for another platform, or by another Hyperscan, is refused here.
        lines, keys, unicode_lines, unicode_keys = (hyperscan.loadb(one, hyperscan.HS_MODE_BLOCK) for one in serialized)
    except hyperscan.error:
        return None
    return lines, keys, unicode_lines, unicode_keys


def write_databases(path: Path = SERIALIZED) -> None:
    """Compile the databases and serialize them to ``path`` with their stamp."""
    specs = _specs()
    serialized = [hyperscan.dumpb(_compile_spec(spec)) for spec in specs]
    path.write_bytes(
        _stamp(specs) + b"\n" + b"".join(len(one).to_bytes(_SIZE_BYTES, "big") + one for one in serialized)
    )


def _compile() -> _Databases:
    specs = _specs()
    loaded = _load(SERIALIZED, _stamp(specs))
    if loaded is None:
        loaded = (_compile_spec(specs[0]), _compile_spec(specs[1]), _compile_spec(specs[2]), _compile_spec(specs[3]))
    for database in loaded:
        database.scratch = hyperscan.Scratch(database)
    return loaded


# Built (or loaded) on first use, so importing the masker stays cheap: the line and key-word databases of ASCII
# lines and of the others.
_DATABASES: _Databases | None = None
# A scratch space serves one scan at a time. The masker runs on one thread in Lambda and the CLI, but logging may
# call it from others: a thread that finds the scratch busy is told to do without (see None below).
_BUSY: Final = threading.Lock()


def _hits(data: bytes, stripped: bytes | None = None) -> list[tuple[int, int, int]] | None:
    """(id, start, end) of every match in ``data``, and (Gate.KEY, -1, newlines before it) of every key word in
    ``data`` lowered and stripped, where offsets differ but newlines are kept. None when another thread scans.

    ``stripped`` is given for UTF-8 ``data`` (lines that are not ASCII, lowered as text), scanned by their databases.
    """
    global _DATABASES  # built once, on first use
    hits: list[tuple[int, int, int]] = []
    append = hits.append
    if not _BUSY.acquire(blocking=False):
        return None
    try:
        if _DATABASES is None:
            _DATABASES = _compile()
        if stripped is None:
            lines, key_words = _DATABASES[0], _DATABASES[1]
            stripped = data.lower().translate(None, _STRIPPED)
        else:
            lines, key_words = _DATABASES[2], _DATABASES[3]
        lines.scan(data, match_event_handler=lambda ident, start, end, _flags, _ctx: append((ident, start, end)))
        key_ends: list[int] = []
        key_words.scan(stripped, match_event_handler=lambda _ident, _start, end, _flags, _ctx: key_ends.append(end))
        # The line of a key word: the newlines before it, which stripping kept (counted once over the text).
        line = previous = 0
        for end in key_ends:  # reported in order
            line += stripped.count(b"\n", previous, end)
            previous = end
            append((Gate.KEY, -1, line))
    finally:
        _BUSY.release()
    return hits


def prefilter(ascii_text: bytes) -> Found | None:
    """The detectors worth running on ``ascii_text`` and where a maskable number may start; None when busy."""
    found = prefilter_lines([ascii_text])
    return None if found is None else found.get(0, _NOTHING)


def prefilter_lines(ascii_lines: list[bytes]) -> dict[int, Found] | None:
    """:func:`prefilter` for many lines in one scan: the index and findings of every line with any; None when busy.

    The lines are joined by newlines. No pattern matches across one (none of them admits a newline except as the
    character before a number, which a line start stands for anyway), so each line gets what a scan of it alone
    would give; a line that itself holds newlines only spans more offsets.
    """
    joined = b"\n".join(ascii_lines)
    hits = _hits(joined)
    if hits is None:
        return None
    if not hits:
        return {}
    offsets = list(itertools.accumulate(map((1).__add__, map(len, ascii_lines[:-1])), initial=0))
    # Key words come with the newlines before them: the line's index, unless lines hold newlines of their own.
    newlines_before: list[int] | None = None
    if joined.count(b"\n") != len(ascii_lines) - 1:
        newlines_before = list(itertools.accumulate((line.count(b"\n") + 1 for line in ascii_lines[:-1]), initial=0))
    gates, starts, _ = _by_line(hits, offsets, newlines_before)
    return {line: Found(gates.get(line, 0), line_starts) for line, line_starts in starts.items()}


def _by_line(
    hits: list[tuple[int, int, int]], offsets: list[int], newlines_before: list[int] | None
) -> tuple[dict[int, int], dict[int, list[int]], set[int]]:
    """The gates of each line, the number starts (offsets in the line's bytes) of each line with gates or starts,
    and the lines whose numbers are searched for whole, from the hits of a scan of lines joined by newlines that
    start at ``offsets`` (see prefilter_lines)."""
    # The last character of a match lies in the line the match belongs to.
    line_of = bisect.bisect_right
    gates: dict[int, int] = {}
    numbers: dict[int, int] = {}  # start -> end
    refused: set[int] = set()
    whole: set[int] = set()
    for ident, start, end in hits:
        if ident < _RUN:
            if start >= 0:
                line = line_of(offsets, end - 1) - 1
            else:
                line = end if newlines_before is None else line_of(newlines_before, end) - 1
            gates[line] = gates.get(line, 0) | ident
        elif ident == _NOT_A_START:
            refused.add(start)
        elif ident == _SEARCH_WHOLE:
            whole.add(line_of(offsets, end - 1) - 1)
        else:
            numbers[start] = end
    starts: dict[int, list[int]] = {line: [] for line in gates}
    if refused:
        numbers = {start: end for start, end in numbers.items() if start not in refused}
    for start in sorted(numbers):
        line = line_of(offsets, numbers[start] - 1) - 1
        line_starts = starts.get(line)
        if line_starts is None:
            line_starts = starts[line] = []
        # A start found on the newline before a line is its first character.
        line_starts.append(start - offsets[line] if start > offsets[line] else 0)
    return gates, starts, whole


def prefilter_unicode(text: str) -> Found | None:
    """:func:`prefilter` for one line that is not ASCII; None when busy."""
    found = prefilter_unicode_lines([text])
    return None if found is None else found.get(0, _NOTHING)


def prefilter_unicode_lines(lines: Sequence[str]) -> dict[int, Found] | None:
    """:func:`prefilter_lines` for lines that are not ASCII, in one scan of their UTF-8 bytes: the index and
    findings of every line with any, number starts as offsets in the text (None for a line with a digit that is not
    ASCII's: searched whole); None when busy.

    A lone surrogate (JSON's "\\ud800" decodes to one) is no UTF-8: it is scanned as '?', which every pattern here
    reads as it reads the surrogate (no letter, digit or space to the detectors), one byte for one character.
    """
    encoded = [line.encode("utf-8", "replace") for line in lines]
    text = "\n".join(lines)
    hits = _hits(b"\n".join(encoded), text.lower().encode("utf-8", "replace").translate(None, _STRIPPED))
    if hits is None:
        return None
    if not hits:
        return {}
    offsets = list(itertools.accumulate(map((1).__add__, map(len, encoded[:-1])), initial=0))
    newlines_before: list[int] | None = None
    if text.count("\n") != len(lines) - 1:
        newlines_before = list(itertools.accumulate((line.count("\n") + 1 for line in lines[:-1]), initial=0))
    gates, starts, whole = _by_line(hits, offsets, newlines_before)
    found = {line: Found(gates.get(line, 0), None) for line in whole}
    for line, byte_starts in starts.items():
        if line in whole:
            continue
        # A byte offset is the characters its bytes decode to: a match starts on a character in UTF-8 mode.
        data = encoded[line]
        char_starts: list[int] = []
        chars = previous = 0
        for start in byte_starts:
            chars += len(data[previous:start].decode("utf-8"))
            previous = start
            char_starts.append(chars)
        found[line] = Found(gates.get(line, 0), char_starts)
    return found
