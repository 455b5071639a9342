"""The command line reads a survey where it is held: Parquet files, a CSV glob, a DuckDB file, PostgreSQL.

Reference: ``python -m cycle_analytics analyze FILE.csv --json`` of the same survey imported in
memory. The survey of ``tests/engine_cases.py`` (survey A: comments, missing dates, a row without
a respondent id, an empty score and an unknown stage mixed in) is written as one long CSV; the same
rows as Parquet parts, a CSV glob, a DuckDB database table and a PostgreSQL table (tests/pg.py) are
analysed through the query engine, and the analysis part of the JSON (stages, outcome, critical
moments, penalties, importance with its bootstrap, priorities, segments, trends, notes) must equal
the in-memory one, with the same respondents and ratings counted.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from engine_cases import long_export, survey_of, wide_export

from cycle_analytics.cli import main

pytestmark = [
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    pytest.mark.filterwarnings("ignore:fetch_arrow_table\\(\\) is deprecated"),
]

ANALYSIS_KEYS = ("stages", "outcome", "settings", "critical_moments", "pain_points", "moments", "penalties", "importance",
                 "halo", "priorities", "segments", "trends", "notes")
OPTIONS = ["--na-values", "N/A", "--min-n", "20"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The long survey as one CSV, as its rows read back as text (what a warehouse table holds), as
    two Parquet parts, as two CSV parts; and the wide survey as a CSV and a Parquet file."""
    folder = tmp_path_factory.mktemp("engine-cli")
    answers, _ = long_export(survey_of("A"), seed=3)
    csv = folder / "long.csv"
    answers.to_csv(csv, index=False, date_format="%Y-%m-%d")
    text = pd.read_csv(csv, dtype=str, keep_default_na=False)  # every cell as the file's text ("" for empty)
    (folder / "parquet").mkdir()
    (folder / "csv").mkdir()
    table = pa.Table.from_pandas(text, preserve_index=False)
    half = len(text) // 2
    pq.write_table(table.slice(0, half), folder / "parquet" / "part-0.parquet")
    pq.write_table(table.slice(half), folder / "parquet" / "part-1.parquet")
    text.iloc[:half].to_csv(folder / "csv" / "part-0.csv", index=False)
    text.iloc[half:].to_csv(folder / "csv" / "part-1.csv", index=False)
    wide = wide_export(survey_of("A"))
    wide_csv = folder / "wide.csv"
    wide.to_csv(wide_csv, index=False, date_format="%Y-%m-%d")
    pq.write_table(pa.Table.from_pandas(pd.read_csv(wide_csv), preserve_index=False), folder / "wide.parquet")
    return {"csv": csv, "text": text, "folder": folder, "wide_csv": wide_csv}


def run(argv, capsys) -> tuple[int, dict | str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    try:
        return code, json.loads(captured.out), captured.err
    except ValueError:
        return code, captured.out, captured.err


_REFERENCE: dict = {}


def reference(files, capsys, *extra) -> dict:
    """``analyze --json`` of the CSV imported in memory (cached per option list)."""
    key = extra
    if key not in _REFERENCE:
        code, out, err = run(["analyze", str(files["csv"]), "--json", *OPTIONS, *extra], capsys)
        assert code == 0, err
        _REFERENCE[key] = out
    return _REFERENCE[key]


def assert_same_analysis(got: dict, expected: dict, *, filtered: bool = False) -> None:
    for key in ANALYSIS_KEYS:
        assert got[key] == expected[key], key
    # the file's dataset block counts the import before any filter; the engine's, what it analysed
    assert got["dataset"]["ratings"] == sum(s["n"] for s in expected["stages"])
    if not filtered:
        assert got["dataset"]["respondents"] == expected["dataset"]["respondents"]
        assert got["dataset"]["ratings"] == expected["dataset"]["ratings"]
    assert got["dataset"]["stages"] == expected["dataset"]["stages"]
    assert got["dataset"]["scale"] == expected["dataset"]["scale"]


def test_parquet_glob_gives_the_in_memory_analysis(files, capsys):
    code, got, err = run(["analyze", str(files["folder"] / "parquet" / "*.parquet"), "--json", *OPTIONS], capsys)
    assert code == 0, err
    assert err == ""  # a small table reports no progress
    expected = reference(files, capsys)
    assert_same_analysis(got, expected)
    assert expected["critical_moments"] or expected["pain_points"]  # the comparison is not of empty lists
    dataset = got["dataset"]
    assert dataset["engine"] == "duckdb" and dataset["format"] == "long"
    # every answer accounted for: the importer's rows read = the engine's answers read, the row
    # without an id rejected there and counted here
    assert dataset["answers_read"] == expected["dataset"]["rows_read"]
    assert dataset["answers"]["no_respondent"] == expected["dataset"]["rows_rejected"] == 1
    assert dataset["answers"]["empty"] == expected["dataset"]["no_answers"]


def test_csv_glob_parquet_folder_and_one_csv_read_by_duckdb(files, capsys):
    expected = reference(files, capsys)
    for target in ([files["folder"] / "csv" / "*.csv"], [files["folder"] / "parquet"], [files["csv"], "--engine"]):
        code, got, err = run(["analyze", *map(str, target), "--json", *OPTIONS], capsys)
        assert code == 0, err
        assert_same_analysis(got, expected)


def test_duckdb_file_by_url(files, capsys, tmp_path):
    path = tmp_path / "cx.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("frame", files["text"])
        con.execute("CREATE TABLE answers AS SELECT * FROM frame")
    code, got, err = run(["analyze", "--source", f"duckdb:///{path}", "--table", "answers", "--json", *OPTIONS], capsys)
    assert code == 0, err
    assert_same_analysis(got, reference(files, capsys))


def test_postgres_table_with_a_date_range_pushed_down(files, capsys, engine_pg_url):
    con = ibis.connect(engine_pg_url)
    con.raw_sql("CREATE SCHEMA IF NOT EXISTS cli")
    con.create_table("answers", files["text"], database="cli", overwrite=True)
    dates = ["--from", "2026-03-01", "--to", "2026-09-30"]
    code, got, err = run(["analyze", "--source", engine_pg_url, "--table", "cli.answers", "--json", *OPTIONS, *dates], capsys)
    assert code == 0, err
    expected = reference(files, capsys, *dates)
    assert_same_analysis(got, expected, filtered=True)
    assert got["dataset"]["respondents"] < reference(files, capsys)["dataset"]["respondents"]
    assert "2026-03-01" <= got["dataset"]["first_date"] <= got["dataset"]["last_date"] <= "2026-09-30"


def test_wide_parquet_and_plain_text(files, capsys):
    code, got, err = run(["analyze", str(files["folder"] / "wide.parquet"), "--json", *OPTIONS], capsys)
    assert code == 0, err
    code, expected, err = run(["analyze", str(files["wide_csv"]), "--json", *OPTIONS], capsys)
    assert code == 0, err
    assert_same_analysis(got, expected)
    assert got["dataset"]["format"] == "wide"
    code, text, _ = run(["analyze", str(files["folder"] / "wide.parquet"), *OPTIONS], capsys)
    assert code == 0
    assert text.startswith("Source: ") and "read by duckdb, wide layout" in text and "Answers read" in text
    assert "stage" in text and ("Critical moments:" in text or "No critical moment" in text)


@pytest.mark.parametrize(("argv", "message"), [
    (["analyze", "--table", "answers"], "give the database URL with --source"),
    (["analyze", "x.csv", "--source", "duckdb://"], "not both"),
    (["analyze", "--source", "duckdb://"], "Name the table"),
    (["analyze", "/nonexistent/*.parquet"], "No file matches"),
    (["analyze"], "Name a survey file"),
])
def test_bad_sources_get_one_sentence(argv, message, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_exclude_needs_the_rows_in_memory(files, capsys):
    code, _, err = run(["analyze", str(files["folder"] / "parquet"), "--exclude", "speeders"], capsys)
    assert code == 2 and "--exclude needs every respondent's answers in memory" in err


@pytest.fixture(scope="module")
def weighted_files(tmp_path_factory):
    """Survey W (weighted; its negative weights written as empty cells, as a weighting program
    leaves them) as one long CSV, as Parquet parts holding the same text, and as a DuckDB table."""
    folder = tmp_path_factory.mktemp("engine-cli-weighted")
    answers, _ = long_export(survey_of("W"), seed=4)
    answers["weight"] = answers["weight"].where(answers["weight"] >= 0)
    csv = folder / "weighted.csv"
    answers.to_csv(csv, index=False, date_format="%Y-%m-%d")
    text = pd.read_csv(csv, dtype=str, keep_default_na=False)
    (folder / "parquet").mkdir()
    pq.write_table(pa.Table.from_pandas(text, preserve_index=False), folder / "parquet" / "part-0.parquet")
    database = folder / "weighted.duckdb"
    with duckdb.connect(str(database)) as con:
        con.register("frame", text)
        con.execute("CREATE TABLE answers AS SELECT * FROM frame")
    return {"csv": csv, "parquet": folder / "parquet", "database": database}


def test_weighted_table_gives_the_weighted_in_memory_analysis(weighted_files, capsys):
    code, expected, err = run(["analyze", str(weighted_files["csv"]), "--json", *OPTIONS], capsys)
    assert code == 0, err
    assert expected["weight"]["column"] == "weight" and expected["weight"]["without_weight"] > 0  # proposed, with empty cells
    code, got, err = run(["analyze", str(weighted_files["parquet"]), "--json", *OPTIONS], capsys)  # proposed in the sample
    assert code == 0, err
    assert_same_analysis(got, expected)
    assert got["weight"] == expected["weight"] and got["dataset"]["weight_column"] == "weight"
    source = ["--source", f"duckdb:///{weighted_files['database']}", "--table", "answers"]
    code, chosen, err = run(["analyze", *source, "--weight", "weight", "--json", *OPTIONS], capsys)  # chosen by name
    assert code == 0, err
    assert_same_analysis(chosen, expected)
    assert chosen["weight"] == expected["weight"]


def test_no_weight_analyses_a_weighted_table_unweighted(weighted_files, capsys):
    code, expected, err = run(["analyze", str(weighted_files["csv"]), "--no-weight", "--json", *OPTIONS], capsys)
    assert code == 0, err
    source = ["--source", f"duckdb:///{weighted_files['database']}", "--table", "answers"]
    code, got, err = run(["analyze", *source, "--no-weight", "--json", *OPTIONS], capsys)
    assert code == 0, err
    assert_same_analysis(got, expected)
    assert got["weight"]["column"] is None and got["dataset"]["weight_column"] is None
    assert "n_eff" not in got["stages"][0]


def test_sfo_weight_read_from_parquet_gives_the_weighted_in_memory_analysis(tmp_path, capsys):
    """A real weighted survey (SFO customer survey 2017, wide, its WEIGHT column proposed): the same
    figures from its Parquet copy (every cell as text) read by the engine as from the CSV imported."""
    sfo = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "sfo_customer_survey_2017.csv"
    text = pd.read_csv(sfo, dtype=str, keep_default_na=False)
    pq.write_table(pa.Table.from_pandas(text, preserve_index=False), tmp_path / "sfo.parquet")
    code, expected, err = run(["analyze", str(sfo), "--json"], capsys)
    assert code == 0, err
    code, got, err = run(["analyze", str(tmp_path / "sfo.parquet"), "--json"], capsys)
    assert code == 0, err
    assert expected["weight"]["column"] == "WEIGHT" and got["weight"] == expected["weight"]
    for key in ANALYSIS_KEYS:
        assert got[key] == expected[key], key


def test_report_and_alerts_of_a_table_read_where_it_lies(files, capsys, tmp_path):
    """``report`` and ``alerts`` of the Parquet parts (the query engine) give the workbook's tables
    and the alerts of the same survey's CSV imported in memory; the report names the table."""
    import openpyxl

    parquet = files["folder"] / "parquet"
    for source, tag in ((files["csv"], "memory"), (parquet, "engine")):
        code, out, err = run(["report", str(source), "--html", str(tmp_path / f"{tag}.html"),
                              "--xlsx", str(tmp_path / f"{tag}.xlsx"), *OPTIONS], capsys)
        assert code == 0, err
    for sheet in ("Stage scores", "Critical moments", "Priorities"):
        got = pd.read_excel(tmp_path / "engine.xlsx", sheet_name=sheet, engine="openpyxl")
        expected = pd.read_excel(tmp_path / "memory.xlsx", sheet_name=sheet, engine="openpyxl")
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9)
    assert "Rejected rows" in openpyxl.load_workbook(tmp_path / "engine.xlsx").sheetnames
    html = (tmp_path / "engine.html").read_text(encoding="utf-8")
    assert "Service cycle report: parquet" in html and "the rejected rows (this needs the survey" in html

    # a cycle with a target above every stage's mean: an alert per stage
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text("name: Survey A\nscale: 1-5\nstages:\n" + "".join(
        f"  - name: {stage}\n    target: 4.9\n" for stage in ("Arrival", "Waiting", "Service", "Payment", "Departure")))
    alerts = {}
    for source, tag in ((files["csv"], "memory"), (parquet, "engine")):
        code, out, err = run(["alerts", str(source), "--json", "--cycle", str(cycle), *OPTIONS], capsys)
        assert code in (0, 1), err
        alerts[tag] = (code, out)
    assert alerts["engine"][0] == alerts["memory"][0]
    got, expected = alerts["engine"][1], alerts["memory"][1]
    assert got["file"] == "parquet" and got["exclusion"] is None
    for key in ("alerts", "checks", "period"):
        assert got[key] == expected[key], key
    assert expected["alerts"], "the comparison is not of empty lists"
