"""The security headers of ``serve.py`` in a real browser: the Content-Security-Policy of
``app_support/security_headers.py`` lets every page of the app work (charts, tables, the uploader,
the share dialog) and the browser reports no violation of it.

``tests/test_hostile_uploads.py`` checks that the headers are sent (by ``serve.py`` and by the nginx
example of ``docs/deployment.md``); this file checks that a browser that enforces them still draws
the app. Run: ``python -m pytest tests/browser/test_headers_browser.py -q``. Screenshot:
artifacts/screenshots/headers_*.png (git-ignored): look at it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import stclient
from playwright.sync_api import Browser, expect

from pageutil import TIMEOUT, wait_ready

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "customer_lifecycle_wide.csv"
# Every page with a chart of its own, and the pages of tables and forms.
CHART_PAGES = ("", "critical_moments", "priorities", "stage_detail", "segments", "trends")
FORM_PAGES = ("data", "saved", "cycle_designer", "survey_builder")
# Collects the browser's CSP reports (the page's own event, so nothing is missed between pages).
LISTEN = """document.addEventListener('securitypolicyviolation', e => {
    window.__csp = window.__csp || [];
    window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});"""


@pytest.fixture(scope="module")
def serve_url(tmp_path_factory):
    """``streamlit run serve.py`` (the app with its security headers) on a free port."""
    proc, url = stclient.start_server(tmp_path_factory.mktemp("serve_data"), script="serve.py")
    yield url
    stclient.stop_server(proc)


def test_every_page_works_under_the_content_security_policy(serve_url: str, browser: Browser, tmp_path: Path,
                                                            screenshot_dir: Path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(LISTEN)
    page = context.new_page()
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        response = page.goto(serve_url + "/")
        assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
        wait_ready(page)
        upload = tmp_path / "survey.csv"
        upload.write_bytes(SAMPLE.read_bytes())
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
        expect(page.locator('[data-testid="stMain"]')).to_contain_text("Uploaded file: survey.csv", timeout=TIMEOUT)
        wait_ready(page)
        for path in CHART_PAGES[1:] + FORM_PAGES:
            page.locator('[data-testid="stSidebarNav"] a[href$="/' + path + '"]').first.click()
            page.wait_for_url("**/" + path + "*", timeout=TIMEOUT)
            wait_ready(page, charts=path in CHART_PAGES)
            if path == "critical_moments":
                page.screenshot(path=str(screenshot_dir / "headers_critical_moments.png"))
        violations = page.evaluate("window.__csp || []")  # the pages switch without a reload: all of them
        assert not violations and not console, (violations, console)
    finally:
        context.close()
