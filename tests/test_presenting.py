"""The deck (python-pptx) and the PDF report (fpdf2) on the bundled bank sample, with every chart as
a picture drawn by kaleido with Debian's chromium. The deck is opened again with python-pptx; the
PDF is rendered with pdftoppm (poppler-utils) and its pages are saved to artifacts/screenshots/ to be
looked at; its text is read back with pdftotext.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation

from cycle_analytics.cycles import load_cycle
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.outputs.briefing import CHART_TITLES, build_briefing
from cycle_analytics.outputs.deck import deck_pptx
from cycle_analytics.outputs.images import figure_png, figures_png
from cycle_analytics.outputs.pdf import font_paths, report_pdf
from cycle_analytics.outputs.plans import plans_from_priorities
from cycle_analytics.stats.analysis import analyze

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "screenshots"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def briefing():
    data = (ROOT / "data" / "sample" / "bank_visit_long.csv").read_bytes()
    survey = import_survey(data, ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",)), file_name="bank_visit_long.csv")
    analysis = analyze(survey)
    plans = plans_from_priorities(analysis.priorities, survey.stages)
    plans.loc[0, ["action", "owner", "due_date"]] = ["Count the money in front of the customer – “twice”", "Ann", "2026-03-31"]
    return build_briefing(survey, analysis, plans, title="Bank branch visit: review", source="bank_visit_long.csv",
                          filters="branch: Central")


@pytest.fixture(scope="module")
def pictures(briefing):
    """Every chart drawn once, by one Chromium."""
    return figures_png(briefing.figures)


def slide_texts(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(parts)


def test_charts_are_drawn_as_pictures(briefing, pictures):
    assert set(pictures) == set(briefing.figures) >= {"journey", "penalty", "penalty_reward", "priority"}
    assert all(p.startswith(PNG) and len(p) > 20_000 for p in pictures.values())
    with pytest.raises(SurveyError, match="Plotly figure"):
        figure_png("not a figure")


def test_deck_opens_with_python_pptx_and_holds_the_expected_slides(briefing, pictures):
    prs = Presentation(io.BytesIO(deck_pptx(briefing, pictures)))
    titles = [s.shapes.title.text for s in prs.slides]
    charts = [CHART_TITLES[n] for n in CHART_TITLES if n in pictures]
    assert titles[0] == "Bank branch visit: review"
    assert titles[1:3] == ["Fix first", "Critical moments, largest impact first"]
    assert [t for t in titles if t in charts] == charts
    assert titles[-2:] == ["Action plans", "How to read these results"]
    texts = {t: slide_texts(s) for t, s in zip(titles, prs.slides)}
    assert "branch: Central" in texts[titles[0]] and "bank_visit_long.csv" in texts[titles[0]]
    first = briefing.fix_first.iloc[0]
    assert f"1. {first['stage']}: " in texts["Fix first"] and first["sentence"] in texts["Fix first"]
    assert all(s in texts["Critical moments, largest impact first"] for s in briefing.critical)
    assert "Count the money in front of the customer – “twice”" in texts["Action plans"] and "2026-03-31" in texts["Action plans"]
    pictures_on_slides = sum(1 for s in prs.slides for shape in s.shapes if shape.shape_type == 13)  # MSO_SHAPE_TYPE.PICTURE
    assert pictures_on_slides == len(pictures)


def test_pdf_renders_and_its_pages_are_saved_to_be_looked_at(briefing, pictures, tmp_path):
    assert font_paths() is not None, "DejaVu fonts (fonts-dejavu-core) are installed by scripts/install-system-deps"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_pdf(briefing, pictures))
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(SHOTS / "report_pdf_page")], check=True, timeout=120)
    pages = sorted(SHOTS.glob("report_pdf_page-*.png"))
    assert len(pages) >= 2 + len(pictures) // 2
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60).stdout
    for needed in ("Fix first", "Critical moments, largest impact first", "Action plans", briefing.fix_first.iloc[0]["stage"],
                   "branch: Central", "“twice”", "–"):
        assert needed in text, needed


def test_deck_and_pdf_without_chromium_still_open_and_say_why(briefing):
    """A deployment without Chromium gets the texts and a sentence instead of the pictures."""
    prs = Presentation(io.BytesIO(deck_pptx(briefing, pictures={})))
    assert [s.shapes.title.text for s in prs.slides][1] == "Fix first"
    assert report_pdf(briefing, pictures={}).startswith(b"%PDF")
