"""The alert lifecycle as a pure state machine: alerts per series, grouped into incident threads.

**Alerts.** Per (rule group, series): a finding with no open alert opens one; ``recover_after_minutes``
without a finding close it. An alert never speaks on its own: it is a member of one incident.

**Incidents (threads).** A new alert joins an open incident when they are related (``related``): the same
subsystem; a fall (drop, decline) after a rise or an outage anywhere (downstream effects of an upstream
spike or outage); anything system-wide (storms, silence). And only while that incident is live: a related
member found something in the last ``join_minutes``. An incident that has gone quiet and only waits out its
recovery time takes nothing new, so the next incident, in the same subsystem or anywhere, is told on its own
and the quiet one recovers. Otherwise it opens its own incident. An incident sends one message when it opens,
an update only when its severity rises (at most one message per ``cooldown_minutes``; a rise inside that time
goes out when it ends, if still true) or when it spreads (a system-wide alert, a storm, joins after the
incident was told, covering none of the series it had: people hear that it is no longer local), and one
recovery when its last member closed. An incident that stays at ``hold_severity`` or below is announced only
after ``hold_minutes``, so a flood that is "low" in its first minute and "high" in its second opens once, as
high.

Time is measured between minutes, not counted in runs, so a skipped or repeated run neither loses a
recovery nor sends a second one. Every member carries its incident's state (``Thread``): the store keeps one
item per alert, and one conditional write per changed alert guards every notification against a second run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Final, Literal

from logwarden.detection.detectors import Finding
from logwarden.detection.model import ALL, ANY_EVENT, SeriesKey, Severity
from logwarden.detection.rules import LifecycleRules

Kind = Literal["alert", "recovery"]
ALERT: Final = "alert"
RECOVERY: Final = "recovery"

# Seasonal rules watching the same direction share one alert per series: a spike that turns into a
# ramp, or a drop that deepens into a decline, is one alert.
_GROUPS: Final = {"rate_spike": "rise", "ramp": "rise", "drop": "fall", "decline": "fall"}
# Groups that can cause downstream drops: a fall elsewhere after one of these belongs to its incident.
_CAUSES: Final = frozenset({"rise", "fall", "error_threshold", "broker_down", "mq_storm", "silence"})
_ALONE: Final = frozenset({"check_failed"})  # the check's own failure is never mixed with what it saw
_SLOW: Final = frozenset({"ramp", "decline"})  # hour-scale rules: a few quiet minutes are not a recovery

# (observed per minute, expected per minute or None without history) of a series, where the view knows it.
Current = Callable[[SeriesKey], tuple[float, float | None] | None]


def group_of(rule: str) -> str:
    return _GROUPS.get(rule, rule)


@dataclass(frozen=True, slots=True, order=True)
class AlertKey:
    group: str  # the rule, or its direction for seasonal rules (rise, fall)
    series: SeriesKey

    def __str__(self) -> str:
        return f"{self.group}:{self.series}"


@dataclass(frozen=True, slots=True)
class Thread:
    """The incident an alert belongs to, as every member stores it."""

    incident: str  # incident_id(first alert, opened minute): stable for the incident's life, no label inside
    opened: int
    announced: bool = False
    severity: Severity = Severity.INFO  # the severity last told to people
    last_message: int = 0
    peak: float = 0.0  # the highest count in one minute on any member while it fired
    peak_minute: int = 0
    peak_series: str = ""
    messages: int = 0  # alert messages sent so far (the recovery not included)
    rule: str = ""  # the rule named by the latest alert message (the recovery names it too)
    # The alert the latest alert message was about: the recovery names it and says how it is now, even when
    # another member (a downstream drop, the burst's `any` total) was the last to close.
    headline: AlertKey | None = None


@dataclass(frozen=True, slots=True)
class AlertState:
    key: AlertKey
    opened: int
    last_firing: int
    last_notified: int
    severity: Severity  # the highest severity this alert reached
    rule: str  # the rule of its latest finding
    latest: Finding
    version: int = 0
    thread: Thread | None = None  # None only for states stored before incidents existed


@dataclass(frozen=True, slots=True)
class Recovery:
    """What a recovery message says: where things are now, how bad they were, for how long."""

    current: float | None  # count per minute now (the last few minutes), None where the view cannot say
    expected: float | None  # expected count per minute now
    peak: float
    peak_minute: int
    peak_series: str
    duration_minutes: int  # from the incident's first finding to its last


@dataclass(frozen=True, slots=True)
class Notification:
    kind: Kind
    minute: int
    key: AlertKey  # the incident's most severe member
    rule: str
    severity: Severity
    opened: int  # when the incident opened
    finding: Finding  # the most severe member's latest finding
    reason: str  # opened, escalated, spread (a system-wide alert joined), recovered
    incident: str = ""
    related: tuple[SeriesKey, ...] = ()  # the other members' series
    recovery: Recovery | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """One alert's change in a run: what to store (None deletes) and what to send."""

    key: AlertKey
    before: AlertState | None
    after: AlertState | None
    notification: Notification | None


def incident_id(key: AlertKey, minute: int) -> str:
    """A short stable id that carries nothing from the data's labels (it appears in messages)."""
    return "inc-" + hashlib.sha256(f"{key}@{minute}".encode()).hexdigest()[:12]


def thread_of(state: AlertState) -> Thread:
    if state.thread is not None:
        return state.thread
    return Thread(incident_id(state.key, state.opened), state.opened, True, state.severity, state.last_notified)


def covers(wide: SeriesKey, key: SeriesKey) -> bool:
    """Is ``key`` one of the series a system-wide alert's key stands for (a storm: the broker's event kinds)?"""
    if wide.subsystem != ALL:
        return False
    events = wide.event in (ALL, ANY_EVENT) or fnmatchcase(key.event, wide.event)
    return events and wide.level in (ALL, key.level)


def related(new: AlertKey, member: AlertKey) -> bool:
    """Does a new alert belong to the incident that ``member`` is part of?"""
    if new.group in _ALONE or member.group in _ALONE:
        return False
    if ALL in (new.series.subsystem, member.series.subsystem):
        return True
    if new.series.subsystem == member.series.subsystem:
        return True
    return new.group == "fall" and member.group in _CAUSES


def _best_findings(findings: Iterable[Finding]) -> dict[AlertKey, Finding]:
    by_key: dict[AlertKey, Finding] = {}
    for finding in findings:
        key = AlertKey(group_of(finding.rule), finding.key)
        current = by_key.get(key)
        if current is None or finding.severity > current.severity:
            by_key[key] = finding
    return by_key


def _peak_of(finding: Finding, current: Current | None) -> float:
    now = current(finding.key) if current is not None else None
    if now is not None:
        return now[0]
    return finding.observed / max(finding.window_minutes, 1)


def step(
    states: Mapping[AlertKey, AlertState],
    findings: Iterable[Finding],
    minute: int,
    rules: LifecycleRules,
    current: Current | None = None,
    peak_of: Current | None = None,
) -> list[Transition]:
    """Advance every open alert and incident by one evaluated minute; only changes are returned.

    ``current`` gives a series' recent count per minute and its expectation (for recovery messages);
    ``peak_of`` its count in the evaluated minute (for the incident's peak). Both are optional.
    """
    by_key = _best_findings(findings)
    after, closed, fresh = _advance(states, by_key, minute, rules)
    _join_incidents(after, closed, fresh, minute, rules)
    members: dict[str, list[AlertKey]] = {}
    for key, state in after.items():
        members.setdefault(thread_of(state).incident, []).append(key)
    notices: dict[str, Notification] = {}
    new_threads: dict[str, Thread] = {}
    incidents = {thread_of(s).incident for s in after.values()} | {thread_of(s).incident for s in closed.values()}
    for incident in sorted(incidents):
        keys = members.get(incident, [])
        states_now = [after[k] for k in keys]
        thread = next((thread_of(s) for s in states_now), None) or next(
            thread_of(s) for s in closed.values() if thread_of(s).incident == incident
        )
        thread = _with_peaks(thread, [after[k] for k in keys if k in by_key], minute, peak_of)
        if not keys:
            if thread.announced:
                last = [s for s in closed.values() if thread_of(s).incident == incident]
                notices[incident] = _recovery(thread, last, minute, current)
            continue
        notice, thread = _alert_notice(thread, states_now, minute, rules)
        if notice is not None:
            notices[incident] = notice
        new_threads[incident] = thread
    transitions: list[Transition] = []
    for key in sorted(set(after) | set(closed)):
        before = states.get(key)
        if key in closed:
            transitions.append(Transition(key, before, None, None))
            continue
        state = after[key]
        incident = thread_of(state).incident
        thread = new_threads[incident]
        if state.thread != thread:
            state = replace(state, thread=thread, version=state.version + (1 if state is before else 0))
        if state is not before:
            transitions.append(Transition(key, before, state, None))
    _attach_notices(transitions, notices)
    return transitions


def _advance(
    states: Mapping[AlertKey, AlertState], by_key: dict[AlertKey, Finding], minute: int, rules: LifecycleRules
) -> tuple[dict[AlertKey, AlertState], dict[AlertKey, AlertState], list[AlertKey]]:
    """Every alert after this minute's findings: those still open (fired again, or not yet recovered), those
    closed now, and the keys of the new ones (not yet in an incident)."""
    after: dict[AlertKey, AlertState] = {}
    closed: dict[AlertKey, AlertState] = {}
    fresh: list[AlertKey] = []
    for key in sorted(set(states) | set(by_key)):
        before = states.get(key)
        finding = by_key.get(key)
        if finding is not None:
            if before is None:
                after[key] = AlertState(key, minute, minute, minute, finding.severity, finding.rule, finding)
                fresh.append(key)
            else:
                severity = max(before.severity, finding.severity)
                after[key] = replace(
                    before, last_firing=minute, latest=finding, severity=severity, rule=finding.rule,
                    thread=thread_of(before), version=before.version + 1,
                )  # fmt: skip
        elif before is not None:
            wait = rules.slow_recover_after_minutes if before.rule in _SLOW else rules.recover_after_minutes
            if minute - before.last_firing >= wait:
                closed[key] = before
            else:
                after[key] = before
    return after, closed, fresh


def _join_incidents(
    after: dict[AlertKey, AlertState],
    closed: dict[AlertKey, AlertState],
    fresh: list[AlertKey],
    minute: int,
    rules: LifecycleRules,
) -> None:
    """New alerts (in ``after``) join a related live incident (the oldest), or open their own."""
    assigned: dict[AlertKey, Thread] = {k: thread_of(s) for k, s in after.items() if k not in fresh}
    assigned |= {k: thread_of(s) for k, s in closed.items()}
    last_found = {k: s.last_firing for k, s in (*after.items(), *closed.items())}
    for key in fresh:
        candidates = [
            t for k, t in assigned.items() if related(key, k) and minute - last_found[k] <= rules.join_minutes
        ]
        if candidates:
            thread = min(candidates, key=lambda t: (t.opened, t.incident))
        else:
            thread = Thread(incident_id(key, minute), minute)
        assigned[key] = thread
        after[key] = replace(after[key], thread=thread)


def _attach_notices(transitions: list[Transition], notices: dict[str, Notification]) -> None:
    """Each incident's message rides on one of its transitions: the first in key order."""
    for incident, notice in notices.items():
        for i, transition in enumerate(transitions):
            carrier = transition.after or transition.before
            if carrier is not None and thread_of(carrier).incident == incident:
                transitions[i] = replace(transition, notification=notice)
                break


def _with_peaks(thread: Thread, firing: list[AlertState], minute: int, peak_of: Current | None) -> Thread:
    for state in firing:
        value = _peak_of(state.latest, peak_of)
        if value > thread.peak:
            thread = replace(thread, peak=value, peak_minute=minute, peak_series=str(state.key.series))
    return thread


def _primary(states: list[AlertState]) -> AlertState:
    return max(states, key=lambda s: (s.latest.severity, s.severity, -s.opened, str(s.key)))


def _alert_notice(
    thread: Thread, states: list[AlertState], minute: int, rules: LifecycleRules
) -> tuple[Notification | None, Thread]:
    # What is true now decides: a rise that has already passed by the time the cooldown ends is not sent
    # (the recovery tells the peak).
    firing = [s for s in states if s.last_firing == minute]
    if not firing:
        return None, thread
    severity = max(s.latest.severity for s in firing)
    if not thread.announced:
        # Held: a low incident is announced once it has lasted hold_minutes and still fires.
        if severity <= rules.hold_severity and minute - thread.opened < rules.hold_minutes:
            return None, thread
        reason = "opened"
    elif severity > thread.severity and minute - thread.last_message >= rules.cooldown_minutes:
        reason = "escalated"
    else:
        spreading = [s for s in firing if s.latest.severity > rules.hold_severity and _spreads(s, thread, states)]
        if not spreading:
            return None, thread
        reason = "spread"
        firing = spreading
        severity = max(s.latest.severity for s in spreading)
    primary = _primary(firing)
    others = tuple(sorted(s.key.series for s in states if s is not primary))
    thread = replace(
        thread, announced=True, severity=max(severity, thread.severity), last_message=minute,
        messages=thread.messages + 1, rule=primary.latest.rule, headline=primary.key,
    )  # fmt: skip
    notice = Notification(
        ALERT, minute, primary.key, primary.latest.rule, severity, thread.opened, primary.latest, reason,
        thread.incident, others,
    )  # fmt: skip
    return notice, thread


def _spreads(state: AlertState, thread: Thread, states: list[AlertState]) -> bool:
    """A system-wide alert that joined the incident after it was last told, standing for none of the series the
    incident had before it: the incident is no longer local, which people must hear (a downstream drop or a
    burst's own series joining is not news; they are named in the recovery and the next message)."""
    if state.key.series.subsystem != ALL or state.opened <= max(thread.opened, thread.last_message):
        return False
    before = [s.key.series for s in states if s.opened < state.opened]
    return not any(covers(state.key.series, series) for series in before)


def _recovery(thread: Thread, last: list[AlertState], minute: int, current: Current | None) -> Notification:
    primary = _primary(last)
    key = thread.headline or primary.key
    now = current(key.series) if current is not None else None
    ended = max(s.last_firing for s in last)
    recovery = Recovery(
        current=None if now is None else now[0],
        expected=None if now is None else now[1],
        peak=thread.peak,
        peak_minute=thread.peak_minute,
        peak_series=thread.peak_series,
        duration_minutes=ended - thread.opened + 1,
    )
    others = tuple(sorted({s.key.series for s in last} - {key.series}))
    return Notification(
        RECOVERY, minute, key, thread.rule or primary.rule, thread.severity, thread.opened, primary.latest,
        "recovered",
        thread.incident, others, recovery,
    )  # fmt: skip


def group(notifications: Iterable[Notification]) -> list[Notification]:
    """Notifications of one run in the order people read them: alerts first, most severe first."""
    return sorted(notifications, key=lambda n: (n.kind != ALERT, -n.severity, str(n.key)))
