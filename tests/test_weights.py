"""Survey weights: the weight column's recognition and choice, Kish's effective n and the weighted
stage figures, checked against statsmodels' DescrStatsW and hand-computed fixtures; a weight of 1
for everyone gives exactly the unweighted analysis."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from cycle_analytics.cli import main
from cycle_analytics.cycles import load_cycle
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.scales import Scale
from cycle_analytics.stats.analysis import analysis_json, analyze
from cycle_analytics.stats.scores import weighted_score_tables
from cycle_analytics.stats.survey_tables import SurveyTables
from cycle_analytics.stats.tables import WeightedCounts
from cycle_analytics.stats.weights import (
    WeightUse,
    effective_counts,
    kish_effective_n,
    respondent_weights,
    weighted_mean_sd,
    weighted_median_from_counts,
    weighted_summary,
)

ROOT = Path(__file__).resolve().parents[1]
SFO = ROOT.parent / "shared" / "realdata" / "sfo_customer_survey_2017.csv"
BANK = ROOT / "data" / "sample" / "bank_visit_long.csv"


def weighted_csv(n: int = 80, seed: int = 3, weight_name: str = "peso") -> bytes:
    """A small wide survey with three stages, an outcome and a non-whole weight column."""
    rng = np.random.default_rng(seed)
    rows = ["id,arrival,waiting,payment,overall_satisfaction," + weight_name]
    for i in range(n):
        a, b, c = rng.integers(1, 6, size=3)
        o = int(np.clip(round((a + b + c) / 3 + rng.normal(0, 0.7)), 1, 5))
        rows.append(f"r{i},{a},{b},{c},{o},{rng.uniform(0.3, 2.2):.4f}")
    return ("\n".join(rows) + "\n").encode()


def table_of(y: np.ndarray, w: np.ndarray, scale: Scale) -> WeightedCounts:
    """The one-stage weighted count table of raw answers ``y`` with weights ``w`` (brute force)."""
    idx = (y - scale.minimum).astype(int)
    k = scale.points
    return WeightedCounts(np.bincount(idx, minlength=k)[None, :], np.bincount(idx, weights=w, minlength=k)[None, :],
                          np.bincount(idx, weights=w * w, minlength=k)[None, :])


# ----------------------------------------------------------------------------------- recognition


def test_a_weight_column_is_proposed_never_a_stage_and_can_be_refused_or_chosen():
    data = weighted_csv()
    s = import_survey(data, file_name="w.csv")
    assert s.info.weight_column == "peso" and "peso" not in s.stages
    role = next(c for c in s.info.columns if c.column == "peso")
    assert role.role == "weight" and "proposed" in role.detail
    assert "peso" in s.info.reasons["weight"]
    none = import_survey(data, ImportOptions(weight=""), file_name="w.csv")
    assert none.info.weight_column is None and none.stages == s.stages
    chosen = import_survey(data, ImportOptions(weight="PESO"), file_name="w.csv")
    assert chosen.info.weight_column == "peso" and chosen.info.reasons["weight"] == "Your choice."


@pytest.mark.parametrize("name", ["weight", "wt", "bobot", "ponderacion"])
def test_weight_names_in_several_languages_are_proposed(name):
    assert import_survey(weighted_csv(40, weight_name=name), file_name="w.csv").info.weight_column == name


def test_a_chosen_weight_column_must_hold_non_negative_numbers():
    text = "id,arrival,waiting,overall,w\n" + "\n".join(f"r{i},{1 + i % 5},{1 + i % 4},{1 + i % 3},{-0.5 if i == 3 else 1.5}"
                                                         for i in range(20))
    with pytest.raises(SurveyError, match="negative"):
        import_survey(text.encode(), ImportOptions(weight="w"), file_name="w.csv")
    with pytest.raises(SurveyError, match="no column 'nope'"):
        import_survey(text.encode(), ImportOptions(weight="nope"), file_name="w.csv")


def test_sfo_weight_column_is_recognised_and_applied():
    s = import_survey(SFO)
    assert s.info.weight_column == "WEIGHT" and "WEIGHT" not in s.stages
    use = SurveyTables(s).weight_use()
    w = s.responses["WEIGHT"].to_numpy()
    assert use.column == "WEIGHT" and use.respondents == len(s.responses) and use.unusable == 0
    assert use.n_eff == pytest.approx(w.sum() ** 2 / (w * w).sum())


def test_cli_weight_options_and_the_json_says_which_weight(tmp_path, capsys):
    path = tmp_path / "w.csv"
    path.write_bytes(weighted_csv())
    assert main(["analyze", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["weight"]["column"] == "peso" and out["dataset"]["weight_column"] == "peso"
    assert out["weight"]["n_eff"] < out["weight"]["respondents"] == 80
    assert all("n_eff" in st for st in out["stages"])
    assert main(["analyze", str(path), "--json", "--no-weight"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["weight"]["column"] is None and out["dataset"]["weight_column"] is None
    assert all("n_eff" not in st for st in out["stages"])
    assert main(["analyze", str(path), "--json", "--weight", "peso"]) == 0
    assert json.loads(capsys.readouterr().out)["weight"]["column"] == "peso"
    with pytest.raises(SystemExit) as stop:  # argparse refuses both at once
        main(["analyze", str(path), "--weight", "peso", "--no-weight"])
    assert stop.value.code == 2 and "not allowed with" in capsys.readouterr().err
    assert main(["analyze", str(path), "--weight", "nothing"]) == 2
    assert "no column 'nothing' to use as the survey weight" in capsys.readouterr().err


# ----------------------------------------------------------------------------------- primitives


def test_kish_effective_n_hand_computed():
    # (1 + 1 + 2 + 2)^2 / (1 + 1 + 4 + 4) = 36 / 10
    assert kish_effective_n(np.array([1.0, 1.0, 2.0, 2.0])) == pytest.approx(3.6)
    assert kish_effective_n(np.full(7, 0.4)) == pytest.approx(7.0)
    w, bad = respondent_weights([1.0, np.nan, -2.0, 0.5])
    assert w.tolist() == [1.0, 0.0, 0.0, 0.5] and bad == 2


def test_weighted_stage_figures_hand_computed():
    # answers 1, 2, 4, 5 on 1-5 with weights 1, 1, 2, 2: sum w = 6, sum w y = 21, mean 3.5;
    # top box (4-5) 4/6, bottom box (1-2) 2/6; n_eff = 36/10 = 3.6; weighted median: cumulative
    # shares 1/6, 2/6, 2/6, 4/6 -> 4.
    y, w = np.array([1.0, 2.0, 4.0, 5.0]), np.array([1.0, 1.0, 2.0, 2.0])
    out = weighted_summary(table_of(y, w, Scale(1, 5)), Scale(1, 5))
    assert int(out["n"][0]) == 4 and out["n_eff"][0] == pytest.approx(3.6)
    assert out["mean"][0] == pytest.approx(3.5)
    assert out["top_box_pct"][0] == pytest.approx(400 / 6) and out["bottom_box_pct"][0] == pytest.approx(200 / 6)
    assert out["median"][0] == 4.0
    # sd: sum w (y - 3.5)^2 = 6.25 + 2.25 + 0.5 + 4.5 = 13.5; / 6 * 3.6 / 2.6
    assert out["sd"][0] == pytest.approx(np.sqrt(13.5 / 6 * 3.6 / 2.6))


def test_weighted_nps_hand_computed():
    # 0-10: answers 10, 9, 3 with weights 0.5, 0.5, 3: promoters 1/4, detractors 3/4 -> NPS -50
    y, w = np.array([10.0, 9.0, 3.0]), np.array([0.5, 0.5, 3.0])
    out = weighted_summary(table_of(y, w, Scale(0, 10)), Scale(0, 10))
    assert out["nps"][0] == pytest.approx(-50.0)
    assert out["promoters_pct"][0] == pytest.approx(25.0) and out["detractors_pct"][0] == pytest.approx(75.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_mean_sd_and_interval_match_statsmodels_descrstatsw(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(1, 6, size=150).astype(float)
    w = rng.gamma(2.0, 0.5, size=150)
    out = weighted_summary(table_of(y, w, Scale(1, 5)), Scale(1, 5))
    n_eff = w.sum() ** 2 / (w * w).sum()
    d = DescrStatsW(y, weights=w)
    assert out["mean"][0] == pytest.approx(d.mean, rel=1e-12)
    # statsmodels with the weights rescaled to sum to n_eff: the frequency-weight formulas
    # (ddof = 1, t with n_eff - 1 degrees of freedom) are the Kish-based ones
    scaled = DescrStatsW(y, weights=w * n_eff / w.sum(), ddof=1)
    assert out["sd"][0] == pytest.approx(scaled.std, rel=1e-10)
    lo, hi = scaled.tconfint_mean(alpha=0.05)
    assert (out["ci_low"][0], out["ci_high"][0]) == pytest.approx((lo, hi), rel=1e-10)
    assert out["n_eff"][0] == pytest.approx(n_eff) and int(out["n"][0]) == 150
    mean, sd, n_eff2 = weighted_mean_sd(y, w)
    assert (mean, sd, n_eff2) == pytest.approx((d.mean, scaled.std, n_eff), rel=1e-10)
    # the box share: weighted proportion, Wilson interval with n_eff trials (statsmodels)
    share = w[y >= 4].sum() / w.sum()
    assert out["top_box_pct"][0] == pytest.approx(100 * share)
    lo, hi = proportion_confint(share * n_eff, n_eff, alpha=0.05, method="wilson")
    assert (out["top_box_ci_low"][0], out["top_box_ci_high"][0]) == pytest.approx((100 * lo, 100 * hi), rel=1e-10)


def test_weighted_median_equals_numpy_median_with_whole_counts():
    rng = np.random.default_rng(5)
    for _ in range(50):
        y = rng.integers(0, 6, size=int(rng.integers(1, 12)))
        assert weighted_median_from_counts(np.bincount(y, minlength=6).astype(float), np.arange(6.0)) == np.median(y)


def test_effective_counts_sum_to_n_eff_and_equal_counts_without_weights():
    t = WeightedCounts(np.array([[2, 0, 3]]), np.array([[2.0, 0.0, 3.0]]), np.array([[2.0, 0.0, 3.0]]))
    c, n_eff = effective_counts(t)
    assert c.tolist() == [[2.0, 0.0, 3.0]] and n_eff.tolist() == [5.0]


def test_weighted_pattern_table_sums_the_weights_of_each_cell():
    s = import_survey(weighted_csv(), file_name="w.csv")
    p = SurveyTables(s).score_patterns()
    t = p.weighted_score_table()
    w = s.responses["peso"].to_numpy()
    wide = s.ratings.pivot(index="response_id", columns="stage", values="score").reindex(s.responses["response_id"])
    for j, stage in enumerate(s.stages):
        y = wide[stage].to_numpy()
        for a, v in enumerate(s.scale.values):
            hit = y == v
            assert t.counts[j, a] == hit.sum()
            assert t.weights[j, a] == pytest.approx(w[hit].sum())
            assert t.squares[j, a] == pytest.approx((w[hit] ** 2).sum())
    assert p.respondents == len(s.responses) and p.respondent_weights().sum() == pytest.approx(w.sum())
    assert np.array_equal(p.score_table(), t.counts)


# ----------------------------------------------------------------------------------- analysis


def test_weighted_analysis_scores_are_the_weighted_figures():
    s = import_survey(weighted_csv(), file_name="w.csv")
    a = analyze(s)
    assert a.weight.column == "peso" and a.weight.caption().startswith("weighted by peso")
    assert any(n.startswith("Weighted by peso") for n in a.notes)
    wide = s.ratings.pivot(index="response_id", columns="stage", values="score").reindex(s.responses["response_id"])
    w = s.responses["peso"].to_numpy()
    row = a.scores.set_index("stage").loc["waiting"]
    y = wide["waiting"].to_numpy()
    rated = ~np.isnan(y)
    assert row["n"] == rated.sum() and row["mean"] == pytest.approx(DescrStatsW(y[rated], weights=w[rated]).mean)
    assert row["n_eff"] == pytest.approx(kish_effective_n(w[rated]))
    dist = a.distribution[a.distribution["stage"] == "waiting"]
    assert dist["pct"].sum() == pytest.approx(100.0) and dist["weight"].sum() == pytest.approx(w[rated].sum())
    assert analysis_json(s, a)["weight"]["column"] == "peso"


def test_a_weight_of_one_for_everyone_gives_exactly_the_unweighted_analysis():
    bank = import_survey(BANK, ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",)))
    assert bank.info.weight_column is None
    ones = replace(bank, responses=bank.responses.assign(w=1.0), info=replace(bank.info, weight_column="w"))
    plain, weighted = analyze(bank), analyze(ones)
    assert weighted.weight.column == "w" and plain.weight.column is None
    assert weighted.weight.n_eff == len(bank.responses) and weighted.weight.caption() == "weighted by w"
    scores = weighted.scores
    assert scores["n_eff"].tolist() == scores["n"].astype(float).tolist()
    pd.testing.assert_frame_equal(scores.drop(columns="n_eff"), plain.scores, check_exact=True)
    dist = weighted.distribution
    assert dist["weight"].tolist() == dist["count"].astype(float).tolist()
    pd.testing.assert_frame_equal(dist.drop(columns="weight"), plain.distribution, check_exact=True)
    assert len(weighted.segments) and len(weighted.trends)  # the sample has segments and dates
    for name in ("segments", "trends"):  # n_eff beside n, equal to it
        table = getattr(weighted, name)
        assert table["n_eff"].tolist() == table["n"].astype(float).tolist()
    assert weighted.changes["n_eff"].tolist() == weighted.changes["n_pairs"].astype(float).tolist()
    for name in ("changes", "importance", "penalties", "moments", "priorities", "segments", "segment_tests", "trends",
                 "trend_change"):
        table = getattr(weighted, name)
        table = table.drop(columns="n_eff") if name in ("segments", "trends", "changes") else table
        pd.testing.assert_frame_equal(table, getattr(plain, name), check_exact=True, obj=name)
    assert [n for n in weighted.notes if not n.startswith("Weighted by")] == list(plain.notes)


def test_a_source_that_cannot_apply_a_weight_refuses_it():
    class NoWeighting:
        """A table source with a weight column it cannot apply (no weight_use)."""

        def __init__(self, tables):
            self._tables = tables
            self.weight_column = tables.weight_column

        def __getattr__(self, name):
            if name == "weight_use":
                raise AttributeError(name)
            return getattr(self._tables, name)

    s = import_survey(weighted_csv(), file_name="w.csv")
    with pytest.raises(SurveyError, match="cannot apply the survey weight 'peso'"):
        analyze(NoWeighting(SurveyTables(s)))


def test_weight_use_caption_shows_effective_n_only_when_it_differs_by_more_than_ten_percent():
    assert WeightUse(None).caption() == ""
    assert WeightUse("W", 100, 0, 95.0).caption() == "weighted by W"
    assert WeightUse("W", 100, 0, 85.0).caption() == "weighted by W (effective n 85 of 100 respondents)"


# ----------------------------------------------------------------------------------- weighted models


def dated_weighted_csv(n: int = 400, seed: int = 7) -> bytes:
    """A wide survey with a date, a region, three stages driving the outcome and a weight column."""
    rng = np.random.default_rng(seed)
    rows = ["id,date,region,arrival,waiting,payment,overall_satisfaction,weight"]
    for i in range(n):
        a, b, c = rng.integers(1, 6, size=3)
        o = int(np.clip(round(1 + 0.35 * a + 0.25 * b + 0.2 * c + rng.normal(0, 0.6)), 1, 5))
        rows.append(f"r{i},2026-0{1 + i % 3}-1{i % 9},{'north' if i % 2 else 'south'},{a},{b},{c},{o},{rng.uniform(0.3, 2.5):.3f}")
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture(scope="module")
def weighted_survey():
    s = import_survey(dated_weighted_csv(), file_name="dated.csv")
    assert s.info.weight_column == "weight" and s.info.segments == ("region",)
    return s, analyze(s)


def expanded(s):
    """One row per respondent: the stage scores (NaN = not rated), the outcome and the weight."""
    wide = s.ratings.pivot(index="response_id", columns="stage", values="score").reindex(s.responses["response_id"])
    return wide[list(s.stages)].to_numpy(), s.responses["overall_satisfaction"].to_numpy(float), s.responses["weight"].to_numpy()


def test_penalty_reward_model_is_weighted_least_squares_with_hc3_errors(weighted_survey):
    import statsmodels.api as sm

    s, a = weighted_survey
    x, y, w = expanded(s)
    bottom, top = np.asarray(s.scale.bottom_box, float), np.asarray(s.scale.top_box, float)
    columns = [np.ones(len(y))]
    for j in range(x.shape[1]):
        columns += [np.isin(x[:, j], bottom), np.isin(x[:, j], top), np.isnan(x[:, j])]
    design = np.column_stack(columns).astype(float)[:, [0] + [1 + 3 * j + k for j in range(x.shape[1]) for k in (0, 1)]]
    ref = sm.WLS(y, design, weights=w).fit(cov_type="HC3")  # nobody skipped a stage: no not-rated columns
    pen = a.penalties.set_index("stage").loc[list(s.stages)]
    assert pen["penalty"].to_numpy() == pytest.approx(-ref.params[1::2], rel=1e-9)
    assert pen["reward"].to_numpy() == pytest.approx(ref.params[2::2], rel=1e-9)
    assert pen["p_value"].to_numpy() == pytest.approx(ref.pvalues[1::2], rel=1e-7)
    lo, hi = ref.conf_int().T
    assert pen["penalty_ci_low"].to_numpy() == pytest.approx(-hi[1::2], rel=1e-9)
    assert pen["r_squared"].iloc[0] == pytest.approx(ref.rsquared, rel=1e-9)
    assert (pen["n_model"] == len(y)).all()


def test_relative_weights_use_the_weighted_correlations_and_a_weighted_regression(weighted_survey):
    import statsmodels.api as sm

    from cycle_analytics.stats.drivers.importance import johnson_weights

    s, a = weighted_survey
    x, y, w = expanded(s)
    cov = np.cov(np.column_stack([x, y]).T, aweights=w)  # the weighted covariances (numpy's aweights)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    eps, r2 = johnson_weights(corr)
    imp = a.importance.set_index("stage").loc[list(s.stages)]
    assert imp["weight"].to_numpy() == pytest.approx(eps, rel=1e-9)
    ref = sm.WLS(y, sm.add_constant(x), weights=w).fit(cov_type="HC3")
    assert imp["coefficient"].to_numpy() == pytest.approx(ref.params[1:], rel=1e-9)
    assert imp["p_value"].to_numpy() == pytest.approx(ref.pvalues[1:], rel=1e-6)
    assert (imp["importance_ci_low"] <= imp["importance"]).all() and (imp["importance"] <= imp["importance_ci_high"]).all()


def test_the_bootstrap_keeps_each_respondents_weight(weighted_survey):
    from cycle_analytics.stats.drivers.importance import importance_draws

    s, a = weighted_survey
    # down-weight the south to almost nothing: the resampled performance follows the weighted figure
    south = (s.responses["region"] == "south").to_numpy()
    tilted = replace(s, responses=s.responses.assign(weight=np.where(south, 1e-3, 1.0)))
    patterns = SurveyTables(tilted).score_patterns(SurveyTables(tilted).default_outcome())
    draws = importance_draws(patterns, 200, seed=1)
    weighted_100 = analyze(tilted, settings=replace(a.settings, n_boot=0)).scores["score_100"].to_numpy()
    assert np.nanmean(draws.performance, axis=0) == pytest.approx(weighted_100, abs=1.0)
    plain_100 = analyze(replace(tilted, info=replace(tilted.info, weight_column=None)), settings=replace(a.settings, n_boot=0))
    assert np.abs(weighted_100 - plain_100.scores["score_100"].to_numpy()).max() > 1.0  # the weights matter here


def test_priorities_use_the_weighted_performance(weighted_survey):
    _, a = weighted_survey
    perf = a.priorities.set_index("stage")["performance"]
    scores = a.scores.set_index("stage")["score_100"]
    assert perf.loc[scores.index].to_numpy() == pytest.approx(scores.to_numpy(), rel=1e-12)


def test_segments_and_trends_are_weighted_with_kish_n(weighted_survey):
    s, a = weighted_survey
    x, _, w = expanded(s)
    region = s.responses["region"].astype(str).to_numpy()
    row = a.segments[(a.segments["value"].astype(str) == "north") & (a.segments["stage"] == "waiting")].iloc[0]
    hit = region == "north"
    j = s.stages.index("waiting")
    assert row["n"] == hit.sum() and row["n_eff"] == pytest.approx(kish_effective_n(w[hit]))
    assert row["mean"] == pytest.approx(DescrStatsW(x[hit, j], weights=w[hit]).mean)
    assert row["rest_mean"] == pytest.approx(DescrStatsW(x[~hit, j], weights=w[~hit]).mean)
    dates = pd.to_datetime(s.responses["date"])
    first = a.trends[(a.trends["stage"] == "waiting") & (a.trends["n"] > 0)].iloc[0]
    in_period = ((dates >= first["period"]) & (dates < first["period"] + pd.Timedelta(days=7))).to_numpy()
    assert first["n"] == in_period.sum() and first["n_eff"] == pytest.approx(kish_effective_n(w[in_period]))
    assert first["mean"] == pytest.approx(DescrStatsW(x[in_period, j], weights=w[in_period]).mean)
    change = a.trend_change.set_index("stage").loc["waiting"]
    assert change["n_last"] == int(a.trends[(a.trends["stage"] == "waiting")]["n"].iloc[-1])


def test_a_constant_weight_other_than_one_gives_the_unweighted_figures():
    bank = import_survey(BANK, ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",)))
    settings = replace(analyze(bank).settings, n_boot=0)
    plain = analyze(bank, settings=settings)
    scaled = analyze(replace(bank, responses=bank.responses.assign(w=2.5), info=replace(bank.info, weight_column="w")),
                     settings=settings)
    for name, columns in (("scores", ["mean", "ci_low", "ci_high", "top_box_pct", "sd"]), ("segments", ["mean", "p_value"]),
                          ("trends", ["mean", "ci_low"]), ("penalties", ["penalty", "p_value", "reward"]),
                          ("importance", ["importance", "p_value"])):
        left, right = getattr(scaled, name), getattr(plain, name)
        for c in columns:
            assert left[c].to_numpy(float) == pytest.approx(right[c].to_numpy(float), rel=1e-9, abs=1e-12, nan_ok=True), (name, c)


def test_headline_figures_are_weighted(weighted_survey):
    from cycle_analytics.stats.headline import headline_figures

    s, a = weighted_survey
    _, y, w = expanded(s)
    h = headline_figures(s, a.outcome)
    assert h.responses == len(y) and h.outcome_n == len(y)
    assert h.outcome_mean == pytest.approx(DescrStatsW(y, weights=w).mean)
    assert h.csat_pct == pytest.approx(100 * w[y >= 4].sum() / w.sum())
    plain = headline_figures(replace(s, info=replace(s.info, weight_column=None)), a.outcome)
    assert plain.outcome_mean == pytest.approx(y.mean())


# ----------------------------------------------------------------------------------- the app


def test_app_proposes_the_weight_shows_it_on_every_page_and_its_figures_are_the_packages(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from cycle_analytics.i18n import format_decimal
    from cycle_analytics.stats.headline import headline_figures

    monkeypatch.setenv("CYCLE_ANALYTICS_DATA_DIR", str(tmp_path))
    data = dated_weighted_csv(200)
    survey = import_survey(data, file_name="weighted.csv")
    weighted = headline_figures(survey, weighted_spec(survey))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.file_uploader(key="upload").set_value(("weighted.csv", data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    assert any("Weighted by **weight**" in c for c in captions), captions
    value = next(m.value for m in at.metric if m.label == "Overall satisfaction")
    assert value == format_decimal(weighted.outcome_mean, 2)
    for page in ("stage_detail", "critical_moments", "priorities", "segments", "trends"):
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert any("Weighted by **weight**" in c.value for c in at.caption), page
    # the Data page proposes the weight; choosing none gives the unweighted figures
    at.switch_page("app_pages/data.py").run()
    assert at.selectbox(key="data_weight").value == "weight"
    at.selectbox(key="data_weight").set_value("(no weight)")
    next(b for b in at.button if b.label == "Confirm what we read").click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("app_pages/overview.py").run()
    assert not any("Weighted by" in c.value for c in at.caption)
    unweighted = import_survey(data, ImportOptions(weight=""), file_name="weighted.csv")
    plain = headline_figures(unweighted, weighted_spec(unweighted))
    assert next(m.value for m in at.metric if m.label == "Overall satisfaction") == format_decimal(plain.outcome_mean, 2)
    assert plain.outcome_mean != pytest.approx(weighted.outcome_mean, abs=0.005)  # the weight shows in the figure


def weighted_spec(survey):
    """The survey's default outcome (the app's default choice)."""
    return SurveyTables(survey).default_outcome()


def test_one_stages_distribution_by_segment_is_weighted(weighted_survey):
    from cycle_analytics.stats.headline import stage_distribution_by

    s, _ = weighted_survey
    x, _, w = expanded(s)
    d = stage_distribution_by(s, "payment", "region")
    north = d[d["region"] == "north"].set_index("score")
    hit = (s.responses["region"] == "north").to_numpy()
    y = x[hit, s.stages.index("payment")]
    assert north["count"].sum() == hit.sum() and north["n"].iloc[0] == hit.sum()
    assert north.loc[5, "pct"] == pytest.approx(100 * w[hit][y == 5].sum() / w[hit].sum())
