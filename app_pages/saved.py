"""Saved surveys: save the survey in use, copy its share link, and open, rename, replace or delete
the saved surveys (yours when the app has login; those saved or opened in this session without)."""

import streamlit as st

from app_support import loaders, sharing, state, widgets
from cycle_analytics.errors import SurveyError

ss = st.session_state
v = state.view()

st.title("Saved surveys")
user = sharing.current_user()
st.caption(
    "A saved survey keeps the data, cycle, import options, outcome and action plans. Its share link opens the "
    "same page, filters and data for anyone who has it" + (", after signing in." if sharing.auth_configured() else ".")
)

st.subheader("Save the survey in use")
if v is not None and v.survey is not None:
    st.write(f"In use: **{widgets.md_escape(v.source_label)}** · {len(v.survey.responses):,} respondents")
    sharing.save_panel(v, where="page")
else:
    st.info("No survey is loaded: choose a sample or upload a file in the sidebar first.")

st.subheader("Your saved surveys" if user else "Saved in this session")
try:
    store = sharing.get_store()
    if user:
        entries = store.list_saved(owner=user)
    else:
        mine = ss.get(state.SAVED_MINE, [])
        entries = [e for e in store.list_saved() if e.id in mine] if mine else []
except SurveyError as exc:
    st.error(str(exc))
    st.stop()
if not user:
    st.caption("Without login, this list shows the surveys saved or opened in this browser session; "
               "keep their links to find them again.")
if not entries:
    st.info("No saved survey yet.")

active = sharing.active_saved_id()
upload = ss.get(state.UPLOAD)
for e in entries:
    title = f"{widgets.md_escape(e.name)} · {e.respondents:,} respondents" + (" · password" if e.protected else "") + (" · in use" if e.id == active else "")
    with st.expander(title, expanded=e.id == active, icon=":material/bookmark:"):
        st.caption(f"Saved {e.created:%Y-%m-%d %H:%M} UTC, updated {e.updated:%Y-%m-%d %H:%M} UTC"
                   + (f" · owner {widgets.md_escape(e.owner)}" if e.owner else ""))
        sharing.show_link(e.id)
        if e.id != active and st.button("Open", key=f"open_{e.id}", icon=":material/open_in_new:", disabled=upload is not None,
                                        help="Remove the uploaded file in the sidebar first." if upload is not None else None):
            ss[state.SAVED_ID] = e.id
            st.switch_page("app_pages/overview.py", query_params={state.Q_SURVEY: e.id})
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        new_name = c1.text_input("New name", key=state.RENAME_PREFIX + e.id, placeholder=e.name, max_chars=200)
        if c2.button("Rename", key=f"rename_button_{e.id}"):
            try:
                sharing.change("rename", e.id, name=new_name or "")
            except SurveyError as exc:
                st.error(str(exc))
            else:
                ss.pop(state.RENAME_PREFIX + e.id, None)
                st.rerun()
        can_replace = upload is not None and v is not None and v.survey is not None and not v.error
        if st.button("Replace its data with the uploaded file", key=f"replace_{e.id}", disabled=not can_replace,
                     help="Upload the new export in the sidebar first; name, link, password and plans are kept."):
            try:
                options = ss.get(state.SAVED_OPTIONS)  # an options key of a file / sample import, or ImportOptions
                options = loaders.build_options(options) if isinstance(options, tuple) else options
                sharing.change("replace", e.id, survey=v.survey, options=options, outcome=v.outcome)
            except SurveyError as exc:
                st.error(str(exc))
            else:
                st.success("The data was replaced; the link now opens the new data.")
        sure = st.checkbox("Yes, delete it and its data", key=state.DELETE_SURE_PREFIX + e.id)
        if st.button("Delete", key=f"delete_{e.id}", type="primary", disabled=not sure, icon=":material/delete:"):
            try:
                sharing.change("delete", e.id)
            except SurveyError as exc:
                st.error(str(exc))
            else:
                if ss.get(state.SAVED_ID) == e.id:
                    sharing.leave_link()
                st.rerun()
