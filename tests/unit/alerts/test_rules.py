from __future__ import annotations

import pytest

from logwarden.detection.model import SeriesKey, Severity
from logwarden.detection.rules import RulesError, load_rules


def test_shipped_rules_load_and_carry_the_seed_threshold() -> None:
    rules = load_rules()
    threshold = next(r for r in rules.static if r.name == "error_threshold")
    assert threshold.above == 100 and threshold.severity is Severity.HIGH
    assert threshold.selector.matches(SeriesKey("crm", "any", "ERROR"))
    assert not threshold.selector.matches(SeriesKey("crm", "any", "INFO"))
    assert rules.recent_minutes >= max(w.minutes for w in rules.spike.windows)
    assert set(rules.runbook) >= {"rate_spike", "drop", "ramp", "decline", "mq_storm", "silence", "check_failed"}


def test_override_merges_tables_and_replaces_arrays() -> None:
    rules = load_rules(
        """
        [lifecycle]
        cooldown_minutes = 15

        [[static]]
        name = "error_threshold"
        subsystems = ["crm"]
        events = ["any"]
        levels = ["ERROR"]
        above = 500
        severity = "medium"
        """
    )
    assert rules.lifecycle.cooldown_minutes == 15
    assert rules.lifecycle.recover_after_minutes == 10  # untouched keys keep their defaults
    assert [(r.name, r.above) for r in rules.static] == [("error_threshold", 500.0)]


def test_json_override_is_accepted() -> None:
    rules = load_rules('{"spike": {"enabled": false}}')
    assert not rules.spike.enabled and rules.drop.enabled


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(RulesError) as caught:
        load_rules('[lifecycle]\ncooldown_minutes = -1\n[spike]\nseverity = [[1, "urgent"]]\n[drop]\nwindows = []\n')
    text = str(caught.value)
    assert "lifecycle.cooldown_minutes" in text and "spike.severity" in text and "drop.windows" in text


def test_unparsable_override_is_a_rules_error() -> None:
    with pytest.raises(RulesError, match="cannot parse"):
        load_rules("[lifecycle\n")


def test_broker_storm_watches_every_failure_kind_the_rabbitmq_parser_emits() -> None:
    from logwarden.parsing import broker_log

    failures = {
        broker_log.CONNECTION_ERROR,
        broker_log.AUTH_FAILURE,
        broker_log.HEARTBEAT_TIMEOUT,
        broker_log.CHANNEL_ERROR,
        broker_log.RESOURCE_ALARM,
        broker_log.NODE_DOWN,
    }
    assert failures <= set(load_rules().mq_storm.selector.events)
