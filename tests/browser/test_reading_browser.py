"""The Data page's "What we read" after an upload, in a real browser: a real survey file (the SFO
airport survey of ../shared/realdata) is read right with no options, confirmed once, and the
confirmation sticks. Screenshots: artifacts/screenshots/reading_*.png (look at them).

Run: ``python -m pytest tests/browser/test_reading_browser.py -q``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from pageutil import TIMEOUT, wait_ready

ROOT = Path(__file__).resolve().parents[2]
SFO = ROOT.parent / "shared" / "realdata" / "sfo_customer_survey_2017.csv"


def test_upload_opens_what_we_read_and_confirming_sticks(page: Page, app_url: str, screenshot_dir: Path):
    page.goto(app_url)
    wait_ready(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(SFO))
    link = page.get_by_text("Check what we read from the file")
    expect(link.first).to_be_visible(timeout=TIMEOUT)
    link.first.click()
    expect(page.get_by_text("What we read", exact=True)).to_be_visible(timeout=TIMEOUT)
    wait_ready(page, charts=False)
    # the code list's reading (README of ../shared/realdata): the 14 Q7 facilities on 1-5, 0 and 6 no answer,
    # the Q7 block's overall rating as the outcome
    expect(page.get_by_text("14: Q7ART → Q7FOOD", exact=False).first).to_be_visible()
    expect(page.get_by_text("6 (10,931 answers); 0 (1,572 answers)").first).to_be_visible()
    expect(page.get_by_text("'Q7ALL' is the overall item of its block of questions.").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "reading_sfo_before.png"))
    page.get_by_role("button", name="Confirm what we read").click()
    expect(page.get_by_text("You confirmed this reading").first).to_be_visible(timeout=TIMEOUT)
    wait_ready(page, charts=False)
    expect(page.get_by_text("Check what we read from the file")).to_have_count(0)  # the sidebar reminder is gone
    page.screenshot(path=str(screenshot_dir / "reading_sfo_confirmed.png"))


def test_sfo_critical_moments_judge_the_information_booths_together(page: Page, app_url: str, screenshot_dir: Path):
    """SFO asks about the information booths upstairs (departures) and downstairs (baggage claim); travellers rate them as one, so
    the page says so above the chart, names the twin in the verdict table, and calls neither critical."""
    page.goto(app_url)
    wait_ready(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(SFO))
    expect(page.get_by_text("Check what we read from the file").first).to_be_visible(timeout=TIMEOUT)
    wait_ready(page, charts=False)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Critical moments").first.click()
    wait_ready(page)
    note = page.get_by_text("Q7INFODOWN and Q7INFOUP were rated almost alike (bad ratings correlated at 0.87 or more)")
    expect(note.first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("No stage is critical or a pain point in this selection.").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "critical_sfo_alike.png"))
    # the verdict table (a canvas grid: its header is checked by the page's AppTest) and the evidence
    page.get_by_text("No stage is critical or a pain point in this selection.").first.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "critical_sfo_alike_verdicts.png"))
