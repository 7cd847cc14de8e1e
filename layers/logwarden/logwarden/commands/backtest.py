"""``logwarden backtest``: replay a per-minute count table through the anomaly rules."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from logwarden.detect.backtest import CountsFormatError, run_backtest
from logwarden.detect.rules import RulesError, load_rules


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="logwarden backtest",
        description=(
            "Replay a per-minute count table (CSV: minute,subsystem,event,level,count) minute by minute "
            "through the same detectors and alert lifecycle as the anomaly check; write one JSON line "
            "per notification."
        ),
    )
    parser.add_argument("--counts", required=True, type=Path, help="the count table (CSV)")
    parser.add_argument("--out", required=True, type=Path, help="where to write the notifications (JSON lines)")
    parser.add_argument("--rules", type=Path, help="rules (TOML or JSON) merged into the shipped defaults")
    args = parser.parse_args(argv)
    try:
        rules = load_rules(args.rules.read_text(encoding="utf-8") if args.rules else None)
        with args.counts.open(encoding="utf-8", newline="") as counts, args.out.open("wb") as out:
            written = run_backtest(counts, out, rules)
    except (RulesError, CountsFormatError, OSError) as exc:
        print(f"logwarden backtest: {exc}", file=sys.stderr)
        return 2
    print(f"{written} notifications written to {args.out}", file=sys.stderr)
    return 0
