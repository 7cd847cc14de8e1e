"""RabbitMQ broker log lines (placeholder until the broker parser lands: recognises nothing)."""

from __future__ import annotations

from typing import Any


def parse_broker_line(text: str) -> dict[str, Any] | None:
    return None
