"""Bounded inflation of gzip and zlib data: every decompression of input from outside goes through here.

A 2 MiB body of zeros inflates to 2 GiB; inflated whole it kills the process (a Lambda is killed and its batch
redelivered forever). Here the stream is inflated in chunks with ``max_length``, so no more than the cap (plus one
chunk) is ever held, and input over the cap raises ``TooLargeError`` (reason ``too_large``), which each caller turns
into one rejected input of its batch while the rest goes on.

Two caps: ``per_message`` for one compressed body, ``per_delivery`` for everything one delivery inflates to (an
Amazon MQ batch of many small bombs is as bad as one big one). The defaults hold any real delivery many times over:
a CloudWatch Logs delivery inflates to at most about 1 MiB of events plus JSON; an Amazon MQ batch is at most 6 MB.

The output is exactly what ``zlib.decompress(data, MAX_WBITS | 32)`` gives, and data that fits one chunk (nearly
all) takes one call, as before.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import Final

MIB: Final = 1024 * 1024
TOO_LARGE: Final = "too_large"
# gzip or zlib, told apart by the header, as zlib.decompress(data, MAX_WBITS | 32) does
AUTO_WBITS: Final = zlib.MAX_WBITS | 32
# The first call takes up to 4 MiB (all of nearly every real delivery, as one bytes object, no join); the rest comes
# in 1 MiB chunks, so a bomb holds at most the cap plus a chunk or two while being inflated.
_FIRST_CHUNK: Final = 4 * MIB
_CHUNK: Final = 1 * MIB


@dataclass(frozen=True, slots=True)
class InflateLimits:
    """Caps on inflated bytes (``LOGWARDEN_INFLATE_MAX_MESSAGE_BYTES`` and
    ``LOGWARDEN_INFLATE_MAX_DELIVERY_BYTES``)."""

    per_message: int = 32 * MIB
    per_delivery: int = 64 * MIB

    def __post_init__(self) -> None:
        if self.per_message < 1 or self.per_delivery < 1:
            raise ValueError(f"inflate limits must be positive, got {self.per_message}, {self.per_delivery}")


DEFAULT_LIMITS: Final = InflateLimits()


class TooLargeError(ValueError):
    """The input inflates past its cap. Says how big the compressed input is and its digest, so the parked copy can
    be found and examined."""

    reason = TOO_LARGE

    def __init__(self, limit: int, compressed: bytes, what: str = "input") -> None:
        self.limit = limit
        self.compressed_size = len(compressed)
        self.digest = hashlib.sha256(compressed).hexdigest()
        compressed_text = f"{self.compressed_size} bytes compressed, sha256 {self.digest}"
        super().__init__(f"{what} inflates to more than {limit} bytes ({compressed_text})")


class InflateBudget:
    """What is left of one delivery's inflation budget; each message takes at most ``per_message`` of it."""

    __slots__ = ("limits", "remaining")

    def __init__(self, limits: InflateLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.remaining = limits.per_delivery

    def inflate(self, data: bytes, *, what: str = "message") -> bytes:
        """Inflate one message within both caps; its output is charged to the delivery."""
        limit = min(self.limits.per_message, self.remaining)
        what = what if limit == self.limits.per_message else f"{what} (the rest of the delivery's budget)"
        output = inflate(data, limit, what=what)
        self.remaining -= len(output)
        return output


def inflate(data: bytes, limit: int, *, all_members: bool = False, what: str = "input") -> bytes:
    """Inflate gzip or zlib ``data`` to at most ``limit`` bytes.

    Raises ``TooLargeError`` over the limit and ``zlib.error`` for a corrupt or truncated stream. Bytes after the end of
    the stream are ignored, as ``zlib.decompress`` does; with ``all_members`` they are inflated as further gzip
    members (as ``gzip.decompress`` does), within the same limit.
    """
    chunks, error = _inflate(data, limit, what, all_members)
    if error is not None:
        raise error
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def inflate_salvage(data: bytes, limit: int) -> bytes:
    """Whatever inflates from a damaged stream, up to where it breaks (never more than ``limit``; raises
    ``TooLargeError`` beyond)."""
    chunks, error = _inflate(data, limit, "input")
    if isinstance(error, TooLargeError):
        raise error
    return b"".join(chunks)


def _inflate(data: bytes, limit: int, what: str, all_members: bool = False) -> tuple[list[bytes], Exception | None]:
    chunks: list[bytes] = []
    total = 0
    pending = data
    decompressor = zlib.decompressobj(AUTO_WBITS)
    chunk_size = _FIRST_CHUNK
    while True:
        # One byte more than may still come out: getting it means the cap is passed.
        want = min(limit - total, chunk_size) + 1
        chunk_size = _CHUNK
        try:
            chunk = decompressor.decompress(pending, want)
        except zlib.error as error:
            return chunks, error
        total += len(chunk)
        if total > limit:
            return [], TooLargeError(limit, data, what)
        if chunk:
            chunks.append(chunk)
        if decompressor.eof:
            rest = decompressor.unused_data
            if all_members and rest.lstrip(b"\x00"):
                decompressor, pending = zlib.decompressobj(AUTO_WBITS), rest.lstrip(b"\x00")
                continue
            return chunks or [b""], None
        pending = decompressor.unconsumed_tail
        if not pending and len(chunk) < want:
            return chunks, zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
