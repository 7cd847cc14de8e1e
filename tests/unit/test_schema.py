from __future__ import annotations

import re

from logwarden import naming, schema
from tests.conftest import ROOT


def test_every_field_is_documented_and_mapped() -> None:
    documented = set(re.findall(r"`([@a-z_.]+)`", (ROOT / "docs" / "SCHEMA.md").read_text()))
    assert set(schema.FIELD_TYPES) <= documented
    mapping = schema.index_mapping()
    for field, field_type in schema.FIELD_TYPES.items():
        node = mapping["properties"]
        *parents, leaf = [field] if field == schema.TIMESTAMP else field.split(".")
        for parent in parents:
            node = node[parent]["properties"]
        assert node[leaf]["type"] == field_type


def test_mapping_never_grows_by_itself() -> None:
    assert schema.index_mapping()["dynamic"] is False


def test_levels_and_streams() -> None:
    assert naming.normalise_level("Information") == "INFO"
    assert naming.normalise_level("wrn") == "WARN"
    assert naming.normalise_level("nonsense") is None
    assert naming.data_stream_name("mes", "FATAL") == "logs-mes-error"
    assert naming.data_stream_name("shop", None, prefix="t1") == "t1-shop-info"
