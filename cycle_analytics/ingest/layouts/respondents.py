"""Per-respondent columns, shared by both layouts: outcome, date, segments and comment.

:func:`plan_respondent_columns` decides which of the columns the layout did not take (id, stages,
score) play which role, in this order:

* **outcome**: the user's choice, else columns named or asked like an overall outcome
  (:func:`cycle_analytics.ingest.names.outcome_rank`: overall before satisfaction before recommend;
  a question that reads like an outcome in another language ranks as satisfaction), numeric or with
  2-3 values; other 0/1 columns are candidates too, never the default;
* **date**: the export's date column first, then columns named like a date or mostly text, whose
  values parse as dates;
* **segments**: the user's choice, else text columns with 2 to ``MAX_SEGMENT_VALUES`` values (fewer
  than the respondents) that are not named like a comment or an id;
* **comment**: the first text column named like a comment, or with many long, not date-like values.

:func:`respondent_frame` then builds ``Survey.responses`` from one value per respondent and column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cycle_analytics.dataset import ColumnRole, ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.layouts.codes import categorical_from_codes
from cycle_analytics.ingest.layouts.columns import (
    ColumnProfile,
    find_column,
    is_binary_01,
    looks_like_dates,
    mostly_datelike,
    parse_dates,
)
from cycle_analytics.ingest.names import is_comment_name, is_date_name, is_id_name, looks_like_outcome, outcome_rank
from cycle_analytics.scales import Scale, infer_scale_from_counts

__all__ = ["MAX_SEGMENT_VALUES", "RespondentColumns", "plan_respondent_columns", "respondent_frame"]

MAX_SEGMENT_VALUES = 30
MIN_COMMENT_LENGTH = 12  # mean characters of a free-text column not named like a comment


@dataclass(frozen=True)
class RespondentColumns:
    """The per-respondent columns of a file and their roles.

    ``outcomes``: the outcome candidates, the default (``outcome``) first when there is one;
    ``roles``: column -> :class:`~cycle_analytics.dataset.ColumnRole` for every column named here.
    """

    date: ColumnProfile | None
    comment: ColumnProfile | None
    segments: tuple[ColumnProfile, ...]
    outcomes: tuple[ColumnProfile, ...]
    outcome: str | None
    roles: dict[str, ColumnRole]
    notes: tuple[str, ...]


def plan_respondent_columns(cols: list[ColumnProfile], taken: set[str], options: ImportOptions, n_resp_hint: int,
                            ids_col: str | None, layout_meta: frozenset = frozenset(),
                            layout_date: str | None = None) -> RespondentColumns:
    """Outcome, date, segments and comment among the columns not in ``taken`` (see the module docstring).

    ``n_resp_hint``: the number of respondents (a segment has fewer values); ``ids_col``: the id
    column, named in messages; ``layout_meta`` / ``layout_date``: a survey-tool export's metadata
    columns (never a respondent column here) and its date column.
    """
    roles: dict[str, ColumnRole] = {}
    notes: list[str] = []
    free = [c for c in cols if c.name not in taken]

    out_cols, outcome = _outcome_columns(cols, free, options, layout_meta)
    for c in out_cols:
        kind = "binary" if (c.numeric_share < 0.9 or is_binary_01(c)) else "rating"
        roles[c.name] = ColumnRole(c.name, "outcome", ("default outcome, " if c.name == outcome else "outcome candidate, ") + kind, c.question)
    if options.positive is not None:
        notes.append(_positive_label_note(out_cols, outcome, options.positive))
    used = set(taken) | {c.name for c in out_cols}

    date = _date_column([c for c in free if c.name not in used], layout_date)
    if date is not None:
        roles[date.name] = ColumnRole(date.name, "date", "response date", date.question)
        used.add(date.name)

    segments = _segment_columns(cols, free, used, taken, options, n_resp_hint, ids_col, layout_meta)
    for c in segments:
        roles[c.name] = ColumnRole(c.name, "segment", f"{c.n_unique} values", c.question)
        used.add(c.name)

    comment = _comment_column(free, used, layout_meta)
    if comment is not None:
        roles[comment.name] = ColumnRole(comment.name, "comment", "free text", comment.question)
    return RespondentColumns(date=date, comment=comment, segments=tuple(segments), outcomes=tuple(out_cols),
                             outcome=outcome, roles=roles, notes=tuple(notes))


def _outcome_columns(cols: list[ColumnProfile], free: list[ColumnProfile], options: ImportOptions,
                     layout_meta: frozenset) -> tuple[list[ColumnProfile], str | None]:
    """The outcome candidates (best first) and the default outcome's name (``None`` without one).

    The user's outcome comes first; columns named or asked like an outcome follow by rank and file
    order; other 0/1 columns are candidates but never make a default.
    """
    chosen = find_column(options.outcome, cols, "the outcome") if options.outcome else None
    ranked: list[tuple[int, int, ColumnProfile]] = []
    for i, c in enumerate(free):
        rank = _outcome_rank(c, layout_meta)
        if rank is not None and (c.numeric_share >= 0.9 or 2 <= c.n_unique <= 3) and c.n_values > 0:
            ranked.append((rank, i, c))
    ranked.sort(key=lambda t: (t[0], t[1]))
    out_cols = [c for _, _, c in ranked]
    if chosen is not None:
        out_cols = [chosen] + [c for c in out_cols if c.name != chosen.name]
    for c in free:  # other 0/1 columns are outcome candidates too (not the default)
        if c not in out_cols and c.name not in layout_meta and is_binary_01(c) and c.numeric_share >= 0.99:
            out_cols.append(c)
    outcome = out_cols[0].name if out_cols and (chosen is not None or ranked) else None
    return out_cols, outcome


def _outcome_rank(c: ColumnProfile, layout_meta: frozenset) -> int | None:
    """Outcome rank of a column from its name, else its question text (a question that reads like
    an outcome in another language ranks 1); export metadata is never an outcome."""
    if c.name in layout_meta:
        return None
    rank = outcome_rank(c.name)
    if rank is None and c.question:
        rank = outcome_rank(c.question)
        if rank is None and looks_like_outcome(c.question):
            rank = 1  # overall / recommend asked in another language
    return rank


def _positive_label_note(out_cols: list[ColumnProfile], outcome: str | None, positive: str) -> str:
    """The note for the user's positive label, after checking it is a value of the default outcome."""
    if outcome is None:
        raise SurveyError(f"A positive label {positive!r} was given but no outcome column was found or chosen.")
    oc = out_cols[0]
    labels = oc.texts((oc.counts > 0) & ~oc.empty & ~oc.na)
    if positive.strip().casefold() not in {t.casefold() for t in labels}:
        shown = ", ".join(repr(t) for t in labels[:10])
        raise SurveyError(f"The positive label {positive!r} is not a value of the outcome column {oc.name!r}; its values are {shown}.")
    return f"The outcome {oc.name!r} counts {positive!r} as positive."


def _date_column(candidates: list[ColumnProfile], layout_date: str | None) -> ColumnProfile | None:
    """The response date: the export's date column first, then the first column named like a date
    (or mostly text) whose values parse as dates."""
    if layout_date:
        candidates = sorted(candidates, key=lambda c: c.name != layout_date)
    for c in candidates:
        if (c.name == layout_date or is_date_name(c.name) or c.numeric_share < 0.5) and looks_like_dates(c):
            return c
    return None


def _segment_columns(cols: list[ColumnProfile], free: list[ColumnProfile], used: set[str], taken: set[str],
                     options: ImportOptions, n_resp_hint: int, ids_col: str | None,
                     layout_meta: frozenset) -> list[ColumnProfile]:
    """The user's segments (never the id, a stage or the score), else the text columns with a few values."""
    segments: list[ColumnProfile] = []
    if options.segments:
        for s in options.segments:
            c = find_column(s, cols, "a segment")
            if c.name in used and c.name not in {x.name for x in segments} and c.name in taken:
                raise SurveyError(f"The column {c.name!r} cannot be a segment: it is already used as {'the id' if c.name == ids_col else 'a stage or score'}.")
            segments.append(c)
        return segments
    limit = min(MAX_SEGMENT_VALUES, max(2, n_resp_hint - 1))
    for c in free:
        if c.name in used or c.name in layout_meta:
            continue
        if c.numeric_share < 0.5 and 2 <= c.n_unique <= limit and not is_comment_name(c.name) and not is_id_name(c.name):
            segments.append(c)
    return segments


def _comment_column(free: list[ColumnProfile], used: set[str], layout_meta: frozenset) -> ColumnProfile | None:
    """The first text column named like a comment, or holding many long values that are not dates."""
    for c in free:
        if c.name in used or c.name in layout_meta or c.n_values == 0 or c.numeric_share >= 0.5:
            continue
        if is_comment_name(c.name) or (c.n_unique > MAX_SEGMENT_VALUES and c.mean_text_length() >= MIN_COMMENT_LENGTH
                                       and not mostly_datelike(c)):
            return c
    return None


def outcome_na(c: ColumnProfile, stage_scale: Scale) -> np.ndarray:
    """Which distinct values of a numeric outcome are N/A codes.

    Text codes always are. A numeric code is one when it lies outside 0-10, or when the outcome,
    without the codes, is on the stages' scale (same questionnaire convention); on another scale
    (a 0-10 recommend next to 1-5 stages) a code such as 0 is a valid answer and is kept.
    """
    numeric_code = c.na & ~np.isnan(c.num)
    if not numeric_code.any():
        return c.na
    keep = (c.counts > 0) & ~c.empty & ~c.na & ~np.isnan(c.num)
    own = infer_scale_from_counts(dict(zip(c.num[keep].tolist(), c.counts[keep].tolist())))
    if own == stage_scale:
        return c.na
    outside = (c.num < 0) | (c.num > 10)
    return c.na & (~numeric_code | outside)


def respondent_frame(ids: pd.Categorical, plan: RespondentColumns, value_codes: Callable[[ColumnProfile], np.ndarray],
                     scale: Scale) -> pd.DataFrame:
    """``Survey.responses``: ``response_id``, then date, segments, outcomes and comment as planned.

    ``value_codes(col)`` gives, per respondent, the code of the value to use (-1 = none). The N/A
    codes of numeric outcomes are settled first (:func:`outcome_na`), as ``value_codes`` may read them.
    """
    for c in plan.outcomes:
        if c.numeric_share >= 0.9:
            c.na = outcome_na(c, scale)
    data = {"response_id": ids}
    if plan.date is not None:
        data["date"] = _date_values(plan.date, value_codes(plan.date))
    for c in plan.segments:
        data[c.name] = _segment_values(c, value_codes(c))
    for c in plan.outcomes:
        data[c.name] = _outcome_values(c, value_codes(c))
    if plan.comment is not None:
        data["comment"] = _comment_values(plan.comment, value_codes(plan.comment))
    return pd.DataFrame(data)


def _date_values(c: ColumnProfile, codes: np.ndarray) -> pd.DatetimeIndex:
    """Parsed dates per respondent (NaT where missing or unparsable)."""
    keep = (c.counts > 0) & ~c.empty
    parsed = np.full(len(c.counts), np.datetime64("NaT"), dtype="datetime64[ns]")
    idx = np.nonzero(keep)[0]
    if idx.size:
        parsed[idx], _ = parse_dates(c.trimmed.take(pa.array(idx)).to_pylist())
    return pd.to_datetime(np.where(codes >= 0, parsed[np.clip(codes, 0, None)], np.datetime64("NaT")))


def _segment_values(c: ColumnProfile, codes: np.ndarray) -> pd.Categorical:
    """Segment values per respondent as a categorical (empty and N/A are missing)."""
    codes = np.where((codes >= 0) & ~(c.empty | c.na)[np.clip(codes, 0, None)], codes, -1)
    return categorical_from_codes(codes, c.trimmed)


def _outcome_values(c: ColumnProfile, codes: np.ndarray):
    """Outcome values per respondent: float64 for a numeric outcome, str for a labelled one."""
    ok = codes >= 0
    if c.numeric_share >= 0.9:
        num = np.where(c.na, np.nan, c.num)
        return np.where(ok, num[np.clip(codes, 0, None)], np.nan).astype(np.float64)
    texts = np.asarray(c.trimmed.to_numpy(zero_copy_only=False), dtype=object)
    blank = c.empty | c.na
    vals = np.where(ok, texts[np.clip(codes, 0, None)], None)
    vals = np.where(ok & ~blank[np.clip(codes, 0, None)], vals, None)
    return pd.array(vals, dtype="str")


def _comment_values(c: ColumnProfile, codes: np.ndarray):
    """Comments per respondent as written (not stripped); empty is missing."""
    ok = codes >= 0
    ok &= ~c.empty[np.clip(codes, 0, None)]
    arr = c.raw.values.take(pa.array(np.clip(codes, 0, None)))
    arr = pc.if_else(pa.array(ok), arr, pa.scalar(None, pa.string()))
    return pd.Series(arr.to_pandas(), dtype="str").array if len(arr) else pd.array([], dtype="str")
