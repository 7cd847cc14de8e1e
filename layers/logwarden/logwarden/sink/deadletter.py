"""The dead-letter store: where everything that could not be indexed waits, masked, for ``logwarden replay``.

Two kinds of entry:
- ``document``: a built, masked document with its target index and deterministic id. Replaying it is a
  ``create``: if an earlier attempt did land after all, the 409 makes the replay a no-op.
- ``payload``: input that never became documents (an undecodable delivery, a malformed log event). Its
  text is masked before it is written; bytes that cannot be decoded at all are kept base64-encoded,
  since they cannot be read (or masked) by anyone until a fixed decoder replays them.

Entries are written in batches: one gzip'd JSON-lines object per write. In AWS that is an S3 object
encrypted with the stack's KMS key; locally, a file in a directory. A batch is inflated within
``MAX_BATCH_BYTES`` (logwarden/inflate.py), so a bomb planted in the store cannot take replay down.
"""

from __future__ import annotations

import gzip
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal, Protocol

import orjson

from logwarden.errors import DeadLetterUnavailableError
from logwarden.inflate import MIB, inflate

EntryKind = Literal["document", "payload"]
OUTCOME_UNDELIVERED: Final = "undelivered"
OUTCOME_SET_ASIDE: Final = "set_aside"

# What one batch may inflate to (`logwarden replay --max-batch-mib` raises it). A real delivery parks a few MiB;
# one built to inflate to its whole budget (64 MiB) can park more as JSON documents, and replay then reports its
# batch as too_large and leaves it, for a run with a higher cap.
MAX_BATCH_BYTES: Final = 64 * MIB


@dataclass(frozen=True, slots=True)
class DeadLetterEntry:
    kind: EntryKind
    reason: str
    detail: str = ""
    index: str | None = None
    doc_id: str | None = None
    document: dict[str, Any] | None = None
    payload: dict[str, Any] | None = None  # for kind=payload: {"source": ..., "text": ...} or {"base64": ...}
    attempts: int = 0
    # For documents: "undelivered" (the engine could not be reached or kept refusing for now: the scheduled drain
    # re-drives these) or "set_aside" (the engine refused the document itself: fix, then `logwarden replay`).
    outcome: str = ""
    failed_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_json(self) -> bytes:
        data = {k: v for k, v in _asdict(self).items() if v is not None and v != ""}
        return orjson.dumps(data)

    @classmethod
    def from_json(cls, raw: bytes) -> DeadLetterEntry:
        data = orjson.loads(raw)
        return cls(**data)


def _asdict(entry: DeadLetterEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in entry.__slots__}


def encode_batch(entries: Sequence[DeadLetterEntry]) -> bytes:
    return gzip.compress(b"".join(entry.to_json() + b"\n" for entry in entries), compresslevel=6)


def decode_batch(blob: bytes, limit: int = MAX_BATCH_BYTES) -> list[DeadLetterEntry]:
    """Every entry of a batch; raises on the first that cannot be read."""
    return [
        DeadLetterEntry.from_json(line) for line in inflate(blob, limit, all_members=True).splitlines() if line.strip()
    ]


@dataclass(frozen=True, slots=True)
class BadEntry:
    """A line of a batch that is not a dead-letter entry: its bytes, and what is wrong with them."""

    raw: bytes
    detail: str


_OPTIONAL_TEXT: Final = (str, type(None))
_FIELD_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "kind": (str,),
    "reason": (str,),
    "detail": (str,),
    "index": _OPTIONAL_TEXT,
    "doc_id": _OPTIONAL_TEXT,
    "document": (dict, type(None)),
    "payload": (dict, type(None)),
    "attempts": (int,),
    "outcome": (str,),
    "failed_at": (str,),
}


def parse_entry(line: bytes) -> DeadLetterEntry | BadEntry:
    """One line of a batch, checked field by field (the store is input like any other)."""
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        return BadEntry(line, f"not JSON: {error}")
    if not isinstance(data, dict):
        return BadEntry(line, "not a JSON object")
    for name, value in data.items():
        expected = _FIELD_TYPES.get(name)
        if expected is None:
            return BadEntry(line, f"unknown field {name[:40]!r}")
        if not isinstance(value, expected) or (name == "attempts" and isinstance(value, bool)):
            return BadEntry(line, f"field {name!r} has the wrong type")
    if data.get("kind") not in ("document", "payload") or "reason" not in data:
        return BadEntry(line, "kind must be document or payload, with a reason")
    return DeadLetterEntry(**data)


def decode_entries(blob: bytes, limit: int = MAX_BATCH_BYTES) -> list[DeadLetterEntry | BadEntry]:
    """Every line of a batch as an entry, or as a ``BadEntry`` saying why it is not one. Raises ``TooLargeError``
    when the batch inflates past ``limit``, and ``zlib.error``/``OSError`` when it is not gzip at all."""
    return [parse_entry(line) for line in inflate(blob, limit, all_members=True).splitlines() if line.strip()]


def batch_name(now: datetime | None = None) -> str:
    """Date-partitioned, sortable, unique: ``2026/11/25/20261125T153000Z-<uuid>.jsonl.gz``."""
    moment = now or datetime.now(UTC)
    return f"{moment:%Y/%m/%d}/{moment:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex}.jsonl.gz"


class DeadLetterStore(Protocol):
    def put(self, entries: Sequence[DeadLetterEntry]) -> str:
        """Store a batch; return where it went. Raises DeadLetterUnavailableError when it cannot."""
        ...

    def batches(self) -> Iterator[str]:
        """Names of stored batches, oldest first."""
        ...

    def read(self, name: str) -> list[DeadLetterEntry]: ...

    def read_blob(self, name: str) -> bytes:
        """The stored (compressed) batch as it is."""
        ...

    def delete(self, name: str) -> None: ...


class LocalDeadLetterStore:
    """A directory of batches, for local runs and the CLI."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, entries: Sequence[DeadLetterEntry]) -> str:
        name = batch_name()
        path = self.root / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(encode_batch(entries))
            os.replace(temporary, path)  # readers never see half a batch
        except OSError as error:
            raise DeadLetterUnavailableError(f"cannot write dead-letter batch {path}: {error}") from error
        return str(path)

    def batches(self) -> Iterator[str]:
        if not self.root.exists():
            return iter(())
        return iter(sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*.jsonl.gz")))

    def read(self, name: str) -> list[DeadLetterEntry]:
        return decode_batch(self.read_blob(name))

    def read_blob(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def delete(self, name: str) -> None:
        (self.root / name).unlink(missing_ok=True)


class S3DeadLetterStore:
    """Batches as S3 objects, encrypted with the stack's customer-managed KMS key."""

    def __init__(self, s3_client: Any, bucket: str, prefix: str = "deadletter/", kms_key_id: str | None = None) -> None:
        self._s3 = s3_client
        self.bucket = bucket
        self.prefix = prefix
        self._kms_key_id = kms_key_id

    def put(self, entries: Sequence[DeadLetterEntry]) -> str:
        key = self.prefix + batch_name()
        extra: dict[str, str] = {"ServerSideEncryption": "aws:kms"}
        if self._kms_key_id:
            extra["SSEKMSKeyId"] = self._kms_key_id
        try:
            self._s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=encode_batch(entries),
                ContentType="application/gzip",
                **extra,
            )
        except Exception as error:  # botocore raises many types; all mean "not parked"
            raise DeadLetterUnavailableError(f"cannot write s3://{self.bucket}/{key}: {error}") from error
        return f"s3://{self.bucket}/{key}"

    def batches(self) -> Iterator[str]:
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                key = str(item["Key"])
                if key.endswith(".jsonl.gz"):
                    yield key

    def read(self, name: str) -> list[DeadLetterEntry]:
        return decode_batch(self.read_blob(name))

    def read_blob(self, name: str) -> bytes:
        return bytes(self._s3.get_object(Bucket=self.bucket, Key=name)["Body"].read())

    def delete(self, name: str) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=name)
