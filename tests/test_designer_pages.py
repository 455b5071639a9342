"""AppTest tests of the Cycle designer and Survey builder pages.

The pages run inside the whole app (``app.py``, its sidebar on the bank sample), so the
designer -> builder hand-over and the designer -> analysis hand-over through session state are
covered too. Run: ``python -m pytest tests/test_designer_pages.py -q``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cycle_analytics.cycles import dump_cycle, load_cycle, parse_cycle  # noqa: E402
from cycle_analytics.dataset import ImportOptions  # noqa: E402
from cycle_analytics.design.questionnaire import (  # noqa: E402
    DEFAULT_SEGMENTS, LABEL_SET_NAMES, build_questionnaire, optional_stages,
)
from cycle_analytics.ingest.importer import import_survey  # noqa: E402
from cycle_analytics.stats.analysis import analyze  # noqa: E402

APP = str(ROOT / "app.py")
DESIGNER = "app_pages/cycle_designer.py"
BUILDER = "app_pages/survey_builder.py"


def new_app() -> AppTest:
    """The app, switched to the Cycle designer page."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert_clean(at)
    at.switch_page(DESIGNER).run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def edit(at: AppTest, edited_rows: dict, added_rows=(), deleted_rows=()) -> AppTest:
    key = at.data_editor[0].key
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": list(added_rows), "deleted_rows": list(deleted_rows)}
    at.run()
    assert_clean(at)
    return at


def designed(at: AppTest):
    return parse_cycle(at.session_state["designer_cycle"])


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


@pytest.fixture(scope="module")
def bank():
    return load_cycle("bank_visit")


def test_designer_opens_on_a_template_with_its_flow_chart(bank):
    at = new_app()
    assert at.title[0].value == "Cycle designer"
    assert len(at.get("plotly_chart")) == 1
    assert at.data_editor[0].editing_mode == "dynamic"
    assert at.data_editor[0].value["name"].tolist() == list(bank.stage_names)
    assert designed(at) == bank
    assert len(at.get("download_button")) == 3  # YAML, JSON and the flow chart's PNG


def test_designer_counts_match_the_cycle(bank):
    at = new_app()
    counts = f"{len(bank.stages)} stages · {len(bank.phases)} phases · {sum(s.critical for s in bank.stages)} declared critical moments"
    assert counts in [c.value for c in at.caption]


def test_applied_cycle_is_what_the_analysis_uses(bank):
    at = new_app()
    edit(at, {0: {"name": "Arriving", "aliases": bank.stages[0].name}})  # the file's name for it becomes an alias
    at.button(key="designer_apply").click().run()
    assert_clean(at)
    at.switch_page("app_pages/stage_detail.py").run()
    assert_clean(at)
    assert at.selectbox(key="cycle").value == "(designed cycle)"
    applied = parse_cycle(at.session_state["applied_cycle"])
    data = (ROOT / "data" / "sample" / "bank_visit_long.csv").read_bytes()
    survey = import_survey(data, ImportOptions(cycle=applied), file_name="bank_visit_long.csv")
    first = analyze(survey).scores.iloc[0]
    assert str(first["stage"]) == "Arriving" == at.selectbox(key="stage_select").value
    assert next(m.value for m in at.metric if m.label == "Answers") == f"{int(first['n']):,}"
    assert next(m.value for m in at.metric if m.label == "Mean") == f"{first['mean']:,.2f}"


def test_editing_the_table_changes_the_cycle(bank):
    at = new_app()
    edit(at, {0: {"name": "Arriving", "critical": True, "target": 4.2},
              7: {"order": 0}},  # "Leaving the branch" to the front
         added_rows=[{"order": 20, "name": "Going home", "phase": "Departure", "critical": False}],
         deleted_rows=[5])  # "Check verification"
    c = designed(at)
    assert c.stage_names == ("Leaving the branch", "Arriving", "Finding out how to cash a check", "Taking a number",
                             "Waiting for your turn", "Being called to the counter", "Receiving the money", "Going home")
    arriving = c.find_stage("Arriving")
    assert arriving.critical and arriving.target == 4.2
    assert c.stages[-1].phase == "Departure"
    assert not errors(at)
    # the flow chart follows the table (the figure's stage list in its meta)
    spec = at.get("plotly_chart")[0].proto.spec
    assert "Going home" in spec and "Check verification" not in spec
    # "Sort the rows by order" rewrites the table in cycle order, numbered 1..n
    at.button(key="designer_sort").click().run()
    assert_clean(at)
    table = at.data_editor[0].value
    assert table["name"].tolist() == list(c.stage_names) and table["order"].tolist() == list(range(1, 9))
    assert designed(at) == c


@pytest.mark.parametrize("edited,sentence", [
    ({1: {"name": "Taking a number"}}, "names the stage 'Taking a number' more than once"),
    ({1: {"name": ""}}, "has no stage name"),
    ({0: {"target": 7.0}}, "outside the scale 1-5"),
    ({1: {"aliases": "travel"}}, "share a name or alias"),
])
def test_a_bad_cycle_shows_the_sentence(edited, sentence):
    at = new_app()
    edit(at, edited)
    assert any(sentence in e for e in errors(at)), errors(at)
    assert len(at.get("plotly_chart")) == 0  # the page stops: no chart of a broken cycle


def test_start_from_another_template_and_from_scratch():
    at = new_app()
    at.selectbox(key="designer_start").set_value("contact_centre").run()
    assert_clean(at)
    assert designed(at) == load_cycle("contact_centre")
    assert at.text_input(key="designer_name").value == "Contact-centre support case"
    at.selectbox(key="designer_start").set_value("(blank cycle)").run()
    assert_clean(at)
    assert designed(at).stage_names == ("First moment of truth",)


def test_upload_a_cycle_file_and_a_bad_one():
    at = new_app()
    text = dump_cycle(load_cycle("hotel_stay"), fmt="json")
    at.file_uploader(key="designer_upload").set_value(("hotel.json", text.encode(), "application/json")).run()
    assert_clean(at)
    assert designed(at) == load_cycle("hotel_stay")
    at.file_uploader(key="designer_upload").set_value(("bad.yaml", b"name: [unclosed\nstages: 3\n", "application/x-yaml")).run()
    assert_clean(at)
    assert any("is not valid YAML" in e for e in errors(at)), errors(at)
    assert designed(at) == load_cycle("hotel_stay")  # the table is kept


def test_apply_to_the_survey_in_use():
    at = new_app()
    edit(at, {0: {"name": "Arriving"}})
    at.button(key="designer_apply").click().run()
    assert_clean(at)
    applied = parse_cycle(at.session_state["applied_cycle"])
    assert applied.stage_names[0] == "Arriving"
    assert any("is applied" in s.value for s in at.success)


def test_builder_uses_the_designed_cycle_and_shows_wording_warnings():
    at = new_app()
    edit(at, {0: {"question": "Were our staff fast and friendly?"}, 1: {"name": "<b>Signs</b>", "question": ""}})
    at.switch_page(BUILDER).run()
    assert_clean(at)
    assert at.title[0].value == "Survey builder"
    assert at.selectbox(key="builder_source").value == "(the cycle in the Cycle designer)"
    texts = [t.value for t in at.text]
    assert "Were our staff fast and friendly?" in texts
    assert "How satisfied or dissatisfied were you with <b>Signs</b>?" in texts  # shown as text, not HTML
    warnings = " ".join(w.value for w in at.warning)
    assert "two things at once" in warnings
    assert len(at.get("download_button")) == 5  # four questionnaire files and the flow chart's PNG
    assert len(at.get("plotly_chart")) == 1


def test_builder_question_count_matches_the_questionnaire(bank):
    at = new_app()
    at.switch_page(BUILDER).run()
    assert_clean(at)
    q = build_questionnaire(bank, scale=bank.scale, label_set=LABEL_SET_NAMES[0], segments=DEFAULT_SEGMENTS,
                            na_for=optional_stages(bank), organisation="us")
    assert f"The questionnaire ({len(q.questions)} questions)" in [h.value for h in at.subheader]
    assert [t.value for t in at.text] == [x.text for x in q.questions]


def test_builder_options_and_bad_segments():
    at = new_app()
    at.switch_page(BUILDER).run()
    assert_clean(at)
    at.selectbox(key="builder_source").set_value("online_purchase").run()
    assert_clean(at)
    ms = at.multiselect(key="builder_na__Online purchase")
    assert ms.value == ["Returns"]
    ms.set_value([]).run()
    assert_clean(at)
    assert any("Not applicable" in w.value for w in at.warning)  # missing N/A on Returns
    at.selectbox(key="builder_scale").set_value("0-10").run()
    assert_clean(at)
    assert any("0-10" in i.value for i in at.info)  # the scale differs from the cycle's
    key = "builder_segments"
    at.session_state[key] = {"edited_rows": {0: {"options": "1, 2"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert_clean(at)
    assert any("bare number" in e for e in errors(at)), errors(at)
