"""The engine's counts by segment and period: one GROUP BY every combination, or GROUPING SETS.

``SurveyEngine.count_groups`` counts the ratings by (stage, segment value, score) for every segment
column and by (stage, period, score) either from one ``GROUP BY`` every combination of the segment
values and periods with a conditional count per stage and scale point (when the combinations and
the aggregates are few: ``MAX_COMBINATIONS``, ``MAX_COMBINATION_AGGREGATES``) or from one
``GROUPING SETS`` query over the stacked ratings. Reference: the grouping-sets path (forced by
setting both limits to 0), compared frame by frame with ``pandas.testing.assert_frame_equal`` on
generated surveys with NULL segment values, missing dates, integer and boolean segment columns,
survey weights, 1-5 and 0-10 scales, filters and weekly, monthly and quarterly periods; and the
plain counts of the generated long table (``pandas.DataFrame.groupby``) for one column.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cycle_analytics.engine.engine as engine_module
from cycle_analytics.engine import LongLayout, ScoreRules, SurveyEngine, open_source
from cycle_analytics.scales import Scale
from cycle_analytics.stats.filters import Filters

pytestmark = [
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    pytest.mark.filterwarnings("ignore:fetch_arrow_table\\(\\) is deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),  # pyspark's pandas conversion, on pandas 3
]

STAGES = ("Arrival", "Waiting", "Service", "Payment")
SEGMENTS = ("region", "tier", "member")
FILTERS = {
    "none": None,
    "region": Filters(segments={"region": ["North", "East"]}),
    "dates": Filters(date_range=("2025-03-01", "2025-08-31")),
    "nobody": Filters(date_range=("2031-01-01", None)),
}


def long_answers(scale: Scale, *, weighted: bool, seed: int = 3, n: int = 300) -> pd.DataFrame:
    """A long table: ``n`` respondents rating each stage with probability 0.8, a text segment with
    NULLs (``region``), an integer one (``tier``), a boolean one (``member``), dates over a year
    with 10% missing and, weighted, a ``weight`` column with a few missing weights."""
    rng = np.random.default_rng(seed)
    region = rng.choice(np.array(["North", "South", "East", None], dtype=object), n, p=[0.4, 0.3, 0.2, 0.1])
    dates = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    dates = pd.Series(dates).where(rng.random(n) >= 0.1)
    people = pd.DataFrame({"respondent": [f"r{i}" for i in range(n)], "region": region, "tier": rng.integers(1, 4, n),
                           "member": rng.random(n) < 0.3, "date": dates})
    if weighted:
        people["weight"] = np.where(rng.random(n) < 0.05, np.nan, rng.uniform(0.2, 3.0, n).round(3))
    rows = [(i, stage) for i in range(n) for stage in STAGES if rng.random() < 0.8]
    index = np.array([i for i, _ in rows])
    answers = people.iloc[index].reset_index(drop=True)
    answers.insert(1, "stage", [stage for _, stage in rows])
    answers.insert(2, "score", rng.integers(scale.minimum, scale.maximum + 1, len(rows)))
    return answers


def engine_of(answers: pd.DataFrame, scale: Scale, source=None) -> SurveyEngine:
    """The engine of ``answers`` (on DuckDB, or ``source`` holding them)."""
    layout = LongLayout("respondent", "stage", "score", stages=STAGES, segments=SEGMENTS, date="date",
                        weight="weight" if "weight" in answers.columns else None)
    return SurveyEngine(source or open_source(answers), layout, ScoreRules(scale=scale))


def counts_by_every_column(engine: SurveyEngine, filters: Filters | None, freq: str | None) -> dict:
    """Every segment column's and the period's ``ScoreCounts`` (periods by ``freq``; ``None``: the
    default period, all from one query), asked afresh."""
    engine.clear_cache()
    if freq is None:
        return engine.count_groups(filters=filters)
    names = [*SEGMENTS, "period"]
    return {name: engine.score_counts(name, filters=filters, freq=freq if name == "period" else None) for name in names}


def both_paths(engine: SurveyEngine, monkeypatch, filters: Filters | None = None, freq: str | None = "M") -> tuple[dict, dict]:
    """The counts by combination (limits lifted) and by grouping sets (limits 0); neither falls back
    to a query per column (every backend here runs GROUPING SETS)."""

    def refused(*args, **kwargs):
        raise AssertionError("a query per column ran")

    monkeypatch.setattr(engine, "_counts_query", refused)
    with monkeypatch.context() as patch:
        patch.setattr(engine_module, "MAX_COMBINATIONS", 10**9)
        patch.setattr(engine_module, "MAX_COMBINATION_AGGREGATES", 10**9)
        by_combination = counts_by_every_column(engine, filters, freq)
    with monkeypatch.context() as patch:
        patch.setattr(engine_module, "MAX_COMBINATIONS", 0)
        patch.setattr(engine_module, "MAX_COMBINATION_AGGREGATES", 0)
        by_grouping_sets = counts_by_every_column(engine, filters, freq)
    return by_combination, by_grouping_sets


def assert_same_counts(got: dict, expected: dict) -> None:
    assert list(got) == list(expected)
    for name in expected:
        a, b = got[name], expected[name]
        # the sums of the weights are added in another order: equal to the last bits
        pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=False, rtol=1e-12, atol=0)
        assert a.frame.attrs == b.frame.attrs, name
        assert (a.stages, a.scale, a.by, a.order) == (b.stages, b.scale, b.by, b.order), name
        np.testing.assert_array_equal(a.array(), b.array())


@pytest.fixture(scope="module")
def engines():
    cache = {}

    def get(scale: Scale, weighted: bool) -> SurveyEngine:
        key = (scale, weighted)
        if key not in cache:
            cache[key] = engine_of(long_answers(scale, weighted=weighted), scale)
        return cache[key]

    yield get
    for engine in cache.values():
        engine.close()


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("scale", [Scale(1, 5), Scale(0, 10)], ids=["1-5", "0-10"])
@pytest.mark.parametrize("filter_name", list(FILTERS))
def test_combination_counts_equal_grouping_sets(engines, monkeypatch, scale, weighted, filter_name):
    engine = engines(scale, weighted)
    by_combination, by_grouping_sets = both_paths(engine, monkeypatch, FILTERS[filter_name])
    assert_same_counts(by_combination, by_grouping_sets)
    if filter_name != "nobody":
        assert all(len(c.frame) for c in by_combination.values())
    if weighted:
        assert all(c.is_weighted for c in by_combination.values())


@pytest.mark.parametrize("freq", ["W", "M", "Q"])
def test_combination_counts_equal_grouping_sets_for_each_period(engines, monkeypatch, freq):
    engine = engines(Scale(1, 5), True)
    by_combination, by_grouping_sets = both_paths(engine, monkeypatch, FILTERS["region"], freq)
    assert_same_counts(by_combination, by_grouping_sets)
    assert by_combination["period"].frame.attrs["freq"] == freq


def test_missing_segment_values_and_dates_are_groups_of_their_own(engines, monkeypatch):
    """NULL region and missing dates are counted as one group each, as the long table holds them."""
    scale = Scale(1, 5)
    answers = long_answers(scale, weighted=False)
    by_combination, _ = both_paths(engines(scale, False), monkeypatch)
    for name, column in (("region", "region"), ("period", "date")):
        frame = by_combination[name].frame
        assert frame["n"].sum() == len(answers)
        missing = frame[frame[name].isna()]
        got = {(str(stage), int(score)): int(n) for stage, score, n in zip(missing["stage"], missing["score"], missing["n"])}
        expected = answers[answers[column].isna()].groupby(["stage", "score"]).size()
        assert got and got == {(stage, int(score)): int(n) for (stage, score), n in expected.items()}, name


def test_one_segment_column_without_dates(monkeypatch):
    """A single group column: the grouping sets hold no NULL of other sets (an integer segment stays integer)."""
    scale = Scale(1, 5)
    answers = long_answers(scale, weighted=False).drop(columns=["date"])
    layout = LongLayout("respondent", "stage", "score", stages=STAGES, segments=("tier",))
    with SurveyEngine(open_source(answers), layout, ScoreRules(scale=scale)) as engine:
        counts = {}
        for limit in (10**9, 0):
            monkeypatch.setattr(engine_module, "MAX_COMBINATIONS", limit)
            engine.clear_cache()
            counts[limit] = engine.count_groups()
        assert_same_counts(counts[10**9], counts[0])
        assert counts[0]["tier"].frame["tier"].dtype == np.int64


def test_guard_falls_back_to_grouping_sets(engines, monkeypatch):
    """Too many combinations or aggregates: the grouping sets count, with the same frames."""
    engine = engines(Scale(1, 5), True)
    calls = []
    for method in ("_counts_by_combination", "_counts_by_grouping_sets"):
        original = getattr(SurveyEngine, method)

        def spy(self, *args, _original=original, _method=method, **kwargs):
            calls.append(_method)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(SurveyEngine, method, spy)
    engine.clear_cache()
    default = engine.count_groups()
    assert calls == ["_counts_by_combination"]  # 4 regions x 3 tiers x 2 (member) and 12 months: few combinations
    for limit, value in (("MAX_COMBINATIONS", 20), ("MAX_COMBINATION_AGGREGATES", 4 * 5 * 5 - 1)):
        calls.clear()
        with monkeypatch.context() as patch:
            patch.setattr(engine_module, limit, value)
            engine.clear_cache()
            fallback = engine.count_groups()
        assert calls == ["_counts_by_grouping_sets"], limit
        assert_same_counts(fallback, default)


def test_counts_match_a_pandas_groupby_of_the_long_table(engines, monkeypatch):
    """The weighted counts by tier: n, sum of weights and of their squares per (stage, tier, score)."""
    scale = Scale(1, 5)
    answers = long_answers(scale, weighted=True)
    engine = engines(scale, True)
    by_combination, _ = both_paths(engine, monkeypatch)
    w = answers["weight"].fillna(0.0)
    expected = answers.assign(w=w, w2=w * w).groupby(["stage", "tier", "score"]).agg(n=("w", "size"), weight=("w", "sum"),
                                                                                       weight_sq=("w2", "sum"))
    got = by_combination["tier"].frame.assign(stage=lambda f: f["stage"].astype(str), tier=lambda f: f["tier"].astype(np.int64))
    got = got.set_index(["stage", "tier", "score"]).sort_index()
    expected = expected.sort_index()
    np.testing.assert_array_equal(got["n"].to_numpy(), expected["n"].to_numpy())
    np.testing.assert_allclose(got[["weight", "weight_sq"]].to_numpy(), expected[["weight", "weight_sq"]].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_both_paths_agree_on_postgresql(engine_pg_url, monkeypatch, weighted):
    scale = Scale(0, 10)
    answers = long_answers(scale, weighted=weighted, n=150)
    backend = ibis.connect(engine_pg_url)
    name = f"group_counts_{'weighted' if weighted else 'unweighted'}"
    backend.create_table(name, answers, overwrite=True)
    with engine_of(answers, scale, open_source(backend, name)) as engine:
        by_combination, by_grouping_sets = both_paths(engine, monkeypatch, FILTERS["region"], "Q")
    assert_same_counts(by_combination, by_grouping_sets)


def test_both_paths_agree_on_spark(spark, tmp_path, monkeypatch):
    scale = Scale(1, 5)
    answers = long_answers(scale, weighted=True, n=100)
    path = str(tmp_path / "answers.parquet")
    pq.write_table(pa.Table.from_pandas(answers, preserve_index=False), path, coerce_timestamps="us")
    with engine_of(answers, scale, open_source(spark, path)) as engine:
        by_combination, by_grouping_sets = both_paths(engine, monkeypatch, None, None)
    assert_same_counts(by_combination, by_grouping_sets)
