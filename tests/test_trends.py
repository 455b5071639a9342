"""Per-period scores and last-vs-previous change, against pandas periods and scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cycle_analytics.stats import trends
from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale
from synth import make_survey, survey_from_wide

TREND = ["stage", "period", "period_label", "n", "mean", "ci_low", "ci_high", "score_100", "small_sample"]
CHANGE = ["stage", "period_last", "period_previous", "n_last", "n_previous", "mean_last", "mean_previous", "change", "p_value", "test"]


def test_choose_period_thresholds():
    d0 = pd.Timestamp("2026-01-01")
    pick = lambda days: trends.choose_period(pd.Series([d0, d0 + pd.Timedelta(days=days), pd.NaT]))  # noqa: E731
    assert pick(0) == "W" and pick(120) == "W"
    assert pick(121) == "M" and pick(1096) == "M"
    assert pick(1097) == "Q"
    assert trends.choose_period(pd.Series([pd.NaT, pd.NaT], dtype="datetime64[ns]")) == "M"


def test_period_labels_and_starts():
    # Hand-checked against the ISO calendar: 2026-03-09 is the Monday of ISO week 11; 2026-01-01
    # (a Thursday) is in ISO week 1 of 2026, which starts on Monday 2025-12-29.
    s = survey_from_wide({"A": [3, 4, 5]}, dates=["2026-03-09", "2026-03-15", "2026-01-01"])
    w = trends.trend_scores(s.ratings, s.responses, s.scale, freq="W", min_n=1)
    assert w["period_label"].iloc[0] == "2026-W01" and w["period"].iloc[0] == pd.Timestamp("2025-12-29")
    row = w.set_index("period_label").loc["2026-W11"]
    assert row["period"] == pd.Timestamp("2026-03-09") and row["n"] == 2 and row["mean"] == 3.5
    assert len(w) == 11  # every week from W01 to W11, empty ones included
    assert (w["n"] == 0).sum() == 9 and w.loc[w["n"] == 0, "mean"].isna().all()
    m = trends.trend_scores(s.ratings, s.responses, s.scale, freq="M")
    assert m["period_label"].tolist() == ["2026-01", "2026-02", "2026-03"]
    assert m["period"].tolist() == [pd.Timestamp(x) for x in ("2026-01-01", "2026-02-01", "2026-03-01")]
    q = trends.trend_scores(s.ratings, s.responses, s.scale, freq="Q")
    assert q["period_label"].tolist() == ["2026-Q1"] and q["n"].tolist() == [3]
    q2 = survey_from_wide({"A": [3, 4]}, dates=["2025-11-30", "2026-04-01"])
    assert trends.trend_scores(q2.ratings, q2.responses, q2.scale, freq="Q")["period_label"].tolist() == ["2025-Q4", "2026-Q1", "2026-Q2"]


@pytest.mark.parametrize("freq, pfreq", [("W", "W-SUN"), ("M", "M"), ("Q", "Q")])
def test_trend_scores_match_pandas_periods(freq, pfreq):
    s = make_survey(1200, 3, Scale(1, 7), seed=31, span_days=400, date_missing_rate=0.05)
    t = trends.trend_scores(s.ratings, s.responses, s.scale, freq=freq, min_n=25)
    assert list(t.columns[: len(TREND)]) == TREND
    rc = s.ratings["response_id"].cat.codes.to_numpy()
    dates = pd.Series(s.responses["date"].to_numpy()[rc])
    raw = s.ratings.assign(period=dates.dt.to_period(pfreq).dt.start_time.to_numpy()).dropna(subset=["period"])
    ref = raw.groupby(["stage", "period"], observed=True)["score"].agg(["size", "mean", "sem"])
    nz = t[t["n"] > 0]
    assert len(nz) == len(ref)
    for _, row in nz.iterrows():
        n, mean, sem = ref.loc[(row["stage"], row["period"])]
        assert row["n"] == n and row["mean"] == pytest.approx(mean)
        assert row["score_100"] == pytest.approx((mean - 1) / 6 * 100)
        if n > 1:
            lo, hi = stats.t.interval(0.95, n - 1, loc=mean, scale=sem)
            assert row["ci_low"] == pytest.approx(lo) and row["ci_high"] == pytest.approx(hi)
        assert row["small_sample"] == (n < 25)
    # undated respondents are left out and counted
    undated = s.responses["date"].isna().to_numpy()
    assert t.attrs["undated_respondents"] == int(undated.sum()) > 0
    per_stage = s.ratings[undated[rc]].groupby("stage", observed=False).size()
    assert t.groupby("stage", observed=True)["n_undated"].first().tolist() == per_stage.tolist()
    assert t.groupby("stage", observed=True)["n"].sum().tolist() == (s.ratings[~undated[rc]].groupby("stage", observed=False).size()).tolist()


def test_auto_period_from_span():
    s = make_survey(300, 2, seed=32, span_days=90)
    t = trends.trend_scores(s.ratings, s.responses, s.scale)
    assert t.attrs["freq"] == "W" and t["period_label"].str.contains("-W").all()
    s = make_survey(300, 2, seed=32, span_days=700)
    assert trends.trend_scores(s.ratings, s.responses, s.scale).attrs["freq"] == "M"


def test_period_change_matches_scipy_and_finds_planted_drop():
    # planted: ratings in the last 30 days (= the last month: Jan-Apr 2026, 120 days) drop by 0.15
    s = make_survey(4000, 3, Scale(1, 5), seed=33, start="2026-01-01", span_days=120, last_days_shift=(30, -0.15))
    ch = trends.period_change(s.ratings, s.responses, s.scale, freq="M")
    assert list(ch.columns[: len(CHANGE)]) == CHANGE
    assert (ch["period_label_last"] == "2026-04").all() and (ch["period_label_previous"] == "2026-03").all()
    assert (ch["period_last"] == pd.Timestamp("2026-04-01")).all()
    assert (ch["test"] == "Mann-Whitney U").all()
    rc = s.ratings["response_id"].cat.codes.to_numpy()
    month = pd.Series(s.responses["date"].to_numpy()[rc]).dt.strftime("%Y-%m").to_numpy()
    for _, row in ch.iterrows():
        st = (s.ratings["stage"] == row["stage"]).to_numpy()
        x = s.ratings.loc[st & (month == "2026-04"), "score"].to_numpy()
        y = s.ratings.loc[st & (month == "2026-03"), "score"].to_numpy()
        ref = stats.mannwhitneyu(x, y, method="asymptotic", use_continuity=True)
        assert row["n_last"] == len(x) and row["n_previous"] == len(y)
        assert row["change"] == pytest.approx(x.mean() - y.mean())
        assert row["p_value"] == pytest.approx(ref.pvalue) and row["u_statistic"] == pytest.approx(ref.statistic)
        assert row["change"] < 0 and row["p_value"] < 0.001
    tt, cc = trends.trend_tables(s.ratings, s.responses, s.scale, freq="M")
    pd.testing.assert_frame_equal(cc, ch)
    pd.testing.assert_frame_equal(tt, trends.trend_scores(s.ratings, s.responses, s.scale, freq="M"))


def test_no_dates_gives_empty_tables():
    s = make_survey(50, 2, seed=34, span_days=None)
    assert "date" not in s.responses.columns
    t = trends.trend_scores(s.ratings, s.responses, s.scale)
    c = trends.period_change(s.ratings, s.responses, s.scale)
    assert len(t) == 0 and list(t.columns[: len(TREND)]) == TREND
    assert len(c) == 0 and list(c.columns[: len(CHANGE)]) == CHANGE
    assert t.attrs["undated_respondents"] == 0
    # a date column with no date in it
    nat = s.responses.assign(date=pd.Series([pd.NaT] * len(s.responses), dtype="datetime64[ns]"))
    t = trends.trend_scores(s.ratings, nat, s.scale)
    assert len(t) == 0 and t.attrs["undated_respondents"] == 50
    assert len(trends.period_change(s.ratings, nat, s.scale)) == 0


def test_edge_cases():
    # a single period: trend rows, but no change
    s = survey_from_wide({"A": [3, 4], "B": [None, None]}, dates=["2026-05-04", "2026-05-05"])
    t = trends.trend_scores(s.ratings, s.responses, s.scale)
    assert t["n"].tolist() == [2, 0] and t["small_sample"].all() and np.isnan(t["mean"].iloc[1])
    assert len(trends.period_change(s.ratings, s.responses, s.scale)) == 0
    # empty last-but-one period: n_previous = 0, NaN p, no error
    g = survey_from_wide({"A": [3, 4, 5]}, dates=["2026-01-10", "2026-03-10", "2026-03-11"])
    row = trends.period_change(g.ratings, g.responses, g.scale, freq="M").iloc[0]
    assert row["period_label_previous"] == "2026-02" and row["n_previous"] == 0 and np.isnan(row["p_value"])
    # empty survey with a date column
    e = survey_from_wide({"A": []}, dates=[])
    assert len(trends.trend_scores(e.ratings, e.responses, e.scale)) == 0
    with pytest.raises(SurveyError, match="W \\(week\\)"):
        trends.trend_scores(s.ratings, s.responses, s.scale, freq="D")
    bad = s.responses.assign(date=["2026-01-01", "x"])
    with pytest.raises(SurveyError, match="dates"):
        trends.trend_scores(s.ratings, bad, s.scale)


def test_timezone_aware_dates():
    s = survey_from_wide({"A": [3, 4]}, dates=["2026-03-02", "2026-03-20"])
    tz = s.responses.assign(date=s.responses["date"].dt.tz_localize("Europe/Madrid"))
    t = trends.trend_scores(s.ratings, tz, s.scale, freq="M")
    assert t["period_label"].tolist() == ["2026-03"] and t["n"].tolist() == [2]


@pytest.mark.parametrize("correction", ["holm", "fdr_bh"])
def test_period_change_is_corrected_across_stages_like_statsmodels(correction):
    from statsmodels.stats.multitest import multipletests

    s = make_survey(3000, 5, Scale(1, 5), seed=34, start="2026-01-01", span_days=120, last_days_shift=(30, -0.1))
    ch = trends.period_change(s.ratings, s.responses, s.scale, freq="M", correction=correction)
    np.testing.assert_allclose(ch["p_adjusted"], multipletests(ch["p_value"], method=correction)[1])
    assert (ch["correction"] == correction).all() and (ch["p_adjusted"] >= ch["p_value"]).all()
    with pytest.raises(SurveyError, match="correction"):
        trends.period_change(s.ratings, s.responses, s.scale, correction="sidak")
