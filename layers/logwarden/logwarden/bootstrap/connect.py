"""The bootstrap's adapters on real endpoints, reusing the project's client (SigV4 with refreshable credentials,
basic auth, or none)."""

from __future__ import annotations

from typing import Any

from logwarden.bootstrap.admin import DashboardsHttpAdmin, OpenSearchAdmin
from logwarden.bootstrap.config import BootstrapConfig
from logwarden.sink.client import OpenSearchSettings, build_client


def _dashboards_auth(settings: OpenSearchSettings) -> Any:
    if settings.auth == "basic":
        return (settings.username or "", settings.password or "")
    if settings.auth == "sigv4":
        import boto3
        from requests_aws4auth import AWS4Auth

        session = boto3.Session()
        region = settings.region or session.region_name or "us-east-1"
        # botocore's credentials refresh themselves, so a warm container never signs with expired keys.
        return AWS4Auth(region=region, service=settings.service, refreshable_credentials=session.get_credentials())
    return None


def admins(config: BootstrapConfig) -> tuple[OpenSearchAdmin, DashboardsHttpAdmin | None]:
    cluster = OpenSearchAdmin(build_client(config.opensearch))
    dashboards = None
    if config.dashboards_endpoint:
        settings = config.opensearch
        verify: bool | str = settings.ca_certs or True
        dashboards = DashboardsHttpAdmin(
            config.dashboards_endpoint, _dashboards_auth(settings), verify, settings.timeout_s
        )
    return cluster, dashboards
