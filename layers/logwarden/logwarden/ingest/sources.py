"""Recognise which Lambda event a payload is and decode it with the matching source adapter."""

from __future__ import annotations

from typing import Any

from logwarden import schema
from logwarden.ingest.amazon_mq import EVENT_SOURCE_RMQ, decode_rmq_event
from logwarden.ingest.cloudwatch import decode_delivery
from logwarden.ingest.kinesis import decode_kinesis_event, is_kinesis_event
from logwarden.ingest.records import RejectedInput, SourceBatch
from logwarden.routing import Router


def decode_event(event: Any, router: Router, region: str | None = None) -> SourceBatch:
    if isinstance(event, dict) and "awslogs" in event:
        return decode_delivery(event, router, region)
    if isinstance(event, dict) and event.get("eventSource") == EVENT_SOURCE_RMQ:
        return decode_rmq_event(event, router)
    if is_kinesis_event(event):
        return decode_kinesis_event(event, router, region)
    batch = SourceBatch()
    batch.rejected.append(
        RejectedInput(
            "unknown_event_source",
            "neither a CloudWatch Logs subscription event, aws:rmq nor aws:kinesis",
            {schema.ORIGIN_TYPE: "unknown"},
            str(event),
        )
    )
    return batch
