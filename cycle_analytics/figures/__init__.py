"""Every Plotly figure of the dashboard and the HTML report.

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
  factor colours are the ``*_COLORS`` dictionaries of :mod:`cycle_analytics.figures.style`.

Modules
-------
* :mod:`~cycle_analytics.figures.style` - colours, fonts, the template and the one styling step
  every builder ends with (:func:`~cycle_analytics.figures.style.apply_style`); text and number
  formatting.
* :mod:`~cycle_analytics.figures.common` - what the builders share: reading a table, stage axes,
  customdata, phase bands, :func:`empty_figure`.
* :mod:`~cycle_analytics.figures.journey` - :func:`journey_figure`, :func:`stage_change_figure`.
* :mod:`~cycle_analytics.figures.drivers` - :func:`penalty_figure`, :func:`penalty_reward_figure`,
  :func:`priority_figure`.
* :mod:`~cycle_analytics.figures.distribution` - :func:`diverging_bar_figure`,
  :func:`segment_heatmap_figure`.
* :mod:`~cycle_analytics.figures.trends` - :func:`trend_figure`.
* :mod:`~cycle_analytics.figures.cycle_flow` - :func:`cycle_flow_figure` (the cycle designer).

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

from cycle_analytics.figures.common import empty_figure
from cycle_analytics.figures.cycle_flow import cycle_flow_figure
from cycle_analytics.figures.distribution import diverging_bar_figure, segment_heatmap_figure
from cycle_analytics.figures.drivers import penalty_figure, penalty_reward_figure, priority_figure
from cycle_analytics.figures.journey import journey_figure, stage_change_figure
from cycle_analytics.figures.style import (
    CHANGE_COLORS,
    FACTOR_COLORS,
    FONT_FAMILY,
    LEVEL_COLORS,
    MANY_STAGES,
    MISSING_COLOR,
    NEUTRAL_COLOR,
    OKABE_ITO,
    QUADRANT_COLORS,
    ROW_HEIGHT,
    STAGE_PALETTE,
    TEMPLATE,
    TOL_MUTED,
    VERDICT_COLORS,
    VERDICT_LABELS,
    WRAP_WIDTH,
    WRAP_WIDTH_H,
    escape_text,
    stage_colors,
    wrap_label,
)
from cycle_analytics.figures.trends import trend_figure

__all__ = [
    # builders
    "empty_figure", "journey_figure", "stage_change_figure", "penalty_figure", "penalty_reward_figure",
    "priority_figure", "diverging_bar_figure", "segment_heatmap_figure", "trend_figure", "cycle_flow_figure",
    # text and colours
    "escape_text", "wrap_label", "stage_colors",
    "STAGE_PALETTE", "OKABE_ITO", "TOL_MUTED", "VERDICT_COLORS", "VERDICT_LABELS", "QUADRANT_COLORS", "LEVEL_COLORS",
    "FACTOR_COLORS", "CHANGE_COLORS", "NEUTRAL_COLOR", "MISSING_COLOR", "TEMPLATE", "FONT_FAMILY",
    # layout sizes
    "MANY_STAGES", "WRAP_WIDTH", "WRAP_WIDTH_H", "ROW_HEIGHT",
]
