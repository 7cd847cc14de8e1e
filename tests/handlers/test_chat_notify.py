"""functions/chat_notify in-process, posting over real sockets to a local webhook server; the secret in
moto's Secrets Manager."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from logwarden.errors import ConfigurationError, RetryableError
from tests.conftest import load_event
from tests.handlers.conftest import LambdaContext, load_handler
from tests.webhook_server import WebhookServer

SECRET = "logwarden/chat"


@pytest.fixture
def server() -> Iterator[WebhookServer]:
    with WebhookServer().running() as running:
        yield running


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch, server: WebhookServer) -> Iterator[Any]:
    parameters.clear_caches()  # each test has its own server, hence its own secret
    with mock_aws():
        client = boto3.client("secretsmanager")
        client.create_secret(
            Name=SECRET,
            SecretString=json.dumps(
                {
                    "slack_webhook_url": f"{server.url}/slack/T000/B000/XXXX",
                    "teams_webhook_url": f"{server.url}/teams/webhookb2/abc",
                    "telegram_bot_token": "123456:TEST-token",
                    "telegram_chat_id": "-1001234567890",
                    "telegram_api_url": f"{server.url}/telegram",
                }
            ),
        )
        monkeypatch.setenv("LOGWARDEN_CHAT_SECRET_NAME", SECRET)
        monkeypatch.setenv("LOGWARDEN_CHAT_ALLOW_LOCAL_URLS", "true")  # the webhook server is on 127.0.0.1
        yield client


def test_posts_native_formats_to_every_channel(
    secret: Any, server: WebhookServer, lambda_context: LambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    app = load_handler("chat_notify")
    assert app.lambda_handler(load_event("chat_notify_sns.json"), lambda_context) == {"delivered": 3, "failed": 0}
    [slack] = server.bodies("/slack/")
    assert slack["blocks"][0]["elements"][0]["text"] == "logwarden · prod"  # which stage speaks
    assert slack["blocks"][1]["text"]["type"] == "mrkdwn"
    assert slack["blocks"][1]["text"]["text"].startswith("*🔴 CRITICAL RabbitMQ connection-error storm")
    assert "|Open in OpenSearch Dashboards>" in slack["blocks"][2]["text"]["text"]
    [teams] = server.bodies("/teams/")
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard" and card["content"]["actions"][0]["type"] == "Action.OpenUrl"
    [telegram] = server.bodies("/telegram/bot123456:TEST-token/sendMessage")
    assert telegram["chat_id"] == "-1001234567890" and telegram["parse_mode"] == "HTML"
    assert "<b>🟠 HIGH rate far above normal: shop / order_created / INFO</b>" in telegram["text"]
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any("ChatDelivered_telegram" in doc for doc in emf)


def test_retries_server_errors_and_gives_up_on_client_errors(
    secret: Any, server: WebhookServer, lambda_context: LambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    server.statuses = {"/slack/": [503, 500], "/teams/": [400]}
    app = load_handler("chat_notify")
    result = app.lambda_handler(load_event("chat_notify_sns.json"), lambda_context)
    assert result == {"delivered": 2, "failed": 1}
    assert len(server.bodies("/slack/")) == 3  # two failures, then delivered
    assert len(server.bodies("/teams/")) == 1  # a 400 is not retried
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any("ChatFailed_teams" in doc for doc in emf)


def test_fails_the_invocation_only_when_no_channel_worked(
    secret: Any, server: WebhookServer, lambda_context: LambdaContext
) -> None:
    server.statuses = {"/slack/": [404], "/teams/": [404], "/telegram/": [403]}
    app = load_handler("chat_notify")
    with pytest.raises(RetryableError):
        app.lambda_handler(load_event("chat_notify_sns.json"), lambda_context)


def test_secret_without_channels_is_a_configuration_error(secret: Any, lambda_context: LambdaContext) -> None:
    secret.put_secret_value(SecretId=SECRET, SecretString='{"telegram_bot_token": "1:x"}')
    app = load_handler("chat_notify")
    with pytest.raises(ConfigurationError, match="telegram needs both"):
        app.lambda_handler(load_event("chat_notify_sns.json"), lambda_context)
