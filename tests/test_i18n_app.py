"""The dashboard in English, Indonesian and Spanish (app.py, app_pages/, app_support/).

* no text a manager reads is a bare string literal in an ``st.*`` call of the app: each goes through
  the catalogue (an AST scan; the few exemptions are listed with their reason);
* every message of the app layer has a confirmed translation in each catalogue;
* the Overview page opens in each language from ``?lang=`` and from the browser's language, with
  its numbers written as the language writes them (Babel/CLDR through ``cycle_analytics.i18n``).

Fixture: the bundled bank sample (``data/sample/bank_visit_long.csv``, 1,200 respondents).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from streamlit.testing.v1 import AppTest

from app_support import sidebar, state
from cycle_analytics.cycles import load_cycle
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.i18n import EXTRACTION_KEYWORDS, catalog, format_decimal, format_number, gettext, using_language
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.stats.alerts import find_alerts
from cycle_analytics.stats.analysis import outcome_spec
from cycle_analytics.stats.exclusions import exclude_flagged
from cycle_analytics.stats.headline import headline_figures
from cycle_analytics.stats.quality import quality_report

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
APP_FILES = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py")), *sorted((ROOT / "app_support").glob("*.py"))]

#: Streamlit calls that put text on the screen. Their first positional argument is the text, except
#: where :data:`_NOT_TEXT_FIRST` says it is a path; the keywords of :data:`_TEXT_KEYWORDS` are text too.
_SHOWN = {
    "title", "header", "subheader", "caption", "markdown", "write", "text", "text_input", "text_area", "selectbox",
    "multiselect", "checkbox", "button", "download_button", "file_uploader", "info", "warning", "error", "success",
    "toast", "expander", "radio", "number_input", "date_input", "metric", "tabs", "page_link", "spinner", "status",
    "popover", "toggle", "form_submit_button", "dialog", "progress", "slider", "select_slider", "Page", "link_button",
    "TextColumn", "NumberColumn", "CheckboxColumn", "SelectboxColumn", "ProgressColumn", "DateColumn", "LinkColumn",
}
_NOT_TEXT_FIRST = {"page_link", "Page"}  # st.page_link(page, label=...), st.Page(script, title=...)
_TEXT_KEYWORDS = {"label", "help", "placeholder", "caption", "body", "text", "title"}

_LOGGERS = {"log", "logger", "logging", "LOG"}

#: (file, literal): a text shown as written, on purpose.
EXEMPT = {
    # the language selector names itself in the three languages, so whoever cannot read the
    # current language still finds it
    ("app_support/sidebar.py", ":material/translate: Language · Bahasa · Idioma"),
    # the product's name on the sign-in screen
    ("app_support/sharing.py", "Service Cycle Analytics"),
}


#: Files whose texts are not translated yet, each with its reason; the scan skips them. Keep short.
NOT_YET_TRANSLATED: dict[str, str] = {}


def _has_text(node: ast.AST) -> bool:
    """A string literal with a letter, or an f-string whose literal parts hold a letter (text no
    catalogue translates); an f-string of placeholders only (``f"{label} {pct}"``) is no text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and any(ch.isalpha() for ch in str(v.value)) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # "a" + x: a fragment glued to a value
        return _has_text(node.left) or _has_text(node.right)
    if isinstance(node, ast.IfExp):
        return _has_text(node.body) or _has_text(node.orelse)
    return False


def unmarked_texts(path: Path) -> list[str]:
    """``file:line call(text)`` for every user-visible literal of an ``st.*`` call in ``path``."""
    relative = path.relative_to(ROOT).as_posix()
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SHOWN):
            continue
        if isinstance(node.func.value, ast.Name) and node.func.value.id in _LOGGERS:  # log.info(...): not shown
            continue
        first = [] if node.func.attr in _NOT_TEXT_FIRST else node.args[:1]
        for arg in first + [k.value for k in node.keywords if k.arg in _TEXT_KEYWORDS]:
            if not _has_text(arg):
                continue
            if isinstance(arg, ast.Constant) and (relative, arg.value) in EXEMPT:
                continue
            found.append(f"{relative}:{node.lineno} {node.func.attr}({ast.unparse(arg)[:60]})")
    return found


def test_the_app_shows_no_untranslated_literal():
    found = [x for path in APP_FILES if path.relative_to(ROOT).as_posix() not in NOT_YET_TRANSLATED
             for x in unmarked_texts(path)]
    assert found == [], "wrap these in gettext (cycle_analytics.i18n):\n" + "\n".join(found)


def test_the_scan_finds_literals_fragments_and_fstrings(tmp_path):
    probe = ROOT / "app_pages" / "_i18n_scan_probe.py"  # inside the scanned tree, removed at once
    probe.write_text(
        'st.button("Save", help=_("ok"))\n'
        'st.caption(f"{n} rows")\n'
        'st.caption(f"{a} {b}")\n'
        'st.caption("Stages: " + names)\n'
        'st.caption(_("x") if a else "y")\n'
        'st.column_config.TextColumn("Owner")\n'
        'st.page_link("app_pages/data.py", label=_("Data"))\n'
        'st.Page("app_pages/overview.py", title="Overview")\n', encoding="utf-8")
    try:
        found = [x.split(" ", 1)[1] for x in unmarked_texts(probe)]
    finally:
        probe.unlink()
    assert found == ["button('Save')", "caption(f'{n} rows')", "caption('Stages: ' + names)",
                     "caption(_('x') if a else 'y')", "TextColumn('Owner')", "Page('Overview')"]


def _app_messages() -> dict:
    out: dict = {}
    for path in APP_FILES:
        for lineno, message, _comments, context in extract_from_file("python", str(path), keywords=EXTRACTION_KEYWORDS):
            out.setdefault((context, message), f"{path.relative_to(ROOT)}:{lineno}")
    return out


@pytest.mark.parametrize("language", ["id", "es"])
def test_every_app_message_has_a_confirmed_translation(language):
    cat = catalog(language)
    missing = []
    for (context, message), where in _app_messages().items():
        entry = cat.get(message, context=context)
        strings = () if entry is None else (entry.string if isinstance(entry.string, tuple) else (entry.string,))
        if entry is None or entry.fuzzy or not all(s and s.strip() for s in strings):
            missing.append(f"{where}: {message!r}")
    assert missing == [], f"{len(missing)} app messages have no {language} translation: {missing[:5]}"


# ------------------------------------------------------------------ the Overview page in each language


@pytest.fixture(scope="module")
def bank_headline():
    survey = import_survey(ROOT / "data" / "sample" / "bank_visit_long.csv",
                           ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",)))
    return len(survey.responses), headline_figures(survey, outcome_spec(survey, survey.info.outcome))


def _metric(at: AppTest, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}: {[m.label for m in at.metric]}")


@pytest.mark.parametrize(("language", "title", "responses", "satisfaction"), [
    ("en", "Service cycle overview", "Responses", "Overall satisfaction"),
    ("id", "Ringkasan siklus layanan", "Respons", "Kepuasan keseluruhan"),
    ("es", "Resumen del ciclo de servicio", "Respuestas", "Satisfacción general"),
])
def test_overview_in_each_language(language, title, responses, satisfaction, bank_headline):
    n, headline = bank_headline
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params[state.Q_LANG] = language
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == title
    with using_language(language):
        assert gettext("Overall satisfaction") == satisfaction
        # 1,200 respondents: "1,200" in English, "1.200" in Indonesian and Spanish
        assert _metric(at, responses) == format_number(n) == {"en": "1,200", "id": "1.200", "es": "1.200"}[language]
        assert _metric(at, satisfaction) == format_decimal(headline.outcome_mean, 2)
    assert ("," in _metric(at, satisfaction)) == (language != "en")  # the decimal comma
    assert at.selectbox(key=state.LANGUAGE).value == language
    assert at.query_params.get(state.Q_LANG) in ([language], language) or language == "en"


def test_the_browser_language_is_the_default_and_the_url_wins():
    assert state.initial_language(None, "es-MX") == "es"
    assert state.initial_language(None, None, "id-ID,id;q=0.9") == "id"
    assert state.initial_language("en", "es-MX") == "en"  # ?lang= wins over the browser
    assert state.initial_language(None, "fr-FR") == "en"
    # the sidebar reads the browser's language where Streamlit exposes it (st.context.locale, 1.4x+)
    assert "st.context.locale" in Path(sidebar.__file__).read_text(encoding="utf-8")


def test_switching_language_keeps_the_view_and_rewrites_the_page():
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert at.title[0].value == "Service cycle overview"
    at.selectbox(key=state.LANGUAGE).set_value("es").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Resumen del ciclo de servicio"
    assert at.sidebar.selectbox(key="outcome").label == "Resultado"
    assert at.selectbox(key=state.SAMPLE).value == "bank_visit"


# ------------------------------------------------------------------ alerts and response quality in each language

#: One below-target alert of the bank sample (last month 2026-08) and one quality-flag title and rule,
#: per language, as a person who speaks the language writes them.
ALERT_WAITING = {
    "en": "Waiting for your turn is below its target: 3.58 in 2026-08 against a target of 4 (206 answers).",
    "id": "Waiting for your turn berada di bawah targetnya: 3,58 pada 2026-08, dibandingkan target 4 (206 jawaban).",
    "es": "Waiting for your turn está por debajo de su objetivo: 3,58 en 2026-08 frente a un objetivo de 4 "
          "(206 respuestas).",
}
STRAIGHT_LINERS = {
    "en": ("Straight-liners", "Rated at least 5 stages, all with the same score."),
    "id": ("Jawaban seragam", "Menilai sedikitnya 5 tahap, semuanya dengan skor yang sama."),
    "es": ("Respuestas en línea recta", "Calificó al menos 5 etapas, todas con la misma puntuación."),
}


@pytest.fixture(scope="module")
def bank_survey():
    return import_survey(ROOT / "data" / "sample" / "bank_visit_long.csv",
                         ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",)))


@pytest.mark.parametrize("language", ["en", "id", "es"])
def test_an_alert_and_a_quality_flag_read_naturally_in_each_language(language, bank_survey):
    with using_language(language):
        alerts = find_alerts(bank_survey)
        summary = quality_report(bank_survey).summary().set_index("flag")
        excluded = exclude_flagged(bank_survey, quality_report(bank_survey), "straightliners")[1].sentence()
    said = {a.stage: a.sentence for a in alerts.alerts}
    assert said["Waiting for your turn"] == ALERT_WAITING[language]
    assert (summary.loc["straightliners", "label"], summary.loc["straightliners", "rule"]) == STRAIGHT_LINERS[language]
    assert excluded == {
        "en": "Excluded for response quality: 3 of 1,200 respondents (3 straight-liners).",
        "id": "Dikecualikan karena kualitas respons: 3 dari 1.200 responden (3 jawaban seragam).",
        "es": "Excluidos por calidad de las respuestas: 3 de 1.200 encuestados (3 respuestas en línea recta).",
    }[language]
    # what the alert is about is the same in every language
    assert [(a.kind, a.stage, a.n) for a in alerts.alerts] == [(a.kind, a.stage, a.n) for a in find_alerts(bank_survey).alerts]


@pytest.mark.parametrize("language", ["id", "es"])
def test_the_overview_alerts_and_the_data_page_flags_in_each_language(language):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params[state.Q_LANG] = language
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    box = at.main.warning[0].value.replace("\\", "")  # the sentences are escaped for markdown
    assert ALERT_WAITING[language] in box and ALERT_WAITING["en"] not in box
    with using_language(language):  # AppTest formats the widgets' options again in this thread, in its language
        at.switch_page("app_pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    title, rule = STRAIGHT_LINERS[language]
    flag = next(m for m in at.metric if m.label == title)
    assert flag.value == "3"
    assert any(c.value.replace("\\", "").endswith(rule) for c in at.main.caption)
