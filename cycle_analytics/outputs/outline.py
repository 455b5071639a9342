"""What the outputs say about a survey besides its analysis, with or without the survey's rows.

The HTML report, the workbook, the deck, the PDF and the alerts need a few facts about a survey
beyond its :class:`~cycle_analytics.stats.analysis.Analysis`: its stages, scale and cycle (targets,
phases), how many respondents and ratings, how its answers were counted, its name and layout.
:class:`SurveyOutline` holds them; :func:`survey_outline` builds it

* from an imported :class:`~cycle_analytics.dataset.Survey`: its import summary (``survey.info``),
  and the survey itself, whose rows give the comment themes and the rejected rows;
* from any other builder of the count tables (:class:`~cycle_analytics.stats.tables.TableSource`),
  such as the query engine over a warehouse table, without reading a row: the respondents and
  ratings of ``respondent_counts(filters=)``, and the engine's accounting of every cell read
  (``inventory.by_answer()``, :data:`ANSWER_WORDS`).

A part of an output that needs the rows (the comment themes need every comment, the rejected rows
are rows) says so in one sentence in place of that part: :data:`THEMES_NOT_AVAILABLE`,
:data:`REJECTED_NOT_AVAILABLE`.

Example
-------
>>> from cycle_analytics.ingest.importer import import_survey
>>> o = survey_outline(import_survey(b"id,wait,teller,overall\\nA,4,5,5\\nB,2,3,2\\nC,5,5,4\\n", file_name="visits.csv"))
>>> o.name, o.stages, o.respondents, o.ratings, o.rows_rejected, o.has_rows
('visits.csv', ('wait', 'teller'), 3, 6, 0, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from cycle_analytics.cycles import Cycle
from cycle_analytics.dataset import Survey, declared_critical, stage_targets
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, format_number
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale
from cycle_analytics.stats.filters import Filters

__all__ = ["SurveyOutline", "survey_outline", "answers_in_words", "ANSWER_WORDS", "THEMES_NOT_AVAILABLE",
           "REJECTED_NOT_AVAILABLE"]

#: The comment themes need every comment: what an output says in their place without the rows.
THEMES_NOT_AVAILABLE = N_("Not available for a warehouse source: finding the themes of the comments (this needs the "
                          "survey's individual rows, which stay in the database).")
#: The rejected rows are rows: what an output says in their place without them.
REJECTED_NOT_AVAILABLE = N_("Not available for a warehouse source: the rejected rows (this needs the survey's "
                            "individual rows, which stay in the database).")
#: Answer class of the query engine's accounting (``inventory.by_answer()``) -> its name (English; shown as ``_(word)``).
ANSWER_WORDS = {"score": N_("ratings"), "no_answer": N_("no answer (N/A codes)"), "empty": N_("empty cells"),
                "not_a_number": N_("invalid: not a number"), "off_scale": N_("invalid: off the scale"),
                "unknown_stage": N_("answers to a stage not analysed"), "no_stage": N_("answers without a stage"),
                "no_respondent": N_("answers without a respondent id")}


@dataclass(frozen=True)
class SurveyOutline:
    """A survey as the outputs describe it (see the module docstring).

    ``respondents`` / ``ratings`` count the (filtered) survey the analysis ran on. ``rows_read``,
    ``rows_accepted``, ``rows_rejected``: the import's row accounting of the whole file (``None``
    when the rows were not read: a warehouse table). ``answers``: every cell read, per answer class
    of :data:`ANSWER_WORDS` (the query engine's accounting of the whole source; ``None`` for an
    imported survey, whose accounting is its rows). ``survey``: the imported survey whose rows give
    the comment themes and the rejected rows (``None``: the rows stay where they are).
    """

    name: str | None
    layout: str
    stages: tuple[str, ...]
    scale: Scale
    cycle: Cycle | None
    respondents: int
    ratings: int
    scale_source: str = "inferred"
    na_values: tuple[str, ...] = ()
    rows_read: int | None = None
    rows_accepted: int | None = None
    rows_rejected: int | None = None
    answers: Mapping[str, int] | None = None
    survey: Survey | None = None

    @property
    def has_rows(self) -> bool:
        """Whether the survey's rows are at hand (the comment themes and the rejected rows need them)."""
        return self.survey is not None

    @property
    def rejected(self) -> pd.DataFrame | None:
        """The rejected rows with their reasons (``None`` without the rows)."""
        return self.survey.rejected if self.survey is not None else None

    def targets(self) -> dict[str, float]:
        """Target score per stage on the scale (the cycle's target, else the top of the scale)."""
        return stage_targets(self.cycle, self.stages, self.scale)

    def phases(self) -> dict[str, str | None]:
        """The cycle phase of each stage (``None`` without a cycle or a phase)."""
        by_name = {s.name: s.phase for s in self.cycle.stages} if self.cycle is not None else {}
        return {s: by_name.get(s) for s in self.stages}

    def declared_critical(self) -> tuple[str, ...]:
        """The stages the cycle declares critical moments."""
        return declared_critical(self.cycle, self.stages)


def _validate_outline_source(source) -> None:
    """A Survey, an outline, or a builder of the count tables (stages, scale, respondent_counts)."""
    if isinstance(source, (Survey, SurveyOutline)):
        return
    if not all(hasattr(source, a) for a in ("stages", "scale", "respondent_counts")):
        raise SurveyError(_("The outputs need an imported Survey or a builder of the count tables (such as the query "
                            "engine), not a {type}.").format(type=type(source).__name__))


def survey_outline(source, *, filters: Filters | None = None, name: str | None = None) -> SurveyOutline:
    """The :class:`SurveyOutline` of an imported survey or of a builder of the count tables.

    Parameters
    ----------
    source : Survey, SurveyOutline or TableSource
        An imported (filtered) survey; an outline (returned as it is); or a builder of the count
        tables such as :class:`cycle_analytics.engine.SurveyEngine`, read through
        ``respondent_counts`` and, when it has them, its ``inventory`` (the accounting of every cell),
        ``layout`` and ``rules``: no row is read.
    filters : Filters, optional
        The filters the analysis ran with (a builder of the tables only; an imported survey is
        already filtered).
    name : str, optional
        What the survey is called (default: an imported survey's file name).

    Returns
    -------
    SurveyOutline
    """
    _validate_outline_source(source)
    if isinstance(source, SurveyOutline):
        return source
    if isinstance(source, Survey):
        info = source.info
        file = info.source.get("file") or info.source.get("file_name") or info.source.get("name") \
            if isinstance(info.source, Mapping) else None
        return SurveyOutline(
            name=name or file, layout=info.format, stages=tuple(source.stages), scale=source.scale, cycle=source.cycle,
            respondents=int(info.respondents), ratings=int(info.ratings), scale_source=info.scale_source,
            na_values=tuple(info.na_values), rows_read=int(info.rows_read), rows_accepted=int(info.rows_accepted),
            rows_rejected=int(info.rows_rejected), survey=source)
    counted = source.respondent_counts(filters=filters)
    inventory, rules = getattr(source, "inventory", None), getattr(source, "rules", None)
    given_scale = rules is not None and getattr(rules, "scale", None) is not None
    return SurveyOutline(
        name=name, layout=str(getattr(getattr(source, "layout", None), "kind", "") or ""), stages=tuple(source.stages),
        scale=source.scale, cycle=getattr(source, "cycle", None), respondents=int(counted.respondents),
        ratings=int(counted.ratings), scale_source="user" if given_scale else "inferred",
        na_values=tuple(getattr(rules, "na_values", ()) or ()),
        answers=dict(inventory.by_answer()) if inventory is not None else None)


def answers_in_words(answers: Mapping[str, int]) -> str:
    """Every answer class that holds cells, with its count, in the interface language (ratings always).

    >>> answers_in_words({"score": 1200, "no_answer": 30, "empty": 0, "off_scale": 2})
    'ratings 1,200; no answer (N/A codes) 30; invalid: off the scale 2'
    """
    return "; ".join(f"{_(ANSWER_WORDS[k])} {format_number(n)}" for k, n in answers.items()
                     if k in ANSWER_WORDS and (n or k == "score"))
