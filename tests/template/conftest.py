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


# What Lambda gives every function, with stand-in values; no AWS call happens with them.
LAMBDA_ENV = {
    "AWS_REGION": "eu-central-1",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_LAMBDA_FUNCTION_NAME": "logwarden-test",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
}
# Stand-ins for the values a deploy resolves (resource attributes); parameters take their defaults.
RESOURCE_VALUES = {
    "LOGWARDEN_OPENSEARCH_ENDPOINT": "https://search-logwarden-abc.eu-central-1.es.amazonaws.com",
    "LOGWARDEN_DASHBOARDS_ENDPOINT": "https://search-logwarden-abc.eu-central-1.es.amazonaws.com/_dashboards",
    "LOGWARDEN_DASHBOARDS_URL": "https://search-logwarden-abc.eu-central-1.es.amazonaws.com/_dashboards",
    "LOGWARDEN_DEADLETTER_BUCKET": "logwarden-dead-letters",
    "LOGWARDEN_DEADLETTER_KMS_KEY_ID": "arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000000",
    "LOGWARDEN_ALERT_TOPIC_ARN": "arn:aws:sns:eu-central-1:123456789012:logwarden-alerts",
    "LOGWARDEN_ALERT_STATE_TABLE": "logwarden-alert-state",
    "LOGWARDEN_MASKING_HASH_KEY_NAME": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:logwarden/masking-hmac-key",
    "LOGWARDEN_CHAT_SECRET_NAME": "logwarden/chat-webhooks",
    "LOGWARDEN_STACK_ID": "arn:aws:cloudformation:eu-central-1:123456789012:stack/logwarden/00000000-0000-0000-0000",
}


def template_variables(function: dict[str, Any], sam: dict[str, Any]) -> dict[str, Any]:
    """The Environment.Variables a function gets: the Globals', then its own."""
    variables = {**sam["Globals"]["Function"]["Environment"]["Variables"]}
    variables.update(function["Properties"].get("Environment", {}).get("Variables", {}))
    return variables


def function_environment(
    function: dict[str, Any], sam: dict[str, Any], values: dict[str, str] | None = None
) -> dict[str, str]:
    """The function's variables from the template, resolved: literals as written, parameters at their defaults,
    ``Fn::If`` on the first branch (Stage defaults to prod), resource values from ``values``."""
    values = RESOURCE_VALUES if values is None else values
    env: dict[str, str] = {}
    for name, value in template_variables(function, sam).items():
        if isinstance(value, str):
            env[name] = value
        elif name in values:
            env[name] = values[name]
        elif "Ref" in value and value["Ref"] in sam["Parameters"]:
            env[name] = str(sam["Parameters"][value["Ref"]].get("Default", ""))
        elif "Fn::If" in value:
            env[name] = str(value["Fn::If"][1])
        else:
            pytest.fail(f"{name}: add a stand-in value for {value}")
    return env


def function_folder(function: dict[str, Any]) -> str:
    """``functions/ingest_mq/`` -> ``ingest_mq``: the reader's name in logwarden/settings.py."""
    return str(function["Properties"]["CodeUri"]).rstrip("/").split("/")[-1]
