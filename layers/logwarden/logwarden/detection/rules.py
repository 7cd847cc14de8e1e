"""The rules file: parsed once into frozen dataclasses, validated with every problem named at once.

Defaults ship as ``rules.toml`` next to this module; an override (an SSM parameter's value or a file)
is merged into them: tables key by key, everything else (arrays included) replaced whole.
"""

from __future__ import annotations

import fnmatch
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from logwarden.detection.model import SeriesKey, Severity
from logwarden.errors import LogwardenError


class RulesError(LogwardenError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid anomaly rules: " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class Selector:
    subsystems: tuple[str, ...] = ("*",)
    events: tuple[str, ...] = ("*",)
    levels: tuple[str, ...] = ("*",)
    exclude_events: tuple[str, ...] = ()

    def matches(self, key: SeriesKey) -> bool:
        return (
            _any_match(key.subsystem, self.subsystems)
            and _any_match(key.event, self.events)
            and _any_match(key.level, self.levels)
            and not _any_match(key.event, self.exclude_events)
        )


def _any_match(value: str, patterns: tuple[str, ...]) -> bool:
    return any(p == "*" or p == value or fnmatch.fnmatchcase(value, p) for p in patterns)


@dataclass(frozen=True, slots=True)
class Window:
    minutes: int
    factor: float
    alpha: float
    min_excess: float


@dataclass(frozen=True, slots=True)
class SeverityScale:
    """Severity from a ratio: ``(bound, severity)`` pairs, the first satisfied wins.

    Upward scales (spikes, ramps) are satisfied by ``ratio >= bound``, downward ones (drops) by
    ``ratio <= bound``.
    """

    steps: tuple[tuple[float, Severity], ...]
    upward: bool = True

    def of(self, ratio: float) -> Severity:
        for bound, severity in self.steps:
            if (ratio >= bound) if self.upward else (ratio <= bound):
                return severity
        return self.steps[-1][1]


@dataclass(frozen=True, slots=True)
class BaselineRules:
    history_days: int = 14
    min_history_days: int = 3
    weekend_days: tuple[int, ...] = (5, 6)
    min_rate_per_minute: float = 0.05


@dataclass(frozen=True, slots=True)
class LiftRules:
    selector: Selector = Selector(levels=("INFO",))
    window_minutes: int = 10
    min_expected: float = 20.0
    cap: float = 5.0
    floor: float = 0.2
    alive_min: float = 0.3


@dataclass(frozen=True, slots=True)
class LifecycleRules:
    cooldown_minutes: int = 30  # the least time between two messages of one incident
    recover_after_minutes: int = 10
    slow_recover_after_minutes: int = 30  # for alerts whose latest finding was a ramp or a decline
    state_ttl_days: int = 7
    hold_minutes: int = 2  # an incident no worse than hold_severity waits this long before it is announced
    hold_severity: Severity = Severity.LOW
    # A new alert joins a related incident only while the incident is live: one of those related members found
    # something in the last join_minutes. An incident that has gone quiet and only waits out its recovery
    # takes no new alert; what comes after it is a new incident (its own message, and its own recovery).
    join_minutes: int = 3


@dataclass(frozen=True, slots=True)
class StaticRule:
    name: str
    selector: Selector
    above: float
    for_minutes: int
    severity: Severity
    # The breach may end in any of the last ``within_minutes`` evaluated minutes: a minute that no run judged
    # complete (a skipped run, a burst split by the minute boundary, data indexed after its minute was
    # evaluated) still alerts.
    within_minutes: int = 2


@dataclass(frozen=True, slots=True)
class SpikeRules:
    enabled: bool
    selector: Selector
    windows: tuple[Window, ...]
    severity: SeverityScale
    escalate_levels: tuple[str, ...]
    persist_minutes: int = 2  # minutes above baseline (of the last persist_window) needed for more than low
    critical_minutes: int = 3  # ... and for critical
    persist_window: int = 5
    gradual_levels: tuple[str, ...] = ("INFO", "DEBUG", "TRACE")
    gradual_step: float = 2.0  # a rise is gradual if the last complete hour was already above 1/step of it
    gradual_severity: Severity = Severity.LOW
    # A longer window fires only while its last ``recent_minutes`` are still at least ``recent_share`` of the
    # window's distance from normal: a burst that is over does not keep firing for the window's length.
    recent_minutes: int = 1
    recent_share: float = 0.5


@dataclass(frozen=True, slots=True)
class DropRules:
    enabled: bool
    selector: Selector
    windows: tuple[Window, ...]
    silence_alpha: float
    silence_severity: Severity
    severity: SeverityScale
    recent_minutes: int = 1  # as for spikes, downwards: a stream that is back does not keep its drop open
    recent_share: float = 0.5


@dataclass(frozen=True, slots=True)
class TrendRules:
    """Ramps (upward) and declines (downward): a Poisson CUSUM over windows ending now.

    For each window (the last ``minutes`` at minute resolution, and from the start of each of the last
    ``hours`` clock hours) the log-likelihood ratio of "the rate moved by ``shift`` times its expectation"
    against "it did not", ``O ln(shift) - (shift - 1) E``, divided by the overdispersion ``1 + noise^2 E``;
    its maximum over the windows (the change point) must reach ``threshold``.
    """

    enabled: bool
    selector: Selector
    hours: tuple[int, ...]
    minutes: tuple[int, ...]
    recent_minutes: int
    recent_share: float
    level_hours: int
    level_cap: float
    shift: float
    noise: float
    threshold: float
    min_excess: float
    severity: SeverityScale


@dataclass(frozen=True, slots=True)
class StormRules:
    enabled: bool
    selector: Selector
    window_minutes: int
    min_count: int
    factor: float
    severity: Severity
    spread_subsystems: int
    spread_severity: Severity


@dataclass(frozen=True, slots=True)
class SilenceRules:
    enabled: bool
    window_minutes: int
    min_expected: float
    severity: Severity


@dataclass(frozen=True, slots=True)
class Rules:
    baseline: BaselineRules
    lift: LiftRules
    lifecycle: LifecycleRules
    static: tuple[StaticRule, ...]
    spike: SpikeRules
    drop: DropRules
    ramp: TrendRules
    decline: TrendRules
    mq_storm: StormRules
    silence: SilenceRules
    runbook: Mapping[str, str] = field(default_factory=dict)
    max_events_per_subsystem: int = 50  # per subsystem and level; the rest fold into event "other"

    @property
    def recent_minutes(self) -> int:
        """How many recent minutes the detectors read at minute resolution (the current one included)."""
        spans = [self.lift.window_minutes, self.silence.window_minutes, self.mq_storm.window_minutes]
        spans += [w.minutes for w in self.spike.windows] + [w.minutes for w in self.drop.windows]
        spans += [s.for_minutes + s.within_minutes - 1 for s in self.static]
        spans += [self.ramp.recent_minutes, self.decline.recent_minutes, *self.ramp.minutes, *self.decline.minutes]
        spans += [self.spike.persist_window]
        return max(spans)

    @property
    def trend_hours(self) -> int:
        """How many hours (the current partial one included) the trend detectors read at hour resolution."""
        levels = [r.level_hours + 2 for r in (self.ramp, self.decline) if r.level_hours]
        return max([*self.ramp.hours, *self.decline.hours, *levels, 1]) + 1


# ---------------------------------------------------------------------------------------------- loading


def default_document() -> dict[str, Any]:
    text = resources.files("logwarden.detection").joinpath("rules.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def parse_document(text: str) -> dict[str, Any]:
    """A rules override as TOML, or as JSON when it starts with ``{``."""
    stripped = text.strip()
    try:
        document = json.loads(stripped) if stripped.startswith("{") else tomllib.loads(stripped)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise RulesError([f"cannot parse rules: {exc}"]) from exc
    if not isinstance(document, dict):
        raise RulesError(["rules must be a table"])
    return document


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_rules(override: str | None = None) -> Rules:
    """The shipped defaults, with ``override`` (TOML or JSON text) merged in when given."""
    document = default_document()
    if override is not None and override.strip():
        document = merge(document, parse_document(override))
    return build_rules(document)


class _Reader:
    """Typed access to one table of the document, collecting problems instead of stopping at the first."""

    def __init__(self, table: Any, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        if not isinstance(table, Mapping):
            problems.append(f"{path} must be a table")
            table = {}
        self.table: Mapping[str, Any] = table

    def _get(self, key: str, default: Any) -> Any:
        return self.table.get(key, default)

    def number(self, key: str, default: float, *, minimum: float = 0.0) -> float:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            self.problems.append(f"{self.path}.{key} must be a number >= {minimum}, not {value!r}")
            return default
        return float(value)

    def integer(self, key: str, default: int, *, minimum: int = 0) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problems.append(f"{self.path}.{key} must be an integer >= {minimum}, not {value!r}")
            return default
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            self.problems.append(f"{self.path}.{key} must be true or false")
            return default
        return value

    def strings(self, key: str, default: Sequence[str]) -> tuple[str, ...]:
        value = self._get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(f"{self.path}.{key} must be a list of strings")
            return tuple(default)
        return tuple(value)

    def weekdays(self, key: str) -> tuple[int, ...]:
        value = self._get(key, [5, 6])
        if not isinstance(value, list) or not all(isinstance(v, int) and 0 <= v <= 6 for v in value):
            self.problems.append(f"{self.path}.{key} must be a list of weekdays 0 (Monday) .. 6 (Sunday)")
            return (5, 6)
        return tuple(value)

    def severity(self, key: str, default: Severity) -> Severity:
        value = self._get(key, default.label)
        try:
            return Severity.parse(str(value))
        except ValueError as exc:
            self.problems.append(f"{self.path}.{key}: {exc}")
            return default

    def selector(self, default_levels: Sequence[str] = ("*",), default_events: Sequence[str] = ("*",)) -> Selector:
        return Selector(
            subsystems=self.strings("subsystems", ("*",)),
            events=self.strings("events", default_events),
            levels=tuple(level.upper() for level in self.strings("levels", default_levels)),
            exclude_events=self.strings("exclude_events", ()),
        )

    def scale(self, key: str, *, upward: bool) -> SeverityScale:
        value = self._get(key, None)
        steps: list[tuple[float, Severity]] = []
        if isinstance(value, list) and value:
            for item in value:
                if (
                    isinstance(item, list)
                    and len(item) == 2
                    and isinstance(item[0], int | float)
                    and isinstance(item[1], str)
                ):
                    try:
                        steps.append((float(item[0]), Severity.parse(item[1])))
                        continue
                    except ValueError:
                        pass
                self.problems.append(f"{self.path}.{key}: each step must be [number, severity], not {item!r}")
        else:
            self.problems.append(f"{self.path}.{key} must be a non-empty list of [number, severity]")
        return SeverityScale(tuple(steps) or ((0.0, Severity.LOW),), upward=upward)

    def windows(self, key: str) -> tuple[Window, ...]:
        value = self._get(key, [])
        if not isinstance(value, list) or not value:
            self.problems.append(f"{self.path}.{key} must be a non-empty list of windows")
            return ()
        result = []
        for i, item in enumerate(value):
            reader = _Reader(item, f"{self.path}.{key}[{i}]", self.problems)
            result.append(
                Window(
                    minutes=reader.integer("minutes", 1, minimum=1),
                    factor=reader.number("factor", 1.0, minimum=0.0),
                    alpha=reader.number("alpha", 1e-6, minimum=0.0),
                    min_excess=reader.number("min_excess", 0.0),
                )
            )
        return tuple(result)

    def minute_counts(self, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        """A non-empty list of positive minute counts."""
        value = self._get(key, list(default))
        if not isinstance(value, list) or not value or not all(isinstance(v, int) and v >= 1 for v in value):
            self.problems.append(f"{self.path}.{key} must be a non-empty list of integers >= 1")
            return default
        return tuple(value)

    def hours(self, key: str) -> tuple[int, ...]:
        value = self._get(key, [])
        if not isinstance(value, list) or not value or not all(isinstance(v, int) and v >= 1 for v in value):
            self.problems.append(f"{self.path}.{key} must be a non-empty list of integers >= 1")
            return (2,)
        return tuple(value)


def build_rules(document: Mapping[str, Any]) -> Rules:
    problems: list[str] = []
    base = _Reader(document.get("baseline", {}), "baseline", problems)
    baseline = BaselineRules(
        history_days=base.integer("history_days", 14, minimum=1),
        min_history_days=base.integer("min_history_days", 3, minimum=1),
        weekend_days=base.weekdays("weekend_days"),
        min_rate_per_minute=base.number("min_rate_per_minute", 0.05),
    )
    lift_reader = _Reader(document.get("lift", {}), "lift", problems)
    lift = LiftRules(
        selector=lift_reader.selector(default_levels=("INFO",)),
        window_minutes=lift_reader.integer("window_minutes", 10, minimum=1),
        min_expected=lift_reader.number("min_expected", 20.0),
        cap=lift_reader.number("cap", 5.0, minimum=1.0),
        floor=lift_reader.number("floor", 0.2),
        alive_min=lift_reader.number("alive_min", 0.3),
    )
    life = _Reader(document.get("lifecycle", {}), "lifecycle", problems)
    lifecycle = LifecycleRules(
        cooldown_minutes=life.integer("cooldown_minutes", 30),
        recover_after_minutes=life.integer("recover_after_minutes", 10, minimum=1),
        slow_recover_after_minutes=life.integer("slow_recover_after_minutes", 30, minimum=1),
        state_ttl_days=life.integer("state_ttl_days", 7, minimum=1),
        hold_minutes=life.integer("hold_minutes", 2),
        hold_severity=life.severity("hold_severity", Severity.LOW),
        join_minutes=life.integer("join_minutes", 3),
    )
    static: list[StaticRule] = []
    raw_static = document.get("static", [])
    if not isinstance(raw_static, list):
        problems.append("static must be an array of tables ([[static]])")
        raw_static = []
    for i, item in enumerate(raw_static):
        reader = _Reader(item, f"static[{i}]", problems)
        name = reader.table.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"static[{i}].name must be a non-empty string")
            name = f"static_{i}"
        static.append(
            StaticRule(
                name=name,
                selector=reader.selector(default_events=("any",)),
                above=reader.number("above", 100.0),
                for_minutes=reader.integer("for_minutes", 1, minimum=1),
                severity=reader.severity("severity", Severity.HIGH),
                within_minutes=reader.integer("within_minutes", 2, minimum=1),
            )
        )
    sp = _Reader(document.get("spike", {}), "spike", problems)
    spike = SpikeRules(
        enabled=sp.flag("enabled", True),
        selector=sp.selector(),
        windows=sp.windows("windows"),
        severity=sp.scale("severity", upward=True),
        escalate_levels=tuple(level.upper() for level in sp.strings("escalate_levels", ())),
        persist_minutes=sp.integer("persist_minutes", 2, minimum=1),
        critical_minutes=sp.integer("critical_minutes", 3, minimum=1),
        persist_window=sp.integer("persist_window", 5, minimum=1),
        gradual_levels=tuple(level.upper() for level in sp.strings("gradual_levels", ("INFO", "DEBUG", "TRACE"))),
        gradual_step=sp.number("gradual_step", 2.0, minimum=1.0),
        gradual_severity=sp.severity("gradual_severity", Severity.LOW),
        recent_minutes=sp.integer("recent_minutes", 1, minimum=1),
        recent_share=sp.number("recent_share", 0.5, minimum=0.0),
    )
    dr = _Reader(document.get("drop", {}), "drop", problems)
    drop = DropRules(
        enabled=dr.flag("enabled", True),
        selector=dr.selector(default_levels=("INFO",)),
        windows=dr.windows("windows"),
        silence_alpha=dr.number("silence_alpha", 1e-6),
        silence_severity=dr.severity("silence_severity", Severity.HIGH),
        severity=dr.scale("severity", upward=False),
        recent_minutes=dr.integer("recent_minutes", 1, minimum=1),
        recent_share=dr.number("recent_share", 0.5, minimum=0.0),
    )
    ramp = _trend(_Reader(document.get("ramp", {}), "ramp", problems), upward=True)
    decline = _trend(_Reader(document.get("decline", {}), "decline", problems), upward=False)
    st = _Reader(document.get("mq_storm", {}), "mq_storm", problems)
    mq_storm = StormRules(
        enabled=st.flag("enabled", True),
        selector=Selector(events=st.strings("events", ("mq_*",)), levels=st.strings("levels", ("*",))),
        window_minutes=st.integer("window_minutes", 3, minimum=1),
        min_count=st.integer("min_count", 30, minimum=1),
        factor=st.number("factor", 5.0),
        severity=st.severity("severity", Severity.HIGH),
        spread_subsystems=st.integer("spread_subsystems", 2, minimum=1),
        spread_severity=st.severity("spread_severity", Severity.CRITICAL),
    )
    si = _Reader(document.get("silence", {}), "silence", problems)
    silence = SilenceRules(
        enabled=si.flag("enabled", True),
        window_minutes=si.integer("window_minutes", 10, minimum=1),
        min_expected=si.number("min_expected", 100.0),
        severity=si.severity("severity", Severity.CRITICAL),
    )
    series_reader = _Reader(document.get("series", {}), "series", problems)
    series_reader.integer("max_events_per_subsystem", 50, minimum=1)  # validated before anything is built
    runbook_raw = document.get("runbook", {})
    runbook: dict[str, str] = {}
    if isinstance(runbook_raw, Mapping):
        runbook = {str(k): str(v) for k, v in runbook_raw.items()}
    else:
        problems.append("runbook must be a table")
    if baseline.min_history_days > baseline.history_days:
        problems.append("baseline.min_history_days must not exceed baseline.history_days")
    if problems:
        raise RulesError(problems)
    return Rules(
        baseline=baseline,
        lift=lift,
        lifecycle=lifecycle,
        static=tuple(static),
        spike=spike,
        drop=drop,
        ramp=ramp,
        decline=decline,
        mq_storm=mq_storm,
        silence=silence,
        runbook=runbook,
        max_events_per_subsystem=series_reader.integer("max_events_per_subsystem", 50, minimum=1),
    )


def _trend(reader: _Reader, *, upward: bool) -> TrendRules:
    shift = reader.number("shift", 1.5 if upward else 0.75, minimum=0.01)
    if (shift <= 1.0) if upward else (shift >= 1.0):
        reader.problems.append(f"{reader.path}.shift must be {'above' if upward else 'below'} 1, not {shift}")
        shift = 1.5 if upward else 0.75
    minutes = reader.minute_counts("minutes", (10, 20, 30))
    return TrendRules(
        enabled=reader.flag("enabled", True),
        selector=reader.selector(),
        hours=reader.hours("hours"),
        minutes=minutes,
        recent_minutes=reader.integer("recent_minutes", 10, minimum=1),
        recent_share=reader.number("recent_share", 0.8),
        level_hours=reader.integer("level_hours", 2),
        level_cap=reader.number("level_cap", 1.5, minimum=1.0),
        shift=shift,
        noise=reader.number("noise", 0.05),
        threshold=reader.number("threshold", 12.0),
        min_excess=reader.number("min_excess", 20.0),
        severity=reader.scale("severity", upward=upward),
    )
