"""Alert messages to chat: Slack and Microsoft Teams incoming webhooks, and a Telegram bot, each in its
own native formatting (Slack Block Kit mrkdwn, a Teams Adaptive Card, Telegram HTML).

Input is the JSON form the anomaly check publishes (``messages.build_message``); it holds no personal
data, and every value is escaped for the target's markup anyway. Delivery retries connection errors,
429 and 5xx with exponential backoff (honouring Retry-After), within the invocation's remaining time.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import orjson

from logwarden.errors import ConfigurationError

_SEVERITY_ICON: Final = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "🔵", "info": "⚪"}
_SEVERITY_COLOUR: Final = {"critical": "Attention", "high": "Attention", "medium": "Warning", "low": "Accent"}
_MAX_ITEMS: Final = 10  # chat messages stay readable; the rest is one click away in Dashboards
_TELEGRAM_LIMIT: Final = 4096


@dataclass(frozen=True, slots=True)
class ChatTargets:
    slack_webhook_url: str | None = None
    teams_webhook_url: str | None = None
    telegram_bot_token: str | None = None
    telegram_chat_id: str | None = None
    telegram_api_url: str = "https://api.telegram.org"

    @classmethod
    def from_secret(cls, text: str) -> ChatTargets:
        """The secret is a JSON object; any subset of the channels may be configured."""
        try:
            raw = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise ConfigurationError([f"the chat secret is not JSON: {exc}"]) from exc
        if not isinstance(raw, dict):
            raise ConfigurationError(["the chat secret must be a JSON object"])
        problems = []
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(raw) - known)
        if unknown:
            problems.append(f"unknown keys in the chat secret: {', '.join(unknown)}")
        values = {k: str(v) for k, v in raw.items() if k in known and v not in (None, "")}
        targets = cls(**values)
        if bool(targets.telegram_bot_token) != bool(targets.telegram_chat_id):
            problems.append("telegram needs both telegram_bot_token and telegram_chat_id")
        if not targets.channels():
            problems.append("the chat secret configures no channel")
        if problems:
            raise ConfigurationError(problems)
        return targets

    def channels(self) -> list[str]:
        found = []
        if self.slack_webhook_url:
            found.append("slack")
        if self.teams_webhook_url:
            found.append("teams")
        if self.telegram_bot_token and self.telegram_chat_id:
            found.append("telegram")
        return found


# ------------------------------------------------------------------------------------------ formatting


def _items(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = document.get("notifications")
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _where(item: Mapping[str, Any]) -> str:
    parts = [str(item.get("subsystem", "?"))]
    if item.get("event") not in (None, "any", "-", "*"):
        parts.append(str(item["event"]))
    if item.get("level") not in (None, "*"):
        parts.append(str(item["level"]))
    return " / ".join(p if p != "*" else "all subsystems" for p in parts)


def _headline(item: Mapping[str, Any]) -> str:
    if item.get("kind") == "recovery":
        return f"✅ RESOLVED {item.get('title', item.get('rule', ''))}: {_where(item)}"
    severity = str(item.get("severity", "info"))
    title = item.get("title", item.get("rule", ""))
    return f"{_SEVERITY_ICON.get(severity, '')} {severity.upper()} {title}: {_where(item)}"


def _facts(item: Mapping[str, Any]) -> list[str]:
    if item.get("kind") == "recovery":
        return [f"back to normal at {item.get('minute')}, open since {item.get('opened')}"]
    facts = []
    if item.get("rule") == "check_failed":
        facts.append("the check could not read OpenSearch: no anomaly can be seen until it can")
    else:
        facts.append(
            f"observed {item.get('observed', 0):.0f} in {item.get('window_minutes')} min, "
            f"expected about {float(item.get('expected', 0)):.1f}"
        )
    facts.append(f"since {item.get('opened')}")
    if item.get("runbook"):
        facts.append(f"runbook: {item['runbook']}")
    return facts


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(document: Mapping[str, Any]) -> dict[str, Any]:
    items = _items(document)
    blocks: list[dict[str, Any]] = []
    for item in items[:_MAX_ITEMS]:
        lines = [f"*{_slack_escape(_headline(item))}*"] + [_slack_escape(f) for f in _facts(item)]
        if item.get("dashboards_url"):
            lines.append(f"<{_slack_escape(str(item['dashboards_url']))}|Open in OpenSearch Dashboards>")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}})
    if len(items) > _MAX_ITEMS:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"+{len(items) - _MAX_ITEMS} more"}]})
    fallback = _headline(items[0]) if items else "logwarden alert"
    return {"text": fallback, "blocks": blocks}


def teams_payload(document: Mapping[str, Any]) -> dict[str, Any]:
    items = _items(document)
    body: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    for item in items[:_MAX_ITEMS]:
        colour = (
            "Good" if item.get("kind") == "recovery" else _SEVERITY_COLOUR.get(str(item.get("severity")), "Default")
        )
        body.append({"type": "TextBlock", "text": _headline(item), "weight": "Bolder", "color": colour, "wrap": True})
        body.append({"type": "TextBlock", "text": "\n\n".join(_facts(item)), "wrap": True, "spacing": "Small"})
        if item.get("dashboards_url") and len(actions) < 5:
            actions.append(
                {"type": "Action.OpenUrl", "title": f"Dashboards: {_where(item)}", "url": item["dashboards_url"]}
            )
    if len(items) > _MAX_ITEMS:
        body.append({"type": "TextBlock", "text": f"+{len(items) - _MAX_ITEMS} more", "isSubtle": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": actions,
    }
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }


def telegram_payload(document: Mapping[str, Any], chat_id: str) -> dict[str, Any]:
    items = _items(document)
    parts = []
    for item in items[:_MAX_ITEMS]:
        lines = [f"<b>{html.escape(_headline(item))}</b>"] + [html.escape(f) for f in _facts(item)]
        if item.get("dashboards_url"):
            lines.append(f'<a href="{html.escape(str(item["dashboards_url"]), quote=True)}">Open in Dashboards</a>')
        parts.append("\n".join(lines))
    if len(items) > _MAX_ITEMS:
        parts.append(f"+{len(items) - _MAX_ITEMS} more")
    text = "\n\n".join(parts) or "logwarden alert"
    if len(text) > _TELEGRAM_LIMIT:  # never cut inside a tag: fall back to the headlines alone
        text = "\n".join(f"<b>{html.escape(_headline(i))}</b>" for i in items)[:_TELEGRAM_LIMIT]
    return {"chat_id": chat_id, "text": text, "parse_mode": "HTML", "disable_web_page_preview": True}


def document_from_sns(message: str, subject: str | None) -> dict[str, Any]:
    """The JSON form, or a plain-text message (published by someone else) wrapped as one notification."""
    try:
        document = orjson.loads(message)
        if isinstance(document, dict) and isinstance(document.get("notifications"), list):
            return document
    except orjson.JSONDecodeError:
        pass
    item = {
        "kind": "alert",
        "severity": "info",
        "title": (subject or "message")[:100],
        "subsystem": "*",
        "level": "*",
        "rule": "external",
        "observed": 0,
        "expected": 0,
        "window_minutes": 0,
        "opened": "",
        "runbook": message[:500],
    }
    return {"notifications": [item]}


# ------------------------------------------------------------------------------------------ delivery


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    data: bytes


class HttpPoster(Protocol):
    def post(self, url: str, body: bytes, timeout_s: float) -> HttpResponse: ...


class ChatTransportError(Exception):
    """A connection-level failure (refused, reset, timeout): worth retrying."""


class Urllib3Poster:
    def __init__(self) -> None:
        import urllib3

        self._pool = urllib3.PoolManager(retries=False)

    def post(self, url: str, body: bytes, timeout_s: float) -> HttpResponse:
        import urllib3

        try:
            response = self._pool.request(
                "POST", url, body=body, headers={"Content-Type": "application/json"}, timeout=timeout_s
            )
        except urllib3.exceptions.HTTPError as exc:
            raise ChatTransportError(type(exc).__name__) from exc
        return HttpResponse(response.status, dict(response.headers), response.data)


@dataclass(slots=True)
class DeliveryReport:
    delivered: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # channel -> last error (never the URL: it is a secret)
    attempts: dict[str, int] = field(default_factory=dict)


def _retry_after(response: HttpResponse) -> float | None:
    header = response.headers.get("Retry-After") if response.headers else None
    if header:
        try:
            return float(header)
        except ValueError:
            return None
    try:  # Telegram: {"ok": false, "parameters": {"retry_after": 3}}
        value = orjson.loads(response.data).get("parameters", {}).get("retry_after")
        return float(value) if value is not None else None
    except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
        return None


class ChatNotifier:
    def __init__(
        self,
        targets: ChatTargets,
        poster: HttpPoster,
        *,
        timeout_s: float = 5.0,
        max_attempts: int = 4,
        base_delay_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._targets = targets
        self._poster = poster
        self._timeout = timeout_s
        self._attempts = max_attempts
        self._base_delay = base_delay_s
        self._sleep = sleep

    def requests(self, document: Mapping[str, Any]) -> list[tuple[str, str, bytes]]:
        """(channel, url, body) for every configured channel."""
        t = self._targets
        out = []
        if t.slack_webhook_url:
            out.append(("slack", t.slack_webhook_url, orjson.dumps(slack_payload(document))))
        if t.teams_webhook_url:
            out.append(("teams", t.teams_webhook_url, orjson.dumps(teams_payload(document))))
        if t.telegram_bot_token and t.telegram_chat_id:
            url = f"{t.telegram_api_url.rstrip('/')}/bot{t.telegram_bot_token}/sendMessage"
            out.append(("telegram", url, orjson.dumps(telegram_payload(document, t.telegram_chat_id))))
        return out

    def deliver(self, document: Mapping[str, Any], remaining_s: Callable[[], float] = lambda: 60.0) -> DeliveryReport:
        report = DeliveryReport()
        for channel, url, body in self.requests(document):
            error = self._post_with_retries(url, body, remaining_s, report, channel)
            if error is None:
                report.delivered.append(channel)
            else:
                report.failed[channel] = error
        return report

    def _post_with_retries(
        self, url: str, body: bytes, remaining_s: Callable[[], float], report: DeliveryReport, channel: str
    ) -> str | None:
        error = "not attempted"
        for attempt in range(1, self._attempts + 1):
            report.attempts[channel] = attempt
            delay: float | None = None
            try:
                response = self._poster.post(url, body, self._timeout)
            except ChatTransportError as exc:
                error = f"connection: {exc}"
            else:
                if 200 <= response.status < 300:
                    return None
                error = f"HTTP {response.status}"
                if response.status != 429 and response.status < 500:
                    return error  # a bad request or a revoked webhook: retrying cannot help
                delay = _retry_after(response)
            if attempt == self._attempts:
                break
            delay = min(delay if delay is not None else self._base_delay * 2 ** (attempt - 1), 10.0)
            if remaining_s() - delay < self._timeout + 1.0:
                break  # no time left for another attempt inside this invocation
            self._sleep(delay)
        return error
