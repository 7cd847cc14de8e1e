"""Ingest benchmark: decode -> parse -> normalise -> mask -> bulk body, on one core, no network.

    .venv/bin/python bench/ingest.py                 # CPU figures
    .venv/bin/python bench/ingest.py --opensearch    # plus end-to-end into the local OpenSearch
    .venv/bin/python bench/ingest.py --stages        # plus CPU per stage (median of 3 rounds)
    .venv/bin/python bench/ingest.py --passes 7      # events/s as the median of 7 passes (a noisy host)
    PYTHONPATH=build/compiled .venv/bin/python bench/ingest.py   # the mypyc-compiled hot path, as the layer ships it

Figures and the machine they were taken on go to docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import sysconfig
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

import orjson

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


def generate(target_events: int) -> tuple[list[dict[str, Any]], int, int]:
    """Realistic mixed deliveries: returns (deliveries, events, median message bytes)."""
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
    sizes = sorted(len(line.text.encode()) for line in lines)
    deliveries: list[dict[str, Any]] = []
    for start in range(0, len(lines), 500):  # ~500 events a delivery, a typical busy log group
        deliveries.extend(cloudwatch_deliveries(lines[start : start + 500], id_base=start))
    return deliveries, len(lines), sizes[len(sizes) // 2]


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


def peak_memory_mb(
    deliveries_source: list[dict[str, Any]], pipeline: IngestPipeline, router: Router
) -> tuple[float, float]:
    """Peak Python heap while processing one delivery of about 1 MB compressed."""
    lines = []
    for delivery in deliveries_source:
        lines.extend(decode_delivery(delivery, router).records)
        if len(lines) > 40_000:
            break
    events = [{"id": str(i), "timestamp": r.receive_ms, "message": r.text} for i, r in enumerate(lines)]
    # CloudWatch itself caps a delivery at 10,000 events / 1 MB; this one is bigger on purpose: the worst case.
    for count in range(2000, len(events), 2000):
        big = encode_delivery("/ecs/mes-api", "s", events[:count])
        if len(big["awslogs"]["data"]) * 3 / 4 >= 1_000_000:
            break
    compressed_mb = len(big["awslogs"]["data"]) * 3 / 4 / 1e6
    gc.collect()
    tracemalloc.start()
    built = pipeline.build(decode_delivery(big, router))
    b"".join(action.bulk_lines() for action in built.actions)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return compressed_mb, peak / 1e6


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
    """Which Python ran the figures: its build moves them by 1.1-1.3 times (docs/BENCHMARKS.md, sixth pass).
    The flags are those ``sysconfig`` recorded; some distributions record the flags of another build."""
    configure = str(sysconfig.get_config_var("CONFIG_ARGS") or "")
    return {
        "version": platform.python_version(),
        "configured_with_pgo": "--enable-optimizations" in configure,
        "configured_with_lto": "--with-lto" in configure,
        # PYTHONPATH=build/compiled (`make compiled`) runs the mypyc-compiled hot path; 0 is pure Python.
        "hot_path_modules_compiled": f"{len(compiled_modules())} of {len(HOT_MODULES)}",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--opensearch", action="store_true", help="also measure end-to-end into the local engine")
    parser.add_argument("--e2e-events", type=int, default=50_000)
    parser.add_argument("--stages", action="store_true", help="also report CPU microseconds per event per stage")
    parser.add_argument(
        "--passes", type=int, default=1, help="passes over the events; events/s is their median (best also shown)"
    )
    args = parser.parse_args()
    deliveries, _, median_bytes = generate(args.events)
    router = Router()
    pipeline = IngestPipeline(masker=default_masker())
    throughput(deliveries[:20], pipeline, router)  # warm caches (regex, routing)
    rates = []
    for _ in range(max(1, args.passes)):
        seconds, counted = throughput(deliveries, pipeline, router)
        rates.append(counted / seconds)
    report: dict[str, Any] = {
        "interpreter": interpreter(),
        "events": counted,
        "median_message_bytes": median_bytes,
        "events_per_second_one_core": round(statistics.median(rates)),
        "fixed_cost_10_event_delivery_ms": round(fixed_cost(pipeline, router), 3),
        "cold_import_handler_ms": round(cold_import_ms(), 1),
    }
    if len(rates) > 1:
        report["best_pass_events_per_second"] = round(max(rates))
    compressed, peak = peak_memory_mb(deliveries, pipeline, router)
    report["peak_heap_mb_for_delivery"] = {"compressed_mb": round(compressed, 2), "peak_mb": round(peak, 1)}
    if args.stages:
        report["stage_us_per_event"] = stage_split(deliveries, router)
    if args.opensearch:
        subset = []
        total = 0
        for delivery in deliveries:
            subset.append(delivery)
            total += len(decode_delivery(delivery, router).records)
            if total >= args.e2e_events:
                break
        report["end_to_end_docs_per_second"] = {k: round(v) for k, v in end_to_end(subset, router).items()}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
