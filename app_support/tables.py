"""The small tables and numbers the pages show or let the user edit, and what the edits mean.

Page scripts only lay out; what they show is built here (from the package's results) and what the
user edits is read back here into the package's inputs:

* Data page: :func:`import_summary`, :func:`column_roles`, :func:`unknown_labels`, :func:`mapping_review` (the editable
  stage mapping) and :func:`stage_map_from_review`, :func:`label_map_from_picks`,
  :func:`stage_choices`, :func:`outcome_choices` and :func:`overrides_from_choices` (the form).
* Analysis pages: :func:`rows_where`, :func:`pick_columns`, :func:`segment_columns`, :func:`average_stage_score`, :func:`penalty_threshold`.
* Action plans: :func:`plans_for_editor`, :func:`read_plans_csv`.
* Survey builder: :func:`segment_questions_table`, :func:`segment_questions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from cycle_analytics.dataset import ColumnRole, DatasetInfo, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.outputs.plans import PLAN_COLUMNS, validate_plans
from cycle_analytics.stats.analysis import Analysis

NOT_A_STAGE = "not a stage"
UNMAPPED = "(leave unknown)"  # an unknown answer label left as it is
NA_CHOICE = "N/A (no answer)"  # an unknown answer label read as no answer
GUESS = "(guess)"  # outcome column: the importer's guess
INFER = "(infer)"  # scale: inferred from the answers
SCALE_CHOICES = (INFER, "1-5", "1-7", "1-10", "0-10")
_NOT_CANDIDATES = ("id", "date", "dropped_personal", "comment", "score", "stage_name")  # roles never mapped to a stage
_METADATA = ("metadata",)


# ---------------------------------------------------------------- Data page: what the importer did


def import_summary(info: DatasetInfo) -> pd.DataFrame:
    """``item, value`` rows describing an import, with the row identity read = accepted + rejected."""
    identity = "holds" if info.rows_read == info.rows_accepted + info.rows_rejected else "DOES NOT HOLD"
    return pd.DataFrame({
        "item": ["format", "rows read = accepted + rejected", "outcome", "outcome candidates", "segments", "date column",
                 "comment column", "N/A codes", "answers read as N/A", "scale source", "stages"],
        "value": [info.format, f"{info.rows_read:,} = {info.rows_accepted:,} + {info.rows_rejected:,} ({identity})",
                  info.outcome or "none (proxy)", ", ".join(info.outcome_candidates) or "none", ", ".join(info.segments) or "none",
                  info.date_column or "none", info.comment_column or "none", ", ".join(map(str, info.na_values)) or "none",
                  f"{info.na_answers:,}", info.scale_source, " → ".join(info.stages)],
    })


def unknown_labels(info: DatasetInfo) -> pd.DataFrame:
    """``label, count, columns``: the answer labels the import did not know (``info.unknown_labels``),
    most answers first; ``columns`` joined with ``"; "``."""
    rows = [{"label": u.label, "count": int(u.count), "columns": "; ".join(u.columns)} for u in info.unknown_labels]
    return pd.DataFrame(rows, columns=["label", "count", "columns"]).astype({"label": "str", "count": "int64", "columns": "str"})


def column_roles(info: DatasetInfo) -> pd.DataFrame:
    """``column, role, detail, question``: what the importer made of each input column."""
    return pd.DataFrame([{"column": r.column, "role": r.role, "detail": r.detail, "question": r.question} for r in info.columns])


# ---------------------------------------------------------------- Data page: the stage mapping review


def stage_of(role: ColumnRole, stages: Sequence[str]) -> tuple[str, str, float | None]:
    """``(stage, method, confidence)`` of a column, read from its role detail (``"stage 'X' (fuzzy, 91%)"``)."""
    if role.role != "stage":
        return NOT_A_STAGE, "", None
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
        if r.role == "ignored" and any(w in (r.detail or "") for w in _METADATA):
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


def overrides_from_choices(current: Mapping, *, stages: Sequence[str], stage_default: Sequence[str], na_text: str,
                           scale: str, outcome: str, positive: str) -> dict:
    """The import options of the submitted form (the stage and label mappings are kept)."""
    new = {k: current[k] for k in ("stage_map", "label_map") if current.get(k)}
    if stages and list(stages) != list(stage_default) or (stages and current.get("stages")):
        new["stages"] = tuple(stages)
    na = tuple(x.strip() for x in na_text.split(",") if x.strip())
    if na:
        new["na_values"] = na
    if scale != INFER:
        new["scale"] = scale
    if outcome != GUESS:
        new["outcome"] = outcome
    if positive.strip():
        new["positive"] = positive.strip()
    return new


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
    """An action-plan table as ``st.data_editor`` edits it: stage as text, due date as a date."""
    base = plans.assign(stage=plans["stage"].astype(object).astype(str), due_date=pd.to_datetime(plans["due_date"]).dt.date)
    return base[list(PLAN_COLUMNS)]


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
