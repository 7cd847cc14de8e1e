"""checkov on template.yaml and on its CloudFormation translation: zero failures, every skip used and explained;
and the repo's own checks (checks/checkov/) proven to catch each unsafe OpenSearch domain setting.

checkov evaluates simple conditions with the parameters' defaults and leaves out what they exclude, so the stream
path (``IngestPath=stream``) is checked in a copy of the template that defaults to it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, TEMPLATE, tool

FIXTURE = ROOT / "tests" / "template" / "fixtures" / "opensearch_domains.yaml"
CUSTOM = [f"CKV_LW_{n}" for n in range(1, 7)]
STREAM_DEFAULT = "    AllowedValues: [direct, stream]\n    Default: direct\n"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, cfn: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """One checkov run over the three files (its start-up dominates), results grouped by file name."""
    checkov = tool("checkov")
    translated = tmp_path_factory.mktemp("cfn") / "template.cfn.json"
    translated.write_text(json.dumps(cfn), encoding="utf-8")
    command = [str(checkov), "--framework", "cloudformation", "--external-checks-dir", str(ROOT / "checks" / "checkov")]
    command += ["--skip-download", "--output", "json", "--soft-fail"]
    stream = translated.parent / "template.stream.yaml"
    text = TEMPLATE.read_text(encoding="utf-8")
    assert text.count(STREAM_DEFAULT) == 1
    stream.write_text(text.replace(STREAM_DEFAULT, STREAM_DEFAULT.replace("direct\n", "stream\n")), encoding="utf-8")
    for path in (TEMPLATE, translated, FIXTURE, stream):
        command += ["--file", str(path)]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=True)
    results = json.loads(done.stdout)["results"]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for outcome in ("passed_checks", "failed_checks", "skipped_checks"):
        for check in results[outcome]:
            grouped.setdefault(Path(check["file_path"]).name, []).append({**check, "outcome": outcome})
    return grouped


@pytest.mark.parametrize("name", ["template.yaml", "template.cfn.json", "template.stream.yaml"])
def test_no_check_fails(report: dict[str, list[dict[str, Any]]], name: str) -> None:
    checks = report[name]
    assert len([c for c in checks if c["outcome"] == "passed_checks"]) > 100
    assert sorted((c["check_id"], c["resource"]) for c in checks if c["outcome"] == "failed_checks") == []


@pytest.mark.parametrize("name", ["template.yaml", "template.cfn.json", "template.stream.yaml"])
def test_custom_domain_checks_pass_on_the_stack(report: dict[str, list[dict[str, Any]]], name: str) -> None:
    passed = {
        c["check_id"] for c in report[name] if c["outcome"] == "passed_checks" and "OpenSearchDomain" in c["resource"]
    }
    assert set(CUSTOM) <= passed


def test_every_skip_in_the_template_is_used_and_has_a_reason(
    report: dict[str, list[dict[str, Any]]], sam: dict[str, Any]
) -> None:
    declared = {
        (skip["id"], name)
        for name, resource in sam["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
        if len(skip.get("comment", "")) > 40
    }
    used = {
        (c["check_id"], c["resource"].split(".")[-1])
        for c in report["template.yaml"] + report["template.stream.yaml"]
        if c["outcome"] == "skipped_checks"
    }
    assert used == declared


def test_custom_checks_fail_each_unsafe_domain(report: dict[str, list[dict[str, Any]]], translator: Any) -> None:
    fixture = translator.load_sam(FIXTURE)
    expected = {
        name: set(r["Metadata"]["expected_failures"])
        for name, r in fixture["Resources"].items()
        if r["Type"] == "AWS::OpenSearchService::Domain"
    }
    failed: dict[str, set[str]] = {name: set() for name in expected}
    for check in report["opensearch_domains.yaml"]:
        if check["check_id"] in CUSTOM and check["outcome"] == "failed_checks":
            failed[check["resource"].split(".")[-1]].add(check["check_id"])
    assert failed == expected
    assert set().union(*expected.values()) == set(CUSTOM)  # every custom check is shown to fail somewhere
