"""Benchmark of the query engine (cycle_analytics.engine): every table of the analyses, built on the backend.

Each measurement runs in a fresh process (``bench/measure.py``: wall time and peak RSS), against a
baseline measured in the same run:

* ``csv FILE``: a bare ``pyarrow.csv.read_csv`` of the long CSV against building every table
  through DuckDB from the CSV (``--spark`` adds the same build on a local Spark session, no target).
* ``parquet FOLDER...``: per Parquet dataset, a bare ``GROUP BY stage, score`` in DuckDB against
  building every table through DuckDB (the growth from 10M to 30M to 100M ratings shows); a bare
  ``GROUP BY respondent_id`` is shown too: the floor of any table per respondent (the answer
  patterns need one), far above the ``GROUP BY stage, score`` of dictionary-encoded Parquet.

"Every table" (:func:`all_tables`), what ``analyze`` with an outcome reads: the inventory and the
respondent table, stage x score counts, by the rating outcome, by each segment, by month; box
patterns and score patterns with the outcome; consecutive-stage pairs; respondent and outcome
counts; 20 comments per stage. (The proxy outcome's table, used only without an outcome, costs
one more count query.)

Usage::

    python bench/make_big_csv.py --rows 10000000 --out bench/data/long_10000000.csv
    python bench/make_big_parquet.py --rows 30000000 --out bench/data/long_30m.parquet
    python bench/make_big_parquet.py --rows 100000000 --out bench/data/long_100m.parquet
    python bench/bench_engine.py csv bench/data/long_10000000.csv [--spark] [--repeats 1]
    python bench/bench_engine.py parquet bench/data/long_10m.parquet bench/data/long_30m.parquet bench/data/long_100m.parquet
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_big_csv import STAGES  # noqa: E402
from measure import BARE_READ, best_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MEMORY_LIMIT = "3GB"  # DuckDB spills past it (the 100M target is a peak under 4 GB)

# argv: folder, memory limit, grouping columns
BARE_GROUP_BY = (
    "import duckdb, sys; con = duckdb.connect(); con.execute('SET memory_limit=' + repr(sys.argv[2])); "
    "con.execute('SET preserve_insertion_order=false'); "
    "print(con.execute(f\"SELECT {sys.argv[3]}, count(*) FROM read_parquet('{sys.argv[1]}/*.parquet') GROUP BY ALL\").fetchall()[:1])"
)


def all_tables(engine) -> dict:
    """Every table the analyses read, for the big survey's columns; returns small facts to print."""
    from cycle_analytics.dataset import OutcomeSpec
    from cycle_analytics.scales import Scale

    overall = OutcomeSpec("overall_satisfaction", kind="rating", scale=Scale(1, 5))
    facts = {"ratings": engine.inventory.ratings, "respondents": engine.respondent_counts().respondents}
    engine.score_counts()
    engine.score_counts("outcome", outcome=overall)
    for segment in ("branch", "channel"):
        engine.score_counts(segment)
    engine.score_counts("period", freq="M")
    facts["box_patterns"] = len(engine.box_patterns(overall).n)
    facts["score_patterns"] = len(engine.score_patterns(overall).counts)
    engine.stage_pairs()
    engine.outcome_counts(overall)
    for stage in engine.stages:
        engine.comments(stage, limit=20)
    return facts


def build(source: str, *, spark: bool, memory_limit: str) -> None:
    """Open ``source``, build every table, print the facts as JSON (run in a fresh process)."""
    sys.path.insert(0, str(ROOT))
    from cycle_analytics.engine import LongLayout, ScoreRules, SurveyEngine, duckdb_backend, open_source

    layout = LongLayout(
        "respondent_id", "stage", "score", stages=STAGES, outcomes=("overall_satisfaction", "recommend"),
        segments=("branch", "channel"), date="date", comment="comment",
    )
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sca-bench-", dir=ROOT / "bench" / "data") as scratch:
        if spark:
            from pyspark.sql import SparkSession

            session = (
                SparkSession.builder.master("local[2]").config("spark.driver.memory", "6g").config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "8")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                .config("spark.sql.warehouse.dir", scratch).getOrCreate()
            )
            session.sparkContext.setLogLevel("ERROR")
            src = open_source(session, source if source.endswith(".csv") else source.rstrip("/") + "/*.parquet")
        else:
            src = open_source(source, backend=duckdb_backend(memory_limit=memory_limit, temp_directory=scratch))
        engine = SurveyEngine(src, layout, ScoreRules(na_values=("N/A",)))
        facts = all_tables(engine)
    facts["seconds_in_process"] = round(time.perf_counter() - t0, 2)
    print(json.dumps(facts))


def _line(label: str, run: dict, base: dict | None = None) -> str:
    """One result: wall time, CPU time (user + system, steadier on a shared machine), peak RSS, ratios to ``base``."""
    text = f"{label:<40}: {run['wall_s']:7.2f} s wall {run['cpu_s']:7.2f} s cpu  peak {run['peak_mib']:7.0f} MiB"
    if base:
        text += (f"   ({run['wall_s'] / base['wall_s']:.2f}x wall, {run['cpu_s'] / base['cpu_s']:.2f}x cpu, "
                 f"{run['peak_mib'] / base['peak_mib']:.2f}x memory)")
    return text


def bench_csv(path: Path, repeats: int, spark: bool, memory_limit: str) -> None:
    me = [sys.executable, str(Path(__file__).resolve())]
    bare = best_of([sys.executable, "-c", BARE_READ, str(path)], repeats)
    duck = best_of([*me, "build", str(path), "--memory-limit", memory_limit], repeats)
    print(f"file: {path} ({path.stat().st_size / 1e6:,.0f} MB)")
    print(_line("bare pyarrow.csv.read_csv", bare))
    print(_line("every table through DuckDB", duck, bare))
    if spark:
        spk = best_of([*me, "build", str(path), "--spark"], 1)
        # the JVM is started by pyspark and not waited for by Python: its CPU time and memory do not
        # reach this process's rusage, so only the wall time is meaningful
        print(f"{'every table on local Spark (local[2])':<40}: {spk['wall_s']:7.2f} s wall "
              f"({spk['wall_s'] / bare['wall_s']:.2f}x wall; the JVM's CPU and memory are not measured; no target)")


def bench_parquet(folders: list[Path], repeats: int, memory_limit: str) -> None:
    me = [sys.executable, str(Path(__file__).resolve())]
    for folder in folders:
        size = sum(p.stat().st_size for p in folder.glob("*.parquet"))
        bare = best_of([sys.executable, "-c", BARE_GROUP_BY, str(folder), memory_limit, "stage, score"], repeats)
        per_respondent = best_of([sys.executable, "-c", BARE_GROUP_BY, str(folder), memory_limit, "respondent_id"], repeats)
        duck = best_of([*me, "build", str(folder), "--memory-limit", memory_limit], repeats)
        print(f"dataset: {folder} ({size / 1e6:,.0f} MB of Parquet)")
        print(_line("  bare DuckDB GROUP BY stage, score", bare))
        print(_line("  bare DuckDB GROUP BY respondent_id", per_respondent, bare))
        print(_line("  every table through DuckDB", duck, bare))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    c = sub.add_parser("csv", help="a long CSV: bare pyarrow read against every table through DuckDB")
    c.add_argument("csv", type=Path)
    c.add_argument("--spark", action="store_true", help="also build every table on a local Spark session")
    p = sub.add_parser("parquet", help="Parquet folders: bare GROUP BY against every table through DuckDB")
    p.add_argument("folders", type=Path, nargs="+")
    b = sub.add_parser("build", help="(internal) build every table from one source in this process")
    b.add_argument("source")
    b.add_argument("--spark", action="store_true")
    for parser in (c, p, b):
        parser.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT, help="DuckDB's memory limit (it spills past it)")
    for parser in (c, p):
        parser.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args(argv)
    if args.what == "build":
        build(args.source, spark=args.spark, memory_limit=args.memory_limit)
    elif args.what == "csv":
        bench_csv(args.csv, args.repeats, args.spark, args.memory_limit)
    else:
        bench_parquet(args.folders, args.repeats, args.memory_limit)


if __name__ == "__main__":
    main()
