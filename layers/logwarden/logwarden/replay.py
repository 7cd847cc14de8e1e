"""Re-drive the dead-letter store into OpenSearch. Idempotent: documents are replayed with ``create`` and
their original ids, so a document that landed earlier answers 409 and is counted as already there; a
second replay of an emptied store changes nothing.

A batch is rewritten before it is deleted (what still fails goes back into a new batch first), so a
crash mid-replay can duplicate dead-letter entries but never lose one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

from logwarden.sink.bulk import BulkIndexer, IndexAction
from logwarden.sink.deadletter import OUTCOME_SET_ASIDE, OUTCOME_UNDELIVERED, DeadLetterEntry, DeadLetterStore


@dataclass(slots=True)
class ReplayReport:
    batches: int = 0
    documents: int = 0
    indexed: int = 0
    already_present: int = 0
    still_failing: int = 0
    payloads_kept: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    stopped: str = ""  # why a limited run stopped early: document_limit, throttled, time

    def summary(self) -> dict[str, object]:
        return {
            "batches": self.batches,
            "documents": self.documents,
            "indexed": self.indexed,
            "already_present": self.already_present,
            "still_failing": self.still_failing,
            "payloads_kept": self.payloads_kept,
            "failures": dict(self.failures),
            "stopped": self.stopped,
        }


def replay(
    store: DeadLetterStore,
    indexer: BulkIndexer,
    remaining_s: Callable[[], float],
    *,
    select: Callable[[DeadLetterEntry], bool] | None = None,
    max_documents: int | None = None,
    stop_when_throttled: bool = False,
) -> ReplayReport:
    """Re-drive every document entry (or those ``select`` picks; the rest stay as they are).

    ``max_documents`` stops before the batch that would take the run past it (the first batch always goes), and
    ``stop_when_throttled`` after a batch the engine throttled: the scheduled drain leaves the rest to its next run.
    """
    report = ReplayReport()
    for name in list(store.batches()):
        if max_documents is not None and report.documents >= max_documents:
            report.stopped = "document_limit"
            break
        if remaining_s() <= indexer.reserve_s:
            report.stopped = "time"
            break
        entries = store.read(name)
        report.batches += 1
        documents = [
            e
            for e in entries
            if e.kind == "document"
            and e.index
            and e.doc_id
            and e.document is not None
            and (select is None or select(e))
        ]
        report.payloads_kept += sum(1 for e in entries if e.kind == "payload")
        if not documents:
            continue
        chosen = {id(e) for e in documents}
        kept = [e for e in entries if id(e) not in chosen]
        report.documents += len(documents)
        by_id = {e.doc_id: e for e in documents}
        actions = [IndexAction(e.index or "", e.doc_id or "", orjson.dumps(e.document)) for e in documents]
        bulk = indexer.index(actions, remaining_s)
        report.indexed += bulk.indexed
        report.already_present += bulk.duplicates
        failures = [(f, OUTCOME_SET_ASIDE) for f in bulk.set_aside] + [
            (f, OUTCOME_UNDELIVERED) for f in bulk.undelivered
        ]
        for failure, outcome in failures:
            original = by_id[failure.action.doc_id]
            kept.append(
                DeadLetterEntry(
                    kind="document",
                    reason=failure.reason,
                    detail=failure.detail,
                    index=original.index,
                    doc_id=original.doc_id,
                    document=original.document,
                    attempts=original.attempts + failure.attempts,
                    outcome=outcome,
                )
            )
            report.still_failing += 1
            report.failures[failure.reason] = report.failures.get(failure.reason, 0) + 1
        if kept == entries:
            continue  # nothing changed: leave the batch as it is
        if kept:
            store.put(kept)
        store.delete(name)
        if stop_when_throttled and bulk.throttled:
            report.stopped = "throttled"
            break
    return report
