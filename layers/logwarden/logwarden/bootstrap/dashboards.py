"""OpenSearch Dashboards saved objects: index patterns, the overview visualisations and one dashboard.

Built by code so the prefix and the alert threshold follow the parameters; ``dashboards/logwarden.ndjson`` in
the repository is this output for the default parameters (a test keeps the two equal) and can be imported by
hand under Dashboards Management -> Saved objects.
"""

from __future__ import annotations

import json
from typing import Any

from logwarden import schema
from logwarden.bootstrap.params import BootstrapParams
from logwarden.naming import SUBSYSTEMS, all_logs_pattern, subsystem_pattern

_SEARCH_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"
_ERROR_QUERY = f'{schema.LEVEL}:("ERROR" or "FATAL")'


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def index_pattern_id(params: BootstrapParams, subsystem: str | None = None) -> str:
    return f"{params.name}-{params.prefix}-{subsystem or 'all'}"


def _index_pattern(params: BootstrapParams, subsystem: str | None) -> dict[str, Any]:
    title = subsystem_pattern(subsystem, params.prefix) if subsystem else all_logs_pattern(params.prefix)
    return {
        "type": "index-pattern",
        "id": index_pattern_id(params, subsystem),
        "attributes": {"title": title, "timeFieldName": schema.TIMESTAMP},
        "references": [],
    }


def _date_histogram(agg_id: str) -> dict[str, Any]:
    return {
        "id": agg_id,
        "enabled": True,
        "type": "date_histogram",
        "schema": "segment",
        "params": {"field": schema.TIMESTAMP, "interval": "m", "min_doc_count": 1, "extended_bounds": {}},
    }


def _terms(agg_id: str, field: str, size: int, schema_name: str, order_by: str = "1") -> dict[str, Any]:
    return {
        "id": agg_id,
        "enabled": True,
        "type": "terms",
        "schema": schema_name,
        "params": {"field": field, "size": size, "order": "desc", "orderBy": order_by},
    }


def _count(agg_id: str = "1") -> dict[str, Any]:
    return {"id": agg_id, "enabled": True, "type": "count", "schema": "metric", "params": {}}


def _line_params(threshold: int | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "type": "line",
        "addTooltip": True,
        "addLegend": True,
        "legendPosition": "right",
        "times": [],
        "addTimeMarker": False,
    }
    if threshold is not None:
        params["thresholdLine"] = {"show": True, "value": threshold, "width": 2, "style": "dashed", "color": "#E7664C"}
    return params


def _visualization(
    params: BootstrapParams,
    key: str,
    title: str,
    vis_type: str,
    aggs: list[dict[str, Any]],
    vis_params: dict[str, Any],
    query: str = "",
) -> dict[str, Any]:
    search_source = {
        "indexRefName": _SEARCH_REF,
        "query": {"query": query, "language": "kuery"},
        "filter": [],
    }
    return {
        "type": "visualization",
        "id": f"{params.name}-{params.prefix}-{key}",
        "attributes": {
            "title": title,
            "visState": _dumps({"title": title, "type": vis_type, "aggs": aggs, "params": vis_params}),
            "uiStateJSON": "{}",
            "description": "",
            "version": 1,
            "kibanaSavedObjectMeta": {"searchSourceJSON": _dumps(search_source)},
        },
        "references": [{"name": _SEARCH_REF, "type": "index-pattern", "id": index_pattern_id(params)}],
    }


def visualizations(params: BootstrapParams) -> list[dict[str, Any]]:
    threshold = params.error_threshold_per_minute
    table = {"perPage": 10, "showPartialRows": False, "showMetricsAtAllLevels": False, "showTotal": False}
    return [
        _visualization(
            params,
            "events-per-minute",
            "Events per minute by subsystem and level",
            "line",
            [
                _count(),
                _date_histogram("2"),
                _terms("3", schema.SUBSYSTEM, 10, "group"),
                _terms("4", schema.LEVEL, 6, "split"),
            ],
            {**_line_params(), "row": True},
        ),
        _visualization(
            params,
            "errors-per-minute",
            f"ERRORs per minute (alert threshold {threshold})",
            "line",
            [_count(), _date_histogram("2"), _terms("3", schema.SUBSYSTEM, 10, "group")],
            _line_params(threshold),
            query=_ERROR_QUERY,
        ),
        _visualization(
            params,
            "order-events",
            "Order events by kind",
            "pie",
            [_count(), _terms("2", schema.EVENT_KIND, 20, "segment")],
            {"type": "pie", "addTooltip": True, "addLegend": True, "legendPosition": "right", "isDonut": True},
            query=f"{schema.ORDER_ID}:*",
        ),
        _visualization(
            params,
            "top-error-types",
            "Top error types",
            "table",
            [_count(), _terms("2", schema.ERROR_TYPE, 20, "bucket"), _terms("3", schema.SUBSYSTEM, 5, "bucket")],
            table,
            query=f"{schema.ERROR_TYPE}:*",
        ),
        _visualization(
            params,
            "slowest-operations",
            "Slowest operations",
            "table",
            [
                {
                    "id": "1",
                    "enabled": True,
                    "type": "max",
                    "schema": "metric",
                    "params": {"field": schema.DURATION_MS},
                },
                {
                    "id": "2",
                    "enabled": True,
                    "type": "avg",
                    "schema": "metric",
                    "params": {"field": schema.DURATION_MS},
                },
                _count("3"),
                _terms("4", schema.SERVICE, 10, "bucket"),
                _terms("5", schema.URL_PATH, 20, "bucket"),
            ],
            table,
            query=f"{schema.DURATION_MS} > 0",
        ),
    ]


def dashboard(params: BootstrapParams, visualization_ids: list[str]) -> dict[str, Any]:
    panels = []
    references = []
    for index, vis_id in enumerate(visualization_ids):
        ref = f"panel_{index}"
        panels.append(
            {
                "panelIndex": str(index + 1),
                "gridData": {"x": (index % 2) * 24, "y": (index // 2) * 15, "w": 24, "h": 15, "i": str(index + 1)},
                "embeddableConfig": {},
                "version": "2.19.1",
                "panelRefName": ref,
            }
        )
        references.append({"name": ref, "type": "visualization", "id": vis_id})
    return {
        "type": "dashboard",
        "id": f"{params.name}-{params.prefix}-overview",
        "attributes": {
            "title": f"logwarden overview ({params.prefix})",
            "description": "Event rates, errors against the alert threshold, order events, error types, slow calls",
            "panelsJSON": _dumps(panels),
            "optionsJSON": _dumps({"useMargins": True, "hidePanelTitles": False}),
            "timeRestore": True,
            "timeFrom": "now-24h",
            "timeTo": "now",
            "refreshInterval": {"pause": False, "value": 60000},
            "version": 1,
            "kibanaSavedObjectMeta": {
                "searchSourceJSON": _dumps({"query": {"query": "", "language": "kuery"}, "filter": []})
            },
        },
        "references": references,
    }


def saved_objects(params: BootstrapParams) -> list[dict[str, Any]]:
    """Index patterns first, then visualisations, then the dashboard: the order an import resolves them in."""
    patterns = [_index_pattern(params, None)] + [_index_pattern(params, s) for s in SUBSYSTEMS]
    visuals = visualizations(params)
    return [*patterns, *visuals, dashboard(params, [v["id"] for v in visuals])]


def to_ndjson(objects: list[dict[str, Any]]) -> str:
    return "".join(_dumps(obj) + "\n" for obj in objects)


def unresolved_references(objects: list[dict[str, Any]]) -> list[str]:
    """References that point at no object in the list, and searchSource/panel refs with no reference entry."""
    present = {(obj["type"], obj["id"]) for obj in objects}
    problems = []
    for obj in objects:
        names = {ref["name"] for ref in obj.get("references", [])}
        for ref in obj.get("references", []):
            if (ref["type"], ref["id"]) not in present:
                problems.append(
                    f"{obj['type']} {obj['id']}: reference {ref['name']} -> missing {ref['type']} {ref['id']}"
                )
        attributes = obj.get("attributes", {})
        search = attributes.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
        if search and "indexRefName" in json.loads(search) and json.loads(search)["indexRefName"] not in names:
            problems.append(f"{obj['type']} {obj['id']}: searchSource indexRefName has no reference")
        for panel in json.loads(attributes.get("panelsJSON", "[]")):
            if panel.get("panelRefName") not in names:
                problems.append(f"{obj['type']} {obj['id']}: panel {panel.get('panelIndex')} has no reference")
    return problems
