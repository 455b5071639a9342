"""Saved surveys, share links, login and report exports: the app side of ``cycle_analytics.storage``.

* **Store**: :func:`get_store` opens the store once per target (cached resource). The target is
  the PostgreSQL URL from Streamlit secrets (``[database] url`` or a top-level
  ``CYCLE_ANALYTICS_DATABASE_URL``) or the environment variable of that name; else the SQLite file
  under ``$CYCLE_ANALYTICS_DATA_DIR`` (default ``./var``).
* **Opening a link**: :func:`open_requested` / :func:`open_saved` give the saved survey behind
  ``?survey=<id>``; the heavy load is cached in the server's byte-budgeted
  :func:`app_support.survey_cache.shared_cache`, keyed by (store, id, *version*). Every rerun first
  asks the store for the id's status (a small query: exists, protected, version), so a deleted
  survey is never served from the cache, a protected one never without this session's password
  (:func:`unlock`), and a survey replaced by another server process sharing the store is loaded
  again at the next page load. A missing or locked link shows only :func:`link_gate`.
* **Rights** (:mod:`cycle_analytics.storage.store`): a link grants viewing; renaming, replacing and
  deleting belong to the owner: the signed-in user who saved it, or (without login) whoever holds
  its *edit key*, made at save time and shown once (:func:`save_panel`); the keys this session holds
  are in ``state.SAVED_EDIT_KEYS``. :func:`can_change` asks the store. Deleting moves to the trash
  (restorable for 30 days); the store keeps an audit of every change.
* **Passwords** are tried through the store's rate limit, per survey and per client
  (:func:`client_id`: the connection's address, or the first proxy hop of a local reverse proxy).
* **Login**: :func:`auth_configured` is true when the secrets have an ``[auth]`` section;
  :func:`current_user` is the signed-in user's e-mail (``None`` without login).
* **Share link**: :func:`share_link` = the app's URL, the page, ``?survey=<id>`` and the view's
  filters (:func:`app_support.state.desired_query_params`).
* **Plans**: :func:`current_plans`, :func:`set_plans` keep the action plans of the survey in use
  in session state and write them to the saved survey when there is one.
* **Reports**: :func:`report_html` / :func:`report_xlsx` are cached on the analysis key and a
  fingerprint of the plans, so a rerun never rebuilds them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import os
import urllib.parse

import pandas as pd
import streamlit as st

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs.plans import open_plan_stages
from cycle_analytics.outputs.report import excel_report, html_report
from cycle_analytics.storage import (ENV_URL, PasswordRequired, SavedSurvey, StorageError, WrongPassword,
                                     default_sqlite_path, new_edit_key, open_store)

from . import state
from .escaping import md_escape
from .loaders import saved_import_options
from .survey_cache import note_session, shared_cache, survey_bytes

DEFAULT_BASE_URL = "http://localhost:8501"


# ---------------------------------------------------------------- secrets, login


def _secrets() -> dict:
    """The Streamlit secrets as a dict, ``{}`` when there is no secrets file (never raises)."""
    try:
        sec = st.secrets
        if getattr(sec, "_secrets", None) is None and not sec.load_if_toml_exists():
            return {}
        return sec.to_dict()
    except Exception:  # noqa: BLE001 - a missing or unreadable secrets file means "not configured"
        return {}


def secret_section(name: str) -> dict:
    """One section of the Streamlit secrets (``[alerts]``...) as a dict, ``{}`` when absent."""
    section = _secrets().get(name)
    return dict(section) if isinstance(section, dict) else {}


def auth_configured() -> bool:
    """Whether the deployment configured an identity provider (an ``[auth]`` section in secrets)."""
    auth = _secrets().get("auth")
    return isinstance(auth, dict) and bool(auth)


def current_user() -> str | None:
    """The signed-in user's e-mail (or subject id), ``None`` when the app runs without login."""
    if not auth_configured():
        return None
    try:
        if not st.user.is_logged_in:
            return None
        return str(st.user.get("email") or st.user.get("sub") or "") or None
    except Exception:  # noqa: BLE001 - st.user unavailable (no session)
        return None


def login_gate() -> None:
    """With an identity provider configured, stop the run until the user has signed in."""
    if not auth_configured():
        return
    try:
        logged_in = bool(st.user.is_logged_in)
    except Exception:  # noqa: BLE001
        logged_in = False
    if logged_in:
        return
    st.title("Service Cycle Analytics")  # the product's name, never translated
    st.write(_("Sign in to open the dashboard and your saved surveys."))
    if st.button(_("Sign in"), type="primary", key="login_button"):
        try:
            st.login()
        except Exception as exc:  # noqa: BLE001 - e.g. Authlib not installed, or an incomplete [auth] section
            st.error(_("Sign-in is configured but cannot start: {reason}").format(reason=exc))
    st.stop()


# ---------------------------------------------------------------- store


def database_url() -> str | None:
    """The configured PostgreSQL URL (secrets first, then the environment), or ``None``."""
    sec = _secrets()
    db = sec.get("database")
    url = (db.get("url") if isinstance(db, dict) else None) or sec.get(ENV_URL) or os.environ.get(ENV_URL)
    return str(url).strip() or None if url else None


def store_target() -> str:
    """What :func:`get_store` opens: the database URL, or the absolute SQLite path."""
    return database_url() or str(default_sqlite_path().resolve())


@st.cache_resource(show_spinner=False, max_entries=4)
def _store(target: str):
    return open_store(target)


def get_store():
    """The store of this deployment (raises :class:`SurveyError` with a sentence when unusable)."""
    return _store(store_target())


def _saved_size(saved: SavedSurvey) -> int:
    return survey_bytes(saved.survey) + 4096


def _loaded(target: str, sid: str, version: int, password: str | None) -> SavedSurvey:
    """The saved survey ``sid`` at ``version`` (cached; the password was checked by the caller's
    session, see :func:`open_saved`)."""
    def load() -> SavedSurvey:
        with st.spinner(_("Opening the saved survey…")):
            return _store(target).load(sid, password=password, client=client_id())

    return shared_cache().get(("saved", target, sid, version), load, size=_saved_size)


def forget_loaded(sid: str | None = None) -> None:
    """Drop the cached copies of saved survey ``sid`` (every saved survey when ``None``)."""
    shared_cache().discard(lambda k: isinstance(k, tuple) and k[:1] == ("saved",) and (sid is None or k[2] == sid))


def _unlocked() -> dict:
    return st.session_state.setdefault(state.SAVED_UNLOCKED, {})


def password_for(sid: str) -> str | None:
    return _unlocked().get(sid)


def _edit_keys() -> dict:
    return st.session_state.setdefault(state.SAVED_EDIT_KEYS, {})


def edit_key_for(sid: str) -> str | None:
    """The edit key of ``sid`` this session holds (``None`` when it holds none)."""
    return _edit_keys().get(sid)


def client_id() -> str | None:
    """Who tries a password, for the rate limit: the connection's address; behind a reverse proxy on
    the same host (the connection comes from a loopback address), the last ``X-Forwarded-For`` hop,
    which that proxy adds (a client cannot forge it)."""
    try:
        ip = st.context.ip_address
        headers = st.context.headers
    except Exception:  # noqa: BLE001 - no connection (a bare script run)
        return None
    if not isinstance(ip, str):  # no socket (a test harness): one shared bucket
        return None
    try:
        local = ip is None or ipaddress.ip_address(ip).is_loopback
    except ValueError:
        local = False
    forwarded = headers.get("X-Forwarded-For") if headers is not None else None
    if local and isinstance(forwarded, str) and forwarded:
        return forwarded.split(",")[-1].strip() or ip
    return ip


def remember(sid: str) -> None:
    """Add ``sid`` to the saved surveys listed for this session (without login)."""
    mine = st.session_state.setdefault(state.SAVED_MINE, [])
    if sid not in mine:
        mine.insert(0, sid)


@dataclasses.dataclass(frozen=True)
class OpenedLink:
    """The saved survey this session asked for (``?survey=<id>`` or "Open"), or why it cannot see it.

    ``saved`` is ``None`` when no saved survey is requested (or an upload replaces it); ``problem``
    is the sentence of a missing link or of a protected one (then ``locked_id`` is its id).
    """

    saved: SavedSurvey | None = None
    problem: str | None = None
    locked_id: str | None = None

    @property
    def blocked(self) -> bool:
        """Whether the link shows only :func:`link_gate` (no navigation, no sidebar)."""
        return self.problem is not None


def open_requested() -> OpenedLink:
    """Open the saved survey requested in this session (``state.SAVED_ID``) unless a file is uploaded."""
    ss = st.session_state
    sid = ss.get(state.SAVED_ID)
    if not sid or ss.get(state.UPLOAD) is not None:
        return OpenedLink()
    try:
        return OpenedLink(saved=open_saved(sid))
    except PasswordRequired as exc:
        return OpenedLink(problem=str(exc), locked_id=sid)
    except SurveyError as exc:  # NotFound (unknown or malformed id), or the store cannot be opened
        return OpenedLink(problem=str(exc))


def leave_link() -> None:
    """Stop using the saved survey of a link (back to the sample or the upload)."""
    st.session_state[state.SAVED_ID] = None
    st.query_params.clear()


def link_gate(link: OpenedLink) -> None:
    """The only thing a link to a missing or locked saved survey shows; stops the run."""
    st.title(_("Saved survey"))
    if link.locked_id is None:
        st.error(md_escape(link.problem))
    else:
        st.info(md_escape(link.problem), icon=":material/lock:")
        pw = st.text_input(_("Password"), type="password", key=state.UNLOCK_PASSWORD)
        if st.button(_("Open"), type="primary", key="unlock_button"):
            try:
                unlock(link.locked_id, pw)
            except SurveyError as exc:  # WrongPassword, TooManyAttempts (says when to try again), NotFound
                st.error(md_escape(exc))
            else:
                st.session_state.pop(state.UNLOCK_PASSWORD, None)
                st.rerun()
    st.button(_("Open the app without this link"), key="leave_link", on_click=leave_link)
    st.stop()


def open_saved(sid: str) -> SavedSurvey:
    """The saved survey ``sid`` for this session.

    Raises :class:`NotFound` (unknown or malformed id, same sentence) or :class:`PasswordRequired`
    (protected and not unlocked in this session).
    """
    store = get_store()
    status = store.status(sid)  # NotFound for malformed / unknown / deleted ids
    pw = password_for(sid)
    if status.protected and pw is None:
        raise PasswordRequired()
    try:
        saved = _loaded(store_target(), sid, status.version, pw)
    except WrongPassword:  # the owner changed the password since this session entered it
        _unlocked().pop(sid, None)
        raise PasswordRequired("The password of this saved survey has changed; enter the new one to open it.") from None
    remember(sid)
    note_session()  # release this session's copy once it is closed
    return saved


def unlock(sid: str, password: str) -> None:
    """Check ``password`` for ``sid`` (rate-limited per survey and client) and unlock it for this
    session (raises :class:`WrongPassword` or :class:`~cycle_analytics.storage.TooManyAttempts`)."""
    saved = get_store().load(sid, password=password or None, client=client_id())
    _unlocked()[sid] = password
    shared_cache().put(("saved", store_target(), sid, saved.version), saved, _saved_size(saved))


def _update_loaded(sid: str, version: int, **changes) -> None:
    """A small change (plans, name) this session just wrote as ``version``: the cached copy is
    updated under the new version (the data is not loaded again); other versions are dropped."""
    target = store_target()
    found = shared_cache().items(lambda k: isinstance(k, tuple) and k[:3] == ("saved", target, sid))
    current = max(found, key=lambda kv: kv[0][3])[1] if found else None
    forget_loaded(sid)
    if current is not None and version is not None:
        new = dataclasses.replace(current, version=version, **changes)
        shared_cache().put(("saved", target, sid, version), new, _saved_size(new))


# ---------------------------------------------------------------- the survey in use


def active_saved_id() -> str | None:
    """The id of the saved survey the current view belongs to: the one opened from a link or the
    Saved page, or the one the current upload / sample was saved as in this session."""
    ss = st.session_state
    if str(ss.get(state.SOURCE_ID, "")).startswith("saved:"):
        return ss[state.SOURCE_ID][len("saved:"):]
    linked = ss.get(state.SAVED_LINKED)
    if linked and linked[0] == ss.get(state.SOURCE_ID):
        return linked[1]
    return None


def current_query() -> dict:
    """The view's filters as query parameters (without ``sample``, ``survey`` and ``cycle``)."""
    qp = state.current_query_params()
    for k in (state.Q_SAMPLE, state.Q_SURVEY, state.Q_CYCLE):  # the saved survey brings its own data and cycle
        qp.pop(k, None)
    return qp


def share_link(sid: str, query: dict | None = None, page: str | None = None) -> str:
    """The link that opens saved survey ``sid`` on ``page`` (a url path, ``""`` = overview) with ``query``."""
    ss = st.session_state
    base = ss.get(state.APP_BASE_URL) or DEFAULT_BASE_URL
    page = ss.get(state.LAST_PAGE, "") if page is None else page
    q = {state.Q_SURVEY: sid, **(current_query() if query is None else query)}
    pairs = [(k, x) for k, v in q.items() for x in (v if isinstance(v, (list, tuple)) else [v])]
    return f"{base.rstrip('/')}/{page}" + "?" + urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)


def note_location(current_page) -> None:
    """Remember the app's base URL and the analysis page in view (for share links)."""
    ss = st.session_state
    path = getattr(current_page, "url_path", "") or ""
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001
        url = None
    if url:
        base = url.split("?")[0].rstrip("/")
        if path and base.endswith("/" + path):
            base = base[: -len(path) - 1]
        ss[state.APP_BASE_URL] = base
    if path != "saved":
        ss[state.LAST_PAGE] = path


def save_survey(v, name: str, password: str | None) -> str:
    """Save the survey in use (view ``v``) with its plans, options, outcome and view; returns the id."""
    ss = st.session_state
    if v is None or v.survey is None:
        raise SurveyError("There is no survey to save: choose a sample or upload a file first.")
    options = saved_import_options(ss.get(state.SAVED_OPTIONS))
    store = get_store()
    user = current_user()
    key = None if user else new_edit_key()  # without login, the edit key is what lets the saver change it
    held = ss.get(state.ALERT_RULES)  # the alert rules in use (app_support.alerting), kept with the survey
    rules = held[1] if held and held[0] == ss.get(state.SOURCE_ID) else None
    sid = store.save(v.survey, name, owner=user, password=password or None, plans=current_plans(v),
                     view=current_query(), options=options, outcome=v.outcome, edit_key=key, alert_rules=rules)
    if password:
        _unlocked()[sid] = password
    if key:
        _edit_keys()[sid] = key
        ss[state.SAVED_NEW_KEY] = (sid, key)
    ss[state.SAVED_LINKED] = (ss.get(state.SOURCE_ID), sid)
    remember(sid)
    return sid


def can_change(sid: str, *, trashed: bool = False) -> bool:
    """Whether this session may rename, replace or delete ``sid``: it is the signed-in owner, or it
    holds the edit key (``False`` when the survey is gone)."""
    try:
        return get_store().can_change(sid, as_owner=current_user(), edit_key=edit_key_for(sid), trashed=trashed)
    except SurveyError:
        return False


def history_table(records) -> pd.DataFrame:
    """A saved survey's audit records (:meth:`cycle_analytics.storage.Store.audit`) as a table to show."""
    return pd.DataFrame({"when (UTC)": [r.at.strftime("%Y-%m-%d %H:%M") for r in records],
                         "what": [r.action for r in records], "who": [r.actor or "—" for r in records],
                         "detail": [r.detail for r in records]})


def add_edit_key(sid: str, key: str) -> None:
    """Keep an edit key entered for ``sid`` in this session; raises :class:`StorageError` with a
    sentence when it is not that survey's key."""
    key = (key or "").strip()
    if not key or not get_store().can_change(sid, edit_key=key):
        raise StorageError("This is not the edit key of this saved survey.")
    _edit_keys()[sid] = key


def change(action: str, sid: str, **kwargs) -> None:
    """Rename (``name=``), replace the data (``survey=, options=, outcome=``), keep alert rules
    (``"alerts"``, ``rules=``), delete (to the trash),
    ``restore``, ``purge`` (delete for good, from the trash) or ``claim`` a saved survey as the current
    user with this session's edit key; raises :class:`StorageError` subclasses with their sentence."""
    store = get_store()
    auth = dict(as_owner=current_user(), edit_key=edit_key_for(sid))
    if action == "rename":
        version = store.rename(sid, kwargs["name"], **auth)
        _update_loaded(sid, version, name=kwargs["name"].strip())
    elif action == "replace":
        store.replace_data(sid, kwargs["survey"], options=kwargs.get("options"), outcome=kwargs.get("outcome"), **auth)
        forget_loaded(sid)
    elif action == "alerts":
        version = store.save_alert_rules(sid, kwargs["rules"], **auth)
        _update_loaded(sid, version, alert_rules=kwargs["rules"])
    elif action == "delete":
        store.delete(sid, **auth)
        forget_loaded(sid)
    elif action == "restore":
        store.restore(sid, **auth)
    elif action == "purge":
        store.purge(sid, **auth)
        mine = st.session_state.get(state.SAVED_MINE, [])
        if sid in mine:
            mine.remove(sid)
    elif action == "claim":
        user = current_user()
        key = None if user else new_edit_key()
        store.claim(sid, as_owner=user, edit_key=key or edit_key_for(sid), password=password_for(sid), client=client_id())
        if key:
            _edit_keys()[sid] = key
            st.session_state[state.SAVED_NEW_KEY] = (sid, key)
        forget_loaded(sid)
    else:  # pragma: no cover
        raise ValueError(action)


# ---------------------------------------------------------------- action plans


def current_plans(v) -> pd.DataFrame | None:
    """The action plans of the survey in use (``None`` until there are any)."""
    ss = st.session_state
    if ss.get(state.PLANS_SOURCE) != ss.get(state.SOURCE_ID):
        return None
    return ss.get(state.PLANS)


def start_plans(source_id: str, plans: pd.DataFrame | None) -> None:
    """The plans of a data source just chosen (a saved survey's plans, else none); the editor restarts."""
    ss = st.session_state
    ss[state.PLANS] = plans
    ss[state.PLANS_SOURCE] = source_id
    state.next_version(state.PLANS_VERSION)


def set_plans(plans: pd.DataFrame) -> str | None:
    """Keep validated ``plans`` for the survey in use; write them to its saved survey when there is
    one. Returns a sentence saying where they were saved, or why they could not be."""
    ss = st.session_state
    ss[state.PLANS] = plans
    ss[state.PLANS_SOURCE] = ss.get(state.SOURCE_ID)
    sid = active_saved_id()
    if sid is None:
        return None
    try:
        version = get_store().save_plans(sid, plans, as_owner=current_user(), edit_key=edit_key_for(sid))
    except StorageError as exc:
        return _("Not saved with the saved survey: {reason} Your edits stay in this session.").format(reason=exc)
    _update_loaded(sid, version, plans=plans)
    return _("Saved with the saved survey.")


def open_plans(v) -> list[str]:
    """The stages with an open action plan (sorted), ``[]`` when the plans are unusable."""
    try:
        return sorted(open_plan_stages(current_plans(v)))
    except SurveyError:
        return []


def plans_fingerprint(plans: pd.DataFrame | None) -> str:
    if plans is None:
        return "none"
    return hashlib.sha256(plans.to_csv(index=False).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- reports


def report_html(key: tuple, plans_key: str, title: str, survey, analysis, plans, comment_language: str | None = None) -> bytes:
    """The self-contained HTML report (cached on the analysis key, which ends with the interface
    language, the plans' fingerprint and the comment language chosen, ``None`` = detected)."""
    with st.spinner(_("Building the HTML report…")):  # a spinner in the decorator could not be translated
        return _report_html_cached(key, plans_key, title, survey, analysis, plans, comment_language)


@st.cache_data(show_spinner=False, max_entries=8)
def _report_html_cached(key: tuple, plans_key: str, title: str, _survey, _analysis, _plans,
                        comment_language: str | None = None) -> bytes:
    return html_report(_survey, _analysis, plans=_plans, title=title, comment_language=comment_language).encode("utf-8")


def report_xlsx(key: tuple, plans_key: str, survey, analysis, plans, comment_language: str | None = None) -> bytes:
    """The Excel workbook of every table (cached like :func:`report_html`)."""
    with st.spinner(_("Building the Excel workbook…")):
        return _report_xlsx_cached(key, plans_key, survey, analysis, plans, comment_language)


@st.cache_data(show_spinner=False, max_entries=8)
def _report_xlsx_cached(key: tuple, plans_key: str, _survey, _analysis, _plans, comment_language: str | None = None) -> bytes:
    return excel_report(_survey, _analysis, _plans, comment_language=comment_language)


# ---------------------------------------------------------------- UI pieces (sidebar and Saved page)


def show_link(sid: str) -> None:
    """The share link in a copyable code block."""
    st.code(share_link(sid), language=None, wrap_lines=True)


def save_panel(v, where: str) -> str | None:
    """Name + optional password + Save button for the survey in use; shows the share link.
    ``where`` makes the widget keys unique (``sidebar`` or ``page``). Returns a new id when saved."""
    sid = active_saved_id()
    if sid:
        st.caption(_("Share link (this page, these filters and this data; works after a restart):"))
        show_link(sid)
    default = (v.source_label.split(": ", 1)[-1] if v.source_label else "") or _("Survey")
    name = st.text_input(_("Name"), key=state.SAVE_NAME_PREFIX + where, placeholder=default[:200], max_chars=200)
    password = st.text_input(_("Password (optional)"), type="password", key=state.SAVE_PASSWORD_PREFIX + where,
                             help=_("Whoever opens the link must enter it. Stored only as a salted Argon2id hash."))
    label = _("Save as a new saved survey") if sid else _("Save and get a share link")
    new = None
    if st.button(label, key=f"save_button_{where}", icon=":material/save:"):
        try:
            new = save_survey(v, (name or "").strip() or default[:200], password or None)
        except SurveyError as exc:
            st.error(md_escape(exc))
            return None
        st.success(_("Saved. Anyone with this link sees this view (and can only view it):"))
        show_link(new)
    show_new_edit_key()
    return new


def show_new_edit_key() -> None:
    """The edit key of the survey just saved (or claimed) without login, shown once, in a dialog (a
    message in the sidebar's expander could be drawn closed and missed)."""
    pending = st.session_state.pop(state.SAVED_NEW_KEY, None)
    if pending:
        # the dialog's title is in the interface language: decorated here, at run time
        st.dialog(_("Keep the link and the edit key"), width="large")(_edit_key_dialog)(*pending)


def _edit_key_dialog(sid: str, key: str) -> None:
    """The body of the dialog that shows the share link and the edit key once."""
    st.write(_("The share link opens this view for anyone who has it, to view only:"))
    show_link(sid)
    st.warning(_("**Edit key, shown only now:** keep it with the link. Whoever holds it can rename, replace or "
                 "delete this saved survey; the link alone only opens it."), icon=":material/key:")
    st.code(key, language=None)
    if st.button(_("Done"), key="edit_key_done", type="primary"):
        st.rerun()
