"""The Cycle designer and Survey builder pages in a real browser (fixtures: tests/browser/conftest.py).

Needs the two pages in ``app.py``'s ``st.navigation`` (titles "Cycle designer" and "Survey builder").
Run: ``python -m pytest tests/browser/test_designer_browser.py -q``. Screenshots go to
artifacts/screenshots/designer_*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from pageutil import TIMEOUT
from pageutil import wait_ready as _wait



def wait_ready(page: Page) -> None:
    _wait(page, charts=False, no_exception=False)


def open_page(page: Page, title: str, path: str) -> None:
    # case-sensitive: the app's st.navigation titles, not the lower-case listing of the pages/ folder
    page.locator('[data-testid="stSidebarNav"] a', has_text=re.compile(re.escape(title))).first.click()
    page.wait_for_url(re.compile(rf"/{path}(\?|$)"), timeout=TIMEOUT)
    expect(page.locator("h1", has_text=title).first).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)


def flow_chart_drawn(page: Page) -> None:
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", timeout=TIMEOUT)
    # the boxes of the stages are drawn as shapes with their names as text
    expect(page.locator(".js-plotly-plot").first).to_contain_text("Waiting", timeout=TIMEOUT)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_designer_and_builder_pages(page: Page, app_url: str, screenshot_dir: Path):
    page.goto(app_url)
    wait_ready(page)
    # the app's own script has run (its navigation and sidebar are there), not only the pages/ listing
    expect(page.locator('[data-testid="stSidebarNav"] a', has_text=re.compile("Cycle designer")).first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)

    open_page(page, "Cycle designer", "cycle_designer")
    flow_chart_drawn(page)
    expect(page.locator('[data-testid="stSidebar"]').get_by_text("Upload a survey").first).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Download YAML").first).to_be_visible()
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / "designer_cycle.png"))
    page.get_by_role("button", name="Apply to the survey in use").click()
    wait_ready(page)
    expect(page.get_by_text("is applied").first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)

    open_page(page, "Survey builder", "survey_builder")
    flow_chart_drawn(page)
    expect(page.get_by_role("button", name="CSV template for the answers").first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Qualtrics import (TXT)").first).to_be_visible()
    expect(page.get_by_text("How satisfied or dissatisfied were you with").first).to_be_visible()
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / "designer_survey_builder.png"), full_page=True)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
