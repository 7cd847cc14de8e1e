"""Quality on the labelled corpus (tests/data/masking/corpus.jsonl): recall per kind and keep-precision.

Floors are those published in docs/MASKING.md: recall >= 99 % overall and >= 95 % per kind, keep-precision
>= 99.5 %, and not one changed line among the lines without personal data.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from logwarden.masking.masker import Masker

CORPUS = Path(__file__).resolve().parents[1] / "data" / "masking" / "corpus.jsonl"


def evaluate() -> tuple[Counter[str], Counter[str], int, int, int, int]:
    masker = Masker()
    expected: Counter[str] = Counter()
    masked: Counter[str] = Counter()
    kept = keep_total = clean_total = clean_changed = 0
    for raw in CORPUS.read_text(encoding="utf-8").splitlines():
        record = json.loads(raw)
        line = record["line"]
        out = masker.mask_text(line)
        for item in record["mask"]:
            expected[item["kind"]] += 1
            masked[item["kind"]] += item["value"] not in out
        keep_total += len(record["keep"])
        kept += sum(value in out for value in record["keep"])
        if not record["mask"]:
            clean_total += 1
            clean_changed += out != line
    return expected, masked, kept, keep_total, clean_total, clean_changed


def test_corpus_is_large_and_about_a_third_clean() -> None:
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    assert len(records) >= 500
    clean = sum(not record["mask"] for record in records)
    assert 0.25 <= clean / len(records) <= 0.45
    assert {record["format"] for record in records} >= {"logback", "serilog", "spring", "rabbit", "access", "dotnet"}


def test_recall_and_keep_precision_meet_the_floors() -> None:
    expected, masked, kept, keep_total, clean_total, clean_changed = evaluate()
    assert sum(masked.values()) / sum(expected.values()) >= 0.99
    for kind, total in expected.items():
        assert masked[kind] / total >= 0.95, kind
    assert kept / keep_total >= 0.995
    assert clean_total > 0 and clean_changed == 0
