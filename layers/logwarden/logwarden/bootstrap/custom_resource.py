"""CloudFormation custom-resource protocol: always answer, success or failure with a reason, never hang.

CloudFormation waits up to an hour for an answer that a crashed or timed-out function never sends, so the work
runs in a thread with a deadline short of the Lambda's own, every error becomes a FAILED answer naming it, and
the answer itself is retried a few times.

Only CloudFormation's requests for this function's own stack are acted on: the request type must be Create,
Update or Delete, the StackId this stack's (``RequestChecks.stack_id``), and the ResponseURL a pre-signed https URL
of CloudFormation's response buckets (``cloudformation-custom-resource-response-<region>``). A request with any
other ResponseURL gets no work and no answer (the URL is not CloudFormation's, so nothing is sent to it); one of
another type or stack gets a FAILED answer and no work.

The PhysicalResourceId is set on Create and kept on every Update, so CloudFormation never deletes the resource
because a property changed: after a change of ``prefix`` the old prefix's data streams (and templates, policies,
roles) stay where they are, whatever ``on_delete`` says; a later Delete acts on the current prefix only. A Create
that failed gets an id of its own, and its rollback Delete touches nothing.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from logwarden.bootstrap.apply import BootstrapResult, retained
from logwarden.bootstrap.params import BootstrapParams
from logwarden.errors import ConfigurationError
from logwarden.urls import https_parts

logger = logging.getLogger(__name__)

SAFETY_MARGIN_MS = 15_000  # time kept back to send the answer before Lambda stops the function
_REASON_LIMIT = 3_000  # CloudFormation refuses response bodies over 4 KiB
Work = Callable[[str, BootstrapParams], BootstrapResult]
REQUEST_TYPES: Final = ("Create", "Update", "Delete")
FAILED_CREATE_PREFIX: Final = "logwarden-bootstrap-failed-"
# CloudFormation's response buckets, virtual-hosted (``<bucket>.s3[.<region>].amazonaws.com[.cn]``) or path-style.
_S3_HOST: Final = r"s3(?:[.-][a-z0-9-]+)?(?:\.dualstack\.[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?"
_RESPONSE_BUCKET: Final = r"cloudformation-custom-resource-response-[a-z0-9-]+"
_VIRTUAL_HOST: Final = re.compile(rf"^{_RESPONSE_BUCKET}\.{_S3_HOST}$")
_PATH_HOST: Final = re.compile(rf"^{_S3_HOST}$")
_PATH_BUCKET: Final = re.compile(rf"^/{_RESPONSE_BUCKET}/")
_SIGNATURE_PARAMETERS: Final = ("X-Amz-Signature", "Signature")


@dataclass(frozen=True, slots=True)
class RequestChecks:
    """What a request must match to be acted on.

    ``stack_id``: this function's stack, as an ARN or a name (``LOGWARDEN_STACK_ID``, from ``!Ref AWS::StackId``);
    when unset every stack is accepted and each request says so in the log. ``allow_local_response_url``: also
    accept ``http://127.0.0.1:<port>/`` answers, for local runs and tests only
    (``LOGWARDEN_BOOTSTRAP_ALLOW_LOCAL_RESPONSE_URL``). Both come from ``BootstrapConfig``.
    """

    stack_id: str | None = None
    allow_local_response_url: bool = False


def response_url_problem(url: Any, allow_local: bool = False) -> str | None:
    """Why ``url`` is not where CloudFormation wants the answer; None when it is."""
    if not isinstance(url, str) or not url:
        return "no ResponseURL"
    parts, problem = https_parts(url, allow_local)
    if parts is None or problem is not None:
        return f"ResponseURL {problem}"
    host = (parts.hostname or "").lower()
    if allow_local and parts.scheme == "http":
        return None
    if not (_VIRTUAL_HOST.match(host) or (_PATH_HOST.match(host) and _PATH_BUCKET.match(parts.path))):
        return f"ResponseURL is not a CloudFormation response bucket (host {host!r})"
    query = urllib.parse.parse_qs(parts.query)
    if not any(name in query for name in _SIGNATURE_PARAMETERS):
        return "ResponseURL is not pre-signed"
    return None


def request_problem(event: CustomResourceEvent, checks: RequestChecks) -> str | None:
    """Why this request is not one to act on (it is answered FAILED); None when it is."""
    request_type = _text(event, "request_type")
    if request_type not in REQUEST_TYPES:
        return f"RequestType {request_type[:40]!r} is not one of {', '.join(REQUEST_TYPES)}"
    stack_id = _text(event, "stack_id")
    if checks.stack_id is None:
        logger.warning("LOGWARDEN_STACK_ID is not set: accepting a request for stack %s", stack_id[:200])
        return None
    expected = checks.stack_id
    matches = stack_id == expected if expected.startswith("arn:") else _stack_name(stack_id) == expected
    if not matches:
        return f"request is for stack {stack_id[:200]!r}, not this function's stack {expected!r}"
    return None


def _stack_name(stack_id: str) -> str:
    """``arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`` -> ``<name>``."""
    _, _, resource = stack_id.partition(":stack/")
    return resource.split("/", 1)[0]


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


def _physical_id(event: CustomResourceEvent, params: BootstrapParams | None, succeeded: bool) -> str:
    """Set on Create, the same ever after: a new id on Update would make CloudFormation delete the old resource
    (and with it, under ``on_delete=all``, the old prefix's data). A failed Create gets an id its rollback Delete
    recognises, so the rollback cannot delete data that was there before the stack."""
    physical_id = _text(event, "physical_resource_id")
    if _text(event, "request_type") != "Create" and physical_id:
        return physical_id
    if params is None or not succeeded:
        return f"{FAILED_CREATE_PREFIX}{_text(event, 'request_id')}"
    return f"{params.name}-{params.prefix}"


def _prefix_note(event: CustomResourceEvent, params: BootstrapParams) -> str:
    if event.request_type != "Update":
        return ""
    old = getattr(event, "old_resource_properties", None)
    old_prefix = old.get("prefix") if isinstance(old, Mapping) else None
    if not isinstance(old_prefix, str) or old_prefix.strip() in ("", params.prefix):
        return ""
    return (
        f"\nNOTE: prefix changed from {old_prefix.strip()!r} to {params.prefix!r}: the old prefix's data streams, "
        "templates, policies and roles are left in place (delete them by hand when no longer needed)"
    )


def answer_cloudformation(
    event: CustomResourceEvent,
    remaining_ms: Callable[[], int],
    work: Work,
    allow_no_ism: bool = False,
    margin_ms: int = SAFETY_MARGIN_MS,
    send: Callable[[str, dict[str, Any]], bool] = send_response,
    checks: RequestChecks = RequestChecks(),
) -> dict[str, Any]:
    """Run ``work`` for the event and answer CloudFormation; returns the answer (sent unless the ResponseURL is
    not CloudFormation's)."""
    params: BootstrapParams | None = None
    status, reason, data = "FAILED", "", {}
    response_url = _text(event, "response_url")
    url_problem = response_url_problem(response_url, checks.allow_local_response_url)
    if url_problem is not None:
        logger.error("request refused, no work done and no answer sent: %s", url_problem)
        return _body(event, "FAILED", f"refused: {url_problem}", None, {}, False)
    try:
        problem = request_problem(event, checks)
        if problem is not None:
            raise ConfigurationError([f"refused: {problem}"])
        properties = dict(event.resource_properties or {})
        params = BootstrapParams.from_properties(properties)
        if event.request_type == "Delete" and event.physical_resource_id.startswith(FAILED_CREATE_PREFIX):
            result = _nothing_created()
        else:
            result = _run_with_deadline(work, event.request_type, params, remaining_ms() - margin_ms)
        data = {"Applied": str(len(result.applied)), "IsmAvailable": str(result.ism_available).lower()}
        if result.ok(allow_no_ism):
            status, reason = "SUCCESS", result.summary() + _prefix_note(event, params)
        else:
            reason = result.summary() + "\nFAILED: set LOGWARDEN_ALLOW_NO_ISM=true to accept a cluster without ISM"
    except ConfigurationError as error:
        reason = str(error)
    except Exception as error:  # every failure must reach CloudFormation as a reason
        reason = f"{type(error).__name__}: {error}"
    body = _body(event, status, reason, params, data, status == "SUCCESS")
    if not send(response_url, body):
        logger.error("could not answer CloudFormation at all; the stack will time out")
    return body


def _nothing_created() -> BootstrapResult:
    """The rollback of a Create that failed: whatever it managed to write stays (it may have been there before)."""
    base = retained()
    return BootstrapResult((), True, ("the Create failed, so its rollback deletes nothing", *base.notes))


def _text(event: CustomResourceEvent, name: str) -> str:
    """A field of the event, "" when it is missing or not text (a malformed request is still answered)."""
    try:
        value = getattr(event, name)
    except (KeyError, TypeError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def _body(
    event: CustomResourceEvent,
    status: str,
    reason: str,
    params: BootstrapParams | None,
    data: dict[str, str],
    succeeded: bool,
) -> dict[str, Any]:
    return {
        "Status": status,
        "Reason": reason[-_REASON_LIMIT:] if len(reason) > _REASON_LIMIT else reason,
        "PhysicalResourceId": _physical_id(event, params, succeeded),
        "StackId": _text(event, "stack_id"),
        "RequestId": _text(event, "request_id"),
        "LogicalResourceId": _text(event, "logical_resource_id"),
        "NoEcho": False,
        "Data": data,
    }


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
