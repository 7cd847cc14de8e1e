"""Build an OpenSearch client for Amazon OpenSearch (SigV4) or a self-managed/local engine (basic auth).

The client is built once per Lambda container and reused; SigV4 signs every request with the session's
refreshable credentials, so a container living for hours never signs with expired keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlparse

if TYPE_CHECKING:
    from opensearchpy import OpenSearch

AuthMode = Literal["sigv4", "basic", "none"]


@dataclass(frozen=True, slots=True)
class OpenSearchSettings:
    url: str
    auth: AuthMode = "none"
    username: str | None = None
    password: str | None = None
    ca_certs: str | None = None
    region: str | None = None
    service: str = "es"  # "aoss" for OpenSearch Serverless
    timeout_s: float = 30.0

    def describe(self) -> str:
        """For logs and errors: never includes the password."""
        return f"{self.url} (auth={self.auth})"


def infer_auth(url: str, username: str | None) -> AuthMode:
    host = urlparse(url).hostname or ""
    if host.endswith(".amazonaws.com"):
        return "sigv4"
    return "basic" if username else "none"


def _signing_identity(settings: OpenSearchSettings) -> tuple[Any, str]:
    """The session's credentials (botocore refreshes them, so a warm container never signs with expired keys)
    and the region to sign for."""
    import boto3  # only Lambda and SigV4 users pay for boto3's import

    session = boto3.Session()
    credentials = session.get_credentials()
    if credentials is None:
        raise RuntimeError("SigV4 signing needs AWS credentials and none were found")
    return credentials, settings.region or session.region_name or "us-east-1"


def requests_auth(settings: OpenSearchSettings) -> Any:
    """The same signer as the data path's, for callers that speak HTTP through ``requests`` (Dashboards' API)."""
    if settings.auth == "sigv4":
        from opensearchpy import RequestsAWSV4SignerAuth

        credentials, region = _signing_identity(settings)
        return RequestsAWSV4SignerAuth(credentials, region, settings.service)
    if settings.auth == "basic":
        return (settings.username or "", settings.password or "")
    return None


def build_client(settings: OpenSearchSettings) -> OpenSearch:
    # Imported here: the client and what it pulls in (requests, urllib3) take a third of a second to import, which
    # every process reading the settings (`logwarden ingest --dry-run`, `logwarden mask`) would pay for nothing.
    from opensearchpy import OpenSearch, Urllib3AWSV4SignerAuth, Urllib3HttpConnection

    parsed = urlparse(settings.url)
    use_ssl = parsed.scheme == "https"
    port = parsed.port or (443 if use_ssl else 9200)
    http_auth: object = None
    if settings.auth == "sigv4":
        credentials, region = _signing_identity(settings)
        http_auth = Urllib3AWSV4SignerAuth(credentials, region, settings.service)
    elif settings.auth == "basic":
        http_auth = (settings.username or "", settings.password or "")
    return OpenSearch(
        hosts=[{"host": parsed.hostname or "localhost", "port": port}],
        http_auth=http_auth,
        use_ssl=use_ssl,
        verify_certs=use_ssl,
        ca_certs=settings.ca_certs if use_ssl else None,
        ssl_show_warn=False,
        connection_class=Urllib3HttpConnection,
        timeout=settings.timeout_s,
        # Our own loop retries with backoff and a deadline; the client must not retry behind its back.
        max_retries=0,
        retry_on_timeout=False,
        http_compress=True,
        pool_maxsize=4,
    )
