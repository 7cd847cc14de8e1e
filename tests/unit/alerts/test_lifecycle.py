from __future__ import annotations

from collections.abc import Mapping

from logwarden.alerting.lifecycle import AlertKey, AlertState, Notification, related, step
from logwarden.detection.detectors import Finding
from logwarden.detection.model import ALL, SeriesKey, Severity
from logwarden.detection.rules import LifecycleRules

KEY = SeriesKey("shop", "order_created", "INFO")
SHOP_ERRORS = SeriesKey("shop", "api_request", "ERROR")
SHOP_ANY_ERRORS = SeriesKey("shop", "any", "ERROR")
CRM_STATUS = SeriesKey("crm", "order_status_changed", "INFO")
CRM_WARN = SeriesKey("crm", "order_overdue", "WARN")
RULES = LifecycleRules(cooldown_minutes=15, recover_after_minutes=10, hold_minutes=2)


def spike(minute: int, severity: Severity = Severity.MEDIUM, rule: str = "rate_spike", key: SeriesKey = KEY) -> Finding:
    return Finding(rule, key, minute, severity, 100, 10, 5)


Findings = Mapping[int, list[Finding]]


def replay(findings: Findings, minutes: range, rules: LifecycleRules = RULES) -> list[Notification]:
    states: dict[AlertKey, AlertState] = {}
    sent = []
    for minute in minutes:
        for transition in step(states, findings.get(minute, []), minute, rules):
            if transition.after is None:
                states.pop(transition.key)
            else:
                states[transition.key] = transition.after
            if transition.notification is not None:
                sent.append(transition.notification)
    return sent


def run(findings: Findings, minutes: range, rules: LifecycleRules = RULES) -> list[tuple[int, str, str, str]]:
    return [(n.minute, n.kind, n.reason, n.severity.label) for n in replay(findings, minutes, rules)]


def test_open_suppress_recover_once() -> None:
    findings = {m: [spike(m)] for m in range(100, 130)}
    assert run(findings, range(90, 200)) == [
        (100, "alert", "opened", "medium"),
        (139, "recovery", "recovered", "medium"),
    ]


def test_a_rise_waits_for_the_cooldown_and_the_recovery_carries_the_highest_severity() -> None:
    # GIVEN an incident that turns critical 10 minutes in, and stays so
    findings = {m: [spike(m)] for m in range(100, 110)} | {m: [spike(m, Severity.CRITICAL)] for m in range(110, 130)}
    # THEN the update goes out when the 15 minutes since the opening message have passed, and only once
    assert run(findings, range(100, 200)) == [
        (100, "alert", "opened", "medium"),
        (115, "alert", "escalated", "critical"),
        (139, "recovery", "recovered", "critical"),
    ]


def test_a_long_steady_incident_sends_no_reminders() -> None:
    findings = {m: [spike(m)] for m in range(100, 400)}
    assert [s[2] for s in run(findings, range(100, 500))] == ["opened", "recovered"]


def test_a_low_start_is_held_so_an_early_escalation_opens_once() -> None:
    # GIVEN a flood that is low in its first minute (one minute is no evidence) and high from its second
    findings = {100: [spike(100, Severity.LOW)]} | {m: [spike(m, Severity.HIGH)] for m in range(101, 110)}
    # THEN one opening message, high, in the second minute
    assert run(findings, range(100, 200)) == [(101, "alert", "opened", "high"), (119, "recovery", "recovered", "high")]


def test_a_low_blip_that_ends_inside_the_hold_says_nothing() -> None:
    assert run({100: [spike(100, Severity.LOW)]}, range(100, 200)) == []


def test_gaps_shorter_than_the_recovery_wait_keep_one_alert() -> None:
    findings = {m: [spike(m)] for m in (100, 105, 112, 118)}
    assert [s[1] for s in run(findings, range(100, 200))] == ["alert", "recovery"]


def test_skipped_runs_still_recover_exactly_once() -> None:
    [opened] = step({}, [spike(100)], 100, RULES)
    assert opened.after is not None and opened.notification is not None
    states = {opened.key: opened.after}
    [closed] = step(states, [], 150, RULES)  # runs 101..149 never happened
    assert closed.after is None and closed.notification is not None and closed.notification.kind == "recovery"
    assert step({}, [], 151, RULES) == []


def test_spike_then_ramp_on_one_series_is_one_alert() -> None:
    findings = {m: [spike(m)] for m in range(100, 110)} | {m: [spike(m, rule="ramp")] for m in range(110, 130)}
    assert [s[1] for s in run(findings, range(100, 200))] == ["alert", "recovery"]


def test_per_event_and_per_level_series_of_one_burst_are_one_incident() -> None:
    # GIVEN an error burst seen on the event series, the subsystem's ERROR total and its static threshold
    findings = {
        m: [
            spike(m, Severity.HIGH, key=SHOP_ERRORS),
            spike(m, Severity.HIGH, key=SHOP_ANY_ERRORS),
            Finding("error_threshold", SHOP_ANY_ERRORS, m, Severity.HIGH, 150, 100, 1),
        ]
        for m in range(100, 106)
    }
    sent = replay(findings, range(100, 200))
    # THEN one message opens it (naming the other series) and one closes it
    assert [(n.kind, n.reason) for n in sent] == [("alert", "opened"), ("recovery", "recovered")]
    assert len(sent[0].related) == 2 and sent[0].incident == sent[1].incident


def test_downstream_drop_after_an_upstream_spike_joins_its_incident() -> None:
    # GIVEN a spike on shop, then 20 minutes later order status changes in crm drop
    findings: dict[int, list[Finding]] = {m: [spike(m, Severity.HIGH)] for m in range(100, 140)}
    for m in range(120, 150):
        findings.setdefault(m, []).append(spike(m, Severity.HIGH, rule="drop", key=CRM_STATUS))
    sent = replay(findings, range(100, 220))
    assert [(n.minute, n.kind) for n in sent] == [(100, "alert"), (159, "recovery")]
    assert sent[1].recovery is not None and sent[1].recovery.duration_minutes == 50
    # AND the recovery names the series people were told about, though the downstream drop closed last
    assert sent[1].key == sent[0].key and sent[1].key.series == KEY and sent[1].rule == "rate_spike"
    assert sent[1].related == (CRM_STATUS,)


def test_the_recovery_says_how_the_announced_series_is_now() -> None:
    # GIVEN an error burst told as shop/api_request/ERROR, and its `any` total still firing after the burst ended
    findings: dict[int, list[Finding]] = {m: [spike(m, Severity.HIGH, key=SHOP_ERRORS)] for m in range(100, 105)}
    for m in range(100, 112):
        findings.setdefault(m, []).append(spike(m, Severity.MEDIUM, key=SHOP_ANY_ERRORS))
    states: dict[AlertKey, AlertState] = {}
    sent: list[Notification] = []
    now = {SHOP_ERRORS: (0.4, 0.5), SHOP_ANY_ERRORS: (3.0, 2.0)}
    for minute in range(100, 140):
        for t in step(states, findings.get(minute, []), minute, RULES, current=lambda key: now[key]):
            states = {k: v for k, v in states.items() if k != t.key} | ({t.key: t.after} if t.after else {})
            if t.notification is not None:
                sent.append(t.notification)
    # WHEN the last member (the total) closes
    alert, recovery = sent
    # THEN the recovery is about the announced series and its value now, not the total's
    assert alert.key.series == SHOP_ERRORS and recovery.key.series == SHOP_ERRORS
    assert recovery.recovery is not None and (recovery.recovery.current, recovery.recovery.expected) == (0.4, 0.5)
    assert recovery.related == (SHOP_ANY_ERRORS,)


def test_unrelated_subsystems_are_separate_incidents() -> None:
    findings = {m: [spike(m), spike(m, rule="ramp", key=CRM_WARN)] for m in range(100, 110)}
    sent = replay(findings, range(100, 200))
    assert len({n.incident for n in sent}) == 2 and len(sent) == 4


def test_relations() -> None:
    storm = AlertKey("mq_storm", SeriesKey(ALL, "mq_*", ALL))
    assert related(AlertKey("rise", CRM_WARN), storm)
    assert related(AlertKey("fall", CRM_STATUS), AlertKey("error_threshold", SHOP_ANY_ERRORS))
    assert not related(AlertKey("rise", CRM_WARN), AlertKey("rise", KEY))
    assert not related(AlertKey("check_failed", SeriesKey(ALL, ALL, ALL)), AlertKey("rise", KEY))


def test_recovery_says_the_value_now_the_peak_and_the_duration() -> None:
    # GIVEN a spike whose minute counts are known to the lifecycle, and a view that says what is normal now
    states: dict[AlertKey, AlertState] = {}
    sent: list[Notification] = []
    counts = {100: 900.0, 101: 12007.0, 102: 4000.0}
    for minute in range(100, 125):
        found = [spike(minute, Severity.HIGH)] if minute in counts else []
        transitions = step(
            states, found, minute, RULES,
            current=lambda _key: (52.0, 50.0),
            peak_of=lambda _key, m=minute: (counts.get(m, 0.0), 50.0),
        )  # fmt: skip
        for t in transitions:
            states = {k: v for k, v in states.items() if k != t.key} | ({t.key: t.after} if t.after else {})
            if t.notification is not None:
                sent.append(t.notification)
    recovery = sent[-1].recovery
    assert sent[-1].kind == "recovery" and recovery is not None
    assert (recovery.current, recovery.expected, recovery.peak, recovery.peak_minute) == (52.0, 50.0, 12007.0, 101)
    assert recovery.duration_minutes == 3


def test_step_groups_findings_and_reports_only_changes() -> None:
    other = SeriesKey("shop", "any", "ERROR")
    findings = [spike(5), spike(5, Severity.HIGH), Finding("error_threshold", other, 5, Severity.HIGH, 150, 100, 1)]
    transitions = step({}, findings, 5, RULES)
    assert [str(t.key) for t in transitions] == ["error_threshold:shop/any/ERROR", "rise:shop/order_created/INFO"]
    [notice] = [t.notification for t in transitions if t.notification]
    assert notice.severity == Severity.HIGH and notice.related
    states = {t.key: t.after for t in transitions if t.after}
    assert step(states, [], 6, RULES) == []  # nothing changes while waiting for recovery
    assert AlertKey("rise", KEY) in states


def test_an_incident_that_went_quiet_takes_no_new_alert_and_recovers_on_its_own() -> None:
    # GIVEN a flood of orders (100-104), then, while its alert only waits out its recovery, orders fall silent
    findings: dict[int, list[Finding]] = {m: [spike(m, Severity.HIGH)] for m in range(100, 105)}
    for m in range(112, 130):
        findings[m] = [spike(m, Severity.HIGH, rule="drop")]
    sent = replay(findings, range(100, 200))
    # THEN the silence is a new incident, told on its own, and each incident closes with one recovery
    assert [(n.minute, n.kind, n.rule) for n in sent] == [
        (100, "alert", "rate_spike"),
        (112, "alert", "drop"),
        (114, "recovery", "rate_spike"),
        (139, "recovery", "drop"),
    ]
    assert len({n.incident for n in sent}) == 2


def test_a_related_alert_joins_while_the_incident_is_live() -> None:
    # GIVEN the same flood, and the silence found within join_minutes of the flood's last finding
    findings: dict[int, list[Finding]] = {m: [spike(m, Severity.HIGH)] for m in range(100, 105)}
    for m in range(104 + RULES.join_minutes, 130):
        findings[m] = [spike(m, Severity.HIGH, rule="drop")]
    sent = replay(findings, range(100, 200))
    # THEN it is one incident (a downstream fall), one message and one recovery
    assert [(n.kind, n.reason) for n in sent] == [("alert", "opened"), ("recovery", "recovered")]


def test_a_storm_joining_a_local_incident_is_told_once_as_a_spread() -> None:
    storm_key = SeriesKey(ALL, "mq_*", ALL)
    broker_errors = SeriesKey("mq", "mq_connection_error", "WARN")
    # GIVEN an error burst in shop (told at 100), then from 110 a broker storm with its own event series
    findings: dict[int, list[Finding]] = {m: [spike(m, Severity.HIGH, key=SHOP_ERRORS)] for m in range(100, 120)}
    for m in range(110, 120):
        findings[m] += [Finding("mq_storm", storm_key, m, Severity.HIGH, 300, 3, 3), spike(m, key=broker_errors)]
    sent = replay(findings, range(100, 200))
    # THEN one incident: opened, one update that names the storm (no longer local; same severity, inside the
    # cooldown), and one recovery
    assert [(n.minute, n.reason, n.rule) for n in sent] == [
        (100, "opened", "rate_spike"),
        (110, "spread", "mq_storm"),
        (129, "recovered", "mq_storm"),
    ]
    assert broker_errors in sent[1].related and SHOP_ERRORS in sent[1].related
    assert len({n.incident for n in sent}) == 1


def test_a_storm_with_its_own_series_is_one_message() -> None:
    storm_key = SeriesKey(ALL, "mq_*", ALL)
    broker_errors = SeriesKey("mq", "mq_connection_error", "WARN")
    # GIVEN the broker's event series rising first, and the storm over all subsystems found a minute later
    findings: dict[int, list[Finding]] = {m: [spike(m, Severity.HIGH, key=broker_errors)] for m in range(100, 110)}
    for m in range(101, 110):
        findings[m].append(Finding("mq_storm", storm_key, m, Severity.HIGH, 300, 3, 3))
    # THEN the storm stands for the series already told: no second message
    assert [s[2] for s in run(findings, range(100, 200))] == ["opened", "recovered"]
