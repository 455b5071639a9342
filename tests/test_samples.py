"""The bundled sample surveys: reproducible, small, with the counts and patterns data/sample/README.md documents.

The files are read with plain pandas (every cell as text, no N/A guessing), never with the project's
importer, so these tests check the data themselves. The planted patterns are checked with scipy on
the same numbers the README quotes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from cycle_analytics.cycles import load_cycle

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "data" / "sample"
BANK = SAMPLE_DIR / "bank_visit_long.csv"
LIFE = SAMPLE_DIR / "customer_lifecycle_wide.csv"
SCORES = ["1", "2", "3", "4", "5"]

# Documented in data/sample/README.md.
BANK_ROWS, BANK_RESPONDENTS, BANK_NA, BANK_RATINGS = 9042, 1200, 30, 9005
BANK_BAD_ROWS = {  # 1-based data row number -> (column, bad value)
    2675: ("score", "abc"),
    2755: ("respondent_id", ""),
    3038: ("score", "7"),
    3089: ("score", "7"),
    3374: ("score", "7"),
    4838: ("score", "abc"),
    6048: ("respondent_id", ""),
}
BANK_STAGE_RATINGS = {
    "Getting to the branch": 1148,
    "Finding out how to cash a check": 1130,
    "Taking a number": 922,
    "Waiting for your turn": 1179,
    "Being called to the counter": 1165,
    "Check verification": 1159,
    "Receiving the money": 1181,
    "Leaving the branch": 1121,
}
LIFE_STAGES = ["prospecting", "needs_assessment", "proposal", "implementation", "after_sales", "feedback"]
LIFE_ROWS, LIFE_RATINGS = 600, 3541
LIFE_ZEROS = {"prospecting": 0, "needs_assessment": 0, "proposal": 0, "implementation": 0, "after_sales": 6, "feedback": 18}
LIFE_BLANKS = {"prospecting": 7, "needs_assessment": 5, "proposal": 6, "implementation": 5, "after_sales": 6, "feedback": 6}


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def bank() -> pd.DataFrame:
    return _read(BANK)


@pytest.fixture(scope="module")
def life() -> pd.DataFrame:
    return _read(LIFE)


@pytest.fixture(scope="module")
def bank_ratings(bank) -> pd.DataFrame:
    """The valid ratings (id present, score 1-5) with numeric outcomes."""
    ok = bank[(bank.respondent_id != "") & bank.score.isin(SCORES)].copy()
    for col in ("score", "overall_satisfaction", "recommend"):
        ok[col] = ok[col].astype(int)
    return ok


@pytest.fixture(scope="module")
def life_ratings(life) -> pd.DataFrame:
    long = life.melt(
        id_vars=["customer_id", "date", "region", "customer_type", "overall_satisfaction", "recommend"],
        value_vars=LIFE_STAGES,
        var_name="stage",
        value_name="score",
    )
    long = long[long.score.isin(SCORES)].copy()
    for col in ("score", "overall_satisfaction", "recommend"):
        long[col] = long[col].astype(int)
    return long


def _penalties(ratings: pd.DataFrame, outcome: str = "overall_satisfaction") -> pd.DataFrame:
    """Per stage: bottom-box (1-2) count, mean outcome of bad minus rest, Mann-Whitney p, Holm-adjusted."""
    rows = []
    for stage, x in ratings.groupby("stage", sort=False):
        bad = x.score.to_numpy() <= 2
        y = x[outcome].to_numpy(dtype=float)
        rows.append(
            {
                "stage": stage,
                "n": len(x),
                "mean": x.score.mean(),
                "n_bad": int(bad.sum()),
                "penalty": y[~bad].mean() - y[bad].mean(),
                "p_value": stats.mannwhitneyu(y[bad], y[~bad]).pvalue,
                "rho": stats.spearmanr(x.score, y).statistic,
            }
        )
    out = pd.DataFrame(rows).set_index("stage")
    out["p_adjusted"] = multipletests(out.p_value, method="holm")[1]
    return out


# ---------------------------------------------------------------------------------------------
# Reproducibility and size
# ---------------------------------------------------------------------------------------------


def test_generator_reproduces_the_committed_files(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SAMPLE_DIR / "make_samples.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for name in (BANK.name, LIFE.name):
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([BANK.name, LIFE.name])


def test_generator_refuses_extra_arguments(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SAMPLE_DIR / "make_samples.py"), str(tmp_path), "extra"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "usage" in result.stderr


def test_samples_are_small():
    sizes = [p.stat().st_size for p in SAMPLE_DIR.glob("*.csv")]
    assert len(sizes) == 2
    assert sum(sizes) < 2 * 1024 * 1024


def test_files_are_plain_utf8_with_lf():
    for path in (BANK, LIFE):
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in raw
        raw.decode("utf-8")


# ---------------------------------------------------------------------------------------------
# Bank visit, long layout
# ---------------------------------------------------------------------------------------------


def test_bank_columns_and_counts(bank, bank_ratings):
    assert list(bank.columns) == [
        "respondent_id", "date", "branch", "channel", "stage", "score", "overall_satisfaction", "recommend", "comment",
    ]  # fmt: skip
    assert len(bank) == BANK_ROWS
    assert bank.respondent_id[bank.respondent_id != ""].nunique() == BANK_RESPONDENTS
    assert (bank.score == "N/A").sum() == BANK_NA
    assert len(bank_ratings) == BANK_RATINGS
    assert bank_ratings.stage.value_counts().to_dict() == BANK_STAGE_RATINGS
    # Physical lines: one comment holds an embedded newline on each of its respondent's rows.
    lines = BANK.read_bytes().count(b"\n")
    assert lines == BANK_ROWS + 1 + (bank.comment.str.count("\n")).sum() == 9051


def test_bank_bad_rows_are_exactly_the_documented_ones(bank):
    bad = (bank.respondent_id == "") | ~bank.score.isin(SCORES + ["N/A"])
    found = {int(i) + 1: None for i in np.flatnonzero(bad.to_numpy())}
    assert set(found) == set(BANK_BAD_ROWS)
    for row, (column, value) in BANK_BAD_ROWS.items():
        assert bank.loc[row - 1, column] == value
    # rows read = accepted + rejected, with N/A declared as an N/A code
    assert BANK_ROWS - len(BANK_BAD_ROWS) == BANK_RATINGS + BANK_NA


def test_bank_stages_are_the_template_stages_in_cycle_order(bank):
    cycle = load_cycle("bank_visit")
    assert set(bank.stage) == set(cycle.stage_names)
    order = {name: i for i, name in enumerate(cycle.stage_names)}
    pos = bank.stage.map(order).to_numpy()
    same = bank.respondent_id.to_numpy()[1:] == bank.respondent_id.to_numpy()[:-1]
    assert (np.diff(pos)[same] > 0).all()  # within each respondent, rows follow the cycle


def test_bank_respondent_columns_and_segments(bank, bank_ratings):
    per = bank[bank.respondent_id != ""].groupby("respondent_id")
    for col in ("date", "branch", "channel", "overall_satisfaction", "recommend", "comment"):
        assert (per[col].nunique() == 1).all(), col  # repeated identically on every row
    resp = bank_ratings.drop_duplicates("respondent_id")
    assert len(resp) == BANK_RESPONDENTS
    assert resp.branch.value_counts().to_dict() == {"Central": 417, "Northgate": 283, "Harbour": 276, "Westfield": 224}
    assert resp.channel.value_counts().to_dict() == {"walk-in": 913, "appointment": 287}
    assert (resp.date.min(), resp.date.max()) == ("2026-03-02", "2026-08-30")
    assert pd.to_datetime(resp.date, format="%Y-%m-%d").is_monotonic_increasing
    assert set(resp.overall_satisfaction) == {1, 2, 3, 4, 5}
    assert resp.recommend.between(0, 10).all() and resp.recommend.nunique() == 11


def test_bank_hostile_comments_are_literal(bank):
    comment = bank.drop_duplicates("respondent_id").set_index("respondent_id").comment
    assert comment["B0003"].startswith("=SUM(1,2)")
    assert "<b>bold</b>" in comment["B0007"] and "<script>" in comment["B0007"]
    assert comment["B0011"] == 'Good service, but the "express" counter was closed.\nPlease open a second counter at lunchtime.'
    assert comment.str.contains("€").any() and comment.str.contains("é").any()


def test_bank_planted_patterns(bank_ratings):
    pen = _penalties(bank_ratings)
    money, wait, number = pen.loc["Receiving the money"], pen.loc["Waiting for your turn"], pen.loc["Taking a number"]
    # Critical moment: rare bad experiences, large significant penalty (README: 61 bad, 1.96 points).
    assert money.n_bad == 61 and money.n_bad / money.n < 0.06
    assert money.penalty == pytest.approx(1.96, abs=0.005) and money.p_adjusted < 1e-30
    # Pain point, not critical: many bad ratings, no effect, lowest mean, no correlation.
    assert wait.n_bad == 419 and wait.n_bad / wait.n > 0.3
    assert abs(wait.penalty) < 0.1 and wait.p_adjusted > 0.05 and abs(wait.rho) < 0.05
    assert wait["mean"] == pen["mean"].min()
    # Declared critical but too few bad experiences to say.
    assert number.n_bad == 23 and number.penalty > 0.4
    # Every other stage: either no practically large penalty or too few bad ratings (< 30).
    others = pen.drop(["Receiving the money", "Waiting for your turn", "Taking a number"])
    assert ((others.penalty < 0.4) | (others.p_adjusted >= 0.05) | (others.n_bad < 30)).all()
    # Recommend (0-10): the money penalty is also above 10% of the scale.
    assert _penalties(bank_ratings, "recommend").loc["Receiving the money"].penalty > 3.5


def test_bank_waiting_segment_and_trend(bank_ratings):
    wait = bank_ratings[bank_ratings.stage == "Waiting for your turn"]
    means = wait.groupby("branch").score.mean()
    assert means.idxmin() == "Harbour" and means["Harbour"] == pytest.approx(2.26, abs=0.01)
    assert (means.drop("Harbour") > 3.0).all()
    harbour = wait.branch == "Harbour"
    assert stats.mannwhitneyu(wait.score[harbour], wait.score[~harbour]).pvalue < 1e-25
    # No branch or channel effect planted on any other stage (Kruskal-Wallis).
    for stage, x in bank_ratings[bank_ratings.stage != "Waiting for your turn"].groupby("stage"):
        assert stats.kruskal(*[g.score for _, g in x.groupby("branch")]).pvalue > 0.05, stage
        assert stats.kruskal(*[g.score for _, g in x.groupby("channel")]).pvalue > 0.05, stage
    channel = wait.groupby("channel").score.mean()
    assert channel["appointment"] - channel["walk-in"] > 0.5
    month = wait.date.str[:7]
    monthly = wait.groupby(month).score.mean()
    assert monthly[["2026-03", "2026-04", "2026-05", "2026-06"]].between(2.5, 2.8).all()
    assert monthly["2026-06"] < monthly["2026-07"] < monthly["2026-08"]
    assert monthly["2026-08"] - monthly["2026-07"] > 0.25
    p = stats.mannwhitneyu(wait.score[month == "2026-08"], wait.score[month == "2026-07"]).pvalue
    assert p < 0.01


# ---------------------------------------------------------------------------------------------
# Customer lifecycle, wide layout
# ---------------------------------------------------------------------------------------------


def test_lifecycle_columns_and_counts(life, life_ratings):
    assert list(life.columns) == [
        "customer_id", "date", "region", "customer_type", *LIFE_STAGES, "overall_satisfaction", "recommend", "comment",
    ]  # fmt: skip
    assert len(life) == LIFE_ROWS and life.customer_id.nunique() == LIFE_ROWS and (life.customer_id != "").all()
    assert {c: int((life[c] == "0").sum()) for c in LIFE_STAGES} == LIFE_ZEROS
    assert (life[LIFE_STAGES] == "0").any(axis=1).sum() == sum(LIFE_ZEROS.values())  # one 0 per row at most
    assert {c: int((life[c] == "").sum()) for c in LIFE_STAGES} == LIFE_BLANKS
    assert life[LIFE_STAGES].isin(SCORES + ["0", ""]).all().all()  # no bad cells
    assert len(life_ratings) == LIFE_RATINGS == LIFE_ROWS * 6 - 24 - 35
    # Zeros stay under 1% of the stage cells, so a 1-5 scale is still inferred.
    assert sum(LIFE_ZEROS.values()) / (LIFE_ROWS * 6) < 0.01
    assert life.overall_satisfaction.isin(SCORES).all()
    assert life.recommend.astype(int).between(0, 10).all()
    assert life.region.value_counts().to_dict() == {"North": 188, "East": 170, "South": 134, "West": 108}
    assert life.customer_type.value_counts().to_dict() == {"SME": 307, "Enterprise": 167, "Public sector": 126}
    assert (life.comment != "").sum() == 103
    assert life.loc[life.customer_id == "C0005", "comment"].iloc[0].startswith("=HYPERLINK(")


def test_lifecycle_headers_map_to_the_template():
    cycle = load_cycle("customer_lifecycle")
    assert [cycle.find_stage(h).name for h in LIFE_STAGES] == list(cycle.stage_names)
    for other in ("customer_id", "date", "region", "customer_type", "overall_satisfaction", "recommend", "comment"):
        assert cycle.find_stage(other) is None


def test_lifecycle_planted_patterns(life_ratings):
    pen = _penalties(life_ratings)
    impl, after = pen.loc["implementation"], pen.loc["after_sales"]
    assert impl.n_bad == 71 and impl.penalty == pytest.approx(1.80, abs=0.005) and impl.p_adjusted < 1e-30
    assert after.n_bad == 275 and after.n_bad / after.n > 0.4 and after.p_adjusted > 0.05 and after.penalty < 0.4
    assert after["mean"] == pen["mean"].min()
    others = pen.drop(["implementation"])
    assert ((others.penalty < 0.4) | (others.p_adjusted >= 0.05)).all()
    proposal = life_ratings[life_ratings.stage == "proposal"]
    means = proposal.groupby("customer_type").score.mean()
    assert means.idxmin() == "Public sector" and means["Public sector"] == pytest.approx(3.0, abs=0.05)
    public = proposal.customer_type == "Public sector"
    assert stats.mannwhitneyu(proposal.score[public], proposal.score[~public]).pvalue < 1e-20
    # The customer-type effect is planted on the proposal only.
    for stage, x in life_ratings[life_ratings.stage != "proposal"].groupby("stage"):
        assert stats.kruskal(*[g.score for _, g in x.groupby("customer_type")]).pvalue > 0.05, stage
    # No region effect planted at all.
    for stage, x in life_ratings.groupby("stage"):
        assert stats.kruskal(*[g.score for _, g in x.groupby("region")]).pvalue > 0.05, stage
