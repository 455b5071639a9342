"""Saved surveys: save the survey in use, copy its share link, open a saved survey, and, for its owner,
rename, replace or delete it (to the trash, restorable for 30 days) and read its history.

A link grants viewing. Changing belongs to the owner: the signed-in user who saved it, or, without
login, whoever holds its edit key (shown once when it was saved; it can be entered here). Surveys
saved before owners existed are read-only until someone claims them. The rules live in
``cycle_analytics.storage.store``; this page only offers what the store allows.
"""

import datetime as dt

import streamlit as st

from app_support import loaders, sharing, state, widgets
from cycle_analytics.errors import SurveyError
from cycle_analytics.storage import TRASH_DAYS

ss = st.session_state
v = state.view()
esc = widgets.md_escape

st.title("Saved surveys")
user = sharing.current_user()
st.caption(
    "A saved survey keeps the data, cycle, import options, outcome and action plans. Its share link opens the "
    "same page, filters and data for anyone who has it" + (", after signing in" if sharing.auth_configured() else "")
    + ", to view. Renaming, replacing and deleting belong to its owner: "
    + ("the signed-in user who saved it." if user else "whoever saved it, with the edit key shown once when saving.")
)

st.subheader("Save the survey in use")
if v is not None and v.survey is not None:
    st.write(f"In use: **{esc(v.source_label)}** · {len(v.survey.responses):,} respondents")
    sharing.save_panel(v, where="page")
else:
    st.info("No survey is loaded: choose a sample or upload a file in the sidebar first.")

mine = ss.get(state.SAVED_MINE, [])
try:
    store = sharing.get_store()
    if user:
        entries = store.list_saved(owner=user)
        own = {e.id for e in entries}
        unclaimed = [e for e in store.list_saved(ids=mine) if e.id not in own and e.claimable]
    else:
        entries, unclaimed = store.list_saved(ids=mine), []
except SurveyError as exc:
    st.error(esc(exc))
    st.stop()

st.subheader("Your saved surveys" if user else "Saved or opened in this session")
if not user:
    st.caption("Without login, this list shows the surveys saved or opened in this browser session; "
               "keep their links (and edit keys) to find them again.")
if not entries:
    st.info("No saved survey yet.")

active = sharing.active_saved_id()
upload = ss.get(state.UPLOAD)


def _run(action: str, sid: str, done: str | None = None, **kwargs) -> None:
    """One change through ``sharing.change``: its sentence on failure, else a rerun (or ``done``)."""
    try:
        sharing.change(action, sid, **kwargs)
    except SurveyError as exc:
        st.error(esc(exc))
        return
    if done:
        st.success(done)
    else:
        st.rerun()


def _owner_tools(e) -> None:
    """Rename, replace, delete and history: for whoever may change ``e``."""
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    new_name = c1.text_input("New name", key=state.RENAME_PREFIX + e.id, placeholder=e.name, max_chars=200)
    if c2.button("Rename", key=f"rename_button_{e.id}"):
        try:
            sharing.change("rename", e.id, name=new_name or "")
        except SurveyError as exc:
            st.error(esc(exc))
        else:
            ss.pop(state.RENAME_PREFIX + e.id, None)
            st.rerun()
    can_replace = upload is not None and v is not None and v.survey is not None and not v.error
    if st.button("Replace its data with the uploaded file", key=f"replace_{e.id}", disabled=not can_replace,
                 help="Upload the new export in the sidebar first; name, link, password and plans are kept."):
        options = ss.get(state.SAVED_OPTIONS)  # an options key of a file / sample import, or ImportOptions
        options = loaders.build_options(options) if isinstance(options, tuple) else options
        _run("replace", e.id, "The data was replaced; the link now opens the new data.",
             survey=v.survey, options=options, outcome=v.outcome)
    sure = st.checkbox("Yes, delete it (it stays in the trash for 30 days)", key=state.DELETE_SURE_PREFIX + e.id)
    if st.button("Delete", key=f"delete_{e.id}", type="primary", disabled=not sure, icon=":material/delete:"):
        try:
            sharing.change("delete", e.id)
        except SurveyError as exc:
            st.error(esc(exc))
        else:
            if ss.get(state.SAVED_ID) == e.id:
                sharing.leave_link()
            st.rerun()
    if st.toggle("History", key=f"history_{e.id}"):
        try:
            records = store.audit(e.id, as_owner=user, edit_key=sharing.edit_key_for(e.id))
        except SurveyError as exc:
            st.error(esc(exc))
        else:
            widgets.table(sharing.history_table(records), key=f"history_table_{e.id}")


def _viewer_note(e) -> None:
    """What someone who may only view ``e`` can do: claim it, or enter its edit key."""
    if e.claimable:
        st.info("This survey was saved before surveys had owners, so nobody can change it. Claim it to become "
                "its owner" + ("." if user else ": you get an edit key, shown once."), icon=":material/person_add:")
        if st.button("Claim this survey", key=f"claim_{e.id}"):
            _run("claim", e.id)
    elif e.owner:
        st.caption("You can view it; only its owner can rename, replace or delete it.")
    else:
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        key = c1.text_input("Edit key", type="password", key=state.EDIT_KEY_PREFIX + e.id,
                            help="The key shown once when the survey was saved. The link alone only opens it.")
        if c2.button("Use the key", key=f"use_key_{e.id}"):
            try:
                sharing.add_edit_key(e.id, key)
            except SurveyError as exc:
                st.error(esc(exc))
            else:
                ss.pop(state.EDIT_KEY_PREFIX + e.id, None)
                st.rerun()


for e in [*entries, *unclaimed]:
    rights = sharing.can_change(e.id)
    title = (f"{esc(e.name)} · {e.respondents:,} respondents" + (" · password" if e.protected else "")
             + (" · in use" if e.id == active else "") + ("" if rights else " · view only"))
    with st.expander(title, expanded=e.id == active, icon=":material/bookmark:"):
        st.caption(f"Saved {e.created:%Y-%m-%d %H:%M} UTC, updated {e.updated:%Y-%m-%d %H:%M} UTC"
                   + (f" · owner {esc(e.owner)}" if e.owner else ""))
        sharing.show_link(e.id)
        if e.id != active and st.button("Open", key=f"open_{e.id}", icon=":material/open_in_new:", disabled=upload is not None,
                                        help="Remove the uploaded file in the sidebar first." if upload is not None else None):
            ss[state.SAVED_ID] = e.id
            st.switch_page("app_pages/overview.py", query_params={state.Q_SURVEY: e.id})
        if rights:
            _owner_tools(e)
        else:
            _viewer_note(e)
sharing.show_new_edit_key()

try:
    trash = store.list_trash(owner=user) if user else []
    seen = {t.id for t in trash}
    trash += [t for t in store.list_trash(ids=mine) if t.id not in seen and sharing.can_change(t.id, trashed=True)]
except SurveyError as exc:
    st.error(esc(exc))
    trash = []
if trash:
    st.subheader("Trash")
    st.caption(f"Deleted surveys can be restored for {TRASH_DAYS} days; then they are deleted for good. "
               "Their links say there is no survey until they are restored.")
    now = dt.datetime.now(dt.timezone.utc)
    for t in trash:
        days = max(0, TRASH_DAYS - (now - t.deleted).days)
        c1, c2, c3 = st.columns([4, 1, 1], vertical_alignment="center")
        c1.write(f"**{esc(t.name)}** · deleted {t.deleted:%Y-%m-%d %H:%M} UTC · {days} days left")
        if c2.button("Restore", key=f"restore_{t.id}", icon=":material/restore_from_trash:"):
            _run("restore", t.id)
        if c3.button("Delete for good", key=f"purge_{t.id}"):
            _run("purge", t.id)
