"""Saved surveys, share links, login and report exports: the app side of ``cycle_analytics.storage``.

* **Store**: :func:`get_store` opens the store once per target (cached resource). The target is
  the PostgreSQL URL from Streamlit secrets (``[database] url`` or a top-level
  ``CYCLE_ANALYTICS_DATABASE_URL``) or the environment variable of that name; else the SQLite file
  under ``$CYCLE_ANALYTICS_DATA_DIR`` (default ``./var``).
* **Opening a link**: :func:`open_requested` / :func:`open_saved` give the saved survey behind
  ``?survey=<id>``; the heavy load is a cached resource keyed by (store, id). Every rerun first
  asks the store whether the id exists and is protected (a small query), so a deleted survey is
  never served from the cache and a protected one never without this session's password
  (:func:`unlock`). A missing or locked link shows only :func:`link_gate`.
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
import os
import urllib.parse

import pandas as pd
import streamlit as st

from cycle_analytics.errors import SurveyError
from cycle_analytics.outputs.plans import open_plan_stages
from cycle_analytics.outputs.report import excel_report, html_report
from cycle_analytics.storage import (ENV_URL, PasswordRequired, SavedSurvey, StorageError, WrongPassword,
                                     default_sqlite_path, open_store)

from . import state
from .loaders import saved_import_options

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
    st.title("Service Cycle Analytics")
    st.write("Sign in to open the dashboard and your saved surveys.")
    if st.button("Sign in", type="primary", key="login_button"):
        try:
            st.login()
        except Exception as exc:  # noqa: BLE001 - e.g. Authlib not installed, or an incomplete [auth] section
            st.error(f"Sign-in is configured but cannot start: {exc}")
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


@st.cache_resource(show_spinner="Opening the saved survey…", max_entries=4)
def _loaded(target: str, sid: str, _password: str | None, _preloaded: SavedSurvey | None = None) -> dict:
    """A holder ``{"saved": SavedSurvey}`` (a dict so that a plans or name change can update it)."""
    return {"saved": _preloaded if _preloaded is not None else _store(target).load(sid, password=_password)}


def forget_loaded() -> None:
    """Drop every cached saved survey (after its data was replaced or it was deleted)."""
    _loaded.clear()


def _unlocked() -> dict:
    return st.session_state.setdefault(state.SAVED_UNLOCKED, {})


def password_for(sid: str) -> str | None:
    return _unlocked().get(sid)


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
    st.title("Saved survey")
    if link.locked_id is None:
        st.error(link.problem)
    else:
        st.info(link.problem, icon=":material/lock:")
        pw = st.text_input("Password", type="password", key=state.UNLOCK_PASSWORD)
        if st.button("Open", type="primary", key="unlock_button"):
            try:
                unlock(link.locked_id, pw)
            except WrongPassword as exc:
                st.error(str(exc))
            except SurveyError as exc:
                st.error(str(exc))
            else:
                st.session_state.pop(state.UNLOCK_PASSWORD, None)
                st.rerun()
    st.button("Open the app without this link", key="leave_link", on_click=leave_link)
    st.stop()


def open_saved(sid: str) -> SavedSurvey:
    """The saved survey ``sid`` for this session.

    Raises :class:`NotFound` (unknown or malformed id, same sentence) or :class:`PasswordRequired`
    (protected and not unlocked in this session).
    """
    store = get_store()
    protected = store.is_protected(sid)  # NotFound for malformed / unknown / deleted ids
    pw = password_for(sid)
    if protected and pw is None:
        raise PasswordRequired()
    holder = _loaded(store_target(), sid, pw)
    remember(sid)
    return holder["saved"]


def unlock(sid: str, password: str) -> None:
    """Check ``password`` for ``sid`` and unlock it for this session (raises :class:`WrongPassword`)."""
    saved = get_store().load(sid, password=password or None)
    _unlocked()[sid] = password
    _loaded(store_target(), sid, password, _preloaded=saved)


def _update_loaded(sid: str, **changes) -> None:
    """Apply a small change (plans, name) to the cached copy of ``sid``: in place when this session
    has it open (so the data is not loaded again), else by dropping the cache (never a stale copy)."""
    if st.session_state.get(state.SOURCE_ID) == f"saved:{sid}":
        holder = _loaded(store_target(), sid, password_for(sid))
        holder["saved"] = dataclasses.replace(holder["saved"], **changes)
    else:
        forget_loaded()


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
    sid = store.save(v.survey, name, owner=current_user(), password=password or None, plans=current_plans(v),
                     view=current_query(), options=options, outcome=v.outcome)
    if password:
        _unlocked()[sid] = password
    ss[state.SAVED_LINKED] = (ss.get(state.SOURCE_ID), sid)
    remember(sid)
    return sid


def change(action: str, sid: str, **kwargs) -> None:
    """Rename (``name=``), replace the data (``survey=, options=, outcome=``) or delete a saved survey
    as the current user; raises :class:`StorageError` subclasses with their sentence."""
    store = get_store()
    auth = dict(as_owner=current_user(), password=password_for(sid))
    if action == "rename":
        store.rename(sid, kwargs["name"], **auth)
        try:
            _update_loaded(sid, name=kwargs["name"].strip())
        except StorageError:
            pass
    elif action == "replace":
        store.replace_data(sid, kwargs["survey"], options=kwargs.get("options"), outcome=kwargs.get("outcome"), **auth)
        forget_loaded()
    elif action == "delete":
        store.delete(sid, **auth)
        forget_loaded()
        mine = st.session_state.get(state.SAVED_MINE, [])
        if sid in mine:
            mine.remove(sid)
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
        get_store().save_plans(sid, plans, as_owner=current_user(), password=password_for(sid))
    except StorageError as exc:
        return f"Not saved with the saved survey: {exc} Your edits stay in this session."
    try:
        _update_loaded(sid, plans=plans)
    except StorageError:
        pass
    return "Saved with the saved survey."


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


@st.cache_data(show_spinner="Building the HTML report…", max_entries=8)
def report_html(key: tuple, plans_key: str, title: str, _survey, _analysis, _plans) -> bytes:
    """The self-contained HTML report (cached on the analysis key and the plans' fingerprint)."""
    return html_report(_survey, _analysis, plans=_plans, title=title).encode("utf-8")


@st.cache_data(show_spinner="Building the Excel workbook…", max_entries=8)
def report_xlsx(key: tuple, plans_key: str, _survey, _analysis, _plans) -> bytes:
    """The Excel workbook of every table (cached like :func:`report_html`)."""
    return excel_report(_survey, _analysis, _plans)


# ---------------------------------------------------------------- UI pieces (sidebar and Saved page)


def show_link(sid: str) -> None:
    """The share link in a copyable code block."""
    st.code(share_link(sid), language=None, wrap_lines=True)


def save_panel(v, where: str) -> str | None:
    """Name + optional password + Save button for the survey in use; shows the share link.
    ``where`` makes the widget keys unique (``sidebar`` or ``page``). Returns a new id when saved."""
    sid = active_saved_id()
    if sid:
        st.caption("Share link (this page, these filters and this data; works after a restart):")
        show_link(sid)
    default = (v.source_label.split(": ", 1)[-1] if v.source_label else "") or "Survey"
    name = st.text_input("Name", key=state.SAVE_NAME_PREFIX + where, placeholder=default[:200], max_chars=200)
    password = st.text_input("Password (optional)", type="password", key=state.SAVE_PASSWORD_PREFIX + where,
                             help="Whoever opens the link must enter it. Stored only as a salted Argon2id hash.")
    label = "Save as a new saved survey" if sid else "Save and get a share link"
    if st.button(label, key=f"save_button_{where}", icon=":material/save:"):
        try:
            new = save_survey(v, (name or "").strip() or default[:200], password or None)
        except SurveyError as exc:
            st.error(str(exc))
            return None
        st.success("Saved. Anyone with this link sees this view:")
        show_link(new)
        return new
    return None
