"""AppTest tests of saved surveys, share links, passwords, the Saved surveys page, action plans and
report exports, on the app side.

Every test stores its saved surveys in its own temporary folder (``CYCLE_ANALYTICS_DATA_DIR``),
never in ./var. Run: ``python -m pytest tests/test_app_sharing.py -q``.
"""

from __future__ import annotations

import io
import urllib.parse
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from app_support import sharing
from cycle_analytics.cycles import load_cycle
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.stats.analysis import analyze
from cycle_analytics.stats.filters import filter_survey
from cycle_analytics.storage import open_store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
NOT_FOUND = "There is no saved survey at this link."


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """Saved surveys in a temporary folder, never in ./var or a configured database."""
    monkeypatch.setenv("CYCLE_ANALYTICS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CYCLE_ANALYTICS_DATABASE_URL", raising=False)


def new_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def clean(at: AppTest, where: str = "") -> AppTest:
    assert not at.exception, f"{where}: {[e.value for e in at.exception]}"
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def save(at: AppTest, name: str, password: str | None = None, where: str = "sidebar") -> str:
    """Save the survey in use from the sidebar; return the share link shown."""
    at.text_input(key=f"save_name_{where}").set_value(name)
    if password:
        at.text_input(key=f"save_password_{where}").set_value(password)
    at.button(key=f"save_button_{where}").click().run()
    clean(at, "save")
    links = [c.value for c in at.code if "survey=" in c.value]
    assert links, "no share link shown after saving"
    return links[-1]


def link_query(link: str) -> dict:
    """The query parameters of a share link, as AppTest takes them (a list for repeated keys)."""
    pairs = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    return {k: v[0] if len(v) == 1 else v for k, v in pairs.items()}


def survey_id(link: str) -> str:
    return link_query(link)["survey"]


def store(tmp_path):
    return open_store(tmp_path / "data")


@pytest.fixture(scope="module")
def bank_survey():
    """The bank sample as the app opens it: with its own cycle template and its N/A code declared."""
    data = (ROOT / "data" / "sample" / "bank_visit_long.csv").read_bytes()
    return import_survey(data, ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",)), file_name="bank_visit_long.csv")


# ---------------------------------------------------------------- save and open a link


def test_saved_link_opens_same_view_in_fresh_session(tmp_path):
    at = clean(new_app().run(), "start")
    seg = at.sidebar.multiselect[0]
    picked = seg.options[:1]
    seg.set_value(picked).run()
    before = metrics(clean(at, "filter"))
    link = save(at, "Bank survey, filtered")
    sid = survey_id(link)
    assert len(sid) == 32  # 192 random bits from the store
    q = link_query(link)
    assert q.get("sample") is None and any(k.startswith("seg.") for k in q), q

    fresh = clean(new_app(q).run(), "open link")
    assert metrics(fresh) == before
    assert fresh.sidebar.multiselect[0].value == picked
    assert any("Bank survey, filtered" in i.value for i in fresh.sidebar.info)
    assert fresh.query_params["survey"] in (sid, [sid])
    # the saved survey is on disk: a new store object (as after a restart) loads it
    assert store(tmp_path).load(sid).name == "Bank survey, filtered"


def test_filtered_link_shows_the_numbers_of_the_filtered_survey(bank_survey):
    branch = str(bank_survey.responses["branch"].cat.categories[0])
    at = clean(new_app({"seg.branch": branch}).run(), "filtered")
    fresh = clean(new_app(link_query(save(at, "One branch"))).run(), "open link")
    filtered = filter_survey(bank_survey, segments={"branch": [branch]})
    expected = analyze(filtered)
    shown = metrics(fresh)
    assert shown["Responses"] == f"{len(filtered.responses):,}"
    assert shown["Overall satisfaction"] == f"{filtered.responses[expected.outcome.column].mean():.2f}"
    assert shown["Critical moments"] == str(len(expected.critical_moments))


def test_saved_page_lists_the_respondents(bank_survey, tmp_path):
    at = clean(new_app().run())
    sid = survey_id(save(at, "Bank"))
    at.switch_page("app_pages/saved.py").run()
    clean(at, "saved page")
    n = len(bank_survey.responses)
    assert any(f"· {n:,} respondents" in m.value for m in at.markdown)  # "In use: ... · N respondents"
    label = next(e.label for e in at.expander if e.label.startswith("Bank"))
    assert f"{n:,} respondents" in label and "in use" in label
    assert [e.respondents for e in store(tmp_path).list_saved() if e.id == sid] == [n]


def test_link_keeps_page_and_stage():
    at = clean(new_app().run())
    at.switch_page("app_pages/priorities.py").run()
    at.switch_page("app_pages/saved.py").run()
    link = save(clean(at), "Priorities view", where="page")
    assert urllib.parse.urlsplit(link).path.rstrip("/").endswith("priorities"), link


@pytest.mark.parametrize("bad", ["A" * 32, "not-an-id", "'; DROP TABLE saved_survey; --", "A" * 31 + "!"])
def test_unknown_or_malformed_id_shows_only_not_found(bad):
    at = clean(new_app({"survey": bad}).run())
    assert [e.value for e in at.error] == [NOT_FOUND]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert not at.sidebar.file_uploader and not at.sidebar.multiselect


def test_deleted_survey_is_not_found_like_an_unknown_one(tmp_path):
    at = clean(new_app().run())
    sid = survey_id(save(at, "Soon gone"))
    store(tmp_path).delete(sid, edit_key=at.session_state["saved_edit_keys"][sid])  # the key this session was given
    fresh = clean(new_app({"survey": sid}).run())
    assert [e.value for e in fresh.error] == [NOT_FOUND]
    assert not fresh.metric


def test_password_protected_link():
    at = clean(new_app().run())
    before = metrics(at)
    sid = survey_id(save(at, "Secret", password="s3cret pass"))

    fresh = clean(new_app({"survey": sid}).run())
    assert not fresh.metric and not fresh.get("plotly_chart")
    pw = fresh.text_input(key="unlock_password")
    assert pw.proto.type == pw.proto.PASSWORD
    pw.set_value("wrong")
    fresh.button(key="unlock_button").click().run()
    clean(fresh, "wrong password")
    assert [e.value for e in fresh.error] == ["The password is not right for this saved survey."]
    assert not fresh.metric

    fresh.text_input(key="unlock_password").set_value("s3cret pass")
    fresh.button(key="unlock_button").click().run()
    clean(fresh, "right password")
    assert metrics(fresh) == before
    fresh.switch_page("app_pages/critical_moments.py").run()  # unlocked for the rest of the session
    clean(fresh, "next page")
    assert fresh.get("plotly_chart")


# ---------------------------------------------------------------- the Saved surveys page


def test_rename_and_delete_on_saved_page(tmp_path):
    at = clean(new_app().run())
    sid = survey_id(save(at, "First name"))
    at.switch_page("app_pages/saved.py").run()
    clean(at, "saved page")
    assert any(e.label.startswith("First name") for e in at.expander)

    at.text_input(key=f"rename_{sid}").set_value("Second name")
    at.button(key=f"rename_button_{sid}").click().run()
    clean(at, "rename")
    assert any(e.label.startswith("Second name") for e in at.expander)
    assert store(tmp_path).load(sid).name == "Second name"

    assert at.button(key=f"delete_{sid}").disabled  # until confirmed
    at.checkbox(key=f"delete_sure_{sid}").check().run()
    at.button(key=f"delete_{sid}").click().run()
    clean(at, "delete")
    assert store(tmp_path).list_saved() == []
    assert not any(e.label.startswith("Second name") for e in at.expander)
    assert [e.value for e in clean(new_app({"survey": sid}).run()).error] == [NOT_FOUND]


def test_replace_data_with_upload(tmp_path):
    at = clean(new_app().run())
    sid = survey_id(save(at, "Will be replaced"))
    csv = (ROOT / "data" / "sample" / "customer_lifecycle_wide.csv").read_bytes()
    at.file_uploader(key="upload").set_value(("other.csv", csv, "text/csv")).run()
    at.switch_page("app_pages/saved.py").run()
    at.button(key=f"replace_{sid}").click().run()
    clean(at, "replace")
    loaded = store(tmp_path).load(sid)
    assert loaded.name == "Will be replaced"
    assert len(loaded.survey.responses) == len(at.session_state["view"].survey.responses)
    fresh = clean(new_app({"survey": sid}).run())
    assert fresh.metric[0].value == f"{len(loaded.survey.responses):,}"


def test_open_from_saved_page_and_hostile_name_is_text():
    at = clean(new_app().run())
    bank = metrics(at)
    sid = survey_id(save(at, "<b>Bank</b> *x*"))
    at.selectbox(key="sample").select("customer_lifecycle").run()
    assert metrics(clean(at, "other sample")) != bank
    at.switch_page("app_pages/saved.py").run()
    label = next(e.label for e in clean(at, "saved page").expander if "Bank" in e.label)
    assert label.startswith(r"\<b\>Bank\</b\> \*x\*"), label  # markdown-escaped: shown as typed
    at.button(key=f"open_{sid}").click().run()
    clean(at, "open")
    assert metrics(at) == bank
    assert at.query_params["survey"] in (sid, [sid])


# ---------------------------------------------------------------- action plans


def plan_csv(rows: list[dict]) -> bytes:
    return pd.DataFrame(rows, columns=["stage", "requirement", "action", "owner", "due_date", "status"]).to_csv(index=False).encode()


def test_action_plans_validated_saved_and_round_tripped(tmp_path):
    at = clean(new_app().run())
    sid = survey_id(save(at, "With plans"))
    at.switch_page("app_pages/priorities.py").run()
    clean(at, "priorities")
    editor = at.data_editor[0].value
    stages = at.session_state["view"].survey.stages
    assert list(editor.columns) == ["stage", "requirement", "action", "owner", "due_date", "status"]
    assert set(editor["stage"]) <= set(stages) and (editor["status"] == "planned").all()
    first = str(editor["stage"].iloc[0])  # rank 1

    # a wrong status: one sentence, nothing saved
    at.file_uploader(key="plans_upload").set_value(
        ("plans.csv", plan_csv([{"stage": first, "action": "x", "status": "someday"}]), "text/csv")).run()
    clean(at, "bad plans")
    assert any("status 'someday'" in e.value for e in at.error)
    assert len(store(tmp_path).load(sid).plans) == 0

    good = plan_csv([{"stage": first, "requirement": "Shorter queue", "action": "Open a second desk", "owner": "Ann",
                      "due_date": "2026-12-31", "status": "in progress"}])
    at.file_uploader(key="plans_upload").set_value(("plans2.csv", good, "text/csv")).run()
    clean(at, "good plans")
    saved = store(tmp_path).load(sid).plans
    assert saved[["stage", "action", "owner", "status"]].astype(str).values.tolist() == [[first, "Open a second desk", "Ann", "in progress"]]
    assert saved["due_date"].iloc[0] == pd.Timestamp("2026-12-31")

    fresh = clean(new_app({"survey": sid}).run())
    assert any("open action plan" in c.value for c in fresh.caption)  # marked on the journey
    fresh.switch_page("app_pages/priorities.py").run()
    clean(fresh, "priorities after reopening")
    shown = fresh.data_editor[0].value
    assert shown["action"].tolist() == ["Open a second desk"] and shown["status"].tolist() == ["in progress"]


def test_plans_made_before_saving_are_saved_with_the_survey(tmp_path):
    at = clean(new_app().run())
    at.switch_page("app_pages/priorities.py").run()
    first = str(at.data_editor[0].value["stage"].iloc[0])
    at.file_uploader(key="plans_upload").set_value(
        ("p.csv", plan_csv([{"stage": first, "action": "Train staff", "status": "planned"}]), "text/csv")).run()
    clean(at, "plans")
    sid = survey_id(save(at, "Plans first"))
    assert store(tmp_path).load(sid).plans["action"].tolist() == ["Train staff"]


# ---------------------------------------------------------------- report export


def test_report_buttons_give_html_and_workbook(monkeypatch, downloads):
    files = downloads
    at = clean(new_app().run())
    assert not [d for d in at.get("download_button") if "report" in d.label.lower()]  # built on click only
    at.button(key="prepare_reports").click().run()
    clean(at, "prepare")
    labels = [d.label for d in at.get("download_button")]
    assert "Download the HTML report" in labels and "Download the Excel workbook" in labels

    stages = [str(s) for s in at.session_state["view"].survey.stages]
    html = files["service_cycle_report.html"].decode("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for s in stages:
        assert s.replace("'", "&#x27;") in html, s
    wb = openpyxl.load_workbook(io.BytesIO(files["service_cycle_report.xlsx"]))
    assert {"Stage scores", "Priorities", "Action plans"} <= set(wb.sheetnames)
    ws = wb["Stage scores"]
    assert ws["A1"].value == "Stage"
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == stages

    # a rerun does not rebuild them (cached on the analysis key)
    calls = []
    monkeypatch.setattr("cycle_analytics.outputs.report.html_report", lambda *a, **k: calls.append(1) or "")
    at.run()
    clean(at, "rerun")
    assert calls == []
    assert sharing.plans_fingerprint(None) == "none"


# ---------------------------------------------------------------- login (an [auth] section in secrets)

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "id",
        "client_secret": "secret", "server_metadata_url": "https://idp.invalid/.well-known/openid-configuration"}


def auth_app(user: dict, query: dict | None = None) -> AppTest:
    at = new_app(query)
    at.secrets["auth"] = AUTH
    at.user = user
    return at


def test_login_gates_the_app_when_auth_is_configured():
    at = clean(auth_app({"is_logged_in": False}).run())
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.sidebar.file_uploader


def test_owner_is_recorded_and_lists_are_per_user(tmp_path):
    ann = clean(auth_app({"is_logged_in": True, "email": "ann@example.com"}).run())
    assert any("Signed in as ann@example" in c.value for c in ann.sidebar.caption)
    sid = survey_id(save(ann, "Ann's survey"))
    assert store(tmp_path).load(sid).owner == "ann@example.com"
    ann.switch_page("app_pages/saved.py").run()
    assert any(e.label.startswith("Ann's survey") for e in clean(ann).expander)

    bob = clean(auth_app({"is_logged_in": True, "email": "bob@example.com"}, {"survey": sid}).run())
    assert bob.metric  # a colleague with the link sees the survey
    bob.switch_page("app_pages/saved.py").run()
    assert not any(e.label.startswith("Ann's survey") for e in clean(bob).expander)  # but it is not in his list


def test_data_page_of_a_saved_survey_explains_why_choices_are_fixed():
    at = clean(new_app().run(), "start")
    link = save(at, "Bank survey")
    fresh = clean(new_app(link_query(link)).run(), "open link")
    fresh.switch_page("app_pages/data.py").run()
    clean(fresh, "data page")
    assert any("This is a saved survey" in i.value for i in fresh.info)
    # the re-import controls are not offered: there is no raw file behind a saved survey
    assert not any("Read the file again" in str(b.label) for b in fresh.button)


# ---------------------------------------------------------------- rights: a link views, the edit key changes


def test_a_link_grants_viewing_and_only_the_edit_key_shown_once_grants_changing(tmp_path):
    at = clean(new_app().run())
    sid = survey_id(save(at, "Team survey"))
    key = at.session_state["saved_edit_keys"][sid]
    assert any("Edit key, shown only now" in w.value for w in at.warning)
    assert [c.value for c in at.code if c.value == key] == [key]
    at.run()
    assert not [c for c in clean(at).code if c.value == key]  # shown once

    colleague = clean(new_app({"survey": sid}).run(), "colleague opens the link")
    assert colleague.metric
    colleague.switch_page("app_pages/saved.py").run()
    label = next(e.label for e in clean(colleague).expander if e.label.startswith("Team survey"))
    assert label.endswith("view only")
    assert not [b for b in colleague.button if b.key in (f"rename_button_{sid}", f"delete_{sid}", f"replace_{sid}")]
    colleague.text_input(key=f"edit_key_{sid}").set_value("not the key")
    colleague.button(key=f"use_key_{sid}").click().run()
    assert [e.value for e in clean(colleague).error] == ["This is not the edit key of this saved survey."]
    assert store(tmp_path).load(sid).name == "Team survey"

    colleague.text_input(key=f"edit_key_{sid}").set_value(key)  # the key handed over with the link
    colleague.button(key=f"use_key_{sid}").click().run()
    colleague.text_input(key=f"rename_{sid}").set_value("Renamed by a key holder")
    colleague.button(key=f"rename_button_{sid}").click().run()
    clean(colleague, "rename with the key")
    assert store(tmp_path).load(sid).name == "Renamed by a key holder"
    assert [(r.action, r.actor) for r in store(tmp_path).audit(sid, edit_key=key)] == [("save", "edit key"), ("rename", "edit key")]


def test_deleting_goes_to_the_trash_and_restoring_brings_the_link_back(tmp_path):
    at = clean(new_app().run())
    sid = survey_id(save(at, "Restorable"))
    at.switch_page("app_pages/saved.py").run()
    at.checkbox(key=f"delete_sure_{sid}").check().run()
    at.button(key=f"delete_{sid}").click().run()
    clean(at, "delete")
    assert [e.value for e in clean(new_app({"survey": sid}).run()).error] == [NOT_FOUND]
    assert any(m.value.startswith("**Restorable** · deleted") for m in at.markdown)
    at.button(key=f"restore_{sid}").click().run()
    clean(at, "restore")
    assert clean(new_app({"survey": sid}).run()).metric
    assert [r.action for r in store(tmp_path).audit(sid, edit_key=at.session_state["saved_edit_keys"][sid])] == \
        ["save", "delete", "restore"]


def test_wrong_passwords_are_rate_limited_with_a_sentence_saying_when():
    at = clean(new_app().run())
    sid = survey_id(save(at, "Locked", password="right one"))
    fresh = clean(new_app({"survey": sid}).run())
    for _ in range(5):
        fresh.text_input(key="unlock_password").set_value("guess")
        fresh.button(key="unlock_button").click().run()
        assert [e.value for e in clean(fresh).error] == ["The password is not right for this saved survey."]
    fresh.text_input(key="unlock_password").set_value("right one")
    fresh.button(key="unlock_button").click().run()
    assert [e.value for e in clean(fresh).error] == [
        "Too many wrong passwords for this saved survey from your connection; try again in 1 minute."]
    assert not fresh.metric


def test_a_survey_saved_before_owners_is_read_only_until_claimed(tmp_path, bank_survey):
    sid = store(tmp_path).save(bank_survey, "Old survey")  # no owner, no edit key: how surveys were saved before
    at = clean(new_app({"survey": sid}).run())
    at.switch_page("app_pages/saved.py").run()
    assert any("nobody can change it" in i.value for i in clean(at).info)
    at.button(key=f"claim_{sid}").click().run()
    clean(at, "claim")
    key = at.session_state["saved_edit_keys"][sid]
    assert [c.value for c in at.code if c.value == key] == [key]
    at.text_input(key=f"rename_{sid}").set_value("Claimed")
    at.button(key=f"rename_button_{sid}").click().run()
    assert store(tmp_path).load(sid).name == "Claimed"


def test_the_importer_honours_streamlits_upload_limit():
    from streamlit import config

    before = config.get_option("server.maxUploadSize")
    config.set_option("server.maxUploadSize", 1)
    try:
        big = ("id,wait,teller\n" + "".join(f"R{i},{1 + i % 5},{1 + i % 3}\n" for i in range(100_000))).encode()
        assert len(big) > 1024 * 1024
        at = clean(new_app().run())
        at.file_uploader(key="upload").set_value(("big.csv", big, "text/csv")).run()
        assert [e.value for e in clean(at).error] == [
            "The file 'big.csv' is larger than the limit of 1.0 MB for an upload \\(1,088,905 bytes\\); split it or raise the limit."]
    finally:
        config.set_option("server.maxUploadSize", before)


def test_the_same_bytes_under_two_names_never_show_one_users_name_to_the_other(monkeypatch):
    files: list[tuple[str, bytes]] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self, path_or_data, mimetype, kind, filename=None):
        if filename and filename.endswith(".html"):
            files.append((filename, path_or_data))
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    data = (ROOT / "data" / "sample" / "customer_lifecycle_wide.csv").read_bytes()
    reports = {}
    for name in ("ann_private_q3.csv", "bob.csv"):
        at = clean(new_app().run())
        at.file_uploader(key="upload").set_value((name, data, "text/csv")).run()
        assert clean(at).session_state["view"].file_name == name
        at.button(key="prepare_reports").click().run()
        reports[name] = clean(at, "reports").session_state["view"], files[-1][1].decode("utf-8")
    bob_view, bob_html = reports["bob.csv"]
    assert bob_view.survey.info.source["file_name"] == "bob.csv"
    assert "ann_private_q3" not in bob_html and "bob.csv" in bob_html
    assert "ann_private_q3" not in repr(bob_view.key)
