"""One run of the scheduled anomaly check: read counts, detect, advance the lifecycle, publish.

The run evaluates the last minute that ingestion has had time to complete (``lag_minutes`` before the
current one). If OpenSearch cannot answer, the run raises its own ``check_failed`` alert through the
same lifecycle (so an outage pages once, not every minute, and recovers once) and leaves every other
alert untouched: no data is not the same as no anomaly.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Final, Protocol

from logwarden.alerting.lifecycle import Notification, Transition, group, step
from logwarden.alerting.messages import MessageContext, build_message
from logwarden.alerting.publish import Publisher
from logwarden.alerting.state import AlertStore
from logwarden.detection.counts import CountView, FoldedView
from logwarden.detection.detectors import Detectors, Finding
from logwarden.detection.model import ALL, SeriesKey, Severity, minute_of
from logwarden.detection.opensearch import CountsUnavailableError
from logwarden.detection.rules import Rules
from logwarden.detection.span import FetchSpan, fetch_span

_log = logging.getLogger(__name__)
CHECK_FAILED: Final = "check_failed"
CHECK_KEY: Final = SeriesKey(ALL, ALL, ALL)


class CountSource(Protocol):
    def fetch(self, span: FetchSpan) -> CountView: ...


@dataclass(frozen=True, slots=True)
class CheckReport:
    minute: int
    ran: bool
    series: int
    findings: int
    notifications: list[Notification] = field(default_factory=list)
    lost_races: int = 0
    message_id: str | None = None
    error: str | None = None
    folded_series: int = 0  # event kinds evaluated together as "other" (rules [series]); 0 is the healthy value

    def summary(self) -> dict[str, object]:
        return {
            "minute": self.minute,
            "ran": self.ran,
            "series": self.series,
            "findings": self.findings,
            "alerts": sum(n.kind == "alert" for n in self.notifications),
            "recoveries": sum(n.kind == "recovery" for n in self.notifications),
            "lost_races": self.lost_races,
            "message_id": self.message_id,
            "error": self.error,
            "folded_series": self.folded_series,
        }


class AnomalyCheck:
    def __init__(
        self,
        counts: CountSource,
        store: AlertStore,
        publisher: Publisher,
        rules: Rules,
        context: MessageContext,
        lag_minutes: int = 1,
    ) -> None:
        self._counts = counts
        self._store = store
        self._publisher = publisher
        self._rules = rules
        self._context = context
        self._lag = lag_minutes

    def evaluated_minute(self, now: dt.datetime) -> int:
        return minute_of(now) - 1 - self._lag

    def run(self, now: dt.datetime) -> CheckReport:
        minute = self.evaluated_minute(now)
        states = self._store.load()
        error: str | None = None
        series = 0
        folded = 0
        detectors: Detectors | None = None
        try:
            view = FoldedView(self._counts.fetch(fetch_span(minute, self._rules)), self._rules.max_events_per_subsystem)
        except CountsUnavailableError as exc:
            error = str(exc)
            findings = [Finding(CHECK_FAILED, CHECK_KEY, minute, Severity.HIGH, 0, 0, 1, error)]
            # Only the check's own alert moves; every other alert keeps its state until data returns.
            states = {k: v for k, v in states.items() if k.group == CHECK_FAILED}
        else:
            series = sum(1 for _ in view.series())
            folded = len(view.folded)
            if folded:
                _log.warning(
                    "series folded into 'other': more than %d event kinds in a subsystem and level; %d folded",
                    self._rules.max_events_per_subsystem,
                    folded,
                )
            detectors = Detectors(view, self._rules)
            findings = detectors.evaluate()
        if detectors is None:
            transitions = step(states, findings, minute, self._rules.lifecycle)
        else:
            transitions = step(
                states, findings, minute, self._rules.lifecycle, detectors.current, detectors.this_minute
            )
        applied: list[Transition] = []
        lost = 0
        for transition in transitions:
            if self._store.apply(transition):
                applied.append(transition)
            else:
                lost += 1
        notifications = group(t.notification for t in applied if t.notification is not None)
        message_id = None
        if notifications:
            try:
                message_id = self._publisher.publish(build_message(notifications, self._context))
            except Exception:
                # Unsent means unclaimed: put the state back so the next run (or the retry) sends it. Every
                # change of the run goes back: members of one incident carry what its message told.
                for transition in applied:
                    self._store.restore(transition)
                raise
        return CheckReport(minute, error is None, series, len(findings), notifications, lost, message_id, error, folded)
