"""Security plugin roles and role mappings (``_plugins/_security/api/roles|rolesmapping``).

Index patterns name both the data streams (``<prefix>-*``) and their backing indices (``.ds-<prefix>-*``): the
Security plugin checks permissions on the concrete indices a request resolves to.
"""

from __future__ import annotations

from typing import Any

from logwarden.bootstrap.params import BootstrapParams

ROLE_KINDS = ("support", "devops", "ingest", "replay", "anomaly")

# Dashboards keeps saved objects in these indices (per tenant); the roles below need them to use Dashboards.
DASHBOARDS_INDICES = [".kibana", ".kibana_*", ".opensearch_dashboards", ".opensearch_dashboards_*"]


def role_name(params: BootstrapParams, kind: str) -> str:
    return f"{params.name}_{params.prefix}_{kind}"


def log_index_patterns(params: BootstrapParams) -> list[str]:
    return [f"{params.prefix}-*", f".ds-{params.prefix}-*"]


def support_role(params: BootstrapParams) -> dict[str, Any]:
    """Read logs only, through an include list, with personal-data-prone fields hashed."""
    masked = set(params.masked_fields)
    return {
        "description": "logwarden support: search log indices; unknown fields hidden, personal data hashed",
        "cluster_permissions": ["cluster_composite_ops_ro"],
        "index_permissions": [
            {
                "index_patterns": log_index_patterns(params),
                "fls": [f for f in params.support_fields if f not in masked] + sorted(masked),
                "masked_fields": sorted(masked),
                "allowed_actions": ["read"],
            },
            {"index_patterns": DASHBOARDS_INDICES, "allowed_actions": ["read"]},
        ],
        "tenant_permissions": [{"tenant_patterns": ["global_tenant"], "allowed_actions": ["kibana_all_read"]}],
    }


def devops_role(params: BootstrapParams) -> dict[str, Any]:
    """Read every log index, manage ISM, templates and rollover; no security administration, no log writes."""
    return {
        "description": "logwarden devops: read all logs, manage index templates and ISM; no security admin",
        "cluster_permissions": [
            "cluster_monitor",
            "cluster_composite_ops_ro",
            "indices:admin/index_template/*",
            "indices:admin/template/*",
            "cluster:admin/component_template/*",
            "cluster:admin/opendistro/ism/*",
            "cluster:admin/opensearch/ism/*",
        ],
        "index_permissions": [
            {
                "index_patterns": log_index_patterns(params),
                "allowed_actions": [
                    "read",
                    "indices_monitor",
                    "indices:admin/rollover",
                    "indices:admin/settings/update",
                    "indices:admin/mappings/get",
                    "indices:admin/data_stream/get",
                    "indices:admin/opensearch/ism/*",
                ],
            },
            {"index_patterns": DASHBOARDS_INDICES, "allowed_actions": ["read", "write", "create_index", "manage"]},
        ],
        "tenant_permissions": [{"tenant_patterns": ["global_tenant"], "allowed_actions": ["kibana_all_write"]}],
    }


def ingest_role(params: BootstrapParams) -> dict[str, Any]:
    """Create documents (and the data streams they open) in log indices; nothing else."""
    return {
        "description": "logwarden ingest: write documents to the log data streams only",
        "cluster_permissions": ["cluster:monitor/main", "indices:data/write/bulk"],
        "index_permissions": [
            {
                "index_patterns": log_index_patterns(params),
                "allowed_actions": [
                    "indices:data/write/index",
                    "indices:data/write/bulk*",
                    "indices:admin/data_stream/create",
                    "indices:admin/mapping/put",
                    "indices:admin/create",
                ],
            }
        ],
    }


def replay_role(params: BootstrapParams) -> dict[str, Any]:
    """What ingest may do and no more, under its own name: parked documents go back to the log data streams only,
    and the audit log tells a replay from live ingest."""
    return {
        **ingest_role(params),
        "description": "logwarden replay: re-write parked documents to the log data streams only",
    }


def anomaly_role(params: BootstrapParams) -> dict[str, Any]:
    return {
        "description": "logwarden anomaly detection: read the log indices only",
        "cluster_permissions": ["cluster:monitor/main", "cluster_composite_ops_ro"],
        "index_permissions": [{"index_patterns": log_index_patterns(params), "allowed_actions": ["read"]}],
    }


def roles(params: BootstrapParams) -> dict[str, dict[str, Any]]:
    builders = {
        "support": support_role,
        "devops": devops_role,
        "ingest": ingest_role,
        "replay": replay_role,
        "anomaly": anomaly_role,
    }
    return {role_name(params, kind): builder(params) for kind, builder in builders.items()}


def role_mappings(params: BootstrapParams) -> dict[str, dict[str, Any]]:
    """Map each role to IAM role ARNs or backend roles (``backend_roles``) and internal users (``users``)."""
    return {
        role_name(params, kind): {
            "backend_roles": list(getattr(params, f"{kind}_backend_roles")),
            "users": list(getattr(params, f"{kind}_users")),
            "hosts": [],
        }
        for kind in ROLE_KINDS
    }


# Who did what, kept by the Security plugin and published to CloudWatch Logs (the domain's AUDIT_LOGS option):
# failed logins and refused privileges on REST and transport, changes to the security configuration, and reads and
# writes of the log indices by metadata only (request bodies hold log content, which never goes to the audit log).
_SERVICE_USERS = ["kibanaserver"]  # Dashboards' own user polls constantly; its requests would drown the rest


def audit_config(params: BootstrapParams) -> dict[str, Any]:
    """The body of ``PUT _plugins/_security/api/audit/config``."""
    return {
        "enabled": params.audit_logs,
        "audit": {
            "enable_rest": True,
            "enable_transport": True,
            "disabled_rest_categories": ["AUTHENTICATED", "GRANTED_PRIVILEGES"],
            "disabled_transport_categories": ["AUTHENTICATED", "GRANTED_PRIVILEGES"],
            "log_request_body": False,
            "resolve_indices": True,
            "resolve_bulk_requests": False,
            "exclude_sensitive_headers": True,
            "ignore_users": list(_SERVICE_USERS),
            "ignore_requests": [],
        },
        "compliance": {
            "enabled": params.audit_logs,
            "internal_config": True,
            "external_config": False,
            "read_metadata_only": True,
            "read_watched_fields": {},
            "read_ignore_users": list(_SERVICE_USERS),
            "write_metadata_only": True,
            "write_log_diffs": False,
            "write_watched_indices": log_index_patterns(params),
            "write_ignore_users": list(_SERVICE_USERS),
        },
    }
