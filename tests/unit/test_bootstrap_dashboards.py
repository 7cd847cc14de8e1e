"""Dashboards saved objects: valid NDJSON, references that resolve, fields that exist, and the file in the repo
is exactly what the bootstrap imports for the default parameters."""

from __future__ import annotations

import json

from logwarden import schema
from logwarden.bootstrap.dashboards import saved_objects, to_ndjson, unresolved_references
from logwarden.bootstrap.params import BootstrapParams
from logwarden.naming import SUBSYSTEMS
from tests.conftest import ROOT

SHIPPED = ROOT / "dashboards" / "logwarden.ndjson"


def test_the_shipped_file_is_valid_ndjson_whose_references_resolve() -> None:
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    objects = [json.loads(line) for line in lines]
    assert all(isinstance(obj, dict) and {"type", "id", "attributes"} <= set(obj) for obj in objects)
    assert unresolved_references(objects) == []


def test_the_shipped_file_is_what_the_bootstrap_imports() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == to_ndjson(saved_objects(BootstrapParams()))


def test_index_patterns_for_each_subsystem_and_for_all_logs() -> None:
    titles = {o["attributes"]["title"] for o in saved_objects(BootstrapParams()) if o["type"] == "index-pattern"}
    assert titles == {"logs-*"} | {f"logs-{s}-*" for s in SUBSYSTEMS}


def test_visualisations_aggregate_on_fields_of_the_schema_and_show_the_alert_threshold() -> None:
    objects = saved_objects(BootstrapParams(error_threshold_per_minute=42))
    visuals = [o for o in objects if o["type"] == "visualization"]
    assert len(visuals) == 5
    for vis in visuals:
        state = json.loads(vis["attributes"]["visState"])
        for agg in state["aggs"]:
            field = agg["params"].get("field")
            assert field is None or field in schema.FIELD_TYPES, (vis["id"], field)
    errors = next(v for v in visuals if v["id"].endswith("errors-per-minute"))
    assert json.loads(errors["attributes"]["visState"])["params"]["thresholdLine"]["value"] == 42


def test_the_overview_dashboard_shows_every_visualisation() -> None:
    objects = saved_objects(BootstrapParams())
    [dashboard] = [o for o in objects if o["type"] == "dashboard"]
    shown = {ref["id"] for ref in dashboard["references"]}
    assert shown == {o["id"] for o in objects if o["type"] == "visualization"}


def test_a_dangling_reference_is_reported() -> None:
    objects = [o for o in saved_objects(BootstrapParams()) if o["id"] != "logwarden-logs-all"]
    assert any("missing index-pattern logwarden-logs-all" in p for p in unresolved_references(objects))
