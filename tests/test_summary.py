"""What a manager reads first (cycle_analytics.outputs.summary) and the names people use
(cycle_analytics.outputs.display_names): hand-computed fixtures and the Qualtrics export of
tests/format_builders.py."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import format_builders as fb
from cycle_analytics.dataset import OutcomeSpec
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.outputs.display_names import (DisplayNames, names_from_table, names_table, rename_in_plans,
                                                   rename_survey, suggested_names, validate_display_names)
from cycle_analytics.outputs.summary import fix_first, moments_by_impact, priority_advice, rank_outside_quadrant
from cycle_analytics.stats.analysis import analyze
from synth import survey_from_wide

SATISFACTION = OutcomeSpec(column="overall_satisfaction", label="overall satisfaction")


def moments() -> pd.DataFrame:
    # impact = penalty x bad share, by hand: Wait 0.5 x 0.40 = 0.20, Pay 2.0 x 0.05 = 0.10, Sign 1.0 x 0.15 = 0.15
    return pd.DataFrame({"stage": ["Sign", "Wait", "Pay", "Exit"], "verdict": ["critical", "critical", "critical", "pain point"],
                         "penalty": [1.0, 0.5, 2.0, -0.1], "bad_pct": [15.0, 40.0, 5.0, 36.0],
                         "evidence": ["s", "w", "p", "e"]})


def priorities() -> pd.DataFrame:
    return pd.DataFrame({"rank": pd.array([1, 2, 3, None], dtype="Int64"), "stage": ["Pay", "Sign", "Wait", "Exit"],
                         "quadrant": ["Keep up the good work", "Low priority", "Concentrate here", "Low priority"],
                         "performance": [88.0, 69.0, 48.0, 70.0], "gap": [7.0, 6.0, 27.0, 5.0],
                         "action": ["improve", "improve", "improve", "no action needed"]})


def test_critical_moments_are_ordered_by_impact_not_by_cycle_position():
    by_impact = moments_by_impact(moments())
    assert by_impact["stage"].tolist() == ["Wait", "Sign", "Pay"]
    assert by_impact["impact"].tolist() == pytest.approx([0.20, 0.15, 0.10])


def test_fix_first_is_the_top_three_with_one_sentence_each():
    first = fix_first(priorities(), moments(), SATISFACTION)
    assert first["stage"].tolist() == ["Pay", "Sign", "Wait"] and first["rank"].tolist() == [1, 2, 3]
    assert first["sentence"].iloc[0] == ("A bad experience here lowers overall satisfaction by 2.00 points, and 5% of its raters "
                                         "have one; it scores 88 of 100, 7 points below its target.")
    assert all(s.count(". ") == 0 and s.endswith(".") for s in first["sentence"])  # one sentence each


def test_rank_and_quadrant_are_reconciled_in_words():
    advice = priority_advice(priorities(), moments().assign(verdict=["ok", "ok", "ok", "pain point"]), SATISFACTION)
    assert advice.tolist() == ["Ranks high: 7 points below its target, with a measurable link.",
                               "Ranks high: 6 points below its target, with a measurable link.",
                               "Matters and scores low: fix first.",
                               "Often rated badly; does not move overall satisfaction: fix if cheap."]
    assert advice.str.len().max() <= 70  # fits a table cell
    said = rank_outside_quadrant(priorities(), SATISFACTION)
    assert [s.split(" ranks")[0] for s in said] == ["Pay", "Sign"]  # Wait is in "Concentrate here": nothing to explain
    assert said[0] == ("Pay ranks 1 although it is in 'Keep up the good work': it moves overall satisfaction more than "
                       "most stages and is 7 points below its target.")
    assert said[1].startswith("Sign ranks 2 although it is in 'Low priority': its link with overall satisfaction is measurable")


def test_a_pain_point_that_ranks_is_not_said_to_leave_the_outcome_unmoved():
    # Found on a real airline survey: rank 1 was a pain point labelled "does not move satisfaction"
    # while the page said it moved satisfaction more than most stages.
    verdicts = moments().assign(verdict=["ok", "ok", "pain point", "pain point"])  # Pay (rank 1), Exit
    advice = priority_advice(priorities(), verdicts, SATISFACTION)
    assert advice.iloc[0] == "Ranks high: 7 points below its target, with a measurable link."
    assert advice.iloc[3] == "Often rated badly; does not move overall satisfaction: fix if cheap."  # unranked
    first = fix_first(priorities(), verdicts, SATISFACTION)
    assert first["sentence"].iloc[0] == ("Often rated badly and linked with overall satisfaction, though one bad experience "
                                         "here does not spoil it on its own; it scores 88 of 100, 7 points below its target.")


@pytest.fixture(scope="module")
def qualtrics():
    return import_survey(fb.qualtrics_csv(), file_name="qualtrics.csv")


def test_survey_tool_ids_get_their_question_as_name_and_it_flows_into_the_sentences(qualtrics):
    assert qualtrics.info.outcome == "Q2"
    names = suggested_names(qualtrics)
    assert dict(names.outcomes) == {"Q2": "Overall satisfaction", "Q3": "Likelihood to recommend"}
    a = analyze(rename_survey(qualtrics, names))
    assert a.outcome.display() == "Overall satisfaction"
    text = " ".join(a.moments["evidence"].astype(str))
    assert "overall satisfaction" in text and "Q2" not in text and "how satisfied" not in text


def test_renames_of_stages_segments_and_outcome_reach_every_table():
    rng = np.random.default_rng(4)
    n = 90
    survey = survey_from_wide({s: list(rng.integers(1, 6, n)) for s in ("Check-in", "Room", "Staff")},
                              segments={"Q5": rng.choice(["North", "South"], n)},
                              outcomes={"Q2": rng.integers(1, 6, n).astype(float)})
    survey = replace(survey, info=replace(survey.info, outcome="Q2", outcome_candidates=("Q2",)))
    names = DisplayNames(stages=(("Room", "Bedroom"),), segments=(("Q5", "Region"),), outcomes=(("Q2", "Stay rating"),))
    renamed = rename_survey(survey, names)
    assert renamed.info.stages == ("Check-in", "Bedroom", "Staff")
    assert list(renamed.ratings["stage"].cat.categories) == list(renamed.info.stages)
    assert "Region" in renamed.responses.columns and renamed.info.segments == ("Region",)
    assert renamed.info.outcome == "Stay rating" and "Q2" not in renamed.responses.columns
    assert len(renamed.ratings) == len(survey.ratings)  # names only: every answer is kept
    a = analyze(renamed)
    assert "Bedroom" in a.scores["stage"].astype(str).tolist() and "stay rating" in " ".join(a.moments["evidence"])
    assert set(a.segments["segment"].astype(str)) <= {"Region"}


def test_the_names_table_round_trips_and_bad_names_get_a_sentence(qualtrics):
    table = names_table(qualtrics)
    assert {"stage", "outcome"} <= set(table["kind"]) <= {"stage", "segment", "outcome"}
    table.loc[table["in_file"] == "Staff", "shown"] = "Our team"
    assert names_from_table(table).stages == (("Staff", "Our team"),)
    with pytest.raises(SurveyError, match="Two stages would be called 'Room'"):
        validate_display_names(DisplayNames(stages=(("Staff", "Room"),)), qualtrics)
    with pytest.raises(SurveyError, match="already the name of another column"):
        validate_display_names(DisplayNames(outcomes=(("Q3", "date"),)), qualtrics)
    plans = pd.DataFrame({"stage": ["Staff", "Room"], "action": ["a", "b"]})
    assert rename_in_plans(plans, {"Staff": "Our team"})["stage"].tolist() == ["Our team", "Room"]
