"""Segments: stage x segment heatmap of scores and the flagged weak segments."""

import streamlit as st

from app_support import screening, state, tables, weighting, widgets
from cycle_analytics import figures
from cycle_analytics.i18n import format_number
from cycle_analytics.i18n import gettext as _

v = widgets.require_view()
a, s = v.analysis, v.filtered if v.warehouse is None else v.warehouse  # a warehouse source answers stages, scale, cycle
cfg = a.settings

st.title(_("Segments"))
screening.exclusion_note(v)
weighting.weight_note(v)
segs = v.warehouse.segments if v.warehouse is not None else tables.segment_columns(s)
if not segs:
    st.info(_("This survey has no segment columns (such as region, branch or channel), so there is nothing to compare. "
              "Add one to the file, or mark a column as a segment on the Data page."))
    st.stop()
seg_table = a.segments
if len(seg_table) == 0:
    st.info(_("No segment comparison is available in the current selection."))
    st.stop()

seg = st.selectbox(_("Segment"), segs, key=state.SEGMENTS_SEGMENT) if len(segs) > 1 else segs[0]
part = tables.rows_where(seg_table, "segment", seg)
if len(part) == 0:
    st.info(_("No comparison for {segment} in the current selection.").format(segment=widgets.md_escape(seg)))
    st.stop()
widgets.chart(figures.segment_heatmap_figure(part, min_n=cfg.min_n), part,
              _("Score (0–100) of each stage for each {segment} value; ▼ marks a value significantly below the rest of "
                "the customers, ▲ significantly above ({method} corrected); grey cells have fewer than {n} responses.")
              .format(segment=widgets.md_escape(seg), method="Holm" if cfg.correction == "holm" else "Benjamini–Hochberg",
                      n=format_number(cfg.min_n)),
              key="segment_heatmap", file_name="segments.csv")

st.subheader(_("Weak segments"))
flagged = tables.rows_where(seg_table, "flag", "below")
if len(flagged):
    weak_columns = ["segment", "value", "stage", "n", "mean", "rest_mean", "diff_vs_rest", "p_adjusted"]
    widgets.plain_table(flagged, weak_columns, key="flagged_segments", widths=tables.fitted_widths(flagged, weak_columns))
    widgets.download_button(flagged, "weak_segments.csv", key="weak_segments_csv")
else:
    st.info(_("No segment value scores significantly below the rest on any stage."))
if len(a.segment_tests):
    with st.expander(_("Kruskal–Wallis tests per stage")):
        widgets.plain_table(a.segment_tests, ["segment", "stage", "n_groups", "statistic", "p_value"], key="segment_tests")
