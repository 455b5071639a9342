"""Names people use: the stages, segments and outcome as a manager calls them, in every sentence and chart.

A survey-tool export names its columns ``Q3`` or ``QID7`` and keeps the question text beside them;
a manager calls the outcome "overall satisfaction" and the segment "branch". :class:`DisplayNames`
holds the renames (name in the file -> name shown) and :func:`rename_survey` applies them to a
:class:`~cycle_analytics.dataset.Survey`, so every table, chart, evidence sentence and export built
from it uses them: stages are renamed in ``ratings`` (categories), ``info.stages`` and the cycle;
segment and outcome columns in ``responses`` and ``info``. The outcome's label is its (new) column
name, so "gave an overall satisfaction 0.84 points lower" reads as the manager wrote it.

:func:`suggested_names` proposes names for survey-tool ids (a column called like ``Q3``, ``QID7``
or ``V12`` with a question text): the question shortened (:func:`cycle_analytics.ingest.mapping.shorten_question`),
and for an overall question the usual name ("Overall satisfaction", "Likelihood to recommend").

Examples
--------
>>> names_from_question("Overall, how satisfied are you with your visit?")
'Overall satisfaction'
>>> names_from_question("How likely are you to recommend us to a friend?")
'Likelihood to recommend'
>>> names_from_question("Which branch did you visit?")
'Which branch did you visit'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd

from cycle_analytics.dataset import Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.mapping import shorten_question

MAX_NAME = 60  #: longest name a manager may give
#: Column names of survey tools that are ids, not names: Q3, Q3_1, QID7, V12, Q7ALL-like codes are kept.
_TOOL_ID = re.compile(r"^(q|qid|v)\d+([_.-]\d+)*$", re.I)
_RESERVED = ("response_id", "date", "comment")  # response columns every analysis relies on
_SATISFACTION = re.compile(r"\b(satisf\w*|content|happy)\b", re.I)
_RECOMMEND = re.compile(r"\b(recommend\w*|nps)\b", re.I)
_OVERALL = re.compile(r"\b(overall|in general|all in all|altogether|total)\b", re.I)


@dataclass(frozen=True)
class DisplayNames:
    """Renames as ``(name in the file, name shown)`` pairs, per kind of name."""

    stages: tuple[tuple[str, str], ...] = ()
    segments: tuple[tuple[str, str], ...] = ()
    outcomes: tuple[tuple[str, str], ...] = ()

    def key(self) -> tuple:
        """A hashable, order-independent description (for caches)."""
        return tuple(tuple(sorted(pairs)) for pairs in (self.stages, self.segments, self.outcomes))

    def merged(self, other: DisplayNames) -> DisplayNames:
        """These names with ``other``'s on top (``other`` wins for a name both rename)."""
        def join(a, b):
            return tuple({**dict(a), **dict(b)}.items())
        return DisplayNames(join(self.stages, other.stages), join(self.segments, other.segments),
                            join(self.outcomes, other.outcomes))


def is_tool_id(column: str) -> bool:
    """Whether ``column`` is a survey tool's question id (``Q3``, ``Q1_2``, ``QID7``, ``V12``).

    >>> is_tool_id("Q3"), is_tool_id("QID7_1"), is_tool_id("Q7ALL"), is_tool_id("branch")
    (True, True, False, False)
    """
    return bool(_TOOL_ID.match(str(column).strip()))


def names_from_question(question: str) -> str:
    """The name a manager gives a question: an overall satisfaction or recommend question gets the
    usual name, any other the question shortened (boilerplate removed, cut at a word)."""
    text = " ".join(str(question).split())
    if _RECOMMEND.search(text):
        return "Likelihood to recommend"
    if _SATISFACTION.search(text) and (_OVERALL.search(text) or not re.search(r"\bwith\b", text, re.I)):
        return "Overall satisfaction"
    return shorten_question(text)


def suggested_names(survey: Survey) -> DisplayNames:
    """Names for the survey-tool ids among the segment and outcome columns (those with a question text)."""
    _validate_named_survey(survey)
    questions = {r.column: r.question for r in survey.info.columns if r.question}
    taken = {str(c).casefold() for c in survey.responses.columns}

    def suggest(columns) -> tuple[tuple[str, str], ...]:
        out = []
        for c in columns:
            if is_tool_id(c) and questions.get(c):
                name = names_from_question(questions[c])[:MAX_NAME]
                if name and name.casefold() not in taken:
                    taken.add(name.casefold())
                    out.append((c, name))
        return tuple(out)

    return DisplayNames(segments=suggest(survey.info.segments), outcomes=suggest(survey.info.outcome_candidates))


def _validate_named_survey(survey) -> None:
    if not isinstance(survey, Survey):
        raise SurveyError(_("Names can only be given to an imported survey (a Survey)."))


def clean_display_name(old: str, new, unnamed: str) -> str:
    """The name ``new`` given to ``old``, its white space collapsed; a :class:`SurveyError` with the
    sentence ``unnamed`` (``{old}`` in it) when it is empty, or with one sentence when it is longer
    than :data:`MAX_NAME` characters.

    >>> clean_display_name("Q7A", "  Car   park ", "{old} needs a name.")
    'Car park'
    """
    text = " ".join(str(new if new is not None else "").split())
    if not text:
        raise SurveyError(unnamed.format(old=old))
    if len(text) > MAX_NAME:
        raise SurveyError(_("The name {text!r}… is too long: at most {MAX_NAME} characters.").format(text=text[:20], MAX_NAME=MAX_NAME))
    return text


def validate_distinct_stage_names(names) -> None:
    """Every stage keeps a name of its own (compared regardless of case): else one sentence.

    >>> validate_distinct_stage_names(["Wait", "wait"])
    Traceback (most recent call last):
    ...
    cycle_analytics.errors.SurveyError: Two stages would be called 'wait'; give each stage its own name.
    """
    seen: set[str] = set()
    for name in names:
        key = str(name).casefold()
        if key in seen:
            raise SurveyError(_("Two stages would be called {name!r}; give each stage its own name.").format(name=name))
        seen.add(key)


def validate_display_names(names: DisplayNames, survey: Survey) -> DisplayNames:
    """Check ``names`` against ``survey``; returns them without renames to the same name.

    Raises :class:`SurveyError` with one sentence when a name is empty or longer than
    :data:`MAX_NAME` characters, when two stages would have the same name, or when a segment or
    outcome would take the name of another column.
    """
    _validate_named_survey(survey)
    if not isinstance(names, DisplayNames):
        raise SurveyError(_("The names must be DisplayNames."))

    def clean(pairs, known, unnamed):
        out = []
        for old, new in pairs:
            if old not in known:
                continue
            text = clean_display_name(old, new, unnamed)
            if text != old:
                out.append((old, text))
        return tuple(out)

    stages = clean(names.stages, set(survey.info.stages),
                   _("The stage {old!r} needs a name; write one or keep the name from the file."))
    segments = clean(names.segments, set(survey.info.segments),
                     _("The segment {old!r} needs a name; write one or keep the name from the file."))
    outcomes = clean(names.outcomes, set(survey.info.outcome_candidates),
                     _("The outcome {old!r} needs a name; write one or keep the name from the file."))
    validate_distinct_stage_names([dict(stages).get(s, s) for s in survey.info.stages])
    renamed = dict((*segments, *outcomes))
    columns = [renamed.get(str(c), str(c)) for c in survey.responses.columns]
    for old, new in renamed.items():
        if new.casefold() in _RESERVED or [c.casefold() for c in columns].count(new.casefold()) > 1:
            raise SurveyError(_("{new!r} is already the name of another column; choose another name for {old!r}.").format(new=new, old=old))
    return DisplayNames(stages=stages, segments=segments, outcomes=outcomes)


def rename_survey(survey: Survey, names: DisplayNames) -> Survey:
    """``survey`` with the stages, segments and outcome columns renamed (validated first).

    The row accounting, scores and answers are unchanged; only names change.
    """
    names = validate_display_names(names, survey)
    stage_map = dict(names.stages)
    column_map = dict((*names.segments, *names.outcomes))
    if not stage_map and not column_map:
        return survey
    info = survey.info
    ratings = survey.ratings
    if stage_map:
        ratings = ratings.assign(stage=ratings["stage"].cat.rename_categories(lambda s: stage_map.get(s, s)))
    responses = survey.responses.rename(columns=column_map) if column_map else survey.responses
    cycle = survey.cycle
    if cycle is not None and stage_map:
        cycle = replace(cycle, stages=tuple(replace(st, name=stage_map.get(st.name, st.name)) for st in cycle.stages))
    info = replace(
        info,
        stages=tuple(stage_map.get(s, s) for s in info.stages),
        segments=tuple(column_map.get(s, s) for s in info.segments),
        outcome=column_map.get(info.outcome, info.outcome) if info.outcome else info.outcome,
        outcome_candidates=tuple(column_map.get(s, s) for s in info.outcome_candidates),
        # a comment tied to a stage follows the stage's new name (cycle_analytics.text.views reads the tie)
        comment_columns=tuple(replace(c, stage=stage_map.get(c.stage, c.stage)) for c in info.comment_columns),
    )
    return replace(survey, ratings=ratings, responses=responses, info=info, cycle=cycle)


def names_table(survey: Survey, names: DisplayNames | None = None) -> pd.DataFrame:
    """The names of ``survey`` as one editable table: ``kind`` (stage, segment, outcome),
    ``in_file`` (the name in the file) and ``shown`` (the name shown, ``names`` applied)."""
    _validate_named_survey(survey)
    names = names or DisplayNames()
    rows = []
    for kind, values, pairs in (("outcome", survey.info.outcome_candidates, names.outcomes),
                                ("segment", survey.info.segments, names.segments),
                                ("stage", survey.info.stages, names.stages)):
        chosen = dict(pairs)
        rows += [{"kind": kind, "in_file": str(v), "shown": chosen.get(str(v), str(v))} for v in values]
    return pd.DataFrame(rows, columns=["kind", "in_file", "shown"]).astype("str")


def names_from_table(table: pd.DataFrame) -> DisplayNames:
    """The :class:`DisplayNames` of an edited :func:`names_table` (empty cells keep the file's name)."""
    if not isinstance(table, pd.DataFrame) or not {"kind", "in_file", "shown"} <= set(table.columns):
        raise SurveyError(_("The names table needs the columns kind, in_file and shown."))
    pairs: dict[str, list[tuple[str, str]]] = {"stage": [], "segment": [], "outcome": []}
    for kind, old, new in zip(table["kind"].astype(str), table["in_file"].astype(str), table["shown"]):
        text = "" if new is None or (isinstance(new, float) and new != new) else " ".join(str(new).split())
        if kind in pairs and text and text != old:
            pairs[kind].append((old, text))
    return DisplayNames(stages=tuple(pairs["stage"]), segments=tuple(pairs["segment"]), outcomes=tuple(pairs["outcome"]))


def rename_in_plans(plans: pd.DataFrame | None, mapping: Mapping[str, str]) -> pd.DataFrame | None:
    """Action plans with their stages renamed (``mapping``: old name -> new name)."""
    if plans is None or not mapping or "stage" not in plans.columns:
        return plans
    stage = plans["stage"].astype(object).map(lambda s: mapping.get(str(s), s))
    return plans.assign(stage=stage.astype("str"))
