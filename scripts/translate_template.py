#!/usr/bin/env python3
"""Translate template.yaml (SAM) into the plain CloudFormation that AWS would deploy, offline.

    .venv/bin/python scripts/translate_template.py [--template template.yaml] [--out .aws-sam/template.cfn.json]

aws-sam-translator is the library the CloudFormation SAM transform runs, so the result is what the service
deploys. Two things usually need AWS and are replaced here, as `sam package` would:
- local ``CodeUri``/``ContentUri`` folders become placeholder ``s3://`` locations;
- managed-policy names are never looked up (the template attaches no managed policies; a name would fail loudly).
Resource ``Metadata`` (checkov skips) is carried over to the generated resources, so the same skips apply to the
translated form. Conditions stay in the output: one translation covers every parameter combination.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = ROOT / "template.yaml"
DEFAULT_OUT = ROOT / ".aws-sam" / "template.cfn.json"

_LOCAL_ARTIFACTS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


class _NoManagedPolicies:
    """Stands in for the IAM lookup of managed-policy ARNs; the template attaches none."""

    def load(self) -> dict[str, str]:
        return {}


def load_sam(path: Path) -> dict[str, Any]:
    from samtranslator.yaml_helper import yaml_parse  # CloudFormation short-form tags (!Ref, !Sub, ...)

    template: dict[str, Any] = yaml_parse(path.read_text(encoding="utf-8"))
    return template


def with_placeholder_artifacts(template: dict[str, Any]) -> dict[str, Any]:
    """Local folders to ``s3://`` placeholders, as `sam package` does after uploading them."""
    result = copy.deepcopy(template)
    for name, resource in result.get("Resources", {}).items():
        key = _LOCAL_ARTIFACTS.get(resource.get("Type", ""))
        if key and isinstance(resource.get("Properties", {}).get(key), str):
            resource["Properties"][key] = f"s3://logwarden-artifacts/{name}.zip"
    return result


def translate(template: dict[str, Any]) -> dict[str, Any]:
    """SAM to CloudFormation with aws-sam-translator, no AWS calls."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")  # the translator asks boto3 for a region
    from samtranslator.translator.transform import transform

    sam = with_placeholder_artifacts(template)
    cfn: dict[str, Any] = transform(sam, {}, _NoManagedPolicies(), passthrough_metadata=True)  # type: ignore[arg-type]
    # passthrough_metadata copies a function's Metadata to its AWS::Lambda::Function; make sure every resource that
    # kept its logical id keeps its checkov skips, whatever the translator version does.
    for name, resource in template.get("Resources", {}).items():
        metadata = resource.get("Metadata")
        target = cfn.get("Resources", {}).get(name)
        if metadata and target is not None and "Metadata" not in target:
            target["Metadata"] = copy.deepcopy(metadata)
    return cfn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    cfn = translate(load_sam(args.template))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(cfn, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"{args.template.name} -> {args.out} ({len(cfn.get('Resources', {}))} resources)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
