"""ISM policies: built from parameters, checked against the ISM policy schema kept in the repo, and the schema
itself refuses what ISM would refuse."""

from __future__ import annotations

import copy
import fnmatch
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logwarden.bootstrap.ism import core_rollover_conditions, ism_policies, ism_policy, policy_id
from logwarden.bootstrap.params import BootstrapParams
from logwarden.naming import LEVEL_CLASSES, SUBSYSTEMS
from logwarden_tools.ism_validation import policy_problems


def _states(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {state["name"]: state for state in body["policy"]["states"]}


def _action_names(state: dict[str, Any]) -> list[str]:
    return [next(k for k in action if k not in ("retry", "timeout")) for action in state["actions"]]


PARAM_VARIANTS = [
    BootstrapParams(),
    BootstrapParams(ultrawarm=True),
    BootstrapParams(ultrawarm=True, cold=True, cold_after="20d"),
    BootstrapParams(cold=True, warm_replicas=0, debug_enabled=True, ism_error_channel_id="chan-1"),
]


@pytest.mark.parametrize("params", PARAM_VARIANTS)
def test_every_generated_policy_is_acceptable_to_ism(params: BootstrapParams) -> None:
    for pid, body in ism_policies(params).items():
        assert policy_problems(body) == [], pid


def test_each_data_stream_gets_the_policy_of_its_level_class_and_only_that_one() -> None:
    params = BootstrapParams(prefix="logs")
    policies = ism_policies(params)
    for subsystem in SUBSYSTEMS:
        for level_class in LEVEL_CLASSES:
            stream = f"logs-{subsystem}-{level_class}"
            matching = [
                pid
                for pid, body in policies.items()
                for template in body["policy"]["ism_template"]
                if any(fnmatch.fnmatchcase(stream, p) for p in template["index_patterns"])
            ]
            assert matching == [policy_id(params, level_class)]


@pytest.mark.parametrize(("level_class", "days"), [("info", "30d"), ("warn", "90d"), ("error", "180d")])
def test_retention_per_level_is_the_age_at_which_indices_are_deleted(level_class: str, days: str) -> None:
    body = ism_policy(BootstrapParams(), level_class)
    states = body["policy"]["states"]
    into_delete = [t for s in states for t in s["transitions"] if t["state_name"] == "delete"]
    assert into_delete == [{"state_name": "delete", "conditions": {"min_rollover_age": days}}]
    assert _action_names(_states(body)["delete"]) == ["delete"]


def test_hot_rolls_over_at_shard_size_index_size_or_age() -> None:
    params = BootstrapParams(rollover_primary_shard_size="30gb", rollover_index_size="100gb", rollover_age="12h")
    hot = _states(ism_policy(params, "info"))["hot"]
    rollover = next(a["rollover"] for a in hot["actions"] if "rollover" in a)
    assert rollover == {"min_primary_shard_size": "30gb", "min_size": "100gb", "min_index_age": "12h"}


def test_tiers_hot_warm_cold_delete_with_ultrawarm_and_cold_storage() -> None:
    body = ism_policy(BootstrapParams(ultrawarm=True, cold=True, warm_after="7d", cold_after="60d"), "error")
    assert [s["name"] for s in body["policy"]["states"]] == ["hot", "warm", "cold", "delete"]
    states = _states(body)
    assert _action_names(states["warm"]) == ["warm_migration"]
    assert _action_names(states["cold"]) == ["cold_migration"]
    assert _action_names(states["delete"]) == ["cold_delete"]  # cold indices live in S3


def test_without_ultrawarm_warm_means_read_only_and_merged_on_hot_nodes() -> None:
    states = _states(ism_policy(BootstrapParams(), "warn"))
    assert _action_names(states["warm"]) == ["read_only", "force_merge", "index_priority"]
    assert "cold" not in states


def test_a_tier_older_than_the_retention_is_skipped() -> None:
    params = BootstrapParams(cold=True, cold_after="60d")
    assert [s["name"] for s in ism_policy(params, "info")["policy"]["states"]] == ["hot", "warm", "delete"]
    assert [s["name"] for s in ism_policy(params, "error")["policy"]["states"]] == ["hot", "warm", "cold", "delete"]


def test_debug_is_short_lived_unless_the_stage_enables_it() -> None:
    off = ism_policy(BootstrapParams(), "debug")
    on = ism_policy(
        BootstrapParams(debug_enabled=True, retention={**BootstrapParams().retention, "debug": "2d"}), "debug"
    )
    assert [s["name"] for s in off["policy"]["states"]] == ["hot", "delete"]
    assert off["policy"]["states"][0]["transitions"][0]["conditions"] == {"min_rollover_age": "1h"}
    assert on["policy"]["states"][0]["transitions"][0]["conditions"] == {"min_rollover_age": "2d"}


def test_every_action_retries_and_failures_can_be_notified() -> None:
    body = ism_policy(BootstrapParams(ism_retry_count=4, ism_error_channel_id="ops-channel"), "error")
    for state in body["policy"]["states"]:
        for action in state["actions"]:
            assert action["retry"]["count"] >= 4 and action["retry"]["backoff"] == "exponential"
    assert body["policy"]["error_notification"]["channel"] == {"id": "ops-channel"}


@settings(max_examples=60, deadline=None)
@given(
    info=st.integers(1, 400),
    warn=st.integers(1, 400),
    error=st.integers(1, 400),
    warm=st.integers(0, 100),
    cold_after=st.integers(1, 300),
    ultrawarm=st.booleans(),
    cold=st.booleans(),
    debug=st.booleans(),
    hours=st.integers(1, 48),
    retries=st.integers(0, 10),
)
def test_any_parameter_combination_yields_policies_ism_accepts(
    info: int,
    warn: int,
    error: int,
    warm: int,
    cold_after: int,
    ultrawarm: bool,
    cold: bool,
    debug: bool,
    hours: int,
    retries: int,
) -> None:
    params = BootstrapParams(
        retention={"debug": "2d", "info": f"{info}d", "warn": f"{warn}d", "error": f"{error}d"},
        warm_after=f"{warm}d",
        cold_after=f"{cold_after}d",
        ultrawarm=ultrawarm,
        cold=cold,
        debug_enabled=debug,
        rollover_age=f"{hours}h",
        ism_retry_count=retries,
    )
    for body in ism_policies(params).values():
        assert policy_problems(body) == []
        assert body["policy"]["states"][-1]["name"] == "delete"


# --- the schema refuses what ISM refuses ------------------------------------------------------------------------


@pytest.fixture
def good() -> dict[str, Any]:
    return ism_policy(BootstrapParams(ultrawarm=True, cold=True), "error")


def assert_refused(body: dict[str, Any], fragment: str) -> None:
    problems = policy_problems(body)
    assert problems, "ISM would refuse this policy"
    assert any(fragment in p for p in problems), problems


def test_an_unknown_action_is_refused(good: dict[str, Any]) -> None:
    good["policy"]["states"][0]["actions"].append({"shrink_to_nothing": {}})
    assert_refused(good, "states/0/actions/2")


def test_an_action_with_two_operations_is_refused(good: dict[str, Any]) -> None:
    good["policy"]["states"][0]["actions"][0]["delete"] = {}
    assert_refused(good, "states/0/actions/0")


def test_a_transition_to_a_missing_state_is_refused(good: dict[str, Any]) -> None:
    good["policy"]["states"][0]["transitions"][0]["state_name"] = "lukewarm"
    assert_refused(good, "transition to missing state 'lukewarm'")


def test_a_default_state_that_does_not_exist_is_refused(good: dict[str, Any]) -> None:
    good["policy"]["default_state"] = "boiling"
    assert_refused(good, "default_state 'boiling'")


@pytest.mark.parametrize("bad", ["30days", "4w", "1.5d", "30", "d", "P30D", "30 d"])
def test_a_bad_time_unit_is_refused(good: dict[str, Any], bad: str) -> None:
    good["policy"]["states"][0]["transitions"][0]["conditions"] = {"min_index_age": bad}
    assert_refused(good, "conditions/min_index_age")


@pytest.mark.parametrize("bad", ["50 gigabytes", "50gib", "-5gb", "gb"])
def test_a_bad_size_is_refused(good: dict[str, Any], bad: str) -> None:
    hot = good["policy"]["states"][0]
    next(a for a in hot["actions"] if "rollover" in a)["rollover"]["min_primary_shard_size"] = bad
    assert_refused(good, "min_primary_shard_size")


def test_a_rollover_condition_ism_does_not_know_is_refused(good: dict[str, Any]) -> None:
    hot = good["policy"]["states"][0]
    next(a for a in hot["actions"] if "rollover" in a)["rollover"]["max_size"] = "50gb"  # ILM's name, not ISM's
    assert_refused(good, "rollover")


def test_a_transition_with_two_conditions_is_refused(good: dict[str, Any]) -> None:
    good["policy"]["states"][0]["transitions"][0]["conditions"] = {"min_index_age": "1d", "min_doc_count": 5}
    assert_refused(good, "conditions")


def test_transitions_out_of_a_deleting_state_are_refused(good: dict[str, Any]) -> None:
    good["policy"]["states"][-1]["transitions"] = [{"state_name": "hot"}]
    assert_refused(good, "cannot have transitions")


def test_an_action_after_delete_is_refused(good: dict[str, Any]) -> None:
    good["policy"]["states"][-1]["actions"].append({"read_only": {}})
    assert_refused(good, "follows a delete")


def test_a_bad_retry_block_is_refused(good: dict[str, Any]) -> None:
    broken = copy.deepcopy(good)
    broken["policy"]["states"][0]["actions"][0]["retry"] = {"count": -1, "backoff": "fibonacci"}
    assert_refused(broken, "retry")


def test_duplicate_state_names_are_refused(good: dict[str, Any]) -> None:
    good["policy"]["states"].append(copy.deepcopy(good["policy"]["states"][0]))
    assert_refused(good, "duplicate state names")


def test_an_ism_template_without_patterns_is_refused(good: dict[str, Any]) -> None:
    good["policy"]["ism_template"] = [{"index_patterns": [], "priority": 1}]
    assert_refused(good, "ism_template")


def test_core_rollover_conditions_are_the_policys_own_thresholds() -> None:
    body = ism_policy(BootstrapParams(rollover_primary_shard_size="30gb", rollover_index_size="100gb"), "info")
    assert core_rollover_conditions(body) == {"max_size": "100gb", "max_age": "1d"}
    assert core_rollover_conditions(body, single_shard=True) == {"max_size": "30gb", "max_age": "1d"}
