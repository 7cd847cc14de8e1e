"""ISM policies: one per level class, attached to that class's data streams of every subsystem.

Retention per level is enforced by deleting whole backing indices, which is exact because each data stream
holds one level class only. Ages after the hot tier are counted with ``min_rollover_age``: from the moment an
index stopped receiving writes, so every event is kept at least its full retention and a write index is never
migrated or deleted.
"""

from __future__ import annotations

from typing import Any

from logwarden.bootstrap.params import BootstrapParams, seconds
from logwarden.naming import SUBSYSTEMS

ISM_TEMPLATE_PRIORITY = 100
MIGRATION_TIMEOUT = "24h"
MIGRATION_RETRY = {"count": 5, "backoff": "exponential", "delay": "1h"}


def policy_id(params: BootstrapParams, level_class: str) -> str:
    return f"{params.name}-{params.prefix}-{level_class}"


def stream_names(params: BootstrapParams, level_class: str) -> list[str]:
    return [f"{params.prefix}-{subsystem}-{level_class}" for subsystem in SUBSYSTEMS]


def _retry(params: BootstrapParams) -> dict[str, Any]:
    return {"count": params.ism_retry_count, "backoff": "exponential", "delay": params.ism_retry_delay}


def tiers(params: BootstrapParams, level_class: str) -> list[tuple[str, str]]:
    """The states an index of this class passes through after hot, with the rollover age that leads into each."""
    retention = params.retention_for(level_class)
    limit = seconds(retention)
    path: list[tuple[str, str]] = []
    if seconds(params.warm_after) < limit:
        path.append(("warm", params.warm_after))
    if params.cold and seconds(params.cold_after) < limit and seconds(params.cold_after) > seconds(params.warm_after):
        path.append(("cold", params.cold_after))
    path.append(("delete", retention))
    return path


def _state_actions(params: BootstrapParams, state: str) -> list[dict[str, Any]]:
    retry = _retry(params)
    if state == "hot":
        return [
            {"index_priority": {"priority": 100}, "retry": retry},
            {
                "rollover": {
                    "min_primary_shard_size": params.rollover_primary_shard_size,
                    "min_size": params.rollover_index_size,
                    "min_index_age": params.rollover_age,
                },
                "retry": retry,
            },
        ]
    if state == "warm":
        if params.ultrawarm:
            return [{"warm_migration": {}, "timeout": MIGRATION_TIMEOUT, "retry": dict(MIGRATION_RETRY)}]
        actions: list[dict[str, Any]] = [
            {"read_only": {}, "retry": retry},
            {"force_merge": {"max_num_segments": 1}, "retry": retry},
        ]
        if params.warm_replicas is not None:
            actions.append({"replica_count": {"number_of_replicas": params.warm_replicas}, "retry": retry})
        actions.append({"index_priority": {"priority": 50}, "retry": retry})
        return actions
    if state == "cold":
        migration = {"start_time": None, "end_time": None, "timestamp_field": "@timestamp", "ignore": "none"}
        return [{"cold_migration": migration, "timeout": MIGRATION_TIMEOUT, "retry": dict(MIGRATION_RETRY)}]
    raise ValueError(f"no actions defined for state {state!r}")


def ism_policy(params: BootstrapParams, level_class: str) -> dict[str, Any]:
    """The ``PUT _plugins/_ism/policies/<id>`` body for one level class."""
    path = tiers(params, level_class)
    names = ["hot"] + [name for name, _ in path]
    states: list[dict[str, Any]] = []
    for index, name in enumerate(names):
        if name == "delete":
            # A cold index lives in S3 and is removed with cold_delete; any other index with delete.
            actions = [{("cold_delete" if "cold" in names else "delete"): {}, "retry": _retry(params)}]
        else:
            actions = _state_actions(params, name)
        transitions: list[dict[str, Any]] = []
        if index + 1 < len(names):
            next_name, age = path[index]
            transitions.append({"state_name": next_name, "conditions": {"min_rollover_age": age}})
        states.append({"name": name, "actions": actions, "transitions": transitions})
    policy: dict[str, Any] = {
        "description": (
            f"logwarden {level_class} logs under {params.prefix}-*: rollover at "
            f"{params.rollover_primary_shard_size}/shard, {params.rollover_index_size}/index or "
            f"{params.rollover_age}; deleted {params.retention_for(level_class)} after rollover"
        ),
        "default_state": "hot",
        "states": states,
        "ism_template": [{"index_patterns": stream_names(params, level_class), "priority": ISM_TEMPLATE_PRIORITY}],
    }
    if params.ism_error_channel_id:
        policy["error_notification"] = {
            "channel": {"id": params.ism_error_channel_id},
            "message_template": {
                "source": "ISM action failed on index {{ctx.index}} (policy {{ctx.policy_id}}): {{ctx.info}}"
            },
        }
    return {"policy": policy}


def ism_policies(params: BootstrapParams) -> dict[str, dict[str, Any]]:
    return {policy_id(params, lc): ism_policy(params, lc) for lc in params.level_classes}


# Core ``_rollover`` names for the ISM rollover conditions it shares; ``min_primary_shard_size`` has no core
# counterpart, and equals ``min_size`` for a one-shard index.
_CORE_ROLLOVER = {"min_size": "max_size", "min_index_age": "max_age", "min_doc_count": "max_docs"}


def core_rollover_conditions(policy: dict[str, Any], single_shard: bool = False) -> dict[str, Any]:
    """The hot state's rollover conditions as core ``POST <stream>/_rollover`` conditions.

    Lets the engine's own rollover prove what ISM would do where no ISM runs (the local engine): the same
    thresholds, evaluated by OpenSearch on the real data stream.
    """
    hot = next(s for s in policy["policy"]["states"] if s["name"] == policy["policy"]["default_state"])
    rollover: dict[str, Any] = next(a["rollover"] for a in hot["actions"] if "rollover" in a)
    conditions = {_CORE_ROLLOVER[k]: v for k, v in rollover.items() if k in _CORE_ROLLOVER}
    if single_shard and "min_primary_shard_size" in rollover:
        shard = rollover["min_primary_shard_size"]
        current = conditions.get("max_size")
        conditions["max_size"] = shard if current is None else min(current, shard, key=_bytes)
    return conditions


def _bytes(size: str) -> float:
    units = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}
    for unit in ("kb", "mb", "gb", "tb", "pb", "b"):
        if size.lower().endswith(unit):
            return float(size[: -len(unit)]) * units[unit]
    raise ValueError(f"not a size: {size!r}")
