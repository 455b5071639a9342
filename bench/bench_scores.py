"""Benchmark: stage scores, distribution, stage changes, segments and trends on ~10M ratings.

Run ``python bench/bench_scores.py [n_respondents]`` (default 1,430,000 respondents x 7 stages,
answer rate 0.999 -> about 10,000,000 ratings). Prints the build time and each function's time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from synth import make_survey  # noqa: E402

from cycle_analytics.stats import scores, segments
from cycle_analytics.stats import trends  # noqa: E402
from cycle_analytics.scales import Scale  # noqa: E402


REPEAT = 3


def timed(label, fn, *args, **kw):
    """Best of REPEAT runs (the machine is shared; the minimum is the least disturbed figure)."""
    best = float("inf")
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        out = fn(*args, **kw)
        best = min(best, time.perf_counter() - t0)
    rows = sum(len(t) for t in out) if isinstance(out, tuple) else len(out)
    print(f"{label:<44s} {best:7.3f} s  ({rows} rows)")
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_430_000
    t0 = time.perf_counter()
    s = make_survey(n, 7, Scale(1, 5), seed=0, answer_rate=0.999, span_days=80, date_missing_rate=0.01)
    print(f"built survey: {len(s.ratings):,} ratings, {len(s.responses):,} respondents in {time.perf_counter() - t0:.2f} s")
    r, resp, sc = s.ratings, s.responses, s.scale
    total = 0.0
    total += timed("stage_scores", scores.stage_scores, r, sc)
    total += timed("score_distribution", scores.score_distribution, r, sc)
    total += timed("segment_comparison(region)", segments.segment_comparison, r, resp, "region", sc)
    total += timed("segment_tests(region)", segments.segment_tests, r, resp, "region", scale=sc)
    total += timed("trend_scores", trends.trend_scores, r, resp, sc)
    total += timed("period_change", trends.period_change, r, resp, sc)
    print(f"{'total of the six calls above':<44s} {total:7.3f} s")
    one = 0.0
    one += timed("score_tables (scores + distribution)", scores.score_tables, r, sc)
    one += timed("segment_tables(region) (comparison + tests)", segments.segment_tables, r, resp, "region", sc)
    one += timed("trend_tables (scores + change)", trends.trend_tables, r, resp, sc)
    print(f"{'total, one pass per family':<44s} {one:7.3f} s")
    timed("grouped_stage_scores(channel)", scores.grouped_stage_scores, r, resp["channel"], sc, name="channel")
    timed("stage_changes (paired Wilcoxon)", scores.stage_changes, r)


if __name__ == "__main__":
    main()
