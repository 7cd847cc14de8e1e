"""The bootstrap's adapters on real endpoints, reusing the project's client and its one SigV4 signer (opensearch-py's,
with the session's refreshable credentials), basic auth, or none."""

from __future__ import annotations

from logwarden.bootstrap.admin import DashboardsHttpAdmin, OpenSearchAdmin
from logwarden.bootstrap.config import BootstrapConfig
from logwarden.sink.client import build_client, requests_auth


def admins(config: BootstrapConfig) -> tuple[OpenSearchAdmin, DashboardsHttpAdmin | None]:
    cluster = OpenSearchAdmin(build_client(config.opensearch))
    dashboards = None
    if config.dashboards_endpoint:
        settings = config.opensearch
        verify: bool | str = settings.ca_certs or True
        dashboards = DashboardsHttpAdmin(
            config.dashboards_endpoint, requests_auth(settings), verify, settings.timeout_s
        )
    return cluster, dashboards
