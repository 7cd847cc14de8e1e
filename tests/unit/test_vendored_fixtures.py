"""The other projects' public fixtures the tests read live in the repository, each one named in its provenance file."""

from __future__ import annotations

import json
import re

from tests.conftest import REAL_EVENTS


def test_every_vendored_fixture_is_listed_with_its_source_and_parses() -> None:
    readme = (REAL_EVENTS / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([^`]+\.json)` \|", readme, flags=re.MULTILINE))
    present = {path.name for path in REAL_EVENTS.glob("*.json")}

    assert present, "no vendored fixtures found"
    assert listed == present
    for name in present:
        assert isinstance(json.loads((REAL_EVENTS / name).read_text(encoding="utf-8")), dict), name


def test_provenance_names_a_licence_for_every_source_repository() -> None:
    readme = (REAL_EVENTS / "README.md").read_text(encoding="utf-8")
    sources = set(re.findall(r"^\| `[^`]+\.json` \| ([\w.-]+/[\w.-]+) \|", readme, flags=re.MULTILINE))
    licences = dict(re.findall(r"^\| ([\w.-]+/[\w.-]+) \| ([^|]+?) \|$", readme, flags=re.MULTILINE))

    assert sources
    assert sources <= set(licences), sources - set(licences)
