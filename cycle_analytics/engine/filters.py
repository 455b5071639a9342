"""The dashboard's filters (a date range, segment values) as WHERE clauses on the backend.

:class:`Filters` holds what :func:`cycle_analytics.stats.filters.filter_mask` takes, in a frozen,
hashable form (the app caches results per filter). :func:`filter_predicates` turns it into Ibis
boolean expressions over any table that has the survey's date and segment columns: the answers
table (a filter given when the engine opens its source is pushed into the scan, before the
``GROUP BY respondent``, so a partitioned warehouse table reads only the dates asked for) or the
respondent table (a filter changed afterwards scans only that).

Semantics (as the in-memory filter): respondents without a date are excluded by a date range; a
bare end date includes that whole day; segment values are compared as text; an empty list of
values keeps nobody. Dates are compared to the day (the respondent table holds days).

Examples
--------
>>> f = Filters(date_range=("2024-01-01", None), segments={"region": ["North"]})
>>> f.segments
(('region', ('North',)),)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from cycle_analytics.errors import SurveyError

__all__ = ["Filters", "filter_predicates", "NO_FILTERS"]


@dataclass(frozen=True)
class Filters:
    """A date range ``(start, end)`` (``None`` for an open end) and segment values to keep.

    ``segments`` accepts a mapping column -> values and is stored as sorted ``(column, values)``
    pairs; ``None`` values for a column keep everybody (the pair is dropped).
    """

    date_range: tuple[object, object] | None = None
    segments: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        segments = self.segments.items() if isinstance(self.segments, Mapping) else (self.segments or ())
        pairs = tuple(sorted((str(c), tuple(str(v) for v in values)) for c, values in segments if values is not None))
        object.__setattr__(self, "segments", pairs)
        if self.date_range is not None:
            if not isinstance(self.date_range, (tuple, list)) or len(self.date_range) != 2:
                raise SurveyError("The date range must be a pair (start, end); use None for an open end.")
            object.__setattr__(self, "date_range", tuple(self.date_range))

    @property
    def is_empty(self) -> bool:
        return self.date_range is None and not self.segments


NO_FILTERS = Filters()


def _day(value):
    """A date-range end as a ``datetime.date`` (``None`` for an open end)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise SurveyError(f"The date {value!r} in the date range is not a date.") from None
    if pd.isna(ts):
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_convert(None)
    return ts.date()


def filter_predicates(filters: Filters | None, date: ir.Value | None, segment: Callable[[str], ir.Value | None]) -> list[ir.BooleanValue]:
    """The WHERE clauses of ``filters``.

    Parameters
    ----------
    filters : Filters or None
    date : Ibis date column or None
        The respondent's date on the filtered table (``None``: the survey has no date).
    segment : callable
        Segment column name -> its Ibis column on the filtered table (``None`` when there is no such segment).

    Raises
    ------
    SurveyError
        For a date range on a survey without dates or a segment the survey does not have.
    """
    if filters is None or filters.is_empty:
        return []
    out: list[ir.BooleanValue] = []
    if filters.date_range is not None:
        if date is None:
            raise SurveyError("The survey has no date column, so it cannot be filtered by date.")
        start, stop = _day(filters.date_range[0]), _day(filters.date_range[1])
        out.append(date.notnull())
        if start is not None:
            out.append(date >= ibis.literal(start))
        if stop is not None:
            out.append(date <= ibis.literal(stop))
    for column, values in filters.segments:
        col = segment(column)
        if col is None:
            raise SurveyError(f"There is no segment column {column!r} to filter on.")
        out.append(_segment_predicate(col, values))
    return out


def _segment_predicate(column: ir.Value, values: tuple[str, ...]) -> ir.BooleanValue:
    """``column`` is one of ``values`` (compared as text; numbers parsed for a numeric column)."""
    if not values:
        return ibis.literal(False)
    kind = column.type()
    if kind.is_string():
        return column.isin(list(values))
    if kind.is_numeric():
        numbers = []
        for v in values:
            try:
                numbers.append(float(v))
            except ValueError:
                continue
        if not numbers:
            return ibis.literal(False)
        return column.isin(numbers)
    if kind.is_boolean():
        wanted = {str(v).strip().casefold() for v in values}
        keep = [b for b, names in ((True, {"true", "1"}), (False, {"false", "0"})) if wanted & names]
        return column.isin(keep) if keep else ibis.literal(False)
    return column.cast("string").isin(list(values))
