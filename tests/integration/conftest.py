"""Integration fixtures: the real local OpenSearch (started by `logwarden opensearch up`), a client built
by logwarden's own factory, and a fresh index prefix per test so tests never see each other's data."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from opensearchpy import OpenSearch

from logwarden.bootstrap.desired import DesiredState
from logwarden.bootstrap.params import BootstrapParams
from logwarden.sink.client import OpenSearchSettings, build_client
from logwarden_tools.local import opensearch_engine as local
from logwarden_tools.local import rabbitmq_broker as local_rabbitmq


@pytest.fixture(scope="session")
def local_engine() -> local.LocalConnection:
    return local.ensure_running()


@pytest.fixture(scope="session")
def opensearch_settings(local_engine: local.LocalConnection) -> OpenSearchSettings:
    return OpenSearchSettings(
        url=local_engine.url,
        auth="basic" if local_engine.username else "none",
        username=local_engine.username,
        password=local_engine.password,
        ca_certs=local_engine.ca_certs,
    )


@pytest.fixture(scope="session")
def os_client(opensearch_settings: OpenSearchSettings) -> OpenSearch:
    return build_client(opensearch_settings)


def log_templates(prefix: str) -> dict[str, dict[str, object]]:
    """The bootstrap's own index templates for a test prefix (one replica would never be allocated here)."""
    return DesiredState.build(BootstrapParams(prefix=prefix, name=prefix, replicas=0)).index_templates


def install_log_templates(client: OpenSearch, prefix: str) -> None:
    """The data-stream templates ingest relies on, exactly as the bootstrap installs them on deploy."""
    for name, body in log_templates(prefix).items():
        client.indices.put_index_template(name=name, body=body)


@pytest.fixture
def index_prefix(os_client: OpenSearch) -> Iterator[str]:
    prefix = f"it{uuid.uuid4().hex[:10]}"
    install_log_templates(os_client, prefix)
    yield prefix
    os_client.indices.delete_data_stream(name=f"{prefix}-*", ignore=[404])
    for name in log_templates(prefix):
        os_client.indices.delete_index_template(name=name, ignore=[404])


def count(client: OpenSearch, prefix: str, query: dict[str, object] | None = None) -> int:
    client.indices.refresh(index=f"{prefix}-*", ignore_unavailable=True)
    body = {"query": query} if query else None
    return int(client.count(index=f"{prefix}-*", body=body)["count"])


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
