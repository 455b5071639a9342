"""Saved surveys: one small storage interface over SQLite (default) or PostgreSQL.

A *saved survey* is a name, an owner (``None`` when the app runs without login), created and
updated timestamps, an optional password hash, and a payload: the tidy tables of a
:class:`~cycle_analytics.dataset.Survey` (``ratings``, ``responses``, ``rejected``) as Parquet,
the :class:`~cycle_analytics.dataset.DatasetInfo`, the cycle, the import options and the outcome
choice as JSON, the action plans (see :mod:`cycle_analytics.outputs.plans`), the saved view (filters)
and the alert rules (:class:`cycle_analytics.stats.alerts.AlertRules`, kept in the ``meta`` JSON).

Backends
--------
* **SQLite** (default): one file under the data folder (:func:`data_dir`:
  ``$CYCLE_ANALYTICS_DATA_DIR``, else ``./var``), standard-library :mod:`sqlite3`, WAL journal (readers never block the writer),
  ``synchronous=NORMAL`` (a crash of the app never corrupts or half-writes a save) and
  ``secure_delete`` (deleted surveys are overwritten with zeros in the file, not merely unlinked).
* **PostgreSQL** (psycopg 3) when a database URL is given: passed to :func:`open_store` or set in
  ``$CYCLE_ANALYTICS_DATABASE_URL`` (the app reads Streamlit secrets and passes the URL in).

Guarantees
----------
* Ids are ``secrets.token_urlsafe(24)`` (192 random bits, 32 URL-safe characters). An id is
  checked against :data:`~cycle_analytics.storage.secrets.ID_RE` before any query; a malformed id
  and an unknown id raise the same :class:`NotFound` with the same sentence.
* Passwords are stored only as an Argon2id hash (argon2-cffi: memory-hard, salted per hash,
  constant-time verification); see :mod:`cycle_analytics.storage.secrets`.
* The payload is written with :mod:`cycle_analytics.storage.serialise` (Parquet tables, JSON
  descriptions), whose format every earlier save still opens with.
* Every write is one transaction: a crash or an error half-way through a save (even ``kill -9`` of
  the server) leaves the previous version or the new one, never a half. Writes touch only their own
  columns (a rename never undoes a concurrent plan save), so sessions saving at the same time lose
  nothing.
* **Rights**: opening a link grants viewing (with the password when there is one). Changing
  (rename, replace, plans, view, alert rules, password, delete, restore) belongs to the owner: the signed-in
  user who saved it (``as_owner``), or, for a survey saved without login, whoever holds its
  **edit key** (``edit_key``: made by :func:`~cycle_analytics.storage.secrets.new_edit_key`, shown
  once at save time, stored as a hash). A survey from before owners and edit keys has neither and
  is read-only until someone :meth:`Store.claim` s it (signed in: they become its owner; else a
  new edit key is set).
* **Trash**: :meth:`Store.delete` moves a survey to the trash; its link then answers like an
  unknown one. :meth:`Store.restore` brings it back within :data:`TRASH_DAYS` days; after that, or
  with :meth:`Store.purge`, it is deleted for good (the data is overwritten in SQLite).
* **Audit**: saves, renames, replacements, deletions, restores, claims and purges are recorded in
  the store with the time and who did it (:meth:`Store.audit`).
* **Versions**: every change bumps the survey's ``version``; :meth:`Store.status` reads it with one
  small query, so a server caching a loaded survey notices a replacement made by another server at
  the next page load.
* **Passwords** are rate-limited per survey and per client (:mod:`cycle_analytics.storage.attempts`;
  the failures live in the store, shared by every server): :class:`TooManyAttempts` says when to
  try again.

Examples
--------
>>> import tempfile, pathlib
>>> from cycle_analytics.dataset import DatasetInfo, Survey
>>> from cycle_analytics.scales import Scale
>>> import pandas as pd
>>> ids = pd.Index(["a", "b"], dtype="str")
>>> ratings = pd.DataFrame({"response_id": pd.Categorical.from_codes([0, 1], categories=ids),
...                         "stage": pd.Categorical(["Wait", "Wait"], ordered=True), "score": [4.0, 2.0]})
>>> responses = pd.DataFrame({"response_id": pd.Categorical.from_codes([0, 1], categories=ids)})
>>> info = DatasetInfo("long", 2, 2, 0, 2, 2, Scale(1, 5), ("Wait",))
>>> survey = Survey(ratings, responses, pd.DataFrame({"row": [], "reason": []}), info)
>>> store = open_store(pathlib.Path(tempfile.mkdtemp()) / "demo.sqlite3")
>>> sid = store.save(survey, "Branch survey")
>>> store.load(sid).survey.ratings.score.tolist()
[4.0, 2.0]
>>> store.load("not-an-id")
Traceback (most recent call last):
...
cycle_analytics.storage.errors.NotFound: There is no saved survey at this link.

Without login, the edit key made at save time is what allows changes:

>>> key = new_edit_key()
>>> sid = store.save(survey, "Open survey", edit_key=key)
>>> store.rename(sid, "Renamed")
Traceback (most recent call last):
...
cycle_analytics.storage.errors.NeedsEditKey: Only whoever saved this survey can change or delete it: enter the edit key shown when it was saved.
>>> store.rename(sid, "Renamed", edit_key=key)  # the new version
2
>>> store.delete(sid, edit_key=key); store.restore(sid, edit_key=key); store.load(sid).name
'Renamed'
>>> [r.action for r in store.audit(sid, edit_key=key)]
['save', 'rename', 'delete', 'restore']
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cycle_analytics.dataset import ImportOptions, OutcomeSpec, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.storage.attempts import AttemptPolicy, client_wait, survey_wait
from cycle_analytics.storage.errors import (NeedsEditKey, NotFound, NotOwner, PasswordRequired, TooManyAttempts, Unclaimed,
                                            WrongPassword)
from cycle_analytics.storage.secrets import (ID_RE, edit_key_hash, edit_key_matches, hash_password, new_edit_key, new_id,
                                             validate_id, validate_password, verify_password)
from cycle_analytics.stats.alerts import AlertRules
from cycle_analytics.storage.serialise import (
    alert_rules_from_dict,
    alert_rules_to_dict,
    json_text,
    options_from_dict,
    options_to_dict,
    outcome_from_dict,
    outcome_to_dict,
    plans_from_bytes,
    plans_to_bytes,
    survey_from_parts,
    survey_parts,
    validate_survey,
)

ENV_URL = "CYCLE_ANALYTICS_DATABASE_URL"
ENV_DATA_DIR = "CYCLE_ANALYTICS_DATA_DIR"
DEFAULT_FILE = "cycle_analytics.sqlite3"
MAX_NAME = 200
TRASH_DAYS = 30
MAX_CLIENT = 200  # characters of a client id kept with a wrong password


# ---------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class _SavedHeader:
    """The fields every saved-survey result starts with (one ``saved_survey`` row, nothing secret)."""

    id: str
    name: str
    owner: str | None
    created: dt.datetime
    updated: dt.datetime
    protected: bool


@dataclass(frozen=True)
class SavedEntry(_SavedHeader):
    """One line of :meth:`Store.list_saved` / :meth:`Store.list_trash` (no payload, nothing secret).

    ``has_edit_key``: saved without login with an edit key; ``deleted``: when it went to the trash
    (``None`` when it is not in the trash).
    """

    respondents: int
    ratings: int
    has_edit_key: bool = False
    version: int = 1
    deleted: dt.datetime | None = None

    @property
    def claimable(self) -> bool:
        """No owner and no edit key: saved before either existed, read-only until claimed."""
        return self.owner is None and not self.has_edit_key


@dataclass(frozen=True)
class SavedSurvey(_SavedHeader):
    """A saved survey as loaded: the survey itself and what was saved with it."""

    survey: Survey
    plans: pd.DataFrame
    view: dict = field(default_factory=dict)
    options: ImportOptions | None = None
    outcome: OutcomeSpec | None = None
    version: int = 1
    has_edit_key: bool = False
    alert_rules: AlertRules | None = None  # None: saved without alert rules (the defaults apply)


@dataclass(frozen=True)
class SavedStatus:
    """What :meth:`Store.status` says of a saved survey (one small query, no payload)."""

    protected: bool
    version: int
    owner: str | None
    has_edit_key: bool


@dataclass(frozen=True)
class AuditRecord:
    """One line of a saved survey's history: when, what (``save``, ``rename``, ``replace``,
    ``plans``, ``view``, ``alerts``, ``password``, ``delete``, ``restore``, ``claim``, ``purge``), by whom
    (the signed-in user, ``"edit key"`` or ``None``) and a short detail (a rename's old and new name)."""

    at: dt.datetime
    action: str
    actor: str | None
    detail: str


# ---------------------------------------------------------------------------------------------
# validation of the store's own inputs (ids, passwords and surveys: secrets.py, serialise.py)


def _validate_name(name: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise SurveyError(_("A saved survey needs a name that is not empty."))
    if len(name.strip()) > MAX_NAME:
        raise SurveyError(_("The name of a saved survey can have at most {MAX_NAME} characters, not {n}.").format(MAX_NAME=MAX_NAME, n=len(name.strip())))


def _validate_owner(owner: Any) -> None:
    if owner is not None and (not isinstance(owner, str) or not owner.strip()):
        raise SurveyError(_("The owner of a saved survey must be a non-empty text (the login's user id) or None."))


def _validate_client(client: Any) -> str:
    """The client id of a password try as stored (``"unknown"`` when not given)."""
    if client is None or (isinstance(client, str) and not client.strip()):
        return "unknown"
    if not isinstance(client, str):
        raise SurveyError(_("The client of a password try must be a text (its address) or None."))
    return client.strip()[:MAX_CLIENT]


def _validate_view(view: Any) -> None:
    if view is not None and not isinstance(view, Mapping):
        raise SurveyError(_("The saved view must be a mapping of filter names to values."))


def _saved_meta(parts: Iterator[tuple[str, bytes]], options: ImportOptions | None, outcome: OutcomeSpec | None,
                alerts: dict | None = None) -> str:
    """The ``meta`` column: the survey's meta part (taken off ``parts``), the import options, the
    outcome and the alert rules (:func:`~cycle_analytics.storage.serialise.alert_rules_to_dict`)."""
    _, meta_bytes = next(parts)
    meta = {"survey": json.loads(meta_bytes), "options": options_to_dict(options), "outcome": outcome_to_dict(outcome)}
    if alerts is not None:
        meta["alerts"] = alerts
    return json_text(meta)


# ---------------------------------------------------------------------------------------------
# the store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _mask_url(url: str) -> str:
    return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)


_DDL = (
    """CREATE TABLE IF NOT EXISTS saved_survey (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        owner TEXT,
        created_at {ts} NOT NULL,
        updated_at {ts} NOT NULL,
        password_hash TEXT,
        respondents BIGINT NOT NULL,
        ratings BIGINT NOT NULL,
        meta TEXT NOT NULL,
        view TEXT NOT NULL,
        plans {blob}
    )""",
    """CREATE TABLE IF NOT EXISTS saved_table (
        survey_id TEXT NOT NULL REFERENCES saved_survey(id) ON DELETE CASCADE,
        part TEXT NOT NULL,
        data {blob} NOT NULL,
        PRIMARY KEY (survey_id, part)
    )""",
    "CREATE INDEX IF NOT EXISTS saved_survey_owner ON saved_survey (owner)",
    """CREATE TABLE IF NOT EXISTS saved_audit (
        survey_id TEXT NOT NULL,
        at {ts} NOT NULL,
        action TEXT NOT NULL,
        actor TEXT,
        detail TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS saved_audit_survey ON saved_audit (survey_id, at)",
    """CREATE TABLE IF NOT EXISTS saved_attempt (
        survey_id TEXT NOT NULL,
        client TEXT NOT NULL,
        at {ts} NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS saved_attempt_survey ON saved_attempt (survey_id, at)",
)
# Columns added after the first release (stores created earlier get them on open).
_ADDED_COLUMNS = (
    ("edit_key_hash", "TEXT"),
    ("deleted_at", "{ts}"),
    ("version", "BIGINT NOT NULL DEFAULT 1"),
)
_ROW_COLUMNS = "name, owner, created_at, updated_at, password_hash, meta, view, plans, edit_key_hash, version, deleted_at"


class Store:
    """Saved surveys in one database; thread-safe (one connection per operation).

    Use :func:`open_store` to get one. On the changing methods, ``as_owner`` is the signed-in user
    (``None`` when the app runs without login) and ``edit_key`` the survey's edit key; see the module
    docstring for the rights. ``password`` is accepted for callers that pass what they have; a
    password grants viewing, never changing.
    """

    backend = "abstract"
    attempt_policy = AttemptPolicy()

    # -- backend hooks --------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    @contextmanager
    def _read(self) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def _sql(self, text: str) -> str:
        return text

    def _ts_in(self, t: dt.datetime):
        return t

    def _ts_out(self, v) -> dt.datetime:
        return v

    _for_update = ""

    def _create_schema(self) -> None:
        with self._write() as cur:
            for stmt in _DDL:
                cur.execute(stmt.format(ts=self._ts_type, blob=self._blob_type))
            self._add_columns(cur)

    def _add_columns(self, cur) -> None:  # pragma: no cover - per backend
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------------------------
    def _row(self, cur, sid: str, *, lock: bool = True, trashed: bool = False):
        """The survey's row (locked for the rest of a write transaction), or :class:`NotFound`.

        A survey in the trash is not found, unless ``trashed`` (then only a survey in the trash is).
        Columns: :data:`_ROW_COLUMNS`.
        """
        cur.execute(self._sql(f"SELECT {_ROW_COLUMNS} FROM saved_survey WHERE id = %s" + (self._for_update if lock else "")), (sid,))
        row = cur.fetchone()
        if row is None or (row[10] is not None) != trashed:
            raise NotFound()
        return row

    def _authorise_read(self, sid: str, password_hash: str | None, password: str | None, client: str | None = None) -> None:
        if password_hash is None:
            return
        if password is None or password == "":
            raise PasswordRequired()
        client_id = _validate_client(client)
        self._validate_attempts(sid, client_id)
        if not isinstance(password, str) or not verify_password(password_hash, password):
            self._record_attempt(sid, client_id)
            raise WrongPassword()
        self._clear_attempts(sid, client_id)

    @staticmethod
    def _authorise_change(row, as_owner: str | None, edit_key: str | None) -> str:
        """Allow a change of ``row``'s survey or raise :class:`NotOwner`; returns the actor for the audit."""
        owner, key_hash = row[1], row[8]
        if owner is not None:
            if as_owner != owner:
                raise NotOwner()
            return owner
        if key_hash is not None:
            if not edit_key_matches(key_hash, edit_key):
                raise NeedsEditKey()
            return as_owner or "edit key"
        raise Unclaimed()

    def _audit(self, cur, sid: str, action: str, actor: str | None, detail: str = "") -> None:
        cur.execute(self._sql("INSERT INTO saved_audit (survey_id, at, action, actor, detail) VALUES (%s, %s, %s, %s, %s)"),
                    (sid, self._ts_in(_now()), action, actor, detail))

    def _touch(self, cur, sid: str, sets: str = "", args: tuple = ()) -> int:
        """``UPDATE`` the survey: ``sets`` (``"name = %s, "``...) plus a new ``updated_at`` and
        ``version``; returns the new version."""
        cur.execute(self._sql(f"UPDATE saved_survey SET {sets}updated_at = %s, version = version + 1 WHERE id = %s"),
                    (*args, self._ts_in(_now()), sid))
        cur.execute(self._sql("SELECT version FROM saved_survey WHERE id = %s"), (sid,))
        return int(cur.fetchone()[0])

    def _write_tables(self, cur, sid: str, parts: Iterator[tuple[str, bytes]]) -> None:
        """Write the table parts one by one (each serialised just before it is written)."""
        for name, data in parts:
            cur.execute(
                self._sql("INSERT INTO saved_table (survey_id, part, data) VALUES (%s, %s, %s) "
                          "ON CONFLICT (survey_id, part) DO UPDATE SET data = excluded.data"),
                (sid, name, data),
            )

    # -- password attempts ----------------------------------------------------------------------
    def _epoch(self, v) -> float:
        return self._ts_out(v).timestamp()

    def _validate_attempts(self, sid: str, client: str) -> None:
        """Raise :class:`TooManyAttempts` while ``client`` (or everyone) must wait before another password try."""
        policy = self.attempt_policy
        since = self._ts_in(_now() - dt.timedelta(seconds=max(policy.window, policy.survey_window)))
        with self._read() as cur:
            cur.execute(self._sql("SELECT client, at FROM saved_attempt WHERE survey_id = %s AND at > %s"), (sid, since))
            rows = cur.fetchall()
        now = time.time()
        everyone = survey_wait([self._epoch(at) for _, at in rows], now, policy)
        if everyone > 0:
            raise TooManyAttempts(everyone, everyone=True)
        mine = client_wait([self._epoch(at) for c, at in rows if c == client], now, policy)
        if mine > 0:
            raise TooManyAttempts(mine)

    def _record_attempt(self, sid: str, client: str) -> None:
        with self._write() as cur:
            cur.execute(self._sql("INSERT INTO saved_attempt (survey_id, client, at) VALUES (%s, %s, %s)"),
                        (sid, client, self._ts_in(_now())))
            cur.execute(self._sql("DELETE FROM saved_attempt WHERE at < %s"),
                        (self._ts_in(_now() - dt.timedelta(days=1)),))

    def _clear_attempts(self, sid: str, client: str) -> None:
        with self._write() as cur:
            cur.execute(self._sql("DELETE FROM saved_attempt WHERE survey_id = %s AND client = %s"), (sid, client))

    # -- public interface -----------------------------------------------------------------------
    def save(
        self,
        survey: Survey,
        name: str,
        *,
        owner: str | None = None,
        password: str | None = None,
        plans: pd.DataFrame | None = None,
        view: Mapping | None = None,
        options: ImportOptions | None = None,
        outcome: OutcomeSpec | None = None,
        edit_key: str | None = None,
        alert_rules: AlertRules | None = None,
    ) -> str:
        """Save ``survey`` under ``name`` as a new saved survey; returns its new id.

        Parameters
        ----------
        survey : Survey
            The imported survey (its tidy tables, info and cycle are saved).
        name : str
            Display name (1 to 200 characters).
        owner : str, optional
            The signed-in user's id; ``None`` when the app runs without login.
        password : str, optional
            Protects opening the survey; stored only as an Argon2id hash.
        plans : DataFrame, optional
            Action plans (:mod:`cycle_analytics.outputs.plans` columns); validated before saving.
        view : mapping, optional
            The view to restore (filters, outcome, stage), JSON-serialisable.
        options, outcome : ImportOptions, OutcomeSpec, optional
            The import options (column mapping, N/A codes, ...) and the outcome choice.
        edit_key : str, optional
            For a survey saved without login: the key that will allow changing it
            (:func:`~cycle_analytics.storage.secrets.new_edit_key`; show it to the saver once).
            Without an owner and without a key, nobody can change the survey until it is claimed.
        alert_rules : AlertRules, optional
            The survey's alert rules (:mod:`cycle_analytics.stats.alerts`); ``None``: the defaults.

        Returns
        -------
        str
            The new id (see the module docstring for an example).
        """
        _validate_name(name)
        _validate_owner(owner)
        validate_password(password)
        validate_survey(survey)
        _validate_view(view)
        key_hash = edit_key_hash(edit_key) if edit_key is not None else None
        sid = new_id()
        pw_hash = hash_password(password) if password is not None else None
        plans_blob = plans_to_bytes(plans, survey.stages)
        alerts = alert_rules_to_dict(alert_rules)
        now = self._ts_in(_now())
        with self._write() as cur:
            parts = survey_parts(survey)
            meta = _saved_meta(parts, options, outcome, alerts)
            cur.execute(
                self._sql("INSERT INTO saved_survey (id, name, owner, created_at, updated_at, password_hash, respondents, "
                          "ratings, meta, view, plans, edit_key_hash, version) "
                          "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 1)"),
                (sid, name.strip(), owner, now, now, pw_hash, len(survey.responses), len(survey.ratings), meta,
                 json_text(dict(view or {})), plans_blob, key_hash),
            )
            self._write_tables(cur, sid, parts)
            self._audit(cur, sid, "save", owner or ("edit key" if key_hash else None), name.strip())
        return sid

    def load(self, sid: str, *, password: str | None = None, client: str | None = None) -> SavedSurvey:
        """Open a saved survey.

        ``client`` identifies who tries a password (their address), for the rate limit.

        Raises
        ------
        NotFound
            Unknown, malformed or trashed id (the same sentence for all).
        PasswordRequired, WrongPassword
            The survey is protected and no password, or a wrong one, was given.
        TooManyAttempts
            Too many wrong passwords: the sentence says when to try again.
        """
        validate_id(sid)
        with self._read() as cur:
            row = self._row(cur, sid, lock=False)
        self._authorise_read(sid, row[4], password, client)
        with self._read() as cur:
            name, owner, created, updated, pw_hash, meta, view, plans, key_hash, version, _ = self._row(cur, sid, lock=False)
            cur.execute(self._sql("SELECT part, data FROM saved_table WHERE survey_id = %s"), (sid,))
            parts = {p: d for p, d in cur.fetchall()}
        if pw_hash != row[4]:  # the password changed in between: check again
            self._authorise_read(sid, pw_hash, password, client)
        meta = json.loads(meta)
        parts["meta"] = json_text(meta["survey"]).encode("utf-8")
        survey = survey_from_parts(parts)
        return SavedSurvey(
            id=sid,
            name=name,
            owner=owner,
            created=self._ts_out(created),
            updated=self._ts_out(updated),
            protected=pw_hash is not None,
            survey=survey,
            plans=plans_from_bytes(plans, survey.stages),
            view=json.loads(view),
            options=options_from_dict(meta.get("options")),
            outcome=outcome_from_dict(meta.get("outcome")),
            version=int(version),
            has_edit_key=key_hash is not None,
            alert_rules=alert_rules_from_dict(meta.get("alerts")),
        )

    def status(self, sid: str) -> SavedStatus:
        """Whether ``sid`` is protected, its version, owner and whether it has an edit key (raises
        :class:`NotFound` like :meth:`load`): a cheap check before serving a cached copy."""
        validate_id(sid)
        with self._read() as cur:
            cur.execute(self._sql("SELECT password_hash IS NOT NULL, version, owner, edit_key_hash IS NOT NULL "
                                  "FROM saved_survey WHERE id = %s AND deleted_at IS NULL"), (sid,))
            row = cur.fetchone()
        if row is None:
            raise NotFound()
        return SavedStatus(protected=bool(row[0]), version=int(row[1]), owner=row[2], has_edit_key=bool(row[3]))

    def is_protected(self, sid: str) -> bool:
        """Whether opening ``sid`` needs a password (raises :class:`NotFound` like :meth:`load`)."""
        return self.status(sid).protected

    def _entries(self, where: str, args: tuple) -> list[SavedEntry]:
        sql = ("SELECT id, name, owner, created_at, updated_at, password_hash IS NOT NULL, respondents, ratings, "
               "edit_key_hash IS NOT NULL, version, deleted_at FROM saved_survey WHERE " + where)
        with self._read() as cur:
            cur.execute(self._sql(sql + " ORDER BY updated_at DESC, id"), args)
            rows = cur.fetchall()
        return [
            SavedEntry(id=r[0], name=r[1], owner=r[2], created=self._ts_out(r[3]), updated=self._ts_out(r[4]),
                       protected=bool(r[5]), respondents=int(r[6]), ratings=int(r[7]), has_edit_key=bool(r[8]),
                       version=int(r[9]), deleted=None if r[10] is None else self._ts_out(r[10]))
            for r in rows
        ]

    def list_saved(self, owner: str | None = None, *, ids: list[str] | None = None) -> list[SavedEntry]:
        """Saved surveys (not in the trash), most recently updated first: only ``owner``'s, only the
        given ``ids``, or (neither) all of them."""
        _validate_owner(owner)
        return self._listed("deleted_at IS NULL", owner, ids)

    def list_trash(self, owner: str | None = None, *, ids: list[str] | None = None) -> list[SavedEntry]:
        """Surveys in the trash (restorable for :data:`TRASH_DAYS` days): ``owner``'s, or those of
        ``ids`` (a session's surveys without login). Surveys older than that are purged first."""
        _validate_owner(owner)
        self.purge_expired()
        if owner is None and ids is None:
            return []
        return self._listed("deleted_at IS NOT NULL", owner, ids)

    def _listed(self, where: str, owner: str | None, ids: list[str] | None) -> list[SavedEntry]:
        """The entries matching ``where``, narrowed to ``owner``'s and to the well-formed ``ids``."""
        args: tuple = ()
        if owner is not None:
            where, args = where + " AND owner = %s", (owner,)
        if ids is not None:
            ids = [i for i in ids if isinstance(i, str) and ID_RE.fullmatch(i)]
            if not ids:
                return []
            where += " AND id IN (" + ", ".join(["%s"] * len(ids)) + ")"
            args += tuple(ids)
        return self._entries(where, args)

    def rename(self, sid: str, name: str, *, as_owner: str | None = None, edit_key: str | None = None,
               password: str | None = None) -> int:
        """Give saved survey ``sid`` a new name; returns its new version."""
        validate_id(sid)
        _validate_name(name)
        with self._write() as cur:
            row = self._row(cur, sid)
            actor = self._authorise_change(row, as_owner, edit_key)
            version = self._touch(cur, sid, "name = %s, ", (name.strip(),))
            self._audit(cur, sid, "rename", actor, f"{row[0]} → {name.strip()}")
        return version

    def replace_data(
        self,
        sid: str,
        survey: Survey,
        *,
        options: ImportOptions | None = None,
        outcome: OutcomeSpec | None = None,
        as_owner: str | None = None,
        edit_key: str | None = None,
        password: str | None = None,
    ) -> int:
        """Replace the survey data of ``sid`` (name, owner, password, plans, view and alert rules are
        kept); returns its new version."""
        validate_id(sid)
        validate_survey(survey)
        with self._write() as cur:
            row = self._row(cur, sid)
            actor = self._authorise_change(row, as_owner, edit_key)
            parts = survey_parts(survey)
            meta = _saved_meta(parts, options, outcome, json.loads(row[5]).get("alerts"))
            version = self._touch(cur, sid, "meta = %s, respondents = %s, ratings = %s, ",
                                  (meta, len(survey.responses), len(survey.ratings)))
            self._write_tables(cur, sid, parts)
            self._audit(cur, sid, "replace", actor, f"{len(survey.responses):,} respondents")
        return version

    def save_plans(self, sid: str, plans: pd.DataFrame, *, as_owner: str | None = None, edit_key: str | None = None,
                   password: str | None = None) -> int:
        """Replace the action plans of ``sid`` (validated with :func:`cycle_analytics.outputs.plans.validate_plans`);
        returns its new version."""
        validate_id(sid)
        if plans is None:
            raise SurveyError(_("The action plans to save must be a table (DataFrame); use an empty one to clear them."))
        with self._write() as cur:
            row = self._row(cur, sid)
            self._authorise_change(row, as_owner, edit_key)
            blob = plans_to_bytes(plans, json.loads(row[5])["survey"]["info"]["stages"])
            return self._touch(cur, sid, "plans = %s, ", (blob,))

    def save_view(self, sid: str, view: Mapping, *, as_owner: str | None = None, edit_key: str | None = None,
                  password: str | None = None) -> int:
        """Replace the saved view (filters) of ``sid``; returns its new version."""
        validate_id(sid)
        _validate_view(view)
        with self._write() as cur:
            row = self._row(cur, sid)
            self._authorise_change(row, as_owner, edit_key)
            return self._touch(cur, sid, "view = %s, ", (json_text(dict(view)),))

    def save_alert_rules(self, sid: str, rules: AlertRules | None, *, as_owner: str | None = None,
                         edit_key: str | None = None, password: str | None = None) -> int:
        """Replace the alert rules of ``sid`` (``None`` removes them: the defaults apply); returns its
        new version."""
        validate_id(sid)
        alerts = alert_rules_to_dict(rules)
        with self._write() as cur:
            row = self._row(cur, sid)
            actor = self._authorise_change(row, as_owner, edit_key)
            meta = json.loads(row[5])
            meta.pop("alerts", None)
            if alerts is not None:
                meta["alerts"] = alerts
            version = self._touch(cur, sid, "meta = %s, ", (json_text(meta),))
            self._audit(cur, sid, "alerts", actor, ", ".join(rules.enabled()) if rules is not None else "defaults")
        return version

    def set_password(self, sid: str, new_password: str | None, *, as_owner: str | None = None, edit_key: str | None = None,
                     password: str | None = None) -> None:
        """Set, change (``new_password``) or remove (``None``) the password of ``sid``."""
        validate_id(sid)
        validate_password(new_password)
        new_hash = hash_password(new_password) if new_password is not None else None
        with self._write() as cur:
            row = self._row(cur, sid)
            actor = self._authorise_change(row, as_owner, edit_key)
            self._touch(cur, sid, "password_hash = %s, ", (new_hash,))
            self._audit(cur, sid, "password", actor, "set" if new_password is not None else "removed")

    def claim(self, sid: str, *, as_owner: str | None = None, edit_key: str | None = None, password: str | None = None,
              client: str | None = None) -> None:
        """Become the owner of a survey that has none.

        Signed in (``as_owner``): the user becomes its owner (a survey with an edit key needs that
        key). Without login: a survey with neither owner nor edit key gets ``edit_key`` (a new key
        from :func:`~cycle_analytics.storage.secrets.new_edit_key`). A protected survey needs its
        password. Raises :class:`NotOwner` when the survey already has an owner (or the key is wrong).
        """
        validate_id(sid)
        _validate_owner(as_owner)
        with self._read() as cur:
            row = self._row(cur, sid, lock=False)
        self._authorise_read(sid, row[4], password, client)
        with self._write() as cur:
            row = self._row(cur, sid)
            if row[1] is not None:
                raise NotOwner(_("This saved survey already has an owner."))
            if as_owner is not None:
                if row[8] is not None and not edit_key_matches(row[8], edit_key):
                    raise NeedsEditKey()
                self._touch(cur, sid, "owner = %s, ", (as_owner,))
                self._audit(cur, sid, "claim", as_owner, "owner set")
                return
            if row[8] is not None:
                raise NotOwner(_("This saved survey already has an edit key; whoever saved it holds it."))
            self._touch(cur, sid, "edit_key_hash = %s, ", (edit_key_hash(edit_key or ""),))
            self._audit(cur, sid, "claim", "edit key", "edit key set")

    def delete(self, sid: str, *, as_owner: str | None = None, edit_key: str | None = None, password: str | None = None) -> None:
        """Move ``sid`` to the trash (raises :class:`NotFound` when there is no such survey): its
        link answers like an unknown one; :meth:`restore` brings it back within :data:`TRASH_DAYS` days."""
        validate_id(sid)
        with self._write() as cur:
            row = self._row(cur, sid)
            actor = self._authorise_change(row, as_owner, edit_key)
            self._touch(cur, sid, "deleted_at = %s, ", (self._ts_in(_now()),))
            self._audit(cur, sid, "delete", actor, row[0])

    def restore(self, sid: str, *, as_owner: str | None = None, edit_key: str | None = None) -> None:
        """Take ``sid`` out of the trash (raises :class:`NotFound` when it is not there)."""
        validate_id(sid)
        self.purge_expired()
        with self._write() as cur:
            row = self._row(cur, sid, trashed=True)
            actor = self._authorise_change(row, as_owner, edit_key)
            self._touch(cur, sid, "deleted_at = %s, ", (None,))
            self._audit(cur, sid, "restore", actor, row[0])

    def purge(self, sid: str, *, as_owner: str | None = None, edit_key: str | None = None) -> None:
        """Delete ``sid`` for good (it must be in the trash): its data is removed from the store."""
        validate_id(sid)
        with self._write() as cur:
            row = self._row(cur, sid, trashed=True)
            actor = self._authorise_change(row, as_owner, edit_key)
            self._remove(cur, sid)
            self._audit(cur, sid, "purge", actor, row[0])
        self._after_delete()

    def purge_expired(self, now: dt.datetime | None = None) -> int:
        """Delete for good the surveys in the trash for more than :data:`TRASH_DAYS` days; returns how many."""
        cutoff = self._ts_in((now or _now()) - dt.timedelta(days=TRASH_DAYS))
        with self._read() as cur:
            cur.execute(self._sql("SELECT id, name FROM saved_survey WHERE deleted_at IS NOT NULL AND deleted_at < %s"), (cutoff,))
            expired = cur.fetchall()
        for sid, name in expired:
            with self._write() as cur:
                self._remove(cur, sid)
                self._audit(cur, sid, "purge", None, f"{name} (after {TRASH_DAYS} days in the trash)")
        if expired:
            self._after_delete()
        return len(expired)

    def _remove(self, cur, sid: str) -> None:
        cur.execute(self._sql("DELETE FROM saved_table WHERE survey_id = %s"), (sid,))
        cur.execute(self._sql("DELETE FROM saved_attempt WHERE survey_id = %s"), (sid,))
        cur.execute(self._sql("DELETE FROM saved_survey WHERE id = %s"), (sid,))

    def can_change(self, sid: str, *, as_owner: str | None = None, edit_key: str | None = None,
                   trashed: bool = False) -> bool:
        """Whether ``as_owner`` / ``edit_key`` may change ``sid`` (in the trash with ``trashed``);
        raises :class:`NotFound` like :meth:`load`."""
        validate_id(sid)
        with self._read() as cur:
            row = self._row(cur, sid, lock=False, trashed=trashed)
        try:
            self._authorise_change(row, as_owner, edit_key)
        except NotOwner:
            return False
        return True

    def audit(self, sid: str, *, as_owner: str | None = None, edit_key: str | None = None) -> list[AuditRecord]:
        """The history of ``sid`` (oldest first), for whoever may change it (also in the trash)."""
        validate_id(sid)
        with self._read() as cur:
            cur.execute(self._sql(f"SELECT {_ROW_COLUMNS} FROM saved_survey WHERE id = %s"), (sid,))
            row = cur.fetchone()
            if row is None:
                raise NotFound()
            self._authorise_change(row, as_owner, edit_key)
            cur.execute(self._sql("SELECT at, action, actor, detail FROM saved_audit WHERE survey_id = %s ORDER BY at"), (sid,))
            rows = cur.fetchall()
        return [AuditRecord(at=self._ts_out(r[0]), action=r[1], actor=r[2], detail=r[3]) for r in rows]

    def _after_delete(self) -> None:
        pass

    def close(self) -> None:
        """Release resources (connections are per operation; nothing stays open)."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

class SQLiteStore(Store):
    """Saved surveys in one SQLite file (WAL journal, ``secure_delete``)."""

    backend = "sqlite"
    _ts_type = "TEXT"
    _blob_type = "BLOB"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SurveyError(_("The data folder {parent!r} cannot be created: {strerror}.").format(parent=str(self.path.parent), strerror=exc.strerror)) from None
        try:
            con = self._connect()
            con.execute("PRAGMA journal_mode=WAL")
            con.close()
        except sqlite3.DatabaseError as exc:
            raise SurveyError(_("The database file {path!r} cannot be used: {exc}.").format(path=str(self.path), exc=exc)) from None
        self._create_schema()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA secure_delete=ON")
        con.execute("PRAGMA foreign_keys=ON")
        return con

    def _sql(self, text: str) -> str:
        return text.replace("%s", "?")

    def _ts_in(self, t: dt.datetime) -> str:
        return t.isoformat(timespec="microseconds")

    def _ts_out(self, v) -> dt.datetime:
        return dt.datetime.fromisoformat(v)

    @contextmanager
    def _write(self):
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")  # take the write lock now: no deadlock on upgrade
            cur = con.cursor()
            try:
                yield cur
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    @contextmanager
    def _read(self):
        con = self._connect()
        try:
            con.execute("BEGIN")  # one snapshot for every read of the operation
            try:
                yield con.cursor()
            finally:
                con.execute("ROLLBACK")
        finally:
            con.close()

    def _add_columns(self, cur) -> None:
        have = {r[1] for r in cur.execute("PRAGMA table_info(saved_survey)").fetchall()}
        for name, kind in _ADDED_COLUMNS:
            if name not in have:
                cur.execute(f"ALTER TABLE saved_survey ADD COLUMN {name} {kind.format(ts=self._ts_type)}")

    def _after_delete(self) -> None:
        # Move the zeroed pages out of the write-ahead log too (best effort: readers may hold it).
        con = self._connect()
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()


class PostgresStore(Store):
    """Saved surveys in PostgreSQL (psycopg 3)."""

    backend = "postgres"
    _ts_type = "TIMESTAMPTZ"
    _blob_type = "BYTEA"
    _for_update = " FOR UPDATE"

    def __init__(self, url: str) -> None:
        # psycopg is imported by PostgreSQL stores only (here and in _connect/_read): importing it
        # costs ~110 ms, which every start with the default SQLite store would otherwise pay.
        try:
            import psycopg  # noqa: F401
        except ImportError:  # pragma: no cover - psycopg is a requirement
            raise SurveyError(_("PostgreSQL storage needs the psycopg package (pip install 'psycopg[binary]').")) from None
        self.url = url
        try:
            self._create_schema()
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SurveyError(_("The database at {mask_url} cannot be reached: {first}.").format(mask_url=_mask_url(url), first=first)) from None

    def __repr__(self) -> str:
        return f"PostgresStore({_mask_url(self.url)!r})"

    def _connect(self):
        import psycopg

        return psycopg.connect(self.url, connect_timeout=30)

    def _create_schema(self) -> None:
        # Several processes may start at once: serialise the CREATE statements with an advisory lock.
        with self._write() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(72130401)")
            for stmt in _DDL:
                cur.execute(stmt.format(ts=self._ts_type, blob=self._blob_type))
            self._add_columns(cur)

    def _add_columns(self, cur) -> None:
        for name, kind in _ADDED_COLUMNS:
            cur.execute(f"ALTER TABLE saved_survey ADD COLUMN IF NOT EXISTS {name} {kind.format(ts=self._ts_type)}")

    @contextmanager
    def _write(self):
        with self._connect() as con:  # commits on success, rolls back on an exception
            with con.cursor() as cur:
                yield cur

    @contextmanager
    def _read(self):
        import psycopg

        with self._connect() as con:
            con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            con.read_only = True
            with con.cursor() as cur:
                yield cur

    def _ts_out(self, v) -> dt.datetime:
        return v.astimezone(dt.timezone.utc)


def data_dir(default: str | Path = "var") -> Path:
    """The folder where saved data lives: ``$CYCLE_ANALYTICS_DATA_DIR`` (:data:`ENV_DATA_DIR`) when
    set and not empty, else ``default`` (``./var``).

    >>> data_dir("elsewhere") == Path(os.environ.get(ENV_DATA_DIR) or "elsewhere")
    True
    """
    folder = os.environ.get(ENV_DATA_DIR)
    return Path(folder) if folder else Path(default)


def default_sqlite_path() -> Path:
    """``$CYCLE_ANALYTICS_DATA_DIR/cycle_analytics.sqlite3``, else ``./var/cycle_analytics.sqlite3``."""
    return data_dir() / DEFAULT_FILE


def open_store(url_or_path: str | Path | None = None) -> Store:
    """The store for a database URL or SQLite path.

    Parameters
    ----------
    url_or_path : str or Path, optional
        ``postgresql://...`` (or ``postgres://``) for PostgreSQL; ``sqlite:///path``, a file path,
        or a folder (the file :data:`DEFAULT_FILE` inside it) for SQLite. ``None``: the URL in
        ``$CYCLE_ANALYTICS_DATABASE_URL`` when set, else :func:`default_sqlite_path`.

    Examples
    --------
    >>> import tempfile
    >>> open_store(tempfile.mkdtemp()).backend
    'sqlite'
    """
    target = url_or_path
    if target is None or (isinstance(target, str) and not target.strip()):
        target = os.environ.get(ENV_URL, "").strip() or default_sqlite_path()
    if isinstance(target, str):
        t = target.strip()
        if re.match(r"postgres(ql)?(\+\w+)?://", t, re.I):
            return PostgresStore(re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", t, flags=re.I))
        if t.lower().startswith("sqlite://"):
            # SQLAlchemy's convention: sqlite:///relative/file.db, sqlite:////absolute/file.db
            t = t[len("sqlite://"):]
            t = t[1:] if t.startswith("/") else t
            if not t:
                raise SurveyError(_("The sqlite:// database URL names no file."))
        elif re.match(r"[a-z][a-z0-9+.-]*://", t, re.I):
            raise SurveyError(_("The database URL must start with postgresql:// or sqlite://, not {mask_url!r}.").format(mask_url=_mask_url(t)))
        target = Path(t)
    path = Path(target)
    if path.is_dir() or (not path.suffix and not path.exists()):
        path = path / DEFAULT_FILE
    return SQLiteStore(path)
