"""Kinesis Data Streams carrying CloudWatch Logs subscription payloads -> the one ingest pipeline.

When a subscription filter (or an account-level subscription policy, or a CloudWatch Logs destination that other
accounts subscribe to) writes to a stream, each Kinesis record's ``data`` is the very gzip'd JSON that a direct
subscription delivers base64-encoded as ``awslogs.data``. So a record is decoded as the delivery
``{"awslogs": {"data": record.kinesis.data}}`` by the same ``decode_delivery``: the same documents and the same
document ids, and switching a log group between the two paths never duplicates what was already indexed.

Each record is one delivery: indexed, and whatever does not land parked, exactly as a direct delivery is. A record
fails (and is named in the partial batch response, so the mapping retries from it) only when parking fails or on
a bug; everything else succeeds, so one bad record or an outage of the engine never stalls the shard.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import orjson
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord

from logwarden import schema
from logwarden.inflate import DEFAULT_LIMITS, InflateLimits
from logwarden.ingest.cloudwatch import decode_delivery
from logwarden.ingest.pipeline import IngestReport
from logwarden.ingest.records import RejectedInput, SourceBatch
from logwarden.routing import Router

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from logwarden.ingest.service import IngestService

EVENT_SOURCE_KINESIS: Final = "aws:kinesis"


def is_kinesis_event(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, dict) else None
    return (
        isinstance(records, list)
        and bool(records)
        and all(isinstance(r, dict) and r.get("eventSource") == EVENT_SOURCE_KINESIS for r in records)
    )


def decode_kinesis_record(
    record: Mapping[str, Any], router: Router, region: str | None = None, limits: InflateLimits = DEFAULT_LIMITS
) -> SourceBatch:
    """One Kinesis record holding a CloudWatch Logs payload -> its source records, exactly as a direct delivery."""
    kinesis = record.get("kinesis")
    data = kinesis.get("data") if isinstance(kinesis, Mapping) else None
    if not isinstance(data, str):
        batch = SourceBatch()
        origin = {schema.ORIGIN_TYPE: "kinesis", schema.ORIGIN_EVENT_ID: str(record.get("eventID", ""))}
        batch.rejected.append(
            RejectedInput("malformed_kinesis_record", "kinesis.data is missing", origin, _json_text(record))
        )
        return batch
    return decode_delivery({"awslogs": {"data": data}}, router, region, limits)


def decode_kinesis_event(event: Mapping[str, Any], router: Router, region: str | None = None) -> SourceBatch:
    """Every record of an event in one batch (``logwarden ingest``; the function ingests record by record)."""
    batch = SourceBatch()
    for record in event.get("Records", []):
        part = decode_kinesis_record(record, router, region)
        batch.records.extend(part.records)
        batch.rejected.extend(part.rejected)
        batch.control_messages += part.control_messages
    return batch


@dataclass(slots=True)
class KinesisOutcome:
    """The partial batch response for the mapping, and the batch's ingest report summed over its records."""

    response: dict[str, Any]
    report: IngestReport
    records: int = 0
    failed_records: list[str] = field(default_factory=list)


def ingest_kinesis_event(
    service: IngestService,
    event: dict[str, Any],
    remaining_s: Callable[[], float],
    *,
    region: str | None = None,
    context: LambdaContext | None = None,
) -> KinesisOutcome:
    """Ingest each record as one delivery; failed records go into ``batchItemFailures`` (Powertools' batch
    processor). Raises ``BatchProcessingError`` when every record failed, so the mapping retries the batch."""
    report = IngestReport()

    def ingest_record(record: KinesisStreamRecord) -> None:
        batch = decode_kinesis_record(record.raw_event, service.router, region, service.inflate_limits)
        report.absorb(service.ingest(batch, remaining_s))

    processor = BatchProcessor(event_type=EventType.KinesisDataStreams)
    response = process_partial_response(
        event=event,
        record_handler=ingest_record,
        processor=processor,
        context=context,  # the CLI has none
    )
    failures = [str(item["itemIdentifier"]) for item in response.get("batchItemFailures", [])]
    return KinesisOutcome(dict(response), report, len(event.get("Records", [])), failures)


def _json_text(item: Any) -> str:
    try:
        return orjson.dumps(item).decode()
    except TypeError:
        return repr(item)


def encode_kinesis_event(
    deliveries: Sequence[dict[str, Any]],
    *,
    stream_arn: str = "arn:aws:kinesis:eu-central-1:123456789012:stream/logwarden-logs",
    first_sequence: int = 49_650_000_000_000_000_000_000_000_000_000_000_000_000_000_000,
    arrival_s: float = 1_764_078_000.0,
) -> dict[str, Any]:
    """A Kinesis event as the mapping delivers it, one record per CloudWatch Logs delivery (``encode_delivery``'s
    output): what CloudWatch Logs writes to a stream is the same gzip'd JSON. For the samples, tests and benchmarks.
    """
    records = []
    region, account = stream_arn.split(":")[3:5]
    for number, delivery in enumerate(deliveries):
        sequence = str(first_sequence + number)
        data = delivery["awslogs"]["data"]
        payload = orjson.loads(gzip.decompress(base64.b64decode(data)))
        partition_key = hashlib.blake2b(str(payload.get("logStream", "")).encode(), digest_size=16).hexdigest()
        records.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    # CloudWatch Logs picks the partition key itself; a digest of the stream name stands in for it.
                    "partitionKey": partition_key,
                    "sequenceNumber": sequence,
                    "data": data,
                    "approximateArrivalTimestamp": arrival_s + number / 1000,
                },
                "eventSource": EVENT_SOURCE_KINESIS,
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": f"arn:aws:iam::{account}:role/logwarden-ingest-kinesis",
                "awsRegion": region,
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": records}
