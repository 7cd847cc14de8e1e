"""Draw docs/alerts-report.png: the backtest page of the held-out scenario set, as headless Chromium shows it.

    PYTHONPATH=layers/logwarden:tools .venv/bin/python scripts/alerts_picture.py [--days 16] [--out FILE.png]

The page is the one `logwarden backtest --html` writes (the first ``--days`` days of the held-out set, replayed
through the shipped rules); the picture is its top, where the incident threads and their close-ups are. Needs
Chromium (scripts/install-chromium.sh).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from logwarden.detection.model import MINUTES_PER_DAY
from logwarden.detection.rules import load_rules
from logwarden_tools.backtest import replay
from logwarden_tools.generate import heldout
from logwarden_tools.report.html import Page, write_report

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=16, help="days of the held-out timeline to replay")
    parser.add_argument("--out", type=Path, default=Path("docs/alerts-report.png"))
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1800)
    args = parser.parse_args(argv)
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    if browser is None:
        print("alerts_picture: no Chromium; run scripts/install-chromium.sh", file=sys.stderr)
        return 2
    table = heldout.heldout_table()
    first = min(min(points) for points in table.values() if points)
    end = first + args.days * MINUTES_PER_DAY
    table = {key: {m: c for m, c in points.items() if m < end} for key, points in table.items()}
    rules = load_rules("")
    notifications = list(replay(table, rules))
    subtitle = f"held-out scenario set, first {args.days} days, shipped rules"
    with tempfile.TemporaryDirectory() as work:
        page = Path(work) / "report.html"
        write_report(str(page), table, rules, notifications, Page("logwarden backtest", subtitle))
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--hide-scrollbars", f"--user-data-dir={Path(work) / 'profile'}", "--virtual-time-budget=20000",
            f"--window-size={args.width},{args.height}", f"--screenshot={args.out.resolve()}", page.as_uri(),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    if done.returncode != 0 or not args.out.exists():
        print(done.stderr[-2000:], file=sys.stderr)
        return 1
    print(f"alerts_picture: {len(notifications)} notifications, wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
