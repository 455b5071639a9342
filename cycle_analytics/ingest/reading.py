"""Bytes or a path -> a raw table of text cells (file kind, encoding, delimiter, Excel sheet).

Every cell is read as text and kept *dictionary-encoded*: per column, the distinct cell texts
(``RawColumn.values``, a small Arrow string array for rating columns) and one ``int32`` code per
data row (``RawColumn.codes``). The layouts then parse only the distinct values (a few dozen for a
stage or score column), never every row, which keeps a 10-million-row import fast and compact.

What this module decides, and refuses with one sentence (:class:`~cycle_analytics.errors.SurveyError`):

* size: larger than ``ImportOptions.max_bytes`` -> refused; the other limits
  (:class:`~cycle_analytics.ingest.limits.ImportLimits`: rows, columns, cells, line length, a
  workbook's unpacked size, compression ratio and declared sheet dimensions) are checked before
  parsing where the file tells them (:mod:`cycle_analytics.ingest.limits`), else right after;
* kind: ``.xlsx`` (zip magic or suffix), SPSS ``.sav`` / ``.zsav`` and Stata ``.dta`` (magic bytes;
  read by :mod:`cycle_analytics.ingest.spss`) or delimited text; other binary content -> "not text";
* encoding: UTF-8 (with or without BOM), UTF-16 with a BOM (or an unmistakable NUL pattern), else
  cp1252, else latin-1; a file mixing UTF-8 and cp1252 lines is decoded line by line
  (:mod:`cycle_analytics.ingest.encodings`) with a note naming the lines;
* NUL bytes in cells (a damaged file) are removed, counted in a note per column;
* delimiter: ``,`` ``;`` tab or ``|``, sniffed on the first lines with quotes honoured;
* CRLF or LF line ends, quoted fields with embedded newlines; a quote that is never closed ->
  refused with its line number; rows with the wrong number of cells are kept as *bad rows* (the
  layouts reject them with a reason, so the row accounting still adds up);
* Excel: the ``sheet`` option, else the first sheet that holds a table (a cover sheet with a title
  and a few cells is skipped);
* empty file, header only -> refused.

A :class:`~cycle_analytics.ingest.formats.base.Preview` of the first rows goes to
:func:`cycle_analytics.ingest.formats.detect`; when it recognises a survey-tool export the returned
:class:`~cycle_analytics.ingest.formats.base.ExportLayout` decides the header row, the skipped header rows
and the column names, and personal-data columns are dropped unless ``keep_personal``.

Example
-------
>>> raw = read_raw(b"id,q1\\nA,5\\nB,4\\n", file_name="demo.csv")
>>> raw.n_rows, raw.names, raw.source["delimiter"]
(2, ('id', 'q1'), ',')
>>> raw.column("q1").cells().tolist()
['5', '4']
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from python_calamine import CalamineWorkbook

from cycle_analytics.dataset import ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, format_number, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest import formats
from cycle_analytics.ingest.encodings import decode_by_line, scan_encoding
from cycle_analytics.ingest.formats.base import ExportLayout, Preview
from cycle_analytics.ingest.limits import ImportLimits, TextScan, inspect_workbook, scan_text, size_text, validate_table_size

TEXT = pa.dictionary(pa.int32(), pa.string())
DELIMITERS = (",", ";", "\t", "|")
PREVIEW_ROWS = 5
_HEAD_BYTES = 1 << 16
#: A sentence for a file that cannot be read with its delimiter, per delimiter (English; shown translated).
_DELIM_PROBLEMS = {
    ",": N_("The file {label} could not be read as comma-separated text: {problem}."),
    ";": N_("The file {label} could not be read as semicolon-separated text: {problem}."),
    "\t": N_("The file {label} could not be read as tab-separated text: {problem}."),
    "|": N_("The file {label} could not be read as vertical-bar-separated text: {problem}."),
}


# --------------------------------------------------------------------------------------------
# Result types


@dataclass(frozen=True)
class RawColumn:
    """One input column: distinct cell texts and one code per data row (``values[codes[i]]``)."""

    name: str
    values: pa.Array  # pa.string(); distinct cell texts as read (not stripped)
    codes: np.ndarray  # int32, one per accepted-shape data row
    value_counts: np.ndarray | None = field(default=None, repr=False, compare=False)  # counts(), when the reader knew them

    def counts(self) -> np.ndarray:
        """How many rows hold each of ``values`` (int64, same length as ``values``)."""
        if self.value_counts is not None and len(self.value_counts) == len(self.values):
            return self.value_counts.copy()
        return np.bincount(self.codes, minlength=len(self.values)).astype(np.int64)

    def cells(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The cell texts of ``rows`` (all rows when ``None``) as an object array of str."""
        idx = self.codes if rows is None else self.codes[np.asarray(rows, dtype=np.int64)]
        return np.asarray(self.values.take(pa.array(idx)).to_numpy(zero_copy_only=False), dtype=object)

    def stripped_values(self) -> np.ndarray:
        """``values`` with surrounding whitespace removed, as an object array of str."""
        return np.asarray(pc.utf8_trim_whitespace(self.values).to_numpy(zero_copy_only=False), dtype=object)


@dataclass(frozen=True)
class BadRow:
    """A data row the reader could not split into the header's number of cells."""

    row: int  # 1-based data row number
    reason: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class RawTable:
    """A file's data rows as text, dictionary-encoded per column (see the module docstring).

    ``row_numbers`` holds the 1-based data row number of each table row when it is not simply
    ``1..n_rows`` (when bad rows were taken out); ``rows_read == n_rows + len(bad_rows)``.
    """

    columns: tuple[RawColumn, ...]
    n_rows: int
    source: dict = field(default_factory=dict)
    preview: Preview | None = None
    layout: ExportLayout | None = None
    bad_rows: tuple[BadRow, ...] = ()
    row_numbers: np.ndarray | None = None
    dropped: tuple[str, ...] = ()  # personal-data columns not read
    notes: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def rows_read(self) -> int:
        return self.n_rows + len(self.bad_rows)

    def column(self, name: str) -> RawColumn:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def data_row_numbers(self) -> np.ndarray:
        """1-based data row number of every table row (int64)."""
        if self.row_numbers is not None:
            return self.row_numbers
        return np.arange(1, self.n_rows + 1, dtype=np.int64)


# --------------------------------------------------------------------------------------------
# Entry point


def read_raw(source, options: ImportOptions = ImportOptions(), *, file_name: str | None = None,
             limits: ImportLimits | None = None) -> RawTable:
    """Read a survey file into a :class:`RawTable`.

    Parameters
    ----------
    source : str, pathlib.Path, bytes or binary file-like
        A path, the file's bytes, or an object with ``read()`` (e.g. Streamlit's ``UploadedFile``).
    options : ImportOptions
        ``max_bytes``, ``sheet`` and ``keep_personal`` are used here.
    file_name : str, optional
        Shown in messages and used for the suffix when ``source`` is bytes.
    limits : ImportLimits, optional
        Rows, columns, cells, line length and workbook checks; default
        :meth:`ImportLimits.from_environment`.

    Returns
    -------
    RawTable

    Examples
    --------
    >>> read_raw(b"a;b\\n1;2\\n").source["delimiter"]
    ';'
    """
    limits = ImportLimits.from_environment() if limits is None else limits
    src = _open_source(source, file_name, options.max_bytes)
    head = src.head()
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise SurveyError(_("The file {label} is empty.").format(label=src.label))
    # spss.py builds RawTables with this module's types: importing it at the top would be a cycle
    from cycle_analytics.ingest.spss import read_stat_file, stat_kind

    stat = stat_kind(head, src.name)
    if stat is not None:  # SPSS .sav / .zsav, Stata .dta
        return read_stat_file(src.path, src.data, src.name, stat)
    kind = _detect_kind(head, src.name)
    if kind == "xlsx":
        return _read_xlsx(src, options, limits)
    return _read_delimited(src, head, options, limits)


@dataclass(frozen=True)
class PlainCsvDialect:
    """How a plain delimited text file is written, as :func:`read_raw` reads it: what another CSV
    reader (the query engine's, :mod:`cycle_analytics.engine.csv_source`) needs to read it the same way.

    ``names``: the column names :func:`read_raw` gives (an empty or repeated header cell renamed);
    ``notes``: what the renaming says.
    """

    encoding: str  # "utf-8" or "utf-8-sig"
    delimiter: str
    names: tuple[str, ...]
    notes: tuple[str, ...]


def plain_csv_dialect(path) -> PlainCsvDialect | None:
    """The dialect of the plain UTF-8 delimited text file at ``path``, or ``None`` when :func:`read_raw`
    must read it itself: another encoding, a survey-tool export (its header rows), not text, a header
    row longer than the first 64 KiB, a header cell holding a line break, or NUL bytes near the top.

    The delimiter, the header and the export check come from the first 64 KiB, exactly as for
    :func:`read_raw`.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = os.path.join(d, "x.csv")
    ...     _ = open(f, "w").write("id;stage;score\\nA;Wait;4\\n")
    ...     plain_csv_dialect(f).delimiter, plain_csv_dialect(f).names
    (';', ('id', 'stage', 'score'))
    """
    try:
        src = _open_source(Path(path), None, None)
        head = src.head()
        if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe") or b"\x00" in head or _detect_kind(head, src.name) != "csv":
            return None
    except SurveyError:
        return None
    encoding = _detect_encoding(head)
    if encoding not in ("utf-8", "utf-8-sig"):
        return None
    text = _decode_head(head, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\n" not in text:
        return None
    truncated = len(head) >= _HEAD_BYTES
    delimiter = _sniff_delimiter(text[:max(20000, 2 * text.find("\n"))], truncated or len(text) > 20000)
    first = []
    header_lines = 0
    for rec, line_num in _csv_records(text, delimiter):
        first.append(tuple(rec))
        header_lines = header_lines or line_num
        if len(first) >= PREVIEW_ROWS:
            break
    if not first or header_lines != 1 or not any(c.strip() for c in first[0]):
        return None
    preview = Preview(rows=tuple(first), file_name=src.name, kind="csv", sheet=None, encoding=encoding, delimiter=delimiter)
    if formats.detect(preview) is not None:
        return None
    names, notes = _clean_names(first[0])
    return PlainCsvDialect(encoding, delimiter, tuple(names), tuple(notes))


# --------------------------------------------------------------------------------------------
# Source handling


@dataclass
class _Source:
    path: Path | None
    data: bytes | None
    name: str

    @property
    def label(self) -> str:
        return repr(self.name) if self.name else "(no name)"

    def head(self, n: int = _HEAD_BYTES) -> bytes:
        if self.data is not None:
            return self.data[:n]
        with open(self.path, "rb") as fh:
            return fh.read(n)

    def may_break_inside_cells(self) -> bool:
        """Whether a cell of the file could hold a line break (one memchr pass, no decoding).

        A line break inside a cell needs a quote. When the only quotes are balanced ones on the
        first line (a quoted header) and none follow, no cell can hold a line break, and the parser
        may split lines freely, which is much faster than ``newlines_in_values``. Byte 0x22 is the
        quote and 0x0A the line feed in every supported encoding (UTF-8, cp1252, latin-1, UTF-16).
        """
        if self.data is not None:
            return quotes_may_span_lines(self.data)
        with open(self.path, "rb") as fh:
            if fh.seek(0, 2) == 0:
                return False
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                return quotes_may_span_lines(mm)

    def stream(self):
        """Something ``pyarrow.csv.read_csv`` reads from."""
        return str(self.path) if self.path is not None else pa.BufferReader(self.data)

    def content(self):
        """The bytes (or the path) for the streaming checks of :mod:`~cycle_analytics.ingest.limits`."""
        return self.data if self.data is not None else self.path


def quotes_may_span_lines(buf) -> bool:
    """Whether a quoted cell of ``buf`` (bytes or an mmap) may hold a line break: any quote after the
    first line, or an odd number of quotes on it (see :meth:`_Source.may_break_inside_cells`)."""
    first_quote = buf.find(b'"')
    if first_quote < 0:
        return False
    end_of_first_line = buf.find(b"\n")
    if end_of_first_line < 0:
        return True
    if first_quote > end_of_first_line or buf.find(b'"', end_of_first_line) >= 0:
        return True
    return buf[:end_of_first_line].count(b'"') % 2 == 1


def _validate_source(source) -> None:
    if source is None or isinstance(source, (str, Path, bytes, bytearray, memoryview)) or hasattr(source, "read"):
        return
    raise SurveyError(_("Cannot read a survey from a {kind}; give a file path, bytes or an uploaded file.").format(kind=type(source).__name__))


def _open_source(source, file_name: str | None, max_bytes: int | None) -> _Source:
    _validate_source(source)
    if source is None:
        raise SurveyError(_("No survey file was given."))
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = file_name or path.name
        if not path.is_file():
            raise SurveyError(_("The file {path!r} does not exist.").format(path=str(path)))
        size = path.stat().st_size
        _validate_size(size, max_bytes, name)
        return _Source(path=path, data=None, name=name)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = file_name or ""
    else:  # file-like
        name = file_name or str(getattr(source, "name", "") or "")
        size = getattr(source, "size", None)
        if isinstance(size, int):
            _validate_size(size, max_bytes, name)
        if hasattr(source, "seek"):
            try:
                source.seek(0)
            except Exception:  # noqa: BLE001 - unseekable streams are read as they are
                pass
        limit = None if max_bytes is None else max_bytes + 1
        data = source.read() if limit is None else source.read(limit)
        if isinstance(data, str):
            data = data.encode("utf-8")
    _validate_size(len(data), max_bytes, name)
    return _Source(path=None, data=data, name=name)


def _validate_size(size: int, max_bytes: int | None, name: str) -> None:
    if max_bytes is not None and size > max_bytes:
        if size == max_bytes + 1:  # read up to the limit only: the size is unknown
            shown = None
        elif size_text(size) == size_text(max_bytes):
            shown = _("{n} bytes").format(n=format_number(size))
        else:
            shown = size_text(size)
        if name:
            text = (_("The file {name!r} is larger than the limit of {limit} for an upload; split it or raise the limit.")
                    if shown is None else
                    _("The file {name!r} is larger than the limit of {limit} for an upload ({size}); split it or raise "
                      "the limit."))
        else:
            text = (_("The upload is larger than the limit of {limit}; split it or raise the limit.") if shown is None
                    else _("The upload is larger than the limit of {limit} ({size}); split it or raise the limit."))
        raise SurveyError(text.format(name=name, limit=size_text(max_bytes), size=shown))


def _detect_kind(head: bytes, name: str) -> str:
    suffix = Path(name).suffix.lower() if name else ""
    if head[:4] == b"PK\x03\x04":
        if suffix in ("", ".xlsx", ".xlsm"):
            return "xlsx"
        raise SurveyError(_("The file {name!r} is a zip archive, not a CSV or Excel .xlsx file.").format(name=name))
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SurveyError(_("The file {name!r} is an old Excel .xls (or other Office) file; save it as .xlsx or CSV.").format(name=name or 'upload'))
    if suffix in (".xlsx", ".xlsm"):
        raise SurveyError(_("The file {name!r} is named like an Excel file but is not a valid .xlsx workbook.").format(name=name))
    if _utf16_kind(head) is None:
        sample = head[:4096]
        if sample.count(b"\x00") > 0.01 * len(sample):  # a few NUL cells are damage (removed later), many are binary
            raise SurveyError(_("The file {name!r} is not text (it holds binary data); give a CSV or an Excel .xlsx file.").format(name=name or 'upload'))
        control = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12, 0))
        if sample and control / len(sample) > 0.05:
            raise SurveyError(_("The file {name!r} is not text (it holds binary data); give a CSV or an Excel .xlsx file.").format(name=name or 'upload'))
    return "csv"


def _utf16_kind(head: bytes) -> str | None:
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) and not head.startswith(codecs.BOM_UTF32_LE):
        return "utf-16"
    sample = head[:2000]
    if len(sample) >= 8:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.8 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    return None


def _detect_encoding(head: bytes) -> str:
    u16 = _utf16_kind(head)
    if u16:
        return u16
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    dec = codecs.getincrementaldecoder("utf-8")()
    try:
        dec.decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _decode_head(head: bytes, encoding: str) -> str:
    dec = codecs.getincrementaldecoder(encoding)(errors="replace")
    return dec.decode(head, final=False)


# --------------------------------------------------------------------------------------------
# Delimited text


def _csv_records(text: str, delimiter: str):
    """Parse ``text`` into records with the csv module; yields (record, physical lines consumed)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    try:
        for rec in reader:
            yield rec, reader.line_num
    except csv.Error:
        return


def _sniff_delimiter(text: str, truncated: bool) -> str:
    best, best_key = ",", None
    for delim in DELIMITERS:
        recs = [r for r, _ in _csv_records(text, delim)]
        if truncated and len(recs) > 1:
            recs = recs[:-1]
        recs = [r for r in recs if any(c.strip() for c in r)][:30]
        if not recs:
            continue
        widths = [len(r) for r in recs]
        first = widths[0]
        if first < 2:
            key = (0, 0, 0)
        else:
            same = sum(1 for w in widths if w == first) / len(widths)
            key = (1, round(same, 2), first)
        if best_key is None or key > best_key:
            best, best_key = delim, key
    return best


def _clean_names(cells, drop_trailing_empty: bool = False) -> tuple[list[str], list[str]]:
    names = [str(c).replace("\x00", "").strip() for c in cells]
    notes = []
    if drop_trailing_empty:
        while names and names[-1] == "":
            names.pop()
    out, seen = [], {}
    for i, n in enumerate(names):
        base = n or f"column {i + 1}"
        name = base
        k = 1
        while name in seen:
            k += 1
            name = f"{base} ({k})"
        if name != n:
            notes.append((_("Column {i} is named {name!r} because its header was empty.") if not n else
                          _("Column {i} is named {name!r} because its header was repeated.")).format(i=i + 1, name=name))
        seen[name] = i
        out.append(name)
    return out, notes


class _InvalidRows:
    def __init__(self) -> None:
        self.rows: list[tuple[int | None, int, int, str]] = []

    def __call__(self, row) -> str:
        self.rows.append((row.number, row.expected_columns, row.actual_columns, row.text))
        return "skip"


def _read_delimited(src: _Source, head: bytes, options: ImportOptions, limits: ImportLimits) -> RawTable:
    scan = scan_text(src.content(), limits, src.label)
    encoding = _detect_encoding(head)
    src, encoding, encoding_note = _mixed_encoding(src, encoding)
    # the head holds the header and the preview rows, however wide (up to the line limit)
    head = src.head(max(_HEAD_BYTES, min(scan.longest_line * (PREVIEW_ROWS + 2), 8 * limits.max_line_bytes)))
    text = _decode_head(head, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    truncated = len(head) >= _HEAD_BYTES
    delimiter = _sniff_delimiter(text[:max(20000, 2 * text.find("\n"))], truncated or len(text) > 20000)
    first = []
    for rec, _end in _csv_records(text, delimiter):
        first.append(tuple(rec))
        if len(first) >= PREVIEW_ROWS:
            break
    preview = Preview(rows=tuple(first), file_name=src.name, kind="csv", sheet=None, encoding=encoding, delimiter=delimiter)
    layout = formats.detect(preview)
    header_row = layout.header_row if layout else 0
    data_start = layout.data_start if layout else 1

    # physical lines taken by the header records (quoted newlines in headers are honoured)
    skip_lines, header_cells, n_seen = 0, None, 0
    for rec, line_num in _csv_records(text, delimiter):
        if n_seen == header_row:
            header_cells = rec
        n_seen += 1
        if n_seen == data_start:
            skip_lines = line_num
            break
    if header_cells is None or not any(c.strip() for c in header_cells):
        raise SurveyError(_("The file {label} has no header row.").format(label=src.label))
    if layout is not None:
        names, notes = _clean_names(layout.columns, layout.drop_trailing_empty)
    else:
        names, notes = _clean_names(header_cells)
        # legacy exports end every line with a delimiter: a trailing empty header cell
    if n_seen < data_start:
        raise SurveyError(_("The file {label} has a header but no data rows.").format(label=src.label))
    if encoding_note:
        notes.append(encoding_note)
    validate_table_size(0, len(names), limits, src.label)
    if not src.may_break_inside_cells():  # one row per line: the line count is the row count
        validate_table_size(max(0, scan.lines - skip_lines), len(names), limits, src.label)

    # cells the header row has beyond the names (a trailing delimiter on every line) are read and dropped
    width = max(len(names), len(header_cells)) if layout is not None and layout.drop_trailing_empty else len(names)
    read_names = names + [f"\x00extra {k}" for k in range(width - len(names))]
    table, encoding, invalid, src, encoding_note = _arrow_read(src, encoding, delimiter, skip_lines, read_names, scan)
    if encoding_note:
        notes.append(encoding_note)
    _validate_quoting(src, table, invalid, encoding, delimiter)
    if width > len(names):
        table = table.select(list(range(len(names))))

    # rows the parser could not split into the header's number of cells
    bad_rows, row_numbers = [], None
    if invalid:
        bad_rows, row_numbers = _bad_rows(src, invalid, data_start, table.num_rows, delimiter, len(names), encoding, skip_lines)
    if table.num_rows + len(bad_rows) == 0:
        raise SurveyError(_("The file {label} has a header but no data rows.").format(label=src.label))
    validate_table_size(table.num_rows + len(bad_rows), len(names), limits, src.label)
    columns, dropped = _columns_from_table(table, names, layout, options.keep_personal)
    columns, nul_note = _without_nul_bytes(columns)
    if nul_note:
        notes.append(nul_note)
    source = {"file_name": src.name, "kind": "csv", "encoding": encoding.replace("-sig", " with BOM"),
              "delimiter": delimiter, "sheet": None}
    if dropped:
        notes.append(_("Personal data columns were not read: {items}.").format(items=', '.join(dropped)))
    return RawTable(
        columns=tuple(columns),
        n_rows=table.num_rows,
        source=source,
        preview=preview,
        layout=layout,
        bad_rows=tuple(bad_rows),
        row_numbers=row_numbers,
        dropped=tuple(dropped),
        notes=tuple(notes),
    )


def _line_decoded(src: _Source) -> tuple[_Source, str] | None:
    """``(source decoded line by line into UTF-8, note naming the lines)`` when ``src`` mixes UTF-8
    and cp1252 lines (:mod:`cycle_analytics.ingest.encodings`), else ``None``."""
    check = scan_encoding(src.content())
    if not check.mixed:
        return None
    return _Source(path=None, data=decode_by_line(src.content()), name=src.name), check.note()


def _mixed_encoding(src: _Source, encoding: str) -> tuple[_Source, str, str]:
    """``(source, encoding, note)`` for a file whose head is not UTF-8 (cp1252 or latin-1): decoded
    line by line when later lines are UTF-8 (:func:`_line_decoded`), else unchanged. A file whose
    head is UTF-8 is checked only if the parser finds bytes that are not (:func:`_arrow_read`)."""
    if encoding in ("cp1252", "latin-1"):
        decoded = _line_decoded(src)
        if decoded is not None:
            return decoded[0], "utf-8-sig", decoded[1]
    return src, encoding, ""


def _arrow_read(src: _Source, encoding: str, delimiter: str, skip_lines: int, names: list[str], scan: TextScan,
                use_threads: bool = True):
    """``(table, encoding, invalid rows, source, encoding note)``: the data rows read by pyarrow.

    A UTF-8 file that turns out not to be UTF-8 further down is checked for mixed encodings
    (decoded line by line, the note names the lines), else read as cp1252, then latin-1.
    """
    tried = []
    enc = encoding
    note = ""
    quoted = src.may_break_inside_cells()
    while True:
        invalid = _InvalidRows()
        arrow_enc = {"utf-8-sig": "utf8", "utf-8": "utf8"}.get(enc, enc)
        try:
            table = pcsv.read_csv(
                src.stream(),
                read_options=pcsv.ReadOptions(
                    skip_rows=skip_lines, column_names=names, encoding=arrow_enc, use_threads=use_threads,
                    block_size=scan.block_size(),
                ),
                parse_options=pcsv.ParseOptions(
                    delimiter=delimiter, quote_char='"', double_quote=True, newlines_in_values=quoted,
                    ignore_empty_lines=True, invalid_row_handler=invalid,
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types={n: TEXT for n in names}, null_values=[], strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            msg = str(exc)
            tried.append(enc)
            if ("UTF8" in msg or "UTF-8" in msg or isinstance(exc, UnicodeDecodeError)) and enc in ("utf-8", "utf-8-sig", "cp1252"):
                decoded = _line_decoded(src) if enc != "cp1252" and not note else None
                if decoded is not None:
                    (src, note), enc = decoded, "utf-8-sig"
                    continue
                enc = "cp1252" if enc != "cp1252" else "latin-1"
                continue
            first_line = msg.split("\n")[0]
            raise SurveyError(_(_DELIM_PROBLEMS[delimiter]).format(label=src.label, problem=first_line)) from None
        if invalid.rows and any(r[0] is None for r in invalid.rows) and use_threads:
            # row numbers are only known to a single-threaded parse: read again to report them exactly
            table, enc, rows, src, _note = _arrow_read(src, enc, delimiter, skip_lines, names, scan, use_threads=False)
            return table, enc, rows, src, note
        return table, enc, invalid.rows, src, note


def _bad_rows(src, invalid, data_start, n_good, delimiter, width, encoding, skip_lines):
    out = []
    for number, expected, actual, text in invalid:
        row = int(number) - data_start if number is not None else None
        cells = next(iter(csv.reader([text], delimiter=delimiter)), [])
        out.append(BadRow(row=row or 0, reason=_("the row has {actual} cells where the header has {expected}").format(
            actual=format_number(actual), expected=format_number(expected)), cells=tuple(cells)))
    total = n_good + len(out)
    bad_numbers = np.array(sorted(b.row for b in out), dtype=np.int64)
    keep = np.ones(total + 1, dtype=bool)
    keep[0] = False
    valid = bad_numbers[(bad_numbers >= 1) & (bad_numbers <= total)]
    keep[valid] = False
    numbers = np.nonzero(keep)[0].astype(np.int64)
    if numbers.size != n_good:  # numbering unknown: fall back to reading order
        numbers = np.arange(1, n_good + 1, dtype=np.int64)
    return out, numbers


def _quoting_suspect(src: _Source, table: pa.Table, invalid) -> bool:
    """Cheap trigger for the exact quoting check.

    A quote that is never closed swallows the rest of the file into the last record: so either
    the last record holds a line break in a cell, or (when it starts on the last line) the tail
    of the file holds an odd number of quotes.
    """
    if any("\n" in t or "\r" in t for _, _, _, t in invalid):
        return True
    if table.num_rows:
        last = table.slice(table.num_rows - 1, 1)
        for col in last.columns:
            v = col.to_pylist()[0]
            if isinstance(v, str) and ("\n" in v or "\r" in v):
                return True
    if src.data is not None:
        tail = src.data[-(1 << 20):]
    else:
        with open(src.path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - (1 << 20)))
            tail = fh.read()
    last_line = tail.rstrip(b"\r\n\x00").rsplit(b"\n", 1)[-1]
    return last_line.count(b'"') % 2 == 1


def _unclosed_quote_line(src: _Source, encoding: str, delimiter: str) -> tuple[int, bool] | None:
    """The line where a quoted field starts that is never closed, or None when the quoting is fine."""
    enc = "utf-8-sig" if encoding in ("utf-8", "utf8") else encoding
    try:
        if src.data is not None:
            fh = io.StringIO(src.data.decode(enc, errors="replace"), newline="")
        else:
            fh = open(src.path, encoding=enc, errors="replace", newline="")
        with fh:
            reader = csv.reader(fh, delimiter=delimiter, strict=True)
            last = 0
            try:
                for _rec in reader:
                    last = reader.line_num
            except csv.Error as exc:
                return (last + 1, "unexpected end" in str(exc))
    except (OSError, LookupError):
        return None
    return None


def _validate_quoting(src: _Source, table: pa.Table, invalid, encoding: str, delimiter: str) -> None:
    if _quoting_suspect(src, table, invalid):
        found = _unclosed_quote_line(src, encoding, delimiter)
        if found is not None:
            line, at_end = found
            if at_end:
                raise SurveyError(_('The file {label} has a quote (") that is never closed, starting on line {line}.').format(label=src.label, line=line))
            raise SurveyError(_("The file {label} has a badly quoted field on line {line}.").format(label=src.label, line=line))


def _columns_from_table(table: pa.Table, names, layout: ExportLayout | None, keep_personal: bool):
    if table.num_rows and any(isinstance(c.type, pa.DictionaryType) and c.num_chunks > 1 for c in table.columns):
        table = table.unify_dictionaries()
    personal = set(layout.personal) if layout is not None and not keep_personal else set()
    columns, dropped = [], []
    for name, col in zip(names, table.columns):
        if name in personal:
            dropped.append(name)
            continue
        columns.append(_raw_column(name, col))
    return columns, dropped


def _without_nul_bytes(columns: list[RawColumn]) -> tuple[list[RawColumn], str]:
    """``columns`` with NUL bytes removed from their cell texts, and a note counting the cells per
    column (``""`` when there were none). A cell of NUL bytes only becomes empty (a missing answer),
    so a damaged cell never hides a column's good values."""
    out, found = [], []
    for col in columns:
        if len(col.values) == 0 or not pc.any(pc.match_substring(col.values, "\x00")).as_py():
            out.append(col)
            continue
        damaged = np.asarray(pc.match_substring(col.values, "\x00").to_numpy(zero_copy_only=False), dtype=bool)
        found.append((col.name, int(col.counts()[damaged].sum())))
        cleaned = pc.replace_substring(col.values, "\x00", "")
        distinct = pc.unique(cleaned)
        remap = np.asarray(pc.index_in(cleaned, value_set=distinct).to_numpy(zero_copy_only=False), dtype=np.int32)
        out.append(RawColumn(col.name, distinct, remap[col.codes]))
    if not found:
        return out, ""
    total = sum(n for _, n in found)
    where = "; ".join(f"{name!r}: {n:,}" for name, n in found)
    return out, ngettext("{n} cell holds NUL bytes, a sign of a damaged file; the NUL bytes were removed and a cell of "
                         "NUL bytes only counts as a missing answer ({where}).",
                         "{n} cells hold NUL bytes, a sign of a damaged file; the NUL bytes were removed and a cell of "
                         "NUL bytes only counts as a missing answer ({where}).", total).format(
        n=format_number(total), where=where)


def _raw_column(name: str, col) -> RawColumn:
    """A RawColumn from a (chunked) Arrow column; dictionary chunks must share one dictionary."""
    if isinstance(col, pa.ChunkedArray):
        chunks = [c for c in col.chunks if len(c)]
    else:
        chunks = [col]
    if not chunks:
        return RawColumn(name, pa.array([], pa.string()), np.zeros(0, dtype=np.int32))
    if not isinstance(chunks[0].type, pa.DictionaryType):
        arr = pa.chunked_array(chunks).cast(pa.string()).combine_chunks().dictionary_encode()
        chunks = [arr]
    values = chunks[0].dictionary
    if values.type != pa.string():
        values = values.cast(pa.string())
    parts = [c.indices.to_numpy(zero_copy_only=False) for c in chunks]
    codes = parts[0].astype(np.int32, copy=False) if len(parts) == 1 else np.concatenate(parts).astype(np.int32, copy=False)
    counts = None
    if len(parts) > 1 and len(values) * len(parts) <= codes.size:
        # few distinct values: counting chunk by chunk (small, cache-friendly arrays) is cheaper
        counts = np.zeros(len(values), dtype=np.int64)
        for part in parts:
            counts += np.bincount(part, minlength=len(values))
    if values.null_count:
        values = pc.fill_null(values, "")
    return RawColumn(name, values, codes, counts)


# --------------------------------------------------------------------------------------------
# Excel


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if v != v:
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if hasattr(v, "isoformat"):
        s = v.isoformat(sep=" ") if hasattr(v, "hour") and hasattr(v, "year") else v.isoformat()
        return s[:-9] if s.endswith(" 00:00:00") else s
    return str(v)


def _table_start(rows: list[list[str]]) -> int | None:
    """Index of the header row of the first table on a sheet, or None for a cover sheet."""
    filled = [sum(1 for c in r if c.strip()) for r in rows]
    for i, n in enumerate(filled):
        if n >= 2:
            later = [m for m in filled[i + 1:] if m >= 2]
            if later and n + sum(later) >= 6:
                return i
            return None
    return None


def _read_xlsx(src: _Source, options: ImportOptions, limits: ImportLimits) -> RawTable:
    inspection = inspect_workbook(src.content(), limits, src.label)
    try:
        wb = CalamineWorkbook.from_path(str(src.path)) if src.path is not None else CalamineWorkbook.from_filelike(io.BytesIO(src.data))
        sheet_names = list(wb.sheet_names)
    except Exception:  # noqa: BLE001 - calamine raises several types for damaged files
        raise SurveyError(_("The file {label} is not a readable Excel .xlsx workbook.").format(label=src.label)) from None
    if not sheet_names:
        raise SurveyError(_("The workbook {label} has no sheets.").format(label=src.label))

    def sheet_rows(name: str) -> list[list[str]]:
        grid = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        rows = [[_cell_text(v) for v in r] for r in grid]
        while rows and not any(c.strip() for c in rows[-1]):
            rows.pop()
        return rows

    chosen, rows, start = None, [], None
    if options.sheet:
        wanted = [n for n in sheet_names if n == options.sheet] or [n for n in sheet_names if n.strip().casefold() == options.sheet.strip().casefold()]
        if not wanted:
            raise SurveyError(_("The workbook {label} has no sheet {sheet!r}; its sheets are: {items}.").format(label=src.label, sheet=options.sheet, items=', '.join(sheet_names)))
        chosen = wanted[0]
        rows = sheet_rows(chosen)
        start = next((i for i, r in enumerate(rows) if sum(1 for c in r if c.strip()) >= 2), None)
        if start is None:
            raise SurveyError(_("The sheet {chosen!r} of {label} holds no table.").format(chosen=chosen, label=src.label))
    else:
        for name in sheet_names:
            rows = sheet_rows(name)
            start = _table_start(rows)
            if start is not None:
                chosen = name
                break
        if chosen is None:
            raise SurveyError(_("No sheet of the workbook {label} holds a table (a header row and data rows).").format(label=src.label))
    notes = list(inspection.notes())
    if chosen != sheet_names[0] and not options.sheet:
        notes.append(_("Read the sheet {chosen!r}; the sheets before it hold no table.").format(chosen=chosen))
    rows = rows[start:]
    width = max(len(r) for r in rows)
    validate_table_size(len(rows), width, limits, src.label)
    rows = [r + [""] * (width - len(r)) for r in rows]
    preview = Preview(rows=tuple(tuple(r) for r in rows[:PREVIEW_ROWS]), file_name=src.name, kind="xlsx", sheet=chosen)
    layout = formats.detect(preview)
    header_row = layout.header_row if layout else 0
    data_start = layout.data_start if layout else 1
    if layout is not None:
        names, more = _clean_names(layout.columns, layout.drop_trailing_empty)
    else:
        names, more = _clean_names(rows[header_row])
    notes += more
    # trailing columns without a header and without data are not columns
    data = rows[data_start:]
    while len(names) > 1 and names[-1].startswith("column ") and not any(r[len(names) - 1].strip() for r in data):
        names.pop()
    data = [r for r in data if any(c.strip() for c in r)]
    if not data:
        raise SurveyError(_("The sheet {chosen!r} of {label} has a header but no data rows.").format(chosen=chosen, label=src.label))
    personal = set(layout.personal) if layout is not None and not options.keep_personal else set()
    columns, dropped = [], []
    for j, name in enumerate(names):
        if name in personal:
            dropped.append(name)
            continue
        arr = pa.array([r[j] if j < len(r) else "" for r in data], pa.string()).dictionary_encode()
        columns.append(_raw_column(name, arr))
    if dropped:
        notes.append(_("Personal data columns were not read: {items}.").format(items=', '.join(dropped)))
    return RawTable(
        columns=tuple(columns),
        n_rows=len(data),
        source={"file_name": src.name, "kind": "xlsx", "encoding": None, "delimiter": None, "sheet": chosen},
        preview=preview,
        layout=layout,
        dropped=tuple(dropped),
        notes=tuple(notes),
    )

