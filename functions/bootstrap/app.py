"""CloudFormation custom resource: index templates, ISM policies, roles and dashboards on deploy.

Always answers CloudFormation, SUCCESS or FAILED with a reason, before the function's own timeout.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.data_classes import CloudFormationCustomResourceEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from logwarden.bootstrap.apply import BootstrapResult
from logwarden.bootstrap.config import BootstrapConfig, request_checks
from logwarden.bootstrap.custom_resource import RequestChecks, answer_cloudformation
from logwarden.bootstrap.params import BootstrapParams
from logwarden.bootstrap.run import run_request
from logwarden.errors import ConfigurationError
from logwarden.observability import masked_logger

logger = masked_logger(service="logwarden-bootstrap")

# Checked once at cold start; a bad environment is answered as FAILED rather than left for CloudFormation to wait on.
try:
    CONFIG: BootstrapConfig | ConfigurationError = BootstrapConfig.from_env()
except ConfigurationError as error:
    CONFIG = error
try:
    CHECKS = request_checks()
except ConfigurationError as error:
    CHECKS, CONFIG = RequestChecks(), error  # the strict checks; the request is answered FAILED with the reason


def _work(config: BootstrapConfig | ConfigurationError, request_type: str, params: BootstrapParams) -> BootstrapResult:
    if isinstance(config, ConfigurationError):
        raise config
    return run_request(config, request_type, params)


@event_source(data_class=CloudFormationCustomResourceEvent)
def lambda_handler(event: CloudFormationCustomResourceEvent, context: LambdaContext) -> dict[str, Any]:
    allow_no_ism = isinstance(CONFIG, BootstrapConfig) and CONFIG.allow_no_ism
    work = partial(_work, CONFIG)
    answer = answer_cloudformation(event, context.get_remaining_time_in_millis, work, allow_no_ism, checks=CHECKS)
    logger.info("answered CloudFormation", extra={"request_type": event.request_type, "status": answer["Status"]})
    if answer["Status"] != "SUCCESS":
        logger.error("bootstrap failed", extra={"reason": answer["Reason"]})
    return answer
