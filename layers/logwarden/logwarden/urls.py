"""The checks every URL taken from configuration or a request goes through before anything is sent to it."""

from __future__ import annotations

import urllib.parse


def https_parts(url: str, allow_local: bool = False) -> tuple[urllib.parse.SplitResult | None, str | None]:
    """``url`` split, and why it is no https URL on port 443 without credentials (None when it is one).

    ``allow_local`` also accepts ``http://127.0.0.1:<port>`` (local runs and tests). The problem never quotes the
    URL itself: webhook URLs are secrets."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return None, "is not a URL"
    host = (parts.hostname or "").lower()
    if parts.username is not None or parts.password is not None:
        return parts, "carries credentials"
    if allow_local and parts.scheme == "http" and host == "127.0.0.1":
        return parts, None
    if parts.scheme != "https" or port not in (None, 443):
        return parts, f"is not https on port 443 (host {host!r})"
    return parts, None
