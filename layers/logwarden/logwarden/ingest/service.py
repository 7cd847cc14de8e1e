"""The ingest service: the collaborators a handler needs, built once per container from configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from logwarden.config import DeadLetterSettings, IngestConfig
from logwarden.inflate import DEFAULT_LIMITS, InflateLimits
from logwarden.ingest.pipeline import IngestPipeline, IngestReport
from logwarden.ingest.records import SourceBatch
from logwarden.masking.masker import Masker, default_masker
from logwarden.routing import Router
from logwarden.sink.breaker import CircuitBreaker
from logwarden.sink.bulk import BulkIndexer
from logwarden.sink.client import build_client
from logwarden.sink.deadletter import DeadLetterStore, LocalDeadLetterStore, S3DeadLetterStore


@dataclass(frozen=True, slots=True)
class IngestService:
    router: Router
    pipeline: IngestPipeline
    indexer: BulkIndexer
    deadletter: DeadLetterStore
    inflate_limits: InflateLimits = DEFAULT_LIMITS

    def ingest(self, batch: SourceBatch, remaining_s: Callable[[], float]) -> IngestReport:
        return self.pipeline.run(batch, self.indexer, self.deadletter, remaining_s)

    @classmethod
    def from_config(cls, config: IngestConfig, *, s3_client: Any = None) -> IngestService:
        if config.opensearch is None:
            raise ValueError("the ingest service needs an OpenSearch endpoint")
        client = build_client(config.opensearch)
        return cls(
            router=Router(config.routing_rules, config.default_subsystem),
            pipeline=IngestPipeline(
                masker=build_masker(config),
                index_prefix=config.index_prefix,
                drop_debug=config.drop_debug,
            ),
            # One breaker and one adaptive bulk size per warm process (sink/breaker.py, sink/backpressure.py).
            indexer=BulkIndexer(
                client,
                max_bytes=config.bulk_max_bytes,
                max_actions=config.bulk_max_actions,
                breaker=CircuitBreaker(),
                request_timeout_s=config.opensearch.timeout_s,
            ),
            deadletter=build_deadletter_store(config.deadletter, s3_client=s3_client),
            inflate_limits=config.inflate,
        )


def build_masker(config: IngestConfig) -> Masker:
    """The deployed masking settings (modes, keep-lists, the HMAC key by name), or the shipped defaults."""
    return Masker(config.masking) if config.masking is not None else default_masker()


def build_deadletter_store(settings: DeadLetterSettings, *, s3_client: Any = None) -> DeadLetterStore:
    if settings.bucket:
        if s3_client is None:
            import boto3

            s3_client = boto3.client("s3")
        return S3DeadLetterStore(s3_client, settings.bucket, settings.prefix, settings.kms_key_id)
    if settings.directory is None:
        raise ValueError("no dead-letter store configured")
    return LocalDeadLetterStore(settings.directory)
