"""Where the bootstrap connects, from the environment (the Lambda) or the command line; read once, checked once.

Everything that shapes the indices, policies and roles is a ``BootstrapParams`` (custom-resource properties);
this is only the connection.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from logwarden.errors import ConfigurationError

AUTH_MODES = ("sigv4", "basic", "none")


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class BootstrapConfig:
    opensearch_endpoint: str
    dashboards_endpoint: str = ""
    auth: str = "sigv4"
    region: str = ""
    username: str = ""
    password: str = ""
    ca_certs: str = ""
    allow_no_ism: bool = False
    timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        problems = []
        if not self.opensearch_endpoint.startswith(("https://", "http://")):
            problems.append(f"LOGWARDEN_OPENSEARCH_ENDPOINT {self.opensearch_endpoint!r}: an http(s):// URL")
        if self.dashboards_endpoint and not self.dashboards_endpoint.startswith(("https://", "http://")):
            problems.append(f"LOGWARDEN_DASHBOARDS_ENDPOINT {self.dashboards_endpoint!r}: an http(s):// URL")
        if self.auth not in AUTH_MODES:
            problems.append(f"LOGWARDEN_OPENSEARCH_AUTH {self.auth!r}: one of {', '.join(AUTH_MODES)}")
        if self.auth == "sigv4" and not self.region:
            problems.append("AWS_REGION: required for SigV4")
        if self.auth == "basic" and not (self.username and self.password):
            problems.append("LOGWARDEN_OPENSEARCH_USERNAME and LOGWARDEN_OPENSEARCH_PASSWORD: required for basic auth")
        if problems:
            raise ConfigurationError(problems)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> BootstrapConfig:
        env = os.environ if environ is None else environ
        try:
            timeout = float(env.get("LOGWARDEN_BOOTSTRAP_TIMEOUT_SECONDS", "30"))
        except ValueError:
            raise ConfigurationError(["LOGWARDEN_BOOTSTRAP_TIMEOUT_SECONDS: a number of seconds"]) from None
        return cls(
            opensearch_endpoint=env.get("LOGWARDEN_OPENSEARCH_ENDPOINT", ""),
            dashboards_endpoint=env.get("LOGWARDEN_DASHBOARDS_ENDPOINT", ""),
            auth=env.get("LOGWARDEN_OPENSEARCH_AUTH", "sigv4"),
            region=env.get("AWS_REGION", ""),
            username=env.get("LOGWARDEN_OPENSEARCH_USERNAME", ""),
            password=env.get("LOGWARDEN_OPENSEARCH_PASSWORD", ""),
            ca_certs=env.get("LOGWARDEN_OPENSEARCH_CA_CERTS", ""),
            allow_no_ism=_flag(env.get("LOGWARDEN_ALLOW_NO_ISM")),
            timeout_seconds=timeout,
        )
