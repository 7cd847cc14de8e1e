"""Configuration from the environment: one frozen dataclass per function, validated once.

Nothing else in logwarden reads ``os.environ``. Every name read here is declared, with its type, default and
readers, in ``logwarden.settings`` (which docs/CONFIG.md is generated from). A bad configuration fails at cold start
with one ``ConfigurationError`` naming every missing or bad variable, not on the first unlucky request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from logwarden import naming
from logwarden.errors import ConfigurationError
from logwarden.inflate import DEFAULT_LIMITS, InflateLimits
from logwarden.routing import RouteRule, parse_rules
from logwarden.settings import declared
from logwarden.sink.client import AuthMode, OpenSearchSettings, infer_auth

if TYPE_CHECKING:  # the masker's import is the ingest functions' to pay, not every function's
    from logwarden.masking.config import MaskingConfig

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class _Reader:
    """Collects every problem instead of stopping at the first. Reads declared settings only; a caller's default
    is for defaults worked out from other settings, the declared one applies otherwise."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def _raw(self, name: str) -> str | None:
        declared(name)  # an undeclared name is a programming error, caught by the first test that reads it
        return self.env.get(name)

    def text(self, name: str, default: str | None = None) -> str | None:
        value = (self._raw(name) or "").strip()
        return value or (default if default is not None else declared(name).default) or None

    def flag(self, name: str, default: bool | None = None) -> bool:
        raw = self._raw(name)
        if default is None:
            default = (declared(name).default or "false") in _TRUE
        if raw is None:
            return default
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        self.problems.append(f"{name} must be true or false, got {raw!r}")
        return default

    def number(self, name: str, default: float | None = None) -> float:
        raw = self._raw(name)
        if default is None:
            default = float(declared(name).default or 0)
        if raw is None or not raw.strip():
            return default
        try:
            return float(raw)
        except ValueError:
            self.problems.append(f"{name} must be a number, got {raw!r}")
            return default

    def choice(self, name: str, default: str | None = None) -> str:
        setting = declared(name)
        fallback = default or setting.default or setting.choices[0]
        value = self.text(name, fallback) or fallback
        allowed = setting.choices
        if value not in allowed:
            self.problems.append(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
            return fallback
        return value

    def json_list(self, name: str) -> list[dict[str, Any]]:
        raw = self.text(name)
        if raw is None:
            return []
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            self.problems.append(f"{name} is not valid JSON: {error}")
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.problems.append(f"{name} must be a JSON list of objects")
            return []
        return value


def opensearch_settings(reader: _Reader, *, required: bool = True) -> OpenSearchSettings | None:
    """``LOGWARDEN_OPENSEARCH_ENDPOINT`` (the stack's domain) or ``OPENSEARCH_URL`` (any other cluster)."""
    url = reader.text("LOGWARDEN_OPENSEARCH_ENDPOINT") or reader.text("OPENSEARCH_URL")
    if url is None:
        if required:
            reader.problems.append("LOGWARDEN_OPENSEARCH_ENDPOINT (or OPENSEARCH_URL) is not set")
        return None
    if "://" not in url:
        url = "https://" + url  # Amazon OpenSearch endpoints are given as bare host names
    username = reader.text("OPENSEARCH_USERNAME")
    auth = reader.choice("LOGWARDEN_OPENSEARCH_AUTH", infer_auth(url, username))
    if auth == "basic" and (username is None or reader.text("OPENSEARCH_PASSWORD") is None):
        reader.problems.append("basic auth needs OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD")
    ca_certs = reader.text("OPENSEARCH_CA_CERTS")
    if ca_certs is not None and not Path(ca_certs).is_file():
        reader.problems.append(f"OPENSEARCH_CA_CERTS points at {ca_certs!r}, which is not a file")
    mode: AuthMode = "sigv4" if auth == "sigv4" else "basic" if auth == "basic" else "none"
    return OpenSearchSettings(
        url=url.rstrip("/"),
        auth=mode,
        username=username,
        password=reader.text("OPENSEARCH_PASSWORD"),
        ca_certs=ca_certs,
        region=reader.text("AWS_REGION") or reader.text("AWS_DEFAULT_REGION"),
        service=reader.choice("LOGWARDEN_OPENSEARCH_SERVICE"),
        timeout_s=reader.number("LOGWARDEN_OPENSEARCH_TIMEOUT_S"),
    )


@dataclass(frozen=True, slots=True)
class DeadLetterSettings:
    bucket: str | None
    prefix: str
    kms_key_id: str | None
    directory: Path | None


def deadletter_settings(reader: _Reader) -> DeadLetterSettings:
    bucket = reader.text("LOGWARDEN_DEADLETTER_BUCKET")
    directory = reader.text("LOGWARDEN_DEADLETTER_DIR")
    if bucket is None and directory is None:
        reader.problems.append("LOGWARDEN_DEADLETTER_BUCKET (in AWS) or LOGWARDEN_DEADLETTER_DIR (locally) is not set")
    return DeadLetterSettings(
        bucket=bucket,
        prefix=reader.text("LOGWARDEN_DEADLETTER_PREFIX") or "deadletter/",
        kms_key_id=reader.text("LOGWARDEN_DEADLETTER_KMS_KEY_ID"),
        directory=Path(directory) if directory else None,
    )


@dataclass(frozen=True, slots=True)
class IngestConfig:
    opensearch: OpenSearchSettings | None
    deadletter: DeadLetterSettings
    index_prefix: str
    stage: str
    drop_debug: bool
    region: str | None
    routing_rules: tuple[RouteRule, ...]
    default_subsystem: str
    bulk_max_bytes: int
    bulk_max_actions: int
    masking: MaskingConfig | None = None  # None: the shipped defaults (dry runs, tests that build a config by hand)
    inflate: InflateLimits = DEFAULT_LIMITS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, dry_run: bool = False) -> IngestConfig:
        reader = _Reader(os.environ if env is None else env)
        settings = opensearch_settings(reader, required=not dry_run)
        deadletter = DeadLetterSettings(None, "deadletter/", None, None) if dry_run else deadletter_settings(reader)
        stage = reader.choice("LOGWARDEN_STAGE")
        try:
            rules = parse_rules(reader.json_list("LOGWARDEN_ROUTING_RULES"))
        except ValueError as error:
            reader.problems.append(f"LOGWARDEN_ROUTING_RULES: {error}")
            rules = ()
        default_subsystem = reader.text("LOGWARDEN_DEFAULT_SUBSYSTEM") or naming.DEFAULT_SUBSYSTEM
        prefix = _index_prefix(reader)
        masking = _masking(reader)
        config = cls(
            opensearch=settings,
            deadletter=deadletter,
            index_prefix=prefix,
            stage=stage,
            # DEBUG is never stored in production unless someone explicitly says so.
            drop_debug=reader.flag("LOGWARDEN_DROP_DEBUG", stage == "prod"),
            region=reader.text("AWS_REGION") or reader.text("AWS_DEFAULT_REGION"),
            routing_rules=rules,
            default_subsystem=default_subsystem,
            bulk_max_bytes=_positive_int(reader, "LOGWARDEN_BULK_MAX_BYTES"),
            bulk_max_actions=_positive_int(reader, "LOGWARDEN_BULK_MAX_ACTIONS"),
            masking=masking,
            inflate=InflateLimits(
                _positive_int(reader, "LOGWARDEN_INFLATE_MAX_MESSAGE_BYTES"),
                _positive_int(reader, "LOGWARDEN_INFLATE_MAX_DELIVERY_BYTES"),
            ),
        )
        if reader.problems:
            raise ConfigurationError(reader.problems)
        return config


def _masking(reader: _Reader) -> MaskingConfig | None:
    """``LOGWARDEN_MASKING_*``: the masker's own reader walks the family; its problems join everyone else's."""
    from logwarden.masking.config import load_config

    try:
        return load_config(reader.env)
    except ConfigurationError as error:
        reader.problems.extend(error.problems)
        return None


def _index_prefix(reader: _Reader) -> str:
    prefix = reader.text("LOGWARDEN_INDEX_PREFIX") or naming.DEFAULT_INDEX_PREFIX
    if not prefix.islower() or not prefix.replace("-", "").isalnum():
        reader.problems.append(f"LOGWARDEN_INDEX_PREFIX must be lower-case letters, digits and '-', got {prefix!r}")
    return prefix


def _positive_int(reader: _Reader, name: str) -> int:
    value = reader.number(name)
    if value < 1 or value != int(value):
        reader.problems.append(f"{name} must be a positive integer, got {value!r}")
        return int(declared(name).default or 1)
    return int(value)


@dataclass(frozen=True, slots=True)
class AnomalyCheckConfig:
    """The scheduled anomaly check (functions/anomaly_check); docs/ANOMALY.md lists every variable."""

    opensearch: OpenSearchSettings
    index_prefix: str
    stage: str
    alert_topic_arn: str
    alert_state_table: str
    rules_parameter: str | None  # SSM parameter holding a rules override (TOML or JSON)
    dashboards_url: str | None
    lag_minutes: int
    max_series: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AnomalyCheckConfig:
        reader = _Reader(os.environ if env is None else env)
        settings = opensearch_settings(reader)
        topic = reader.text("LOGWARDEN_ALERT_TOPIC_ARN")
        if topic is None:
            reader.problems.append("LOGWARDEN_ALERT_TOPIC_ARN is not set")
        elif not topic.startswith("arn:"):
            reader.problems.append(f"LOGWARDEN_ALERT_TOPIC_ARN must be an SNS topic ARN, got {topic!r}")
        table = reader.text("LOGWARDEN_ALERT_STATE_TABLE")
        if table is None:
            reader.problems.append("LOGWARDEN_ALERT_STATE_TABLE is not set")
        lag = reader.number("LOGWARDEN_ANOMALY_LAG_MINUTES")
        if lag < 0 or lag != int(lag):
            reader.problems.append(f"LOGWARDEN_ANOMALY_LAG_MINUTES must be a whole number >= 0, got {lag!r}")
            lag = 1
        config = cls(
            opensearch=settings or OpenSearchSettings(url="http://127.0.0.1:9200"),
            index_prefix=_index_prefix(reader),
            stage=reader.choice("LOGWARDEN_STAGE"),
            alert_topic_arn=topic or "",
            alert_state_table=table or "",
            rules_parameter=reader.text("LOGWARDEN_RULES_PARAMETER"),
            dashboards_url=reader.text("LOGWARDEN_DASHBOARDS_URL"),
            lag_minutes=int(lag),
            max_series=_positive_int(reader, "LOGWARDEN_ANOMALY_MAX_SERIES"),
        )
        if reader.problems:
            raise ConfigurationError(reader.problems)
        return config


@dataclass(frozen=True, slots=True)
class ChatNotifyConfig:
    """SNS -> chat (functions/chat_notify); webhook URLs and tokens live in one Secrets Manager secret."""

    chat_secret_name: str
    timeout_s: float
    max_attempts: int
    secret_max_age_s: int
    allow_local_urls: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ChatNotifyConfig:
        reader = _Reader(os.environ if env is None else env)
        secret = reader.text("LOGWARDEN_CHAT_SECRET_NAME")
        if secret is None:
            reader.problems.append("LOGWARDEN_CHAT_SECRET_NAME is not set")
        timeout = reader.number("LOGWARDEN_CHAT_TIMEOUT_S")
        if timeout <= 0:
            reader.problems.append(f"LOGWARDEN_CHAT_TIMEOUT_S must be positive, got {timeout!r}")
        config = cls(
            chat_secret_name=secret or "",
            timeout_s=timeout,
            max_attempts=_positive_int(reader, "LOGWARDEN_CHAT_MAX_ATTEMPTS"),
            secret_max_age_s=_positive_int(reader, "LOGWARDEN_CHAT_SECRET_MAX_AGE_S"),
            allow_local_urls=reader.flag("LOGWARDEN_CHAT_ALLOW_LOCAL_URLS"),
        )
        if reader.problems:
            raise ConfigurationError(reader.problems)
        return config


@dataclass(frozen=True, slots=True)
class DrainConfig:
    """The scheduled drain of the dead-letter store (functions/drain_deadletter): the ingest settings (engine,
    dead-letter store, bulk limits) and how many documents one run may replay."""

    ingest: IngestConfig
    max_documents: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DrainConfig:
        environ = os.environ if env is None else env
        reader = _Reader(environ)
        max_documents = _positive_int(reader, "LOGWARDEN_DRAIN_MAX_DOCUMENTS")
        try:
            ingest = IngestConfig.from_env(environ)
        except ConfigurationError as error:
            raise ConfigurationError(error.problems + reader.problems) from error
        if reader.problems:
            raise ConfigurationError(reader.problems)
        return cls(ingest=ingest, max_documents=max_documents)
