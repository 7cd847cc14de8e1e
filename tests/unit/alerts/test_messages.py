from __future__ import annotations

import json

import pytest
from detect_helpers import ORDERS

from logwarden.alerting.lifecycle import Notification, step
from logwarden.alerting.messages import MessageContext, build_message, safe_label
from logwarden.detection.detectors import Finding
from logwarden.detection.model import SeriesKey, Severity, parse_minute
from logwarden.detection.rules import load_rules

RULES = load_rules()
CONTEXT = MessageContext("prod", "https://dash.example.org/_dashboards", "logs", RULES.runbook)
MINUTE = parse_minute("2025-02-17T10:10:00Z")


def alert(key: SeriesKey, rule: str = "rate_spike", severity: Severity = Severity.HIGH) -> Notification:
    [opened] = step({}, [Finding(rule, key, MINUTE, severity, 93, 7.9, 2, "x11.8")], MINUTE, RULES.lifecycle)
    notice = opened.notification
    assert notice is not None
    return notice


def test_message_is_actionable_and_filterable() -> None:
    message = build_message([alert(ORDERS)], CONTEXT)
    assert message.subject == "logwarden prod: [HIGH] rate far above normal: shop / order_created / INFO"
    for needle in ("observed: 93 in the last 2 min, expected about 7.9", "since: 2025-02-17T10:10:00Z",
                   "view: https://dash.example.org/_dashboards/app/data-explorer/discover#?", "runbook: "):  # fmt: skip
        assert needle in message.text
    assert message.attributes["severity"] == {"DataType": "String", "StringValue": "high"}
    assert json.loads(message.attributes["subsystem"]["StringValue"]) == ["shop"]
    assert message.document["notifications"][0]["expected"] == 7.9


@pytest.mark.parametrize("count", [1, 3, 80])
def test_subject_always_fits_sns(count: int) -> None:
    notices = [alert(SeriesKey("subsystem" * 5, f"event_{i}_" + "x" * 50, "ERROR")) for i in range(count)]
    message = build_message(notices, CONTEXT)
    assert len(message.subject) < 100 and message.subject.isascii() and "\n" not in message.subject
    assert len(message.document["notifications"]) == min(count, 40)


def test_labels_from_the_data_cannot_carry_personal_data() -> None:
    leaky = SeriesKey("shop", "order for m.sidorova@mail.ru +7 912 345-67-89", "ERROR")
    message = build_message([alert(leaky)], CONTEXT)
    blob = message.subject + message.text + json.dumps(message.document) + json.dumps(message.attributes)
    assert "sidorova" not in blob and "912" not in blob
    assert safe_label("order_created") == "order_created"
