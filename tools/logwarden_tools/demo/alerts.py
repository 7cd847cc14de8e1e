"""Where the demo's alerts go: moto's SNS (no AWS account needed), or a real SNS topic.

The handlers build their own AWS clients, as in Lambda; the demo only chooses where those clients go, with
botocore's endpoint variables, in its own process and for the length of the run (``AlertRoute.start``).
``AWS_ENDPOINT_URL`` names a moto server on 127.0.0.1 (``logwarden_tools.local.moto_server``), started for
the run, so every AWS call of a handler stays on the machine; it holds the alert-state table and the chat
secret.

**moto** (the default): the alert topic and an SQS queue subscribed to it, playing the e-mail inbox, are
in that server too; the inbox is read after every check run.

**A real topic** (``--alert-topic-arn`` or ``LOGWARDEN_DEMO_ALERT_TOPIC_ARN``): ``AWS_ENDPOINT_URL_SNS``
names the topic relay, a loopback endpoint that answers SNS ``Publish`` for that one topic by publishing
the same request to it with the caller's credentials and returning the topic's answer (message id or
error). So the anomaly check's own SNS publisher, the one the Lambda uses, publishes every alert and
recovery to that topic, and its subscribers (e-mail, the deployed chat function) receive them. The demo
creates nothing in the account; it only publishes. The relay's client is built before the demo changes the
AWS environment, from the caller's credentials as boto3 finds them, for the topic's region; the credentials
are frozen then, because a refresh (STS, SSO) under ``AWS_ENDPOINT_URL`` would be answered by moto. The
local inbox is what the relay published, in the envelope the topic's SQS subscribers receive, so the rest of
the demo reads it unchanged.
"""

from __future__ import annotations

import base64
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from logwarden.errors import ConfigurationError
from logwarden_tools.local.aws import create_alert_inbox, create_alert_state_table
from logwarden_tools.local.loopback import LoopbackServer
from logwarden_tools.local.moto_server import moto_server

ALERT_TOPIC_ENV: Final = "LOGWARDEN_DEMO_ALERT_TOPIC_ARN"
CHAT_SECRET_NAME: Final = "logwarden/chat"  # noqa: S105 - the secret's name, not its value
STATE_TABLE: Final = "logwarden-alert-state"
REGION: Final = "eu-central-1"
# What AlertRoute.start sets for the handlers, besides the endpoint variables (all restored when its stack closes).
HANDLER_VARIABLES: Final = (
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "LOGWARDEN_ALERT_TOPIC_ARN",
    "LOGWARDEN_ALERT_STATE_TABLE",
    "LOGWARDEN_CHAT_SECRET_NAME",
    "LOGWARDEN_CHAT_ALLOW_LOCAL_URLS",
)
# What AlertRoute.start removes: the caller's session token would pair with the demo's keys, and endpoint
# settings of the caller's shell would send the handlers' calls elsewhere (or stop botocore reading the demo's).
CLEARED_VARIABLES: Final = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
ENDPOINT_PREFIX: Final = "AWS_ENDPOINT_URL"
NO_PROXY: Final = ("NO_PROXY", "no_proxy")  # where a lower-case one is set, it is the one read

_TOPIC_ARN: Final = re.compile(
    r"^arn:aws[a-z-]*:sns:(?P<region>[a-z]{2}(?:-[a-z0-9]+)+-\d):\d{12}:(?P<name>[A-Za-z0-9_-]{1,256})$"
)


def topic_region(arn: str) -> str:
    """The region of a standard SNS topic ARN; a bad ARN is a configuration error, named on one line."""
    match = _TOPIC_ARN.match(arn)
    if match is None:
        fifo = " (FIFO topics need a message group id, which alerts do not carry)" if arn.endswith(".fifo") else ""
        raise ConfigurationError(
            [f"{ALERT_TOPIC_ENV} / --alert-topic-arn must be a standard SNS topic ARN, got {arn!r}{fifo}"]
        )
    return match["region"]


class RecordingSnsClient:
    """The real topic's SNS client as the alert publisher sees it (``publish``), keeping what was published
    so the demo can show it; nothing is kept for a publish that failed."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._published: list[dict[str, Any]] = []

    def publish(self, **params: Any) -> dict[str, Any]:
        response: dict[str, Any] = self._client.publish(**params)
        self._published.append(sqs_envelope(params, str(response["MessageId"])))
        return response

    def drain(self) -> Iterator[dict[str, Any]]:
        published, self._published = self._published, []
        yield from published


@dataclass(frozen=True, slots=True)
class RealTopic:
    arn: str
    region: str
    client: RecordingSnsClient


def connect_real_topic(arn: str, session: Any | None = None) -> RealTopic:
    """The client for a real topic, from the credentials boto3 finds now (call it before the AWS environment
    changes). No credentials, or credentials that cannot be loaded, fail here, before anything starts."""
    import boto3

    region = topic_region(arn)
    session = session or boto3.Session()
    try:
        credentials = session.get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
    except BotoCoreError as exc:
        raise ConfigurationError([f"cannot load AWS credentials for {arn}: {exc}"]) from exc
    if frozen is None or not frozen.access_key:
        raise ConfigurationError(
            [
                f"{arn} is given but boto3 finds no AWS credentials "
                "(set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`)"
            ]
        )
    client = session.client(
        "sns",
        region_name=region,
        aws_access_key_id=frozen.access_key,
        aws_secret_access_key=frozen.secret_key,
        aws_session_token=frozen.token,
    )
    return RealTopic(arn, region, RecordingSnsClient(client))


def sqs_envelope(params: dict[str, Any], message_id: str) -> dict[str, Any]:
    """A ``Publish`` request as an SQS subscriber of the topic receives it (raw delivery off): the ``sqs``
    form of a JSON-structured message, attributes as ``{"Type", "Value"}``."""
    message = params["Message"]
    if params.get("MessageStructure") == "json":
        forms = orjson.loads(message)
        message = forms.get("sqs", forms["default"])
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": params["TopicArn"],
        "Subject": params.get("Subject"),
        "Message": message,
        "Timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "MessageAttributes": {
            name: {"Type": value["DataType"], "Value": value.get("StringValue", "")}
            for name, value in params.get("MessageAttributes", {}).items()
        },
    }


def sns_lambda_event(envelope: dict[str, Any]) -> dict[str, Any]:
    """The SNS -> Lambda event for one message as the topic's SQS subscriber received it."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{envelope.get('TopicArn', '')}:demo",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": envelope.get("MessageId", ""),
                    "TopicArn": envelope.get("TopicArn", ""),
                    "Subject": envelope.get("Subject"),
                    "Message": envelope["Message"],
                    "Timestamp": envelope.get("Timestamp", ""),
                    "MessageAttributes": envelope.get("MessageAttributes", {}),
                },
            }
        ]
    }


def publish_params(form: Mapping[str, str]) -> dict[str, Any]:
    """The keyword arguments of ``sns.publish`` from the form of a query-protocol ``Publish`` request (the
    inverse of botocore's serializer): scalars as they are, ``MessageAttributes.entry.N.*`` as the map.
    A parameter of another shape is refused rather than dropped."""
    params: dict[str, Any] = {}
    entries: dict[str, dict[str, str]] = {}
    for key, value in form.items():
        parts = key.split(".")
        if key in ("Action", "Version"):
            continue
        if len(parts) == 1:
            params[key] = value
        elif len(parts) >= 4 and parts[:2] == ["MessageAttributes", "entry"]:
            entries.setdefault(parts[2], {})[".".join(parts[3:])] = value
        else:
            raise ValueError(f"unexpected Publish parameter {key}")
    attributes: dict[str, dict[str, Any]] = {}
    for entry in entries.values():
        attribute: dict[str, Any] = {"DataType": entry["Value.DataType"]}
        if "Value.StringValue" in entry:
            attribute["StringValue"] = entry["Value.StringValue"]
        if "Value.BinaryValue" in entry:
            attribute["BinaryValue"] = base64.b64decode(entry["Value.BinaryValue"])
        attributes[entry["Name"]] = attribute
    if attributes:
        params["MessageAttributes"] = attributes
    return params


_SNS_XMLNS: Final = "http://sns.amazonaws.com/doc/2010-03-31/"


def _publish_response(message_id: str) -> bytes:
    return (
        f'<PublishResponse xmlns="{_SNS_XMLNS}"><PublishResult><MessageId>{escape(message_id)}</MessageId>'
        f"</PublishResult><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</PublishResponse>"
    ).encode()


def _error_response(code: str, message: str) -> bytes:
    return (
        f'<ErrorResponse xmlns="{_SNS_XMLNS}"><Error><Type>Sender</Type><Code>{escape(code)}</Code>'
        f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()


class TopicRelay(LoopbackServer):
    """SNS for the handlers when alerts go to a real topic: a loopback endpoint that answers ``Publish`` to
    that topic by publishing it through ``RealTopic.client`` and returns the topic's answer as SNS would, its
    error code included (``NotFound``, ``AuthorizationError``), so the handler fails as it would in Lambda.
    Any other action or topic is refused. It needs no credentials of the handler: the topic's client signs."""

    def __init__(self, topic: RealTopic) -> None:
        self._topic = topic
        super().__init__(self._reply)

    def _reply(self, path: str, body: bytes) -> tuple[int, str, bytes]:
        status, reply = _answer(self._topic, dict(parse_qsl(body.decode(), keep_blank_values=True)))
        return status, "text/xml", reply


def _answer(topic: RealTopic, form: dict[str, str]) -> tuple[int, bytes]:
    """(HTTP status, body) for one request to the relay."""
    if form.get("Action") != "Publish":
        action = form.get("Action")
        return 400, _error_response("InvalidAction", f"the demo's topic relay answers Publish only, not {action}")
    try:
        params = publish_params(form)
    except (ValueError, KeyError) as exc:
        return 400, _error_response("InvalidParameter", str(exc))
    if params.get("TopicArn") != topic.arn:
        return 400, _error_response("InvalidParameter", f"the demo's topic relay publishes to {topic.arn} only")
    try:
        response = topic.client.publish(**params)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
        return status, _error_response(str(error.get("Code", "ClientError")), str(error.get("Message", exc)))
    except BotoCoreError as exc:  # the topic was not reached (network, endpoint): no retry would help
        return 400, _error_response(type(exc).__name__, str(exc))
    return 200, _publish_response(str(response["MessageId"]))


class AlertRoute:
    """The AWS side of the demo's alert path: a moto server, the relay for a real topic, and the inbox."""

    def __init__(self, aws: Any, topic_arn: str, inbox_url: str | None, real_topic: RealTopic | None) -> None:
        self._aws = aws
        self.topic_arn = topic_arn
        self._inbox_url = inbox_url
        self._real_topic = real_topic

    @classmethod
    def start(cls, stack: ExitStack, chat_url: str, real_topic: RealTopic | None = None) -> AlertRoute:
        """Start the moto server (and, with a real topic, the relay) on ``stack``, point the AWS environment
        at them, and create the table, the chat secret (webhooks of the local stand-in at ``chat_url``) and,
        without a real topic, moto's topic and inbox. Returns with the handlers' variables set in
        ``os.environ``; the environment is as before once ``stack`` closes."""
        import boto3
        from aws_lambda_powertools.utilities import parameters

        sns_endpoint = f"{ENDPOINT_PREFIX}_SNS"
        endpoints = [name for name in os.environ if name.startswith(ENDPOINT_PREFIX)]
        names = {*HANDLER_VARIABLES, *CLEARED_VARIABLES, *endpoints, ENDPOINT_PREFIX, sns_endpoint, *NO_PROXY}
        keep_environment(stack, names)  # registered first, so it runs after the servers have stopped
        _bypass_proxies_for_loopback()
        moto_url = stack.enter_context(moto_server(REGION))
        for name in (*CLEARED_VARIABLES, *endpoints):
            os.environ.pop(name, None)
        os.environ.update(
            {
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "demo",  # moto's server takes any keys; the real topic's are the relay's
                "AWS_SECRET_ACCESS_KEY": "demo",
                ENDPOINT_PREFIX: moto_url,
            }
        )
        if real_topic is not None:
            os.environ[sns_endpoint] = stack.enter_context(TopicRelay(real_topic)).url
        # A chat secret cached by an earlier run in this process would name a closed server.
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        # A session of its own, as the handlers': boto3's default one may hold the caller's credentials.
        aws = boto3.session.Session()
        create_alert_state_table(aws, STATE_TABLE)
        secret = {
            "slack_webhook_url": f"{chat_url}/slack",
            "teams_webhook_url": f"{chat_url}/teams",
            "telegram_bot_token": "123456:demo-token",
            "telegram_chat_id": "-100200300",
            "telegram_api_url": f"{chat_url}/telegram",
        }
        aws.client("secretsmanager").create_secret(Name=CHAT_SECRET_NAME, SecretString=orjson.dumps(secret).decode())
        if real_topic is None:
            topic_arn, inbox_url = create_alert_inbox(aws)
            route = cls(aws, topic_arn, inbox_url, None)
        else:
            route = cls(aws, real_topic.arn, None, real_topic)
        os.environ.update(
            {
                "LOGWARDEN_ALERT_TOPIC_ARN": route.topic_arn,
                "LOGWARDEN_ALERT_STATE_TABLE": STATE_TABLE,
                "LOGWARDEN_CHAT_SECRET_NAME": CHAT_SECRET_NAME,
                "LOGWARDEN_CHAT_ALLOW_LOCAL_URLS": "true",  # the chat stand-in is on 127.0.0.1
            }
        )
        return route

    def drain(self) -> Iterator[dict[str, Any]]:
        """Every message published since the last call, as the topic's SQS subscriber receives it."""
        if self._real_topic is not None:
            yield from self._real_topic.client.drain()
            return
        sqs = self._aws.client("sqs")
        while True:
            response = sqs.receive_message(QueueUrl=self._inbox_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = response.get("Messages", [])
            if not messages:
                return
            for message in messages:
                sqs.delete_message(QueueUrl=self._inbox_url, ReceiptHandle=message["ReceiptHandle"])
                yield orjson.loads(message["Body"])


def _bypass_proxies_for_loopback() -> None:
    """The servers are on 127.0.0.1: a proxy of the caller's shell (``HTTPS_PROXY``) must not carry the
    handlers' calls to them."""
    present = [name for name in NO_PROXY if os.environ.get(name)] or [NO_PROXY[0]]
    for name in present:
        hosts = [host.strip() for host in os.environ.get(name, "").split(",") if host.strip()]
        if "127.0.0.1" not in hosts:
            os.environ[name] = ",".join([*hosts, "127.0.0.1"])


def keep_environment(stack: ExitStack, names: Iterable[str]) -> None:
    """Put the variables ``names`` back as they are now, set or unset, when ``stack`` closes."""
    saved = {name: os.environ.get(name) for name in names}

    def restore() -> None:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    stack.callback(restore)
