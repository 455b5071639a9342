"""The report as a PDF (fpdf2), with the charts as pictures.

:func:`report_pdf` lays out a :class:`~cycle_analytics.outputs.briefing.Briefing` on A4 pages: a
title block (the survey, the filters, respondents, outcome, date), "Fix first", the critical moments
by impact, the comment themes of the whole survey and of each critical moment
(:func:`cycle_analytics.outputs.briefing.themes_brief`), each chart as a picture (:mod:`cycle_analytics.outputs.images`), the ranked priorities
and what each rank means, the action plans and the settings in words.

Text is set in DejaVu Sans (Debian's ``fonts-dejavu-core``, installed by
``scripts/install-system-deps``), which has every character the app writes (–, ≫, accents); without
it the PDF falls back to a core font and replaces the characters that font lacks.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from PIL import Image  # fpdf2's own dependency: reads a picture's size
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs.briefing import CHART_TITLES, Briefing, longest_word, validate_briefing
from cycle_analytics.outputs.images import pictures_or_notes

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts/dejavu")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
PAGE_MARGIN = 15  # millimetres
TEXT_RGB = (31, 41, 51)
MUTED_RGB = (97, 110, 124)



def font_paths() -> dict[str, Path] | None:
    """The DejaVu Sans regular and bold files, or ``None`` when they are not installed."""
    for folder in FONT_DIRS:
        paths = {style: Path(folder) / name for style, name in FONT_FILES.items()}
        if all(p.is_file() for p in paths.values()):
            return paths
    return None


class _Report(FPDF):
    """A4 landscape pages (charts are wide) with the title and the page number in the footer."""

    def __init__(self, title: str):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.report_title = title
        self.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
        self.set_auto_page_break(auto=True, margin=PAGE_MARGIN + 5)
        paths = font_paths()
        self.unicode = paths is not None
        if paths is not None:
            for style, path in paths.items():
                self.add_font("DejaVu", style, str(path))
            self.family = "DejaVu"
        else:
            self.family = "Helvetica"

    def text_of(self, value) -> str:
        """``value`` as text the font can set (a core font lacks most non-Latin-1 characters)."""
        text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
        if self.unicode:
            return text
        return text.replace("–", "-").replace("—", "-").replace("≫", ">>").replace("•", "-").encode(
            "latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.set_text_color(*MUTED_RGB)
        self.cell(0, 5, self.text_of(f"{self.report_title} · page {self.page_no()}"), align="R")

    def heading(self, text: str, size: int = 16) -> None:
        if self.get_y() > self.h - 60:
            self.add_page()
        self.ln(3)
        self.set_font(self.family, "B", size)
        self.set_text_color(*TEXT_RGB)
        self.multi_cell(0, size * 0.5, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def paragraph(self, text: str, *, size: int = 11, muted: bool = False, bold_lead: str = "") -> None:
        self.set_text_color(*(MUTED_RGB if muted else TEXT_RGB))
        if bold_lead:
            self.set_font(self.family, "B", size)
            self.write(size * 0.5, self.text_of(bold_lead))
            self.set_font(self.family, "", size)
            self.write(size * 0.5, self.text_of(text))
            self.ln(size * 0.5 + 2)
            return
        self.set_font(self.family, "", size)
        self.multi_cell(0, size * 0.5, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def table_of(self, table: pd.DataFrame, *, size: int = 9) -> None:
        if len(table) == 0:
            return
        self.set_font(self.family, "", size)
        self.set_text_color(*TEXT_RGB)
        lengths = [max(8, min(60, int(table[c].astype(str).str.len().mean())), min(len(str(c)), 16), longest_word(c) + 6)
                   for c in table.columns]  # a header's words are never cut
        with self.table(col_widths=tuple(lengths), text_align="LEFT", line_height=size * 0.5,
                        headings_style=_headings(self.family, size)) as grid:
            head = grid.row()
            for c in table.columns:
                head.cell(self.text_of(c))
            for values in table.itertuples(index=False):
                row = grid.row()
                for v in values:
                    row.cell(self.text_of(v))
        self.ln(3)

    def picture(self, png: bytes) -> None:
        """The chart as large as the rest of the page allows, centred."""
        with Image.open(io.BytesIO(png)) as img:
            ratio = img.height / img.width
        room_w, room_h = self.w - 2 * PAGE_MARGIN, self.h - self.get_y() - PAGE_MARGIN - 8
        width = min(room_w, room_h / ratio)
        self.image(io.BytesIO(png), x=(self.w - width) / 2, w=width)
        self.ln(3)


def _headings(family: str, size: int) -> FontFace:
    return FontFace(family=family, emphasis="BOLD", size_pt=size, fill_color=(245, 247, 250))


def report_pdf(briefing: Briefing, pictures: Mapping[str, bytes] | None = None) -> bytes:
    """The PDF bytes of ``briefing``.

    ``pictures`` (chart name -> PNG bytes) are the charts already drawn; ``None`` draws
    ``briefing.figures`` now. A chart that cannot be drawn is left out and said in the notes.
    """
    validate_briefing(briefing)
    pictures, drawing_notes = pictures_or_notes(briefing.figures, pictures)
    notes = [*briefing.notes, *drawing_notes]
    pdf = _Report(briefing.title)
    pdf.add_page()
    pdf.heading(briefing.title, size=22)
    for line in briefing.about:
        pdf.paragraph(line, muted=True, size=10)

    pdf.heading(_("Fix first"))
    if len(briefing.fix_first):
        for r in briefing.fix_first.itertuples(index=False):
            pdf.paragraph(r.sentence, bold_lead=f"{r.rank}. {r.stage}: ")
    else:
        pdf.paragraph(_("No stage can be ranked: no stage has answers together with an outcome."))

    pdf.heading(_("Critical moments, largest impact first"))
    for sentence in briefing.critical or (_("No stage is a critical moment: no bad experience measurably spoils the outcome."),):
        pdf.paragraph("• " + sentence)
    if briefing.pain_points:
        pdf.paragraph(_("Pain points (often rated badly, but one bad experience there does not spoil the outcome on its own):"), muted=True, size=10)
        for sentence in briefing.pain_points:
            pdf.paragraph("• " + sentence, muted=True, size=10)

    if len(briefing.themes) and pdf.get_y() + 10 * (len(briefing.themes) + 2) > pdf.h - PAGE_MARGIN:
        pdf.add_page()  # the themes table on one page (about 10 mm a row), not cut after its first rows
    pdf.heading(_("Themes in the comments: the whole survey and the critical moments"), size=14)
    pdf.table_of(briefing.themes, size=8)
    for note in briefing.theme_notes:
        pdf.paragraph(note, muted=True, size=10)

    for name, chart_title in CHART_TITLES.items():
        if name not in pictures:
            continue
        pdf.add_page()
        pdf.heading(_(chart_title), size=14)
        pdf.picture(pictures[name])
        if name == "priority" and len(briefing.priorities):
            pdf.heading(_("What each rank means"), size=12)
            pdf.table_of(briefing.priorities)

    pdf.add_page()
    pdf.heading(_("Action plans"))
    if len(briefing.plans):
        pdf.table_of(briefing.plans)
    else:
        pdf.paragraph(_("No action plans have been written yet (Priorities page)."), muted=True)
    pdf.heading(_("How to read these results"), size=14)
    pdf.table_of(briefing.method.rename(columns={"setting": _("Setting"), "value": _("Value")}))
    for note in notes:
        pdf.paragraph("• " + note, muted=True, size=9)
    return bytes(pdf.output())
