"""Benchmark of drivers, critical moments and priorities on 10,000,000 ratings.

Synthetic, vectorised data: about 1.43 million respondents rating 7 stages on 1-5, a rating
outcome (overall satisfaction 1-5) and a binary one. Prints the time of each function and the
total of the default pipeline as ``analyze`` runs it (outcome vector, count table, respondent
matrix, the respondent bootstrap, relative-weight importance, the multivariate penalty-reward
model, critical moments, priority ranking with 200 resamples, the halo diagnostic), then the total
of the one-stage pipeline it replaced (Spearman importance, one-stage penalties) and their ratio.

Run: python bench/bench_drivers.py [n_ratings]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cycle_analytics.stats import critical, drivers  # noqa: E402
from cycle_analytics.stats import priorities  # noqa: E402
from cycle_analytics.stats.halo import halo_diagnostic  # noqa: E402
from cycle_analytics.dataset import PROXY_OUTCOME, OutcomeSpec  # noqa: E402
from cycle_analytics.scales import Scale  # noqa: E402

STAGES = ("Arrival", "Queue", "Counter", "Documents", "Payment", "Receiving the money", "Leaving")


def make(n_ratings: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    n_st = len(STAGES)
    n_resp = n_ratings // n_st
    g = rng.standard_normal(n_resp).astype(np.float32)
    base = np.array([4.0, 3.2, 4.1, 3.8, 4.3, 4.4, 4.2], dtype=np.float32)
    lat = base[None, :] + 0.6 * g[:, None] + 0.8 * rng.standard_normal((n_resp, n_st), dtype=np.float32)
    scores = np.clip(np.rint(lat), 1, 5)
    overall = np.clip(np.rint(3.8 + 0.7 * g + 0.5 * rng.standard_normal(n_resp, dtype=np.float32)
                              - 1.5 * (scores[:, 5] <= 2)), 1, 5).astype(np.float64)
    cats = pd.Index(np.char.add("r", np.arange(n_resp).astype(str)), dtype="str")
    ratings = pd.DataFrame({
        "response_id": pd.Categorical.from_codes(np.repeat(np.arange(n_resp), n_st), categories=cats),
        "stage": pd.Categorical.from_codes(np.tile(np.arange(n_st), n_resp), categories=list(STAGES), ordered=True),
        "score": scores.ravel().astype(np.float64),
    })
    responses = pd.DataFrame({
        "response_id": pd.Categorical.from_codes(np.arange(n_resp), categories=cats),
        "overall": overall,
        "satisfied": np.where(overall >= 4, "Yes", "No"),
    })
    return ratings, responses


def timed(label, fn, *a, **k):
    """Run once; print wall-clock and CPU time (CPU time is less sensitive to a shared machine)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*a, **k)
    dt, ct = time.perf_counter() - t0, time.process_time() - c0
    print(f"{label:<55s} {dt * 1000:9.1f} ms wall {ct * 1000:9.1f} ms cpu")
    return out, dt


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    t0 = time.perf_counter()
    ratings, responses = make(n)
    print(f"data: {len(ratings):,} ratings, {len(responses):,} respondents, built in {time.perf_counter() - t0:.1f} s")
    scale = Scale(1, 5)
    spec = OutcomeSpec("overall", scale=scale, label="Overall satisfaction")
    print("-- default pipeline (rating outcome), as analyze runs it --")
    total = 0.0
    cpu0 = time.process_time()
    y, dt = timed("rating_outcomes (rating)", drivers.rating_outcomes, ratings, responses, spec); total += dt
    table, dt = timed("outcome_table", drivers.outcome_table, ratings, y, scale); total += dt
    per_respondent = drivers.outcome_values(responses, spec)
    matrix, dt = timed("respondent_matrix", drivers.respondent_matrix, ratings, y, scale, per_respondent=per_respondent); total += dt
    draws, dt = timed("importance_draws (200 resamples)", drivers.importance_draws, matrix, 200, 0); total += dt
    _, dt = timed("derived_importance relative_weight (draws given)", drivers.derived_importance, ratings, y, table=table,
                  matrix=matrix, draws=draws); total += dt
    pen, dt = timed("multivariate_penalty_reward (table, matrix given)", drivers.multivariate_penalty_reward, ratings, y,
                    scale, spec, table=table, matrix=matrix); total += dt
    _, dt = timed("classify_moments", critical.classify_moments, pen, spec, declared=("Payment",)); total += dt
    _, dt = timed("priority_ranking relative_weight (draws given)", priorities.priority_ranking, ratings, y, scale, None,
                  table=table, matrix=matrix, draws=draws); total += dt
    _, dt = timed("halo_diagnostic", halo_diagnostic, matrix); total += dt
    print(f"{'TOTAL default pipeline':<55s} {total * 1000:9.1f} ms wall {(time.process_time() - cpu0) * 1000:9.1f} ms cpu")
    print("-- the one-stage pipeline it replaced --")
    old_total = 0.0
    for label, fn, a, k in (
        ("rating_outcomes (rating)", drivers.rating_outcomes, (ratings, responses, spec), {}),
        ("outcome_table", drivers.outcome_table, (ratings, y, scale), {}),
        ("derived_importance spearman (table given)", drivers.derived_importance, (ratings, y), dict(method="spearman", table=table)),
        ("penalty_reward (table given)", drivers.penalty_reward, (ratings, y, scale, spec), dict(table=table)),
        ("priority_ranking spearman, 200 boot (table given)", priorities.priority_ranking, (ratings, y, scale, None),
         dict(method="spearman", n_boot=200, table=table)),
    ):
        old_total += timed(label, fn, *a, **k)[1]
    print(f"{'TOTAL one-stage pipeline':<55s} {old_total * 1000:9.1f} ms wall; the default costs "
          f"{total - old_total:+.2f} s ({total / old_total:.2f}x)")
    print("-- each function standalone (builds its own inputs) --")
    timed("derived_importance relative_weight, 200 boot", drivers.derived_importance, ratings, y)
    timed("multivariate_penalty_reward", drivers.multivariate_penalty_reward, ratings, y, scale, spec)
    timed("priority_ranking relative_weight, 200 boot", priorities.priority_ranking, ratings, y, scale, None)
    print("-- other outcomes and methods --")
    binary = OutcomeSpec("satisfied", kind="binary", positive="yes", label="Satisfied")
    yb, _ = timed("rating_outcomes (binary text)", drivers.rating_outcomes, ratings, responses, binary)
    timed("multivariate_penalty_reward (binary)", drivers.multivariate_penalty_reward, ratings, yb, scale, binary, table=None,
          matrix=drivers.respondent_matrix(ratings, yb, scale))
    yp, _ = timed("rating_outcomes (proxy)", drivers.rating_outcomes, ratings, responses, PROXY_OUTCOME)
    tp, _ = timed("outcome_table (proxy)", drivers.outcome_table, ratings, yp, scale)
    print(f"   proxy distinct outcome values: {len(tp.outcomes)}")
    timed("multivariate_penalty_reward (proxy: one stage)", drivers.multivariate_penalty_reward, ratings, yp, scale,
          PROXY_OUTCOME, table=tp)
    timed("priority_ranking (proxy, spearman, 200 boot)", priorities.priority_ranking, ratings, yp, scale, None,
          method="spearman", table=tp)


if __name__ == "__main__":
    main()
