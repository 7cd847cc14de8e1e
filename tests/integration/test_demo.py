"""`logwarden demo` end to end on the real engines, short: every injected incident alerts, nothing is
lost, and no generated personal value is anywhere in the indices."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from logwarden_tools.demo.runner import Demo, DemoOptions, render_summary
from logwarden_tools.local import opensearch_engine as local

pytestmark = pytest.mark.integration


def test_short_demo_detects_every_incident_and_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local.ensure_running()
    monkeypatch.delenv("OPENSEARCH_URL", raising=False)
    out = io.StringIO()
    options = DemoOptions(live_minutes=40, history_days=3, flood_per_second=50.0, prefix="demotest", workdir=tmp_path)
    summary = Demo(options, out).run()
    report = summary.as_dict()
    print(render_summary(summary, options.prefix))

    assert report["generated"] > 10_000
    assert summary.conserved, report
    assert report["undelivered"] == 0 and report["rejected"] == 0
    assert report["documents_in_indices"] == report["indexed"]
    assert report["via_rabbitmq"] > 0
    missed = [item["kind"] for item in report["incidents"] if not item["detected"]]
    assert missed == []
    assert len(report["incidents"]) == 4
    # each incident told (at most one message more than there are incidents), and the ones over by the end of
    # the window (the flood at least) closed with a recovery
    assert sum(report["alerts"].values()) <= 1.5 * len(report["incidents"]), report["alerts"]
    assert report["recoveries"] >= 1
    assert report["personal_values_checked"] > 100
    assert report["personal_values_found"] == 0, summary.personal_values_found[:5]
    assert report["chat_posts"] >= 3  # Slack, Teams and Telegram received the alerts
    assert "e-mail" in out.getvalue()
    # the page of what the checks saw: self-contained (no script or style fetched), charts and alert markers in it
    page = Path(report["report"]).read_text(encoding="utf-8")
    assert Path(report["report"]) == tmp_path / "alerts.html"
    assert "<script src=" not in page and "uPlot" in page and '"markers":[{' in page.replace(" ", "")
