"""normalise -> mask -> route -> bulk index -> park the rest. The one pipeline every source uses.

Conservation: every log event of a delivery ends as exactly one of indexed, duplicate, set aside,
undelivered (parked because OpenSearch was unavailable), rejected (parked because it could not be
read), filtered (DEBUG where the stage drops it), or folded into the record before it as a
continuation line. ``IngestReport.unaccounted`` is zero or there is a bug.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import orjson

from logwarden import naming, schema
from logwarden.errors import OpenSearchUnavailableError
from logwarden.ingest.normalise import normalise
from logwarden.ingest.records import RejectedInput, SourceBatch, SourceRecord, b64
from logwarden.memo import Memo
from logwarden.parsing.sniff import FLAG_PARSE_FALLBACK
from logwarden.sink.bulk import BulkIndexer, BulkReport, Failure, IndexAction
from logwarden.sink.deadletter import OUTCOME_SET_ASIDE, OUTCOME_UNDELIVERED, DeadLetterEntry, DeadLetterStore

# Subsystems come from the routing rules and levels from the parser: a few of each.
_SUBSYSTEMS_MAX: Final = 256
_LEVELS_MAX: Final = 64


class DocumentMasker(Protocol):
    def mask_text(self, text: str) -> str: ...

    def mask_document(self, doc: dict[str, Any]) -> dict[str, Any]: ...

    def prepare(self, docs: Iterable[dict[str, Any]]) -> None: ...

    def take_counts(self) -> dict[str, int]: ...


@dataclass(slots=True)
class IngestReport:
    events: int = 0
    control_messages: int = 0
    documents: int = 0
    indexed: int = 0
    duplicates: int = 0
    set_aside: int = 0
    undelivered: int = 0
    rejected: int = 0
    filtered: int = 0
    merged_lines: int = 0
    parse_fallbacks: int = 0
    bulk_requests: int = 0
    bulk_retries: int = 0
    bulk_latency_ms: list[float] = field(default_factory=list)
    bulk_throttled: int = 0
    circuit_refused: int = 0  # documents parked at once because the circuit breaker was open
    circuit_state: str = "closed"
    masked: dict[str, int] = field(default_factory=dict)
    set_aside_reasons: Counter[str] = field(default_factory=Counter)
    deadletter_locations: list[str] = field(default_factory=list)

    @property
    def parked(self) -> int:
        return self.set_aside + self.undelivered + self.rejected

    @property
    def unaccounted(self) -> int:
        settled = self.indexed + self.duplicates + self.parked + self.filtered + self.merged_lines
        return self.events - settled

    def summary(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "control_messages": self.control_messages,
            "indexed": self.indexed,
            "duplicates": self.duplicates,
            "set_aside": self.set_aside,
            "undelivered": self.undelivered,
            "rejected": self.rejected,
            "filtered": self.filtered,
            "merged_lines": self.merged_lines,
            "parse_fallbacks": self.parse_fallbacks,
            "masked": dict(self.masked),
            "circuit_state": self.circuit_state,
            "deadletter": list(self.deadletter_locations),
        }

    def absorb(self, other: IngestReport) -> None:
        """Add another delivery's outcome to this one (a Kinesis batch is many deliveries; the CLI sums files)."""
        self.events += other.events
        self.control_messages += other.control_messages
        self.documents += other.documents
        self.indexed += other.indexed
        self.duplicates += other.duplicates
        self.set_aside += other.set_aside
        self.undelivered += other.undelivered
        self.rejected += other.rejected
        self.filtered += other.filtered
        self.merged_lines += other.merged_lines
        self.parse_fallbacks += other.parse_fallbacks
        self.bulk_requests += other.bulk_requests
        self.bulk_retries += other.bulk_retries
        self.bulk_latency_ms.extend(other.bulk_latency_ms)
        self.bulk_throttled += other.bulk_throttled
        self.circuit_refused += other.circuit_refused
        self.circuit_state = other.circuit_state  # the latest: deliveries are absorbed in the order they ran
        for kind, count in other.masked.items():
            self.masked[kind] = self.masked.get(kind, 0) + count
        self.set_aside_reasons.update(other.set_aside_reasons)
        self.deadletter_locations.extend(other.deadletter_locations)


@dataclass(frozen=True, slots=True)
class BuiltBatch:
    actions: list[IndexAction]
    rejected: list[DeadLetterEntry]
    filtered: int
    parse_fallbacks: int


class IngestPipeline:
    def __init__(
        self,
        *,
        masker: DocumentMasker,
        index_prefix: str = naming.DEFAULT_INDEX_PREFIX,
        drop_debug: bool = False,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._masker = masker
        self._prefix = index_prefix
        self._drop_debug = drop_debug
        self._now = now
        # Data stream per subsystem and level, looked up per event in two dicts (a key tuple would cost more).
        self._streams = Memo(self._streams_of, _SUBSYSTEMS_MAX)

    def build(self, batch: SourceBatch) -> BuiltBatch:
        """Turn a delivery into masked, serialised index actions (no I/O)."""
        ingested = self._now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
        actions: list[IndexAction] = []
        rejected = [self._rejected_entry(item) for item in batch.rejected]
        filtered = fallbacks = 0
        normalised: list[tuple[SourceRecord, dict[str, Any]]] = []
        for record in batch.records:
            try:
                doc = normalise(record, ingested)
            except Exception as error:
                rejected.append(self._processing_error(record, error))
                continue
            if self._drop_debug and doc.get(schema.LEVEL) in ("DEBUG", "TRACE"):
                filtered += 1
                continue
            normalised.append((record, doc))
        # One prefilter pass over the delivery's free text clears most of it before documents are masked one by one.
        self._masker.prepare(doc for _record, doc in normalised)
        mask, streams = self._masker.mask_document, self._streams
        for record, doc in normalised:
            try:
                doc = mask(doc)
                source = orjson.dumps(doc)
            except Exception as error:
                rejected.append(self._processing_error(record, error))
                continue
            flags = doc.get(schema.FLAGS)
            if flags and FLAG_PARSE_FALLBACK in flags:
                fallbacks += 1
            actions.append(IndexAction(streams[record.route.subsystem][doc.get(schema.LEVEL)], record.doc_id, source))
        return BuiltBatch(actions, rejected, filtered, fallbacks)

    def _streams_of(self, subsystem: str) -> Memo[Any, str]:
        """The data stream per level of one subsystem's events (a level that is no string reads as none)."""
        prefix = self._prefix
        return Memo(
            lambda level: naming.data_stream_name(subsystem, level if isinstance(level, str) else None, prefix),
            _LEVELS_MAX,
        )

    def _processing_error(self, record: SourceRecord, error: Exception) -> DeadLetterEntry:
        problem = RejectedInput("processing_error", f"{type(error).__name__}: {error}", record.origin, record.text)
        return self._rejected_entry(problem)

    def run(
        self,
        batch: SourceBatch,
        indexer: BulkIndexer,
        deadletter: DeadLetterStore,
        remaining_s: Callable[[], float],
        *,
        park_undelivered: bool = True,
    ) -> IngestReport:
        """Index a delivery and park whatever did not land. Raises only if parking itself fails.

        ``park_undelivered=False`` is for sources that redeliver the whole batch on failure (Amazon MQ): when
        OpenSearch could not take every document, nothing is parked and ``OpenSearchUnavailableError`` is
        raised, so the retry redoes the batch (documents that did land come back as duplicates). Except while the
        circuit breaker is open: the outage is not momentary, and a redelivery that fails at once would only use up
        the broker's delivery limit, so the documents are parked for the drain like any other source's.
        """
        built = self.build(batch)
        if built.actions:
            bulk = indexer.index(built.actions, remaining_s)
        else:
            bulk = BulkReport(circuit_state=indexer.breaker.state)
        report = self.report(batch, built, bulk)
        if bulk.undelivered and not park_undelivered and bulk.circuit_state == "closed":
            first = bulk.undelivered[0]
            raise OpenSearchUnavailableError(len(bulk.undelivered), f"{first.reason}: {first.detail}")
        entries = built.rejected + [_document_entry(f, OUTCOME_SET_ASIDE) for f in bulk.set_aside]
        entries += [_document_entry(f, OUTCOME_UNDELIVERED) for f in bulk.undelivered]
        if entries:
            report.deadletter_locations.append(deadletter.put(entries))
        return report

    def report(self, batch: SourceBatch, built: BuiltBatch, bulk: BulkReport) -> IngestReport:
        return IngestReport(
            events=batch.events,
            control_messages=batch.control_messages,
            documents=len(built.actions),
            indexed=bulk.indexed,
            duplicates=bulk.duplicates,
            set_aside=len(bulk.set_aside),
            undelivered=len(bulk.undelivered),
            rejected=len(built.rejected),
            filtered=built.filtered,
            merged_lines=sum(record.merged_events for record in batch.records),
            parse_fallbacks=built.parse_fallbacks,
            bulk_requests=bulk.requests,
            bulk_retries=bulk.retries,
            bulk_latency_ms=bulk.latencies_ms,
            bulk_throttled=bulk.throttled,
            circuit_refused=bulk.refused,
            circuit_state=bulk.circuit_state,
            masked=self._masker.take_counts(),
            set_aside_reasons=Counter(f.reason for f in bulk.set_aside),
        )

    def _rejected_entry(self, item: RejectedInput) -> DeadLetterEntry:
        payload: dict[str, Any] = {"origin": item.origin}
        if item.text is not None:
            payload["text"] = self._masker.mask_text(item.text)
        elif item.raw is not None:
            payload["base64"] = b64(item.raw)
        return DeadLetterEntry(kind="payload", reason=item.reason, detail=item.detail, payload=payload)


def _document_entry(failure: Failure, outcome: str) -> DeadLetterEntry:
    return DeadLetterEntry(
        kind="document",
        reason=failure.reason,
        detail=failure.detail,
        index=failure.action.index,
        doc_id=failure.action.doc_id,
        document=orjson.loads(failure.action.source),
        attempts=failure.attempts,
        outcome=outcome,
    )
