"""Fixtures for tests on the real local services."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from logwarden.local import rabbitmq as local_rabbitmq


@pytest.fixture(scope="session")
def rabbitmq() -> local_rabbitmq.LocalRabbitMQSettings:
    """The local broker, started by `logwarden rabbitmq up` (or here, if it is not running yet)."""
    return local_rabbitmq.ensure_running()


@pytest.fixture
def scratch_queue(rabbitmq: local_rabbitmq.LocalRabbitMQSettings) -> Iterator[str]:
    """A fresh queue for one test, deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    connection = local_rabbitmq.connect(rabbitmq)
    connection.channel().queue_declare(name, durable=False, auto_delete=False)
    try:
        yield name
    finally:
        connection.channel().queue_delete(name)
        connection.close()
