"""Bring a cluster in step with the desired state, touching only what differs; and the delete path.

Order: index templates (ingest depends on them), ISM policies, roles, role mappings, then Dashboards objects.
Without ISM everything else is still applied and the result says plainly that lifecycle policies were not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from logwarden.bootstrap import dashboards
from logwarden.bootstrap.desired import DesiredState
from logwarden.bootstrap.diff import differences
from logwarden.bootstrap.ports import ClusterAdmin, DashboardsAdmin

Action = Literal["create", "update", "unchanged", "skipped", "delete", "kept"]

ISM_ABSENT_NOTE = (
    "ISM is not available on this cluster: lifecycle policies (rollover, tiering, retention per level) were NOT "
    "applied; indices will grow and never be deleted until a cluster with ISM runs this bootstrap"
)


@dataclass(frozen=True)
class Change:
    kind: str  # index_template | ism_policy | role | role_mapping | saved_object | data_stream
    name: str
    action: Action
    details: tuple[str, ...] = ()

    def line(self) -> str:
        text = f"{self.action:<9} {self.kind} {self.name}"
        return text + "".join(f"\n            {detail}" for detail in self.details)


@dataclass(frozen=True)
class BootstrapResult:
    changes: tuple[Change, ...]
    ism_available: bool
    notes: tuple[str, ...] = ()

    @property
    def applied(self) -> list[Change]:
        return [c for c in self.changes if c.action in ("create", "update", "delete")]

    def ok(self, allow_no_ism: bool) -> bool:
        return self.ism_available or allow_no_ism

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.action] = counts.get(change.action, 0) + 1
        head = ", ".join(f"{n} {a}" for a, n in sorted(counts.items()))
        lines = [c.line() for c in self.changes if c.action != "unchanged"]
        return "\n".join([f"bootstrap: {head}", *lines, *(f"NOTE: {n}" for n in self.notes)])


@dataclass
class _Recorder:
    changes: list[Change] = field(default_factory=list)

    def sync(
        self,
        kind: str,
        name: str,
        desired: dict[str, Any],
        actual: dict[str, Any] | None,
        write: Callable[[], None],
        removable: tuple[str, ...] = (),
    ) -> Change:
        if actual is None:
            write()
            change = Change(kind, name, "create")
        else:
            diffs = differences(desired, actual, removable=removable)
            if diffs:
                write()
                change = Change(kind, name, "update", tuple(diffs))
            else:
                change = Change(kind, name, "unchanged")
        self.changes.append(change)
        return change


def bootstrap(
    desired: DesiredState, cluster: ClusterAdmin, dashboards_admin: DashboardsAdmin | None = None
) -> BootstrapResult:
    """Apply the differences between ``desired`` and the cluster; a second run reports everything unchanged."""
    rec = _Recorder()
    notes: list[str] = []

    for name, body in desired.index_templates.items():
        rec.sync(
            "index_template",
            name,
            body,
            cluster.get_index_template(name),
            partial(cluster.put_index_template, name, body),
        )

    ism_available = cluster.ism_available()
    if ism_available:
        for policy_id, body in desired.ism_policies.items():
            _sync_policy(rec, cluster, policy_id, body, desired)
    else:
        notes.append(ISM_ABSENT_NOTE)
        rec.changes.extend(Change("ism_policy", pid, "skipped", ("ISM absent",)) for pid in desired.ism_policies)

    for name, body in desired.roles.items():
        rec.sync("role", name, body, cluster.get_role(name), partial(cluster.put_role, name, body))
    for name, body in desired.role_mappings.items():
        rec.sync(
            "role_mapping", name, body, cluster.get_role_mapping(name), partial(cluster.put_role_mapping, name, body)
        )

    rec.sync(
        "audit", "config", desired.audit, cluster.get_audit_config(), partial(cluster.put_audit_config, desired.audit)
    )

    if dashboards_admin is None:
        notes.append("no Dashboards endpoint configured: saved objects not imported (see dashboards/*.ndjson)")
    else:
        _sync_saved_objects(rec, dashboards_admin, desired.saved_objects)
    return BootstrapResult(tuple(rec.changes), ism_available, tuple(notes))


def _sync_policy(
    rec: _Recorder, cluster: ClusterAdmin, policy_id: str, body: dict[str, Any], desired: DesiredState
) -> None:
    stored = cluster.get_ism_policy(policy_id)
    if stored is None:
        rec.sync("ism_policy", policy_id, body, None, partial(cluster.put_ism_policy, policy_id, body))
        return
    change = rec.sync(
        "ism_policy",
        policy_id,
        body["policy"],
        stored.policy,
        # Optimistic concurrency: refused if someone changed the policy since we read it.
        partial(cluster.put_ism_policy, policy_id, body, stored.seq_no, stored.primary_term),
        removable=("error_notification",),
    )
    if change.action == "update":
        # Indices already managed keep the policy version they started with until moved explicitly.
        patterns = [p for t in body["policy"].get("ism_template", []) for p in t["index_patterns"]]
        streams = cluster.existing_data_streams(patterns)
        if streams:
            outcome = cluster.change_policy(streams, policy_id)
            rec.changes.append(
                Change(
                    "managed_indices",
                    ",".join(streams),
                    "update",
                    (f"change_policy -> {policy_id}: {outcome.get('updated_indices', '?')} updated",),
                )
            )


def _sync_saved_objects(rec: _Recorder, admin: DashboardsAdmin, objects: list[dict[str, Any]]) -> None:
    actual = admin.get_saved_objects([(o["type"], o["id"]) for o in objects])
    stale: list[dict[str, Any]] = []
    for obj in objects:
        have = actual.get((obj["type"], obj["id"]))
        name = f"{obj['type']}/{obj['id']}"
        if have is None:
            rec.changes.append(Change("saved_object", name, "create"))
            stale.append(obj)
            continue
        diffs = differences({"attributes": obj["attributes"], "references": obj["references"]}, have)
        rec.changes.append(Change("saved_object", name, "update" if diffs else "unchanged", tuple(diffs)))
        if diffs:
            stale.append(obj)
    if stale:
        admin.import_saved_objects(dashboards.to_ndjson(stale))


def retained() -> BootstrapResult:
    """The default delete: nothing is removed (ISM is not consulted, so it cannot fail the delete)."""
    note = "on_delete=retain: templates, policies, roles, saved objects and all data left in place"
    return BootstrapResult((), ism_available=True, notes=(note,))


def teardown(
    desired: DesiredState, cluster: ClusterAdmin, on_delete: str, dashboards_admin: DashboardsAdmin | None = None
) -> BootstrapResult:
    """The delete path. ``retain`` (default) touches nothing; ``config`` removes what bootstrap created but never a
    document; ``all`` also deletes the data streams. A template still used by a data stream is kept."""
    changes: list[Change] = []
    notes: list[str] = []
    if on_delete == "retain":
        return retained()
    # Only the exact names of this prefix's streams, whatever the port answers (never a pattern, never another prefix).
    streams = [s for s in cluster.existing_data_streams(desired.data_streams) if s in desired.data_streams]
    if on_delete == "all":
        for stream in streams:
            cluster.delete_data_stream(stream)
            changes.append(Change("data_stream", stream, "delete"))
        streams = []
    elif streams:
        notes.append(f"on_delete=config: {len(streams)} data streams and their documents left in place")
    if dashboards_admin is not None:
        for obj in reversed(desired.saved_objects):
            dashboards_admin.delete_saved_object(obj["type"], obj["id"])
            changes.append(Change("saved_object", f"{obj['type']}/{obj['id']}", "delete"))
    _delete_security(desired, cluster, changes)
    ism_available = cluster.ism_available()
    if ism_available:
        for policy_id in desired.ism_policies:
            if cluster.get_ism_policy(policy_id) is not None:
                cluster.delete_ism_policy(policy_id)
                changes.append(Change("ism_policy", policy_id, "delete"))
    _delete_templates(desired, cluster, streams, changes)
    return BootstrapResult(tuple(changes), ism_available, tuple(notes))


def _delete_security(desired: DesiredState, cluster: ClusterAdmin, changes: list[Change]) -> None:
    """The role mappings and roles bootstrap created, where they exist."""
    for name in desired.role_mappings:
        if cluster.get_role_mapping(name) is not None:
            cluster.delete_role_mapping(name)
            changes.append(Change("role_mapping", name, "delete"))
    for name in desired.roles:
        if cluster.get_role(name) is not None:
            cluster.delete_role(name)
            changes.append(Change("role", name, "delete"))


def _delete_templates(desired: DesiredState, cluster: ClusterAdmin, streams: list[str], changes: list[Change]) -> None:
    """The index templates bootstrap created, except one a data stream left in place still uses."""
    for name, body in desired.index_templates.items():
        pattern_prefix = body["index_patterns"][0].rstrip("*")
        in_use = [s for s in streams if s.startswith(pattern_prefix)]
        if in_use:
            changes.append(Change("index_template", name, "kept", (f"in use by {', '.join(in_use)}",)))
        elif cluster.get_index_template(name) is not None:
            cluster.delete_index_template(name)
            changes.append(Change("index_template", name, "delete"))
