"""The first pass over a survey's table: every distinct (stage, cell) with its count, and what it is.

A survey's stage cells hold few distinct values (the scale's points, an N/A code, a few typos), so
one ``GROUP BY stage, score`` over the answers (the wide layout unpivoted) returns everything
needed to decide, in Python and with the importer's own rules, which cell is which score:

* :func:`inventory_query` - the Ibis expression of that count (``stage_value, score_value,
  no_respondent, n``);
* :func:`classify_answers` - the :class:`AnswerInventory`: each distinct value's class (a score,
  no answer, empty, not a number, off the scale, an unknown stage, no stage, no respondent id), the
  stages in cycle order, the scale (given or inferred) and the two maps the second pass applies in
  SQL (raw stage value -> stage index, raw cell -> score).

Classes of the cells follow the importer: :func:`cycle_analytics.ingest.layouts.columns.profile_column`
and :func:`~cycle_analytics.ingest.layouts.columns.classify_values` read the distinct texts, so
N/A codes, missing-answer tokens and numbers such as ``"4,0"`` mean the same here as in an upload.
Numeric cells (Parquet, database columns) are read through their text form.

The map to scores is applied in SQL as a ``CASE`` over these exact raw values, never as a cast of
the text: DuckDB 2.0 pushes a ``TRY_CAST`` of a CSV column into its reader as a strict cast
(duckdb/duckdb#23818), so an "N/A" cell would stop the scan.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from cycle_analytics.engine.layout import Layout, LongLayout, ScoreRules
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.labels import label_key
from cycle_analytics.ingest.layouts.columns import EMPTY, NA, NOT_NUMBER, OK, OUT_OF_SCALE, classify_values, profile_column
from cycle_analytics.ingest.reading import RawColumn
from cycle_analytics.scales import Scale, infer_scale_from_counts

__all__ = ["ANSWER_CLASSES", "AnswerInventory", "inventory_query", "classify_answers", "value_text", "wide_value_columns",
           "respondent_present"]

#: What a counted cell is (``AnswerInventory.counts["answer"]``), in order of precedence from the end.
ANSWER_CLASSES = ("score", "no_answer", "empty", "not_a_number", "off_scale", "unknown_stage", "no_stage", "no_respondent")
_CELL_CLASS = {OK: "score", NA: "no_answer", EMPTY: "empty", NOT_NUMBER: "not_a_number", OUT_OF_SCALE: "off_scale"}


@dataclass(frozen=True)
class AnswerInventory:
    """Every distinct (stage value, cell) of the answers with its count and class.

    ``counts``: DataFrame ``stage_value, score_value, no_respondent, n, stage, score, answer``
    (``stage``: the stage name, ``None`` when unknown; ``score``: the score, NaN unless ``answer``
    is ``"score"``). ``stages``: cycle order. ``stage_codes``: raw stage value -> stage index;
    ``score_values``: raw cell -> score (only cells that are scores).
    """

    counts: pd.DataFrame
    stages: tuple[str, ...]
    scale: Scale
    stage_codes: tuple[tuple[object, int], ...]
    score_values: tuple[tuple[object, float], ...]

    @property
    def ratings(self) -> int:
        """Cells that are scores of a known stage by a respondent with an id."""
        return int(self.counts.loc[self.counts["answer"] == "score", "n"].sum())

    def by_answer(self) -> dict[str, int]:
        """Cells per class (every class of :data:`ANSWER_CLASSES`, zeros included)."""
        got = self.counts.groupby("answer", observed=True)["n"].sum()
        return {c: int(got.get(c, 0)) for c in ANSWER_CLASSES}

    def by_stage(self) -> pd.DataFrame:
        """Cells per stage and class (rows: stages in cycle order; columns: :data:`ANSWER_CLASSES`)."""
        known = self.counts[self.counts["stage"].notna()]
        table = known.pivot_table(index="stage", columns="answer", values="n", aggfunc="sum", fill_value=0, observed=False)
        return table.reindex(index=list(self.stages), columns=list(ANSWER_CLASSES), fill_value=0).astype(np.int64)


def wide_value_columns(table: ir.Table, stage_columns: tuple[str, ...]) -> dict[str, ir.Value]:
    """The stage columns of a wide table under the names ``v0, v1 ...``, in one type.

    Columns of different types (numbers in some, text in others) are all read as text, so one
    unpivot can hold them; the second pass reads them through the same expressions.
    """
    types = {table[c].type() for c in stage_columns}
    same = len({str(t) for t in types}) == 1
    return {f"v{j}": (table[c] if same else table[c].cast("string")) for j, c in enumerate(stage_columns)}


def inventory_query(table: ir.Table, layout: Layout) -> ir.Table:
    """``stage_value, score_value, no_respondent, n``: the answers counted by distinct raw values.

    The wide layout is unpivoted first (``stage_value`` is then the stage column's position, 0, 1 ...).
    """
    if isinstance(layout, LongLayout):
        return table.group_by(
            stage_value=table[layout.stage], score_value=table[layout.score], no_respondent=~respondent_present(table[layout.respondent])
        ).aggregate(n=ibis._.count())
    # Unpivot by repeating each row once per stage (UNNEST of a range) and picking the stage's
    # column with a CASE: one scan on every backend. Ibis's pivot_longer goes through jsonb on
    # PostgreSQL, where a NULL cell of a float column fails to cast back.
    values = wide_value_columns(table, tuple(c for c, _ in layout.stage_columns))
    repeated = table.select(**values, stage_value=ibis.range(0, len(values)).unnest())
    cell = ibis.cases(*[(repeated.stage_value == j, repeated[f"v{j}"]) for j in range(len(values))])
    counted = repeated.group_by(stage_value=repeated.stage_value, score_value=cell).aggregate(n=ibis._.count())
    return counted.mutate(no_respondent=ibis.literal(False))


def respondent_present(column: ir.Value) -> ir.BooleanValue:
    """Whether a row has a respondent id: not NULL and, for text, not empty (an empty id is no id,
    as in the importer; a CSV read by DuckDB has NULL there already)."""
    if column.type().is_string():
        return column.notnull() & (column != "")
    return column.notnull()


def value_text(value) -> str:
    """A raw cell as the text an export would hold (``""`` for a missing value).

    >>> value_text(4.0), value_text(4.5), value_text(None), value_text(" N/A")
    ('4', '4.5', '', ' N/A')
    """
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return "" if not np.isfinite(value) else np.format_float_positional(float(value), trim="-")
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f") if value.is_finite() else ""
    if isinstance(value, str):
        return value
    return "" if pd.isna(value) else str(value)


def classify_answers(counts: pd.DataFrame, layout: Layout, rules: ScoreRules) -> AnswerInventory:
    """The :class:`AnswerInventory` of the counts :func:`inventory_query` returned.

    Raises :class:`~cycle_analytics.errors.SurveyError` when no stage has a known name or when
    the scale is not given and cannot be inferred from the numbers.
    """
    counts = counts.reset_index(drop=True).copy()
    counts["n"] = counts["n"].astype(np.int64)
    counts["no_respondent"] = counts["no_respondent"].astype(bool)
    stage_names = _stage_names(counts["stage_value"], layout)
    stages = _stage_order(stage_names, counts, layout)
    index = {s: i for i, s in enumerate(stages)}
    cell_class, scores, scale = _cell_classes(counts, rules)
    answer = np.array([_CELL_CLASS[c] for c in cell_class], dtype=object)
    known = np.array([name is not None and name in index for name in stage_names], dtype=bool)
    answer[np.array([name is not None and name not in index for name in stage_names], dtype=bool)] = "unknown_stage"
    answer[np.array([name is None for name in stage_names], dtype=bool)] = "no_stage"
    answer[counts["no_respondent"].to_numpy()] = "no_respondent"
    counts["stage"] = pd.array([n if k else None for n, k in zip(stage_names, known)], dtype="object")
    counts["score"] = np.where(answer == "score", scores, np.nan)
    counts["answer"] = pd.Categorical(answer, categories=list(ANSWER_CLASSES))
    stage_codes = _unique_pairs((v, index[n]) for v, n, k in zip(counts["stage_value"], stage_names, known) if k)
    score_values = _unique_pairs((v, float(s)) for v, s, c in zip(counts["score_value"], scores, cell_class) if c == OK)
    return AnswerInventory(counts, tuple(stages), scale, stage_codes, score_values)


def _unique_pairs(pairs) -> tuple[tuple[object, object], ...]:
    """Pairs with the first of each raw value (raw values compared as they are, NULL never kept)."""
    out: dict = {}
    for value, code in pairs:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            continue
        out.setdefault(value, code)
    return tuple(out.items())


def _stage_names(values: pd.Series, layout: Layout) -> list[str | None]:
    """The stage name of each raw stage value (``None`` for an empty stage cell)."""
    if not isinstance(layout, LongLayout):
        names = [n for _, n in layout.stage_columns]
        return [names[int(v)] for v in values]
    given = dict(layout.stage_values)
    out = []
    for v in values:
        if v in given:
            out.append(given[v])
            continue
        text = value_text(v).strip()
        out.append(given.get(text, text) if text else None)
    return out


def _stage_order(names: list[str | None], counts: pd.DataFrame, layout: Layout) -> tuple[str, ...]:
    """The layout's stages, else every stage name answered by someone with an id, sorted (with
    ``more_stages``: the layout's stages, then the other names answered, sorted)."""
    seen = {n for n, no_id in zip(names, counts["no_respondent"]) if n is not None and not no_id}
    if layout.stages is None:
        stages = tuple(sorted(seen))
    elif isinstance(layout, LongLayout) and layout.more_stages:
        stages = tuple(layout.stages) + tuple(sorted(seen - set(layout.stages)))
    else:
        stages = tuple(layout.stages)
    if not stages:
        raise SurveyError(_("The table has no stage: the stage column is empty."))
    return stages


def _cell_classes(counts: pd.DataFrame, rules: ScoreRules) -> tuple[np.ndarray, np.ndarray, Scale]:
    """Class (the importer's EMPTY, NA, OK, NOT_NUMBER, OUT_OF_SCALE), score and scale of each row's cell.

    The distinct cells are profiled once as text, as the importer profiles a column.
    """
    texts = [value_text(v) for v in counts["score_value"]]
    distinct = sorted(set(texts))
    position = {t: i for i, t in enumerate(distinct)}
    codes = np.array([position[t] for t in texts], dtype=np.int32)
    per_value = np.bincount(codes, weights=counts["n"].to_numpy(dtype=np.float64), minlength=len(distinct)).astype(np.int64)
    raw = RawColumn("score", pa.array(distinct, pa.string()), codes, value_counts=per_value)
    profile = profile_column(raw, tuple(rules.na_values))
    if rules.labels:
        _apply_labels(profile, dict((label_key(k), v) for k, v in rules.labels))
    scale = rules.scale or infer_scale_from_counts(profile.number_counts())
    if scale is None:
        raise SurveyError(_(
            "The stage answers are not ratings on a scale the importer knows (such as 1-5, 1-7, 1-10 or 0-10); name the scale."
        ))
    cls = classify_values(profile, scale)
    return cls[codes], profile.num[codes], scale


def _apply_labels(profile, labels: dict[str, float | None]) -> None:
    """Score (or mark as no answer) the cells that are the user's answer labels."""
    profile.own_arrays()
    for i, text in enumerate(profile.texts()):
        key = label_key(text)
        if key and key in labels:
            value = labels[key]
            profile.num[i] = np.nan if value is None else value
            profile.na[i] = value is None
