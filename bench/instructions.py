#!/usr/bin/env python3
"""CPU instructions per ingested event, counted by valgrind: an A/B measure that a busy host cannot disturb.

On a shared VM the events/s of two runs of the same code differ by up to 30 %, so a change worth 5 % cannot be
told from the noise by timing. Valgrind counts the instructions the process executes instead. The script runs
the ingest path (decode -> parse -> normalise -> mask -> bulk body, as ``bench/ingest.py`` does) once and three
times under callgrind and divides the difference by the events of two passes, so imports, data generation and
one-time caches cancel out.

    .venv/bin/python bench/instructions.py                  # the logwarden that .venv imports
    PYTHONPATH=/other/tree/layers/logwarden .venv/bin/python bench/instructions.py   # another version of it

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


def passes(data_file: Path, count: int) -> None:
    """The measured workload: ``count`` passes of the ingest path over the saved deliveries."""
    sys.path.insert(0, str(BENCH))
    import ingest

    from logwarden.ingest.pipeline import IngestPipeline
    from logwarden.masking import default_masker
    from logwarden.routing import Router

    deliveries = orjson.loads(data_file.read_bytes())
    pipeline = IngestPipeline(masker=default_masker())
    router = Router()
    for _ in range(count):
        ingest.throughput(deliveries, pipeline, router)


def instructions(data_file: Path, count: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--run",
        str(data_file),
        str(count),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=os.environ)
    found = re.search(r"Collected : (\d+)", result.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no total:\n{result.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--run", nargs=2, metavar=("DATA", "PASSES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        passes(Path(args.run[0]), int(args.run[1]))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    sys.path.insert(0, str(BENCH))
    import ingest

    from logwarden.ingest.cloudwatch import decode_delivery
    from logwarden.routing import Router

    deliveries, _, _ = ingest.generate(args.events)
    events = sum(decode_delivery(delivery, Router()).events for delivery in deliveries)
    with tempfile.TemporaryDirectory() as scratch:
        data_file = Path(scratch) / "deliveries.json"
        data_file.write_bytes(orjson.dumps(deliveries))
        one, three = instructions(data_file, 1), instructions(data_file, 3)
    print(f"{events} events, {(three - one) // (2 * events):,} instructions per event")


if __name__ == "__main__":
    main()
