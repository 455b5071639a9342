"""Stage mapping of question columns (cycle_analytics.ingest.mapping).

Reference: the hotel_stay template (cycle_analytics/templates/hotel_stay.yaml) and the question
texts of tests/format_builders.py; every expected stage below is read off those two by hand.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import format_builders as fb
from cycle_analytics.cycles import Cycle, Stage, load_cycle
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import using_language
from cycle_analytics.ingest.formats import detect
from cycle_analytics.ingest.mapping import (
    FUZZY_THRESHOLD, MAPPING_COLUMNS, MappingStore, default_stage_names, map_questions, mapping_signature,
    row_label, shorten_question,
)

HOTEL = load_cycle("hotel_stay")
HOTEL_STAGES = ("Arrival and check-in", "Room", "Help from the staff", "Check-out")


def _questions(name: str) -> dict[str, str]:
    b = fb.build_all()[name]
    return detect(fb.preview_of(b.data, b.file_name)).questions


@pytest.mark.parametrize("name", ["qualtrics_csv", "qualtrics_legacy_csv", "surveymonkey_csv", "google_forms_csv",
                                  "ms_forms_xlsx", "typeform_csv"])
def test_every_format_maps_to_the_same_stages(name):
    m = map_questions(_questions(name), HOTEL)
    assert list(m.columns) == MAPPING_COLUMNS
    mapped = m[m["stage"].notna()]
    assert tuple(mapped["stage"]) == HOTEL_STAGES
    assert (mapped["confidence"] == 1.0).all() and set(mapped["method"]) <= {"exact", "alias"}
    rest = m[m["stage"].isna()]
    assert set(rest["method"]) == {"none"} and (rest["confidence"] == 0.0).all()


def test_fuzzy_matching_with_confidence():
    qs = {
        "q1": "How satisfied were you with the check-in process?",
        "q2": "Please rate your room",
        "q3": "How was the breakfast buffet?",
        "q4": "Parking",
        "q5": "Overall, how satisfied were you with the room and the stay?",
    }
    m = map_questions(qs, HOTEL).set_index("column")
    assert m.loc["q1", "stage"] == "Arrival and check-in" and m.loc["q1", "method"] == "fuzzy"
    assert 0.85 <= m.loc["q1", "confidence"] < 1.0
    assert m.loc["q2", "stage"] == "Room" and m.loc["q3", "stage"] == "Breakfast"
    assert m.loc["q4", "stage"] is None and m.loc["q4", "method"] == "none"
    assert m.loc["q5", "stage"] is None and "outcome" in m.loc["q5", "note"]  # never fuzzily a stage
    assert m["match"].tolist() == ["stage", "stage", "stage", "none", "outcome"]


def test_threshold_is_a_parameter():
    qs = {"q1": "How satisfied were you with the check-in process?"}
    assert map_questions(qs, HOTEL, threshold=100)["stage"].iloc[0] is None
    assert FUZZY_THRESHOLD == 85.0


def test_one_column_per_stage():
    cyc = Cycle("c", (Stage("Room", aliases=("q1", "q2")),))
    m = map_questions({"q1": "", "q2": "", "q3": "The room"}, cyc)
    assert m["stage"].tolist() == ["Room", None, None]
    assert "already rated by column 'q1'" in m["note"].iloc[1]
    assert m["match"].tolist() == ["stage", "taken", "none"]  # what a caller reads: a kind, never the note's words


def test_the_match_kind_does_not_depend_on_the_language_of_the_note():
    cyc = Cycle("c", (Stage("Room", aliases=("q1", "q2")),))
    with using_language("es"):
        m = map_questions({"q1": "", "q2": "", "q3": "The room"}, cyc)
    assert m["match"].tolist() == ["stage", "taken", "none"] and "ya calificada por la columna" in m["note"].iloc[1]


def test_saved_mapping_wins():
    qs = _questions("qualtrics_csv")
    saved = {"Q1_1": None, "Q1_2": "Breakfast", "Q2": "Nonexistent stage"}
    m = map_questions(qs, HOTEL, saved=saved).set_index("column")
    assert m.loc["Q1_1", "stage"] is None and m.loc["Q1_1", "method"] == "saved"
    assert m.loc["Q1_2", "stage"] == "Breakfast" and m.loc["Q1_2", "method"] == "saved"
    assert m.loc["Q2", "method"] != "saved"  # a stage the cycle does not have is ignored
    assert m.loc["Q1_3", "stage"] == "Help from the staff"


def test_default_stage_names():
    assert list(default_stage_names(_questions("typeform_csv")).values())[:4] == [
        "Check-in", "Room", "Help you received from the staff during…", "Check-out"]
    names = default_stage_names({c: q for c, q in _questions("qualtrics_csv").items() if c.startswith("Q1_")})
    assert names == {"Q1_1": "Check-in", "Q1_2": "Room", "Q1_3": "Staff", "Q1_4": "Check-out"}
    sm = default_stage_names({f"{fb.MATRIX_Q} - {r}": f"{fb.MATRIX_Q} - {r}" for r in fb.ROWS})
    assert list(sm.values()) == list(fb.ROWS)  # matrix rows named by their row label
    dup = default_stage_names({"a": "Staff", "b": "staff", "c": "Staff"})
    assert dup == {"a": "Staff", "b": "Staff (b)", "c": "Staff (c)"}
    assert len(shorten_question("x " * 60)) <= 41


def test_row_label():
    assert row_label("Rate your stay [Room]") == "Room"
    assert row_label("Rate your stay - Check-in") == "Check-in"
    assert row_label("Check-in") is None


def test_signature_is_stable():
    a = mapping_signature(_questions("qualtrics_csv"))
    b = mapping_signature(dict(reversed(list(_questions("qualtrics_csv").items()))))
    assert a == b and len(a) == 16
    assert mapping_signature(_questions("qualtrics_csv")) != mapping_signature(_questions("typeform_csv"))
    assert mapping_signature(["Q1", "Q2"]) == mapping_signature(["q2", "Q1 "])
    with pytest.raises(SurveyError):
        mapping_signature("Q1")
    with pytest.raises(SurveyError):
        mapping_signature([])


def test_store_round_trip(tmp_path):
    qs = _questions("surveymonkey_csv")
    sig = mapping_signature(qs)
    store = MappingStore(tmp_path / "mappings")
    assert store.load(sig) is None and store.signatures() == []
    proposed = map_questions(qs, HOTEL)
    path = store.save(sig, proposed, cycle=HOTEL.name, questions=qs)
    assert path.name == f"mapping-{sig}.json" and store.signatures() == [sig]
    data = store.load(sig)
    assert data["cycle"] == "Hotel stay" and data["questions"] == qs
    assert {c: s for c, s in data["columns"].items() if s} == dict(zip(proposed["column"][proposed["stage"].notna()], HOTEL_STAGES))
    again = map_questions(qs, HOTEL, saved=data["columns"])
    assert (again["method"] == "saved").all() and again["stage"].tolist() == proposed["stage"].tolist()
    assert store.delete(sig) and store.load(sig) is None


def test_store_errors(tmp_path):
    store = MappingStore(tmp_path)
    with pytest.raises(SurveyError, match="not a mapping signature"):
        store.path("../etc/passwd")
    sig = mapping_signature(["a"])
    (tmp_path / f"mapping-{sig}.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SurveyError, match="cannot be read"):
        store.load(sig)
    (tmp_path / f"mapping-{sig}.json").write_text(json.dumps({"signature": "other", "columns": {}}), encoding="utf-8")
    with pytest.raises(SurveyError, match="not a mapping file"):
        store.load(sig)
    with pytest.raises(SurveyError):
        store.save(sig, pd.DataFrame({"x": [1]}))


def test_bad_input():
    with pytest.raises(SurveyError):
        map_questions(["Q1"], HOTEL)
    with pytest.raises(SurveyError):
        map_questions({"Q1": "x"}, "hotel_stay")
    with pytest.raises(SurveyError):
        map_questions({"Q1": "x"}, HOTEL, threshold=150)
