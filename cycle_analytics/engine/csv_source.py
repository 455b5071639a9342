"""A large plain CSV read by DuckDB, with the importer's row accounting: the route and the reading.

A survey file goes one of two ways (:func:`csv_route`):

* ``"memory"`` - the importer (:func:`cycle_analytics.ingest.importer.import_survey`): every
  small file, every Excel, SPSS or Stata file and every survey-tool export;
* ``"duckdb"`` - a plain long or wide CSV of at least :data:`LARGE_CSV_BYTES` (the one setting of
  the route): :func:`read_large_csv` reads it with DuckDB's CSV reader and hands the analysis a
  :class:`~cycle_analytics.engine.SurveyEngine`; only count tables, the pattern table and the
  rejected rows come back to Python.

The DuckDB reading keeps the importer's accounting - rows read = accepted + rejected, answers
read = ratings + no answer + invalid, each rejected row and each invalid answer listed with its
data row number and the importer's own sentence - because every decision is taken by the
importer's functions on the *distinct* values DuckDB counts. The dialect (encoding, delimiter,
header) comes from the head of the file, as the importer reads it
(:func:`~cycle_analytics.ingest.reading.plain_csv_dialect`), and the column roles from the first
rows (:func:`~cycle_analytics.engine.roles.roles_from_sample`). Then, for a **long** file (one
row per rating):

1. one scan counts the rows by (stage, score, id missing) - the engine's first pass - and, read
   with the importer's decisions on the first :data:`ORDER_ROWS` rows, groups the answers by
   respondent in the same parse (``GROUPING SETS``, :func:`_count_and_pack`); from the counts,
   the stage values are mapped and the scale and its N/A codes chosen by :func:`~cycle_analytics.ingest.layouts.long.map_stage_values` and
   :func:`~cycle_analytics.ingest.layouts.long.scale_and_na_codes`, the scores classified by
   :func:`~cycle_analytics.ingest.layouts.columns.classify_values`; when the scale's reading asks
   how the respondents who gave a value rate their other stages (a 0 on 0-10, a 6 on 1-5), one
   ``GROUP BY`` respondent answers it (:func:`_rest_evidence`);
2. only when some row is rejected or some answer invalid: the rows concerned, numbered by a
   streaming ``row_number() OVER ()`` in file order, listed by
   :func:`~cycle_analytics.ingest.layouts.rejections.rejected_frame` and
   :class:`~cycle_analytics.ingest.layouts.rejections.InvalidAnswers`;
3. the stage order of the rows (the first :data:`ORDER_ROWS` rows, in file order) and the engine
   over the accepted rows, with the stages, scale and N/A codes of step 1.

The engine then reads the packed respondent table when the whole file reads as its first rows,
else it parses the accepted rows again. A materialised copy of the file (one parse, then scans of
the copy) costs more - on the 10M-rating CSV, 3.8-4.2 s of CPU and 1.3 GB to copy, against 1.6 s
and a few MB for a streaming pass of three columns.

For a **wide** file (one row per respondent, one column per stage; :func:`_read_wide`):

1. one scan counts every stage cell by (stage column, raw value, row rejected) - the stage
   columns unpivoted, the row rejected when it has no id (files with an id column; an empty row
   has none either) or, without an id column, when every cell is empty; the rows read and
   rejected are the counts of the first stage column;
2. each stage column is profiled from its distinct values
   (:func:`~cycle_analytics.ingest.layouts.columns.profile_column`), the scale and its N/A codes
   chosen over every row as :func:`~cycle_analytics.ingest.layouts.wide.build_wide` chooses them
   (:func:`~cycle_analytics.ingest.layouts.scale_choice.choose_scale`,
   :func:`~cycle_analytics.ingest.layouts.wide.apply_inferred_codes`; the rest scores of
   :func:`~cycle_analytics.ingest.layouts.blocks.wide_rest_evidence`, when asked for, are summed
   in SQL by :func:`_wide_rest_evidence`), each cell of the accepted rows classified by
   :func:`~cycle_analytics.ingest.layouts.columns.classify_values`;
3. the rejected rows and the rows holding an invalid answer listed in file order, the reasons
   given by the importer's :func:`~cycle_analytics.ingest.layouts.wide.reject_unusable_rows` and
   :class:`~cycle_analytics.ingest.layouts.rejections.InvalidAnswers`;
4. the engine over the accepted rows (its respondent table is a projection of them), with the
   counts of step 1 as its first pass; the engine's classes of the cells and its ratings must
   equal the accounting's, the ids must be unique and bare.

The wide reading parses the file twice (the count, the respondent table): a materialised copy
costs more here too (on the 10M-rating wide CSV of ``bench/make_big_csv.py --wide``, 1.3 s to copy
and 0.45 s to count the copy, against 0.6-0.9 s for the streaming count).

The importer's guess never makes a file fail: whatever this reading cannot take exactly as the
importer would makes :func:`read_large_csv` return ``None``, and the caller imports the file in
memory as before (the user gets the importer's result or its sentence). That is: another encoding,
rows the reader cannot split, a quote never closed, any DuckDB error; a weight column (the
importer weights every figure; long and wide); ids of white space only or padded with it (the
importer strips them); long files: a respondent rating a stage twice; wide files: a repeated id
(the importer rejects the later rows), answer labels in a stage column or the user's label
mapping (the importer scores text answers column by column), stated-importance columns (read
with the respondents in memory), no id column but a comment column (the importer names those
respondents by their data row number, shown next to their comments), stage columns holding more
than :data:`~cycle_analytics.ingest.layouts.columns.MAX_TOKEN_VALUES` distinct values together
(the missing-answer tokens are read per column only below that), and any cell the engine would
class otherwise than the accounting (never seen: the safety net).

Known differences from the in-memory import (docs/deployment.md, "A large CSV file"): long files:
the respondent's outcome, segment, date and comment are the largest value of their rows (the
importer keeps the first non-empty one; the same when the export repeats them, as exports do); the
stage order read from the rows uses the first :data:`ORDER_ROWS` rows; wide files: the stage
columns (and the outcome, segment, date and comment columns) are those the importer finds in the
first :data:`~cycle_analytics.engine.roles.SAMPLE_ROWS` rows (the importer finds its stage block
from every row; the same for a file whose first rows hold each column's kind of answers); both:
the response-quality flags (speeders, straight-liners, duplicates) need every answer in memory
and are not computed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cycle_analytics.dataset import DatasetInfo, ImportOptions
from cycle_analytics.engine.answers import AnswerInventory, classify_answers
from cycle_analytics.engine.engine import SurveyEngine
from cycle_analytics.engine.layout import LongLayout, ScoreRules, WideLayout
from cycle_analytics.engine.progress import ProgressCallback, enable_duckdb_progress, run_with_progress
from cycle_analytics.engine.respondents import (
    PackedAnswers,
    attribute_expressions,
    packed_row_values,
    respondent_columns,
    unpacked_respondents,
)
from cycle_analytics.engine.roles import ColumnRoles, roles_from_sample
from cycle_analytics.engine.sources import Source, duckdb_backend
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.layouts.codes import empty_rows
from cycle_analytics.ingest.layouts.columns import (
    EMPTY,
    MAX_TOKEN_VALUES,
    NA,
    NOT_NUMBER,
    OK,
    OUT_OF_SCALE,
    classify_values,
    profile_column,
)
from cycle_analytics.ingest.layouts.finish import na_code_summary, na_codes_reason
from cycle_analytics.ingest.layouts.long import (
    EMPTY_ROW,
    MISSING_ID,
    MISSING_STAGE,
    ORDER_SAMPLE_RESPONDENTS,
    appearance_stage_order,
    rest_core_range,
    map_stage_values,
    scale_and_na_codes,
)
from cycle_analytics.ingest.layouts.rejections import InvalidAnswers, RowRejections, rejected_frame
from cycle_analytics.ingest.layouts.scale_choice import RestEvidence, choose_scale, label_scale, rest_statistics_from_sums
from cycle_analytics.ingest.layouts.text_answers import score_text_answers
from cycle_analytics.ingest.layouts.wide import apply_inferred_codes, reject_unusable_rows
from cycle_analytics.ingest.reading import PlainCsvDialect, RawColumn, RawTable, plain_csv_dialect
from cycle_analytics.scales import Scale

__all__ = ["LARGE_CSV_BYTES", "CSV_ROUTES", "PLAIN_CSV_SUFFIXES", "ORDER_ROWS", "LargeCsvRead", "csv_route",
           "read_large_csv"]

#: A plain CSV of at least this many bytes is read by DuckDB (the route's one setting). Below it the
#: in-memory import is as fast and gives the response-quality flags too; above it (a 10M-rating
#: file is 650 MB) it needs several times the file's size in memory.
LARGE_CSV_BYTES = 100 * 1024 * 1024
#: ``route`` values: ``"auto"`` (by size and kind), or forced ``"duckdb"`` / ``"memory"``.
CSV_ROUTES = ("auto", "duckdb", "memory")
PLAIN_CSV_SUFFIXES = (".csv", ".tsv", ".txt")
#: Rows read in file order to order the stages by their appearance within respondents' rows.
ORDER_ROWS = 1_000_000
#: Unicode white space as ``pyarrow.compute.utf8_trim_whitespace`` (the importer) strips it, as a
#: RE2 class: the ASCII controls, U+0085 and the separators (``\pZ``: the spaces, U+2028, U+2029).
_WHITE_SPACE = r"[\t\n\x{0B}\x{0C}\r\x{85}\pZ]"
_ROW = "sca_row"


@dataclass(frozen=True)
class LargeCsvRead:
    """What :func:`read_large_csv` read: the engine over the accepted rows, the importer's
    accounting (``info``), the rejected rows and the invalid answers (the frames of
    :class:`~cycle_analytics.dataset.Survey`), and the column roles found in the first rows."""

    engine: SurveyEngine
    info: DatasetInfo
    rejected: pd.DataFrame
    invalid: pd.DataFrame
    roles: ColumnRoles


class _NotExact(Exception):
    """The DuckDB reading cannot decide this file as the importer would: import it in memory."""


def csv_route(path, route: str = "auto", *, threshold: int | None = None) -> str:
    """``"duckdb"`` or ``"memory"``: how the survey file at ``path`` is read.

    ``route="auto"`` sends a plain CSV (``.csv``, ``.tsv``, ``.txt``) of at least ``threshold``
    bytes (default :data:`LARGE_CSV_BYTES`, read when called) to DuckDB; ``"duckdb"`` and
    ``"memory"`` force a way (tests, and users who want the in-memory reader). Even on the DuckDB
    route a file the reading cannot take exactly is imported in memory (:func:`read_large_csv`
    returns ``None``).

    >>> csv_route("answers.xlsx", "auto"), csv_route("answers.csv", "memory")
    ('memory', 'memory')
    """
    if route not in CSV_ROUTES:
        raise SurveyError(_("The reader must be one of {items}, not {route!r}.").format(items=", ".join(CSV_ROUTES), route=route))
    if route != "auto":
        return route
    name = str(path).lower()
    if not name.endswith(PLAIN_CSV_SUFFIXES) or not os.path.isfile(path):
        return "memory"
    return "duckdb" if os.path.getsize(path) >= (LARGE_CSV_BYTES if threshold is None else threshold) else "memory"


def read_large_csv(path, options: ImportOptions = ImportOptions(), *, progress: ProgressCallback | None = None,
                   memory_limit: str | None = None, temp_directory: str | None = None) -> LargeCsvRead | None:
    """Read the plain long CSV at ``path`` with DuckDB, accounting for every row as the importer does.

    Parameters
    ----------
    path : str or Path
    options : ImportOptions
        The user's options, as for :func:`~cycle_analytics.ingest.importer.import_survey`.
    progress : callable, optional
        ``progress(done, message)`` of long steps (:mod:`cycle_analytics.engine.progress`).
    memory_limit, temp_directory : str, optional
        DuckDB's memory limit and where it spills past it.

    Returns
    -------
    LargeCsvRead or None
        ``None`` when the file must be imported in memory (see the module docstring); the caller
        then imports it, so the user gets the importer's result or its sentence.

    Examples
    --------
    >>> import tempfile, os
    >>> rows = "".join(f"r{i},{s},{1 + (i + j) % 5}\\n" for i in range(40) for j, s in enumerate(["Wait", "Pay"]))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = os.path.join(d, "answers.csv")
    ...     _ = open(f, "w").write("id,stage,score\\n" + rows + ",Wait,4\\n")
    ...     read = read_large_csv(f)
    ...     read.info.rows_read, read.info.rows_rejected, read.rejected["reason"].tolist(), read.engine.stages
    (81, 1, ['missing id'], ('Wait', 'Pay'))
    """
    dialect = plain_csv_dialect(path)
    if dialect is None:
        return None
    backend = duckdb_backend(memory_limit=memory_limit, temp_directory=temp_directory)
    try:
        return _read(Path(path), dialect, options, backend, progress)
    except _NotExact:
        return None
    except SurveyError:
        return None  # the importer says it in its own words
    except Exception:  # noqa: BLE001 - any DuckDB error (a row it cannot split, a bad quote, bytes that are not UTF-8)
        return None


# --------------------------------------------------------------------------------------------
# the steps
# --------------------------------------------------------------------------------------------


def _read(path: Path, dialect: PlainCsvDialect, options: ImportOptions, backend, progress) -> LargeCsvRead:
    if progress is not None:
        enable_duckdb_progress(backend)
    scan = _scan_sql(path, dialect)
    everything = backend.sql(f"SELECT * FROM {scan}")
    roles = roles_from_sample(Source(backend, everything, None, path.name), options, name=path.name)
    layout = roles.layout
    if roles.sample.info.weight_column or layout.weight:
        raise _NotExact  # weights: the importer
    if isinstance(layout, WideLayout):
        return _read_wide(path, dialect, options, backend, progress, scan, roles)
    if not isinstance(layout, LongLayout):
        raise _NotExact
    head = _head_rows(backend, scan, layout)
    provisional = _provisional_inventory(backend, head, layout, options)
    packed = None
    try:
        if provisional is None:
            counts = run_with_progress(backend, lambda: backend.raw_sql(_inventory_sql(scan, layout)).df(), progress,
                                       _("Counting the rows of the file"))
        else:
            packed, counts = _count_and_pack(backend, everything, layout, provisional, progress)
        read = _read_counted(path, dialect, options, backend, progress, scan, roles, head, counts, packed)
    except BaseException:
        if packed is not None:
            backend.drop_table(packed.temporary_table, force=True)
        raise
    if packed is not None and not read.engine.reads_packed:
        backend.drop_table(packed.temporary_table, force=True)  # else the engine reads it and drops it when it closes
    return read


def _read_counted(path: Path, dialect: PlainCsvDialect, options: ImportOptions, backend, progress, scan: str,
                  roles: ColumnRoles, head: pa.Table, counts: pd.DataFrame, packed: PackedAnswers | None) -> LargeCsvRead:
    """The steps after the one full pass: decide, list the rejected rows, build the engine."""
    layout = roles.layout
    accounting = _account(counts, layout, options,
                          lambda sc_c, accepted: _rest_evidence(backend, scan, layout, sc_c, accepted, progress))
    listed = _listed_rows(backend, scan, dialect, layout, accounting, options, progress)
    stages = _stages_in_row_order(head, layout, accounting)
    engine_layout = _engine_layout(layout, accounting, stages)
    where = f" WHERE {_accepted_sql(layout, accounting)}" if accounting.rows_rejected else ""
    accepted = backend.sql(f"SELECT * FROM {scan}{where}")
    rules = _score_rules(options, accounting)
    # the respondents' values in the packed table come from every row with an id: right only when
    # no row is rejected (else the engine groups the accepted rows itself)
    offered = packed if not accounting.rows_rejected else None
    try:
        engine = SurveyEngine(Source(backend, accepted, None, str(path)), engine_layout, rules, progress=progress,
                              cycle=options.cycle, positive=options.positive, answer_counts=_accepted_counts(counts, accounting),
                              packed=offered)
    except SurveyError:
        raise _NotExact from None  # a respondent rating a stage twice: the importer keeps the first row
    try:
        _validate_ids(engine)
        respondents = engine.respondent_counts()
        if respondents.ratings != accounting.ratings:
            raise _NotExact
    except BaseException:
        engine.close()
        raise
    sc_c, cnt_ok = accounting.score_profile
    info = _dataset_info(roles, dialect, accounting, options, respondents.respondents, stages, path.name, layout_format="long",
                         counted=[_counted_profile(sc_c, cnt_ok)], answers_read=accounting.rows_read - accounting.rows_rejected)
    return LargeCsvRead(engine, info, listed.rejected, listed.invalid, roles)


def _engine_layout(layout: LongLayout, accounting: _Accounting, stages: tuple[str, ...]) -> LongLayout:
    """The sample's layout with the stages and their raw values as the accounting decided them."""
    return LongLayout(
        layout.respondent, layout.stage, layout.score, stages=stages,
        stage_values=tuple((v, accounting.stage_names[i]) for v, i in accounting.stage_of_value.items()),
        outcomes=layout.outcomes, segments=layout.segments, date=layout.date, comment=layout.comment,
        date_format=layout.date_format, segment_orders=layout.segment_orders, ordinal_segments=layout.ordinal_segments,
    )


def _score_rules(options: ImportOptions, accounting: _Accounting) -> ScoreRules:
    return ScoreRules(scale=accounting.scale, na_values=tuple(options.na_values) + accounting.inferred_texts)


# --------------------------------------------------------------------------------------------
# one scan: count the rows and pack the answers by respondent
# --------------------------------------------------------------------------------------------

#: In the one scan's result: 1 on the rows counted by value (stage, score, id missing), 0 on the respondents.
_BY_VALUE = "by_value"
_COUNT_COLUMNS = ("stage_value", "score_value", "id_missing", "n", _BY_VALUE)


def _head_rows(backend, scan: str, layout: LongLayout) -> pa.Table:
    """The first :data:`ORDER_ROWS` rows of the file in file order: the id, stage and score cells
    under the file's names. They give the packing of the one scan (:func:`_provisional_inventory`)
    and the stage order (:func:`_stages_in_row_order`)."""
    sql = (f"SELECT {_quote(layout.respondent)}, {_quote(layout.stage)}, {_quote(layout.score)} "
           f"FROM {scan} LIMIT {ORDER_ROWS}")
    backend.raw_sql("SET preserve_insertion_order = true")
    try:
        return backend.raw_sql(sql).to_arrow_table()
    finally:
        backend.raw_sql("SET preserve_insertion_order = false")


def _provisional_inventory(backend, head: pa.Table, layout: LongLayout, options: ImportOptions) -> AnswerInventory | None:
    """The engine's inventory as the importer's rules decide it from the first rows alone (``None``
    when they decide nothing): how the one scan packs the answers. When the whole file decides the
    same (:func:`~cycle_analytics.engine.respondents.packing_positions`), the engine unpacks them;
    else it groups the file again (a rare stage, score or N/A code only after the first rows).
    The scale's reading looks at the first rows' respondents too (an N/A code such as the 0 and 6
    of a 1-5 scale is inferred from how they rate their other stages, :func:`_rest_evidence`)."""
    counted = pa.table({"stage_value": head[layout.stage], "score_value": head[layout.score],
                        "id_missing": pc.is_null(head[layout.respondent])})
    counts = (counted.group_by(["stage_value", "score_value", "id_missing"], use_threads=False)
              .aggregate([("id_missing", "count", pc.CountOptions(mode="all"))])
              .rename_columns(["stage_value", "score_value", "id_missing", "n"]).to_pandas())
    name = ibis.util.gen_name("survey_head")
    backend.con.register(name, head)
    try:
        accounting = _account(counts, layout, options,
                              lambda sc_c, accepted: _rest_evidence(backend, _quote(name), layout, sc_c, accepted, None))
        if not accounting.stage_of_value or accounting.scale is None:
            return None
        return classify_answers(_accepted_counts(counts, accounting), _engine_layout(layout, accounting, accounting.stage_names),
                                _score_rules(options, accounting))
    except SurveyError:
        return None
    finally:
        backend.con.unregister(name)


def _count_and_pack(backend, everything, layout: LongLayout, provisional: AnswerInventory,
                    progress) -> tuple[PackedAnswers, pd.DataFrame]:
    """One scan of the file, two groupings: the rows by (stage, score, id missing) - the counts of
    the accounting - and the answers by respondent, read with the ``provisional`` inventory into a
    respondent table (:class:`~cycle_analytics.engine.respondents.PackedAnswers`, a temporary table).

    The two groupings share one parse of the file (``GROUPING SETS``; Ibis has none, so the
    grouping is SQL over the Ibis expression of the rows, as in
    :meth:`~cycle_analytics.engine.SurveyEngine.count_groups`, and the unpacking Ibis again): on
    the 10M-rating CSV, 2.7 s where a count and a separate grouping by respondent took 0.8 + 2.4 s.

    Returns the packed respondents and the counts (``stage_value, score_value, id_missing, n``).
    """
    names = respondent_columns(layout, provisional.stages)
    values = packed_row_values(everything, layout, provisional)
    attributes = attribute_expressions(everything, layout, names, dates=False, comment=False)  # as respondent_table's grouping
    rows = everything.select(respondent=everything[layout.respondent], stage_value=everything[layout.stage],
                             score_value=everything[layout.score], id_missing=everything[layout.respondent].isnull(),
                             **values, **attributes)
    sums = [f"SUM({key}) AS {key}" for key in values if key.startswith("key_")]
    maxima = [f"MAX({_quote(name)}) AS {_quote(name)}" for name in attributes]
    query = (f"SELECT respondent, stage_value, score_value, id_missing, GROUPING(respondent) AS {_BY_VALUE}, COUNT(*) AS n, "
             f"{', '.join(sums)}, COUNT(code) AS n_valid, SUM(code) AS code_sum{''.join(', ' + m for m in maxima)} FROM answers "
             f"GROUP BY GROUPING SETS ((respondent), (stage_value, score_value, id_missing))")
    grouped = rows.alias("answers").sql(query)
    name = ibis.util.gen_name("survey_packed_respondents")
    run_with_progress(backend, lambda: backend.create_table(name, unpacked_respondents(grouped, layout, provisional), temp=True),
                      progress, _("Counting the rows of the file"))
    try:
        table = backend.table(name)
        counts = backend.execute(table.filter(table[_BY_VALUE] == 1).select(*_COUNT_COLUMNS[:4]))
        # what stays is one row per respondent with an id (as respondent_present reads it)
        backend.raw_sql(f"DELETE FROM {_quote(name)} WHERE {_BY_VALUE} = 1 OR respondent IS NULL OR respondent = ''")
    except BaseException:
        backend.drop_table(name, force=True)
        raise
    return PackedAnswers(table.drop(*_COUNT_COLUMNS), provisional, name), counts


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _scan_sql(path: Path, dialect: PlainCsvDialect) -> str:
    """DuckDB's ``read_csv`` of the file as the importer reads it: every cell as text, the header's
    names, the sniffed delimiter, quotes doubled inside quoted cells, and an error (hence the
    in-memory import) for a row with the wrong number of cells."""
    columns = ", ".join(f"{_sql_text(n)}: 'VARCHAR'" for n in dialect.names)
    return (f"read_csv({_sql_text(str(path))}, header = true, auto_detect = false, all_varchar = true, "
            f"delim = {_sql_text(dialect.delimiter)}, quote = '\"', escape = '\"', columns = {{{columns}}}, "
            f"strict_mode = true, null_padding = false, encoding = 'utf-8')")


def _inventory_sql(scan: str, layout: LongLayout) -> str:
    """The one full pass over the file: rows by (stage, score, id missing). An empty cell is NULL
    to DuckDB; ids of white space only or padded with it are looked for on the respondent table
    afterwards (:func:`_validate_ids`: one row per respondent instead of one per answer)."""
    return (f"SELECT {_quote(layout.stage)} AS stage_value, {_quote(layout.score)} AS score_value, "
            f"{_quote(layout.respondent)} IS NULL AS id_missing, count(*) AS n FROM {scan} GROUP BY ALL")


def _validate_ids(engine: SurveyEngine) -> None:
    """No id of white space only or with white space around it (the importer reads the first as a
    missing id and merges the second with the bare id): else the file is imported in memory."""
    r = engine.respondents
    padded = r.respondent.re_search(f"^{_WHITE_SPACE}|{_WHITE_SPACE}$")
    found = engine.backend.execute(r.filter(padded).count())
    if int(found):
        engine.close()
        raise _NotExact


@dataclass(frozen=True)
class _AnswerTally:
    """What both layouts' accountings hold: the scale as the importer reads it and the answers of
    the accepted rows by class (:func:`_tally`)."""

    scale: Scale | None
    scale_source: str
    inferred: dict  # N/A code -> why (the scale's reading)
    inferred_texts: tuple[str, ...]
    ratings: int
    na_answers: int
    no_answers: int
    invalid_answers: int
    reading_reason: str | None
    notes: tuple[str, ...]


def _tally(scale: Scale | None, scale_source: str, inferred: dict, by_class: np.ndarray, reading, notes) -> dict:
    """The fields of :class:`_AnswerTally` from the scale's reading and the answers counted by class."""
    return dict(scale=scale, scale_source=scale_source, inferred=inferred, inferred_texts=tuple(f"{v:g}" for v in inferred),
                ratings=int(by_class[OK]), na_answers=int(by_class[NA]), no_answers=int(by_class[NA] + by_class[EMPTY]),
                invalid_answers=int(by_class[NOT_NUMBER] + by_class[OUT_OF_SCALE]),
                reading_reason=reading.reason if reading is not None else None, notes=tuple(notes))


@dataclass(frozen=True)
class _Accounting(_AnswerTally):
    """The importer's decisions for the whole long file, from the counts by distinct values."""

    rows_read: int
    rows_rejected: int
    missing_ids: bool
    stage_names: tuple[str, ...]  # the importer's stage names, before the order of the rows is applied
    stage_of_value: dict  # accepted raw stage text -> index in stage_names
    stage_reason: dict  # rejected raw stage text ("" = missing) -> reason
    invalid_values: tuple[str, ...]  # raw score texts that are invalid answers
    order_source: str | None
    score_profile: tuple | None  # (profile of the score column's distinct values, answers per value on the accepted rows)


def _distinct_column(name: str, texts: pd.Series, counts: pd.Series) -> RawColumn:
    """A column of distinct raw texts with their counts (the shape the importer profiles)."""
    summed = pd.Series(counts.to_numpy(np.int64)).groupby(texts.to_numpy(), sort=False).sum()
    values = pa.array([str(v) for v in summed.index], pa.string())
    return RawColumn(name, values, np.arange(len(values), dtype=np.int32), value_counts=summed.to_numpy(np.int64))


def _rest_evidence(backend, scan: str, layout: LongLayout, sc_c, accepted: str, progress) -> RestEvidence:
    """:func:`~cycle_analytics.ingest.layouts.long.long_rest_evidence` in SQL, run only when the
    scale's reading asks for it: per score value, the count, sum and sum of squares of the rest
    score (the mean of the respondent's other scores in :func:`rest_core_range`) over the rows
    accepted so far, from one ``GROUP BY`` respondent holding their scores counted by value."""

    def compute() -> dict:
        core_range = rest_core_range(sc_c)
        if core_range is None:
            return {}
        lo, hi = core_range
        number = np.where(sc_c.na | sc_c.empty, np.nan, sc_c.num)
        texts = sc_c.raw.values.to_pylist()
        pairs = [(t, float(v)) for t, v in zip(texts, number.tolist()) if v == v]
        if not pairs:
            return {}
        values = sorted({v for _t, v in pairs})
        value_sql = "CASE " + " ".join(f"WHEN sc = {_sql_text(t)} THEN {v!r}" for t, v in pairs) + " END"
        per_value = ", ".join(f"count(*) FILTER (WHERE v = {v!r}) AS c{k}" for k, v in enumerate(values))
        core = f"v >= {lo!r} AND v <= {hi!r}"
        sums = []
        for k, v in enumerate(values):
            own = 1 if lo <= v <= hi else 0
            rest = f"(total - {v!r} * {own}) / (cnt - {own})"
            live = f"c{k} > 0 AND cnt - {own} > 0"
            sums.append(f"sum(c{k}) FILTER (WHERE {live}) AS n{k}, sum(c{k} * {rest}) FILTER (WHERE {live}) AS s{k}, "
                        f"sum(c{k} * {rest} * {rest}) FILTER (WHERE {live}) AS ss{k}")
        sql = (f"WITH r AS (SELECT {_quote(layout.respondent)} AS rid, {value_sql} AS v FROM "
               f"(SELECT {_quote(layout.respondent)}, {_quote(layout.score)} AS sc FROM {scan} WHERE {accepted})), "
               f"p AS (SELECT coalesce(sum(v) FILTER (WHERE {core}), 0) AS total, count(*) FILTER (WHERE {core}) AS cnt, "
               f"{per_value} FROM r WHERE v IS NOT NULL GROUP BY rid) SELECT {', '.join(sums)} FROM p")
        row = run_with_progress(backend, lambda: backend.raw_sql(sql).fetchone(), progress, _("Reading the scale"))
        k = len(values)
        n = [row[3 * j] or 0 for j in range(k)]
        return rest_statistics_from_sums(values, n, [row[3 * j + 1] or 0.0 for j in range(k)],
                                         [row[3 * j + 2] or 0.0 for j in range(k)])

    return RestEvidence(compute)


def _account(counts: pd.DataFrame, layout: LongLayout, options: ImportOptions, evidence_of=None) -> _Accounting:
    """Map the stages, choose the scale and classify the scores as the importer does, from the counts."""
    counts = counts.copy()
    counts["stage_value"] = counts["stage_value"].fillna("").astype(str)
    counts["score_value"] = counts["score_value"].fillna("").astype(str)
    n = counts["n"].astype(np.int64)
    notes: list[str] = []
    # stages: every stage value of the file, as the importer maps them
    stage_raw = _distinct_column(layout.stage, counts["stage_value"], n)
    st_c = profile_column(stage_raw, tuple(options.na_values))
    rej = RowRejections.new(0)
    stages = map_stage_values(st_c, options, rej, notes)
    texts = st_c.raw.values.to_pylist()
    stage_of_value, stage_reason = {}, {}
    for i, t in enumerate(texts):
        if st_c.empty[i]:
            stage_reason[t] = _(MISSING_STAGE)
        elif stages.of_value[i] >= 0:
            stage_of_value[t] = int(stages.of_value[i])
        elif stages.unknown_reason[i] > 0:
            stage_reason[t] = rej.texts[int(stages.unknown_reason[i])]
    id_ok = ~counts["id_missing"].to_numpy(bool)
    stage_ok = counts["stage_value"].isin(list(stage_of_value)).to_numpy()
    ok = id_ok & stage_ok
    # the scale, from the scores of the rows accepted so far
    score_raw = _distinct_column(layout.score, counts["score_value"], n)
    sc_c = profile_column(score_raw, tuple(options.na_values))
    position = {t: i for i, t in enumerate(sc_c.raw.values.to_pylist())}
    row_value = counts["score_value"].map(position).to_numpy(np.int64)
    cnt_ok = np.bincount(row_value[ok], weights=n.to_numpy()[ok], minlength=len(position)).astype(np.int64)
    if evidence_of is None or not options.infer_na_codes:
        evidence = None
    else:
        so_far = replace(_NO_ACCOUNTING, missing_ids=bool((~id_ok).any()), stage_of_value=stage_of_value, stage_reason=stage_reason)
        evidence = evidence_of(sc_c, _accepted_sql(layout, so_far))
    scale, scale_source, reading, inferred = scale_and_na_codes(sc_c, cnt_ok, evidence, options, notes)
    cls = classify_values(sc_c, scale)
    by_class = np.bincount(cls, weights=cnt_ok, minlength=OUT_OF_SCALE + 1).astype(np.int64)
    invalid_values = tuple(t for t, c in zip(sc_c.raw.values.to_pylist(), cls) if c in (NOT_NUMBER, OUT_OF_SCALE))
    return _Accounting(
        rows_read=int(n.sum()), rows_rejected=int(n.to_numpy()[~ok].sum()), missing_ids=bool((~id_ok).any()),
        stage_names=tuple(stages.names),
        stage_of_value=stage_of_value, stage_reason=stage_reason, invalid_values=invalid_values,
        order_source=stages.order_source, score_profile=(sc_c, cnt_ok),
        **_tally(scale, scale_source, inferred, by_class, reading, notes),
    )


#: An accounting with nothing decided yet (what :func:`_accepted_sql` needs is filled in as it is decided).
_NO_ACCOUNTING = _Accounting(
    rows_read=0, rows_rejected=0, missing_ids=False, stage_names=(), stage_of_value={}, stage_reason={}, invalid_values=(),
    order_source=None, scale=None, scale_source="", inferred={}, inferred_texts=(), ratings=0, na_answers=0, no_answers=0,
    invalid_answers=0, score_profile=None, reading_reason=None, notes=(),
)


def _accepted_counts(counts: pd.DataFrame, accounting: _Accounting) -> pd.DataFrame:
    """The engine's first pass over the accepted rows, from the counts of the whole file (no second parse)."""
    ok = ~counts["id_missing"].astype(bool) & counts["stage_value"].fillna("").astype(str).isin(list(accounting.stage_of_value))
    kept = counts.loc[ok, ["stage_value", "score_value"]].copy()
    kept["no_respondent"] = False
    kept["n"] = counts.loc[ok, "n"].astype(np.int64)
    return kept.groupby(["stage_value", "score_value", "no_respondent"], dropna=False, as_index=False, sort=False)["n"].sum()


def _accepted_sql(layout: LongLayout, accounting: _Accounting) -> str:
    """SQL: the row is accepted (an id, a stage of the survey); as cheap a test as the file allows
    (ids of white space only were sent to the importer, so a missing id is a NULL)."""
    tests = ["TRUE"]
    if accounting.missing_ids:
        tests.append(f"{_quote(layout.respondent)} IS NOT NULL")
    if set(accounting.stage_reason) - {""}:
        values = ", ".join(_sql_text(v) for v in accounting.stage_of_value) or "NULL"
        tests.append(f"coalesce({_quote(layout.stage)}, '') IN ({values})")
    elif accounting.stage_reason:
        tests.append(f"{_quote(layout.stage)} IS NOT NULL")
    return " AND ".join(tests)


@dataclass(frozen=True)
class _Listed:
    rejected: pd.DataFrame
    invalid: pd.DataFrame


def _listed_rows(backend, scan: str, dialect: PlainCsvDialect, layout: LongLayout, accounting: _Accounting,
                 options: ImportOptions, progress) -> _Listed:
    """The rejected rows and the invalid answers, with their data row numbers and the importer's sentences.

    The rows are numbered in file order by a streaming ``row_number() OVER ()`` (DuckDB keeps the
    file's order while ``preserve_insertion_order`` is on) and only the rows concerned come back.
    """
    names = list(dialect.names)
    if not accounting.rows_rejected and not accounting.invalid_answers:
        empty = RawTable(tuple(RawColumn(n, pa.array([], pa.string()), np.zeros(0, np.int32)) for n in names), 0)
        return _Listed(rejected_frame(empty, np.zeros(0, np.int64), []), InvalidAnswers().frame(empty))
    wanted = [f"NOT ({_accepted_sql(layout, accounting)})"]
    if accounting.invalid_values:
        wanted.append(f"coalesce({_quote(layout.score)}, '') IN ({', '.join(_sql_text(v) for v in accounting.invalid_values)})")
    sql = (f"SELECT * FROM (SELECT row_number() OVER () AS {_ROW}, * FROM {scan}) WHERE {' OR '.join(wanted)} "
           f"ORDER BY {_ROW}")
    frame = run_with_progress(backend, lambda: _in_file_order(backend, sql), progress, _("Listing the rejected rows"))
    raw = RawTable(tuple(_listed_column(n, frame[n]) for n in names), len(frame),
                   row_numbers=frame[_ROW].to_numpy(np.int64))
    cols = [profile_column(c, tuple(options.na_values)) for c in raw.columns]
    by_name = {c.name: c for c in cols}
    reasons, rejected_rows = [], []
    empty = empty_rows(cols, raw.n_rows)
    id_c, st_c, sc_c = by_name[layout.respondent], by_name[layout.stage], by_name[layout.score]
    stage_texts = st_c.raw.cells()
    for i in range(raw.n_rows):
        if empty[i]:
            why = _(EMPTY_ROW)
        elif id_c.empty[id_c.raw.codes[i]]:
            why = _(MISSING_ID)
        else:
            why = accounting.stage_reason.get(stage_texts[i])
        if why is not None:
            rejected_rows.append(i)
            reasons.append(why)
    rejected = rejected_frame(raw, np.asarray(rejected_rows, dtype=np.int64), reasons)
    accepted = np.ones(raw.n_rows, dtype=bool)
    accepted[rejected_rows] = False
    big, _counts = accounting.score_profile
    big_class = dict(zip(big.raw.values.to_pylist(), classify_values(big, accounting.scale).tolist()))
    classes = np.array([big_class.get(t, OK) for t in sc_c.raw.values.to_pylist()], dtype=np.int8)
    invalid = InvalidAnswers()
    invalid.add(sc_c, classes, accepted, accounting.scale)
    return _Listed(rejected, invalid.frame(raw))


def _in_file_order(backend, sql: str) -> pd.DataFrame:
    """Run ``sql`` with DuckDB keeping the file's row order (the engine's connection turns it off)."""
    backend.raw_sql("SET preserve_insertion_order = true")
    try:
        return backend.raw_sql(sql).df()
    finally:
        backend.raw_sql("SET preserve_insertion_order = false")


def _listed_column(name: str, values: pd.Series) -> RawColumn:
    """The listed rows' cells of one column as the importer's dictionary-encoded column."""
    arr = pa.array(values.fillna("").astype(str).tolist(), pa.string()).dictionary_encode()
    return RawColumn(name, arr.dictionary, arr.indices.to_numpy(zero_copy_only=False).astype(np.int32))


def _stages_in_row_order(head: pa.Table, layout: LongLayout, accounting: _Accounting) -> tuple[str, ...]:
    """The stages in the importer's order: the cycle's or the chosen order, else their order of
    appearance within the respondents' rows (:func:`appearance_stage_order`) over the accepted rows
    among the first :data:`ORDER_ROWS` rows of the file (``head``; Arrow dictionary codes number the
    respondents and the stage values by first appearance, as the importer's reader does)."""
    names = accounting.stage_names
    if accounting.order_source is not None or len(names) <= 1:
        return tuple(names)
    # accepted as by _accepted_sql: an id (NULL is none), a stage value of the survey
    rid_column, stage_column = head[layout.respondent], head[layout.stage]
    accepted = pc.and_(pc.is_valid(rid_column), pc.is_in(pc.fill_null(stage_column, ""),
                                                        pa.array(list(accounting.stage_of_value), pa.string())))
    head = head.filter(accepted).rename_columns(["rid", "st", "sc"])
    big, _counts = accounting.score_profile
    rating = {t for t, c in zip(big.raw.values.to_pylist(), classify_values(big, accounting.scale).tolist()) if c == OK}
    rid, st, sc = (pc.dictionary_encode(pc.fill_null(head[c], "")).combine_chunks() for c in ("rid", "st", "sc"))
    resp = rid.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    is_rating = np.array([t in rating for t in sc.dictionary.to_pylist()], dtype=bool)
    keep = is_rating[sc.indices.to_numpy(zero_copy_only=False)] & (resp < ORDER_SAMPLE_RESPONDENTS)
    # the importer's initial order: first appearance of the stages in the file, then the others
    seen = [accounting.stage_of_value[t] for t in st.dictionary.to_pylist()]
    initial = list(dict.fromkeys(seen)) + [i for i in range(len(names)) if i not in set(seen)]
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.asarray(initial, dtype=np.int64)] = np.arange(len(names))
    stage_of_code = rank[np.asarray(seen, dtype=np.int64)] if seen else np.zeros(0, np.int64)
    stage_idx = stage_of_code[st.indices.to_numpy(zero_copy_only=False)[keep]]
    order = appearance_stage_order(stage_idx, resp[keep], len(names))
    return tuple(names[initial[i]] for i in order)


def _counted_profile(profile, counts: np.ndarray):
    """A column's profile with the whole file's answers per distinct value (what the N/A summary counts)."""
    raw = profile.raw
    return replace(profile, raw=RawColumn(raw.name, raw.values, raw.codes, value_counts=counts), counts=counts)


def _dataset_info(roles: ColumnRoles, dialect: PlainCsvDialect, accounting, options: ImportOptions, respondents: int,
                  stages: tuple[str, ...], file_name: str, *, layout_format: str, counted: list, answers_read: int,
                  reasons_of=None) -> DatasetInfo:
    """The import summary of the whole file (either layout): the sample's column roles with the
    file's counts. ``counted``: the stage cells' profiles with the file's counts
    (:func:`_counted_profile`); ``reasons_of(na_codes)``: the reasons to put in place of the sample's."""
    na_codes = na_code_summary(counted, None, options, accounting.inferred)
    rows_accepted = accounting.rows_read - accounting.rows_rejected
    sample = roles.sample.info
    reasons = {} if reasons_of is None else {"reasons": reasons_of(na_codes)}
    return replace(
        sample,
        format=layout_format, rows_read=accounting.rows_read, rows_accepted=rows_accepted, rows_rejected=accounting.rows_rejected,
        respondents=respondents, ratings=accounting.ratings, scale=accounting.scale, scale_source=accounting.scale_source,
        stages=tuple(stages), na_answers=accounting.na_answers, answers_read=answers_read, no_answers=accounting.no_answers,
        invalid_answers=accounting.invalid_answers, na_codes=na_codes, unknown_labels=(),
        notes=tuple(dialect.notes) + accounting.notes,
        source={"file_name": file_name, "kind": "csv", "encoding": dialect.encoding.replace("-sig", " with BOM"),
                "delimiter": dialect.delimiter, "sheet": None, "reader": "duckdb"},
        rejected_by_kind={}, **reasons,
    )


# --------------------------------------------------------------------------------------------
# the wide layout: one row per respondent, one column per stage
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _WideAccounting(_AnswerTally):
    """The importer's decisions for a whole wide file, from the stage cells counted by distinct value."""

    rows_read: int
    rows_rejected: int
    profiles: tuple  # per stage column: its profile over every row (N/A codes settled), as the importer's
    accepted_counts: tuple  # per stage column: answers per distinct value on the accepted rows
    classes: tuple  # per stage column: the class of each distinct value (classify_values)

    def invalid_values(self, j: int) -> tuple[str, ...]:
        """The raw texts of stage column ``j`` that are invalid answers (not a number, off the scale)."""
        texts = self.profiles[j].raw.values.to_pylist()
        return tuple(t for t, c in zip(texts, self.classes[j].tolist()) if c in (NOT_NUMBER, OUT_OF_SCALE))


def _read_wide(path: Path, dialect: PlainCsvDialect, options: ImportOptions, backend, progress, scan: str,
               roles: ColumnRoles) -> LargeCsvRead:
    """The wide route: one scan counts every stage cell by (column, value, row rejected); the
    importer's functions decide the scale, the N/A codes and each cell's class from those counts;
    the rejected rows and invalid answers are listed; the engine reads the accepted rows."""
    layout = _wide_engine_layout(roles, options)
    rejected_sql = _wide_rejected_sql(layout, dialect)
    counts = run_with_progress(backend, lambda: backend.raw_sql(_wide_counts_sql(scan, layout, rejected_sql)).df(), progress,
                               _("Counting the rows of the file"))
    accounting = _wide_account(counts, layout, options,
                               lambda profiles: _wide_rest_evidence(backend, scan, layout, profiles, progress))
    listed = _wide_listed_rows(backend, scan, dialect, layout, accounting, rejected_sql, options, progress)
    if len(listed.rejected) != accounting.rows_rejected:
        raise _NotExact  # a row the importer reads as empty and DuckDB not (or the reverse)
    where = f" WHERE NOT ({rejected_sql})" if accounting.rows_rejected else ""
    accepted = backend.sql(f"SELECT * FROM {scan}{where}")
    rules = ScoreRules(scale=accounting.scale, na_values=tuple(options.na_values) + accounting.inferred_texts)
    engine = SurveyEngine(Source(backend, accepted, None, str(path)), layout, rules, progress=progress, cycle=options.cycle,
                          positive=options.positive, answer_counts=_wide_accepted_counts(counts))
    try:
        respondents = _wide_engine_respondents(engine, layout, accounting)
    except BaseException:
        engine.close()
        raise
    info = _dataset_info(
        roles, dialect, accounting, options, respondents, layout.stages, path.name, layout_format="wide",
        counted=[_counted_profile(p, k) for p, k in zip(accounting.profiles, accounting.accepted_counts)],
        answers_read=(accounting.rows_read - accounting.rows_rejected) * len(layout.stages),
        reasons_of=lambda na_codes: _wide_reasons(roles.sample.info.reasons, accounting, na_codes))
    return LargeCsvRead(engine, info, listed.rejected, listed.invalid, roles)


def _wide_accepted_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """The engine's first pass over the accepted rows (:func:`~cycle_analytics.engine.answers.inventory_query`'s
    columns), from the counts of the whole file (no second parse)."""
    kept = counts[~counts["rejected"].astype(bool)]
    return pd.DataFrame({"stage_value": kept["stage_value"].astype(np.int64), "score_value": kept["score_value"],
                         "no_respondent": False, "n": kept["n"].astype(np.int64)})


def _wide_engine_respondents(engine: SurveyEngine, layout: WideLayout, accounting: _WideAccounting) -> int:
    """The engine's respondents, once it is checked to read the file as the accounting does: the
    same classes of the cells, bare and unique ids, the same ratings (else :class:`_NotExact`)."""
    by_answer = engine.inventory.by_answer()
    if (by_answer["score"], by_answer["no_answer"] + by_answer["empty"], by_answer["not_a_number"] + by_answer["off_scale"]) != (
            accounting.ratings, accounting.no_answers, accounting.invalid_answers):
        raise _NotExact  # the engine classifies a cell otherwise than the importer (never seen; the safety net)
    if layout.respondent:
        _validate_ids(engine)
        _validate_unique_ids(engine)
    respondents = engine.respondent_counts()
    if respondents.ratings != accounting.ratings:
        raise _NotExact
    return respondents.respondents


def _wide_engine_layout(roles: ColumnRoles, options: ImportOptions) -> WideLayout:
    """The sample's wide layout with each stage column under the stage name the importer gave it
    (a cycle's or the user's mapping), in the importer's stage order; :class:`_NotExact` for what
    the importer reads in ways the counts cannot follow (see the module docstring)."""
    sample = roles.sample.info
    if options.label_map or sample.unknown_labels or sample.importance_columns or sample.format != "wide":
        raise _NotExact  # answer labels (scored per column), stated importance: the importer
    if sample.id_column is None and sample.comment_column is not None:
        raise _NotExact  # the importer names these respondents by their row number, shown next to their comments
    stage_of = {c.column: c.stage for c in sample.columns if c.role == "stage"}
    if sorted(stage_of.values()) != sorted(sample.stages) or set(stage_of) - set(roles.layout.columns()):
        raise _NotExact
    order = {s: k for k, s in enumerate(sample.stages)}
    pairs = sorted(stage_of.items(), key=lambda item: order[item[1]])
    return replace(roles.layout, stage_columns=tuple(pairs), respondent=sample.id_column)


def _wide_rejected_sql(layout: WideLayout, dialect: PlainCsvDialect) -> str:
    """SQL: the importer rejects the row - no id where the file has an id column (an empty row has
    none either; ids of white space only are looked for on the respondent table afterwards), else
    every cell empty (NULL to DuckDB, or white space only)."""
    if layout.respondent:
        return f"{_quote(layout.respondent)} IS NULL"
    blank = f"'^{_WHITE_SPACE}*$'"
    return "(" + " AND ".join(f"coalesce(regexp_matches({_quote(n)}, {blank}), TRUE)" for n in dialect.names) + ")"


def _wide_counts_sql(scan: str, layout: WideLayout, rejected_sql: str) -> str:
    """The one full pass: every stage cell (the stage columns unpivoted: ``stage_value`` is the
    column's position in ``layout.stage_columns``) counted by raw value and whether its row is
    rejected. The rows read and rejected are the counts of the first column."""
    cells = ", ".join(_quote(c) for c, _stage in layout.stage_columns)
    return (f"SELECT stage_value, score_value, rejected, count(*) AS n FROM (SELECT {rejected_sql} AS rejected, "
            f"UNNEST([{cells}]) AS score_value, UNNEST(range({len(layout.stage_columns)})) AS stage_value FROM {scan}) "
            f"GROUP BY ALL")


def _wide_account(counts: pd.DataFrame, layout: WideLayout, options: ImportOptions, evidence_of) -> _WideAccounting:
    """Profile each stage column from its distinct values, choose the scale and its N/A codes and
    classify every cell as :func:`~cycle_analytics.ingest.layouts.wide.build_wide` does
    (``evidence_of(profiles)``: the rest scores the scale's reading may ask for)."""
    counts = counts.copy()
    counts["score_value"] = counts["score_value"].fillna("").astype(str)
    rejected = counts["rejected"].astype(bool).to_numpy()
    n = counts["n"].astype(np.int64).to_numpy()
    first = (counts["stage_value"] == 0).to_numpy()
    profiles, accepted_counts = [], []
    for j, (column, _stage) in enumerate(layout.stage_columns):
        part = (counts["stage_value"] == j).to_numpy()
        raw = _distinct_column(column, counts.loc[part, "score_value"], counts.loc[part, "n"])
        profile = profile_column(raw, tuple(options.na_values))
        position = {t: i for i, t in enumerate(raw.values.to_pylist())}
        codes = counts.loc[part, "score_value"].map(position).to_numpy(np.int64)
        keep = ~rejected[part]
        accepted_counts.append(np.bincount(codes[keep], weights=n[part][keep], minlength=len(position)).astype(np.int64))
        profiles.append(profile)
    if sum(len(p.counts) for p in profiles) > MAX_TOKEN_VALUES:
        raise _NotExact  # the missing-answer tokens are read per column only up to MAX_TOKEN_VALUES values
    notes: list[str] = []
    labelled = score_text_answers(profiles, set(), options)
    if labelled.notes or labelled.unknown_labels or any(p.label_variant or p.unknown is not None for p in profiles):
        raise _NotExact  # answer labels in a stage column: the importer scores them per column
    stage_cols = [(p, stage) for p, (_column, stage) in zip(profiles, layout.stage_columns)]
    numbers: dict[float, int] = {}
    for p in profiles:
        for v, k in p.number_counts().items():
            numbers[v] = numbers.get(v, 0) + k
    evidence = evidence_of(profiles) if options.infer_na_codes and len(profiles) >= 2 else None
    scale, scale_source, scale_notes, reading = choose_scale(numbers, options, None, label_scale(profiles), evidence)
    notes += scale_notes
    inferred = apply_inferred_codes(stage_cols, scale, reading, options, notes)
    classes = [classify_values(p, scale) for p in profiles]
    by_class = sum((np.bincount(c, weights=k, minlength=OUT_OF_SCALE + 1) for c, k in zip(classes, accepted_counts)),
                   np.zeros(OUT_OF_SCALE + 1)).astype(np.int64)
    return _WideAccounting(
        rows_read=int(n[first].sum()), rows_rejected=int(n[first & rejected].sum()), profiles=tuple(profiles),
        accepted_counts=tuple(accepted_counts), classes=tuple(classes),
        **_tally(scale, scale_source, inferred, by_class, reading, notes),
    )


def _wide_rest_evidence(backend, scan: str, layout: WideLayout, profiles: list, progress) -> RestEvidence:
    """:func:`~cycle_analytics.ingest.layouts.blocks.wide_rest_evidence` in SQL, run only when the
    scale's reading asks for it (a value just outside the scale that a rarer scale would hold): per
    value of each stage cell, the count, sum and sum of squares of the mean of the same row's other
    stage values that are sure answers (:func:`rest_core_range` of the pooled values), pooled over
    the columns, over every row of the file (as the importer reads them, before any row is rejected)."""

    def compute() -> dict:
        pooled = replace(profiles[0], counts=np.concatenate([p.counts for p in profiles]),
                         empty=np.concatenate([p.empty for p in profiles]), na=np.concatenate([p.na for p in profiles]),
                         num=np.concatenate([p.num for p in profiles]))
        core_range = rest_core_range(pooled)
        if core_range is None:
            return {}
        lo, hi = core_range
        numbers, kept = [], []
        for j, ((column, _stage), p) in enumerate(zip(layout.stage_columns, profiles)):
            number = np.where(p.na | p.empty, np.nan, p.num)
            pairs = [(t, float(v)) for t, v in zip(p.raw.values.to_pylist(), number.tolist()) if v == v]
            cases = " ".join(f"WHEN {_sql_text(t)} THEN {v!r}" for t, v in pairs)
            numbers.append(f"CASE {_quote(column)} {cases} END AS v{j}" if pairs else f"CAST(NULL AS DOUBLE) AS v{j}")
            kept.append(f"CASE WHEN v{j} >= {lo!r} AND v{j} <= {hi!r} THEN v{j} END")
        count = len(profiles)
        total = " + ".join(f"coalesce(k{j}, 0)" for j in range(count))
        rated = " + ".join(f"CASE WHEN k{j} IS NULL THEN 0 ELSE 1 END" for j in range(count))
        sql = (f"WITH v AS (SELECT {', '.join(numbers)} FROM {scan}), "
               f"k AS (SELECT *, {', '.join(f'{e} AS k{j}' for j, e in enumerate(kept))} FROM v), "
               f"t AS (SELECT *, {total} AS total, {rated} AS cnt FROM k), "
               f"u AS (SELECT UNNEST([{', '.join(f'v{j}' for j in range(count))}]) AS v, "
               f"UNNEST([{', '.join(f'k{j}' for j in range(count))}]) AS own, total, cnt FROM t), "
               f"r AS (SELECT v, (total - coalesce(own, 0)) / (cnt - CASE WHEN own IS NULL THEN 0 ELSE 1 END) AS rest FROM u "
               f"WHERE v IS NOT NULL AND cnt - CASE WHEN own IS NULL THEN 0 ELSE 1 END > 0) "
               f"SELECT v, count(*) AS n, sum(rest) AS s, sum(rest * rest) AS ss FROM r GROUP BY v ORDER BY v")
        frame = run_with_progress(backend, lambda: backend.raw_sql(sql).df(), progress, _("Reading the scale"))
        return rest_statistics_from_sums(frame["v"].to_numpy(float), frame["n"].to_numpy(float), frame["s"].to_numpy(float),
                                         frame["ss"].to_numpy(float))

    return RestEvidence(compute)


def _wide_listed_rows(backend, scan: str, dialect: PlainCsvDialect, layout: WideLayout, accounting: _WideAccounting,
                      rejected_sql: str, options: ImportOptions, progress) -> _Listed:
    """The rejected rows and the invalid answers with their data row numbers and the importer's
    sentences: the rows concerned come back in file order (as in :func:`_listed_rows`) and the
    importer's own rules (:func:`~cycle_analytics.ingest.layouts.wide.reject_unusable_rows`,
    :class:`~cycle_analytics.ingest.layouts.rejections.InvalidAnswers`) read them."""
    names = list(dialect.names)
    wanted = [rejected_sql] if accounting.rows_rejected else []
    for j, (column, _stage) in enumerate(layout.stage_columns):
        bad = accounting.invalid_values(j)
        if bad:
            wanted.append(f"coalesce({_quote(column)}, '') IN ({', '.join(_sql_text(v) for v in bad)})")
    if not wanted:
        empty = RawTable(tuple(RawColumn(n, pa.array([], pa.string()), np.zeros(0, np.int32)) for n in names), 0)
        return _Listed(rejected_frame(empty, np.zeros(0, np.int64), []), InvalidAnswers().frame(empty))
    sql = (f"SELECT * FROM (SELECT row_number() OVER () AS {_ROW}, * FROM {scan}) WHERE {' OR '.join(wanted)} "
           f"ORDER BY {_ROW}")
    frame = run_with_progress(backend, lambda: _in_file_order(backend, sql), progress, _("Listing the rejected rows"))
    raw = RawTable(tuple(_listed_column(n, frame[n]) for n in names), len(frame), row_numbers=frame[_ROW].to_numpy(np.int64))
    cols = [profile_column(c, tuple(options.na_values)) for c in raw.columns]
    by_name = {c.name: c for c in cols}
    rej = RowRejections.new(raw.n_rows)
    reject_unusable_rows(raw, cols, by_name[layout.respondent] if layout.respondent else None, rej)
    rows = np.nonzero(rej.code)[0]
    rejected = rejected_frame(raw, rows, [rej.texts[k] for k in rej.code[rows].tolist()])
    accepted = rej.code == 0
    invalid = InvalidAnswers()
    for j, (column, _stage) in enumerate(layout.stage_columns):
        big = accounting.profiles[j]
        big_class = dict(zip(big.raw.values.to_pylist(), accounting.classes[j].tolist()))
        mine = by_name[column]
        classes = np.array([big_class.get(t, OK) for t in mine.raw.values.to_pylist()], dtype=np.int8)
        invalid.add(mine, classes, accepted, accounting.scale)
    return _Listed(rejected, invalid.frame(raw))


def _validate_unique_ids(engine: SurveyEngine) -> None:
    """Every accepted row has its own id (the importer rejects a repeated id's later rows): else the
    file is imported in memory."""
    r = engine.respondents
    row = engine.backend.execute(r.aggregate(rows=r.count(), ids=r.respondent.nunique()))
    if int(row["rows"].iloc[0]) != int(row["ids"].iloc[0]):
        raise _NotExact


def _wide_reasons(reasons: dict, accounting: _WideAccounting, na_codes) -> dict:
    """The sample's reasons, with why the scale and the N/A codes are what the whole file says."""
    out = dict(reasons)
    if accounting.scale_source == "inferred" and accounting.reading_reason:
        out["scale"] = accounting.reading_reason
    if na_codes:
        out["na_codes"] = na_codes_reason(na_codes)
    return out
