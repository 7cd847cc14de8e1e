"""The backtest page: data gathered in Python, drawn by uPlot in the browser, nothing fetched.

``report_data`` turns a count table, the rules and the notifications of a replay into plain JSON-ready data;
``render`` inlines that data, uPlot's script and stylesheet and a small drawing script into one HTML page.
The page records every script error in ``#report-errors`` and sets ``#report-status`` to ``rendered`` with
the number of charts and markers drawn, so a headless browser can prove it works.

Only series names (reduced to the safe label alphabet), counts and rule texts appear, as in the alerts.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

import orjson

from logwarden.alerting.lifecycle import ALERT, Notification
from logwarden.alerting.messages import MessageContext, notification_lines, rule_title, series_label
from logwarden.detection.baseline import SeasonalBaseline
from logwarden.detection.counts import MinuteTable
from logwarden.detection.model import SeriesKey, Severity, format_minute
from logwarden.detection.rules import Rules

MAX_POINTS: Final = 4000  # per series; longer spans are drawn in buckets of several minutes
MAX_SERIES: Final = 16
MAX_INCIDENT_CHARTS: Final = 60  # each incident gets a close-up of its main series, up to this many
INCIDENT_MARGIN_MINUTES: Final = 180
_BAND_SIGMAS: Final = 3.0


@dataclass(frozen=True, slots=True)
class Page:
    title: str
    subtitle: str


def _vendor(name: str) -> str:
    return resources.files("logwarden_tools.report").joinpath("vendor", name).read_text(encoding="utf-8")


def _own(name: str) -> str:
    return resources.files("logwarden_tools.report").joinpath(name).read_text(encoding="utf-8")


def _shown_series(table: MinuteTable, notifications: Sequence[Notification]) -> list[SeriesKey]:
    """Series that took part in an incident (most messages first), else the busiest few."""
    weight: dict[SeriesKey, int] = {}
    for notification in notifications:
        for key in (notification.key.series, *notification.related):
            if key in table.keys:
                weight[key] = weight.get(key, 0) + (2 if key == notification.key.series else 1)
    shown = sorted(weight, key=lambda k: (-weight[k], str(k)))
    if len(shown) < 4:
        busiest = sorted(table.keys, key=lambda k: -table.minute_sum(k, table.start, table.end))
        shown += [k for k in busiest if k not in shown][: 4 - len(shown)]
    return shown[:MAX_SERIES]


def _chart(
    table: MinuteTable, baseline: SeasonalBaseline, key: SeriesKey, first_minute: int, last_minute: int,
    notices: Sequence[Notification], max_points: int,
) -> dict[str, Any]:  # fmt: skip
    """One series between two minutes: observed and expected per minute, the band, and the markers."""
    span = max(last_minute - first_minute + 1, 1)
    step = max(1, math.ceil(span / max_points))
    starts = list(range(first_minute, last_minute + 1, step))
    observed: list[float | None] = []
    expected: list[float | None] = []
    low: list[float | None] = []
    high: list[float | None] = []
    for first in starts:
        last = min(first + step - 1, last_minute)
        width = last - first + 1
        observed.append(round(table.minute_sum(key, first, last) / width, 3))
        value = baseline.expected(key, first, last)
        if value is None:
            expected.append(None)
            low.append(None)
            high.append(None)
            continue
        # Poisson noise plus the robust day-to-day spread of the baseline, three sigmas either side.
        spread = _BAND_SIGMAS * math.sqrt(value + (baseline.dispersion(key, first) * value) ** 2)
        expected.append(round(value / width, 3))
        low.append(round(max(value - spread, 0.0) / width, 3))
        high.append(round((value + spread) / width, 3))
    markers = [
        {
            "t": n.minute * 60,
            "kind": n.kind,
            "severity": n.severity.label,
            "reason": n.reason,
            "incident": n.incident,
            "primary": n.key.series == key,
        }
        for n in notices
        if (n.key.series == key or key in n.related) and first_minute <= n.minute <= last_minute
    ]
    return {
        "series": series_label(key),
        "step": step,
        "x": [m * 60 for m in starts],
        "observed": observed,
        "expected": expected,
        "low": low,
        "high": high,
        "markers": markers,
    }


def report_data(
    rows: Mapping[SeriesKey, Mapping[int, int]], rules: Rules, notifications: Iterable[Notification], page: Page
) -> dict[str, Any]:
    notices = list(notifications)
    table = MinuteTable(rows)
    table.now = table.end  # the baseline of an hour reads only earlier days, so this looks nothing ahead
    baseline = SeasonalBaseline(table, rules.baseline)
    charts = [
        _chart(table, baseline, key, table.start, table.end, notices, MAX_POINTS)
        for key in _shown_series(table, notices)
    ]
    threads = incident_threads(notices, rules)
    for thread in threads[:MAX_INCIDENT_CHARTS]:
        mine = [n for n in notices if n.incident == thread["id"]]
        key = mine[0].key.series
        if key not in table.keys:
            continue
        first = max(table.start, min(n.opened for n in mine) - INCIDENT_MARGIN_MINUTES)
        last = min(table.end, max(n.minute for n in mine) + INCIDENT_MARGIN_MINUTES // 3)
        thread["chart"] = _chart(table, baseline, key, first, last, mine, 1500)
    return {
        "title": page.title,
        "subtitle": page.subtitle,
        "from": format_minute(table.start),
        "to": format_minute(table.end),
        "charts": charts,
        "incidents": threads,
        "totals": {
            "incidents": len(threads),
            "alert_messages": sum(n.kind == ALERT for n in notices),
            "recoveries": sum(n.kind != ALERT for n in notices),
        },
    }


def incident_threads(notifications: Sequence[Notification], rules: Rules) -> list[dict[str, Any]]:
    """Each incident with its messages, in the order they were sent, the text as people read it; the most
    severe incidents first."""
    context = MessageContext("backtest", None, "logs", rules.runbook)
    threads: dict[str, dict[str, Any]] = {}
    for n in notifications:
        thread = threads.setdefault(
            n.incident,
            {"id": n.incident, "opened": format_minute(n.opened), "title": "", "severity": n.severity.label,
             "series": series_label(n.key.series), "messages": []},
        )  # fmt: skip
        if n.kind == ALERT:
            thread["severity"] = n.severity.label
            thread["title"] = thread["title"] or f"{rule_title(n.rule)}: {series_label(n.key.series)}"
        thread["messages"].append(
            {
                "minute": format_minute(n.minute),
                "kind": n.kind,
                "reason": n.reason,
                "severity": n.severity.label,
                "text": "\n".join(notification_lines(n, context)),
            }
        )
    # Most severe first, then in time: what a person reviewing a replay looks at first.
    rank = {s.label: int(s) for s in Severity}
    return sorted(threads.values(), key=lambda t: (-rank[t["severity"]], t["opened"]))


def _json_for_script(value: Any) -> str:
    # Inside <script>, "</" could close the element; JSON allows the escaped form.
    return orjson.dumps(value).decode().replace("</", "<\\/")


def render(data: Mapping[str, Any]) -> str:
    totals = data["totals"]
    title = html.escape(str(data["title"]))
    subtitle = html.escape(str(data["subtitle"]))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{_vendor("uPlot.min.css")}</style>
<style>{_own("page.css")}</style>
</head><body>
<pre id="report-errors"></pre>
<script>window.onerror = function (message, source, line) {{
  document.getElementById("report-errors").textContent += "onerror: " + message + " (line " + line + ")\\n";
}};</script>
<h1>{title}</h1>
<div class="sub">{subtitle} &middot; {html.escape(str(data["from"]))} to {html.escape(str(data["to"]))} (UTC)</div>
<div class="totals"><span><b>{totals["incidents"]}</b> incidents</span><span><b>{totals["alert_messages"]}</b> alert
messages</span><span><b>{totals["recoveries"]}</b> recoveries</span><span id="report-status">not rendered</span></div>
<div class="legend"><span class="legend-key" style="background:#0969da"></span>observed
<span class="legend-key" style="background:#57606a"></span>expected (dashed) and band
<span class="legend-key" style="background:#d93f0b"></span>alert (triangle, colour by severity)
<span class="legend-key" style="background:#1a7f37"></span>recovery (dot, dashed line)</div>
<h2>Incident threads</h2>
<div id="incidents"></div>
<h2>Series over the whole replay</h2>
<div id="charts"></div>
<script type="application/json" id="report-data">{_json_for_script(data)}</script>
<script>{_vendor("uPlot.iife.min.js")}</script>
<script>{_own("page.js")}</script>
</body></html>
"""


def write_report(
    path: str, rows: Mapping[SeriesKey, Mapping[int, int]], rules: Rules, notifications: Iterable[Notification],
    page: Page,
) -> dict[str, Any]:  # fmt: skip
    """Write the page to ``path``; returns its data (for a summary line)."""
    data = report_data(rows, rules, notifications, page)
    with open(path, "w", encoding="utf-8") as out:
        out.write(render(data))
    return data
