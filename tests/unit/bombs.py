"""Decompression bombs for the tests, built without ever holding what they inflate to.

A zlib stream of ``size`` zero bytes: one block of 1 MiB of zeros, compressed once and ended with a full flush (which
byte-aligns it and drops the history, so the same block decodes the same wherever it stands), repeated; then an empty
final block and the Adler-32 of ``size`` zeros, which is worked out, not computed over the bytes. It is a complete,
valid stream: ``zlib.decompress`` would give ``size`` zeros (tests check that for a small size).
"""

from __future__ import annotations

import zlib

_BLOCK = 1024 * 1024


def zlib_bomb(size: int) -> bytes:
    if size % _BLOCK:
        raise ValueError("size must be a whole number of MiB")
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS)
    header = compressor.compress(b"")  # the two-byte zlib header comes with the first output
    zeros = bytes(_BLOCK)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    if not header:
        header, block = block[:2], block[2:]
    final = b"\x03\x00"  # an empty final fixed-Huffman block
    adler = ((size % 65521) << 16) | 1  # Adler-32 of zeros: a stays 1, b adds 1 per byte
    return header + block * (size // _BLOCK) + final + adler.to_bytes(4, "big")
