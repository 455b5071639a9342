"""Saved surveys (cycle_analytics.storage): every test runs on SQLite and on a real PostgreSQL server.

The PostgreSQL server is started once per test session by tests/pg.py (Debian's postgresql
package, installed by scripts/install-postgres); when it cannot start, the postgres tests fail.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pg import postgres_server
from synth import make_survey

from cycle_analytics.cycles import Cycle, Stage
from cycle_analytics.dataset import ColumnRole, ImportOptions, OutcomeSpec, UnknownLabel
from cycle_analytics.errors import SurveyError
from cycle_analytics.outputs.plans import plans_from_priorities, validate_plans
from cycle_analytics.scales import Scale
from cycle_analytics.stats.scores import stage_scores
from cycle_analytics.storage import (DEFAULT_FILE, ENV_DATA_DIR, ENV_URL, NeedsEditKey, NotFound, NotOwner, PasswordRequired,
                                     WrongPassword, new_edit_key, open_store)
from cycle_analytics.storage import secrets, serialise

STAGES = ("Arrival", "Waiting", "Service", "Payment", "Departure")
MARKER = "ZQXJ-unique-comment-marker-7781"


def rich_survey(n: int = 240, seed: int = 1, marker: str = MARKER):
    """A survey that exercises every dtype: an empty stage, missing dates, comments, rejected rows
    with odd headers, a cycle (with a target of 0), column roles and a source dict."""
    s = make_survey(n, STAGES, seed=seed, empty_stages=("Departure",), date_missing_rate=0.1)
    responses = s.responses.copy()
    comments = [None if i % 3 else f"{marker} comment {i} =1+1" for i in range(n)]
    responses["comment"] = pd.array(comments, dtype="str")
    rejected = pd.DataFrame(
        {
            "row": np.array([3, 17], dtype="int64"),
            "reason": pd.array(["score not a number", "missing id"], dtype="str"),
            "Q1 <b>": pd.array(["abc", None], dtype="str"),
            "=cmd": pd.array(["x", "y"], dtype="str"),
        }
    )
    cycle = Cycle(
        "Branch visit",
        stages=tuple(Stage(name, phase="Visit" if i < 2 else None, critical=(name == "Payment"),
                           target=0.0 if name == "Arrival" else (4.5 if name == "Service" else None),
                           aliases=(name.lower(),)) for i, name in enumerate(STAGES)),
        description="demo",
        scale="1-5",
    )
    info = dataclasses.replace(
        s.info,
        comment_column="comment",
        rows_read=s.info.rows_read + 2,
        rows_rejected=2,
        columns=(ColumnRole("Arrival", "stage", "Arrival", "How was arriving?"), ColumnRole("overall", "outcome")),
        notes=("a note",),
        source={"encoding": "utf-8", "delimiter": ",", "file": "x.csv"},
    )
    return dataclasses.replace(s, responses=responses, rejected=rejected, info=info, cycle=cycle)


def assert_same_survey(a, b) -> None:
    pd.testing.assert_frame_equal(a.ratings, b.ratings, check_exact=True)
    pd.testing.assert_frame_equal(a.responses, b.responses, check_exact=True)
    pd.testing.assert_frame_equal(a.rejected, b.rejected, check_exact=True)
    assert a.info == b.info
    assert a.cycle == b.cycle


# ---------------------------------------------------------------------------------------------
# fixtures: the same tests over both backends


@pytest.fixture(autouse=True)
def cheap_password_hashing(request, monkeypatch):
    """Argon2id with small parameters (the production default costs 64 MiB and ~0.5 s here);
    test_password_hash_uses_production_parameters checks the real ones."""
    if request.node.name == "test_password_hash_uses_production_parameters":
        return
    from argon2 import PasswordHasher

    monkeypatch.setattr(secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def pg_url():
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield open_store(tmp_path / "store.sqlite3")
        return
    import psycopg

    url = request.getfixturevalue("pg_url")
    st = open_store(url)
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("TRUNCATE saved_table, saved_survey")
    yield st


# ---------------------------------------------------------------------------------------------
# serialisation


def test_survey_bytes_round_trip_keeps_every_dtype():
    s = rich_survey()
    back = serialise.survey_from_bytes(serialise.survey_to_bytes(s))
    assert_same_survey(s, back)
    # the contract: ordered stage categories in cycle order (the empty stage kept), response ids
    assert back.ratings["stage"].cat.ordered
    assert list(back.ratings["stage"].cat.categories) == list(STAGES)
    assert back.ratings["response_id"].cat.categories.equals(pd.Index(back.responses["response_id"].astype(str), dtype="str"))
    assert back.responses["date"].dtype == np.dtype("datetime64[ns]")
    assert back.responses["date"].isna().sum() == s.responses["date"].isna().sum() > 0
    assert back.cycle.stages[0].target == 0.0  # a target of 0 survives (Cycle.to_dict would drop it)
    pd.testing.assert_frame_equal(stage_scores(s.ratings, s.scale), stage_scores(back.ratings, back.scale), check_exact=True)


def test_survey_from_bytes_refuses_foreign_and_truncated_bytes():
    data = serialise.survey_to_bytes(rich_survey(30))
    with pytest.raises(SurveyError, match="not a saved survey"):
        serialise.survey_from_bytes(b"PK\x03\x04 an excel file")
    with pytest.raises(SurveyError, match="cut short"):
        serialise.survey_from_bytes(data[: len(data) // 2])


def test_table_serialisation_keeps_odd_columns_and_categories():
    df = pd.DataFrame([[1, "=x", None], [2, "b", 3.0]], columns=["row", "a", "a"])
    df[7] = pd.Categorical([None, 5], categories=[9, 5, 1])  # int categories, unused ones, a missing value
    df["empty_cat"] = pd.Categorical(["u", "u"], categories=["u", "v"], ordered=True)
    back = serialise.table_from_bytes(serialise.table_to_bytes(df))
    pd.testing.assert_frame_equal(df, back, check_exact=True)
    empty = df.iloc[:0]
    back = serialise.table_from_bytes(serialise.table_to_bytes(empty))
    assert list(back[7].cat.categories) == [9, 5, 1]
    assert list(back["empty_cat"].cat.categories) == ["u", "v"]


def test_a_save_written_by_format_version_1_still_opens():
    """tests/data/saved_survey_v1.bin: survey_to_bytes(rich_survey(12, seed=5)) as written by the
    first release of the format (before storage was split into modules)."""
    blob = (Path(__file__).parent / "data" / "saved_survey_v1.bin").read_bytes()
    survey = serialise.survey_from_bytes(blob)
    assert survey.info.stages == STAGES and survey.info.scale == Scale(1, 5)
    assert (len(survey.ratings), len(survey.responses), len(survey.rejected)) == (47, 12, 2)
    assert list(survey.ratings["stage"].cat.categories) == list(STAGES) and survey.ratings["stage"].cat.ordered
    assert survey.ratings["response_id"].cat.categories.equals(survey.responses["response_id"].cat.categories)
    assert survey.ratings["score"].tolist()[:3] == [3.0, 4.0, 4.0]
    assert survey.responses["date"].dtype == np.dtype("datetime64[ns]")
    assert survey.responses["comment"].iloc[0] == f"{MARKER} comment 0 =1+1"
    assert list(survey.rejected.columns) == ["row", "reason", "Q1 <b>", "=cmd"]
    assert survey.cycle.stages[0].target == 0.0
    # the tables are written today exactly as then
    again = dict(serialise.survey_parts(survey))
    old = {name: bytes(data) for name, data in _parts_of(blob).items()}
    for table in ("ratings", "responses", "rejected"):
        assert again[table] == old[table], table


def _parts_of(blob: bytes) -> dict[str, bytes]:
    """The named parts of a survey_to_bytes blob (the framing documented in survey_to_bytes)."""
    import struct

    magic = b"SCA-SURVEY\x00"
    assert blob.startswith(magic)
    pos, parts = len(magic), {}
    while pos < len(blob):
        (n,) = struct.unpack_from(">H", blob, pos)
        name = blob[pos + 2 : pos + 2 + n].decode("ascii")
        pos += 2 + n
        (m,) = struct.unpack_from(">Q", blob, pos)
        parts[name] = blob[pos + 8 : pos + 8 + m]
        pos += 8 + m
    return parts


def test_unknown_answer_labels_survive_a_save():
    s = rich_survey(30)
    labels = (UnknownLabel("Meh", 3, ("Arrival", "Waiting")), UnknownLabel("So-so", 1, ("Service",)))
    s = dataclasses.replace(s, info=dataclasses.replace(s.info, unknown_labels=labels))
    back = serialise.survey_from_bytes(serialise.survey_to_bytes(s))
    assert back.info.unknown_labels == labels


# ---------------------------------------------------------------------------------------------
# the store


def test_save_load_round_trip(store):
    s = rich_survey()
    plans = plans_from_priorities(pd.DataFrame({"rank": [2, 1], "stage": ["Waiting", "Payment"]}), STAGES)
    plans.loc[0, ["action", "owner", "due_date"]] = ["Second till", "Ann", pd.Timestamp("2026-03-31")]
    options = ImportOptions(cycle=s.cycle, stages=("Arrival", "Waiting"), na_values=("N/A", "0"), scale=Scale(1, 5), outcome="overall")
    outcome = OutcomeSpec("satisfied", kind="binary", positive="yes", label="Satisfied")
    view = {"from": "2026-01-01", "seg.region": ["North", "East"], "outcome": "overall"}
    sid = store.save(s, "  Branch survey Q1  ", owner="ann@example.com", plans=plans, view=view, options=options, outcome=outcome)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", sid)  # token_urlsafe(24): 192 random bits

    got = store.load(sid)
    assert got.id == sid and got.name == "Branch survey Q1" and got.owner == "ann@example.com"
    assert not got.protected
    assert got.created == got.updated and got.created.tzinfo is not None
    assert_same_survey(s, got.survey)
    pd.testing.assert_frame_equal(stage_scores(s.ratings, s.scale), stage_scores(got.survey.ratings, got.survey.scale), check_exact=True)
    pd.testing.assert_frame_equal(got.plans, validate_plans(plans, STAGES), check_exact=True)
    assert got.view == view
    assert got.options == options
    assert got.outcome == outcome


def test_load_without_plans_gives_empty_plan_table(store):
    sid = store.save(rich_survey(40), "x")
    got = store.load(sid)
    assert len(got.plans) == 0 and list(got.plans.columns) == ["stage", "requirement", "action", "owner", "due_date", "status"]
    assert got.options is None and got.outcome is None and got.view == {}


BAD_IDS = ["", "x", "A" * 31, "A" * 33, "../../etc/passwd", "' OR '1'='1' --AAAAAAAAAAAAAAAAA", "A" * 31 + "!",
           None, 12, "A" * 31 + "\n", "A" * 31 + "é"]


def test_malformed_and_unknown_ids_give_the_same_not_found(store):
    store.save(rich_survey(30), "kept")
    unknown = secrets.new_id()
    with pytest.raises(NotFound) as e_unknown:
        store.load(unknown)
    assert str(e_unknown.value) == "There is no saved survey at this link."
    ops = (lambda i: store.load(i, password="x"), lambda i: store.rename(i, "n"), lambda i: store.delete(i),
           lambda i: store.replace_data(i, rich_survey(30)), lambda i: store.is_protected(i),
           lambda i: store.save_view(i, {}), lambda i: store.set_password(i, None))
    for bad_id in [unknown, *BAD_IDS]:
        for op in ops:
            with pytest.raises(NotFound) as e_bad:
                op(bad_id)
            assert str(e_bad.value) == str(e_unknown.value), bad_id
    assert len(store.list_saved()) == 1


def test_password_protection(store):
    s = rich_survey(40)
    sid = store.save(s, "secret", password="correct horse")
    assert store.is_protected(sid)
    with pytest.raises(PasswordRequired):
        store.load(sid)
    with pytest.raises(PasswordRequired):
        store.load(sid, password="")
    with pytest.raises(WrongPassword):
        store.load(sid, password="correct horsE")
    got = store.load(sid, password="correct horse")
    assert got.protected
    assert_same_survey(s, got.survey)
    # without an owner, changes need the edit key made at save time: the password only opens it
    key = new_edit_key()
    keyed = store.save(s, "secret", password="correct horse", edit_key=key)
    with pytest.raises(NeedsEditKey):
        store.rename(keyed, "new", password="correct horse")
    store.rename(keyed, "new", edit_key=key)
    store.set_password(keyed, None, edit_key=key)
    assert not store.is_protected(keyed) and store.load(keyed).name == "new"


def test_password_is_stored_as_salted_argon2id_hash(store):
    s = rich_survey(20)
    a = store.save(s, "a", password="same password")
    b = store.save(s, "b", password="same password")
    hashes = []
    with store._read() as cur:
        for sid in (a, b):
            cur.execute(store._sql("SELECT password_hash, meta, view FROM saved_survey WHERE id = %s"), (sid,))
            h, meta, view = cur.fetchone()
            assert "same password" not in h + meta + view
            hashes.append(h)
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert hashes[0] != hashes[1]  # a fresh salt per hash
    assert secrets.verify_password(hashes[0], "same password") and not secrets.verify_password(hashes[0], "same passwor")
    with pytest.raises(SurveyError, match="non-empty"):
        store.save(s, "c", password="")


def test_password_hash_uses_production_parameters():
    secrets._hasher = None  # the module's own choice
    h = secrets.hash_password("pw")
    assert re.match(r"\$argon2id\$v=19\$m=65536,t=3,p=4\$", h)  # RFC 9106 low-memory profile
    assert secrets.verify_password(h, "pw")


def test_list_rename_replace_plans_delete(store):
    s1, s2 = rich_survey(50, seed=1), rich_survey(80, seed=2)
    a = store.save(s1, "first", owner="ann")
    b = store.save(s1, "second", owner="bob")
    c = store.save(s1, "open one", edit_key=new_edit_key())
    assert {e.id for e in store.list_saved()} == {a, b, c}
    assert [e.id for e in store.list_saved(owner="ann")] == [a]
    entry = store.list_saved(owner="bob")[0]
    assert (entry.name, entry.respondents, entry.ratings, entry.protected) == ("second", 50, len(s1.ratings), False)

    before = store.load(a).updated
    store.rename(a, "renamed", as_owner="ann")
    assert store.load(a).name == "renamed" and store.load(a).updated > before
    assert store.list_saved()[0].id == a  # most recently updated first

    store.replace_data(a, s2, as_owner="ann", outcome=OutcomeSpec("overall", scale=Scale(1, 5)))
    got = store.load(a)
    assert_same_survey(s2, got.survey)
    assert got.name == "renamed" and got.outcome.column == "overall"
    assert store.list_saved(owner="ann")[0].respondents == 80

    plans = plans_from_priorities(pd.DataFrame({"rank": [1], "stage": ["Service"]}), STAGES)
    plans.loc[0, "status"] = "in progress"
    store.save_plans(a, plans, as_owner="ann")
    assert store.load(a).plans["status"].tolist() == ["in progress"]
    store.save_view(a, {"stage": "Service"}, as_owner="ann")
    assert store.load(a).view == {"stage": "Service"}

    store.delete(a, as_owner="ann")
    with pytest.raises(NotFound):
        store.load(a)
    with pytest.raises(NotFound):
        store.delete(a, as_owner="ann")
    assert {e.id for e in store.list_saved()} == {b, c}
    assert [e.id for e in store.list_trash(owner="ann")] == [a]
    store.purge(a, as_owner="ann")  # emptying the trash deletes it for good
    with store._read() as cur:  # its tables are gone too
        cur.execute(store._sql("SELECT COUNT(*) FROM saved_table WHERE survey_id = %s"), (a,))
        assert cur.fetchone()[0] == 0
        cur.execute(store._sql("SELECT COUNT(*) FROM saved_table WHERE survey_id = %s"), (b,))
        assert cur.fetchone()[0] == 3


def test_only_the_owner_can_change_an_owned_survey(store):
    s = rich_survey(30)
    sid = store.save(s, "ann's", owner="ann", password="pw")
    for who in (None, "bob"):
        with pytest.raises(NotOwner):
            store.rename(sid, "hijacked", as_owner=who, password="pw")
        with pytest.raises(NotOwner):
            store.delete(sid, as_owner=who, password="pw")
        with pytest.raises(NotOwner):
            store.replace_data(sid, rich_survey(20, seed=9), as_owner=who, password="pw")
        with pytest.raises(NotOwner):
            store.save_plans(sid, plans_from_priorities(pd.DataFrame({"rank": [1], "stage": ["Service"]}), STAGES), as_owner=who)
    assert store.load(sid, password="pw").name == "ann's"
    store.rename(sid, "still ann's", as_owner="ann")  # the signed-in owner needs no password
    assert store.load(sid, password="pw").name == "still ann's"


def test_validation_sentences(store):
    s = rich_survey(20)
    with pytest.raises(SurveyError, match="name that is not empty"):
        store.save(s, "   ")
    with pytest.raises(SurveyError, match="at most 200"):
        store.save(s, "x" * 201)
    with pytest.raises(SurveyError, match="Only a Survey"):
        store.save(s.ratings, "x")
    with pytest.raises(SurveyError, match="status 'later'"):
        store.save(s, "x", plans=plans_from_priorities(pd.DataFrame({"rank": [1], "stage": ["Service"]}), STAGES).assign(status="later"))
    assert store.list_saved() == []
    key = new_edit_key()
    sid = store.save(s, "x", edit_key=key)
    foreign = plans_from_priorities(pd.DataFrame({"rank": [1], "stage": ["Parking"]})).assign(action="Paint lines")
    with pytest.raises(SurveyError, match="'Parking', which is not a stage of this survey"):
        store.save_plans(sid, foreign, edit_key=key)
    assert len(store.load(sid).plans) == 0


@pytest.mark.parametrize("operation", ["save", "replace_data"])
def test_a_crash_mid_save_leaves_the_previous_version(store, monkeypatch, operation):
    s1, s2 = rich_survey(60, seed=1), rich_survey(90, seed=2)
    key = new_edit_key()
    sid = store.save(s1, "original", edit_key=key)
    real = serialise.table_to_bytes
    calls = []

    def flaky(df):
        calls.append(1)
        if len(calls) == 2:  # the ratings part is already written when this raises
            raise OSError("disk full (simulated)")
        return real(df)

    monkeypatch.setattr(serialise, "table_to_bytes", flaky)
    with pytest.raises(OSError, match="simulated"):
        if operation == "save":
            store.save(s2, "half-saved")
        else:
            store.replace_data(sid, s2, edit_key=key)
    assert len(calls) == 2  # the failure really happened half-way
    monkeypatch.setattr(serialise, "table_to_bytes", real)

    assert [e.name for e in store.list_saved()] == ["original"]
    got = store.load(sid)
    assert_same_survey(s1, got.survey)
    assert store.list_saved()[0].respondents == 60
    with store._read() as cur:
        cur.execute("SELECT COUNT(*) FROM saved_table")
        assert cur.fetchone()[0] == 3  # no orphan parts of the failed save


def test_concurrent_saves_lose_nothing(store):
    surveys = [rich_survey(30 + 5 * i, seed=i) for i in range(8)]
    key = new_edit_key()
    shared = store.save(surveys[0], "shared", edit_key=key)
    ids: dict[int, str] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(i: int) -> None:
        try:
            barrier.wait()
            ids[i] = store.save(surveys[i], f"survey {i}", owner=f"user{i % 2}")
            if i % 2:
                store.rename(shared, f"renamed by {i}", edit_key=key)
            else:
                plans = plans_from_priorities(pd.DataFrame({"rank": [1], "stage": [STAGES[i % 4]]}), STAGES)
                store.save_plans(shared, plans.assign(action=f"action {i}"), edit_key=key)
            store.replace_data(ids[i], surveys[(i + 1) % 8], as_owner=f"user{i % 2}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert len(ids) == 8 and len(set(ids.values())) == 8
    assert len(store.list_saved()) == 9
    for i, sid in ids.items():
        got = store.load(sid)
        assert got.name == f"survey {i}" and got.owner == f"user{i % 2}"
        assert_same_survey(surveys[(i + 1) % 8], got.survey)
    shared_now = store.load(shared)
    # both kinds of change survived: the rename of one thread and the plans of another
    assert re.fullmatch(r"renamed by [1357]", shared_now.name)
    assert re.fullmatch(r"action [0246]", shared_now.plans["action"].iloc[0])
    assert_same_survey(surveys[0], shared_now.survey)


# ---------------------------------------------------------------------------------------------
# SQLite specifics and open_store


def test_sqlite_uses_wal_and_delete_removes_the_data_from_the_file(tmp_path):
    path = tmp_path / "s.sqlite3"
    st = open_store(path)
    import sqlite3

    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    s = rich_survey(300)
    keep = st.save(rich_survey(30, seed=5, marker="other"), "keep")
    key = new_edit_key()
    sid = st.save(s, "to delete", edit_key=key)
    st._after_delete()  # checkpoint, so the file holds the pages

    def file_bytes() -> bytes:
        return b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("s.sqlite3"))

    # Parquet keeps short distinct strings literally, so the marker is findable while saved...
    assert MARKER.encode() in file_bytes()
    st.delete(sid, edit_key=key)
    assert MARKER.encode() in file_bytes()  # in the trash: restorable, so still there
    st.purge(sid, edit_key=key)
    # ...and gone from the database file and its log once deleted (secure_delete + checkpoint).
    assert MARKER.encode() not in file_bytes()
    assert st.load(keep).name == "keep"


def test_open_store_targets(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_URL, raising=False)
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "data"))
    st = open_store()
    assert st.backend == "sqlite" and st.path == tmp_path / "data" / DEFAULT_FILE
    assert open_store(str(tmp_path)).path == tmp_path / DEFAULT_FILE
    assert open_store(f"sqlite:///{tmp_path}/x.db").path == tmp_path / "x.db"
    monkeypatch.setenv(ENV_URL, f"sqlite:///{tmp_path}/env.db")
    assert open_store().path == tmp_path / "env.db"
    with pytest.raises(SurveyError, match="postgresql:// or sqlite://"):
        open_store("mysql://user:secret@host/db")
    with pytest.raises(SurveyError) as err:
        open_store("postgresql://user:secret@/nodb?host=/nonexistent-socket-dir&connect_timeout=2")
    assert "secret" not in str(err.value) and "cannot be reached" in str(err.value)


def test_postgres_store_is_postgres(pg_url):
    st = open_store(pg_url.replace("postgresql://", "postgres://"))
    assert st.backend == "postgres"
    key = new_edit_key()
    sid = st.save(rich_survey(20), "pg", edit_key=key)
    assert st.load(sid).name == "pg"
    st.delete(sid, edit_key=key)
