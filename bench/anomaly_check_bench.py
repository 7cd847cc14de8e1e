"""One anomaly check run over 1,000 active series, OpenSearch time excluded.

The OpenSearch answer is prepared beforehand (the very responses the run's 16 searches would get,
built by the recording fake), so the measured CPU is: parsing the responses, building the view,
every detector over every series, the lifecycle and message building.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from logwarden.alerting.check import AnomalyCheck
from logwarden.alerting.messages import AlertMessage, MessageContext
from logwarden.alerting.state import MemoryAlertStore
from logwarden.detection.model import SeriesKey, parse_minute
from logwarden.detection.opensearch import OpenSearchCounts, count_searches, msearch_body
from logwarden.detection.rules import load_rules
from logwarden.detection.span import fetch_span
from tests.anomaly_fakes import FakeCountsSearch

NOW = parse_minute("2025-02-17T12:00:00Z")


class _Canned:
    def __init__(self, responses: dict[str, object]) -> None:
        self.responses = responses

    def msearch(self, body: object, index: object = None, params: object = None, headers: object = None) -> object:
        return self.responses


class _Discard:
    def publish(self, message: AlertMessage) -> str:
        return "bench"


def build_table(series: int, seed: int = 3) -> dict[SeriesKey, dict[int, int]]:
    rng = random.Random(seed)
    keys = [SeriesKey(f"svc{i % 40}", f"event_{i // 40}", ("INFO", "WARN", "ERROR")[i % 3]) for i in range(series)]
    rules = load_rules()
    span = fetch_span(NOW, rules)
    minutes = list(range(span.first_hour * 60, NOW + 1))
    for lo, hi in span.history:
        minutes += range(lo * 60, (hi + 1) * 60)
    table: dict[SeriesKey, dict[int, int]] = {}
    for key in keys:
        rate = rng.choice((0.2, 1.0, 5.0, 30.0))
        table[key] = {m: max(0, round(rng.gauss(rate, rate**0.5))) for m in minutes}
    for key in keys[:5]:  # a few anomalies so the lifecycle and message paths run too
        for m in range(NOW - 2, NOW + 1):
            table[key][m] = 5_000
    return table


def bench_check(series: int = 1000, repeats: int = 5) -> None:
    table = build_table(series)
    rules = load_rules()
    span = fetch_span(NOW, rules)
    searches = count_searches(span)
    responses = FakeCountsSearch(table).msearch(msearch_body("logs-*", searches))
    buckets = sum(
        len(level["t"]["buckets"])
        for r in responses["responses"]
        for s in r["aggregations"]["subsystem"]["buckets"]
        for e in s["event"]["buckets"]
        for level in e["level"]["buckets"]
    )
    context = MessageContext("bench", "https://dashboards.example.org", "logs", rules.runbook)
    timings = []
    for _ in range(repeats):
        check = AnomalyCheck(
            OpenSearchCounts(_Canned(responses), "logs"), MemoryAlertStore(), _Discard(), rules, context
        )
        started = time.process_time()
        report = check.run(_as_time(NOW + 2))
        timings.append(time.process_time() - started)
    timings.sort()
    print(f"check: {series} series, {buckets} buckets in {len(searches)} searches, {report.findings} findings")
    print(f"check: CPU median {timings[len(timings) // 2]:.2f} s, min {timings[0]:.2f} s over {repeats} runs "
          "(target < 2 s)")  # fmt: skip


def _as_time(minute: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(minute * 60, tz=dt.UTC)
