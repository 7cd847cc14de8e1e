"""Wiring for the anomaly check: clients are built once per container, the rules whenever their SSM
parameter changes (powertools caches the parameter for ``RULES_MAX_AGE_S``)."""

from __future__ import annotations

from typing import Any

from logwarden.alerting.check import AnomalyCheck
from logwarden.alerting.messages import MessageContext
from logwarden.alerting.publish import SnsPublisher
from logwarden.alerting.state import DynamoAlertStore
from logwarden.config import AnomalyCheckConfig
from logwarden.detection.opensearch import OpenSearchCounts
from logwarden.detection.rules import Rules, load_rules
from logwarden.sink.client import build_client

RULES_MAX_AGE_S = 300  # a changed rules parameter takes effect within five minutes


def fetch_rules_text(parameter: str | None) -> str | None:
    if parameter is None:
        return None
    from aws_lambda_powertools.utilities import parameters

    return str(parameters.get_parameter(parameter, max_age=RULES_MAX_AGE_S))


class AnomalyCheckFactory:
    def __init__(self, config: AnomalyCheckConfig, aws: Any | None = None) -> None:
        import boto3

        session = aws or boto3.session.Session()
        self._config = config
        self._counts = OpenSearchCounts(build_client(config.opensearch), config.index_prefix, config.max_series)
        self._dynamodb = session.client("dynamodb")
        self._publisher = SnsPublisher(session.client("sns"), config.alert_topic_arn)
        self._rules_text: str | None = None
        self._check: AnomalyCheck | None = None

    def _build(self, rules: Rules) -> AnomalyCheck:
        config = self._config
        context = MessageContext(config.stage, config.dashboards_url, config.index_prefix, rules.runbook)
        store = DynamoAlertStore(self._dynamodb, config.alert_state_table, rules.lifecycle.state_ttl_days)
        return AnomalyCheck(self._counts, store, self._publisher, rules, context, config.lag_minutes)

    def current(self) -> AnomalyCheck:
        """The check with the current rules; a bad override raises ``RulesError`` naming every problem."""
        text = fetch_rules_text(self._config.rules_parameter)
        if self._check is None or text != self._rules_text:
            self._check = self._build(load_rules(text))
            self._rules_text = text
        return self._check
