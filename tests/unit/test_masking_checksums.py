from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logwarden.masking import checksums


@pytest.mark.parametrize(
    "digits",
    [
        "4111111111111111",
        "5500000000000004",
        "2200000000000004",
        "378282246310005",
        "6011111111111117",
        "4012888888881881",
    ],
)
def test_luhn_accepts_valid_cards(digits: str) -> None:
    assert checksums.card_ok(digits)


@pytest.mark.parametrize(
    "digits",
    [
        "4111111111111112",  # Luhn fails
        "1714567890123",  # epoch milliseconds: no brand starts with 1
        "9111111111111111",  # no brand
        "4111",
    ],
)
def test_cards_without_brand_or_luhn_are_rejected(digits: str) -> None:
    assert not checksums.card_ok(digits)


def test_mir_is_a_brand() -> None:
    assert checksums.card_brand("2200123456789010") == "mir"


@pytest.mark.parametrize("digits", ["7707083893", "500100732259", "7830002293"])
def test_inn_check_digits(digits: str) -> None:
    assert checksums.inn_ok(digits)


@pytest.mark.parametrize("digits", ["7707083894", "500100732258", "123456789", "1234567890123"])
def test_inn_rejects_wrong_check_digits_and_lengths(digits: str) -> None:
    assert not checksums.inn_ok(digits)


@pytest.mark.parametrize("digits", ["11223344595", "08765430300", "12345678964"])
def test_snils_check_number(digits: str) -> None:
    assert checksums.snils_ok(digits)


@pytest.mark.parametrize("digits", ["11223344596", "00000000000", "1122334459"])
def test_snils_rejects_wrong_check_number(digits: str) -> None:
    assert not checksums.snils_ok(digits)


@pytest.mark.parametrize(
    "iban", ["DE89370400440532013000", "GB82WEST12345698765432", "RU0204452560040702810412345678901"]
)
def test_iban_mod97(iban: str) -> None:
    assert checksums.iban_ok(iban)


def test_iban_with_a_changed_digit_fails() -> None:
    assert not checksums.iban_ok("DE89370400440532013001")


def _textbook_luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@given(st.text(alphabet="0123456789", max_size=24))
def test_luhn_is_the_textbook_check(digits: str) -> None:
    assert checksums.luhn_ok(digits) == _textbook_luhn(digits)


@given(st.sampled_from("01789"), st.text(alphabet="0123456789", min_size=11, max_size=18))
def test_no_brand_issues_numbers_starting_with_0_1_7_8_or_9(first: str, rest: str) -> None:
    assert checksums.card_brand(first + rest) is None


def _snils_check_number(first_nine: str) -> int:
    total = sum(int(digit) * (9 - index) for index, digit in enumerate(first_nine))
    if total > 101:
        total %= 101
    return 0 if total in (100, 101) else total


def _textbook_snils(digits: str) -> bool:
    if len(digits) != 11 or digits[:9] == "000000000":
        return False
    return _snils_check_number(digits[:9]) == int(digits[9:])


@given(st.text(alphabet="0123456789", min_size=9, max_size=13))
def test_snils_is_the_textbook_check(digits: str) -> None:
    assert checksums.snils_ok(digits) == _textbook_snils(digits)


def _with_snils_check(first_nine: str) -> str:
    return first_nine + f"{_snils_check_number(first_nine):02d}"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda d: d != "000000000"))
def test_snils_with_its_check_number_passes(first_nine: str) -> None:
    assert checksums.snils_ok(_with_snils_check(first_nine))
