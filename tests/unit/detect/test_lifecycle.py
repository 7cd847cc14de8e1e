from __future__ import annotations

from logwarden.detect.detectors import Finding
from logwarden.detect.lifecycle import AlertKey, AlertState, advance, step
from logwarden.detect.model import SeriesKey, Severity
from logwarden.detect.rules import LifecycleRules

KEY = SeriesKey("shop", "order_created", "INFO")
RULES = LifecycleRules(cooldown_minutes=60, recover_after_minutes=10)


def spike(minute: int, severity: Severity = Severity.MEDIUM, rule: str = "rate_spike") -> Finding:
    return Finding(rule, KEY, minute, severity, 100, 10, 5)


def run(findings: dict[int, Finding], minutes: range) -> list[tuple[int, str, str, str]]:
    state: AlertState | None = None
    sent = []
    for minute in minutes:
        state, notice = advance(state, findings.get(minute), minute, RULES)
        if notice:
            sent.append((minute, notice.kind, notice.reason, notice.severity.label))
    return sent


def test_open_suppress_recover_once() -> None:
    findings = {m: spike(m) for m in range(100, 130)}
    assert run(findings, range(90, 200)) == [
        (100, "alert", "opened", "medium"),
        (139, "recovery", "recovered", "medium"),
    ]


def test_escalation_notifies_inside_the_cooldown_and_recovery_carries_the_peak() -> None:
    findings = {m: spike(m) for m in range(100, 110)} | {110: spike(110, Severity.CRITICAL)}
    findings |= {m: spike(m) for m in range(111, 115)}
    assert run(findings, range(100, 200)) == [
        (100, "alert", "opened", "medium"),
        (110, "alert", "escalated", "critical"),
        (124, "recovery", "recovered", "critical"),
    ]


def test_long_incident_gets_a_reminder_after_the_cooldown() -> None:
    findings = {m: spike(m) for m in range(100, 200)}
    sent = run(findings, range(100, 260))
    assert [s[:3] for s in sent] == [
        (100, "alert", "opened"),
        (160, "alert", "reminder"),
        (209, "recovery", "recovered"),
    ]


def test_gaps_shorter_than_the_recovery_wait_keep_one_alert() -> None:
    findings = {m: spike(m) for m in (100, 105, 112, 118)}
    assert [s[1] for s in run(findings, range(100, 200))] == ["alert", "recovery"]


def test_skipped_runs_still_recover_exactly_once() -> None:
    state, notice = advance(None, spike(100), 100, RULES)
    assert notice is not None and state is not None
    state, notice = advance(state, None, 150, RULES)  # runs 101..149 never happened
    assert state is None and notice is not None and notice.kind == "recovery"
    assert advance(state, None, 151, RULES) == (None, None)


def test_spike_then_ramp_on_one_series_is_one_alert() -> None:
    findings = {m: spike(m) for m in range(100, 110)} | {m: spike(m, rule="ramp") for m in range(110, 130)}
    assert [s[1] for s in run(findings, range(100, 200))] == ["alert", "recovery"]


def test_step_groups_findings_and_reports_only_changes() -> None:
    other = SeriesKey("shop", "any", "ERROR")
    findings = [spike(5), spike(5, Severity.HIGH), Finding("error_threshold", other, 5, Severity.HIGH, 150, 100, 1)]
    transitions = step({}, findings, 5, RULES)
    assert [(str(t.key), t.notification and t.notification.severity) for t in transitions] == [
        ("error_threshold:shop/any/ERROR", Severity.HIGH),
        ("rise:shop/order_created/INFO", Severity.HIGH),
    ]
    states = {t.key: t.after for t in transitions if t.after}
    assert step(states, [], 6, RULES) == []  # nothing changes while waiting for recovery
    assert AlertKey("rise", KEY) in states
