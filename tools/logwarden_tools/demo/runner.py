"""The demo run: real engines, real handlers, generated traffic, alerts as people would receive them.

1. Start the local OpenSearch and RabbitMQ (unless ``OPENSEARCH_URL`` names another cluster) and bootstrap
   the index templates, roles and policies under a demo prefix.
2. Backfill a few days of normal traffic (the anomaly baselines need history), then stream the live
   window minute by minute: CloudWatch deliveries into ``functions/ingest_cloudwatch``; the CRM's
   records through the real broker and the local poller into ``functions/ingest_mq``.
3. After each live minute, invoke ``functions/anomaly_check`` with the schedule's event for that minute;
   what it publishes to SNS (moto, or a real topic: see ``logwarden_tools.demo.alerts``) is printed as the
   e-mail would read, and ``functions/chat_notify`` posts it to a local webhook server standing in for
   Slack, Teams and Telegram.
4. Summarise: events, indexed, set aside, masked by kind, alerts, detection delay per incident, and
   that no generated personal value is anywhere in the indices.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from contextlib import ExitStack, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, TextIO

import orjson

from logwarden.detection.model import SeriesKey
from logwarden_tools.demo.alerts import AlertRoute, RealTopic, connect_real_topic, keep_environment, sns_lambda_event
from logwarden_tools.demo.chat_sink import ChatSink
from logwarden_tools.demo.handlers import LocalLambdaContext, load_handler
from logwarden_tools.generate.delivery import cloudwatch_deliveries
from logwarden_tools.generate.traffic import Incident, IncidentKind, LogLine, TrafficGenerator, TrafficPlan

_WORD: Final = re.compile(r"\w+")

# A Thursday noon in Moscow: the live window falls on a working day's peak, its history on the days before.
LIVE_START: Final = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)

# What each incident looks like in an alert: (subsystem, event kinds or None for any, levels or None), and
# the system-wide rules that name it wherever they point (a broker storm is told as "all subsystems / mq_*").
INCIDENT_SIGNATURES: Final[
    dict[IncidentKind, tuple[str, frozenset[str] | None, frozenset[str] | None, frozenset[str]]]
] = {
    "order_flood": ("shop", frozenset({"order_created", "any"}), None, frozenset()),
    "mes_error_burst": ("mes", None, frozenset({"ERROR", "FATAL", "*"}), frozenset()),
    "mq_connection_storm": ("mq", None, None, frozenset({"mq_storm"})),
    "order_silence": ("shop", frozenset({"order_created", "any"}), None, frozenset()),
}


@dataclass(frozen=True, slots=True)
class DemoOptions:
    live_minutes: int = 180
    history_days: int = 3
    seed: int = 7
    orders_per_minute: float = 4.0
    flood_per_second: float = 200.0
    incidents: bool = True
    prefix: str = "demo"
    use_rabbitmq: bool = True
    workdir: Path = field(default_factory=lambda: Path.home() / ".cache" / "logwarden" / "demo")
    show_messages: bool = True
    alert_topic_arn: str | None = None  # a real SNS topic to publish the alerts to (logwarden_tools.demo.alerts)


# The live traffic starts this long before the live window, without checks, so that orders are in flight
# when the checks begin (a cold start would look like a drop of status changes).
WARMUP_MINUTES: Final = 30


def default_incidents(options: DemoOptions) -> tuple[Incident, ...]:
    """Spread over the live window, in minutes from the start of the live plan (warm-up included)."""
    if not options.incidents:
        return ()
    live, base = options.live_minutes, WARMUP_MINUTES
    return (
        Incident("order_flood", base + int(live * 0.12), 2),
        Incident("mes_error_burst", base + int(live * 0.30), 5),
        Incident("mq_connection_storm", base + int(live * 0.48), 4),
        Incident("order_silence", base + int(live * 0.62), max(10, int(live * 0.15))),
    )


# The seasonal baselines compare a minute with the same hours of previous days (and interpolate across
# neighbouring hours), so history is backfilled for those hours only, with a margin either side.
HISTORY_MARGIN_MINUTES: Final = 120


def history_plans(options: DemoOptions) -> list[TrafficPlan]:
    return [
        TrafficPlan(
            seed=options.seed * 1000 + day,
            start=LIVE_START - timedelta(days=day, minutes=HISTORY_MARGIN_MINUTES),
            minutes=options.live_minutes + 2 * HISTORY_MARGIN_MINUTES,
            orders_per_minute=options.orders_per_minute,
        )
        for day in range(options.history_days, 0, -1)
    ]


@dataclass
class IncidentOutcome:
    incident: Incident
    first_alert_minute: int | None = None
    rule: str | None = None
    severity: str | None = None

    @property
    def delay_minutes(self) -> int | None:
        if self.first_alert_minute is None:
            return None
        return self.first_alert_minute - self.incident.start_minute


@dataclass
class DemoSummary:
    generated: int = 0
    indexed: int = 0
    duplicates: int = 0
    set_aside: int = 0
    rejected: int = 0
    undelivered: int = 0
    filtered: int = 0
    merged_lines: int = 0
    via_rabbitmq: int = 0
    masked: Counter[str] = field(default_factory=Counter)
    alerts: Counter[tuple[str, str]] = field(default_factory=Counter)
    recoveries: int = 0
    report_path: str = ""  # the HTML page of what the checks saw (counts, expected band, alerts, incidents)
    chat_posts: int = 0
    incidents: list[IncidentOutcome] = field(default_factory=list)
    personal_values_checked: int = 0
    personal_values_found: list[str] = field(default_factory=list)
    documents_in_indices: int = 0
    seconds: float = 0.0

    @property
    def parked(self) -> int:
        return self.set_aside + self.rejected + self.undelivered

    @property
    def conserved(self) -> bool:
        settled = self.indexed + self.duplicates + self.parked + self.filtered + self.merged_lines
        return settled == self.generated

    def as_dict(self) -> dict[str, Any]:
        return {
            "report": self.report_path,
            "generated": self.generated,
            "indexed": self.indexed,
            "duplicates": self.duplicates,
            "set_aside": self.set_aside,
            "rejected": self.rejected,
            "undelivered": self.undelivered,
            "filtered": self.filtered,
            "merged_lines": self.merged_lines,
            "via_rabbitmq": self.via_rabbitmq,
            "conserved": self.conserved,
            "documents_in_indices": self.documents_in_indices,
            "masked": dict(self.masked),
            "alerts": {f"{rule}/{severity}": n for (rule, severity), n in sorted(self.alerts.items())},
            "recoveries": self.recoveries,
            "chat_posts": self.chat_posts,
            "incidents": [
                {
                    "kind": o.incident.kind,
                    "start_minute": o.incident.start_minute,
                    "detected": o.first_alert_minute is not None,
                    "delay_minutes": o.delay_minutes,
                    "rule": o.rule,
                    "severity": o.severity,
                }
                for o in self.incidents
            ],
            "personal_values_checked": self.personal_values_checked,
            "personal_values_found": len(self.personal_values_found),
            "seconds": round(self.seconds, 1),
        }


class Demo:
    def __init__(self, options: DemoOptions, out: TextIO) -> None:
        self.options = options
        self.out = out
        self.summary = DemoSummary()
        self.history = history_plans(options)
        self.plan = TrafficPlan(
            seed=options.seed,
            start=LIVE_START - timedelta(minutes=WARMUP_MINUTES),
            minutes=WARMUP_MINUTES + options.live_minutes,
            orders_per_minute=options.orders_per_minute,
            flood_per_second=options.flood_per_second,
            incidents=default_incidents(options),
        )
        self.summary.incidents = [IncidentOutcome(incident) for incident in self.plan.incidents]
        self._plan_start_minute = int(LIVE_START.timestamp()) // 60 - WARMUP_MINUTES

    # -- the run --------------------------------------------------------------------------------------

    def run(self) -> DemoSummary:
        started = time.monotonic()
        # First, with the caller's AWS environment still in place; a bad ARN or no credentials stop here.
        real_topic = connect_real_topic(self.options.alert_topic_arn) if self.options.alert_topic_arn else None
        with ExitStack() as stack:
            self._say("logwarden demo: starting the local engines")
            self._prepare_environment(stack)
            # The handlers print their metrics (EMF) to stdout, where Lambda hands them to CloudWatch; here they
            # would bury the demo's own output, which goes to self.out. (Disabling powertools metrics instead
            # leaves them to pile up and print every hundredth invocation.)
            stack.enter_context(redirect_stdout(stack.enter_context(open(os.devnull, "w"))))
            chat = stack.enter_context(ChatSink())
            self._alerts = self._prepare_aws(stack, chat, real_topic)
            self._bootstrap()
            self._ingest_cw = load_handler("ingest_cloudwatch")
            self._ingest_mq = load_handler("ingest_mq")
            self._check = load_handler("anomaly_check")
            self._chat = load_handler("chat_notify")
            personal = self._backfill()
            # Connect after the backfill: an AMQP connection left idle for minutes misses its heartbeats.
            poller = self._start_poller(stack) if self.options.use_rabbitmq else None
            generator = TrafficGenerator(self.plan)
            self._stream(generator, poller, chat)
            self.summary.chat_posts = len(chat.received)
            self._verify(personal | generator.personal_values)
            self._write_report()
        self.summary.seconds = time.monotonic() - started
        return self.summary

    def _write_report(self) -> None:
        """The page `logwarden backtest --html` draws, for what the demo indexed: its counts read back from the
        engine and replayed through the same rules (docs/ALERTS.md)."""
        from logwarden.detection.opensearch import export_counts
        from logwarden.detection.rules import load_rules
        from logwarden_tools.backtest import ReplayStats, replay
        from logwarden_tools.report.html import Page, write_report

        self._refresh()
        first = min(int(plan.start.timestamp()) // 60 for plan in (*self.history, self.plan))
        end = self._plan_start_minute + self.plan.minutes
        rows: dict[SeriesKey, dict[int, int]] = {}
        for minute, key, count in export_counts(self._client, self.options.prefix, first, end):
            rows.setdefault(key, {})[minute] = count
        rules = load_rules(None)
        notifications = list(replay(rows, rules, ReplayStats()))
        self.options.workdir.mkdir(parents=True, exist_ok=True)
        path = self.options.workdir / "alerts.html"
        write_report(str(path), rows, rules, notifications, Page("logwarden demo", f"prefix {self.options.prefix}"))
        self.summary.report_path = str(path)

    def _backfill(self) -> set[str]:
        """History for the baselines: straight into the CloudWatch handler, no checks."""
        personal: set[str] = set()
        for day, plan in enumerate(self.history, 1):
            generator = TrafficGenerator(plan)
            backlog: list[LogLine] = []
            for _, lines in generator.minutes():
                backlog.extend(lines)
                if len(backlog) >= 5000:
                    self._deliver_cloudwatch(backlog)
                    backlog = []
            self._deliver_cloudwatch(backlog)
            personal |= generator.personal_values
            self._progress("history", day, len(self.history))
        return personal

    def _stream(self, generator: TrafficGenerator, poller: Any, chat: ChatSink) -> None:
        total = self.plan.minutes - WARMUP_MINUTES
        for minute, lines in generator.minutes():
            if minute < WARMUP_MINUTES:
                self._deliver_cloudwatch(lines)
                continue
            via_mq = [line for line in lines if poller is not None and line.service == "crm-api"]
            direct = [line for line in lines if poller is None or line.service != "crm-api"]
            self._deliver_cloudwatch(direct)
            if via_mq:
                self._deliver_rabbitmq(poller, via_mq)
            self._refresh()
            self._run_check(minute, chat)
            self._progress("live", minute + 1 - WARMUP_MINUTES, total)
        self.out.write("\n")

    # -- ingest -----------------------------------------------------------------------------------------

    def _deliver_cloudwatch(self, lines: list[LogLine]) -> None:
        if not lines:
            return
        self.summary.generated += len(lines)
        context = LocalLambdaContext("logwarden-ingest-cloudwatch", timeout_s=300)
        for delivery in cloudwatch_deliveries(lines, id_base=self.summary.generated * 1000):
            self._account(self._ingest_cw.lambda_handler(delivery, context))

    def _deliver_rabbitmq(self, poller: Any, lines: list[LogLine]) -> None:
        import pika

        channel = poller.channel
        for line in lines:
            properties = pika.BasicProperties(
                content_type="application/json",
                delivery_mode=2,
                app_id="crm-api",
                message_id=f"crm-{self.options.seed}-{line.ts_ms}-{abs(hash(line.text)) % 10**12}",
                timestamp=line.ts_ms // 1000,
                headers={"subsystem": "crm", "service": "crm-api"},
            )
            channel.basic_publish("", poller.settings.queue, line.text.encode(), properties)
        self.summary.generated += len(lines)
        poller.run(max_messages=len(lines), idle_timeout_s=5.0)
        self.summary.via_rabbitmq += len(lines)

    def _account(self, report: dict[str, Any]) -> None:
        summary = self.summary
        for name in ("indexed", "duplicates", "set_aside", "rejected", "undelivered", "filtered", "merged_lines"):
            setattr(summary, name, getattr(summary, name) + int(report.get(name, 0)))
        summary.masked.update(report.get("masked", {}))

    def _start_poller(self, stack: ExitStack) -> Any:
        import pika

        from logwarden_tools.local import rabbitmq_broker as local_rabbitmq
        from logwarden_tools.local.mq_poller import MQPoller, PollerSettings

        settings = local_rabbitmq.ensure_running()
        # A live minute with a flood can keep the process busy for longer than the default 60 s heartbeat.
        connection = pika.BlockingConnection(local_rabbitmq.connection_parameters(settings, heartbeat=600))
        stack.callback(connection.close)
        channel = connection.channel()
        queue = f"{self.options.prefix}-crm-logs"
        channel.queue_declare(queue, durable=True)
        channel.queue_purge(queue)
        context = LocalLambdaContext("logwarden-ingest-mq", timeout_s=300)

        def handler(event: dict[str, Any]) -> Any:
            report = self._ingest_mq.lambda_handler(event, context)
            self._account(report)
            return report

        return MQPoller(channel, PollerSettings(queue=queue, batch_size=500, batch_window_s=0.2), handler)

    # -- detection ----------------------------------------------------------------------------------------

    def _run_check(self, minute: int, chat: ChatSink) -> None:
        evaluated = self._plan_start_minute + minute
        now = datetime.fromtimestamp((evaluated + 2) * 60 + 5, tz=UTC)  # the schedule's run that evaluates it
        event = {
            "version": "0",
            "id": f"demo-{minute}",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "000000000000",
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "eu-central-1",
            "resources": ["arn:aws:events:eu-central-1:000000000000:rule/logwarden-anomaly-check"],
            "detail": {},
        }
        self._check.lambda_handler(event, LocalLambdaContext("logwarden-anomaly-check"))
        for message in self._alerts.drain():
            self._show_alert(message, minute)
            before = len(chat.received)
            self._chat.lambda_handler(sns_lambda_event(message), LocalLambdaContext("logwarden-chat-notify"))
            if self.options.show_messages:
                for path, payload in chat.received[before:]:
                    self.out.write(f"    chat  {_channel_of(path)}: {_chat_text(payload)}\n")

    def _show_alert(self, envelope: dict[str, Any], minute: int) -> None:
        document = orjson.loads(envelope["Message"])
        for item in document.get("notifications", []):
            if item["kind"] == "alert":
                self.summary.alerts[(item["rule"], item["severity"])] += 1
                self._match_incident(item, minute)
            else:
                self.summary.recoveries += 1
        if self.options.show_messages:
            self.out.write(f"\n  [{_clock(self._plan_start_minute + minute)}] e-mail  {envelope.get('Subject', '')}\n")
            for item in document.get("notifications", []):
                self.out.write(
                    f"    {item['kind']:<8} {item['severity']:<8} {item['title']}: {item['subsystem']}/{item['event']}/"
                    f"{item['level']} observed {item['observed']} vs expected {item['expected']}\n"
                )

    def _match_incident(self, item: dict[str, Any], minute: int) -> None:
        for outcome in self.summary.incidents:
            incident = outcome.incident
            if outcome.first_alert_minute is not None:
                continue
            if not incident.start_minute <= minute <= incident.start_minute + incident.duration_minutes + 15:
                continue
            if not _names_incident(item, incident.kind):
                continue
            outcome.first_alert_minute = minute
            outcome.rule = item["rule"]
            outcome.severity = item["severity"]

    # -- verification -----------------------------------------------------------------------------------

    def _verify(self, personal_values: set[str]) -> None:
        """Count what the indices hold and look for every generated personal value in every document."""
        client = self._client
        client.indices.refresh(index=f"{self.options.prefix}-*")
        self.summary.documents_in_indices = int(client.count(index=f"{self.options.prefix}-*")["count"])
        values = sorted(v for v in personal_values if len(v) >= 6)
        self.summary.personal_values_checked = len(values)
        if not values:
            return
        from opensearchpy.helpers import scan

        hits = scan(client, index=f"{self.options.prefix}-*", query={"query": {"match_all": {}}}, size=2000)
        blob = "\n".join(orjson.dumps(hit["_source"]).decode() for hit in hits)
        # Values are looked for as the masker would have left them, as whole words: every word of a value must
        # be a word of the indices before the (slow) substring search runs, and when masking works none passes.
        words = set(_WORD.findall(blob))
        found = []
        for value in values:
            quoted = orjson.dumps(value).decode()[1:-1]  # as it would appear inside the JSON source
            if all(word in words for word in _WORD.findall(quoted)) and quoted in blob:
                found.append(value)
        self.summary.personal_values_found = found

    # -- set-up -------------------------------------------------------------------------------------------

    def _prepare_environment(self, stack: ExitStack) -> None:
        from logwarden_tools.local import opensearch_engine as local

        env = {
            "LOGWARDEN_INDEX_PREFIX": self.options.prefix,
            "LOGWARDEN_STAGE": "dev",
            "LOGWARDEN_DEADLETTER_DIR": str(self.options.workdir / "deadletter"),
            "POWERTOOLS_SERVICE_NAME": "logwarden",
            "POWERTOOLS_METRICS_NAMESPACE": "logwarden",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
            "LOGWARDEN_DASHBOARDS_URL": "http://127.0.0.1:5601",
        }
        # The AWS side (region, keys, endpoints) is AlertRoute.start's.
        if not os.environ.get("OPENSEARCH_URL"):
            connection = local.ensure_running()
            env.update(
                {
                    "OPENSEARCH_URL": connection.url,
                    "OPENSEARCH_USERNAME": connection.username or "",
                    "OPENSEARCH_PASSWORD": connection.password or "",
                    "OPENSEARCH_CA_CERTS": connection.ca_certs or "",
                }
            )
        keep_environment(stack, env)
        os.environ.update({k: v for k, v in env.items() if v})
        from logwarden.config import IngestConfig
        from logwarden.sink.client import build_client

        settings = IngestConfig.from_env().opensearch
        assert settings is not None  # noqa: S101 - from_env requires it
        self._client = build_client(settings)
        self._client.indices.delete_data_stream(name=f"{self.options.prefix}-*", ignore=[404])

    def _prepare_aws(self, stack: ExitStack, chat: ChatSink, real_topic: RealTopic | None) -> AlertRoute:
        route = AlertRoute.start(stack, chat.url, real_topic)
        if real_topic is None:
            self._say("alerts: SNS in a local moto server (no AWS account needed), read back through an SQS subscriber")
        else:
            self._say(f"alerts: published to {real_topic.arn}; state and chat secret stay local (moto server)")
        return route

    def _bootstrap(self) -> None:
        from logwarden.bootstrap.admin import OpenSearchAdmin
        from logwarden.bootstrap.apply import bootstrap
        from logwarden.bootstrap.desired import DesiredState
        from logwarden.bootstrap.params import BootstrapParams

        params = BootstrapParams(prefix=self.options.prefix, replicas=0)
        result = bootstrap(DesiredState.build(params), OpenSearchAdmin(self._client))
        changed = sum(1 for change in result.changes if change.action in ("create", "update"))
        self._say(f"bootstrap: {changed} objects created or updated; " + "; ".join(result.notes))

    def _refresh(self) -> None:
        self._client.indices.refresh(index=f"{self.options.prefix}-*", ignore_unavailable=True)

    # -- output -------------------------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _progress(self, phase: str, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "-" * (width - filled)
        unit = "days" if phase == "history" else "min"
        self.out.write(f"\r  {phase:<8} [{bar}] {done}/{total} {unit}, {self.summary.generated} events")
        self.out.flush()
        if phase == "history" and done == total:
            self.out.write("\n")


def _names_incident(item: dict[str, Any], kind: IncidentKind) -> bool:
    subsystem, events, levels, wide_rules = INCIDENT_SIGNATURES[kind]
    if item["rule"] in wide_rules:
        return True
    return (
        item["subsystem"] == subsystem
        and (events is None or item["event"] in events)
        and (levels is None or item["level"] in levels)
    )


def _channel_of(path: str) -> str:
    return path.strip("/").split("/", 1)[0] or "chat"


def _chat_text(payload: dict[str, Any]) -> str:
    text = payload.get("text") or payload.get("summary") or orjson.dumps(payload).decode()
    return str(text).replace("\n", " ")[:140]


def _clock(minute: int) -> str:
    return datetime.fromtimestamp(minute * 60, tz=UTC).strftime("%H:%M")


def render_summary(summary: DemoSummary, prefix: str) -> str:
    data = summary.as_dict()
    lines = [
        "",
        "== logwarden demo summary",
        f"  events generated      {data['generated']:>10}   (via RabbitMQ: {data['via_rabbitmq']})",
        f"  indexed               {data['indexed']:>10}   documents in indices: {data['documents_in_indices']}",
        f"  duplicates            {data['duplicates']:>10}",
        f"  set aside / rejected  {data['set_aside']:>10} / {data['rejected']}   undelivered: {data['undelivered']}",
        f"  stack-trace lines folded {data['merged_lines']:>7}   DEBUG filtered: {data['filtered']}",
        f"  nothing lost          {'yes' if summary.conserved else 'NO'}",
        "  masked by kind        " + ", ".join(f"{k} {v}" for k, v in sorted(summary.masked.items())),
        "  alerts by rule        " + ", ".join(f"{k} {v}" for k, v in data["alerts"].items()),
        f"  recoveries            {data['recoveries']:>10}   chat posts: {data['chat_posts']}",
        "  incidents:",
    ]
    for item in data["incidents"]:
        found = (
            f"after {item['delay_minutes']} min ({item['rule']}, {item['severity']})" if item["detected"] else "MISSED"
        )
        lines.append(f"    {item['kind']:<22} detected {found}")
    lines += [
        f"  personal data         {data['personal_values_found']} of {data['personal_values_checked']} "
        "generated values found in the indices",
        f"  took                  {data['seconds']} s",
        f"  what the checks saw   {summary.report_path} (open it in a browser; it works offline)",
        "",
        "Explore the indices (the engine keeps running):",
        '  eval "$(.venv/bin/logwarden opensearch env)"',
        f'  curl -s --cacert "$OPENSEARCH_CA_CERTS" -u "$OPENSEARCH_USERNAME:$OPENSEARCH_PASSWORD" '
        f'"$OPENSEARCH_URL/{prefix}-*/_search?q=event.action:order_created&size=3&pretty"',
        "Stop the engines: make services-down",
    ]
    return "\n".join(lines) + "\n"
