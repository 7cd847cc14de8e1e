"""The bootstrap on the real local OpenSearch with the Security plugin: templates, data streams per level
family, idempotence, updates, the delete path, core rollover under the policy's own conditions, and the roles
as the Security plugin enforces them. Every test works under its own prefix and role names, so people sharing
the engine never collide."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import AuthorizationException, TransportError

from logwarden import schema
from logwarden.bootstrap.admin import OpenSearchAdmin
from logwarden.bootstrap.apply import bootstrap, teardown
from logwarden.bootstrap.desired import DesiredState
from logwarden.bootstrap.ism import core_rollover_conditions, ism_policies
from logwarden.bootstrap.params import BootstrapParams
from logwarden.naming import SUBSYSTEMS, data_stream_name
from logwarden.sink.bulk import IndexAction
from logwarden.sink.client import AuthMode, OpenSearchSettings, build_client
from logwarden_tools.local import opensearch_engine as local

pytestmark = pytest.mark.integration

LEVELS = {"DEBUG": "debug", "INFO": "info", "WARN": "warn", "ERROR": "error", "FATAL": "error"}


@pytest.fixture(scope="module")
def connection() -> local.LocalConnection:
    return local.ensure_running()


def _client(connection: local.LocalConnection, username: str | None = None, password: str | None = None) -> OpenSearch:
    auth: AuthMode = "basic" if connection.username else "none"
    return build_client(
        OpenSearchSettings(
            url=connection.url,
            auth=auth,
            username=username or connection.username,
            password=password or connection.password,
            ca_certs=connection.ca_certs,
        )
    )


@pytest.fixture(scope="module")
def admin_client(connection: local.LocalConnection) -> OpenSearch:
    return _client(connection)


@dataclass
class Deployment:
    params: BootstrapParams
    cluster: OpenSearchAdmin
    client: OpenSearch

    def with_(self, **changes: Any) -> BootstrapParams:
        values = {**self.params.__dict__, **changes}
        return BootstrapParams(**values)

    def apply(self, params: BootstrapParams | None = None) -> Any:
        return bootstrap(DesiredState.build(params or self.params), self.cluster)

    def write(self, subsystem: str, level: str, count: int = 1, fields: dict[str, Any] | None = None) -> str:
        stream = data_stream_name(subsystem, level, self.params.prefix)
        body = b"".join(
            IndexAction(
                stream, uuid.uuid4().hex, orjson.dumps(_document(subsystem, level, **(fields or {})))
            ).bulk_lines()
            for _ in range(count)
        )
        result = self.client.bulk(body=body, params={"refresh": "true"})
        assert not result["errors"], result
        return stream

    def count(self, target: str) -> int:
        self.client.indices.refresh(index=target)
        return int(self.client.count(index=target)["count"])


def _document(subsystem: str, level: str, **fields: Any) -> dict[str, Any]:
    return {
        schema.TIMESTAMP: "2025-11-25T16:40:01.004Z",
        schema.LEVEL: level,
        schema.SUBSYSTEM: subsystem,
        schema.SERVICE: f"{subsystem}-api",
        schema.MESSAGE: f"{level} in {subsystem}",
        **fields,
    }


def _new_deployment(admin_client: OpenSearch) -> Deployment:
    tag = uuid.uuid4().hex[:8]
    return Deployment(
        BootstrapParams(prefix=f"it{tag}", name=f"lwit{tag}", replicas=0), OpenSearchAdmin(admin_client), admin_client
    )


@pytest.fixture
def deployment(admin_client: OpenSearch) -> Iterator[Deployment]:
    made = _new_deployment(admin_client)
    yield made
    teardown(DesiredState.build(made.params), made.cluster, "all")


def test_templates_apply_and_each_level_lands_in_the_family_with_its_retention(deployment: Deployment) -> None:
    result = deployment.apply()
    assert not result.ism_available  # the local engine has no ISM plugin, and the result says so
    assert any("ISM is not available" in note for note in result.notes)
    prefix = deployment.params.prefix

    for level in LEVELS:
        deployment.write("shop", level)
    streams = {
        ds["name"]: ds
        for ds in deployment.client.transport.perform_request("GET", f"/_data_stream/{prefix}-*")["data_streams"]
    }
    assert set(streams) == {f"{prefix}-shop-{lc}" for lc in ("debug", "info", "warn", "error")}

    policies = ism_policies(deployment.params)
    for level, level_class in LEVELS.items():
        stream = f"{prefix}-shop-{level_class}"
        hits = deployment.client.search(index=stream, body={"query": {"term": {schema.LEVEL: level}}})["hits"]["hits"]
        assert len(hits) == 1 and hits[0]["_index"].startswith(f".ds-{stream}-")
        [governing] = [
            body for body in policies.values() if stream in body["policy"]["ism_template"][0]["index_patterns"]
        ]
        into_delete = [
            t for s in governing["policy"]["states"] for t in s["transitions"] if t["state_name"] == "delete"
        ]
        assert into_delete[0]["conditions"]["min_rollover_age"] == deployment.params.retention_for(level_class)
    assert deployment.count(f"{prefix}-shop-error") == 2  # ERROR and FATAL share the error family

    backing = streams[f"{prefix}-shop-info"]["indices"][0]["index_name"]
    settings = deployment.client.indices.get_settings(index=backing)[backing]["settings"]["index"]
    assert (settings["codec"], settings["refresh_interval"], settings["number_of_shards"]) == (
        "best_compression",
        "5s",
        "1",
    )
    mapping = deployment.client.indices.get_mapping(index=backing)[backing]["mappings"]
    assert mapping["dynamic"] == "false"
    assert mapping["properties"]["log"]["properties"]["level"]["type"] == "keyword"
    assert mapping["properties"]["labels"]["type"] == "flat_object"


def test_bootstrap_twice_changes_nothing_and_an_update_changes_only_that_setting(deployment: Deployment) -> None:
    deployment.apply()
    second = deployment.apply()
    assert second.applied == []

    updated = deployment.apply(deployment.with_(refresh_interval="30s"))
    assert [(c.kind, c.details) for c in updated.applied] == [
        ("index_template", ("template.settings.index.refresh_interval: '5s' -> '30s'",))
    ] * len(SUBSYSTEMS)
    name = f"{deployment.params.name}-{deployment.params.prefix}-mes"
    stored = deployment.client.transport.perform_request("GET", f"/_index_template/{name}")
    index_settings = stored["index_templates"][0]["index_template"]["template"]["settings"]["index"]
    assert index_settings == {
        "number_of_shards": "1",
        "number_of_replicas": "0",
        "refresh_interval": "30s",
        "codec": "best_compression",
    }
    assert deployment.apply(deployment.with_(refresh_interval="30s")).applied == []


def test_the_security_plugin_audits_as_the_bootstrap_configured_it(deployment: Deployment) -> None:
    deployment.apply()
    stored = deployment.client.transport.perform_request("GET", "/_plugins/_security/api/audit")["config"]
    assert stored["enabled"] is True and stored["audit"]["enable_rest"] is True
    assert stored["audit"]["log_request_body"] is False
    prefix = deployment.params.prefix
    assert stored["compliance"]["write_watched_indices"] == [f"{prefix}-*", f".ds-{prefix}-*"]
    assert [c for c in deployment.apply().applied if c.kind == "audit"] == []


def test_delete_leaves_the_data_in_place(deployment: Deployment) -> None:
    deployment.apply()
    stream = deployment.write("crm", "WARN", count=3)
    desired = DesiredState.build(deployment.params)

    teardown(desired, deployment.cluster, "retain")
    assert deployment.count(stream) == 3
    assert deployment.cluster.get_role(f"{deployment.params.name}_{deployment.params.prefix}_support") is not None

    removed = teardown(desired, deployment.cluster, "config")
    assert deployment.count(stream) == 3
    assert deployment.cluster.get_role(f"{deployment.params.name}_{deployment.params.prefix}_support") is None
    kept = [c.name for c in removed.changes if c.action == "kept"]
    assert kept == [f"{deployment.params.name}-{deployment.params.prefix}-crm"]


def test_core_rollover_proves_the_policy_conditions_and_new_backing_indices_get_the_template(
    deployment: Deployment,
) -> None:
    deployment.apply()
    stream = deployment.write("mq", "INFO", count=20, fields={schema.ORDER_ID: "o-1"})
    real = ism_policies(deployment.params)[f"{deployment.params.name}-{deployment.params.prefix}-info"]
    tiny = ism_policies(deployment.with_(rollover_primary_shard_size="2kb", rollover_index_size="1mb"))[
        f"{deployment.params.name}-{deployment.params.prefix}-info"
    ]
    deployment.client.indices.flush(index=stream)

    # GIVEN the production thresholds, a small young index does not roll over ...
    kept = deployment.client.indices.rollover(alias=stream, body={"conditions": core_rollover_conditions(real, True)})
    assert not kept["rolled_over"] and set(kept["conditions"].values()) == {False}
    # ... WHEN the same policy names tiny thresholds THEN the engine rolls the stream over on exactly those.
    rolled = deployment.client.indices.rollover(alias=stream, body={"conditions": core_rollover_conditions(tiny, True)})
    assert rolled["rolled_over"] and rolled["conditions"]["[max_size: 2kb]"] is True

    deployment.write("mq", "INFO")
    indices = deployment.client.transport.perform_request("GET", f"/_data_stream/{stream}")["data_streams"][0][
        "indices"
    ]
    assert [i["index_name"].rsplit("-", 1)[1] for i in indices] == ["000001", "000002"]
    newest = indices[-1]["index_name"]
    settings = deployment.client.indices.get_settings(index=newest)[newest]["settings"]["index"]
    assert settings["codec"] == "best_compression"
    assert deployment.client.indices.get_mapping(index=newest)[newest]["mappings"]["dynamic"] == "false"


def test_deleting_the_oldest_backing_index_removes_only_that_familys_oldest_data(deployment: Deployment) -> None:
    deployment.apply()
    info = deployment.write("shop", "INFO", count=4)
    error = deployment.write("shop", "ERROR", count=2)
    other = deployment.write("crm", "INFO", count=3)
    for stream in (info, error, other):
        deployment.client.indices.rollover(alias=stream)
    deployment.write("shop", "INFO", count=5)

    # What ISM's delete action does when the info family's oldest index passes its retention:
    deployment.client.indices.delete(index=f".ds-{info}-000001")
    assert deployment.count(info) == 5
    assert deployment.count(error) == 2
    assert deployment.count(other) == 3


# --- roles through the real Security plugin ---------------------------------------------------------------------


@dataclass
class Users:
    clients: dict[str, OpenSearch]
    secret_customer: str = "customer-4711@example.com"


@pytest.fixture(scope="module")
def secured(admin_client: OpenSearch) -> Iterator[Deployment]:
    """One deployment for the role tests (Security plugin writes are slow); they only add their own data."""
    made = _new_deployment(admin_client)
    yield made
    teardown(DesiredState.build(made.params), made.cluster, "all")


@pytest.fixture(scope="module")
def users(secured: Deployment, connection: local.LocalConnection) -> Iterator[Users]:
    if connection.username is None:
        pytest.skip("the plain profile has no Security plugin")
    deployment = secured
    tag = deployment.params.prefix
    names = {kind: f"{tag}-{kind}" for kind in ("support", "devops", "ingest", "anomaly")}
    password = "Lw-" + uuid.uuid4().hex + "-Aa1!"
    for name in names.values():
        deployment.client.transport.perform_request(
            "PUT", f"/_plugins/_security/api/internalusers/{name}", body={"password": password}
        )
    deployment.params = deployment.with_(**{f"{kind}_users": (name,) for kind, name in names.items()})
    deployment.apply()
    deployment.write(
        "shop",
        "ERROR",
        fields={
            schema.CUSTOMER_ID: "customer-4711@example.com",
            schema.ORDER_ID: "o-9",
            schema.LABELS: {"email": "x@example.com"},
            "unplanned.key": "kept only in _source",
        },
    )
    yield Users({kind: _client(connection, name, password) for kind, name in names.items()})
    for name in names.values():
        deployment.client.transport.perform_request("DELETE", f"/_plugins/_security/api/internalusers/{name}")


def _forbidden(call: Any) -> None:
    with pytest.raises((AuthorizationException, TransportError)) as caught:
        call()
    assert caught.value.status_code == 403, caught.value


def test_support_searches_sees_hashed_and_hidden_fields_and_cannot_write_or_administer(
    secured: Deployment, users: Users
) -> None:
    support = users.clients["support"]
    stream = f"{secured.params.prefix}-shop-error"
    hits = support.search(index=f"{secured.params.prefix}-shop-*", body={"query": {"match_all": {}}})["hits"]["hits"]
    assert len(hits) == 1
    source = hits[0]["_source"]
    assert source[schema.ORDER_ID] == "o-9" and source[schema.MESSAGE] == "ERROR in shop"
    assert schema.LABELS not in source and "unplanned.key" not in source  # outside the include list
    hashed = source[schema.CUSTOMER_ID]
    assert hashed != users.secret_customer and re.fullmatch(r"[0-9a-f]{32,}", hashed), hashed

    _forbidden(lambda: support.index(index=stream, body=_document("shop", "ERROR"), op_type="create"))
    _forbidden(lambda: support.transport.perform_request("GET", "/_plugins/_security/api/roles"))
    _forbidden(lambda: support.transport.perform_request("PUT", "/_index_template/x", body={"index_patterns": ["x-*"]}))


def test_devops_manages_templates_but_not_security(secured: Deployment, users: Users) -> None:
    devops = users.clients["devops"]
    name = f"{secured.params.prefix}-devops-made"
    devops.transport.perform_request("PUT", f"/_index_template/{name}", body={"index_patterns": [f"{name}-*"]})
    devops.transport.perform_request("DELETE", f"/_index_template/{name}")
    assert devops.count(index=f"{secured.params.prefix}-shop-*")["count"] == 1
    _forbidden(lambda: devops.transport.perform_request("GET", "/_plugins/_security/api/roles"))
    _forbidden(
        lambda: devops.transport.perform_request(
            "PUT", "/_plugins/_security/api/roles/devops-escalation", body={"cluster_permissions": ["*"]}
        )
    )
    _forbidden(
        lambda: devops.index(
            index=f"{secured.params.prefix}-shop-info", body=_document("shop", "INFO"), op_type="create"
        )
    )


def test_ingest_writes_only_to_log_indices(secured: Deployment, users: Users) -> None:
    ingest = users.clients["ingest"]
    fresh = data_stream_name("mes", "WARN", secured.params.prefix)  # not created yet: ingest opens it
    body = IndexAction(fresh, "doc-1", orjson.dumps(_document("mes", "WARN"))).bulk_lines()
    result = ingest.bulk(body=body)
    assert not result["errors"], result
    assert secured.count(fresh) == 1

    elsewhere = IndexAction(f"not{secured.params.prefix}", "doc-1", orjson.dumps({"a": 1})).bulk_lines()
    refused = ingest.bulk(body=elsewhere)
    assert refused["errors"] and refused["items"][0]["create"]["status"] == 403
    _forbidden(lambda: ingest.search(index=f"{secured.params.prefix}-*"))


def test_anomaly_only_reads(secured: Deployment, users: Users) -> None:
    anomaly = users.clients["anomaly"]
    assert anomaly.count(index=f"{secured.params.prefix}-shop-*")["count"] == 1
    stream = f"{secured.params.prefix}-shop-error"
    _forbidden(lambda: anomaly.index(index=stream, body=_document("shop", "ERROR"), op_type="create"))
    _forbidden(lambda: anomaly.transport.perform_request("PUT", "/_index_template/x", body={"index_patterns": ["x-*"]}))
