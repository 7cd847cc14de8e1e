"""The custom resource acts only on CloudFormation's requests for its own stack, keeps its PhysicalResourceId across
Updates, and never deletes data because a property changed or a Create failed."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import CloudFormationCustomResourceEvent

from logwarden.bootstrap.apply import BootstrapResult, bootstrap, teardown
from logwarden.bootstrap.config import request_checks
from logwarden.bootstrap.custom_resource import (
    FAILED_CREATE_PREFIX,
    RequestChecks,
    answer_cloudformation,
    request_problem,
    response_url_problem,
)
from logwarden.bootstrap.desired import DesiredState
from logwarden.bootstrap.params import BootstrapParams
from tests.bootstrap_fakes import FakeCluster
from tests.conftest import load_event

STACK = "arn:aws:cloudformation:eu-central-1:123456789012:stack/logwarden/1a2b3c4d-5e6f-11ef-8d4e-0a1b2c3d4e5f"
SIGNED = "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&X-Amz-Signature=0123abcd"


class Answers:
    """Records what would be PUT to the ResponseURL."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, url: str, body: dict[str, Any]) -> bool:
        self.sent.append((url, body))
        return True


def _event(request_type: str = "Create", **changes: Any) -> CloudFormationCustomResourceEvent:
    raw = copy.deepcopy(load_event("bootstrap_create.json"))
    raw["RequestType"] = request_type
    if request_type != "Create":
        raw["PhysicalResourceId"] = "logwarden-logs"
    properties = changes.pop("properties", {})
    raw["ResourceProperties"].update(properties)
    raw.update(changes)
    return CloudFormationCustomResourceEvent(raw)


class Cluster:
    """The work a deploy does (``run_request`` without the connection), against a fake cluster."""

    def __init__(self) -> None:
        self.fake = FakeCluster()
        self.requests: list[tuple[str, str]] = []

    def work(self, request_type: str, params: BootstrapParams) -> BootstrapResult:
        self.requests.append((request_type, params.prefix))
        desired = DesiredState.build(params)
        if request_type == "Delete":
            return teardown(desired, self.fake, params.on_delete)
        return bootstrap(desired, self.fake)


def _answer(event: CloudFormationCustomResourceEvent, cluster: Cluster, checks: RequestChecks, send: Answers) -> Any:
    return answer_cloudformation(event, lambda: 60_000, cluster.work, send=send, checks=checks)


# ResponseURL


@pytest.mark.parametrize(
    "url",
    [
        "https://cloudformation-custom-resource-response-eucentral1.s3.eu-central-1.amazonaws.com/arn%3Aaws/x" + SIGNED,
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3A/x" + SIGNED,
        "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x" + SIGNED,
        "https://s3.eu-west-1.amazonaws.com/cloudformation-custom-resource-response-euwest1/x" + SIGNED,
        "https://cloudformation-custom-resource-response-uswest2.s3-us-west-2.amazonaws.com/x?Signature=a&Expires=1",
    ],
)
def test_cloudformation_response_urls_are_accepted(url: str) -> None:
    assert response_url_problem(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x" + SIGNED,  # not https
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:8443/x" + SIGNED,
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",  # not pre-signed
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.evil.example/x" + SIGNED,
        "https://attacker-bucket.s3.amazonaws.com/x" + SIGNED,
        "https://s3.amazonaws.com/attacker-bucket/cloudformation-custom-resource-response-x/y" + SIGNED,
        "https://user:pw@cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x" + SIGNED,
        "https://hooks.example.com/x" + SIGNED,
        "http://127.0.0.1:8080/answer",  # local, but not allowed here
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "",
        "https://[::1/x",
    ],
)
def test_other_response_urls_are_refused(url: str) -> None:
    assert response_url_problem(url) is not None


def test_a_local_response_url_only_where_explicitly_allowed() -> None:
    assert response_url_problem("http://127.0.0.1:8080/answer", allow_local=True) is None
    assert response_url_problem("http://localhost:8080/answer", allow_local=True) is not None
    assert response_url_problem("http://10.0.0.1:8080/answer", allow_local=True) is not None


def test_a_foreign_response_url_gets_no_work_and_no_answer() -> None:
    cluster, send = Cluster(), Answers()

    answer = _answer(_event(ResponseURL="https://attacker.example/collect"), cluster, RequestChecks(), send)

    assert answer["Status"] == "FAILED" and "refused" in answer["Reason"]
    assert send.sent == [] and cluster.requests == [] and cluster.fake.writes == []


# RequestType and StackId


def test_checks_read_from_the_environment() -> None:
    checks = request_checks({"LOGWARDEN_STACK_ID": STACK, "LOGWARDEN_BOOTSTRAP_ALLOW_LOCAL_RESPONSE_URL": "1"})
    assert checks == RequestChecks(STACK, True)
    assert request_checks({}) == RequestChecks(None, False)


@pytest.mark.parametrize("request_type", ["Destroy", "", "create", "DELETE"])
def test_an_unknown_request_type_is_answered_failed_and_does_nothing(request_type: str) -> None:
    cluster, send = Cluster(), Answers()

    answer = _answer(_event(request_type), cluster, RequestChecks(STACK), send)

    assert answer["Status"] == "FAILED" and "RequestType" in answer["Reason"]
    assert [body["Status"] for _, body in send.sent] == ["FAILED"]
    assert cluster.requests == []


@pytest.mark.parametrize("own", [STACK, "logwarden"])
def test_a_request_for_another_stack_is_refused(own: str) -> None:
    cluster, send = Cluster(), Answers()
    other = STACK.replace("stack/logwarden/", "stack/someone-else/")

    refused = _answer(
        _event("Delete", StackId=other, properties={"on_delete": "all"}), cluster, RequestChecks(own), send
    )
    accepted = _answer(_event(), cluster, RequestChecks(own), send)

    assert refused["Status"] == "FAILED" and "not this function's stack" in refused["Reason"]
    assert accepted["Status"] == "SUCCESS"
    assert cluster.requests == [("Create", "logs")]


def test_without_a_configured_stack_every_stack_is_accepted() -> None:
    assert request_problem(_event(StackId="arn:aws:cloudformation:us-east-1:1:stack/x/y"), RequestChecks()) is None


def test_a_malformed_request_is_still_answered() -> None:
    raw = load_event("bootstrap_create.json")
    del raw["RequestId"], raw["StackId"], raw["RequestType"]
    send = Answers()

    answer = answer_cloudformation(
        CloudFormationCustomResourceEvent(raw), lambda: 60_000, Cluster().work, send=send, checks=RequestChecks()
    )

    assert answer["Status"] == "FAILED" and len(send.sent) == 1


# Physical id, Update and Delete


def test_the_physical_id_stays_the_same_across_updates_that_change_the_prefix() -> None:
    # GIVEN a deployment created with prefix logs, and on_delete=all
    cluster, send, checks = Cluster(), Answers(), RequestChecks(STACK)
    created = _answer(_event(properties={"on_delete": "all"}), cluster, checks, send)
    cluster.fake.data_streams = ["logs-shop-info", "logs-crm-error"]

    # WHEN an Update changes the prefix
    update = _event(
        "Update",
        PhysicalResourceId=created["PhysicalResourceId"],
        properties={"prefix": "prod", "on_delete": "all"},
        OldResourceProperties={**_event().resource_properties, "on_delete": "all"},
    )
    updated = _answer(update, cluster, checks, send)

    # THEN the id is kept (so CloudFormation sends no Delete for the old one), the old data stays, and it is said
    assert created["PhysicalResourceId"] == updated["PhysicalResourceId"] == "logwarden-logs"
    assert updated["Status"] == "SUCCESS" and "prefix changed from 'logs' to 'prod'" in updated["Reason"]
    assert cluster.requests == [("Create", "logs"), ("Update", "prod")]
    assert cluster.fake.data_streams == ["logs-shop-info", "logs-crm-error"]
    assert not any(kind.startswith("delete") for kind, _ in cluster.fake.writes)


def test_deleting_the_stack_after_a_prefix_change_deletes_only_the_current_prefix_data() -> None:
    cluster, send, checks = Cluster(), Answers(), RequestChecks(STACK)
    _answer(_event(properties={"prefix": "prod", "on_delete": "all"}), cluster, checks, send)
    cluster.fake.data_streams = ["logs-shop-info", "prod-shop-info"]

    deleted = _answer(_event("Delete", properties={"prefix": "prod", "on_delete": "all"}), cluster, checks, send)

    assert deleted["Status"] == "SUCCESS" and deleted["PhysicalResourceId"] == "logwarden-logs"
    assert cluster.fake.data_streams == ["logs-shop-info"]


def test_an_update_never_deletes_data_streams() -> None:
    cluster, send, checks = Cluster(), Answers(), RequestChecks(STACK)
    cluster.fake.data_streams = ["logs-shop-info"]

    _answer(_event("Update", properties={"on_delete": "all"}), cluster, checks, send)

    assert cluster.fake.data_streams == ["logs-shop-info"]
    assert not any(kind.startswith("delete") for kind, _ in cluster.fake.writes)


def test_the_rollback_of_a_failed_create_deletes_nothing() -> None:
    # GIVEN a domain holding data from before the stack, and a Create that fails
    cluster, send, checks = Cluster(), Answers(), RequestChecks(STACK)
    cluster.fake.data_streams = ["logs-shop-info"]

    def failing(request_type: str, params: BootstrapParams) -> BootstrapResult:
        raise RuntimeError("the cluster said no")

    failed = answer_cloudformation(
        _event(properties={"on_delete": "all"}), lambda: 60_000, failing, send=send, checks=checks
    )

    # WHEN CloudFormation rolls back with a Delete of the id the failed Create answered
    rollback = _event("Delete", PhysicalResourceId=failed["PhysicalResourceId"], properties={"on_delete": "all"})
    answer = _answer(rollback, cluster, checks, send)

    # THEN the rollback succeeds without touching the cluster
    assert failed["Status"] == "FAILED" and failed["PhysicalResourceId"].startswith(FAILED_CREATE_PREFIX)
    assert answer["Status"] == "SUCCESS" and answer["PhysicalResourceId"] == failed["PhysicalResourceId"]
    assert cluster.requests == [] and cluster.fake.data_streams == ["logs-shop-info"]


def test_teardown_deletes_only_exact_names_of_its_own_prefix() -> None:
    class Broad(FakeCluster):
        def existing_data_streams(self, names: list[str]) -> list[str]:
            return list(self.data_streams)  # a port that answers more than it was asked

    cluster = Broad()
    cluster.data_streams = ["logs-shop-info", "logs-shop-info-archive", ".kibana", "prod-shop-info"]

    teardown(DesiredState.build(BootstrapParams()), cluster, "all")

    assert cluster.data_streams == ["logs-shop-info-archive", ".kibana", "prod-shop-info"]
