"""The surveys the engine tests share, the ways a user holds them, and their engines.

Each survey of ``tests/synth.py`` is exported the ways a user holds it - the imported Survey itself
(Arrow into DuckDB), a long table with N/A cells, junk cells, an unknown stage and a row without an
id mixed in (as a DataFrame, a CSV file, PostgreSQL tables, Spark reading the CSV), a wide Parquet
file or table - and :func:`build_engine` opens one export as a :class:`SurveyEngine` (cached for
the test session). The backends (a PostgreSQL server from ``tests/pg.py``, a local Spark session)
are fixtures in ``tests/conftest.py``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from synth import make_survey

from cycle_analytics.engine import LongLayout, ScoreRules, SurveyEngine, WideLayout, open_source, survey_source
from cycle_analytics.scales import Scale

# --------------------------------------------------------------------------------------------
# the surveys and their exports
# --------------------------------------------------------------------------------------------

STAGES_B = tuple(f"Touchpoint {i + 1}" for i in range(16))  # 16 stages on 0-10: two packed keys


def _with_comments(survey, seed: int):
    """The survey with a ``comment`` column (a third of the respondents, some blank)."""
    rng = np.random.default_rng(seed)
    n = len(survey.responses)
    words = np.array(["slow", "queue", "friendly", "rude", "clean", "fast"])
    text = np.char.add(np.char.add(words[rng.integers(0, 6, n)], " #"), np.arange(n).astype(str))
    comment = np.where(rng.random(n) < 0.33, text, np.where(rng.random(n) < 0.1, "  ", ""))
    responses = survey.responses.copy()
    responses["comment"] = pd.array(comment, dtype="str")
    return dataclasses.replace(survey, responses=responses)


def _with_weights(survey, seed: int):
    """The survey weighted by a ``weight`` column (``info.weight_column``): non-whole weights from 0.2
    to 3 (three decimals, as a weighting program writes them), 2% missing and 1% negative (both
    count with weight 0)."""
    rng = np.random.default_rng(seed)
    n = len(survey.responses)
    weight = rng.uniform(0.2, 3.0, n).round(3)
    draw = rng.random(n)
    weight[draw < 0.02] = np.nan
    weight[(draw >= 0.02) & (draw < 0.03)] = -1.0
    responses = survey.responses.assign(weight=weight)
    return dataclasses.replace(survey, responses=responses, info=dataclasses.replace(survey.info, weight_column="weight"))


SURVEYS = {
    "A": lambda: _with_comments(make_survey(1200, seed=11, answer_rate=0.85, date_missing_rate=0.05, span_days=400), seed=1),
    "B": lambda: make_survey(500, STAGES_B, Scale(0, 10), seed=5, answer_rate=0.7, span_days=60),
    # a small weighted survey: every table weighted on every backend
    "W": lambda: _with_weights(make_survey(600, seed=23, answer_rate=0.85, date_missing_rate=0.03, span_days=200), seed=2),
}
_SURVEY_CACHE: dict = {}


def survey_of(name: str):
    if name not in _SURVEY_CACHE:
        _SURVEY_CACHE[name] = SURVEYS[name]()
    return _SURVEY_CACHE[name]


def respondent_frame(survey) -> pd.DataFrame:
    """One row per respondent: id and the per-respondent columns, as a user's table holds them."""
    resp = survey.responses
    out = pd.DataFrame({"respondent_id": resp["response_id"].astype("str").to_numpy()})
    for col in resp.columns:
        if col == "response_id":
            continue
        values = resp[col]
        out[col] = values.astype("str").where(values.notna(), None) if isinstance(values.dtype, pd.CategoricalDtype) else values.to_numpy()
    return out


def long_export(survey, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """The long table of ``survey`` with cells that are no ratings mixed in, and how many of each.

    Added rows: "N/A" (every respondent without a rating gets one, so that they are in the table),
    a junk cell "x", an empty cell, an unknown stage "Lobby" and a row without a respondent id.
    Scores are text (as in a CSV with N/A codes).
    """
    rng = np.random.default_rng(seed)
    r = survey.ratings
    people = respondent_frame(survey)
    codes = r["response_id"].cat.codes.to_numpy()
    rows = pd.DataFrame({"respondent_id": people["respondent_id"].to_numpy()[codes], "stage": r["stage"].astype("str").to_numpy(),
                         "score": [str(int(v)) for v in r["score"].to_numpy()]})
    rated = np.bincount(codes, minlength=len(people))
    silent = np.flatnonzero(rated == 0)
    pick = rng.choice(len(people), 40, replace=False)
    extra = pd.DataFrame({
        "respondent_id": np.concatenate([people["respondent_id"].to_numpy()[silent], people["respondent_id"].to_numpy()[pick[:30]],
                                         people["respondent_id"].to_numpy()[pick[30:35]], people["respondent_id"].to_numpy()[pick[35:38]],
                                         people["respondent_id"].to_numpy()[pick[38:40]], [None]]),
        "stage": [survey.stages[0]] * len(silent) + ["Lobby"] * 30 + [survey.stages[0]] * 5 + [survey.stages[-1]] * 3
                 + [survey.stages[1]] * 2 + [survey.stages[0]],
        "score": ["N/A"] * len(silent) + ["4"] * 30 + ["N/A"] * 5 + ["x"] * 3 + [""] * 2 + ["3"],
    })
    # the junk rows must not hit a stage their respondent rated (that would be a second rating)
    taken = set(zip(rows["respondent_id"], rows["stage"]))
    keep = [(i, s) not in taken for i, s in zip(extra["respondent_id"], extra["stage"])]
    extra = extra[keep]
    answers = pd.concat([rows, extra], ignore_index=True)
    answers = answers.merge(people, on="respondent_id", how="left")
    answers = answers.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    added = {
        "no_answer": int((extra["score"] == "N/A").sum()),
        "unknown_stage": int((extra["stage"] == "Lobby").sum()),
        "not_a_number": int((extra["score"] == "x").sum()),
        "empty": int((extra["score"] == "").sum()),
        "no_respondent": int(extra["respondent_id"].isna().sum()),
    }
    return answers, added


def wide_export(survey) -> pd.DataFrame:
    """One row per respondent, one float column per stage (NaN = not rated), then the other columns."""
    r = survey.ratings
    people = respondent_frame(survey)
    mat = np.full((len(people), len(survey.stages)), np.nan)
    mat[r["response_id"].cat.codes.to_numpy(), r["stage"].cat.codes.to_numpy()] = r["score"].to_numpy()
    stages = pd.DataFrame(mat, columns=[f"q{j + 1}" for j in range(len(survey.stages))])
    return pd.concat([people[["respondent_id"]], stages, people.drop(columns=["respondent_id"])], axis=1)


def segment_orders(survey) -> dict:
    """The survey's segment values in category order (the order the in-memory tables list them in)."""
    return {c: tuple(str(v) for v in survey.responses[c].cat.categories) for c in ("region", "channel")}


def long_layout(survey) -> LongLayout:
    resp = survey.responses
    return LongLayout(
        "respondent_id", "stage", "score", stages=survey.stages, outcomes=("overall", "satisfied"), segments=("region", "channel"),
        date="date" if "date" in resp.columns else None, comment="comment" if "comment" in resp.columns else None,
        segment_orders=segment_orders(survey), weight=survey.info.weight_column,
    )


def wide_layout(survey) -> WideLayout:
    resp = survey.responses
    return WideLayout(
        [(f"q{j + 1}", s) for j, s in enumerate(survey.stages)], respondent="respondent_id", outcomes=("overall", "satisfied"),
        segments=("region", "channel"), date="date" if "date" in resp.columns else None,
        comment="comment" if "comment" in resp.columns else None, segment_orders=segment_orders(survey),
        weight=survey.info.weight_column,
    )



_ENGINES: dict = {}


def build_engine(flavour: str, survey_name: str, request) -> tuple[SurveyEngine, dict]:
    """The engine of ``survey_name`` exported as ``flavour`` (cached for the session), and the added junk counts."""
    key = (flavour, survey_name)
    if key in _ENGINES:
        return _ENGINES[key]
    survey = survey_of(survey_name)
    answers, added = long_export(survey, seed=len(survey.stages))
    wide = wide_export(survey)
    rules = ScoreRules(scale=survey.scale, na_values=("N/A",))
    folder = request.getfixturevalue("export_dir")
    if flavour == "memory-survey":
        source, layout, rules = survey_source(survey)
        added = {}
    elif flavour == "duckdb-long-frame":
        source, layout = open_source(answers), long_layout(survey)
    elif flavour == "duckdb-long-csv":
        path = f"{folder}/{survey_name}_long.csv"
        answers.to_csv(path, index=False, date_format="%Y-%m-%d")
        source, layout = open_source(path), long_layout(survey)
    elif flavour == "duckdb-wide-parquet":
        path = f"{folder}/{survey_name}_wide.parquet"
        pq.write_table(pa.Table.from_pandas(wide, preserve_index=False), path, coerce_timestamps="us")
        source, layout, added = open_source(path), wide_layout(survey), {}
    elif flavour.startswith("postgres"):
        import ibis

        con = ibis.connect(request.getfixturevalue("engine_pg_url"))
        name = f"{survey_name.lower()}_{flavour.replace('-', '_')}"
        if flavour == "postgres-long":
            # in a schema of its own, named by URL and "schema.table" as a user names it
            con.raw_sql("CREATE SCHEMA IF NOT EXISTS surveys")
            con.create_table(name, answers, database="surveys", overwrite=True)
            source, layout = open_source(request.getfixturevalue("engine_pg_url"), f"surveys.{name}"), long_layout(survey)
        elif flavour == "postgres-two-tables":
            con.create_table(name + "_answers", answers[["respondent_id", "stage", "score"]], overwrite=True)
            con.create_table(name + "_people", respondent_frame(survey), overwrite=True)
            source, layout = open_source(con, name + "_answers", respondents=name + "_people"), long_layout(survey)
        else:
            con.create_table(name, wide, overwrite=True)
            source, layout, added = open_source(con, name), wide_layout(survey), {}
    elif flavour == "spark-long-csv":
        path = f"{folder}/{survey_name}_spark_long.csv"
        answers.to_csv(path, index=False, date_format="%Y-%m-%d")
        source, layout = open_source(request.getfixturevalue("spark"), path), long_layout(survey)
    elif flavour == "spark-wide-parquet":
        path = f"{folder}/{survey_name}_spark_wide.parquet"
        pq.write_table(pa.Table.from_pandas(wide, preserve_index=False), path, coerce_timestamps="us")
        source, layout, added = open_source(request.getfixturevalue("spark"), path), wide_layout(survey), {}
    else:  # pragma: no cover - a typo in the parameter list
        raise AssertionError(flavour)
    _ENGINES[key] = SurveyEngine(source, layout, rules), added
    return _ENGINES[key]


