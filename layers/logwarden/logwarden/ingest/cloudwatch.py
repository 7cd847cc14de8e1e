"""CloudWatch Logs subscription deliveries -> source records.

A delivery is ``{"awslogs": {"data": base64(gzip or zlib(JSON))}}``. CONTROL_MESSAGE deliveries are
health checks from CloudWatch: acknowledged and counted, never indexed. A delivery that cannot be
decoded, and any log event that is not a proper event, is rejected (kept for replay), never dropped.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Any

import orjson
from aws_lambda_powertools.utilities.data_classes import CloudWatchLogsEvent

from logwarden import schema
from logwarden.inflate import DEFAULT_LIMITS, TOO_LARGE, InflateLimits, TooLargeError, inflate, inflate_salvage
from logwarden.ingest.records import RejectedInput, SourceBatch, SourceRecord, payload_text, stable_ids
from logwarden.parsing.sniff import continues
from logwarden.routing import Router


def decode_delivery(
    event: dict[str, Any], router: Router, region: str | None = None, limits: InflateLimits = DEFAULT_LIMITS
) -> SourceBatch:
    batch = SourceBatch()
    origin_base: dict[str, Any] = {schema.ORIGIN_TYPE: "cloudwatch"}
    if region:
        origin_base[schema.CLOUD_REGION] = region
    # A delivery is one compressed message, so both caps bound it.
    limit = min(limits.per_message, limits.per_delivery)
    compressed = b""
    try:
        compressed = base64.b64decode(CloudWatchLogsEvent(event).raw_logs_data)
        raw = inflate(compressed, limit, what="delivery")
    except TooLargeError as error:
        batch.rejected.append(RejectedInput(TOO_LARGE, str(error), origin_base, None, compressed))
        return batch
    except (KeyError, TypeError, ValueError, binascii.Error, zlib.error) as error:
        batch.rejected.append(_undecodable(event, f"{type(error).__name__}: {error}", origin_base, limit))
        return batch
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        batch.rejected.append(RejectedInput("undecodable_delivery", str(error), origin_base, payload_text(raw), raw))
        return batch
    if not isinstance(data, dict):
        batch.rejected.append(RejectedInput("malformed_delivery", "not a JSON object", origin_base, raw.decode()))
        return batch
    events = data.get("logEvents")
    if data.get("messageType") == "CONTROL_MESSAGE":
        batch.control_messages = max(1, len(events) if isinstance(events, list) else 0)
        return batch
    group = data.get("logGroup") if isinstance(data.get("logGroup"), str) else ""
    stream = data.get("logStream") if isinstance(data.get("logStream"), str) else ""
    origin = dict(origin_base)
    origin[schema.ORIGIN_LOG_GROUP] = group
    origin[schema.ORIGIN_LOG_STREAM] = stream
    if isinstance(data.get("owner"), str):
        origin[schema.CLOUD_ACCOUNT] = data["owner"]
    if not isinstance(events, list):
        batch.rejected.append(RejectedInput("malformed_delivery", "logEvents is not a list", origin, raw.decode()))
        return batch
    route = router.route(str(group))
    id_of = stable_ids(str(group), str(stream))
    records = batch.records
    previous: SourceRecord | None = None
    for item in events:
        # Inline, as this runs for every event: a proper one has a non-empty string id, an integer timestamp
        # (orjson gives exact types, so a bool is not taken for an int) and a string message.
        if not (
            type(item) is dict
            and type(event_id := item.get("id")) is str
            and event_id != ""
            and type(timestamp := item.get("timestamp")) is int
            and type(text := item.get("message")) is str
        ):
            batch.rejected.append(
                RejectedInput("malformed_log_event", "needs id, timestamp and message", origin, _json_text(item))
            )
            continue
        # The agent sends a multi-line record (stack trace, JUL's two lines, a broker report) one line per event.
        if previous is not None and continues(previous.text, text):
            previous = previous.with_continuation(text)
            records[-1] = previous
            continue
        record_origin = dict(origin)
        record_origin[schema.ORIGIN_EVENT_ID] = event_id
        previous = SourceRecord(id_of(event_id), text, timestamp, route, record_origin)
        records.append(previous)
    return batch


def _json_text(item: Any) -> str:
    try:
        return orjson.dumps(item).decode()
    except TypeError:
        return repr(item)


def _undecodable(event: Any, detail: str, origin: dict[str, Any], limit: int) -> RejectedInput:
    """Keep what was delivered: the base64 text as given (it is not readable, so not maskable), or the event."""
    data = None
    if isinstance(event, dict) and isinstance(event.get("awslogs"), dict):
        data = event["awslogs"].get("data")
    if isinstance(data, str):
        try:
            decoded = _lenient_decompress(data, limit)
        except TooLargeError as error:
            return RejectedInput(TOO_LARGE, f"{detail}; salvage: {error}", origin, None, data.encode())
        if decoded is not None:
            return RejectedInput("undecodable_delivery", detail, origin, payload_text(decoded), decoded)
        return RejectedInput("undecodable_delivery", detail, origin, None, data.encode())
    return RejectedInput("malformed_delivery", detail, origin, _json_text(event))


def _lenient_decompress(data: str, limit: int) -> bytes | None:
    """Salvage a truncated gzip/zlib stream: whatever inflates (within ``limit``) is better than nothing. Raises
    ``TooLargeError`` past the limit."""
    try:
        compressed = binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        return None
    return inflate_salvage(compressed, limit) or None


def encode_delivery(
    log_group: str,
    log_stream: str,
    events: list[dict[str, Any]],
    *,
    owner: str = "123456789012",
    message_type: str = "DATA_MESSAGE",
    subscription_filters: tuple[str, ...] = ("logwarden",),
) -> dict[str, Any]:
    """Build a subscription event exactly as CloudWatch Logs delivers it (gzip, base64).

    ``events`` are ``{"id": ..., "timestamp": ms, "message": ...}``. Used by the generator, the demo,
    the tests and the benchmarks, so every path exercises the real decoder.
    """
    import base64
    import gzip

    data = {
        "messageType": message_type,
        "owner": owner,
        "logGroup": log_group,
        "logStream": log_stream,
        "subscriptionFilters": list(subscription_filters),
        "logEvents": events,
    }
    compressed = gzip.compress(orjson.dumps(data), compresslevel=6, mtime=0)
    return {"awslogs": {"data": base64.b64encode(compressed).decode()}}
