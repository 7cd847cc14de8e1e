from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from detect_helpers import START, Table, overwrite

from logwarden.detection.model import MINUTES_PER_DAY, SeriesKey, format_minute
from logwarden_tools.backtest import CountsFormatError, read_counts
from logwarden_tools.cli import main as cli
from logwarden_tools.generate.scenarios import write_csv

ORDERS_ANY = SeriesKey("shop", "any", "INFO")


def test_rows_are_summed_and_levels_canonical() -> None:
    text = (
        "minute,subsystem,event,level,count\n"
        "2025-02-03T00:00:00Z,shop,any,Error,2\n"
        "2025-02-03T00:00:30Z,shop,any,ERROR,3\n"
    )
    assert read_counts(io.StringIO(text)) == {SeriesKey("shop", "any", "ERROR"): {START: 5}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("minute,count\n", "header"),
        ("minute,subsystem,event,level,count\nyesterday,shop,any,INFO,1\n", "line 2: bad minute"),
        ("minute,subsystem,event,level,count\n2025-02-03T00:00:00Z,shop,any,INFO,many\n", "line 2: bad count"),
        ("minute,subsystem,event,level,count\n2025-02-03T00:00:00Z,shop,INFO,1\n", "line 2: expected 5 fields"),
    ],
)
def test_malformed_tables_are_refused_with_the_line(text: str, message: str) -> None:
    with pytest.raises(CountsFormatError, match=message):
        read_counts(io.StringIO(text))


def test_cli_writes_one_json_line_per_notification_in_the_documented_shape(
    system: Table, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a week of flat traffic, then a flood of orders for five minutes (explicit `any` rows)
    flood_at = START + 7 * MINUTES_PER_DAY + 600
    table: Table = {ORDERS_ANY if k.subsystem == "shop" and k.level == "INFO" else k: {} for k in system}
    for key, points in system.items():
        target = ORDERS_ANY if key.subsystem == "shop" and key.level == "INFO" else key
        for minute, count in points.items():
            table[target][minute] = table[target].get(minute, 0) + count
    overwrite(table, ORDERS_ANY, flood_at, flood_at + 4, 600_000)
    counts, out = tmp_path / "counts.csv", tmp_path / "out.jsonl"
    with counts.open("w") as stream:
        write_csv({k: {m: c for m, c in v.items() if m <= flood_at + 60} for k, v in table.items()}, stream.write)
    rules = tmp_path / "rules.toml"
    rules.write_text("[baseline]\nweekend_days = []\n")
    # WHEN the backtest replays it
    assert cli(["backtest", "--counts", str(counts), "--out", str(out), "--rules", str(rules)]) == 0
    # THEN one alert in the flood's second minute (its first is held: one minute is no incident), high (critical
    # needs three minutes, and the flood is over before the update could go out), and one recovery
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    incident = lines[0]["incident"]
    assert incident.startswith("inc-") and lines[1]["incident"] == incident
    assert [(line.pop("incident"), line.pop("reason"), line.pop("related")) for line in lines] == [
        (incident, "opened", []),
        (incident, "recovered", []),
    ]
    assert lines == [
        {
            "minute": format_minute(flood_at + 1),
            "subsystem": "shop",
            "event": "any",
            "level": "INFO",
            "severity": "high",
            "rule": "rate_spike",
            "kind": "alert",
        },
        {
            "minute": format_minute(flood_at + 4 + 10),
            "subsystem": "shop",
            "event": "any",
            "level": "INFO",
            "severity": "high",
            "rule": "rate_spike",
            "kind": "recovery",
        },
    ]  # fmt: skip -- last firing minute: the flood's last (a window only remembering it is quiet); recovery +10
    assert list(json.loads(out.read_text().splitlines()[0])) == [
        "minute", "subsystem", "event", "level", "severity", "rule", "kind", "incident", "reason", "related",
    ]  # fmt: skip
    assert "2 notifications (1 incidents)" in capsys.readouterr().err


def test_cli_reports_bad_rules_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    counts = tmp_path / "c.csv"
    counts.write_text("minute,subsystem,event,level,count\n")
    bad = tmp_path / "r.toml"
    bad.write_text("[lifecycle]\ncooldown_minutes = 'soon'\n")
    assert cli(["backtest", "--counts", str(counts), "--out", str(tmp_path / "o"), "--rules", str(bad)]) == 2
    assert "lifecycle.cooldown_minutes" in capsys.readouterr().err
