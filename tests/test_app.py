"""AppTest tests of the dashboard: every page on the bank sample, after an upload, and in edge states.

Run: ``python -m pytest tests/test_app.py -q``. No browser is needed (see tests/browser/ for that).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_support.tables import words_for
from app_support.widgets import safe_csv, selected_stage
from cycle_analytics.cycles import load_cycle
from cycle_analytics.dataset import PROXY_OUTCOME, ImportOptions
from cycle_analytics.i18n import format_p_value
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.outputs.export import neutralise_cell
from cycle_analytics.outputs.summary import outcome_words
from cycle_analytics.stats.analysis import analyze, outcome_spec
from cycle_analytics.stats.headline import headline_figures

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SAMPLES = ROOT / "data" / "sample"
PAGES = ["overview", "critical_moments", "priorities", "stage_detail", "segments", "trends", "data"]


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=90)


def assert_clean(at: AppTest, where: str = "") -> None:
    assert not at.exception, f"{where}: {[e.value for e in at.exception]}"


def visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py").run()
    assert_clean(at, page)
    return at


def metric(at: AppTest, label_start: str) -> str:
    for m in at.metric:
        if m.label.startswith(label_start):
            return m.value
    raise AssertionError(f"no metric {label_start!r}: {[m.label for m in at.metric]}")


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.info] + [e.value for e in at.error] + [e.value for e in at.caption]
    parts += [e.value for e in at.text] + [e.value for e in at.markdown]
    return "\n".join(str(p) for p in parts)


def qp(at: AppTest, key: str) -> list[str]:
    """A query parameter of the app's URL as a list (AppTest gives a str for a single value)."""
    v = at.query_params[key]
    return [v] if isinstance(v, str) else list(v)


def upload(at: AppTest, data: bytes, name: str = "survey.csv") -> AppTest:
    at.file_uploader(key="upload").set_value((name, data, "text/csv")).run()
    assert_clean(at, "upload")
    return at


# ---------------------------------------------------------------- fixtures (small CSV surveys)


def wide_csv(n=60, stages=("Arrival", "Service", "Payment"), *, dates=True, segments=True, outcome=True,
             all_na_stage=None, seed=1, comments=True) -> bytes:
    """A small wide survey: scores 1-5, outcome tied to the stages, 'N/A' answers where asked."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"id": [f"R{i:03d}" for i in range(n)]})
    if dates:
        df["date"] = pd.date_range("2026-01-01", periods=n, freq="D").strftime("%Y-%m-%d")
    if segments:
        df["region"] = np.where(np.arange(n) % 2 == 0, "North", "South")
    scores = rng.integers(1, 6, size=(n, len(stages)))
    for j, st_name in enumerate(stages):
        df[st_name] = scores[:, j].astype(str)
        if st_name == all_na_stage:
            df[st_name] = "N/A"
    if outcome:
        df["overall_satisfaction"] = np.clip(np.round(scores.mean(axis=1)), 1, 5).astype(int).astype(str)
    if comments:
        df["comment"] = np.where(scores[:, 0] <= 2, "=HYPERLINK(\"x\") slow <b>service</b>", "")
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode()


# ---------------------------------------------------------------- the bank sample


@pytest.fixture(scope="module")
def bank_survey():
    """The bank sample as the app opens it: with its own cycle template and its N/A code declared."""
    data = (SAMPLES / "bank_visit_long.csv").read_bytes()
    return import_survey(data, ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",)), file_name="bank_visit_long.csv")


@pytest.fixture(scope="module")
def bank_analysis(bank_survey):
    """``analyze()`` of the bank sample with its default outcome, as the app runs it."""
    return analyze(bank_survey)


def number(text: str) -> float:
    """A number as the app shows it (thousands separators, a sign, a unit after a space)."""
    return float(text.replace(",", "").replace("%", "").split(" ")[0])


def shown_table(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table on the page that has ``columns`` (AppTest does not expose a table's key).

    Tables a manager reads show plain headers (``app_support.tables.words_for``): they are read back
    under the tidy column names asked for."""
    outcome = outcome_words(at.session_state["view"].outcome)
    plain = {words_for(c, outcome).label: c for c in columns}
    for d in at.dataframe:
        frame = d.value.rename(columns=plain)
        if set(columns) <= set(frame.columns):
            return frame
    raise AssertionError(f"no table with {columns}: {[list(d.value.columns) for d in at.dataframe]}")


def test_opens_on_bank_sample_with_headline(bank_survey):
    at = new_app().run()
    assert_clean(at, "start")
    assert at.selectbox(key="sample").value == "bank_visit"
    assert metric(at, "Responses") == f"{bank_survey.info.respondents:,}"
    assert metric(at, "NPS") != "–"  # the bank sample has a 0-10 recommend question
    assert qp(at, "sample") == ["bank_visit"]
    assert len(at.get("plotly_chart")) >= 1


@pytest.mark.parametrize("page", PAGES[1:])
def test_every_page_on_bank_sample(page):
    at = new_app().run()
    visit(at, page)
    if page in ("critical_moments", "priorities", "segments", "trends", "stage_detail"):
        assert len(at.get("plotly_chart")) >= 1, page


def test_data_page_accounting(bank_survey):
    at = visit(new_app().run(), "data")
    info = bank_survey.info
    assert metric(at, "Rows read") == f"{info.rows_read:,}"
    assert metric(at, "Accepted") == f"{info.rows_accepted:,}"
    assert metric(at, "Rejected") == f"{info.rows_rejected:,}"
    summary = next(d.value for d in at.dataframe if list(d.value.columns) == ["item", "value"])
    assert "(holds)" in summary.to_string()
    assert metric(at, "Invalid answers") == f"{info.invalid_answers:,}"


# ---------------------------------------------------------------- numbers on each page against analyze()


def test_overview_numbers_match_the_analysis(bank_survey, bank_analysis):
    at = visit(new_app().run(), "overview")
    h = headline_figures(bank_survey, bank_analysis.outcome)
    outcome = bank_survey.responses[bank_analysis.outcome.column]
    assert metric(at, "Responses") == f"{len(bank_survey.responses):,}"
    assert number(metric(at, "Overall satisfaction")) == pytest.approx(outcome.mean(), abs=0.005)
    assert metric(at, "Overall satisfaction") == f"{h.outcome_mean:.2f}"
    assert metric(at, "NPS") == f"{h.nps:+.0f}"
    assert metric(at, "Critical moments") == str(len(bank_analysis.critical_moments))


def test_overview_without_outcome_shows_the_average_stage_score(bank_survey):
    at = new_app().run()
    at.selectbox(key="outcome").set_value("None (proxy)").run()
    assert_clean(at, "proxy")
    proxy = analyze(bank_survey, outcome=PROXY_OUTCOME)
    assert number(metric(at, "Average stage score")) == round(proxy.scores["score_100"].mean())
    assert metric(at, "Critical moments") == str(len(proxy.critical_moments))


def test_critical_moments_penalty_of_the_top_stage(bank_analysis):
    at = visit(new_app().run(), "critical_moments")
    pen = bank_analysis.penalties.sort_values("penalty", ascending=False)
    top = str(pen["stage"].iloc[0])
    shown = shown_table(at, "stage", "verdict", "penalty").assign(stage=lambda d: d["stage"].astype(str)).set_index("stage")
    assert shown.loc[top, "penalty"] == pytest.approx(pen["penalty"].iloc[0])
    assert shown.loc[top, "verdict"] == bank_analysis.moments.set_index(bank_analysis.moments["stage"].astype(str)).loc[top, "verdict"]
    assert list(shown.index) == [str(x) for x in bank_analysis.moments["stage"]]


def test_critical_moments_of_sfo_judge_the_stages_rated_alike_together():
    """SFO's information booths upstairs and downstairs (../shared/realdata): the page's note names
    them, the verdict table shows the drop the verdict rests on (the joint one) and the twin."""
    sfo = ROOT.parent / "shared" / "realdata" / "sfo_customer_survey_2017.csv"
    survey = import_survey(sfo.read_bytes(), file_name=sfo.name)
    expected = analyze(survey, outcome=outcome_spec(survey, "Q7ALL")).moments.set_index("stage")
    at = visit(upload(new_app().run(), sfo.read_bytes(), sfo.name), "critical_moments")
    assert any(i.value.startswith("Q7INFODOWN and Q7INFOUP were rated almost alike") for i in at.info)
    shown = shown_table(at, "stage", "verdict", "penalty", "alike_with").assign(stage=lambda d: d["stage"].astype(str))
    shown = shown.set_index("stage")
    assert shown.loc["Q7INFOUP", "alike_with"] == "Q7INFODOWN" and shown.loc["Q7INFOUP", "verdict"] == "ok"
    assert shown.loc["Q7INFOUP", "penalty"] == pytest.approx(expected.loc["Q7INFOUP", "penalty"])
    assert abs(shown.loc["Q7INFOUP", "penalty"]) < 0.1 and shown.loc["Q7STORE", "alike_with"] == ""


def test_priorities_rank_one_stage(bank_analysis):
    at = visit(new_app().run(), "priorities")
    shown = shown_table(at, "rank", "stage", "priority_score")
    pr = bank_analysis.priorities.sort_values("rank")
    first = shown[shown["rank"] == 1].iloc[0]
    assert str(first["stage"]) == str(pr["stage"].iloc[0])
    assert first["priority_score"] == pytest.approx(pr["priority_score"].iloc[0])
    assert str(at.data_editor[0].value["stage"].iloc[0]) == str(pr["stage"].iloc[0])  # the plans start from rank 1


def test_stage_detail_answers_and_mean(bank_survey):
    stage = "Receiving the money"
    at = new_app()
    at.query_params["stage"] = stage
    visit(at.run(), "stage_detail")
    ratings = bank_survey.ratings
    scores = ratings.loc[ratings["stage"].astype(str) == stage, "score"].dropna()
    assert at.selectbox(key="stage_select").value == stage
    assert metric(at, "Answers") == f"{len(scores):,}"
    assert metric(at, "Mean") == f"{scores.mean():,.2f}"


def test_segments_tests_match_the_analysis(bank_analysis):
    at = visit(new_app().run(), "segments")
    shown = shown_table(at, "segment", "stage", "statistic")
    expected = bank_analysis.segment_tests
    assert len(shown) == len(expected) > 0
    assert shown["statistic"].to_numpy() == pytest.approx(expected["statistic"].to_numpy())
    flagged = bank_analysis.segments[bank_analysis.segments["flag"].astype(str) == "below"]
    if len(flagged):
        assert shown_table(at, "segment", "value", "diff_vs_rest")["diff_vs_rest"].to_numpy() == pytest.approx(flagged["diff_vs_rest"].to_numpy())


def test_trends_change_matches_the_analysis(bank_analysis):
    at = visit(new_app().run(), "trends")
    expected = bank_analysis.trend_change
    assert len(expected) > 0
    numeric = [c for c in expected.columns if pd.api.types.is_float_dtype(expected[c])]
    assert numeric
    shown = shown_table(at, "stage", *numeric)
    assert [str(x) for x in shown["stage"]] == [str(x) for x in expected["stage"]]
    for col in numeric:
        if words_for(col, "the outcome").kind == "p":  # shown as a manager reads a p-value: "0.963", "< 0.001"
            assert [str(x) for x in shown[col]] == ["" if pd.isna(x) else format_p_value(x) for x in expected[col]], col
            continue
        assert shown[col].to_numpy(dtype=float) == pytest.approx(expected[col].to_numpy(dtype=float), nan_ok=True), col


def test_data_page_rows_read_are_accepted_plus_rejected():
    data = wide_csv(n=40) + b",2026-03-01,North,3,3,3,3,\n"  # a row without an id is rejected
    expected = import_survey(data, ImportOptions(), file_name="survey.csv").info
    at = visit(upload(new_app().run(), data), "data")
    read, accepted, rejected = (number(metric(at, k)) for k in ("Rows read", "Accepted", "Rejected"))
    assert (read, accepted, rejected) == (expected.rows_read, expected.rows_accepted, expected.rows_rejected)
    assert read == accepted + rejected and rejected >= 1


def test_upload_wide_sample_every_page():
    data = (SAMPLES / "customer_lifecycle_wide.csv").read_bytes()
    expected = import_survey(data, ImportOptions(), file_name="customer_lifecycle_wide.csv")
    at = upload(new_app().run(), data, "customer_lifecycle_wide.csv")
    assert metric(at, "Responses") == f"{expected.info.respondents:,}"
    assert "sample" not in at.query_params  # an upload cannot be reopened from a link
    for page in PAGES:
        visit(at, page)


def test_bad_file_shows_sentence_not_traceback():
    at = upload(new_app().run(), b"\x00\x01\x02 not a survey \x00", "broken.csv")
    assert at.error, "an unusable file must be explained with st.error"
    assert "Traceback" not in at.error[0].value
    visit(at, "data")
    assert at.error


def test_header_only_file_shows_sentence():
    at = upload(new_app().run(), b"id,Arrival,Service\n", "empty.csv")
    assert at.error


# ---------------------------------------------------------------- edge states


@pytest.mark.parametrize(
    "name, data",
    [
        ("one stage", wide_csv(stages=("Service",))),
        ("one respondent", wide_csv(n=1)),
        ("no outcome", wide_csv(outcome=False)),
        ("no dates", wide_csv(dates=False)),
        ("no segments", wide_csv(segments=False)),
        ("stage all N/A", wide_csv(all_na_stage="Payment")),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_edge_states_never_break(name, data):
    at = upload(new_app().run(), data)
    for page in PAGES:
        visit(at, page)
    if name == "no dates":
        visit(at, "trends")
        assert "no date column" in texts(at)
    if name == "no outcome":
        visit(at, "overview")
        assert "proxy" in texts(at)
    if name == "no segments":
        visit(at, "segments")
        assert "no segment columns" in texts(at)


def test_filter_that_selects_nobody():
    # North = even rows; restricting the date range to one odd day leaves nobody in North.
    at = upload(new_app().run(), wide_csv())
    at.multiselect(key="seg__region").set_value(["North"]).run()
    at.date_input(key="date_range").set_value((dt.date(2026, 1, 2), dt.date(2026, 1, 2))).run()
    assert_clean(at)
    for page in PAGES[:-1]:
        visit(at, page)
        assert "No respondent matches" in texts(at), page


# ---------------------------------------------------------------- URL round trip and filters


def test_query_params_restore_view():
    at = new_app()
    at.query_params["sample"] = "bank_visit"
    at.query_params["seg.channel"] = ["walk-in"]
    at.query_params["stage"] = "Receiving the money"
    at.run()
    assert_clean(at)
    assert at.multiselect(key="seg__channel").value == ["walk-in"]
    visit(at, "stage_detail")
    assert at.selectbox(key="stage_select").value == "Receiving the money"
    assert qp(at, "seg.channel") == ["walk-in"]


def test_filter_change_updates_url_and_numbers(bank_survey):
    at = new_app().run()
    full = metric(at, "Responses")
    values = [str(v) for v in bank_survey.responses["branch"].cat.categories]
    at.multiselect(key="seg__branch").set_value(values[:1]).run()
    assert_clean(at)
    assert qp(at, "seg.branch") == values[:1]
    assert metric(at, "Responses") != full
    visit(at, "priorities")  # filters survive page switches
    assert at.multiselect(key="seg__branch").value == values[:1]


def test_other_sample_and_outcome_choice():
    at = new_app().run()
    at.selectbox(key="sample").set_value("customer_lifecycle").run()
    assert_clean(at)
    assert qp(at, "sample") == ["customer_lifecycle"]
    at.selectbox(key="outcome").set_value("None (proxy)").run()
    assert_clean(at)
    assert qp(at, "outcome") == ["none"]
    assert "proxy" in texts(at)


def test_data_page_reimport_with_scale_choice():
    at = visit(new_app().run(), "data")
    at.selectbox(key="data_scale").set_value("1-7")
    # AppTest exposes form submit buttons as buttons
    [b for b in at.button if "Read the file again" in b.label][0].click().run()
    assert_clean(at)
    assert metric(at, "Scale") == "1–7"


# ---------------------------------------------------------------- CSV safety


def test_safe_csv_neutralises_formulas():
    df = pd.DataFrame({"stage": ["=1+1", "+cmd", "-x", "@SUM(A1)", "\tTab", "\rcr", "ok", "-3"], "n": range(8)})
    text = safe_csv(df).decode()
    lines = text.splitlines()
    assert lines[1].startswith("'=1+1")
    assert "'+cmd" in text and "'-x" in text and "'@SUM(A1)" in text and "'\tTab" in text
    assert "\nok," in text and "\n-3," in text  # plain text and numbers untouched
    assert neutralise_cell(5) == 5


def test_stage_with_only_na_answers_via_data_page():
    """Declaring an all-'N/A' column a stage (Data page) keeps it, and its detail explains it is empty."""
    at = upload(new_app().run(), wide_csv(all_na_stage="Payment"))
    visit(at, "data")
    at.multiselect(key="data_stages").set_value(["Arrival", "Service", "Payment"])
    at.text_input(key="data_na").set_value("N/A")
    [b for b in at.button if "Read the file again" in b.label][0].click().run()
    assert_clean(at, "re-import")
    assert "Arrival → Service → Payment" in at.dataframe[0].value.to_string()
    for page in PAGES:
        visit(at, page)
    at.session_state["stage"] = "Payment"
    visit(at, "stage_detail")
    assert at.selectbox(key="stage_select").value == "Payment"
    assert "Nobody answered this stage" in texts(at)


def test_selected_stage_reads_customdata():
    event = {"selection": {"points": [{"curve_number": 0, "point_index": 2, "customdata": ["Receiving the money", 120]}]}}
    assert selected_stage(event) == "Receiving the money"
    assert selected_stage({"selection": {"points": []}}) is None
    assert selected_stage(None) is None


def test_markup_in_names_and_comments_is_shown_as_text():
    """A stage named like HTML and a comment starting with '=' are displayed literally (st.text / dataframe)."""
    data = wide_csv(stages=("<script>alert(1)</script>", "**Service**", "Payment"))
    at = upload(new_app().run(), data)
    visit(at, "overview")
    assert not any("<script>" in m.value for m in at.markdown), "user text must not reach st.markdown unescaped"
    at.session_state["stage"] = "<script>alert(1)</script>"
    visit(at, "stage_detail")
    assert at.selectbox(key="stage_select").value == "<script>alert(1)</script>"
    comments = [shown_table(at, "comment")]
    assert comments and comments[0]["comment"].str.startswith("=HYPERLINK").all()  # shown as data, unchanged
    csv = safe_csv(comments[0]).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv  # ... and neutralised in the download
