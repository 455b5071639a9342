"""The long layout: one row per respondent and stage.

An id column whose values repeat, a stage-name column (a few distinct texts, distinct within a
respondent) and a numeric score column; the respondent's other columns (date, segments, outcomes,
comment) repeat on every row and the first non-empty value per respondent is kept.

A row is rejected, with the first matching reason, when it is empty; the id is missing; the stage
is missing, unknown to the cycle or not among the chosen stages; or the respondent already rated
that stage on an earlier row. The score of an accepted row is its answer: a rating, no answer
(empty, an N/A code or a missing-answer token) or an invalid answer (not a number, outside the
scale: listed in ``Survey.invalid``, the row and the respondent are kept).

Example
-------
>>> from cycle_analytics.dataset import ImportOptions
>>> from cycle_analytics.ingest.layouts.columns import profile_column
>>> from cycle_analytics.ingest.reading import read_raw
>>> raw = read_raw(b"id,stage,score\\n1,Wait,4\\n1,Pay,5\\n2,Wait,3\\n2,Pay,2\\n")
>>> cols = [profile_column(c, ()) for c in raw.columns]
>>> found = find_long_columns(cols, raw, ImportOptions())
>>> found.id.name, found.stage.name, found.score.name
('id', 'stage', 'score')
>>> build_long(raw, cols, found, ImportOptions()).info.stages
('Wait', 'Pay')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from cycle_analytics.cycles import normalise_key
from cycle_analytics.dataset import ColumnRole, ImportOptions, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, format_number, ngettext, gettext as _
from cycle_analytics.ingest.layouts.codes import duplicated, empty_rows, first_per_respondent, n_distinct
from cycle_analytics.ingest.layouts.columns import (
    EMPTY,
    NA,
    OK,
    OUT_OF_SCALE,
    ColumnProfile,
    canonical_values,
    classify_values,
    rating_fit,
)
from cycle_analytics.ingest.layouts.finish import LayoutRead, finish_survey, na_code_summary, na_codes_reason, source_notes
from cycle_analytics.ingest.layouts.rejections import InvalidAnswers, RowRejections
from cycle_analytics.ingest.layouts.respondents import plan_respondent_columns, respondent_frame
from cycle_analytics.ingest.layouts.scale_choice import (
    SENTINEL_CODES,
    RestEvidence,
    ScaleReading,
    choose_scale,
    codes_outside_scale,
    rest_statistics,
)
from cycle_analytics.ingest.names import SCORE_WORDS, STAGE_WORDS, is_id_name, name_words, outcome_rank
from cycle_analytics.ingest.reading import RawTable
from cycle_analytics.scales import Scale

__all__ = ["ORDER_SAMPLE_RESPONDENTS", "LongColumns", "find_long_columns", "appearance_stage_order", "build_long",
           "long_rest_evidence", "rest_core_range", "StageValues", "map_stage_values", "scale_and_na_codes", "EMPTY_ROW", "MISSING_ID",
           "MISSING_STAGE", "REPEATED_STAGE"]

ORDER_SAMPLE_RESPONDENTS = 50_000  # respondents whose row order decides the stage order
DETECTION_ROWS = 200_000  # rows looked at to tell which columns repeat within a respondent

#: Why a row of a long file is rejected (English msgids, said in the manager's language where a row is
#: rejected; the query engine's reading of a large CSV says the same, cycle_analytics.engine.csv_source).
EMPTY_ROW = N_("empty row")
MISSING_ID = N_("missing id")
MISSING_STAGE = N_("missing stage")
REPEATED_STAGE = N_("the respondent already rated this stage on an earlier row")


# --------------------------------------------------------------------------------------------
# Finding the id, stage and score columns


@dataclass(frozen=True)
class LongColumns:
    """The three columns of a long file."""

    id: ColumnProfile
    stage: ColumnProfile
    score: ColumnProfile


def find_long_columns(cols: list[ColumnProfile], raw: RawTable, options: ImportOptions) -> LongColumns | None:
    """The id, stage and score columns of a long file, or ``None`` when the file is not long.

    With ``options.layout == "long"`` the candidates are ranked without insisting on the thresholds.
    """
    n = raw.n_rows
    forced = options.layout == "long"  # the user said so: rank the candidates, do not insist on thresholds
    if n < 2 and not forced:
        return None
    stage_cands = _stage_candidates(cols, options, forced)
    if not stage_cands:
        return None
    score_cands = _score_candidates(cols, forced)
    if not score_cands:
        return None
    m = min(n, DETECTION_ROWS)
    best = _best_id_and_stage(cols, stage_cands, m, forced)
    if best is None:
        return None
    id_col, st = best
    score = _best_score(score_cands, id_col, st, m, forced)
    if score is None:
        return None
    return LongColumns(id=id_col, stage=st, score=score)


def _stage_candidates(cols: list[ColumnProfile], options: ImportOptions, forced: bool) -> list[tuple[int, bool, ColumnProfile]]:
    """``(values matching a cycle stage, named like a stage column, column)`` for the columns that
    could hold stage names: text with at most 200 distinct values that repeat across respondents."""
    out = []
    for c in cols:
        named = bool(set(name_words(c.name)) & STAGE_WORDS)
        if c.n_values == 0 or is_id_name(c.name):
            continue
        if not (forced and named) and (c.numeric_share >= 0.5 or not (1 <= c.n_unique <= 200)):
            continue
        if c.n_unique * 2 > c.n_values and not forced:  # stage names repeat across respondents
            continue
        matched = 0
        if options.cycle is not None:
            texts = c.texts((c.counts > 0) & ~c.empty)
            matched = sum(1 for t in texts if options.cycle.find_stage(t) is not None)
        out.append((matched, named, c))
    return out


def _score_candidates(cols: list[ColumnProfile], forced: bool) -> list[tuple[bool, bool, ColumnProfile]]:
    """``(named like a score, not named like an outcome, column)`` for the columns that could hold scores."""
    out = []
    for c in cols:
        fit, _ = rating_fit(c)
        named = bool(set(name_words(c.name)) & SCORE_WORDS)
        if fit or (forced and named):
            out.append((named, outcome_rank(c.name) is None, c))
    return out


def _best_id_and_stage(cols: list[ColumnProfile], stage_cands: list[tuple[int, bool, ColumnProfile]], m: int,
                       forced: bool) -> tuple[ColumnProfile, ColumnProfile] | None:
    """The id column (values repeat) and stage column (distinct within a respondent) that fit best.

    Ranked by stage values matching the cycle, a stage-like name, how distinct the (id, stage)
    pairs are among the first ``m`` rows, an id-like name, and fewer stage values.
    """
    ids = [c for c in cols if c.n_values > 0 and (forced or c.n_unique * 1.5 <= c.n_values)]
    id_named = [c for c in ids if is_id_name(c.name)]
    best = None
    strong = any(named or matched for matched, named, _ in stage_cands)
    for id_col in (id_named if id_named or not strong else ids):
        id_codes = id_col.raw.codes[:m].astype(np.int64)
        n_ids = n_distinct(id_codes)
        if n_ids >= m and not forced:  # ids do not repeat
            continue
        for matched, named, st in stage_cands:
            if st is id_col:
                continue
            pair = id_codes * (len(st.counts) + 1) + st.raw.codes[:m]
            distinct = len(pd.unique(pair)) / m
            if distinct < 0.9 and not forced:  # stage values repeat within a respondent: a segment, not a stage
                continue
            key = (matched, named, distinct, is_id_name(id_col.name), -st.n_unique)
            if best is None or key > best[0]:
                best = (key, id_col, st)
    return None if best is None else (best[1], best[2])


def _best_score(score_cands: list[tuple[bool, bool, ColumnProfile]], id_col: ColumnProfile, st: ColumnProfile, m: int,
                forced: bool) -> ColumnProfile | None:
    """The score column: named like a score first, then not named like an outcome, then varying within respondents."""
    scored = []
    for named, not_outcome, c in score_cands:
        if c is id_col or c is st:
            continue
        pair = id_col.raw.codes[:m].astype(np.int64) * (len(c.counts) + 1) + c.raw.codes[:m]
        varies = len(pd.unique(pair)) > n_distinct(id_col.raw.codes[:m]) * 1.05
        scored.append(((named, not_outcome, varies), c))
    scored = [s for s in scored if s[0][0] or s[0][2] or forced]
    if not scored:
        return None
    scored.sort(key=lambda t: t[0], reverse=True)
    return scored[0][1]


def appearance_stage_order(stage_idx: np.ndarray, resp: np.ndarray, n_stage: int) -> np.ndarray:
    """Order of ``n_stage`` stages from the order of appearance within each respondent's rows.

    Pairwise precedence (how many respondents rate a before b) ranked by Copeland score, ties
    broken by the mean relative position, then by first appearance. Uses at most
    ``ORDER_SAMPLE_RESPONDENTS`` respondents (the first ones in the file).
    """
    if n_stage <= 1:
        return np.arange(n_stage)
    sel = resp < ORDER_SAMPLE_RESPONDENTS
    r, s = resp[sel], stage_idx[sel]
    n_r = int(r.max()) + 1 if r.size else 0
    order_rows = np.argsort(r, kind="stable")
    r_sorted = r[order_rows]
    starts = np.searchsorted(r_sorted, np.arange(n_r))
    pos = np.arange(r_sorted.size) - starts[r_sorted]
    P = np.full((n_r, n_stage), np.nan)
    P[r_sorted, s[order_rows]] = pos
    size = np.bincount(r_sorted, minlength=n_r).astype(float)
    rel = P / np.maximum(size - 1, 1)[:, None]
    before = np.zeros((n_stage, n_stage))
    for a in range(n_stage):
        before[a] = np.sum(P[:, [a]] < P, axis=0)
    copeland = np.sign(before - before.T).sum(axis=1)
    mean_rel = np.nanmean(np.where(np.isnan(rel), np.nan, rel), axis=0) if n_r else np.zeros(n_stage)
    mean_rel = np.where(np.isnan(mean_rel), 2.0, mean_rel)
    first = np.full(n_stage, stage_idx.size, dtype=np.int64)
    np.minimum.at(first, stage_idx, np.arange(stage_idx.size))
    return np.lexsort((first, mean_rel, -copeland))


# --------------------------------------------------------------------------------------------
# Building the survey


def build_long(raw: RawTable, cols: list[ColumnProfile], found: LongColumns, options: ImportOptions) -> Survey:
    """The :class:`Survey` of a long file whose id, stage and score columns are ``found``.

    Steps: reject empty rows and missing ids; map the stage values to stages; choose the scale and
    reject bad scores; reject repeated stages of a respondent; number the respondents; build the
    ratings (stage order from the cycle, the chosen stages, or the rows); take each respondent's
    first non-empty value of the other columns.
    """
    n = raw.n_rows
    rej = RowRejections.new(n)
    notes = source_notes(raw)
    id_c, st_c, sc_c = found.id, found.stage, found.score
    notes.append(
        _("Long layout: one row per respondent and stage (id {id!r}, stage {stage!r}, score {score!r}).").format(
            id=id_c.name, stage=st_c.name, score=sc_c.name)
    )
    if options.stage_map:
        notes.append(_("Your stage mapping was not used: it applies to wide files (one column per stage), and this file is long."))
    rej.mark(empty_rows(cols, n), rej.reason(_(EMPTY_ROW)))

    # ids: stripped texts, whitespace variants merged, in order of first appearance
    id_uniq, id_map = canonical_values(id_c)
    rej.mark(id_c.empty[id_c.raw.codes], rej.reason(_(MISSING_ID)))

    stages = map_stage_values(st_c, options, rej, notes)
    _reject_stage_rows(st_c, stages, rej)
    resp_all = id_map[id_c.raw.codes]
    scale, scale_source, reading, inferred = _score_scale(sc_c, resp_all, options, rej, notes)

    stage_all = stages.of_value[st_c.raw.codes]
    _reject_repeated_stages(resp_all, stage_all, len(stages.names), rej)
    accepted = rej.code == 0
    respondents = _number_respondents(id_uniq, resp_all, accepted)
    answers = _score_answers(sc_c, scale, accepted)
    rating_rows = accepted & (answers.row_class == OK)
    stage_names, ratings = _long_ratings_frame(stages, respondents, stage_all, rating_rows, sc_c, notes)

    # respondent columns: first non-empty value per respondent (accepted rows)
    rp = plan_respondent_columns(cols, {id_c.name, st_c.name, sc_c.name}, options, respondents.n, id_c.name,
                                 stage_scale=scale, stage_of_column={})
    notes += rp.notes
    first_values = _FirstValues(accepted, respondents.row_code, respondents.n)
    ids = pd.Categorical.from_codes(np.arange(respondents.n), dtype=respondents.dtype)
    responses = respondent_frame(ids, rp, first_values)
    if first_values.conflicts:
        notes.append(_("Some respondents have different values on different rows; the first non-empty value was kept: "
                       "{columns}.").format(columns=", ".join(first_values.conflicts)))
    roles = dict(rp.roles)
    roles[id_c.name] = ColumnRole(id_c.name, "id", _("respondent id (repeats on each of a respondent's rows)"), id_c.question)
    roles[st_c.name] = ColumnRole(st_c.name, "stage_name", ngettext("{n} stage", "{n} stages", len(stage_names)).format(
        n=format_number(len(stage_names))), st_c.question)
    roles[sc_c.name] = ColumnRole(sc_c.name, "score", _("scale {scale}").format(scale=scale.label()), sc_c.question)
    rows_accepted = int(accepted.sum())
    na_codes = na_code_summary([sc_c], None if answers.all_accepted else accepted, options, inferred)
    if scale_source == "user":
        scale_reason = _("Your choice.")
    elif scale_source == "cycle":
        scale_reason = _("The scale of the cycle.")
    elif reading is not None and reading.reason:
        scale_reason = reading.reason
    else:
        scale_reason = _("{scale}: inferred from the scores.").format(scale=scale.label())
    reasons = (("stages", _("The values of the stage column {name!r}.").format(name=st_c.name)),
               ("scale", scale_reason),
               ("na_codes", na_codes_reason(na_codes) if na_codes else _("No score means no answer.")))
    read = LayoutRead(
        format="long", ratings=ratings, responses=responses, rejections=rej, accepted=accepted,
        rows_accepted=rows_accepted, respondents=respondents.n, scale=scale, scale_source=scale_source,
        stages=tuple(stage_names), id_column=id_c.name, na_answers=answers.na_answers, respondent_columns=rp,
        roles=roles, notes=tuple(notes), invalid=answers.invalid, answers_read=rows_accepted,
        no_answers=answers.no_answers, na_codes=na_codes, reasons=reasons,
    )
    return finish_survey(raw, cols, options, read)


@dataclass(frozen=True)
class StageValues:
    """How the distinct values of the stage column map to stages.

    ``of_value``: stage index per value (-1 unknown or not chosen, -2 empty); ``unknown_reason``:
    rejection reason code per value (0 = none); ``order_source``: what decided ``names``' order,
    ``"cycle"`` or ``"chosen"`` (``None``: the order of the rows decides it later); ``order_note``:
    the note saying so, in the manager's language (``None`` with ``order_source``).
    """

    of_value: np.ndarray
    unknown_reason: np.ndarray
    names: list[str]
    order_source: str | None
    order_note: str | None = None


def map_stage_values(st_c: ColumnProfile, options: ImportOptions, rej: RowRejections, notes: list[str]) -> StageValues:
    """Stage values -> stages: through the cycle (names, aliases, questions), else the values themselves."""
    texts = st_c.trimmed.to_pylist()
    present = (st_c.counts > 0) & ~st_c.empty
    of_value = np.full(len(texts), -1, dtype=np.int64)
    of_value[st_c.empty] = -2
    unknown_reason = np.zeros(len(texts), dtype=np.int32)
    if options.cycle is not None:
        names = _stages_from_cycle(texts, present, of_value, unknown_reason, options, rej, notes)
        order_source, order_note = "cycle", _("Stage order: the cycle {name!r}.").format(name=options.cycle.name)
    else:
        names = _stages_from_values(st_c, texts, present, of_value, unknown_reason, options, rej)
        chosen = bool(options.stages)
        order_source, order_note = ("chosen", _("Stage order: the chosen stages.")) if chosen else (None, None)
    if not names:
        raise SurveyError(_("No value of the stage column {name!r} is a usable stage.").format(name=st_c.name))
    return StageValues(of_value, unknown_reason, names, order_source, order_note)


def _stages_from_cycle(texts: list[str], present: np.ndarray, of_value: np.ndarray, unknown_reason: np.ndarray,
                       options: ImportOptions, rej: RowRejections, notes: list[str]) -> list[str]:
    """Fill ``of_value`` from the cycle (the chosen stages only); unknown values get a reason. Cycle order."""
    cyc = options.cycle
    mapped = {}
    for i, t in enumerate(texts):
        if present[i]:
            stg = cyc.find_stage(t)
            if stg is not None:
                mapped[i] = stg.name
    if options.stages:
        chosen = {cyc.find_stage(s).name if cyc.find_stage(s) else s for s in options.stages}
        mapped = {i: nm for i, nm in mapped.items() if nm in chosen}
    in_file = set(mapped.values())
    names = [s for s in cyc.stage_names if s in in_file]
    pos = {s: k for k, s in enumerate(names)}
    for i, nm in mapped.items():
        of_value[i] = pos[nm]
    missing = [s for s in cyc.stage_names if s not in in_file]
    if missing:
        notes.append(_("Stages of the cycle {name!r} not in the file: {items}.").format(name=cyc.name, items=', '.join(missing)))
    for i in np.nonzero(present & (of_value == -1))[0]:
        unknown_reason[i] = rej.reason(_("unknown stage {stage!r} (not a stage of the cycle {name!r})").format(
            stage=texts[i], name=cyc.name))
    return names


def _stages_from_values(st_c: ColumnProfile, texts: list[str], present: np.ndarray, of_value: np.ndarray,
                        unknown_reason: np.ndarray, options: ImportOptions,
                        rej: RowRejections) -> list[str]:
    """Fill ``of_value`` with the distinct stage texts (first appearance), or the user's chosen stages
    in the user's order (other values get a reason)."""
    names_present = []
    seen = {}
    for i, t in enumerate(texts):
        if present[i]:
            if t not in seen:
                seen[t] = len(names_present)
                names_present.append(t)
            of_value[i] = seen[t]
    if not options.stages:
        return names_present
    wanted = {normalise_key(s): s for s in options.stages}
    keep_names = [nm for nm in names_present if normalise_key(nm) in wanted]
    if not keep_names:
        raise SurveyError(_("None of the chosen stages ({items}) is a value of the column {name!r}.").format(items=', '.join(options.stages), name=st_c.name))
    user_order = {normalise_key(s): k for k, s in enumerate(options.stages)}
    keep_names.sort(key=lambda nm: user_order[normalise_key(nm)])
    newpos = {nm: k for k, nm in enumerate(keep_names)}
    remap = np.array([newpos.get(nm, -1) for nm in names_present] or [0], dtype=np.int64)
    ok = of_value >= 0
    of_value[ok] = remap[of_value[ok]]
    for i in np.nonzero(present & (of_value == -1))[0]:
        unknown_reason[i] = rej.reason(_("stage {stage!r} is not among the chosen stages").format(stage=texts[i]))
    return keep_names


def _reject_stage_rows(st_c: ColumnProfile, stages: StageValues, rej: RowRejections) -> None:
    """Reject rows with a missing stage, then rows with an unknown or unchosen one."""
    row_stage_val = st_c.raw.codes
    rej.mark(st_c.empty[row_stage_val], rej.reason(_(MISSING_STAGE)))
    if stages.unknown_reason.any():
        row_unknown = stages.unknown_reason[row_stage_val]
        rej.mark(row_unknown > 0, row_unknown)


def _score_scale(sc_c: ColumnProfile, resp_all: np.ndarray, options: ImportOptions, rej: RowRejections,
                 notes: list[str]) -> tuple[Scale, str, ScaleReading | None, dict[float, str]]:
    """Choose the scale from the scores of the rows accepted so far and make its N/A codes no
    answer (in place); returns the scale, its source, the reading and code -> reason.

    The evidence for a value just outside the scale is each respondent's mean over their other
    scores (:func:`long_rest_evidence`), computed only when a reading needs it.
    """
    ok_rows_so_far = rej.code == 0
    all_ok = bool(ok_rows_so_far.all())
    cnt_ok = sc_c.counts if all_ok else np.bincount(sc_c.raw.codes[ok_rows_so_far], minlength=len(sc_c.counts))
    evidence = long_rest_evidence(sc_c, resp_all, ok_rows_so_far) if options.infer_na_codes else None
    return scale_and_na_codes(sc_c, cnt_ok, evidence, options, notes)


def scale_and_na_codes(sc_c: ColumnProfile, cnt_ok: np.ndarray, evidence: RestEvidence | None, options: ImportOptions,
                       notes: list[str]) -> tuple[Scale, str, ScaleReading | None, dict[float, str]]:
    """The scale of the score column ``sc_c`` from ``cnt_ok`` (answers per distinct value on the rows
    accepted so far) and ``evidence``, with its N/A codes made no answer in ``sc_c`` (in place);
    returns the scale, its source, the reading and code -> reason, and adds the notes."""
    keepv = (cnt_ok > 0) & ~sc_c.empty & ~sc_c.na & ~np.isnan(sc_c.num)
    score_counts: dict[float, int] = {}
    for v, c in zip(sc_c.num[keepv].tolist(), cnt_ok[keepv].tolist()):
        score_counts[v] = score_counts.get(v, 0) + c
    scale, scale_source, scale_notes, reading = choose_scale(score_counts, options, sc_c.name,
                                                             evidence=evidence)
    notes += scale_notes
    inferred: dict[float, str] = {}
    if options.infer_na_codes:
        codes = reading.codes if reading is not None else codes_outside_scale(scale, score_counts)
        if codes:
            sc_c.own_arrays()
            sc_c.na |= np.isin(sc_c.num, np.array([v for v, _, _ in codes])) & ~sc_c.empty
            for v, k, why in codes:
                notes.append(ngettext("{k} score {v:g} is read as no answer: {why}.",
                                      "{k} scores {v:g} are read as no answer: {why}.", k).format(
                    k=format_number(k), v=v, why=why))
                inferred[v] = why
    return scale, scale_source, reading, inferred


def rest_core_range(sc_c: ColumnProfile) -> tuple[float, float] | None:
    """The scores that are sure answers, ``(lowest, highest)``: the distinct numbers of the score
    column (no N/A code, no usual no-answer code) without the lowest and the highest; ``None`` with
    fewer than three. A rest score is the mean of a respondent's other scores in this range."""
    num = np.where(sc_c.na | sc_c.empty, np.nan, sc_c.num)
    sure = sorted(v for v in set(num[(sc_c.counts > 0) & ~np.isnan(num)].tolist()) if v not in SENTINEL_CODES)
    if len(sure) < 3:
        return None
    return sure[1], sure[-2]


def long_rest_evidence(sc_c: ColumnProfile, resp_all: np.ndarray, ok_rows: np.ndarray) -> RestEvidence:
    """Rest scores of a long file: for each score value, the mean of the same respondent's other
    scores that are sure answers (the distinct scores without the lowest and the highest)."""

    def compute() -> dict[float, tuple[int, float, float]]:
        num = np.where(sc_c.na | sc_c.empty, np.nan, sc_c.num)
        core_range = rest_core_range(sc_c)
        if core_range is None:
            return {}
        lo, hi = core_range
        v = num[sc_c.raw.codes]
        v = np.where(ok_rows, v, np.nan)
        core = (v >= lo) & (v <= hi)
        n_resp = int(resp_all.max()) + 1 if resp_all.size else 0
        total = np.bincount(resp_all, weights=np.where(core, v, 0.0), minlength=n_resp)
        count = np.bincount(resp_all, weights=core.astype(float), minlength=n_resp)
        own = np.where(core, v, 0.0)
        rest_n = count[resp_all] - core
        rest = np.where(rest_n > 0, (total[resp_all] - own) / np.maximum(rest_n, 1), np.nan)
        return rest_statistics(v, rest)

    return RestEvidence(compute)


@dataclass(frozen=True)
class _ScoreAnswers:
    """The score of every row as an answer: its value class, and over the accepted rows the N/A
    answers, the answers without a rating and the invalid answers."""

    row_class: np.ndarray
    na_answers: int
    no_answers: int
    invalid: InvalidAnswers
    all_accepted: bool


def _score_answers(sc_c: ColumnProfile, scale: Scale, accepted: np.ndarray) -> _ScoreAnswers:
    """Classify the scores: a rating, no answer (empty or N/A) or invalid (listed, row kept)."""
    cls = classify_values(sc_c, scale)
    all_accepted = bool(accepted.all())
    per_value = sc_c.counts if all_accepted else np.bincount(sc_c.raw.codes[accepted], minlength=len(sc_c.counts))
    by_class = np.bincount(cls, weights=per_value, minlength=OUT_OF_SCALE + 1).astype(np.int64)
    invalid = InvalidAnswers()
    invalid.add(sc_c, cls, accepted, scale)
    return _ScoreAnswers(cls[sc_c.raw.codes], int(by_class[NA]), int(by_class[NA] + by_class[EMPTY]), invalid,
                         all_accepted)


def _reject_repeated_stages(resp_all: np.ndarray, stage_all: np.ndarray, n_stages: int, rej: RowRejections) -> None:
    """A respondent rating the same stage twice keeps the first row."""
    ok = rej.code == 0
    all_ok = bool(ok.all())
    key = resp_all * (n_stages + 1) + stage_all if all_ok else resp_all[ok] * (n_stages + 1) + stage_all[ok]
    dup = duplicated(key)
    if dup.any():
        dup_rows = np.nonzero(dup)[0] if all_ok else np.nonzero(ok)[0][dup]
        mask = np.zeros(len(resp_all), dtype=bool)
        mask[dup_rows] = True
        rej.mark(mask, rej.reason(_(REPEATED_STAGE)))


@dataclass(frozen=True)
class _Respondents:
    """The respondents with an accepted row: ``n``, their id categories (``dtype``) and, per table
    row, the respondent's code (-1 for rejected rows)."""

    n: int
    dtype: pd.CategoricalDtype
    row_code: np.ndarray


def _number_respondents(id_uniq: pa.Array, resp_all: np.ndarray, accepted: np.ndarray) -> _Respondents:
    """Codes 0..n-1 for the respondents with an accepted row, in order of first appearance."""
    used = np.zeros(len(id_uniq), dtype=bool)
    used[resp_all if bool(accepted.all()) else resp_all[accepted]] = True
    new_code = np.cumsum(used) - 1
    n_resp = int(used.sum())
    id_cats = pd.Index(id_uniq.filter(pa.array(used)).to_pandas(), dtype="str") if n_resp else pd.Index([], dtype="str")
    id_dtype = pd.CategoricalDtype(id_cats)  # validated once, reused below
    code_type = np.int32 if n_resp < np.iinfo(np.int32).max else np.int64
    resp_row = np.where(accepted, new_code.astype(code_type)[resp_all], code_type(-1))
    return _Respondents(n_resp, id_dtype, resp_row)


def _long_ratings_frame(stages: StageValues, respondents: _Respondents, stage_all: np.ndarray, rating_rows: np.ndarray,
                   sc_c: ColumnProfile, notes: list[str]) -> tuple[list[str], pd.DataFrame]:
    """``Survey.ratings`` of the rows with a score, and the stage names in their final order.

    Without a cycle or chosen stages, the order in which stages appear within the respondents'
    rows decides (:func:`appearance_stage_order`).
    """
    r_resp = respondents.row_code[rating_rows]
    r_stage = stage_all[rating_rows]
    stage_names = stages.names
    if stages.order_source is None:
        order = appearance_stage_order(r_stage, r_resp, len(stage_names))
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        stage_names = [stage_names[i] for i in order]
        r_stage = rank[r_stage]
        notes.append(_("Stage order: the order in which stages appear within the respondents' rows."))
    else:
        notes.append(stages.order_note)
    stage_dtype = pd.CategoricalDtype(pd.Index(stage_names, dtype="str"), ordered=True)
    ratings = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(r_resp, dtype=respondents.dtype),
            "stage": pd.Categorical.from_codes(r_stage, dtype=stage_dtype),
            "score": sc_c.num[sc_c.raw.codes[rating_rows]].astype(np.float64),
        }
    )
    return stage_names, ratings


class _FirstValues:
    """Per respondent, the code of their first non-empty value of a column (accepted rows only);
    called by :func:`~cycle_analytics.ingest.layouts.respondents.respondent_frame`.

    Respondents whose rows disagree (differences of surrounding spaces aside) are collected in
    ``conflicts`` as ``"'column' (n respondents)"``. When each respondent's accepted rows form one
    run (the usual long file), disagreements show between neighbouring rows, which is cheap.
    """

    def __init__(self, accepted: np.ndarray, resp_row: np.ndarray, n_resp: int) -> None:
        self.accepted, self.resp_row, self.n_resp = accepted, resp_row, n_resp
        self.conflicts: list[str] = []
        self.all_accepted = bool(accepted.all())
        self.acc_rows = None if self.all_accepted else np.nonzero(accepted)[0]
        self.resp_acc = resp_row if self.all_accepted else resp_row[self.acc_rows]
        self.contiguous, self.same_next, self.first_row = False, None, None
        if n_resp and self.resp_acc.size:
            run_start = np.empty(self.resp_acc.size, dtype=bool)
            run_start[0] = True
            np.not_equal(self.resp_acc[1:], self.resp_acc[:-1], out=run_start[1:])
            starts = np.flatnonzero(run_start)
            self.contiguous = starts.size == n_resp
            if self.contiguous:
                self.same_next = ~run_start[1:]  # row i+1 belongs to the respondent of row i
                self.first_row = np.empty(n_resp, dtype=np.int64)
                self.first_row[self.resp_acc[starts]] = starts if self.all_accepted else self.acc_rows[starts]
        if not self.contiguous:
            self.first_row = first_per_respondent(None, accepted, resp_row, n_resp)

    def __call__(self, c: ColumnProfile) -> np.ndarray:
        codes = c.raw.codes
        blank = c.empty | c.na
        first = codes[self.first_row] if self.n_resp else np.zeros(0, dtype=codes.dtype)
        missing = blank[first] if self.n_resp else np.zeros(0, dtype=bool)
        if missing.any():  # the respondent's first row is empty here: look at their other rows
            valid = self.accepted & ~blank[codes]
            later = first_per_respondent(codes, valid, self.resp_row, self.n_resp)
            first = np.where(missing, later, first).astype(codes.dtype, copy=False)
        if c.n_unique > 1 and self.n_resp:
            n_diff = self._disagreeing_neighbours(c, blank) if self.contiguous else self._disagreeing_rows(c, blank, first)
            if n_diff:
                self.conflicts.append(f"{c.name!r} ({n_diff} respondents)")
        return first.astype(np.int64)

    def _rows_codes(self, c: ColumnProfile) -> np.ndarray:
        return c.raw.codes if self.all_accepted else c.raw.codes[self.acc_rows]

    def _disagreeing_neighbours(self, c: ColumnProfile, blank: np.ndarray) -> int:
        """Respondents with two consecutive non-blank rows that disagree (rows in one run per respondent)."""
        rows_codes = self._rows_codes(c)
        if (blank & (c.counts > 0)).any():
            keep = np.flatnonzero(~blank[rows_codes])
            cod, rsp = rows_codes[keep], self.resp_acc[keep]
            same = rsp[1:] == rsp[:-1]
        else:
            cod, rsp, same = rows_codes, self.resp_acc, self.same_next
        pairs = np.flatnonzero(same & (cod[1:] != cod[:-1]))
        if not pairs.size:
            return 0
        canon = canonical_values(c)[1]
        real = canon[cod[pairs]] != canon[cod[pairs + 1]]
        return n_distinct(rsp[pairs[real]])

    def _disagreeing_rows(self, c: ColumnProfile, blank: np.ndarray, first: np.ndarray) -> int:
        """Respondents with a non-blank row that disagrees with their first value (rows in any order)."""
        rows_codes = self._rows_codes(c)
        ref = first[self.resp_acc]
        differ = (rows_codes != ref) & (ref >= 0) & ~blank[rows_codes]
        if not differ.any():
            return 0
        canon = canonical_values(c)[1]
        rows = np.nonzero(differ)[0]
        real = canon[rows_codes[rows]] != canon[ref[rows]]
        return n_distinct(self.resp_acc[rows[real]])
