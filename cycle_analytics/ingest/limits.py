"""What an import may cost, and the checks made on a file before it is trusted.

An uploaded file is inspected before any parser sees it, so that a hostile or damaged file is
refused with one sentence naming the limit, instead of growing the server until it dies:

* **Workbooks** (:func:`inspect_workbook`): the zip's directory is read (no data unpacked): the total
  unpacked size and the compression ratio of each large member are checked, then the first bytes of
  every sheet are unpacked to read the sheet's declared dimension (``<dimension ref="A1:XFD1048576"/>``);
  a sheet claiming more columns or cells than the limits is refused *before* the Excel reader
  allocates it. Macros (``vbaProject.bin``) are noted, never run.
* **Text** (:func:`scan_text`): one streaming pass over the bytes measures the longest line and counts
  the lines, without decoding or copying the file; a line longer than the limit is refused, and the
  CSV reader's block size is chosen from the longest line.
* After parsing, :func:`validate_table_size` checks the rows, columns and cells read.

The limits are one frozen :class:`ImportLimits`; :meth:`ImportLimits.from_environment` reads them
from environment variables (:data:`ENVIRONMENT`, documented in ``docs/deployment.md``). The upload
size itself is ``ImportOptions.max_bytes`` (the dashboard sets it from Streamlit's
``server.maxUploadSize``, so both agree). The parse time and memory limits are enforced by
:mod:`cycle_analytics.ingest.sandbox`, which runs the import in a worker process.

Examples
--------
>>> limits = ImportLimits(max_columns=3)
>>> validate_table_size(10, 4, limits, "'demo.csv'")
Traceback (most recent call last):
...
cycle_analytics.errors.SurveyError: The file 'demo.csv' has 4 columns, over the import limit of 3 columns; keep only the survey's columns (questions, id, date, segments) and upload it again.
>>> scan_text(b"a,b\\n1,2\\n", limits).longest_line
4
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import format_number, gettext as _

MB = 1024 * 1024

# Environment variable -> ImportLimits field (the value is a number; sizes are in MB).
ENVIRONMENT = {
    "CYCLE_ANALYTICS_MAX_ROWS": "max_rows",
    "CYCLE_ANALYTICS_MAX_COLUMNS": "max_columns",
    "CYCLE_ANALYTICS_MAX_CELLS": "max_cells",
    "CYCLE_ANALYTICS_MAX_LINE_MB": "max_line_bytes",
    "CYCLE_ANALYTICS_MAX_UNZIPPED_MB": "max_unzipped_bytes",
    "CYCLE_ANALYTICS_MAX_ZIP_RATIO": "max_zip_ratio",
    "CYCLE_ANALYTICS_PARSE_SECONDS": "parse_seconds",
    "CYCLE_ANALYTICS_PARSE_MEMORY_MB": "parse_memory_bytes",
    "CYCLE_ANALYTICS_PARALLEL_IMPORTS": "parallel_imports",
}
_IN_MB = {"max_line_bytes", "max_unzipped_bytes", "parse_memory_bytes"}

# A zip member smaller than this may compress by any ratio (tiny XML parts compress very well).
_RATIO_FLOOR = 1 * MB
# Bytes of a sheet unpacked to find its <dimension> element (it comes before the cells).
_SHEET_HEAD = 64 * 1024
_MAX_ZIP_MEMBERS = 10_000
_CHUNK = 16 * MB


@dataclass(frozen=True)
class ImportLimits:
    """What one import may cost (defaults suit a server with 4 GB or more).

    ``max_rows``, ``max_columns``, ``max_cells``: the table read (data rows, columns, rows x
    columns); a workbook sheet's declared dimension is held to the same columns and cells.
    ``max_line_bytes``: the longest line of a text file. ``max_unzipped_bytes`` and
    ``max_zip_ratio``: a workbook's total unpacked size and the compression ratio of any member
    larger than 1 MB (real sheets compress 5 to 20 times; zip bombs a thousand times).
    ``parse_seconds``, ``parse_memory_bytes``: the wall-clock time and memory of one import in its
    worker process; ``parallel_imports``: how many worker processes run at once (others wait).
    """

    max_rows: int = 20_000_000
    max_columns: int = 5_000
    max_cells: int = 100_000_000
    max_line_bytes: int = 16 * MB
    max_unzipped_bytes: int = 1024 * MB
    max_zip_ratio: float = 100.0
    parse_seconds: float = 120.0
    parse_memory_bytes: int = 2048 * MB
    parallel_imports: int = 2

    @classmethod
    def from_environment(cls, environ=None) -> "ImportLimits":
        """The defaults, overridden by the variables of :data:`ENVIRONMENT` that are set.

        >>> ImportLimits.from_environment({"CYCLE_ANALYTICS_MAX_COLUMNS": "800"}).max_columns
        800
        >>> ImportLimits.from_environment({"CYCLE_ANALYTICS_PARSE_MEMORY_MB": "512"}).parse_memory_bytes // MB
        512
        """
        environ = os.environ if environ is None else environ
        changes = {}
        types = {f.name: f.type for f in fields(cls)}
        for var, name in ENVIRONMENT.items():
            text = str(environ.get(var, "") or "").strip()
            if not text:
                continue
            try:
                value = float(text)
            except ValueError:
                raise SurveyError(_("The setting {var} must be a number, not {text!r}.").format(var=var, text=text)) from None
            if value <= 0:
                raise SurveyError(_("The setting {var} must be more than 0, not {text!r}.").format(var=var, text=text))
            if name in _IN_MB:
                value *= MB
            changes[name] = value if types[name] in ("float", float) else int(value)
        return validate_limits(replace(cls(), **changes))


def validate_limits(limits: ImportLimits) -> ImportLimits:
    """Raise :class:`SurveyError` unless ``limits`` is an :class:`ImportLimits` of positive numbers; returns it."""
    if not isinstance(limits, ImportLimits):
        raise SurveyError(_("The import limits must be an ImportLimits, not a {name}.").format(name=type(limits).__name__))
    for f in fields(limits):
        value = getattr(limits, f.name)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
            raise SurveyError(_("The import limit {name} must be a number above 0, not {value!r}.").format(name=f.name, value=value))
    return limits


def size_text(n: float) -> str:
    """A byte count for a sentence: ``'1.5 MB'``, ``'200 MB'``, ``'4.8 GB'``.

    >>> size_text(1536 * 1024), size_text(200 * MB), size_text(4.8 * 1024 * MB)
    ('1.5 MB', '200 MB', '4.8 GB')
    """
    if n >= 1024 * MB:
        return f"{n / 1024 / MB:.1f} GB"
    if n >= 10 * MB:
        return f"{n / MB:.0f} MB"
    if n >= MB:
        return f"{n / MB:.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


# --------------------------------------------------------------------------------------------
# Table size


def validate_table_size(n_rows: int, n_columns: int, limits: ImportLimits, label: str) -> None:
    """Refuse a table with more rows, columns or cells than ``limits`` (``label``: the quoted file name)."""
    if n_columns > limits.max_columns:
        raise SurveyError(
            _("The file {label} has {n_columns} columns, over the import limit of {max_columns} columns; keep only the survey's columns (questions, id, date, segments) and upload it again.").format(label=label, n_columns=format_number(n_columns), max_columns=format_number(limits.max_columns))
        )
    if n_rows > limits.max_rows:
        raise SurveyError(
            _("The file {label} has {n_rows} rows, over the import limit of {max_rows} rows; split it (for example by month) and upload one part.").format(label=label, n_rows=format_number(n_rows), max_rows=format_number(limits.max_rows))
        )
    if n_rows * n_columns > limits.max_cells:
        raise SurveyError(
            _("The file {label} has {n_rows} rows × {n_columns} columns ({n_cells} cells), over the import limit of {max_cells} cells; keep only the survey's columns or split the rows.").format(label=label, n_rows=format_number(n_rows), n_columns=format_number(n_columns), n_cells=format_number(n_rows * n_columns), max_cells=format_number(limits.max_cells))
        )


# --------------------------------------------------------------------------------------------
# Text


@dataclass(frozen=True)
class TextScan:
    """One pass over a text file: ``longest_line`` (bytes, line end included) on line
    ``longest_line_number`` (1-based), and ``lines`` (line feeds, plus one for an unterminated last line)."""

    longest_line: int
    longest_line_number: int
    lines: int

    def block_size(self) -> int:
        """A CSV reader block size that holds the longest line twice over (at least 1 MB)."""
        return int(max(MB, 2 * self.longest_line + 4096))


def _chunks(source, chunk: int = _CHUNK):
    """The bytes of ``source`` (bytes-like, or a path) in pieces of ``chunk`` bytes, never all at once."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as fh:
            while True:
                piece = fh.read(chunk)
                if not piece:
                    return
                yield piece
    else:
        view = memoryview(source)
        for start in range(0, len(view), chunk):
            yield view[start:start + chunk]


def scan_text(source, limits: ImportLimits, label: str = "the upload") -> TextScan:
    """Measure the lines of ``source`` (bytes or a path) in one streaming pass; refuse an over-long line.

    Raises
    ------
    SurveyError
        A line is longer than ``limits.max_line_bytes`` (the sentence names the line and its length).
    """
    longest, longest_at, lines, run, seen = 0, 1, 0, 0, 0
    total = os.path.getsize(source) if isinstance(source, (str, Path)) else len(memoryview(source))
    for piece in _chunks(source):
        seen += len(piece)
        arr = np.frombuffer(piece, dtype=np.uint8)
        ends = np.flatnonzero(arr == 10)
        if ends.size == 0:
            run += arr.size
        else:
            first = run + int(ends[0]) + 1
            if first > longest:
                longest, longest_at = first, lines + 1
            if ends.size > 1:
                gaps = np.diff(ends)
                k = int(np.argmax(gaps))
                if int(gaps[k]) > longest:
                    longest, longest_at = int(gaps[k]), lines + k + 2
            lines += int(ends.size)
            run = arr.size - int(ends[-1]) - 1
        if max(longest, run) > limits.max_line_bytes:
            break
    stopped = seen < total  # the rest of the file was not read: the line may be longer still
    if run:
        if run > longest:
            longest, longest_at = run, lines + 1
        lines += 1
    if longest > limits.max_line_bytes:
        raise SurveyError(
            (_("Line {line} of the file {label} is at least {size} long, over the import limit of {limit} for one line: a "
               "survey table has one row per line, so this file is not one (or its line ends are missing).") if stopped else
             _("Line {line} of the file {label} is {size} long, over the import limit of {limit} for one line: a survey "
               "table has one row per line, so this file is not one (or its line ends are missing).")).format(
                line=format_number(longest_at), label=label, size=size_text(longest), limit=size_text(limits.max_line_bytes))
        )
    return TextScan(longest_line=longest, longest_line_number=longest_at, lines=lines)


# --------------------------------------------------------------------------------------------
# Workbooks


@dataclass(frozen=True)
class SheetExtent:
    """A sheet's name and the rows x columns its ``<dimension>`` element declares (``None``: none declared)."""

    name: str
    rows: int | None
    columns: int | None

    @property
    def cells(self) -> int | None:
        return None if self.rows is None or self.columns is None else self.rows * self.columns


@dataclass(frozen=True)
class WorkbookInspection:
    """What :func:`inspect_workbook` found: the sheets' declared extents, the unpacked size, and
    whether the workbook holds macros (they are never run; a note says so)."""

    sheets: tuple[SheetExtent, ...]
    unzipped_bytes: int
    has_macros: bool

    def notes(self) -> tuple[str, ...]:
        if self.has_macros:
            return (_("The workbook holds macros (VBA); they were not run, only the cell values were read."),)
        return ()


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?\"")
_SHEET = re.compile(r"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(r"([\w:]+)=\"([^\"]*)\"")
_REL = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)/?>")


def column_number(letters: str) -> int:
    """Excel column letters to a 1-based number.

    >>> column_number("A"), column_number("Z"), column_number("AA"), column_number("XFD")
    (1, 26, 27, 16384)
    """
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def _declared_extent(head: bytes) -> tuple[int | None, int | None]:
    """Rows and columns of the first ``<dimension ref=...>`` in a sheet's first bytes."""
    m = _DIMENSION.search(head)
    if m is None:
        return None, None
    c1, r1, c2, r2 = (g.decode("ascii") if g else "" for g in m.groups())
    if not c2 and not r2:  # a single cell: "A1"
        c2, r2 = c1, r1
    if not (c1 and c2 and r1 and r2):
        return None, None
    rows = abs(int(r2) - int(r1)) + 1
    cols = abs(column_number(c2) - column_number(c1)) + 1
    return rows, cols


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Zip path of each worksheet -> its name (from workbook.xml and its relationships; small files)."""
    def small_text(path: str) -> str:
        try:
            info = zf.getinfo(path)
        except KeyError:
            return ""
        if info.file_size > 8 * MB:
            return ""
        return zf.read(path).decode("utf-8", errors="replace")

    rels = {}
    for m in _REL.finditer(small_text("xl/_rels/workbook.xml.rels")):
        attrs = dict(_ATTR.findall(m.group(1)))
        target = attrs.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        rels[attrs.get("Id", "")] = re.sub(r"/[^/]+/\.\./", "/", target)
    names = {}
    for m in _SHEET.finditer(small_text("xl/workbook.xml")):
        attrs = dict(_ATTR.findall(m.group(1)))
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
        if rid in rels:
            names[rels[rid]] = attrs.get("name", rels[rid])
    return names


def inspect_workbook(source, limits: ImportLimits, label: str = "the upload") -> WorkbookInspection:
    """Check an ``.xlsx`` / ``.xlsm`` workbook before it is parsed (see the module docstring).

    Parameters
    ----------
    source : bytes or path
        The workbook.
    limits : ImportLimits
    label : str
        The quoted file name used in sentences.

    Raises
    ------
    SurveyError
        Not a readable zip, too many members, unpacked size or compression ratio over the limits,
        or a sheet declaring more columns or cells than the limits.
    """
    try:
        zf = zipfile.ZipFile(source if isinstance(source, (str, Path)) else io.BytesIO(bytes(source)))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SurveyError(_("The file {label} is not a readable Excel .xlsx workbook.").format(label=label)) from None
    with zf:
        members = zf.infolist()
        if len(members) > _MAX_ZIP_MEMBERS:
            raise SurveyError(_("The workbook {label} holds {n} parts, far more than an Excel workbook does; it was not opened.").format(label=label, n=format_number(len(members))))
        total = sum(m.file_size for m in members)
        if total > limits.max_unzipped_bytes:
            raise SurveyError(
                _("The workbook {label} would unpack to {size}, over the import limit of {limit} for a workbook's contents; it was not opened (save the survey sheet as CSV, or keep only that sheet).").format(label=label, size=size_text(total), limit=size_text(limits.max_unzipped_bytes))
            )
        for m in members:
            if m.file_size > _RATIO_FLOOR and m.file_size > limits.max_zip_ratio * max(1, m.compress_size):
                ratio = m.file_size / max(1, m.compress_size)
                raise SurveyError(
                    _("The workbook {label} holds a part compressed {ratio} to 1, over the import limit of {max_zip_ratio} to 1 (real sheets compress 5 to 20 times); it was not opened.").format(label=label, ratio=format_number(ratio), max_zip_ratio=format_number(limits.max_zip_ratio))
                )
        names = _sheet_names(zf)
        sheets = []
        for m in members:
            if not re.fullmatch(r"xl/worksheets/[^/]+\.xml", m.filename):
                continue
            try:
                with zf.open(m) as fh:
                    head = fh.read(_SHEET_HEAD)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
                raise SurveyError(_("The file {label} is not a readable Excel .xlsx workbook.").format(label=label)) from None
            rows, cols = _declared_extent(head)
            sheet = SheetExtent(name=names.get(m.filename, Path(m.filename).stem), rows=rows, columns=cols)
            _validate_sheet_extent(sheet, limits, label)
            sheets.append(sheet)
        has_macros = any(Path(m.filename).name.lower() == "vbaproject.bin" for m in members)
    return WorkbookInspection(sheets=tuple(sheets), unzipped_bytes=total, has_macros=has_macros)


def _validate_sheet_extent(sheet: SheetExtent, limits: ImportLimits, label: str) -> None:
    if sheet.rows is None:
        return
    if sheet.columns > limits.max_columns or sheet.cells > limits.max_cells:
        text = (_("The sheet {name!r} of the workbook {label} says it spans {rows} rows × {columns} columns ({columns} "
                  "columns, over the import limit of {max_columns} columns); it was not opened. Copy the survey table "
                  "into a new workbook, or save it as CSV.") if sheet.columns > limits.max_columns else
                _("The sheet {name!r} of the workbook {label} says it spans {rows} rows × {columns} columns ({cells} "
                  "cells, over the import limit of {max_cells} cells); it was not opened. Copy the survey table into a "
                  "new workbook, or save it as CSV."))
        raise SurveyError(text.format(name=sheet.name, label=label, rows=format_number(sheet.rows),
                                      columns=format_number(sheet.columns), cells=format_number(sheet.cells),
                                      max_columns=format_number(limits.max_columns),
                                      max_cells=format_number(limits.max_cells)))
