"""Handlers run in-process with the JSON in events/, moto for AWS, a fake only for the OpenSearch port."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.conftest import ROOT
from tests.fakes import FakeBulkTransport


@dataclass
class LambdaContext:
    function_name: str = "logwarden-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-central-1:123456789012:function:logwarden-test"
    aws_request_id: str = "6f7d6a4e-1111-2222-3333-444455556666"
    remaining_ms: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def load_handler(name: str) -> ModuleType:
    """Import functions/<name>/app.py fresh, as Lambda would in a new container."""
    module_name = f"handler_{name}"
    sys.modules.pop(module_name, None)
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "functions" / name / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture(autouse=True)
def _powertools_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "logwarden")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "logwarden")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    yield


BUCKET = "logwarden-deadletter-test"  # the dead-letter bucket both ingest handlers park into (moto)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with mock_aws():
        kms = boto3.client("kms")
        key_id = kms.create_key(Description="logwarden test")["KeyMetadata"]["KeyId"]
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        monkeypatch.setenv("LOGWARDEN_DEADLETTER_BUCKET", BUCKET)
        monkeypatch.setenv("LOGWARDEN_DEADLETTER_KMS_KEY_ID", key_id)
        yield s3


@pytest.fixture
def transport(monkeypatch: pytest.MonkeyPatch) -> FakeBulkTransport:
    fake = FakeBulkTransport()
    monkeypatch.setenv("OPENSEARCH_URL", "http://127.0.0.1:9")
    monkeypatch.setattr("logwarden.ingest.service.build_client", lambda settings: fake)
    return fake
