"""The circuit breaker: its state machine on a fake clock, and the bulk indexer that consults it before every request."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opensearchpy.exceptions import ConnectionError, ConnectionTimeout, TransportError

from logwarden.errors import OpenSearchUnavailableError
from logwarden.ingest.cloudwatch import decode_delivery, encode_delivery
from logwarden.ingest.pipeline import IngestPipeline
from logwarden.masking.masker import default_masker
from logwarden.routing import Router
from logwarden.sink.breaker import REASON_CIRCUIT_OPEN, STATE_VALUES, CircuitBreaker
from logwarden.sink.bulk import BulkIndexer, IndexAction, RetryPolicy
from logwarden.sink.deadletter import LocalDeadLetterStore
from tests.fakes import FakeBulkTransport


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def refused() -> ConnectionError:
    return ConnectionError("N/A", "connection refused", Exception("refused"))


def actions(n: int, prefix: str = "id") -> list[IndexAction]:
    return [IndexAction("logs-shop-info", f"{prefix}-{i}", b'{"message":"x"}') for i in range(n)]


def test_opens_after_the_threshold_of_consecutive_failures_and_probes_after_the_interval() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, open_interval_s=30.0, clock=clock)
    # GIVEN two failures: still closed
    breaker.record_failure("connection_error")
    breaker.record_failure("connection_error")
    assert breaker.state == "closed" and breaker.allow_request()
    # WHEN the third comes
    breaker.record_failure("connection_error")
    # THEN no request goes out until the interval has passed
    assert breaker.state == "open" and not breaker.allow_request()
    clock.advance(29.9)
    assert not breaker.allow_request()
    clock.advance(0.1)
    assert breaker.state == "half_open"
    assert breaker.allow_request()  # the probe
    assert not breaker.allow_request()  # and only the probe
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow_request()
    assert breaker.times_opened == 1


def test_a_failed_probe_opens_the_breaker_for_another_interval() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, open_interval_s=10.0, clock=clock)
    breaker.record_failure("connection_error")
    breaker.record_failure("connection_error")
    clock.advance(10.0)
    assert breaker.allow_request()
    breaker.record_failure("connection_error")  # one failure in half-open is enough
    assert breaker.state == "open" and breaker.seconds_until_probe() == 10.0
    clock.advance(10.0)
    assert breaker.allow_request()


def test_an_answer_between_failures_resets_the_count() -> None:
    breaker = CircuitBreaker(failure_threshold=3, clock=FakeClock())
    for _ in range(5):
        breaker.record_failure("connection_error")
        breaker.record_failure("connection_error")
        breaker.record_success()
    assert breaker.state == "closed"


def test_a_timeout_opens_at_once_by_default() -> None:
    # Each timeout already cost a whole request timeout; waiting for three would cost minutes.
    breaker = CircuitBreaker(clock=FakeClock())
    breaker.record_failure("connection_timeout", timeout=True)
    assert breaker.state == "open"
    assert "connection_timeout" in breaker.describe()


def test_a_probe_ended_by_a_bug_lets_the_next_request_probe() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, open_interval_s=5.0, clock=clock)
    breaker.record_failure("connection_error")
    clock.advance(5.0)
    assert breaker.allow_request()
    breaker.cancel_probe()
    assert breaker.allow_request()


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="thresholds"):
        CircuitBreaker(failure_threshold=0)


def test_state_values_order_health() -> None:
    assert STATE_VALUES["closed"] < STATE_VALUES["half_open"] < STATE_VALUES["open"]


# --- the bulk indexer with a breaker --------------------------------------------------------------------------------


def indexer(transport: FakeBulkTransport, clock: FakeClock, **kwargs: object) -> BulkIndexer:
    breaker = CircuitBreaker(failure_threshold=3, open_interval_s=30.0, clock=clock)
    return BulkIndexer(transport, breaker=breaker, sleep=clock.advance, **kwargs)  # type: ignore[arg-type]


def test_deliveries_during_an_outage_park_at_once_after_the_breaker_opens() -> None:
    # GIVEN an engine refusing every connection
    clock = FakeClock()
    transport = FakeBulkTransport()
    transport.request_failures = [refused()] * 1000
    bulk = indexer(transport, clock)
    # WHEN ten deliveries of 500 documents arrive
    reports = [bulk.index(actions(500, f"d{n}"), remaining_s=lambda: 60.0) for n in range(10)]
    # THEN the first delivery tries three times, opens the breaker and parks; the other nine park without a request
    assert len(transport.requests) == 3
    assert [r.requests for r in reports] == [3] + [0] * 9
    assert all(len(r.undelivered) == 500 and r.accounted == 500 for r in reports)
    assert {f.reason for f in reports[0].undelivered} == {"connection_error"}
    assert all({f.reason for f in r.undelivered} == {REASON_CIRCUIT_OPEN} for r in reports[1:])
    assert [r.refused for r in reports] == [0] + [500] * 9
    assert all(r.circuit_state == "open" for r in reports)
    # and the ids are the documents' own, so replaying them later cannot duplicate
    assert [f.action.doc_id for f in reports[5].undelivered] == [f"d5-{i}" for i in range(500)]


def test_the_probe_closes_the_breaker_when_the_engine_is_back() -> None:
    clock = FakeClock()
    transport = FakeBulkTransport()
    transport.request_failures = [refused()] * 3
    bulk = indexer(transport, clock)
    bulk.index(actions(2, "a"), remaining_s=lambda: 60.0)
    assert bulk.breaker.state == "open"
    parked = bulk.index(actions(2, "b"), remaining_s=lambda: 60.0)
    assert parked.requests == 0
    # WHEN the interval passes and the engine answers
    clock.advance(30.5)
    report = bulk.index(actions(2, "c"), remaining_s=lambda: 60.0)
    # THEN the delivery is the probe, lands, and closes the breaker
    assert (report.requests, report.indexed, report.circuit_state) == (1, 2, "closed")


def test_a_failed_probe_parks_its_delivery_without_retrying() -> None:
    clock = FakeClock()
    transport = FakeBulkTransport()
    transport.request_failures = [refused()] * 4
    bulk = indexer(transport, clock)
    bulk.index(actions(1, "a"), remaining_s=lambda: 60.0)
    clock.advance(30.5)
    probe = bulk.index(actions(3, "b"), remaining_s=lambda: 60.0)
    assert probe.requests == 1 and len(probe.undelivered) == 3
    assert bulk.breaker.state == "open"


def test_throttling_and_server_errors_do_not_open_the_breaker() -> None:
    # An engine that answers 429 or 503 is reachable: the retries and the backpressure deal with it.
    clock = FakeClock()
    transport = FakeBulkTransport()
    transport.request_failures = [TransportError(429, "too_many_requests", {})] * 3 + [
        TransportError(503, "unavailable", {})
    ] * 3
    bulk = indexer(transport, clock)
    report = bulk.index(actions(4), remaining_s=lambda: 600.0)
    assert report.indexed == 4 and bulk.breaker.state == "closed"


def test_a_hung_engine_costs_one_request_timeout_bounded_by_the_time_left() -> None:
    # GIVEN an engine that accepts connections and never answers (the client raises ConnectionTimeout)
    clock = FakeClock()
    seen: list[object] = []

    class Hung(FakeBulkTransport):
        def bulk(self, body: object, index: object = None, params: object = None, headers: object = None) -> object:
            seen.append(params)
            raise ConnectionTimeout("TIMEOUT", "read timed out", Exception("timeout"))

    bulk = indexer(Hung(), clock, request_timeout_s=30.0, policy=RetryPolicy(reserve_s=5.0))
    # WHEN ten deliveries arrive with 20 s left each
    reports = [bulk.index(actions(10, f"d{n}"), remaining_s=lambda: 20.0) for n in range(10)]
    # THEN one request went out, waiting no longer than the time left minus the reserve for parking
    assert seen == [{"request_timeout": 15.0}]
    assert sum(len(r.undelivered) for r in reports) == 100
    assert reports[0].undelivered[0].reason == "connection_timeout"


# --- a source that redelivers whole batches (Amazon MQ) -----------------------------------------------------------


def test_a_redelivering_source_parks_instead_of_failing_while_the_breaker_is_open(tmp_path: Path) -> None:
    # GIVEN an engine refusing connections and a source whose failures are redelivered at once (the broker counts
    # each redelivery against its delivery limit)
    clock = FakeClock()
    transport = FakeBulkTransport()
    transport.request_failures = [refused()] * 100
    bulk = indexer(transport, clock)
    pipeline = IngestPipeline(masker=default_masker())
    store = LocalDeadLetterStore(tmp_path)
    delivery = encode_delivery("/ecs/shop-api", "s", [{"id": "1", "timestamp": 1_764_078_000_000, "message": "x"}])
    # WHEN a batch opens the breaker, and the redelivered batch arrives
    first = pipeline.run(decode_delivery(delivery, Router()), bulk, store, lambda: 60.0, park_undelivered=False)
    again = pipeline.run(decode_delivery(delivery, Router()), bulk, store, lambda: 60.0, park_undelivered=False)
    # THEN neither fails: both are parked (the drain replays them; the shared id makes the second a 409 there)
    assert (first.undelivered, again.undelivered, again.circuit_state) == (1, 1, "open")
    assert len(list(store.batches())) == 2 and len(transport.requests) == 3


def test_a_redelivering_source_still_fails_on_a_passing_fault(tmp_path: Path) -> None:
    clock = FakeClock()
    transport = FakeBulkTransport()
    transport.request_failures = [refused()]
    bulk = BulkIndexer(
        transport, breaker=CircuitBreaker(clock=clock), sleep=clock.advance, policy=RetryPolicy(max_attempts=1)
    )
    pipeline = IngestPipeline(masker=default_masker())
    delivery = encode_delivery("/ecs/shop-api", "s", [{"id": "1", "timestamp": 1_764_078_000_000, "message": "x"}])
    with pytest.raises(OpenSearchUnavailableError):
        pipeline.run(
            decode_delivery(delivery, Router()),
            bulk,
            LocalDeadLetterStore(tmp_path),
            lambda: 60.0,
            park_undelivered=False,
        )
    assert bulk.breaker.state == "closed"


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.floats(min_value=0, max_value=20, allow_nan=False), st.sampled_from(["ok", "refused", "timeout"])),
        max_size=60,
    )
)
def test_an_open_breaker_lets_through_at_most_one_probe_per_interval(steps: list[tuple[float, str]]) -> None:
    # GIVEN any sequence of requests, each after some seconds, each answered, refused or timed out
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, timeout_threshold=1, open_interval_s=30.0, clock=clock)
    consecutive = 0
    sent_while_open: list[float] = []
    for wait, outcome in steps:
        clock.advance(wait)
        was_open = breaker.state != "closed"
        if not breaker.allow_request():
            assert was_open  # THEN only an open breaker refuses
            continue
        if was_open:
            sent_while_open.append(clock.now)
        if outcome == "ok":
            breaker.record_success()
            consecutive = 0
            assert breaker.state == "closed"  # an answer always closes it
        else:
            consecutive += 1
            breaker.record_failure(outcome, timeout=outcome == "timeout")
            if outcome == "timeout" or consecutive >= 3 or was_open:
                assert breaker.state == "open"  # and the thresholds always open it
                consecutive = 0
    # and probes are at least the interval apart
    assert all(b - a >= 30.0 for a, b in itertools.pairwise(sent_while_open))
