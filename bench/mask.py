#!/usr/bin/env python3
"""Masking throughput per core: lines/s and MB/s of ``Masker.mask_text`` and ``mask_document``.

Mixes of material nobody on the team wrote (the figures to quote):
  independent             every line of the independent corpus (tests/data/masking_independent: other projects'
                          test vectors and samples in log lines; 70 % carry personal data, 28 % are not ASCII)
  independent production  other projects' real log lines (tests/data/real_lines) and the independent corpus's
                          clean lines, plus one of its lines with personal data in twenty
Mixes built from the project's own labelled corpus (tests/data/masking/corpus.jsonl; an upper bound):
  corpus       every corpus line as it is (71 % carry personal data, 14 % are not ASCII)
  production   the clean lines plus one line with personal data in twenty (what an order system writes)
  clean        only lines without personal data (the prefilter's fast path)
  documents    ingest-shaped documents: a ~350-byte message, labels, identifier fields (mask_document)
  ingest       documents as the ingest pipeline builds them from generated traffic (decode, parse, normalise)
Plus 1 MB adversarial lines (seconds per MB), and for scale a naive masker of a dozen textbook regexes.

Document rows use a new Masker for every pass, so values it remembers (repeated clean field values) count only
where they repeat within one pass of the mix, as they would in a stream, not because the pass is repeated.

Quality (``--quality``, or ``--quality-only`` to skip the timings): recall per kind, per line format and per
embedding, keep-precision, and changed clean lines, on the generated corpus and on the independent one
(tests/data/masking_independent: other projects' test vectors and samples, its ``dev`` and ``holdout`` splits).
A value counts as masked when it is gone from the output and so is every run of five or more word characters of it
(masking only the first word of a full name is a miss); the loose figure (the value as a whole gone) is shown too.

    .venv/bin/python bench/mask.py [--seconds 2] [--quality | --quality-only]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from logwarden.masking.masker import Masker

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "masking" / "corpus.jsonl"
INDEPENDENT = Path(__file__).resolve().parents[1] / "tests" / "data" / "masking_independent" / "corpus.jsonl"
REAL_LINES = Path(__file__).resolve().parents[1] / "tests" / "data" / "real_lines" / "corpus.jsonl"
_PART = re.compile(r"\w{5,}")
_CYRILLIC = re.compile("[а-яёА-ЯЁ]")


_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def unescaped(text: str) -> str:
    """``\\uXXXX`` escapes decoded: the masker writes a line decoded when it had to mask its decoded form."""
    return _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "\\u" in text else text


def strictly_masked(value: str, line: str, out: str) -> bool:
    """The value is gone, escaped or decoded, and so is each of its longer word runs that the rest of the line does
    not also hold."""
    plain, out_plain, rest = unescaped(value), unescaped(out), unescaped(line.replace(value, " "))
    if value in out or plain in out_plain:
        return False
    return not any(part in out_plain and part not in rest for part in _PART.findall(plain))


def kept(value: str, out: str) -> bool:
    return value in out or unescaped(value) in unescaped(out)


def quality(records: list[dict[str, Any]], masker: Masker) -> dict[str, Any]:
    """Recall by kind, format and embedding; keep-precision; clean lines changed."""
    from collections import Counter

    total: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    loose: Counter[str] = Counter()
    keep_total: Counter[str] = Counter()
    kept_count: Counter[str] = Counter()
    clean = changed = 0
    for record in records:
        line = record["line"]
        out = masker.mask_text(line)
        fmt = "format:" + record["format"]
        ctx = "context:" + record.get("context", "text")
        for item in record["mask"]:
            ok = strictly_masked(item["value"], line, out)
            keys = ["all", "kind:" + item["kind"], fmt, ctx]
            if item["kind"] == "name":  # names by script, and those with no cue word before them apart
                script = "cyrillic" if _CYRILLIC.search(unescaped(item["value"])) else "latin"
                keys.append(f"name:{script}" + (", no cue" if ctx == "context:text_no_cue" else ""))
            for key in keys:
                total[key] += 1
                hit[key] += ok
                loose[key] += item["value"] not in out
        for value in record["keep"]:
            for key in ("all", fmt, "keep:" + (record.get("keep_kind") or "value")):
                keep_total[key] += 1
                kept_count[key] += kept(value, out)
        if not record["mask"]:
            clean += 1
            changed += out != line
    return {"total": total, "hit": hit, "loose": loose, "keep_total": keep_total, "kept": kept_count, "clean": clean,
            "changed": changed}  # fmt: skip


def print_quality(name: str, result: dict[str, Any]) -> None:
    total, hit, loose = result["total"], result["hit"], result["loose"]
    keep_total, kept = result["keep_total"], result["kept"]
    print(f"\n### {name}\n")
    print("| slice | values | masked | recall | recall, loose | keep | keep-precision |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for key in sorted(set(total) | set(keep_total), key=lambda k: (k != "all", k.split(":")[0], k)):
        keep = f"{keep_total[key]}" if keep_total[key] else ""
        precision = f"{kept[key] / keep_total[key]:.3f}" if keep_total[key] else ""
        if total[key]:
            recall = f"{total[key]} | {hit[key]} | {hit[key] / total[key]:.3f} | {loose[key] / total[key]:.3f}"
        else:
            recall = " | | |"
        print(f"| {key} | {recall} | {keep} | {precision} |")
    print(f"\nLines without personal data changed: {result['changed']} of {result['clean']}.")
    worst = min((k for k in total if k != "all"), key=lambda k: hit[k] / total[k])
    worst_keep = min((k for k in keep_total if k != "all"), key=lambda k: kept[k] / keep_total[k])
    print(f"Worst recall: {worst} {hit[worst] / total[worst]:.3f}; worst keep: {worst_keep} "
          f"{kept[worst_keep] / keep_total[worst_keep]:.3f}.")  # fmt: skip
    # #21's floors: recall >= 0.99 overall and >= 0.95 for every kind and format, keep-precision >= 0.995, no line
    # without personal data changed.
    failed = [key for key in total if key.startswith(("kind:", "format:")) and hit[key] / total[key] < 0.95]
    if hit["all"] / total["all"] < 0.99:
        failed.append("recall all")
    if keep_total["all"] and kept["all"] / keep_total["all"] < 0.995:
        failed.append("keep-precision")
    if result["changed"]:
        failed.append("clean lines changed")
    print("Floors: " + ("met." if not failed else "NOT met: " + ", ".join(failed) + "."))


def report_quality() -> None:
    generated = load()
    independent = [json.loads(line) for line in INDEPENDENT.read_text(encoding="utf-8").splitlines()]
    print_quality("generated corpus (tests/data/masking)", quality(generated, Masker()))
    for split in ("holdout", "dev"):
        records = [record for record in independent if record["split"] == split]
        print_quality(f"independent corpus, {split} split", quality(records, Masker()))


def load(path: Path = CORPUS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def production_mix(clean: list[str], dirty: list[str]) -> list[str]:
    """The clean lines four times over and one line with personal data in twenty, shuffled the same every run."""
    mix = clean * 4 + dirty[: len(clean) * 4 // 19]
    random.Random(1).shuffle(mix)
    return mix


def line_mixes() -> list[tuple[str, list[str]]]:
    """(name, lines) of every line mix, the independent ones first."""
    own = load()
    independent = load(INDEPENDENT)
    real = [line for record in load(REAL_LINES) for line in record["lines"]]
    independent_clean = [r["line"] for r in independent if not r["mask"]]
    independent_dirty = [r["line"] for r in independent if r["mask"]]
    random.Random(2).shuffle(independent_dirty)  # the corpus file is grouped by source
    clean = [r["line"] for r in own if not r["mask"]]
    return [
        ("independent", [r["line"] for r in independent]),
        ("independent production", production_mix(real + independent_clean, independent_dirty)),
        ("corpus", [r["line"] for r in own]),
        ("production", production_mix(clean, [r["line"] for r in own if r["mask"]])),
        ("clean", clean),
    ]


def _size(item: Any) -> int:
    """UTF-8 bytes of a line, of a document's message, or of a batch of either."""
    if isinstance(item, list):
        return sum(_size(element) for element in item)
    return len((item if isinstance(item, str) else item["message"]).encode())


def rate(
    items: list[Any], make_run: Callable[[], Callable[[Any], object]], seconds: float
) -> tuple[float, float, float]:
    """Timed passes over ``items``: (items per second and MB per second of UTF-8 input, both of the median pass;
    MB per second of the best pass). A document counts its message.

    CPU time of this process (``process_time``), not wall time: the machine is shared, and another process
    holding the core must not count as masking time. Other tenants of the host still slow a pass unevenly (the
    same code runs 30-50 % slower in busy minutes), so both the median pass and the best pass are reported: the
    best is what the code does on an undisturbed core (``timeit``'s convention), the median what a busy host gave.
    """
    size = sum(_size(item) for item in items)
    times: list[float] = []
    deadline = time.process_time() + seconds
    while True:
        run = make_run()
        start = time.process_time()
        for item in items:
            run(item)
        times.append(time.process_time() - start)
        if time.process_time() > deadline and len(times) >= 5:
            break
    median = statistics.median(times)
    return len(items) / median, size / median / 1e6, size / min(times) / 1e6


NAIVE = [
    re.compile(p)
    for p in (
        r"[\w.+-]+@[\w-]+\.[\w.-]+",
        r"(?:\+7|8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}",
        r"\+\d[\d\s()-]{7,}\d",
        r"\b(?:\d[ -]*?){13,19}\b",
        r"\b\d{10}\b|\b\d{12}\b",
        r"\b\d{3}-\d{3}-\d{3} \d{2}\b",
        r"\b\d{2} ?\d{2} \d{6}\b",
        r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
        r"(?i)password[=:]\S+",
        r"(?i)bearer\s+\S+",
        r"eyJ[\w-]+\.[\w-]+\.[\w-]*",
        r"AKIA[A-Z0-9]{16}",
    )
]


def naive_mask(text: str) -> str:
    for pattern in NAIVE:
        text = pattern.sub("[X]", text)
    return text


def documents(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rng = random.Random(7)
    docs = []
    for record in records:
        line = record["line"]
        try:
            parsed = json.loads(line)
            message = str(parsed.get("message") or parsed.get("@mt") or line)
        except ValueError:
            message = line
        message = (message + " " + line)[:350]
        docs.append(
            {
                "@timestamp": "2024-05-01T12:00:00.123Z",
                "log.level": "INFO",
                "service.name": "order-service",
                "message": message,
                "order.id": str(rng.randint(100000, 9999999)),
                "trace.id": f"{rng.getrandbits(128):032x}",
                "labels": {"tenant": "shop", "requestId": f"{rng.getrandbits(64):016x}", "attempt": 1},
            }
        )
    return docs


def ingest_documents(events: int) -> list[dict[str, Any]]:
    """Documents the ingest pipeline would mask: generated traffic, decoded, parsed and normalised."""
    from logwarden.ingest.cloudwatch import decode_delivery
    from logwarden.ingest.normalise import normalise
    from logwarden.routing import Router
    from logwarden_tools.generate.delivery import cloudwatch_deliveries
    from logwarden_tools.generate.traffic import TrafficGenerator, TrafficPlan

    lines = []
    for _, minute_lines in TrafficGenerator(TrafficPlan(seed=11, minutes=100_000, orders_per_minute=220.0)).minutes():
        lines.extend(minute_lines)
        if len(lines) >= events:
            break
    router = Router()
    docs: list[dict[str, Any]] = []
    for delivery in cloudwatch_deliveries(lines, id_base=0):
        batch = decode_delivery(delivery, router, "eu-central-1")
        docs.extend(normalise(record, "2025-01-01T00:00:00.000Z") for record in batch.records)
    return docs


BATCH = 1000  # lines per mask_lines call, as `logwarden mask` reads them
DELIVERY = 500  # documents per prepare call, about one CloudWatch delivery


def _prepared_masking(masker: Masker) -> Callable[[list[dict[str, Any]]], object]:
    def run(docs: list[dict[str, Any]]) -> object:
        masker.prepare(docs)
        return [masker.mask_document(doc) for doc in docs]

    return run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--quality", action="store_true", help="also report recall and keep on both corpora")
    parser.add_argument("--quality-only", action="store_true", help="only report recall and keep")
    args = parser.parse_args()
    if args.quality or args.quality_only:
        report_quality()
        if args.quality_only:
            return 0
    records = load()
    mixes = line_mixes()
    production = dict(mixes)["production"]
    masker = Masker()
    rows = []
    for name, lines in mixes:
        per_s, mb_s, best = rate(lines, lambda: masker.mask_text, args.seconds)
        avg = sum(len(x.encode()) for x in lines) / len(lines)
        rows.append((f"mask_text, {name} mix", len(lines), avg, per_s, mb_s, best))
    for name, lines in mixes:
        # What `logwarden mask` does: batches of 1000 lines, one prefilter scan per batch.
        batches = [lines[i : i + BATCH] for i in range(0, len(lines), BATCH)]
        per_s, mb_s, best = rate(batches, lambda: masker.mask_lines, args.seconds)
        avg = sum(len(x.encode()) for x in lines) / len(lines)
        per_line = per_s * len(lines) / len(batches)
        rows.append((f"mask_lines (batches of {BATCH}), {name} mix", len(lines), avg, per_line, mb_s, best))
    for name, docs in (
        ("corpus documents (~350-byte message + labels)", documents(records)),
        ("generated ingest documents", ingest_documents(6000)),
    ):
        per_s, mb_s, best = rate(docs, lambda: Masker().mask_document, args.seconds)
        avg = sum(len(d["message"].encode()) for d in docs) / len(docs)
        rows.append((f"mask_document, {name}", len(docs), avg, per_s, mb_s, best))
        # What the ingest pipeline does: each delivery's documents prepared (one prefilter scan), then masked.
        deliveries = [docs[i : i + DELIVERY] for i in range(0, len(docs), DELIVERY)]
        per_s, mb_s, best = rate(deliveries, lambda: _prepared_masking(Masker()), args.seconds)
        per_doc = per_s * len(docs) / len(deliveries)
        rows.append((f"prepare + mask_document per {DELIVERY}, {name}", len(docs), avg, per_doc, mb_s, best))
    per_s, mb_s, best = rate(production, lambda: naive_mask, args.seconds)
    avg = sum(len(x.encode()) for x in production) / len(production)
    rows.append(("naive dozen-regex masker, production mix", len(production), avg, per_s, mb_s, best))
    masker.take_counts()

    print("| measurement | lines | avg bytes | lines/s | µs/line | MB/s, median pass | MB/s, best pass |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, count, avg, per_s, mb_s, best in rows:
        print(f"| {name} | {count} | {avg:.0f} | {per_s:,.0f} | {1e6 / per_s:.1f} | {mb_s:.1f} | {best:.1f} |")

    adversarial = {
        "digits": "7" * (1 << 20),
        "spaced digits": "1 " * (1 << 19),
        "password=": "password=" * ((1 << 20) // 9),
        "@": "@" * (1 << 20),
        "a…a@": "a" * (1 << 20) + "@",
        "eyJ": "eyJ" * ((1 << 20) // 3),
    }
    print("\n| 1 MB adversarial line | seconds |")
    print("|---|---:|")
    for name, text in adversarial.items():
        start = time.process_time()
        masker.mask_text(text)
        print(f"| `{name}` | {time.process_time() - start:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
