"""Alert messages to chat: Slack and Microsoft Teams incoming webhooks, and a Telegram bot, each in its
own native formatting (Slack Block Kit mrkdwn, a Teams Adaptive Card, Telegram HTML).

Input is the JSON form the anomaly check publishes (``messages.build_message``), or any message someone else
publishes to the topic. Nothing in it is trusted: every value that comes from the data or the configuration
(environment, topic, subsystem, title, runbook, the text of a foreign message) is escaped for the target's markup
(Slack: ``&<>``; Teams: markdown; Telegram: HTML), links are kept only when they are https, and an alert that cannot
be formatted is sent as plain text instead (never a crash, never nothing). Telegram messages over 4096 characters
are split between lines, or between words of one long line, never inside a tag or an entity.

Webhook URLs are checked when the secret is read: https, on the service's own hosts (``hooks.slack.com``;
``*.webhook.office.com`` or ``outlook.office.com``; ``api.telegram.org``). ``allow_local_urls`` also accepts
``http://127.0.0.1:<port>`` for the demo and the tests (``LOGWARDEN_CHAT_ALLOW_LOCAL_URLS``).

Every message carries an id made of its environment (stage) and a digest of its content, so two stages posting
the same alert to one channel never share one.

Delivery retries connection errors, 429 and 5xx with exponential backoff (honouring Retry-After), within the
invocation's remaining time.
"""

from __future__ import annotations

import hashlib
import html
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import orjson

from logwarden.errors import ConfigurationError
from logwarden.urls import https_parts

_SEVERITY_ICON: Final = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "🔵", "info": "⚪"}
_SEVERITY_COLOUR: Final = {"critical": "Attention", "high": "Attention", "medium": "Warning", "low": "Accent"}
_MAX_ITEMS: Final = 10  # chat messages stay readable; the rest is one click away in Dashboards
_TELEGRAM_LIMIT: Final = 4096  # characters of one message (counted in UTF-16 units, as Telegram does)
_TELEGRAM_MAX_MESSAGES: Final = 5
_FIELD_LIMIT: Final = 500  # any one value from the alert, in characters
_SLACK_HOSTS: Final = ("hooks.slack.com",)
_TEAMS_HOSTS: Final = ("outlook.office.com",)
_TEAMS_HOST_SUFFIX: Final = ".webhook.office.com"
_TELEGRAM_HOSTS: Final = ("api.telegram.org",)
_HOST_LABEL: Final = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_TELEGRAM_TOKEN: Final = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{1,100}$")
_TELEGRAM_CHAT: Final = re.compile(r"^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,64})$")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def webhook_url_problem(
    url: str, hosts: tuple[str, ...], suffix: str | None = None, allow_local: bool = False
) -> str | None:
    """Why ``url`` is not a webhook of the service (never the URL itself in the answer: it is a secret)."""
    parts, problem = https_parts(url, allow_local)
    if parts is None or problem is not None:
        return problem
    host = (parts.hostname or "").lower()
    if allow_local and parts.scheme == "http":
        return None
    if host in hosts:
        return None
    if suffix is not None and host.endswith(suffix):
        label = host[: -len(suffix)]
        if _HOST_LABEL.match(label):
            return None
    return f"host {host!r} is not one of {', '.join(hosts + ((f'*{suffix}',) if suffix else ()))}"


@dataclass(frozen=True, slots=True)
class ChatTargets:
    slack_webhook_url: str | None = None
    teams_webhook_url: str | None = None
    telegram_bot_token: str | None = None
    telegram_chat_id: str | None = None
    telegram_api_url: str = "https://api.telegram.org"

    @classmethod
    def from_secret(cls, text: str, *, allow_local_urls: bool = False) -> ChatTargets:
        """The secret is a JSON object; any subset of the channels may be configured. ``allow_local_urls``
        (``ChatNotifyConfig``, from ``LOGWARDEN_CHAT_ALLOW_LOCAL_URLS``) also accepts http://127.0.0.1 webhooks."""
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
        values = {k: str(v).strip() for k, v in raw.items() if k in known and v not in (None, "")}
        targets = cls(**values)
        if bool(targets.telegram_bot_token) != bool(targets.telegram_chat_id):
            problems.append("telegram needs both telegram_bot_token and telegram_chat_id")
        problems += targets._url_problems(allow_local_urls)
        if not targets.channels():
            problems.append("the chat secret configures no channel")
        if problems:
            raise ConfigurationError(problems)
        return targets

    def _url_problems(self, allow_local: bool) -> list[str]:
        found = []
        checks = (
            ("slack_webhook_url", self.slack_webhook_url, _SLACK_HOSTS, None),
            ("teams_webhook_url", self.teams_webhook_url, _TEAMS_HOSTS, _TEAMS_HOST_SUFFIX),
        )
        for name, url, hosts, suffix in checks:
            if url:
                problem = webhook_url_problem(url, hosts, suffix, allow_local)
                if problem is not None:
                    found.append(f"{name}: {problem}")
        if self.telegram_bot_token:
            problem = webhook_url_problem(self.telegram_api_url, _TELEGRAM_HOSTS, None, allow_local)
            if problem is not None:
                found.append(f"telegram_api_url: {problem}")
            elif urllib.parse.urlsplit(self.telegram_api_url).query or "#" in self.telegram_api_url:
                found.append("telegram_api_url: no query or fragment")
            if not _TELEGRAM_TOKEN.match(self.telegram_bot_token):
                found.append("telegram_bot_token: not a bot token (<digits>:<letters, digits, _ and ->)")
        if self.telegram_chat_id and not _TELEGRAM_CHAT.match(self.telegram_chat_id):
            found.append("telegram_chat_id: a number or @channelname")
        return found

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
# Everything is first rendered as plain text pieces (taken from the alert, one line each, control characters
# removed); each channel then escapes the pieces for its markup. Only the pieces' own wrapping is markup.


def _plain(value: Any, limit: int = _FIELD_LIMIT) -> str:
    """A value from the alert as one line of plain text."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return _CONTROL.sub(" ", text[:limit]).strip()


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {type(value).__name__}")
    return float(value)


def _https(value: Any) -> str | None:
    """A link from the alert, when it is an https URL (nothing else is ever linked)."""
    if not isinstance(value, str) or len(value) > 4000 or _CONTROL.search(value) or " " in value:
        return None
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme == "https" and parts.hostname else None


def _items(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = document.get("notifications")
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _where(item: Mapping[str, Any]) -> str:
    parts = [_plain(item.get("subsystem", "?"), 64)]
    if item.get("event") not in (None, "any", "-", "*"):
        parts.append(_plain(item["event"], 64))
    if item.get("level") not in (None, "*"):
        parts.append(_plain(item["level"], 64))
    return " / ".join(p if p != "*" else "all subsystems" for p in parts)


def _headline(item: Mapping[str, Any]) -> str:
    title = _plain(item.get("title", item.get("rule", "")), 120)
    if item.get("kind") == "recovery":
        return f"✅ RESOLVED {title}: {_where(item)}"
    severity = _plain(item.get("severity", "info"), 20)
    return f"{_SEVERITY_ICON.get(severity, '')} {severity.upper()} {title}: {_where(item)}".strip()


def _facts(item: Mapping[str, Any]) -> list[str]:
    if item.get("kind") == "recovery":
        return [f"back to normal at {_plain(item.get('minute'), 40)}, open since {_plain(item.get('opened'), 40)}"]
    facts = []
    if item.get("rule") == "check_failed":
        facts.append("the check could not read OpenSearch: no anomaly can be seen until it can")
    else:
        facts.append(
            f"observed {_number(item.get('observed', 0)):.0f} in {_plain(item.get('window_minutes'), 10)} min, "
            f"expected about {_number(item.get('expected', 0)):.1f}"
        )
    facts.append(f"since {_plain(item.get('opened'), 40)}")
    if item.get("runbook"):
        facts.append(f"runbook: {_plain(item['runbook'])}")
    return facts


def _context_line(document: Mapping[str, Any]) -> str:
    parts = ["logwarden"]
    environment = _plain(document.get("environment"), 64)
    if environment:
        parts.append(environment)
    topic = _plain(document.get("topic"), 256)
    if topic:
        parts.append(f"topic {topic}")
    return " · ".join(parts)


def message_id(document: Mapping[str, Any]) -> str:
    """``logwarden-<environment>-<digest>``: the same alert of two stages gets two ids."""
    environment = re.sub(r"[^a-z0-9-]+", "-", _plain(document.get("environment"), 64).lower()).strip("-") or "unset"
    try:
        content = orjson.dumps(document, option=orjson.OPT_SORT_KEYS, default=str)
    except TypeError:
        content = repr(document).encode("utf-8", "replace")
    digest = hashlib.blake2b(environment.encode() + b"\x1f" + content, digest_size=8).hexdigest()
    return f"logwarden-{environment}-{digest}"


def plain_lines(document: Mapping[str, Any]) -> list[str]:
    """The alert as plain lines, readable whatever it holds: the fallback when it cannot be formatted."""
    lines = [_context_line(document)]
    try:
        for item in _items(document)[:_MAX_ITEMS]:
            lines.append(" ".join(_plain(item.get(key), 120) for key in ("severity", "title", "rule") if item.get(key)))
            lines.append(f"  {_where(item)}")
    except Exception:  # a fallback must not fail: say so instead
        lines.append("an alert arrived that could not be read; see the e-mail or Dashboards")
    if len(lines) == 1:
        lines.append("an alert arrived that could not be read; see the e-mail or Dashboards")
    return lines


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(url: str) -> str:
    # Inside <url|text> a '|' or '>' would end the URL: percent-encode them (and '<') instead.
    return url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")


def slack_payload(document: Mapping[str, Any]) -> dict[str, Any]:
    """Block Kit mrkdwn; a plain-text message when the alert cannot be formatted."""
    mid = message_id(document)
    try:
        return _slack_blocks(document, mid)
    except Exception:
        text = _slack_escape("\n".join(plain_lines(document)))[:2900]
        return {
            "text": text,
            "blocks": [{"type": "section", "block_id": f"{mid}-0", "text": {"type": "mrkdwn", "text": text}}],
        }


def _slack_blocks(document: Mapping[str, Any], mid: str) -> dict[str, Any]:
    items = _items(document)
    blocks: list[dict[str, Any]] = [
        {
            "type": "context",
            "block_id": f"{mid}-c",
            "elements": [{"type": "mrkdwn", "text": _slack_escape(_context_line(document))}],
        }
    ]
    for number, item in enumerate(items[:_MAX_ITEMS]):
        lines = [f"*{_slack_escape(_headline(item))}*"] + [_slack_escape(f) for f in _facts(item)]
        link = _https(item.get("dashboards_url"))
        if link:
            lines.append(f"<{_slack_link(link)}|Open in OpenSearch Dashboards>")
        blocks.append(
            {
                "type": "section",
                "block_id": f"{mid}-{number}",
                "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]},
            }
        )
    if len(items) > _MAX_ITEMS:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"+{len(items) - _MAX_ITEMS} more"}]})
    if not items:
        raise ValueError("no notifications")
    return {"text": _slack_escape(_headline(items[0])), "blocks": blocks}


_TEAMS_SPECIAL: Final = re.compile(r"([\\`*_\[\]()~<>#|!{}])")
_TEAMS_LIST_START: Final = re.compile(r"^(\s*)([-+]|[0-9]+\.)(\s)", re.MULTILINE)


def teams_escape(text: str) -> str:
    """Text that Teams' markdown shows as it is: no emphasis, link, code, heading or list can be formed."""
    escaped = _TEAMS_SPECIAL.sub(r"\\\1", text)
    return _TEAMS_LIST_START.sub(lambda m: f"{m[1]}{m[2][:-1]}\\{m[2][-1]}{m[3]}", escaped)


def teams_payload(document: Mapping[str, Any]) -> dict[str, Any]:
    """An Adaptive Card; a one-block card of plain text when the alert cannot be formatted."""
    mid = message_id(document)
    try:
        body, actions = _teams_body(document)
    except Exception:
        body = [{"type": "TextBlock", "text": teams_escape("\n\n".join(plain_lines(document))), "wrap": True}]
        actions = []
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "id": mid,
        "body": body,
        "actions": actions,
    }
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }


def _teams_body(document: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    items = _items(document)
    if not items:
        raise ValueError("no notifications")
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": teams_escape(_context_line(document)), "isSubtle": True, "wrap": True}
    ]
    actions: list[dict[str, Any]] = []
    for item in items[:_MAX_ITEMS]:
        colour = (
            "Good" if item.get("kind") == "recovery" else _SEVERITY_COLOUR.get(str(item.get("severity")), "Default")
        )
        body.append(
            {
                "type": "TextBlock",
                "text": teams_escape(_headline(item)),
                "weight": "Bolder",
                "color": colour,
                "wrap": True,
            }
        )
        body.append(
            {
                "type": "TextBlock",
                "text": "\n\n".join(teams_escape(f) for f in _facts(item)),
                "wrap": True,
                "spacing": "Small",
            }
        )
        link = _https(item.get("dashboards_url"))
        if link and len(actions) < 5:
            # An action title is plain text, not markdown.
            actions.append({"type": "Action.OpenUrl", "title": f"Dashboards: {_where(item)}"[:100], "url": link})
    if len(items) > _MAX_ITEMS:
        body.append({"type": "TextBlock", "text": f"+{len(items) - _MAX_ITEMS} more", "isSubtle": True})
    return body, actions


@dataclass(frozen=True, slots=True)
class TelegramLine:
    """One line of a Telegram message: plain text and the tag around it (empty for plain)."""

    text: str
    open_tag: str = ""
    close_tag: str = ""

    def render(self, escape: bool) -> str:
        return self.open_tag + (html.escape(self.text, quote=False) if escape else self.text) + self.close_tag


def telegram_payloads(document: Mapping[str, Any], chat_id: str) -> list[dict[str, Any]]:
    """One or more ``sendMessage`` bodies in HTML parse mode, each within Telegram's limit, split between lines
    (or between the words of one long line, each part in its own tags); plain text when the alert cannot be
    formatted."""
    try:
        lines, html_mode = _telegram_lines(document), True
    except Exception:
        lines, html_mode = [TelegramLine(line) for line in plain_lines(document)], False
    texts = split_message(lines, _TELEGRAM_LIMIT, escape=html_mode)
    payloads = []
    for text in texts:
        payload: dict[str, Any] = {"chat_id": chat_id, "text": text, "disable_web_page_preview": True}
        if html_mode:
            payload["parse_mode"] = "HTML"
        payloads.append(payload)
    return payloads


def _telegram_lines(document: Mapping[str, Any]) -> list[TelegramLine]:
    items = _items(document)
    if not items:
        raise ValueError("no notifications")
    lines = [TelegramLine(_context_line(document), "<i>", "</i>"), TelegramLine("")]
    for item in items[:_MAX_ITEMS]:
        lines.append(TelegramLine(_headline(item), "<b>", "</b>"))
        lines += [TelegramLine(fact) for fact in _facts(item)]
        link = _https(item.get("dashboards_url"))
        if link:
            lines.append(TelegramLine("Open in Dashboards", f'<a href="{html.escape(link, quote=True)}">', "</a>"))
        lines.append(TelegramLine(""))
    if len(items) > _MAX_ITEMS:
        lines.append(TelegramLine(f"+{len(items) - _MAX_ITEMS} more"))
    return lines


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_message(
    lines: list[TelegramLine], limit: int, *, escape: bool, max_messages: int = _TELEGRAM_MAX_MESSAGES
) -> list[str]:
    """Pack rendered lines into messages of at most ``limit`` units; a line too long for one message is cut
    into parts of its plain text (at spaces where it can), each wrapped in the line's own tags."""
    pieces: list[str] = []
    for line in lines:
        rendered = line.render(escape)
        if _units(rendered) <= limit:
            pieces.append(rendered)
            continue
        pieces += [
            TelegramLine(part, line.open_tag, line.close_tag).render(escape) for part in _cut(line, limit, escape)
        ]
    messages: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n{piece}" if current else piece
        if current and _units(candidate) > limit:
            messages.append(current.strip("\n"))
            current = piece
        else:
            current = candidate
    if current.strip("\n"):
        messages.append(current.strip("\n"))
    if len(messages) > max_messages:
        dropped = len(messages) - max_messages + 1
        note = f"… {dropped} more message(s) not sent; see the e-mail or Dashboards"
        messages = [*messages[: max_messages - 1], note]
    return messages or ["logwarden alert"]


def _cut(line: TelegramLine, limit: int, escape: bool) -> list[str]:
    budget = limit - _units(line.open_tag) - _units(line.close_tag)
    parts: list[str] = []
    rest = line.text
    while rest:
        # The longest prefix whose rendered form fits, shortened to the last space when there is one.
        low, high = 1, len(rest)
        while low < high:
            middle = (low + high + 1) // 2
            size = _units(html.escape(rest[:middle], quote=False) if escape else rest[:middle])
            low, high = (middle, high) if size <= budget else (low, middle - 1)
        cut = low
        space = rest.rfind(" ", 0, cut)
        if cut < len(rest) and space > cut // 2:
            cut = space + 1
        parts.append(rest[:cut])
        rest = rest[cut:]
    return parts


def document_from_sns(message: str, subject: str | None, topic_arn: str | None = None) -> dict[str, Any]:
    """The JSON form, or a plain-text message (published by someone else) wrapped as one notification. With
    ``topic_arn``, the topic's name is shown with the message."""
    document: dict[str, Any] | None = None
    try:
        decoded = orjson.loads(message)
        if isinstance(decoded, dict) and isinstance(decoded.get("notifications"), list):
            document = decoded
    except orjson.JSONDecodeError:
        pass
    if document is None:
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
        document = {"notifications": [item]}
    if topic_arn:
        document = {**document, "topic": topic_arn.rsplit(":", 1)[-1]}
    return document


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
    message_id: str = ""


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
        """(channel, url, body) for every configured channel, in order; a long Telegram alert is several bodies."""
        t = self._targets
        out = []
        if t.slack_webhook_url:
            out.append(("slack", t.slack_webhook_url, orjson.dumps(slack_payload(document))))
        if t.teams_webhook_url:
            out.append(("teams", t.teams_webhook_url, orjson.dumps(teams_payload(document))))
        if t.telegram_bot_token and t.telegram_chat_id:
            url = f"{t.telegram_api_url.rstrip('/')}/bot{t.telegram_bot_token}/sendMessage"
            for payload in telegram_payloads(document, t.telegram_chat_id):
                out.append(("telegram", url, orjson.dumps(payload)))
        return out

    def deliver(self, document: Mapping[str, Any], remaining_s: Callable[[], float] = lambda: 60.0) -> DeliveryReport:
        """Post to every channel; a channel is delivered when all its bodies were, and stops at its first failure
        (the rest of a split message would make no sense alone)."""
        report = DeliveryReport(message_id=message_id(document))
        for channel, url, body in self.requests(document):
            if channel in report.failed:
                continue
            error = self._post_with_retries(url, body, remaining_s, report, channel)
            if error is not None:
                report.failed[channel] = error
                if channel in report.delivered:
                    report.delivered.remove(channel)
            elif channel not in report.delivered:
                report.delivered.append(channel)
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
