"""The one house style of every figure: colours, fonts, template, text and number formatting.

Every builder of :mod:`cycle_analytics.figures` collects its traces on a :class:`Canvas` and
finishes with :func:`apply_style`, which attaches :data:`TEMPLATE` and the selection metadata;
no builder sets a font or a colour that is not defined here.

Every text of a figure is in the interface language (:mod:`cycle_analytics.i18n`): the names of
verdicts, quadrants, priority levels and factors below are marked with ``N_`` and translated when a
figure is built; numbers are formatted for the language (:func:`~cycle_analytics.i18n.format_decimal`,
:func:`~cycle_analytics.i18n.format_number`, :func:`~cycle_analytics.i18n.format_p_value`, imported here
for the builders).

Examples
--------
>>> stage_colors(["Arrive", "Wait"])
{'Arrive': '#0072B2', 'Wait': '#E69F00'}
>>> escape_text("<b>x</b> & y")
'&lt;b&gt;x&lt;/b&gt; &amp; y'
>>> format_decimal(3.14159), format_number(1234.4), format_p_value(0.0004)
('3.14', '1,234', '< 0.001')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import plotly.graph_objects as go

from cycle_analytics.i18n import N_, format_decimal, format_number, format_p_value, gettext  # noqa: F401 - the builders' formatters

# --------------------------------------------------------------------------------------------
# Fonts, neutral colours, layout sizes
# --------------------------------------------------------------------------------------------

FONT_FAMILY = "Inter, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
FONT_SIZE = 13
TEXT_COLOR = "#1F1F1F"
MUTED_COLOR = "#6E6E6E"
GRID_COLOR = "#E6E6E6"
LINE_COLOR = "#4D4D4D"  # the journey line, reference lines
TARGET_COLOR = "#000000"
MISSING_COLOR = "#D9D9D9"  # "too few" cells, missing values
BACKGROUND_COLOR = "white"  # paper, plot, box fills and the outline that separates markers and bars
LABEL_BACKGROUND = "rgba(255,255,255,0.8)"  # behind small notes drawn over data
INVISIBLE_COLOR = "rgba(0,0,0,0)"  # click targets that draw nothing
INTERVAL_COLOR = "#8C8C8C"  # error bars on a line
BAR_INTERVAL_COLOR = "#595959"  # error bars on coloured bars
PHASE_FILLS = ("rgba(0,114,178,0.07)", "rgba(230,159,0,0.09)")  # alternating phase bands behind data
PHASE_FILLS_STRONG = ("rgba(0,114,178,0.12)", "rgba(230,159,0,0.16)")  # the same behind the designer's boxes
MARGIN = dict(l=10, r=20, t=60, b=10)

# --------------------------------------------------------------------------------------------
# Palettes
# --------------------------------------------------------------------------------------------

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
#: Verdict (as the analysis writes it) -> its name (English; translate with ``_()`` where shown).
VERDICT_LABELS = {
    "critical": N_("Critical moment"),
    "pain point": N_("Pain point"),
    "ok": N_("OK"),
    "not enough data": N_("Not enough data"),
}
#: Quadrant of the importance-performance grid (as the analysis writes it, English) -> colour.
QUADRANT_COLORS = {
    N_("Concentrate here"): "#D55E00",
    N_("Keep up the good work"): "#009E73",
    N_("Low priority"): "#7F7F7F",
    N_("Possible overkill"): "#0072B2",
}
LEVEL_COLORS = {"high": "#D55E00", "medium": "#E69F00", "low": "#56B4E9"}
#: Priority level -> the legend name of its points.
LEVEL_LABELS = {"high": N_("High priority"), "medium": N_("Medium priority"), "low": N_("Low priority")}
FACTOR_COLORS = {"basic": "#D55E00", "performance": "#0072B2", "delight": "#009E73", "unclear": "#999999"}
#: Kano-like factor -> the legend name of its points.
FACTOR_LABELS = {"basic": N_("Basic factor"), "performance": N_("Performance factor"), "delight": N_("Delight factor"),
                 "unclear": N_("Unclear factor")}
CHANGE_COLORS = {"up": "#0072B2", "down": "#E69F00"}

#: Diverging ramps (blue = positive, orange/brown = negative), colour-blind safe (ColorBrewer PuOr/RdBu ends).
NEGATIVE_RAMP = ("#FDB863", "#7F3B08")  # light (near the midpoint) -> dark (scale minimum)
POSITIVE_RAMP = ("#92C5DE", "#053061")  # light (near the midpoint) -> dark (scale maximum)
NEUTRAL_COLOR = "#CFCFCF"
#: Continuous scale for heatmaps: low = orange/brown, middle = light grey, high = blue.
DIVERGING_SCALE = [[0.0, "#B35806"], [0.25, "#F1A340"], [0.5, "#F0F0F0"], [0.75, "#67A9CF"], [1.0, "#2166AC"]]

# --------------------------------------------------------------------------------------------
# Stage axes and labels
# --------------------------------------------------------------------------------------------

MANY_STAGES = 15  #: above this many stages, journey and heatmap turn horizontal
WRAP_WIDTH = 18  #: characters per line of a stage label
ROW_HEIGHT = 34  #: pixels per stage row in horizontal layouts (two-line labels)
WRAP_WIDTH_H = 30  #: characters per line of a stage label on a vertical axis (horizontal layouts)

#: Every trace shows its prebuilt ``hovertext`` and no trace-name box.
HOVER_TEMPLATE = "%{hovertext}<extra></extra>"
#: The hover line of a value computed on a small sample (translated, then set in italics, by :func:`small_sample_note`).
SMALL_SAMPLE_NOTE = N_("Small sample: read with care")

# --------------------------------------------------------------------------------------------
# The template and the one styling step
# --------------------------------------------------------------------------------------------

_AXIS = dict(gridcolor=GRID_COLOR, linecolor="#BDBDBD", zerolinecolor="#BDBDBD", zerolinewidth=1, ticks="",
             automargin=True, title=dict(standoff=12))
#: The house template (a small, layout-only relative of "plotly_white": cheap to attach to every figure).
TEMPLATE = go.layout.Template(layout=dict(
    font=dict(family=FONT_FAMILY, size=FONT_SIZE, color=TEXT_COLOR),
    paper_bgcolor=BACKGROUND_COLOR,
    plot_bgcolor=BACKGROUND_COLOR,
    colorway=list(STAGE_PALETTE),
    title=dict(x=0.0, xanchor="left", font=dict(size=16)),
    hoverlabel=dict(bgcolor=BACKGROUND_COLOR, bordercolor="#999999", font=dict(family=FONT_FAMILY, size=12, color=TEXT_COLOR), align="left"),
    hovermode="closest",
    legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0.0, font=dict(size=12)),
    margin=MARGIN,
    xaxis=_AXIS,
    yaxis=_AXIS,
    annotationdefaults=dict(arrowcolor=LINE_COLOR, arrowhead=0, arrowwidth=1),
    shapedefaults=dict(line=dict(color=LINE_COLOR)),
))


class Canvas:
    """Collects traces, shapes, annotations and layout, then builds the figure in one step.

    Adding shapes or annotations one by one to a ``go.Figure`` re-validates the whole list each
    time; collecting them first keeps every builder at a few tens of milliseconds.

    >>> canvas = Canvas()
    >>> canvas.add_annotation(text="hello", showarrow=False)
    >>> canvas.build().layout.annotations[0].text
    'hello'
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


def apply_style(fig: go.Figure | Canvas, *, figure: str, stages: Sequence[str] = (), stage_axis: str | None = None,
                title: str | None = None, height: int | None = None, **meta) -> go.Figure:
    """Apply the one house style and the selection metadata to ``fig`` (built first when a :class:`Canvas`).

    ``layout.meta`` becomes ``{"figure": figure, "stages": [...], "stage_axis": stage_axis, **meta}``
    (see :mod:`cycle_analytics.figures`); ``title`` is escaped.
    """
    if isinstance(fig, Canvas):
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
# Text
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


def split_lines(text: str, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width`` characters at spaces (a longer word is cut).

    >>> split_lines("Receiving the money", 10)
    ['Receiving', 'the money']
    """
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
    lines = split_lines(str(value if value is not None else ""), width)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, width - 1)] + "…"
    return "<br>".join(escape_text(line) for line in lines)


def short_label(value: object, limit: int = 24) -> str:
    """Escaped one-line label cut at ``limit`` characters.

    >>> short_label("A rather long stage name", 10)
    'A rather …'
    """
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape_text(text)


def verdict_label(verdict: str) -> str:
    """The name of a verdict (``"critical"``, ``"pain point"``...) in the interface language."""
    return gettext(VERDICT_LABELS.get(verdict, verdict))


def small_sample_note() -> str:
    """The hover line of a value computed on a small sample, in the interface language, in italics."""
    return f"<i>{escape_text(gettext(SMALL_SAMPLE_NOTE))}</i>"


def hover_title(name: object) -> str:
    """The first, bold line of a hover text: ``name`` escaped.

    >>> hover_title("<Wait>")
    '<b>&lt;Wait&gt;</b>'
    """
    return f"<b>{escape_text(name)}</b>"


# --------------------------------------------------------------------------------------------
# Numbers as shown in hover texts ("–" when missing): cycle_analytics.i18n formats them
# --------------------------------------------------------------------------------------------


def finite_or_none(value: object) -> float | None:
    """``value`` as a finite float, or None when it is missing, not a number or infinite.

    >>> finite_or_none("2.5"), finite_or_none(float("inf")), finite_or_none(None)
    (2.5, None, None)
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


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


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """``"#RRGGBB"`` as three integers.

    >>> hex_to_rgb("#0072B2")
    (0, 114, 178)
    """
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def rgba(color: str, alpha: float) -> str:
    """``"#RRGGBB"`` with opacity ``alpha`` as a CSS ``rgba(...)`` colour.

    >>> rgba("#0072B2", 0.15)
    'rgba(0,114,178,0.15)'
    """
    r, g, b = hex_to_rgb(color)
    return f"rgba({r},{g},{b},{alpha})"


def color_ramp(light: str, dark: str, m: int) -> list[str]:
    """``m`` colours from ``light`` to ``dark`` (interpolated in RGB; one colour: the middle).

    >>> color_ramp("#000000", "#FFFFFF", 3)
    ['#000000', '#808080', '#FFFFFF']
    """
    if m <= 0:
        return []
    a, b = np.array(hex_to_rgb(light), float), np.array(hex_to_rgb(dark), float)
    ts = [0.5] if m == 1 else np.linspace(0.0, 1.0, m)
    out = []
    for t in ts:
        r, g, bl = np.round(a + (b - a) * t).astype(int)
        out.append(f"#{r:02X}{g:02X}{bl:02X}")
    return out
