"""Detection quality on the tuned scenario set and on the held-out set (never tuned against).

The thresholds below are the figures measured when the rules last changed, with a small margin, so a change
that makes detection worse fails here; docs/ALERTS.md has the full tables
(`python -m logwarden_tools.quality`). The held-out set is the honest one: its worst figures are quoted.
"""

from __future__ import annotations

import pytest

from logwarden.alerting.lifecycle import Notification
from logwarden.detection.model import Severity
from logwarden.detection.rules import load_rules
from logwarden_tools.backtest import replay
from logwarden_tools.generate import heldout, scenarios
from logwarden_tools.quality import false_above_low

Result = tuple[scenarios.Score, list[Notification]]


@pytest.fixture(scope="module")
def tuned() -> Result:
    notifications = list(replay(scenarios.generate(), load_rules()))
    return scenarios.score(notifications), notifications


@pytest.fixture(scope="module")
def held_out() -> Result:
    notifications = list(replay(heldout.heldout_table(), load_rules()))
    return heldout.score_heldout(notifications), notifications


def test_the_sets_are_what_the_issues_ask_for() -> None:
    for chosen in (scenarios.SCENARIOS, heldout.SCENARIOS):
        kinds = {s.kind for s in chosen}
        assert len([s for s in chosen if s.must_alert]) >= 10
        assert kinds >= {"spike" if chosen is scenarios.SCENARIOS else "release", "flood", "silence", "ramp", "decline"}
    assert {s.kind for s in heldout.SCENARIOS} >= {"release", "outage", "error_burst", "broker_storm"}
    assert heldout.SEED != 7 and heldout.START != scenarios.START  # other traffic than the tuned set


@pytest.mark.parametrize("name", ["tuned", "held_out"])
def test_every_incident_is_found_and_peaks_page_nobody(name: str, request: pytest.FixtureRequest) -> None:
    score, notifications = request.getfixturevalue(name)
    assert [o.scenario.name for o in score.must_alert if not o.detected] == []
    benign = score.benign_max_severity
    assert benign is None or benign <= Severity.LOW  # campaigns, one-minute blips, quiet nights
    above = false_above_low(notifications, score, "tuned" if name == "tuned" else "heldout")
    assert above / score.quiet_days <= 0.1


@pytest.mark.parametrize(("name", "limit"), [("tuned", 0.35), ("held_out", 0.65)])
def test_false_alerts_per_day(name: str, limit: float, request: pytest.FixtureRequest) -> None:
    score, _ = request.getfixturevalue(name)
    assert score.false_alerts_per_day <= limit  # all of them low severity (asserted above)


@pytest.mark.parametrize("name", ["tuned", "held_out"])
def test_one_incident_is_about_one_message(name: str, request: pytest.FixtureRequest) -> None:
    score, _ = request.getfixturevalue(name)
    assert score.messages_per_incident <= 1.5
    assert max(o.messages for o in score.must_alert) <= 3


def test_delays(tuned: Result, held_out: Result) -> None:
    for (score, _), drop_limit in ((tuned, 15), (held_out, 18)):  # held-out: 14 and 18 measured
        fast = score.median_delay(["spike", "flood", "error_burst", "broker_storm", "release", "outage"])
        drops = score.median_delay(["silence", "partial_drop"])
        assert fast is not None and fast <= 2
        assert drops is not None and drops <= drop_limit
    ramps = held_out[0].median_delay(["ramp"])
    declines = held_out[0].median_delay(["decline"])
    assert ramps is not None and ramps <= 95  # 35 and 142 minutes measured (median 88.5); the goal is 45
    assert declines is not None and declines <= 155  # 142 and 153 measured; the goal is 90
