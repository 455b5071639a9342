"""Priorities: importance-performance analysis and the ranked list."""

import streamlit as st

from app_support import screening, sharing, state, tables, weighting, widgets
from cycle_analytics import figures
from cycle_analytics.outputs import summary
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, format_decimal, format_number, pgettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs.plans import STATUSES, date_hint, plans_from_priorities, validate_plans

v = widgets.require_view()
a, s = v.analysis, v.filtered if v.warehouse is None else v.warehouse  # a warehouse source answers stages, scale, cycle
cfg = a.settings
ss = st.session_state

st.title(_("Which stage to fix first"))
widgets.outcome_note(v)
screening.exclusion_note(v)
weighting.weight_note(v)
method = (_("Spearman correlation with the outcome") if cfg.importance_method == "spearman"
          else _("relative weights (Johnson), signed by the stage's effect with the other stages held fixed"))
st.caption(
    _("The rank weighs how much a stage moves the outcome by how far it is below its target: rank 1 = fix first. "
      "The chart's quadrants compare each stage with the average stage, so a stage far below its own target can rank "
      "high outside 'Concentrate here'; the list says why."),
    help=_("Importance: {method}; not significant (p ≥ {alpha} after correction across stages) counts as none. "
           "A stage with a priority score of 0 needs no action and has no rank. Performance: mean score on 0–100. "
           "Priority score = importance (rescaled 0–1) × gap to the target. Stability: share of {n_boot} bootstrap "
           "resamples (seed {seed}) in which the stage stays in the top three.").format(
        method=method, alpha=format_decimal(cfg.alpha, 3).rstrip("0"), n_boot=format_number(cfg.n_boot), seed=cfg.seed),
)

pr = a.priorities
if len(pr) == 0:
    st.info(_("No stage can be ranked in this selection (no stage has answers together with an outcome)."))
    st.stop()

open_plans = sharing.open_plans(v)
fig = figures.priority_figure(pr, open_plans=open_plans)
clicked = widgets.chart(
    fig, pr,
    _("Importance (up) against performance (right); the crosshairs are the stages' averages. 'Concentrate here' (top "
      "left) holds important stages that perform poorly; stages with an open action plan are marked. Click a stage to "
      "open its detail.") if open_plans else
    _("Importance (up) against performance (right); the crosshairs are the stages' averages. 'Concentrate here' (top "
      "left) holds important stages that perform poorly. Click a stage to open its detail."),
    key="priority_chart", selectable=True, file_name="priorities.csv")
if clicked:
    widgets.open_stage(clicked)

st.subheader(_("Ranked list"))
for sentence in summary.rank_outside_quadrant(pr, v.outcome):
    st.caption(widgets.md_escape(sentence))
ranked = pr.sort_values("rank", kind="stable").assign(advice=summary.priority_advice(pr, a.moments, v.outcome))
# Six columns fit the page without cutting one off; importance and stability are in the chart's hover and the CSV.
ranked_columns = ["rank", "stage", "advice", "performance", "gap", "priority_score"]
widgets.plain_table(ranked, ranked_columns, key="priority_table", outcome=summary.outcome_words(v.outcome),
                    widths=tables.fitted_widths(ranked, ranked_columns))
# ---- action plans
st.subheader(_("Action plans"))
st.caption(_("For each stage to improve: what is needed (requirement), the action, who owns it, by when, and its "
             "status. Starts from the ranking above; add or delete rows as needed. Edits are checked and kept as you "
             "type, and saved with the saved survey.") if sharing.active_saved_id() else
           _("For each stage to improve: what is needed (requirement), the action, who owns it, by when, and its "
             "status. Starts from the ranking above; add or delete rows as needed. Edits are checked and kept as you "
             "type; save the survey (sidebar) to keep them."))
# The stored statuses stay English (the plans' CSV and saved surveys); the editor shows them translated.
status_words = {"planned": pgettext("action plan status", "planned"),
                "in progress": pgettext("action plan status", "in progress"),
                "done": pgettext("action plan status", "done")}
stages = [str(x) for x in (v.survey or v.warehouse).stages]
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
        "stage": st.column_config.SelectboxColumn(_("Stage"), options=stages, required=True, width="medium"),
        "requirement": st.column_config.TextColumn(_("What is needed"),
                                                   help=_("What is needed to improve the stage (the requirement)")),
        "action": st.column_config.TextColumn(_("Action"), help=_("The action plan")),
        "owner": st.column_config.TextColumn(_("Owner"), help=_("Who is responsible")),
        "due_date": st.column_config.TextColumn(_("Due date"), help=_("Type the date as {form}").format(form=date_hint(date_order))),
        "status": st.column_config.SelectboxColumn(_("Status"), options=list(STATUSES), required=True, default="planned",
                                                   format_func=lambda x: status_words.get(x, x)),
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
                            label=N_("Download plans (CSV)"))
with c2:
    plan_file = st.file_uploader(_("Import action plans (CSV with the same columns)"), type=["csv"], key=state.PLANS_UPLOAD)
if plan_file is not None and ss.get(state.PLANS_UPLOAD_SEEN) != plan_file.file_id:
    try:
        new_plans = tables.read_plans_csv(plan_file, stages)
    except SurveyError as exc:
        st.error(str(exc))
    else:
        ss[state.PLANS_UPLOAD_SEEN] = plan_file.file_id
        _replace(new_plans)
        st.rerun()

with st.expander(_("Analysis settings")):
    widgets.plain_table(summary.settings_in_words(cfg), ["setting", "value"], key="analysis_settings", labels={"value": _("Value")})
