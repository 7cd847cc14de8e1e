"""A moto server in a process of its own (its own state, like a separate AWS account), on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import pytest
from botocore.exceptions import BotoCoreError, ClientError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def moto_server(region: str = "eu-central-1", timeout_s: float = 60.0) -> Iterator[str]:
    """Start it, wait until it answers, yield its URL, stop it."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    probe = boto3.client("sns", endpoint_url=url, region_name=region, aws_access_key_id="x", aws_secret_access_key="x")
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                probe.list_topics()
                break
            except (BotoCoreError, ClientError):
                if server.poll() is not None or time.monotonic() > deadline:
                    _, err = server.communicate(timeout=5) if server.poll() is not None else (b"", b"")
                    pytest.fail(f"moto server did not start: {err.decode(errors='replace')[-500:]}")
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
