"""Logging and metrics for the handlers: a powertools Logger whose every line is masked, and EMF metrics
from ingest reports (handlers pass their module-level powertools ``Metrics``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import LogRecord
from aws_lambda_powertools.metrics import MetricUnit

from logwarden.ingest.pipeline import IngestReport
from logwarden.sink.breaker import STATE_VALUES

if TYPE_CHECKING:
    from logwarden.drain import DrainReport


def record_ingest_metrics(metrics: Any, report: IngestReport) -> None:
    counts = {
        "EventsReceived": report.events,
        "ControlMessages": report.control_messages,
        "DocumentsIndexed": report.indexed,
        "Duplicates": report.duplicates,
        "SetAside": report.set_aside,
        "Undelivered": report.undelivered,
        "Rejected": report.rejected,
        "FilteredDebug": report.filtered,
        "ParseFallbacks": report.parse_fallbacks,
        "BulkRetries": report.bulk_retries,
        "DeadLettered": report.parked,
        "BulkThrottled": report.bulk_throttled,
        "CircuitOpenParked": report.circuit_refused,
    }
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    # 0 closed, 1 half-open (probing), 2 open: the breaker alarm watches its maximum.
    metrics.add_metric(name="CircuitBreakerState", unit=MetricUnit.Count, value=STATE_VALUES[report.circuit_state])
    if report.bulk_latency_ms:
        metrics.add_metric(name="BulkLatency", unit=MetricUnit.Milliseconds, value=max(report.bulk_latency_ms))
    for kind, value in report.masked.items():
        metrics.add_metric(name=f"Masked_{kind}", unit=MetricUnit.Count, value=value)


def record_drain_metrics(metrics: Any, report: DrainReport) -> None:
    """The dead-letter backlog (batches waiting, before and after the run) and what the run re-drove."""
    counts = {
        "DeadLetterBacklog": report.backlog_batches,
        "DeadLetterBacklogRemaining": report.remaining_batches,
        "DrainEngineAnswered": int(report.engine_answered),
        "DrainIndexed": report.replay.indexed,
        "DrainAlreadyPresent": report.replay.already_present,
        "DrainStillFailing": report.replay.still_failing,
    }
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


class MaskingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON log line, passed through the masker last: an exception message or an ``extra`` that
    quotes a log record can never put personal data into logwarden's own logs."""

    def serialize(self, log: LogRecord) -> str:
        from logwarden.masking.masker import default_masker

        return default_masker().mask_text(super().serialize(log))


def masked_logger(**kwargs: Any) -> Logger:
    """The Logger every handler uses (``POWERTOOLS_SERVICE_NAME`` and ``POWERTOOLS_LOG_LEVEL`` apply as usual)."""
    return Logger(logger_formatter=MaskingFormatter(), **kwargs)
