"""Text helpers shared by the format detectors and the stage mapping: header cells, column names,
matrix row labels, date-like cells, and the check of a :class:`~cycle_analytics.ingest.formats.base.Preview`.

Examples
--------
>>> unique_names(["Q1", "Q1", ""])
('Q1', 'Q1 (2)', 'column 3')
>>> split_row_label("How satisfied were you with - Check-in")
('How satisfied were you with', 'Check-in')
"""

from __future__ import annotations

import re

from cycle_analytics.cycles import normalise_key
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.formats.base import Preview

__all__ = ["validate_preview", "cell", "key", "unique_names", "split_row_label", "grid_row_label", "looks_like_date",
           "clean_text", "header_texts"]


def validate_preview(preview: object) -> Preview:
    """The one input check of the format package: a :class:`Preview` with rows of text cells; returns it."""
    if not isinstance(preview, Preview):
        raise SurveyError(_("Format detection needs a Preview of the file's first rows, not {name}.").format(name=type(preview).__name__))
    if not isinstance(preview.rows, tuple):
        raise SurveyError(_("The preview's rows must be a tuple of tuples of text cells."))
    return preview


def cell(row: tuple[str, ...], i: int) -> str:
    """The stripped text of cell ``i`` of ``row`` ("" when the row is shorter)."""
    if i < len(row):
        v = row[i]
        return "" if v is None else str(v).strip()
    return ""


def key(text: object) -> str:
    """Normalised form used for every name comparison (case, spaces, punctuation ignored)."""
    return normalise_key("" if text is None else text)


def unique_names(names) -> tuple[str, ...]:
    """Column names made non-empty and unique: empty -> ``Column N``, repeats -> ``name (2)``."""
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(names):
        name = re.sub(r"\s+", " ", str(raw or "")).strip() or f"column {i + 1}"
        base, k = name, 2
        while name in seen:
            name = f"{base} ({k})"
            k += 1
        seen.add(name)
        out.append(name)
    return tuple(out)


_ROW_SEP = re.compile(r"\s+[-–—]\s+")


def split_row_label(text: str) -> tuple[str, str | None]:
    """Split ``"question text - row label"`` at its last spaced dash; ``(text, None)`` if there is none."""
    parts = list(_ROW_SEP.finditer(text))
    if not parts:
        return text, None
    m = parts[-1]
    q, r = text[: m.start()].strip(), text[m.end():].strip()
    if not q or not r:
        return text, None
    return q, r


_GRID = re.compile(r"^(?P<q>.*\S)\s*\[(?P<r>[^\[\]]+)\]\s*$", re.S)


def grid_row_label(text: str) -> tuple[str, str | None]:
    """Split a Google Forms grid header ``"Question [Row]"``; ``(text, None)`` if it is not one."""
    m = _GRID.match(text)
    if not m:
        return text, None
    return m.group("q").strip(), m.group("r").strip()


_DATE = re.compile(
    r"^\s*(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{4}-\d{2}-\d{2}T)"  # 2024-03-05, 3/5/2024, 05.03.2024, ISO
)


def looks_like_date(text: str) -> bool:
    """Whether a cell starts like a date (used to tell a data row from a second header row)."""
    return bool(_DATE.match(text or ""))


def clean_text(text: str) -> str:
    """Header text as shown to the user: HTML line breaks and runs of white space become one space."""
    t = re.sub(r"<br\s*/?>", " ", str(text or ""), flags=re.I)
    return re.sub(r"\s+", " ", t).strip()


def header_texts(row: tuple[str, ...], width: int | None = None) -> list[str]:
    """The :func:`clean_text` of the first ``width`` cells of a header row (default: every cell)."""
    return [clean_text(cell(row, i)) for i in range(len(row) if width is None else width)]
