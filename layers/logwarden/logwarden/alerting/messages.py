"""What people and machines receive: one message per check run, grouping its notifications.

Only series names, counts and rule texts ever appear: no document, no log line, no identifier from a
log. Labels taken from the data (subsystem, event kind, level) are reduced to a safe alphabet first, so
even a service that writes an e-mail address into ``event.action`` cannot leak it into an alert.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson

from logwarden import schema
from logwarden.alerting.lifecycle import ALERT, Notification
from logwarden.detection.model import ALL, ANY_EVENT, NO_EVENT, SeriesKey, format_minute

SUBJECT_LIMIT: Final = 99
MAX_ITEMS: Final = 40  # SNS messages are capped at 256 KB; a storm of alerts is summarised beyond this
_SAFE_LABEL: Final = re.compile(r"^[A-Za-z0-9_.:*-]{1,64}$")
_LOOKBACK_MINUTES: Final = 60

RULE_TITLES: Final[Mapping[str, str]] = {
    "rate_spike": "rate far above normal",
    "drop": "stream dropped",
    "ramp": "slow rise",
    "decline": "slow decline",
    "mq_storm": "RabbitMQ connection-error storm",
    "silence": "no logs at all",
    "error_threshold": "errors above threshold",
    "broker_down": "broker node down or alarmed",
    "check_failed": "anomaly check could not run",
}


def safe_label(value: str) -> str:
    return value if _SAFE_LABEL.match(value) else "(unprintable)"


def rule_title(rule: str) -> str:
    return RULE_TITLES.get(rule, rule.replace("_", " "))


@dataclass(frozen=True, slots=True)
class MessageContext:
    environment: str  # stage or stack name, shown in the subject
    dashboards_url: str | None  # OpenSearch Dashboards base URL, e.g. https://search-x.../_dashboards
    index_prefix: str
    runbook: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class AlertMessage:
    subject: str
    text: str
    document: dict[str, Any]
    attributes: dict[str, Any]  # SNS MessageAttributes


def where(notification: Notification) -> str:
    return series_label(notification.key.series)


def dashboards_link(notification: Notification, context: MessageContext) -> str | None:
    """A Discover view of the series around the alert: same index pattern, same filters, same time."""
    if not context.dashboards_url:
        return None
    series = notification.key.series
    clauses = []
    if series.subsystem != ALL:
        clauses.append(f'{schema.SUBSYSTEM}:"{safe_label(series.subsystem)}"')
    if series.event not in (ANY_EVENT, NO_EVENT, ALL) and "*" not in series.event:
        clauses.append(f'{schema.EVENT_KIND}:"{safe_label(series.event)}"')
    elif series.event == "mq_*":
        clauses.append(f"{schema.EVENT_KIND}:mq_*")
    if series.level != ALL:
        clauses.append(f'{schema.LEVEL}:"{safe_label(series.level)}"')
    start = format_minute(min(notification.opened, notification.minute) - _LOOKBACK_MINUTES)
    end = format_minute(notification.minute + 5)
    query = " and ".join(clauses) or "*"
    global_state = f"(time:(from:'{start}',to:'{end}'))"
    app_state = f"(query:(language:kuery,query:'{query}'))"
    params = urllib.parse.urlencode({"_g": global_state, "_a": app_state}, safe="():,'*", quote_via=urllib.parse.quote)
    return f"{context.dashboards_url.rstrip('/')}/app/data-explorer/discover#?{params}"


def _numbers(notification: Notification) -> str:
    finding = notification.finding
    window = f"{finding.window_minutes} min"
    if finding.rule in ("error_threshold", "broker_down"):
        return f"{finding.observed:.0f} in the last minute, threshold {finding.expected:.0f}"
    if finding.rule == "check_failed":
        return finding.note
    return f"{finding.observed:.0f} in the last {window}, expected about {finding.expected:.1f}"


def series_label(series: SeriesKey) -> str:
    parts = [safe_label(series.subsystem) if series.subsystem != ALL else "all subsystems"]
    if series.event not in (ANY_EVENT, NO_EVENT, ALL):
        parts.append(safe_label(series.event))
    if series.level != ALL:
        parts.append(safe_label(series.level))
    return " / ".join(parts)


def _rate(value: float) -> str:
    return f"{value:.0f}/min" if value >= 10 else f"{value:.1f}/min"


def recovery_lines(notification: Notification) -> list[str]:
    """Where the series is now, how bad the incident got, how long it lasted: never the alert minute's values."""
    recovery = notification.recovery
    if recovery is None:
        return [f"  back to normal at {format_minute(notification.minute)}"]
    lines = []
    if recovery.current is not None:
        expected = "" if recovery.expected is None else f", expected about {_rate(recovery.expected)}"
        lines.append(f"  now: {_rate(recovery.current)} over the last 5 min{expected}")
    if recovery.peak_series:
        peak_series = "/".join(safe_label(part) for part in recovery.peak_series.split("/"))
        lines.append(f"  peak: {_rate(recovery.peak)} at {format_minute(recovery.peak_minute)} ({peak_series})")
    lines.append(
        f"  lasted {recovery.duration_minutes} min (from {format_minute(notification.opened)}), "
        f"quiet since; closed at {format_minute(notification.minute)}"
    )
    return lines


def related_labels(notification: Notification) -> list[str]:
    """The other series of the incident, each once (a series can carry two alerts: its rise and its threshold),
    never the one the notification is about."""
    own = series_label(notification.key.series)
    return [label for label in dict.fromkeys(series_label(s) for s in notification.related) if label != own]


def notification_lines(notification: Notification, context: MessageContext) -> list[str]:
    head = notification.severity.label.upper()
    if notification.kind == ALERT:
        lines = [f"[{head}] {rule_title(notification.rule)}: {where(notification)}"]
        lines.append(f"  observed: {_numbers(notification)}")
        if notification.finding.note and notification.rule not in ("check_failed",):
            lines.append(f"  detail: {notification.finding.note}")
        lines.append(f"  since: {format_minute(notification.opened)} ({notification.reason})")
    else:
        lines = [f"[RESOLVED] {rule_title(notification.rule)}: {where(notification)}"]
        lines += recovery_lines(notification)
    related = related_labels(notification)
    if related:
        shown = ", ".join(related[:8])
        more = f" and {len(related) - 8} more" if len(related) > 8 else ""
        lines.append(f"  related: {shown}{more}")
    link = dashboards_link(notification, context)
    if link and notification.rule != "check_failed":
        lines.append(f"  view: {link}")
    hint = context.runbook.get(notification.rule)
    if hint and notification.kind == ALERT:
        lines.append(f"  runbook: {hint}")
    return lines


def _subject(items: Sequence[Notification], context: MessageContext) -> str:
    first = items[0]
    if first.kind == ALERT:
        head = f"[{first.severity.label.upper()}] {rule_title(first.rule)}: {where(first)}"
    else:
        head = f"[RESOLVED] {rule_title(first.rule)}: {where(first)}"
    more = f" (+{len(items) - 1} more)" if len(items) > 1 else ""
    subject = f"logwarden {safe_label(context.environment)}: {head}"
    if len(subject) + len(more) > SUBJECT_LIMIT:
        subject = subject[: SUBJECT_LIMIT - len(more) - 3] + "..."
    # SNS subjects must be printable ASCII without line breaks.
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in subject + more)


def notification_document(notification: Notification, context: MessageContext) -> dict[str, Any]:
    """One notification as JSON. For a recovery, ``observed``/``expected`` are the values now (per minute over
    the last 5 minutes), never those of the alert minute; ``recovery`` adds the peak and the duration."""
    series = notification.key.series
    finding = notification.finding
    observed, expected, window = finding.observed, finding.expected, finding.window_minutes
    recovery = notification.recovery
    extra: dict[str, Any] = {}
    if recovery is not None:
        observed = round(recovery.current * 5, 3) if recovery.current is not None else 0
        expected = recovery.expected * 5 if recovery.expected is not None else 0.0
        window = 5
        extra["recovery"] = {
            "current_per_minute": recovery.current,
            "expected_per_minute": None if recovery.expected is None else round(recovery.expected, 3),
            "peak_per_minute": recovery.peak,
            "peak_minute": format_minute(recovery.peak_minute) if recovery.peak_series else None,
            "peak_series": "/".join(safe_label(part) for part in recovery.peak_series.split("/")),
            "duration_minutes": recovery.duration_minutes,
        }
    return extra | {
        "kind": notification.kind,
        "severity": notification.severity.label,
        "rule": notification.rule,
        "title": rule_title(notification.rule),
        "subsystem": safe_label(series.subsystem),
        "event": safe_label(series.event),
        "level": safe_label(series.level),
        "minute": format_minute(notification.minute),
        "opened": format_minute(notification.opened),
        "reason": notification.reason,
        "observed": observed,
        "expected": round(expected, 3),
        "window_minutes": window,
        "incident": notification.incident,
        "related": related_labels(notification),
        "detail": finding.note if finding.rule != "check_failed" and recovery is None else "",
        "dashboards_url": dashboards_link(notification, context),
        "runbook": context.runbook.get(notification.rule),
    }


def build_message(notifications: Sequence[Notification], context: MessageContext) -> AlertMessage:
    """One message for the notifications of one run, alerts first and most severe first."""
    if not notifications:
        raise ValueError("nothing to send")
    shown = list(notifications[:MAX_ITEMS])
    text_lines = [f"logwarden anomaly check ({context.environment})", ""]
    for notification in shown:
        text_lines += notification_lines(notification, context)
        text_lines.append("")
    if len(notifications) > MAX_ITEMS:
        text_lines.append(f"... and {len(notifications) - MAX_ITEMS} more; see the JSON form or Dashboards.")
    alerts = [n for n in notifications if n.kind == ALERT]
    severity = max(n.severity for n in alerts or notifications)
    kinds = sorted({n.kind for n in notifications})
    subsystems = sorted({safe_label(n.key.series.subsystem) for n in notifications})
    rules = sorted({n.rule for n in notifications})
    document = {
        "source": "logwarden",
        "environment": context.environment,
        "severity": severity.label,
        "kind": "alert" if "alert" in kinds else "recovery",
        "notifications": [notification_document(n, context) for n in shown],
        "omitted": max(len(notifications) - MAX_ITEMS, 0),
    }
    attributes = {
        "severity": {"DataType": "String", "StringValue": severity.label},
        "severity_rank": {"DataType": "Number", "StringValue": str(int(severity))},
        "kind": {"DataType": "String", "StringValue": document["kind"]},
        "subsystem": _string_array(subsystems),
        "rule": _string_array(rules),
    }
    return AlertMessage(_subject(notifications, context), "\n".join(text_lines).rstrip() + "\n", document, attributes)


def _string_array(values: Sequence[str]) -> dict[str, str]:
    return {"DataType": "String.Array", "StringValue": orjson.dumps(list(values)).decode()}
