"""The real adapters: OpenSearch through an opensearch-py client, Dashboards through its saved-objects HTTP API."""

from __future__ import annotations

import fnmatch
from typing import Any
from urllib.parse import quote

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import NotFoundError, TransportError

from logwarden.bootstrap.ports import StoredPolicy
from logwarden.errors import LogwardenError, RetryableError

_SECURITY = "/_plugins/_security/api"
_ISM = "/_plugins/_ism"


class BootstrapError(LogwardenError):
    """OpenSearch refused a bootstrap request; the message says which and why."""


def _raise(error: Exception, what: str) -> None:
    if isinstance(error, OSConnectionError):
        raise RetryableError(f"{what}: cannot reach OpenSearch: {error}") from error
    if isinstance(error, TransportError):
        status = error.status_code if isinstance(error.status_code, int) else 0
        if status == 429 or status >= 500:
            raise RetryableError(f"{what}: OpenSearch answered {status}: {error.info}") from error
        raise BootstrapError(f"{what}: OpenSearch answered {error.status_code}: {error.info}") from error
    raise error


class OpenSearchAdmin:
    """``ClusterAdmin`` on a live cluster; the client carries the auth (basic or SigV4) and TLS settings."""

    def __init__(self, client: OpenSearch) -> None:
        self._client = client

    def _request(self, method: str, path: str, what: str, body: Any = None, params: Any = None) -> Any:
        try:
            return self._client.transport.perform_request(method, path, params=params, body=body)
        except (TransportError, OSConnectionError) as error:
            _raise(error, what)

    def _get_or_none(self, path: str, what: str) -> Any:
        try:
            return self._client.transport.perform_request("GET", path)
        except NotFoundError:
            return None
        except (TransportError, OSConnectionError) as error:
            _raise(error, what)

    # index templates
    def get_index_template(self, name: str) -> dict[str, Any] | None:
        found = self._get_or_none(f"/_index_template/{quote(name)}", f"read index template {name}")
        if not found or not found.get("index_templates"):
            return None
        template: dict[str, Any] = found["index_templates"][0]["index_template"]
        return template

    def put_index_template(self, name: str, body: dict[str, Any]) -> None:
        self._request("PUT", f"/_index_template/{quote(name)}", f"write index template {name}", body)

    def delete_index_template(self, name: str) -> None:
        self._request("DELETE", f"/_index_template/{quote(name)}", f"delete index template {name}")

    # ISM
    def ism_available(self) -> bool:
        try:
            self._client.transport.perform_request("GET", f"{_ISM}/policies", params={"size": 1})
            return True
        except (NotFoundError, TransportError) as error:
            if "no handler found" in str(error.info) or error.status_code in (400, 404, 405):
                return False
            _raise(error, "probe ISM")
        except OSConnectionError as error:
            _raise(error, "probe ISM")
        return False

    def get_ism_policy(self, policy_id: str) -> StoredPolicy | None:
        found = self._get_or_none(f"{_ISM}/policies/{quote(policy_id)}", f"read ISM policy {policy_id}")
        if not found:
            return None
        return StoredPolicy(found["policy"], int(found["_seq_no"]), int(found["_primary_term"]))

    def put_ism_policy(
        self, policy_id: str, body: dict[str, Any], if_seq_no: int | None = None, if_primary_term: int | None = None
    ) -> None:
        params = None
        if if_seq_no is not None and if_primary_term is not None:
            params = {"if_seq_no": if_seq_no, "if_primary_term": if_primary_term}
        self._request("PUT", f"{_ISM}/policies/{quote(policy_id)}", f"write ISM policy {policy_id}", body, params)

    def delete_ism_policy(self, policy_id: str) -> None:
        self._request("DELETE", f"{_ISM}/policies/{quote(policy_id)}", f"delete ISM policy {policy_id}")

    def change_policy(self, indices: list[str], policy_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._request(
            "POST", f"{_ISM}/change_policy/{','.join(indices)}", f"change policy of {indices}", {"policy_id": policy_id}
        )
        return result

    # security
    def _get_security(self, kind: str, name: str) -> dict[str, Any] | None:
        found = self._get_or_none(f"{_SECURITY}/{kind}/{quote(name)}", f"read {kind} {name}")
        if not found or name not in found:
            return None
        entry: dict[str, Any] = found[name]
        return entry

    def get_role(self, name: str) -> dict[str, Any] | None:
        return self._get_security("roles", name)

    def put_role(self, name: str, body: dict[str, Any]) -> None:
        self._request("PUT", f"{_SECURITY}/roles/{quote(name)}", f"write role {name}", body)

    def delete_role(self, name: str) -> None:
        self._request("DELETE", f"{_SECURITY}/roles/{quote(name)}", f"delete role {name}")

    def get_role_mapping(self, name: str) -> dict[str, Any] | None:
        return self._get_security("rolesmapping", name)

    def put_role_mapping(self, name: str, body: dict[str, Any]) -> None:
        self._request("PUT", f"{_SECURITY}/rolesmapping/{quote(name)}", f"write role mapping {name}", body)

    def delete_role_mapping(self, name: str) -> None:
        self._request("DELETE", f"{_SECURITY}/rolesmapping/{quote(name)}", f"delete role mapping {name}")

    # data streams
    def get_audit_config(self) -> dict[str, Any] | None:
        found = self._get_or_none(f"{_SECURITY}/audit", "read the audit log configuration")
        config: dict[str, Any] | None = found.get("config") if found else None
        return config

    def put_audit_config(self, body: dict[str, Any]) -> None:
        self._request("PUT", f"{_SECURITY}/audit/config", "write the audit log configuration", body)

    def existing_data_streams(self, names: list[str]) -> list[str]:
        found = self._request("GET", "/_data_stream", "list data streams") or {}
        present = [ds["name"] for ds in found.get("data_streams", [])]
        return sorted(n for n in present if any(fnmatch.fnmatchcase(n, pattern) for pattern in names))

    def delete_data_stream(self, name: str) -> None:
        self._request("DELETE", f"/_data_stream/{quote(name)}", f"delete data stream {name}")


class DashboardsHttpAdmin:
    """``DashboardsAdmin`` over the saved-objects API (``osd-xsrf`` header, basic or SigV4 auth via ``auth``)."""

    def __init__(self, base_url: str, auth: Any = None, verify: bool | str = True, timeout: float = 30.0) -> None:
        import requests  # only the bootstrap talks to Dashboards; keep it out of the ingest import path

        self._session = requests.Session()
        self._session.auth = auth
        # Given with each request: a session's own verify loses to REQUESTS_CA_BUNDLE in the environment.
        self._verify = verify
        self._session.headers["osd-xsrf"] = "true"
        self._base = base_url.rstrip("/")
        self._timeout = timeout

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        import requests

        try:
            response = self._session.request(
                method, self._base + path, timeout=self._timeout, verify=self._verify, **kwargs
            )
        except requests.RequestException as error:
            raise RetryableError(f"{what}: cannot reach Dashboards: {error}") from error
        if response.status_code == 404 and method == "DELETE":
            return None
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableError(f"{what}: Dashboards answered {response.status_code}: {response.text[:300]}")
        if response.status_code >= 400:
            raise BootstrapError(f"{what}: Dashboards answered {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    def get_saved_objects(self, refs: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        body = [{"type": t, "id": i} for t, i in refs]
        found = self._call("POST", "/api/saved_objects/_bulk_get", "read saved objects", json=body) or {}
        return {(obj["type"], obj["id"]): obj for obj in found.get("saved_objects", []) if "error" not in obj}

    def import_saved_objects(self, ndjson: str) -> None:
        files = {"file": ("logwarden.ndjson", ndjson.encode(), "application/ndjson")}
        result = self._call(
            "POST", "/api/saved_objects/_import", "import saved objects", params={"overwrite": "true"}, files=files
        )
        if result and not result.get("success", False):
            raise BootstrapError(f"import saved objects: {result.get('errors')}")

    def delete_saved_object(self, object_type: str, object_id: str) -> None:
        self._call("DELETE", f"/api/saved_objects/{object_type}/{quote(object_id)}", f"delete {object_type}")
