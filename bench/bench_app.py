"""Benchmark: server-side rerun times of the dashboard with ~1,000,000 ratings loaded.

Generates a long-layout CSV (``bench/data/app_1m.csv``, git-ignored) from ``tests/synth.py``,
uploads it through AppTest, then times (after the first, uncached load):

* page switches (every page, twice: the second visit is what a user sees most of the time),
* filter changes (a segment filter, the date range, the outcome) followed by a page switch.

Target (issue 4): every rerun after the first load at most 0.5 s on the server.
With ``--browser`` it also measures the browser time to the first Plotly chart of the overview
against a page with one trivial Plotly chart (needs /usr/bin/chromium and playwright).

Run: ``python bench/bench_app.py [--ratings 1000000] [--browser]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from synth import make_survey  # noqa: E402 (tests/ is put on the path just above)

PAGES = ["overview", "critical_moments", "priorities", "stage_detail", "segments", "trends", "data"]


def make_csv(n_ratings: int, path: Path) -> Path:
    """A long-layout survey CSV of about ``n_ratings`` ratings (seeded, ``tests/synth.py``)."""
    stages = ("Arrival", "Finding help", "Waiting", "Service", "Payment", "Departure")
    n_resp = int(n_ratings / (len(stages) * 0.9)) + 1
    s = make_survey(n_resp, stages, seed=7, penalties={"Payment": 0.3}, span_days=180)
    r, resp = s.ratings, s.responses
    codes = r["response_id"].cat.codes.to_numpy()
    table = pa.table({
        "respondent_id": resp["response_id"].astype("str").to_numpy()[codes],
        "date": pd.Series(resp["date"].to_numpy()[codes]).dt.strftime("%Y-%m-%d").to_numpy(),
        "region": resp["region"].astype("str").to_numpy()[codes],
        "channel": resp["channel"].astype("str").to_numpy()[codes],
        "stage": r["stage"].astype("str").to_numpy(),
        "score": r["score"].to_numpy().astype(np.int64),
        "overall_satisfaction": resp["overall"].to_numpy()[codes].astype(np.int64),
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path)
    return path


def timed(fn) -> float:
    """Wall time of one call of ``fn`` in seconds."""
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_server(csv: Path) -> dict:
    """Rerun times of ``app.py`` under AppTest with ``csv`` uploaded."""
    data = csv.read_bytes()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    t_start = timed(at.run)
    t_first = timed(lambda: at.file_uploader(key="upload").set_value((csv.name, data, "text/csv")).run())
    assert not at.exception, [e.value for e in at.exception]
    ratings = at.metric[0].help if at.metric else "?"
    out = {"app start (bank sample)": t_start, "first load after upload (import + analysis)": t_first, "ratings": ratings}

    first_visit, switches = {}, []
    for p in PAGES:  # first visit of each page (analysis cached, page-specific caches cold)
        first_visit[p] = timed(lambda: at.switch_page(f"app_pages/{p}.py").run())
        assert not at.exception, (p, [e.value for e in at.exception])
    for _ in range(2):
        for p in PAGES:
            switches.append((p, timed(lambda: at.switch_page(f"app_pages/{p}.py").run())))
    out["first visit per page"] = first_visit
    out["page switch (warm) median"] = statistics.median(t for _, t in switches)
    worst = max(switches, key=lambda x: x[1])
    out[f"page switch (warm) max ({worst[0]})"] = worst[1]

    at.switch_page("app_pages/overview.py").run()
    filt = {}
    filt["segment filter on (first time: filter + analysis)"] = timed(lambda: at.multiselect(key="seg__region").set_value(["North"]).run())
    filt["segment filter off (cached)"] = timed(lambda: at.multiselect(key="seg__region").set_value([]).run())
    filt["segment filter on again (cached)"] = timed(lambda: at.multiselect(key="seg__region").set_value(["North"]).run())
    filt["page switch with filter (cached)"] = timed(lambda: at.switch_page("app_pages/priorities.py").run())
    lo, hi = at.date_input(key="date_range").value
    filt["date range change (first time)"] = timed(lambda: at.date_input(key="date_range").set_value((lo, lo + dt.timedelta(days=60))).run())
    filt["date range back to full (cached)"] = timed(lambda: at.date_input(key="date_range").set_value((lo, hi)).run())
    filt["outcome -> proxy (first time)"] = timed(lambda: at.selectbox(key="outcome").set_value("None (proxy)").run())
    filt["outcome back (cached)"] = timed(lambda: at.selectbox(key="outcome").set_value("overall_satisfaction").run())
    assert not at.exception, [e.value for e in at.exception]
    out["filters"] = filt
    return out


TRIVIAL_APP = '''import plotly.graph_objects as go\nimport streamlit as st\nst.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2])))\n'''


def bench_browser(n: int = 3) -> dict:
    """Median browser time to the first drawn Plotly chart: a trivial page against the dashboard."""
    # Only with --browser: playwright is a test-only dependency, and the browser-test conftest
    # (CHROMIUM settings) is importable only once its folder is on the path.
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    from conftest import CHROMIUM, CHROMIUM_ARGS

    def serve(script: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
                                 "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(240):
            try:
                if urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.25)
        return proc, f"http://localhost:{port}"

    trivial = ROOT / "bench" / "data" / "trivial_chart_app.py"
    trivial.parent.mkdir(parents=True, exist_ok=True)
    trivial.write_text(TRIVIAL_APP)
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, script in (("trivial one-chart page", trivial), ("dashboard overview (bank sample)", ROOT / "app.py")):
            proc, url = serve(script)
            try:
                times = []
                for i in range(n + 1):  # the first load warms the server caches; not counted
                    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                    page = ctx.new_page()
                    t = time.perf_counter()
                    page.goto(url)
                    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
                    if i:
                        times.append(time.perf_counter() - t)
                    ctx.close()
                results[name] = statistics.median(times)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        browser.close()
    results["ratio"] = results["dashboard overview (bank sample)"] / results["trivial one-chart page"]
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ratings", type=int, default=1_000_000)
    ap.add_argument("--browser", action="store_true", help="also time the first chart in chromium")
    args = ap.parse_args()
    csv = ROOT / "bench" / "data" / f"app_{args.ratings}.csv"
    t = timed(lambda: make_csv(args.ratings, csv)) if not csv.exists() else 0.0
    print(f"survey file: {csv.name}, {csv.stat().st_size / 1e6:.1f} MB (generated in {t:.1f} s)")
    res = bench_server(csv)
    for k, v in res.items():
        if isinstance(v, dict):
            print(f"{k}:")
            for kk, vv in v.items():
                print(f"    {kk:<52} {vv:7.3f} s")
        elif isinstance(v, float):
            print(f"{k:<56} {v:7.3f} s")
        else:
            print(f"{k:<56} {v}")
    if args.browser:
        for k, v in bench_browser().items():
            print(f"browser: {k:<47} {v:7.3f}" + ("" if k == "ratio" else " s"))


if __name__ == "__main__":
    main()
