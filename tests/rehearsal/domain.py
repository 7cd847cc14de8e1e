"""A stand-in for the Amazon OpenSearch domain endpoint, on 127.0.0.1 over TLS, in front of the real local engine.

Every request must carry a valid SigV4 signature for the expected access key, region and service, recomputed here
with botocore over the method, path, query, signed headers and body as received: an unsigned request, a wrong key
or a body changed after signing gets 403, as the domain would answer. Signed requests go on to the real engine
(with its own basic auth), except two APIs this machine cannot serve, which the domain has and the local engine
lacks: ISM (policies are validated against the repo's ISM schema, then kept in memory) and the Dashboards
saved-objects API under ``/_dashboards`` (kept in memory). What was accepted and refused is recorded for the tests.
"""

from __future__ import annotations

import gzip
import hmac
import json
import re
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from logwarden_tools.ism_validation import policy_problems

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<headers>[^,]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length", "authorization"}


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (the function trusts it through OPENSEARCH_CA_CERTS, as it trusts AWS's CA)."""
    cert, key = directory / "domain.crt", directory / "domain.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class DomainRecord:
    accepted: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of signed requests
    refused: list[str] = field(default_factory=list)  # why each refused request was refused
    ism_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    saved_objects: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Upstream:
    url: str
    username: str | None
    password: str | None
    ca_certs: str | None


class SigV4Domain:
    def __init__(
        self, upstream: Upstream, access_key: str, secret_key: str, region: str, certificate: tuple[Path, Path]
    ) -> None:
        self.upstream = upstream
        self.access_key, self.secret_key, self.region = access_key, secret_key, region
        self.record = DomainRecord()
        self.down = False  # while True, every connection is cut before an answer (an outage, as clients see one)
        self._session = requests.Session()
        if upstream.username:
            self._session.auth = (upstream.username, upstream.password or "")
        self._verify: bool | str = upstream.ca_certs or False  # per request: REQUESTS_CA_BUNDLE beats session.verify
        handler = type("Handler", (_Handler,), {"domain": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(certificate[0]), str(certificate[1]))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        """What ``OpenSearchDomain.DomainEndpoint`` resolves to: host and port, no scheme."""
        return f"127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> SigV4Domain:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- the checks -------------------------------------------------------------------------------------------
    def signature_problem(self, method: str, target: str, headers: dict[str, str], body: bytes) -> str | None:
        found = _AUTH.match(headers.get("authorization", ""))
        if found is None:
            return "missing or malformed SigV4 Authorization header"
        if found["key"] != self.access_key:
            return f"unknown access key {found['key']}"
        if (found["region"], found["service"]) != (self.region, "es"):
            return f"signed for {found['region']}/{found['service']}, not {self.region}/es"
        amz_date = headers.get("x-amz-date", "")
        if not amz_date.startswith(found["date"]):
            return "X-Amz-Date does not match the credential scope"
        signed = found["headers"].split(";")
        missing = [name for name in signed if name not in headers]
        if missing or "host" not in signed:
            return f"signed headers missing from the request: {missing or ['host']}"
        request = AWSRequest(
            method=method, url=f"https://{headers['host']}{target}", data=body, headers={n: headers[n] for n in signed}
        )
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(self.access_key, self.secret_key, headers.get("x-amz-security-token")), "es",
                           self.region)  # fmt: skip
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        if not hmac.compare_digest(expected, found["signature"]):
            return "signature does not match the request"
        return None

    # -- what the domain answers -------------------------------------------------------------------------------
    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str]:
        path = urlsplit(target).path
        plain = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body
        if path.startswith("/_plugins/_ism"):
            return self._ism(method, path, plain)
        if path.startswith("/_dashboards/"):
            return self._dashboards(method, path, headers, plain)
        forwarded = {k: v for k, v in headers.items() if k not in _HOP_BY_HOP and not k.startswith("x-amz-")}
        response = self._session.request(
            method, self.upstream.url + target, data=body or None, headers=forwarded, timeout=60, verify=self._verify
        )
        return response.status_code, response.content, response.headers.get("content-type", "application/json")

    def _ism(self, method: str, path: str, body: bytes) -> tuple[int, bytes, str]:
        parts = path.strip("/").split("/")  # _plugins, _ism, policies|change_policy, [id]
        with self.record.lock:
            if parts[2:3] == ["policies"] and len(parts) == 3 and method == "GET":
                policies = [{"_id": k, "policy": v} for k, v in self.record.ism_policies.items()]
                return _json(200, {"policies": policies, "total_policies": len(policies)})
            if parts[2:3] == ["policies"] and len(parts) == 4:
                policy_id = parts[3]
                if method == "GET":
                    found = self.record.ism_policies.get(policy_id)
                    if found is None:
                        return _json(404, {"error": {"type": "status_exception", "reason": "Policy not found"}})
                    return _json(200, {"_id": policy_id, "_seq_no": 0, "_primary_term": 1, "policy": found})
                if method == "PUT":
                    document = json.loads(body)
                    problems = policy_problems(document)
                    if problems:
                        return _json(400, {"error": {"type": "illegal_argument_exception", "reason": problems}})
                    self.record.ism_policies[policy_id] = document["policy"]
                    return _json(201, {"_id": policy_id, "_seq_no": 0, "_primary_term": 1})
                if method == "DELETE":
                    gone = self.record.ism_policies.pop(policy_id, None)
                    return _json(200 if gone else 404, {"result": "deleted" if gone else "not_found"})
            if parts[2:3] == ["change_policy"] and method == "POST":
                return _json(200, {"updated_indices": 0, "failures": False, "failed_indices": []})
        return _json(400, {"error": f"no handler found for {method} {path}"})

    def _dashboards(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str]:
        if headers.get("osd-xsrf") != "true":
            return _json(400, {"message": "Request must contain a osd-xsrf header."})
        api = path.removeprefix("/_dashboards")
        with self.record.lock:
            if api == "/api/saved_objects/_bulk_get" and method == "POST":
                wanted = json.loads(body)
                found = [
                    self.record.saved_objects.get((w["type"], w["id"]))
                    or {"type": w["type"], "id": w["id"], "error": {"statusCode": 404}}
                    for w in wanted
                ]
                return _json(200, {"saved_objects": found})
            if api == "/api/saved_objects/_import" and method == "POST":
                imported = 0
                for line in _multipart_file(headers, body).splitlines():
                    if line.strip():
                        obj = json.loads(line)
                        self.record.saved_objects[(obj["type"], obj["id"])] = obj
                        imported += 1
                return _json(200, {"success": True, "successCount": imported})
            if api.startswith("/api/saved_objects/") and method == "DELETE":
                _, _, _, kind, object_id = api.split("/", 4)
                gone = self.record.saved_objects.pop((kind, object_id), None)
                return _json(200 if gone else 404, {})
        return _json(404, {"message": f"not found: {method} {api}"})


def _json(status: int, body: Any) -> tuple[int, bytes, str]:
    return status, json.dumps(body).encode(), "application/json"


def _multipart_file(headers: dict[str, str], body: bytes) -> str:
    """The one file of a multipart/form-data body (the saved-objects import)."""
    boundary = headers.get("content-type", "").split("boundary=", 1)[-1].encode()
    for part in body.split(b"--" + boundary):
        head, _, content = part.partition(b"\r\n\r\n")
        if b"filename=" in head:
            return content.rstrip(b"\r\n").decode()
    return ""


class _Handler(BaseHTTPRequestHandler):
    domain: SigV4Domain
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        if self.domain.down:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        problem = self.domain.signature_problem(self.command, self.path, headers, body)
        if problem is not None:
            with self.domain.record.lock:
                self.domain.record.refused.append(f"{self.command} {self.path}: {problem}")
            status, payload, kind = _json(403, {"message": problem})
        else:
            with self.domain.record.lock:
                self.domain.record.accepted.append((self.command, urlsplit(self.path).path))
            status, payload, kind = self.domain.answer(self.command, self.path, headers, body)
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve
