"""The backtest's HTML page as data and as markup: what it shows, and that it needs nothing from outside."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from logwarden_tools.cli import main as cli
from logwarden_tools.generate.scenarios import write_csv
from logwarden_tools.report.html import Page, render, report_data
from tests.unit.report_helpers import FLOOD_AT, ORDERS, OUTAGE_AT, PRICES, backtest


@pytest.fixture(scope="module")
def data() -> dict[str, object]:
    table, rules, notifications = backtest()
    return report_data(table, rules, notifications, Page("test", "two incidents"))


def test_incidents_and_their_series_are_charted_with_markers(data: dict[str, object]) -> None:
    charts = data["charts"]
    assert isinstance(charts, list)
    by_series = {c["series"]: c for c in charts}
    # THEN the flooded and the silent series are shown, each with an alert and a recovery marker
    for key, at in ((ORDERS, FLOOD_AT), (PRICES, OUTAGE_AT)):
        chart = by_series[" / ".join((key.subsystem, key.event, key.level))]
        kinds = [m["kind"] for m in chart["markers"] if m["primary"]]
        assert kinds == ["alert", "recovery"]
        assert min(m["t"] for m in chart["markers"]) >= at * 60
        assert len(chart["x"]) == len(chart["observed"]) == len(chart["expected"]) == len(chart["high"])
        with_band = [(lo, e, hi) for lo, e, hi in zip(chart["low"], chart["expected"], chart["high"], strict=True) if e]
        assert with_band and all(lo <= e <= hi for lo, e, hi in with_band)


def test_each_incident_thread_lists_its_messages_and_has_a_close_up(data: dict[str, object]) -> None:
    incidents = data["incidents"]
    assert isinstance(incidents, list) and len(incidents) == 2
    for incident in incidents:
        assert [m["kind"] for m in incident["messages"]] == ["alert", "recovery"]
        assert "now:" in incident["messages"][-1]["text"] and "peak:" in incident["messages"][-1]["text"]
        assert incident["chart"]["markers"]


def test_page_is_self_contained(data: dict[str, object]) -> None:
    page = render(data)
    assert "<link" not in page and not re.search(r"<script[^>]+src=", page) and "@import" not in page
    assert not re.search(r"url\(\s*['\"]?https?:", page)
    assert "uPlot" in page and 'id="report-status"' in page
    # The data block parses back to what was rendered, and cannot close its own script element.
    block = page.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(block)["totals"] == data["totals"]


def test_backtest_command_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table, _, _ = backtest()
    counts, out, page = tmp_path / "counts.csv", tmp_path / "out.jsonl", tmp_path / "report.html"
    with counts.open("w") as stream:
        write_csv(table, stream.write)
    rules = tmp_path / "rules.toml"
    rules.write_text("[baseline]\nweekend_days = []\n")
    assert (
        cli(["backtest", "--counts", str(counts), "--out", str(out), "--rules", str(rules), "--html", str(page)]) == 0
    )
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len({line["incident"] for line in lines}) == 2
    assert "<!DOCTYPE html>" in page.read_text() and "report with" in capsys.readouterr().err
