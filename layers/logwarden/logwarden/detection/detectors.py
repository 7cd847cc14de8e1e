"""The detectors: given a count view at one minute, which series are anomalous, how badly, and why.

Every detector returns ``Finding``s, plain data. Seasonal detectors (spike, drop, ramp, decline) judge
a series against its seasonal expectation scaled by the *lift* of the rest of the system, so a peak the
whole system shares (a campaign, month-end) explains itself, while a flood on one series does not.
Static thresholds, broker storms and the system-wide silence need no history.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Final

from logwarden.detection.baseline import SeasonalBaseline
from logwarden.detection.counts import CountView
from logwarden.detection.model import ALL, ANY_EVENT, MINUTES_PER_HOUR, SeriesKey, Severity, format_minute
from logwarden.detection.poisson import lower_tail, upper_tail
from logwarden.detection.rules import Rules, Selector, TrendRules, Window

STORM_KEY: Final = SeriesKey(ALL, "mq_*", ALL)
SILENCE_KEY: Final = SeriesKey(ALL, ANY_EVENT, ALL)
_RECENT_ALPHA: Final = 0.01  # the hours-long test carries the evidence; this one only asks "still so now?"


@dataclass(frozen=True, slots=True)
class Finding:
    """One series is anomalous at ``minute`` according to ``rule``.

    ``observed`` and ``expected`` are counts over the last ``window_minutes`` minutes (for static
    thresholds, ``expected`` is the threshold itself); ``note`` is a short phrase for people.
    """

    rule: str
    key: SeriesKey
    minute: int
    severity: Severity
    observed: float
    expected: float
    window_minutes: int
    note: str = ""


class _Lift:
    """Leave-one-out median of observed/expected ratios over the reference series of one window."""

    def __init__(self, ratios: dict[SeriesKey, float]) -> None:
        self._ratios = ratios
        self._sorted = sorted(ratios.values())

    def of_others(self, key: SeriesKey) -> float | None:
        values = self._sorted
        own = self._ratios.get(key)
        count = len(values) - (1 if own is not None else 0)
        if count <= 0:
            return None
        if own is None:
            return _median_sorted(values)
        # Median of the list without one occurrence of ``own``, without copying it.
        position = _index_of(values, own)

        def nth(i: int) -> float:
            return values[i if i < position else i + 1]

        mid = count // 2
        return nth(mid) if count % 2 else (nth(mid - 1) + nth(mid)) / 2


def _median_sorted(values: Sequence[float]) -> float:
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _index_of(values: Sequence[float], value: float) -> int:
    lo, hi = 0, len(values)
    while lo < hi:
        middle = (lo + hi) // 2
        if values[middle] < value:
            lo = middle + 1
        else:
            hi = middle
    return lo


class Detectors:
    """All detectors over one view; the baseline cache may be reused across minutes (the backtest does)."""

    def __init__(self, view: CountView, rules: Rules, baseline: SeasonalBaseline | None = None) -> None:
        self.view = view
        self.rules = rules
        self.baseline = baseline or SeasonalBaseline(view, rules.baseline)
        self._plans: dict[SeriesKey, dict[int, bool]] = {}
        self._lifts: dict[tuple[int, int], _Lift] = {}
        self._known_set: frozenset[SeriesKey] = frozenset()
        self._known_at: int | None = None

    # ------------------------------------------------------------------------------------------ helpers

    def _selected(self, selector: Selector, key: SeriesKey) -> bool:
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = {}
        hit = plan.get(id(selector))
        if hit is None:
            hit = plan[id(selector)] = selector.matches(key)
        return hit

    def _references(self) -> list[SeriesKey]:
        view = self.view
        return [k for k in view.series() if not view.is_derived(k) and self._selected(self.rules.lift.selector, k)]

    def _lift(self, first: int, last: int) -> _Lift:
        """Reference ratios over recent minutes ``first..last``; computed once per window per evaluation."""
        cached = self._lifts.get((first, last))
        if cached is not None:
            return cached
        ratios: dict[SeriesKey, float] = {}
        for key in self._references():
            expected = self.baseline.expected(key, first, last)
            if expected is None or expected < self.rules.lift.min_expected:
                continue
            ratios[key] = (self.view.minute_sum(key, first, last) + 1.0) / (expected + 1.0)
        lift = self._lifts[(first, last)] = _Lift(ratios)
        return lift

    def _lift_hours(self, first_hour: int) -> _Lift:
        """Reference ratios from the start of ``first_hour`` to now, read at hour resolution."""
        now = self.view.now
        cache_key = (-first_hour - 1, now)  # never collides with a minute window (minutes are positive)
        cached = self._lifts.get(cache_key)
        if cached is not None:
            return cached
        ratios: dict[SeriesKey, float] = {}
        current = now // MINUTES_PER_HOUR
        for key in self._references():
            expected = self.baseline.expected_since(key, first_hour, now)
            if expected is None or expected < self.rules.lift.min_expected:
                continue
            observed = sum(self.view.hour_count(key, h) for h in range(first_hour, current + 1))
            ratios[key] = (observed + 1.0) / (expected + 1.0)
        lift = self._lifts[cache_key] = _Lift(ratios)
        return lift

    def _lift_up(self, key: SeriesKey, lift: _Lift) -> float:
        value = lift.of_others(key)
        return 1.0 if value is None else min(max(value, 1.0), self.rules.lift.cap)

    def _lift_down(self, key: SeriesKey, lift: _Lift) -> float | None:
        """Downward lift for drops; None when the rest of the system is not demonstrably alive."""
        value = lift.of_others(key)
        if value is None or value < self.rules.lift.alive_min:
            return None
        return max(min(value, 1.0), self.rules.lift.floor)

    def _lift_window(self) -> tuple[int, int]:
        now = self.view.now
        return now - self.rules.lift.window_minutes + 1, now

    def current(self, key: SeriesKey, minutes: int = 5) -> tuple[float, float | None] | None:
        """Count per minute over the last ``minutes`` minutes and its expectation; None for an unknown series."""
        if key not in self._known():
            return None
        now = self.view.now
        first = now - minutes + 1
        expected = self.baseline.expected(key, first, now)
        return self.view.minute_sum(key, first, now) / minutes, None if expected is None else expected / minutes

    def this_minute(self, key: SeriesKey) -> tuple[float, float | None] | None:
        return self.current(key, 1)

    def _known(self) -> frozenset[SeriesKey]:
        if self._known_at != self.view.now:
            self._known_set = frozenset(self.view.series())
            self._known_at = self.view.now
        return self._known_set

    # ------------------------------------------------------------------------------------------ detectors

    def evaluate(self) -> list[Finding]:
        """Every finding at ``view.now``, at most one per rule and series."""
        self._lifts.clear()
        findings: list[Finding] = []
        keys = list(self.view.series())
        findings += self.static(keys)
        for key in keys:
            if key.event == "-":
                continue
            for found in (self.spike(key), self.drop(key), self.trend(key, self.rules.ramp, "ramp")):
                if found is not None:
                    findings.append(self.severity_policy(found))
            found = self.trend(key, self.rules.decline, "decline")
            if found is not None:
                findings.append(found)
        storm = self.mq_storm(keys)
        if storm is not None:
            findings.append(storm)
        silence = self.silence(keys)
        if silence is not None:
            findings.append(silence)
        return self._without_explained_totals(findings)

    def _without_explained_totals(self, findings: list[Finding]) -> list[Finding]:
        """Drop a finding on a derived ``any`` total when one of its own event kinds fired the same rule."""
        specific = {
            (f.rule, f.key.subsystem, f.key.level)
            for f in findings
            if f.key.event != ANY_EVENT and not self.view.is_derived(f.key)
        }
        return [
            f
            for f in findings
            if not (self.view.is_derived(f.key) and (f.rule, f.key.subsystem, f.key.level) in specific)
        ]

    def static(self, keys: Iterable[SeriesKey]) -> list[Finding]:
        now = self.view.now
        findings = []
        for key in keys:
            claimed: set[str] = set()
            for rule in self.rules.static:
                if rule.name in claimed or not self._selected(rule.selector, key):
                    continue
                claimed.add(rule.name)
                found = self._static_breach(key, rule.above, rule.for_minutes, rule.within_minutes)
                if found is not None:
                    end, count = found
                    note = "above threshold" if end == now else f"above threshold at {format_minute(end)}"
                    findings.append(Finding(rule.name, key, now, rule.severity, count, rule.above, 1, note))
        return findings

    def _static_breach(self, key: SeriesKey, above: float, for_minutes: int, within: int) -> tuple[int, int] | None:
        """The latest minute, of the last ``within``, that ends ``for_minutes`` in a row above ``above``, and its
        count. Looking back a few minutes means no breach is lost to a minute that no run saw complete."""
        now = self.view.now
        counts = {m: self.view.minute_sum(key, m, m) for m in range(now - within - for_minutes + 2, now + 1)}
        for end in range(now, now - within, -1):
            if all(counts[m] > above for m in range(end - for_minutes + 1, end + 1)):
                return end, counts[end]
        return None

    def spike(self, key: SeriesKey) -> Finding | None:
        spike = self.rules.spike
        if not spike.enabled or not self._selected(spike.selector, key):
            return None
        now = self.view.now
        best: Finding | None = None
        for window in spike.windows:
            found = self._spike_window(key, window, now)
            if found is not None and (best is None or found.severity > best.severity):
                best = found
        return best

    def _spike_window(self, key: SeriesKey, window: Window, now: int) -> Finding | None:
        first = now - window.minutes + 1
        observed = self.view.minute_sum(key, first, now)
        if observed < window.min_excess:
            return None
        expected = self.baseline.expected(key, first, now)
        if expected is None or observed <= window.factor * expected or observed - expected < window.min_excess:
            return None
        lift = self._lift_up(key, self._lift(*self._lift_window()))
        expected *= lift
        threshold = window.factor * expected
        if observed <= threshold or observed - expected < window.min_excess:
            return None
        if upper_tail(observed, threshold) >= window.alpha:
            return None
        ratio = observed / expected
        spike = self.rules.spike
        if not self._still_out(key, window.minutes, ratio, lift, spike.recent_minutes, spike.recent_share):
            return None
        severity = self.rules.spike.severity.of(ratio)
        if key.level in self.rules.spike.escalate_levels:
            severity = Severity(min(severity + 1, Severity.CRITICAL))
        return Finding("rate_spike", key, now, severity, observed, expected, window.minutes, f"x{ratio:.1f}")

    def _still_out(self, key: SeriesKey, minutes: int, ratio: float, lift: float, recent: int, share: float) -> bool:
        """Are the window's last ``recent`` minutes still at least ``share`` of the window's distance from normal
        (above it for a rise, ``ratio`` > 1; below it for a fall)? A window's count remembers a burst, or a gap,
        for as long as the window is; what is over must not keep an alert firing (nor make its incident look
        live to the alerts that come after it)."""
        if recent >= minutes:
            return True
        now = self.view.now
        expected = self.baseline.expected(key, now - recent + 1, now)
        if expected is None or expected <= 0:
            return True
        observed = self.view.minute_sum(key, now - recent + 1, now)
        bound = expected * lift * (1.0 + share * (ratio - 1.0))
        return observed >= bound if ratio > 1.0 else observed <= bound

    def drop(self, key: SeriesKey) -> Finding | None:
        drop = self.rules.drop
        if not drop.enabled or not self._selected(drop.selector, key):
            return None
        now = self.view.now
        best: Finding | None = None
        for window in drop.windows:
            found = self._drop_window(key, window, now)
            if found is not None and (best is None or found.severity > best.severity):
                best = found
        return best

    def _drop_window(self, key: SeriesKey, window: Window, now: int) -> Finding | None:
        first = now - window.minutes + 1
        expected = self.baseline.expected(key, first, now)
        drop = self.rules.drop
        # A silence needs only that zero be improbable; anything else must miss by min_excess.
        silence_floor = -math.log(drop.silence_alpha) if drop.silence_alpha > 0 else math.inf
        if expected is None or expected < min(window.min_excess, silence_floor):
            return None
        observed = self.view.minute_sum(key, first, now)
        # Cheap test first: downward lift only lowers the expectation, so if even the full expectation
        # is not clearly missed, nothing below will be.
        if observed >= window.factor * expected and observed > 0:
            return None
        lift = self._lift_down(key, self._lift(*self._lift_window()))
        if lift is None:
            # The rest of the system is not demonstrably alive: no partial drop is judged. A silent stream is
            # still silent, though; it joins the outage's incident (one thread) instead of "recovering".
            if observed == 0 and math.exp(-expected) < drop.silence_alpha:
                return Finding("drop", key, now, drop.silence_severity, 0, expected, window.minutes, "silent")
            return None
        expected *= lift
        if observed == 0 and math.exp(-expected) < drop.silence_alpha:
            return Finding("drop", key, now, drop.silence_severity, 0, expected, window.minutes, "silent")
        threshold = window.factor * expected
        if observed >= threshold or expected - observed < window.min_excess:
            return None
        if lower_tail(observed, threshold) >= window.alpha:
            return None
        ratio = observed / expected
        if not self._still_out(key, window.minutes, ratio, lift, drop.recent_minutes, drop.recent_share):
            return None
        return Finding("drop", key, now, drop.severity.of(ratio), observed, expected, window.minutes, f"x{ratio:.2f}")

    def trend(self, key: SeriesKey, rules: TrendRules, name: str) -> Finding | None:
        """Poisson CUSUM over windows ending now: the best change point must carry ``threshold`` of evidence."""
        if not rules.enabled or not self._selected(rules.selector, key):
            return None
        upward = rules.severity.upward
        shift = rules.shift
        log_shift = math.log(shift)
        crossover = (shift - 1.0) / log_shift  # the ratio where the evidence turns from against to for
        now = self.view.now
        recent = self._recent_ratio(key, rules)
        if recent is None or ((recent <= crossover) if upward else (recent >= crossover)):
            return None  # not moving now: the tail of a burst, or a dip that is over, is no trend
        level = self._level(key, rules)
        if level is None:
            return None
        if not upward and self._lift_down(key, self._lift(*self._lift_window())) is None:
            return None  # the rest of the system is not demonstrably alive now: silence, not a decline
        best: tuple[float, float, float, int] | None = None  # (evidence, observed, expected, minutes)
        for window in self._trend_windows(key, rules):
            observed, expected, minutes, lift = window
            if expected is None:
                continue
            expected = self._trend_expected(key, rules, expected, level, lift)
            if expected is None:
                continue  # drops and declines only count while the rest of the system is alive
            if abs(observed - expected) < rules.min_excess:
                continue
            evidence = (observed * log_shift - (shift - 1.0) * expected) / (1.0 + rules.noise**2 * expected)
            if best is None or evidence > best[0]:
                best = (evidence, observed, expected, minutes)
        if best is None or best[0] < rules.threshold:
            return None
        evidence, observed, expected, minutes = best
        ratio = observed / expected if expected > 0 else math.inf
        # A trend is where the series is now: the recent minutes at least as far out as most of the window
        # (a ramp's latest minutes are its highest). An old burst inside an hour window does not qualify.
        if (
            (recent < 1.0 + rules.recent_share * (ratio - 1.0))
            if upward
            else (recent > 1.0 - rules.recent_share * (1.0 - ratio))
        ):
            return None
        return Finding(
            name, key, now, rules.severity.of(ratio), observed, expected, minutes, f"x{ratio:.2f}, cusum {evidence:.0f}"
        )

    def _trend_expected(
        self, key: SeriesKey, rules: TrendRules, expected: float, level: float, lift: _Lift
    ) -> float | None:
        """A trend window's expectation scaled to today's level and the system's lift; None for a fall while the
        rest of the system is not demonstrably alive."""
        if rules.severity.upward:
            # Today's own level or the system's current lift, whichever explains more (not both: a
            # system-wide high day is in each of them, and would be counted twice).
            return expected * max(level, self._lift_up(key, lift))
        lifted = self._lift_down(key, lift)
        if lifted is None:
            return None
        return expected * level * (1.0 if rules.level_hours else lifted)

    def _trend_windows(self, key: SeriesKey, rules: TrendRules) -> Iterable[tuple[float, float | None, int, _Lift]]:
        now = self.view.now
        for minutes in rules.minutes:
            first = now - minutes + 1
            lift = self._lift(first, now)
            yield float(self.view.minute_sum(key, first, now)), self.baseline.expected(key, first, now), minutes, lift
        current = now // MINUTES_PER_HOUR
        for hours in rules.hours:
            first_hour = current - hours + 1
            minutes = now - first_hour * MINUTES_PER_HOUR + 1
            if minutes <= max(rules.minutes):
                continue  # the minute windows already cover it
            observed = float(sum(self.view.hour_count(key, h) for h in range(first_hour, current + 1)))
            yield observed, self.baseline.expected_since(key, first_hour, now), minutes, self._lift_hours(first_hour)

    def _level(self, key: SeriesKey, rules: TrendRules) -> float | None:
        """Today's own level of the series: observed / expected in each of the ``level_hours`` complete hours
        that end an hour before the current one (a trend starting now has barely touched them). Days run high
        or low as a whole; a decline is a fall from today's level, not from the median day's. The level is the
        cautious one: the lowest hour for declines, the highest for ramps, so a burst in one reference hour
        never makes the normal minutes after it look like a decline. Each hour's ratio counts only as far as
        it can be the day's level and not noise: a sparse series' level stays near 1, where a noisy high hour
        would otherwise raise every expectation of a ramp by up to ``level_cap``."""
        if not rules.level_hours:
            return 1.0
        current = self.view.now // MINUTES_PER_HOUR
        ratios = []
        for hour in range(current - rules.level_hours - 1, current - 1):
            expected = self.baseline.expected_hour(key, hour)
            if expected is None:
                return None
            ratio = (self.view.hour_count(key, hour) + 1.0) / (expected + 1.0)
            # Shrunk towards 1 by how much of the hour's deviation can be the day's level rather than Poisson
            # noise (empirical Bayes: day-level variance noise^2 against the count's 1/E): a sparse series'
            # hour of 20 events says little about its day, a busy one's says a lot.
            ratios.append(1.0 + (ratio - 1.0) * rules.noise**2 / (rules.noise**2 + 1.0 / (expected + 1.0)))
        level = max(ratios) if rules.severity.upward else min(ratios)
        return min(max(level, 1.0 / rules.level_cap), rules.level_cap)

    def _recent_ratio(self, key: SeriesKey, rules: TrendRules) -> float | None:
        """Observed / expected over the last ``recent_minutes`` (expected lifted like the windows)."""
        now = self.view.now
        first = now - rules.recent_minutes + 1
        expected = self.baseline.expected(key, first, now)
        if expected is None or expected <= 0:
            return None
        level = self._level(key, rules)
        if level is None:
            return None
        lift = self._lift(first, now)
        if rules.severity.upward:
            expected *= max(level, self._lift_up(key, lift))
        else:
            lifted = self._lift_down(key, lift)
            if lifted is None:
                return None
            expected *= level if rules.level_hours else lifted
        return self.view.minute_sum(key, first, now) / expected

    # ------------------------------------------------------------------------------------------ severity policy

    def _persisted(self, key: SeriesKey) -> int:
        """How many of the last ``persist_window`` minutes were each clearly above their expectation."""
        now = self.view.now
        lift = self._lift_up(key, self._lift(*self._lift_window()))
        count = 0
        for minute in range(now - self.rules.spike.persist_window + 1, now + 1):
            expected = self.baseline.expected(key, minute, minute)
            if expected is None:
                return 0
            expected *= lift
            if self.view.minute_sum(key, minute, minute) > 2.0 * expected + 3.0 * math.sqrt(expected) + 1.0:
                count += 1
        return count

    def _gradual(self, key: SeriesKey, ratio: float) -> bool:
        """The last complete hour was already above 1/gradual_step of the current ratio: a rise under way."""
        hour = self.view.now // MINUTES_PER_HOUR - 1
        expected = self.baseline.expected_hour(key, hour)
        if expected is None:
            return False
        lift = self._lift_up(key, self._lift_hours(hour))
        before = (self.view.hour_count(key, hour) + 1.0) / (expected * lift + 1.0)
        return before * self.rules.spike.gradual_step >= ratio

    def severity_policy(self, finding: Finding) -> Finding:
        """Caps that keep business peaks below paging: one minute is at most low, critical needs persistence,
        a gradual rise of INFO traffic (a campaign) stays at ``gradual_severity``."""
        spike = self.rules.spike
        if finding.rule not in ("rate_spike", "ramp") or finding.severity <= Severity.LOW:
            return finding
        cap = Severity.CRITICAL
        persisted = self._persisted(finding.key)
        if persisted < spike.persist_minutes:
            cap = Severity.LOW
        elif persisted < spike.critical_minutes:
            cap = Severity.HIGH
        ratio = (finding.observed + 1.0) / (finding.expected + 1.0)
        if finding.key.level in spike.gradual_levels and self._gradual(finding.key, ratio):
            cap = min(cap, spike.gradual_severity)
        if finding.severity <= cap:
            return finding
        note = f"{finding.note}, held at {cap.label} ({persisted} of {spike.persist_window} min above normal)"
        return replace(finding, severity=cap, note=note)

    def mq_storm(self, keys: Iterable[SeriesKey]) -> Finding | None:
        storm = self.rules.mq_storm
        if not storm.enabled:
            return None
        now = self.view.now
        first = now - storm.window_minutes + 1
        observed = 0
        latest = 0
        expected = 0.0
        subsystems: set[str] = set()
        for key in keys:
            if self.view.is_derived(key) or not self._selected(storm.selector, key):
                continue
            count = self.view.minute_sum(key, first, now)
            if count:
                observed += count
                latest += self.view.minute_sum(key, now, now)
                subsystems.add(key.subsystem)
            expected += self.baseline.expected(key, first, now) or 0.0
        if observed < storm.min_count or observed < storm.factor * expected:
            return None
        if latest * storm.window_minutes < storm.min_count:
            return None  # the storm is over; its window only remembers it
        spread = len(subsystems) >= storm.spread_subsystems
        severity = storm.spread_severity if spread else storm.severity
        note = "from " + ", ".join(sorted(subsystems))
        return Finding("mq_storm", STORM_KEY, now, severity, observed, expected, storm.window_minutes, note)

    def silence(self, keys: Iterable[SeriesKey]) -> Finding | None:
        rules = self.rules.silence
        if not rules.enabled:
            return None
        now = self.view.now
        first = now - rules.window_minutes + 1
        expected = 0.0
        for key in keys:
            if self.view.is_derived(key):
                continue
            if self.view.minute_sum(key, first, now):
                return None
            expected += self.baseline.expected(key, first, now) or 0.0
        if expected < rules.min_expected:
            return None
        return Finding("silence", SILENCE_KEY, now, rules.severity, 0, expected, rules.window_minutes, "no logs at all")
