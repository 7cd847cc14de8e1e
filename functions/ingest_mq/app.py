"""Amazon MQ for RabbitMQ event source (``aws:rmq``) -> logwarden ingest. Invoked synchronously by the mapping.

Failure semantics: the mapping retries the whole batch on any error and has no partial-batch response, so a
message that cannot be read or a document OpenSearch refuses is parked in the dead-letter bucket and the
rest is indexed. The invocation fails only when OpenSearch cannot take the documents (the retry is the
remedy; document ids are deterministic, so what already landed is not duplicated), unless the circuit breaker
has opened: then the batch is parked for the drain, so fast-failing redeliveries never use up the broker's delivery
limit. The broker's own dead-letter exchange and delivery limit are the backstop (docs/MQ.md).
"""

from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.rabbit_mq_event import RabbitMQEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from logwarden.compiled import hot_path_summary
from logwarden.config import IngestConfig
from logwarden.errors import OpenSearchUnavailableError
from logwarden.ingest.amazon_mq import ingest_rmq_event
from logwarden.ingest.service import IngestService
from logwarden.observability import masked_logger, record_ingest_metrics

logger = masked_logger()
metrics = Metrics()
tracer = Tracer()


@cache
def _service() -> IngestService:
    logger.info("ingest service starting", extra={"hot_path": hot_path_summary()})
    return IngestService.from_config(IngestConfig.from_env())


@logger.inject_lambda_context(log_event=False)  # the raw event holds unmasked personal data
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=RabbitMQEvent)
def lambda_handler(event: RabbitMQEvent, context: LambdaContext) -> dict[str, Any]:
    try:
        report = ingest_rmq_event(_service(), event, remaining_s=lambda: context.get_remaining_time_in_millis() / 1000)
    except OpenSearchUnavailableError as error:
        metrics.add_metric(name="BatchesRetried", unit=MetricUnit.Count, value=1)
        logger.warning("OpenSearch unavailable; the batch will be redelivered", extra={"error": str(error)})
        raise
    record_ingest_metrics(metrics, report)
    logger.info("batch ingested", extra={"ingest": report.summary()})
    return report.summary()
