"""Cycle designer: map the service cycle and its moments of truth before any data exists.

Start from a bundled template, a blank cycle or a cycle file; edit the stages in a table (order,
name, phase, declared critical moment, target, description, question, aliases); see the cycle as a
flow; download it as YAML or JSON; apply it to the survey in use. The logic lives in
``cycle_analytics.design.questionnaire`` (table <-> cycle) and ``cycle_analytics.cycles``; the
session-state keys (``state.DESIGNER_*``, ``state.APPLIED_CYCLE``) are described in
``app_support/state.py``.
"""

from __future__ import annotations

import streamlit as st

from app_support import loaders, state, widgets
from cycle_analytics import figures
from cycle_analytics.cycles import Cycle, Stage, dump_cycle, load_cycle, parse_cycle
from cycle_analytics.errors import SurveyError
from cycle_analytics.design.questionnaire import SCALES, cycle_from_table, stages_table
from cycle_analytics.design.wording import check_question

ss = st.session_state
TABLE, VERSION = state.DESIGNER_TABLE, state.DESIGNER_VERSION
NAME, DESCRIPTION, SCALE = state.DESIGNER_NAME, state.DESIGNER_DESCRIPTION, state.DESIGNER_SCALE
START, UPLOAD, UPLOAD_ID = state.DESIGNER_START, state.DESIGNER_UPLOAD, state.DESIGNER_UPLOAD_ID
BLANK = "(blank cycle)"


def _load(cycle: Cycle) -> None:
    """Put ``cycle`` into the editor (a new editor key drops the previous edits)."""
    ss[TABLE] = stages_table(cycle)
    ss[NAME] = cycle.name
    ss[DESCRIPTION] = cycle.description
    ss[SCALE] = cycle.scale if cycle.scale in SCALES else "1-5"
    state.next_version(VERSION)


def _start_changed() -> None:
    pick = ss[START]
    if pick == BLANK:
        _load(Cycle("New cycle", stages=(Stage("First moment of truth"),), scale="1-5"))
    else:
        _load(load_cycle(pick))


templates = loaders.templates()
if TABLE not in ss:
    in_use = ss.get(state.CYCLE)
    first = in_use if in_use in templates else next(iter(templates), None)
    ss[START] = first or BLANK
    if first:
        _load(load_cycle(first))
    else:
        _start_changed()

st.title("Cycle designer")
st.caption("Map the service cycle: its stages (moments of truth) in the order the customer lives them, grouped "
           "into phases, with the critical moments where one bad experience spoils the whole visit.")

c1, c2 = st.columns(2)
c1.selectbox("Start from", options=[*templates, BLANK], key=START, on_change=_start_changed,
             format_func=lambda k: f"Template: {templates[k]}" if k in templates else "A blank cycle",
             help="Choosing another start replaces the table below.")
up = c2.file_uploader("Or load a cycle file (YAML or JSON)", type=["yaml", "yml", "json"], key=UPLOAD,
                      help="The format of the bundled templates and of the files downloaded below.")
if up is not None and ss.get(UPLOAD_ID) != getattr(up, "file_id", up.name):
    ss[UPLOAD_ID] = getattr(up, "file_id", up.name)
    try:
        text = up.getvalue().decode("utf-8-sig")
        loaded = parse_cycle(text, suffix=".json" if up.name.lower().endswith(".json") else ".yaml",
                             source=f"cycle file {up.name!r}")
    except UnicodeDecodeError:
        st.error(f"The cycle file {up.name!r} is not UTF-8 text.")
    except SurveyError as exc:
        st.error(str(exc))
    else:
        _load(loaded)
        st.toast(f"Loaded the cycle {loaded.name!r}.")

n1, n2 = st.columns([3, 1])
n1.text_input("Cycle name", key=NAME)
n2.selectbox("Scale of the stage questions", SCALES, key=SCALE)
st.text_area("Description", key=DESCRIPTION, height=80)

st.subheader("Stages")
st.caption("One row per moment of truth. Change **order** to move a stage; add a row at the bottom; select rows and "
           "press the bin to delete them. Aliases are other column names or words that mean this stage (comma-separated).")
edited = st.data_editor(
    ss[TABLE], key=state.DESIGNER_EDITOR_PREFIX + str(ss.get(VERSION, 0)), num_rows="dynamic", hide_index=True, width="stretch",
    column_config={
        "order": st.column_config.NumberColumn("order", min_value=0, step=1, width="small",
                                               help="Position in the cycle (rows are sorted by it)."),
        "name": st.column_config.TextColumn("name", required=True, help="The stage as customers would name it."),
        "phase": st.column_config.TextColumn("phase", help="Group of stages, drawn as a band."),
        "critical": st.column_config.CheckboxColumn("critical", default=False, width="small",
                                                    help="Declared critical moment: one bad experience spoils the outcome."),
        "target": st.column_config.NumberColumn("target", format="%.1f", width="small", help="Target score on the scale."),
        "description": st.column_config.TextColumn("description"),
        "question": st.column_config.TextColumn("question", help="Empty: 'How satisfied or dissatisfied were you with <stage>?'"),
        "aliases": st.column_config.TextColumn("aliases"),
    },
)
if st.button("Sort the rows by order", icon=":material/sort:", key="designer_sort"):
    try:
        sorted_cycle = cycle_from_table(edited, name=ss[NAME], description=ss[DESCRIPTION], scale=ss[SCALE])
    except SurveyError as exc:
        st.error(str(exc))
    else:
        ss[TABLE] = stages_table(sorted_cycle)
        state.next_version(VERSION)
        st.rerun()

try:
    cycle = cycle_from_table(edited, name=ss[NAME], description=ss[DESCRIPTION], scale=ss[SCALE])
except SurveyError as exc:
    st.error(str(exc))
    st.stop()
ss[state.DESIGNER_CYCLE] = dump_cycle(cycle)

st.subheader("The cycle")
widgets.chart(figures.cycle_flow_figure(cycle), None,
              "The stages in order; declared critical moments have a thick border and a ★; phases are shaded bands.",
              key="designer_flow")
n_crit = sum(s.critical for s in cycle.stages)
st.caption(f"{len(cycle.stages)} stages · {len(cycle.phases)} phases · {n_crit} declared critical moments")
flagged = [s.name for s in cycle.stages if s.question and check_question(s.question)]
if flagged:
    st.warning(f"{len(flagged)} stage questions have wording warnings ({widgets.md_escape(', '.join(flagged))}): "
               "see the Survey builder page.", icon=":material/rate_review:")

st.subheader("Save and use")
stem = widgets.file_stem(cycle.name, "cycle")
d1, d2, d3 = st.columns(3)
d1.download_button("Download YAML", data=dump_cycle(cycle, fmt="yaml").encode("utf-8"), file_name=f"{stem}.yaml",
                   mime="application/x-yaml", icon=":material/download:", on_click="ignore", key="designer_yaml")
d2.download_button("Download JSON", data=dump_cycle(cycle, fmt="json").encode("utf-8"), file_name=f"{stem}.json",
                   mime="application/json", icon=":material/download:", on_click="ignore", key="designer_json")
if d3.button("Apply to the survey in use", type="primary", icon=":material/check:", key="designer_apply",
             help="The dashboard pages then analyse the survey with this cycle's stages, order, phases and targets."):
    ss[state.APPLIED_CYCLE] = dump_cycle(cycle)
    st.success(f"The cycle {cycle.name!r} is applied: the analysis pages now use its stages, order, phases, "
               "critical moments and targets.", icon=":material/check_circle:")
elif ss.get(state.APPLIED_CYCLE):
    try:
        applied = parse_cycle(ss[state.APPLIED_CYCLE])
        st.caption(f"Applied to the survey in use: {widgets.md_escape(applied.name)} "
                   f"({len(applied.stages)} stages)" + ("" if applied == cycle else " — differs from the table above"))
    except SurveyError:
        pass
