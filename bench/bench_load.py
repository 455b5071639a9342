"""Benchmark: a real server under 1, 5, 10 and 20 concurrent sessions uploading 1M-rating files.

A ``streamlit run app.py`` server is started once; each round opens N sessions at the same moment
(``tests/stclient.py``: Streamlit's own protocol, no browser), each uploads a 1,000,000-rating long
CSV (``bench/make_big_csv.py``, 69 MB), then opens the Critical moments page; then every session
closes. Printed per round:

* server memory (the server with its forkserver and import workers, resident) at the start, the
  peak, per session ``(peak - start) / N``, and after the sessions closed (once it settles:
  Streamlit drops a closed session after ``server.disconnectedSessionTTL``, the survey cache drops
  an idle survey after ``CYCLE_ANALYTICS_CACHE_IDLE_SECONDS``; both are set to 30 s here, the
  defaults are 120 s);
* page latency: the upload's run and the page switch (median and slowest);
* ratios against the 1-session round of the same run.

Rounds: ``same`` (every session uploads the same bytes: they share one import), ``distinct`` (10
sessions, 10 different files), two ``repeat`` rounds of 10 sessions on the same file (memory over
rounds), and 20 sessions on the bundled sample.

Targets (from the hosting brief): memory returns to within 20% of its start once the sessions
close (every round); two rounds of 10 sessions end within 10% of each other; 20 sessions on the
sample stay under 1.5 GB; and every session of every round works (a session that does not is
listed with the reason: an error sentence, a run that did not finish, or no headline numbers).

Usage::

    python bench/bench_load.py [--sessions 1 5 10 20] [--settle 150] [--quick] [--log server.log]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import stclient  # noqa: E402
from make_big_csv import main as make_csv  # noqa: E402

MB = 2**20
TTL = 30


def _file(rows: int, seed: int, folder: Path) -> Path:
    path = folder / f"long_{rows}_{seed}.csv"
    if not path.exists():
        make_csv(["--rows", str(rows), "--out", str(path), "--seed", str(seed)])
    return path


class Peak(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, stclient.memory_of(self.pid))
            time.sleep(0.2)


def _session(url: str, upload: tuple[str, bytes] | None, out: list, barrier: threading.Barrier) -> None:
    row, step = {"ok": False}, "connect"
    try:
        with stclient.Session(url, timeout=120) as s:
            step = "first run"
            first = s.run(timeout=300)
            barrier.wait(timeout=300)
            step = "upload"
            t = time.monotonic()
            shown = s.upload(*upload, timeout=600) if upload else s.run(timeout=300)
            row["upload_s"] = time.monotonic() - t
            step = "page"
            t = time.monotonic()
            page = s.goto("critical_moments", timeout=300)
            row["page_s"] = time.monotonic() - t
            row["ok"] = first.finished and shown.finished and page.finished and not shown.errors and bool(shown.metrics)
            row["errors"] = shown.errors[:1] or ([] if row["ok"] else [_why_not(first, shown, page)])
    except Exception as exc:  # noqa: BLE001 - reported in the table
        row["errors"] = [f"{step}: {exc!r}"]
    out.append(row)


def _why_not(first, shown, page) -> str:
    """Why a session that raised nothing did not count as working (for the table)."""
    unfinished = [name for name, run in (("first run", first), ("upload", shown), ("page", page)) if not run.finished]
    if unfinished:
        return "did not finish: " + ", ".join(unfinished)
    said = (shown.exceptions + shown.warnings + shown.infos)[:1]
    return "no headline numbers after the upload" + (f" ({said[0][:160]})" if said else "")


def _small_csv() -> bytes:
    return ("id,wait,teller,overall\n" + "".join(f"r{i},{1 + i % 5},{1 + i % 3},{1 + i % 4}\n" for i in range(200))).encode()


def settle(pid: int, seconds: float) -> tuple[int, float]:
    """Memory once it has settled: no longer falling (three looks 5 s apart within 1%), at least
    ``TTL`` + 20 s after the sessions closed (they are released then), at most ``seconds``:
    ``(bytes, seconds waited)``."""
    t0 = time.monotonic()
    looks: list[int] = []
    while True:
        looks.append(stclient.memory_of(pid))
        waited = time.monotonic() - t0
        steady = len(looks) >= 3 and max(looks[-3:]) <= 1.01 * min(looks[-3:])
        if waited >= seconds or (waited >= TTL + 20 and steady):
            return looks[-1], waited
        time.sleep(5)


def round_(proc, url: str, label: str, uploads: list[tuple[str, bytes] | None], settle_s: float) -> dict:
    start = stclient.memory_of(proc.pid)
    peak = Peak(proc.pid)
    peak.start()
    rows: list[dict] = []
    barrier = threading.Barrier(len(uploads))
    threads = [threading.Thread(target=_session, args=(url, u, rows, barrier)) for u in uploads]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    peak.stop.set()
    peak.join()
    after, waited = settle(proc.pid, settle_s) if settle_s else (stclient.memory_of(proc.pid), 0.0)
    ok = sum(r["ok"] for r in rows)
    lat = [r.get("upload_s", float("nan")) for r in rows]
    page = [r.get("page_s", float("nan")) for r in rows]
    res = dict(label=label, n=len(uploads), ok=ok, start=start, peak=peak.peak, after=after, waited=waited, wall=wall,
               per_session=(peak.peak - start) / len(uploads), upload_med=statistics.median(lat), upload_max=max(lat),
               page_med=statistics.median(page), page_max=max(page), errors=[e for r in rows for e in r.get("errors", [])][:2])
    print(f"{label:<22} {res['n']:>3} {ok:>3}/{res['n']:<3} {start / MB:>7.0f} {peak.peak / MB:>7.0f} "
          f"{res['per_session'] / MB:>8.0f} {after / MB:>7.0f} ({waited:>4.0f} s) {after / start:>6.2f} "
          f"{res['upload_med']:>6.1f} {res['upload_max']:>6.1f} {res['page_med']:>6.1f} {res['page_max']:>6.1f}"
          + (f"  errors: {res['errors']}" if res["errors"] else ""), flush=True)
    return res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--settle", type=float, default=120.0, help="at most this many seconds for memory to settle after a round")
    ap.add_argument("--quick", action="store_true", help="only the same-file rounds")
    ap.add_argument("--log", type=Path, help="keep the server's log in this file (default: thrown away with its folder)")
    args = ap.parse_args(argv)

    folder = ROOT / "bench" / "data"
    folder.mkdir(parents=True, exist_ok=True)
    same = _file(args.rows, 1, folder)
    same_bytes = ("survey_1m.csv", same.read_bytes())
    with tempfile.TemporaryDirectory(prefix="sca-bench-load-") as tmp:
        proc, url = stclient.start_server(Path(tmp) / "data", log=args.log or Path(tmp) / "server.log",
                                          env={"CYCLE_ANALYTICS_CACHE_IDLE_SECONDS": str(TTL), "MALLOC_ARENA_MAX": "2"},
                                          args=("--server.disconnectedSessionTTL", str(TTL)))
        try:
            # warm up: the first session pays the imports of scipy, statsmodels and plotly, the first
            # upload starts the forkserver of the import workers (about 120 MB, kept)
            round_(proc, url, "warm-up (small file)", [("warm_up.csv", _small_csv())], 0)
            print(f"{'round':<22} {'N':>3} {'ok':>7} {'start':>7} {'peak':>7} {'MB/sess':>8} {'after':>7} {'(wait)':>8} "
                  f"{'after/start':>6} {'up med':>6} {'up max':>6} {'pg med':>6} {'pg max':>6}   (MB, s)")
            results = {}
            for n in args.sessions:
                results[n] = round_(proc, url, f"same file x{n}", [same_bytes] * n, args.settle)
            if not args.quick:
                files = [(f"survey_{k}.csv", _file(args.rows, 100 + k, folder).read_bytes()) for k in range(10)]
                results["distinct"] = round_(proc, url, "10 different files", files, args.settle)
                del files
                a = round_(proc, url, "repeat 1: same x10", [same_bytes] * 10, args.settle)
                b = round_(proc, url, "repeat 2: same x10", [same_bytes] * 10, args.settle)
                results["sample20"] = round_(proc, url, "sample x20", [None] * 20, args.settle)
            base = results[args.sessions[0]]
            print()
            print(f"ratios against the {base['n']}-session round of this run:")
            for n in args.sessions:
                r = results[n]
                print(f"  {n:>2} sessions: memory per session {r['per_session'] / max(base['per_session'], 1):.2f}x, "
                      f"slowest upload {r['upload_max'] / base['upload_max']:.2f}x, slowest page {r['page_max'] / base['page_max']:.2f}x")
            print()
            print("targets:")
            rounds = [results[n] for n in args.sessions] + ([] if args.quick else [results["distinct"], a, b, results["sample20"]])
            worst = max(r["after"] / r["start"] for r in rounds)
            print(f"  memory back within 20% of its start after the sessions close: worst after/start {worst:.2f} "
                  f"-> {'met' if worst <= 1.2 else 'NOT met'}")
            if not args.quick:
                diff = abs(b["after"] - a["after"]) / a["after"]
                print(f"  two rounds of 10 sessions end within 10% of each other: {diff:.1%} -> {'met' if diff <= 0.10 else 'NOT met'}")
                s20 = results["sample20"]["peak"]
                print(f"  every session of every round worked: {sum(r['ok'] for r in rounds)} of {sum(r['n'] for r in rounds)} "
                      f"-> {'met' if all(r['ok'] == r['n'] for r in rounds) else 'NOT met'}")
                print(f"  20 sessions on the sample under 1.5 GB: peak {s20 / MB:.0f} MB -> {'met' if s20 < 1.5 * 1024 * MB else 'NOT met'}")
        finally:
            stclient.stop_server(proc)


if __name__ == "__main__":
    main()
