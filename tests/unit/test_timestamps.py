from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logwarden.parsing.timestamps import (
    FLAG_FROM_RECEIVE_TIME,
    FLAG_OUT_OF_RANGE,
    FLAG_TZ_INFERRED,
    _common_iso_to_ms,
    _general_iso_to_ms,
    epoch_to_ms,
    iso_to_ms,
    ms_to_iso,
    reconcile,
    time_of_day_to_ms,
)

RECEIVED = 1764078000000  # 2025-11-25T13:40:00Z


@pytest.mark.parametrize(
    ("text", "expected_iso", "aware"),
    [
        ("2025-11-25T13:40:00.123Z", "2025-11-25T13:40:00.123Z", True),
        ("2025-11-25T16:40:00.123+03:00", "2025-11-25T13:40:00.123Z", True),
        ("2025-11-25 16:40:00.123 +03:00", "2025-11-25T13:40:00.123Z", True),
        ("2025-11-25 13:40:00,123", "2025-11-25T13:40:00.123Z", False),
        ("2025-11-25T13:40:00.5210000Z", "2025-11-25T13:40:00.521Z", True),
        ("2025-11-25 13:40:02.120533+00:00", "2025-11-25T13:40:02.120Z", True),
    ],
)
def test_iso_forms_our_services_write(text: str, expected_iso: str, aware: bool) -> None:
    ms, had_offset = iso_to_ms(text)
    assert ms is not None
    assert ms_to_iso(ms) == expected_iso
    assert had_offset is aware


@pytest.mark.parametrize(
    ("text", "expected_ms"),
    [
        # Through float seconds each of these came out one millisecond short.
        ("2039-03-24 18:24:10.7+00:00", 2184603850700),
        ("2004-03-11T20:39:39.1-0500", 1079055579100),
        ("2038-02-03 20:39:44,075Z", 2148842384075),
        ("2025-11-25t13:40:00.001z", 1764078000001),
    ],
)
def test_milliseconds_are_exact(text: str, expected_ms: int) -> None:
    assert iso_to_ms(text) == (expected_ms, True)


def test_garbage_is_not_a_timestamp() -> None:
    assert iso_to_ms("yesterday at noon") == (None, False)
    assert iso_to_ms("") == (None, False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1764078000, 1764078000000),  # seconds
        (1764078000123, 1764078000123),  # milliseconds
        (1764078000123456, 1764078000123),  # microseconds
        (1764078000123456789, 1764078000123),  # nanoseconds
        (0, None),
        (-5, None),
    ],
)
def test_epoch_unit_is_inferred_from_magnitude(value: int, expected: int | None) -> None:
    assert epoch_to_ms(value) == expected


def test_naive_local_time_takes_the_whole_hour_offset_from_the_receive_time() -> None:
    # GIVEN a Moscow wall-clock time logged without an offset, received 12 ms later in UTC
    line_ms, aware = iso_to_ms("2025-11-25 16:40:00.000")
    flags: list[str] = []
    # WHEN reconciled with the receive time
    result = reconcile(line_ms, RECEIVED + 12, had_offset=aware, flags=flags)
    # THEN the three-hour offset is taken and flagged
    assert result == RECEIVED
    assert flags == [FLAG_TZ_INFERRED]


def test_aware_times_are_never_shifted() -> None:
    flags: list[str] = []
    assert reconcile(RECEIVED - 3 * 3_600_000, RECEIVED, had_offset=True, flags=flags) == RECEIVED - 3 * 3_600_000
    assert flags == []


def test_absurd_times_fall_back_to_the_receive_time() -> None:
    flags: list[str] = []
    assert reconcile(0, RECEIVED, had_offset=True, flags=flags) == RECEIVED  # 1970
    assert reconcile(RECEIVED + 86_400_000 * 30, RECEIVED, had_offset=True, flags=flags) == RECEIVED  # next month
    assert flags == [FLAG_OUT_OF_RANGE, FLAG_OUT_OF_RANGE]


def test_missing_time_uses_the_receive_time_and_says_so() -> None:
    flags: list[str] = []
    assert reconcile(None, RECEIVED, had_offset=False, flags=flags) == RECEIVED
    assert flags == [FLAG_FROM_RECEIVE_TIME]


def test_time_of_day_picks_the_nearest_date() -> None:
    # 23:59:59 seen just after midnight belongs to the previous day.
    just_after_midnight = 1764028805000  # 2025-11-25T00:00:05Z
    assert ms_to_iso(time_of_day_to_ms("23:59:59.500", just_after_midnight) or 0) == "2025-11-24T23:59:59.500Z"


# ------------------------------------------------------------------ the hand-read common shapes

_DIGITS = st.integers(0, 99).map(lambda n: f"{n:02d}")


@st.composite
def _iso_like(draw: st.DrawFn) -> str:
    """Timestamps of the shapes services write, with every part now and then out of range or misspelt."""
    year = draw(st.sampled_from(["2025", "1969", "0001", "9999", "0000", "20x5"]))
    date = f"{year}-{draw(_DIGITS)}-{draw(_DIGITS)}"
    clock = f"{draw(_DIGITS)}:{draw(_DIGITS)}:{draw(_DIGITS)}"
    separator = draw(st.sampled_from(["T", " ", "t", "_"]))
    fraction = draw(st.sampled_from(["", ".", ","])) + draw(st.text("0123456789", max_size=12))
    zone = draw(
        st.sampled_from(["", "Z", "z"])
        | st.builds(lambda sign, h, m: f"{sign}{h}:{m}", st.sampled_from("+-"), _DIGITS, _DIGITS)
        | st.sampled_from(["+0300", "+03", " +03:00", "+03:00:00", "+3:00", "Z+03:00"])
    )
    text = date + separator + clock + fraction + zone
    # A character now and then replaced by a look-alike: other digits, signs, spaces.
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + draw(st.sampled_from(["٣", "２", "+", " ", "-", ":", "9", "a"])) + text[at + 1 :]
    return text


@settings(max_examples=3000, deadline=None)
@given(_iso_like())
def test_common_shapes_read_by_hand_agree_with_fromisoformat(text: str) -> None:
    candidate = text.strip()
    if not candidate:
        return
    common = _common_iso_to_ms(candidate)
    if common is not None:
        assert common == _general_iso_to_ms(candidate)
    assert iso_to_ms(text) == _general_iso_to_ms(candidate)


@pytest.mark.parametrize(
    "text",
    [
        "2025-11-24T09:10:59.819+03:00",
        "2025-11-24T06:10:59.8650000Z",
        "2025-11-24 09:10:59.522",
        "1969-12-31T23:59:59.9Z",
    ],
)
def test_the_shapes_services_write_take_the_hand_read_path(text: str) -> None:
    assert _common_iso_to_ms(text) == _general_iso_to_ms(text)
    assert _common_iso_to_ms(text) is not None


def test_timestamps_are_read_by_hand_exactly_when_compiled() -> None:
    from logwarden.compiled import is_compiled
    from logwarden.parsing import timestamps

    assert timestamps._READ_BY_HAND is is_compiled("logwarden.parsing.timestamps")
