"""One small hotel-stay survey written out in every survey-tool export format, as bytes.

The survey (:func:`small_survey`, fixed seed): 40 responses; a matrix question "How satisfied or
dissatisfied were you with each part of your stay?" with the rows Check-in, Room, Staff and
Check-out on 1-5; an overall satisfaction on 1-5; a 0-10 recommend question; a free-text comment
(with commas, quotes, a line break, accents, a leading "=" and ``<script>``). Some answers are
missing; in the exports that carry choice text a few missing answers are written ``N/A``, which
means no answer.

:func:`build_all` returns every variant (:data:`BUILDS`): Qualtrics (numeric codes; choice text;
legacy ``V1..Vn``; UTF-16 TSV), SurveyMonkey (cp1252 CSV; XLSX), Google Forms (CSV; XLSX),
Microsoft Forms (XLSX with quiz columns), Typeform (CSV), a plain wide CSV and a multi-sheet
workbook (cover sheet first). :func:`expected_stage_stats` gives each row label's ``n`` and mean
computed directly from the generated numbers: the reference every import must reproduce.

Examples
--------
>>> s = small_survey()
>>> len(s.ids), sorted(s.ratings)
(40, ['Check-in', 'Check-out', 'Room', 'Staff'])
>>> sorted(build_all())[:3]
['google_forms_csv', 'google_forms_xlsx', 'ms_forms_xlsx']
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import xlsxwriter
from python_calamine import CalamineWorkbook

from cycle_analytics.ingest.formats.base import Preview

ROWS = ("Check-in", "Room", "Staff", "Check-out")
MATRIX_Q = "How satisfied or dissatisfied were you with each part of your stay?"
OVERALL_Q = "Overall, how satisfied were you with your stay?"
RECOMMEND_Q = "How likely are you to recommend our hotel to a friend or colleague?"
COMMENT_Q = "Anything else you would like to tell us?"
# Typeform asks one question per stage: the hotel_stay template's stage questions.
TYPEFORM_QUESTIONS = {
    "Check-in": "How satisfied or dissatisfied were you with your check-in?",
    "Room": "How satisfied or dissatisfied were you with your room?",
    "Staff": "How satisfied or dissatisfied were you with the help you received from the staff during your stay?",
    "Check-out": "How satisfied or dissatisfied were you with your check-out?",
}
LABELS_5 = ("Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied")
COMMENTS = (
    "Great stay, thanks!",
    'The room was "fine", nothing more',
    "Café closed early\nbut the staff helped",
    "Staff’s help was excellent",
    "=1+1",
    "<script>alert(1)</script>",
    "",
    "",
)
# Expected figures of the plain data rows per build (header rows are not responses).
N_RESPONSES = 40


@dataclass(frozen=True)
class SmallSurvey:
    ids: tuple[str, ...]
    start: tuple[datetime, ...]
    end: tuple[datetime, ...]
    ratings: dict  # row label -> float array (NaN = not answered)
    na_mask: dict  # row label -> bool array: the missing answers written "N/A" in choice-text exports
    overall: np.ndarray
    recommend: np.ndarray
    comment: tuple[str, ...]


@dataclass(frozen=True)
class Built:
    name: str
    data: bytes
    file_name: str
    format: str  # expected ExportLayout.format, or "wide" for the plain files


def small_survey(n: int = N_RESPONSES, seed: int = 7) -> SmallSurvey:
    """The survey every build writes out (fixed seed, so every test sees the same numbers)."""
    rng = np.random.default_rng(seed)
    means = {"Check-in": 4.1, "Room": 3.6, "Staff": 4.4, "Check-out": 3.2}
    ratings, na_mask = {}, {}
    for i, r in enumerate(ROWS):
        v = np.clip(np.rint(rng.normal(means[r], 0.9, n)), 1, 5)
        miss = rng.random(n) < 0.1
        v[miss] = np.nan
        ratings[r] = v
        na = np.zeros(n, dtype=bool)
        na[np.flatnonzero(miss)[:1 + i % 2]] = True  # one or two of the missing ones are "N/A"
        na_mask[r] = na
    overall = np.clip(np.rint(np.nanmean(np.vstack(list(ratings.values())), axis=0) + rng.normal(0, 0.5, n)), 1, 5)
    recommend = np.clip(np.rint(overall * 2 + rng.normal(0, 1, n)), 0, 10)
    recommend[3] = np.nan
    t0 = datetime(2024, 3, 4, 9, 0, 0)
    start = tuple(t0 + timedelta(hours=int(7 * k), minutes=int(rng.integers(0, 59))) for k in range(n))
    end = tuple(s + timedelta(seconds=int(rng.integers(60, 600))) for s in start)
    return SmallSurvey(
        ids=tuple(f"R_{k:04d}" for k in range(n)),
        start=start,
        end=end,
        ratings=ratings,
        na_mask=na_mask,
        overall=overall,
        recommend=recommend,
        comment=tuple(COMMENTS[k % len(COMMENTS)] for k in range(n)),
    )


def expected_stage_stats(survey: SmallSurvey | None = None) -> dict[str, tuple[int, float]]:
    """Row label -> (n, mean) computed with numpy from the generated scores (the reference)."""
    s = survey or small_survey()
    return {r: (int(np.isfinite(v).sum()), float(np.nanmean(v))) for r, v in s.ratings.items()}


# ---------------------------------------------------------------------------------------------
# cell helpers


def _num(v) -> str:
    return "" if not np.isfinite(v) else str(int(v))


def _label(v, na: bool) -> str:
    if not np.isfinite(v):
        return "N/A" if na else ""
    return LABELS_5[int(v) - 1]


def _nps_text(v) -> str:
    if not np.isfinite(v):
        return ""
    v = int(v)
    return {0: "0 - Not at all likely", 10: "Extremely likely 10"}.get(v, str(v))


def _csv_bytes(rows, *, encoding="utf-8", delimiter=",", trailing=False, lineterminator="\r\n") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL)
    for r in rows:
        w.writerow(list(r) + ([""] if trailing else []))
    return buf.getvalue().encode(encoding)


def _xlsx_bytes(sheets: dict) -> bytes:
    """``sheets``: name -> list of rows (cells: str, int, float, datetime or None)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is None or (isinstance(v, float) and not np.isfinite(v)):
                    continue
                if isinstance(v, datetime):
                    ws.write_datetime(i, j, v, datefmt)
                elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                    ws.write_number(i, j, float(v))
                else:
                    ws.write_string(i, j, str(v))
    wb.close()
    return buf.getvalue()


def _ts(d: datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------------------------------------
# Qualtrics

_Q_SYSTEM = (
    ("StartDate", "Start Date", "startDate"), ("EndDate", "End Date", "endDate"), ("Status", "Response Type", "status"),
    ("IPAddress", "IP Address", "ipAddress"), ("Progress", "Progress", "progress"),
    ("Duration (in seconds)", "Duration (in seconds)", "duration"), ("Finished", "Finished", "finished"),
    ("RecordedDate", "Recorded Date", "recordedDate"), ("ResponseId", "Response ID", "_recordId"),
    ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
    ("RecipientFirstName", "Recipient First Name", "recipientFirstName"),
    ("RecipientEmail", "Recipient Email", "recipientEmail"),
    ("ExternalReference", "External Data Reference", "externalDataReference"),
    ("LocationLatitude", "Location Latitude", "locationLatitude"),
    ("LocationLongitude", "Location Longitude", "locationLongitude"),
    ("DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("UserLanguage", "User Language", "userLanguage"),
)


def _qualtrics_rows(s: SmallSurvey, *, choice_text: bool, tz: str | None = "Europe/Berlin"):
    ids = [c for c, _, _ in _Q_SYSTEM] + [f"Q1_{i + 1}" for i in range(len(ROWS))] + ["Q2", "Q3", "Q3_NPS_GROUP", "Q4"]
    texts = [t for _, t, _ in _Q_SYSTEM] + [f"{MATRIX_Q} - {r}" for r in ROWS] + [OVERALL_Q, RECOMMEND_Q, RECOMMEND_Q + " - Group", COMMENT_Q]
    imports = [k for _, _, k in _Q_SYSTEM] + [f"QID1_{i + 1}" for i in range(len(ROWS))] + ["QID2", "QID3", "QID3_NPS_GROUP", "QID4_TEXT"]

    def imp(k):
        d = {"ImportId": k}
        if tz and k in ("startDate", "endDate", "recordedDate"):
            d["timeZone"] = tz
        return json.dumps(d, separators=(",", ":"))

    rows = [ids, texts, [imp(k) for k in imports]]
    for k in range(len(s.ids)):
        rec = s.recommend[k]
        group = "" if not np.isfinite(rec) else ("Promoter" if rec >= 9 else "Passive" if rec >= 7 else "Detractor")
        if not choice_text and group:
            group = {"Detractor": "1", "Passive": "2", "Promoter": "3"}[group]
        system = [_ts(s.start[k]), _ts(s.end[k]), "IP Address" if choice_text else "0", f"10.0.{k // 250}.{k % 250}",
                  "100", str(int((s.end[k] - s.start[k]).total_seconds())), "True" if choice_text else "1",
                  _ts(s.end[k]), s.ids[k], "Doe", f"Guest{k}", f"guest{k}@example.com", "", "52.52", "13.40",
                  "anonymous", "EN"]
        if choice_text:
            answers = [_label(s.ratings[r][k], s.na_mask[r][k]) for r in ROWS]
            answers += [_label(s.overall[k], False), _nps_text(rec)]
        else:
            answers = [_num(s.ratings[r][k]) for r in ROWS] + [_num(s.overall[k]), _num(rec)]
        rows.append(system + answers + [group, s.comment[k]])
    return rows


def qualtrics_csv(s: SmallSurvey | None = None, *, choice_text: bool = False) -> bytes:
    """Current Qualtrics CSV: UTF-8 with BOM, three header rows, ImportId JSON with a time zone."""
    return _csv_bytes(_qualtrics_rows(s or small_survey(), choice_text=choice_text), encoding="utf-8-sig")


def qualtrics_tsv_utf16(s: SmallSurvey | None = None) -> bytes:
    """Qualtrics "TSV" download: UTF-16 (little endian, with BOM), tab-separated, numeric codes."""
    return _csv_bytes(_qualtrics_rows(s or small_survey(), choice_text=False, tz=None), encoding="utf-16", delimiter="\t")


def qualtrics_legacy_csv(s: SmallSurvey | None = None) -> bytes:
    """Legacy Qualtrics CSV: BOM, V1..V10 ids, two header rows, a trailing comma on every line."""
    s = s or small_survey()
    v_names = ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress", "Status",
               "StartDate", "EndDate", "Finished"]
    top = [f"V{i + 1}" for i in range(10)] + [f"Q1_{i + 1}" for i in range(len(ROWS))] + ["Q2", "Q3", "Q4",
                                                                                         "LocationLatitude", "LocationLongitude", "LocationAccuracy"]
    second = v_names + [f"{MATRIX_Q}-{r}" for r in ROWS] + [OVERALL_Q, RECOMMEND_Q, COMMENT_Q,
                                                             "LocationLatitude", "LocationLongitude", "LocationAccuracy"]
    rows = [top, second]
    for k in range(len(s.ids)):
        rows.append([s.ids[k], "Default Response Set", "Anonymous", "", "", f"10.0.0.{k}", "0", _ts(s.start[k]),
                     _ts(s.end[k]), "1"] + [_num(s.ratings[r][k]) for r in ROWS]
                    + [_num(s.overall[k]), _num(s.recommend[k]), s.comment[k], "52.52", "13.40", "-1"])
    return _csv_bytes(rows, encoding="utf-8-sig", trailing=True)


# ---------------------------------------------------------------------------------------------
# SurveyMonkey

_SM_SYSTEM = ("Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
              "Last Name", "Custom Data 1")


def _surveymonkey_rows(s: SmallSurvey, *, typed: bool):
    top = list(_SM_SYSTEM) + [MATRIX_Q] + [""] * (len(ROWS) - 1) + [OVERALL_Q, RECOMMEND_Q, COMMENT_Q]
    second = [""] * len(_SM_SYSTEM) + list(ROWS) + ["Response", "Response", "Open-Ended Response"]
    rows = [top, second]
    for k in range(len(s.ids)):
        rid = 11400000000 + k
        rec = s.recommend[k]
        system = [rid if typed else str(rid), 405000000 if typed else "405000000",
                  s.start[k].strftime("%m/%d/%Y %I:%M:%S %p"), s.end[k].strftime("%m/%d/%Y %I:%M:%S %p"),
                  f"10.1.0.{k}", "", "", "", ""]
        answers = [_label(s.ratings[r][k], s.na_mask[r][k]) for r in ROWS] + [_label(s.overall[k], False)]
        answers.append((float(rec) if typed else _num(rec)) if np.isfinite(rec) else "")
        rows.append(system + answers + [s.comment[k]])
    return rows


def surveymonkey_csv(s: SmallSurvey | None = None) -> bytes:
    """SurveyMonkey CSV in Windows-1252, two header rows, choice text for the matrix and overall."""
    return _csv_bytes(_surveymonkey_rows(s or small_survey(), typed=False), encoding="cp1252")


def surveymonkey_xlsx(s: SmallSurvey | None = None) -> bytes:
    """SurveyMonkey XLSX: the same two header rows on the first sheet, numbers stored as numbers."""
    return _xlsx_bytes({"Sheet": _surveymonkey_rows(s or small_survey(), typed=True)})


# ---------------------------------------------------------------------------------------------
# Google Forms


def _google_rows(s: SmallSurvey, *, typed: bool):
    header = ["Timestamp", "Email Address"] + [f"{MATRIX_Q} [{r}]" for r in ROWS] + [OVERALL_Q, RECOMMEND_Q, COMMENT_Q]
    rows = [header]
    for k in range(len(s.ids)):
        ts = s.end[k] if typed else s.end[k].strftime("%Y/%m/%d %-I:%M:%S %p GMT+1")
        answers = [_label(s.ratings[r][k], False) for r in ROWS]
        if typed:
            extra = [float(s.overall[k]), float(s.recommend[k]) if np.isfinite(s.recommend[k]) else None]
        else:
            extra = [_num(s.overall[k]), _num(s.recommend[k])]
        rows.append([ts, f"guest{k}@example.com"] + answers + extra + [s.comment[k]])
    return rows


def google_forms_csv(s: SmallSurvey | None = None) -> bytes:
    """Google Forms CSV download (UTF-8, no BOM): grid rows as ``Question [Row]`` with choice text."""
    return _csv_bytes(_google_rows(s or small_survey(), typed=False))


def google_forms_xlsx(s: SmallSurvey | None = None) -> bytes:
    """The Google Sheets responses sheet downloaded as XLSX (date and number cells typed)."""
    return _xlsx_bytes({"Form Responses 1": _google_rows(s or small_survey(), typed=True)})


# ---------------------------------------------------------------------------------------------
# Microsoft Forms (quiz)


def ms_forms_xlsx(s: SmallSurvey | None = None) -> bytes:
    """Microsoft Forms XLSX of a quiz: Likert rows as ``Question.Statement``, points and feedback columns."""
    s = s or small_survey()
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Total points", "Quiz feedback"]
    header += [f"{MATRIX_Q}.{r}" for r in ROWS]
    header += [OVERALL_Q, f"Points - {OVERALL_Q}", f"Feedback - {OVERALL_Q}", RECOMMEND_Q, COMMENT_Q]
    rows = [header]
    for k in range(len(s.ids)):
        rows.append([k + 1, s.start[k], s.end[k], "anonymous", "", 0, ""]
                    + [_label(s.ratings[r][k], s.na_mask[r][k]) for r in ROWS]
                    + [float(s.overall[k]), 0, "", float(s.recommend[k]) if np.isfinite(s.recommend[k]) else None,
                       s.comment[k]])
    return _xlsx_bytes({"Sheet1": rows})


# ---------------------------------------------------------------------------------------------
# Typeform


def typeform_csv(s: SmallSurvey | None = None) -> bytes:
    """Typeform CSV: ``#`` token first, one opinion-scale question per stage, system columns last."""
    s = s or small_survey()
    header = ["#"] + [TYPEFORM_QUESTIONS[r] for r in ROWS] + [OVERALL_Q, RECOMMEND_Q, COMMENT_Q,
                                                              "Start Date (UTC)", "Submit Date (UTC)", "Network ID"]
    rows = [header]
    for k in range(len(s.ids)):
        rows.append([f"tok{k:05d}x"] + [_num(s.ratings[r][k]) for r in ROWS]
                    + [_num(s.overall[k]), _num(s.recommend[k]), s.comment[k], _ts(s.start[k]), _ts(s.end[k]), f"net{k % 7}"])
    return _csv_bytes(rows, lineterminator="\n")


# ---------------------------------------------------------------------------------------------
# plain files

PLAIN_COLUMNS = ("response_id", "date", "check_in", "room", "staff", "check_out", "overall", "recommend", "comment")


def _plain_rows(s: SmallSurvey, *, typed: bool):
    rows = [list(PLAIN_COLUMNS)]
    for k in range(len(s.ids)):
        vals = [s.ratings[r][k] for r in ROWS] + [s.overall[k], s.recommend[k]]
        vals = [(float(v) if np.isfinite(v) else None) for v in vals] if typed else [_num(v) for v in vals]
        rows.append([s.ids[k], s.end[k].date().isoformat()] + vals + [s.comment[k]])
    return rows


def plain_wide_csv(s: SmallSurvey | None = None) -> bytes:
    """The same answers as a plain wide CSV (one column per stage, snake_case headers)."""
    return _csv_bytes(_plain_rows(s or small_survey(), typed=False))


def multi_sheet_xlsx(s: SmallSurvey | None = None) -> bytes:
    """A workbook with a cover sheet (a title and a note), the data sheet, then a notes sheet."""
    s = s or small_survey()
    return _xlsx_bytes({
        "About": [["Hotel guest survey, March 2024"], [], ["Exported for the service-cycle dashboard."]],
        "Responses": _plain_rows(s, typed=True),
        "Codes": [["1 = very dissatisfied, 5 = very satisfied"]],
    })


BUILDS = {
    "qualtrics_csv": (lambda s: qualtrics_csv(s), "qualtrics.csv", "qualtrics"),
    "qualtrics_choice_text_csv": (lambda s: qualtrics_csv(s, choice_text=True), "qualtrics_text.csv", "qualtrics"),
    "qualtrics_legacy_csv": (qualtrics_legacy_csv, "qualtrics_legacy.csv", "qualtrics"),
    "qualtrics_utf16_tsv": (qualtrics_tsv_utf16, "qualtrics.tsv", "qualtrics"),
    "surveymonkey_csv": (surveymonkey_csv, "surveymonkey.csv", "surveymonkey"),
    "surveymonkey_xlsx": (surveymonkey_xlsx, "surveymonkey.xlsx", "surveymonkey"),
    "google_forms_csv": (google_forms_csv, "Form Responses 1.csv", "google-forms"),
    "google_forms_xlsx": (google_forms_xlsx, "Form Responses.xlsx", "google-forms"),
    "ms_forms_xlsx": (ms_forms_xlsx, "Hotel survey(1-40).xlsx", "ms-forms"),
    "typeform_csv": (typeform_csv, "responses.csv", "typeform"),
    "plain_wide_csv": (plain_wide_csv, "hotel_wide.csv", "wide"),
    "multi_sheet_xlsx": (multi_sheet_xlsx, "hotel_workbook.xlsx", "wide"),
}


def build_all(survey: SmallSurvey | None = None) -> dict[str, Built]:
    """Every export of the same survey: name -> :class:`Built` (bytes, file name, expected format)."""
    s = survey or small_survey()
    return {name: Built(name, fn(s), file_name, fmt) for name, (fn, file_name, fmt) in BUILDS.items()}


# ---------------------------------------------------------------------------------------------
# An independent preview (not the project's reader): decode, split and take the first rows.


def preview_of(data: bytes, file_name: str = "", n_rows: int = 20):
    """A :class:`~cycle_analytics.ingest.formats.base.Preview` of ``data`` built with the standard library
    (csv) and python-calamine, so that the detectors are tested apart from ``reading.py``."""
    if data[:2] == b"PK":
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in wb.sheet_names:
            grid = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            rows = [[_text(v) for v in r] for r in grid]
            if sum(1 for r in rows if sum(1 for c in r if c.strip()) >= 2) >= 2:
                return Preview(tuple(tuple(r) for r in rows[:n_rows]), file_name=file_name, kind="xlsx", sheet=name)
        raise ValueError("no sheet with a table")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16")
    elif data[:3] == b"\xef\xbb\xbf":
        text = data[3:].decode("utf-8")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
    first = text.split("\n", 1)[0]
    delim = "\t" if first.count("\t") > first.count(",") else ","
    rows = []
    for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim):
        rows.append(tuple(r))
        if len(rows) >= n_rows:
            break
    return Preview(tuple(rows), file_name=file_name, kind="csv", delimiter=delim)


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    return str(v)
