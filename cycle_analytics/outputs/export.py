"""Safe CSV and Excel exports of the tidy tables.

Spreadsheet formula injection (OWASP "CSV Injection"): a spreadsheet treats a cell whose text
begins with ``=``, ``+``, ``-`` or ``@`` as a formula, and a leading tab or carriage return can
hide such a character. OWASP's rule, followed here: every *text* cell (and every header) that
begins with one of ``=  +  -  @  TAB (0x09)  CR (0x0D)`` gets a leading apostrophe ``'``, which
makes a spreadsheet show the cell as text; the CSV writer quotes cells holding a separator, a
quote or a line break, doubling embedded quotes. Numbers stay numbers: numeric, boolean and date
columns are never altered, and a text cell that is a plain number (``-3``, ``+1.5``, ``-2e3``) is
left alone, since a spreadsheet reads it as that number and never as a formula.

The Excel writer is belt and braces on top: xlsxwriter's ``strings_to_formulas``,
``strings_to_urls`` and ``strings_to_numbers`` are off and every text cell is written with
``write_string``, so no text can become a formula, a link or a number.

Examples
--------
>>> neutralise_formulas(pd.DataFrame({"comment": ["=1+1", "fine", "-2"], "n": [-1, 2, 3]})).to_dict("list")
{'comment': ["'=1+1", 'fine', '-2'], 'n': [-1, 2, 3]}
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import xlsxwriter

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, format_number, gettext as _

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
#: Headers written alike in every language (a statistic's symbol, an abbreviation).
SYMBOL_HEADERS = ("n", "%", "NPS", "SD")
_ABBREVIATIONS = {"pct": "%", "ci": "CI", "nps": "NPS", "sd": "SD", "id": "ID", "p": "p", "n": "n", "u": "U"}
#: The readable headers of the analysis' columns (English): listed so that Babel extracts them;
#: :func:`readable_header` writes them in the current language. Headers that are symbols in every
#: language (:data:`SYMBOL_HEADERS`) are not listed.
KNOWN_HEADERS = (
    N_("Item"), N_("Value"), N_("Stage"), N_("Order"), N_("Mean"), N_("SD"), N_("Median"), N_("CI low"),
    N_("CI high"), N_("Score 100"), N_("Top box %"), N_("Bottom box %"), N_("Small sample"), N_("Top box CI low"),
    N_("Top box CI high"), N_("Bottom box CI low"), N_("Bottom box CI high"), N_("Promoters %"),
    N_("Promoters CI low"), N_("Promoters CI high"), N_("Detractors %"), N_("Detractors CI low"),
    N_("Detractors CI high"), N_("Score"), N_("Count"), N_("Stage from"), N_("Stage to"), N_("n pairs"),
    N_("Mean from"), N_("Mean to"), N_("Mean change"), N_("Statistic"), N_("p value"), N_("Effect size"),
    N_("Verdict"), N_("Declared critical"), N_("Declared verdict"), N_("Penalty"), N_("p adjusted"), N_("n bad"),
    N_("Bad %"), N_("Evidence"), N_("Min penalty"), N_("Correction"), N_("Raw penalty"), N_("Raw p adjusted"),
    N_("Reward"), N_("Factor"), N_("Clean n"), N_("Clean n bad"), N_("Clean penalty"), N_("Model"),
    N_("Clean p adjusted"), N_("n top"), N_("Mean outcome bad"), N_("Mean outcome rest"), N_("Penalty CI low"),
    N_("Penalty CI high"), N_("Reward CI low"), N_("Reward CI high"), N_("Reward p value"), N_("Reward p adjusted"),
    N_("Raw penalty CI low"), N_("Raw penalty CI high"), N_("Raw p value"), N_("Raw reward"),
    N_("Raw reward CI low"), N_("Raw reward CI high"), N_("Raw reward p adjusted"), N_("Raw factor"),
    N_("Clean mean bad"), N_("Clean mean rest"), N_("Clean CI low"), N_("Clean CI high"), N_("Clean p value"),
    N_("Not rated effect"), N_("n middle"), N_("n missing outcome"), N_("n model"), N_("R squared"),
    N_("Outcome span"), N_("Alike group"), N_("Alike phi"), N_("Joint penalty"), N_("Joint CI low"), N_("Joint CI high"),
    N_("Joint p value"), N_("Own penalty"), N_("Alike with"), N_("Method"), N_("Weight"), N_("Coefficient"),
    N_("Importance CI low"), N_("Importance CI high"), N_("Rank"), N_("Importance"), N_("Importance scaled"), N_("Performance"), N_("Target 100"),
    N_("Gap"), N_("Priority score"), N_("Quadrant"), N_("Level"), N_("Stability top3"), N_("Importance p value"),
    N_("Importance mean"), N_("Performance mean"), N_("Action"), N_("Importance p adjusted"), N_("Scope"),
    N_("Language"), N_("Theme"), N_("Label"), N_("Key words"), N_("n comments"), N_("Share %"), N_("Mean rating"),
    N_("n rated"), N_("Mean sentiment"), N_("Negative %"), N_("n with"), N_("n without"), N_("Mean outcome with"),
    N_("Mean outcome without"), N_("U statistic"), N_("Rank biserial"), N_("Example 1"), N_("Example 2"),
    N_("Example 3"), N_("Segment"), N_("Rest mean"), N_("Diff vs rest"), N_("Flag"), N_("Too few"), N_("Rest n"),
    N_("n groups"), N_("Period"), N_("Period label"), N_("n undated"), N_("Period last"), N_("Period previous"),
    N_("n last"), N_("n previous"), N_("Mean last"), N_("Mean previous"), N_("Change"), N_("Test"),
    N_("Period label last"), N_("Period label previous"), N_("Row"), N_("Reason"), N_("Respondent ID"), N_("Date"),
    N_("Comment"), N_("Requirement"), N_("Owner"), N_("Due date"), N_("Status"),
)


def _validate_table(df, what: str | None = None) -> None:
    """Raise :class:`SurveyError` unless ``df`` is a DataFrame."""
    if not isinstance(df, pd.DataFrame):
        text = (_("The table to export must be a table (DataFrame), not {kind}.") if what is None else
                _("The table {name!r} to export must be a table (DataFrame), not {kind}."))
        raise SurveyError(text.format(name=what, kind=type(df).__name__))


def neutralise_cell(value):
    """``value`` with a leading apostrophe when a spreadsheet could read it as a formula.

    >>> neutralise_cell('=HYPERLINK("http://example.invalid","x")')
    '\\'=HYPERLINK("http://example.invalid","x")'
    >>> neutralise_cell("-2"), neutralise_cell(-2), neutralise_cell("@SUM(A1)")
    ('-2', -2, "'@SUM(A1)")
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER_RE.fullmatch(value):
        return "'" + value
    return value


def _is_text_column(s: pd.Series) -> bool:
    return not (
        pd.api.types.is_numeric_dtype(s)
        or pd.api.types.is_bool_dtype(s)
        or pd.api.types.is_datetime64_any_dtype(s)
        or pd.api.types.is_timedelta64_dtype(s)
    ) or (isinstance(s.dtype, pd.CategoricalDtype))


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` in which no text cell or header can be read as a spreadsheet formula.

    Text cells (in ``str``, ``object`` and categorical columns) beginning with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return get a leading apostrophe, unless the text is a plain
    number; headers likewise. Numeric, boolean and date columns are returned unchanged. Categorical
    columns become plain text columns.

    Parameters
    ----------
    df : DataFrame
        Any table.

    Returns
    -------
    DataFrame
        Same shape and row order.

    Examples
    --------
    >>> out = neutralise_formulas(pd.DataFrame({"@who": ["\\tx", None]}))
    >>> list(out.columns), out.iloc[0, 0], pd.isna(out.iloc[1, 0])
    (["'@who"], "'\\tx", True)
    """
    _validate_table(df)
    out = df.copy()
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if not _is_text_column(s):
            continue
        values = s.astype(object).to_numpy()
        needs = np.fromiter(
            (isinstance(v, str) and v.startswith(FORMULA_START) and not _NUMBER_RE.fullmatch(v) for v in values),
            dtype=bool,
            count=len(values),
        )
        if isinstance(s.dtype, pd.CategoricalDtype) or needs.any():
            if needs.any():
                values = values.copy()
                values[needs] = np.char.add("'", values[needs].astype(str)).astype(object)
            out.isetitem(i, pd.Series(values, index=out.index, dtype=object))
    out.columns = [neutralise_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def to_csv_bytes(df: pd.DataFrame, *, neutralise: bool = True) -> bytes:
    """``df`` as CSV bytes for spreadsheets: UTF-8 with a byte-order mark (so Excel reads the
    accents right), comma-separated, CRLF line ends (RFC 4180), formulas neutralised.

    >>> to_csv_bytes(pd.DataFrame({"a": ["=x", "ok"], "b": [1.5, None]}))
    b"\\xef\\xbb\\xbfa,b\\r\\n'=x,1.5\\r\\nok,\\r\\n"
    """
    _validate_table(df)
    out = neutralise_formulas(df) if neutralise else df
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def readable_header(name) -> str:
    """``snake_case`` column names in sentence case for people, in the current language when the
    header is one of :data:`KNOWN_HEADERS`; other names are kept as they are.

    >>> readable_header("top_box_pct"), readable_header("ci_low"), readable_header("Region")
    ('Top box %', 'CI low', 'Region')
    >>> from cycle_analytics.i18n import using_language
    >>> with using_language("es"):
    ...     readable_header("mean_change"), readable_header("branch")
    ('Cambio de la media', 'Branch')
    """
    text = str(name)
    if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", text):
        return text
    words = [_ABBREVIATIONS.get(w, w) for w in text.split("_")]
    first = words[0]
    if first not in ("p", "n", "%") and not first.isupper():  # p value and n keep their statistical case
        words[0] = first[:1].upper() + first[1:]
    header = " ".join(words)
    return _(header)


def sheet_name(name, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    base = _SHEET_BAD.sub("_", str(name)).strip().strip("'") or "Sheet"
    base = base[:31]
    candidate, k = base, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f" ({k})"
        candidate = base[: 31 - len(suffix)] + suffix
        k += 1
    taken.add(candidate)
    return candidate


def _cell_width(v) -> int:
    if v is None:
        return 0
    return max((len(line) for line in str(v).splitlines()), default=0)


def to_excel_bytes(tables: Mapping[str, pd.DataFrame], *, neutralise: bool = True) -> bytes:
    """An ``.xlsx`` workbook with one sheet per table.

    Headers are readable (``top_box_pct`` -> ``Top box %``), bold, in a frozen first row with an
    autofilter; columns are sized to their contents (at most 60 characters wide); numbers are
    numbers, dates are dates, missing values are empty cells, and text is always written as text
    (never a formula, link or number; see the module docstring).

    Parameters
    ----------
    tables : mapping of sheet name to DataFrame
        In sheet order. Names are made valid and unique for Excel.
    neutralise : bool
        Add the apostrophe of :func:`neutralise_formulas` to formula-like text too (default), so a
        copy-paste or a CSV export from the workbook stays inert.

    Examples
    --------
    >>> data = to_excel_bytes({"Stage scores": pd.DataFrame({"stage": ["A"], "mean": [4.2]})})
    >>> data[:2]
    b'PK'
    """
    if not isinstance(tables, Mapping) or not tables:
        raise SurveyError(_("The Excel export needs at least one table, given as a mapping of sheet name to table."))
    for name, df in tables.items():
        _validate_table(df, name)
        if len(df) + 1 > EXCEL_MAX_ROWS or df.shape[1] > EXCEL_MAX_COLS:
            raise SurveyError(
                _("The table {name!r} has {n} rows and {shape} columns, more than an Excel sheet holds ({EXCEL_MAX_ROWS} rows, {EXCEL_MAX_COLS} columns); export it as CSV instead.").format(name=name, n=format_number(len(df)), shape=df.shape[1], EXCEL_MAX_ROWS=format_number(EXCEL_MAX_ROWS - 1), EXCEL_MAX_COLS=EXCEL_MAX_COLS)
            )
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": False,
            "remove_timezone": True,
        },
    )
    header_fmt = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    taken: set[str] = set()
    for name, df in tables.items():
        ws = wb.add_worksheet(sheet_name(name, taken))
        frame = neutralise_formulas(df) if neutralise else df
        headers = [readable_header(c) for c in df.columns]
        if neutralise:
            headers = [neutralise_cell(h) for h in headers]
        for j, h in enumerate(headers):
            ws.write_string(0, j, h, header_fmt)
        for j in range(frame.shape[1]):
            col = frame.iloc[:, j]
            width = _cell_width(headers[j])
            if pd.api.types.is_datetime64_any_dtype(col) and not isinstance(col.dtype, pd.CategoricalDtype):
                ts = pd.DatetimeIndex(col)
                if ts.tz is not None:
                    ts = ts.tz_convert(None)
                with_time = bool(((ts - ts.normalize()) != pd.Timedelta(0))[~ts.isna()].any())
                fmt = datetime_fmt if with_time else date_fmt
                for i, v in enumerate(ts):
                    if not pd.isna(v):
                        ws.write_datetime(i + 1, j, v.to_pydatetime(), fmt)
                width = max(width, 19 if with_time else 10)
            elif pd.api.types.is_bool_dtype(col):
                for i, v in enumerate(col.to_numpy()):
                    ws.write_boolean(i + 1, j, bool(v))
                width = max(width, 5)
            elif pd.api.types.is_numeric_dtype(col) and not isinstance(col.dtype, pd.CategoricalDtype):
                values = col.to_numpy(dtype=float, na_value=np.nan)
                for i, v in enumerate(values):
                    if math.isfinite(v):
                        ws.write_number(i + 1, j, v)
                    elif not math.isnan(v):
                        ws.write_string(i + 1, j, "inf" if v > 0 else "-inf")
                sample = values[:1000]
                width = max(width, max((len(f"{v:.6g}") for v in sample if math.isfinite(v)), default=0))
            else:
                for i, v in enumerate(col.astype(object).to_numpy()):
                    _write_any(ws, i + 1, j, v, date_fmt, datetime_fmt)
                width = max(width, max((_cell_width(v) for v in col.astype(object).to_numpy()[:1000] if not is_missing(v)), default=0))
            ws.set_column(j, j, min(max(width + 2, 6), 60))
        ws.freeze_panes(1, 0)
        if frame.shape[1]:
            ws.autofilter(0, 0, max(len(frame), 1), frame.shape[1] - 1)
    wb.close()
    return buf.getvalue()


def is_missing(value) -> bool:
    """True for ``None``, NaN, ``NaT`` and ``pd.NA``; False for any other value (also one that
    ``pd.isna`` cannot judge, such as a list).

    >>> is_missing(None), is_missing(float("nan")), is_missing(pd.NaT), is_missing(""), is_missing([1, 2])
    (True, True, True, False, False)
    """
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _write_any(ws, row: int, col: int, v, date_fmt, datetime_fmt) -> None:
    """One cell of a text or mixed column: text as text, numbers as numbers, missing as empty."""
    if is_missing(v):
        return
    if isinstance(v, (bool, np.bool_)):
        ws.write_boolean(row, col, bool(v))
    elif isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        if math.isfinite(f):
            ws.write_number(row, col, f)
        else:
            ws.write_string(row, col, str(v))
    elif isinstance(v, (pd.Timestamp, dt.datetime)):
        t = pd.Timestamp(v)
        if t.tzinfo is not None:
            t = t.tz_convert(None)
        ws.write_datetime(row, col, t.to_pydatetime(), date_fmt if t == t.normalize() else datetime_fmt)
    elif isinstance(v, dt.date):
        ws.write_datetime(row, col, dt.datetime(v.year, v.month, v.day), date_fmt)
    else:
        ws.write_string(row, col, str(v))
