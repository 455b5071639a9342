"""Survey builder (cycle_analytics.design.questionnaire): questionnaire, exports, and the closed loop
cycle -> questionnaire -> CSV template -> simulated answers -> import_survey with no mapping."""

from __future__ import annotations

import html.parser
import io
import re

import numpy as np
import pandas as pd
import pytest

from cycle_analytics.cycles import Cycle, Stage, dump_cycle, list_templates, load_cycle, parse_cycle
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.scales import Scale
from cycle_analytics.design.exporters import csv_template, google_forms_text, qualtrics_txt, questionnaire_html
from cycle_analytics.design.questionnaire import (
    DEFAULT_SEGMENTS, NA_LABEL, build_questionnaire, cycle_from_table, fill_template, optional_stages, scale_options,
    stages_table,
)

TEMPLATES = sorted(list_templates())
SEGMENTS = (("Branch", ("North", "South", "City centre")),) + DEFAULT_SEGMENTS


# ------------------------------------------------------------------ the closed loop ("Done when")


@pytest.mark.parametrize("stem", TEMPLATES)
def test_template_survey_round_trip_maps_every_stage(stem):
    cycle = load_cycle(stem)
    q = build_questionnaire(cycle, segments=SEGMENTS)
    n = 120
    answers = fill_template(q, n, seed=7)
    data = csv_template(q, answers)
    survey = import_survey(data, ImportOptions(cycle=cycle), file_name="answers.csv")
    info = survey.info
    assert info.stages == cycle.stage_names
    assert info.rows_rejected == 0 and len(survey.rejected) == 0
    assert info.respondents == n and info.rows_read == n
    assert info.scale == Scale(1, 5)
    assert info.outcome == "overall_satisfaction"
    assert "recommend" in info.outcome_candidates
    assert set(info.segments) == {"Branch", "Channel", "Customer type"}
    assert info.date_column == "date" and info.id_column == "respondent_id"
    # every non-empty simulated rating arrives as a rating, with its value
    stage_cols = list(cycle.stage_names)
    expected = answers[stage_cols].to_numpy(dtype=float)
    assert info.ratings == int(np.isfinite(expected).sum())
    codes = survey.ratings["response_id"].cat.codes.to_numpy()
    stage_codes = survey.ratings["stage"].cat.codes.to_numpy()
    got = np.full_like(expected, np.nan)
    got[codes, stage_codes] = survey.ratings["score"].to_numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(got[~np.isnan(got)], expected[~np.isnan(expected)])


@pytest.mark.parametrize("scale,label_set", [("1-7", "agreement"), ("0-10", "quality"), ("1-10", "ease")])
def test_other_scales_round_trip_with_the_questionnaire_cycle(scale, label_set):
    q = build_questionnaire(load_cycle("hotel_stay"), scale=scale, label_set=label_set, segments=())
    assert q.cycle.scale == scale
    survey = import_survey(csv_template(q, fill_template(q, 60, seed=3)), ImportOptions(cycle=q.cycle), file_name="a.csv")
    assert survey.info.stages == q.cycle.stage_names and survey.info.rows_rejected == 0
    assert survey.info.scale.label() == scale


def test_designed_cycle_with_awkward_names_round_trips():
    cycle = Cycle("Designed", (Stage("1st contact"), Stage("=Pay & go", critical=True), Stage("Wait, then leave")))
    q = build_questionnaire(cycle, segments=(("Region", ("North", "South")),))
    data = csv_template(q, fill_template(q, 40, seed=1))
    assert data.decode().splitlines()[0].split(",")[4] == "'=Pay & go"  # formula neutralised
    survey = import_survey(data, ImportOptions(cycle=q.cycle), file_name="a.csv")
    assert survey.info.stages == cycle.stage_names and survey.info.rows_rejected == 0


# ------------------------------------------------------------------ the questionnaire


def test_questionnaire_structure_for_the_bank_template():
    cycle = load_cycle("bank_visit")
    q = build_questionnaire(cycle, segments=SEGMENTS)
    kinds = [x.kind for x in q.questions]
    assert kinds == ["segment"] * 3 + ["rating"] * 8 + ["overall", "recommend"] + ["comment"] * 3
    ratings = q.by_kind("rating")
    assert [x.column for x in ratings] == list(cycle.stage_names)
    assert [x.text for x in ratings] == [s.question for s in cycle.stages]
    assert all(x.options == scale_options("1-5")[0] and x.values == (1, 2, 3, 4, 5) for x in ratings)
    assert ratings[0].options[2] == "3 - Neither satisfied nor dissatisfied"
    rec = q.by_kind("recommend")[0]
    assert rec.values == tuple(range(11)) and rec.options[0] == "0 - Not at all likely" and rec.options[-1] == "10 - Extremely likely"
    assert [x.stage for x in q.by_kind("comment")] == [s.name for s in cycle.stages if s.critical]
    ids = [x.id for x in q.questions]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[A-Za-z0-9_]+", i) for i in ids)
    assert q.columns[:2] == ("respondent_id", "date")
    assert q.warnings_table().empty  # the bundled questions are clean


def test_default_question_na_and_warnings_attached():
    cycle = Cycle("Demo", (Stage("Waiting time"), Stage("IVR menu", description="Only customers who called."),
                           Stage("Staff", question="Were our staff fast and friendly?")))
    q = build_questionnaire(cycle, segments=(), include_overall=False, include_recommend=False)
    r = q.by_kind("rating")
    assert r[0].text == "How satisfied or dissatisfied were you with waiting time?"
    assert r[1].text == "How satisfied or dissatisfied were you with IVR menu?"  # acronym keeps its case
    assert optional_stages(cycle) == ("IVR menu",)
    assert r[1].na_option == NA_LABEL and r[0].na_option is None
    assert [w.rule for w in r[1].warnings] == ["jargon"]
    assert {w.rule for w in r[2].warnings} == {"double_barrelled"}
    # N/A switched off for the optional stage: the missing-N/A warning appears
    q2 = build_questionnaire(cycle, segments=(), na_for=())
    assert "missing_na" in [w.rule for w in q2.by_kind("rating")[1].warnings]
    table = q2.warnings_table()
    assert list(table.columns) == ["question_id", "column", "kind", "stage", "rule", "message", "excerpt"]
    assert set(table["rule"]) == {"jargon", "double_barrelled", "missing_na"}
    assert build_questionnaire(cycle, segments=(), na_for="all").by_kind("rating")[0].na_option == NA_LABEL


def test_label_sets_and_scales():
    assert scale_options("1-5", "agreement")[0][0] == "1 - Strongly disagree"
    assert scale_options("1-7", "satisfaction")[0][-1] == "7 - Extremely satisfied"
    opts, vals = scale_options("0-10", "satisfaction")
    assert vals == tuple(range(11)) and opts[0] == "0 - Very dissatisfied" and opts[5] == "5" and opts[10] == "10 - Very satisfied"
    q = build_questionnaire(load_cycle("hotel_stay"), label_set="quality", segments=())
    assert q.notes and "satisf" in q.notes[0]
    with pytest.raises(SurveyError, match="label set"):
        build_questionnaire(load_cycle("hotel_stay"), label_set="colour")
    with pytest.raises(SurveyError, match="MIN-MAX"):
        build_questionnaire(load_cycle("hotel_stay"), scale="five")


@pytest.mark.parametrize("segments,match", [
    ((("Room", ("A", "B")),), "name of the stage"),
    ((("Channel", ("Phone",)),), "at least two"),
    ((("Branch", ("1", "2")),), "bare number"),
    ((("Visit date", ("May", "June")),), "another kind of column"),
    ((("Channel", ("A", "B")), ("channel", ("C", "D"))), "repeats"),
    ((("Branch", tuple(f"B{i}" for i in range(31))),), "at most 30"),
])
def test_segments_the_importer_could_not_read_back_are_refused(segments, match):
    with pytest.raises(SurveyError, match=match):
        build_questionnaire(load_cycle("hotel_stay"), segments=segments)


def test_na_for_unknown_stage_is_refused():
    with pytest.raises(SurveyError, match="not in the cycle"):
        build_questionnaire(load_cycle("hotel_stay"), na_for=["Spa"])


# ------------------------------------------------------------------ exports


class _Collect(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_self_contained_and_escaped():
    evil = "<script>alert(1)</script>"
    cycle = Cycle(f"Shop {evil}", (Stage(f"Pay {evil}", critical=True), Stage("Wait", question="Was it <b>ok</b>?")))
    q = build_questionnaire(cycle, segments=(("Branch", (f"North {evil}", "South")),))
    page = questionnaire_html(q)
    assert "<script" not in page.lower() and "<b>ok" not in page
    assert "&lt;script&gt;" in page
    p = _Collect()
    p.feed(page)
    assert "script" not in p.tags and "link" not in p.tags and "img" not in p.tags
    text = "".join(p.text)
    for qu in q.questions:
        assert qu.text in text  # every question is printed (the parser unescapes)
    assert text.count("Not applicable") == sum(1 for x in q.questions if x.na_option)


def test_csv_template_header_is_exactly_the_importer_columns():
    q = build_questionnaire(load_cycle("online_purchase"), segments=(("Channel", ("Web", "App")),))
    header = csv_template(q).decode("utf-8")
    assert header.count("\n") == 1
    cols = pd.read_csv(io.StringIO(header)).columns.tolist()
    assert cols == ["respondent_id", "date", "Channel", "Search", "Product information", "Checkout", "Payment", "Delivery",
                    "Returns", "overall_satisfaction", "recommend", "Comment on Payment", "Comment on Delivery"]
    with pytest.raises(SurveyError, match="columns"):
        csv_template(q, pd.DataFrame({"x": [1]}))


# The Qualtrics Advanced Format TXT, as documented by Qualtrics ("Preparing an Advanced Format TXT
# file", Survey Import/Export): the file starts with [[AdvancedFormat]]; [[Block]] / [[Block:Name]]
# starts a block; [[PageBreak]] a page; a question starts with [[Question:Type]] (MC:SingleAnswer|
# MultipleAnswer|DropDown with :Vertical|:Horizontal|:Column, Matrix, TE:SingleLine|Essay|Form, DB,
# Text), may be followed by [[ID:id]], then the question text, then [[Choices]] (one choice per line)
# and, for a matrix, [[Answers]] (one scale point per line); a blank line ends the question.
DOC_QUESTION = re.compile(
    r"\[\[Question:(MC(:(SingleAnswer|MultipleAnswer|DropDown|Select))?(:(Vertical|Horizontal|Column))?"
    r"|Matrix|TE(:(SingleLine|Essay|Form))?|DB|Text)\]\]")
DOC_TAG = re.compile(r"\[\[(AdvancedFormat|Block(:[^\]]+)?|PageBreak|Question:[^\]]+|ID:[^\]]+|Choices|Answers)\]\]")


def parse_advanced_format(text: str) -> list[dict]:
    """A strict reader of the documented structure (raises AssertionError on anything else)."""
    lines = text.split("\n")
    assert lines[0] == "[[AdvancedFormat]]"
    questions, cur, section = [], None, None
    for ln in lines[1:]:
        if "[[" in ln or "]]" in ln:
            assert DOC_TAG.fullmatch(ln), f"undocumented tag line {ln!r}"
        if ln.startswith("[[Question:"):
            assert DOC_QUESTION.fullmatch(ln), ln
            assert cur is None, "a question must end with a blank line"
            cur = {"type": ln[11:-2], "id": None, "text": [], "choices": [], "answers": []}
            section = "text"
        elif cur is None:
            assert ln == "" or ln == "[[PageBreak]]" or ln.startswith("[[Block"), f"text outside a question: {ln!r}"
        elif ln.startswith("[[ID:"):
            assert section == "text" and not cur["text"] and cur["id"] is None
            cur["id"] = ln[5:-2]
        elif ln == "[[Choices]]":
            section = "choices"
        elif ln == "[[Answers]]":
            assert section == "choices"
            section = "answers"
        elif ln == "":
            questions.append(cur)
            cur, section = None, None
        else:
            assert not ln.startswith("[["), ln
            cur[section].append(ln)
    if cur is not None:
        questions.append(cur)
    return questions


@pytest.mark.parametrize("matrix", [False, True])
def test_qualtrics_txt_follows_the_documented_format(matrix):
    cycle = load_cycle("hotel_stay")
    q = build_questionnaire(cycle, segments=(("Branch [[x]]", ("North\nside", "South")),))
    txt = qualtrics_txt(q, matrix=matrix)
    parsed = parse_advanced_format(txt)
    ids = [p["id"] for p in parsed]
    assert all(i and re.fullmatch(r"[A-Za-z0-9_]+", i) for i in ids) and len(set(ids)) == len(ids)
    by_id = {p["id"]: p for p in parsed}
    for qu in q.questions:
        if qu.kind == "rating" and matrix:
            continue
        p = by_id[qu.id]
        assert len(p["text"]) == 1
        if qu.kind == "comment":
            assert p["type"] == "TE:Essay" and not p["choices"]
        else:
            assert p["type"].startswith("MC:SingleAnswer:")
            assert len(p["choices"]) == len(qu.options) + (1 if qu.na_option else 0)
            if qu.na_option:
                assert p["choices"][-1] == NA_LABEL
    assert by_id["Branch_x"]["choices"] == ["North side", "South"]  # no line break, no tag brackets
    blocks = re.findall(r"^\[\[Block:(.+)\]\]$", txt, flags=re.M)
    assert blocks == ["About you", "Your experience", "Overall", "Your comments"]
    # one page per phase of the cycle
    assert txt.count("[[PageBreak]]") == len(cycle.phases) - 1
    if matrix:
        mats = [p for p in parsed if p["type"] == "Matrix"]
        assert sum(len(m["choices"]) for m in mats) == len(cycle.stages)
        assert all(m["answers"][:5] == list(q.by_kind("rating")[0].options) for m in mats)
    else:
        # the question IDs map back to the stages (what a Qualtrics export names its columns)
        for qu in q.by_kind("rating"):
            assert q.cycle.find_stage(qu.id).name == qu.stage


def test_google_forms_list_has_every_question_and_option():
    q = build_questionnaire(load_cycle("online_purchase"), segments=SEGMENTS)
    text = google_forms_text(q)
    for i, qu in enumerate(q.questions, start=1):
        assert f"\n{i}. {qu.text}\n" in text
        for o in qu.options if qu.kind != "recommend" else ():
            assert f"\n   {o}\n" in text
    assert text.count("Type: Paragraph") == len(q.by_kind("comment"))
    assert "Linear scale from 0 to 10" in text
    assert text.count(f"   {NA_LABEL}\n") == 1  # Returns only


# ------------------------------------------------------------------ designer table


def test_stages_table_round_trip_for_every_template():
    for stem in TEMPLATES:
        cycle = load_cycle(stem)
        back = cycle_from_table(stages_table(cycle), name=cycle.name, description=cycle.description, scale=cycle.scale)
        assert back == cycle, stem
        assert parse_cycle(dump_cycle(back)) == cycle


def test_table_edits_reorder_and_errors():
    t = stages_table(load_cycle("hotel_stay"))
    t.loc[t["name"] == "Check-out", "order"] = 0  # move to the front
    t.loc[len(t)] = [None, None, None, False, None, None, None, None]  # blank row from the editor: skipped
    c = cycle_from_table(t, name="X", scale="1-5")
    assert c.stage_names[0] == "Check-out" and len(c.stages) == 6
    t2 = t.copy()
    t2.loc[1, "name"] = ""
    with pytest.raises(SurveyError, match="no stage name"):
        cycle_from_table(t2, scale="1-5")
    t3 = stages_table(load_cycle("hotel_stay"))
    t3.loc[2, "name"] = t3.loc[1, "name"]
    with pytest.raises(SurveyError, match="more than once"):
        cycle_from_table(t3, scale="1-5")
    t4 = stages_table(load_cycle("hotel_stay"))
    t4.loc[0, "target"] = 9.0
    with pytest.raises(SurveyError, match="outside the scale 1-5"):
        cycle_from_table(t4, scale="1-5")
    with pytest.raises(SurveyError, match="no stages"):
        cycle_from_table(stages_table(None))
