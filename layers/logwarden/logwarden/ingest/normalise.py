"""One source record -> one normalised document (before masking)."""

from __future__ import annotations

from typing import Any, Final

from logwarden import schema
from logwarden.ingest.records import SourceRecord
from logwarden.memo import memoised
from logwarden.parsing.enrich import classify_message
from logwarden.parsing.sniff import parse_record
from logwarden.parsing.timestamps import ms_to_iso, reconcile

_MAX_LABELS: Final = 100
_MAX_LABEL_TEXT: Final = 8192


def normalise(record: SourceRecord, ingested: str) -> dict[str, Any]:
    parsed = parse_record(record.text, record.receive_ms, record.route.layout)
    doc = parsed.fields
    flags = parsed.flags
    event_ms = reconcile(parsed.line_ms, record.receive_ms, had_offset=parsed.had_offset, flags=flags)
    doc[schema.TIMESTAMP] = ms_to_iso(event_ms)
    doc[schema.INGESTED] = ingested
    doc[schema.SUBSYSTEM] = record.route.subsystem
    doc.setdefault(schema.SERVICE, record.route.service)
    doc.setdefault(schema.LEVEL, "INFO")
    message = doc.get(schema.MESSAGE)
    if isinstance(message, str):
        classify_message(message, doc)
    doc.update(record.origin)
    if record.merged_events:
        flags.append("continuation_lines_merged")
    if parsed.labels:
        doc[schema.LABELS] = bounded_labels(parsed.labels, flags)
    if flags:
        doc[schema.FLAGS] = flags
    return doc


def bounded_labels(labels: dict[str, Any], flags: list[str]) -> dict[str, Any]:
    """Free-form properties as one flat_object: keys without dots (they would read as paths), at most
    100 of them, long strings cut. A service logging a huge map cannot make a document unindexable."""
    if len(labels) <= _MAX_LABELS and _plain_keys(tuple(labels)):
        # The usual case: keys as they must be and flat, short values. Nothing to rewrite, so nothing to copy.
        for value in labels.values():
            if (len(value) > _MAX_LABEL_TEXT) if type(value) is str else isinstance(value, (dict, list)):
                break
        else:
            return labels
    bounded: dict[str, Any] = {}
    for key, value in labels.items():
        if len(bounded) >= _MAX_LABELS:
            flags.append("labels_truncated")
            break
        # Most labels are short strings: skip the call for them.
        short = isinstance(value, str) and len(value) <= _MAX_LABEL_TEXT
        bounded[str(key).replace(".", "_") or "_"] = value if short else _bounded_value(value)
    return bounded


@memoised(4096)
def _plain_keys(keys: tuple[Any, ...]) -> bool:
    """Keys that need no rewriting: non-empty strings without dots (services log the same key sets over and over)."""
    return all(type(key) is str and key and "." not in key for key in keys)


def _bounded_value(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= _MAX_LABEL_TEXT else value[:_MAX_LABEL_TEXT] + "…"
    if isinstance(value, dict):
        return {str(k).replace(".", "_") or "_": _bounded_value(v) for k, v in list(value.items())[:_MAX_LABELS]}
    if isinstance(value, list):
        return [_bounded_value(v) for v in value[:_MAX_LABELS]]
    return value
