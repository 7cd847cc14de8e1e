"""What a source adapter hands the pipeline."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

from logwarden.routing import Route


class SourceRecord(NamedTuple):
    """One log record as it arrived: its text, when the source received it, and where it came from.

    A NamedTuple rather than a frozen dataclass: one is built per log event, and a frozen dataclass's
    ``__init__`` (``object.__setattr__`` per field) cost four times as much on the ingest hot path.
    """

    doc_id: str
    text: str
    receive_ms: int
    route: Route
    origin: dict[str, Any]
    merged_events: int = 0  # continuation lines folded into this record (stack traces split by the agent)


@dataclass(frozen=True, slots=True)
class RejectedInput:
    """Input that could not become a record. Text is masked before it is stored; bytes are kept as-is."""

    reason: str
    detail: str
    origin: dict[str, Any]
    text: str | None = None
    raw: bytes | None = None


@dataclass(slots=True)
class SourceBatch:
    records: list[SourceRecord] = field(default_factory=list)
    rejected: list[RejectedInput] = field(default_factory=list)
    control_messages: int = 0

    @property
    def events(self) -> int:
        """Log events in the delivery, counting folded continuation lines (not control messages)."""
        return len(self.rejected) + sum(1 + record.merged_events for record in self.records)


_URLSAFE: Final = bytes.maketrans(b"+/", b"-_")


def _id_text(digest: bytes) -> str:
    # base64.urlsafe_b64encode without its two Python-level calls (15 bytes: never padded)
    return binascii.b2a_base64(digest, newline=False).translate(_URLSAFE).decode()


def stable_id(*parts: str) -> str:
    """A short deterministic document id: the same input always gets the same id, so retries never duplicate."""
    return _id_text(hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=15).digest())


def stable_ids(*prefix: str) -> Callable[[str], str]:
    """``stable_id(*prefix, last)`` for the many ``last`` values of one delivery: the shared prefix is hashed once."""
    shared = hashlib.blake2b(("\x1f".join(prefix) + "\x1f").encode("utf-8", "surrogatepass"), digest_size=15)

    def stable_id_of(last: str) -> str:
        digest = shared.copy()
        digest.update(last.encode("utf-8", "surrogatepass"))
        return _id_text(digest.digest())

    return stable_id_of


def payload_text(raw: bytes) -> str | None:
    """Bytes as text when they are text (so they can be masked), else None."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
