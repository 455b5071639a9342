"""The interface in English, Indonesian and Spanish (cycle_analytics.i18n and its catalogues).

* every message Babel extracts from the code has a confirmed translation in each catalogue, with
  the same ``{placeholders}``, and the template ``messages.pot`` is the extraction as it stands;
* the page scripts converted so far show no literal text that bypasses the catalogue (an AST scan);
* one sentence per converted area and language is pinned (written by a person who speaks it);
* numbers and dates follow the locale (CLDR data through Babel);
* the current language lives in a context variable: one session's choice never leaks into another's;
* the label sets read an Indonesian and a Spanish Google-Forms-like export with no options.
"""

from __future__ import annotations

import ast
import contextvars
import datetime as dt
import io
import string
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from cycle_analytics import figures
from cycle_analytics.cycles import list_templates, load_cycle, localized_cycle
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.design.exporters import qualtrics_txt, questionnaire_html
from cycle_analytics.design.questionnaire import (
    ANSWER_LABEL_CONTEXT, LABEL_SET_NAMES, SCALES, build_questionnaire, optional_stages, scale_options,
)
from cycle_analytics.design.wording import check_question
from cycle_analytics.i18n import (
    EXTRACTION_KEYWORDS, LANGUAGES, LOCALE_DIR, TEMPLATE_CONTEXT, catalog, current_language, format_date,
    format_decimal, format_number, format_p_value, format_percent, gettext, language_from_locale, ngettext,
    pgettext, set_language, source_message, translations_of, using_language, validate_interface_language,
)
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.ingest.labels import LABEL_SETS, label_key
from cycle_analytics.ingest.names import NO_ANSWER_KEYS
from cycle_analytics.text import messages as M

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = [code for code in LANGUAGES if code != "en"]
#: The page scripts whose every user-visible text goes through the catalogue.
CONVERTED_PAGES = ["app_pages/cycle_designer.py", "app_pages/survey_builder.py"]


# ------------------------------------------------------------------ catalogue completeness


def _extracted() -> dict[tuple[str | None, object], list[str]]:
    """Every message Babel extracts with babel.cfg from the code and templates: (context, id) -> places."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    out: dict = {}
    for file_name, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=EXTRACTION_KEYWORDS):
        key = (context, message if isinstance(message, str) else tuple(message))
        out.setdefault(key, []).append(f"{file_name}:{lineno}")
    return out


@pytest.fixture(scope="module")
def extracted():
    return _extracted()


def test_extraction_finds_the_texts_of_every_converted_area(extracted):
    places = {p.split(":")[0] for where in extracted.values() for p in where}
    for part in ("cycle_analytics/templates/bank_visit.yaml", "cycle_analytics/design/questionnaire.py",
                 "cycle_analytics/design/wording.py", "cycle_analytics/figures/journey.py",
                 "cycle_analytics/text/messages.py", "cycle_analytics/ingest/labels.py", *CONVERTED_PAGES):
        assert part in places, part
    assert len(extracted) > 400


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_extracted_message_has_a_confirmed_translation(extracted, language):
    cat = catalog(language)
    missing = []
    for (context, msgid), where in sorted(extracted.items(), key=lambda kv: str(kv[0])):
        entry = cat.get(msgid, context=context)
        strings = () if entry is None else (entry.string if isinstance(entry.string, tuple) else (entry.string,))
        if entry is None or entry.fuzzy or not strings or not all(s and s.strip() for s in strings):
            missing.append(f"{where[0]}: {msgid!r}")
    assert missing == [], f"{len(missing)} messages have no {language} translation, first: {missing[:5]}"


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders_of_their_message(language):
    bad = []
    for entry in catalog(language):
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set().union(*(_fields(i) for i in ids))
        for s in strings:
            if _fields(s) - wanted or (len(ids) == 1 and _fields(s) != wanted):
                bad.append((entry.id, s))
    assert bad == []


def test_plural_forms_follow_each_language():
    # CLDR: Indonesian has one form, Spanish two (one / other).
    assert catalog("id").num_plurals == 1 and catalog("es").num_plurals == 2
    with using_language("id"):
        assert ngettext("{n} stage", "{n} stages", 1).format(n=1) == "1 tahap"
        assert ngettext("{n} stage", "{n} stages", 5).format(n=5) == "5 tahap"
    with using_language("es"):
        assert ngettext("{n} stage", "{n} stages", 1).format(n=1) == "1 etapa"
        assert ngettext("{n} stage", "{n} stages", 5).format(n=5) == "5 etapas"


def test_the_template_pot_is_the_extraction_as_it_stands(extracted):
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        pot = read_po(handle)
    in_pot = {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in pot if m.id}
    assert in_pot == set(extracted), "run the extraction command in the docstring of cycle_analytics/i18n.py"


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_po_file_opens_with_its_glossary(language):
    text = (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    head = text.split('msgid ""')[0]
    terms = {"id": ("momen kebenaran", "siklus layanan", "momen kritis", "titik masalah", "Anda"),
             "es": ("momento de la verdad", "ciclo de servicio", "momento crítico", "punto de dolor", "usted")}
    assert all(t in head for t in terms[language])


# ------------------------------------------------------------------ texts that bypass the catalogue

#: Streamlit calls that put text on the screen, and the arguments holding that text.
_SHOWN = {"title", "header", "subheader", "caption", "markdown", "write", "text_input", "text_area", "selectbox",
          "multiselect", "checkbox", "button", "download_button", "file_uploader", "info", "warning", "error",
          "success", "toast", "expander", "radio", "number_input", "date_input", "metric", "tabs", "page_link",
          "TextColumn", "NumberColumn", "CheckboxColumn", "SelectboxColumn", "spinner", "status", "popover", "toggle"}
_TEXT_KEYWORDS = {"label", "help", "placeholder", "caption", "body", "text"}


def _literal_text(node: ast.AST) -> bool:
    """A string literal with a letter in it, or an f-string: text that no catalogue translates."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value)
    return isinstance(node, ast.JoinedStr)


def unmarked_texts(path: Path) -> list[str]:
    """``st.<call>("literal")`` and ``help="literal"`` in a page script (lines and calls)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SHOWN):
            continue
        args = node.args[:1] + [k.value for k in node.keywords if k.arg in _TEXT_KEYWORDS]
        for arg in args:
            if _literal_text(arg):
                found.append(f"{path.name}:{node.lineno} {node.func.attr}({ast.unparse(arg)[:40]})")
    return found


@pytest.mark.parametrize("page", CONVERTED_PAGES)
def test_converted_pages_show_no_untranslated_literal(page):
    assert unmarked_texts(ROOT / page) == []


def test_the_scan_finds_a_literal_label():
    tree = ast.parse('st.button("Save", help=_("ok"))\nst.caption(f"{n} rows")\nst.caption(_("x"))\n')
    path = ROOT / "tests" / "data" / "_scan_probe.py"
    path.write_text(ast.unparse(tree), encoding="utf-8")
    try:
        assert [x.split(" ", 1)[1] for x in unmarked_texts(path)] == ["button('Save')", "caption(f'{n} rows')"]
    finally:
        path.unlink()


# ------------------------------------------------------------------ one pinned sentence per area and language


def test_cycle_templates_in_each_language():
    bank = load_cycle("bank_visit")
    with using_language("id"):
        c = localized_cycle(bank)
        assert c.name == "Kunjungan ke kantor cabang bank untuk mencairkan cek"
        assert c.stages[6].name == "Menerima uang" and c.stages[6].phase == "Di loket" and c.stages[6].critical
        assert c.stages[3].question == "Bagaimana tingkat kepuasan Anda terhadap lamanya Anda menunggu sampai nomor Anda dipanggil?"
    c = localized_cycle(bank, "es")
    assert c.stages[0].name == "Llegar a la sucursal"
    assert c.stages[6].question == "¿Cuál es su grado de satisfacción con la entrega de su dinero por parte del cajero?"
    assert [s.target for s in c.stages] == [s.target for s in bank.stages]
    assert localized_cycle(c, "en") == bank and localized_cycle(localized_cycle(bank, "id"), "es") == c


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("stem", sorted(list_templates()))
def test_translated_templates_are_complete_and_their_questions_pass_the_wording_checks(stem, language):
    english = load_cycle(stem)
    cycle = localized_cycle(english, language)
    for en, tr in zip(english.stages, cycle.stages):
        assert tr.name != en.name or en.name == "Check-out"
        assert (tr.phase is None) == (en.phase is None) and bool(tr.description) == bool(en.description)
        assert check_question(tr.question, language=language) == [], (tr.name, tr.question)
        assert len(tr.name) <= 60  # a display name (cycle_analytics.outputs.display_names.MAX_NAME)
    # the stages some customers skip are found in every language
    assert len(optional_stages(cycle)) == len(optional_stages(english))


def test_a_stage_is_found_by_its_name_and_question_in_every_language():
    bank = load_cycle("bank_visit")
    for language in TRANSLATED:
        translated = localized_cycle(bank, language)
        for en, tr in zip(bank.stages, translated.stages):
            assert bank.find_stage(tr.name) is en and bank.find_stage(tr.question) is en
            assert translated.find_stage(en.name) is tr and translated.find_stage(en.question) is tr
    assert source_message("Menunggu giliran Anda") == "Waiting for your turn"
    assert translations_of("A stage of my own") == ("A stage of my own",)


def test_questionnaire_in_each_language():
    bank = load_cycle("bank_visit")
    with using_language("id"):
        q = build_questionnaire(localized_cycle(bank), segments=(("Cabang", ("Utara", "Selatan")),))
        assert q.questions[0].text == "Cabang mana yang sesuai dengan Anda?"
        assert q.questions[1].options[0] == "1 - Sangat tidak puas"
        assert q.by_kind("recommend")[0].text == "Seberapa besar kemungkinan Anda merekomendasikan kami kepada teman atau kolega?"
        assert q.by_kind("comment")[0].column == "Komentar tentang Mengambil nomor antrean"
        assert all(x.warnings == () for x in q.questions)
        assert '<html lang="id">' in questionnaire_html(q) and "[[Block:Pengalaman Anda]]" in qualtrics_txt(q)
    with using_language("es"):
        q = build_questionnaire(localized_cycle(load_cycle("hotel_stay")))
        assert q.questions[0].text == "¿Qué canal corresponde a su caso?"
        assert q.by_kind("overall")[0].text == "En general, ¿cuál es su grado de satisfacción con su experiencia?"
        breakfast = [x for x in q.questions if x.stage == "Desayuno"][0]
        assert breakfast.na_option == "No aplica" and breakfast.warnings == ()
        assert q.intro.endswith("Elija 'No aplica' para un paso por el que no pasó.")
        assert all(x.warnings == () for x in q.questions)


def test_wording_checks_read_each_language_and_answer_in_the_interface_language():
    with using_language("es"):
        [w] = check_question("¿Nunca tuvo problemas con el cajero?")
        assert w.rule == "negation" and w.message.startswith("Usa una negación ('Nunca')")
        assert [x.rule for x in check_question("¿A menudo usa nuestro IVR?")] == ["vague_quantifier", "jargon"]
    with using_language("id"):
        rules = [w.rule for w in check_question("Seberapa puas Anda dengan keramahan dan kecepatan teller?")]
        assert rules == ["double_barrelled", "leading"]
        assert check_question("Apakah petugas tidak sopan?")[0].message.startswith("Menggunakan kata negatif ('tidak')")
        assert check_question("Bagaimana tingkat kepuasan Anda terhadap waktu tunggu?") == []
    # English questions keep their English rules whatever the interface language
    assert [w.rule for w in check_question("Do you often use our IVR?", language="en")] == ["vague_quantifier", "jargon"]


def test_comment_sentences_in_each_language():
    with using_language("id"):
        assert M.empty_comments_dropped(3) == "3 komentar kosong tidak disertakan."
        assert M.themes_found(4, 1250, gettext("Indonesian")) == "4 tema dalam 1.250 komentar (bahasa Indonesia)."
    with using_language("es"):
        assert M.empty_comments_dropped(1) == "Se descartó 1 comentario vacío."
        assert M.themes_found(4, 1250, gettext("Spanish")) == "4 temas en 1.250 comentarios (español)."
        assert gettext(M.NO_STAGE).format(stage="Pago") == "La encuesta no tiene la etapa 'Pago'."
    assert M.themes_found(1, 12, None) == "1 theme in 12 comments (language not recognised)."


def _journey_table():
    stages = pd.Categorical(["Llegada", "Espera"], categories=["Llegada", "Espera"], ordered=True)
    return pd.DataFrame({"stage": stages, "n": [1200, 35], "mean": [4.125, 3.2], "ci_low": [3.9, 2.9],
                         "ci_high": [4.3, 3.5], "small_sample": [False, True]})


def test_figures_in_each_language():
    verdicts = pd.DataFrame({"stage": ["Espera"], "verdict": ["critical"]})
    with using_language("es"):
        fig = figures.journey_figure(_journey_table(), verdicts=verdicts, targets={"Llegada": 4.5}, scale=(1, 5))
        assert [t.name for t in fig.data] == ["Momento crítico", "Puntuación (intervalo del 95 %)",
                                              "Muestra pequeña (hueco)", "Objetivo"]
        hover = fig.data[1].hovertext[0]
        assert "Media 4,12 (intervalo del 95 % 3,90–4,30)" in hover and "n = 1.200" in hover
        assert fig.layout.yaxis.title.text == "Puntuación media (escala 1–5)"
    with using_language("id"):
        fig = figures.journey_figure(_journey_table(), scale=(1, 5))
        assert "<i>Sampel kecil: baca dengan hati-hati</i>" in fig.data[0].hovertext[1]
        empty = figures.journey_figure(None)
        assert empty.layout.annotations[0].text.startswith("Tidak ada skor tahap untuk ditampilkan")
        assert figures.cycle_flow_figure(localized_cycle(load_cycle("bank_visit"))).data[-1].name == \
            "Momen kritis yang ditetapkan (★)"


def test_answer_labels_in_each_language():
    with using_language("es"):
        assert scale_options("1-7", "agreement")[0][2] == "3 - Algo en desacuerdo"
        assert pgettext(ANSWER_LABEL_CONTEXT, "Fair") == "Regular"
    with using_language("id"):
        assert scale_options("1-5", "ease")[0][-1] == "5 - Sangat mudah"


# ------------------------------------------------------------------ numbers and dates


def test_numbers_and_dates_follow_the_locale():
    day = dt.date(2026, 3, 5)
    with using_language("en"):
        assert (format_number(1234567.4), format_decimal(1234.5), format_percent(0.253), format_p_value(0.0004)) == \
               ("1,234,567", "1,234.50", "25%", "< 0.001")
        assert format_date(day) == "Mar 5, 2026"
    with using_language("id"):
        assert (format_number(1234567.4), format_decimal(1234.5), format_percent(0.253), format_p_value(0.0312)) == \
               ("1.234.567", "1.234,50", "25%", "0,031")
        assert format_date(day, "long") == "5 Maret 2026"
    with using_language("es"):
        assert (format_number(1234567.4), format_decimal(-0.456), format_percent(0.253, 1)) == \
               ("1.234.567", "-0,46", "25,3\u00a0%")
        assert format_date(pd.Timestamp(day), "long") == "5 de marzo de 2026"
    with using_language("es", browser_locale="es-MX"):  # the browser's region refines the numbers
        assert format_decimal(1234.5) == "1,234.50"
    for missing in (None, float("nan"), np.inf, "x"):
        assert format_decimal(missing) == "–" and format_number(missing) == "–"
    assert format_date(None) == "–" and format_date(pd.NaT) == "–"
    # rounding as Python's format rounds (English output unchanged by the move to Babel)
    assert format_decimal(2.675) == f"{2.675:.2f}" and format_decimal(0.125) == f"{0.125:.2f}"


def test_languages_from_browser_locales_and_validation():
    assert [language_from_locale(x) for x in ("id-ID", "in", "es-419", "en-GB", "fr-FR", None)] == \
           ["id", "id", "es", "en", None, None]
    assert validate_interface_language("ID") == "id"
    with pytest.raises(SurveyError, match="interface language"):
        validate_interface_language("fr")


# ------------------------------------------------------------------ the language is per context


def test_each_thread_keeps_its_own_language():
    """Streamlit runs every session's script in its own thread: two sessions that choose different
    languages at the same moment each read their own, and a new thread starts in English."""
    barrier = threading.Barrier(3)
    seen: dict[str, list] = {}

    def session(language: str) -> None:
        set_language(language)
        barrier.wait()  # every session has chosen before any reads
        seen[language] = [current_language(), gettext("Critical moment"), format_decimal(1.5)]
        barrier.wait()

    threads = [threading.Thread(target=session, args=(code,)) for code in LANGUAGES]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"en": ["en", "Critical moment", "1.50"], "id": ["id", "Momen kritis", "1,50"],
                    "es": ["es", "Momento crítico", "1,50"]}
    assert current_language() == "en"  # the test's own thread never chose


def test_using_language_restores_and_copied_contexts_carry_the_language():
    with using_language("id"):
        ctx = contextvars.copy_context()
        with using_language("es"):
            assert current_language() == "es"
        assert current_language() == "id"
    assert current_language() == "en"
    assert ctx.run(current_language) == "id"  # work handed to another thread takes the language with it


# ------------------------------------------------------------------ label sets read Indonesian and Spanish exports


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("label_set", LABEL_SET_NAMES)
@pytest.mark.parametrize("scale", SCALES)
def test_every_answer_label_the_builder_writes_is_read_back_as_its_score(language, label_set, scale):
    with using_language(language):
        options, values = scale_options(scale, label_set)
    family = [v for v in LABEL_SETS if v.family == label_set]
    same_length = [v for v in family if len(v.points) == len(values)]
    for i, (option, value) in enumerate(zip(options, values)):
        label = option.split(" - ", 1)[1] if " - " in option else ""
        if not label:
            continue
        if same_length:  # every point labelled: the label alone scores the point
            assert same_length[0].lookup().get(label_key(label)) == value, (language, label, value)
        else:  # only the ends labelled, with their numbers: the ends of the family's first variant
            end = 1 if i == 0 else len(family[0].points)
            assert family[0].lookup().get(label_key(label)) == family[0].minimum + end - 1, (language, label)


@pytest.mark.parametrize("language", TRANSLATED)
def test_not_applicable_is_a_no_answer_label_in_every_language(language):
    with using_language(language):
        assert label_key(gettext("Not applicable")) in NO_ANSWER_KEYS


def _google_forms_export(language: str, seed: int) -> tuple[bytes, dict[str, list[int]]]:
    """A Google-Forms-like export of the bank-visit survey in ``language``: a timestamp column
    named as Google names it in that language, the questions as headers, the chosen labels (no
    numbers) as answers, and 'Not applicable' here and there."""
    rng = np.random.default_rng(seed)
    with using_language(language):
        # no overall question: the importer does not yet take "Secara keseluruhan, ..." for the outcome
        q = build_questionnaire(localized_cycle(load_cycle("bank_visit")), segments=(), include_recommend=False,
                                include_overall=False)
        labels = [o.split(" - ", 1)[1] for o in q.questions[0].options]
        na = gettext("Not applicable")
    stamp = {"id": "Stempel waktu", "es": "Marca temporal"}[language]
    n = 60
    data = {stamp: (pd.Timestamp("2026-02-01") + pd.to_timedelta(np.arange(n), unit="h")).strftime("%d/%m/%Y %H:%M:%S")}
    truth = {}
    for qu in q.questions:
        if qu.kind == "rating":
            scores = rng.integers(1, 6, n)
            answers = np.asarray(labels, dtype=object)[scores - 1]
            answers[:3] = na
            truth[qu.stage] = scores[3:].tolist()
            data[qu.text] = answers
    buf = io.StringIO()
    pd.DataFrame(data).to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8"), truth


@pytest.mark.parametrize("language", TRANSLATED)
def test_an_indonesian_or_spanish_google_forms_export_is_read_with_no_options(language):
    data, truth = _google_forms_export(language, seed=7)
    survey = import_survey(data, ImportOptions(), file_name="form.csv")
    assert len(survey.info.stages) == len(truth)
    assert survey.info.unknown_labels == ()
    assert survey.info.na_answers == 3 * len(truth)
    assert survey.ratings["score"].between(1, 5).all() and len(survey.ratings) == sum(map(len, truth.values()))


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_english_template_reads_a_translated_export_stage_by_stage(language):
    data, truth = _google_forms_export(language, seed=11)
    bank = load_cycle("bank_visit")
    survey = import_survey(data, ImportOptions(cycle=bank), file_name="form.csv")
    assert survey.info.stages == bank.stage_names  # every translated question found its English stage
    with using_language(language):
        shown = {s.name: en.name for s, en in zip(localized_cycle(bank).stages, bank.stages)}
    got = survey.ratings.groupby("stage", observed=True)["score"].apply(list).to_dict()
    assert {shown[k]: sorted(v) for k, v in truth.items()} == {k: sorted(int(x) for x in v) for k, v in got.items()}
