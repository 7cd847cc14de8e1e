"""``logwarden ingest --dry-run`` takes Kinesis events like the others, and writes what the direct path would."""

from __future__ import annotations

import orjson
import pytest

from logwarden_tools.commands import ingest
from tests.conftest import EVENTS


def dry_run(capsys: pytest.CaptureFixture[bytes], *names: str) -> tuple[list[dict[str, object]], dict[str, object]]:
    assert ingest.main(["--dry-run", *(str(EVENTS / name) for name in names)]) == 0
    captured = capsys.readouterr()
    lines = [orjson.loads(line) for line in captured.out.splitlines()]
    return lines, orjson.loads(captured.err)


def test_a_kinesis_event_gives_the_bulk_the_direct_deliveries_give(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    through_stream, summary = dry_run(capsysbinary, "kinesis_cloudwatch.json")
    direct, _ = dry_run(capsysbinary, "cloudwatch_shop_logback.json", "cloudwatch_crm_serilog.json")
    # the same create headers (data stream and id) in the same order, and the same documents but their ingest time
    assert through_stream[::2] == direct[::2]
    without_ingest_time = [{k: v for k, v in d.items() if k != "event.ingested"} for d in through_stream[1::2]]
    assert without_ingest_time == [{k: v for k, v in d.items() if k != "event.ingested"} for d in direct[1::2]]
    assert summary["control_messages"] == 1 and summary["rejected"] == 0
