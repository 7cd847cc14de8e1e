"""``logwarden backtest``: replay a per-minute count table through the anomaly rules, or export such a
table from OpenSearch (``logwarden backtest export``)."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

from logwarden.detection.rules import RulesError, load_rules
from logwarden_tools.backtest import (
    CSV_HEADER,
    CountsFormatError,
    ReplayStats,
    notification_line,
    read_counts,
    replay,
)


def main(argv: list[str]) -> int:
    if argv[:1] == ["export"]:
        return export(argv[1:])
    parser = argparse.ArgumentParser(
        prog="logwarden backtest",
        description=(
            "Replay a per-minute count table (CSV: minute,subsystem,event,level,count) minute by minute "
            "through the same detectors and alert lifecycle as the anomaly check; write one JSON line "
            "per notification. `logwarden backtest export --help` makes such a table from OpenSearch."
        ),
    )
    parser.add_argument("--counts", required=True, type=Path, help="the count table (CSV)")
    parser.add_argument("--out", required=True, type=Path, help="where to write the notifications (JSON lines)")
    parser.add_argument("--rules", type=Path, help="rules (TOML or JSON) merged into the shipped defaults")
    parser.add_argument(
        "--html",
        type=Path,
        help="also write a self-contained HTML page: per series observed counts, expected band, alert and "
        "recovery markers, and the incident threads with their messages (opens offline)",
    )
    args = parser.parse_args(argv)
    try:
        rules = load_rules(args.rules.read_text(encoding="utf-8") if args.rules else None)
        with args.counts.open(encoding="utf-8", newline="") as counts:
            rows = read_counts(counts)
        stats = ReplayStats()
        notifications = list(replay(rows, rules, stats))
        with args.out.open("wb") as out:
            for notification in notifications:
                out.write(notification_line(notification) + b"\n")
        if args.html is not None:
            from logwarden_tools.report.html import Page, write_report

            page = Page(
                "logwarden backtest", f"{args.counts.name}, rules: {args.rules.name if args.rules else 'defaults'}"
            )
            data = write_report(str(args.html), rows, rules, notifications, page)
    except (RulesError, CountsFormatError, OSError) as exc:
        print(f"logwarden backtest: {exc}", file=sys.stderr)
        return 2
    if stats.folded:
        print(
            f"logwarden backtest: warning: up to {stats.folded} event kinds were evaluated together as 'other' "
            f"(more than {rules.max_events_per_subsystem} in a subsystem and level; [series] in the rules), "
            f"e.g. {', '.join(stats.folded_examples)}",
            file=sys.stderr,
        )
    incidents = len({n.incident for n in notifications})
    print(f"{len(notifications)} notifications ({incidents} incidents) written to {args.out}", file=sys.stderr)
    if args.html is not None:
        print(f"report with {len(data['charts'])} series written to {args.html}", file=sys.stderr)
    return 0


def export(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="logwarden backtest export",
        description=(
            "Export per-minute counts by subsystem, event kind and level from the data streams <prefix>-* "
            "for a time range, as the CSV `logwarden backtest --counts` reads. The cluster comes from "
            "LOGWARDEN_OPENSEARCH_ENDPOINT or OPENSEARCH_URL (plus OPENSEARCH_USERNAME/PASSWORD/CA_CERTS)."
        ),
    )
    parser.add_argument("--from", dest="start", required=True, help="first minute, ISO-8601 UTC")
    parser.add_argument("--to", dest="end", required=True, help="end of the range (exclusive), ISO-8601 UTC")
    parser.add_argument("--counts", required=True, type=Path, help="the CSV to write")
    parser.add_argument(
        "--index-prefix", default=None, help="data stream prefix (default LOGWARDEN_INDEX_PREFIX or logs)"
    )
    args = parser.parse_args(argv)

    from logwarden.config import _Reader, opensearch_settings
    from logwarden.detection.model import format_minute, parse_minute
    from logwarden.detection.opensearch import CountsUnavailableError, export_counts
    from logwarden.errors import ConfigurationError
    from logwarden.sink.client import build_client

    reader = _Reader(os.environ)
    settings = opensearch_settings(reader)
    prefix = args.index_prefix or reader.text("LOGWARDEN_INDEX_PREFIX") or "logs"
    try:
        first, end = parse_minute(args.start), parse_minute(args.end)
    except ValueError as exc:
        reader.problems.append(f"bad time: {exc}")
        first = end = 0
    if reader.problems or settings is None:
        print(f"logwarden backtest export: {ConfigurationError(reader.problems)}", file=sys.stderr)
        return 2
    rows = 0
    try:
        with args.counts.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(CSV_HEADER)
            for minute, key, count in export_counts(build_client(settings), prefix, first, end):
                writer.writerow((format_minute(minute), key.subsystem, key.event, key.level, count))
                rows += 1
    except (CountsUnavailableError, OSError) as exc:
        print(f"logwarden backtest export: {exc}", file=sys.stderr)
        return 1
    print(f"{rows} rows written to {args.counts}", file=sys.stderr)
    return 0
