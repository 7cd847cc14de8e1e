"""EventBridge schedule -> anomaly check -> SNS. One run evaluates the last complete minute.

Failure semantics: OpenSearch unreachable is not a failure of this function but an alert of its own
(``check_failed``), published like any other. The invocation fails only if the alert state or SNS is
unavailable; claimed alerts are then put back, so the next run sends what this one could not.
"""

from datetime import datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from logwarden.alerting.service import AnomalyCheckFactory
from logwarden.config import AnomalyCheckConfig
from logwarden.observability import masked_logger

logger = masked_logger()
metrics = Metrics()
tracer = Tracer()


@cache
def _factory() -> AnomalyCheckFactory:
    return AnomalyCheckFactory(AnomalyCheckConfig.from_env())  # names every bad variable at once


@logger.inject_lambda_context(log_event=True)  # a schedule event carries no personal data
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    report = _factory().current().run(datetime.fromisoformat(event.time.replace("Z", "+00:00")))
    metrics.add_metric(name="CheckRan", unit=MetricUnit.Count, value=int(report.ran))
    metrics.add_metric(name="SeriesChecked", unit=MetricUnit.Count, value=report.series)
    metrics.add_metric(name="NotificationsSent", unit=MetricUnit.Count, value=len(report.notifications))
    metrics.add_metric(name="SeriesFolded", unit=MetricUnit.Count, value=report.folded_series)
    logger.info("anomaly check done", extra={"check": report.summary()})
    return report.summary()
