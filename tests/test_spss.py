"""SPSS (.sav, .zsav) and Stata (.dta) files: the file's own declarations make the zero-option reading.

The files are written here with pyreadstat from a hand-made survey, in the shape of a survey-tool SPSS
export: variable labels hold the question texts; value labels give the scale (``1 = Very
dissatisfied`` ... ``5 = Very satisfied``) and the no-answer code (``9 = Don't know``); 9 and -99
are declared missing; gender and region are labelled categories. One file is labelled the other
way round (``1 = very satisfied`` ... ``7 = very dissatisfied``, ``8 = don't know``, as in a
soccer-fan survey kept as SPSS), so its answers are reversed. Every expected count is worked out
from the arrays below (see the comments).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.scales import Scale

QUESTIONS = {
    "Q1_1": "How satisfied were you with each part of your visit? - Parking",
    "Q1_2": "How satisfied were you with each part of your visit? - Reception",
    "Q1_3": "How satisfied were you with each part of your visit? - Waiting room",
    "Q2": "Overall, how satisfied were you with your visit?",
    "Q3": "What is your gender?",
    "Q4": "Which region do you live in?",
    "Q5": "Why did you rate your visit like that?",
}
RATING_LABELS = {1: "Very dissatisfied", 2: "Dissatisfied", 3: "Neither satisfied nor dissatisfied", 4: "Satisfied",
                 5: "Very satisfied", 9: "Don't know"}


def survey_frame(n: int = 60, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mood = rng.normal(0, 1, n)
    df = pd.DataFrame({"ResponseId": [f"R_{k:03d}" for k in range(n)]})
    for j, col in enumerate(("Q1_1", "Q1_2", "Q1_3")):
        df[col] = np.clip(np.rint(3 + mood + rng.normal(0, 0.6, n)), 1, 5)
    df["Q2"] = np.clip(np.rint(3 + mood), 1, 5)
    df.loc[::10, "Q1_1"] = 9.0  # 6 answers "Don't know" (rows 0, 10, ..., 50): declared missing
    df.loc[3, "Q1_2"] = -99.0  # 1 answer declared missing (a system code)
    df.loc[5, "Q1_3"] = np.nan  # 1 empty answer
    df["Q3"] = rng.integers(1, 3, n).astype(float)
    df["Q4"] = rng.integers(1, 4, n).astype(float)
    df["Q5"] = [("The queue was long" if k % 3 else "") for k in range(n)]
    return df


def write_sav(path, df, **kw):
    pyreadstat.write_sav(
        df, str(path), column_labels={**QUESTIONS, "ResponseId": "Response ID"},
        variable_value_labels={"Q1_1": RATING_LABELS, "Q1_2": RATING_LABELS, "Q1_3": RATING_LABELS, "Q2": RATING_LABELS,
                               "Q3": {1: "Male", 2: "Female"}, "Q4": {1: "North", 2: "South", 3: "East"}},
        missing_ranges={c: [9, -99] for c in ("Q1_1", "Q1_2", "Q1_3", "Q2")},
        variable_measure={"Q3": "nominal", "Q4": "nominal", "Q1_1": "ordinal", "Q1_2": "ordinal", "Q1_3": "ordinal"},
        **kw)


@pytest.mark.parametrize("suffix, kw", [(".sav", {}), (".zsav", {"compress": True})])
def test_spss_export_reads_right_with_no_options(tmp_path, suffix, kw):
    df = survey_frame()
    path = tmp_path / f"export{suffix}"
    write_sav(path, df, **kw)
    s = import_survey(path)
    i = s.info
    assert i.format == "spss" and i.id_column == "ResponseId"
    # the matrix rows, named by their row labels; the overall question is the outcome
    assert i.stages == ("Parking", "Reception", "Waiting room")
    assert i.scale == Scale(1, 5) and i.scale_source == "labels"
    assert i.outcome == "Q2"
    # no answer: 6 x 9 (declared and labelled "Don't know"), 1 x -99 (declared), 1 empty cell
    assert {(c.value, c.answers, c.source) for c in i.na_codes} == {("9", 6, "file"), ("-99", 1, "file")}
    assert (i.ratings, i.no_answers, i.invalid_answers) == (3 * 60 - 8, 8, 0)
    # the labelled categories are segments with their labels; the open question is a comment
    assert i.segments == ("Q3", "Q4")
    assert set(s.responses["Q3"].dropna()) == {"Male", "Female"} and set(s.responses["Q4"].dropna()) <= {"North", "South", "East"}
    assert [(c.column, c.stage) for c in i.comment_columns] == [("Q5", None)] and i.comment_column == "Q5"
    # the ratings are the codes as written (reference: the frame above)
    ref = df["Q1_1"][df["Q1_1"].between(1, 5)]
    got = s.ratings[s.ratings.stage == "Parking"]["score"]
    assert len(got) == len(ref) == 54 and got.mean() == pytest.approx(ref.mean(), rel=1e-12)


def test_stata_file_reads_right_with_no_options(tmp_path):
    df = survey_frame()
    path = tmp_path / "survey.dta"
    pyreadstat.write_dta(df, str(path), column_labels=QUESTIONS,
                         variable_value_labels={"Q1_1": {1: "Very dissatisfied", 5: "Very satisfied", 9: "Don't know"},
                                                "Q3": {1: "Male", 2: "Female"}})
    s = import_survey(path)
    i = s.info
    assert i.format == "stata" and i.stages == ("Parking", "Reception", "Waiting room") and i.scale == Scale(1, 5)
    # 9 is labelled "Don't know" in Q1_1 (6 answers); -99 is a usual no-answer code beyond 1-5 (1 answer)
    assert {c.value: c.answers for c in i.na_codes} == {"9": 6, "-99": 1}
    assert set(s.responses["Q3"].dropna()) == {"Male", "Female"}


def test_labels_that_put_the_best_answer_first_are_reversed(tmp_path):
    # x1..x3 labelled 1 = very satisfied ... 7 = very dissatisfied, 8 = don't know (declared missing)
    rng = np.random.default_rng(5)
    good = rng.integers(1, 8, (80, 3)).astype(float)
    good[0, 0] = 8.0
    df = pd.DataFrame(good, columns=["x1", "x2", "x3"])
    labels = {1: "very satisfied", 7: "very dissatisfied", 8: "don't know"}
    path = tmp_path / "fans.sav"
    pyreadstat.write_sav(df, str(path), column_labels={"x1": "Condition of the stadium", "x2": "Entry fees",
                                                       "x3": "Team"},
                         variable_value_labels={c: labels for c in df.columns}, missing_ranges={c: [8] for c in df.columns},
                         variable_measure={c: "ordinal" for c in df.columns})
    s = import_survey(path)
    assert s.info.scale == Scale(1, 7) and s.info.stages == ("Condition of the stadium", "Entry fees", "Team")
    assert any("reversed" in n for n in s.info.notes)
    ref = 8 - df["x2"]  # reversed on 1-7: 1 -> 7, 7 -> 1
    got = s.ratings[s.ratings.stage == "Entry fees"]["score"].to_numpy()
    assert np.array_equal(got, ref.to_numpy())
    assert s.info.na_answers == 1


def test_a_damaged_spss_file_is_one_sentence(tmp_path):
    path = tmp_path / "bad.sav"
    path.write_bytes(b"$FL2@(#) SPSS DATA FILE" + b"\x00" * 40)
    with pytest.raises(SurveyError) as err:
        import_survey(path)
    assert "could not be read as an SPSS file" in str(err.value) and "\n" not in str(err.value)
