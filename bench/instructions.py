#!/usr/bin/env python3
"""CPU instructions per ingested event, counted by valgrind: an A/B measure that a busy host cannot disturb.

On a shared VM the events/s of two runs of the same code differ by up to 30 %, so a change worth 5 % cannot be
told from the noise by timing. Valgrind counts the instructions the process executes instead. The script runs
the ingest path (decode -> parse -> normalise -> mask -> bulk body, as ``bench/ingest.py`` does) once and three
times under callgrind and divides the difference by the events of two passes, so imports, data generation and
one-time caches cancel out.

    .venv/bin/python bench/instructions.py                  # the logwarden that .venv imports
    PYTHONPATH=/other/tree/layers/logwarden .venv/bin/python bench/instructions.py   # another version of it
    .venv/bin/python bench/instructions.py --without masking    # the share of a stage: the count without it
    .venv/bin/python bench/instructions.py --every 30           # ingest.py's traffic mix, not its first minutes
    .venv/bin/python bench/instructions.py --mix pii            # another of ingest.py's mixes (own, foreign, pii)

``--without`` takes a stage out of the measured path (``classify``: no event classification; ``masking``: no
prefilter and documents left as they are; ``build``: nothing after decoding). The output is then wrong on
purpose; the difference from a full run is what that stage costs.

Needs valgrind (Debian package ``valgrind``). Under valgrind Hyperscan runs its generic code path, so the
figure overstates the masking prefilter's share; compare versions with it, not with the events/s of ingest.py.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

BENCH = Path(__file__).resolve().parent


STAGES = ("classify", "masking", "build")


def leave_out(stage: str) -> None:
    """Take ``stage`` out of the ingest path of this process (see ``--without``), for good."""
    from unittest.mock import patch

    from logwarden.ingest import normalise, pipeline
    from logwarden.masking.masker import Masker
    from logwarden.sink.bulk import IndexAction

    if stage == "classify":
        patch.object(normalise, "classify_message", lambda _message, _fields: None).start()
    elif stage == "masking":
        patch.object(Masker, "prepare", lambda _self, _docs: None).start()
        patch.object(Masker, "mask_document", lambda _self, doc: doc).start()
    elif stage == "build":
        built = pipeline.BuiltBatch([IndexAction("-", "-", b"{}")], [], 0, 0)
        patch.object(pipeline.IngestPipeline, "build", lambda _self, _batch: built).start()


def passes(data_file: Path, count: int, without: str | None) -> None:
    """The measured workload: ``count`` passes of the ingest path over the saved deliveries."""
    sys.path.insert(0, str(BENCH))
    import ingest

    from logwarden.ingest.pipeline import IngestPipeline
    from logwarden.masking.masker import default_masker
    from logwarden.routing import Router

    if without:
        leave_out(without)
    deliveries = orjson.loads(data_file.read_bytes())
    pipeline = IngestPipeline(masker=default_masker())
    router = Router()
    for _ in range(count):
        ingest.throughput(deliveries, pipeline, router)


def instructions(data_file: Path, count: int, without: str | None) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--run",
        str(data_file),
        str(count),
        *(["--without", without] if without else []),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=os.environ)
    found = re.search(r"Collected : (\d+)", result.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no total:\n{result.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument(
        "--every",
        type=int,
        metavar="K",
        help="every K-th delivery of ingest.py's 200,000-event run (its traffic mix) instead of the first --events",
    )
    parser.add_argument("--mix", default="own", help="which of bench/ingest.py's mixes (own, foreign, pii)")
    parser.add_argument("--without", choices=STAGES, help="leave a stage out, to count what it costs")
    parser.add_argument("--run", nargs=2, metavar=("DATA", "PASSES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        passes(Path(args.run[0]), int(args.run[1]), args.without)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    sys.path.insert(0, str(BENCH))
    import ingest

    from logwarden.ingest.cloudwatch import decode_delivery
    from logwarden.routing import Router

    if args.mix not in ingest.MIXES:
        parser.error(f"unknown mix {args.mix!r}")
    if args.every:
        deliveries = ingest.build_mix(args.mix, 200_000)[0][:: args.every]
    else:
        deliveries = ingest.build_mix(args.mix, args.events)[0]
    events = sum(decode_delivery(delivery, Router()).events for delivery in deliveries)
    with tempfile.TemporaryDirectory() as scratch:
        data_file = Path(scratch) / "deliveries.json"
        data_file.write_bytes(orjson.dumps(deliveries))
        one, three = instructions(data_file, 1, args.without), instructions(data_file, 3, args.without)
    left_out = f" without {args.without}" if args.without else ""
    print(f"{events} events, {(three - one) // (2 * events):,} instructions per event{left_out}")


if __name__ == "__main__":
    main()
