"""Fixtures for the template checks: the SAM template, its offline CloudFormation translation, helpers.

Pure and offline like tests/unit. The checkov and `sam build` checks need tools kept out of the project's
virtualenv (scripts/check-template.sh installs them); without them those tests skip, unless
``LOGWARDEN_TEMPLATE_TOOLS=required`` (set by the script, so CI can never pass by skipping).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
TOOLS = ROOT / ".venv" / "tools"
KEY = {"Fn::GetAtt": ["Key", "Arn"]}
TOPIC = {"Ref": "AlertTopic"}
DOMAIN_ARN = {"Fn::Sub": "arn:${AWS::Partition}:es:${AWS::Region}:${AWS::AccountId}:domain/${DomainName}/*"}


def _translator() -> ModuleType:
    """scripts/translate_template.py, loaded by path (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("translate_template", ROOT / "scripts" / "translate_template.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def translator() -> ModuleType:
    return _translator()


@pytest.fixture(scope="session")
def sam(translator: ModuleType) -> dict[str, Any]:
    template: dict[str, Any] = translator.load_sam(TEMPLATE)
    return template


@pytest.fixture(scope="session")
def cfn(translator: ModuleType, sam: dict[str, Any]) -> dict[str, Any]:
    template: dict[str, Any] = translator.translate(sam)
    return template


def tool(name: str) -> Path:
    """A tool from scripts/check-template.sh's virtualenvs, or a skip (a failure when tools are required)."""
    path = TOOLS / name / "bin" / name
    if not path.exists():
        message = f"{path} missing: run scripts/check-template.sh"
        if os.environ.get("LOGWARDEN_TEMPLATE_TOOLS") == "required":
            pytest.fail(message)
        pytest.skip(message)
    return path


def of_type(template: dict[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] in types}


def branches(value: Any) -> Iterator[Any]:
    """Every concrete value an ``Fn::If`` tree can take, without ``AWS::NoValue``."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        _, yes, no = value["Fn::If"]
        yield from branches(yes)
        yield from branches(no)
    elif value == {"Ref": "AWS::NoValue"}:
        return
    else:
        yield value


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(document: Any) -> Iterator[dict[str, Any]]:
    for statement in as_list(document.get("Statement", [])):
        yield from branches(statement)
