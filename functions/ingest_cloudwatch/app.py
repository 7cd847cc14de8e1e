"""CloudWatch Logs subscription -> logwarden ingest. Invoked asynchronously by CloudWatch Logs.

Failure semantics: whatever OpenSearch does not take is parked in the dead-letter bucket and the
invocation succeeds, so the platform does not redeliver what already landed. The invocation fails
(and Lambda's async retries and on-failure destination take over) only if parking itself fails.
"""

from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from logwarden.compiled import hot_path_summary
from logwarden.config import IngestConfig
from logwarden.ingest.cloudwatch import decode_delivery
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
    batch = decode_delivery(event, service.router, config.region, service.inflate_limits)
    report = service.ingest(batch, remaining_s=lambda: context.get_remaining_time_in_millis() / 1000)
    record_ingest_metrics(metrics, report)
    logger.info("delivery ingested", extra={"ingest": report.summary()})
    return report.summary()
