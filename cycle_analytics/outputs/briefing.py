"""What a manager presents: the content of the deck and of the PDF report, built once.

:func:`build_briefing` turns a survey, its analysis and the action plans into a :class:`Briefing`:
the title and the lines that say which survey and filters it shows, "fix first" (the top three
priorities with one sentence each), the critical moments and pain points by impact, the ranked
priorities and the action plans as small tables with plain headers, the method in a few lines, and
the charts (:func:`cycle_analytics.outputs.report.default_figures`, plus the penalty-reward chart).
:mod:`cycle_analytics.outputs.deck` lays it out as PowerPoint slides and
:mod:`cycle_analytics.outputs.pdf` as a PDF; both draw the charts as pictures
(:mod:`cycle_analytics.outputs.images`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from cycle_analytics import figures as F
from cycle_analytics.dataset import Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.outputs.plans import validate_plans
from cycle_analytics.outputs.report import default_figures
from cycle_analytics.outputs.summary import fix_first, moments_by_impact, outcome_words, priority_advice, settings_in_words
from cycle_analytics.stats.analysis import Analysis

#: Chart titles, in the order the deck and the PDF show them.
CHART_TITLES = {
    "journey": "The journey: mean score of each stage",
    "penalty": "Critical moments: the drop in the outcome after a bad experience",
    "penalty_reward": "Penalty and reward: what must be right, what delights",
    "priority": "Priorities: importance against performance",
    "trend": "Trends: each stage over time",
}
PRIORITY_ROWS = 10  #: ranked stages shown in the priorities table
PLAN_ROWS = 14  #: action plans shown (the most urgent first)


@dataclass(frozen=True)
class Briefing:
    """The content of a deck or a PDF report (every text is plain text, not markup)."""

    title: str
    about: tuple[str, ...]  # survey, filters, respondents, outcome, date
    fix_first: pd.DataFrame  # rank, stage, sentence
    critical: tuple[str, ...]  # evidence sentences, largest impact first
    pain_points: tuple[str, ...]
    priorities: pd.DataFrame  # plain headers
    plans: pd.DataFrame  # plain headers
    method: pd.DataFrame  # setting, value
    figures: dict[str, go.Figure] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def _validate_briefing_inputs(survey, analysis, plans, title) -> None:
    """Raise :class:`SurveyError` unless the briefing's inputs can be used."""
    if not isinstance(survey, Survey):
        raise SurveyError("The deck and the PDF need the imported survey (a Survey).")
    if not isinstance(analysis, Analysis):
        raise SurveyError("The deck and the PDF need the analysis of the survey (from analysis.analyze).")
    if plans is not None and not isinstance(plans, pd.DataFrame):
        raise SurveyError("The action plans must be a table (DataFrame).")
    if not isinstance(title, str) or not title.strip():
        raise SurveyError("The deck and the PDF need a title that is not empty.")


def validate_briefing(briefing) -> Briefing:
    """Raise :class:`SurveyError` unless ``briefing`` is a :class:`Briefing`; returns it (the deck
    and the PDF check their input with it)."""
    if not isinstance(briefing, Briefing):
        raise SurveyError("The deck and the PDF need a Briefing (cycle_analytics.outputs.briefing.build_briefing).")
    return briefing


def _priorities_table(analysis: Analysis) -> pd.DataFrame:
    pr = analysis.priorities
    if len(pr) == 0:
        return pd.DataFrame(columns=["Rank", "Stage", "What it means", "Score (0–100)", "Below target"])
    pr = pr.sort_values("rank", kind="stable")
    advice = priority_advice(pr, analysis.moments, analysis.outcome)
    out = pd.DataFrame({
        "Rank": pr["rank"].map(lambda v: "" if pd.isna(v) else f"{int(v)}"),
        "Stage": pr["stage"].astype(str),
        "What it means": advice,
    })
    if "performance" in pr.columns:
        out["Score (0–100)"] = pr["performance"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    if "gap" in pr.columns:
        out["Below target"] = pr["gap"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    return out.head(PRIORITY_ROWS).reset_index(drop=True)


def _plans_table(plans: pd.DataFrame | None, stages: Sequence[str]) -> pd.DataFrame:
    columns = ["Stage", "What is needed", "Action", "Owner", "Due", "Status"]
    if plans is None or len(plans) == 0:
        return pd.DataFrame(columns=columns)
    p = validate_plans(plans)
    said = (p["requirement"].str.strip() != "") | (p["action"].str.strip() != "")
    p = p[said]
    order = {"in progress": 0, "planned": 1, "done": 2}
    p = p.assign(_o=p["status"].map(order).fillna(3)).sort_values(["_o", "due_date"], kind="stable", na_position="last")
    out = pd.DataFrame({
        "Stage": p["stage"].astype(str), "What is needed": p["requirement"], "Action": p["action"], "Owner": p["owner"],
        "Due": p["due_date"].dt.strftime("%Y-%m-%d").fillna(""), "Status": p["status"],
    })
    return out.head(PLAN_ROWS).reset_index(drop=True)


def build_briefing(survey: Survey, analysis: Analysis, plans: pd.DataFrame | None = None, *,
                   title: str = "Service cycle review", source: str = "", filters: str = "",
                   generated: dt.datetime | None = None, with_figures: bool = True) -> Briefing:
    """The content of the deck and the PDF for ``analysis`` of ``survey``.

    Parameters
    ----------
    survey, analysis : the (filtered) survey and its analysis.
    plans : the action plans (:mod:`cycle_analytics.outputs.plans`), optional.
    title : the title slide's / page's title.
    source : what the survey is (e.g. the file name); ``filters`` the filters in words ("" = none).
    with_figures : build the charts (``False`` for a text-only briefing).
    """
    _validate_briefing_inputs(survey, analysis, plans, title)
    generated = generated or dt.datetime.now(dt.timezone.utc)
    info = survey.info
    about = [
        f"Survey: {source}" if source else "",
        f"Filters: {filters}" if filters else "Filters: none (every respondent)",
        f"{info.respondents:,} respondents · {info.ratings:,} ratings · {len(info.stages)} stages"
        + (f" · cycle: {survey.cycle.name}" if survey.cycle is not None else ""),
        f"Outcome: {outcome_words(analysis.outcome)}",
        f"Prepared {generated:%Y-%m-%d}",
    ]
    moments = analysis.moments
    critical = tuple(moments_by_impact(moments)["evidence"].astype(str)) if len(moments) else ()
    pains = tuple(moments_by_impact(moments, ("pain point",))["evidence"].astype(str)) if len(moments) else ()
    first = fix_first(analysis.priorities, moments, analysis.outcome) if len(analysis.priorities) else \
        pd.DataFrame(columns=["rank", "stage", "sentence"])
    figs: dict[str, go.Figure] = {}
    notes = list(analysis.notes)
    if with_figures:
        built, problems = default_figures(survey, analysis, plans)
        notes += problems
        for name in CHART_TITLES:
            if name == "penalty_reward" and len(analysis.penalties):
                figs[name] = F.penalty_reward_figure(analysis.penalties)
            elif name in built:
                figs[name] = built[name]
    return Briefing(
        title=title.strip(), about=tuple(a for a in about if a), fix_first=first, critical=critical, pain_points=pains,
        priorities=_priorities_table(analysis), plans=_plans_table(plans, survey.stages),
        method=settings_in_words(analysis.settings), figures=figs, notes=tuple(notes),
    )
