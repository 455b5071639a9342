"""The dashboard's filters (a date range, segment values) as WHERE clauses on the backend.

:class:`~cycle_analytics.stats.filters.Filters` holds a filter (the in-memory path applies it
with :func:`~cycle_analytics.stats.filters.filter_survey`); :func:`filter_predicates` turns it into Ibis
boolean expressions over any table that has the survey's date and segment columns: the answers
table (a filter given when the engine opens its source is pushed into the scan, before the
``GROUP BY respondent``, so a partitioned warehouse table reads only the dates asked for) or the
respondent table (a filter changed afterwards scans only that).

Semantics (as the in-memory filter): respondents without a date are excluded by a date range; a
bare end date includes that whole day; segment values are compared as text; an empty list of
values keeps nobody. Dates are compared to the day (the respondent table holds days).

Examples
--------
>>> import ibis
>>> t = ibis.table({"region": "string"}, name="t")
>>> [str(p.op().__class__.__name__) for p in filter_predicates(Filters(segments={"region": ["North"]}), None, t.__getitem__)]
['InValues']
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir
import pandas as pd

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.stats.filters import Filters

__all__ = ["filter_predicates"]


def _day(value):
    """A date-range end as a ``datetime.date`` (``None`` for an open end)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise SurveyError(_("The date {value!r} in the date range is not a date.").format(value=value)) from None
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
            raise SurveyError(_("The survey has no date column, so it cannot be filtered by date."))
        start, stop = _day(filters.date_range[0]), _day(filters.date_range[1])
        out.append(date.notnull())
        if start is not None:
            out.append(date >= ibis.literal(start))
        if stop is not None:
            out.append(date <= ibis.literal(stop))
    for column, values in filters.segments:
        col = segment(column)
        if col is None:
            raise SurveyError(_("There is no segment column {column!r} to filter on.").format(column=column))
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
