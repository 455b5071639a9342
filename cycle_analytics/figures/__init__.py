"""Every Plotly figure of the dashboard and the HTML report (styling and colours live here only).

Each builder follows the plotly-express shape ``xxx_figure(data, *, options) -> go.Figure`` and
takes an analytics table of ``docs/architecture.md`` as it is. Builders never raise on an empty
table (they return :func:`empty_figure` with a sentence saying why); a table that misses a
documented column raises :class:`~cycle_analytics.errors.SurveyError`.

Conventions every page author can rely on
-----------------------------------------
* **Selections.** Every trace that draws stages carries ``customdata`` whose *first element of
  every point is the raw stage name* (as in the table, not escaped), so a Streamlit selection
  (``st.plotly_chart(..., on_select="rerun")``) maps back with
  ``event.selection["points"][0]["customdata"][0]``. Further elements are documented per builder
  (for example the segment value or the period label). ``fig.layout.meta`` holds
  ``{"figure": <builder name>, "stages": [raw names in axis order], "stage_axis": "x" | "y" | None}``.
* **Stage axes** use numeric positions 0..n-1 with ``tickvals``/``ticktext``: ``ticktext`` holds
  the escaped names wrapped with ``<br>`` at about 18 characters; hover shows the full name.
  With more than :data:`MANY_STAGES` stages the journey and heatmap turn horizontal (stages top
  to bottom) and grow in height.
* **Escaping.** Plotly renders hover, tick, legend and annotation text as a small HTML subset.
  Every string that comes from data (stage, phase, segment, scale labels, outcome labels, the
  message of :func:`empty_figure`) passes through :func:`escape_text`, so a stage called
  ``<b>x</b>`` shows literally. Hover text is prebuilt (``hovertext``) and never formats raw
  ``customdata``.
* **Colours.** :func:`stage_colors` maps the cycle's stages (in cycle order) to an Okabe-Ito
  based palette; builders take the full category list of the ``stage`` column, so a stage keeps its
  colour on every page even when a table holds only some stages. Verdict, quadrant, level and
  factor colours are the ``*_COLORS`` dictionaries below.

Examples
--------
>>> import pandas as pd
>>> stages = pd.Categorical(["Arrive", "Wait"], categories=["Arrive", "Wait"], ordered=True)
>>> scores = pd.DataFrame({"stage": stages, "n": [40, 35], "mean": [4.1, 3.2],
...                        "ci_low": [3.9, 2.9], "ci_high": [4.3, 3.5]})
>>> fig = journey_figure(scores)
>>> fig.data[0].customdata[1][0]
'Wait'
>>> escape_text("<b>x</b> & y")
'&lt;b&gt;x&lt;/b&gt; &amp; y'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale

# --------------------------------------------------------------------------------------------
# Style: defined once, applied by _style()
# --------------------------------------------------------------------------------------------

FONT_FAMILY = "Inter, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
FONT_SIZE = 13
TEXT_COLOR = "#1F1F1F"
MUTED_COLOR = "#6E6E6E"
GRID_COLOR = "#E6E6E6"
LINE_COLOR = "#4D4D4D"  # the journey line, reference lines
TARGET_COLOR = "#000000"
MISSING_COLOR = "#D9D9D9"  # "too few" cells, missing values
PHASE_FILLS = ("rgba(0,114,178,0.07)", "rgba(230,159,0,0.09)")  # alternating phase bands
MARGIN = dict(l=10, r=20, t=60, b=10)

#: Okabe & Ito (2008) colour-blind-safe colours (yellow and black left out: too light / used for text).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
#: Paul Tol's "muted" scheme (colour-blind safe), used after Okabe-Ito for long cycles.
TOL_MUTED = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499")
STAGE_PALETTE = OKABE_ITO + TOL_MUTED

VERDICT_COLORS = {
    "critical": "#D55E00",  # vermillion
    "pain point": "#E69F00",  # orange
    "ok": "#0072B2",  # blue
    "not enough data": "#BBBBBB",  # grey
}
VERDICT_LABELS = {
    "critical": "Critical moment",
    "pain point": "Pain point",
    "ok": "OK",
    "not enough data": "Not enough data",
}
QUADRANT_COLORS = {
    "Concentrate here": "#D55E00",
    "Keep up the good work": "#009E73",
    "Low priority": "#7F7F7F",
    "Possible overkill": "#0072B2",
}
LEVEL_COLORS = {"high": "#D55E00", "medium": "#E69F00", "low": "#56B4E9"}
FACTOR_COLORS = {"basic": "#D55E00", "performance": "#0072B2", "delight": "#009E73", "unclear": "#999999"}
CHANGE_COLORS = {"up": "#0072B2", "down": "#E69F00"}

#: Diverging ramps (blue = positive, orange/brown = negative), colour-blind safe (ColorBrewer PuOr/RdBu ends).
NEGATIVE_RAMP = ("#FDB863", "#7F3B08")  # light (near the midpoint) -> dark (scale minimum)
POSITIVE_RAMP = ("#92C5DE", "#053061")  # light (near the midpoint) -> dark (scale maximum)
NEUTRAL_COLOR = "#CFCFCF"
#: Continuous scale for heatmaps: low = orange/brown, middle = light grey, high = blue.
DIVERGING_SCALE = [[0.0, "#B35806"], [0.25, "#F1A340"], [0.5, "#F0F0F0"], [0.75, "#67A9CF"], [1.0, "#2166AC"]]

MANY_STAGES = 15  #: above this many stages, journey and heatmap turn horizontal
WRAP_WIDTH = 18  #: characters per line of a stage label
ROW_HEIGHT = 34  #: pixels per stage row in horizontal layouts (two-line labels)
WRAP_WIDTH_H = 30  #: characters per line of a stage label on a vertical axis (horizontal layouts)

_AXIS = dict(gridcolor=GRID_COLOR, linecolor="#BDBDBD", zerolinecolor="#BDBDBD", zerolinewidth=1, ticks="",
             automargin=True, title=dict(standoff=12))
#: The house template (a small, layout-only relative of "plotly_white": cheap to attach to every figure).
TEMPLATE = go.layout.Template(layout=dict(
    font=dict(family=FONT_FAMILY, size=FONT_SIZE, color=TEXT_COLOR),
    paper_bgcolor="white",
    plot_bgcolor="white",
    colorway=list(STAGE_PALETTE),
    title=dict(x=0.0, xanchor="left", font=dict(size=16)),
    hoverlabel=dict(bgcolor="white", bordercolor="#999999", font=dict(family=FONT_FAMILY, size=12, color=TEXT_COLOR), align="left"),
    hovermode="closest",
    legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0.0, font=dict(size=12)),
    margin=MARGIN,
    xaxis=_AXIS,
    yaxis=_AXIS,
    annotationdefaults=dict(arrowcolor=LINE_COLOR, arrowhead=0, arrowwidth=1),
    shapedefaults=dict(line=dict(color=LINE_COLOR)),
))


class _Canvas:
    """Collects traces, shapes, annotations and layout, then builds the figure in one step.

    Adding shapes or annotations one by one to a ``go.Figure`` re-validates the whole list each
    time; collecting them first keeps every builder at a few tens of milliseconds.
    """

    def __init__(self) -> None:
        self.traces: list = []
        self.shapes: list[dict] = []
        self.annotations: list[dict] = []
        self.layout: dict = {}

    def add_trace(self, trace) -> None:
        self.traces.append(trace)

    def add_shape(self, **kw) -> None:
        self.shapes.append(kw)

    def add_annotation(self, **kw) -> None:
        self.annotations.append(kw)

    def update_layout(self, **kw) -> None:
        self.layout.update(kw)

    def update_xaxes(self, **kw) -> None:
        self.layout["xaxis"] = {**self.layout.get("xaxis", {}), **kw}

    def update_yaxes(self, **kw) -> None:
        self.layout["yaxis"] = {**self.layout.get("yaxis", {}), **kw}

    def build(self) -> go.Figure:
        layout = dict(self.layout)
        if self.shapes:
            layout["shapes"] = self.shapes
        if self.annotations:
            layout["annotations"] = self.annotations
        return go.Figure(data=self.traces, layout=layout)


def _set_template(fig: go.Figure) -> None:
    """Attach :data:`TEMPLATE` without re-validating it (it was validated once, at import).

    Validating a full template costs ~70 ms per figure; plotly itself assigns its default
    template this way (``BaseFigure._initialize_layout_template``).
    """
    layout = fig.layout
    previous = getattr(layout, "_validate", True)
    try:
        layout._validate = False
        layout.template = TEMPLATE
    finally:
        layout._validate = previous


def _style(fig: "go.Figure | _Canvas", *, figure: str, stages: Sequence[str] = (), stage_axis: str | None = None,
           title: str | None = None, height: int | None = None, **meta) -> go.Figure:
    """Apply the one house style and the selection metadata to ``fig``."""
    if isinstance(fig, _Canvas):
        fig = fig.build()
    _set_template(fig)
    fig.update_layout(
        title=dict(text=escape_text(title)) if title else None,
        height=height,
        meta={"figure": figure, "stages": [str(s) for s in stages], "stage_axis": stage_axis, **meta},
        margin=dict(MARGIN, t=80 if title else MARGIN["t"]),
    )
    return fig


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------


def escape_text(value: object) -> str:
    """Text from data made safe for Plotly's HTML-like labels: ``&``, ``<``, ``>`` escaped.

    ``None`` and NaN give an empty string.

    >>> escape_text("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    >>> escape_text(None)
    ''
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _split_lines(text: str, width: int) -> list[str]:
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        while len(word) > width:  # a very long word is cut
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def wrap_label(value: object, width: int = WRAP_WIDTH, max_lines: int = 3) -> str:
    """An escaped axis label: ``value`` wrapped with ``<br>`` at about ``width`` characters.

    Lines beyond ``max_lines`` are cut and the last kept line ends with an ellipsis; the full
    name belongs in the hover text.

    >>> wrap_label("Receiving the money at the counter")
    'Receiving the<br>money at the<br>counter'
    >>> wrap_label("A <b> & C")
    'A &lt;b&gt; &amp; C'
    """
    lines = _split_lines(str(value if value is not None else ""), width)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, width - 1)] + "…"
    return "<br>".join(escape_text(line) for line in lines)


def _short(value: object, limit: int = 24) -> str:
    """Escaped one-line label cut at ``limit`` characters."""
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape_text(text)


def _finite(value: object) -> float | None:
    """``value`` as a finite float, or None when it is missing, not a number or infinite."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _num(value: object, digits: int = 2) -> str:
    v = _finite(value)
    return "–" if v is None else f"{v:.{digits}f}"


def _int(value: object) -> str:
    v = _finite(value)
    return "–" if v is None else f"{int(round(v)):,}"


def _p(value: object) -> str:
    v = _finite(value)
    if v is None:
        return "–"
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


# --------------------------------------------------------------------------------------------
# Colours
# --------------------------------------------------------------------------------------------


def stage_colors(stages: Iterable[object]) -> dict[str, str]:
    """One colour per stage, by position in the cycle: the same cycle gives the same colours.

    Okabe-Ito first, then Paul Tol's muted scheme; beyond 15 stages the palette repeats.

    >>> stage_colors(["Arrive", "Wait"])
    {'Arrive': '#0072B2', 'Wait': '#E69F00'}
    """
    names = list(dict.fromkeys(str(s) for s in stages))
    return {name: STAGE_PALETTE[i % len(STAGE_PALETTE)] for i, name in enumerate(names)}


def _hex_to_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _rgba(color: str, alpha: float) -> str:
    r, g, b = _hex_to_rgb(color)
    return f"rgba({r},{g},{b},{alpha})"


def _ramp(light: str, dark: str, m: int) -> list[str]:
    """``m`` colours from ``light`` to ``dark`` (interpolated in RGB)."""
    if m <= 0:
        return []
    a, b = np.array(_hex_to_rgb(light), float), np.array(_hex_to_rgb(dark), float)
    ts = [0.5] if m == 1 else np.linspace(0.0, 1.0, m)
    out = []
    for t in ts:
        r, g, bl = np.round(a + (b - a) * t).astype(int)
        out.append(f"#{r:02X}{g:02X}{bl:02X}")
    return out


# --------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------


def _is_empty(data: object) -> bool:
    return data is None or not isinstance(data, pd.DataFrame) or data.empty


def _check(data: pd.DataFrame, required: Sequence[str], builder: str) -> None:
    """The module's one validation: a DataFrame holding the documented columns."""
    if not isinstance(data, pd.DataFrame):
        raise SurveyError(f"{builder} needs a table (DataFrame), not {type(data).__name__}.")
    missing = [c for c in required if c not in data.columns]
    if missing:
        raise SurveyError(f"The table given to {builder} has no column {missing[0]!r}.")


def _stage_order(data: pd.DataFrame, col: str = "stage") -> tuple[list[str], list[str]]:
    """(stages present in ``data`` in cycle order, every stage of the cycle for the colours)."""
    s = data[col]
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = [str(c) for c in s.cat.categories]
        present = {str(v) for v in s.dropna()}
        return [c for c in cats if c in present], cats
    if "order" in data.columns:
        s = data.sort_values("order", kind="stable")[col]
    names = [str(v) for v in dict.fromkeys(s.dropna())]
    return names, names


def _open_stage_table(
    data: object, required: Sequence[str], builder: str, what: str, why: str
) -> "tuple[list[str], list[str]] | go.Figure":
    """The shared start of a per-stage figure builder.

    Returns the empty figure to show instead ("No {what} to show: {why}" for a missing or empty
    table, "...: the table names no stage." when no row names a stage), or, after checking the
    ``required`` columns, ``(names, cats)`` from :func:`_stage_order`.
    """
    if _is_empty(data):
        return empty_figure(f"No {what} to show: {why}")
    _check(data, required, builder)
    names, cats = _stage_order(data)
    if not names:
        return empty_figure(f"No {what} to show: the table names no stage.")
    return names, cats


def _rows_by_stage(data: pd.DataFrame, col: str = "stage") -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    for _, row in data.iterrows():  # per-stage tables: a few dozen rows at most
        key = row[col]
        if key is None or (isinstance(key, float) and math.isnan(key)):
            continue
        out.setdefault(str(key), row)
    return out


def _get(row: pd.Series | None, col: str, default=np.nan):
    if row is None or col not in row.index:
        return default
    v = row[col]
    return default if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v


def _f(row: pd.Series | None, col: str) -> float:
    v = _get(row, col)
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _scale_bounds(scale) -> tuple[float, float] | None:
    if scale is None:
        return None
    if isinstance(scale, Scale):
        return float(scale.minimum), float(scale.maximum)
    lo, hi = scale
    return float(lo), float(hi)


def _stage_axis(names: Sequence[str], *, horizontal: bool, title: str = "") -> dict:
    """Numeric positions with wrapped, escaped tick labels; first stage left or on top."""
    axis = dict(
        tickmode="array",
        tickvals=list(range(len(names))),
        ticktext=[wrap_label(n, WRAP_WIDTH_H, 2) if horizontal else wrap_label(n) for n in names],
        range=[-0.6, len(names) - 0.4],
        showgrid=False,
        zeroline=False,
        title=dict(text=title),
    )
    if horizontal:
        axis["range"] = [len(names) - 0.4, -0.6]  # reversed: cycle order top to bottom
    return axis


def _rows_height(n_rows: int, *, minimum: int = 320, extra: int = 160) -> int:
    return int(max(minimum, ROW_HEIGHT * n_rows + extra))


def _customdata(*columns: Sequence[object]) -> np.ndarray:
    """Rows of customdata (object array), first column = raw stage names."""
    n = len(columns[0])
    out = np.empty((n, len(columns)), dtype=object)
    for j, col in enumerate(columns):
        for i, v in enumerate(col):
            out[i, j] = None if (isinstance(v, float) and math.isnan(v)) else (v.item() if isinstance(v, np.generic) else v)
    return out


def _legend_only(name: str, color: str, symbol: str = "square", *, size: int = 12, rank: int = 1000) -> dict:
    return dict(type="scatter", x=[None], y=[None], mode="markers", name=name, legendrank=rank,
                      marker=dict(color=color, symbol=symbol, size=size), hoverinfo="skip")


# --------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------


def empty_figure(message: str, *, title: str | None = None, height: int = 320) -> go.Figure:
    """A blank figure with ``message`` centred (escaped; newlines become line breaks).

    >>> empty_figure("No ratings match the filters.").layout.annotations[0].text
    'No ratings match the filters.'
    """
    fig = _Canvas()
    fig.add_annotation(
        text="<br>".join(escape_text(line) for line in str(message).split("\n")),
        xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
        font=dict(size=15, color=MUTED_COLOR), name="message",
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _style(fig, figure="empty", title=title, height=height, message=str(message))


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
        :data:`MANY_STAGES` stages.

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
    start = _open_stage_table(scores, ("stage", "n", "mean", "ci_low", "ci_high"), "journey_figure",
                              "stage scores", "no ratings match the current selection.")
    if isinstance(start, go.Figure):
        return start
    names, cats = start
    colors = dict(colors) if colors else stage_colors(cats)
    rows = _rows_by_stage(scores)
    n = len(names)
    horizontal = orientation == "h" or (orientation == "auto" and n > MANY_STAGES)
    pos = np.arange(n, dtype=float)
    mean = np.array([_f(rows[s], "mean") for s in names])
    lo = np.array([_f(rows[s], "ci_low") for s in names])
    hi = np.array([_f(rows[s], "ci_high") for s in names])
    counts = np.array([_f(rows[s], "n") for s in names])
    small = np.array([bool(_get(rows[s], "small_sample", False)) for s in names])
    targets = {str(k): float(v) for k, v in (targets or {}).items() if v is not None and np.isfinite(float(v))}
    phases = {str(k): v for k, v in (phases or {}).items()}
    open_plans = {str(s) for s in (open_plans or ())}

    verdict: dict[str, str] = {}
    declared: dict[str, bool] = {}
    if not _is_empty(verdicts):
        _check(verdicts, ("stage", "verdict"), "journey_figure (verdicts)")
        for s, row in _rows_by_stage(verdicts).items():
            verdict[s] = str(_get(row, "verdict", ""))
            declared[s] = bool(_get(row, "declared_critical", False))

    bounds = _scale_bounds(scale)
    fig = _Canvas()

    def xy(p, v) -> dict:
        return dict(x=v, y=p) if horizontal else dict(x=p, y=v)

    # Phase bands (shapes, below the data) with their names; a phase keeps its shade.
    phase_rank = {ph: k for k, ph in enumerate(dict.fromkeys(p for p in (phases.get(s) for s in names) if p))}
    run_start = 0
    for i in range(1, n + 1):
        ph_prev = phases.get(names[i - 1])
        if i < n and phases.get(names[i]) == ph_prev:
            continue
        if ph_prev:
            a, b = run_start - 0.5, i - 1 + 0.5
            fill = PHASE_FILLS[phase_rank[ph_prev] % len(PHASE_FILLS)]
            if horizontal:
                fig.add_shape(type="rect", xref="paper", yref="y", x0=0, x1=1, y0=a, y1=b, fillcolor=fill,
                              line=dict(width=0), layer="below", name=f"phase:{ph_prev}")
                fig.add_annotation(xref="paper", yref="y", x=1.0, y=a, xanchor="right", yanchor="top",
                                   text=f"<i>{_short(ph_prev, 30)}</i>", showarrow=False,
                                   font=dict(size=11, color=MUTED_COLOR), name="phase")
            else:
                fig.add_shape(type="rect", xref="x", yref="paper", x0=a, x1=b, y0=0, y1=1, fillcolor=fill,
                              line=dict(width=0), layer="below", name=f"phase:{ph_prev}")
                fig.add_annotation(xref="x", yref="paper", x=(a + b) / 2, y=0.995, yanchor="top",
                                   text=f"<i>{_short(ph_prev, 12 * (i - run_start) + 6)}</i>", showarrow=False,
                                   font=dict(size=11, color=MUTED_COLOR), name="phase")
        run_start = i

    # Verdict markers (drawn first, so the score marker sits on top of them).
    fallback = bounds[0] if bounds else (np.nanmin(lo) if np.isfinite(lo).any() else 0.0)
    at = np.where(np.isfinite(mean), mean, fallback)

    def marker_trace(idx: list[int], name: str, color: str, symbol: str, size: int, rank: int) -> None:
        if not idx:
            return
        fig.add_trace(dict(type="scatter",
            **xy(pos[idx], at[idx]), mode="markers", name=name, legendrank=rank,
            marker=dict(symbol=symbol, size=size, color=color, line=dict(color=color, width=2)),
            customdata=_customdata([names[i] for i in idx]),
            hovertext=[f"<b>{escape_text(names[i])}</b><br>{name}" for i in idx],
            hovertemplate="%{hovertext}<extra></extra>",
        ))

    marker_trace([i for i, s in enumerate(names) if verdict.get(s) == "critical"],
                 "Critical moment", VERDICT_COLORS["critical"], "diamond", 24, 2)
    marker_trace([i for i, s in enumerate(names) if verdict.get(s) == "pain point"],
                 "Pain point", VERDICT_COLORS["pain point"], "triangle-down", 22, 3)
    marker_trace([i for i, s in enumerate(names) if declared.get(s) and verdict.get(s) != "critical"],
                 "Declared critical, not confirmed", VERDICT_COLORS["critical"], "diamond-open", 26, 4)

    # The score line with intervals.
    hover = []
    for i, s in enumerate(names):
        row = rows[s]
        lines = [f"<b>{escape_text(s)}</b>"]
        if not np.isfinite(mean[i]):
            lines.append("No ratings for this stage")
        else:
            lines.append(f"Mean {_num(mean[i])} (95% interval {_num(lo[i])}–{_num(hi[i])})")
            if np.isfinite(_f(row, "score_100")):
                lines.append(f"Score 0–100: {_num(_f(row, 'score_100'), 0)}")
        lines.append(f"n = {_int(counts[i])}")
        if s in targets:
            lines.append(f"Target {_num(targets[s])}")
        if phases.get(s):
            lines.append(f"Phase: {escape_text(phases[s])}")
        if s in verdict:
            lines.append(f"Verdict: {escape_text(VERDICT_LABELS.get(verdict[s], verdict[s]))}")
        if small[i] and np.isfinite(mean[i]):
            lines.append("<i>Small sample: read with care</i>")
        if s in open_plans:
            lines.append("Open action plan")
        hover.append("<br>".join(lines))
    err = dict(type="data", symmetric=False, array=hi - mean, arrayminus=mean - lo, color="#8C8C8C", thickness=1.5, width=4)
    fig.add_trace(dict(type="scatter",
        **xy(pos, mean), mode="lines+markers", name="Score (95% interval)", legendrank=1,
        line=dict(color=LINE_COLOR, width=2), connectgaps=False,
        marker=dict(size=12, color=[colors.get(s, LINE_COLOR) for s in names],
                    symbol=["circle-open" if sm else "circle" for sm in small],
                    line=dict(width=[2.5 if sm else 1 for sm in small], color=[colors.get(s, LINE_COLOR) if sm else "white" for s, sm in zip(names, small)])),
        **({"error_x": err} if horizontal else {"error_y": err}),
        customdata=_customdata(names, counts), hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
    ))
    if small.any():
        fig.add_trace(_legend_only("Small sample (hollow)", LINE_COLOR, "circle-open", rank=6))

    if targets:
        tv = np.array([targets.get(s, np.nan) for s in names])
        keep = [i for i in range(n) if np.isfinite(tv[i])]
        fig.add_trace(dict(type="scatter",
            **xy(pos, tv), mode="lines+markers", name="Target", legendrank=5, connectgaps=False,
            line=dict(color=TARGET_COLOR, width=1, dash="dot"),
            marker=dict(symbol="line-ns" if horizontal else "line-ew", size=22, line=dict(width=3, color=TARGET_COLOR)),
            customdata=_customdata(names),
            hovertext=[f"<b>{escape_text(s)}</b><br>Target {_num(tv[i])}" if i in keep else "" for i, s in enumerate(names)],
            hovertemplate="%{hovertext}<extra></extra>",
        ))

    # Open action plans: small annotations.
    for i, s in enumerate(names):
        if s in open_plans:
            yv = float(at[i])
            fig.add_annotation(**xy(float(pos[i]), yv), text="open plan", showarrow=True, arrowhead=0,
                               arrowcolor=MUTED_COLOR, ax=30 if horizontal else 0, ay=0 if horizontal else -30,
                               font=dict(size=10, color=MUTED_COLOR), bgcolor="rgba(255,255,255,0.8)", name="open plan")

    # Axes.
    stage_ax = _stage_axis(names, horizontal=horizontal)
    if bounds:
        span = bounds[1] - bounds[0]
        score_range = [bounds[0] - 0.04 * span, bounds[1] + (0.12 if phase_rank else 0.04) * span]
    else:
        vals = np.concatenate([lo, hi, mean, np.array(list(targets.values()), float)])
        vals = vals[np.isfinite(vals)]
        a, b = (float(vals.min()), float(vals.max())) if vals.size else (0.0, 1.0)
        pad = max(0.1 * (b - a), 0.1)
        score_range = [a - pad, b + pad * (2.5 if phase_rank else 1.0)]
    score_title = f"Mean score (scale {bounds[0]:g}–{bounds[1]:g})" if bounds else "Mean score"
    score_ax = dict(range=score_range, title=dict(text=score_title), zeroline=False)
    if bounds and bounds[1] - bounds[0] <= 10:
        score_ax["dtick"] = 1
    if horizontal:
        fig.update_layout(yaxis=stage_ax, xaxis=score_ax)
        height = _rows_height(n, extra=180)
    else:
        fig.update_layout(xaxis=stage_ax, yaxis=score_ax)
        height = 480
    return _style(fig, figure="journey", stages=names, stage_axis="y" if horizontal else "x", title=title,
                  height=height, open_plans=sorted(open_plans & set(names)))


def penalty_figure(
    penalties: pd.DataFrame,
    *,
    verdicts: pd.DataFrame | None = None,
    outcome_label: str = "overall satisfaction",
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
    outcome_label : str
        The outcome's name, used in the axis title.
    threshold : float, optional
        The practical threshold for a critical moment, drawn as a dashed line (shape ``threshold``);
        by default the ``min_penalty`` column of ``verdicts`` when it has one.

    Returns
    -------
    go.Figure
        Bar traces with ``customdata`` rows ``[stage, n_bad]``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"stage": ["A", "B"], "n_bad": [40, 3], "penalty": [0.8, float("nan")],
    ...                   "penalty_ci_low": [0.5, float("nan")], "penalty_ci_high": [1.1, float("nan")]})
    >>> list(penalty_figure(t).data[0].y)
    [0.0, 1.0]
    """
    start = _open_stage_table(penalties, ("stage", "n_bad", "penalty", "penalty_ci_low", "penalty_ci_high"), "penalty_figure",
                              "penalties", "an outcome and rated stages are needed.")
    if isinstance(start, go.Figure):
        return start
    names, cats = start
    colors = dict(colors) if colors else stage_colors(cats)
    rows = _rows_by_stage(penalties)
    verdict: dict[str, str] = {}
    evidence: dict[str, str] = {}
    if not _is_empty(verdicts):
        _check(verdicts, ("stage", "verdict"), "penalty_figure (verdicts)")
        vrows = _rows_by_stage(verdicts)
        verdict = {s: str(_get(r, "verdict", "")) for s, r in vrows.items()}
        evidence = {s: str(_get(r, "evidence", "") or "") for s, r in vrows.items()}
        if threshold is None and "min_penalty" in verdicts.columns and verdicts["min_penalty"].notna().any():
            threshold = float(pd.to_numeric(verdicts["min_penalty"], errors="coerce").dropna().iloc[0])
    out_label = escape_text(outcome_label)

    def hover(s: str) -> str:
        r = rows[s]
        pen = _f(r, "penalty")
        lines = [f"<b>{escape_text(s)}</b>"]
        if np.isfinite(pen):
            lines.append(f"Penalty {_num(pen)} (95% interval {_num(_f(r, 'penalty_ci_low'))}–{_num(_f(r, 'penalty_ci_high'))})")
        else:
            lines.append("No estimate: too few bad experiences or no outcome")
        lines.append(f"Bad experiences: n_bad = {_int(_f(r, 'n_bad'))}"
                     + (f" ({_num(_f(r, 'bad_pct'), 1)}%)" if np.isfinite(_f(r, "bad_pct")) else ""))
        if np.isfinite(_f(r, "p_adjusted")):
            lines.append(f"p (adjusted) {_p(_f(r, 'p_adjusted'))}")
        if s in verdict:
            lines.append(f"Verdict: {escape_text(VERDICT_LABELS.get(verdict[s], verdict[s]))}")
        if evidence.get(s):
            lines.append("<i>" + "<br>".join(escape_text(t) for t in _split_lines(evidence[s], 60)) + "</i>")
        return "<br>".join(lines)

    def bar(idx: list[int], name: str, color, rank: int, showlegend: bool) -> dict:
        sel = [names[i] for i in idx]
        pen = np.array([_f(rows[s], "penalty") for s in sel])
        lo = np.array([_f(rows[s], "penalty_ci_low") for s in sel])
        hi = np.array([_f(rows[s], "penalty_ci_high") for s in sel])
        return dict(type="bar",
            x=pen, y=[float(i) for i in idx], orientation="h", name=name, legendrank=rank, showlegend=showlegend,
            marker=dict(color=color, line=dict(width=0)),
            error_x=dict(type="data", symmetric=False, array=hi - pen, arrayminus=pen - lo, color="#595959", thickness=1.5, width=4),
            customdata=_customdata(sel, [_f(rows[s], "n_bad") for s in sel]),
            hovertext=[hover(s) for s in sel], hovertemplate="%{hovertext}<extra></extra>",
        )

    fig = _Canvas()
    if verdict:
        order = list(VERDICT_COLORS) + sorted({v for v in verdict.values() if v not in VERDICT_COLORS})
        groups: dict[str, list[int]] = {}
        for i, s in enumerate(names):
            groups.setdefault(verdict.get(s, "not enough data"), []).append(i)
        for rank, v in enumerate(order):
            if v in groups:
                fig.add_trace(bar(groups[v], escape_text(VERDICT_LABELS.get(v, v)), VERDICT_COLORS.get(v, MISSING_COLOR), rank, True))
    else:
        fig.add_trace(bar(list(range(len(names))), "Penalty", [colors.get(s, LINE_COLOR) for s in names], 0, False))

    for i, s in enumerate(names):
        if not np.isfinite(_f(rows[s], "penalty")):
            fig.add_annotation(x=0, y=i, xanchor="left", text="no estimate", showarrow=False,
                               font=dict(size=11, color=MUTED_COLOR), name="no estimate")
    if threshold is not None and np.isfinite(threshold):
        fig.add_shape(type="line", xref="x", yref="paper", x0=threshold, x1=threshold, y0=0, y1=1,
                      line=dict(color=VERDICT_COLORS["critical"], dash="dash", width=1.5), name="threshold")
        fig.add_annotation(xref="x", yref="paper", x=threshold, y=1.0, yanchor="bottom", showarrow=False,
                           text=f"critical threshold {_num(threshold)}", font=dict(size=11, color=VERDICT_COLORS["critical"]),
                           name="threshold")
    fig.update_layout(
        yaxis=_stage_axis(names, horizontal=True), barmode="overlay",
        xaxis=dict(title=dict(text=f"Drop in {out_label} after a bad experience (penalty)"), zeroline=True,
                   zerolinecolor=LINE_COLOR),
    )
    return _style(fig, figure="penalty", stages=names, stage_axis="y", title=title, height=_rows_height(len(names)))


def penalty_reward_figure(penalties: pd.DataFrame, *, label_limit: int = 20, title: str | None = None) -> go.Figure:
    """Penalty (x) against reward (y) per stage, with the diagonal and the factor regions.

    Stages far below the diagonal are **basic** factors (a bad experience hurts, a great one adds
    little), far above it **delight** factors, near it **performance** factors. Points are coloured
    by the ``factor`` column when present. With more than ``label_limit`` stages the points are
    labelled by their position in the cycle (1, 2, ...), the full name being in the hover.

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
    start = _open_stage_table(penalties, ("stage", "penalty", "reward"), "penalty_reward_figure",
                              "penalties and rewards", "an outcome and rated stages are needed.")
    if isinstance(start, go.Figure):
        return start
    names, cats = start
    rows = _rows_by_stage(penalties)
    colors = stage_colors(cats)
    number = {s: i + 1 for i, s in enumerate(names)}
    many = len(names) > label_limit
    has_factor = "factor" in penalties.columns

    def label(s: str) -> str:
        return str(number[s]) if many else wrap_label(s, 16, 2)

    def hover(s: str) -> str:
        r = rows[s]
        lines = [f"<b>{escape_text(s)}</b>",
                 f"Penalty {_num(_f(r, 'penalty'))} ({_num(_f(r, 'penalty_ci_low'))}–{_num(_f(r, 'penalty_ci_high'))})",
                 f"Reward {_num(_f(r, 'reward'))} ({_num(_f(r, 'reward_ci_low'))}–{_num(_f(r, 'reward_ci_high'))})"]
        if has_factor:
            lines.append(f"Factor: {escape_text(_get(r, 'factor', 'unclear'))}")
        if np.isfinite(_f(r, "n")):
            lines.append(f"n = {_int(_f(r, 'n'))}")
        return "<br>".join(lines)

    groups: dict[str, list[str]] = {}
    for s in names:
        key = str(_get(rows[s], "factor", "unclear")) if has_factor else ""
        groups.setdefault(key, []).append(s)
    fig = _Canvas()
    order = list(FACTOR_COLORS) + sorted(k for k in groups if k not in FACTOR_COLORS)
    for rank, key in enumerate(order if has_factor else [""]):
        sel = groups.get(key)
        if not sel:
            continue
        px_ = np.array([_f(rows[s], "penalty") for s in sel])
        py_ = np.array([_f(rows[s], "reward") for s in sel])
        color = FACTOR_COLORS.get(key, MUTED_COLOR) if has_factor else [colors[s] for s in sel]
        fig.add_trace(dict(type="scatter",
            x=px_, y=py_, mode="markers+text", name=f"{escape_text(key).capitalize()} factor" if has_factor else "Stage",
            showlegend=has_factor, legendrank=rank, text=[label(s) for s in sel], textposition="top center",
            textfont=dict(size=11), marker=dict(size=11, color=color, line=dict(color="white", width=1)),
            customdata=_customdata(sel), hovertext=[hover(s) for s in sel], hovertemplate="%{hovertext}<extra></extra>",
        ))
    vals = np.array([_f(rows[s], c) for s in names for c in ("penalty", "reward")])
    vals = vals[np.isfinite(vals)]
    lo = min(0.0, float(vals.min())) if vals.size else 0.0
    hi = max(float(vals.max()), lo + 0.1) if vals.size else 1.0
    span = hi - lo
    lo, hi = lo - 0.05 * span, hi + 0.12 * span
    fig.add_shape(type="line", x0=lo, y0=lo, x1=hi, y1=hi, line=dict(color=MUTED_COLOR, dash="dash", width=1), name="diagonal", layer="below")
    for text, x, y, xa, ya in (("Basic factors<br>(penalty ≫ reward)", 0.99, 0.02, "right", "bottom"),
                               ("Delight factors<br>(reward ≫ penalty)", 0.01, 0.98, "left", "top"),
                               ("Performance factors<br>(along the diagonal)", 0.99, 0.98, "right", "top")):
        fig.add_annotation(xref="x domain", yref="y domain", x=x, y=y, xanchor=xa, yanchor=ya, text=text,
                           showarrow=False, align="left" if xa == "left" else "right",
                           font=dict(size=11, color=MUTED_COLOR), name=text.split("<br>")[0])
    fig.update_layout(
        xaxis=dict(title=dict(text="Penalty of a bad experience"), range=[lo, hi], zeroline=True),
        yaxis=dict(title=dict(text="Reward of a top experience"), range=[lo, hi], zeroline=True),
    )
    return _style(fig, figure="penalty_reward", stages=names, title=title, height=520)



_LABEL_SLOTS = ("top center", "bottom center", "middle right", "middle left", "top right", "bottom left")


def _label_positions(x: np.ndarray, y: np.ndarray, *, near: float = 0.09) -> list[str]:
    """Text positions for scatter labels so that labels of close points do not overlap.

    Points are taken left to right; each gets the first slot (above, below, right, left, ...) that
    no already-placed point within ``near`` (a share of each axis' range) uses.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    out = ["top center"] * n
    if n < 2:
        return out
    def span(v: np.ndarray) -> float:
        f = v[np.isfinite(v)]
        return float(f.max() - f.min()) if f.size and f.max() > f.min() else 1.0
    sx, sy = span(x), span(y)
    placed: list[int] = []
    for i in np.argsort(np.where(np.isfinite(x), x, np.inf), kind="stable"):
        taken = {
            out[j] for j in placed
            if np.isfinite(x[i]) and np.isfinite(x[j]) and abs(x[i] - x[j]) / sx < near * 2 and abs(y[i] - y[j]) / sy < near * 1.5
        }
        out[i] = next((slot for slot in _LABEL_SLOTS if slot not in taken), "top center")
        placed.append(int(i))
    return out


def priority_figure(
    priorities: pd.DataFrame,
    *,
    importance_mean: float | None = None,
    performance_mean: float | None = None,
    open_plans: Iterable[str] | None = None,
    label_limit: int = 20,
    title: str | None = None,
) -> go.Figure:
    """Importance-performance chart (Martilla & James 1977) with crosshairs and quadrant names.

    x = performance (``score_100``), y = importance. Crosshairs (shapes ``crosshair_performance``
    and ``crosshair_importance``) sit at ``performance_mean`` / ``importance_mean``; by default
    the ``performance_mean`` / ``importance_mean`` columns when the table has them, else the mean
    of the stages. Quadrant names are written in the corners: ``Concentrate here`` top left,
    ``Keep up the good work`` top right, ``Low priority`` bottom left, ``Possible overkill`` bottom
    right. Points are coloured by ``level``; with more than ``label_limit`` stages they are
    labelled by rank (or cycle position).

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
    start = _open_stage_table(priorities, ("stage", "importance", "performance"), "priority_figure",
                              "priorities", "an outcome and rated stages are needed.")
    if isinstance(start, go.Figure):
        return start
    names, _cats = start
    rows = _rows_by_stage(priorities)
    imp = np.array([_f(rows[s], "importance") for s in names])
    perf = np.array([_f(rows[s], "performance") for s in names])

    def centre(given, col: str, values: np.ndarray) -> float:
        if given is not None:
            return float(given)
        if col in priorities.columns and priorities[col].notna().any():
            return float(priorities[col].dropna().iloc[0])
        return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")

    pm = centre(performance_mean, "performance_mean", perf)
    im = centre(importance_mean, "importance_mean", imp)
    plans = {str(s) for s in (open_plans or ())}
    many = len(names) > label_limit

    def label(i: int, s: str) -> str:
        if many:
            rank = _get(rows[s], "rank", None)
            return _int(rank) if rank is not None else str(i + 1)
        return wrap_label(s, 16, 2)

    def hover(s: str) -> str:
        r = rows[s]
        lines = [f"<b>{escape_text(s)}</b>"]
        if _get(r, "rank", None) is not None:
            lines.append(f"Rank {_int(_f(r, 'rank'))}")
        lines += [f"Importance {_num(_f(r, 'importance'), 3)}", f"Performance {_num(_f(r, 'performance'), 1)} / 100"]
        if np.isfinite(_f(r, "target_100")):
            lines.append(f"Target {_num(_f(r, 'target_100'), 1)} / 100, gap {_num(_f(r, 'gap'), 1)}")
        if np.isfinite(_f(r, "priority_score")):
            lines.append(f"Priority score {_num(_f(r, 'priority_score'), 3)}")
        for col, lab in (("quadrant", "Quadrant"), ("level", "Level")):
            if _get(r, col, None) is not None:
                lines.append(f"{lab}: {escape_text(_get(r, col))}")
        if np.isfinite(_f(r, "stability_top3")):
            lines.append(f"In the top three in {_num(100 * _f(r, 'stability_top3'), 0)}% of resamples")
        if s in plans:
            lines.append("Open action plan")
        return "<br>".join(lines)

    fig = _Canvas()
    positions = _label_positions(perf, imp)
    level_of = {s: str(_get(rows[s], "level", "")) for s in names}
    order = list(LEVEL_COLORS) + sorted({v for v in level_of.values() if v not in LEVEL_COLORS})
    for rank, lev in enumerate(order):
        idx = [i for i, s in enumerate(names) if level_of[s] == lev]
        if not idx:
            continue
        sel = [names[i] for i in idx]
        fig.add_trace(dict(type="scatter",
            x=perf[idx], y=imp[idx], mode="markers+text",
            name=f"{escape_text(lev).capitalize()} priority" if lev else "Stage", legendrank=rank, showlegend=bool(lev),
            text=[label(i, names[i]) for i in idx], textposition=[positions[i] for i in idx], textfont=dict(size=11),
            marker=dict(size=12, color=LEVEL_COLORS.get(lev, MUTED_COLOR), line=dict(color="white", width=1)),
            customdata=_customdata(sel, [_get(rows[s], "rank", None) for s in sel]),
            hovertext=[hover(s) for s in sel], hovertemplate="%{hovertext}<extra></extra>",
        ))
    plan_idx = [i for i, s in enumerate(names) if s in plans]
    if plan_idx:
        fig.add_trace(dict(type="scatter",
            x=perf[plan_idx], y=imp[plan_idx], mode="markers", name="Open action plan", legendrank=10,
            marker=dict(size=22, symbol="circle-open", color=LINE_COLOR, line=dict(width=1.5)),
            customdata=_customdata([names[i] for i in plan_idx]), hovertext=[hover(names[i]) for i in plan_idx],
            hovertemplate="%{hovertext}<extra></extra>",
        ))

    def rng(values: np.ndarray, c: float, min_span: float, clip: tuple[float, float] | None) -> list[float]:
        v = np.concatenate([values[np.isfinite(values)], [c] if np.isfinite(c) else []])
        if not v.size:
            return [0.0, 1.0]
        a, b = float(v.min()), float(v.max())
        span = max(b - a, min_span)
        mid = (a + b) / 2
        a, b = min(a, mid - span / 2) - 0.25 * span, max(b, mid + span / 2) + 0.25 * span
        return [a, b]

    xr, yr = rng(perf, pm, 10.0, None), rng(imp, im, 0.1, None)
    if np.isfinite(pm):
        fig.add_shape(type="line", xref="x", yref="y", x0=pm, x1=pm, y0=yr[0], y1=yr[1],
                      line=dict(color=LINE_COLOR, width=1, dash="dot"), name="crosshair_performance", layer="below")
    if np.isfinite(im):
        fig.add_shape(type="line", xref="x", yref="y", x0=xr[0], x1=xr[1], y0=im, y1=im,
                      line=dict(color=LINE_COLOR, width=1, dash="dot"), name="crosshair_importance", layer="below")
    for quad, x, y, xa, ya in (("Concentrate here", 0.01, 0.99, "left", "top"),
                               ("Keep up the good work", 0.99, 0.99, "right", "top"),
                               ("Low priority", 0.01, 0.01, "left", "bottom"),
                               ("Possible overkill", 0.99, 0.01, "right", "bottom")):
        fig.add_annotation(xref="x domain", yref="y domain", x=x, y=y, xanchor=xa, yanchor=ya, text=f"<b>{quad}</b>",
                           showarrow=False, font=dict(size=12, color=QUADRANT_COLORS[quad]), name=quad)
    fig.update_layout(
        xaxis=dict(title=dict(text="Performance (score 0–100)"), range=xr, zeroline=False),
        yaxis=dict(title=dict(text="Importance"), range=yr, zeroline=False),
    )
    return _style(fig, figure="priority", stages=names, title=title, height=540,
                  performance_mean=pm if np.isfinite(pm) else None, importance_mean=im if np.isfinite(im) else None)


def _scale_points(scale_points) -> list[int]:
    if isinstance(scale_points, Scale):
        return list(scale_points.values)
    pts = sorted({int(p) for p in scale_points})
    if len(pts) < 2:
        raise SurveyError("diverging_bar_figure needs a scale of at least two points.")
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
    if _is_empty(distribution):
        return empty_figure("No answers to show for this selection.")
    value_col = "count" if "count" in distribution.columns else "pct"
    _check(distribution, ("stage", "score", value_col) + ((by,) if by else ()), "diverging_bar_figure")
    points = _scale_points(scale_points)
    scores = pd.to_numeric(distribution["score"], errors="coerce")
    outside = sorted(set(scores.dropna().unique()) - set(points))
    if outside:
        raise SurveyError(f"The answer distribution holds the score {outside[0]:g}, which is not a point of the scale {points[0]}–{points[-1]}.")
    names, _cats = _stage_order(distribution)
    if not names:
        return empty_figure("No answers to show for this selection.")

    stage_str = distribution["stage"].astype("string").astype(object)
    if by:
        gcol = distribution[by]
        if isinstance(gcol.dtype, pd.CategoricalDtype):
            gorder = [str(c) for c in gcol.cat.categories if (gcol == c).any()]
        else:
            gorder = [str(v) for v in dict.fromkeys(gcol.dropna())]
        group_str = gcol.astype("string").astype(object)
    else:
        gorder = [""]
        group_str = pd.Series([""] * len(distribution), index=distribution.index, dtype=object)
    keys = [(s, g) for s in names for g in gorder
            if ((stage_str == s) & (group_str == g)).any()]
    if not keys:
        return empty_figure("No answers to show for this selection.")
    key_index = {k: i for i, k in enumerate(keys)}
    point_index = {p: j for j, p in enumerate(points)}
    values = np.zeros((len(keys), len(points)))
    for s, g, sc, v in zip(stage_str, group_str, scores, pd.to_numeric(distribution[value_col], errors="coerce")):
        k = key_index.get((s, g))
        if k is None or not np.isfinite(sc) or not np.isfinite(v):
            continue
        values[k, point_index[int(sc)]] += v
    if value_col == "count":
        totals = values.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.where(totals[:, None] > 0, values / totals[:, None] * 100.0, np.nan)
    else:
        totals = np.full(len(keys), np.nan)
        pct = values
    counts = values if value_col == "count" else np.full_like(values, np.nan)

    m = len(points)
    half = m // 2
    neutral = points[half] if m % 2 else None
    negatives = points[:half]  # scale minimum ... just below the midpoint
    positives = points[half + (m % 2):]
    neg_colors = _ramp(*NEGATIVE_RAMP, len(negatives))[::-1]  # dark at the minimum
    pos_colors = _ramp(*POSITIVE_RAMP, len(positives))
    color_of = {p: c for p, c in zip(negatives, neg_colors)} | {p: c for p, c in zip(positives, pos_colors)}
    if neutral is not None:
        color_of[neutral] = NEUTRAL_COLOR
    labels = {int(k): str(v) for k, v in (labels or {}).items()}

    def point_name(p: int) -> str:
        return f"{p} – {escape_text(labels[p])}" if p in labels else str(p)

    if by and len(names) == 1:
        row_labels = [escape_text(g) for _s, g in keys]
    elif by:
        row_labels = [f"{_short(s, 22)} · {escape_text(g)}" for s, g in keys]
    else:
        row_labels = [wrap_label(s, WRAP_WIDTH_H, 2) for s, _g in keys]
    ypos = [float(i) for i in range(len(keys))]

    def trace(p: int, sign: float, share: float, *, name: str, showlegend: bool, group: str, rank: int) -> dict:
        j = point_index[p]
        col = pct[:, j]
        x = sign * share * col
        hov = []
        for i, (s, g) in enumerate(keys):
            lines = [f"<b>{escape_text(s)}</b>" + (f" · {escape_text(g)}" if g else "")]
            if np.isfinite(col[i]):
                extra = f" ({_int(counts[i, j])} answers)" if np.isfinite(counts[i, j]) else ""
                lines.append(f"Answer {point_name(p)}: {_num(col[i], 1)}%{extra}")
                if p == neutral:
                    lines.append("<i>Neutral: drawn half left, half right of zero</i>")
            else:
                lines.append("No answers")
            hov.append("<br>".join(lines))
        text = [f"{v:.0f}%" if np.isfinite(v) and v >= 6 and p != neutral else "" for v in col]
        return dict(type="bar",
            x=x, y=ypos, orientation="h", name=name, legendgroup=group, showlegend=showlegend, legendrank=rank,
            marker=dict(color=color_of[p], line=dict(width=0.5, color="white")),
            text=text, textposition="inside", insidetextanchor="middle", textfont=dict(size=11),
            customdata=_customdata([s for s, _g in keys], [g for _s, g in keys], [p] * len(keys), list(col)),
            hovertext=hov, hovertemplate="%{hovertext}<extra></extra>",
        )

    fig = _Canvas()
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
        xaxis=dict(range=[-reach, reach], tickmode="array", tickvals=ticks, ticktext=[f"{abs(t)}%" for t in ticks],
                   title=dict(text="% of answers: negative ← | → positive"), zeroline=False),
        legend=dict(traceorder="normal", title=dict(text="Answer")),
    )
    return _style(fig, figure="diverging_bar", stages=[s for s, _g in keys], stage_axis="y", title=title,
                  height=_rows_height(len(keys), minimum=260, extra=170), groups=[g for _s, g in keys], by=by)


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
        ``"v"``: stages on x; ``"h"``: stages on y; ``"auto"``: ``"h"`` above :data:`MANY_STAGES`.

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
    start = _open_stage_table(segment_table, ("segment", "value", "stage", "n", value), "segment_heatmap_figure",
                              "segment comparison", "choose a segment column with enough responses.")
    if isinstance(start, go.Figure):
        return start
    names, _cats = start
    seg_names = [str(v) for v in dict.fromkeys(segment_table["segment"].dropna())]
    several = len(seg_names) > 1
    row_keys: list[tuple[str, str]] = []
    for seg in seg_names:
        part = segment_table[segment_table["segment"].astype("string") == seg]["value"]
        if isinstance(part.dtype, pd.CategoricalDtype):
            vals = [str(c) for c in part.cat.categories if (part == c).any()]
        else:
            vals = [str(v) for v in dict.fromkeys(part.dropna())]
        row_keys += [(seg, v) for v in vals]
    ri = {k: i for i, k in enumerate(row_keys)}
    ci = {s: j for j, s in enumerate(names)}
    R, C = len(row_keys), len(names)
    z = np.full((R, C), np.nan)
    nn = np.full((R, C), np.nan)
    few = np.zeros((R, C), bool)
    present = np.zeros((R, C), bool)
    flag = np.full((R, C), "", dtype=object)
    diff = np.full((R, C), np.nan)
    padj = np.full((R, C), np.nan)
    has_few = "too_few" in segment_table.columns
    for _, r in segment_table.iterrows():
        k = (str(r["segment"]), str(r["value"]))
        if k not in ri or str(r["stage"]) not in ci:
            continue
        i, j = ri[k], ci[str(r["stage"])]
        present[i, j] = True
        z[i, j] = _f(r, value)
        nn[i, j] = _f(r, "n")
        few[i, j] = bool(_get(r, "too_few", False)) if has_few else False
        few[i, j] |= not (np.isfinite(nn[i, j]) and nn[i, j] >= min_n)
        flag[i, j] = str(_get(r, "flag", "") or "")
        diff[i, j] = _f(r, "diff_vs_rest")
        padj[i, j] = _f(r, "p_adjusted")

    row_labels = [f"{escape_text(s)}: {escape_text(v)}" if several else escape_text(v) for s, v in row_keys]
    digits = 0 if value == "score_100" else 2
    text = np.full((R, C), "", dtype=object)
    hover = np.full((R, C), "", dtype=object)
    custom = np.empty((R, C, 4), dtype=object)
    for i, (seg, val) in enumerate(row_keys):
        for j, s in enumerate(names):
            custom[i, j] = [s, seg, val, None if not np.isfinite(nn[i, j]) else float(nn[i, j])]
            lines = [f"<b>{escape_text(s)}</b>", f"{escape_text(seg)}: {escape_text(val)}"]
            if not present[i, j]:
                lines.append("No data")
            elif few[i, j]:
                text[i, j] = "too few"
                lines.append(f"Too few responses (n = {_int(nn[i, j])}, at least {min_n} needed)")
            else:
                mark = {"below": " ▼", "above": " ▲"}.get(flag[i, j], "")
                text[i, j] = _num(z[i, j], digits) + mark
                lines.append(f"{escape_text(value)} {_num(z[i, j], digits)}   n = {_int(nn[i, j])}")
                if np.isfinite(diff[i, j]):
                    lines.append(f"Difference vs the rest {_num(diff[i, j])}, p (adjusted) {_p(padj[i, j])}")
                if mark:
                    lines.append(f"Significantly {flag[i, j]} the rest")
            hover[i, j] = "<br>".join(lines)
    main = np.where(few, np.nan, z)
    grey = np.where(few & present, 1.0, np.nan)

    horizontal = orientation == "h" or (orientation == "auto" and C > MANY_STAGES)

    def o(a: np.ndarray) -> np.ndarray:
        return a.transpose(1, 0, *range(2, a.ndim)) if horizontal else a

    zmid = 0.0 if value == "diff_vs_rest" else None
    fig = _Canvas()
    rpos, cpos = list(range(R)), list(range(C))
    xs, ys = (rpos, cpos) if horizontal else (cpos, rpos)
    fig.add_trace(dict(type="heatmap",
        z=o(main), x=xs, y=ys, colorscale=DIVERGING_SCALE, zmid=zmid, name=escape_text(value),
        colorbar=dict(title=dict(text=escape_text(value)), thickness=12), xgap=2, ygap=2,
        text=o(np.where(few, "", text)), texttemplate="%{text}", textfont=dict(size=11), hovertext=o(hover),
        hovertemplate="%{hovertext}<extra></extra>", customdata=o(custom),
    ))
    fig.add_trace(dict(type="heatmap",
        z=o(grey), x=xs, y=ys, colorscale=[[0, MISSING_COLOR], [1, MISSING_COLOR]], showscale=False,
        name="Too few responses", xgap=2, ygap=2, text=o(np.where(few, text, "")), texttemplate="%{text}",
        textfont=dict(size=11, color=MUTED_COLOR), hovertext=o(hover), hovertemplate="%{hovertext}<extra></extra>",
        customdata=o(custom),
    ))
    stage_ax = _stage_axis(names, horizontal=horizontal)
    group_ax = dict(tickmode="array", tickvals=rpos, ticktext=row_labels, showgrid=False, zeroline=False,
                    range=[R - 0.5, -0.5] if not horizontal else [-0.5, R - 0.5])
    if horizontal:
        group_ax["side"] = "top"
        fig.update_layout(xaxis=group_ax, yaxis=stage_ax)
        height = _rows_height(C, extra=180)
    else:
        fig.update_layout(xaxis=stage_ax, yaxis=group_ax)
        height = _rows_height(R, minimum=300, extra=220)
    return _style(fig, figure="segment_heatmap", stages=names, stage_axis="y" if horizontal else "x", title=title,
                  height=height, rows=[list(k) for k in row_keys])


def trend_figure(
    trends: pd.DataFrame,
    *,
    stages: Sequence[str] | None = None,
    y: str = "mean",
    band: str = "auto",
    colors: Mapping[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Per-stage score over time: one line per stage in its stage colour.

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
    if _is_empty(trends):
        return empty_figure("No trend to show: the data has no dates, or no ratings in the selected period.")
    _check(trends, ("stage", "period", "n", y), "trend_figure")
    names, cats = _stage_order(trends)
    if stages is not None:
        wanted = [str(s) for s in stages]
        unknown = [s for s in wanted if s not in cats]
        if unknown:
            raise SurveyError(f"trend_figure was asked for the stage {unknown[0]!r}, which the trend table does not hold.")
        names = [s for s in names if s in wanted]
    if not names:
        return empty_figure("No trend to show for the chosen stages.")
    colors = dict(colors) if colors else stage_colors(cats)
    per = trends["period"]
    if isinstance(per.dtype, pd.PeriodDtype):
        xval = per.dt.to_timestamp()
    else:
        xval = per
    is_time = pd.api.types.is_datetime64_any_dtype(xval)
    plabel = trends["period_label"].astype("string").fillna("") if "period_label" in trends.columns else per.astype("string")
    stage_arr = np.array([None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)
                          for v in trends["stage"].tolist()], dtype=object)
    with_ci = y == "mean" and {"ci_low", "ci_high"} <= set(trends.columns)
    mode = band if band != "auto" else ("band" if len(names) <= 4 else "bars")
    fig = _Canvas()
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
                    line=dict(width=0), fillcolor=_rgba(color, 0.15), hoverinfo="skip", showlegend=False,
                    legendgroup=s, name=f"{_short(s, 40)} (95% interval)",
                    customdata=_customdata([s] * (2 * len(bx))),
                ))
        hov = []
        for k in range(idx.size):
            lines = [f"<b>{escape_text(s)}</b>", escape_text(labels_s[k])]
            if np.isfinite(yv[k]):
                val = f"{'Mean' if y == 'mean' else 'Score 0–100'} {_num(yv[k], 2 if y == 'mean' else 0)}"
                if with_ci and np.isfinite(lo[k]):
                    val += f" (95% interval {_num(lo[k])}–{_num(hi[k])})"
                lines.append(val)
            else:
                lines.append("No ratings")
            lines.append(f"n = {_int(nv[k])}")
            if small[k] and np.isfinite(yv[k]):
                lines.append("<i>Small sample: read with care</i>")
            hov.append("<br>".join(lines))
        err = {}
        if with_ci and mode == "bars":
            err = {"error_y": dict(type="data", symmetric=False, array=hi - yv, arrayminus=yv - lo, color=_rgba(color, 0.6), thickness=1, width=3)}
        fig.add_trace(dict(type="scatter",
            x=xs, y=yv, mode="lines+markers", name=_short(s, 40), legendgroup=s, legendrank=rank,
            line=dict(color=color, width=2), connectgaps=False,
            marker=dict(color=color, size=9, symbol=["circle-open" if sm else "circle" for sm in small], line=dict(width=2, color=color)),
            customdata=_customdata([s] * idx.size, labels_s, list(nv)),
            hovertext=hov, hovertemplate="%{hovertext}<extra></extra>", **err,
        ))
    xaxis = dict(title=dict(text="Period"))
    if not is_time:
        xaxis["type"] = "category"
    else:
        ticks = pd.DataFrame({"x": np.asarray(xval), "label": np.asarray(plabel)}).dropna().drop_duplicates("x").sort_values("x")
        if 0 < len(ticks) <= 24:
            xaxis.update(tickmode="array", tickvals=list(ticks["x"]), ticktext=[escape_text(v) for v in ticks["label"]])
    many = len(names) > 8
    fig.update_layout(
        xaxis=xaxis,
        yaxis=dict(title=dict(text="Mean score" if y == "mean" else "Score (0–100)")),
        legend=dict(orientation="v", x=1.02, y=1, xanchor="left", yanchor="top") if many else {},
    )
    return _style(fig, figure="trend", stages=names, title=title,
                  height=max(440, 22 * len(names) + 120) if many else 440, periods=n_periods)


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
    if _is_empty(changes):
        return empty_figure("No stage-to-stage changes to show: at least two stages rated by the same respondents are needed.")
    _check(changes, ("stage_from", "stage_to", "mean_change", "p_value"), "stage_change_figure")
    data = changes
    if isinstance(changes["stage_from"].dtype, pd.CategoricalDtype):
        data = changes.assign(_o=changes["stage_from"].cat.codes).sort_values("_o", kind="stable")
    data = data[data["stage_from"].notna() & data["stage_to"].notna()]
    if data.empty:
        return empty_figure("No stage-to-stage changes to show.")
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
            lines.append(f"Mean {_num(_f(r, 'mean_from'))} → {_num(_f(r, 'mean_to'))}, change {change[k]:+.2f}")
        else:
            lines.append("No respondents rated both stages")
        lines.append(f"p = {_p(p[k])}, respondents who rated both: {_int(_f(r, 'n_pairs'))}")
        if np.isfinite(_f(r, "effect_size")):
            lines.append(f"Effect size {_num(_f(r, 'effect_size'))}")
        hover.append("<br>".join(lines))
    labels = [f"{_short(a, 18)} →<br>{_short(b, 18)}" for a, b in zip(frm, to)]
    fig = go.Figure(data=[dict(type="bar",
        x=change, y=list(range(nrows)), orientation="h", name="Change",
        marker=dict(color=[CHANGE_COLORS["up"] if c >= 0 else CHANGE_COLORS["down"] for c in np.nan_to_num(change)]),
        text=[stars(v) for v in p], textposition="outside", textfont=dict(size=13),
        customdata=_customdata(to, frm, list(p)), hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        cliponaxis=False,
    )])
    fig.update_layout(
        yaxis=dict(tickmode="array", tickvals=list(range(nrows)), ticktext=labels, range=[nrows - 0.4, -0.6], showgrid=False),
        xaxis=dict(title=dict(text="Change in mean score from the previous stage<br>"
                              f"<sup>* p &lt; {alpha:g}   ** p &lt; 0.01   *** p &lt; 0.001 (Wilcoxon signed-rank)</sup>"),
                   zeroline=True, zerolinecolor=LINE_COLOR),
    )
    return _style(fig, figure="stage_change", stages=to, stage_axis="y", title=title,
                  height=_rows_height(nrows, minimum=260, extra=190) + 12 * nrows)


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
        return empty_figure("This cycle has no stages yet: add the first moment of truth.")
    names = [s.name for s in stages]
    colors = dict(colors) if colors else stage_colors(names)
    n = len(names)
    per = max(1, int(per_row)) if per_row else min(n, 6)
    dx, dy, bw, bh = 1.5, 1.9, 1.1, 0.8
    cx = [(i % per) * dx for i in range(n)]
    cy = [-(i // per) * dy for i in range(n)]
    fig = _Canvas()
    # Phase bands: contiguous runs within a row.
    phase_rank = {ph: k for k, ph in enumerate(dict.fromkeys(st.phase for st in stages if st.phase))}
    start = 0
    for i in range(1, n + 1):
        ph = stages[i - 1].phase
        same_row = i < n and (i // per) == ((i - 1) // per)
        if same_row and stages[i].phase == ph:
            continue
        if ph:
            fig.add_shape(type="rect", x0=cx[start] - bw / 2 - 0.15, x1=cx[i - 1] + bw / 2 + 0.15,
                          y0=cy[start] - bh / 2 - 0.15, y1=cy[start] + bh / 2 + 0.42, line=dict(width=0),
                          fillcolor=PHASE_FILLS[phase_rank[ph] % 2].replace("0.07", "0.12").replace("0.09", "0.16"),
                          layer="below", name=f"phase:{ph}")
            fig.add_annotation(x=cx[start] - bw / 2 - 0.1, y=cy[start] + bh / 2 + 0.38, xanchor="left", yanchor="top",
                               text=f"<i>{_short(ph, 14 * (i - start))}</i>", showarrow=False,
                               font=dict(size=11, color=MUTED_COLOR), name="phase")
        start = i
    for i, st in enumerate(stages):
        crit = bool(st.critical)
        fig.add_shape(type="rect", x0=cx[i] - bw / 2, x1=cx[i] + bw / 2, y0=cy[i] - bh / 2, y1=cy[i] + bh / 2,
                      line=dict(color=VERDICT_COLORS["critical"] if crit else colors.get(st.name, LINE_COLOR), width=4 if crit else 2),
                      fillcolor=_rgba(VERDICT_COLORS["critical"], 0.12) if crit else "white",
                      name="critical" if crit else "stage", layer="below")
        if i + 1 < n:
            if cy[i + 1] == cy[i]:
                fig.add_annotation(x=cx[i + 1] - bw / 2, y=cy[i], ax=cx[i] + bw / 2, ay=cy[i], xref="x", yref="y",
                                   axref="x", ayref="y", showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.5,
                                   arrowcolor=LINE_COLOR, text="", name="arrow")
            else:  # elbow to the next row: down, left, down
                mid = cy[i] - dy / 2
                fig.add_shape(type="path", path=f"M {cx[i]},{cy[i] - bh / 2} V {mid} H {cx[i + 1]}",
                              line=dict(color=LINE_COLOR, width=1.5), name="arrow")
                fig.add_annotation(x=cx[i + 1], y=cy[i + 1] + bh / 2, ax=cx[i + 1], ay=mid, xref="x", yref="y",
                                   axref="x", ayref="y", showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.5,
                                   arrowcolor=LINE_COLOR, text="", name="arrow")
    hover = []
    for st in stages:
        lines = [f"<b>{escape_text(st.name)}</b>"]
        if st.phase:
            lines.append(f"Phase: {escape_text(st.phase)}")
        if st.critical:
            lines.append("Declared critical moment")
        if st.target is not None:
            lines.append(f"Target {_num(st.target)}")
        if st.question:
            lines.append(f"Question: {_short(st.question, 80)}")
        hover.append("<br>".join(lines))
    fig.add_trace(dict(type="scatter",
        x=cx, y=cy, mode="markers+text", name="Stages", showlegend=False,
        text=[wrap_label(s, 14, 3) + (" ★" if st.critical else "") for s, st in zip(names, stages)],
        textposition="middle center", textfont=dict(size=11, color=TEXT_COLOR),
        marker=dict(symbol="square", size=40, color="rgba(0,0,0,0)", opacity=0.01),
        customdata=_customdata(names), hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
    ))
    if any(st.critical for st in stages):
        fig.add_trace(_legend_only("Declared critical moment (★)", VERDICT_COLORS["critical"], "square-open"))
    rows = (n - 1) // per + 1
    fig.update_xaxes(visible=False, range=[-bw / 2 - 0.3, (per - 1) * dx + bw / 2 + 0.3])
    fig.update_yaxes(visible=False, range=[-(rows - 1) * dy - bh / 2 - 0.3, bh / 2 + 0.55])
    fig.update_layout(showlegend=any(st.critical for st in stages))
    return _style(fig, figure="cycle_flow", stages=names, title=title or None, height=int(150 * rows + 110),
                  cycle=escape_text(getattr(cycle, "name", "")))


__all__ = [
    "escape_text", "wrap_label", "stage_colors", "empty_figure", "journey_figure", "penalty_figure",
    "penalty_reward_figure", "priority_figure", "diverging_bar_figure", "segment_heatmap_figure",
    "trend_figure", "stage_change_figure", "cycle_flow_figure",
    "STAGE_PALETTE", "VERDICT_COLORS", "QUADRANT_COLORS", "LEVEL_COLORS", "FACTOR_COLORS", "TEMPLATE",
]
