"""Benchmark: import_survey against a bare ``pyarrow.csv.read_csv`` of the same file.

Each measurement runs in a fresh Python process (``subprocess``); the figures are the child's wall
time (measured inside the child around the call, plus the whole process time from the parent) and
its peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, read by the child at its
end). Targets (issue 2): import time <= 3x and peak RSS <= 1.5x the bare read.

Usage::

    python bench/make_big_csv.py --rows 10000000 --out bench/data/long_10m.csv
    python bench/bench_import.py bench/data/long_10m.csv [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD_BARE = """
import json, resource, sys, time
t0 = time.perf_counter()
import pyarrow.csv as pcsv
table = pcsv.read_csv(sys.argv[1])
t1 = time.perf_counter()
print(json.dumps({"seconds": t1 - t0, "rows": table.num_rows,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CHILD_IMPORT = """
import json, resource, sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[2])
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.ingest.importer import import_survey
survey = import_survey(sys.argv[1], ImportOptions(max_bytes=None, na_values=("N/A",)))
t1 = time.perf_counter()
i = survey.info
print(json.dumps({"seconds": t1 - t0, "rows": i.rows_read, "ratings": i.ratings, "respondents": i.respondents,
                  "rejected": i.rows_rejected, "na_answers": i.na_answers, "stages": list(i.stages),
                  "answers": getattr(i, "answers_read", None), "invalid": getattr(i, "invalid_answers", None),
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_child(code: str, path: Path) -> dict:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, str(path), str(ROOT)], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - t0
    return result


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv", type=Path)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each; the best time and the largest RSS are kept")
    args = ap.parse_args(argv)
    size_mb = args.csv.stat().st_size / 1e6
    bare_runs = [run_child(CHILD_BARE, args.csv) for _ in range(args.repeat)]
    imp_runs = [run_child(CHILD_IMPORT, args.csv) for _ in range(args.repeat)]
    bare = min(bare_runs, key=lambda r: r["process_seconds"])
    imp = min(imp_runs, key=lambda r: r["process_seconds"])
    bare_rss = max(r["max_rss_mb"] for r in bare_runs)
    imp_rss = max(r["max_rss_mb"] for r in imp_runs)
    print(f"file: {args.csv} ({size_mb:.0f} MB, {bare['rows']:,} data rows)")
    print(f"import: {imp['ratings']:,} ratings, {imp['respondents']:,} respondents, {imp['rejected']:,} rejected, "
          f"{imp['na_answers']:,} N/A answers, stages {imp['stages']}")
    if imp.get("answers") is not None:
        print(f"answers read {imp['answers']:,} = ratings {imp['ratings']:,} + no answer + invalid {imp['invalid']:,}")
    print(f"{'':28s}{'call s':>10s}{'process s':>11s}{'peak RSS MB':>13s}")
    print(f"{'bare pyarrow.csv.read_csv':28s}{bare['seconds']:10.2f}{bare['process_seconds']:11.2f}{bare_rss:13.0f}")
    print(f"{'import_survey':28s}{imp['seconds']:10.2f}{imp['process_seconds']:11.2f}{imp_rss:13.0f}")
    t_ratio = imp["process_seconds"] / bare["process_seconds"]
    m_ratio = imp_rss / bare_rss
    print(f"ratio (whole process): time {t_ratio:.2f}x (target <= 3x), peak RSS {m_ratio:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
