"""Index templates: one per subsystem, matching exactly that subsystem's data streams, core types only."""

from __future__ import annotations

import fnmatch

from logwarden import schema
from logwarden.bootstrap.params import BootstrapParams
from logwarden.bootstrap.templates import index_templates
from logwarden.naming import LEVEL_CLASSES, SUBSYSTEMS, data_stream_name

CORE_TYPES = {
    "keyword",
    "text",
    "match_only_text",
    "wildcard",
    "flat_object",
    "date",
    "long",
    "integer",
    "double",
    "ip",
    "boolean",
}
LEVEL_OF_CLASS = {"debug": "DEBUG", "info": "INFO", "warn": "WARN", "error": "ERROR"}


def _types(properties: dict[str, object]) -> set[str]:
    found: set[str] = set()
    for spec in properties.values():
        assert isinstance(spec, dict)
        if "properties" in spec:
            found |= _types(spec["properties"])
        else:
            found.add(spec["type"])
    return found


def test_each_data_stream_is_matched_by_exactly_its_subsystems_template() -> None:
    params = BootstrapParams(prefix="logs")
    templates = index_templates(params)
    assert len(templates) == len(SUBSYSTEMS)
    for subsystem in SUBSYSTEMS:
        for level_class in LEVEL_CLASSES:
            stream = data_stream_name(subsystem, LEVEL_OF_CLASS[level_class], params.prefix)
            matching = [
                name
                for name, body in templates.items()
                if any(fnmatch.fnmatchcase(stream, p) for p in body["index_patterns"])
            ]
            assert matching == [f"logwarden-logs-{subsystem}"], stream


def test_templates_create_data_streams_with_the_schema_mapping_and_parameters() -> None:
    params = BootstrapParams(shards=2, replicas=0, refresh_interval="30s", codec="default")
    for body in index_templates(params).values():
        assert body["data_stream"] == {}
        assert body["template"]["mappings"] == schema.index_mapping()
        assert body["template"]["mappings"]["dynamic"] is False
        assert body["template"]["settings"] == {
            "index": {"number_of_shards": "2", "number_of_replicas": "0", "refresh_interval": "30s", "codec": "default"}
        }


def test_mappings_use_core_field_types_only() -> None:
    body = next(iter(index_templates(BootstrapParams()).values()))
    assert _types(body["template"]["mappings"]["properties"]) <= CORE_TYPES
