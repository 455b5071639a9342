"""Benchmark: saving and opening a 1,000,000-rating survey with the SQLite store.

Prints the time to save (one transaction, Parquet + zstd), to load (what opening a share link
costs before the analysis), to serialise with ``survey_to_bytes`` / ``survey_from_bytes``, and the
database size. Best of ``--repeat`` runs.

By default the survey is built synthetically (``tests/synth.make_survey``: 5 stages, 90% answer
rate, a date, two segments and two outcomes, so 222,222 respondents give ~1,000,000 ratings). With
``--csv FILE`` the survey is imported from a long CSV instead (for example
``bench/data/long_1000000.csv`` from ``bench/make_big_csv.py``) and the import time is printed
too, so the issue's target "saving takes at most 2x the import time" can be read off directly.

Usage::

    python bench/bench_storage.py                       # synthetic, ~1,000,000 ratings
    python bench/bench_storage.py --csv bench/data/long_1000000.csv --na N/A
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from cycle_analytics import storage  # noqa: E402


sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import best_call as best  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ratings", type=int, default=1_000_000, help="ratings in the synthetic survey")
    ap.add_argument("--csv", type=Path, default=None, help="import this long CSV instead of building a survey")
    ap.add_argument("--na", default="N/A", help="N/A code(s) of the CSV, comma-separated")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    import_s = None
    if args.csv is not None:
        from cycle_analytics.dataset import ImportOptions
        from cycle_analytics.ingest.importer import import_survey

        opts = ImportOptions(na_values=tuple(v for v in args.na.split(",") if v))
        import_s, survey = best(lambda: import_survey(args.csv, opts), 1)
        label = f"imported from {args.csv.name}"
    else:
        from synth import make_survey

        t = time.perf_counter()
        survey = make_survey(round(args.ratings / (5 * 0.9)), seed=1)
        label = f"synthetic (built in {time.perf_counter() - t:.2f} s)"
    print(f"survey: {label}: {len(survey.ratings):,} ratings, {len(survey.responses):,} respondents, "
          f"{len(survey.rejected):,} rejected rows")
    if import_s is not None:
        print(f"import (import_survey, whole file)  : {import_s:7.3f} s")

    with tempfile.TemporaryDirectory() as tmp:
        store = storage.open_store(Path(tmp) / "bench.sqlite3")
        save_s, sid = best(lambda: store.save(survey, "bench"), args.repeat)
        db = sum(p.stat().st_size for p in Path(tmp).iterdir()) / args.repeat
        load_s, loaded = best(lambda: store.load(sid), args.repeat)
        replace_s, _ = best(lambda: store.replace_data(sid, survey), args.repeat)
        to_s, blob = best(lambda: storage.survey_to_bytes(survey), args.repeat)
        from_s, _ = best(lambda: storage.survey_from_bytes(blob), args.repeat)
        assert loaded.survey.ratings.equals(survey.ratings)

    print(f"save (SQLite, one transaction)      : {save_s:7.3f} s")
    print(f"load (SQLite, open a share link)    : {load_s:7.3f} s")
    print(f"replace_data (SQLite)               : {replace_s:7.3f} s")
    print(f"survey_to_bytes                     : {to_s:7.3f} s  ({len(blob) / 1e6:.1f} MB)")
    print(f"survey_from_bytes                   : {from_s:7.3f} s")
    print(f"database size per saved survey      : {db / 1e6:7.1f} MB")
    if import_s is not None:
        print(f"save / import                       : {save_s / import_s:7.2f}x  (target: at most 2x)")


if __name__ == "__main__":
    main()
