"""Resolve template values the way CloudFormation does at deploy time, given what a deploy would produce.

Handles what template.yaml uses in function environments and custom-resource properties: Ref (parameters,
resources, pseudo parameters), Fn::Sub (both forms), Fn::GetAtt, Fn::If with the template's own Conditions
(Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition), Fn::Join, Fn::Split, Fn::Select and AWS::NoValue. Anything else
raises, so a template change the rehearsal cannot follow fails loudly instead of being guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_NO_VALUE = object()
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


def load_template() -> dict[str, Any]:
    """template.yaml as scripts/translate_template.py reads it (the tags turned into their long forms)."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("translate_template", root / "scripts" / "translate_template.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    template: dict[str, Any] = module.load_sam(root / "template.yaml")
    return template


class Unresolvable(ValueError):
    pass


@dataclass
class Deployment:
    template: dict[str, Any]
    parameters: dict[str, str]  # overrides; every other parameter takes its default
    resources: dict[str, str]  # logical id -> what Ref gives
    attributes: dict[str, str]  # "Logical.Attribute" -> what Fn::GetAtt gives
    stack_name: str = "logwarden-rehearsal"
    region: str = "eu-central-1"
    account: str = "123456789012"

    def parameter(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        declared = self.template["Parameters"][name]
        if "Default" not in declared:
            raise Unresolvable(f"parameter {name} has no default and no value")
        default = declared["Default"]
        return ",".join(map(str, default)) if isinstance(default, list) else str(default)

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{self.stack_name}/rehearsal",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.template.get("Parameters", {}):
            return self.parameter(name)
        if name in self.resources:
            return self.resources[name]
        raise Unresolvable(f"Ref {name}: no value given for this resource")

    def condition(self, name: str) -> bool:
        return self._truth(self.template["Conditions"][name])

    def _truth(self, expression: Any) -> bool:
        if isinstance(expression, dict) and len(expression) == 1:
            [(function, argument)] = expression.items()
            if function == "Fn::Equals":
                left, right = (self.value(a) for a in argument)
                return str(left) == str(right)
            if function == "Fn::Not":
                return not self._truth(argument[0])
            if function == "Fn::And":
                return all(self._truth(a) for a in argument)
            if function == "Fn::Or":
                return any(self._truth(a) for a in argument)
            if function == "Condition":
                return self.condition(argument)
        raise Unresolvable(f"condition {expression!r}")

    def value(self, node: Any) -> Any:
        """The deployed value of ``node``; AWS::NoValue is dropped from lists and mappings."""
        if isinstance(node, str | int | float | bool):
            return node
        if isinstance(node, list):
            return [v for v in (self.value(item) for item in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            raise Unresolvable(repr(node))
        if len(node) != 1 or (not next(iter(node)).startswith(("Fn::", "Ref")) and "Condition" not in node):
            return {k: v for k, v in ((k, self.value(v)) for k, v in node.items()) if v is not _NO_VALUE}
        [(function, argument)] = node.items()
        return self._intrinsic(function, argument)

    def _intrinsic(self, function: str, argument: Any) -> Any:
        """The value of one intrinsic function (``Ref``, ``Fn::...``) applied to ``argument``."""
        if function == "Ref":
            return _NO_VALUE if argument == "AWS::NoValue" else self.ref(argument)
        if function == "Fn::GetAtt":
            key = ".".join(argument) if isinstance(argument, list) else argument
            if key not in self.attributes:
                raise Unresolvable(f"Fn::GetAtt {key}: no value given")
            return self.attributes[key]
        if function == "Fn::Sub":
            return self._sub(argument)
        if function == "Fn::If":
            name, yes, no = argument
            return self.value(yes if self.condition(name) else no)
        if function == "Fn::Join":
            separator, items = argument
            return separator.join(str(v) for v in self.value(items))
        if function == "Fn::Split":
            separator, text = argument
            return str(self.value(text)).split(separator)
        if function == "Fn::Select":
            index, items = argument
            return self.value(items)[int(self.value(index))]
        raise Unresolvable(f"{function} is not something the rehearsal resolves")

    def _sub(self, argument: Any) -> str:
        """``Fn::Sub``: a string, or a string and its own variables; ``${Name}`` and ``${Resource.Attribute}``."""
        text, local = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
        values = {k: str(self.value(v)) for k, v in local.items()}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return values[name]
            return str(self.value({"Fn::GetAtt": name}) if "." in name else self.ref(name))

        return _SUB.sub(substitute, text)

    def environment(self, logical_id: str) -> dict[str, str]:
        """A function's Environment.Variables (Globals', then its own), resolved."""
        globals_ = self.template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
        own = self.template["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {})
        resolved = {name: self.value(value) for name, value in {**globals_, **own}.items()}
        return {name: str(value) for name, value in resolved.items() if value is not _NO_VALUE}

    def exists(self, logical_id: str) -> bool:
        condition = self.template["Resources"][logical_id].get("Condition")
        return condition is None or self.condition(condition)
