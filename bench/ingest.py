"""Ingest benchmark: decode -> parse -> normalise -> mask -> bulk body, on one core, no network.

Three traffic mixes, each measured three ways in the same run, interleaved:

- ``own``: the project's generated order-system traffic (Serilog CLEF, logback JSON, Spring Boot text, broker lines);
- ``foreign``: other projects' real log lines (tests/data/real_lines, with PROVENANCE.md) repeated to volume and
  delivered as CloudWatch does, one physical line per log event;
- ``pii``: the independent masking corpus (tests/data/masking_independent: other projects' personal values and
  secrets in the order system's line formats), two thirds of its lines carrying personal data.

For each mix: the whole process (``logwarden ingest --dry-run FILE`` as a subprocess, cold start included, its
CPU time from ``wait4``), in process (the pipeline over the same deliveries, ``time.process_time``), and the limit
(base64 + gunzip + orjson parse + bulk body of the bare events, no parse, no mask), reported as ratios. Also the
peak RSS of a process ingesting one delivery of about 1 MB compressed, per mix, and the machine: ``nproc``, the CPU
model and the load average around every figure.

    PYTHONPATH=layers/logwarden .venv/bin/python bench/ingest.py                   # Python source
    PYTHONPATH=build/compiled .venv/bin/python bench/ingest.py                     # the mypyc-compiled hot path
    ... bench/ingest.py --passes 5               # medians of 5 interleaved rounds (a noisy host)
    ... bench/ingest.py --mixes foreign --profile  # cProfile of the in-process path on one mix
    ... bench/ingest.py --stages                 # plus CPU per stage on each mix (median of 3 rounds)
    ... bench/ingest.py --opensearch             # plus end-to-end into the local OpenSearch (own mix)

Figures and the machine they were taken on go to docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
import zlib
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

import logwarden
from logwarden.compiled import HOT_MODULES, compiled_modules
from logwarden.ingest.cloudwatch import decode_delivery, encode_delivery
from logwarden.ingest.normalise import normalise
from logwarden.ingest.pipeline import IngestPipeline
from logwarden.masking.masker import default_masker
from logwarden.naming import data_stream_name
from logwarden.routing import Router
from logwarden.sink.bulk import IndexAction
from logwarden_tools.generate.delivery import cloudwatch_deliveries
from logwarden_tools.generate.traffic import Incident, TrafficGenerator, TrafficPlan

ROOT = Path(__file__).resolve().parent.parent


REAL_LINES = ROOT / "tests" / "data" / "real_lines" / "corpus.jsonl"
PII_LINES = ROOT / "tests" / "data" / "masking_independent" / "corpus.jsonl"
EVENTS_PER_DELIVERY = 500  # a typical busy log group's delivery
MIXES = ("own", "foreign", "pii")


Stream = list[tuple[str, int, str]]  # (log group, receive ms, one physical line), in the order they were written


def own_mix(target_events: int) -> tuple[list[dict[str, Any]], Stream]:
    """The project's generated traffic: each 500 lines in time order, one delivery per log group among them."""
    plan = TrafficPlan(
        seed=11,
        minutes=100_000,
        orders_per_minute=220.0,
        incidents=(Incident("mes_error_burst", 3, 2), Incident("mq_connection_storm", 6, 2)),
    )
    lines = []
    for _, minute_lines in TrafficGenerator(plan).minutes():
        lines.extend(minute_lines)
        if len(lines) >= target_events:
            break
    deliveries: list[dict[str, Any]] = []
    for start in range(0, len(lines), EVENTS_PER_DELIVERY):
        deliveries.extend(cloudwatch_deliveries(lines[start : start + EVENTS_PER_DELIVERY], id_base=start))
    return deliveries, [(line.log_group, line.ts_ms, line.text) for line in lines]


def _event_id(ms: int, sequence: int) -> str:
    return f"{ms:020d}{sequence:036d}"  # CloudWatch's 56-digit ids


def _foreign_stream() -> Stream:
    """(log group, receive ms, physical line) for every line of the real-line corpus, in corpus order; a record's
    lines are consecutive events, as the agent sends them. Received a second after the line's own time, as the
    corpus test delivers them."""
    events = []
    for raw in REAL_LINES.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        record = json.loads(raw)
        stamp = record["expected"]["timestamp"]
        received = 1796637600000 if stamp is None else int(datetime.fromisoformat(stamp).timestamp() * 1000) + 1000
        for line in record["lines"]:
            events.append((f"/ecs/{record['delivery']}", received, line))
    return events


def _pii_stream() -> Stream:
    """(log group, receive ms, line) for every line of the independent masking corpus: one log group per format."""
    received = 1743379200000  # 2025-03-31T00:00:00Z, after every line's own time
    events = []
    for raw in PII_LINES.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            record = json.loads(raw)
            events.append((f"/ecs/{record['format']}-service", received, record["line"]))
    return events


def _repeated(stream: Stream, target_events: int) -> list[dict[str, Any]]:
    """The stream repeated until it holds ``target_events`` events, cut into deliveries per log group of about 500
    events each (a group's consecutive lines stay together, so multi-line records are not split across groups)."""
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    sequence = 0
    while sequence < target_events:
        for group, received, line in stream:
            sequence += 1
            by_group[group].append({"id": _event_id(received, sequence), "timestamp": received, "message": line})
    deliveries = []
    for group, events in by_group.items():
        stream_name = group.rsplit("/", 1)[-1] + "/app/5f1c2a"
        deliveries.extend(
            encode_delivery(group, stream_name, events[start : start + EVENTS_PER_DELIVERY])
            for start in range(0, len(events), EVENTS_PER_DELIVERY)
        )
    # Interleave the groups as a busy account's deliveries arrive.
    return sorted(deliveries, key=lambda d: zlib.crc32(d["awslogs"]["data"][-64:].encode()))


def foreign_mix(target_events: int) -> tuple[list[dict[str, Any]], Stream]:
    stream = _foreign_stream()
    return _repeated(stream, target_events), stream


def pii_mix(target_events: int) -> tuple[list[dict[str, Any]], Stream]:
    stream = _pii_stream()
    return _repeated(stream, target_events), stream


def build_mix(name: str, target_events: int) -> tuple[list[dict[str, Any]], Stream]:
    """The mix's deliveries, and its lines in the order they were written (for the one big delivery)."""
    return {"own": own_mix, "foreign": foreign_mix, "pii": pii_mix}[name](target_events)


def log_events(delivery: dict[str, Any]) -> list[dict[str, Any]]:
    data: dict[str, Any] = orjson.loads(zlib.decompress(base64.b64decode(delivery["awslogs"]["data"]), 31))
    events: list[dict[str, Any]] = data["logEvents"]
    return events


def describe(deliveries: list[dict[str, Any]]) -> dict[str, Any]:
    events = [event for delivery in deliveries for event in log_events(delivery)]
    sizes = sorted(len(event["message"].encode()) for event in events)
    return {
        "deliveries": len(deliveries),
        "log_events": len(events),
        "median_line_bytes": sizes[len(sizes) // 2],
        "compressed_bytes": sum(len(d["awslogs"]["data"]) * 3 // 4 for d in deliveries),
    }


def throughput(deliveries: list[dict[str, Any]], pipeline: IngestPipeline, router: Router) -> tuple[float, int]:
    events = 0
    started = time.process_time()
    for delivery in deliveries:
        batch = decode_delivery(delivery, router, "eu-central-1")
        built = pipeline.build(batch)
        body = b"".join(action.bulk_lines() for action in built.actions)
        events += batch.events
        assert body
    return time.process_time() - started, events


def fixed_cost(pipeline: IngestPipeline, router: Router) -> float:
    lines = [
        json.dumps({"@timestamp": "2025-11-25T13:40:00.000Z", "level": "INFO", "message": f"Order ORD-{i} created"})
        for i in range(10)
    ]
    delivery = encode_delivery(
        "/ecs/shop-api",
        "s",
        [{"id": str(i), "timestamp": 1764078000000 + i, "message": m} for i, m in enumerate(lines)],
    )
    rounds = 3000
    started = time.process_time()
    for _ in range(rounds):
        built = pipeline.build(decode_delivery(delivery, router))
        b"".join(action.bulk_lines() for action in built.actions)
    return (time.process_time() - started) / rounds * 1000


def stage_split(deliveries: list[dict[str, Any]], router: Router, rounds: int = 3) -> dict[str, float]:
    """Microseconds of CPU per event in each stage, the median of ``rounds`` passes over every delivery.

    Delivery by delivery, as the handler runs, so no stage pays for holding the whole data set in memory.
    """
    masker = default_masker()
    runs: dict[str, list[float]] = {}
    for _ in range(rounds + 1):  # the first pass warms the caches and is not counted
        spent = dict.fromkeys(("decode", "parse_normalise", "mask", "bulk_body"), 0.0)
        events = 0
        for delivery in deliveries:
            started = time.process_time()
            batch = decode_delivery(delivery, router, "eu-central-1")
            decoded = time.process_time()
            docs = [normalise(record, "2025-11-25T13:40:00.000Z") for record in batch.records]
            normalised = time.process_time()
            masker.prepare(docs)  # as the pipeline does: one prefilter scan for the delivery's free text
            docs = [masker.mask_document(doc) for doc in docs]
            masked = time.process_time()
            actions = [
                IndexAction(data_stream_name(r.route.subsystem, d.get("log.level")), r.doc_id, orjson.dumps(d))
                for r, d in zip(batch.records, docs, strict=True)
            ]
            body = b"".join(action.bulk_lines() for action in actions)
            done = time.process_time()
            assert body
            events += batch.events
            spent["decode"] += decoded - started
            spent["parse_normalise"] += normalised - decoded
            spent["mask"] += masked - normalised
            spent["bulk_body"] += done - masked
        for stage, seconds in spent.items():
            runs.setdefault(stage, []).append(seconds * 1e6 / events)
    return {stage: round(statistics.median(values[1:]), 2) for stage, values in runs.items()}


def cold_import_ms() -> float:
    code = (
        "import time,sys,importlib.util;t=time.perf_counter();"
        f"s=importlib.util.spec_from_file_location('app','{ROOT}/functions/ingest_cloudwatch/app.py');"
        "m=importlib.util.module_from_spec(s);s.loader.exec_module(m);print((time.perf_counter()-t)*1000)"
    )
    env = dict(os.environ, POWERTOOLS_TRACE_DISABLED="true", AWS_DEFAULT_REGION="eu-central-1")
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout)
        for _ in range(5)
    ]
    return statistics.median(runs)


def limit(deliveries: list[dict[str, Any]]) -> tuple[float, int]:
    """What any ingest of these deliveries must do, and nothing more: base64, gunzip, the delivery's JSON, and a bulk
    body of the bare events (an action line per event and a document of its time and message). CPU seconds, events."""
    started = time.process_time()
    events = 0
    start = b'{"create":{"_index":"logs-bench","_id":'
    for delivery in deliveries:
        data = orjson.loads(zlib.decompress(base64.b64decode(delivery["awslogs"]["data"]), 31))
        parts = []
        for event in data["logEvents"]:
            source = orjson.dumps({"@timestamp": event["timestamp"], "message": event["message"]})
            parts.append(b"".join((start, orjson.dumps(event["id"]), b"}}\n", source, b"\n")))
        body = b"".join(parts)
        events += len(data["logEvents"])
        assert body
    return time.process_time() - started, events


def child_env() -> dict[str, str]:
    """The environment for the CLI subprocess: the same logwarden this process imported (source or compiled)."""
    package_parent = str(Path(logwarden.__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH", "")
    return dict(os.environ, PYTHONPATH=package_parent + (os.pathsep + path if path else ""))


def write_events(deliveries: list[dict[str, Any]], path: Path) -> Path:
    path.write_bytes(b"\n".join(orjson.dumps(delivery) for delivery in deliveries) + b"\n")
    return path


# Runs a command and prints its resource usage. The CLI is measured through it because a child's ru_maxrss starts
# from the RSS of the process that spawned it (the kernel folds the parent's high-water mark in at exec after a
# vfork), and this one is small, where the benchmark holds every mix in memory.
_MEASURE = """
import json, resource, subprocess, sys
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    code = subprocess.call(sys.argv[3:], stdout=out, stderr=err)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss}))
"""


def run_cli(events_file: Path) -> dict[str, Any]:
    """``logwarden ingest --dry-run FILE`` as its own process, bulk NDJSON to /dev/null: CPU seconds (user + system,
    cold start included), wall seconds, peak RSS and the events its summary counted."""
    command = [sys.executable, "-m", "logwarden_tools.cli", "ingest", "--dry-run", str(events_file)]
    summary = events_file.with_suffix(".summary")
    started = time.perf_counter()
    measured = subprocess.run(
        [sys.executable, "-S", "-c", _MEASURE, os.devnull, str(summary), *command],
        capture_output=True,
        text=True,
        env=child_env(),
        check=True,
    )
    wall = time.perf_counter() - started
    usage = json.loads(measured.stdout)
    text = summary.read_text()
    if usage["code"] != 0:
        raise SystemExit(f"{' '.join(command)} failed ({usage['code']}):\n{text}")
    report = json.loads(text[text.index("{") :])
    return {
        "cpu_s": usage["cpu_s"],
        "wall_s": wall,
        "peak_rss_mb": usage["maxrss_kb"] / 1024,  # kilobytes on Linux
        "events": report["events"],
        "rejected": report["rejected"],
    }


def one_big_delivery(stream: Stream, compressed_target: int = 1_000_000) -> dict[str, Any]:
    """One delivery of about ``compressed_target`` bytes compressed: the mix's lines in the order they were written,
    repeated if need be, with fresh ids. CloudWatch caps a delivery at 10,000 events / ~1 MB of text; this is bigger
    on purpose: the worst case."""

    def take(count: int) -> dict[str, Any]:
        events = []
        for sequence in range(count):
            _group, received, line = stream[sequence % len(stream)]
            events.append({"id": _event_id(received, sequence), "timestamp": received, "message": line})
        return encode_delivery("/ecs/big-service", "big/app/5f1c2a", events)

    def size(delivery: dict[str, Any]) -> int:
        return len(delivery["awslogs"]["data"]) * 3 // 4

    low, high = 1, 2000
    while size(take(high)) < compressed_target:
        low, high = high, high * 2
    while high - low > max(50, low // 100):
        middle = (low + high) // 2
        if size(take(middle)) < compressed_target:
            low = middle
        else:
            high = middle
    return take(high)


def peak_rss(stream: Stream, workdir: Path) -> dict[str, Any]:
    """Peak RSS of ``logwarden ingest --dry-run`` over one ~1 MB compressed delivery, beside the same process
    over a one-event delivery (interpreter, imports and the masker's databases: what any delivery starts from)."""
    big = one_big_delivery(stream)
    data = zlib.decompress(base64.b64decode(big["awslogs"]["data"]), 31)
    run = run_cli(write_events([big], workdir / "big.jsonl"))
    group, received, line = stream[0]
    tiny = [encode_delivery(group, "s", [{"id": _event_id(received, 0), "timestamp": received, "message": line}])]
    baseline = run_cli(write_events(tiny, workdir / "tiny.jsonl"))
    return {
        "compressed_mb": round(len(big["awslogs"]["data"]) * 3 / 4 / 1e6, 3),
        "inflated_mb": round(len(data) / 1e6, 1),
        "log_events": run["events"],
        "rejected": run["rejected"],
        "peak_rss_mb": round(run["peak_rss_mb"], 1),
        "one_event_delivery_peak_rss_mb": round(baseline["peak_rss_mb"], 1),
        "load_average_1m": load(),
    }


def profile(deliveries: list[dict[str, Any]], top: int = 40) -> str:
    """cProfile of the in-process path over the deliveries: the functions by their own time."""
    router = Router()
    pipeline = IngestPipeline(masker=default_masker())
    throughput(deliveries[:20], pipeline, router)
    profiler = cProfile.Profile()
    profiler.enable()
    throughput(deliveries, pipeline, router)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def end_to_end(deliveries: list[dict[str, Any]], router: Router) -> dict[str, float]:
    from logwarden.sink.bulk import BulkIndexer
    from logwarden.sink.client import OpenSearchSettings, build_client
    from logwarden.sink.deadletter import LocalDeadLetterStore
    from logwarden_tools.local import opensearch_engine as local

    conn = local.ensure_running()
    client = build_client(
        OpenSearchSettings(
            conn.url, "basic" if conn.username else "none", conn.username, conn.password, conn.ca_certs, timeout_s=120
        )
    )
    sys.path.insert(0, str(ROOT))
    from tests.integration.conftest import install_log_templates

    def run(label: str, batch: list[dict[str, Any]]) -> float:
        prefix = f"bench{uuid.uuid4().hex[:8]}"
        install_log_templates(client, prefix)
        pipeline = IngestPipeline(masker=default_masker(), index_prefix=prefix)
        indexer = BulkIndexer(client)
        store = LocalDeadLetterStore(Path(f"/tmp/{prefix}-dlq"))
        try:
            if label == "pipeline":
                started = time.perf_counter()
                indexed = 0
                for delivery in batch:
                    indexed += pipeline.run(decode_delivery(delivery, router), indexer, store, lambda: 300.0).indexed
                return indexed / (time.perf_counter() - started)
            bodies = []
            for delivery in batch:
                built = pipeline.build(decode_delivery(delivery, router))
                bodies.append(b"".join(a.bulk_lines() for a in built.actions))
            started = time.perf_counter()
            indexed = 0
            for body in bodies:
                response = client.bulk(body=body)
                indexed += sum(1 for item in response["items"] if item["create"]["status"] == 201)
            return indexed / (time.perf_counter() - started)
        finally:
            client.indices.delete_data_stream(name=f"{prefix}-*", ignore=[404])

    # The engine is warmed up first, and the two ways alternate: whichever ran first on a cold engine paid for it.
    run("raw_bulk", deliveries[: max(1, len(deliveries) // 10)])
    rates: dict[str, list[float]] = {"pipeline": [], "raw_bulk": []}
    for _ in range(2):
        for label in ("pipeline", "raw_bulk"):
            rates[label].append(run(label, deliveries))
    results = {label: statistics.median(values) for label, values in rates.items()}
    return results


def interpreter() -> dict[str, Any]:
    """Which Python ran the figures: its build moved them by 1.1-1.3 times (a PGO+LTO build, measured once; the
    figures are in docs/BENCHMARKS.md's history). The flags are those ``sysconfig`` recorded; some distributions
    record the flags of another build."""
    configure = str(sysconfig.get_config_var("CONFIG_ARGS") or "")
    return {
        "version": platform.python_version(),
        "configured_with_pgo": "--enable-optimizations" in configure,
        "configured_with_lto": "--with-lto" in configure,
        # PYTHONPATH=build/compiled (`make compiled`) runs the mypyc-compiled hot path; 0 is pure Python.
        "hot_path_modules_compiled": f"{len(compiled_modules())} of {len(HOT_MODULES)}",
        "logwarden": str(Path(logwarden.__file__).resolve().parent),
    }


def machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {"nproc": os.cpu_count(), "cpu_model": model or platform.processor(), "platform": platform.platform()}


def load() -> float:
    return round(os.getloadavg()[0], 2)


def rate(events: int, seconds: float) -> int:
    return round(events / seconds)


def measure_round(deliveries: list[dict[str, Any]], events_file: Path, runs: dict[str, list[Any]]) -> None:
    """One round of the three measurements of a mix, each with the load average after it."""
    seconds, events = limit(deliveries)
    runs["limit"].append((rate(events, seconds), load()))
    router = Router()
    pipeline = IngestPipeline(masker=default_masker())
    throughput(deliveries[:20], pipeline, router)  # warm caches (regex, routing), as a warm Lambda has them
    seconds, events = throughput(deliveries, pipeline, router)
    runs["in_process"].append((rate(events, seconds), load()))
    whole = run_cli(events_file)
    runs["whole_process"].append((rate(whole["events"], whole["cpu_s"]), load()))
    runs["whole_process_wall_s"].append(round(whole["wall_s"], 2))
    runs["whole_process_peak_rss_mb"].append(round(whole["peak_rss_mb"], 1))
    runs["events"] = [events, whole["events"]]


def summarise(runs: dict[str, list[Any]]) -> dict[str, Any]:
    medians = {
        key: statistics.median(value for value, _ in runs[key]) for key in ("limit", "in_process", "whole_process")
    }
    return {
        "whole_process_events_per_s": round(medians["whole_process"]),
        "in_process_events_per_s": round(medians["in_process"]),
        "limit_events_per_s": round(medians["limit"]),
        "whole_process_to_limit": round(medians["whole_process"] / medians["limit"], 3),
        "in_process_to_limit": round(medians["in_process"] / medians["limit"], 3),
        "runs_events_per_s_and_load_1m": {key: runs[key] for key in ("whole_process", "in_process", "limit")},
        "whole_process_wall_s": runs["whole_process_wall_s"],
        "whole_process_peak_rss_mb": runs["whole_process_peak_rss_mb"],
    }


def measure_mixes(built: dict[str, tuple[list[dict[str, Any]], Stream]], args: argparse.Namespace) -> dict[str, Any]:
    """Each mix's figures: ``args.passes`` interleaved rounds, then the peak RSS and the stage split if asked."""
    mixes = {name: deliveries for name, (deliveries, _stream) in built.items()}
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="logwarden-bench-") as tmp:
        workdir = Path(tmp)
        files = {name: write_events(deliveries, workdir / f"{name}.jsonl") for name, deliveries in mixes.items()}
        runs: dict[str, dict[str, list[Any]]] = {name: defaultdict(list) for name in mixes}
        for _ in range(max(1, args.passes)):
            for name, deliveries in mixes.items():
                measure_round(deliveries, files[name], runs[name])
        for name, deliveries in mixes.items():
            results[name] = {**describe(deliveries), **summarise(runs[name])}
            if not args.no_rss:
                results[name]["peak_rss_one_1mb_compressed_delivery"] = peak_rss(built[name][1], workdir)
            if args.stages:
                results[name]["stage_us_per_event"] = stage_split(deliveries, Router())
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000, help="log events per mix")
    parser.add_argument("--mixes", default=",".join(MIXES), help=f"comma-separated, of {', '.join(MIXES)}")
    parser.add_argument("--passes", type=int, default=3, help="interleaved rounds; each figure is their median")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the in-process path per mix")
    parser.add_argument("--no-rss", action="store_true", help="skip the peak RSS of a 1 MB compressed delivery")
    parser.add_argument("--opensearch", action="store_true", help="also measure end-to-end into the local engine")
    parser.add_argument("--e2e-events", type=int, default=50_000)
    parser.add_argument("--stages", action="store_true", help="also report CPU microseconds per event per stage")
    args = parser.parse_args()
    names = [name for name in args.mixes.split(",") if name]
    unknown = set(names) - set(MIXES)
    if unknown:
        parser.error(f"unknown mix: {', '.join(sorted(unknown))}")
    report: dict[str, Any] = {
        "command": " ".join([f"PYTHONPATH={os.environ.get('PYTHONPATH', '')}", "bench/ingest.py", *sys.argv[1:]]),
        "machine": machine(),
        "interpreter": interpreter(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    built = {name: build_mix(name, args.events) for name in names}
    mixes = {name: deliveries for name, (deliveries, _stream) in built.items()}
    if args.profile:
        for name, deliveries in mixes.items():
            print(f"=== {name}", file=sys.stderr)
            print(profile(deliveries), file=sys.stderr)
    results = measure_mixes(built, args)
    report["mixes"] = results
    slowest = min(results, key=lambda name: results[name]["whole_process_events_per_s"])
    report["slowest_mix_whole_process"] = {
        "mix": slowest,
        "events_per_s_per_core": results[slowest]["whole_process_events_per_s"],
        "to_limit": results[slowest]["whole_process_to_limit"],
    }
    own = mixes.get("own")
    if own is not None:
        router = Router()
        pipeline = IngestPipeline(masker=default_masker())
        report["fixed_cost_10_event_delivery_ms"] = round(fixed_cost(pipeline, router), 3)
        report["cold_import_handler_ms"] = round(cold_import_ms(), 1)
        if args.opensearch:
            subset = []
            total = 0
            for delivery in own:
                subset.append(delivery)
                total += len(decode_delivery(delivery, router).records)
                if total >= args.e2e_events:
                    break
            report["end_to_end_docs_per_second"] = {k: round(v) for k, v in end_to_end(subset, router).items()}
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
