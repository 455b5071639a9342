"""Segments: stage x segment heatmap of scores and the flagged weak segments."""

import streamlit as st

from app_support import screening, state, tables, widgets
from cycle_analytics import figures

v = widgets.require_view()
a, s = v.analysis, v.filtered
cfg = a.settings

st.title("Segments")
screening.exclusion_note(v)
segs = tables.segment_columns(s)
if not segs:
    st.info("This survey has no segment columns (such as region, branch or channel), so there is nothing to compare. "
            "Add one to the file, or mark a column as a segment on the Data page.")
    st.stop()
seg_table = a.segments
if len(seg_table) == 0:
    st.info("No segment comparison is available in the current selection.")
    st.stop()

seg = st.selectbox("Segment", segs, key=state.SEGMENTS_SEGMENT) if len(segs) > 1 else segs[0]
part = tables.rows_where(seg_table, "segment", seg)
if len(part) == 0:
    st.info(f"No comparison for {widgets.md_escape(seg)} in the current selection.")
    st.stop()
widgets.chart(figures.segment_heatmap_figure(part, min_n=cfg.min_n), part,
              f"Score (0–100) of each stage for each {widgets.md_escape(seg)} value; ▼ marks a value significantly below the rest "
              f"of the customers, ▲ significantly above ({'Holm' if cfg.correction == 'holm' else 'Benjamini–Hochberg'} corrected); grey cells have fewer than {cfg.min_n} responses.",
              key="segment_heatmap", file_name="segments.csv")

st.subheader("Weak segments")
flagged = tables.rows_where(seg_table, "flag", "below")
if len(flagged):
    weak_columns = ["segment", "value", "stage", "n", "mean", "rest_mean", "diff_vs_rest", "p_adjusted"]
    widgets.plain_table(flagged, weak_columns, key="flagged_segments", widths=tables.fitted_widths(flagged, weak_columns))
    widgets.download_button(flagged, "weak_segments.csv", key="weak_segments_csv")
else:
    st.info("No segment value scores significantly below the rest on any stage.")
if len(a.segment_tests):
    with st.expander("Kruskal–Wallis tests per stage"):
        widgets.plain_table(a.segment_tests, ["segment", "stage", "n_groups", "statistic", "p_value"], key="segment_tests")
