"""Bootstrap parameters: parsed from CloudFormation's strings, every bad one named at once."""

from __future__ import annotations

import pytest

from logwarden.bootstrap.params import BootstrapParams, seconds
from logwarden.errors import ConfigurationError


def test_defaults_follow_the_storage_design() -> None:
    params = BootstrapParams()
    assert params.retention == {"debug": "3d", "info": "30d", "warn": "90d", "error": "180d"}
    assert (params.rollover_primary_shard_size, params.rollover_index_size) == ("50gb", "100gb")
    assert params.codec == "best_compression"
    assert params.on_delete == "retain"
    assert not params.debug_enabled and params.retention_for("debug") == params.debug_disabled_retention


def test_properties_as_cloudformation_sends_them_are_parsed() -> None:
    params = BootstrapParams.from_properties(
        {
            "ServiceToken": "arn:aws:lambda:eu-central-1:1:function:x",
            "ServiceTimeout": "1200",  # template.yaml sets it; CloudFormation passes it on like ServiceToken
            "prefix": "applogs",
            "shards": "3",
            "replicas": "2",
            "retention_info": "14d",
            "debug_enabled": "true",
            "warm_replicas": "",
            "support_backend_roles": "arn:aws:iam::1:role/Support, arn:aws:iam::1:role/Oncall",
            "ultrawarm": "false",
        }
    )
    assert (params.prefix, params.shards, params.replicas) == ("applogs", 3, 2)
    assert params.retention["info"] == "14d" and params.retention["error"] == "180d"
    assert params.debug_enabled and params.retention_for("debug") == "3d"
    assert params.warm_replicas is None
    assert params.support_backend_roles == ("arn:aws:iam::1:role/Support", "arn:aws:iam::1:role/Oncall")


def test_every_bad_parameter_is_named_in_one_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        BootstrapParams.from_properties(
            {"retention_info": "30 days", "rollover_index_size": "100GiB", "codec": "lz4", "on_delete": "wipe"}
        )
    text = str(caught.value)
    for name in ("retention_info", "rollover_index_size", "codec", "on_delete"):
        assert name in text


def test_unknown_and_malformed_properties_are_refused() -> None:
    with pytest.raises(ConfigurationError) as caught:
        BootstrapParams.from_properties({"shardz": "1", "shards": "many", "ultrawarm": "maybe"})
    assert "unknown parameter 'shardz'" in str(caught.value)
    assert "shards" in str(caught.value) and "ultrawarm" in str(caught.value)


def test_masked_fields_must_be_visible_fields() -> None:
    with pytest.raises(ConfigurationError, match="masked_fields"):
        BootstrapParams(support_fields=("message",), masked_fields=("customer.id",))


def test_string_form_round_trips() -> None:
    params = BootstrapParams(prefix="x1", cold=True, warm_replicas=0, devops_users=("alice",))
    assert BootstrapParams.from_properties(params.to_properties()) == params


@pytest.mark.parametrize(("value", "expected"), [("30d", 30 * 86400), ("12h", 43200), ("90m", 5400), ("500ms", 0.5)])
def test_time_values_are_measured_for_ordering_tiers(value: str, expected: float) -> None:
    assert seconds(value) == pytest.approx(expected)


@pytest.mark.parametrize("prefix", ["Logs", "logs-", "-logs", "logs*", "lo gs", ""])
def test_a_prefix_that_would_make_bad_index_names_is_refused(prefix: str) -> None:
    with pytest.raises(ConfigurationError, match="prefix"):
        BootstrapParams(prefix=prefix)
