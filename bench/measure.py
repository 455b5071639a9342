"""Measure a command's wall time and peak memory (RSS) in a fresh process.

Each measurement runs the command under a small wrapper process, so ``ru_maxrss`` of the
wrapper's children is exactly the command's own peak. Used by the benchmark scripts.
"""

from __future__ import annotations

import json
import subprocess
import sys

_WRAPPER = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak_kib = usage.ru_maxrss
print(json.dumps({"wall_s": wall, "peak_mib": peak_kib / 1024, "cpu_s": usage.ru_utime + usage.ru_stime, "returncode": proc.returncode,
                  "stderr": proc.stderr.decode(errors="replace")[-500:]}))
"""


def measure(cmd: list[str]) -> dict:
    """Run ``cmd`` in a fresh process; return ``{"wall_s", "peak_mib", "cpu_s", "returncode", "stderr"}``.

    ``cpu_s`` (user + system time of the command and its children) is steadier than the wall time
    on a machine shared with other work.
    """
    out = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def best_of(cmd: list[str], repeats: int) -> dict:
    """The fastest of ``repeats`` runs (peak memory of that run)."""
    runs = [measure(cmd) for _ in range(repeats)]
    for r in runs:
        if r["returncode"] != 0:
            raise SystemExit(f"command failed: {' '.join(cmd)}\n{r['stderr']}")
    return min(runs, key=lambda r: r["wall_s"])


def best_call(fn, repeat: int):
    """``(fastest wall time in seconds, last result)`` of ``repeat`` in-process calls of ``fn``."""
    import time

    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


BARE_READ = "import pyarrow.csv as c, sys; t = c.read_csv(sys.argv[1]); print(t.num_rows)"
