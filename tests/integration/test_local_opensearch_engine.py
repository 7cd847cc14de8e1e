"""The local engine as `logwarden opensearch up` leaves it: HTTPS with auth, reused when already running, and
the core features the index design relies on (templates, data streams, `create` conflicts, rollover,
`flat_object`, `match_only_text`) present in the integ-test distribution."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from opensearchpy import OpenSearch

from logwarden_tools.local import opensearch_engine as local

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def connection() -> local.LocalConnection:
    return local.ensure_running()


@pytest.fixture(scope="module")
def client(connection: local.LocalConnection) -> OpenSearch:
    auth = (connection.username, connection.password) if connection.username else None
    return OpenSearch(
        hosts=[connection.url],
        http_auth=auth,
        use_ssl=connection.url.startswith("https"),
        verify_certs=True,
        ca_certs=connection.ca_certs,
        timeout=30,
    )


def test_up_twice_reuses_the_running_engine(connection: local.LocalConnection) -> None:
    first = local.up()
    second = local.up()
    assert not first.started and not second.started
    assert first.pid == second.pid
    assert second.connection == connection


def test_https_with_credentials_answers_with_the_version(connection: local.LocalConnection) -> None:
    status, body = local.request(connection, "/")
    assert status == 200
    assert body["version"]["number"] == local.VERSION


def test_requests_without_credentials_are_refused(connection: local.LocalConnection) -> None:
    if connection.username is None:
        pytest.skip("plain profile has no authentication")
    status, _ = local.request(connection, "/", auth=False)
    assert status == 401


def test_certificate_is_checked_against_the_demo_root_ca_including_the_host_name(
    connection: local.LocalConnection,
) -> None:
    if connection.ca_certs is None:
        pytest.skip("plain profile has no TLS")
    trusting_only_the_system = ssl.create_default_context()
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        urllib.request.urlopen(connection.url, context=trusting_only_the_system, timeout=5)  # noqa: S310
    trusting_the_demo_ca = ssl.create_default_context(cafile=connection.ca_certs)
    assert trusting_the_demo_ca.check_hostname
    with pytest.raises(urllib.error.HTTPError) as refused:  # TLS and host name pass; then auth is required
        urllib.request.urlopen(connection.url, context=trusting_the_demo_ca, timeout=5)  # noqa: S310
    assert refused.value.code == 401


def test_status_reports_a_healthy_engine() -> None:
    state = local.status()
    assert state.running and state.installed
    assert state.health in ("green", "yellow")
    assert state.version == local.VERSION


@pytest.fixture
def stream(client: OpenSearch) -> Iterator[str]:
    name = f"lwtest-{uuid.uuid4().hex[:8]}"
    client.indices.put_index_template(
        name=name,
        body={
            "index_patterns": [f"{name}*"],
            "data_stream": {},
            "template": {
                "settings": {"number_of_shards": 1, "number_of_replicas": 0},
                "mappings": {
                    "dynamic": "strict",
                    "properties": {
                        "@timestamp": {"type": "date"},
                        "message": {"type": "match_only_text"},
                        "labels": {"type": "flat_object"},
                        "level": {"type": "keyword"},
                    },
                },
            },
        },
    )
    yield name
    client.indices.delete_data_stream(name=name, ignore=[404])
    client.indices.delete_index_template(name=name, ignore=[404])


def test_data_stream_create_conflict_rollover_and_core_field_types(client: OpenSearch, stream: str) -> None:
    # GIVEN a data stream from an index template using match_only_text and flat_object
    doc = {
        "@timestamp": "2026-01-02T03:04:05Z",
        "message": "order 4711 created for customer 42",
        "labels": {"shop": {"tenant": "eu", "cart": {"items": 3}}, "anything": ["goes", "here"]},
        "level": "INFO",
    }
    body = [{"create": {"_index": stream, "_id": "doc-1"}}, doc]

    # WHEN the same `create` bulk is sent twice
    first = client.bulk(body=body, refresh=True)
    second = client.bulk(body=body, refresh=True)

    # THEN the first creates the document and the second is a 409 conflict, not a second document
    assert not first["errors"] and first["items"][0]["create"]["status"] == 201
    assert second["errors"] and second["items"][0]["create"]["status"] == 409
    assert client.count(index=stream)["count"] == 1

    # AND match_only_text answers full-text queries, flat_object answers dotted-path term queries
    assert (
        client.search(index=stream, body={"query": {"match": {"message": "customer"}}})["hits"]["total"]["value"] == 1
    )
    by_label = {"query": {"term": {"labels.shop.tenant": "eu"}}}
    assert client.search(index=stream, body=by_label)["hits"]["total"]["value"] == 1
    mapping = next(iter(client.indices.get_mapping(index=stream).values()))["mappings"]["properties"]
    assert mapping["labels"]["type"] == "flat_object"
    assert mapping["message"]["type"] == "match_only_text"

    # AND the data stream rolls over to a second backing index
    rolled = client.indices.rollover(alias=stream)
    assert rolled["rolled_over"]
    backing = client.indices.get_data_stream(name=stream)["data_streams"][0]
    assert backing["generation"] == 2
    assert [index["index_name"] for index in backing["indices"]] == [
        f".ds-{stream}-000001",
        f".ds-{stream}-000002",
    ]
