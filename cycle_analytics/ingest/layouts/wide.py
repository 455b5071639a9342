"""The wide layout: one row per respondent, one column per stage (also survey-tool exports, whose
header rows an :class:`~cycle_analytics.ingest.formats.base.ExportLayout` has already taken care of).

A row is rejected, with the first matching reason, when it is empty, or the id is missing or
repeats an earlier row's id. A stage cell holding a value that is neither empty, an N/A code nor a
number on the scale is an invalid answer (``Survey.invalid``: row, column, value, reason); the rest
of its row counts.

Stages: the user's chosen columns; else, with a cycle, the columns matching its stages (survey-tool
exports through :func:`cycle_analytics.ingest.mapping.map_questions`); else the largest coherent
block of rating questions among the columns not named like an id, an outcome or a model output
(:func:`cycle_analytics.ingest.layouts.blocks.find_stage_block`; exports name the stages with
:func:`cycle_analytics.ingest.mapping.default_stage_names`). The user's reviewed ``stage_map`` then
overrides the guesses (:func:`apply_stage_map`).

Example
-------
>>> from cycle_analytics.dataset import ImportOptions
>>> from cycle_analytics.ingest.layouts.columns import profile_column
>>> from cycle_analytics.ingest.reading import read_raw
>>> raw = read_raw(b"id,wait,teller,overall\\nA,4,5,4\\nB,2,9,2\\nC,3,8,3\\n")
>>> s = build_wide(raw, [profile_column(c, ()) for c in raw.columns], ImportOptions())
>>> s.info.stages, s.info.outcome, s.info.scale.label()
(('wait', 'teller'), 'overall', '1-10')
>>> raw = read_raw(b"id,wait,teller,overall\\nA,4,5,4\\nB,2,9,2\\nC,3,1,3\\n")  # 9 alone beyond 1-5: no answer
>>> s = build_wide(raw, [profile_column(c, ()) for c in raw.columns], ImportOptions())
>>> s.info.scale.label(), [(c.value, c.answers, c.source) for c in s.info.na_codes]
('1-5', [('9', 1, 'inferred')])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cycle_analytics.cycles import normalise_key
from cycle_analytics.dataset import REJECTED_REPEATED_ID, ColumnRole, ImportOptions, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, format_number, format_percent, ngettext, gettext as _
from cycle_analytics.ingest.layouts.blocks import StageBlock, find_stage_block, importance_pairs, wide_rest_evidence
from cycle_analytics.ingest.layouts.codes import duplicated, empty_rows
from cycle_analytics.ingest.layouts.columns import (
    EMPTY,
    NA,
    OK,
    OUT_OF_SCALE,
    ColumnProfile,
    canonical_values,
    classify_values,
    find_column,
    rating_fit,
)
from cycle_analytics.ingest.layouts.declared import apply_declared
from cycle_analytics.ingest.layouts.finish import LayoutRead, finish_survey, na_code_summary, na_codes_reason, source_notes
from cycle_analytics.ingest.layouts.rejections import InvalidAnswers, RowRejections
from cycle_analytics.ingest.layouts.respondents import plan_respondent_columns, respondent_frame
from cycle_analytics.ingest.layouts.scale_choice import ScaleReading, choose_scale, codes_outside_scale, label_scale
from cycle_analytics.ingest.layouts.text_answers import score_text_answers
from cycle_analytics.ingest.mapping import MATCH_TAKEN, default_stage_names, map_questions
from cycle_analytics.ingest.names import is_derived_name, is_id_name, looks_like_outcome, outcome_rank
from cycle_analytics.ingest.reading import RawTable
from cycle_analytics.scales import Scale

__all__ = ["build_wide", "apply_stage_map", "apply_inferred_codes", "reject_unusable_rows"]

StageColumns = list[tuple[ColumnProfile, str]]  # (column, stage name), in stage order
StageMatches = dict[str, tuple[str, str, float | None]]  # column -> (stage, how it was matched, confidence)


def build_wide(raw: RawTable, cols: list[ColumnProfile], options: ImportOptions) -> Survey:
    """The :class:`Survey` of a wide file or survey-tool export.

    Steps: read the file's declared labels and missing values (SPSS / Stata); find the id column;
    score text answers; choose the stage columns (the largest coherent block of rating questions,
    :mod:`.blocks`, unless the user or a cycle says otherwise) and apply the user's stage mapping;
    choose the scale and its N/A codes; classify every stage cell (a bad cell is an invalid answer,
    the row is kept); reject unusable rows; name the respondents; build the ratings and the
    respondent columns; explain every column's role.
    """
    layout = raw.layout
    notes = source_notes(raw)
    meta = frozenset(layout.metadata) if layout is not None else frozenset()
    roles: dict[str, ColumnRole] = {}
    declared = apply_declared(cols, layout, options)
    notes += declared.notes
    id_c = _id_column(cols, raw)
    taken = {id_c.name} if id_c is not None else set()

    # text answers -> scores (before the stages are chosen and the scale is inferred)
    text_answers = score_text_answers(cols, set(meta) | taken, options)
    notes += text_answers.notes

    user_outcome = find_column(options.outcome, cols, "outcome") if options.outcome else None  # never a stage
    if options.weight:  # the user's weight column is never a stage either
        taken.add(find_column(options.weight, cols, "weight").name)
    details: StageMatches = {}  # column -> how it was mapped to its stage
    stage_cols, order_note, block = _stage_columns(cols, raw, taken, meta, user_outcome, options, details, roles, notes)
    if options.stage_map:
        stage_cols, order_note = apply_stage_map(cols, stage_cols, details, roles, taken, user_outcome, options, order_note)
    _validate_stage_columns(stage_cols, raw)
    names = [nm for _, nm in stage_cols]
    taken |= {c.name for c, _ in stage_cols}
    notes.append(_("Wide layout: one row per respondent, {n} stage columns.").format(n=len(stage_cols)))
    notes.append(order_note)
    importance = _importance(block, cols, stage_cols, taken, meta)
    taken |= {c.name for c, _ in importance}

    scale, scale_source, scale_notes, reading = _stage_scale(stage_cols, options)
    notes += scale_notes
    inferred = apply_inferred_codes(stage_cols, scale, reading, options, notes)
    rej = RowRejections.new(raw.n_rows)
    reject_unusable_rows(raw, cols, id_c, rej)
    accepted, id_text = _respondent_ids(raw, id_c, rej, notes)
    n_resp = int(accepted.sum())
    id_cats = pd.Index(list(id_text), dtype="str")
    acc_rows = np.nonzero(accepted)[0]
    cells = _stage_cells(stage_cols, scale, accepted, acc_rows)
    ratings = _wide_ratings_frame(cells.score, id_cats, names)

    stage_of_column = {c.name: nm for c, nm in stage_cols}
    rp = plan_respondent_columns(cols, taken, options, n_resp, id_c.name if id_c else None, meta,
                                 layout.date_column if layout is not None else None, stage_scale=scale,
                                 stage_of_column=stage_of_column,
                                 open_marked=layout.open_text if layout is not None else frozenset(),
                                 importance=tuple(importance))
    notes += rp.notes

    def value_codes(c: ColumnProfile) -> np.ndarray:
        """One row per respondent: the value on their row."""
        return c.raw.codes[acc_rows].astype(np.int64)

    responses = respondent_frame(pd.Categorical.from_codes(np.arange(n_resp), categories=id_cats), rp, value_codes)
    roles.update(rp.roles)
    _add_wide_roles(roles, cols, id_c, stage_cols, details, meta, options, block)
    na_codes = na_code_summary([c for c, _ in stage_cols], accepted, options, inferred, declared.missing)
    reasons = (("stages", _stages_reason(block, order_note, options)),
               ("scale", _scale_reason(scale, scale_source, reading) + (" " + declared.notes[0] if declared.notes else "")),
               ("na_codes", _na_reason(na_codes)))
    read = LayoutRead(
        format=layout.format if layout is not None else "wide", ratings=ratings, responses=responses, rejections=rej,
        accepted=accepted, rows_accepted=n_resp, respondents=n_resp, scale=scale, scale_source=scale_source,
        stages=tuple(names), id_column=id_c.name if id_c is not None else None, na_answers=cells.na_answers,
        respondent_columns=rp, roles=roles, notes=tuple(notes), unknown_labels=text_answers.unknown_labels,
        invalid=cells.invalid, answers_read=n_resp * len(stage_cols), no_answers=cells.no_answers, na_codes=na_codes,
        reasons=reasons,
    )
    return finish_survey(raw, cols, options, read)


def _id_column(cols: list[ColumnProfile], raw: RawTable) -> ColumnProfile | None:
    """The export's id column, else the first column named like an id whose values mostly differ."""
    layout = raw.layout
    if layout is not None and layout.id_column and any(c.name == layout.id_column for c in cols):
        return next(c for c in cols if c.name == layout.id_column)
    for c in cols:
        if is_id_name(c.name) and c.n_values > 0 and c.n_unique >= 0.5 * c.n_values:
            return c
    return None


# --------------------------------------------------------------------------------------------
# Stage columns


#: A stage column's match (``ColumnRole.match``) -> its detail, one whole phrase each.
_STAGE_DETAILS = {"": N_("stage {name!r}"), "exact": N_("stage {name!r} (exact)"), "alias": N_("stage {name!r} (alias)"),
                  "saved": N_("stage {name!r} (saved)"), "your mapping": N_("stage {name!r} (your mapping)")}


def stage_detail(name: str, method: str = "", confidence: float | None = 1.0) -> str:
    """The ``ColumnRole.detail`` of a stage column: the stage, and how the column was matched to it
    (in the interface language; code reads ``ColumnRole.stage``, ``match`` and ``confidence``)."""
    if method == "column name":
        return name
    if method == "fuzzy":
        return _("stage {name!r} (fuzzy, {confidence})").format(name=name, confidence=format_percent(confidence or 0))
    if method in _STAGE_DETAILS:
        return _(_STAGE_DETAILS[method]).format(name=name)
    return _("stage {name!r} ({method})").format(name=name, method=method)


def stage_role(column: ColumnProfile, name: str, method: str = "", confidence: float | None = None) -> ColumnRole:
    """The role of a stage column: its stage and match as data, and the detail for people."""
    return ColumnRole(column.name, "stage", stage_detail(name, method, confidence), column.question, stage=name,
                      match=method, confidence=confidence)


def is_outcome_column(c: ColumnProfile) -> bool:
    """Named or asked like an overall outcome (overall, satisfaction, recommend; question text in several languages)."""
    if outcome_rank(c.name) is not None:
        return True
    return bool(c.question) and (outcome_rank(c.question) is not None or looks_like_outcome(c.question))


def _stage_columns(cols: list[ColumnProfile], raw: RawTable, taken: set[str], meta: frozenset,
                   user_outcome: ColumnProfile | None, options: ImportOptions, details: StageMatches,
                   roles: dict[str, ColumnRole], notes: list[str]) -> tuple[StageColumns, str, StageBlock | None]:
    """The stage columns before the user's stage mapping, the note on their order, and the stage
    block they were proposed from (``None`` when the user or a cycle chose them).

    Fills ``details`` (how each column was matched) and ``roles`` (columns explained as not a stage).
    """
    is_export = raw.layout is not None
    if options.stages:
        return (*_chosen_stage_columns(cols, taken, options, is_export, details), None)
    free = [c for c in cols if not (c.name in taken or c.name in meta or (user_outcome is not None and c.name == user_outcome.name))]
    if options.cycle is not None:
        return (*_cycle_stage_columns(free, options, is_export, details, roles, notes), None)
    return _rating_stage_columns(free, is_export)


def _chosen_stage_columns(cols: list[ColumnProfile], taken: set[str], options: ImportOptions, is_export: bool,
                          details: StageMatches) -> tuple[StageColumns, str]:
    """The user's stage columns, named by the cycle's stage they match, else by their default name."""
    chosen: list[ColumnProfile] = []
    for s in options.stages:
        c = find_column(s, cols, "stage")
        if c.name in taken:
            raise SurveyError(_("The column {name!r} cannot be a stage: it is the respondent id.").format(name=c.name))
        chosen.append(c)
    default = default_stage_names({c.name: c.question or c.name for c in chosen}) if is_export else {}
    mapped: dict[str, tuple[str, str, float]] = {}
    if options.cycle is not None:
        if is_export:
            mp = map_questions({c.name: c.question for c in chosen}, options.cycle)
            for col, stg, method, conf in zip(mp["column"], mp["stage"], mp["method"], mp["confidence"]):
                if stg is not None:
                    mapped[col] = (stg, method, float(conf))
        else:
            for c in chosen:
                stg = options.cycle.find_stage(c.name) or (options.cycle.find_stage(c.question) if c.question else None)
                if stg is not None:
                    mapped[c.name] = (stg.name, "", 1.0)
    stage_cols: StageColumns = []
    for c in chosen:
        if c.name in mapped:
            name, method, conf = mapped[c.name]
            details[c.name] = (name, method, conf)
        else:
            name = default.get(c.name, c.name)
        stage_cols.append((c, name))
    if options.cycle is None:
        return stage_cols, _("Stage order: the chosen stages.")
    pos = {s: k for k, s in enumerate(options.cycle.stage_names)}
    stage_cols.sort(key=lambda t: pos.get(t[1], len(pos)))
    return stage_cols, _("Stage order: the cycle {name!r}.").format(name=options.cycle.name)


def _cycle_stage_columns(free: list[ColumnProfile], options: ImportOptions, is_export: bool, details: StageMatches,
                         roles: dict[str, ColumnRole], notes: list[str]) -> tuple[StageColumns, str]:
    """One column per stage of the cycle, in cycle order: exports by question mapping, plain files by
    name, alias or question (a second column for a stage is explained, not read)."""
    cyc = options.cycle
    by_stage: dict[str, ColumnProfile] = {}
    if is_export:
        cands = [c for c in free if rating_fit(c)[0] or cyc.find_stage(c.name) or (c.question and cyc.find_stage(c.question))]
        if cands:
            mp = map_questions({c.name: c.question for c in cands}, cyc)
            col_by = {c.name: c for c in cands}
            for col, stg, method, conf, note, match in zip(mp["column"], mp["stage"], mp["method"], mp["confidence"],
                                                           mp["note"], mp["match"]):
                c = col_by[col]
                if stg is not None:
                    by_stage[stg] = c
                    details[c.name] = (stg, method, float(conf))
                elif match == MATCH_TAKEN:
                    roles[c.name] = ColumnRole(c.name, "ignored", _("not a stage: {reason}").format(reason=note), c.question)
    else:
        for c in free:
            stg = cyc.find_stage(c.name) or (cyc.find_stage(c.question) if c.question else None)
            if stg is None:
                continue
            if stg.name in by_stage:
                roles[c.name] = ColumnRole(c.name, "ignored", _("also matches the stage {stage!r}, already read from {column!r}").format(
                    stage=stg.name, column=by_stage[stg.name].name), c.question)
                continue
            by_stage[stg.name] = c
    if not by_stage and not any(stg for _, stg in options.stage_map):
        raise SurveyError(
            _("No column of the file matches a stage of the cycle {name!r} by name, alias or question; choose the stage columns.").format(name=cyc.name)
        )
    missing = [s for s in cyc.stage_names if s not in by_stage]
    if missing:
        notes.append(_("Stages of the cycle {name!r} not in the file: {items}.").format(name=cyc.name, items=', '.join(missing)))
    return [(by_stage[s], s) for s in cyc.stage_names if s in by_stage], _("Stage order: the cycle {name!r}.").format(
        name=cyc.name)


def _rating_stage_columns(free: list[ColumnProfile], is_export: bool) -> tuple[StageColumns, str, StageBlock]:
    """Without a cycle: the largest coherent block of rating questions (:func:`find_stage_block`)
    among the columns not named like an outcome, an id or a model output, in file order (exports:
    named by :func:`default_stage_names`)."""
    cands = [c for c in free if not (is_outcome_column(c) or is_id_name(c.name) or is_derived_name(c.name))]
    block = find_stage_block(cands, [c for c in free if c not in cands])
    stage_cols: StageColumns = [(c, c.name) for c in block.columns]
    if is_export and stage_cols:
        default = default_stage_names({c.name: c.question or c.name for c, _ in stage_cols})
        stage_cols = [(c, default[c.name]) for c, _ in stage_cols]
    return stage_cols, _("Stage order: the column order of the file."), block


def apply_stage_map(cols: list[ColumnProfile], stage_cols: StageColumns, details: StageMatches,
                    roles: dict[str, ColumnRole], taken: set[str], user_outcome: ColumnProfile | None,
                    options: ImportOptions, order_note: str) -> tuple[StageColumns, str]:
    """The stages after the user's reviewed mapping (``options.stage_map``) overrides the guesses.

    A listed column becomes the named stage (renamed) or, mapped to ``None``, is no stage; the
    guessed stages of unlisted columns stay unless the user gave their stage name to another
    column. Order: the cycle's (user stages outside the cycle follow, in mapping order), else the
    mapping's order, then the remaining guessed stages in their order.
    """
    user, listed = _read_stage_map(cols, taken, user_outcome, options)
    chosen = [(c, user[c.name]) for c in listed if user[c.name] is not None]
    keys = [normalise_key(nm) for _, nm in chosen]
    dup = next((nm for (_, nm), k in zip(chosen, keys) if keys.count(k) > 1), None)
    if dup is not None:
        raise SurveyError(_("Your stage mapping gives the stage {dup!r} to more than one column.").format(dup=dup))
    user_keys = set(keys)
    if options.cycle is not None:
        names = {normalise_key(s): s for s in options.cycle.stage_names}
        chosen = [(c, names.get(normalise_key(nm), nm)) for c, nm in chosen]  # the cycle's spelling
    for c, nm in chosen:
        details[c.name] = (nm, "your mapping", 1.0)
    for c in listed:
        if user[c.name] is None:
            roles[c.name] = ColumnRole(c.name, "ignored", _("not a stage: your mapping"), c.question)
            details.pop(c.name, None)
    kept = []
    for c, nm in stage_cols:
        if c.name in user:
            continue
        if normalise_key(nm) in user_keys:
            owner = next(u.name for u, unm in chosen if normalise_key(unm) == normalise_key(nm))
            roles[c.name] = ColumnRole(c.name, "ignored", _("not a stage: your mapping gives {stage!r} to the column {column!r}").format(
                stage=nm, column=owner), c.question)
            details.pop(c.name, None)
            continue
        kept.append((c, nm))
    combined = chosen + kept
    if options.cycle is not None:
        pos = {s: k for k, s in enumerate(options.cycle.stage_names)}
        rank = {id(t): k for k, t in enumerate(combined)}
        combined.sort(key=lambda t: (pos.get(t[1], len(pos)), rank[id(t)]))
        note = _("Stage order: the cycle {name!r} (stages mapped by you).").format(name=options.cycle.name)
    else:
        note = _("Stage order: your stage mapping.")
    return combined, note if chosen else order_note


def _read_stage_map(cols: list[ColumnProfile], taken: set[str], user_outcome: ColumnProfile | None,
                    options: ImportOptions) -> tuple[dict[str, str | None], list[ColumnProfile]]:
    """The user's stage mapping as column -> stage name (``None`` = not a stage), and the listed
    columns in mapping order; each entry checked (a pair, a column of the file, not the id or the
    chosen outcome, listed once)."""
    user: dict[str, str | None] = {}
    listed: list[ColumnProfile] = []
    for entry in options.stage_map:
        if not isinstance(entry, (tuple, list)) or len(entry) != 2:
            raise SurveyError(_("Each stage mapping entry must be a (column, stage or None) pair, not {entry!r}.").format(entry=entry))
        col_text, stage = entry
        c = find_column(str(col_text), cols, "mapped_stage")
        if c.name in taken:
            raise SurveyError(_("The column {name!r} in your stage mapping cannot be a stage: it is the respondent id.").format(name=c.name))
        if user_outcome is not None and c.name == user_outcome.name and stage is not None and str(stage).strip():
            raise SurveyError(_("The column {name!r} in your stage mapping cannot be a stage: it is the chosen outcome.").format(name=c.name))
        name = None if stage is None or not str(stage).strip() else str(stage).strip()
        if c.name in user:
            raise SurveyError(_("The column {name!r} appears twice in your stage mapping.").format(name=c.name))
        user[c.name] = name
        listed.append(c)
    return user, listed


def _validate_stage_columns(stage_cols: StageColumns, raw: RawTable) -> None:
    """At least one stage column, and no stage read from two columns."""
    if not stage_cols:
        label = raw.source.get("file_name") or ""
        raise SurveyError(
            (_("The file {label!r} has no rating columns: no column holds numbers that fit a usual rating scale such as "
               "1-5 or 0-10 (for a long file: no id, stage and score columns were found).") if label else
             _("The file has no rating columns: no column holds numbers that fit a usual rating scale such as 1-5 or "
               "0-10 (for a long file: no id, stage and score columns were found).")).format(label=label)
        )
    names = [nm for _, nm in stage_cols]
    dup = sorted({nm for nm in names if names.count(nm) > 1})
    if dup:
        raise SurveyError(_("Two chosen columns map to the same stage {dup!r}.").format(dup=dup[0]))


# --------------------------------------------------------------------------------------------
# Scale, cells, respondents, ratings, roles


def _stage_scale(stage_cols: StageColumns, options: ImportOptions) -> tuple[Scale, str, list[str], ScaleReading | None]:
    """The scale over the numbers of all stage columns (the answer labels' scale when they agree),
    with the rest-score evidence that may make a value just outside it an N/A code."""
    counts: dict[float, int] = {}
    for c, _stage in stage_cols:
        for v, k in c.number_counts().items():
            counts[v] = counts.get(v, 0) + k
    evidence = wide_rest_evidence([c for c, _ in stage_cols]) if options.infer_na_codes else None
    return choose_scale(counts, options, None, label_scale([c for c, _ in stage_cols]),
                        evidence)


def apply_inferred_codes(stage_cols: StageColumns, scale: Scale, reading: ScaleReading | None,
                         options: ImportOptions, notes: list[str]) -> dict[float, str]:
    """Make the inferred N/A codes no answer in the stage columns (in place); returns code -> reason.

    An inferred scale brings its own codes (:func:`read_scale`); on a scale the user, the cycle or
    the labels gave, the values just outside it are the codes (:func:`codes_outside_scale`). Not
    done when the user turned it off (``ImportOptions.infer_na_codes``).
    """
    if not options.infer_na_codes:
        return {}
    if reading is not None:
        codes = reading.codes
    else:
        counts: dict[float, int] = {}
        for c, _stage in stage_cols:
            for v, k in c.number_counts().items():
                counts[v] = counts.get(v, 0) + k
        codes = codes_outside_scale(scale, counts)
    if not codes:
        return {}
    values = np.array([v for v, _, _ in codes])
    for c, _stage in stage_cols:
        hit = np.isin(c.num, values) & ~c.na
        if hit.any():
            c.own_arrays()
            c.na |= hit
    for v, k, why in codes:
        notes.append(ngettext("{k} answer {v:g} is read as no answer: {why}.", "{k} answers {v:g} are read as no answer: {why}.",
                              k).format(k=format_number(k), v=v, why=why))
    return {v: why for v, _, why in codes}


def reject_unusable_rows(raw: RawTable, cols: list[ColumnProfile], id_c: ColumnProfile | None, rej: RowRejections) -> None:
    """Reject the rows that are unusable as a whole: every cell empty, or no id where the file has ids."""
    rej.mark(empty_rows(cols, raw.n_rows), rej.reason(_("empty row")))
    if id_c is not None:
        rej.mark(id_c.empty[id_c.raw.codes], rej.reason(_("missing id")))


@dataclass
class StageCells:
    """The stage cells of the accepted rows: ``score`` (accepted rows x stages, NaN where no
    rating), the N/A answers, the answers without a rating (empty or N/A) and the invalid answers."""

    score: np.ndarray
    na_answers: int
    no_answers: int
    invalid: InvalidAnswers


def _stage_cells(stage_cols: StageColumns, scale: Scale, accepted: np.ndarray, acc_rows: np.ndarray) -> StageCells:
    """Classify every stage cell of the accepted rows: a rating, no answer (empty or N/A), or an
    invalid answer (not a number, outside the scale, an unknown label: listed, the row is kept)."""
    score = np.full((acc_rows.size, len(stage_cols)), np.nan)
    invalid = InvalidAnswers()
    na_answers = no_answers = 0
    all_rows = acc_rows.size == accepted.size
    for j, (c, _stage) in enumerate(stage_cols):
        cls = classify_values(c, scale)
        codes = c.raw.codes if all_rows else c.raw.codes[acc_rows]
        by_class = np.bincount(cls[codes], minlength=OUT_OF_SCALE + 1)
        na_answers += int(by_class[NA])
        no_answers += int(by_class[NA] + by_class[EMPTY])
        score[:, j] = np.where(cls == OK, c.num, np.nan)[codes]
        invalid.add(c, cls, accepted, scale)
    return StageCells(score, na_answers, no_answers, invalid)


def _respondent_ids(raw: RawTable, id_c: ColumnProfile | None, rej: RowRejections,
                    notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Reject repeated ids; returns the accepted rows and their respondent ids (the stripped id, or
    the data row number when the file has no id column)."""
    if id_c is None:
        accepted = rej.code == 0
        notes.append(_("The file has no respondent id column; respondents are named by their data row number."))
        return accepted, np.array([str(x) for x in raw.data_row_numbers()[accepted].tolist()], dtype=object)
    id_uniq, id_map = canonical_values(id_c)
    resp_all = id_map[id_c.raw.codes]
    ok = rej.code == 0
    dupl = np.zeros(raw.n_rows, dtype=bool)
    dupl[ok] = duplicated(resp_all[ok])
    if dupl.any():
        rej.mark(dupl, rej.reason(_("duplicate respondent id (an earlier row has the same id)"), REJECTED_REPEATED_ID))
    accepted = rej.code == 0
    return accepted, np.asarray(id_uniq.to_numpy(zero_copy_only=False), dtype=object)[resp_all[accepted]]


def _wide_ratings_frame(scores: np.ndarray, id_cats: pd.Index, names: list[str]) -> pd.DataFrame:
    """``Survey.ratings`` from the accepted rows' score matrix (respondent-major order)."""
    has = ~np.isnan(scores)
    r_resp, r_stage = np.nonzero(has)
    stage_dtype = pd.CategoricalDtype(pd.Index(names, dtype="str"), ordered=True)
    return pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(r_resp, categories=id_cats),
            "stage": pd.Categorical.from_codes(r_stage, dtype=stage_dtype),
            "score": scores[has].astype(np.float64),
        }
    )


def _importance(block: StageBlock | None, cols: list[ColumnProfile], stage_cols: StageColumns, taken: set[str],
                meta: frozenset) -> list[tuple[ColumnProfile, str]]:
    """Stated-importance columns of the stages: ``(column, stage)`` (the proposed block's pairs, or,
    for stages chosen otherwise, the pairs found among the remaining columns)."""
    stage_of = {c.name: nm for c, nm in stage_cols}
    if block is not None:
        pairs = block.importance
    else:
        free = [c for c in cols if c.name not in taken and c.name not in meta]
        pairs = importance_pairs([c for c, _ in stage_cols] + [c for c in free if rating_fit(c)[0]], [])
    return [(imp, stage_of[r.name]) for imp, r in pairs if r.name in stage_of and imp.name not in stage_of]


def _stages_reason(block: StageBlock | None, order_note: str, options: ImportOptions) -> str:
    if options.stage_map:
        return _("Your stage mapping.")
    if options.stages:
        return _("Your choice.")
    if options.cycle is not None:
        return _("The columns matching the stages of the cycle {name!r}.").format(name=options.cycle.name)
    return block.reason if block is not None else order_note


def _scale_reason(scale: Scale, source: str, reading: ScaleReading | None) -> str:
    if source == "user":
        return _("Your choice.")
    if source == "cycle":
        return _("The scale of the cycle.")
    if source == "labels":
        return _("{scale}: the answer labels of the file.").format(scale=scale.label())
    if reading is not None and reading.reason:
        return reading.reason
    return _("{scale}: inferred from the answers.").format(scale=scale.label())


def _na_reason(na_codes) -> str:
    if not na_codes:
        return _("No answer of the stages means no answer.")
    return na_codes_reason(na_codes)


def _add_wide_roles(roles: dict[str, ColumnRole], cols: list[ColumnProfile], id_c: ColumnProfile | None,
                    stage_cols: StageColumns, details: StageMatches, meta: frozenset, options: ImportOptions,
                    block: StageBlock | None = None) -> None:
    """Roles of the id and stage columns, and why export metadata, outcome-like columns and the
    candidates left out of the stage block are not stages."""
    if block is not None:
        for name, why in block.excluded.items():
            if name not in roles and name not in {c.name for c, _ in stage_cols}:
                roles[name] = ColumnRole(name, "ignored", why, next((c.question for c in cols if c.name == name), ""))
    if id_c is not None:
        roles[id_c.name] = ColumnRole(id_c.name, "id", _("respondent id"), id_c.question)
    for c, nm in stage_cols:
        name, method, confidence = details.get(c.name) or (nm, "column name" if nm == c.name else "", None)
        roles[c.name] = stage_role(c, name, method, confidence)
    for c in cols:
        if c.name in meta and c.name not in roles:
            roles[c.name] = ColumnRole(c.name, "ignored", _("not a stage: survey-tool metadata"), c.question,
                                       match="metadata")
        elif c.name not in roles and is_outcome_column(c) and options.cycle is None and not options.stages:
            roles[c.name] = ColumnRole(c.name, "ignored", _("not a stage: named like an outcome"), c.question)
