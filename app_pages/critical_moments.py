"""Critical moments: the penalty of a bad experience per stage, verdicts, evidence, penalty vs reward."""

import streamlit as st

from app_support import sharing, tables, widgets
from cycle_analytics import figures

v = widgets.require_view()
a, s = v.analysis, v.filtered
cfg = a.settings

st.title("Critical moments")
widgets.outcome_note(v)
st.caption(
    f"A stage is critical when respondents who rated it in the bottom box ({', '.join(map(str, s.scale.bottom_box))}) "
    f"have a worse outcome than the rest: significant after {'Holm' if cfg.correction == 'holm' else 'Benjamini–Hochberg'} "
    f"correction at α = {cfg.alpha}, at least {cfg.min_effect_fraction:.0%} of the outcome's scale, "
    f"and at least {cfg.min_bad} bad experiences."
)

pen = a.penalties
if len(pen) == 0:
    st.info("There are no penalties to show: no stage has both bad experiences and an outcome in this selection.")
    st.stop()

fig = figures.penalty_figure(pen, verdicts=a.moments, outcome_label=v.outcome.display(), threshold=tables.penalty_threshold(a))
clicked = widgets.chart(
    fig, pen, "Bars: how much lower the outcome is for respondents who rated the stage badly, with a 95% interval; "
    "longer bars hurt more. Click a stage to open its detail.", key="penalty_chart", selectable=True,
    file_name="penalties.csv")
if clicked:
    widgets.open_stage(clicked)
planned = sharing.open_plans(v)
if planned:
    st.caption("Stages with an open action plan (Priorities page): " + ", ".join(widgets.md_escape(x) for x in planned))

st.subheader("Verdicts")
widgets.table(tables.pick_columns(a.moments, ("stage", "verdict", "declared_verdict", "penalty", "p_adjusted", "n_bad", "bad_pct")),
              key="verdict_table")
widgets.download_button(a.moments, "critical_moments.csv", key="verdicts_csv")

st.subheader("Evidence")
ev = tables.rows_where(a.moments, "verdict", ("critical", "pain point"))
if len(ev):
    for sentence in ev["evidence"].astype(str):
        if sentence.strip():
            st.text("• " + sentence)
else:
    st.info("No stage is critical or a pain point in this selection.")

st.subheader("Penalty versus reward")
fig2 = figures.penalty_reward_figure(pen)
widgets.chart(
    fig2, pen, "Penalty of a bad experience (x) against the reward of a top-box one (y): basic factors (penalty ≫ reward) "
    "must be right, delight factors add satisfaction, performance factors do both.", key="penalty_reward_chart",
    file_name="penalty_reward.csv")
