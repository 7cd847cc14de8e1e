"""Shared fixtures: paths to the sample events (ours in events/, other projects' public ones in tests/data/real_events)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run of the suite, so that `make test` passes or fails on the code,
# not on the draw. `HYPOTHESIS_PROFILE=explore make test` (or pytest) draws fresh ones (5000 where a test does not
# set its own number): run it when changing a parser or the masker, and add what it finds as a regression test.
settings.register_profile("suite", derandomize=True)
settings.register_profile("explore", max_examples=5000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
REAL_EVENTS = ROOT / "tests" / "data" / "real_events"  # other projects' public fixtures; provenance in its README


def _hot_path() -> tuple[Path, str]:
    """Where logwarden is imported from, and a line saying how much of its hot path is compiled."""
    import logwarden
    from logwarden.compiled import HOT_MODULES, compiled_modules

    package = Path(logwarden.__file__).resolve().parent
    return (
        package,
        f"logwarden from {package}: {len(compiled_modules())} of {len(HOT_MODULES)} hot-path modules compiled",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """A compiled tree (PYTHONPATH=build/compiled) is a copy of the source: after an edit it would test the code
    as it was. Stop rather than mislead."""
    from logwarden.compiled import build_stamp

    package, _ = _hot_path()
    stamp = package.parent / ".source-digest"
    if stamp.exists() and stamp.read_text().strip() != build_stamp(ROOT / "layers" / "logwarden" / "logwarden"):
        pytest.exit(f"{package.parent} is stale: run `make compiled`", returncode=4)


def pytest_report_header() -> str:
    return _hot_path()[1]


def load_event(name: str) -> dict[str, Any]:
    path = EVENTS / name if (EVENTS / name).exists() else REAL_EVENTS / name
    result: dict[str, Any] = json.loads(path.read_text())
    return result


@pytest.fixture
def real_events_dir() -> Path:
    return REAL_EVENTS


@pytest.fixture(autouse=True)
def _fresh_parameter_providers() -> Iterator[None]:
    """Powertools keeps its parameter providers, each with the boto3 client it built, for the whole process (as a
    Lambda's warm start should): a client built against one test's AWS (a moto server's endpoint, another mock)
    would serve the next test too. Each test starts without them and leaves none behind."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters import base

    base.DEFAULT_PROVIDERS.clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    yield
    base.DEFAULT_PROVIDERS.clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]
