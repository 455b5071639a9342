"""Column roles of a table the engine reads, found as the importer finds them in a file.

A file uploaded or named on the command line has its layout, stage, score, id, outcome, segment,
date and comment columns found by the importer (:func:`cycle_analytics.ingest.importer.import_survey`)
with the user's :class:`~cycle_analytics.dataset.ImportOptions`. A table read by the engine (Parquet
files, a database table, Spark) gets the same roles: :func:`roles_from_sample` imports the first
rows of the table (:data:`SAMPLE_ROWS`, written as CSV text, so they are read exactly as a file
would be) and turns what the importer found into a :class:`~cycle_analytics.engine.layout.LongLayout`
or :class:`~cycle_analytics.engine.layout.WideLayout` and :class:`~cycle_analytics.engine.layout.ScoreRules`
for the whole table. Only the roles come from the sample; every count (the scale included, unless
given) comes from the whole table.

The sample fixes the order of the stages (long layout: the importer's order of appearance; stages
first seen after the sample follow, sorted) and of each segment's values (first use; later values
follow, sorted), so a table that fits in the sample is laid out exactly as its upload would be.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from cycle_analytics.dataset import ImportOptions, Survey
from cycle_analytics.engine.layout import Layout, LongLayout, ScoreRules, WideLayout
from cycle_analytics.engine.sources import Source
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.importer import import_survey

__all__ = ["SAMPLE_ROWS", "ColumnRoles", "roles_from_sample"]

#: Rows of a table the importer reads to find its column roles.
SAMPLE_ROWS = 50_000


@dataclass(frozen=True)
class ColumnRoles:
    """What the sample says: the ``layout`` and ``rules`` for the whole table, the outcome column
    the importer chose (``None``: none) and the imported sample itself (``sample``)."""

    layout: Layout
    rules: ScoreRules
    outcome: str | None
    sample: Survey


def roles_from_sample(source: Source, options: ImportOptions = ImportOptions(), *, rows: int = SAMPLE_ROWS,
                      name: str | None = None) -> ColumnRoles:
    """The column roles of the survey in ``source``, found by the importer in its first ``rows`` rows.

    Parameters
    ----------
    source : Source
        Its table holds the answers (long) or the respondents (wide), on any backend.
    options : ImportOptions
        The user's options, as for a file (stages, outcome, segments, N/A codes, scale, layout).
    rows : int
        Rows read for the sample.
    name : str, optional
        What the table is called in messages, as it reads after "in" ("the table 'answers'",
        "survey.csv"); ``None``: "the table" in the session's language.

    Raises
    ------
    SurveyError
        When the importer cannot read the sample (its sentence, naming the table).

    Examples
    --------
    >>> import pandas as pd
    >>> from cycle_analytics.engine import open_source
    >>> t = pd.DataFrame({"respondent_id": [f"r{i // 2}" for i in range(60)], "stage": ["Wait", "Pay"] * 30,
    ...                   "score": [1 + (i * 7) % 5 for i in range(60)]})
    >>> roles = roles_from_sample(open_source(t))
    >>> roles.layout.respondent, roles.layout.stage, roles.layout.score, roles.layout.stages
    ('respondent_id', 'stage', 'score', ('Wait', 'Pay'))
    """
    table = source.table
    name = name or _("the table")
    sample = _sample_survey(source, options, rows, name)
    info = sample.info
    if info.format not in ("long", "wide"):
        raise SurveyError(_("The columns of {name} look like a {format} export; name them with --layout long or wide.").format(
            name=name, format=info.format))
    role = {c.column: c.role for c in info.columns}
    attributes = dict(
        outcomes=tuple(c for c in info.outcome_candidates if c in table.columns),
        segments=tuple(c for c in info.segments if c in table.columns),
        date=info.date_column if info.date_column in table.columns else None,
        comment=info.comment_column if info.comment_column in table.columns else None,
        segment_orders=_segment_orders(sample, info.segments),
        # the weight the importer proposed in the sample, or the user's (ImportOptions.weight; "" = none)
        weight=info.weight_column if info.weight_column in table.columns else None,
    )
    if info.format == "long":
        found = {r: next((c for c, x in role.items() if x == r), None) for r in ("id", "stage_name", "score")}
        if None in found.values():
            raise SurveyError(_("The importer found no respondent id, stage and score columns in {name}.").format(name=name))
        layout: Layout = LongLayout(found["id"], found["stage_name"], found["score"], stages=sample.stages,
                                    more_stages=not options.stages,
                                    **attributes)
    else:
        stage_columns = [c for c, x in role.items() if x == "stage"]
        layout = WideLayout(_wide_stage_columns(stage_columns, sample.stages), respondent=info.id_column, **attributes)
    scale = info.scale if info.scale_source in ("user", "cycle", "labels") else None
    rules = ScoreRules(scale=scale, na_values=tuple(info.na_values) + tuple(_inferred_na_codes(info)))
    return ColumnRoles(layout, rules, info.outcome, sample)


def _sample_survey(source: Source, options: ImportOptions, rows: int, name: str) -> Survey:
    """The first ``rows`` rows of ``table`` imported as the CSV text a file would hold.

    DuckDB keeps the files' row order for this query (the engine's connection turns it off for the
    counts), so the sample of a file or glob is its first rows; a database returns the rows it
    finds first.
    """
    backend, table = source.backend, source.table
    was = None
    if backend.name == "duckdb":
        was = bool(backend.raw_sql("SELECT current_setting('preserve_insertion_order')").fetchone()[0])
        backend.raw_sql("SET preserve_insertion_order = true")
    try:
        arrow = backend.to_pyarrow(table.limit(int(rows)))
    finally:
        if was is not None:
            backend.raw_sql(f"SET preserve_insertion_order = {str(was).lower()}")
    columns = {}
    for field, column in zip(arrow.schema, arrow.columns):
        if pa.types.is_dictionary(field.type):
            column = column.cast(field.type.value_type)
        if pa.types.is_date(field.type) or pa.types.is_timestamp(field.type):
            column = column.cast(pa.string())
        columns[field.name] = column
    buffer = io.BytesIO()
    pcsv.write_csv(pa.table(columns), buffer)
    try:
        return import_survey(buffer.getvalue(), options, file_name=f"{name}.csv")
    except SurveyError as err:
        raise SurveyError(_("Reading the first rows of {name}: {error}").format(name=name, error=err)) from None


def _segment_orders(sample: Survey, segments) -> dict:
    """Each segment's values in the sample's order (the importer's order of first use)."""
    out = {}
    for column in segments:
        values = sample.responses.get(column)
        if values is not None and isinstance(values.dtype, pd.CategoricalDtype):
            out[column] = tuple(str(v) for v in values.dtype.categories)
    return out


def _wide_stage_columns(columns: list[str], stages: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(column, stage)`` in cycle order: columns named as a stage in the sample's order, the other
    stage columns after them under their own names."""
    named = [c for c in columns if c in stages]
    ordered = sorted(named, key=stages.index)
    return [(c, c) for c in ordered] + [(c, c) for c in columns if c not in stages]


def _inferred_na_codes(info) -> list[str]:
    """The answers the importer read as "no answer" beyond the user's N/A values (e.g. a 0 or
    a "Don't know" it recognised), so the whole table reads them the same way."""
    return [str(code.value) for code in info.na_codes if str(code.value) not in info.na_values and str(code.value).strip()]
