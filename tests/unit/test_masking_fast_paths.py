"""The fast paths of the masker find exactly what the plain patterns find: shortcuts, never different answers."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logwarden.compiled import is_compiled
from logwarden.masking import text
from logwarden.masking.masker import Masker, unescape_unicode
from logwarden.masking.text import scan, worth_scanning

# Digit runs, separators and the characters the number pattern looks at around them.
ASCII_NUMBERISH = st.lists(
    st.one_of(
        st.sampled_from([*'0123456789 -()+.#%@]_[:/"aZfFg', "2024-05-19", "+7 (", "127.0.0.1", "deadbee-1234-"]),
        st.text(alphabet="0123456789", min_size=1, max_size=14),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ASCII_NUMBERISH, st.integers(min_value=0, max_value=200))
def test_number_pattern_on_the_digit_shape_matches_the_plain_pattern(line: str, offset: int) -> None:
    # GIVEN an ASCII line and its digit shape (run starts "0", later digits \x80)
    shape = text._digit_shape(line.encode("ascii"))
    # WHEN both patterns scan it, from the start and from some place inside
    # THEN they find the same numbers
    found = [(m.span(), m.group("ip") is None) for m in text._NUMBER.finditer(line)]
    assert found == [(m.span(), m.group("ip") is None) for m in text._NUMBER_IN_SHAPE.finditer(shape)]
    if b"+0" not in shape and b"+(0" not in shape and b"(0" not in shape:
        assert found == [(m.span(), m.group("ip") is None) for m in text._NUMBER_IN_SHAPE_AT_DIGIT.finditer(shape)]
    position = offset % (len(line) + 1)
    plain = text._NUMBER.search(line, position)
    shaped = text._NUMBER_IN_SHAPE.search(shape, position)
    assert (plain and plain.span()) == (shaped and shaped.span())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(sorted(set("".join(text._CONTEXT_WORDS)) | set(" 1.#"))), max_size=60))
def test_context_trie_matches_the_flat_longest_first_alternation(window: str) -> None:
    flat = re.compile("|".join(re.escape(w) for w in sorted(text._CONTEXT_WORDS, key=len, reverse=True)))
    assert [m.span() for m in text._CONTEXT.finditer(window)] == [m.span() for m in flat.finditer(window)]


TRIGGERS = st.sampled_from(
    [
        "ivan@mail.ru",
        "x=1",
        "a: b",
        "8 912 345 67 89",
        "DE89 3704 0044 0532 0130 00",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
        "Bearer abcdefgh12345",
        "BASIC dXNlcjpwYXNz",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_abcdefghijklmnop1234",
        "github_pat_abcdefghij1234",
        "xoxb-1234567890-abc",
        "\\u0444",
        "%40",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TRIGGERS, st.text(max_size=10)), max_size=8).map(" ".join))
def test_text_not_worth_scanning_holds_nothing_to_mask(line: str) -> None:
    if not worth_scanning(line):
        assert scan(line) == []


@pytest.mark.parametrize(
    "token",
    [
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "ghp_" + "a1B2" * 9,
        "github_pat_" + "A1_b" * 6,
        "xoxb-1234567890-1234567890123-abcdEFGHijkl",
        "xapp-1-A1234567890-1234567890123-" + "ab12" * 8,
        "glpat-" + "x1Y2z3" * 4,
        "glrt-" + "x1Y2z3" * 4,
        "AIza" + "Sy1_-" * 7,
        "sk-proj-" + "Ab1_" * 8,
        "SG." + "aB1-" * 6 + "." + "cD2_" * 10,
        "npm_" + "a1b2" * 9,
        "shpat_" + "0a1b" * 8,
        "dop_v1_" + "0a1b" * 16,
        "hf_" + "abCD" * 8 + "ab",
        "HRKU-AA" + "aB1_" * 14 + "xy",
        "0123456789abcdef0123456789abcdef-us18",
        "SK" + "0123456789abcdef" * 2,
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----",
    ],
)
def test_every_token_family_passes_its_gate_and_is_found(token: str) -> None:
    assert text._API_KEY_GATE.search(token) is not None
    assert text._maybe_api_key(token)
    assert worth_scanning(token)
    assert [span.kind.value for span in scan(f"key {token} used")] == ["token"]


def test_repeated_document_values_are_masked_the_same_every_time() -> None:
    # GIVEN a masker that has seen a clean thread name and a dirty label value once
    masker = Masker()
    doc = {"message": "ok", "process.thread.name": "http-nio-8080-exec-7", "labels": {"note": "mail ivan@mail.ru"}}
    first = masker.mask_document(doc)
    # WHEN the same document comes again
    second = masker.mask_document(doc)
    # THEN the answer and the counts are the same, and the clean value is the very same object
    assert first == second
    assert first["labels"] == {"note": "mail [EMAIL]"}
    assert second["process.thread.name"] is doc["process.thread.name"]
    assert masker.take_counts() == {"email": 2}


@given(ASCII_NUMBERISH, st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=200))
def test_last_digit_on_the_zeros_shape_is_the_one_the_pattern_finds(line: str, a: int, b: int) -> None:
    start, end = sorted((a % (len(line) + 1), b % (len(line) + 1)))
    zeros = line.encode("ascii").translate(text._DIGITS_TO_ZERO)
    assert text._last_digit(line, zeros, start, end) == text._last_digit(line, None, start, end)


LABEL_KEYS = st.sampled_from(
    ["customerEmail", "name", "note", "client", "orderId", "phone", "user@host", "k1", "buyer"]
)
LABEL_VALUES = st.one_of(
    st.sampled_from(["ivan@mail.ru", "Ivan Petrov", "+7 912 345-67-89", "ORD-1", "", None, 42, "null"]),
    st.text(max_size=12),
)
DOCUMENTS = st.fixed_dictionaries(
    {"message": st.sampled_from(["ok", "paid by ivan@mail.ru", "Ivan Petrov ordered"])},
    optional={
        "log.level": st.just("INFO"),
        "customer.name": LABEL_VALUES,
        "labels": st.dictionaries(
            LABEL_KEYS, st.one_of(LABEL_VALUES, st.dictionaries(LABEL_KEYS, LABEL_VALUES, max_size=3)), max_size=5
        ),
    },
)


@settings(max_examples=200, deadline=None)
@given(st.lists(DOCUMENTS, min_size=1, max_size=8))
def test_a_masker_that_has_seen_other_documents_answers_as_a_fresh_one(docs: list[dict[str, object]]) -> None:
    # GIVEN one masker that keeps its per-shape and per-key plans across documents
    warm = Masker()
    # WHEN it masks documents of varied shapes one after another
    # THEN each answer (and its counts) is what a masker seeing that document alone gives
    for doc in docs:
        fresh = Masker()
        assert warm.mask_document(doc) == fresh.mask_document(doc)
        assert warm.take_counts() == fresh.take_counts()


@pytest.mark.parametrize(
    "line",
    [
        "Customer John Carter placed order",
        "CUSTOMER: John Carter",
        "handed to recipient Mary-Ann O'Neil",
        "Dear Mrs. Johnson",
        "signed by J.R. Tolkien",
        "recipient I. Ivanov",
        "manager Ivanov I.I. approved",
    ],
)
def test_the_latin_name_shortcut_says_what_the_gate_says(line: str) -> None:
    import re

    from logwarden.masking.patterns import LATIN_NAME_GATE

    assert re.search(LATIN_NAME_GATE, line) is not None
    assert text._maybe_latin_name(line)


# --------------------------------------------------------------------------- patterns behind a first-character look-ahead
_LOOKAHEAD = re.compile(r"^(\(\?i\))?\(\?=\[[^\]]+\]\)")
# Patterns that open with a look-behind or a case-blind alternation but are only ever tried at one place: matched at
# a position, or searched in the few characters before an '@'. Scanning a line, they would need the look-ahead.
_TRIED_AT_ONE_PLACE = {"_AUTH_VALUE", "_EMAIL_LOCAL"}
_DATA = Path(__file__).resolve().parents[1] / "data"


def _module_patterns() -> dict[str, re.Pattern[str]]:
    return {
        name: value
        for name, value in vars(text).items()
        if isinstance(value, re.Pattern) and isinstance(value.pattern, str)
    }


def _without_lookahead(pattern: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(_LOOKAHEAD.sub(lambda m: m.group(1) or "", pattern.pattern))


def _real_lines() -> list[str]:
    lines: list[str] = []
    for corpus in ("masking/corpus.jsonl", "masking_independent/corpus.jsonl", "real_lines/corpus.jsonl"):
        for raw in (_DATA / corpus).read_text(encoding="utf-8").splitlines():
            if raw.strip():
                record = json.loads(raw)
                lines.extend(record["lines"] if "lines" in record else [record["line"]])
    return lines


def test_every_pattern_that_opens_with_a_look_behind_or_a_case_blind_alternation_has_a_first_character_look_ahead() -> (
    None
):
    # GIVEN the masking patterns of the text module
    # WHEN one opens where the regex engine cannot tell its first character (a look-behind, (?i) and a group)
    # THEN it carries the look-ahead, or it is only ever tried at one place
    unprefixed = [
        name
        for name, pattern in _module_patterns().items()
        if re.match(r"(\(\?i\))?\(\?<[!=]|\(\?i\)\(\?:", pattern.pattern)
        and not _LOOKAHEAD.match(pattern.pattern)
        and name not in _TRIED_AT_ONE_PLACE
    ]
    assert unprefixed == []


def test_first_character_look_aheads_change_no_match_on_real_lines() -> None:
    # GIVEN every line of the three corpora (the team's, other projects' values, other projects' log lines)
    lines = _real_lines()
    prefixed = {name: p for name, p in _module_patterns().items() if _LOOKAHEAD.match(p.pattern)}
    assert len(prefixed) >= 10
    for name, pattern in prefixed.items():
        plain = _without_lookahead(pattern)
        # WHEN each pattern runs with and without its look-ahead
        # THEN both find the same spans and groups on every line
        for line in lines:
            found = [(m.span(), m.groups()) for m in pattern.finditer(line)]
            assert found == [(m.span(), m.groups()) for m in plain.finditer(line)], (name, line)


_NAMEISH = st.lists(
    st.one_of(
        st.sampled_from([" ", ".", ",", ":", "-", "=", "'", '"', "\\", "№", "@", "/", "АБ", "Ё", "A.", "Mr", "Dr"]),
        st.text(
            alphabet="абвгдежзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИКЛМНОПРСТУФЯЁёabcdeghiklnoprstuvyzABCDHKMPRSTZ0123456789",
            min_size=1,
            max_size=12,
        ),
        st.sampled_from(
            [
                "клиент",
                "Получатель",
                "ФИО",
                "на имя",
                "по адресу",
                "Адрес",
                "address",
                "ул.",
                "пр-кт.",
                "паспорт",
                "серия",
                "Passport",
                "Customer",
                "Dear",
                "Bearer",
                "basic",
                "AKIA",
                "ghp_",
                "sk-proj-",
            ]
        ),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_NAMEISH)
def test_first_character_look_aheads_change_no_match_on_generated_text(line: str) -> None:
    # GIVEN text made of the words, letters and marks the prefixed patterns look at
    for pattern in (p for p in _module_patterns().values() if _LOOKAHEAD.match(p.pattern)):
        # WHEN a pattern runs with and without its look-ahead THEN both find the same
        plain = _without_lookahead(pattern)
        assert [(m.span(), m.groups()) for m in pattern.finditer(line)] == [
            (m.span(), m.groups()) for m in plain.finditer(line)
        ]


# --------------------------------------------------------------------------- substring tests before the cue patterns
def _cue_gate_misses(line: str) -> list[str]:
    """The cue patterns that match ``line`` although their substring test would not let them run."""
    lower = line.lower()
    misses = []
    if text._CYRILLIC_CUE.search(line) and not any(stem in lower for stem in text._CYRILLIC_CUE_STEMS):
        misses.append("_CYRILLIC_CUE")
    if text._ADDRESS_CUE.search(line) and not ("адрес" in lower or "address" in lower):
        misses.append("_ADDRESS_CUE")
    latin = text._LATIN_CUE_GATE.search(line) or text._LATIN_CUE_NAME.search(line)
    if latin and not text._has_latin_cue(line):
        misses.append("_LATIN_CUE")
    return misses


def test_the_cue_substring_tests_pass_every_real_line_their_patterns_match() -> None:
    # GIVEN every line of the three corpora WHEN a cue pattern matches one THEN its substring test passed it too
    misses = {line: found for line in _real_lines() if (found := _cue_gate_misses(line))}
    assert misses == {}


_CUEISH = st.lists(
    st.one_of(
        st.sampled_from(
            [" ", ":", "-", "—", "«", '"', "Иван", "John", "Smith", "Петров", "Mr.", "Ms", "Dr", "Miss", "Mrs."]
        ),
        st.sampled_from(
            [
                "клиент",
                "КЛИЕНТ",
                "Получатель",
                "ПоКуПаТеЛь",
                "фио",
                "ФИО",
                "на имя",
                "НА ИМЯ",
                "оформлена на",
                "Уважаемый",
                "доверенность на",
                "контактное лицо",
                "адрес",
                "АДРЕС",
                "по адресу",
                "Address",
                "ADDRESS",
                "customer",
                "CUSTOMER",
                "Recipient",
                "contact person",
                "Client",
                "buyer",
                "Consignee",
                "payer",
                "Cardholder",
                "handed to",
                "Signed by",
                "Dear",
            ]
        ),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_CUEISH)
def test_the_cue_substring_tests_pass_generated_text_their_patterns_match(line: str) -> None:
    # GIVEN text of cue words in any case, names and separators WHEN a cue pattern matches THEN its test passed it
    assert _cue_gate_misses(line) == []


_REPEATED = "Заказ оформлен на Иванова Ивана Петровича, тел. +7 912 345-67-89"
_REPEATING_DOC = {
    "message": _REPEATED,
    "labels": {"Message": _REPEATED, "{OriginalFormat}": _REPEATED, "note": "ivan@mail.ru"},
}


def test_a_text_a_document_holds_again_reads_as_masked_alone_and_is_counted_each_time() -> None:
    # GIVEN a .NET record whose message stands in its "Message" and "{OriginalFormat}" properties too
    alone = Masker()
    expected = alone.mask_text(_REPEATED)
    expected_counts = {kind: 3 * count for kind, count in alone.take_counts().items()} | {"email": 1}
    masker = Masker()
    # WHEN the document is masked
    result = masker.mask_document(copy.deepcopy(_REPEATING_DOC))
    # THEN each copy reads as the message masked alone, and every copy is counted
    assert result["message"] == result["labels"]["Message"] == result["labels"]["{OriginalFormat}"] == expected
    assert masker.take_counts() == expected_counts


def test_a_text_a_document_holds_again_is_masked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    if is_compiled("logwarden.masking.masker"):
        # A compiled class calls its own methods directly: a patched method is never reached from inside it.
        pytest.skip("the masker is compiled (mypyc); its internal calls cannot be observed")
    masked_texts: list[str] = []
    mask_text = Masker._mask_text
    monkeypatch.setattr(
        Masker, "_mask_text", lambda self, text, found: masked_texts.append(text) or mask_text(self, text, found)
    )
    Masker().mask_document(copy.deepcopy(_REPEATING_DOC))
    assert masked_texts.count(_REPEATED) == 1


# The decoder of \uXXXX escapes before it decoded runs at once: one callback per escape, the reference.
_REFERENCE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _reference_unescape_one(match: re.Match[str]) -> str:
    code = int(match.group(1), 16)
    if (0x20 <= code < 0x7F and code not in (0x22, 0x5C)) or 0xA0 <= code < 0xD800 or 0xE000 <= code <= 0xFFFD:
        return chr(code)
    if code == 0x22:
        return '\\"'
    if code == 0x5C:
        return "\\\\"
    return match.group()


def _reference_unescape(line: str) -> str:
    return _REFERENCE_ESCAPE.sub(_reference_unescape_one, line)


_SPECIAL_CODES = [
    *range(0x00, 0x21),
    0x22,
    0x5C,
    0x7E,
    *range(0x7F, 0xA1),
    0xD7FF,
    0xD800,
    0xD83D,
    0xDBFF,
    0xDC00,
    0xDE00,
    0xDFFF,
    0xE000,
    0xFFFD,
    0xFFFE,
    0xFFFF,
]


def _mixed_case(hex_digits: str) -> str:
    return "".join(char.upper() if index % 2 else char for index, char in enumerate(hex_digits))


ESCAPE = st.one_of(
    st.integers(min_value=0, max_value=0xFFFF),
    st.sampled_from(_SPECIAL_CODES),
    st.integers(min_value=0x0400, max_value=0x045F),  # Cyrillic, as System.Text.Json writes it
).flatmap(lambda code: st.sampled_from([f"\\u{code:04x}", f"\\u{code:04X}", "\\u" + _mixed_case(f"{code:04x}")]))
ESCAPED_TEXT = st.lists(
    st.one_of(
        ESCAPE,
        st.lists(ESCAPE, min_size=2, max_size=8).map("".join),
        st.sampled_from(
            [
                "\\ud83d\\ude00",  # a surrogate pair
                "\\ud83d",  # a lone one
                "\\\\u0041",  # an escaped backslash before "u0041"
                "\\u00",
                "\\u12g4",
                "\\",
                '"',
                "\\n",
                " ",
                ". ",
                "ул",
                "\x00",
                "\ud800",
            ]
        ),
        st.text(max_size=6),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(ESCAPED_TEXT)
def test_unicode_escapes_decoded_by_runs_read_as_decoded_one_by_one(line: str) -> None:
    # GIVEN text with \uXXXX escapes: runs, literal text between them, characters kept escaped, surrogates
    # WHEN the escapes are decoded run by run
    # THEN the text reads as the per-escape decoder wrote it
    assert unescape_unicode(line) == _reference_unescape(line)


def test_unicode_escapes_of_every_code_point_decode_as_before() -> None:
    # GIVEN every code point \uXXXX can write, alone, in a run, and between printable text
    for code in range(0x10000):
        escape = f"\\u{code:04x}"
        for line in (escape, f"{escape}\\u0041", f"\\u0443{escape}", f"a {escape} b\\u041c", f"\\u0022x{escape}"):
            # WHEN decoded THEN as before
            assert unescape_unicode(line) == _reference_unescape(line), line
