"""docs/SCHEMA.md names the values the code writes."""

from __future__ import annotations

import re
from pathlib import Path

from logwarden.ingest.amazon_mq import ORIGIN_TYPE_RMQ

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "SCHEMA.md"
SOURCES = Path(__file__).resolve().parents[2] / "layers" / "logwarden" / "logwarden" / "ingest"


def test_every_origin_type_the_code_writes_is_documented() -> None:
    written = set(re.findall(r"schema\.ORIGIN_TYPE: \"(\w+)\"", "\n".join(p.read_text() for p in SOURCES.glob("*.py"))))
    written.add(ORIGIN_TYPE_RMQ)
    [row] = [line for line in SCHEMA_DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| `origin.type`")]
    documented = set(re.findall(r"`(\w+)`", row.split("|")[3]))
    assert written >= {"cloudwatch", "amazonmq"}
    assert written == documented
