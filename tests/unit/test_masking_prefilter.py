"""The Hyperscan prefilter only spares work: every way through it gives what the detectors alone give.

Three ways are compared on the labelled corpora, on mutations of them and on generated number-, key- and token-heavy
text, ASCII or not (Cyrillic, accented Latin, mixed): ``scan_unfiltered`` (each detector behind its own substring
gate), ``scan`` (one prefilter pass per line) and ``Masker.mask_lines`` (one pass per batch, lines without findings
never scanned).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import hyperscan
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logwarden import schema
from logwarden.masking import prefilter as prefilter_module
from logwarden.masking import text
from logwarden.masking.config import MaskingConfig
from logwarden.masking.masker import Masker
from logwarden.masking.names import fold_latin
from logwarden.masking.patterns import ACCENTED_LATIN_PAIR_GATE, ADDRESS_CUE_WORDS, CYRILLIC_CUE_STEMS
from logwarden.masking.prefilter import Found, Gate, prefilter, prefilter_lines, prefilter_unicode_lines

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "masking" / "corpus.jsonl"
LINES = [json.loads(row)["line"] for row in CORPUS.read_text(encoding="utf-8").splitlines()]


def _corpus_lines(name: str) -> list[str]:
    lines: list[str] = []
    for row in (DATA / name / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if row.strip():
            record = json.loads(row)
            lines.extend(record["lines"] if "lines" in record else [record["line"]])
    return lines


OTHER_LINES = _corpus_lines("masking_independent") + _corpus_lines("real_lines")

PIECES = st.sampled_from(
    [
        *"0123456789 -()+.#%@]_[:/\"'=,;\\\naZfFgx",
        "2024-05-19",
        "2024-05-19 12:00:01",
        "2024-05-19T12:00:01.123+03:00",
        "+7 (",
        "+44 20 7946 0958",
        "127.0.0.1",
        "85.140.1.20",
        "10.0.0.7",
        "12345678-1234-",
        "deadbee-1234-",
        "4111 1111 1111 1111",
        "4111111111111111",
        "7707083893",
        "112-233-445 95",
        "89161234567",
        "1714567890123",
        "DE89370400440532013000",
        "GB82 WEST 1234 5698 7654 32",
        "2a00:1450:4010:c05::65",
        "ivan.petrov@mail.ru",
        "amqp://user:secret@mq:5671",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
        "Bearer abcDEF123456789",
        "Basic dXNlcjpwYXNz",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_abcdefghijklmnopqrstu",
        "sk_live_abcdefghijklmn",
        "password=",
        "Pass_Word: ",
        "Token ",
        "token: ",
        'x-Auth-Token\\": ',
        "secret ",
        "Secret=",
        '"customerName": "',
        "customer name=",
        '{"name": "',
        '"logger_name": "',
        "thread_name=",
        "firstName=",
        "user.email=",
        "orderId=",
        "phone: ",
        "ИНН ",
        "inn=",
        "snils ",
        "passport: ",
        "card ",
        "order ",
        "ts=",
        "\\u0444\\u0438\\u043e",
        "%2B7%20912",
        "%40",
        "[PHONE]",
    ]
)
NUMBERISH = st.lists(st.one_of(PIECES, st.text(alphabet="0123456789", min_size=1, max_size=20)), max_size=40).map(
    "".join
)
# What the detectors look at in text that is not ASCII: Cyrillic names, cues and addresses, passport words, accented
# Latin names, Unicode digits, letters whose lower case is ASCII (Kelvin sign) or longer (İ), a lone surrogate.
UNICODE_PIECES = st.sampled_from(
    [
        *"АБВЁЖЯабвёжяÀÉÑÖØßàçéíñöøüÿĀăČęłŒšŽƒǅ",
        "Иванов Иван Иванович",
        "Петрова А.А.",
        "И. И. Сидоров",
        "Тихонов Бронислав",
        "клиент ",
        "КЛИЕНТ: ",
        "Получатель: ",
        "ФИО ",
        "на имя ",
        "по адресу ",
        "АДРЕС: ",
        "Address: ",
        "г. Москва, ",
        "ул. Ленина, ",
        "пр-кт. Мира",
        "д. 5 кв. 12",
        "125009, ",
        "Московская обл.",
        "паспорт ",
        "ПАСПОРТ: ",
        "серия 45 10 № 123456",
        "José García",
        "Zoë Saldaña",
        "María José Çelik",
        "Ivan Petrov",
        "McDonald",
        "O'Néil",
        "Jürgen Müller",
        "\u0663\u0663\u0663\u0663\u0663\u0663\u0663\u0663\u0663\u0663",  # Arabic-Indic digits
        "+\u0669\u0669\u0669\u0669\u0669\u0669\u0669\u0669\u0669",
        "DE\u0668\u0669",
        "\uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11",  # fullwidth digits
        "4111 1111 1111 111\u0661",
        "+7 \u0669\u0661\u0662",
        "(\u0669\u0661\u0662) 345-67-89",
        "\u0661\u0662\u0663.45.\u0666\u0667.8",
        "2024-0\u0665-19",
        "ИНН7707083893",
        "тел.+79123456789",
        "тел:89161234567",
        "СНИЛС 112-233-445 95",
        "85.140.1.20д",
        "№4111111111111111",
        "карта 4111 1111 1111 1111,",
        "IP 85.140.1.20, ",
        "—",
        "«",
        "»",
        "\u212a",  # KELVIN SIGN: lowers to 'k'
        "\u0130",  # İ: lowers to two characters
        "\u017f",  # ſ
        "\ud800",  # a lone surrogate, as JSON's "\\ud800" decodes
        "телефон: ",
        "Телефон=",
        "ИНН: ",
        "имя=",
        "Фамилия: ",
        '"адрес_доставки": "',
        "паспорт_номер=",
        "иван@почта.рф",
        "ivan@mail.ru",
        "\\u0418\\u0432\\u0430\\u043d",
        "%D0%98%D0%B2%D0%B0%D0%BD",
        "</Адрес>",
        "<Фамилия>",
        " ",
        "\n",
    ]
)
MIXED = st.lists(st.one_of(UNICODE_PIECES, PIECES, st.text(max_size=6)), max_size=30).map("".join)


def _unicode_gates(lines: list[str]) -> dict[int, int]:
    found = prefilter_unicode_lines(lines)
    assert found is not None
    return {index: line_found.gates for index, line_found in found.items() if line_found.gates}


def _mutations(line: str, rng: random.Random) -> list[str]:
    """Variants of a corpus line that move its numbers and keys around the prefilter's edges."""
    cut = rng.randrange(len(line) + 1)
    return [
        line[:cut],
        line[cut:],
        line.replace(" ", "", 1),
        line.replace("-", " "),
        line.replace('"', ""),
        line.upper(),
        line.lower(),
        "x" + line,
        line + "7",
        line.replace(":", "="),
        line[::-1],
    ]


def _mask_unfiltered(lines: list[str], masker: Masker) -> list[str]:
    """The reference: every line masked with the prefilter out of the way (no line is long enough for it).

    The compiled build (``make compiled``) has the constant inlined, so there the patch cannot switch the
    prefilter off and the reference is each line masked alone; the comparison with the prefilter off is made by
    the run of these tests on the Python source, which ``make test`` does too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text, "_PREFILTER_FROM", 10**9)
        return [masker.mask_text(line) for line in lines]


def _assert_same_everywhere(lines: list[str], private_ips: bool = False) -> None:
    for line in lines:
        expected = sorted(text.scan_unfiltered(line, private_ips))
        assert sorted(text.scan(line, private_ips)) == expected, line
    config = MaskingConfig(mask_private_ips=private_ips)
    reference, single, batched = Masker(config), Masker(config), Masker(config)
    expected_lines = _mask_unfiltered(lines, reference)
    assert [single.mask_text(line) for line in lines] == expected_lines
    assert batched.mask_lines(lines) == expected_lines
    counts = reference.take_counts()
    assert single.take_counts() == counts
    assert batched.take_counts() == counts


def test_other_corpora_and_their_mutations_mask_the_same_with_and_without_the_prefilter() -> None:
    rng = random.Random(11)
    lines = OTHER_LINES + [variant for line in OTHER_LINES for variant in _mutations(line, rng)]
    assert any(not line.isascii() for line in OTHER_LINES)
    _assert_same_everywhere(lines)


def test_corpus_lines_that_are_not_ascii_mask_the_same_in_every_mix_and_spelling() -> None:
    # GIVEN the corpora's lines that are not ASCII, with escapes, and as batches mixed with ASCII lines; and the
    # corpus with accented letters
    rng = random.Random(5)
    unicode_lines = [line for line in LINES + OTHER_LINES if not line.isascii()]
    assert len(unicode_lines) > 100
    accented = [line.replace("a", "á").replace("e", "é").replace("o", "ö").replace("C", "Ç") for line in LINES]
    escaped = [line.encode("ascii", "backslashreplace").decode("ascii") for line in unicode_lines[:300]]
    mixed = [rng.choice(LINES) + " " + rng.choice(unicode_lines) for _ in range(300)]
    # WHEN they are masked with and without the prefilter THEN every way gives the same
    _assert_same_everywhere(unicode_lines + accented + escaped + mixed)


def test_corpus_and_its_mutations_mask_the_same_with_and_without_the_prefilter() -> None:
    rng = random.Random(7)
    lines = LINES + [variant for line in LINES for variant in _mutations(line, rng)]
    _assert_same_everywhere(lines)
    _assert_same_everywhere(lines[:1500], private_ips=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(NUMBERISH, min_size=1, max_size=12))
def test_generated_lines_mask_the_same_with_and_without_the_prefilter(lines: list[str]) -> None:
    _assert_same_everywhere(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(MIXED, min_size=1, max_size=12))
def test_generated_lines_that_are_not_ascii_mask_the_same_with_and_without_the_prefilter(lines: list[str]) -> None:
    _assert_same_everywhere(lines)
    _assert_same_everywhere(lines, private_ips=True)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(MIXED, min_size=1, max_size=8))
def test_a_batch_scan_of_lines_that_are_not_ascii_finds_for_each_what_a_scan_of_it_alone_finds(
    lines: list[str],
) -> None:
    batch = prefilter_unicode_lines(lines)
    assert batch is not None
    for index, line in enumerate(lines):
        alone = prefilter_unicode_lines([line])
        assert alone is not None
        found, found_alone = batch.get(index), alone.get(0)
        assert (found.gates if found else 0) == (found_alone.gates if found_alone else 0), line
        assert (found.number_starts if found else []) == (found_alone.number_starts if found_alone else []), line


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(UNICODE_PIECES, st.text(alphabet="ABCDJMOPSabcdelnorst' .-/@", max_size=8)), max_size=12))
def test_the_accented_pair_gate_passes_every_line_whose_folded_text_holds_a_pair(pieces: list[str]) -> None:
    # GIVEN text with accented Latin letters, which the bare-name gate of text reads folded (José as Jose)
    line = "".join(pieces)
    if text._maybe_bare_latin_name(line):
        # THEN the prefilter's pattern, which cannot fold, passes it as it is, in re and in Hyperscan alike
        assert re.search(ACCENTED_LATIN_PAIR_GATE, line) is not None, line
        if not line.isascii():
            assert _unicode_gates([line]).get(0, 0) & Gate.BARE_NAME, line


def test_folded_names_pass_the_accented_pair_gate() -> None:
    for line in ["José García paid", "Zoë Saldaña", "from Ágnes Łukasiewicz.", "Jürgen MacÇarthy", "Renée O'Sullivan"]:
        folded = fold_latin(line)
        assert folded is not None and text._LATIN_PAIR.search(folded) is not None
        assert _unicode_gates([line]).get(0, 0) & Gate.BARE_NAME, line


def test_only_a_letters_own_capital_lowers_to_it() -> None:
    # GIVEN the letters of the cue words the prefilter spells in any case (prefilter._any_case), which text looks
    # for in the lower-cased line
    letters = {char for word in (*CYRILLIC_CUE_STEMS, *ADDRESS_CUE_WORDS) for char in word if char.isalpha()}
    # WHEN any code point is lowered THEN it gives one of those letters only if it is that letter or its capital
    for code in range(0x110000):
        char = chr(code)
        for letter in letters.intersection(char.lower()):
            assert char in (letter, letter.upper()), (hex(code), letter)


def test_the_gates_of_cyrillic_lines() -> None:
    gates = _unicode_gates(
        ["Клиент Иванов, АДРЕС доставки: г. Москва, ул. Ленина", "паспорт", "José García", "нет имени, но шоссе."]
    )
    assert gates[0] & Gate.CYRILLIC_NAME and gates[0] & Gate.CYRILLIC_CUE and gates[0] & Gate.ADDRESS_CUE
    assert gates[0] & Gate.STREET and gates[0] & Gate.KEY  # "АДРЕС доставки:" is a key
    assert gates[1] == Gate.PASSPORT
    assert gates[2] == Gate.BARE_NAME
    assert 3 not in gates  # a street word and a dot, but no street after it


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(NUMBERISH, min_size=1, max_size=8))
def test_a_batch_scan_finds_for_each_line_what_a_scan_of_it_alone_finds(lines: list[str]) -> None:
    ascii_lines = [line.encode("ascii") for line in lines if line.isascii()]
    batch = prefilter_lines(ascii_lines)
    assert batch is not None
    for index, line in enumerate(ascii_lines):
        alone = prefilter(line)
        assert alone is not None
        found = batch.get(index)
        # Only the batch scan looks for key words; everything else is the same as the line's own scan.
        assert (found.gates if found else 0) & ~Gate.KEY == alone.gates & ~Gate.KEY
        assert (found.number_starts if found else []) == alone.number_starts


def test_the_other_digit_pattern_finds_every_digit_of_the_number_pattern_that_is_not_ascii() -> None:
    # GIVEN the pattern that sends a line that is not ASCII to the number scan whole
    database = hyperscan.Database()
    pattern = prefilter_module.OTHER_DIGIT.encode("ascii")
    database.compile(expressions=[pattern], ids=[1], elements=1, flags=[hyperscan.HS_FLAG_UTF8])
    digits = re.compile(r"\d")
    # WHEN each code point \\d reads as a digit is scanned THEN the pattern finds it, unless it is ASCII's
    wrong: list[str] = []
    hits: list[int] = []
    for code in range(0x110000):
        char = chr(code)
        is_other_digit = code >= 0x80 and digits.match(char) is not None
        if is_other_digit or code < 0x80:
            hits.clear()
            database.scan(char.encode("utf-8"), match_event_handler=lambda *_args: hits.append(1))
            if bool(hits) != is_other_digit:
                wrong.append(hex(code))
    assert wrong == []


def test_number_starts_of_lines_that_are_not_ascii_are_offsets_in_the_text() -> None:
    # GIVEN lines with numbers after Cyrillic, accented and wide characters, and a lone surrogate
    lines = [
        "Клиент Иванов, тел. +7 912 345-67-89, карта 4111 1111 1111 1111",
        "José García: 85.140.1.20 → 4111111111111111",
        "\ud800 ИНН 7707083893",
    ]
    found = prefilter_unicode_lines(lines)
    assert found is not None
    for index, line in enumerate(lines):
        # WHEN the prefilter reports where numbers start THEN each is a number's first character or the one before
        starts = found[index].number_starts
        assert starts, line
        for start in starts:
            assert re.match(r"\W?[0-9+(]", line[start:]) is not None, (line, start)
    assert {lines[0].index(" +7"), lines[0].index(" 4111")} <= set(found[0].number_starts or [])
    # AND a line with a digit that is not ASCII's is searched whole
    wide = prefilter_unicode_lines(["fullwidth \uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11 ok"])
    assert wide is not None and wide[0].number_starts is None


def test_lines_without_findings_are_returned_as_the_same_objects() -> None:
    lines = [
        "order 42 shipped to warehouse MSK-2",
        '{"level": "INFO", "logger_name": "ru.shop.Api"}',
        "call +7 912 345 67 89",
    ]
    masked = Masker().mask_lines(lines)
    assert masked[0] is lines[0]
    assert masked[1] is lines[1]
    assert masked[2] == "call [PHONE]"


def test_a_date_led_run_is_no_number_start_but_a_number_after_it_is() -> None:
    found = prefilter(b"2024-05-19 12:00:01.123 INFO order 79958318034 created")
    assert found is not None
    assert found.number_starts == [len(b"2024-05-19 12:00:01.123 INFO order")]
    assert prefilter(b"at 2024-05-19 12:00:01 nothing else") == Found(0, [])


def test_key_words_are_found_whatever_separators_split_them() -> None:
    batch = prefilter_lines([b'{"Pass_Word": "x"}', b'{"logger_name": "x"}', b"customer name=Ivan", b'{"name": "x"}'])
    assert batch is not None
    assert sorted(index for index, found in batch.items() if found.keys) == [0, 2, 3]


def test_a_stem_counts_only_inside_a_key() -> None:
    lines = [
        b'"message": "Token cache refreshed, expires_at=1714691141"',  # prose, and a key without the stem
        b"Invalid token: signature verification failed",
        b'{"x-Auth_Token\\": "abc"}',
        b"secretValue\t= 7",
        b"the secret, revealed: yes",
    ]
    batch = prefilter_lines(lines)
    assert batch is not None
    assert sorted(index for index, found in batch.items() if found.keys) == [1, 2, 3]


def test_prepared_documents_mask_as_unprepared_ones() -> None:
    rng = random.Random(3)
    docs = [
        {
            schema.MESSAGE: line,
            schema.STACK_TRACE: rng.choice(LINES) if rng.random() < 0.3 else None,
            schema.LABELS: {"customerEmail": "ivan@mail.ru"} if rng.random() < 0.1 else {"attempt": 1},
        }
        for line in LINES
    ]
    plain, prepared = Masker(), Masker()
    expected = [plain.mask_document(doc) for doc in docs]
    for start in range(0, len(docs), 100):
        batch = docs[start : start + 100]
        prepared.prepare(batch)
        assert [prepared.mask_document(doc) for doc in batch] == expected[start : start + 100]
    assert prepared.take_counts() == plain.take_counts()


def test_while_another_thread_holds_the_scanner_lines_are_masked_without_it() -> None:
    from logwarden.masking import prefilter as module

    lines = LINES[:120]
    expected = _mask_unfiltered(lines, Masker())
    unicode_lines = [line for line in LINES if not line.isascii()][:120]
    unicode_expected = _mask_unfiltered(unicode_lines, Masker())
    with module._BUSY:  # as if a logging thread were in the middle of a scan
        assert prefilter(b"call +7 912 345 67 89 or ivan@mail.ru") is None
        assert prefilter_unicode_lines(["позвоните Ивану Петрову: +7 912 345 67 89"]) is None
        assert Masker().mask_lines(lines) == expected
        assert [Masker().mask_text(line) for line in lines] == expected
        assert Masker().mask_lines(unicode_lines) == unicode_expected
        assert [Masker().mask_text(line) for line in unicode_lines] == unicode_expected
        assert Masker().mask_lines(lines + unicode_lines) == expected + unicode_expected


# ------------------------------------------------------------------ databases compiled at build time


def _all_hits(databases: tuple[object, ...], ascii_data: bytes, utf8_data: bytes) -> list[tuple[int, int, int]]:
    hits: list[tuple[int, int, int]] = []
    assert len(databases) == 4  # ASCII lines and their keys, then the others' (UTF-8)
    for index, database in enumerate(databases):
        database.scratch = hyperscan.Scratch(database)  # type: ignore[attr-defined]
        database.scan(  # type: ignore[attr-defined]
            ascii_data if index < 2 else utf8_data,
            match_event_handler=lambda ident, start, end, _flags, _ctx: hits.append((ident, start, end)),
        )
    return hits


def test_serialized_databases_find_what_compiled_ones_find(tmp_path: Path) -> None:
    path = tmp_path / "prefilter.hsdb"
    prefilter_module.write_databases(path)
    specs = prefilter_module._specs()
    loaded = prefilter_module._load(path, prefilter_module._stamp(specs))
    assert loaded is not None
    compiled = tuple(prefilter_module._compile_spec(spec) for spec in specs)
    batch = "\n".join(LINES).encode("ascii", "ignore")
    utf8_batch = "\n".join(LINES).encode("utf-8")
    hits = _all_hits(loaded, batch, utf8_batch)
    assert hits and hits == _all_hits(compiled, batch, utf8_batch)
    assert {ident for ident, _start, _end in hits} >= {Gate.CYRILLIC_NAME, Gate.ADDRESS_CUE, Gate.PASSPORT}


def test_databases_serialized_from_other_patterns_or_damaged_are_compiled_afresh(tmp_path: Path) -> None:
    path = tmp_path / "prefilter.hsdb"
    prefilter_module.write_databases(path)
    stamp = prefilter_module._stamp(prefilter_module._specs())
    assert prefilter_module._load(path, b"0" * len(stamp)) is None  # compiled from other patterns
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # cut short
    assert prefilter_module._load(path, stamp) is None
    path.write_bytes(data[: len(stamp) + 1] + (len(data)).to_bytes(8, "big") + b"\x00" * 64)  # not a database
    assert prefilter_module._load(path, stamp) is None
    assert prefilter_module._load(tmp_path / "missing.hsdb", stamp) is None
