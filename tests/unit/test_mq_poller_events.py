"""The local poller builds the same ``aws:rmq`` event as the Lambda service (checked against AWS's samples)."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.rabbit_mq_event import RabbitMQEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from logwarden_tools.local.mq_poller import Delivery, PollerSettings, build_event, format_timestamp, message_cost
from tests.conftest import REAL_EVENTS

SAMPLE = "powertools_rabbitMQEvent.json"


def _sample() -> dict[str, Any]:
    path = REAL_EVENTS / SAMPLE
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def _sample_delivery() -> Delivery:
    return Delivery(
        body=b'{"timeout":0,"data":"CZrmf0Gw8Ov4bqLQxD4E"}',
        properties={
            "content_type": "text/plain",
            "headers": {"header1": b"value1", "header2": "value2", "numberInHeader": 10},
            "delivery_mode": 1,
            "priority": 34,
            "expiration": "60000",
            "timestamp": 2021,
            "user_id": "AIDACKCEVSQ6C2EXAMPLE",
        },
    )


def test_event_matches_the_service_sample_field_for_field() -> None:
    sample = _sample()

    event = build_event(
        "pizzaQueue",
        "/",
        [_sample_delivery()],
        broker_arn="arn:aws:mq:us-west-2:112556298976:broker:pizzaBroker:b-9bcfa592-423a-4942-879d-eb284b418fc8",
    )

    # The sample's bodySize (80) does not match its own 43-byte body; ours is the real length.
    expected = copy.deepcopy(sample)
    expected["rmqMessagesByQueue"]["pizzaQueue::/"][0]["basicProperties"]["bodySize"] = 43
    assert event == expected


def test_event_decodes_with_powertools() -> None:
    event = RabbitMQEvent(build_event("orders", "shop", [_sample_delivery()]))

    ((key, messages),) = event.rmq_messages_by_queue.items()
    assert key == "orders::shop"
    assert messages[0].json_data == {"timeout": 0, "data": "CZrmf0Gw8Ov4bqLQxD4E"}
    assert messages[0].basic_properties.headers["header1"] == {"bytes": list(b"value1")}
    assert messages[0].redelivered is False


def test_message_without_properties_has_nulls_and_is_json() -> None:
    event = build_event("q", "/", [Delivery(body=b"\xff\x00 not utf-8", properties={}, redelivered=True)])

    message = event["rmqMessagesByQueue"]["q::/"][0]
    assert message["redelivered"] is True
    assert message["basicProperties"]["headers"] is None
    assert message["basicProperties"]["timestamp"] is None
    assert base64.b64decode(message["data"]) == b"\xff\x00 not utf-8"
    assert json.loads(json.dumps(event)) == event


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (2021, "Jan 1, 1970, 12:33:41 AM"),
        (1714557600, "May 1, 2024, 10:00:00 AM"),
        (1714600800, "May 1, 2024, 10:00:00 PM"),
        (1714564800, "May 1, 2024, 12:00:00 PM"),
    ],
)
def test_timestamp_format(seconds: int, text: str) -> None:
    assert format_timestamp(seconds) == text


def test_settings_reject_batches_the_service_would_refuse() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        PollerSettings(queue="q", batch_size=0)
    with pytest.raises(ValueError, match="batch_window_s"):
        PollerSettings(queue="q", batch_window_s=301)


@settings(max_examples=100)
@given(st.binary(max_size=3000))
def test_message_cost_covers_the_encoded_message(body: bytes) -> None:
    event = build_event("q", "/", [Delivery(body=body, properties={"headers": {"h": "v"}, "timestamp": 1})])

    encoded = json.dumps(event["rmqMessagesByQueue"]["q::/"][0])
    assert len(encoded) <= message_cost(body)
