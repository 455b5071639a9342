"""The second pass: one row per respondent, every stage's score side by side.

Every table the analyses need is a count over respondents (a score of a stage together with the
respondent's outcome, segment, period, other stages), so the engine builds, once, the relation

``respondent, score_0 .. score_{S-1}, n_rated, score_sum, duplicate, outcome_i.., segment_i..,
date, comment, weight, weight_unusable``

(``score_j`` NULL when stage ``j`` was not rated, ``n_rated`` the respondent's ratings,
``score_sum`` their sum, ``duplicate`` true when a stage was rated twice; with a survey-weight
column, ``weight`` the respondent's weight as a float, 0 when it is missing, not a number,
negative or infinite, which ``weight_unusable`` (0 or 1) records, as
:func:`cycle_analytics.stats.weights.respondent_weights` does in memory) and every later query
reads it. :func:`respondent_table` returns it as an Ibis expression; the engine materialises it on
the backend (a temporary table, a cached Spark frame) so that a filter change only scans it.

The wide layout is already one row per respondent: a projection. The long layout needs a
``GROUP BY respondent``, the one step whose cost grows with the ratings. Taking ``S`` conditional
maxima per respondent (``max(score) FILTER (WHERE stage = ...)``) costs about twice as much as
packing the respondent's scores into one integer per group of stages, ``sum((score - min + 1) *
base ** position)``, with ``base = points + 1`` (measured on the 10M-rating CSV: 3.2 s against
1.8 s with DuckDB), so the scores are packed and unpacked again with integer arithmetic on the
one row per respondent. A key stays below 2**52, so that Ibis's floor division (a division in
double precision on PostgreSQL and Spark) unpacks it exactly. A stage rated twice adds two codes
in one position: either the number of non-zero positions falls short of the ratings, or a position
overflows and the sum of the positions falls short of the sum of the codes; both are compared, so
``duplicate`` is exact.

That grouping leaves the ``comment`` out (when the respondents' columns are on the answers' rows):
it would keep a text per respondent on the backend (4.2 million comments, 110 MB of text, for the
14 million respondents of the 100M-rating Parquet dataset; 0.4 s of its 12.8 s grouping with
DuckDB) while a page shows a few dozen, which :meth:`cycle_analytics.engine.SurveyEngine.comments`
reads from the answers of the respondents it looks at (0.16 s on the 10M-rating dataset). A
separate respondents table and the wide layout keep it (a projection, no aggregate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from cycle_analytics.engine.answers import AnswerInventory, respondent_present, wide_value_columns
from cycle_analytics.engine.layout import Layout, LongLayout
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale

__all__ = [
    "RespondentColumns", "respondent_columns", "respondent_table", "attribute_expressions", "date_expression", "stages_per_key",
    "weight_expressions", "comment_text", "KEY_LIMIT_BITS", "PackedAnswers", "packed_row_values", "packing_positions",
    "respondents_from_packed", "unpacked_respondents",
]

#: Packed keys stay below 2**KEY_LIMIT_BITS (exact through a double-precision floor division).
KEY_LIMIT_BITS = 52


@dataclass(frozen=True)
class RespondentColumns:
    """The respondent table's column names and what they hold.

    ``scores[j]`` is stage ``stages[j]``'s score column; ``outcomes`` / ``segments`` map the
    layout's column names to theirs; ``date``, ``comment`` and ``weight`` are ``None`` when the
    layout has none (with a weight, ``weight_unusable`` is beside it).
    """

    stages: tuple[str, ...]
    scores: tuple[str, ...]
    outcomes: dict
    segments: dict
    date: str | None
    comment: str | None
    weight: str | None = None


def respondent_columns(layout: Layout, stages: tuple[str, ...]) -> RespondentColumns:
    """The names :func:`respondent_table` gives its columns (safe SQL names, whatever the file calls them)."""
    return RespondentColumns(
        stages=tuple(stages),
        scores=tuple(f"score_{j}" for j in range(len(stages))),
        outcomes={c: f"outcome_{i}" for i, c in enumerate(layout.outcomes)},
        segments={c: f"segment_{i}" for i, c in enumerate(layout.segments)},
        date="date" if layout.date else None,
        comment="comment" if layout.comment else None,
        weight="weight" if layout.weight else None,
    )


def stages_per_key(scale: Scale) -> int:
    """How many stages one packed key holds on ``scale`` (``(points + 1) ** n <= 2 ** 52``).

    >>> stages_per_key(Scale(1, 5)), stages_per_key(Scale(0, 10)), stages_per_key(Scale(0, 100))
    (20, 14, 7)
    """
    return max(1, int(math.floor(KEY_LIMIT_BITS / math.log2(scale.points + 1) + 1e-12)))


def respondent_table(table: ir.Table, layout: Layout, inventory: AnswerInventory, respondents: ir.Table | None = None) -> ir.Table:
    """The one-row-per-respondent relation of the module docstring (an unexecuted Ibis expression).

    Parameters
    ----------
    table : Ibis table
        The answers (long) or the respondents with their stage columns (wide).
    layout : LongLayout or WideLayout
    inventory : AnswerInventory
        The first pass (stages, scale and the maps from raw values to stages and scores).
    respondents : Ibis table, optional
        The long layout's separate respondents table (keyed by the layout's respondent column).
    """
    names = respondent_columns(layout, inventory.stages)
    if isinstance(layout, LongLayout):
        return _long_respondents(table, layout, inventory, names, respondents)
    return _wide_respondents(table, layout, inventory, names)


# --------------------------------------------------------------------------------------------
# attributes (outcomes, segments, date, comment)
# --------------------------------------------------------------------------------------------


def attribute_expressions(table: ir.Table, layout: Layout, names: RespondentColumns, *, dates: bool = True,
                          comment: bool = True) -> dict[str, ir.Value]:
    """The per-respondent columns of ``table`` under the respondent table's names.

    ``dates=False`` leaves the date and weight columns as they are (they are converted after the
    ``GROUP BY``, once per respondent instead of once per answer: a text date costs a pattern match
    and a parse, a text weight a cast). ``comment=False`` leaves the comment out (the long layout's
    grouping: see :func:`respondent_table`).
    """
    out: dict[str, ir.Value] = {}
    for column, name in names.outcomes.items():
        out[name] = table[column]
    for column, name in names.segments.items():
        out[name] = table[column]
    if layout.date:
        out["date"] = date_expression(table[layout.date], layout) if dates else table[layout.date]
    if layout.comment and comment:
        out["comment"] = comment_text(table[layout.comment])
    if layout.weight:
        if dates:
            out.update(weight_expressions(table[layout.weight]))
        else:
            out["weight"] = table[layout.weight]
    return out


def comment_text(column: ir.Value) -> ir.Value:
    """A comment column as text (a column of numbers or dates too)."""
    return column if column.type().is_string() else column.cast("string")


def weight_expressions(column: ir.Value) -> dict[str, ir.Value]:
    """``weight`` and ``weight_unusable`` of a survey-weight column, by the rules of
    :func:`cycle_analytics.stats.weights.respondent_weights`: the value as a float (text is cast;
    text that is no number is NULL), and 0 with ``weight_unusable = 1`` when it is missing, NaN,
    infinite or negative.
    """
    kind = column.type()
    if kind.is_floating():
        value = column.cast(dt.float64)
        # NaN and the infinities: NaN compares greater than every number in DuckDB and PostgreSQL
        usable = value.notnull() & ~value.isnan() & ~value.isinf() & (value >= 0)
    elif kind.is_numeric() or kind.is_boolean():
        value = column.cast(dt.float64)
        usable = value.notnull() & (value >= 0)
    else:
        value = column.cast(dt.string).strip().try_cast(dt.float64)
        usable = value.notnull() & ~value.isnan() & ~value.isinf() & (value >= 0)
    return {"weight": ibis.ifelse(usable, value, 0.0), "weight_unusable": ibis.ifelse(usable, 0, 1)}


def date_expression(column: ir.Value, layout: Layout) -> ir.Value:
    """A date column as dates: dates and timestamps as their day, text parsed with the layout's format.

    Text that does not look like a date in the ISO format is no date (NULL) rather than an error
    stopping the scan; other formats are parsed as they are.
    """
    kind = column.type()
    if kind.is_date():
        return column
    if kind.is_timestamp():
        return column.date()
    if kind.is_string():
        text = column.strip()
        if layout.date_format == "%Y-%m-%d":
            day = text[:10]
            return ibis.ifelse(day.re_search(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), day.as_date("%Y-%m-%d"), ibis.null(dt.date))
        return text.as_date(layout.date_format)
    raise SurveyError(_("The date column {column!r} holds {kind} values, not dates.").format(column=layout.date, kind=kind))


# --------------------------------------------------------------------------------------------
# long layout: pack, group by respondent, unpack
# --------------------------------------------------------------------------------------------


def _score_codes(raw: ir.Value, inventory: AnswerInventory) -> ir.Value:
    """``score - min + 1`` of every cell that is a score (NULL otherwise), as a CASE over raw values."""
    lo = inventory.scale.minimum
    pairs = [(v, int(round(s)) - lo + 1) for v, s in inventory.score_values]
    if not pairs:
        return ibis.null(dt.int64)
    return raw.cases(*pairs, else_=ibis.null(dt.int64))


def packed_row_values(table: ir.Table, layout: LongLayout, inventory: AnswerInventory) -> dict[str, ir.Value]:
    """Per answer row, what the ``GROUP BY respondent`` sums: ``code`` (``score - min + 1`` of a
    score of a known stage, else NULL) and ``key_0, key_1 ...`` (the code at its stage's position,
    ``code * base ** position``, in the packed integer of its group of stages).

    ``key_k`` summed, ``code`` counted (``n_valid``) and summed (``code_sum``) per respondent are
    the packed answers that :func:`respondents_from_packed` unpacks.
    """
    scale, n_stages = inventory.scale, len(inventory.stages)
    base, per_key = scale.points + 1, stages_per_key(scale)
    stage_raw = table[layout.stage]
    known_values = [v for v, _ in inventory.stage_codes]
    known = stage_raw.isin(known_values) if known_values else ibis.literal(False)
    code = known.ifelse(_score_codes(table[layout.score], inventory), ibis.null(dt.int64))
    values: dict[str, ir.Value] = {"code": code}
    for k in range(math.ceil(n_stages / per_key)):
        weights = [(v, base ** (j - k * per_key)) for v, j in inventory.stage_codes if k * per_key <= j < (k + 1) * per_key]
        weight = stage_raw.cases(*weights, else_=ibis.null(dt.int64)) if weights else ibis.null(dt.int64)
        values[f"key_{k}"] = code * weight
    return values


@dataclass(frozen=True)
class PackedAnswers:
    """A respondent table (the columns of :func:`respondent_table`) that a reader built while it
    read every row anyway, with ``inventory``, whose stages may be in another order than the
    engine's: ``score_j`` is ``inventory.stages[j]``'s score.

    :mod:`cycle_analytics.engine.csv_source` counts a large CSV and groups it by respondent in one
    scan (:func:`packed_row_values` summed, then :func:`unpacked_respondents`); the engine reads
    that table instead of grouping the file again when ``inventory`` reads the answers exactly as
    its own (:func:`packing_positions`), and drops ``temporary_table`` when it closes.
    """

    table: ir.Table
    inventory: AnswerInventory
    temporary_table: str | None = None


def packing_positions(packed: AnswerInventory, final: AnswerInventory) -> tuple[int, ...] | None:
    """Where each of ``final``'s stages is in ``packed``'s order (``None``: they read the answers differently).

    They read them the same when both have the same scale, the same raw values as scores with
    the same scores, and the same raw values for each stage; only the order of the stages may
    differ.
    """
    if (packed.scale.minimum, packed.scale.points) != (final.scale.minimum, final.scale.points):
        return None
    if dict(packed.score_values) != dict(final.score_values):
        return None
    named_packed = {v: packed.stages[j] for v, j in packed.stage_codes}
    named_final = {v: final.stages[j] for v, j in final.stage_codes}
    if named_packed != named_final or sorted(packed.stages) != sorted(final.stages):
        return None
    return tuple(packed.stages.index(name) for name in final.stages)


def respondents_from_packed(packed: PackedAnswers, layout: LongLayout, inventory: AnswerInventory) -> ir.Table | None:
    """The respondent table of :func:`respondent_table` from the reader's ``packed`` one (the score
    columns renamed to ``inventory``'s order), or ``None`` when it read the answers differently
    from ``inventory`` (the engine then groups the source itself)."""
    positions = packing_positions(packed.inventory, inventory)
    if positions is None:
        return None
    names = respondent_columns(layout, inventory.stages)
    table = packed.table
    scores = {names.scores[j]: table[f"score_{p}"] for j, p in enumerate(positions)}
    keep = [c for c in table.columns if not c.startswith("score_") or c == "score_sum"]
    return table.select(*keep, **scores).relocate(*names.scores, before="n_rated")


def unpacked_respondents(grouped: ir.Table, layout: LongLayout, inventory: AnswerInventory) -> ir.Table:
    """The respondent table from answers grouped by respondent with the sums of
    :func:`packed_row_values` (``key_0 ..``, ``n_valid`` = count of ``code``, ``code_sum`` = its
    sum) and the largest raw value of each per-respondent column (:func:`attribute_expressions`
    with ``dates=False``): dates and weights converted, the scores unpacked. Other columns of
    ``grouped`` are kept."""
    return _finish_grouped(grouped, layout, inventory, respondent_columns(layout, inventory.stages))


def _long_respondents(table, layout: LongLayout, inventory: AnswerInventory, names: RespondentColumns, respondents) -> ir.Table:
    """Group the answers by respondent into packed keys, join the attributes, unpack."""
    values = packed_row_values(table, layout, inventory)
    code = values.pop("code")
    aggregates: dict[str, ir.Value] = {name: value.sum() for name, value in values.items()}
    aggregates["n_valid"] = code.count()
    aggregates["code_sum"] = code.sum()
    rows = table.filter(respondent_present(table[layout.respondent]))
    if respondents is None:
        # the respondent's value of each per-respondent column: the largest of their rows (the value
        # itself when the export repeats it on every row, as exports do)
        attributes = attribute_expressions(rows, layout, names, dates=False, comment=False)
        aggregates.update({name: expr.max() for name, expr in attributes.items()})
        grouped = rows.group_by(respondent=rows[layout.respondent]).aggregate(**aggregates)
        return _finish_grouped(grouped, layout, inventory, names)
    packed = rows.group_by(key_respondent=rows[layout.respondent]).aggregate(**aggregates)
    people = respondents.select(respondent=respondents[layout.respondent], **attribute_expressions(respondents, layout, names))
    joined = people.left_join(packed, people.respondent == packed.key_respondent)
    return _unpack_scores(joined.drop("key_respondent"), inventory, names)


def _finish_grouped(grouped: ir.Table, layout: LongLayout, inventory: AnswerInventory, names: RespondentColumns) -> ir.Table:
    """The answers grouped by respondent with their raw per-respondent columns: dates and weights
    converted (once per respondent), the scores unpacked."""
    if layout.date:
        grouped = grouped.mutate(date=date_expression(grouped["date"], layout))
    if layout.weight:
        grouped = grouped.mutate(**weight_expressions(grouped["weight"]))
    return _unpack_scores(grouped, inventory, names)


def _unpack_scores(grouped: ir.Table, inventory: AnswerInventory, names: RespondentColumns) -> ir.Table:
    """Scores per stage, counts and the duplicate flag from the packed keys (one row per respondent)."""
    scale, n_stages = inventory.scale, len(inventory.stages)
    base, per_key = scale.points + 1, stages_per_key(scale)
    n_valid = grouped.n_valid.fill_null(0).cast(dt.int64)
    code_sum = grouped.code_sum.fill_null(0).cast(dt.int64)
    keys = [grouped[f"key_{k}"].fill_null(0).cast(dt.int64) for k in range(math.ceil(n_stages / per_key))]
    in_range = ibis.literal(True)
    for k, key in enumerate(keys):
        width = min(per_key, n_stages - k * per_key)
        in_range = in_range & (key < base**width)
    digits = []
    for j in range(n_stages):
        k, position = divmod(j, per_key)
        digits.append((keys[k] // base**position) % base)
    rated = sum((ibis.ifelse(d > 0, 1, 0) for d in digits), ibis.literal(0, dt.int64))  # PostgreSQL casts no boolean to bigint
    digit_sum = sum(digits, ibis.literal(0, dt.int64))
    scores = {names.scores[j]: ibis.ifelse(d > 0, d + (scale.minimum - 1), ibis.null(dt.int64)) for j, d in enumerate(digits)}
    keep = [c for c in grouped.columns if c not in ("n_valid", "code_sum") and not c.startswith("key_")]
    return grouped.select(
        *keep,
        **scores,
        n_rated=n_valid,
        score_sum=code_sum + n_valid * (scale.minimum - 1),
        duplicate=(rated != n_valid) | (digit_sum != code_sum) | ~in_range,
    )


# --------------------------------------------------------------------------------------------
# wide layout: a projection
# --------------------------------------------------------------------------------------------


def _wide_respondents(table: ir.Table, layout, inventory: AnswerInventory, names: RespondentColumns) -> ir.Table:
    """Scores per stage column (through the same value expressions as the first pass), counts, attributes."""
    lo = inventory.scale.minimum
    values = wide_value_columns(table, tuple(c for c, _ in layout.stage_columns))
    scores = {}
    for j, name in enumerate(names.scores):
        code = _score_codes(values[f"v{j}"], inventory)
        scores[name] = ibis.ifelse(code.notnull(), code + (lo - 1), ibis.null(dt.int64))
    rated = sum((ibis.ifelse(s.notnull(), 1, 0) for s in scores.values()), ibis.literal(0, dt.int64))
    total = sum((s.fill_null(0) for s in scores.values()), ibis.literal(0, dt.int64))
    respondent = table[layout.respondent] if layout.respondent else ibis.null(dt.string)
    return table.select(
        respondent=respondent,
        **attribute_expressions(table, layout, names),
        **scores,
        n_rated=rated,
        score_sum=total,
        duplicate=ibis.literal(False),
    )
