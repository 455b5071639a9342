"""The analysis package speaks the manager's language (cycle_analytics.i18n applied to cycle_analytics/).

* an AST scan: in the converted modules of ``cycle_analytics/`` no sentence a manager reads bypasses
  the catalogue (``raise SurveyError("...")``, ``notes.append(f"...")``, a rejection reason, the
  ``return`` of a sentence builder); the modules not converted yet are listed, each with its reason;
* one evidence sentence per language, pinned on the bank sample (written by a person who speaks it);
* the HTML report in Spanish has no English heading or table header left; the Excel headers follow;
* an importer error and an answer's reason in Indonesian;
* ``python -m cycle_analytics --lang``: text in the language, ``--json`` stays English;
* what the importer counts is counted from structured data, never read back from its sentences.
"""

from __future__ import annotations

import ast
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from cycle_analytics import cli
from cycle_analytics.cycles import load_cycle
from cycle_analytics.dataset import REJECTED_REPEATED_ID, ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import LANGUAGES, using_language
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.ingest.sandbox import import_isolated
from cycle_analytics.outputs.report import excel_report, html_report
from cycle_analytics.stats.analysis import AnalysisSettings, analyze
from cycle_analytics.stats.quality import quality_report
from cycle_analytics.text.themes import ThemeSettings
from cycle_analytics.text.views import survey_themes, themes_table

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cycle_analytics"
BANK = ROOT / "data" / "sample" / "bank_visit_long.csv"

#: Modules of cycle_analytics/ whose sentences are not converted yet (the scan skips them). Each
#: entry says why; shrink this list, never grow it.
NOT_CONVERTED: dict[str, str] = {}
#: Functions whose ``return`` is a sentence a manager reads.
SENTENCE_FUNCTIONS = re.compile(r"(sentence|message|describe)$")


def _literal_text(node: ast.AST | None) -> bool:
    """A string literal with a letter in it, or an f-string with words: text no catalogue translates."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and any(ch.isalpha() for ch in v.value) for v in node.values)
    return False


def untranslated_sentences(tree: ast.AST, where: str) -> list[str]:
    """The sentences of ``tree`` that bypass the catalogue: ``SurveyError(<literal>)``,
    ``notes.append(<literal>)``, ``<rejections>.reason(<literal>)`` and the literal ``return`` of a
    function named ``*sentence``, ``*message`` or ``describe``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            f = node.func
            shown = ((isinstance(f, ast.Name) and f.id == "SurveyError")
                     or (isinstance(f, ast.Attribute) and f.attr == "append" and isinstance(f.value, ast.Name)
                         and f.value.id == "notes")
                     or (isinstance(f, ast.Attribute) and f.attr == "reason"))
            if shown and _literal_text(node.args[0]):
                found.append(f"{where}:{node.lineno} {ast.unparse(node)[:70]}")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and SENTENCE_FUNCTIONS.search(node.name):
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and _literal_text(ret.value):
                    found.append(f"{where}:{ret.lineno} {node.name} returns {ast.unparse(ret.value)[:60]}")
    return sorted(found, key=lambda text: int(text.split(":")[1].split()[0]))


def _converted_modules() -> list[Path]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if not any(rel == k or (k.endswith("/") and rel.startswith(k)) for k in NOT_CONVERTED):
            out.append(path)
    return out


def test_the_converted_modules_say_every_sentence_through_the_catalogue():
    modules = _converted_modules()
    assert {"stats/critical.py", "outputs/report.py", "ingest/reading.py", "dataset.py", "cli.py"} <= \
        {p.relative_to(PACKAGE).as_posix() for p in modules}
    found = []
    for path in modules:
        found += untranslated_sentences(ast.parse(path.read_text(encoding="utf-8")), path.relative_to(ROOT).as_posix())
    assert found == []


def test_every_exemption_names_a_module_that_exists():
    for key in NOT_CONVERTED:
        assert (PACKAGE / key).exists(), key


def test_the_scan_finds_each_kind_of_untranslated_sentence():
    tree = ast.parse(
        'raise SurveyError(f"The file {name} is empty.")\n'
        'raise SurveyError(_("The file {name} is empty.").format(name=name))\n'
        'notes.append("Dates are local.")\n'
        'rej.mark(m, rej.reason("missing id"))\n'
        'def evidence_sentence(x):\n    return f"{x} customers rated it badly."\n'
        'def other(x):\n    return f"{x} rows"\n'
    )
    found = untranslated_sentences(tree, "probe.py")
    assert [x.split(" ")[0] for x in found] == ["probe.py:1", "probe.py:3", "probe.py:4", "probe.py:6"]
    assert [x.split(" ")[1][:12] for x in found] == ["SurveyError(", "notes.append", "rej.reason('", "evidence_sen"]


# ------------------------------------------------------------------ the bank sample in three languages


@pytest.fixture(scope="module")
def bank():
    survey = import_survey(BANK.read_bytes(), ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",)),
                           file_name=BANK.name)
    analyses = {code: _analysis(survey, code) for code in LANGUAGES}
    fitted = survey_themes(survey, settings=ThemeSettings(seed=analyses["en"].settings.seed))
    themes = {}
    for code in ("en", "es"):  # the scope "Whole survey" is named in the report's language
        with using_language(code):
            themes[code] = themes_table(survey, analyses[code], fitted=fitted)
    return survey, analyses, themes


def _analysis(survey, language):
    with using_language(language):
        return analyze(survey, settings=AnalysisSettings(n_boot=20))


def test_the_evidence_of_the_critical_moment_reads_naturally_in_each_language(bank):
    _survey, analyses, _themes = bank
    said = {code: a.moments.set_index("stage").loc["Receiving the money", "evidence"] for code, a in analyses.items()}
    assert said["en"] == ("Among 664 customers for whom every other moment went well, the 35 who had a bad experience "
                          "at Receiving the money gave an overall satisfaction 1.9 points lower (p < 0.001).")
    assert said["id"] == ("Di antara 664 pelanggan yang mendapat pengalaman baik di semua momen lainnya, 35 pelanggan "
                          "yang mendapat pengalaman buruk di Receiving the money memberi nilai overall satisfaction "
                          "1,9 poin lebih rendah (p < 0,001).")
    assert said["es"] == ("Entre 664 clientes para quienes todos los demás momentos salieron bien, los 35 que tuvieron "
                          "una mala experiencia en Receiving the money dieron una puntuación de overall satisfaction "
                          "1,9 puntos más baja (p < 0,001).")
    # the numbers and verdicts themselves do not depend on the language
    for code in ("id", "es"):
        assert analyses[code].moments["verdict"].tolist() == analyses["en"].moments["verdict"].tolist()


def test_a_pain_point_and_a_small_stage_in_each_language(bank):
    _survey, analyses, _themes = bank
    ev = {code: a.moments.set_index("stage")["evidence"] for code, a in analyses.items()}
    assert ev["es"]["Taking a number"] == ("Solo 23 clientes calificaron mal Taking a number; se necesitan al menos 30 "
                                           "para saber si una mala experiencia allí perjudica su overall satisfaction.")
    assert ev["id"]["Waiting for your turn"].startswith("419 pelanggan (36%) memberi nilai buruk pada Waiting for your "
                                                        "turn, tetapi dengan semua momen lain dibuat tetap")
    assert ev["es"]["Waiting for your turn"].endswith(": un punto de dolor, no un momento crítico.")


class _Texts(HTMLParser):
    """The texts of the headings, table headers, definition terms and navigation links of a page."""

    TAGS = {"h1", "h2", "h3", "th", "dt", "a"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.TAGS:
            self.open.append(tag)
            self.texts.append("")

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            self.texts[-1] += data


def _headings(page: str) -> list[str]:
    parser = _Texts()
    parser.feed(page)
    return [t.strip() for t in parser.texts]


#: Headings that are the same word in Spanish (abbreviations, symbols) or names from the data.
SAME_IN_SPANISH = {"#", "n", "NPS"}


def test_the_report_in_spanish_has_no_english_heading_left(bank):
    survey, analyses, themes = bank
    english = _headings(html_report(survey, analyses["en"], figures={}, themes=themes["en"]))
    with using_language("es"):
        page = html_report(survey, analyses["es"], figures={}, themes=themes["es"])
    spanish = _headings(page)
    assert len(spanish) == len(english)
    # stage names and comment-theme labels come from the file: the same in every language
    from_data = set(survey.info.stages) | set(themes["en"]["label"].astype(str)) | {"Service cycle report"}
    left = [(en, es) for en, es in zip(english, spanish)
            if en == es and en not in SAME_IN_SPANISH and en not in from_data and any(ch.isalpha() for ch in en)]
    assert left == []
    assert '<html lang="es">' in page
    for heading in ("Cifras principales", "Momentos críticos", "Notas de método", "Puntuaciones por etapa", "Veredicto"):
        assert heading in spanish
    assert "ciclo: Visita a una sucursal bancaria para cobrar un cheque" in page  # the template's Spanish name
    assert "Momento crítico" in page and "Datos insuficientes" in page  # the verdict codes, named


def test_the_workbook_in_spanish_names_its_sheets_and_headers(bank):
    survey, analyses, themes = bank
    with using_language("es"):
        wb = openpyxl.load_workbook(io.BytesIO(excel_report(survey, analyses["es"], themes=themes["es"])))
    assert {"Resumen", "Puntuaciones por etapa", "Momentos críticos", "Prioridades"} <= set(wb.sheetnames)
    headers = [c.value for c in wb["Momentos críticos"][1]]
    assert headers[:4] == ["Etapa", "Veredicto", "Declarado crítico", "Veredicto sobre lo declarado"]
    assert wb["Momentos críticos"]["B2"].value in {"Correcto", "Momento crítico", "Punto de dolor", "Datos insuficientes"}


# ------------------------------------------------------------------ the importer in Indonesian


def test_an_importer_error_and_an_answer_reason_in_indonesian():
    with using_language("id"), pytest.raises(SurveyError) as err:
        import_survey(b"id,wait,teller\n", ImportOptions(), file_name="kosong.csv")
    assert str(err.value) == "Berkas 'kosong.csv' memiliki judul tetapi tidak ada baris data."
    data = b"id,wait,teller\nA,1,5\nB,abc,4\nC,7,3\nD,2,2\nE,3,1\n"
    with using_language("id"):
        survey = import_survey(data, ImportOptions(scale=None), file_name="x.csv")
    reasons = set(survey.invalid["reason"])
    assert "'abc' bukan angka" in reasons
    with pytest.raises(SurveyError, match="has a header but no data rows"):  # English outside the block
        import_survey(b"id,wait,teller\n", ImportOptions(), file_name="kosong.csv")


def test_the_import_worker_process_speaks_the_language_of_the_session():
    with using_language("es"), pytest.raises(SurveyError) as err:
        import_isolated(b"id,wait,teller\n", ImportOptions(), file_name="vacio.csv")
    assert str(err.value) == "El archivo 'vacio.csv' tiene encabezado pero ninguna fila de datos."


def test_repeated_ids_are_counted_from_the_importers_kinds_not_its_words():
    data = b"id,wait,teller\nA,1,5\nA,2,4\nB,3,3\nC,4,2\nD,5,1\n"
    for language in LANGUAGES:
        with using_language(language):
            survey = import_survey(data, ImportOptions(), file_name="x.csv")
        assert survey.info.rejected_by_kind == {REJECTED_REPEATED_ID: 1}
        assert quality_report(survey).duplicate_ids_rejected == 1


# ------------------------------------------------------------------ the command line


def test_the_command_line_speaks_lang_and_keeps_json_english(capsys):
    assert cli.INTERFACE_LANGUAGES == LANGUAGES
    args = [str(BANK), "--cycle", "bank_visit", "--na-values", "N/A", "--min-n", "30"]
    assert cli.main(["analyze", *args, "--lang", "es"]) == 0
    text = capsys.readouterr().out
    assert "Momentos críticos:" in text and "Entre 664 clientes" in text and "Filas leídas 9.042" in text
    assert cli.main(["analyze", *args, "--lang", "id", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["critical_moments"][0]["evidence"].startswith("Among 664 customers")
