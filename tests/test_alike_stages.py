"""Stages rated almost alike: their groups, their joint penalty and the verdicts on them.

References: statsmodels ``OLS(y, X).fit(cov_type="HC3").t_test(c, use_t=False)`` on the expanded
respondents (one row each, dummies built here with numpy) for the joint penalty of a group; pandas
``DataFrame.corr()`` of the bottom-box indicators, on the respondents who rated both stages, for
the groups; SFO's 2017 customer survey (``../shared/realdata``) for the case that made the rule
necessary (the information booths upstairs and downstairs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cycle_analytics.dataset import OutcomeSpec
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.scales import Scale
from cycle_analytics.stats import critical, drivers
from cycle_analytics.stats.analysis import analyze, outcome_spec
from cycle_analytics.stats.drivers.contrast import ALIKE_PHI, AnswerPatterns, alike_groups

ROOT = Path(__file__).resolve().parents[1]
SFO = ROOT.parent / "shared" / "realdata" / "sfo_customer_survey_2017.csv"
S15 = Scale(1, 5)
RATING = OutcomeSpec("overall", kind="rating", scale=S15, label="Overall satisfaction")


def twin_survey(n=3000, seed=0, twin_effect=-1.2, other_effect=0.0):
    """Four stages; S3 repeats S2 but for a few respondents (a question asked twice), S0 and S1
    are independent. ``twin_effect`` is planted on a bad experience at the twins (S2, and S3 with
    it), ``other_effect`` on one at S1. Returns (ratings, y per rating, matrix, outcome)."""
    rng = np.random.default_rng(seed)
    mood = rng.standard_normal(n)
    mat = np.clip(np.rint(3.6 + 0.4 * mood[:, None] + 0.9 * rng.standard_normal((n, 4))), 1, 5)
    differ = rng.random(n) < 0.06
    mat[:, 3] = np.where(differ, np.clip(mat[:, 2] + rng.choice([-2, 2], n), 1, 5), mat[:, 2])
    bad_twins = mat[:, 2] <= 2
    overall = np.clip(np.rint(3.8 + 0.4 * mood + 0.6 * rng.standard_normal(n) + twin_effect * bad_twins
                              + other_effect * (mat[:, 1] <= 2)), 1, 5)
    mat[rng.random((n, 4)) > 0.95] = np.nan
    keep = ~np.isnan(mat).all(axis=1)
    mat, overall = mat[keep], overall[keep]
    resp, st = np.nonzero(~np.isnan(mat))
    ratings = pd.DataFrame({
        "response_id": pd.Categorical.from_codes(resp, categories=[f"r{i:05d}" for i in range(len(mat))]),
        "stage": pd.Categorical.from_codes(st, categories=["S0", "S1", "S2", "S3"], ordered=True),
        "score": mat[resp, st],
    })
    return ratings, overall[resp], mat, overall


def design(mat: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The model's design from the raw scores (intercept, then bottom/top/N/A per stage)."""
    cols, names = [np.ones(len(mat))], ["const"]
    for j in range(mat.shape[1]):
        x = mat[:, j]
        for name, column in (("bottom", np.isin(x, S15.bottom_box)), ("top", np.isin(x, S15.top_box)), ("na", np.isnan(x))):
            cols.append(column.astype(float))
            names.append(f"{name}{j}")
    return np.column_stack(cols), names


def test_joint_penalty_is_statsmodels_t_test_of_the_sum():
    ratings, y, mat, out = twin_survey(seed=1)
    table = drivers.multivariate_penalty_reward(ratings, y, S15, RATING)
    assert table["alike_group"].tolist() == [0, 0, 1, 1]
    x, names = design(mat)
    ref = sm.OLS(out, x).fit(cov_type="HC3")
    c = np.zeros(len(names))
    c[[names.index("bottom2"), names.index("bottom3")]] = -1.0
    t = ref.t_test(c, use_t=False)
    for j in (2, 3):
        row = table.iloc[j]
        assert row["joint_penalty"] == pytest.approx(float(np.squeeze(t.effect)), rel=1e-9)
        assert row["joint_p_value"] == pytest.approx(float(np.squeeze(t.pvalue)), rel=1e-7, abs=1e-300)
        low, high = np.squeeze(t.conf_int())
        assert (row["joint_ci_low"], row["joint_ci_high"]) == pytest.approx((low, high), rel=1e-9)
    # the sum of the own penalties, each the model's coefficient
    assert table["joint_penalty"].iloc[2] == pytest.approx(table["penalty"].iloc[2] + table["penalty"].iloc[3], rel=1e-12)
    assert table[["joint_penalty", "joint_p_value", "alike_phi"]].iloc[:2].isna().all().all()
    assert table["factor"].iloc[2:].tolist() == ["unclear", "unclear"]


def test_groups_are_the_pandas_correlations_of_the_bottom_box_indicators():
    rng = np.random.default_rng(4)
    n = 600
    base = rng.integers(1, 6, n).astype(float)
    mat = np.column_stack([
        base,
        np.where(rng.random(n) < 0.05, 6 - base, base),  # close to stage 0
        np.where(rng.random(n) < 0.08, rng.integers(1, 6, n), base),  # close to stage 0 too: one group
        rng.integers(1, 6, n).astype(float),  # unrelated
        np.where(rng.random(n) < 0.5, rng.integers(1, 6, n), base),  # half related: phi near 0.5
    ])
    mat[rng.random(mat.shape) < 0.1] = np.nan
    states = np.where(np.isnan(mat), 3, np.where(mat <= 2, 1, np.where(mat >= 4, 2, 0))).astype(np.int8)
    group, phi = alike_groups(AnswerPatterns(states, np.ones(n), np.zeros(n), np.zeros(n)))
    bad = pd.DataFrame(np.where(np.isnan(mat), np.nan, (mat <= 2).astype(float)))
    ref = bad.corr()  # pairwise complete observations: the respondents who rated both
    linked = (ref >= ALIKE_PHI).to_numpy() & ~np.eye(5, dtype=bool)
    assert linked[0, 1] and linked[0, 2] and not linked[0, 4] and not linked[:, 3].any()
    assert group.tolist() == [1, 1, 1, 0, 0]
    for j in (0, 1, 2):
        others = [k for k in (0, 1, 2) if k != j]
        assert phi[j] == pytest.approx(float(ref.iloc[j, others].max()), rel=1e-12)
    assert np.isnan(phi[3]) and np.isnan(phi[4])


def test_twins_with_a_real_joint_effect_are_critical_together():
    ratings, y, _, _ = twin_survey(seed=2, twin_effect=-1.2)
    table = drivers.multivariate_penalty_reward(ratings, y, S15, RATING)
    moments = critical.classify_moments(table, RATING).set_index("stage")
    assert moments.loc[["S2", "S3"], "verdict"].tolist() == ["critical", "critical"]
    assert moments.loc[["S0", "S1"], "verdict"].tolist() == ["ok", "ok"]
    # the verdict's penalty is the joint one; the own penalties split it between the twins
    assert moments.loc["S2", "penalty"] == pytest.approx(table["joint_penalty"].iloc[2])
    assert moments.loc["S2", "own_penalty"] == pytest.approx(table["penalty"].iloc[2])
    assert 0.9 < moments.loc["S2", "penalty"] < 1.6  # the planted 1.2, plus what the halo leaves in a bottom box
    assert moments.loc["S2", "alike_with"] == "S3" and moments.loc["S3", "alike_with"] == "S2"
    assert moments.loc["S0", "alike_with"] == ""
    assert moments.loc["S3", "evidence"].startswith("Customers rated S3 almost like S2 (their bad ratings correlate at 0.")
    assert "judged together, customers who rated them badly gave an overall satisfaction 1." in moments.loc["S3", "evidence"]
    notes = critical.alike_notes(table)
    assert len(notes) == 1 and notes[0].startswith("S2 and S3 were rated almost alike")


def test_twins_without_an_effect_are_not_critical_whatever_their_own_penalties():
    ratings, y, _, _ = twin_survey(seed=3, twin_effect=0.0, other_effect=-1.0)
    table = drivers.multivariate_penalty_reward(ratings, y, S15, RATING)
    moments = critical.classify_moments(table, RATING).set_index("stage")
    assert moments.loc["S1", "verdict"] == "critical" and moments.loc["S1", "alike_with"] == ""
    assert moments.loc[["S2", "S3"], "verdict"].tolist() == ["ok", "ok"]
    assert abs(moments.loc["S2", "penalty"]) < 0.3 < moments.loc["S1", "penalty"]


def test_a_one_stage_table_has_no_groups():
    ratings, y, _, _ = twin_survey(seed=5)
    raw = drivers.penalty_reward(ratings, y, S15, RATING)
    moments = critical.classify_moments(raw, RATING)
    assert (moments["alike_with"] == "").all()
    np.testing.assert_array_equal(moments["own_penalty"], raw["penalty"])
    assert critical.alike_notes(raw) == []


def test_sfo_information_booths_are_judged_together():
    s = import_survey(SFO.read_bytes(), file_name=SFO.name)
    a = analyze(s, outcome=outcome_spec(s, "Q7ALL"))
    pen = a.penalties.set_index("stage")
    # the own penalties are large and opposite: a question asked twice
    assert pen.loc["Q7INFOUP", "penalty"] > 0.35 and pen.loc["Q7INFODOWN", "penalty"] < -0.35
    assert pen.loc["Q7INFOUP", "alike_group"] == pen.loc["Q7INFODOWN", "alike_group"] > 0
    assert pen.loc["Q7INFOUP", "alike_phi"] == pytest.approx(0.87, abs=0.01)
    assert abs(pen.loc["Q7INFOUP", "joint_penalty"]) < 0.1 and pen.loc["Q7INFOUP", "joint_p_value"] > 0.5
    m = a.moments.set_index("stage")
    assert m.loc["Q7INFOUP", "verdict"] == "ok" and m.loc["Q7INFOUP", "alike_with"] == "Q7INFODOWN"
    assert "Customers rated Q7INFOUP almost like Q7INFODOWN" in m.loc["Q7INFOUP", "evidence"]
    assert any(note.startswith("Q7INFODOWN and Q7INFOUP were rated almost alike") for note in a.notes)
    # the other stages are judged on their own penalties
    assert (m.loc[m["alike_with"] == "", "penalty"] == m.loc[m["alike_with"] == "", "own_penalty"]).all()


def test_a_stage_asked_twice_word_for_word_is_judged_with_its_copy():
    """Two columns with the same answers (phi = 1): the fit keeps one of the two bottom-box columns,
    whose coefficient carries the effect of both, and the pair is judged on it."""
    ratings, y, mat, out = twin_survey(seed=6, twin_effect=-1.2)
    copy = ratings[ratings["stage"] == "S2"].assign(stage="S3")
    exact = pd.concat([ratings[ratings["stage"] != "S3"], copy], ignore_index=True)
    exact["stage"] = pd.Categorical(exact["stage"].astype(str), categories=["S0", "S1", "S2", "S3"], ordered=True)
    exact = exact.sort_values(["response_id", "stage"], kind="stable", ignore_index=True)
    respondent_y = pd.Series(y, index=ratings["response_id"].astype(str)).groupby(level=0).first()
    table = drivers.multivariate_penalty_reward(exact, respondent_y.reindex(exact["response_id"].astype(str)).to_numpy(),
                                                S15, RATING)
    assert table["alike_group"].tolist() == [0, 0, 1, 1] and table["alike_phi"].iloc[2] == pytest.approx(1.0)
    assert np.isfinite(table["joint_penalty"].iloc[2]) and table["joint_penalty"].iloc[2] > 0.9
    moments = critical.classify_moments(table, RATING).set_index("stage")
    assert moments.loc[["S2", "S3"], "verdict"].tolist() == ["critical", "critical"]
