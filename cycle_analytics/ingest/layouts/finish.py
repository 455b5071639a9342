"""The shared end of the long and wide builders: the rejected rows, the column roles, the
:class:`~cycle_analytics.dataset.DatasetInfo` and the :class:`~cycle_analytics.dataset.Survey`.

A builder describes what it read in a :class:`LayoutRead`; :func:`finish_survey` adds what both
layouts share (the N/A note, the rejected-rows table with the reader's bad rows, one
:class:`~cycle_analytics.dataset.ColumnRole` per input column in file order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from cycle_analytics.dataset import (
    ColumnRole,
    DatasetInfo,
    ImportanceColumn,
    ImportOptions,
    NaCode,
    Survey,
    UnknownLabel,
)
from cycle_analytics.i18n import format_number, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.layouts.blocks import name_role_reason
from cycle_analytics.ingest.layouts.columns import ColumnProfile, rating_fit
from cycle_analytics.ingest.layouts.rejections import InvalidAnswers, RowRejections, rejected_frame
from cycle_analytics.ingest.layouts.respondents import RespondentColumns
from cycle_analytics.ingest.names import is_derived_name, is_no_answer, role_of_name
from cycle_analytics.ingest.reading import RawTable
from cycle_analytics.scales import Scale

__all__ = ["LayoutRead", "finish_survey", "source_notes", "na_code_summary", "na_codes_reason", "explain_not_stage"]


@dataclass(frozen=True)
class LayoutRead:
    """What a layout builder read, for :func:`finish_survey`.

    ``format``: ``"long"``, ``"wide"`` or the survey tool; ``rejections`` / ``accepted``: the row
    accounting over the table rows; ``respondent_columns``: outcome, date, segments and comment;
    ``roles``: column -> role for every column the builder used or explained; ``notes``: the
    builder's notes so far (the N/A note is added here).
    """

    format: str
    ratings: pd.DataFrame
    responses: pd.DataFrame
    rejections: RowRejections
    accepted: np.ndarray
    rows_accepted: int
    respondents: int
    scale: Scale
    scale_source: str
    stages: tuple[str, ...]
    id_column: str | None
    na_answers: int
    respondent_columns: RespondentColumns
    roles: dict[str, ColumnRole]
    notes: tuple[str, ...]
    unknown_labels: tuple[UnknownLabel, ...] = ()
    invalid: InvalidAnswers | None = None
    answers_read: int = 0
    no_answers: int = 0
    na_codes: tuple[NaCode, ...] = ()
    reasons: tuple[tuple[str, str], ...] = ()  # stages, scale, na_codes (the respondent columns add theirs)


def finish_survey(raw: RawTable, cols: list[ColumnProfile], options: ImportOptions, read: LayoutRead) -> Survey:
    """The :class:`Survey` of ``read``: N/A note, rejected rows, invalid answers, ``DatasetInfo``."""
    notes = list(read.notes) + _na_note(read.na_answers, read.na_codes, options)
    rej_rows = np.nonzero(~read.accepted)[0]
    rej = read.rejections
    rejected = rejected_frame(raw, rej_rows, [rej.texts[k] for k in rej.code[rej_rows].tolist()])
    invalid = read.invalid if read.invalid is not None else InvalidAnswers()
    if invalid.count:
        notes.append(ngettext(
            "{count} answer is invalid (not a number, outside the scale or an unknown label); it is listed with its row, "
            "column and value, and the rest of its row is used.",
            "{count} answers are invalid (not a number, outside the scale or an unknown label); each is listed with its "
            "row, column and value, and the rest of its row is used.", invalid.count).format(count=format_number(invalid.count)))
    rp = read.respondent_columns
    info = DatasetInfo(
        format=read.format,
        rows_read=raw.rows_read,
        rows_accepted=read.rows_accepted,
        rows_rejected=int((~read.accepted).sum()) + len(raw.bad_rows),
        respondents=read.respondents,
        ratings=len(read.ratings),
        scale=read.scale,
        stages=tuple(read.stages),
        outcome=rp.outcome,
        outcome_candidates=tuple(c.name for c in rp.outcomes),
        segments=tuple(c.name for c in rp.segments),
        id_column=read.id_column,
        date_column=rp.date.name if rp.date is not None else None,
        comment_column=rp.comment.name if rp.comment is not None else None,
        na_values=tuple(options.na_values),
        na_answers=read.na_answers,
        unknown_labels=read.unknown_labels,
        scale_source=read.scale_source,
        columns=_column_roles(cols, read.roles, raw),
        notes=tuple(notes),
        source={**raw.source, **({"positive": options.positive} if options.positive is not None else {})},
        answers_read=read.answers_read,
        no_answers=read.no_answers,
        invalid_answers=invalid.count,
        na_codes=read.na_codes,
        comment_columns=tuple(cc for _, cc in rp.comments),
        weight_column=rp.weight.name if rp.weight is not None else None,
        importance_columns=tuple(ImportanceColumn(c.name, stage, c.question) for c, stage in rp.importance),
        reasons=dict((*read.reasons, *rp.reasons)),
        duration_source=rp.duration.description() if rp.duration is not None and "duration" in read.responses.columns else None,
        rejected_by_kind=rej.counts_by_kind(),
    )
    return Survey(ratings=read.ratings, responses=read.responses, rejected=rejected, info=info, cycle=options.cycle,
                  invalid=invalid.frame(raw))


def na_code_summary(stage_cols: list[ColumnProfile], accepted: np.ndarray | None, options: ImportOptions,
                    inferred: dict[float, str], declared: dict[str, set[str]] | None = None) -> tuple[NaCode, ...]:
    """What was read as no answer in the stage (or score) columns of the accepted rows, grouped by
    the value as written (case kept from its first appearance), with the answers and the reason.

    ``inferred``: numeric code -> why the importer read it so (:class:`ScaleReading` codes);
    ``declared``: column -> code texts an SPSS / Stata file declares missing.
    """
    user_text = {str(v).strip().casefold() for v in options.na_values}
    user_num = set()
    for v in options.na_values:
        try:
            user_num.add(float(str(v).strip().replace(",", ".")))
        except ValueError:
            pass
    found: dict[str, list] = {}
    for c in stage_cols:
        idx = np.nonzero(c.na & (c.counts > 0))[0]
        if idx.size == 0:
            continue
        if accepted is None:
            counts = c.counts[idx]
        else:
            counts = np.bincount(c.raw.codes[accepted], minlength=len(c.counts))[idx]
        texts = c.trimmed.take(pa.array(idx)).to_pylist()
        for i, t, k in zip(idx.tolist(), texts, counts.tolist()):
            if not k:
                continue
            num = c.num[i]
            key = f"{num:g}" if num == num else t.casefold()
            entry = found.setdefault(key, [f"{num:g}" if num == num else t, 0, None])
            entry[1] += int(k)
            if entry[2] is None:
                entry[2] = _na_source(t, num, user_text, user_num, inferred, (declared or {}).get(c.name, set()))
    out = [NaCode(value, answers, why, source) for value, answers, (source, why) in found.values()]
    order = {"user": 0, "file": 1, "inferred": 2, "default": 3, "labels": 4}
    return tuple(sorted(out, key=lambda x: (order.get(x.source, 9), -x.answers, x.value)))


def na_codes_reason(na_codes) -> str:
    """Why each value is read as no answer, in one sentence: ``value (n answers): reason; ...``."""
    parts = "; ".join(ngettext("{value} ({n} answer): {reason}", "{value} ({n} answers): {reason}", c.answers).format(
        value=c.value, n=format_number(c.answers), reason=c.reason) for c in na_codes)
    return f"{parts}."


def _na_source(text: str, num: float, user_text: set, user_num: set, inferred: dict[float, str],
               declared: set[str]) -> tuple[str, str]:
    """``(source, reason)`` of one value read as no answer."""
    if text.strip().casefold() in user_text or (num == num and num in user_num):
        return "user", _("your N/A code")
    if text.strip() in declared or (num == num and f"{num:g}" in declared):
        return "file", _("declared missing in the file")
    if num == num and num in inferred:
        return "inferred", inferred[num]
    if is_no_answer(text):
        return "default", _("a usual way of writing no answer")
    return "labels", _("an answer label that means no answer (or your label mapping)")


def source_notes(raw: RawTable) -> list[str]:
    """The reader's and the export format's notes, and the count of rows the reader could not split."""
    notes = list(raw.notes)
    if raw.layout is not None:
        notes.extend(raw.layout.notes)
    if raw.bad_rows:
        notes.append(ngettext("{n} row did not have the header's number of cells and was rejected.",
                              "{n} rows did not have the header's number of cells and were rejected.",
                              len(raw.bad_rows)).format(n=format_number(len(raw.bad_rows))))
    return notes


def _na_note(na_answers: int, na_codes: tuple[NaCode, ...], options: ImportOptions) -> list[str]:
    """How many answers were read as no answer and as what (said even when 0 if the user gave N/A codes)."""
    if not na_answers and not options.na_values:
        return []
    shown = ", ".join(f"{c.value} ({format_number(c.answers)})" for c in na_codes[:8]) + (" ..." if len(na_codes) > 8 else "")
    given = ", ".join(map(str, options.na_values))
    if shown and given:
        text = ngettext("{n} answer means no answer and counts as no answer: {shown}; your N/A codes: {given}.",
                        "{n} answers mean no answer and count as no answer: {shown}; your N/A codes: {given}.", na_answers)
    elif shown:
        text = ngettext("{n} answer means no answer and counts as no answer: {shown}.",
                        "{n} answers mean no answer and count as no answer: {shown}.", na_answers)
    elif given:
        text = ngettext("{n} answer means no answer and counts as no answer; your N/A codes: {given}.",
                        "{n} answers mean no answer and count as no answer; your N/A codes: {given}.", na_answers)
    else:
        text = ngettext("{n} answer means no answer and counts as no answer.",
                        "{n} answers mean no answer and count as no answer.", na_answers)
    return [text.format(n=format_number(na_answers), shown=shown, given=given)]


def explain_not_stage(c: ColumnProfile) -> str:
    """Why a column nobody took is not a stage, in one phrase: its role by name (a coded
    demographic, a time, a count...), a second id, or why its values are no ratings."""
    fit, why = rating_fit(c)
    if is_derived_name(c.name):
        return _("not a stage: a model output added to the answers")
    role = role_of_name(c.name)
    if role is not None and c.numeric_share >= 0.5:
        return name_role_reason(role)
    if c.n_values >= 20 and c.n_unique == c.n_values and c.numeric_share >= 0.9:
        return _("not a stage: another id or running number (every value differs)")
    return _("not a stage") if fit else _("not a stage: {reason}").format(reason=why)


def _column_roles(cols: list[ColumnProfile], roles: dict[str, ColumnRole], raw: RawTable) -> tuple[ColumnRole, ...]:
    """One ColumnRole per input column, in file order (personal-data columns included)."""
    by_name: dict[str, ColumnRole] = {}
    for c in cols:
        if c.name in roles:
            by_name[c.name] = roles[c.name]
        else:
            by_name[c.name] = ColumnRole(c.name, "ignored", explain_not_stage(c), c.question)
    order = [str(n).strip() for n in raw.layout.columns] if raw.layout is not None else list(raw.names)
    out = []
    for name in order:
        if name in by_name:
            out.append(by_name.pop(name))
        elif name in raw.dropped:
            out.append(ColumnRole(name, "dropped_personal", _("personal data, not read")))
    out.extend(by_name.values())
    return tuple(out)
