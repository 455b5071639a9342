"""The dashboard opened with ``?lang=id`` and ``?lang=es`` in Debian's chromium.

On the Overview, Critical moments, Priorities, Segments, Trends, Data and Saved surveys pages
of the bank sample: the page title is in the language,
no English text of the app layer is left on the page (each English message of app.py, app_pages/
and app_support/ is looked for in the page's text), and no label is cut off (a metric label, a
button or a tab whose text is wider than its box). Screenshots go to artifacts/screenshots/
(``i18n_<lang>_<page>.png``): look at them.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, expect

from cycle_analytics.i18n import EXTRACTION_KEYWORDS, LOCALE_DIR
from pageutil import TIMEOUT, wait_ready

ROOT = Path(__file__).resolve().parents[2]
APP_FILES = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py")), *sorted((ROOT / "app_support").glob("*.py"))]

#: page url path -> (has a chart, its title in Indonesian, in Spanish)
PAGES = {
    "": (True, "Ringkasan siklus layanan", "Resumen del ciclo de servicio"),
    "critical_moments": (True, "Momen kritis", "Momentos críticos"),
    "priorities": (True, "Tahap mana yang diperbaiki lebih dulu", "Qué etapa corregir primero"),
    "segments": (True, "Segmen", "Segmentos"),
    "trends": (True, "Tren", "Tendencias"),
    "saved": (False, "Survei tersimpan", "Encuestas guardadas"),
    "data": (False, "Data", "Datos"),
}
#: English messages that read the same in the language (names, codes, numbers), never "left in English".
SAME_IN_EVERY_LANGUAGE = {"NPS", "Data", "Status", "Target (0–100)", "Filter"}


def _package_messages() -> list[str]:
    """The English texts of cycle_analytics (the sentences the statistics, the importer and the
    reports write: its catalogue messages and its source): a piece of the app's that is also part
    of one of them may come from the package, whose sentences its own tests check."""
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        pot = read_po(handle)
    out = []
    for m in pot:
        if m.id and any(str(place).startswith("cycle_analytics") for place, _line in m.locations):
            out += list(m.id) if isinstance(m.id, (tuple, list)) else [m.id]
    return out + [p.read_text(encoding="utf-8") for p in sorted((ROOT / "cycle_analytics").rglob("*.py"))]


def _english_pieces() -> set[str]:
    """The literal parts of every English message of the app layer that a leftover would show:
    the text between placeholders, markdown stars removed, at least two words and 12 characters;
    pieces that are also part of a message of the package (:func:`_package_messages`) are left out."""
    package = _package_messages()
    pieces: set[str] = set()
    for path in APP_FILES:
        for _line, message, _comments, _context in extract_from_file("python", str(path), keywords=EXTRACTION_KEYWORDS):
            for text in (message if isinstance(message, tuple) else (message,)):
                if text in SAME_IN_EVERY_LANGUAGE:
                    continue
                for literal, *_rest in string.Formatter().parse(text):
                    literal = re.sub(r":material/\w+:|\*\*", "", literal).strip(" .,:;()·")
                    if len(literal) >= 12 and " " in literal and not any(literal in p for p in package):
                        pieces.add(literal)
    return pieces


@pytest.fixture(scope="module")
def english_pieces() -> set[str]:
    return _english_pieces()


CUT_OFF = """() => {
  const boxes = document.querySelectorAll(
    '[data-testid="stMetricLabel"] p, [data-testid="stBaseButton-secondary"] p, [data-testid="stBaseButton-primary"] p,'
    + '[data-testid="stDownloadButton"] p, [data-testid="stTab"] p, [data-testid="stSidebarNavLink"] span');
  return [...boxes].filter(b => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1).map(b => b.innerText);
}"""


@pytest.mark.parametrize("language", ["id", "es"])
def test_pages_open_in_the_language_with_no_english_left(browser: Browser, app_url, screenshot_dir, english_pieces,
                                                          language):
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    page = context.new_page()
    try:
        for path, (charts, title_id, title_es) in PAGES.items():
            page.goto(f"{app_url}/{path}?lang={language}", timeout=TIMEOUT)
            wait_ready(page, charts=charts)
            # every element drawn (no skeleton left), so the text and the picture are the whole page
            page.wait_for_load_state("networkidle", timeout=TIMEOUT)
            expect(page.locator('[data-testid^="stSkeleton"]')).to_have_count(0, timeout=TIMEOUT)
            wait_ready(page, charts=charts)
            title = title_id if language == "id" else title_es
            expect(page.locator("h1").first).to_have_text(title, timeout=TIMEOUT)
            page.wait_for_timeout(500)  # let the last elements settle before the picture
            page.screenshot(path=str(screenshot_dir / f"i18n_{language}_{path or 'overview'}.png"))
            shown = page.locator('[data-testid="stApp"]').inner_text()
            left = sorted(p for p in english_pieces if p in shown)
            assert left == [], f"English left on /{path}?lang={language}: {left[:8]}"
            assert page.evaluate(CUT_OFF) == [], f"labels cut off on /{path}?lang={language}"
            # the language stays in the URL, so a shared link opens in it
            assert f"lang={language}" in page.url
    finally:
        context.close()


def test_the_browser_language_is_the_default(browser: Browser, app_url, screenshot_dir):
    """No ``?lang=``: the page opens in the browser's language (``navigator.language``, which
    Streamlit passes on as ``st.context.locale``), and says so in the URL."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="es-MX")
    page = context.new_page()
    try:
        page.goto(f"{app_url}/", timeout=TIMEOUT)
        wait_ready(page)
        expect(page.locator("h1").first).to_have_text("Resumen del ciclo de servicio", timeout=TIMEOUT)
        expect(page).to_have_url(re.compile(r"lang=es"), timeout=TIMEOUT)
        page.screenshot(path=str(screenshot_dir / "i18n_browser_es_mx.png"))
    finally:
        context.close()
