"""Message bodies that are bytes: decoded into text the masker can read, never parked raw.

A body is decoded with the charset its message declares (``Content-Type: text/plain; charset=windows-1251``, an
AMQP ``content_encoding``), Windows-1251 included, or else as UTF-8; bytes that do not decode become U+FFFD, so the
rest of the body is still read, masked and kept. The result says how it was decoded, for the dead-letter record.
"""

from __future__ import annotations

import codecs
import re
from typing import Final

_CHARSET: Final = re.compile(r"charset\s*=\s*[\"']?([\w.:\-]{1,40})", re.IGNORECASE)
# Names services write for the charsets Python knows under another name.
_ALIASES: Final = {"win-1251": "cp1251", "windows1251": "cp1251", "win1251": "cp1251", "utf8": "utf-8"}


def charset_of(declared: str | None) -> str | None:
    """The Python codec a ``Content-Type`` (or a bare charset name) declares; None when it declares none we know."""
    if not declared:
        return None
    match = _CHARSET.search(declared)
    name = (match.group(1) if match else declared).strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_body(data: bytes, declared: str | None = None) -> tuple[str, str, bool]:
    """``data`` as text, the codec used, and whether any byte had to be replaced (U+FFFD).

    The declared charset is used when Python knows it; otherwise UTF-8. Nothing raises: a body that is not what it
    says it is still comes out as text, with replacement characters where its bytes made no sense.
    """
    codec = charset_of(declared) or "utf-8"
    try:
        return data.decode(codec), codec, False
    except UnicodeDecodeError:
        return data.decode(codec, errors="replace"), codec, True
