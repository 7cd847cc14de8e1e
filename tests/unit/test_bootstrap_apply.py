"""The applier against a recording fake of its ports: idempotent, writes only differences, honest without ISM,
optimistic concurrency for policies, and a delete path that keeps data unless told otherwise."""

from __future__ import annotations

import pytest

from logwarden.bootstrap.apply import ISM_ABSENT_NOTE, bootstrap, teardown
from logwarden.bootstrap.desired import DesiredState
from logwarden.bootstrap.diff import differences
from logwarden.bootstrap.params import BootstrapParams
from logwarden.bootstrap.ports import StoredPolicy
from tests.bootstrap_fakes import FakeCluster, FakeDashboards


def _desired(**overrides: object) -> DesiredState:
    return DesiredState.build(BootstrapParams(**overrides))  # type: ignore[arg-type]


def test_first_run_creates_everything_and_second_run_changes_nothing() -> None:
    cluster, dash = FakeCluster(), FakeDashboards()
    first = bootstrap(_desired(), cluster, dash)
    assert {c.action for c in first.changes} == {"create"}
    assert len([c for c in first.changes if c.kind == "index_template"]) == 5
    assert len([c for c in first.changes if c.kind == "ism_policy"]) == 4
    writes = len(cluster.writes)

    second = bootstrap(_desired(), cluster, dash)
    assert {c.action for c in second.changes} == {"unchanged"}
    assert len(cluster.writes) == writes and len(dash.imports) == 1
    assert second.ok(allow_no_ism=False)


def test_audit_logging_is_switched_on_without_bodies_and_kept_so() -> None:
    # GIVEN a cluster whose audit log is off
    cluster = FakeCluster()
    # WHEN the stack is bootstrapped twice
    first = bootstrap(_desired(), cluster)
    second = bootstrap(_desired(), cluster)
    # THEN the first run switches it on (failed logins, refused privileges, security changes, log-index writes by
    # metadata only) and the second finds nothing to change, whatever the engine added to the stored form
    assert [c.action for c in first.changes if c.kind == "audit"] == ["create"]
    assert [c.action for c in second.changes if c.kind == "audit"] == ["unchanged"]
    stored = cluster.audit
    assert stored is not None and stored["enabled"] and stored["compliance"]["enabled"]
    assert stored["audit"]["log_request_body"] is False and stored["audit"]["exclude_sensitive_headers"] is True
    assert "FAILED_LOGIN" not in stored["audit"]["disabled_rest_categories"]
    assert stored["compliance"]["write_metadata_only"] and stored["compliance"]["internal_config"]


def test_audit_logging_can_be_switched_off_by_a_parameter() -> None:
    cluster = FakeCluster()
    bootstrap(DesiredState.build(BootstrapParams.from_properties({"audit_logs": "false"})), cluster)
    assert cluster.audit is not None and cluster.audit["enabled"] is False


def test_one_changed_setting_updates_only_that_setting() -> None:
    cluster = FakeCluster()
    bootstrap(_desired(), cluster)
    cluster.writes.clear()

    result = bootstrap(_desired(refresh_interval="30s"), cluster)
    updated = [c for c in result.changes if c.action != "unchanged"]
    assert {c.kind for c in updated} == {"index_template"} and len(updated) == 5
    assert all(c.details == ("template.settings.index.refresh_interval: '5s' -> '30s'",) for c in updated)
    assert {kind for kind, _ in cluster.writes} == {"index_template"}


def test_a_retention_change_updates_one_policy_with_its_sequence_number_and_moves_managed_indices() -> None:
    cluster = FakeCluster()
    bootstrap(_desired(), cluster)
    cluster.data_streams = ["logs-shop-info", "logs-crm-info", "logs-shop-error"]
    stored = cluster.get_ism_policy("logwarden-logs-info")
    assert stored is not None

    params = BootstrapParams()
    result = bootstrap(_desired(retention={**params.retention, "info": "45d"}), cluster)
    updated = [c for c in result.changes if c.action == "update"]
    assert [(c.kind, c.name) for c in updated] == [
        ("ism_policy", "logwarden-logs-info"),
        ("managed_indices", "logs-crm-info,logs-shop-info"),
    ]
    assert cluster.policy_puts[-1] == ("logwarden-logs-info", stored.seq_no, stored.primary_term)
    assert cluster.change_policy_calls == [(["logs-crm-info", "logs-shop-info"], "logwarden-logs-info")]


def test_switching_error_notification_off_is_seen_as_a_change() -> None:
    cluster = FakeCluster()
    bootstrap(_desired(ism_error_channel_id="chan"), cluster)
    result = bootstrap(_desired(), cluster)
    assert len([c for c in result.changes if c.kind == "ism_policy" and c.action == "update"]) == 4


def test_without_ism_everything_else_is_applied_and_the_result_says_so() -> None:
    cluster = FakeCluster(ism=False)
    result = bootstrap(_desired(), cluster)
    assert not result.ism_available
    assert {c.action for c in result.changes if c.kind == "ism_policy"} == {"skipped"}
    assert {c.action for c in result.changes if c.kind != "ism_policy"} == {"create"}
    assert ISM_ABSENT_NOTE in result.summary()
    assert not result.ok(allow_no_ism=False) and result.ok(allow_no_ism=True)


def test_a_policy_changed_by_someone_else_meanwhile_is_not_overwritten() -> None:
    cluster = FakeCluster()
    bootstrap(_desired(), cluster)

    policy, seq_no, term = cluster.policies["logwarden-logs-warn"]
    real_get = cluster.get_ism_policy

    def stale_get(pid: str) -> StoredPolicy | None:
        stored = real_get(pid)
        if pid == "logwarden-logs-warn":
            cluster.policies[pid] = (policy, seq_no + 1, term)  # another writer got in between
        return stored

    cluster.get_ism_policy = stale_get  # type: ignore[method-assign, assignment]
    params = BootstrapParams()
    with pytest.raises(Exception, match="version conflict"):
        bootstrap(_desired(retention={**params.retention, "warn": "60d"}), cluster)


def test_delete_retains_everything_by_default() -> None:
    cluster = FakeCluster()
    bootstrap(_desired(), cluster)
    cluster.data_streams = ["logs-shop-info"]
    cluster.writes.clear()
    result = teardown(_desired(), cluster, "retain")
    assert cluster.writes == [] and result.changes == ()


def test_delete_of_configuration_keeps_documents_and_templates_in_use() -> None:
    cluster, dash = FakeCluster(), FakeDashboards()
    bootstrap(_desired(), cluster, dash)
    cluster.data_streams = ["logs-shop-info", "logs-mq-error"]
    result = teardown(_desired(), cluster, "config", dash)
    assert cluster.data_streams == ["logs-shop-info", "logs-mq-error"]
    kept = sorted(c.name for c in result.changes if c.action == "kept")
    assert kept == ["logwarden-logs-mq", "logwarden-logs-shop"]
    assert set(cluster.templates) == set(kept)
    assert cluster.policies == {} and cluster.roles == {} and cluster.mappings == {} and dash.objects == {}


def test_delete_all_removes_the_data_streams_too() -> None:
    cluster = FakeCluster()
    bootstrap(_desired(), cluster)
    cluster.data_streams = ["logs-shop-info", "other-thing"]
    teardown(_desired(), cluster, "all")
    assert cluster.data_streams == ["other-thing"] and cluster.templates == {}


def test_differences_tolerate_what_opensearch_adds_and_stringifies() -> None:
    desired = {"settings": {"index": {"number_of_shards": 1, "hidden": False}}, "data_stream": {}, "list": [1, 2]}
    actual = {
        "settings": {"index": {"number_of_shards": "1", "hidden": "false", "uuid": "x"}},
        "data_stream": {"timestamp_field": {"name": "@timestamp"}},
        "list": ["1", "2"],
        "extra": 1,
    }
    assert differences(desired, actual) == []
    assert differences({"list": [1, 2]}, {"list": [1]}) == ["list: [1] -> [1, 2]"]
