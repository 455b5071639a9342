"""The tidy survey: what every importer produces and every analysis reads.

Conventions (relied on across the package; see docs/architecture.md):

``Survey.ratings`` - one row per answered stage
    ``response_id`` : category. Its categories are exactly ``responses.response_id`` in the
                      same order, so ``ratings.response_id.cat.codes`` indexes ``responses`` rows.
    ``stage``       : ordered category, categories = ``info.stages`` (cycle order).
    ``score``       : float64, always a whole point of ``info.scale`` (N/A answers are not rows).

``Survey.responses`` - one row per respondent, in code order
    ``response_id`` : category (see above).
    ``date``        : datetime64 column, present only when the file has a date.
    segment columns : category, named as in the file (listed in ``info.segments``).
    outcome columns : as read (float64 for ratings, str for binary labels), listed in
                      ``info.outcome_candidates``; ``info.outcome`` is the default choice.
    comment columns : str, one per open-text question, named as in the file and listed in
                      ``info.comment_columns`` (:class:`CommentColumn`: the stage a comment is tied
                      to, if any, and the question text).
    ``comment``     : str, the general comment (``info.comment_column``): the first comment column
                      not tied to a stage, else the first one; the same texts as that column.
    importance columns : float64, a stated importance per stage (``info.importance_columns``).
    weight column   : float64, the survey weight (``info.weight_column``; NaN = none on that row),
                      applied by :class:`cycle_analytics.stats.survey_tables.SurveyTables`.
    ``duration``    : float64 seconds the respondent took (NaN = unknown), present only when the file
                      has a duration column or start and end times (``info.duration_source``).

``Survey.rejected`` - one row per rejected data row (a row that is unusable as a whole)
    ``row`` (1-based data row number in the file, header rows not counted), ``reason``, then the
    row's original cells as text under their original column names.

``Survey.invalid`` - one row per invalid answer of an accepted row (the answer is lost, not the row)
    ``row`` (1-based data row number), ``column`` (the stage or score column), ``value`` (the cell
    as written) and ``reason``.

Answer accounting (``info``): ``answers_read == ratings + no_answers + invalid_answers``, where an
answer is a stage cell of an accepted row (wide) or the score of an accepted row (long).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from cycle_analytics.cycles import Cycle
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale


@dataclass(frozen=True)
class ColumnRole:
    """What the importer made of one input column.

    ``detail`` says it for people (in the interface language of the import); code reads the
    structured fields, never the detail's words: a stage column's ``stage``, how it was matched
    (``match``: ``"exact"``, ``"alias"``, ``"fuzzy"``, ``"saved"``, ``"your mapping"``, ``"column name"``
    or ``""`` for a name taken from the file) and the match's ``confidence`` (0-1, fuzzy matches);
    an ignored column's ``match`` is ``"metadata"`` for survey-tool metadata.
    """

    column: str
    role: str  # one of ROLES
    detail: str = ""  # e.g. the stage it maps to, or why it is not a stage
    question: str = ""  # question text where the file carries one (survey-tool exports)
    stage: str | None = None
    match: str = ""
    confidence: float | None = None


ROLES = ("id", "stage", "score", "stage_name", "outcome", "segment", "date", "comment", "importance", "weight", "duration",
         "ignored", "dropped_personal")


@dataclass(frozen=True)
class CommentColumn:
    """An open-text question kept as comments: its column (in the file and in ``Survey.responses``),
    the stage it is tied to (``None``: a general comment) and its question text."""

    column: str
    stage: str | None
    question: str


@dataclass(frozen=True)
class NaCode:
    """A value read as *no answer* in the stage (or score) columns, with how many answers hold it
    and why. ``source``: ``"user"`` (the user's N/A codes), ``"file"`` (declared missing in an
    SPSS or Stata file), ``"inferred"`` (a value just outside a clean scale) or ``"default"`` (a
    built-in missing-answer token such as ``NA`` or ``Don't know``)."""

    value: str
    answers: int
    reason: str
    source: str = "inferred"


@dataclass(frozen=True)
class ImportanceColumn:
    """A stated-importance question paired with a stage's rating question (``qi6`` with ``q6``,
    "How important is ..."): its answers are in ``Survey.responses[column]``, not a stage."""

    column: str
    stage: str
    question: str = ""


INVALID_COLUMNS = ("row", "column", "value", "reason")


def empty_invalid() -> pd.DataFrame:
    """An empty ``Survey.invalid`` table (``row`` int64; ``column``, ``value``, ``reason`` str)."""
    return pd.DataFrame({"row": pd.Series([], dtype="int64"), "column": pd.Series([], dtype="str"),
                         "value": pd.Series([], dtype="str"), "reason": pd.Series([], dtype="str")})


@dataclass(frozen=True)
class OutcomeSpec:
    """The overall result a stage can spoil.

    kind: ``"rating"`` (numeric on ``scale``), ``"binary"`` (text or 0/1 column; ``positive`` is the
    label counted as 1) or ``"proxy"`` (no outcome: each respondent's mean over their other stages).
    """

    column: str | None
    kind: str = "rating"
    scale: Scale | None = None
    positive: str | None = None
    label: str = ""

    @property
    def is_proxy(self) -> bool:
        return self.kind == "proxy"

    @property
    def span(self) -> float:
        """Width of the outcome's scale (1.0 for a binary outcome coded 0/1)."""
        if self.kind == "binary":
            return 1.0
        if self.scale is None:
            return float("nan")
        return float(self.scale.maximum - self.scale.minimum)

    def display(self) -> str:
        if self.is_proxy:
            return _("mean of the other stages (proxy: no outcome chosen)")
        return self.label or str(self.column)


PROXY_OUTCOME = OutcomeSpec(column=None, kind="proxy", label="Mean of the other stages (proxy)")


@dataclass(frozen=True)
class ImportOptions:
    """What the user told the importer; every field is optional (``None`` = infer)."""

    cycle: Cycle | None = None
    sheet: str | None = None
    stages: tuple[str, ...] | None = None  # column headers or question texts (wide) / stage values (long)
    outcome: str | None = None
    positive: str | None = None
    na_values: tuple[str, ...] = ()
    scale: Scale | None = None
    segments: tuple[str, ...] | None = None  # None = infer; () = no segments
    date: str | None = None  # the response-date column; None = infer; "" = the file has none
    weight: str | None = None  # the survey-weight column; None = infer (proposed); "" = no weight
    layout: str | None = None  # "long" | "wide" | None (detect)
    max_bytes: int | None = 200 * 1024 * 1024
    keep_personal: bool = False
    label_map: tuple[tuple[str, float | None], ...] = ()  # user's extra answer labels: (label, score or None = N/A)
    # The user's reviewed question -> stage mapping (wide files and exports): (column, stage name or
    # None = "not a stage"). Columns it names override every guess; stage order = cycle order, else
    # the order of first appearance here.
    stage_map: tuple[tuple[str, str | None], ...] = ()
    # Read the values just outside a clean scale (0 or 6 on 1-5, 11 on 0-10, 99) as N/A codes. The
    # Data page turns it off when the manager sets the N/A codes: then only ``na_values`` (and the
    # built-in missing-answer tokens) are no answer.
    infer_na_codes: bool = True


def validate_import_options(options: ImportOptions) -> ImportOptions:
    """Check the options the importer relies on; returns them.

    Raises :class:`~cycle_analytics.errors.SurveyError` when ``options`` is not an
    :class:`ImportOptions`, or its layout, scale or cycle has the wrong kind of value.

    >>> validate_import_options(ImportOptions(layout="wide")).layout
    'wide'
    """
    if not isinstance(options, ImportOptions):
        raise SurveyError(_("The import options must be an ImportOptions, not a {name}.").format(name=type(options).__name__))
    if options.layout not in (None, "long", "wide"):
        raise SurveyError(_("The layout must be 'long' or 'wide', not {layout!r}.").format(layout=options.layout))
    if options.scale is not None and not isinstance(options.scale, Scale):
        raise SurveyError(_("The scale must be a Scale such as 1-5, not {scale!r}.").format(scale=options.scale))
    if options.cycle is not None and not isinstance(options.cycle, Cycle):
        raise SurveyError(_("The cycle option must be a Cycle (load one with cycles.load_cycle)."))
    if options.weight is not None and not isinstance(options.weight, str):
        raise SurveyError(_("The weight option must be a column name, or an empty text for no weight, not {weight!r}.").format(weight=options.weight))
    return options


@dataclass(frozen=True)
class UnknownLabel:
    """An answer text in a label column that no label set, number or user mapping explains.

    ``count``: answers holding it; ``columns``: the columns it occurs in, in file order.
    """

    label: str
    count: int
    columns: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))  # a list read back from JSON


#: The kind of a row rejected because its respondent id repeats an earlier row's (a key of
#: ``DatasetInfo.rejected_by_kind``): counted from this, never from the reason's words, which are
#: in the manager's language.
REJECTED_REPEATED_ID = "repeated_id"

#: The items of an import reading the Data page confirms, in order (keys of ``DatasetInfo.reasons``).
READING_ITEMS = ("stages", "scale", "na_codes", "outcome", "segments", "date")


@dataclass(frozen=True)
class DatasetInfo:
    """The import summary: accounting, detected structure and what was assumed."""

    format: str  # "long", "wide", or a survey tool ("qualtrics", ...)
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    respondents: int
    ratings: int
    scale: Scale
    stages: tuple[str, ...]
    outcome: str | None = None
    outcome_candidates: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    id_column: str | None = None
    date_column: str | None = None
    comment_column: str | None = None
    na_values: tuple[str, ...] = ()
    na_answers: int = 0  # answers read as "no answer" through N/A codes
    unknown_labels: tuple[UnknownLabel, ...] = ()  # most answers first (the notes say the same in words)
    scale_source: str = "inferred"  # "inferred" | "user" | "cycle" | "labels"
    columns: tuple[ColumnRole, ...] = ()
    notes: tuple[str, ...] = ()
    source: dict = field(default_factory=dict)  # encoding, delimiter, sheet, file name
    answers_read: int = 0  # stage cells of accepted rows (wide) / scores of accepted rows (long)
    no_answers: int = 0  # empty cells and N/A answers among them
    invalid_answers: int = 0  # not a number, outside the scale, unknown label (listed in Survey.invalid)
    na_codes: tuple[NaCode, ...] = ()  # what was read as no answer, with counts and reasons
    comment_columns: tuple[CommentColumn, ...] = ()
    weight_column: str | None = None  # the survey weight the figures apply (ImportOptions.weight; None: unweighted)
    importance_columns: tuple[ImportanceColumn, ...] = ()
    # why the importer read the stages, scale, N/A codes, outcome, segments and date as it did
    # (keys of READING_ITEMS, one sentence each; the Data page's "what we read")
    reasons: dict = field(default_factory=dict)
    # where ``responses["duration"]`` comes from: a column, or "EndDate - StartDate" (None: no duration)
    duration_source: str | None = None
    # rejected rows counted by a machine-readable kind (REJECTED_REPEATED_ID ...); the reasons in
    # ``Survey.rejected`` are sentences for people
    rejected_by_kind: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "format": self.format,
            "rows_read": int(self.rows_read),
            "rows_accepted": int(self.rows_accepted),
            "rows_rejected": int(self.rows_rejected),
            "respondents": int(self.respondents),
            "ratings": int(self.ratings),
            "scale": self.scale.as_list(),
            "scale_source": self.scale_source,
            "outcome": self.outcome,
            "outcome_candidates": list(self.outcome_candidates),
            "stages": list(self.stages),
            "segments": list(self.segments),
            "id_column": self.id_column,
            "date_column": self.date_column,
            "comment_column": self.comment_column,
            "na_values": list(self.na_values),
            "na_answers": int(self.na_answers),
            "unknown_labels": [{"label": u.label, "count": int(u.count), "columns": list(u.columns)} for u in self.unknown_labels],
            "columns": [{"column": c.column, "role": c.role, "detail": c.detail} for c in self.columns],
            "notes": list(self.notes),
            "source": dict(self.source),
            "answers_read": int(self.answers_read),
            "no_answers": int(self.no_answers),
            "invalid_answers": int(self.invalid_answers),
            "na_codes": [{"value": c.value, "answers": int(c.answers), "reason": c.reason, "source": c.source}
                         for c in self.na_codes],
            "comment_columns": [{"column": c.column, "stage": c.stage, "question": c.question} for c in self.comment_columns],
            "weight_column": self.weight_column,
            "importance_columns": [{"column": c.column, "stage": c.stage, "question": c.question}
                                   for c in self.importance_columns],
            "reasons": dict(self.reasons),
            "duration_source": self.duration_source,
            "rejected_by_kind": {k: int(v) for k, v in self.rejected_by_kind.items()},
        }


@dataclass(frozen=True)
class Survey:
    """An imported survey (see the module docstring for the table contracts)."""

    ratings: pd.DataFrame
    responses: pd.DataFrame
    rejected: pd.DataFrame
    info: DatasetInfo
    cycle: Cycle | None = None
    invalid: pd.DataFrame = field(default_factory=empty_invalid)

    @property
    def scale(self) -> Scale:
        return self.info.scale

    @property
    def stages(self) -> tuple[str, ...]:
        return self.info.stages

    def declared_critical(self) -> tuple[str, ...]:
        return declared_critical(self.cycle, self.info.stages)

    def targets(self) -> dict[str, float]:
        """Target score per stage on the survey's scale (cycle target, else the top of the scale)."""
        return stage_targets(self.cycle, self.info.stages, self.scale)

    def phases(self) -> dict[str, str | None]:
        if self.cycle is None:
            return {s: None for s in self.info.stages}
        by_name = {st.name: st.phase for st in self.cycle.stages}
        return {s: by_name.get(s) for s in self.info.stages}


def declared_critical(cycle: Cycle | None, stages) -> tuple[str, ...]:
    """The stages the cycle declares critical moments, among ``stages`` (none without a cycle)."""
    if cycle is None:
        return ()
    return tuple(s.name for s in cycle.stages if s.critical and s.name in stages)


def stage_targets(cycle: Cycle | None, stages, scale: Scale) -> dict[str, float]:
    """Target score per stage on ``scale``: the cycle's target, else the top of the scale."""
    out = {s: float(scale.maximum) for s in stages}
    if cycle is not None:
        for st in cycle.stages:
            if st.name in out and st.target is not None:
                out[st.name] = float(st.target)
    return out


def subset_responses(survey: Survey, keep: np.ndarray) -> Survey:
    """A survey restricted to the respondents where ``keep`` (bool, one per ``responses`` row) is true.

    Codes are kept compact: the result again satisfies the code-order convention.
    """
    keep = np.asarray(keep, dtype=bool)
    if keep.all():
        return survey
    responses = survey.responses.loc[keep].reset_index(drop=True)
    kept_ids = responses["response_id"].astype(str).to_numpy() if len(responses) else np.array([], dtype=object)
    new_codes = np.full(len(keep), -1, dtype=np.int64)
    new_codes[keep] = np.arange(int(keep.sum()))
    old_codes = survey.ratings["response_id"].cat.codes.to_numpy()
    mask = keep[old_codes] if len(old_codes) else np.zeros(0, dtype=bool)
    cats = pd.Index(kept_ids, dtype="str")
    ratings = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(new_codes[old_codes[mask]], categories=cats),
            "stage": survey.ratings["stage"][mask].reset_index(drop=True),
            "score": survey.ratings["score"].to_numpy()[mask],
        }
    )
    responses["response_id"] = pd.Categorical.from_codes(np.arange(len(responses)), categories=cats)
    info = replace(survey.info, respondents=len(responses), ratings=len(ratings))
    return replace(survey, ratings=ratings, responses=responses, info=info)
