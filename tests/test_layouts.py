"""Layout detection, stages, scale, N/A codes, outcome, segments and row accounting.

Every expected count below is worked out by hand from the fixture text in this file (the comment
next to each fixture row says what happens to it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cycle_analytics.cycles import Cycle, Stage
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.scales import Scale

LONG = """respondent_id,date,branch,channel,stage,score,overall_satisfaction,recommend,comment
A1,2024-03-01,North,walk-in,Arrival,4,4,8,Nice staff
A1,2024-03-01,North,walk-in,Waiting,2,4,8,Nice staff
A1,2024-03-01,North,walk-in,Teller,5,4,8,Nice staff
A2,2024-03-02,South,online,Arrival,3,3,6,
A2,2024-03-02,South,online,Waiting,N/A,3,6,
A2,2024-03-02,South,online,Teller,4,3,6,
A3,2024-03-03,North,online,Waiting,1,2,3,=cmd|' /C calc'!A0
A3,2024-03-03,North,online,Teller,2,2,3,=cmd|' /C calc'!A0
,2024-03-03,North,online,Teller,2,2,3,
A4,2024-03-04,South,walk-in,Arrival,abc,5,9,
A4,2024-03-04,South,walk-in,Waiting,,5,9,
A4,2024-03-04,South,walk-in,Teller,5,5,9,
A4,2024-03-04,South,walk-in,Teller,4,5,9,
"""
# rows 1-8 fine (row 5 is an N/A answer: accepted, no rating); row 9 missing id (rejected); row 10
# score 'abc' (accepted, an invalid answer); row 11 missing score (accepted, no answer); row 12 fine;
# row 13 repeats A4's Teller (rejected) -> 11 accepted, 2 rejected; 11 answers read = 8 ratings +
# 2 without an answer (rows 5, 11) + 1 invalid (row 10); respondents A1..A4.

WIDE = """id,date,branch,wait,teller,cash,overall,comment
R1,2024-01-03,North,4,5,3,4,Fine
R2,2024-01-04,South,2,N/A,1,2,"Slow, very slow"
R3,2024-01-05,North,5,4,x,5,
R4,2024-01-06,South,3,9,2,3,ok
R5,2024-01-07,North,1,2,3,2,
R6,2024-02-01,South,4,4,4,4,good
"""
# with scale 1-5 and N/A code "N/A": every row accepted; R3's cash 'x' is an invalid answer (its
# wait 5 and teller 4 count); R4's teller 9 is a usual no-answer code beyond 1-5 (no answer).
# Ratings: R1 3, R2 2 (+1 N/A), R3 2, R4 2 (+ the 9), R5 3, R6 3 -> 15 ratings, 2 N/A answers,
# 1 invalid; 18 answers read (6 rows x 3 stages) = 15 + 2 + 1.
# Without reading 9 as a code (the manager's N/A codes only), R4's teller 9 is invalid instead: 15
# ratings, 1 N/A answer, 2 invalid.


def imp(text: str, **opts):
    return import_survey(text.encode("utf-8"), ImportOptions(**opts), file_name="t.csv")


def check_contract(s):
    """The tidy-survey contract of docs/architecture.md."""
    i = s.info
    assert i.rows_read == i.rows_accepted + i.rows_rejected
    assert len(s.rejected) == i.rows_rejected
    assert list(s.rejected.columns[:2]) == ["row", "reason"]
    assert list(s.ratings.columns) == ["response_id", "stage", "score"]
    assert isinstance(s.ratings.response_id.dtype, pd.CategoricalDtype)
    assert list(s.ratings.response_id.cat.categories) == list(s.responses.response_id.astype(str))
    assert s.ratings.stage.cat.ordered and tuple(s.ratings.stage.cat.categories) == i.stages
    assert s.ratings.score.dtype == np.float64
    assert s.scale.contains(s.ratings.score.to_numpy()).all()
    assert len(s.responses) == i.respondents and len(s.ratings) == i.ratings
    assert [c.column for c in i.columns if c.role != "dropped_personal"] or True


def test_long_reference_shape_counts():
    s = imp(LONG, na_values=("N/A",))
    check_contract(s)
    i = s.info
    assert i.format == "long"
    assert (i.rows_read, i.rows_accepted, i.rows_rejected) == (13, 11, 2)
    assert (i.respondents, i.ratings, i.na_answers) == (4, 8, 1)
    assert (i.answers_read, i.no_answers, i.invalid_answers) == (11, 2, 1)
    assert i.answers_read == i.ratings + i.no_answers + i.invalid_answers
    assert i.stages == ("Arrival", "Waiting", "Teller")
    assert i.scale == Scale(1, 5) and i.scale_source == "inferred"
    assert i.outcome == "overall_satisfaction"
    assert i.outcome_candidates == ("overall_satisfaction", "recommend")
    assert i.segments == ("branch", "channel")
    assert (i.id_column, i.date_column, i.comment_column) == ("respondent_id", "date", "comment")
    assert s.rejected.row.tolist() == [9, 13]
    reasons = s.rejected.reason.tolist()
    assert reasons[0] == "missing id"
    assert "already rated" in reasons[1]
    # the bad score loses that answer only: listed with its row, column, value and reason
    assert s.invalid.to_dict("records") == [{"row": 10, "column": "score", "value": "abc", "reason": "'abc' is not a number"}]
    assert list(s.responses.response_id) == ["A1", "A2", "A3", "A4"]
    assert s.responses.overall_satisfaction.tolist() == [4.0, 3.0, 2.0, 5.0]
    assert s.responses.date.dtype.kind == "M"
    assert s.responses.branch.dtype == "category"
    # formula text is kept literally, never interpreted
    assert s.responses.comment.tolist()[2] == "=cmd|' /C calc'!A0"
    # A4 keeps only the first Teller rating (5)
    a4 = s.ratings[s.ratings.response_id == "A4"]
    assert a4.stage.tolist() == ["Teller"] and a4.score.tolist() == [5.0]
    roles = {c.column: c.role for c in i.columns}
    assert roles == {"respondent_id": "id", "date": "date", "branch": "segment", "channel": "segment", "stage": "stage_name",
                     "score": "score", "overall_satisfaction": "outcome", "recommend": "outcome", "comment": "comment"}


def test_long_without_na_code_reads_na_text_as_no_answer():
    # "N/A" is a built-in missing-answer token: no answer without being declared (same counts as above)
    s = imp(LONG)
    assert (s.info.rows_accepted, s.info.rows_rejected, s.info.na_answers) == (11, 2, 1)
    assert "N/A" not in s.invalid.value.tolist()
    assert [(c.value, c.answers, c.source) for c in s.info.na_codes] == [("N/A", 1, "default")]


def test_wide_counts_with_scale_and_na():
    s = imp(WIDE, na_values=("n/a",), scale=Scale(1, 5))
    check_contract(s)
    i = s.info
    assert i.format == "wide" and i.scale_source == "user"
    assert (i.rows_read, i.rows_accepted, i.rows_rejected, i.respondents, i.ratings, i.na_answers) == (6, 6, 0, 6, 15, 2)
    assert (i.answers_read, i.no_answers, i.invalid_answers) == (18, 2, 1)
    assert i.stages == ("wait", "teller", "cash")
    assert i.outcome == "overall"
    assert s.invalid.to_dict("records") == [{"row": 3, "column": "cash", "value": "x", "reason": "'x' is not a number"}]
    assert {(c.value, c.answers, c.source) for c in i.na_codes} == {("N/A", 1, "user"), ("9", 1, "inferred")}
    assert s.responses.comment.tolist()[1] == "Slow, very slow"
    assert list(s.responses.response_id) == ["R1", "R2", "R3", "R4", "R5", "R6"]
    # the manager's N/A codes only: the 9 is an invalid answer outside the scale, its row still counts
    own = imp(WIDE, na_values=("n/a",), scale=Scale(1, 5), infer_na_codes=False)
    o = own.info
    assert (o.rows_rejected, o.ratings, o.na_answers, o.invalid_answers) == (0, 15, 1, 2)
    assert own.invalid.reason.tolist() == ["'x' is not a number", "'9' is outside the scale 1-5"]
    assert own.invalid.row.tolist() == [3, 4] and own.invalid.column.tolist() == ["cash", "teller"]


def test_wide_nine_beyond_one_to_five_is_an_na_code():
    # the numbers are 1-5 and one 9: 9 is a usual no-answer code beyond 1-5 (not a point of 1-10)
    s = imp(WIDE, na_values=("N/A",))
    assert s.info.scale == Scale(1, 5) and s.info.scale_source == "inferred"
    assert s.info.rows_rejected == 0 and s.info.invalid_answers == 1  # only 'x'
    nine = next(c for c in s.info.na_codes if c.value == "9")
    assert (nine.answers, nine.source) == (1, "inferred") and "no-answer code" in nine.reason


def big_wide(n=300, seed=1, extra=None):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "respondent": [f"P{i}" for i in range(n)],
        "age": rng.integers(18, 90, n),
        "distance_km": np.round(rng.uniform(0.5, 40, n), 1),
        "minutes": rng.integers(5, 180, n),
        "arrival": rng.integers(1, 8, n),
        "service": rng.integers(1, 8, n),
        "billing": rng.integers(1, 8, n),
        "member": rng.integers(0, 2, n),
        "likelihood to recommend": rng.integers(0, 11, n),
    })
    if extra:
        extra(df)
    return df


def test_scale_inference_ids_ages_distances_minutes_are_not_stages():
    df = big_wide()
    s = import_survey(df.to_csv(index=False).encode(), file_name="w.csv")
    i = s.info
    assert i.stages == ("arrival", "service", "billing")
    assert i.scale == Scale(1, 7)
    assert i.outcome == "likelihood to recommend"
    assert "member" in i.outcome_candidates  # a 0/1 column is an outcome candidate, not a stage
    details = {c.column: (c.role, c.detail) for c in i.columns}
    assert details["respondent"][0] == "id"
    # each explained in one phrase: by its name, else by its values
    assert details["age"] == ("ignored", "not a stage: demographic (age) coded as numbers")
    assert details["minutes"] == ("ignored", "not a stage: time or duration")
    assert "not whole points" in details["distance_km"][1]
    assert i.ratings == 3 * 300


def test_out_of_scale_under_one_percent_is_an_invalid_answer():
    def plant(df):
        df.loc[7, "service"] = 12  # 1 value of 900 -> 1-7 still holds 99.9%; 12 is no code (not just outside, not 9/99)
    s = import_survey(big_wide(extra=plant).to_csv(index=False).encode(), file_name="w.csv")
    assert s.info.scale == Scale(1, 7)
    assert s.info.rows_rejected == 0 and s.info.respondents == 300
    assert s.invalid.to_dict("records") == [{"row": 8, "column": "service", "value": "12", "reason": "'12' is outside the scale 1-7"}]
    assert s.info.ratings == 3 * 300 - 1  # row 8 keeps its arrival and billing ratings


def test_na_codes_numeric_and_text_case_insensitive():
    text = "id,a,b,c\n1,0,5,Blank\n2,6,4,3\n3,1,BLANK,2\n4,2,3,4\n"
    s = imp(text, na_values=("0", "6", "blank"), scale=Scale(1, 5))
    assert s.info.na_answers == 4
    assert s.info.ratings == 8 and s.info.rows_rejected == 0
    assert set(s.ratings.score.unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}


def test_stage_order_inferred_from_rows_within_respondents():
    # respondent 1 skipped the first two stages and comes first in the file; respondents 3-4 are
    # interleaved; first appearance alone would give Teller, Cash, Arrival, Waiting.
    rows = [
        ("1", "Teller", 3), ("1", "Cash", 4),
        ("2", "Arrival", 4), ("2", "Waiting", 2), ("2", "Teller", 3), ("2", "Cash", 5),
        ("3", "Arrival", 5), ("4", "Arrival", 3), ("3", "Waiting", 4), ("4", "Teller", 4), ("3", "Cash", 3), ("4", "Cash", 2),
        ("5", "Waiting", 1), ("5", "Cash", 3),
    ]
    text = "respondent_id,stage,score\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)
    s = imp(text)
    assert s.info.stages == ("Arrival", "Waiting", "Teller", "Cash")
    assert s.info.ratings == len(rows)
    assert list(s.responses.response_id) == ["1", "2", "3", "4", "5"]


def test_cycle_maps_stage_values_and_rejects_unknown():
    cyc = Cycle("Bank", stages=(Stage("Arriving", aliases=("arrival",)), Stage("Queue", aliases=("waiting",)),
                                Stage("Counter", aliases=("teller",))), scale="1-5")
    text = LONG.replace("A2,2024-03-02,South,online,Teller", "A2,2024-03-02,South,online,Parking")
    s = imp(text, cycle=cyc, na_values=("N/A",))
    i = s.info
    assert i.stages == ("Arriving", "Queue", "Counter") and i.scale_source == "cycle"
    assert "unknown stage 'Parking' (not a stage of the cycle 'Bank')" in s.rejected.reason.tolist()
    # rejected: the missing id, the unknown stage, A4's second Teller; 'abc' and the empty score are answers of accepted rows
    assert (i.rows_accepted, i.rows_rejected, i.ratings) == (10, 3, 7)


def test_wide_with_cycle_maps_columns_by_alias_and_question():
    cyc = Cycle("Bank", stages=(Stage("Counter", aliases=("teller",)), Stage("Queue", question="Wait")))
    s = imp(WIDE, cycle=cyc, na_values=("N/A",), scale=Scale(1, 5))
    assert s.info.stages == ("Counter", "Queue")
    roles = {c.column: c for c in s.info.columns}
    assert roles["teller"].role == "stage" and "Counter" in roles["teller"].detail
    assert roles["cash"].role == "ignored"


def test_chosen_stages_and_outcome_override():
    s = imp(WIDE, stages=("cash", "wait"), outcome="teller", na_values=("N/A",), scale=Scale(1, 5))
    assert s.info.stages == ("cash", "wait")
    assert s.info.outcome == "teller"
    assert s.info.rows_rejected == 0 and s.info.invalid_answers == 1  # only 'x' in cash; teller 9 is an outcome value now
    assert s.invalid.column.tolist() == ["cash"]


def test_binary_text_outcome_and_positive_label():
    text = "id,a,b,satisfaction\n1,4,5,satisfied\n2,2,1,neutral or dissatisfied\n3,5,5,Satisfied\n4,3,3,neutral or dissatisfied\n"
    s = imp(text, positive="satisfied")
    assert s.info.outcome == "satisfaction"
    assert s.responses.satisfaction.tolist() == ["satisfied", "neutral or dissatisfied", "Satisfied", "neutral or dissatisfied"]
    with pytest.raises(SurveyError, match="positive label 'happy' is not a value"):
        imp(text, positive="happy")


def test_unknown_outcome_column_is_a_sentence():
    with pytest.raises(SurveyError, match="no column 'nps'"):
        imp(WIDE, outcome="nps")


def test_hostile_stage_name_kept_literally():
    text = "respondent_id,stage,score\n1,<script>alert(1)</script>,4\n1,=1+1,5\n2,<script>alert(1)</script>,3\n2,=1+1,2\n"
    s = imp(text)
    assert s.info.stages == ("<script>alert(1)</script>", "=1+1")


def test_wide_without_id_uses_row_numbers_and_rejects_empty_rows():
    text = "wait,teller\n4,5\n,\n3,2\n"
    s = imp(text)
    assert s.info.rows_read == 3 and s.info.rows_rejected == 1
    assert s.rejected.reason.tolist() == ["empty row"]
    assert list(s.responses.response_id) == ["1", "3"]


def test_duplicate_wide_ids_rejected():
    text = "id,a,b\nX,1,2\nY,2,3\nX,3,4\n"
    s = imp(text)
    assert s.rejected.row.tolist() == [3] and "duplicate respondent id" in s.rejected.reason[0]


def test_no_rating_columns_is_a_sentence():
    with pytest.raises(SurveyError, match="no rating columns"):
        imp("name,city\nAnn,Paris\nBob,Rome\n")


def test_forced_long_layout_that_does_not_fit():
    with pytest.raises(SurveyError, match="not a long layout"):
        imp("name,city\nAnn,Paris\nBob,Rome\n", layout="long")


def test_numeric_na_codes_and_outcomes():
    # stages 1-5 with 0 = not applicable; 'overall' is on the stages' scale, so its 0 is N/A too;
    # 'recommend' is 0-10, where 0 is a real answer and is kept.
    text = (
        "id,a,b,overall,recommend\n"
        "1,0,5,0,0\n2,4,4,4,9\n3,2,0,2,3\n4,5,5,5,10\n5,3,3,3,7\n6,1,2,1,2\n"
    )
    s = imp(text, na_values=("0",))
    assert s.info.scale == Scale(1, 5) and s.info.na_answers == 2
    assert s.responses.overall.isna().tolist() == [True, False, False, False, False, False]
    assert s.responses.recommend.tolist() == [0.0, 9.0, 3.0, 10.0, 7.0, 2.0]


def test_long_outcome_zero_kept_per_respondent():
    text = LONG.replace(",4,8,", ",4,0,")  # A1's recommend is 0 on each of A1's rows
    s = imp(text, na_values=("N/A", "0"))
    assert s.responses.recommend.tolist()[0] == 0.0


# ---------------------------------------------------------------- the user's stage mapping (stage_map)

# A Qualtrics-like wide export written by hand: line 1 ids, line 2 question texts, line 3 ImportIds. Hand-counted:
# Q1_1 answers 4,2,5 (mean 11/3); Q1_2 answers 3,5,4 (mean 4); Q1_3 answers 1,2,3; Q2 the overall.
MAPPED = (
    "ResponseId,Q1_1,Q1_2,Q1_3,Q2\n"
    "Response ID,Rate your visit - Front desk,Rate your visit - Bedroom,Rate your visit - Parking,"
    "\"Overall, how satisfied were you?\"\n"
    '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1_1""}","{""ImportId"":""QID1_2""}",'
    '"{""ImportId"":""QID1_3""}","{""ImportId"":""QID2""}"\n'
    "R1,4,3,1,4\n"
    "R2,2,5,2,3\n"
    "R3,5,4,3,5\n"
).encode()


def _stage_means(s):
    return s.ratings.groupby("stage", observed=True)["score"].mean().to_dict()


def test_stage_map_renames_excludes_and_orders_without_a_cycle():
    guess = import_survey(MAPPED, file_name="m.csv")
    assert guess.info.stages == ("Front desk", "Bedroom", "Parking")
    s = import_survey(MAPPED, ImportOptions(stage_map=(("Q1_2", "Room"), ("Q1_1", "Check-in"), ("Q1_3", None))),
                      file_name="m.csv")
    assert s.info.stages == ("Room", "Check-in")  # the order of the stage map
    assert _stage_means(s) == pytest.approx({"Room": 4.0, "Check-in": 11 / 3})
    roles = {r.column: r for r in s.info.columns}
    assert roles["Q1_3"].role != "stage"
    assert roles["Q1_2"].detail == "stage 'Room' (your mapping)"
    assert s.info.ratings == 6  # 3 respondents x 2 stages, Parking no longer read


def test_stage_map_keeps_unlisted_guesses_and_follows_the_cycle_order():
    cyc = Cycle("Visit", (Stage("Arrival", aliases=("front desk",)), Stage("Housekeeping"), Stage("Parking")))
    auto = import_survey(MAPPED, ImportOptions(cycle=cyc), file_name="m.csv")
    assert auto.info.stages == ("Arrival", "Parking")  # "Bedroom" matches no stage
    s = import_survey(MAPPED, ImportOptions(cycle=cyc, stage_map=(("Q1_2", "housekeeping"),)), file_name="m.csv")
    assert s.info.stages == ("Arrival", "Housekeeping", "Parking")  # cycle order, the cycle's spelling
    assert _stage_means(s)["Housekeeping"] == pytest.approx(4.0)
    # giving a guessed stage's name to another column takes it from the guessed column
    s2 = import_survey(MAPPED, ImportOptions(cycle=cyc, stage_map=(("Q1_3", "Arrival"),)), file_name="m.csv")
    assert s2.info.stages == ("Arrival",)
    assert _stage_means(s2)["Arrival"] == pytest.approx(2.0)  # Q1_3: (1+2+3)/3
    assert {r.column: r.role for r in s2.info.columns}["Q1_1"] != "stage"


def test_stage_map_errors_name_the_problem():
    with pytest.raises(SurveyError, match="no column 'Q9'"):
        import_survey(MAPPED, ImportOptions(stage_map=(("Q9", "Room"),)), file_name="m.csv")
    with pytest.raises(SurveyError, match="'Room' to more than one column"):
        import_survey(MAPPED, ImportOptions(stage_map=(("Q1_1", "Room"), ("Q1_2", "room"))), file_name="m.csv")
    with pytest.raises(SurveyError, match="respondent id"):
        import_survey(MAPPED, ImportOptions(stage_map=(("ResponseId", "Room"),)), file_name="m.csv")


@pytest.mark.parametrize("options, message", [
    ({"layout": "wide"}, "must be an ImportOptions, not a dict"),
    (ImportOptions(layout="tall"), "layout must be 'long' or 'wide'"),
    (ImportOptions(scale="1-5"), "scale must be a Scale"),
    (ImportOptions(cycle={"name": "x"}), "cycle option must be a Cycle"),
])
def test_options_of_the_wrong_kind_are_refused_with_one_sentence(options, message):
    with pytest.raises(SurveyError, match=message):
        import_survey(LONG.encode(), options, file_name="l.csv")


def test_stage_map_on_a_long_file_is_reported_not_used():
    s = import_survey(LONG.encode(), ImportOptions(stage_map=(("score", "X"),)), file_name="l.csv")
    assert s.info.format == "long"
    assert any("stage mapping was not used" in n for n in s.info.notes)


def test_unknown_labels_are_listed_with_count_and_columns():
    # hand-counted: "Meh" twice (a, b), "So-so" once (b); the other texts are satisfaction labels
    data = b"id,a,b\n1,Satisfied,Meh\n2,Meh,So-so\n3,Dissatisfied,Very satisfied\n4,Satisfied,Dissatisfied\n"
    s = import_survey(data, file_name="u.csv")
    got = [[u.label, u.count, "; ".join(u.columns)] for u in s.info.unknown_labels]
    assert got == [["Meh", 2, "a; b"], ["So-so", 1, "b"]]
    assert s.info.unknown_labels[0].columns == ("a", "b")
    assert s.info.to_json()["unknown_labels"][0] == {"label": "Meh", "count": 2, "columns": ["a", "b"]}
    # the notes say the same in words
    assert "The label 'Meh' (2 answers, columns a; b) is not known; map it to a score or to N/A." in s.info.notes
    # rows 1 and 2 hold an unknown label in a stage column: those answers are invalid, the rows count
    assert s.info.rows_rejected == 0 and s.info.invalid_answers == 3
    assert s.invalid[["row", "column", "value"]].values.tolist() == [[1, "b", "Meh"], [2, "a", "Meh"], [2, "b", "So-so"]]
    assert s.invalid.reason.tolist()[0] == "the label 'Meh' is not a known answer label"
    mapped = import_survey(data, ImportOptions(label_map=(("meh", 3.0), ("So-so", None))), file_name="u.csv")
    assert len(mapped.info.unknown_labels) == 0 and mapped.info.rows_rejected == 0 and mapped.info.invalid_answers == 0
