"""The backtest's page in a real headless Chromium: it renders, raises no script error, draws its markers.

Chromium comes from the Debian package (scripts/install-chromium.sh, run by `make test`). Without it the test
is skipped with the reason, except in CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from logwarden_tools.report.html import Page, write_report
from tests.unit.report_helpers import backtest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    reason = "no headless Chromium (install the Debian package `chromium`, or run scripts/install-chromium.sh)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "; in CI the browser test must run")
    pytest.skip(reason)


def rendered_dom(page: Path, tmp_path: Path) -> str:
    command = [
        browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom", page.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_page_renders_in_chromium_with_markers_and_no_script_error(tmp_path: Path) -> None:
    # GIVEN the page of a backtest with two incidents (an order flood, an outage of prices)
    table, rules, notifications = backtest()
    page = tmp_path / "report.html"
    data = write_report(str(page), table, rules, notifications, Page("browser test", "two incidents"))
    # WHEN Chromium loads it from disk and runs its scripts
    dom = rendered_dom(page, tmp_path)
    # THEN no script error was recorded, every chart has a canvas, and the markers were drawn
    errors = re.search(r'<pre id="report-errors">(.*?)</pre>', dom, re.S)
    assert errors is not None and errors.group(1).strip() == ""
    status = re.search(r'<span id="report-status"([^>]*)>([^<]*)</span>', dom)
    assert status is not None and status.group(2) == "rendered"
    attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', status.group(1)))
    charts = len(data["charts"]) + sum(1 for i in data["incidents"] if "chart" in i)
    assert int(attributes["charts"]) == charts and dom.count("<canvas") >= charts
    assert int(attributes["alert-markers"]) >= 2 and int(attributes["recovery-markers"]) >= 2
    assert int(attributes["incidents"]) == 2
    assert dom.count('class="message alert"') == 2 and dom.count('class="message recovery"') == 2
