"""A recording fake of the bootstrap's ``ClusterAdmin`` and ``DashboardsAdmin`` ports.

It answers the way OpenSearch does where that matters to the diff: settings come back as strings, data streams
gain their ``timestamp_field``, ISM adds ``policy_id``/``last_updated_time``/``schema_version`` and a sequence
number that must match on update, roles gain ``reserved``/``hidden``/``static``.
"""

from __future__ import annotations

import copy
import fnmatch
from typing import Any

from logwarden.bootstrap.admin import BootstrapError
from logwarden.bootstrap.ports import StoredPolicy


def _strings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strings(v) for k, v in value.items()}
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else value


class FakeCluster:
    def __init__(self, ism: bool = True) -> None:
        self.ism = ism
        self.templates: dict[str, dict[str, Any]] = {}
        self.policies: dict[str, tuple[dict[str, Any], int, int]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self.mappings: dict[str, dict[str, Any]] = {}
        self.data_streams: list[str] = []
        self.audit: dict[str, Any] | None = None
        self.writes: list[tuple[str, str]] = []
        self.policy_puts: list[tuple[str, int | None, int | None]] = []
        self.change_policy_calls: list[tuple[list[str], str]] = []
        self._seq = 0

    def get_index_template(self, name: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.templates.get(name))

    def put_index_template(self, name: str, body: dict[str, Any]) -> None:
        self.writes.append(("index_template", name))
        stored = copy.deepcopy(body)
        stored["template"]["settings"] = _strings(stored["template"]["settings"])
        stored["data_stream"] = {"timestamp_field": {"name": "@timestamp"}}
        stored["composed_of"] = []
        self.templates[name] = stored

    def delete_index_template(self, name: str) -> None:
        self.writes.append(("delete index_template", name))
        del self.templates[name]

    def ism_available(self) -> bool:
        return self.ism

    def get_ism_policy(self, policy_id: str) -> StoredPolicy | None:
        if policy_id not in self.policies:
            return None
        policy, seq_no, term = self.policies[policy_id]
        return StoredPolicy(copy.deepcopy(policy), seq_no, term)

    def put_ism_policy(
        self, policy_id: str, body: dict[str, Any], if_seq_no: int | None = None, if_primary_term: int | None = None
    ) -> None:
        assert self.ism, "ISM absent: no policy may be written"
        self.writes.append(("ism_policy", policy_id))
        self.policy_puts.append((policy_id, if_seq_no, if_primary_term))
        if policy_id in self.policies:
            _, seq_no, term = self.policies[policy_id]
            if (if_seq_no, if_primary_term) != (seq_no, term):
                raise BootstrapError(f"version conflict on {policy_id}")
        self._seq += 1
        policy = copy.deepcopy(body["policy"])
        policy.update({"policy_id": policy_id, "last_updated_time": 1700000000000 + self._seq, "schema_version": 21})
        policy.setdefault("error_notification", None)
        for template in policy.get("ism_template", []):
            template["last_updated_time"] = 1700000000000
        self.policies[policy_id] = (policy, self._seq, 1)

    def delete_ism_policy(self, policy_id: str) -> None:
        self.writes.append(("delete ism_policy", policy_id))
        del self.policies[policy_id]

    def change_policy(self, indices: list[str], policy_id: str) -> dict[str, Any]:
        self.change_policy_calls.append((indices, policy_id))
        return {"updated_indices": len(indices), "failures": False, "failed_indices": []}

    def get_role(self, name: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.roles.get(name))

    def put_role(self, name: str, body: dict[str, Any]) -> None:
        self.writes.append(("role", name))
        self.roles[name] = {**copy.deepcopy(body), "reserved": False, "hidden": False, "static": False}

    def delete_role(self, name: str) -> None:
        self.writes.append(("delete role", name))
        del self.roles[name]

    def get_role_mapping(self, name: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.mappings.get(name))

    def put_role_mapping(self, name: str, body: dict[str, Any]) -> None:
        self.writes.append(("role_mapping", name))
        self.mappings[name] = {**copy.deepcopy(body), "and_backend_roles": [], "reserved": False, "hidden": False}

    def delete_role_mapping(self, name: str) -> None:
        self.writes.append(("delete role_mapping", name))
        del self.mappings[name]

    def get_audit_config(self) -> dict[str, Any] | None:
        return copy.deepcopy(self.audit)

    def put_audit_config(self, body: dict[str, Any]) -> None:
        self.writes.append(("audit", "config"))
        # the engine answers with every setting, the ones it keeps by default included
        self.audit = {**copy.deepcopy(body), "audit": {**body["audit"], "ignore_headers": [], "ignore_url_params": []}}

    def existing_data_streams(self, names: list[str]) -> list[str]:
        return sorted(n for n in self.data_streams if any(fnmatch.fnmatchcase(n, p) for p in names))

    def delete_data_stream(self, name: str) -> None:
        self.writes.append(("delete data_stream", name))
        self.data_streams.remove(name)


class FakeDashboards:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.imports: list[str] = []

    def get_saved_objects(self, refs: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        return {ref: copy.deepcopy(self.objects[ref]) for ref in refs if ref in self.objects}

    def import_saved_objects(self, ndjson: str) -> None:
        import json

        self.imports.append(ndjson)
        for line in ndjson.splitlines():
            obj = json.loads(line)
            self.objects[(obj["type"], obj["id"])] = {**obj, "updated_at": "2025-01-01T00:00:00Z", "version": "Wz"}

    def delete_saved_object(self, object_type: str, object_id: str) -> None:
        self.objects.pop((object_type, object_id), None)
