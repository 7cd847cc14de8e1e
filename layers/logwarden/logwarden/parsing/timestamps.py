"""Event time from the line itself, sanity-checked against the time CloudWatch (or the broker) saw it.

A log line's own timestamp is the truth when it is plausible. Three things go wrong in practice and
are corrected here, each leaving a flag on the document so nobody is misled:
- epoch numbers in seconds, microseconds or nanoseconds instead of milliseconds;
- naive local times from text layouts (Java/.NET consoles log wall-clock time without an offset):
  when the line is a whole number of hours away from the receive time, that offset is taken;
- values that cannot be right (before 2000, or well after the receive time): the receive time is used.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final

from logwarden.memo import memoised

_MIN_MS: Final = 946_684_800_000  # 2000-01-01: nothing we ingest is older
_FUTURE_TOLERANCE_MS: Final = 5 * 60 * 1000  # clocks drift; lines minutes ahead of the receiver are real
_HOUR_MS: Final = 3_600_000
_TZ_RESIDUAL_MS: Final = 10 * 60 * 1000

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE: Final = datetime(1970, 1, 1)  # subtracted from naive times read as UTC

# English month abbreviations as Java, Erlang and .NET layouts print them ("07-Dec-2026", "Dec 07, 2026").
_MONTH_NAMES: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS: Final[dict[str, int]] = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}

FLAG_FROM_RECEIVE_TIME: Final = "timestamp_from_receive_time"
FLAG_OUT_OF_RANGE: Final = "timestamp_out_of_range"
FLAG_TZ_INFERRED: Final = "timestamp_timezone_inferred"


def epoch_to_ms(value: float) -> int | None:
    """Interpret an epoch number by magnitude: seconds, milliseconds, microseconds or nanoseconds."""
    if value != value or value <= 0:  # NaN or non-positive
        return None
    if value < 1e11:
        return int(value * 1000)
    if value < 1e14:
        return int(value)
    if value < 1e17:
        return int(value / 1000)
    if value < 1e20:
        return int(value / 1_000_000)
    return None


def iso_to_ms(text: str) -> tuple[int | None, bool]:
    """Parse an ISO-8601-like timestamp; returns (epoch ms, had an explicit offset).

    One path whichever way the module runs (compiled or not): ``datetime.fromisoformat``, which is C, reads every
    form services write, and the timedelta arithmetic after it is two more C calls."""
    candidate = text.strip()
    if not candidate:
        return None, False
    # ``2024-05-01 10:00:00.123 +03:00`` (Serilog text): drop the space before the offset.
    if len(candidate) > 6 and candidate[-6] in "+-" and candidate[-7] == " ":
        candidate = candidate[:-7] + candidate[-6:]
    elif candidate[-1] == "z":
        candidate = candidate[:-1] + "Z"
    try:
        # Reads "Z" and a decimal comma itself (Python 3.11+), and any number of fraction digits.
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None, False
    return datetime_to_ms(parsed), parsed.tzinfo is not None


def datetime_to_ms(moment: datetime) -> int:
    """Epoch ms of ``moment`` (a naive one read as UTC): the one conversion every timestamp path ends in.

    Whole milliseconds from the timedelta's parts, in integers: exact, where ``int(moment.timestamp() * 1000)``
    lands a millisecond short on about one value in a hundred before 2017 (``2004-09-08T06:56:51.501Z``). The
    same floor as ``delta // timedelta(milliseconds=1)`` (microseconds are always 0..999999), without the several
    big-int operations that division does in C per call."""
    delta = moment - (_EPOCH_NAIVE if moment.tzinfo is None else _EPOCH)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def time_of_day_to_ms(text: str, receive_ms: int) -> int | None:
    """``10:15:30.123`` with no date: the date that puts it closest to the receive time."""
    try:
        clock = datetime.strptime(text.replace(",", ".").strip(), "%H:%M:%S.%f" if "." in text else "%H:%M:%S")
    except ValueError:
        return None
    received = datetime.fromtimestamp(receive_ms / 1000, tz=UTC)
    best: int | None = None
    for day_shift in (-1, 0, 1):
        day: date = (received + timedelta(days=day_shift)).date()
        moment = datetime.combine(day, clock.time(), tzinfo=UTC)
        ms = datetime_to_ms(moment)
        if best is None or abs(ms - receive_ms) < abs(best - receive_ms):
            best = ms
    return best


def reconcile(line_ms: int | None, receive_ms: int, *, had_offset: bool, flags: list[str]) -> int:
    """Choose the document's event time: the line's own when plausible, else the receive time."""
    if line_ms is None:
        flags.append(FLAG_FROM_RECEIVE_TIME)
        return receive_ms
    if not had_offset and receive_ms > 0:
        # A naive local time lands a whole number of hours from the receive time; take that offset.
        delta = receive_ms - line_ms
        hours = round(delta / _HOUR_MS)
        if hours != 0 and abs(hours) <= 14 and abs(delta - hours * _HOUR_MS) <= _TZ_RESIDUAL_MS:
            flags.append(FLAG_TZ_INFERRED)
            line_ms += hours * _HOUR_MS
    if line_ms < _MIN_MS or (receive_ms > 0 and line_ms > receive_ms + _FUTURE_TOLERANCE_MS):
        flags.append(FLAG_OUT_OF_RANGE)
        return receive_ms
    return line_ms


def ms_to_iso(ms: int) -> str:
    """Millisecond ISO-8601 in UTC, the form every document carries (``2025-11-25T13:40:00.123Z``)."""
    return _second_prefix(ms // 1000) + _MILLIS[ms % 1000]


_MILLIS: Final = tuple(f"{n:03d}Z" for n in range(1000))  # "000Z" ... "999Z": looked up, not formatted per event


@memoised(4096)
def _second_prefix(second: int) -> str:
    # Events of a delivery share a few seconds: format the date and time once per second.
    return datetime.fromtimestamp(second, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.")
