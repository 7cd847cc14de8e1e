"""The alert lifecycle as a pure state machine.

Per (rule, series): a finding with no open alert opens one and notifies; while open, repeats are
suppressed for ``cooldown_minutes`` (a reminder goes out after that if the finding persists) unless the
severity rises, which notifies at once; ``recover_after_minutes`` without a finding close the alert
with exactly one recovery notification. Time is measured between minutes, not counted in runs, so a
skipped or repeated run neither loses a recovery nor sends a second one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Final, Literal

from logwarden.detect.detectors import Finding
from logwarden.detect.model import SeriesKey, Severity
from logwarden.detect.rules import LifecycleRules

Kind = Literal["alert", "recovery"]
ALERT: Final = "alert"
RECOVERY: Final = "recovery"


# Seasonal rules watching the same direction share one alert per series: a spike that turns into a
# ramp, or a drop that deepens into a decline, is one incident and must not page twice.
_GROUPS: Final = {"rate_spike": "rise", "ramp": "rise", "drop": "fall", "decline": "fall"}


def group_of(rule: str) -> str:
    return _GROUPS.get(rule, rule)


@dataclass(frozen=True, slots=True, order=True)
class AlertKey:
    group: str  # the rule, or its direction for seasonal rules (rise, fall)
    series: SeriesKey

    def __str__(self) -> str:
        return f"{self.group}:{self.series}"


@dataclass(frozen=True, slots=True)
class AlertState:
    key: AlertKey
    opened: int
    last_firing: int
    last_notified: int
    severity: Severity  # the highest severity notified so far
    rule: str  # the rule of the last notified finding
    latest: Finding
    version: int = 0


@dataclass(frozen=True, slots=True)
class Notification:
    kind: Kind
    minute: int
    key: AlertKey
    rule: str  # the rule behind this message: the finding's, or for a recovery the last one notified
    severity: Severity
    opened: int
    finding: Finding  # the latest finding: for a recovery, the last one before it cleared
    reason: str  # opened, escalated, reminder, recovered


def advance(
    state: AlertState | None, finding: Finding | None, minute: int, rules: LifecycleRules
) -> tuple[AlertState | None, Notification | None]:
    """The next state of one alert and the notification to send, if any."""
    if finding is not None:
        if state is None:
            key = AlertKey(group_of(finding.rule), finding.key)
            opened = AlertState(key, minute, minute, minute, finding.severity, finding.rule, finding)
            return opened, Notification(ALERT, minute, key, finding.rule, finding.severity, minute, finding, "opened")
        escalated = finding.severity > state.severity
        reminder = minute - state.last_notified >= rules.cooldown_minutes
        updated = replace(state, last_firing=minute, latest=finding, version=state.version + 1)
        if not (escalated or reminder):
            return updated, None
        severity = max(state.severity, finding.severity)
        updated = replace(updated, last_notified=minute, severity=severity, rule=finding.rule)
        reason = "escalated" if escalated else "reminder"
        notice = Notification(ALERT, minute, state.key, finding.rule, severity, state.opened, finding, reason)
        return updated, notice
    if state is None:
        return None, None
    if minute - state.last_firing >= rules.recover_after_minutes:
        notice = Notification(
            RECOVERY, minute, state.key, state.rule, state.severity, state.opened, state.latest, "recovered"
        )
        return None, notice
    return state, None


@dataclass(frozen=True, slots=True)
class Transition:
    """One alert's change in a run: what to store (None deletes) and what to send."""

    key: AlertKey
    before: AlertState | None
    after: AlertState | None
    notification: Notification | None


def step(
    states: Mapping[AlertKey, AlertState], findings: Iterable[Finding], minute: int, rules: LifecycleRules
) -> list[Transition]:
    """Advance every open alert and every finding by one evaluated minute; only changes are returned."""
    by_key: dict[AlertKey, Finding] = {}
    for finding in findings:
        key = AlertKey(group_of(finding.rule), finding.key)
        current = by_key.get(key)
        if current is None or finding.severity > current.severity:
            by_key[key] = finding
    transitions = []
    for key in sorted(set(states) | set(by_key)):
        before = states.get(key)
        after, notification = advance(before, by_key.get(key), minute, rules)
        if after is not before:
            transitions.append(Transition(key, before, after, notification))
    return transitions


def group(notifications: Iterable[Notification]) -> list[Notification]:
    """Notifications of one run in the order people read them: alerts first, most severe first."""
    return sorted(notifications, key=lambda n: (n.kind != ALERT, -n.severity, str(n.key)))
