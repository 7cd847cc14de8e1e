"""Replay trusts nothing in the dead-letter store: targets are checked, documents masked again, bad entries
reported and skipped (and kept), never a reason to stop."""

from __future__ import annotations

import base64
import gzip
from pathlib import Path

import orjson
import pytest

from logwarden.masking.masker import default_masker
from logwarden.replay import TARGET_NOT_ALLOWED, UNREADABLE_ENTRY, allowed_targets, replay
from logwarden.sink.bulk import BulkIndexer
from logwarden.sink.deadletter import DeadLetterEntry, LocalDeadLetterStore, encode_batch
from tests.fakes import FakeBulkTransport


def _document(index: str, doc_id: str, message: str = "order ORD-1 shipped") -> DeadLetterEntry:
    return DeadLetterEntry(kind="document", reason="bulk", index=index, doc_id=doc_id, document={"message": message})


def _store_with(tmp_path: Path, blob: bytes, name: str = "2026/12/07/a.jsonl.gz") -> LocalDeadLetterStore:
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_bytes(blob)
    return LocalDeadLetterStore(tmp_path)


def _replay(store: LocalDeadLetterStore, transport: FakeBulkTransport, prefix: str = "logs"):  # type: ignore[no-untyped-def]
    indexer = BulkIndexer(transport, sleep=lambda s: None)
    return replay(store, indexer, lambda: 60.0, masker=default_masker(), index_prefix=prefix)


def test_allowed_targets_are_the_prefix_data_streams() -> None:
    targets = allowed_targets("logs")
    assert "logs-shop-error" in targets and "logs-other-debug" in targets
    assert len(targets) == 5 * 4
    assert all(t.startswith("logs-") for t in targets)


@pytest.mark.parametrize(
    "index",
    [".kibana", ".opendistro_security", ".plugins-ml-config", "logs-shop", "logs-shop-info-x", "prod-shop-info", ""],
)
def test_entries_naming_another_index_are_never_written(tmp_path: Path, index: str) -> None:
    # GIVEN a batch with one proper document and one naming another target
    store = _store_with(tmp_path, encode_batch([_document("logs-shop-info", "ok"), _document(index, "evil")]))
    transport = FakeBulkTransport()

    # WHEN replayed
    report = _replay(store, transport)

    # THEN only the proper document is written; the other is reported with its reason and kept
    assert list(transport.documents) == [("logs-shop-info", "ok")]
    assert report.indexed == 1 and report.skipped == 1
    assert report.skipped_reasons == {TARGET_NOT_ALLOWED: 1}
    [problem] = report.problems
    assert problem["reason"] == TARGET_NOT_ALLOWED and problem["line"] == 2
    kept = [e for name in store.batches() for e in store.read(name)]
    assert [(e.index, e.doc_id) for e in kept] == [(index or None, "evil")]  # "" is not written out


def test_the_configured_prefix_decides_the_targets(tmp_path: Path) -> None:
    store = _store_with(tmp_path, encode_batch([_document("logs-shop-info", "a"), _document("prod-shop-info", "b")]))
    transport = FakeBulkTransport()

    report = _replay(store, transport, prefix="prod")

    assert list(transport.documents) == [("prod-shop-info", "b")]
    assert report.skipped_reasons == {TARGET_NOT_ALLOWED: 1}


def test_every_document_is_masked_again_before_it_is_written(tmp_path: Path) -> None:
    # GIVEN a document in the store that holds personal data (written by an older masker, or planted)
    entry = _document("logs-crm-info", "p1", "customer ivan.petrov@example.com called from +7 916 123-45-67")
    store = _store_with(tmp_path, encode_batch([entry]))
    transport = FakeBulkTransport()

    # WHEN replayed
    _replay(store, transport)

    # THEN what lands is masked
    written = transport.documents[("logs-crm-info", "p1")]
    assert "ivan.petrov@example.com" not in written["message"]
    assert "916 123-45-67" not in written["message"]
    assert "email" in written["logwarden.masked"]


def test_an_already_masked_document_is_written_unchanged(tmp_path: Path) -> None:
    store = _store_with(tmp_path, encode_batch([_document("logs-shop-info", "c1")]))
    transport = FakeBulkTransport()

    _replay(store, transport)

    assert transport.documents[("logs-shop-info", "c1")] == {"message": "order ORD-1 shipped"}


def test_bad_entries_are_reported_and_kept_and_the_rest_replayed(tmp_path: Path) -> None:
    # GIVEN a batch with a line that is not JSON, one with an unknown field, one with a wrong type, a JSON array,
    # and two proper documents
    lines = [
        _document("logs-shop-info", "d1").to_json(),
        b"{not json",
        orjson.dumps({"kind": "document", "reason": "r", "index": "logs-shop-info", "doc_id": "x", "evil": 1}),
        orjson.dumps({"kind": "document", "reason": "r", "index": "logs-shop-info", "doc_id": "y", "attempts": "9"}),
        b"[1, 2]",
        _document("logs-mes-error", "d2").to_json(),
    ]
    store = _store_with(tmp_path, gzip.compress(b"\n".join(lines) + b"\n"))
    transport = FakeBulkTransport()

    # WHEN replayed
    report = _replay(store, transport)

    # THEN the two documents land, the four bad lines are reported by line and kept, byte for byte
    assert sorted(transport.documents) == [("logs-mes-error", "d2"), ("logs-shop-info", "d1")]
    assert report.indexed == 2 and report.skipped == 4
    assert [(p["line"], p["reason"]) for p in report.problems] == [(n, UNREADABLE_ENTRY) for n in (2, 3, 4, 5)]
    kept = [e for name in store.batches() for e in store.read(name)]
    assert [e.reason for e in kept] == [UNREADABLE_ENTRY] * 4
    assert [base64.b64decode((e.payload or {})["base64"]) for e in kept] == lines[1:5]
    summary = report.summary()
    assert summary["skipped"] == 4 and summary["skipped_reasons"] == {UNREADABLE_ENTRY: 4}


def test_a_batch_that_is_not_gzip_is_reported_and_left(tmp_path: Path) -> None:
    store = _store_with(tmp_path, b"this is not gzip at all", "2026/a.jsonl.gz")
    _store_with(tmp_path, encode_batch([_document("logs-shop-info", "z")]), "2026/b.jsonl.gz")
    transport = FakeBulkTransport()

    report = _replay(store, transport)

    assert report.batches_skipped == 1 and report.indexed == 1
    assert list(store.batches()) == ["2026/a.jsonl.gz"]


def test_replaying_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    store = _store_with(tmp_path, encode_batch([_document("logs-shop-info", "t1"), _document(".kibana", "t2")]))
    transport = FakeBulkTransport()

    first = _replay(store, transport)
    second = _replay(store, transport)

    assert (first.indexed, first.skipped) == (1, 1)
    assert (second.indexed, second.already_present, second.skipped) == (0, 0, 1)
    assert len(transport.documents) == 1


def test_the_entry_checker_knows_every_field_an_entry_is_written_with() -> None:
    # a field added to DeadLetterEntry but not to the checker would make replay refuse every new entry
    from logwarden.sink.deadletter import _FIELD_TYPES, DeadLetterEntry

    assert set(_FIELD_TYPES) == set(DeadLetterEntry.__slots__)
