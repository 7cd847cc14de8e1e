"""Re-drive the dead-letter store into OpenSearch. Idempotent: documents are replayed with ``create`` and
their original ids, so a document that landed earlier answers 409 and is counted as already there; a
second replay of an emptied store changes nothing.

The store is input like any other, so nothing in it is trusted:
- a document is written only to one of the configured prefix's data streams (``<prefix>-<subsystem>-<level>``),
  never to ``.kibana``, ``.opendistro_security`` or any other index, whatever its entry names;
- every document is masked again before it is written (masking what is already masked changes nothing);
- an entry that cannot be read, names another target or cannot be masked is reported and skipped, and the replay
  goes on; a batch that cannot be read at all (corrupt, or inflating past its cap) is reported and left as it is.

A batch is rewritten before it is deleted (what still fails or is skipped goes back into a new batch first), so a
crash mid-replay can duplicate dead-letter entries but never lose one.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from logwarden import naming
from logwarden.inflate import TOO_LARGE, TooLargeError
from logwarden.ingest.pipeline import DocumentMasker
from logwarden.ingest.records import b64
from logwarden.sink.bulk import BulkIndexer, IndexAction
from logwarden.sink.deadletter import (
    MAX_BATCH_BYTES,
    OUTCOME_SET_ASIDE,
    OUTCOME_UNDELIVERED,
    BadEntry,
    DeadLetterEntry,
    DeadLetterStore,
    decode_entries,
)

TARGET_NOT_ALLOWED: Final = "target_not_allowed"
UNREADABLE_ENTRY: Final = "unreadable_entry"
INCOMPLETE_ENTRY: Final = "incomplete_entry"
MASKING_ERROR: Final = "masking_error"
UNREADABLE_BATCH: Final = "unreadable_batch"
_MAX_ID_BYTES: Final = 512  # OpenSearch refuses longer document ids


def allowed_targets(prefix: str = naming.DEFAULT_INDEX_PREFIX) -> frozenset[str]:
    """The data streams ingest writes to, and so the only ones replay may write to."""
    return frozenset(
        f"{prefix}-{subsystem}-{level_class}" for subsystem in naming.SUBSYSTEMS for level_class in naming.LEVEL_CLASSES
    )


@dataclass(slots=True)
class ReplayReport:
    batches: int = 0
    documents: int = 0
    indexed: int = 0
    already_present: int = 0
    still_failing: int = 0
    payloads_kept: int = 0
    skipped: int = 0  # entries reported and kept, not replayed
    batches_skipped: int = 0  # batches that could not be read, left as they are
    failures: dict[str, int] = field(default_factory=dict)
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)  # what was skipped, where and why (masked)

    def skip(self, batch: str, line: int | None, reason: str, detail: str) -> None:
        self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + 1
        self.problems.append({"batch": batch, "line": line, "reason": reason, "detail": detail})

    stopped: str = ""  # why a limited run stopped early: document_limit, throttled, time

    def summary(self) -> dict[str, object]:
        return {
            "batches": self.batches,
            "documents": self.documents,
            "indexed": self.indexed,
            "already_present": self.already_present,
            "still_failing": self.still_failing,
            "payloads_kept": self.payloads_kept,
            "skipped": self.skipped,
            "batches_skipped": self.batches_skipped,
            "failures": dict(self.failures),
            "skipped_reasons": dict(self.skipped_reasons),
            "problems": list(self.problems),
            "stopped": self.stopped,
        }


def replay(
    store: DeadLetterStore,
    indexer: BulkIndexer,
    remaining_s: Callable[[], float],
    *,
    masker: DocumentMasker | None = None,
    index_prefix: str = naming.DEFAULT_INDEX_PREFIX,
    max_batch_bytes: int = MAX_BATCH_BYTES,
    select: Callable[[DeadLetterEntry], bool] | None = None,
    max_documents: int | None = None,
    stop_when_throttled: bool = False,
) -> ReplayReport:
    """Replay every batch of ``store``: each document entry (or those ``select`` picks; the rest stay as they are)
    is masked again and written to its data stream, if that is one of this prefix's. ``masker`` defaults to the
    shipped masking (``default_masker()``).

    ``max_documents`` stops before the batch that would take the run past it (the first batch always goes), and
    ``stop_when_throttled`` after a batch the engine throttled: the scheduled drain leaves the rest to its next run.
    """
    if masker is None:
        from logwarden.masking.masker import default_masker

        masker = default_masker()
    targets = allowed_targets(index_prefix)
    report = ReplayReport()
    for name in list(store.batches()):
        if max_documents is not None and report.documents >= max_documents:
            report.stopped = "document_limit"
            break
        if remaining_s() <= indexer.reserve_s:
            report.stopped = "time"
            break
        report.batches += 1
        try:
            items = decode_entries(store.read_blob(name), max_batch_bytes)
        except TooLargeError as error:
            report.batches_skipped += 1
            report.skip(name, None, TOO_LARGE, str(error))
            continue
        except (OSError, EOFError, zlib.error) as error:
            report.batches_skipped += 1
            report.skip(name, None, UNREADABLE_BATCH, masker.mask_text(f"{type(error).__name__}: {error}"))
            continue
        throttled = _replay_batch(store, name, items, indexer, remaining_s, masker, targets, report, select)
        if stop_when_throttled and throttled:
            report.stopped = "throttled"
            break
    return report


def _replay_batch(
    store: DeadLetterStore,
    name: str,
    items: list[DeadLetterEntry | BadEntry],
    indexer: BulkIndexer,
    remaining_s: Callable[[], float],
    masker: DocumentMasker,
    targets: frozenset[str],
    report: ReplayReport,
    select: Callable[[DeadLetterEntry], bool] | None = None,
) -> bool:
    """Replay one batch; whether the engine throttled it."""
    kept: list[DeadLetterEntry] = []
    changed = False
    actions: list[IndexAction] = []
    by_id: dict[str, DeadLetterEntry] = {}
    for line, item in enumerate(items, 1):
        if isinstance(item, BadEntry):
            # Kept as bytes: an entry that does not parse cannot be trusted to be masked, nor masked as text.
            detail = masker.mask_text(item.detail)
            report.skipped += 1
            report.skip(name, line, UNREADABLE_ENTRY, detail)
            kept.append(DeadLetterEntry(kind="payload", reason=UNREADABLE_ENTRY, detail=detail, payload=_raw(item)))
            changed = True
            continue
        if item.kind != "document":
            report.payloads_kept += 1
            kept.append(item)
            continue
        if select is not None and not select(item):
            kept.append(item)
            continue
        checked = _checked_document(item, targets)
        if isinstance(checked, _Problem):
            report.skipped += 1
            report.skip(name, line, checked.reason, masker.mask_text(checked.detail))
            kept.append(item)
            continue
        index, doc_id, document = checked
        try:
            source = orjson.dumps(masker.mask_document(document))
        except Exception as error:  # masking or serialising one document must not stop the replay
            report.skipped += 1
            report.skip(name, line, MASKING_ERROR, masker.mask_text(f"{type(error).__name__}: {error}"))
            kept.append(item)
            continue
        report.documents += 1
        by_id[doc_id] = item
        actions.append(IndexAction(index, doc_id, source))
    throttled = False
    if actions:
        changed = True
        throttled = _index(actions, by_id, indexer, remaining_s, kept, report)
    if not changed:
        return throttled  # nothing replayed and nothing rewritten: leave the batch as it is
    if kept:
        store.put(kept)
    store.delete(name)
    return throttled


def _index(
    actions: list[IndexAction],
    by_id: dict[str, DeadLetterEntry],
    indexer: BulkIndexer,
    remaining_s: Callable[[], float],
    kept: list[DeadLetterEntry],
    report: ReplayReport,
) -> bool:
    bulk = indexer.index(actions, remaining_s)
    report.indexed += bulk.indexed
    report.already_present += bulk.duplicates
    failures = [(f, OUTCOME_SET_ASIDE) for f in bulk.set_aside] + [(f, OUTCOME_UNDELIVERED) for f in bulk.undelivered]
    for failure, outcome in failures:
        original = by_id[failure.action.doc_id]
        kept.append(
            DeadLetterEntry(
                kind="document",
                reason=failure.reason,
                detail=failure.detail,
                index=original.index,
                doc_id=original.doc_id,
                document=orjson.loads(failure.action.source),  # the masked document that was sent
                attempts=original.attempts + failure.attempts,
                outcome=outcome,
            )
        )
        report.still_failing += 1
        report.failures[failure.reason] = report.failures.get(failure.reason, 0) + 1
    return bulk.throttled > 0


@dataclass(frozen=True, slots=True)
class _Problem:
    reason: str
    detail: str


def _checked_document(entry: DeadLetterEntry, targets: frozenset[str]) -> tuple[str, str, dict[str, Any]] | _Problem:
    """The entry's target, id and document when it may be replayed, else why not."""
    document, doc_id, index = entry.document, entry.doc_id, entry.index
    if not isinstance(document, dict):
        return _Problem(INCOMPLETE_ENTRY, "document entry without a JSON object document")
    if not isinstance(doc_id, str) or not doc_id or len(doc_id.encode()) > _MAX_ID_BYTES:
        return _Problem(INCOMPLETE_ENTRY, "document entry without a usable id")
    if not isinstance(index, str) or index not in targets:
        shown = index[:80] if isinstance(index, str) else type(index).__name__
        return _Problem(TARGET_NOT_ALLOWED, f"target {shown!r} is not one of this prefix's log data streams")
    return index, doc_id, document


def _raw(item: BadEntry) -> dict[str, Any]:
    return {"base64": b64(item.raw)}
