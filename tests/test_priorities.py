"""Tests of cycle_analytics.stats.priorities (importance-performance analysis, priority score, bootstrap).

References: scipy.stats.spearmanr for importance, plain numpy means for performance, and the
quadrant / priority rules re-derived by hand in the tests from those reference numbers
(Martilla & James 1977 crosshairs at the means). The bootstrap is checked for reproducibility,
for the range of its figures and, on a stack of resampled tables, against scipy.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cycle_analytics.stats import drivers, kernel, priorities
from cycle_analytics.errors import SurveyError
from cycle_analytics.stats.priorities import priority_ranking
from cycle_analytics.scales import Scale

S15 = Scale(1, 5)
COLUMNS = (
    "rank, stage, importance, importance_scaled, performance, target_100, gap, priority_score, "
    "quadrant, level, stability_top3"
).split(", ")


def survey(n=1500, seed=0, spec=None):
    """Stages with planted (mean score, weight on the outcome); returns ratings and per-rating y.

    spec: {stage: (mean, weight)}; the outcome is 3 + sum(weight * (score - 3)) + noise.
    """
    spec = spec or {
        "Greet": (4.2, 0.0),  # good, irrelevant
        "Wait": (2.6, 0.6),  # poor and important -> act first
        "Serve": (3.4, 0.4),
        "Pay": (4.3, 0.4),  # good and important -> keep up
        "Park": (2.4, 0.0),  # poor, irrelevant -> low priority
        "Leave": (3.8, 0.15),
    }
    rng = np.random.default_rng(seed)
    names = list(spec)
    cols = [np.clip(np.rint(m + 1.0 * rng.standard_normal(n)), 1, 5) for m, _ in spec.values()]
    lin = 3 + sum(w * (c - 3) for (_, w), c in zip(spec.values(), cols))
    y = np.clip(np.rint(lin + 0.6 * rng.standard_normal(n)), 1, 5)
    mat = np.column_stack(cols)
    ratings = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(np.repeat(np.arange(n), len(names)), categories=[f"r{i}" for i in range(n)]),
            "stage": pd.Categorical.from_codes(np.tile(np.arange(len(names)), n), categories=names, ordered=True),
            "score": mat.ravel(),
        }
    )
    return ratings, np.repeat(y, len(names)), mat, y


def test_columns_and_reference_numbers():
    ratings, yr, mat, y = survey()
    targets = {"Pay": 4.0, "Leave": 4.5}
    out = priority_ranking(ratings, yr, S15, targets, method="spearman", n_boot=100, seed=1)
    assert list(out.columns[: len(COLUMNS)]) == COLUMNS
    # ranks 1..k for the stages with a positive priority; the rest need no action, have no rank, come last
    ranked = out["rank"].notna().to_numpy()
    k = int(ranked.sum())
    assert out.loc[ranked, "rank"].tolist() == list(range(1, k + 1)) and not ranked[k:].any()
    assert (out.loc[ranked, "priority_score"] > 0).all() and (out.loc[~ranked, "priority_score"] == 0).all()
    assert (out.loc[~ranked, "action"] == "no action needed").all() and (out.loc[ranked, "action"] == "improve").all()
    st = out.set_index(out["stage"].astype(str))
    names = list(ratings["stage"].cat.categories)
    alpha = 0.05
    imp_ref, p_ref, perf_ref = {}, {}, {}
    for j, s in enumerate(names):
        r = stats.spearmanr(mat[:, j], y)
        imp_ref[s], p_ref[s] = r.statistic, r.pvalue
        perf_ref[s] = (mat[:, j].mean() - 1) / 4 * 100
        assert st.loc[s, "importance"] == pytest.approx(r.statistic, abs=1e-12)
        assert st.loc[s, "importance_p_value"] == pytest.approx(r.pvalue, rel=1e-9, abs=1e-300)
        assert st.loc[s, "performance"] == pytest.approx(perf_ref[s])
    # importance_scaled: positive & significant importance over the largest; else 0
    eff = {s: (imp_ref[s] if imp_ref[s] > 0 and p_ref[s] < alpha else 0.0) for s in names}
    mx = max(eff.values())
    tgt = {s: (targets.get(s, 5.0) - 1) / 4 * 100 for s in names}
    for s in names:
        assert st.loc[s, "importance_scaled"] == pytest.approx(eff[s] / mx)
        assert st.loc[s, "target_100"] == pytest.approx(tgt[s])
        gap = max(tgt[s] - perf_ref[s], 0.0)
        assert st.loc[s, "gap"] == pytest.approx(gap)
        assert st.loc[s, "priority_score"] == pytest.approx(eff[s] / mx * gap)
    # Pay performs above its target of 4.0 -> gap floored at 0 -> priority 0
    assert st.loc["Pay", "gap"] == 0 and st.loc["Pay", "priority_score"] == 0 and pd.isna(st.loc["Pay", "rank"])
    # crosshairs and quadrants (Martilla & James 1977)
    imp_mean = np.mean(list(imp_ref.values()))
    perf_mean = np.mean(list(perf_ref.values()))
    assert out.attrs["importance_mean"] == pytest.approx(imp_mean)
    assert out.attrs["performance_mean"] == pytest.approx(perf_mean)
    np.testing.assert_allclose(out["importance_mean"], imp_mean)
    np.testing.assert_allclose(out["performance_mean"], perf_mean)
    for s in names:
        hi_i, hi_p = imp_ref[s] >= imp_mean, perf_ref[s] >= perf_mean
        q = {(True, False): "Concentrate here", (True, True): "Keep up the good work", (False, False): "Low priority", (False, True): "Possible overkill"}[(hi_i, hi_p)]
        assert st.loc[s, "quadrant"] == q
    # the planted structure
    assert out["stage"].iloc[0] == "Wait" and st.loc["Wait", "quadrant"] == "Concentrate here"
    assert st.loc["Park", "quadrant"] == "Low priority" and st.loc["Park", "level"] == "low"
    assert st.loc["Park", "priority_score"] == 0
    assert st.loc["Greet", "quadrant"] == "Possible overkill"


def test_rank_order_and_levels_follow_the_rule():
    ratings, yr, _, _ = survey(seed=2)
    out = priority_ranking(ratings, yr, S15, None, method="spearman", n_boot=0)
    s = len(out)
    score = out["priority_score"].to_numpy()
    assert (np.diff(score) <= 0).all()  # sorted by rank = by priority score
    n_high, n_low = math.ceil(s / 3), s // 3
    for _, row in out.iterrows():
        if row["priority_score"] <= 0:
            assert row["level"] == "low"
        elif row["rank"] <= n_high:
            assert row["level"] == "high"
        elif row["rank"] > s - n_low:
            assert row["level"] == "low"
        else:
            assert row["level"] == "medium"
    assert out["stability_top3"].isna().all()  # no bootstrap asked
    assert set(out["quadrant"]) <= set(priorities.QUADRANTS) and set(out["level"]) <= set(priorities.LEVELS)


def test_irrelevant_poor_stage_never_ranks_high():
    # The poorest stage by far, with no bearing on the outcome: priority 0 whatever its gap.
    spec = {"A": (3.6, 0.5), "B": (3.8, 0.5), "Awful": (1.6, 0.0), "C": (3.9, 0.3)}
    ratings, yr, _, _ = survey(2000, seed=4, spec=spec)
    out = priority_ranking(ratings, yr, S15, None, method="spearman", n_boot=200, seed=0).set_index("stage")
    assert out.loc["Awful", "importance_scaled"] == 0
    assert out.loc["Awful", "level"] == "low" and pd.isna(out.loc["Awful", "rank"]) and out.index[-1] == "Awful"
    assert out.loc["Awful", "action"] == "no action needed"
    assert out.loc["Awful", "stability_top3"] < 0.2


def test_bootstrap_reproducible_and_sensible():
    ratings, yr, _, _ = survey(seed=5)
    a = priority_ranking(ratings, yr, S15, None, method="spearman", n_boot=200, seed=7)
    b = priority_ranking(ratings, yr, S15, None, method="spearman", n_boot=200, seed=7)
    pd.testing.assert_frame_equal(a, b)
    small, ysmall, _, _ = survey(120, seed=5)  # a small survey: the top three is uncertain
    c1 = priority_ranking(small, ysmall, S15, None, method="spearman", n_boot=200, seed=7)["stability_top3"].to_numpy()
    c2 = priority_ranking(small, ysmall, S15, None, method="spearman", n_boot=200, seed=8)["stability_top3"].to_numpy()
    assert not np.array_equal(c1, c2)
    assert ((c1 > 0) & (c1 < 1)).any()
    st = a["stability_top3"].to_numpy()
    assert ((st >= 0) & (st <= 1)).all()
    assert st.sum() <= 3 + 1e-12  # at most three stages per resample
    top = a.set_index("stage")
    assert top.loc["Wait", "stability_top3"] > 0.95  # the planted first priority
    assert top.loc["Park", "stability_top3"] < 0.05


def test_bootstrap_resample_statistics_match_scipy():
    # what the bootstrap computes for one resample equals scipy on the expanded resample
    ratings, yr, _, _ = survey(400, seed=6)
    table = drivers.outcome_table(ratings, yr, S15)
    rng = np.random.default_rng(0)
    flat = table.counts[1].ravel()
    res = rng.multinomial(flat.sum(), flat / flat.sum(), size=3).reshape(3, *table.counts[1].shape)
    r, p, _ = kernel.spearman_from_counts(res)
    for k in range(3):
        b, a_ = np.nonzero(res[k])
        reps = res[k][b, a_]
        ref = stats.spearmanr(np.repeat(table.scores[a_], reps), np.repeat(table.outcomes[b], reps))
        assert r[k] == pytest.approx(ref.statistic, abs=1e-12)
        assert p[k] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)


def test_empty_and_constant_stages():
    ratings, yr, _, _ = survey(600, seed=9)
    # add an empty stage and a constant one
    n = len(ratings["response_id"].cat.categories)
    cats = list(ratings["stage"].cat.categories) + ["Empty", "Same"]
    extra = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(np.arange(n), categories=ratings["response_id"].cat.categories),
            "stage": pd.Categorical(["Same"] * n, categories=cats, ordered=True),
            "score": np.full(n, 3.0),
        }
    )
    r2 = pd.concat([ratings.assign(stage=pd.Categorical(ratings["stage"].astype(str), categories=cats, ordered=True)), extra], ignore_index=True)
    y2 = np.concatenate([yr, yr[:: len(cats) - 2][:n]])
    out = priority_ranking(r2, y2, S15, None, method="spearman", n_boot=50).set_index("stage")
    assert np.isnan(out.loc["Empty", "importance"]) and np.isnan(out.loc["Same", "importance"])
    assert out.loc["Empty", "level"] == "low" and out.loc["Same", "level"] == "low"
    assert pd.isna(out.loc["Empty", "rank"]) and out.index[-1] == "Empty"  # incomputable priority last, no rank
    assert out.loc["Empty", "quadrant"] in ("Low priority", "Possible overkill")
    assert out.loc["Same", "performance"] == pytest.approx(50.0)


def test_relative_weight_method():
    ratings, yr, _, _ = survey(800, seed=10)
    out = priority_ranking(ratings, yr, S15, None, method="relative_weight", n_boot=50, seed=0)
    rw = drivers.relative_weights(ratings, yr, scale=S15).set_index("stage")
    st = out.set_index("stage")
    for s in rw.index:
        assert st.loc[s, "importance"] == pytest.approx(rw.loc[s, "importance"])
    assert out["stage"].iloc[0] == "Wait"
    assert out.attrs["method"] == "relative_weight"
    assert ((out["stability_top3"] >= 0) & (out["stability_top3"] <= 1)).all()


def test_bad_targets_and_options():
    ratings, yr, _, _ = survey(100, seed=11)
    with pytest.raises(SurveyError, match="outside"):
        priority_ranking(ratings, yr, S15, {"Wait": 7})
    with pytest.raises(SurveyError, match="names no stage"):
        priority_ranking(ratings, yr, S15, {"Nope": 4})
    with pytest.raises(SurveyError, match="bootstrap"):
        priority_ranking(ratings, yr, S15, None, n_boot=-1)
    with pytest.raises(SurveyError, match="method"):
        priority_ranking(ratings, yr, S15, None, method="shapley")


def test_continuous_outcome_with_many_values_runs_in_bounded_chunks():
    ratings, yr, mat, y = survey(3000, seed=12)
    rng = np.random.default_rng(0)
    y_cont = y + rng.normal(0, 0.3, len(y))  # ~3000 distinct values: the np.unique path
    out = priority_ranking(ratings, np.repeat(y_cont, 6), S15, None, method="spearman", n_boot=30, seed=0).set_index("stage")
    for j, s in enumerate(ratings["stage"].cat.categories):
        ref = stats.spearmanr(mat[:, j], y_cont)
        assert out.loc[s, "importance"] == pytest.approx(ref.statistic, abs=1e-12)
    assert ((out["stability_top3"] >= 0) & (out["stability_top3"] <= 1)).all()
    assert out.loc["Wait", "rank"] == 1
