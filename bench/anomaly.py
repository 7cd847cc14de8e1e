"""Benchmarks of the anomaly detection (figures go to docs/BENCHMARKS.md).

    .venv/bin/python bench/anomaly.py backtest   # 17 days x 8 series (~196k rows) through `logwarden backtest`
    .venv/bin/python bench/anomaly.py check      # one check run over 1,000 active series, OpenSearch excluded
    .venv/bin/python bench/anomaly.py quality    # the labelled scenarios vs two simple baselines (docs/ANOMALY.md)

CPU time is process CPU (user + system), so other load on a shared machine does not inflate it.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from logwarden.detection.model import MINUTES_PER_DAY, format_minute
from logwarden_tools.generate import scenarios

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]  # bench + tests


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_backtest(days: int = 17, series: int = 8) -> None:
    table = scenarios.generate(scenarios=[], days=days)
    keys = [spec.key for spec in scenarios.SERIES[:series]]
    with tempfile.TemporaryDirectory() as tmp:
        counts = Path(tmp) / "counts.csv"
        rows = 0
        with counts.open("w") as out:
            out.write("minute,subsystem,event,level,count\n")
            for offset in range(days * MINUTES_PER_DAY):
                minute = scenarios.START + offset
                stamp = format_minute(minute)
                for key in keys:  # every minute of every series, zeros included: the worst case for reading
                    out.write(f"{stamp},{key.subsystem},{key.event},{key.level},{table[key].get(minute, 0)}\n")
                    rows += 1
        cli = Path(sys.executable).with_name("logwarden")
        before, wall = _children_cpu(), time.perf_counter()
        subprocess.run(
            [str(cli), "backtest", "--counts", str(counts), "--out", str(Path(tmp) / "out.jsonl")], check=True
        )
        cpu, wall = _children_cpu() - before, time.perf_counter() - wall
        notifications = len((Path(tmp) / "out.jsonl").read_text().splitlines())
    print(f"backtest: {days} days x {series} series = {rows} rows, {notifications} notifications")
    print(f"backtest: CPU {cpu:.1f} s, wall {wall:.1f} s (target < 30 s on one core)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["backtest", "check", "quality"])
    args = parser.parse_args()
    if args.what == "backtest":
        bench_backtest()
    elif args.what == "check":
        from anomaly_check_bench import bench_check

        bench_check()
    else:
        from anomaly_quality import quality_table

        print(quality_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
