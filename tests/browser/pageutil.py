"""Waiting helpers shared by the browser tests."""

from __future__ import annotations

from playwright.sync_api import Page, expect

TIMEOUT = 45_000


def wait_ready(page: Page, charts: bool = True, no_exception: bool = True) -> None:
    """Wait until the app is mounted, the script finished, and (optionally) a Plotly chart is drawn.

    With ``no_exception`` (the default) it also asserts that no exception box is shown.
    """
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=TIMEOUT)
    page.wait_for_function(
        "() => { const w = document.querySelector('[data-testid=\"stStatusWidget\"]');"
        " return !w || !/Running|Connecting/i.test(w.innerText); }", timeout=TIMEOUT)
    if charts:
        expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", timeout=TIMEOUT)
    if no_exception:
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
