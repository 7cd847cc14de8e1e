"""The functions' configuration reads declared settings only, and the ingest functions build their masker from it."""

from __future__ import annotations

import pytest

from logwarden.config import IngestConfig, _Reader
from logwarden.errors import ConfigurationError
from logwarden.ingest.service import build_masker
from logwarden.masking.kinds import Kind, Mode
from logwarden.settings import declared

BASE = {"OPENSEARCH_URL": "http://127.0.0.1:9200", "LOGWARDEN_DEADLETTER_DIR": "/tmp/logwarden-deadletters"}


def test_an_undeclared_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="LOGWARDEN_NO_SUCH_SETTING is not declared"):
        _Reader({}).text("LOGWARDEN_NO_SUCH_SETTING")


def test_declared_defaults_apply_when_a_setting_is_unset() -> None:
    config = IngestConfig.from_env(BASE)
    assert config.bulk_max_bytes == int(declared("LOGWARDEN_BULK_MAX_BYTES").default or 0) == 5 * 1024 * 1024
    assert config.deadletter.prefix == declared("LOGWARDEN_DEADLETTER_PREFIX").default
    assert config.index_prefix == declared("LOGWARDEN_INDEX_PREFIX").default
    assert config.stage == "dev" and config.drop_debug is False


def test_ingest_masking_comes_from_the_environment() -> None:
    # GIVEN the deployed masking settings: pseudonyms for e-mails under a key named by its secret
    env = {
        **BASE,
        "LOGWARDEN_MASKING_MODE_EMAIL": "hash",
        "LOGWARDEN_MASKING_HASH_KEY_NAME": "logwarden/masking-hmac-key",
        "LOGWARDEN_MASKING_HASH_KEY_SOURCE": "ssm",
    }
    # WHEN the ingest configuration is read
    masking = IngestConfig.from_env(env).masking
    # THEN the masker gets them
    assert masking is not None
    assert masking.mode(Kind.EMAIL) is Mode.HASH and masking.mode(Kind.PHONE) is Mode.PLACEHOLDER
    assert (masking.hash_key_source, masking.hash_key_name) == ("ssm", "logwarden/masking-hmac-key")


def test_masking_problems_are_named_with_every_other_problem() -> None:
    env = {**BASE, "LOGWARDEN_MASKING_MODE_EMAIL": "scramble", "LOGWARDEN_BULK_MAX_ACTIONS": "0"}
    with pytest.raises(ConfigurationError) as raised:
        IngestConfig.from_env(env)
    text = " ".join(raised.value.problems)
    assert "scramble" in text and "LOGWARDEN_BULK_MAX_ACTIONS" in text


def test_the_ingest_service_masks_with_the_configured_masker() -> None:
    # GIVEN settings that need no key: e-mails partly kept, phones not masked at all
    env = {**BASE, "LOGWARDEN_MASKING_MODE_EMAIL": "partial", "LOGWARDEN_MASKING_DISABLED_KINDS": "phone"}
    # WHEN the ingest service's masker masks a line with both
    masked = build_masker(IngestConfig.from_env(env)).mask_lines(["mail ivan.petrov@mail.ru phone +7 912 345-67-89"])[0]
    # THEN the e-mail follows the configured mode and the disabled kind is left alone
    assert "ivan.petrov@mail.ru" not in masked and "[EMAIL" in masked
    assert "+7 912 345-67-89" in masked
