"""Priorities: importance-performance analysis and the ranked list."""

import streamlit as st

from app_support import screening, sharing, state, tables, widgets
from cycle_analytics import figures
from cycle_analytics.outputs import summary
from cycle_analytics.errors import SurveyError
from cycle_analytics.outputs.plans import STATUSES, date_hint, plans_from_priorities, validate_plans

v = widgets.require_view()
a, s = v.analysis, v.filtered
cfg = a.settings
ss = st.session_state

st.title("Which stage to fix first")
widgets.outcome_note(v)
screening.exclusion_note(v)
method = ("Spearman correlation with the outcome" if cfg.importance_method == "spearman"
          else "relative weights (Johnson), signed by the stage's effect with the other stages held fixed")
st.caption(
    "The rank weighs how much a stage moves the outcome by how far it is below its target: rank 1 = fix first. "
    "The chart's quadrants compare each stage with the average stage, so a stage far below its own target can rank "
    "high outside 'Concentrate here'; the list says why.",
    help=f"Importance: {method}; not significant (p ≥ {cfg.alpha} after correction across stages) counts as none. "
    "A stage with a priority score of 0 needs no action and has no rank. Performance: mean score on 0–100. "
    "Priority score = importance (rescaled 0–1) × gap to the target. Stability: share of "
    f"{cfg.n_boot} bootstrap resamples (seed {cfg.seed}) in which the stage stays in the top three.",
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
for sentence in summary.rank_outside_quadrant(pr, v.outcome):
    st.caption(widgets.md_escape(sentence))
ranked = pr.sort_values("rank", kind="stable").assign(advice=summary.priority_advice(pr, a.moments, v.outcome))
# Six columns fit the page without cutting one off; importance and stability are in the chart's hover and the CSV.
ranked_columns = ["rank", "stage", "advice", "performance", "gap", "priority_score"]
widgets.plain_table(ranked, ranked_columns, key="priority_table", outcome=summary.outcome_words(v.outcome),
                    widths=tables.fitted_widths(ranked, ranked_columns))
# ---- action plans
st.subheader("Action plans")
st.caption("For each stage to improve: what is needed (requirement), the action, who owns it, by when, and its status. "
           "Starts from the ranking above; add or delete rows as needed. Edits are checked and kept as you type"
           + (", and saved with the saved survey." if sharing.active_saved_id() else "; save the survey (sidebar) to keep them."))
stages = [str(x) for x in v.survey.stages]
plans = sharing.current_plans(v)
if plans is None:
    plans = plans_from_priorities(pr, stages)
date_order = tables.date_order_for_locale(st.context.locale)
version = ss.get(state.PLANS_VERSION, 0)
editor_key = state.PLANS_EDITOR_PREFIX + str(version)
if (ss.get(state.PLANS_BASE) or (None,))[0] != version or editor_key not in ss:
    # A new editor (new plans, or back on this page) starts from the plans as they are now; while it
    # is shown its base stays the same, so its edits accumulate in its state.
    ss[state.PLANS_BASE] = (version, tables.plans_for_editor(plans))
edited = st.data_editor(
    ss[state.PLANS_BASE][1], key=editor_key, num_rows="dynamic", hide_index=True, placeholder="",
    width="stretch",
    column_config={
        "stage": st.column_config.SelectboxColumn("Stage", options=stages, required=True, width="medium"),
        "requirement": st.column_config.TextColumn("What is needed", help="What is needed to improve the stage (the requirement)"),
        "action": st.column_config.TextColumn("Action", help="The action plan"),
        "owner": st.column_config.TextColumn("Owner", help="Who is responsible"),
        "due_date": st.column_config.TextColumn("Due date", help=f"Type the date as {date_hint(date_order)}"),
        "status": st.column_config.SelectboxColumn("Status", options=list(STATUSES), required=True, default="planned"),
    },
)


def _replace(new) -> None:
    """Replace the plans (a CSV import): keep them, and start a new editor from them."""
    message = sharing.set_plans(new)
    state.next_version(state.PLANS_VERSION)
    if message:
        st.toast(message)


current = plans
try:
    current = validate_plans(edited, stages, date_order=date_order)
except SurveyError as exc:
    st.error(str(exc))
else:
    stored = sharing.current_plans(v)
    reference = stored if stored is not None else validate_plans(plans, stages)
    if not current.equals(reference):
        # The editor keeps its key and base table: the edit stays in its state, and the next edit adds to it.
        message = sharing.set_plans(current)
        if message:
            st.toast(message)
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
        _replace(new_plans)
        st.rerun()

with st.expander("Analysis settings"):
    widgets.plain_table(summary.settings_in_words(cfg), ["setting", "value"], key="analysis_settings", labels={"value": "Value"})
