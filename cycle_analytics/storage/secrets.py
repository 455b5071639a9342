"""Ids and passwords of saved surveys: unguessable ids, their validation, Argon2id password hashes.

* Ids are ``secrets.token_urlsafe(24)`` (192 random bits, 32 URL-safe characters). An id is
  checked against :data:`ID_RE` before any query; a malformed id raises the same
  :class:`~cycle_analytics.storage.errors.NotFound` as an unknown one.
* Passwords are stored only as an Argon2id hash (argon2-cffi: memory-hard, salted per hash,
  constant-time verification).

Examples
--------
>>> validate_id(new_id())
>>> validate_id("../../etc/passwd")
Traceback (most recent call last):
...
cycle_analytics.storage.errors.NotFound: There is no saved survey at this link.
"""

from __future__ import annotations

import re
import secrets
import threading
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cycle_analytics.errors import SurveyError
from cycle_analytics.storage.errors import NotFound

ID_BYTES = 24
ID_RE = re.compile(r"[A-Za-z0-9_-]{32}")

_hasher_lock = threading.Lock()
_hasher: PasswordHasher | None = None  # created on first use (tests put a cheaper one here)


def new_id() -> str:
    """A fresh unguessable id (192 random bits, URL-safe).

    >>> bool(ID_RE.fullmatch(new_id()))
    True
    """
    return secrets.token_urlsafe(ID_BYTES)


def validate_id(sid: Any) -> None:
    """Raise :class:`~cycle_analytics.storage.errors.NotFound` unless ``sid`` has the form of an id."""
    if not (isinstance(sid, str) and ID_RE.fullmatch(sid)):
        raise NotFound()


def validate_password(password: Any) -> None:
    """Raise :class:`SurveyError` unless ``password`` is a non-empty text or None (no password)."""
    if password is not None and (not isinstance(password, str) or password == ""):
        raise SurveyError("A password must be a non-empty text (or None for no password).")


def _password_hasher() -> PasswordHasher:
    global _hasher
    with _hasher_lock:
        if _hasher is None:
            _hasher = PasswordHasher()  # RFC 9106 "low memory" profile: Argon2id, 64 MiB, t=3, p=4
        return _hasher


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (salted; the salt and parameters live in the string)."""
    validate_password(password)
    return _password_hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """``True`` when ``password`` matches ``stored_hash`` (constant-time comparison in argon2)."""
    try:
        return bool(_password_hasher().verify(stored_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
