"""Saved surveys: one small storage interface over SQLite (default) or PostgreSQL.

A *saved survey* is a name, an owner (``None`` when the app runs without login), created and
updated timestamps, an optional password hash, and a payload: the tidy tables of a
:class:`~cycle_analytics.dataset.Survey` (``ratings``, ``responses``, ``rejected``) as Parquet,
the :class:`~cycle_analytics.dataset.DatasetInfo`, the cycle, the import options and the outcome
choice as JSON, the action plans (see :mod:`cycle_analytics.outputs.plans`) and the saved view (filters).

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
* Every write is one transaction: a crash or an error half-way through a save leaves the previous
  version intact. Writes touch only their own columns (a rename never undoes a concurrent plan
  save), so sessions saving at the same time lose nothing.
* Owner rule for changes (rename, replace, plans, password, delete): a survey with an owner can be
  changed only by that owner (``as_owner``); a survey without an owner by anyone who can open it
  (so its password is needed when it has one).

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
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cycle_analytics.dataset import ImportOptions, OutcomeSpec, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.storage.errors import NotFound, NotOwner, PasswordRequired, WrongPassword
from cycle_analytics.storage.secrets import hash_password, new_id, validate_id, validate_password, verify_password
from cycle_analytics.storage.serialise import (
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
    """One line of :meth:`Store.list_saved` (no payload, nothing secret)."""

    respondents: int
    ratings: int


@dataclass(frozen=True)
class SavedSurvey(_SavedHeader):
    """A saved survey as loaded: the survey itself and what was saved with it."""

    survey: Survey
    plans: pd.DataFrame
    view: dict = field(default_factory=dict)
    options: ImportOptions | None = None
    outcome: OutcomeSpec | None = None


# ---------------------------------------------------------------------------------------------
# validation of the store's own inputs (ids, passwords and surveys: secrets.py, serialise.py)


def _validate_name(name: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise SurveyError("A saved survey needs a name that is not empty.")
    if len(name.strip()) > MAX_NAME:
        raise SurveyError(f"The name of a saved survey can have at most {MAX_NAME} characters, not {len(name.strip())}.")


def _validate_owner(owner: Any) -> None:
    if owner is not None and (not isinstance(owner, str) or not owner.strip()):
        raise SurveyError("The owner of a saved survey must be a non-empty text (the login's user id) or None.")


def _validate_view(view: Any) -> None:
    if view is not None and not isinstance(view, Mapping):
        raise SurveyError("The saved view must be a mapping of filter names to values.")


def _saved_meta(parts: Iterator[tuple[str, bytes]], options: ImportOptions | None, outcome: OutcomeSpec | None) -> str:
    """The ``meta`` column: the survey's meta part (taken off ``parts``), the import options and the outcome."""
    _, meta_bytes = next(parts)
    return json_text({"survey": json.loads(meta_bytes), "options": options_to_dict(options), "outcome": outcome_to_dict(outcome)})


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
)


class Store:
    """Saved surveys in one database; thread-safe (one connection per operation).

    Use :func:`open_store` to get one. ``as_owner`` on the changing methods is the signed-in user
    (``None`` when the app runs without login); see the module docstring for the owner rule.
    """

    backend = "abstract"

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

    # -- helpers --------------------------------------------------------------------------------
    def _row(self, cur, sid: str, *, lock: bool = True):
        """The survey's row (locked for the rest of a write transaction), or :class:`NotFound`."""
        cur.execute(self._sql("SELECT name, owner, created_at, updated_at, password_hash, meta, view, plans "
                              "FROM saved_survey WHERE id = %s" + (self._for_update if lock else "")), (sid,))
        row = cur.fetchone()
        if row is None:
            raise NotFound()
        return row

    @staticmethod
    def _authorise_read(password_hash: str | None, password: str | None) -> None:
        if password_hash is None:
            return
        if password is None or password == "":
            raise PasswordRequired()
        if not isinstance(password, str) or not verify_password(password_hash, password):
            raise WrongPassword()

    def _authorise_change(self, owner: str | None, password_hash: str | None, as_owner: str | None, password: str | None) -> None:
        if owner is not None:
            if as_owner != owner:
                raise NotOwner()
            return  # the signed-in owner needs no password
        self._authorise_read(password_hash, password)

    def _write_tables(self, cur, sid: str, parts: Iterator[tuple[str, bytes]]) -> None:
        """Write the table parts one by one (each serialised just before it is written)."""
        for name, data in parts:
            cur.execute(
                self._sql("INSERT INTO saved_table (survey_id, part, data) VALUES (%s, %s, %s) "
                          "ON CONFLICT (survey_id, part) DO UPDATE SET data = excluded.data"),
                (sid, name, data),
            )

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
        sid = new_id()
        pw_hash = hash_password(password) if password is not None else None
        plans_blob = plans_to_bytes(plans, survey.stages)
        now = self._ts_in(_now())
        with self._write() as cur:
            parts = survey_parts(survey)
            meta = _saved_meta(parts, options, outcome)
            cur.execute(
                self._sql("INSERT INTO saved_survey (id, name, owner, created_at, updated_at, password_hash, respondents, "
                          "ratings, meta, view, plans) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"),
                (sid, name.strip(), owner, now, now, pw_hash, len(survey.responses), len(survey.ratings), meta,
                 json_text(dict(view or {})), plans_blob),
            )
            self._write_tables(cur, sid, parts)
        return sid

    def load(self, sid: str, *, password: str | None = None) -> SavedSurvey:
        """Open a saved survey.

        Raises
        ------
        NotFound
            Unknown or malformed id (the same sentence for both).
        PasswordRequired, WrongPassword
            The survey is protected and no password, or a wrong one, was given.
        """
        validate_id(sid)
        with self._read() as cur:
            name, owner, created, updated, pw_hash, meta, view, plans = self._row(cur, sid, lock=False)
            self._authorise_read(pw_hash, password)
            cur.execute(self._sql("SELECT part, data FROM saved_table WHERE survey_id = %s"), (sid,))
            parts = {p: d for p, d in cur.fetchall()}
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
        )

    def is_protected(self, sid: str) -> bool:
        """Whether opening ``sid`` needs a password (raises :class:`NotFound` like :meth:`load`)."""
        validate_id(sid)
        with self._read() as cur:
            return self._row(cur, sid, lock=False)[4] is not None

    def list_saved(self, owner: str | None = None) -> list[SavedEntry]:
        """Saved surveys, most recently updated first: only ``owner``'s, or (``owner=None``, for an
        app without login) all of them."""
        _validate_owner(owner)
        sql = "SELECT id, name, owner, created_at, updated_at, password_hash IS NOT NULL, respondents, ratings FROM saved_survey"
        args: tuple = ()
        if owner is not None:
            sql += " WHERE owner = %s"
            args = (owner,)
        with self._read() as cur:
            cur.execute(self._sql(sql + " ORDER BY updated_at DESC, id"), args)
            rows = cur.fetchall()
        return [
            SavedEntry(id=r[0], name=r[1], owner=r[2], created=self._ts_out(r[3]), updated=self._ts_out(r[4]),
                       protected=bool(r[5]), respondents=int(r[6]), ratings=int(r[7]))
            for r in rows
        ]

    def rename(self, sid: str, name: str, *, as_owner: str | None = None, password: str | None = None) -> None:
        """Give saved survey ``sid`` a new name."""
        validate_id(sid)
        _validate_name(name)
        with self._write() as cur:
            row = self._row(cur, sid)
            self._authorise_change(row[1], row[4], as_owner, password)
            cur.execute(self._sql("UPDATE saved_survey SET name = %s, updated_at = %s WHERE id = %s"),
                        (name.strip(), self._ts_in(_now()), sid))

    def replace_data(
        self,
        sid: str,
        survey: Survey,
        *,
        options: ImportOptions | None = None,
        outcome: OutcomeSpec | None = None,
        as_owner: str | None = None,
        password: str | None = None,
    ) -> None:
        """Replace the survey data of ``sid`` (name, owner, password, plans and view are kept)."""
        validate_id(sid)
        validate_survey(survey)
        with self._write() as cur:
            row = self._row(cur, sid)
            self._authorise_change(row[1], row[4], as_owner, password)
            parts = survey_parts(survey)
            meta = _saved_meta(parts, options, outcome)
            cur.execute(
                self._sql("UPDATE saved_survey SET meta = %s, respondents = %s, ratings = %s, updated_at = %s WHERE id = %s"),
                (meta, len(survey.responses), len(survey.ratings), self._ts_in(_now()), sid),
            )
            self._write_tables(cur, sid, parts)

    def save_plans(self, sid: str, plans: pd.DataFrame, *, as_owner: str | None = None, password: str | None = None) -> None:
        """Replace the action plans of ``sid`` (validated with :func:`cycle_analytics.outputs.plans.validate_plans`)."""
        validate_id(sid)
        if plans is None:
            raise SurveyError("The action plans to save must be a table (DataFrame); use an empty one to clear them.")
        with self._write() as cur:
            row = self._row(cur, sid)
            self._authorise_change(row[1], row[4], as_owner, password)
            blob = plans_to_bytes(plans, json.loads(row[5])["survey"]["info"]["stages"])
            cur.execute(self._sql("UPDATE saved_survey SET plans = %s, updated_at = %s WHERE id = %s"),
                        (blob, self._ts_in(_now()), sid))

    def save_view(self, sid: str, view: Mapping, *, as_owner: str | None = None, password: str | None = None) -> None:
        """Replace the saved view (filters) of ``sid``."""
        validate_id(sid)
        _validate_view(view)
        with self._write() as cur:
            row = self._row(cur, sid)
            self._authorise_change(row[1], row[4], as_owner, password)
            cur.execute(self._sql("UPDATE saved_survey SET view = %s, updated_at = %s WHERE id = %s"),
                        (json_text(dict(view)), self._ts_in(_now()), sid))

    def set_password(self, sid: str, new_password: str | None, *, as_owner: str | None = None, password: str | None = None) -> None:
        """Set, change (``new_password``) or remove (``None``) the password of ``sid``."""
        validate_id(sid)
        validate_password(new_password)
        new_hash = hash_password(new_password) if new_password is not None else None
        with self._write() as cur:
            row = self._row(cur, sid)
            self._authorise_change(row[1], row[4], as_owner, password)
            cur.execute(self._sql("UPDATE saved_survey SET password_hash = %s, updated_at = %s WHERE id = %s"),
                        (new_hash, self._ts_in(_now()), sid))

    def delete(self, sid: str, *, as_owner: str | None = None, password: str | None = None) -> None:
        """Delete ``sid`` and its data (raises :class:`NotFound` when there is no such survey)."""
        validate_id(sid)
        with self._write() as cur:
            row = self._row(cur, sid)
            self._authorise_change(row[1], row[4], as_owner, password)
            cur.execute(self._sql("DELETE FROM saved_table WHERE survey_id = %s"), (sid,))
            cur.execute(self._sql("DELETE FROM saved_survey WHERE id = %s"), (sid,))
        self._after_delete()

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
            raise SurveyError(f"The data folder {str(self.path.parent)!r} cannot be created: {exc.strerror}.") from None
        try:
            con = self._connect()
            con.execute("PRAGMA journal_mode=WAL")
            con.close()
        except sqlite3.DatabaseError as exc:
            raise SurveyError(f"The database file {str(self.path)!r} cannot be used: {exc}.") from None
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
            raise SurveyError("PostgreSQL storage needs the psycopg package (pip install 'psycopg[binary]').") from None
        self.url = url
        try:
            self._create_schema()
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SurveyError(f"The database at {_mask_url(url)} cannot be reached: {first}.") from None

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
                raise SurveyError("The sqlite:// database URL names no file.")
        elif re.match(r"[a-z][a-z0-9+.-]*://", t, re.I):
            raise SurveyError(f"The database URL must start with postgresql:// or sqlite://, not {_mask_url(t)!r}.")
        target = Path(t)
    path = Path(target)
    if path.is_dir() or (not path.suffix and not path.exists()):
        path = path / DEFAULT_FILE
    return SQLiteStore(path)
