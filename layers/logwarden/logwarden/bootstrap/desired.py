"""Everything one bootstrap sends, built from the parameters alone (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from logwarden.bootstrap import dashboards, ism, security, templates
from logwarden.bootstrap.params import BootstrapParams


@dataclass(frozen=True)
class DesiredState:
    index_templates: dict[str, dict[str, Any]]
    ism_policies: dict[str, dict[str, Any]]
    roles: dict[str, dict[str, Any]]
    role_mappings: dict[str, dict[str, Any]]
    saved_objects: list[dict[str, Any]]
    data_streams: list[str]
    audit: dict[str, Any]

    @classmethod
    def build(cls, params: BootstrapParams) -> DesiredState:
        return cls(
            index_templates=templates.index_templates(params),
            ism_policies=ism.ism_policies(params),
            roles=security.roles(params),
            role_mappings=security.role_mappings(params),
            saved_objects=dashboards.saved_objects(params),
            data_streams=[name for lc in params.level_classes for name in ism.stream_names(params, lc)],
            audit=security.audit_config(params),
        )

    def documents(self) -> dict[str, Any]:
        """One reviewable JSON document per object, keyed by the relative path ``--print`` writes it to."""
        docs: dict[str, Any] = {}
        docs.update({f"index_template/{name}.json": body for name, body in self.index_templates.items()})
        docs.update({f"ism_policy/{name}.json": body for name, body in self.ism_policies.items()})
        docs.update({f"role/{name}.json": body for name, body in self.roles.items()})
        docs.update({f"role_mapping/{name}.json": body for name, body in self.role_mappings.items()})
        docs["audit/config.json"] = self.audit
        docs.update({f"saved_object/{obj['type']}/{obj['id']}.json": obj for obj in self.saved_objects})
        return docs
