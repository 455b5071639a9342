"""The query engine (cycle_analytics.engine): the same surveys give the same tables on every backend.

References: the in-memory statistics kernel (``cycle_analytics.stats.kernel.count_table``,
``cycle_analytics.stats.drivers.outcome_table``, ``rating_outcomes``, ``outcome_values``,
``cycle_analytics.stats.filters.filter_survey``, ``cycle_analytics.stats.headline.bad_comments``)
on the survey built by ``tests/synth.py``, and pandas group-bys on its respondent x stage matrix
for the tables the kernel has no counterpart of yet (patterns, consecutive-stage pairs).

Each survey is exported the ways a user holds it - the imported Survey itself (Arrow into DuckDB),
a long table with N/A cells, junk cells, an unknown stage and a row without an id mixed in (as a
DataFrame, a CSV file, PostgreSQL tables, Spark reading the CSV), a wide Parquet file or table -
and every export must give exactly the kernel's integers (sums to 1e-9 relative) on DuckDB, on a
real PostgreSQL server (tests/pg.py) and on a real local Spark session (``local[2]``).
"""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pandas as pd
import pytest
from engine_cases import build_engine, long_export, long_layout, survey_of

from cycle_analytics.dataset import PROXY_OUTCOME, ImportOptions, OutcomeSpec
from cycle_analytics.engine import (
    Filters,
    LongLayout,
    ScoreRules,
    SurveyEngine,
    open_source,
    survey_source,
)
from cycle_analytics.engine.engine import COUNT_CACHE_SIZE
from cycle_analytics.engine.respondents import stages_per_key
from cycle_analytics.stats.tables import period_range, score_patterns
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.scales import Scale
from cycle_analytics.stats.analysis import outcome_spec
from cycle_analytics.stats.drivers.outcomes import outcome_table, outcome_values, rating_outcomes
from cycle_analytics.stats.filters import filter_survey
from cycle_analytics.stats.headline import bad_comments
from cycle_analytics.stats.kernel import count_table, group_codes
from cycle_analytics.stats.weights import kish_effective_n, respondent_weights

# Ibis 12 reads pandas 3 options and DuckDB results through APIs their newer versions deprecate:
# warnings about the libraries, not about the engine.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    pytest.mark.filterwarnings("ignore:fetch_arrow_table\\(\\) is deprecated"),
]

# Spark answers each query in about half a second, so it gets two engines: survey A read from a
# long CSV, and survey B (two packed keys, floor division in double precision) from a wide Parquet
# file; a Spark view of survey B's long table is in test_duckdb_file_and_spark_table_names.
CASES = [
    *[(f, "A") for f in ("memory-survey", "duckdb-long-frame", "duckdb-long-csv", "duckdb-wide-parquet", "postgres-long",
                         "postgres-two-tables", "postgres-wide", "spark-long-csv")],
    *[(f, "B") for f in ("memory-survey", "duckdb-long-frame", "postgres-long", "postgres-wide", "spark-wide-parquet")],
]


@pytest.fixture(params=CASES, ids=[f"{s}-{f}" for f, s in CASES])
def case(request):
    flavour, name = request.param
    engine, added = build_engine(flavour, name, request)
    return engine, survey_of(name), added, flavour


def _ids(engine: SurveyEngine, survey, values) -> list[str]:
    """Respondent keys as the survey's ids (the Survey export keys respondents by their row)."""
    values = list(values)
    if values and not isinstance(values[0], str):
        ids = survey.responses["response_id"].astype("str").to_numpy()
        return [ids[int(v)] for v in values]
    return [str(v) for v in values]


def _matrix(survey) -> np.ndarray:
    """Respondent x stage scores (NaN = not rated)."""
    r = survey.ratings
    mat = np.full((len(survey.responses), len(survey.stages)), np.nan)
    mat[r["response_id"].cat.codes.to_numpy(), r["stage"].cat.codes.to_numpy()] = r["score"].to_numpy()
    return mat


# --------------------------------------------------------------------------------------------
# the tables, against the kernel
# --------------------------------------------------------------------------------------------


def test_inventory_accounts_for_every_cell(case):
    engine, survey, added, _ = case
    inv = engine.inventory
    assert engine.stages == survey.stages
    assert engine.scale == survey.scale
    assert inv.ratings == len(survey.ratings)
    by = inv.by_answer()
    assert by["score"] == len(survey.ratings)
    for cls, n in added.items():
        assert by[cls] == n, cls
    if not added:
        # the Survey export and the wide exports hold nothing but ratings (wide: empty cells for stages not rated)
        assert by["no_answer"] == by["not_a_number"] == by["unknown_stage"] == by["no_respondent"] == 0
    assert (inv.by_stage()["score"].to_numpy() == np.bincount(survey.ratings["stage"].cat.codes, minlength=len(survey.stages))).all()


def test_stage_score_counts_equal_count_table(case):
    engine, survey, _, _ = case
    assert np.array_equal(engine.score_counts().array(), count_table(survey.ratings, survey.scale))


@pytest.mark.parametrize("column", ["overall", "satisfied", None])
def test_outcome_tables_equal_outcome_table(case, column):
    """Rating outcome, binary text outcome (positive "yes") and the proxy (mean of the other stages)."""
    engine, survey, _, _ = case
    spec = PROXY_OUTCOME if column is None else outcome_spec(survey, column, positive="yes")
    y = rating_outcomes(survey.ratings, survey.responses, spec)
    expected = outcome_table(survey.ratings, y, survey.scale)
    got = engine.score_counts("outcome", outcome=spec).outcome_table(survey.ratings["stage"].dtype)
    assert got.stage_dtype == expected.stage_dtype and got.scale == expected.scale
    assert np.array_equal(got.scores, expected.scores)
    assert np.array_equal(got.outcomes, expected.outcomes)  # the same doubles (proxy means included)
    assert np.array_equal(got.counts, expected.counts)
    assert np.array_equal(got.missing, expected.missing)


@pytest.mark.parametrize("segment", ["region", "channel"])
def test_segment_counts_equal_count_table(case, segment):
    engine, survey, _, _ = case
    codes, labels = group_codes(survey.responses[segment])
    got = engine.score_counts(segment)
    assert set(got.groups(segment)) == set(labels)
    assert np.array_equal(got.array(labels), count_table(survey.ratings, survey.scale, codes, len(labels)))


@pytest.mark.parametrize("freq", ["W", "M", "Q"])
def test_period_counts_equal_count_table(case, freq):
    """Periods as the trends module defines them: weeks from Monday, calendar months and quarters;
    the reference truncates the respondents' dates with pandas."""
    engine, survey, _, _ = case
    dates = pd.to_datetime(survey.responses["date"])
    if freq == "W":
        starts = (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.normalize()
    else:
        starts = dates.dt.to_period(freq).dt.start_time
    periods = period_range(starts.min(), starts.max(), freq)
    codes = pd.Index(periods).get_indexer(starts)
    assert ((codes >= 0) | starts.isna().to_numpy()).all()
    expected = count_table(survey.ratings, survey.scale, codes, len(periods))
    got = engine.score_counts("period", freq=freq)
    assert np.array_equal(got.array(tuple(periods)), expected)


def test_counts_by_every_segment_and_period_come_from_one_query(case, monkeypatch):
    """One query (over the combinations of segment values and periods) gives the counts by each
    segment column and by the period on every backend (no fallback to a query per column), equal
    to one GROUP BY per column."""
    engine, _, _, _ = case
    names = [*engine.segment_columns, "period"]
    separate = {name: engine._counts_query((name,), None, None, "M") for name in names}
    monkeypatch.setattr(engine, "_group_counts", {})

    def refused(*args, **kwargs):
        raise AssertionError("a query per column ran")

    monkeypatch.setattr(engine, "_counts_query", refused)
    for name in names:
        got = engine.score_counts(name, freq="M")
        pd.testing.assert_frame_equal(got.frame, separate[name].frame, obj=name)
        assert got.order == separate[name].order and got.frame.attrs == separate[name].frame.attrs


def test_counts_by_segment_and_outcome_together(case):
    engine, survey, _, _ = case
    spec = outcome_spec(survey, "overall")
    got = engine.score_counts(("region", "outcome"), outcome=spec).frame
    y = rating_outcomes(survey.ratings, survey.responses, spec)
    r = survey.ratings
    ref = pd.DataFrame({"stage": r["stage"].astype("str").to_numpy(),
                        "region": survey.responses["region"].astype("str").to_numpy()[r["response_id"].cat.codes.to_numpy()],
                        "outcome": y, "score": r["score"].to_numpy().astype(np.int64)})
    ref = ref.groupby(["stage", "region", "outcome", "score"], dropna=False).size().rename("n").reset_index()
    got = got.assign(stage=got["stage"].astype("str"), region=got["region"].astype("str"))
    key = ["stage", "region", "outcome", "score"]
    merged = got.merge(ref, on=key, how="outer", suffixes=("_got", "_ref"))
    assert merged["n_got"].notna().all() and merged["n_ref"].notna().all()
    assert (merged["n_got"] == merged["n_ref"]).all()


def test_score_patterns_equal_pandas(case):
    engine, survey, _, _ = case
    spec = outcome_spec(survey, "satisfied", positive="yes")
    got = engine.score_patterns(spec)
    mat = _matrix(survey)
    cols = [f"s{j}" for j in range(mat.shape[1])]
    ref = pd.DataFrame(mat, columns=cols).assign(y=outcome_values(survey.responses, spec))
    ref = ref.groupby([*cols, "y"], dropna=False).size().rename("n").reset_index()
    ref = ref.sort_values([*cols, "y"], na_position="last").reset_index(drop=True)
    np.testing.assert_array_equal(got.scores, ref[cols].to_numpy())
    np.testing.assert_array_equal(got.outcome, ref["y"].to_numpy())
    np.testing.assert_array_equal(got.counts, ref["n"].to_numpy())
    # the complete-data rows of every stage: each complete respondent once
    keep = np.ones(len(survey.stages), dtype=bool)
    rows, counts = got.complete(keep)
    complete = ~np.isnan(mat).any(axis=1) & ~np.isnan(outcome_values(survey.responses, spec))
    assert counts.sum() == complete.sum()
    assert rows.shape[1] == len(survey.stages) + 1


@pytest.mark.parametrize("n_stages", [3, 30])  # 30 stages on 1-5: 6**30 does not fit in one integer key
def test_pattern_rows_are_ordered_as_pandas_sorts_them(n_stages):
    """stats.tables.score_patterns (a packed integer key, or column by column when it cannot pack)
    merges and orders rows as pandas' groupby + sort_values do, weights after the outcome."""
    rng = np.random.default_rng(n_stages)
    n = 400
    scores = rng.integers(1, 6, (n, n_stages)).astype(float)
    scores[rng.random((n, n_stages)) < 0.3] = np.nan
    scores[: n // 2, 2:] = np.nan  # repeated rows to merge
    y = rng.choice([1.0, 0.0, np.nan], n)
    w = rng.choice([0.5, 1.25, 2.0], n)
    got = score_patterns([f"S{j}" for j in range(n_stages)], Scale(1, 5), scores, y, np.ones(n, dtype=np.int64), w)
    cols = [f"s{j}" for j in range(n_stages)]
    ref = pd.DataFrame(scores, columns=cols).assign(y=y, w=w).groupby([*cols, "y", "w"], dropna=False).size()
    ref = ref.rename("n").reset_index().sort_values([*cols, "y", "w"], na_position="last").reset_index(drop=True)
    np.testing.assert_array_equal(got.scores, ref[cols].to_numpy())
    np.testing.assert_array_equal(got.outcome, ref["y"].to_numpy())
    np.testing.assert_array_equal(got.weights, ref["w"].to_numpy())
    np.testing.assert_array_equal(got.counts, ref["n"].to_numpy())


def test_stage_pairs_equal_pandas(case):
    engine, survey, _, _ = case
    got = engine.score_patterns().stage_pairs()
    mat = _matrix(survey)
    lo, k = survey.scale.minimum, survey.scale.points
    for p in range(len(survey.stages) - 1):
        both = ~np.isnan(mat[:, p]) & ~np.isnan(mat[:, p + 1])
        ref = np.zeros((k, k), dtype=np.int64)
        np.add.at(ref, (mat[both, p].astype(int) - lo, mat[both, p + 1].astype(int) - lo), 1)
        assert np.array_equal(got.counts[p], ref), p
        d = mat[both, p + 1] - mat[both, p]
        assert np.array_equal(got.differences(p), np.bincount((d + k - 1).astype(int), minlength=2 * k - 1))


def test_respondent_and_outcome_counts(case):
    engine, survey, _, _ = case
    counts = engine.respondent_counts()
    dates = pd.to_datetime(survey.responses["date"])
    assert counts.respondents == len(survey.responses)
    assert counts.ratings == len(survey.ratings)
    assert counts.rated_respondents == int((np.bincount(survey.ratings["response_id"].cat.codes, minlength=len(survey.responses)) > 0).sum())
    assert counts.dated_respondents == int(dates.notna().sum())
    assert counts.first_date == dates.min().normalize() and counts.last_date == dates.max().normalize()
    for column in ("overall", "satisfied"):
        spec = outcome_spec(survey, column, positive="yes")
        y = outcome_values(survey.responses, spec)
        got = engine.outcome_counts(spec)
        values, n = np.unique(y[~np.isnan(y)], return_counts=True)
        assert np.array_equal(got.values, values) and np.array_equal(got.counts, n)
        assert got.missing == int(np.isnan(y).sum())
        assert got.mean() == pytest.approx(float(np.nanmean(y)), rel=1e-12)


def test_filters_equal_filter_survey(case):
    engine, survey, _, _ = case
    f = {"date_range": (survey.responses["date"].min() + pd.Timedelta(days=10), "2026-03-15"),
         "segments": {"region": ["North", "East"], "channel": ["Branch", "Web"]}}
    sub = filter_survey(survey, **f)
    got = engine.score_counts(filters=Filters(**f))
    assert sub.info.ratings > 0
    assert np.array_equal(got.array(), count_table(sub.ratings, sub.scale))
    assert engine.respondent_counts(filters=Filters(**f)).respondents == sub.info.respondents
    assert engine.respondent_counts(filters=Filters(segments={"region": []})).respondents == 0


def test_comments_are_the_bottom_box_comments(case):
    engine, survey, _, _ = case
    stage = survey.stages[1]
    got = engine.comments(stage, limit=15)
    if "comment" not in survey.responses.columns:
        assert got.empty
        return
    ref = bad_comments(survey, stage).sort_values(["score", "response_id"], kind="stable").head(15)
    assert _ids(engine, survey, got["respondent"]) == ref["response_id"].tolist()
    assert got["score"].tolist() == ref["score"].astype(int).tolist()
    assert got["comment"].tolist() == ref["comment"].tolist()


def test_filtered_comments_of_every_rater_are_those_of_the_filtered_survey(case):
    """Every rater's comment, not only the bottom box, under a date and segment filter (the long
    layout reads them from the answers, the respondent table having none): the in-memory
    ``filter_survey``, then each rater's comment from its responses, as the reference."""
    engine, survey, _, _ = case
    if "comment" not in survey.responses.columns:
        return
    stage = survey.stages[0]
    f = {"date_range": (survey.responses["date"].min() + pd.Timedelta(days=10), "2026-03-15"),
         "segments": {"region": ["North", "East"]}}
    sub = filter_survey(survey, **f)
    got = engine.comments(stage, limit=1000, bottom_box_only=False, filters=Filters(**f))
    r = sub.ratings[sub.ratings["stage"] == stage]
    text = sub.responses.set_index("response_id")["comment"].reindex(r["response_id"].astype(str)).to_numpy()
    ref = pd.DataFrame({"response_id": r["response_id"].astype(str).to_numpy(), "score": r["score"].to_numpy(), "comment": text})
    ref = ref[ref["comment"].notna() & (ref["comment"].astype(str).str.strip().str.len() > 0)]
    ref = ref.sort_values(["score", "response_id"], kind="stable")
    assert len(ref) > 3 and ref["score"].nunique() > 2
    assert _ids(engine, survey, got["respondent"]) == ref["response_id"].tolist()
    assert got["score"].tolist() == ref["score"].astype(int).tolist()
    assert got["comment"].tolist() == ref["comment"].tolist()


# --------------------------------------------------------------------------------------------
# DuckDB only: the importer, bad input, progress
# --------------------------------------------------------------------------------------------


def test_csv_through_duckdb_matches_the_importer(tmp_path):
    """The same long CSV: the engine's counts and accounting equal the importer's Survey."""
    survey = survey_of("A")
    answers, added = long_export(survey, seed=3)
    path = tmp_path / "long.csv"
    answers.to_csv(path, index=False, date_format="%Y-%m-%d")
    imported = import_survey(path.read_bytes(), ImportOptions(na_values=("N/A",), stages=survey.stages, layout="long"),
                             file_name="long.csv")
    engine = SurveyEngine(open_source(str(path)), dataclasses.replace(long_layout(survey), stages=imported.stages),
                          ScoreRules(na_values=("N/A",)))
    assert engine.scale == imported.scale  # inferred the same way
    assert engine.inventory.ratings == imported.info.ratings
    assert engine.inventory.by_answer()["no_answer"] == imported.info.na_answers
    assert np.array_equal(engine.score_counts().array(), count_table(imported.ratings, imported.scale))


def test_two_ratings_of_one_stage_are_refused():
    """Codes 3 + 4 of one stage overflow into the next position (base 6): caught by the digit sum."""
    answers = pd.DataFrame({"id": ["a", "a", "b", "c", "c"], "stage": ["X", "X", "Y", "X", "Y"], "score": [3, 4, 5, 1, 2]})
    with pytest.raises(SurveyError, match="rated a stage more than once"):
        SurveyEngine(open_source(answers), LongLayout("id", "stage", "score", stages=["X", "Y"]), ScoreRules(scale=Scale(1, 5)))
    answers = pd.DataFrame({"id": ["a", "a", "b"], "stage": ["X", "X", "Y"], "score": [1, 2, 5]})
    with pytest.raises(SurveyError, match="'a' rated a stage more than once"):
        SurveyEngine(open_source(answers), LongLayout("id", "stage", "score", stages=["X", "Y"]), ScoreRules(scale=Scale(1, 5)))


def test_packed_keys_hold_every_stage():
    """Many stages on a long scale: several keys, each below 2**52, scores unpacked exactly."""
    assert stages_per_key(Scale(1, 5)) == 20 and 6**20 <= 2**52 < 6**21
    n_stages = 45
    rng = np.random.default_rng(4)
    mat = rng.integers(0, 11, size=(60, n_stages)).astype(float)
    mat[rng.random(mat.shape) < 0.3] = np.nan
    mat[:, 0] = 10  # the largest code in the first position of each key
    ids, stages = np.nonzero(~np.isnan(mat))
    answers = pd.DataFrame({"id": ids, "stage": [f"S{j:02d}" for j in stages], "score": mat[ids, stages]})
    engine = SurveyEngine(open_source(answers), LongLayout("id", "stage", "score"), ScoreRules(scale=Scale(0, 10)))
    got = engine.score_patterns()
    assert engine.stages == tuple(f"S{j:02d}" for j in range(n_stages))
    assert got.counts.tolist() == [1] * 60  # every random row is distinct
    as_rows = lambda m: sorted(map(tuple, np.nan_to_num(m, nan=-1.0).tolist()))  # noqa: E731
    assert as_rows(got.scores) == as_rows(mat)


def test_filters_given_to_the_engine_are_pushed_into_the_scan():
    survey = survey_of("A")
    answers, _ = long_export(survey, seed=2)
    f = Filters(date_range=("2026-02-01", None), segments={"channel": ["Phone"]})
    pushed = SurveyEngine(open_source(answers), long_layout(survey), ScoreRules(scale=survey.scale, na_values=("N/A",)), filters=f)
    later = SurveyEngine(open_source(answers), long_layout(survey), ScoreRules(scale=survey.scale, na_values=("N/A",)))
    assert np.array_equal(pushed.score_counts().array(), later.score_counts(filters=f).array())
    sub = filter_survey(survey, date_range=f.date_range, segments=dict(f.segments))
    assert pushed.respondent_counts().respondents == sub.info.respondents
    sql = pushed.sql()
    assert "'Phone'" in sql and sql.index("WHERE") < sql.index("GROUP BY")  # filtered rows are grouped, not filtered groups


def test_progress_is_reported_on_the_callers_thread():
    survey = survey_of("A")
    seen = []
    main = threading.get_ident()
    source, layout, rules = survey_source(survey)
    engine = SurveyEngine(source, layout, rules, progress=lambda done, msg: seen.append((done, msg, threading.get_ident())))
    engine.score_counts()
    messages = [m for _, m, _ in seen]
    assert "Counting the answers" in messages and "Building the respondent table" in messages and "Counting the ratings" in messages
    assert all(t == main for _, _, t in seen)
    assert all(0.0 <= d <= 1.0 for d, _, _ in seen)


def test_bad_input_gets_one_sentence(tmp_path):
    survey = survey_of("A")
    answers, _ = long_export(survey)
    with pytest.raises(SurveyError, match=r"no column 'points' \(the score column\)"):
        SurveyEngine(open_source(answers), LongLayout("respondent_id", "stage", "points"))
    with pytest.raises(SurveyError, match="No file matches"):
        open_source(str(tmp_path / "missing-*.csv"))
    with pytest.raises(SurveyError, match="Name the table"):
        open_source("postgresql://nobody@/nothing")
    engine = SurveyEngine(open_source(answers), long_layout(survey), ScoreRules(na_values=("N/A",)))
    with pytest.raises(SurveyError, match="not one of the survey's outcome columns"):
        engine.score_counts("outcome", outcome=OutcomeSpec("recommend"))
    with pytest.raises(SurveyError, match="no segment column 'branch'"):
        engine.score_counts("branch")
    with pytest.raises(SurveyError, match="not a stage of the survey"):
        engine.comments("Lobby")
    with pytest.raises(SurveyError, match="not one of the survey's outcome columns"):
        engine.score_patterns(OutcomeSpec("recommend"))
    text = pd.DataFrame({"id": ["a", "b"], "stage": ["X", "X"], "score": ["good", "bad"]})
    with pytest.raises(SurveyError, match="name the scale"):
        SurveyEngine(open_source(text), LongLayout("id", "stage", "score"))


def test_answer_labels_and_numeric_na_codes():
    """Labels the user mapped score; numeric N/A codes (the SFO survey's 0 and 6) are no answer."""
    answers = pd.DataFrame({"id": ["a", "a", "b", "b", "c"], "stage": ["X", "Y", "X", "Y", "X"],
                            "score": ["Very good", "0", " 4 ", "6", "Don't know"]})
    engine = SurveyEngine(open_source(answers), LongLayout("id", "stage", "score", stages=["X", "Y"]),
                          ScoreRules(scale=Scale(1, 5), na_values=("0", "6"), labels={"very good": 5}))
    assert engine.inventory.by_answer()["no_answer"] == 3
    assert engine.score_counts().array()[:, 0].tolist() == [[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]


def test_duckdb_file_and_spark_table_names(tmp_path, request):
    """A DuckDB database file by URL, and a Spark table (a view) by name, give the kernel's counts."""
    import duckdb

    survey = survey_of("B")
    answers, _ = long_export(survey, seed=1)
    path = tmp_path / "surveys.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("frame", answers)
        con.execute("CREATE TABLE answers AS SELECT * FROM frame")
    rules = ScoreRules(scale=survey.scale, na_values=("N/A",))
    expected = count_table(survey.ratings, survey.scale)
    engine = SurveyEngine(open_source(f"duckdb:///{path}", "answers"), long_layout(survey), rules)
    assert np.array_equal(engine.score_counts().array(), expected)
    spark = request.getfixturevalue("spark")
    csv = tmp_path / "answers.csv"
    answers.to_csv(csv, index=False, date_format="%Y-%m-%d")
    spark.read.csv(str(csv), header=True).createOrReplaceTempView("engine_answers")
    engine = SurveyEngine(open_source(spark, "engine_answers"), long_layout(survey), rules)
    assert np.array_equal(engine.score_counts().array(), expected)


def test_close_drops_the_respondent_table():
    survey = survey_of("B")
    answers, _ = long_export(survey)
    with SurveyEngine(open_source(answers), long_layout(survey), ScoreRules(na_values=("N/A",))) as engine:
        assert [t for t in engine.backend.list_tables() if t.startswith("ibis_survey_respondents")]
    assert not [t for t in engine.backend.list_tables() if t.startswith("ibis_survey_respondents")]


def test_counts_are_kept_per_filter_and_the_whole_surveys_for_good():
    """One query gives the counts by every segment and period (count_groups); they are kept for the
    last COUNT_CACHE_SIZE filters, the whole survey's whatever comes after, until clear_cache."""
    survey = survey_of("B")
    answers, _ = long_export(survey)
    engine = SurveyEngine(open_source(answers), long_layout(survey), ScoreRules(na_values=("N/A",)))
    whole = engine.count_groups()
    assert set(whole) == {"region", "channel", "period"}
    assert engine.score_counts("region") is whole["region"]  # kept: no second query
    regions = engine.segment_values("region")
    for i in range(COUNT_CACHE_SIZE + 3):
        engine.score_counts("channel", filters=Filters(segments={"region": [regions[i % len(regions)]]},
                                                       date_range=(f"2026-01-{1 + i:02d}", None)))
    assert len(engine._group_counts) == COUNT_CACHE_SIZE + 1  # the last filtered ones and the whole survey's
    assert engine.score_counts("region") is whole["region"]
    engine.clear_cache(unfiltered=False)
    assert engine.score_counts("region") is whole["region"] and len(engine._group_counts) == 1
    engine.clear_cache()
    again = engine.score_counts("region")
    assert again is not whole["region"]
    pd.testing.assert_frame_equal(again.frame, whole["region"].frame)


def test_weight_use_reads_a_weight_column_as_the_in_memory_tables_do():
    """Weights as text (a CSV read as text): numbers, an empty cell, a word, a negative number, NaN and
    infinity; the unusable ones count with weight 0 (reference: stats.weights.respondent_weights)."""
    raw = ["1.5", "", "x", "-2", "0.25", "NaN", "inf", " 3 "]
    ids = [f"r{i}" for i in range(len(raw))]
    answers = pd.DataFrame({"id": ids * 2, "stage": ["Wait"] * len(raw) + ["Pay"] * len(raw),
                            "score": [str(1 + i % 5) for i in range(2 * len(raw))], "w": raw * 2})
    engine = SurveyEngine(open_source(answers), LongLayout("id", "stage", "score", stages=["Wait", "Pay"], weight="w"))
    expected, unusable = respondent_weights(pd.Series(raw).str.strip().replace("", None))
    use = engine.weight_use()
    assert (use.column, use.respondents, use.unusable) == ("w", len(raw), unusable) == ("w", 8, 5)
    assert use.n_eff == pytest.approx(kish_effective_n(expected), rel=1e-12)
    patterns = engine.score_patterns()
    assert sorted(patterns.respondent_weights().tolist()) == sorted(expected.tolist())
    numeric = answers.assign(w=pd.to_numeric(answers["w"], errors="coerce"))  # the same as numbers (NaN, inf kept)
    numeric_use = SurveyEngine(open_source(numeric), LongLayout("id", "stage", "score", stages=["Wait", "Pay"],
                                                                weight="w")).weight_use()
    assert (numeric_use.respondents, numeric_use.unusable) == (8, 5) and numeric_use.n_eff == pytest.approx(use.n_eff)
    assert SurveyEngine(open_source(answers), LongLayout("id", "stage", "score", stages=["Wait", "Pay"])).weight_use().column is None


def test_named_layout_renames_the_stages_and_keeps_the_reading():
    """A layout whose raw values already map to stages is renamed on top of that mapping (the raw
    values named by name or by code; the names' checks: tests/test_app_sources.py)."""
    from cycle_analytics.engine.layout import WideLayout, named_layout

    long = LongLayout("id", "stage", "score", stages=["Parking", "Teller"], stage_values={"Q7A": "Parking", "Q7B": "Teller"})
    named = named_layout(long, {"Parking": "Car park", "Q7B": "Counter"})
    assert named.stages == ("Car park", "Counter")
    assert dict(named.stage_values) == {"Q7A": "Car park", "Q7B": "Counter"}
    wide = named_layout(WideLayout([("q1", "Arrival"), "q2"], respondent="id", outcomes=["overall"]), {"Arrival": "Getting in"})
    assert wide.stage_columns == (("q1", "Getting in"), ("q2", "q2")) and wide.outcomes == ("overall",) and wide.respondent == "id"
