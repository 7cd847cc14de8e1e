"""``logwarden ingest [--dry-run] FILE...``: run Lambda events through the real ingest pipeline.

Input files hold Lambda events as one JSON document (an event or a list of events) or as JSON lines.
With ``--dry-run`` nothing is sent: the bulk NDJSON that would go to OpenSearch is written to stdout
and a summary to stderr. Without it, the events are indexed into the cluster the environment names
(``OPENSEARCH_URL`` / ``LOGWARDEN_OPENSEARCH_ENDPOINT``), exactly as the Lambda would.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from logwarden.config import IngestConfig
from logwarden.errors import ConfigurationError
from logwarden.ingest.pipeline import IngestPipeline, IngestReport
from logwarden.ingest.sources import decode_event
from logwarden.masking.masker import default_masker
from logwarden.routing import Router
from logwarden.sink.bulk import BulkReport


def read_events(path: Path) -> Iterator[Any]:
    """One JSON document (an event or a list of them), or JSON lines."""
    raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        for number, line in enumerate(raw.splitlines(), 1):
            if line.strip():
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError as error:
                    raise SystemExit(f"{path}:{number}: not JSON: {error}") from error
        return
    if isinstance(document, list):
        yield from document
    else:
        yield document


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="logwarden ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="files of Lambda events ('-' for stdin)")
    parser.add_argument("--dry-run", action="store_true", help="print the bulk NDJSON instead of sending it")
    args = parser.parse_args(argv)
    try:
        config = IngestConfig.from_env(dry_run=args.dry_run)
    except ConfigurationError as error:
        print(f"logwarden ingest: {error}", file=sys.stderr)
        return 2
    router = Router(config.routing_rules, config.default_subsystem)
    totals = IngestReport()
    if args.dry_run:
        pipeline = IngestPipeline(
            masker=default_masker(), index_prefix=config.index_prefix, drop_debug=config.drop_debug
        )
        out = sys.stdout.buffer
        for path in args.files:
            for event in read_events(path):
                batch = decode_event(event, router, config.region)
                built = pipeline.build(batch)
                for action in built.actions:
                    out.write(action.bulk_lines())
                totals.absorb(pipeline.report(batch, built, BulkReport()))
        out.flush()
    else:
        from logwarden.ingest.service import IngestService

        service = IngestService.from_config(config)
        for path in args.files:
            for event in read_events(path):
                totals.absorb(service.ingest(decode_event(event, router, config.region), remaining_s=lambda: 300.0))
    print(orjson.dumps(totals.summary(), option=orjson.OPT_INDENT_2).decode(), file=sys.stderr)
    return 0
