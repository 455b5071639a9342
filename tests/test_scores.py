"""Stage scores, distributions, NPS and stage-to-stage change, against independent references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cycle_analytics.stats import kernel, scores
from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale
from synth import make_survey, survey_from_wide

STAGE_COLS = list(scores.STAGE_SCORE_COLUMNS)


def _raw(survey, stage):
    r = survey.ratings
    return r.loc[r["stage"] == stage, "score"].to_numpy(dtype=float)


# ---------------------------------------------------------------- hand-computed fixtures


def test_issue_fixture_boxes_and_mean():
    # Source: issue 3, "Verification": answers 1-5 with counts 5, 10, 15, 40, 30 give
    # top-two-box 70%, bottom-two-box 15%, mean 3.8.
    answers = np.repeat([1, 2, 3, 4, 5], [5, 10, 15, 40, 30]).astype(float)
    s = survey_from_wide({"Pay": list(answers)}, Scale(1, 5))
    row = scores.stage_scores(s.ratings, s.scale).iloc[0]
    assert row["n"] == 100
    assert row["top_box_pct"] == pytest.approx(70.0)
    assert row["bottom_box_pct"] == pytest.approx(15.0)
    assert row["mean"] == pytest.approx(3.8)
    assert row["median"] == 4.0  # hand: 50th and 51st answers are both 4
    assert row["score_100"] == pytest.approx(70.0)  # (3.8 - 1) / 4 * 100
    assert row["sd"] == pytest.approx(np.std(answers, ddof=1))
    lo, hi = stats.t.interval(0.95, 99, loc=answers.mean(), scale=stats.sem(answers))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
    assert np.isnan(row["nps"])  # not a 0-10 scale
    assert not row["small_sample"]


def test_issue_fixture_nps():
    # Source: issue 3, "Verification": the NPS of the eleven answers 0, 1, ..., 10 is -45.45
    # (2 promoters, 7 detractors: (2 - 7) / 11 = -45.45%).
    s = survey_from_wide({"Recommend": list(range(11))}, Scale(0, 10))
    row = scores.stage_scores(s.ratings, s.scale).iloc[0]
    assert round(row["nps"], 2) == -45.45
    assert row["top_box_pct"] == pytest.approx(200 / 11)
    assert row["bottom_box_pct"] == pytest.approx(700 / 11)
    assert row["median"] == 5.0 and row["mean"] == 5.0
    assert row["small_sample"]  # 11 < 30: flagged, still shown


def test_stage_changes_hand_fixture():
    # Hand-computed: pairs (1 -> 3), (2 -> 5), (4 -> 3): d = +2, +3, -1; ranks of |d| 2, 3, 1;
    # R+ = 5, R- = 1, rank-biserial (5 - 1) / 6 = 0.667, statistic min(R+, R-) = 1.
    s = survey_from_wide({"A": [1, 2, 4], "B": [3, 5, 3]})
    ch = scores.stage_changes(s.ratings)
    assert list(ch.columns[: len(scores.CHANGE_COLUMNS)]) == list(scores.CHANGE_COLUMNS)
    row = ch.iloc[0]
    assert row["n_pairs"] == 3
    assert row["mean_from"] == pytest.approx(7 / 3) and row["mean_to"] == pytest.approx(11 / 3)
    assert row["mean_change"] == pytest.approx(4 / 3)
    assert row["statistic"] == 1.0
    assert row["effect_size"] == pytest.approx(4 / 6)
    assert row["p_value"] == pytest.approx(stats.wilcoxon([3, 5, 3], [1, 2, 4]).pvalue)


# ---------------------------------------------------------------- against scipy / numpy on raw values


@pytest.mark.parametrize("scale", [Scale(1, 5), Scale(1, 7), Scale(0, 10), Scale(1, 10)])
def test_stage_scores_match_raw_references(scale):
    s = make_survey(700, 4, scale, seed=scale.points, answer_rate=[0.9, 0.5, 0.05, 1.0])
    table = scores.stage_scores(s.ratings, scale, min_n=40, confidence=0.9)
    assert list(table.columns) == STAGE_COLS
    assert table["order"].tolist() == [1, 2, 3, 4]
    assert table["stage"].tolist() == list(s.stages) and table["stage"].cat.ordered
    for _, row in table.iterrows():
        x = _raw(s, row["stage"])
        assert row["n"] == len(x)
        assert row["mean"] == pytest.approx(x.mean())
        assert row["sd"] == pytest.approx(np.std(x, ddof=1))
        assert row["median"] == np.median(x)
        lo, hi = stats.t.interval(0.9, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert row["ci_low"] == pytest.approx(lo) and row["ci_high"] == pytest.approx(hi)
        assert row["score_100"] == pytest.approx((x.mean() - scale.minimum) / (scale.maximum - scale.minimum) * 100)
        assert row["top_box_pct"] == pytest.approx(100 * np.isin(x, scale.top_box).mean())
        assert row["bottom_box_pct"] == pytest.approx(100 * np.isin(x, scale.bottom_box).mean())
        if scale.supports_nps:
            assert row["nps"] == pytest.approx(100 * ((x >= 9).mean() - (x <= 6).mean()))
        else:
            assert np.isnan(row["nps"])
        assert row["small_sample"] == (len(x) < 40)


def test_median_from_counts_matches_numpy():
    rng = np.random.default_rng(5)
    values = np.arange(0.0, 11.0)
    counts = rng.integers(0, 4, size=(200, 11))
    counts[:5] = 0
    counts[5:10] = 0
    counts[5:10, 3] = 1  # n = 1
    med = kernel.median_from_counts(counts, values)
    for c, m in zip(counts, med):
        x = np.repeat(values, c)
        assert (np.isnan(m) and len(x) == 0) or m == np.median(x)


def _crosstab(stage, group, score, n_stages, n_groups, scale):
    """Reference count table: pandas groupby-size over (stage, group, score), zeros filled in."""
    df = pd.DataFrame({"s": stage, "g": group, "k": score})
    sizes = df.groupby(["s", "g", "k"]).size()
    full = pd.MultiIndex.from_product([range(n_stages), range(n_groups), scale.values])
    return sizes.reindex(full, fill_value=0).to_numpy().reshape(n_stages, n_groups, scale.points)


def test_count_table_matches_pandas_groupby():
    s = make_survey(900, 5, Scale(0, 10), seed=3, shuffle=True)
    r = s.ratings
    stage = r["stage"].cat.codes.to_numpy()
    score = r["score"].to_numpy().astype(np.int64)
    ours = kernel.count_table(r, s.scale)
    np.testing.assert_array_equal(ours, _crosstab(stage, np.zeros(len(r), int), score, 5, 1, s.scale))
    # one group code per respondent; missing labels land in the extra last group
    codes = s.responses["region"].cat.codes.to_numpy().astype(np.int64)
    codes[::7] = -1
    rc = r["response_id"].cat.codes.to_numpy()
    ours_g = kernel.count_table(r, s.scale, codes, 4)
    per_rating = np.where(codes[rc] < 0, 4, codes[rc])
    ref_g = _crosstab(stage, per_rating, score, 5, 5, s.scale)
    np.testing.assert_array_equal(ours_g, ref_g)
    missing = np.bincount(stage[codes[rc] < 0], minlength=5)
    np.testing.assert_array_equal(ours_g[:, 4].sum(axis=1), missing)
    # one group code per rating (as the outcome table uses): the same table
    np.testing.assert_array_equal(kernel.count_table(r, s.scale, codes[rc], 4, per_rating=True), ref_g)
    with pytest.raises(SurveyError, match="one group code per rating"):
        kernel.count_table(r, s.scale, codes, 4, per_rating=True)


# ---------------------------------------------------------------- edge cases


def test_stage_without_answers_and_small_stage():
    s = make_survey(100, ("A", "B", "C"), seed=1, empty_stages=("B",))
    table = scores.stage_scores(s.ratings, s.scale)
    b = table.set_index("stage").loc["B"]
    assert b["n"] == 0 and b["small_sample"]
    assert all(np.isnan(b[c]) for c in ["mean", "sd", "median", "ci_low", "ci_high", "score_100", "top_box_pct", "bottom_box_pct"])
    dist = scores.score_distribution(s.ratings, s.scale)
    d_b = dist[dist["stage"] == "B"]
    assert d_b["count"].tolist() == [0] * 5 and d_b["pct"].isna().all()
    ch = scores.stage_changes(s.ratings)
    assert ch["n_pairs"].tolist() == [0, 0] and ch["p_value"].isna().all()


def test_one_respondent_one_stage():
    s = survey_from_wide({"Only": [4]})
    row = scores.stage_scores(s.ratings, s.scale).iloc[0]
    assert row["n"] == 1 and row["mean"] == 4.0 and row["median"] == 4.0 and row["score_100"] == 75.0
    assert np.isnan(row["sd"]) and np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
    assert row["top_box_pct"] == 100.0 and row["small_sample"]
    ch = scores.stage_changes(s.ratings)
    assert len(ch) == 0 and list(ch.columns) == list(scores.CHANGE_COLUMNS)


def test_empty_survey():
    s = survey_from_wide({"A": [], "B": []})
    table = scores.stage_scores(s.ratings, s.scale)
    assert table["n"].tolist() == [0, 0] and table["mean"].isna().all() and table["small_sample"].all()
    dist = scores.score_distribution(s.ratings, s.scale)
    assert len(dist) == 10 and (dist["count"] == 0).all()
    ch = scores.stage_changes(s.ratings)
    assert ch["n_pairs"].tolist() == [0] and np.isnan(ch["p_value"].iloc[0])
    g = scores.grouped_stage_scores(s.ratings, np.array([], dtype=object), s.scale, name="region")
    assert len(g) == 0 and list(g.columns[:2]) == ["stage", "region"]
    none = survey_from_wide({})
    assert len(scores.stage_scores(none.ratings, none.scale)) == 0


def test_bad_input_raises_survey_error():
    s = survey_from_wide({"A": [1, 2, 3]})
    bad = s.ratings.assign(score=[1.0, 2.5, 3.0])
    with pytest.raises(SurveyError, match="2.5"):
        scores.stage_scores(bad, s.scale)
    with pytest.raises(SurveyError, match="9"):
        scores.stage_scores(s.ratings.assign(score=[1.0, 9.0, 3.0]), s.scale)
    with pytest.raises(SurveyError):
        scores.stage_scores(s.ratings.assign(score=[1.0, np.nan, 3.0]), s.scale)
    with pytest.raises(SurveyError, match="lacks"):
        scores.stage_scores(s.ratings.drop(columns="score"), s.scale)
    with pytest.raises(SurveyError, match="min_n"):
        scores.stage_scores(s.ratings, s.scale, min_n=-1)
    with pytest.raises(SurveyError, match="confidence"):
        scores.stage_scores(s.ratings, s.scale, confidence=95)
    with pytest.raises(SurveyError, match="one group label per respondent"):
        scores.grouped_stage_scores(s.ratings, ["x"], s.scale, name="g")
    two = survey_from_wide({"A": [1, 2, 3], "B": [1, 2, 3]})
    twice = pd.concat([two.ratings, two.ratings.iloc[:1]], ignore_index=True)
    with pytest.raises(SurveyError, match="more than once"):
        scores.stage_changes(twice)
    with pytest.raises(SurveyError, match="no score"):
        scores.stage_changes(two.ratings.assign(score=[1.0, np.nan, 3.0, 1.0, 2.0, 3.0]))


# ---------------------------------------------------------------- grouped scores and distribution


def test_grouped_stage_scores_match_groupby():
    s = make_survey(600, 3, Scale(1, 7), seed=8)
    region = s.responses["region"].copy()
    region.iloc[::10] = None  # missing labels are left out
    region = region.cat.add_categories(["Nowhere"])  # unused category: no rows
    g = scores.grouped_stage_scores(s.ratings, region, s.scale, name="region", min_n=50)
    assert list(g.columns) == ["stage", "region", "n", "mean", "ci_low", "ci_high", "score_100", "top_box_pct", "bottom_box_pct",
                               "small_sample", *scores.BOX_INTERVAL_COLUMNS]
    assert "Nowhere" not in set(g["region"].astype(str))
    assert isinstance(g["region"].dtype, pd.CategoricalDtype)
    rc = s.ratings["response_id"].cat.codes.to_numpy()
    raw = s.ratings.assign(region=region.to_numpy()[rc]).dropna(subset=["region"])
    ref = raw.groupby(["stage", "region"], observed=True)["score"].agg(["size", "mean", "sem"])
    assert g["n"].sum() == len(raw)
    for _, row in g.iterrows():
        n, mean, sem = ref.loc[(row["stage"], row["region"])]
        assert row["n"] == n and row["mean"] == pytest.approx(mean)
        lo, hi = stats.t.interval(0.95, n - 1, loc=mean, scale=sem)
        assert row["ci_low"] == pytest.approx(lo) and row["ci_high"] == pytest.approx(hi)
        assert row["small_sample"] == (n < 50)


def test_grouped_plain_labels_and_zero_cells():
    s = survey_from_wide({"A": [5, 4, None], "B": [None, None, 2]})
    g = scores.grouped_stage_scores(s.ratings, ["x", "x", "y"], s.scale, name="grp")
    assert g[["grp", "n"]].values.tolist() == [["x", 2], ["y", 0], ["x", 0], ["y", 1]]
    assert g["mean"].iloc[0] == 4.5 and np.isnan(g["mean"].iloc[1])


def test_score_distribution_every_point():
    s = make_survey(300, 2, Scale(0, 10), seed=4, spread=0.05)
    dist = scores.score_distribution(s.ratings, s.scale)
    assert list(dist.columns) == ["stage", "score", "count", "pct"]
    assert len(dist) == 2 * 11 and (dist["count"] == 0).any()  # zero counts are rows too
    for stage, sub in dist.groupby("stage", observed=True):
        x = _raw(s, stage)
        assert sub["score"].tolist() == list(map(float, range(11)))
        assert sub["count"].tolist() == [int((x == v).sum()) for v in range(11)]
        assert sub["pct"].sum() == pytest.approx(100.0)
    t, d = scores.score_tables(s.ratings, s.scale)
    pd.testing.assert_frame_equal(d, dist)
    pd.testing.assert_frame_equal(t, scores.stage_scores(s.ratings, s.scale))


# ---------------------------------------------------------------- rank tests from counts


@pytest.mark.parametrize("continuity", [True, False])
def test_mann_whitney_from_counts_matches_scipy(continuity):
    rng = np.random.default_rng(11)
    for _ in range(20):
        a = rng.integers(0, 20, size=5)
        b = rng.integers(0, 30, size=5)
        x, y = np.repeat(np.arange(5.0), a), np.repeat(np.arange(5.0), b)
        u, p = kernel.mann_whitney_from_counts(a, b, use_continuity=continuity)
        ref = stats.mannwhitneyu(x, y, method="asymptotic", use_continuity=continuity)
        assert u == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue)


def test_kruskal_from_counts_matches_scipy():
    rng = np.random.default_rng(12)
    for k in (2, 3, 5):
        c = rng.integers(0, 15, size=(k, 7))
        h, p = kernel.kruskal_from_counts(c)
        ref = stats.kruskal(*[np.repeat(np.arange(7.0), row) for row in c])
        assert h == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue)
    assert np.isnan(kernel.kruskal_from_counts(np.array([[3, 0], [2, 0]]))[0])  # no spread
    assert np.isnan(kernel.kruskal_from_counts(np.array([[3, 1]]))[1])  # one group


# ---------------------------------------------------------------- stage changes against scipy.stats.wilcoxon


def _pairs(s, a, b):
    wide = s.ratings.pivot(index="response_id", columns="stage", values="score")
    both = wide[[a, b]].dropna()
    return both[a].to_numpy(), both[b].to_numpy()


@pytest.mark.parametrize("n, rate", [(40, 0.8), (25, 0.9), (7, 0.9), (8, 1.0), (3000, 0.7)])
def test_stage_changes_match_scipy_wilcoxon(n, rate):
    s = make_survey(n, 4, Scale(1, 7), seed=n, answer_rate=rate, stage_means=[0.5, 0.7, 0.6, 0.6])
    ch = scores.stage_changes(s.ratings)
    assert ch["stage_from"].tolist() == list(s.stages[:-1]) and ch["stage_to"].tolist() == list(s.stages[1:])
    for _, row in ch.iterrows():
        x, y = _pairs(s, row["stage_from"], row["stage_to"])
        assert row["n_pairs"] == len(x)
        assert row["mean_from"] == pytest.approx(x.mean()) and row["mean_to"] == pytest.approx(y.mean())
        assert row["mean_change"] == pytest.approx((y - x).mean())
        ref = stats.wilcoxon(y, x)  # scipy's defaults: the reference
        assert row["statistic"] == pytest.approx(ref.statistic)
        assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
        d = (y - x)[y != x]
        r = stats.rankdata(np.abs(d))
        assert row["effect_size"] == pytest.approx((r[d > 0].sum() - r[d < 0].sum()) / r.sum())


def test_stage_changes_degenerate_pairs():
    # one pair only: NaN p (fewer than 2 usable pairs); identical answers: no test (NaN p, change 0)
    s = survey_from_wide({"A": [1, 5, None, 3, 3], "B": [4, None, 2, None, None], "C": [None, 2, 2, 3, 3]})
    ch = scores.stage_changes(s.ratings)
    assert ch["n_pairs"].tolist() == [1, 1]
    assert ch["p_value"].isna().all()
    same = survey_from_wide({"A": [3] * 60, "B": [3] * 60})
    row = scores.stage_changes(same.ratings).iloc[0]
    assert row["n_pairs"] == 60 and row["mean_change"] == 0.0 and np.isnan(row["p_value"])


# ---------------------------------------------------------------- property check on arbitrary small answer sets

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=0, max_size=40))
def test_stage_scores_property_against_numpy(answers):
    s = survey_from_wide({"A": answers}, Scale(0, 10))
    row = scores.stage_scores(s.ratings, s.scale).iloc[0]
    x = np.array([a for a in answers if a is not None], dtype=float)
    assert row["n"] == len(x)
    if len(x) == 0:
        assert np.isnan(row["mean"]) and np.isnan(row["nps"])
        return
    assert row["mean"] == pytest.approx(x.mean()) and row["median"] == np.median(x)
    assert row["nps"] == pytest.approx(100 * ((x >= 9).sum() - (x <= 6).sum()) / len(x))
    if len(x) > 1:
        assert row["sd"] == pytest.approx(np.std(x, ddof=1), abs=1e-12)
    else:
        assert np.isnan(row["sd"])


# ---------------------------------------------------------------- intervals that stay on the scale


def test_box_and_nps_part_intervals_are_wilson_like_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    s = make_survey(300, 3, Scale(0, 10), seed=41, answer_rate=[1.0, 0.1, 0.02])
    table = scores.stage_scores(s.ratings, s.scale, confidence=0.9)
    for _, row in table.iterrows():
        x = _raw(s, row["stage"])
        for col, hits in (("top_box", np.isin(x, s.scale.top_box).sum()), ("bottom_box", np.isin(x, s.scale.bottom_box).sum()),
                          ("promoters", (x >= 9).sum()), ("detractors", (x <= 6).sum())):
            lo, hi = proportion_confint(hits, len(x), alpha=0.1, method="wilson")
            assert (row[f"{col}_ci_low"], row[f"{col}_ci_high"]) == pytest.approx((100 * lo, 100 * hi), abs=1e-9)
            assert 0.0 <= row[f"{col}_ci_low"] <= row[f"{col}_ci_high"] <= 100.0
        assert row["promoters_pct"] - row["detractors_pct"] == pytest.approx(row["nps"])
    five = scores.stage_scores(make_survey(50, 1, Scale(1, 5), seed=42).ratings, Scale(1, 5))
    assert five[["promoters_pct", "promoters_ci_low", "detractors_ci_high"]].isna().all().all()  # no NPS on 1-5


def test_mean_interval_never_leaves_the_scale():
    # Hand fixture: five answers 1, 5, 5, 5, 5 on 1-5; the t-interval 1.98-6.42 is cut at 5.
    s = survey_from_wide({"A": [1, 5, 5, 5, 5]}, Scale(1, 5))
    row = scores.stage_scores(s.ratings, s.scale).iloc[0]
    x = np.array([1.0, 5, 5, 5, 5])
    lo, hi = stats.t.interval(0.95, 4, loc=x.mean(), scale=stats.sem(x))
    assert hi > 5 and row["ci_high"] == 5.0 and row["ci_low"] == pytest.approx(lo)
    low = scores.stage_scores(survey_from_wide({"A": [1, 1, 1, 1, 5]}, Scale(1, 5)).ratings, Scale(1, 5)).iloc[0]
    assert low["ci_low"] == 1.0 and low["ci_high"] < 5
    rng = np.random.default_rng(43)  # any small sample: the interval holds the mean and stays on the scale
    for _ in range(50):
        answers = list(rng.integers(1, 6, rng.integers(2, 8)))
        r = scores.stage_scores(survey_from_wide({"A": answers}, Scale(1, 5)).ratings, Scale(1, 5)).iloc[0]
        assert 1.0 <= r["ci_low"] <= r["mean"] <= r["ci_high"] <= 5.0
