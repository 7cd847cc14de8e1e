"""A local HTTP server standing in for Slack, Teams and Telegram: it receives the real webhook requests
the chat function sends, so the demo shows exactly what would reach a chat."""

from __future__ import annotations

import json
from typing import Any

from logwarden_tools.local.loopback import LoopbackServer


class ChatSink(LoopbackServer):
    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        super().__init__(self._answer)

    def _answer(self, path: str, body: bytes) -> tuple[int, str, bytes]:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = {"raw": body.decode(errors="replace")}
        self.received.append((path, payload))
        return 200, "application/json", b'{"ok": true}'
