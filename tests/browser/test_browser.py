"""The dashboard in a real browser (Debian chromium through pytest-playwright).

Run: ``python -m pytest tests/browser -q`` (the server is started by ``conftest.app_url``).
Screenshots of every page go to artifacts/screenshots/ (git-ignored): look at them.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote_plus

from playwright.sync_api import Page, expect

from pageutil import TIMEOUT, wait_ready

ROOT = Path(__file__).resolve().parents[2]
UPLOAD_FILE = ROOT / "data" / "sample" / "customer_lifecycle_wide.csv"

# page title in the sidebar nav -> (url path, has charts)
PAGES = {
    "Overview": ("", True),
    "Critical moments": ("critical_moments", True),
    "Priorities": ("priorities", True),
    "Stage detail": ("stage_detail", True),
    "Segments": ("segments", True),
    "Trends": ("trends", True),
    "Data": ("data", False),
}


def go(page: Page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    path, charts = PAGES[title]
    if path:
        page.wait_for_url(re.compile(rf"/{path}(\?|$)"), timeout=TIMEOUT)
    expect(page.locator("h1").first).to_be_visible(timeout=TIMEOUT)
    wait_ready(page, charts=charts)


def shot(page: Page, folder: Path, name: str) -> None:
    page.wait_for_timeout(300)  # let Plotly finish its transitions
    page.screenshot(path=str(folder / f"{name}.png"))


def test_every_page_on_sample(page: Page, app_url: str, screenshot_dir: Path):
    page.goto(app_url)
    wait_ready(page)
    expect(page.get_by_text("Service cycle overview")).to_be_visible()
    for title in PAGES:
        go(page, title)
        shot(page, screenshot_dir, f"sample_{PAGES[title][0] or 'overview'}")


def test_upload_and_visit_pages(page: Page, app_url: str, screenshot_dir: Path):
    page.goto(app_url)
    wait_ready(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(UPLOAD_FILE))
    expect(page.get_by_text("Uploaded file: customer_lifecycle_wide.csv").first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_function("() => !location.search.includes('sample=')", timeout=TIMEOUT)
    wait_ready(page)
    for title in PAGES:
        go(page, title)
        shot(page, screenshot_dir, f"upload_{PAGES[title][0] or 'overview'}")


def test_click_stage_opens_detail(page: Page, app_url: str, screenshot_dir: Path):
    page.goto(app_url)
    wait_ready(page)
    chart = page.locator(".js-plotly-plot").first
    points = chart.locator(".point")
    expect(points.first).to_be_attached(timeout=TIMEOUT)
    k = min(2, points.count() - 1)
    points.nth(k).click(force=True)
    page.wait_for_url(re.compile(r"/stage_detail\?.*stage="), timeout=TIMEOUT)
    wait_ready(page)
    expect(page.locator("h1", has_text="Stage detail")).to_be_visible()
    stage = re.search(r"stage=([^&]+)", page.url).group(1)
    box = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first
    expect(box).to_contain_text("Stage")
    shown = box.locator("input").input_value() if box.locator("input").count() else box.inner_text()
    assert unquote_plus(stage) in shown, (stage, shown)
    shot(page, screenshot_dir, "clicked_stage_detail")


def test_copied_url_restores_filters(page: Page, app_url: str, browser):
    page.goto(app_url)
    wait_ready(page)
    box = page.locator('[data-testid="stMultiSelect"]', has_text="channel")
    option = page.locator('[role="option"]').filter(has_not_text="Select all").first
    for _ in range(5):  # the list may not open while the app is still settling: try again
        box.locator("input").click()
        try:
            option.wait_for(state="visible", timeout=4000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
    chosen = option.inner_text().strip()
    option.click()
    page.locator("h1").first.click()  # close the list: the multiselect commits its value
    page.wait_for_url(re.compile(r"seg\.channel="), timeout=TIMEOUT)
    wait_ready(page)
    expect(box.locator("[data-tag]")).to_have_count(1)
    go(page, "Priorities")
    page.wait_for_url(re.compile(r"seg\.channel="), timeout=TIMEOUT)
    url = page.url

    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        p2 = other.new_page()
        p2.goto(url)
        wait_ready(p2)
        expect(p2.locator("h1", has_text="Which stage to fix first")).to_be_visible()
        box2 = p2.locator('[data-testid="stMultiSelect"]', has_text="channel")
        expect(box2.locator("[data-tag]")).to_have_count(1)
        expect(box2.locator("[data-tag]").first).to_have_attribute("aria-label", chosen)
    finally:
        other.close()
