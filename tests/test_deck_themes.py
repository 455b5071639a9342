"""The comment themes in the deck (python-pptx) and the PDF report (fpdf2): one slide / section with
the main themes of the whole survey and, for each critical moment, its own themes.

Fixture: the bundled bank sample (``data/sample/bank_visit_long.csv``, its N/A code declared as the
app does), whose comments hold a "counted the money twice / cashier corrected a mistake" complaint
about the critical moment "Receiving the money". The expected themes are the ones
``cycle_analytics.text.views.themes_table`` finds, computed here once and looked for in the files:
the deck read back with python-pptx, the PDF's text with pdftotext (poppler-utils; pypdf is not
installed) and its themes page drawn with pdftoppm to be looked at.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation

from cycle_analytics.cycles import load_cycle
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.outputs.briefing import THEME_ROWS, build_briefing
from cycle_analytics.outputs.deck import THEME_SLIDE_ROWS, deck_pptx
from cycle_analytics.outputs.pdf import report_pdf
from cycle_analytics.outputs.summary import moments_by_impact
from cycle_analytics.stats.analysis import analyze
from cycle_analytics.text import messages as TM
from cycle_analytics.text.views import themes_table

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "screenshots"
THEMES_TITLE = "Themes in the comments: the whole survey and the critical moments"


@pytest.fixture(scope="module")
def bank():
    data = (ROOT / "data" / "sample" / "bank_visit_long.csv").read_bytes()
    survey = import_survey(data, ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",)),
                           file_name="bank_visit_long.csv")
    analysis = analyze(survey)
    themes = themes_table(survey, analysis)
    briefing = build_briefing(survey, analysis, title="Bank branch visit: review", with_figures=False, themes=themes)
    return survey, analysis, themes, briefing


def expected_themes(themes: pd.DataFrame, analysis) -> dict[str, list[str]]:
    """Scope -> the labels of its first THEME_ROWS themes: the whole survey, then each critical moment."""
    critical = list(moments_by_impact(analysis.moments)["stage"].astype(str))
    out = {"Whole survey": themes[themes["stage"].isna()].sort_values("rank")["label"].head(THEME_ROWS).tolist()}
    for stage in critical:
        out[stage] = themes[themes["stage"] == stage].sort_values("rank")["label"].head(THEME_ROWS).tolist()
    return out


def slide_text(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_sample_has_a_critical_moment_with_themes(bank):
    _survey, analysis, themes, _briefing = bank
    expected = expected_themes(themes, analysis)
    assert "Receiving the money" in expected and expected["Receiving the money"], expected
    assert any("cashier" in kw for kw in themes.loc[themes["stage"] == "Receiving the money", "key_words"])


def test_the_deck_has_a_themes_slide_with_the_survey_and_critical_moment_themes(bank):
    _survey, analysis, themes, briefing = bank
    prs = Presentation(io.BytesIO(deck_pptx(briefing, pictures={})))
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[1:4] == ["Fix first", "Critical moments, largest impact first", THEMES_TITLE]
    text = slide_text(prs.slides[3])
    tables = [shape.table for shape in prs.slides[3].shapes if shape.has_table]
    assert len(tables) == 1 and len(tables[0].rows) - 1 <= THEME_SLIDE_ROWS
    header = [cell.text for cell in tables[0].rows[0].cells]
    assert header == ["Comments of", "Theme", "Key words", "Comments", "Mean rating of the writers", "Effect on the outcome",
                      "Example comment"]
    scopes = [row.cells[0].text for row in list(tables[0].rows)[1:]]
    for scope, labels in expected_themes(themes, analysis).items():
        assert scopes.count(scope) == len(labels), scope
        for label in labels:
            assert label in text, (scope, label)
    assert "cashier" in text and "n_comments" not in text and "mean_rating" not in text


def test_the_pdf_has_a_themes_section_with_the_same_themes(bank, tmp_path):
    _survey, analysis, themes, briefing = bank
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_pdf(briefing, pictures={}))
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60).stdout
    flat = " ".join(text.split())
    assert THEMES_TITLE in flat
    after = flat[flat.index(THEMES_TITLE):]
    for labels in expected_themes(themes, analysis).values():
        for label in labels:
            assert all(word in after for word in label.split(" · ")), label
    assert "Receiving the money" in after and "cashier" in after
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", str(pdf), str(SHOTS / "pdf_themes_page")],
                   check=True, timeout=120)
    assert sorted(SHOTS.glob("pdf_themes_page-*.png"))


def test_a_survey_without_comments_says_so_in_the_deck_and_the_pdf(tmp_path):
    rows = "\n".join(f"r{k},{1 + k % 5},{1 + (k * 3) % 5},{1 + (k * 2) % 5}" for k in range(40))
    survey = import_survey(("id,wait,teller,overall\n" + rows + "\n").encode(), file_name="no_comments.csv")
    briefing = build_briefing(survey, analyze(survey), with_figures=False)
    assert len(briefing.themes) == 0 and briefing.theme_notes == (TM.NO_THEMES_ANYWHERE,)
    prs = Presentation(io.BytesIO(deck_pptx(briefing, pictures={})))
    slide = next(s for s in prs.slides if s.shapes.title.text == THEMES_TITLE)
    assert TM.NO_THEMES_ANYWHERE in slide_text(slide)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_pdf(briefing, pictures={}))
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True,
                                   timeout=60).stdout.split())
    assert THEMES_TITLE in text and TM.NO_THEMES_ANYWHERE in text


def test_stage_detail_theme_tables_show_plain_headers():
    """The app's Stage detail page on the bank sample: the themes table and its comments table are
    shown under the report's headers (``app_support.tables.THEME_WORDS``), never as raw column names."""
    from streamlit.testing.v1 import AppTest

    from app_support.tables import THEME_WORDS
    from cycle_analytics.text.views import VIEW_COLUMNS, VIEW_COMMENT_COLUMNS

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/stage_detail.py").run()
    assert not at.exception, [e.value for e in at.exception]
    frames = [d.value for d in at.dataframe]  # st.dataframe's key is not exposed to AppTest: found by content
    themes = next(f for f in frames if "Key words" in f.columns)
    comments = next(f for f in frames if "Themes mentioned" in f.columns)
    # the theme, how many, their rating and what it costs come first (no scrolling sideways to see them)
    assert list(themes.columns)[:6] == ["#", "Theme", "Comments", "Mean rating of the writers", "Effect on the outcome",
                                        "p (corrected)"]
    assert {"Key words", "Example 1", "Example 2", "Example 3", "Small sample"} <= set(themes.columns)
    assert list(comments.columns) == [THEME_WORDS[c].label for c in VIEW_COMMENT_COLUMNS]
    raw = set(VIEW_COLUMNS) | set(VIEW_COMMENT_COLUMNS)
    assert not raw & (set(themes.columns) | set(comments.columns))


def test_many_critical_moments_continue_on_a_second_slide_without_cutting_a_stage(bank):
    """Four scopes of three themes (12 rows) do not fit one slide: the rows go on in a second slide,
    cut between two scopes, and the notes come under the last table."""
    import dataclasses

    briefing = bank[3]
    header = list(briefing.themes.columns)
    rows = [[scope, f"theme {scope} {k}", "a, b", "3", "2.0", "0.50", "It was slow."]
            for scope in ("Whole survey", "Pay", "Wait", "Leave") for k in range(3)]
    many = dataclasses.replace(briefing, themes=pd.DataFrame(rows, columns=header),
                               theme_notes=("Greet: too few comments to find themes.",))
    prs = Presentation(io.BytesIO(deck_pptx(many, pictures={})))
    slides = [s for s in prs.slides if s.shapes.title.text.startswith(THEMES_TITLE)]
    assert [s.shapes.title.text for s in slides] == [THEMES_TITLE, f"{THEMES_TITLE} (continued)"]
    scopes = [[row.cells[0].text for row in list(shape.table.rows)[1:]]
              for s in slides for shape in s.shapes if shape.has_table]
    assert scopes == [["Whole survey"] * 3 + ["Pay"] * 3 + ["Wait"] * 3, ["Leave"] * 3]
    assert "Greet: too few comments" in slide_text(slides[1]) and "Greet" not in slide_text(slides[0])
