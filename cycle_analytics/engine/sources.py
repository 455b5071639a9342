"""Where a survey is held: an Ibis table on a backend, from a frame, a file, a database or Spark.

:func:`open_source` turns whatever the user names into a :class:`Source` (an Ibis backend and
the table of answers, plus an optional table of respondents):

=========================================== =========================================================
``pandas.DataFrame`` / ``pyarrow.Table``    an in-memory DuckDB database scanning the Arrow data
                                            (no copy; small uploads and survey-tool exports)
``"answers.csv"``, ``"data/*.csv.gz"``      DuckDB's CSV reader, every column read as text (a
                                            typed guess from the first rows can fail further down
                                            a big file; the engine maps the texts itself)
``"data/*.parquet"``, a Parquet folder      DuckDB's Parquet reader (columns as typed in the files)
``"postgresql://user@host/db"`` + table     any URL :func:`ibis.connect` knows: ``duckdb://``,
                                            ``postgresql://``, ``bigquery://``, ``snowflake://``,
                                            ``databricks://``, ``trino://`` ... (``schema.table``
                                            names a table in another schema or dataset)
a ``pyspark.sql.SparkSession`` + table      a Spark table or view, or a CSV / Parquet path read by
                                            Spark
an Ibis backend + table, an Ibis table      as they are
=========================================== =========================================================

Only DuckDB, PostgreSQL and Spark are tested here (see docs/deployment.md, "Analysing a warehouse
table"). :func:`survey_source` hands an imported :class:`~cycle_analytics.dataset.Survey` to
DuckDB as Arrow (the in-memory path's tables, no copy) with the layout that reads it.

Examples
--------
>>> import pandas as pd
>>> src = open_source(pd.DataFrame({"id": ["a", "b"], "stage": ["X", "X"], "score": [4, 5]}))
>>> src.backend.name, src.table.columns
('duckdb', ('id', 'stage', 'score'))
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
from ibis.backends import BaseBackend

from cycle_analytics.dataset import Survey
from cycle_analytics.engine.layout import LongLayout, ScoreRules
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _

__all__ = ["Source", "open_source", "duckdb_backend", "survey_source", "CSV_SUFFIXES", "PARQUET_SUFFIXES"]

CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".csv.zst")
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")


@dataclass(frozen=True)
class Source:
    """A survey's tables on one backend.

    ``table``: the answers (long layout) or the respondents with one column per stage (wide).
    ``respondents``: optional, for the long layout only: one row per respondent with the
    per-respondent columns (outcomes, segments, date, comment), keyed by the respondent id.
    ``description``: what the user named (shown in messages).
    """

    backend: BaseBackend
    table: ir.Table
    respondents: ir.Table | None = None
    description: str = ""


def duckdb_backend(
    database: str = ":memory:", *, memory_limit: str | None = None, threads: int | None = None,
    temp_directory: str | None = None,
) -> BaseBackend:
    """An Ibis DuckDB backend set up for large scans.

    ``preserve_insertion_order`` is off (results are grouped, never in file order, and keeping the
    order costs memory on big aggregations). ``memory_limit`` (e.g. ``"3GB"``) makes DuckDB spill
    to ``temp_directory`` instead of growing past it.
    """
    config: dict = {}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = int(threads)
    if temp_directory:
        config["temp_directory"] = str(temp_directory)
    con = ibis.duckdb.connect(database, **config)
    con.raw_sql("SET preserve_insertion_order = false")
    return con


def open_source(location, table: str | None = None, *, backend: BaseBackend | None = None,
                respondents: str | None = None) -> Source:
    """The :class:`Source` named by ``location`` (see the module docstring for what it can be).

    Parameters
    ----------
    location : DataFrame, Arrow table, path, glob, URL, SparkSession, Ibis backend or Ibis table
        Where the survey is.
    table : str, optional
        The table's name in a database, Spark or an Ibis backend (``schema.table`` for another
        schema); for a SparkSession also a CSV or Parquet path.
    backend : Ibis backend, optional
        Read a frame or a file with this backend instead of a new in-memory DuckDB (for example
        Spark reading a Parquet folder).
    respondents : str, optional
        The name of a separate respondents table on the same backend (long layout).

    Raises
    ------
    SurveyError
        When the location cannot be read, with one sentence saying why.
    """
    if isinstance(location, ir.Table):
        con = location._find_backend()
        return Source(con, location, _named_table(con, respondents), _("an Ibis table"))
    if isinstance(location, (pd.DataFrame, pa.Table)):
        con = backend or duckdb_backend()
        return Source(con, _in_memory_table(con, location), None, _("a table in memory"))
    if isinstance(location, BaseBackend):
        return Source(location, _named_table(location, _require_table(table, _("the backend"))),
                      _named_table(location, respondents), _("the table {table!r}").format(table=table))
    if _is_spark_session(location):
        con = ibis.pyspark.connect(location)
        name = _require_table(table, "Spark")
        if _looks_like_path(name):
            return Source(con, _file_table(con, name), _named_table(con, respondents), name)
        return Source(con, _named_table(con, name), _named_table(con, respondents), _("the Spark table {table!r}").format(table=name))
    if isinstance(location, (str, os.PathLike)):
        text = os.fspath(location)
        if "://" in text:
            name = _require_table(table, _scheme(text))
            con = _connect_url(text)
            return Source(con, _named_table(con, name), _named_table(con, respondents),
                          _("the table {table!r} at {scheme}").format(table=name, scheme=_scheme(text)))
        con = backend or duckdb_backend()
        return Source(con, _file_table(con, text), _named_table(con, respondents), text)
    raise SurveyError(_(
        "A survey source must be a table in memory, a file path, a database URL or a Spark session, not a {type}."
    ).format(type=type(location).__name__))


def _require_table(table: str | None, where: str) -> str:
    if not table:
        raise SurveyError(_("Name the table to read from {where} (for example --table survey_answers).").format(where=where))
    return table


def _first_line(err: Exception) -> str:
    """The first line of an exception's message (its type's name when it has none): the cause a sentence names."""
    return str(err).splitlines()[0] if str(err) else type(err).__name__


def _scheme(url: str) -> str:
    return url.split("://", 1)[0] + "://"


def _is_spark_session(obj) -> bool:
    """A SparkSession, recognised without importing pyspark (it is only needed when one is passed)."""
    return type(obj).__name__ == "SparkSession" and type(obj).__module__.startswith("pyspark")


def _looks_like_path(name: str) -> bool:
    return any(ch in name for ch in "/\\*") or name.lower().endswith(CSV_SUFFIXES + PARQUET_SUFFIXES)


def _connect_url(url: str) -> BaseBackend:
    """Connect with :func:`ibis.connect`; a failure becomes one sentence naming the scheme."""
    try:
        return ibis.connect(url)
    except ModuleNotFoundError as err:
        raise SurveyError(_(
            "Reading from {scheme} needs the Python package {package!r}; install the matching ibis-framework extra "
            "(see docs/deployment.md)."
        ).format(scheme=_scheme(url), package=err.name)) from None
    except Exception as err:  # drivers raise their own types; the sentence names the cause
        raise SurveyError(_("Could not connect to {scheme}: {cause}.").format(scheme=_scheme(url), cause=_first_line(err))) from None


def _named_table(con: BaseBackend, name: str | None) -> ir.Table | None:
    """The table ``name`` (``schema.table`` in another schema) on ``con``; ``None`` for no name."""
    if not name:
        return None
    database = None
    if "." in name and not _looks_like_path(name):
        database, name = name.rsplit(".", 1)
    try:
        return con.table(name, database=database) if database else con.table(name)
    except Exception as err:  # each backend has its own "no such table" exception
        raise SurveyError(_("There is no table {table!r} to read ({cause}).").format(table=name, cause=_first_line(err))) from None


def _in_memory_table(con: BaseBackend, frame) -> ir.Table:
    """A frame as a table of ``con``: scanned in place by DuckDB, uploaded to other backends."""
    if con.name == "duckdb":
        return ibis.memtable(frame)
    return con.create_table(ibis.util.gen_name("survey"), frame)


def _file_table(con: BaseBackend, path: str) -> ir.Table:
    """A CSV or Parquet path or glob (or a folder of Parquet files) as a table of ``con``."""
    lower = path.lower()
    is_dir = os.path.isdir(path)
    if not is_dir and not glob.glob(path) and "://" not in path:
        raise SurveyError(_("No file matches {path!r}.").format(path=path))
    try:
        if lower.endswith(CSV_SUFFIXES):
            if con.name == "duckdb":
                # Every column as text: DuckDB's type guess from the first rows fails further down a
                # big file on an "N/A" in a numeric column; the engine maps texts to numbers itself.
                return con.read_csv(path, all_varchar=True, header=True)
            return con.read_csv(path, header=True)
        if is_dir or lower.endswith(PARQUET_SUFFIXES):
            target = str(Path(path) / "*.parquet") if is_dir and con.name == "duckdb" else path
            return con.read_parquet(target)
    except Exception as err:  # the reader's own exception types differ between backends
        raise SurveyError(_("Could not read {path!r}: {cause}.").format(path=path, cause=_first_line(err))) from None
    raise SurveyError(_("The file {path!r} is neither CSV ({csv}) nor Parquet ({parquet}).").format(
        path=path, csv=", ".join(CSV_SUFFIXES), parquet=", ".join(PARQUET_SUFFIXES)))


def survey_source(survey: Survey, backend: BaseBackend | None = None) -> tuple[Source, LongLayout, ScoreRules]:
    """An imported survey as a :class:`Source` with the layout and rules that read it.

    The ratings go over as integer codes (respondent, stage) and float scores, the responses as
    one row per respondent keyed by the same code (``respondent``, the row of ``responses``), so
    respondents without a rating stay in; the survey's weight column (``info.weight_column``)
    goes with them and becomes the layout's ``weight``. Both are Arrow tables DuckDB scans where they lie.

    Returns
    -------
    (Source, LongLayout, ScoreRules)
    """
    if not isinstance(survey, Survey):
        raise SurveyError(_("survey_source needs an imported Survey, not a {type}.").format(type=type(survey).__name__))
    ratings, responses = survey.ratings, survey.responses
    answers = pa.table({
        "respondent": pa.array(ratings["response_id"].cat.codes.to_numpy().astype(np.int64)),
        "stage": pa.array(ratings["stage"].cat.codes.to_numpy().astype(np.int64)),
        "score": pa.array(ratings["score"].to_numpy(dtype=np.float64)),
    })
    info = survey.info
    outcomes = tuple(c for c in info.outcome_candidates if c in responses.columns)
    segments = tuple(c for c in info.segments if c in responses.columns)
    date = "date" if "date" in responses.columns else None
    comment = "comment" if "comment" in responses.columns else None
    weight = info.weight_column if info.weight_column in responses.columns else None
    columns = {"respondent": pa.array(np.arange(len(responses), dtype=np.int64))}
    for name in dict.fromkeys((*outcomes, *segments, *((date,) if date else ()), *((comment,) if comment else ()),
                               *((weight,) if weight else ()))):
        columns[name] = _arrow_column(responses[name])
    people = pa.table(columns)
    con = backend or duckdb_backend()
    source = Source(con, _in_memory_table(con, answers), _in_memory_table(con, people), _("an imported survey"))
    categorical = [c for c in segments if isinstance(responses[c].dtype, pd.CategoricalDtype)]
    layout = LongLayout(
        "respondent", "stage", "score", stages=survey.stages, stage_values=tuple(enumerate(survey.stages)),
        outcomes=outcomes, segments=segments, date=date, comment=comment, weight=weight,
        # the tables list a segment's values in category order, as the in-memory tables do
        segment_orders={c: tuple(str(v) for v in responses[c].dtype.categories) for c in categorical},
        ordinal_segments=tuple(c for c in categorical if responses[c].dtype.ordered),
    )
    return source, layout, ScoreRules(scale=survey.scale)


def _arrow_column(values: pd.Series) -> pa.Array:
    """A responses column as Arrow: dates as timestamps, numbers (and booleans) as floats, the rest as text."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        if getattr(values.dtype, "tz", None) is not None:
            values = values.dt.tz_convert(None)
        return pa.array(values, pa.timestamp("us"))
    if not isinstance(values.dtype, pd.CategoricalDtype) and (
        pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)
    ):
        return pa.array(values.to_numpy(dtype=np.float64, na_value=np.nan), pa.float64(), from_pandas=True)
    return pa.array([None if pd.isna(v) else str(v) for v in values.tolist()], pa.string())
