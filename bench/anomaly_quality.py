"""Detection quality on the labelled scenarios: logwarden's rules next to two simple baselines, both
run through the same alert lifecycle (cooldown, recovery) so only detection differs.

- static: ERROR > 100 in a minute, per series and per subsystem total (the seed's rule);
- mean+3σ: the count above the mean + 3 standard deviations of the previous 60 minutes of the series.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from logwarden.alerting.lifecycle import Notification, step
from logwarden.detection.counts import MinuteTable
from logwarden.detection.detectors import Finding
from logwarden.detection.model import Severity
from logwarden.detection.rules import load_rules
from logwarden_tools.backtest import replay
from logwarden_tools.generate import scenarios

Detector = Callable[[MinuteTable], list[Finding]]


def static_errors(view: MinuteTable) -> list[Finding]:
    now = view.now
    return [
        Finding("static", key, now, Severity.HIGH, count, 100, 1)
        for key in view.series()
        if key.level in ("ERROR", "FATAL") and (count := view.minute_sum(key, now, now)) > 100
    ]


def mean_three_sigma(view: MinuteTable, window: int = 60) -> list[Finding]:
    now = view.now
    found = []
    for key in view.series():
        if view.is_derived(key):
            continue
        counts = [view.minute_sum(key, m, m) for m in range(now - window, now)]
        mean = sum(counts) / window
        sigma = math.sqrt(sum((c - mean) ** 2 for c in counts) / window)
        observed = view.minute_sum(key, now, now)
        if observed > mean + 3 * sigma and observed > 0:
            found.append(Finding("mean3sigma", key, now, Severity.MEDIUM, observed, mean, window))
    return found


def run_baseline(table: dict, detector: Detector) -> Iterator[Notification]:  # type: ignore[type-arg]
    rules = load_rules()
    view = MinuteTable(table)
    states: dict = {}  # type: ignore[type-arg]
    first_evaluated = scenarios.START + 3 * 1440
    for minute in range(first_evaluated, view.end + 1):
        view.now = minute
        for transition in step(states, detector(view), minute, rules.lifecycle):
            if transition.after is None:
                states.pop(transition.key, None)
            else:
                states[transition.key] = transition.after
            if transition.notification is not None:
                yield transition.notification


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def quality_table() -> str:
    table = scenarios.generate()
    results = {
        "logwarden rules": scenarios.score(replay(table, load_rules())),
        "static ERROR > 100/min": scenarios.score(run_baseline(table, static_errors), any_rule=True),
        "rolling mean + 3σ (60 min)": scenarios.score(run_baseline(table, mean_three_sigma), any_rule=True),
    }
    fast = ["spike", "flood", "error_burst", "broker_storm"]
    slow = ["silence", "partial_drop"]
    lines = [
        "| detector | recall | false alerts/day | median delay, spikes & bursts | median delay, drops & silences "
        "| worst severity in benign windows |",
        "|---|---|---|---|---|---|",
    ]
    for name, score in results.items():
        incidents = score.must_alert
        benign = score.benign_max_severity
        lines.append(
            f"| {name} | {sum(o.detected for o in incidents)}/{len(incidents)} | {score.false_alerts_per_day:.2f} "
            f"| {_fmt(score.median_delay(fast))} min | {_fmt(score.median_delay(slow))} min "
            f"| {benign.label if benign is not None else 'none'} |"
        )
    lines += ["", "| scenario | kind | " + " | ".join(results) + " |", "|---|---|" + "---|" * len(results)]
    for i, scenario in enumerate(scenarios.SCENARIOS):
        cells = []
        for score in results.values():
            outcome = score.outcomes[i]
            if scenario.must_alert:
                cells.append(f"{outcome.delay} min" if outcome.detected else "missed")
            else:
                cells.append(outcome.max_severity.label if outcome.max_severity is not None else "quiet")
        lines.append(f"| {scenario.name} | {scenario.kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
