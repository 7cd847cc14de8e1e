"""Bulk indexing with per-item outcomes, retries bounded by a deadline, and nothing silently lost.

Every action ends in exactly one of: indexed, duplicate (409 on ``create``: the document is already
there, which is how redelivered batches stay idempotent), set aside (the document itself is at fault:
mapping errors, bad values), or undelivered (still failing on retryable errors when time ran out).
The caller parks set-aside and undelivered actions in the dead-letter store.

Two guards live with the indexer, one per warm process: a circuit breaker (sink/breaker.py) that parks whole
deliveries at once while the engine cannot be reached, and an adaptive bulk size (sink/backpressure.py) that
sends smaller bulks while the engine answers 429.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import orjson

from logwarden.memo import Memo
from logwarden.sink.backpressure import AdaptiveBulkLimit
from logwarden.sink.breaker import REASON_CIRCUIT_OPEN, CircuitBreaker

_RETRYABLE_STATUS: Final = frozenset({429, 500, 502, 503, 504})
MAX_BULK_BYTES: Final = 5 * 1024 * 1024
MAX_BULK_ACTIONS: Final = 2000
CONNECTION_ERROR: Final = "connection_error"
CONNECTION_TIMEOUT: Final = "connection_timeout"
THROTTLED: Final = 429


@dataclass(slots=True, init=False)
class IndexAction:
    """One document to create: its data stream or index, its deterministic id, and the two lines the bulk body
    carries for it (``{"create":{"_index":...,"_id":...}}`` and the serialised source).

    The lines are assembled when the action is built, once: that join is the copy every bulk body needs anyway, and
    it leaves a compact bytes object, where ``orjson.dumps`` hands back its whole working buffer (4-8 KB for a
    1 KB document), which a 1 MB delivery's tens of thousands of actions would otherwise hold until they are sent.

    Never changed once built. Not declared frozen: one is built per event, and a frozen dataclass's ``__init__``
    (``object.__setattr__`` per field) costs three times a plain one's. ``__init__`` is written out so that mypyc
    compiles it (a dataclass-generated one stays interpreted in the compiled hot path)."""

    index: str
    doc_id: str
    lines: bytes
    _source_at: int

    def __init__(self, index: str, doc_id: str, source: bytes) -> None:
        self.index = index
        self.doc_id = doc_id
        # orjson.dumps of each string does the JSON escaping; the header's start is the same for every action of an
        # index.
        self.lines = b"".join((_HEADER_STARTS[index], orjson.dumps(doc_id), b"}}\n", source, b"\n"))
        self._source_at = len(self.lines) - len(source) - 1

    @property
    def source(self) -> bytes:
        """The serialised document (a copy: read for dead-letter entries, not on the way to the engine)."""
        return self.lines[self._source_at : -1]

    def bulk_lines(self) -> bytes:
        return self.lines


def _header_start(index: str) -> bytes:
    return b'{"create":{"_index":' + orjson.dumps(index) + b',"_id":'


# A handful of data streams in practice; a replay may name others.
_HEADER_STARTS: Final = Memo(_header_start, 1024)


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
    throttled: int = 0  # bulk requests answered with a 429 (whole, or for some items)
    refused: int = 0  # actions parked without a request because the circuit breaker was open
    circuit_state: str = "closed"  # the breaker's state when the delivery was done

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
    start = 0
    while start < len(actions):
        end = chunk_end(actions, start, max_bytes, max_actions)
        chunks.append(list(actions[start:end]))
        start = end
    return chunks


def chunk_end(actions: Sequence[IndexAction], start: int, max_bytes: int, max_actions: int) -> int:
    """Where the bulk request that starts at ``actions[start]`` ends: at least one action, then as many as fit."""
    end = start
    size = 0
    limit = min(len(actions), start + max(1, max_actions))
    while end < limit:
        action = actions[end]
        action_size = len(action.lines)
        if end > start and size + action_size > max_bytes:
            break
        size += action_size
        end += 1
    return end


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
        breaker: CircuitBreaker | None = None,
        request_timeout_s: float | None = None,
    ) -> None:
        self._transport = transport
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.breaker = breaker if breaker is not None else CircuitBreaker()
        self.limit = AdaptiveBulkLimit(max_actions, max_bytes)
        # With a timeout, no request may wait past the time kept for parking (a hung engine must not eat it).
        self._request_timeout_s = request_timeout_s

    @property
    def reserve_s(self) -> float:
        """The time the indexer keeps for parking what it could not deliver."""
        return self._policy.reserve_s

    def index(self, actions: Sequence[IndexAction], remaining_s: Callable[[], float]) -> BulkReport:
        """Create every action, retrying only what failed retryably, until done, out of time or the breaker opens."""
        report = BulkReport()
        pending = list(actions)
        attempt = 0
        last_reason: dict[str, tuple[str, str]] = {}
        while pending:
            attempt += 1
            retry: list[IndexAction] = []
            start = 0
            while start < len(pending):
                if not self.breaker.allow_request():
                    self._park_refused(pending[start:], report, attempt, last_reason)
                    break
                # Each bulk is cut with the limit as it stands after the one before (backpressure acts at once).
                end = chunk_end(pending, start, self.limit.max_bytes, self.limit.max_actions)
                retry.extend(self._send(pending[start:end], report, attempt, last_reason, remaining_s))
                start = end
            pending = retry
            if not pending:
                break
            if self.breaker.state != "closed":
                # Opened during this delivery: its probe interval would outlast the retries, so park what is left.
                self._park_refused(pending, report, attempt, last_reason)
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
        report.circuit_state = self.breaker.state
        return report

    def _park_refused(
        self,
        chunk: list[IndexAction],
        report: BulkReport,
        attempt: int,
        last_reason: dict[str, tuple[str, str]],
    ) -> None:
        """Undelivered without (another) request: what failed earlier keeps its reason, the rest is circuit_open."""
        describe = self.breaker.describe()
        for action in chunk:
            reason, detail = last_reason.get(action.doc_id, (REASON_CIRCUIT_OPEN, ""))
            if reason == REASON_CIRCUIT_OPEN:
                report.refused += 1
            report.undelivered.append(Failure(action, reason, f"{detail}; {describe}" if detail else describe, attempt))

    def _send(
        self,
        chunk: list[IndexAction],
        report: BulkReport,
        attempt: int,
        last_reason: dict[str, tuple[str, str]],
        remaining_s: Callable[[], float],
    ) -> list[IndexAction]:
        body = b"".join(action.bulk_lines() for action in chunk)
        report.requests += 1
        params: dict[str, float] | None = None
        if self._request_timeout_s is not None:
            budget = remaining_s() - self._policy.reserve_s
            params = {"request_timeout": max(1.0, min(self._request_timeout_s, budget))}
        started = time.perf_counter()
        try:
            response = self._transport.bulk(body=body, params=params)
        except Exception as error:
            classified = _transport_failure(error)
            if classified is None:
                self.breaker.cancel_probe()
                raise
            reason, retryable = classified
            if reason in (CONNECTION_ERROR, CONNECTION_TIMEOUT):
                self.breaker.record_failure(reason, timeout=reason == CONNECTION_TIMEOUT)
            else:
                self.breaker.record_success()  # it answered, with an HTTP error
                if reason == f"http_{THROTTLED}":
                    report.throttled += 1
                    self.limit.on_throttled()
            if not retryable:
                # 401/403/404...: the documents are fine but this endpoint will not take them; park them all.
                report.undelivered.extend(Failure(action, reason, str(error)[:300], attempt) for action in chunk)
                return []
            for action in chunk:
                last_reason[action.doc_id] = (reason, str(error)[:300])
            return list(chunk)
        finally:
            report.latencies_ms.append((time.perf_counter() - started) * 1000)
        self.breaker.record_success()
        return self._sort_items(chunk, response, report, attempt, last_reason)

    def _sort_items(
        self,
        chunk: list[IndexAction],
        response: Any,
        report: BulkReport,
        attempt: int,
        last_reason: dict[str, tuple[str, str]],
    ) -> list[IndexAction]:
        """Count what a bulk response says of each action, set aside what the engine refused for good, and return
        what is worth another attempt."""
        retry: list[IndexAction] = []
        items = response.get("items", []) if isinstance(response, dict) else []
        if len(items) != len(chunk):
            # A response that does not account for every action cannot be trusted item by item.
            for action in chunk:
                last_reason[action.doc_id] = ("bulk_response_mismatch", f"{len(items)} items for {len(chunk)}")
            return list(chunk)
        throttled = False
        for action, item in zip(chunk, items, strict=True):
            outcome, reason, detail = classify_item(item)
            if outcome == "done":
                report.indexed += 1
            elif outcome == "duplicate":
                report.duplicates += 1
            elif outcome == "retry":
                last_reason[action.doc_id] = (reason, detail)
                retry.append(action)
                throttled = throttled or _item_status(item) == THROTTLED
            else:
                report.set_aside.append(Failure(action, reason, detail, attempt))
        if throttled:
            report.throttled += 1
            self.limit.on_throttled()
        else:
            self.limit.on_accepted()
        return retry


def _item_status(item: dict[str, Any]) -> int:
    result: Any = next(iter(item.values()), {}) if item else {}
    return int(result.get("status", 0)) if isinstance(result, dict) else 0


def _transport_failure(error: Exception) -> tuple[str, bool] | None:
    """(reason, retryable) for a failed bulk request; None for anything that is not a transport failure
    (a bug must surface, not be parked)."""
    from opensearchpy.exceptions import ConnectionError as OSConnectionError
    from opensearchpy.exceptions import ConnectionTimeout, TransportError

    if isinstance(error, ConnectionTimeout):
        return CONNECTION_TIMEOUT, True
    if isinstance(error, OSConnectionError):  # refused, reset, TLS failures
        return CONNECTION_ERROR, True
    if isinstance(error, TransportError):
        status = error.status_code if isinstance(error.status_code, int) else 0
        return f"http_{status}", status in _RETRYABLE_STATUS
    return None
