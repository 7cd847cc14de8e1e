"""What a source adapter hands the pipeline."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from logwarden.routing import Route


@dataclass(slots=True, init=False)
class SourceRecord:
    """One log record as it arrived: its text, when the source received it, and where it came from.

    Never changed once built. One is built per log event, so ``__init__`` is written out: mypyc compiles it in the
    compiled hot path (logwarden/compiled.py), where a generated one (dataclass or NamedTuple) stays interpreted;
    and not frozen, as a frozen dataclass's ``__init__`` (``object.__setattr__`` per field) costs four times as much.
    """

    doc_id: str
    text: str
    receive_ms: int
    route: Route
    origin: dict[str, Any]
    merged_events: int  # continuation lines folded into this record (stack traces split by the agent)

    def __init__(
        self, doc_id: str, text: str, receive_ms: int, route: Route, origin: dict[str, Any], merged_events: int = 0
    ) -> None:
        self.doc_id = doc_id
        self.text = text
        self.receive_ms = receive_ms
        self.route = route
        self.origin = origin
        self.merged_events = merged_events

    def with_continuation(self, line: str) -> SourceRecord:
        """This record with one more line of its text (a stack trace line the agent sent as its own event)."""
        text = self.text.rstrip("\n") + "\n" + line.rstrip("\n")
        return SourceRecord(self.doc_id, text, self.receive_ms, self.route, self.origin, self.merged_events + 1)


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
