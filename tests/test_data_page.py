"""AppTest of the Data page's mapping review: edit the stage mapping, apply it, have it saved and
reused for a file with the same questions, and map an unknown answer label.

The upload is the Qualtrics export of ``tests/format_builders.py`` (ids ``Q1_1..Q1_4`` with the
matrix question text, an overall question ``Q2``, a recommend question ``Q3``). Saved mappings go
to a temporary ``CYCLE_ANALYTICS_DATA_DIR``, never to ``./var``.

Run: ``python -m pytest tests/test_data_page.py -q``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import format_builders as fb

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
EDITOR = "data_mapping_editor"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CYCLE_ANALYTICS_DATA_DIR", str(tmp_path))
    return tmp_path


def clean(at: AppTest, where: str) -> AppTest:
    assert not at.exception, f"{where}: {[e.value for e in at.exception]}"
    return at


def open_data_page(data: bytes, name: str = "qualtrics.csv", browser: str | None = None) -> AppTest:
    """Upload ``data`` and open the Data page; ``browser`` = the browser id of an earlier session
    (the app keeps it in a cookie, which AppTest cannot send: it is seeded in session state)."""
    at = AppTest.from_file(APP, default_timeout=90)
    if browser:
        at.session_state["browser_id"] = browser
    at.run()
    clean(at, "start")
    at.file_uploader(key="upload").set_value((name, data, "text/csv")).run()
    clean(at, "upload")
    at.switch_page("app_pages/data.py").run()
    return clean(at, "data page")


def summary(at: AppTest, item: str) -> str:
    df = next(d.value for d in at.dataframe if list(d.value.columns) == ["item", "value"])
    return str(df.loc[df["item"] == item, "value"].iloc[0])


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def mapping_table(at: AppTest):
    return at.dataframe(key=EDITOR).value


def test_edit_apply_save_and_reuse_the_mapping(data_dir):
    data = fb.qualtrics_csv()
    at = open_data_page(data)
    assert summary(at, "stages") == "Check-in → Room → Staff → Check-out"  # named from the matrix rows
    table = mapping_table(at)
    rows = dict(zip(table["column"], range(len(table))))
    assert {"Q1_1", "Q1_2", "Q1_3", "Q1_4", "Q2", "Q3"} <= set(rows)
    assert "RecipientEmail" not in rows and "ResponseId" not in rows  # personal data and ids are not candidates
    assert table.loc[rows["Q1_2"], "stage"] == "Room"
    assert table.loc[rows["Q2"], "stage"] == "not a stage"

    # the user renames Room, drops Staff and turns nothing else; then applies
    at.session_state[EDITOR] = {"edited_rows": {rows["Q1_2"]: {"stage": "Bedroom"}, rows["Q1_3"]: {"stage": "not a stage"}},
                                "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="data_apply_mapping").click().run()
    clean(at, "apply")
    assert summary(at, "stages") == "Check-in → Bedroom → Check-out"
    # Staff's answers are no longer read (counts from the generated survey)
    n_staff, _ = fb.expected_stage_stats()["Staff"]
    total = sum(n for n, _ in fb.expected_stage_stats().values())
    assert metric(at, "Ratings") == f"{total - n_staff:,}"
    assert any("saved" in str(e.value) for e in at.success)

    files = list((data_dir / "mappings").rglob("mapping-*.json"))  # in this browser's own folder
    assert len(files) == 1
    record = json.loads(files[0].read_text(encoding="utf-8"))
    assert record["columns"]["Q1_2"] == "Bedroom" and record["columns"]["Q1_3"] is None
    assert record["saved_at"]

    # a fresh session of the same browser uploading the same file gets the confirmed mapping back
    at2 = open_data_page(data, name="qualtrics again.csv", browser=at.session_state["browser_id"])
    assert summary(at2, "stages") == "Check-in → Bedroom → Check-out"
    assert any(str(e.value).startswith("Reused mapping from") for e in at2.info)
    table2 = mapping_table(at2)
    assert table2.loc[table2["column"] == "Q1_2", "method"].iloc[0] == "your mapping"
    assert metric(at2, "Ratings") == f"{total - n_staff:,}"

    # reset: back to the importer's guesses, and the saved mapping is not forced again in this session
    at2.button(key="reset_overrides").click().run()
    clean(at2, "reset")
    assert summary(at2, "stages") == "Check-in → Room → Staff → Check-out"


def test_mapping_with_a_cycle_offers_the_cycle_stages(data_dir):
    at = open_data_page(fb.qualtrics_csv())
    at.selectbox(key="cycle").set_value("hotel_stay").run()
    clean(at, "cycle")
    assert summary(at, "stages") == "Arrival and check-in → Room → Help from the staff → Check-out"
    table = mapping_table(at)
    rows = dict(zip(table["column"], range(len(table))))
    assert table.loc[rows["Q1_1"], "method"] == "alias"
    # the questions rate other stages than proposed: Q1_4 is in fact about breakfast
    at.session_state[EDITOR] = {"edited_rows": {rows["Q1_4"]: {"stage": "Breakfast"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="data_apply_mapping").click().run()
    clean(at, "apply")
    # cycle order: Booking, Arrival and check-in, Room, Breakfast, Help from the staff, Check-out
    assert summary(at, "stages") == "Arrival and check-in → Room → Breakfast → Help from the staff"


def test_unknown_label_mapped_to_a_score_reimports_without_invalid_answers(data_dir):
    data = fb.qualtrics_csv(choice_text=True)
    text = data.decode("utf-8-sig")
    # the "Dissatisfied" answers of the matrix become a label the app does not know
    head, body = text.split("\r\n", 3)[:3], text.split("\r\n", 3)[3]
    body = body.replace(",Dissatisfied,", ",So-so,")
    ids = next(csv.reader([head[0]]))
    matrix = [k for k, c in enumerate(ids) if c.startswith("Q1_")]  # the stage columns
    n_answers = sum(row[k] == "So-so" for row in csv.reader(body.split("\r\n")) if row for k in matrix)
    assert n_answers > 0
    data = ("\r\n".join(head) + "\r\n" + body).encode("utf-8-sig")
    at = open_data_page(data)
    # an unknown label is an invalid answer: listed, its row kept
    assert metric(at, "Invalid answers") == f"{n_answers:,}" and metric(at, "Rejected") == "0"
    labels = [s for s in at.selectbox if s.key == "data_label__So-so"]
    assert len(labels) == 1 and "So-so" in labels[0].label
    labels[0].set_value("2")
    at.button(key="FormSubmitter:data_labels-Map the labels and read the file again").click().run()
    clean(at, "labels")
    assert metric(at, "Rejected") == "0" and metric(at, "Invalid answers") == "0"
    assert metric(at, "Accepted") == f"{fb.N_RESPONSES:,}"
    assert not [s for s in at.selectbox if s.key == "data_label__So-so"]
    assert any("Your label mapping" in str(c.value) and "So\\-so" in str(c.value) and "→ 2" in str(c.value) for c in at.caption)


# ---------------------------------------------------------------- "What we read": confirmed once, remembered


def test_what_we_read_is_confirmed_once_and_remembered_for_the_same_columns(data_dir):
    data = fb.qualtrics_csv()
    at = open_data_page(data)
    texts = " ".join(str(m.value) for m in at.markdown)
    # the reading shows the stages in order, the scale and the outcome, each with its reason
    assert "Check\\-in → Room → Staff → Check\\-out" in texts or "Check-in → Room → Staff → Check-out" in texts
    assert any("Check what we read" in str(i.value) for i in at.info)
    at.button(key="FormSubmitter:import_choices-Confirm what we read").click().run()
    clean(at, "confirm")
    assert any("You confirmed this reading" in str(s.value) for s in at.success)
    assert len(list((data_dir / "mappings").rglob("mapping-*.json"))) == 1  # the stages, remembered
    # a new session of the same browser with a file of the same columns opens confirmed
    at2 = open_data_page(data, name="next month.csv", browser=at.session_state["browser_id"])
    assert any("You confirmed this reading" in str(s.value) for s in at2.success)
    assert summary(at2, "stages") == "Check-in → Room → Staff → Check-out"


def test_changing_the_na_codes_replaces_the_importers_reading(data_dir):
    # 1-5 stages where 9 means "don't know": read as no answer; the manager clears the N/A codes, then 9 is invalid
    rows = "\n".join(f"r{k},{1 + k % 5},{9 if k % 7 == 0 else 1 + (k * 3) % 5}" for k in range(40))
    data = ("id,wait,teller\n" + rows + "\n").encode()
    at = open_data_page(data, name="nine.csv")
    assert at.text_input(key="data_na").value == "9"
    n_nine = sum(k % 7 == 0 for k in range(40))
    assert metric(at, "No answer") == f"{n_nine:,}" and metric(at, "Invalid answers") == "0"
    at.text_input(key="data_na").set_value("")
    at.button(key="FormSubmitter:import_choices-Read the file again with these choices").click().run()
    clean(at, "no N/A codes")
    assert metric(at, "Invalid answers") == f"{n_nine:,}" and metric(at, "No answer") == "0"
    assert metric(at, "Rejected") == "0"
