"""Report exports: a self-contained HTML report and an Excel workbook of every table.

* :func:`html_report` - one HTML file that opens offline (plotly.js is inlined once in the head;
  each chart is a ``<div>`` with its figure JSON): headline figures, the journey, critical moments
  with their evidence sentences, pain points, the priority chart and ranked list, the comment
  themes (:func:`cycle_analytics.text.views.themes_table`), action plans and the method notes (definitions of every statistic and the settings used). Every text that comes
  from data (stage names, labels, comments, file names, plans) is escaped with
  :func:`html.escape`; the figure JSON is written by plotly, which escapes ``<``, ``>`` and ``/``
  inside scripts, so no data can open or close a ``<script>``.
* :func:`excel_report` - one sheet per table (summary, stage scores, distribution, stage changes,
  critical moments, penalties, priorities, comment themes, segments, segment tests, trends, trend
  change, rejected rows, action plans) through :func:`cycle_analytics.outputs.export.to_excel_bytes` (readable headers,
  formulas neutralised).

Usage: ``html_report(survey, analyze(survey), plans=plans)`` returns the page as text and
``excel_report(survey, analyze(survey), plans)`` the workbook as bytes. ``survey`` may also be the
:class:`~cycle_analytics.outputs.outline.SurveyOutline` of a warehouse source
(``survey_outline(engine, filters=...)``): the report is then built from the analysis and the
engine's counts without reading a row, and the parts that need rows (the comment themes, the
rejected rows) say so in one sentence.

Examples
--------
>>> [title for _, title in SECTIONS]
['Headline figures', 'The journey', 'Critical moments', 'Priorities', 'Comment themes', 'Action plans', 'Method notes']
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.offline

from cycle_analytics import figures as F
from cycle_analytics.cycles import localized_cycle
from cycle_analytics.errors import SurveyError
from cycle_analytics.figures.style import VERDICT_LABELS, format_p_value
from cycle_analytics.i18n import (
    N_, current_language, format_date, format_decimal, format_number, format_percent, gettext as _,
)
from cycle_analytics.outputs.export import is_missing, to_excel_bytes
from cycle_analytics.outputs.outline import (
    REJECTED_NOT_AVAILABLE, THEMES_NOT_AVAILABLE, SurveyOutline, answers_in_words, survey_outline,
)
from cycle_analytics.outputs.plans import empty_plans, open_plan_stages, validate_plans
from cycle_analytics.outputs.summary import fix_first, moments_by_impact, outcome_words
from cycle_analytics.stats.analysis import Analysis
from cycle_analytics.text import messages as TM
from cycle_analytics.text.views import themes_table

#: The default title (English; shown translated).
DEFAULT_TITLE = N_("Service cycle report")
#: Section anchors and headings (English; shown translated in the report's language).
SECTIONS = (
    ("headline", N_("Headline figures")),
    ("journey", N_("The journey")),
    ("critical", N_("Critical moments")),
    ("priorities", N_("Priorities")),
    ("themes", N_("Comment themes")),
    ("plans", N_("Action plans")),
    ("method", N_("Method notes")),
)
#: The codes the analysis writes in its tables -> their names (English; shown translated).
CODE_LABELS = {
    "verdict": VERDICT_LABELS,
    "declared_verdict": {"confirmed": N_("Confirmed"), "not confirmed": N_("Not confirmed"),
                         "not enough data": N_("Not enough data")},
    "quadrant": {q: q for q in (N_("Concentrate here"), N_("Keep up the good work"), N_("Low priority"),
                                N_("Possible overkill"))},
    "level": {"high": N_("High"), "medium": N_("Medium"), "low": N_("Low")},
    "action": {"improve": N_("Improve"), "no action needed": N_("No action needed")},
    "status": {"planned": N_("Planned"), "in progress": N_("In progress"), "done": N_("Done")},
}
#: A sentence for each default chart that could not be drawn.
_CHART_PROBLEMS = {
    "journey": N_("The journey chart could not be drawn: {error}"),
    "penalty": N_("The penalty chart could not be drawn: {error}"),
    "priority": N_("The priority chart could not be drawn: {error}"),
    "trend": N_("The trend chart could not be drawn: {error}"),
}
# Where each default figure goes (a figures dict may use these keys; others go to the journey section).
FIGURE_SECTIONS = {"journey": "journey", "penalty": "critical", "priority": "priorities", "trend": "journey"}

_CSS = """
body{font-family:Inter,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;margin:0;color:#1f2933;background:#fff}
main{max-width:1100px;margin:0 auto;padding:1.5rem 1.5rem 4rem}
h1{font-size:1.8rem;margin:.2rem 0 .3rem}h2{font-size:1.35rem;margin-top:2.4rem;border-bottom:2px solid #e4e7eb;padding-bottom:.3rem}
h3{font-size:1.05rem;margin-top:1.4rem}.meta{color:#616e7c;font-size:.9rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}.card{border:1px solid #e4e7eb;border-radius:8px;padding:.7rem 1rem;min-width:150px}
.card .v{font-size:1.4rem;font-weight:600}.card .k{color:#616e7c;font-size:.85rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.88rem}th,td{border-bottom:1px solid #e4e7eb;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f5f7fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.evidence{margin:.4rem 0 .8rem;padding:.5rem .8rem;border-left:4px solid #d55e00;background:#fff7f0}
.pain{border-left-color:#e69f00;background:#fffbf0}.note{color:#616e7c;font-size:.9rem}
.figure{margin:1rem 0}dl.defs dt{font-weight:600;margin-top:.6rem}dl.defs dd{margin-left:1rem}
@media print{.figure{page-break-inside:avoid}}
"""


def _validate_inputs(survey, analysis, figures, plans, title) -> SurveyOutline:
    """Raise :class:`SurveyError` unless the report's inputs can be used; returns the survey's outline."""
    outline = survey_outline(survey)
    if not isinstance(analysis, Analysis):
        raise SurveyError(_("The report needs the analysis of the survey (from analysis.analyze)."))
    if figures is not None and not isinstance(figures, Mapping):
        raise SurveyError(_("The report's figures must be a mapping of name to Plotly figure."))
    if plans is not None and not isinstance(plans, pd.DataFrame):
        raise SurveyError(_("The action plans must be a table (DataFrame)."))
    if not isinstance(title, str) or not title.strip():
        raise SurveyError(_("The report needs a title that is not empty."))
    return outline


def report_themes(survey, analysis, themes: pd.DataFrame | None, comment_language: str | None) -> pd.DataFrame | None:
    """The comment themes of a report: ``themes`` when given, else found in the survey's comments
    (:func:`~cycle_analytics.text.views.themes_table`); ``None`` when the survey's rows are not at
    hand (a warehouse source: :data:`~cycle_analytics.outputs.outline.THEMES_NOT_AVAILABLE` says so)."""
    if themes is not None:
        return themes
    outline = survey_outline(survey)
    return themes_table(outline.survey, analysis, language=comment_language) if outline.has_rows else None


# ---------------------------------------------------------------------------------------------
# formatting


def _esc(value) -> str:
    """``value`` as escaped HTML text; missing values give an empty string."""
    if is_missing(value):
        return ""
    return html.escape(str(value), quote=True)


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return _("yes") if value else _("no")
    if isinstance(value, (int, np.integer)):
        return format_number(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "–"
        if not math.isfinite(value):
            return "∞" if value > 0 else "−∞"
        return format_decimal(value, digits)
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else (value.date().isoformat() if value == value.normalize() else value.isoformat(sep=" "))
    if is_missing(value):
        return ""
    return str(value)


def _code_label(column: str, value) -> str | None:
    """The translated name of a code of the analysis (a verdict, a quadrant ...), or ``None``."""
    names = CODE_LABELS.get(column)
    if names is None or not isinstance(value, str) or value not in names:
        return None
    return _(names[value])


def _table(df: pd.DataFrame, columns: list[tuple[str, str]], *, pcols: tuple[str, ...] = (), digits: Mapping[str, int] | None = None,
           empty: str | None = None, codes: tuple[str, ...] = ("verdict", "declared_verdict", "quadrant", "level")) -> str:
    """An escaped HTML table of ``df``'s ``columns`` given as (column, header) pairs; the headers
    (English) and the analysis' codes in the ``codes`` columns are shown in the current language."""
    cols = [(c, h) for c, h in columns if c in df.columns]
    if len(df) == 0 or not cols:
        return '<p class="note">' + _esc(empty if empty is not None else _("Nothing to show.")) + "</p>"
    digits = dict(digits or {})
    out = ["<table><thead><tr>", *(f"<th>{_esc(_(h))}</th>" for _c, h in cols), "</tr></thead><tbody>"]
    for row in df[[c for c, _h in cols]].itertuples(index=False, name=None):
        out.append("<tr>")
        for (c, _h), v in zip(cols, row):
            label = _code_label(c, v) if c in codes else None
            text = label if label is not None else format_p_value(v) if c in pcols else _fmt(v, digits.get(c, 2))
            numeric = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
            out.append(f'<td class="num">{_esc(text)}</td>' if numeric else f"<td>{_esc(text)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# figures


def default_figures(survey, analysis, plans=None) -> tuple[dict, list[str]]:
    """The report's charts from :mod:`cycle_analytics.figures`, and a sentence for each one that
    could not be drawn (so nothing is dropped silently)."""
    open_plans = sorted(open_plan_stages(plans)) if plans is not None else None
    survey = survey_outline(survey)
    builders = {
        "journey": lambda: F.journey_figure(analysis.scores, verdicts=analysis.moments, targets=survey.targets(),
                                            phases=survey.phases(), open_plans=open_plans, scale=survey.scale),
        "penalty": lambda: F.penalty_figure(analysis.penalties, verdicts=analysis.moments,
                                            outcome_label=outcome_words(analysis.outcome)),
        "priority": lambda: F.priority_figure(analysis.priorities, open_plans=open_plans),
    }
    if len(analysis.trends):
        builders["trend"] = lambda: F.trend_figure(analysis.trends, scale=survey.scale)
    figs, problems = {}, []
    for name, build in builders.items():
        try:
            figs[name] = build()
        except SurveyError as err:
            problems.append(_(_CHART_PROBLEMS[name]).format(error=err))
    return figs, problems


def _figure_div(fig, key: str) -> str:
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"figure-{key}",
        config={"displaylogo": False, "responsive": True},
    )


# ---------------------------------------------------------------------------------------------
# the HTML report


def html_report(survey, analysis, figures: Mapping | None = None, plans: pd.DataFrame | None = None, *,
                title: str = DEFAULT_TITLE, generated: dt.datetime | None = None, themes: pd.DataFrame | None = None,
                comment_language: str | None = None) -> str:
    """A self-contained HTML report of ``analysis`` that opens offline.

    Parameters
    ----------
    survey : Survey or SurveyOutline
        The (filtered) survey the analysis ran on, or its outline (a warehouse source,
        :func:`~cycle_analytics.outputs.outline.survey_outline`).
    analysis : Analysis
        :func:`cycle_analytics.stats.analysis.analyze`'s result.
    figures : mapping of name to plotly Figure, optional
        Charts to embed. Keys ``journey``, ``trend`` (journey section), ``penalty`` (critical
        moments) and ``priority`` (priorities) are placed in their sections; other keys go under
        the journey. ``None`` builds them with :mod:`cycle_analytics.figures`; ``{}`` gives a
        report without charts (and without plotly.js).
    plans : DataFrame, optional
        Action plans (:mod:`cycle_analytics.outputs.plans`).
    title : str
        The report's title.
    generated : datetime, optional
        The time stamp printed in the report (default: now, UTC).
    themes : DataFrame, optional
        The comment themes (:func:`cycle_analytics.text.views.themes_table`); ``None`` computes them
        with ``comment_language`` (``en``, ``id``, ``es``; ``None`` = detected).

    Returns
    -------
    str
        The HTML document. plotly.js (about 4.7 MB) is inlined once when there is a chart.
    """
    survey = _validate_inputs(survey, analysis, figures, plans, title)
    problems: list[str] = []
    if figures is None:
        figures, problems = default_figures(survey, analysis, plans)
    generated = generated or dt.datetime.now(dt.timezone.utc)

    placed: dict[str, list[str]] = {key: [] for key, _title in SECTIONS}
    title = _(title) if title == DEFAULT_TITLE else title
    for i, (name, fig) in enumerate(figures.items()):
        if not hasattr(fig, "to_html"):
            raise SurveyError(_("The report figure {name!r} is not a Plotly figure.").format(name=str(name)))
        placed[FIGURE_SECTIONS.get(str(name), "journey")].append(f'<div class="figure">{_figure_div(fig, f"{i}")}</div>')

    head = [
        "<!DOCTYPE html>",
        f'<html lang="{current_language()}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_CSS}</style>",
    ]
    if figures:
        head.append(f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>')
    head.append("</head>")

    body = ['<body><main>', f"<h1>{_esc(title)}</h1>"]
    source = survey.name
    stamp = f"{format_date(generated, 'long')} {generated.strftime('%H:%M %Z').strip()}"
    meta = [_("Generated {time}").format(time=stamp)]
    if source:
        meta.append(_("from {source}").format(source=source))
    if survey.cycle is not None:
        meta.append(_("cycle: {name}").format(name=localized_cycle(survey.cycle).name))
    body.append(f'<p class="meta">{_esc(" · ".join(meta))}</p>')
    body.append('<nav><p class="meta">' + " · ".join(f'<a href="#{k}">{_esc(_(t))}</a>' for k, t in SECTIONS) + "</p></nav>")

    body += _headline(survey, analysis)
    body += ['<section id="journey"><h2>' + _esc(_("The journey")) + '</h2>', *placed["journey"], _journey_table(analysis),
             "</section>"]
    body += _critical(analysis, placed["critical"])
    body += _priorities(analysis, placed["priorities"])
    body += _themes_section(report_themes(survey, analysis, themes, comment_language))
    body += _plans_section(plans)
    body += _method(survey, analysis)
    if problems or analysis.notes:
        body.append('<section id="notes"><h2>' + _esc(_("Notes")) + '</h2><ul>' + "".join(f"<li>{_esc(n)}</li>" for n in (*analysis.notes, *problems)) + "</ul></section>")
    body.append("</main></body></html>")
    return "\n".join(head + body)


def _headline(survey: SurveyOutline, analysis) -> list[str]:
    crit = analysis.critical_moments
    pri = analysis.priorities.sort_values("rank") if len(analysis.priorities) else analysis.priorities
    top = str(pri["stage"].iloc[0]) if len(pri) else "–"
    scores = analysis.scores
    weakest = "–"
    if len(scores) and scores["mean"].notna().any():
        weakest = str(scores.loc[scores["mean"].idxmin(), "stage"])
    cards = [
        (_("Respondents"), _fmt(int(survey.respondents))),
        (_("Ratings"), _fmt(int(survey.ratings))),
        (_("Stages"), _fmt(len(survey.stages))),
        (_("Scale"), survey.scale.label()),
        (_("Outcome"), analysis.outcome.display()),
        (_("Critical moments"), _fmt(len(crit))),
        (_("Fix first"), top),
        (_("Lowest rated stage"), weakest),
    ]
    if survey.rows_read is not None:
        cards.append((_("Rows rejected"), _("{rejected} of {read}").format(rejected=format_number(survey.rows_rejected),
                                                                          read=format_number(survey.rows_read))))
    out = ['<section id="headline"><h2>' + _esc(_("Headline figures")) + '</h2><div class="cards">']
    out += [f'<div class="card"><div class="v">{_esc(v)}</div><div class="k">{_esc(k)}</div></div>' for k, v in cards]
    out.append("</div>")
    if survey.answers is not None:  # no rows were read: every cell read is counted instead
        out.append('<p class="note">' + _esc(_("Every cell read from the source, before the filters, is counted: {counts}.").format(
            counts=answers_in_words(survey.answers))) + "</p>")
    if not survey.has_rows:
        out.append('<p class="note">' + _esc(_(REJECTED_NOT_AVAILABLE)) + "</p>")
    first = fix_first(analysis.priorities, analysis.moments, analysis.outcome) if len(analysis.priorities) else None
    if first is not None and len(first):
        out.append("<h3>" + _esc(_('Fix first')) + "</h3><ol>" + "".join(
            f"<li><strong>{_esc(r.stage)}</strong>: {_esc(r.sentence)}</li>" for r in first.itertuples(index=False)) + "</ol>")
    if len(crit):
        names = ", ".join(str(s) for s in moments_by_impact(analysis.moments)["stage"])
        sentence = _esc(_("Critical moments (a bad experience there spoils the outcome): {names}."))
        out.append(f"<p>{sentence.format(names=f'<strong>{_esc(names)}</strong>')}</p>")
    else:
        out.append("<p>" + _esc(_('No stage is a critical moment by the rule in the method notes.')) + "</p>")
    out.append("</section>")
    return out


def _journey_table(analysis) -> str:
    return "<h3>" + _esc(_('Stage scores')) + "</h3>" + _table(
        analysis.scores,
        [("order", "#"), ("stage", N_("Stage")), ("n", "n"), ("mean", N_("Mean")), ("ci_low", N_("95% CI low")),
         ("ci_high", N_("95% CI high")), ("score_100", N_("Score (0–100)")), ("top_box_pct", N_("Top box %")),
         ("bottom_box_pct", N_("Bottom box %")), ("nps", "NPS"), ("small_sample", N_("Small sample"))],
        digits={"score_100": 1, "top_box_pct": 1, "bottom_box_pct": 1, "nps": 1},
    )


def _critical(analysis, figs: list[str]) -> list[str]:
    moments = analysis.moments
    out = ['<section id="critical"><h2>' + _esc(_("Critical moments")) + '</h2>']
    crit = moments_by_impact(moments) if len(moments) else analysis.critical_moments
    if len(crit):
        out.append('<p class="note">' + _esc(_("Largest impact first: the drop after a bad experience times the share of customers who had one.")) + '</p>')
        for _index, r in crit.iterrows():
            out.append(f'<div class="evidence"><strong>{_esc(r["stage"])}</strong>: {_esc(r.get("evidence", ""))}</div>')
    else:
        out.append("<p>" + _esc(_('No stage is a critical moment: no bad experience measurably spoils the outcome by the rule below.')) + "</p>")
    pains = analysis.pain_points
    if len(pains):
        out.append("<h3>" + _esc(_('Pain points')) + "</h3>"
                   "<p class=\"note\">" + _esc(_('Many bad ratings, but one bad experience there does not spoil the outcome on its own.')) + "</p>")
        for _index, r in pains.iterrows():
            out.append(f'<div class="evidence pain"><strong>{_esc(r["stage"])}</strong>: {_esc(r.get("evidence", ""))}</div>')
    out += figs
    out.append("<h3>" + _esc(_('Every stage')) + "</h3>")
    out.append(_table(
        moments,
        [("stage", N_("Stage")), ("verdict", N_("Verdict")), ("declared_verdict", N_("Declared critical")),
         ("penalty", N_("Penalty")), ("p_adjusted", N_("p (corrected)")), ("n_bad", N_("Bad ratings")),
         ("bad_pct", N_("Bad %")), ("evidence", N_("Evidence"))],
        pcols=("p_adjusted",),
        digits={"bad_pct": 1},
    ))
    out.append("</section>")
    return out


def _priorities(analysis, figs: list[str]) -> list[str]:
    pri = analysis.priorities.sort_values("rank") if len(analysis.priorities) else analysis.priorities
    return [
        '<section id="priorities"><h2>' + _esc(_("Priorities")) + '</h2>',
        *figs,
        "<h3>" + _esc(_('Ranked list (1 = act first)')) + "</h3>",
        _table(
            pri,
            [("rank", N_("Rank")), ("stage", N_("Stage")), ("importance", N_("Importance")),
             ("performance", N_("Performance (0–100)")), ("target_100", N_("Target (0–100)")), ("gap", N_("Gap")),
             ("priority_score", N_("Priority score")), ("quadrant", N_("Quadrant")), ("level", N_("Level")),
             ("stability_top3", N_("In top 3 (bootstrap share)"))],
            digits={"importance": 3, "performance": 1, "target_100": 1, "gap": 1, "priority_score": 1, "stability_top3": 2},
        ),
        "</section>",
    ]


#: The themes table's columns in the report, with their headers (messages.THEME_HEADERS).
THEME_REPORT_COLUMNS = ("rank", "label", "key_words", "n_comments", "share_pct", "mean_rating", "mean_sentiment", "penalty",
                        "penalty_ci_low", "penalty_ci_high", "p_adjusted", "small_sample")


def _themes_section(themes: pd.DataFrame | None) -> list[str]:
    """The comment themes of the whole survey and of each stage, with their example comments (as
    text); ``None``: the survey's rows are not at hand, which the section says."""
    out = ['<section id="themes"><h2>' + _esc(_("Comment themes")) + '</h2>']
    if themes is None:
        out.append(f'<p class="note">{_esc(_(THEMES_NOT_AVAILABLE))}</p></section>')
        return out
    if len(themes) == 0:
        out.append(f'<p class="note">{_esc(_(TM.NO_THEMES_ANYWHERE))}</p></section>')
        return out
    out.append(f'<p class="note">{_esc(_(TM.THEMES_REPORT_NOTE))}</p>')
    for scope, rows in themes.groupby("scope", sort=False):
        out.append(f"<h3>{_esc(scope)}</h3>")
        out.append(_table(rows, [(c, TM.THEME_HEADERS[c]) for c in THEME_REPORT_COLUMNS], pcols=("p_adjusted",),
                          digits={"share_pct": 1, "mean_sentiment": 2}))
        out.append('<dl class="defs">')
        for r in rows.itertuples(index=False):
            examples = [e for e in (r.example_1, r.example_2, r.example_3) if isinstance(e, str) and e]
            out.append(f"<dt>{_esc(r.label)}</dt>" + "".join(f"<dd>“{_esc(e)}”</dd>" for e in examples))
        out.append("</dl>")
    out.append("</section>")
    return out


def _plans_section(plans) -> list[str]:
    out = ['<section id="plans"><h2>' + _esc(_("Action plans")) + '</h2>']
    if plans is None or len(plans) == 0:
        out.append('<p class="note">' + _esc(_("No action plans have been written yet.")) + '</p>')
    else:
        p = validate_plans(plans)
        out.append(_table(p, codes=("status",), columns=[("stage", N_("Stage")), ("requirement", N_("Requirement")), ("action", N_("Action")),
                              ("owner", N_("Owner")), ("due_date", N_("Due")), ("status", N_("Status"))]))
    out.append("</section>")
    return out


def _method(survey: SurveyOutline, analysis) -> list[str]:
    s, outcome, scale = analysis.settings, analysis.outcome, survey.scale
    span = outcome.span if np.isfinite(outcome.span) else float(scale.maximum - scale.minimum)
    correction = {"holm": "Holm", "fdr_bh": "Benjamini–Hochberg"}.get(s.correction, s.correction)
    importance = {"spearman": _("Spearman rank correlation"), "relative_weight": _("relative weights (Johnson)")}.get(
        s.importance_method, s.importance_method)
    smallest = s.min_effect_fraction * span
    critical_rule = (_("Penalty significant after correction (p < {alpha}), at least {share} of the outcome's scale "
                       "({size} on the 0/1 scale (percentage points ÷ 100)), and at least {min_bad} bad ratings.")
                     if outcome.kind == "binary" else
                     _("Penalty significant after correction (p < {alpha}), at least {share} of the outcome's scale "
                       "({size} points), and at least {min_bad} bad ratings."))
    defs = [
        (_("Scale"), _("{scale} ({source}); top box = {top}, bottom box = {bottom}. N/A answers are not ratings.").format(
            scale=scale.label(), source=survey.scale_source, top=", ".join(map(str, scale.top_box)),
            bottom=", ".join(map(str, scale.bottom_box)))),
        (_("Outcome"), _("{outcome} — no outcome was chosen, so each stage is compared with the respondent's mean over "
                         "the other stages.").format(outcome=outcome.display()) if outcome.is_proxy else outcome.display()),
        (_("Mean and interval"), _("The mean score of a stage with its 95% t-interval; a stage with fewer than {min_n} "
                                   "ratings is flagged as a small sample.").format(min_n=format_number(s.min_n))),
        (_("Score (0–100)"), _("The mean rescaled so that {low} is 0 and {high} is 100.").format(
            low=scale.minimum, high=scale.maximum)),
        (_("Top box / bottom box"), _("Percentage of ratings in the top / bottom box of the scale.")),
        ("NPS", _("On 0–10 scales only: % promoters (9–10) minus % detractors (0–6).")),
        (_("Penalty"), _("Mean outcome of respondents who rated the stage in the bottom box minus that of the others, "
                         "tested with the Mann–Whitney U test; p-values corrected across stages ({correction}). The "
                         "reward is the same for the top box.").format(correction=correction)),
        (_("Critical moment"), critical_rule.format(
            alpha=_general_number(s.alpha),
            share=format_percent(s.min_effect_fraction), min_bad=format_number(s.min_bad),
            size=_general_number(smallest))),
        (_("Pain point"), _("Many bad ratings, but one bad experience does not spoil the outcome on its own.")),
        (_("Importance"), _("Derived importance: {method} of the stage's score with the outcome.").format(method=importance)),
        (_("Quadrants"), _("Importance–performance analysis (Martilla & James 1977) with crosshairs at the mean importance "
                           "and mean performance of the stages: {quadrants}.").format(
            quadrants=", ".join(_(q) for q in CODE_LABELS["quadrant"]))),
        (_("Priority score"), _("Importance rescaled 0–1 across stages × the gap between the target and the performance "
                                "(0–100); rank 1 = act first; the level is high, medium or low.")),
        (_("Stability"), _("Share of {n} bootstrap resamples (seed {seed}) in which the stage stays in the top "
                           "three.").format(n=format_number(s.n_boot), seed=s.seed)),
    ]
    settings_rows = [
        (_("Minimum count (min_n)"), s.min_n), (_("Significance level"), s.alpha), (_("Correction"), correction),
        (_("Smallest penalty (share of the outcome's scale)"), s.min_effect_fraction), (_("Fewest bad ratings"), s.min_bad),
        (_("Importance method"), importance), (_("Bootstrap resamples"), s.n_boot), (_("Seed"), str(s.seed)),
        (_("Respondents"), survey.respondents),
        _accounting_row(survey),
        (_("Layout"), survey.layout), (_("N/A codes"), ", ".join(map(str, survey.na_values)) or _("none")),
    ]
    out = ['<section id="method"><h2>' + _esc(_("Method notes")) + '</h2><dl class="defs">']
    out += [f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in defs]
    out.append("</dl><h3>" + _esc(_('Settings')) + "</h3><table><tbody>")
    out += [f"<tr><th>{_esc(k)}</th><td>{_esc(_fmt(v) if not isinstance(v, float) else _general_number(v))}</td></tr>"
            for k, v in settings_rows]
    out.append("</tbody></table></section>")
    return out


def _accounting_row(survey: SurveyOutline) -> tuple[str, str]:
    """How the survey's input was counted: the rows read, accepted and rejected of an imported file,
    else every cell read per answer class (a warehouse source, whose rows are not read)."""
    if survey.rows_read is not None:
        return _("Rows read / accepted / rejected"), " / ".join(
            format_number(x) for x in (survey.rows_read, survey.rows_accepted, survey.rows_rejected))
    return _("Answers read (before the filters)"), answers_in_words(survey.answers or {})


def _general_number(value: float) -> str:
    """``value`` with the decimals of ``f"{value:g}"`` (0.05, 0.1) in the current language."""
    return format_decimal(value, len(f"{value:g}".partition(".")[2]))


# ---------------------------------------------------------------------------------------------
# Excel


def report_tables(survey, analysis, plans: pd.DataFrame | None = None, *, themes: pd.DataFrame | None = None,
                  comment_language: str | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the report, by sheet name, in workbook order (``themes`` / ``comment_language``:
    as in :func:`html_report`)."""
    survey, s = survey_outline(survey), analysis.settings
    if survey.rows_read is not None:
        accounting = [(_("Rows read"), str(survey.rows_read)), (_("Rows accepted"), str(survey.rows_accepted)),
                      (_("Rows rejected"), str(survey.rows_rejected))]
    else:  # a warehouse source: every cell read, per answer class, and no row
        accounting = [(_("Answers read (before the filters)"), answers_in_words(survey.answers or {})),
                      (_("Rows rejected"), _(REJECTED_NOT_AVAILABLE))]
    items = [
        (_("Respondents"), str(survey.respondents)), (_("Ratings"), str(survey.ratings)), *accounting,
        (_("Layout"), survey.layout), (_("Scale"), survey.scale.label()), (_("Stages"), ", ".join(survey.stages)),
        (_("Outcome"), analysis.outcome.display()), (_("Correction"), s.correction),
        (_("Significance level"), f"{s.alpha:g}"), (_("Smallest penalty (share of scale)"), f"{s.min_effect_fraction:g}"),
        (_("Fewest bad ratings"), str(s.min_bad)), (_("Importance method"), s.importance_method),
        (_("Bootstrap resamples"), str(s.n_boot)), (_("Seed"), str(s.seed)),
        *[(_("Note {n}").format(n=i + 1), note) for i, note in enumerate(analysis.notes)],
    ]
    summary = pd.DataFrame({"item": [k for k, _v in items], "value": [v for _k, v in items]})
    pri = analysis.priorities.sort_values("rank") if len(analysis.priorities) else analysis.priorities
    tables = {
        N_("Summary"): summary,
        N_("Stage scores"): analysis.scores,
        N_("Distribution"): analysis.distribution,
        N_("Stage changes"): analysis.changes,
        N_("Critical moments"): _code_labels(analysis.moments, ("verdict", "declared_verdict")),
        N_("Penalties"): analysis.penalties,
        N_("Priorities"): _code_labels(pri, ("quadrant", "level", "action")),
        N_("Comment themes"): _sheet_or_sentence(report_themes(survey, analysis, themes, comment_language),
                                                 THEMES_NOT_AVAILABLE),
        N_("Segments"): analysis.segments,
        N_("Segment tests"): analysis.segment_tests,
        N_("Trends"): analysis.trends,
        N_("Trend change"): analysis.trend_change,
        N_("Rejected rows"): _sheet_or_sentence(survey.rejected, REJECTED_NOT_AVAILABLE),
        N_("Action plans"): _code_labels(validate_plans(plans) if plans is not None else empty_plans(survey.stages), ("status",)),
    }
    return {_(name): table for name, table in tables.items()}


def _sheet_or_sentence(table: pd.DataFrame | None, sentence: str) -> pd.DataFrame:
    """``table``, or a sheet holding the one ``sentence`` (English; translated) that says why it is missing."""
    return table if table is not None else pd.DataFrame({"note": [_(sentence)]})


def _code_labels(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``table`` with the analysis' codes in ``columns`` named in the current language (English:
    unchanged, so the workbook keeps the codes the tables hold)."""
    if current_language() == "en" or len(table) == 0:
        return table
    out = table.copy()
    for column in columns:
        if column in out.columns:
            out[column] = [(_code_label(column, v) or v) for v in out[column].astype("object")]
    return out


def excel_report(survey, analysis, plans: pd.DataFrame | None = None, *, themes: pd.DataFrame | None = None,
                 comment_language: str | None = None) -> bytes:
    """An ``.xlsx`` workbook with every table of the report, one sheet each (see :func:`report_tables`)."""
    survey = _validate_inputs(survey, analysis, None, plans, DEFAULT_TITLE)
    return to_excel_bytes(report_tables(survey, analysis, plans, themes=themes, comment_language=comment_language))
