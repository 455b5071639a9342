"""Per-respondent columns, shared by both layouts: outcome, date, weight, segments, comments and
stated importance.

:func:`plan_respondent_columns` decides which of the columns the layout did not take (id, stages,
score) play which role, in this order:

* **outcome**: the user's choice, else columns named or asked like an overall outcome
  (:func:`cycle_analytics.ingest.names.outcome_rank`: overall before satisfaction before recommend
  and loyalty; a question that reads like an outcome in another language ranks as satisfaction),
  numeric or with 2-3 values; other 0/1 columns are candidates too, never the default. A numeric
  candidate must be on a rating scale (its own values just outside one are its N/A codes, e.g. 11
  on a 0-10 recommend question): a guess that is on none is dropped with a note, and the next
  candidate (or the proxy) is used; only the user's own choice can make an import fail;
* **date**: the export's date column first, then columns named like a date or mostly text, whose
  values parse as dates;
* **weight**: the user's choice (``ImportOptions.weight``: a column, or ``""`` for none), else a
  column named like a survey weight holding non-negative, not all whole numbers (or, unnamed, such
  numbers with a mean around 1) is proposed as ``DatasetInfo.weight_column``: every figure applies it;
* **duration**: how long each respondent took (the speeder check of
  :mod:`cycle_analytics.stats.quality`): a column named like a survey duration
  (:func:`cycle_analytics.ingest.names.duration_seconds_per_unit`: ``Duration (in seconds)``,
  ``survey_duration_min``; numbers or ``h:mm:ss``), else a start and an end time with a time of day
  (``StartDate`` / ``EndDate``); export metadata counts, and the date column may be the start or end;
* **comments**: every open-text question (:func:`is_open_text`) is a comment column, tied to the
  stage its name or question mentions ("Comment on Parking", "Why did you rate the check-in ...");
  an open-text question is never a segment;
* **segments**: the user's choice, else text columns with 2 to ``MAX_SEGMENT_VALUES`` values (fewer
  than the respondents) that are not open text and not named like an id.

:func:`respondent_frame` then builds ``Survey.responses`` from one value per respondent and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cycle_analytics.cycles import normalise_key
from cycle_analytics.dataset import ColumnRole, CommentColumn, ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import format_number, ngettext, gettext as _
from cycle_analytics.ingest.layouts.codes import categorical_from_codes
from cycle_analytics.ingest.layouts.columns import (
    ColumnProfile,
    find_column,
    is_binary_01,
    looks_like_dates,
    mostly_datelike,
    parse_dates,
)
from cycle_analytics.ingest.layouts.scale_choice import MAX_STRAY_SHARE, ScaleReading, codes_outside_scale, read_scale
from cycle_analytics.ingest.names import (
    BLOCK_OVERALL_TAILS,
    duration_seconds_per_unit,
    is_date_name,
    is_derived_name,
    is_end_time_name,
    is_id_name,
    is_open_question,
    is_start_time_name,
    looks_like_outcome,
    name_tail,
    outcome_rank,
    role_of_name,
    weekday_order,
)
from cycle_analytics.scales import Scale, infer_scale_from_counts

__all__ = ["MAX_SEGMENT_VALUES", "RespondentColumns", "DurationSource", "plan_respondent_columns", "respondent_frame",
           "is_open_text", "comment_stage", "outcome_na", "is_weight_column", "duration_source"]

MAX_SEGMENT_VALUES = 30
MIN_COMMENT_LENGTH = 12  # mean characters of a free-text column not named or asked like a comment
WEIGHT_MEAN = (0.8, 1.25)  # mean of an unnamed weight column: positive non-whole numbers around 1
DURATION_SAMPLE = 200  # distinct values looked at to tell a duration or a time of day
CLOCK_DURATION = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,]\d+)?$")  # "1:05:32", "5:32"


@dataclass(frozen=True)
class DurationSource:
    """Where a respondent's response duration comes from: one column (``columns = (column,)``, in
    units of ``seconds_per_unit`` seconds, or ``h:mm:ss`` text), or a start and an end time
    (``columns = (start, end)``; the duration is end minus start)."""

    columns: tuple[ColumnProfile, ...]
    seconds_per_unit: float = 1.0

    def description(self) -> str:
        """The source in words (``info.duration_source``): the column, or ``"EndDate - StartDate"``."""
        if len(self.columns) == 2:
            return f"{self.columns[1].name} - {self.columns[0].name}"
        return self.columns[0].name


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
    comments: tuple[tuple[ColumnProfile, CommentColumn], ...] = ()
    weight: ColumnProfile | None = None
    importance: tuple[tuple[ColumnProfile, str], ...] = ()  # (column, stage)
    reasons: tuple[tuple[str, str], ...] = ()  # ("outcome" | "segments" | "date", one sentence)
    duration: DurationSource | None = None


def plan_respondent_columns(cols: list[ColumnProfile], taken: set[str], options: ImportOptions, n_resp_hint: int,
                            ids_col: str | None, layout_meta: frozenset = frozenset(),
                            layout_date: str | None = None, *, stage_scale: Scale | None = None,
                            stage_of_column: dict[str, str] | None = None, open_marked: frozenset = frozenset(),
                            importance: tuple[tuple[ColumnProfile, str], ...] = ()) -> RespondentColumns:
    """Outcome, date, weight, comments, segments and importance among the columns not in ``taken``
    (see the module docstring).

    ``n_resp_hint``: the number of respondents (a segment has fewer values); ``ids_col``: the id
    column, named in messages; ``layout_meta`` / ``layout_date`` / ``open_marked``: a survey-tool
    export's metadata columns (never a respondent column here), its date column and its open-ended
    columns; ``stage_scale``: the stages' scale (numeric N/A codes of an outcome on it apply to the
    outcome too); ``stage_of_column``: stage column -> stage name (a comment mentioning one is tied
    to it); ``importance``: stated-importance columns and their stages.
    """
    roles: dict[str, ColumnRole] = {}
    notes: list[str] = []
    reasons: dict[str, str] = {}
    free = [c for c in cols if c.name not in taken]
    imp_names = {c.name for c, _ in importance}
    for c, stage in importance:
        roles[c.name] = ColumnRole(c.name, "importance", _("stated importance of {stage!r}").format(stage=stage), c.question)

    out_cols, outcome = _outcome_columns(cols, [c for c in free if c.name not in imp_names], options, layout_meta,
                                         stage_scale, notes)
    for c in out_cols:
        binary = c.numeric_share < 0.9 or is_binary_01(c)
        if c.name == outcome:
            detail = _("default outcome, binary") if binary else _("default outcome, rating")
        else:
            detail = _("outcome candidate, binary") if binary else _("outcome candidate, rating")
        roles[c.name] = ColumnRole(c.name, "outcome", detail, c.question)
    reasons["outcome"] = _outcome_reason(out_cols[0] if outcome else None, options)
    if options.positive is not None:
        notes.append(_positive_label_note(out_cols, outcome, options.positive))
    used = set(taken) | {c.name for c in out_cols} | imp_names

    if options.date is not None:  # the user's choice: a column, or "" for none
        date = find_column(options.date, cols, "date") if options.date else None
    else:
        date = _date_column([c for c in free if c.name not in used], layout_date)
    if date is not None:
        roles[date.name] = ColumnRole(date.name, "date", _("response date"), date.question)
        used.add(date.name)
        reasons["date"] = (_("Your choice.") if options.date else
                           _("{name!r}: the export's response date.").format(name=date.name) if date.name == layout_date
                           else _("{name!r}: its values are dates.").format(name=date.name))
    else:
        reasons["date"] = _("Your choice.") if options.date == "" else _("No column holds response dates.")

    if options.weight is not None:  # the user's choice: a column, or "" for none
        weight = find_column(options.weight, cols, "weight") if options.weight else None
        if weight is not None:
            validate_weight_column(weight)
    else:
        weight = next((c for c in free if c.name not in used and is_weight_column(c)), None)
    if weight is not None:
        detail = _("survey weight (your choice)") if options.weight else _("survey weight (proposed: positive numbers, not whole)")
        roles[weight.name] = ColumnRole(weight.name, "weight", detail, weight.question)
        used.add(weight.name)
        reasons["weight"] = _("Your choice.") if options.weight else _weight_reason(weight)
    else:
        reasons["weight"] = _("Your choice: no weight.") if options.weight == "" else _("No column holds survey weights.")

    duration = duration_source(free, used)
    for c, detail in _duration_roles(duration):
        roles.setdefault(c.name, ColumnRole(c.name, "duration", detail, c.question))  # a date column stays the date
        used.add(c.name)

    comments = _comment_columns(free, used, layout_meta, open_marked, stage_of_column or {})
    for c, cc in comments:
        detail = _("comment on {stage!r}").format(stage=cc.stage) if cc.stage else _("free text (comment)")
        roles[c.name] = ColumnRole(c.name, "comment", detail, c.question)
        used.add(c.name)

    segments = _segment_columns(cols, free, used, taken, options, n_resp_hint, ids_col, layout_meta)
    for c in segments:
        roles[c.name] = ColumnRole(c.name, "segment", ngettext("{n} value", "{n} values", c.n_unique).format(
            n=format_number(c.n_unique)), c.question)
        used.add(c.name)
    if options.segments is not None:
        reasons["segments"] = _("Your choice.")
    elif segments:
        reasons["segments"] = _("Text columns with 2 to {most} different answers that are not free text.").format(
            most=format_number(MAX_SEGMENT_VALUES))
    else:
        reasons["segments"] = _("No text column holds a few repeated answers.")
    general = next((c for c, cc in comments if cc.stage is None), comments[0][0] if comments else None)
    return RespondentColumns(date=date, comment=general, segments=tuple(segments), outcomes=tuple(out_cols),
                             outcome=outcome, roles=roles, notes=tuple(notes), comments=tuple(comments), weight=weight,
                             importance=tuple(importance), reasons=tuple(reasons.items()), duration=duration)


def _outcome_reason(c: ColumnProfile | None, options: ImportOptions) -> str:
    """Why the default outcome is what it is, in one sentence."""
    if c is None:
        return _("No column is named or asked like an overall outcome: the mean of the other stages stands in.")
    if options.outcome:
        return _("Your choice.")
    rank = outcome_rank(c.name)
    tail = normalise_key(name_tail(c.name))
    if rank == 0 and tail in BLOCK_OVERALL_TAILS and tail != normalise_key(c.name):
        return _("{name!r} is the overall item of its block of questions.").format(name=c.name)
    if rank is not None:
        return (_("{name!r} is named like an overall outcome (overall satisfaction)."),
                _("{name!r} is named like an overall outcome (satisfaction)."),
                _("{name!r} is named like an overall outcome (recommend or loyalty)."))[rank].format(name=c.name)
    return _("{name!r} is asked like an overall outcome.").format(name=c.name)


def is_weight_column(c: ColumnProfile) -> bool:
    """A survey weight: non-negative numbers (some positive), some of them not whole, named like a
    weight; or, without such a name, such numbers with a mean around 1 (:data:`WEIGHT_MEAN`)."""
    if c.n_numeric == 0 or c.numeric_share < 0.95:
        return False
    counts = c.number_counts()
    vals = np.fromiter(counts.keys(), dtype=float)
    cnt = np.fromiter(counts.values(), dtype=float)
    if (vals < 0).any() or not (vals > 0).any() or (np.floor(vals) == vals).all():
        return False
    if role_of_name(c.name) == "weight":
        return True
    mean = float((vals * cnt).sum() / cnt.sum())
    return (WEIGHT_MEAN[0] <= mean <= WEIGHT_MEAN[1] and role_of_name(c.name) is None and not is_id_name(c.name)
            and not is_derived_name(c.name))


def _weight_reason(c: ColumnProfile) -> str:
    """Why a column was proposed as the survey weight, in one sentence."""
    if role_of_name(c.name) == "weight":
        return _("{name!r}: named like a survey weight, non-negative numbers that are not whole.").format(name=c.name)
    return _("{name!r}: non-negative numbers that are not whole, with a mean around 1.").format(name=c.name)


def validate_weight_column(c: ColumnProfile) -> None:
    """The user's weight column must hold numbers, none negative and some positive (empty cells
    are allowed: those respondents count with weight 0, as the analysis notes say)."""
    if c.n_numeric == 0 or c.numeric_share < 0.95:
        raise SurveyError(_("The weight column {name!r} must hold numbers; some of its values are not numbers.").format(name=c.name))
    vals = np.fromiter(c.number_counts().keys(), dtype=float)
    if (vals < 0).any():
        raise SurveyError(_("The weight column {name!r} holds negative numbers; a survey weight is 0 or more.").format(name=c.name))
    if not (vals > 0).any():
        raise SurveyError(_("The weight column {name!r} has no positive weight.").format(name=c.name))


def duration_source(free: list[ColumnProfile], used: set[str]) -> DurationSource | None:
    """How long each respondent took: the first column named like a survey duration that holds
    durations (numbers, or ``h:mm:ss`` text), else the first start-time and end-time columns whose
    values are dates with a time of day; ``None`` without either. ``used`` columns (the outcome, the
    weight...) are never a duration column, though the date may be the start or the end time."""
    for c in free:
        unit = duration_seconds_per_unit(c.name)
        if unit is not None and c.name not in used and c.n_values and _holds_durations(c):
            return DurationSource((c,), unit)
    start = next((c for c in free if is_start_time_name(c.name) and _holds_times(c)), None)
    end = next((c for c in free if is_end_time_name(c.name) and _holds_times(c)), None)
    if start is not None and end is not None and start is not end:
        return DurationSource((start, end))
    return None


def _duration_roles(source: DurationSource | None) -> list[tuple[ColumnProfile, str]]:
    """``(column, role detail)`` of the duration's columns."""
    if source is None:
        return []
    if len(source.columns) == 1:
        detail = {60.0: _("response duration (minutes): the speeder check"),
                  3600.0: _("response duration (hours): the speeder check")}.get(
            source.seconds_per_unit, _("response duration (seconds): the speeder check"))
        return [(source.columns[0], detail)]
    start, end = source.columns
    fields = {"end": end.name, "start": start.name}
    return [(start, _("response start time: duration = {end} - {start} (the speeder check)").format(**fields)),
            (end, _("response end time: duration = {end} - {start} (the speeder check)").format(**fields))]


def _sample_texts(c: ColumnProfile) -> list[str]:
    """The first distinct non-empty values of ``c`` (up to :data:`DURATION_SAMPLE`)."""
    idx = np.nonzero((c.counts > 0) & ~c.empty)[0][:DURATION_SAMPLE]
    return c.trimmed.take(pa.array(idx)).to_pylist() if idx.size else []


def _holds_durations(c: ColumnProfile) -> bool:
    """Non-negative numbers, or ``h:mm:ss`` / ``m:ss`` text, in 90% of the values."""
    if c.numeric_share >= 0.9:
        vals = np.fromiter(c.number_counts().keys(), dtype=float)
        return bool(vals.size) and bool((vals >= 0).all())
    sample = _sample_texts(c)
    return bool(sample) and sum(1 for t in sample if CLOCK_DURATION.match(t)) >= 0.9 * len(sample)


def _holds_times(c: ColumnProfile) -> bool:
    """Dates with a time of day (not all at midnight): when a respondent started or finished."""
    if not looks_like_dates(c):
        return False
    parsed, _ = parse_dates(_sample_texts(c))
    ok = parsed[~np.isnat(parsed)]
    return bool(ok.size) and bool((ok != ok.astype("datetime64[D]")).any())


def is_open_text(c: ColumnProfile, open_marked: frozenset = frozenset()) -> bool:
    """A free-text question: marked open-ended by the export; or text named like a comment or asked
    like an open question ("Why did you rate ...", "Anything else ...", "Please specify", in
    English, Indonesian or Spanish), however few and repeated its answers; or text whose values are
    mostly different and long; never dates."""
    if c.n_values == 0 or c.numeric_share >= 0.5:
        return False
    if c.name in open_marked:
        return True
    if mostly_datelike(c):
        return False
    if is_open_question(c.name) or (c.question and is_open_question(c.question)):
        return True
    if c.mean_text_length() < MIN_COMMENT_LENGTH:
        return False
    return c.n_unique > MAX_SEGMENT_VALUES or (c.n_unique >= 3 and c.n_unique * 2 >= c.n_values)


def comment_stage(c: ColumnProfile, stage_of_column: dict[str, str]) -> str | None:
    """The stage a comment column's name or question mentions (its stage name or its column's
    name), the longest mention winning; ``None`` for a general comment.

    >>> from types import SimpleNamespace
    >>> comment_stage(SimpleNamespace(name="Comment on Taking a number", question=""), {"q3": "Taking a number", "q1": "Parking"})
    'Taking a number'
    """
    text = normalise_key(f"{c.name} {c.question}")
    best, best_len = None, 0
    for column, stage in stage_of_column.items():
        for key in {normalise_key(stage), normalise_key(column)}:
            if len(key) >= 3 and key in text and len(key) > best_len and key != normalise_key(c.name):
                best, best_len = stage, len(key)
    return best


def _comment_columns(free: list[ColumnProfile], used: set[str], layout_meta: frozenset, open_marked: frozenset,
                     stage_of_column: dict[str, str]) -> list[tuple[ColumnProfile, CommentColumn]]:
    """Every open-text column not used otherwise, with the stage it is tied to."""
    out = []
    for c in free:
        if c.name in used or c.name in layout_meta or not is_open_text(c, open_marked):
            continue
        out.append((c, CommentColumn(c.name, comment_stage(c, stage_of_column), c.question or c.name)))
    return out


def _outcome_columns(cols: list[ColumnProfile], free: list[ColumnProfile], options: ImportOptions,
                     layout_meta: frozenset, stage_scale: Scale | None,
                     notes: list[str]) -> tuple[list[ColumnProfile], str | None]:
    """The outcome candidates (best first) and the default outcome's name (``None`` without one).

    The user's outcome comes first; columns named or asked like an outcome follow by rank and file
    order, if they are on a rating scale (:func:`_settle_outcome_codes`; a guess that is not is
    dropped with a note); other 0/1 columns are candidates but never make a default.
    """
    chosen = find_column(options.outcome, cols, "outcome") if options.outcome else None
    if chosen is not None and chosen.numeric_share >= 0.9:
        _settle_outcome_codes(chosen, stage_scale, options, notes)
    ranked: list[tuple[int, int, ColumnProfile]] = []
    for i, c in enumerate(free):
        rank = _outcome_rank(c, layout_meta)
        if rank is not None and (c.numeric_share >= 0.9 or 2 <= c.n_unique <= 3) and c.n_values > 0:
            if c is not chosen and c.numeric_share >= 0.9 and not _settle_outcome_codes(c, stage_scale, options, notes):
                continue
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


def _settle_outcome_codes(c: ColumnProfile, stage_scale: Scale | None, options: ImportOptions, notes: list[str]) -> bool:
    """Settle the N/A codes of a numeric outcome column (in place) and say whether it is on a rating
    scale: the user's numeric codes as :func:`outcome_na` says, then the values just outside its own
    scale (``11`` on a 0-10 recommend question). A column on no scale gets a note (and ``False``)."""
    if is_binary_01(c):
        return True
    if stage_scale is not None:
        c.own_arrays()
        c.na = outcome_na(c, stage_scale)
    counts = c.number_counts()
    if not counts:
        return False
    reading = _on_stage_scale(counts, stage_scale) or read_scale(counts)
    if reading is None:
        vals = list(counts)
        notes.append(_("{name!r} was not used as the outcome: its values ({min:g} to {max:g}) are on no rating scale.").format(name=c.name, min=min(vals), max=max(vals)))
        return False
    if reading.codes and options.infer_na_codes:
        c.own_arrays()
        c.na |= np.isin(c.num, np.array(reading.code_values))
        for v, k, why in reading.codes:
            notes.append(ngettext("{k} answer {v:g} of the outcome {name!r} is read as no answer: {why}.",
                                  "{k} answers {v:g} of the outcome {name!r} are read as no answer: {why}.", k).format(
                k=format_number(k), v=v, name=c.name, why=why))
    return True


def _on_stage_scale(counts: dict[float, int], stage_scale: Scale | None) -> ScaleReading | None:
    """The outcome read on the stages' scale (with the values just outside it as N/A codes), when
    that scale holds most of its answers and the codes all but 1% of the rest: the same
    questionnaire's convention (SFO's Q9ALL next to the Q7 block, with 0 and 6 as no answer)."""
    if stage_scale is None:
        return None
    codes = codes_outside_scale(stage_scale, counts)
    code_values = {v for v, _, _ in codes}
    total = sum(counts.values())
    strays = sum(k for v, k in counts.items() if not stage_scale.contains(np.array([v]))[0] and v not in code_values)
    inside = sum(k for v, k in counts.items() if stage_scale.contains(np.array([v]))[0])
    if inside * 2 < total or strays > MAX_STRAY_SHARE * total:  # mostly on the stages' scale, all but 1% explained
        return None
    return ScaleReading(stage_scale, codes, strays)


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
        raise SurveyError(_("A positive label {positive!r} was given but no outcome column was found or chosen.").format(positive=positive))
    oc = out_cols[0]
    labels = oc.texts((oc.counts > 0) & ~oc.empty & ~oc.na)
    if positive.strip().casefold() not in {t.casefold() for t in labels}:
        shown = ", ".join(repr(t) for t in labels[:10])
        raise SurveyError(_("The positive label {positive!r} is not a value of the outcome column {name!r}; its values are {shown}.").format(positive=positive, name=oc.name, shown=shown))
    return _("The outcome {name!r} counts {positive!r} as positive.").format(name=oc.name, positive=positive)


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
    if options.segments is not None:  # the user's list, possibly empty (no segments)
        for s in options.segments:
            c = find_column(s, cols, "segment")
            if c.name in used and c.name not in {x.name for x in segments} and c.name in taken:
                raise SurveyError((_("The column {name!r} cannot be a segment: it is already used as the id.") if c.name == ids_col
                                   else _("The column {name!r} cannot be a segment: it is already used as a stage or score."))
                                  .format(name=c.name))
            segments.append(c)
        return segments
    limit = min(MAX_SEGMENT_VALUES, max(2, n_resp_hint - 1))
    for c in free:
        if c.name in used or c.name in layout_meta:
            continue
        if c.numeric_share < 0.5 and 2 <= c.n_unique <= limit and not is_open_text(c) and not is_id_name(c.name):
            segments.append(c)
    return segments


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


def respondent_frame(ids: pd.Categorical, plan: RespondentColumns,
                     value_codes: Callable[[ColumnProfile], np.ndarray]) -> pd.DataFrame:
    """``Survey.responses``: ``response_id``, then date, segments, outcomes, stated importance, the
    weight and the comment columns as planned, and ``comment`` (the general comment).

    ``value_codes(col)`` gives, per respondent, the code of the value to use (-1 = none); the N/A
    codes of numeric outcomes were settled by :func:`plan_respondent_columns`.
    """
    data = {"response_id": ids}
    if plan.date is not None:
        data["date"] = _date_values(plan.date, value_codes(plan.date))
    for c in plan.segments:
        data[c.name] = _segment_values(c, value_codes(c))
    for c in plan.outcomes:
        data[c.name] = _outcome_values(c, value_codes(c))
    for c, _stage in plan.importance:
        data[c.name] = _number_values(c, value_codes(c))
    if plan.weight is not None:
        data[plan.weight.name] = _number_values(plan.weight, value_codes(plan.weight))
    for c, _column in plan.comments:
        data[c.name] = _comment_values(c, value_codes(c))
    if plan.comment is not None and "comment" not in data:
        data["comment"] = data[plan.comment.name]
    if plan.duration is not None and "duration" not in data:
        data["duration"] = _duration_values(plan.duration, value_codes)
    return pd.DataFrame(data)


def _duration_values(source: DurationSource, value_codes: Callable[[ColumnProfile], np.ndarray]) -> np.ndarray:
    """Seconds per respondent (NaN where missing, unreadable or negative)."""
    if len(source.columns) == 2:
        start, end = source.columns
        span = _date_values(end, value_codes(end)) - _date_values(start, value_codes(start))
        seconds = np.asarray(span.total_seconds(), dtype=np.float64)
    else:
        c = source.columns[0]
        codes = value_codes(c)
        if c.numeric_share >= 0.9:
            seconds = _number_values(c, codes) * source.seconds_per_unit
        else:
            per_value = np.array([_clock_seconds(t) for t in c.trimmed.to_pylist()], dtype=np.float64)
            seconds = np.where(codes >= 0, per_value[np.clip(codes, 0, None)] if per_value.size else np.nan, np.nan)
    return np.where(seconds >= 0, seconds, np.nan).astype(np.float64)


def _clock_seconds(text: str | None) -> float:
    """``"1:05:32"`` -> 3932.0, ``"5:32"`` -> 332.0; NaN for anything else."""
    m = CLOCK_DURATION.match(text or "")
    if m is None:
        return float("nan")
    hours, minutes, seconds = m.groups()
    return float(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))


def _number_values(c: ColumnProfile, codes: np.ndarray) -> np.ndarray:
    """Numbers per respondent (NaN for empty, N/A and text)."""
    num = np.where(c.na | c.empty, np.nan, c.num)
    return np.where(codes >= 0, num[np.clip(codes, 0, None)], np.nan).astype(np.float64)


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
    values = categorical_from_codes(codes, c.trimmed)
    week = weekday_order(values.categories)  # days of the week read Monday to Sunday, not in file order
    return values.reorder_categories(week) if week is not None else values


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
