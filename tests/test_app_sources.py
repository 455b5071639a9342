"""Warehouse sources in the app: a survey named in the secrets gives the dashboard of an upload.

Reference: the survey built by ``tests/synth.py`` analysed in memory
(``cycle_analytics.stats.analysis.analyze`` of the imported Survey and
``cycle_analytics.stats.headline.headline_figures``); the app reads the same survey exported as a
long table to Parquet files and to a PostgreSQL table (``tests/pg.py``, the ``engine_pg_url``
fixture of ``tests/conftest.py``), through the query engine.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import ibis
import pandas as pd
import pytest
from engine_cases import respondent_frame, survey_of
from streamlit.testing.v1 import AppTest
from synth import make_survey

from app_support import sources
from cycle_analytics.dataset import OutcomeSpec
from cycle_analytics.engine import SurveyEngine, survey_source
from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale
from cycle_analytics.stats.analysis import AnalysisSettings, analyze
from cycle_analytics.stats.filters import Filters, filter_survey
from cycle_analytics.stats.headline import headline_figures, headline_from_tables
from cycle_analytics.stats.survey_tables import SurveyTables

APP = str(Path(__file__).resolve().parents[1] / "app.py")

pytestmark = [
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    pytest.mark.filterwarnings("ignore:fetch_arrow_table\\(\\) is deprecated"),
]


@pytest.fixture(scope="module")
def survey():
    return make_survey(400, seed=21, answer_rate=0.85, span_days=200)


def long_table(survey) -> pd.DataFrame:
    """The survey as a warehouse holds it: one row per rating, the respondent's columns repeated."""
    r = survey.ratings
    people = respondent_frame(survey).set_index("respondent_id")
    ids = r["response_id"].astype("str").to_numpy()
    out = pd.DataFrame({"respondent_id": ids, "stage": r["stage"].astype("str").to_numpy(),
                        "score": r["score"].to_numpy().astype("int64")})
    for column in ("overall", "region", "channel", "date"):
        out[column] = people[column].reindex(ids).to_numpy()
    return out


def section(location: dict) -> dict:
    return {"label": "Branch surveys", **location, "layout": "long", "id": "respondent_id", "stage": "stage",
            "score": "score", "outcome": "overall", "date": "date", "segments": ["region", "channel"],
            "stages": ["Arrival", "Waiting", "Service", "Payment", "Departure"], "scale": "1-5"}


def run_app(secrets_sources: dict, *, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["sources"] = secrets_sources
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def assert_overview_is_the_analysis(at: AppTest, survey, expected_filters: Filters | None = None) -> None:
    """The Overview's cards and critical moments are those of ``analyze`` of the imported survey."""
    assert not at.exception, [e.value for e in at.exception]
    reference = survey if expected_filters is None else filter_survey(
        survey, date_range=expected_filters.date_range, segments={c: list(v) for c, v in expected_filters.segments} or None)
    spec = OutcomeSpec("overall", scale=Scale(1, 5))
    result = analyze(reference, outcome=spec, settings=AnalysisSettings())
    head = headline_figures(reference, spec)
    assert metric(at, "Responses") == f"{head.responses:,}"
    shown = [m for m in at.metric if m.label not in ("Responses", "NPS", "Critical moments")][0]
    assert float(shown.value) == pytest.approx(head.outcome_mean, abs=0.005)
    assert metric(at, "Critical moments") == str(len(result.critical_moments))
    view = at.session_state["view"]
    mine = view.analysis
    assert mine.scores["mean"].tolist() == pytest.approx(result.scores["mean"].tolist(), rel=1e-9)
    assert mine.moments["verdict"].tolist() == result.moments["verdict"].tolist()
    assert mine.priorities["rank"].astype("Int64").tolist() == result.priorities["rank"].astype("Int64").tolist()


# ---------------------------------------------------------------- the secrets format


def test_a_section_is_read_with_its_roles_and_bad_sections_get_one_sentence():
    found, problems = sources.configured_sources({
        "good": section({"path": "/data/*.parquet"}),
        "both": {**section({"path": "x.parquet"}), "url": "postgresql://h/db", "table": "t"},
        "wide": {"path": "w.parquet", "layout": "wide"},
        "found": {"path": "f.parquet", "outcome": "overall"},
        "typo": {**section({"path": "x.parquet"}), "segmnts": ["a"]},
    })
    assert list(found) == ["good", "found"]
    assert found["found"].layout == "found"  # no column named: the roles are found as in a file
    good = found["good"]
    assert (good.layout, good.outcomes, good.segments, good.date) == ("long", ("overall",), ("region", "channel"), "date")
    assert problems == [
        "The source 'both' needs either url (with table) or path, not both.",
        "The source 'wide' (wide layout) needs stages: the list of its stage columns.",
        "The source 'typo' has unknown settings: segmnts (known: comment, cycle, date, date_format, id, label, layout, "
        "na_values, outcome, outcomes, path, positive, respondents, scale, score, segments, stage, stage_names, stages, table, "
        "url, weight).",
    ]


def test_a_url_is_shown_without_its_password():
    config = sources.source_config("w", section({"url": "postgresql://reader:secret@db/x", "table": "answers"}))
    assert config.where == "table answers at postgresql://"


def test_headline_from_tables_equals_headline_figures(survey):
    spec = OutcomeSpec("overall", scale=Scale(1, 5))
    expected = headline_figures(survey, spec)
    got = headline_from_tables(SurveyTables(survey), spec)
    assert (got.responses, got.ratings, got.outcome_n) == (expected.responses, expected.ratings, expected.outcome_n)
    assert got.outcome_mean == pytest.approx(expected.outcome_mean, rel=1e-12)
    assert got.csat_pct == pytest.approx(expected.csat_pct, rel=1e-12)
    binary = OutcomeSpec("satisfied", kind="binary", positive="yes")
    assert headline_from_tables(SurveyTables(survey), binary).csat_pct == pytest.approx(
        headline_figures(survey, binary).csat_pct, rel=1e-12)


def test_weighted_headline_from_tables_equals_headline_figures():
    """A weighted survey (``tests/engine_cases.py`` survey W): the cards from the in-memory tables and from
    the query engine are the weighted ones of headline_figures."""
    weighted = survey_of("W")
    source, layout, rules = survey_source(weighted)
    engine = SurveyEngine(source, layout, rules)
    for spec in (OutcomeSpec("overall", scale=Scale(1, 5)), OutcomeSpec("satisfied", kind="binary", positive="yes")):
        expected = headline_figures(weighted, spec)
        for tables in (SurveyTables(weighted), engine):
            got = headline_from_tables(tables, spec)
            assert (got.responses, got.ratings, got.outcome_n) == (expected.responses, expected.ratings, expected.outcome_n)
            assert got.csat_pct == pytest.approx(expected.csat_pct, rel=1e-12)
            if spec.kind == "rating":
                assert got.outcome_mean == pytest.approx(expected.outcome_mean, rel=1e-12)
    plain = headline_figures(dataclasses.replace(weighted, info=dataclasses.replace(weighted.info, weight_column=None)),
                             OutcomeSpec("overall", scale=Scale(1, 5)))
    assert plain.outcome_mean != pytest.approx(expected.outcome_mean, rel=1e-6)  # the weight moves the card


# ---------------------------------------------------------------- the app


@pytest.fixture(scope="module")
def parquet_glob(survey, tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("warehouse")
    table = long_table(survey)
    half = len(table) // 2
    table.iloc[:half].to_parquet(folder / "part-0.parquet", index=False)
    table.iloc[half:].to_parquet(folder / "part-1.parquet", index=False)
    return str(folder / "*.parquet")


def test_a_parquet_source_gives_the_overview_of_the_same_survey(survey, parquet_glob):
    at = run_app({"branches": section({"path": parquet_glob})}, query={"source": "branches"})
    assert_overview_is_the_analysis(at, survey)
    assert any("Warehouse source: Branch surveys" in c.value for c in at.caption)


def test_filters_are_pushed_down_and_every_page_runs(survey, parquet_glob):
    at = run_app({"branches": section({"path": parquet_glob})}, query={"source": "branches"})
    region = at.multiselect(key="seg__region")
    first = region.options[0]
    at = region.set_value([first]).run()
    assert_overview_is_the_analysis(at, survey, Filters(segments={"region": [first]}))
    for page in ("critical_moments", "priorities", "stage_detail", "segments", "trends", "data"):
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
    infos = " ".join(i.value for i in at.info)
    assert "Not available for a warehouse source" in infos


def test_the_data_page_lists_the_sources_and_opens_one(survey, parquet_glob):
    at = run_app({"branches": section({"path": parquet_glob}), "broken": {"path": "nowhere.parquet", "layout": "long"}})
    at.switch_page("app_pages/data.py").run()
    assert len(at.warning) == 1 and "'broken'" in at.warning[0].value
    assert at.warning[0].value.endswith("needs the column names id, stage, score.")
    at.button(key="data_use_warehouse").click().run()
    assert not at.exception
    assert at.session_state["warehouse_source"] == "branches"
    assert metric(at, "Ratings") == f"{len(survey.ratings):,}"
    at.switch_page("app_pages/overview.py").run()
    assert_overview_is_the_analysis(at, survey)


def test_a_source_that_names_no_columns_has_its_roles_found_as_in_a_file(survey, parquet_glob):
    at = run_app({"found": {"path": parquet_glob, "outcome": "overall"}}, query={"source": "found"})
    assert_overview_is_the_analysis(at, survey)
    assert tuple(at.session_state["view"].warehouse.stages) == survey.stages


def test_a_source_that_cannot_be_opened_says_why_in_one_sentence(tmp_path):
    at = run_app({"gone": section({"path": str(tmp_path / "missing-*.parquet")})}, query={"source": "gone"})
    assert not at.exception
    assert any("cannot be opened: No file matches" in e.value for e in at.error)


def test_a_broken_source_is_explained_in_each_session_s_own_language(tmp_path):
    # The opened engines are shared by every session (st.cache_resource); the sentence saying why a
    # source cannot be opened must not stay in the language of whoever opened it first.
    sources = {"gone": section({"path": str(tmp_path / "missing-*.parquet")})}
    spanish = run_app(sources, query={"source": "gone", "lang": "es"})
    assert any("Ningún archivo coincide con" in e.value for e in spanish.error), [e.value for e in spanish.error]
    english = run_app(sources, query={"source": "gone"})
    assert any("cannot be opened: No file matches" in e.value for e in english.error), [e.value for e in english.error]


def test_a_postgresql_table_gives_the_overview_of_the_same_survey(survey, engine_pg_url):
    con = ibis.connect(engine_pg_url)
    con.create_table("app_answers", long_table(survey), overwrite=True)
    at = run_app({"warehouse": section({"url": engine_pg_url, "table": "app_answers"})}, query={"source": "warehouse"})
    assert_overview_is_the_analysis(at, survey)


def test_bad_settings_give_one_sentence():
    with pytest.raises(SurveyError, match="layout must be long or wide"):
        sources.source_config("x", {"path": "a.parquet", "layout": "tall"})


def test_stage_detail_shows_the_bad_raters_comments_from_the_source(survey, tmp_path):
    table = long_table(survey)
    table["comment"] = ["" if int(i[1:]) % 3 else f"remark of {i}" for i in table["respondent_id"]]
    table.to_parquet(tmp_path / "answers.parquet", index=False)
    at = run_app({"commented": {**section({"path": str(tmp_path / "answers.parquet")}), "comment": "comment"}},
                 query={"source": "commented"})
    at.session_state["stage"] = "Waiting"
    at.switch_page("app_pages/stage_detail.py").run()
    assert not at.exception, [e.value for e in at.exception]
    # reference: pandas over the same rows - bottom box (1-2) raters of the stage with a comment, worst first
    rows = table[(table["stage"] == "Waiting") & (table["score"] <= 2) & (table["comment"] != "")]
    expected = rows.sort_values(["score", "respondent_id"])["comment"].head(50).tolist()
    assert expected
    shown = next(d.value for d in at.dataframe if len(d.value.columns) == 3)
    assert shown.iloc[:, 2].tolist() == expected


def test_a_weighted_source_gives_the_weighted_overview(tmp_path):
    """A weighted long table (survey W; its weight column named in the secrets): the Overview shows the
    weighted analysis and cards of the imported survey, and says what it is weighted by."""
    weighted = survey_of("W")
    people = respondent_frame(weighted).set_index("respondent_id")
    table = long_table(weighted)
    table["weight"] = people["weight"].reindex(table["respondent_id"]).to_numpy()
    table.to_parquet(tmp_path / "weighted.parquet", index=False)
    at = run_app({"weighted": {**section({"path": str(tmp_path / "weighted.parquet")}), "weight": "weight"}},
                 query={"source": "weighted"})
    assert_overview_is_the_analysis(at, weighted)
    assert at.session_state["view"].analysis.weight.column == "weight"
    assert any("eighted by weight" in c.value for c in at.caption), [c.value for c in at.caption]


def test_the_saved_page_of_a_source_says_its_link_is_the_share(survey, parquet_glob):
    """Nothing of a warehouse source is saved in the app: the Saved page says how to share its view
    (the address, which carries the source and filters) and how to keep its plans, instead of
    "no survey is loaded"."""
    at = run_app({"branches": section({"path": parquet_glob})}, query={"source": "branches"})
    at.switch_page("app_pages/saved.py").run()
    assert not at.exception, [e.value for e in at.exception]
    said = " ".join(i.value for i in at.info)
    assert "In use: the warehouse source Branch surveys, read where it lies, so nothing of it is saved here" in said
    assert "No survey is loaded" not in said
    assert at.query_params.get("source") in ("branches", ["branches"])


def test_a_source_names_its_stages_as_an_upload_is_named(survey, parquet_glob):
    """``stage_names`` in the settings: every page calls the stages by those names, the figures are
    those of the same survey analysed in memory, and a name given twice is one sentence, not a
    traceback."""
    names = {"Waiting": "Waiting in line", "Payment": "Paying"}
    at = run_app({"branches": {**section({"path": parquet_glob}), "stage_names": names}}, query={"source": "branches"})
    assert not at.exception, [e.value for e in at.exception]
    mine = at.session_state["view"].analysis
    renamed = [names.get(s, s) for s in survey.stages]
    assert [str(s) for s in mine.scores["stage"]] == renamed
    reference = analyze(survey, outcome=OutcomeSpec("overall", scale=Scale(1, 5)), settings=AnalysisSettings())
    assert mine.scores["mean"].tolist() == pytest.approx(reference.scores["mean"].tolist(), rel=1e-9)
    assert mine.moments["verdict"].tolist() == reference.moments["verdict"].tolist()
    at.switch_page("app_pages/critical_moments.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = next(d.value for d in at.dataframe if "Verdict" in d.value.columns)
    assert [str(s) for s in shown["Stage"]] == renamed

    twice = run_app({"branches": {**section({"path": parquet_glob}), "stage_names": {"Waiting": "Paying", "Payment": "Paying"}}},
                    query={"source": "branches"})
    assert not twice.exception, [e.value for e in twice.exception]
    said = " ".join([*(e.value for e in twice.error), *(w.value for w in twice.warning), *(i.value for i in twice.info)])
    assert "Two stages would be called 'Paying'" in said


def test_a_source_s_stage_names_follow_the_rules_of_an_upload_s_names():
    """Checked as the Data page checks an upload's names (outputs.display_names): white space
    collapsed, an empty name, one name for two stages (regardless of case) or a name another stage
    keeps is one sentence naming the source."""
    section = {"path": "answers.parquet", "id": "id", "stage": "stage", "score": "score", "stages": ["Parking", "Teller"]}
    layout, _, _ = sources.engine_parts(sources.source_config("x", {**section, "stage_names": {"Parking": "  Car   park "}}))
    assert layout.stages == ("Car park", "Teller")
    with pytest.raises(SurveyError, match="The source 'x': The stage 'Parking' needs a name in stage_names"):
        sources.engine_parts(sources.source_config("x", {**section, "stage_names": {"Parking": " "}}))
    with pytest.raises(SurveyError, match="Two stages would be called 'same'"):  # the second of the two
        sources.engine_parts(sources.source_config("x", {**section, "stage_names": {"Parking": "Same", "Teller": "same"}}))
    with pytest.raises(SurveyError, match="Two stages would be called 'Teller'"):  # a name another stage keeps
        sources.engine_parts(sources.source_config("x", {**section, "stage_names": {"Parking": "Teller"}}))
