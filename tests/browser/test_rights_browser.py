"""Links and rights in two real browsers: what A does never changes B's view, and B with A's link can
read but not rename or delete; the trash restores; a hostile survey name is shown as text; the same
bytes uploaded under two names never show one user's name to the other.

Run: ``python -m pytest tests/browser/test_rights_browser.py -q``. Screenshots:
artifacts/screenshots/rights_*.png (git-ignored): look at them.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from pageutil import TIMEOUT, wait_ready

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "customer_lifecycle_wide.csv"
HOSTILE_NAME = ":material/home: **bold** :red[red] $x^2$ :smile: [link](https://evil.example) <b>b</b>"
NOT_FOUND = "There is no saved survey at this link."


def upload(page: Page, path: Path, name: str, tmp_path: Path) -> None:
    """Upload ``path`` under the file name ``name`` through the sidebar's uploader."""
    copy = tmp_path / name
    copy.write_bytes(path.read_bytes())
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(copy))
    expect(page.locator('[data-testid="stMain"]')).to_contain_text(f"Uploaded file: {name}", timeout=TIMEOUT)
    wait_ready(page)


def save(page: Page, name: str) -> tuple[str, str]:
    """Save the survey in use from the sidebar; ``(share link, edit key)``."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Save & share").click()
    sidebar.get_by_label("Name").fill(name)
    sidebar.get_by_label("Name").press("Enter")
    button = sidebar.get_by_role("button", name="Save and get a share link")
    for attempt in range(3):  # the rerun after the name may redraw the expander (closed) under the click
        wait_ready(page, charts=False)
        if not button.is_visible():
            sidebar.get_by_text("Save & share").click()
        try:
            button.click(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Edit key, shown only now")).to_be_visible(timeout=TIMEOUT)
    link = dialog.locator('[data-testid="stCode"]', has_text="survey=").first.inner_text().strip()
    codes = [t.strip() for t in dialog.locator('[data-testid="stCode"]').all_inner_texts()]
    key = next(c for c in codes if re.fullmatch(r"[A-Za-z0-9_-]{32}", c))
    page.screenshot(path=str(ROOT / "artifacts" / "screenshots" / "rights_edit_key_dialog.png"))
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_have_count(0, timeout=TIMEOUT)
    return link, key


def open_expander(expander) -> None:
    """Open a Streamlit expander unless it is open (its ``<details>`` has the ``open`` attribute)."""
    details = expander.locator("details").first
    if details.get_attribute("open") is None:
        expander.locator("summary").first.click()
    expect(details).to_have_attribute("open", "", timeout=TIMEOUT)


def saved_page(page: Page, base: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text="Saved surveys").first.click()
    expect(page.locator("h1", has_text="Saved surveys")).to_be_visible(timeout=TIMEOUT)
    wait_ready(page, charts=False)


def test_b_with_as_link_can_read_but_not_rename_or_delete_and_the_trash_restores(app_url, browser, tmp_path, screenshot_dir):
    a = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    b = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    a.goto(app_url)
    wait_ready(a)
    upload(a, SAMPLE, "ann_private_Q3.csv", tmp_path)
    link, key = save(a, "Lifecycle Q3")
    a.screenshot(path=str(screenshot_dir / "rights_a_saved_with_edit_key.png"))

    b.goto(link)
    wait_ready(b)
    expect(b.locator('[data-testid="stSidebar"]')).to_contain_text("Saved survey: Lifecycle Q3")
    saved_page(b, app_url)
    entry = b.locator('[data-testid="stExpander"]', has_text="Lifecycle Q3")
    expect(entry).to_contain_text("view only")
    open_expander(entry)
    expect(entry.get_by_role("button", name="Rename")).to_have_count(0)
    expect(entry.get_by_role("button", name="Delete")).to_have_count(0)
    expect(entry.get_by_role("button", name="Replace its data with the uploaded file")).to_have_count(0)
    expect(entry.get_by_label("Edit key", exact=True).and_(entry.get_by_test_id("stTextInputField"))).to_be_visible()
    assert key not in b.locator("body").inner_text()
    b.screenshot(path=str(screenshot_dir / "rights_b_view_only.png"))

    # A deletes it: B's link answers like an unknown one; A restores it from the trash: B sees it again
    saved_page(a, app_url)
    mine = a.locator('[data-testid="stExpander"]', has_text="Lifecycle Q3")
    sure = mine.get_by_text("Yes, delete it")
    open_expander(mine)
    expect(sure).to_be_visible(timeout=TIMEOUT)
    sure.click()
    wait_ready(a, charts=False)
    delete = mine.get_by_role("button", name="Delete")
    expect(delete).to_be_enabled(timeout=TIMEOUT)
    delete.click()
    expect(a.get_by_text("Trash", exact=True)).to_be_visible(timeout=TIMEOUT)
    b.goto(link)
    expect(b.get_by_text(NOT_FOUND)).to_be_visible(timeout=TIMEOUT)
    a.get_by_role("button", name="Restore").click()
    expect(a.get_by_text("Trash", exact=True)).to_have_count(0, timeout=TIMEOUT)
    b.goto(link)
    wait_ready(b)
    expect(b.locator('[data-testid="stSidebar"]')).to_contain_text("Saved survey: Lifecycle Q3")
    a.screenshot(path=str(screenshot_dir / "rights_a_after_restore.png"))

    # with the edit key handed over, B may rename it
    saved_page(b, app_url)
    entry = b.locator('[data-testid="stExpander"]', has_text="Lifecycle Q3")
    open_expander(entry)
    entry.get_by_label("Edit key", exact=True).and_(entry.get_by_test_id("stTextInputField")).fill(key)
    entry.get_by_label("Edit key", exact=True).and_(entry.get_by_test_id("stTextInputField")).press("Enter")
    entry.get_by_role("button", name="Use the key").click()
    entry = b.locator('[data-testid="stExpander"]', has_text="Lifecycle Q3")
    expect(entry.get_by_role("button", name="Rename")).to_be_visible(timeout=TIMEOUT)
    a.context.close()
    b.context.close()


def test_a_hostile_survey_name_is_text_for_everyone_with_the_link(app_url, browser, screenshot_dir):
    a = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    a.goto(app_url + "/?sample=bank_visit")
    wait_ready(a)
    link, _ = save(a, HOSTILE_NAME)
    b = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    b.goto(link)
    wait_ready(b)
    info = b.locator('[data-testid="stSidebar"] [data-testid="stAlert"]', has_text="Saved survey")
    expect(info).to_be_visible(timeout=TIMEOUT)
    shown = info.inner_text().replace("\u2060", "")
    assert HOSTILE_NAME in shown, shown
    assert info.locator("strong").count() == 1  # only the app's own bold ("**name**"), nothing inside it
    for markup in ('[data-testid="stIconMaterial"]', ".katex", "a", "b", "img"):
        assert info.locator(f"strong {markup}").count() == 0, markup
    assert not info.locator('span[style*="color"]').count()
    b.screenshot(path=str(screenshot_dir / "rights_hostile_name_is_text.png"))
    a.context.close()
    b.context.close()


def test_the_same_bytes_under_two_names_never_show_as_name_to_b(app_url, browser, tmp_path, screenshot_dir):
    a = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    b = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True).new_page()
    for page, folder in ((a, "a"), (b, "b")):
        (tmp_path / folder).mkdir()
        page.goto(app_url)
        wait_ready(page)
    upload(a, SAMPLE, "ann_private_Q3.csv", tmp_path / "a")
    upload(b, SAMPLE, "bob.csv", tmp_path / "b")  # the same bytes: one import in the server's cache
    b.get_by_role("button", name="Prepare the report downloads").click()
    with b.expect_download(timeout=TIMEOUT) as download:
        b.get_by_role("button", name="Download the HTML report").click()
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert "bob.csv" in report and "ann_private" not in report
    b.locator('[data-testid="stSidebarNav"] a', has_text="Data").first.click()
    wait_ready(b, charts=False)
    text = b.locator("body").inner_text()
    assert "bob.csv" in text and "ann_private" not in text
    b.screenshot(path=str(screenshot_dir / "rights_b_own_file_name.png"))
    a.context.close()
    b.context.close()


# A file name may hold anything but "/": Markdown, LaTeX, an emoji short code, a colour directive, a link.
HOSTILE_FILE_NAME = "**bold** :red[red] $x^2$ :smile: [link](https:evil.example) ~~gone~~.csv"


def test_a_hostile_file_name_in_an_error_sentence_is_text(page: Page, app_url: str, tmp_path: Path, screenshot_dir):
    """A refused upload (a header only: no respondents) whose name is Markdown: the one error sentence
    shows the name as typed, with none of its markup drawn."""
    page.goto(app_url)
    wait_ready(page)
    refused = tmp_path / HOSTILE_FILE_NAME
    refused.write_text("id,wait,teller,overall\n", encoding="utf-8")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(refused))
    alert = page.locator('[data-testid="stMain"] [data-testid="stAlertContentError"]')
    expect(alert).to_have_count(1, timeout=TIMEOUT)
    shown = alert.inner_text().replace("\u2060", "")
    assert HOSTILE_FILE_NAME in shown, shown
    for markup in ("strong", "del", "a", ".katex", 'span[style*="color"]', "img"):
        assert alert.locator(markup).count() == 0, markup
    assert "\U0001f604" not in shown  # :smile: stays a short code
    wait_ready(page, charts=False)
    expect(alert).to_have_count(1)  # once, also when the page has settled
    page.screenshot(path=str(screenshot_dir / "rights_hostile_file_name_error.png"))
