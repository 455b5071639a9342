"""Comment themes, sentiment and theme effects (cycle_analytics.text).

References: planted surveys of tests/comment_synth.py (the truth is known by construction);
scipy.stats.ttest_ind (Welch) and scipy.stats.mannwhitneyu for the theme effect;
statsmodels.stats.multitest.multipletests for the correction; vaderSentiment's own analyser for
the sentiment; Sastrawi's own stemmer for the stems; the bank sample and the RStudio 2018 Spanish
survey in ../shared/realdata for real comments.
"""

from __future__ import annotations

import dataclasses
import html
import io
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
from scipy import stats
from statsmodels.stats.multitest import multipletests
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from cycle_analytics.dataset import CommentColumn
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.outputs.report import excel_report, html_report
from cycle_analytics.stats.analysis import AnalysisSettings, analyze
from cycle_analytics.text import messages as M
from cycle_analytics.text.effects import theme_effects
from cycle_analytics.text.language import comment_language, detect_language, stop_words, validate_language, words
from cycle_analytics.text.sentiment import comment_sentiment
from cycle_analytics.text.themes import RootWords, ThemeSettings, find_themes, tabulate_themes
from cycle_analytics.text.views import (
    survey_comments,
    survey_themes,
    theme_view,
    themes_table,
    view_comments,
    view_outcomes,
    view_rows,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from comment_synth import PHRASES, comment_texts, planted_comment_survey  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
BANK = ROOT / "data" / "sample" / "bank_visit_long.csv"
SPANISH = REALDATA / "googleforms_rstudio_2018_Spanish_Form_Responses_1.tsv"


# ---------------------------------------------------------------------------------------------
# planted themes: the theme a stage's bad raters complain about comes first, with its count


@pytest.mark.parametrize("language", ["en", "id", "es"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_theme_comes_first_for_its_stage_with_the_right_count(language, seed):
    survey, truth = planted_comment_survey(language, seed=seed)
    fitted = survey_themes(survey)
    assert fitted.language.language == language  # detected, not told
    view = theme_view(survey, truth.stage, fitted=fitted)
    top = view.table.iloc[0]
    assert top["rank"] == 1
    assert top["n_comments"] == truth.count
    assert set(top["key_words"].split(", ")) & truth.words
    # the examples are the planted theme's own comments, as written
    queue_phrases = {p.lower() for p in PHRASES[language]["queue"]}
    for example in (top["example_1"], top["example_2"], top["example_3"]):
        assert any(p in example.lower() for p in queue_phrases)
    # on the other stages it is only the complaint of those who also rated the planted stage badly
    for stage in survey.stages:
        if stage != truth.stage:
            other = theme_view(survey, stage, fitted=fitted).table.set_index("theme")
            assert other.loc[top["theme"], "rank"] > 1 and other.loc[top["theme"], "n_comments"] < truth.count / 3


@pytest.mark.parametrize("language", ["en", "id", "es"])
def test_planted_theme_with_comment_columns_tied_to_stages(language):
    """A comment-per-stage export (info.comment_columns): the stage's own column and the general one."""
    survey, truth = planted_comment_survey(language, seed=4, tied=True)
    comments = survey_comments(survey)
    assert set(comments["column"]) == {f"Comment on {truth.stage}", "General comment"}
    assert set(comments.loc[comments["column"] == "General comment", "stage"].map(type)) == {type(None)}
    view = theme_view(survey, truth.stage)
    top = view.table.iloc[0]
    assert top["n_comments"] == truth.count and set(top["key_words"].split(", ")) & truth.words
    assert set(view.comments["question"]) <= {f"What could we have done better at this step: {truth.stage}?", "Anything else?"}


def test_planted_theme_effect_matches_scipy_and_covers_the_planted_cost():
    survey, truth = planted_comment_survey("en", seed=0, cost=1.2)
    fitted = survey_themes(survey)
    view = theme_view(survey, truth.stage, fitted=fitted)
    row = view.table.iloc[0]
    # independent reference: the respondents of the view, split by mention of the theme
    mask, _ = view_rows(fitted.themes.comments, survey, truth.stage)
    ids = fitted.themes.comments["response_id"].to_numpy()[mask]
    mentions = fitted.themes.mentions[mask][:, row["theme"] - 1]
    y = view_outcomes(survey, None, truth.stage)
    with_theme, without = y[ids[mentions]].to_numpy(), y[ids[~mentions]].to_numpy()
    welch = stats.ttest_ind(without, with_theme, equal_var=False)
    ci = welch.confidence_interval(0.95)
    assert row["penalty"] == pytest.approx(without.mean() - with_theme.mean(), abs=1e-12)
    assert (row["penalty_ci_low"], row["penalty_ci_high"]) == pytest.approx((ci.low, ci.high), abs=1e-9)
    assert row["p_value"] == pytest.approx(stats.mannwhitneyu(with_theme, without, method="asymptotic").pvalue, rel=1e-9)
    assert row["penalty_ci_low"] < truth.cost < row["penalty_ci_high"]
    assert row["p_adjusted"] < 1e-6 and not row["small_sample"]
    # the family corrected together is the themes shown for this stage
    expected = multipletests(view.table["p_value"].to_numpy(), method="holm")[1]
    np.testing.assert_allclose(view.table["p_adjusted"].to_numpy(), expected, rtol=1e-12)


def test_themes_are_deterministic_for_a_seed():
    survey, truth = planted_comment_survey("es", seed=3)
    a = themes_table(survey, settings=ThemeSettings(seed=7))
    b = themes_table(survey, settings=ThemeSettings(seed=7))
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------------------------------------
# the method's parts


def test_find_themes_on_a_hand_made_set():
    texts = ["The queue was long", "Long queue again", "Queue far too long", "Rude guard at the door",
             "The guard was rude", "Rude and unfriendly guard", "Long wait in the queue", "Guard rude to me",
             "Queue long and slow", "Unfriendly rude guard", "   ", None]
    comments = pd.DataFrame({"response_id": [f"r{i}" for i in range(12)], "text": texts,
                             "rating": [1, 2, 1, 2, 1, 1, 2, 2, 1, 3, 5, 5]})
    t = find_themes(comments, language="en")
    assert t.k == 2 and len(t.comments) == 10
    assert M.empty_comments_dropped(2) in t.notes
    table = tabulate_themes(t)
    by_word = {row.key_words.split(", ")[0]: row for row in table.itertuples()}
    assert by_word["guard"].n_comments == 5 and by_word["long"].n_comments == 5
    assert by_word["guard"].mean_rating == pytest.approx(np.mean([2, 1, 1, 2, 3]))
    assert set(table["share_pct"]) == {50.0}


def test_too_few_comments_and_no_shared_word_give_no_themes_with_a_sentence():
    few = find_themes(pd.DataFrame({"response_id": ["a", "b"], "text": ["slow", "rude"]}), language="en")
    assert few.k == 0 and len(tabulate_themes(few)) == 0
    assert M.too_few_comments(2, 10) in few.notes
    unique = find_themes(pd.DataFrame({"response_id": list("abcdefghijkl"),
                                       "text": ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
                                                "hotel", "india", "juliett", "kilo", "lima"]}), language="en")
    assert unique.k == 0 and M.no_key_words(12) in unique.notes


def test_bad_inputs_give_one_sentence():
    with pytest.raises(SurveyError, match="response_id and text"):
        find_themes(["not", "a", "table"])
    with pytest.raises(SurveyError, match="no column 'text'"):
        find_themes(pd.DataFrame({"response_id": ["a"]}))
    with pytest.raises(SurveyError, match="max_themes"):
        find_themes(pd.DataFrame({"response_id": ["a"], "text": ["x"]}), settings=ThemeSettings(max_themes=0))
    with pytest.raises(SurveyError, match="comment language must be one of en, id, es"):
        validate_language("fr")
    with pytest.raises(SurveyError, match="no stage"):
        theme_view(planted_comment_survey("en", n=60)[0], "Nowhere")


def test_stop_words_keep_the_content_words_customers_use():
    assert {"the", "and", "was"} <= stop_words("en") and "system" not in stop_words("en")
    assert {"yang", "dan", "tidak", "yg", "gak"} <= stop_words("id") and "lama" not in stop_words("id")
    assert {"la", "que", "muy", "esta"} <= stop_words("es")
    assert not {"tiempo", "bueno", "mejor", "largo", "atencion"} & stop_words("es")
    assert words("¡La atención fue MUY lenta!") == ["la", "atencion", "fue", "muy", "lenta"]


def test_indonesian_stems_equal_sastrawi_own_stemmer():
    from Sastrawi.Stemmer.Stemmer import Stemmer

    fast = Stemmer(RootWords(StemmerFactory().get_words_from_file()))
    reference = StemmerFactory().create_stemmer()
    sample = ["pelayanan", "mengantre", "antrian", "menunggu", "petugasnya", "dibayarkan", "tersembunyi",
              "memuaskan", "keramahan", "perbankan", "kasirnya", "parkirnya", "teller", "qwertzu"]
    assert [fast.stem(w) for w in sample] == [reference.stem(w) for w in sample]


# ---------------------------------------------------------------------------------------------
# language


def test_language_detection_and_the_managers_override():
    assert detect_language(comment_texts(50, "en")).language == "en"
    assert detect_language(comment_texts(50, "id")).language == "id"
    assert detect_language(comment_texts(50, "es")).language == "es"
    french = detect_language(["Le service était très lent et le personnel pas aimable du tout",
                              "Nous avons attendu une heure à la caisse, c'est inacceptable"] * 5)
    assert french.language is None and french.reason.startswith("Not detected")
    assert detect_language(["ok"]).language is None
    chosen = comment_language(comment_texts(50, "en"), "id")
    assert chosen.language == "id" and chosen.source == "manager"


def test_unrecognised_language_still_gives_themes_without_stop_words():
    texts = (["Le guichet était fermé et la file énorme"] * 6 + ["Le parking était plein, pas de place"] * 6)
    t = find_themes(pd.DataFrame({"response_id": [f"r{i}" for i in range(12)], "text": texts}))
    assert t.language.language is None and M.LANGUAGE_NONE_THEMES in t.notes and t.k >= 1


# ---------------------------------------------------------------------------------------------
# sentiment


def test_english_sentiment_is_vaders_compound_score():
    texts = ["The teller was rude and slow.", "Great, friendly staff!", "I went to the branch.", "The teller was rude and slow."]
    s = comment_sentiment(texts, "en")
    reference = SentimentIntensityAnalyzer()
    assert s.scores.tolist() == [reference.polarity_scores(t)["compound"] for t in texts]
    assert s.labels == ("negative", "positive", "neutral", "negative") and s.method.startswith("VADER")


@pytest.mark.parametrize("language, name", [("id", "Indonesian"), ("es", "Spanish")])
def test_no_sentiment_without_a_maintained_lexicon_and_a_sentence_says_so(language, name):
    s = comment_sentiment(["Pelayanan lambat", "La fila era larga"], language)
    assert s.scores is None and s.labels is None and s.method is None
    assert s.reason == M.SENTIMENT_NO_LEXICON.format(name=name)
    survey, truth = planted_comment_survey(language, n=300)
    view = theme_view(survey, truth.stage)
    assert view.comments["sentiment"].isna().all() and view.sentiment_note == s.reason
    assert view.table["mean_sentiment"].isna().all()


# ---------------------------------------------------------------------------------------------
# the survey's comments and the views


def test_comments_from_the_single_comment_column_and_the_stage_view():
    s = import_survey(b"id,wait,pay,comment\nA,1,5,slow queue\nB,5,4,fine\nC,2,3,\nD,1,1,  \n", file_name="x.csv")
    comments = survey_comments(s)
    assert comments[["response_id", "text"]].values.tolist() == [["A", "slow queue"], ["B", "fine"]]
    assert comments["stage"].isna().all()
    wait = view_comments(comments, s, "wait")
    assert wait[["response_id", "rating"]].values.tolist() == [["A", 1.0]]  # C and D wrote nothing
    whole = view_comments(comments, s)
    assert whole["rating"].tolist() == [3.0, 4.5]  # each writer's mean over the stages


def test_stage_view_takes_its_own_column_and_untied_comments_of_its_bad_raters():
    s = import_survey(b"id,wait,pay\nA,1,5\nB,5,4\nC,2,1\n", file_name="x.csv")
    resp = s.responses.assign(**{"Comment on wait": pd.array(["long", "", "slow"], dtype="str"),
                                 "General": pd.array(["meh", "good", "bad pay"], dtype="str")})
    info = dataclasses.replace(s.info, comment_columns=(CommentColumn("Comment on wait", "wait", "Why?"),
                                                        CommentColumn("General", None, "Anything else?")))
    s = dataclasses.replace(s, responses=resp, info=info)
    comments = survey_comments(s)
    assert len(comments) == 5
    wait = view_comments(comments, s, "wait")
    assert sorted(wait["text"]) == ["bad pay", "long", "meh", "slow"]  # B rated wait 5: "good" stays out
    pay = view_comments(comments, s, "pay")
    assert pay["text"].tolist() == ["bad pay"]  # a wait comment is not a pay comment


def test_a_renamed_stage_keeps_its_tied_comments():
    from cycle_analytics.outputs.display_names import DisplayNames, rename_survey

    survey, truth = planted_comment_survey("en", n=400, seed=2, tied=True)
    renamed = rename_survey(survey, DisplayNames(stages=((truth.stage, "Counter"),)))
    before = view_comments(survey_comments(survey), survey, truth.stage)
    after = view_comments(survey_comments(renamed), renamed, "Counter")
    assert len(after) == len(before) > 0 and set(after["stage"].dropna()) == {"Counter"}


def test_themes_table_has_the_whole_survey_first_then_stages_in_cycle_order():
    survey, truth = planted_comment_survey("en", seed=5)
    a = analyze(survey, settings=AnalysisSettings(n_boot=10))
    table = themes_table(survey, a)
    scopes = list(dict.fromkeys(table["scope"]))
    assert scopes[0] == M.WHOLE_SURVEY and scopes[1:] == [st for st in survey.stages if st in scopes]
    assert set(table["language"]) == {"en"} and (table["correction"] == a.settings.correction).all()
    whole = table[table["scope"] == M.WHOLE_SURVEY]
    assert whole["rank"].tolist() == list(range(1, len(whole) + 1))
    assert whole["n_comments"].is_monotonic_decreasing
    assert len(themes_table(import_survey(b"id,wait\nA,1\nB,5\n", file_name="x.csv"))) == 0


def test_theme_effects_family_and_small_samples():
    mentions = np.array([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 0], [1, 1]], dtype=bool)
    y = pd.Series([1.0, 2, 1, 4, 5, 4, np.nan], index=list("abcdefg"))
    out = theme_effects(list("abcdefg"), mentions, y, themes=[3, 9], min_n=3)
    assert out["theme"].tolist() == [3, 9]
    assert out["n_with"].tolist() == [3, 2] and out["n_without"].tolist() == [3, 4]  # g has no outcome
    assert out["small_sample"].tolist() == [False, True]
    np.testing.assert_allclose(out["p_adjusted"], multipletests(out["p_value"], method="holm")[1])
    with pytest.raises(SurveyError, match="one row of true/false values per comment"):
        theme_effects(["a"], np.ones((2, 1), dtype=bool), y)


# ---------------------------------------------------------------------------------------------
# report and workbook: themes and examples, shown as text


@pytest.fixture(scope="module")
def hostile_survey():
    survey, truth = planted_comment_survey("en", n=600, seed=6)
    resp = survey.responses.copy()
    first = resp.index[resp["comment"].str.len() > 0][:2]
    resp.loc[first[0], "comment"] = "<script>alert(1)</script> The queue was far too long. Long queue and a slow wait."
    resp.loc[first[1], "comment"] = "=HYPERLINK(\"http://x.invalid\") The queue was far too long. Queue out of the door again."
    survey = dataclasses.replace(survey, responses=resp)
    return survey, analyze(survey, settings=AnalysisSettings(n_boot=10))


def test_report_shows_themes_and_examples_escaped(hostile_survey):
    survey, a = hostile_survey
    page = html_report(survey, a, figures={})
    section = page[page.index('<section id="themes">'):]
    section = section[: section.index("</section>")]
    assert "<h3>Whole survey</h3>" in section and "Effect on the outcome" in section
    assert "<script>alert(1)</script>" not in page
    themes = themes_table(survey, a)
    for example in themes.loc[themes["scope"] == M.WHOLE_SURVEY, "example_1"]:
        assert html.escape(example) in section


def test_workbook_has_the_themes_sheet_with_inert_text(hostile_survey):
    survey, a = hostile_survey
    wb = openpyxl.load_workbook(io.BytesIO(excel_report(survey, a)))
    ws = wb["Comment themes"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Scope", "Stage", "Language"] and "Example 1" in header
    texts = [c.value for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert not any(t.startswith("=") for t in texts)
    assert ws.max_row == len(themes_table(survey, a)) + 1


# ---------------------------------------------------------------------------------------------
# real comments


def test_bank_sample_comments_give_recognisable_themes():
    survey = import_survey(BANK.read_bytes(), file_name=BANK.name)
    table = themes_table(survey)
    whole = table[table["scope"] == M.WHOLE_SURVEY]
    assert set(table["language"]) == {"en"} and len(whole) >= 3
    words_found = {w for kw in whole["key_words"] for w in kw.split(", ")}
    assert {"wait", "money", "queue"} <= words_found  # the sample's waiting and money complaints
    assert "Waiting for your turn" in set(table["scope"])


def test_spanish_open_answers_of_the_rstudio_survey():
    raw = pd.read_csv(SPANISH, sep="\t")
    column = "¿Qué es lo que menos te gusta de usar R?"
    comments = pd.DataFrame({"response_id": raw.index.astype(str), "text": raw[column]})
    t = find_themes(comments)
    assert t.language.language == "es" and t.k >= 2
    key_words = {w for theme in t.key_words for w in theme}
    assert {"paquetes", "sintaxis"} <= key_words  # what R users in the survey dislike
    assert comment_sentiment(comments["text"].dropna().tolist(), "es").scores is None


# ---------------------------------------------------------------------------------------------
# the Stage detail page (AppTest, no browser)


def test_stage_detail_shows_the_themes_of_the_stage_and_of_the_survey():
    from streamlit.testing.v1 import AppTest

    from cycle_analytics.cycles import load_cycle
    from cycle_analytics.dataset import ImportOptions

    stage = "Waiting for your turn"
    bank = import_survey(BANK.read_bytes(), ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",)),
                         file_name=BANK.name)
    expected = theme_view(bank, stage, outcome=analyze(bank).outcome)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["stage"] = stage
    at.run()
    at.switch_page("app_pages/stage_detail.py").run()
    assert not at.exception

    def themes_shown():
        for d in at.dataframe:
            if M.THEME_HEADERS["key_words"] in d.value.columns:
                return d.value
        raise AssertionError("no themes table")

    shown = themes_shown()
    assert shown[M.THEME_HEADERS["key_words"]].tolist() == expected.table["key_words"].tolist()
    assert shown[M.THEME_HEADERS["n_comments"]].tolist() == expected.table["n_comments"].tolist()
    captions = "\n".join(c.value for c in at.caption)
    assert "English, detected" in captions and "VADER" in captions

    at.radio(key="stage_detail_themes_scope").set_value("survey").run()
    assert not at.exception
    assert themes_shown()[M.THEME_HEADERS["n_comments"]].sum() >= shown[M.THEME_HEADERS["n_comments"]].sum()

    at.selectbox(key="comment_language_select").set_value("es").run()
    assert not at.exception
    captions = "\n".join(c.value for c in at.caption)
    assert "Spanish, chosen by the manager" in captions and "No sentiment for Spanish comments" in captions
    assert at.session_state["comment_language"] == "es"
