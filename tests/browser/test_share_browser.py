"""Share links in a real browser: one context saves a survey and copies the link, a second, fresh
context opens the link and sees the same view (page, filter selection, headline numbers).

Run: ``python -m pytest tests/browser/test_share_browser.py -q``. The server of the browser tests
runs with ``CYCLE_ANALYTICS_DATA_DIR`` set to a temporary folder, so it never writes to ./var.
Screenshots: artifacts/screenshots/share_*.png (git-ignored): look at them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pageutil import TIMEOUT, wait_ready

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def share_app_url(app_url):
    """The session's server (tests/browser/conftest.py): its saved surveys go to a temporary folder."""
    return app_url


def headline(page: Page) -> list[str]:
    expect(page.locator('[data-testid="stMetricValue"]')).to_have_count(4, timeout=TIMEOUT)
    return [t.strip() for t in page.locator('[data-testid="stMetricValue"]').all_inner_texts()]


def expect_chips(page: Page, label: str, values: list[str]) -> None:
    """The sidebar multiselect ``label`` shows exactly ``values`` (waits while the app settles)."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]', has_text=label)
    expect(box.locator("[data-tag]")).to_have_count(len(values), timeout=TIMEOUT)
    for i, v in enumerate(values):
        expect(box.locator("[data-tag]").nth(i)).to_have_attribute("aria-label", v)


def test_saved_link_opens_same_view_in_fresh_context(page: Page, share_app_url: str, browser, screenshot_dir: Path):
    # context 1: the bank sample, filtered to one branch, on the Priorities page
    page.goto(share_app_url + "/priorities?sample=bank_visit&seg.branch=Northgate")
    wait_ready(page)
    expect(page.locator("h1", has_text="Which stage to fix first")).to_be_visible()
    expect_chips(page, "branch", ["Northgate"])
    page.locator('[data-testid="stSidebarNav"] a', has_text="Overview").first.click()
    page.wait_for_url(re.compile(r"seg\.branch=Northgate"), timeout=TIMEOUT)
    wait_ready(page)
    expect(page.locator("h1", has_text="Service cycle overview")).to_be_visible()
    numbers = headline(page)
    assert len(numbers) == 4 and numbers[0], numbers

    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Save & share").click()
    sidebar.get_by_label("Name").fill("Northgate visits")
    sidebar.get_by_label("Name").press("Enter")
    sidebar.get_by_role("button", name="Save and get a share link").click()
    code = sidebar.locator('[data-testid="stCode"]', has_text="survey=").last
    expect(code).to_be_visible(timeout=TIMEOUT)
    link = code.inner_text().strip()
    assert re.search(r"[?&]survey=[A-Za-z0-9_-]{32}(&|$)", link), link
    assert "seg.branch=Northgate" in link and "sample=" not in link, link
    page.screenshot(path=str(screenshot_dir / "share_saved.png"))
    # saved without login: its edit key is shown once, in a dialog, until it is acknowledged
    page.get_by_role("dialog").get_by_role("button", name="Done").click()
    expect(page.get_by_role("dialog")).to_have_count(0, timeout=TIMEOUT)

    # context 2: a fresh browser context (no cookies, no session) opens the copied link
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        p2 = other.new_page()
        p2.goto(link)
        wait_ready(p2)
        expect(p2.locator("h1", has_text="Service cycle overview")).to_be_visible()
        expect(p2.locator('[data-testid="stSidebar"]').get_by_text("Saved survey: Northgate visits")).to_be_visible()
        expect_chips(p2, "branch", ["Northgate"])
        expect(p2.locator('[data-testid="stMetricValue"]')).to_have_text(numbers, timeout=TIMEOUT)
        p2.wait_for_timeout(300)
        p2.screenshot(path=str(screenshot_dir / "share_opened.png"))

        # an unknown id: the "not found" sentence and nothing else
        p2.goto(share_app_url + "/?survey=" + "A" * 32)
        expect(p2.get_by_text("There is no saved survey at this link.")).to_be_visible(timeout=TIMEOUT)
        expect(p2.locator('[data-testid="stMetricValue"]')).to_have_count(0)
        expect(p2.locator(".js-plotly-plot")).to_have_count(0)
        p2.screenshot(path=str(screenshot_dir / "share_not_found.png"))
        p2.goto(share_app_url + "/priorities?survey=not-an-id")
        expect(p2.get_by_text("There is no saved survey at this link.")).to_be_visible(timeout=TIMEOUT)
        expect(p2.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
        expect(p2.locator('[role="dialog"]')).to_have_count(0)
    finally:
        other.close()

    # context 1 again: the action-plan editor and the Saved surveys page (for the screenshots)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Priorities").first.click()
    page.wait_for_url(re.compile(r"/priorities"), timeout=TIMEOUT)
    wait_ready(page)
    heading = page.locator("h3", has_text="Action plans")
    heading.scroll_into_view_if_needed()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / "share_plans.png"))
    page.locator('[data-testid="stSidebarNav"] a', has_text="Saved surveys").first.click()
    page.wait_for_url(re.compile(r"/saved"), timeout=TIMEOUT)
    wait_ready(page, charts=False)
    expect(page.locator('[data-testid="stExpander"]', has_text="Northgate visits").first).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(screenshot_dir / "share_saved_page.png"))
