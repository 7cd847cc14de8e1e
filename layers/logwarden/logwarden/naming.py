"""Names shared by ingest, bootstrap, detection and the local tooling.

Documents are written to one data stream per subsystem and level class, ``<prefix>-<subsystem>-<level>``
(``logs-shop-error``): a subsystem gets its own index family as the storage design asks, and splitting by
level class is what lets ISM enforce a different retention per level (ISM deletes whole indices, so
documents with different retention must never share one).
"""

from __future__ import annotations

from typing import Final

SUBSYSTEMS: Final = ("shop", "crm", "mes", "mq", "other")
DEFAULT_SUBSYSTEM: Final = "other"
LEVEL_CLASSES: Final = ("debug", "info", "warn", "error")
DEFAULT_INDEX_PREFIX: Final = "logs"

# Canonical level names; everything the services write maps onto these.
LEVELS: Final = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")

_LEVEL_ALIASES: Final[dict[str, str]] = {
    "TRACE": "TRACE",
    "VERBOSE": "TRACE",
    "FINEST": "TRACE",
    "FINER": "TRACE",
    "DEBUG": "DEBUG",
    "FINE": "DEBUG",
    "DBG": "DEBUG",
    "INFO": "INFO",
    "INFORMATION": "INFO",
    "INF": "INFO",
    "NOTICE": "INFO",
    "CONFIG": "INFO",
    "WARN": "WARN",
    "WARNING": "WARN",
    "WRN": "WARN",
    "ERROR": "ERROR",
    "ERR": "ERROR",
    "FAIL": "ERROR",
    "SEVERE": "ERROR",
    "FATAL": "FATAL",
    "CRITICAL": "FATAL",
    "CRIT": "FATAL",
    "FTL": "FATAL",
    "ALERT": "FATAL",
    "EMERGENCY": "FATAL",
}

_LEVEL_CLASS: Final[dict[str, str]] = {
    "TRACE": "debug",
    "DEBUG": "debug",
    "INFO": "info",
    "WARN": "warn",
    "ERROR": "error",
    "FATAL": "error",
}


# The spellings services actually write (``INFO``, ``info``, ``Information``), looked up as they are; anything
# else (padding, odd case) is stripped and upper-cased first. Same answers, fewer string copies per record.
_LEVEL_SPELLINGS: Final[dict[str, str]] = {
    spelling: level
    for alias, level in _LEVEL_ALIASES.items()
    for spelling in (alias, alias.lower(), alias.capitalize())
}


def normalise_level(raw: object) -> str | None:
    """Map a level as any of our services spells it (``Information``, ``warning``, ``ERR``) to a canonical one."""
    if not isinstance(raw, str):
        return None
    level = _LEVEL_SPELLINGS.get(raw)
    return level if level is not None else _LEVEL_ALIASES.get(raw.strip().upper())


def level_class(level: str | None) -> str:
    """The retention class of a canonical level; unknown levels are kept as INFO."""
    return _LEVEL_CLASS.get(level or "INFO", "info")


def data_stream_name(subsystem: str, level: str | None, prefix: str = DEFAULT_INDEX_PREFIX) -> str:
    return f"{prefix}-{subsystem}-{level_class(level)}"


def subsystem_pattern(subsystem: str, prefix: str = DEFAULT_INDEX_PREFIX) -> str:
    """Index pattern matching every data stream of one subsystem."""
    return f"{prefix}-{subsystem}-*"


def all_logs_pattern(prefix: str = DEFAULT_INDEX_PREFIX) -> str:
    return f"{prefix}-*"
