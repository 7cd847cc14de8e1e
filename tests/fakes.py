"""Recording fakes for ports (never for the thing under test)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson


class FakeBulkTransport:
    """Stands in for ``OpenSearch.bulk``: keeps created documents by (index, id), answers 409 for a
    second create, and lets a test script failures per request or per document."""

    def __init__(self) -> None:
        self.documents: dict[tuple[str, str], dict[str, Any]] = {}
        self.requests: list[int] = []
        self.request_failures: list[Exception] = []  # raised by the next requests, in order
        self.item_status: Callable[[str, str, int], tuple[int, str] | None] = lambda index, doc_id, attempt: None
        self._attempts: dict[str, int] = {}

    def bulk(self, body: Any, index: Any = None, params: Any = None, headers: Any = None) -> Any:
        lines = body.splitlines()
        self.requests.append(len(lines) // 2)
        if self.request_failures:
            raise self.request_failures.pop(0)
        items = []
        for header_line, source_line in zip(lines[::2], lines[1::2], strict=True):
            header = orjson.loads(header_line)["create"]
            key = (header["_index"], header["_id"])
            attempt = self._attempts[header["_id"]] = self._attempts.get(header["_id"], 0) + 1
            scripted = self.item_status(key[0], key[1], attempt)
            if scripted is not None:
                status, error_type = scripted
                items.append({"create": {"status": status, "error": {"type": error_type, "reason": "scripted"}}})
            elif key in self.documents:
                items.append({"create": {"status": 409, "error": {"type": "version_conflict_engine_exception"}}})
            else:
                self.documents[key] = orjson.loads(source_line)
                items.append({"create": {"status": 201, "result": "created"}})
        return {"took": 1, "errors": any(i["create"]["status"] >= 300 for i in items), "items": items}
