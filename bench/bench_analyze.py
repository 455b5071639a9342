"""Benchmark of the whole ``python -m cycle_analytics analyze`` against a bare pyarrow read, and
against another version of the code in the same run.

Targets:

* analysing a 10,000,000-rating long CSV with an outcome, all analyses included (the
  penalty-reward model, relative weights with 200 bootstrap resamples, the halo diagnostic,
  segments, trends), within 5x the wall time and 1.5x the peak memory of ``pyarrow.csv.read_csv``
  of the same file, each in a fresh process;
* with ``--compare-with DIR`` (a copy of an earlier version, e.g. ``git archive HEAD | tar -x -C
  DIR``): not slower than that version by more than 10%. The two versions run alternately
  (``--repeats`` times each, best of) so a busy machine slows both alike.

Usage::

    python bench/make_big_csv.py --rows 10000000 --out bench/data/long_10000000.csv
    python bench/bench_analyze.py bench/data/long_10000000.csv [--repeats 3] [--compare-with /tmp/baseline]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import BARE_READ, best_of, measure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: A version counts as "not slower" within this ratio of the other's wall time.
MAX_SLOWDOWN = 1.10


# ``python -m cycle_analytics`` from a given source tree: the tree goes first on the path.
_RUN_FROM = "import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); runpy.run_module('cycle_analytics', run_name='__main__', alter_sys=True)"


def analyze_command(root: Path, csv: Path, outcome: str) -> list[str]:
    """``python -m cycle_analytics analyze CSV ... --json`` with the package of ``root``."""
    return [sys.executable, "-c", _RUN_FROM, str(root), "analyze", str(csv), "--outcome", outcome, "--na-values", "N/A", "--json"]


def alternate(roots: list[Path], csv: Path, outcome: str, repeats: int) -> list[dict]:
    """The fastest ``analyze`` run of each source tree in ``roots``, the trees taking turns."""
    runs: list[list[dict]] = [[] for _ in roots]
    for _ in range(repeats):
        for i, root in enumerate(roots):  # alternate, so both meet the same machine load
            cmd = analyze_command(root, csv, outcome)
            result = measure(cmd)
            if result["returncode"] != 0:
                raise SystemExit(f"command failed: {' '.join(cmd)}\n{result['stderr']}")
            runs[i].append(result)
    return [min(r, key=lambda x: x["wall_s"]) for r in runs]


def _cpu(result: dict) -> str:
    return f"  cpu {result['cpu_s']:7.2f} s" if "cpu_s" in result else ""


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv", type=Path)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--outcome", default="overall_satisfaction")
    ap.add_argument("--compare-with", type=Path, help="another source tree (holding cycle_analytics/) to time in the same run")
    args = ap.parse_args(argv)
    csv = args.csv.resolve()
    size_mb = csv.stat().st_size / 1e6
    bare = best_of([sys.executable, "-c", BARE_READ, str(csv)], args.repeats)
    roots = [ROOT] + ([args.compare_with.resolve()] if args.compare_with else [])
    results = alternate(roots, csv, args.outcome, args.repeats)
    full = results[0]
    print(f"file: {csv} ({size_mb:,.0f} MB)")
    print(f"bare pyarrow.csv.read_csv : {bare['wall_s']:7.2f} s  peak {bare['peak_mib']:8.0f} MiB")
    print(f"analyze --json (all)      : {full['wall_s']:7.2f} s  peak {full['peak_mib']:8.0f} MiB{_cpu(full)}  ({ROOT})")
    print(f"ratio time {full['wall_s'] / bare['wall_s']:.2f}x (target <= 5x); ratio memory {full['peak_mib'] / bare['peak_mib']:.2f}x (target <= 1.5x)")
    if args.compare_with:
        other = results[1]
        ratio = full["wall_s"] / other["wall_s"]
        print(f"analyze --json (compared) : {other['wall_s']:7.2f} s  peak {other['peak_mib']:8.0f} MiB{_cpu(other)}  ({roots[1]})")
        cpu = f", cpu {full['cpu_s'] / other['cpu_s']:.3f}x" if "cpu_s" in full and "cpu_s" in other else ""
        print(f"ratio to the compared version: time {ratio:.3f}x (target <= {MAX_SLOWDOWN:.2f}x){cpu}, "
              f"memory {full['peak_mib'] / other['peak_mib']:.2f}x")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
