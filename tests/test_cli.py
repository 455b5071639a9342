"""Command-line contract of ``python -m cycle_analytics analyze`` and ``report``, and the package's public API.

Runs the real command in a subprocess, as other tools will. Expected counts for the bank sample are
the ones documented in data/sample/README.md (made by data/sample/make_samples.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "data" / "sample" / "bank_visit_long.csv"
LIFECYCLE = ROOT / "data" / "sample" / "customer_lifecycle_wide.csv"


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cycle_analytics", "analyze", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def bank_json() -> dict:
    proc = run_cli(str(BANK), "--cycle", "bank_visit", "--na-values", "N/A", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_json_dataset_block_matches_documented_counts(bank_json):
    ds = bank_json["dataset"]
    # data/sample/README.md: rows read 9,042 = accepted 9,040 + rejected 2; answers read 9,040 = 9,005
    # ratings + 30 no answer + 5 invalid; 1,200 respondents
    assert ds["format"] == "long"
    assert (ds["rows_read"], ds["rows_accepted"], ds["rows_rejected"]) == (9042, 9040, 2)
    assert ds["rows_read"] == ds["rows_accepted"] + ds["rows_rejected"]
    assert (ds["answers_read"], ds["no_answers"], ds["invalid_answers"]) == (9040, 30, 5)
    assert ds["answers_read"] == ds["ratings"] + ds["no_answers"] + ds["invalid_answers"]
    assert ds["respondents"] == 1200
    assert ds["ratings"] == 9005
    assert ds["scale"] == [1, 5]
    assert ds["outcome"] == "overall_satisfaction"
    assert ds["stages"][0] == "Getting to the branch"
    assert ds["stages"][-1] == "Leaving the branch"
    assert len(ds["stages"]) == 8


def test_json_rejected_rows_and_invalid_answers_have_row_numbers_and_reasons(bank_json):
    rejected = {r["row"]: r["reason"] for r in bank_json["rejected"]}
    invalid = {r["row"]: (r["column"], r["value"], r["reason"]) for r in bank_json["invalid"]}
    # the seven deliberately bad rows listed in data/sample/README.md: two without an id are unusable rows,
    # five hold a bad score (an invalid answer of a row that is kept)
    assert sorted(rejected) == [2755, 6048]
    assert sorted(invalid) == [2675, 3038, 3089, 3374, 4838]
    assert "not a number" in invalid[2675][2] and invalid[2675][:2] == ("score", "abc")
    assert "id" in rejected[2755]
    assert "outside" in invalid[3038][2] and invalid[3038][:2] == ("score", "7")


def test_json_stage_block_has_every_contract_field(bank_json):
    stages = bank_json["stages"]
    assert [s["stage"] for s in stages] == bank_json["dataset"]["stages"]
    assert [s["order"] for s in stages] == sorted(s["order"] for s in stages)
    for s in stages:
        for key in ("stage", "order", "n", "mean", "ci_low", "ci_high", "score_100", "top_box_pct", "bottom_box_pct"):
            assert key in s
        assert s["ci_low"] <= s["mean"] <= s["ci_high"]
        assert s["score_100"] == pytest.approx((s["mean"] - 1) / 4 * 100)
    assert sum(s["n"] for s in stages) == bank_json["dataset"]["ratings"]


def test_json_critical_moments_and_priorities(bank_json):
    # Planted pattern (data/sample/README.md): Receiving the money is the critical moment,
    # Waiting for your turn a pain point only.
    crit = [c["stage"] for c in bank_json["critical_moments"]]
    assert crit == ["Receiving the money"]
    c = bank_json["critical_moments"][0]
    assert set(c) >= {"stage", "penalty", "p_value", "n_bad", "evidence"}
    assert c["penalty"] > 1.5 and c["p_value"] < 0.001 and c["n_bad"] >= 30
    assert "Receiving the money" in c["evidence"]
    assert "Waiting for your turn" in [p["stage"] for p in bank_json["pain_points"]]
    prios = bank_json["priorities"]
    # ranks 1..k for the stages worth improving; the others need no action and have no rank
    ranked = [p["rank"] for p in prios if p["rank"] is not None]
    assert ranked == list(range(1, len(ranked) + 1)) and [p["rank"] for p in prios][len(ranked):] == [None] * (8 - len(ranked))
    assert all((p["rank"] is None) == (p["action"] == "no action needed") for p in prios)
    assert all(isinstance(p["small_sample"], bool) for p in prios)
    assert sorted(p["stage"] for p in prios) == sorted(bank_json["dataset"]["stages"])
    assert {p["quadrant"] for p in prios} <= {"Concentrate here", "Keep up the good work", "Low priority", "Possible overkill"}
    assert {p["level"] for p in prios} <= {"high", "medium", "low"}
    waiting = next(p for p in prios if p["stage"] == "Waiting for your turn")
    assert waiting["level"] != "high"  # worst score, but nobody's outcome depends on it


def test_without_na_declaration_the_na_rows_are_no_answer_not_scored():
    proc = run_cli(str(BANK), "--json", "--no-analysis")
    assert proc.returncode == 0, proc.stderr
    ds = json.loads(proc.stdout)["dataset"]
    # README: "N/A" is a usual way of writing no answer: without declaring it, its 30 rows are no answer too
    assert ds["rows_rejected"] == 2 and ds["no_answers"] == 30 and ds["ratings"] == 9005
    assert ds["rows_read"] == ds["rows_accepted"] + ds["rows_rejected"]
    assert [(c["value"], c["answers"], c["source"]) for c in ds["na_codes"]] == [("N/A", 30, "default")]


def test_wide_sample_and_options(tmp_path):
    proc = run_cli(str(LIFECYCLE), "--cycle", "customer_lifecycle", "--na-values", "0", "--segment", "region", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    ds = out["dataset"]
    assert ds["format"] == "wide"
    assert ds["rows_read"] == 600 and ds["respondents"] == 600
    assert ds["rows_read"] == ds["rows_accepted"] + ds["rows_rejected"]
    assert len(ds["stages"]) == 6
    assert ds["scale"] == [1, 5]


def test_outcome_and_stages_options_select_columns(tmp_path):
    proc = run_cli(str(LIFECYCLE), "--stages", "proposal,implementation,after_sales", "--outcome", "recommend", "--na-values", "0", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["dataset"]["outcome"] == "recommend"
    assert len(out["dataset"]["stages"]) == 3
    assert out["outcome"]["scale"] == [0, 10]


def test_readable_summary_without_json():
    proc = run_cli(str(BANK), "--cycle", "bank_visit", "--na-values", "N/A")
    assert proc.returncode == 0, proc.stderr
    assert "Rows read 9,042 = accepted 9,040 + rejected 2" in proc.stdout
    assert "Answers read 9,040 = ratings 9,005 + no answer 30 + invalid 5" in proc.stdout
    assert "Critical moments:" in proc.stdout
    assert "Receiving the money" in proc.stdout


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("empty.csv", b"", "empty"),
        ("header.csv", b"id,q1,q2\n", "header"),
        ("binary.csv", bytes(range(256)) * 8, "text"),
        ("norating.csv", b"id,name,city\n1,Ann,Paris\n2,Bob,Rome\n", "rating"),
        ("quote.csv", b'id,q1,q2\n1,4,5\n2,"3,4\n', "quot"),
    ],
)
def test_unusable_files_give_one_sentence_and_exit_2(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    proc = run_cli(str(path), "--json")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    message = proc.stderr.strip()
    assert message.startswith("error: ") and len(message.splitlines()) == 1
    assert words in message.lower()


def test_missing_file_and_bad_options_exit_2(tmp_path):
    proc = run_cli(str(tmp_path / "nope.csv"))
    assert proc.returncode == 2 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli(str(BANK), "--scale", "five")
    assert proc.returncode == 2 and "scale" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli(str(BANK), "--cycle", "no_such_template")
    assert proc.returncode == 2 and "template" in proc.stderr
    proc = run_cli(str(BANK), "--outcome", "no_such_column", "--na-values", "N/A")
    assert proc.returncode == 2 and "no_such_column" in proc.stderr


def test_report_command_writes_html_and_workbook(tmp_path):
    from openpyxl import load_workbook

    html_path, xlsx_path = tmp_path / "r.html", tmp_path / "r.xlsx"
    proc = subprocess.run(
        [sys.executable, "-m", "cycle_analytics", "report", str(BANK), "--cycle", "bank_visit", "--na-values", "N/A",
         "--html", str(html_path), "--xlsx", str(xlsx_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    html = html_path.read_text(encoding="utf-8")
    assert "Receiving the money" in html
    # the sample's hostile comment (B0007: <script> tag) must never reach the page unescaped
    assert "<script>alert" not in html
    wb = load_workbook(xlsx_path)
    assert len(wb.sheetnames) >= 5
    proc = subprocess.run([sys.executable, "-m", "cycle_analytics", "report", str(BANK)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--html" in proc.stderr


def test_importing_the_package_loads_no_heavy_library_and_every_public_name_resolves():
    """``import cycle_analytics`` stays cheap (``--help`` pays it); the public names load on first use."""
    code = (
        "import sys, cycle_analytics as ca\n"
        "heavy = [m for m in ('pandas', 'numpy', 'plotly', 'streamlit', 'scipy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "missing = [n for n in ca.__all__ if getattr(ca, n, None) is None]\n"
        "assert not missing, missing\n"
        "assert 'streamlit' not in sys.modules\n"
        "print(len(ca.__all__))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) >= 15
    with pytest.raises(AttributeError):
        import cycle_analytics

        cycle_analytics.no_such_name  # noqa: B018


def test_help_needs_no_analysis_module():
    code = (
        "import sys, runpy\n"
        "sys.argv = ['cycle_analytics', '--help']\n"
        "try:\n"
        "    runpy.run_module('cycle_analytics', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('pandas', 'numpy', 'plotly', 'scipy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "analyze" in proc.stdout and "report" in proc.stdout
