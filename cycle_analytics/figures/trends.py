"""Scores over time: one line per stage, with its 95% interval as a band or error bars.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"stage": ["A", "A"], "period": ["2026-01", "2026-02"], "n": [40, 35], "mean": [3.9, 4.1]})
>>> trend_figure(t).layout.meta["periods"]
2
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale
from cycle_analytics.figures.common import (
    scale_bounds,
    customdata,
    empty_figure,
    error_bars,
    hollow_symbols,
    is_empty,
    stage_order,
    validate_table,
)
from cycle_analytics.figures.style import (
    HOVER_TEMPLATE,
    LINE_COLOR,
    Canvas,
    apply_style,
    escape_text,
    format_decimal,
    format_number,
    hover_title,
    rgba,
    short_label,
    small_sample_note,
    stage_colors,
)
from cycle_analytics.i18n import gettext as _


def trend_figure(
    trends: pd.DataFrame,
    *,
    stages: Sequence[str] | None = None,
    y: str = "mean",
    band: str = "auto",
    colors: Mapping[str, str] | None = None,
    scale: Scale | tuple[float, float] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Per-stage score over time: one line per stage in its stage colour.

    The score axis spans at least half of the rating scale (:data:`MIN_SPAN_SHARE`; 0–100 for
    ``score_100``, one point when the scale is unknown), within the scale's bounds, so a change of
    0.1 never fills the chart like a collapse.

    Parameters
    ----------
    trends : DataFrame
        ``trends.trend_scores`` (``stage, period, n`` and ``y``; ``period_label, ci_low, ci_high,
        small_sample`` when present).
    stages : sequence of str, optional
        Only these stages (default: all in the table).
    y : {"mean", "score_100"}
        The value drawn; intervals are drawn for ``"mean"`` only.
    band : {"auto", "band", "bars", "none"}
        The 95% interval as a shaded band (``"auto"``: up to 4 stages) or as error bars.
    scale : Scale or (min, max), optional
        The rating scale, for the score axis of ``"mean"``.

    Returns
    -------
    go.Figure
        Per stage a line trace named after the stage (``customdata`` ``[stage, period_label, n]``)
        preceded, in band mode, by its band trace (``customdata`` ``[stage]``). Periods with a small
        sample are drawn hollow.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage": ["A", "A"], "period": pd.to_datetime(["2026-01-01", "2026-02-01"]),
    ...                   "period_label": ["2026-01", "2026-02"], "n": [40, 12], "mean": [3.9, 4.1],
    ...                   "small_sample": [False, True]})
    >>> list(trend_figure(t).data[0].marker.symbol)
    ['circle', 'circle-open']
    """
    if is_empty(trends):
        return empty_figure(_("No trend to show: the data has no dates, or no ratings in the selected period."))
    validate_table(trends, ("stage", "period", "n", y), "trend_figure")
    names, cats = stage_order(trends)
    if stages is not None:
        wanted = [str(s) for s in stages]
        unknown = [s for s in wanted if s not in cats]
        if unknown:
            raise SurveyError(_("trend_figure was asked for the stage {stage!r}, which the trend table does not hold.").format(
                stage=unknown[0]))
        names = [s for s in names if s in wanted]
    if not names:
        return empty_figure(_("No trend to show for the chosen stages."))
    colors = dict(colors) if colors else stage_colors(cats)
    per = trends["period"]
    xval = per.dt.to_timestamp() if isinstance(per.dtype, pd.PeriodDtype) else per
    is_time = pd.api.types.is_datetime64_any_dtype(xval)
    plabel = trends["period_label"].astype("string").fillna("") if "period_label" in trends.columns else per.astype("string")
    stage_arr = np.array([None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)
                          for v in trends["stage"].tolist()], dtype=object)
    with_ci = y == "mean" and {"ci_low", "ci_high"} <= set(trends.columns)
    mode = band if band != "auto" else ("band" if len(names) <= 4 else "bars")
    fig = Canvas()
    x_all = np.asarray(xval)
    n_periods = int(pd.Series(xval).nunique())
    order = np.argsort(x_all, kind="stable")
    label_all = np.asarray(plabel, dtype=object)

    def column(col: str) -> np.ndarray:
        return pd.to_numeric(trends[col], errors="coerce").to_numpy(float)

    y_all, n_all = column(y), column("n")
    lo_all = column("ci_low") if with_ci else None
    hi_all = column("ci_high") if with_ci else None
    small_all = (trends["small_sample"].fillna(False).to_numpy(bool) if "small_sample" in trends.columns
                 else np.zeros(len(trends), bool))
    for rank, s in enumerate(names):
        idx = order[stage_arr[order] == s]
        if not idx.size:
            continue
        xs = list(x_all[idx]) if is_time else [str(v) for v in x_all[idx]]
        labels_s = [str(v) for v in label_all[idx]]
        yv, nv, small = y_all[idx], n_all[idx], small_all[idx]
        lo = lo_all[idx] if with_ci else None
        hi = hi_all[idx] if with_ci else None
        color = colors.get(s, LINE_COLOR)
        if with_ci and mode == "band":
            ok = np.isfinite(lo) & np.isfinite(hi)
            if ok.sum() >= 2:
                bx = [x for x, k in zip(xs, ok) if k]
                fig.add_trace(dict(type="scatter",
                    x=bx + bx[::-1], y=list(hi[ok]) + list(lo[ok][::-1]), fill="toself", mode="lines",
                    line=dict(width=0), fillcolor=rgba(color, 0.15), hoverinfo="skip", showlegend=False,
                    legendgroup=s, name=_("{stage} (95% interval)").format(stage=short_label(s, 40)),
                    customdata=customdata([s] * (2 * len(bx))),
                ))
        hov = [_period_hover(s, labels_s[k], y, yv[k], nv[k], small[k],
                             (lo[k], hi[k]) if with_ci else None) for k in range(idx.size)]
        err = {}
        if with_ci and mode == "bars":
            err = {"error_y": error_bars(yv, lo, hi, color=rgba(color, 0.6), thickness=1, width=3)}
        fig.add_trace(dict(type="scatter",
            x=xs, y=yv, mode="lines+markers", name=short_label(s, 40), legendgroup=s, legendrank=rank,
            line=dict(color=color, width=2), connectgaps=False,
            marker=dict(color=color, size=9, symbol=hollow_symbols(small), line=dict(width=2, color=color)),
            customdata=customdata([s] * idx.size, labels_s, list(nv)),
            hovertext=hov, hovertemplate=HOVER_TEMPLATE, **err,
        ))
    many = len(names) > 8
    fig.update_layout(
        xaxis=_period_axis(xval, plabel, is_time),
        yaxis=dict(title=dict(text=escape_text(_("Mean score") if y == "mean" else _("Score (0–100)"))),
                   range=score_range(np.concatenate([y_all, lo_all if with_ci else [], hi_all if with_ci else []]),
                                     (0.0, 100.0) if y == "score_100" else scale_bounds(scale))),
        legend=dict(orientation="v", x=1.02, y=1, xanchor="left", yanchor="top") if many else {},
    )
    return apply_style(fig, figure="trend", stages=names, title=title,
                       height=max(440, 22 * len(names) + 120) if many else 440, periods=n_periods)


#: The score axis of a trend spans at least this share of the rating scale.
MIN_SPAN_SHARE = 0.5


def score_range(values: np.ndarray, bounds: tuple[float, float] | None, *, min_share: float = MIN_SPAN_SHARE) -> list[float]:
    """A score axis range holding ``values`` (padded by 10%), at least ``min_share`` of the scale
    wide (1 point without ``bounds``), inside ``bounds`` plus a little room for the markers.

    >>> score_range(np.array([4.1, 4.2]), (1.0, 5.0))  # a 0.1 change is 5% of the axis, not all of it
    [3.0, 5.16]
    >>> score_range(np.array([2.0, 4.8]), (1.0, 5.0))
    [1.64, 5.16]
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return list(bounds) if bounds else [0.0, 1.0]
    lo, hi = float(v.min()), float(v.max())
    pad = 0.1 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    span_min = min_share * (bounds[1] - bounds[0]) if bounds else 1.0
    if hi - lo < span_min:
        mid = (lo + hi) / 2
        lo, hi = mid - span_min / 2, mid + span_min / 2
    if bounds:
        room = 0.04 * (bounds[1] - bounds[0])
        if lo < bounds[0]:
            hi, lo = min(hi + (bounds[0] - lo), bounds[1]), bounds[0]
        if hi > bounds[1]:
            lo, hi = max(lo - (hi - bounds[1]), bounds[0]), bounds[1]
        lo, hi = max(lo, bounds[0] - room), min(hi, bounds[1] + room)
        if hi >= bounds[1]:
            hi = bounds[1] + room
        if lo <= bounds[0]:
            lo = bounds[0] - room
    return [round(lo, 6), round(hi, 6)]


def _period_hover(stage: str, label: str, y: str, value: float, n: float, small: bool,
                  interval: tuple[float, float] | None) -> str:
    """The hover text of one stage in one period."""
    lines = [hover_title(stage), escape_text(label)]
    if np.isfinite(value):
        shown = format_decimal(value, 2 if y == "mean" else 0)
        with_interval = interval is not None and np.isfinite(interval[0])
        if y == "mean" and with_interval:
            lines.append(_("Mean {mean} (95% interval {low}–{high})").format(
                mean=shown, low=format_decimal(interval[0]), high=format_decimal(interval[1])))
        elif y == "mean":
            lines.append(_("Mean {mean}").format(mean=shown))
        elif with_interval:
            lines.append(_("Score 0–100 {score} (95% interval {low}–{high})").format(
                score=shown, low=format_decimal(interval[0]), high=format_decimal(interval[1])))
        else:
            lines.append(_("Score 0–100: {score}").format(score=shown))
    else:
        lines.append(escape_text(_("No ratings")))
    lines.append(f"n = {format_number(n)}")
    if small and np.isfinite(value):
        lines.append(small_sample_note())
    return "<br>".join(lines)


def _period_axis(xval: pd.Series, plabel: pd.Series, is_time: bool) -> dict:
    """The period axis: categories for labelled periods, else dates ticked with the period labels
    (up to 24 ticks)."""
    xaxis = dict(title=dict(text=escape_text(_("Period"))))
    if not is_time:
        xaxis["type"] = "category"
    else:
        ticks = pd.DataFrame({"x": np.asarray(xval), "label": np.asarray(plabel)}).dropna().drop_duplicates("x").sort_values("x")
        if 0 < len(ticks) <= 24:
            xaxis.update(tickmode="array", tickvals=list(ticks["x"]), ticktext=[escape_text(v) for v in ticks["label"]])
    return xaxis
