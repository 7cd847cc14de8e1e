"""Where the bootstrap connects: the same OpenSearch variables as every function (``logwarden.config``), plus
the Dashboards endpoint and whether a cluster without ISM is acceptable. Read once, every problem named at once.

Everything that shapes indices, policies and roles is a ``BootstrapParams`` (custom-resource properties); this
is only the connection.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from logwarden.bootstrap.custom_resource import RequestChecks
from logwarden.config import _Reader, opensearch_settings
from logwarden.errors import ConfigurationError
from logwarden.sink.client import OpenSearchSettings


@dataclass(frozen=True, slots=True)
class BootstrapConfig:
    opensearch: OpenSearchSettings
    dashboards_endpoint: str | None = None
    allow_no_ism: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BootstrapConfig:
        reader = _Reader(os.environ if env is None else env)
        settings = opensearch_settings(reader)
        dashboards = reader.text("LOGWARDEN_DASHBOARDS_ENDPOINT")
        if dashboards is not None and "://" not in dashboards:
            dashboards = "https://" + dashboards
        allow_no_ism = reader.flag("LOGWARDEN_ALLOW_NO_ISM")
        if reader.problems or settings is None:
            raise ConfigurationError(reader.problems)
        return cls(
            settings,
            dashboards.rstrip("/") if dashboards else None,
            allow_no_ism,
        )


def request_checks(env: Mapping[str, str] | None = None) -> RequestChecks:
    """Which CloudFormation requests to act on, read apart from the rest: even with a broken connection setting
    the bootstrap must know whom it may answer (and answer FAILED)."""
    reader = _Reader(os.environ if env is None else env)
    checks = RequestChecks(
        reader.text("LOGWARDEN_STACK_ID"), reader.flag("LOGWARDEN_BOOTSTRAP_ALLOW_LOCAL_RESPONSE_URL")
    )
    if reader.problems:
        raise ConfigurationError(reader.problems)
    return checks
