"""Tests of cycle_analytics.stats.critical: the verdict rule, declared verdicts and evidence sentences.

Hand-built penalty tables (values chosen to sit on either side of every threshold), corrected
p-values checked against statsmodels.multipletests, and an end-to-end pass through
drivers.penalty_reward on data with an empty and a constant stage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from cycle_analytics.stats import critical, drivers
from cycle_analytics.stats.critical import CriticalSettings, classify_moments, format_p
from cycle_analytics.dataset import PROXY_OUTCOME, OutcomeSpec
from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale

S15 = Scale(1, 5)
RATING = OutcomeSpec("overall", scale=S15, label="Overall satisfaction")
BINARY = OutcomeSpec("sat", kind="binary", positive="Satisfied", label="Satisfied")

COLUMNS = "stage, verdict, declared_critical, declared_verdict, penalty, p_adjusted, n_bad, bad_pct, evidence".split(", ")


def pen_table(rows):
    """rows: (stage, n, n_bad, penalty, p_value)."""
    df = pd.DataFrame(rows, columns=["stage", "n", "n_bad", "penalty", "p_value"])
    df["bad_pct"] = df["n_bad"] / df["n"] * 100
    df["mean_outcome_rest"] = 4.0
    df["mean_outcome_bad"] = 4.0 - df["penalty"]
    df["stage"] = pd.Categorical(df["stage"], categories=list(df["stage"]), ordered=True)
    return df


def test_verdicts_on_each_side_of_the_thresholds():
    pen = pen_table(
        [
            ("Crit", 1000, 100, 1.0, 1e-8),  # critical
            ("EdgeEffect", 1000, 100, 0.4, 1e-8),  # penalty exactly 10% of 1-5 span -> critical
            ("Small", 1000, 100, 0.39, 1e-8),  # below the effect threshold, 10% bad -> ok
            ("Pain", 1000, 300, 0.39, 1e-8),  # 30% bad, effect too small -> pain point
            ("PainNS", 1000, 200, 1.0, 0.2),  # exactly 20% bad, not significant -> pain point
            ("FewBad", 1000, 29, 2.0, 1e-8),  # 29 bad < 30 -> not enough data
            ("ThirtyBad", 1000, 30, 2.0, 1e-8),  # 30 bad -> critical
            ("Nobody", 0, 0, np.nan, np.nan),  # no ratings -> not enough data
        ]
    )
    out = classify_moments(pen, RATING)
    assert list(out.columns[: len(COLUMNS)]) == COLUMNS
    got = dict(zip(out["stage"].astype(str), out["verdict"]))
    assert got == {
        "Crit": "critical",
        "EdgeEffect": "critical",
        "Small": "ok",
        "Pain": "pain point",
        "PainNS": "pain point",
        "FewBad": "not enough data",
        "ThirtyBad": "critical",
        "Nobody": "not enough data",
    }
    assert set(out["verdict"]) <= set(critical.VERDICTS)
    assert isinstance(out["stage"].dtype, pd.CategoricalDtype) and out["stage"].cat.ordered
    # corrected p-values: Holm over the 7 computable tests
    ref = multipletests(pen["p_value"].iloc[:7], method="holm")[1]
    np.testing.assert_allclose(out["p_adjusted"].iloc[:7], ref)
    assert np.isnan(out["p_adjusted"].iloc[7])
    np.testing.assert_allclose(out["min_penalty"], 0.4)


def test_correction_setting_changes_verdicts_and_matches_statsmodels():
    # four stages with p = 0.01..0.04: Holm keeps only the first under 0.05, BH keeps all four
    pen = pen_table([(f"S{i}", 1000, 100, 1.0, p) for i, p in enumerate([0.01, 0.02, 0.03, 0.04])])
    holm = classify_moments(pen, RATING)
    bh = classify_moments(pen, RATING, settings=CriticalSettings(correction="fdr_bh"))
    assert holm["verdict"].tolist() == ["critical", "ok", "ok", "ok"]
    assert bh["verdict"].tolist() == ["critical"] * 4
    np.testing.assert_allclose(bh["p_adjusted"], multipletests(pen["p_value"], method="fdr_bh")[1])
    assert (bh["correction"] == "fdr_bh").all()


def test_binary_threshold_is_ten_percentage_points_and_wording():
    pen = pen_table([("Pay", 800, 120, 0.23, 1e-5), ("Wait", 800, 120, 0.09, 1e-5)])
    out = classify_moments(pen, BINARY)
    assert out["verdict"].tolist() == ["critical", "ok"]
    assert out["evidence"].iloc[0] == (
        "Customers who rated Pay badly were 23 percentage points less often satisfied (p < 0.001, 120 customers)."
    )
    yes = OutcomeSpec("again", kind="binary", positive="Yes", label="Would come back")
    ev = classify_moments(pen, yes)["evidence"].iloc[0]
    assert 'less often answered yes to "Would come back"' in ev
    no = OutcomeSpec("again", kind="binary", positive="No", label="Any problem")
    assert 'less often answered "No" to "Any problem"' in classify_moments(pen, no)["evidence"].iloc[0]
    assert "at least 10 percentage points" in out["evidence"].iloc[1]
    assert "at least 10 percentage points" in CriticalSettings().describe(BINARY)


def test_rating_evidence_matches_the_issue_example():
    pen = pen_table([("Receiving the money", 2000, 201, 1.8, 1e-6)])
    out = classify_moments(pen, RATING)
    assert out["evidence"].iloc[0] == (
        "Customers who rated Receiving the money badly gave an overall satisfaction 1.8 points lower "
        "(p < 0.001, 201 customers)."
    )


def test_proxy_evidence_says_it_is_the_mean_of_the_other_stages():
    proxy = OutcomeSpec(None, kind="proxy", scale=S15, label="Mean of the other stages (proxy)")
    pen = pen_table([("Pay", 800, 120, 0.9, 0.0123)])
    ev = classify_moments(pen, proxy)["evidence"].iloc[0]
    assert "mean of the other stages" in ev and "p = 0.012" in ev and "0.9 points lower" in ev and ev.count("(") == 1


def test_proxy_without_scale_uses_the_rating_scale_span_from_penalty_reward():
    pen = pen_table([("Pay", 800, 120, 0.9, 0.01)])
    with pytest.raises(SurveyError, match="no known scale"):
        classify_moments(pen, PROXY_OUTCOME)  # no span anywhere: refused plainly
    out = classify_moments(pen.assign(outcome_span=4.0), PROXY_OUTCOME)
    assert out["min_penalty"].iloc[0] == pytest.approx(0.4) and out["verdict"].iloc[0] == "critical"
    assert "mean of the other stages" in out["evidence"].iloc[0]
    # end to end: penalty_reward records the rating scale's span for the proxy
    rng = np.random.default_rng(0)
    n = 300
    sc = rng.integers(1, 6, size=(n, 3)).astype(float)
    ratings = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(np.repeat(np.arange(n), 3), categories=[f"r{i}" for i in range(n)]),
            "stage": pd.Categorical.from_codes(np.tile([0, 1, 2], n), categories=["A", "B", "C"], ordered=True),
            "score": sc.ravel(),
        }
    )
    y = drivers.rating_outcomes(ratings, pd.DataFrame({"response_id": range(n)}), PROXY_OUTCOME)
    pen2 = drivers.penalty_reward(ratings, y, Scale(0, 10), PROXY_OUTCOME)
    assert (pen2["outcome_span"] == 10).all()
    out2 = classify_moments(pen2, PROXY_OUTCOME)
    assert (out2["min_penalty"] == 1.0).all()


def test_every_stage_gets_a_sentence():
    pen = pen_table(
        [("Crit", 1000, 100, 1.0, 1e-8), ("Pain", 1000, 300, 0.05, 0.6), ("Ok", 1000, 100, 0.1, 0.3), ("Few", 100, 5, 1.0, 0.01), ("Nobody", 0, 0, np.nan, np.nan)]
    )
    out = classify_moments(pen, RATING)
    ev = dict(zip(out["stage"].astype(str), out["evidence"]))
    assert "pain point, not a critical moment" in ev["Pain"] and "300 customers (30%)" in ev["Pain"]
    assert "p = 0.600" in ev["Pain"]
    assert "at least 0.4 points" in ev["Ok"]
    assert ev["Few"].startswith("Only 5 customers rated Few badly; at least 30 are needed")
    assert "Nobody" in ev["Nobody"]
    assert all(s.endswith(".") for s in out["evidence"])


def test_declared_verdicts():
    pen = pen_table([("A", 1000, 100, 1.0, 1e-8), ("B", 1000, 100, 0.1, 0.5), ("C", 100, 5, 1.0, 0.01), ("D", 1000, 100, 1.0, 1e-8)])
    out = classify_moments(pen, RATING, declared=("A", "B", "C"))
    assert out["declared_critical"].tolist() == [True, True, True, False]
    assert out["declared_verdict"].tolist() == ["confirmed", "not confirmed", "not enough data", ""]
    with pytest.raises(SurveyError, match="not a stage"):
        classify_moments(pen, RATING, declared=("Z",))


def test_settings_are_configurable():
    pen = pen_table([("A", 1000, 150, 0.3, 1e-8)])
    assert classify_moments(pen, RATING)["verdict"].iloc[0] == "ok"
    loose = CriticalSettings(min_effect_fraction=0.05, min_bad=10, pain_share=0.1)
    assert classify_moments(pen, RATING, settings=loose)["verdict"].iloc[0] == "critical"
    strict_pain = CriticalSettings(pain_share=0.1)
    assert classify_moments(pen, RATING, settings=strict_pain)["verdict"].iloc[0] == "pain point"
    assert "Holm" in CriticalSettings().describe(RATING)
    with pytest.raises(SurveyError, match="correction"):
        classify_moments(pen, RATING, settings=CriticalSettings(correction="nope"))
    with pytest.raises(SurveyError, match="lacks"):
        classify_moments(pen.drop(columns="p_value"), RATING)


@pytest.mark.parametrize(
    "p, text",
    [(0.0, "p < 0.001"), (0.00099, "p < 0.001"), (0.001, "p = 0.001"), (0.01234, "p = 0.012"), (0.05, "p = 0.050"), (np.nan, "p not computable")],
)
def test_format_p(p, text):
    assert format_p(p) == text


def test_end_to_end_with_empty_and_constant_stage():
    rng = np.random.default_rng(3)
    n = 800
    a = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], n, p=[0.1, 0.1, 0.2, 0.3, 0.3])
    y = np.clip(np.rint(4 + 0.6 * rng.standard_normal(n) - 1.5 * (a <= 2)), 1, 5)
    c = np.full(n, 5.0)
    codes = np.concatenate([np.arange(n), np.arange(n)])
    ratings = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(codes, categories=[f"r{i}" for i in range(n)]),
            "stage": pd.Categorical.from_codes(np.repeat([0, 2], n), categories=["A", "B", "C"], ordered=True),
            "score": np.concatenate([a, c]),
        }
    )
    yr = np.concatenate([y, y])
    pen = drivers.penalty_reward(ratings, yr, S15, RATING)
    out = classify_moments(pen, RATING, declared=("B",))
    assert out["verdict"].tolist() == ["critical", "not enough data", "not enough data"]
    assert out["declared_verdict"].tolist() == ["", "not enough data", ""]


@pytest.mark.parametrize("empty", [True, False])
def test_no_ratings_or_no_outcomes_give_not_enough_data(empty):
    from cycle_analytics.stats import priorities

    if empty:
        ratings = pd.DataFrame(
            {
                "response_id": pd.Categorical([], categories=pd.Index([], dtype="str")),
                "stage": pd.Categorical([], categories=["A", "B"], ordered=True),
                "score": np.array([], dtype=float),
            }
        )
        y = np.array([])
    else:  # ratings, but nobody has an outcome
        ratings = pd.DataFrame(
            {
                "response_id": pd.Categorical(list("abc")),
                "stage": pd.Categorical(["A"] * 3, categories=["A", "B"], ordered=True),
                "score": [1.0, 2.0, 5.0],
            }
        )
        y = np.full(3, np.nan)
    pen = drivers.penalty_reward(ratings, y, S15, RATING)
    out = classify_moments(pen, RATING, declared=("A",))
    assert out["verdict"].tolist() == ["not enough data"] * 2
    assert out["declared_verdict"].tolist() == ["not enough data", ""]
    imp = drivers.derived_importance(ratings, y)
    assert imp["importance"].isna().all() and (imp["n"] == 0).all()
    pr = priorities.priority_ranking(ratings, y, S15, None, n_boot=20)
    assert (pr["level"] == "low").all() and pr["importance"].isna().all()
    rw = drivers.derived_importance(ratings, y, method="relative_weight")
    assert rw["importance"].isna().all()


def test_evidence_names_a_coded_outcome_without_an_article():
    """A survey whose outcome is a column code (the airport survey's Q7ALL) must not read
    'gave a q7ALL'; the code is kept as written."""
    from cycle_analytics.stats.critical import _effect_phrase
    from cycle_analytics.dataset import OutcomeSpec
    from cycle_analytics.scales import Scale

    spec = OutcomeSpec(column="Q7ALL", kind="rating", scale=Scale(1, 5), label="Q7ALL")
    assert _effect_phrase(0.59, spec) == "rated Q7ALL 0.59 points lower"
    words = OutcomeSpec(column="overall_satisfaction", kind="rating", scale=Scale(1, 5), label="Overall satisfaction")
    assert _effect_phrase(1.8, words) == "gave an overall satisfaction 1.8 points lower"
