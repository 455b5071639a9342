"""Benchmark of issue 3: the whole ``python -m cycle_analytics analyze`` against a bare pyarrow read.

Target: analysing a 10,000,000-rating long CSV with an outcome, all analyses included (200 bootstrap
resamples), within 5x the wall time and 1.5x the peak memory of ``pyarrow.csv.read_csv`` of the
same file, each in a fresh process.

Usage::

    python bench/make_big_csv.py --rows 10000000 --out bench/data/long_10000000.csv
    python bench/bench_analyze.py bench/data/long_10000000.csv [--repeats 1]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import BARE_READ, best_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv", type=Path)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--outcome", default="overall_satisfaction")
    args = ap.parse_args(argv)
    size_mb = args.csv.stat().st_size / 1e6
    bare = best_of([sys.executable, "-c", BARE_READ, str(args.csv)], args.repeats)
    cmd = [sys.executable, "-m", "cycle_analytics", "analyze", str(args.csv), "--outcome", args.outcome, "--na-values", "N/A", "--json"]
    full = best_of(cmd, args.repeats)
    print(f"file: {args.csv} ({size_mb:,.0f} MB)")
    print(f"bare pyarrow.csv.read_csv : {bare['wall_s']:7.2f} s  peak {bare['peak_mib']:8.0f} MiB")
    print(f"analyze --json (all)      : {full['wall_s']:7.2f} s  peak {full['peak_mib']:8.0f} MiB")
    print(f"ratio time {full['wall_s'] / bare['wall_s']:.2f}x (target <= 5x); ratio memory {full['peak_mib'] / bare['peak_mib']:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    import os

    os.chdir(ROOT)
    main()
