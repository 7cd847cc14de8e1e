"""The Hyperscan prefilter only spares work: every way through it gives what the detectors alone give.

Three ways are compared on the labelled corpus, on mutations of it and on generated number-, key- and token-heavy
text: ``scan_unfiltered`` (each detector behind its own substring gate), ``scan`` (one prefilter pass per line) and
``Masker.mask_lines`` (one pass per batch, lines without findings never scanned).
"""

from __future__ import annotations

import json
import random
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
from logwarden.masking.prefilter import Found, Gate, prefilter, prefilter_lines

CORPUS = Path(__file__).resolve().parents[1] / "data" / "masking" / "corpus.jsonl"
LINES = [json.loads(row)["line"] for row in CORPUS.read_text(encoding="utf-8").splitlines()]

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


def test_corpus_and_its_mutations_mask_the_same_with_and_without_the_prefilter() -> None:
    rng = random.Random(7)
    lines = LINES + [variant for line in LINES for variant in _mutations(line, rng)]
    _assert_same_everywhere(lines)
    _assert_same_everywhere(lines[:1500], private_ips=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(NUMBERISH, min_size=1, max_size=12))
def test_generated_lines_mask_the_same_with_and_without_the_prefilter(lines: list[str]) -> None:
    _assert_same_everywhere(lines)


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
    with module._BUSY:  # as if a logging thread were in the middle of a scan
        assert prefilter(b"call +7 912 345 67 89 or ivan@mail.ru") is None
        assert Masker().mask_lines(lines) == expected
        assert [Masker().mask_text(line) for line in lines] == expected


# ------------------------------------------------------------------ databases compiled at build time


def _all_hits(databases: tuple[object, object], data: bytes) -> list[tuple[int, int, int]]:
    lines, keys = databases
    hits: list[tuple[int, int, int]] = []
    for database in (lines, keys):
        database.scratch = hyperscan.Scratch(database)  # type: ignore[attr-defined]
        database.scan(  # type: ignore[attr-defined]
            data, match_event_handler=lambda ident, start, end, _flags, _ctx: hits.append((ident, start, end))
        )
    return hits


def test_serialized_databases_find_what_compiled_ones_find(tmp_path: Path) -> None:
    path = tmp_path / "prefilter.hsdb"
    prefilter_module.write_databases(path)
    specs = prefilter_module._specs()
    loaded = prefilter_module._load(path, prefilter_module._stamp(specs))
    assert loaded is not None
    compiled = (prefilter_module._compile_spec(specs[0]), prefilter_module._compile_spec(specs[1]))
    batch = "\n".join(LINES).encode("ascii", "ignore")
    hits = _all_hits(loaded, batch)
    assert hits and hits == _all_hits(compiled, batch)


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
