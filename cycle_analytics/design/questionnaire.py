"""From a service cycle to the next satisfaction survey: the questionnaire and its checks.

:func:`build_questionnaire` turns a :class:`~cycle_analytics.cycles.Cycle` into a
:class:`Questionnaire`: one rating question per stage (the stage's ``question``, else "How
satisfied or dissatisfied were you with <stage>?") on the chosen scale and label set, an overall
satisfaction question, a 0-10 likelihood-to-recommend question, an optional comment per declared
critical stage and segment questions (channel, customer type, branch, ...). Every question is
checked with :func:`cycle_analytics.design.wording.check_question`.

The exports (printable HTML, CSV template, Qualtrics TXT, Google Forms list) are in
:mod:`cycle_analytics.design.exporters`; :func:`fill_template` simulates answers in the CSV
template's columns.

Import with ``ImportOptions(cycle=questionnaire.cycle)``: it is the input cycle with the chosen
scale and every stage's question text filled in, so that exports whose headers carry the question
text (Google Forms, Qualtrics' second header row) map too.

Languages: the questionnaire is written in the interface language (:mod:`cycle_analytics.i18n`):
the generated questions, the answer labels (the catalogue's translations of the label sets of
:mod:`cycle_analytics.ingest.labels`, which also hold them, so the answers are read back with no
mapping), the "Not applicable" answer, the comment columns and the default segment questions. The
stage questions are the cycle's own (translate a template with
:func:`cycle_analytics.cycles.localized_cycle`). The technical columns (``respondent_id``, ``date``,
``overall_satisfaction``, ``recommend``) keep their names in every language.

The designer helpers :func:`stages_table` and :func:`cycle_from_table` convert a cycle to and from
the editable table of the cycle designer page.

Examples
--------
>>> from cycle_analytics.cycles import load_cycle
>>> q = build_questionnaire(load_cycle("hotel_stay"), segments=(("Channel", ("Website", "Phone")),))
>>> [x.kind for x in q.questions][:3], q.questions[1].options[0]
(['segment', 'rating', 'rating'], '1 - Very dissatisfied')
>>> q.columns[:4]
('respondent_id', 'date', 'Channel', 'Booking')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from cycle_analytics.cycles import Cycle, Stage, cycle_from_dict, normalise_key
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, current_language, ngettext, pgettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.labels import LABEL_SETS
from cycle_analytics.scales import Scale, parse_scale
from cycle_analytics.design.wording import WordingWarning, check_question

__all__ = [
    "Question", "Questionnaire", "build_questionnaire", "optional_stages", "scale_options",
    "validate_questionnaire", "fill_template",
    "stages_table", "cycle_from_table", "default_segments", "answer_label", "SCALES", "LABEL_SET_NAMES",
    "LABEL_SET_TITLES", "DEFAULT_SEGMENTS", "KINDS", "ANSWER_LABEL_CONTEXT",
    "ID_COLUMN", "DATE_COLUMN", "OVERALL_COLUMN", "RECOMMEND_COLUMN", "RECOMMEND_LABELS", "NA_LABEL", "TABLE_COLUMNS",
]

SCALES = ("1-5", "1-7", "1-10", "0-10")
LABEL_SET_NAMES = ("satisfaction", "agreement", "quality", "ease")
#: Each label set by its two ends, as the survey builder offers it (translated where shown).
LABEL_SET_TITLES = {"satisfaction": N_("Very dissatisfied … Very satisfied"),
                    "agreement": N_("Strongly disagree … Strongly agree"),
                    "quality": N_("Poor … Excellent"), "ease": N_("Very difficult … Very easy")}
#: The gettext context of answer labels ("Fair" as a quality, not as justice).
ANSWER_LABEL_CONTEXT = "answer label"
KINDS = ("segment", "rating", "overall", "recommend", "comment")
ID_COLUMN, DATE_COLUMN = "respondent_id", "date"
OVERALL_COLUMN, RECOMMEND_COLUMN = "overall_satisfaction", "recommend"
NA_LABEL = N_("Not applicable")  # translated in the questionnaire; every translation is a no-answer label of the importer
MAX_SEGMENT_OPTIONS = 30  # the importer reads a text column with more values as free text, not a segment
#: The segment questions offered by default (English; :func:`default_segments` gives them translated).
DEFAULT_SEGMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("Channel"), (N_("In person"), N_("By phone"), N_("Online"))),
    (N_("Customer type"), (N_("New customer"), N_("Existing customer"))),
)
RECOMMEND_LABELS = (N_("Not at all likely"), N_("Extremely likely"))  # the ends of the 0-10 scale, translated where used
TABLE_COLUMNS = ("order", "name", "phase", "critical", "target", "description", "question", "aliases")

# "only guests who ...", "not every customer", "if applicable": stages some customers skip (English,
# Indonesian "hanya bagi tamu ...", "tidak semua pelanggan", "jika ada", Spanish "solo los huéspedes
# ...", "no todos los clientes", "si corresponde").
_OPTIONAL_RE = re.compile(
    r"\bonly\s+(?:for\s+)?(?:the\s+)?(?:customers|guests|clients|people|those|users|visitors|members|patients|"
    r"passengers|respondents|buyers)\b|\bnot\s+(?:every|all)\s+(?:customers?|guests?|clients?|users?)\b"
    r"|\bif\s+applicable\b|\bapplies\s+only\b|\boptional\b|\bsome\s+(?:customers|guests|clients)\b"
    r"|\bhanya\s+(?:bagi|untuk)\s+(?:para\s+)?(?:pelanggan|tamu|nasabah|pengguna|pengunjung|pembeli|penumpang|pasien)\b"
    r"|\btidak\s+semua\s+(?:pelanggan|tamu|nasabah|pengguna)\b|\bjika\s+(?:ada|berlaku)\b|\bopsional\b"
    r"|\bsebagian\s+(?:pelanggan|tamu|nasabah)\b"
    r"|\bs[oó]lo\s+(?:para\s+)?(?:los\s+|las\s+)?(?:clientes|huéspedes|usuarios|visitantes|pasajeros|pacientes|compradores)\b"
    r"|\bno\s+todos\s+los\s+(?:clientes|huéspedes|usuarios)\b|\bsi\s+(?:corresponde|aplica|procede)\b|\bopcional\b"
    r"|\balgunos\s+(?:clientes|huéspedes|usuarios)\b",
    re.IGNORECASE,
)
#: The stem that marks a satisfaction question, per language (for the note on mismatched labels).
_SATISFACTION_STEM = {"en": "satisf", "id": "puas", "es": "satisf"}


# --------------------------------------------------------------------------------------------
# Data model


@dataclass(frozen=True)
class Question:
    """One question of a :class:`Questionnaire`.

    ``id``: unique, letters, digits and underscores (Qualtrics question ID); ``column``: the CSV
    template column that holds its answers; ``kind``: one of :data:`KINDS`; ``options``: the answer
    choices as shown (rating and recommend: ``"<value> - <label>"`` or the bare value); ``values``:
    the number recorded for each option (empty for segments and comments); ``na_option``: the
    label of the "Not applicable" answer, or ``None``; ``warnings``: wording problems.
    """

    id: str
    kind: str
    text: str
    column: str
    stage: str | None = None
    options: tuple[str, ...] = ()
    values: tuple[int, ...] = ()
    na_option: str | None = None
    required: bool = False
    warnings: tuple[WordingWarning, ...] = ()


@dataclass(frozen=True)
class Questionnaire:
    """A generated questionnaire (see :func:`build_questionnaire`)."""

    title: str
    intro: str
    cycle: Cycle
    scale: Scale
    label_set: str
    questions: tuple[Question, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """The CSV template columns, in order."""
        return (ID_COLUMN, DATE_COLUMN) + tuple(q.column for q in self.questions)

    def by_kind(self, kind: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.kind == kind)

    def warnings_table(self) -> pd.DataFrame:
        """One row per wording warning: ``question_id, column, kind, stage, rule, message, excerpt``."""
        rows = [
            {"question_id": q.id, "column": q.column, "kind": q.kind, "stage": q.stage or "", "rule": w.rule,
             "message": w.message, "excerpt": w.excerpt}
            for q in self.questions for w in q.warnings
        ]
        cols = ["question_id", "column", "kind", "stage", "rule", "message", "excerpt"]
        return pd.DataFrame(rows, columns=cols).astype("str") if rows else pd.DataFrame({c: pd.Series([], dtype="str") for c in cols})


# --------------------------------------------------------------------------------------------
# Helpers


def _safe_id(text: str, used: set[str]) -> str:
    base = re.sub(r"[^0-9A-Za-z]+", "_", str(text)).strip("_") or "q"
    if base[0].isdigit():
        base = "q_" + base
    base = base[:60]
    out, k = base, 2
    while out.casefold() in used:
        out = f"{base}_{k}"
        k += 1
    used.add(out.casefold())
    return out


def _lower_first(name: str) -> str:
    """``name`` with a capital first letter lowered when it starts an ordinary word ("Booking" ->
    "booking", "ATM" stays), for use inside a sentence."""
    name = name.strip()
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        name = name[0].lower() + name[1:]
    return name


def _default_question(stage: Stage) -> str:
    return _("How satisfied or dissatisfied were you with {stage}?").format(stage=_lower_first(stage.name))


def answer_label(label: str) -> str:
    """An answer label of :data:`~cycle_analytics.ingest.labels.LABEL_SETS` (its first, English
    synonym) in the interface language.

    >>> from cycle_analytics.i18n import using_language
    >>> with using_language("id"):
    ...     answer_label("Very satisfied")
    'Sangat puas'
    """
    return pgettext(ANSWER_LABEL_CONTEXT, label) if label else label


def _variant_labels(label_set: str, scale: Scale) -> tuple[str, ...]:
    """One label per scale point ('' for unlabelled points), in the interface language."""
    family = [v for v in LABEL_SETS if v.family == label_set]
    if not family:
        raise SurveyError(_("The label set {name!r} is not one of {names}.").format(name=label_set, names=", ".join(LABEL_SET_NAMES)))
    for v in family:
        if len(v.points) == scale.points:
            return tuple(answer_label(p[0]) for p in v.points)
    first = family[0]
    labels = [""] * scale.points
    labels[0], labels[-1] = answer_label(first.points[0][0]), answer_label(first.points[-1][0])
    return tuple(labels)


def default_segments() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """:data:`DEFAULT_SEGMENTS` in the interface language."""
    return tuple((_(name), tuple(_(o) for o in options)) for name, options in DEFAULT_SEGMENTS)


def scale_options(scale: Scale | str, label_set: str = "satisfaction") -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Answer choices and their values for a rating question.

    >>> scale_options("1-5")[0][:2]
    ('1 - Very dissatisfied', '2 - Dissatisfied')
    >>> from cycle_analytics.i18n import using_language
    >>> with using_language("es"):
    ...     scale_options("1-5")[0][2]
    '3 - Ni satisfecho ni insatisfecho'
    >>> scale_options("0-10")[0][:2], scale_options("0-10")[1][-1]
    (('0 - Very dissatisfied', '1'), 10)
    """
    sc = parse_scale(scale) if isinstance(scale, str) else scale
    labels = _variant_labels(label_set, sc)
    opts = tuple(f"{v} - {lab}" if lab else str(v) for v, lab in zip(sc.values, labels))
    return opts, tuple(int(v) for v in sc.values)


def optional_stages(cycle: Cycle) -> tuple[str, ...]:
    """Stages whose description or question says not every customer goes through them.

    A heuristic on the words ("only guests who...", "not every customer", "if applicable",
    "optional"); the survey builder offers these a "Not applicable" answer by default.

    >>> from cycle_analytics.cycles import load_cycle
    >>> optional_stages(load_cycle("online_purchase"))
    ('Returns',)
    """
    return tuple(s.name for s in cycle.stages if _OPTIONAL_RE.search(f"{s.description} {s.question}"))


def _validate_segments(segments, cycle: Cycle) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if segments is None:
        return ()
    if isinstance(segments, dict):
        segments = tuple(segments.items())
    out = []
    seen: set[str] = set()
    reserved = {normalise_key(c) for c in (ID_COLUMN, DATE_COLUMN, OVERALL_COLUMN, RECOMMEND_COLUMN)}
    for item in segments:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise SurveyError(_("Each segment question must be a (name, options) pair, for example ('Channel', ['Phone', 'Online'])."))
        name, options = str(item[0]).strip(), item[1]
        if isinstance(options, str):
            options = [o for o in options.split(",")]
        options = tuple(dict.fromkeys(str(o).strip() for o in options if str(o).strip()))
        if not name:
            raise SurveyError(_("A segment question has no name."))
        key = normalise_key(name)
        if key in seen or key in reserved:
            raise SurveyError(_("The segment {name!r} repeats the name of another column of the survey.").format(name=name))
        if cycle.find_stage(name) is not None:
            raise SurveyError(_("The segment {name!r} has the name of the stage {stage!r}; rename the segment.").format(
                name=name, stage=cycle.find_stage(name).name))
        if "comment" in key or "date" in key or key.endswith("id") or "overall" in key or "recommend" in key or "satisf" in key:
            raise SurveyError(_("The segment name {name!r} would be read as another kind of column (id, date, outcome or "
                                "comment); rename it.").format(name=name))
        if len(options) < 2:
            raise SurveyError(_("The segment {name!r} needs at least two answer options.").format(name=name))
        if len(options) > MAX_SEGMENT_OPTIONS:
            raise SurveyError(_("The segment {name!r} has {n} options; at most {maximum} can be analysed as groups.").format(
                name=name, n=len(options), maximum=MAX_SEGMENT_OPTIONS))
        numeric = [o for o in options if re.fullmatch(r"[+-]?\d+(?:[.,]\d+)?", o)]
        if numeric:
            raise SurveyError(_("The segment {name!r} has the option {option!r}, a bare number; use words (for example "
                                "'Branch {option}').").format(name=name, option=numeric[0]))
        seen.add(key)
        out.append((name, options))
    return tuple(out)


def _validate_options(cycle, scale, label_set, na_for) -> tuple[Scale, tuple[str, ...] | None]:
    if not isinstance(cycle, Cycle):
        raise SurveyError(_("The survey builder needs a Cycle (load one with cycles.load_cycle)."))
    if not cycle.stages:
        raise SurveyError(_("The cycle {name!r} has no stages to ask about.").format(name=cycle.name))
    sc = scale if isinstance(scale, Scale) else parse_scale(str(scale))
    if label_set not in LABEL_SET_NAMES:
        raise SurveyError(_("The label set {name!r} is not one of {names}.").format(name=label_set, names=", ".join(LABEL_SET_NAMES)))
    if na_for is None or na_for == "auto":
        return sc, None
    if na_for == "all":
        return sc, cycle.stage_names
    if isinstance(na_for, str):
        na_for = (na_for,)
    names = []
    for s in na_for:
        stg = cycle.find_stage(str(s))
        if stg is None:
            raise SurveyError(_("The stage {stage!r} given for a 'Not applicable' answer is not in the cycle {name!r}.").format(
                stage=s, name=cycle.name))
        names.append(stg.name)
    return sc, tuple(names)


# --------------------------------------------------------------------------------------------
# Building


def build_questionnaire(
    cycle: Cycle,
    *,
    scale: str | Scale = "1-5",
    label_set: str = "satisfaction",
    include_overall: bool = True,
    include_recommend: bool = True,
    comment_on_critical: bool = True,
    segments: Sequence[tuple[str, Sequence[str]]] | dict | None = DEFAULT_SEGMENTS,
    na_for: Iterable[str] | str | None = None,
    organisation: str | None = None,
    title: str | None = None,
) -> Questionnaire:
    """Generate the questionnaire of a service cycle.

    Parameters
    ----------
    cycle : Cycle
    scale : str or Scale
        Scale of the stage and overall questions (``"1-5"``, ``"1-7"``, ``"1-10"``, ``"0-10"``).
    label_set : str
        Answer labels: ``"satisfaction"``, ``"agreement"``, ``"quality"`` or ``"ease"`` (every point
        labelled when the set has that many points, else the two ends only).
    include_overall, include_recommend, comment_on_critical : bool
        Add the overall satisfaction question, the 0-10 recommend question, one optional comment
        per declared critical stage.
    segments : sequence of (name, options), optional
        Segment questions asked first (e.g. ``[("Branch", ["North", "South"])]``); the default,
        :data:`DEFAULT_SEGMENTS`, is asked in the interface language.
    na_for : iterable of stage names, ``"all"`` or None
        Stages offered a "Not applicable" answer; ``None`` = :func:`optional_stages`.
    organisation : str, optional
        How the recommend question names the organisation ("How likely are you to recommend us...";
        default "us" in the interface language).
    title : str, optional
        Questionnaire title (default: the cycle's name).

    Returns
    -------
    Questionnaire
        ``cycle`` is the input cycle with ``scale`` set and empty stage questions filled in.

    Raises
    ------
    SurveyError
        On an unknown scale or label set, a stage not in the cycle, or segment questions whose
        names or options the importer could not read back as segments.

    Examples
    --------
    >>> from cycle_analytics.cycles import load_cycle
    >>> q = build_questionnaire(load_cycle("online_purchase"), segments=())
    >>> [x.column for x in q.questions if x.na_option]
    ['Returns']
    >>> q.by_kind("recommend")[0].values[:2], q.by_kind("comment")[0].column
    ((0, 1), 'Comment on Payment')
    """
    sc, na_names = _validate_options(cycle, scale, label_set, na_for)
    optional = set(optional_stages(cycle))
    na_set = optional if na_names is None else set(na_names)
    segs = _validate_segments(default_segments() if segments is DEFAULT_SEGMENTS else segments, cycle)
    na_label = _(NA_LABEL)
    used: set[str] = {ID_COLUMN, DATE_COLUMN}
    questions: list[Question] = []
    options, values = scale_options(sc, label_set)

    for name, opts in segs:
        if name.endswith("?"):
            text = name
        else:
            low = name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name
            text = _("Which {segment} applies to you?").format(segment=low)
            text = text[:1].upper() + text[1:]  # Indonesian puts the segment first
        questions.append(Question(id=_safe_id(name, used), kind="segment", text=text, column=name, options=opts,
                                  required=False, warnings=tuple(check_question(text))))

    stages = []
    for st in cycle.stages:
        text = " ".join((st.question or "").split()) or _default_question(st)
        has_na = st.name in na_set
        warns = tuple(check_question(text, stage=st.name, has_na_option=has_na, optional_stage=st.name in optional))
        sid = _safe_id(st.name, used)
        questions.append(Question(id=sid, kind="rating", text=text, column=st.name, stage=st.name, options=options,
                                  values=values, na_option=na_label if has_na else None, required=False, warnings=warns))
        aliases = st.aliases
        if normalise_key(sid) not in st.match_keys():
            aliases = (*aliases, sid)
        stages.append(replace(st, question=text, aliases=aliases))
    try:
        cyc = replace(cycle, stages=tuple(stages), scale=sc.label())
    except SurveyError as exc:
        raise SurveyError(_("The questions of the cycle {name!r} cannot be told apart: {problem}").format(
            name=cycle.name, problem=exc)) from None

    if include_overall:
        text = _("Overall, how satisfied or dissatisfied were you with your experience?")
        if label_set != "satisfaction":
            text = _("Overall, how would you rate your experience?")
        questions.append(Question(id=OVERALL_COLUMN, kind="overall", text=text, column=OVERALL_COLUMN, options=options,
                                  values=values, warnings=tuple(check_question(text))))
        used.add(OVERALL_COLUMN)
    if include_recommend:
        who = " ".join(str(organisation or "").split()) or _("us")
        text = _("How likely are you to recommend {organisation} to a friend or colleague?").format(organisation=who)
        low, high = _(RECOMMEND_LABELS[0]), _(RECOMMEND_LABELS[1])
        rec_opts = tuple(f"{v} - {low}" if v == 0 else f"{v} - {high}" if v == 10 else str(v) for v in range(11))
        questions.append(Question(id=RECOMMEND_COLUMN, kind="recommend", text=text, column=RECOMMEND_COLUMN,
                                  options=rec_opts, values=tuple(range(11)), warnings=tuple(check_question(text))))
        used.add(RECOMMEND_COLUMN)
    if comment_on_critical:
        for st in cycle.stages:
            if not st.critical:
                continue
            text = _("What, if anything, could we have done better at this step: {stage}? (optional)").format(stage=st.name)
            column = _("Comment on {stage}").format(stage=st.name)
            questions.append(Question(id=_safe_id(f"comment_{st.name}", used), kind="comment", text=text, column=column,
                                      stage=st.name, warnings=()))
    cols = [q.column for q in questions]
    dup = sorted({normalise_key(c) for c in cols if sum(normalise_key(x) == normalise_key(c) for x in cols) > 1})
    if dup:
        raise SurveyError(_("Two questions of the survey would have the same column ({column!r}); rename a stage or "
                            "segment.").format(column=dup[0]))
    if any(x.na_option for x in questions):
        intro = _("Thank you for taking a few minutes to tell us about your experience ({cycle}). Each question is about "
                  "one step; answer from your own experience. Choose '{na}' for a step you did not go through.").format(
            cycle=cycle.name, na=na_label)
    else:
        intro = _("Thank you for taking a few minutes to tell us about your experience ({cycle}). Each question is about "
                  "one step; answer from your own experience.").format(cycle=cycle.name)
    notes = []
    stem = _SATISFACTION_STEM[current_language()]
    mismatch = [q.column for q in questions if q.kind == "rating" and stem in q.text.casefold()]
    if label_set != "satisfaction" and mismatch:
        notes.append(ngettext(
            "{n} stage question asks how satisfied customers were but the answers use the labels {labels}; reword the "
            "question or choose the satisfaction labels.",
            "{n} stage questions ask how satisfied customers were but the answers use the labels {labels}; reword the "
            "questions or choose the satisfaction labels.", len(mismatch)).format(
            n=len(mismatch), labels=_(LABEL_SET_TITLES[label_set])))
    return Questionnaire(title=title or cycle.name, intro=intro, cycle=cyc, scale=sc, label_set=label_set,
                         questions=tuple(questions), notes=tuple(notes))


# --------------------------------------------------------------------------------------------
# Checking a questionnaire, simulated answers


def validate_questionnaire(q) -> Questionnaire:
    """Raise :class:`SurveyError` unless ``q`` is a :class:`Questionnaire`; returns it."""
    if not isinstance(q, Questionnaire):
        raise SurveyError(_("Exports need a Questionnaire (see build_questionnaire)."))
    return q


def fill_template(q: Questionnaire, n: int, *, seed: int, na_share: float = 0.2, start: str = "2026-01-01") -> pd.DataFrame:
    """Simulated answers in the CSV template's columns (for tests and demos).

    Ratings are drawn uniformly on the scale; stages with a "Not applicable" option are left empty
    for about ``na_share`` of the respondents; each comment column is filled for a third of them.

    >>> from cycle_analytics.cycles import Cycle, Stage
    >>> q = build_questionnaire(Cycle("Demo", (Stage("Wait"),)), segments=())
    >>> fill_template(q, 3, seed=1).shape
    (3, 5)
    """
    q = validate_questionnaire(q)
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise SurveyError(_("The number of simulated respondents must be a positive whole number, not {n!r}.").format(n=n))
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {
        ID_COLUMN: [f"R{i:05d}" for i in range(1, n + 1)],
        DATE_COLUMN: (pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, 90, n), unit="D")).strftime("%Y-%m-%d"),
    }
    for qu in q.questions:
        if qu.kind == "segment":
            data[qu.column] = np.asarray(qu.options, dtype=object)[rng.integers(0, len(qu.options), n)]
        elif qu.kind in ("rating", "overall", "recommend"):
            vals = np.asarray(qu.values, dtype=float)[rng.integers(0, len(qu.values), n)]
            if qu.na_option:
                vals[rng.random(n) < na_share] = np.nan
            data[qu.column] = vals
        else:
            texts = np.asarray([f"Simulated remark {i} about {qu.stage}" for i in range(n)], dtype=object)
            data[qu.column] = np.where(rng.random(n) < 1 / 3, texts, "")
    return pd.DataFrame(data, columns=list(q.columns))


# --------------------------------------------------------------------------------------------
# Cycle designer helpers: the editable stage table


def stages_table(cycle: Cycle | None) -> pd.DataFrame:
    """The cycle's stages as the designer's table: ``order, name, phase, critical, target, description,
    question, aliases`` (aliases comma-separated; ``order`` 1..n).

    >>> from cycle_analytics.cycles import load_cycle
    >>> t = stages_table(load_cycle("hotel_stay"))
    >>> list(t.columns)[:4], t["name"].tolist()[:2], int(t["critical"].sum())
    (['order', 'name', 'phase', 'critical'], ['Booking', 'Arrival and check-in'], 2)
    """
    stages = cycle.stages if cycle is not None else ()
    df = pd.DataFrame({
        "order": pd.array([i + 1 for i in range(len(stages))], dtype="Int64"),
        "name": pd.array([s.name for s in stages], dtype="str"),
        "phase": pd.array([s.phase or "" for s in stages], dtype="str"),
        "critical": pd.array([bool(s.critical) for s in stages], dtype="bool"),
        "target": pd.array([s.target for s in stages], dtype="Float64"),
        "description": pd.array([s.description for s in stages], dtype="str"),
        "question": pd.array([s.question for s in stages], dtype="str"),
        "aliases": pd.array([", ".join(s.aliases) for s in stages], dtype="str"),
    })
    return df


def _cell(value) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    return str(value).strip()


def cycle_from_table(table: pd.DataFrame, *, name: str = "", description: str = "",
                     scale: str | None = None) -> Cycle:
    """The cycle described by the designer's table (rows sorted by ``order``; ties and empty orders
    keep their row position, empty orders last). Rows with every cell empty are editor leftovers
    and are skipped; any other problem raises :class:`SurveyError` naming the row.

    >>> t = stages_table(None)
    >>> t.loc[0] = [2, "Pay", "", True, 4.5, "", "", ""]
    >>> t.loc[1] = [1, "Wait", "Queue", False, None, "", "", "q1, queue"]
    >>> c = cycle_from_table(t, name="Demo", scale="1-5")
    >>> c.stage_names, c.stages[0].aliases, c.stages[1].critical
    (('Wait', 'Pay'), ('q1', 'queue'), True)
    """
    if not isinstance(table, pd.DataFrame):
        raise SurveyError(_("The stage table must be a table (DataFrame)."))
    missing = [c for c in ("name",) if c not in table.columns]
    if missing:
        raise SurveyError(_("The stage table has no 'name' column."))
    sc = None
    if scale not in (None, ""):
        sc = parse_scale(str(scale))
    rows = []
    for pos, (_index, r) in enumerate(table.reset_index(drop=True).iterrows(), start=1):
        cells = {c: r.get(c) for c in TABLE_COLUMNS if c in table.columns}
        texts = {c: _cell(v) for c, v in cells.items() if c not in ("critical",)}
        if not any(texts.values()) and not bool(cells.get("critical") or False):
            continue  # a blank row the editor added
        order = cells.get("order")
        try:
            order_val = float(order) if _cell(order) else np.inf
        except (TypeError, ValueError):
            raise SurveyError(_("Row {row} of the stage table has an order that is not a number: {order!r}.").format(
                row=pos, order=order)) from None
        crit = cells.get("critical")
        crit = False if crit is None or crit is pd.NA or (isinstance(crit, float) and np.isnan(crit)) else crit
        target = texts.get("target", "")
        if target and sc is not None:
            try:
                tv = float(target)
            except ValueError:
                tv = None
            if tv is not None and not (sc.minimum <= tv <= sc.maximum):
                raise SurveyError(_("Row {row} of the stage table ({name}) has the target {target}, outside the scale "
                                    "{scale}.").format(row=pos, name=texts.get("name") or _("no name"), target=f"{tv:g}",
                                                       scale=sc.label()))
        rows.append((order_val, pos, {
            "name": texts.get("name", ""), "phase": texts.get("phase", ""), "critical": crit,
            "target": target or None, "description": texts.get("description", ""),
            "question": texts.get("question", ""), "aliases": texts.get("aliases", ""),
        }))
    if not rows:
        raise SurveyError(_("The stage table has no stages: add at least one row with a name."))
    rows.sort(key=lambda t: (t[0], t[1]))
    for order_val, pos, d in rows:
        if not d["name"]:
            raise SurveyError(_("Row {row} of the stage table has no stage name.").format(row=pos))
    data = {"name": str(name).strip() or _("Untitled cycle"), "description": description, "scale": scale or None,
            "stages": [d for _order, _pos, d in rows]}
    return cycle_from_dict(data, source="stage table")
