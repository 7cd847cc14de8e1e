"""A real HTTP server on 127.0.0.1 standing in for Slack, Teams and Telegram: it records every request
(path and JSON body) and answers with scripted statuses, so delivery is tested over real sockets."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WebhookServer:
    def __init__(self) -> None:
        self.requests: list[tuple[str, Any]] = []
        self.statuses: dict[str, list[int]] = {}  # path prefix -> statuses to answer, in order, then 200
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                status = 200
                with server._lock:
                    server.requests.append((self.path, body))
                    for prefix, queued in server.statuses.items():
                        if self.path.startswith(prefix) and queued:
                            status = queued.pop(0)
                            break
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status < 300 else b'{"ok": false}')

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def bodies(self, prefix: str) -> list[Any]:
        return [body for path, body in self.requests if path.startswith(prefix)]

    @contextmanager
    def running(self) -> Iterator[WebhookServer]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
