"""The OpenSearch client factory and the configuration that feeds it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.credentials import RefreshableCredentials
from opensearchpy import Urllib3AWSV4SignerAuth

from logwarden.config import IngestConfig
from logwarden.errors import ConfigurationError
from logwarden.sink.client import OpenSearchSettings, build_client, infer_auth, requests_auth


def test_amazon_endpoints_are_signed_with_refreshable_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN role credentials that expire (a Lambda's), refreshed by botocore when they near expiry
    issued = iter(range(1, 100))

    def refresh() -> dict[str, str]:
        expiry = datetime.now(UTC) + timedelta(minutes=5)  # inside botocore's refresh window: refresh each use
        return {
            "access_key": "AKIDEXAMPLE",
            "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "token": f"token-{next(issued)}",
            "expiry_time": expiry.isoformat(),
        }

    credentials = RefreshableCredentials.create_from_metadata(refresh(), refresh, "test")

    class Session:
        region_name = "eu-central-1"

        def get_credentials(self) -> RefreshableCredentials:
            return credentials

    monkeypatch.setattr("boto3.Session", Session)
    url = "https://search-logs-abc.eu-central-1.es.amazonaws.com"
    assert infer_auth(url, None) == "sigv4"
    client = build_client(OpenSearchSettings(url=url, auth="sigv4", region="eu-central-1"))
    [connection] = client.transport.connection_pool.connections
    signer = connection.http_auth
    assert isinstance(signer, Urllib3AWSV4SignerAuth)
    # WHEN two requests are signed
    first = signer("POST", f"{url}/_bulk", b"{}\n", {})
    second = signer("GET", f"{url}/", None, {})
    # THEN both are SigV4 for the es service, and the second carries the refreshed token
    assert first["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-central-1/es/aws4_request" in first["Authorization"]
    assert first["X-Amz-Security-Token"] != second["X-Amz-Security-Token"]


def test_dashboards_requests_are_signed_by_the_same_signer_family(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a Lambda's credentials in its environment
    import requests

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token")
    url = "https://search-logs-abc.eu-central-1.es.amazonaws.com/_dashboards"
    # WHEN a saved-objects request is prepared with the bootstrap's auth
    auth = requests_auth(OpenSearchSettings(url=url, auth="sigv4", region="eu-central-1"))
    prepared = requests.Request("POST", url + "/api/saved_objects/_bulk_get", json=[], auth=auth).prepare()
    # THEN it is SigV4 for the domain's region and service, with the session token
    assert prepared.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-central-1/es/aws4_request" in prepared.headers["Authorization"]
    assert prepared.headers["X-Amz-Security-Token"] == "session-token"
    assert requests_auth(OpenSearchSettings(url=url, auth="basic", username="u", password="p")) == ("u", "p")
    assert requests_auth(OpenSearchSettings(url=url, auth="none")) is None


def test_other_clusters_use_basic_auth_and_the_given_ca() -> None:
    assert infer_auth("https://127.0.0.1:9200", "admin") == "basic"
    assert infer_auth("http://localhost:9200", None) == "none"
    client = build_client(OpenSearchSettings(url="https://127.0.0.1:9200", auth="basic", username="u", password="p"))
    [connection] = client.transport.connection_pool.connections
    assert connection.use_ssl and connection.host == "https://127.0.0.1:9200"


def test_the_client_never_retries_behind_the_bulk_loop() -> None:
    client = build_client(OpenSearchSettings(url="http://127.0.0.1:9200"))
    assert client.transport.max_retries == 0


def test_config_accepts_bare_amazon_host_names(monkeypatch: pytest.MonkeyPatch) -> None:
    config = IngestConfig.from_env(
        {
            "LOGWARDEN_OPENSEARCH_ENDPOINT": "search-logs-abc.eu-central-1.es.amazonaws.com",
            "LOGWARDEN_DEADLETTER_BUCKET": "dlq",
            "AWS_REGION": "eu-central-1",
            "LOGWARDEN_STAGE": "prod",
        }
    )
    assert config.opensearch is not None
    assert config.opensearch.url == "https://search-logs-abc.eu-central-1.es.amazonaws.com"
    assert config.opensearch.auth == "sigv4"
    assert config.drop_debug is True  # DEBUG is never stored in production by default


def test_config_errors_name_every_problem() -> None:
    with pytest.raises(ConfigurationError) as raised:
        IngestConfig.from_env(
            {"OPENSEARCH_URL": "https://x:9200", "LOGWARDEN_DROP_DEBUG": "maybe", "LOGWARDEN_ROUTING_RULES": "[1]"}
        )
    text = str(raised.value)
    assert "LOGWARDEN_DEADLETTER_BUCKET" in text and "LOGWARDEN_DROP_DEBUG" in text
    assert "LOGWARDEN_ROUTING_RULES" in text and "basic auth" not in text
