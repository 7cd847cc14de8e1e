"""The demo's alert path, with nothing patched: the handlers build their own clients from the environment the
demo gives them, and are called only through ``lambda_handler``.

"Real AWS" is a moto server in a process of its own (its own state, like a separate account), which the caller's
``AWS_ENDPOINT_URL_SNS`` points at, as a caller's shell might. The demo's own AWS is the moto server
``AlertRoute.start`` runs for the route; with a real topic, the handler's SNS client reaches the topic through the
demo's relay. OpenSearch is the counts fake served over HTTP at ``OPENSEARCH_URL``, with an order spike at 10:07
on 2025-02-17.
"""

from __future__ import annotations

import ast
import gzip
import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from logwarden.alerting.publish import PublishError
from logwarden_tools.demo import handlers as demo_handlers
from logwarden_tools.demo.alerts import STATE_TABLE, AlertRoute, RealTopic, connect_real_topic, sns_lambda_event
from logwarden_tools.demo.chat_sink import ChatSink
from logwarden_tools.generate import scenarios
from tests.anomaly_fakes import FakeCountsSearch
from tests.conftest import ROOT, load_event
from tests.handlers.conftest import LambdaContext
from tests.moto_server import moto_server

REGION = "eu-central-1"
DEMO_SOURCES = sorted((ROOT / "tools" / "logwarden_tools" / "demo").glob("*.py")) + sorted(
    (ROOT / "tools" / "logwarden_tools" / "local").glob("*.py")
)


@dataclass
class Account:
    """The stand-in for a real AWS account, administered with its own clients."""

    url: str
    sns: Any
    sqs: Any

    def topic_with_inbox(self, name: str) -> tuple[str, str]:
        topic = self.sns.create_topic(Name=name)["TopicArn"]
        queue = self.sqs.create_queue(QueueName=f"{name}-inbox")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["QueueArn"])
        return topic, queue

    def received(self, queue: str) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]

    def topics(self) -> list[str]:
        return sorted(topic["TopicArn"] for topic in self.sns.list_topics()["Topics"])


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    with moto_server(REGION) as url:
        keys = {"aws_access_key_id": "admin", "aws_secret_access_key": "admin", "region_name": REGION}
        yield Account(url, boto3.client("sns", endpoint_url=url, **keys), boto3.client("sqs", endpoint_url=url, **keys))


@pytest.fixture(scope="module")
def counts_url() -> Iterator[str]:
    """``_msearch`` of an OpenSearch cluster holding the scenario's counts, over HTTP."""
    search = FakeCountsSearch(scenarios.generate(days=scenarios.WARMUP_DAYS + 1))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            assert self.path.split("?")[0].endswith("/_msearch"), self.path
            reply = json.dumps(search.msearch(body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def check_environment(monkeypatch: pytest.MonkeyPatch, counts_url: str) -> None:
    monkeypatch.setenv("OPENSEARCH_URL", counts_url)
    monkeypatch.setenv("LOGWARDEN_STAGE", "test")
    monkeypatch.setenv("LOGWARDEN_DASHBOARDS_URL", "https://dashboards.example.org/_dashboards")
    monkeypatch.setenv("LOGWARDEN_FUNCTIONS_DIR", str(ROOT / "functions"))


def _caller_points_at(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    """The caller's shell: their own credentials, and SNS at the account (all the demo may reach of it)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", account.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDREALUSER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")


def _namespace(module: ModuleType) -> dict[str, int]:
    return {name: id(value) for name, value in vars(module).items()}


@dataclass
class CheckRun:
    result: dict[str, Any]
    inbox: list[dict[str, Any]]
    states: int
    demo_topics: list[str]
    chat_posts: int


def _run_check(real: RealTopic | None) -> CheckRun:
    """One scheduled check through the demo's route and the demo's handler loader, as the demo runs it; the
    handlers' namespaces are the ones their modules defined, before and after."""
    with ExitStack() as stack:
        chat = stack.enter_context(ChatSink())
        route = AlertRoute.start(stack, chat.url, real)
        check, notify = demo_handlers.load_handler("anomaly_check"), demo_handlers.load_handler("chat_notify")
        defined = _namespace(check), _namespace(notify)
        result = check.lambda_handler(load_event("anomaly_check_schedule.json"), LambdaContext())
        inbox = list(route.drain())
        for envelope in inbox:
            notify.lambda_handler(sns_lambda_event(envelope), LambdaContext())
        assert (_namespace(check), _namespace(notify)) == defined
        # What the demo's own AWS holds (boto3 goes where the route points it while the stack is open).
        states = boto3.client("dynamodb").scan(TableName=STATE_TABLE)["Count"]
        demo_topics = [topic["TopicArn"] for topic in boto3.client("sns").list_topics()["Topics"]] if not real else []
        return CheckRun(result, inbox, states, demo_topics, len(chat.received))


@pytest.mark.usefixtures("check_environment")
def test_alerts_reach_the_real_topic_while_state_stays_local(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a topic in the account with an SQS subscriber, and the caller's credentials and endpoint
    topic, queue = account.topic_with_inbox("logwarden-alerts-real")
    _caller_points_at(account, monkeypatch)
    real = connect_real_topic(topic)
    before = account.topics()
    # WHEN the scheduled check runs during the order spike through the demo's real-topic route
    run = _run_check(real)
    # THEN the topic's subscriber received the handler's message, with its subject and filterable attributes
    assert run.result["alerts"] == 1 and run.result["message_id"]
    [delivered] = account.received(queue)
    assert delivered["TopicArn"] == topic and delivered["MessageId"] == run.result["message_id"]
    assert delivered["Subject"].startswith("logwarden test: [HIGH]") and "order_created" in delivered["Subject"]
    attributes = {name: value["Value"] for name, value in delivered["MessageAttributes"].items()}
    assert attributes["severity"] == "high" and attributes["kind"] == "alert" and attributes["severity_rank"] == "3"
    assert json.loads(attributes["subsystem"]) == ["shop"] and json.loads(attributes["rule"]) == ["rate_spike"]
    [item] = json.loads(delivered["Message"])["notifications"]
    assert item["rule"] == "rate_spike" and item["event"] == "order_created"
    # AND the demo's inbox shows exactly what the subscriber got, and chat was posted from it
    [shown] = run.inbox
    for field in ("MessageId", "TopicArn", "Subject", "Message", "MessageAttributes"):
        assert shown[field] == delivered[field], field
    assert run.chat_posts == 3  # Slack, Teams, Telegram
    # AND the alert state was kept in the demo's moto server, and nothing was created in the account
    assert run.states == 1
    assert account.topics() == before


@pytest.mark.usefixtures("check_environment")
def test_without_a_real_topic_the_inbox_shows_the_same_message(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the same check, once through a real topic and once through the demo's topic and SQS inbox
    topic, queue = account.topic_with_inbox("logwarden-alerts-compare")
    _caller_points_at(account, monkeypatch)
    real = _run_check(connect_real_topic(topic))
    before = account.topics()
    local = _run_check(None)
    # THEN the demo reads the same message either way (its summary figures come from it)
    [from_real], [from_local] = real.inbox, local.inbox
    for field in ("Subject", "Message", "MessageAttributes"):
        assert from_real[field] == from_local[field], field
    assert from_local["TopicArn"].endswith(":logwarden-alerts") and local.demo_topics == [from_local["TopicArn"]]
    assert local.states == 1 and local.chat_posts == 3
    # AND the demo's own route never touches the account, though the caller's shell points SNS at it
    assert account.topics() == before
    assert len(account.received(queue)) == 1


@pytest.mark.usefixtures("check_environment")
def test_a_refused_publish_stops_the_check_and_shows_nothing(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a topic the account does not have (a wrong ARN, or one in another account)
    _caller_points_at(account, monkeypatch)
    real = connect_real_topic(f"arn:aws:sns:{REGION}:123456789012:logwarden-alerts-missing")
    with ExitStack() as stack:
        route = AlertRoute.start(stack, "http://127.0.0.1:9", real)
        check = demo_handlers.load_handler("anomaly_check")
        # WHEN the check has an alert to send, THEN it fails as the Lambda would (so the schedule retries),
        # with the topic's own error code
        with pytest.raises(PublishError) as caught:
            check.lambda_handler(load_event("anomaly_check_schedule.json"), LambdaContext())
        assert isinstance(caught.value.__cause__, ClientError)
        assert caught.value.__cause__.response["Error"]["Code"] == "NotFound"
        # AND nothing is shown as sent, and the alert is not claimed: the next run sends it
        assert list(route.drain()) == []
        assert boto3.client("dynamodb").scan(TableName=STATE_TABLE)["Count"] == 0


@pytest.mark.usefixtures("check_environment")
def test_the_relay_publishes_to_its_topic_only(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the route to a real topic, and a second topic in the same account
    topic, queue = account.topic_with_inbox("logwarden-alerts-relay")
    other, other_queue = account.topic_with_inbox("logwarden-other")
    _caller_points_at(account, monkeypatch)
    real = connect_real_topic(topic)
    with ExitStack() as stack:
        route = AlertRoute.start(stack, "http://127.0.0.1:9", real)
        sns = boto3.client("sns")  # as a handler builds it: the route's environment sends it to the relay
        # WHEN anything but a Publish to that topic is asked of it, THEN it is refused and nothing is sent
        with pytest.raises(ClientError) as refused:
            sns.publish(TopicArn=other, Message="not for this topic")
        assert refused.value.response["Error"]["Code"] == "InvalidParameter"
        with pytest.raises(ClientError) as refused:
            sns.create_topic(Name="made-by-the-demo")
        assert refused.value.response["Error"]["Code"] == "InvalidAction"
        # AND a Publish carries every attribute type through unchanged
        attributes = {
            "text": {"DataType": "String", "StringValue": "a & <b>"},
            "rank": {"DataType": "Number", "StringValue": "3"},
            "list": {"DataType": "String.Array", "StringValue": '["x", "y"]'},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xffbytes"},
        }
        message_id = sns.publish(TopicArn=topic, Subject="s", Message="m", MessageAttributes=attributes)["MessageId"]
        [shown] = list(route.drain())
    [delivered] = account.received(queue)
    assert delivered["MessageId"] == shown["MessageId"] == message_id and delivered["Message"] == "m"
    assert delivered["MessageAttributes"] == shown["MessageAttributes"] | {
        "blob": {"Type": "Binary", "Value": "AP9ieXRlcw=="}  # the envelope of a binary value is its base64
    }
    assert account.received(other_queue) == []
    assert "arn:aws:sns:eu-central-1:123456789012:made-by-the-demo" not in account.topics()


def test_the_route_restores_the_callers_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a caller's shell with an endpoint override, a session token, endpoint overrides switched off, and
    # a proxy (one that answers nothing) for everything but another host
    caller = {
        "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9/s3",
        "AWS_SESSION_TOKEN": "caller-token",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
        "AWS_ACCESS_KEY_ID": "AKIDREALUSER",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "no_proxy": "example.org",
    }
    for name, value in caller.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with ExitStack() as stack:
        AlertRoute.start(stack, "http://127.0.0.1:9")
        # WHILE the route is open, every AWS call goes to its moto server, with the demo's keys only
        during = {name: value for name, value in os.environ.items() if name.startswith("AWS_")}
        bypass = os.environ.get("no_proxy"), os.environ.get("NO_PROXY")
        moto_url = during["AWS_ENDPOINT_URL"]
        boto3.client("dynamodb").describe_table(TableName=STATE_TABLE)
    assert moto_url.startswith("http://127.0.0.1:")
    assert [name for name in during if name.startswith("AWS_ENDPOINT_URL")] == ["AWS_ENDPOINT_URL"]
    assert "AWS_SESSION_TOKEN" not in during and "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" not in during
    assert during["AWS_ACCESS_KEY_ID"] == "demo"
    assert bypass == ("example.org,127.0.0.1", None)  # the proxy setting that is read, extended
    # THEN afterwards the caller's environment is as it was, and the server is gone
    assert {name: os.environ.get(name) for name in caller} == caller
    assert "AWS_ENDPOINT_URL" not in os.environ and "NO_PROXY" not in os.environ
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", int(moto_url.rsplit(":", 1)[1])), timeout=5)


# -- the demo's code calls handlers only through their entry point ------------------------------------------


SETATTR = ("setattr", "delattr")


def _is_foreign(node: ast.expr, imported: set[str], handlers: set[str]) -> bool:
    """Whether ``node`` is, or is reached from, an imported name or a loaded handler."""
    while True:
        if ast.unparse(node) in handlers or (isinstance(node, ast.Name) and node.id in imported):
            return True
        if not isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
            return False
        node = node.func if isinstance(node, ast.Call) else node.value


def entry_point_violations(source: str) -> list[str]:
    """What a piece of demo code does to code it did not write, beyond calling it: a loaded handler used as
    anything but ``handler.lambda_handler(...)``, an attribute of an imported module or name assigned or
    deleted (``setattr`` included), a private name of another object read, ``unittest.mock`` imported."""
    tree = ast.parse(source)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found: list[str] = []
    imported, handlers = _imports_and_handlers(tree, found)
    for node in ast.walk(tree):
        found.extend(_violations_at(node, parents, imported, handlers))
    return found


def _imports_and_handlers(tree: ast.AST, found: list[str]) -> tuple[set[str], set[str]]:
    """The names the code imports and the names it binds loaded handlers to; a mock import goes to ``found``."""
    imported: set[str] = set()
    handlers: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            module = node.module if isinstance(node, ast.ImportFrom) else ""
            for alias in node.names:
                imported.add(alias.asname or alias.name.split(".")[0])
                if "mock" in f"{module}.{alias.name}".split("."):
                    found.append(f"line {node.lineno}: imports {module or alias.name} mock")
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            called = node.value.func
            if (called.id if isinstance(called, ast.Name) else getattr(called, "attr", "")) == "load_handler":
                handlers.update(ast.unparse(target) for target in node.targets)
    return imported, handlers


def _violations_at(node: ast.AST, parents: dict[ast.AST, ast.AST], imported: set[str], handlers: set[str]) -> list[str]:
    found: list[str] = []
    text = ast.unparse(node) if isinstance(node, ast.expr) else ""
    if text in handlers and not isinstance(getattr(node, "ctx", None), ast.Store):
        entry = parents.get(node)
        if not (
            isinstance(entry, ast.Attribute)
            and entry.attr == "lambda_handler"
            and isinstance(parents.get(entry), ast.Call)
            and parents[entry].func is entry  # type: ignore[attr-defined]
        ):
            found.append(f"line {node.lineno}: the handler {text} used as {ast.unparse(parents[node])[:60]}")  # type: ignore[attr-defined]
    if isinstance(node, ast.Attribute):
        owner = node.value
        if isinstance(node.ctx, ast.Store | ast.Del) and _is_foreign(owner, imported, handlers):
            found.append(f"line {node.lineno}: assigns {text}")
        is_own = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
        if node.attr.startswith("_") and not node.attr.startswith("__") and not is_own:
            found.append(f"line {node.lineno}: uses the private {text}")
    is_setattr = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in SETATTR
    if is_setattr and node.args and _is_foreign(node.args[0], imported, handlers):  # type: ignore[attr-defined]
        found.append(f"line {node.lineno}: {text[:60]}")  # type: ignore[attr-defined]
    return found


@pytest.mark.parametrize("path", DEMO_SOURCES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_the_demo_calls_the_handlers_only_through_their_entry_point(path: Path) -> None:
    assert entry_point_violations(path.read_text(encoding="utf-8")) == []


def test_the_entry_point_check_finds_each_kind_of_reaching_in() -> None:
    source = """
import logwarden.alerting.service as service
from unittest import mock
from logwarden_tools.demo.handlers import load_handler

class Demo:
    def run(self, route):
        self._check = load_handler("anomaly_check")
        self._check.lambda_handler({}, None)
        route.wire(self._check)
        self._check._factory = lambda: None
        service.build_client = None
        setattr(service, "build_client", None)
        return route._inbox_url
"""
    found = sorted(entry_point_violations(source), key=lambda line: (int(line.split()[1].rstrip(":")), line))
    assert found == [
        "line 3: imports unittest mock",
        "line 10: the handler self._check used as route.wire(self._check)",
        "line 11: assigns self._check._factory",
        "line 11: the handler self._check used as self._check._factory",
        "line 11: uses the private self._check._factory",
        "line 12: assigns service.build_client",
        "line 13: setattr(service, 'build_client', None)",
        "line 14: uses the private route._inbox_url",
    ], found
