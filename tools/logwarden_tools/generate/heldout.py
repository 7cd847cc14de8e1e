"""A held-out scenario set: other series, volumes, shapes, seed and start day than ``scenarios.SCENARIOS``.

The rules are tuned against ``scenarios``; this set is only measured, never tuned against, so its figures say
how the rules do on traffic they were not fitted to. It has what the tuned set lacks: incidents that touch
several related series at once (a bad release, an upstream outage with downstream drops, a burst seen per
event and per level), slower and gentler ramps and declines, a campaign that lifts only part of the
system, one-minute blips far above baseline, and sparse series whose nights are near zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from logwarden.alerting.lifecycle import Notification
from logwarden.detection.model import MINUTES_PER_DAY, MINUTES_PER_HOUR, SeriesKey, parse_minute
from logwarden_tools.generate.scenarios import (
    Scenario,
    Score,
    SeriesSpec,
    Shape,
    _constant,
    _linear,
    _times,
    generate,
    score,
)

START: Final = parse_minute("2025-03-05T00:00:00Z")  # a Wednesday
WARMUP_DAYS: Final = 14
SEED: Final = 2024

API: Final = SeriesKey("shop", "api_request", "INFO")
ORDERS: Final = SeriesKey("shop", "order_created", "INFO")
API_ERRORS: Final = SeriesKey("shop", "api_request", "ERROR")
PAYMENT_ERRORS: Final = SeriesKey("shop", "payment_failed", "ERROR")
SHOP_MQ: Final = SeriesKey("shop", "mq_connection_error", "ERROR")
PRICES: Final = SeriesKey("pricing", "price_calculated", "INFO")
STATUS: Final = SeriesKey("crm", "order_status_changed", "INFO")
OVERDUE: Final = SeriesKey("crm", "order_overdue", "WARN")
SLOW: Final = SeriesKey("mes", "slow_operation", "WARN")
JOBS: Final = SeriesKey("mes", "job_finished", "INFO")
INVOICES: Final = SeriesKey("billing", "invoice_sent", "INFO")
MQ: Final = SeriesKey("mq", "mq_connection_error", "ERROR")

SERIES: Final = (
    SeriesSpec(API, 400.0, 0.7, night_factor=0.1),
    SeriesSpec(ORDERS, 12.0, 0.5),
    SeriesSpec(API_ERRORS, 1.0, 0.7),
    SeriesSpec(PAYMENT_ERRORS, 0.3, 0.5),
    SeriesSpec(SHOP_MQ, 0.02, 1.0, night_factor=1.0, follows_traffic=False),
    SeriesSpec(PRICES, 35.0, 0.5),
    SeriesSpec(STATUS, 15.0, 0.3),
    SeriesSpec(OVERDUE, 1.5, 0.3),
    SeriesSpec(SLOW, 4.0, 0.5),
    SeriesSpec(JOBS, 3.0, 0.8, night_factor=0.02),  # sparse at night
    SeriesSpec(INVOICES, 0.8, 0.2, night_factor=0.03),  # sparse, and nearly nothing at night
    SeriesSpec(MQ, 0.05, 1.0, night_factor=1.0, follows_traffic=False),
)


def _at(day: int, hour: int, minute: int = 0) -> int:
    return START + (WARMUP_DAYS + day) * MINUTES_PER_DAY + hour * MINUTES_PER_HOUR + minute


def _blip(count: float) -> Shape:
    return _constant(count)


def _gradual(factor: float, minutes: int) -> Shape:
    """A campaign that builds up over ``minutes`` (mail and social posts going out), then holds."""

    def shape(offset: int, rate: float) -> float:
        return rate * (1.0 + (factor - 1.0) * min(offset / minutes, 1.0))

    return shape


# Day 0 is Wednesday 2025-03-19; days 3-4 and 10-11 are weekends.
SCENARIOS: Final = (
    Scenario(
        "bad release: API errors x25, payments failing, orders halved",
        "release",
        _at(0, 14, 20),
        45,
        (API_ERRORS, PAYMENT_ERRORS, ORDERS),
        _times(25.0),
        per_series=((ORDERS, _times(0.5)),),
    ),
    Scenario(
        "upstream outage: API and orders silent, prices and status fall",
        "outage",
        _at(1, 10, 5),
        40,
        (API, ORDERS, PRICES, STATUS),
        _times(0.0),
        per_series=((PRICES, _times(0.3)), (STATUS, _times(0.3))),
    ),
    Scenario("payment error burst 80/min", "error_burst", _at(1, 20, 10), 10, (PAYMENT_ERRORS,), _constant(80.0)),
    Scenario("slow operations ramp x6 over 3 h", "ramp", _at(2, 9, 0), 240, (SLOW,), _linear(1.0, 6.0, 180)),
    Scenario("overdue orders ramp x4 over 2 h", "ramp", _at(3, 12, 0), 180, (OVERDUE,), _linear(1.0, 4.0, 120)),
    Scenario("API throughput falls to half over 3 h", "decline", _at(4, 9, 30), 300, (API,), _linear(1.0, 0.5, 180)),
    Scenario("prices fall to 40% over 4 h", "decline", _at(6, 11, 0), 300, (PRICES,), _linear(1.0, 0.4, 240)),
    Scenario("order flood 12/min -> 3,000/min", "flood", _at(7, 16, 40), 8, (ORDERS,), _constant(3000.0)),
    Scenario("broker storm from two subsystems", "broker_storm", _at(7, 3, 10), 12, (MQ, SHOP_MQ), _constant(15.0)),
    Scenario("orders silent at night", "silence", _at(8, 2, 30), 90, (ORDERS,), _times(0.0)),
    Scenario("order status partial drop to 30%", "partial_drop", _at(9, 15, 0), 60, (STATUS,), _times(0.3)),
    # Benign: normal business; nothing above low severity.
    Scenario(
        "campaign on API and orders only, x3 rising over 90 min, 6 h",
        "benign",
        _at(10, 10, 0),
        360,
        (API, ORDERS),
        _gradual(3.0, 90),
        must_alert=False,
    ),
    Scenario("one-minute API error blip 60/min", "benign", _at(10, 17, 20), 1, (API_ERRORS,), _blip(60.0), False),
    Scenario("one-minute order blip x5", "benign", _at(11, 11, 11), 1, (ORDERS,), _times(5.0), False),
    Scenario("one-minute payment error blip 25", "benign", _at(11, 15, 3), 1, (PAYMENT_ERRORS,), _blip(25.0), False),
    Scenario(
        "quiet night for jobs and invoices x0.4", "benign", _at(11, 0, 30), 300, (JOBS, INVOICES), _times(0.4), False
    ),
)
TIMELINE_DAYS: Final = WARMUP_DAYS + 12


def heldout_table() -> dict[SeriesKey, dict[int, int]]:
    return generate(SCENARIOS, TIMELINE_DAYS, SEED, START, SERIES)


def score_heldout(notifications: Iterable[Notification]) -> Score:
    return score(
        notifications,
        SCENARIOS,
        evaluated_from=START + 3 * MINUTES_PER_DAY,
        evaluated_to=START + TIMELINE_DAYS * MINUTES_PER_DAY,
        any_rule=True,
    )
