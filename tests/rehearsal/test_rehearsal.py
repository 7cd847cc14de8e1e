"""The deploy rehearsal: each function of template.yaml, from the `sam build` output, with the template's
environment, against the real local engine behind a SigV4-checking domain and a moto AWS (see conftest.py).

Order matters as in a deploy: the bootstrap's Create installs the index templates the ingest functions write
through; its Update and Delete run last.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from logwarden.bootstrap.desired import DesiredState
from logwarden.bootstrap.params import BootstrapParams
from logwarden.ingest.cloudwatch import encode_delivery
from logwarden.sink.client import OpenSearchSettings, build_client
from tests.conftest import REAL_EVENTS
from tests.rehearsal.conftest import ROOT, ResponseEndpoint, Stack

pytestmark = pytest.mark.integration

EVENTS = ROOT / "events"
_RAW_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def _event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


def _cloudformation_event(
    stack: Stack, request_type: str, endpoint: ResponseEndpoint, **changes: str
) -> dict[str, Any]:
    """The request CloudFormation sends: the template's OpenSearchBootstrap properties as a deploy resolves them."""
    resource = stack.deployment.template["Resources"]["OpenSearchBootstrap"]
    properties = {**stack.deployment.value(resource["Properties"]), **changes}
    request_id = str(uuid.uuid4())
    event = {
        "RequestType": request_type,
        "ServiceToken": properties["ServiceToken"],
        "ResponseURL": endpoint.url(request_id),
        "StackId": stack.deployment.ref("AWS::StackId"),
        "RequestId": request_id,
        "LogicalResourceId": "OpenSearchBootstrap",
        "ResourceType": resource["Type"],
        "ResourceProperties": properties,
    }
    return event


def _engine(stack: Stack) -> Any:
    return build_client(
        OpenSearchSettings(
            url=stack.engine.url,
            auth="basic" if stack.engine.username else "none",
            username=stack.engine.username,
            password=stack.engine.password,
            ca_certs=stack.engine.ca_certs,
        )
    )


def _documents(stack: Stack) -> list[dict[str, Any]]:
    client = _engine(stack)
    client.indices.refresh(index=f"{stack.prefix}-*", ignore_unavailable=True)
    found = client.search(index=f"{stack.prefix}-*", body={"size": 10000, "query": {"match_all": {}}})
    return [hit["_source"] for hit in found["hits"]["hits"]]


@pytest.fixture(scope="module")
def created(stack: Stack, response_endpoint: ResponseEndpoint) -> dict[str, Any]:
    event = _cloudformation_event(stack, "Create", response_endpoint)
    report = stack.invoke("BootstrapFunction", [event])
    [answer] = [a for a in response_endpoint.answers if a["RequestId"] == event["RequestId"]]
    return {"event": event, "report": report, "answer": answer}


def test_every_function_of_the_template_runs_from_the_build_with_only_the_layer(stack: Stack) -> None:
    # Import alone (an empty list of events): whatever a function imports must come from its folder or the layer.
    functions = [
        name
        for name, resource in stack.deployment.template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function" and stack.deployment.exists(name)
    ]
    assert len(functions) >= 5
    for name in functions:
        report = stack.invoke(name, [])
        assert report["imported_from_elsewhere"] == [], name


def test_the_domain_refuses_what_is_not_signed_with_the_function_credentials(stack: Stack) -> None:
    url = f"https://{stack.domain.endpoint}/_cluster/health"
    unsigned = requests.get(url, verify=str(stack.ca_certs), timeout=10)
    forged = requests.get(
        url,
        verify=str(stack.ca_certs),
        timeout=10,
        headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAREHEARSAL0000001/20261207/eu-central-1/es/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
            "X-Amz-Date": "20261207T000000Z",
        },
    )
    assert (unsigned.status_code, forged.status_code) == (403, 403)
    assert any("signature does not match" in reason for reason in stack.domain.record.refused)


def test_bootstrap_create_answers_cloudformation_and_installs_the_templates(
    stack: Stack, created: dict[str, Any]
) -> None:
    answer = created["answer"]
    assert answer["Status"] == "SUCCESS", answer.get("Reason")
    assert answer["StackId"] == created["event"]["StackId"] and answer["LogicalResourceId"] == "OpenSearchBootstrap"
    desired = DesiredState.build(BootstrapParams.from_properties(created["event"]["ResourceProperties"]))
    engine = _engine(stack)
    assert desired.index_templates
    assert [name for name in desired.index_templates if not engine.indices.exists_index_template(name=name)] == []
    assert stack.domain.record.ism_policies, "the bootstrap wrote no ISM policy"
    assert stack.domain.record.saved_objects, "the bootstrap imported no Dashboards objects"
    assert not [r for r in stack.domain.record.refused if "_cluster/health" not in r]


def test_cloudwatch_ingest_indexes_every_sample_masked_and_redelivery_adds_nothing(
    stack: Stack, created: dict[str, Any]
) -> None:
    assert created["answer"]["Status"] == "SUCCESS"
    events = [_event(name) for name in sorted(path.name for path in EVENTS.glob("cloudwatch_*.json"))]
    # WHEN every sample is delivered, then all of them again (CloudWatch's async retry)
    report = stack.invoke("IngestCloudWatchFunction", events + events)
    results = [invocation["result"] for invocation in report["invocations"]]
    # THEN the first round indexes every record and sets nothing aside, the second only finds duplicates
    first, second = results[: len(events)], results[len(events) :]
    indexed = sum(r["indexed"] for r in first)
    assert indexed > 0 and sum(r["set_aside"] + r["undelivered"] + r["rejected"] for r in first) == 0
    assert sum(r["indexed"] for r in second) == 0 and sum(r["duplicates"] for r in second) == indexed
    assert sum(r["control_messages"] for r in first) == 1  # events/cloudwatch_control.json
    documents = _documents(stack)
    assert len(documents) == indexed
    # and no e-mail address reaches the store; the deployed masking gives them pseudonyms
    stored = json.dumps(documents, ensure_ascii=False)
    assert _RAW_EMAIL.findall(stored) == []
    assert "[EMAIL#" in stored
    assert not [r for r in stack.domain.record.refused if "_cluster/health" not in r]


def test_mq_ingest_indexes_the_samples_and_parks_the_poison_masked(stack: Stack, created: dict[str, Any]) -> None:
    assert created["answer"]["Status"] == "SUCCESS"
    events = [_event(name) for name in sorted(p.name for p in EVENTS.glob("mq_*.json"))]
    report = stack.invoke("IngestMqFunction", events)
    failures = [i for i in report["invocations"] if "error" in i]
    assert failures == []
    results = [i["result"] for i in report["invocations"]]
    assert sum(r["indexed"] for r in results) > 0
    parked = stack.client("s3").list_objects_v2(Bucket=stack.deployment.resources["DeadLetterBucket"])
    keys = [o["Key"] for o in parked.get("Contents", [])]
    assert sum(r["rejected"] + r["set_aside"] for r in results) > 0  # events/mq_poison_batch.json
    assert keys and all(any(k in location for k in keys) for r in results for location in r["deadletter"])
    for key in keys:
        body = stack.client("s3").get_object(Bucket=stack.deployment.resources["DeadLetterBucket"], Key=key)["Body"]
        assert _RAW_EMAIL.findall(_inflate(body.read())) == []


def _inflate(data: bytes) -> str:
    return (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).decode("utf-8", errors="replace")


def test_an_error_burst_ingested_through_the_build_is_alerted_on_the_topic(
    stack: Stack, created: dict[str, Any]
) -> None:
    assert created["answer"]["Status"] == "SUCCESS"
    # GIVEN an SQS queue subscribed to the alert topic (standing in for the e-mail and chat subscribers)
    sqs, sns = stack.client("sqs"), stack.client("sns")
    queue = sqs.create_queue(QueueName=f"alerts-{stack.prefix}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=stack.deployment.resources["AlertTopic"], Protocol="sqs", Endpoint=queue_arn)
    # AND 150 ERROR lines a minute (the template's threshold is 100) in the minutes the check looks at
    now_ms = int(time.time() * 1000)
    # Each minute's lines inside that minute: spread back from "now" they would straddle two minute buckets (fewer
    # than 100 in each) whenever the test starts early in a minute.
    minute_ms = now_ms - now_ms % 60_000
    burst = [
        {
            "id": f"{minute}{n:05d}",
            "timestamp": minute_ms - minute * 60_000 + n * 100,
            "message": json.dumps({"@timestamp": _iso(minute_ms - minute * 60_000 + n * 100), "level": "ERROR",
                                   "logger_name": "ru.shop.checkout.PaymentClient", "thread_name": "http-nio-8080-exec-1",
                                   "message": f"payment gateway refused order 7700{n:04d}"}),
        }
        for minute in (1, 2, 3)
        for n in range(150)
    ]  # fmt: skip
    delivery = encode_delivery("/ecs/shop-api", "shop-api/app/burst", burst)
    ingested = stack.invoke("IngestCloudWatchFunction", [delivery])["invocations"][0]["result"]
    assert ingested["indexed"] == len(burst)
    _engine(stack).indices.refresh(index=f"{stack.prefix}-*")
    # WHEN the scheduled check runs from the build, at the time EventBridge would stamp on the event
    schedule = {**_event("anomaly_check_schedule.json"), "time": _iso(now_ms)[:19] + "Z"}
    report = stack.invoke("AnomalyCheckFunction", [schedule])
    [invocation] = report["invocations"]
    # THEN it queried the domain, opened an alert and published it to the topic
    assert "error" not in invocation, invocation
    assert invocation["result"]["alerts"] >= 1 and invocation["result"]["message_id"]
    assert any(path.endswith("/_msearch") for _, path in stack.domain.record.accepted)
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=2).get("Messages", [])
    published = [json.loads(json.loads(m["Body"])["Message"]) for m in received]
    assert any(n["rule"] == "error_threshold" for message in published for n in message["notifications"]), published
    # AND the alert's state is kept in the table the template names, so the next run does not repeat it
    again = stack.invoke("AnomalyCheckFunction", [schedule])["invocations"][0]["result"]
    assert again["alerts"] == 0


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).isoformat(timespec="milliseconds")


def test_chat_notify_delivers_the_sample_alert(stack: Stack, tmp_path: Path) -> None:
    from tests.webhook_server import WebhookServer

    with WebhookServer().running() as webhooks:
        stack.client("secretsmanager").create_secret(
            Name=stack.deployment.environment("ChatNotifyFunction")["LOGWARDEN_CHAT_SECRET_NAME"],
            SecretString=json.dumps({"slack_webhook_url": f"{webhooks.url}/slack/T000/B000/XXXX"}),
        )
        report = stack.invoke("ChatNotifyFunction", [_event("chat_notify_sns.json")])
        assert [i for i in report["invocations"] if "error" in i] == []
        assert webhooks.bodies("/slack/"), report["invocations"]


def test_kinesis_ingest_takes_the_recorded_stream_event_and_the_sample(stack: Stack, created: dict[str, Any]) -> None:
    assert created["answer"]["Status"] == "SUCCESS"
    recorded = json.loads((REAL_EVENTS / "powertools_kinesisStreamCloudWatchLogsEvent.json").read_text())
    report = stack.invoke("IngestKinesisFunction", [recorded, _event("kinesis_cloudwatch.json")])
    results = [i["result"] for i in report["invocations"]]
    assert [i for i in report["invocations"] if "error" in i] == []
    assert all(result["batchItemFailures"] == [] for result in results), results


def test_an_outage_parks_at_once_and_the_scheduled_drain_writes_it_back(stack: Stack, created: dict[str, Any]) -> None:
    assert created["answer"]["Status"] == "SUCCESS"
    now_ms = int(time.time() * 1000)
    lines = [
        {
            "id": f"outage{n:05d}",
            "timestamp": now_ms - n,
            "message": json.dumps({"@timestamp": _iso(now_ms - n), "level": "WARN", "logger_name": "ru.crm.Sync",
                                   "message": f"order 8800{n:04d} waits for the MES"}),
        }
        for n in range(50)
    ]  # fmt: skip
    deliveries = [
        encode_delivery("/ecs/crm-api", f"crm-api/app/outage-{k}", lines[k * 10 : k * 10 + 10]) for k in range(5)
    ]
    before = len(_documents(stack))
    # GIVEN the domain cutting every connection
    stack.domain.down = True
    try:
        # WHEN five deliveries arrive in one warm container
        parked = stack.invoke("IngestCloudWatchFunction", deliveries)
    finally:
        stack.domain.down = False
    # THEN every event is parked (nothing lost), the later deliveries without waiting on the engine
    results = [i["result"] for i in parked["invocations"]]
    assert sum(r["undelivered"] for r in results) == len(lines) and sum(r["indexed"] for r in results) == 0
    assert len(_documents(stack)) == before
    # WHEN the scheduled drain runs once the engine answers again, and once more
    drained = stack.invoke("DrainDeadLetterFunction", [_event("anomaly_check_schedule.json")] * 2)
    first, second = (i["result"] for i in drained["invocations"])
    # THEN what the outage parked is indexed exactly once
    assert first["engine_answered"] and first["replay"]["indexed"] == len(lines), first
    assert second["replay"]["indexed"] == 0
    assert len(_documents(stack)) == before + len(lines)


def test_the_bootstrap_sample_event_runs_through_the_build(stack: Stack, response_endpoint: ResponseEndpoint) -> None:
    # events/bootstrap_create.json as CloudFormation would send it to this stack: only what differs per deploy (the
    # answer's URL, the stack, the prefix so the shared engine's other users are not touched) is replaced
    sample = _event("bootstrap_create.json")
    prefix = f"{stack.prefix}s"
    create = {
        **sample,
        "ResponseURL": response_endpoint.url(sample["RequestId"]),
        "StackId": stack.deployment.ref("AWS::StackId"),
        "ResourceProperties": {**sample["ResourceProperties"], "prefix": prefix},
    }
    stack.invoke("BootstrapFunction", [create])
    answer = next(a for a in response_endpoint.answers if a["RequestId"] == sample["RequestId"])
    assert answer["Status"] == "SUCCESS", answer.get("Reason")
    params = BootstrapParams.from_properties(create["ResourceProperties"])
    engine = _engine(stack)
    assert all(engine.indices.exists_index_template(name=n) for n in DesiredState.build(params).index_templates)
    # AND the same sample for another stack is refused and changes nothing
    foreign = {**create, "RequestId": str(uuid.uuid4()), "StackId": sample["StackId"]}
    foreign["ResponseURL"] = response_endpoint.url(foreign["RequestId"])
    stack.invoke("BootstrapFunction", [foreign])
    refused = next(a for a in response_endpoint.answers if a["RequestId"] == foreign["RequestId"])
    assert refused["Status"] == "FAILED" and "stack" in refused["Reason"]


def test_bootstrap_update_keeps_its_physical_id_and_delete_keeps_the_data(
    stack: Stack, created: dict[str, Any], response_endpoint: ResponseEndpoint
) -> None:
    physical = created["answer"]["PhysicalResourceId"]
    old = created["event"]["ResourceProperties"]
    update = _cloudformation_event(stack, "Update", response_endpoint, retention_info="14d")
    update["PhysicalResourceId"], update["OldResourceProperties"] = physical, old
    delete = _cloudformation_event(stack, "Delete", response_endpoint, retention_info="14d")
    delete["PhysicalResourceId"] = physical
    before = len(_documents(stack))
    stack.invoke("BootstrapFunction", [update, delete])
    answers = {a["RequestId"]: a for a in response_endpoint.answers}
    assert answers[update["RequestId"]]["Status"] == "SUCCESS", answers[update["RequestId"]].get("Reason")
    assert answers[update["RequestId"]]["PhysicalResourceId"] == physical
    assert answers[delete["RequestId"]]["Status"] == "SUCCESS", answers[delete["RequestId"]].get("Reason")
    assert len(_documents(stack)) == before  # the stack's default on_delete never removes indexed logs
