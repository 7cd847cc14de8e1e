"""A labelled, reproducible synthetic history for measuring detection quality.

Seasonal traffic (a daily curve, quieter weekends, day-to-day drift, slow overdispersion, Poisson
noise) for nine series of an order-processing system, two weeks of quiet, then incidents and benign
events placed hours apart on one timeline, each labelled with what must (or must not) happen.
``score`` turns backtest notifications into recall, false alerts per day and delays.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Final

from logwarden.alerting.lifecycle import ALERT, Notification
from logwarden.detection.model import ANY_EVENT, MINUTES_PER_DAY, MINUTES_PER_HOUR, SeriesKey, Severity, parse_minute

START: Final = parse_minute("2025-02-03T00:00:00Z")  # a Monday
WARMUP_DAYS: Final = 14


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    key: SeriesKey
    peak_per_minute: float
    weekend_factor: float
    night_factor: float = 0.15
    follows_traffic: bool = True  # lifted by campaigns and month-end


ORDERS: Final = SeriesKey("shop", "order_created", "INFO")
API: Final = SeriesKey("shop", "api_request", "INFO")
PRICES: Final = SeriesKey("shop", "price_calculated", "INFO")
STATUS: Final = SeriesKey("crm", "order_status_changed", "INFO")
API_ERRORS: Final = SeriesKey("shop", "api_request", "ERROR")
MQ_ERRORS: Final = SeriesKey("mq", "mq_connection_error", "ERROR")
SHOP_MQ_ERRORS: Final = SeriesKey("shop", "mq_connection_error", "ERROR")
SLOW: Final = SeriesKey("mes", "slow_operation", "WARN")
OVERDUE: Final = SeriesKey("crm", "order_overdue", "WARN")

SERIES: Final = (
    SeriesSpec(ORDERS, 6.0, 0.6),
    SeriesSpec(API, 180.0, 0.6),
    SeriesSpec(PRICES, 20.0, 0.6),
    SeriesSpec(STATUS, 10.0, 0.4),
    SeriesSpec(API_ERRORS, 0.6, 0.6),
    SeriesSpec(MQ_ERRORS, 0.03, 1.0, night_factor=1.0, follows_traffic=False),
    SeriesSpec(SHOP_MQ_ERRORS, 0.02, 1.0, night_factor=1.0, follows_traffic=False),
    SeriesSpec(SLOW, 2.0, 0.4),
    SeriesSpec(OVERDUE, 0.6, 0.4),
)
TRAFFIC: Final = tuple(s.key for s in SERIES if s.follows_traffic and s.key.level == "INFO")

Shape = Callable[[int, float], float]  # (minute offset into the event, normal rate) -> rate


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    kind: str  # spike, flood, error_burst, silence, partial_drop, decline, ramp, broker_storm, benign
    start: int
    minutes: int
    series: tuple[SeriesKey, ...]
    shape: Shape = field(compare=False)
    must_alert: bool = True
    rules: tuple[str, ...] = ()  # rules that may legitimately fire for it (empty: any)
    per_series: tuple[tuple[SeriesKey, Shape], ...] = field(default=(), compare=False)  # overrides ``shape``

    @property
    def end(self) -> int:
        return self.start + self.minutes - 1


def _at(day: int, hour: int, minute: int = 0) -> int:
    return START + (WARMUP_DAYS + day) * MINUTES_PER_DAY + hour * MINUTES_PER_HOUR + minute


def _times(factor: float) -> Shape:
    return lambda _offset, rate: rate * factor


def _constant(rate_per_minute: float) -> Shape:
    return lambda _offset, _rate: rate_per_minute


def _linear(start_factor: float, end_factor: float, ramp_minutes: int) -> Shape:
    def shape(offset: int, rate: float) -> float:
        progress = min(offset / ramp_minutes, 1.0)
        return rate * (start_factor + (end_factor - start_factor) * progress)

    return shape


def _campaign(factor: float) -> Shape:
    # Ramps up over 20 minutes, holds, like a push notification followed by a landing page.
    def shape(offset: int, rate: float) -> float:
        return rate * (1.0 + (factor - 1.0) * min(offset / 20.0, 1.0))

    return shape


# Day 0 is Monday 2025-02-17, after two weeks of history; day 5 and 6 are a weekend.
SCENARIOS: Final = (
    Scenario("order spike x12", "spike", _at(0, 10, 7), 20, (ORDERS,), _times(12.0), rules=("rate_spike",)),
    Scenario(
        "order flood 4/min -> 10,000/s",
        "flood",
        _at(0, 21, 13),
        10,
        (ORDERS,),
        _constant(600_000.0),
        rules=("rate_spike",),
    ),
    Scenario("API error burst 60/min", "error_burst", _at(1, 9, 41), 15, (API_ERRORS,), _constant(60.0)),
    Scenario("API error storm 250/min", "error_burst", _at(1, 19, 3), 6, (API_ERRORS,), _constant(250.0)),
    Scenario("orders silent", "silence", _at(2, 11, 22), 60, (ORDERS,), _times(0.0), rules=("drop", "decline")),
    Scenario(
        "API partial drop to 40%", "partial_drop", _at(2, 20, 2), 60, (API,), _times(0.4), rules=("drop", "decline")
    ),
    Scenario(
        "prices partial drop to 30%",
        "partial_drop",
        _at(3, 10, 31),
        90,
        (PRICES,),
        _times(0.3),
        rules=("drop", "decline"),
    ),
    Scenario(
        "order status slow decline to 20%",
        "decline",
        _at(3, 17, 0),
        360,
        (STATUS,),
        _linear(1.0, 0.2, 240),
        rules=("decline", "drop"),
    ),
    Scenario(
        "slow operations ramp x8",
        "ramp",
        _at(4, 8, 0),
        300,
        (SLOW,),
        _linear(1.0, 8.0, 240),
        rules=("ramp", "rate_spike"),
    ),
    Scenario(
        "broker connection storm",
        "broker_storm",
        _at(4, 22, 47),
        12,
        (MQ_ERRORS, SHOP_MQ_ERRORS),
        _constant(25.0),
        rules=("mq_storm", "rate_spike"),
    ),
    Scenario("night order spike x15", "spike", _at(5, 3, 16), 15, (ORDERS,), _times(15.0), rules=("rate_spike",)),
    Scenario(
        "overdue orders ramp x10",
        "ramp",
        _at(6, 13, 0),
        240,
        (OVERDUE,),
        _linear(1.0, 10.0, 180),
        rules=("ramp", "rate_spike"),
    ),
    Scenario(
        "orders silent at weekend", "silence", _at(6, 19, 45), 45, (ORDERS,), _times(0.0), rules=("drop", "decline")
    ),
    # Benign: must not page anyone (no alert above low severity).
    Scenario("marketing campaign x3", "benign", _at(7, 10, 0), 180, (*TRAFFIC, API_ERRORS), _campaign(3.0), False),
    Scenario("API blip x3 for one minute", "benign", _at(8, 11, 12), 1, (API,), _times(3.0), False),
    Scenario("one-minute error blip", "benign", _at(8, 15, 40), 1, (API_ERRORS,), _constant(10.0), False),
    Scenario("slow operations blip", "benign", _at(8, 17, 5), 1, (SLOW,), _constant(20.0), False),
    Scenario("month-end x1.7", "benign", _at(9, 7, 0), 14 * 60, (*TRAFFIC, API_ERRORS), _campaign(1.7), False),
)
TIMELINE_DAYS: Final = WARMUP_DAYS + 11


def _daily_curve(minute: int, night: float) -> float:
    hour = (minute % MINUTES_PER_DAY) / MINUTES_PER_HOUR
    if hour < 6.0 or hour > 22.0:
        return night
    return night + (1.0 - night) * float(math.sin(math.pi * (hour - 6.0) / 16.0) ** 1.5)


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0.0:
        return 0
    if mean < 30.0:
        limit = math.exp(-mean)
        count, product = 0, rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
        return count
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def normal_rate(spec: SeriesSpec, minute: int, day_factor: float, wobble: float) -> float:
    weekend = ((minute // MINUTES_PER_DAY + 3) % 7) >= 5
    rate = spec.peak_per_minute * _daily_curve(minute, spec.night_factor) * day_factor * wobble
    return rate * (spec.weekend_factor if weekend else 1.0)


def generate(
    scenarios: Sequence[Scenario] = SCENARIOS,
    days: int = TIMELINE_DAYS,
    seed: int = 7,
    start: int = START,
    series: Sequence[SeriesSpec] = SERIES,
) -> dict[SeriesKey, dict[int, int]]:
    """Per-minute counts of every series over ``days`` days, with the scenarios applied."""
    rng = random.Random(seed)  # noqa: S311 -- synthetic traffic, reproducible by seed
    by_series: dict[SeriesKey, list[Scenario]] = {}
    for scenario in scenarios:
        for key in scenario.series:
            by_series.setdefault(key, []).append(scenario)
    system_days = [math.exp(rng.gauss(0.0, 0.06)) for _ in range(days)]
    table: dict[SeriesKey, dict[int, int]] = {}
    for spec in series:
        own_days = [math.exp(rng.gauss(0.0, 0.04)) for _ in range(days)]
        points: dict[int, int] = {}
        wobble_log = 0.0
        events = sorted(by_series.get(spec.key, []), key=lambda s: s.start)
        for offset in range(days * MINUTES_PER_DAY):
            minute = start + offset
            day = offset // MINUTES_PER_DAY
            # Slow multiplicative wobble (AR(1) in log space): real traffic is overdispersed.
            wobble_log = 0.97 * wobble_log + rng.gauss(0.0, 0.02)
            rate = normal_rate(spec, minute, system_days[day] * own_days[day], math.exp(wobble_log))
            for event in events:
                if event.start <= minute <= event.end:
                    shape = dict(event.per_series).get(spec.key, event.shape)
                    rate = shape(minute - event.start, rate)
            count = poisson(rng, rate)
            if count:
                points[minute] = count
        table[spec.key] = points
    return table


def write_csv(table: Mapping[SeriesKey, Mapping[int, int]], lines: Callable[[str], object]) -> None:
    from logwarden.detection.model import format_minute

    lines("minute,subsystem,event,level,count\n")
    rows = sorted((m, k) for k, points in table.items() for m in points)
    for minute, key in rows:
        lines(f"{format_minute(minute)},{key.subsystem},{key.event},{key.level},{table[key][minute]}\n")


# ------------------------------------------------------------------------------------------------ scoring

GRACE_MINUTES: Final = 60  # alerts this long after an incident ends still belong to it


@dataclass(frozen=True, slots=True)
class Outcome:
    scenario: Scenario
    detected: bool
    delay: int | None
    max_severity: Severity | None  # of the alerts it caused (benign: should stay <= low)
    messages: int = 0  # check runs that sent an alert message about it (recoveries not counted)
    recoveries: int = 0


@dataclass(frozen=True, slots=True)
class Score:
    outcomes: tuple[Outcome, ...]
    false_alerts: int
    quiet_days: float

    @property
    def must_alert(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.scenario.must_alert]

    @property
    def recall(self) -> float:
        incidents = self.must_alert
        return sum(o.detected for o in incidents) / len(incidents) if incidents else 1.0

    @property
    def false_alerts_per_day(self) -> float:
        return self.false_alerts / self.quiet_days if self.quiet_days else 0.0

    def median_delay(self, kinds: Iterable[str]) -> float | None:
        wanted = set(kinds)
        delays = [o.delay for o in self.must_alert if o.scenario.kind in wanted and o.delay is not None]
        return float(median(delays)) if delays else None

    @property
    def messages_per_incident(self) -> float:
        incidents = [o for o in self.must_alert if o.detected]
        return sum(o.messages for o in incidents) / len(incidents) if incidents else 0.0

    @property
    def benign_above(self) -> int:
        """Alert messages above low severity in benign windows (what people would mute)."""
        return sum(o.messages for o in self.outcomes if not o.scenario.must_alert and (o.max_severity or 0) > 1)

    @property
    def benign_max_severity(self) -> Severity | None:
        severities = [o.max_severity for o in self.outcomes if not o.scenario.must_alert and o.max_severity]
        return max(severities) if severities else None


def related(notification: Notification, scenario: Scenario, any_rule: bool = False) -> bool:
    if not any_rule and scenario.rules and notification.rule not in (*scenario.rules, "error_threshold"):
        return False
    named = (notification.key.series, *getattr(notification, "related", ()))
    for series in named:
        for key in scenario.series:
            if series == key or (
                series.event == ANY_EVENT and (series.subsystem, series.level) == (key.subsystem, key.level)
            ):
                return True
    return notification.rule == "mq_storm" and scenario.kind == "broker_storm"


def score(
    notifications: Iterable[Notification],
    scenarios: Sequence[Scenario] = SCENARIOS,
    evaluated_from: int = START + 3 * MINUTES_PER_DAY,
    evaluated_to: int = START + TIMELINE_DAYS * MINUTES_PER_DAY,
    any_rule: bool = False,
) -> Score:
    """Match alerts to scenarios; ``any_rule`` accepts any rule name (for detectors other than ours)."""
    every = [n for n in notifications if evaluated_from <= n.minute < evaluated_to]
    alerts = [n for n in every if n.kind == ALERT]
    recoveries = [n for n in every if n.kind != ALERT]
    explained: set[int] = set()
    outcomes = []
    for scenario in scenarios:
        mine = [
            (i, n)
            for i, n in enumerate(alerts)
            if scenario.start <= n.minute <= scenario.end + GRACE_MINUTES and related(n, scenario, any_rule)
        ]
        if scenario.must_alert:
            explained.update(i for i, _ in mine)
        first = min((n.minute for _, n in mine), default=None)
        closing = [
            n
            for n in recoveries
            if scenario.start <= n.minute <= scenario.end + 2 * GRACE_MINUTES and related(n, scenario, any_rule)
        ]
        outcomes.append(
            Outcome(
                scenario,
                detected=first is not None,
                delay=None if first is None else first - scenario.start,
                max_severity=max((n.severity for _, n in mine), default=None),
                messages=len({n.minute for _, n in mine}),
                recoveries=len({n.minute for n in closing}),
            )
        )
    false_alerts = sum(1 for i, _ in enumerate(alerts) if i not in explained)
    incident_minutes = sum(s.minutes + GRACE_MINUTES for s in scenarios if s.must_alert)
    quiet_days = (evaluated_to - evaluated_from - incident_minutes) / MINUTES_PER_DAY
    return Score(tuple(outcomes), false_alerts, quiet_days)
