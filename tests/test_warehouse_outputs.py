"""A warehouse source gets the outputs of an upload: the split of a stage by segment, the HTML report,
the workbook, the deck, the PDF and the alerts, built from its analysis and the query engine's count
tables without reading a row.

Reference: the same survey (``tests/synth.py``, written as a long table as a warehouse holds it)
imported in memory by ``cycle_analytics.ingest.importer.import_survey`` from that table as a CSV,
with the same cycle (targets) and filters: its ``stage_distribution_by``, ``html_report``,
``excel_report``, ``build_briefing`` and ``find_alerts``. The engine is DuckDB over a Parquet file of
the table, opened as the app opens a source of the secrets (``app_support.sources.engine_parts``).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pandas as pd
import pytest
from engine_cases import survey_of
from pandas.testing import assert_frame_equal
from synth import make_survey
from test_app_sources import long_table, run_app, section

from app_support import sources
from app_support.presenting import briefing_of, deck_builder
from cycle_analytics.cycles import Cycle, Stage
from cycle_analytics.dataset import ImportOptions, OutcomeSpec
from cycle_analytics.engine import LongLayout, ScoreRules, SurveyEngine, open_source, survey_source
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.outputs.briefing import build_briefing
from cycle_analytics.outputs.deck import deck_pptx
from cycle_analytics.outputs.outline import REJECTED_NOT_AVAILABLE, THEMES_NOT_AVAILABLE, survey_outline
from cycle_analytics.outputs.pdf import report_pdf
from cycle_analytics.outputs.plans import plans_from_priorities
from cycle_analytics.outputs.report import excel_report, html_report
from cycle_analytics.scales import Scale
from cycle_analytics.stats.alerts import AlertRules, find_alerts
from cycle_analytics.stats.analysis import AnalysisSettings, analyze
from cycle_analytics.stats.filters import Filters
from cycle_analytics.stats.headline import stage_distribution_by, stage_distribution_from_counts

pytestmark = [
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    pytest.mark.filterwarnings("ignore:fetch_arrow_table\\(\\) is deprecated"),
]

STAGES = ("Arrival", "Waiting", "Service", "Payment", "Departure")
#: Targets the generated means miss for some stages, so the below-target rule has something to say.
CYCLE = Cycle("Branch visit", tuple(Stage(s, phase="Visit" if i < 3 else "Leaving", target=t)
                                    for i, (s, t) in enumerate(zip(STAGES, (3.0, 4.2, 3.0, 4.5, 3.0)))))
SPEC = OutcomeSpec("overall", scale=Scale(1, 5))
SETTINGS = AnalysisSettings(n_boot=50, trend_freq="M")  # months: the last two hold enough answers for every alert
WHEN = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.timezone.utc)
FILTERS = {"all": Filters(), "north": Filters(segments={"region": ["North"]}),
           # starts within the previous month: the periods' analyses keep the view's dates
           "recent": Filters(date_range=("2026-03-10", None), segments={"region": ["North", "East"]})}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    survey = make_survey(500, STAGES, seed=5, answer_rate=0.85, span_days=120, penalties={"Waiting": 0.35},
                         last_days_shift=(45, -0.3))
    # Sorted by region and channel, so each segment's values first appear in sorted order: the importer
    # lists a segment's values in the order they first appear, the query engine sorts them.
    return long_table(survey).sort_values(["region", "channel", "respondent_id"], kind="stable", ignore_index=True)


@pytest.fixture(scope="module")
def upload(table):
    """The long table imported in memory, as an upload of it is."""
    options = ImportOptions(cycle=CYCLE, outcome="overall", segments=["region", "channel"], date="date", scale=Scale(1, 5))
    return import_survey(table.to_csv(index=False).encode(), options, file_name="answers.csv")


@pytest.fixture(scope="module")
def engine(table, tmp_path_factory):
    path = tmp_path_factory.mktemp("warehouse_outputs") / "answers.parquet"
    table.to_parquet(path, index=False)
    config = sources.source_config("branches", {
        "label": "Branch surveys", "path": str(path), "layout": "long", "id": "respondent_id", "stage": "stage",
        "score": "score", "outcome": "overall", "date": "date", "segments": ["region", "channel"],
        "stages": list(STAGES), "scale": "1-5"})
    layout, rules, _cycle = sources.engine_parts(config)
    with SurveyEngine(open_source(str(path)), layout, rules, cycle=CYCLE) as opened:
        yield opened


@pytest.fixture(scope="module", params=list(FILTERS))
def pair(request, upload, engine):
    """``(filters, upload's filtered survey, its analysis, the engine's analysis)`` for each filter."""
    filters = FILTERS[request.param]
    reference = filters.apply(upload)
    return (filters, reference, analyze(reference, outcome=SPEC, settings=SETTINGS),
            analyze(engine, outcome=SPEC, settings=SETTINGS, filters=filters))


def section_of(page: str, anchor: str) -> str:
    return re.search(f'<section id="{anchor}">.*?</section>', page, re.S).group(0)


# ---------------------------------------------------------------- one stage by segment


def test_the_split_of_a_stage_by_segment_is_the_upload_s(pair, engine):
    filters, reference, _analysis, _mine = pair
    for segment in ("region", "channel"):
        counts = engine.score_counts(segment, filters=filters)
        for stage in STAGES:
            assert_frame_equal(stage_distribution_from_counts(counts, stage, segment),
                               stage_distribution_by(reference, stage, segment))


def test_the_split_of_a_weighted_survey_is_weighted_alike():
    """Survey W of ``tests/engine_cases.py`` (a weight column): the engine's weighted counts give the
    weighted shares of the in-memory split, the counts staying real."""
    weighted = survey_of("W")
    source, layout, rules = survey_source(weighted)
    with SurveyEngine(source, layout, rules) as opened:
        assert opened.weight_column == "weight"
        for segment in opened.segment_columns:
            counts = opened.score_counts(segment)
            for stage in weighted.stages:
                assert_frame_equal(stage_distribution_from_counts(counts, stage, segment),
                                   stage_distribution_by(weighted, stage, segment), check_exact=False, rtol=1e-12)


def test_the_split_needs_counts_by_that_segment(engine):
    with pytest.raises(SurveyError, match="counted by that segment column alone"):
        stage_distribution_from_counts(engine.score_counts("channel"), "Waiting", "region")
    with pytest.raises(SurveyError, match="not a stage"):
        stage_distribution_from_counts(engine.score_counts("region"), "Lobby", "region")


# ---------------------------------------------------------------- what the outputs read besides the analysis


def test_the_outline_of_the_source_counts_what_the_upload_counts(pair, engine):
    filters, reference, _analysis, _mine = pair
    mine, theirs = survey_outline(engine, filters=filters, name="Branch surveys"), survey_outline(reference)
    assert (mine.stages, mine.scale, mine.respondents, mine.ratings) == \
        (theirs.stages, theirs.scale, theirs.respondents, theirs.ratings)
    assert mine.targets() == theirs.targets() and mine.phases() == theirs.phases()
    assert mine.answers["score"] == len(reference.ratings) if filters.is_empty else mine.answers["score"] > mine.ratings
    assert (mine.rows_read, mine.rejected, mine.has_rows) == (None, None, False)
    assert (theirs.rows_read, theirs.has_rows) == (reference.info.rows_read, True)


def test_the_html_report_holds_the_upload_s_figures(pair, engine):
    filters, reference, analysis, mine = pair
    theirs_page = html_report(reference, analysis, figures={}, title="Report", generated=WHEN)
    page = html_report(survey_outline(engine, filters=filters, name="Branch surveys"), mine, figures={}, title="Report",
                       generated=WHEN)
    for anchor in ("journey", "critical", "priorities", "plans"):
        assert section_of(page, anchor) == section_of(theirs_page, anchor), anchor
    respondents = f'<div class="v">{len(reference.responses):,}</div><div class="k">Respondents</div>'
    assert respondents in page and respondents in theirs_page
    assert f'<div class="v">{len(reference.ratings):,}</div><div class="k">Ratings</div>' in page
    assert "from Branch surveys" in page
    # what needs the rows says so, once, in its place; the accounting of every cell read stands in for the rows
    assert html.escape(THEMES_NOT_AVAILABLE) in section_of(page, "themes")
    assert html.escape(REJECTED_NOT_AVAILABLE) in section_of(page, "headline") and "Rows rejected" not in page
    assert f"Every cell read from the source, before the filters, is counted: ratings {engine.inventory.by_answer()['score']:,}" in page
    assert "Rows read / accepted / rejected" in section_of(theirs_page, "method")


def test_the_html_report_draws_its_charts_for_the_source(engine):
    analysis = analyze(engine, outcome=SPEC, settings=SETTINGS)
    page = html_report(survey_outline(engine, name="Branch surveys"), analysis, title="Report", generated=WHEN)
    assert page.count('class="figure"') == 4  # journey (targets, phases), penalties, priorities, trends
    assert "could not be drawn" not in page


def test_the_workbook_holds_the_upload_s_tables(pair, engine):
    filters, reference, analysis, mine = pair
    plans = plans_from_priorities(analysis.priorities, reference.stages)
    theirs = pd.read_excel(io.BytesIO(excel_report(reference, analysis, plans)), sheet_name=None, engine="openpyxl")
    book = pd.read_excel(io.BytesIO(excel_report(survey_outline(engine, filters=filters), mine, plans)), sheet_name=None, engine="openpyxl")
    assert list(book) == list(theirs)
    for sheet in ("Stage scores", "Distribution", "Stage changes", "Critical moments", "Penalties", "Priorities",
                  "Segments", "Segment tests", "Trends", "Trend change", "Action plans"):
        assert_frame_equal(book[sheet], theirs[sheet], check_exact=False, rtol=1e-9, obj=sheet)
    summary, their_summary = (dict(zip(s["Item"], s["Value"].astype(str))) for s in (book["Summary"], theirs["Summary"]))
    for item in ("Respondents", "Ratings", "Scale", "Stages", "Outcome"):
        assert summary[item] == their_summary[item], item
    assert summary["Rows rejected"] == REJECTED_NOT_AVAILABLE
    assert summary["Answers read (before the filters)"].startswith(f"ratings {engine.inventory.by_answer()['score']:,}")
    assert book["Rejected rows"].iloc[:, 0].tolist() == [REJECTED_NOT_AVAILABLE]
    assert book["Comment themes"].iloc[:, 0].tolist() == [THEMES_NOT_AVAILABLE]


def test_the_deck_and_the_pdf_hold_the_upload_s_briefing(pair, engine):
    filters, reference, analysis, mine = pair
    theirs = build_briefing(reference, analysis, title="Review", source="Branch surveys", generated=WHEN, with_figures=False)
    briefing = build_briefing(survey_outline(engine, filters=filters), mine, title="Review", source="Branch surveys",
                              generated=WHEN, with_figures=False)
    assert briefing.about == theirs.about
    assert briefing.critical == theirs.critical and briefing.pain_points == theirs.pain_points
    assert_frame_equal(briefing.fix_first, theirs.fix_first)
    assert_frame_equal(briefing.priorities, theirs.priorities)
    assert len(briefing.themes) == 0 and briefing.theme_notes == (THEMES_NOT_AVAILABLE,)
    assert deck_pptx(briefing)[:2] == b"PK"
    assert report_pdf(briefing)[:5] == b"%PDF-"


def test_the_alerts_are_the_upload_s(pair, engine):
    filters, reference, analysis, mine = pair
    for rules in (AlertRules(), AlertRules(stages=("Waiting", "Payment", "Lobby"), min_drop=0.1)):
        theirs = find_alerts(reference, rules, outcome=SPEC, settings=SETTINGS, analysis=analysis)
        report = find_alerts(engine, rules, outcome=SPEC, settings=SETTINGS, analysis=mine, filters=filters)
        assert_frame_equal(report.table(), theirs.table(), check_exact=False, rtol=1e-9)
        assert (report.period, report.previous_period, report.checks) == (theirs.period, theirs.previous_period,
                                                                          theirs.checks)
    assert {a.kind for a in find_alerts(engine, outcome=SPEC, settings=SETTINGS, analysis=mine, filters=filters).alerts} \
        >= {"below_target", "significant_drop"}


def test_the_alerts_of_the_source_without_its_analysis_analyse_it(engine, upload):
    theirs = find_alerts(upload, outcome=SPEC, settings=SETTINGS)
    assert_frame_equal(find_alerts(engine, outcome=SPEC, settings=SETTINGS).table(), theirs.table(), check_exact=False,
                       rtol=1e-9)


def test_without_targets_the_source_is_told_where_its_targets_come_from(table, tmp_path):
    """A source's cycle comes from its settings, not from the Cycle designer an upload uses: the
    alert checks say so (the rest of the sentence is the upload's)."""
    path = tmp_path / "answers.parquet"
    table.to_parquet(path, index=False)
    layout = LongLayout("respondent_id", "stage", "score", stages=STAGES, outcomes=("overall",), segments=("region",),
                        date="date")
    with SurveyEngine(open_source(str(path)), layout, ScoreRules(scale=Scale(1, 5))) as bare:
        checks = find_alerts(bare, outcome=SPEC, settings=SETTINGS).checks
    upload = import_survey(table.to_csv(index=False).encode(), ImportOptions(outcome="overall", date="date",
                                                                             scale=Scale(1, 5)), file_name="a.csv")
    theirs = find_alerts(upload, outcome=SPEC, settings=SETTINGS).checks
    assert any(c.endswith("the cycle setting of a warehouse source, --cycle on the command line).") for c in checks)
    assert not any("Cycle designer" in c for c in checks)
    assert any(c.endswith("set targets in the Cycle designer.") for c in theirs)


# ---------------------------------------------------------------- in the app (a source of the secrets)


@pytest.fixture(scope="module")
def plain_upload(table):
    """The upload of the long table without a cycle (the app's source names none)."""
    options = ImportOptions(outcome="overall", segments=["region", "channel"], date="date", scale=Scale(1, 5))
    return import_survey(table.to_csv(index=False).encode(), options, file_name="answers.csv")


@pytest.fixture(scope="module")
def app_sources(table, tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("warehouse_outputs_app") / "answers.parquet"
    table.to_parquet(path, index=False)
    return {"branches": section({"path": str(path)})}


def test_the_stage_detail_page_splits_the_stage_by_segment(app_sources, plain_upload, downloads):
    at = run_app(app_sources, query={"source": "branches"})
    at.session_state["stage"] = "Waiting"
    at.switch_page("app_pages/stage_detail.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Not available for a warehouse source: this split" not in " ".join(i.value for i in at.info)
    assert at.selectbox(key="stage_detail_segment").options == ["region", "channel"]
    shown = pd.read_csv(io.BytesIO(downloads["stage_distribution_by_segment.csv"]))
    expected = stage_distribution_by(plain_upload, "Waiting", "region")
    assert shown["region"].tolist() == expected["region"].astype(str).tolist()
    assert shown["count"].tolist() == expected["count"].tolist() and shown["n"].tolist() == expected["n"].tolist()
    assert shown["pct"].to_numpy() == pytest.approx(expected["pct"].to_numpy(), rel=1e-9)
    assert any("by segment" in c.value.lower() or "split by" in c.value for c in at.caption)

    at.selectbox(key="stage_detail_segment").set_value("channel").run()
    shown = pd.read_csv(io.BytesIO(downloads["stage_distribution_by_segment.csv"]))
    assert shown["count"].tolist() == stage_distribution_by(plain_upload, "Waiting", "channel")["count"].tolist()


def test_the_overview_exports_the_source_s_report_workbook_and_alerts(app_sources, plain_upload, downloads):
    at = run_app(app_sources, query={"source": "branches"})
    assert not at.exception, [e.value for e in at.exception]
    reference = analyze(plain_upload, outcome=SPEC, settings=AnalysisSettings())
    # the alerts box: no cycle, so no target; the weeks' drops and critical moments are those of the upload
    alerts = find_alerts(plain_upload, outcome=SPEC, settings=AnalysisSettings(), analysis=reference)
    shown = " ".join([*(w.value for w in at.warning), *(c.value for c in at.caption)]).replace("\\", "")  # md_escape
    assert all(a.sentence in shown for a in alerts.alerts), shown
    assert "No alert" in shown if not len(alerts) else f"{len(alerts)} alert" in shown
    # the checks are the upload's, but for where a source's targets come from (its settings, not the designer)
    assert alerts.checks and all(check.replace("set targets in the Cycle designer.", "give the source a cycle with targets "
                                               "(the cycle setting of a warehouse source, --cycle on the command line).")
                                 in shown for check in alerts.checks)
    assert "Not available for a warehouse source: the reports" not in " ".join(i.value for i in at.info)

    at.button(key="prepare_reports").click().run()
    assert not at.exception, [e.value for e in at.exception]
    page = downloads["service_cycle_report.html"].decode("utf-8")
    assert f'<div class="v">{len(plain_upload.responses):,}</div><div class="k">Respondents</div>' in page
    assert "from Branch surveys" in page and html.escape(THEMES_NOT_AVAILABLE) in page
    book = pd.read_excel(io.BytesIO(downloads["service_cycle_report.xlsx"]), sheet_name=None, engine="openpyxl")
    scores = book["Stage scores"]
    assert scores["Stage"].tolist() == list(STAGES)
    assert scores["Mean"].to_numpy() == pytest.approx(reference.scores["mean"].to_numpy(), rel=1e-9)
    assert book["Priorities"]["Rank"].astype("Int64").tolist() == \
        reference.priorities.sort_values("rank")["rank"].astype("Int64").tolist()
    assert book["Rejected rows"].iloc[:, 0].tolist() == [REJECTED_NOT_AVAILABLE]

    # the slides and the PDF are built on click from the same view (Streamlit calls the builder)
    view = at.session_state["view"]
    briefing = briefing_of(view, None)
    assert briefing.priorities.iloc[:, 1].tolist() == reference.priorities.sort_values("rank")["stage"].astype(str).head(
        len(briefing.priorities)).tolist()
    assert any(f"{len(plain_upload.responses):,} respondents" in line for line in briefing.about)
    assert deck_builder(view, None)()[:2] == b"PK"
