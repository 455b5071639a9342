"""A PowerPoint deck to present the results in a meeting (python-pptx).

:func:`deck_pptx` lays out a :class:`~cycle_analytics.outputs.briefing.Briefing` as 16:9 slides:

1. the title slide: the title, the survey, the filters, respondents and outcome;
2. "Fix first": the top three priorities, one sentence each;
3. "Critical moments": their sentences, largest impact first (and the pain points);
3b. "Themes in the comments": the main themes of the whole survey and of each critical moment, with
   their key words, how many comments, the writers' mean rating, the effect on the outcome and an
   example (:func:`cycle_analytics.outputs.briefing.themes_brief`; more slides when they do not fit one);
4. one slide per chart, drawn as a picture (:mod:`cycle_analytics.outputs.images`): the journey,
   the penalties, penalty and reward, the priorities, the trends;
5. "Priorities": the ranked stages and what each rank means;
6. "Action plans": stage, what is needed, action, owner, due date, status;
7. "How to read these results": the settings in words.

Every text is set as plain text (python-pptx escapes it), so nothing in the data can become markup.

Example::

    data = deck_pptx(build_briefing(survey, analysis, plans, title="Branch survey, Q1"))
    pptx.Presentation(io.BytesIO(data)).slides  # opens in PowerPoint, Keynote, LibreOffice
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd
from PIL import Image  # python-pptx's own dependency: reads a picture's size
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs.briefing import CHART_TITLES, Briefing, longest_word, validate_briefing
from cycle_analytics.outputs.images import pictures_or_notes

SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.6)
TITLE_HEIGHT = Inches(1.0)
BODY_SIZE = Pt(18)
SMALL_SIZE = Pt(12)
TEXT_COLOR = RGBColor(0x1F, 0x29, 0x33)
MUTED_COLOR = RGBColor(0x61, 0x6E, 0x7C)
ACCENT_COLOR = RGBColor(0xD5, 0x5E, 0x00)
THEME_SLIDE_ROWS = 9  #: theme rows on one slide (wrapped examples make a taller table run off the slide)
_TITLE_ONLY = 5  # layouts of the default template
_TITLE = 0



def _titled_slide(prs, title: str):
    slide = prs.slides.add_slide(prs.slide_layouts[_TITLE_ONLY])
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(0.3), SLIDE_WIDTH - 2 * MARGIN, TITLE_HEIGHT
    shape.text = title
    para = shape.text_frame.paragraphs[0]
    para.font.size = Pt(32)
    para.font.bold = True
    para.font.color.rgb = TEXT_COLOR
    return slide


def _text_box(slide, lines, *, top=None, height=None, size=BODY_SIZE, bullets: bool = False, color=TEXT_COLOR):
    top = Inches(1.4) if top is None else top
    height = (SLIDE_HEIGHT - top - MARGIN) if height is None else height
    box = slide.shapes.add_textbox(MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        if isinstance(line, tuple):  # (bold lead, rest)
            lead, rest = line
            run = para.add_run()
            run.text = lead
            run.font.bold = True
            run.font.size = size
            run.font.color.rgb = color
            run = para.add_run()
            run.text = rest
        else:
            run = para.add_run()
            run.text = ("• " if bullets else "") + str(line)
        run.font.size = size
        run.font.color.rgb = color
        para.space_after = Pt(10)
    return box


def _add_table(slide, table: pd.DataFrame, *, top=None, font=SMALL_SIZE):
    top = Inches(1.4) if top is None else top
    rows, cols = len(table) + 1, len(table.columns)
    height = Emu(int(Inches(0.4) * rows))
    shape = slide.shapes.add_table(rows, cols, MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, height)
    grid = shape.table
    widths = [max(8, int(table[c].astype(str).str.len().clip(upper=60).mean() if len(table) else 8), min(len(str(c)), 16),
                  longest_word(c) + 3) for c in table.columns]  # a header's words are never cut
    total = sum(widths)
    for j, w in enumerate(widths):
        grid.columns[j].width = Emu(int((SLIDE_WIDTH - 2 * MARGIN) * w / total))
    for j, col in enumerate(table.columns):
        cell = grid.cell(0, j)
        cell.text = str(col)
        cell.text_frame.paragraphs[0].font.size = font
        cell.text_frame.paragraphs[0].font.bold = True
    for i, row in enumerate(table.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            cell = grid.cell(i, j)
            cell.text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
            cell.text_frame.paragraphs[0].font.size = font
    return shape


def _picture(slide, png: bytes, *, top=None):
    """The chart picture, as large as the slide allows, centred."""
    top = Inches(1.3) if top is None else top
    with Image.open(io.BytesIO(png)) as img:
        w, h = img.size
    box_w, box_h = SLIDE_WIDTH - 2 * MARGIN, SLIDE_HEIGHT - top - Inches(0.3)
    scale = min(box_w / w, box_h / h)
    width, height = int(w * scale), int(h * scale)
    left = int((SLIDE_WIDTH - width) / 2)
    slide.shapes.add_picture(io.BytesIO(png), left, top, width, height)


def _theme_slides(prs, briefing: Briefing) -> None:
    """The themes of the whole survey and of each critical moment: a table, cut between scopes
    into slides of at most :data:`THEME_SLIDE_ROWS` rows, and the notes under the last one."""
    title = _("Themes in the comments: the whole survey and the critical moments")
    table = briefing.themes
    if len(table) == 0:
        _text_box(_titled_slide(prs, title), list(briefing.theme_notes), size=Pt(16))
        return
    scope = table.columns[0]
    chunks, current = [], []
    for _scope, rows in table.groupby(scope, sort=False):
        if current and sum(len(r) for r in current) + len(rows) > THEME_SLIDE_ROWS:
            chunks.append(current)
            current = []
        current.append(rows)
    chunks.append(current)
    for k, chunk in enumerate(chunks):
        slide = _titled_slide(prs, title if k == 0 else _("{title} (continued)").format(title=title))
        rows = pd.concat(chunk, ignore_index=True)
        shape = _add_table(slide, rows, top=Inches(1.3), font=Pt(11))
        if k == len(chunks) - 1 and briefing.theme_notes:
            _text_box(slide, list(briefing.theme_notes), top=Inches(1.3) + shape.height + Inches(0.2),
                      height=Inches(0.8), size=Pt(12), color=MUTED_COLOR)


def deck_pptx(briefing: Briefing, pictures: Mapping[str, bytes] | None = None) -> bytes:
    """The ``.pptx`` bytes of ``briefing``.

    ``pictures`` (chart name -> PNG bytes) are the charts already drawn; ``None`` draws
    ``briefing.figures`` now (kaleido with Chromium). A chart that cannot be drawn is left out and
    said on the last slide.
    """
    validate_briefing(briefing)
    pictures, drawing_notes = pictures_or_notes(briefing.figures, pictures)
    notes = [*briefing.notes, *drawing_notes]
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT

    slide = prs.slides.add_slide(prs.slide_layouts[_TITLE])
    slide.shapes.title.text = briefing.title
    slide.placeholders[1].text = "\n".join(briefing.about)
    for para in slide.placeholders[1].text_frame.paragraphs:
        para.font.size = Pt(18)
        para.font.color.rgb = MUTED_COLOR

    slide = _titled_slide(prs, _("Fix first"))
    if len(briefing.fix_first):
        _text_box(slide, [(f"{r.rank}. {r.stage}: ", r.sentence) for r in briefing.fix_first.itertuples(index=False)],
                  size=Pt(22))
    else:
        _text_box(slide, [_("No stage can be ranked: no stage has answers together with an outcome.")])

    slide = _titled_slide(prs, _("Critical moments, largest impact first"))
    lines = list(briefing.critical) or [_("No stage is a critical moment: no bad experience measurably spoils the outcome.")]
    _text_box(slide, lines, bullets=True, height=Inches(3.4))
    if briefing.pain_points:
        _text_box(slide, [_("Pain points (often rated badly; one bad experience does not spoil the outcome on its own):"), *briefing.pain_points],
                  top=Inches(4.9), size=Pt(14), color=MUTED_COLOR)

    _theme_slides(prs, briefing)

    for name, chart_title in CHART_TITLES.items():
        if name in pictures:
            _picture(_titled_slide(prs, _(chart_title)), pictures[name])
            if name == "priority":
                slide = _titled_slide(prs, _("Priorities: what each rank means"))
                _add_table(slide, briefing.priorities)

    slide = _titled_slide(prs, _("Action plans"))
    if len(briefing.plans):
        _add_table(slide, briefing.plans)
    else:
        _text_box(slide, [_("No action plans have been written yet (Priorities page).")])

    slide = _titled_slide(prs, _("How to read these results"))
    _add_table(slide, briefing.method.rename(columns={"setting": _("Setting"), "value": _("Value")}))
    if notes:
        _text_box(slide, notes, top=Inches(5.2), size=Pt(11), bullets=True, color=MUTED_COLOR)

    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
