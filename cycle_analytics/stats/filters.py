"""Restrict a survey to a date range and to chosen segment values (the app's global filters).

:class:`Filters` holds a filter in a frozen, hashable form (the app caches results per filter);
:func:`filter_survey` applies it to an imported survey in memory, and the query engine turns the
same object into WHERE clauses (:func:`cycle_analytics.engine.filters.filter_predicates`).
Semantics, the same on both: respondents without a date are excluded by a date range; a bare end
date includes that whole day; segment values are compared as text; an empty list of values keeps
nobody; ``None`` values for a column keep everybody.

The result of :func:`filter_survey` keeps the code-order convention of :mod:`cycle_analytics.dataset` (through
:func:`~cycle_analytics.dataset.subset_responses`), the same stages and the same scale. A filter
that selects nobody gives an empty survey (0 respondents, 0 ratings), never an error, so a page can
say "no responses match the filters".

Example
-------
>>> from cycle_analytics.ingest.importer import import_survey
>>> s = import_survey(b"id,branch,wait,pay\\nA,North,4,5\\nB,South,2,3\\nC,North,5,5\\n")
>>> f = filter_survey(s, segments={"branch": ["North"]})
>>> f.info.respondents, f.info.ratings, list(f.responses.response_id)
(2, 4, ['A', 'C'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from collections.abc import Mapping
from dataclasses import dataclass

from cycle_analytics.dataset import Survey, subset_responses
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _

__all__ = ["Filters", "NO_FILTERS", "filter_survey", "filter_mask"]


@dataclass(frozen=True)
class Filters:
    """A date range ``(start, end)`` (``None`` for an open end) and segment values to keep.

    ``segments`` accepts a mapping column -> values and is stored as sorted ``(column, values)``
    pairs; ``None`` values for a column keep everybody (the pair is dropped).

    >>> f = Filters(date_range=("2024-01-01", None), segments={"region": ["North"]})
    >>> f.segments, f.is_empty
    ((('region', ('North',)),), False)
    """

    date_range: tuple[object, object] | None = None
    segments: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        segments = self.segments.items() if isinstance(self.segments, Mapping) else (self.segments or ())
        pairs = tuple(sorted((str(c), tuple(str(v) for v in values)) for c, values in segments if values is not None))
        object.__setattr__(self, "segments", pairs)
        if self.date_range is not None:
            if not isinstance(self.date_range, (tuple, list)) or len(self.date_range) != 2:
                raise SurveyError(_("The date range must be a pair (start, end); use None for an open end."))
            object.__setattr__(self, "date_range", tuple(self.date_range))

    @property
    def is_empty(self) -> bool:
        return self.date_range is None and not self.segments

    def apply(self, survey: Survey) -> Survey:
        """:func:`filter_survey` of ``survey`` with these filters (the survey itself when empty)."""
        if self.is_empty:
            return survey
        return filter_survey(survey, date_range=self.date_range, segments={c: list(v) for c, v in self.segments})


NO_FILTERS = Filters()


def _validate_filters(survey: Survey, date_range, segments) -> None:
    """The survey, the date range and the segment filter must be usable."""
    if not isinstance(survey, Survey):
        raise SurveyError(_("filter_survey needs a Survey, not a {name}.").format(name=type(survey).__name__))
    if date_range is not None:
        if not isinstance(date_range, (tuple, list)) or len(date_range) != 2:
            raise SurveyError(_("The date range must be a pair (start, end); use None for an open end."))
        if "date" not in survey.responses.columns:
            raise SurveyError(_("The survey has no date column, so it cannot be filtered by date."))
    if segments:
        if not isinstance(segments, dict):
            raise SurveyError(_("The segment filter must map a segment column to the values to keep."))
        for col in segments:
            if col not in survey.responses.columns or col == "response_id":
                shown = ", ".join(survey.info.segments) or "none"
                raise SurveyError(_("There is no segment column {col!r} to filter on; the segments are: {shown}.").format(col=col, shown=shown))


def _as_timestamp(value, *, end: bool) -> pd.Timestamp | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise SurveyError(_("The date {value!r} in the date range is not a date.").format(value=value)) from None
    if ts.tzinfo is not None:
        ts = ts.tz_convert(None)
    # a bare date as the end of the range includes that whole day
    if end and ts == ts.normalize() and not (isinstance(value, str) and ("T" in value or ":" in value)):
        ts = ts + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    return ts


def filter_mask(survey: Survey, *, date_range=None, segments: dict[str, list[str]] | None = None) -> np.ndarray:
    """Boolean array, one per respondent (``responses`` row): who passes the filters.

    Respondents without a date are excluded by a date range; an empty list of values for a
    segment keeps nobody; ``None`` for a segment or for the whole filter keeps everybody.

    >>> from cycle_analytics.ingest.importer import import_survey
    >>> s = import_survey(b"id,branch,wait,pay\\nA,North,4,5\\nB,South,2,3\\n")
    >>> filter_mask(s, segments={"branch": ["South"]}).tolist()
    [False, True]
    """
    _validate_filters(survey, date_range, segments)
    resp = survey.responses
    keep = np.ones(len(resp), dtype=bool)
    if date_range is not None:
        start = _as_timestamp(date_range[0], end=False)
        stop = _as_timestamp(date_range[1], end=True)
        dates = pd.to_datetime(resp["date"])
        ok = dates.notna().to_numpy().copy()
        if start is not None:
            ok &= (dates >= start).fillna(False).to_numpy(dtype=bool)
        if stop is not None:
            ok &= (dates <= stop).fillna(False).to_numpy(dtype=bool)
        keep &= ok
    for col, values in (segments or {}).items():
        if values is None:
            continue
        wanted = {str(v) for v in values}
        col_values = resp[col]
        if isinstance(col_values.dtype, pd.CategoricalDtype):
            cats = col_values.cat.categories.astype(str)
            hit = np.array([c in wanted for c in cats], dtype=bool)
            codes = col_values.cat.codes.to_numpy()
            keep &= np.where(codes >= 0, hit[np.clip(codes, 0, None)] if hit.size else False, False)
        else:
            keep &= col_values.astype("str").isin(wanted).to_numpy(dtype=bool)
    return keep


def filter_survey(survey: Survey, *, date_range=None, segments: dict[str, list[str]] | None = None) -> Survey:
    """The survey restricted to respondents within ``date_range`` and with the chosen segment values.

    Parameters
    ----------
    survey : Survey
    date_range : (start, end), optional
        Dates (anything ``pandas.Timestamp`` reads; ``None`` for an open end). A bare end date
        includes that whole day.
    segments : dict, optional
        Segment column -> values to keep (values compared as text).

    Returns
    -------
    Survey
        Same stages, scale and info except ``respondents`` and ``ratings``; empty (0 respondents)
        when nobody matches.

    Examples
    --------
    >>> from cycle_analytics.ingest.importer import import_survey
    >>> s = import_survey(b"id,date,wait,pay\\nA,2024-01-05,4,5\\nB,2024-02-01,2,3\\n")
    >>> filter_survey(s, date_range=("2024-01-01", "2024-01-31")).info.respondents
    1
    >>> filter_survey(s, date_range=("2030-01-01", None)).info.ratings
    0
    """
    keep = filter_mask(survey, date_range=date_range, segments=segments)
    return subset_responses(survey, keep)
