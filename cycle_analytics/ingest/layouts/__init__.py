"""Raw table -> tidy :class:`~cycle_analytics.dataset.Survey` for the plain long and wide layouts.

* **long** (:mod:`.long`): one row per respondent and stage -- an id column whose values repeat, a
  stage-name column (a few distinct texts, distinct within a respondent) and a numeric score
  column; the respondent's other columns (date, segments, outcomes, comment) repeat on every row
  and the first non-empty value per respondent is kept.
* **wide** (:mod:`.wide`): one row per respondent, one column per stage (also survey-tool exports,
  whose header rows an :class:`~cycle_analytics.ingest.formats.base.ExportLayout` has already
  taken care of).

Everything is computed on the *distinct* cell texts of each column (a few dozen for stage and
score columns; :mod:`.columns`) and mapped to rows with integer codes (:mod:`.codes`): no Python
loop over rows.

Row accounting (``rows_read == rows_accepted + rows_rejected``; :mod:`.rejections`): a data row is
rejected, with the first matching reason, only when the row itself is unusable:

* the reader could not split it into the header's number of cells, or every cell is empty;
* long: the id is missing; the stage is missing, unknown to the cycle or not among the chosen
  stages; or the respondent already rated that stage on an earlier row;
* wide: the id is missing or repeats an earlier row's id.

Answer accounting (``answers_read == ratings + no_answers + invalid_answers``): an answer is a
stage cell of an accepted row (wide) or the score of an accepted row (long). It is a rating; or no
answer (empty, an N/A code, a built-in missing-answer token such as ``NA``, ``#N/A``, ``-`` or a
label such as ``Don't know`` / ``Tidak tahu`` / ``No sabe``); or *invalid* (not a number, a number
outside the scale, an unknown answer label). An invalid answer loses that answer only: it is
listed in ``Survey.invalid`` with its row, column, value and reason, and the rest of the row (the
respondent's other ratings) is used.

N/A codes: the user's (``ImportOptions.na_values``, compared as text, case and surrounding spaces
ignored, and numerically for numbers), the file's declared missing values (SPSS, Stata), the
built-in tokens, and the values just outside a clean scale that the importer reads as no answer
(:mod:`.scale_choice`: ``0`` or ``6`` on 1-5, ``11`` on 0-10, ``99``), each listed in
``info.na_codes`` with its count and reason.

Wide files (plain or survey-tool exports) may hold choice text instead of codes. Before the stages
are chosen, :mod:`.text_answers` scores the text columns from their distinct values (the user's
``ImportOptions.label_map`` first): a known label gets its score, an N/A label (``N/A``, ``Don't
know``...) is no answer, and any other text in a label column is an *unknown label*: a row holding
one in a stage column is an invalid answer with a reason naming the label;
``info.unknown_labels`` lists each with its count and columns, and a note says the same. When
every label stage column uses the same label set, its scale is used (a 4-point set stays 1-4;
:mod:`.scale_choice`).

Stages without a cycle or a choice: the largest coherent block of rating questions (:mod:`.blocks`:
a shared name code such as ``Q7*``, one scale, items that move together), never ids, weights,
times, day codes, sampling design, interview method, coded demographics, counts or stated
importance (``qi6`` next to ``q6``, "How important is ..."). Stages of survey-tool exports: with a cycle, :func:`cycle_analytics.ingest.mapping.map_questions`
maps the rating questions (exact, alias, fuzzy with a confidence, recorded in
``ColumnRole.detail``); without one the stages are named by
:func:`cycle_analytics.ingest.mapping.default_stage_names` (matrix row label or shortened
question). Questions that read like an overall outcome in any of the supported languages
(:func:`cycle_analytics.ingest.names.looks_like_outcome`) are outcome candidates, not stages. The
outcome, date, weight, segment and comment columns are chosen by :mod:`.respondents`, and
:mod:`.finish` builds the :class:`~cycle_analytics.dataset.DatasetInfo`.

Example
-------
>>> from cycle_analytics.ingest.reading import read_raw
>>> raw = read_raw(b"id,wait,teller,age\\nA,4,5,34\\nB,2,x,51\\nC,3,4,29\\n")
>>> s = build_survey(raw)
>>> s.info.format, s.info.stages, s.info.rows_rejected, s.info.ratings, s.invalid.to_dict("records")
('wide', ('wait', 'teller'), 0, 5, [{'row': 2, 'column': 'teller', 'value': 'x', 'reason': "'x' is not a number"}])
"""

from __future__ import annotations

from cycle_analytics.dataset import ImportOptions, Survey, validate_import_options
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.layouts.columns import profile_column
from cycle_analytics.ingest.layouts.long import build_long, find_long_columns
from cycle_analytics.ingest.layouts.wide import build_wide
from cycle_analytics.ingest.reading import RawTable

__all__ = ["build_survey"]


def build_survey(raw: RawTable, options: ImportOptions = ImportOptions()) -> Survey:
    """Build the tidy :class:`Survey` from a :class:`~cycle_analytics.ingest.reading.RawTable`.

    Parameters
    ----------
    raw : RawTable
        From :func:`cycle_analytics.ingest.reading.read_raw`.
    options : ImportOptions
        Cycle, chosen stages, outcome, positive label, N/A codes, scale, segments, layout.

    Returns
    -------
    Survey

    Raises
    ------
    SurveyError
        One sentence when the options are of the wrong kind or the table cannot be read as a survey.

    Examples
    --------
    >>> from cycle_analytics.ingest.reading import read_raw
    >>> raw = read_raw(b"id,stage,score\\n1,Wait,4\\n1,Pay,5\\n2,Wait,x\\n2,Pay,3\\n3,Wait,2\\n")
    >>> s = build_survey(raw)
    >>> s.info.format, s.info.stages, s.info.rows_accepted, s.info.rows_rejected, s.info.invalid_answers
    ('long', ('Wait', 'Pay'), 5, 0, 1)
    """
    validate_import_options(options)
    layout = raw.layout
    questions = dict(layout.questions) if layout is not None else {}
    cols = [profile_column(c, options.na_values, str(questions.get(c.name, "") or "")) for c in raw.columns]
    if not cols:
        raise SurveyError(_("The file {get!r} has no columns to read.").format(get=raw.source.get('file_name') or ''))
    if layout is None and options.layout in (None, "long"):
        found = find_long_columns(cols, raw, options)
        if found is not None:
            return build_long(raw, cols, found, options)
        if options.layout == "long":
            raise SurveyError(
                _("The file is not a long layout: no respondent id column with repeating values, stage-name column and score column were found.")
            )
    return build_wide(raw, cols, options)
