"""Shared fixtures: paths to the sample events (ours in events/, real AWS-shaped ones in shared/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
REAL_EVENTS = ROOT.parent / "shared" / "real_events"


def load_event(name: str) -> dict[str, Any]:
    path = EVENTS / name if (EVENTS / name).exists() else REAL_EVENTS / name
    result: dict[str, Any] = json.loads(path.read_text())
    return result


@pytest.fixture
def real_events_dir() -> Path:
    if not REAL_EVENTS.is_dir():
        pytest.fail(f"the real sample events are expected beside the repo at {REAL_EVENTS}")
    return REAL_EVENTS
