"""The journey: mean score per stage in cycle order, and the change from each stage to the next.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"stage": ["A", "B"], "n": [50, 40], "mean": [4.0, 3.1], "ci_low": [3.8, 2.8],
...                   "ci_high": [4.2, 3.4]})
>>> journey_figure(t).layout.meta["stages"]
['A', 'B']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycle_analytics.figures.common import (
    row_value,
    cell_float,
    customdata,
    empty_figure,
    error_bars,
    hollow_symbols,
    is_empty,
    legend_only,
    open_stage_table,
    phase_runs,
    phase_shades,
    rows_by_stage,
    rows_height,
    scale_bounds,
    stage_axis,
    validate_table,
)
from cycle_analytics.figures.style import (
    BACKGROUND_COLOR,
    CHANGE_COLORS,
    HOVER_TEMPLATE,
    INTERVAL_COLOR,
    LABEL_BACKGROUND,
    LINE_COLOR,
    MANY_STAGES,
    MUTED_COLOR,
    PHASE_FILLS,
    TARGET_COLOR,
    VERDICT_COLORS,
    Canvas,
    apply_style,
    escape_text,
    format_decimal,
    format_number,
    format_p_value,
    hover_title,
    short_label,
    small_sample_note,
    stage_colors,
    verdict_label,
)
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale


def journey_figure(
    scores: pd.DataFrame,
    *,
    verdicts: pd.DataFrame | None = None,
    targets: Mapping[str, float] | None = None,
    phases: Mapping[str, str | None] | None = None,
    open_plans: Iterable[str] | None = None,
    scale: Scale | tuple[float, float] | None = None,
    orientation: str = "auto",
    colors: Mapping[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """The cycle as a journey: mean score per stage in cycle order with its 95% interval.

    Parameters
    ----------
    scores : DataFrame
        ``scores.stage_scores`` (``stage, n, mean, ci_low, ci_high`` used; ``score_100`` and
        ``small_sample`` when present).
    verdicts : DataFrame, optional
        ``critical.classify_moments`` (``stage, verdict`` and ``declared_critical`` if present):
        critical moments get a vermillion diamond, pain points an orange triangle, stages declared
        critical but not confirmed an open diamond.
    targets : dict, optional
        Stage -> target on the rating scale, drawn as black dashes.
    phases : dict, optional
        Stage -> phase name (or None): consecutive stages of one phase are shaded as a band.
    open_plans : iterable of str, optional
        Stages with an open action plan, marked "open plan".
    scale : Scale or (min, max), optional
        The score axis spans the scale; without it the axis fits the data.
    orientation : {"auto", "v", "h"}
        ``"v"``: stages on x; ``"h"``: stages top to bottom; ``"auto"``: ``"h"`` above
        :data:`~cycle_analytics.figures.style.MANY_STAGES` stages.

    Returns
    -------
    go.Figure
        Trace 0 is the score line ("Score (95% interval)"); its ``customdata`` rows are
        ``[stage, n]``. Marker traces ("Critical moment", "Pain point", ...) have ``[stage]``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage": ["A"], "n": [50], "mean": [4.0], "ci_low": [3.8], "ci_high": [4.2]})
    >>> [tr.name for tr in journey_figure(t, targets={"A": 4.5}).data]
    ['Score (95% interval)', 'Target']
    """
    start = open_stage_table(scores, ("stage", "n", "mean", "ci_low", "ci_high"), "journey_figure",
                             _("No stage scores to show: no ratings match the current selection."),
                             _("No stage scores to show: the table names no stage."))
    if isinstance(start, go.Figure):
        return start
    names, cats = start
    colors = dict(colors) if colors else stage_colors(cats)
    rows = rows_by_stage(scores)
    n = len(names)
    horizontal = orientation == "h" or (orientation == "auto" and n > MANY_STAGES)
    pos = np.arange(n, dtype=float)
    mean = np.array([cell_float(rows[s], "mean") for s in names])
    lo = np.array([cell_float(rows[s], "ci_low") for s in names])
    hi = np.array([cell_float(rows[s], "ci_high") for s in names])
    counts = np.array([cell_float(rows[s], "n") for s in names])
    small = np.array([bool(row_value(rows[s], "small_sample", False)) for s in names])
    targets = {str(k): float(v) for k, v in (targets or {}).items() if v is not None and np.isfinite(float(v))}
    phases = {str(k): v for k, v in (phases or {}).items()}
    open_plans = {str(s) for s in (open_plans or ())}
    verdict, declared = _verdicts_by_stage(verdicts)
    bounds = scale_bounds(scale)
    fig = Canvas()

    def xy(p, v) -> dict:
        return dict(x=v, y=p) if horizontal else dict(x=p, y=v)

    has_phases = _add_phase_bands(fig, [phases.get(s) for s in names], horizontal=horizontal)

    # Verdict markers (drawn first, so the score marker sits on top of them).
    fallback = bounds[0] if bounds else (np.nanmin(lo) if np.isfinite(lo).any() else 0.0)
    at = np.where(np.isfinite(mean), mean, fallback)

    def marker_trace(idx: list[int], name: str, color: str, symbol: str, size: int, rank: int) -> None:
        if not idx:
            return
        fig.add_trace(dict(type="scatter",
            **xy(pos[idx], at[idx]), mode="markers", name=name, legendrank=rank,
            marker=dict(symbol=symbol, size=size, color=color, line=dict(color=color, width=2)),
            customdata=customdata([names[i] for i in idx]),
            hovertext=[f"{hover_title(names[i])}<br>{escape_text(name)}" for i in idx],
            hovertemplate=HOVER_TEMPLATE,
        ))

    marker_trace([i for i, s in enumerate(names) if verdict.get(s) == "critical"],
                 verdict_label("critical"), VERDICT_COLORS["critical"], "diamond", 24, 2)
    marker_trace([i for i, s in enumerate(names) if verdict.get(s) == "pain point"],
                 verdict_label("pain point"), VERDICT_COLORS["pain point"], "triangle-down", 22, 3)
    marker_trace([i for i, s in enumerate(names) if declared.get(s) and verdict.get(s) != "critical"],
                 _("Declared critical, not confirmed"), VERDICT_COLORS["critical"], "diamond-open", 26, 4)

    # The score line with intervals.
    hover = [
        _score_hover(s, rows[s], mean[i], lo[i], hi[i], counts[i], small[i], target=targets.get(s),
                     phase=phases.get(s), verdict=verdict.get(s), open_plan=s in open_plans)
        for i, s in enumerate(names)
    ]
    err = error_bars(mean, lo, hi, color=INTERVAL_COLOR)
    fig.add_trace(dict(type="scatter",
        **xy(pos, mean), mode="lines+markers", name=_("Score (95% interval)"), legendrank=1,
        line=dict(color=LINE_COLOR, width=2), connectgaps=False,
        marker=dict(size=12, color=[colors.get(s, LINE_COLOR) for s in names],
                    symbol=hollow_symbols(small),
                    line=dict(width=[2.5 if sm else 1 for sm in small], color=[colors.get(s, LINE_COLOR) if sm else BACKGROUND_COLOR for s, sm in zip(names, small)])),
        **({"error_x": err} if horizontal else {"error_y": err}),
        customdata=customdata(names, counts), hovertext=hover, hovertemplate=HOVER_TEMPLATE,
    ))
    if small.any():
        fig.add_trace(legend_only(_("Small sample (hollow)"), LINE_COLOR, "circle-open", rank=6))

    if targets:
        tv = np.array([targets.get(s, np.nan) for s in names])
        keep = [i for i in range(n) if np.isfinite(tv[i])]
        fig.add_trace(dict(type="scatter",
            **xy(pos, tv), mode="lines+markers", name=_("Target"), legendrank=5, connectgaps=False,
            line=dict(color=TARGET_COLOR, width=1, dash="dot"),
            marker=dict(symbol="line-ns" if horizontal else "line-ew", size=22, line=dict(width=3, color=TARGET_COLOR)),
            customdata=customdata(names),
            hovertext=[f"{hover_title(s)}<br>" + _("Target {value}").format(value=format_decimal(tv[i])) if i in keep else ""
                       for i, s in enumerate(names)],
            hovertemplate=HOVER_TEMPLATE,
        ))

    # Open action plans: small annotations.
    for i, s in enumerate(names):
        if s in open_plans:
            yv = float(at[i])
            fig.add_annotation(**xy(float(pos[i]), yv), text=escape_text(_("open plan")), showarrow=True, arrowhead=0,
                               arrowcolor=MUTED_COLOR, ax=30 if horizontal else 0, ay=0 if horizontal else -30,
                               font=dict(size=10, color=MUTED_COLOR), bgcolor=LABEL_BACKGROUND, name="open plan")

    stage_ax = stage_axis(names, horizontal=horizontal)
    score_ax = _score_axis(bounds, np.concatenate([lo, hi, mean, np.array(list(targets.values()), float)]),
                           room_for_phases=has_phases)
    if horizontal:
        fig.update_layout(yaxis=stage_ax, xaxis=score_ax)
        height = rows_height(n, extra=180)
    else:
        fig.update_layout(xaxis=stage_ax, yaxis=score_ax)
        height = 480
    return apply_style(fig, figure="journey", stages=names, stage_axis="y" if horizontal else "x", title=title,
                       height=height, open_plans=sorted(open_plans & set(names)))


def _verdicts_by_stage(verdicts: pd.DataFrame | None) -> tuple[dict[str, str], dict[str, bool]]:
    """(stage -> verdict, stage -> declared critical) from a ``classify_moments`` table, if any."""
    verdict: dict[str, str] = {}
    declared: dict[str, bool] = {}
    if not is_empty(verdicts):
        validate_table(verdicts, ("stage", "verdict"), "journey_figure (verdicts)")
        for s, row in rows_by_stage(verdicts).items():
            verdict[s] = str(row_value(row, "verdict", ""))
            declared[s] = bool(row_value(row, "declared_critical", False))
    return verdict, declared


def _add_phase_bands(fig: Canvas, phase_of: Sequence[str | None], *, horizontal: bool) -> bool:
    """Shade each run of stages of one phase (shapes below the data) and name it; a phase keeps
    its shade. Returns whether any stage has a phase (the score axis then leaves room for names)."""
    shade = phase_shades(phase_of)
    for ph, first, last in phase_runs(phase_of):
        a, b = first - 0.5, last + 0.5
        fill = PHASE_FILLS[shade[ph] % len(PHASE_FILLS)]
        if horizontal:
            fig.add_shape(type="rect", xref="paper", yref="y", x0=0, x1=1, y0=a, y1=b, fillcolor=fill,
                          line=dict(width=0), layer="below", name=f"phase:{ph}")
            fig.add_annotation(xref="paper", yref="y", x=1.0, y=a, xanchor="right", yanchor="top",
                               text=f"<i>{short_label(ph, 30)}</i>", showarrow=False,
                               font=dict(size=11, color=MUTED_COLOR), name="phase")
        else:
            fig.add_shape(type="rect", xref="x", yref="paper", x0=a, x1=b, y0=0, y1=1, fillcolor=fill,
                          line=dict(width=0), layer="below", name=f"phase:{ph}")
            fig.add_annotation(xref="x", yref="paper", x=(a + b) / 2, y=0.995, yanchor="top",
                               text=f"<i>{short_label(ph, 12 * (last - first + 1) + 6)}</i>", showarrow=False,
                               font=dict(size=11, color=MUTED_COLOR), name="phase")
    return bool(shade)


def _score_hover(stage: str, row: pd.Series, mean: float, lo: float, hi: float, n: float, small: bool, *,
                 target: float | None, phase: str | None, verdict: str | None, open_plan: bool) -> str:
    """The hover text of one stage's point on the score line."""
    lines = [hover_title(stage)]
    if not np.isfinite(mean):
        lines.append(_("No ratings for this stage"))
    else:
        lines.append(_("Mean {mean} (95% interval {low}–{high})").format(
            mean=format_decimal(mean), low=format_decimal(lo), high=format_decimal(hi)))
        if np.isfinite(cell_float(row, "score_100")):
            lines.append(_("Score 0–100: {score}").format(score=format_decimal(cell_float(row, "score_100"), 0)))
    lines.append(f"n = {format_number(n)}")
    if target is not None:
        lines.append(_("Target {value}").format(value=format_decimal(target)))
    if phase:
        lines.append(_("Phase: {phase}").format(phase=escape_text(phase)))
    if verdict is not None:
        lines.append(_("Verdict: {verdict}").format(verdict=escape_text(verdict_label(verdict))))
    if small and np.isfinite(mean):
        lines.append(small_sample_note())
    if open_plan:
        lines.append(escape_text(_("Open action plan")))
    return "<br>".join(lines)


def _score_axis(bounds: tuple[float, float] | None, values: np.ndarray, *, room_for_phases: bool) -> dict:
    """The score axis: the scale (a little padded) when known, else the range of ``values``;
    extra room at the top for the phase names."""
    if bounds:
        span = bounds[1] - bounds[0]
        score_range = [bounds[0] - 0.04 * span, bounds[1] + (0.12 if room_for_phases else 0.04) * span]
    else:
        vals = values[np.isfinite(values)]
        a, b = (float(vals.min()), float(vals.max())) if vals.size else (0.0, 1.0)
        pad = max(0.1 * (b - a), 0.1)
        score_range = [a - pad, b + pad * (2.5 if room_for_phases else 1.0)]
    score_title = (_("Mean score (scale {low}–{high})").format(low=f"{bounds[0]:g}", high=f"{bounds[1]:g}") if bounds
                   else _("Mean score"))
    axis = dict(range=score_range, title=dict(text=score_title), zeroline=False)
    if bounds and bounds[1] - bounds[0] <= 10:
        axis["dtick"] = 1
    return axis


def stage_change_figure(changes: pd.DataFrame, *, alpha: float = 0.05, title: str | None = None) -> go.Figure:
    """Change in mean score from each stage to the next (``scores.stage_changes``), with significance stars.

    Horizontal bars, one per consecutive pair ("from → to") in cycle order; blue when the score
    rises, orange when it falls. Bar text: ``***`` p < 0.001, ``**`` p < 0.01, ``*`` p < ``alpha``
    (Wilcoxon signed-rank p-values as given). ``customdata`` rows: ``[stage_to, stage_from, p_value]``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage_from": ["A"], "stage_to": ["B"], "mean_change": [-0.4], "p_value": [0.003]})
    >>> list(stage_change_figure(t).data[0].text)
    ['**']
    """
    if is_empty(changes):
        return empty_figure(_("No stage-to-stage changes to show: at least two stages rated by the same respondents are needed."))
    validate_table(changes, ("stage_from", "stage_to", "mean_change", "p_value"), "stage_change_figure")
    data = changes
    if isinstance(changes["stage_from"].dtype, pd.CategoricalDtype):
        data = changes.assign(_o=changes["stage_from"].cat.codes).sort_values("_o", kind="stable")
    data = data[data["stage_from"].notna() & data["stage_to"].notna()]
    if data.empty:
        return empty_figure(_("No stage-to-stage changes to show."))
    frm = [str(v) for v in data["stage_from"]]
    to = [str(v) for v in data["stage_to"]]
    change = pd.to_numeric(data["mean_change"], errors="coerce").to_numpy(float)
    p = pd.to_numeric(data["p_value"], errors="coerce").to_numpy(float)

    def stars(v: float) -> str:
        if not np.isfinite(v):
            return ""
        return "***" if v < 0.001 else "**" if v < 0.01 else "*" if v < alpha else ""

    nrows = len(frm)
    hover = []
    for k in range(nrows):
        r = data.iloc[k]
        lines = [f"<b>{escape_text(frm[k])} → {escape_text(to[k])}</b>"]
        if np.isfinite(change[k]):
            lines.append(_("Mean {before} → {after}, change {change}").format(
                before=format_decimal(cell_float(r, "mean_from")), after=format_decimal(cell_float(r, "mean_to")),
                change=format_decimal(change[k], signed=True)))
        else:
            lines.append(_("No respondents rated both stages"))
        lines.append(_("p = {p}, respondents who rated both: {n}").format(
            p=format_p_value(p[k]), n=format_number(cell_float(r, "n_pairs"))))
        if np.isfinite(cell_float(r, "effect_size")):
            lines.append(_("Effect size {value}").format(value=format_decimal(cell_float(r, "effect_size"))))
        hover.append("<br>".join(lines))
    labels = [f"{short_label(a, 18)} →<br>{short_label(b, 18)}" for a, b in zip(frm, to)]
    fig = Canvas()
    fig.add_trace(dict(type="bar",
        x=change, y=list(range(nrows)), orientation="h", name=_("Change"),
        marker=dict(color=[CHANGE_COLORS["up"] if c >= 0 else CHANGE_COLORS["down"] for c in np.nan_to_num(change)]),
        text=[stars(v) for v in p], textposition="outside", textfont=dict(size=13),
        customdata=customdata(to, frm, list(p)), hovertext=hover, hovertemplate=HOVER_TEMPLATE,
        cliponaxis=False,
    ))
    fig.update_layout(
        yaxis=dict(tickmode="array", tickvals=list(range(nrows)), ticktext=labels, range=[nrows - 0.4, -0.6], showgrid=False),
        xaxis=dict(title=dict(text=escape_text(_("Change in mean score from the previous stage")) + "<br><sup>"
                              + escape_text(_("* p < {alpha}   ** p < {p2}   *** p < {p3} (Wilcoxon signed-rank)").format(
                                  alpha=format_decimal(alpha, 2 if alpha >= 0.01 else 3), p2=format_decimal(0.01),
                                  p3=format_decimal(0.001, 3))) + "</sup>"),
                   zeroline=True, zerolinecolor=LINE_COLOR),
    )
    return apply_style(fig, figure="stage_change", stages=to, stage_axis="y", title=title,
                       height=rows_height(nrows, minimum=260, extra=190) + 12 * nrows)
