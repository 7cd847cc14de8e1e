"""Security roles: least privilege per audience, spelled for the Security plugin's REST API."""

from __future__ import annotations

from typing import Any

from logwarden import schema
from logwarden.bootstrap.params import BootstrapParams
from logwarden.bootstrap.security import role_mappings, roles

WRITE_ACTIONS = ("write", "index", "crud", "create_index", "delete", "manage", "indices_all", "indices:data/write")
SECURITY_ACTIONS = ("security", "restapi:admin", "cluster_all", "cluster:admin/opendistro/security")


def _role(params: BootstrapParams, kind: str) -> dict[str, Any]:
    return roles(params)[f"{params.name}_{params.prefix}_{kind}"]


def _log_permissions(role: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [p for p in role["index_permissions"] if f"{prefix}-*" in p["index_patterns"]]


def test_support_reads_log_indices_and_their_backing_indices_only() -> None:
    params = BootstrapParams(prefix="logs")
    support = _role(params, "support")
    [logs] = _log_permissions(support, "logs")
    assert logs["index_patterns"] == ["logs-*", ".ds-logs-*"]
    assert logs["allowed_actions"] == ["read"]
    every_action = [a for p in support["index_permissions"] for a in p["allowed_actions"]]
    every_action += support["cluster_permissions"]
    assert not [a for a in every_action if a.startswith(WRITE_ACTIONS) or a.startswith(SECURITY_ACTIONS)]


def test_support_sees_an_include_list_with_personal_data_prone_fields_hashed() -> None:
    params = BootstrapParams()
    [logs] = _log_permissions(_role(params, "support"), params.prefix)
    assert not any(f.startswith("~") for f in logs["fls"])  # an include list, not an exclude list
    assert schema.LABELS not in logs["fls"]  # free-form keys stay hidden
    assert schema.MESSAGE in logs["fls"] and schema.ORDER_ID in logs["fls"]
    assert set(logs["masked_fields"]) == {schema.CUSTOMER_ID, schema.CLIENT_ID}
    assert set(logs["masked_fields"]) <= set(logs["fls"])  # a masked field must be visible to be hashed


def test_devops_manages_templates_and_ism_but_not_security() -> None:
    devops = _role(BootstrapParams(), "devops")
    cluster = devops["cluster_permissions"]
    assert "indices:admin/index_template/*" in cluster and "cluster:admin/opendistro/ism/*" in cluster
    assert not [a for a in cluster if a.startswith(SECURITY_ACTIONS)]
    [logs] = _log_permissions(devops, "logs")
    assert "read" in logs["allowed_actions"]
    assert not [a for a in logs["allowed_actions"] if a.startswith(("indices:data/write", "write", "crud", "delete"))]


def test_ingest_writes_only_and_anomaly_reads_only() -> None:
    params = BootstrapParams()
    ingest, anomaly = _role(params, "ingest"), _role(params, "anomaly")
    assert all(p["index_patterns"] == ["logs-*", ".ds-logs-*"] for p in ingest["index_permissions"])
    assert not [a for p in ingest["index_permissions"] for a in p["allowed_actions"] if "read" in a]
    assert [p["allowed_actions"] for p in anomaly["index_permissions"]] == [["read"]]


def test_role_mappings_carry_iam_arns_and_users_from_parameters() -> None:
    arn = "arn:aws:iam::123456789012:role/logwarden-ingest"
    params = BootstrapParams(ingest_backend_roles=(arn,), support_users=("sam",))
    mappings = role_mappings(params)
    assert mappings["logwarden_logs_ingest"]["backend_roles"] == [arn]
    assert mappings["logwarden_logs_support"]["users"] == ["sam"]
    assert set(mappings) == set(roles(params))
