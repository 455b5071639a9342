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
from cycle_analytics.engine.layout import LongLayout

__all__ = ["dataset_json", "accounting_lines", "ANSWER_CLASS_LABELS"]

#: How each answer class reads in a sentence (singular, plural).
ANSWER_CLASS_LABELS = {
    "score": ("rating", "ratings"),
    "no_answer": ("no answer", "no answers"),
    "empty": ("empty cell", "empty cells"),
    "not_a_number": ("answer that is not a number", "answers that are not numbers"),
    "off_scale": ("answer off the scale", "answers off the scale"),
    "unknown_stage": ("answer to an unknown stage", "answers to unknown stages"),
    "no_stage": ("answer without a stage", "answers without a stage"),
    "no_respondent": ("answer without a respondent id", "answers without a respondent id"),
}


def dataset_json(engine: SurveyEngine, description: str, *, scale_source: str = "inferred") -> dict:
    """The ``dataset`` block for a table read by the engine.

    ``answers`` counts every cell of the stage columns by class (their sum is every answer read);
    ``respondents`` and ``ratings`` are those the analysis reads (after the engine's filters).
    """
    layout = engine.layout
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
    parts = [f"{by_answer[c]:,} {ANSWER_CLASS_LABELS[c][0 if by_answer[c] == 1 else 1]}" for c in ANSWER_CLASSES
             if by_answer[c] or c == "score"]
    return [
        f"Source: {description} (read by {engine.backend.name}, {engine.layout.kind} layout)   scale: {engine.scale.label()}",
        f"Answers read {read:,} = " + " + ".join(parts) + f"; respondents {counts.respondents:,}; ratings {counts.ratings:,}",
    ]
