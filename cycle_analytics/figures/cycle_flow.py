"""The cycle designer's flow chart: the stages as boxes with arrows, wrapping into rows.

Examples
--------
>>> from cycle_analytics.cycles import Cycle, Stage
>>> cycle_flow_figure(Cycle("Demo", (Stage("Arrive"), Stage("Wait")))).layout.meta["cycle"]
'Demo'
"""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from cycle_analytics.figures.common import customdata, empty_figure, legend_only, phase_runs, phase_shades
from cycle_analytics.figures.style import (
    BACKGROUND_COLOR,
    HOVER_TEMPLATE,
    INVISIBLE_COLOR,
    LINE_COLOR,
    MUTED_COLOR,
    PHASE_FILLS_STRONG,
    TEXT_COLOR,
    VERDICT_COLORS,
    Canvas,
    apply_style,
    escape_text,
    format_decimal,
    hover_title,
    rgba,
    short_label,
    stage_colors,
    wrap_label,
)

from cycle_analytics.i18n import gettext as _

# Box layout in axis units: distance between box centres (across, down), box width and height.
_DX, _DY, _BOX_W, _BOX_H = 1.5, 1.9, 1.1, 0.8


def cycle_flow_figure(
    cycle,
    *,
    per_row: int | None = None,
    colors: Mapping[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """The cycle as boxes left to right with arrows, wrapping into rows (for the cycle designer).

    Declared critical stages have a thick vermillion border and a tinted fill; phases are shaded
    bands behind their stages, named at the top left of each band. The box centres are a scatter
    trace (``customdata`` ``[stage]``) so a click selects a stage.

    Parameters
    ----------
    cycle : cycle_analytics.cycles.Cycle
    per_row : int, optional
        Boxes per row (default: up to 6).

    Examples
    --------
    >>> from cycle_analytics.cycles import Cycle, Stage
    >>> fig = cycle_flow_figure(Cycle("Demo", (Stage("Arrive"), Stage("Wait", critical=True))))
    >>> [list(r) for r in fig.data[0].customdata]
    [['Arrive'], ['Wait']]
    """
    stages = tuple(getattr(cycle, "stages", ()) or ())
    if not stages:
        return empty_figure(_("This cycle has no stages yet: add the first moment of truth."))
    names = [s.name for s in stages]
    colors = dict(colors) if colors else stage_colors(names)
    n = len(names)
    per = max(1, int(per_row)) if per_row else min(n, 6)
    cx = [(i % per) * _DX for i in range(n)]
    cy = [-(i // per) * _DY for i in range(n)]
    fig = Canvas()
    _add_flow_phase_bands(fig, stages, cx, cy, per)
    _add_boxes_and_arrows(fig, stages, cx, cy, colors)
    hover = [_stage_hover(st) for st in stages]
    fig.add_trace(dict(type="scatter",
        x=cx, y=cy, mode="markers+text", name=_("Stages"), showlegend=False,
        text=[wrap_label(s, 14, 3) + (" ★" if st.critical else "") for s, st in zip(names, stages)],
        textposition="middle center", textfont=dict(size=11, color=TEXT_COLOR),
        marker=dict(symbol="square", size=40, color=INVISIBLE_COLOR, opacity=0.01),
        customdata=customdata(names), hovertext=hover, hovertemplate=HOVER_TEMPLATE,
    ))
    if any(st.critical for st in stages):
        fig.add_trace(legend_only(escape_text(_("Declared critical moment (★)")), VERDICT_COLORS["critical"], "square-open"))
    rows = (n - 1) // per + 1
    fig.update_xaxes(visible=False, range=[-_BOX_W / 2 - 0.3, (per - 1) * _DX + _BOX_W / 2 + 0.3])
    fig.update_yaxes(visible=False, range=[-(rows - 1) * _DY - _BOX_H / 2 - 0.3, _BOX_H / 2 + 0.55])
    fig.update_layout(showlegend=any(st.critical for st in stages))
    return apply_style(fig, figure="cycle_flow", stages=names, title=title or None, height=int(150 * rows + 110),
                       cycle=escape_text(getattr(cycle, "name", "")))


def _add_flow_phase_bands(fig: Canvas, stages, cx: list[float], cy: list[float], per: int) -> None:
    """A shaded band behind each run of boxes of one phase within a row, named at its top left."""
    phase_of = [st.phase for st in stages]
    shade = phase_shades(phase_of)
    new_row = [i > 0 and i % per == 0 for i in range(len(stages))]
    for ph, first, last in phase_runs(phase_of, breaks=new_row):
        fig.add_shape(type="rect", x0=cx[first] - _BOX_W / 2 - 0.15, x1=cx[last] + _BOX_W / 2 + 0.15,
                      y0=cy[first] - _BOX_H / 2 - 0.15, y1=cy[first] + _BOX_H / 2 + 0.42, line=dict(width=0),
                      fillcolor=PHASE_FILLS_STRONG[shade[ph] % 2], layer="below", name=f"phase:{ph}")
        fig.add_annotation(x=cx[first] - _BOX_W / 2 - 0.1, y=cy[first] + _BOX_H / 2 + 0.38, xanchor="left", yanchor="top",
                           text=f"<i>{short_label(ph, 14 * (last - first + 1))}</i>", showarrow=False,
                           font=dict(size=11, color=MUTED_COLOR), name="phase")


def _add_boxes_and_arrows(fig: Canvas, stages, cx: list[float], cy: list[float], colors: Mapping[str, str]) -> None:
    """One box per stage (critical ones thick and tinted) and an arrow to the next one; at the
    end of a row the arrow bends down, left, down to the next row."""
    n = len(stages)
    for i, st in enumerate(stages):
        crit = bool(st.critical)
        fig.add_shape(type="rect", x0=cx[i] - _BOX_W / 2, x1=cx[i] + _BOX_W / 2, y0=cy[i] - _BOX_H / 2, y1=cy[i] + _BOX_H / 2,
                      line=dict(color=VERDICT_COLORS["critical"] if crit else colors.get(st.name, LINE_COLOR), width=4 if crit else 2),
                      fillcolor=rgba(VERDICT_COLORS["critical"], 0.12) if crit else BACKGROUND_COLOR,
                      name="critical" if crit else "stage", layer="below")
        if i + 1 >= n:
            continue
        if cy[i + 1] == cy[i]:
            fig.add_annotation(x=cx[i + 1] - _BOX_W / 2, y=cy[i], ax=cx[i] + _BOX_W / 2, ay=cy[i], xref="x", yref="y",
                               axref="x", ayref="y", showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.5,
                               arrowcolor=LINE_COLOR, text="", name="arrow")
        else:  # elbow to the next row: down, left, down
            mid = cy[i] - _DY / 2
            fig.add_shape(type="path", path=f"M {cx[i]},{cy[i] - _BOX_H / 2} V {mid} H {cx[i + 1]}",
                          line=dict(color=LINE_COLOR, width=1.5), name="arrow")
            fig.add_annotation(x=cx[i + 1], y=cy[i + 1] + _BOX_H / 2, ax=cx[i + 1], ay=mid, xref="x", yref="y",
                               axref="x", ayref="y", showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.5,
                               arrowcolor=LINE_COLOR, text="", name="arrow")


def _stage_hover(stage) -> str:
    """The hover text of one box: name, phase, critical, target and question."""
    lines = [hover_title(stage.name)]
    if stage.phase:
        lines.append(_("Phase: {phase}").format(phase=escape_text(stage.phase)))
    if stage.critical:
        lines.append(escape_text(_("Declared critical moment")))
    if stage.target is not None:
        lines.append(_("Target {value}").format(value=format_decimal(stage.target)))
    if stage.question:
        lines.append(_("Question: {question}").format(question=short_label(stage.question, 80)))
    return "<br>".join(lines)
