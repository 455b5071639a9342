"""CSV and Excel exports (cycle_analytics.export): formula injection is neutralised, types survive.

The workbook is read back with openpyxl (an independent reader) and its sheet XML is inspected.
The rule under test is OWASP's "CSV Injection" guidance: text cells beginning with = + - @ TAB CR
get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cycle_analytics.errors import SurveyError
from cycle_analytics.export import (
    neutralise_formulas,
    readable_header,
    sheet_name,
    to_csv_bytes,
    to_excel_bytes,
)

HOSTILE = '=HYPERLINK("http://example.invalid","x")'
STARTS = [HOSTILE, "+SUM(A1:A2)", "-1+2", "@cmd", "\t=1+1", "\r=1+1", "=1+1"]


def hostile_table() -> pd.DataFrame:
    n = len(STARTS)
    return pd.DataFrame(
        {
            "comment": pd.array(STARTS, dtype="str"),
            "stage": pd.Categorical(["=A"] * n, categories=["=A", "B"], ordered=True),
            "mixed": pd.Series(["-3", "@x", None, 4.5, "plain", "http://example.invalid", "a\nb \"q\""], dtype=object),
            "mean": np.array([-1.5, 0.0, 2.25, -0.001, np.nan, 1e6, 3.0]),
            "n": np.arange(n, dtype="int64") - 3,
            "flag": np.array([True, False] * 3 + [True]),
            "date": pd.to_datetime(["2026-01-0%d" % (i + 1) for i in range(n - 1)] + [None]).astype("datetime64[ns]"),
            "=cmd|' /C calc'!A0": pd.array(["x"] * n, dtype="str"),
        }
    )


def test_neutralise_formulas_prefixes_every_formula_start_and_leaves_numbers():
    df = hostile_table()
    out = neutralise_formulas(df)
    assert out["comment"].tolist() == ["'" + s for s in STARTS]
    assert out["stage"].tolist() == ["'=A"] * len(STARTS)
    assert out["mixed"].iloc[0] == "-3"  # a plain number written as text cannot be a formula
    assert out["mixed"].iloc[1] == "'@x"
    assert out["mixed"].iloc[3] == 4.5 and pd.isna(out["mixed"].iloc[2])
    pd.testing.assert_series_equal(out["mean"], df["mean"])
    pd.testing.assert_series_equal(out["n"], df["n"])
    pd.testing.assert_series_equal(out["date"], df["date"])
    assert list(out.columns)[-1] == "'=cmd|' /C calc'!A0"
    pd.testing.assert_frame_equal(df, hostile_table())  # the input is not modified


def test_csv_cells_start_with_an_apostrophe_and_parse_back():
    data = to_csv_bytes(hostile_table())
    assert data.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert header[-1] == "'=cmd|' /C calc'!A0"
    assert [r[0] for r in body] == ["'" + s for s in STARTS]
    assert all(r[1] == "'=A" for r in body)
    assert [r[2] for r in body] == ["-3", "'@x", "", "4.5", "plain", "http://example.invalid", 'a\nb "q"']
    assert [r[3] for r in body][:4] == ["-1.5", "0.0", "2.25", "-0.001"]
    assert [r[4] for r in body] == [str(i - 3) for i in range(len(STARTS))]
    # no cell of the file begins with a formula character unless it is a plain number
    for r in body:
        for cell in r:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet"))


@pytest.mark.parametrize("neutralise", [True, False])
def test_excel_hostile_text_is_inert(neutralise):
    data = to_excel_bytes({"Comments": hostile_table()}, neutralise=neutralise)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Comments"]
    prefix = "'" if neutralise else ""
    for i, text in enumerate(STARTS, start=2):
        cell = ws.cell(row=i, column=1)
        assert cell.data_type == "s", (text, cell.data_type)
        # xlsxwriter stores CR as the OOXML escape _x000D_, which Excel decodes and openpyxl does not
        assert cell.value.replace("_x000D_", "\r") == prefix + text
    xml = _sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere
    assert "hyperlink" not in xml.lower()  # the URL text did not become a link
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert not any("hyperlink" in z.read(n).decode("utf-8", "replace").lower() for n in z.namelist() if n.endswith(".rels"))
    # numbers stay numbers, booleans booleans, dates dates, missing values empty
    assert [ws.cell(row=i, column=4).value for i in range(2, 6)] == [-1.5, 0.0, 2.25, -0.001]
    assert ws.cell(row=2, column=4).data_type == "n"
    assert ws.cell(row=6, column=4).value is None
    assert ws.cell(row=2, column=5).value == -3 and ws.cell(row=2, column=5).data_type == "n"
    assert ws.cell(row=2, column=6).value is True
    assert ws.cell(row=2, column=7).is_date and ws.cell(row=2, column=7).value.date().isoformat() == "2026-01-01"
    assert ws.cell(row=8, column=7).value is None
    assert ws.cell(row=2, column=3).value == "-3" and ws.cell(row=2, column=3).data_type == "s"  # text stays text
    assert ws.cell(row=5, column=3).value == 4.5  # a number in a mixed column is a number


def test_excel_layout_headers_widths_frozen_row_and_sheet_names():
    scores = pd.DataFrame({"stage": ["Arrival", "A much longer stage name for width"], "top_box_pct": [70.0, 55.5],
                           "ci_low": [3.1, 2.9], "p_value": [0.01, 0.2], "n": [10, 20]})
    tables = {"Stage scores": scores, "Rejected rows": pd.DataFrame({"row": [3], "reason": ["bad"], "Q1 (raw)": ["x"]}),
              "a/b:c*d?[e]" + "x" * 40: scores.iloc[:0], "Stage scores ": scores}
    data = to_excel_bytes(tables)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:2] == ["Stage scores", "Rejected rows"]
    assert len(wb.sheetnames) == 4 and all(len(n) <= 31 for n in wb.sheetnames)
    assert not any(ch in n for n in wb.sheetnames for ch in "[]:*?/\\")
    assert len({n.lower().strip() for n in wb.sheetnames}) == 4
    ws = wb["Stage scores"]
    assert [c.value for c in ws[1]] == ["Stage", "Top box %", "CI low", "p value", "n"]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width > ws.column_dimensions["E"].width >= 6
    assert [c.value for c in wb["Rejected rows"][1]] == ["Row", "Reason", "Q1 (raw)"]
    assert wb.worksheets[2].max_row == 1  # empty table: header only


def test_readable_header_and_sheet_name():
    assert readable_header("score_100") == "Score 100"
    assert readable_header("bottom_box_pct") == "Bottom box %"
    assert readable_header("nps") == "NPS"
    assert readable_header("Overall satisfaction") == "Overall satisfaction"
    taken: set[str] = set()
    assert sheet_name("x" * 40, taken) == "x" * 31
    assert sheet_name("x" * 40, taken) == "x" * 27 + " (2)"


def test_excel_refuses_what_a_sheet_cannot_hold():
    with pytest.raises(SurveyError, match="more than an Excel sheet holds"):
        to_excel_bytes({"big": pd.DataFrame({"a": np.zeros(1_048_576, dtype=np.int8)})})
    with pytest.raises(SurveyError, match="at least one table"):
        to_excel_bytes({})
    with pytest.raises(SurveyError, match="must be a table"):
        to_csv_bytes([1, 2])
