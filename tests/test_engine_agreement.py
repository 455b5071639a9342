"""Same numbers everywhere: the full analysis of one survey agrees on every backend.

Reference: ``cycle_analytics.stats.analysis.analyze`` of the imported Survey (the in-memory
tables, numpy). The same surveys (``tests/engine_cases.py``: survey A with comments and missing
dates, survey B with 16 stages on 0-10, survey W weighted by a survey-weight column with some
missing and negative weights) exported the ways a user holds them are analysed through
the query engine on DuckDB, on a real PostgreSQL server (``tests/pg.py``) and on a real local
Spark session, and every table of the :class:`~cycle_analytics.stats.analysis.Analysis` - scores,
distribution, stage changes, importance with its bootstrap intervals (200 resamples, one seed),
penalties, critical moments, priorities with their bootstrap stability, segments and their tests,
trends and the last change - plus the notes, the outcome, the halo diagnostic and the weight
applied (respondents, unusable weights, Kish's effective n) must equal the reference to 1e-9
relative. Outcomes: a rating, a yes/no column and the proxy (no outcome), and a
date range with segment values as filters.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from engine_cases import build_engine, survey_of, wide_export, wide_layout

from cycle_analytics.dataset import PROXY_OUTCOME
from cycle_analytics.engine import ScoreRules, SurveyEngine, open_source
from cycle_analytics.stats.analysis import AnalysisSettings, analyze, outcome_spec
from cycle_analytics.stats.filters import Filters

pytestmark = [
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    pytest.mark.filterwarnings("ignore:fetch_arrow_table\\(\\) is deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),  # pyspark's pandas conversion, on pandas 3
]

SETTINGS = AnalysisSettings(n_boot=200, seed=7, min_n=20, min_bad=10)
TABLES = ("scores", "distribution", "changes", "importance", "penalties", "moments", "priorities", "segments",
          "segment_tests", "trends", "trend_change")
RTOL = 1e-9

# What is analysed: (outcome column or None for the proxy, positive label, filters)
KINDS = {
    "rating": ("overall", None, None),
    "yes-no": ("satisfied", "yes", None),
    "proxy": (None, None, None),
    "filtered": ("overall", None, Filters(date_range=("2025-06-01", None), segments={"region": ["North", "East", "West"]})),
}

# Every export on DuckDB and PostgreSQL with every kind; Spark answers each query in about half a
# second, so it analyses survey A from a long CSV (rating with filters, proxy) and survey B from a
# wide Parquet file (yes-no).
CASES = [
    *[(f, "A", k) for f in ("memory-survey", "duckdb-long-csv", "duckdb-wide-parquet", "postgres-long", "postgres-two-tables",
                            "postgres-wide") for k in KINDS],
    *[(f, "B", k) for f in ("memory-survey", "duckdb-long-frame", "postgres-long") for k in ("rating", "yes-no", "proxy")],
    ("spark-long-csv", "A", "filtered"),
    ("spark-long-csv", "A", "proxy"),
    ("spark-wide-parquet", "B", "yes-no"),
    # survey W is weighted (continuous weights, some missing or negative: weight 0)
    *[(f, "W", k) for f in ("memory-survey", "duckdb-long-csv", "duckdb-wide-parquet", "postgres-long", "postgres-two-tables",
                            "postgres-wide") for k in ("rating", "proxy", "filtered")],
    ("spark-long-csv", "W", "filtered"),
    ("spark-wide-parquet", "W", "yes-no"),
]

_REFERENCE: dict = {}


def reference(survey_name: str, kind: str):
    """The in-memory analysis of the imported survey (cached)."""
    key = (survey_name, kind)
    if key not in _REFERENCE:
        survey = survey_of(survey_name)
        column, positive, filters = KINDS[kind]
        spec = PROXY_OUTCOME if column is None else outcome_spec(survey, column, positive=positive)
        _REFERENCE[key] = analyze(survey, outcome=spec, settings=SETTINGS, filters=filters)
    return _REFERENCE[key]


def assert_tables_agree(got: pd.DataFrame, expected: pd.DataFrame, name: str) -> None:
    """Same columns, rows and types; numbers equal to 1e-9 relative (NaN where NaN)."""
    assert list(got.columns) == list(expected.columns), name
    assert len(got) == len(expected), name
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True), check_exact=False,
                                  rtol=RTOL, atol=0.0, obj=name)


def assert_analyses_agree(got, expected) -> None:
    assert got.outcome == expected.outcome
    assert got.settings == expected.settings
    for name in TABLES:
        assert_tables_agree(getattr(got, name), getattr(expected, name), name)
    assert got.notes == expected.notes
    assert got.weight.column == expected.weight.column
    assert (got.weight.respondents, got.weight.unusable) == (expected.weight.respondents, expected.weight.unusable)
    np.testing.assert_allclose(got.weight.n_eff, expected.weight.n_eff, rtol=RTOL, atol=0.0)
    halo_got, halo_expected = dataclasses.asdict(got.halo), dataclasses.asdict(expected.halo)
    assert halo_got.keys() == halo_expected.keys()
    for key, value in halo_expected.items():
        if isinstance(value, float):
            np.testing.assert_allclose(halo_got[key], value, rtol=RTOL, atol=0.0, err_msg=key)
        else:
            assert halo_got[key] == value, key


@pytest.mark.parametrize(("flavour", "survey_name", "kind"), CASES, ids=[f"{s}-{f}-{k}" for f, s, k in CASES])
def test_full_analysis_agrees_with_the_in_memory_analysis(flavour, survey_name, kind, request):
    engine, _ = build_engine(flavour, survey_name, request)
    column, positive, filters = KINDS[kind]
    spec = PROXY_OUTCOME if column is None else engine.outcome_spec(column, positive=positive)
    expected = reference(survey_name, kind)
    got = analyze(engine, outcome=spec, settings=SETTINGS, filters=filters)
    assert_analyses_agree(got, expected)


def test_the_reference_exercises_every_table():
    """The surveys are not degenerate: each table of the reference has rows, the bootstrap gave
    intervals, and the filter keeps part of the respondents."""
    full, filtered = reference("A", "rating"), reference("A", "filtered")
    for name in TABLES:
        assert len(getattr(full, name)), name
    assert full.importance["importance_ci_low"].notna().any()
    assert full.priorities["stability_top3"].notna().any()
    assert 0 < filtered.scores["n"].sum() < full.scores["n"].sum()


def test_the_weighted_reference_applies_its_weight():
    """Survey W's reference is weighted, with unusable weights and an effective n below the respondents."""
    weighted = reference("W", "rating")
    use = weighted.weight
    assert use.column == "weight" and 0 < use.unusable < use.respondents and 0 < use.n_eff < 0.95 * use.respondents
    assert "n_eff" in weighted.scores.columns and "n_eff" in weighted.segments.columns and "n_eff" in weighted.trends.columns


def test_a_weight_of_one_for_everyone_gives_exactly_the_unweighted_engine_analysis():
    """DuckDB, wide table: the same engine with a weight column of 1.0 gives exactly its unweighted figures
    (the weighted tables' extra columns n_eff and weight equal to the counts)."""
    survey = survey_of("B")
    wide = wide_export(survey).assign(w=1.0)
    source = open_source(wide)
    plain_layout = wide_layout(survey)
    settings = dataclasses.replace(SETTINGS, n_boot=50)
    plain_engine = SurveyEngine(source, plain_layout, ScoreRules(scale=survey.scale))
    weighted_engine = SurveyEngine(source, dataclasses.replace(plain_layout, weight="w"), ScoreRules(scale=survey.scale))
    plain = analyze(plain_engine, outcome=plain_engine.outcome_spec("overall"), settings=settings)
    weighted = analyze(weighted_engine, outcome=weighted_engine.outcome_spec("overall"), settings=settings)
    assert weighted.weight.column == "w" and weighted.weight.n_eff == weighted.weight.respondents == len(wide)
    assert weighted.scores["n_eff"].tolist() == weighted.scores["n"].astype(float).tolist()
    assert weighted.distribution["weight"].tolist() == weighted.distribution["count"].astype(float).tolist()
    for name in TABLES:
        table = getattr(weighted, name)
        extra = [c for c in ("n_eff", "weight") if c in table.columns and c not in getattr(plain, name).columns]
        pd.testing.assert_frame_equal(table.drop(columns=extra), getattr(plain, name), check_exact=True, obj=name)
    assert [n for n in weighted.notes if not n.startswith("Weighted by")] == list(plain.notes)
