from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logwarden.parsing.timestamps import (
    FLAG_FROM_RECEIVE_TIME,
    FLAG_OUT_OF_RANGE,
    FLAG_TZ_INFERRED,
    datetime_to_ms,
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


# ------------------------------------------------------------------ the shapes services write, generated

_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timedelta(minutes=minutes))


@st.composite
def _written(draw: st.DrawFn) -> tuple[str, int, bool]:
    """A moment written as a service would (``T`` or a space, a fraction of 0-9 digits after a point or a comma,
    ``Z``, ``z``, ``±HH:MM``, `` ±HH:MM`` or no offset), with the epoch milliseconds it stands for, worked out from
    the moment itself, and whether an offset was written."""
    moment = draw(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
    separator = draw(st.sampled_from(["T", " "]))
    digits = draw(st.integers(0, 9))
    written_fraction = (f"{moment.microsecond:06d}" + draw(st.text("0123456789", min_size=3, max_size=3)))[:digits]
    text = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}{separator}{moment:%H:%M:%S}"
    if digits:
        text += draw(st.sampled_from([".", ","])) + written_fraction
    # The fraction's whole milliseconds: the digits after the third are cut.
    naive_ms = (moment.replace(microsecond=0) - datetime(1970, 1, 1)) // timedelta(milliseconds=1)
    naive_ms += int((written_fraction + "000")[:3])
    zone = draw(st.sampled_from(["none", "Z", "z", "offset", "spaced"]))
    if zone == "none":
        return text, naive_ms, False
    if zone in ("Z", "z"):
        return text + zone, naive_ms, True
    offset = draw(_OFFSETS)
    sign = "-" if offset < timedelta(0) else "+"
    hours, minutes = divmod(abs(offset) // timedelta(minutes=1), 60)
    written = f"{sign}{hours:02d}:{minutes:02d}"
    return text + (" " if zone == "spaced" else "") + written, naive_ms - offset // timedelta(milliseconds=1), True


@settings(max_examples=3000, deadline=None)
@given(_written())
def test_every_shape_services_write_is_read_to_the_exact_millisecond(case: tuple[str, int, bool]) -> None:
    text, expected_ms, aware = case
    assert iso_to_ms(text) == (expected_ms, aware)
    assert iso_to_ms(f"  {text}\n") == (expected_ms, aware)


@pytest.mark.parametrize(
    "text",
    ["2025-13-01T00:00:00Z", "2025-11-31T00:00:00Z", "2025-11-25T24:00:00Z", "2025-11-25T13:60:00Z",
     "2025-11-25T13:40:00+24:00", "2O25-11-25T13:40:00Z", "2025-11-25T13:40:0Z"],
)  # fmt: skip
def test_out_of_range_and_misspelt_timestamps_are_none(text: str) -> None:
    assert iso_to_ms(text) == (None, False)


def test_one_timestamp_path_whatever_is_compiled() -> None:
    from logwarden.parsing import timestamps

    assert not hasattr(timestamps, "_READ_BY_HAND")
    assert [name for name in vars(timestamps) if "iso_to_ms" in name] == ["iso_to_ms"]


# Milliseconds that `int(moment.timestamp() * 1000)` reads one short (float seconds): every path must read them exactly.
_FLOAT_SHORT = [
    (datetime(2004, 9, 8, 6, 56, 51, 501000), 1094626611501),
    (datetime(2004, 5, 17, 15, 55, 39, 883000), 1084809339883),
]


@pytest.mark.parametrize(("moment", "expected_ms"), _FLOAT_SHORT)
def test_every_timestamp_path_is_millisecond_exact(moment: datetime, expected_ms: int) -> None:
    from logwarden.parsing.broker_log import timestamp_to_ms

    assert int(moment.replace(tzinfo=UTC).timestamp() * 1000) == expected_ms - 1  # what the float path read
    assert datetime_to_ms(moment) == datetime_to_ms(moment.replace(tzinfo=UTC)) == expected_ms
    assert iso_to_ms(moment.isoformat(timespec="milliseconds") + "Z") == (expected_ms, True)
    assert timestamp_to_ms(moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]) == expected_ms  # a broker line
    clock = moment.strftime("%H:%M:%S.%f")[:-3]
    assert time_of_day_to_ms(clock, expected_ms + 60_000) == expected_ms  # a layout with no date


@settings(max_examples=2000, deadline=None)
@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30)))
def test_datetime_to_ms_is_the_floor_of_the_exact_milliseconds(moment: datetime) -> None:
    assert datetime_to_ms(moment) == (moment - datetime(1970, 1, 1)) // timedelta(milliseconds=1)
