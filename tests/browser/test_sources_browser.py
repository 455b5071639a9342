"""A warehouse source in the browser: a manager picks it on the Data page and sees the cycle.

The server runs with a secrets file naming a Parquet source (the long table of the survey of
``tests/synth.py``, written by the test); the reference is the in-memory analysis of that survey
(``cycle_analytics.stats.analysis.analyze`` and ``cycle_analytics.stats.headline.headline_figures``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import streamlit_server
from pageutil import TIMEOUT, wait_ready
from playwright.sync_api import Page, expect
from synth import make_survey
from test_app_sources import long_table

from cycle_analytics.dataset import OutcomeSpec
from cycle_analytics.scales import Scale
from cycle_analytics.stats.analysis import analyze
from cycle_analytics.stats.headline import headline_figures


@pytest.fixture(scope="module")
def survey():
    return make_survey(400, seed=21, answer_rate=0.85, span_days=200)


@pytest.fixture(scope="module")
def source_url(survey, tmp_path_factory):
    folder = tmp_path_factory.mktemp("warehouse_browser")
    long_table(survey).to_parquet(folder / "answers.parquet", index=False)
    secrets = folder / "secrets.toml"
    secrets.write_text(f"""
[sources.branch_surveys]
label = "Branch surveys (warehouse)"
path = "{folder / 'answers.parquet'}"
layout = "long"
id = "respondent_id"
stage = "stage"
score = "score"
stages = ["Arrival", "Waiting", "Service", "Payment", "Departure"]
outcome = "overall"
date = "date"
segments = ["region", "channel"]
""")
    with streamlit_server(tmp_path_factory.mktemp("app_data_sources"), ("--secrets.files", str(secrets)),
                          log_name="streamlit-sources-browser-test.log") as url:
        yield url


def test_the_manager_picks_the_source_on_the_data_page_and_sees_the_cycle(page: Page, source_url: str, survey,
                                                                          screenshot_dir: Path, tmp_path: Path):
    page.goto(source_url)
    wait_ready(page)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Data").click()
    expect(page.get_by_text("Warehouse sources")).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("button", name=re.compile("Use this source")).click()
    expect(page.get_by_role("button", name=re.compile("Close it"))).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("The query that builds the respondent table")).to_be_visible(timeout=TIMEOUT)
    wait_ready(page, charts=False)
    page.screenshot(path=str(screenshot_dir / "sources_data_page.png"))
    expect(page.locator('[data-testid="stSidebar"]').get_by_text("Branch surveys (warehouse)").first).to_be_visible()

    page.locator('[data-testid="stSidebarNav"] a', has_text="Overview").click()
    wait_ready(page)
    spec = OutcomeSpec("overall", scale=Scale(1, 5))
    head = headline_figures(survey, spec)
    result = analyze(survey, outcome=spec)
    cards = page.locator('[data-testid="stMetric"]')
    expect(cards.filter(has_text="Responses")).to_contain_text(f"{head.responses:,}")
    expect(cards.filter(has_text="Critical moments")).to_contain_text(str(len(result.critical_moments)))
    expect(page.locator('[data-testid="stMain"]')).to_contain_text(f"{head.outcome_mean:.2f}")
    page.screenshot(path=str(screenshot_dir / "sources_overview.png"))

    page.locator('[data-testid="stSidebarNav"] a', has_text="Stage detail").click()
    expect(page.locator("h1").first).to_contain_text("Stage detail", timeout=TIMEOUT)
    wait_ready(page)
    note = page.get_by_text("Not available for a warehouse source: finding the themes").first
    expect(note).to_be_visible()
    note.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "sources_stage_detail.png"))

    # the stage split by segment, from the engine's counts (the same frame as an upload's)
    split = page.get_by_text("The same answers split by region").first
    split.scroll_into_view_if_needed()
    expect(split).to_be_visible(timeout=TIMEOUT)
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(3, timeout=TIMEOUT)  # answers, by segment, trend
    expect(page.get_by_text("Not available for a warehouse source: this split")).to_have_count(0)
    page.locator('[data-testid="stPlotlyChart"]').nth(1).scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "sources_stage_by_segment.png"))

    # the Overview's report, built from the analysis and the engine's counts
    page.locator('[data-testid="stSidebarNav"] a', has_text="Overview").click()
    wait_ready(page)
    page.get_by_role("button", name=re.compile("Prepare the report downloads")).click()
    download_button = page.get_by_role("button", name="Download the HTML report")
    expect(download_button).to_be_visible(timeout=TIMEOUT)
    download_button.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "sources_overview_export.png"))
    with page.expect_download(timeout=TIMEOUT) as download:
        download_button.click()
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert f'<div class="v">{head.responses:,}</div><div class="k">Respondents</div>' in report
    assert "from Branch surveys (warehouse)" in report
    assert "Not available for a warehouse source: finding the themes of the comments" in report
    saved = tmp_path / "service_cycle_report.html"
    saved.write_text(report, encoding="utf-8")
    page.goto(saved.as_uri())  # the report as the manager opens it
    expect(page.locator("h1").first).to_contain_text("Service cycle report", timeout=TIMEOUT)
    page.screenshot(path=str(screenshot_dir / "sources_report.png"))
