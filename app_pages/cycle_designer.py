"""Cycle designer: map the service cycle and its moments of truth before any data exists.

Start from a bundled template, a blank cycle or a cycle file; edit the stages in a table (order,
name, phase, declared critical moment, target, description, question, aliases); see the cycle as a
flow; download it as YAML or JSON; apply it to the survey in use. The logic lives in
``cycle_analytics.design.questionnaire`` (table <-> cycle) and ``cycle_analytics.cycles``; the
session-state keys (``state.DESIGNER_*``, ``state.APPLIED_CYCLE``) are described in
``app_support/state.py``. Every text is in the interface language (``cycle_analytics.i18n``); a
template is shown translated (``cycle_analytics.cycles.localized_cycle``), and switching languages
puts the design in the new one (the manager's own texts stay as written).
"""

from __future__ import annotations

import streamlit as st

from app_support import loaders, state, widgets
from cycle_analytics import figures
from cycle_analytics.cycles import Cycle, Stage, cycle_file_source, dump_cycle, load_cycle, localized_cycle, parse_cycle
from cycle_analytics.design.questionnaire import SCALES, cycle_from_table, stages_table
from cycle_analytics.design.wording import check_question
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import TEMPLATE_CONTEXT, current_language, ngettext, pgettext
from cycle_analytics.i18n import gettext as _

ss = st.session_state
TABLE, VERSION = state.DESIGNER_TABLE, state.DESIGNER_VERSION
NAME, DESCRIPTION, SCALE = state.DESIGNER_NAME, state.DESIGNER_DESCRIPTION, state.DESIGNER_SCALE
START, UPLOAD, UPLOAD_ID = state.DESIGNER_START, state.DESIGNER_UPLOAD, state.DESIGNER_UPLOAD_ID
BLANK = "(blank cycle)"  # the option key of a blank start (shown translated by the selector)


def _load(cycle: Cycle) -> None:
    """Put ``cycle`` into the editor, in the interface language (a new editor key drops the
    previous edits)."""
    cycle = localized_cycle(cycle)
    ss[TABLE] = stages_table(cycle)
    ss[NAME] = cycle.name
    ss[DESCRIPTION] = cycle.description
    ss[SCALE] = cycle.scale if cycle.scale in SCALES else "1-5"
    ss[state.DESIGNER_LANGUAGE] = current_language()
    state.next_version(VERSION)


def _start_changed() -> None:
    pick = ss[START]
    if pick == BLANK:
        _load(Cycle(_("New cycle"), stages=(Stage(_("First moment of truth")),), scale="1-5"))
    else:
        _load(load_cycle(pick))


def _start_label(key: str) -> str:
    if key in templates:
        return _("Template: {name}").format(name=pgettext(TEMPLATE_CONTEXT, templates[key]))
    return _("A blank cycle")


templates = loaders.templates()
if TABLE not in ss:
    in_use = ss.get(state.CYCLE)
    first = in_use if in_use in templates else next(iter(templates), None)
    ss[START] = first or BLANK
    if first:
        _load(load_cycle(first))
    else:
        _start_changed()
elif ss.get(state.DESIGNER_LANGUAGE) != current_language():
    try:  # the last valid design (edits included) in the new language
        _load(parse_cycle(ss[state.DESIGNER_CYCLE]) if ss.get(state.DESIGNER_CYCLE) else
              cycle_from_table(ss[TABLE], name=ss.get(NAME, ""), description=ss.get(DESCRIPTION, ""), scale=ss.get(SCALE)))
    except SurveyError:
        ss[state.DESIGNER_LANGUAGE] = current_language()  # an invalid table stays as it is

st.title(_("Cycle designer"))
st.caption(_("Map the service cycle: its stages (moments of truth) in the order the customer lives them, grouped "
             "into phases, with the critical moments where one bad experience spoils the whole visit."))

c1, c2 = st.columns(2)
c1.selectbox(_("Start from"), options=[*templates, BLANK], key=START, on_change=_start_changed,
             format_func=_start_label, help=_("Choosing another start replaces the table below."))
up = c2.file_uploader(_("Or load a cycle file (YAML or JSON)"), type=["yaml", "yml", "json"], key=UPLOAD,
                      help=_("The format of the bundled templates and of the files downloaded below."))
if up is not None and ss.get(UPLOAD_ID) != getattr(up, "file_id", up.name):
    ss[UPLOAD_ID] = getattr(up, "file_id", up.name)
    try:
        text = up.getvalue().decode("utf-8-sig")
        loaded = parse_cycle(text, suffix=".json" if up.name.lower().endswith(".json") else ".yaml",
                             source=cycle_file_source(up.name))
    except UnicodeDecodeError:
        st.error(_("The cycle file {name!r} is not UTF-8 text.").format(name=up.name))
    except SurveyError as exc:
        st.error(str(exc))
    else:
        _load(loaded)
        st.toast(_("Loaded the cycle {name!r}.").format(name=loaded.name))

n1, n2 = st.columns([3, 1])
n1.text_input(_("Cycle name"), key=NAME)
n2.selectbox(_("Scale of the stage questions"), SCALES, key=SCALE)
st.text_area(_("Description"), key=DESCRIPTION, height=80)

st.subheader(_("Stages"))
st.caption(_("One row per moment of truth. Change **order** to move a stage; add a row at the bottom; select rows and "
             "press the bin to delete them. Aliases are other column names or words that mean this stage (comma-separated)."))
edited = st.data_editor(
    ss[TABLE], key=state.DESIGNER_EDITOR_PREFIX + str(ss.get(VERSION, 0)), num_rows="dynamic", hide_index=True, width="stretch",
    column_config={
        "order": st.column_config.NumberColumn(_("order"), min_value=0, step=1, width="small",
                                               help=_("Position in the cycle (rows are sorted by it).")),
        "name": st.column_config.TextColumn(_("name"), required=True, help=_("The stage as customers would name it.")),
        "phase": st.column_config.TextColumn(_("phase"), help=_("Group of stages, drawn as a band.")),
        "critical": st.column_config.CheckboxColumn(_("critical"), default=False, width="small",
                                                    help=_("Declared critical moment: one bad experience spoils the outcome.")),
        "target": st.column_config.NumberColumn(_("target"), format="%.1f", width="small",
                                                help=_("Target score on the scale.")),
        "description": st.column_config.TextColumn(_("description")),
        "question": st.column_config.TextColumn(_("question"), help=_("Empty: 'How satisfied or dissatisfied were you with "
                                                                      "<stage>?'")),
        "aliases": st.column_config.TextColumn(_("aliases")),
    },
)
if st.button(_("Sort the rows by order"), icon=":material/sort:", key="designer_sort"):
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

st.subheader(_("The cycle"))
widgets.chart(figures.cycle_flow_figure(cycle), None,
              _("The stages in order; declared critical moments have a thick border and a ★; phases are shaded bands."),
              key="designer_flow")
n_crit = sum(s.critical for s in cycle.stages)
st.caption(" · ".join((
    ngettext("{n} stage", "{n} stages", len(cycle.stages)).format(n=len(cycle.stages)),
    ngettext("{n} phase", "{n} phases", len(cycle.phases)).format(n=len(cycle.phases)),
    ngettext("{n} declared critical moment", "{n} declared critical moments", n_crit).format(n=n_crit),
)))
flagged = [s.name for s in cycle.stages if s.question and check_question(s.question)]
if flagged:
    st.warning(ngettext("{n} stage question has wording warnings ({stages}): see the Survey builder page.",
                        "{n} stage questions have wording warnings ({stages}): see the Survey builder page.",
                        len(flagged)).format(n=len(flagged), stages=widgets.md_escape(", ".join(flagged))),
               icon=":material/rate_review:")

st.subheader(_("Save and use"))
stem = widgets.file_stem(cycle.name, "cycle")
d1, d2, d3 = st.columns(3)
d1.download_button(_("Download YAML"), data=dump_cycle(cycle, fmt="yaml").encode("utf-8"), file_name=f"{stem}.yaml",
                   mime="application/x-yaml", icon=":material/download:", on_click="ignore", key="designer_yaml")
d2.download_button(_("Download JSON"), data=dump_cycle(cycle, fmt="json").encode("utf-8"), file_name=f"{stem}.json",
                   mime="application/json", icon=":material/download:", on_click="ignore", key="designer_json")
if d3.button(_("Apply to the survey in use"), type="primary", icon=":material/check:", key="designer_apply",
             help=_("The dashboard pages then analyse the survey with this cycle's stages, order, phases and targets.")):
    ss[state.APPLIED_CYCLE] = dump_cycle(cycle)
    st.success(_("The cycle {name!r} is applied: the analysis pages now use its stages, order, phases, "
                 "critical moments and targets.").format(name=cycle.name), icon=":material/check_circle:")
elif ss.get(state.APPLIED_CYCLE):
    try:
        applied = parse_cycle(ss[state.APPLIED_CYCLE])
        n_applied = len(applied.stages)
        if applied == cycle:
            shown = ngettext("Applied to the survey in use: {name} ({n} stage)",
                             "Applied to the survey in use: {name} ({n} stages)", n_applied)
        else:
            shown = ngettext("Applied to the survey in use: {name} ({n} stage) — differs from the table above",
                             "Applied to the survey in use: {name} ({n} stages) — differs from the table above", n_applied)
        st.caption(shown.format(name=widgets.md_escape(applied.name), n=n_applied))
    except SurveyError:
        pass
