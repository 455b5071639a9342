"""What drives the outcome: penalty of a bad experience, penalty against reward, and priorities.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"stage": ["A", "B"], "penalty": [0.9, 0.2], "reward": [0.1, 0.6]})
>>> penalty_reward_figure(t).layout.meta["figure"]
'penalty_reward'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycle_analytics.figures.common import (
    category_order,
    row_value,
    cell_float,
    customdata,
    error_bars,
    is_empty,
    open_stage_table,
    rows_by_stage,
    rows_height,
    stage_axis,
    validate_table,
)
from cycle_analytics.figures.labels import NOMINAL_PLOT, add_number_key, corner_box, plan_labels
from cycle_analytics.figures.style import (
    BACKGROUND_COLOR,
    BAR_INTERVAL_COLOR,
    FACTOR_COLORS,
    HOVER_TEMPLATE,
    LEVEL_COLORS,
    LINE_COLOR,
    MISSING_COLOR,
    MUTED_COLOR,
    QUADRANT_COLORS,
    VERDICT_COLORS,
    FACTOR_LABELS,
    LEVEL_LABELS,
    Canvas,
    apply_style,
    escape_text,
    format_decimal,
    format_number,
    format_p_value,
    hover_title,
    split_lines,
    stage_colors,
    verdict_label,
)

from cycle_analytics.i18n import format_percent
from cycle_analytics.i18n import gettext as _

#: Thickness of a penalty bar, as a share of its stage's row (every bar is one row, centred on it).
BAR_WIDTH = 0.7


def penalty_figure(
    penalties: pd.DataFrame,
    *,
    verdicts: pd.DataFrame | None = None,
    outcome_label: str | None = None,
    threshold: float | None = None,
    colors: Mapping[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Penalty of a bad experience per stage: horizontal bars, cycle order top to bottom.

    Parameters
    ----------
    penalties : DataFrame
        ``drivers.penalty_reward`` (``stage, n_bad, penalty, penalty_ci_low, penalty_ci_high``).
    verdicts : DataFrame, optional
        ``critical.classify_moments``: bars are coloured by verdict (one trace per verdict);
        without it each bar has its stage colour.
    outcome_label : str, optional
        The outcome's name, used in the axis title (default: "overall satisfaction" in the
        interface language).
    threshold : float, optional
        The practical threshold for a critical moment, drawn as a dashed line (shape ``threshold``);
        by default the ``min_penalty`` column of ``verdicts`` when it has one.

    Returns
    -------
    go.Figure
        Bar traces with ``customdata`` rows ``[stage, n_bad]``; every bar sits on its stage's row
        (``y`` = the stage's position) and is :data:`BAR_WIDTH` of a row thick, whatever the verdicts.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage": ["A", "B"], "n_bad": [40, 3], "penalty": [0.8, float("nan")],
    ...                   "penalty_ci_low": [0.5, float("nan")], "penalty_ci_high": [1.1, float("nan")]})
    >>> list(penalty_figure(t).data[0].y)
    [0.0, 1.0]
    """
    start = open_stage_table(penalties, ("stage", "n_bad", "penalty", "penalty_ci_low", "penalty_ci_high"), "penalty_figure",
                             _("No penalties to show: an outcome and rated stages are needed."),
                             _("No penalties to show: the table names no stage."))
    outcome_label = _("overall satisfaction") if outcome_label is None else outcome_label
    if isinstance(start, go.Figure):
        return start
    names, cats = start
    colors = dict(colors) if colors else stage_colors(cats)
    rows = rows_by_stage(penalties)
    verdict: dict[str, str] = {}
    evidence: dict[str, str] = {}
    if not is_empty(verdicts):
        validate_table(verdicts, ("stage", "verdict"), "penalty_figure (verdicts)")
        vrows = rows_by_stage(verdicts)
        verdict = {s: str(row_value(r, "verdict", "")) for s, r in vrows.items()}
        evidence = {s: str(row_value(r, "evidence", "") or "") for s, r in vrows.items()}
        if threshold is None and "min_penalty" in verdicts.columns and verdicts["min_penalty"].notna().any():
            threshold = float(pd.to_numeric(verdicts["min_penalty"], errors="coerce").dropna().iloc[0])

    def hover(s: str) -> str:
        r = rows[s]
        pen = cell_float(r, "penalty")
        lines = [hover_title(s)]
        if np.isfinite(pen):
            lines.append(_("Penalty {value} (95% interval {low}–{high})").format(
                value=format_decimal(pen), low=format_decimal(cell_float(r, "penalty_ci_low")),
                high=format_decimal(cell_float(r, "penalty_ci_high"))))
        else:
            lines.append(_("No estimate: too few bad experiences or no outcome"))
        if np.isfinite(cell_float(r, "raw_penalty")):  # the one-stage penalty, halo included
            lines.append(_("Raw penalty (one stage at a time) {value}").format(value=format_decimal(cell_float(r, "raw_penalty"))))
        if np.isfinite(cell_float(r, "bad_pct")):
            lines.append(_("Bad experiences: n_bad = {n} ({share})").format(
                n=format_number(cell_float(r, "n_bad")), share=format_percent(cell_float(r, "bad_pct") / 100, 1)))
        else:
            lines.append(_("Bad experiences: n_bad = {n}").format(n=format_number(cell_float(r, "n_bad"))))
        if np.isfinite(cell_float(r, "p_adjusted")):
            lines.append(_("p (adjusted) {p}").format(p=format_p_value(cell_float(r, "p_adjusted"))))
        if s in verdict:
            lines.append(_("Verdict: {verdict}").format(verdict=escape_text(verdict_label(verdict[s]))))
        if evidence.get(s):
            lines.append("<i>" + "<br>".join(escape_text(t) for t in split_lines(evidence[s], 60)) + "</i>")
        return "<br>".join(lines)

    def bar(idx: list[int], name: str, color, rank: int, showlegend: bool) -> dict:
        sel = [names[i] for i in idx]
        pen = np.array([cell_float(rows[s], "penalty") for s in sel])
        lo = np.array([cell_float(rows[s], "penalty_ci_low") for s in sel])
        hi = np.array([cell_float(rows[s], "penalty_ci_high") for s in sel])
        # An explicit width: Plotly otherwise sizes a trace's bars by the gap between its own positions,
        # so a verdict whose stages are not next to each other got bars spanning several rows.
        return dict(type="bar",
            x=pen, y=[float(i) for i in idx], width=BAR_WIDTH, orientation="h", name=name, legendrank=rank,
            showlegend=showlegend,
            marker=dict(color=color, line=dict(width=0)),
            error_x=error_bars(pen, lo, hi, color=BAR_INTERVAL_COLOR),
            customdata=customdata(sel, [cell_float(rows[s], "n_bad") for s in sel]),
            hovertext=[hover(s) for s in sel], hovertemplate=HOVER_TEMPLATE,
        )

    fig = Canvas()
    if verdict:
        groups = _positions_by(names, lambda s: verdict.get(s, "not enough data"))
        for rank, v in enumerate(category_order(VERDICT_COLORS, verdict.values())):
            if v in groups:
                fig.add_trace(bar(groups[v], escape_text(verdict_label(v)), VERDICT_COLORS.get(v, MISSING_COLOR), rank, True))
    else:
        fig.add_trace(bar(list(range(len(names))), _("Penalty"), [colors.get(s, LINE_COLOR) for s in names], 0, False))

    for i, s in enumerate(names):
        if not np.isfinite(cell_float(rows[s], "penalty")):
            fig.add_annotation(x=0, y=i, xanchor="left", text=escape_text(_("no estimate")), showarrow=False,
                               font=dict(size=11, color=MUTED_COLOR), name="no estimate")
    if threshold is not None and np.isfinite(threshold):
        fig.add_shape(type="line", xref="x", yref="paper", x0=threshold, x1=threshold, y0=0, y1=1,
                      line=dict(color=VERDICT_COLORS["critical"], dash="dash", width=1.5), name="threshold")
        fig.add_annotation(xref="x", yref="paper", x=threshold, y=1.0, yanchor="bottom", showarrow=False,
                           text=escape_text(_("critical threshold {value}").format(value=format_decimal(threshold))),
                           font=dict(size=11, color=VERDICT_COLORS["critical"]), name="threshold")
    fig.update_layout(
        yaxis=stage_axis(names, horizontal=True), barmode="overlay",
        xaxis=dict(title=dict(text=escape_text(_("Drop in {outcome} after a bad experience (penalty)").format(outcome=outcome_label))),
                   zeroline=True,
                   zerolinecolor=LINE_COLOR),
    )
    return apply_style(fig, figure="penalty", stages=names, stage_axis="y", title=title, height=rows_height(len(names)))


def penalty_reward_figure(penalties: pd.DataFrame, *, label_limit: int = 12, title: str | None = None) -> go.Figure:
    """Penalty (x) against reward (y) per stage, with the diagonal and the factor regions.

    Stages far below the diagonal are **basic** factors (a bad experience hurts, a great one adds
    little), far above it **delight** factors, near it **performance** factors. Points are coloured
    by the ``factor`` column when present. Labels never overlap (:func:`cycle_analytics.figures.labels.plan_labels`):
    with more than ``label_limit`` stages, or where a name finds no free place, a point is labelled
    by its position in the cycle (1, 2, ...) and listed in the key under the chart (annotations
    ``key``; ``layout.meta["numbered"]`` lists those stages); the full name is in the hover.

    Returns
    -------
    go.Figure
        Scatter traces with ``customdata`` rows ``[stage]``; the diagonal is shape ``diagonal``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage": ["A", "B"], "penalty": [0.9, 0.2], "reward": [0.1, 0.6]})
    >>> [s.name for s in penalty_reward_figure(t).layout.shapes]
    ['diagonal']
    """
    start = open_stage_table(penalties, ("stage", "penalty", "reward"), "penalty_reward_figure",
                             _("No penalties and rewards to show: an outcome and rated stages are needed."),
                             _("No penalties and rewards to show: the table names no stage."))
    if isinstance(start, go.Figure):
        return start
    names, cats = start
    rows = rows_by_stage(penalties)
    colors = stage_colors(cats)
    has_factor = "factor" in penalties.columns

    def hover(s: str) -> str:
        r = rows[s]
        lines = [hover_title(s),
                 _("Penalty {value} ({low}–{high})").format(
                     value=format_decimal(cell_float(r, "penalty")), low=format_decimal(cell_float(r, "penalty_ci_low")),
                     high=format_decimal(cell_float(r, "penalty_ci_high"))),
                 _("Reward {value} ({low}–{high})").format(
                     value=format_decimal(cell_float(r, "reward")), low=format_decimal(cell_float(r, "reward_ci_low")),
                     high=format_decimal(cell_float(r, "reward_ci_high")))]
        if has_factor:
            factor = str(row_value(r, "factor", "unclear"))
            lines.append(escape_text(_(FACTOR_LABELS[factor]) if factor in FACTOR_LABELS else factor))
        if np.isfinite(cell_float(r, "n")):
            lines.append(f"n = {format_number(cell_float(r, 'n'))}")
        return "<br>".join(lines)

    vals = np.array([cell_float(rows[s], c) for s in names for c in ("penalty", "reward")])
    vals = vals[np.isfinite(vals)]
    lo = min(0.0, float(vals.min())) if vals.size else 0.0
    hi = max(float(vals.max()), lo + 0.1) if vals.size else 1.0
    span = hi - lo
    lo, hi = lo - 0.05 * span, hi + 0.12 * span
    regions = ((_region(_("Basic factors"), _("(penalty ≫ reward)")), 0.99, 0.02, "right", "bottom"),
               (_region(_("Delight factors"), _("(reward ≫ penalty)")), 0.01, 0.98, "left", "top"),
               (_region(_("Performance factors"), _("(along the diagonal)")), 0.99, 0.98, "right", "top"))
    pen_x = np.array([cell_float(rows[s], "penalty") for s in names])
    rew_y = np.array([cell_float(rows[s], "reward") for s in names])
    plan = plan_labels(pen_x, rew_y, names, [str(i + 1) for i in range(len(names))], x_range=(lo, hi), y_range=(lo, hi),
                       reserved=[corner_box(f"{ya} {xa}", text, 11) for text, _x, _y, xa, ya in regions],
                       max_named=label_limit, plot=(NOMINAL_PLOT[0] * 0.7, NOMINAL_PLOT[1]))

    groups = _positions_by(names, lambda s: str(row_value(rows[s], "factor", "unclear")) if has_factor else "")
    fig = Canvas()
    for rank, key in enumerate(category_order(FACTOR_COLORS, groups) if has_factor else [""]):
        idx = groups.get(key)
        if not idx:
            continue
        sel = [names[i] for i in idx]
        fig.add_trace(_labelled_points(
            pen_x[idx], rew_y[idx],
            name=escape_text(_(FACTOR_LABELS[key]) if key in FACTOR_LABELS else key) if has_factor else _("Stage"),
            showlegend=has_factor, rank=rank,
            labels=[plan.text[i] for i in idx], textposition=[plan.position[i] for i in idx],
            color=FACTOR_COLORS.get(key, MUTED_COLOR) if has_factor else [colors[s] for s in sel], size=11,
            custom=customdata(sel), hovertext=[hover(s) for s in sel],
        ))
    fig.add_shape(type="line", x0=lo, y0=lo, x1=hi, y1=hi, line=dict(color=MUTED_COLOR, dash="dash", width=1), name="diagonal", layer="below")
    for text, x, y, xa, ya in regions:
        fig.add_annotation(xref="x domain", yref="y domain", x=x, y=y, xanchor=xa, yanchor=ya, text=text,
                           showarrow=False, align="left" if xa == "left" else "right",
                           font=dict(size=11, color=MUTED_COLOR), name=text.split("<br>")[0])
    key = add_number_key(fig, [(str(i + 1), names[i]) for i in plan.numbered], title=_("Key: stage by its place in the cycle"))
    fig.update_layout(
        xaxis=dict(title=dict(text=escape_text(_("Penalty of a bad experience"))), range=[lo, hi], zeroline=True),
        yaxis=dict(title=dict(text=escape_text(_("Reward of a top experience"))), range=[lo, hi], zeroline=True),
    )
    return _with_key_margin(apply_style(fig, figure="penalty_reward", stages=names, title=title, height=520 + key,
                                        numbered=[names[i] for i in plan.numbered]), key)


def priority_figure(
    priorities: pd.DataFrame,
    *,
    importance_mean: float | None = None,
    performance_mean: float | None = None,
    open_plans: Iterable[str] | None = None,
    label_limit: int = 12,
    title: str | None = None,
) -> go.Figure:
    """Importance-performance chart (Martilla & James 1977) with crosshairs and quadrant names.

    x = performance (``score_100``), y = importance. Crosshairs (shapes ``crosshair_performance``
    and ``crosshair_importance``) sit at ``performance_mean`` / ``importance_mean``; by default
    the ``performance_mean`` / ``importance_mean`` columns when the table has them, else the mean
    of the stages. Quadrant names are written in the corners: ``Concentrate here`` top left,
    ``Keep up the good work`` top right, ``Low priority`` bottom left, ``Possible overkill`` bottom
    right. Points are coloured by ``level``. Labels never overlap each other, the points or the
    quadrant names: with more than ``label_limit`` stages, or where a name finds no free place, a
    point is labelled by its rank (or cycle position) and listed in the key under the chart
    (annotations ``key``; ``layout.meta["numbered"]``).

    Returns
    -------
    go.Figure
        Scatter traces (one per level) with ``customdata`` rows ``[stage, rank]``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage": ["A", "B"], "importance": [0.6, 0.2], "performance": [40.0, 80.0]})
    >>> [s.x0 for s in priority_figure(t).layout.shapes if s.name == "crosshair_performance"]
    [60.0]
    """
    start = open_stage_table(priorities, ("stage", "importance", "performance"), "priority_figure",
                             _("No priorities to show: an outcome and rated stages are needed."),
                             _("No priorities to show: the table names no stage."))
    if isinstance(start, go.Figure):
        return start
    names, _cats = start
    rows = rows_by_stage(priorities)
    imp = np.array([cell_float(rows[s], "importance") for s in names])
    perf = np.array([cell_float(rows[s], "performance") for s in names])

    def centre(given, col: str, values: np.ndarray) -> float:
        if given is not None:
            return float(given)
        if col in priorities.columns and priorities[col].notna().any():
            return float(priorities[col].dropna().iloc[0])
        return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")

    pm = centre(performance_mean, "performance_mean", perf)
    im = centre(importance_mean, "importance_mean", imp)
    plans = {str(s) for s in (open_plans or ())}

    ranks = np.array([cell_float(rows[s], "rank") for s in names])
    by_rank = bool(np.isfinite(ranks).all())  # numbers are ranks only when every stage has one

    def number(i: int, s: str) -> str:
        return format_number(ranks[i]) if by_rank else str(i + 1)

    def hover(s: str) -> str:
        r = rows[s]
        lines = [hover_title(s)]
        if row_value(r, "rank", None) is not None:
            lines.append(_("Rank {rank}").format(rank=format_number(cell_float(r, "rank"))))
        lines += [_("Importance {value}").format(value=format_decimal(cell_float(r, "importance"), 3)),
                  _("Performance {value} / 100").format(value=format_decimal(cell_float(r, "performance"), 1))]
        if np.isfinite(cell_float(r, "target_100")):
            lines.append(_("Target {target} / 100, gap {gap}").format(
                target=format_decimal(cell_float(r, "target_100"), 1), gap=format_decimal(cell_float(r, "gap"), 1)))
        if np.isfinite(cell_float(r, "priority_score")):
            lines.append(_("Priority score {value}").format(value=format_decimal(cell_float(r, "priority_score"), 3)))
        quadrant, level = row_value(r, "quadrant", None), row_value(r, "level", None)
        if quadrant is not None:
            lines.append(_("Quadrant: {quadrant}").format(quadrant=escape_text(_(str(quadrant)))))
        if level is not None:
            lines.append(_("Level: {level}").format(level=escape_text(_(LEVEL_LABELS.get(str(level), str(level))))))
        if np.isfinite(cell_float(r, "stability_top3")):
            lines.append(_("In the top three in {share} of resamples").format(
                share=format_percent(cell_float(r, "stability_top3"))))
        if s in plans:
            lines.append(escape_text(_("Open action plan")))
        return "<br>".join(lines)

    xr, yr = _padded_range(perf, pm, 10.0), _padded_range(imp, im, 0.1)
    quadrants = (("Concentrate here", 0.01, 0.99, "left", "top"), ("Keep up the good work", 0.99, 0.99, "right", "top"),
                 ("Low priority", 0.01, 0.01, "left", "bottom"), ("Possible overkill", 0.99, 0.01, "right", "bottom"))
    numbers = [number(i, s) for i, s in enumerate(names)]
    plan = plan_labels(perf, imp, names, numbers, x_range=xr, y_range=yr, max_named=label_limit,
                       reserved=[corner_box(f"{ya} {xa}", _(quad), 12) for quad, _x, _y, xa, ya in quadrants],
                       order=list(np.argsort(np.where(np.isfinite(ranks), ranks, np.inf), kind="stable")))
    fig = Canvas()
    level_of = {s: str(row_value(rows[s], "level", "")) for s in names}
    groups = _positions_by(names, level_of.get)
    for rank, lev in enumerate(category_order(LEVEL_COLORS, level_of.values())):
        idx = groups.get(lev)
        if not idx:
            continue
        sel = [names[i] for i in idx]
        fig.add_trace(_labelled_points(
            perf[idx], imp[idx], name=escape_text(_(LEVEL_LABELS[lev]) if lev in LEVEL_LABELS else lev) if lev else _("Stage"),
            showlegend=bool(lev), rank=rank, labels=[plan.text[i] for i in idx],
            textposition=[plan.position[i] for i in idx], color=LEVEL_COLORS.get(lev, MUTED_COLOR), size=12,
            custom=customdata(sel, [row_value(rows[s], "rank", None) for s in sel]), hovertext=[hover(s) for s in sel],
        ))
    plan_idx = [i for i, s in enumerate(names) if s in plans]
    if plan_idx:
        fig.add_trace(dict(type="scatter",
            x=perf[plan_idx], y=imp[plan_idx], mode="markers", name=escape_text(_("Open action plan")), legendrank=10,
            marker=dict(size=22, symbol="circle-open", color=LINE_COLOR, line=dict(width=1.5)),
            customdata=customdata([names[i] for i in plan_idx]), hovertext=[hover(names[i]) for i in plan_idx],
            hovertemplate=HOVER_TEMPLATE,
        ))

    if np.isfinite(pm):
        fig.add_shape(type="line", xref="x", yref="y", x0=pm, x1=pm, y0=yr[0], y1=yr[1],
                      line=dict(color=LINE_COLOR, width=1, dash="dot"), name="crosshair_performance", layer="below")
    if np.isfinite(im):
        fig.add_shape(type="line", xref="x", yref="y", x0=xr[0], x1=xr[1], y0=im, y1=im,
                      line=dict(color=LINE_COLOR, width=1, dash="dot"), name="crosshair_importance", layer="below")
    for quad, x, y, xa, ya in quadrants:
        fig.add_annotation(xref="x domain", yref="y domain", x=x, y=y, xanchor=xa, yanchor=ya,
                           text=f"<b>{escape_text(_(quad))}</b>", showarrow=False,
                           font=dict(size=12, color=QUADRANT_COLORS[quad]), name=quad)
    key = add_number_key(fig, [(numbers[i], names[i]) for i in plan.numbered],
                         title=_("Key: stage by its rank") if by_rank else _("Key: stage by its place in the cycle"))
    fig.update_layout(
        xaxis=dict(title=dict(text=escape_text(_("Performance (score 0–100)"))), range=xr, zeroline=False),
        yaxis=dict(title=dict(text=escape_text(_("Importance"))), range=yr, zeroline=False),
    )
    return _with_key_margin(apply_style(
        fig, figure="priority", stages=names, title=title, height=540 + key, numbered=[names[i] for i in plan.numbered],
        performance_mean=pm if np.isfinite(pm) else None, importance_mean=im if np.isfinite(im) else None), key)


def _region(name: str, rule: str) -> str:
    """The two-line corner text of a factor region: its name, then its rule (both escaped)."""
    return f"{escape_text(name)}<br>{escape_text(rule)}"


def _positions_by(names: Sequence[str], key_of) -> dict[str, list[int]]:
    """Positions of ``names`` grouped by ``key_of(name)``, in order."""
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(names):
        groups.setdefault(key_of(s), []).append(i)
    return groups


def _with_key_margin(fig: go.Figure, key: int) -> go.Figure:
    """Room under the plot for the key of numbered points (``key`` pixels, 0 = no key)."""
    if key:
        fig.update_layout(margin=dict(b=key))
    return fig


def _labelled_points(x, y, *, name: str, showlegend: bool, rank: int, labels: list[str], textposition, color, size: int,
                     custom: np.ndarray, hovertext: list[str]) -> dict:
    """One scatter trace of labelled stage points (the penalty-reward and priority charts)."""
    return dict(type="scatter",
        x=x, y=y, mode="markers+text", name=name, showlegend=showlegend, legendrank=rank,
        text=labels, textposition=textposition, textfont=dict(size=11),
        marker=dict(size=size, color=color, line=dict(color=BACKGROUND_COLOR, width=1)),
        customdata=custom, hovertext=hovertext, hovertemplate=HOVER_TEMPLATE,
    )


def _padded_range(values: np.ndarray, centre: float, min_span: float) -> list[float]:
    """An axis range holding ``values`` and ``centre``, at least ``min_span`` wide, padded by a quarter."""
    v = np.concatenate([values[np.isfinite(values)], [centre] if np.isfinite(centre) else []])
    if not v.size:
        return [0.0, 1.0]
    a, b = float(v.min()), float(v.max())
    span = max(b - a, min_span)
    mid = (a + b) / 2
    return [min(a, mid - span / 2) - 0.25 * span, max(b, mid + span / 2) + 0.25 * span]
