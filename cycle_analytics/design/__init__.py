"""Designing a survey before data exists: questionnaires, wording checks, exporters.

* :mod:`~cycle_analytics.design.questionnaire` - :func:`build_questionnaire` (a cycle to its
  questionnaire), :func:`fill_template`, the cycle designer's stage table.
* :mod:`~cycle_analytics.design.exporters` - printable HTML, CSV template, Qualtrics TXT and
  Google Forms list of a questionnaire.
* :mod:`~cycle_analytics.design.wording` - :func:`check_question`, the ambiguity checks.
"""

from cycle_analytics.design.exporters import csv_template, google_forms_text, qualtrics_txt, questionnaire_html
from cycle_analytics.design.questionnaire import (
    Question,
    Questionnaire,
    build_questionnaire,
    cycle_from_table,
    fill_template,
    optional_stages,
    scale_options,
    stages_table,
)
from cycle_analytics.design.wording import WordingWarning, check_question

__all__ = [
    "Question", "Questionnaire", "build_questionnaire", "optional_stages", "scale_options", "fill_template",
    "stages_table", "cycle_from_table", "questionnaire_html", "csv_template", "qualtrics_txt", "google_forms_text",
    "WordingWarning", "check_question",
]
