"""Uploads inspected before they are trusted: limits, workbook inspection, streaming text checks, mixed
encodings, NUL bytes, the worker process with memory and time limits, the survey cache, and the one
escaping function.

Hostile files come from ``tests/hostile_files.py``; the same files against a real server are in
``tests/test_hostile_uploads.py``.
"""

from __future__ import annotations

import io
import re
import threading
import time
import zipfile

import hostile_files
import numpy as np
import pandas as pd
import pytest
import xlsxwriter

from app_support.escaping import WORD_JOINER, md_escape
from app_support.survey_cache import SurveyCache
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest import sandbox
from cycle_analytics.ingest.encodings import decode_by_line, scan_encoding
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.ingest.limits import (MB, ImportLimits, inspect_workbook, scan_text, size_text,
                                           validate_table_size)
from cycle_analytics.ingest.reading import read_raw

# ---------------------------------------------------------------- settings


def test_limits_come_from_the_environment_with_a_sentence_for_bad_values():
    limits = ImportLimits.from_environment({"CYCLE_ANALYTICS_MAX_COLUMNS": "800", "CYCLE_ANALYTICS_PARSE_MEMORY_MB": "512",
                                            "CYCLE_ANALYTICS_PARSE_SECONDS": "30.5", "CYCLE_ANALYTICS_MAX_ZIP_RATIO": ""})
    assert (limits.max_columns, limits.parse_memory_bytes, limits.parse_seconds, limits.max_zip_ratio) == (800, 512 * MB, 30.5, 100.0)
    with pytest.raises(SurveyError, match=r"^The setting CYCLE_ANALYTICS_MAX_ROWS must be a number, not 'many'\.$"):
        ImportLimits.from_environment({"CYCLE_ANALYTICS_MAX_ROWS": "many"})
    with pytest.raises(SurveyError, match="must be more than 0"):
        ImportLimits.from_environment({"CYCLE_ANALYTICS_MAX_CELLS": "0"})


def test_table_size_sentences_name_the_limit():
    limits = ImportLimits(max_rows=10, max_columns=5, max_cells=30)
    validate_table_size(10, 3, limits, "'ok.csv'")
    with pytest.raises(SurveyError, match=r"has 6 columns, over the import limit of 5 columns"):
        validate_table_size(1, 6, limits, "'x.csv'")
    with pytest.raises(SurveyError, match=r"has 11 rows, over the import limit of 10 rows"):
        validate_table_size(11, 1, limits, "'x.csv'")
    with pytest.raises(SurveyError, match=r"10 rows × 4 columns \(40 cells\), over the import limit of 30 cells"):
        validate_table_size(10, 4, limits, "'x.csv'")


# ---------------------------------------------------------------- text, streamed


def test_scan_text_finds_the_longest_line_across_chunks_and_refuses_an_over_long_one():
    lines = [b"x" * n for n in (10, 5000, 20, 3)]
    data = b"\n".join(lines) + b"\n"
    scan = scan_text(data, ImportLimits())
    assert (scan.longest_line, scan.longest_line_number, scan.lines) == (5001, 2, 4)
    assert scan.block_size() == MB
    assert scan_text(b"a\nbb", ImportLimits()).lines == 2  # an unterminated last line counts
    with pytest.raises(SurveyError) as err:
        scan_text(data, ImportLimits(max_line_bytes=1000), "'x.csv'")
    assert str(err.value).startswith("Line 2 of the file 'x.csv' is 5 KB long, over the import limit of 1 KB for one line")


def test_one_huge_line_is_refused_before_it_is_parsed(tmp_path):
    name, data = hostile_files.one_long_line(3 * MB)
    path = tmp_path / name
    path.write_bytes(data)
    for source in (data, path):
        with pytest.raises(SurveyError, match=r"^Line 1 of the file 'one_line\.csv' is (at least )?\d[.\d]* MB long, over the import limit of 1\.0 MB"):
            read_raw(source, file_name=name, limits=ImportLimits(max_line_bytes=MB))


def test_a_header_wider_than_the_first_block_is_read_whole():
    names = [f"Question {j}: how satisfied were you with part {j} of your visit?" for j in range(1500)]  # ~100 KB
    rows = [",".join(["id", *names])] + [",".join([f"r{i}", *[str(1 + (i + j) % 5) for j in range(1500)]]) for i in range(3)]
    raw = read_raw("\n".join(rows).encode(), file_name="wide.csv")
    assert raw.names[-1] == names[-1] and len(raw.names) == 1501 and raw.n_rows == 3


@pytest.mark.parametrize("n_columns", [10_000, 100_000])
def test_ten_and_a_hundred_thousand_columns_get_a_sentence(n_columns):
    name, data = hostile_files.wide_csv(n_columns)
    with pytest.raises(SurveyError) as err:
        import_survey(data, file_name=name)
    assert str(err.value) == (f"The file '{name}' has {n_columns + 1:,} columns, over the import limit of 5,000 columns; "
                              "keep only the survey's columns (questions, id, date, segments) and upload it again.")


# ---------------------------------------------------------------- encodings and NUL bytes


def test_mixed_encodings_are_decoded_line_by_line_and_the_segment_is_not_split():
    name, data = hostile_files.mixed_encodings()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    s = import_survey(data, file_name=name)
    assert sorted(s.responses["branch"].cat.categories) == ["Nörthgäte", "Süd"]
    assert (s.responses["branch"] == "Nörthgäte").sum() == 100
    note = next(n for n in s.info.notes if "mixes encodings" in n)
    assert note == ("The file mixes encodings: lines 9, 42, 43 (3 of 201) are not UTF-8 and were read as "
                    "Windows-1252 (cp1252); the other lines as UTF-8.")


def test_a_cp1252_head_with_utf8_lines_later_is_mixed_too():
    lines = ["id,branch,wait,teller"] + [f"r{i},{'Nörthgäte' if i % 2 else 'Süd'},{1 + i % 5},{1 + i % 3}" for i in range(40)]
    data = b"".join((line + "\n").encode("cp1252" if k < 20 else "utf-8") for k, line in enumerate(lines))
    s = import_survey(data, file_name="m.csv")
    assert sorted(s.responses["branch"].cat.categories) == ["Nörthgäte", "Süd"]


def test_a_plain_cp1252_file_is_not_called_mixed():
    data = "id,branch,wait\nr1,Nörthgäte,4\nr2,Süd,3\n".encode("cp1252")
    scan = scan_encoding(data)
    assert not scan.mixed and scan.n_other == 2 and scan.note() == ""
    s = import_survey(data, file_name="c.csv")
    assert s.info.source["encoding"] == "cp1252" and not any("mixes" in n for n in s.info.notes)


def test_a_line_mixing_both_encodings_is_read_part_by_part_and_named():
    line = "r9,".encode() + "Nörth".encode("utf-8") + "gäte".encode("cp1252") + b",4\n"
    data = "id,branch,wait\nr1,Süd,3\n".encode() + line
    scan = scan_encoding(data)
    assert scan.mixed and scan.within_lines == (3,)
    assert decode_by_line(data).decode("utf-8").splitlines()[2] == "r9,Nörthgäte,4"
    assert "Line 3 mixes both within the line" in scan.note()


def test_nul_bytes_in_a_few_date_cells_keep_the_good_dates_and_are_counted():
    name, data = hostile_files.nul_dates(n=300, bad=(2, 4, 6))
    s = import_survey(data, file_name=name)
    assert "date" in s.responses.columns
    assert s.responses["date"].notna().sum() == 297
    assert any(n.startswith("3 cells hold NUL bytes, a sign of a damaged file") and "('date': 3)" in n for n in s.info.notes)


def test_nul_bytes_inside_a_value_do_not_split_a_segment():
    rows = [f"r{i},{'No' + chr(0) + 'rth' if i == 50 else ('North' if i % 2 else 'South')},{1 + i % 5}" for i in range(200)]
    raw = read_raw(("id,branch,wait\n" + "\n".join(rows) + "\n").encode(), file_name="n.csv")
    col = raw.column("branch")
    assert sorted(col.values.to_pylist()) == ["North", "South"]
    assert col.cells().tolist()[49:52] == ["North", "North", "North"]
    assert any("1 cell holds NUL bytes" in n for n in raw.notes)


def test_utf16_without_byte_order_mark_is_read():
    name, data = hostile_files.utf16_without_bom()
    s = import_survey(data, file_name=name)
    assert s.info.source["encoding"] == "utf-16-le" and s.info.respondents == 60
    assert sorted(s.responses["branch"].cat.categories) == ["Nörthgäte", "Süd"]


# ---------------------------------------------------------------- workbooks, inspected before they are opened


def test_the_zip_bomb_is_refused_from_its_directory_alone():
    name, data = hostile_files.zip_bomb(200)
    t = time.perf_counter()
    with pytest.raises(SurveyError, match=r"holds a part compressed [\d,]+ to 1, over the import limit of 100 to 1"):
        import_survey(data, file_name=name)
    assert time.perf_counter() - t < 2


def test_a_workbook_unpacking_to_more_than_the_limit_is_not_opened():
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet("Survey")
    rng = np.random.default_rng(3)
    for i in range(3000):
        ws.write_row(i, 0, rng.integers(1, 6, 20).tolist())
    wb.close()
    data = buf.getvalue()
    total = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(data)).infolist())
    with pytest.raises(SurveyError, match=rf"would unpack to {size_text(total)}, over the import limit of 100 KB"):
        inspect_workbook(data, ImportLimits(max_unzipped_bytes=100 * 1024), "'big.xlsx'")
    found = inspect_workbook(data, ImportLimits(), "'big.xlsx'")
    assert [(s.name, s.rows, s.columns) for s in found.sheets] == [("Survey", 3000, 20)] and not found.has_macros


def test_the_sparse_workbook_claiming_the_whole_grid_is_refused_before_the_reader_allocates_it():
    name, data = hostile_files.sparse_dimension_workbook()
    assert len(data) < 2000
    with pytest.raises(SurveyError) as err:
        import_survey(data, file_name=name)
    assert str(err.value).startswith("The sheet 'Survey' of the workbook 'sparse.xlsx' says it spans 1,048,576 rows × "
                                     "16,384 columns (16,384 columns, over the import limit of 5,000 columns); it was not opened.")
    with pytest.raises(SurveyError, match=r"\(17,179,869,184 cells, over the import limit of 100,000,000 cells\)"):
        inspect_workbook(data, ImportLimits(max_columns=20_000), "'sparse.xlsx'")


def test_macros_are_not_run_and_the_workbook_says_so():
    name, data = hostile_files.macro_workbook()
    s = import_survey(data, file_name=name)
    assert s.info.respondents == 30
    assert "The workbook holds macros (VBA); they were not run, only the cell values were read." in s.info.notes


def test_a_damaged_zip_is_one_sentence():
    with pytest.raises(SurveyError, match=r"^The file 'x\.xlsx' is not a readable Excel \.xlsx workbook\.$"):
        import_survey(b"PK\x03\x04" + b"\x00" * 100, file_name="x.xlsx")


# ---------------------------------------------------------------- the worker process


def test_the_worker_returns_the_same_survey_as_the_import_in_this_process():
    name, data = hostile_files.mixed_encodings()
    here = import_survey(data, file_name=name)
    there = sandbox.import_isolated(data, file_name=name)
    pd.testing.assert_frame_equal(here.ratings, there.ratings)
    pd.testing.assert_frame_equal(here.responses, there.responses)
    assert here.info == there.info


def test_a_reader_that_runs_out_of_memory_kills_only_its_worker():
    name, data = hostile_files.far_cells_workbook()  # the Excel reader allocates the whole grid: it aborts
    limits = ImportLimits(parse_memory_bytes=512 * MB)
    with pytest.raises(SurveyError) as err:
        sandbox.import_isolated(data, file_name=name, limits=limits)
    assert str(err.value).startswith("Reading the file 'far_cells.xlsx' needed more than the memory limit of 512 MB for one "
                                     "import, so it was stopped")
    name, data = hostile_files.utf16_without_bom()
    assert sandbox.import_isolated(data, file_name=name, limits=limits).info.respondents == 60  # the next one works


def test_a_parse_over_the_time_limit_is_stopped():
    rows = "\n".join(f"r{i},{1 + i % 5},{1 + i % 3}" for i in range(400_000))
    data = ("id,wait,teller\n" + rows + "\n").encode()
    with pytest.raises(SurveyError, match=r"took longer than the time limit of 0\.05 seconds for one import, so it was stopped"):
        sandbox.import_isolated(data, file_name="slow.csv", limits=ImportLimits(parse_seconds=0.05))


def test_imports_wait_for_a_free_worker_and_say_when_the_server_is_busy():
    limits = ImportLimits(parallel_imports=1, parse_seconds=0.2)
    slot = sandbox.import_slot(limits)
    assert slot.acquire(timeout=1)
    try:
        with pytest.raises(SurveyError, match=r"^The server is busy reading 1 other file; try again in a minute\.$"):
            sandbox.import_isolated(b"id,a\nr,1\n", file_name="x.csv", limits=limits)
    finally:
        slot.release()


# ---------------------------------------------------------------- the survey cache


def test_the_cache_keeps_within_its_byte_budget_least_recently_used_out_first():
    cache = SurveyCache(budget_bytes=100)
    for k in "abc":
        cache.get(k, lambda k=k: [k], size=lambda v: 40)
    assert cache.total_bytes == 80 and len(cache) == 2  # "a", the least recently used, went out
    calls = []
    assert cache.get("b", lambda: calls.append(1) or ["again"], size=lambda v: 40) == ["b"] and calls == []
    assert cache.get("a", lambda: calls.append(1) or ["a, again"], size=lambda v: 40) == ["a, again"] and calls == [1]
    assert cache.total_bytes == 80 and len(cache) == 2


def test_the_cache_shares_one_computation_between_sessions_asking_at_once():
    cache = SurveyCache(budget_bytes=10**9)
    calls, results = [], []
    gate = threading.Event()

    def slow():
        calls.append(1)
        gate.wait(5)
        return ["survey"]

    threads = [threading.Thread(target=lambda: results.append(cache.get("k", slow, size=lambda v: 1))) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    gate.set()
    for t in threads:
        t.join(10)
    assert calls == [1] and len(results) == 8 and all(r is results[0] for r in results)


def test_idle_entries_are_dropped_and_an_entry_still_held_by_a_session_is_shared_again():
    cache = SurveyCache(budget_bytes=10**9, idle_seconds=10)

    class Survey:  # any weakly referenceable object
        pass

    held = cache.get("held", Survey, size=lambda v: 1)
    cache.get("dropped", Survey, size=lambda v: 1)
    assert cache.sweep(now=time.monotonic() + 11) == 2 and len(cache) == 0
    again = cache.get("held", lambda: pytest.fail("computed twice"), size=lambda v: 1)
    assert again is held  # a session still holds it: shared, not recomputed
    computed = []
    cache.get("dropped", lambda: computed.append(1) or Survey(), size=lambda v: 1)
    assert computed == [1]


def test_a_quality_report_is_sized_by_its_flag_table_and_shared_between_sessions():
    """The per-respondent flags of a survey (one row per respondent) count against the cache's byte
    budget like the survey does, and two sessions on the same file get one object."""
    from app_support import screening
    from app_support.survey_cache import shared_cache, survey_bytes

    survey = import_survey(hostile_files.wide_csv(6, n_rows=300)[1], file_name="wide.csv")
    first = screening.quality_flags("test:quality-size", (), 0.5, survey)
    assert survey_bytes(first) == int(first.flags.memory_usage(deep=True, index=True).sum()) > 300 * 4
    again = screening.quality_flags("test:quality-size", (), 0.5, survey)
    assert again is first
    shared_cache().discard(lambda k: k[:2] == ("quality", "test:quality-size"))


# ---------------------------------------------------------------- one escaping function


@pytest.mark.parametrize("text, must_not_contain", [
    ("**bold** _it_ ~~strike~~ `code`", ["**", " _it_", "~~", "`c"]),
    ("[link](http://evil.example)", ["[link]("]),
    ("$x^2$ and $$y$$", ["$x", "$$"]),
    ("<b>html</b> &amp;", ["<b>", "&amp;"]),
    (":material/home: icon", [":material/"]),
    (":smile: :streamlit: emoji", [":smile:", ":streamlit:"]),
    (":red[red] :blue-background[bg] :small[s]", [":red[", ":blue-background[", ":small["]),
    ("www.evil.example and ann@evil.example", ["www.", "@evil.example"]),
    ("# heading", ["# "]),
    ("1. first", ["1. "]),
])
def test_md_escape_breaks_every_markup_and_keeps_the_text(text, must_not_contain):
    out = md_escape(text)
    unescaped = re.sub(r"\\.", "", out)  # what is left once every backslash-escaped character is taken out
    for bad in must_not_contain:
        assert bad not in unescaped, (text, out)
    assert out.replace("\\", "").replace(WORD_JOINER, "") == text


def test_md_escape_keeps_plain_sentences_and_puts_everything_on_one_line():
    sentence = "There is no saved survey at this link: try again (later)."
    assert md_escape(sentence).replace("\\", "") == sentence and "\n" not in md_escape("a\nb\r\nc")
