"""PII masking (interim: e-mail addresses only, until the full masking engine lands)."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

from logwarden import schema

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


class Masker:
    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def mask_text(self, text: str) -> str:
        masked, count = _EMAIL.subn("[EMAIL]", text)
        if count:
            self._counts["email"] += count
        return masked

    def mask_document(self, doc: dict[str, Any]) -> dict[str, Any]:
        for field in schema.FREE_TEXT_FIELDS:
            value = doc.get(field)
            if isinstance(value, str):
                doc[field] = self.mask_text(value)
        return doc

    def take_counts(self) -> dict[str, int]:
        counts = dict(self._counts)
        self._counts.clear()
        return counts


@lru_cache(maxsize=1)
def default_masker() -> Masker:
    return Masker()
