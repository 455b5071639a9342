"""Benchmark of a filter change in the dashboard on a warehouse source (a 10M-rating Parquet dataset on DuckDB).

When a manager changes a filter (a branch, a channel, a date range) on a warehouse source, the app
runs :func:`app_support.sources.source_analysis` and :func:`app_support.sources.source_headline`
for the new filters: ``analyze(engine, filters=...)`` (every count table, filtered on the engine's
respondent table, then the statistics with 200 bootstrap resamples) and the headline counts. This
script times exactly those calls on the engine the app opens (:func:`app_support.sources.open_engine`,
from a source configured as the secrets would configure it), against a baseline measured in the
same run: a bare DuckDB ``GROUP BY stage, score`` over the same Parquet files. Target: a filter
change re-renders within 1 s.

Opening the source (both passes over the files, the respondent table materialised, the whole
survey's counts by segment and period kept by the engine) happens once per server and is reported
apart. Between two filter changes the engine forgets every count table it kept for a filter
(``SurveyEngine.clear_cache(unfiltered=False)``), so each change is timed as the first of its kind;
the last row also forgets the whole survey's tables.

Usage::

    python bench/make_big_parquet.py --rows 10000000 --out /tmp/long_10m.parquet
    python bench/bench_app_source.py /tmp/long_10m.parquet [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from make_big_csv import STAGES  # noqa: E402

TARGET_SECONDS = 1.0


def timed(run, repeats: int) -> tuple[float, float]:
    """``(median wall seconds, median CPU seconds)`` of ``repeats`` calls of ``run``."""
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def bare_group_by(glob: str) -> None:
    """The baseline: DuckDB counts ratings by stage and score over the files, nothing else."""
    con = duckdb.connect()
    con.execute(f"SELECT stage, score, count(*) FROM read_parquet('{glob}') GROUP BY ALL").fetchall()
    con.close()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", type=Path, help="a Parquet dataset made by bench/make_big_parquet.py")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    glob = str(args.folder / "*.parquet")

    from app_support.sources import open_engine, source_config
    from cycle_analytics.engine import Filters
    from cycle_analytics.stats.analysis import AnalysisSettings, analyze
    from cycle_analytics.stats.headline import headline_from_tables

    config = source_config("bench", {
        "path": glob, "layout": "long", "id": "respondent_id", "stage": "stage", "score": "score", "stages": list(STAGES),
        "outcome": "overall_satisfaction", "date": "date", "segments": ["branch", "channel"], "comment": "comment",
        "na_values": ["N/A"],
    })
    base_wall, base_cpu = timed(lambda: bare_group_by(glob), args.repeats)
    t0 = time.perf_counter()
    engine = open_engine(config)
    opened = time.perf_counter() - t0
    counts = engine.respondent_counts()
    print(f"source: {glob}: {engine.inventory.ratings:,} ratings, {counts.respondents:,} respondents; "
          f"opened (once per server) in {opened:.2f} s")
    print(f"baseline, bare DuckDB GROUP BY stage, score: {base_wall:.3f} s wall, {base_cpu:.3f} s CPU")

    spec = engine.outcome_spec("overall_satisfaction")
    branch, channel = engine.segment_values("branch"), engine.segment_values("channel")
    last = counts.last_date
    changes = {
        "one branch": Filters(segments={"branch": [branch[0]]}),
        "one channel": Filters(segments={"channel": [channel[0]]}),
        "last 90 days": Filters(date_range=(last - pd.Timedelta(days=89), last)),
        "branch + channel + 90 days": Filters(date_range=(last - pd.Timedelta(days=89), last),
                                              segments={"branch": [branch[1]], "channel": [channel[1]]}),
        "no filter": Filters(),
    }
    print(f"{'filter change':<28} {'respondents':>11} {'wall s':>8} {'CPU s':>7} {'x baseline':>10} {'target 1 s':>10}")
    # A filter the engine has not seen: nothing kept from the previous call but what the app keeps
    # from opening the source (the whole survey's counts by segment and period, SurveyEngine.count_groups);
    # the last row forgets those too (the first page of a source opened without them).
    rows = [(label, filters, False) for label, filters in changes.items()] + [("no filter, nothing kept", Filters(), True)]
    for label, filters, cold in rows:
        def change():
            if hasattr(engine, "clear_cache"):
                engine.clear_cache(unfiltered=cold)
            analyze(engine, outcome=spec, settings=AnalysisSettings(), filters=filters)
            return headline_from_tables(engine, spec, filters=filters)
        n = change().responses
        wall, cpu = timed(change, args.repeats)
        verdict = "met" if wall <= TARGET_SECONDS else "MISSED"
        print(f"{label:<28} {n:>11,} {wall:>8.3f} {cpu:>7.3f} {wall / base_wall:>10.2f} {verdict:>10}")
        if hasattr(engine, "count_groups") and cold:
            engine.count_groups()  # as the app has them again
    engine.close()


if __name__ == "__main__":
    main()
