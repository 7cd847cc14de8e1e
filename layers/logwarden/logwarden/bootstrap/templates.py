"""Index templates: one per subsystem, matching all of its data streams (``<prefix>-<subsystem>-*``)."""

from __future__ import annotations

from typing import Any

from logwarden import schema
from logwarden.bootstrap.params import BootstrapParams
from logwarden.naming import SUBSYSTEMS, subsystem_pattern

MANAGED_BY = "logwarden"


def template_name(params: BootstrapParams, subsystem: str) -> str:
    return f"{params.name}-{params.prefix}-{subsystem}"


def index_settings(params: BootstrapParams) -> dict[str, Any]:
    """Settings in the nested, all-strings form OpenSearch returns them in, so a read-back compares equal."""
    return {
        "index": {
            "number_of_shards": str(params.shards),
            "number_of_replicas": str(params.replicas),
            "refresh_interval": params.refresh_interval,
            "codec": params.codec,
        }
    }


def index_template(params: BootstrapParams, subsystem: str) -> dict[str, Any]:
    """The ``PUT _index_template/<name>`` body for one subsystem.

    ``data_stream: {}`` makes the first ``create`` to ``<prefix>-<subsystem>-<level>`` create the stream; every
    backing index (``.ds-<stream>-00000N``) then gets these settings and the schema's mapping.
    """
    return {
        "index_patterns": [subsystem_pattern(subsystem, params.prefix)],
        "data_stream": {},
        "priority": params.template_priority,
        "template": {
            "settings": index_settings(params),
            "mappings": schema.index_mapping(),
        },
        "_meta": {"managed_by": MANAGED_BY, "subsystem": subsystem},
    }


def index_templates(params: BootstrapParams) -> dict[str, dict[str, Any]]:
    return {template_name(params, subsystem): index_template(params, subsystem) for subsystem in SUBSYSTEMS}
