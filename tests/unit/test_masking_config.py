"""Configuration file and environment overrides; the keyed hash with its key from Secrets Manager or SSM (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from logwarden.errors import ConfigurationError
from logwarden.masking.config import MaskingConfig, load_config
from logwarden.masking.kinds import Kind, Mode
from logwarden.masking.masker import Masker

KEY = "0123456789abcdef0123456789abcdef"


def test_shipped_defaults_are_safe() -> None:
    config = load_config({})
    assert config.mode(Kind.CARD) is Mode.PARTIAL
    assert config.mode(Kind.EMAIL) is Mode.PLACEHOLDER
    assert not config.disabled_kinds
    assert not config.uses_hash
    assert config == MaskingConfig()


def test_environment_overrides() -> None:
    config = load_config(
        {
            "LOGWARDEN_MASKING_MODE_PHONE": "partial",
            "LOGWARDEN_MASKING_DISABLED_KINDS": "ip, birthdate",
            "LOGWARDEN_MASKING_ALLOW_FIELDS": "client.id",
            "LOGWARDEN_MASKING_MASK_PRIVATE_IPS": "true",
            "UNRELATED": "x",
        }
    )
    assert config.mode(Kind.PHONE) is Mode.PARTIAL
    assert config.disabled_kinds == {Kind.IP, Kind.BIRTHDATE}
    assert config.allow_fields == {"client.id"}
    assert config.mask_private_ips


def test_every_bad_setting_is_named_at_once() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_config(
            {
                "LOGWARDEN_MASKING_MODE_EMAIL": "scramble",
                "LOGWARDEN_MASKING_DISABLED_KINDS": "ssn",
                "LOGWARDEN_MASKING_COLOUR": "blue",
            }
        )
    assert len(caught.value.problems) == 3


def test_hash_mode_needs_a_key_name() -> None:
    with pytest.raises(ConfigurationError, match="HASH_KEY_NAME"):
        load_config({"LOGWARDEN_MASKING_MODE_EMAIL": "hash"})


def test_config_file_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "masking.toml"
    path.write_text('disabled_kinds = ["ip"]\n[modes]\ndefault = "placeholder"\nphone = "partial"\n', encoding="utf-8")
    config = load_config({"LOGWARDEN_MASKING_CONFIG_FILE": str(path)})
    assert config.disabled_kinds == {Kind.IP}
    assert config.mode(Kind.PHONE) is Mode.PARTIAL
    assert config.mode(Kind.CARD) is Mode.PLACEHOLDER


def test_partial_modes() -> None:
    masker = Masker(MaskingConfig(modes={Kind.PHONE: Mode.PARTIAL, Kind.EMAIL: Mode.PARTIAL}))
    assert masker.mask_text("call +7 (912) 345-67-89") == "call [PHONE ***89]"
    assert masker.mask_text("mail ivan@mail.ru") == "mail [EMAIL i***@mail.ru]"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


def _hash_config(source: str, name: str) -> MaskingConfig:
    return load_config(
        {
            "LOGWARDEN_MASKING_MODE_EMAIL": "hash",
            "LOGWARDEN_MASKING_MODE_PHONE": "hash",
            "LOGWARDEN_MASKING_HASH_KEY_SOURCE": source,
            "LOGWARDEN_MASKING_HASH_KEY_NAME": name,
        }
    )


def test_hash_key_from_secrets_manager_correlates_values(aws: None) -> None:
    boto3.client("secretsmanager").create_secret(Name="logwarden/masking-key", SecretString=KEY)
    masker = Masker(_hash_config("secretsmanager", "logwarden/masking-key"))
    first = masker.mask_text("ivan@mail.ru")
    assert first.startswith("[EMAIL#") and "ivan" not in first
    # the same value gives the same tag, whatever its spelling; another value another tag
    assert masker.mask_text("IVAN@mail.ru") == first
    assert masker.mask_text("+7 (912) 345-67-89") == masker.mask_text("89123456789")
    assert masker.mask_text("anna@mail.ru") != first
    # and the tag is the keyed HMAC, not a plain hash anyone could recompute
    other = Masker(MaskingConfig(modes={Kind.EMAIL: Mode.HASH}, hash_key=b"another key of 16+ bytes"))
    assert other.mask_text("ivan@mail.ru") != first


def test_hash_key_from_ssm(aws: None) -> None:
    boto3.client("ssm").put_parameter(Name="/logwarden/masking-key", Value=KEY, Type="SecureString")
    masker = Masker(_hash_config("ssm", "/logwarden/masking-key"))
    same = Masker(MaskingConfig(modes={Kind.EMAIL: Mode.HASH}, hash_key=KEY.encode()))
    assert masker.mask_text("ivan@mail.ru") == same.mask_text("ivan@mail.ru")
    assert masker.mask_text("ivan@mail.ru") == masker.mask_text("ivan@mail.ru") != "[EMAIL]"


def test_masked_hash_is_stable_under_masking_again(aws: None) -> None:
    boto3.client("secretsmanager").create_secret(Name="k", SecretString=KEY)
    masker = Masker(_hash_config("secretsmanager", "k"))
    once = masker.mask_text("write to ivan@mail.ru or 89123456789")
    assert masker.mask_text(once) == once


def test_missing_key_fails_at_start(aws: None) -> None:
    with pytest.raises(ConfigurationError, match="absent"):
        Masker(_hash_config("secretsmanager", "absent"))
