"""CloudFormation custom-resource protocol: always answer, success or failure with a reason, never hang.

CloudFormation waits up to an hour for an answer that a crashed or timed-out function never sends, so the work
runs in a thread with a deadline short of the Lambda's own, every error becomes a FAILED answer naming it, and
the answer itself is retried a few times.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from logwarden.bootstrap.apply import BootstrapResult
from logwarden.bootstrap.params import BootstrapParams
from logwarden.errors import ConfigurationError

logger = logging.getLogger(__name__)

SAFETY_MARGIN_MS = 15_000  # time kept back to send the answer before Lambda stops the function
_REASON_LIMIT = 3_000  # CloudFormation refuses response bodies over 4 KiB
Work = Callable[[str, BootstrapParams], BootstrapResult]


class CustomResourceEvent(Protocol):
    """The parts of powertools' ``CloudFormationCustomResourceEvent`` we use."""

    @property
    def request_type(self) -> str: ...
    @property
    def response_url(self) -> str: ...
    @property
    def stack_id(self) -> str: ...
    @property
    def request_id(self) -> str: ...
    @property
    def logical_resource_id(self) -> str: ...
    @property
    def physical_resource_id(self) -> str: ...
    @property
    def resource_properties(self) -> Mapping[str, Any] | None: ...


def send_response(url: str, body: dict[str, Any], attempts: int = 3, timeout: float = 10.0) -> bool:
    """PUT the answer to the pre-signed S3 URL (empty content type, as the URL was signed without one)."""
    data = json.dumps(body).encode()
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(  # noqa: S310 - the URL is CloudFormation's pre-signed https URL
            url, data=data, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(data))}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                if 200 <= response.status < 300:
                    return True
        except OSError as error:
            logger.warning("answering CloudFormation failed (attempt %d): %s", attempt, error)
        time.sleep(min(2**attempt, 5) if attempt < attempts else 0)
    return False


def _physical_id(event: CustomResourceEvent, params: BootstrapParams | None) -> str:
    """The deployment's name; a new one on Update (prefix or name changed) makes CloudFormation delete the old."""
    if event.request_type == "Delete" or (params is None and event.physical_resource_id):
        return event.physical_resource_id
    if params is None:
        return f"logwarden-bootstrap-failed-{event.request_id}"
    return f"{params.name}-{params.prefix}"


def answer_cloudformation(
    event: CustomResourceEvent,
    remaining_ms: Callable[[], int],
    work: Work,
    allow_no_ism: bool = False,
    margin_ms: int = SAFETY_MARGIN_MS,
    send: Callable[[str, dict[str, Any]], bool] = send_response,
) -> dict[str, Any]:
    """Run ``work`` for the event and answer CloudFormation; returns the answer that was sent."""
    params: BootstrapParams | None = None
    status, reason, data = "FAILED", "", {}
    try:
        properties = dict(event.resource_properties or {})
        params = BootstrapParams.from_properties(properties)
        result = _run_with_deadline(work, event.request_type, params, remaining_ms() - margin_ms)
        data = {"Applied": str(len(result.applied)), "IsmAvailable": str(result.ism_available).lower()}
        if result.ok(allow_no_ism):
            status, reason = "SUCCESS", result.summary()
        else:
            reason = result.summary() + "\nFAILED: set LOGWARDEN_ALLOW_NO_ISM=true to accept a cluster without ISM"
    except ConfigurationError as error:
        reason = str(error)
    except Exception as error:  # every failure must reach CloudFormation as a reason
        reason = f"{type(error).__name__}: {error}"
    body = {
        "Status": status,
        "Reason": reason[-_REASON_LIMIT:] if len(reason) > _REASON_LIMIT else reason,
        "PhysicalResourceId": _physical_id(event, params),
        "StackId": event.stack_id,
        "RequestId": event.request_id,
        "LogicalResourceId": event.logical_resource_id,
        "NoEcho": False,
        "Data": data,
    }
    if not send(event.response_url, body):
        logger.error("could not answer CloudFormation at all; the stack will time out")
    return body


def _run_with_deadline(work: Work, request_type: str, params: BootstrapParams, budget_ms: int) -> BootstrapResult:
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = work(request_type, params)
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error

    # Daemon: if the cluster never answers, the function still returns and CloudFormation hears about it.
    thread = threading.Thread(target=target, name="bootstrap", daemon=True)
    thread.start()
    thread.join(max(budget_ms, 0) / 1000)
    if thread.is_alive():
        raise TimeoutError(f"bootstrap did not finish within {max(budget_ms, 0) // 1000}s; nothing further applied")
    if "error" in outcome:
        raise outcome["error"]
    result: BootstrapResult = outcome["result"]
    return result
