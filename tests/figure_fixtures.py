"""Hand-made analytics tables for the figure tests (columns exactly as in docs/architecture.md).

Stage columns are ordered pandas Categoricals in cycle order (all the cycle's stages as
categories), as the analytics modules return them. The numbers are made up: the figure tests
check drawing, not statistics.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

STAGES = ("Arrival", "Taking a number", "Waiting", "At the counter", "Receiving the money")
EVIL = "<script>alert('x')</script>"
BOLD = "<b>x</b> & co"
LONG = "Receiving the money and checking that the amount is correct before leaving"
MANY = tuple(f"Stage {i:02d} with a rather long descriptive name" for i in range(1, 33))

STAGE_SCORES_COLUMNS = ["stage", "order", "n", "mean", "sd", "median", "ci_low", "ci_high", "score_100",
                        "top_box_pct", "bottom_box_pct", "nps", "small_sample"]
CLASSIFY_COLUMNS = ["stage", "verdict", "declared_critical", "declared_verdict", "penalty", "p_adjusted",
                    "n_bad", "bad_pct", "evidence"]
PENALTY_COLUMNS = ["stage", "n", "n_bad", "n_top", "bad_pct", "mean_outcome_bad", "mean_outcome_rest", "penalty",
                   "penalty_ci_low", "penalty_ci_high", "u_statistic", "p_value", "p_adjusted", "rank_biserial",
                   "reward", "reward_ci_low", "reward_ci_high", "reward_p_adjusted", "factor"]
PRIORITY_COLUMNS = ["rank", "stage", "importance", "importance_scaled", "performance", "target_100", "gap",
                    "priority_score", "quadrant", "level", "stability_top3"]
DISTRIBUTION_COLUMNS = ["stage", "score", "count", "pct"]
SEGMENT_COLUMNS = ["segment", "value", "stage", "n", "mean", "score_100", "rest_mean", "diff_vs_rest", "p_value",
                   "p_adjusted", "flag", "too_few"]
TREND_COLUMNS = ["stage", "period", "period_label", "n", "mean", "ci_low", "ci_high", "score_100", "small_sample"]
CHANGE_COLUMNS = ["stage_from", "stage_to", "n_pairs", "mean_from", "mean_to", "mean_change", "statistic",
                  "p_value", "effect_size"]


def cat(values: Sequence[str], stages: Sequence[str]) -> pd.Categorical:
    """Ordered categorical with the cycle's stages as categories."""
    return pd.Categorical(list(values), categories=list(stages), ordered=True)


def stage_scores(stages: Sequence[str] = STAGES, *, means=None, n=None, scale=(1, 5), present=None) -> pd.DataFrame:
    """A ``stage_scores`` table; ``n = 0`` rows have NaN statistics; ``present`` limits the rows."""
    k = len(stages)
    means = np.array(means if means is not None else [3.0 + (i % 4) * 0.4 for i in range(k)], float)
    n = np.array(n if n is not None else [100 + 10 * i for i in range(k)], float)
    means = np.where(n > 0, means, np.nan)
    half = np.where(n > 0, 1.96 * 0.9 / np.sqrt(np.maximum(n, 1)), np.nan)
    lo, hi = scale
    df = pd.DataFrame({
        "stage": cat(stages, stages), "order": np.arange(1, k + 1), "n": n.astype(int), "mean": means,
        "sd": np.where(n > 1, 0.9, np.nan), "median": np.round(means), "ci_low": means - half, "ci_high": means + half,
        "score_100": (means - lo) / (hi - lo) * 100, "top_box_pct": np.where(n > 0, 40.0, np.nan),
        "bottom_box_pct": np.where(n > 0, 15.0, np.nan), "nps": np.nan, "small_sample": n < 30,
    })
    if present is not None:
        df = df[df["stage"].isin(present)].reset_index(drop=True)
    return df[STAGE_SCORES_COLUMNS]


def classify(stages: Sequence[str] = STAGES, verdicts: dict | None = None, declared: Sequence[str] = ()) -> pd.DataFrame:
    """A ``classify_moments`` table: every stage ``ok`` unless named in ``verdicts``."""
    verdicts = verdicts or {}
    v = [verdicts.get(s, "ok") for s in stages]
    dec = [s in declared for s in stages]
    return pd.DataFrame({
        "stage": cat(stages, stages), "verdict": v, "declared_critical": dec,
        "declared_verdict": [("confirmed" if vv == "critical" else "not confirmed") if d else "" for vv, d in zip(v, dec)],
        "penalty": [0.8 if vv == "critical" else 0.1 for vv in v], "p_adjusted": [0.001 if vv == "critical" else 0.5 for vv in v],
        "n_bad": 60, "bad_pct": 20.0, "evidence": "",
    })[CLASSIFY_COLUMNS]


def penalties(stages: Sequence[str] = STAGES, *, nan_stage: str | None = None) -> pd.DataFrame:
    k = len(stages)
    pen = np.array([0.2 + 0.3 * (i % 3) for i in range(k)])
    rew = np.array([0.5 - 0.15 * (i % 3) for i in range(k)])
    df = pd.DataFrame({
        "stage": cat(stages, stages), "n": 300, "n_bad": [40 + i for i in range(k)], "n_top": 120, "bad_pct": 15.0,
        "mean_outcome_bad": 3.0, "mean_outcome_rest": 3.0 + pen, "penalty": pen, "penalty_ci_low": pen - 0.15,
        "penalty_ci_high": pen + 0.15, "u_statistic": 1000.0, "p_value": 0.01, "p_adjusted": 0.02, "rank_biserial": 0.3,
        "reward": rew, "reward_ci_low": rew - 0.1, "reward_ci_high": rew + 0.1, "reward_p_adjusted": 0.03,
        "factor": [("basic", "performance", "delight")[i % 3] for i in range(k)],
    })
    if nan_stage is not None:
        cols = ["penalty", "penalty_ci_low", "penalty_ci_high", "reward", "reward_ci_low", "reward_ci_high", "p_value", "p_adjusted"]
        df.loc[df["stage"] == nan_stage, cols] = np.nan
        df.loc[df["stage"] == nan_stage, ["n", "n_bad", "n_top"]] = 0
    return df[PENALTY_COLUMNS]


def priorities(stages: Sequence[str] = STAGES) -> pd.DataFrame:
    k = len(stages)
    imp = np.array([0.1 + 0.08 * ((i * 3) % k) for i in range(k)])
    perf = np.array([50.0 + 7.0 * ((i * 2) % k) for i in range(k)])
    score = imp * (100 - perf)
    rank = pd.Series(score).rank(ascending=False, method="first").astype(int).to_numpy()
    im, pm = imp.mean(), perf.mean()
    quad = [("Concentrate here" if p < pm else "Keep up the good work") if q >= im else ("Low priority" if p < pm else "Possible overkill")
            for q, p in zip(imp, perf)]
    level = ["high" if r <= max(1, k // 3) else "medium" if r <= max(2, 2 * k // 3) else "low" for r in rank]
    df = pd.DataFrame({
        "rank": rank, "stage": cat(stages, stages), "importance": imp, "importance_scaled": imp / imp.max(),
        "performance": perf, "target_100": 100.0, "gap": 100 - perf, "priority_score": score, "quadrant": quad,
        "level": level, "stability_top3": 0.5,
    })
    return df.sort_values("rank").reset_index(drop=True)[PRIORITY_COLUMNS]


def distribution(stages: Sequence[str] = STAGES, points: Sequence[int] = (1, 2, 3, 4, 5), counts=None) -> pd.DataFrame:
    """``score_distribution``; ``counts`` is a (stages x points) array (default made up)."""
    points = list(points)
    if counts is None:
        counts = [[(j + 1) * 5 + i for j in range(len(points))] for i in range(len(stages))]
    counts = np.asarray(counts, float)
    rows = []
    for i, s in enumerate(stages):
        tot = counts[i].sum()
        for j, p in enumerate(points):
            rows.append((s, float(p), int(counts[i, j]), counts[i, j] / tot * 100 if tot else np.nan))
    df = pd.DataFrame(rows, columns=DISTRIBUTION_COLUMNS)
    df["stage"] = cat(df["stage"], stages)
    return df


def segment_comparison(stages: Sequence[str] = STAGES, values: Sequence[str] = ("North", "South", "East"), *,
                       few: Sequence[tuple[str, str]] = (), flags: dict | None = None, segment: str = "region") -> pd.DataFrame:
    flags = flags or {}
    rows = []
    for i, v in enumerate(values):
        for j, s in enumerate(stages):
            too_few = (v, s) in few
            n = 12 if too_few else 80 + 10 * i
            score = 55.0 + 5 * i + 3 * j
            rows.append((segment, v, s, n, 1 + score / 25, score, 3.3, 0.2 * (i - 1), 0.04, 0.08, flags.get((v, s), ""), too_few))
    df = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    df["stage"] = cat(df["stage"], stages)
    df["value"] = pd.Categorical(df["value"], categories=list(values))
    return df


def trend_scores(stages: Sequence[str] = STAGES, periods: int = 4, *, small: Sequence[tuple[str, int]] = ()) -> pd.DataFrame:
    per = pd.period_range("2026-01", periods=periods, freq="M")
    rows = []
    for j, s in enumerate(stages):
        for k, p in enumerate(per):
            is_small = (s, k) in small
            n = 12 if is_small else 90
            m = 3.2 + 0.1 * j + 0.05 * k
            rows.append((s, p.to_timestamp(), str(p), n, m, m - 0.2, m + 0.2, (m - 1) * 25, is_small))
    df = pd.DataFrame(rows, columns=TREND_COLUMNS)
    df["stage"] = cat(df["stage"], stages)
    return df


def stage_changes(stages: Sequence[str] = STAGES, p_values: Sequence[float] | None = None) -> pd.DataFrame:
    k = len(stages) - 1
    p_values = list(p_values) if p_values is not None else [0.0001, 0.005, 0.03, 0.4][:k] + [0.5] * max(0, k - 4)
    mf = np.array([3.0 + 0.2 * (i % 3) for i in range(k)])
    mt = mf + np.array([0.3 if i % 2 else -0.4 for i in range(k)])
    df = pd.DataFrame({
        "stage_from": cat(stages[:-1], stages), "stage_to": cat(stages[1:], stages), "n_pairs": 150,
        "mean_from": mf, "mean_to": mt, "mean_change": mt - mf, "statistic": 1200.0, "p_value": p_values,
        "effect_size": 0.2,
    })
    return df[CHANGE_COLUMNS]
