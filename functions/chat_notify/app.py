"""SNS alert topic -> Slack, Microsoft Teams and Telegram.

Failure semantics: each channel is retried with backoff inside the invocation; a channel that still
fails is counted (metric ChatFailed_<channel>) and logged, and the invocation succeeds so Lambda's
retry does not post twice to the channels that worked. Only when every channel failed does the
invocation fail, so the asynchronous retry tries again.
"""

from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from logwarden.alerting.chat import ChatNotifier, ChatTargets, Urllib3Poster, document_from_sns
from logwarden.config import ChatNotifyConfig
from logwarden.errors import RetryableError
from logwarden.observability import masked_logger

logger = masked_logger()
metrics = Metrics()
tracer = Tracer()


@cache
def _config() -> ChatNotifyConfig:
    return ChatNotifyConfig.from_env()


def _notifier(config: ChatNotifyConfig) -> ChatNotifier:
    secret = parameters.get_secret(config.chat_secret_name, max_age=config.secret_max_age_s)
    targets = ChatTargets.from_secret(str(secret), allow_local_urls=config.allow_local_urls)
    return ChatNotifier(targets, Urllib3Poster(), timeout_s=config.timeout_s, max_attempts=config.max_attempts)


@logger.inject_lambda_context(log_event=False)  # webhook URLs are secrets; the alert text is logged by the check
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=SNSEvent)
def lambda_handler(event: SNSEvent, context: LambdaContext) -> dict[str, Any]:
    notifier = _notifier(_config())
    delivered, failed = 0, 0
    for record in event.records:
        document = document_from_sns(record.sns.message, record.sns.subject)
        report = notifier.deliver(document, remaining_s=lambda: context.get_remaining_time_in_millis() / 1000)
        for channel in report.delivered:
            metrics.add_metric(name=f"ChatDelivered_{channel}", unit=MetricUnit.Count, value=1)
        for channel, error in report.failed.items():
            metrics.add_metric(name=f"ChatFailed_{channel}", unit=MetricUnit.Count, value=1)
            logger.error("chat delivery failed", extra={"channel": channel, "error": error})
        delivered, failed = delivered + len(report.delivered), failed + len(report.failed)
    if failed and not delivered:
        raise RetryableError(f"no chat channel accepted the alert ({failed} failures)")
    return {"delivered": delivered, "failed": failed}
