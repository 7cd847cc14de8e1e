"""Package generated lines the way AWS delivers them: CloudWatch Logs subscription events per log group
and stream (at most 10,000 events or about 1 MB each, as CloudWatch batches), and RabbitMQ messages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, Final

from logwarden.ingest.cloudwatch import encode_delivery
from logwarden_tools.generate.traffic import LogLine

MAX_EVENTS_PER_DELIVERY: Final = 10_000
MAX_BYTES_PER_DELIVERY: Final = 1_000_000


def cloudwatch_deliveries(lines: Iterable[LogLine], *, id_base: int = 0) -> Iterator[dict[str, Any]]:
    """Group lines by log group into subscription events; event ids are unique and deterministic."""
    by_group: dict[str, list[LogLine]] = defaultdict(list)
    for line in lines:
        by_group[line.log_group].append(line)
    sequence = id_base
    for group, group_lines in sorted(by_group.items()):
        stream = (
            group.rsplit("/", 1)[-1] + "/app/5f1c2a" if not group.startswith("/aws/amazonmq") else "rabbit@ip-10-0-1-10"
        )
        batch: list[dict[str, Any]] = []
        size = 0
        for line in group_lines:
            sequence += 1
            event = {"id": f"{line.ts_ms:020d}{sequence:036d}", "timestamp": line.ts_ms, "message": line.text}
            if batch and (len(batch) >= MAX_EVENTS_PER_DELIVERY or size + len(line.text) + 26 > MAX_BYTES_PER_DELIVERY):
                yield encode_delivery(group, stream, batch)
                batch, size = [], 0
            batch.append(event)
            size += len(line.text) + 26
        if batch:
            yield encode_delivery(group, stream, batch)
