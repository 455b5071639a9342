"""Rights, trash, audit, versions, password rate limit and crash safety of saved surveys, on SQLite and
on a real PostgreSQL server (tests/pg.py).

The crash tests kill a real process with SIGKILL in the middle of saving a large survey and check that
the store holds the old version or the new one, never a mix.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from pg import postgres_server
from synth import make_survey

from cycle_analytics.storage import (AttemptPolicy, NeedsEditKey, NotFound, NotOwner, TooManyAttempts, Unclaimed,
                                     WrongPassword, new_edit_key, open_store)
from cycle_analytics.storage import secrets
from cycle_analytics.storage.attempts import client_wait, survey_wait

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("Arrival", "Waiting", "Service", "Payment", "Departure")


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    from argon2 import PasswordHasher

    monkeypatch.setattr(secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="module")
def pg_url():
    with postgres_server("rights_test") as url:
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
        con.execute("TRUNCATE saved_table, saved_survey, saved_audit, saved_attempt")
    yield st


def survey(n: int = 40, seed: int = 1):
    return make_survey(n, STAGES, seed=seed)


# ---------------------------------------------------------------------------------------------
# rights


def test_a_link_grants_viewing_and_the_edit_key_grants_changing(store):
    key = new_edit_key()
    sid = store.save(survey(), "Branch survey", edit_key=key)
    assert store.load(sid).name == "Branch survey"  # anyone with the link can read it
    for change in (lambda **a: store.rename(sid, "hijacked", **a), lambda **a: store.delete(sid, **a),
                   lambda **a: store.replace_data(sid, survey(10, seed=3), **a), lambda **a: store.set_password(sid, "pw", **a),
                   lambda **a: store.save_view(sid, {"stage": "Service"}, **a)):
        for attempt in ({}, {"edit_key": "wrong"}, {"edit_key": key[:-1]}, {"as_owner": "mallory@example.com"}):
            with pytest.raises(NeedsEditKey, match="edit key shown when it was saved"):
                change(**attempt)
    got = store.load(sid)
    assert (got.name, len(got.survey.responses), got.protected) == ("Branch survey", 40, False)
    store.rename(sid, "Renamed", edit_key=key)
    assert store.load(sid).name == "Renamed"


def test_an_owned_survey_is_changed_by_its_owner_only_even_with_the_edit_key(store):
    key = new_edit_key()
    sid = store.save(survey(), "Ann's", owner="ann@example.com", edit_key=key)
    with pytest.raises(NotOwner):
        store.rename(sid, "x", edit_key=key)
    with pytest.raises(NotOwner):
        store.delete(sid, as_owner="bob@example.com")
    store.rename(sid, "Still Ann's", as_owner="ann@example.com")
    assert store.load(sid).name == "Still Ann's"


def test_a_survey_without_owner_or_key_is_read_only_until_claimed(store):
    sid = store.save(survey(), "From before login")  # how every survey was saved before edit keys
    assert store.list_saved(ids=[sid])[0].claimable
    with pytest.raises(Unclaimed, match="claim it first"):
        store.rename(sid, "mine now")
    with pytest.raises(Unclaimed):
        store.delete(sid)
    store.claim(sid, as_owner="ann@example.com")
    assert store.status(sid).owner == "ann@example.com"
    with pytest.raises(NotOwner, match="already has an owner"):
        store.claim(sid, as_owner="bob@example.com")
    store.rename(sid, "Ann's now", as_owner="ann@example.com")
    # without login, claiming sets an edit key (shown once to whoever claimed it)
    other = store.save(survey(), "Also old", password="pw")
    key = new_edit_key()
    with pytest.raises(WrongPassword):
        store.claim(other, edit_key=key, password="nope")
    store.claim(other, edit_key=key, password="pw")
    with pytest.raises(NotOwner, match="already has an edit key"):
        store.claim(other, edit_key=new_edit_key(), password="pw")
    store.rename(other, "Claimed", edit_key=key)
    actions = [(r.action, r.actor) for r in store.audit(other, edit_key=key)]
    assert actions == [("save", None), ("claim", "edit key"), ("rename", "edit key")]


def test_a_stores_created_before_edit_keys_gets_the_new_columns_and_keeps_its_surveys(tmp_path):
    """The schema of the first release (no edit key, trash, version, audit): opening it adds them."""
    path = tmp_path / "old.sqlite3"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE saved_survey (id TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT, created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL, password_hash TEXT, respondents BIGINT NOT NULL, ratings BIGINT NOT NULL,
            meta TEXT NOT NULL, view TEXT NOT NULL, plans BLOB);
        CREATE TABLE saved_table (survey_id TEXT NOT NULL REFERENCES saved_survey(id) ON DELETE CASCADE,
            part TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (survey_id, part));
    """)
    con.close()
    store = open_store(path)
    sid = store.save(survey(), "new")
    status = store.status(sid)
    assert (status.version, status.owner, status.has_edit_key) == (1, None, False)
    cols = {r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(saved_survey)")}
    assert {"edit_key_hash", "deleted_at", "version"} <= cols


# ---------------------------------------------------------------------------------------------
# trash, audit, versions


def test_trash_restores_within_30_days_and_purges_after(store):
    key = new_edit_key()
    sid = store.save(survey(), "Q1", edit_key=key)
    store.delete(sid, edit_key=key)
    for look in (store.load, store.status):
        with pytest.raises(NotFound, match="There is no saved survey at this link."):
            look(sid)
    assert store.list_saved() == [] and store.list_trash() == []  # the trash is listed per owner or per ids
    trash = store.list_trash(ids=[sid])
    assert [e.id for e in trash] == [sid] and trash[0].deleted is not None
    with pytest.raises(NeedsEditKey):
        store.restore(sid, edit_key="wrong")
    store.restore(sid, edit_key=key)
    assert store.load(sid).name == "Q1" and store.list_trash(ids=[sid]) == []

    store.delete(sid, edit_key=key)
    assert store.purge_expired(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=29)) == 0
    assert store.purge_expired(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=31)) == 1
    with pytest.raises(NotFound):
        store.restore(sid, edit_key=key)
    with store._read() as cur:
        cur.execute(store._sql("SELECT COUNT(*) FROM saved_table WHERE survey_id = %s"), (sid,))
        assert cur.fetchone()[0] == 0


def test_audit_records_saves_renames_and_deletions_with_who_did_them(store):
    sid = store.save(survey(), "Branch", owner="ann@example.com")
    store.rename(sid, "Branch Q2", as_owner="ann@example.com")
    store.replace_data(sid, survey(55, seed=2), as_owner="ann@example.com")
    store.delete(sid, as_owner="ann@example.com")
    store.restore(sid, as_owner="ann@example.com")
    with pytest.raises(NotOwner):
        store.audit(sid, as_owner="bob@example.com")
    records = store.audit(sid, as_owner="ann@example.com")
    assert [(r.action, r.actor) for r in records] == [("save", "ann@example.com"), ("rename", "ann@example.com"),
                                                     ("replace", "ann@example.com"), ("delete", "ann@example.com"),
                                                     ("restore", "ann@example.com")]
    assert records[1].detail == "Branch → Branch Q2" and records[2].detail == "55 respondents"
    assert all(r.at.tzinfo is not None for r in records)


def test_every_change_bumps_the_version_another_store_object_sees(store, tmp_path):
    key = new_edit_key()
    sid = store.save(survey(), "v", edit_key=key)
    other = open_store(store.path) if store.backend == "sqlite" else open_store(store.url)  # a second server
    assert other.status(sid).version == 1
    store.replace_data(sid, survey(70, seed=5), edit_key=key)
    assert other.status(sid).version == 2 and len(other.load(sid).survey.responses) == 70
    store.rename(sid, "w", edit_key=key)
    assert other.status(sid).version == 3 == other.load(sid).version


# ---------------------------------------------------------------------------------------------
# password attempts


def test_password_attempts_are_limited_per_client_with_a_sentence_saying_when(store):
    sid = store.save(survey(), "protected", password="right")
    for _ in range(5):
        with pytest.raises(WrongPassword):
            store.load(sid, password="wrong", client="10.0.0.1")
    with pytest.raises(TooManyAttempts) as err:
        store.load(sid, password="right", client="10.0.0.1")  # even the right one waits now
    assert 55 <= err.value.retry_after <= 60
    assert str(err.value) == "Too many wrong passwords for this saved survey from your connection; try again in 1 minute."
    assert store.load(sid, password="right", client="10.0.0.2").name == "protected"  # another client is not held up


def test_waiting_out_the_delay_allows_a_try_and_the_right_password_clears_the_count(store):
    store.attempt_policy = AttemptPolicy(free_tries=2, first_wait=0.4)
    sid = store.save(survey(), "protected", password="right")
    for _ in range(2):
        with pytest.raises(WrongPassword):
            store.load(sid, password="wrong", client="c")
    with pytest.raises(TooManyAttempts):
        store.load(sid, password="wrong", client="c")
    time.sleep(0.5)
    assert store.load(sid, password="right", client="c").name == "protected"
    with pytest.raises(WrongPassword):  # the count started again
        store.load(sid, password="wrong", client="c")


def test_many_clients_together_lock_the_survey_for_everyone(store):
    store.attempt_policy = AttemptPolicy(survey_tries=6)
    sid = store.save(survey(), "protected", password="right")
    for i in range(6):
        with pytest.raises(WrongPassword):
            store.load(sid, password="guess", client=f"10.0.0.{i}")
    with pytest.raises(TooManyAttempts, match="locked for everyone"):
        store.load(sid, password="right", client="192.168.1.1")


def test_the_delay_grows_with_each_failure_and_is_capped():
    policy = AttemptPolicy()
    waits = [client_wait(list(range(n)), now=n - 1, policy=policy) for n in range(5, 13)]
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert client_wait([0] * 9, now=4000, policy=policy) == 0  # forgotten after an hour
    assert survey_wait(list(range(30)), now=30, policy=policy) == 30 and survey_wait(list(range(29)), now=30) == 0


# ---------------------------------------------------------------------------------------------
# crash safety: kill -9 in the middle of a save

_SAVER = textwrap.dedent("""
    import sys
    sys.path[:0] = [{tests!r}, {root!r}]
    from synth import make_survey
    from cycle_analytics.storage import open_store
    store = open_store({target!r})
    surveys = [make_survey(n, {stages!r}, seed=n) for n in {sizes!r}]
    k = 0
    while True:
        k += 1
        store.replace_data({sid!r}, surveys[k % 2], edit_key={key!r})
        print(k, flush=True)
""")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_kill_9_mid_save_leaves_the_old_or_the_new_version(backend, tmp_path, request):
    target = str(tmp_path / "crash.sqlite3") if backend == "sqlite" else request.getfixturevalue("pg_url")
    store = open_store(target)
    sizes = (30_000, 45_000)  # about 150,000 and 225,000 ratings: each save takes a good fraction of a second
    key = new_edit_key()
    sid = store.save(make_survey(sizes[0], STAGES, seed=sizes[0]), "crash test", edit_key=key)
    expected = {n: make_survey(n, STAGES, seed=n) for n in sizes}
    script = _SAVER.format(tests=str(ROOT / "tests"), root=str(ROOT), target=target, stages=STAGES, sizes=sizes,
                           sid=sid, key=key)
    for round_ in range(4):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "1"  # one full save done: the next one is under way
        time.sleep(0.05 + 0.13 * round_)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        got = store.load(sid)
        n = len(got.survey.responses)
        assert n in sizes, n
        pd.testing.assert_frame_equal(got.survey.ratings, expected[n].ratings, check_exact=True)
        pd.testing.assert_frame_equal(got.survey.responses, expected[n].responses, check_exact=True)
        entry = store.list_saved(ids=[sid])[0]
        assert (entry.respondents, entry.ratings) == (n, len(expected[n].ratings))  # header and tables agree
        assert got.version == entry.version
    assert store.status(sid).version >= 2


# ---------------------------------------------------------------------------------------------
# two server processes on one PostgreSQL store


def test_a_replacement_made_on_one_server_is_seen_by_the_next_page_load_on_another(pg_url, tmp_path):
    """Two ``streamlit run app.py`` processes on one PostgreSQL database: A saves an upload, B opens the
    link (and caches it), A replaces the data through its Saved surveys page, B's next page load shows
    the new data (tests/stclient.py drives both through Streamlit's own protocol)."""
    import re as _re

    import psycopg
    import stclient
    from hostile_files import wide_csv

    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("TRUNCATE saved_table, saved_survey, saved_audit, saved_attempt")
    env = {"CYCLE_ANALYTICS_DATABASE_URL": pg_url}
    a_proc, a_url = stclient.start_server(tmp_path / "a", env=env)
    b_proc, b_url = stclient.start_server(tmp_path / "b", env=env)
    try:
        with stclient.Session(a_url) as a:
            a.run()
            assert a.upload(*wide_csv(12, n_rows=120)).metrics["Responses"] == "120"
            a.type("save_name_sidebar", "Shared on two servers")
            shown = a.click("save_button_sidebar")
            link = next(t for t in shown.markdown if "survey=" in t)
            sid = _re.search(r"survey=([A-Za-z0-9_-]{32})", link).group(1)

            with stclient.Session(b_url, query=f"survey={sid}") as b:
                assert b.run().metrics["Responses"] == "120"

                assert a.upload(*wide_csv(12, n_rows=75)).metrics["Responses"] == "75"
                a.goto("saved")
                replaced = a.click(f"replace_{sid}")
                assert any("The data was replaced" in m for m in replaced.successes), replaced.errors

                assert b.run().metrics["Responses"] == "75"  # B's next page load
        assert open_store(pg_url).load(sid).version == 2
    finally:
        stclient.stop_server(a_proc)
        stclient.stop_server(b_proc)
