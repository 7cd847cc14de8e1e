"""Bootstrap parameters: everything a deploy may tune, parsed from CloudFormation properties or CLI ``--param``.

CloudFormation hands custom-resource properties over as strings, so every parameter has a string form and
``BootstrapParams.from_properties`` parses them all, naming every bad one at once. Changing any of them in the
stack makes CloudFormation send an Update with old and new properties, and the bootstrap applies the difference.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final

from logwarden import schema
from logwarden.errors import ConfigurationError
from logwarden.naming import DEFAULT_INDEX_PREFIX, LEVEL_CLASSES

# ISM parses ages with OpenSearch's TimeValue and sizes with ByteSizeValue; we accept the integer forms of both.
TIME_VALUE: Final = re.compile(r"^[0-9]+(d|h|m|s|ms|micros|nanos)$")
BYTE_SIZE: Final = re.compile(r"^[0-9]+(b|kb|mb|gb|tb|pb)$")
_NAME: Final = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_UNITS_S: Final = {"nanos": 1e-9, "micros": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}

ON_DELETE_CHOICES: Final = ("retain", "config", "all")

# Fields whose values may carry personal data the masker did not recognise: support sees them hashed, so the
# same customer still correlates across events while the value itself stays unreadable.
DEFAULT_MASKED_FIELDS: Final = (schema.CUSTOMER_ID, schema.CLIENT_ID)
# Everything of the schema except the free-form labels (arbitrary MDC keys, the likeliest home of personal data).
# Anything not listed, including keys kept only in _source because the mapping is not dynamic, stays hidden.
DEFAULT_SUPPORT_FIELDS: Final = tuple(f for f in schema.FIELD_TYPES if f != schema.LABELS)

# Properties CloudFormation itself reads and still sends along in ResourceProperties.
_CLOUDFORMATION_PROPERTIES = frozenset({"ServiceToken", "ServiceTimeout"})


def seconds(time_value: str) -> float:
    """Length of an ISM time value such as ``30d`` in seconds (for ordering tier ages)."""
    match = TIME_VALUE.match(time_value)
    if not match:
        raise ValueError(f"not a time value: {time_value!r}")
    unit = match.group(1)
    return int(time_value[: -len(unit)]) * _UNITS_S[unit]


@dataclass(frozen=True)
class BootstrapParams:
    """What the bootstrap builds; defaults match the storage design (shards 10-50 GB, indices up to 100 GB)."""

    prefix: str = DEFAULT_INDEX_PREFIX
    name: str = "logwarden"  # prefix of role, policy and template names, so two deployments can share a domain
    shards: int = 1
    replicas: int = 1
    refresh_interval: str = "5s"
    codec: str = "best_compression"
    template_priority: int = 200
    # Rollover: whichever comes first (ISM rollover conditions are alternatives).
    rollover_primary_shard_size: str = "50gb"
    rollover_index_size: str = "100gb"
    rollover_age: str = "1d"
    # Retention per level class, counted from the rollover of an index (its last write).
    retention: Mapping[str, str] = field(
        default_factory=lambda: {"debug": "3d", "info": "30d", "warn": "90d", "error": "180d"}
    )
    # DEBUG is kept only where the stage enables it; elsewhere anything that lands in a debug stream anyway is
    # deleted as soon as it is rolled over.
    debug_enabled: bool = False
    debug_disabled_retention: str = "1h"
    warm_after: str = "7d"
    ultrawarm: bool = False
    warm_replicas: int | None = None
    cold: bool = False
    cold_after: str = "60d"
    ism_retry_count: int = 3
    ism_retry_delay: str = "10m"
    ism_error_channel_id: str = ""  # a Notifications channel that hears of failed ISM actions
    # Security.
    support_backend_roles: tuple[str, ...] = ()
    devops_backend_roles: tuple[str, ...] = ()
    ingest_backend_roles: tuple[str, ...] = ()
    replay_backend_roles: tuple[str, ...] = ()
    anomaly_backend_roles: tuple[str, ...] = ()
    support_users: tuple[str, ...] = ()
    devops_users: tuple[str, ...] = ()
    ingest_users: tuple[str, ...] = ()
    replay_users: tuple[str, ...] = ()
    anomaly_users: tuple[str, ...] = ()
    support_fields: tuple[str, ...] = DEFAULT_SUPPORT_FIELDS
    masked_fields: tuple[str, ...] = DEFAULT_MASKED_FIELDS
    audit_logs: bool = True  # the Security plugin's audit log (published to CloudWatch Logs by the domain)
    # Dashboards.
    error_threshold_per_minute: int = 20
    # Delete: retain everything (default), remove configuration but keep data, or remove data as well.
    on_delete: str = "retain"

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ConfigurationError(problems)

    @property
    def level_classes(self) -> tuple[str, ...]:
        return LEVEL_CLASSES

    def retention_for(self, level_class: str) -> str:
        if level_class == "debug" and not self.debug_enabled:
            return self.debug_disabled_retention
        return self.retention[level_class]

    def problems(self) -> list[str]:
        found: list[str] = []
        if not _NAME.match(self.prefix) or self.prefix.endswith("-"):
            found.append(f"prefix {self.prefix!r}: lower-case letters, digits, '-' and '_'")
        if not _NAME.match(self.name) or self.name.endswith("-"):
            found.append(f"name {self.name!r}: lower-case letters, digits, '-' and '_'")
        if self.shards < 1:
            found.append("shards: at least 1")
        if self.replicas < 0 or (self.warm_replicas is not None and self.warm_replicas < 0):
            found.append("replicas: not negative")
        if self.ism_retry_count < 0:
            found.append("ism_retry_count: not negative")
        found += self._value_problems()
        found += self._retention_problems()
        if self.codec not in ("default", "best_compression", "zstd", "zstd_no_dict"):
            found.append(f"codec {self.codec!r}: default, best_compression, zstd or zstd_no_dict")
        if self.on_delete not in ON_DELETE_CHOICES:
            found.append(f"on_delete {self.on_delete!r}: one of {', '.join(ON_DELETE_CHOICES)}")
        unknown = sorted(set(self.support_fields) - set(schema.FIELD_TYPES))
        if unknown:
            found.append(f"support_fields: not in the schema {unknown}")
        if set(self.masked_fields) - set(self.support_fields):
            found.append("masked_fields: each must also be one of support_fields (a hidden field needs no mask)")
        return found

    def _value_problems(self) -> list[str]:
        """The time values and sizes that do not read as OpenSearch's."""
        found: list[str] = []
        for label, value in (
            ("refresh_interval", self.refresh_interval),
            ("rollover_age", self.rollover_age),
            ("warm_after", self.warm_after),
            ("cold_after", self.cold_after),
            ("ism_retry_delay", self.ism_retry_delay),
            ("debug_disabled_retention", self.debug_disabled_retention),
        ):
            if not TIME_VALUE.match(value):
                found.append(f"{label} {value!r}: a time value such as 30d, 12h, 5s")
        for label, value in (
            ("rollover_primary_shard_size", self.rollover_primary_shard_size),
            ("rollover_index_size", self.rollover_index_size),
        ):
            if not BYTE_SIZE.match(value):
                found.append(f"{label} {value!r}: a size such as 50gb")
        return found

    def _retention_problems(self) -> list[str]:
        """A retention per level class, each a time value."""
        found: list[str] = []
        missing = [lc for lc in LEVEL_CLASSES if lc not in self.retention]
        if missing:
            found.append(f"retention: missing level classes {missing}")
        for lc, value in self.retention.items():
            if lc not in LEVEL_CLASSES:
                found.append(f"retention: unknown level class {lc!r}")
            elif not TIME_VALUE.match(value):
                found.append(f"retention_{lc} {value!r}: a time value such as 30d")
        return found

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any]) -> BootstrapParams:
        """Parse CloudFormation ``ResourceProperties`` (or ``--param`` pairs); unknown keys are an error.

        Lists are comma-separated strings (CloudFormation ``!Join``) or JSON-ish lists; booleans ``true``/``false``;
        retention is ``retention_info=30d`` and so on.
        """
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        retention = dict(cls().retention) if "retention" in known else {}
        problems: list[str] = []
        for key, raw in properties.items():
            if key in _CLOUDFORMATION_PROPERTIES:
                continue
            if key.startswith("retention_"):
                retention[key.removeprefix("retention_")] = str(raw).strip()
                continue
            spec = known.get(key)
            if spec is None or key == "retention":
                problems.append(f"unknown parameter {key!r}")
                continue
            try:
                values[key] = _parse(str(spec.type), raw)
            except ValueError as error:
                problems.append(f"{key}: {error}")
        if problems:
            raise ConfigurationError(problems)
        return cls(**values, retention=retention)

    def to_properties(self) -> dict[str, str]:
        """The string form accepted by ``from_properties`` (used in docs and tests)."""
        out: dict[str, str] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.name == "retention":
                out.update({f"retention_{lc}": v for lc, v in value.items()})
            elif isinstance(value, bool):
                out[spec.name] = "true" if value else "false"
            elif isinstance(value, tuple):
                out[spec.name] = ",".join(value)
            elif value is None:
                out[spec.name] = ""
            else:
                out[spec.name] = str(value)
        return out


def _parse(type_name: str, raw: Any) -> Any:
    if "tuple" in type_name:
        items = raw if isinstance(raw, list) else str(raw).split(",")
        return tuple(str(item).strip() for item in items if str(item).strip())
    text = str(raw).strip()
    if type_name == "bool":
        if text.lower() in ("true", "1", "yes"):
            return True
        if text.lower() in ("false", "0", "no", ""):
            return False
        raise ValueError(f"expected true or false, got {text!r}")
    if type_name.startswith("int"):
        if text == "" and "None" in type_name:
            return None
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"expected an integer, got {text!r}") from None
    return text
