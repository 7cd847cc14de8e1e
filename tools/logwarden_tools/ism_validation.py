"""Check an ISM policy the way the ISM engine would before accepting it.

Our machines cannot run the ISM plugin, so policies are validated against ``ism_policy.schema.json`` (the
policy format, from the ISM documentation) plus the cross-references JSON Schema cannot express: the default
state exists, transitions point at existing states, state names are unique, nothing follows a delete and a
state that deletes has no transitions. Needs ``jsonschema`` (a development dependency).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

_DELETING_ACTIONS = ("delete", "cold_delete")


@cache
def ism_policy_schema() -> dict[str, Any]:
    text = resources.files("logwarden_tools").joinpath("ism_policy.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def policy_problems(body: dict[str, Any]) -> list[str]:
    """Every reason ISM would refuse this ``PUT _plugins/_ism/policies`` body; empty when it is acceptable."""
    import jsonschema  # development dependency: the Lambda never validates, the tests and the CLI do

    validator = jsonschema.Draft202012Validator(ism_policy_schema())
    problems = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if problems:
        return problems
    policy = body["policy"]
    names = [state["name"] for state in policy["states"]]
    if len(set(names)) != len(names):
        problems.append(f"duplicate state names: {sorted(n for n in set(names) if names.count(n) > 1)}")
    if policy["default_state"] not in names:
        problems.append(f"default_state {policy['default_state']!r} is not a state")
    for state in policy["states"]:
        for transition in state.get("transitions", []):
            if transition["state_name"] not in names:
                problems.append(f"state {state['name']!r}: transition to missing state {transition['state_name']!r}")
        deleting = [i for i, a in enumerate(state.get("actions", [])) if any(k in a for k in _DELETING_ACTIONS)]
        if deleting and deleting[0] != len(state.get("actions", [])) - 1:
            problems.append(f"state {state['name']!r}: an action follows a delete")
        if deleting and state.get("transitions"):
            problems.append(f"state {state['name']!r}: a state that deletes cannot have transitions")
    return problems
