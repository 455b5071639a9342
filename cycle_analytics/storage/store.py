"""Saved surveys: one small storage interface over SQLite (default) or PostgreSQL.

A *saved survey* is a name, an owner (``None`` when the app runs without login), created and
updated timestamps, an optional password hash, and a payload: the tidy tables of a
:class:`~cycle_analytics.dataset.Survey` (``ratings``, ``responses``, ``rejected``) as Parquet,
the :class:`~cycle_analytics.dataset.DatasetInfo`, the cycle, the import options and the outcome
choice as JSON, the action plans (see :mod:`cycle_analytics.outputs.plans`) and the saved view (filters).

Backends
--------
* **SQLite** (default): one file under a data folder (``$CYCLE_ANALYTICS_DATA_DIR``, else
  ``./var``), standard-library :mod:`sqlite3`, WAL journal (readers never block the writer),
  ``synchronous=NORMAL`` (a crash of the app never corrupts or half-writes a save) and
  ``secure_delete`` (deleted surveys are overwritten with zeros in the file, not merely unlinked).
* **PostgreSQL** (psycopg 3) when a database URL is given: passed to :func:`open_store` or set in
  ``$CYCLE_ANALYTICS_DATABASE_URL`` (the app reads Streamlit secrets and passes the URL in).

Guarantees
----------
* Ids are ``secrets.token_urlsafe(24)`` (192 random bits, 32 URL-safe characters). An id is
  checked against :data:`ID_RE` before any query; a malformed id and an unknown id raise the same
  :class:`NotFound` with the same sentence.
* Passwords are stored only as an Argon2id hash (argon2-cffi: memory-hard, salted per hash,
  constant-time verification).
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
cycle_analytics.storage.store.NotFound: There is no saved survey at this link.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import secrets
import sqlite3
import struct
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cycle_analytics.cycles import Cycle, Stage
from cycle_analytics.dataset import ColumnRole, DatasetInfo, ImportOptions, OutcomeSpec, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale

ENV_URL = "CYCLE_ANALYTICS_DATABASE_URL"
ENV_DATA_DIR = "CYCLE_ANALYTICS_DATA_DIR"
DEFAULT_FILE = "cycle_analytics.sqlite3"
ID_BYTES = 24
ID_RE = re.compile(r"[A-Za-z0-9_-]{32}")
MAX_NAME = 200
FORMAT_VERSION = 1
TABLES = ("ratings", "responses", "rejected")
_MAGIC = b"SCA-SURVEY\x00"


# ---------------------------------------------------------------------------------------------
# errors


class StorageError(SurveyError):
    """A saved survey cannot be opened or changed; ``str(err)`` is the sentence to show."""


class _Refusal(StorageError):
    """A storage error whose sentence defaults to the class's ``default_message``."""

    default_message = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(self.default_message if message is None else message)


class NotFound(_Refusal):
    """Unknown or malformed id (the same answer for both, so ids cannot be probed)."""

    default_message = "There is no saved survey at this link."


class PasswordRequired(_Refusal):
    default_message = "This saved survey is protected by a password; enter it to open the survey."


class WrongPassword(_Refusal):
    default_message = "The password is not right for this saved survey."


class NotOwner(_Refusal):
    default_message = "Only the owner of this saved survey can change or delete it."


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
# validation (the module's one input-validation helper)


def _check(*, sid: Any = None, name: Any = None, owner: Any = None, password: Any = None,
           survey: Any = None, view: Any = None, check_id: bool = False, check_name: bool = False) -> None:
    """Raise :class:`NotFound` / :class:`SurveyError` unless the given inputs can be used."""
    if check_id and not (isinstance(sid, str) and ID_RE.fullmatch(sid)):
        raise NotFound()
    if check_name:
        if not isinstance(name, str) or not name.strip():
            raise SurveyError("A saved survey needs a name that is not empty.")
        if len(name.strip()) > MAX_NAME:
            raise SurveyError(f"The name of a saved survey can have at most {MAX_NAME} characters, not {len(name.strip())}.")
    if owner is not None and (not isinstance(owner, str) or not owner.strip()):
        raise SurveyError("The owner of a saved survey must be a non-empty text (the login's user id) or None.")
    if password is not None and (not isinstance(password, str) or password == ""):
        raise SurveyError("A password must be a non-empty text (or None for no password).")
    if survey is not None and not isinstance(survey, Survey):
        raise SurveyError(f"Only a Survey can be saved, not {type(survey).__name__}.")
    if view is not None and not isinstance(view, Mapping):
        raise SurveyError("The saved view must be a mapping of filter names to values.")


def new_id() -> str:
    """A fresh unguessable id (192 random bits, URL-safe).

    >>> bool(ID_RE.fullmatch(new_id()))
    True
    """
    return secrets.token_urlsafe(ID_BYTES)


# ---------------------------------------------------------------------------------------------
# passwords (Argon2id via argon2-cffi)

_hasher_lock = threading.Lock()
_hasher = None


def _password_hasher():
    global _hasher
    with _hasher_lock:
        if _hasher is None:
            from argon2 import PasswordHasher

            _hasher = PasswordHasher()  # RFC 9106 "low memory" profile: Argon2id, 64 MiB, t=3, p=4
        return _hasher


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (salted; the salt and parameters live in the string)."""
    _check(password=password)
    return _password_hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """``True`` when ``password`` matches ``stored_hash`` (constant-time comparison in argon2)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return bool(_password_hasher().verify(stored_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# ---------------------------------------------------------------------------------------------
# serialisation: tables as Parquet, descriptions as JSON


def _json_default(obj: Any):
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (tuple, set, frozenset)):
        return list(obj)
    if isinstance(obj, (dt.date, dt.datetime, pd.Timestamp)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, default=_json_default, ensure_ascii=False, allow_nan=True)


def _scale_to(s: Scale | None):
    return None if s is None else [int(s.minimum), int(s.maximum)]


def _scale_from(v) -> Scale | None:
    return None if v is None else Scale(int(v[0]), int(v[1]))


def cycle_to_dict(cycle: Cycle | None) -> dict | None:
    """Every field of ``cycle`` (unlike :meth:`Cycle.to_dict`, a target of 0 is kept)."""
    if cycle is None:
        return None
    return {
        "name": cycle.name,
        "description": cycle.description,
        "scale": cycle.scale,
        "stages": [{**asdict(s), "aliases": list(s.aliases)} for s in cycle.stages],
    }


def cycle_from_saved(d: dict | None) -> Cycle | None:
    if d is None:
        return None
    known = {f.name for f in fields(Stage)}
    stages = tuple(
        Stage(**{**{k: v for k, v in s.items() if k in known}, "aliases": tuple(s.get("aliases") or ())})
        for s in d.get("stages", ())
    )
    return Cycle(name=d["name"], stages=stages, description=d.get("description", ""), scale=d.get("scale"))


def _dataclass_from(cls, d: Mapping, converters: Mapping[str, Any]) -> Any:
    """Build ``cls`` from a JSON dict: lists become tuples, unknown keys are ignored (newer saves)."""
    kwargs = {}
    for f in fields(cls):
        if f.name not in d:
            continue
        v = d[f.name]
        if f.name in converters:
            v = converters[f.name](v)
        elif isinstance(v, list):
            v = tuple(v)
        kwargs[f.name] = v
    return cls(**kwargs)


def info_to_dict(info: DatasetInfo) -> dict:
    out = {f.name: getattr(info, f.name) for f in fields(DatasetInfo)}
    out["scale"] = _scale_to(info.scale)
    out["columns"] = [asdict(c) for c in info.columns]
    return json.loads(_dumps(out))


def info_from_dict(d: Mapping) -> DatasetInfo:
    return _dataclass_from(
        DatasetInfo,
        d,
        {
            "scale": _scale_from,
            "columns": lambda cs: tuple(ColumnRole(**c) for c in cs),
            "source": lambda s: dict(s or {}),
        },
    )


def options_to_dict(options: ImportOptions | None) -> dict | None:
    if options is None:
        return None
    out = {f.name: getattr(options, f.name) for f in fields(ImportOptions)}
    out["cycle"] = cycle_to_dict(options.cycle)
    out["scale"] = _scale_to(options.scale)
    return json.loads(_dumps(out))


def options_from_dict(d: Mapping | None) -> ImportOptions | None:
    if d is None:
        return None
    return _dataclass_from(ImportOptions, d, {"cycle": cycle_from_saved, "scale": _scale_from})


def outcome_to_dict(spec: OutcomeSpec | None) -> dict | None:
    if spec is None:
        return None
    return {"column": spec.column, "kind": spec.kind, "scale": _scale_to(spec.scale), "positive": spec.positive, "label": spec.label}


def outcome_from_dict(d: Mapping | None) -> OutcomeSpec | None:
    if d is None:
        return None
    return _dataclass_from(OutcomeSpec, d, {"scale": _scale_from})


def _pack(parts: Iterator[tuple[str, bytes]] | Mapping[str, bytes], magic: bytes = b"") -> bytes:
    """Frame named byte parts: ``magic``, then per part a 2-byte name length, the name (ASCII),
    an 8-byte data length and the data (big-endian lengths)."""
    out = io.BytesIO()
    out.write(magic)
    items = parts.items() if isinstance(parts, Mapping) else parts
    for name, data in items:
        nb = name.encode("ascii")
        out.write(struct.pack(">H", len(nb)))
        out.write(nb)
        out.write(struct.pack(">Q", len(data)))
        out.write(data)
    return out.getvalue()


def _unpack(data, magic: bytes = b"") -> dict[str, memoryview]:
    view = memoryview(data)
    if bytes(view[: len(magic)]) != magic:
        raise SurveyError("These bytes are not a saved survey.")
    pos, parts = len(magic), {}
    try:
        while pos < len(view):
            (n,) = struct.unpack_from(">H", view, pos)
            name = bytes(view[pos + 2 : pos + 2 + n]).decode("ascii")
            pos += 2 + n
            (m,) = struct.unpack_from(">Q", view, pos)
            pos += 8
            if pos + m > len(view):
                raise SurveyError("The saved survey is cut short.")
            parts[name] = view[pos : pos + m]
            pos += m
    except struct.error:
        raise SurveyError("The saved survey is cut short.") from None
    return parts


def _parquet(frame: pd.DataFrame) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # Mixed-type object columns (text and numbers as read): keep them as text, missing as missing.
        frame = frame.copy()
        for c in frame.columns:
            if frame[c].dtype == object:
                frame[c] = pd.array([None if _is_missing(v) else str(v) for v in frame[c]], dtype="str")
        table = pa.Table.from_pandas(frame, preserve_index=False)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", compression_level=1)
    return buf.getvalue()


def _from_parquet(data) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pq.read_table(pa.BufferReader(data)).to_pandas()


def _table_to_parquet(df: pd.DataFrame) -> bytes:
    """One table as bytes: Parquet (zstd) with every dtype kept exactly.

    Parquet alone drops the categories of an empty categorical and turns integer categoricals into
    integers, so each categorical column is stored as its integer codes plus its categories (a
    separate small Parquet part), with the ``ordered`` flag; a categorical whose categories are its
    values in order (``responses.response_id``) is stored once, as its values. Column names of any
    kind (duplicates, numbers) are kept in a JSON header.
    """
    names = list(df.columns)
    frame = df.reset_index(drop=True)
    frame.columns = [f"c{i}" for i in range(len(names))]
    cats: dict[str, dict] = {}
    extra: dict[str, bytes] = {}
    for i, col in enumerate(list(frame.columns)):
        s = frame[col]
        if not isinstance(s.dtype, pd.CategoricalDtype):
            continue
        codes = s.cat.codes.to_numpy()
        categories = s.cat.categories
        identity = len(codes) == len(categories) and bool(np.array_equal(codes, np.arange(len(codes))))
        cats[col] = {"ordered": bool(s.cat.ordered), "identity": identity, "name": categories.name}
        if identity:
            frame[col] = pd.Series(categories)
        else:
            frame[col] = codes
            extra[f"cat{i}"] = _parquet(pd.DataFrame({"v": pd.Series(categories)}))
    header = {"columns": names, "categorical": cats}
    return _pack({"header": _dumps(header).encode("utf-8"), "frame": _parquet(frame), **extra})


def _is_missing(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _table_from_parquet(data) -> pd.DataFrame:
    parts = _unpack(data)
    header = json.loads(bytes(parts["header"]).decode("utf-8"))
    frame = _from_parquet(parts["frame"])
    for col, spec in header["categorical"].items():
        i = int(col[1:])
        if spec["identity"]:
            values = frame[col]
            frame[col] = pd.Categorical.from_codes(np.arange(len(values)), categories=pd.Index(values).rename(spec.get("name")), ordered=spec["ordered"])
        else:
            categories = pd.Index(_from_parquet(parts[f"cat{i}"])["v"]).rename(spec.get("name"))
            frame[col] = pd.Categorical.from_codes(frame[col].to_numpy(), categories=categories, ordered=spec["ordered"])
    frame.columns = header["columns"]
    return frame


def _survey_meta(survey: Survey, id_codes: bool) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "info": info_to_dict(survey.info),
        "cycle": cycle_to_dict(survey.cycle),
        "ratings_id_codes": id_codes,
    }


def survey_parts(survey: Survey) -> Iterator[tuple[str, bytes]]:
    """The survey as named byte parts, serialised lazily one at a time: ``meta`` (JSON) first,
    then ``ratings``, ``responses`` and ``rejected`` (Parquet).

    ``ratings.response_id`` is stored as its integer codes when its categories equal
    ``responses.response_id`` (the dataset contract), so the ids are stored once.
    """
    _check(survey=survey)
    ratings, responses = survey.ratings, survey.responses
    rid = ratings["response_id"] if "response_id" in ratings.columns else None
    id_codes = (
        rid is not None
        and isinstance(rid.dtype, pd.CategoricalDtype)
        and "response_id" in responses.columns
        and isinstance(responses["response_id"].dtype, pd.CategoricalDtype)
        and rid.cat.categories.equals(responses["response_id"].cat.categories)
    )
    yield "meta", _dumps(_survey_meta(survey, bool(id_codes))).encode("utf-8")
    if id_codes:
        ratings = ratings.assign(response_id=rid.cat.codes.to_numpy().astype(np.int32))
    yield "ratings", _table_to_parquet(ratings)
    yield "responses", _table_to_parquet(responses)
    yield "rejected", _table_to_parquet(survey.rejected)


def survey_from_parts(parts: Mapping[str, bytes]) -> Survey:
    """Inverse of :func:`survey_parts`."""
    missing = [p for p in ("meta", *TABLES) if p not in parts]
    if missing:
        raise SurveyError(f"The saved survey is incomplete: its {missing[0]} part is missing.")
    meta = json.loads(bytes(parts["meta"]).decode("utf-8"))
    if int(meta.get("format_version", 0)) > FORMAT_VERSION:
        raise SurveyError("The saved survey was written by a newer version of the program; update it to open the survey.")
    responses = _table_from_parquet(bytes(parts["responses"]))
    ratings = _table_from_parquet(bytes(parts["ratings"]))
    rejected = _table_from_parquet(bytes(parts["rejected"]))
    if meta.get("ratings_id_codes"):
        cats = responses["response_id"].cat.categories
        ratings["response_id"] = pd.Categorical.from_codes(ratings["response_id"].to_numpy(), categories=cats)
    return Survey(
        ratings=ratings,
        responses=responses,
        rejected=rejected,
        info=info_from_dict(meta["info"]),
        cycle=cycle_from_saved(meta.get("cycle")),
    )


def survey_to_bytes(survey: Survey) -> bytes:
    """The whole survey as one byte string (for caches and files); see :func:`survey_from_bytes`.

    Layout: ``b"SCA-SURVEY\\0"``, then per part a 2-byte name length, the name, an 8-byte data
    length and the data (big-endian lengths).

    >>> from cycle_analytics.dataset import DatasetInfo, Survey
    >>> s = Survey(pd.DataFrame({"response_id": pd.Categorical([]), "stage": pd.Categorical([], ordered=True),
    ...            "score": pd.Series([], dtype=float)}), pd.DataFrame({"response_id": pd.Categorical([])}),
    ...            pd.DataFrame({"row": [], "reason": []}), DatasetInfo("long", 0, 0, 0, 0, 0, Scale(1, 5), ()))
    >>> survey_from_bytes(survey_to_bytes(s)).info == s.info
    True
    """
    return _pack(survey_parts(survey), _MAGIC)


def survey_from_bytes(data: bytes) -> Survey:
    """Inverse of :func:`survey_to_bytes`."""
    return survey_from_parts(_unpack(data, _MAGIC))


def _plans_to_bytes(plans: pd.DataFrame | None, stages) -> bytes | None:
    """Validated action plans (every stage one of ``stages``) as bytes; ``None`` for no plans."""
    if plans is None:
        return None
    from cycle_analytics.outputs.plans import validate_plans

    return _table_to_parquet(validate_plans(plans, tuple(stages)))


def _plans_from_bytes(data, stages) -> pd.DataFrame:
    from cycle_analytics.outputs.plans import empty_plans

    if data is None:
        return empty_plans(stages)
    return _table_from_parquet(bytes(data))


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
        _check(name=name, owner=owner, password=password, survey=survey, view=view, check_name=True)
        sid = new_id()
        pw_hash = hash_password(password) if password is not None else None
        plans_blob = _plans_to_bytes(plans, survey.stages)
        now = self._ts_in(_now())
        with self._write() as cur:
            parts = survey_parts(survey)
            _, meta_bytes = next(parts)
            meta = {"survey": json.loads(meta_bytes), "options": options_to_dict(options), "outcome": outcome_to_dict(outcome)}
            cur.execute(
                self._sql("INSERT INTO saved_survey (id, name, owner, created_at, updated_at, password_hash, respondents, "
                          "ratings, meta, view, plans) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"),
                (sid, name.strip(), owner, now, now, pw_hash, len(survey.responses), len(survey.ratings), _dumps(meta),
                 _dumps(dict(view or {})), plans_blob),
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
        _check(sid=sid, check_id=True)
        with self._read() as cur:
            name, owner, created, updated, pw_hash, meta, view, plans = self._row(cur, sid, lock=False)
            self._authorise_read(pw_hash, password)
            cur.execute(self._sql("SELECT part, data FROM saved_table WHERE survey_id = %s"), (sid,))
            parts = {p: d for p, d in cur.fetchall()}
        meta = json.loads(meta)
        parts["meta"] = _dumps(meta["survey"]).encode("utf-8")
        survey = survey_from_parts(parts)
        return SavedSurvey(
            id=sid,
            name=name,
            owner=owner,
            created=self._ts_out(created),
            updated=self._ts_out(updated),
            protected=pw_hash is not None,
            survey=survey,
            plans=_plans_from_bytes(plans, survey.stages),
            view=json.loads(view),
            options=options_from_dict(meta.get("options")),
            outcome=outcome_from_dict(meta.get("outcome")),
        )

    def is_protected(self, sid: str) -> bool:
        """Whether opening ``sid`` needs a password (raises :class:`NotFound` like :meth:`load`)."""
        _check(sid=sid, check_id=True)
        with self._read() as cur:
            return self._row(cur, sid, lock=False)[4] is not None

    def list_saved(self, owner: str | None = None) -> list[SavedEntry]:
        """Saved surveys, most recently updated first: only ``owner``'s, or (``owner=None``, for an
        app without login) all of them."""
        _check(owner=owner)
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
        _check(sid=sid, check_id=True)
        _check(name=name, check_name=True)
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
        _check(sid=sid, check_id=True)
        _check(survey=survey)
        with self._write() as cur:
            row = self._row(cur, sid)
            self._authorise_change(row[1], row[4], as_owner, password)
            parts = survey_parts(survey)
            _, meta_bytes = next(parts)
            meta = {"survey": json.loads(meta_bytes), "options": options_to_dict(options), "outcome": outcome_to_dict(outcome)}
            cur.execute(
                self._sql("UPDATE saved_survey SET meta = %s, respondents = %s, ratings = %s, updated_at = %s WHERE id = %s"),
                (_dumps(meta), len(survey.responses), len(survey.ratings), self._ts_in(_now()), sid),
            )
            self._write_tables(cur, sid, parts)

    def save_plans(self, sid: str, plans: pd.DataFrame, *, as_owner: str | None = None, password: str | None = None) -> None:
        """Replace the action plans of ``sid`` (validated with :func:`cycle_analytics.outputs.plans.validate_plans`)."""
        _check(sid=sid, check_id=True)
        if plans is None:
            raise SurveyError("The action plans to save must be a table (DataFrame); use an empty one to clear them.")
        with self._write() as cur:
            row = self._row(cur, sid)
            self._authorise_change(row[1], row[4], as_owner, password)
            blob = _plans_to_bytes(plans, json.loads(row[5])["survey"]["info"]["stages"])
            cur.execute(self._sql("UPDATE saved_survey SET plans = %s, updated_at = %s WHERE id = %s"),
                        (blob, self._ts_in(_now()), sid))

    def save_view(self, sid: str, view: Mapping, *, as_owner: str | None = None, password: str | None = None) -> None:
        """Replace the saved view (filters) of ``sid``."""
        _check(sid=sid, check_id=True)
        _check(view=view)
        with self._write() as cur:
            row = self._row(cur, sid)
            self._authorise_change(row[1], row[4], as_owner, password)
            cur.execute(self._sql("UPDATE saved_survey SET view = %s, updated_at = %s WHERE id = %s"),
                        (_dumps(dict(view)), self._ts_in(_now()), sid))

    def set_password(self, sid: str, new_password: str | None, *, as_owner: str | None = None, password: str | None = None) -> None:
        """Set, change (``new_password``) or remove (``None``) the password of ``sid``."""
        _check(sid=sid, check_id=True)
        _check(password=new_password)
        new_hash = hash_password(new_password) if new_password is not None else None
        with self._write() as cur:
            row = self._row(cur, sid)
            self._authorise_change(row[1], row[4], as_owner, password)
            cur.execute(self._sql("UPDATE saved_survey SET password_hash = %s, updated_at = %s WHERE id = %s"),
                        (new_hash, self._ts_in(_now()), sid))

    def delete(self, sid: str, *, as_owner: str | None = None, password: str | None = None) -> None:
        """Delete ``sid`` and its data (raises :class:`NotFound` when there is no such survey)."""
        _check(sid=sid, check_id=True)
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


def default_sqlite_path() -> Path:
    """``$CYCLE_ANALYTICS_DATA_DIR/cycle_analytics.sqlite3``, else ``./var/cycle_analytics.sqlite3``."""
    folder = os.environ.get(ENV_DATA_DIR) or "var"
    return Path(folder) / DEFAULT_FILE


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
