"""Top-K event kinds per subsystem and level; the rest evaluated together as "other", with a warning."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from detect_helpers import START, Table, flat_table

from logwarden.alerting.check import AnomalyCheck
from logwarden.alerting.messages import AlertMessage, MessageContext
from logwarden.alerting.state import MemoryAlertStore
from logwarden.detection.counts import OTHER_EVENT, FoldedView, MinuteTable
from logwarden.detection.model import MINUTES_PER_DAY, SeriesKey
from logwarden.detection.rules import load_rules
from logwarden.detection.span import FetchSpan
from logwarden_tools.cli import main as cli
from logwarden_tools.generate.scenarios import write_csv


def many_kinds(kinds: int = 8) -> Table:
    # kind_0 is the busiest, kind_7 the quietest: ranking is by volume, not by name
    return flat_table({SeriesKey("shop", f"kind_{i}", "INFO"): kinds - i for i in range(kinds)}, days=4)


def test_the_quietest_kinds_fold_into_other_and_their_counts_add_up() -> None:
    table = MinuteTable(many_kinds())
    table.now = START + 3 * MINUTES_PER_DAY
    view = FoldedView(table, limit=5)
    keys = list(view.series())
    other = SeriesKey("shop", OTHER_EVENT, "INFO")
    assert [k.event for k in keys if k.event.startswith("kind_")] == [f"kind_{i}" for i in range(5)]
    assert other in keys and SeriesKey("shop", "any", "INFO") in keys
    assert sorted(k.event for k in view.folded) == ["kind_5", "kind_6", "kind_7"]
    now = table.now
    assert view.minute_sum(other, now - 9, now) == 10 * (3 + 2 + 1)
    assert view.hour_count(other, now // 60 - 1) == 60 * 6
    assert not view.is_derived(other)


def test_under_the_limit_nothing_changes() -> None:
    table = MinuteTable(many_kinds(3))
    table.now = START + 3 * MINUTES_PER_DAY
    view = FoldedView(table, limit=5)
    assert list(view.series()) == list(table.series()) and view.folded == []


class Recorder:
    def __init__(self) -> None:
        self.sent: list[AlertMessage] = []

    def publish(self, message: AlertMessage) -> str:
        self.sent.append(message)
        return "id"


class TableSource:
    def __init__(self, table: Table) -> None:
        self._table = MinuteTable(table)

    def fetch(self, span: FetchSpan) -> MinuteTable:
        self._table.now = span.now
        return self._table


def test_the_check_reports_and_warns_when_series_are_folded(caplog: pytest.LogCaptureFixture) -> None:
    rules = load_rules("[baseline]\nweekend_days = []\n[series]\nmax_events_per_subsystem = 5\n")
    check = AnomalyCheck(
        TableSource(many_kinds()), MemoryAlertStore(), Recorder(), rules, MessageContext("test", None, "logs", {})
    )
    now = dt.datetime.fromtimestamp((START + 3 * MINUTES_PER_DAY + 3) * 60, tz=dt.UTC)
    with caplog.at_level(logging.WARNING):
        report = check.run(now)
    assert report.summary()["folded_series"] == 3
    assert any("folded" in record.getMessage() for record in caplog.records)


def test_backtest_warns_about_folding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    counts, rules = tmp_path / "c.csv", tmp_path / "r.toml"
    with counts.open("w") as stream:
        write_csv({k: {m: c for m, c in v.items() if m < START + MINUTES_PER_DAY // 4} for k, v in many_kinds().items()},
                  stream.write)  # fmt: skip
    rules.write_text("[series]\nmax_events_per_subsystem = 5\n")
    assert cli(["backtest", "--counts", str(counts), "--out", str(tmp_path / "o"), "--rules", str(rules)]) == 0
    assert "3 event kinds were evaluated together as 'other'" in capsys.readouterr().err
