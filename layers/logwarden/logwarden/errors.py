"""What went wrong, phrased as what to do about it.

``RetryableError``: the same request may succeed later (throttling, 5xx, timeouts, connection refused).
``ConfigurationError``: the function cannot start; raised once, at cold start, naming every problem.
"""

from __future__ import annotations


class LogwardenError(Exception):
    """Base of every error logwarden raises on purpose."""


class ConfigurationError(LogwardenError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration: " + "; ".join(problems))


class RetryableError(LogwardenError):
    """The destination is unavailable or throttling; the platform (or our own loop) should try again."""


class OpenSearchUnavailableError(RetryableError):
    """Documents could not be delivered in the time available (throttling, 5xx, unreachable). Raised instead of
    parking them where the event source redelivers the whole batch (Amazon MQ): the retry is the remedy."""

    def __init__(self, undelivered: int, detail: str) -> None:
        self.undelivered = undelivered
        self.detail = detail
        super().__init__(f"{undelivered} documents undelivered: {detail}")


class DeadLetterUnavailableError(RetryableError):
    """Could not park documents in the dead-letter store: the invocation must fail so nothing is lost."""
