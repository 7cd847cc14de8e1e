"""EventBridge schedule -> drain the dead-letter store into OpenSearch once the engine answers again.

Failure semantics: a run that finds the engine unreachable does nothing and succeeds (the next run probes again);
a batch is rewritten before it is deleted, so a run that dies midway can duplicate dead-letter entries but never
lose one, and replayed documents keep their ids, so nothing lands twice. Reserved concurrency 1: runs never overlap.
"""

from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from logwarden.config import DrainConfig
from logwarden.drain import DrainService
from logwarden.observability import masked_logger, record_drain_metrics

logger = masked_logger()
metrics = Metrics()
tracer = Tracer()


@cache
def _service() -> DrainService:
    return DrainService.from_config(DrainConfig.from_env())


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = _service().run(remaining_s=lambda: context.get_remaining_time_in_millis() / 1000)
    record_drain_metrics(metrics, report)
    logger.info("dead-letter drain run", extra={"drain": report.summary()})
    return report.summary()
