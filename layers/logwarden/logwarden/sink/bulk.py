"""Bulk indexing with per-item outcomes, retries bounded by a deadline, and nothing silently lost.

Every action ends in exactly one of: indexed, duplicate (409 on ``create``: the document is already
there, which is how redelivered batches stay idempotent), set aside (the document itself is at fault:
mapping errors, bad values), or undelivered (still failing on retryable errors when time ran out).
The caller parks set-aside and undelivered actions in the dead-letter store.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import orjson

_RETRYABLE_STATUS: Final = frozenset({429, 500, 502, 503, 504})
MAX_BULK_BYTES: Final = 5 * 1024 * 1024
MAX_BULK_ACTIONS: Final = 2000


@dataclass(slots=True, init=False)
class IndexAction:
    """One document to create: its data stream or index, its deterministic id, its serialised source.

    Never changed once built. Not declared frozen: one is built per event, and a frozen dataclass's ``__init__``
    (``object.__setattr__`` per field) costs three times a plain one's. ``__init__`` is written out so that mypyc
    compiles it (a dataclass-generated one stays interpreted in the compiled hot path)."""

    index: str
    doc_id: str
    source: bytes

    def __init__(self, index: str, doc_id: str, source: bytes) -> None:
        self.index = index
        self.doc_id = doc_id
        self.source = source

    def bulk_lines(self) -> bytes:
        # The header is ``{"create":{"_index":...,"_id":...}}`` as orjson would write it, assembled in one join
        # (orjson.dumps of each string does the JSON escaping); its start is the same for every action of an index.
        start = _HEADER_STARTS.get(self.index)
        if start is None:
            start = _header_start(self.index)
        return b"".join((start, orjson.dumps(self.doc_id), b"}}\n", self.source, b"\n"))


_HEADER_STARTS: Final[dict[str, bytes]] = {}
_HEADER_STARTS_MAX: Final = 1024  # a handful of data streams in practice; a replay may name others


def _header_start(index: str) -> bytes:
    if len(_HEADER_STARTS) >= _HEADER_STARTS_MAX:
        _HEADER_STARTS.clear()
    start = _HEADER_STARTS[index] = b'{"create":{"_index":' + orjson.dumps(index) + b',"_id":'
    return start


@dataclass(frozen=True, slots=True)
class Failure:
    action: IndexAction
    reason: str
    detail: str
    attempts: int


@dataclass(slots=True)
class BulkReport:
    indexed: int = 0
    duplicates: int = 0
    set_aside: list[Failure] = field(default_factory=list)
    undelivered: list[Failure] = field(default_factory=list)
    requests: int = 0
    retries: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def accounted(self) -> int:
        return self.indexed + self.duplicates + len(self.set_aside) + len(self.undelivered)


class BulkTransport(Protocol):
    """The one call we need from a client: ``OpenSearch.bulk`` satisfies it."""

    def bulk(self, body: Any, index: Any = None, params: Any = None, headers: Any = None) -> Any: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_delay_s: float = 0.2
    max_delay_s: float = 8.0
    max_attempts: int = 8
    # Keep this much time for parking what is left in the dead-letter store.
    reserve_s: float = 5.0


def chunk_actions(
    actions: Sequence[IndexAction], max_bytes: int = MAX_BULK_BYTES, max_actions: int = MAX_BULK_ACTIONS
) -> list[list[IndexAction]]:
    """Split into bulk requests of at most ``max_bytes`` of body and ``max_actions`` actions each.

    A single document larger than ``max_bytes`` still goes alone; OpenSearch's own limit decides it.
    """
    chunks: list[list[IndexAction]] = []
    current: list[IndexAction] = []
    size = 0
    for action in actions:
        action_size = len(action.source) + len(action.index) + len(action.doc_id) + 40
        if current and (size + action_size > max_bytes or len(current) >= max_actions):
            chunks.append(current)
            current, size = [], 0
        current.append(action)
        size += action_size
    if current:
        chunks.append(current)
    return chunks


def classify_item(item: dict[str, Any]) -> tuple[str, str, str]:
    """Map one bulk response item to (outcome, reason, detail); outcome is done/duplicate/retry/set_aside."""
    result: dict[str, Any] = next(iter(item.values()), {}) if item else {}
    status = int(result.get("status", 0))
    if 200 <= status < 300:
        return "done", "", ""
    error = result.get("error") or {}
    reason_type = str(error.get("type", "")) if isinstance(error, dict) else str(error)
    detail = str(error.get("reason", ""))[:500] if isinstance(error, dict) else ""
    if status == 409:
        return "duplicate", reason_type, detail
    if status in _RETRYABLE_STATUS:
        return "retry", reason_type or f"http_{status}", detail
    return "set_aside", reason_type or f"http_{status}", detail


class BulkIndexer:
    def __init__(
        self,
        transport: BulkTransport,
        *,
        policy: RetryPolicy | None = None,
        max_bytes: int = MAX_BULK_BYTES,
        max_actions: int = MAX_BULK_ACTIONS,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._transport = transport
        self._policy = policy or RetryPolicy()
        self._max_bytes = max_bytes
        self._max_actions = max_actions
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography

    def index(self, actions: Sequence[IndexAction], remaining_s: Callable[[], float]) -> BulkReport:
        """Create every action, retrying only what failed retryably, until done or out of time."""
        report = BulkReport()
        pending = list(actions)
        attempt = 0
        last_reason: dict[str, tuple[str, str]] = {}
        while pending:
            attempt += 1
            retry: list[IndexAction] = []
            for chunk in chunk_actions(pending, self._max_bytes, self._max_actions):
                retry.extend(self._send(chunk, report, attempt, last_reason))
            pending = retry
            if not pending:
                break
            delay = min(self._policy.max_delay_s, self._policy.base_delay_s * 2 ** (attempt - 1))
            delay = self._rng.uniform(delay / 2, delay)  # jitter: concurrent invocations must not retry in step
            if attempt >= self._policy.max_attempts or remaining_s() - delay < self._policy.reserve_s:
                for action in pending:
                    reason, detail = last_reason.get(action.doc_id, ("retries_exhausted", ""))
                    report.undelivered.append(Failure(action, reason, detail, attempt))
                break
            report.retries += len(pending)
            self._sleep(delay)
        return report

    def _send(
        self,
        chunk: list[IndexAction],
        report: BulkReport,
        attempt: int,
        last_reason: dict[str, tuple[str, str]],
    ) -> list[IndexAction]:
        body = b"".join(action.bulk_lines() for action in chunk)
        report.requests += 1
        started = time.perf_counter()
        try:
            response = self._transport.bulk(body=body)
        except Exception as error:
            classified = _transport_failure(error)
            if classified is None:
                raise
            reason, retryable = classified
            if not retryable:
                # 401/403/404...: the documents are fine but this endpoint will not take them; park them all.
                report.undelivered.extend(Failure(action, reason, str(error)[:300], attempt) for action in chunk)
                return []
            for action in chunk:
                last_reason[action.doc_id] = (reason, str(error)[:300])
            return list(chunk)
        finally:
            report.latencies_ms.append((time.perf_counter() - started) * 1000)
        retry: list[IndexAction] = []
        items = response.get("items", []) if isinstance(response, dict) else []
        if len(items) != len(chunk):
            # A response that does not account for every action cannot be trusted item by item.
            for action in chunk:
                last_reason[action.doc_id] = ("bulk_response_mismatch", f"{len(items)} items for {len(chunk)}")
            return list(chunk)
        for action, item in zip(chunk, items, strict=True):
            outcome, reason, detail = classify_item(item)
            if outcome == "done":
                report.indexed += 1
            elif outcome == "duplicate":
                report.duplicates += 1
            elif outcome == "retry":
                last_reason[action.doc_id] = (reason, detail)
                retry.append(action)
            else:
                report.set_aside.append(Failure(action, reason, detail, attempt))
        return retry


def _transport_failure(error: Exception) -> tuple[str, bool] | None:
    """(reason, retryable) for a failed bulk request; None for anything that is not a transport failure
    (a bug must surface, not be parked)."""
    from opensearchpy.exceptions import ConnectionError as OSConnectionError
    from opensearchpy.exceptions import TransportError

    if isinstance(error, OSConnectionError):  # includes timeouts and TLS failures
        return "connection_error", True
    if isinstance(error, TransportError):
        status = error.status_code if isinstance(error.status_code, int) else 0
        return f"http_{status}", status in _RETRYABLE_STATUS
    return None
