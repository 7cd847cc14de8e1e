"""Compare what we want with what the cluster has, the way OpenSearch hands it back.

OpenSearch adds fields of its own (``last_updated_time``, default retry blocks, ``timestamp_field`` of a data
stream) and turns setting values into strings. So a desired document matches when every value it names is
present in the actual one (numbers and booleans compared as strings), lists have the same length and match
element by element; keys listed as ``removable`` must be absent (or null) when the desired document lacks them,
so switching an optional part off is still seen as a change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def differences(desired: Any, actual: Any, path: str = "", removable: Iterable[str] = ()) -> list[str]:
    """Human-readable paths where ``actual`` does not (yet) say what ``desired`` says; empty when in step."""
    removable = tuple(removable)
    where = path or "<root>"
    if isinstance(desired, dict):
        if not isinstance(actual, dict):
            return [f"{where}: {_short(actual)} -> {_short(desired)}"]
        found: list[str] = []
        for key, value in desired.items():
            child = f"{path}.{key}" if path else key
            if key not in actual:
                if value in ({}, [], None):
                    continue  # OpenSearch drops empty parts; absent and empty mean the same
                found.append(f"{child}: absent -> {_short(value)}")
            else:
                found.extend(differences(value, actual[key], child, removable))
        for key in removable:
            if key not in desired and actual.get(key) not in (None, {}, []):
                child = f"{path}.{key}" if path else key
                found.append(f"{child}: {_short(actual[key])} -> absent")
        return found
    if isinstance(desired, list):
        if not isinstance(actual, list) or len(actual) != len(desired):
            return [f"{where}: {_short(actual)} -> {_short(desired)}"]
        found = []
        for index, (want, have) in enumerate(zip(desired, actual, strict=True)):
            found.extend(differences(want, have, f"{path}[{index}]", removable))
        return found
    if _scalar(desired) != _scalar(actual):
        return [f"{where}: {_short(actual)} -> {_short(desired)}"]
    return []


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
