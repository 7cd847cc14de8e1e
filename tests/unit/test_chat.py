"""Chat formatting and delivery: every value from the alert or the configuration is escaped for the target's
markup, webhook URLs are checked, a malformed alert still goes out as plain text, Telegram messages are split
between tags, and message ids differ between stages."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logwarden.alerting.chat import (
    ChatNotifier,
    ChatTargets,
    HttpResponse,
    TelegramLine,
    document_from_sns,
    message_id,
    slack_payload,
    split_message,
    teams_escape,
    teams_payload,
    telegram_payloads,
    webhook_url_problem,
)
from logwarden.config import ChatNotifyConfig
from logwarden.errors import ConfigurationError

HOSTILE = "<!channel> & <https://evil.example|click> *bold* _it_ [x](https://evil.example) <b>&amp;</b> `code` # h"
SLACK = "https://hooks.slack.com/services/T000/B000/XXXX"
TEAMS = "https://contoso.webhook.office.com/webhookb2/abc/IncomingWebhook/def/ghi"


def _item(**overrides: Any) -> dict[str, Any]:
    item = {
        "kind": "alert",
        "severity": "high",
        "rule": "rate_spike",
        "title": "rate far above normal",
        "subsystem": "shop",
        "event": "order_created",
        "level": "INFO",
        "minute": "2025-02-17T10:10:00Z",
        "opened": "2025-02-17T10:10:00Z",
        "observed": 93,
        "expected": 7.9,
        "window_minutes": 2,
        "dashboards_url": "https://search-x.eu-central-1.es.amazonaws.com/_dashboards/app/discover#?q=a|b",
        "runbook": "check the shop",
    }
    item.update(overrides)
    return item


def _document(*items: dict[str, Any], environment: str = "prod") -> dict[str, Any]:
    return {"source": "logwarden", "environment": environment, "notifications": list(items or [_item()])}


class TagChecker(HTMLParser):
    """Telegram's HTML, read back: the tags used, whether they are balanced, and the text shown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _read_telegram(text: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(text)
    checker.close()
    assert checker.open == [], "a tag left open"
    # every '&' starts one of the entities html.escape writes: nothing was cut inside one
    assert re.fullmatch(r"(?:[^&]|&(?:amp|lt|gt|quot|#x27);)*", text), "a broken entity"
    return checker


# Escaping


def test_hostile_values_are_escaped_for_slack() -> None:
    document = _document(_item(title=HOSTILE, subsystem=HOSTILE, runbook=HOSTILE), environment=HOSTILE)
    document["topic"] = HOSTILE

    payload = slack_payload(document)

    texts = [payload["text"]] + [
        block["text"]["text"] if "text" in block else block["elements"][0]["text"] for block in payload["blocks"]
    ]
    for text in texts:
        without_link = re.sub(r"<https://search-x[^<>]*\|Open in OpenSearch Dashboards>", "", text)
        assert "<" not in without_link and ">" not in without_link
        assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in texts[1] and "&lt;!channel&gt;" in texts[2]  # the stage line, then the alert
    assert "&amp;amp;" in texts[2]  # '&' itself escaped, so '&amp;' shows as typed
    assert "|b" not in texts[2]  # a '|' inside the link cannot end the URL


def test_hostile_values_are_escaped_for_teams() -> None:
    document = _document(_item(title=HOSTILE, runbook=HOSTILE), environment=HOSTILE)

    card = teams_payload(document)["attachments"][0]["content"]

    for block in card["body"]:
        text = block["text"]
        # no markup character is left unescaped
        assert re.search(r"(?<!\\)[*_\[\]`<>#]", text) is None, text
    assert card["actions"][0]["url"].startswith("https://search-x")


def test_teams_escape_leaves_plain_words_alone_and_stops_lists() -> None:
    assert teams_escape("order ORD-1 shipped") == "order ORD-1 shipped"
    assert teams_escape("- item") == "\\- item"
    assert teams_escape("1. item") == "1\\. item"
    assert teams_escape("**x**") == "\\*\\*x\\*\\*"


def test_hostile_values_are_escaped_for_telegram() -> None:
    document = _document(_item(title=HOSTILE, subsystem=HOSTILE, runbook=HOSTILE), environment=HOSTILE)

    [payload] = telegram_payloads(document, "-100")

    checker = _read_telegram(payload["text"])
    assert set(checker.tags) <= {"b", "i", "a"} and checker.tags.count("a") == 1
    assert HOSTILE in "".join(checker.text)  # shown as typed, not interpreted


def test_only_https_links_are_linked() -> None:
    for url in ("javascript:alert(1)", "http://plain.example/x", "https://x.example/a b", None, 42):
        document = _document(_item(dashboards_url=url))
        assert "Open in" not in orjson.dumps(slack_payload(document)).decode()
        assert "href" not in telegram_payloads(document, "1")[0]["text"]
        assert teams_payload(document)["attachments"][0]["content"]["actions"] == []


def test_topic_and_foreign_messages_are_shown_escaped() -> None:
    document = document_from_sns("deploy <b>finished</b> & <!here>", "ci <notice>", "arn:aws:sns:eu-1:1:team<x>")

    [payload] = telegram_payloads(document, "1")
    slack = slack_payload(document)

    text = "".join(_read_telegram(payload["text"]).text)
    assert "topic team<x>" in text and "deploy <b>finished</b> & <!here>" in text and "ci <notice>" in text
    assert "<!here>" not in orjson.dumps(slack).decode()


# Webhook URLs


@pytest.mark.parametrize(
    ("url", "hosts", "suffix"),
    [
        (SLACK, ("hooks.slack.com",), None),
        (TEAMS, ("outlook.office.com",), ".webhook.office.com"),
        ("https://outlook.office.com/webhook/abc", ("outlook.office.com",), ".webhook.office.com"),
        ("https://api.telegram.org", ("api.telegram.org",), None),
    ],
)
def test_service_webhook_urls_are_accepted(url: str, hosts: tuple[str, ...], suffix: str | None) -> None:
    assert webhook_url_problem(url, hosts, suffix) is None


@pytest.mark.parametrize(
    "secret",
    [
        {"slack_webhook_url": "http://hooks.slack.com/services/T/B/X"},
        {"slack_webhook_url": "https://hooks.slack.com.evil.example/services/T/B/X"},
        {"slack_webhook_url": "https://evil.example/hooks.slack.com"},
        {"slack_webhook_url": "https://user:pw@hooks.slack.com/services/T/B/X"},
        {"slack_webhook_url": "https://hooks.slack.com:8443/services/T/B/X"},
        {"slack_webhook_url": "http://127.0.0.1:9000/slack"},  # local, not allowed here
        {"teams_webhook_url": "https://webhook.office.com.evil.example/x"},
        {"teams_webhook_url": "https://a.b.webhook.office.com/x"},
        {"teams_webhook_url": "https://evil.example/.webhook.office.com"},
        {"telegram_bot_token": "1:x", "telegram_chat_id": "1", "telegram_api_url": "https://evil.example"},
        {"telegram_bot_token": "1:x/../../other", "telegram_chat_id": "1"},
        {"telegram_bot_token": "1:x", "telegram_chat_id": "1?x=1"},
    ],
)
def test_other_webhook_urls_are_refused(secret: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        ChatTargets.from_secret(orjson.dumps(secret).decode(), allow_local_urls=False)


def test_local_urls_only_where_explicitly_allowed() -> None:
    secret = orjson.dumps({"slack_webhook_url": "http://127.0.0.1:9000/slack"}).decode()
    with pytest.raises(ConfigurationError):
        ChatTargets.from_secret(secret)
    assert ChatTargets.from_secret(secret, allow_local_urls=True).channels() == ["slack"]
    config = ChatNotifyConfig.from_env({"LOGWARDEN_CHAT_SECRET_NAME": "s", "LOGWARDEN_CHAT_ALLOW_LOCAL_URLS": "true"})
    assert (
        config.allow_local_urls and not ChatNotifyConfig.from_env({"LOGWARDEN_CHAT_SECRET_NAME": "s"}).allow_local_urls
    )


def test_a_proper_secret_is_accepted() -> None:
    secret = {"slack_webhook_url": SLACK, "teams_webhook_url": TEAMS, "telegram_bot_token": "1:x-Y_z"}
    targets = ChatTargets.from_secret(orjson.dumps({**secret, "telegram_chat_id": "@ops_channel"}).decode())
    assert targets.channels() == ["slack", "teams", "telegram"]


# Malformed alerts


MALFORMED: list[dict[str, Any]] = [
    _document(_item(observed="lots")),
    _document(_item(expected={"a": 1}, title=["x"], subsystem=None)),
    _document(_item(observed=float("inf"))),
    {"notifications": ["not an object", 3, None]},
    {"notifications": []},
    {"environment": {"nested": True}, "notifications": [{"kind": "alert", "observed": None}]},
]


@pytest.mark.parametrize("document", MALFORMED)
def test_a_malformed_alert_is_sent_as_plain_text_never_a_crash(document: dict[str, Any]) -> None:
    slack = slack_payload(document)
    teams = teams_payload(document)
    telegram = telegram_payloads(document, "1")

    assert slack["text"] and slack["blocks"]
    assert teams["attachments"][0]["content"]["body"]
    assert telegram and all(p["text"] for p in telegram)
    for payload in telegram:
        if payload.get("parse_mode") == "HTML":
            _read_telegram(payload["text"])


def test_malformed_alert_falls_back_to_plain_text_for_telegram() -> None:
    [payload] = telegram_payloads(_document(_item(observed="lots", title="<b>x</b>")), "1")

    assert "parse_mode" not in payload  # plain text: nothing is interpreted
    assert "<b>x</b>" in payload["text"]


# Telegram splitting


def test_a_long_telegram_alert_is_split_between_lines_never_inside_a_tag() -> None:
    # GIVEN ten alerts with long runbooks and one title far over the limit, full of characters HTML escapes
    items = [_item(runbook="r" * 400 + " <&> " * 20) for _ in range(9)]
    items.append(_item(title="<&>" * 3000))
    document = _document(*items)

    # WHEN formatted for Telegram
    payloads = telegram_payloads(document, "1")

    # THEN every message is within the limit, its tags balanced, no entity cut, and all the text is there
    assert len(payloads) > 1
    shown = ""
    for payload in payloads:
        assert len(payload["text"].encode("utf-16-le")) // 2 <= 4096
        shown += "".join(_read_telegram(payload["text"]).text)
    assert shown.count("<&>") == 120 // 3 + 9 * 20  # a title is cut to 120 characters


def test_one_line_over_the_limit_is_cut_between_words_each_part_in_its_own_tags() -> None:
    line = TelegramLine("word<&> " * 2000, "<b>", "</b>")

    messages = split_message([TelegramLine("head"), line], 4096, escape=True, max_messages=50)

    assert len(messages) > 3
    shown = ""
    for message in messages:
        assert len(message.encode("utf-16-le")) // 2 <= 4096
        shown += "".join(_read_telegram(message).text)
    assert shown.replace("head", "", 1).count("word<&>") == 2000
    assert all(m.startswith("<b>") and m.endswith("</b>") for m in messages[1:])


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(max_size=6000),
    runbook=st.text(max_size=3000),
    environment=st.text(max_size=80),
    observed=st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=5), st.none()),
)
def test_any_alert_content_gives_well_formed_messages(
    title: str, runbook: str, environment: str, observed: Any
) -> None:
    document = _document(_item(title=title, runbook=runbook, observed=observed), environment=environment)

    for payload in telegram_payloads(document, "1"):
        assert len(payload["text"].encode("utf-16-le")) // 2 <= 4096
        if payload.get("parse_mode") == "HTML":
            _read_telegram(payload["text"])
    assert slack_payload(document)["blocks"]
    assert teams_payload(document)["attachments"]


# Message ids


def test_message_ids_differ_between_stages_and_are_stable_within_one() -> None:
    dev, prod = _document(environment="dev"), _document(environment="prod")

    assert message_id(dev) != message_id(prod)
    assert message_id(prod) == message_id(_document(environment="prod"))
    assert message_id(prod).startswith("logwarden-prod-") and message_id(dev).startswith("logwarden-dev-")
    assert all(b["block_id"].startswith(message_id(prod)) for b in slack_payload(prod)["blocks"])
    assert teams_payload(dev)["attachments"][0]["content"]["id"] == message_id(dev)


# Delivery


class RecordingPoster:
    def __init__(self, statuses: list[int] | None = None) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.statuses = statuses or []

    def post(self, url: str, body: bytes, timeout_s: float) -> HttpResponse:
        self.posts.append((url, orjson.loads(body)))
        return HttpResponse(self.statuses.pop(0) if self.statuses else 200, {}, b"{}")


def _notifier(poster: RecordingPoster) -> ChatNotifier:
    targets = ChatTargets(telegram_bot_token="1:x", telegram_chat_id="-1")
    return ChatNotifier(targets, poster, sleep=lambda s: None)


def test_a_split_telegram_alert_is_delivered_part_by_part() -> None:
    poster = RecordingPoster()
    document = _document(*[_item(runbook="x " * 240) for _ in range(10)])

    report = _notifier(poster).deliver(document)

    assert report.delivered == ["telegram"] and report.failed == {}
    assert len(poster.posts) == len(telegram_payloads(document, "-1")) > 1
    assert report.message_id == message_id(document)


def test_a_failing_part_stops_the_channel() -> None:
    poster = RecordingPoster(statuses=[200, 400])
    document = _document(*[_item(runbook="x " * 240) for _ in range(10)])

    report = _notifier(poster).deliver(document)

    assert report.delivered == [] and report.failed == {"telegram": "HTTP 400"}
    assert len(poster.posts) == 2


def test_plain_text_is_unescaped_by_telegram_as_typed() -> None:
    text = "a < b && c > d"
    [payload] = telegram_payloads(_document(_item(runbook=text)), "1")
    assert html.unescape(payload["text"]).count(text) == 1
