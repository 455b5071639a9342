"""Hostile and damaged survey files, built byte by byte for the tests (nothing is downloaded).

Each builder returns ``(file name, bytes)``:

* :func:`zip_bomb` - an ``.xlsx`` whose one sheet unpacks to hundreds of MB of real cells, compressed
  about 1,000 to 1 (the deflate maximum);
* :func:`sparse_dimension_workbook` - about 1.7 KB: a sheet that *declares* the whole Excel grid
  (``<dimension ref="A1:XFD1048576"/>``) but holds four cells; a reader that trusts the declaration
  allocates 17 billion cells;
* :func:`far_cells_workbook` - no declaration, but two cells at A1 and XFD1048576: a reader that
  allocates the used range needs hundreds of GB;
* :func:`wide_csv` - a CSV with ``n`` rating columns (10,000 or 100,000);
* :func:`one_long_line` - one line of ``size`` bytes without a line end;
* :func:`nul_dates` - a survey whose date column has a few cells of NUL bytes;
* :func:`utf16_without_bom` - UTF-16-LE text without a byte-order mark;
* :func:`mixed_encodings` - UTF-8 lines and a few Windows-1252 lines, one segment value with accents;
* :func:`macro_workbook` - an ``.xlsm`` holding a ``vbaProject.bin`` next to a good table.

The workbooks are written with :mod:`zipfile` so that every byte is known (the minimal parts Excel
readers need: content types, relationships, workbook, one sheet, shared strings where used).
"""

from __future__ import annotations

import io
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Survey" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '</Relationships>'
)
_SHEET_OPEN = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _cell(ref: str, value) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def _col(j: int) -> str:
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _workbook(sheet_xml_parts, extra: dict[str, bytes] | None = None, level: int = 9) -> bytes:
    """A workbook whose sheet1.xml is the concatenation of ``sheet_xml_parts`` (streamed into the zip)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for part in sheet_xml_parts:
                fh.write(part.encode("utf-8") if isinstance(part, str) else part)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def small_table_rows(n: int = 30) -> list[list]:
    """A small wide survey: id, branch, three stages on 1-5 and an overall rating."""
    rows = [["id", "branch", "wait", "teller", "cash", "overall"]]
    for i in range(n):
        rows.append([f"R{i}", "North" if i % 2 else "South", 1 + i % 5, 1 + (i * 3) % 5, 1 + (i * 2) % 5, 1 + (i * 7) % 5])
    return rows


def _sheet_rows_xml(rows: list[list], row_offset: int = 0) -> str:
    out = []
    for i, row in enumerate(rows):
        r = i + 1 + row_offset
        out.append(f'<row r="{r}">' + "".join(_cell(f"{_col(j)}{r}", v) for j, v in enumerate(row)) + "</row>")
    return "".join(out)


def zip_bomb(unpacked_mb: int = 400) -> tuple[str, bytes]:
    """An ``.xlsx`` whose sheet unpacks to about ``unpacked_mb`` MB of real rows (ratio about 1,000:1)."""
    header = _sheet_rows_xml(small_table_rows(0))
    row = "".join(_cell(f"{_col(j)}1", 5) for j in range(6))
    block = (f"<row>{row}</row>" * 2000).encode("ascii")
    n_blocks = unpacked_mb * 1024 * 1024 // len(block)

    def parts():
        yield _SHEET_OPEN + "<sheetData>" + header
        for _ in range(n_blocks):
            yield block
        yield "</sheetData></worksheet>"

    return "survey_results.xlsx", _workbook(parts())


def sparse_dimension_workbook() -> tuple[str, bytes]:
    """About 1.7 KB: the sheet declares A1:XFD1048576 (the whole grid) and holds four cells."""
    sheet = (_SHEET_OPEN + '<dimension ref="A1:XFD1048576"/><sheetData>'
             + _sheet_rows_xml([["id", "wait"], ["R1", 4]]) + "</sheetData></worksheet>")
    return "sparse.xlsx", _workbook([sheet])


def far_cells_workbook() -> tuple[str, bytes]:
    """No declared dimension; cells at A1, B1 and XFD1048576, so the used range is the whole grid."""
    sheet = (_SHEET_OPEN + "<sheetData>" + '<row r="1">' + _cell("A1", "id") + _cell("B1", "wait") + "</row>"
             + '<row r="2">' + _cell("A2", "R1") + _cell("B2", 4) + "</row>"
             + '<row r="1048576">' + _cell("XFD1048576", 1) + "</row></sheetData></worksheet>")
    return "far_cells.xlsx", _workbook([sheet])


def macro_workbook() -> tuple[str, bytes]:
    """An ``.xlsm`` with a (fake) VBA project next to a small, good survey table."""
    rows = small_table_rows(30)
    sheet = (_SHEET_OPEN + f'<dimension ref="A1:F{len(rows)}"/><sheetData>' + _sheet_rows_xml(rows)
             + "</sheetData></worksheet>")
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Attribute VB_Name = \"Module1\"\nSub AutoOpen()\nShell \"calc\"\nEnd Sub\n" * 20
    return "with_macros.xlsm", _workbook([sheet], extra={"xl/vbaProject.bin": vba})


def wide_csv(n_columns: int, n_rows: int = 20) -> tuple[str, bytes]:
    """``id`` and ``n_columns`` rating columns on 1-5."""
    header = ",".join(["id"] + [f"q{j}" for j in range(n_columns)])
    body = "\n".join(",".join([f"R{i}"] + [str(1 + (i + j) % 5) for j in range(n_columns)]) for i in range(n_rows))
    return f"wide_{n_columns}.csv", (header + "\n" + body + "\n").encode("ascii")


def one_long_line(size: int) -> tuple[str, bytes]:
    """One line of ``size`` bytes (cells separated by commas), no line end."""
    unit = b"12345,"
    return "one_line.csv", (unit * (size // len(unit) + 1))[:size]


def nul_dates(n: int = 300, bad=(2, 4, 6)) -> tuple[str, bytes]:
    """A wide survey with a date column; the dates of the rows in ``bad`` are NUL bytes."""
    lines = ["id,date,wait,teller,overall"]
    for i in range(n):
        date = "\x00" * 10 if i in bad else f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} 09:{i % 60:02d}"
        lines.append(f"R{i},{date},{1 + i % 5},{1 + (i * 3) % 5},{1 + (i * 7) % 5}")
    return "nul_dates.csv", ("\n".join(lines) + "\n").encode("utf-8")


def utf16_without_bom(n: int = 60) -> tuple[str, bytes]:
    """UTF-16-LE text without a byte-order mark (what some Windows tools write)."""
    text = "id,branch,wait,teller,overall\n" + "".join(
        f"R{i},{'Nörthgäte' if i % 2 else 'Süd'},{1 + i % 5},{1 + (i * 3) % 5},{1 + (i * 7) % 5}\n" for i in range(n))
    return "utf16.csv", text.encode("utf-16-le")


def mixed_encodings(n: int = 200, cp1252_rows=(7, 40, 41)) -> tuple[str, bytes]:
    """UTF-8 lines, with the data rows in ``cp1252_rows`` written in Windows-1252."""
    lines = ["id,branch,wait,teller,overall"]
    for i in range(n):
        lines.append(f"R{i},{'Nörthgäte' if i % 2 else 'Süd'},{1 + i % 5},{1 + (i * 3) % 5},{1 + (i * 7) % 5}")
    data = b"".join((line + "\n").encode("cp1252" if k - 1 in cp1252_rows else "utf-8") for k, line in enumerate(lines))
    return "mixed.csv", data


ALL = {
    "zip_bomb": zip_bomb,
    "sparse_dimension": sparse_dimension_workbook,
    "far_cells": far_cells_workbook,
    "wide_100k": lambda: wide_csv(100_000),
    "wide_10k": lambda: wide_csv(10_000),
    "nul_dates": nul_dates,
    "utf16_without_bom": utf16_without_bom,
    "mixed_encodings": mixed_encodings,
    "macros": macro_workbook,
}
