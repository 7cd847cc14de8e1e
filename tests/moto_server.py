"""The tests' moto servers are the tooling's (logwarden_tools.local.moto_server): one copy of the start-up."""

from __future__ import annotations

from logwarden_tools.local.moto_server import moto_server

__all__ = ["moto_server"]
