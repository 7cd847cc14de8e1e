"""The deploy rehearsal: every function of template.yaml, run from the `sam build` output as Lambda runs it.

- Code: ``.aws-sam/host/build`` (scripts/check-template.sh builds it for this machine's architecture); each
  function's folder plus the layers merged as Lambda merges them into /opt/python; a fresh ``python -I -S``
  with nothing else on its path (tests/rehearsal/lambda_runner.py).
- Environment: the function's Environment.Variables from template.yaml, resolved as a deploy resolves them
  (tests/rehearsal/resolve.py), with the resources' values taken from what this rehearsal created; plus what Lambda
  itself sets (region, credentials) and two things only this machine needs: AWS_ENDPOINT_URL (AWS is a moto
  server here) and OPENSEARCH_CA_CERTS (the domain stand-in's certificate is self-signed, AWS's is public).
- AWS: a moto server in its own process (S3, KMS, SNS, DynamoDB, Secrets Manager, SSM).
- OpenSearch: the real local engine behind tests/rehearsal/domain.py, which refuses anything not SigV4-signed with
  the function's credentials.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from logwarden_tools.local import opensearch_engine as local
from tests.moto_server import moto_server
from tests.rehearsal.domain import SigV4Domain, Upstream, self_signed_certificate
from tests.rehearsal.resolve import Deployment, load_template

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "host" / "build"
RUNNER = Path(__file__).with_name("lambda_runner.py")
REGION = "eu-central-1"
# The function role's credentials as Lambda hands them over; the domain stand-in accepts only these.
ACCESS_KEY, SECRET_KEY = "AKIAREHEARSAL0000001", "rehearsal-secret-key-0000000000000000000"


@pytest.fixture(scope="session")
def build() -> Path:
    if not (BUILD / "template.yaml").exists():
        message = f"{BUILD} is missing: run scripts/check-template.sh (make rehearse does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return BUILD


@pytest.fixture(scope="session")
def opt_python(build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/opt/python as Lambda lays it out: the library layer, then this architecture's compiled layer over it."""
    arch = {"x86_64": "X8664", "AMD64": "X8664", "aarch64": "Arm64", "arm64": "Arm64"}[platform.machine()]
    opt = tmp_path_factory.mktemp("opt") / "python"
    shutil.copytree(build / "LogwardenLayer" / "python", opt)
    compiled = build / f"Compiled{arch}Layer" / "python"
    if compiled.is_dir():
        shutil.copytree(compiled, opt, dirs_exist_ok=True)
    return opt


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with moto_server(REGION) as url:
        yield url


class ResponseEndpoint:
    """Stands in for CloudFormation's pre-signed S3 URL: records every PUT body (the custom resource's answer)."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                endpoint.answers.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, request_id: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/cloudformation-response/{request_id}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Stack:
    """A deployed stack's stand-in: its resources, their values, and a way to invoke its functions."""

    deployment: Deployment
    build: Path
    opt_python: Path
    moto_endpoint: str
    domain: SigV4Domain
    ca_certs: Path
    engine: local.LocalConnection
    prefix: str
    work: Path
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = boto3.client(
                service,
                endpoint_url=self.moto_endpoint,
                region_name=REGION,
                aws_access_key_id=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY,
            )
        return self.clients[service]

    def environment(self, logical_id: str) -> dict[str, str]:
        lambda_env = {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_LAMBDA_FUNCTION_NAME": logical_id,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "LAMBDA_TASK_ROOT": str(self.build / logical_id),
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
        }
        only_here = {
            "AWS_ENDPOINT_URL": self.moto_endpoint,
            "OPENSEARCH_CA_CERTS": str(self.ca_certs),
            # CloudFormation's response bucket and the chat services are stood in for on 127.0.0.1
            "LOGWARDEN_BOOTSTRAP_ALLOW_LOCAL_RESPONSE_URL": "true",
            "LOGWARDEN_CHAT_ALLOW_LOCAL_URLS": "true",
        }
        return {**lambda_env, **self.deployment.environment(logical_id), **only_here}

    def invoke(self, logical_id: str, events: list[dict[str, Any]], timeout_s: float = 120.0) -> dict[str, Any]:
        """Cold start, then each event in turn, in one fresh interpreter; the runner's report."""
        properties = self.deployment.template["Resources"][logical_id]["Properties"]
        handler = properties.get("Handler") or self.deployment.template["Globals"]["Function"]["Handler"]
        run = self.work / f"{logical_id}-{uuid.uuid4().hex[:8]}"
        run.mkdir()
        (run / "events.json").write_text(json.dumps(events))
        done = subprocess.run(
            [sys.executable, "-I", "-S", str(RUNNER), str(self.build / logical_id), str(self.opt_python), handler,
             str(run / "events.json"), str(run / "results.json"), str(timeout_s)],
            env=self.environment(logical_id),
            cwd=run,
            capture_output=True,
            text=True,
            timeout=timeout_s + 120,
        )  # fmt: skip
        (run / "stdout.log").write_text(done.stdout)
        assert done.returncode == 0, done.stderr[-3000:]
        report: dict[str, Any] = json.loads((run / "results.json").read_text())
        report["logs"] = done.stdout
        assert "import_error" not in (report["invocations"] or [{}])[0], report["invocations"][0]
        return report


@pytest.fixture(scope="session")
def stack(
    build: Path, opt_python: Path, moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    engine = local.ensure_running()
    work = tmp_path_factory.mktemp("rehearsal")
    certificate = self_signed_certificate(work)
    domain = SigV4Domain(
        Upstream(engine.url, engine.username, engine.password, engine.ca_certs), ACCESS_KEY, SECRET_KEY, REGION,
        certificate,
    ).start()  # fmt: skip
    prefix = f"rh{uuid.uuid4().hex[:8]}"
    aws = {
        service: boto3.client(
            service, endpoint_url=moto_endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )
        for service in ("kms", "s3", "sns", "dynamodb", "secretsmanager")
    }  # fmt: skip
    key_arn = aws["kms"].create_key(Description="logwarden rehearsal")["KeyMetadata"]["Arn"]
    bucket = f"logwarden-rehearsal-deadletters-{prefix}"
    aws["s3"].create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    topic = aws["sns"].create_topic(Name=f"logwarden-rehearsal-alerts-{prefix}")["TopicArn"]
    table = f"logwarden-rehearsal-alert-state-{prefix}"
    aws["dynamodb"].create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "alert", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "alert", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    stack_name = "logwarden-rehearsal"
    masking_key = aws["secretsmanager"].create_secret(
        Name=f"{stack_name}/masking-hmac-key", SecretString=secrets.token_hex(32), KmsKeyId=key_arn
    )["ARN"]
    sam = load_template()
    deployment = Deployment(
        template=sam,
        parameters={
            "IndexPrefix": prefix,
            "Replicas": "0",  # one local node
            "IngestPath": "stream",  # so the Kinesis function exists too
            "MqBrokerArn": f"arn:aws:mq:{REGION}:123456789012:broker:rehearsal:b-0000",
            "MqCredentialsSecretArn": f"arn:aws:secretsmanager:{REGION}:123456789012:secret:rehearsal-mq-AbCdEf",
        },
        resources={
            "DeadLetterBucket": bucket,
            "AlertTopic": topic,
            "AlertStateTable": table,
            "MaskingHmacSecret": masking_key,
        },
        attributes={
            "OpenSearchDomain.DomainEndpoint": domain.endpoint,
            "Key.Arn": key_arn,
            **{
                f"{role}.Arn": f"arn:aws:iam::123456789012:role/{stack_name}-{role}"
                for role, resource in sam["Resources"].items()
                if resource["Type"] == "AWS::IAM::Role"
            },
            "BootstrapFunction.Arn": f"arn:aws:lambda:{REGION}:123456789012:function:{stack_name}-bootstrap",
        },
        stack_name=stack_name,
        region=REGION,
    )
    yield Stack(deployment, build, opt_python, moto_endpoint, domain, certificate[0], engine, prefix, work)
    domain.stop()


@pytest.fixture(scope="session")
def response_endpoint() -> Iterator[ResponseEndpoint]:
    endpoint = ResponseEndpoint()
    yield endpoint
    endpoint.stop()
