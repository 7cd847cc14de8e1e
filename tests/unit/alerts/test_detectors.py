"""Each detector on flat, noiseless traffic where the right answer is obvious."""

from __future__ import annotations

from detect_helpers import API, ERRORS, ORDERS, PRICES, START, STATUS, Table, flat_table, overwrite

from logwarden.alerting.lifecycle import step
from logwarden.detection.counts import MinuteTable
from logwarden.detection.detectors import SILENCE_KEY, STORM_KEY, Detectors, Finding
from logwarden.detection.model import MINUTES_PER_DAY, SeriesKey, Severity
from logwarden.detection.rules import Rules, load_rules

DAY7_NOON = START + 7 * MINUTES_PER_DAY + 12 * 60


def findings_at(table: Table, rules: Rules, minute: int) -> list[Finding]:
    view = MinuteTable(table)
    view.now = minute
    return Detectors(view, rules).evaluate()


def rules_of(findings: list[Finding], key: SeriesKey) -> set[str]:
    return {f.rule for f in findings if f.key == key}


def test_quiet_system_has_no_findings(system: Table, rules: Rules) -> None:
    assert findings_at(system, rules, DAY7_NOON) == []


def test_flood_is_found_in_its_first_minute_and_turns_critical_as_it_persists(system: Table, rules: Rules) -> None:
    # GIVEN four orders a minute WHEN 10,000 a second arrive for three minutes
    overwrite(system, ORDERS, DAY7_NOON, DAY7_NOON + 2, 600_000)
    severities = []
    for minute in range(DAY7_NOON, DAY7_NOON + 3):
        [found] = [f for f in findings_at(system, rules, minute) if f.key == ORDERS]
        assert found.rule == "rate_spike"
        severities.append(found.severity)
    # THEN the first minute is found but held at low (one minute is no incident), the second is high, and
    # critical needs the third
    assert severities == [Severity.LOW, Severity.HIGH, Severity.CRITICAL]


def test_doubling_of_a_small_rate_is_not_an_anomaly(system: Table, rules: Rules) -> None:
    overwrite(system, ORDERS, DAY7_NOON - 29, DAY7_NOON, 8)
    assert rules_of(findings_at(system, rules, DAY7_NOON), ORDERS) == set()


def test_one_minute_blip_passes(system: Table, rules: Rules) -> None:
    overwrite(system, API, DAY7_NOON, DAY7_NOON, 350)
    for minute in range(DAY7_NOON, DAY7_NOON + 20):
        assert rules_of(findings_at(system, rules, minute), API) == set()


def test_error_burst_is_a_spike_one_step_more_severe(system: Table, rules: Rules) -> None:
    overwrite(system, ERRORS, DAY7_NOON - 2, DAY7_NOON, 30)
    found = {f.rule: f for f in findings_at(system, rules, DAY7_NOON) if f.key == ERRORS}
    assert set(found) <= {"rate_spike", "ramp"}  # one alert either way: both are the series' "rise"
    assert found["rate_spike"].severity is Severity.CRITICAL  # x30 is high for INFO, errors escalate one step


def test_a_single_minute_far_above_baseline_stays_low(system: Table, rules: Rules) -> None:
    # GIVEN one minute of 60 errors where one a minute is normal
    overwrite(system, ERRORS, DAY7_NOON, DAY7_NOON, 60)
    # THEN whatever fires over the next 20 minutes is at most low
    for minute in range(DAY7_NOON, DAY7_NOON + 20):
        assert all(f.severity <= Severity.LOW for f in findings_at(system, rules, minute) if f.key.level == "ERROR")


def test_a_gradual_rise_of_one_info_stream_is_a_business_peak(system: Table, rules: Rules) -> None:
    # GIVEN API traffic alone (the rest flat) rising from 100 to 400 a minute over 90 minutes, then holding
    start = DAY7_NOON - 150
    for offset in range(151):
        overwrite(system, API, start + offset, start + offset, 100 + min(offset, 90) * 300 // 90)
    # THEN it may be noticed, but never above low
    for minute in range(start, DAY7_NOON + 1, 5):
        assert all(f.severity <= Severity.LOW for f in findings_at(system, rules, minute) if f.key == API)


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


def test_a_threshold_breach_in_a_minute_no_run_saw_complete_still_alerts(system: Table, rules: Rules) -> None:
    # GIVEN 150 errors a minute (the threshold is 100) split by the minute boundary: the minute evaluated now
    # holds only the burst's tail, the complete minute is the one before (its run saw it half-indexed, or
    # did not run)
    overwrite(system, ERRORS, DAY7_NOON - 1, DAY7_NOON - 1, 150)
    overwrite(system, ERRORS, DAY7_NOON, DAY7_NOON, 51)
    # THEN the breach alerts now, named with its minute, and only while it is within the look-back (2 minutes)
    [found] = [f for f in findings_at(system, rules, DAY7_NOON) if f.rule == "error_threshold"]
    assert (found.observed, found.expected, found.minute) == (150, 100, DAY7_NOON)
    assert found.note.startswith("above threshold at ")
    assert not any(f.rule == "error_threshold" for f in findings_at(system, rules, DAY7_NOON + 1))
    # AND a breach needing two minutes in a row is not made of two minutes that are not adjacent
    twice = load_rules(
        """
        [[static]]
        name = "error_threshold"
        events = ["any"]
        levels = ["ERROR"]
        above = 100
        for_minutes = 2
        """
    )
    assert not any(f.rule == "error_threshold" for f in findings_at(system, twice, DAY7_NOON))
    overwrite(system, ERRORS, DAY7_NOON - 2, DAY7_NOON - 2, 120)
    assert any(f.rule == "error_threshold" for f in findings_at(system, twice, DAY7_NOON))


def test_silent_stream_alerts_while_the_rest_is_alive(system: Table, rules: Rules) -> None:
    overwrite(system, ORDERS, DAY7_NOON - 9, DAY7_NOON, 0)
    found = [f for f in findings_at(system, rules, DAY7_NOON) if f.key == ORDERS]
    assert [(f.rule, f.note, f.severity) for f in found] == [("drop", "silent", Severity.HIGH)]


def test_everything_silent_is_one_system_incident_not_a_message_per_stream(system: Table, rules: Rules) -> None:
    for key in (ORDERS, API, PRICES, STATUS, ERRORS):
        overwrite(system, key, DAY7_NOON - 14, DAY7_NOON, 0)
    found = findings_at(system, rules, DAY7_NOON)
    # THEN the system-wide silence fires, the silent streams say so too, and all of it is one message
    assert ("silence", SILENCE_KEY) in [(f.rule, f.key) for f in found]
    assert {f.rule for f in found} <= {"silence", "drop"}
    notices = [t.notification for t in step({}, found, DAY7_NOON, rules.lifecycle) if t.notification]
    assert len(notices) == 1 and notices[0].rule == "silence"


def test_partial_drop_is_found(system: Table, rules: Rules) -> None:
    overwrite(system, API, DAY7_NOON - 14, DAY7_NOON, 40)
    assert "drop" in rules_of(findings_at(system, rules, DAY7_NOON), API) <= {"drop", "decline"}


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


def _first_finding(table: Table, rules: Rules, key: SeriesKey, start: int, minutes: int) -> Finding | None:
    view = MinuteTable(table)
    detectors = Detectors(view, rules)
    for minute in range(start, start + minutes):
        view.now = minute
        found = [f for f in detectors.evaluate() if f.key == key]
        if found:
            return found[0]
    return None


def test_a_slow_ramp_is_found_within_45_minutes() -> None:
    # GIVEN slow operations at 4 a minute that start to grow linearly to x6 over three hours
    rules = load_rules("[baseline]\nweekend_days = []\n[spike]\nenabled = false\n")
    slow = SeriesKey("mes", "slow_operation", "WARN")
    table = flat_table({slow: 4, API: 100, PRICES: 20})
    start = DAY7_NOON - 6 * 60
    for offset in range(6 * 60):
        overwrite(table, slow, start + offset, start + offset, round(4 * (1 + 5 * min(offset / 180, 1.0))))
    # THEN the CUSUM calls it a ramp before 45 minutes have passed
    found = _first_finding(table, rules, slow, start, 6 * 60)
    assert found is not None and found.rule == "ramp"
    assert found.minute - start <= 45


def test_a_noisy_high_hour_of_a_sparse_series_does_not_delay_its_ramp() -> None:
    # GIVEN sparse warnings at 1 a minute, whose two hours before the last one happened to run at 2 a minute
    # (60 events more than the 60 expected: Poisson noise of a sparse series, not its day's level), and
    # the same series without them; both then ramp to x6 over three hours
    rules = load_rules("[baseline]\nweekend_days = []\n[spike]\nenabled = false\n")
    overdue = SeriesKey("crm", "order_overdue", "WARN")
    start = DAY7_NOON - 6 * 60
    delays = []
    for noisy in (False, True):
        table = flat_table({overdue: 1, API: 100, PRICES: 20})
        if noisy:
            overwrite(table, overdue, start - 3 * 60, start - 60 - 1, 2)
        for offset in range(6 * 60):
            overwrite(table, overdue, start + offset, start + offset, round(1 + 5 * min(offset / 180, 1.0)))
        found = _first_finding(table, rules, overdue, start, 6 * 60)
        assert found is not None and found.rule == "ramp"
        delays.append(found.minute - start)
    # THEN the noisy hours barely move today's level: the ramp is found as soon (or within a few minutes)
    assert delays[1] - delays[0] <= 5, delays


def test_a_rate_falling_by_half_over_two_hours_is_found_within_90_minutes() -> None:
    # GIVEN status changes at 40 a minute that start to fall linearly to half over two hours
    rules = load_rules("[baseline]\nweekend_days = []\n[drop]\nenabled = false\n")
    table = flat_table({STATUS: 40, API: 100, PRICES: 20})
    start = DAY7_NOON - 5 * 60
    for offset in range(5 * 60):
        overwrite(table, STATUS, start + offset, start + offset, round(40 * (1 - 0.5 * min(offset / 120, 1.0))))
    # THEN the CUSUM calls it a decline before 90 minutes have passed (a fall to half over three hours is
    # still only 25 % down at 90 minutes, within day-to-day noise: docs/ALERTS.md has the measured delays)
    found = _first_finding(table, rules, STATUS, start, 5 * 60)
    assert found is not None and found.rule == "decline"
    assert found.minute - start <= 90


def test_the_tail_of_a_burst_is_no_ramp() -> None:
    # GIVEN an hour of x10 warnings that ended 20 minutes ago
    rules = load_rules("[baseline]\nweekend_days = []\n")
    slow = SeriesKey("mes", "slow_operation", "WARN")
    table = flat_table({slow: 4, API: 100, PRICES: 20})
    overwrite(table, slow, DAY7_NOON - 80, DAY7_NOON - 21, 40)
    # THEN the hour windows still hold the burst, but nothing calls it a trend
    assert "ramp" not in rules_of(findings_at(table, rules, DAY7_NOON), slow)


def test_without_history_only_history_free_detectors_run(rules: Rules) -> None:
    table = flat_table({ORDERS: 4, ERRORS: 1}, days=1)
    overwrite(table, ORDERS, START + 600, START + 600, 600_000)
    overwrite(table, ERRORS, START + 600, START + 600, 500)
    found = findings_at(table, rules, START + 600)
    assert {f.rule for f in found} == {"error_threshold"}
