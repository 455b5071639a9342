"""Trends: per-stage score over time and the change against the previous period."""

import streamlit as st

from app_support import screening, tables, weighting, widgets
from cycle_analytics import figures
from cycle_analytics.i18n import gettext as _

v = widgets.require_view()
a, s = v.analysis, v.filtered if v.warehouse is None else v.warehouse  # a warehouse source answers stages, scale, cycle

st.title(_("Trends"))
screening.exclusion_note(v)
weighting.weight_note(v)
if not (v.warehouse.has_dates if v.warehouse is not None else "date" in s.responses.columns):
    st.info(_("This survey has no date column, so there are no trends to show. Add the response date to the export "
              "(for example a 'date' or 'submitted' column) to see each stage over time."))
    st.stop()
tr = a.trends
if len(tr) == 0:
    st.info(_("Not enough dated responses for a trend: every answer falls in a single period, or no response has a "
              "date in the current selection."))
    st.stop()

widgets.chart(figures.trend_figure(tr, scale=s.scale), tr,
              _("Each line is a stage: mean score per period with a 95% interval; hollow points are small samples."),
              key="trend_chart", file_name="trends.csv")

st.subheader(_("Last period against the previous one"))
ch = a.trend_change
if len(ch):
    change_columns = ["stage", "period_label_previous", "mean_previous", "period_label_last", "mean_last", "change",
                      "p_adjusted", "p_value", "u_statistic"]  # answers per period: in the chart's hover and the CSV
    widgets.plain_table(ch, change_columns, key="trend_change", widths=tables.fitted_widths(ch, change_columns))
    widgets.download_button(ch, "trend_change.csv", key="trend_change_csv")
else:
    st.info(_("There is only one period, so there is no change to report."))
