"""What the figure builders share: reading an analytics table, stage axes, customdata, phase bands.

Every builder starts from :func:`open_stage_table` (or :func:`validate_table` and
:func:`stage_order`), reads its rows with :func:`rows_by_stage` / :func:`cell_float`, and draws
stage axes, legend entries, error bars and phase bands with the helpers here, so that these look
and behave the same on every chart.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"stage": pd.Categorical(["B"], categories=["A", "B"], ordered=True), "n": [3]})
>>> stage_order(t)
(['B'], ['A', 'B'])
>>> phase_runs(["Before", "Before", None, "After"])
[('Before', 0, 1), ('After', 3, 3)]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycle_analytics.errors import SurveyError
from cycle_analytics.figures.style import (
    MUTED_COLOR,
    ROW_HEIGHT,
    WRAP_WIDTH_H,
    Canvas,
    apply_style,
    escape_text,
    wrap_label,
)
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale

# --------------------------------------------------------------------------------------------
# Reading the analytics tables
# --------------------------------------------------------------------------------------------


def is_empty(data: object) -> bool:
    """True for ``None``, anything that is not a DataFrame, and an empty DataFrame."""
    return data is None or not isinstance(data, pd.DataFrame) or data.empty


def validate_table(data: pd.DataFrame, required: Sequence[str], builder: str) -> None:
    """Raise :class:`SurveyError` unless ``data`` is a DataFrame holding the ``required`` columns.

    >>> validate_table(pd.DataFrame({"stage": []}), ("stage", "n"), "journey_figure")
    Traceback (most recent call last):
    ...
    cycle_analytics.errors.SurveyError: The table given to journey_figure has no column 'n'.
    """
    if not isinstance(data, pd.DataFrame):
        raise SurveyError(_("{builder} needs a table (DataFrame), not {name}.").format(builder=builder, name=type(data).__name__))
    missing = [c for c in required if c not in data.columns]
    if missing:
        raise SurveyError(_("The table given to {builder} has no column {column!r}.").format(builder=builder, column=missing[0]))


def stage_order(data: pd.DataFrame, col: str = "stage") -> tuple[list[str], list[str]]:
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


def present_values(values: pd.Series) -> list[str]:
    """The values of ``values`` as text: in category order when categorical, else in order of
    appearance; missing values and unused categories left out.

    >>> present_values(pd.Series(pd.Categorical(["b", "a"], categories=["a", "b", "c"])))
    ['a', 'b']
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [str(c) for c in values.cat.categories if (values == c).any()]
    return [str(v) for v in dict.fromkeys(values.dropna())]


def category_order(known: Iterable[str], present: Iterable[str]) -> list[str]:
    """The categories to draw, in legend order: ``known`` ones first (as listed), then any other
    ``present`` value sorted.

    >>> category_order(["high", "low"], ["low", "odd", "high"])
    ['high', 'low', 'odd']
    """
    known = list(known)
    return known + sorted({v for v in present if v not in known})


def open_stage_table(
    data: object, required: Sequence[str], builder: str, empty_message: str, no_stage_message: str
) -> tuple[list[str], list[str]] | go.Figure:
    """The shared start of a per-stage figure builder.

    Returns the empty figure to show instead (with ``empty_message`` for a missing or empty table,
    ``no_stage_message`` when no row names a stage: whole sentences, already translated), or, after
    checking the ``required`` columns, ``(names, cats)`` from :func:`stage_order`.
    """
    if is_empty(data):
        return empty_figure(empty_message)
    validate_table(data, required, builder)
    names, cats = stage_order(data)
    if not names:
        return empty_figure(no_stage_message)
    return names, cats


def rows_by_stage(data: pd.DataFrame, col: str = "stage") -> dict[str, pd.Series]:
    """The first row of each stage, by stage name (rows without a stage left out)."""
    out: dict[str, pd.Series] = {}
    for _index, row in data.iterrows():  # per-stage tables: a few dozen rows at most
        key = row[col]
        if key is None or (isinstance(key, float) and math.isnan(key)):
            continue
        out.setdefault(str(key), row)
    return out


def row_value(row: pd.Series | None, col: str, default=np.nan):
    """``row[col]``, or ``default`` when the row or column is missing or the value is missing."""
    if row is None or col not in row.index:
        return default
    v = row[col]
    return default if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v


def cell_float(row: pd.Series | None, col: str) -> float:
    """``row[col]`` as a float; NaN when it is missing or not a number."""
    v = row_value(row, col)
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def scale_bounds(scale: Scale | tuple[float, float] | None) -> tuple[float, float] | None:
    """(minimum, maximum) of a :class:`Scale` or a ``(min, max)`` pair; None for no scale."""
    if scale is None:
        return None
    if isinstance(scale, Scale):
        return float(scale.minimum), float(scale.maximum)
    lo, hi = scale
    return float(lo), float(hi)


# --------------------------------------------------------------------------------------------
# Chart parts
# --------------------------------------------------------------------------------------------


def stage_axis(names: Sequence[str], *, horizontal: bool, title: str = "") -> dict:
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


def rows_height(n_rows: int, *, minimum: int = 320, extra: int = 160) -> int:
    """Figure height for ``n_rows`` rows of :data:`ROW_HEIGHT` pixels plus ``extra``."""
    return int(max(minimum, ROW_HEIGHT * n_rows + extra))


def customdata(*columns: Sequence[object]) -> np.ndarray:
    """Rows of customdata (object array), first column = raw stage names; NaN becomes None."""
    n = len(columns[0])
    out = np.empty((n, len(columns)), dtype=object)
    for j, col in enumerate(columns):
        for i, v in enumerate(col):
            out[i, j] = None if (isinstance(v, float) and math.isnan(v)) else (v.item() if isinstance(v, np.generic) else v)
    return out


def legend_only(name: str, color: str, symbol: str = "square", *, size: int = 12, rank: int = 1000) -> dict:
    """A trace that draws nothing and only adds ``name`` with its marker to the legend."""
    return dict(type="scatter", x=[None], y=[None], mode="markers", name=name, legendrank=rank,
                marker=dict(color=color, symbol=symbol, size=size), hoverinfo="skip")


def error_bars(value: np.ndarray, low: np.ndarray, high: np.ndarray, *, color: str, thickness: float = 1.5,
               width: int = 4) -> dict:
    """An asymmetric error bar (``error_x`` / ``error_y``) from ``low`` to ``high`` around ``value``."""
    return dict(type="data", symmetric=False, array=high - value, arrayminus=value - low, color=color,
                thickness=thickness, width=width)


def hollow_symbols(small: Iterable[bool], symbol: str = "circle") -> list[str]:
    """Marker symbols: hollow (``"<symbol>-open"``) where ``small`` is true (a small sample).

    >>> hollow_symbols([False, True])
    ['circle', 'circle-open']
    """
    return [f"{symbol}-open" if sm else symbol for sm in small]


def phase_runs(phases: Sequence[str | None], *, breaks: Sequence[bool] | None = None) -> list[tuple[str, int, int]]:
    """Runs of consecutive positions with the same phase: ``(phase, first, last)``, in order.

    Positions without a phase belong to no run; ``breaks[i]`` true starts a new run at ``i``
    even within one phase (a new row of boxes).
    """
    runs: list[tuple[str, int, int]] = []
    start = 0
    n = len(phases)
    for i in range(1, n + 1):
        phase = phases[i - 1]
        if i < n and phases[i] == phase and not (breaks is not None and breaks[i]):
            continue
        if phase:
            runs.append((phase, start, i - 1))
        start = i
    return runs


def phase_shades(phases: Iterable[str | None]) -> dict[str, int]:
    """Phase -> index of its shade (phases in order of first appearance), so a phase keeps its shade.

    >>> phase_shades(["A", None, "B", "A"])
    {'A': 0, 'B': 1}
    """
    return {ph: k for k, ph in enumerate(dict.fromkeys(p for p in phases if p))}


# --------------------------------------------------------------------------------------------
# The empty figure
# --------------------------------------------------------------------------------------------


def empty_figure(message: str, *, title: str | None = None, height: int = 320) -> go.Figure:
    """A blank figure with ``message`` centred (escaped; newlines become line breaks).

    >>> empty_figure("No ratings match the filters.").layout.annotations[0].text
    'No ratings match the filters.'
    """
    fig = Canvas()
    fig.add_annotation(
        text="<br>".join(escape_text(line) for line in str(message).split("\n")),
        xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
        font=dict(size=15, color=MUTED_COLOR), name="message",
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return apply_style(fig, figure="empty", title=title, height=height, message=str(message))

