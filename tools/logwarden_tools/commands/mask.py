"""``logwarden mask [FILE]``: mask log lines before they leave your machine (a ticket, a chat, a bug report).

One line out per line in, in the same order; a line with nothing personal comes out byte for byte.
``--explain`` prints to stderr which kinds fired on which line numbers, never the values.
"""

from __future__ import annotations

import argparse
import os
import select
import sys
from collections.abc import Iterator
from typing import BinaryIO

from logwarden.errors import ConfigurationError
from logwarden.masking.config import load_config
from logwarden.masking.masker import Masker


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="logwarden mask", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", help="log file to read (default: standard input)")
    parser.add_argument("--explain", action="store_true", help="print the kinds masked per line number to stderr")
    parser.add_argument(
        "--hash-key-file",
        help="file holding the HMAC key for kinds in 'hash' mode (instead of fetching it from AWS)",
    )
    return parser


_BATCH_LINES = 1000  # lines masked together: one prefilter scan serves them all
_BATCH_BYTES = 4 << 20  # and at most this much text, whatever the lines' length


def mask_stream(source: BinaryIO, sink: BinaryIO, masker: Masker, explain: BinaryIO | None = None) -> dict[str, int]:
    """Mask ``source`` line by line into ``sink``; returns the total count per kind."""
    totals: dict[str, int] = {}
    number = 0
    for batch in _line_batches(source):
        bodies = [raw.rstrip(b"\r\n") for raw in batch]
        texts = [body.decode("utf-8", errors="surrogateescape") for body in bodies]
        changed: dict[int, str] = {}
        for index, masked, counts in masker.changed_lines(texts):
            changed[index] = masked
            for kind, count in counts.items():
                totals[kind] = totals.get(kind, 0) + count
            if explain is not None and counts:
                fired = ", ".join(f"{kind}×{count}" if count > 1 else kind for kind, count in sorted(counts.items()))
                explain.write(f"line {number + index + 1}: {fired}\n".encode())
        for index, raw in enumerate(batch):
            new = changed.get(index)
            if new is None:
                sink.write(raw)
            else:
                sink.write(new.encode("utf-8", errors="surrogateescape") + raw[len(bodies[index]) :])
        number += len(batch)
    return totals


def _line_batches(source: BinaryIO) -> Iterator[list[bytes]]:
    """Lines in batches of up to ``_BATCH_LINES`` lines and about ``_BATCH_BYTES``; a batch also ends when no
    more input is waiting, so that ``tail -f app.log | logwarden mask`` shows each line as it comes."""
    try:
        descriptor: int | None = source.fileno()
    except (OSError, ValueError):  # an in-memory stream: everything is there already
        descriptor = None
    batch: list[bytes] = []
    size = 0
    while raw := source.readline():
        batch.append(raw)
        size += len(raw)
        full = len(batch) >= _BATCH_LINES or size >= _BATCH_BYTES
        if full or (descriptor is not None and not _input_waiting(descriptor)):
            yield batch
            batch = []
            size = 0
    if batch:
        yield batch


def _input_waiting(descriptor: int) -> bool:
    try:
        return bool(select.select([descriptor], [], [], 0)[0])
    except (OSError, ValueError):  # not selectable (some platforms' files): batch by size alone
        return True


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(os.environ)
        if args.hash_key_file:
            with open(args.hash_key_file, "rb") as key_file:
                config = type(config)(**{**config.__dict__, "hash_key": key_file.read().strip()})
        masker = Masker(config)
    except (ConfigurationError, OSError) as error:
        print(f"logwarden mask: {error}", file=sys.stderr)
        return 2
    explain = sys.stderr.buffer if args.explain else None
    if args.file:
        try:
            with open(args.file, "rb") as source:
                totals = mask_stream(source, sys.stdout.buffer, masker, explain)
        except OSError as error:
            print(f"logwarden mask: {error}", file=sys.stderr)
            return 2
    else:
        totals = mask_stream(sys.stdin.buffer, sys.stdout.buffer, masker, explain)
    sys.stdout.flush()
    if explain is not None:
        summary = ", ".join(f"{kind} {count}" for kind, count in sorted(totals.items())) or "nothing"
        explain.write(f"masked: {summary}\n".encode())
    return 0
