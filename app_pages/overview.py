"""Overview: the alerts, headline cards, what to fix first, the critical moments by impact, and the journey chart."""

import streamlit as st

from app_support import alerting, loaders, presenting, screening, sharing, state, tables, weighting, widgets
from cycle_analytics import figures
from cycle_analytics.i18n import format_decimal, format_number, format_percent, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs import summary

v = widgets.require_view()
a, s = v.analysis, v.filtered if v.warehouse is None else v.warehouse  # a warehouse source answers stages, scale, cycle
ss = st.session_state

st.title(_("Service cycle overview"))
st.caption(ngettext("{source} · {n} stage · scale {low}–{high}", "{source} · {n} stages · scale {low}–{high}", len(s.stages))
           .format(source=widgets.md_escape(v.source_label), n=format_number(len(s.stages)),
                   low=format_number(s.scale.minimum), high=format_number(s.scale.maximum)))
alerting.alerts_box(v)  # one sentence per alert: a stage below target, a significant drop, a new critical moment
alerting.rules_panel(v)
widgets.outcome_note(v)
screening.exclusion_note(v)
weighting.weight_note(v)

h = loaders.headline_cards(v.warehouse.headline) if v.warehouse is not None else loaders.headline(v.key, s, v.outcome)
c1, c2, c3, c4 = st.columns(4)
c1.metric(_("Responses"), format_number(h["responses"]),
          help=ngettext("{n} stage rating", "{n} stage ratings", h["ratings"]).format(n=format_number(h["ratings"])),
          border=True, height="stretch")
if h["satisfaction"] is not None:
    label, value, helptext = h["satisfaction"]
    title = _("Overall satisfaction") if "satisf" in label.lower() else label[:1].upper() + label[1:]
    c2.metric(widgets.md_escape(title[:40]), format_decimal(value, 2),
              delta=_("CSAT {share}").format(share=format_percent(h["csat_pct"] / 100)) if h["csat_pct"] is not None else None, delta_color="off", delta_arrow="off",
              help=widgets.md_escape(f"{label}: {helptext}"), border=True, height="stretch")
elif h["csat_pct"] is not None:
    c2.metric(_("Satisfied (CSAT)"), format_percent(h["csat_pct"] / 100),
              help=widgets.md_escape(_("share answering {answer!r}").format(answer=v.outcome.positive)), border=True, height="stretch")
else:
    avg = tables.average_stage_score(a)
    c2.metric(_("Average stage score"), _("{score} / 100").format(score=widgets.fmt_num(avg, 0)),
              help=_("mean over the stages of score_100 (no outcome chosen)"), border=True, height="stretch")
if h["nps"] is not None:
    c3.metric(_("NPS"), format_decimal(h["nps"], 0, signed=True),
              help=widgets.md_escape(_("from {column!r}: % promoters (9–10) − % detractors (0–6)").format(column=h["nps_column"])),
              border=True, height="stretch")
else:
    c3.metric(_("NPS"), "–", help=_("no 0–10 likelihood-to-recommend question in this survey"), border=True, height="stretch")
n_crit = len(a.critical_moments)
c4.metric(_("Critical moments"), format_number(n_crit), help=_("stages where a bad experience measurably spoils the outcome"),
          border=True, height="stretch")

st.subheader(_("Fix first"))
first = summary.fix_first(a.priorities, a.moments, v.outcome) if len(a.priorities) else None
if first is None or len(first) == 0:
    st.info(_("No stage can be ranked in this selection (no stage has answers together with an outcome)."))
else:
    for row in first.itertuples(index=False):
        st.markdown(f"**{row.rank}. {widgets.md_escape(row.stage)}** — {widgets.md_escape(row.sentence)}")
    st.caption(_("The three highest priorities of the Priorities page: how much each stage moves the outcome, weighted by "
                 "how far it is below its target."))

st.subheader(_("Critical moments, largest impact first"))
crit = summary.moments_by_impact(a.moments) if len(a.moments) else a.critical_moments
if len(crit):
    for sentence in crit["evidence"].astype(str):
        st.text("• " + sentence)
    st.caption(_("Impact: the drop after a bad experience times the share of customers who had one, i.e. how much the "
                 "stage's bad experiences lower the average outcome."))
else:
    st.info(_("No stage is a critical moment in this selection: no bad experience measurably spoils the outcome "
              "(see the Critical moments page for every stage's verdict)."))
pains = a.pain_points
if len(pains):
    st.caption(_("Pain points (often rated badly, but one bad experience there does not spoil the outcome on its own): {stages}")
               .format(stages=", ".join(widgets.md_escape(x) for x in pains["stage"].astype(str))))

st.subheader(_("The journey"))
if len(a.scores) == 0:
    st.info(_("No stage has any answer in the current selection."))
else:
    open_plans = sharing.open_plans(v)
    fig = figures.journey_figure(a.scores, verdicts=a.moments, targets=s.targets(), phases=s.phases(), scale=s.scale,
                                 open_plans=open_plans)
    clicked = widgets.chart(
        fig, a.scores,
        _("Each point is a stage in cycle order: its mean score with a 95% interval; the dashed line is the target. "
          "Critical moments, pain points and stages with an open action plan are marked. Click a stage to open its detail.")
        if open_plans else
        _("Each point is a stage in cycle order: its mean score with a 95% interval; the dashed line is the target. "
          "Critical moments and pain points are marked. Click a stage to open its detail."),
        key="journey_chart", selectable=True, file_name="stage_scores.csv")
    if clicked:
        widgets.open_stage(clicked)

for note in getattr(a, "notes", ()) or ():
    st.caption(widgets.md_escape(note))

# ---- report export (built on click, cached on the analysis key + plans; reruns reuse the bytes); a warehouse
# source's reports come from its analysis and the engine's counts (presenting.view_subject), no row is read
st.subheader(_("Export"))
plans = sharing.current_plans(v)
export_key = (repr(v.key), sharing.plans_fingerprint(plans))
if ss.get(state.EXPORT_READY) != export_key:
    st.caption(_("A self-contained HTML report (opens offline, interactive charts) and an Excel workbook with every table."))
    if st.button(_("Prepare the report downloads"), key="prepare_reports", icon=":material/description:"):
        ss[state.EXPORT_READY] = export_key
        st.rerun()
else:
    title = (_("Service cycle report: {source}").format(source=v.source_label.split(": ", 1)[-1]) if v.source_label
             else _("Service cycle report"))
    language = loaders.comment_language_code(ss.get(state.COMMENT_LANGUAGE))  # chosen on Stage detail
    subject = presenting.view_subject(v)
    html_bytes = sharing.report_html(v.key, export_key[1], title, subject, a, plans, comment_language=language)
    xlsx_bytes = sharing.report_xlsx(v.key, export_key[1], subject, a, plans, comment_language=language)
    e1, e2 = st.columns(2)
    e1.download_button(_("Download the HTML report"), data=html_bytes, file_name="service_cycle_report.html",
                       mime="text/html", key="report_html", on_click="ignore", icon=":material/download:")
    e2.download_button(_("Download the Excel workbook"), data=xlsx_bytes, file_name="service_cycle_report.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="report_xlsx",
                       on_click="ignore", icon=":material/download:")
    st.caption(_("Both reflect the current filters, outcome and action plans."))

st.subheader(_("Present"))
st.caption(_("Slides and a PDF for a meeting: the survey and its filters, what to fix first, the critical moments with "
             "their sentences, every chart as a picture, the priorities and the action plans. Built when you click "
             "(a few seconds: the charts are drawn as pictures)."))
p1, p2 = st.columns(2)
p1.download_button(_("Download slides (PowerPoint)"), data=presenting.deck_builder(v, plans), file_name="service_cycle_review.pptx",
                   mime=presenting.PPTX_MIME, key="report_pptx", on_click="ignore", icon=":material/slideshow:")
p2.download_button(_("Download as PDF"), data=presenting.pdf_builder(v, plans), file_name="service_cycle_review.pdf",
                   mime="application/pdf", key="report_pdf", on_click="ignore", icon=":material/picture_as_pdf:")
