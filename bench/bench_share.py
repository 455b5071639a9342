"""Benchmark: saving a 1,000,000-rating survey and opening its share link (SQLite).

Prints
* the import time of ``bench/data/long_1000000.csv`` (made by ``bench/make_big_csv.py`` when missing),
* the time to save the imported survey (``Store.save``: one transaction) and the ratio save / import
  (target: at most 2),
* the time to load it back (``Store.load``),
* the time for a fresh AppTest session opening ``?survey=<id>`` until the overview has rendered
  (target: at most 3 s) on a running server that has not opened this survey yet (caches cleared:
  load + analysis + overview); also the very first session of a new server process (adds the
  imports of scipy, statsmodels and plotly) and a session when the survey is already cached.

Usage::

    python bench/bench_share.py [--rows 1000000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]


sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import best_call as best  # noqa: E402

from cycle_analytics.dataset import ImportOptions  # noqa: E402
from cycle_analytics.ingest.importer import import_survey  # noqa: E402
from cycle_analytics.storage import ENV_DATA_DIR, ENV_URL, open_store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    csv = ROOT / "bench" / "data" / f"long_{args.rows}.csv"
    if not csv.is_file():
        print(f"generating {csv.relative_to(ROOT)} ...", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_big_csv.py"), "--rows", str(args.rows), "--out", str(csv)],
                       check=True)

    data_dir = tempfile.mkdtemp(prefix="bench_share_")
    os.environ[ENV_DATA_DIR] = data_dir
    os.environ.pop(ENV_URL, None)

    raw = csv.read_bytes()
    options = ImportOptions(na_values=("N/A",))
    t_import, survey = best(lambda: import_survey(raw, options, file_name=csv.name), args.repeat)
    store = open_store(data_dir)
    t_save, sid = best(lambda: store.save(survey, "Benchmark survey", options=options), args.repeat)
    t_load, loaded = best(lambda: store.load(sid), args.repeat)
    assert len(loaded.survey.ratings) == len(survey.ratings)
    db = Path(data_dir) / "cycle_analytics.sqlite3"

    # Streamlit (and, through app.py, scipy, statsmodels and plotly) is imported only now, so that the
    # first open_link below measures a new server process with these imports included.
    from streamlit.testing.v1 import AppTest

    def open_link() -> tuple[float, AppTest]:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.query_params["survey"] = sid
        t = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - t
        assert not at.exception, [e.value for e in at.exception]
        assert at.metric and at.get("plotly_chart"), "the overview did not render"
        return elapsed, at

    import streamlit as st

    t_open_process, _ = open_link()  # a new server process: imports + load + analysis
    st.cache_data.clear()
    st.cache_resource.clear()
    t_open_cold, at = open_link()  # a running server that has not opened this survey yet
    t_open_warm, _ = open_link()  # the survey and its analysis are cached
    responses = at.metric[0].value

    print(f"survey: {len(survey.ratings):,} ratings, {len(survey.responses):,} respondents ({csv.name}, {len(raw) / 1e6:.0f} MB)")
    print(f"import:                      {t_import:6.2f} s")
    print(f"save (SQLite):               {t_save:6.2f} s   = {t_save / t_import:.2f} x import (target <= 2)")
    print(f"load (Store.load):           {t_load:6.2f} s")
    print(f"database file:               {db.stat().st_size / 1e6:6.1f} MB")
    print(f"open link, fresh session:    {t_open_cold:6.2f} s   (running server, nothing cached: load + analysis + overview;"
          f" {responses} responses; target <= 3 s)")
    print(f"open link, first after start:{t_open_process:6.2f} s   (new server process: + importing scipy/statsmodels/plotly)")
    print(f"open link, another session:  {t_open_warm:6.2f} s   (saved survey + analysis cached by the server)")


if __name__ == "__main__":
    main()
