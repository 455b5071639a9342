"""What a manager presents: the content of the deck and of the PDF report, built once.

:func:`build_briefing` turns a survey, its analysis and the action plans into a :class:`Briefing`:
the title and the lines that say which survey and filters it shows, "fix first" (the top three
priorities with one sentence each), the critical moments and pain points by impact, the ranked
priorities and the action plans as small tables with plain headers, the method in a few lines, the
comment themes of the whole survey and of each critical moment (:func:`themes_brief`, from
:func:`cycle_analytics.text.views.themes_table`), and the charts
(:func:`cycle_analytics.outputs.report.default_figures`, plus the penalty-reward chart).
:mod:`cycle_analytics.outputs.deck` lays it out as PowerPoint slides and
:mod:`cycle_analytics.outputs.pdf` as a PDF; both draw the charts as pictures
(:mod:`cycle_analytics.outputs.images`). The survey may be the
:class:`~cycle_analytics.outputs.outline.SurveyOutline` of a warehouse source: everything is then
built from the analysis and the engine's counts, and the themes' place says that finding them needs
every comment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from cycle_analytics import figures as F
from cycle_analytics.errors import SurveyError
from cycle_analytics.cycles import localized_cycle
from cycle_analytics.i18n import N_, format_date, format_decimal, format_number
from cycle_analytics.i18n import gettext as _
from cycle_analytics.i18n import ngettext
from cycle_analytics.outputs.outline import THEMES_NOT_AVAILABLE, survey_outline
from cycle_analytics.outputs.plans import validate_plans
from cycle_analytics.outputs.report import default_figures, report_themes
from cycle_analytics.outputs.summary import fix_first, moments_by_impact, outcome_words, priority_advice, settings_in_words
from cycle_analytics.stats.analysis import Analysis
from cycle_analytics.text import messages as TM

#: Chart titles, in the order the deck and the PDF show them (English; shown translated).
CHART_TITLES = {
    "journey": N_("The journey: mean score of each stage"),
    "penalty": N_("Critical moments: the drop in the outcome after a bad experience"),
    "penalty_reward": N_("Penalty and reward: what must be right, what delights"),
    "priority": N_("Priorities: importance against performance"),
    "trend": N_("Trends: each stage over time"),
}
#: The default title of a briefing (English; shown translated).
DEFAULT_BRIEFING_TITLE = N_("Service cycle review")
#: Plan statuses -> their names (English; shown translated).
STATUS_LABELS = {"planned": N_("Planned"), "in progress": N_("In progress"), "done": N_("Done")}
PRIORITY_ROWS = 10  #: ranked stages shown in the priorities table
PLAN_ROWS = 14  #: action plans shown (the most urgent first)
THEME_ROWS = 3  #: themes shown per scope (the whole survey, each critical moment), most comments first
EXAMPLE_CHARS = 90  #: an example comment longer than this is cut (with "…") to keep the table readable
#: The columns of the themes table (``text.views.themes_table``) the deck and the PDF show, in order.
THEME_BRIEF_COLUMNS = ("scope", "label", "key_words", "n_comments", "mean_rating", "penalty")


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
    themes: pd.DataFrame = field(default_factory=pd.DataFrame)  # plain headers (themes_brief)
    theme_notes: tuple[str, ...] = ()  # what the themes table leaves out, in sentences


def _validate_briefing_inputs(survey, analysis, plans, title) -> None:
    """Raise :class:`SurveyError` unless the briefing's inputs can be used."""
    survey_outline(survey)  # an imported survey, its outline or a builder of the count tables
    if not isinstance(analysis, Analysis):
        raise SurveyError(_("The deck and the PDF need the analysis of the survey (from analysis.analyze)."))
    if plans is not None and not isinstance(plans, pd.DataFrame):
        raise SurveyError(_("The action plans must be a table (DataFrame)."))
    if not isinstance(title, str) or not title.strip():
        raise SurveyError(_("The deck and the PDF need a title that is not empty."))


def validate_briefing(briefing) -> Briefing:
    """Raise :class:`SurveyError` unless ``briefing`` is a :class:`Briefing`; returns it (the deck
    and the PDF check their input with it)."""
    if not isinstance(briefing, Briefing):
        raise SurveyError(_("The deck and the PDF need a Briefing (cycle_analytics.outputs.briefing.build_briefing)."))
    return briefing


def _priorities_table(analysis: Analysis) -> pd.DataFrame:
    pr = analysis.priorities
    rank, stage, means, score, below = _("Rank"), _("Stage"), _("What it means"), _("Score (0–100)"), _("Below target")
    if len(pr) == 0:
        return pd.DataFrame(columns=[rank, stage, means, score, below])
    pr = pr.sort_values("rank", kind="stable")
    advice = priority_advice(pr, analysis.moments, analysis.outcome)
    out = pd.DataFrame({
        rank: pr["rank"].map(lambda v: "" if pd.isna(v) else format_number(v)),
        stage: pr["stage"].astype(str),
        means: advice,
    })
    if "performance" in pr.columns:
        out[score] = pr["performance"].map(lambda v: "" if pd.isna(v) else format_number(v))
    if "gap" in pr.columns:
        out[below] = pr["gap"].map(lambda v: "" if pd.isna(v) else format_number(v))
    return out.head(PRIORITY_ROWS).reset_index(drop=True)


def _plans_table(plans: pd.DataFrame | None, stages: Sequence[str]) -> pd.DataFrame:
    columns = [_("Stage"), _("What is needed"), _("Action"), _("Owner"), _("Due"), _("Status")]
    if plans is None or len(plans) == 0:
        return pd.DataFrame(columns=columns)
    p = validate_plans(plans)
    said = (p["requirement"].str.strip() != "") | (p["action"].str.strip() != "")
    p = p[said]
    order = {"in progress": 0, "planned": 1, "done": 2}
    p = p.assign(_o=p["status"].map(order).fillna(3)).sort_values(["_o", "due_date"], kind="stable", na_position="last")
    values = [p["stage"].astype(str), p["requirement"], p["action"], p["owner"],
              p["due_date"].map(lambda d: "" if pd.isna(d) else format_date(d, "yyyy-MM-dd")),  # ISO: no day/month doubt
              p["status"].map(lambda v: _(STATUS_LABELS[v]) if v in STATUS_LABELS else v)]
    out = pd.DataFrame(dict(zip(columns, values)))
    return out.head(PLAN_ROWS).reset_index(drop=True)


def longest_word(text) -> int:
    """The length of the longest word of ``text`` (a table header): the deck and the PDF make its column at least that wide.

    >>> longest_word("Mean rating of the writers")
    7
    """
    return max((len(w) for w in str(text).split()), default=0)


def _example_comment(text) -> str:
    """An example comment as a table cell: on one line, cut after :data:`EXAMPLE_CHARS` characters."""
    if not isinstance(text, str) or not text.strip():
        return ""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= EXAMPLE_CHARS else one_line[:EXAMPLE_CHARS - 1].rstrip() + "…"


def themes_brief(themes: pd.DataFrame, critical: Sequence[str]) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """``(table, notes)``: the comment themes a deck or a PDF shows.

    The :data:`THEME_ROWS` themes with most comments of the whole survey, then of each stage in
    ``critical`` (the critical moments, largest impact first), from ``themes`` (the table of
    :func:`cycle_analytics.text.views.themes_table`), under the headers the report uses
    (``text.messages.THEME_HEADERS``) and one example comment each. ``notes`` say which critical
    moments have no themes (too few comments), or that the survey has none.

    >>> t = pd.DataFrame({"scope": ["Whole survey", "Pay"], "stage": [None, "Pay"], "rank": [1, 1],
    ...                   "label": ["slow · queue", "slow · queue"], "key_words": ["slow, queue", "slow, queue"],
    ...                   "n_comments": [12, 5], "mean_rating": [2.5, 1.4], "penalty": [0.8, float("nan")],
    ...                   "example_1": ["The queue was slow.", "Slow!"]})
    >>> table, notes = themes_brief(t, ["Pay", "Wait"])
    >>> table.iloc[1].tolist(), notes
    (['Pay', 'slow · queue', 'slow, queue', '5', '1.4', '–', 'Slow!'], ('Wait: too few comments to find themes.',))
    """
    headers = TM.theme_headers()
    columns = [headers[c] for c in THEME_BRIEF_COLUMNS] + [_("Example comment")]
    if themes is None or len(themes) == 0:
        return pd.DataFrame(columns=columns), (_(TM.NO_THEMES_ANYWHERE),)
    parts, notes = [], []
    for stage in (None, *critical):
        rows = themes[themes["stage"].isna()] if stage is None else themes[themes["stage"].astype(str) == str(stage)]
        if len(rows) == 0:
            if stage is not None:
                notes.append(_("{stage}: too few comments to find themes.").format(stage=stage))
            continue
        parts.append(rows.sort_values("rank", kind="stable").head(THEME_ROWS))
    if not parts:
        return pd.DataFrame(columns=columns), tuple(notes)
    chosen = pd.concat(parts, ignore_index=True)
    table = pd.DataFrame({
        headers["scope"]: chosen["scope"].astype(str),
        headers["label"]: chosen["label"].astype(str),
        headers["key_words"]: chosen["key_words"].astype(str),
        headers["n_comments"]: chosen["n_comments"].map(format_number),
        headers["mean_rating"]: chosen["mean_rating"].map(lambda v: format_decimal(v, 1)),
        headers["penalty"]: chosen["penalty"].map(lambda v: format_decimal(v, 2)),
        columns[-1]: chosen["example_1"].map(_example_comment),
    })
    return table[columns], tuple(notes)


def build_briefing(survey, analysis: Analysis, plans: pd.DataFrame | None = None, *,
                   title: str = DEFAULT_BRIEFING_TITLE, source: str = "", filters: str = "",
                   generated: dt.datetime | None = None, with_figures: bool = True,
                   themes: pd.DataFrame | None = None, comment_language: str | None = None) -> Briefing:
    """The content of the deck and the PDF for ``analysis`` of ``survey``.

    Parameters
    ----------
    survey, analysis : the (filtered) survey, or its outline (a warehouse source,
        :func:`~cycle_analytics.outputs.outline.survey_outline`), and its analysis.
    plans : the action plans (:mod:`cycle_analytics.outputs.plans`), optional.
    title : the title slide's / page's title.
    source : what the survey is (e.g. the file name); ``filters`` the filters in words ("" = none).
    with_figures : build the charts (``False`` for a text-only briefing).
    themes : the comment themes (:func:`cycle_analytics.text.views.themes_table`); ``None`` computes
        them with ``comment_language`` (``en``, ``id``, ``es``; ``None`` = detected).
    """
    _validate_briefing_inputs(survey, analysis, plans, title)
    generated = generated or dt.datetime.now(dt.timezone.utc)
    survey = survey_outline(survey)
    counts = " · ".join([
        ngettext("{n} respondent", "{n} respondents", survey.respondents).format(n=format_number(survey.respondents)),
        ngettext("{n} rating", "{n} ratings", survey.ratings).format(n=format_number(survey.ratings)),
        ngettext("{n} stage", "{n} stages", len(survey.stages)).format(n=format_number(len(survey.stages))),
        *([_("cycle: {name}").format(name=localized_cycle(survey.cycle).name)] if survey.cycle is not None else []),
    ])
    about = [
        _("Survey: {source}").format(source=source) if source else "",
        _("Filters: {filters}").format(filters=filters) if filters else _("Filters: none (every respondent)"),
        counts,
        _("Outcome: {outcome}").format(outcome=outcome_words(analysis.outcome)),
        _("Prepared {date}").format(date=format_date(generated, "long")),
    ]
    title = _(title) if title == DEFAULT_BRIEFING_TITLE else title
    moments = analysis.moments
    critical = tuple(moments_by_impact(moments)["evidence"].astype(str)) if len(moments) else ()
    pains = tuple(moments_by_impact(moments, ("pain point",))["evidence"].astype(str)) if len(moments) else ()
    first = fix_first(analysis.priorities, moments, analysis.outcome) if len(analysis.priorities) else \
        pd.DataFrame(columns=["rank", "stage", "sentence"])
    themes = report_themes(survey, analysis, themes, comment_language)
    if themes is None:  # the survey's comments stay in the warehouse
        theme_rows, theme_notes = themes_brief(pd.DataFrame(), [])[0], (_(THEMES_NOT_AVAILABLE),)
    else:
        theme_rows, theme_notes = themes_brief(themes, list(moments_by_impact(moments)["stage"].astype(str))
                                               if len(moments) else [])
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
        method=settings_in_words(analysis.settings), figures=figs, notes=tuple(notes), themes=theme_rows,
        theme_notes=theme_notes,
    )
