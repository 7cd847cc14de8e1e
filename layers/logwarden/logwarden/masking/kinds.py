"""The kinds of personal data and secrets the masker knows, and how each is written once masked."""

from __future__ import annotations

import enum


class Kind(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    CARD = "card"
    IBAN = "iban"
    INN = "inn"
    SNILS = "snils"
    PASSPORT = "passport"
    IP = "ip"
    PASSWORD = "password"  # noqa: S105 - a kind name; passwords, PINs, CVV/CVC, one-time codes
    TOKEN = "token"  # noqa: S105 - a kind name; bearer/Basic credentials, JWTs, API keys, AWS keys, session cookies, secrets
    NAME = "name"
    ADDRESS = "address"
    BIRTHDATE = "birthdate"

    @property
    def placeholder(self) -> str:
        return f"[{self.name}]"


class Mode(enum.StrEnum):
    PLACEHOLDER = "placeholder"  # [EMAIL]
    PARTIAL = "partial"  # [CARD ****1234]: the tail support needs to tell two values apart
    HASH = "hash"  # [EMAIL#3f2a9c1b7d4e0a55]: HMAC-SHA-256, the same value gives the same tag everywhere
