"""AppTest tests of a manager's first hour: action plans that keep every edit, safe stage mappings,
the "Fix first" overview, plain words in the tables, names people use and the bundled sample.

Run: ``python -m pytest tests/test_app_workflow.py -q``. The browser versions of the same steps are in
tests/browser/test_workflow_browser.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_support import state
from workflow_files import bank_wide_csv, stage_comments_csv

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


def new_app(**context) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in context.items():
        at.context[k] = v
    return at


def clean(at: AppTest, where: str = "") -> AppTest:
    assert not at.exception, f"{where}: {[e.value for e in at.exception]}"
    return at


def visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py").run()
    return clean(at, page)


# ---------------------------------------------------------------- action plans


class BrowserEditor:
    """What a browser sends for an ``st.data_editor``: the edits made in the editor it shows, as one
    growing delta per editor (a new editor, with another key, starts from an empty delta)."""

    def __init__(self, at: AppTest):
        self.at = at
        self.deltas: dict[str, dict] = {}

    def type(self, row: int, column: str, text: str) -> None:
        key = self.at.data_editor[0].key
        delta = self.deltas.setdefault(key, {"edited_rows": {}, "added_rows": [], "deleted_rows": []})
        delta["edited_rows"].setdefault(row, {})[column] = text
        self.at.session_state[key] = delta
        self.at.run()
        clean(self.at, f"typing {text!r}")


def stored_plans(at: AppTest) -> pd.DataFrame:
    return at.session_state[state.PLANS]


def test_plan_editor_keeps_every_edit_typed_in_a_row():
    at = visit(new_app(locale="en-GB").run(), "priorities")
    editor = BrowserEditor(at)
    typed = [(0, "action", "Train the tellers"), (0, "owner", "Ann"), (1, "action", "Add a second till"),
             (1, "due_date", "2026-03-31"), (2, "requirement", "Clear signs"), (2, "due_date", "30/04/2026")]
    for row, column, text in typed:
        editor.type(row, column, text)
    plans = stored_plans(at)
    assert plans.loc[0, "action"] == "Train the tellers" and plans.loc[0, "owner"] == "Ann"
    assert plans.loc[1, "action"] == "Add a second till"
    assert plans.loc[2, "requirement"] == "Clear signs"
    # ISO, and the browser's (British) day-first order
    assert plans["due_date"].iloc[:3].dt.strftime("%Y-%m-%d").fillna("").tolist() == ["", "2026-03-31", "2026-04-30"]
    assert not at.error, [e.value for e in at.error]


def test_plan_editor_reads_month_first_dates_in_a_us_browser_and_says_what_it_wants():
    at = visit(new_app(locale="en-US").run(), "priorities")
    editor = BrowserEditor(at)
    editor.type(0, "due_date", "04/30/2026")
    assert stored_plans(at)["due_date"].iloc[0].date().isoformat() == "2026-04-30"
    editor.type(1, "due_date", "next week")
    assert any("YYYY-MM-DD or MM/DD/YYYY" in e.value for e in at.error)
    assert stored_plans(at)["due_date"].iloc[0].date().isoformat() == "2026-04-30"  # the good edit is kept


def test_plan_editor_shows_empty_due_dates_as_empty():
    at = visit(new_app().run(), "priorities")
    shown = at.data_editor[0].value
    assert set(shown["due_date"]) == {""}


# ---------------------------------------------------------------- safe stage mappings

EDITOR = "data_mapping_editor"
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "id",
        "client_secret": "secret", "server_metadata_url": "https://idp.invalid/.well-known/openid-configuration"}


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CYCLE_ANALYTICS_DATA_DIR", str(tmp_path))
    return tmp_path


def open_data(data: bytes, *, browser: str | None = None, user: str | None = None, cycle: str | None = None,
              name: str = "bank.csv") -> AppTest:
    """Upload ``data`` and open the Data page, as ``browser`` (an earlier session's browser id; the
    app keeps it in a cookie, which AppTest cannot send) or as the signed-in ``user``."""
    at = new_app()
    if user:
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": True, "email": user}
    if browser:
        at.session_state[state.BROWSER_ID] = browser
    clean(at.run(), "start")
    at.file_uploader(key="upload").set_value((name, data, "text/csv")).run()
    clean(at, "upload")
    if cycle:
        at.selectbox(key="cycle").set_value(cycle).run()
        clean(at, "cycle")
    return visit(at, "data")


def stages_read(at: AppTest) -> str:
    df = next(d.value for d in at.dataframe if list(d.value.columns) == ["item", "value"])
    return str(df.loc[df["item"] == "stages", "value"].iloc[0])


def edit_mapping(at: AppTest, changes: dict[str, str]) -> AppTest:
    table = at.dataframe(key=EDITOR).value
    rows = dict(zip(table["column"], range(len(table))))
    at.session_state[EDITOR] = {"edited_rows": {rows[c]: {"stage": s} for c, s in changes.items()},
                                "added_rows": [], "deleted_rows": []}
    return clean(at.run(), "edit mapping")


def saved_mappings(data_dir: Path) -> list[Path]:
    return list((data_dir / "mappings").rglob("mapping-*.json"))


def test_two_columns_on_one_stage_are_refused_in_the_grid_and_never_stored(data_dir):
    at = open_data(bank_wide_csv(), cycle="bank_visit")
    before = stages_read(at)
    edit_mapping(at, {"wait": "Taking a number"})  # take_number already rates "Taking a number"
    assert any("more than one column" in e.value and "take_number, wait" in e.value for e in at.error)
    assert at.button(key="data_apply_mapping").disabled
    assert saved_mappings(data_dir) == []
    assert stages_read(at) == before  # nothing applied: every page still works
    for page in ("overview", "critical_moments", "priorities"):
        visit(at, page)
        assert not at.error, page


def test_a_saved_mapping_that_does_not_import_is_not_applied(data_dir):
    """A mapping memory from before these checks (two columns on one stage) must not break the file."""
    from cycle_analytics.ingest.mapping import MappingStore
    from app_support import loaders

    data = bank_wide_csv()
    first = open_data(data)
    sig = loaders.survey_signature(first.session_state[state.VIEW].survey)
    browser = first.session_state[state.BROWSER_ID]
    store = MappingStore.for_owner(data_dir / "mappings", f"browser:{browser}")
    store.save(sig, {"getting_there": "Arrival", "wait": "Arrival"}, cycle=None)
    at = open_data(data, browser=browser)
    assert any("was not used" in w.value and "more than one column" in w.value for w in at.warning)
    assert "Arrival" not in stages_read(at)
    for page in ("overview", "critical_moments", "priorities"):
        visit(at, page)
        assert not at.error, page


def test_mapping_memory_is_per_browser_with_an_undo(data_dir):
    data = bank_wide_csv()
    a = open_data(data)
    edit_mapping(a, {"wait": "Queue"})
    a.button(key="data_apply_mapping").click().run()
    clean(a, "apply")
    assert "Queue" in stages_read(a)
    assert len(saved_mappings(data_dir)) == 1
    # another browser uploading the same file sees the importer's guesses
    b = open_data(data)
    assert "Queue" not in stages_read(b)
    assert not any("Reused mapping" in i.value for i in b.info)
    # the same browser, later: reused, said so with the date, and undone with one click
    a2 = open_data(data, browser=a.session_state[state.BROWSER_ID])
    assert "Queue" in stages_read(a2)
    assert any(i.value.startswith("Reused mapping from 20") for i in a2.info)
    a2.button(key="mapping_undo").click().run()
    clean(a2, "undo")
    assert "Queue" not in stages_read(a2)
    assert len(saved_mappings(data_dir)) == 1  # undo keeps the memory; "forget" deletes it
    a3 = open_data(data, browser=a.session_state[state.BROWSER_ID])
    a3.button(key="mapping_forget").click().run()
    clean(a3, "forget")
    assert saved_mappings(data_dir) == [] and "Queue" not in stages_read(a3)


def test_mapping_memory_is_per_user_with_login(data_dir):
    data = bank_wide_csv()
    ann = open_data(data, user="ann@example.com")
    edit_mapping(ann, {"wait": "Queue"})
    ann.button(key="data_apply_mapping").click().run()
    clean(ann, "apply")
    bob = open_data(data, user="bob@example.com")
    assert "Queue" not in stages_read(bob)
    ann_elsewhere = open_data(data, user="ann@example.com")  # another browser, same user
    assert "Queue" in stages_read(ann_elsewhere)
    assert not any("ann@example.com" in str(p) for p in saved_mappings(data_dir))  # no address on disk


# ---------------------------------------------------------------- the bundled sample


def test_bundled_sample_opens_with_no_answer_rejected_as_not_applicable():
    """data/sample/README.md: with N/A declared, only the deliberately bad rows are rejected."""
    at = visit(new_app().run(), "data")
    rejected = at.session_state[state.VIEW].imported.rejected
    assert not rejected["reason"].str.contains("'N/A'").any()
    assert at.session_state[state.VIEW].imported.info.na_answers == 30


# ---------------------------------------------------------------- a template never drops a stage silently


def test_template_lists_the_stages_it_leaves_out_and_adds_them():
    at = open_data(bank_wide_csv(), cycle="bank_visit")
    assert "Asking for guidance" not in stages_read(at)
    warned = [w.value for w in at.sidebar.warning if "leaves out" in w.value]
    assert warned and "Asking for guidance" in warned[0]
    at.button(key="add_unmatched_stages").click().run()
    clean(at, "add stages")
    at.run()
    stages = stages_read(at).split(" → ")
    assert stages.index("Asking for guidance") == stages.index("Taking a number") + 1  # where it is in the file
    assert not [w for w in at.sidebar.warning if "leaves out" in w.value]


# ---------------------------------------------------------------- names people use


def test_names_given_once_flow_into_every_page_sentence_and_chart():
    at = visit(new_app().run(), "priorities")
    BrowserEditor(at).type(0, "action", "Count the money twice")  # a plan on the stage about to be renamed
    top = str(stored_plans(at)["stage"].iloc[0])
    visit(at, "data")
    names = at.data_editor(key=state.NAMES_EDITOR).value
    rows = dict(zip(names["in_file"], range(len(names))))
    at.session_state[state.NAMES_EDITOR] = {
        "edited_rows": {rows["overall_satisfaction"]: {"shown": "Branch rating"}, rows[top]: {"shown": "Payout"},
                        rows["branch"]: {"shown": "Office"}},
        "added_rows": [], "deleted_rows": []}
    clean(at.run(), "names typed")
    at.button(key="data_apply_names").click().run()
    clean(at, "names applied")
    view = at.session_state[state.VIEW]
    assert "Payout" in view.survey.stages and top not in view.survey.stages
    assert view.outcome.display() == "Branch rating"
    assert "Office" in view.survey.info.segments and "Office" in [m.label for m in at.sidebar.multiselect]
    visit(at, "overview")
    page_text = " ".join(str(m.value) for m in at.markdown) + " ".join(str(t.value) for t in at.text)
    assert "branch rating" in page_text and "overall satisfaction" not in page_text and "Payout" in page_text
    fig = at.get("plotly_chart")[0].proto.spec
    assert "Payout" in fig and top not in fig
    visit(at, "critical_moments")
    assert "Drop in branch rating" in at.get("plotly_chart")[0].proto.spec
    assert stored_plans(at)["stage"].astype(str).iloc[0] == "Payout"  # the plan follows its stage
    assert stored_plans(at)["action"].iloc[0] == "Count the money twice"


# ---------------------------------------------------------------- a stage's own comment question


def test_stage_detail_shows_the_comments_of_the_stage_own_question():
    at = new_app()
    clean(at.run(), "start")
    at.file_uploader(key="upload").set_value(("stages_with_comments.csv", stage_comments_csv(), "text/csv")).run()
    info = at.session_state[state.VIEW].survey.info
    assert any(c.column == "wait_comment" and c.stage == "wait" for c in info.comment_columns), info.comment_columns
    at.session_state[state.STAGE] = "wait"
    visit(at, "stage_detail")
    shown = next(d.value for d in at.dataframe if "Comment" in d.value.columns and "Rating" in d.value.columns)
    assert set(shown["Comment"]) == {"queue too long"}
    assert any("own question on this stage" in str(c.value) for c in at.caption)


# ---------------------------------------------------------------- plain words


RAW_NAMES = {"p_adjusted", "p_value", "n_bad", "bad_pct", "score_100", "declared_verdict", "rest_mean", "diff_vs_rest",
             "priority_score", "stability_top3", "period_label_last", "mean_last", "u_statistic", "n_groups", "response_id"}


# Editors show plain labels through their column config (AppTest reads the data's names), and the
# comment-theme tables of Stage detail belong to the themes view: both are left out here.
@pytest.mark.parametrize("page", ["overview", "critical_moments", "priorities", "stage_detail", "segments", "trends"])
def test_tables_a_manager_reads_have_plain_headers_and_no_raw_dump(page):
    at = visit(new_app().run(), page)
    analysis_tables = [d for d in at.dataframe
                       if d.editing_mode == "read_only" and not {"sentiment", "sentiment_label", "key_words"} & set(d.value.columns)]
    assert analysis_tables or page == "overview"
    for d in analysis_tables:
        headers = set(map(str, d.value.columns))
        assert not headers & RAW_NAMES, (page, headers & RAW_NAMES)
        assert not any("_" in h for h in headers), (page, headers)
    assert not at.get("json"), "no raw JSON settings dump"
    for d in analysis_tables:  # empty cells, never the text "None" or "NaT"
        text = d.value.astype(str)
        assert not text.isin(["None", "NaT", "nan"]).any().any() or d.value.isna().any().any(), page
