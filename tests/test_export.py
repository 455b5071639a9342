"""CSV and Excel exports (cycle_analytics.outputs.export): formula injection is neutralised, types survive.

The workbook is read back with openpyxl (an independent reader) and its sheet XML is inspected.
The rule under test is OWASP's "CSV Injection" guidance: text cells beginning with = + - @ TAB CR
get a leading apostrophe.
"""

from __future__ import annotations

import csv
import html
import io
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cycle_analytics.errors import SurveyError
from cycle_analytics.outputs.export import (
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


# ---------------------------------------------------------------------------------------------
# reports (cycle_analytics.outputs.report): the HTML report and the Excel workbook

from html.parser import HTMLParser  # noqa: E402

import plotly.graph_objects as go  # noqa: E402
import plotly.offline  # noqa: E402
from synth import make_survey  # noqa: E402

from cycle_analytics.stats.analysis import AnalysisSettings, analyze  # noqa: E402
from cycle_analytics.outputs.plans import plans_from_priorities  # noqa: E402
from cycle_analytics.outputs.report import SECTIONS, excel_report, html_report  # noqa: E402

EVIL_STAGE = "<script>alert(1)</script>"
REPORT_STAGES = ("Arrival", EVIL_STAGE, "Service & <b>pay</b>", "Departure")


@pytest.fixture(scope="module")
def analysed():
    import dataclasses

    s = make_survey(400, REPORT_STAGES, seed=3, penalties={EVIL_STAGE: 0.35})
    rejected = pd.DataFrame({"row": [5], "reason": pd.array(["score not a number"], dtype="str"),
                             "comment": pd.array([HOSTILE], dtype="str")})
    s = dataclasses.replace(s, rejected=rejected, info=dataclasses.replace(s.info, rows_rejected=1, rows_read=s.info.rows_read + 1))
    a = analyze(s, settings=AnalysisSettings(n_boot=10))
    plans = plans_from_priorities(a.priorities)
    plans.loc[0, ["action", "owner"]] = ["<img src=x onerror=alert(2)>", HOSTILE]
    return s, a, plans


class _Checker(HTMLParser):
    """Collects h2 headings and checks that container elements are balanced."""

    CONTAINERS = {"html", "head", "body", "main", "section", "div", "table", "thead", "tbody", "tr", "ul", "dl", "nav", "script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.h2: list[str] = []
        self._in_h2 = False
        self.errors: list[str] = []
        self.srcs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.srcs += [v for k, v in attrs if k in ("src", "href") and v and not v.startswith("#")]
        if tag in self.CONTAINERS:
            self.stack.append(tag)
        if tag == "h2":
            self._in_h2, self._text = True, ""

    def handle_endtag(self, tag):
        if tag in self.CONTAINERS:
            if not self.stack or self.stack[-1] != tag:
                self.errors.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
            else:
                self.stack.pop()
        if tag == "h2":
            self._in_h2 = False
            self.h2.append(self._text)

    def handle_data(self, data):
        if self._in_h2:
            self._text += data


def test_html_report_is_self_contained_escaped_and_complete(analysed):
    s, a, plans = analysed
    page = html_report(s, a, plans=plans, title="Report <for> Q1")
    js = plotly.offline.get_plotlyjs()
    assert page.count(js) == 1  # plotly.js inlined exactly once
    n_charts = page.count('class="plotly-graph-div"')
    assert n_charts >= 3  # journey, penalty, priority (+ trend)
    # every <script> is plotly.js or a chart's plotting call: none comes from data
    assert page.count("<script") == js.count("<script") + 1 + n_charts
    assert EVIL_STAGE not in page and "<img src=x" not in page and "<b>pay</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<title>Report &lt;for&gt; Q1</title>" in page

    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert not checker.errors and not checker.stack
    assert [t for t in checker.h2 if t != "Notes"] == [t for _, t in SECTIONS]
    assert checker.srcs == []  # nothing loaded from the network: it opens offline
    # the evidence sentences of the critical moments are there (escaped)
    crit = a.critical_moments
    assert EVIL_STAGE in set(crit["stage"].astype(str))  # the planted critical moment
    for sentence in crit["evidence"]:
        assert html.escape(sentence) in page
    for name in a.priorities["stage"].astype(str):
        assert html.escape(name) in page
    assert "Mann–Whitney" in page and "Holm" in page and "Martilla" in page  # method notes


def test_html_report_without_and_with_given_figures(analysed):
    s, a, _ = analysed
    bare = html_report(s, a, figures={})
    assert "<script" not in bare and "No action plans" in bare
    fig = go.Figure(go.Bar(x=[EVIL_STAGE, "</script><script>alert(3)</script>"], y=[1, 2], name=EVIL_STAGE))
    page = html_report(s, a, figures={"journey": fig, "custom </script>": go.Figure()})
    assert page.count(plotly.offline.get_plotlyjs()) == 1
    assert "alert(3)</script>" not in page and EVIL_STAGE not in page
    assert page.count('class="plotly-graph-div"') == 2
    with pytest.raises(SurveyError, match="not a Plotly figure"):
        html_report(s, a, figures={"x": "<svg/>"})
    with pytest.raises(SurveyError, match="analysis"):
        html_report(s, None)


def test_excel_report_has_every_table_and_inert_text(analysed):
    s, a, plans = analysed
    wb = openpyxl.load_workbook(io.BytesIO(excel_report(s, a, plans)))
    for sheet in ("Stage scores", "Critical moments", "Priorities", "Segments", "Trends", "Rejected rows", "Action plans"):
        assert sheet in wb.sheetnames
    ws = wb["Stage scores"]
    assert ws.max_row == len(a.scores) + 1 and ws["A1"].value == "Stage" and ws.freeze_panes == "A2"
    assert [c.value for c in ws["A"][1:]] == [str(x) for x in a.scores["stage"]]
    assert wb["Segments"].max_row == len(a.segments) + 1
    rej = wb["Rejected rows"]
    assert rej["C2"].value == "'" + HOSTILE and rej["C2"].data_type == "s"
    plan_ws = wb["Action plans"]
    owners = [c.value for c in plan_ws["D"][1:]]
    assert "'" + HOSTILE in owners
    assert "<f>" not in _sheet_xml(excel_report(s, a, plans))


def test_every_column_of_the_analysis_has_a_translated_header(analysed):
    """Each table of the workbook has headers in the reader's language: every column of every
    analysis table is one of KNOWN_HEADERS (extracted and translated), or a symbol written alike in
    every language; the Indonesian and Spanish catalogues translate each one."""
    import dataclasses

    from cycle_analytics.i18n import catalog
    from cycle_analytics.outputs.export import KNOWN_HEADERS, SYMBOL_HEADERS

    _, a, _ = analysed
    headers = {readable_header(c) for f in dataclasses.fields(a) if isinstance(getattr(a, f.name), pd.DataFrame)
               for c in getattr(a, f.name).columns}
    assert {"Alike with", "Own penalty", "Joint p value", "Coefficient"} <= headers
    assert headers - set(KNOWN_HEADERS) <= set(SYMBOL_HEADERS), sorted(headers - set(KNOWN_HEADERS) - set(SYMBOL_HEADERS))
    for language in ("id", "es"):
        entries = catalog(language)
        untranslated = [h for h in headers - set(SYMBOL_HEADERS) if entries.get(h) is None or not entries.get(h).string]
        assert not untranslated, (language, untranslated)
