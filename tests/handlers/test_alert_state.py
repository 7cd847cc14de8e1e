"""DynamoDB alert state in moto: conditional writes make concurrent runs send each notification once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from logwarden.alerting.lifecycle import step
from logwarden.alerting.state import DynamoAlertStore
from logwarden.detection.detectors import Finding
from logwarden.detection.model import SeriesKey, Severity
from logwarden.detection.rules import LifecycleRules

KEY = SeriesKey("shop", "order_created", "INFO")
RULES = LifecycleRules()


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-central-1")
        client.create_table(
            TableName="alerts",
            KeySchema=[{"AttributeName": "alert", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "alert", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def test_two_concurrent_runs_send_once_and_state_round_trips(dynamodb: Any) -> None:
    store_a, store_b = DynamoAlertStore(dynamodb, "alerts"), DynamoAlertStore(dynamodb, "alerts")
    finding = Finding("rate_spike", KEY, 100, Severity.HIGH, 93.0, 7.9, 2, "x11.8")
    # GIVEN two runs that both read "no alert" and both found the spike
    [first] = step(store_a.load(), [finding], 100, RULES)
    [second] = step(store_b.load(), [finding], 100, RULES)
    # THEN only one claims it
    assert store_a.apply(first) is True and store_b.apply(second) is False
    [item] = dynamodb.scan(TableName="alerts")["Items"]
    assert int(item["expires_at"]["N"]) == 100 * 60 + 7 * 86_400
    loaded = store_b.load()
    assert list(loaded.values()) == [first.after]
    # AND recovery deletes it, conditionally on the version it read
    [recovery] = step(loaded, [], 100 + RULES.recover_after_minutes, RULES)
    assert recovery.notification is not None and recovery.notification.kind == "recovery"
    assert store_a.apply(recovery) is True and store_b.apply(recovery) is False
    assert store_a.load() == {}


def test_restore_puts_a_claimed_alert_back(dynamodb: Any) -> None:
    store = DynamoAlertStore(dynamodb, "alerts")
    [opened] = step({}, [Finding("drop", KEY, 5, Severity.HIGH, 0.0, 30.0, 5, "silent")], 5, RULES)
    assert store.apply(opened)
    store.restore(opened)  # publishing failed: the next run must see no alert and send it
    assert store.load() == {}
