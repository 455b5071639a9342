"""File reading: encodings, delimiters, line ends, quoting, Excel sheets, unusable files, the formats seam.

The fixture below has 5 data rows (hand-counted); each variant of it must give the same counts.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import openpyxl
import pytest

import cycle_analytics.ingest.formats as formats
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.formats.base import ExportLayout
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.ingest.reading import quotes_may_span_lines, read_raw

ROWS = [
    ["id", "branch", "wait", "teller", "cash", "comment"],
    ["R1", "Café Nord", "4", "5", "3", "Très bien"],
    ["R2", "Süd", "2", "1", "1", "Slow, very slow"],
    ["R3", "Café Nord", "5", "4", "x", ""],  # cash 'x': an invalid answer, R3's other two ratings count
    ["R4", "Süd", "3", "3", "2", "line one\nline two"],
    ["R5", "Café Nord", "1", "2", "3", "He said \"no\""],
]
# -> 5 rows read, 5 accepted, 0 rejected, 14 ratings, 1 invalid answer (data row 3, cash), scale 1-5


def to_text(delim=",", newline="\n", rows=ROWS):
    out = []
    for r in rows:
        cells = []
        for c in r:
            if any(ch in c for ch in (delim, '"', "\n", ",")):
                c = '"' + c.replace('"', '""') + '"'
            cells.append(c)
        out.append(delim.join(cells))
    return newline.join(out) + newline


def check_fixture(s):
    i = s.info
    assert (i.rows_read, i.rows_accepted, i.rows_rejected, i.respondents, i.ratings) == (5, 5, 0, 5, 14)
    assert i.stages == ("wait", "teller", "cash")
    assert s.invalid.row.tolist() == [3] and s.invalid.column.tolist() == ["cash"]
    assert s.responses.comment.tolist()[0] == "Très bien"
    assert s.responses.comment.tolist()[3] == "line one\nline two"
    assert s.responses.comment.tolist()[4] == 'He said "no"'
    assert list(s.responses.branch.cat.categories) == ["Café Nord", "Süd"]


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_each_delimiter(delim):
    s = import_survey(to_text(delim).encode("utf-8"), file_name="x.csv")
    check_fixture(s)
    assert s.info.source["delimiter"] == delim


@pytest.mark.parametrize(
    "encoding,expected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8 with BOM"), ("utf-16", "utf-16"), ("cp1252", "cp1252"), ("latin-1", "cp1252")],
)
def test_each_encoding(encoding, expected):
    s = import_survey(to_text(";").encode(encoding), file_name="x.csv")
    check_fixture(s)
    assert s.info.source["encoding"] == expected


def test_utf16_big_endian_with_bom():
    data = codecs.BOM_UTF16_BE + to_text(",").encode("utf-16-be")
    check_fixture(import_survey(data, file_name="x.csv"))


def test_latin1_byte_undefined_in_cp1252():
    rows = [r[:] for r in ROWS]
    rows[1][5] = "odd \x81 byte"
    s = import_survey(to_text(",", rows=rows).encode("latin-1"), file_name="x.csv")
    assert s.info.source["encoding"] == "latin-1"
    assert s.responses.comment.tolist()[0] == "odd \x81 byte"


def test_crlf_and_embedded_newlines():
    s = import_survey(to_text(",", "\r\n").encode("utf-8"), file_name="x.csv")
    check_fixture_crlf = s.responses.comment.tolist()[3]
    assert check_fixture_crlf == "line one\nline two"  # the embedded newline is the cell's own
    assert s.info.rows_read == 5 and s.info.ratings == 14


def test_invalid_utf8_late_in_file_falls_back_to_cp1252():
    head = to_text(",").encode("utf-8")
    filler = "".join(f"R{i},Süd,3,3,3,ok\n" for i in range(6, 9000)).encode("utf-8")
    tail = "R9000,Süd,3,3,3,caf\xe9\n".encode("cp1252")
    s = import_survey(head + filler + tail, file_name="x.csv")
    assert s.info.rows_read == 5 + 8994 + 1
    assert s.responses.comment.tolist()[-1] == "caf\xe9"


def test_path_and_file_like_sources(tmp_path):
    p = tmp_path / "survey.csv"
    p.write_bytes(to_text(",").encode("utf-8"))
    check_fixture(import_survey(p))
    check_fixture(import_survey(str(p)))
    check_fixture(import_survey(io.BytesIO(p.read_bytes()), file_name="survey.csv"))


def test_ragged_rows_are_rejected_with_their_row_number():
    text = "id,a,b\nA,1,2\nB,2,3,4\nC\nD,4,5\n"
    s = import_survey(text.encode(), file_name="r.csv")
    i = s.info
    assert (i.rows_read, i.rows_accepted, i.rows_rejected) == (4, 2, 2)
    assert s.rejected.row.tolist() == [2, 3]
    assert s.rejected.reason.tolist() == ["the row has 4 cells where the header has 3", "the row has 1 cells where the header has 3"]
    assert s.rejected.loc[0, "b"] == "3,4"  # extra cells kept in the last column
    assert list(s.responses.response_id) == ["A", "D"]


# ---------------------------------------------------------------- unusable files


@pytest.mark.parametrize(
    "data,name,pattern",
    [
        (b"", "e.csv", r"^The file 'e.csv' is empty\.$"),
        (b"\n\n  \n", "e.csv", r"is empty\.$"),
        (b"id,a,b\n", "h.csv", r"^The file 'h.csv' has a header but no data rows\.$"),
        (b"id,a,b\r\n\r\n", "h.csv", r"has a header but no data rows\.$"),
        (bytes(range(256)) * 4, "b.csv", r"is not text"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", r"old Excel \.xls"),
        (b"PK\x03\x04junk", "bad.xlsx", r"not a readable Excel"),
        (b"name,city\nAnn,Paris\nBob,Rome\n", "n.csv", r"no rating columns"),
        (b'id,a\n1,2\n2,"3\n3,4\n', "q.csv", r"^The file 'q.csv' has a quote \(\"\) that is never closed, starting on line 3\.$"),
    ],
)
def test_unusable_files_give_one_sentence(data, name, pattern):
    with pytest.raises(SurveyError, match=pattern) as err:
        import_survey(data, file_name=name)
    msg = str(err.value)
    assert "\n" not in msg and msg.endswith(".")


def test_too_large_is_refused(tmp_path):
    p = tmp_path / "big.csv"
    p.write_bytes(to_text(",").encode() * 10)
    with pytest.raises(SurveyError, match=r"larger than the limit"):
        import_survey(p, ImportOptions(max_bytes=100))
    with pytest.raises(SurveyError, match=r"larger than the limit"):
        import_survey(p.read_bytes(), ImportOptions(max_bytes=100), file_name="big.csv")


def test_missing_path_is_a_sentence(tmp_path):
    with pytest.raises(SurveyError, match="does not exist"):
        import_survey(tmp_path / "nope.csv")


# ---------------------------------------------------------------- Excel


def xlsx_bytes(cover=True, title_rows=0):
    wb = openpyxl.Workbook()
    ws = wb.active
    if cover:
        ws.title = "Cover"
        ws["A1"] = "Customer survey 2024"
        ws["A3"] = "Prepared by"
        ws["B3"] = "Quality team"
        data = wb.create_sheet("Data")
    else:
        ws.title = "Data"
        data = ws
    for _ in range(title_rows):
        data.append(["Raw answers"])
    data.append(["id", "branch", "wait", "teller", "overall"])
    data.append(["R1", "North", 4, 5, 4])
    data.append(["R2", "South", 2.0, 1, 2])
    data.append(["R3", "North", 5, "x", 5])
    data.append([101, "South", 3, 3, 3])
    other = wb.create_sheet("Other")
    other.append(["id", "q"])
    other.append(["Z", 1])
    other.append(["Y", 2])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_skips_cover_sheet():
    s = import_survey(xlsx_bytes(), file_name="s.xlsx")
    i = s.info
    assert i.source["sheet"] == "Data" and i.source["kind"] == "xlsx"
    # R3's teller 'x' is an invalid answer; R3's wait 5 counts: 4 rows, 7 ratings
    assert (i.rows_read, i.rows_accepted, i.rows_rejected, i.ratings) == (4, 4, 0, 7)
    assert i.stages == ("wait", "teller") and i.outcome == "overall"
    assert list(s.responses.response_id) == ["R1", "R2", "R3", "101"]  # whole numbers read as text without ".0"
    assert s.invalid.reason.tolist() == ["'x' is not a number"] and s.invalid.row.tolist() == [3]


def test_xlsx_sheet_option_and_unknown_sheet():
    s = import_survey(xlsx_bytes(), ImportOptions(sheet="data"), file_name="s.xlsx")
    assert s.info.source["sheet"] == "Data"
    with pytest.raises(SurveyError, match=r"has no sheet 'Nope'; its sheets are: Cover, Data, Other\."):
        import_survey(xlsx_bytes(), ImportOptions(sheet="Nope"), file_name="s.xlsx")


def test_xlsx_title_row_above_table(tmp_path):
    p = tmp_path / "t.xlsx"
    p.write_bytes(xlsx_bytes(cover=False, title_rows=1))
    s = import_survey(p)
    assert s.info.rows_read == 4 and s.info.stages == ("wait", "teller")


# ---------------------------------------------------------------- the survey-tool seam


TOOL = (
    "ResponseId,Email,Status,Q1,Q2,Q3\n"
    "Response ID,Email address,Status,How was the wait?,How was the teller?,Overall how satisfied are you?\n"
    "R_1,a@x.org,IP,4,5,4\n"
    "R_2,b@x.org,IP,2,x,2\n"
    "R_3,c@x.org,IP,5,4,5\n"
)


def fake_detect(preview):
    if preview.rows and preview.rows[0][:1] == ("ResponseId",):
        header, questions = preview.rows[0], preview.rows[1]
        return ExportLayout(
            format="testtool",
            header_row=0,
            skip_rows=(1,),
            columns=tuple(header),
            questions=dict(zip(header, questions)),
            metadata=frozenset({"Status"}),
            personal=frozenset({"Email"}),
            id_column="ResponseId",
        )
    return None


def test_export_layout_seam(monkeypatch):
    seen = []
    monkeypatch.setattr(formats, "detect", lambda p: seen.append(p) or fake_detect(p))
    s = import_survey(TOOL.encode(), ImportOptions(outcome="Overall how satisfied are you?"), file_name="tool.csv")
    assert seen[0].rows[1][3] == "How was the wait?" and seen[0].delimiter == ","
    i = s.info
    assert i.format == "testtool"
    assert (i.rows_read, i.rows_accepted, i.rows_rejected) == (3, 3, 0)
    assert s.invalid.row.tolist() == [2]  # data rows only: the question row is not counted
    # exports without a cycle: stages named by their shortened question text (mapping.default_stage_names)
    assert i.stages == ("Wait", "Teller") and i.outcome == "Q3" and i.id_column == "ResponseId"
    roles = {c.column: c for c in i.columns}
    assert roles["Email"].role == "dropped_personal"
    assert "Email" not in s.rejected.columns and "Email" not in s.responses.columns and "a@x.org" not in s.invalid.value.tolist()
    assert roles["Q1"].question == "How was the wait?"
    assert roles["Status"].role == "ignored"


def test_export_layout_keep_personal_and_stage_by_question(monkeypatch):
    monkeypatch.setattr(formats, "detect", fake_detect)
    s = import_survey(TOOL.encode(), ImportOptions(keep_personal=True, stages=("How was the teller?",)), file_name="tool.csv")
    assert s.info.stages == ("Teller",)
    assert {c.column: c for c in s.info.columns}["Q2"].role == "stage"
    assert "Email" in s.rejected.columns


def test_preview_without_layout_is_plain():
    raw = read_raw(to_text(";").encode(), file_name="p.csv")
    assert raw.layout is None and raw.preview.rows[0][0] == "id" and raw.preview.delimiter == ";"
    assert len(raw.preview.rows) == 5


# ---------------------------------------------------------------- real exports


def test_real_exports_import_or_fail_with_one_sentence():
    """Every real file in ../shared/realdata imports (with the accounting identity) or is refused
    with one sentence; none raises anything else."""
    root = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
    files = sorted([*root.glob("*.csv"), *root.glob("*.tsv"), *root.glob("*/*.csv")])
    for path in files:
        try:
            s = import_survey(path)
        except SurveyError as err:
            assert "\n" not in str(err) and str(err).endswith("."), path.name
            continue
        i = s.info
        assert i.rows_read == i.rows_accepted + i.rows_rejected, path.name
        assert len(s.ratings) == i.ratings and len(s.responses) == i.respondents, path.name


def test_export_layout_trailing_delimiter(monkeypatch):
    # legacy exports end every line with a delimiter; the layout asks for the empty last cell to go
    text = "V1,Q1,Q2,\nResponseID,Wait?,Teller?,\nR_1,4,5,\nR_2,2,3,\n"

    def detect(preview):
        return ExportLayout(format="legacy", header_row=0, skip_rows=(1,), columns=("V1", "Q1", "Q2", ""),
                            questions={"Q1": "Wait?", "Q2": "Teller?"}, id_column="V1", drop_trailing_empty=True)

    monkeypatch.setattr(formats, "detect", detect)
    s = import_survey(text.encode(), file_name="legacy.csv")
    i = s.info
    assert (i.format, i.rows_read, i.rows_rejected, i.ratings) == ("legacy", 2, 0, 4)
    assert [c.column for c in i.columns] == ["V1", "Q1", "Q2"]


def test_line_break_check_only_skips_the_slow_parser_when_no_cell_can_hold_one():
    """The fast parse (no newlines_in_values) is used only when the only quotes are balanced ones on
    the header line; a quoted cell anywhere after it keeps the careful parse."""
    may_span = quotes_may_span_lines
    assert may_span(b"a,b\n1,2\n") is False
    assert may_span(b'"a","b"\n1,2\n') is False  # pyarrow-style quoted header only
    assert may_span(b'"a","b"\n1,"x\ny"\n') is True
    assert may_span(b'"a\nb",c\n1,2\n') is True  # a header cell with a line break
    assert may_span(b'a,b\n1,"2"\n') is True


def test_quoted_header_file_with_plain_rows_reads_exactly():
    data = b'"id","wait","money"\n' + b"".join(f"r{i},{1 + i % 5},{1 + (i * 2) % 5}\n".encode() for i in range(50))
    survey = import_survey(data, file_name="quoted_header.csv")
    assert survey.info.rows_read == 50 and survey.info.rows_rejected == 0
    assert list(survey.info.stages) == ["wait", "money"]
