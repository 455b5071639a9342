"""Survey builder: from a cycle to an unambiguous satisfaction questionnaire and its exports.

Choose the cycle (the one in the Cycle designer, or a bundled template), the scale, the answer
labels and the extra questions; read the questionnaire with the wording warnings under each
question; download it as printable HTML, as the CSV template the importer reads with no mapping,
as a Qualtrics Advanced Format TXT and as a list for Google Forms. Logic:
``cycle_analytics.design.questionnaire`` and ``cycle_analytics.design.wording``. Every text typed by a user is
shown as plain text (``st.text``) or escaped markdown, never as HTML. Session-state keys:
``state.BUILDER_*`` (widgets); reads ``state.DESIGNER_CYCLE`` (YAML written by the Cycle designer).
The questionnaire is written in the interface language (``cycle_analytics.i18n``): the cycle is
shown translated (``cycle_analytics.cycles.localized_cycle``), and so are the generated questions,
the answer labels and the exports.
"""

from __future__ import annotations

import streamlit as st

from app_support import loaders, state, tables, widgets
from cycle_analytics import figures
from cycle_analytics.cycles import load_cycle, localized_cycle, parse_cycle
from cycle_analytics.design.exporters import csv_template, google_forms_text, qualtrics_txt, questionnaire_html
from cycle_analytics.design.questionnaire import (
    LABEL_SET_NAMES, LABEL_SET_TITLES, SCALES, build_questionnaire, default_segments, optional_stages,
)
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, TEMPLATE_CONTEXT, ngettext, pgettext
from cycle_analytics.i18n import gettext as _

ss = st.session_state
DESIGNED = "(the cycle in the Cycle designer)"  # the option key of the designed cycle (shown translated)
KIND_LABEL = {"segment": N_("About the respondent"), "rating": N_("Stage"), "overall": N_("Overall satisfaction"),
              "recommend": N_("Likelihood to recommend (0–10)"), "comment": N_("Comment (optional)")}


def _source_label(key: str) -> str:
    if key in templates:
        return _("Template: {name}").format(name=pgettext(TEMPLATE_CONTEXT, templates[key]))
    return _("The cycle in the Cycle designer")


templates = loaders.templates()
st.title(_("Survey builder"))
st.caption(_("Generate the satisfaction survey of a service cycle: one question per stage, an overall question, "
             "likelihood to recommend, a comment on each critical moment and a few questions to compare groups."))

sources = ([DESIGNED] if ss.get(state.DESIGNER_CYCLE) else []) + list(templates)
if not sources:
    st.info(_("There is no cycle yet: design one on the Cycle designer page."))
    st.stop()
if ss.get(state.BUILDER_SOURCE) not in sources:
    in_use = ss.get(state.CYCLE)
    ss[state.BUILDER_SOURCE] = DESIGNED if DESIGNED in sources else (in_use if in_use in templates else sources[0])
pick = st.selectbox(_("Cycle"), sources, key=state.BUILDER_SOURCE, format_func=_source_label)
try:
    cycle = localized_cycle(parse_cycle(ss[state.DESIGNER_CYCLE]) if pick == DESIGNED else load_cycle(pick))
except SurveyError as exc:
    st.error(str(exc))
    st.stop()

with st.expander(_("The cycle"), expanded=True):
    widgets.chart(figures.cycle_flow_figure(cycle), None,
                  _("The stages the survey asks about, in order; ★ = declared critical moment."), key="builder_flow")

st.subheader(_("Options"))
o1, o2, o3 = st.columns(3)
if ss.get(state.BUILDER_SCALE) not in SCALES:
    ss[state.BUILDER_SCALE] = cycle.scale if cycle.scale in SCALES else "1-5"
scale = o1.selectbox(_("Scale"), SCALES, key=state.BUILDER_SCALE, help=_("Points of the stage and overall questions."))
label_set = o2.selectbox(_("Answer labels"), LABEL_SET_NAMES, key=state.BUILDER_LABELS,
                         format_func=lambda name: _(LABEL_SET_TITLES[name]))
organisation = o3.text_input(_("The organisation, as customers call it"), value=_("us"), key=state.BUILDER_ORG,
                             help=_("Used in 'How likely are you to recommend … to a friend or colleague?'"))
c1, c2, c3 = st.columns(3)
overall = c1.checkbox(_("Overall satisfaction question"), value=True, key=state.BUILDER_OVERALL)
recommend = c2.checkbox(_("Likelihood to recommend (0–10)"), value=True, key=state.BUILDER_RECOMMEND)
comments = c3.checkbox(_("Comment on each critical moment"), value=True, key=state.BUILDER_COMMENTS)
na = st.multiselect(_("Stages with a 'Not applicable' answer"), list(cycle.stage_names), default=list(optional_stages(cycle)),
                    key=state.BUILDER_NA_PREFIX + cycle.name,
                    help=_("Steps not every customer goes through (pre-selected when the stage description says so)."))
st.caption(_("Questions to compare groups of customers (one per row; options separated by commas)."))
seg_table = st.data_editor(
    tables.segment_questions_table(default_segments()), key=state.BUILDER_SEGMENTS, num_rows="dynamic", hide_index=True,
    width="stretch",
    column_config={"question": st.column_config.TextColumn(_("question"), help=_("For example Branch, Channel, Customer type.")),
                   "options": st.column_config.TextColumn(_("options"), help=_("For example: North, South, City centre"))},
)

try:
    q = build_questionnaire(cycle, scale=scale, label_set=label_set, include_overall=overall, include_recommend=recommend,
                            comment_on_critical=comments, segments=tables.segment_questions(seg_table), na_for=na,
                            organisation=organisation)
except SurveyError as exc:
    st.error(str(exc))
    st.stop()

st.subheader(_("Downloads"))
stem = widgets.file_stem(cycle.name, "survey")
d = st.columns(4)
d[0].download_button(_("Printable questionnaire (HTML)"), data=questionnaire_html(q).encode("utf-8"),
                     file_name=f"{stem}_questionnaire.html", mime="text/html", on_click="ignore", key="dl_html",
                     icon=":material/print:")
d[1].download_button(_("CSV template for the answers"), data=csv_template(q), file_name=f"{stem}_answers.csv",
                     mime="text/csv", on_click="ignore", key="dl_csv", icon=":material/table:",
                     help=_("One row per respondent; upload it in the sidebar when it is filled in: every stage is read "
                            "with no mapping. Leave a cell empty for 'Not applicable'."))
d[2].download_button(_("Qualtrics import (TXT)"), data=qualtrics_txt(q).encode("utf-8"), file_name=f"{stem}_qualtrics.txt",
                     mime="text/plain", on_click="ignore", key="dl_qualtrics", icon=":material/upload_file:",
                     help=_("Qualtrics: Tools › Import/Export › Import survey (Advanced Format TXT)."))
d[3].download_button(_("Google Forms list (TXT)"), data=google_forms_text(q).encode("utf-8"),
                     file_name=f"{stem}_google_forms.txt", mime="text/plain", on_click="ignore", key="dl_gforms",
                     icon=":material/list_alt:")
if q.cycle.scale != cycle.scale:
    st.info(_("The survey uses the scale {scale} but the cycle says {cycle_scale}: when you upload the answers, choose this "
              "scale or apply the cycle with this scale.").format(scale=q.scale.label(), cycle_scale=cycle.scale or _("nothing")),
            icon=":material/info:")

n_warn = sum(len(x.warnings) for x in q.questions)
n_warned = sum(1 for x in q.questions if x.warnings)
st.subheader(ngettext("The questionnaire ({n} question)", "The questionnaire ({n} questions)", len(q.questions)).format(
    n=len(q.questions)))
if n_warn:
    st.warning(ngettext("{n} wording warning on {k} questions: see below.", "{n} wording warnings on {k} questions: see below.",
                        n_warn).format(n=n_warn, k=n_warned) if n_warned > 1 else
               ngettext("{n} wording warning on one question: see below.", "{n} wording warnings on one question: see below.",
                        n_warn).format(n=n_warn),
               icon=":material/rate_review:")
else:
    st.success(_("No wording warnings: every question asks one thing, positively, in plain words."), icon=":material/check:")
for note in q.notes:
    st.info(widgets.md_escape(note), icon=":material/info:")

for i, qu in enumerate(q.questions, start=1):
    with st.container(border=True):
        if qu.stage and qu.kind == "rating":
            head = _("{number}. {kind} · {stage} · column {column}").format(number=i, kind=_(KIND_LABEL[qu.kind]),
                                                                           stage=qu.stage, column=qu.column)
        else:
            head = _("{number}. {kind} · column {column}").format(number=i, kind=_(KIND_LABEL[qu.kind]), column=qu.column)
        st.caption(widgets.md_escape(head))
        st.text(qu.text)
        if qu.options:
            shown = list(qu.options) + ([qu.na_option] if qu.na_option else [])
            st.caption(widgets.md_escape(" | ".join(shown)))
        for w in qu.warnings:
            st.warning(widgets.md_escape(w.message), icon=":material/warning:")
