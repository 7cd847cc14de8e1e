"""Build the clients the bootstrap talks through (SigV4 with refreshable credentials, basic auth, or none)."""

from __future__ import annotations

from typing import Any

from opensearchpy import AWSV4SignerAuth, OpenSearch, RequestsHttpConnection

from logwarden.bootstrap.admin import DashboardsHttpAdmin, OpenSearchAdmin
from logwarden.bootstrap.config import BootstrapConfig


def _auth(config: BootstrapConfig, for_requests: bool) -> Any:
    if config.auth == "basic":
        return (config.username, config.password)
    if config.auth == "sigv4":
        import boto3

        # botocore's credentials refresh themselves, so a warm container never signs with expired keys.
        credentials = boto3.Session().get_credentials()
        if for_requests:
            from requests_aws4auth import AWS4Auth

            return AWS4Auth(region=config.region, service="es", refreshable_credentials=credentials)
        return AWSV4SignerAuth(credentials, config.region, "es")
    return None


def _verify(config: BootstrapConfig) -> bool | str:
    return config.ca_certs or True


def opensearch_client(config: BootstrapConfig) -> OpenSearch:
    return OpenSearch(
        hosts=[config.opensearch_endpoint],
        http_auth=_auth(config, for_requests=False),
        use_ssl=config.opensearch_endpoint.startswith("https://"),
        verify_certs=True,
        ca_certs=config.ca_certs or None,
        connection_class=RequestsHttpConnection,
        timeout=config.timeout_seconds,
        max_retries=2,
        retry_on_timeout=True,
    )


def admins(config: BootstrapConfig) -> tuple[OpenSearchAdmin, DashboardsHttpAdmin | None]:
    cluster = OpenSearchAdmin(opensearch_client(config))
    dashboards = None
    if config.dashboards_endpoint:
        dashboards = DashboardsHttpAdmin(
            config.dashboards_endpoint, _auth(config, for_requests=True), _verify(config), config.timeout_seconds
        )
    return cluster, dashboards
