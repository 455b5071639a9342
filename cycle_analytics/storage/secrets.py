"""Ids, passwords and edit keys of saved surveys: unguessable ids, their validation, Argon2id
password hashes, and the edit key's hash.

* Ids are ``secrets.token_urlsafe(24)`` (192 random bits, 32 URL-safe characters). An id is
  checked against :data:`ID_RE` before any query; a malformed id raises the same
  :class:`~cycle_analytics.storage.errors.NotFound` as an unknown one.
* Passwords are stored only as an Argon2id hash (argon2-cffi: memory-hard, salted per hash,
  constant-time verification).
* An *edit key* (:func:`new_edit_key`, 192 random bits like an id) is what lets whoever saved a
  survey without login rename, replace or delete it; the share link never holds it. It is shown
  once, at save time, and stored only as its SHA-256 (:func:`edit_key_hash`): a random secret of
  that length needs no slow hash, and the comparison is constant-time (:func:`edit_key_matches`).

Examples
--------
>>> validate_id(new_id())
>>> validate_id("../../etc/passwd")
Traceback (most recent call last):
...
cycle_analytics.storage.errors.NotFound: There is no saved survey at this link.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
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
        raise SurveyError(_("A password must be a non-empty text (or None for no password)."))


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


def new_edit_key() -> str:
    """A fresh edit key (192 random bits, URL-safe; 32 characters).

    >>> len(new_edit_key())
    32
    """
    return secrets.token_urlsafe(ID_BYTES)


def edit_key_hash(key: str) -> str:
    """The stored form of an edit key (SHA-256, hexadecimal); raises :class:`SurveyError` for an empty key."""
    if not isinstance(key, str) or not key.strip():
        raise SurveyError(_("An edit key must be a non-empty text."))
    return hashlib.sha256(key.strip().encode("utf-8")).hexdigest()


def edit_key_matches(stored_hash: str | None, key: Any) -> bool:
    """Whether ``key`` is the edit key of ``stored_hash`` (constant-time; ``False`` for no key or no hash).

    >>> k = new_edit_key()
    >>> edit_key_matches(edit_key_hash(k), k), edit_key_matches(edit_key_hash(k), k[:-1] + "!"), edit_key_matches(None, k)
    (True, False, False)
    """
    if not stored_hash or not isinstance(key, str) or not key.strip():
        return False
    return hmac.compare_digest(stored_hash, hashlib.sha256(key.strip().encode("utf-8")).hexdigest())
