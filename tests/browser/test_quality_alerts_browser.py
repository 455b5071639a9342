"""Response-quality flags on the Data page and an alert on the Overview, in a real browser.

The file is generated (``tests/quality_files.py``): 600 respondents over five months with 12
planted speeders, 10 planted straight-liners, and "waiting" rated a point lower in the last month.
A manager uploads it, reads the flags with their examples, leaves the straight-liners out, and finds
the slipping stage at the top of the Overview, with the exclusion said under the title.
Screenshots go to artifacts/screenshots/ (git-ignored): look at them.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from pageutil import TIMEOUT, wait_ready
from quality_files import planted_survey_csv


def go(page: Page, title: str, charts: bool = True) -> None:
    """Click a page in the sidebar navigation and wait until it is drawn."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    expect(page.locator("h1").first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(500)
    wait_ready(page, charts=charts)


def metric_value(page: Page, label: str) -> str:
    """The value of the metric card labelled ``label``."""
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_flags_on_the_data_page_and_an_alert_on_the_overview(page: Page, app_url: str, tmp_path: Path,
                                                             screenshot_dir: Path):
    data, speeders, straight = planted_survey_csv(n=600, months=5, drop_stage="waiting", drop=1.0)
    path = tmp_path / "slipping_branches.csv"
    path.write_bytes(data)
    page.goto(app_url)
    wait_ready(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    expect(page.locator('[data-testid="stMain"]')).to_contain_text(f"Uploaded file: {path.name}", timeout=TIMEOUT)
    wait_ready(page, charts=False)

    # The Data page: how many of each flag, the accounting, and examples.
    go(page, "Data", charts=False)
    section = page.get_by_role("heading", name="Response quality")
    section.scroll_into_view_if_needed()
    expect(section).to_be_visible(timeout=TIMEOUT)
    assert metric_value(page, "Speeders") == str(len(speeders)) == "12"
    assert metric_value(page, "Straight-liners") == str(len(straight)) == "10"
    assert metric_value(page, "Duplicates") == "0" and metric_value(page, "Incomplete responses") == "0"
    expect(page.get_by_text("600 rows read = 600 analysed + 0 excluded for response quality + 0 rejected.")).to_be_visible()
    page.get_by_text("Examples of flagged respondents").click()
    examples = page.locator('[data-testid="stDataFrame"]').filter(has_text="why")
    expect(examples.first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(500)
    page.screenshot(path=str(screenshot_dir / "quality_data_page_flags.png"))

    # Leave the straight-liners out: the accounting says so at once.
    page.get_by_text("Exclude straight-liners").click()
    expect(page.get_by_text("600 rows read = 590 analysed + 10 excluded for response quality + 0 rejected.")).to_be_visible(
        timeout=TIMEOUT)
    wait_ready(page, charts=False)
    page.screenshot(path=str(screenshot_dir / "quality_data_page_excluded.png"))

    # The Overview: the alert at the top, the exclusion under the title, the respondents analysed.
    go(page, "Overview")
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="waiting dropped from").first
    expect(alert).to_be_visible(timeout=TIMEOUT)
    assert "2026-06" in alert.inner_text() and "Holm-corrected across the stages" in alert.inner_text()
    main = page.locator('[data-testid="stMain"]')
    caption = main.locator('[data-testid="stCaptionContainer"]').filter(
        has_text="Excluded for response quality: 10 of 600 respondents (10 straight-liners).")
    expect(caption.first).to_be_visible()
    assert metric_value(page, "Responses") == "590"
    alert_top = alert.bounding_box()["y"]
    first_metric = page.locator('[data-testid="stMetric"]').first.bounding_box()["y"]
    assert alert_top < first_metric  # the alerts open the page, above the headline cards
    assert main.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(screenshot_dir / "quality_overview_alert.png"))
