"""A manager's first hour in a real browser: the traps that were found by walking the app.

Each test is a step a manager takes (type plans, apply a mapping, read the penalty chart, ...) and
checks what they see. Screenshots go to artifacts/screenshots/ (git-ignored): look at them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from pageutil import TIMEOUT, wait_ready
from workflow_files import bank_wide_csv, large_wide_csv

ROOT = Path(__file__).resolve().parents[2]


def go(page: Page, title: str, charts: bool = True) -> None:
    """Click a page in the sidebar navigation and wait until it is drawn."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    expect(page.locator("h1").first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(500)
    wait_ready(page, charts=charts)


def settle(page: Page) -> None:
    """Wait for the rerun an edit or a click started: until the app shows it is running (if it does
    within two seconds), then until it is done."""
    try:
        page.wait_for_function(
            "() => { const w = document.querySelector('[data-testid=\"stStatusWidget\"]'); return w && /Running/i.test(w.innerText); }",
            timeout=2000)
    except PlaywrightTimeout:
        pass  # a quick rerun may be over before it is seen
    page.wait_for_timeout(300)
    wait_ready(page, charts=False)


# ---------------------------------------------------------------- action plans


def grid_with(page: Page, header: str):
    """The table (grid) whose header row holds ``header``, in any case (read from the grid's accessible table)."""
    find = """(h) => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]'))
             .findIndex(g => Array.from(g.querySelectorAll('th, [role="columnheader"]'))
                                  .some(th => th.textContent.trim().toLowerCase() === h.toLowerCase()))"""
    page.wait_for_function(f"(h) => ({find})(h) >= 0", arg=header, timeout=TIMEOUT)
    return page.locator('[data-testid="stDataFrame"]').nth(page.evaluate(find, header))


def plan_editor(page: Page):
    return grid_with(page, "Due date")


def cell_text(page: Page, col: int, row: int) -> str:
    """The text of an editor cell, as the grid's accessible table holds it (column 0 there is the row marker)."""
    return plan_editor(page).locator(f"#glide-cell-{col + 1}-{row}").text_content()


def type_in_cell(page: Page, col: int, row: int, text: str) -> None:
    """Select cell (col, row) of the plan editor with the mouse and the arrow keys, type, press Enter."""
    editor = plan_editor(page)
    editor.scroll_into_view_if_needed()
    box = editor.bounding_box()
    page.mouse.click(box["x"] + 40, box["y"] + 35 + 17)  # first data row, first column
    for _ in range(col):
        page.keyboard.press("ArrowRight")
    for _ in range(row):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # open the cell's editor, then type into it once it has the focus
    # Keys typed before the grid's overlay editor has the focus are lost (seen on a loaded CI machine).
    page.wait_for_function(
        "() => { const a = document.activeElement; return !!(a && a.matches('#portal .gdg-input')); }",
        timeout=TIMEOUT)
    page.keyboard.type(text, delay=15)
    expect(page.locator("#portal .gdg-input")).to_have_value(text)
    page.keyboard.press("Enter")
    settle(page)
    quiet(page)
    # the grid shows the value once the rerun the edit started is over (the next edit starts then)
    expect(editor.locator(f"#glide-cell-{col + 1}-{row}")).to_have_text(text, timeout=TIMEOUT)


def quiet(page: Page, checks: int = 3) -> None:
    """Wait until the app has shown no running script for ``checks`` looks 300 ms apart: a rerun
    that starts late (a loaded machine) is over before the next step."""
    running = ("() => { const w = document.querySelector('[data-testid=\"stStatusWidget\"]');"
               " return !!w && /Running|Connecting/i.test(w.innerText); }")
    idle = 0
    for _ in range(TIMEOUT // 300):
        page.wait_for_timeout(300)
        idle = 0 if page.evaluate(running) else idle + 1
        if idle >= checks:
            return
    raise AssertionError("the app kept running")


PLAN_COLS = {"stage": 0, "requirement": 1, "action": 2, "owner": 3, "due_date": 4, "status": 5}


def test_typed_plan_cells_all_stick(page: Page, app_url: str, screenshot_dir: Path):
    page.goto(app_url)
    wait_ready(page)
    go(page, "Priorities")
    typed = [("action", 0, "Train the tellers"), ("owner", 0, "Ann"), ("action", 1, "Add a second till"),
             ("due_date", 1, "2026-03-31"), ("requirement", 2, "Clear signs"), ("owner", 2, "Bo")]
    for column, row, text in typed:
        type_in_cell(page, PLAN_COLS[column], row, text)
    page.screenshot(path=str(screenshot_dir / "workflow_plans_typed.png"))
    for column, row, text in typed:
        assert cell_text(page, PLAN_COLS[column], row) == text, (column, row)
    # They are kept: another page and back shows them again.
    go(page, "Overview")
    go(page, "Priorities")
    for column, row, text in typed:
        assert cell_text(page, PLAN_COLS[column], row) == text, (column, row)
    expect(page.locator('[data-testid="stAlert"]', has_text="not a date")).to_have_count(0)


# ---------------------------------------------------------------- safe stage mappings


def upload(page: Page, path: Path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    expect(page.get_by_text(f"Uploaded file: {path.name}").first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(500)
    wait_ready(page, charts=False)


def type_in_grid(page: Page, grid, col: int, row: int, text: str) -> None:
    """Select cell (col, row) of a fixed-rows editor from its top-left cell, type, press Enter."""
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 30, box["y"] + 35 + 17)
    page.keyboard.press("Control+Home")
    for _ in range(col):
        page.keyboard.press("ArrowRight")
    for _ in range(row):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # open the cell's editor, then type into it
    page.wait_for_timeout(150)
    page.keyboard.type(text, delay=20)
    page.keyboard.press("Enter")
    settle(page)


def mapping_grid(page: Page):
    return grid_with(page, "confidence")


def stages_read(page: Page) -> str:
    """The import summary's text (its 'stages' row lists the stages read)."""
    page.wait_for_timeout(1000)  # the grid's accessible table follows the drawn grid a moment later
    return grid_with(page, "item").text_content()


@pytest.fixture()
def bank_file(tmp_path) -> Path:
    path = tmp_path / "bank_branches.csv"
    path.write_bytes(bank_wide_csv())
    return path


def test_two_columns_on_one_stage_are_refused_before_applying(page: Page, app_url: str, bank_file: Path, screenshot_dir: Path):
    page.goto(app_url)
    wait_ready(page)
    upload(page, bank_file)
    go(page, "Data", charts=False)
    grid = mapping_grid(page)
    rows = {c: i for i, c in enumerate(["getting_there", "finding_process", "take_number", "Asking for guidance", "wait",
                                        "teller_greeting"])}
    type_in_grid(page, grid, 2, rows["wait"], "take_number")  # the stage of another column
    page.screenshot(path=str(screenshot_dir / "workflow_mapping_duplicate.png"))
    expect(page.locator('[data-testid="stAlert"]', has_text="more than one column")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Apply mapping")).to_be_disabled()
    go(page, "Overview")  # nothing was applied: the pages still work
    expect(page.locator('[data-testid="stAlert"]', has_text="more than one column")).to_have_count(0)


def test_a_mapping_is_remembered_for_this_browser_only(browser: Browser, app_url: str, bank_file: Path, screenshot_dir: Path):
    a = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = a.new_page()
    page.goto(app_url)
    wait_ready(page)
    upload(page, bank_file)
    go(page, "Data", charts=False)
    type_in_grid(page, mapping_grid(page), 2, 4, "Queue")
    assert mapping_grid(page).locator("#glide-cell-2-4").text_content() == "Queue"
    page.get_by_role("button", name="Apply mapping").click()
    expect(page.get_by_text("Mapping applied and saved").first).to_be_visible(timeout=TIMEOUT)
    assert "Queue" in stages_read(page)

    again = a.new_page()  # the same browser, a new session
    again.goto(app_url)
    wait_ready(again)
    upload(again, bank_file)
    go(again, "Data", charts=False)
    expect(again.get_by_text(re.compile(r"Reused mapping from 20\d\d-")).first).to_be_visible(timeout=TIMEOUT)
    again.screenshot(path=str(screenshot_dir / "workflow_mapping_reused.png"))
    assert "Queue" in stages_read(again)
    again.get_by_role("button", name="Undo: use the importer's guesses").click()
    settle(again)
    assert "Queue" not in stages_read(again)

    b = browser.new_context(viewport={"width": 1400, "height": 1000})  # another browser
    other = b.new_page()
    other.goto(app_url)
    wait_ready(other)
    upload(other, bank_file)
    go(other, "Data", charts=False)
    expect(other.get_by_text("Reused mapping from")).to_have_count(0)
    assert "Queue" not in stages_read(other)
    a.close()
    b.close()


# ---------------------------------------------------------------- the penalty chart


def test_penalty_bars_sit_on_their_stage_rows_in_the_app(page: Page, app_url: str, screenshot_dir: Path):
    """The bank sample has 'ok' stages that are not next to each other (rows 1, 2 and 6)."""
    page.goto(app_url)
    wait_ready(page)
    go(page, "Critical moments")
    chart = page.locator(".js-plotly-plot").first
    page.screenshot(path=str(screenshot_dir / "workflow_penalty_chart.png"))
    bars = sorted(chart.evaluate("""c => Array.from(c.querySelectorAll('.barlayer .point path')).map(e => {
        const r = e.getBoundingClientRect(); return [r.top, r.bottom]; })"""))
    ticks = sorted(chart.evaluate("""c => Array.from(c.querySelectorAll('.yaxislayer-above .ytick text')).map(e => {
        const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; })"""))
    bars = [b for b in bars if b[1] - b[0] > 0.5]
    pitch = (ticks[-1] - ticks[0]) / (len(ticks) - 1)
    heights = [b - a for a, b in bars]
    assert max(heights) - min(heights) < 1.0 and max(heights) < pitch
    for top, bottom in bars:
        assert min(abs((top + bottom) / 2 - t) for t in ticks) < pitch / 4


# ---------------------------------------------------------------- a template never drops a stage silently


def test_template_lists_the_stage_it_leaves_out_and_adds_it(page: Page, app_url: str, bank_file: Path, screenshot_dir: Path):
    page.goto(app_url)
    wait_ready(page)
    upload(page, bank_file)
    sidebar = page.locator('[data-testid="stSidebar"]')
    box = sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="Cycle template")
    option = page.get_by_role("option", name="Bank branch visit to cash a check")
    for _ in range(5):  # the box's own "Open" button (a click on the widget's middle lands between label and box)
        box.get_by_role("button", name="Open").click()
        try:
            option.wait_for(state="visible", timeout=4000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    option.click()
    settle(page)
    warning = sidebar.locator('[data-testid="stAlert"]', has_text="leaves out")
    expect(warning).to_contain_text("Asking for guidance", timeout=TIMEOUT)
    page.screenshot(path=str(screenshot_dir / "workflow_template_unmatched.png"))
    sidebar.get_by_role("button", name="Add it to the cycle").click()
    settle(page)
    expect(warning).to_have_count(0, timeout=TIMEOUT)
    go(page, "Data", charts=False)
    assert "Taking a number → Asking for guidance → Waiting for your turn" in stages_read(page)


# ---------------------------------------------------------------- the first screen


def test_overview_leads_with_fix_first_and_the_sample_rejects_no_na_answer(page: Page, app_url: str, screenshot_dir: Path):
    page.goto(app_url)
    wait_ready(page)
    headings = page.locator('[data-testid="stMain"] h3').all_inner_texts()
    assert headings.index("Fix first") < headings.index("The journey")
    expect(page.get_by_text(re.compile(r"^1\. .+ — ")).first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "workflow_overview.png"))
    go(page, "Data", charts=False)
    expect(page.get_by_text("'N/A' is not a number")).to_have_count(0)


# ---------------------------------------------------------------- progress


def test_a_long_upload_shows_progress_with_a_percentage(page: Page, app_url: str, tmp_path: Path, screenshot_dir: Path):
    # Long on an idle machine too: the import and the analysis of 600,000 respondents (7.2M ratings, 20 MB) take
    # over a second of CPU each, past the bar's SHOW_AFTER; 150,000 took half a second each, so the bar never showed.
    path = tmp_path / "large_survey.csv"
    path.write_bytes(large_wide_csv(600_000))
    page.goto(app_url)
    wait_ready(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.wait_for_function(
        r"""() => { const b = document.querySelector('[data-testid="stProgress"]'); return b && /\d+%/.test(b.innerText); }""",
        timeout=TIMEOUT)
    page.screenshot(path=str(screenshot_dir / "workflow_progress.png"))
    expect(page.get_by_text("Uploaded file: large_survey.csv").first).to_be_visible(timeout=120_000)
    wait_ready(page)
    expect(page.locator('[data-testid="stProgress"]')).to_have_count(0)
