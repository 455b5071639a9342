"""Tests of cycle_analytics.stats.drivers against independent references.

References: scipy.stats (spearmanr, mannwhitneyu(method="asymptotic"), ttest_ind(equal_var=False)
.confidence_interval), statsmodels (multipletests, OLS R-squared), pandas groupby / crosstab for
the count table and the proxy, and a hand-written implementation of Johnson's (2000) relative
weights following the paper's SVD steps (J. W. Johnson, "A heuristic method for estimating the
relative weight of predictor variables in multiple regression", Multivariate Behavioral Research
35(1), 2000, pp. 1-19), independent of the module's eigen-decomposition route.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.multitest import multipletests
from statsmodels.tools import add_constant

from cycle_analytics.stats import drivers, kernel
from cycle_analytics.stats.drivers.penalty import classify_factor, compare_groups
from cycle_analytics.dataset import PROXY_OUTCOME, OutcomeSpec
from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale

S15 = Scale(1, 5)
RATING = OutcomeSpec("overall", kind="rating", scale=S15, label="Overall satisfaction")


def make_long(n_resp=400, stages=("A", "B", "C", "D"), seed=0, p_answer=0.85, scale=S15, empty=(), constant=()):
    """A small random long survey: correlated scores with many ties, some stages unanswered.

    Returns (ratings, responses, matrix) where matrix[i, j] is respondent i's score of stage j
    (NaN = not rated); `empty` stages have no ratings, `constant` stages are rated 4 by everyone.
    """
    rng = np.random.default_rng(seed)
    n_st = len(stages)
    g = rng.standard_normal(n_resp)
    mid = (scale.minimum + scale.maximum) / 2
    lat = mid + 0.6 + 0.8 * g[:, None] + rng.standard_normal((n_resp, n_st))
    mat = np.clip(np.rint(lat), scale.minimum, scale.maximum)
    mat[rng.random((n_resp, n_st)) > p_answer] = np.nan
    for s in empty:
        mat[:, stages.index(s)] = np.nan
    for s in constant:
        mat[:, stages.index(s)] = 4.0
    overall = np.clip(np.rint(mid + 0.6 + 0.9 * g + 0.7 * rng.standard_normal(n_resp)), scale.minimum, scale.maximum)
    overall[rng.random(n_resp) < 0.05] = np.nan
    resp_idx, st_idx = np.nonzero(~np.isnan(mat))
    cats = pd.Index([f"r{i:04d}" for i in range(n_resp)], dtype="str")
    ratings = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(resp_idx, categories=cats),
            "stage": pd.Categorical.from_codes(st_idx, categories=list(stages), ordered=True),
            "score": mat[resp_idx, st_idx],
        }
    )
    responses = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(np.arange(n_resp), categories=cats),
            "overall": overall,
            "satisfied": np.where(np.isnan(overall), None, np.where(overall >= 4, " Satisfied ", "not satisfied")),
        }
    )
    return ratings, responses, mat


# ----------------------------------------------------------------------------------- outcomes


def test_outcome_values_rating_off_scale_is_nan():
    resp = pd.DataFrame({"o": [1.0, 5.0, 6.0, 2.5, np.nan, 0.0]})
    v = drivers.outcome_values(resp, OutcomeSpec("o", scale=S15))
    np.testing.assert_array_equal(v, [1.0, 5.0, np.nan, np.nan, np.nan, np.nan])


def test_outcome_values_rating_text_numbers():
    resp = pd.DataFrame({"o": pd.array(["4", " 2 ", "n/a", None], dtype="str")})
    v = drivers.outcome_values(resp, OutcomeSpec("o", scale=S15))
    np.testing.assert_array_equal(v, [4.0, 2.0, np.nan, np.nan])


def test_outcome_values_binary_labels_case_and_space_insensitive():
    resp = pd.DataFrame({"o": pd.array(["Satisfied", " satisfied", "SATISFIED  ", "Not satisfied", "", None], dtype="str")})
    v = drivers.outcome_values(resp, OutcomeSpec("o", kind="binary", positive="satisfied"))
    np.testing.assert_array_equal(v, [1, 1, 1, 0, np.nan, np.nan])


def test_outcome_values_binary_numeric_and_bool():
    v = drivers.outcome_values(pd.DataFrame({"o": [0, 1, 1, np.nan]}), OutcomeSpec("o", kind="binary"))
    np.testing.assert_array_equal(v, [0, 1, 1, np.nan])
    v = drivers.outcome_values(pd.DataFrame({"o": [True, False]}), OutcomeSpec("o", kind="binary"))
    np.testing.assert_array_equal(v, [1, 0])
    with pytest.raises(SurveyError, match="0/1"):
        drivers.outcome_values(pd.DataFrame({"o": [0, 2]}), OutcomeSpec("o", kind="binary"))


@pytest.mark.parametrize(
    "resp, spec, match",
    [
        (pd.DataFrame({"x": [1]}), OutcomeSpec("o", scale=S15), "not in the responses"),
        (pd.DataFrame({"o": ["Yes", "No"]}), OutcomeSpec("o", kind="binary", positive="Maybe"), "does not occur"),
        (pd.DataFrame({"o": ["Yes", "No"]}), OutcomeSpec("o", kind="binary"), "positive"),
        (pd.DataFrame({"o": [1]}), PROXY_OUTCOME, "rating_outcomes"),
    ],
)
def test_outcome_values_errors(resp, spec, match):
    with pytest.raises(SurveyError, match=match):
        drivers.outcome_values(resp, spec)


def test_rating_outcomes_proxy_matches_pandas_groupby():
    ratings, responses, _ = make_long(300, seed=3)
    y = drivers.rating_outcomes(ratings, responses, PROXY_OUTCOME)
    # independent reference: groupby sum / count per respondent, then leave-one-out mean
    g = ratings.groupby("response_id", observed=True)["score"]
    tot, cnt = g.transform("sum"), g.transform("count")
    ref = ((tot - ratings["score"]) / (cnt - 1)).where(cnt > 1).to_numpy()
    np.testing.assert_allclose(y, ref, equal_nan=True)
    assert np.isnan(y).any()  # some respondents rated a single stage


def test_rating_outcomes_respondent_outcome_is_broadcast():
    ratings, responses, _ = make_long(200, seed=4)
    y = drivers.rating_outcomes(ratings, responses, RATING)
    ref = responses["overall"].to_numpy()[ratings["response_id"].cat.codes.to_numpy()]
    np.testing.assert_array_equal(y, ref)


# ---------------------------------------------------------------------------------- count table


def test_outcome_table_matches_crosstab():
    ratings, responses, _ = make_long(300, seed=5)
    y = drivers.rating_outcomes(ratings, responses, RATING)
    t = drivers.outcome_table(ratings, y, S15)
    df = ratings.assign(y=y)
    for s_i, s in enumerate(t.stages):
        sub = df[df["stage"] == s]
        ct = pd.crosstab(sub["y"], sub["score"]).reindex(index=t.outcomes, columns=t.scores, fill_value=0)
        np.testing.assert_array_equal(t.counts[s_i], ct.to_numpy())
        miss = sub[sub["y"].isna()]["score"].value_counts().reindex(t.scores, fill_value=0).to_numpy()
        np.testing.assert_array_equal(t.missing[s_i], miss)


def test_discretise_merges_equal_rationals_and_matches_unique():
    y = np.array([2.0, 4 / 2, 10 / 3, 20 / 6, np.nan, 1.5, 3 / 2, 7 / 6, np.inf])
    codes, values = kernel.discretise(y)
    ref_vals, ref_inv = np.unique(y[np.isfinite(y)], return_inverse=True)
    np.testing.assert_allclose(values, ref_vals)
    np.testing.assert_array_equal(codes[np.isfinite(y)], ref_inv)
    assert codes[4] == -1 and codes[-1] == -1
    # a continuous outcome falls back on np.unique
    rng = np.random.default_rng(0)
    z = rng.normal(size=50)
    codes, values = kernel.discretise(z)
    np.testing.assert_allclose(values[codes], z)


# --------------------------------------------------------------------------------- importance


@pytest.mark.parametrize("kind", ["rating", "binary", "proxy"])
def test_spearman_matches_scipy(kind):
    ratings, responses, _ = make_long(500, seed=7)
    spec = {
        "rating": RATING,
        "binary": OutcomeSpec("satisfied", kind="binary", positive="satisfied", label="Satisfied"),
        "proxy": PROXY_OUTCOME,
    }[kind]
    y = drivers.rating_outcomes(ratings, responses, spec)
    out = drivers.derived_importance(ratings, y, method="spearman")
    assert list(out.columns[:5]) == ["stage", "method", "importance", "n", "p_value"]
    for _, row in out.iterrows():
        m = (ratings["stage"] == row["stage"]).to_numpy() & np.isfinite(y)
        ref = stats.spearmanr(ratings["score"].to_numpy()[m], y[m])
        assert row["n"] == m.sum()
        assert row["importance"] == pytest.approx(ref.statistic, abs=1e-12)
        assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)


def test_spearman_batched_tables_match_scipy():
    # the bootstrap evaluates spearman_from_counts on stacks of tables: check a stack against scipy
    rng = np.random.default_rng(11)
    tabs = rng.integers(0, 6, size=(3, 4, 5, 5))
    r, p, n = kernel.spearman_from_counts(tabs)
    vals = np.arange(5.0)
    for idx in np.ndindex(3, 4):
        t = tabs[idx]
        b, a = np.nonzero(t)
        reps = t[b, a]
        x, yy = np.repeat(vals[a], reps), np.repeat(vals[b], reps)
        ref = stats.spearmanr(x, yy)
        assert r[idx] == pytest.approx(ref.statistic, abs=1e-12)
        assert p[idx] == pytest.approx(ref.pvalue, rel=1e-9)


def test_importance_empty_and_constant_stages_do_not_crash():
    ratings, responses, _ = make_long(200, stages=("A", "B", "C"), seed=8, empty=("B",), constant=("C",))
    y = drivers.rating_outcomes(ratings, responses, RATING)
    out = drivers.derived_importance(ratings, y, method="spearman").set_index("stage")
    assert out.loc["B", "n"] == 0 and np.isnan(out.loc["B", "importance"]) and np.isnan(out.loc["B", "p_value"])
    assert np.isnan(out.loc["C", "importance"]) and out.loc["C", "n"] > 0
    assert np.isfinite(out.loc["A", "importance"])
    assert out.loc["B", "small_sample"]
    rw = drivers.derived_importance(ratings, y, method="relative_weight").set_index("stage")
    assert np.isnan(rw.loc["B", "importance"]) and np.isnan(rw.loc["C", "importance"])
    assert np.isfinite(rw.loc["A", "importance"])


def test_y_length_must_match_ratings():
    ratings, _, _ = make_long(50, seed=1)
    with pytest.raises(SurveyError, match="rating_outcomes"):
        drivers.derived_importance(ratings, np.ones(3))


# ---------------------------------------------------------------------------- relative weights


def johnson_reference(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson (2000), steps as in the paper: standardise X and y; X = P D Q' (SVD);
    Z = P Q' is the orthonormal matrix closest to X; Lambda = Q D Q' holds the regression of X on Z;
    beta = (Z'Z)^-1 Z'y; raw weight eps_j = sum_k Lambda_jk^2 beta_k^2."""
    n = len(y)
    xs = (x - x.mean(0)) / x.std(0, ddof=1) / np.sqrt(n - 1)  # unit-length columns: X'X = R
    ys = (y - y.mean()) / y.std(ddof=1) / np.sqrt(n - 1)
    p_, d, qt = np.linalg.svd(xs, full_matrices=False)
    z = p_ @ qt
    lam = qt.T @ np.diag(d) @ qt
    beta = np.linalg.solve(z.T @ z, z.T @ ys)
    return (lam**2 @ beta**2)


def test_relative_weights_match_johnson_reference_and_ols_r2():
    ratings, responses, mat = make_long(600, seed=9, p_answer=0.9)
    y = drivers.rating_outcomes(ratings, responses, RATING)
    out = drivers.relative_weights(ratings, y)
    yr = responses["overall"].to_numpy()
    cc = np.isfinite(mat).all(1) & np.isfinite(yr)
    ref = johnson_reference(mat[cc], yr[cc])
    np.testing.assert_allclose(out["importance"].to_numpy(), ref, rtol=1e-9, atol=1e-12)
    r2 = OLS(yr[cc], add_constant(mat[cc])).fit().rsquared
    assert out["r_squared"].iloc[0] == pytest.approx(r2, rel=1e-9)
    assert out["importance"].sum() == pytest.approx(r2, rel=1e-9)
    assert (out["n"] == cc.sum()).all()
    assert out["share_pct"].sum() == pytest.approx(100.0)


def test_relative_weights_orthogonal_predictors_equal_squared_correlations():
    # With uncorrelated predictors each raw weight is the squared correlation with y (Johnson 2000).
    a = np.repeat([1.0, 2.0, 3.0, 4.0], 4)
    b = np.tile([1.0, 2.0, 3.0, 4.0], 4)  # a and b exactly uncorrelated
    yv = np.clip(np.rint(0.8 * a + 0.3 * b + np.tile([0.0, 0.4, -0.4, 0.0], 4) - 0.5), 1, 5)
    n = len(a)
    ratings = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(np.repeat(np.arange(n), 2), categories=[f"r{i}" for i in range(n)]),
            "stage": pd.Categorical.from_codes(np.tile([0, 1], n), categories=["A", "B"], ordered=True),
            "score": np.column_stack([a, b]).ravel(),
        }
    )
    out = drivers.relative_weights(ratings, np.repeat(yv, 2), scale=S15)
    r2 = [np.corrcoef(a, yv)[0, 1] ** 2, np.corrcoef(b, yv)[0, 1] ** 2]
    np.testing.assert_allclose(out["importance"].to_numpy(), r2, rtol=1e-9)


def test_relative_weights_refuse_proxy():
    ratings, responses, _ = make_long(100, seed=2)
    y = drivers.rating_outcomes(ratings, responses, PROXY_OUTCOME)
    with pytest.raises(SurveyError, match="Spearman"):
        drivers.derived_importance(ratings, y, method="relative_weight")


def test_stated_importance():
    resp = pd.DataFrame({"ia": [5, 4, np.nan, 3], "ib": pd.array(["2", "", "4", None], dtype="str")})
    out = drivers.stated_importance(resp, {"A": "ia", "B": "ib"})
    assert out["stage"].astype(str).tolist() == ["A", "B"]
    assert out["n"].tolist() == [3, 2]
    np.testing.assert_allclose(out["mean"], [4.0, 3.0])
    np.testing.assert_allclose(out["sd"], [1.0, np.std([2, 4], ddof=1)])
    with pytest.raises(SurveyError, match="non-numeric"):
        drivers.stated_importance(pd.DataFrame({"ia": ["very"]}), {"A": "ia"})
    with pytest.raises(SurveyError, match="not in the responses"):
        drivers.stated_importance(resp, {"A": "zz"})


# ------------------------------------------------------------------------------ penalty/reward


@pytest.mark.parametrize("correction", ["holm", "fdr_bh"])
@pytest.mark.parametrize("kind", ["rating", "binary", "proxy"])
def test_penalty_reward_matches_scipy_and_statsmodels(kind, correction):
    ratings, responses, _ = make_long(700, stages=("A", "B", "C", "D", "E"), seed=12)
    spec = {
        "rating": RATING,
        "binary": OutcomeSpec("satisfied", kind="binary", positive="Satisfied", label="Satisfied"),
        "proxy": PROXY_OUTCOME,
    }[kind]
    y = drivers.rating_outcomes(ratings, responses, spec)
    out = drivers.penalty_reward(ratings, y, S15, spec, correction=correction)
    expected_cols = (
        "stage, n, n_bad, n_top, bad_pct, mean_outcome_bad, mean_outcome_rest, penalty, penalty_ci_low, "
        "penalty_ci_high, u_statistic, p_value, p_adjusted, rank_biserial, reward, reward_ci_low, "
        "reward_ci_high, reward_p_adjusted, factor"
    ).split(", ")
    assert list(out.columns[: len(expected_cols)]) == expected_cols
    assert (out["correction"] == correction).all()
    score = ratings["score"].to_numpy()
    stage = ratings["stage"].astype(str).to_numpy()
    ps, rps = [], []
    for _, row in out.iterrows():
        m = (stage == str(row["stage"])) & np.isfinite(y)
        sc, yy = score[m], y[m]
        bad, top = sc <= 2, sc >= 4
        assert (row["n"], row["n_bad"], row["n_top"]) == (m.sum(), bad.sum(), top.sum())
        assert row["bad_pct"] == pytest.approx(bad.mean() * 100)
        assert row["mean_outcome_bad"] == pytest.approx(yy[bad].mean())
        assert row["mean_outcome_rest"] == pytest.approx(yy[~bad].mean())
        assert row["penalty"] == pytest.approx(yy[~bad].mean() - yy[bad].mean())
        ci = stats.ttest_ind(yy[~bad], yy[bad], equal_var=False).confidence_interval(0.95)
        assert (row["penalty_ci_low"], row["penalty_ci_high"]) == (pytest.approx(ci.low), pytest.approx(ci.high))
        mw = stats.mannwhitneyu(yy[bad], yy[~bad], method="asymptotic")
        assert row["u_statistic"] == pytest.approx(mw.statistic)
        assert row["p_value"] == pytest.approx(mw.pvalue, rel=1e-9, abs=1e-300)
        # rank-biserial by brute force over all pairs: P(rest > bad) - P(bad > rest)
        diff = yy[~bad][:, None] - yy[bad][None, :]
        assert row["rank_biserial"] == pytest.approx((diff > 0).mean() - (diff < 0).mean())
        # reward: top box vs the rest
        assert row["reward"] == pytest.approx(yy[top].mean() - yy[~top].mean())
        rci = stats.ttest_ind(yy[top], yy[~top], equal_var=False).confidence_interval(0.95)
        assert (row["reward_ci_low"], row["reward_ci_high"]) == (pytest.approx(rci.low), pytest.approx(rci.high))
        rmw = stats.mannwhitneyu(yy[top], yy[~top], method="asymptotic")
        assert row["reward_p_value"] == pytest.approx(rmw.pvalue, rel=1e-9, abs=1e-300)
        ps.append(mw.pvalue)
        rps.append(rmw.pvalue)
        # contrasts with the middle ratings (factor basis)
        mid = ~bad & ~top
        assert row["penalty_vs_middle"] == pytest.approx(yy[mid].mean() - yy[bad].mean())
        assert row["reward_vs_middle"] == pytest.approx(yy[top].mean() - yy[mid].mean())
    np.testing.assert_allclose(out["p_adjusted"], multipletests(ps, method=correction)[1], rtol=1e-9)
    np.testing.assert_allclose(out["reward_p_adjusted"], multipletests(rps, method=correction)[1], rtol=1e-9)


def test_penalty_ten_point_scale_boxes():
    sc10 = Scale(0, 10)
    ratings, responses, _ = make_long(400, stages=("A", "B"), seed=13, scale=sc10)
    spec = OutcomeSpec("overall", scale=sc10, label="Likelihood to recommend")
    y = drivers.rating_outcomes(ratings, responses, spec)
    out = drivers.penalty_reward(ratings, y, sc10, spec)
    m = (ratings["stage"] == "A").to_numpy() & np.isfinite(y)
    s = ratings["score"].to_numpy()[m]
    assert out["n_bad"].iloc[0] == (s <= 6).sum() and out["n_top"].iloc[0] == (s >= 9).sum()


def test_penalty_edge_cases_do_not_crash():
    ratings, responses, _ = make_long(150, stages=("A", "B", "C"), seed=14, empty=("B",), constant=("C",))
    y = drivers.rating_outcomes(ratings, responses, RATING)
    out = drivers.penalty_reward(ratings, y, S15, RATING).set_index("stage")
    assert out.loc["B", "n"] == 0 and np.isnan(out.loc["B", "penalty"]) and np.isnan(out.loc["B", "p_value"])
    assert out.loc["C", "n_bad"] == 0 and np.isnan(out.loc["C", "penalty"])
    assert out.loc["B", "factor"] == "unclear" and out.loc["C", "factor"] == "unclear"
    # NaN tests are left out of the correction family (A alone: adjusted == raw)
    assert out.loc["A", "p_adjusted"] == pytest.approx(out.loc["A", "p_value"])
    assert out.loc["A", "n_missing_outcome"] == (
        (ratings["stage"] == "A").to_numpy() & np.isnan(y)
    ).sum()


def test_mann_whitney_all_tied_gives_p_one_like_scipy():
    g = np.array([[0.0, 5.0, 0.0]])
    rest = np.array([[0.0, 7.0, 0.0]])
    res = compare_groups(g, rest, np.array([1.0, 2.0, 3.0]), 0.95)
    ref = stats.mannwhitneyu(np.full(5, 2.0), np.full(7, 2.0), method="asymptotic")
    assert res["p"][0] == pytest.approx(ref.pvalue)


def test_factor_rule():
    pen = np.array([1.0, 0.1, 0.5, 0.5, 1.0, np.nan, -0.3])
    padj = np.array([0.001, 0.5, 0.01, 0.01, 0.2, np.nan, 0.001])
    rew = np.array([0.3, 0.9, 0.4, 0.2, 0.2, 0.5, 0.8])
    radj = np.array([0.001, 0.001, 0.001, 0.001, 0.5, 0.001, 0.001])
    got = classify_factor(pen, padj, rew, radj, 0.05).tolist()
    # 1.0 > 2*0.3 basic; reward only -> delight; comparable -> performance; 0.5 > 2*0.2 basic;
    # nothing significant -> unclear; NaN penalty with significant reward -> delight; negative penalty
    assert got == ["basic", "delight", "performance", "basic", "unclear", "delight", "delight"]


def test_factor_basis_middle_classes_a_basic_factor():
    # A stage where bad ratings ruin the outcome but top ratings are no better than the middle:
    # Brandt's contrasts say basic; against "the rest" the reward looks large.
    rng = np.random.default_rng(21)
    n = 3000
    score = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], n, p=[0.05, 0.05, 0.2, 0.35, 0.35])
    yv = np.clip(np.rint(4 + 0.7 * rng.standard_normal(n) - 2.0 * (score <= 2)), 1, 5)
    ratings = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(np.arange(n), categories=[f"r{i}" for i in range(n)]),
            "stage": pd.Categorical.from_codes(np.zeros(n, dtype=int), categories=["Pay"], ordered=True),
            "score": score,
        }
    )
    out = drivers.penalty_reward(ratings, yv, S15, RATING)
    # the contrasts are the dummy-regression coefficients of Brandt's penalty-reward analysis
    dummies = np.column_stack([(score <= 2).astype(float), (score >= 4).astype(float)])
    coef = OLS(yv, add_constant(dummies)).fit().params
    assert out["penalty_vs_middle"].iloc[0] == pytest.approx(-coef[1])
    assert out["reward_vs_middle"].iloc[0] == pytest.approx(coef[2])
    assert out["factor"].iloc[0] == "basic"
    assert out["factor_basis"].iloc[0] == "middle"
    rest = drivers.penalty_reward(ratings, yv, S15, RATING, factor_basis="rest")
    assert rest["reward"].iloc[0] > 0.3  # the rest holds the ruined outcomes


def test_bad_options_raise():
    ratings, responses, _ = make_long(50, seed=1)
    y = drivers.rating_outcomes(ratings, responses, RATING)
    with pytest.raises(SurveyError, match="correction"):
        drivers.penalty_reward(ratings, y, S15, RATING, correction="sidak")
    with pytest.raises(SurveyError, match="method"):
        drivers.derived_importance(ratings, y, method="shapley")
    with pytest.raises(SurveyError, match="0/1"):
        drivers.penalty_reward(ratings, y, S15, OutcomeSpec("x", kind="binary"))


def test_adjust_pvalues_matches_statsmodels():
    rng = np.random.default_rng(5)
    p = rng.uniform(0, 0.2, 9)
    for m in ("holm", "fdr_bh", "bonferroni"):
        np.testing.assert_allclose(kernel.adjust_pvalues(p, m), multipletests(p, method=m)[1], rtol=1e-12)
        # statsmodels' operations in statsmodels' order: equal to the bit, ties included
        tied = np.concatenate([p, p[:3]])
        np.testing.assert_array_equal(kernel.adjust_pvalues(tied, m), multipletests(tied, method=m)[1])
    np.testing.assert_array_equal(kernel.adjust_pvalues(p, "none"), p)
    assert np.isnan(kernel.adjust_pvalues(np.array([np.nan, np.nan]), "holm")).all()
    with pytest.raises(SurveyError, match="correction"):
        kernel.adjust_pvalues(p, "sidak")
    pn = np.array([0.01, np.nan, 0.03])
    np.testing.assert_allclose(kernel.adjust_pvalues(pn, "holm"), [0.02, np.nan, 0.03])
    # the drivers package re-exports the kernel's one correction, not a copy
    assert drivers.adjust_pvalues is kernel.adjust_pvalues and drivers.CORRECTIONS is kernel.CORRECTIONS


def test_discretise_missing_values_far_from_the_range():
    y = np.array([1000.0, np.nan, 1003.0, -np.inf, 1000.0])
    codes, values = kernel.discretise(y)
    assert codes.tolist() == [0, -1, 1, -1, 0] and values.tolist() == [1000.0, 1003.0]
    y = np.array([np.nan, 5 / 3, 1000.0])
    codes, values = kernel.discretise(y)
    assert codes.tolist() == [-1, 0, 1]
    np.testing.assert_allclose(values, [5 / 3, 1000.0])


def test_prebuilt_table_gives_the_same_results_and_is_checked():
    ratings, responses, _ = make_long(200, seed=15)
    y = drivers.rating_outcomes(ratings, responses, RATING)
    table = drivers.outcome_table(ratings, y, S15)
    pd.testing.assert_frame_equal(
        drivers.penalty_reward(ratings, y, S15, RATING, table=table), drivers.penalty_reward(ratings, y, S15, RATING)
    )
    pd.testing.assert_frame_equal(drivers.derived_importance(ratings, y, table=table), drivers.derived_importance(ratings, y, scale=S15))
    with pytest.raises(SurveyError, match="scale"):
        drivers.penalty_reward(ratings, y, Scale(0, 10), RATING, table=table)


from hypothesis import given, settings, strategies as st  # noqa: E402


@pytest.mark.filterwarnings("ignore:Precision loss occurred:RuntimeWarning")
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 5), min_size=1, max_size=25),
    st.lists(st.integers(1, 5), min_size=1, max_size=25),
)
def test_group_compare_matches_scipy_on_any_small_samples(a, b):
    """Property: the table-based U, p, Welch interval equal scipy's on the expanded samples."""
    vals = np.arange(1.0, 6.0)
    g = np.bincount(a, minlength=6)[1:]
    r = np.bincount(b, minlength=6)[1:]
    res = compare_groups(g[None, :], r[None, :], vals, 0.95)
    x, yy = np.array(a, float), np.array(b, float)
    mw = stats.mannwhitneyu(x, yy, method="asymptotic")
    assert res["u"][0] == pytest.approx(mw.statistic)
    assert res["p"][0] == pytest.approx(mw.pvalue, rel=1e-9, abs=1e-12)
    assert res["diff"][0] == pytest.approx(x.mean() - yy.mean())
    if len(a) >= 2 and len(b) >= 2 and (x.var() + yy.var()) > 0:
        ci = stats.ttest_ind(x, yy, equal_var=False).confidence_interval(0.95)
        assert res["ci_low"][0] == pytest.approx(ci.low) and res["ci_high"][0] == pytest.approx(ci.high)
    else:
        assert np.isnan(res["ci_low"][0])


# ------------------------------------------------- relative weights: sign, full model, bootstrap


def test_relative_weight_sign_and_full_model_match_statsmodels_hc3():
    # statsmodels OLS with HC3 on the complete-data respondents is the full model; the weight takes
    # the sign of its coefficient (a stage rated better where the outcome is lower gets a negative one)
    rng = np.random.default_rng(31)
    n = 1200
    g = rng.standard_normal(n)
    a = np.clip(np.rint(3 + g + rng.normal(0, 1, n)), 1, 5)
    b = np.clip(np.rint(3 + 0.5 * g + rng.normal(0, 1, n)), 1, 5)
    c = np.clip(np.rint(3 + rng.normal(0, 1, n)), 1, 5)
    yv = np.clip(np.rint(3 + 0.5 * (a - 3) + 0.4 * g - 0.4 * (c - 3) + rng.normal(0, 0.6, n)), 1, 5)
    mat = np.column_stack([a, b, c])
    mat[rng.random((n, 3)) < 0.1] = np.nan
    resp, st = np.nonzero(~np.isnan(mat))
    ratings = pd.DataFrame({"response_id": pd.Categorical.from_codes(resp, categories=[f"r{i}" for i in range(n)]),
                            "stage": pd.Categorical.from_codes(st, categories=["A", "B", "C"], ordered=True),
                            "score": mat[resp, st]})
    out = drivers.relative_weights(ratings, yv[resp], scale=S15, n_boot=0)
    cc = ~np.isnan(mat).any(axis=1)
    ref = OLS(yv[cc], add_constant(mat[cc])).fit(cov_type="HC3")
    np.testing.assert_allclose(out["coefficient"], ref.params[1:], rtol=1e-9)
    np.testing.assert_allclose(out["p_value"], ref.pvalues[1:], rtol=1e-7)
    np.testing.assert_allclose(out["p_adjusted"], multipletests(ref.pvalues[1:], method="holm")[1], rtol=1e-7)
    np.testing.assert_allclose(out["weight"], johnson_reference(mat[cc], yv[cc]), rtol=1e-9)
    np.testing.assert_allclose(out["importance"], np.sign(ref.params[1:]) * out["weight"], rtol=1e-12)
    assert out.set_index("stage").loc["C", "importance"] < 0 < out.set_index("stage").loc["A", "importance"]


def test_relative_weight_bootstrap_is_seeded_and_brackets_the_estimate():
    ratings, responses, _ = make_long(800, seed=32, p_answer=0.95)
    y = drivers.rating_outcomes(ratings, responses, RATING)
    a = drivers.derived_importance(ratings, y, n_boot=200, seed=5)
    b = drivers.derived_importance(ratings, y, n_boot=200, seed=5)
    c = drivers.derived_importance(ratings, y, n_boot=200, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a["importance_ci_low"], c["importance_ci_low"])
    assert (a["importance_ci_low"] <= a["importance"]).all() and (a["importance"] <= a["importance_ci_high"]).all()
    assert (a["method"] == "relative_weight").all() and a["p_adjusted"].notna().all()


def test_grouped_bootstrap_spread_matches_the_standard_error():
    # Above BOOTSTRAP_UNITS respondents the bootstrap resamples random groups of respondents. The
    # spread of a resampled stage mean must still be its standard error, sd / sqrt(n) (hand formula).
    from cycle_analytics.stats.drivers.importance import BOOTSTRAP_UNITS

    n = 4 * BOOTSTRAP_UNITS
    ratings, responses, mat = make_long(n, stages=("A", "B"), seed=33, p_answer=0.9)
    y = drivers.rating_outcomes(ratings, responses, RATING)
    m = drivers.respondent_patterns(ratings, y, S15)
    draws = drivers.importance_draws(m, 400, seed=1)
    assert draws.grouped and draws.units == BOOTSTRAP_UNITS
    for j in range(2):
        x = mat[:, j][~np.isnan(mat[:, j])]
        se_100 = x.std(ddof=1) / np.sqrt(len(x)) * 25.0  # score_100 = (mean - 1) * 25 on 1-5
        assert draws.performance[:, j].std(ddof=1) == pytest.approx(se_100, rel=0.15)
        assert draws.performance[:, j].mean() == pytest.approx((x.mean() - 1) * 25, abs=3 * se_100)


def test_the_bootstrap_sums_are_the_same_gathered_in_blocks(monkeypatch):
    """The units' members are gathered a block at a time to bound memory: with blocks of one member
    position (the smallest), the resampled weights and performance equal those gathered at once."""
    from cycle_analytics.stats.drivers import importance

    n = 3 * importance.BOOTSTRAP_UNITS + 17  # grouped units of 3 or 4 members, so several blocks
    ratings, responses, _ = make_long(n, stages=("A", "B", "C"), seed=34, p_answer=0.9)
    y = drivers.rating_outcomes(ratings, responses, RATING)
    m = drivers.respondent_patterns(ratings, y, S15)
    whole = drivers.importance_draws(m, 50, seed=2)
    monkeypatch.setattr(importance, "_GATHER_ROWS", 1)
    blocks = drivers.importance_draws(m, 50, seed=2)
    assert whole.grouped and np.isfinite(whole.importance).all()
    np.testing.assert_array_equal(blocks.performance, whole.performance)
    np.testing.assert_array_equal(blocks.importance, whole.importance)
