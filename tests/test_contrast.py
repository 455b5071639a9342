"""The multivariate penalty-reward model, its pattern-table fit and the halo diagnostic.

References: statsmodels ``OLS(y, X).fit(cov_type="HC3")`` on the expanded data (one row per
respondent, dummies built here with numpy) for the model; statsmodels ``Logit`` average marginal
effects (``get_margeff(at="overall", dummy=True)``) for the binary outcome's linear probability
model; ``scipy.stats.ttest_ind(equal_var=False)`` for the direct comparison among respondents with no
bad experience elsewhere; ``statsmodels.stats.multitest.multipletests`` for the corrections;
pandas ``DataFrame.corr()`` (pairwise complete observations) and ``numpy.linalg.eigvalsh`` for the
halo figures; pandas ``groupby`` for the pattern table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import special, stats
from statsmodels.stats.multitest import multipletests

from cycle_analytics.dataset import PROXY_OUTCOME, OutcomeSpec
from cycle_analytics.scales import Scale
from cycle_analytics.stats import critical, drivers, kernel
from cycle_analytics.stats.drivers.contrast import BOTTOM, MIDDLE, NOT_RATED, TOP, answer_patterns, contrast_design
from cycle_analytics.stats.halo import halo_diagnostic, stage_correlations
from cycle_analytics.stats.regression import ols_from_patterns

S15 = Scale(1, 5)
RATING = OutcomeSpec("overall", kind="rating", scale=S15, label="Overall satisfaction")
BINARY = OutcomeSpec("satisfied", kind="binary", positive="yes", label="Satisfied")


def survey(n=1500, n_stages=4, seed=0, p_answer=0.85, halo=0.6, incident_stage=1, binary=False):
    """Ratings with a halo, N/A answers and one stage with a planted penalty; (ratings, y, matrix).

    ``matrix[i, j]`` is respondent i's score of stage j (NaN = not rated); ``y`` one outcome per rating.
    """
    rng = np.random.default_rng(seed)
    h = rng.standard_normal(n)
    mat = np.clip(np.rint(3.6 + halo * h[:, None] + 0.9 * rng.standard_normal((n, n_stages))), 1, 5)
    bad = mat[:, incident_stage] <= 2
    overall = np.clip(np.rint(3.6 + 0.5 * h + 0.7 * rng.standard_normal(n) - 1.2 * bad), 1, 5)
    mat[rng.random((n, n_stages)) > p_answer] = np.nan
    out = (overall >= 4).astype(float) if binary else overall
    rated = ~np.isnan(mat).all(axis=1)  # a respondent who rated nothing is in no table
    mat, out = mat[rated], out[rated]
    n = len(out)
    resp, st = np.nonzero(~np.isnan(mat))
    names = [f"S{j}" for j in range(n_stages)]
    ratings = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(resp, categories=[f"r{i:05d}" for i in range(n)]),
            "stage": pd.Categorical.from_codes(st, categories=names, ordered=True),
            "score": mat[resp, st],
        }
    )
    return ratings, out[resp], mat, out


def dummies(mat: np.ndarray, scale: Scale = S15, *, no_top: tuple[int, ...] = ()) -> tuple[np.ndarray, list[str]]:
    """The model's design built directly from the raw scores (intercept, then bottom/top/N/A per stage)."""
    cols, names = [np.ones(len(mat))], ["const"]
    for j in range(mat.shape[1]):
        x = mat[:, j]
        cols.append(np.isin(x, scale.bottom_box).astype(float))
        names.append(f"bottom{j}")
        if j not in no_top:
            cols.append(np.isin(x, scale.top_box).astype(float))
            names.append(f"top{j}")
        cols.append(np.isnan(x).astype(float))
        names.append(f"na{j}")
    return np.column_stack(cols), names


@pytest.mark.parametrize("correction", ["holm", "fdr_bh"])
def test_model_matches_statsmodels_ols_hc3(correction):
    ratings, y, mat, out = survey(seed=1)
    table = drivers.multivariate_penalty_reward(ratings, y, S15, RATING, correction=correction)
    x, names = dummies(mat)
    ref = sm.OLS(out, x).fit(cov_type="HC3")
    params, bse, pv = pd.Series(ref.params, names), pd.Series(ref.bse, names), pd.Series(ref.pvalues, names)
    ci = pd.DataFrame(ref.conf_int(), index=names)
    for j in range(mat.shape[1]):
        row = table.iloc[j]
        assert row["penalty"] == pytest.approx(-params[f"bottom{j}"], rel=1e-9, abs=1e-12)
        assert row["reward"] == pytest.approx(params[f"top{j}"], rel=1e-9, abs=1e-12)
        assert row["not_rated_effect"] == pytest.approx(params[f"na{j}"], rel=1e-9, abs=1e-12)
        assert row["p_value"] == pytest.approx(pv[f"bottom{j}"], rel=1e-7, abs=1e-300)
        assert row["reward_p_value"] == pytest.approx(pv[f"top{j}"], rel=1e-7, abs=1e-300)
        assert (row["penalty_ci_low"], row["penalty_ci_high"]) == pytest.approx((-ci.loc[f"bottom{j}", 1], -ci.loc[f"bottom{j}", 0]), rel=1e-9)
        assert (row["reward_ci_low"], row["reward_ci_high"]) == pytest.approx(tuple(ci.loc[f"top{j}"]), rel=1e-9)
        se = (row["penalty_ci_high"] - row["penalty_ci_low"]) / (2 * stats.norm.ppf(0.975))
        assert se == pytest.approx(bse[f"bottom{j}"], rel=1e-9)
    np.testing.assert_allclose(table["p_adjusted"], multipletests(table["p_value"], method=correction)[1], rtol=1e-12)
    np.testing.assert_allclose(table["reward_p_adjusted"], multipletests(table["reward_p_value"], method=correction)[1], rtol=1e-12)
    assert table["r_squared"].iloc[0] == pytest.approx(ref.rsquared, rel=1e-9)
    assert (table["n_model"] == len(out)).all() and (table["model"] == "multivariate").all()
    # the raw columns are the one-stage contrasts
    raw = drivers.penalty_reward(ratings, y, S15, RATING, correction=correction)
    np.testing.assert_allclose(table["raw_penalty"], raw["penalty"])
    np.testing.assert_allclose(table["raw_p_adjusted"], raw["p_adjusted"])


def test_planted_penalty_found_and_halo_removed():
    ratings, y, mat, out = survey(n=4000, seed=2, halo=0.9)
    table = drivers.multivariate_penalty_reward(ratings, y, S15, RATING).set_index("stage")
    # the one-stage penalty of every stage carries the halo; the model's does not
    assert (table.drop(index="S1")["raw_penalty"] > 0.3).all()
    assert (table.drop(index="S1")["penalty"].abs() < 0.25).all()
    assert table.loc["S1", "penalty"] > 0.8 and table.loc["S1", "p_adjusted"] < 1e-6
    moments = critical.classify_moments(table.reset_index(), RATING).set_index("stage")
    assert moments["verdict"].to_dict() == {"S0": "ok", "S1": "critical", "S2": "ok", "S3": "ok"}
    assert (moments["raw_penalty"] == table["raw_penalty"]).all()


def test_binary_outcome_linear_probability_model_agrees_with_logit_marginal_effects():
    # The reference: statsmodels' Logit on the same dummies; its average marginal effect of a bad
    # (or top-box) rating against a middle one is the mean over respondents of the discrete change in
    # the fitted probability with the stage's dummies set to bottom (top) versus middle, everything
    # else as observed. (``get_margeff(dummy=True)`` would switch one dummy on while its sibling stays
    # on, a combination no respondent can have.) The linear probability model's coefficients agree
    # to within 8 percentage points, and both give the same critical stages at the 10-point threshold.
    ratings, y, mat, out = survey(n=5000, seed=3, binary=True)
    table = drivers.multivariate_penalty_reward(ratings, y, S15, BINARY)
    x, names = dummies(mat)
    beta = sm.Logit(out, x).fit(disp=0).params
    for j in range(mat.shape[1]):
        bottom, top, na = (names.index(f"{k}{j}") for k in ("bottom", "top", "na"))
        middle = x.copy()
        middle[:, [bottom, top, na]] = 0.0
        as_bad, as_top = middle.copy(), middle.copy()
        as_bad[:, bottom] = 1.0
        as_top[:, top] = 1.0
        p_mid = special.expit(middle @ beta)
        penalty_ame = float(np.mean(p_mid - special.expit(as_bad @ beta)))
        reward_ame = float(np.mean(special.expit(as_top @ beta) - p_mid))
        assert table["penalty"].iloc[j] == pytest.approx(penalty_ame, abs=0.08)
        assert table["reward"].iloc[j] == pytest.approx(reward_ame, abs=0.08)
        assert (table["penalty"].iloc[j] >= 0.1) == (penalty_ame >= 0.1)
    assert table["penalty"].iloc[1] > 0.3  # the planted stage
    lpm = sm.OLS(out, x).fit(cov_type="HC3")
    np.testing.assert_allclose(table["penalty"], -pd.Series(lpm.params, names)[[f"bottom{j}" for j in range(4)]], rtol=1e-9)


def test_direct_comparison_matches_welch_on_the_respondents_with_nothing_else_bad():
    ratings, y, mat, out = survey(seed=4)
    table = drivers.multivariate_penalty_reward(ratings, y, S15, RATING)
    bad = np.isin(mat, S15.bottom_box)
    for j in range(mat.shape[1]):
        clean = ~np.delete(bad, j, axis=1).any(axis=1) & ~np.isnan(mat[:, j])
        a, b = out[clean & ~bad[:, j]], out[clean & bad[:, j]]
        ref = stats.ttest_ind(a, b, equal_var=False)
        row = table.iloc[j]
        assert row["clean_n"] == clean.sum() and row["clean_n_bad"] == len(b)
        assert row["clean_penalty"] == pytest.approx(a.mean() - b.mean())
        assert row["clean_p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
        lo, hi = ref.confidence_interval(0.95)
        assert (row["clean_ci_low"], row["clean_ci_high"]) == pytest.approx((lo, hi), rel=1e-9)
    np.testing.assert_allclose(table["clean_p_adjusted"], multipletests(table["clean_p_value"], method="holm")[1])


def test_stage_without_middle_ratings_uses_the_top_box_as_reference():
    ratings, y, mat, out = survey(seed=5)
    mat[:, 2] = np.where(np.isnan(mat[:, 2]), np.nan, np.where(mat[:, 2] <= 3, 1.0, 5.0))  # no 3s
    resp, st = np.nonzero(~np.isnan(mat))
    ratings = ratings.iloc[:0].copy()
    ratings = pd.DataFrame({"response_id": pd.Categorical.from_codes(resp, categories=[f"r{i:05d}" for i in range(len(mat))]),
                            "stage": pd.Categorical.from_codes(st, categories=[f"S{j}" for j in range(4)], ordered=True),
                            "score": mat[resp, st]})
    table = drivers.multivariate_penalty_reward(ratings, out[resp], S15, RATING)
    x, names = dummies(mat, no_top=(2,))
    ref = pd.Series(sm.OLS(out, x).fit(cov_type="HC3").params, names)
    assert table["penalty"].iloc[2] == pytest.approx(-ref["bottom2"], rel=1e-9)
    assert np.isnan(table["reward"].iloc[2]) and np.isnan(table["reward_p_adjusted"].iloc[2])
    assert table["penalty"].iloc[0] == pytest.approx(-ref["bottom0"], rel=1e-9)


def test_answer_patterns_match_groupby():
    ratings, y, mat, out = survey(n=600, seed=6)
    m = drivers.respondent_patterns(ratings, y, S15)
    p = answer_patterns(m)
    state = np.where(np.isnan(mat), NOT_RATED, np.where(mat <= 2, BOTTOM, np.where(mat >= 4, TOP, MIDDLE)))
    ref = pd.DataFrame(state).assign(y=out).groupby(list(range(4)))["y"].agg(["size", "sum", lambda v: (v * v).sum()])
    got = pd.DataFrame(p.states.astype(int)).assign(n=p.counts, s=p.sums, q=p.sumsq).set_index(list(range(4)))
    assert len(got) == len(ref) and got["n"].sum() == len(out)
    np.testing.assert_allclose(got.loc[ref.index].to_numpy(), ref.to_numpy())
    x, no_middle = contrast_design(p.states)
    assert x.shape == (len(p.counts), 13) and not no_middle.any()


def test_pattern_fit_matches_statsmodels_and_drops_collinear_columns():
    rng = np.random.default_rng(7)
    n = 2000
    a, b = rng.integers(0, 2, n), rng.integers(0, 3, n)
    x = np.column_stack([np.ones(n), a, b == 1, b == 2, a + (b == 1)])  # the last column is collinear
    y = np.clip(np.rint(3 + a - 0.5 * (b == 2) + rng.normal(0, 1 + a, n)), 1, 5)
    rows, inverse = np.unique(x, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    fit = ols_from_patterns(rows, np.bincount(inverse), np.bincount(inverse, y), np.bincount(inverse, y * y))
    ref = sm.OLS(y, x[:, :4]).fit(cov_type="HC3")
    np.testing.assert_allclose(fit.coef[:4], ref.params, rtol=1e-9)
    np.testing.assert_allclose(fit.se[:4], ref.bse, rtol=1e-9)
    np.testing.assert_allclose(fit.p_value[:4], ref.pvalues, rtol=1e-7)
    assert fit.kept.tolist() == [True, True, True, True, False] and np.isnan(fit.coef[4])


def test_proxy_outcome_falls_back_to_the_one_stage_contrasts():
    ratings, y, mat, out = survey(n=500, seed=8)
    yp = drivers.rating_outcomes(ratings, pd.DataFrame({"response_id": range(500)}), PROXY_OUTCOME)
    table = drivers.multivariate_penalty_reward(ratings, yp, S15, PROXY_OUTCOME)
    raw = drivers.penalty_reward(ratings, yp, S15, PROXY_OUTCOME)
    assert (table["model"] == "one stage").all()
    np.testing.assert_allclose(table["penalty"], raw["penalty"])
    assert table["clean_p_value"].isna().all()
    moments = critical.classify_moments(table, PROXY_OUTCOME)
    assert (moments["model"] == "one stage").all()


def test_evidence_sentences_in_the_seeds_terms_and_the_fallback():
    ratings, y, mat, out = survey(n=4000, seed=2, halo=0.9)
    table = drivers.multivariate_penalty_reward(ratings, y, S15, RATING)
    ev = critical.classify_moments(table, RATING).set_index("stage")["evidence"]
    row = table.set_index("stage").loc["S1"]
    assert ev["S1"] == (
        f"Among {int(row['clean_n']):,} customers for whom every other moment went well, the {int(row['clean_n_bad']):,} "
        f"who had a bad experience at S1 gave an overall satisfaction {critical._points_text(row['clean_penalty'])} points lower "
        f"(p < 0.001)."
    )
    # too few customers with a bad experience only here: say so, quote the model's figure instead
    strict = critical.CriticalSettings(min_clean_bad=10**6)
    fallback = critical.classify_moments(table, RATING, settings=strict).set_index("stage")["evidence"]["S1"]
    assert fallback.startswith(f"Only {int(row['clean_n_bad']):,} customers had a bad experience at S1 while every other moment went well, too few")
    assert "with every other moment held fixed, customers who rated S1 badly gave an overall satisfaction" in fallback
    assert fallback.endswith(f"({critical.format_p(row['p_adjusted'])}, {int(row['n_bad']):,} customers).")


def test_pain_point_sentence_states_an_effect_the_other_way():
    # A poorly rated stage whose bad ratings go with a *higher* outcome once the others are held fixed.
    rng = np.random.default_rng(9)
    n = 3000
    a = rng.integers(1, 6, n).astype(float)
    b = np.clip(np.rint(2.2 + rng.normal(0, 1, n)), 1, 5)
    y = np.clip(np.rint(3.5 + 0.4 * (a - 3) + 0.5 * (b <= 2) + rng.normal(0, 0.6, n)), 1, 5)
    ratings = pd.DataFrame({"response_id": pd.Categorical.from_codes(np.repeat(np.arange(n), 2), categories=[f"r{i}" for i in range(n)]),
                            "stage": pd.Categorical.from_codes(np.tile([0, 1], n), categories=["A", "B"], ordered=True),
                            "score": np.column_stack([a, b]).ravel()})
    table = drivers.multivariate_penalty_reward(ratings, np.repeat(y, 2), S15, RATING)
    m = critical.classify_moments(table, RATING).set_index("stage")
    assert m.loc["B", "verdict"] == "pain point"
    assert "points higher (p < 0.001)" in m.loc["B", "evidence"] and "no effect" not in m.loc["B", "evidence"]


# -------------------------------------------------------------------------------------------- halo


def test_halo_figures_match_pandas_pairwise_correlations():
    ratings, y, mat, out = survey(n=2000, n_stages=5, seed=10, p_answer=0.7, halo=1.0)
    m = drivers.respondent_patterns(ratings, y, S15)
    corr, pairs = stage_correlations(m)
    ref = pd.DataFrame(mat).corr()  # pairwise complete observations
    np.testing.assert_allclose(corr, ref.to_numpy(), rtol=1e-9)
    np.testing.assert_array_equal(pairs, (~np.isnan(mat)).astype(int).T @ (~np.isnan(mat)).astype(int))
    h = halo_diagnostic(m)
    k = 5
    assert h.mean_correlation == pytest.approx(ref.to_numpy()[~np.eye(k, dtype=bool)].mean(), rel=1e-9)
    assert h.first_component_share == pytest.approx(np.linalg.eigvalsh(ref.to_numpy())[-1] / k, rel=1e-9)
    assert h.first_component_share >= h.mean_correlation
    assert h.warning == (h.first_component_share > 0.5)
    weak = halo_diagnostic(drivers.respondent_patterns(*survey(n=2000, seed=11, halo=0.1)[:2], S15))
    assert not weak.warning and "under control" in weak.message()
    strong = halo_diagnostic(drivers.respondent_patterns(*survey(n=2000, seed=11, halo=2.0)[:2], S15))
    assert strong.warning and strong.message().startswith("Strong halo: one general impression explains")


def test_halo_with_one_usable_stage_is_not_computable():
    ratings, y, mat, out = survey(n=200, n_stages=2, seed=12)
    ratings = ratings[ratings["stage"] == "S0"]
    h = halo_diagnostic(drivers.respondent_patterns(ratings, y[: len(ratings)], S15))
    assert np.isnan(h.first_component_share) and not h.warning and "cannot be measured" in h.message()


def test_pattern_sums_paths_agree():
    rng = np.random.default_rng(13)
    y = rng.normal(size=3000)
    for n_cols, base in ((3, 4), (12, 4), (33, 4)):  # dense bincount, np.unique on keys, np.unique on rows
        codes = rng.integers(0, base, (3000, n_cols))
        codes[:1500] = codes[1500:]  # repeated rows
        rows, n, s, q = kernel.pattern_sums(codes, base, y)
        ref = pd.DataFrame(codes).assign(y=y).groupby(list(range(n_cols)))["y"].agg(["size", "sum", lambda v: (v * v).sum()])
        got = pd.DataFrame(rows).assign(n=n, s=s, q=q).set_index(list(range(n_cols)))
        np.testing.assert_allclose(got.loc[ref.index].to_numpy(), ref.to_numpy())
