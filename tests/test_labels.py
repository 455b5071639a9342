"""Text answers to scores (cycle_analytics.ingest.labels).

Reference: the label orders are the standard published scales (e.g. the 5-point satisfaction
scale "Very dissatisfied = 1 ... Very satisfied = 5" of the bundled templates; the SFO 2017 field
guide's "1 Unacceptable ... 5 Outstanding"; HCAHPS "Never / Sometimes / Usually / Always"); the
expected scores below are written out by hand from those orders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import format_builders as fb
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.labels import COMPLETE_MIN_ANSWERS, LABEL_SETS, apply_labels, match_columns, match_label_set, split_number
from cycle_analytics.scales import Scale


@pytest.mark.parametrize("values, variant, scores", [
    (["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied"],
     "satisfaction-5", [1, 2, 3, 4, 5]),
    (["Extremely dissatisfied", "Moderately dissatisfied", "Slightly dissatisfied", "Neither satisfied nor dissatisfied",
      "Slightly satisfied", "Moderately satisfied", "Extremely satisfied"], "satisfaction-7", [1, 2, 3, 4, 5, 6, 7]),
    (["Very satisfied", "Satisfied", "Somewhat satisfied", "Neutral"], "satisfaction-7b", [7, 6, 5, 4]),
    (["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"], "agreement-5", [1, 2, 3, 4, 5]),
    (["Strongly disagree", "Disagree", "Somewhat disagree", "Neutral", "Somewhat agree", "Agree", "Strongly agree"],
     "agreement-7", [1, 2, 3, 4, 5, 6, 7]),
    (["Poor", "Fair", "Good", "Very good", "Excellent"], "quality-5", [1, 2, 3, 4, 5]),
    (["Unacceptable", "Below average", "Average", "Good", "Outstanding"], "quality-5c", [1, 2, 3, 4, 5]),
    (["Very difficult", "Difficult", "Neither easy nor difficult", "Easy", "Very easy"], "ease-5", [1, 2, 3, 4, 5]),
    (["Never", "Rarely", "Sometimes", "Often", "Always"], "frequency-5", [1, 2, 3, 4, 5]),
    (["Never", "Sometimes", "Usually", "Always"], "frequency-4", [1, 2, 3, 4]),  # HCAHPS
    (["Very unlikely", "Unlikely", "Neither likely nor unlikely", "Likely", "Very likely"], "likelihood-5", [1, 2, 3, 4, 5]),
    (["Very unfavorable", "Somewhat unfavourable", "Neutral", "Somewhat favorable", "Very favourable"], "favourability-5", [1, 2, 3, 4, 5]),
])
def test_built_in_sets(values, variant, scores):
    m = match_label_set(values)
    assert m.variant == variant
    assert [m.codes[v] for v in values] == [float(s) for s in scores]
    assert not m.unknown and m.coverage == 1.0


def test_case_spaces_and_punctuation_are_ignored():
    m = match_label_set(["VERY  satisfied", "very-satisfied.", " Dissatisfied ", "neither satisfied, nor dissatisfied"])
    assert [m.codes[v] for v in ["VERY  satisfied", "very-satisfied.", " Dissatisfied ", "neither satisfied, nor dissatisfied"]] == [5, 5, 2, 3]


@pytest.mark.parametrize("label", ["N/A", "NA", "n/a", "Not applicable", "Don't know", "Did not use", "Unfamiliar (N/A)",
                                   "Prefer not to say"])
def test_na_labels_are_no_answer(label):
    m = match_label_set(["Good", "Poor", label], [3, 2, 4])
    assert m.na_labels == (label,) and label not in m.codes and m.coverage == 1.0


def test_numbered_labels_use_their_numbers():
    values = ["0 - Not at all likely", "3", "7", "9", "Extremely likely 10"]
    m = match_label_set(values)
    assert [m.codes[v] for v in values] == [0, 3, 7, 9, 10] and m.scale == Scale(0, 10)
    m = match_label_set(["5 - Very satisfied", "4 - Satisfied", "1 - Very dissatisfied", "Don't know"])
    assert m.codes["4 - Satisfied"] == 4 and m.na_labels == ("Don't know",) and m.scale == Scale(1, 5)


def test_numbers_running_against_the_labels_are_noted():
    m = match_label_set(["1 - Very satisfied", "5 - Very dissatisfied", "3"])
    assert m.codes["1 - Very satisfied"] == 1 and any("opposite" in n for n in m.notes)


def test_split_number():
    assert split_number("5 - Very satisfied") == (5.0, "Very satisfied")
    assert split_number("Extremely likely 10") == (10.0, "Extremely likely")
    assert split_number("(1) Poor") == (1.0, "Poor")
    assert split_number("7") == (7.0, "")
    assert split_number("Good") == (None, "Good")


def test_unknown_labels_are_reported_with_counts():
    m = match_label_set(["Satisfied", "Meh", "Very satisfied", "so-so"], [10, 3, 5, 1])
    assert m.unknown == {"Meh": 3, "so-so": 1}
    assert m.coverage == pytest.approx(15 / 19)


def test_user_map_overrides_and_adds():
    m = match_label_set(["Satisfied", "Meh", "Blank"], [4, 2, 1], user_map={"meh": 3, "BLANK": None, "Satisfied": 4.0})
    assert m.codes == {"Satisfied": 4.0, "Meh": 3.0} and m.na_labels == ("Blank",) and not m.unknown
    only_user = match_label_set(["Great", "Awful"], user_map={"great": 5, "awful": 1})
    assert only_user.label_set == "user" and only_user.codes == {"Great": 5.0, "Awful": 1.0}


def test_not_a_label_column():
    assert match_label_set(["Yes", "No"]) is None
    assert match_label_set(["Store 12", "Store 3"]) is None  # numbers with unknown words are not a scale
    assert match_label_set([]) is None


def test_four_or_five_point_ambiguity_is_noted():
    four = ["Very dissatisfied", "Dissatisfied", "Satisfied", "Very satisfied"]
    m = match_label_set(four)  # few answers: a 5-point scale whose midpoint nobody chose
    assert m.variant == "satisfaction-5" and m.codes["Satisfied"] == 4 and "satisfaction-4" in m.notes[0]
    m = match_label_set(four, [10, 10, 10, 10])  # 40 answers and never a midpoint: a 4-point scale
    assert m.variant == "satisfaction-4" and m.codes["Satisfied"] == 3 and m.scale == Scale(1, 4)
    assert "satisfaction-5" in m.notes[0]


def test_one_variant_per_family_for_the_whole_file():
    # column b alone (40 answers, all four non-neutral labels) would read as 4-point; column a has
    # the midpoint, so the file is on the 5-point scale and b is scored on it too.
    cols = {
        "a": (["Very satisfied", "Neither satisfied nor dissatisfied", "Satisfied"], [10, 5, 5]),
        "b": (["Very dissatisfied", "Dissatisfied", "Satisfied", "Very satisfied"], [10, 10, 10, 10]),
    }
    assert match_label_set(*cols["b"]).variant == "satisfaction-4"
    matches, _ = match_columns(cols)
    assert matches["b"].variant == "satisfaction-5" and matches["b"].codes["Satisfied"] == 4.0
    assert matches["a"].codes["Very satisfied"] == 5.0


def test_apply_labels_frame():
    df = pd.DataFrame({
        "room": ["Satisfied", "Very satisfied", "N/A", "Meh", "", None, "Dissatisfied"],
        "staff": ["Good", "Excellent", "Meh", "Poor", "Fair", "Good", "Good"],
        "region": ["North", "South", "North", "East", "West", "North", "South"],
        "age": ["34", "51", "", "22", "40", "61", "33"],
        "score": [1, 2, 3, 4, 5, 4, 3],
    })
    res = apply_labels(df)
    assert list(res.codes.columns) == ["room", "staff"]
    nan = np.nan
    np.testing.assert_array_equal(res.codes["room"].to_numpy(), [4, 5, nan, nan, nan, nan, 2])
    np.testing.assert_array_equal(res.codes["staff"].to_numpy(), [3, 5, nan, 1, 2, 3, 3])
    assert res.unknown.to_dict("records") == [{"label": "Meh", "count": 2, "columns": "room; staff"}]
    assert res.unknown_mask["room"].tolist() == [False, False, False, True, False, False, False]
    row = res.matches.set_index("column").loc["room"]
    assert (row.variant, row.n_coded, row.n_na, row.n_unknown) == ("satisfaction-5", 3, 1, 1)
    assert list(res.matches.columns) == ["column", "label_set", "variant", "scale_min", "scale_max", "n_coded", "n_na", "n_unknown"]


def test_min_share_keeps_free_text_out():
    df = pd.DataFrame({"comment": ["Good", "The room was too small", "Loved it", "Noisy at night", "Excellent"]})
    assert apply_labels(df).codes.empty
    assert list(apply_labels(df, min_share=0.4).codes.columns) == ["comment"]


def test_builds_choice_text_equals_the_numbers():
    """The SurveyMonkey CSV's matrix cells, scored by labels, equal the generated numbers."""
    s = fb.small_survey()
    df = pd.DataFrame({r: [fb._label(v, na) for v, na in zip(s.ratings[r], s.na_mask[r])] for r in fb.ROWS})
    res = apply_labels(df)
    for r in fb.ROWS:
        np.testing.assert_array_equal(res.codes[r].to_numpy(), s.ratings[r])
        assert res.matches.set_index("column").loc[r, "n_na"] == s.na_mask[r].sum()


def test_match_columns_for_a_dictionary_encoded_reader():
    matches, unknown = match_columns({"q1": (["Agree", "Strongly agree", "Kinda"], [4, 3, 2]), "q2": (["1", "2"], [1, 1])})
    assert list(matches) == ["q1"] and matches["q1"].codes == {"Agree": 4.0, "Strongly agree": 5.0}
    assert unknown.to_dict("records") == [{"label": "Kinda", "count": 2, "columns": "q1"}]


def test_large_column_is_converted_from_distinct_values():
    rng = np.random.default_rng(0)
    labels = np.array(fb.LABELS_5, dtype=object)
    codes = rng.integers(0, 5, 200_000)
    res = apply_labels(pd.DataFrame({"q": labels[codes]}))
    np.testing.assert_array_equal(res.codes["q"].to_numpy(), codes + 1.0)


def test_every_variant_is_consistent():
    for v in LABEL_SETS:
        assert v.scale.points == len(v.points)
        labels = [syn[0] for syn in v.points]
        m = match_label_set(labels, [COMPLETE_MIN_ANSWERS] * len(labels))  # every point used, enough answers
        assert m.scale.points == len(v.points), v.name


def test_bad_input():
    with pytest.raises(SurveyError):
        match_label_set("Very satisfied")
    with pytest.raises(SurveyError):
        match_label_set(["a"], [1, 2])
    with pytest.raises(SurveyError):
        match_label_set(["a"], user_map={"a": "five"})
    with pytest.raises(SurveyError):
        apply_labels(pd.DataFrame({"a": ["x"]}), ["b"])
