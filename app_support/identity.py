"""Whose memory is this: the owner of what the app remembers between sessions (the stage-mapping memory).

With login on, the owner is the signed-in user (``user:<e-mail>``); without login it is the browser
(``browser:<random id>``), kept in a first-party cookie (:data:`BROWSER_COOKIE`, one year, no
personal data: 32 random hexadecimal characters). A browser without the cookie gets a new id, which
a small script writes to the cookie, so its next session finds the same memory; another browser, or
another user, never does.
"""

from __future__ import annotations

import re
import secrets

import streamlit as st

from . import sharing, state

BROWSER_COOKIE = "sca_browser"
_BROWSER_ID = re.compile(r"^[0-9a-f]{32}$")
_COOKIE_DAYS = 365


def browser_id() -> str:
    """This browser's id: from this session, else the cookie, else a new one (and the cookie is set)."""
    ss = st.session_state
    known = ss.get(state.BROWSER_ID)
    if isinstance(known, str) and _BROWSER_ID.match(known):
        return known
    try:
        cookie = st.context.cookies.get(BROWSER_COOKIE)
    except Exception:  # noqa: BLE001 - no browser connection (bare script run)
        cookie = None
    if isinstance(cookie, str) and _BROWSER_ID.match(cookie):
        ss[state.BROWSER_ID] = cookie
        return cookie
    new = secrets.token_hex(16)
    ss[state.BROWSER_ID] = new
    _set_cookie(new)
    return new


def _set_cookie(value: str) -> None:
    """Write the browser id to :data:`BROWSER_COOKIE` (a script run once in the page; draws nothing)."""
    # The value is 32 hexadecimal characters made here, never user text.
    st.html(
        "<script>document.cookie = '" + BROWSER_COOKIE + "=" + value + "; path=/; max-age="
        + str(_COOKIE_DAYS * 86400) + "; SameSite=Lax' + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True, width="content",
    )


def memory_owner() -> str:
    """The owner of the mapping memory: ``user:<e-mail>`` with login, else ``browser:<id>``."""
    user = sharing.current_user()
    return f"user:{user}" if user else f"browser:{browser_id()}"
