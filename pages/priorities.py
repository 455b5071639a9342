"""Priorities: importance-performance analysis and the ranked list."""

import streamlit as st

from app_support import widgets

v = widgets.require_view()
a, s = v.analysis, v.filtered
fg = widgets.figures()
cfg = a.settings

st.title("Which stage to fix first")
widgets.outcome_note(v)
method = "Spearman correlation with the outcome" if cfg.importance_method == "spearman" else "relative weights (Johnson)"
st.caption(
    f"Importance: {method}. Performance: mean score on 0–100. Priority = importance (rescaled 0–1) × gap to the target. "
    f"Stability: share of {cfg.n_boot} bootstrap resamples (seed {cfg.seed}) in which the stage stays in the top three."
)

pr = a.priorities
if len(pr) == 0:
    st.info("No stage can be ranked in this selection (no stage has answers together with an outcome).")
    st.stop()

fig = fg.priority_figure(pr)
clicked = widgets.chart(
    fig, pr, "Importance (up) against performance (right); the crosshairs are the stages' averages. "
    "'Concentrate here' (top left) holds important stages that perform poorly. Click a stage to open its detail.",
    key="priority_chart", selectable=True, file_name="priorities.csv")
if clicked:
    widgets.open_stage(clicked)

st.subheader("Ranked list")
cols = [c for c in ("rank", "stage", "level", "quadrant", "importance", "performance", "gap", "priority_score", "stability_top3") if c in pr.columns]
widgets.table(pr[cols], key="priority_table", column_config={
    "stability_top3": st.column_config.ProgressColumn("stability (top 3)", min_value=0.0, max_value=1.0, format="percent"),
    "importance": st.column_config.NumberColumn(format="%.2f"),
    "performance": st.column_config.NumberColumn(format="%.0f"),
    "gap": st.column_config.NumberColumn(format="%.0f"),
    "priority_score": st.column_config.NumberColumn(format="%.2f"),
})
with st.expander("Analysis settings"):
    st.json({k: getattr(cfg, k) for k in cfg.__dataclass_fields__})
