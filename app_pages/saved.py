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
from cycle_analytics.i18n import format_date, format_number, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.storage import TRASH_DAYS

ss = st.session_state
v = state.view()
esc = widgets.md_escape

st.title(_("Saved surveys"))
user = sharing.current_user()
st.caption(" ".join([
    _("A saved survey keeps the data, cycle, import options, outcome and action plans. Its share link opens the same "
      "page, filters and data for anyone who has it, after signing in, to view.") if sharing.auth_configured() else
    _("A saved survey keeps the data, cycle, import options, outcome and action plans. Its share link opens the same "
      "page, filters and data for anyone who has it, to view."),
    _("Renaming, replacing and deleting belong to its owner: the signed-in user who saved it.") if user else
    _("Renaming, replacing and deleting belong to its owner: whoever saved it, with the edit key shown once when saving."),
]))


def _when(moment: dt.datetime) -> str:
    """A stored UTC time as the interface language writes a date, then ``HH:MM UTC``."""
    return f"{format_date(moment)} {moment:%H:%M} UTC"


st.subheader(_("Save the survey in use"))
if v is not None and v.survey is not None:
    n_resp = len(v.survey.responses)
    st.write(ngettext("In use: **{source}** · {n} respondent", "In use: **{source}** · {n} respondents", n_resp)
             .format(source=esc(v.source_label), n=format_number(n_resp)))
    sharing.save_panel(v, where="page")
elif v is not None and v.warehouse is not None:
    # a warehouse source is read where it lies: nothing of its data is kept here, and its link is the share
    st.info(_("In use: the warehouse source {source}, read where it lies, so nothing of it is saved here. To share "
              "this view, copy the address from the browser's address bar: it opens the same source, filters and page "
              "for anyone who can open this app. Action plans of a warehouse source last for this session: download "
              "them as CSV on the Priorities page and import them there next time.").format(source=esc(v.warehouse.config.label)))
else:
    st.info(_("No survey is loaded: choose a sample or upload a file in the sidebar first."))

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

st.subheader(_("Your saved surveys") if user else _("Saved or opened in this session"))
if not user:
    st.caption(_("Without login, this list shows the surveys saved or opened in this browser session; "
                 "keep their links (and edit keys) to find them again."))
if not entries:
    st.info(_("No saved survey yet."))

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
    new_name = c1.text_input(_("New name"), key=state.RENAME_PREFIX + e.id, placeholder=e.name, max_chars=200)
    if c2.button(_("Rename"), key=f"rename_button_{e.id}"):
        try:
            sharing.change("rename", e.id, name=new_name or "")
        except SurveyError as exc:
            st.error(esc(exc))
        else:
            ss.pop(state.RENAME_PREFIX + e.id, None)
            st.rerun()
    can_replace = upload is not None and v is not None and v.survey is not None and not v.error
    if st.button(_("Replace its data with the uploaded file"), key=f"replace_{e.id}", disabled=not can_replace,
                 help=_("Upload the new export in the sidebar first; name, link, password and plans are kept.")):
        options = ss.get(state.SAVED_OPTIONS)  # an options key of a file / sample import, or ImportOptions
        options = loaders.build_options(options) if isinstance(options, tuple) else options
        _run("replace", e.id, _("The data was replaced; the link now opens the new data."),
             survey=v.survey, options=options, outcome=v.outcome)
    sure = st.checkbox(ngettext("Yes, delete it (it stays in the trash for {n} day)",
                                "Yes, delete it (it stays in the trash for {n} days)", TRASH_DAYS).format(n=TRASH_DAYS), key=state.DELETE_SURE_PREFIX + e.id)
    if st.button(_("Delete"), key=f"delete_{e.id}", type="primary", disabled=not sure, icon=":material/delete:"):
        try:
            sharing.change("delete", e.id)
        except SurveyError as exc:
            st.error(esc(exc))
        else:
            if ss.get(state.SAVED_ID) == e.id:
                sharing.leave_link()
            st.rerun()
    if st.toggle(_("History"), key=f"history_{e.id}"):
        try:
            records = store.audit(e.id, as_owner=user, edit_key=sharing.edit_key_for(e.id))
        except SurveyError as exc:
            st.error(esc(exc))
        else:
            widgets.table(sharing.history_table(records), key=f"history_table_{e.id}")


def _viewer_note(e) -> None:
    """What someone who may only view ``e`` can do: claim it, or enter its edit key."""
    if e.claimable:
        st.info(_("This survey was saved before surveys had owners, so nobody can change it. Claim it to become its "
                  "owner.") if user else
                _("This survey was saved before surveys had owners, so nobody can change it. Claim it to become its "
                  "owner: you get an edit key, shown once."), icon=":material/person_add:")
        if st.button(_("Claim this survey"), key=f"claim_{e.id}"):
            _run("claim", e.id)
    elif e.owner:
        st.caption(_("You can view it; only its owner can rename, replace or delete it."))
    else:
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        key = c1.text_input(_("Edit key"), type="password", key=state.EDIT_KEY_PREFIX + e.id,
                            help=_("The key shown once when the survey was saved. The link alone only opens it."))
        if c2.button(_("Use the key"), key=f"use_key_{e.id}"):
            try:
                sharing.add_edit_key(e.id, key)
            except SurveyError as exc:
                st.error(esc(exc))
            else:
                ss.pop(state.EDIT_KEY_PREFIX + e.id, None)
                st.rerun()


for e in [*entries, *unclaimed]:
    rights = sharing.can_change(e.id)
    facts = [esc(e.name), ngettext("{n} respondent", "{n} respondents", e.respondents).format(n=format_number(e.respondents))]
    facts += [_("password")] if e.protected else []
    facts += [_("in use")] if e.id == active else []
    facts += [] if rights else [_("view only")]
    title = " · ".join(facts)  # a list of separate facts, each translated whole
    with st.expander(title, expanded=e.id == active, icon=":material/bookmark:"):
        saved_when = _("Saved {created}, updated {updated}").format(created=_when(e.created), updated=_when(e.updated))
        st.caption(_("{saved} · owner {owner}").format(saved=saved_when, owner=esc(e.owner)) if e.owner else saved_when)
        sharing.show_link(e.id)
        if e.id != active and st.button(_("Open"), key=f"open_{e.id}", icon=":material/open_in_new:", disabled=upload is not None,
                                        help=_("Remove the uploaded file in the sidebar first.") if upload is not None else None):
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
    st.subheader(_("Trash"))
    st.caption(ngettext("Deleted surveys can be restored for {n} day; then they are deleted for good. Their links say "
                        "there is no survey until they are restored.",
                        "Deleted surveys can be restored for {n} days; then they are deleted for good. Their links say "
                        "there is no survey until they are restored.", TRASH_DAYS).format(n=TRASH_DAYS))
    now = dt.datetime.now(dt.timezone.utc)
    for t in trash:
        days = max(0, TRASH_DAYS - (now - t.deleted).days)
        c1, c2, c3 = st.columns([4, 1, 1], vertical_alignment="center")
        c1.write(ngettext("**{name}** · deleted {when} · {n} day left", "**{name}** · deleted {when} · {n} days left", days)
                 .format(name=esc(t.name), when=_when(t.deleted), n=format_number(days)))
        if c2.button(_("Restore"), key=f"restore_{t.id}", icon=":material/restore_from_trash:"):
            _run("restore", t.id)
        if c3.button(_("Delete for good"), key=f"purge_{t.id}"):
            _run("purge", t.id)
