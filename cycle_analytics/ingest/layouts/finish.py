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

from cycle_analytics.dataset import ColumnRole, DatasetInfo, ImportOptions, Survey, UnknownLabel
from cycle_analytics.ingest.layouts.columns import ColumnProfile, rating_fit
from cycle_analytics.ingest.layouts.rejections import RowRejections, rejected_frame
from cycle_analytics.ingest.layouts.respondents import RespondentColumns
from cycle_analytics.ingest.reading import RawTable
from cycle_analytics.scales import Scale

__all__ = ["LayoutRead", "finish_survey", "source_notes"]


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


def finish_survey(raw: RawTable, cols: list[ColumnProfile], options: ImportOptions, read: LayoutRead) -> Survey:
    """The :class:`Survey` of ``read``: N/A note, rejected rows, ``DatasetInfo``."""
    notes = list(read.notes) + _na_note(read.na_answers, options)
    rej_rows = np.nonzero(~read.accepted)[0]
    rej = read.rejections
    rejected = rejected_frame(raw, rej_rows, [rej.texts[k] for k in rej.code[rej_rows].tolist()])
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
    )
    return Survey(ratings=read.ratings, responses=read.responses, rejected=rejected, info=info, cycle=options.cycle)


def source_notes(raw: RawTable) -> list[str]:
    """The reader's and the export format's notes, and the count of rows the reader could not split."""
    notes = list(raw.notes)
    if raw.layout is not None:
        notes.extend(raw.layout.notes)
    if raw.bad_rows:
        notes.append(f"{len(raw.bad_rows)} rows did not have the header's number of cells and were rejected.")
    return notes


def _na_note(na_answers: int, options: ImportOptions) -> list[str]:
    """How many answers were read as no answer (said even when 0 if the user gave N/A codes)."""
    if not options.na_values:
        if na_answers:
            return [f"{na_answers} answers mean no answer (N/A labels such as Don't know, or your label mapping) and count as no answer."]
        return []
    return [f"{na_answers} answers matched the N/A codes ({', '.join(map(str, options.na_values))}) or N/A labels and count as no answer."]


def _column_roles(cols: list[ColumnProfile], roles: dict[str, ColumnRole], raw: RawTable) -> tuple[ColumnRole, ...]:
    """One ColumnRole per input column, in file order (personal-data columns included)."""
    by_name: dict[str, ColumnRole] = {}
    for c in cols:
        if c.name in roles:
            by_name[c.name] = roles[c.name]
        else:
            fit, why = rating_fit(c)
            reason = "not a stage" if fit else f"not a stage: {why}"
            by_name[c.name] = ColumnRole(c.name, "ignored", reason, c.question)
    order = [str(n).strip() for n in raw.layout.columns] if raw.layout is not None else list(raw.names)
    out = []
    for name in order:
        if name in by_name:
            out.append(by_name.pop(name))
        elif name in raw.dropped:
            out.append(ColumnRole(name, "dropped_personal", "personal data, not read"))
    out.extend(by_name.values())
    return tuple(out)
