"""How the answers are spread: diverging stacked bars per stage, and the stage × segment heatmap.

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"stage": ["A"] * 2, "score": [1, 2], "count": [1, 3]})
>>> [t.name for t in diverging_bar_figure(d, [1, 2]).data]
['1', '2']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycle_analytics.errors import SurveyError
from cycle_analytics.figures.common import (
    row_value,
    cell_float,
    customdata,
    empty_figure,
    is_empty,
    open_stage_table,
    present_values,
    rows_height,
    stage_axis,
    stage_order,
    validate_table,
)
from cycle_analytics.figures.style import (
    BACKGROUND_COLOR,
    DIVERGING_SCALE,
    HOVER_TEMPLATE,
    LINE_COLOR,
    MANY_STAGES,
    MISSING_COLOR,
    MUTED_COLOR,
    NEGATIVE_RAMP,
    NEUTRAL_COLOR,
    POSITIVE_RAMP,
    WRAP_WIDTH_H,
    Canvas,
    apply_style,
    color_ramp,
    escape_text,
    format_decimal,
    format_number,
    format_p_value,
    hover_title,
    short_label,
    split_lines,
    wrap_label,
)
from cycle_analytics.i18n import N_, format_percent, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale

_NO_ANSWERS = N_("No answers to show for this selection.")


def _scale_points(scale_points: Scale | Sequence[int]) -> list[int]:
    """The points of the scale as sorted integers (at least two)."""
    if isinstance(scale_points, Scale):
        return list(scale_points.values)
    pts = sorted({int(p) for p in scale_points})
    if len(pts) < 2:
        raise SurveyError(_("diverging_bar_figure needs a scale of at least two points."))
    return pts


def diverging_bar_figure(
    distribution: pd.DataFrame,
    scale_points: Scale | Sequence[int],
    *,
    by: str | None = None,
    labels: Mapping[int, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Diverging stacked bars (Heiberger & Robbins 2014) of the answer distribution.

    Answers below the scale's midpoint go left of zero (negative x), answers above it right; on
    a scale with an odd number of points the middle (neutral) answer is split, half on each side.
    One bar per stage, or per value of the column ``by`` (e.g. a segment, for one stage's detail;
    with several stages the bars are "stage · value").

    Parameters
    ----------
    distribution : DataFrame
        ``scores.score_distribution``-like: ``stage, score`` and ``count`` (percentages are
        recomputed per bar from the counts) or, without counts, ``pct``.
    scale_points : Scale or sequence of int
        The points of the scale, e.g. ``Scale(1, 5)`` or ``range(0, 11)``.
    labels : dict, optional
        Score -> answer label (e.g. ``{1: "Very dissatisfied"}``) for the legend and hover.

    Returns
    -------
    go.Figure
        Horizontal bar traces in ``barmode="relative"``: first the neutral halves (names
        ``"<label>"``, ``legendgroup="neutral"``), then the negative points from the midpoint
        outwards, then the positive ones. ``customdata`` rows: ``[stage, group, score, pct]``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"stage": ["A"] * 3, "score": [1, 2, 3], "count": [2, 4, 2]})
    >>> [t.x.tolist() for t in diverging_bar_figure(d, [1, 2, 3]).data]
    [[-25.0], [25.0], [-25.0], [25.0]]
    """
    if is_empty(distribution):
        return empty_figure(_(_NO_ANSWERS))
    value_col = "count" if "count" in distribution.columns else "pct"
    validate_table(distribution, ("stage", "score", value_col) + ((by,) if by else ()), "diverging_bar_figure")
    points = _scale_points(scale_points)
    scores = pd.to_numeric(distribution["score"], errors="coerce")
    outside = sorted(set(scores.dropna().unique()) - set(points))
    if outside:
        raise SurveyError(_("The answer distribution holds the score {score}, which is not a point of the scale {low}–{high}.").format(
            score=f"{outside[0]:g}", low=points[0], high=points[-1]))
    names, _cats = stage_order(distribution)
    if not names:
        return empty_figure(_(_NO_ANSWERS))
    keys, stage_str, group_str = _bar_keys(distribution, names, by)
    if not keys:
        return empty_figure(_(_NO_ANSWERS))
    point_index = {p: j for j, p in enumerate(points)}
    pct, counts = _answer_shares(distribution, value_col, keys, stage_str, group_str, scores, point_index)

    m = len(points)
    half = m // 2
    neutral = points[half] if m % 2 else None
    negatives = points[:half]  # scale minimum ... just below the midpoint
    positives = points[half + (m % 2):]
    color_of = _point_colors(negatives, neutral, positives)
    labels = {int(k): str(v) for k, v in (labels or {}).items()}

    def point_name(p: int) -> str:
        return f"{p} – {escape_text(labels[p])}" if p in labels else str(p)

    if by and len(names) == 1:
        row_labels = [escape_text(g) for _s, g in keys]
    elif by:
        row_labels = [f"{short_label(s, 22)} · {escape_text(g)}" for s, g in keys]
    else:
        row_labels = [wrap_label(s, WRAP_WIDTH_H, 2) for s, _g in keys]
    ypos = [float(i) for i in range(len(keys))]

    def trace(p: int, sign: float, share: float, *, name: str, showlegend: bool, group: str, rank: int) -> dict:
        j = point_index[p]
        col = pct[:, j]
        x = sign * share * col
        hov = []
        for i, (s, g) in enumerate(keys):
            lines = [hover_title(s) + (f" · {escape_text(g)}" if g else "")]
            if np.isfinite(col[i]) and np.isfinite(counts[i, j]):
                lines.append(ngettext("Answer {answer}: {share} ({n} answer)", "Answer {answer}: {share} ({n} answers)",
                                      int(counts[i, j])).format(answer=point_name(p), share=format_percent(col[i] / 100, 1),
                                                                n=format_number(counts[i, j])))
            elif np.isfinite(col[i]):
                lines.append(_("Answer {answer}: {share}").format(answer=point_name(p), share=format_percent(col[i] / 100, 1)))
            else:
                lines.append(escape_text(_("No answers")))
            if np.isfinite(col[i]) and p == neutral:
                neutral_note = _("Neutral: drawn half left, half right of zero")
                lines.append(f"<i>{escape_text(neutral_note)}</i>")
            hov.append("<br>".join(lines))
        text = [format_percent(v / 100) if np.isfinite(v) and v >= 6 and p != neutral else "" for v in col]
        return dict(type="bar",
            x=x, y=ypos, orientation="h", name=name, legendgroup=group, showlegend=showlegend, legendrank=rank,
            marker=dict(color=color_of[p], line=dict(width=0.5, color=BACKGROUND_COLOR)),
            text=text, textposition="inside", insidetextanchor="middle", textfont=dict(size=11),
            customdata=customdata([s for s, _g in keys], [g for _s, g in keys], [p] * len(keys), list(col)),
            hovertext=hov, hovertemplate=HOVER_TEMPLATE,
        )

    fig = Canvas()
    if neutral is not None:
        fig.add_trace(trace(neutral, -1.0, 0.5, name=point_name(neutral), showlegend=True, group="neutral", rank=half))
        fig.add_trace(trace(neutral, 1.0, 0.5, name=point_name(neutral), showlegend=False, group="neutral", rank=half))
    for p in reversed(negatives):  # from the midpoint outwards
        fig.add_trace(trace(p, -1.0, 1.0, name=point_name(p), showlegend=True, group=str(p), rank=point_index[p]))
    for p in positives:
        fig.add_trace(trace(p, 1.0, 1.0, name=point_name(p), showlegend=True, group=str(p), rank=point_index[p]))

    with np.errstate(invalid="ignore"):
        neutral_half = pct[:, point_index[neutral]] / 2 if neutral is not None else np.zeros(len(keys))
        left = np.nansum(pct[:, [point_index[p] for p in negatives]], axis=1) + np.nan_to_num(neutral_half)
        right = np.nansum(pct[:, [point_index[p] for p in positives]], axis=1) + np.nan_to_num(neutral_half)
    reach = float(np.nanmax(np.concatenate([left, right, [10.0]])))
    reach = min(100.0, math.ceil(reach * 1.05 / 10.0) * 10.0)
    step = 10 if reach <= 50 else 20
    ticks = list(range(-int(reach), int(reach) + 1, step))
    fig.add_shape(type="line", xref="x", yref="paper", x0=0, x1=0, y0=0, y1=1, line=dict(color=LINE_COLOR, width=1), name="zero")
    fig.update_layout(
        barmode="relative", bargap=0.3,
        yaxis=dict(tickmode="array", tickvals=ypos, ticktext=row_labels, range=[len(keys) - 0.5, -0.5], showgrid=False),
        xaxis=dict(range=[-reach, reach], tickmode="array", tickvals=ticks, ticktext=[format_percent(abs(t) / 100) for t in ticks],
                   title=dict(text=escape_text(_("% of answers: negative ← | → positive"))), zeroline=False),
        legend=dict(traceorder="normal", title=dict(text=escape_text(_("Answer")))),
    )
    return apply_style(fig, figure="diverging_bar", stages=[s for s, _g in keys], stage_axis="y", title=title,
                       height=rows_height(len(keys), minimum=260, extra=170), groups=[g for _s, g in keys], by=by)


def _bar_keys(distribution: pd.DataFrame, names: list[str], by: str | None) -> tuple[list[tuple[str, str]], pd.Series, pd.Series]:
    """The bars as ``(stage, group)`` keys in cycle then group order (group ``""`` without ``by``),
    with the stage and group of every row as text."""
    stage_str = distribution["stage"].astype("string").astype(object)
    if by:
        gcol = distribution[by]
        gorder = present_values(gcol)
        group_str = gcol.astype("string").astype(object)
    else:
        gorder = [""]
        group_str = pd.Series([""] * len(distribution), index=distribution.index, dtype=object)
    keys = [(s, g) for s in names for g in gorder
            if ((stage_str == s) & (group_str == g)).any()]
    return keys, stage_str, group_str


def _answer_shares(distribution: pd.DataFrame, value_col: str, keys: list[tuple[str, str]], stage_str: pd.Series,
                   group_str: pd.Series, scores: pd.Series, point_index: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(percent of each bar's answers per scale point, the counts or NaN when only ``pct`` is given),
    both ``len(keys) × points``."""
    key_index = {k: i for i, k in enumerate(keys)}
    values = np.zeros((len(keys), len(point_index)))
    for s, g, sc, v in zip(stage_str, group_str, scores, pd.to_numeric(distribution[value_col], errors="coerce")):
        k = key_index.get((s, g))
        if k is None or not np.isfinite(sc) or not np.isfinite(v):
            continue
        values[k, point_index[int(sc)]] += v
    if value_col != "count":
        return values, np.full_like(values, np.nan)
    totals = values.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(totals[:, None] > 0, values / totals[:, None] * 100.0, np.nan)
    return pct, values


def _point_colors(negatives: list[int], neutral: int | None, positives: list[int]) -> dict[int, str]:
    """Scale point -> colour: darker further from the midpoint, grey for the neutral point."""
    neg_colors = color_ramp(*NEGATIVE_RAMP, len(negatives))[::-1]  # dark at the minimum
    pos_colors = color_ramp(*POSITIVE_RAMP, len(positives))
    color_of = {p: c for p, c in zip(negatives, neg_colors)} | {p: c for p, c in zip(positives, pos_colors)}
    if neutral is not None:
        color_of[neutral] = NEUTRAL_COLOR
    return color_of


#: Titles in words for the heatmap's value columns (colour bar and hover; translated where shown).
VALUE_TITLES = {"score_100": N_("Score (0–100)"), "mean": N_("Mean score"), "diff_vs_rest": N_("Difference from everyone else")}


def segment_heatmap_figure(
    segment_table: pd.DataFrame,
    *,
    value: str = "score_100",
    min_n: int = 30,
    orientation: str = "auto",
    title: str | None = None,
) -> go.Figure:
    """Stage × segment value heatmap of ``value`` (default ``score_100``).

    Cells with ``too_few`` (or ``n < min_n``) are not coloured by value: a second heatmap trace
    ("Too few responses") paints them grey and labels them "too few". Cells flagged ``below`` /
    ``above`` carry ▼ / ▲ after the value.

    Parameters
    ----------
    segment_table : DataFrame
        ``segments.segment_comparison`` (``segment, value, stage, n, flag, too_few`` and the
        ``value`` column). Several segments give rows "segment: value".
    orientation : {"auto", "v", "h"}
        ``"v"``: stages on x; ``"h"``: stages on y; ``"auto"``: ``"h"`` above
        :data:`~cycle_analytics.figures.style.MANY_STAGES`.

    Returns
    -------
    go.Figure
        Trace 0: the values (too-few cells NaN); trace 1: the grey too-few cells (1 where too few,
        NaN elsewhere). ``customdata[row][col]`` = ``[stage, segment, value, n]``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"segment": "region", "value": ["N", "S"], "stage": ["A", "A"], "n": [50, 5],
    ...                   "score_100": [70.0, 40.0], "flag": ["", ""], "too_few": [False, True]})
    >>> fig = segment_heatmap_figure(t)
    >>> fig.data[1].z.tolist()
    [[nan], [1.0]]
    """
    start = open_stage_table(segment_table, ("segment", "value", "stage", "n", value), "segment_heatmap_figure",
                             _("No segment comparison to show: choose a segment column with enough responses."),
                             _("No segment comparison to show: the table names no stage."))
    if isinstance(start, go.Figure):
        return start
    names, _cats = start
    seg_names = [str(v) for v in dict.fromkeys(segment_table["segment"].dropna())]
    several = len(seg_names) > 1
    row_keys: list[tuple[str, str]] = []
    for seg in seg_names:
        part = segment_table[segment_table["segment"].astype("string") == seg]["value"]
        row_keys += [(seg, v) for v in present_values(part)]
    cells = _heatmap_cells(segment_table, row_keys, names, value, min_n)
    few, present, nn = cells["few"], cells["present"], cells["n"]
    R, C = len(row_keys), len(names)

    row_labels = [f"{escape_text(s)}: {escape_text(v)}" if several else escape_text(v) for s, v in row_keys]
    digits = 0 if value == "score_100" else 2
    value_title = _(VALUE_TITLES[value]) if value in VALUE_TITLES else str(value)
    text = np.full((R, C), "", dtype=object)
    hover = np.full((R, C), "", dtype=object)
    custom = np.empty((R, C, 4), dtype=object)
    for i, (seg, val) in enumerate(row_keys):
        for j, s in enumerate(names):
            custom[i, j] = [s, seg, val, None if not np.isfinite(nn[i, j]) else float(nn[i, j])]
            lines = [hover_title(s), f"{escape_text(seg)}: {escape_text(val)}"]
            if not present[i, j]:
                lines.append(escape_text(_("No data")))
            elif few[i, j]:
                text[i, j] = escape_text(_("too few"))
                lines.append(escape_text(_("Too few responses (n = {n}, at least {minimum} needed)").format(
                    n=format_number(nn[i, j]), minimum=format_number(min_n))))
            else:
                flag = cells["flag"][i, j]
                mark = {"below": " ▼", "above": " ▲"}.get(flag, "")
                text[i, j] = format_decimal(cells["z"][i, j], digits) + mark
                lines.append(f"{escape_text(value_title)} {format_decimal(cells['z'][i, j], digits)}   n = {format_number(nn[i, j])}")
                if np.isfinite(cells["diff"][i, j]):
                    lines.append(_("Difference vs the rest {diff}, p (adjusted) {p}").format(
                        diff=format_decimal(cells["diff"][i, j]), p=escape_text(format_p_value(cells["p_adjusted"][i, j]))))
                if flag == "below":
                    lines.append(escape_text(_("Significantly below the rest")))
                elif flag == "above":
                    lines.append(escape_text(_("Significantly above the rest")))
            hover[i, j] = "<br>".join(lines)
    main = np.where(few, np.nan, cells["z"])
    grey = np.where(few & present, 1.0, np.nan)

    horizontal = orientation == "h" or (orientation == "auto" and C > MANY_STAGES)

    def o(a: np.ndarray) -> np.ndarray:
        return a.transpose(1, 0, *range(2, a.ndim)) if horizontal else a

    zmid = 0.0 if value == "diff_vs_rest" else None
    fig = Canvas()
    rpos, cpos = list(range(R)), list(range(C))
    xs, ys = (rpos, cpos) if horizontal else (cpos, rpos)
    fig.add_trace(dict(type="heatmap",
        z=o(main), x=xs, y=ys, colorscale=DIVERGING_SCALE, zmid=zmid, name=escape_text(value),
        colorbar=dict(title=dict(text="<br>".join(escape_text(line) for line in split_lines(value_title, 16))), thickness=12),
        xgap=2, ygap=2,
        text=o(np.where(few, "", text)), texttemplate="%{text}", textfont=dict(size=11), hovertext=o(hover),
        hovertemplate=HOVER_TEMPLATE, customdata=o(custom),
    ))
    fig.add_trace(dict(type="heatmap",
        z=o(grey), x=xs, y=ys, colorscale=[[0, MISSING_COLOR], [1, MISSING_COLOR]], showscale=False,
        name=escape_text(_("Too few responses")), xgap=2, ygap=2, text=o(np.where(few, text, "")), texttemplate="%{text}",
        textfont=dict(size=11, color=MUTED_COLOR), hovertext=o(hover), hovertemplate=HOVER_TEMPLATE,
        customdata=o(custom),
    ))
    stage_ax = stage_axis(names, horizontal=horizontal)
    group_ax = dict(tickmode="array", tickvals=rpos, ticktext=row_labels, showgrid=False, zeroline=False,
                    range=[R - 0.5, -0.5] if not horizontal else [-0.5, R - 0.5])
    if horizontal:
        group_ax["side"] = "top"
        fig.update_layout(xaxis=group_ax, yaxis=stage_ax)
        height = rows_height(C, extra=180)
    else:
        fig.update_layout(xaxis=stage_ax, yaxis=group_ax)
        height = rows_height(R, minimum=300, extra=220)
    return apply_style(fig, figure="segment_heatmap", stages=names, stage_axis="y" if horizontal else "x", title=title,
                       height=height, rows=[list(k) for k in row_keys])


def _heatmap_cells(segment_table: pd.DataFrame, row_keys: list[tuple[str, str]], names: list[str], value: str,
                   min_n: int) -> dict[str, np.ndarray]:
    """The table laid out as rows (segment values) × columns (stages): ``z`` (the value), ``n``,
    ``few`` (too few responses), ``present``, ``flag``, ``diff`` (vs the rest), ``p_adjusted``."""
    ri = {k: i for i, k in enumerate(row_keys)}
    ci = {s: j for j, s in enumerate(names)}
    shape = (len(row_keys), len(names))
    out = {
        "z": np.full(shape, np.nan), "n": np.full(shape, np.nan), "few": np.zeros(shape, bool),
        "present": np.zeros(shape, bool), "flag": np.full(shape, "", dtype=object),
        "diff": np.full(shape, np.nan), "p_adjusted": np.full(shape, np.nan),
    }
    has_few = "too_few" in segment_table.columns
    for _index, r in segment_table.iterrows():
        k = (str(r["segment"]), str(r["value"]))
        if k not in ri or str(r["stage"]) not in ci:
            continue
        i, j = ri[k], ci[str(r["stage"])]
        out["present"][i, j] = True
        out["z"][i, j] = cell_float(r, value)
        n = cell_float(r, "n")
        out["n"][i, j] = n
        out["few"][i, j] = (bool(row_value(r, "too_few", False)) if has_few else False) or not (np.isfinite(n) and n >= min_n)
        out["flag"][i, j] = str(row_value(r, "flag", "") or "")
        out["diff"][i, j] = cell_float(r, "diff_vs_rest")
        out["p_adjusted"][i, j] = cell_float(r, "p_adjusted")
    return out
