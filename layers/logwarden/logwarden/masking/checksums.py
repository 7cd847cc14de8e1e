"""Check digits of the identifiers the masker recognises.

A number is only treated as a card, INN, SNILS or IBAN when its check digits agree; that is what lets order
numbers, transaction ids and timestamps of the same length pass through untouched.
"""

from __future__ import annotations

from operator import mul
from typing import Final

_INN10_WEIGHTS: Final = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11: Final = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12: Final = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_SNILS_WEIGHTS: Final = (9, 8, 7, 6, 5, 4, 3, 2, 1)


# Luhn's doubled digit with its digits summed, as a digit: 0->0, 1->2, ... 5->1 (10), ... 9->9 (18).
_DOUBLED: Final = str.maketrans("0123456789", "0246813579")


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) check used by every payment card brand, Mir included."""
    # Every second digit from the right is doubled; translate, map and sum run in C, not a loop per digit.
    kept, doubled = digits[-1::-2], digits[-2::-2].translate(_DOUBLED)
    total = sum(map(ord, kept)) + sum(map(ord, doubled)) - 48 * (len(kept) + len(doubled))
    return total % 10 == 0


def _weighted_check(digits: str, weights: tuple[int, ...]) -> int:
    # sum((ord(d) - 48) * w) over the first len(weights) digits (there are at least that many), in C
    total: int = sum(map(mul, map(ord, digits), weights)) - 48 * sum(weights)
    return total % 11 % 10


def inn_ok(digits: str) -> bool:
    """Russian taxpayer number: 10 digits (organisations) or 12 digits (individuals), FNS check digits."""
    if len(digits) == 10:
        return _weighted_check(digits, _INN10_WEIGHTS) == ord(digits[9]) - 48
    if len(digits) == 12:
        return (
            _weighted_check(digits, _INN12_WEIGHTS_11) == ord(digits[10]) - 48
            and _weighted_check(digits, _INN12_WEIGHTS_12) == ord(digits[11]) - 48
        )
    return False


def snils_ok(digits: str) -> bool:
    """Russian pension insurance number (СНИЛС): 9 digits and a 2-digit check number."""
    if len(digits) != 11 or digits.startswith("000000000"):
        return False
    # sum((ord(d) - 48) * w) over the first nine digits, in C (eleven-digit order ids all come through here)
    total: int = sum(map(mul, map(ord, digits), _SNILS_WEIGHTS)) - 48 * 45
    if total > 101:
        total %= 101
    check = 0 if total in (100, 101) else total
    return check == int(digits[9:])


def iban_ok(compact: str) -> bool:
    """ISO 13616 mod-97 check on an IBAN without spaces (upper case letters and digits)."""
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def card_brand(digits: str) -> str | None:
    """The brand a card number's prefix and length belong to, or None when no brand issues such numbers.

    Requiring a brand as well as Luhn keeps 13-digit epoch milliseconds (they start with 1) and other
    long ids out: no brand issues numbers that start with 0, 1 or 7-9 apart from the ranges below.
    """
    n = len(digits)
    d1 = digits[0]
    if n == 15 and digits[:4] in ("2131", "1800"):  # JCB's older fifteen-digit ranges
        return "jcb"
    if d1 not in "23456":  # every brand below starts with one of these (epoch milliseconds start with 1)
        return None
    d2 = int(digits[:2])
    d4 = int(digits[:4])
    if d1 == "4" and n in (13, 16, 19):
        return "visa"
    if 2200 <= d4 <= 2204 and 16 <= n <= 19:
        return "mir"
    if (51 <= d2 <= 55 or 2221 <= d4 <= 2720) and n == 16:
        return "mastercard"
    if d2 in (34, 37) and n == 15:
        return "amex"
    if d2 == 62 and 16 <= n <= 19:
        return "unionpay"
    if 3528 <= d4 <= 3589 and 16 <= n <= 19:
        return "jcb"
    if (d4 == 6011 or d2 == 65 or 644 <= int(digits[:3]) <= 649) and 16 <= n <= 19:
        return "discover"
    if (d2 in (36, 38, 39) or 300 <= int(digits[:3]) <= 305) and 14 <= n <= 19:
        return "diners"
    if (d2 == 50 or 56 <= d2 <= 69) and 12 <= n <= 19:
        return "maestro"
    return None


def card_ok(digits: str) -> bool:
    return 12 <= len(digits) <= 19 and card_brand(digits) is not None and luhn_ok(digits)
