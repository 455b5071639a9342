"""Response-quality flags (speeders, straight-liners, duplicates, incomplete responses), the
exclusion step and the importer's reading of durations.

Fixtures are generated survey files with planted speeders and straight-liners
(``tests/quality_files.py``), imported through the real importer: every planted respondent must be
found, and nobody else. The speeder threshold is checked against Python's ``statistics`` module (an
independent mean and sample standard deviation).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cycle_analytics.dataset import ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.ingest.names import duration_seconds_per_unit, is_end_time_name, is_start_time_name
from cycle_analytics.stats.exclusions import (Exclusion, accounting_sentence, exclude_flagged, note_exclusion,
                                              quality_json)
from cycle_analytics.stats.quality import FLAGS, QualitySettings, flag_counts, quality_report, validate_exclusions
from quality_files import STAGES, planted_survey_csv

ROOT = Path(__file__).resolve().parents[1]


def flagged_ids(report, column: str) -> set[str]:
    f = report.flags
    return set(f.loc[f[column], "response_id"])


# ---------------------------------------------------------------- planted speeders and straight-liners


def test_planted_speeders_and_straightliners_are_found_and_nobody_else():
    data, speeders, straight = planted_survey_csv()
    survey = import_survey(data, file_name="planted.csv")
    assert survey.info.duration_source == "Duration (in seconds)"
    assert survey.info.stages == STAGES
    report = quality_report(survey)
    assert flagged_ids(report, "speeder") == speeders
    assert flagged_ids(report, "straightliner") == straight
    assert flagged_ids(report, "duplicate") == set()
    assert flagged_ids(report, "incomplete") == set()
    assert report.counts() == {"speeders": 12, "straightliners": 10, "duplicates": 0, "incomplete": 0}


def test_speeder_threshold_is_the_mean_minus_two_sample_standard_deviations():
    data, speeders, _ = planted_survey_csv()
    survey = import_survey(data, file_name="planted.csv")
    report = quality_report(survey)
    durations = [float(x) for x in survey.responses["duration"]]
    expected = statistics.mean(durations) - 2 * statistics.stdev(durations)  # independent reference
    assert report.speeder_threshold == pytest.approx(expected, rel=1e-12)
    assert report.n_with_duration == 400
    assert {rid for rid, d in zip(survey.responses["response_id"].astype(str), durations) if d < expected} == speeders
    assert "over 400 responses with a duration" in report.speeder_rule


def test_start_and_end_times_give_the_duration_and_find_the_same_speeders():
    data, speeders, _ = planted_survey_csv(start_end=True)
    survey = import_survey(data, file_name="planted.csv")
    assert survey.info.duration_source == "EndDate - StartDate"
    roles = {c.column: c.role for c in survey.info.columns}
    assert roles["StartDate"] == "duration" and roles["EndDate"] == "duration" and roles["date"] == "date"
    assert flagged_ids(quality_report(survey), "speeder") == speeders


def test_below_one_hundred_durations_nobody_is_a_speeder_and_the_rule_says_why():
    data, speeders, _ = planted_survey_csv(n=99, n_speeders=3, n_straight=0)
    report = quality_report(import_survey(data, file_name="small.csv"))
    assert report.counts()["speeders"] == 0 and report.speeder_threshold is None
    assert "at least 100 responses with a duration" in report.speeder_rule and "has 99" in report.speeder_rule
    data, speeders, _ = planted_survey_csv(n=100, n_speeders=3, n_straight=0)
    assert flagged_ids(quality_report(import_survey(data, file_name="hundred.csv")), "speeder") == speeders


def test_without_a_duration_nobody_is_checked_for_speeding():
    data, _, straight = planted_survey_csv(with_duration=False)
    survey = import_survey(data, file_name="no_duration.csv")
    assert "duration" not in survey.responses.columns and survey.info.duration_source is None
    report = quality_report(survey)
    assert report.counts()["speeders"] == 0 and report.speeder_rule.startswith("No duration column")
    assert flagged_ids(report, "straightliner") == straight


def test_a_custom_speeder_rule():
    data, speeders, _ = planted_survey_csv()
    survey = import_survey(data, file_name="planted.csv")
    strict = quality_report(survey, QualitySettings(speeder_sd=1.0))
    assert flagged_ids(strict, "speeder") >= speeders
    with pytest.raises(SurveyError, match="positive number of standard deviations"):
        quality_report(survey, QualitySettings(speeder_sd=0))


# ---------------------------------------------------------------- straight-liners, incomplete, duplicates


def test_straightliners_need_five_rated_stages():
    rows = ["id,a,b,c,d,e,f", "r1,4,4,4,4,4,4", "r2,4,4,4,4,,", "r3,1,1,1,1,1,", "r4,2,3,4,5,1,2", "r5,5,4,3,2,1,2"]
    report = quality_report(import_survey("\n".join(rows).encode()))
    assert flagged_ids(report, "straightliner") == {"r1", "r3"}  # r2 rated only 4 stages
    four = quality_report(import_survey(b"id,a,b,c,d\nr1,4,4,4,4\nr2,1,2,3,4\nr3,5,2,1,3\n"))
    assert four.counts()["straightliners"] == 0
    assert "this survey has 4 stages, so nobody can be one" in four.rules()["straightliners"]


def test_incomplete_is_fewer_than_the_chosen_share_of_the_stages():
    rows = ["id,a,b,c,d", "r1,4,5,3,2", "r2,4,1,3,", "r3,4,,,", "r4,4,5,,", "r5,2,N/A,x,", "r6,1,2,4,5"]
    survey = import_survey("\n".join(rows).encode())
    assert survey.stages == ("a", "b", "c", "d")
    assert flagged_ids(quality_report(survey), "incomplete") == {"r3", "r5"}  # N/A and invalid answers are no rating
    assert flagged_ids(quality_report(survey, QualitySettings(min_rated_share=0.75)), "incomplete") == {"r3", "r4", "r5"}
    assert quality_report(survey).flags.set_index("response_id").loc["r5", "n_rated"] == 1


DUPLICATES = """id,date,branch,a,b,c,comment
r1,2026-03-02,North,4,5,3,Friendly staff
r2,2026-03-02,North,4,5,3,Friendly staff
r3,2026-03-02,South,4,5,3,Friendly staff
r4,2026-03-03,North,4,5,3,Friendly staff
r5,2026-03-02,North,4,5,3,Slow
r6,2026-03-02,North,4,5,3,Friendly staff
r7,2026-03-02,North,2,1,4,
r1,2026-03-09,North,1,1,1,
"""


def test_duplicates_are_later_copies_with_the_same_answers_date_and_segment():
    survey = import_survey(DUPLICATES.encode())
    report = quality_report(survey)
    # r2 and r6 repeat r1; r3 (branch), r4 (date) and r5 (comment) differ in one thing each
    assert flagged_ids(report, "duplicate") == {"r2", "r6"}
    assert set(report.flags.loc[report.flags["duplicate"], "duplicate_of"]) == {"r1"}
    # the repeated id r1 was rejected by the importer and is reported with the duplicates
    assert report.duplicate_ids_rejected == 1 and survey.info.rows_rejected == 1
    assert "rejected 1 row that repeats an earlier row's respondent id" in report.rules()["duplicates"]
    assert report.examples("duplicates").to_dict("list") == {
        "response_id": ["r2", "r6"], "why": ["same answers, date and segments as r1"] * 2}


def test_without_a_date_identical_answers_are_not_duplicates():
    survey = import_survey(b"id,branch,a,b,c\nr1,North,4,5,3\nr2,North,4,5,3\nr3,South,1,2,3\n")
    report = quality_report(survey)
    assert report.counts()["duplicates"] == 0
    assert report.rules()["duplicates"].startswith("Without a date column")


# ---------------------------------------------------------------- the exclusion step and its accounting


def test_exclusion_removes_exactly_the_flagged_respondents_and_the_accounting_adds_up():
    data, speeders, straight = planted_survey_csv()
    survey = import_survey(data, file_name="planted.csv")
    report = quality_report(survey)
    kept, exclusion = exclude_flagged(survey, report, "speeders,straightliners")
    assert set(kept.responses["response_id"].astype(str)) == set(survey.responses["response_id"].astype(str)) - speeders - straight
    assert exclusion.excluded == len(speeders | straight) == 22
    assert dict(exclusion.by_flag) == {"speeders": 12, "straightliners": 10}
    assert kept.info.respondents == 378 and len(kept.ratings) == int(
        survey.ratings["response_id"].astype(str).isin(set(kept.responses["response_id"].astype(str))).sum())
    info = survey.info
    assert info.rows_read == (info.respondents - exclusion.excluded) + exclusion.excluded + info.rows_rejected
    assert accounting_sentence(info, exclusion) == "400 rows read = 378 analysed + 22 excluded for response quality + 0 rejected."
    assert exclusion.sentence() == "Excluded for response quality: 22 of 400 respondents (12 speeders, 10 straight-liners)."


def test_no_exclusion_is_the_default_and_returns_the_same_survey():
    data, _, _ = planted_survey_csv()
    survey = import_survey(data, file_name="planted.csv")
    kept, exclusion = exclude_flagged(survey, quality_report(survey), None)
    assert kept is survey and not exclusion.active and exclusion.sentence() == ""


def test_long_file_accounting_counts_respondents():
    survey = import_survey(ROOT / "data" / "sample" / "bank_visit_long.csv", ImportOptions(na_values=("N/A",)))
    report = quality_report(survey)
    kept, exclusion = exclude_flagged(survey, report, ["straightliners"])
    n = report.counts()["straightliners"]
    assert exclusion.excluded == n and kept.info.respondents == 1200 - n
    assert accounting_sentence(survey.info, exclusion) == (
        f"1,200 respondents = {1200 - n:,} analysed + {n} excluded for response quality; 2 of 9,042 rows rejected.")


def test_overlapping_flags_count_once_in_the_total():
    rows = ["id,a,b,c,d,e,f", "r1,4,4,4,4,4,", "r2,4,4,4,4,4,4", "r3,1,,,,,", "r4,2,3,4,5,1,2", "r5,5,1,2,3,4,5"]
    survey = import_survey("\n".join(rows).encode())
    assert survey.stages == ("a", "b", "c", "d", "e", "f")
    report = quality_report(survey, QualitySettings(min_rated_share=1.0))  # r1 rated 5 of 6: both flags
    kept, exclusion = exclude_flagged(survey, report, "all")
    assert exclusion.excluded == 3 and list(kept.responses["response_id"]) == ["r4", "r5"]
    assert exclusion.sentence() == ("Excluded for response quality: 3 of 5 respondents (2 straight-liners, "
                                    "2 incomplete responses; a respondent can have several flags).")


def test_the_analysis_notes_say_what_was_excluded():
    from cycle_analytics.stats.analysis import analyze

    data, _, _ = planted_survey_csv()
    survey = import_survey(data, file_name="planted.csv")
    kept, exclusion = exclude_flagged(survey, quality_report(survey), "speeders")
    analysis = note_exclusion(analyze(kept), exclusion)
    assert analysis.notes[-1] == exclusion.sentence()
    assert note_exclusion(analysis, exclusion).notes == analysis.notes  # said once
    assert note_exclusion(analysis, Exclusion()) is analysis


def test_flag_names_and_a_report_of_another_survey_are_refused():
    assert validate_exclusions(" Speeder , straight-liners,duplicates ") == ("speeders", "straightliners", "duplicates")
    assert validate_exclusions("all") == FLAGS
    with pytest.raises(SurveyError, match="'quick' is not a response-quality flag"):
        validate_exclusions("quick")
    a = import_survey(b"id,a,b\nr1,4,5\nr2,2,3\n")
    b = import_survey(b"id,a,b\nx1,4,5\nx2,2,3\n")
    with pytest.raises(SurveyError, match="belong to another survey"):
        exclude_flagged(a, quality_report(b), "speeders")


def test_counts_take_respondent_weights():
    flags = pd.DataFrame({"speeder": [True, False, True], "straightliner": [False] * 3, "duplicate": [False] * 3,
                          "incomplete": [True, True, False]})
    assert flag_counts(flags, np.array([0.5, 2.0, 1.5])) == {"speeders": 2.0, "straightliners": 0.0, "duplicates": 0.0,
                                                              "incomplete": 2.5}


def test_quality_json_block():
    data, _, _ = planted_survey_csv()
    survey = import_survey(data, file_name="planted.csv")
    report = quality_report(survey)
    _, exclusion = exclude_flagged(survey, report, "speeders")
    block = quality_json(report, exclusion, survey.info)
    assert block["flags"]["speeders"]["respondents"] == 12 and block["excluded"]["respondents"] == 12
    assert block["respondents_analysed"] == 388 and block["duration_source"] == "Duration (in seconds)"
    json.dumps(block, allow_nan=False)


# ---------------------------------------------------------------- the importer's duration reading


@pytest.mark.parametrize("name, unit", [
    ("Duration (in seconds)", 1.0), ("Q_TotalDuration", 1.0), ("duration", 1.0), ("survey_duration_min", 60.0),
    ("Time taken", 1.0), ("interviewtime", 1.0), ("Durasi (menit)", 60.0), ("Duración", 1.0),
    ("Call duration", None), ("Stay duration", None), ("Departure_Delay_in_Minutes", None), ("Time", None),
    ("Response time of the team", None),
])
def test_duration_names(name, unit):
    assert duration_seconds_per_unit(name) == unit


def test_start_and_end_names():
    assert all(is_start_time_name(n) for n in ("StartDate", "Start Date", "start", "Time Started", "startdate"))
    assert all(is_end_time_name(n) for n in ("EndDate", "End Date", "Submit Date (UTC)", "submitdate", "end"))
    assert not is_end_time_name("Finished") and not is_start_time_name("Start of service")


def test_dates_without_a_time_of_day_are_no_duration():
    survey = import_survey(b"id,start,end,a,b\nr1,2026-03-01,2026-03-02,4,5\nr2,2026-03-01,2026-03-01,2,3\n")
    assert "duration" not in survey.responses.columns and survey.info.duration_source is None


def test_a_duration_in_minutes_and_clock_text():
    survey = import_survey(b"id,duration_min,a,b\nr1,5.5,4,5\nr2,1,2,3\nr3,,4,4\n")
    assert survey.responses["duration"].tolist()[:2] == [330.0, 60.0] and np.isnan(survey.responses["duration"].iloc[2])
    survey = import_survey(b"id,Time taken,a,b\nr1,0:05:30,4,5\nr2,1:00,2,3\nr3,1:02:03,4,4\n")
    assert survey.responses["duration"].tolist() == [330.0, 60.0, 3723.0]


def test_a_survey_tool_export_reads_its_duration_column():
    head = "StartDate,EndDate,Status,Progress,Duration (in seconds),Finished,RecordedDate,ResponseId,Q1_1,Q1_2,Q1_3\n"
    labels = ("Start Date,End Date,Response Type,Progress,Duration (in seconds),Finished,Recorded Date,Response ID,"
              "Rate - Room,Rate - Staff,Rate - Food\n")
    import_ids = ",".join('"{""ImportId"":""x%d""}"' % i for i in range(11)) + "\n"
    rows = "".join(f"2026-01-0{1 + i % 5} 10:00:00,2026-01-0{1 + i % 5} 10:0{i % 9}:00,0,100,{100 + i * 7},1,"
                   f"2026-01-0{1 + i % 5} 10:05:00,R_{i},{1 + i % 5},{1 + (i * 2) % 5},{1 + (i * 3) % 5}\n" for i in range(30))
    survey = import_survey((head + labels + import_ids + rows).encode(), file_name="qualtrics.csv")
    assert survey.info.format == "qualtrics" and survey.info.duration_source == "Duration (in seconds)"
    assert survey.responses["duration"].tolist()[:3] == [100.0, 107.0, 114.0]
    assert {c.column: c.role for c in survey.info.columns}["Duration (in seconds)"] == "duration"


# ---------------------------------------------------------------- command line


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cycle_analytics", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_cli_exclude_option(tmp_path):
    data, speeders, straight = planted_survey_csv()
    path = tmp_path / "planted.csv"
    path.write_bytes(data)
    proc = run_cli("analyze", str(path), "--json", "--exclude", "speeders,straightliners")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["dataset"]["respondents"] == 400  # the import, before the exclusion
    assert out["quality"]["excluded"]["respondents"] == 22 and out["quality"]["respondents_analysed"] == 378
    assert out["stages"][0]["n"] == 378
    assert out["notes"][-1] == "Excluded for response quality: 22 of 400 respondents (12 speeders, 10 straight-liners)."
    text = run_cli("analyze", str(path))
    assert text.returncode == 0, text.stderr
    assert "Response quality: 12 speeders, 10 straight-liners, 0 duplicates, 0 incomplete responses (flagged, kept;" in text.stdout
    bad = run_cli("analyze", str(path), "--exclude", "fast")
    assert bad.returncode == 2 and bad.stderr.startswith("error: 'fast' is not a response-quality flag")


def test_cli_incomplete_share_option(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("id,a,b,c,d\nr1,4,5,3,2\nr2,4,1,3,\nr3,4,,,\nr4,4,5,,\nr5,2,3,4,5\n", encoding="utf-8")
    default = quality_report(import_survey(path))
    assert flagged_ids(default, "incomplete") == {"r3"}  # r3 rated 1 of 4 stages: below one half
    strict = run_cli("analyze", str(path), "--json", "--no-analysis", "--incomplete-below", "0.75", "--exclude", "incomplete")
    assert strict.returncode == 0, strict.stderr
    quality = json.loads(strict.stdout)["quality"]  # r4 rated 2 of 4, fewer than 75%: incomplete too
    assert quality["flags"]["incomplete"] == {"respondents": 2, "rule": "Rated fewer than 75% of the 4 stages."}
    assert quality["accounting"] == "5 rows read = 3 analysed + 2 excluded for response quality + 0 rejected."
    bad = run_cli("analyze", str(path), "--incomplete-below", "2")
    assert bad.returncode == 2 and bad.stderr == (
        "error: The share of stages a complete response rates must lie between 0 and 1, not 2.0.\n")


def test_cli_alerts_read_the_survey_without_the_excluded_respondents(tmp_path):
    from cycle_analytics.stats.alerts import find_alerts

    data, _, _ = planted_survey_csv(n=600, months=5, drop_stage="waiting", drop=1.0)
    path = tmp_path / "slipping.csv"
    path.write_bytes(data)
    survey = import_survey(data, file_name="slipping.csv")
    kept, exclusion = exclude_flagged(survey, quality_report(survey), "speeders,straightliners")
    proc = run_cli("alerts", str(path), "--exclude", "speeders,straightliners", "--json")
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    assert out["exclusion"] == exclusion.sentence() == (
        "Excluded for response quality: 22 of 600 respondents (12 speeders, 10 straight-liners).")
    assert [a["sentence"] for a in out["alerts"]] == [a.sentence for a in find_alerts(kept).alerts]
    assert (out["alerts"][0]["kind"], out["alerts"][0]["stage"]) == ("significant_drop", "waiting")


# ---------------------------------------------------------------- the app


def test_data_page_counts_toggles_and_every_page_says_so(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CYCLE_ANALYTICS_DATA_DIR", str(tmp_path))
    data, _, _ = planted_survey_csv()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.file_uploader(key="upload").set_value(("planted.csv", data, "text/csv")).run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Speeders"], metrics["Straight-liners"], metrics["Duplicates"], metrics["Incomplete responses"]) == (
        "12", "10", "0", "0")
    assert "400 rows read = 400 analysed + 0 excluded for response quality + 0 rejected." in [m.value.replace("\\", "") for m in at.markdown]
    at.toggle(key="quality_toggle__speeders").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["quality_exclude"] == ("speeders",)
    assert "400 rows read = 388 analysed + 12 excluded for response quality + 0 rejected." in [m.value.replace("\\", "") for m in at.markdown]
    assert any(c.value.replace("\\", "").startswith("388 of 400 respondents (12 excluded for response quality)")
               for c in at.sidebar.caption)
    sentence = "Excluded for response quality: 12 of 400 respondents (12 speeders)."
    for page in ("app_pages/overview.py", "app_pages/critical_moments.py", "app_pages/priorities.py",
                 "app_pages/stage_detail.py", "app_pages/segments.py", "app_pages/trends.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert any(sentence in c.value.replace("\\", "") for c in at.main.caption), page
    at.switch_page("app_pages/overview.py").run()
    assert next(m.value for m in at.metric if m.label == "Responses") == "388"
    assert at.query_params.get("exclude") in ("speeders", ["speeders"])


@pytest.mark.parametrize("n, n_speeders, n_straight, seed, months", [
    (150, 4, 6, 1, 1), (600, 12, 10, 2, 5), (1000, 20, 25, 3, 3)])
def test_planted_truth_holds_for_other_sizes_and_seeds(n, n_speeders, n_straight, seed, months):
    data, speeders, straight = planted_survey_csv(n, n_speeders, n_straight, seed, months=months)
    report = quality_report(import_survey(data, file_name="planted.csv"))
    assert flagged_ids(report, "speeder") == speeders and flagged_ids(report, "straightliner") == straight
    assert report.counts()["duplicates"] == report.counts()["incomplete"] == 0


def test_excluding_straightliners_changes_overview_count_and_alerts(tmp_path, monkeypatch):
    """Overview's respondent count falls by the planted straight-liners, and its alerts are those of
    the survey without them (the alerts read the survey as analysed)."""
    from streamlit.testing.v1 import AppTest

    from cycle_analytics.stats.alerts import find_alerts

    monkeypatch.setenv("CYCLE_ANALYTICS_DATA_DIR", str(tmp_path))
    data, _, straight = planted_survey_csv(n=600, months=5, drop_stage="waiting", drop=1.0)
    survey = import_survey(data, file_name="slipping.csv")
    kept, _ = exclude_flagged(survey, quality_report(survey), "straightliners")
    before, after = find_alerts(survey), find_alerts(kept)
    assert [a.stage for a in before.alerts if a.kind == "significant_drop"] == ["waiting"]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.file_uploader(key="upload").set_value(("slipping.csv", data, "text/csv")).run()
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert next(m.value for m in at.metric if m.label == "Responses") == "600"
    box = at.main.warning[0].value.replace("\\", "")
    assert all(a.sentence in box for a in before.alerts)
    at.switch_page("app_pages/data.py").run()
    assert next(m.value for m in at.metric if m.label == "Straight-liners") == str(len(straight)) == "10"
    at.toggle(key="quality_toggle__straightliners").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert next(m.value for m in at.metric if m.label == "Responses") == str(600 - len(straight)) == "590"
    box = at.main.warning[0].value.replace("\\", "")
    assert all(a.sentence in box for a in after.alerts) and len(after) == len(before)
    assert any("Excluded for response quality: 10 of 600 respondents (10 straight-liners)." in c.value.replace("\\", "")
               for c in at.main.caption)


def test_data_page_share_box_changes_who_is_incomplete(tmp_path, monkeypatch):
    """5 respondents rated 1 of 4 stages and 5 rated 2 of 4: incomplete below 50% are the first 5,
    below 75% all 10; excluding them then leaves 40 - 10 on the Overview."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CYCLE_ANALYTICS_DATA_DIR", str(tmp_path))
    rows = ["id,wait,serve,pay,leave"]
    for i in range(40):
        scores = [str(1 + (i + k) % 5) for k in range(4)]
        if i < 5:
            scores[1:] = ["", "", ""]
        elif i < 10:
            scores[2:] = ["", ""]
        rows.append(f"r{i},{','.join(scores)}")
    data = ("\n".join(rows) + "\n").encode()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.file_uploader(key="upload").set_value(("gaps.csv", data, "text/csv")).run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert next(m.value for m in at.metric if m.label == "Incomplete responses") == "5"
    at.number_input(key="quality_share_input").set_value(75).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["quality_min_rated_share"] == 0.75
    assert next(m.value for m in at.metric if m.label == "Incomplete responses") == "10"
    at.toggle(key="quality_toggle__incomplete").set_value(True).run()
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert next(m.value for m in at.metric if m.label == "Responses") == "30"
