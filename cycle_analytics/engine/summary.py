"""What the engine read, for the command line: the ``dataset`` block of ``analyze --json`` and its lines of text.

An imported file is described by its :class:`~cycle_analytics.dataset.DatasetInfo` (rows read,
accepted, rejected with a reason each). A table read by the engine is never copied row by row:
its accounting is the first pass's count of every answer by class
(:meth:`cycle_analytics.engine.AnswerInventory.by_answer`: a score, no answer, empty, not a number,
off the scale, an unknown stage, no stage, no respondent id), which :func:`dataset_json` reports
beside the respondents, ratings, stages, scale and column roles.
"""

from __future__ import annotations

from cycle_analytics.engine.answers import ANSWER_CLASSES
from cycle_analytics.engine.engine import SurveyEngine
from cycle_analytics.engine.layout import Layout, LongLayout
from cycle_analytics.i18n import format_number, ngettext
from cycle_analytics.i18n import gettext as _

__all__ = ["dataset_json", "accounting_lines", "answer_class_text"]


def answer_class_text(kind: str, n: int) -> str:
    """``n`` answers of the class ``kind`` (:data:`~cycle_analytics.engine.answers.ANSWER_CLASSES`) in
    the interface language ("1 rating", "12 empty cells").

    >>> answer_class_text("score", 1), answer_class_text("empty", 1200)
    ('1 rating', '1,200 empty cells')
    """
    if kind == "score":
        text = ngettext("{n} rating", "{n} ratings", n)
    elif kind == "no_answer":
        text = ngettext("{n} no answer", "{n} no answers", n)
    elif kind == "empty":
        text = ngettext("{n} empty cell", "{n} empty cells", n)
    elif kind == "not_a_number":
        text = ngettext("{n} answer that is not a number", "{n} answers that are not numbers", n)
    elif kind == "off_scale":
        text = ngettext("{n} answer off the scale", "{n} answers off the scale", n)
    elif kind == "unknown_stage":
        text = ngettext("{n} answer to an unknown stage", "{n} answers to unknown stages", n)
    elif kind == "no_stage":
        text = ngettext("{n} answer without a stage", "{n} answers without a stage", n)
    else:
        text = ngettext("{n} answer without a respondent id", "{n} answers without a respondent id", n)
    return text.format(n=format_number(n))


def dataset_json(engine: SurveyEngine, description: str, *, scale_source: str = "inferred", layout: Layout | None = None) -> dict:
    """The ``dataset`` block for a table read by the engine.

    ``answers`` counts every cell of the stage columns by class (their sum is every answer read);
    ``respondents`` and ``ratings`` are those the analysis reads (after the engine's filters).
    ``layout``: the column roles to report when the engine reads fewer columns than were found
    (default: the engine's layout).
    """
    layout = engine.layout if layout is None else layout
    counts = engine.respondent_counts()
    by_answer = engine.inventory.by_answer()
    return {
        "format": layout.kind,
        "engine": engine.backend.name,
        "source": description,
        "respondents": counts.respondents,
        "ratings": counts.ratings,
        "scale": engine.scale.as_list(),
        "scale_source": scale_source,
        "stages": list(engine.stages),
        "outcome_candidates": list(layout.outcomes),
        "segments": list(layout.segments),
        "id_column": layout.respondent,
        "stage_column": layout.stage if isinstance(layout, LongLayout) else None,
        "score_column": layout.score if isinstance(layout, LongLayout) else None,
        "stage_columns": None if isinstance(layout, LongLayout) else [c for c, _ in layout.stage_columns],
        "date_column": layout.date,
        "comment_column": layout.comment,
        "weight_column": layout.weight,
        "na_values": list(engine.rules.na_values),
        "answers_read": int(sum(by_answer.values())),
        "answers": {c: int(by_answer[c]) for c in ANSWER_CLASSES},
        "first_date": None if counts.first_date is None else counts.first_date.date().isoformat(),
        "last_date": None if counts.last_date is None else counts.last_date.date().isoformat(),
    }


def accounting_lines(engine: SurveyEngine, description: str) -> list[str]:
    """The plain-text head of ``analyze`` for a table read by the engine: where, what, and every answer counted."""
    by_answer = engine.inventory.by_answer()
    counts = engine.respondent_counts()
    read = sum(by_answer.values())
    parts = [answer_class_text(c, by_answer[c]) for c in ANSWER_CLASSES if by_answer[c] or c == "score"]
    source = (_("Source: {source} (read by {engine}, long layout)   scale: {scale}") if engine.layout.kind == "long" else
              _("Source: {source} (read by {engine}, wide layout)   scale: {scale}"))
    return [
        source.format(source=description, engine=engine.backend.name, scale=engine.scale.label()),
        _("Answers read {read} = {parts}; respondents {respondents}; ratings {ratings}").format(
            read=format_number(read), parts=" + ".join(parts), respondents=format_number(counts.respondents),
            ratings=format_number(counts.ratings)),
    ]
