"""Masking configuration: the documented file shipped in the package, then ``LOGWARDEN_MASKING_*`` overrides.

The file (``masking.toml`` beside this module) says what every setting means. Building the configuration
never reads ``os.environ`` itself: the caller passes the environment, so Lambda configuration stays in one
place and tests pass a plain dict.
"""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

from logwarden.errors import ConfigurationError
from logwarden.masking.kinds import Kind, Mode

ENV_PREFIX: Final = "LOGWARDEN_MASKING_"
KEY_SOURCES: Final = ("secretsmanager", "ssm")


@dataclass(frozen=True)
class MaskingConfig:
    modes: Mapping[Kind, Mode] = field(default_factory=lambda: {Kind.CARD: Mode.PARTIAL})
    default_mode: Mode = Mode.PLACEHOLDER
    disabled_kinds: frozenset[Kind] = frozenset()
    # Every address is a client's until it is listed in keep_cidrs: internal ranges included (a shop's customers
    # reach it through proxies and VPNs that write their private addresses into X-Forwarded-For).
    mask_private_ips: bool = True
    # Infrastructure ranges whose addresses stay readable ("10.20.0.0/16", "fd00:1::/64").
    keep_cidrs: tuple[str, ...] = ()
    allow_fields: frozenset[str] = frozenset()
    # A line whose masking takes longer than this is replaced by a redaction marker and counted ("redacted").
    line_time_bound_ms: float = 5000.0
    hash_key_source: str = "secretsmanager"
    hash_key_name: str = ""
    # The HMAC key itself when the caller already has it (tests, the CLI's --hash-key-file); never printed.
    hash_key: bytes | None = field(default=None, repr=False)

    def mode(self, kind: Kind) -> Mode:
        return self.modes.get(kind, self.default_mode)

    @property
    def uses_hash(self) -> bool:
        return any(self.mode(kind) is Mode.HASH for kind in Kind if kind not in self.disabled_kinds)


def _read_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        text = resources.files("logwarden.masking").joinpath("masking.toml").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return tomllib.loads(text)


def _kind(name: str, problems: list[str], where: str) -> Kind | None:
    try:
        return Kind(name.strip().lower())
    except ValueError:
        problems.append(f"{where}: unknown kind {name!r} (known: {', '.join(k.value for k in Kind)})")
        return None


def _mode(name: str, problems: list[str], where: str) -> Mode:
    try:
        return Mode(name.strip().lower())
    except ValueError:
        problems.append(f"{where}: unknown mode {name!r} (known: {', '.join(m.value for m in Mode)})")
        return Mode.PLACEHOLDER


def _bool(value: str, problems: list[str], where: str) -> bool:
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    problems.append(f"{where}: expected true or false, got {value!r}")
    return False


def _csv(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@dataclass
class _Settings:
    """The settings as read, before they are checked: the file's, with the environment's over them."""

    default_mode: Mode
    modes: dict[Kind, Mode]
    disabled: set[Kind | None]
    mask_private_ips: bool
    keep_cidrs: list[str]
    time_bound: str
    allow_fields: set[str]
    key_source: str
    key_name: str


def load_config(env: Mapping[str, str] | None = None) -> MaskingConfig:
    """The shipped defaults, or the file named by ``LOGWARDEN_MASKING_CONFIG_FILE``, with env overrides applied.

    Raises ``ConfigurationError`` naming every bad setting at once.
    """
    env = env or {}
    problems: list[str] = []
    file_name = env.get(ENV_PREFIX + "CONFIG_FILE")
    try:
        data = _read_file(Path(file_name) if file_name else None)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigurationError([f"{ENV_PREFIX}CONFIG_FILE={file_name}: {error}"]) from error
    settings = _file_settings(data, problems)
    for name, value in env.items():
        if name.startswith(ENV_PREFIX):
            _apply_env(settings, name, value, problems)

    line_time_bound_ms = _time_bound(settings.time_bound, problems)
    for cidr in settings.keep_cidrs:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            problems.append(f"keep_cidrs: {cidr!r} is not an address range (expected e.g. 10.20.0.0/16)")
    modes, key_source, key_name = settings.modes, settings.key_source, settings.key_name
    # With a key, addresses are hashed unless a mode is set for them: the same client correlates across lines.
    if key_name and Kind.IP not in modes:
        modes[Kind.IP] = Mode.HASH
    if key_source not in KEY_SOURCES:
        problems.append(f"hash key source {key_source!r}: expected one of {', '.join(KEY_SOURCES)}")
    config = MaskingConfig(
        modes=modes,
        default_mode=settings.default_mode,
        disabled_kinds=frozenset(kind for kind in settings.disabled if kind is not None),
        mask_private_ips=settings.mask_private_ips,
        keep_cidrs=tuple(settings.keep_cidrs),
        line_time_bound_ms=line_time_bound_ms,
        allow_fields=frozenset(settings.allow_fields),
        hash_key_source=key_source,
        hash_key_name=key_name,
    )
    if config.uses_hash and not key_name:
        problems.append(f"a kind is masked with mode 'hash' but no key is named ({ENV_PREFIX}HASH_KEY_NAME)")
    if problems:
        raise ConfigurationError(problems)
    return config


def _file_settings(data: dict[str, Any], problems: list[str]) -> _Settings:
    """The settings of the configuration file (the shipped one or the named one)."""
    modes_table = dict(data.get("modes", {}))
    default_mode = _mode(str(modes_table.pop("default", "placeholder")), problems, "modes.default")
    modes: dict[Kind, Mode] = {}
    for name, value in modes_table.items():
        kind = _kind(name, problems, "modes")
        if kind is not None:
            modes[kind] = _mode(str(value), problems, f"modes.{name}")
    hash_table = data.get("hash", {})
    return _Settings(
        default_mode=default_mode,
        modes=modes,
        disabled={_kind(str(name), problems, "disabled_kinds") for name in data.get("disabled_kinds", [])},
        mask_private_ips=bool(data.get("mask_private_ips", True)),
        keep_cidrs=[str(cidr) for cidr in data.get("keep_cidrs", [])],
        time_bound=str(data.get("line_time_bound_ms", 5000)),
        allow_fields={str(name) for name in data.get("allow_fields", [])},
        key_source=str(hash_table.get("key_source", "secretsmanager")),
        key_name=str(hash_table.get("key_name", "")),
    )


def _apply_env(settings: _Settings, name: str, value: str, problems: list[str]) -> None:
    """One ``LOGWARDEN_MASKING_*`` variable over the file's settings."""
    setting = name[len(ENV_PREFIX) :]
    if setting.startswith("MODE_"):
        _apply_mode(settings, setting[len("MODE_") :].lower(), name, value, problems)
    elif setting == "DISABLED_KINDS":
        settings.disabled = {_kind(item, problems, name) for item in _csv(value)}
    elif setting == "ALLOW_FIELDS":
        settings.allow_fields |= set(_csv(value))
    elif setting == "MASK_PRIVATE_IPS":
        settings.mask_private_ips = _bool(value, problems, name)
    elif setting == "KEEP_CIDRS":
        settings.keep_cidrs = _csv(value)
    elif setting == "LINE_TIME_BOUND_MS":
        settings.time_bound = value
    elif setting == "HASH_KEY_SOURCE":
        settings.key_source = value.strip().lower()
    elif setting == "HASH_KEY_NAME":
        settings.key_name = value.strip()
    elif setting != "CONFIG_FILE":
        problems.append(f"{name}: unknown setting")


def _apply_mode(settings: _Settings, kind_name: str, name: str, value: str, problems: list[str]) -> None:
    """``LOGWARDEN_MASKING_MODE_<KIND>`` (or ``_DEFAULT``)."""
    if kind_name == "default":
        settings.default_mode = _mode(value, problems, name)
        return
    kind = _kind(kind_name, problems, name)
    if kind is not None:
        settings.modes[kind] = _mode(value, problems, name)


def _time_bound(value: str, problems: list[str]) -> float:
    try:
        line_time_bound_ms = float(value)
        if line_time_bound_ms <= 0:
            raise ValueError(value)
    except ValueError:
        problems.append(f"line_time_bound_ms: expected a positive number of milliseconds, got {value!r}")
        return 5000.0
    return line_time_bound_ms
