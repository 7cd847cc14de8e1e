"""Detection quality on the tuned and the held-out scenario sets, worst first (docs/ALERTS.md).

    python -m logwarden_tools.quality [--rules FILE] [--set tuned|heldout] ...

For each set: incidents found, false alerts per quiet day (all severities, and above low), alert messages per
incident (check runs that sent an alert message about it; its one recovery not counted), and per scenario the
delay, the highest severity and the messages, the slowest first. Benign windows list what they caused.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from logwarden.alerting.lifecycle import ALERT, Notification
from logwarden.detection.model import MINUTES_PER_DAY, SeriesKey, Severity
from logwarden.detection.rules import Rules, load_rules
from logwarden_tools.backtest import replay
from logwarden_tools.generate import heldout, scenarios

Scorer = Callable[[Iterable[Notification]], scenarios.Score]


def _sets() -> dict[str, tuple[Callable[[], dict[SeriesKey, dict[int, int]]], Scorer, Sequence[scenarios.Scenario]]]:
    return {
        "tuned": (scenarios.generate, scenarios.score, scenarios.SCENARIOS),
        "heldout": (heldout.heldout_table, heldout.score_heldout, heldout.SCENARIOS),
    }


def false_above_low(notifications: Sequence[Notification], score: scenarios.Score, name: str) -> int:
    """False alerts above low severity: the ones that would page someone."""
    chosen = _sets()[name][2]
    count = 0
    for n in notifications:
        if n.kind != ALERT or n.severity <= Severity.LOW:
            continue
        explained = any(
            s.must_alert and s.start <= n.minute <= s.end + scenarios.GRACE_MINUTES and scenarios.related(n, s, True)
            for s in chosen
        )
        count += not explained
    return count


def quality_report(rules: Rules, names: Sequence[str]) -> str:
    lines: list[str] = []
    for name in names:
        make, scorer, _ = _sets()[name]
        notifications = list(replay(make(), rules))
        score = scorer(notifications)
        incidents = score.must_alert
        above = false_above_low(notifications, score, name)
        lines += [
            f"## {name}",
            "",
            f"- incidents found: {sum(o.detected for o in incidents)}/{len(incidents)}",
            f"- false alerts per quiet day: {score.false_alerts_per_day:.2f} ({score.false_alerts} in "
            f"{score.quiet_days:.1f} days); above low: {above / score.quiet_days:.2f} ({above})",
            f"- alert messages per incident: {score.messages_per_incident:.2f} (plus one recovery each)",
            f"- alert messages above low in benign windows: {score.benign_above}",
            "",
            "| scenario | kind | delay | severity | alert messages | recoveries |",
            "|---|---|---|---|---|---|",
        ]
        ordered = sorted(
            score.outcomes,
            key=lambda o: (not o.scenario.must_alert, -(o.delay if o.delay is not None else MINUTES_PER_DAY)),
        )
        for o in ordered:
            if o.scenario.must_alert:
                delay = f"{o.delay} min" if o.detected else "missed"
            else:
                delay = "quiet" if o.max_severity is None else "(benign)"
            severity = o.max_severity.label if o.max_severity is not None else "-"
            lines.append(
                f"| {o.scenario.name} | {o.scenario.kind} | {delay} | {severity} | {o.messages} | {o.recoveries} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", type=Path, help="rules (TOML or JSON) merged into the shipped defaults")
    parser.add_argument("--set", dest="sets", action="append", choices=["tuned", "heldout"])
    args = parser.parse_args(argv)
    rules = load_rules(args.rules.read_text(encoding="utf-8") if args.rules else None)
    print(quality_report(rules, args.sets or ["heldout", "tuned"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
