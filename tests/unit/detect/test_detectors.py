"""Each detector on flat, noiseless traffic where the right answer is obvious."""

from __future__ import annotations

from detect_helpers import API, ERRORS, ORDERS, PRICES, START, STATUS, Table, flat_table, overwrite

from logwarden.detect.counts import MinuteTable
from logwarden.detect.detectors import SILENCE_KEY, STORM_KEY, Detectors, Finding
from logwarden.detect.model import MINUTES_PER_DAY, SeriesKey, Severity
from logwarden.detect.rules import Rules, load_rules

DAY7_NOON = START + 7 * MINUTES_PER_DAY + 12 * 60


def findings_at(table: Table, rules: Rules, minute: int) -> list[Finding]:
    view = MinuteTable(table)
    view.now = minute
    return Detectors(view, rules).evaluate()


def rules_of(findings: list[Finding], key: SeriesKey) -> set[str]:
    return {f.rule for f in findings if f.key == key}


def test_quiet_system_has_no_findings(system: Table, rules: Rules) -> None:
    assert findings_at(system, rules, DAY7_NOON) == []


def test_flood_alerts_in_its_first_minute(system: Table, rules: Rules) -> None:
    # GIVEN four orders a minute WHEN 10,000 a second arrive in one minute
    overwrite(system, ORDERS, DAY7_NOON, DAY7_NOON, 600_000)
    found = [f for f in findings_at(system, rules, DAY7_NOON) if f.key == ORDERS]
    # THEN the first evaluation that sees it raises a critical spike
    assert [(f.rule, f.severity) for f in found] == [("rate_spike", Severity.CRITICAL)]
    assert found[0].window_minutes == 1


def test_doubling_of_a_small_rate_is_not_an_anomaly(system: Table, rules: Rules) -> None:
    overwrite(system, ORDERS, DAY7_NOON - 29, DAY7_NOON, 8)
    assert rules_of(findings_at(system, rules, DAY7_NOON), ORDERS) == set()


def test_one_minute_blip_passes(system: Table, rules: Rules) -> None:
    overwrite(system, API, DAY7_NOON, DAY7_NOON, 350)
    for minute in range(DAY7_NOON, DAY7_NOON + 20):
        assert rules_of(findings_at(system, rules, minute), API) == set()


def test_error_burst_is_a_spike_one_step_more_severe(system: Table, rules: Rules) -> None:
    overwrite(system, ERRORS, DAY7_NOON - 1, DAY7_NOON, 30)
    found = [f for f in findings_at(system, rules, DAY7_NOON) if f.key == ERRORS]
    assert [f.rule for f in found] == ["rate_spike"]
    assert found[0].severity is Severity.CRITICAL  # x30 is high for INFO, errors escalate one step


def test_static_threshold_and_per_series_override(system: Table) -> None:
    overwrite(system, ERRORS, DAY7_NOON, DAY7_NOON, 150)
    crm_errors = SeriesKey("crm", "sync", "ERROR")
    overwrite(system, crm_errors, DAY7_NOON, DAY7_NOON, 150)
    rules = load_rules(
        """
        [baseline]
        weekend_days = []
        [[static]]
        name = "error_threshold"
        subsystems = ["crm"]
        events = ["any"]
        levels = ["ERROR"]
        above = 1000
        [[static]]
        name = "error_threshold"
        events = ["any"]
        levels = ["ERROR"]
        above = 100
        """
    )
    found = findings_at(system, rules, DAY7_NOON)
    assert "error_threshold" in rules_of(found, SeriesKey("shop", "any", "ERROR"))
    assert "error_threshold" not in rules_of(found, SeriesKey("crm", "any", "ERROR"))


def test_silent_stream_alerts_while_the_rest_is_alive(system: Table, rules: Rules) -> None:
    overwrite(system, ORDERS, DAY7_NOON - 9, DAY7_NOON, 0)
    found = [f for f in findings_at(system, rules, DAY7_NOON) if f.key == ORDERS]
    assert [(f.rule, f.note, f.severity) for f in found] == [("drop", "silent", Severity.HIGH)]


def test_everything_silent_is_one_system_alert_not_a_drop_per_stream(system: Table, rules: Rules) -> None:
    for key in (ORDERS, API, PRICES, STATUS, ERRORS):
        overwrite(system, key, DAY7_NOON - 14, DAY7_NOON, 0)
    found = findings_at(system, rules, DAY7_NOON)
    assert [(f.rule, f.key) for f in found] == [("silence", SILENCE_KEY)]


def test_partial_drop_is_found(system: Table, rules: Rules) -> None:
    overwrite(system, API, DAY7_NOON - 14, DAY7_NOON, 40)
    assert rules_of(findings_at(system, rules, DAY7_NOON), API) == {"drop"}


def test_campaign_lifting_the_whole_system_is_not_a_spike(system: Table, rules: Rules) -> None:
    # GIVEN orders, API traffic, prices, status changes (and errors) all x3 for an hour
    start = DAY7_NOON - 59
    for key, rate in ((ORDERS, 12), (API, 300), (PRICES, 60), (STATUS, 30), (ERRORS, 3)):
        overwrite(system, key, start, DAY7_NOON, rate)
    # THEN nothing fires, at any minute of it
    for minute in range(start, DAY7_NOON + 1, 7):
        assert findings_at(system, rules, minute) == []


def test_a_flood_inside_a_campaign_still_alerts(system: Table, rules: Rules) -> None:
    start = DAY7_NOON - 30
    for key, rate in ((API, 300), (PRICES, 60), (STATUS, 30)):
        overwrite(system, key, start, DAY7_NOON, rate)
    overwrite(system, ORDERS, DAY7_NOON, DAY7_NOON, 600_000)
    assert rules_of(findings_at(system, rules, DAY7_NOON), ORDERS) == {"rate_spike"}


def test_broker_storm_from_two_subsystems_is_critical(system: Table, rules: Rules) -> None:
    for subsystem in ("mq", "shop"):
        overwrite(system, SeriesKey(subsystem, "mq_connection_error", "ERROR"), DAY7_NOON - 2, DAY7_NOON, 15)
    storm = [f for f in findings_at(system, rules, DAY7_NOON) if f.key == STORM_KEY]
    assert [(f.rule, f.severity, f.observed) for f in storm] == [("mq_storm", Severity.CRITICAL, 90)]


def test_slow_ramp_over_hours_is_a_ramp() -> None:
    rules = load_rules("[baseline]\nweekend_days = []\n[spike]\nenabled = false\n")
    slow = SeriesKey("mes", "slow_operation", "WARN")
    table = flat_table({slow: 2, API: 100, PRICES: 20})
    ramp_start = DAY7_NOON - 4 * 60
    for offset in range(4 * 60 + 1):
        overwrite(table, slow, ramp_start + offset, ramp_start + offset, 2 + offset // 20)
    found = [f for f in findings_at(table, rules, DAY7_NOON) if f.key == slow]
    assert [f.rule for f in found] == ["ramp"]
    assert found[0].severity >= Severity.MEDIUM


def test_slow_decline_over_hours_is_a_decline() -> None:
    rules = load_rules("[baseline]\nweekend_days = []\n[drop]\nenabled = false\n")
    table = flat_table({STATUS: 40, API: 100, PRICES: 20})
    start = DAY7_NOON - 4 * 60
    for offset in range(4 * 60 + 1):
        overwrite(table, STATUS, start + offset, start + offset, max(40 - offset // 7, 4))
    assert rules_of(findings_at(table, rules, DAY7_NOON), STATUS) == {"decline"}


def test_without_history_only_history_free_detectors_run(rules: Rules) -> None:
    table = flat_table({ORDERS: 4, ERRORS: 1}, days=1)
    overwrite(table, ORDERS, START + 600, START + 600, 600_000)
    overwrite(table, ERRORS, START + 600, START + 600, 500)
    found = findings_at(table, rules, START + 600)
    assert {f.rule for f in found} == {"error_threshold"}
