"""Point labels that do not overlap, and the key of numbered points (priority and penalty-reward charts).

A scatter chart of stages is read by its labels. :func:`plan_labels` places each point's label in
the first free slot around it (above, below, right, left, then the diagonals), planned in pixels on
a nominal plot of :data:`NOMINAL_PLOT` (the dashboard's wide column and the PNG export are at least
that wide). A slot is free when the label's estimated box stays inside the plot and overlaps no
other label, no marker and no reserved box (the chart's corner texts). A name that finds no free
slot, and every name when there are more than ``max_named`` points, is replaced by the point's
number; numbered points are listed in a key under the chart (:func:`add_number_key`), so a number is
never shown without its name.

Text boxes are estimated from the font size (:data:`CHAR_WIDTH` and :data:`LINE_HEIGHT` of it per
character and line): generous for the house font, so a planned layout does not overlap when drawn.

Examples
--------
>>> plan = plan_labels([1.0, 1.01, 5.0], [1.0, 1.0, 5.0], ["Alpha", "Beta", "Gamma"], ["1", "2", "3"],
...                    x_range=(0, 6), y_range=(0, 6))
>>> plan.text, plan.numbered
(['Alpha', 'Beta', 'Gamma'], [])
>>> plan.position[0] != plan.position[1]
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cycle_analytics.figures.style import MUTED_COLOR, escape_text, short_label, wrap_label
from cycle_analytics.i18n import gettext as _

#: The plot area (width, height in pixels) a label layout is planned for.
NOMINAL_PLOT = (860.0, 400.0)
CHAR_WIDTH = 0.62  #: estimated width of a character, as a share of the font size
LINE_HEIGHT = 1.3  #: estimated height of a line, as a share of the font size
MARKER_GAP = 8.0  #: pixels between a point's centre and its label
#: Slots tried for a label, in order (Plotly ``textposition`` values).
SLOTS = ("top center", "bottom center", "middle right", "middle left", "top right", "top left", "bottom right",
         "bottom left")
KEY_LINE = 16  #: pixels per line of the key
KEY_OFFSET = 62  #: pixels between the bottom of the plot and the top of the key (tick labels and axis title)

Box = tuple[float, float, float, float]  # left, top, right, bottom in pixels (top = 0)


@dataclass(frozen=True)
class LabelPlan:
    """Where each point's label goes: ``text`` (an escaped, wrapped name or a number),
    ``position`` (a Plotly ``textposition``) and ``numbered`` (indices of the points labelled by
    their number, to be listed in the key)."""

    text: list[str]
    position: list[str]
    numbered: list[int]


def text_box_size(text: str, font_px: float) -> tuple[float, float]:
    """Estimated (width, height) in pixels of a label with ``<br>`` line breaks.

    >>> text_box_size("ab<br>abcd", 10)
    (24.8, 26.0)
    """
    lines = text.split("<br>")
    longest = max(len(_unescape(line)) for line in lines)
    return round(longest * CHAR_WIDTH * font_px, 6), round(len(lines) * LINE_HEIGHT * font_px, 6)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slot_box(slot: str, px: float, py: float, w: float, h: float, gap: float = MARKER_GAP) -> Box:
    """The box of a ``w`` × ``h`` label in ``slot`` around the point at pixel (``px``, ``py``)."""
    vertical, horizontal = slot.split()
    d = gap * 0.75 if vertical != "middle" and horizontal != "center" else gap
    if horizontal == "center":
        left = px - w / 2
    elif horizontal == "right":
        left = px + d
    else:
        left = px - d - w
    if vertical == "top":
        top = py - d - h
    elif vertical == "bottom":
        top = py + d
    else:
        top = py - h / 2
    return left, top, left + w, top + h


def overlap(a: Box, b: Box) -> float:
    """The area two boxes share (0 when they do not touch)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def to_pixels(x, y, x_range: Sequence[float], y_range: Sequence[float],
              plot: tuple[float, float] = NOMINAL_PLOT) -> tuple[np.ndarray, np.ndarray]:
    """Data coordinates as pixels of the nominal ``plot`` (y grows downwards)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    (x0, x1), (y0, y1) = x_range, y_range
    width, height = plot
    px = (x - x0) / ((x1 - x0) or 1.0) * width
    py = (y1 - y) / ((y1 - y0) or 1.0) * height
    return px, py


def corner_box(corner: str, text: str, font_px: float, plot: tuple[float, float] = NOMINAL_PLOT) -> Box:
    """The box a corner text (``"top left"`` ...) occupies in the nominal plot."""
    w, h = text_box_size(text, font_px)
    width, height = plot
    vertical, horizontal = corner.split()
    left = 4.0 if horizontal == "left" else width - 4.0 - w
    top = 4.0 if vertical == "top" else height - 4.0 - h
    return left, top, left + w, top + h


def plan_labels(x, y, names: Sequence[str], numbers: Sequence[str], *, x_range: Sequence[float],
                y_range: Sequence[float], reserved: Sequence[Box] = (), order: Sequence[int] | None = None,
                max_named: int = 12, font_px: float = 11.0, marker_px: float = 12.0,
                plot: tuple[float, float] = NOMINAL_PLOT, wrap: int = 16) -> LabelPlan:
    """Plan the labels of a scatter of stages so that no two overlap.

    Parameters
    ----------
    x, y : the points in data coordinates (NaN points get no label).
    names, numbers : each point's raw name and its number (rank or cycle position).
    x_range, y_range : the axes' ranges, as drawn.
    reserved : boxes (pixels of ``plot``) no label may cover, e.g. corner texts (:func:`corner_box`).
    order : the order in which points get the best slots (default: as given).
    max_named : above this many points every label is a number.

    Returns
    -------
    LabelPlan
    """
    n = len(names)
    px, py = to_pixels(x, y, x_range, y_range, plot)
    width, height = plot
    r = marker_px / 2
    taken: list[Box] = list(reserved)
    taken += [(px[i] - r, py[i] - r, px[i] + r, py[i] + r) for i in range(n) if math.isfinite(px[i]) and math.isfinite(py[i])]
    named = n <= max_named
    text = [wrap_label(s, wrap, 2) if named else escape_text(k) for s, k in zip(names, numbers)]
    position = ["top center"] * n
    numbered: list[int] = [] if named else list(range(n))

    def best_slot(i: int, label: str, strict: bool) -> tuple[str, Box] | None:
        w, h = text_box_size(label, font_px)
        scored = []
        for rank, slot in enumerate(SLOTS):
            box = slot_box(slot, px[i], py[i], w, h, gap=r + 2)
            outside = (max(0.0, -box[0]) + max(0.0, box[2] - width)) * h + (max(0.0, -box[1]) + max(0.0, box[3] - height)) * w
            cost = outside + sum(overlap(box, t) for t in taken)
            if strict and cost == 0:
                return slot, box
            scored.append((cost, rank, slot, box))
        if strict:
            return None
        _cost, _rank, slot, box = min(scored)
        return slot, box

    for i in (order if order is not None else range(n)):
        if not (math.isfinite(px[i]) and math.isfinite(py[i])):
            text[i] = ""
            continue
        found = best_slot(i, text[i], strict=True)
        if found is None and named:
            text[i] = escape_text(numbers[i])
            numbered.append(i)
            found = best_slot(i, text[i], strict=True)
        if found is None:
            found = best_slot(i, text[i], strict=False)
        position[i], box = found
        taken.append(box)
    return LabelPlan(text=text, position=position, numbered=sorted(numbered, key=lambda i: _number_key(numbers[i])))


def _number_key(number: str):
    try:
        return (0, float(number))
    except ValueError:
        return (1, number)


def key_columns(n: int) -> int:
    """Columns of a key of ``n`` entries (at most 10 lines per column)."""
    return max(1, min(3, math.ceil(n / 10)))


def key_height(n: int) -> int:
    """Pixels a key of ``n`` entries adds under the chart (0 without entries)."""
    if n == 0:
        return 0
    return KEY_OFFSET + KEY_LINE * (math.ceil(n / key_columns(n)) + 1) + 8


def add_number_key(fig, entries: Sequence[tuple[str, str]], *, title: str | None = None) -> int:
    """Add the key of numbered points under the plot: ``entries`` = (number, raw name) in order.

    The key is one annotation per column (named ``key``), names escaped and cut at 40 characters.
    Returns the pixels it needs below the plot (:func:`key_height`); the caller adds them to the
    figure's height and bottom margin.
    """
    n = len(entries)
    if n == 0:
        return 0
    title = _("Key") if title is None else title
    cols = key_columns(n)
    per = math.ceil(n / cols)
    for c in range(cols):
        part = entries[c * per:(c + 1) * per]
        lines = [f"<b>{escape_text(num)}</b>  {short_label(name, 40)}" for num, name in part]
        if c == 0:
            lines.insert(0, f"<i>{escape_text(title)}</i>")
        else:
            lines.insert(0, " ")
        fig.add_annotation(xref="paper", yref="paper", x=c / cols, y=0, xanchor="left", yanchor="top",
                           yshift=-KEY_OFFSET, align="left", showarrow=False, text="<br>".join(lines),
                           font=dict(size=12, color=MUTED_COLOR), name="key")
    return key_height(n)
