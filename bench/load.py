"""Load and outage benchmarks of the ingest path (docs/BENCHMARKS.md, "Outages, backpressure and the stream").

    PYTHONPATH=layers/logwarden:. .venv/bin/python bench/load.py outage --engine refused
    PYTHONPATH=layers/logwarden:. .venv/bin/python bench/load.py outage --engine hung
    PYTHONPATH=layers/logwarden:. .venv/bin/python bench/load.py outage --engine refused --no-breaker --deliveries 2
    PYTHONPATH=layers/logwarden:. .venv/bin/python bench/load.py payload-ratio
    PYTHONPATH=layers/logwarden:. .venv/bin/python bench/load.py sustained --minutes 10 --rate 5000   # local engine

``outage`` runs deliveries through one warm process (pipeline, bulk indexer with its circuit breaker, a local
dead-letter directory) against an engine that is not there: ``refused`` is a port nothing listens on, ``hung`` a
socket that accepts connections and never answers (the request timeout applies, bounded by the time left: 10 s
as the stack sets it, ``BulkTimeoutSeconds``).
Each delivery has the Lambda's default 120 s. It reports wall time per delivery, bulk requests sent, and whether
every event was parked. ``sustained`` feeds generated deliveries at a steady rate into the local OpenSearch
(``logwarden opensearch up``) and reports the rate achieved, delivery latency percentiles, 429s and what was parked.
``payload-ratio`` is how much smaller the gzip'd CloudWatch Logs payload (what a Kinesis stream carries) is than
the log text, for shard sizing.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from ingest import generate  # noqa: E402  (bench/ingest.py: the realistic traffic mix)

from logwarden.ingest.cloudwatch import decode_delivery, encode_delivery  # noqa: E402
from logwarden.ingest.pipeline import IngestPipeline, IngestReport  # noqa: E402
from logwarden.masking.masker import default_masker  # noqa: E402
from logwarden.routing import Router  # noqa: E402
from logwarden.sink.breaker import CircuitBreaker  # noqa: E402
from logwarden.sink.bulk import BulkIndexer  # noqa: E402
from logwarden.sink.client import OpenSearchSettings, build_client  # noqa: E402
from logwarden.sink.deadletter import LocalDeadLetterStore  # noqa: E402

LAMBDA_BUDGET_S = 120.0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class HungEngine:
    """Accepts connections and reads what is sent, never answers."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port = int(self.server.getsockname()[1])
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        self.server.close()
        for connection in self.held:
            connection.close()


class CountingTransport:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.requests = 0

    def bulk(self, body: Any, index: Any = None, params: Any = None, headers: Any = None) -> Any:
        self.requests += 1
        return self.client.bulk(body=body, params=params)


def outage(args: argparse.Namespace) -> dict[str, Any]:
    hung = HungEngine() if args.engine == "hung" else None
    port = hung.port if hung else _closed_port()
    settings = OpenSearchSettings(url=f"http://127.0.0.1:{port}", timeout_s=args.timeout)
    transport = CountingTransport(build_client(settings))
    breaker = CircuitBreaker(failure_threshold=10**9, timeout_threshold=10**9) if args.no_breaker else CircuitBreaker()
    indexer = BulkIndexer(transport, breaker=breaker, request_timeout_s=args.timeout)
    pipeline = IngestPipeline(masker=default_masker())
    router = Router()
    walls: list[float] = []
    totals = IngestReport()
    with tempfile.TemporaryDirectory() as directory:
        store = LocalDeadLetterStore(Path(directory))
        for number in range(args.deliveries):
            events = [
                {"id": f"{number:03d}{i:06d}", "timestamp": 1_764_078_000_000 + i, "message": f"order {i} paid"}
                for i in range(args.events)
            ]
            batch = decode_delivery(encode_delivery("/ecs/shop-api", f"s{number}", events), router)
            started = time.monotonic()
            deadline = started + LAMBDA_BUDGET_S
            report = pipeline.run(batch, indexer, store, remaining_s=lambda d=deadline: d - time.monotonic())
            walls.append(time.monotonic() - started)
            totals.absorb(report)
        parked = sum(len(store.read(name)) for name in store.batches())
    if hung:
        hung.close()
    return {
        "engine": args.engine,
        "breaker": not args.no_breaker,
        "request_timeout_s": args.timeout,
        "deliveries": args.deliveries,
        "events": totals.events,
        "seconds_total": round(sum(walls), 2),
        "seconds_per_delivery": [round(w, 2) for w in walls],
        "bulk_requests": transport.requests,
        "undelivered": totals.undelivered,
        "circuit_refused": totals.circuit_refused,
        "parked_entries": parked,
        "lost": totals.events - parked,
    }


def payload_ratio(args: argparse.Namespace) -> dict[str, Any]:
    deliveries, events, _ = generate(args.events)
    text = compressed = 0
    for delivery in deliveries:
        raw = base64.b64decode(delivery["awslogs"]["data"])
        compressed += len(raw)
        text += sum(len(e["message"].encode()) for e in orjson.loads(gzip.decompress(raw))["logEvents"])
    return {
        "events": events,
        "deliveries": len(deliveries),
        "log_text_bytes": text,
        "gzip_payload_bytes": compressed,
        "text_per_payload_byte": round(text / compressed, 2),
        "bytes_per_event": round(text / events, 1),
    }


class Faults:
    """The sustained run's outages, on the engine the run was given: stopped for ``stop_s`` (connections refused),
    then paused with SIGSTOP for ``pause_s`` (connections accepted, never answered). Runs in its own thread."""

    def __init__(self, settings: Any, minutes: float, stop_s: float, pause_s: float) -> None:
        self.settings, self.stop_s, self.pause_s = settings, stop_s, pause_s
        self.at = (minutes * 60 * 0.25, minutes * 60 * 0.6)
        self.log: list[tuple[float, str]] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import os
        import signal

        from logwarden_tools.local import opensearch_engine as local

        began = time.monotonic()
        time.sleep(max(0.0, self.at[0]))
        self.log.append((time.monotonic() - began, "engine stopped"))
        local.down(self.settings)
        time.sleep(self.stop_s)
        local.up(self.settings)
        self.log.append((time.monotonic() - began, "engine started"))
        time.sleep(max(0.0, self.at[1] - (time.monotonic() - began)))
        pid = int(self.settings.pid_file.read_text(encoding="ascii").strip())
        self.log.append((time.monotonic() - began, "engine paused (SIGSTOP)"))
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(self.pause_s)
        finally:
            os.kill(pid, signal.SIGCONT)
        self.log.append((time.monotonic() - began, "engine resumed (SIGCONT)"))


def sustained(args: argparse.Namespace) -> dict[str, Any]:
    """Ingest at a steady rate for ``--minutes`` through one warm process (breaker, backpressure, parking), with
    the engine stopped and then paused part-way and a share of deliveries redelivered; then drain the dead letters
    and count: every event indexed exactly once, or still parked, none lost, none twice.

    The engine is stopped and paused, so give the run one of its own (LOGWARDEN_HOME and LOGWARDEN_OPENSEARCH_PORT /
    _TRANSPORT_PORT pointing elsewhere than the one the tests use)."""
    import random

    from logwarden.drain import drain
    from logwarden_tools.local import opensearch_engine as local

    engine = local.LocalOpenSearchSettings.from_env()
    conn = local.ensure_running(engine)
    settings = OpenSearchSettings(
        conn.url, "basic" if conn.username else "none", conn.username, conn.password, conn.ca_certs, timeout_s=10.0
    )
    client = build_client(settings)
    transport = CountingTransport(client)
    indexer = BulkIndexer(transport, breaker=CircuitBreaker(), request_timeout_s=settings.timeout_s)
    prefix = f"load{int(time.time())}"
    sys.path.insert(0, str(ROOT))
    from tests.integration.conftest import install_log_templates

    install_log_templates(client, prefix)
    pipeline = IngestPipeline(masker=default_masker(), index_prefix=prefix)
    router = Router()
    deliveries, _, _ = generate(min(args.rate * 60, 200_000))
    chance = random.Random(7)  # which deliveries are redelivered, reproducibly
    faults = Faults(engine, args.minutes, args.stop_seconds, args.pause_seconds)
    if not args.no_faults:
        faults.thread.start()
    latencies: list[float] = []
    totals = IngestReport()
    unique_ids: set[str] = set()
    redelivered = 0
    started = time.monotonic()
    end = started + args.minutes * 60
    sent = 0
    with tempfile.TemporaryDirectory() as directory:
        store = LocalDeadLetterStore(Path(directory))
        position = 0
        previous: list[Any] | None = None
        while time.monotonic() < end:
            if previous is not None and chance.random() < args.redeliver:
                batch_source = previous  # the platform delivering the same delivery again
                redelivered += 1
            else:
                delivery = deliveries[position % len(deliveries)]
                position += 1
                # Replays of the generated set get fresh ids (another stream name), as new traffic would.
                payload = orjson.loads(gzip.decompress(base64.b64decode(delivery["awslogs"]["data"])))
                stream = f"{payload['logStream']}-{position}"
                batch_source = [encode_delivery(payload["logGroup"], stream, payload["logEvents"])]
            batch = decode_delivery(batch_source[0], router)
            begun = time.monotonic()
            report = pipeline.run(
                batch, indexer, store, remaining_s=lambda b=begun: b + LAMBDA_BUDGET_S - time.monotonic()
            )
            latencies.append(time.monotonic() - begun)
            totals.absorb(report)
            if batch_source is not previous:
                unique_ids.update(r.doc_id for r in batch.records)
            previous = batch_source
            sent += report.events
            ahead = sent / args.rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
        elapsed = time.monotonic() - started
        if not args.no_faults:
            faults.thread.join(timeout=args.stop_seconds + args.pause_seconds + 120)
        parked_before_drain = sum(len(store.read(name)) for name in store.batches())
        drained = drain(store, BulkIndexer(client), client, lambda: 600.0, max_documents=10**9, index_prefix=prefix)
        left = sum(len(store.read(name)) for name in store.batches())
    client.indices.refresh(index=f"{prefix}-*")
    stored = int(client.count(index=f"{prefix}-*")["count"])
    client.indices.delete_data_stream(name=f"{prefix}-*", ignore=[404])
    latencies.sort()
    return {
        "target_events_per_second": args.rate,
        "achieved_events_per_second": round(totals.events / elapsed),
        "minutes": round(elapsed / 60, 1),
        "events_offered": totals.events,
        "distinct_records": len(unique_ids),
        "deliveries_redelivered": redelivered,
        "indexed_live": totals.indexed,
        "duplicates_refused": totals.duplicates,
        "parked_during_run": parked_before_drain,
        "drain": drained.replay.summary() | {"engine_answered": drained.engine_answered},
        "still_parked_after_drain": left,
        "documents_in_engine": stored,
        "indexed_plus_parked_equals_input": stored + left == len(unique_ids),
        "bulk_requests": transport.requests,
        "bulk_throttled": totals.bulk_throttled,
        "delivery_seconds_p50": round(statistics.median(latencies), 3),
        "delivery_seconds_p99": round(latencies[int(len(latencies) * 0.99) - 1], 3),
        "delivery_seconds_max": round(latencies[-1], 3),
        "faults": [f"{t:.0f}s {what}" for t, what in faults.log],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_outage = commands.add_parser("outage")
    run_outage.add_argument("--engine", choices=("refused", "hung"), default="refused")
    run_outage.add_argument("--deliveries", type=int, default=10)
    run_outage.add_argument("--events", type=int, default=500)
    run_outage.add_argument("--timeout", type=float, default=10.0, help="bulk request timeout, seconds")
    run_outage.add_argument("--no-breaker", action="store_true", help="as before the breaker: every delivery retries")
    ratio = commands.add_parser("payload-ratio")
    ratio.add_argument("--events", type=int, default=50_000)
    load = commands.add_parser("sustained")
    load.add_argument("--minutes", type=float, default=10.0)
    load.add_argument("--rate", type=int, default=5000, help="events per second offered")
    load.add_argument("--redeliver", type=float, default=0.05, help="share of deliveries delivered twice")
    load.add_argument("--stop-seconds", type=float, default=60.0, help="how long the engine is stopped")
    load.add_argument("--pause-seconds", type=float, default=30.0, help="how long the engine is paused (SIGSTOP)")
    load.add_argument("--no-faults", action="store_true", help="a steady run, no outage")
    args = parser.parse_args()
    result = {"outage": outage, "payload-ratio": payload_ratio, "sustained": sustained}[args.command](args)
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
