"""The automatic drain: a scheduled replay that empties the dead-letter store of what an outage parked.

Each run:
1. counts the backlog (batches in the store; a metric, so a growing backlog is visible before anyone replays);
2. probes the engine (``HEAD /``); if it does not answer, stops there: the backlog waits for a later run;
3. replays the documents parked because the engine could not take them then (``outcome: undelivered``, and not
   refused for good by the endpoint: 401/403/404 need a person), with ``create`` and their original ids, so what
   landed after all answers 409 and nothing is duplicated;
4. stops early at ``max_documents`` per run, when the engine throttles, or before the function's time runs out:
   the schedule and this cap are the rate limit, and the bulk indexer's backpressure slows it further on 429.

Documents the engine refused (``set_aside``: mapping conflicts, bad values) are left for a person, who fixes the
cause and runs ``logwarden replay``; payloads that never became documents likewise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from logwarden import naming
from logwarden.config import DrainConfig
from logwarden.ingest.pipeline import DocumentMasker
from logwarden.ingest.service import build_deadletter_store, build_masker
from logwarden.replay import ReplayReport, replay
from logwarden.sink.bulk import BulkIndexer
from logwarden.sink.client import build_client
from logwarden.sink.deadletter import OUTCOME_UNDELIVERED, DeadLetterEntry, DeadLetterStore

# Undelivered because the endpoint refused the request itself: replaying cannot help until someone fixes access.
_REFUSED_BY_ENDPOINT: Final = frozenset({"http_400", "http_401", "http_403", "http_404", "http_413"})


def drainable(entry: DeadLetterEntry) -> bool:
    return entry.outcome == OUTCOME_UNDELIVERED and entry.reason not in _REFUSED_BY_ENDPOINT


class Probe(Protocol):
    """``OpenSearch.ping`` satisfies it: True when the engine answers ``HEAD /``."""

    def ping(self, params: Any = None, headers: Any = None) -> Any: ...


@dataclass(slots=True)
class DrainReport:
    backlog_batches: int = 0
    remaining_batches: int = 0
    engine_answered: bool = False
    replay: ReplayReport = field(default_factory=ReplayReport)

    def summary(self) -> dict[str, Any]:
        return {
            "backlog_batches": self.backlog_batches,
            "remaining_batches": self.remaining_batches,
            "engine_answered": self.engine_answered,
            "replay": self.replay.summary(),
        }


def drain(
    store: DeadLetterStore,
    indexer: BulkIndexer,
    probe: Probe,
    remaining_s: Callable[[], float],
    *,
    max_documents: int = 200_000,
    masker: DocumentMasker | None = None,
    index_prefix: str = naming.DEFAULT_INDEX_PREFIX,
) -> DrainReport:
    report = DrainReport(backlog_batches=_count(store))
    report.remaining_batches = report.backlog_batches
    if report.backlog_batches == 0:
        return report
    report.engine_answered = _answers(probe)
    if not report.engine_answered:
        return report
    report.replay = replay(
        store,
        indexer,
        remaining_s,
        masker=masker,
        index_prefix=index_prefix,
        select=drainable,
        max_documents=max_documents,
        stop_when_throttled=True,
    )
    report.remaining_batches = _count(store)
    return report


def _count(store: DeadLetterStore) -> int:
    return sum(1 for _ in store.batches())


def _answers(probe: Probe) -> bool:
    # OpenSearch.ping answers False for every transport failure (refused, timed out, 5xx); anything else is a bug.
    return bool(probe.ping())


@dataclass(frozen=True, slots=True)
class DrainService:
    """What the scheduled drain needs, built once per container."""

    store: DeadLetterStore
    indexer: BulkIndexer
    probe: Probe
    max_documents: int
    masker: DocumentMasker | None = None  # None: the shipped masking
    index_prefix: str = naming.DEFAULT_INDEX_PREFIX

    def run(self, remaining_s: Callable[[], float]) -> DrainReport:
        return drain(
            self.store,
            self.indexer,
            self.probe,
            remaining_s,
            max_documents=self.max_documents,
            masker=self.masker,
            index_prefix=self.index_prefix,
        )

    @classmethod
    def from_config(cls, config: DrainConfig, *, s3_client: Any = None) -> DrainService:
        settings = config.ingest.opensearch
        if settings is None:
            raise ValueError("the drain needs an OpenSearch endpoint")
        client = build_client(settings)
        indexer = BulkIndexer(
            client,
            max_bytes=config.ingest.bulk_max_bytes,
            max_actions=config.ingest.bulk_max_actions,
            request_timeout_s=settings.timeout_s,
        )
        store = build_deadletter_store(config.ingest.deadletter, s3_client=s3_client)
        return cls(
            store, indexer, client, config.max_documents, build_masker(config.ingest), config.ingest.index_prefix
        )
