"""The reading choices a manager confirms on the Data page ("What we read": scale, N/A codes, outcome,
segments, date) are remembered with the stage mapping, per owner, and reused for a file with the same
columns in a later session of the same browser, never for another browser.

The upload is a small generated wide file (fixture below): three 1-5 stages where 9 means "don't
know", an overall 1-5 question, a 0-10 recommend question, a branch and a visit date. Saved
mappings go to a temporary ``CYCLE_ANALYTICS_DATA_DIR``, never to ``./var``.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from app_support import state
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.mapping import MappingStore, mapping_signature

from test_data_page import clean, metric, open_data_page

CONFIRM = "FormSubmitter:import_choices-Confirm what we read"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CYCLE_ANALYTICS_DATA_DIR", str(tmp_path))
    return tmp_path


def visits_csv() -> bytes:
    """60 visits: stages 1-5 with a 9 ("don't know") in every seventh wait answer, overall 1-5,
    recommend 0-10, a branch and a visit date (deterministic, no randomness)."""
    rows = ["id,wait,teller,counter,overall,recommend,branch,visit_date"]
    for k in range(60):
        wait = 9 if k % 7 == 0 else 1 + k % 5
        rows.append(f"r{k},{wait},{1 + (k * 3) % 5},{1 + (k * 2) % 5},{1 + (k + 1) % 5},{k % 11},"
                    f"{'North' if k % 2 else 'South'},2026-03-{1 + k % 28:02d}")
    return ("\n".join(rows) + "\n").encode()


def reading(at: AppTest) -> dict[str, str]:
    """The "What we read" table as the page shows it: item -> what we read (markdown, unescaped)."""
    shown = [str(m.value).replace("\\", "") for m in at.markdown]
    items = ("Stages", "Scale", "N/A codes", "Outcome", "Segments", "Date")
    return {item: shown[shown.index(f"**{item}**") + 1] for item in items if f"**{item}**" in shown}


def confirm_changed_choices(at: AppTest) -> AppTest:
    """The manager drops the counter stage, reads the file as 1-7 (a questionnaire on 1-7 nobody
    answered above 5), declares 8 and 9 as N/A codes, takes "recommend" as the outcome, no segment
    and no date, and confirms."""
    at.multiselect(key=state.DATA_STAGES).set_value(["wait", "teller"])
    at.selectbox(key=state.DATA_SCALE).set_value("1-7")
    at.text_input(key=state.DATA_NA).set_value("8, 9")
    at.selectbox(key=state.DATA_OUTCOME).set_value("recommend")
    at.multiselect(key=state.DATA_SEGMENTS).set_value([])
    at.selectbox(key=state.DATA_DATE).set_value("(no date)")
    at.button(key=CONFIRM).click().run()
    return clean(at, "confirm")


def test_confirmed_choices_are_reused_for_the_same_owner_only(data_dir):
    data = visits_csv()
    first = open_data_page(data, name="visits.csv")
    before = reading(first)
    # what the importer read with no options (the baseline the manager corrects)
    assert before["Scale"].startswith("1–5") or before["Scale"].startswith("1-5"), before
    assert before["Outcome"].startswith("overall"), before
    assert before["Stages"] == "3: wait → teller → counter"
    assert "branch" in before["Segments"] and before["Date"] == "visit_date"
    n_nine = sum(k % 7 == 0 for k in range(60))

    confirm_changed_choices(first)
    mine = reading(first)
    assert "1–7" in mine["Scale"] or "1-7" in mine["Scale"]
    assert mine["Stages"] == "2: wait → teller"
    assert mine["Outcome"].startswith("recommend") and mine["Segments"] == "none" and mine["Date"] == "none"
    assert metric(first, "No answer") == f"{n_nine:,}"
    # just confirmed in this session: nothing is "reused" here
    assert not any(str(i.value).startswith("Reused mapping from") for i in first.info)
    files = list((data_dir / "mappings").rglob("mapping-*.json"))
    assert len(files) == 1
    record = json.loads(files[0].read_text(encoding="utf-8"))
    assert record["options"] == {"stages": ["wait", "teller"], "na_values": ["8", "9"], "infer_na_codes": False, "scale": "1-7", "outcome": "recommend",
                                 "segments": [], "date": ""}

    # a new session of the same browser, the same columns under another file name: the choices come back
    again = open_data_page(data, name="visits april.csv", browser=first.session_state[state.BROWSER_ID])
    assert reading(again) == mine
    assert again.selectbox(key=state.DATA_SCALE).value == "1-7"
    assert again.text_input(key=state.DATA_NA).value == "8, 9"
    assert again.selectbox(key=state.DATA_OUTCOME).value == "recommend"
    assert again.multiselect(key=state.DATA_SEGMENTS).value == []
    notice = next(str(i.value).replace("\\", "") for i in again.info if str(i.value).startswith("Reused mapping from"))
    for words in ("stages picked wait, teller", "scale 1-7", "N/A codes 8, 9", "outcome recommend", "no segments", "no date column"):
        assert words in notice, (words, notice)
    assert any("You confirmed this reading" in str(s.value) for s in again.success)

    # undo: back to the importer's reading for this session; the memory stays
    again.button(key="mapping_undo").click().run()
    clean(again, "undo")
    assert reading(again) == before
    assert len(list((data_dir / "mappings").rglob("mapping-*.json"))) == 1

    # another browser uploading the same file gets the importer's reading and no notice
    other = open_data_page(data, name="visits.csv")
    assert reading(other) == before
    assert not any(str(i.value).startswith("Reused mapping from") for i in other.info)


def test_a_record_keeps_only_reading_choices_of_the_right_kind(tmp_path):
    store = MappingStore(tmp_path)
    sig = mapping_signature({"wait": "", "overall": ""})
    with pytest.raises(SurveyError, match="not an import choice"):
        store.save(sig, {"wait": "Wait"}, options={"max_bytes": 10})
    with pytest.raises(SurveyError, match="cannot be"):
        store.save(sig, {"wait": "Wait"}, options={"segments": "branch"})
    store.save(sig, {"wait": "Wait"})  # a record without choices (as saved before they were kept)
    assert store.load(sig)["options"] == {}
    path = store.path(sig)
    record = json.loads(path.read_text(encoding="utf-8"))
    record["options"] = {"scale": 5}
    path.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(SurveyError, match="cannot be read; delete it"):
        store.load(sig)


def test_another_file_with_the_same_columns_in_the_same_session_gets_the_choices(data_dir):
    """Confirmed for this month's file, the next month's file (same columns, other answers) uploaded in
    the same session is read with the same choices, and says so."""
    first = open_data_page(visits_csv(), name="visits.csv")
    confirm_changed_choices(first)
    mine = reading(first)
    next_month = visits_csv().replace(b",North,", b",South,", 5)  # other answers, the same columns
    first.file_uploader(key="upload").set_value(("visits april.csv", next_month, "text/csv")).run()
    clean(first, "second upload")
    first.switch_page("app_pages/data.py").run()
    clean(first, "data page again")
    assert reading(first)["Outcome"] == mine["Outcome"] and reading(first)["Scale"] == mine["Scale"]
    assert any(str(i.value).startswith("Reused mapping from") for i in first.info)
