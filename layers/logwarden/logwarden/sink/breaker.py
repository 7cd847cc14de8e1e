"""A circuit breaker for the search engine, one per warm process, consulted before every bulk request.

Without it, every delivery that arrives during an outage spends its own retry budget (about 16 s when the engine
refuses connections, a request timeout per attempt when it hangs) before it parks its documents. With it:

- **closed**: requests go out. Consecutive connection failures and timeouts are counted; any answer from the
  engine (a 2xx, a 429, a 5xx) resets the count, since an engine that answers is reachable and the retry policy
  and backpressure deal with what it says. After ``failure_threshold`` connection failures, or
  ``timeout_threshold`` timeouts (each timeout already cost a whole request timeout), the breaker **opens**.
- **open**: no request goes out; the bulk indexer parks the documents at once with reason ``circuit_open``
  (masked, with their deterministic ids, so the scheduled drain replays them without duplicates).
- **half-open**: ``open_interval_s`` after opening, one request is let through as a probe. If the engine answers,
  the breaker closes; if not, it opens again for another interval.

The clock is injected so the tests drive it without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final, Literal

BreakerState = Literal["closed", "open", "half_open"]

CLOSED: Final = "closed"
OPEN: Final = "open"
HALF_OPEN: Final = "half_open"
REASON_CIRCUIT_OPEN: Final = "circuit_open"
# The metric value of each state (0 is healthy; the alarm fires at 1 and above).
STATE_VALUES: Final[dict[str, int]] = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int = 3,
        timeout_threshold: int = 1,
        open_interval_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or timeout_threshold < 1 or open_interval_s <= 0:
            raise ValueError("breaker thresholds must be at least 1 and the open interval positive")
        self.failure_threshold = failure_threshold
        self.timeout_threshold = timeout_threshold
        self.open_interval_s = open_interval_s
        self._clock = clock
        self._state: BreakerState = "closed"
        self._failures = 0
        self._timeouts = 0
        self._opened_at = 0.0
        self._probe_in_flight = False
        self.last_failure = ""
        self.times_opened = 0

    @property
    def state(self) -> BreakerState:
        """The state as of now: an open breaker whose interval has passed is ready for its probe."""
        if self._state == "open" and self._clock() - self._opened_at >= self.open_interval_s:
            return "half_open"
        return self._state

    def allow_request(self) -> bool:
        """Whether a request may go out now. In half-open, only the one probe may, until its outcome is recorded."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._probe_in_flight:
            self._state = "half_open"
            self._probe_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        """The engine answered (whatever it said)."""
        self._state = "closed"
        self._failures = self._timeouts = 0
        self._probe_in_flight = False

    def cancel_probe(self) -> None:
        """The probe ended without telling whether the engine is reachable (a bug raised): the next request probes."""
        self._probe_in_flight = False

    def record_failure(self, reason: str, *, timeout: bool = False) -> None:
        """A request could not reach the engine (refused, reset, TLS failure) or timed out waiting for it."""
        self.last_failure = reason
        self._failures += 1
        if timeout:
            self._timeouts += 1
        if (
            self._state == "half_open"
            or self._failures >= self.failure_threshold
            or self._timeouts >= self.timeout_threshold
        ):
            self._open()

    def _open(self) -> None:
        if self._state != "open":
            self.times_opened += 1
        self._state = "open"
        self._opened_at = self._clock()
        self._probe_in_flight = False

    def seconds_until_probe(self) -> float:
        if self._state != "open":
            return 0.0
        return max(0.0, self.open_interval_s - (self._clock() - self._opened_at))

    def describe(self) -> str:
        """Why requests are refused, for the dead-letter entry's detail (no document content in it)."""
        return (
            f"circuit open after consecutive failures to reach the engine (last: {self.last_failure or 'unknown'});"
            f" next probe in {self.seconds_until_probe():.1f} s"
        )
