"""Survey builder: from a cycle to an unambiguous satisfaction questionnaire and its exports.

Choose the cycle (the one in the Cycle designer, or a bundled template), the scale, the answer
labels and the extra questions; read the questionnaire with the wording warnings under each
question; download it as printable HTML, as the CSV template the importer reads with no mapping,
as a Qualtrics Advanced Format TXT and as a list for Google Forms. Logic:
``cycle_analytics.design.questionnaire`` and ``cycle_analytics.design.wording``. Every text typed by a user is
shown as plain text (``st.text``) or escaped markdown, never as HTML. Session-state keys:
``state.BUILDER_*`` (widgets); reads ``state.DESIGNER_CYCLE`` (YAML written by the Cycle designer).
"""

from __future__ import annotations

import streamlit as st

from app_support import loaders, state, tables, widgets
from cycle_analytics import figures
from cycle_analytics.cycles import load_cycle, parse_cycle
from cycle_analytics.errors import SurveyError
from cycle_analytics.design.exporters import csv_template, google_forms_text, qualtrics_txt, questionnaire_html
from cycle_analytics.design.questionnaire import (
    DEFAULT_SEGMENTS, LABEL_SET_NAMES, SCALES, build_questionnaire, optional_stages,
)

ss = st.session_state
DESIGNED = "(the cycle in the Cycle designer)"
KIND_LABEL = {"segment": "About the respondent", "rating": "Stage", "overall": "Overall satisfaction",
              "recommend": "Likelihood to recommend (0–10)", "comment": "Comment (optional)"}


templates = loaders.templates()
st.title("Survey builder")
st.caption("Generate the satisfaction survey of a service cycle: one question per stage, an overall question, "
           "likelihood to recommend, a comment on each critical moment and a few questions to compare groups.")

sources = ([DESIGNED] if ss.get(state.DESIGNER_CYCLE) else []) + list(templates)
if not sources:
    st.info("There is no cycle yet: design one on the Cycle designer page.")
    st.stop()
if ss.get(state.BUILDER_SOURCE) not in sources:
    in_use = ss.get(state.CYCLE)
    ss[state.BUILDER_SOURCE] = DESIGNED if DESIGNED in sources else (in_use if in_use in templates else sources[0])
pick = st.selectbox("Cycle", sources, key=state.BUILDER_SOURCE,
                    format_func=lambda k: f"Template: {templates[k]}" if k in templates else k)
try:
    cycle = parse_cycle(ss[state.DESIGNER_CYCLE]) if pick == DESIGNED else load_cycle(pick)
except SurveyError as exc:
    st.error(str(exc))
    st.stop()

with st.expander("The cycle", expanded=True):
    widgets.chart(figures.cycle_flow_figure(cycle), None,
                  "The stages the survey asks about, in order; ★ = declared critical moment.", key="builder_flow")

st.subheader("Options")
o1, o2, o3 = st.columns(3)
if ss.get(state.BUILDER_SCALE) not in SCALES:
    ss[state.BUILDER_SCALE] = cycle.scale if cycle.scale in SCALES else "1-5"
scale = o1.selectbox("Scale", SCALES, key=state.BUILDER_SCALE, help="Points of the stage and overall questions.")
LABEL_SETS = {"satisfaction": "Very dissatisfied … Very satisfied", "agreement": "Strongly disagree … Strongly agree",
              "quality": "Poor … Excellent", "ease": "Very difficult … Very easy"}
label_set = o2.selectbox("Answer labels", LABEL_SET_NAMES, key=state.BUILDER_LABELS, format_func=LABEL_SETS.__getitem__)
organisation = o3.text_input("The organisation, as customers call it", value="us", key=state.BUILDER_ORG,
                             help="Used in 'How likely are you to recommend … to a friend or colleague?'")
c1, c2, c3 = st.columns(3)
overall = c1.checkbox("Overall satisfaction question", value=True, key=state.BUILDER_OVERALL)
recommend = c2.checkbox("Likelihood to recommend (0–10)", value=True, key=state.BUILDER_RECOMMEND)
comments = c3.checkbox("Comment on each critical moment", value=True, key=state.BUILDER_COMMENTS)
na = st.multiselect("Stages with a 'Not applicable' answer", list(cycle.stage_names), default=list(optional_stages(cycle)),
                    key=state.BUILDER_NA_PREFIX + cycle.name,
                    help="Steps not every customer goes through (pre-selected when the stage description says so).")
st.caption("Questions to compare groups of customers (one per row; options separated by commas).")
seg_table = st.data_editor(
    tables.segment_questions_table(DEFAULT_SEGMENTS), key=state.BUILDER_SEGMENTS, num_rows="dynamic", hide_index=True,
    width="stretch",
    column_config={"question": st.column_config.TextColumn("question", help="For example Branch, Channel, Customer type."),
                   "options": st.column_config.TextColumn("options", help="For example: North, South, City centre")},
)

try:
    q = build_questionnaire(cycle, scale=scale, label_set=label_set, include_overall=overall, include_recommend=recommend,
                            comment_on_critical=comments, segments=tables.segment_questions(seg_table), na_for=na,
                            organisation=organisation)
except SurveyError as exc:
    st.error(str(exc))
    st.stop()

st.subheader("Downloads")
stem = widgets.file_stem(cycle.name, "survey")
d = st.columns(4)
d[0].download_button("Printable questionnaire (HTML)", data=questionnaire_html(q).encode("utf-8"),
                     file_name=f"{stem}_questionnaire.html", mime="text/html", on_click="ignore", key="dl_html",
                     icon=":material/print:")
d[1].download_button("CSV template for the answers", data=csv_template(q), file_name=f"{stem}_answers.csv",
                     mime="text/csv", on_click="ignore", key="dl_csv", icon=":material/table:",
                     help="One row per respondent; upload it in the sidebar when it is filled in: every stage is read "
                          "with no mapping. Leave a cell empty for 'Not applicable'.")
d[2].download_button("Qualtrics import (TXT)", data=qualtrics_txt(q).encode("utf-8"), file_name=f"{stem}_qualtrics.txt",
                     mime="text/plain", on_click="ignore", key="dl_qualtrics", icon=":material/upload_file:",
                     help="Qualtrics: Tools › Import/Export › Import survey (Advanced Format TXT).")
d[3].download_button("Google Forms list (TXT)", data=google_forms_text(q).encode("utf-8"),
                     file_name=f"{stem}_google_forms.txt", mime="text/plain", on_click="ignore", key="dl_gforms",
                     icon=":material/list_alt:")
if q.cycle.scale != cycle.scale:
    st.info(f"The survey uses the scale {q.scale.label()} but the cycle says {cycle.scale or 'nothing'}: when you upload the "
            "answers, choose this scale or apply the cycle with this scale.", icon=":material/info:")

n_warn = sum(len(x.warnings) for x in q.questions)
st.subheader(f"The questionnaire ({len(q.questions)} questions)")
if n_warn:
    st.warning(f"{n_warn} wording warnings on {sum(1 for x in q.questions if x.warnings)} questions: see below.",
               icon=":material/rate_review:")
else:
    st.success("No wording warnings: every question asks one thing, positively, in plain words.", icon=":material/check:")
for note in q.notes:
    st.info(widgets.md_escape(note), icon=":material/info:")

for i, qu in enumerate(q.questions, start=1):
    with st.container(border=True):
        st.caption(widgets.md_escape(f"{i}. {KIND_LABEL[qu.kind]}" + (f" · {qu.stage}" if qu.stage and qu.kind == "rating" else "")
                                     + f" · column {qu.column}"))
        st.text(qu.text)
        if qu.options:
            shown = list(qu.options) + ([qu.na_option] if qu.na_option else [])
            st.caption(widgets.md_escape(" | ".join(shown)))
        for w in qu.warnings:
            st.warning(widgets.md_escape(w.message), icon=":material/warning:")
