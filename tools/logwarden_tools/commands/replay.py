"""``logwarden replay``: re-drive the dead-letter store (a local directory or the stack's S3 bucket) into
OpenSearch. Safe to run again and again: already-indexed documents are recognised, not duplicated. Documents go
only to the LOGWARDEN_INDEX_PREFIX data streams and are masked again first; an entry that cannot be replayed is
reported and kept. Exit status 1 when anything still fails or was skipped."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import orjson

from logwarden.config import IngestConfig
from logwarden.errors import ConfigurationError
from logwarden.inflate import MIB
from logwarden.ingest.service import build_deadletter_store
from logwarden.masking.masker import default_masker
from logwarden.replay import replay
from logwarden.sink.bulk import BulkIndexer
from logwarden.sink.client import build_client
from logwarden.sink.deadletter import MAX_BATCH_BYTES


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="logwarden replay", description=__doc__)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dir", type=Path, help="local dead-letter directory (default: LOGWARDEN_DEADLETTER_DIR)")
    source.add_argument("--bucket", help="dead-letter S3 bucket (default: LOGWARDEN_DEADLETTER_BUCKET)")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="stop retrying after this long")
    parser.add_argument(
        "--max-batch-mib",
        type=int,
        default=MAX_BATCH_BYTES // MIB,
        help="skip (and report) a dead-letter batch that inflates past this many MiB (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.dir:
        env["LOGWARDEN_DEADLETTER_DIR"] = str(args.dir)
        env.pop("LOGWARDEN_DEADLETTER_BUCKET", None)
    if args.bucket:
        env["LOGWARDEN_DEADLETTER_BUCKET"] = args.bucket
    try:
        config = IngestConfig.from_env(env)
    except ConfigurationError as error:
        print(f"logwarden replay: {error}", file=sys.stderr)
        return 2
    if config.opensearch is None:  # from_env requires it outside dry runs; kept for the type checker
        return 2
    store = build_deadletter_store(config.deadletter)
    indexer = BulkIndexer(build_client(config.opensearch))
    deadline = time.monotonic() + args.max_seconds
    report = replay(
        store,
        indexer,
        remaining_s=lambda: deadline - time.monotonic(),
        masker=default_masker(),
        index_prefix=config.index_prefix,
        max_batch_bytes=max(1, args.max_batch_mib) * MIB,
    )
    print(orjson.dumps(report.summary(), option=orjson.OPT_INDENT_2).decode())
    return 1 if report.still_failing or report.skipped or report.batches_skipped else 0
