"""The Dashboards adapter over HTTP: what it sends, checked against a real TLS server on 127.0.0.1."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from logwarden.bootstrap.admin import DashboardsHttpAdmin
from tests.rehearsal.domain import self_signed_certificate

pytestmark = pytest.mark.integration


@pytest.fixture
def dashboards(tmp_path: Path) -> Iterator[tuple[str, Path, list[dict[str, Any]]]]:
    cert, key = self_signed_certificate(tmp_path)
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.append({"path": self.path, "xsrf": self.headers.get("osd-xsrf"), "body": json.loads(body)})
            payload = b'{"saved_objects": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}/_dashboards", cert, seen
    server.shutdown()
    server.server_close()


def test_the_given_ca_is_trusted_even_when_the_environment_names_another_bundle(
    dashboards: tuple[str, Path, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a machine whose environment points requests at the system bundle (which lacks our CA)
    url, cert, seen = dashboards
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    admin = DashboardsHttpAdmin(url, auth=None, verify=str(cert), timeout=10)
    # WHEN saved objects are read
    found = admin.get_saved_objects([("index-pattern", "logs")])
    # THEN the request went through over TLS verified against the given CA, with the XSRF header
    assert found == {}
    assert seen == [{"path": "/_dashboards/api/saved_objects/_bulk_get", "xsrf": "true",
                     "body": [{"type": "index-pattern", "id": "logs"}]}]  # fmt: skip
