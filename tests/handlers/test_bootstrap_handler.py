"""The bootstrap custom resource always answers CloudFormation: the answer is PUT to a real HTTP server on
127.0.0.1 standing in for the pre-signed S3 URL."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from logwarden.bootstrap.apply import BootstrapResult, Change
from logwarden.bootstrap.custom_resource import FAILED_CREATE_PREFIX, RequestChecks, answer_cloudformation
from logwarden.bootstrap.params import BootstrapParams
from tests.conftest import load_event
from tests.handlers.conftest import LambdaContext, load_handler

# the recorder stands in for CloudFormation's response bucket on 127.0.0.1
LOCAL = RequestChecks(allow_local_response_url=True)


class ResponseRecorder:
    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers["Content-Length"])
                recorder.answers.append(json.loads(self.rfile.read(length)))
                recorder.headers.append(dict(self.headers))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cfn-response?X-Amz-Signature=abc"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def answer(self) -> dict[str, Any]:
        assert len(self.answers) == 1, self.answers
        return self.answers[0]


@pytest.fixture
def cfn(monkeypatch: pytest.MonkeyPatch) -> Iterator[ResponseRecorder]:
    monkeypatch.setenv("LOGWARDEN_BOOTSTRAP_ALLOW_LOCAL_RESPONSE_URL", "true")  # the recorder is on 127.0.0.1
    monkeypatch.delenv("LOGWARDEN_STACK_ID", raising=False)
    recorder = ResponseRecorder()
    recorder.thread.start()
    yield recorder
    recorder.server.shutdown()
    recorder.server.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _event(cfn: ResponseRecorder, request_type: str = "Create", **properties: str) -> dict[str, Any]:
    event = load_event("bootstrap_create.json")
    event["ResponseURL"] = cfn.url
    event["RequestType"] = request_type
    if request_type != "Create":
        event["PhysicalResourceId"] = "logwarden-logs"
    event["ResourceProperties"].update(properties)
    return event


@pytest.fixture
def unreachable_opensearch(monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("LOGWARDEN_OPENSEARCH_ENDPOINT", url)
    monkeypatch.setenv("LOGWARDEN_OPENSEARCH_AUTH", "none")
    return url


def test_delete_retains_everything_and_answers_success_without_contacting_opensearch(
    cfn: ResponseRecorder, unreachable_opensearch: str, lambda_context: LambdaContext
) -> None:
    app = load_handler("bootstrap")
    result = app.lambda_handler(_event(cfn, "Delete"), lambda_context)
    answer = cfn.answer
    assert answer == result
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == "logwarden-logs"
    assert "left in place" in answer["Reason"]
    assert (answer["StackId"], answer["RequestId"], answer["LogicalResourceId"]) == (
        "arn:aws:cloudformation:eu-central-1:123456789012:stack/logwarden/1a2b3c4d-5e6f-11ef-8d4e-0a1b2c3d4e5f",
        "f00dcafe-1234-4321-abcd-0123456789ab",
        "Bootstrap",
    )
    assert cfn.headers[0].get("Content-Type", "") == ""  # the pre-signed URL was signed without one


def test_create_against_an_unreachable_cluster_answers_failed_with_the_reason(
    cfn: ResponseRecorder, unreachable_opensearch: str, lambda_context: LambdaContext
) -> None:
    app = load_handler("bootstrap")
    app.lambda_handler(_event(cfn), lambda_context)
    assert cfn.answer["Status"] == "FAILED"
    assert "cannot reach OpenSearch" in cfn.answer["Reason"]
    # a failed Create gets an id its rollback Delete recognises
    assert cfn.answer["PhysicalResourceId"] == f"{FAILED_CREATE_PREFIX}f00dcafe-1234-4321-abcd-0123456789ab"


def test_a_bad_property_answers_failed_naming_it(
    cfn: ResponseRecorder, unreachable_opensearch: str, lambda_context: LambdaContext
) -> None:
    app = load_handler("bootstrap")
    app.lambda_handler(_event(cfn, "Update", retention_info="one month"), lambda_context)
    assert cfn.answer["Status"] == "FAILED"
    assert "retention_info 'one month'" in cfn.answer["Reason"]
    assert cfn.answer["PhysicalResourceId"] == "logwarden-logs"  # an update that fails keeps its identity


def test_a_bad_environment_is_answered_not_left_hanging(
    cfn: ResponseRecorder, monkeypatch: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    monkeypatch.delenv("LOGWARDEN_OPENSEARCH_ENDPOINT", raising=False)
    monkeypatch.delenv("OPENSEARCH_URL", raising=False)
    app = load_handler("bootstrap")
    app.lambda_handler(_event(cfn), lambda_context)
    assert cfn.answer["Status"] == "FAILED"
    assert "LOGWARDEN_OPENSEARCH_ENDPOINT" in cfn.answer["Reason"]
    assert cfn.answer["PhysicalResourceId"].startswith(FAILED_CREATE_PREFIX)


def test_work_that_outlives_the_lambda_is_answered_failed_before_the_timeout(cfn: ResponseRecorder) -> None:
    from aws_lambda_powertools.utilities.data_classes import CloudFormationCustomResourceEvent

    release = threading.Event()

    def stuck(request_type: str, params: BootstrapParams) -> BootstrapResult:
        release.wait(30)
        return BootstrapResult((), True)

    event = CloudFormationCustomResourceEvent(_event(cfn))
    try:
        answer = answer_cloudformation(event, remaining_ms=lambda: 15_500, work=stuck, margin_ms=15_000, checks=LOCAL)
    finally:
        release.set()
    assert answer["Status"] == "FAILED" and "did not finish" in answer["Reason"]
    assert cfn.answer == answer


def test_a_cluster_without_ism_fails_unless_allowed(cfn: ResponseRecorder) -> None:
    from aws_lambda_powertools.utilities.data_classes import CloudFormationCustomResourceEvent

    def no_ism(request_type: str, params: BootstrapParams) -> BootstrapResult:
        return BootstrapResult((Change("index_template", "t", "create"),), ism_available=False, notes=("ISM absent",))

    event = CloudFormationCustomResourceEvent(_event(cfn))
    refused = answer_cloudformation(event, lambda: 60_000, no_ism, checks=LOCAL)
    allowed = answer_cloudformation(event, lambda: 60_000, no_ism, allow_no_ism=True, checks=LOCAL)
    assert (refused["Status"], allowed["Status"]) == ("FAILED", "SUCCESS")
    assert "ISM absent" in refused["Reason"] and allowed["Data"]["IsmAvailable"] == "false"
    assert [a["Status"] for a in cfn.answers] == ["FAILED", "SUCCESS"]


def test_a_long_reason_is_cut_to_what_cloudformation_accepts(cfn: ResponseRecorder) -> None:
    from aws_lambda_powertools.utilities.data_classes import CloudFormationCustomResourceEvent

    def noisy(request_type: str, params: BootstrapParams) -> BootstrapResult:
        raise RuntimeError("x" * 10_000 + " the end")

    answer = answer_cloudformation(CloudFormationCustomResourceEvent(_event(cfn)), lambda: 60_000, noisy, checks=LOCAL)
    assert len(json.dumps(cfn.answer)) < 4096 and answer["Reason"].endswith("the end")


def test_without_the_local_setting_a_127_0_0_1_response_url_gets_no_answer(
    cfn: ResponseRecorder, monkeypatch: pytest.MonkeyPatch, unreachable_opensearch: str, lambda_context: LambdaContext
) -> None:
    monkeypatch.delenv("LOGWARDEN_BOOTSTRAP_ALLOW_LOCAL_RESPONSE_URL")
    app = load_handler("bootstrap")
    result = app.lambda_handler(_event(cfn, "Delete"), lambda_context)
    assert result["Status"] == "FAILED" and "refused" in result["Reason"]
    assert cfn.answers == []


def test_a_request_for_another_stack_is_answered_failed(
    cfn: ResponseRecorder, monkeypatch: pytest.MonkeyPatch, unreachable_opensearch: str, lambda_context: LambdaContext
) -> None:
    monkeypatch.setenv("LOGWARDEN_STACK_ID", "arn:aws:cloudformation:eu-central-1:123456789012:stack/other/1")
    app = load_handler("bootstrap")
    app.lambda_handler(_event(cfn, "Delete", on_delete="all"), lambda_context)
    assert cfn.answer["Status"] == "FAILED" and "not this function's stack" in cfn.answer["Reason"]
