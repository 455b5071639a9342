"""Critical moments: the penalty of a bad experience per stage, verdicts, evidence, penalty vs reward."""

import streamlit as st

from app_support import screening, sharing, tables, weighting, widgets
from cycle_analytics import figures
from cycle_analytics.i18n import format_decimal, format_list, format_percent
from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs import summary
from cycle_analytics.stats.critical import alike_notes

v = widgets.require_view()
a, s = v.analysis, v.filtered if v.warehouse is None else v.warehouse  # a warehouse source answers stages, scale, cycle
cfg = a.settings

st.title(_("Critical moments"))
widgets.outcome_note(v)
screening.exclusion_note(v)
weighting.weight_note(v)
bad = format_list(s.scale.bottom_box, style="or")
st.caption(
    _("A stage is a critical moment when customers who rated it badly ({bad}) give a clearly worse outcome, even with "
      "every other stage going the same: a drop of at least {share} of the outcome's scale, from at least {n} bad "
      "experiences, and unlikely to be chance.").format(bad=bad, share=format_percent(cfg.min_effect_fraction),
                                                         n=cfg.min_bad),
    help=_("Bottom box {bad}. The penalty comes from one regression over all stages (bottom-box, top-box and not-rated "
           "dummies per stage, middle ratings the reference; OLS with HC3 errors), so each stage is judged with the "
           "others held fixed; p-values corrected across stages ({method}) at α = {alpha}. The raw penalty compares the "
           "stage's bad raters with everyone else, one stage at a time.").format(
        bad=bad, method="Holm" if cfg.correction == "holm" else "Benjamini–Hochberg",
        alpha=format_decimal(cfg.alpha, 3).rstrip("0")),
)
if a.halo is not None and a.halo.warning:  # the figures are computed in cycle_analytics.stats.halo
    st.warning(a.halo.message())
for note in alike_notes(a.penalties):  # stages the model cannot tell apart: their bars mislead
    st.info(widgets.md_escape(note))  # stage names come from the file

pen = a.penalties
if len(pen) == 0:
    st.info(_("There are no penalties to show: no stage has both bad experiences and an outcome in this selection."))
    st.stop()

fig = figures.penalty_figure(pen, verdicts=a.moments, outcome_label=summary.outcome_words(v.outcome),
                             threshold=tables.penalty_threshold(a))
clicked = widgets.chart(
    fig, pen, _("Bars: how much lower the outcome is for respondents who rated the stage badly than for those with a "
                "middling experience there, every other stage held fixed, with a 95% interval; longer bars hurt more. "
                "The table below shows the raw penalty (one stage at a time) beside it. Click a stage to open its detail."),
    key="penalty_chart", selectable=True,
    file_name="penalties.csv")
if clicked:
    widgets.open_stage(clicked)
planned = sharing.open_plans(v)
if planned:
    st.caption(_("Stages with an open action plan (Priorities page): {stages}")
               .format(stages=", ".join(widgets.md_escape(x) for x in planned)))

st.subheader(_("Verdicts"))
verdict_columns = ["stage", "verdict", "penalty", "raw_penalty", "n_bad", "bad_pct", "p_adjusted"]
if "alike_with" in a.moments.columns and a.moments["alike_with"].astype(bool).any():
    verdict_columns.insert(3, "alike_with")
if s.declared_critical():  # only a cycle that names critical moments has something to confirm
    verdict_columns.insert(2, "declared_verdict")
widgets.plain_table(a.moments, verdict_columns, key="verdict_table", outcome=summary.outcome_words(v.outcome),
                    widths=tables.fitted_widths(a.moments, verdict_columns))
widgets.download_button(a.moments, "critical_moments.csv", key="verdicts_csv")

st.subheader(_("Evidence"))
ev = summary.moments_by_impact(a.moments, ("critical", "pain point")) if len(a.moments) else a.moments
if len(ev):
    for sentence in ev["evidence"].astype(str):
        if sentence.strip():
            st.text("• " + sentence)
else:
    st.info(_("No stage is critical or a pain point in this selection."))

st.subheader(_("Penalty versus reward"))
fig2 = figures.penalty_reward_figure(pen)
widgets.chart(
    fig2, pen, _("Penalty of a bad experience (x) against the reward of a top-box one (y): basic factors "
                 "(penalty ≫ reward) must be right, delight factors add satisfaction, performance factors do both."), key="penalty_reward_chart",
    file_name="penalty_reward.csv")
