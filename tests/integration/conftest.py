"""Integration fixtures: the real local OpenSearch (started by `logwarden opensearch up`), a client built
by logwarden's own factory, and a fresh index prefix per test so tests never see each other's data."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from opensearchpy import OpenSearch

from logwarden import naming, schema
from logwarden.local import opensearch as local
from logwarden.sink.client import OpenSearchSettings, build_client


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


def install_log_templates(client: OpenSearch, prefix: str) -> None:
    """The data-stream templates ingest relies on (bootstrap installs the full set in a deployment)."""
    for subsystem in naming.SUBSYSTEMS:
        client.indices.put_index_template(
            name=f"{prefix}-{subsystem}",
            body={
                "index_patterns": [naming.subsystem_pattern(subsystem, prefix)],
                "data_stream": {},
                "priority": 200,
                "template": {
                    "settings": {"number_of_shards": 1, "number_of_replicas": 0},
                    "mappings": schema.index_mapping(),
                },
            },
        )


@pytest.fixture
def index_prefix(os_client: OpenSearch) -> Iterator[str]:
    prefix = f"it{uuid.uuid4().hex[:10]}"
    install_log_templates(os_client, prefix)
    yield prefix
    os_client.indices.delete_data_stream(name=f"{prefix}-*", ignore=[404])
    for subsystem in naming.SUBSYSTEMS:
        os_client.indices.delete_index_template(name=f"{prefix}-{subsystem}", ignore=[404])


def count(client: OpenSearch, prefix: str, query: dict[str, object] | None = None) -> int:
    client.indices.refresh(index=f"{prefix}-*", ignore_unavailable=True)
    body = {"query": query} if query else None
    return int(client.count(index=f"{prefix}-*", body=body)["count"])
