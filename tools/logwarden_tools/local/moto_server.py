"""A moto server in a process of its own, on a free loopback port: AWS for code that builds its own clients.

Its own process gives it its own state (like a separate AWS account: nothing shared with an in-process mock or
another server) and its own interpreter (the caller's work does not hold it up). Clients reach it through
botocore's endpoint variables (``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_<SERVICE>``); it accepts any credentials.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager


class MotoServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def moto_server(region: str = "eu-central-1", timeout_s: float = 60.0) -> Iterator[str]:
    """Start it, wait until it answers, yield its URL, stop it."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    port = free_port()
    # It logs every request to stderr: a file, not a pipe nobody reads, which would fill and stop it.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    server = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    any_key = "probe"  # it takes any keys
    probe = boto3.client(
        "sns", endpoint_url=url, region_name=region, aws_access_key_id=any_key, aws_secret_access_key=any_key
    )
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                probe.list_topics()
                break
            except (BotoCoreError, ClientError):
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    err = log.read()[-500:].decode(errors="replace")
                    raise MotoServerError(f"moto server did not start on port {port}: {err}") from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
