"""Priorities: importance-performance analysis and the ranked list."""

import streamlit as st

from app_support import sharing, state, tables, widgets
from cycle_analytics import figures
from cycle_analytics.errors import SurveyError
from cycle_analytics.outputs.plans import STATUSES, plans_from_priorities, validate_plans

v = widgets.require_view()
a, s = v.analysis, v.filtered
cfg = a.settings
ss = st.session_state

st.title("Which stage to fix first")
widgets.outcome_note(v)
method = "Spearman correlation with the outcome" if cfg.importance_method == "spearman" else "relative weights (Johnson)"
st.caption(
    f"Importance: {method}. Performance: mean score on 0–100. Priority = importance (rescaled 0–1) × gap to the target. "
    f"Stability: share of {cfg.n_boot} bootstrap resamples (seed {cfg.seed}) in which the stage stays in the top three. "
    "Quadrants compare each stage with the stages' averages; the rank weighs importance by the distance to the target, "
    "so a stage far below its target can rank high outside 'Concentrate here'. Importance that is not significant "
    f"(p ≥ {cfg.alpha}) counts as none."
)

pr = a.priorities
if len(pr) == 0:
    st.info("No stage can be ranked in this selection (no stage has answers together with an outcome).")
    st.stop()

open_plans = sharing.open_plans(v)
fig = figures.priority_figure(pr, open_plans=open_plans)
clicked = widgets.chart(
    fig, pr, "Importance (up) against performance (right); the crosshairs are the stages' averages. "
    "'Concentrate here' (top left) holds important stages that perform poorly"
    + ("; stages with an open action plan are marked" if open_plans else "") + ". Click a stage to open its detail.",
    key="priority_chart", selectable=True, file_name="priorities.csv")
if clicked:
    widgets.open_stage(clicked)

st.subheader("Ranked list")
shown = tables.pick_columns(pr, ("rank", "stage", "level", "quadrant", "importance", "performance", "gap", "priority_score",
                                 "stability_top3"))
widgets.table(shown, key="priority_table", column_config={
    "stability_top3": st.column_config.ProgressColumn("stability (top 3)", min_value=0.0, max_value=1.0, format="percent"),
    "importance": st.column_config.NumberColumn(format="%.2f"),
    "performance": st.column_config.NumberColumn(format="%.0f"),
    "gap": st.column_config.NumberColumn(format="%.0f"),
    "priority_score": st.column_config.NumberColumn(format="%.2f"),
})
# ---- action plans
st.subheader("Action plans")
st.caption("For each stage to improve: what is needed (requirement), the action, who owns it, by when, and its status. "
           "Starts from the ranking above; add or delete rows as needed. Edits are checked and kept as you type"
           + (", and saved with the saved survey." if sharing.active_saved_id() else "; save the survey (sidebar) to keep them."))
stages = [str(x) for x in v.survey.stages]
plans = sharing.current_plans(v)
if plans is None:
    plans = plans_from_priorities(pr, stages)
editor_key = state.PLANS_EDITOR_PREFIX + str(ss.get(state.PLANS_VERSION, 0))
edited = st.data_editor(
    tables.plans_for_editor(plans), key=editor_key, num_rows="dynamic", hide_index=True, width="stretch",
    column_config={
        "stage": st.column_config.SelectboxColumn("stage", options=stages, required=True),
        "requirement": st.column_config.TextColumn("requirement", help="what is needed to improve the stage"),
        "action": st.column_config.TextColumn("action", help="the action plan"),
        "owner": st.column_config.TextColumn("owner"),
        "due_date": st.column_config.DateColumn("due date", format="YYYY-MM-DD"),
        "status": st.column_config.SelectboxColumn("status", options=list(STATUSES), required=True, default="planned"),
    },
)


def _apply(new) -> None:
    """Keep the new plans (and write them to the saved survey); the editor restarts from them."""
    message = sharing.set_plans(new)
    state.next_version(state.PLANS_VERSION)
    if message:
        st.toast(message)


current = plans
try:
    current = validate_plans(edited, stages)
except SurveyError as exc:
    st.error(str(exc))
else:
    stored = sharing.current_plans(v)
    reference = stored if stored is not None else validate_plans(plans, stages)
    if not current.equals(reference):
        _apply(current)
c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
with c1:
    widgets.download_button(current, "action_plans.csv", key="plans_csv",
                            label="Download plans (CSV)")
with c2:
    plan_file = st.file_uploader("Import action plans (CSV with the same columns)", type=["csv"], key=state.PLANS_UPLOAD)
if plan_file is not None and ss.get(state.PLANS_UPLOAD_SEEN) != plan_file.file_id:
    try:
        new_plans = tables.read_plans_csv(plan_file, stages)
    except SurveyError as exc:
        st.error(str(exc))
    else:
        ss[state.PLANS_UPLOAD_SEEN] = plan_file.file_id
        _apply(new_plans)
        st.rerun()

with st.expander("Analysis settings"):
    st.json({k: getattr(cfg, k) for k in cfg.__dataclass_fields__})
