"""The small tables and numbers the pages show or let the user edit, and what the edits mean.

Page scripts only lay out; what they show is built here (from the package's results) and what the
user edits is read back here into the package's inputs:

* Data page: :func:`import_summary`, :func:`column_roles`, :func:`unknown_labels`, :func:`mapping_review` (the editable
  stage mapping) and :func:`stage_map_from_review` / :func:`validate_stage_mapping`, :func:`label_map_from_picks`;
  the "what we read" confirmation: :func:`reading_table`, :func:`stage_choices`, :func:`outcome_choices`,
  :func:`segment_choices`, :func:`date_choices`, :func:`na_codes_text`, :func:`overrides_from_choices` (the form)
  and :func:`reading_stage_map` (what a confirmation remembers).
* Tables a manager reads: :data:`COLUMN_WORDS`, :func:`words_for` and :func:`plain_table` (plain headers,
  the statistical term as the tooltip).
* Analysis pages: :func:`rows_where`, :func:`pick_columns`, :func:`segment_columns`, :func:`average_stage_score`, :func:`penalty_threshold`.
* Action plans: :func:`plans_for_editor`, :func:`read_plans_csv`.
* Survey builder: :func:`segment_questions_table`, :func:`segment_questions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from cycle_analytics.cycles import Cycle, Stage
from cycle_analytics.dataset import ColumnRole, DatasetInfo, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, NP_, format_number, ngettext, pgettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs.plans import PLAN_COLUMNS, validate_plans
from cycle_analytics.stats.analysis import Analysis
from cycle_analytics.text import messages as TM

# The special options of the Data page's selectors: stored in English, shown through choice_label
NOT_A_STAGE = N_("not a stage")
UNMAPPED = N_("(leave unknown)")  # an unknown answer label left as it is
NA_CHOICE = N_("N/A (no answer)")  # an unknown answer label read as no answer
GUESS = N_("(guess)")  # outcome column: the importer's guess
INFER = N_("(infer)")  # scale: inferred from the answers
SCALE_CHOICES = (INFER, "1-4", "1-5", "1-6", "1-7", "1-10", "0-5", "0-10", "0-100", "-2..2", "-3..3")
NO_DATE = N_("(no date)")  # the date selectbox: the file has no response date
NO_WEIGHT = N_("(no weight)")  # the weight selectbox: every respondent counts once
_NOT_CANDIDATES = ("id", "date", "dropped_personal", "comment", "score", "stage_name", "weight", "importance", "duration")  # never a stage
_METADATA = ("metadata",)

_SPECIAL_CHOICES = frozenset({NOT_A_STAGE, UNMAPPED, NA_CHOICE, GUESS, INFER, NO_DATE, NO_WEIGHT})


def choice_label(option: object) -> str:
    """How a Data-page selector shows ``option``: a special option (:data:`NOT_A_STAGE`,
    :data:`GUESS` ...) in the interface language, any other (a column, a stage, a score) as it is.

    >>> choice_label(GUESS), choice_label("Q3")
    ('(guess)', 'Q3')
    """
    text = str(option)
    return _(text) if text in _SPECIAL_CHOICES else text


# ---------------------------------------------------------------- Data page: what the importer did


#: The importer's file layouts and survey-tool formats (``DatasetInfo.format``) as the Data page names
#: them; a format not listed is shown as its code.
FORMAT_NAMES = {
    "long": N_("long (one row per answer)"), "wide": N_("wide (one row per respondent)"),
    "qualtrics": N_("Qualtrics export"), "typeform": N_("Typeform export"), "ms-forms": N_("Microsoft Forms export"),
    "google-forms": N_("Google Forms export"), "surveymonkey": N_("SurveyMonkey export"),
    "spss": N_("SPSS file"), "stata": N_("Stata file"),
}
#: Where the scale came from (``DatasetInfo.scale_source``), said to the manager.
SCALE_SOURCE_NAMES = {
    "user": N_("the scale you chose"), "labels": N_("read from the answer labels"),
    "cycle": N_("the cycle's scale"), "inferred": N_("inferred from the answers"),
}


def format_name(code: str) -> str:
    """The file layout or survey-tool format ``code`` in the session's language (the code if unknown)."""
    return _(FORMAT_NAMES[code]) if code in FORMAT_NAMES else code


def scale_source_name(code: str) -> str:
    """Where the scale came from (``"user"``, ``"labels"``, ``"cycle"``, ``"inferred"``) in words."""
    return _(SCALE_SOURCE_NAMES[code]) if code in SCALE_SOURCE_NAMES else code


def import_summary(info: DatasetInfo) -> pd.DataFrame:
    """``item, value`` rows describing an import, with the row identity read = accepted + rejected and
    the answer identity read = ratings + no answer + invalid."""
    n = format_number
    none = _("none")
    identity = _("holds") if info.rows_read == info.rows_accepted + info.rows_rejected else _("DOES NOT HOLD")
    answers = _("holds") if info.answers_read == info.ratings + info.no_answers + info.invalid_answers else _("DOES NOT HOLD")
    codes = ", ".join(f"{c.value} ({n(c.answers)})" for c in info.na_codes) or ", ".join(map(str, info.na_values)) or none
    comments = ", ".join(_("{column} (on {stage})").format(column=c.column, stage=c.stage) if c.stage else c.column
                         for c in info.comment_columns)
    return pd.DataFrame({
        "item": [_("format"), _("rows read = accepted + rejected"), _("answers read = ratings + no answer + invalid"),
                 _("outcome"), _("outcome candidates"), _("segments"), _("date column"), _("comment column"),
                 _("comment columns"), _("weight column"), _("stated importance"), _("N/A codes"),
                 _("answers read as N/A"), _("scale source"), _("stages")],
        "value": [format_name(info.format), f"{n(info.rows_read)} = {n(info.rows_accepted)} + {n(info.rows_rejected)} ({identity})",
                  f"{n(info.answers_read)} = {n(info.ratings)} + {n(info.no_answers)} + {n(info.invalid_answers)} ({answers})",
                  info.outcome or _("none (proxy)"), ", ".join(info.outcome_candidates) or none,
                  ", ".join(info.segments) or none, info.date_column or none, info.comment_column or none,
                  comments or none, info.weight_column or none,
                  ", ".join(f"{c.column} → {c.stage}" for c in info.importance_columns) or none, codes,
                  n(info.na_answers), scale_source_name(info.scale_source), " → ".join(info.stages)],
    })


def unknown_labels(info: DatasetInfo) -> pd.DataFrame:
    """``label, count, columns``: the answer labels the import did not know (``info.unknown_labels``),
    most answers first; ``columns`` joined with ``"; "``."""
    rows = [{"label": u.label, "count": int(u.count), "columns": "; ".join(u.columns)} for u in info.unknown_labels]
    return pd.DataFrame(rows, columns=["label", "count", "columns"]).astype({"label": "str", "count": "int64", "columns": "str"})


#: The importer's column roles (``cycle_analytics.dataset.ROLES``) as the Data page names them: the
#: code itself in English, translated in the context "column role".
ROLE_NAMES = {code: code for code in (
    NP_("column role", "id"), NP_("column role", "stage"), NP_("column role", "score"), NP_("column role", "stage_name"),
    NP_("column role", "outcome"), NP_("column role", "segment"), NP_("column role", "date"),
    NP_("column role", "comment"), NP_("column role", "importance"), NP_("column role", "weight"),
    NP_("column role", "duration"), NP_("column role", "ignored"), NP_("column role", "dropped_personal"))}


#: How the importer proposed a column's stage (:func:`stage_of`'s ``method``) as the Data page names
#: it: the code itself in English, translated in the context "match method".
METHOD_NAMES = {code: code for code in (
    NP_("match method", "exact"), NP_("match method", "alias"), NP_("match method", "fuzzy"),
    NP_("match method", "saved"), NP_("match method", "your mapping"), NP_("match method", "named from the file"),
    NP_("match method", "column name"))}


def role_label(role: str) -> str:
    """A column role (``ColumnRole.role``) in the interface language."""
    return pgettext("column role", ROLE_NAMES.get(role, role))


def method_label(method: str) -> str:
    """A stage match method (:func:`stage_of`) in the interface language (``""`` stays empty)."""
    return pgettext("match method", METHOD_NAMES[method]) if method in METHOD_NAMES else method


def column_roles(info: DatasetInfo) -> pd.DataFrame:
    """``column, role, detail, question``: what the importer made of each input column (the role
    named in the interface language)."""
    return pd.DataFrame([{"column": r.column, "role": role_label(r.role), "detail": r.detail, "question": r.question}
                         for r in info.columns])


# ---------------------------------------------------------------- Data page: the stage mapping review


def stage_of(role: ColumnRole, stages: Sequence[str]) -> tuple[str, str, float | None]:
    """``(stage, method, confidence)`` of a column, from its role's ``stage``, ``match`` and ``confidence``
    (a survey saved before roles held them: read from its English detail, ``"stage 'X' (fuzzy, 91%)"``)."""
    if role.role != "stage":
        return NOT_A_STAGE, "", None
    if role.stage is not None:
        method = {"": "named from the file"}.get(role.match, role.match)
        confidence = role.confidence if role.match == "fuzzy" else (None if role.match in ("", "column name") else 1.0)
        return role.stage, method, confidence
    detail = role.detail or ""
    for name in stages:
        prefix = f"stage {name!r}"
        if detail.startswith(prefix):
            rest = detail[len(prefix):].strip().strip("()")
            if not rest:
                return name, "named from the file", None
            if rest.startswith("fuzzy"):
                try:
                    return name, "fuzzy", float(rest.split(",")[1].strip().rstrip("%")) / 100
                except (IndexError, ValueError):
                    return name, "fuzzy", None
            return name, rest, 1.0
        if detail == name:
            return name, "column name", None
    return (role.column if role.column in stages else NOT_A_STAGE), "", None


def mapping_review(info: DatasetInfo) -> pd.DataFrame:
    """One row per candidate question column: ``column, question, stage, method, confidence, role``
    (ids, dates, personal data, comments and metadata are not candidates)."""
    rows = []
    for r in info.columns:
        if r.role in _NOT_CANDIDATES:
            continue
        if r.role == "ignored" and (r.match == "metadata" or any(w in (r.detail or "") for w in _METADATA)):
            continue
        stage, method, conf = stage_of(r, info.stages)
        rows.append({"column": r.column, "question": r.question or "", "stage": stage, "method": method,
                     "confidence": conf, "role": r.role})
    columns = {"column": "str", "question": "str", "stage": "str", "method": "str", "confidence": "float64", "role": "str"}
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    return pd.DataFrame(rows).astype(columns)


def stage_map_from_review(edited: pd.DataFrame) -> tuple[tuple[str, str | None], ...]:
    """The ``stage_map`` import option of an edited :func:`mapping_review` (empty or
    :data:`NOT_A_STAGE` = the column is no stage)."""
    stage_map = []
    for col, stg in zip(edited["column"].astype(str), edited["stage"]):
        text = "" if stg is None or pd.isna(stg) else str(stg).strip()
        stage_map.append((col, None if not text or text.casefold() == NOT_A_STAGE else text))
    return tuple(stage_map)


def validate_stage_mapping(edited: pd.DataFrame, cycle_stages: Sequence[str] | None = None) -> tuple[tuple[str, str | None], ...]:
    """The ``stage_map`` of an edited :func:`mapping_review`, checked before it is applied.

    Raises :class:`SurveyError` with one sentence when two columns are given the same stage (names
    compared without case and spaces), when a stage is not one of ``cycle_stages`` (with a cycle), or
    when no column is left as a stage.

    >>> t = pd.DataFrame({"column": ["Q1", "Q2", "Q3"], "stage": ["Wait", "wait ", NOT_A_STAGE]})
    >>> validate_stage_mapping(t)
    Traceback (most recent call last):
    ...
    cycle_analytics.errors.SurveyError: The mapping gives the stage 'Wait' to more than one column (Q1, Q2): keep it on one column and set the others to another stage or to “not a stage”.
    """
    stage_map = stage_map_from_review(edited)
    by_key: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for column, stage in stage_map:
        if stage is None:
            continue
        key = " ".join(stage.split()).casefold()
        by_key.setdefault(key, []).append(column)
        names.setdefault(key, stage.strip())
    for key, columns in by_key.items():
        if len(columns) > 1:
            raise SurveyError(f"The mapping gives the stage {names[key]!r} to more than one column ({', '.join(columns)}): "
                              "keep it on one column and set the others to another stage or to “not a stage”.")
    if cycle_stages is not None:
        allowed = {" ".join(str(x).split()).casefold() for x in cycle_stages}
        unknown = [names[k] for k in by_key if k not in allowed]
        if unknown:
            raise SurveyError(f"{unknown[0]!r} is not a stage of the cycle; pick one of its stages or “not a stage”.")
    if not by_key:
        raise SurveyError("The mapping leaves no column as a stage: give at least one question column a stage.")
    return stage_map


def label_map_from_picks(labels: Sequence[str], picks: Mapping[str, str], mapped: Mapping[str, float | None]) -> dict:
    """``mapped`` plus each unknown label picked as a score (text of a number) or :data:`NA_CHOICE`."""
    new_map = dict(mapped)
    for label in labels:
        pick = picks.get(label, UNMAPPED)
        if pick == NA_CHOICE:
            new_map[label] = None
        elif pick != UNMAPPED:
            new_map[label] = float(pick)
    return new_map


# ---------------------------------------------------------------- stages a cycle template leaves out


@dataclass(frozen=True)
class UnmatchedStage:
    """A stage of the file that the chosen cycle does not name: its ``name`` (as read without the
    cycle), the file's ``column`` (wide files; the stage value of a long file), its ``question``
    text and the cycle stage it follows in the file (``after``; ``None`` = before every stage)."""

    name: str
    column: str
    question: str = ""
    after: str | None = None


def unmatched_stages(with_cycle: Survey, without_cycle: Survey) -> list[UnmatchedStage]:
    """The stages the file has when read without a cycle that are missing when read with it, in
    file order (a template must never drop a stage silently).

    ``with_cycle`` and ``without_cycle`` are imports of the same file with the same options, with
    and without the cycle.
    """
    if with_cycle.info.format == "long" or without_cycle.info.format == "long":
        kept = {" ".join(str(s).split()).casefold() for s in with_cycle.info.stages}
        if with_cycle.cycle is not None:
            kept |= {k for st_ in with_cycle.cycle.stages for k in st_.match_keys()}
        out, after = [], None
        for name in without_cycle.info.stages:
            stage = with_cycle.cycle.find_stage(name) if with_cycle.cycle is not None else None
            if stage is not None and stage.name in with_cycle.info.stages:
                after = stage.name
            elif " ".join(str(name).split()).casefold() not in kept:
                out.append(UnmatchedStage(name=str(name), column=str(name), after=after))
        return out
    roles_with = {r.column: r for r in with_cycle.info.columns}
    out, after = [], None
    for r in without_cycle.info.columns:
        if r.role != "stage":
            continue
        mine = roles_with.get(r.column)
        if mine is not None and mine.role == "stage":
            after = stage_of(mine, with_cycle.info.stages)[0]
            continue
        name = stage_of(r, without_cycle.info.stages)[0]
        out.append(UnmatchedStage(name=r.column if name == NOT_A_STAGE else name, column=r.column,
                                  question=r.question or "", after=after))
    return out


def cycle_with_stages(cycle: Cycle, extra: Sequence[UnmatchedStage]) -> Cycle:
    """``cycle`` with the ``extra`` stages added where they come in the file (after the stage they
    follow, in file order), each matching its column by name, alias and question; phase, target
    and the rest empty. A name that would repeat a stage gets its column appended.

    >>> from cycle_analytics.cycles import Stage
    >>> c = Cycle("Bank", (Stage("Arrive"), Stage("Wait")))
    >>> cycle_with_stages(c, [UnmatchedStage("Ask", "ask_q", after="Arrive"), UnmatchedStage("Sign", "s", after="Arrive")]).stage_names
    ('Arrive', 'Ask', 'Sign', 'Wait')
    """
    stages = list(cycle.stages)
    names = {s.name.casefold() for s in stages}
    last: dict[str | None, str] = {}  # the stage an addition after ``after`` goes behind
    for u in extra:
        name = u.name if u.name.casefold() not in names else f"{u.name} ({u.column})"
        names.add(name.casefold())
        new = Stage(name=name, question=u.question, aliases=tuple(a for a in (u.column,) if a != name))
        behind = last.get(u.after, u.after)
        pos = next((i + 1 for i, s in enumerate(stages) if s.name == behind), 0 if behind is None else len(stages))
        stages.insert(pos, new)
        last[u.after] = name
    return replace(cycle, stages=tuple(stages))


# ---------------------------------------------------------------- Data page: the "Your choices" form


def stage_choices(info: DatasetInfo, overrides: Mapping) -> tuple[list[str], list[str]]:
    """``(options, default)`` of the stages multiselect: the stages of a long file, the input
    columns of a wide one; the default is the current choice, else the importer's stages."""
    if info.format == "long":
        options = list(info.stages)
        default = list(overrides.get("stages") or info.stages)
    else:
        options = [r.column for r in info.columns if r.role not in ("id",)] or list(info.stages)
        default = list(overrides.get("stages") or [r.column for r in info.columns if r.role == "stage"] or info.stages)
    return options, [x for x in default if x in options]


def outcome_choices(info: DatasetInfo) -> list[str]:
    """The outcome column selectbox: :data:`GUESS`, then every column that can hold an outcome."""
    return [GUESS] + [r.column for r in info.columns if r.role not in ("id", "stage_name", "score")]


def segment_choices(info: DatasetInfo, overrides: Mapping) -> tuple[list[str], list[str]]:
    """``(options, default)`` of the segments multiselect: every column that is no id, stage or score;
    the default is the current choice, else the importer's segments."""
    options = [r.column for r in info.columns if r.role not in ("id", "stage", "stage_name", "score", "dropped_personal")]
    chosen = overrides.get("segments")
    default = list(info.segments) if chosen is None else list(chosen)
    return options, [x for x in default if x in options]


def date_choices(info: DatasetInfo, overrides: Mapping) -> tuple[list[str], str]:
    """``(options, default)`` of the date selectbox: :data:`NO_DATE`, then every column that is no id,
    stage or score; the default is the current choice, else the importer's date column."""
    options = [NO_DATE] + [r.column for r in info.columns if r.role not in ("id", "stage", "stage_name", "score", "dropped_personal")]
    chosen = overrides.get("date")
    default = (chosen or NO_DATE) if chosen is not None else (info.date_column or NO_DATE)
    return options, default if default in options else NO_DATE


def weight_choices(info: DatasetInfo, overrides: Mapping) -> tuple[list[str], str]:
    """``(options, default)`` of the weight selectbox: :data:`NO_WEIGHT`, then every column that is
    no id, stage or score; the default is the current choice, else the importer's proposed weight.

    >>> from cycle_analytics.dataset import ColumnRole
    >>> from cycle_analytics.scales import Scale
    >>> info = DatasetInfo("wide", 1, 1, 0, 1, 1, Scale(1, 5), ("a",), weight_column="WEIGHT",
    ...                    columns=(ColumnRole("a", "stage"), ColumnRole("WEIGHT", "weight")))
    >>> weight_choices(info, {}), weight_choices(info, {"weight": ""})[1]
    ((['(no weight)', 'WEIGHT'], 'WEIGHT'), '(no weight)')
    """
    options = [NO_WEIGHT] + [r.column for r in info.columns if r.role not in ("id", "stage", "stage_name", "score", "dropped_personal")]
    chosen = overrides.get("weight")
    default = (chosen or NO_WEIGHT) if chosen is not None else (info.weight_column or NO_WEIGHT)
    return options, default if default in options else NO_WEIGHT


def na_codes_text(info: DatasetInfo) -> str:
    """The N/A codes as the form shows them: the user's, the file's and the importer's codes (the
    built-in missing-answer tokens such as ``NA`` always apply and are not listed).

    >>> from cycle_analytics.dataset import NaCode
    >>> from cycle_analytics.scales import Scale
    >>> info = DatasetInfo("wide", 1, 1, 0, 1, 1, Scale(1, 5), ("a",), na_codes=(NaCode("6", 9, "just outside", "inferred"),
    ...                    NaCode("N/A", 2, "usual", "default")))
    >>> na_codes_text(info)
    '6'
    """
    return ", ".join(c.value for c in info.na_codes if c.source in ("user", "file", "inferred"))


def reading_table(info: DatasetInfo) -> pd.DataFrame:
    """``item, what we read, why``: the import's reading a manager confirms (stages in order, scale, N/A
    codes, outcome, segments, date, and the answers), one sentence of reasoning each."""
    why = dict(info.reasons or {})
    none = _("none")
    codes = "; ".join(ngettext("{code} ({n} answer)", "{code} ({n} answers)", c.answers).format(
        code=c.value, n=format_number(c.answers)) for c in info.na_codes) or none
    outcome = info.outcome or _("none: the mean of the other stages stands in")
    answers = _("{read} read = {ratings} ratings + {no_answer} no answer + {invalid} invalid").format(
        read=format_number(info.answers_read), ratings=format_number(info.ratings),
        no_answer=format_number(info.no_answers), invalid=format_number(info.invalid_answers))
    rows = [
        (_("Stages"), f"{format_number(len(info.stages))}: " + " → ".join(info.stages), why.get("stages", "")),
        (_("Scale"), info.scale.label(), why.get("scale", "")),
        (_("N/A codes"), codes, why.get("na_codes", "")),
        (_("Outcome"), outcome, why.get("outcome", "")),
        (_("Segments"), ", ".join(info.segments) or none, why.get("segments", "")),
        (_("Date"), info.date_column or none, why.get("date", "")),
        (_("Weight"), info.weight_column or _("none: every respondent counts once"), why.get("weight", "")),
        (_("Answers"), answers,
         _("Each invalid answer is listed below with its row, column and value; the rest of its row counts.")),
    ]
    return pd.DataFrame(rows, columns=["item", "what we read", "why"]).astype("str")


def reading_stage_map(info: DatasetInfo) -> tuple[tuple[str, str | None], ...]:
    """The stage mapping a confirmed reading of a wide file amounts to: each stage column and its
    stage, in stage order (what the mapping memory keeps for files with the same columns)."""
    if info.format == "long":
        return ()
    out = []
    for r in info.columns:
        if r.role == "stage":
            stage, _, _ = stage_of(r, info.stages)
            out.append((r.column, stage if stage != NOT_A_STAGE else r.column))
    order = {st: k for k, st in enumerate(info.stages)}
    return tuple(sorted(out, key=lambda t: order.get(t[1], len(order))))


def overrides_from_choices(current: Mapping, *, stages: Sequence[str], stage_default: Sequence[str], na_text: str,
                           scale: str, outcome: str, positive: str, na_default: str | None = None,
                           segments: Sequence[str] | None = None, segment_default: Sequence[str] | None = None,
                           date: str | None = None, date_default: str | None = None,
                           weight: str | None = None, weight_default: str | None = None) -> dict:
    """The import options of the submitted form (the stage and label mappings are kept).

    N/A codes: the form shows what was read (``na_default``); when the manager changes them, their
    list replaces the importer's reading (``infer_na_codes`` off), else the reading stays. Segments,
    the date and the weight are options only when changed from what was read (``segment_default``,
    ``date_default``, ``weight_default``).
    """
    new = {k: current[k] for k in ("stage_map", "label_map") if current.get(k)}
    if stages and list(stages) != list(stage_default) or (stages and current.get("stages")):
        new["stages"] = tuple(stages)
    na = tuple(x.strip() for x in na_text.split(",") if x.strip())
    if na_default is not None and na == tuple(x.strip() for x in na_default.split(",") if x.strip()):
        for k in ("na_values", "infer_na_codes"):  # unchanged: keep how they were read
            if k in current:
                new[k] = current[k]
    else:
        if na:
            new["na_values"] = na
        if na_default is not None:
            new["infer_na_codes"] = False
    if scale != INFER:
        new["scale"] = scale
    if outcome != GUESS:
        new["outcome"] = outcome
    if positive.strip():
        new["positive"] = positive.strip()
    if segments is not None and (list(segments) != list(segment_default or []) or current.get("segments") is not None):
        new["segments"] = tuple(segments)
    if date is not None and (date != date_default or current.get("date") is not None):
        new["date"] = "" if date == NO_DATE else date
    if weight is not None and (weight != weight_default or current.get("weight") is not None):
        new["weight"] = "" if weight == NO_WEIGHT else weight
    return new


# ---------------------------------------------------------------- plain words for the tables a manager reads


@dataclass(frozen=True)
class Words:
    """How a table column is shown: ``label`` (plain words; ``{outcome}`` is the outcome's name),
    ``term`` (the statistical term and its definition, shown as the column's tooltip) and ``kind``:
    ``text``, ``count`` (whole number with thousands separators), ``number`` (``digits`` decimals),
    ``percent`` (a 0–100 share, shown with %), ``share`` (a 0–1 share, shown as a bar with %),
    ``p`` (a p-value, 4 decimals), ``date`` or ``flag`` (true / false, shown as a tick)."""

    label: str
    term: str = ""
    kind: str = "text"
    digits: int = 2


#: The plain words of every analysis column a page shows (tidy names of ``docs/architecture.md``), in
#: English, marked for translation; :func:`words_for` gives them in the interface language.
COLUMN_WORDS: dict[str, Words] = {
    "stage": Words(N_("Stage")),
    "order": Words("#", N_("Position in the cycle"), "count"),
    "verdict": Words(N_("Verdict"), N_("Critical moment: a bad experience there measurably lowers {outcome} (rule above the "
                     "table). Pain point: often rated badly, but one bad experience there does not spoil it on its own. OK: neither. Not enough data: too few "
                     "bad experiences to tell.")),
    "declared_verdict": Words(N_("Named critical?"), N_("Declared verdict: whether a stage the cycle "
                              "template names as critical is confirmed by the data")),
    "penalty": Words(N_("Drop"), N_("Penalty: how much lower {outcome} is for the respondents "
                     "who rated the stage in the bottom box than for those with a middling experience there, every "
                     "other stage held fixed (in points of {outcome})"), "number"),
    "alike_with": Words(N_("Rated alike with"), N_("Stages customers rated almost like this one (the notes above the "
                        "chart say how closely): one model cannot tell them apart, so the drop and the chance shown are "
                        "those of the stages judged together")),
    "raw_penalty": Words(N_("Drop, one stage at a time"), N_("Raw penalty: how much lower {outcome} is for the respondents who "
                         "rated the stage in the bottom box than for everyone else who rated it, other stages not held "
                         "fixed, so it includes the halo (unhappy customers rate every stage lower)"), "number"),
    "p_adjusted": Words(N_("Chance (p)"), N_("p-value corrected for the number of stages compared (p_adjusted); "
                        "below 0.05 it is unlikely to be chance"), "p"),
    "p_value": Words(N_("Chance (p, uncorrected)"), N_("p-value of the test (p_value); below 0.05 it is unlikely to be chance"), "p"),
    "n_bad": Words(N_("Bad ratings"), N_("n_bad: respondents who rated the stage in the bottom box"), "count"),
    "bad_pct": Words(N_("Bad ratings %"), N_("bad_pct: share of the stage's answers in the bottom box"), "percent", 1),
    "n": Words(N_("Answers"), N_("n: respondents who rated the stage"), "count"),
    "n_eff": Words(N_("Effective answers"), N_("n_eff: Kish's effective sample size of the weighted answers, "
                                              "(sum of weights)² / sum of squared weights"), "number", 0),
    "rank": Words(N_("Rank"), N_("1 = fix first (the highest priority score)"), "count"),
    "level": Words(N_("Priority"), N_("Priority level from the rank: high, medium or low")),
    "quadrant": Words(N_("Place on the chart"), N_("Importance–performance quadrant (Martilla & James 1977): compares the stage "
                      "with the stages' average importance and average performance")),
    "importance": Words(N_("Importance"), N_("How much the stage moves {outcome}: the derived importance, "
                        "the association of the stage's score with {outcome} (not significant = 0)"), "number"),
    "performance": Words(N_("Score (0–100)"), N_("Performance: the mean score rescaled so the scale runs from 0 to 100"), "number", 0),
    "score_100": Words(N_("Score (0–100)"), N_("score_100: the mean score rescaled so the scale runs from 0 to 100"), "number", 0),
    "target_100": Words(N_("Target (0–100)"), N_("target_100: the stage's target on the 0–100 scale"), "number", 0),
    "gap": Words(N_("Below target"), N_("Gap: the target minus the score, in points of the 0–100 scale"), "number", 0),
    "priority_score": Words(N_("Priority score"), N_("Importance rescaled 0–1 across stages × the gap to the target"), "number"),
    "stability_top3": Words(N_("In the top three"), N_("Stability: share of bootstrap resamples in which the stage stays in the "
                            "top three"), "share"),
    "advice": Words(N_("What it means")),
    "setting": Words(N_("Setting")),
    "segment": Words(N_("Segment")),
    "value": Words(N_("Group")),
    "mean": Words(N_("Mean score"), N_("Mean of the answers on the survey's scale"), "number"),
    "rest_mean": Words(N_("Everyone else"), N_("rest_mean: mean score of the respondents outside this group"), "number"),
    "diff_vs_rest": Words(N_("Difference"), N_("diff_vs_rest: the group's mean minus the mean of everyone "
                          "else (negative = worse)"), "number"),
    "statistic": Words(N_("Test statistic"), N_("Kruskal–Wallis H statistic"), "number"),
    "n_groups": Words(N_("Groups compared"), "", "count"),
    "period_label_previous": Words(N_("Previous period")),
    "period_label_last": Words(N_("Last period")),
    "mean_previous": Words(N_("Mean then"), N_("Mean score in the previous period"), "number"),
    "mean_last": Words(N_("Mean now"), N_("Mean score in the last period"), "number"),
    "change": Words(N_("Change"), N_("Mean now minus mean then"), "number"),
    "n_previous": Words(N_("Answers then"), "", "count"),
    "n_last": Words(N_("Answers now"), "", "count"),
    "test": Words(N_("Test")),
    "u_statistic": Words(N_("Test statistic"), N_("Mann–Whitney U statistic"), "number"),
    "response_id": Words(N_("Respondent")),
    "score": Words(N_("Rating"), N_("The respondent's answer on the survey's scale"), "number", 0),
    "comment": Words(N_("Comment")),
    "due_date": Words(N_("Due date"), "", "date"),
}

#: The plain words of the comment-theme tables (``cycle_analytics.text.views``: a view's themes and
#: its comments). Their column names overlap the analysis tables' (``rank``, ``penalty``,
#: ``p_adjusted``) with another meaning, so they are a vocabulary of their own for :func:`plain_table`;
#: the theme headers are the report's (``text.messages.THEME_HEADERS``).
THEME_WORDS: dict[str, Words] = {
    "rank": Words(TM.THEME_HEADERS["rank"], N_("Rank of the theme here: 1 = the most comments"), "count"),
    "label": Words(TM.THEME_HEADERS["label"], N_("The theme's most telling words")),
    "key_words": Words(TM.THEME_HEADERS["key_words"]),
    "n_comments": Words(TM.THEME_HEADERS["n_comments"], N_("Comments whose main theme this is"), "count"),
    "share_pct": Words(TM.THEME_HEADERS["share_pct"], "", "percent", 1),
    "mean_rating": Words(TM.THEME_HEADERS["mean_rating"], N_("Mean rating of the stage (whole survey: of all stages) by "
                                                             "the writers of these comments"), "number", 1),
    "mean_sentiment": Words(TM.THEME_HEADERS["mean_sentiment"], N_("VADER compound score, from −1 (negative) to +1 "
                                                                   "(positive)"), "number"),
    "negative_pct": Words(TM.THEME_HEADERS["negative_pct"], "", "percent", 1),
    "penalty": Words(TM.THEME_HEADERS["penalty"], N_("Mean {outcome} of the other commenters minus that of those who "
                                                     "mention the theme: positive = the theme costs points"), "number"),
    "penalty_ci_low": Words(TM.THEME_HEADERS["penalty_ci_low"], "", "number"),
    "penalty_ci_high": Words(TM.THEME_HEADERS["penalty_ci_high"], "", "number"),
    "p_adjusted": Words(TM.THEME_HEADERS["p_adjusted"], N_("p-value corrected for the number of themes compared; below "
                                                           "0.05 it is unlikely to be chance"), "p"),
    "n_with": Words(TM.THEME_HEADERS["n_with"], "", "count"),
    "small_sample": Words(TM.THEME_HEADERS["small_sample"], N_("Too few respondents mention it for a reliable effect"),
                          "flag"),
    "example_1": Words(TM.THEME_HEADERS["example_1"]),
    "example_2": Words(TM.THEME_HEADERS["example_2"]),
    "example_3": Words(TM.THEME_HEADERS["example_3"]),
    "response_id": COLUMN_WORDS["response_id"],
    "stage": COLUMN_WORDS["stage"],
    "question": Words(N_("Comment question")),
    "rating": Words(N_("Writer's rating"), N_("The writer's rating of the stage (whole survey: the mean of their ratings)"),
                    "number", 1),
    "theme": Words(N_("Main theme (#)"), "", "count"),
    "themes": Words(N_("Themes mentioned")),
    "theme_share": Words(N_("Weight of the main theme"), N_("Share of the comment's words that belong to its main theme"),
                         "share"),
    "sentiment": Words(N_("Sentiment"), N_("VADER compound score, from −1 (negative) to +1 (positive)"), "number"),
    "sentiment_label": Words(N_("Tone")),
    "text": COLUMN_WORDS["comment"],
}


def words_for(column: str, outcome: str = "the outcome", vocabulary: Mapping[str, Words] | None = None) -> Words:
    """The :class:`Words` of ``column`` with the outcome's name filled in; a column without plain
    words (one a new analysis added) gets its name in words (``clean_penalty`` -> ``Clean penalty``).

    >>> words_for("penalty", "overall satisfaction").term[:49]
    'Penalty: how much lower overall satisfaction is f'
    >>> words_for("clean_penalty").label
    'Clean penalty'
    """
    w = (COLUMN_WORDS if vocabulary is None else vocabulary).get(column)
    if w is None:
        text = str(column).replace("_pct", " (%)").replace("_", " ").strip()
        return Words(text[:1].upper() + text[1:], str(column))
    term = _(w.term).format(outcome=outcome) if w.term else ""
    return Words(_(w.label).format(outcome=outcome), term, w.kind, w.digits)


#: The coded values of the columns a table shows as they are (``cycle_analytics.stats.critical.VERDICTS``
#: and ``DECLARED_VERDICTS``, the priority levels and quadrants): the code, marked for translation in
#: the context "table value" (the quadrants are the charts' names); :func:`coded_value_words` shows them.
CODED_VALUES = {
    "verdict": (NP_("table value", "critical"), NP_("table value", "pain point"), NP_("table value", "ok"),
                NP_("table value", "not enough data")),
    "declared_verdict": (NP_("table value", "confirmed"), NP_("table value", "not confirmed"),
                         NP_("table value", "not enough data")),
    "level": (NP_("table value", "high"), NP_("table value", "medium"), NP_("table value", "low")),
    "quadrant": ("Concentrate here", "Keep up the good work", "Low priority", "Possible overkill"),
}


def coded_value_words(value: str) -> str:
    """A coded table value (:data:`CODED_VALUES`) in the interface language; any other as it is.

    >>> from cycle_analytics.i18n import using_language
    >>> with using_language("es"):
    ...     coded_value_words("pain point"), coded_value_words("Concentrate here"), coded_value_words("Pago")
    ('punto de dolor', 'Concentrarse aquí', 'Pago')
    """
    if value in CODED_VALUES["quadrant"]:
        return _(value)  # the chart's quadrant names (cycle_analytics.figures.style)
    if any(value in codes for codes in CODED_VALUES.values()):
        return pgettext("table value", value)
    return value


def plain_table(table: pd.DataFrame, columns: Sequence[str], outcome: str = "the outcome",
                labels: Mapping[str, str] | None = None,
                vocabulary: Mapping[str, Words] | None = None) -> tuple[pd.DataFrame, dict[str, Words]]:
    """``(frame, words)``: the ``columns`` of ``table`` it has, in that order, under their plain
    labels (:func:`words_for`, or ``labels[column]`` where given), missing text and dates empty;
    and the :class:`Words` of each shown label (for the column tooltips and number formats).
    ``vocabulary``: the words of a table with a vocabulary of its own (:data:`THEME_WORDS`;
    default :data:`COLUMN_WORDS`).

    >>> t = pd.DataFrame({"stage": ["Pay"], "p_adjusted": [0.0004], "n_bad": [1234], "extra": [1]})
    >>> frame, words = plain_table(t, ["stage", "n_bad", "p_adjusted", "not_there"])
    >>> list(frame.columns), words["Chance (p)"].kind
    (['Stage', 'Bad ratings', 'Chance (p)'], 'p')
    """
    shown = pick_columns(table, columns)
    out: dict[str, pd.Series] = {}
    words: dict[str, Words] = {}
    for col in shown.columns:
        w = words_for(col, outcome, vocabulary)
        if labels and col in labels:
            w = Words(labels[col], w.term, w.kind, w.digits)
        label = w.label
        while label in out:  # two columns with the same plain words keep both
            label += " "
        values = shown[col]
        if w.kind == "date":
            values = pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d").fillna("").astype("str")
        elif w.kind == "text":
            values = values.astype(object).map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v)).astype("str")
            if col in CODED_VALUES:
                values = values.map(coded_value_words).astype("str")
        elif w.kind == "flag":  # a missing value is no flag
            values = values.astype(object).map(lambda v: False if v is None or v != v else bool(v)).astype("bool")
        out[label] = values.reset_index(drop=True)
        words[label] = w
    return pd.DataFrame(out), words


#: Pixels of the main column of the wide layout that a table may fill without a column being cut off.
TABLE_WIDTH = 920


def fitted_widths(table: pd.DataFrame, columns: Sequence[str], outcome: str = "the outcome",
                  total: int = TABLE_WIDTH) -> dict[str, int]:
    """Pixel widths of the shown columns (by plain label) that fill ``total``: each column gets what
    its longest value needs (about 7.5 pixels a character) and room for the start of its header
    (the full header is in its tooltip), scaled down together when they need more, so every column
    stays on screen.

    >>> t = pd.DataFrame({"stage": ["Receiving the money"], "n_bad": [61]})
    >>> fitted_widths(t, ["stage", "n_bad"])
    {'Stage': 158, 'Bad ratings': 98}
    """
    frame, _ = plain_table(table, columns, outcome)
    need = {}
    for label in frame.columns:
        longest = max([min(len(str(label)), 11)] + [len(f"{v:.2f}" if isinstance(v, float) else str(v))
                                                     for v in frame[label].head(200)])
        need[label] = max(60, int(longest * 7.5) + 16)
    scale = min(1.0, total / max(1, sum(need.values())))
    return {label: int(w * scale) for label, w in need.items()}


# ---------------------------------------------------------------- analysis pages


def rows_where(table: pd.DataFrame, column: str, value: str | tuple[str, ...]) -> pd.DataFrame:
    """The rows of ``table`` whose ``column``, as text, is ``value`` (or one of a tuple of values).

    >>> t = pd.DataFrame({"stage": pd.Categorical(["Wait", "Pay"]), "n": [3, 4]})
    >>> rows_where(t, "stage", "Pay")["n"].tolist()
    [4]
    """
    if len(table) == 0:
        return table
    values = value if isinstance(value, tuple) else (value,)
    return table[table[column].astype(str).isin(values)]


def pick_columns(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The ``columns`` of ``table`` that it has, in that order (the columns a page shows)."""
    return table[[c for c in columns if c in table.columns]]


def segment_columns(survey: Survey) -> list[str]:
    """The survey's segment columns that its responses hold."""
    return [c for c in survey.info.segments if c in survey.responses.columns]


def average_stage_score(analysis: Analysis) -> float:
    """The mean of the stages' ``score_100`` (NaN without stages): the Overview card without an outcome."""
    scores = analysis.scores
    return float(scores["score_100"].mean()) if len(scores) else float("nan")


def penalty_threshold(analysis: Analysis) -> float | None:
    """The smallest penalty that can make a stage critical, on the outcome's scale (``None`` when
    the outcome's span is unknown)."""
    span = analysis.outcome.span
    return analysis.settings.min_effect_fraction * span if span == span else None


# ---------------------------------------------------------------- action plans


def plans_for_editor(plans: pd.DataFrame) -> pd.DataFrame:
    """An action-plan table as ``st.data_editor`` edits it: every column text, the due date as
    ``YYYY-MM-DD`` (empty when there is none), so any date can be typed or pasted as text.

    >>> from cycle_analytics.outputs.plans import plans_from_priorities
    >>> plans_for_editor(plans_from_priorities(pd.DataFrame({"rank": [1], "stage": ["Pay"]})))["due_date"].tolist()
    ['']
    """
    due = pd.to_datetime(plans["due_date"])
    base = plans.assign(stage=plans["stage"].astype(object).astype(str),
                        due_date=due.dt.strftime("%Y-%m-%d").where(due.notna(), ""))
    return base[list(PLAN_COLUMNS)].astype("str").reset_index(drop=True)


#: Regions whose usual numeric date is month first (03/31/2026); elsewhere it is day first or ISO.
MONTH_FIRST_REGIONS = frozenset({"US", "PH", "BZ", "FM", "MH", "PW", "GU", "AS", "MP", "PR", "VI", "UM"})
#: Languages whose usual numeric date is year first (2026-03-31 or 2026/03/31): only ISO is read.
YEAR_FIRST_LANGUAGES = frozenset({"zh", "ja", "ko", "hu", "lt", "sv", "mn", "eu"})


def date_order_for_locale(locale: str | None) -> str:
    """How the browser's locale writes a numeric date: ``"MDY"``, ``"DMY"`` or ``"ISO"``
    (:data:`cycle_analytics.outputs.plans.DATE_ORDERS`); ``"ISO"`` when the locale is unknown.

    >>> date_order_for_locale("en-US"), date_order_for_locale("de-DE"), date_order_for_locale("ja-JP"), date_order_for_locale(None)
    ('MDY', 'DMY', 'ISO', 'ISO')
    """
    if not locale:
        return "ISO"
    parts = str(locale).replace("_", "-").split("-")
    language = parts[0].lower()
    region = next((p.upper() for p in parts[1:] if len(p) == 2), "")
    if language in YEAR_FIRST_LANGUAGES or (language, region) == ("en", "CA"):
        return "ISO"
    if region in MONTH_FIRST_REGIONS or (language == "en" and not region):
        return "MDY"
    return "DMY"


def read_plans_csv(file, stages: Sequence[str]) -> pd.DataFrame:
    """Validated action plans from an uploaded CSV (headers matched case- and space-insensitively).

    Raises ``SurveyError`` with one sentence when the file is not CSV or the plans are invalid.
    """
    try:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False)
        raw = raw.rename(columns=lambda c: str(c).strip().lower().replace(" ", "_"))
        return validate_plans(raw, stages)
    except SurveyError:
        raise
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
        raise SurveyError("The action-plan file cannot be read as CSV.") from None


# ---------------------------------------------------------------- survey builder


def segment_questions_table(segments: Sequence[tuple[str, Sequence[str]]]) -> pd.DataFrame:
    """``question, options`` rows (options comma-separated) for the segment-question editor."""
    return pd.DataFrame({"question": [n for n, _ in segments], "options": [", ".join(o) for _, o in segments]})


def segment_questions(table: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """The ``(name, options)`` segment questions of an edited :func:`segment_questions_table`
    (blank rows dropped; the questionnaire builder validates the rest)."""
    out = []
    for _, r in table.iterrows():
        name = "" if pd.isna(r.get("question")) else str(r.get("question")).strip()
        opts = "" if pd.isna(r.get("options")) else str(r.get("options"))
        if name or opts.strip():
            out.append((name, [o.strip() for o in opts.split(",") if o.strip()]))
    return out
