"""Bounded inflation: decompression bombs in every place data is inflated are rejected as ``too_large`` within bounded
memory, and the rest of the batch goes on; ordinary data inflates exactly as ``zlib.decompress`` inflates it."""

from __future__ import annotations

import base64
import gzip
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logwarden.inflate import MIB, TOO_LARGE, InflateBudget, InflateLimits, TooLargeError, inflate
from logwarden.ingest.amazon_mq import decode_rmq_event
from logwarden.ingest.cloudwatch import decode_delivery, encode_delivery
from logwarden.ingest.pipeline import IngestPipeline
from logwarden.masking.masker import default_masker
from logwarden.replay import replay
from logwarden.routing import Router
from logwarden.sink.bulk import BulkIndexer
from logwarden.sink.deadletter import DeadLetterEntry, LocalDeadLetterStore, encode_batch
from logwarden_tools.local.mq_poller import Delivery, build_event
from tests.fakes import FakeBulkTransport
from tests.unit.bombs import zlib_bomb

T = TypeVar("T")
GIB = 1024 * MIB
# What the default caps let through (32 MiB per message, 64 MiB per dead-letter batch), plus a chunk and change.
PEAK_PER_MESSAGE = 40 * MIB


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """2 MiB of zlib that inflates to 2 GiB of zeros."""
    return zlib_bomb(2 * GIB)


def peak_of(work: Callable[[], T]) -> tuple[T, int]:
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _pipeline_run(batch: Any, store: LocalDeadLetterStore, transport: FakeBulkTransport) -> Any:
    pipeline = IngestPipeline(masker=default_masker())
    indexer = BulkIndexer(transport, sleep=lambda s: None)
    return pipeline.run(batch, indexer, store, remaining_s=lambda: 60.0, park_undelivered=False)


def test_the_test_bomb_is_a_valid_stream_of_zeros() -> None:
    assert zlib.decompress(zlib_bomb(3 * MIB)) == bytes(3 * MIB)


def test_bomb_is_rejected_within_the_cap(bomb: bytes) -> None:
    with pytest.raises(TooLargeError) as raised:
        inflate(bomb, 32 * MIB)
    assert raised.value.reason == TOO_LARGE
    assert raised.value.compressed_size == len(bomb)


def test_inflating_a_bomb_holds_no_more_than_the_cap(bomb: bytes) -> None:
    def attempt() -> str:
        try:
            inflate(bomb, 32 * MIB)
        except TooLargeError as error:
            return error.reason
        return "inflated"

    outcome, peak = peak_of(attempt)
    assert outcome == TOO_LARGE
    assert peak < PEAK_PER_MESSAGE


@pytest.mark.parametrize(
    "compress",
    [
        lambda data: zlib.compress(data),
        lambda data: gzip.compress(data, mtime=0),
        lambda data: gzip.compress(data, mtime=0) + b"trailing bytes after the stream",
        lambda data: zlib.compress(data) + zlib.compress(b"a second stream"),
    ],
)
def test_output_is_what_zlib_decompress_gives(compress: Callable[[bytes], bytes]) -> None:
    data = b"".join(b"line %d of a log with some text\n" % n for n in range(300_000))  # ~10 MiB: several chunks
    compressed = compress(data)

    assert inflate(compressed, 64 * MIB) == zlib.decompress(compressed, zlib.MAX_WBITS | 32) == data


def test_exactly_at_the_cap_fits_and_one_byte_more_does_not() -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    assert inflate(zlib.compress(data), len(data)) == data
    with pytest.raises(TooLargeError):
        inflate(zlib.compress(data + b"x"), len(data))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_inflate_or_fail_exactly_as_zlib_decompress(data: bytes) -> None:
    try:
        expected: bytes | None = zlib.decompress(data, zlib.MAX_WBITS | 32)
    except zlib.error:
        expected = None
    try:
        got: bytes | None = inflate(data, MIB)
    except zlib.error:
        got = None
    assert got == expected


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=20_000), st.integers(min_value=1, max_value=9))
def test_compressed_arbitrary_bytes_round_trip(data: bytes, level: int) -> None:
    assert inflate(gzip.compress(data, compresslevel=level), MIB) == data


def test_truncated_streams_fail_as_zlib_decompress_fails() -> None:
    compressed = gzip.compress(b"some text " * 1000)
    for cut in (0, 1, 10, len(compressed) // 2, len(compressed) - 1):
        with pytest.raises(zlib.error):
            inflate(compressed[:cut], MIB)


def test_a_delivery_budget_is_shared_by_its_messages() -> None:
    budget = InflateBudget(InflateLimits(per_message=4 * MIB, per_delivery=6 * MIB))
    three = zlib_bomb(3 * MIB)

    assert len(budget.inflate(three)) == 3 * MIB
    assert len(budget.inflate(three)) == 3 * MIB  # exactly the rest of the budget
    with pytest.raises(TooLargeError, match="budget"):
        budget.inflate(three)
    assert budget.inflate(zlib.compress(b"")) == b""


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        InflateLimits(per_message=0)


# CloudWatch Logs


def test_cloudwatch_bomb_delivery_is_rejected_too_large_and_parked(bomb: bytes, tmp_path: Path) -> None:
    # GIVEN a delivery whose data inflates to 2 GiB
    event = {"awslogs": {"data": base64.b64encode(bomb).decode()}}
    store = LocalDeadLetterStore(tmp_path)

    # WHEN it is decoded and run through the pipeline
    batch, peak = peak_of(lambda: decode_delivery(event, Router()))
    report = _pipeline_run(batch, store, FakeBulkTransport())

    # THEN it is one rejected input with reason too_large, its compressed bytes kept, in bounded memory
    assert peak < PEAK_PER_MESSAGE
    assert [r.reason for r in batch.rejected] == [TOO_LARGE] and batch.records == []
    assert report.rejected == 1 and report.unaccounted == 0
    [entry] = [e for name in store.batches() for e in store.read(name)]
    assert entry.reason == TOO_LARGE and entry.payload is not None
    assert base64.b64decode(entry.payload["base64"]) == bomb
    assert str(len(bomb)) in entry.detail


def test_cloudwatch_delivery_within_the_cap_decodes_as_before() -> None:
    event = encode_delivery("/ecs/shop-api", "s", [{"id": "1", "timestamp": 1, "message": "x" * 5000}])

    assert [r.text for r in decode_delivery(event, Router()).records] == ["x" * 5000]
    small = decode_delivery(event, Router(), limits=InflateLimits(per_message=1000))
    assert [r.reason for r in small.rejected] == [TOO_LARGE]


def test_truncated_cloudwatch_bomb_is_neither_inflated_nor_salvaged_past_the_cap() -> None:
    # GIVEN a truncated stream (once inflated whole, then again by the salvage) that would inflate to 256 MiB
    truncated = zlib_bomb(256 * MIB)[:-200]
    event = {"awslogs": {"data": base64.b64encode(truncated).decode()}}

    # WHEN it is decoded with a 4 MiB cap
    batch, peak = peak_of(lambda: decode_delivery(event, Router(), limits=InflateLimits(per_message=4 * MIB)))

    # THEN it is too_large, kept compressed, and never held whole
    assert [r.reason for r in batch.rejected] == [TOO_LARGE]
    assert batch.rejected[0].raw == truncated
    assert peak < 16 * MIB


def test_truncated_cloudwatch_delivery_is_still_salvaged() -> None:
    event = encode_delivery("/ecs/shop-api", "s", [{"id": "1", "timestamp": 1, "message": "salvage me " * 200}])
    compressed = base64.b64decode(event["awslogs"]["data"])
    event["awslogs"]["data"] = base64.b64encode(compressed[: len(compressed) - 20]).decode()

    [rejected] = decode_delivery(event, Router()).rejected

    assert rejected.reason == "undecodable_delivery"
    assert rejected.text is not None and "salvage me" in rejected.text


# Amazon MQ


def test_mq_bomb_is_rejected_and_the_rest_of_the_batch_indexed(bomb: bytes, tmp_path: Path) -> None:
    # GIVEN a batch: a log line, a 2 MiB body that inflates to 2 GiB, a gzip'd log line
    event = build_event(
        "service-logs",
        "/",
        [
            Delivery(b'{"message": "first", "level": "INFO"}', {"message_id": "m-1"}),
            Delivery(bomb, {"content_encoding": "deflate", "message_id": "m-bomb"}),
            Delivery(gzip.compress(b"third line"), {"content_encoding": "gzip", "message_id": "m-3"}),
        ],
    )
    store = LocalDeadLetterStore(tmp_path)
    transport = FakeBulkTransport()

    # WHEN it is decoded and ingested
    batch, peak = peak_of(lambda: decode_rmq_event(event, Router()))
    report = _pipeline_run(batch, store, transport)

    # THEN the bomb is rejected as too_large (kept compressed), in bounded memory; the other two are indexed
    assert peak < PEAK_PER_MESSAGE
    assert [r.text for r in batch.records] == ['{"message": "first", "level": "INFO"}', "third line"]
    assert [r.reason for r in batch.rejected] == [TOO_LARGE]
    assert report.indexed == 2 and report.rejected == 1 and report.unaccounted == 0
    [entry] = [e for name in store.batches() for e in store.read(name)]
    assert entry.reason == TOO_LARGE and entry.payload is not None
    assert base64.b64decode(entry.payload["base64"]) == bomb


def test_mq_many_small_bombs_spend_the_delivery_budget() -> None:
    # GIVEN five bodies of 3 MiB each, with 4 MiB per message and 10 MiB per delivery
    three = zlib_bomb(3 * MIB)
    deliveries = [Delivery(three, {"content_encoding": "zlib", "message_id": f"m-{n}"}) for n in range(5)]
    deliveries.append(Delivery(b"plain line", {"message_id": "m-plain"}))
    event = build_event("service-logs", "/", deliveries)

    # WHEN decoded
    batch = decode_rmq_event(event, Router(), limits=InflateLimits(per_message=4 * MIB, per_delivery=10 * MIB))

    # THEN three fit, the other two are rejected, and an uncompressed body still decodes
    assert len(batch.records) == 4 and batch.records[-1].text == "plain line"
    assert [r.reason for r in batch.rejected] == [TOO_LARGE, TOO_LARGE]


# Dead-letter replay


def test_replay_skips_a_bomb_batch_and_replays_the_others(tmp_path: Path) -> None:
    # GIVEN a dead-letter store with a good batch and a planted batch inflating to 2 GiB
    store = LocalDeadLetterStore(tmp_path)
    good = DeadLetterEntry(
        kind="document", reason="x", index="logs-shop-info", doc_id="d1", document={"message": "replayed"}
    )
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "a-good.jsonl.gz").write_bytes(encode_batch([good]))
    (tmp_path / "2026" / "b-bomb.jsonl.gz").write_bytes(zlib_bomb(2 * GIB))
    transport = FakeBulkTransport()

    # WHEN replayed
    report, peak = peak_of(lambda: replay(store, BulkIndexer(transport, sleep=lambda s: None), lambda: 60.0))

    # THEN the bomb batch is reported too_large and left in place, the good one replayed, memory bounded by the cap
    assert report.indexed == 1 and report.batches_skipped == 1
    assert report.skipped_reasons == {TOO_LARGE: 1}
    assert list(store.batches()) == ["2026/b-bomb.jsonl.gz"]
    assert peak < 72 * MIB
