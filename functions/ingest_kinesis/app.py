"""Kinesis Data Streams (CloudWatch Logs payloads) -> logwarden ingest. Invoked synchronously by the event source
mapping, with a partial batch response.

Failure semantics: each record is one CloudWatch Logs delivery, decoded exactly as a direct one (same documents,
same ids); whatever OpenSearch does not take is parked in the dead-letter bucket and the record succeeds, so an
outage never stalls the shard (the circuit breaker parks at once, the scheduled drain re-drives). A record fails
only when parking fails (or on a bug): it is named in ``batchItemFailures``, and the mapping retries from it,
bisecting, until the on-failure destination takes its position (the data stays in the stream for its retention).
"""

from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from logwarden.compiled import hot_path_summary
from logwarden.config import IngestConfig
from logwarden.ingest.kinesis import ingest_kinesis_event
from logwarden.ingest.service import IngestService
from logwarden.observability import masked_logger, record_ingest_metrics

logger = masked_logger()
metrics = Metrics()
tracer = Tracer()


@cache
def _service() -> tuple[IngestConfig, IngestService]:
    logger.info("ingest service starting", extra={"hot_path": hot_path_summary()})
    config = IngestConfig.from_env()
    return config, IngestService.from_config(config)


@logger.inject_lambda_context(log_event=False)  # the raw event holds unmasked personal data
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config, service = _service()
    remaining_s = lambda: context.get_remaining_time_in_millis() / 1000  # noqa: E731
    outcome = ingest_kinesis_event(service, event, remaining_s, region=config.region, context=context)
    record_ingest_metrics(metrics, outcome.report)
    metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=len(outcome.failed_records))
    logger.info("batch ingested", extra={"ingest": outcome.report.summary(), "failed": outcome.failed_records})
    return outcome.response
